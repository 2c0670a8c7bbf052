/* The chain on buffers of the caller's layout (include/triad/chain.h, triad_cpi_layout):
 * gathered into a slot's input in the chain's interleaved layout [P x N x C].
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "core/error_internal.h"
#include "proc/chain_internal.h"

triad_cpi_layout triad_cpi_layout_interleaved(const triad_chain_cfg *cfg, const void *base)
{
    const ptrdiff_t c = (ptrdiff_t)cfg->num_channels;
    return (triad_cpi_layout){
        .base = base,
        .channel_stride = 1,
        .sample_stride = c,
        .pulse_stride = (ptrdiff_t)cfg->samples_per_pulse * c,
    };
}

/* One channel's pulse: n samples of size bytes, stride apart, into every c-th slot of dst. */
static void gather_pulse(unsigned char *restrict dst, const unsigned char *restrict src,
                         size_t n, size_t size, ptrdiff_t stride, size_t c)
{
    if (size == 8)
        for (size_t i = 0; i < n; i++)
            memcpy(dst + i * c * 8, src + (ptrdiff_t)i * stride * 8, 8);
    else
        for (size_t i = 0; i < n; i++)
            memcpy(dst + i * c * 4, src + (ptrdiff_t)i * stride * 4, 4);
}

int triad_chain_load(triad_chain *chain, size_t slot, const triad_cpi_layout *layout)
{
    const triad_chain_cfg *cfg = triad__chain_cfg(chain);
    if (slot >= triad_chain_slots(chain) || triad__chain_slot_busy(chain, slot))
        return triad__fail(TRIAD_EINVAL, "load: slot %zu is %s", slot,
                           slot >= triad_chain_slots(chain) ? "out of range" : "still in flight");
    if (!layout->base && !layout->channels)
        return triad__fail(TRIAD_EINVAL, "layout: neither base nor channels set");
    if (!layout->sample_stride || !layout->pulse_stride ||
        (layout->base && !layout->channel_stride && cfg->num_channels > 1))
        return triad__fail(TRIAD_EINVAL, "layout: strides channel %td, sample %td, pulse %td: "
                                         "zero", layout->channel_stride,
                           layout->sample_stride, layout->pulse_stride);
    const size_t n = cfg->samples_per_pulse, p = cfg->pulses_per_cpi, c = cfg->num_channels;
    const size_t size = triad_format_bytes(cfg->format);
    unsigned char *dst = triad_chain_input(chain, slot);
    const triad_cpi_layout own = triad_cpi_layout_interleaved(cfg, layout->base);
    if (layout->base && layout->channel_stride == own.channel_stride &&
        layout->sample_stride == own.sample_stride && layout->pulse_stride == own.pulse_stride) {
        memcpy(dst, layout->base, p * n * c * size); /* already ours */
        return 0;
    }
    for (size_t ch = 0; ch < c; ch++) {
        const unsigned char *src = layout->base
                                       ? (const unsigned char *)layout->base +
                                             (ptrdiff_t)ch * layout->channel_stride * (ptrdiff_t)size
                                       : layout->channels[ch];
        if (!src)
            return triad__fail(TRIAD_EINVAL, "layout: channels[%zu] is NULL", ch);
        for (size_t m = 0; m < p; m++)
            gather_pulse(dst + (m * n * c + ch) * size,
                         src + (ptrdiff_t)m * layout->pulse_stride * (ptrdiff_t)size, n, size,
                         layout->sample_stride, c);
    }
    return 0;
}

int triad_chain_execute_layout(triad_chain *chain, const triad_cpi_layout *layout,
                               uint64_t cpi_index, triad_detection *dets,
                               triad_chain_stats *stats)
{
    /* slot 0 through submit and collect: its input is where load put the CPI */
    int err = triad_chain_load(chain, 0, layout);
    if (!err)
        err = triad_chain_submit(chain, 0, cpi_index);
    if (!err)
        err = triad_chain_collect(chain, 0, dets, stats);
    return err;
}
