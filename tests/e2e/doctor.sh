#!/usr/bin/env bash
# doctor.sh: aimap doctor on a healthy database and on damaged ones.
. "$(dirname "$0")/../lib/e2e.sh"

try aimap doctor
assert_status 0
assert_out_contains "integrity: the database file is sound"
assert_out_contains "0 problem(s)"
try aimap doctor --help
assert_status 0
try aimap doctor extra
assert_status 64

# A project that lost its stages, and a dangling reference (written with
# foreign keys off, as a buggy tool might).
python3 - "$AIMAP_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE projects SET stages = '' WHERE id = 'zama'")
db.execute("INSERT INTO predictions(project, category, score, json, created_at) VALUES('ghost', 'storage', 0.5, '{}', 0)")
db.commit()
PY
try aimap doctor
assert_status 65
assert_out_contains "zama (Zama) has no pipeline stage"
assert_out_contains "predictions points at a missing projects"
assert_out_contains "PROBLEM"

# A stale model is a warning, not a problem.
python3 - "$AIMAP_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM predictions WHERE project='ghost'")
db.execute("UPDATE projects SET stages = 'fhe-ml' WHERE id = 'zama'")
db.execute("INSERT INTO models(name, state_hash, created_at, blob) VALUES('m','0',0,x'00')")
db.commit()
PY
try aimap doctor
assert_status 0
assert_out_contains "model m: the catalog changed since it was trained"
assert_out_contains "0 problem(s), 1 warning(s)"
# A model the classifier just trained is current, and says so.
printf '[{"name": "x", "description": "GPU network for AI inference"}]' >"$T/one.json"
aimap classify "$T/one.json" >/dev/null 2>&1
try aimap doctor
assert_out_contains "model classify: trained on the current catalog"

# A damaged file: integrity_check says so (or the open fails), never a crash.
cp "$AIMAP_DB" "$T/bad.db"
rm -f "$AIMAP_DB-wal" "$AIMAP_DB-shm"
python3 - "$T/bad.db" <<'PY'
import sys
p = sys.argv[1]
data = bytearray(open(p, 'rb').read())
for off in range(4096 * 3, min(len(data), 4096 * 12), 7):
    data[off] ^= 0x5a
open(p, 'wb').write(data)
PY
try aimap --db "$T/bad.db" doctor
assert_true "damaged database is reported, not crashed on" \
	test "$STATUS" -eq 65 -o "$STATUS" -eq 74
finish
