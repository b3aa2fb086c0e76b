#!/usr/bin/env bash
# cli_list.sh: list's columns, its sort figure, the layout at 80 columns
# and the figures like CoinGecko's (issue 16 items 3, 9, 11 and the
# analysts' expectations).
. "$(dirname "$0")/../lib/e2e.sh"

try aimap init
assert_status 0
# Figures for two projects: akash with a market cap history of 40 days,
# bittensor with a price, a volume, an FDV and a rank.
python3 - "$AIMAP_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
now, day = 1800000000, 86400
def put(p, m, v, t, latest=False):
    db.execute("INSERT INTO metrics(project, source, metric, value, observed_at) VALUES(?,?,?,?,?)", (p, m.split('.')[0], m, v, t))
    if latest:
        db.execute("INSERT OR REPLACE INTO metrics_latest(project, metric, source, value, observed_at) VALUES(?,?,?,?,?)", (p, m, m.split('.')[0], v, t))
for d in range(40, 0, -1):
    put('akash', 'coingecko.market_cap_usd', 1e9 - d * 1e7, now - d * day)
put('akash', 'coingecko.market_cap_usd', 1e9, now, True)
for m, v in [('coingecko.price_usd', 3.5), ('coingecko.volume_24h_usd', 2.5e7),
             ('coingecko.fdv_usd', 4.2e9), ('coingecko.rank', 42),
             ('coingecko.market_cap_usd', 3.1e9)]:
    put('bittensor', m, v, now, True)
db.commit()
PY

# ---- item 3: the sort figure is shown; a figure nobody has is said
try aimap list --sort volume --desc --limit 3
assert_status 0
assert_out_contains "VOLUME"
assert_out_contains '$25.0M'
try aimap list --sort confidence --limit 3
assert_status 0
assert_out_contains "CONF"
assert_err_contains "no project here has a figure for 'confidence'"
assert_err_contains "sorted by name"
try aimap list --sort price --desc --limit 1 --format json
assert_true "a figure some have: no note" test ! -s "$ERR"

# ---- the figures like CoinGecko's: optional columns and 7d/30d changes
try aimap list --columns volume,fdv,rank,change_7d,change_30d --search akash
assert_status 0
for h in VOLUME FDV RANK 7D 30D; do assert_out_contains "$h"; done
assert_out_contains "+7.5%"    # 930M 7 days before 1.00B
assert_out_contains "+42.9%"   # 700M 30 days before
try aimap list --columns mcap --search bittensor
assert_out_contains '$3.10B'
assert_out_lacks "STARS"
try aimap list --columns weight
assert_status 64
assert_err_contains "unknown figure 'weight'"
try aimap list --sort change_7d --desc --limit 1 --format json
assert_true "sort by the 7d change puts akash first" python3 -c "import json; d=json.load(open('$OUT')); assert d[0]['id']=='akash', d[0]['id']"

# ---- item 9: every key in every JSON object; the CSV's observed_at
KEYS="id name layer category stages description description_zh tagline tagline_zh status status_note website twitter github coingecko_id defillama_slug token chains chains_known source reviewed metrics change_7d_pct change_30d_pct prediction homepage_text"
try aimap list --format json
assert_status 0
assert_true "every object has every key, chains never null" python3 -c "
import json, sys
d = json.load(open('$OUT'))
want = set('$KEYS'.split())
bad = [p['id'] for p in d if set(p) != want]
assert not bad, (bad[:3], set(d[0]) ^ want)
assert all(isinstance(p['chains'], list) for p in d)
assert all(len(p['metrics']) == 13 for p in d)
a = [p for p in d if p['id'] == 'akash'][0]
assert abs(a['change_7d_pct'] - 7.5268817) < 1e-4, a['change_7d_pct']
assert a['metrics']['coingecko.market_cap_usd']['observed_at'] == '2027-01-15T08:00:00Z'
assert a['metrics']['github.stars'] is None
"
assert_true "README documents every JSON key and CSV column" python3 -c "
import csv, io, subprocess, sys
readme = open('$TOP/README.md', encoding='utf-8').read()
doc = readme[readme.index('### JSON and CSV'):]
keys = '$KEYS'.split()
head = next(csv.reader(io.StringIO(subprocess.run(['$AIMAP_BIN', 'list', '--limit', '0', '--format', 'csv'], capture_output=True, text=True).stdout)))
missing = [k for k in keys + head if '\x60' + k + '\x60' not in doc]
assert not missing, missing
assert len(head) == 37, len(head)"
try aimap show akash --format json
assert_true "show json: the same keys" python3 -c "
import json; assert set(json.load(open('$OUT'))) == set('$KEYS'.split())"
try aimap list --search akash --format csv
assert_true "csv: observed_at per figure, the changes" python3 -c "
import csv
r = list(csv.DictReader(open('$OUT', newline='', encoding='utf-8')))
assert r[0]['market_cap_observed_at'] == '2027-01-15T08:00:00Z', r[0]
assert r[0]['tvl_observed_at'] == '' and r[0]['tvl_usd'] == ''
assert r[0]['change_7d_pct'].startswith('7.52'), r[0]['change_7d_pct']
"

# ---- category totals in stats
try aimap stats --format json
assert_status 0
assert_true "stats json: category totals" python3 -c "
import json
d = json.load(open('$OUT'))['category_totals']
a = d['compute-general']
assert a['market_cap_usd'] == 1e9 and a['with_market_cap'] == 1, a
assert d['model-network']['market_cap_usd'] == 3.1e9, d['model-network']
assert d['model-network']['volume_24h_usd'] == 2.5e7
assert sum(c['projects'] for c in d.values()) > 100
"
try aimap stats
assert_out_contains "mkt cap"
assert_out_contains '$3.10B'

# ---- search that finds (issue 16, what analysts expect)
n1=$(aimap list --search "zero knowledge" --format json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
n2=$(aimap list --search "Zero-Knowledge" --format json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
assert_true "zero knowledge finds zero-knowledge ($n1, $n2)" test "$n1" -ge 5 -a "$n1" = "$n2"
try aimap list --search privacy --format json
assert_true "privacy finds every project of the privacy category" python3 -c "
import json
got = {p['id'] for p in json.load(open('$OUT'))}
want = {p['id'] for p in json.load(open('$TOP/data/catalog.json')) if p['category'] == 'privacy'}
assert want <= got, want - got"
try aimap list --search TAO --format json
assert_true "the exact token hit first" python3 -c "import json; assert json.load(open('$OUT'))[0]['id'] == 'bittensor'"
try aimap list --search inference --format json
assert_true "a stage id finds its projects" python3 -c "
import json
got = {p['id'] for p in json.load(open('$OUT'))}
want = {p['id'] for p in json.load(open('$TOP/data/catalog.json')) if 'inference' in p['stages']}
assert want <= got, list(want - got)[:5]"
try aimap show tao
assert_status 0
assert_out_contains "Bittensor (bittensor)"
try aimap show "The Grap"
assert_status 1
assert_err_contains "aimap list --search 'The Grap'"
# The suggested command runs as printed.
cmd=$(sed -n "s/.* aimap \(list --search .*\))$/\1/p" "$ERR")
eval "try aimap $cmd"
assert_status 0
assert_out_contains "The Graph"

# ---- item 6: did you mean, for names, commands, values, ids and options
try aimap show bitensor
assert_status 1
assert_err_contains "did you mean Bittensor? (aimap show bittensor"
try aimap show "The Grap"
assert_err_contains "aimap show the-graph"
try aimap lsit
assert_status 64
assert_err_contains "unknown command 'lsit'; did you mean 'list'?"
try aimap list --layer midleware
assert_status 64
assert_err_contains "did you mean 'middleware'?"
try aimap list --category verificaton
assert_err_contains "did you mean 'verification'?"
try aimap list --stage infrence
assert_err_contains "did you mean 'inference'?"
try aimap list --sortt name
assert_err_contains "did you mean '--sort'?"
try aimap list --status sunet
assert_err_contains "did you mean 'sunset'?"
try aimap list --category "Agent Market" --format json
assert_true "a category by its name, any case" python3 -c "import json; d=json.load(open('$OUT')); assert d and all(p['category']=='agent-market' for p in d)"

# ---- item 12: classify names misspelt keys; export keeps existing files
printf '[{"name": "Foo",\n  "description": "A GPU marketplace for AI training",\n  "descripton_zh": "x"}]\n' >"$T/in.json"
try aimap classify "$T/in.json"
assert_status 0
assert_err_contains "$T/in.json:3:3: entry 0: unknown key \"descripton_zh\" (ignored); did you mean \"description_zh\"?"
assert_out_contains "Foo"
echo keep >"$T/old.csv"
try aimap export csv -o "$T/old.csv"
assert_status 73
assert_err_contains "exists (--force replaces it)"
assert_eq "the file is kept" "$(cat "$T/old.csv")" "keep"
try aimap export csv -f -o "$T/old.csv"
assert_status 0
assert_true "--force replaced it" grep -q '^id,name' "$T/old.csv"
if command -v script >/dev/null; then
	echo keep >"$T/old.csv"
	E2E_NAME="export on a terminal asks"
	echo n | script -qec "$AIMAP_BIN export csv -o '$T/old.csv'" /dev/null >"$T/tty.out" 2>&1
	grep -q "replace it? \[y/N\]" "$T/tty.out" && _ok || _bad "no question: $(cat "$T/tty.out")"
	assert_eq "a no keeps it" "$(cat "$T/old.csv")" "keep"
fi

# ---- an empty result says so
try aimap list --search "no such thing at all"
assert_status 0
assert_err_contains "no project matches"

# ---- item 11: at 80 columns, columns are left out before names are cut
if command -v script >/dev/null; then
	E2E_NAME="list at 80 columns"
	script -qec "stty cols 80; $AIMAP_BIN list --sort market_cap --desc" /dev/null >"$T/tty.out" 2>&1
	python3 - "$T/tty.out" "$TOP/data/catalog.json" <<'PY' && _ok || _bad "$(head -5 "$T/tty.out")"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().replace("\r", "").splitlines()
names = {p["name"] for p in json.load(open(sys.argv[2]))}
assert all(len(l) <= 80 for l in lines), max(len(l) for l in lines)
assert "left out to fit" in lines[-1], lines[-1]
# every name of up to 20 characters is shown whole
shown = [l for l in lines[1:-1]]
short = [n for n in names if len(n) <= 20]
missing = [n for n in short if not any(l.startswith(n + " ") for l in shown)]
assert not missing, missing[:5]
assert lines[0].split()[:3] == ["NAME", "CATEGORY", "MCAP"], lines[0]
PY
fi

# A token two projects share names both rather than picking one.
cat >"$T/twin.json" <<'JSON'
[{"id": "tao-twin", "name": "Tao Twin", "layer": "infra",
  "category": "storage", "stages": ["data-collection"],
  "description": "Stores files.", "token": "tao"}]
JSON
aimap import "$T/twin.json" >/dev/null 2>&1
try aimap show TAO
assert_status 64
assert_err_contains "2 projects have the token"
assert_err_contains "bittensor, tao-twin"

finish
