#!/bin/bash
# local.sh - per-invocation cost of each local plugin against its
# monitoring-plugins peer (Debian's monitoring-plugins-basic/-standard),
# same machine, same run: median wall time, CPU time (user+system, children
# included) and peak RSS over N runs, and the ratio tandem/peer (below 1.0:
# tandem is cheaper). Rounds alternate between tandem and the peer so that
# drift on the machine hits both alike.
#
#   tests/bench/local.sh [BUILD_DIR] [N]      (default: build/werror, 200)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build/werror}
n=${2:-200}
peer=/usr/lib/nagios/plugins
bench=$build/td-bench
[ -x "$bench" ] || { echo "local.sh: build first ($bench missing)" >&2; exit 1; }
[ -x "$peer/check_load" ] || { echo "local.sh: sudo contrib/install-deps.sh --bench" >&2; exit 1; }

# A loopback listener for check_tcp.
fifo=$(mktemp -u)
mkfifo "$fifo"
"$build/td-test-listen" banner "220 bench ready" >"$fifo" &
lpid=$!
read -r port <"$fifo"
rm -f "$fifo"
trap 'kill $lpid 2>/dev/null' EXIT

cases=(
	"check_load|-w 5,4,3 -c 10,8,6"
	"check_disk|-w 20% -c 10% -p /"
	"check_disk|-w 20% -c 10%"
	"check_procs|-w 500 -c 1000"
	"check_procs|-C sshd -c 0:100"
	"check_tcp|-H 127.0.0.1 -p $port -w 1 -c 2"
	"check_tcp|-H 127.0.0.1 -p $port -e 220"
)

printf '%-40s %9s %9s %9s | %9s %9s %9s | %6s %6s %6s\n' "command (N=$n, medians)" \
	"wall ms" "cpu ms" "rss KB" "peer wall" "peer cpu" "peer rss" "wall" "cpu" "rss"
for c in "${cases[@]}"; do
	name=${c%%|*}
	args=${c#*|}
	# shellcheck disable=SC2086
	read -r tw tc tr _ < <("$bench" "$n" "$build/$name" $args)
	# shellcheck disable=SC2086
	read -r pw pc pr _ < <("$bench" "$n" "$peer/$name" $args)
	printf '%-40s %9.3f %9.3f %9.0f | %9.3f %9.3f %9.0f | %6.2f %6.2f %6.2f\n' "$name $args" \
		"$tw" "$tc" "$tr" "$pw" "$pc" "$pr" \
		"$(awk "BEGIN{print $tw/$pw}")" "$(awk "BEGIN{print ($pc>0)?$tc/$pc:0}")" "$(awk "BEGIN{print $tr/$pr}")"
done
# check_mem has no peer in monitoring-plugins; the shell scripts people use
# instead run free(1), the floor of what they cost.
read -r tw tc tr _ < <("$bench" "$n" "$build/check_mem" -w 90 -c 95)
read -r pw pc pr _ < <("$bench" "$n" free -b)
printf '%-40s %9.3f %9.3f %9.0f | %9.3f %9.3f %9.0f | %6.2f %6.2f %6.2f\n' "check_mem -w 90 -c 95 (vs free -b)" \
	"$tw" "$tc" "$tr" "$pw" "$pc" "$pr" \
	"$(awk "BEGIN{print $tw/$pw}")" "$(awk "BEGIN{print ($pc>0)?$tc/$pc:0}")" "$(awk "BEGIN{print $tr/$pr}")"
