#!/usr/bin/env bash
# hostile.sh: input meant to hurt. Files that are not files (a directory,
# a FIFO with and without a writer, an endless device), a sparse 2 GB
# file and 10 000 levels of nesting, for both commands that read JSON
# (import and classify): a clear error and an exit code, never a hang or a
# crash. Then names and descriptions full of SQL metacharacters, control
# characters, ANSI escape sequences and right-to-left overrides: stored
# verbatim, and shown harmlessly everywhere, the dashboard's raw terminal
# output included.
. "$(dirname "$0")/../lib/e2e.sh"

aimap init >/dev/null 2>&1
db_dump "$AIMAP_DB" >"$T/start"
unchanged() {   # the database still holds what it held at the start
	assert_eq "$1: nothing written" \
		"$(db_dump "$AIMAP_DB" | cmp -s - "$T/start" && echo same)" same
}

# ---- files that are not what they seem
mkdir "$T/dir"
mkfifo "$T/fifo"
truncate -s 2G "$T/sparse.json"
python3 -c "print('[' * 10000 + ']' * 10000)" >"$T/deep.json"
python3 -c "print('{\"a\":' * 10000 + '1' + '}' * 10000)" >"$T/deepobj.json"
for cmd in import classify; do
	try timeout 20 "$AIMAP_BIN" $cmd "$T/dir"
	assert_status 66
	assert_err_contains "is a directory"

	# A FIFO nobody writes to: read as empty at once, not waited on.
	try timeout 20 "$AIMAP_BIN" $cmd "$T/fifo"
	assert_status 65
	assert_err_contains "fifo:1:1: empty input, expected a JSON value"

	# 2 GB: refused from its size, before reading a byte of it.
	t0=$(date +%s%N)
	try timeout 20 "$AIMAP_BIN" $cmd "$T/sparse.json"
	t1=$(date +%s%N)
	assert_status 65
	assert_err_contains "sparse.json: file is 2147483648 bytes, over the limit of"
	assert_true "$cmd: 2 GB refused without reading it ($(((t1 - t0) / 1000000)) ms)" \
		test $(((t1 - t0) / 1000000)) -lt 10000

	# An endless device: read up to the limit, then refused.
	try timeout 60 "$AIMAP_BIN" $cmd /dev/zero
	assert_status 65
	assert_err_contains "/dev/zero: input is over the limit of"

	# The position is where the 257th level opens.
	for f in deep:257 deepobj:1281; do
		try timeout 20 "$AIMAP_BIN" $cmd "$T/${f%:*}.json"
		assert_status 65
		assert_err_contains "${f%:*}.json:1:${f#*:}: nested deeper than 256 levels"
	done
done
unchanged "files that are not files"

# A FIFO with a writer (as `aimap import <(...)` gives) works.
cat >"$T/one.json" <<'JSON'
[{"id": "piped", "name": "Piped", "layer": "infra", "category": "storage",
  "stages": ["data-collection"], "description": "Came through a pipe."}]
JSON
cat "$T/one.json" >"$T/fifo" &
try timeout 20 "$AIMAP_BIN" import "$T/fifo"
assert_status 0
assert_out_contains "1 added"
try timeout 20 "$AIMAP_BIN" import <(cat "$T/one.json")
assert_status 0
assert_out_contains "1 unchanged"
db_dump "$AIMAP_DB" >"$T/start"

# ---- hostile text
# Every field that is shown: SQL, a terminal reset, an OSC title change
# with BEL, C1 CSI, a right-to-left override, NUL-free control bytes.
python3 >"$T/evil.json" <<'PY'
import json
evil = [
    {"id": "sql-drop", "name": "Robert'); DROP TABLE projects;--",
     "description": "x' OR '1'='1'; DELETE FROM metrics; -- \" ; SELECT * FROM sqlite_schema"},
    {"id": "ansi", "name": "Evil\x1b[2J\x1b[31mRed\x1bc",
     "description": "Sets the title \x1b]0;pwned\x07 and rings \x07\x07; C1 CSI \u009b31m red; backspace\x08\x08 and carriage\rreturn"},
    {"id": "rtl", "name": "Safe\u202egnp.exe\u202c",
     "description": "\u2066isolate\u2069 \u200fmark\u200e \u202doverride",
     "description_zh": "中文\u202e反转\u202c 描述"},
]
out = []
for e in evil:
    e.update({"layer": "application", "category": "agent-automation",
              "stages": ["inference"], "chains": ["a\x1b[1mb"]})
    out.append(e)
json.dump(out, open("/dev/stdout", "w"), ensure_ascii=True)
PY
try aimap import "$T/evil.json"
assert_status 0
assert_out_contains "3 added"
assert_eq "SQL did not run: every table still there" \
	"$(python3 -c "
import sqlite3; db = sqlite3.connect('$AIMAP_DB')
print(db.execute('SELECT count(*) FROM projects').fetchone()[0] > 100)")" True
assert_true "stored verbatim" python3 - "$AIMAP_DB" "$T/evil.json" "$AIMAP_BIN" <<'PY'
import json, sqlite3, subprocess, sys
db = sqlite3.connect(sys.argv[1])
for e in json.load(open(sys.argv[2])):
    row = db.execute("SELECT name, description, description_zh FROM projects"
                     " WHERE id = ?", (e["id"],)).fetchone()
    assert row == (e["name"], e["description"], e.get("description_zh")), (row, e)
    out = subprocess.run([sys.argv[3], "--db", sys.argv[1], "show", "--format",
                          "json", e["id"]], capture_output=True).stdout
    assert json.loads(out)["chains"] == e["chains"], out
PY

# raw_clean FILE: no byte of the payloads' escapes reaches a terminal: no
# ESC, BEL, backspace, CR, C1 CSI, bidi override or isolate.
raw_clean() {
	python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
bad = [b"\x1b", b"\x07", b"\x08", b"\r", b"\xc2\x9b", b"\xe2\x80\xae",
       b"\xe2\x80\xad", b"\xe2\x81\xa6", b"\xe2\x81\xa9", b"\xe2\x80\x8f"]
found = [x for x in bad if x in b]
assert not found, found
PY
}
for args in "list" "list --search evil" "list --sort name --desc" "show ansi" \
	"show rtl" "show sql-drop" "stats" "classify $T/evil.json"; do
	try aimap $args
	assert_status 0
	assert_true "$args: nothing raw reaches the terminal" raw_clean "$OUT"
	assert_true "$args: stderr clean too" raw_clean "$ERR"
done
try aimap show ansi
assert_out_contains "Evil"
assert_out_contains "pwned"
# CSV and JSON keep the text (they are data, not terminal output), but a
# formula never reaches a spreadsheet.
try aimap export csv
assert_status 0
assert_true "CSV keeps the text verbatim" python3 - "$OUT" <<'PY'
import csv, sys
rows = {r["id"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
assert rows["ansi"]["name"] == "Evil\x1b[2J\x1b[31mRed\x1bc", rows["ansi"]["name"]
assert rows["sql-drop"]["name"].startswith("Robert'); DROP")
PY

# The dashboard: everything it sends to the terminal, recorded raw by
# tmux, holds none of the payloads' sequences (curses' own escapes are
# fine; the title-setting OSC, BEL, C1 CSI and the bidi controls are
# not).

# Issue 13 item 13: "\u0000" inside a string is refused with its position,
# as a raw NUL is, instead of cutting the string short.
printf '[{"id": "nul-esc", "name": "x\\u0000y", "layer": "infra", "category": "storage", "stages": ["data-collection"], "description": "d"}]\n' >"$T/nulesc.json"
try aimap import --dry-run "$T/nulesc.json"
assert_status 65
assert_err_contains "nulesc.json:1:30: \\u0000"
try aimap show nul-esc
assert_status 1

# Item 19: a UTF-8 byte order mark at the start of the file is accepted,
# as `export --bom` writes one.
printf '\xef\xbb\xbf{"id": "bom-one", "name": "Bom One", "layer": "infra", "category": "storage", "stages": ["data-collection"], "description": "After a BOM."}\n' >"$T/bom.json"
try aimap import "$T/bom.json"
assert_status 0
try aimap show bom-one
assert_out_contains "After a BOM."
printf '\xef\xbb\xbf[{"id": "bom-two", "name": "Bom Two", "layer": "infra", "category": "storage", "stages": ["data-collection"], "description": "d"}]\n' >"$T/bom2.json"
try aimap import "$T/bom2.json"
assert_status 0

if command -v tmux >/dev/null; then
	. "$TOP/tests/lib/tmux.sh"
	tm new-session -d -x 120 -y 40 -s t "sleep 600"
	tm pipe-pane -t t -o "cat >>'$T/raw'"
	tm respawn-pane -k -t t "$AIMAP_BIN tui --search evil; echo TUI-EXIT=\$?; sleep 600"
	E2E_NAME="dashboard shows the hostile projects"
	wait_for "Evil" && _ok || _bad "not shown"
	tm send-keys -t t Enter
	E2E_NAME="dashboard detail of a hostile project"
	wait_for "pwned" && _ok || _bad "detail not shown"
	tm send-keys -t t Escape Escape
	tm send-keys -t t -l "/gnp"
	tm send-keys -t t Enter Enter
	E2E_NAME="dashboard detail of the right-to-left name"
	wait_for "gnp.exe" && _ok || _bad "detail not shown"
	tm send-keys -t t Escape Escape q
	E2E_NAME="dashboard exit"
	wait_for "TUI-EXIT=0" && _ok || _bad "exit status"
	assert_true "the terminal got no title change" \
		python3 -c "import sys; assert b'\x1b]0;' not in open(sys.argv[1],'rb').read()" "$T/raw"
	assert_true "the terminal got no bidi override, no C1 CSI, no BEL" python3 - "$T/raw" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
assert len(b) > 1000 and b"pwned" in b and b"gnp.exe" in b, len(b)
for x in (b"\xe2\x80\xae", b"\xe2\x80\xad", b"\xe2\x81\xa6", b"\xc2\x9b", b"\x07", b"pwned\x07"):
    assert x not in b, x
PY
	tm kill-server 2>/dev/null
else
	E2E_NAME="tmux"
	_bad "tmux is not installed (make deps)"
fi

finish
