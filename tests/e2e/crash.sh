#!/usr/bin/env bash
# crash.sh: `aimap import` and `aimap fetch` killed with SIGKILL at random
# points. After every kill the database passes PRAGMA integrity_check,
# nothing written before is missing, each change is there whole or not at
# all, and the next run completes.
#
# AIMAP_CRASH_POINTS sets the kills per command (default 30). The kill
# times are spread over a whole run's length, measured first, so that
# opening, parsing, writing and committing are all hit; the seed is
# printed so that a failure can be replayed (AIMAP_CRASH_SEED).
. "$(dirname "$0")/../lib/e2e.sh"
. "$TOP/tests/fixtures/http/setup.sh"

POINTS=${AIMAP_CRASH_POINTS:-30}
SEED=${AIMAP_CRASH_SEED:-$RANDOM}
echo "crash.sh: $POINTS kill points per command, seed $SEED" >&2
RANDOM=$SEED

# Seconds since the epoch, with microseconds.
now() { echo "${EPOCHREALTIME/,/.}"; }
# kill_after SECONDS CMD...: runs CMD, kills it with SIGKILL after SECONDS
# unless it ended first; prints "killed" or "ended RC".
kill_after() {
	local delay=$1; shift
	"$@" >/dev/null 2>"$T/killed.err" &
	local pid=$!
	sleep "$delay"
	if kill -9 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		echo killed
	else
		wait "$pid"
		echo "ended $?"
	fi
}
# A random delay in [0, max) seconds.
pick() {
	awk -v r=$((RANDOM * 32768 + RANDOM)) -v m="$1" \
		'BEGIN { printf "%.4f", r / 1073741824 * m }'
}

# check MODE STATE: one look at the database after a kill, in one process.
# Prints nothing when all is well, else what is wrong. STATE holds what
# must never be lost (projects with their text, every history row); it is
# compared with the database and then replaced by what is there now.
# MODE import: also prints "revisions COUNT REVS" of the crash-* projects
# (first line), which are exempt from the comparison since an import may
# change them, as long as it changes all of them. MODE fetch: also checks
# that every project's figures are whole (6 history rows per fetch, all 6
# latest figures).
cat >"$T/check.py" <<'PY'
import os, sqlite3, sys
mode, db_path, state_path = sys.argv[1:4]
db = sqlite3.connect(db_path)
out = []
ic = db.execute("PRAGMA integrity_check").fetchall()
if ic != [("ok",)]:
    out.append("integrity: %r" % ic[:3])
now = set()
for pid, desc in db.execute("SELECT id, description FROM projects"):
    if not (mode == "import" and pid.startswith("crash-")):
        now.add("p %s %s" % (pid, desc))
for row in db.execute("SELECT project, source, metric, value, observed_at"
                      " FROM metrics"):
    now.add("m %s %s %s %r %d" % row)
if os.path.exists(state_path):
    before = set(open(state_path).read().split("\n")) - {""}
    gone = sorted(before - now)
    if gone:
        out.append("lost %d rows, first %s" % (len(gone), gone[0]))
with open(state_path, "w") as f:
    f.write("\n".join(sorted(now)) + "\n")
if mode == "import":
    revs = sorted({d[9:10] for (d,) in db.execute(
        "SELECT description FROM projects WHERE id LIKE 'crash-%'")})
    n = db.execute("SELECT count(*) FROM projects WHERE id LIKE 'crash-%'"
                   ).fetchone()[0]
    print("revisions", n, ",".join(revs))
else:
    for p, n in db.execute("SELECT project, count(*) FROM metrics"
                           " GROUP BY project"):
        if n % 6:
            out.append("%s has %d history rows" % (p, n))
    for p, n in db.execute("SELECT project, count(*) FROM metrics_latest"
                           " GROUP BY project"):
        if n != 6:
            out.append("%s has %d latest figures" % (p, n))
for line in out[:5]:
    print(line)
PY
check() { "$PY" "$T/check.py" "$1" "$AIMAP_DB" "$2"; }

# ---- import --------------------------------------------------------------
# A database with the shipped catalog and some history, then imports of
# 4000 projects, each revision rewriting every description.
export AIMAP_DATA=$TOP/data
"$AIMAP_BIN" init >/dev/null 2>&1 || { echo "init failed" >&2; exit 1; }
"$PY" - "$AIMAP_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM projects ORDER BY id")]
with db:
    for i, p in enumerate(ids):
        for t in range(3):
            db.execute("INSERT INTO metrics(project, source, metric, value,"
                       " observed_at) VALUES(?, 'github', 'github.stars', ?, ?)",
                       (p, i * 10 + t, 1700000000 + t))
PY
shipped=$(sql "SELECT count(*) FROM projects")

revision() {   # revision R: the import file of revision R
	"$PY" - "$TOP/data/taxonomy.json" "$1" >"$T/rev$1.json" <<'PY'
import json, sys
tax = json.load(open(sys.argv[1]))
rev = sys.argv[2]
cats = tax["categories"]
out = []
for i in range(4000):
    c = cats[i % len(cats)]
    out.append({"id": "crash-%04d" % i, "name": "Crash %d" % i,
                "layer": c["layer"], "category": c["id"],
                "stages": c.get("default_stages") or [],
                "description": "Revision %s of a project written to be "
                               "killed half way; the words are padding "
                               "of a realistic length for the test. %s"
                               % (rev, "word " * 40),
                "chains": ["ethereum", "base"], "source": "curated"})
json.dump(out, sys.stdout, indent=1)
PY
}
# revisions_now: the distinct revisions of the crash projects, and their
# count ("0" when none is there yet).
revision 1
# How long a whole import takes, on a copy (the kills are spread over it).
cp "$AIMAP_DB" "$T/measure.db"
t0=$(now)
try aimap --db "$T/measure.db" import "$T/rev1.json"
t1=$(now)
assert_status 0
full=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1.2 }')
rm -f "$T/measure.db"*

killed=0 ended=0 bad=0 committed=0
before=$(check import "$T/import.state")
for k in $(seq 1 "$POINTS"); do
	rev=$(( (k % 5) + 2 ))
	[ -f "$T/rev$rev.json" ] || revision $rev
	d=$(pick "$full")
	r=$(kill_after "$d" "$AIMAP_BIN" import "$T/rev$rev.json")
	case $r in
	killed) killed=$((killed + 1)) ;;
	"ended 0") ended=$((ended + 1)) ;;
	*) bad=$((bad + 1)); echo "import at ${d}s: $r: $(head -c 300 "$T/killed.err")" >&2 ;;
	esac
	res=$(check import "$T/import.state")
	after=$(head -n 1 <<<"$res")
	problems=$(tail -n +2 <<<"$res")
	if [ -n "$problems" ]; then
		bad=$((bad + 1)); echo "import killed at ${d}s: $problems" >&2
	fi
	# Whole or nothing: all 4000 at one revision, the old or the new.
	case $after in
	"$before"|"revisions 4000 $rev") ;;
	*) bad=$((bad + 1)); echo "import killed at ${d}s: half written: $before -> $after" >&2 ;;
	esac
	[ "$after" != "$before" ] && committed=$((committed + 1))
	before=$after
done
E2E_NAME="import: $POINTS kills ($killed mid-run, $ended ran to the end, $committed committed)"
[ "$bad" -eq 0 ] && _ok || _bad "$bad problems"
E2E_NAME="import: kills fell inside the run"
[ "$killed" -ge $((POINTS / 2)) ] && _ok || _bad "only $killed of $POINTS"
assert_eq "shipped projects all there" \
	"$(sql "SELECT count(*) FROM projects WHERE id NOT LIKE 'crash-%'")" "$shipped"
try aimap import "$T/rev1.json"
assert_status 0
assert_eq "the next import completes" "$(check import "$T/import.state")" "revisions 4000 1"
try aimap doctor
assert_status 0

# ---- fetch ----------------------------------------------------------------
# 20 projects against the fixture server, each answer held back a little
# so that a run lasts long enough to be killed anywhere in it.
fixture_start --delay 0.02
export AIMAP_DATA=$T/data
rm -f "$AIMAP_DB" "$AIMAP_DB"-wal "$AIMAP_DB"-shm
{ for i in $(seq 1 20); do echo "k-$i acme/rev$i - rev$i /web/page$i"; done; } |
	fixture_catalog
FETCH=(fetch --allow-private --source github,defillama,web --pace defillama=0)
t0=$(now)
try aimap "${FETCH[@]}"
t1=$(now)
assert_status 0
full=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1.2 }')
killed=0 ended=0 bad=0
check fetch "$T/fetch.state" >/dev/null
for k in $(seq 1 "$POINTS"); do
	d=$(pick "$full")
	r=$(kill_after "$d" "$AIMAP_BIN" "${FETCH[@]}")
	case $r in
	killed) killed=$((killed + 1)) ;;
	"ended 0") ended=$((ended + 1)) ;;
	*) bad=$((bad + 1)); echo "fetch at ${d}s: $r: $(head -c 300 "$T/killed.err")" >&2 ;;
	esac
	problems=$(check fetch "$T/fetch.state")
	if [ -n "$problems" ]; then
		bad=$((bad + 1)); echo "fetch killed at ${d}s: $problems" >&2
	fi
done
E2E_NAME="fetch: $POINTS kills ($killed mid-run, $ended ran to the end)"
[ "$bad" -eq 0 ] && _ok || _bad "$bad problems"
E2E_NAME="fetch: kills fell inside the run"
[ "$killed" -ge $((POINTS / 2)) ] && _ok || _bad "only $killed of $POINTS"
try aimap "${FETCH[@]}"
assert_status 0
assert_eq "the next fetch completes: every project" \
	"$(sql "SELECT count(DISTINCT project) FROM metrics_latest")" 20
assert_eq "the next fetch completes: every homepage" \
	"$(sql "SELECT count(*) FROM projects WHERE homepage_text IS NOT NULL")" 20
assert_eq "after all the kills, nothing lost, every project whole" \
	"$(check fetch "$T/fetch.state")" ""
try aimap doctor
assert_status 0

finish
