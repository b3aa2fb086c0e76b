#!/usr/bin/env bash
# concurrency.sh: a fetch writing while list, show, stats, export and the
# dashboard read, an import writes and a second fetch tries to start. No
# "database is locked" reaches the user, no reader sees a project half
# updated, the second fetch is refused clearly, and nothing is lost.
#
# The fixture server counts its answers for "rev" repositories and TVL
# slugs: a project's stars are n and its TVL n * 10 + 0.5 after its n-th
# fetch. A project's results are written in one transaction, so every
# reader must see the pair from the same fetch (or neither).
. "$(dirname "$0")/../lib/e2e.sh"
. "$TOP/tests/fixtures/http/setup.sh"

N=40
ROUNDS=3
fixture_start --delay 0.04
{ for i in $(seq 1 $N); do echo "c-$i acme/rev$i - rev$i -"; done; } |
	fixture_catalog

FETCH=(--source github,defillama --pace defillama=0)
problems=$T/problems
: >"$problems"

# checked OUTPUT ERRFILE STATUS WHAT: notes what went wrong with one read.
checked() {
	if [ "$3" -ne 0 ]; then
		echo "$4: exit $3: $(head -c 300 "$2")" >>"$problems"
	elif grep -qiE 'locked|busy' "$2"; then
		echo "$4: $(head -c 300 "$2")" >>"$problems"
	fi
}

# untorn CSV: every project's stars and TVL come from the same fetch.
untorn() {
	"$PY" - "$1" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 40, len(rows)
for r in rows:
    s, t = r["github_stars"], r["tvl_usd"]
    if not s and not t:
        continue
    assert s and t, ("half a fetch", r["id"], s, t)
    assert abs(float(t) - (float(s) * 10 + 0.5)) < 1e-6, ("torn", r["id"], s, t)
PY
}

# ---- the writer: ROUNDS fetches one after the other
(
	for r in $(seq 1 $ROUNDS); do
		"$AIMAP_BIN" fetch "${FETCH[@]}" >"$T/fetch$r.out" 2>&1
		echo $? >"$T/fetch$r.rc"
	done
) &
writer=$!

# Wait until the first fetch holds its lock and has written something.
for _ in $(seq 200); do
	[ "$(sql "SELECT count(*) FROM metrics" 2>/dev/null)" != 0 ] && break
	sleep 0.05
done

# ---- an import writing while the fetch writes: it waits its turn
spec_json <(for i in $(seq 1 $N); do echo "c-$i acme/rev$i - rev$i -"; done) \
	"$T/update.json"
sed -i 's/"A test project."/"Updated while fetching."/' "$T/update.json"
try aimap import "$T/update.json"
assert_status 0
assert_out_contains "40 updated"

# ---- readers, over and over while the writer runs
reads=0 torn=0
while kill -0 $writer 2>/dev/null; do
	reads=$((reads + 1))
	"$AIMAP_BIN" export csv >"$T/r.csv" 2>"$T/r.err"
	checked "$T/r.csv" "$T/r.err" $? "export csv"
	untorn "$T/r.csv" 2>>"$T/torn.log" || torn=$((torn + 1))
	"$AIMAP_BIN" list --format csv --sort stars >"$T/l.csv" 2>"$T/l.err"
	checked "$T/l.csv" "$T/l.err" $? "list --format csv"
	untorn "$T/l.csv" 2>>"$T/torn.log" || torn=$((torn + 1))
	"$AIMAP_BIN" list >"$T/l.txt" 2>"$T/l.err"
	checked "$T/l.txt" "$T/l.err" $? "list"
	"$AIMAP_BIN" show c-7 >"$T/s.txt" 2>"$T/s.err"
	checked "$T/s.txt" "$T/s.err" $? "show"
	"$AIMAP_BIN" stats >"$T/st.txt" 2>"$T/st.err"
	checked "$T/st.txt" "$T/st.err" $? "stats"
done
wait $writer
E2E_NAME="readers during the fetches ($reads rounds)"
[ "$reads" -ge 1 ] && _ok || _bad "no read while the fetches ran"
assert_eq "no reader failed or saw a lock" "$(cat "$problems")" ""
assert_eq "no torn read in $reads rounds" "$torn" 0
[ -s "$T/torn.log" ] && head -5 "$T/torn.log" >&2
for r in $(seq 1 $ROUNDS); do
	assert_eq "fetch $r exit" "$(cat "$T/fetch$r.rc")" 0
done

# ---- nothing lost: every fetch of every project is in the history, the
# latest figures are the last fetch's, and the import's text is there
assert_eq "history: $ROUNDS fetches x $N projects x 6 figures" \
	"$(sql "SELECT count(*) FROM metrics")" $((ROUNDS * N * 6))
assert_eq "latest stars are round $ROUNDS" \
	"$(sql "SELECT DISTINCT value FROM metrics_latest WHERE metric = 'github.stars'")" \
	"$ROUNDS.0"
assert_eq "the import landed" \
	"$(sql "SELECT count(*) FROM projects WHERE description = 'Updated while fetching.'")" $N
assert_eq "integrity" "$(sql "PRAGMA integrity_check")" "ok"

# ---- a second fetch while one runs: refused, at once, clearly. The first
# one waits on a server that never answers, so it surely holds the lock.
spec_json <(echo "c-hang acme/hang - - -") "$T/hang.json"
try aimap import "$T/hang.json"
assert_status 0
"$AIMAP_BIN" fetch --source github --project c-hang --timeout 60 \
	--retries 0 >"$T/hang.out" 2>&1 &
holder=$!
for _ in $(seq 600); do
	[ "$(cat "$AIMAP_DB-fetch.lock" 2>/dev/null)" = "$holder" ] && break
	sleep 0.05
done
assert_eq "the first fetch holds the lock" "$(cat "$AIMAP_DB-fetch.lock")" "$holder"
try aimap fetch "${FETCH[@]}"
assert_status 75
assert_err_contains "another aimap fetch (pid $holder) is writing to $AIMAP_DB; try again when it has finished"
assert_out_lacks "fetched"
try aimap fetch --dry-run
assert_status 0
kill $holder
wait $holder 2>/dev/null
# Once it has ended, however it ended, the next fetch may run (both
# sources: a project's stars and TVL stay from the same fetch).
try aimap fetch "${FETCH[@]}" --project c-1
assert_status 0

# ---- dashboards while a fetch writes: one open throughout (sorting,
# searching, opening a project), and fresh ones started again and again,
# each loading the catalog in the middle of the fetch. Every screen is
# captured while the fetch writes, and checked: no lock, and no project
# with its stars from one fetch and its TVL from another (or only one).
if command -v tmux >/dev/null; then
	CLEANUP=fixture_stop
	. "$TOP/tests/lib/tmux.sh"
	tm new-session -d -x 120 -y 30 -s t \
		"$AIMAP_BIN tui; echo TUI-EXIT=\$?; sleep 600"
	E2E_NAME="dashboard opens"
	wait_for "$((N + 1)) of $((N + 1)) projects" && _ok || _bad "no status line"
	"$AIMAP_BIN" fetch "${FETCH[@]}" $(printf -- '--project c-%d ' $(seq 1 $N)) \
		>"$T/fetch-tui.out" 2>&1 &
	writer=$!
	tm send-keys -t t s s s s s s s s
	tm send-keys -t t -l "/c-1"
	tm send-keys -t t Enter Enter
	: >"$T/screens"
	: >"$T/fresh"
	starts=0 during=0
	while kill -0 $writer 2>/dev/null; do
		starts=$((starts + 1))
		# Tall enough for all the projects at once.
		tm new-session -d -x 160 -y 50 -s r "$AIMAP_BIN tui; sleep 600"
		for _ in $(seq $((LIMIT * 20))); do
			tm capture-pane -p -t r >"$T/shot" 2>/dev/null
			grep -qF "$((N + 1)) of $((N + 1)) projects" "$T/shot" && break
			sleep 0.05
		done
		# Kept only when the fetch was still writing after the
		# capture: a screen read during the fetch.
		tm capture-pane -p -t t >"$T/shot-t" 2>/dev/null
		if kill -0 $writer 2>/dev/null; then
			during=$((during + 1))
			{ cat "$T/shot"; printf '\f\n'; } >>"$T/fresh"
			cat "$T/shot" "$T/shot-t" >>"$T/screens"
		fi
		tm kill-session -t r 2>/dev/null
	done
	wait $writer
	assert_eq "the fetch beside the dashboard" "$?" 0
	E2E_NAME="dashboards read during the fetch ($during of $starts)"
	[ "$during" -ge 1 ] && _ok || _bad "no screen captured while the fetch ran"
	E2E_NAME="no dashboard showed a lock"
	grep -qiE 'locked|busy' "$T/screens" && _bad "lock on screen" || _ok
	E2E_NAME="no dashboard showed a half-updated project"
	"$PY" - "$T/fresh" "$((N + 1))" >"$T/rows" 2>"$T/torn-tui" <<'PY' && _ok ||
import re, sys
# Each screen: the Projects table by name; TVL and Stars are right-aligned
# under their titles. After a project's n-th fetch: stars n, TVL n*10+0.5.
bad = 0
for screen in open(sys.argv[1]).read().split("\f\n"):
    lines = screen.split("\n")
    head = [i for i, l in enumerate(lines) if "TVL" in l and "Stars" in l]
    if not head:
        continue
    h = lines[head[0]]
    tvl_end, stars_end = h.index("TVL") + 3, h.index("Stars") + 5
    rows = 0
    for l in lines[head[0] + 1:]:
        if not re.match(r"^..C (\d+|Hang)\b", l):
            continue
        rows += 1
        tvl, stars = l[:tvl_end].split()[-1], l[:stars_end].split()[-1]
        if tvl == "-" and stars == "-":
            continue
        if "-" in (tvl, stars) or \
           abs(float(tvl.lstrip("$")) - (float(stars) * 10 + 0.5)) > 1e-6:
            print("torn:", l.rstrip(), file=sys.stderr)
            bad += 1
    if rows != int(sys.argv[2]):
        print("%d rows on a screen, expected %s" % (rows, sys.argv[2]),
              file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY
		_bad "$(head -5 "$T/torn-tui")"
	tm send-keys -t t Escape Escape
	E2E_NAME="dashboard detail during a fetch"
	grep -qF "(c-1" "$T/screens" && _ok || _bad "no detail"
	tm send-keys -t t q
	E2E_NAME="dashboard quits cleanly"
	wait_for "TUI-EXIT=0" && _ok || _bad "exit status"
	tm kill-server 2>/dev/null
else
	E2E_NAME="tmux"
	_bad "tmux is not installed (make deps)"
fi

finish
