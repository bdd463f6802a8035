# pg-lib.sh - a private PostgreSQL cluster for the integration tests of
# check_pgsql and check_sql (and tests/bench/pgsql.sh). Sourced after lib.sh
# (it uses at_exit and free_port).
#
#   pg_setup                 initdb + start a primary on 127.0.0.1:$PG_PORT, sockets and
#                            data in $PG_DIR, fsync off; load the shop schema; registers
#                            pg_teardown with at_exit. Skips the whole test (TAP 1..0)
#                            when PostgreSQL is not installed.
#   pg_psql [PSQL ARGS]...   psql as the superuser on the primary, quiet, tuples only
#   pg_standby               a streaming standby (pg_basebackup -R) on $PG_STANDBY_PORT
#   pg_stop / pg_start       stop (immediate) / start the primary again
#
# initdb and postgres refuse to run as root: as root the server runs as the
# `postgres` user (runuser) in a directory that user owns; otherwise as the
# current user. Roles: postgres (superuser, trust over TCP), monitor (trust,
# read access and pg_monitor), pwuser (password PG_PW, scram-sha-256 over TCP),
# plain (trust, no privileges at all).

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_PW=tandem-secret-pw
PG_DIR=
PG_PORT=
PG_STANDBY_PORT=

pg_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# Runs a server-side command as the cluster's owner.
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_psql() {
	"$PG_BIN/psql" -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}

# pg_wait_ready PORT: until the server accepts connections (30 s at most).
pg_wait_ready() {
	local i
	for i in $(seq 1 300); do
		"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 1 && return 0
		sleep 0.1
	done
	return 1
}

pg_teardown() {
	local d
	if [ -n "$PG_DIR" ]; then
		for d in standby data; do
			[ -d "$PG_DIR/$d" ] &&
				pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/$d" -m immediate stop \
					>/dev/null 2>&1
		done
		rm -rf "$PG_DIR"
	fi
	return 0
}

pg_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 30 start >/dev/null &&
		pg_wait_ready "$PG_PORT"
}

pg_stop() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null
}

# pg_conf DATADIR: the settings both servers share (the port comes with pg_listen).
pg_conf() {
	cat >>"$1/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 20
shared_buffers = 16MB
wal_level = replica
max_wal_senders = 4
hot_standby = on
password_encryption = 'scram-sha-256'
EOF
}

pg_setup() {
	[ -x "$PG_BIN/initdb" ] ||
		pg_skip_all "PostgreSQL server binaries not found (PG_BIN=$PG_BIN)"
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		pg_skip_all "running as root and there is no postgres user to run the server"
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tandem-pg.XXXXXX")
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
	at_exit pg_teardown
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C \
		--no-sync >"$PG_DIR/initdb.log" 2>&1 || {
		cat "$PG_DIR/initdb.log" >&2
		return 1
	}
	pg_conf "$PG_DIR/data"
	# First match wins: pwuser must give its password; everyone else is trusted.
	cat >"$PG_DIR/data/pg_hba.conf" <<EOF
local all all trust
host all pwuser 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
EOF
	pg_listen data PG_PORT pg_start || {
		cat "$PG_DIR/log" >&2
		return 1
	}
	pg_psql -d postgres >/dev/null <<EOF
CREATE ROLE monitor LOGIN;
GRANT pg_monitor TO monitor;
CREATE ROLE pwuser LOGIN PASSWORD '$PG_PW';
CREATE ROLE plain LOGIN;
CREATE DATABASE shop;
EOF
	pg_psql -d shop >/dev/null <<'EOF'
CREATE TABLE orders (
	id serial PRIMARY KEY,
	payment_method text NOT NULL,
	amount numeric(10, 2),
	created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO orders (payment_method, amount)
	SELECT m, 10 + i FROM (VALUES ('card', 5), ('paypal', 3), ('invoice', 1)) v(m, n),
		generate_series(1, n) i;
CREATE TABLE signups (id serial PRIMARY KEY, plan text, created_at timestamptz DEFAULT now());
INSERT INTO signups (plan) SELECT 'free' FROM generate_series(1, 7);
INSERT INTO signups (plan) SELECT 'pro' FROM generate_series(1, 2);
CREATE TABLE audit (id serial PRIMARY KEY, what text);
-- A function that writes: check_sql must not let it.
CREATE FUNCTION log_and_count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO audit (what) VALUES ('called');
	RETURN (SELECT count(*) FROM audit);
END $$;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO monitor, pwuser;
EOF
}

pg_standby() {
	pg_as "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres -D "$PG_DIR/standby" \
		-R -X stream -c fast --no-sync >"$PG_DIR/basebackup.log" 2>&1 || {
		cat "$PG_DIR/basebackup.log" >&2
		return 1
	}
	# Named, so that the primary's pg_stat_replication shows which replica it is.
	local conninfo="host=127.0.0.1 port=$PG_PORT user=postgres application_name=standby1"
	echo "primary_conninfo = '$conninfo'" |
		pg_as sh -c "cat >>'$PG_DIR/standby/postgresql.auto.conf'"
	pg_listen standby PG_STANDBY_PORT pg_start_standby
}

pg_start_standby() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/standby" -l "$PG_DIR/standby.log" -w -t 30 start \
		>/dev/null && pg_wait_ready "$PG_STANDBY_PORT"
}

# pg_listen DIR VAR START: a free port into VAR and into $PG_DIR/DIR/postgresql.conf (its
# last `port =` wins), then START; another port when START fails, since another test may
# take a free port before the server binds it.
pg_listen() {
	local i
	for i in 1 2 3; do
		printf -v "$2" '%s' "$(free_port)"
		echo "port = ${!2}" | pg_as sh -c "cat >>'$PG_DIR/$1/postgresql.conf'"
		"$3" && return 0
	done
	return 1
}
