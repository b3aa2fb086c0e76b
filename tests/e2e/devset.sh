#!/usr/bin/env bash
# devset.sh: the classifier on the world's texts, end to end: `aimap eval
# --dev` (table, JSON, cross-fitting, projects that moved into the
# catalog, bad files), the shipped dev set calibrating `train`, the
# "uncertain" flag in every output, --explain's runner-up, and the data
# directory's texts.json and devset.json checked on `init`.
. "$(dirname "$0")/../lib/e2e.sh"

DEV=$TOP/data/devset.json

# ---- eval --dev -----------------------------------------------------------
try aimap eval --dev "$DEV"
assert_status 0
assert_out_contains "Dev set $DEV:"
assert_out_contains "calibration: cross-fitted, 5 folds"
assert_out_contains "  category   accuracy"
assert_out_contains "  uncertain:"
try aimap eval --dev "$DEV" --format json --predictions
assert_status 0
assert_true "eval --dev JSON" python3 - "$OUT" "$DEV" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
n = len(json.load(open(sys.argv[2])))
assert e["texts"] == n and e["in_catalog"] == 0, e
assert e["calibration_folds"] == 5, e
for k in ("accuracy", "macro_f1", "accuracy_en", "accuracy_zh", "log_loss", "ece"):
    assert 0 <= e["category"][k] <= 10, (k, e["category"])
assert 0 <= e["stages"]["micro_f1"] <= 1
assert len(e["predictions"]) == n
p = e["predictions"][0]
assert set(p) == {"name", "true_category", "category", "score", "uncertain", "stages"}, p
assert isinstance(p["uncertain"], bool)
PY

# A file the shipped dev set does not hold: one pass, calibrated on all.
cat >"$T/other.json" <<'JSON'
[{"name": "Gridless Oracle", "text": "Price feeds and off-chain data for smart contracts, delivered by a decentralized oracle network.", "category": "oracle", "stages": ["data-collection"]},
 {"name": "Bittensor", "text": "A network of subnets where miners compete to train models.", "category": "model-network"}]
JSON
try aimap eval --dev "$T/other.json"
assert_status 0
assert_out_contains "1 texts (1 left out: their projects are in the catalog now)"
assert_out_contains "calibration: the shipped dev set"

# Bad files: the entry and the field, exit 65; no file, exit 66.
printf '[{"name": "A", "text": "x", "category": "nope"}]' >"$T/bad.json"
try aimap eval --dev "$T/bad.json"
assert_status 65
assert_err_contains "bad.json: entry 1 (A): \"category\": no category 'nope' in the taxonomy"
printf '[{"name": "A",\n "text": }]' >"$T/broken.json"
try aimap eval --dev "$T/broken.json"
assert_status 65
assert_err_contains "broken.json:2:"
try aimap eval --dev "$T/none.json"
assert_status 66
printf '[{"name": "Bittensor", "text": "x", "category": "oracle"}]' >"$T/known.json"
try aimap eval --dev "$T/known.json"
assert_status 65
assert_err_contains "no text left to score"

# ---- the shipped dev set calibrates the model ----------------------------
try aimap train
assert_status 0
assert_out_contains "calibrated   on "
try aimap train --format json
assert_status 0
assert_true "train JSON: calibration" python3 - "$OUT" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
c = o["calibration"]
assert c["dev_texts"] >= 100, c
d = c[o["model"]]
assert d["evidence_constant"] >= 2 and 0.25 <= d["uncertain_below"] <= 0.6, d
PY

# ---- uncertain, in every output -------------------------------------------
cat >"$T/in.json" <<'JSON'
[{"name": "Short", "description": "GPU network for AI inference"},
 {"name": "Vague", "description": "A community platform with rewards for its users."}]
JSON
try aimap classify --format json "$T/in.json"
assert_status 0
assert_true "classify JSON: uncertain, and a few words never near-certain" python3 - "$OUT" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
assert all(isinstance(p["uncertain"], bool) for p in a), a
assert a[0]["category"]["score"] < 0.9, a[0]
PY
try aimap classify "$T/in.json"
assert_status 0
assert_true "a vague text is marked ? in the table" grep -q "?[0-9]*%" "$OUT"
try aimap classify --explain --format json "$T/in.json"
assert_status 0
assert_true "explain names the runner-up" python3 - "$OUT" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
r = a[0]["explain"]["runner_up"]
assert r["id"] == a[0]["alternatives"][0]["id"] and r["tokens"], r
PY
try aimap classify --explain "$T/in.json"
assert_out_contains "  or else   "

# ---- the data directory's texts and dev set --------------------------------
mkdir -p "$T/data"
cp "$TOP/data/taxonomy.json" "$TOP/data/catalog.json" "$T/data/"
printf '[{"id": "no-such-project", "lang": "en", "text": "x"}]' >"$T/data/texts.json"
try env AIMAP_DB="$T/t.db" AIMAP_DATA="$T/data" "$AIMAP_BIN" init
assert_status 65
assert_err_contains "texts.json: entry 1: \"id\": 'no-such-project' is not a project of the catalog"
printf '[{"id": "bittensor", "lang": "fr", "text": "x"}]' >"$T/data/texts.json"
try env AIMAP_DB="$T/t.db" AIMAP_DATA="$T/data" "$AIMAP_BIN" init
assert_status 65
assert_err_contains "entry 1 (bittensor): \"lang\": \"en\" or \"zh\""
printf '[{"id": "bittensor", "lang": "en", "style": "tweet", "text": "Subnets, miners, TAO."}]' >"$T/data/texts.json"
printf '[{"name": "x",\n  "text" }]' >"$T/data/devset.json"
try env AIMAP_DB="$T/t.db" AIMAP_DATA="$T/data" "$AIMAP_BIN" init
assert_status 65
assert_err_contains "devset.json:2:"
rm "$T/data/devset.json"
try env AIMAP_DB="$T/t.db" AIMAP_DATA="$T/data" "$AIMAP_BIN" init
assert_status 0
assert_eq "the data's text is stored" "$(sqlite3 "$T/t.db" "SELECT text FROM project_texts WHERE project = 'bittensor' AND source = 'data'")" "Subnets, miners, TAO."
try env AIMAP_DB="$T/t.db" AIMAP_DATA="$T/data" "$AIMAP_BIN" train
assert_status 0
assert_out_contains "calibrated   out-of-fold (no dev set)"
finish
