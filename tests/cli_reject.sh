#!/usr/bin/env bash
# End-to-end rejection tests of the triad program: every bad command line or bad recording
# exits non-zero (2: bad usage, 1: bad file) with one message on stderr that starts with
# "triad" and names the file or option, nothing on stdout, and no --out file left behind.
# NaN/Inf samples and a trailing partial CPI are warned about and processing goes on.
#
#   bash tests/cli_reject.sh path/to/triad SCRATCH_DIR
#
# The last line is "N passed, M failed"; the exit status is non-zero if anything failed.
# Checks listed in KNOWN_BUGS are reported as XFAIL (not counted as failures) until the
# program is fixed; a known bug that passes is an XPASS and counts as a failure, so that the
# list is kept honest. CLI_REJECT_STRICT=1 counts XFAILs as failures too.
# SPDX-License-Identifier: GPL-2.0-or-later
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 TRIAD_BINARY SCRATCH_DIR" >&2
    exit 2
fi
TRIAD=$1
SCRATCH=$2
case $TRIAD in /*) ;; *) TRIAD=$PWD/$TRIAD ;; esac
# These checks count stderr lines; on a machine without an OpenCL GPU the default backend
# (auto) adds its one warning line, so process runs pin the FFTW backend (a later --backend
# on the command line still wins).
REAL_TRIAD=$TRIAD
TRIAD=$(mktemp /tmp/triad-fftw.XXXXXX)
printf '#!/bin/sh\nif [ "$1" = process ]; then shift; exec "%s" process --backend fftw "$@"; fi\nexec "%s" "$@"\n' \
    "$REAL_TRIAD" "$REAL_TRIAD" >"$TRIAD"
chmod +x "$TRIAD"
trap 'rm -f "$TRIAD"' EXIT
if [ ! -x "$TRIAD" ]; then
    echo "cli_reject: $TRIAD is not an executable" >&2
    exit 2
fi
rm -rf -- "$SCRATCH"
mkdir -p -- "$SCRATCH" || exit 2
cd -- "$SCRATCH" || exit 2
SCRATCH=$PWD

# Usage errors that today print the usage text with the message (more than one message on
# stderr), or getopt's own "process: ..." line (not starting with "triad"), or a message that
# does not name the argument: host/cli/main.c (unknown command) and the getopt '?' and
# argument-count branches of host/cli/cmd_process.c. Remove a name once it is fixed.
KNOWN_BUGS=" "

passed=0
failed=0
xfailed=0
xfail_names=""

# result NAME STATUS(0 ok) DETAILS...
result() {
    local name=$1 ok=$2
    shift 2
    local known=0
    case $KNOWN_BUGS in *" $name "*) known=1 ;; esac
    if [ "$ok" -eq 0 ]; then
        if [ $known -eq 1 ]; then
            echo "XPASS $name: listed in KNOWN_BUGS but passes now; remove it from the list"
            failed=$((failed + 1))
        else
            echo "ok    $name"
            passed=$((passed + 1))
        fi
    else
        if [ $known -eq 1 ] && [ "${CLI_REJECT_STRICT:-0}" != 1 ]; then
            echo "XFAIL $name (known bug): $*"
            xfailed=$((xfailed + 1))
            xfail_names="$xfail_names $name"
        else
            echo "FAIL  $name: $*"
            failed=$((failed + 1))
        fi
    fi
}

# show FILE: its first lines, indented, for failure reports
show() { sed -n '1,12s/^/        | /p' "$1"; }

# reject NAME STATUS MUST_NAME OUT_FILE -- ARGS...
#   runs triad ARGS; expects exit STATUS, empty stdout, exactly one stderr line that starts
#   with "triad " or "triad:" and contains MUST_NAME (fixed string), and, when OUT_FILE is
#   not "-", no OUT_FILE and no OUT_FILE.partial afterwards.
reject() {
    local name=$1 want=$2 must=$3 outfile=$4
    shift 4
    [ "$1" = "--" ] && shift
    local so=$SCRATCH/$name.stdout se=$SCRATCH/$name.stderr
    "$TRIAD" "$@" >"$so" 2>"$se" </dev/null
    local rc=$? why=""
    local lines
    lines=$(wc -l <"$se")
    if [ $rc -ge 128 ]; then
        why="killed by signal $((rc - 128))"
    elif [ $rc -ne "$want" ]; then
        why="exit status $rc, expected $want"
    elif [ -s "$so" ]; then
        why="stdout is not empty"
    elif [ "$lines" -ne 1 ]; then
        why="$lines lines on stderr, expected one message"
    elif ! head -n 1 "$se" | grep -Eq '^triad[ :]'; then
        why="the message does not start with \"triad\""
    elif ! grep -Fq -- "$must" "$se"; then
        why="the message does not name \"$must\""
    elif grep -Eqi 'AddressSanitizer|runtime error|LeakSanitizer' "$se"; then
        why="sanitizer report"
    elif [ "$outfile" != - ] && [ -e "$outfile" ]; then
        why="--out file $outfile was left behind"
    elif [ "$outfile" != - ] && [ -e "$outfile.partial" ]; then
        why="$outfile.partial was left behind"
    fi
    if [ -n "$why" ]; then
        result "$name" 1 "$why (triad $*)"
        [ -s "$se" ] && show "$se"
        [ -s "$so" ] && { echo "      stdout:"; show "$so"; }
    else
        result "$name" 0
    fi
}

# ------------------------------------------------------------------------------------------
# A small valid recording: 256 samples x 16 pulses, 2 CPIs, cf32, a 2 us pulse at 10 MHz.

cat >scene.json <<'EOF'
{"radar": {"datatype": "cf32_le", "sample_rate_hz": 10e6, "carrier_hz": 3e9, "pri_s": 100e-6,
           "samples_per_pulse": 256, "pulses_per_cpi": 16,
           "waveform": {"bandwidth_hz": 5e6, "pulse_width_s": 2e-6}},
 "cpis": 2, "seed": 7,
 "targets": [{"range_m": 2000, "velocity_mps": 30, "snr_db": 10}]}
EOF
CPI_BYTES=$((256 * 16 * 8))

if ! "$TRIAD" simulate --scene scene.json --out good >sim.stdout 2>sim.stderr; then
    echo "cli_reject: triad simulate failed; cannot go on:" >&2
    cat sim.stderr >&2
    echo "0 passed, 1 failed"
    exit 1
fi
if [ "$(stat -c %s good.sigmf-data)" -ne $((2 * CPI_BYTES)) ]; then
    echo "cli_reject: good.sigmf-data is not 2 CPIs of $CPI_BYTES bytes" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# copy_rec SRC DST: a recording under a new name
copy_rec() {
    cp -- "$1.sigmf-meta" "$2.sigmf-meta" && cp -- "$1.sigmf-data" "$2.sigmf-data"
}

# A clean run first: the baseline must work, or every rejection below proves nothing.
"$TRIAD" process good.sigmf-meta --quiet --out good.jsonl >good.stdout 2>good.stderr
rc=$?
if [ $rc -eq 0 ] && [ -s good.jsonl ] && [ ! -s good.stdout ] && [ ! -s good.stderr ]; then
    result baseline 0
else
    result baseline 1 "triad process on a valid recording: exit $rc"
    show good.stderr
fi

OUT=$SCRATCH/det.jsonl

# ------------------------------------------------------------------------------------------
# Bad usage: status 2

reject unknown-command 2 frobnicate - -- frobnicate good.sigmf-meta
reject no-args 2 recording - -- process
reject unknown-option 2 --frobnicate "$OUT" -- process good.sigmf-meta --frobnicate --out "$OUT"
reject missing-option-argument 2 --pfa - -- process good.sigmf-meta --pfa
reject extra-argument 2 extra.sigmf-meta "$OUT" -- process good.sigmf-meta extra.sigmf-meta --out "$OUT"
reject pfa-zero 2 --pfa "$OUT" -- process good.sigmf-meta --pfa 0 --out "$OUT"
reject pfa-text 2 "--pfa: 'abc'" "$OUT" -- process good.sigmf-meta --pfa abc --out "$OUT"
reject pfa-one 2 --pfa "$OUT" -- process good.sigmf-meta --pfa 1 --out "$OUT"
reject pfa-nan 2 --pfa "$OUT" -- process good.sigmf-meta --pfa nan --out "$OUT"
reject cfar-unknown 2 "--cfar" "$OUT" -- process good.sigmf-meta --cfar xx --out "$OUT"
reject guard-one-number 2 "--guard: '1'" "$OUT" -- process good.sigmf-meta --guard 1 --out "$OUT"
reject train-negative 2 "--train" "$OUT" -- process good.sigmf-meta --train -1,3 --out "$OUT"
reject mti-one 2 "--mti" "$OUT" -- process good.sigmf-meta --mti 1 --out "$OUT"
reject mti-text 2 "--mti" "$OUT" -- process good.sigmf-meta --mti two --out "$OUT"
reject range-window-taylor0 2 "--range-window" "$OUT" -- process good.sigmf-meta --range-window taylor:0 --out "$OUT"
reject doppler-window-unknown 2 "--doppler-window" "$OUT" -- process good.sigmf-meta --doppler-window kaiser --out "$OUT"
reject threads-negative 2 "--threads" "$OUT" -- process good.sigmf-meta --threads -2 --out "$OUT"
reject max-detections-zero 2 "--max-detections" "$OUT" -- process good.sigmf-meta --max-detections 0 --out "$OUT"
reject backend-unknown 2 "--backend" "$OUT" -- process good.sigmf-meta --backend cuda --out "$OUT"
reject simulate-datatype 2 "--datatype" - -- simulate --scene scene.json --datatype cu8 --out "$SCRATCH/never"
[ -e "$SCRATCH/never.sigmf-meta" ] && result simulate-datatype-no-files 1 "never.sigmf-meta written"

# ------------------------------------------------------------------------------------------
# Bad files: status 1

reject recording-missing 1 "$SCRATCH/absent.sigmf-meta" "$OUT" -- process "$SCRATCH/absent.sigmf-meta" --out "$OUT"

copy_rec good trunc
head -c "$(($(stat -c %s good.sigmf-meta) / 2))" good.sigmf-meta >trunc.sigmf-meta
reject meta-truncated 1 trunc.sigmf-meta "$OUT" -- process trunc.sigmf-meta --out "$OUT"

copy_rec good empty
: >empty.sigmf-meta
reject meta-empty 1 empty.sigmf-meta "$OUT" -- process empty.sigmf-meta --out "$OUT"

copy_rec good badn
sed 's/"radar:samples_per_pulse":[^,]*/"radar:samples_per_pulse": 0/' good.sigmf-meta >badn.sigmf-meta
reject meta-n-zero 1 radar:samples_per_pulse "$OUT" -- process badn.sigmf-meta --out "$OUT"

copy_rec good badtype
sed 's/"cf32_le"/"rf32_le"/' good.sigmf-meta >badtype.sigmf-meta
reject meta-datatype-unknown 1 core:datatype "$OUT" -- process badtype.sigmf-meta --out "$OUT"

copy_rec good badbw
sed 's/"bandwidth_hz":[^,]*/"bandwidth_hz": 2e7/' good.sigmf-meta >badbw.sigmf-meta
reject meta-bandwidth-above-fs 1 radar:waveform.bandwidth_hz "$OUT" -- process badbw.sigmf-meta --out "$OUT"

copy_rec good nodata
rm -f nodata.sigmf-data
reject data-missing 1 "nodata.sigmf-data" "$OUT" -- process nodata.sigmf-meta --out "$OUT"

copy_rec good short
head -c $((CPI_BYTES - 8)) good.sigmf-data >short.sigmf-data
reject data-shorter-than-cpi 1 "short.sigmf-data" "$OUT" -- process short.sigmf-meta --out "$OUT"
reject data-shorter-than-cpi-stdout 1 "short.sigmf-data" - -- process short.sigmf-meta
reject info-data-shorter-than-cpi 1 "short.sigmf-data" - -- info short.sigmf-meta

reject out-dir-missing 1 "$SCRATCH/no/such/dir/det.jsonl" - -- process good.sigmf-meta --quiet --out "$SCRATCH/no/such/dir/det.jsonl"
[ -e "$SCRATCH/no" ] && result out-dir-missing-nothing-created 1 "$SCRATCH/no was created"

copy_rec good geom
sed 's/"radar:pulses_per_cpi":[^,]*/"radar:pulses_per_cpi": 2/' good.sigmf-meta >geom.sigmf-meta
head -c $((256 * 2 * 8 * 2)) good.sigmf-data >geom.sigmf-data
reject cpi-too-small-for-cfar 1 geom.sigmf-meta "$OUT" -- process geom.sigmf-meta --out "$OUT"

reject scene-missing 1 "$SCRATCH/nope.json" - -- simulate --scene "$SCRATCH/nope.json" --out "$SCRATCH/never"

# ------------------------------------------------------------------------------------------
# Hostile recordings (issues 17, 18): no blocking, no allocation of a claimed size, every
# physical field in its range, each named.

mkfifo fifo.sigmf-meta
reject meta-fifo 1 "a FIFO" "$OUT" -- process fifo.sigmf-meta --out "$OUT"
reject info-meta-fifo 1 "a FIFO" - -- info fifo.sigmf-meta
cp good.sigmf-meta zero.sigmf-meta
ln -sf /dev/zero zero.sigmf-data
reject data-dev-zero 1 "a character device" "$OUT" -- process zero.sigmf-meta --out "$OUT"
copy_rec good ffd
rm -f ffd.sigmf-data
mkfifo ffd.sigmf-data
reject data-fifo 1 "a FIFO" "$OUT" -- process ffd.sigmf-meta --out "$OUT"
reject max-memory 1 "--max-memory" "$OUT" -- process good.sigmf-meta --max-memory 64K --out "$OUT"
reject max-memory-info 1 "radar:pulses_per_cpi 16" - -- info good.sigmf-meta --max-memory 64K
reject max-memory-replay 1 "--max-memory" - -- replay good.sigmf-meta --to udp://127.0.0.1:9 --max-memory 64K
reject max-memory-bad 2 "--max-memory" "$OUT" -- process good.sigmf-meta --max-memory 12X --out "$OUT"
# run: the recording's own check, then the live CPIs (chain, open CPIs, queue) must fit
reject max-memory-run 1 "--max-memory" "$OUT" -- run --source vita49://127.0.0.1:0 --meta good.sigmf-meta --max-memory 64K --out "$OUT"
reject max-memory-run-cpi 1 "needs about 0.149 MB with the chain, the source and a queue of 1, more than --max-memory" "$OUT" -- run --source vita49://127.0.0.1:0 --meta good.sigmf-meta --max-memory 140K --out "$OUT"
reject max-memory-run-queue 2 "at most --queue 10 fits" "$OUT" -- run --source vita49://127.0.0.1:0 --meta good.sigmf-meta --max-memory 300K --queue 64 --out "$OUT"
reject max-memory-run-bad 2 "--max-memory" "$OUT" -- run --source vita49://127.0.0.1:0 --meta good.sigmf-meta --max-memory 0 --out "$OUT"
copy_rec good huge
sed 's/"radar:pulses_per_cpi":[^,]*/"radar:pulses_per_cpi": 2147483648/' good.sigmf-meta >huge.sigmf-meta
reject pulses-2-31 1 "radar:pulses_per_cpi" "$OUT" -- process huge.sigmf-meta --out "$OUT"
copy_rec good tiny
sed 's/"core:frequency":[^,]*/"core:frequency": 1e-300/' good.sigmf-meta >tiny.sigmf-meta
reject carrier-1e-300 1 "captures[0].core:frequency" "$OUT" -- process tiny.sigmf-meta --out "$OUT"
copy_rec good far
sed 's/"radar:pri_s":/"radar:rx_delay_s": 1e300, "radar:pri_s":/' good.sigmf-meta >far.sigmf-meta
reject rx-delay-1e300 1 "radar:rx_delay_s" "$OUT" -- process far.sigmf-meta --out "$OUT"
copy_rec good y9999
sed 's/"core:frequency":/"core:datetime": "9999-12-31T23:59:60Z", "core:frequency":/' good.sigmf-meta >y9999.sigmf-meta
reject datetime-9999 1 "captures[0].core:datetime" "$OUT" -- process y9999.sigmf-meta --out "$OUT"
copy_rec good hdr
sed 's/"core:sample_start":/"core:header_bytes": '"$((2 * CPI_BYTES))"', "core:sample_start":/' good.sigmf-meta >hdr.sigmf-meta
reject header-bytes-past-end 1 "65536 header and trailing bytes" "$OUT" -- process hdr.sigmf-meta --out "$OUT"
copy_rec good off
sed -e 's/"captures":[[:space:]]*\[{/"captures": [{"core:sample_start": 0, "core:frequency": 3e9}, {/' \
    -e 's/"core:sample_start":\t0,/"core:sample_start": 100,/' good.sigmf-meta >off.sigmf-meta
reject capture-off-cpi-boundary 1 "captures[1].core:sample_start" "$OUT" -- process off.sigmf-meta --out "$OUT"

# ------------------------------------------------------------------------------------------
# NaN/Inf samples: warned per CPI with the count, replaced by 0, processing goes on.

copy_rec good nan
# put_f32 FILE BYTE_OFFSET HEX_LE: overwrite one float32 in place
put_f32() { printf '%b' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
NAN='\x00\x00\xc0\x7f'
PINF='\x00\x00\x80\x7f'
NINF='\x00\x00\x80\xff'
put_f32 nan.sigmf-data $((8 * 5)) "$NAN"                       # CPI 0: 1 sample
put_f32 nan.sigmf-data $((CPI_BYTES + 8 * 100)) "$NAN"         # CPI 1: sample 100 (real)
put_f32 nan.sigmf-data $((CPI_BYTES + 8 * 100 + 4)) "$PINF"    #        sample 100 (imag)
put_f32 nan.sigmf-data $((CPI_BYTES + 8 * 777 + 4)) "$NINF"    #        sample 777
put_f32 nan.sigmf-data $((CPI_BYTES + 8 * 3000)) "$PINF"       #        sample 3000
if [ "$(stat -c %s nan.sigmf-data)" -ne $((2 * CPI_BYTES)) ]; then
    result nan-injection 1 "nan.sigmf-data changed size"
fi

# well_formed FILE: every line a JSON object with finite numbers
well_formed() {
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$1" <<'EOF'
import json, math, sys
def bad_const(c):
    raise ValueError("non-finite constant " + c)
n = 0
with open(sys.argv[1]) as f:
    for i, line in enumerate(f, 1):
        d = json.loads(line, parse_constant=bad_const)
        if not isinstance(d, dict):
            sys.exit("line %d is not an object" % i)
        for k, v in d.items():
            if isinstance(v, float) and not math.isfinite(v):
                sys.exit("line %d: %s is not finite" % (i, k))
        for k in ("cpi", "range_m", "velocity_mps", "snr_db"):
            if k not in d:
                sys.exit("line %d: no %s" % (i, k))
        n += 1
if n == 0:
    sys.exit("no detections")
EOF
    else
        [ -s "$1" ] && ! grep -Eqiv '^\{"cpi":[0-9]+,.*\}$' "$1" && ! grep -Eqi 'nan|inf' "$1"
    fi
}

rm -f "$OUT"
"$TRIAD" process nan.sigmf-meta --quiet --out "$OUT" >nan.stdout 2>nan.stderr
rc=$?
why=""
if [ $rc -ne 0 ]; then
    why="exit status $rc, expected 0"
elif [ -s nan.stdout ]; then
    why="stdout is not empty with --out"
elif ! grep -Eq '^triad[ :].*warning' nan.stderr; then
    why="no warning line starting with \"triad\""
elif ! grep -F "nan.sigmf-data" nan.stderr | grep -F "CPI 0" | grep -Eq '(^|[^0-9])1 NaN/Inf'; then
    why="no warning naming nan.sigmf-data, CPI 0 and the count 1"
elif ! grep -F "nan.sigmf-data" nan.stderr | grep -F "CPI 1" | grep -Eq '(^|[^0-9])3 NaN/Inf'; then
    why="no warning naming nan.sigmf-data, CPI 1 and the count 3"
elif [ "$(grep -c . nan.stderr)" -ne 2 ]; then
    why="expected exactly two warning lines"
elif grep -Eqi 'AddressSanitizer|runtime error|LeakSanitizer' nan.stderr; then
    why="sanitizer report"
elif [ ! -s "$OUT" ]; then
    why="no detections file"
elif ! wf=$(well_formed "$OUT" 2>&1); then
    why="JSON Lines output is not well formed: $wf"
elif ! grep -q '"cpi":1' "$OUT"; then
    why="CPI 1 (with the bad samples) produced no detection of the 10 dB target"
fi
result nan-inf-samples "$([ -z "$why" ] && echo 0 || echo 1)" "$why"
[ -n "$why" ] && show nan.stderr

# the same to stdout: the warnings stay on stderr, stdout stays JSON Lines
"$TRIAD" process nan.sigmf-meta --quiet >nan2.stdout 2>nan2.stderr
rc=$?
why=""
if [ $rc -ne 0 ]; then
    why="exit status $rc, expected 0"
elif ! wf=$(well_formed nan2.stdout 2>&1); then
    why="stdout is not well-formed JSON Lines: $wf"
elif ! cmp -s nan2.stdout "$OUT"; then
    why="stdout differs from the --out file"
elif [ "$(grep -c 'NaN/Inf' nan2.stderr)" -ne 2 ]; then
    why="expected two NaN/Inf warnings on stderr"
fi
result nan-inf-samples-stdout "$([ -z "$why" ] && echo 0 || echo 1)" "$why"
[ -n "$why" ] && show nan2.stderr

# ------------------------------------------------------------------------------------------
# A trailing partial CPI: one warning naming the data file, the whole CPIs are processed.

copy_rec good tail
head -c 100 good.sigmf-data >>tail.sigmf-data
rm -f "$OUT"
"$TRIAD" process tail.sigmf-meta --quiet --out "$OUT" >tail.stdout 2>tail.stderr
rc=$?
why=""
if [ $rc -ne 0 ]; then
    why="exit status $rc, expected 0"
elif [ "$(grep -c . tail.stderr)" -ne 1 ]; then
    why="expected exactly one warning line"
elif ! grep -Eq '^triad[ :].*warning' tail.stderr; then
    why="the warning does not start with \"triad\""
elif ! grep -F "tail.sigmf-data" tail.stderr | grep -Fq "100 trailing bytes"; then
    why="the warning does not name tail.sigmf-data and the 100 trailing bytes"
elif ! cmp -s "$OUT" good.jsonl; then
    why="detections differ from the recording without the partial CPI"
fi
result trailing-partial-cpi "$([ -z "$why" ] && echo 0 || echo 1)" "$why"
[ -n "$why" ] && show tail.stderr

# ------------------------------------------------------------------------------------------

if [ $xfailed -gt 0 ]; then
    echo "$xfailed known failures (KNOWN_BUGS, not counted):$xfail_names"
fi
if [ $failed -eq 0 ]; then
    cd / && rm -rf -- "$SCRATCH"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
