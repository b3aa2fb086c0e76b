#!/usr/bin/env bash
# cli_catalog.sh: init, import, list, show, stats, export through the binary.
. "$(dirname "$0")/../lib/e2e.sh"

# ---- first use creates the database from data/
try aimap stats
assert_status 0
assert_err_contains "created $AIMAP_DB"
assert_out_contains "By category"
total=$(python3 -c "import json;print(len(json.load(open('$TOP/data/catalog.json'))))")
assert_out_contains "$total projects"
try aimap stats --format json
assert_status 0
assert_true "stats json counts every project" \
	python3 -c "import json,sys; d=json.load(open('$OUT')); assert d['projects']==$total; assert sum(d['categories'].values())==$total; assert set(d['map']['zkml'])=={'infra','middleware','application'}"

try aimap --version
assert_status 0
assert_out_contains "aimap "
try aimap --help
assert_status 0
assert_out_contains "usage: aimap"
for cmd in init import list show stats export; do
	try aimap $cmd --help
	assert_status 0
	assert_out_contains "usage: aimap $cmd"
done

# ---- list: filters, sort, formats
try aimap list --layer middleware --stage zkml --format json
assert_status 0
assert_true "middleware+zkml are verification projects" \
	python3 -c "import json; d=json.load(open('$OUT')); assert len(d)>=5; assert all(p['category']=='verification' and 'zkml' in p['stages'] for p in d)"
try aimap list --search ZAMA
assert_status 0
assert_out_contains "zama"
try aimap list --search 全同态加密
assert_status 0
assert_out_contains "zama"
try aimap list --category storage --sort name --desc --limit 3 --format csv
assert_status 0
assert_out_lines 4
try aimap list --sort name --limit 2
assert_status 0
assert_out_lines 3
assert_out_lacks $'\033'

# Bad flags and values are usage errors.
try aimap list --layer nope
assert_status 64
assert_err_contains "unknown layer 'nope'"
assert_err_contains "infra"
try aimap list --sort weight
assert_status 64
try aimap list --limit -3
assert_status 64
try aimap list --bogus
assert_status 64
assert_err_contains "unknown option '--bogus'"
try aimap frobnicate
assert_status 64
assert_err_contains "unknown command 'frobnicate'"
try aimap --nope
assert_status 64

# ---- show
try aimap show bittensor
assert_status 0
assert_out_contains "Bittensor (bittensor)"
assert_out_contains "model-network"
try aimap show "the graph" --format json
assert_status 0
assert_true "show json has catalog keys" \
	python3 -c "import json; d=json.load(open('$OUT')); assert d['id']=='the-graph' and d['layer']=='infra' and d['category']=='indexing' and 'description_zh' in d and all(v is None for v in d['metrics'].values())"
try aimap show no-such-thing
assert_status 1
assert_err_contains "no project 'no-such-thing'"
try aimap show
assert_status 64

# ---- import: good, then each bad input changes nothing
cat >"$T/new.json" <<'JSON'
[{"id": "acme-gpu", "name": "Acme GPU", "layer": "infra",
  "category": "compute-general", "stages": ["inference"],
  "description": "=HYPERLINK(\"http://x\") rents GPUs, by the hour",
  "description_zh": "按小时出租 GPU。", "chains": ["ethereum"]}]
JSON
try aimap import "$T/new.json"
assert_status 0
assert_out_contains "1 added"
try aimap import "$T/new.json"
assert_status 0
assert_out_contains "1 unchanged"
try_in "$T/new.json" aimap import -
assert_status 0
try aimap show acme-gpu --format json
assert_true "imported entry round-trips" \
	python3 -c "import json; d=json.load(open('$OUT')); assert d['chains']==['ethereum'] and d['description_zh']=='按小时出租 GPU。'"

before=$(db_dump "$AIMAP_DB")
check_unchanged() {
	assert_true "database unchanged after: $1" \
		test "$before" = "$(db_dump "$AIMAP_DB")"
}
for f in "$TOP"/tests/golden/import-errors/*.json; do
	name=$(basename "$f" .json)
	try aimap import "$f"
	assert_status 65
	while IFS= read -r want; do
		[ -n "$want" ] && assert_err_contains "${want//@FILE@/$f}"
	done <"${f%.json}.err"
	check_unchanged "$name"
done
printf '[{"id": "x", "name": "X\xff", "layer": "infra", "category": "storage", "stages": ["data-collection"], "description": "d"}]' >"$T/badutf8.json"
try aimap import "$T/badutf8.json"
assert_status 65
assert_err_contains "entry 0 (id \"x\"): field \"name\": invalid UTF-8"
check_unchanged "invalid UTF-8"
try aimap import "$T/missing.json"
assert_status 66
assert_err_contains "missing.json: cannot open"
try aimap import "$T"
assert_status 66
assert_err_contains "is a directory"
try aimap import
assert_status 64
try aimap import --dry-run "$T/new.json"
assert_status 0
assert_out_contains "nothing written"

# Every write step failing in turn leaves the content as it was.
cat >"$T/three.json" <<'JSON'
[{"id": "p1", "name": "P1", "layer": "infra", "category": "storage", "stages": ["data-collection"], "description": "one", "chains": ["a","b"]},
 {"id": "p2", "name": "P2", "layer": "middleware", "category": "privacy", "stages": ["fhe-ml"], "description": "two"},
 {"id": "acme-gpu", "name": "Acme GPU 2", "layer": "infra", "category": "compute-general", "stages": ["inference"], "description": "changed"}]
JSON
# One check per property over all the fault points, naming the first
# point that breaks it.
changed=""
for n in $(seq 1 14); do
	AIMAP_FAULT=sql:$n try aimap import "$T/three.json"
	if [ "$STATUS" -eq 0 ]; then
		break   # fewer write steps than n: the import went through
	fi
	[ -n "$changed" ] || [ "$before" = "$(db_dump "$AIMAP_DB")" ] || changed=$n
done
assert_eq "every faulted import changed nothing (first that did)" "$changed" ""
assert_true "an import with no fault went through after $n tries" test "$STATUS" -eq 0
try aimap import "$T/new.json"
assert_out_contains "1 updated"

# ---- a large import is checked and written one entry at a time: a
# problem late in the file, a duplicate id, a write failure, each still
# writes nothing; a clean one writes everything.
big() {   # big N BAD: N entries; BAD "none", "field", "dup" or "trail"
	python3 - "$1" "$2" <<'PY'
import json, sys
n, bad = int(sys.argv[1]), sys.argv[2]
out = [{"id": "bulk-%05d" % i, "name": "Bulk %d" % i, "layer": "infra",
        "category": "storage", "stages": ["data-collection"],
        "description": "Entry %d of a large import." % i,
        "chains": ["ethereum"]} for i in range(n)]
if bad == "field":
    out[n - 10]["layer"] = "nowhere"
if bad == "dup":
    out[n - 1]["id"] = out[3]["id"]
text = json.dumps(out, indent=1)
if bad == "cut":   # a bad entry, then the file ends early
    out[n - 10]["layer"] = "nowhere"
    text = json.dumps(out, indent=1)
if bad == "trail":
    text = text[:-1] + ", }]"
if bad == "cut":
    text = text[:-3]
print(text)
PY
}
before=$(db_dump "$AIMAP_DB")
big 3000 field >"$T/big-bad.json"
try aimap import "$T/big-bad.json"
assert_status 65
assert_err_contains "big-bad.json: entry 2990 (id \"bulk-02990\"): field \"layer\": unknown layer \"nowhere\""
check_unchanged "large import, bad entry near the end"
big 3000 dup >"$T/big-dup.json"
try aimap import "$T/big-dup.json"
assert_status 65
assert_err_contains "entry 2999 (id \"bulk-00003\"): field \"id\": duplicate of entry 3"
check_unchanged "large import, duplicate id"
big 3000 trail >"$T/big-trail.json"
try aimap import "$T/big-trail.json"
assert_status 65
assert_err_contains "big-trail.json:$(wc -l <"$T/big-trail.json"):"
assert_err_contains "trailing comma, or a missing value"
check_unchanged "large import, trailing comma at the end"
# The entries are checked while the file is: a syntax error at its end
# still comes alone, as the only message, and nothing is written.
big 3000 cut >"$T/big-cut.json"
try aimap import "$T/big-cut.json"
assert_status 65
assert_err_contains "big-cut.json:$(($(wc -l <"$T/big-cut.json") + 1)):1: unexpected end of input"
assert_eq "large import cut short: the syntax error alone" \
	"$(grep -c 'entry 2990' "$ERR")" 0
check_unchanged "large import cut short"
big 3000 none >"$T/big.json"
for n in 1 2500 3000; do   # 3000: the last row
	AIMAP_FAULT=sql:$n try aimap import "$T/big.json"
	assert_status 74
	assert_err_contains "import failed, nothing written"
	check_unchanged "large import, write $n fails"
done
try aimap import "$T/big.json"
assert_status 0
assert_out_contains "3000 added"
try aimap list --search "bulk-" --format csv
assert_eq "large import: every entry, in full" "$(grep -c '^bulk-' "$OUT")" 3000
try aimap show bulk-02999 --format json
assert_out_contains '"chains":	["ethereum"]'
assert_out_contains "Entry 2999 of a large import."

# ---- export csv, read back by an independent parser
try aimap export csv -o "$T/all.csv"
assert_status 0
assert_err_contains "wrote"
assert_true "CSV round trip" python3 - "$T/all.csv" "$AIMAP_DB" <<'PY'
import csv, sqlite3, sys
raw = open(sys.argv[1], 'rb').read()
assert raw.endswith(b'\r\n') and b'\r\n' in raw.split(b'\n')[0] + b'\n'
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
db = sqlite3.connect(sys.argv[2])
want = {r[0]: r for r in db.execute('SELECT id, name, description, description_zh FROM projects')}
assert len(rows) == len(want), (len(rows), len(want))
for r in rows:
    i, name, desc, zh = want[r['id']]
    assert r['name'] == name
    d = r['description']
    if desc[0] in '=+-@\t\r':
        assert d == "'" + desc, (d, desc)
    else:
        assert d == desc
    assert r['description_zh'] == (zh or '')
    assert r['market_cap_usd'] == ''
acme = [r for r in rows if r['id'] == 'acme-gpu'][0]
assert acme['description'].startswith("'=HYPERLINK")
assert acme['stages'] == 'inference' and acme['chains'] == 'ethereum'
PY
try aimap export csv --raw --category compute-general
assert_status 0
assert_out_contains '"=HYPERLINK(""http://x"") rents GPUs, by the hour"'
try aimap export csv --bom --limit 1
assert_true "BOM first" python3 -c "assert open('$OUT','rb').read(3)==b'\xef\xbb\xbf'"
try aimap export json
assert_status 64
try aimap export csv -o "$T/no/such/dir/x.csv"
assert_status 73
assert_true "no partial file" test ! -e "$T/no/such/dir/x.csv"

# ---- init: an update keeps user projects and metrics; --force drops them
python3 - "$AIMAP_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO metrics(project, source, metric, value, observed_at) VALUES('akash','coingecko','coingecko.market_cap_usd',1e9,1000)")
db.execute("INSERT INTO metrics_latest(project, metric, source, value, observed_at) VALUES('akash','coingecko.market_cap_usd','coingecko',1e9,1000)")
db.commit()
PY
try aimap init
assert_status 0
assert_out_contains "0 added"
try aimap show akash --format json
assert_true "metric kept by init" python3 -c "import json; d=json.load(open('$OUT')); assert d['metrics']['coingecko.market_cap_usd']['value']==1e9; assert d['metrics']['coingecko.market_cap_usd']['observed_at']=='1970-01-01T00:16:40Z'"
try aimap list --sort market_cap --desc --limit 1 --format json
assert_true "sort by market cap puts akash first" python3 -c "import json; assert json.load(open('$OUT'))[0]['id']=='akash'"
# Issue 16 item 2: show prints figures for people under their labels,
# never raw keys or exponents; the 7d change comes from the history.
sqlite3 "$AIMAP_DB" "INSERT INTO metrics(project, source, metric, value, observed_at) VALUES('akash','coingecko','coingecko.market_cap_usd',8e8,1000 - 7*86400)"
try aimap show akash
assert_status 0
assert_out_contains "Market cap"
assert_out_contains '$1.00B'
assert_out_contains "Change 7d"
assert_out_contains "+25.0%"
assert_out_contains "1970-01-01"
assert_out_lacks "coingecko.market_cap_usd"
assert_out_lacks "e+09"
# Issue 16: the filters on chains, tokens and market cap, taxonomy values
# in any case, and the shared parser's errors.
try aimap list --min-mcap 500M --format json
assert_true "--min-mcap 500M keeps akash only" python3 -c "import json; assert [p['id'] for p in json.load(open('$OUT'))]==['akash']"
try aimap list --max-mcap 1.5B --min-mcap '$1e9' --format json
assert_true "--max-mcap bounds it" python3 -c "import json; assert [p['id'] for p in json.load(open('$OUT'))]==['akash']"
try aimap list --min-mcap 2B
assert_status 0
assert_out_lacks "akash"
try aimap list --min-mcap lots
assert_status 64
assert_err_contains "--min-mcap needs an amount"
try aimap list --chain ETHEREUM --format json
assert_true "--chain matches any case" python3 -c "import json; d=json.load(open('$OUT')); assert len(d)>=3 and all('ethereum' in [c.lower() for c in p['chains']] for p in d)"
try aimap list --has-token --format json
assert_true "--has-token: each has one" python3 -c "import json; d=json.load(open('$OUT')); assert d and all(p.get('token') for p in d)"
try aimap list --no-token --format json
assert_true "--no-token: none has one" python3 -c "import json; d=json.load(open('$OUT')); assert d and not any(p.get('token') for p in d)"
try aimap list --layer Infra --format json
assert_status 0
assert_true "--layer Infra is the infra layer" python3 -c "import json; d=json.load(open('$OUT')); assert d and all(p['layer']=='infra' for p in d)"
try aimap list --sort change_7d
assert_status 0
try aimap show acme-gpu
assert_status 0
# Issue 13 item 18: on a terminal --force asks first, and a "no" keeps
# everything; whatever happens, a backup copy is kept beside the
# database and named.
if command -v script >/dev/null; then
	E2E_NAME="init --force on a terminal, answered no"
	echo n | script -qec "$AIMAP_BIN init --force" /dev/null >"$T/tty.out" 2>&1
	grep -q "start afresh?" "$T/tty.out" && _ok || _bad "no question: $(cat "$T/tty.out")"
	try aimap show acme-gpu
	assert_status 0
fi
try aimap init --force
assert_status 0
assert_err_contains "discards"
assert_err_contains "a copy of the database as it was is in $AIMAP_DB.backup-"
backup=$(sed -n 's/.*as it was is in //p' "$ERR")
assert_eq "the backup keeps the user's project" \
	"$(sqlite3 "$backup" "SELECT count(*) FROM projects WHERE id = 'acme-gpu'")" 1
rm -f "$backup"
try aimap show acme-gpu
assert_status 1
try aimap show akash --format json
assert_true "metric dropped by --force" python3 -c "import json; d=json.load(open('$OUT')); assert all(v is None for v in d['metrics'].values())"

# ---- database paths
try aimap --db "$T/other.db" list --limit 1
assert_status 0
assert_true "--db creates there" test -f "$T/other.db"
try env -u AIMAP_DB XDG_DATA_HOME="$T/xdg" "$AIMAP_BIN" list --limit 1
assert_status 0
assert_true "XDG_DATA_HOME default" test -f "$T/xdg/aimap/aimap.db"
mkdir -p "$T/ro" && chmod 555 "$T/ro"
if [ "$(id -u)" != 0 ]; then
	try aimap --db "$T/ro/x.db" list
	assert_status 73
fi
try aimap --db /proc/aimap.db list
assert_status 73
assert_err_contains "/proc/aimap.db"
echo "not a database" >"$T/junk.db"
try aimap --db "$T/junk.db" list
assert_true "a non-database file is refused" test "$STATUS" -eq 65 -o "$STATUS" -eq 74
try env AIMAP_DATA="$T/nowhere" "$AIMAP_BIN" --db "$T/new2.db" list
assert_status 66
assert_true "no half-created database" test ! -e "$T/new2.db"

# ---- hostile text is stored verbatim and printed harmlessly
printf '[{"id": "evil", "name": "Evil\\u001b[2J\\u202eName", "layer": "infra", "category": "storage", "stages": ["data-collection"], "description": "Robert\x27); DROP TABLE projects;-- \\u001b]0;title\\u0007 \\u009b31m"}]' >"$T/evil.json"
try aimap import "$T/evil.json"
assert_status 0
try aimap list --search evil
assert_status 0
assert_true "no raw ESC, CSI or RLO in the table" python3 -c "
b=open('$OUT','rb').read(); assert b'evil' in b
assert b'\x1b' not in b and b'\xc2\x9b' not in b and b'\xe2\x80\xae' not in b and b'\x07' not in b"
try aimap show evil
assert_true "no raw ESC in show" python3 -c "b=open('$OUT','rb').read(); assert b'DROP TABLE' in b and b'\x1b' not in b and b'\x07' not in b"
try aimap show evil --format json
assert_true "stored verbatim" python3 -c "
import json; d=json.load(open('$OUT')); assert d['name']=='Evil\x1b[2J\u202eName', d['name']; assert d['description'].startswith(\"Robert'); DROP TABLE projects;--\")"
try aimap stats
assert_status 0

# ---- install: the binary finds its data next to it
if make -s -C "$TOP" install PREFIX="$T/inst" SAN="${AIMAP_SAN:-}" >/dev/null 2>&1; then
	try env -u AIMAP_DATA "$T/inst/bin/aimap" --db "$T/inst.db" list --limit 1 --format json
	assert_status 0
	assert_true "installed data found" test -f "$T/inst/share/aimap/catalog.json"
else
	_bad "make install failed"
fi

finish
