/* Detection extraction on the device: the cells above threshold (a compact list) are grouped
 * 8-connected (Doppler wraps) by propagating, through each group, the index of the cell with
 * the largest (power, position) key; the cell whose label is itself is the group's peak,
 * interpolated and appended to the detection list. Labels are 32-bit cell indices, so a
 * label read while another work-item writes it is the old or the new one, never a mix (the
 * key, 64 bits, is recomputed from the map). Only detections come back to the host.
 * Chunks of maps as in cfar.cl: map j of a launch is maps[a0 + j]; its list and labels are the
 * j-th cap and [P x rb] of their buffers; its counts and detections are in out at
 * (a0 + j) ostride: [1] cells above, [2] detections, from [4] the float4 detections.
 * SPDX-License-Identifier: GPL-2.0-or-later */

/* Larger power wins; on equal power the earlier cell (smaller index) wins. */
ulong extract_key(__global const float *map, uint n, uint rb, uint cell)
{
    const uint d = cell / rb, r = cell % rb;
    return ((ulong)as_uint(map[(size_t)d * n + r]) << 32) | (ulong)(0xffffffffu - cell);
}

/* The number of listed cells: the CFAR's counter, capped at the list's size. Kernels read it
 * on the device, so the host never waits for it between kernels. */
uint extract_count(__global const uint *above, uint cap) { return min(*above, cap); }

__kernel void extract_label_init(__global const uint *list_all, __global uint *label_all,
                                 __global const uint *out, uint cap, uint p, uint rb,
                                 uint ostride, uint a0)
{
    const uint i = get_global_id(0), j = get_global_id(1);
    if (i >= extract_count(out + (size_t)(a0 + j) * ostride + 1, cap))
        return;
    const uint cell = list_all[(size_t)j * cap + i];
    label_all[(size_t)j * p * rb + cell] = cell;
}

/* Max-propagation to the 8 neighbours that are also above threshold, round after round until
 * nothing changes, by one work-group per map (the list is short next to the map: targets, not
 * noise) so no round trip to the host is needed between rounds. Global 256 x maps. */
__kernel __attribute__((reqd_work_group_size(256, 1, 1)))
void extract_group(__global const float *maps, __global const uint *list_all,
                   __global const uchar *mask_all, __global uint *label_all,
                   __global const uint *out, uint cap, uint n, uint p, uint rb, uint ostride,
                   uint a0)
{
    __local int changed;
    const uint j = get_group_id(0), lid = get_local_id(0);
    const uint count = extract_count(out + (size_t)(a0 + j) * ostride + 1, cap);
    const __global float *map = maps + (size_t)(a0 + j) * p * n;
    const __global uint *list = list_all + (size_t)j * cap;
    const __global uchar *mask = mask_all + (size_t)j * p * rb;
    __global uint *label = label_all + (size_t)j * p * rb;
    for (;;) {
        if (lid == 0)
            changed = 0;
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        for (uint i = lid; i < count; i += 256u) {
            const uint cell = list[i], d = cell / rb, r = cell % rb;
            uint best = label[cell];
            ulong best_key = extract_key(map, n, rb, best);
            for (int dd = -1; dd <= 1; dd++) {
                const uint d2 = (d + p + (uint)dd) % p;
                for (int dr = -1; dr <= 1; dr++) {
                    const int r2 = (int)r + dr;
                    if (r2 < 0 || r2 >= (int)rb)
                        continue;
                    const uint c2 = d2 * rb + (uint)r2;
                    if (!mask[c2])
                        continue;
                    const uint l2 = label[c2];
                    const ulong k2 = extract_key(map, n, rb, l2);
                    if (k2 > best_key) {
                        best = l2;
                        best_key = k2;
                    }
                }
            }
            if (best != label[cell]) {
                label[cell] = best;
                changed = 1;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        if (!changed)
            break;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

float extract_db(float x) { return 10.0f * log10(fmax(x, 1e-30f)); }

float extract_vertex(float a, float b, float c)
{
    const float den = a - 2.0f * b + c;
    if (!(den < 0.0f))
        return 0.0f;
    return clamp(0.5f * (a - c) / den, -0.5f, 0.5f);
}

/* The noise estimate of a peak from its training ring (CA / GO / SO: means; OS: k-th / E). */
float extract_noise(__global const float *map, uint n, uint p, uint rb, int d, int r, int g,
                    int go, int dg, int dgo, int type, int k, float os_norm)
{
    if (type == 3)
        return cfar_os_kth(map, n, p, rb, d, r, g, go, dg, dgo, k) / os_norm;
    float lead = 0.0f, lag = 0.0f, mid = 0.0f;
    int n_lead = 0, n_lag = 0, n_mid = 0;
    for (int dd = -dgo; dd <= dgo; dd++) {
        const uint row = (uint)((d + dd) % (int)p + (int)p) % p;
        const int guard_row = dd >= -dg && dd <= dg;
        for (int dr = -go; dr <= go; dr++) {
            const int rr = r + dr;
            if (rr < 0 || rr >= (int)rb || (guard_row && dr >= -g && dr <= g))
                continue;
            const float v = map[(size_t)row * n + rr];
            if (dr < 0) { lead += v; n_lead++; }
            else if (dr > 0) { lag += v; n_lag++; }
            else { mid += v; n_mid++; }
        }
    }
    if (type == 0)
        return (lead + lag + mid) / (float)(n_lead + n_lag + n_mid);
    if (n_lead == 0)
        return lag / (float)n_lag;
    if (n_lag == 0)
        return lead / (float)n_lead;
    const float a = lead / (float)n_lead, b = lag / (float)n_lag;
    return type == 1 ? fmax(a, b) : fmin(a, b);
}

/* Peaks into the map's detections: (range_bin, doppler_bin relative to zero velocity, snr_db, power_db). */
__kernel void extract_peaks(__global const float *maps, __global const uint *list_all,
                            __global const uint *label_all, __global const int *os_k,
                            __global const float *os_norm, __global uint *out, uint list_cap,
                            uint n, uint p, uint rb, int g, int go, int dg, int dgo, int type,
                            uint cap, uint ostride, uint a0)
{
    const uint i = get_global_id(0), j = get_global_id(1);
    __global uint *head = out + (size_t)(a0 + j) * ostride;
    if (i >= extract_count(head + 1, list_cap))
        return;
    const uint cell = list_all[(size_t)j * list_cap + i];
    if (label_all[(size_t)j * p * rb + cell] != cell)
        return;
    const __global float *map = maps + (size_t)(a0 + j) * p * n;
    const int d = (int)(cell / rb), r = (int)(cell % rb);
    const __global float *row = map + (size_t)d * n;
    const float b = extract_db(row[r]);
    float dr = 0.0f, ddop = 0.0f, peak = b;
    if (r > 0 && r + 1 < (int)n) {
        const float a = extract_db(row[r - 1]), c = extract_db(row[r + 1]);
        dr = extract_vertex(a, b, c);
        peak += -0.25f * (a - c) * dr;
    }
    if (p >= 3) {
        const float a = extract_db(map[(size_t)((d + (int)p - 1) % (int)p) * n + r]);
        const float c = extract_db(map[(size_t)((d + 1) % (int)p) * n + r]);
        ddop = extract_vertex(a, b, c);
        peak += -0.25f * (a - c) * ddop;
    }
    const float noise = extract_noise(map, n, p, rb, d, r, g, go, dg, dgo, type, os_k[r],
                                      os_norm[r]);
    const uint k = atomic_inc(head + 2);
    if (k < cap)
        vstore4((float4)((float)r + dr, (float)d - (float)(p / 2) + ddop,
                         peak - extract_db(noise), peak),
                k, (__global float *)(head + 4));
}
