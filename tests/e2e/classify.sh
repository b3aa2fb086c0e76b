#!/usr/bin/env bash
# classify.sh: `aimap classify`, `train` and `eval` end to end: the output
# contract (table, JSON schema, CSV), --explain, --save and its atomicity,
# every kind of bad input, automatic retraining, and the cross-validation
# report. Golden files are in tests/golden/classify; the fixture catalog and
# inputs in tests/fixtures/classify.
. "$(dirname "$0")/../lib/e2e.sh"

FIX=$TOP/tests/fixtures/classify
GOLD=$TOP/tests/golden/classify
TAX=$TOP/data/taxonomy.json

# ---- help and usage errors (no database needed) ------------------------
for cmd in classify train eval; do
	try aimap $cmd --help
	assert_status 0
	assert_out_contains "usage: aimap $cmd"
done
try aimap classify
assert_status 64
assert_err_contains "no file given"
try aimap classify a.json b.json
assert_status 64
assert_err_contains "one file at a time"
try aimap classify --format xml "$FIX/inputs.json"
assert_status 64
assert_err_contains "unknown format 'xml' (one of: table, json, csv)"
try aimap classify --model svm "$FIX/inputs.json"
assert_status 64
assert_err_contains "unknown model 'svm' (one of: nb, nn, ensemble)"
try aimap classify --bogus "$FIX/inputs.json"
assert_status 64
try aimap train --model svm
assert_status 64
try aimap train extra
assert_status 64
try aimap eval --folds 1
assert_status 64
assert_err_contains "--folds needs a whole number from 2 to 1000, not '1'"
try aimap eval --folds x
assert_status 64
try aimap eval --repeat 0
assert_status 64
try aimap eval --predictions
assert_status 64
assert_err_contains "--predictions needs --format json"
assert_true "usage errors create no database" test ! -e "$AIMAP_DB"

# ---- bad input: nothing classified, nothing created --------------------
try aimap classify "$T/missing.json"
assert_status 66
assert_err_contains "missing.json: cannot open"
for f in "$GOLD"/bad-*.json; do
	try aimap classify "$f"
	E2E_NAME="classify $(basename "$f")"
	assert_status 65
	while IFS= read -r want; do
		[ -n "$want" ] && assert_err_contains "${want//@FILE@/$f}"
	done <"${f%.json}.err"
	assert_out_lines 0
done
printf '[{"name": "ok", "description": "fine"}, {"name": "bad\xff", "description": "x"}, {"name": "n", "description": "bad \xc3\x28 text"}, {"name": "t", "description": "d", "tags": ["ok", "\xfe"]}]' >"$T/badutf8.json"
try aimap classify "$T/badutf8.json"
assert_status 65
assert_err_contains "element 1 (name \"bad"
assert_err_contains "field \"name\": invalid UTF-8 at byte 3"
assert_err_contains "element 2 (name \"n\"): field \"description\": invalid UTF-8 at byte 4"
assert_err_contains "element 3 (name \"t\"): field \"tags\": element 1: invalid UTF-8"
# Input over the limit is refused before it is read (a sparse file), and
# from a pipe once the limit is passed.
truncate -s 200M "$T/huge.json"
try aimap classify "$T/huge.json"
assert_status 65
assert_err_contains "over the limit of 64 MiB"
E2E_NAME="200 MB on standard input"
head -c 200000000 /dev/zero | "$AIMAP_BIN" classify - >"$OUT" 2>"$ERR"
STATUS=$?
assert_status 65
assert_err_contains "input is over the limit of 64 MiB"
rm -f "$T/huge.json"
assert_true "bad input creates no database" test ! -e "$AIMAP_DB"

# ---- a fixture catalog, so that the golden output stays put ------------
mkdir -p "$T/data"
cp "$TAX" "$FIX/catalog.json" "$T/data/"
export AIMAP_DATA=$T/data
try aimap init
assert_status 0

# ---- the table, and training on first use ------------------------------
try aimap classify "$FIX/inputs.json"
assert_status 0
assert_err_contains "trained the classifier on 70 reviewed project(s) (first use)"
assert_true "table matches tests/golden/classify/table.txt" \
	diff -u "$GOLD/table.txt" "$OUT"
try aimap classify "$FIX/inputs.json"
assert_status 0
assert_err_empty    # the stored model is reused
try aimap classify --model nb "$FIX/inputs.json"
assert_status 0
try aimap classify --model nn "$FIX/inputs.json"
assert_status 0

# ---- JSON: the exact output contract ------------------------------------
try aimap classify --format json "$FIX/inputs.json"
assert_status 0
assert_true "JSON output follows the contract" python3 - "$OUT" "$TAX" "$FIX/inputs.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
tax = json.load(open(sys.argv[2]))
inp = json.load(open(sys.argv[3]))
layers = {c["id"]: c["layer"] for c in tax["categories"]}
stages = {s["id"] for s in tax["stages"]}
assert isinstance(out, list) and len(out) == len(inp), "one result per input"
def scored(o, ids):
    assert isinstance(o, dict) and set(o) == {"id", "score"}, o
    assert o["id"] in ids, o
    assert isinstance(o["score"], (int, float)) and 0 <= o["score"] <= 1, o
for r, i in zip(out, inp):
    want = {"name", "layer", "category", "uncertain", "stages", "alternatives"}
    if i["name"].lower() == "akash":
        want.add("catalog")
    assert set(r) == want, (sorted(r), sorted(want))
    assert isinstance(r["uncertain"], bool), r
    assert r["name"] == i["name"], "input order"
    scored(r["layer"], {l["id"] for l in tax["layers"]})
    scored(r["category"], layers)
    assert layers[r["category"]["id"]] == r["layer"]["id"], "layer follows category"
    assert r["layer"]["score"] >= r["category"]["score"] - 1e-9
    assert r["stages"], "stages never empty"
    for s in r["stages"]:
        scored(s, stages)
    sc = [s["score"] for s in r["stages"]]
    assert sc == sorted(sc, reverse=True), "stages sorted by score"
    assert len({s["id"] for s in r["stages"]}) == len(sc)
    alt = r["alternatives"]
    assert len(alt) == 2
    for a in alt:
        scored(a, layers)
        assert a["score"] <= r["category"]["score"] + 1e-9
    ids = [r["category"]["id"]] + [a["id"] for a in alt]
    assert len(set(ids)) == 3, "alternatives are other categories"
    assert alt[0]["score"] >= alt[1]["score"]
    if "catalog" in r:
        c = r["catalog"]
        assert c["id"] == "akash" and c["category"] == "compute-general", c
        assert c["layer"] == "infra" and c["reviewed"] is True, c
        assert set(c["stages"]) <= stages and c["stages"]
PY
try aimap classify --format json --explain "$FIX/inputs.json"
assert_status 0
assert_true "--explain adds reasons for each head" python3 - "$OUT" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    e = r["explain"]
    assert set(e) == {"layer", "category", "runner_up", "stages"}, e
    assert e["category"], "some word pushed the category"
    ru = e["runner_up"]
    assert ru["id"] == r["alternatives"][0]["id"] and ru["tokens"], ru
    assert all(set(t) == {"token", "weight"} for t in ru["tokens"])
    assert set(e["stages"]) == {s["id"] for s in r["stages"]}
    for head in (e["layer"], e["category"], *e["stages"].values()):
        w = [t["weight"] for t in head]
        assert w == sorted(w, reverse=True) and all(x > 0 for x in w)
        assert all(set(t) == {"token", "weight"} and t["token"] for t in head)
PY
assert_out_contains '"token":	"zero"'
try aimap classify --explain "$FIX/inputs.json"
assert_status 0
assert_out_contains "ZkInfer: why"
assert_out_contains "  category  verification"

# ---- CSV, standard input, one object, an empty array --------------------
printf '[{"name": "=cmd|calc", "description": "Indexes blockchain events and serves them through GraphQL."}]' >"$T/formula.json"
try_in "$T/formula.json" aimap classify --format csv -
assert_status 0
assert_true "CSV has the header and a neutralised formula" python3 - "$OUT" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][:7] == ["name", "layer", "layer_score", "category",
                       "category_score", "uncertain", "stages"], rows[0]
assert rows[1][5] in ("true", "false"), rows[1]
assert len(rows) == 2 and rows[1][0] == "'=cmd|calc", rows
assert rows[1][3] == "indexing", rows[1]
assert 0 <= float(rows[1][4]) <= 1
PY
printf '{"name": "Solo", "description": "Stores files on a decentralized network of nodes."}' >"$T/one.json"
try aimap classify --format json "$T/one.json"
assert_status 0
assert_out_contains '"id":	"storage"'
echo '[]' >"$T/empty.json"
try aimap classify --format json "$T/empty.json"
assert_status 0
assert_out_contains "[]"

# ---- --save ----------------------------------------------------------------
before=$(db_dump "$AIMAP_DB")
unchanged() {
	assert_true "database unchanged after: $1" \
		test "$before" = "$(db_dump "$AIMAP_DB")"
}
printf '[{"name": "Good One", "description": "Rents GPUs to anyone."}, {"name": "Bad Site", "description": "Stores files.", "website": "ftp://nope"}]' >"$T/badsite.json"
try aimap classify --save "$T/badsite.json"
assert_status 65
assert_err_contains "entry 1 (id \"bad-site\"): field \"website\": must be an http:// or https:// URL"
assert_err_contains "nothing saved"
unchanged "a --save with a bad website"
try aimap classify --save "$T/badutf8.json"
assert_status 65
assert_err_contains "nothing saved"
unchanged "a --save of invalid UTF-8"
# Every write step failing in turn: the save lands whole or not at all.
# "Whole" is what the same save leaves without a fault, on a copy.
# The dump with times (seconds since 1970 in this century) as "T": the
# reference save ran at another second.
db_dump_untimed() {
	python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
t = lambda v: "T" if isinstance(v, int) and 946684800 <= v < 4102444800 else v
for (name,) in db.execute("SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name"):
    for row in db.execute(f'SELECT * FROM "{name}" ORDER BY 1, 2'):
        print(name, repr(tuple(map(t, row))))
PY
}
db_copy() { python3 -c 'import sqlite3, sys; s = sqlite3.connect(sys.argv[1]); d = sqlite3.connect(sys.argv[2]); s.backup(d); d.close()' "$1" "$2"; }
db_copy "$AIMAP_DB" "$T/before.db"
db_copy "$AIMAP_DB" "$T/after.db"
AIMAP_DB=$T/after.db "$AIMAP_BIN" classify --save "$FIX/inputs.json" >/dev/null 2>&1
after=$(db_dump_untimed "$T/after.db")
assert_true "the save without a fault changes the database" test "$after" != "$(db_dump_untimed "$T/before.db")"
whole=1 failed=0 passed=0 silent=0
for n in $(seq 1 40); do
	rm -f "$AIMAP_DB" "$AIMAP_DB-wal" "$AIMAP_DB-shm"
	db_copy "$T/before.db" "$AIMAP_DB"
	AIMAP_FAULT=sql:$n "$AIMAP_BIN" classify --save "$FIX/inputs.json" \
		>"$OUT" 2>"$ERR"
	STATUS=$?
	if [ "$STATUS" -ne 0 ]; then
		failed=$((failed + 1))
		[ "$(db_dump "$AIMAP_DB")" = "$before" ] || { whole=0; echo "write $n failing: exit $STATUS, database changed" >&2; }
		grep -q "nothing saved\|aimap: " "$ERR" || silent=1
	else
		passed=1
		[ "$(db_dump_untimed "$AIMAP_DB")" = "$after" ] || { whole=0; echo "write $n failing: exit 0, database not the whole save" >&2; }
		break
	fi
done
assert_true "a faulted --save leaves all of the save or none of it (writes 1..$n failing in turn)" test "$whole" = 1
assert_true "the faults fail some saves ($failed)" test "$failed" -gt 0
assert_true "a failed save says why" test "$silent" = 0
assert_true "some fault is late enough to let the save through" test "$passed" = 1
# Start again from the fixture for the checks that follow.
try aimap init --force
assert_status 0
try aimap classify --save --format json "$FIX/inputs.json"
assert_status 0
assert_err_contains "AKASH is in the catalog already (akash): not saved"
assert_err_contains "saved 4 project(s) as unreviewed: gpuhive, zkinfer, proj-de2cd7, tradebot"
try aimap show gpuhive
assert_status 0
assert_out_contains "[unreviewed: labels predicted by the classifier]"
assert_out_contains "Classifier: compute-general"
try aimap show zkinfer --format json
assert_true "saved project keeps its fields" python3 - "$OUT" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["reviewed"] is False and p["category"] == "verification", p
assert p["source"] == "classified", "a saved project never poses as curated"
assert p["github"] == "zkinfer/prover", p["github"]
assert "zkml" in p["stages"], p["stages"]
PY
try aimap list --search tradebot --format json
assert_out_contains '"website":	"https://tradebot.example"'
# Names that slug alike get distinct ids; a second save skips them all.
printf '[{"name": "Foo Bar", "description": "Stores files."}, {"name": "foo-bar!", "description": "Stores more files."}]' >"$T/twins.json"
try aimap classify --save "$T/twins.json"
assert_status 0
assert_err_contains "saved 2 project(s) as unreviewed: foo-bar, foo-bar-2"
try aimap classify --save "$T/twins.json"
assert_status 0
assert_err_contains "Foo Bar is in the catalog already (foo-bar): not saved"
assert_err_contains "saved 0 project(s)"
# A second identical run skips everything and succeeds, also when two
# entries share a name (they were saved as dup and dup-2).
printf '[{"name": "Dup", "description": "Rents GPUs."}, {"name": "Dup", "description": "Stores files."}]' >"$T/dup.json"
try aimap classify --save "$T/dup.json"
assert_status 0
assert_err_contains "saved 2 project(s) as unreviewed: dup, dup-2"
before=$(db_dump "$AIMAP_DB")
try aimap classify --save "$T/dup.json"
assert_status 0
assert_err_contains "saved 0 project(s) as unreviewed (all are in the catalog already)"
unchanged "a second identical --save"
# An input id is kept (checked by the catalog's id rule); an entry whose
# id or name is a catalog project is not saved again.
cat >"$T/ids.json" <<'EOF'
[{"id": "savedx", "name": "Saved X", "description": "Rents GPUs."},
 {"id": "akash", "name": "Akash Again", "description": "Leases compute."},
 {"name": "gpuhive", "description": "Rents GPUs too."}]
EOF
try aimap classify --save "$T/ids.json"
assert_status 0
assert_err_contains "saved 1 project(s) as unreviewed: savedx (the others"
assert_err_contains "Akash Again is in the catalog already (akash): not saved"
assert_err_contains "gpuhive is in the catalog already (gpuhive): not saved"
try aimap show savedx --format json
assert_status 0
assert_out_contains '"name":	"Saved X"'
before=$(db_dump "$AIMAP_DB")
printf '[{"id": "Bad_Id", "name": "Bad Id", "description": "Rents GPUs."}]' >"$T/badid.json"
try aimap classify --save "$T/badid.json"
assert_status 65
assert_err_contains "entry 0 (id \"Bad_Id\"): field \"id\": must be a lowercase slug"
assert_err_contains "nothing saved"
printf '[{"id": "twice", "name": "One", "description": "Rents GPUs."}, {"id": "twice", "name": "Two", "description": "Stores files."}]' >"$T/twice.json"
try aimap classify --save "$T/twice.json"
assert_status 65
assert_err_contains "entry 1 (id \"twice\"): field \"id\": duplicate of entry 0"
unchanged "an id the catalog refuses, or one given twice"
# Names without Latin letters: the token's slug, else a short hash that
# stays the same from run to run; never "project", and the output says.
printf '[{"name": "深度求索", "description": "大模型推理服务", "token": "DSK"}, {"name": "智谱清言", "description": "大模型训练平台"}]' >"$T/zh.json"
try aimap classify --save "$T/zh.json"
assert_status 0
assert_err_contains "深度求索 saved as dsk (from its token"
assert_err_contains "智谱清言 saved as proj-"
assert_true "no id is a bare 'project'" sh -c "! grep -Eq '(: |, )project(-[0-9]+)?(,|$| )' '$ERR'"
zh_id=$(sed -n 's/.*智谱清言 saved as \(proj-[0-9a-f]\{6\}\) .*/\1/p' "$ERR")
try aimap show "$zh_id"
assert_status 0
try aimap classify --save "$T/zh.json"
assert_status 0
assert_err_contains "智谱清言 is in the catalog already ($zh_id): not saved"
# Unreviewed projects are not training data: the model stays as it was.
try aimap classify "$T/one.json"
assert_err_empty

# ---- retraining when the catalog changes ---------------------------------
cat >"$T/new.json" <<'EOF'
[{"id": "newstore", "name": "NewStore", "layer": "infra", "category": "storage",
  "stages": ["data-collection"], "description": "Keeps files on many disks."}]
EOF
try aimap import "$T/new.json"
assert_status 0
try aimap classify "$T/one.json"
assert_status 0
assert_err_contains "trained the classifier on 71 reviewed project(s) (the catalog has changed since)"

# ---- a read-only database: classify works, its model kept in memory -------
# The catalog changes, so classify must retrain; the file is read-only to
# the user who runs it (root is not held back by a mode: it runs as
# nobody then), so the model cannot be stored.
cp "$FIX/inputs.json" "$T/inputs.json"; chmod a+r "$T/inputs.json"
mkdir "$T/ro"
db_copy "$AIMAP_DB" "$T/ro/ro.db"
sed 's/newstore/rostore/; s/NewStore/RoStore/' "$T/new.json" >"$T/ro.json"
AIMAP_DB=$T/ro/ro.db "$AIMAP_BIN" import "$T/ro.json" >/dev/null 2>&1
chmod 0444 "$T/ro/ro.db"
chmod 0777 "$T/ro"
chmod o+x "$T"
ro_before=$(db_dump "$T/ro/ro.db")
E2E_NAME="classify on a read-only database"
AIMAP_DB=$T/ro/ro.db as_nobody "$AIMAP_BIN" classify --format csv \
	"$T/inputs.json" >"$OUT" 2>"$ERR"
STATUS=$?
assert_status 0
assert_out_lines 6
assert_err_contains "trained the classifier on 72 reviewed project(s)"
assert_true "no word about storing the model" sh -c "! grep -q 'cannot store' '$ERR'"
assert_true "a read-only database is left as it was" \
	test "$ro_before" = "$(db_dump "$T/ro/ro.db")"
E2E_NAME="classify --save on a read-only database"
printf '[{"name": "Fresh One", "description": "Rents GPUs."}]' >"$T/fresh.json"
AIMAP_DB=$T/ro/ro.db as_nobody "$AIMAP_BIN" classify --save \
	"$T/fresh.json" >"$OUT" 2>"$ERR"
STATUS=$?
assert_true "--save on a read-only database fails, saying nothing was saved" \
	sh -c "[ $STATUS -ne 0 ] && grep -q 'nothing saved' '$ERR'"
assert_true "and leaves it as it was" \
	test "$ro_before" = "$(db_dump "$T/ro/ro.db")"

# ---- train ------------------------------------------------------------------
try aimap train
assert_status 0
assert_out_contains "trained on 71 reviewed projects"
assert_out_contains "out-of-fold category accuracy"
try aimap train --model nn --format json
assert_status 0
assert_true "train --format json reports the pinned learner" python3 - "$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["model"] == "nn" and d["pinned"] is True, d
assert d["projects"] == 71 and d["features"] > 0 and d["model_bytes"] <= 2 << 20
assert set(d["out_of_fold"]) == {"nb", "nn", "ensemble"}
PY
try aimap train --model auto --format json
assert_out_contains '"pinned":	false'

# ---- eval ---------------------------------------------------------------------
try aimap eval --folds 5
assert_status 0
assert_out_contains "5-fold cross-validation"
assert_out_contains "layer/category consistency 100.0%"
assert_out_contains "Confusion (rows: curated, columns: predicted"
assert_out_contains "Calibration: category score vs. how often it was right"
try aimap eval --folds 500
assert_status 64
assert_err_contains "cannot make 500 folds of 71 reviewed project(s)"
try aimap eval --folds 5 --repeat 2 --format json --predictions --model nb
assert_status 0
assert_true "eval JSON: grouped folds and every held-out prediction" python3 - "$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["folds"] == 5 and d["repeats"] == 2 and d["model"] == "nb"
assert 0 <= d["category"]["accuracy"] <= 1 and d["consistency"] == 1
assert len(d["fold_of"]) == 71 and all(len(v) == 2 for v in d["fold_of"].values())
preds = d["predictions"]
assert len(preds) == d["documents"] == 2 * (2 * 70 + 1)
for p in preds:
    # both descriptions of a project are held out in the same fold
    assert p["fold"] == d["fold_of"][p["project"]][p["repeat"]], p
rows = d["confusion"]["rows"]
assert sum(map(sum, rows)) == len(preds)
assert len(d["confusion"]["labels"]) == 14
PY
try aimap eval --folds 5 --format json
assert_true "eval is deterministic" python3 -c "import json; json.load(open('$OUT'))"
cp "$OUT" "$T/eval1.json"
try aimap eval --folds 5 --format json
assert_true "the same catalog gives the same evaluation" \
	python3 -c "import json; a=json.load(open('$T/eval1.json')); b=json.load(open('$OUT')); a.pop('train_ms'); b.pop('train_ms'); assert a == b"

finish
