#!/usr/bin/env bash
# fetch_faults.sh: `aimap fetch` against a server that misbehaves: retries
# and their counts, timeouts, bad bodies, redirects out of bounds, rate
# limits, exit codes, and values already known that must survive it all.
. "$(dirname "$0")/../lib/e2e.sh"
. "$TOP/tests/fixtures/http/setup.sh"

fixture_start

# ---- seed: every project gets good values first
ids="flaky slow429 hang truncated cutoff html huge hugechunk tofile forbidden wrongtype notfound negative nohead pdf"
{
	for n in $ids; do echo "f-$n acme/seed-$n - seed-$n /web/seed-$n"; done
	echo "f-bighead - - - /web/bighead"
	echo "f-latin1 - - - /web/latin1"
} | fixture_catalog
try aimap fetch --allow-private --pace defillama=0
assert_status 0
assert_metric f-hang github.stars "$(fixture_figure acme/seed-hang stars)"
db_dump "$AIMAP_DB" >"$T/seeded.dump"
rows() { sql "SELECT count(*) FROM metrics WHERE project = '$1' AND source = '$2'"; }

# ---- now the same projects point at the faults
{
	for n in $ids; do
		slug=$n web=/web/$n
		case $n in nohead|pdf) slug=seed-$n ;; esac
		echo "f-$n acme/$n - $slug $web"
	done
	echo "f-bighead - - - /web/bighead"
	echo "f-latin1 - - - /web/latin1"
} | fixture_reimport
: >"$FIX_LOG"
try aimap fetch --allow-private --timeout 1 --retries 1 --source github,defillama,web --pace defillama=0
assert_status 75
cp "$OUT" "$T/faults.out"

# 500 then success: stored, after exactly one retry.
assert_eq "flaky: two attempts" "$(requests /gh/repos/acme/flaky)" 2
assert_metric f-flaky github.stars "$(fixture_figure acme/flaky stars)"
assert_eq "flaky tvl: two attempts" "$(requests /llama/tvl/flaky)" 2
assert_metric f-flaky defillama.tvl_usd "$(fixture_figure flaky tvl)"
assert_eq "flaky page" "$(sql "SELECT substr(homepage_text, 1, 5) FROM projects WHERE id = 'f-flaky'")" "Flaky"
# 429 with Retry-After: 1: the second attempt waited for it.
assert_eq "429: two attempts" "$(requests /gh/repos/acme/slow429)" 2
assert_true "429: Retry-After honoured" at_least "$(request_gap /gh/repos/acme/slow429)" 0.9
assert_metric f-slow429 github.stars "$(fixture_figure acme/slow429 stars)"
# A hung connection: timed out, retried once, given up.
assert_eq "hang: two attempts" "$(requests /gh/repos/acme/hang)" 2
assert_out_contains "f-hang: GET http://127.0.0.1:$PORT/gh/repos/acme/hang: Operation timed out"
assert_out_contains "(after 2 attempts)"
# A body cut off in transit is retried; one cut in its JSON is rejected.
assert_eq "cutoff: two attempts" "$(requests /gh/repos/acme/cutoff)" 2
assert_eq "truncated: one attempt" "$(requests /gh/repos/acme/truncated)" 1
assert_out_contains "f-truncated: GET http://127.0.0.1:$PORT/gh/repos/acme/truncated: response rejected: response:1:"
assert_out_contains "f-html: GET http://127.0.0.1:$PORT/gh/repos/acme/html: response rejected: an HTML page instead of JSON (\"502 Bad Gateway\")"
assert_out_contains "f-huge: GET http://127.0.0.1:$PORT/gh/repos/acme/huge: response larger than 8388608 bytes, refused"
assert_out_contains "f-hugechunk: GET http://127.0.0.1:$PORT/gh/repos/acme/hugechunk: response larger than 8388608 bytes, refused"
assert_eq "huge: not retried" "$(requests /gh/repos/acme/huge)" 1
assert_out_contains "f-tofile: GET http://127.0.0.1:$PORT/gh/repos/acme/tofile: redirect to a file URL refused (only http and https)"
assert_out_contains "web       f-tofile: GET http://127.0.0.1:$PORT/web/tofile: redirect to a file URL refused"
assert_out_contains "f-forbidden: GET http://127.0.0.1:$PORT/gh/repos/acme/forbidden: HTTP 403 forbidden (no rate-limit signal, not retried) (the server says: Resource not accessible by integration)"
assert_eq "403: not retried" "$(requests /gh/repos/acme/forbidden)" 1
assert_out_contains "f-wrongtype: GET http://127.0.0.1:$PORT/gh/repos/acme/wrongtype: response rejected: \"stargazers_count\" is not a number"
assert_out_contains "f-notfound: GET http://127.0.0.1:$PORT/gh/repos/acme/notfound: HTTP 404 (the server says: Not Found)"
assert_out_contains "f-negative: GET http://127.0.0.1:$PORT/llama/tvl/negative: response rejected: TVL out of range (-5)"
assert_out_contains "f-pdf: GET http://127.0.0.1:$PORT/web/pdf: not an HTML page (Content-Type application/pdf)"
assert_out_contains "f-nohead: GET http://127.0.0.1:$PORT/web/nohead: no title or description in the page's head"
# Homepages: only the head is read (and at most 256 KiB of it); legacy
# encodings become UTF-8.
assert_eq "big head: title only" "$(sql "SELECT homepage_text FROM projects WHERE id = 'f-bighead'")" "Big head"
assert_eq "latin1 page" "$(sql "SELECT homepage_text FROM projects WHERE id = 'f-latin1'")" "Café naïve – déjà vu"

# Nothing known was lost: every failed source kept its value and its
# history, row for row.
for n in hang truncated cutoff html huge hugechunk tofile forbidden wrongtype notfound; do
	assert_metric f-$n github.stars "$(fixture_figure acme/seed-$n stars)"
	assert_eq "f-$n github history untouched" "$(rows f-$n github)" 5
done
assert_metric f-negative defillama.tvl_usd "$(fixture_figure seed-negative tvl)"
assert_eq "f-negative tvl history" "$(rows f-negative defillama)" 1
for n in Hang Tofile Nohead Pdf; do
	assert_eq "f-$n page kept" "$(sql "SELECT homepage_text FROM projects WHERE id = lower('f-$n')" | head -n 1)" "Seed-$n — Verifiable AI inference"
done
assert_true "summary counts retries" "$PY" - "$T/faults.out" <<'PY'
import sys
table = open(sys.argv[1]).read().split("\n\n")[0].splitlines()
rows = {l.split()[0]: l.split()[1:] for l in table[1:]}
f, nm, fresh, skip, failed, req, retries = map(int, rows["github"])
assert (f, failed, skip) == (5, 10, 2), rows
assert retries == 4, rows          # flaky, slow429, hang, cutoff
assert req == 15 + retries, rows
PY

# ---- CoinGecko: faults of a whole batch and of single coins
fixture_reimport <<'CAT'
f-flaky - cg500 - -
f-slow429 - rocket-token - -
f-hang - negcap - -
f-truncated - unlisted - -
f-cutoff - nullcoin - -
f-html - wrongtype - -
CAT
: >"$FIX_LOG"
try aimap fetch --allow-private --source coingecko --pace coingecko=0
assert_status 75
assert_eq "batch retried once" "$(requests /cg/api/v3/coins/markets)" 2
assert_metric f-flaky coingecko.price_usd "$(fixture_figure cg500 price)"
assert_metric f-slow429 coingecko.price_usd "$(fixture_figure rocket-token price)"
assert_out_contains "f-hang: coin 'negcap' rejected: \"market_cap\" is out of range (-5)"
assert_out_contains "f-truncated: CoinGecko does not list the id 'unlisted'"
assert_out_contains "f-cutoff: coin 'nullcoin': no figures in the answer"
assert_out_contains "f-html: coin 'wrongtype' rejected: \"current_price\" is not a number"
assert_eq "rejected coin stores nothing" "$(rows f-hang coingecko)" 0
fixture_reimport <<'CAT'
f-flaky - cghtml - -
f-slow429 - rocket-token - -
CAT
try aimap fetch --allow-private --source coingecko --pace coingecko=0 --project f-flaky --project f-slow429
assert_status 75
assert_out_contains "response rejected: an HTML page instead of JSON"
assert_metric f-slow429 coingecko.price_usd "$(fixture_figure rocket-token price)"
assert_eq "HTML answer stores nothing" "$(rows f-slow429 coingecko)" 6
fixture_reimport <<'CAT'
f-flaky - cg429 - -
CAT
: >"$FIX_LOG"
try aimap fetch --allow-private --source coingecko --pace coingecko=0 --project f-flaky
assert_status 0
assert_true "batch 429: Retry-After honoured" at_least "$(request_gap /cg/api/v3/coins/markets)" 0.9

# ---- GitHub rate limits
fixture_catalog <<'CAT'
r-last acme/lastcall rocket-token rocket -
r-next1 acme/next1 - - -
r-next2 acme/next2 - - -
CAT
: >"$FIX_LOG"
try aimap fetch --allow-private --pace coingecko=0
assert_status 75
assert_metric r-last github.stars "$(fixture_figure acme/lastcall stars)"
assert_eq "no call after the last one" "$(requests_like /gh/repos/acme/next)" 0
# Projects not attempted for one reason are one line (each with --verbose).
assert_out_contains "github    2 projects: not attempted: github: rate limit reached; calls stop until"
# The reset is an hour away when the server answers; a slow run (valgrind)
# reads the clock a second later.
assert_true "the wait announced" grep -qE "\(in (3600|35[0-9][0-9]) s, over --max-wait 60 s\)" "$OUT"
assert_out_contains "Notices:"
# The other APIs carried on.
assert_metric r-last coingecko.price_usd "$(fixture_figure rocket-token price)"
assert_metric r-last defillama.tvl_usd "$(fixture_figure rocket tvl)"

fixture_catalog <<'CAT'
r-limit acme/ratelimit - - -
r-next1 acme/zz-next - - -
CAT
: >"$FIX_LOG"
try aimap fetch --allow-private --source github
assert_status 75
assert_true "403 at the limit: the reset announced" grep -qE "r-limit: GET http://127.0.0.1:$PORT/gh/repos/acme/ratelimit: HTTP 403: rate limit exhausted; it resets in (3600|35[0-9][0-9]) s, over --max-wait 60 s" "$OUT"
assert_out_contains "r-next1: GET http://127.0.0.1:$PORT/gh/repos/acme/zz-next: not attempted"
assert_eq "403 at the limit: asked once" "$(requests /gh/repos/acme/ratelimit)" 1
assert_eq "then no more calls" "$(requests /gh/repos/acme/zz-next)" 0

# A reset within --max-wait: wait for it, then carry on.
fixture_catalog <<'CAT'
r-short acme/ratelimit2 - - -
r-after acme/zz-after - - -
CAT
: >"$FIX_LOG"
try aimap fetch --allow-private --source github --max-wait 10
assert_status 0
assert_eq "limited then fetched" "$(requests /gh/repos/acme/ratelimit2)" 2
assert_true "waited for the reset" at_least "$(request_gap /gh/repos/acme/ratelimit2)" 1
assert_metric r-short github.stars "$(fixture_figure acme/ratelimit2 stars)"
assert_metric r-after github.stars "$(fixture_figure acme/zz-after stars)"
# The reset is 2 s away when announced; a slow run (valgrind) sees less.
assert_true "the pause announced" grep -qE "github: rate limited; calls paused [12] s, until" "$OUT"

# Redirects that would carry the token to another host are refused.
fixture_catalog <<'CAT'
o-off acme/offsite - - -
CAT
try env GITHUB_TOKEN=tok-offsite-1234 "$AIMAP_BIN" fetch --allow-private --no-graphql --source github
assert_status 75
assert_out_contains "redirect to another host (127.0.0.2) refused: the request carries credentials"
assert_out_lacks "tok-offsite"

# ---- exit 69: nothing answers
PORT_SAVED=$PORT
PORT=1
fixture_catalog <<'CAT'
u-one acme/rocket rocket-token rocket /web/rocket
u-two acme/two - - -
u-three acme/three - - -
u-four acme/four - - -
CAT
try env AIMAP_GITHUB_API=http://127.0.0.1:1/gh AIMAP_COINGECKO_API=http://127.0.0.1:1/cg AIMAP_DEFILLAMA_API=http://127.0.0.1:1/llama "$AIMAP_BIN" fetch --allow-private --retries 0
assert_status 69
assert_err_contains "no source could be reached"
# Three requests in a row without an answer: the API is given up on.
assert_out_contains "github: unreachable: 3 requests in a row got no answer"
assert_out_contains "u-two: GET http://127.0.0.1:1/gh/repos/acme/two: not attempted: github: unreachable"
assert_out_contains "u-one: GET http://127.0.0.1:1/gh/repos/acme/rocket: Failed to connect to 127.0.0.1 port 1"
assert_out_contains "(after 1 attempt)"
PORT=$PORT_SAVED

# ---- a database that fails mid-run: exit with its code, nothing half
# written
fixture_catalog <<'CAT'
d-one acme/d1 - d1 -
d-two acme/d2 - d2 -
CAT
# Each project takes 12 write steps and a commit: the 16th step falls in
# the second project's transaction.
try env AIMAP_FAULT=sql:16 "$AIMAP_BIN" fetch --allow-private --source github,defillama --pace defillama=0
assert_status 74
assert_err_contains "cannot store a metric"
assert_true "each project whole or untouched" "$PY" - "$AIMAP_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (p,) in db.execute("SELECT id FROM projects"):
    n = db.execute("SELECT count(*) FROM metrics WHERE project = ?", (p,)).fetchone()[0]
    assert n in (0, 6), (p, n)
assert db.execute("SELECT count(*) FROM metrics").fetchone()[0] == 6
PY

# ---- killed mid-run: the database stays consistent and the next run
# picks up where it stopped
fixture_start --delay 0.1
{ for i in $(seq 1 40); do echo "k-$i acme/k$i - - -"; done; } | fixture_catalog
"$AIMAP_BIN" fetch --allow-private --source github >/dev/null 2>&1 &
pid=$!
# Killed once a few projects are in, wherever that falls in its work.
for _ in $(seq 1200); do
	[ "$(sql "SELECT count(DISTINCT project) FROM metrics" 2>/dev/null)" -ge 5 ] 2>/dev/null && break
	sleep 0.05
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
stored=$(sql "SELECT count(DISTINCT project) FROM metrics")
assert_true "killed part way ($stored stored)" test "$stored" -gt 0 -a "$stored" -lt 40
assert_eq "integrity" "$(sql "PRAGMA integrity_check")" "ok"
assert_true "no project half written" "$PY" - "$AIMAP_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for p, n in db.execute("SELECT project, count(*) FROM metrics GROUP BY project"):
    assert n == 5, (p, n)
for p, n in db.execute("SELECT project, count(*) FROM metrics_latest GROUP BY project"):
    assert n == 5, (p, n)
PY
: >"$FIX_LOG"
try aimap fetch --allow-private --source github --stale-after 1h
assert_status 0
assert_eq "only the rest fetched" "$(requests_like /gh/repos/)" $((40 - stored))
assert_eq "all there now" "$(sql "SELECT count(DISTINCT project) FROM metrics")" 40

# ---- 600 CoinGecko ids take 3 requests
fixture_start
{ for i in $(seq 1 600); do echo "c-$i - coin-$i - -"; done; } | fixture_catalog
try aimap fetch --allow-private --source coingecko --pace coingecko=0
assert_status 0
assert_eq "600 ids, 3 calls" "$(requests /cg/api/v3/coins/markets)" 3
assert_eq "all stored" "$(sql "SELECT count(DISTINCT project) FROM metrics_latest WHERE metric = 'coingecko.price_usd'")" \
	"$(sql "SELECT count(*) FROM projects")"
assert_true "at most 250 ids a call" "$PY" - "$FIX_LOG" <<'PY'
import json, sys
from urllib.parse import urlsplit, parse_qs
n = [len(parse_qs(urlsplit(json.loads(l)["path"]).query)["ids"][0].split(",")) for l in open(sys.argv[1])]
assert sorted(n) == [100, 250, 250], n
PY

# ---- a server that trickles its bodies: the lane is given up after four
# attempts in a row timed out, not after every repository's retries.
fixture_start
{ for i in 1 2 3 4 5 6; do echo "d-$i acme/drip$i - - -"; done; } | fixture_catalog
t0=$(date +%s.%N)
try aimap fetch --source github --timeout 1 --retries 3
t1=$(date +%s.%N)
assert_status 75
assert_eq "four attempts, then given up" "$(requests_like /gh/repos/acme/drip)" 4
assert_out_contains "github: too slow: 4 attempts in a row timed out"
assert_true "in seconds, not minutes" awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 10) }'

# ---- --deadline: the run stops there, keeps what it has, says so
fixture_start
fixture_catalog <<'CAT'
e-quick - - quick -
e-stuck acme/hang - - -
CAT
t0=$(date +%s.%N)
try aimap fetch --source github,defillama --timeout 30 --deadline 3s --pace defillama=0
t1=$(date +%s.%N)
assert_status 75
assert_true "stopped at the deadline" awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 2.5 && b - a < 8) }'
assert_err_contains "aimap: fetch: stopped at the deadline (--deadline 3 s): what was fetched is stored"
assert_metric e-quick defillama.tvl_usd "$(fixture_figure quick tvl)"
assert_out_contains "e-stuck: GET http://127.0.0.1:$PORT/gh/repos/acme/hang: not finished: the run's deadline (3 s) was reached"
try aimap fetch --deadline soon
assert_status 64

# ---- a response longer than its Content-Length: the bytes after it are
# a whole second response. No figure lands on the wrong project: each
# answer must say whom it is for, a connection that delivered bytes
# nobody asked for is not used again, and answers that cannot say whom
# they are for (a bare TVL, a page) get a connection of their own.
fixture_start
{ echo "x-0 acme/excess - excess /web/excess"
  for i in 1 2 3 4 5 6; do echo "x-$i acme/z$i - z$i /web/z$i"; done; } | fixture_catalog
try aimap fetch --allow-private --source github,defillama,web --pace defillama=0 --per-host 1
assert_eq "no stranger's figure stored" "$(sql "SELECT count(*) FROM metrics WHERE value = 99999999")" 0
assert_eq "no stranger's page stored" "$(sql "SELECT count(*) FROM projects WHERE homepage_text LIKE '%Evil%'")" 0
assert_true "every figure stored is its project's" "$PY" - "$AIMAP_DB" <<'PY'
import sqlite3, sys, zlib
db = sqlite3.connect(sys.argv[1])
def fig(name):
    h = zlib.crc32(name.encode()) & 0xFFFFFFFF
    return h % 100000, float(h % 1000000) * 10.0 + 0.5
for p, m, v in db.execute("SELECT project, metric, value FROM metrics_latest"
                          " WHERE metric IN ('github.stars', 'defillama.tvl_usd')"):
    n = "excess" if p == "x-0" else "z" + p[2:]
    stars, tvl = fig("acme/" + n)[0], fig(n)[1]
    assert v == (stars if m == "github.stars" else tvl), (p, m, v)
PY
assert_eq "every TVL and page stored" "$(sql "SELECT count(*) FROM metrics_latest WHERE metric = 'defillama.tvl_usd'")/$(sql "SELECT count(*) FROM projects WHERE homepage_text IS NOT NULL")" "7/7"
assert_true "at most one repository refused, none wrong" test "$(sql "SELECT count(*) FROM metrics_latest WHERE metric = 'github.stars'")" -ge 6

# ---- no network: hosts that refuse connections get one quick retry, a
# source whose hosts all fail is given up after a few, and the run ends in
# seconds with one line saying so.
PORT_SAVED=$PORT
PORT=1
{ for i in $(seq 1 12); do echo "n-$i acme/n$i - n$i http://127.0.0.$((i + 1)):1/"; done; } | fixture_catalog
t0=$(date +%s.%N)
try env AIMAP_GITHUB_API=http://127.0.0.1:1/gh AIMAP_COINGECKO_API=http://127.0.0.1:1/cg AIMAP_DEFILLAMA_API=http://127.0.0.1:1/llama "$AIMAP_BIN" fetch --allow-private
t1=$(date +%s.%N)
assert_status 69
assert_true "offline, done in under 5 s" awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 5) }'
assert_eq "one line on stderr" "$(grep -v '^aimap fetch: [0-9]' "$ERR")" "aimap: fetch: no source could be reached"
assert_out_contains "web: unreachable: 5 hosts in a row gave no answer"
assert_true "the rest in a line or two" grep -qE "projects: (not attempted|given up after [0-9] attempts?): web: unreachable" "$OUT"
assert_true "a short account" test "$(wc -l <"$OUT")" -lt 30
PORT=$PORT_SAVED

finish
