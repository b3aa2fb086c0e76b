#!/usr/bin/env bash
# store_open.sh: opening and creating a database (issue 13: items 1, 3,
# 12, 14): many processes on a missing database, other applications'
# files, databases that cannot be written, paths that do not exist.
. "$(dirname "$0")/../lib/e2e.sh"

cat >"$T/one.json" <<'JSON'
{"id": "race-one", "name": "Race One", "layer": "infra",
 "category": "storage", "stages": ["data-collection"],
 "description": "Written while others open the same new database."}
JSON

# Item 1: six readers and one import start together on a missing
# database; the import's project is there every round, and no process
# fails for having come second.
lost=0 failed=0
for round in $(seq 10); do
	db="$T/race$round.db"
	pids=()
	for k in 1 2 3 4 5 6; do
		aimap --db "$db" stats >/dev/null 2>"$T/r$round.$k.err" &
		pids+=($!)
	done
	aimap --db "$db" import "$T/one.json" >"$T/imp$round.out" 2>&1
	irc=$?
	for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
	if [ $irc -ne 0 ]; then
		failed=$((failed + 1))
	elif [ "$(sqlite3 "$db" "SELECT count(*) FROM projects WHERE id = 'race-one'")" != 1 ]; then
		lost=$((lost + 1))
	fi
done
assert_eq "concurrent first use: imports lost" "$lost" 0
assert_eq "concurrent first use: processes failed" "$failed" 0

# Twelve readers at once leave a whole catalog, not an empty one.
db="$T/many.db"; pids=()
for k in $(seq 12); do aimap --db "$db" stats >/dev/null 2>&1 & pids+=($!); done
bad=0; for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
assert_eq "12 readers on a new database: failures" "$bad" 0
assert_eq "12 readers on a new database: projects" \
	"$(sqlite3 "$db" 'SELECT count(*) > 100 FROM projects')" 1

# A failed open never removes a file that was there: an empty file it
# cannot write, and an unrelated journal beside it.
mkdir "$T/ro"
: >"$T/ro/keep.db"; echo journal >"$T/ro/keep.db-journal"
chmod 0444 "$T/ro/keep.db"
chmod 0777 "$T/ro"; chmod 0755 "$T"; chmod 0644 "$T/one.json"
try as_nobody "$AIMAP_BIN" --db "$T/ro/keep.db" stats
assert_true "read-only empty keep.db is kept" test -e "$T/ro/keep.db"
assert_true "unrelated keep.db-journal is kept" test -e "$T/ro/keep.db-journal"

# Item 3: another application's database is refused and left as it is:
# not switched to WAL, even when it holds no table.
sqlite3 "$T/other.db" 'PRAGMA application_id = 1234; CREATE TABLE t(x); INSERT INTO t VALUES(1);'
try aimap --db "$T/other.db" stats
assert_status 65
assert_err_contains "not an aimap database"
assert_eq "other application's file keeps its journal mode" \
	"$(sqlite3 "$T/other.db" 'PRAGMA journal_mode')" delete
sqlite3 "$T/empty-other.db" 'PRAGMA application_id = 1234; PRAGMA user_version = 1;'
try aimap --db "$T/empty-other.db" stats
assert_status 65
assert_eq "empty file of another application: not taken over" \
	"$(sqlite3 "$T/empty-other.db" 'SELECT count(*) FROM sqlite_schema')" 0
assert_eq "empty file of another application: journal mode kept" \
	"$(sqlite3 "$T/empty-other.db" 'PRAGMA journal_mode')" delete

# Item 12: a catalog in a directory that cannot be written still reads,
# and a write names the real cause.
mkdir "$T/rodir"
aimap --db "$T/rodir/c.db" init >/dev/null 2>&1
chmod 0755 "$T/rodir"; chmod 0644 "$T/rodir/c.db"
[ "$(id -u)" = 0 ] && chown -R 0:0 "$T/rodir"
chmod 0555 "$T/rodir"
try as_nobody "$AIMAP_BIN" --db "$T/rodir/c.db" list --layer infra
assert_status 0
assert_out_contains "filecoin"
try as_nobody "$AIMAP_BIN" --db "$T/rodir/c.db" import "$T/one.json"
assert_status 73
assert_err_contains "directory is not writable"
chmod 0755 "$T/rodir"
# A database file that cannot be written, in a writable directory.
chmod 0444 "$T/rodir/c.db"; chmod 0777 "$T/rodir"
try as_nobody "$AIMAP_BIN" --db "$T/rodir/c.db" show filecoin
assert_status 0
try as_nobody "$AIMAP_BIN" --db "$T/rodir/c.db" import "$T/one.json"
assert_status 73
assert_err_contains "file is not writable"
chmod 0755 "$T/rodir"

# Item 14: a --db in a directory that does not exist is an error, not a
# new tree and an empty catalog; a new database on a named path is said.
try aimap --db "$T/no/such/dir/x.db" stats
assert_status 66
assert_err_contains "no such directory"
assert_true "no directory tree made" test ! -e "$T/no"
try aimap --db "$T/named.db" stats
assert_status 0
assert_err_contains "created $T/named.db"

finish
