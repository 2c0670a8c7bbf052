#!/usr/bin/env bash
# python/tests/test_binding.py on the shared library of this build (TRIAD_LIBRARY).
# usage: python_binding.sh TRIAD LIBTRIAD_SO SOURCE_DIR BUILD_DIR TMP_DIR
# exit 77 (skip) without /usr/bin/python3 and numpy, or in a sanitizer build (Python would
# need the sanitizer runtime preloaded). SPDX-License-Identifier: GPL-2.0-or-later
set -u
[ $# -eq 5 ] || { echo "usage: $0 TRIAD LIBTRIAD_SO SOURCE_DIR BUILD_DIR TMP_DIR" >&2; exit 2; }
py=/usr/bin/python3
if ! [ -x "$py" ] || ! "$py" -c 'import numpy' 2>/dev/null; then
    echo "python_binding: SKIP: $py lacks numpy"
    exit 77
fi
if [ -n "${TRIAD_SANITIZE:-}" ]; then
    echo "python_binding: SKIP: sanitizer build ($TRIAD_SANITIZE)"
    exit 77
fi
rm -rf "$5" && mkdir -p "$5" || exit 2
TRIAD_LIBRARY=$2 exec "$py" "$3/python/tests/test_binding.py" "$1" "$3" "$4" "$5"
