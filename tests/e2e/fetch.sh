#!/usr/bin/env bash
# fetch.sh: `aimap fetch` against the loopback fixture server: what is
# stored, history, conditional requests, --stale-after, --dry-run, the
# GraphQL path, and secrets that must never show.
. "$(dirname "$0")/../lib/e2e.sh"
. "$TOP/tests/fixtures/http/setup.sh"

fixture_start
fixture_catalog <<'CAT'
p-rocket acme/rocket rocket-token rocket /web/rocket
p-org bigorg quiet-coin - /web/plain
p-none - - - -
p-twin ACME/Rocket rocket-token - -
p-etag acme/etag cgetag etag /web/etag
p-gzip acme/gzip - gzip /web/gzip
p-moved acme/moved - - /web/redirect
CAT

# ---- the first run stores everything
try aimap fetch --allow-private --pace coingecko=0
assert_status 0
assert_true "summary per source" "$PY" - "$OUT" <<'PY'
import sys
rows = {l.split()[0]: l.split()[1:] for l in open(sys.argv[1]) if l.split() and l.split()[0] in ("github", "coingecko", "defillama", "web")}
# fetched, not modified, up to date, skipped, failed
assert rows["github"][:5] == ["6", "0", "0", "1", "0"], rows
assert rows["coingecko"][:5] == ["4", "0", "0", "3", "0"], rows
assert rows["defillama"][:5] == ["3", "0", "0", "4", "0"], rows
assert rows["web"][:5] == ["5", "0", "0", "2", "0"], rows
PY
assert_out_lacks "Failed:"
assert_err_contains "aimap fetch: 18/18 done"

assert_metric p-moved github.stars "$(fixture_figure acme/moved-here stars)"
for p in p-rocket p-twin; do
	assert_metric $p github.stars "$(fixture_figure acme/rocket stars)"
	assert_metric $p github.forks "$(fixture_figure acme/rocket forks)"
	assert_metric $p github.open_issues "$(fixture_figure acme/rocket issues)"
	assert_metric $p github.watchers "$(fixture_figure acme/rocket watchers)"
	assert_metric $p github.pushed_at 1717230600
done
assert_metric p-gzip github.stars "$(fixture_figure acme/gzip stars)"
# The repository's own words are kept for the classifier, one line.
assert_eq "repository text kept" "$(sql "SELECT text FROM project_texts WHERE project = 'p-rocket' AND source = 'github'")" \
	"Decentralised inference for open models — fast & verifiable Topics: ai, inference, web3."
assert_metric p-rocket coingecko.price_usd "$(fixture_figure rocket-token price)"
assert_metric p-twin coingecko.market_cap_usd "$(fixture_figure rocket-token mcap)"
assert_metric p-rocket coingecko.change_24h_pct -2.5
assert_metric p-rocket defillama.tvl_usd "$(fixture_figure rocket tvl)"
assert_metric p-gzip defillama.tvl_usd "$(fixture_figure gzip tvl)"
# An organisation: three pages of a hundred, totals over all of them.
assert_metric p-org github.repos 250
assert_metric p-org github.stars 31125
assert_metric p-org github.forks 250
assert_metric p-org github.pushed_at 1725148800
assert_eq "org pages" "$(requests /gh/orgs/bigorg/repos)" 3
# One request per repository however many projects name it (any case),
# one CoinGecko call for every id.
assert_eq "repository asked once" "$(requests /gh/repos/acme/rocket)" 1
assert_eq "twin asked nothing" "$(requests /gh/repos/ACME/Rocket)" 0
assert_eq "one markets call" "$(requests /cg/api/v3/coins/markets)" 1
assert_true "markets ids batched and sorted" grep -q 'ids=cgetag,quiet-coin,rocket-token&per_page=250' "$FIX_LOG"
# The redirect went to the same origin and was followed.
assert_eq "moved followed" "$(requests /gh/repos/acme/moved)" 1
assert_eq "moved to" "$(requests /gh/repos/acme/moved-here)" 1

# Homepage text: title and distinct descriptions, entities decoded.
assert_eq "homepage text" "$(sql "SELECT homepage_text FROM projects WHERE id = 'p-rocket'")" \
	"Rocket — Verifiable AI inference
Run open models on a decentralised GPU network & verify every answer with zkML.
Inference you can trust"
assert_eq "homepage via redirect" "$(sql "SELECT homepage_text FROM projects WHERE id = 'p-moved'")" "Plain page"
assert_eq "no homepage, no text" "$(sql "SELECT count(*) FROM projects WHERE id = 'p-none' AND homepage_text IS NULL")" 1

# What was sent.
assert_eq "user agent" "$(logged ua /gh/repos/acme/rocket)" "aimap/0.1.0"
assert_eq "github accept" "$(logged accept /gh/repos/acme/rocket)" "application/vnd.github+json"
assert_eq "github api version" "$(logged ver /gh/repos/acme/rocket)" "2022-11-28"
assert_eq "no token, no auth" "$(logged auth /gh/repos/acme/rocket)" "None"
assert_eq "compressed answers accepted" "$(logged ae /gh/repos/acme/gzip | grep -c gzip)" 1
assert_eq "homepage accept" "$(logged accept /web/rocket | grep -c text/html)" 1

# show and list show the latest figures.
try aimap show p-rocket --format json
assert_status 0
assert_true "show json metrics" "$PY" - "$OUT" "$(fixture_figure acme/rocket stars)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = d["metrics"]
assert m["github.stars"]["value"] == float(sys.argv[2]), m
assert m["github.stars"]["observed_at"].endswith("Z")
assert set(m) >= {"github.stars", "coingecko.price_usd", "defillama.tvl_usd"}
PY
try aimap list --sort stars --desc --format csv
assert_status 0
assert_out_contains "p-org"

# ---- the second run: history grows, validators are used
sleep 1
try aimap fetch --allow-private --pace coingecko=0
assert_status 0
assert_true "not modified counted" "$PY" - "$OUT" <<'PY'
import sys
rows = {l.split()[0]: l.split()[1:] for l in open(sys.argv[1]) if l.split() and l.split()[0] in ("github", "coingecko", "defillama", "web")}
assert rows["github"][:2] == ["5", "1"], rows
assert rows["coingecko"][:2] == ["0", "4"], rows
assert rows["defillama"][:2] == ["2", "1"], rows
assert rows["web"][:2] == ["4", "1"], rows
PY
assert_eq "etag sent" "$(logged_last inm /gh/repos/acme/etag)" '"v1-gh-acme-etag"'
assert_eq "first time unconditional" "$(logged inm /gh/repos/acme/etag)" '"v1-gh-acme-etag"
None'
assert_eq "last-modified sent" "$(logged_last ims /llama/tvl/etag)" "Sat, 01 Jun 2024 08:30:00 GMT"
assert_eq "page etag sent" "$(logged_last inm /web/etag)" '"v1-web-etag"'
# Append-only: a row per fetch, a 304 re-confirms the same value.
assert_eq "history rows" "$(sql "SELECT count(*) FROM metrics WHERE project = 'p-rocket' AND metric = 'github.stars'")" 2
assert_eq "reconfirmed rows" "$(sql "SELECT count(*), count(DISTINCT value), count(DISTINCT observed_at) FROM metrics WHERE project = 'p-etag' AND metric = 'coingecko.price_usd'")" "2|1|2"
assert_eq "latest is newest" "$(sql "SELECT l.observed_at = (SELECT max(observed_at) FROM metrics m WHERE m.project = l.project AND m.metric = l.metric) FROM metrics_latest l WHERE project = 'p-etag' AND metric = 'github.stars'")" 1
assert_eq "homepage kept on 304" "$(sql "SELECT substr(homepage_text, 1, 4) FROM projects WHERE id = 'p-etag'")" "Etag"
assert_eq "cache holds no secret-free junk" "$(sql "SELECT count(*) FROM http_cache")" 4

# ---- --stale-after: nothing is due, nothing is asked
before=$(wc -l <"$FIX_LOG")
try aimap fetch --allow-private --stale-after 1h
assert_status 0
assert_eq "no requests when fresh" "$(wc -l <"$FIX_LOG")" "$before"
assert_true "up to date counted" "$PY" - "$OUT" <<'PY'
import sys
rows = {l.split()[0]: l.split()[1:] for l in open(sys.argv[1]) if l.split() and l.split()[0] in ("github", "coingecko", "defillama", "web")}
assert rows["github"][:4] == ["0", "0", "6", "1"], rows
assert rows["web"][:4] == ["0", "0", "5", "2"], rows
PY
try aimap fetch --allow-private --stale-after 0s --source defillama --project "P Rocket"
assert_status 0
assert_eq "stale-after 0 fetches" "$(requests /llama/tvl/rocket)" 3

# ---- --dry-run prints, asks nothing, writes nothing
db_dump "$AIMAP_DB" >"$T/before.dump"
before=$(wc -l <"$FIX_LOG")
try aimap fetch --allow-private --dry-run --source github,defillama
assert_status 0
assert_out_contains "GET http://127.0.0.1:$PORT/gh/repos/acme/etag [If-None-Match: \"v1-gh-acme-etag\"]"
assert_out_contains "GET http://127.0.0.1:$PORT/gh/orgs/bigorg/repos?per_page=100 (and the pages it links to)"
assert_out_contains "GET http://127.0.0.1:$PORT/llama/tvl/etag [If-None-Match: \"v1-llama-etag\"] [If-Modified-Since: Sat, 01 Jun 2024 08:30:00 GMT]"
assert_out_lacks "/web/"
assert_out_lacks "coins/markets"
assert_eq "dry run asks nothing" "$(wc -l <"$FIX_LOG")" "$before"
db_dump "$AIMAP_DB" >"$T/after.dump"
assert_true "dry run writes nothing" cmp -s "$T/before.dump" "$T/after.dump"

# ---- progress: a bar on a terminal, plain lines otherwise
if command -v script >/dev/null; then
	script -qc "'$AIMAP_BIN' fetch --source defillama --pace defillama=0" /dev/null >"$T/tty.out" 2>&1 </dev/null
	assert_true "a bar on a terminal" grep -qF "[##############################] 3/3" "$T/tty.out"
	assert_true "the bar is cleared" grep -qF $'\r\033[K' "$T/tty.out"
fi
try aimap fetch --allow-private --source defillama --pace defillama=0
assert_err_contains "aimap fetch: 3/3 done"
assert_true "no escapes off a terminal" sh -c "! grep -q \"\$(printf '\\033')\" '$ERR'"

# ---- usage errors
try aimap fetch --allow-private --source github,nope
assert_status 64
assert_err_contains "unknown source 'nope'"
try aimap fetch --allow-private --stale-after soon
assert_status 64
assert_err_contains "not a duration"
try aimap fetch --allow-private --project no-such-project
assert_status 64
assert_err_contains "no project 'no-such-project'"
try aimap fetch --allow-private --concurrency 0
assert_status 64
try aimap fetch --allow-private --pace github
assert_status 64
try aimap fetch --allow-private --pace web=-1
assert_status 64
try aimap fetch --allow-private extra
assert_status 64
try env AIMAP_GITHUB_API=http://example.com "$AIMAP_BIN" fetch --allow-private
assert_status 64
assert_err_contains "AIMAP_GITHUB_API"
assert_err_contains "loopback"
try env AIMAP_COINGECKO_API=https://user:pw-SECRET@example.com "$AIMAP_BIN" fetch --allow-private
assert_status 64
assert_err_lacks() { grep -qF -- "$1" "$ERR" && _bad "stderr has '$1'" || _ok; }
assert_err_lacks "pw-SECRET"
try aimap fetch --help
assert_status 0
assert_out_contains "usage: aimap fetch"
assert_out_contains "Exit status"

# ---- secrets: sent where they belong, shown and stored nowhere
TOKEN=ghp_TESTSECRETTOKEN0123456789
KEY=CG-TESTKEY-98765
fixture_start
fixture_catalog <<'CAT'
s-one acme/rocket rocket-token rocket /web/rocket
s-two acme/other quiet-coin - -
s-org bigorg - - -
s-missing acme/missing - - -
s-leak leakmsg - - -
s-leak64 leakb64 - - -
s-etag acme/leak - - -
CAT
try env GITHUB_TOKEN=$TOKEN COINGECKO_API_KEY=$KEY "$AIMAP_BIN" fetch --allow-private --verbose --pace coingecko=0
assert_status 75
cp "$OUT" "$T/secret.out"; cp "$ERR" "$T/secret.err"
assert_eq "one GraphQL call for the repositories" "$(requests /gh/graphql)" 1
assert_eq "no REST call for them" "$(requests /gh/repos/acme/rocket)" 0
assert_eq "token sent to GraphQL" "$(logged auth /gh/graphql)" "Bearer $TOKEN"
assert_eq "token sent to REST" "$(logged auth /gh/orgs/bigorg/repos | sort -u)" "Bearer $TOKEN"
assert_eq "key sent to CoinGecko" "$(logged cgkey /cg/api/v3/coins/markets)" "$KEY"
assert_eq "no key to DefiLlama" "$(logged cgkey /llama/tvl/rocket)$(logged auth /llama/tvl/rocket)" "NoneNone"
assert_eq "no token to homepages" "$(logged auth /web/rocket)" "None"
assert_metric s-one github.stars "$(fixture_figure acme/rocket stars)"
assert_metric s-one github.open_issues "$(fixture_figure acme/rocket issues)"
assert_metric s-one github.watchers "$(fixture_figure acme/rocket watchers)"
assert_metric s-two github.stars "$(fixture_figure acme/other stars)"
assert_eq "GraphQL repository text kept" "$(sql "SELECT text FROM project_texts WHERE project = 's-one' AND source = 'github'")" \
	"Decentralised inference for open models — fast & verifiable Topics: ai."
assert_out_contains "s-missing: repository acme/missing: Could not resolve"
# The server echoed the token in its message, plainly and in base64:
# after a refusal of a request with a credential, only the status shows.
assert_out_contains "s-leak: GET http://127.0.0.1:$PORT/gh/orgs/leakmsg/repos?per_page=100: HTTP 404 (the request carried a credential: the server's message is not shown)"
assert_out_contains "s-leak64: GET http://127.0.0.1:$PORT/gh/orgs/leakb64/repos?per_page=100: HTTP 401 (the request carried"
TOKEN64=$(printf 'Bearer %s' "$TOKEN" | base64 -w0)
assert_true "no base64 token in the output" sh -c "! grep -aqF -e '$TOKEN64' -e 'bad credentials' '$OUT' '$ERR'"
# Once more through REST, where the server echoes it in an ETag.
try env GITHUB_TOKEN=$TOKEN COINGECKO_API_KEY=$KEY "$AIMAP_BIN" fetch --allow-private --verbose --no-graphql --source github,coingecko --pace coingecko=0
assert_status 75
assert_eq "REST with a token" "$(logged auth /gh/repos/acme/rocket)" "Bearer $TOKEN"
assert_eq "echoing server was asked" "$(requests /gh/repos/acme/leak)" 1
assert_eq "echoed validator not kept" "$(sql "SELECT count(*) FROM http_cache WHERE url LIKE '%leak%'")" 0
assert_out_contains "s-etag: GET http://127.0.0.1:$PORT/gh/repos/acme/leak: answer rejected: its headers quote a secret"
cat "$OUT" >>"$T/secret.out"; cat "$ERR" >>"$T/secret.err"
try env GITHUB_TOKEN=$TOKEN COINGECKO_API_KEY=$KEY "$AIMAP_BIN" fetch --allow-private --dry-run
cat "$OUT" >>"$T/secret.out"; cat "$ERR" >>"$T/secret.err"
assert_out_contains "[Authorization: GITHUB_TOKEN]"
for f in "$T/secret.out" "$T/secret.err" "$AIMAP_DB" "$AIMAP_DB"-wal; do
	[ -e "$f" ] || continue
	assert_true "no token in $(basename "$f")" sh -c "! grep -aq -e '$TOKEN' -e '$KEY' -e TESTSECRET '$f'"
done
assert_true "verbose output was there to check" grep -q "GET http" "$T/secret.err"

# ---- homepages: public addresses only, unless --allow-private
# Every address is checked after DNS (localhost), as libcurl reads it
# (the decimal form of 127.0.0.1), and on a connection the API calls left
# open to the same host and port.
fixture_catalog <<CAT
h-plain acme/rocket - - /web/plain
h-name - - - http://localhost:$PORT/web/named
h-decimal - - - http://2130706433:$PORT/web/decimal
h-v6 - - - http://[::1]:$PORT/web/six
CAT
try aimap fetch --source github,web
assert_status 75
assert_eq "no homepage asked for" "$(requests /web/plain)$(requests /web/named)$(requests /web/decimal)$(requests /web/six)" 0000
assert_metric h-plain github.stars "$(fixture_figure acme/rocket stars)"
assert_out_contains "h-plain: GET http://127.0.0.1:$PORT/web/plain: refused: 127.0.0.1 is a loopback address (homepages are fetched from public addresses only; --allow-private allows others)"
assert_out_contains "h-name: GET http://localhost:$PORT/web/named: refused: "
assert_out_contains "h-decimal: GET http://2130706433:$PORT/web/decimal: refused: 127.0.0.1 is a loopback address"
assert_out_contains "h-v6: GET http://[::1]:$PORT/web/six: refused: ::1 is a loopback address"
assert_eq "nothing stored from them" "$(sql "SELECT count(*) FROM projects WHERE homepage_text IS NOT NULL")" 0
try aimap fetch --allow-private --source web --project h-plain
assert_status 0
assert_eq "allowed, it is fetched" "$(sql "SELECT homepage_text FROM projects WHERE id = 'h-plain'")" "Plain page"

finish
