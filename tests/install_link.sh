#!/usr/bin/env bash
# The installed package as a user sees it: `cmake --install` into a prefix inside the build
# folder, then examples/ built against that prefix only (never the source tree): through
# pkg-config (shared, and static with --static) and through find_package(triad) (triad::triad,
# triad::triad_static); each program must run and find what it is written to find. Every
# installed header compiles alone as C and C++, and tests/cxx_api.cpp runs the chain from C++;
# examples/live_stream.c takes `triad replay`'s stream and must find what `triad process` finds.
# Also checks that the headers, triad.pc and the CMake package are where the README says.
# usage: install_link.sh BUILD_DIR SOURCE_DIR TMP_DIR
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
build=${1:?usage: install_link.sh BUILD_DIR SOURCE_DIR TMP_DIR}
src=${2:?usage: install_link.sh BUILD_DIR SOURCE_DIR TMP_DIR}
tmp=${3:?usage: install_link.sh BUILD_DIR SOURCE_DIR TMP_DIR}
rm -rf "$tmp"
mkdir -p "$tmp"
tmp=$(cd "$tmp" && pwd) src=$(cd "$src" && pwd) build=$(cd "$build" && pwd)
prefix="$tmp/prefix"
fail() { echo "install_link: FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" || fail "cmake --install (see $tmp/install.log)"
libdir=""
for d in lib lib64 lib/*-linux-gnu; do
    [ -e "$prefix/$d/pkgconfig/triad.pc" ] && { libdir=$d; break; }
done
[ -n "$libdir" ] || fail "no triad.pc under $prefix"
for f in bin/triad share/man/man1/triad.1 include/triad/triad.h include/triad/chain.h include/triad/version.h \
         include/triad/fusion.h          "$libdir/libtriad.so" "$libdir/libtriad.a" "$libdir/cmake/triad/triadConfig.cmake"; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
# Each shared library exports the public API only (cmake/TriadLibrary.cmake's version script):
# names triad_<letter>..., no internal triad__ name, nothing else.
nlibs=0
for so in "$prefix/$libdir"/libtriad*.so; do
    nlibs=$((nlibs + 1))
    nm -D --defined-only "$so" | awk '$2 != "A"' > "$tmp/exports.txt"
    [ -s "$tmp/exports.txt" ] || fail "$(basename "$so") exports nothing"
    if grep -q ' triad__' "$tmp/exports.txt"; then
        fail "$(basename "$so") exports internal names: $(grep ' triad__' "$tmp/exports.txt" | head -3 | awk '{print $3}' | tr '\n' ' ')"
    fi
    if grep -vq ' triad_[A-Za-z]' "$tmp/exports.txt"; then
        fail "$(basename "$so") exports non-triad names: $(grep -v ' triad_[A-Za-z]' "$tmp/exports.txt" | head -3 | awk '{print $3}' | tr '\n' ' ')"
    fi
done
[ $nlibs -ge 3 ] || fail "only $nlibs shared libraries installed"

"$prefix/bin/triad" --version | grep -q "^triad [0-9]*\.[0-9]*\.[0-9]* (commit " ||
    fail "installed triad --version: $("$prefix/bin/triad" --version)"

# Compile flags a user would have: our sanitizers if this build has them, nothing of ours else.
cflags=(-std=c11 -Wall -Wextra -Werror)
[ -n "${TRIAD_SANITIZE:-}" ] && cflags+=("-fsanitize=$TRIAD_SANITIZE")
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
[ "$(pkg-config --modversion triad)" = "$("$prefix/bin/triad" --version | awk '{print $2}')" ] ||
    fail "pkg-config --modversion triad: $(pkg-config --modversion triad)"
case "$(pkg-config --cflags triad)" in
    *"$src/include"*|*"$build/include"*) fail "triad.pc points into the tree: $(pkg-config --cflags triad)";;
esac

run() { # NAME PROGRAM...: run, keep the output, fail with it
    "${@:2}" > "$tmp/$1.out" 2>&1 || { cat "$tmp/$1.out" >&2; fail "$1 exited $?"; }
}
for ex in chain_buffer live_stream; do
    cc "${cflags[@]}" "$src/examples/$ex.c" -o "$tmp/$ex.pc" $(pkg-config --cflags --libs triad) -lm ||
        fail "$ex: pkg-config build"
    [ "$ex" = chain_buffer ] && run "$ex.pc" env LD_LIBRARY_PATH="$prefix/$libdir" "$tmp/$ex.pc"
    LD_LIBRARY_PATH="$prefix/$libdir" ldd "$tmp/$ex.pc" | grep -q "$prefix/$libdir/libtriad.so" || fail "$ex.pc does not use the installed libtriad.so"
    cc "${cflags[@]}" "$src/examples/$ex.c" -o "$tmp/$ex.static" $(pkg-config --cflags triad) \
        -Wl,-Bstatic -ltriad -Wl,-Bdynamic $(pkg-config --static --libs triad | sed 's/-ltriad\b//') -lm ||
        fail "$ex: pkg-config --static build"
    ldd "$tmp/$ex.static" | grep -q libtriad && fail "$ex.static links libtriad.so"
    [ "$ex" = chain_buffer ] && run "$ex.static" "$tmp/$ex.static"
done

# live_stream (shared) against `triad replay` of a simulated recording: the detections its
# callback prints must be those of `triad process` on the same recording (same chain).
cat > "$tmp/scene.json" <<'SCENE'
{"radar": {"datatype": "ci16_le", "sample_rate_hz": 10e6, "carrier_hz": 3e9, "pri_s": 200e-6,
           "samples_per_pulse": 512, "pulses_per_cpi": 32, "num_channels": 2,
           "waveform": {"bandwidth_hz": 5e6, "pulse_width_s": 5e-6}},
 "cpis": 4, "seed": 5, "ci16_scale": 300,
 "targets": [{"range_m": 3000, "velocity_mps": 30, "snr_db": 5},
             {"range_m": 6000, "velocity_mps": -60, "snr_db": 0}]}
SCENE
triad=$prefix/bin/triad
"$triad" simulate --scene "$tmp/scene.json" --out "$tmp/rec" > "$tmp/simulate.log" 2>&1 ||
    fail "triad simulate: $(cat "$tmp/simulate.log")"
"$triad" process "$tmp/rec.sigmf-meta" --backend fftw --fft-effort estimate --threads 1 --quiet \
    --out "$tmp/proc.jsonl" 2> "$tmp/process.err" || fail "triad process: $(cat "$tmp/process.err")"
python3 - "$tmp/proc.jsonl" > "$tmp/proc.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print("cpi %d channel %d range_bin %.4f doppler_bin %.4f snr_db %.2f"
          % (d["cpi"], d["channel"], d["range_bin"], d["doppler_bin"], d["snr_db"]))
PY
[ -s "$tmp/proc.txt" ] || fail "triad process found nothing"
live_ok=0
for rate in 0.5 0.2 0.1; do # a loaded machine may drop packets: slower
    : > "$tmp/live.err"
    LD_LIBRARY_PATH="$prefix/$libdir" timeout -s KILL 60 "$tmp/live_stream.pc" "$tmp/rec.sigmf-meta" \
        > "$tmp/live.out" 2> "$tmp/live.err" &
    live_pid=$!
    port=
    for _ in $(seq 600); do
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/live.err")
        [ -n "$port" ] && break
        kill -0 $live_pid 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$port" ] || { cat "$tmp/live.err" >&2; fail "live_stream did not start"; }
    "$triad" replay "$tmp/rec.sigmf-meta" --to "udp://127.0.0.1:$port" --rate $rate 2> "$tmp/replay.err" ||
        fail "triad replay: $(cat "$tmp/replay.err")"
    wait $live_pid || { cat "$tmp/live.err" >&2; fail "live_stream exited $?"; }
    if cmp -s "$tmp/proc.txt" "$tmp/live.out"; then
        live_ok=1
        break
    fi
    # not loss (a degraded or a missing CPI): a real difference
    grep -q degraded "$tmp/live.out" || [ "$(wc -l < "$tmp/live.out")" -lt "$(wc -l < "$tmp/proc.txt")" ] || break
    echo "install_link: note: packets lost at --rate $rate; trying slower"
done
[ $live_ok = 1 ] || { diff "$tmp/proc.txt" "$tmp/live.out" >&2; fail "live_stream detections differ from triad process"; }
echo "install_link: live_stream: $(wc -l < "$tmp/live.out") detections, as triad process"

# Every installed public header on its own, as C99/C11 and as C++11/17 (self-contained,
# no C-only types in C++), then tests/cxx_api.cpp built and run from C++.
cxx=$(command -v c++ || command -v g++ || true)
for h in "$prefix"/include/triad/*.h; do
    printf '#include <triad/%s>\nint triad_header_check;\n' "$(basename "$h")" > "$tmp/header.c"
    for std in c99 c11; do
        cc -std=$std -Wall -Wextra -Werror -pedantic -fsyntax-only $(pkg-config --cflags triad) "$tmp/header.c" ||
            fail "$(basename "$h") does not compile alone as $std"
    done
    if [ -n "$cxx" ]; then
        cp "$tmp/header.c" "$tmp/header.cpp"
        for std in c++11 c++17; do
            "$cxx" -std=$std -Wall -Wextra -Werror -pedantic -fsyntax-only $(pkg-config --cflags triad) "$tmp/header.cpp" ||
                fail "$(basename "$h") does not compile alone as $std"
        done
    fi
done
if [ -n "$cxx" ]; then
    "$cxx" -std=c++11 -Wall -Wextra -Werror -pedantic ${TRIAD_SANITIZE:+-fsanitize=$TRIAD_SANITIZE} \
        "$src/tests/cxx_api.cpp" -o "$tmp/cxx_api" $(pkg-config --cflags --libs triad triad-fusion) || fail "cxx_api: C++ build"
    run cxx_api env LD_LIBRARY_PATH="$prefix/$libdir" "$tmp/cxx_api"
    cat "$tmp/cxx_api.out"
else
    echo "install_link: no C++ compiler: the C++ header checks did not run"
fi

# An optional library through its own pkg-config file: libtriad_png.so writes a map, and its
# refusal is the thread's triad_errmsg() of libtriad.so (the error state stays libtriad's).
if pkg-config --exists triad-png; then
    cat > "$tmp/png_user.c" <<'PNGC'
#include <stdio.h>
#include <string.h>
#include <triad/error.h>
#include <triad/png.h>
int main(int argc, char **argv)
{
    (void)argc;
    float map[4 * 8];
    for (int i = 0; i < 4 * 8; i++)
        map[i] = (float)(1 + i);
    triad_rdmap_style st = {0.0, 15.0, 1.0, 40.0, "install_link"};
    if (triad_rdmap_png_write(argv[1], map, 4, 8, &st) != 0) {
        printf("write failed: %s\n", triad_errmsg());
        return 1;
    }
    st.range_bin_m = -1.0;
    const int err = triad_rdmap_png_write(argv[1], map, 4, 8, &st);
    printf("refused %d: %s\n", err, triad_errmsg());
    return err == TRIAD_EINVAL && strstr(triad_errmsg(), argv[1]) ? 0 : 1;
}
PNGC
    cc "${cflags[@]}" "$tmp/png_user.c" -o "$tmp/png_user" $(pkg-config --cflags --libs triad-png) ||
        fail "png_user: pkg-config triad-png build"
    run png_user env LD_LIBRARY_PATH="$prefix/$libdir" "$tmp/png_user" "$tmp/map.png"
    [ "$(head -c 4 "$tmp/map.png" | od -An -tx1 | tr -d ' \n')" = 89504e47 ] || fail "png_user wrote no PNG"
    echo "install_link: triad-png: $(cat "$tmp/png_user.out")"
fi

# The tracker through pkg-config triad-fusion (triad/fusion.h): one site sees a hovering target
# at range 10 km, azimuth 0 (north), elevation 30 deg, once a second. After 5 looks the track
# is confirmed where a spherical earth puts it: 5 km up, 8.66 km north (dlat = 8660 m / the
# meridian radius at 45 deg, 6367.4 km), to 1 % and 50 m; a bad configuration is refused with a
# message naming the field.
cat > "$tmp/fusion_user.c" <<'FUSIONC'
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <triad/error.h>
#include <triad/fusion.h>
static void on_warning(void *user, const triad_warning *w) { (void)w; ++*(int *)user; }
int main(void)
{
    const double pi = 3.14159265358979323846, deg = pi / 180.0;
    triad_tracker_cfg cfg = triad_tracker_cfg_default();
    triad_tracker *t = NULL;
    int warnings = 0;
    cfg.confirm_m = 0;
    if (triad_tracker_create(&t, &cfg, on_warning, &warnings) != TRIAD_EINVAL ||
        !strstr(triad_errmsg(), "confirm")) {
        printf("bad cfg not refused: %s\n", triad_errmsg());
        return 1;
    }
    cfg = triad_tracker_cfg_default();
    if (triad_tracker_create(&t, &cfg, on_warning, &warnings) != 0) {
        printf("create: %s\n", triad_errmsg());
        return 1;
    }
    triad_fusion_det d = {10000.0, 0.0, 0.0, 30.0, 20.0, 25.0, 1.0, 0.01, 0.01};
    triad_fusion_report r = {"site-A", 1, {45.0 * deg, 10.0 * deg, 100.0}, 1000.0, &d, 1};
    for (int k = 0; k < 5; k++) {
        r.time_s = 1000.0 + k;
        if (triad_tracker_update(t, &r) != 0) {
            printf("update %d: %s\n", k, triad_errmsg());
            return 1;
        }
    }
    size_t n = 0;
    const triad_track *tr = triad_tracker_tracks(t, &n);
    triad_tracker_stats st;
    triad_tracker_get_stats(t, &st);
    const double dlat = 8660.25 / 6367.4e3;
    const int ok = n == 1 && tr[0].status == TRIAD_TRACK_CONFIRMED && st.accepted == 5 &&
                   fabs(tr[0].position.alt_m - 5100.0) < 50.0 &&
                   fabs((tr[0].position.lat_rad - 45.0 * deg) / dlat - 1.0) < 0.01 &&
                   fabs(tr[0].position.lon_rad - 10.0 * deg) < 1e-5 && warnings == 0;
    printf("%zu track(s), status %d, %u hits, alt %.1f m, dlat %.4e rad, dlon %.1e rad, "
           "%d warning(s)\n", n, n ? (int)tr[0].status : -1, n ? tr[0].hits : 0,
           n ? tr[0].position.alt_m : 0.0, n ? tr[0].position.lat_rad - 45.0 * deg : 0.0,
           n ? tr[0].position.lon_rad - 10.0 * deg : 0.0, warnings);
    triad_tracker_destroy(t);
    return ok ? 0 : 1;
}
FUSIONC
cc "${cflags[@]}" "$tmp/fusion_user.c" -o "$tmp/fusion_user" \
    $(pkg-config --cflags --libs triad-fusion) -lm ||
    fail "fusion_user: pkg-config triad-fusion build"
LD_LIBRARY_PATH="$prefix/$libdir" ldd "$tmp/fusion_user" |
    grep -q "$prefix/$libdir/libtriad_fusion.so" ||
    fail "fusion_user does not use the installed libtriad_fusion.so"
run fusion_user env LD_LIBRARY_PATH="$prefix/$libdir" "$tmp/fusion_user"
echo "install_link: triad-fusion: $(cat "$tmp/fusion_user.out")"
# triad/share.h (installed with libtriad_share only): a hub with a missing configuration is
# refused, the message naming the file.
if pkg-config --exists triad-share; then
    [ -e "$prefix/include/triad/share.h" ] || fail "libtriad_share installed without triad/share.h"
    cat > "$tmp/share_user.c" <<'SHAREC'
#include <stdio.h>
#include <string.h>
#include <triad/error.h>
#include <triad/share.h>
int main(void)
{
    triad_share_hub *h = NULL;
    const int err = triad_share_hub_create(&h, "/nonexistent/hub.json");
    printf("refused %d: %s\n", err, triad_errmsg());
    triad_share_hub_destroy(h);
    return err < 0 && strstr(triad_errmsg(), "/nonexistent/hub.json") ? 0 : 1;
}
SHAREC
    cc "${cflags[@]}" "$tmp/share_user.c" -o "$tmp/share_user" $(pkg-config --cflags --libs triad-share) ||
        fail "share_user: pkg-config triad-share build"
    run share_user env LD_LIBRARY_PATH="$prefix/$libdir" "$tmp/share_user"
    echo "install_link: triad-share: $(cat "$tmp/share_user.out")"
elif [ -e "$prefix/include/triad/share.h" ]; then
    fail "triad/share.h installed without libtriad_share"
fi

cmake_args=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release)
[ -n "${TRIAD_SANITIZE:-}" ] && cmake_args+=("-DCMAKE_C_FLAGS=-fsanitize=$TRIAD_SANITIZE")
cmake -S "$src/examples" -B "$tmp/cmake" "${cmake_args[@]}" > "$tmp/cmake.log" 2>&1 ||
    { cat "$tmp/cmake.log" >&2; fail "find_package(triad) configure"; }
cmake --build "$tmp/cmake" > "$tmp/cmake-build.log" 2>&1 ||
    { cat "$tmp/cmake-build.log" >&2; fail "examples build through find_package(triad)"; }
run chain_buffer.cmake "$tmp/cmake/chain_buffer"
run chain_buffer_static.cmake "$tmp/cmake/chain_buffer_static"
grep -q "echo found" "$tmp/chain_buffer.cmake.out" || fail "chain_buffer (cmake) output"
cat "$tmp/chain_buffer.pc.out"
echo "install_link: OK (pkg-config shared and static, find_package shared and static)"
