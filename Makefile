# logtools: Unix-pipe tools for event logs.  A plain Makefile: a list of
# binaries, the library's objects, pattern rules.  Adding a binary is adding
# its name to BINS plus cmd/NAME.c, man/NAME.1 and tests/NAME.bats.

VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINS     = logappend logcat logseek logcompact logwindow logjoin logkafka
MAN1     = $(BINS:%=man/%.1)
MAN5     = man/logformat.5
MAN7     = man/logtools.7

CC      ?= cc
CFLAGS  ?= -O2 -g
XCFLAGS  = -std=c11 -D_GNU_SOURCE -DLOGTOOLS_VERSION='"$(VERSION)"' \
           -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Ilib
LDLIBS   = -lcbor -lz -lisal -lxxhash -lrdkafka -lm -lpthread

# BUILD is where objects and binaries go; the sanitizer build uses another.
BUILD   ?= build/release
LIB_SRC  = $(wildcard lib/*.c)
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(BUILD)/obj/%.o)
LIB_A    = $(BUILD)/liblogtools.a
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS    = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS  = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJ = $(LIB_SRC:lib/%.c=build/fuzz/obj/%.o)
FUZZ_LIB = build/fuzz/liblogtools.a
SAN      = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SAN = -O1 -g -fsanitize=address,undefined
FUZZ_SECONDS ?= 30
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all bins units test check-long unit bats asan fuzz fuzz-build deps demo bench bench-window bench-join bench-topic bench-kafka bench-cdc bench-checkpoint crash faults \
        soak soak-tsan install clean
all: bins
bins: $(BINS:%=$(BUILD)/bin/%)
	@mkdir -p bin && for b in $(BINS); do ln -sf ../$(BUILD)/bin/$$b bin/$$b; done

$(BUILD)/obj/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(BUILD)/bin/%: cmd/%.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -Itests/unit $(CFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

units: $(UNITS)

# make test (at most 20 minutes on a 2-core machine, from a clean clone):
# stages run by scripts/stages, which prints each one's wall time at the
# end, also when one fails (then make test fails).
#   unit+bats  the release build, the unit tests, the command tests (tests/*.bats:
#              the fault matrix's CI part, the crash and power-loss loops
#              at CI size, 60-250 iterations each)
#   asan       the unit tests again under ASan+UBSan, and the command tests
#              of ASAN_CI_BATS (the crash loops at 12% of their size,
#              CRASH_PERCENT=12; checkpoints); every command test
#              under ASan+UBSan is make check-long's asan stage
#   soak       the soak for 45 s (SECONDS)
#   soak-tsan  the soak under ThreadSanitizer for 30 s (TSAN_SECONDS)
#   fuzz       each fuzz target for 5 s (FUZZ_SECONDS; 300 s in make check-long) from its seed corpus
test: deps
	@scripts/stages \
	  unit+bats '$(MAKE) -j$(JOBS) bins units build/faultshim.so && $(MAKE) unit bats' \
	  asan '$(MAKE) asan ASAN_BATS="$(ASAN_CI_BATS)" CRASH_PERCENT=12' \
	  soak '$(MAKE) soak SECONDS=45' \
	  soak-tsan '$(MAKE) soak-tsan TSAN_SECONDS=30' \
	  fuzz '$(MAKE) -j$(JOBS) fuzz FUZZ_SECONDS=5'

# make check-long: the same loops at large size (about an hour on 2 cores,
# estimated from its parts): the crash and power-loss loops 1000 times
# each, the whole fault matrix, every command test under ASan+UBSan, the
# soak for 300 s plain and under TSan, each fuzz target for 300 s.
# CHECK_N, CHECK_SECONDS and
# CHECK_FUZZ_SECONDS change them.
CHECK_N ?= 1000
CHECK_SECONDS ?= 300
CHECK_FUZZ_SECONDS ?= 300
check-long: deps
	@scripts/stages \
	  crash '$(MAKE) -j$(JOBS) bins && $(MAKE) crash N=$(CHECK_N)' \
	  faults '$(MAKE) faults' \
	  asan '$(MAKE) asan' \
	  soak '$(MAKE) soak SECONDS=$(CHECK_SECONDS)' \
	  soak-tsan '$(MAKE) soak-tsan TSAN_SECONDS=$(CHECK_SECONDS)' \
	  fuzz '$(MAKE) -j$(JOBS) fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)'

unit: units
	@for t in $(UNITS); do echo "unit: $$t"; $$t || exit 1; done

# The command tests' files go to a tmpfs when there is one with 4 GiB free
# (TEST_TMPDIR, else TMPDIR): their fixtures sync thousands of times and
# are not about the disk.  The kill -9 loops are: their kills are timed
# for a disk's fsync, so they run in DISK_TMPDIR (TMPDIR, else /tmp).
TEST_TMPDIR ?= $(shell [ -w /dev/shm ] && df -Pk /dev/shm 2>/dev/null | \
                 awk 'NR == 2 && $$4 > 4194304 { print "/dev/shm" }')
ON_TMPFS = $(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR))
bats: $(BINS:%=$(BUILD)/bin/%) build/faultshim.so build/mockcluster
	DISK_TMPDIR=$${DISK_TMPDIR:-$${TMPDIR:-/tmp}} $(ON_TMPFS) \
	  LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin SHIM=$(CURDIR)/build/faultshim.so \
	  bats $(BATS_LANES) $(BATS_ORDER)

# The bats files run BATS_JOBS at a time (GNU parallel, through bats
# --jobs), each file's tests in turn, the slowest files first so that the
# lanes end together: most tests run one process at a time, and one lane
# leaves a core idle.  BATS_JOBS=1 runs them one after another.
BATS_JOBS ?= $(JOBS)
BATS_SLOWEST = tests/faults.bats tests/crash.bats tests/logappend.bats tests/logseek.bats \
	       tests/logcat.bats tests/logjoin.bats tests/logcompact.bats
BATS_EXPANDED = $(sort $(foreach f,$(BATS_FILES),$(if $(filter %.bats,$(f)),$(f),$(wildcard $(f:%/=%)/*.bats))))
BATS_ORDER = $(filter $(BATS_EXPANDED),$(BATS_SLOWEST)) $(filter-out $(BATS_SLOWEST),$(BATS_EXPANDED))
BATS_LANES = $(if $(filter-out 0 1,$(BATS_JOBS)),--jobs $(BATS_JOBS) --no-parallelize-within-files)

# make bats runs every tests/*.bats; make asan leaves out the files that
# test against the Kafka mock cluster (their time is mostly the cluster's
# and librdkafka's, and make test's 20 minutes are short): logkafka's and
# kcatjson's C code runs under ASan+UBSan in test_kafka and fuzz_kcatjson;
# tests/cdc.bats (PostgreSQL's time) and tests/logappend-wal2json.bats:
# wal2json's C code runs under ASan+UBSan in test_wal2json and fuzz_wal2json
BATS_FILES ?= tests/
# make test's asan stage: the files whose paths a memory error is likeliest
# on (kill -9 and its recovery, checkpoints' items and batches, the
# processors' state saved and restored, logwindow and logjoin in the
# checkpointed pipes); make test's 20 minutes do not hold every file twice
# (make check-long runs them all under ASan)
ASAN_CI_BATS = tests/crash.bats tests/checkpoint-log.bats tests/checkpoint-stream.bats \
	       tests/checkpoint-pipeline.bats tests/logseek-pipeline.bats
ASAN_BATS = $(filter-out tests/kafka.bats tests/logkafka.bats tests/logkafka-%.bats tests/cdc.bats tests/logappend-wal2json.bats,$(wildcard tests/*.bats))

# the fault-injection shim (LD_PRELOAD): tests/faults/faultshim.c
build/faultshim.so: tests/faults/faultshim.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -O2 -g -Wall -Wextra -o $@ $< -ldl

# the Kafka-protocol cluster of the tests (librdkafka's mock cluster):
# tests/kafka/mockcluster.c
build/mockcluster: tests/kafka/mockcluster.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Wno-unused-parameter -o $@ $< -lrdkafka

# the sanitizer pass: the crash loops of tests/crash.bats and logcompact.bats
# at CRASH_PERCENT of their size (what they look for there is a memory
# error on the paths they take, which fewer iterations reach as well)
CRASH_PERCENT ?= 25
asan:
	$(MAKE) -j$(JOBS) BUILD=build/asan CFLAGS="$(SAN)" $(BINS:%=build/asan/bin/%) units build/faultshim.so
	CRASH_PERCENT=$(CRASH_PERCENT) $(MAKE) BUILD=build/asan CFLAGS="$(SAN)" BATS_FILES="$(ASAN_BATS)" unit bats

# the fuzz targets: the library compiled once into an archive with the
# fuzzer's instrumentation (fuzzer-no-link) and ASan+UBSan, each target
# linked against it with libFuzzer
fuzz-build: $(FUZZERS)
build/fuzz/obj/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	clang $(XCFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $(FUZZ_OBJ)

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	clang $(XCFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(LDLIBS)

# make fuzz: each target for FUZZ_SECONDS from its seed corpus
# tests/fuzz/corpus/NAME, if it has one (new inputs go to
# build/fuzz/corpus-NAME); make -j2 fuzz runs two at a time
FUZZ_RUNS = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=fuzz-run-%)
fuzz: $(FUZZ_RUNS)
fuzz-run-%: build/fuzz/fuzz_%
	@mkdir -p build/fuzz/corpus-$*
	@echo "fuzz: $* for $(FUZZ_SECONDS)s"
	@$< -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	    build/fuzz/corpus-$* $(wildcard tests/fuzz/corpus/$*) 2>build/fuzz/$*.log \
	  || { tail -50 build/fuzz/$*.log; echo "fuzz: $* FAILED (build/fuzz/$*.log)"; exit 1; }
	@sed -n 's/^stat::number_of_executed_units: */fuzz: $* ran /p' build/fuzz/$*.log

deps:
	@scripts/deps

demo: deps bins
	scripts/demo

bench: bins
	scripts/bench

# logwindow against mawk, Miller and SQLite (issue 13's goals), results checked equal
bench-window: bins
	LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin scripts/bench-window

# logjoin against mawk, Miller and SQLite (issue 14's goals), results checked equal
bench-join: bins
	LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin scripts/bench-join

# partitioned topics against a single log (issue 15's goals), results checked
bench-topic: bins
	LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin scripts/bench-topic

# logkafka produce and consume against kcat on the mock cluster (issue 16's goals)
bench-kafka: bins build/mockcluster
	LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin MOCKCLUSTER=$(CURDIR)/build/mockcluster scripts/bench-kafka

# PostgreSQL's changes through pg_recvlogical into logappend --input wal2json
# against pg_recvlogical to a file (issue 18's goal)
bench-cdc: bins
	LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin scripts/bench-cdc

# checkpoints' cost (issue 17): throughput against the plain pipe, the state's size, a restart
bench-checkpoint: bins
	LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin scripts/bench-checkpoint

# make crash N=5000: kill -9 logcompact, logappend (each sync mode) and a
# logcat --group reader at random moments, and power loss on copies of a
# log, N times each, checking the log after each (make test runs 100-200,
# a quarter of that under ASan).
N ?= 1000
crash: bins build/mockcluster
	tests/crash/compact-kill-loop $(N)
	tests/crash/append-kill-loop $(N)
	tests/crash/group-kill-loop $(N)
	tests/crash/power-loss $(N)
	tests/crash/pipeline-kill-loop $(N)
	tests/crash/kafka-resume-kill-loop $(N)

# make faults: every I/O call of logappend, logcompact and logcat --group
# failing in turn (ENOSPC, EIO, EDQUOT, short writes), and ulimit -f; on
# the tmpfs of the tests (thousands of syncs, not about the disk)
faults: bins build/faultshim.so
	$(ON_TMPFS) LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin SHIM=$(CURDIR)/build/faultshim.so tests/faults/run-faults

# make soak SECONDS=600: writers, a compactor loop and group followers on
# one log for SECONDS, then everything checked against the model
SECONDS ?= 60
soak: bins
	LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin tests/soak/soak $(SECONDS)

# the same under ThreadSanitizer (the writer's background thread)
TSAN = -O1 -g -fsanitize=thread -fno-omit-frame-pointer
TSAN_SECONDS ?= 30
soak-tsan:
	$(MAKE) BUILD=build/tsan CFLAGS="$(TSAN)" $(BINS:%=build/tsan/bin/%)
	LOGTOOLS_BIN=$(CURDIR)/build/tsan/bin TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	  tests/soak/soak $(TSAN_SECONDS)

# the binaries, logcompact's cron wrapper beside them, the man pages, and
# the crontab example in share/doc/logtools
DOCDIR = $(PREFIX)/share/doc/logtools
install: bins
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(DOCDIR)
	install -m 755 $(BINS:%=$(BUILD)/bin/%) scripts/logcompact-cron $(DESTDIR)$(PREFIX)/bin
	install -m 644 scripts/crontab.example $(DESTDIR)$(DOCDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 644 $(MAN7) $(DESTDIR)$(PREFIX)/share/man/man7

clean:
	rm -rf build bin
