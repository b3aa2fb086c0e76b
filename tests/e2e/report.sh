#!/usr/bin/env bash
# report.sh: `aimap report` on a fixture catalog with known figures
# (tests/fixtures/report: catalog.json, figures.sql, the expected md and
# csv), and the HTML report in a real headless browser.
. "$(dirname "$0")/../lib/e2e.sh"

FIX=$TOP/tests/fixtures/report
export SOURCE_DATE_EPOCH=1736899200   # 2025-01-15: reproducible output

# ---- the fixture database: its own data directory, then known figures
mkdir -p "$T/data"
cp "$TOP/data/taxonomy.json" "$FIX/catalog.json" "$T/data/"
export AIMAP_DATA=$T/data
try aimap init
assert_status 0
python3 - "$AIMAP_DB" "$FIX/figures.sql" <<'PY' || exit 1
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA foreign_keys = ON")
db.executescript(open(sys.argv[2], encoding="utf-8").read())
db.commit()
PY

# ---- help and usage errors
try aimap report --help
assert_status 0
assert_out_contains "usage: aimap report [-o FILE] [--format md|text|html|csv] [FILTERS]"
try aimap report --format pdf
assert_status 64
assert_err_contains "unknown format 'pdf' (md, text, html or csv)"
try aimap report extra
assert_status 64
assert_err_contains "unexpected argument 'extra'"
try aimap report --bogus
assert_status 64
try env SOURCE_DATE_EPOCH=yesterday "$AIMAP_BIN" report
assert_status 64
assert_err_contains "SOURCE_DATE_EPOCH: not a Unix time"
# HTML is refused on a terminal (script gives it one); Markdown is text.
script -qec "$AIMAP_BIN report --format html" /dev/null >"$OUT" 2>&1 </dev/null
STATUS=$?
E2E_NAME="report --format html on a terminal"
assert_status 64
assert_out_contains "the HTML report is not written to a terminal: give -o FILE or pipe it"
assert_out_lacks "<html"
script -qec "$AIMAP_BIN report" /dev/null >"$OUT" 2>&1 </dev/null
STATUS=$?
E2E_NAME="report (Markdown) on a terminal"
assert_status 0

# ---- Markdown: every figure as expected (reviewed golden file)
try aimap report
assert_status 0
assert_err_empty
assert_true "markdown report matches expected.md" cmp -s "$OUT" "$FIX/expected.md"
cmp -s "$OUT" "$FIX/expected.md" || diff -u "$FIX/expected.md" "$OUT" | head -40 >&2
assert_out_contains "| General-purpose compute | Infrastructure | 2 | 16.7% | \$1.30B | \$650M | \$50.0M (1 of 2) | 5.00K (1 of 2) | 1 of 1 |"
assert_out_contains "| Verification | Middleware | 1 | 8.3% | — | — | — | — | — | — |"
assert_out_contains "Market cap: 6 of 12 projects, observed on 2025-01-08 (7 days before this report)."
assert_out_contains "Skill neurons **(white space)** | 0 |"
assert_out_contains "| Alpha Compute | General-purpose compute | \$800M | \$1.00B | +\$200M | +25.0% | 2025-01-01 → 2025-01-08 |"
assert_out_contains "| Kappa | Decentralised models | Verification | 93% |"
assert_out_lacks "\$0"
assert_out_lacks "<script>"
cp "$OUT" "$T/first.md"
try aimap report --format md
assert_true "the report is reproducible" cmp -s "$OUT" "$T/first.md"

# ---- CSV: the category table, checked by an independent reader
try aimap report --format csv
assert_status 0
assert_true "csv report matches expected.csv" cmp -s "$OUT" "$FIX/expected.csv"
assert_true "csv figures are right; missing ones are empty, never 0" \
	python3 - "$OUT" <<'PY'
import csv, sys
raw = open(sys.argv[1], "rb").read()
assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len(rows) == 14, len(rows)
by = {r["category"]: r for r in rows}
assert sum(int(r["projects"]) for r in rows) == 12
cg = by["compute-general"]
assert float(cg["market_cap_usd"]) == 1.3e9
assert float(cg["market_cap_median_usd"]) == 6.5e8
assert cg["market_cap_known"] == "2" and cg["tvl_known"] == "1"
assert cg["leaders"] == 'Alpha Compute; Beta <b>&"Net"'
st = by["storage"]
assert float(st["market_cap_usd"]) == 2e7 and st["market_cap_known"] == "1"
assert st["active_30d"] == "1" and st["pushed_known"] == "2"
ve = by["verification"]
for k in ("market_cap_usd", "market_cap_median_usd", "tvl_usd",
          "github_stars", "active_30d", "leaders"):
    assert ve[k] == "", (k, ve[k])
assert ve["market_cap_known"] == "0"
assert by["knowledge-chatbot"]["projects"] == "0"
assert by["agent-market"]["leaders"] == "<script>alert(1)</script>"
PY

# A formula-like name that leads its category is neutralised, as in
# `export csv`: make gamma the storage leader.
cp "$AIMAP_DB" "$T/formula.db"
python3 - "$T/formula.db" <<'PY' || exit 1
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE metrics_latest SET value = 9e9 WHERE project = 'delta'"
           " AND metric = 'coingecko.market_cap_usd'")
db.execute("INSERT INTO metrics_latest VALUES ('gamma',"
           " 'coingecko.market_cap_usd', 'coingecko', 1e10, 1736294400)")
db.commit()
PY
try aimap --db "$T/formula.db" report --format csv
assert_status 0
assert_out_contains ",\"'=HYPERLINK(\"\"http://evil.example/\"\"); 德尔塔网络\""

# ---- output files: the extension picks the format; failures leave nothing
try aimap report -o "$T/out.csv"
assert_status 0
assert_err_contains "wrote the report (csv, 12 projects) to $T/out.csv"
assert_true "-o FILE.csv writes csv" cmp -s "$T/out.csv" "$FIX/expected.csv"
try aimap report --format md -o "$T/out2.csv"
assert_status 0
assert_true "--format wins over the extension" cmp -s "$T/out2.csv" "$FIX/expected.md"
try aimap report -o "$T/no/such/dir/r.md"
assert_status 73
assert_err_contains "$T/no/such/dir/r.md: cannot create"
try aimap report -o "$T/report.html"
assert_status 0
assert_err_contains "wrote the report (html, 12 projects)"
assert_true "no temporary file is left" \
	bash -c "! ls '$T' | grep -q '\.tmp\.'"

# ---- HTML: self-contained and escaped, checked statically
assert_true "html is self-contained and escaped" \
	python3 - "$T/report.html" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
assert s.startswith("<!DOCTYPE html>")
assert "Content-Security-Policy" in s and "default-src 'none'" in s
assert s.count("<script") == 1 and "<script>\n(function" in s
assert "&lt;script&gt;alert(1)&lt;/script&gt;" in s
assert "<b>&" not in s and "\x07" not in s and "\u202e" not in s
assert s.count("<svg") == 1 and s.count("</svg>") == 1
# No attribute may point anywhere but inside the page.
for m in re.finditer(r'\b(src|href|action|xlink:href)\s*=\s*"([^"]*)"', s):
    assert m.group(1) == "href" and m.group(2).startswith("#"), m.group(0)
assert not re.search(r"url\(|@import", s)
PY
try aimap report --format html
assert_true "the html report is reproducible" cmp -s "$OUT" "$T/report.html"

# ---- HTML in a real browser: tables, the map, sorting, no request
python3 "$FIX/browser_check.py" control >"$T/control.json" 2>"$T/browser.err"
rc=$?
if [ $rc -eq 77 ]; then
	echo "skipped: the headless-browser checks (no chromium installed)"
else
	assert_true "the request recorder sees a page's requests" \
		python3 -c "import json; d=json.load(open('$T/control.json')); hosts={r.split()[1].split('://')[-1].split('/')[0].rsplit(':',1)[0] for r in d['requests']}; assert hosts == {'example.com', 'example.org', 'www.google.com'} and len(d['resources']) == 3, d"
	python3 "$FIX/browser_check.py" page "$T/report.html" >"$T/page.json" 2>>"$T/browser.err"
	assert_true "the browser finds the tables, the map and no request" \
		python3 - "$T/page.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = {"top-table": 9, "layers-table": 3, "categories-table": 14, "stages-table": 11,
        "movers-market_cap": 3, "movers-tvl": 1, "movers-stars": 1,
        "hints-table": 2}
assert d["tables"] == want, d["tables"]
assert d["svgs"] == 1 and d["texts"] >= 40, (d["svgs"], d["texts"])
assert all(r.startswith("#") for r in d["refs"]), d["refs"]
assert d["requests"] == [], d["requests"]
assert d["sort"].get("resources") == [], d["sort"]
s = d["sort"]
assert "error" not in s, s
# Market cap, descending, then ascending; categories without one last.
top = ["General-purpose compute", "Privacy", "Storage",
       "Agent marketplaces", "Decentralised models"]
assert s["first"][:5] == top and s["first_sort"] == "descending", s
assert s["second"][:5] == top[::-1] and s["second_sort"] == "ascending", s
assert set(s["first"][5:]) == set(s["second"][5:]) == \
    set(s["before"]) - set(top)
PY
fi

# ---- the memo as a person sees it: a screenshot, kept for review in
# build/artefacts/report (AIMAP_ARTEFACTS moves it), and checked: a page
# of the right width, ink on it, the moves in green and red.
ART=${AIMAP_ARTEFACTS:-$TOP/build/artefacts}/report
mkdir -p "$ART"
python3 "$FIX/browser_check.py" shot "$T/report.html" "$ART/report.png" 1280 1600 >"$T/shot.json" 2>>"$T/browser.err"
rc=$?
if [ $rc -eq 77 ]; then
	echo "skipped: the screenshot (no chromium installed)"
else
	assert_true "the screenshot shows the memo, moves in colour ($ART/report.png)" \
		python3 - "$T/shot.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["width"] == 1280 and d["height"] == 1600, d
assert 0.05 < d["ink"] < 0.6, d["ink"]          # neither blank nor a blot
assert d["distinct"] > 200, d["distinct"]        # text, tables, the map
assert d["colours"]["up"] > 20 and d["colours"]["down"] > 20, d["colours"]
assert d["requests"] == [], d["requests"]
PY
	cp "$T/report.html" "$ART/report.html"
fi

# ---- a catalog never fetched: figures missing, said so, never zero
try env AIMAP_DATA="$TOP/data" "$AIMAP_BIN" --db "$T/fresh.db" report
assert_status 0
assert_out_contains "No figure has been fetched yet"
assert_out_contains "Market cap: never fetched."
assert_out_contains "No history yet: movers need two fetches"
assert_out_contains "no classifier predictions are stored"
assert_out_lacks "\$0"
try env AIMAP_DATA="$TOP/data" "$AIMAP_BIN" --db "$T/fresh.db" report --format csv
assert_status 0
assert_true "an unfetched catalog has empty figure cells" \
	python3 -c "import csv; rows=list(csv.DictReader(open('$OUT', newline=''))); assert len(rows)==14 and all(r['market_cap_usd']=='' and r['market_cap_known']=='0' for r in rows)"

# ---- plain text: the same memo, wrapped for a terminal
try aimap report --format text
assert_status 0
assert_true "the text report fits 78 columns and keeps the memo's order" \
	python3 - "$OUT" <<'PY'
import sys, unicodedata
s = open(sys.argv[1], encoding="utf-8").read()
def width(line):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
assert max(width(l) for l in s.splitlines()) <= 78, max(s.splitlines(), key=width)
order = ["Key findings\n---", "Top projects\n---", "Sources and method: ",
         "Not investment advice: ", "Categories\n---", "Movers\n---",
         "Appendix A: data freshness", "Appendix B: curation hints"]
at = [s.find(x) for x in order]
assert all(a >= 0 for a in at) and at == sorted(at), list(zip(order, at))
assert " 1  Alpha Compute    $1.00B $1.50B $42.0M      -   \u25b2 +7.3%  \u25b2 +25.0%         -\n" in s
assert "<script>alert(\u2026" in s
assert "\033[" not in s and "\a" not in s
PY
try aimap report -o "$T/memo.txt"
assert_status 0
assert_true "a .txt file gets the text report" cmp -s "$T/memo.txt" <(aimap report --format text)
# On a terminal the moves are in colour, unless NO_COLOR.
env -u NO_COLOR script -qec "$AIMAP_BIN report --format text" /dev/null >"$OUT" 2>&1 </dev/null
STATUS=$?
E2E_NAME="report --format text on a terminal"
assert_status 0
assert_out_contains "$(printf '\033[32m')"
assert_out_contains "$(printf '\033[31m')"
script -qec "$AIMAP_BIN report --format text" /dev/null >"$OUT" 2>&1 </dev/null
E2E_NAME="report --format text on a terminal, NO_COLOR"
assert_out_lacks "$(printf '\033[3')"

# ---- the same filters as list: one sector's memo
try aimap report --category compute-general
assert_status 0
assert_out_contains "2 projects in 14 categories"
assert_out_contains "Scope: category General-purpose compute (shares are of these projects)."
assert_out_lacks "德尔塔网络"
assert_out_contains "Most projects: General-purpose compute, 2 of 2 (100.0% of the selection)."
assert_out_contains "| General-purpose compute | Infrastructure | 2 | 100.0% |"
assert_out_lacks "| Data labelling | Infrastructure | 0 |"
assert_out_lacks "| Middleware | 0 |"
try aimap report --category compute-general --format csv
assert_status 0
assert_true "a filtered CSV counts only the selection" \
	python3 -c "import csv,sys; rows=list(csv.DictReader(open(sys.argv[1], newline=''))); assert sum(int(r['projects']) for r in rows) == 2, rows" "$OUT"
try aimap report --layer middleware --status active --search iota
assert_status 0
assert_out_contains "1 project in 14 categories"
assert_out_contains 'Scope: layer Middleware, status active, matching "iota"'
try aimap report --min-mcap 100M
assert_status 0
assert_out_contains "2 projects in 14 categories"
assert_out_contains "Scope: market cap at least \$100M (shares are of these projects)."
try aimap map --min-mcap 100M --max-mcap 1M -o "$T/none.svg"
assert_status 64
assert_err_contains "--min-mcap is above --max-mcap"
try aimap report --category nope
assert_status 64
assert_err_contains "unknown category 'nope' (one of: "
try aimap report --format html --stage inference -o "$T/inference.html"
assert_status 0
assert_true "the HTML memo names its scope" grep -q 'id="scope">Scope: stage Inference' "$T/inference.html"
try aimap map --layer infra -o "$T/infra.svg"
assert_status 0
assert_err_contains "wrote the map (7 of 7 projects shown)"
assert_true "the map names its scope" grep -q "<desc>layer Infrastructure" "$T/infra.svg"
try aimap map --stage nope -o "$T/nope.svg"
assert_status 64

# ---- an unreviewed project (as classify --save leaves it) is marked
cp "$AIMAP_DB" "$T/unrev.db"
python3 -c "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute(\"UPDATE projects SET reviewed = 0 WHERE id = 'alpha'\"); db.commit()" "$T/unrev.db"
try aimap --db "$T/unrev.db" report
assert_status 0
assert_out_contains "Largest project: Alpha Compute \[unreviewed\] (General-purpose compute)"
try aimap --db "$T/unrev.db" map --size-by market_cap -o "$T/unrev.svg"
assert_status 0
assert_true "the map marks the unreviewed tile and says why" \
	python3 -c "import sys; s=open(sys.argv[1], encoding='utf-8').read(); assert '>Alpha Compute*</text>' in s and 'unreviewed: placed by the classifier (1)' in s" "$T/unrev.svg"

finish
