# tmux.sh: a private tmux server for end-to-end tests of the dashboard.
#
# Source it after e2e.sh. tm runs tmux against a server of this test's
# own (killed on exit, after CLEANUP if the script sets it); wait_for TEXT
# polls the pane "t" until TEXT shows, at most AIMAP_E2E_WAIT seconds
# (default 20; more for sanitizer and valgrind runs), leaving the screen
# in $OUT, and gives up at once when the pane is gone.

TMUX_SOCK="aimap-e2e-$(basename "$0" .sh)-$$"
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; ${CLEANUP:-:}; rm -rf "$T"' EXIT
LIMIT=${AIMAP_E2E_WAIT:-20}
# A slow run (sanitizers, valgrind, a loaded machine) may read a mouse
# report's bytes in pieces: wait for the rest before taking Esc alone.
export ESCDELAY=1000

wait_for() {
	local i=0
	while [ "$i" -lt $((LIMIT * 20)) ]; do
		tm capture-pane -p -t t >"$OUT" 2>/dev/null || return 1
		grep -qF -- "$1" "$OUT" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
