#!/usr/bin/env bash
# discover_tui.sh: the dashboard's Inbox (4) in tmux, over candidates a
# real `aimap discover` stored from the fixture server: the list with its
# predicted places, the detail, accept and reject written to the database,
# the accepted project among the others.
. "$(dirname "$0")/../lib/e2e.sh"

FIX=$TOP/tests/fixtures/discover
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
mkdir -p "$T/data"
ln -s "$TOP/data/taxonomy.json" "$TOP/data/catalog.json" "$T/data/"
cp "$FIX/discovery.json" "$T/data/"
export AIMAP_DATA=$T/data
# Only the coins of the first category: a short inbox.
"$PY" - "$FIX/world.json" "$T/world.json" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
w["coingecko"]["ai-agents"] = []
w["generate"] = {}
w["github"] = {}
w["protocols"] = []
json.dump(w, open(sys.argv[2], "w"))
PY
"$PY" "$FIX/server.py" --port-file "$T/port" --log "$T/log" \
	--world "$T/world.json" &
SRV=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")
export AIMAP_GITHUB_API=http://127.0.0.1:$PORT/gh
export AIMAP_COINGECKO_API=http://127.0.0.1:$PORT/cg/api/v3
export AIMAP_DEFILLAMA_API=http://127.0.0.1:$PORT/llama
try aimap discover --allow-private --describe 3
assert_status 0

if ! command -v tmux >/dev/null; then
	E2E_NAME="tmux"
	_bad "tmux is not installed (make deps)"
	kill "$SRV"
	finish
	exit
fi
CLEANUP="kill $SRV"
. "$TOP/tests/lib/tmux.sh"
see() {      # see DESCRIPTION TEXT
	E2E_NAME=$1
	: >"$ERR"
	if wait_for "$2"; then _ok; else _bad "screen lacks '$2'"; fi
}
keys() { tm send-keys -t t "$@"; }
sql() { sqlite3 "$AIMAP_DB" "$1"; }
# The Inbox's order: certain placements first, then by score.
first() { sql "SELECT $1 FROM candidates WHERE status = 'new' ORDER BY (uncertain OR category IS NULL), score DESC, id LIMIT 1"; }

tm new-session -d -x 120 -y 30 -s t \
	"env AIMAP_DB='$AIMAP_DB' AIMAP_DATA='$AIMAP_DATA' '$AIMAP_BIN' tui"
see "the dashboard" "1 Projects"
see "the Inbox tab" "4 Inbox"
keys 4
see "the candidates with their predicted place" "Predicted place"
top=$(first id)
name=$(first name)
see "the best first" "$name"
E2E_NAME="a placement shown"
grep -qE "$name +[a-z]+ / [a-z-]+" "$OUT" && _ok || _bad "no place on the first row"
keys Enter
see "the detail" "(from coingecko)"
keys Enter
keys a
see "accepted" "accepted #$top as "
assert_eq "accepted in the database" \
	"$(sql "SELECT c.status || ' ' || p.source || ' ' || p.reviewed || ' ' || p.name FROM candidates c JOIN projects p ON p.id = c.project WHERE c.id = $top")" \
	"accepted discovered 1 $name"
next=$(first id)
keys x
see "rejected" "rejected #$next"
assert_eq "rejected in the database" \
	"$(sql "SELECT status FROM candidates WHERE id = $next")" rejected
# The accepted project is among the others now.
keys 1
keys /
tm send-keys -t t -l "$name"
keys Enter
see "in the projects" "1 of"
keys q
E2E_NAME="left with q"
for _ in $(seq 100); do tm has-session -t t 2>/dev/null || break; sleep 0.1; done
tm has-session -t t 2>/dev/null && _bad "still running" || _ok
finish
