#!/usr/bin/env bash
# cli_help.sh: help like git's and sqlite3's (issue 16): examples in every
# command's help, `aimap help CMD`, the taxonomy's ids in list --help, the
# man page (linted) and bash completion, both installed by make install.
. "$(dirname "$0")/../lib/e2e.sh"

cmds=$(aimap _complete commands | grep -v '^help$')
assert_true "the commands are listed" test "$(echo "$cmds" | wc -l)" -ge 14
missing=""
differ=""
for c in $cmds; do
	aimap "$c" --help >"$T/h1" 2>&1 || missing="$missing $c(status)"
	grep -q '^Examples:' "$T/h1" || missing="$missing $c"
	aimap help "$c" >"$T/h2" 2>&1
	cmp -s "$T/h1" "$T/h2" || differ="$differ $c"
done
assert_eq "every COMMAND --help has examples" "$missing" ""
assert_eq "aimap help CMD is CMD --help" "$differ" ""
assert_true "help never creates a database" test ! -e "$AIMAP_DB"

try aimap list --help
assert_status 0
assert_true "list --help lists every layer, category and stage id" python3 -c "
import json
t = json.load(open('$TOP/data/taxonomy.json'))
out = open('$OUT').read()
ids = [x['id'] for k in ('layers', 'categories', 'stages') for x in t[k]]
missing = [i for i in ids if '  ' + i + ' ' not in out]
assert not missing, missing"
try aimap help
assert_status 0
assert_out_contains "usage: aimap"
try aimap help lsit
assert_status 64
assert_err_contains "did you mean 'list'?"

# ---- the man page
E2E_NAME="mandoc -Tlint doc/aimap.1"
if command -v mandoc >/dev/null; then
	mandoc -Tlint "$TOP/doc/aimap.1" >"$T/lint" 2>&1 && _ok || _bad "$(cat "$T/lint")"
else
	man --warnings -l "$TOP/doc/aimap.1" 2>"$T/lint" >/dev/null
	[ ! -s "$T/lint" ] && _ok || _bad "$(cat "$T/lint")"
fi
missing=""
for c in $cmds; do
	grep -q "^\.It Cm .*\b$c\b" "$TOP/doc/aimap.1" || missing="$missing $c"
done
assert_eq "the man page has every command" "$missing" ""

# ---- bash completion, through a copy of aimap on PATH
mkdir -p "$T/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$AIMAP_BIN" >"$T/bin/aimap"
chmod +x "$T/bin/aimap"
aimap init >/dev/null 2>&1
complete_words() {   # complete_words WORD... : COMPREPLY for the last one
	PATH="$T/bin:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_aimap; printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/doc/aimap.bash" "$@"
}
assert_eq "aimap li<TAB>" "$(complete_words aimap li)" "list"
assert_eq "aimap list --lay<TAB>" "$(complete_words aimap list --lay)" "--layer"
assert_eq "aimap list --layer mid<TAB>" "$(complete_words aimap list --layer mid)" "middleware"
assert_eq "aimap list --category agent-m<TAB>" "$(complete_words aimap list --category agent-m)" "agent-market"
assert_eq "aimap list --stage zk<TAB>" "$(complete_words aimap list --stage zk)" "zkml"
assert_eq "aimap list --sort market<TAB>" "$(complete_words aimap list --sort market)" "market_cap"
assert_eq "aimap show bittens<TAB>" "$(complete_words aimap show bittens)" "bittensor"
assert_eq "aimap list --columns mcap,vol<TAB>" "$(complete_words aimap list --columns mcap,vol)" "mcap,volume"
assert_eq "aimap report --format ht<TAB>" "$(complete_words aimap report --format ht)" "html"
assert_eq "aimap --db X show bittens<TAB>" \
	"$(complete_words aimap --db "$AIMAP_DB" show bittens)" "bittensor"

# ---- make install puts both in place, under DESTDIR and PREFIX
E2E_NAME="make install DESTDIR PREFIX"
make -s -C "$TOP" -o "$AIMAP_BIN" BIN="$AIMAP_BIN" DESTDIR="$T/dest" \
	PREFIX=/opt/am install >"$T/inst" 2>&1 || _bad "$(cat "$T/inst")"
for f in bin/aimap share/aimap/taxonomy.json share/man/man1/aimap.1 \
	 share/bash-completion/completions/aimap; do
	[ -f "$T/dest/opt/am/$f" ] && _ok || _bad "$f not installed"
done
make -s -C "$TOP" -o "$AIMAP_BIN" BIN="$AIMAP_BIN" DESTDIR="$T/dest" \
	PREFIX=/opt/am uninstall >/dev/null 2>&1
assert_true "uninstall removes them" test ! -e "$T/dest/opt/am/share/man/man1/aimap.1" -a ! -e "$T/dest/opt/am/share/bash-completion/completions/aimap"

finish
