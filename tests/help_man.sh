#!/usr/bin/env bash
# `triad help`, `triad help COMMAND` and the man page are the --help texts: for every command
# of the list, `triad help COMMAND` prints exactly what `triad COMMAND --help` prints (exit 0),
# and the man page's section for it, unescaped, is that text again; `triad help` with an
# unknown command or two fails with status 2 and one line. When groff is there, the page
# renders without warnings.
# usage: help_man.sh TRIAD MAN_PAGE TMP_DIR      SPDX-License-Identifier: GPL-2.0-or-later
set -u
triad=${1:?usage: help_man.sh TRIAD MAN_PAGE TMP_DIR}
page=${2:?usage: help_man.sh TRIAD MAN_PAGE TMP_DIR}
tmp=${3:?usage: help_man.sh TRIAD MAN_PAGE TMP_DIR}
rm -rf "$tmp" && mkdir -p "$tmp" || exit 2
failed=0
fail() { echo "FAIL  $*"; failed=$((failed + 1)); }

# the man page's .nf block after a line, unescaped (\e -> \, a leading \& dropped)
section() { # HEADER_LINE
    awk -v h="$1" '$0 == h { on = 1; next } on && $0 == ".nf" { inb = 1; next }
                   inb && $0 == ".fi" { exit } inb { print }' "$page" |
        sed -e 's/^\\&//' -e 's/\\e/\\/g'
}

"$triad" help > "$tmp/list" || fail "triad help exited $?"
"$triad" --help > "$tmp/list2" || fail "triad --help exited $?"
cmp -s "$tmp/list" "$tmp/list2" || fail "triad help differs from triad --help"
section ".SH COMMANDS" > "$tmp/list.man"
cmp -s "$tmp/list" "$tmp/list.man" || fail "the man page's COMMANDS differ from triad help"
commands=$(awk '/^  [a-z0-9]+ /{print $1}' "$tmp/list")
# 9 in a build without the optional parts (TRIAD_WITH_PNG|DDS|SHARE=OFF), 15 with them all
[ "$(echo "$commands" | wc -w)" -ge 9 ] || fail "too few commands in triad help: $commands"
# the commands of parts not built: `triad C` and `triad help C` say so in one line, exit 2
absent=$(sed -n 's/^not built into this triad: //p' "$tmp/list" | tr ',' '\n' | awk '{print $1}')
for c in $absent; do
    for how in "$c" "help $c"; do
        # shellcheck disable=SC2086
        "$triad" $how > "$tmp/absent.out" 2> "$tmp/absent.err"
        rc=$?
        [ $rc -eq 2 ] && [ ! -s "$tmp/absent.out" ] && [ "$(wc -l < "$tmp/absent.err")" -eq 1 ] &&
            grep -q "not built.*TRIAD_WITH_" "$tmp/absent.err" ||
            fail "triad $how (not built): exit $rc, stderr: $(cat "$tmp/absent.err")"
    done
done
for c in $commands; do
    "$triad" help "$c" > "$tmp/$c.help" 2> "$tmp/$c.err" || fail "triad help $c exited $?"
    "$triad" "$c" --help > "$tmp/$c.own" 2>&1 || fail "triad $c --help exited $?"
    [ -s "$tmp/$c.help" ] || fail "triad help $c printed nothing"
    cmp -s "$tmp/$c.help" "$tmp/$c.own" || fail "triad help $c differs from triad $c --help"
    section ".SS triad $c" > "$tmp/$c.man"
    cmp -s "$tmp/$c.help" "$tmp/$c.man" || { diff "$tmp/$c.help" "$tmp/$c.man" | head -5;
        fail "the man page's triad $c differs from its --help"; }
done
for bad in "nosuch" "process extra"; do
    # shellcheck disable=SC2086
    "$triad" help $bad > "$tmp/bad.out" 2> "$tmp/bad.err"
    rc=$?
    [ $rc -eq 2 ] && [ ! -s "$tmp/bad.out" ] && [ "$(wc -l < "$tmp/bad.err")" -eq 1 ] ||
        fail "triad help $bad: exit $rc, stderr: $(cat "$tmp/bad.err")"
done
if command -v groff > /dev/null; then
    groff -man -Tutf8 -ww "$page" > "$tmp/page.txt" 2> "$tmp/groff.err"
    [ ! -s "$tmp/groff.err" ] || fail "groff warns: $(head -3 "$tmp/groff.err")"
    grep -q "triad process" "$tmp/page.txt" || fail "the rendered page lacks triad process"
else
    echo "note: no groff: the page was not rendered"
fi
n=$(echo "$commands" | wc -w)
[ $failed -eq 0 ] && echo "help_man: OK ($n commands: help, --help and the man page agree;" \
    "not built: $(echo $absent))"
exit $((failed > 0))
