# harness — non-recursive GNU make build.
#
#   make                 release build, binary at bin/harness (a link into build/release/)
#   make debug|asan      other variants, each in build/<variant>/
#   make test            build and run every unit and end-to-end test (release)
#   make asan            the same tests under AddressSanitizer + UBSan
#   make check           test + asan
#   make install         PREFIX=/usr/local DESTDIR=
#   WERROR=1             warnings are errors (CI sets it)

VARIANT ?= release
BUILD   := build/$(VARIANT)
PREFIX  ?= /usr/local
DESTDIR ?=

PKGS      := yaml-0.1 libcurl libgit2 jansson libpcre2-8 libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

CC ?= cc
WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN += -Werror
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) $(PKG_CFLAGS) \
               -DHARNESS_VERSION='"$(VERSION)"' -DHARNESS_REVISION='"$(GIT_REV)"' \
               -MMD -MP
ifeq ($(VARIANT),debug)
VCFLAGS  := -O0 -g3
VLDFLAGS :=
else ifeq ($(VARIANT),asan)
VCFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined -DARENA_DEBUG
VLDFLAGS := -fsanitize=address,undefined
else
VCFLAGS  := -O2 -g
VLDFLAGS :=
endif

ALL_CFLAGS  = $(BASE_CFLAGS) $(VCFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(VLDFLAGS) $(LDFLAGS)
LIBS        = $(PKG_LIBS) -lm

CMD_SRCS  := harness/main.c $(wildcard harness/cmd_*.c) $(wildcard harness/cli_*.c)
LIB_SRCS  := $(filter-out $(CMD_SRCS),$(wildcard harness/*.c))
TEST_SRCS := $(wildcard tests/unit/test_*.c)
SUP_SRCS  := $(wildcard tests/support/*.c)
BENCH_SRCS := $(wildcard bench/*.c)

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CMD_OBJS  := $(CMD_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
SUP_BINS  := $(SUP_SRCS:tests/support/%.c=$(BUILD)/support/%)
LIBHARNESS := $(BUILD)/libharness.a
BIN       := $(BUILD)/harness

.PHONY: all debug release asan asan-build test check install clean tests fuzz deps demo
.DEFAULT_GOAL := all

all: $(BIN) bin/harness

bin/harness: $(BIN)
	@mkdir -p bin
	@ln -sfn ../$(BIN) bin/harness

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBHARNESS): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CMD_OBJS) $(LIBHARNESS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJS) $(LIBHARNESS) $(LIBS)

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -c $< -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIBHARNESS)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBHARNESS) $(LIBS) $(CMOCKA_LIBS)

# Support programs: fault fixtures, test members, test servers. They play the
# member's part, so they are built WITHOUT sanitizers in every variant (an
# ASan member cannot live under the RLIMIT_AS a run gives it). The few that
# drive library code (SUP_WITH_LIB) are built like the harness and link it.
SUP_WITH_LIB := render_report loadgen_drive
MEMBER_CFLAGS = -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) $(PKG_CFLAGS) -MMD -MP

$(BUILD)/support/%: tests/support/%.c $(LIBHARNESS)
	@mkdir -p $(dir $@)
	$(if $(filter $*,$(SUP_WITH_LIB)),$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBHARNESS) $(LIBS),$(CC) $(MEMBER_CFLAGS) -o $@ $< $(LIBS))

tests: $(BIN) $(TEST_BINS) $(SUP_BINS)

# `make test` and `make demo` work on a fresh Debian machine: packages first,
# then a fresh make that sees their pkg-config flags.
deps:
	@scripts/install-deps.sh

test: deps
	@$(MAKE) --no-print-directory tests
	@scripts/run-tests.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

check: test asan

debug:
	@$(MAKE) --no-print-directory VARIANT=debug all

release:
	@$(MAKE) --no-print-directory VARIANT=release all

asan-build: deps
	@$(MAKE) --no-print-directory VARIANT=asan tests

asan: asan-build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 scripts/run-tests.sh build/asan

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/harness

clean:
	rm -rf build bin

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(TEST_BINS:=.d) $(SUP_BINS:=.d)

# ---- make fuzz (tests/fuzz/, docs/fuzzing.md) --------------------------------
# clang libFuzzer targets for the hostile-input surfaces. The library is
# compiled once more into build/fuzz/ with -fsanitize=fuzzer-no-link plus
# ASan+UBSan; each tests/fuzz/<name>.c is linked against it, then run for
# FUZZ_SECONDS on a copy of its committed corpus (build/fuzz/corpus/<name>;
# new inputs land there, never in tests/fuzz/corpus/). Findings go to
# build/fuzz/findings/<name>/. FUZZ_TARGETS picks a subset.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_SRCS    := $(wildcard tests/fuzz/*.c)
FUZZ_NAMES   := $(FUZZ_SRCS:tests/fuzz/%.c=%)
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -Iinclude -Itests/fuzz $(WARN) $(PKG_CFLAGS) \
                -DHARNESS_VERSION='"$(VERSION)"' -DHARNESS_REVISION='"$(GIT_REV)"' \
                -g -O1 -fno-omit-frame-pointer -DARENA_DEBUG -MMD -MP
FUZZ_SAN     := address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/%)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c $< -o $@

$(FUZZ_DIR)/libharness.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/%: tests/fuzz/%.c tests/fuzz/fuzz_common.h $(FUZZ_DIR)/libharness.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< \
		$(FUZZ_DIR)/libharness.a $(LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_TARGETS)

.PHONY: fuzz-build
-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d)
