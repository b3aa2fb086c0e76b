#!/usr/bin/env bash
# store_lock.sh: the one-fetch-at-a-time lock (issue 13: items 9, 10): it
# cannot be got round through a symlink or a hard link to the database,
# and a fetch once run as root leaves nothing in the owner's way.
. "$(dirname "$0")/../lib/e2e.sh"
. "$TOP/tests/fixtures/http/setup.sh"

assert_err_lacks() {
	grep -qF -- "$1" "$ERR" && _bad "stderr has '$1'" || _ok
}

fixture_start
echo "l-hang acme/hang - - -" | fixture_catalog

# hold: a fetch that waits on a server that never answers, through the
# path $1; sets $holder once it holds the lock.
hold() {
	"$AIMAP_BIN" --db "$1" fetch --source github --project l-hang \
		--timeout 60 --retries 0 >"$T/hang.out" 2>&1 &
	holder=$!
	for _ in $(seq 600); do
		grep -qs "^$holder\$" "$AIMAP_DB-fetch.lock" && return
		sleep 0.05
	done
}
release() { kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; }

# Item 10: a second fetch through a symlink, or a hard link, to the
# database is refused while the first one holds the lock.
ln -s "$AIMAP_DB" "$T/link.db"
ln "$AIMAP_DB" "$T/hard.db"
hold "$AIMAP_DB"
try aimap --db "$T/link.db" fetch --source github --project l-hang --retries 0
assert_status 75
assert_err_contains "another aimap fetch (pid $holder)"
try aimap --db "$T/hard.db" fetch --source github --project l-hang --retries 0
assert_status 75
assert_err_contains "another aimap fetch"
release
rm -f "$T/hard.db"

# Item 9: after a fetch as root, the owner's fetch still runs.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 0755 "$T"
	chown -R 65534:65534 "$T/data"
	for f in "$AIMAP_DB" "$AIMAP_DB"-*; do
		[ -e "$f" ] && chown 65534:65534 "$f"
	done
	chown 65534:65534 "$T"
	rm -f "$AIMAP_DB-fetch.lock"
	aimap fetch --source github --project l-hang --timeout 1 --retries 0 \
		>/dev/null 2>&1
	# The old lock file: made by root, mode 0644.
	export AIMAP_GITHUB_API
	try as_nobody "$AIMAP_BIN" \
		fetch --source github --project l-hang --timeout 1 --retries 0
	assert_true "the owner's fetch ran" test "$STATUS" -ne 126 -a "$STATUS" -ne 127
	assert_err_lacks "cannot create the fetch lock"
	assert_err_lacks "cannot lock"
	assert_eq "the pid file belongs to the database's owner" \
		"$(stat -c %u "$AIMAP_DB-fetch.lock")" 65534
fi

finish
