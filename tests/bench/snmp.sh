#!/bin/bash
# snmp.sh - per-invocation cost of check_snmp (in-process net-snmp) against
# monitoring-plugins' check_snmp (which forks snmpget), and of check_snmp_if
# against check_ifoperstatus (perl Net::SNMP), on the same private snmpd in
# the same run: median wall time, CPU time (user+system, children included)
# and peak RSS over N runs in ten alternating rounds, and the ratio
# tandem/peer (below 1.0: tandem is cheaper).
#
#   tests/bench/snmp.sh [BUILD_DIR] [N]      (default: build/werror, 200)
#
# Named OIDs: Debian ships no standard MIB (snmp-mibs-downloader is
# non-free), so a name like sysUpTime.0 cannot be resolved by either tool:
# tandem fails at once (UNKNOWN), the peer's snmpget prints hundreds of MIB
# errors and the peer hangs until its own timeout. The named case below
# therefore gives both a one-module private MIB (-m TANDEM-TEST-MIB, via
# MIBDIRS), the cost of a name that does resolve.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build/werror}
n=${2:-200}
bench=$build/td-bench
peer=/usr/lib/nagios/plugins
[ -x "$bench" ] || { echo "snmp.sh: build first ($bench missing)" >&2; exit 1; }
[ -x "$build/check_snmp" ] || { echo "snmp.sh: no $build/check_snmp (net-snmp?)" >&2; exit 1; }
[ -x "$peer/check_snmp" ] || { echo "snmp.sh: sudo contrib/install-deps.sh --bench" >&2; exit 1; }
command -v snmpget >/dev/null || { echo "snmp.sh: the peer needs snmpget (snmp)" >&2; exit 1; }

# The private agent of the integration tests (lib.sh gives $td_tmp and cleanup).
top_srcdir=$top top_builddir=$build TD_BIN=$build
. "$top/tests/integration/lib.sh"
. "$top/tests/integration/snmpd-lib.sh"
snmpd_start >/dev/null || { echo "snmp.sh: snmpd did not start" >&2; exit 1; }
mkdir -p "$td_tmp/mibs" "$td_tmp/state"
cat >"$td_tmp/mibs/TANDEM-TEST-MIB.txt" <<'MIB'
TANDEM-TEST-MIB DEFINITIONS ::= BEGIN
tdTestName OBJECT IDENTIFIER ::= { iso org(3) dod(6) internet(1) mgmt(2) mib-2(1) system(1) 5 }
END
MIB
export MIBDIRS=$td_tmp/mibs
# check_snmp is stateful (--rate); check_main writes its state file on every
# run, so where it lives is part of the cost: the disk, as in production.
export TANDEM_STATE_DIR=$td_tmp/state
state_shm=
[ -d /dev/shm ] && state_shm=$(mktemp -d /dev/shm/tandem-bench.XXXXXX)
cleanup_shm() { [ -n "$state_shm" ] && rm -rf "$state_shm"; return 0; }
at_exit cleanup_shm

V2=(-H 127.0.0.1 -p "$snmp_port" -P 2c -C public)
V3=(-H 127.0.0.1 -p "$snmp_port" -P 3 -L authPriv -U tdsha -a SHA -A authpass-sha1 -x AES
	-X privpass-aes1)
# agent-native OIDs: the pass_persist ones cost the agent a shell script each
O3="$snmp_oid_uptime,1.3.6.1.2.1.2.2.1.10.1,1.3.6.1.2.1.2.2.1.16.1"

# median of the numbers on stdin
median() {
	sort -g | awk '{ v[NR] = $1 }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Ten alternating rounds of N/10 runs each, so drift on a busy machine hits
# both alike; each figure is the median of the rounds' medians.
row() { # LABEL "TANDEM CMD" "PEER CMD" [ENV=VALUE for tandem]
	local label=$1 ours=$2 theirs=$3 k=$(( n / 10 > 0 ? n / 10 : 1 )) tw tc tr pw pc pr
	: >"$td_tmp/t" && : >"$td_tmp/p"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		# shellcheck disable=SC2086
		env ${4:-X=} "$bench" "$k" $ours >>"$td_tmp/t"
		# shellcheck disable=SC2086
		"$bench" "$k" $theirs >>"$td_tmp/p"
	done
	tw=$(cut -d' ' -f1 "$td_tmp/t" | median) tc=$(cut -d' ' -f2 "$td_tmp/t" | median)
	tr=$(cut -d' ' -f3 "$td_tmp/t" | median)
	pw=$(cut -d' ' -f1 "$td_tmp/p" | median) pc=$(cut -d' ' -f2 "$td_tmp/p" | median)
	pr=$(cut -d' ' -f3 "$td_tmp/p" | median)
	printf '%-46s %8.3f %8.3f %7.0f | %8.3f %8.3f %7.0f | %5.2f %5.2f %5.2f\n' "$label" \
		"$tw" "$tc" "$tr" "$pw" "$pc" "$pr" \
		"$(awk "BEGIN{print $tw/$pw}")" "$(awk "BEGIN{print ($pc>0)?$tc/$pc:0}")" \
		"$(awk "BEGIN{print $tr/$pr}")"
}

printf '%-46s %8s %8s %7s | %8s %8s %7s | %5s %5s %5s\n' "case (N=$n, medians)" \
	"wall ms" "cpu ms" "rss KB" "peer ms" "peer cpu" "rss KB" "wall" "cpu" "rss"
row "numeric OID, v2c" "$build/check_snmp ${V2[*]} -o $snmp_oid_uptime" \
	"$peer/check_snmp ${V2[*]} -o $snmp_oid_uptime"
[ -n "$state_shm" ] && row "numeric OID, v2c, state file on tmpfs" \
	"$build/check_snmp ${V2[*]} -o $snmp_oid_uptime" \
	"$peer/check_snmp ${V2[*]} -o $snmp_oid_uptime" "TANDEM_STATE_DIR=$state_shm"
row "3 numeric OIDs, thresholds, v2c" "$build/check_snmp ${V2[*]} -o $O3 -w 1:,1:,1: -c 0:,0:,0:" \
	"$peer/check_snmp ${V2[*]} -o $O3 -w 1:,1:,1: -c 0:,0:,0:"
row "named OID (one private MIB module), v2c" \
	"$build/check_snmp ${V2[*]} -m TANDEM-TEST-MIB -o tdTestName.0" \
	"$peer/check_snmp ${V2[*]} -m TANDEM-TEST-MIB -o tdTestName.0"
row "numeric OID, v3 authPriv SHA/AES" "$build/check_snmp ${V3[*]} -o $snmp_oid_uptime" \
	"$peer/check_snmp ${V3[*]} -o $snmp_oid_uptime"
if [ -x "$peer/check_ifoperstatus" ] && perl -MNet::SNMP -e1 2>/dev/null; then
	row "interface lo (check_ifoperstatus)" "$build/check_snmp_if ${V2[*]} -d lo" \
		"$peer/check_ifoperstatus -H 127.0.0.1 -p $snmp_port -C public -d lo"
fi
# No peer figure: with no MIB installed the peer waits for its timeout.
# ... and Debian's own MIB directories, as a user would have them.
read -r tw tc tr code < <(env -u MIBDIRS "$bench" "$n" "$build/check_snmp" "${V2[@]}" \
	-o sysUpTime.0)
printf '%-46s %8.3f %8.3f %7.0f | (peer: hangs until its timeout; exit %s here)\n' \
	"name without a MIB (UNKNOWN at once)" "$tw" "$tc" "$tr" "$code"
