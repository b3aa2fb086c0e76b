#!/usr/bin/env bash
# discover.sh: `aimap discover`, `aimap review`, `aimap edit` and `aimap
# remove` against a loopback server that answers in the real APIs' shapes
# (tests/fixtures/discover): paging, dedup across sources and against the
# catalog, renamed and delisted coins, Chinese names, hostile text, the
# search API's rate limit, decisions that last, runs killed at random.
. "$(dirname "$0")/../lib/e2e.sh"

FIX=$TOP/tests/fixtures/discover
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
SRV_PID=""

# The real catalog and taxonomy, the test's lists.
mkdir -p "$T/data"
ln -s "$TOP/data/taxonomy.json" "$TOP/data/catalog.json" "$T/data/"
cp "$FIX/discovery.json" "$T/data/"
export AIMAP_DATA=$T/data
cp "$FIX/world.json" "$T/world.json"

srv_stop() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=""
	fi
}
# srv_start [server.py options]
srv_start() {
	srv_stop
	LOG=$T/requests.log
	: >"$LOG"
	rm -f "$T/port"
	"$PY" "$FIX/server.py" --port-file "$T/port" --log "$LOG" \
		--world "$T/world.json" "$@" &
	SRV_PID=$!
	trap 'srv_stop; rm -rf "$T"' EXIT
	for _ in $(seq 100); do
		[ -s "$T/port" ] && break
		sleep 0.1
	done
	PORT=$(cat "$T/port")
	export AIMAP_GITHUB_API=http://127.0.0.1:$PORT/gh
	export AIMAP_COINGECKO_API=http://127.0.0.1:$PORT/cg/api/v3
	export AIMAP_DEFILLAMA_API=http://127.0.0.1:$PORT/llama
}
requests() { grep -c "$1" "$LOG"; }
# review_json: the review list (all statuses) as JSON in $T/review.json
review_json() { aimap review --status all --format json >"$T/review.json"; }
# jq_py EXPR: evaluates a Python expression over the list `a` of
# $T/review.json (and `by`, the candidates by name), prints the result.
jq_py() {
	"$PY" - "$T/review.json" "$1" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
by = {o["name"]: o for o in a}
print(eval(sys.argv[2]))
PY
}

srv_start --search-limit 30
aimap init >/dev/null 2>&1
db_dump "$AIMAP_DB" >"$T/before.dump"

# ---- --dry-run lists the calls and changes nothing
try aimap discover --dry-run
assert_status 0
assert_out_contains "GET $AIMAP_COINGECKO_API/coins/markets?vs_currency=usd&category=artificial-intelligence&order=market_cap_desc&per_page=250&page=1"
assert_out_contains "GET $AIMAP_GITHUB_API/search/repositories?q=topic%3Azkml&sort=stars&order=desc&per_page=100&page=1"
assert_out_contains "GET $AIMAP_DEFILLAMA_API/protocols"
assert_eq "dry run asks nothing" "$(wc -l <"$LOG")" 0
db_dump "$AIMAP_DB" >"$T/after.dump"
assert_true "dry run stores nothing" cmp -s "$T/before.dump" "$T/after.dump"

# ---- the first run
try aimap discover --allow-private --describe 8
assert_status 0
assert_out_contains "listed 376:"
assert_out_contains "4 in the catalog"
review_json
assert_eq "every listing paged: coin 260 of page 2, repository 100 of page 2" \
	"$(jq_py '"Page Coin 259" in by and "zk-repo-99" in by')" True
assert_eq "pages asked" "$(requests 'category=ai-agents.*&page=2"') $(requests 'category=ai-agents.*&page=3"') $(requests 'topic%3Azkml.*&page=2"')" "1 0 1"
assert_eq "what the catalog holds is left out (id, GitHub owner, name, domain)" \
	"$(jq_py '[n for n in ("Allora", "allora-offchain-node", "Golem Network", "Livepeer Two") if n in by]')" "[]"
assert_eq "forks, repositories under min_stars, other categories left out" \
	"$(jq_py '[n for n in ("tiny", "Some Dex") if n in by] + [o["name"] for o in a if o["github"] == "someone/zkprover-fork"]')" "[]"
assert_eq "one coin across CoinGecko and DefiLlama" \
	"$(jq_py 'sorted(by["AgentCoin Protocol"]["sources"]), by["AgentCoin Protocol"]["defillama_slug"], by["AgentCoin Protocol"]["coingecko_id"], len([o for o in a if o["coingecko_id"] == "agentcoin"])')" \
	"(['coingecko', 'defillama'], 'agentcoin', 'agentcoin', 1)"
assert_eq "a coin and its repository, found one through the other's description" \
	"$(jq_py 'sorted(by["NeuralNet"]["sources"]), by["NeuralNet"]["github"], "neuralnet-node" in by')" \
	"(['coingecko', 'github'], 'neuralnet-labs/node', False)"
assert_eq "the JSON keys" \
	"$(jq_py 'sorted(by["NeuralNet"].keys() & {"id","name","status","sources","coingecko_id","github","defillama_slug","website","prediction","first_seen","last_seen"}) == sorted({"id","name","status","sources","coingecko_id","github","defillama_slug","website","prediction","first_seen","last_seen"}) and sorted(by["NeuralNet"]["prediction"]) == ["category","layer","score","stages","uncertain"]')" True
assert_eq "null when unknown" "$(jq_py 'by["LlamaMind"]["coingecko_id"], by["LlamaMind"]["github"]')" "(None, None)"
assert_eq "placed" "$(jq_py 'all(o["prediction"]["category"] and o["prediction"]["stages"] for o in a)')" True
assert_eq "a Chinese name kept" "$(jq_py '"智能链" in by')" True
assert_eq "hostile text: no control characters, no tags, bounded" \
	"$(jq_py '[o["name"] for o in a if any(ord(ch) < 32 or ch in "<>" for ch in o["name"])]')" "[]"
try aimap review show "$(jq_py 'by["Evil Coin"]["id"]')"
assert_status 0
assert_true "hostile description cut and cleaned" "$PY" - "$OUT" <<'PY'
import sys
t = open(sys.argv[1], encoding="utf-8").read()
assert len(t) < 6000, len(t)
assert "\x07" not in t and "\x1b" not in t and "<p>" not in t, repr(t[:200])
assert "Agents & models" in t
PY
assert_true "identifiers keep their source" grep -q "twitter.*neuralnet  (from coingecko)" <(aimap review show "$(jq_py 'by["NeuralNet"]["id"]')")
assert_true "the homepage's text read" grep -q "GPU compute for AI & inference" <(aimap review show "$(jq_py 'by["NeuralNet"]["id"]')")
assert_eq "a delisted coin stays a candidate" "$(jq_py '"Gone Coin" in by')" True
assert_out_lacks "Failed:"

# ---- list and export with candidates, marked
try aimap list --candidates --format json --search NeuralNet
assert_out_contains '"source":	"candidate"'
try aimap export csv --candidates --search zkprover
assert_out_contains ',candidate,'
try aimap list --search zkprover
assert_out_lacks "zkprover"

# ---- accept: the project is in the catalog, the map and the report
nn=$(jq_py 'by["NeuralNet"]["id"]')
try aimap review accept "$nn" --category compute-specialized
assert_status 0
assert_out_contains "accepted #$nn as neuralnet (infra / compute-specialized)"
try aimap show neuralnet --format json
assert_true "a reviewed project from discovery with every identifier" "$PY" - "$OUT" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["source"] == "discovered", p
assert p["category"] == "compute-specialized", p
assert p["coingecko_id"] == "neuralnet-token" and p["github"] == "neuralnet-labs/node", p
assert p["twitter"] == "neuralnet", p
PY
try aimap list --search neuralnet
assert_out_contains "neuralnet"
try aimap map -o "$T/map.svg"
assert_true "on the map" grep -q "NeuralNet" "$T/map.svg"
try aimap report --format csv
assert_true "in the report, with the market cap it was seen with" grep -q "^infra,compute-specialized,.*,500000000,.*NeuralNet" "$OUT"
try aimap review accept "$nn"
assert_status 65

# ---- reject: never proposed again; snooze
rj=$(jq_py 'by["Reject Me"]["id"]')
try aimap review reject "$rj" --reason "not an AI project"
assert_status 0
try aimap review snooze "$(jq_py 'by["LlamaMind"]["id"]')"
assert_status 0
try aimap review accept 999999
assert_status 1
try aimap review reject "$nn"
assert_status 65

# ---- a second run: updates, keeps decisions, follows renames
sed -i 's/"name": "OldName"/"name": "NewName"/' "$T/world.json"
sleep 1
try aimap discover --allow-private --describe 0
assert_status 0
assert_out_contains "1 rejected before"
assert_out_lacks " 0 known seen again"
review_json
assert_eq "the rejected one stays rejected" \
	"$(jq_py 'by["Reject Me"]["status"], by["LlamaMind"]["status"], "NeuralNet" in by and by["NeuralNet"]["status"]')" \
	"('rejected', 'snoozed', 'accepted')"
assert_eq "a renamed coin keeps its candidate, under its new name" \
	"$(jq_py '"NewName" in by, "OldName" in by, by["NewName"]["first_seen"] < by["NewName"]["last_seen"]')" "(True, False, True)"
assert_eq "no duplicates after a second run" \
	"$(jq_py 'len(a) == len({o["name"] for o in a})')" True
try aimap discover --allow-private --describe 0 --include-rejected
assert_status 0
try aimap review --format json
assert_out_contains '"name":	"Reject Me"'
assert_eq "history kept" \
	"$(sqlite3 "$AIMAP_DB" "SELECT group_concat(event, ',') FROM (SELECT event FROM candidate_history WHERE candidate = $rj ORDER BY id)")" \
	"found,rejected,seen"

# ---- projects `classify --save` added wait in the review too
cat >"$T/new.json" <<'JSON'
[{"name": "Saved Agent Mesh", "description": "A network of autonomous AI agents that trade on-chain."}]
JSON
aimap classify "$T/new.json" --save >/dev/null 2>&1
try aimap review --format json
assert_true "a saved project listed, as a project" "$PY" - "$OUT" <<'PY'
import json, sys
a = [o for o in json.load(open(sys.argv[1])) if o["name"] == "Saved Agent Mesh"]
assert len(a) == 1 and a[0]["kind"] == "project" and a[0]["sources"] == ["classify"], a
assert a[0]["prediction"]["category"], a
PY
saved=$("$PY" -c 'import json,sys; print([o["id"] for o in json.load(open(sys.argv[1])) if o["name"] == "Saved Agent Mesh"][0])' "$OUT")
try aimap review accept "$saved" --category agent-market
assert_status 0
try aimap show "$saved" --format json
assert_out_contains '"category":	"agent-market"'
assert_out_lacks '"reviewed":	false'
try aimap review --format json
assert_out_lacks "Saved Agent Mesh"

# ---- edits and removals of curated projects last across init
try aimap edit allora --category agent-market --status sunset --note "2026-12: test"
assert_status 0
try aimap remove golem </dev/null
assert_status 64
assert_err_contains "give --yes"
try aimap remove golem --yes
assert_status 0
try aimap init
assert_status 0
try aimap show allora --format json
assert_out_contains '"category":	"agent-market"'
try aimap show golem
assert_status 1

# ---- secrets never shown or stored
export GITHUB_TOKEN=sekrit-token-4242 COINGECKO_API_KEY=sekrit-key-4242
try aimap discover --dry-run
assert_out_lacks "sekrit"
try aimap discover --allow-private --describe 2 --verbose
assert_true "no secret in the output" bash -c "! grep -q sekrit '$OUT' '$ERR'"
assert_true "no secret in the database" bash -c "! sqlite3 '$AIMAP_DB' .dump | grep -q sekrit"
unset GITHUB_TOKEN COINGECKO_API_KEY

# ---- the search API's own rate limit: waited for, not failed
srv_start --search-limit 1 --search-window 2
try aimap discover --source github --allow-private --describe 0 --max-wait 10
assert_status 0
assert_eq "search calls made, one a window" "$(requests 'search/repositories')" 2
assert_out_contains "github-search: rate limited; calls paused"
# ... and past --max-wait it fails, with exit 75
srv_start --search-limit 1 --search-window 3600
try aimap discover --source github --describe 0 --max-wait 1
assert_status 75
assert_out_contains "Failed:"

# ---- nothing reachable: 69
srv_stop
export AIMAP_COINGECKO_API=http://127.0.0.1:1/cg AIMAP_GITHUB_API=http://127.0.0.1:1/gh AIMAP_DEFILLAMA_API=http://127.0.0.1:1/llama
try aimap discover --describe 0 --max-wait 1
assert_status 69

# ---- killed at random points: all or nothing
srv_start --latency 20 --search-limit 1000
export AIMAP_DB=$T/kill.db
aimap init >/dev/null 2>&1
aimap discover --allow-private --describe 3 >/dev/null 2>&1
whole=$(sqlite3 "$AIMAP_DB" "SELECT count(*) FROM candidates")
sqlite3 "$AIMAP_DB" "DELETE FROM candidate_history; DELETE FROM candidates"
RANDOM=${AIMAP_CRASH_SEED:-$RANDOM}
bad=""
for k in $(seq 8); do
	# The binary itself, not the shell function: kill must reach it.
	"$AIMAP_BIN" discover --allow-private --describe 3 >/dev/null 2>&1 &
	pid=$!
	sleep "0.$((RANDOM % 9))$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ok=$(sqlite3 "$AIMAP_DB" "PRAGMA integrity_check")
	n=$(sqlite3 "$AIMAP_DB" "SELECT count(*) FROM candidates")
	h=$(sqlite3 "$AIMAP_DB" "SELECT count(DISTINCT candidate) FROM candidate_history")
	# A run stores every candidate with its history, or nothing.
	case "$ok:$n" in
	ok:0|ok:"$whole") [ "$n" = "$h" ] || bad="$bad kill $k: $n candidates, $h with history;" ;;
	*) bad="$bad kill $k: $ok $n;" ;;
	esac
	sqlite3 "$AIMAP_DB" "DELETE FROM candidate_history; DELETE FROM candidates"
done
assert_eq "killed runs leave all or nothing" "$bad" ""
try aimap discover --allow-private --describe 3
assert_status 0

finish
