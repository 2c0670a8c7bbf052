#!/usr/bin/env bash
# The installed package as a user sees it: `cmake --install` into a prefix inside the build
# folder, then examples/ built against that prefix only (never the source tree): through
# pkg-config (shared, and static with --static) and through find_package(triad) (triad::triad,
# triad::triad_static); each program must run and find what it is written to find. Also checks
# that the headers, triad.pc and the CMake package are where the README says.
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
for f in bin/triad include/triad/triad.h include/triad/chain.h include/triad/version.h \
         "$libdir/libtriad.so" "$libdir/libtriad.a" "$libdir/cmake/triad/triadConfig.cmake"; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
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
for ex in chain_buffer; do
    cc "${cflags[@]}" "$src/examples/$ex.c" -o "$tmp/$ex.pc" $(pkg-config --cflags --libs triad) -lm ||
        fail "$ex: pkg-config build"
    run "$ex.pc" env LD_LIBRARY_PATH="$prefix/$libdir" "$tmp/$ex.pc"
    LD_LIBRARY_PATH="$prefix/$libdir" ldd "$tmp/$ex.pc" | grep -q "$prefix/$libdir/libtriad.so" || fail "$ex.pc does not use the installed libtriad.so"
    cc "${cflags[@]}" "$src/examples/$ex.c" -o "$tmp/$ex.static" $(pkg-config --cflags triad) \
        -Wl,-Bstatic -ltriad -Wl,-Bdynamic $(pkg-config --static --libs triad | sed 's/-ltriad\b//') -lm ||
        fail "$ex: pkg-config --static build"
    ldd "$tmp/$ex.static" | grep -q libtriad && fail "$ex.static links libtriad.so"
    run "$ex.static" "$tmp/$ex.static"
done

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
