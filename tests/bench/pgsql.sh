#!/bin/bash
# pgsql.sh - per-invocation cost of check_pgsql and check_sql against
# monitoring-plugins' check_pgsql, on one private PostgreSQL cluster (started
# here as tests/integration do, stopped at exit), same run: median wall time,
# CPU time (user + system of the plugin) and peak RSS over N runs, and the
# ratio tandem/peer (below 1.0: tandem is cheaper). Each case runs in rounds
# (TD_BENCH_ROUNDS, default 10) that alternate tandem and the peer, so drift
# on the machine hits both alike; the figures are the medians of the rounds'
# medians. Wall time includes the server's work (a backend is forked for
# every connection), CPU time is the plugin's own.
#
#   tests/bench/pgsql.sh [BUILD_DIR] [N]      (default: build/werror, 200)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build/werror}
n=${2:-200}
rounds=${TD_BENCH_ROUNDS:-10}
peer=/usr/lib/nagios/plugins/check_pgsql
bench=$build/td-bench
[ -x "$bench" ] || { echo "pgsql.sh: build first ($bench missing)" >&2; exit 1; }
[ -x "$build/check_pgsql" ] || { echo "pgsql.sh: $build/check_pgsql missing (libpq?)" >&2; exit 1; }
[ -x "$peer" ] || { echo "pgsql.sh: sudo contrib/install-deps.sh --bench" >&2; exit 1; }

# The cluster helpers; lib.sh gives at_exit and free_port (and prints nothing).
top_srcdir=$top top_builddir=$build
. "$top/tests/integration/lib.sh"
. "$top/tests/integration/pg-lib.sh"
pg_setup >/dev/null || { echo "pgsql.sh: could not start PostgreSQL" >&2; exit 1; }

# median VALUES...: of a handful of numbers
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }

# measure NAME TANDEM_CMD... -- PEER_CMD...: one table row
measure() {
	local name=$1 i
	shift
	local -a mine=() theirs=()
	while [ "$1" != "--" ]; do mine+=("$1"); shift; done
	shift
	theirs=("$@")
	local -a tw=() tc=() tr=() pw=() pc=() pr=()
	local per=$(( (n + rounds - 1) / rounds )) a b c rc
	for ((i = 0; i < rounds; i++)); do
		read -r a b c rc < <("$bench" "$per" "${mine[@]}")
		tw+=("$a") tc+=("$b") tr+=("$c")
		read -r a b c rc < <("$bench" "$per" "${theirs[@]}")
		pw+=("$a") pc+=("$b") pr+=("$c")
	done
	local w1 c1 r1 w2 c2 r2
	w1=$(median "${tw[@]}") c1=$(median "${tc[@]}") r1=$(median "${tr[@]}")
	w2=$(median "${pw[@]}") c2=$(median "${pc[@]}") r2=$(median "${pr[@]}")
	printf '%-44s %9.3f %9.3f %9.0f | %9.3f %9.3f %9.0f | %6.2f %6.2f %6.2f\n' "$name" \
		"$w1" "$c1" "$r1" "$w2" "$c2" "$r2" \
		"$(awk "BEGIN{print $w1/$w2}")" "$(awk "BEGIN{print ($c2>0)?$c1/$c2:0}")" \
		"$(awk "BEGIN{print $r1/$r2}")"
}

conn=(-H 127.0.0.1 -P "$PG_PORT" -l monitor)
query=(-d shop -q 'select count(*) from orders' -W 10 -C 20)
printf '%-44s %9s %9s %9s | %9s %9s %9s | %6s %6s %6s\n' "command (N=$n, medians)" \
	"wall ms" "cpu ms" "rss KB" "peer wall" "peer cpu" "peer rss" "wall" "cpu" "rss"
measure "check_pgsql -w 1 -c 2 (connection)" \
	"$build/check_pgsql" "${conn[@]}" -w 1 -c 2 -- "$peer" "${conn[@]}" -w 1 -c 2
measure "check_pgsql -q 'count(*)' -W 10 -C 20" \
	"$build/check_pgsql" "${conn[@]}" "${query[@]}" -- "$peer" "${conn[@]}" "${query[@]}"
measure "check_sql -q 'count(*)' -w 10 -c 20 (vs peer -q)" \
	"$build/check_sql" "${conn[@]}" -d shop -q 'select count(*) from orders' -w 10 -c 20 \
	-- "$peer" "${conn[@]}" "${query[@]}"
measure "check_pgsql over the Unix socket" \
	"$build/check_pgsql" -H "$PG_DIR" -P "$PG_PORT" -l monitor -- "$peer" -H "$PG_DIR" -P "$PG_PORT" -l monitor
