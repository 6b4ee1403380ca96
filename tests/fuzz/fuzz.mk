# SPDX-License-Identifier: MIT
#
# fuzz.mk -- libFuzzer drivers for the parsers that read untrusted bytes, and their
# corpora replayed as regression tests. Included at the end of the top Makefile, whose
# variables (CC, CFLAGS, PROJECT_CFLAGS, PKG_LIBS, BUILD, ENGINE) it uses.
#
#   make fuzz                 build the drivers with clang into build/fuzz and run each
#                             for FUZZ_SECONDS (60) on a copy of its corpus; a crash fails
#   make fuzz-replay          build the drivers with $(CC) and a plain main() (replay.c)
#                             into $(BUILD)/fuzz-replay and run each over its corpus
#   make fuzz-replay-build    only build them (FUZZ_REPLAY_PROGRAMS lists them)
#
# Every driver compiles its own copies of the sources it needs: the project's objects are
# built without the fuzzer's coverage instrumentation, and replay must follow CFLAGS.

FUZZ_DRIVERS = fuzz_proto fuzz_norm fuzz_engine fuzz_kbfact fuzz_kbfile fuzz_slack fuzz_matrix
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_OUT = build/fuzz
FUZZ_REPLAY = $(BUILD)/fuzz-replay
FUZZ_REPLAY_PROGRAMS = $(FUZZ_DRIVERS:%=$(FUZZ_REPLAY)/%)
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_RUN_FLAGS = -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
# The engine driver's knowledge base; replay under BUILD=build/asan uses that tree's.
FUZZ_KB = $(BUILD)/kb.sqlite

# What each driver exercises, besides itself and fuzz_common.c; those that reach the
# engine link its library, built in each tree from that tree's objects.
FUZZ_SRC_fuzz_proto = daemon/server/proto.c $(SHARED:%=daemon/shared/%.c)
FUZZ_SRC_fuzz_norm = $(SHARED:%=daemon/shared/%.c)
FUZZ_SRC_fuzz_engine = daemon/server/proto.c $(SHARED:%=daemon/shared/%.c)
FUZZ_SRC_fuzz_kbfact = kb/compiler/jsonpos.c kb/compiler/load.c kb/compiler/figures.c kb/compiler/quote.c kb/compiler/check.c \
		       $(SHARED:%=daemon/shared/%.c)
# The knowledge-base file itself, read by kbload.c (in the engine library).
FUZZ_SRC_fuzz_kbfile = $(SHARED:%=daemon/shared/%.c)
FUZZ_ENGINE = fuzz_proto fuzz_norm fuzz_engine fuzz_kbfact fuzz_kbfile
FUZZ_SRC_fuzz_slack = adapters/slack/events.c daemon/shared/util.c
FUZZ_SRC_fuzz_matrix = adapters/matrix/events.c adapters/matrix/sync.c daemon/shared/html.c \
		       daemon/shared/util.c
# Headers outside daemon/: Slack and Matrix both have an events.h, so each driver gets
# only its own folder.
FUZZ_INC_fuzz_kbfact = -Ikb/compiler
FUZZ_INC_fuzz_proto = -Idaemon/server
FUZZ_INC_fuzz_engine = -Idaemon/server
FUZZ_INC_fuzz_slack = -Iadapters/slack
FUZZ_INC_fuzz_matrix = -Iadapters/matrix
# Dictionaries: JSON tokens for the JSON readers, FTS5 syntax for the question readers.
FUZZ_DICT_fuzz_proto = tests/fuzz/json.dict
FUZZ_DICT_fuzz_kbfact = tests/fuzz/json.dict
FUZZ_DICT_fuzz_slack = tests/fuzz/json.dict
FUZZ_DICT_fuzz_matrix = tests/fuzz/json.dict
FUZZ_DICT_fuzz_norm = tests/fuzz/fts5.dict
FUZZ_DICT_fuzz_engine = tests/fuzz/fts5.dict

.PHONY: fuzz fuzz-check-clang fuzz-replay fuzz-replay-build

fuzz: $(FUZZ_DRIVERS:%=fuzz-run-%)

fuzz-replay: $(FUZZ_DRIVERS:%=fuzz-replay-run-%)

fuzz-replay-build: $(FUZZ_REPLAY_PROGRAMS)

fuzz-check-clang:
	@scripts/install-deps --fuzz
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang and libFuzzer:" \
		"apt-get install clang libclang-rt-14-dev" >&2; exit 1; }

# The project is kept warning-free with gcc; clang also flags log.c's vsnprintf of a
# format passed through (gcc does not, for a va_list function), so the project's sources
# get that one warning off. The drivers themselves are held to every warning.
FUZZ_RELAX = -Wno-format-nonliteral
$(FUZZ_OUT)/obj/tests/fuzz/%.o: FUZZ_RELAX =

$(FUZZ_OUT)/obj/%.o: %.c | fuzz-check-clang
	@mkdir -p $(@D)
	$(FUZZ_CC) $(PROJECT_CFLAGS) $(FUZZ_RELAX) -Itests/fuzz $(FUZZ_INC) $(FUZZ_CFLAGS) \
		-c $< -o $@

$(FUZZ_REPLAY)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) -Itests/fuzz $(FUZZ_INC) $(CFLAGS) -c $< -o $@

$(FUZZ_OUT)/libengine.a: $(ENGINE:%=$(FUZZ_OUT)/obj/daemon/engine/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_REPLAY)/libengine.a: $(ENGINE:%=$(FUZZ_REPLAY)/obj/daemon/engine/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

# fuzz_template(driver): its libFuzzer and replay programs, and the rules that run them.
define fuzz_template
$(FUZZ_OUT)/obj/tests/fuzz/$(1).o $(FUZZ_REPLAY)/obj/tests/fuzz/$(1).o: \
	FUZZ_INC = $(FUZZ_INC_$(1))

$(FUZZ_OUT)/$(1): $(FUZZ_OUT)/obj/tests/fuzz/$(1).o $(FUZZ_OUT)/obj/tests/fuzz/fuzz_common.o \
		  $(FUZZ_SRC_$(1):%.c=$(FUZZ_OUT)/obj/%.o) \
		  $(if $(filter $(1),$(FUZZ_ENGINE)),$(FUZZ_OUT)/libengine.a)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ $$^ $(PKG_LIBS) -lm

$(FUZZ_REPLAY)/$(1): $(FUZZ_REPLAY)/obj/tests/fuzz/$(1).o \
		     $(FUZZ_REPLAY)/obj/tests/fuzz/fuzz_common.o \
		     $(FUZZ_REPLAY)/obj/tests/fuzz/replay.o $(FUZZ_SRC_$(1):%.c=$(FUZZ_REPLAY)/obj/%.o) \
		     $(if $(filter $(1),$(FUZZ_ENGINE)),$(FUZZ_REPLAY)/libengine.a)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $$@ $$^ $(PKG_LIBS) -lm

# Runs on a copy of the corpus, which keeps what libFuzzer finds between runs; prints
# runs and exec/s from libFuzzer's final stats, or the crash input and what to do with it.
fuzz-run-$(1): $(FUZZ_OUT)/$(1) $(if $(filter fuzz_engine,$(1)),$(FUZZ_KB))
	@mkdir -p $(FUZZ_OUT)/work/$(1) $(FUZZ_OUT)/crashes/$(1)
	@cp tests/fuzz/corpus/$(1)/* $(FUZZ_OUT)/work/$(1)/
	@log=$(FUZZ_OUT)/$(1).log; \
	RULINGBOT_FUZZ_KB=$(FUZZ_KB) $(FUZZ_OUT)/$(1) $(FUZZ_RUN_FLAGS) \
		-max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(FUZZ_OUT)/crashes/$(1)/ \
		$(if $(FUZZ_DICT_$(1)),-dict=$(FUZZ_DICT_$(1))) $(FUZZ_OUT)/work/$(1) \
		>$$$$log 2>&1; \
	rc=$$$$?; \
	if [ $$$$rc -ne 0 ]; then \
		tail -n 60 $$$$log; \
		crash=$$$$(sed -n 's/.*Test unit written to //p' $$$$log | tail -n 1); \
		echo "$(1): FAILED (exit $$$$rc), full log in $$$$log"; \
		echo "$(1): the failing input is $$$${crash:-(none written)}:" \
			"add it to tests/fuzz/corpus/$(1)/ as a regression input, named for" \
			"what it is, once the bug is fixed"; \
		exit 1; \
	fi; \
	runs=$$$$(sed -n 's/^stat::number_of_executed_units: *//p' $$$$log); \
	eps=$$$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$$$log); \
	cov=$$$$(grep -o 'cov: [0-9]*' $$$$log | tail -n 1); \
	echo "$(1): $$$$runs runs in $(FUZZ_SECONDS) s, $$$$eps exec/s, $$$$cov, no crash"

fuzz-replay-run-$(1): $(FUZZ_REPLAY)/$(1) $(if $(filter fuzz_engine,$(1)),$(FUZZ_KB))
	RULINGBOT_FUZZ_KB=$(FUZZ_KB) $(FUZZ_REPLAY)/$(1) tests/fuzz/corpus/$(1)

.PHONY: fuzz-run-$(1) fuzz-replay-run-$(1)
endef

$(foreach d,$(FUZZ_DRIVERS),$(eval $(call fuzz_template,$(d))))

# make test (and make asan, make valgrind) replays the corpora: tests/run runs these.
test valgrind: $(FUZZ_REPLAY_PROGRAMS)

-include $(shell find $(FUZZ_OUT)/obj $(FUZZ_REPLAY)/obj -name '*.d' 2>/dev/null)
