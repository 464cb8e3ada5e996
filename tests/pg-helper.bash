# pg-helper.bash - a PostgreSQL 15 server of the test's own, for the change
# data capture tests (tests/cdc.bats, issue 18).  Load it after helper.bash.
#
#   setup_file() { pg_template; }     # initdb once per file (about 2 s)
#   pg_start                          # a copy of it, started: sets PGDIR, PGDATA,
#                                     # PGHOST (the socket's directory), PGUSER, PGDATABASE
#   psql_q "select 1"                 # one value a line, unaligned, no header
#   psql_csv "select * from t"        # CSV with a header, NULL as \N (see below)
#   pg_stop                           # immediate; checks no process of it remains
#
# The server listens on a Unix socket in its own directory only
# (listen_addresses=''), with wal_level=logical, wal2json allowed as an
# output plugin (Debian's 15.x refuses it otherwise:
# output_plugin_libraries=wal2json), 8 slots and 8 WAL senders, and fsync
# off (the tests are not about the disk).  It runs as the postgres user when
# the test runs as root (the server refuses root): the directories above it
# that the test's framework made are opened to others for traversal (x)
# only.  teardown stops it whatever happened, and kills the processes the
# test registered with bg_started.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# as_pg CMD...: runs CMD as the postgres user when we are root.
as_pg() {
	if ((EUID == 0)); then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# pg_have: PostgreSQL 15 and wal2json are installed (else a message).
pg_have() {
	[ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/pg_recvlogical" ] ||
		fail "no PostgreSQL 15 in $PG_BIN (scripts/deps installs postgresql-15)" || return 1
	[ -e "$("$PG_BIN/pg_config" --pkglibdir)/wal2json.so" ] ||
		fail "no wal2json (scripts/deps installs postgresql-15-wal2json)"
}

# pg_opendirs DIR: every directory from DIR up to (and with) bats' run
# directory gets o+x, so that the postgres user reaches DIR.
pg_opendirs() {
	local d=$1 top=${BATS_RUN_TMPDIR:-$1}
	((EUID == 0)) || return 0
	while :; do
		chmod o+x "$d" || return 1
		[ "$d" = "$top" ] || [ "$d" = / ] && return 0
		case $d in "$top"/*) ;; *) return 0 ;; esac
		d=$(dirname "$d")
	done
}

# pg_template: initdb once for the file, into BATS_FILE_TMPDIR/template
# (trust authentication for the local socket, UTF-8, locale C).
pg_template() {
	pg_have || return 1
	PG_TEMPLATE=$BATS_FILE_TMPDIR/template
	mkdir -p "$PG_TEMPLATE"
	pg_opendirs "$BATS_FILE_TMPDIR" || return 1
	((EUID == 0)) && chown postgres: "$PG_TEMPLATE"
	as_pg "$PG_BIN/initdb" -D "$PG_TEMPLATE/data" -A trust -U postgres -E UTF8 \
		--locale=C.UTF-8 --no-sync >"$BATS_FILE_TMPDIR/initdb.log" 2>&1 ||
		fail "initdb failed:" "$(tail -20 "$BATS_FILE_TMPDIR/initdb.log")"
	export PG_TEMPLATE
}

# pg_start: a copy of the template, started and accepting connections
# (pg_ctl -w, at most 30 s).  Exports PGHOST, PGUSER, PGDATABASE (and
# PGTZ=UTC unless set) for the clients; PG_PIDS the server's processes.
pg_start() {
	[ -n "${PG_TEMPLATE:-}" ] || fail "pg_start: no template (call pg_template in setup_file)" || return 1
	PGDIR=$(mktemp -d "$T/pg.XXXX")
	pg_opendirs "$PGDIR" || return 1
	cp -a "$PG_TEMPLATE/data" "$PGDIR/data"
	((EUID == 0)) && chown -R postgres: "$PGDIR"
	PGDATA=$PGDIR/data
	# a socket's path is at most 107 bytes
	if [ ${#PGDIR} -gt 80 ]; then
		PGSOCK=$(mktemp -d /tmp/pgsock.XXXX)
		((EUID == 0)) && chown postgres: "$PGSOCK"
	else
		PGSOCK=$PGDIR
	fi
	PG_STARTED=1
	as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDIR/server.log" -w -t 30 -o "-c listen_addresses='' \
-k $PGSOCK -c wal_level=logical -c output_plugin_libraries=wal2json -c max_replication_slots=8 \
-c max_wal_senders=8 -c fsync=off -c full_page_writes=off -c synchronous_commit=on" start \
		>"$PGDIR/pg_ctl.log" 2>&1 ||
		fail "the server did not start:" "$(tail -20 "$PGDIR/server.log" "$PGDIR/pg_ctl.log")" || return 1
	export PGHOST=$PGSOCK PGUSER=postgres PGDATABASE=postgres PGTZ=${PGTZ:-UTC} PGDATA
	PG_PID=$(head -1 "$PGDATA/postmaster.pid")
}

# pg_pids: the server's processes (the postmaster and its children).
pg_pids() {
	[ -n "${PG_PID:-}" ] || return 0
	gone "$PG_PID" && return 0
	echo "$PG_PID"
	pgrep -P "$PG_PID" || true
}

# pg_stop: stops the server (immediate shutdown; kill -9 of what remains
# after 10 s) and fails if any of its processes still runs.
pg_stop() {
	local pids p i left
	[ -n "${PG_STARTED:-}" ] || return 0
	PG_STARTED=
	pids=$(pg_pids)
	as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 10 stop >>"$PGDIR/pg_ctl.log" 2>&1 || true
	for ((i = 0; i < 500; i++)); do
		left=
		for p in $pids; do
			gone "$p" || left+=" $p"
		done
		[ -z "$left" ] && break
		sleep 0.02
	done
	if [ -n "$left" ]; then
		kill -9 $left 2>/dev/null
		fail "server processes still ran after pg_ctl stop:$left"
		return 1
	fi
	# and nothing else runs on this data directory
	if pgrep -f -- "-D $PGDATA( |\$)" >/dev/null; then
		fail "a server on $PGDATA still runs: $(pgrep -a -f -- "-D $PGDATA")"
		return 1
	fi
	[ "$PGSOCK" = "$PGDIR" ] || rm -rf "$PGSOCK"
}

# psql_q SQL: runs SQL (stopping at the first error); prints the values,
# unaligned, one row a line, no header.
psql_q() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -c "$1"
}

# psql_csv SQL: the result as CSV (psql --csv) with a header; NULL is
# written \N, so that it differs from an empty text (written empty).
psql_csv() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 --csv -P 'null=\N' -c "$1"
}

# The helper's teardown, then the server stopped whatever happened.
eval "helper_teardown() $(declare -f teardown | tail -n +2)"
teardown() {
	helper_teardown
	pg_stop
}
