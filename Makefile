# aimap: one non-recursive Makefile.
#
#   make            build build/aimap and the unit-test binaries (never
#                   installs anything: it names the packages missing)
#   make run        install what building and running need, build, create
#                   the default database if absent, open the dashboard
#   make test       the same packages plus the tests' own, then the suite
#   make test SAN=1 the same suite against an ASan+UBSan build (build/san)
#   make deps       the build packages; deps-test adds the tests', deps-dev
#                   what CI adds (fuzzing, valgrind, benchmarks)
#   make install    PREFIX=/usr/local DESTDIR= (the binary, the data, the
#                   man page and the bash completion)
#   make bench      run the benchmarks under bench/ (not a test)
#
# V=1 shows full commands.

VERSION := 0.1.0
PREFIX  ?= /usr/local
CC      ?= cc
CFLAGS  ?= -O2 -g

ifeq ($(SAN),1)
BUILD   := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=all -g -O1
else
BUILD   := build
SANFLAGS :=
endif

PKGS := sqlite3 libcurl libcjson ncursesw
# Read once when make reads this file. `make run` and `make test` install
# the packages first and then build in a second make, which reads them
# afresh: on a new machine pkg-config and the -dev packages are not there
# when the first make starts.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

override CFLAGS += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
	-Wno-missing-field-initializers -I. $(PKG_CFLAGS) $(SANFLAGS) \
	-DAIMAP_VERSION='"$(VERSION)"' -MMD -MP
override LDFLAGS += $(SANFLAGS)
LDLIBS += $(PKG_LIBS) -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Modules, in dependency order: util is a leaf; catalog uses util; classify and
# fetch use catalog; tui uses them all; cli is the entry.
UTIL_SRC     := $(wildcard util/*.c)
CATALOG_SRC  := $(wildcard catalog/*.c)
CLASSIFY_SRC := $(wildcard classify/*.c)
FETCH_SRC    := $(wildcard fetch/*.c)
TUI_SRC      := $(wildcard tui/*.c)
REPORT_SRC   := $(wildcard report/*.c)
CLI_SRC      := $(wildcard cli/*.c)

LIB_SRC := $(UTIL_SRC) $(CATALOG_SRC) $(CLASSIFY_SRC) $(FETCH_SRC) \
	   $(TUI_SRC) $(REPORT_SRC)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.o)
# Kept between runs (make would delete them as intermediate files).
.SECONDARY: $(UNIT_OBJ)

BIN := $(BUILD)/aimap

.PHONY: all test test-valgrind run deps deps-test deps-dev pkgs-present \
	install uninstall clean bench lint check-headers
all: $(BIN) $(UNIT_BIN)

# A thin archive names its members by path, so tui/model.c and
# classify/model.c can both be in it.
$(BUILD)/libaimap.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcsT $@ $^

$(BIN): $(CLI_OBJ) $(BUILD)/libaimap.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libaimap.a $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libaimap.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libaimap.a $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.d)

# The packages, in three sets, each installing only what is missing:
# - deps: building and running (compiler, pkg-config, the four libraries);
# - deps-test: the tests' tools: tmux (the dashboard), python3 (the HTTP
#   fixture, CSV and HTML checks), sqlite3, libxml2-utils and w3c-sgml-lib
#   (HTML checks), librsvg2-bin, fonts-noto-cjk and chromium (the report
#   and the map drawn and looked at), mandoc (the man page's lint);
# - deps-dev: what CI adds: clang and its runtime (fuzzing), valgrind, bc
#   (benchmarks).
DEPS_BUILD := gcc make pkg-config libc6-dev libsqlite3-dev \
	libcurl4-openssl-dev libcjson-dev libncurses-dev ca-certificates
DEPS_TEST  := tmux python3 sqlite3 libxml2-utils w3c-sgml-lib \
	librsvg2-bin fonts-noto-cjk chromium mandoc
DEPS_DEV   := clang libclang-rt-14-dev valgrind bc

define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make: installing$$missing"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y --no-install-recommends $$missing; \
	else \
	  echo "make: missing packages; run:"; \
	  echo "  sudo apt-get install -y --no-install-recommends$$missing"; \
	  exit 1; \
	fi
endef

deps:
	$(call install_missing,$(DEPS_BUILD))
deps-test: deps
	$(call install_missing,$(DEPS_TEST))
deps-dev: deps-test
	$(call install_missing,$(DEPS_DEV))

# A plain `make` installs nothing: without the libraries it stops here and
# says how to get them, instead of failing in the linker.
$(LIB_OBJ) $(CLI_OBJ): | pkgs-present
pkgs-present:
	@pkg-config --exists $(PKGS) 2>/dev/null || { \
	  echo "make: the build needs pkg-config and the -dev packages of:" \
	       "$(PKGS)"; \
	  echo "  make deps (as root) installs them; make run and make test" \
	       "install and build"; exit 1; }

# run and test install first, then build in a second make that reads the
# package flags afresh (see PKG_CFLAGS).
run: deps
	@$(MAKE) --no-print-directory $(BIN)
	@$(BIN)

test: deps-test
	@$(MAKE) --no-print-directory all
	@AIMAP_BIN=$(abspath $(BIN)) AIMAP_UNIT_DIR=$(abspath $(BUILD)/tests) \
	  AIMAP_SAN=$(SAN) tests/run $(T)

# The same suite under valgrind's memcheck (plain build): no invalid
# access, no uninitialised use, no leak (see tests/run).
test-valgrind: deps-dev
	@$(MAKE) --no-print-directory all
	@AIMAP_BIN=$(abspath $(BIN)) AIMAP_UNIT_DIR=$(abspath $(BUILD)/tests) \
	  AIMAP_VALGRIND=1 tests/run $(T)

DATADIR := $(PREFIX)/share/aimap
MANDIR  := $(PREFIX)/share/man/man1
COMPDIR := $(PREFIX)/share/bash-completion/completions
install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR) \
	  $(DESTDIR)$(MANDIR) $(DESTDIR)$(COMPDIR)
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/aimap
	install -m 644 data/taxonomy.json data/catalog.json data/discovery.json \
	  data/texts.json data/devset.json $(DESTDIR)$(DATADIR)/
	install -m 644 doc/aimap.1 $(DESTDIR)$(MANDIR)/aimap.1
	install -m 644 doc/aimap.bash $(DESTDIR)$(COMPDIR)/aimap

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/aimap
	rm -rf $(DESTDIR)$(DATADIR)
	rm -f $(DESTDIR)$(MANDIR)/aimap.1 $(DESTDIR)$(COMPDIR)/aimap

bench: $(BIN)
	bench/run

# Fuzzing (libFuzzer, clang). Each harness tests/fuzz/fuzz_NAME.c links the
# library built with clang and the fuzzer's sanitizers into
# build/fuzz/fuzz_NAME; `make fuzz` runs each for FUZZ_SECONDS on its seed
# corpus tests/fuzz/corpus/NAME (new inputs go to build/fuzz/corpus/NAME).
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=all
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) -std=c17 -D_GNU_SOURCE -I. $(PKG_CFLAGS) $(FUZZ_FLAGS) \
		-DAIMAP_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

build/fuzz/libaimap.a: $(FUZZ_LIB_OBJ)
	$(Q)rm -f $@ && ar rcsT $@ $^

build/fuzz/%: tests/fuzz/%.c build/fuzz/libaimap.a
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) -std=c17 -D_GNU_SOURCE -I. $(PKG_CFLAGS) -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< build/fuzz/libaimap.a $(PKG_LIBS) -lm

-include $(FUZZ_LIB_OBJ:.o=.d)
.SECONDARY: $(FUZZ_LIB_OBJ)

.PHONY: fuzz fuzz-build
fuzz-build: deps-dev
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
fuzz: fuzz-build
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BIN)

# Style checks that a reviewer should not have to make by eye.
lint:
	@tests/lint

check-headers:
	@for h in $$(git ls-files '*.h'); do \
	  echo "#include \"$$h\"" | $(CC) $(CFLAGS) -fsyntax-only -x c - || exit 1; \
	done; echo "headers compile on their own"

clean:
	rm -rf build
