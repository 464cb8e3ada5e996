# logtools: Unix-pipe tools for event logs.  A plain Makefile: a list of
# binaries, the library's objects, pattern rules.  Adding a binary is adding
# its name to BINS plus cmd/NAME.c, man/NAME.1 and tests/NAME.bats.

VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINS     = logappend logcat logseek logcompact
MAN1     = $(BINS:%=man/%.1)
MAN5     = man/logformat.5
MAN7     = man/logtools.7

CC      ?= cc
CFLAGS  ?= -O2 -g
XCFLAGS  = -std=c11 -D_GNU_SOURCE -DLOGTOOLS_VERSION='"$(VERSION)"' \
           -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Ilib
LDLIBS   = -lcbor -lz -lisal -lxxhash -lm -lpthread

# BUILD is where objects and binaries go; the sanitizer build uses another.
BUILD   ?= build/release
LIB_SRC  = $(wildcard lib/*.c)
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(BUILD)/obj/%.o)
LIB_A    = $(BUILD)/liblogtools.a
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS    = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS  = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
SAN      = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 30

.PHONY: all bins units test unit bats asan fuzz fuzz-build deps demo bench crash faults soak soak-tsan \
        install clean
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

# make test: unit tests and command tests (the fault, crash and power-loss
# loops at CI size among them), then both again under ASan+UBSan, the soak
# for a minute and under ThreadSanitizer for half a minute, then each fuzz
# target for FUZZ_SECONDS from its seed corpus.
test: deps
	$(MAKE) unit bats
	$(MAKE) asan
	$(MAKE) soak SECONDS=60
	$(MAKE) soak-tsan TSAN_SECONDS=30
	$(MAKE) fuzz

unit: units
	@for t in $(UNITS); do echo "unit: $$t"; $$t || exit 1; done

bats: $(BINS:%=$(BUILD)/bin/%) build/faultshim.so
	LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin SHIM=$(CURDIR)/build/faultshim.so bats tests/

# the fault-injection shim (LD_PRELOAD): tests/faults/faultshim.c
build/faultshim.so: tests/faults/faultshim.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -O2 -g -Wall -Wextra -o $@ $< -ldl

asan:
	$(MAKE) BUILD=build/asan CFLAGS="$(SAN)" unit bats

fuzz-build: $(FUZZERS)
build/fuzz/%: tests/fuzz/%.c $(LIB_SRC) lib/*.h
	@mkdir -p $(@D)
	clang $(XCFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRC) $(LDLIBS)

fuzz: fuzz-build
	@for f in $(FUZZERS); do n=$${f##*/fuzz_}; mkdir -p build/fuzz/corpus-$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	    build/fuzz/corpus-$$n tests/fuzz/corpus/$$n 2>build/fuzz/$$n.log \
	    || { tail -50 build/fuzz/$$n.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units' build/fuzz/$$n.log; done

deps:
	@scripts/deps

demo: deps bins
	scripts/demo

bench: bins
	scripts/bench

# make crash N=5000: kill -9 logcompact, logappend (each sync mode) and a
# logcat --group reader at random moments, and power loss on copies of a
# log, N times each, checking the log after each (make test runs 100-200).
N ?= 1000
crash: bins
	tests/crash/compact-kill-loop $(N)
	tests/crash/append-kill-loop $(N)
	tests/crash/group-kill-loop $(N)
	tests/crash/power-loss $(N)

# make faults: every I/O call of logappend, logcompact and logcat --group
# failing in turn (ENOSPC, EIO, EDQUOT, short writes), and ulimit -f
faults: bins build/faultshim.so
	LOGTOOLS_BIN=$(CURDIR)/$(BUILD)/bin SHIM=$(CURDIR)/build/faultshim.so tests/faults/run-faults

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
