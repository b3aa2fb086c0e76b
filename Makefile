# aimap: one non-recursive Makefile.
#
#   make            build build/aimap and the unit-test binaries
#   make test       run the whole suite (unit, end-to-end, golden)
#   make test SAN=1 the same suite against an ASan+UBSan build (build/san)
#   make run        build, create the default database if absent, open it
#   make deps       install the Debian packages the build and tests need
#   make install    PREFIX=/usr/local DESTDIR=
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
# libcurl is not linked: fetch/http.c loads it when a fetch starts (see
# there), so that other commands do not pay for its 30 libraries.
LINK_PKGS := $(filter-out libcurl,$(PKGS))
# Evaluated once, and only when the packages are there, so that `make deps`
# itself works on a machine without them.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null)

override CFLAGS += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
	-Wno-missing-field-initializers -pthread -I. $(PKG_CFLAGS) $(SANFLAGS) \
	-DAIMAP_VERSION='"$(VERSION)"' -MMD -MP
override LDFLAGS += $(SANFLAGS) -pthread
LDLIBS += $(PKG_LIBS) -ldl -lm

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
# The archive keeps members by file name: two sources with one name would
# silently replace each other.
DUP_NAMES := $(shell printf '%s\n' $(notdir $(LIB_SRC)) | sort | uniq -d)
ifneq ($(DUP_NAMES),)
$(error two library sources share a file name: $(DUP_NAMES))
endif
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.o)
# Kept between runs (make would delete them as intermediate files).
.SECONDARY: $(UNIT_OBJ)

BIN := $(BUILD)/aimap

.PHONY: all test test-valgrind run deps install uninstall clean bench lint check-headers
all: $(BIN) $(UNIT_BIN)

$(BUILD)/libaimap.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

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

# The packages: build (compiler, libraries), tests (tmux, python3, sqlite3
# for the benchmark's reference runs). Installs only what is missing.
# Build: compiler and libraries. Tests: tmux (the dashboard), python3 (the
# HTTP fixture, CSV and HTML checks), libxml2-utils, librsvg2-bin,
# w3c-sgml-lib, fonts-noto-cjk and chromium (the report and the map).
# Fuzzing: clang and its runtime; memory checks: valgrind. Benchmarks:
# sqlite3, bc.
DEPS := gcc make pkg-config libsqlite3-dev libcurl4-openssl-dev \
	libcjson-dev libncurses-dev tmux python3 sqlite3 ca-certificates \
	libxml2-utils librsvg2-bin w3c-sgml-lib fonts-noto-cjk chromium \
	clang libclang-rt-14-dev bc valgrind
deps:
	@missing=""; for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "make deps: missing packages; run:"; \
	  echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

# `make`, `make test` and `make run` first make sure the packages are there.
# The check is cheap when nothing is missing.
$(LIB_OBJ) $(CLI_OBJ): | deps-once
.PHONY: deps-once
deps-once:
	@$(MAKE) --no-print-directory deps

test: all
	@AIMAP_BIN=$(abspath $(BIN)) AIMAP_UNIT_DIR=$(abspath $(BUILD)/tests) \
	  AIMAP_SAN=$(SAN) tests/run $(T)

# The same suite under valgrind's memcheck (plain build): no invalid
# access, no uninitialised use, no leak (see tests/run).
test-valgrind: all
	@AIMAP_BIN=$(abspath $(BIN)) AIMAP_UNIT_DIR=$(abspath $(BUILD)/tests) \
	  AIMAP_VALGRIND=1 tests/run $(T)

run: $(BIN)
	@$(BIN)

DATADIR := $(PREFIX)/share/aimap
install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/aimap
	install -m 644 data/taxonomy.json data/catalog.json $(DESTDIR)$(DATADIR)/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/aimap
	rm -rf $(DESTDIR)$(DATADIR)

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
	$(Q)rm -f $@ && ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c build/fuzz/libaimap.a
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) -std=c17 -D_GNU_SOURCE -I. $(PKG_CFLAGS) -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< build/fuzz/libaimap.a $(PKG_LIBS) -ldl -lm -pthread

-include $(FUZZ_LIB_OBJ:.o=.d)
.SECONDARY: $(FUZZ_LIB_OBJ)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)
fuzz: $(FUZZ_BIN)
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
