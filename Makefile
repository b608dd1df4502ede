# gantry — build, test and install.
#
#   make            build build/gantry
#   make test       install missing dependencies, build, run every test
#   make asan       the same tests under AddressSanitizer/UBSan (build/asan)
#   make demo       the main job, on the example repository (make demo-stop)
#   make install    see install.sh (PREFIX=/usr/local)

VERSION := 0.1.0
PKGS := libgit2 yaml-0.1 jansson libcurl libpcre2-8 libmicrohttpd openssl libarchive libxcrypt zlib

CC ?= cc
BUILD ?= build
PREFIX ?= /usr/local

GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null)
FULL_VERSION := $(VERSION)$(if $(GIT_REV), ($(GIT_REV)))

OPT ?= -O2
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
ifeq ($(SANITIZE),1)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1
endif

# pkg-config runs when a rule needs the flags, so a freshly installed
# dependency is found by the same make invocation that installed it.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) $(SAN) -I. $(PKG_CFLAGS) \
	-DGANTRY_VERSION='"$(FULL_VERSION)"' -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm

PKG_SRCS := $(sort $(wildcard pkg/*/*.c))
# every cmd/NAME/ directory is one binary, build/NAME
CMDS := $(notdir $(patsubst %/,%,$(sort $(dir $(wildcard cmd/*/*.c)))))
CMD_BINS := $(CMDS:%=$(BUILD)/%)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUPPORT := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))

LIB_OBJS := $(PKG_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SUPPORT_OBJS := $(UNIT_SUPPORT:%.c=$(BUILD)/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test asan check-deps run-tests demo demo-stop install clean bench
.DEFAULT_GOAL := all
# unit test objects are intermediate files to make; keep them
.SECONDARY:

all: $(CMD_BINS) $(UNIT_BINS)

# V=1 shows the whole commands
Q = $(if $(V),,@)
say = $(if $(V),,@echo "  $(1)	$(2)";)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libgantry.a: $(LIB_OBJS)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

# build/NAME from cmd/NAME/*.c and the library
.SECONDEXPANSION:
$(CMD_BINS): $(BUILD)/%: $$(addprefix $(BUILD)/obj/,$$(addsuffix .o,$$(basename $$(wildcard cmd/$$*/*.c)))) $(BUILD)/libgantry.a
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(UNIT_SUPPORT_OBJS) $(BUILD)/libgantry.a
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Install what is missing (install.sh --deps) only when something is.
check-deps:
	@if ! command -v pkg-config >/dev/null 2>&1 || \
	    ! pkg-config --exists $(PKGS) || ! command -v bats >/dev/null 2>&1 || \
	    ! command -v curl >/dev/null 2>&1 || \
	    ! command -v jq >/dev/null 2>&1 || ! command -v git >/dev/null 2>&1 || \
	    ! test -f /usr/lib/bats/bats-assert/load.bash || \
	    ! test -f /usr/lib/bats/bats-support/load.bash || \
	    ! test -f /usr/share/zoneinfo/America/New_York; then \
		./install.sh --deps; \
	fi

test: check-deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run

asan: check-deps
	@$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 all
	@BUILD=build/asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run

# The main job: the five systems of testdata/repo deployed to kubesim,
# which keeps running (demo.sh).
demo: check-deps
	@$(MAKE) --no-print-directory $(BUILD)/gantry $(BUILD)/kubesim
	@BUILD=$(BUILD) ./demo.sh start

demo-stop:
	@BUILD=$(BUILD) ./demo.sh stop

bench: all
	@for b in bench/*.sh; do echo "== $$b"; BUILD=$(BUILD) $$b || exit 1; done

install: all
	./install.sh --prefix $(PREFIX) --no-build

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
