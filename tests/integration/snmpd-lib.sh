# snmpd-lib.sh - a private snmpd for the SNMP integration tests; source it
# after lib.sh.
#
#   snmpd_start             starts snmpd on 127.0.0.1 (and ::1 when $snmp_ipv6) and a
#                           free UDP port; sets $snmp_port, $snmp_dir; stopped at exit
#   snmpd_restart           stops and starts it again on the same port (sysUpTime
#                           starts over)
#   snmp_set NAME VALUE     sets a value the pass_persist script serves (see below)
#   snmp_skip_all REASON    prints a TAP plan that skips the whole file, exits 0
#
# The agent reads only its own configuration (-C -c), keeps its persistent
# data under $td_tmp (never /var/lib/snmp), loads no MIB file, and serves:
#   v2c communities public and tdsecret (read-only)
#   SNMPv3 users (authPriv unless said):
#     tdsha  SHA / AES          authpass-sha1   privpass-aes1
#     td256  SHA-256 / AES-256  authpass-sha256 privpass-aes256
#     td512  SHA-512 / AES-192  authpass-sha512 privpass-aes192
#     tdmd5  MD5 / DES          authpass-md5    privpass-des
#     tdauth SHA, authNoPriv    authpass-only
#   extend "tdstr": "hello world" at $snmp_oid_extend
#   pass_persist under .1.3.6.1.4.1.99999, values from files set with snmp_set:
#     .1 Counter32 c32   .2 Counter64 c64   .3 Gauge32 gauge   .4 STRING str
#     .5 INTEGER int
# The interfaces are the machine's own (IF-MIB), "lo" among them.

snmp_oid_extend=.1.3.6.1.4.1.8072.1.3.2.3.1.1.5.116.100.115.116.114
snmp_oid_uptime=1.3.6.1.2.1.1.3.0
snmp_oid_sysname=1.3.6.1.2.1.1.5.0
snmp_oid_c32=1.3.6.1.4.1.99999.1
snmp_oid_c64=1.3.6.1.4.1.99999.2
snmp_oid_gauge=1.3.6.1.4.1.99999.3
snmp_oid_str=1.3.6.1.4.1.99999.4
snmp_oid_int=1.3.6.1.4.1.99999.5

snmp_skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

snmp_set() { # NAME VALUE
	printf '%s\n' "$2" >"$snmp_dir/$1.tmp" && mv "$snmp_dir/$1.tmp" "$snmp_dir/$1"
}

snmpd_bin=$(command -v snmpd || echo /usr/sbin/snmpd)

snmpd_write_config() {
	mkdir -p "$snmp_dir/persist"
	# pass_persist, not pass: snmpd caches a pass command's output for 30 s
	cat >"$snmp_dir/pass.sh" <<'PASS'
#!/bin/sh
# net-snmp pass_persist protocol on stdin/stdout.
dir=$(dirname "$0")
base=.1.3.6.1.4.1.99999
next() {
	case $1 in
	$base | $base.0) echo $base.1 ;;
	$base.1*) echo $base.2 ;;
	$base.2*) echo $base.3 ;;
	$base.3*) echo $base.4 ;;
	$base.4*) echo $base.5 ;;
	*) echo none ;;
	esac
}
val() { cat "$dir/$1" 2>/dev/null || echo 0; }
reply() {
	case $1 in
	$base.1) printf '%s\ncounter\n%s\n' "$1" "$(val c32)" ;;
	$base.2) printf '%s\ncounter64\n%s\n' "$1" "$(val c64)" ;;
	$base.3) printf '%s\ngauge\n%s\n' "$1" "$(val gauge)" ;;
	$base.4) printf '%s\nstring\n%s\n' "$1" "$(val str)" ;;
	$base.5) printf '%s\ninteger\n%s\n' "$1" "$(val int)" ;;
	*) echo NONE ;;
	esac
}
while read -r cmd; do
	case $cmd in
	PING) echo PONG ;;
	get) read -r oid && reply "$oid" ;;
	getnext) read -r oid && reply "$(next "$oid")" ;;
	set) read -r oid && read -r _ && echo not-writable ;;
	'') exit 0 ;;
	*) echo NONE ;;
	esac
done
PASS
	chmod +x "$snmp_dir/pass.sh"
	cat >"$snmp_dir/snmpd.conf" <<CONF
[snmp] persistentDir $snmp_dir/persist
rocommunity public 127.0.0.1
rocommunity tdsecret 127.0.0.1
rocommunity6 public ::1
createUser tdsha SHA "authpass-sha1" AES "privpass-aes1"
createUser td256 SHA-256 "authpass-sha256" AES-256 "privpass-aes256"
createUser td512 SHA-512 "authpass-sha512" AES-192 "privpass-aes192"
createUser tdmd5 MD5 "authpass-md5" DES "privpass-des"
createUser tdauth SHA "authpass-only"
rouser tdsha authPriv
rouser td256 authPriv
rouser td512 authPriv
rouser tdmd5 authPriv
rouser tdauth authNoPriv
sysName tandem-test
extend tdstr /bin/echo hello world
pass_persist .1.3.6.1.4.1.99999 /bin/sh $snmp_dir/pass.sh
CONF
}

# ::1 too when this machine has IPv6 loopback ($snmp_ipv6 says so).
snmp_ipv6=
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	snmp_ipv6=yes
fi

# Starts snmpd on port $1; true when it answers.
snmpd_try() {
	local listen="udp:127.0.0.1:$1"
	[ -n "$snmp_ipv6" ] && listen="$listen,udp6:[::1]:$1"
	rm -f "$snmp_dir/snmpd.pid"
	MIBS= SNMP_PERSISTENT_DIR="$snmp_dir/persist" "$snmpd_bin" -f -C -c "$snmp_dir/snmpd.conf" \
		-Lf "$snmp_dir/snmpd.log" -p "$snmp_dir/snmpd.pid" "$listen" &
	snmpd_pid=$!
	for _ in $(seq 50); do
		kill -0 "$snmpd_pid" 2>/dev/null || return 1
		if "$TD_BIN/check_snmp" -H 127.0.0.1 -p "$1" -o "$snmp_oid_uptime" -t 0.2 -e 0 \
			>/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

snmpd_stop() {
	if [ -n "${snmpd_pid:-}" ]; then
		kill "$snmpd_pid" 2>/dev/null
		wait "$snmpd_pid" 2>/dev/null
		snmpd_pid=
	fi
	return 0
}

snmpd_start() {
	[ -x "$snmpd_bin" ] || snmp_skip_all "snmpd is not installed (apt-get install snmpd)"
	[ -x "$TD_BIN/check_snmp" ] || snmp_skip_all "check_snmp was not built (no net-snmp)"
	snmp_dir=$td_tmp/snmpd
	mkdir -p "$snmp_dir"
	snmpd_write_config
	snmp_set c32 0
	snmp_set c64 0
	snmp_set gauge 42
	snmp_set str "hello"
	snmp_set int -7
	at_exit snmpd_stop
	for _ in 1 2 3 4 5; do
		snmp_port=$(free_port) || continue
		snmpd_try "$snmp_port" && return 0
		snmpd_stop
	done
	echo "# snmpd did not start:"
	sed 's/^/# /' "$snmp_dir/snmpd.log" 2>/dev/null | tail -n 20
	return 1
}

snmpd_restart() {
	snmpd_stop
	for _ in 1 2 3 4 5; do
		snmpd_try "$snmp_port" && return 0
		snmpd_stop
		sleep 0.2
	done
	return 1
}
