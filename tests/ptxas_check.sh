#!/usr/bin/env bash
# Every Triad kernel compiled for an NVIDIA H100 without one: the program the host builds
# (kernels/*.clh, then fft.cl range.cl doppler.cl cfar.cl extract.cl, as
# host/proc/opencl/cl_util.c concatenates them) goes through clang-14 + libclc (Debian) to
# PTX and through the CUDA toolkit's ptxas for sm_90, with each kernel's
# reqd_work_group_size as its .reqntid; fails on a register spill or stack use (private
# arrays that did not stay in registers) beyond the allowance written below, with its reason,
# or on more than 48 KiB of __local memory. Prints a table per kernel with the occupancy on
# sm_90 at the work-group size the host launches it with (bench/RESULTS.md keeps a copy) and
# fails when a kernel of the benchmark shapes is below 50% occupancy there (issue 16).
#
# LLVM 14 writes PTX 7.5 for sm_80 at most; the PTX is relabelled .version 7.8 / .target
# sm_90 (every PTX 7.5 instruction is valid there) so that ptxas allocates registers for
# the H100. NVIDIA's own OpenCL compiler is a different front end: the table is a close
# model, not the driver's numbers.
#
# usage: ptxas_check.sh KERNEL_DIR [TABLE_FILE]; exits 77 (skipped) when clang-14, llvm-14,
# libclc-14 or ptxas are not installed.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
kdir=${1:?usage: ptxas_check.sh KERNEL_DIR [TABLE_FILE]}
table=${2:-}
PATH=$PATH:/usr/local/cuda/bin
libclc=/usr/lib/clc/nvptx64--nvidiacl.bc
for tool in clang-14 llvm-link-14 opt-14 llc-14 ptxas; do
  command -v $tool >/dev/null || { echo "ptxas_check: skipped: $tool not found (Debian clang-14, llvm-14; ptxas from the CUDA toolkit)"; exit 77; }
done
[ -f $libclc ] || { echo "ptxas_check: skipped: $libclc not found (Debian libclc-14)"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
  cat "$kdir/common.clh"
  for h in "$kdir"/*.clh; do [ "$(basename "$h")" = common.clh ] || cat "$h"; done
  for f in fft.cl range.cl doppler.cl cfar.cl extract.cl; do cat "$kdir/$f"; done
} > "$tmp/all.cl"
clang-14 -x cl -cl-std=CL1.2 -target nvptx64--nvidiacl -Xclang -finclude-default-header -O3 \
  -emit-llvm -c "$tmp/all.cl" -o "$tmp/all.bc"
llvm-link-14 "$tmp/all.bc" $libclc -o "$tmp/linked.bc"
opt-14 -O3 "$tmp/linked.bc" -o "$tmp/opt.bc"
llc-14 -mcpu=sm_80 -mattr=+ptx75 "$tmp/opt.bc" -o "$tmp/all.ptx"
sed -i 's/^\.target sm_80/.target sm_90/; s/^\.version 7\.5/.version 7.8/' "$tmp/all.ptx"
# the work-group each kernel is launched with: its reqd_work_group_size (clang keeps it as IR
# metadata; LLVM 14 does not pass it on to the PTX) where it has one, else what
# host/proc/opencl launches it with
declare -A wg
llvm-dis-14 "$tmp/all.bc" -o "$tmp/all.ll"
while read -r name n; do wg[$name]=$n; done < <(awk '
  /^define .*reqd_work_group_size/ {
    name = $0; sub(/\(.*/, "", name); sub(/.*@/, "", name)
    md = $0; sub(/.*reqd_work_group_size /, "", md); sub(/ .*/, "", md); want[md] = want[md] " " name
  }
  /^![0-9]+ = !\{i32 [0-9]+, i32/ {
    md = $1; n = $4; sub(/,/, "", n); dims[md] = n
  }
  END { for (md in want) { c = split(want[md], ks, " "); for (i = 1; i <= c; i++) print ks[i], dims[md] } }' "$tmp/all.ll")
launch_wg() {
  [ -n "${wg[$1]:-}" ] && { echo "${wg[$1]}"; return; }
  case $1 in
    fft_pass*|cfar_mean) echo 256 ;; # TRIAD__CLFFT_GLOBAL_ITEMS, TILE
    *) echo 64 ;;                     # run3d
  esac
}


# reqd_work_group_size as the PTX launch bound .reqntid (what a compiler that honours it
# passes on), so that ptxas allocates registers for that many threads per block: at 1024
# threads 64 registers at most, whatever more would spill
awk -v reqd="$(for k in "${!wg[@]}"; do echo "$k=${wg[$k]}"; done | tr '\n' ' ')" '
  BEGIN { split(reqd, a, " "); for (i in a) { split(a[i], kv, "="); n[kv[1]] = kv[2] } }
  /^\.(visible )?\.entry/ { name = $NF; sub(/\(.*/, "", name); inl = (name in n) }
  inl && /^\)/ { print; print ".reqntid " n[name] ", 1, 1"; inl = 0; next }
  { print }' "$tmp/all.ptx" > "$tmp/reqd.ptx"
ptxas -arch=sm_90 -v "$tmp/reqd.ptx" -o "$tmp/all.cubin" 2> "$tmp/ptxas.log"

# sm_90: 64 Ki registers (per thread a multiple of 8), 64 warps, 32 blocks and 228 KiB shared
# memory (1 KiB of it reserved per block) per SM
awk -v table="$table" -v wgs="$(for k in $(awk '/^\.(visible )?\.entry/ {n=$NF; sub(/\(.*/,"",n); print n}' "$tmp/all.ptx"); do echo "$k=$(launch_wg "$k")"; done | tr '\n' ' ')" '
  BEGIN {
    split(wgs, a, " "); for (i in a) { split(a[i], kv, "="); wg[kv[1]] = kv[2] }
    # Spills allowed, in stack bytes, by kernel name prefix, each with its reason:
    # range_long*: a pulse per work-group of 1024 threads leaves 64 registers a thread (64 Ki
    #   per SM); its 16-point row FFT with the exchanges one part at a time needs more, so
    #   ptxas spills 56-80 B a thread to L1-cached local memory (160 B before the spectrum,
    #   twiddle and store addresses were stepped pointers). The alternative for these lengths
    #   (the four-step kernels at the next power of two) moves 5x the device-memory bytes.
    #   NOT spill-free (issue 16): 8 points per thread in the row FFT is the fix, not done.
    allow["range_long"] = 96
    # kernels that run at the benchmark shapes (ci16, CA-CFAR): S and CFAR2 range_fused,
    # M range_long9, MATX range_long5; every shape doppler_fused, cfar_mean, extract_*
    bench["range_fused_ci16"] = "S, CFAR2"; bench["range_long9_ci16"] = "M"
    bench["range_long5_ci16"] = "MATX"; bench["doppler_fused"] = "all"
    bench["cfar_mean"] = "all"; bench["extract_label_init"] = "all"
    bench["extract_group"] = "all"; bench["extract_peaks"] = "all"
  }
  /Compiling entry function/ { name = $0; sub(/.*function \047/, "", name); sub(/\047.*/, "", name) }
  /Function properties for/ { fn = $NF }
  /bytes stack frame/ && fn == name { stack[name] = $1; spst[name] = $5; spld[name] = $9 }
  /Used [0-9]+ registers/ && name != "" {
    for (i = 1; i <= NF; i++) {
      if ($(i + 1) ~ /^registers/) regs[name] = $i
      if ($(i + 1) ~ /^bytes/ && $(i + 2) ~ /^smem/) smem[name] = $i
    }
    order[++nk] = name
  }
  function min(a, b) { return a < b ? a : b }
  END {
    fmt = "| %-20s | %4s | %5s | %11s | %6s | %5s | %9s |\n"
    line = sprintf(fmt, "kernel", "regs", "stack", "spill st/ld", "shared", "wg", "occupancy")
    line = line sprintf(fmt, "---", "---", "---", "---", "---", "---", "---")
    bad = 0
    for (i = 1; i <= nk; i++) {
      k = order[i]; r = regs[k] + 0; s = smem[k] + 0; w = wg[k] + 0
      warps = int((w + 31) / 32)
      r8 = int((r + 7) / 8) * 8
      b = min(32, int(64 / warps))
      if (r8 > 0) b = min(b, int(int(65536 / (r8 * 32)) / warps))
      if (s > 0) b = min(b, int(233472 / (s + 1024)))
      occ = sprintf("%.1f%%", 100.0 * b * warps / 64)
      line = line sprintf(fmt, k, r, stack[k] + 0, (spst[k] + 0) "/" (spld[k] + 0), s, w, occ)
      if (stack[k] + 0 > 0 || spst[k] + 0 > 0 || spld[k] + 0 > 0) {
        lim = -1
        for (pre in allow) if (index(k, pre) == 1) lim = allow[pre]
        if (stack[k] + 0 > lim) { bad++; fail = fail " " k ": stack/spill;" }
        else known = known " " k " (" stack[k] " B)"
      }
      if (k in bench && occ + 0 < 50) { bad++; fail = fail " " k ": occupancy " occ " < 50% (" bench[k] ");" }
      if (s > 49152) { bad++; fail = fail " " k ": shared " s " B > 48 KiB;" }
    }
    printf "%s", line
    if (table != "") printf "%s", line > table
    if (nk < 20) { print "ptxas_check: only " nk " kernels compiled"; exit 1 }
    if (known != "") print "ptxas_check: spills within the allowance written in this script:" known
    if (bad) { print "ptxas_check: FAIL:" fail; exit 1 }
    print "ptxas_check: " nk " kernels, no spill or stack beyond the allowance, shared <= 48 KiB, >= 50% occupancy at the benchmark shapes"
  }' "$tmp/ptxas.log"
