#!/usr/bin/env bats
# logtools: what all the tools share.  One form for every usage error (a
# line "TOOL: what" and a hint, exit 2), man pages that render without a
# warning, and make install with the cron example working from where it is
# installed.

load helper

TOOLS="logappend logcat logseek logcompact"

# usage_form TOOL ARGS...: TOOL ARGS exits 2 and says on stderr exactly two
# lines, "TOOL: something" then the hint, and nothing on stdout
usage_form() {
	local tool=$1
	shift
	runio "$tool" "$@" </dev/null
	expect_status 2 || fail "for: $tool $*"
	expect_file "$T/stdout" ""
	[ "$(grep -c '' "$T/stderr")" -eq 2 ] || fail "$tool $*: not two lines:" "$(cat "$T/stderr")"
	expect_match "$T/stderr" "^$tool: [^ ]"
	[ "$(sed -n 2p "$T/stderr")" = "Try '$tool --help' for more information." ] ||
		fail "$tool $*: no hint:" "$(cat "$T/stderr")"
}

@test "usage errors: one form in every tool (unknown option, missing argument, missing or extra LOGDIR, bad value)" {
	local t
	for t in $TOOLS; do
		usage_form $t --no-such-option x
		usage_form $t -Q x
		usage_form $t
		usage_form $t a b
	done
	usage_form logappend --input
	usage_form logappend --input xml x
	usage_form logappend --sync sometimes x
	usage_form logcat --from
	usage_form logcat --from zz x
	usage_form logcat --commit never --group g x
	usage_form logcat --group a/b x
	usage_form logseek --time q x
	usage_form logseek --offset q x
	usage_form logseek --histogram q x
	usage_form logcompact --retain-time q x
	usage_form logcompact x
}

@test "usage errors: a bad value names its option first, then the value ('TOOL: --option: ... 'VALUE'')" {
	local tool opt value
	while read -r tool opt value; do
		usage_form $tool "$opt" "$value" x
		expect_match "$T/stderr" "^$tool: $opt: .*'$value'"
	done <<-'EOF'
		logappend --key a..b
		logappend --time-unit h
		logappend --input xml
		logappend --sync sometimes
		logappend --segment-bytes 7
		logappend --segment-age 7
		logappend --max-record-size 8
		logcat --from zz
		logcat --to zz
		logcat --max-records zz
		logcat --group a/b
		logcat --commit never
		logcat --commit-interval 5
		logcat --format %q
		logseek --time zz
		logseek --offset zz
		logseek --histogram zz
		logseek --group a/b
		logseek --delete-group a/b
		logcompact --retain-time 7
		logcompact --retain-size 7
		logcompact --tombstone-retention 7
		logcompact --min-lag 7
		logcompact --segment-bytes 1K
		logcompact --memory 1K
		logcompact --now zz
	EOF
	usage_form logseek --group g --reset zz x
	expect_match "$T/stderr" "^logseek: --reset: .*'zz'"
	usage_form logcompact --compress=11 x
	expect_match "$T/stderr" "^logcompact: --compress: .*'11'"
}

@test "man pages: every page renders without a warning from man or mandoc" {
	local p
	for p in "$ROOT"/man/*.[157]; do
		man --warnings -l "$p" >/dev/null 2>warnings || true
		expect_file warnings "" || fail "man --warnings: $p"
		# -W warning: everything but style notes (mandoc cannot resolve
		# the references to our own pages before they are installed)
		mandoc -T lint -W warning "$p" >lint 2>&1 || true
		expect_file lint "" || fail "mandoc -T lint: $p"
	done
}

@test "man pages: no option swallows the words after it, no nested quotes" {
	local p
	for p in "$ROOT"/man/*.[157]; do
		man -l "$p" 2>/dev/null >rendered
		# '--verify, -too -many' was a .Fl line that took the sentence
		# after it for flags; '(‘now-2h, ‘-15m’’)' was nested .Ql
		! grep -nE ' -[a-z]+ -[a-z]+ -[a-z]+,' rendered || fail "$p: flags from words"
		! grep -n "‘[^’]*‘" rendered || fail "$p: nested quotes"
	done
}

@test "make install: binaries, the cron wrapper, the man pages and the crontab example; its lines run from cron's PATH and home" {
	make -s -C "$ROOT" install DESTDIR="$T/root" PREFIX=/usr/local >out 2>&1 || fail "$(cat out)"
	local p=$T/root/usr/local t
	for t in $TOOLS logcompact-cron; do
		[ -x "$p/bin/$t" ] || fail "not installed: bin/$t"
	done
	for t in logappend.1 logcat.1 logseek.1 logcompact.1; do
		[ -f "$p/share/man/man1/$t" ] || fail "not installed: $t"
	done
	[ -f "$p/share/man/man5/logformat.5" ] && [ -f "$p/share/man/man7/logtools.7" ] ||
		fail "formats or overview not installed"
	[ -f "$p/share/doc/logtools/crontab.example" ] || fail "crontab.example not installed"
	# every command line of the example, as cron runs it: no relative path
	grep -E '^#?[0-9*]' "$p/share/doc/logtools/crontab.example" | grep -v '^# m h' >lines
	[ "$(grep -c '' lines)" -ge 4 ] || fail "too few cron lines: $(cat lines)"
	! grep -E ' [a-z]+/( |$)' lines || fail "a relative log path in crontab.example"
	# run each with cron's environment (env -i, HOME, the file's PATH line
	# moved under DESTDIR) on logs under $T/srv instead of /srv
	local path
	path=$(sed -n 's/^PATH=//p' "$p/share/doc/logtools/crontab.example")
	[ -n "$path" ] || fail "no PATH line"
	mkdir -p srv/logs home
	for t in events clicks views; do
		seq 1 50 | awk '{printf "{\"k\":%d,\"v\":%d}\n", $1 % 7, $1}' |
			logappend --key k "srv/logs/$t"
	done
	while read -r _ _ _ _ _ cmd; do
		cmd=${cmd//\/srv\//$T/srv/}
		cmd=${cmd//\/var\/log\//$T/}
		env -i HOME="$T/home" PATH="$p/bin:$path" sh -c "cd && $cmd" >out 2>&1 ||
			fail "cron line failed: $cmd" "$(cat out)"
	done < <(sed 's/^#//' lines)
	# the wrapper's log names each of its two logs
	grep -q "$T/srv/logs/clicks/: done" "$T/logcompact.log" &&
		grep -q "$T/srv/logs/views/: done" "$T/logcompact.log" ||
		fail "the wrapper's --log-file:" "$(cat "$T/logcompact.log")"
}
