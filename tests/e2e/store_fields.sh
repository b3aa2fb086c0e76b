#!/usr/bin/env bash
# store_fields.sh: taglines and a project's status (issue 14): import,
# show, list (marked, and --status), JSON and CSV, and the migration of a
# database made by the previous schema.
. "$(dirname "$0")/../lib/e2e.sh"

cat >"$T/new.json" <<'JSON'
[{"id": "gone-ai", "name": "Gone AI", "layer": "infra",
  "category": "storage", "stages": ["data-collection"],
  "description": "A storage project that has shut down.",
  "tagline": "Storage for agents, until it closed",
  "tagline_zh": "为智能体提供的存储",
  "status": "sunset", "status_note": "shut down, 2026-01"},
 {"id": "live-ai", "name": "Live AI", "layer": "infra",
  "category": "storage", "stages": ["data-collection"],
  "description": "A storage project that runs."}]
JSON
try aimap import "$T/new.json"
assert_status 0
try aimap show gone-ai
assert_status 0
assert_out_contains "Storage for agents, until it closed"
assert_out_contains "为智能体提供的存储"
assert_out_contains "sunset: shut down, 2026-01"
try aimap show live-ai
assert_out_contains "status       active"
try aimap show gone-ai --format json
assert_true "json has the new keys" python3 -c "
import json; d = json.load(open('$OUT'))
assert d['tagline'] == 'Storage for agents, until it closed', d
assert d['tagline_zh'] == '为智能体提供的存储'
assert d['status'] == 'sunset' and d['status_note'] == 'shut down, 2026-01'"
# What show --format json prints imports again unchanged.
cp "$OUT" "$T/shown.json"
try aimap import "$T/shown.json"
assert_status 0
assert_out_contains "1 unchanged"

try aimap list --search "ai" --layer infra
assert_out_contains "Gone AI [sunset]"
assert_out_lacks "Live AI ["
try aimap list --status SUNSET --format json
assert_true "list --status keeps only those" python3 -c "
import json; d = json.load(open('$OUT'))
assert 'gone-ai' in [p['id'] for p in d], d
assert d and all(p['status'] == 'sunset' for p in d), d"
try aimap list --status retired
assert_status 64
assert_err_contains "unknown status 'retired'"
try aimap export csv --search gone-ai
assert_true "csv has the new columns" python3 -c "
import csv, sys
rows = list(csv.DictReader(open('$OUT', encoding='utf-8')))
assert len(rows) == 1, rows
r = rows[0]
assert r['tagline'] == 'Storage for agents, until it closed'
assert r['status'] == 'sunset' and r['status_note'] == 'shut down, 2026-01'"

# Anything else is refused, naming the entry and the field.
cat >"$T/bad.json" <<'JSON'
[{"id": "odd-ai", "name": "Odd AI", "layer": "infra",
  "category": "storage", "stages": ["data-collection"],
  "description": "d", "status": "Closed"}]
JSON
try aimap import "$T/bad.json"
assert_status 65
assert_err_contains 'entry 0 (id "odd-ai"): field "status": unknown status "Closed"'

# A database of the previous schema (version 1): `init` brings it up to
# date and keeps the user's projects and their history.
db="$T/v1.db"
aimap --db "$db" init >/dev/null 2>&1
aimap --db "$db" import "$T/bad.json" >/dev/null 2>&1   # refused: no change
sed 's/"status": "Closed"/"source": "curated"/' "$T/bad.json" >"$T/mine.json"
aimap --db "$db" import "$T/mine.json" >/dev/null 2>&1
sqlite3 "$db" "INSERT INTO metrics(project, source, metric, value, observed_at) VALUES('odd-ai', 'github', 'github.stars', 7, 100);
INSERT INTO metrics_latest(project, metric, source, value, observed_at) VALUES('odd-ai', 'github.stars', 'github', 7, 100);
CREATE TABLE project_stages(project TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, stage TEXT NOT NULL REFERENCES stages(id), PRIMARY KEY(project, stage)) WITHOUT ROWID;
WITH RECURSIVE s(project, rest, stage) AS (SELECT id, stages || ';', NULL FROM projects UNION ALL SELECT project, substr(rest, instr(rest, ';') + 1), substr(rest, 1, instr(rest, ';') - 1) FROM s WHERE rest <> '') INSERT INTO project_stages SELECT project, stage FROM s WHERE stage IS NOT NULL AND stage <> '';
CREATE TABLE project_chains(project TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, pos INTEGER NOT NULL, chain TEXT NOT NULL, PRIMARY KEY(project, pos)) WITHOUT ROWID;
WITH RECURSIVE c(project, rest, chain, pos) AS (SELECT id, chains || char(10), NULL, -1 FROM projects UNION ALL SELECT project, substr(rest, instr(rest, char(10)) + 1), substr(rest, 1, instr(rest, char(10)) - 1), pos + 1 FROM c WHERE rest <> '') INSERT INTO project_chains SELECT project, pos, chain FROM c WHERE chain IS NOT NULL AND chain <> '';
DROP TRIGGER stages_in_use; DROP TABLE candidate_history; DROP TABLE candidates; DROP TABLE user_curation;
DROP TABLE project_texts;
ALTER TABLE layers DROP COLUMN terms; ALTER TABLE layers DROP COLUMN terms_zh;
ALTER TABLE categories DROP COLUMN terms; ALTER TABLE categories DROP COLUMN terms_zh;
ALTER TABLE stages DROP COLUMN terms; ALTER TABLE stages DROP COLUMN terms_zh;
ALTER TABLE projects DROP COLUMN tagline; ALTER TABLE projects DROP COLUMN tagline_zh;
ALTER TABLE projects DROP COLUMN status; ALTER TABLE projects DROP COLUMN status_note;
ALTER TABLE projects DROP COLUMN stages; ALTER TABLE projects DROP COLUMN chains;
PRAGMA user_version = 1;"
stages_before=$(sqlite3 "$db" "SELECT count(*) FROM project_stages")
chains_before=$(sqlite3 "$db" "SELECT group_concat(chain, ',') FROM (SELECT chain FROM project_chains WHERE project = 'akash' ORDER BY pos)")
try aimap --db "$db" init
assert_status 0
assert_eq "migrated to the current schema" "$(sqlite3 "$db" 'PRAGMA user_version')" 4
assert_eq "the user's project kept" \
	"$(sqlite3 "$db" "SELECT origin || ' ' || status FROM projects WHERE id = 'odd-ai'")" "1 active"
assert_eq "the stages moved into the projects" \
	"$(sqlite3 "$db" "SELECT sum(length(stages) - length(replace(stages, ';', '')) + 1) FROM projects")" \
	"$stages_before"
assert_eq "the chains moved into the projects" \
	"$(aimap --db "$db" show akash --format json | python3 -c 'import json, sys; print(",".join(json.load(sys.stdin)["chains"]))')" \
	"$chains_before"
assert_eq "its history kept" \
	"$(sqlite3 "$db" "SELECT count(*) FROM metrics WHERE project = 'odd-ai'")" 1
try aimap --db "$db" show odd-ai
assert_status 0
assert_out_contains "GitHub stars"

finish
