#!/usr/bin/env bash
# output.sh: where -o writes. A regular file or a new path is replaced
# whole (keeping the old file's mode, owner and links); a device, a FIFO
# or /dev/fd/N is written directly and stays what it was; write errors
# are named; an interrupted export leaves no temporary file behind.
. "$(dirname "$0")/../lib/e2e.sh"

aimap init >/dev/null 2>&1
cd "$T" || exit 1
rows=$(aimap list --format csv | wc -l)

# Devices stay devices (as root, a rename would turn them into files).
for cmd in "export csv" "report" "map"; do
	try aimap $cmd -o /dev/null
	assert_status 0
done
assert_true "/dev/null is still a character device" test -c /dev/null

try aimap export csv -o /dev/full
assert_status 74
assert_err_contains "/dev/full: write error: No space left on device"
try aimap report -o /dev/full
assert_status 74
assert_err_contains "No space left on device"

# /dev/stdout and a process substitution are written through.
E2E_NAME="export csv -o /dev/stdout into a pipe"
n=$(aimap export csv -o /dev/stdout 2>/dev/null | wc -l)
assert_eq "export csv -o /dev/stdout into a pipe" "$n" "$rows"
aimap export csv -o >(wc -l >"$T/procsub.n") 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/procsub.n" ] && break; sleep 0.2; done
assert_eq "export csv -o >(wc -l)" "$(cat "$T/procsub.n" 2>/dev/null)" "$rows"
try aimap export csv -o -
assert_status 0
assert_out_contains "id,name,layer"

# A FIFO is written to its reader, not replaced.
mkfifo "$T/fifo"
(wc -l <"$T/fifo" >"$T/fifo.n") &
reader=$!
timeout 20 "$AIMAP_BIN" export csv -o "$T/fifo" 2>/dev/null
wait "$reader"
assert_eq "export csv -o FIFO reaches the reader" "$(cat "$T/fifo.n")" "$rows"
assert_true "the FIFO is still a FIFO" test -p "$T/fifo"

# A file's mode and owner are kept; links keep pointing at it.
echo old >"$T/mine.csv"
chmod 600 "$T/mine.csv"
if [ "$(id -u)" = 0 ]; then chown nobody "$T/mine.csv"; fi
before=$(stat -c '%a %U' "$T/mine.csv")
try aimap export csv --force -o "$T/mine.csv"
assert_status 0
assert_eq "mode and owner kept" "$(stat -c '%a %U' "$T/mine.csv")" "$before"

echo old >"$T/linked.csv"
ln "$T/linked.csv" "$T/hard.csv"
ln -s "$T/linked.csv" "$T/sym.csv"
try aimap export csv --force -o "$T/sym.csv"
assert_status 0
assert_true "the symlink is still a symlink" test -L "$T/sym.csv"
assert_eq "the symlink's target holds the export" \
	"$(wc -l <"$T/linked.csv")" "$rows"
assert_eq "the hard link shares the new contents" \
	"$(stat -c %i "$T/hard.csv")" "$(stat -c %i "$T/linked.csv")"
assert_eq "the hard link holds the export" "$(wc -l <"$T/hard.csv")" "$rows"

# A new file gets the umask's mode.
(umask 027; "$AIMAP_BIN" export csv -o "$T/new.csv" 2>/dev/null)
assert_eq "a new file follows the umask" "$(stat -c %a "$T/new.csv")" "640"

# Refused outputs leave the target alone and say why.
mkdir "$T/dir"
try aimap export csv -o "$T/dir"
assert_status 73
assert_err_contains "is a directory"
try aimap export csv -o "$T/missing/x.csv"
assert_status 73
assert_err_contains "$T/missing/x.csv"

finish
