#!/usr/bin/env bash
# status.sh: a project that is no longer active says so wherever projects
# are shown: list, show, the map (a dagger, the status in its tooltip and
# the legend) and the dashboard.
. "$(dirname "$0")/../lib/e2e.sh"

aimap init >/dev/null 2>&1
try aimap list --status acquired
assert_status 0
assert_out_contains "Modulus Labs [acquired]"
try aimap list --search "modulus"
assert_out_contains "Modulus Labs [acquired]"
try aimap list --search "bittensor"
assert_out_lacks "["
try aimap show modulus-labs
assert_out_contains "joined Tools for Humanity, 2024-12"

try aimap map -o "$T/map.svg"
assert_status 0
assert_true "the map marks and explains projects no longer active" \
	python3 - "$T/map.svg" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
assert ">\u2020 Modulus Labs<" in s
assert "Modulus Labs (acquired: joined Tools for Humanity, 2024-12)" in s
assert "\u2020 no longer active" in s
assert ">\u2020 Bittensor<" not in s
PY

if command -v tmux >/dev/null; then
	. "$TOP/tests/lib/tmux.sh"
	tm new-session -d -x 100 -y 30 -s t \
		"'$AIMAP_BIN' tui --search modulus; sleep 30"
	E2E_NAME="the dashboard marks the project"
	if wait_for "Modulus Labs [acquired]"; then _ok; else _bad "not on screen"; fi
	tm send-keys -t t Enter
	E2E_NAME="the detail shows the status and its note"
	if wait_for "acquired: joined Tools for Humanity"; then _ok; else _bad "not on screen"; fi
	tm send-keys -t t q
fi

finish
