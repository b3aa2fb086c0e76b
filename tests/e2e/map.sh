#!/usr/bin/env bash
# map.sh: `aimap map`: valid SVG 1.1 (xmllint against the W3C DTD),
# rendered by rsvg-convert without a warning, printable on A4, and no text
# outside its tile as a real browser measures it.
. "$(dirname "$0")/../lib/e2e.sh"

FIX=$TOP/tests/fixtures/report
SVG11_DTD=/usr/share/xml/w3c-sgml-lib/schema/dtd/REC-SVG11-20110816/svg11.dtd

have() { command -v "$1" >/dev/null 2>&1; }

# xmllint: well-formed, and valid against the SVG 1.1 DTD (offline).
check_xml() {   # file
	local f=$1
	if ! have xmllint; then
		echo "skipped: xmllint checks (apt-get install libxml2-utils)"
		return
	fi
	try xmllint --noout --nonet "$f"
	assert_status 0
	assert_err_empty
	if [ -f "$SVG11_DTD" ]; then
		try xmllint --noout --nonet --dtdvalid "$SVG11_DTD" "$f"
		assert_status 0
		assert_err_empty
	else
		echo "skipped: SVG 1.1 DTD validation (apt-get install w3c-sgml-lib)"
	fi
}

# rsvg-convert: renders without a word on stderr, at A4-landscape size.
check_render() {   # file
	local f=$1
	if ! have rsvg-convert; then
		echo "skipped: rsvg-convert checks (apt-get install librsvg2-bin)"
		return
	fi
	try rsvg-convert -o "$f.png" "$f"
	assert_status 0
	assert_err_empty
	assert_true "rsvg-convert wrote a PNG of the page's size" \
		python3 - "$f.png" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", d[16:24])
# 277 mm wide at 96 dpi; at most 190 mm high.
assert abs(w - 277 / 25.4 * 96) <= 2, w
assert 0 < h <= 190 / 25.4 * 96 + 2, h
PY
}

# A browser lays out every text: none may leave its tile (or box, band,
# header), and the map loads nothing.
BROWSER=1
check_boxes() {   # file, minimum number of texts
	local f=$1 min=$2 rc
	[ $BROWSER -eq 1 ] || return
	python3 "$FIX/browser_check.py" svg "$f" >"$f.json" 2>"$T/browser.err"
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "skipped: the headless-browser checks (no chromium installed)"
		BROWSER=0
		return
	fi
	assert_true "every text of $(basename "$f") stays in its box" \
		python3 - "$f.json" "$min" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert "error" not in d, d
assert d["texts"] >= int(sys.argv[2]), d["texts"]
assert d["bad"] == [], d["bad"][:5]
assert d["empty"] == 0, d["empty"]
assert d["requests"] == [] and d["resources"] == [], d
PY
}

# ---- help and usage errors
try aimap map --help
assert_status 0
assert_out_contains "usage: aimap map [-o FILE.svg] [--size-by count|market_cap|tvl|stars]"
try aimap map --size-by weight
assert_status 64
assert_err_contains "unknown --size-by 'weight' (count, market_cap, tvl or stars)"
try aimap map extra
assert_status 64
try aimap map -o
assert_status 64

# ---- the map is SVG: no other name, no terminal
try aimap map -o "$T/map.png"
assert_status 64
assert_err_contains "'$T/map.png': the map is an SVG picture; name the file .svg"
assert_true "no map.png is written" test ! -e "$T/map.png"
try aimap map -o "$T/map.PDF"
assert_status 64
try aimap map -o "$T/MAP.SVG"
assert_status 0
try aimap map -o /dev/null
assert_status 0
# On a terminal (script gives the command one) the markup is refused.
script -qec "$AIMAP_BIN map" /dev/null >"$OUT" 2>&1 </dev/null
STATUS=$?
E2E_NAME="map on a terminal"
assert_status 64
assert_out_contains "the map (SVG) is not written to a terminal: give -o FILE or pipe it"
assert_out_lacks "<svg"
script -qec "$AIMAP_BIN map -o '$T/tty.svg'" /dev/null >"$OUT" 2>&1 </dev/null
STATUS=$?
E2E_NAME="map on a terminal, with -o"
assert_status 0
script -qec "$AIMAP_BIN map | head -c 5" /dev/null >"$OUT" 2>&1 </dev/null
STATUS=$?
E2E_NAME="map into a pipe from a terminal"
assert_status 0
assert_out_contains "<?xml"

# ---- the shipped catalog
try aimap map -o "$T/map.svg"
assert_status 0
total=$(python3 -c "import json;print(len(json.load(open('$TOP/data/catalog.json'))))")
assert_err_contains "wrote the map ($total of $total projects shown) to $T/map.svg"
check_xml "$T/map.svg"
check_render "$T/map.svg"
check_boxes "$T/map.svg" "$total"
assert_true "the map is an A4-landscape SVG 1.1 page" \
	python3 - "$T/map.svg" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
assert s.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"')
m = re.search(r'<svg [^>]*version="1.1" width="(\d+)mm" height="(\d+)mm" viewBox="0 0 (\d+) (\d+)"', s)
assert m, "no sized svg element"
w, h, vw, vh = map(int, m.groups())
assert w == 277 and h <= 190 and vw == 4 * w and vh == 4 * h, m.groups()
assert "Agent marketplaces" in s and "Infrastructure" in s
PY
try aimap map
assert_status 0
assert_true "stdout gets the same map" cmp -s "$OUT" "$T/map.svg"

# The browser check can fail: a tile made too narrow for its name is found.
sed '0,/<rect class="tile/s/\(<rect class="tile[^>]*width="\)[0-9.]*"/\15"/' \
	"$T/map.svg" >"$T/broken.svg"
if [ $BROWSER -eq 1 ]; then
	python3 "$FIX/browser_check.py" svg "$T/broken.svg" >"$T/broken.json" 2>/dev/null
	assert_true "a text outside its tile is caught" \
		python3 -c "import json; d=json.load(open('$T/broken.json')); assert len(d['bad']) == 1, d['bad']"
fi

# ---- hostile names, figures and every --size-by
mkdir -p "$T/data"
cp "$TOP/data/taxonomy.json" "$FIX/catalog.json" "$T/data/"
export AIMAP_DATA=$T/data
export AIMAP_DB=$T/fixture.db
try aimap init
assert_status 0
python3 - "$AIMAP_DB" "$FIX/figures.sql" <<'PY' || exit 1
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript(open(sys.argv[2], encoding="utf-8").read())
db.commit()
PY
for by in count market_cap tvl stars; do
	try aimap map --size-by $by -o "$T/fx-$by.svg"
	assert_status 0
	check_xml "$T/fx-$by.svg"
done
f=$T/fx-market_cap.svg
check_render "$f"
check_boxes "$f" 30
assert_true "names are escaped and whole where they fit" \
	python3 - "$f" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
assert ">&lt;script&gt;alert(1)&lt;/script&gt;</text>" in s
assert "<script" not in s and "\x07" not in s and "\u202e" not in s
assert ">德尔塔网络</text>" in s
assert "Beta &lt;b&gt;&amp;&quot;Net&quot;" in s
assert "<title>Theta with a very very long name that cannot fit in any tile at all \u2014" in s
# A long name is set smaller to fit, never below the minimum font (7).
import re
assert min(float(x) for x in re.findall(r'font-size="([0-9.]+)"', s)) >= 7
assert "\u2026</text>" in s              # shortened with an ellipsis
assert ">$1.00B</text>" in s             # the largest tile shows its figure
assert "Market cap: never fetched</title>" in s
assert 'class="tile l1 missing"' in s    # dashed: never fetched
PY
if have fc-list; then
	assert_true "a CJK font is there for CJK names (fonts-noto-cjk)" \
		test -n "$(fc-list :lang=zh family)"
fi

# ---- a catalog too large for one page: leaders, then "+N more"
python3 - "$T/big.json" <<'PY'
import json, sys
cats = [("infra", "storage"), ("infra", "oracle"), ("application",
        "agent-market"), ("middleware", "privacy")]
out = []
for i in range(3000):
    layer, cat = cats[i % len(cats)]
    out.append({"id": "big-%d" % i, "name": ("项目 %d" if i % 5 == 0 else
                "Generated Project Number %d") % i, "layer": layer,
                "category": cat, "stages": ["data-collection"] if layer ==
                "infra" else ["inference"], "description": "Generated."})
json.dump(out, open(sys.argv[1], "w"), ensure_ascii=False)
PY
try aimap import "$T/big.json"
assert_status 0
try aimap map -o "$T/big.svg"
assert_status 0
assert_true "a large catalog is capped with +N more tiles" \
	python3 - "$T/big.svg" "$ERR" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
err = open(sys.argv[2]).read()
m = re.search(r"wrote the map \((\d+) of (\d+) projects shown\)", err)
shown, total = map(int, m.groups())
assert total == 3012 and shown < total, (shown, total)
more = sum(int(x) for x in re.findall(r">\+(\d+) more</text>", s))
assert shown + more == total, (shown, more, total)
PY
check_xml "$T/big.svg"
check_render "$T/big.svg"
check_boxes "$T/big.svg" 100

try aimap map -o "$T/no/such/dir/map.svg"
assert_status 73

finish
