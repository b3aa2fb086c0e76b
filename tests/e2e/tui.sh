#!/usr/bin/env bash
# tui.sh: the dashboard through the real binary: refusing to run without a
# terminal, then in a detached tmux session of a fixed size: start-up, a
# search, the detail, the map, the filter picker, a resize, the help,
# export, the mouse, Chinese input, and leaving with q, Ctrl-C and SIGTERM
# with the terminal restored each time.
. "$(dirname "$0")/../lib/e2e.sh"

total=$(python3 -c "import json;print(len(json.load(open('$TOP/data/catalog.json'))))")

# ---- without a terminal: exit 64 at once, no database created
try timeout 10 "$AIMAP_BIN" tui
assert_status 64
assert_err_contains "needs a terminal"
assert_true "no database created without a terminal" test ! -e "$AIMAP_DB"
try aimap tui --help
assert_status 0
assert_out_contains "usage: aimap tui"
assert_out_contains "--ascii"
try aimap tui --bogus
assert_status 64
try aimap tui --view nope
assert_status 64
assert_err_contains "unknown view 'nope'"
try aimap tui --sort weight
assert_status 64

# ---- in tmux
if ! command -v tmux >/dev/null; then
	E2E_NAME="tmux"
	_bad "tmux is not installed (make deps)"
	finish
	exit
fi
. "$TOP/tests/lib/tmux.sh"

screen() { tm capture-pane -p -t t 2>/dev/null; }
# wait_gone TEXT: polls until TEXT is no longer on the screen.
wait_gone() {
	local i=0
	while [ "$i" -lt $((LIMIT * 20)) ]; do
		screen >"$OUT"
		grep -qF -- "$1" "$OUT" || return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
see() {      # see DESCRIPTION TEXT
	E2E_NAME=$1
	: >"$ERR"
	if wait_for "$2"; then _ok; else _bad "screen lacks '$2'"; fi
}
keys() { tm send-keys -t t "$@"; }
typed() { tm send-keys -t t -l "$1"; }
# run COMMAND in the pane's shell and wait for its prompt to come back.
shell() {
	local mark="done-$RANDOM"
	typed "$1; echo $mark"
	keys Enter
	wait_for "$mark" >/dev/null
}

cat >"$T/ttycheck" <<'EOF'
s=" $(stty -a | tr '\n;' '  ') "
case "$s" in *" -icanon "*|*" -echo "*) echo TTY=raw ;; *) echo TTY=sane ;; esac
EOF

tm new-session -d -x 100 -y 30 -s t "env PS1='$ ' bash --norc --noprofile"
wait_for '$' >/dev/null

# ---- a terminal on input but a pipe on output: refused too
shell "$AIMAP_BIN tui | cat; echo PIPE=\${PIPESTATUS[0]}"
see "standard output a pipe: exit 64" "PIPE=64"
see "standard output a pipe: the reason" "standard output is not one"
shell clear

# ---- terminals that cannot be used: exit 69
shell "TERM=no-such-terminal $AIMAP_BIN tui; echo TERM1=\$?"
see "an unknown TERM: exit 69" "TERM1=69"
see "an unknown TERM: the reason" "cannot use the terminal (TERM=no-such-terminal)"
shell "TERM=dumb $AIMAP_BIN tui; echo TERM2=\$?"
see "TERM=dumb: exit 69" "TERM2=69"
see "TERM=dumb: the reason" "cannot place the cursor"
shell clear

# ---- start-up
typed "$AIMAP_BIN tui"
keys Enter
see "start-up shows the table" "[1 Projects]"
see "start-up status line" "$total of $total projects · sorted by name ↑"
E2E_NAME="no confidence column before any prediction is stored"
grep -qF " Conf " "$OUT" && _bad "an empty Conf column" || _ok

# ---- /zama: live filtering, Enter keeps, Enter opens the detail
typed "/zama"
see "search filters as it is typed" "1 match"
keys Enter
see "Enter keeps the search" "1 of $total projects"
see "the search shows in the header" "search: zama"
keys Enter
see "Enter opens the detail" "Zama  (zama)"
see "the detail shows the description" "Description"
keys Escape
see "Esc goes back to the list" "row 1/1"
keys Escape
see "Esc clears the search" "$total of $total projects"

# ---- a Chinese search (wide characters typed in one go)
typed "/全同态"
see "a Chinese search" "search: 全同态"
see "a Chinese search finds zama" "Zama"
keys Escape

# ---- 2: the map
typed "2"
see "2 opens the map" "[2 Map]"
see "empty cells are marked" "(white space)"
see "the map's status line" "data-collection x infra"
typed "1"

# ---- f: the filter picker
typed "f"
see "f opens the picker" "( ) infra"
typed "j"
keys Enter Escape
see "the filter shows in the header" "filter: infra"
infra=$("$AIMAP_BIN" list --layer infra --format csv | tail -n +2 | wc -l)
see "the status line counts the filtered rows" "$infra of $total projects"

# ---- a resize to the minimum, below it, and back
tm resize-window -t t -x 80 -y 24
see "80x24 still shows the dashboard" "$infra of $total projects"
tm resize-window -t t -x 70 -y 20
see "below 80x24: too small" "terminal too small: 70x20"
tm resize-window -t t -x 100 -y 30
see "back to 100x30" "[1 Projects]"

# ---- ? help: one screen in two columns at 120x40, pages at 80x24;
# r re-runs the classifier
tm resize-window -t t -x 120 -y 40
typed "?"
see "? shows the key bindings" "next/previous view"
see "the help's key column holds its widest keys" \
	"Esc, h, Left, Backspace  back to the list"
see "the help's last line is on the first screen at 120x40" \
	"selects, then opens"
E2E_NAME="the help fits one screen at 120x40"
grep -qF "lines " "$OUT" && _bad "the help scrolls at 120x40" || _ok
E2E_NAME="the help is in two columns at 120x40"
grep -q "^ Everywhere  .*  Map (2)" "$OUT" && _ok ||
	_bad "Everywhere and Map (2) are not side by side"
tm resize-window -t t -x 80 -y 24
see "at 80x24 the help scrolls, and says so" "lines 1-22 of"
see "at 80x24 the help is in two columns too" "Map (2)"
keys NPage
see "PgDn turns the help's page at 80x24" "lines 23-"
E2E_NAME="no help line runs into the next column at 80x24"
screen >"$OUT"
awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$OUT" && _ok ||
	_bad "a line is wider than the screen"
typed "q"
see "q closes the help" "[1 Projects]"
tm resize-window -t t -x 100 -y 30
typed "r"
see "r re-runs the classifier" "classifier re-run over"
see "the confidence column appears" "Conf"

# ---- the mouse (X10 reports): a click selects the third row, the wheel
# moves down three rows
typed "g"
see "g goes to the first row" "row 1/$infra"
typed $'\e[M +%'
see "a click selects a row" "row 3/$infra"
typed $'\e[Ma+%'
see "the wheel scrolls" "row 6/$infra"

# ---- e: export what the list shows, the same file as `aimap export`
typed "e"
see "e asks for a file" "as CSV to:"
keys C-u
typed "$T/view.csv"
keys Enter
see "the export is written" "wrote $infra projects"
"$AIMAP_BIN" export csv --layer infra -o "$T/cli.csv" 2>/dev/null
assert_true "the export equals aimap export csv --layer infra" \
	cmp -s "$T/view.csv" "$T/cli.csv"

# ---- new data from another process: reloaded within seconds, the cursor
# on the same project though a new one now sorts before it
typed "g"
typed "jj"
see "the third row is selected" "row 3/$infra"
before=$(screen | grep '^>')
cat >"$T/reload.json" <<'JSON'
[{"id": "aa-reload-test", "name": "00 Reload Test", "layer": "infra",
  "category": "compute-general", "stages": ["inference"],
  "description": "A project added while the dashboard runs."}]
JSON
"$AIMAP_BIN" import "$T/reload.json" >/dev/null 2>&1
see "an import elsewhere is noticed" "the catalog changed: reloaded $((total + 1)) projects"
keys C-l     # the message gives the status line back at the next key
see "the reload counts the new project" "$((infra + 1)) of $((total + 1)) projects"
see "the cursor stays on its project, now one row down" "row 4/$((infra + 1))"
assert_eq "the selected line is the same project's" "$(screen | grep '^>')" "$before"
typed "g"
see "the new project is listed first" "> 00 Reload Test"
infra=$((infra + 1))
total=$((total + 1))

# ---- a new sort starts at its top
typed "jjj"
see "down three rows" "row 4/$infra"
typed "s"
see "s sorts by the next column" "sorted by layer"
see "and goes to the top" "row 1/$infra"

# ---- q: exit 0, the terminal restored
typed "q"
E2E_NAME="q leaves the dashboard"
wait_gone "[1 Projects]" && _ok || _bad "still on screen after q"
shell 'echo EXIT=$?'
see "q exits 0" "EXIT=0"
shell "bash $T/ttycheck"
see "the terminal is restored after q" "TTY=sane"

# ---- Ctrl-C: exit 130, the terminal restored
shell clear
typed "$AIMAP_BIN tui --view stats"
keys Enter
see "--view stats" "Projects per category"
typed "1"
see "the stored predictions fill the confidence column from the start" " Conf "
typed "3"
see "back on the stats" "Projects per category"
keys C-c
E2E_NAME="Ctrl-C leaves the dashboard"
wait_gone "Projects per category" && _ok || _bad "still on screen"
shell 'echo EXIT=$?'
see "Ctrl-C exits 130" "EXIT=130"
shell "bash $T/ttycheck"
see "the terminal is restored after Ctrl-C" "TTY=sane"

# ---- SIGTERM: exit 143, the terminal restored
shell clear
typed "$AIMAP_BIN tui --ascii --view map"
keys Enter
see "--ascii --view map" "[2 Map]"
E2E_NAME="--ascii draws no box characters"
screen | grep -q "│" && _bad "box drawing with --ascii" || _ok
pane=$(tm display -p -t t '#{pane_pid}')
pid=$(ps -o pid= --ppid "$pane" | head -n 1 | tr -d ' ')
kill -TERM "$pid"
E2E_NAME="SIGTERM leaves the dashboard"
wait_gone "[2 Map]" && _ok || _bad "still on screen"
shell 'echo EXIT=$?'
see "SIGTERM exits 143" "EXIT=143"
shell "bash $T/ttycheck"
see "the terminal is restored after SIGTERM" "TTY=sane"

finish
