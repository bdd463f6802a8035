#!/bin/bash
# http.sh - per-invocation cost of check_http against monitoring-plugins'
# check_curl and check_http, on the same loopback nginx page, same run:
# median wall time, CPU time (user+system) and peak RSS, and the ratios
# tandem/peer (below 1.0: tandem is cheaper). The goal is at or below 1.0
# against check_curl on all three.
#
# The runs alternate between the three plugins in rounds, so that drift on
# the machine hits each alike; the figure per plugin is the median of its
# per-round medians (td-bench prints one median per round).
#
#   tests/bench/http.sh [BUILD_DIR] [N] [ROUNDS]     (default: build/werror, 200, 5)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/build/werror}" 2>/dev/null && pwd) || { echo "http.sh: no build dir ${1:-}" >&2; exit 1; }
n=${2:-200}
rounds=${3:-5}
peer=/usr/lib/nagios/plugins
bench=$build/td-bench
[ -x "$bench" ] || { echo "http.sh: build first ($bench missing)" >&2; exit 1; }
[ -x "$build/check_http" ] || { echo "http.sh: $build/check_http missing (libcurl?)" >&2; exit 1; }
[ -x "$peer/check_curl" ] || { echo "http.sh: sudo contrib/install-deps.sh (monitoring-plugins)" >&2; exit 1; }
command -v nginx >/dev/null || { echo "http.sh: nginx missing" >&2; exit 1; }

# The integration tests' nginx: lib.sh gives it a private temp dir, a free
# port and a stop at exit.
top_srcdir=$top
top_builddir=$build
# shellcheck source=../integration/lib.sh
. "$top/tests/integration/lib.sh"
# shellcheck source=../integration/fixtures/http/server.sh
. "$top/tests/integration/fixtures/http/server.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
http_start >&2 || exit 1
: >"$http_log" # nginx logs every request: keep the file small
per_round=$(( (n + rounds - 1) / rounds ))

# median of numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure LABEL-ARGS-TANDEM_EXTRA: prints one table row
measure() {
	local args=$1 extra=$2 name r i
	local -A wall cpu rss
	for r in $(seq 1 "$rounds"); do
		for name in tandem curl http; do
			case $name in
			tandem) cmd=("$build/check_http") ;;
			curl) cmd=("$peer/check_curl") ;;
			http) cmd=("$peer/check_http") ;;
			esac
			# shellcheck disable=SC2086
			if [ "$name" = tandem ]; then
				read -r w c m rc < <("$bench" "$per_round" "${cmd[@]}" $args $extra)
			else
				read -r w c m rc < <("$bench" "$per_round" "${cmd[@]}" $args)
			fi
			[ "$rc" = 0 ] || echo "http.sh: $name $args exits $rc" >&2
			wall[$name]="${wall[$name]:-} $w"
			cpu[$name]="${cpu[$name]:-} $c"
			rss[$name]="${rss[$name]:-} $m"
		done
	done
	for name in tandem curl http; do
		read -r "w_$name" <<<"$(printf '%s\n' ${wall[$name]} | median)"
		read -r "c_$name" <<<"$(printf '%s\n' ${cpu[$name]} | median)"
		read -r "m_$name" <<<"$(printf '%s\n' ${rss[$name]} | median)"
	done
	ratio() { awk "BEGIN { printf \"%.2f\", ($2 > 0) ? $1 / $2 : 0 }"; }
	printf '%-34s | %7.3f %7.3f %6.0f | %7.3f %7.3f %6.0f | %7.3f %7.3f %6.0f | %5s %5s %5s | %5s %5s %5s\n' \
		"$3" "$w_tandem" "$c_tandem" "$m_tandem" "$w_curl" "$c_curl" "$m_curl" "$w_http" "$c_http" "$m_http" \
		"$(ratio "$w_tandem" "$w_curl")" "$(ratio "$c_tandem" "$c_curl")" "$(ratio "$m_tandem" "$m_curl")" \
		"$(ratio "$w_tandem" "$w_http")" "$(ratio "$c_tandem" "$c_http")" "$(ratio "$m_tandem" "$m_http")"
}

echo "N=$n per plugin and case ($rounds rounds of $per_round), medians; wall and cpu in ms, rss in KB"
printf '%-34s | %-22s | %-22s | %-22s | %-17s | %-17s\n' "case" "tandem check_http" "check_curl" \
	"check_http (peer)" "tandem/check_curl" "tandem/check_http"
printf '%-34s | %7s %7s %6s | %7s %7s %6s | %7s %7s %6s | %5s %5s %5s | %5s %5s %5s\n' "" \
	wall cpu rss wall cpu rss wall cpu rss wall cpu rss wall cpu rss
H="-I 127.0.0.1 -p $http_port"
measure "$H" "" "GET / (426 B page)"
measure "$H -w 1 -c 2 -s tandem" "" "GET / -w 1 -c 2 -s tandem"
measure "$H -u /json/stats.json -e 200" "" "GET /json/stats.json -e 200"
# https: tandem verifies the certificate (against the test CA), the peers do not
measure "-H valid.test -I 127.0.0.1 -p $tls_port -S" "--ca-file $http_dir/tls/ca.crt" "HTTPS GET / (tandem verifies)"
