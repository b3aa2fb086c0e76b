#!/usr/bin/env bash
# tui_live.sh: the dashboard as a live view, in tmux against the fixture
# server: F runs a fetch in the background (progress on the status line,
# keys still answered, the figures shown when it ends), o opens a website
# (xdg-open with a display, never through a shell; the address without
# one), and the 7d change shows once the history spans a week.
. "$(dirname "$0")/../lib/e2e.sh"

if ! command -v tmux >/dev/null; then
	E2E_NAME="tmux"
	_bad "tmux is not installed (make deps)"
	finish
	exit
fi
. "$TOP/tests/fixtures/http/setup.sh"
. "$TOP/tests/lib/tmux.sh"
# tmux.sh's trap replaces setup.sh's: stop the server there too.
CLEANUP=fixture_stop

see() {      # see DESCRIPTION TEXT
	E2E_NAME=$1
	: >"$ERR"
	if wait_for "$2"; then _ok; else _bad "screen lacks '$2'"; fi
}
keys() { tm send-keys -t t "$@"; }
typed() { tm send-keys -t t -l "$1"; }

# Each answer a second late: the fetch takes a few seconds.
fixture_start --delay 1
fixture_catalog <<'CAT'
p-rocket acme/rocket rocket-token rocket -
p-etag acme/etag cgetag etag -
p-plain acme/gzip - - -
CAT
# As the table shows a count: three figures ("26.0K").
stars=$("$PY" -c "
v = $(fixture_figure acme/rocket stars) / 1000
print('%.*fK' % (2 if v < 10 else 1 if v < 100 else 0, v))")

# ---- F: a fetch in the background
tm new-session -d -x 100 -y 30 -s t "$AIMAP_BIN tui; echo EXIT=\$?; sleep 60"
see "start-up" "3 of 3 projects"
E2E_NAME="no figures before the fetch"
grep -qF "Stars" "$OUT" && _bad "a Stars column before any fetch" || _ok
typed "F"
see "F starts a fetch, on the status line" "fetch: "
typed "F"
see "a second F while it runs says so" "a fetch is already running"
typed "j"
see "keys are answered while it runs" "row 2/3"
see "the progress stays on the status line" "fetch: "
see "the fetch ends, and says how" "fetch done in"
see "the figures are reloaded when it ends" "Stars"
see "the fetched stars are shown" "$stars"
keys C-l     # the message gives the status line back at the next key
see "the cursor stayed where it was" "row 2/3"
assert_eq "the fetch stored the figures" \
	"$(sql "SELECT count(*) FROM metrics_latest WHERE project = 'p-rocket' AND metric = 'github.stars'")" 1

# ---- the 7d change, from the history once it spans a week: another
# process adds the price of 8 days ago, half today's
"$PY" - "$AIMAP_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("""INSERT INTO metrics(project, source, metric, value, observed_at)
  SELECT project, source, metric, value / 2, observed_at - 8 * 86400
  FROM metrics_latest WHERE project = 'p-rocket'
  AND metric = 'coingecko.price_usd'""")
db.commit()
PY
tm resize-window -t t -x 150 -y 30
see "a week of history brings the 7d column" "     7d "
see "the 7d change: the price doubled" "+100"
E2E_NAME="no 30d column while the history spans less"
grep -qF " 30d" "$OUT" && _bad "a 30d column" || _ok
tm resize-window -t t -x 100 -y 30

# ---- q while a fetch runs: the dashboard leaves, the fetch ends with it
typed "F"
see "another fetch starts" "fetch: "
typed "q"
see "q leaves at once during a fetch" "EXIT=0"
E2E_NAME="no fetch is left running"
sleep 0.5
pgrep -f "$AIMAP_DB fetch" >/dev/null && _bad "a fetch outlived the dashboard" || _ok

# ---- o: the website, never through a shell
cat >"$T/web.json" <<'JSON'
[{"id": "p-web", "name": "Aa Web", "layer": "infra",
  "category": "compute-general", "stages": ["inference"],
  "description": "A project with a website.",
  "website": "https://example.org/a;touch${IFS}pwned;b&c=`true`"},
 {"id": "p-noweb", "name": "Ab None", "layer": "infra",
  "category": "compute-general", "stages": ["inference"],
  "description": "A project with none."}]
JSON
"$AIMAP_BIN" import "$T/web.json" >/dev/null 2>&1
mkdir -p "$T/bin"
cat >"$T/bin/xdg-open" <<EOF2
#!/bin/sh
printf '%s\n' "\$#" "\$@" >"$T/opened"
EOF2
chmod +x "$T/bin/xdg-open"
# respawn-pane, not a new session: the server may still be shutting down
# after its last session went.
tm respawn-pane -k -t t \
	"env -u DISPLAY -u WAYLAND_DISPLAY $AIMAP_BIN tui; sleep 60"
see "start-up" "5 of 5 projects"
typed "o"
see "o without a display shows the address" \
	'website: https://example.org/a;touch${IFS}pwned;b&c=`true`'
typed "j"
typed "o"
see "o on a project without one says so" "Ab None has no website"
tm respawn-pane -k -t t \
	"env PATH=$T/bin:\$PATH DISPLAY=:99 $AIMAP_BIN tui; sleep 60"
# The new dashboard's first screen replaces the last one's.
for _ in $(seq $((LIMIT * 20))); do
	tm capture-pane -p -t t | grep -qF "has no website" || break
	sleep 0.05
done
see "start-up with a display" "5 of 5 projects"
typed "o"
see "o with a display hands it to xdg-open" "opening https://example.org/"
for _ in $(seq 50); do [ -s "$T/opened" ] && break; sleep 0.1; done
assert_eq "xdg-open got the address as one argument" "$(cat "$T/opened" 2>/dev/null)" \
	'1
https://example.org/a;touch${IFS}pwned;b&c=`true`'
assert_true "no shell ran the address" test ! -e pwned -a ! -e "$T/pwned"
typed "l"
see "the detail" "Aa Web  (p-web)"
rm -f "$T/opened"
typed "o"
see "o in the detail opens its project's website" "opening https://example.org/"

finish
