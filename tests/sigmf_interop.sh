#!/usr/bin/env bash
# SigMF interop with sigmf-python (tests/sigmf_interop.py). The venv is made in the build
# directory on first use (pip needs the internet: outside /work/bin/isolated); without it the
# test is skipped (77), except with CI=true, where it fails.
# usage: sigmf_interop.sh TRIAD SIGMF_DUMP SOURCE_DIR VENV_DIR TMPDIR
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
triad=$1 dump=$2 src=$3 venv=$4
rm -rf "$5"
mkdir -p "$5"
package=sigmf==1.14.0
if ! "$venv/bin/python" -c 'import sigmf' 2>/dev/null; then
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check "$package"; } \
      >"$5/pip.log" 2>&1; then
    cat "$5/pip.log" >&2
    if [ "${CI:-}" = true ]; then
      echo "sigmf_interop: cannot install $package into $venv" >&2
      exit 1
    fi
    echo "sigmf_interop: SKIPPED: no $package in $venv (make it outside the network namespace:" \
         "python3 -m venv $venv && $venv/bin/pip install $package)" >&2
    exit 77
  fi
fi
exec "$venv/bin/python" "$src/tests/sigmf_interop.py" "$triad" "$dump" "$5" "$src"
