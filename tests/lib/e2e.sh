# e2e.sh: helpers for end-to-end tests of the built binary.
#
# Source it from a test script. Each script gets a temporary directory
# ($T) with its own database ($AIMAP_DB), removed on exit. `try` runs a
# command and records its exit code, stdout and stderr; the assert_*
# helpers check them and count. The script ends with `finish`, which prints
# "N passed, N failed" for tests/run to add up.
#
#	try aimap list --layer nope
#	assert_status 64
#	assert_err_contains "unknown layer"

set -u
: "${AIMAP_BIN:?AIMAP_BIN must point at the aimap binary}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/aimap-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
export AIMAP_DB="$T/aimap.db"
export AIMAP_DATA="$TOP/data"
export NO_COLOR=1
export LC_ALL=C.UTF-8
unset GITHUB_TOKEN COINGECKO_API_KEY 2>/dev/null || true

E2E_PASS=0
E2E_FAIL=0
E2E_NAME=""
STATUS=0
OUT="$T/.out"
ERR="$T/.err"

aimap() { "$AIMAP_BIN" "$@"; }

# try CMD...: runs CMD with stdin from /dev/null unless redirected by the
# caller (use `try_in FILE CMD...` to feed stdin).
try() {
	E2E_NAME="$*"
	"$@" >"$OUT" 2>"$ERR" </dev/null
	STATUS=$?
}
try_in() {
	local input=$1; shift
	E2E_NAME="$*"
	"$@" >"$OUT" 2>"$ERR" <"$input"
	STATUS=$?
}

_ok() { E2E_PASS=$((E2E_PASS + 1)); }
_bad() {
	E2E_FAIL=$((E2E_FAIL + 1))
	echo "FAIL [$(basename "$0")] $E2E_NAME: $*" >&2
	echo "  --- stdout:" >&2; head -c 2000 "$OUT" | sed 's/^/  /' >&2
	echo "  --- stderr:" >&2; head -c 2000 "$ERR" | sed 's/^/  /' >&2
}

assert_status() {
	[ "$STATUS" -eq "$1" ] && _ok || _bad "exit $STATUS, expected $1"
}
assert_out_contains() {
	grep -qF -- "$1" "$OUT" && _ok || _bad "stdout lacks '$1'"
}
assert_out_lacks() {
	grep -qF -- "$1" "$OUT" && _bad "stdout has '$1'" || _ok
}
assert_err_contains() {
	grep -qF -- "$1" "$ERR" && _ok || _bad "stderr lacks '$1'"
}
assert_err_empty() {
	[ ! -s "$ERR" ] && _ok || _bad "stderr not empty"
}
assert_out_lines() {
	local n; n=$(wc -l <"$OUT")
	[ "$n" -eq "$1" ] && _ok || _bad "stdout has $n lines, expected $1"
}
# assert_eq WHAT GOT WANT
assert_eq() {
	E2E_NAME=$1
	[ "$2" = "$3" ] && _ok || _bad "got '$2', expected '$3'"
}
# assert_true DESCRIPTION CMD...: passes when CMD succeeds.
assert_true() {
	local what=$1; shift
	E2E_NAME=$what
	if "$@"; then _ok; else _bad "$what"; fi
}

# A dump of every table's content, for "nothing changed" checks (file
# bytes can differ without any change of content under WAL).
db_dump() {
	python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (name,) in db.execute("SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name"):
    for row in db.execute(f'SELECT * FROM "{name}" ORDER BY 1, 2'):
        print(name, repr(row))
PY
}

finish() {
	echo "$E2E_PASS passed, $E2E_FAIL failed"
	[ "$E2E_FAIL" -eq 0 ]
}

# as_nobody CMD ARGS...: runs CMD as the unprivileged user nobody when the
# tests run as root (root is not held back by file modes), else as is.
# "$AIMAP_BIN" as CMD becomes a copy of the binary, with the data, that
# nobody can reach: the checkout may sit in a home nobody cannot enter,
# and under valgrind the copy runs without it (nobody cannot write its
# logs; the same commands run under valgrind as root elsewhere).
as_nobody() {
	if [ "$(id -u)" != 0 ]; then
		"$@"
		return
	fi
	local d=$T/.nobody
	if [ ! -x "$d/aimap" ]; then
		mkdir -p "$d/data"
		cp "${AIMAP_REAL_BIN:-$AIMAP_BIN}" "$d/aimap"
		cp "$AIMAP_DATA"/*.json "$d/data/"
		chmod -R a+rX "$d"
		chmod o+x "$T"
	fi
	if [ "$1" = "$AIMAP_BIN" ]; then
		shift
		set -- "$d/aimap" "$@"
	fi
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env AIMAP_DATA="$d/data" "$@"
}
