# SPDX-License-Identifier: MIT
#
# rulingbot -- build, test and run. See README.md.
#
#   make            build every program into build/
#   make run        build the bundled knowledge base and start the bot
#   make test       run every test (unit, compiler, integration, answer quality)
#   make eval       print the answer-quality figures
#   make asan       build with AddressSanitizer and UBSan into build/asan, then test
#   make valgrind   run the tests with every started program under valgrind
#   make bench      run the benchmark and print its figures (docs/performance.md)
#   make fuzz       run each libFuzzer driver for FUZZ_SECONDS (60) (tests/fuzz/)
#   make screenshots retake the widget's pictures in docs/
#   make install    install programs, KB, widget, config, units and man pages
#                   (PREFIX=/usr/local, SYSCONFDIR=/etc, DESTDIR= as usual)
#   make uninstall  remove what make install installed
#   make format     reformat the C sources with clang-format (.clang-format)
#   make format-check  fail when make format would change a file (CI runs it)
#   make clean      remove build/
#
# Missing Debian packages are installed first (scripts/install-deps).

VERSION = 0.1.0

CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
BUILD ?= build
PKG_CONFIG ?= pkg-config
PYTHON ?= python3
# The code is kept warning-free with Debian's gcc, and CI holds it to that with
# WERROR=-Werror (.ci/run); by default a warning a newer compiler adds does not stop a build.
WERROR ?=
# Folder of stored source texts the quote check reads (skipped when absent).
TEXTS ?= $(wildcard ../shared/sources)

WARNINGS = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	   -Wpointer-arith -Wvla -Wundef $(WERROR)
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags libcjson sqlite3 hunspell libwebsockets libcurl \
	     libcrypto libsystemd)
# The engine tells real words from typos with hunspell's dictionaries (daemon/engine/spell.c).
PKG_LIBS = $(shell $(PKG_CONFIG) --libs libcjson sqlite3 hunspell)
LWS_LIBS = $(shell $(PKG_CONFIG) --libs libwebsockets)
# rulingd tells systemd when it is ready, reloading or stopping, and pings its watchdog.
SYSTEMD_LIBS = $(shell $(PKG_CONFIG) --libs libsystemd)
# The bridges call the chat services' HTTPS APIs with libcurl; Slack's signatures need HMAC.
BRIDGE_LIBS = $(shell $(PKG_CONFIG) --libs libcjson libwebsockets libcurl libcrypto) -lpthread
# Every part sees the shared helpers and the engine's one public header (engine.h); the
# server's own headers are only for the server and its tests.
PROJECT_CFLAGS = -std=c11 -D_GNU_SOURCE -DRULINGBOT_VERSION='"$(VERSION)"' -Idaemon/shared \
		 -Idaemon/engine -Iadapters/common \
		 -MMD -MP $(WARNINGS) $(PKG_CFLAGS)
LIBS = $(PKG_LIBS) -lm

OBJ = $(BUILD)/obj

# What the engine, the compiler, the server and the bridges share.
SHARED = util log html
SHARED_OBJS = $(SHARED:%=$(OBJ)/daemon/shared/%.o)
# The body of a reply on libwebsockets' HTTP server: rulingd's and the Slack bridge's.
HTTPBODY_OBJ = $(OBJ)/daemon/shared/httpbody.o
# The engine: everything a front end needs to answer a question, as one static library
# whose public header is daemon/engine/engine.h.
ENGINE = norm query tokens postings index pairs dense search intent names kbload kb smalltalk spell \
	 match
ENGINE_OBJS = $(ENGINE:%=$(OBJ)/daemon/engine/%.o)
ENGINE_LIB = $(BUILD)/libengine.a
# The server around it: settings, limits, answers as frames, and the network loop.
SERVER = config ratelimit metrics cache members unanswered service origin www page proto linger
SERVER_OBJS = $(SERVER:%=$(OBJ)/daemon/server/%.o)
NET = server notify listener net ws http workers cli main
RULINGD_OBJS = $(SERVER_OBJS) $(NET:%=$(OBJ)/daemon/server/%.o)
COMPILER = jsonpos load figures quote check build
COMPILER_OBJS = $(COMPILER:%=$(OBJ)/kb/compiler/%.o)
# What both chat bridges share: the rulingd client, HTTPS calls, secrets, dedupe.
COMMON = backoff secret dedupe webcall wsc rclient monocond cmdline stop
COMMON_OBJS = $(COMMON:%=$(OBJ)/adapters/common/%.o) $(OBJ)/daemon/shared/util.o \
	      $(OBJ)/daemon/shared/log.o
SLACK = options events mrkdwn signature slackapi outbox socketmode httpevents bridge main
SLACK_OBJS = $(SLACK:%=$(OBJ)/adapters/slack/%.o)
# The Matrix bridge's pure parts (reading events and /sync, writing notices) are tested
# and fuzzed on their own; the rest talks to the homeserver and to the loop.
MATRIX_PURE = events sync notice rooms state mxapi
MATRIX = options account syncer batch gap main $(MATRIX_PURE)
MATRIX_OBJS = $(MATRIX:%=$(OBJ)/adapters/matrix/%.o) $(OBJ)/daemon/shared/html.o
# The server's modules are tested one file each, tests/unit/test_<module>.c for
# daemon/server/<module>.c, with the helpers they share in tests/unit/server_fixture.c.
SERVER_UNIT_TESTS = test_config test_ratelimit test_cache test_origin test_www test_metrics \
		    test_service test_members test_unanswered test_linger
UNIT_TESTS = test_util test_norm test_query test_index test_compiler test_engine \
	     $(SERVER_UNIT_TESTS) test_page test_common test_slack test_matrix
PROGRAMS = $(BUILD)/rulingd $(BUILD)/rulingkb $(BUILD)/rulingbot-slack $(BUILD)/rulingbot-matrix
BENCH_PROGRAMS = $(BUILD)/bench/loadgen $(BUILD)/bench/echo $(BUILD)/bench/kbbench
TEST_PROGRAMS = $(UNIT_TESTS:%=$(BUILD)/tests/%) $(BUILD)/rulingeval

KB_FILES = $(wildcard kb/*.json kb/facts/*.json)
FIXTURE_FILES = $(wildcard tests/fixtures/kb/*.json tests/fixtures/kb/facts/*.json)
# Facts full of markup, for the widget's test that server text stays text.
HOSTILE_FILES = $(wildcard tests/fixtures/hostile-kb/*.json tests/fixtures/hostile-kb/facts/*.json)
TEST_KBS = $(BUILD)/kb.sqlite $(BUILD)/test/fixture.sqlite $(BUILD)/test/hostile.sqlite

MAKEFLAGS += --no-print-directory

.PHONY: all run test eval asan valgrind bench clean deps test-deps bench-deps format format-check \
	screenshots install uninstall
.DEFAULT_GOAL := all

all: $(PROGRAMS)

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

bench-deps:
	@scripts/install-deps --bench

$(OBJ)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) $(CFLAGS) -c $< -o $@

$(OBJ)/daemon/server/%.o $(SERVER_UNIT_TESTS:%=$(OBJ)/tests/unit/%.o) \
	$(OBJ)/tests/unit/server_fixture.o $(OBJ)/tests/unit/test_page.o \
	$(OBJ)/tests/unit/test_engine.o: PROJECT_CFLAGS += -Idaemon/server

$(ENGINE_LIB): $(ENGINE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/rulingd: $(RULINGD_OBJS) $(ENGINE_LIB) $(SHARED_OBJS) $(HTTPBODY_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(LWS_LIBS) $(SYSTEMD_LIBS)

$(BUILD)/rulingbot-slack: $(SLACK_OBJS) $(COMMON_OBJS) $(HTTPBODY_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BRIDGE_LIBS)

$(BUILD)/rulingbot-matrix: $(MATRIX_OBJS) $(COMMON_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BRIDGE_LIBS)

$(BUILD)/rulingkb: $(COMPILER_OBJS) $(OBJ)/kb/compiler/rulingkb.o $(ENGINE_LIB) $(SHARED_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/kb.sqlite: $(BUILD)/rulingkb $(KB_FILES)
	$(BUILD)/rulingkb build kb -o $@ $(if $(TEXTS),--texts $(TEXTS))

$(BUILD)/test/fixture.sqlite: $(BUILD)/rulingkb $(FIXTURE_FILES)
	@mkdir -p $(@D)
	$(BUILD)/rulingkb build tests/fixtures/kb -o $@

$(BUILD)/test/hostile.sqlite: $(BUILD)/rulingkb $(HOSTILE_FILES)
	@mkdir -p $(@D)
	$(BUILD)/rulingkb build tests/fixtures/hostile-kb -o $@

$(BUILD)/tests/test_util: $(OBJ)/tests/unit/test_util.o $(OBJ)/daemon/shared/util.o \
			    $(OBJ)/daemon/shared/log.o
$(BUILD)/tests/test_norm: $(OBJ)/tests/unit/test_norm.o $(ENGINE_LIB) $(SHARED_OBJS)
$(BUILD)/tests/test_query: $(OBJ)/tests/unit/test_query.o $(ENGINE_LIB) $(SHARED_OBJS)
$(BUILD)/tests/test_index: $(OBJ)/tests/unit/test_index.o $(ENGINE_LIB) $(SHARED_OBJS)
$(BUILD)/tests/test_compiler: $(OBJ)/tests/unit/test_compiler.o $(COMPILER_OBJS) $(ENGINE_LIB) \
			      $(SHARED_OBJS)
$(BUILD)/tests/test_engine: $(OBJ)/tests/unit/test_engine.o $(OBJ)/tests/unit/capture.o \
			    $(OBJ)/daemon/server/proto.o $(ENGINE_LIB) $(SHARED_OBJS)
$(SERVER_UNIT_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: $(OBJ)/tests/unit/%.o \
	$(OBJ)/tests/unit/server_fixture.o $(SERVER_OBJS) $(ENGINE_LIB) $(SHARED_OBJS)
$(BUILD)/tests/test_unanswered: $(OBJ)/tests/unit/capture.o
$(BUILD)/tests/test_page: $(OBJ)/tests/unit/test_page.o $(OBJ)/daemon/server/page.o \
			  $(OBJ)/daemon/shared/html.o $(OBJ)/daemon/shared/util.o
$(BUILD)/tests/test_common: $(OBJ)/tests/unit/test_common.o $(COMMON_OBJS)
$(BUILD)/tests/test_slack: $(OBJ)/tests/unit/test_slack.o $(OBJ)/adapters/slack/events.o \
			   $(OBJ)/adapters/slack/mrkdwn.o $(OBJ)/adapters/slack/signature.o \
			   $(COMMON_OBJS)
$(BUILD)/tests/test_matrix: $(OBJ)/tests/unit/test_matrix.o \
			    $(MATRIX_PURE:%=$(OBJ)/adapters/matrix/%.o) $(OBJ)/daemon/shared/html.o \
			    $(COMMON_OBJS)
$(BUILD)/rulingeval: $(OBJ)/tests/eval/eval.o $(ENGINE_LIB) $(SHARED_OBJS)

$(OBJ)/tests/unit/test_compiler.o: PROJECT_CFLAGS += -Ikb/compiler
$(OBJ)/tests/unit/test_slack.o: PROJECT_CFLAGS += -Iadapters/slack
$(OBJ)/tests/unit/test_matrix.o: PROJECT_CFLAGS += -Iadapters/matrix
$(BUILD)/tests/test_common $(BUILD)/tests/test_slack $(BUILD)/tests/test_matrix: \
	LIBS += $(BRIDGE_LIBS)

$(TEST_PROGRAMS):
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

run: $(PROGRAMS) $(BUILD)/kb.sqlite
	$(BUILD)/rulingd --kb $(BUILD)/kb.sqlite --www adapters/web

test: test-deps $(PROGRAMS) $(TEST_PROGRAMS) $(TEST_KBS)
	BUILD=$(BUILD) TEXTS=$(TEXTS) $(PYTHON) tests/run

# Every evaluation question falls in one split by a hash of its words: the answer model
# is fitted on fit, its thresholds chosen on dev; test is only read to report, so it comes
# first and is the figure to quote.
EVAL_SETS = $(sort $(wildcard tests/eval/*.tsv))
eval: $(BUILD)/rulingeval $(BUILD)/kb.sqlite
	@for split in "test:never tuned on; the figures to report" \
		      "dev:the thresholds were chosen on it" \
		      "fit:the model's weights were fitted on it"; do \
		echo "== $${split%%:*} ($${split#*:})"; \
		$(BUILD)/rulingeval --kb $(BUILD)/kb.sqlite --split $${split%%:*} $(EVAL_SETS) || exit 1; \
		echo; \
	done

# The integration tests with every started program under valgrind (slow; CI runs it).
valgrind: test-deps $(PROGRAMS) $(TEST_PROGRAMS) $(TEST_KBS)
	BUILD=$(BUILD) TEXTS=$(TEXTS) VALGRIND=1 $(PYTHON) tests/run

# The load generator speaks websocket itself, so it measures every server the same way.
$(BUILD)/bench/loadgen: $(OBJ)/bench/loadgen.o $(OBJ)/daemon/shared/util.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm
$(BUILD)/bench/echo: $(OBJ)/bench/echo.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LWS_LIBS)
$(BUILD)/bench/kbbench: $(OBJ)/bench/kbbench.o $(ENGINE_LIB) $(SHARED_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# Figures, not assertions: timing stays out of make test.
bench: bench-deps $(PROGRAMS) $(BENCH_PROGRAMS) $(BUILD)/kb.sqlite
	BUILD=$(BUILD) $(PYTHON) bench/run --no-build $(BENCH_ARGS)

# The widget's pictures in docs/ (commit them when its look changes).
screenshots: test-deps $(PROGRAMS) $(BUILD)/kb.sqlite
	BUILD=$(BUILD) node tests/browser/tools/screenshots.mjs

# gcc's "undefined" leaves out float-cast-overflow: a double from JSON cast beyond range.
SANITIZE = -fsanitize=address,undefined,float-cast-overflow

asan:
	$(MAKE) BUILD=build/asan \
		CFLAGS="-O1 -g $(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="$(SANITIZE)" test

# Installing. The units and the configuration name $(PREFIX)'s paths; systemd reads units
# from $(PREFIX)/lib/systemd/system for /usr and /usr/local. A configuration that is
# already there is kept, and make uninstall removes it only when unchanged.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/rulingbot
MANDIR = $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR = $(SYSCONFDIR)/rulingbot
INSTALLED_PROGRAMS = rulingd rulingkb rulingbot-slack rulingbot-matrix
UNITS = $(notdir $(wildcard systemd/*.service systemd/*.socket))
WWW_FILES = $(notdir $(wildcard adapters/web/*))
MAN1 = $(notdir $(wildcard docs/man/*.1))
MAN8 = $(notdir $(wildcard docs/man/*.8))
FILL_PATHS = sed -e 's|/usr/local/|$(PREFIX)/|g' -e 's|/etc/rulingbot/|$(CONFDIR)/|g' \
		 -e 's|@PREFIX@|$(PREFIX)|g'

install: $(PROGRAMS) $(BUILD)/kb.sqlite
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/www $(DESTDIR)$(CONFDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(INSTALLED_PROGRAMS:%=$(BUILD)/%) $(DESTDIR)$(BINDIR)
	install -m 0644 $(BUILD)/kb.sqlite $(DESTDIR)$(DATADIR)/kb.sqlite
	install -m 0644 $(WWW_FILES:%=adapters/web/%) $(DESTDIR)$(DATADIR)/www
	install -m 0644 $(MAN1:%=docs/man/%) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MAN8:%=docs/man/%) $(DESTDIR)$(MANDIR)/man8
	for u in $(UNITS); do $(FILL_PATHS) systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u; done
	chmod 0644 $(UNITS:%=$(DESTDIR)$(UNITDIR)/%)
	if [ -e $(DESTDIR)$(CONFDIR)/rulingd.conf ]; then \
		echo "keeping $(DESTDIR)$(CONFDIR)/rulingd.conf"; \
	else \
		$(FILL_PATHS) etc/rulingd.conf > $(DESTDIR)$(CONFDIR)/rulingd.conf; \
	fi

uninstall:
	rm -f $(INSTALLED_PROGRAMS:%=$(DESTDIR)$(BINDIR)/%) $(DESTDIR)$(DATADIR)/kb.sqlite \
		$(WWW_FILES:%=$(DESTDIR)$(DATADIR)/www/%) $(UNITS:%=$(DESTDIR)$(UNITDIR)/%) \
		$(MAN1:%=$(DESTDIR)$(MANDIR)/man1/%) $(MAN8:%=$(DESTDIR)$(MANDIR)/man8/%)
	-rmdir $(DESTDIR)$(DATADIR)/www $(DESTDIR)$(DATADIR) 2>/dev/null
	@if $(FILL_PATHS) etc/rulingd.conf | cmp -s - $(DESTDIR)$(CONFDIR)/rulingd.conf; then \
		rm -f $(DESTDIR)$(CONFDIR)/rulingd.conf; \
		rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(CONFDIR)/rulingd.conf ]; then \
		echo "keeping $(DESTDIR)$(CONFDIR)/rulingd.conf: it was changed"; \
	fi

# The C sources clang-format keeps; format-check reads the same list, so what CI holds to
# is what make format writes.
FORMAT_FILES = $(wildcard daemon/*/*.[ch] kb/compiler/*.[ch] adapters/*/*.[ch] tests/unit/*.[ch] \
		tests/eval/*.c bench/*.c)

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build

# make fuzz: libFuzzer drivers (clang), and their corpora replayed as regression tests.
-include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
