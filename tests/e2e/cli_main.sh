#!/usr/bin/env bash
# cli_main.sh: the global options: an empty database path is a usage
# error, never a quiet fall-back to the default database.
. "$(dirname "$0")/../lib/e2e.sh"

export HOME="$T/home"
mkdir -p "$HOME"
try aimap --db "" stats
assert_status 64
assert_err_contains "--db needs a path"
try aimap --db= list
assert_status 64
try env AIMAP_DB= "$AIMAP_BIN" stats
assert_status 64
assert_err_contains "AIMAP_DB is set but empty"
assert_true "no default database was created" test ! -e "$HOME/.local/share/aimap/aimap.db"

finish
