#!/bin/bash
# tandemd.sh - the collector's three benchmarks, same machine, same run:
#  1. CPU per sample: a probe run in-process by tandemd, against the same
#     check_* run as a process (what a Nagios scheduler pays per check).
#  2. Storing: values stored per second at offered loads (default 1000, 10000
#     and 50000 values/s, as Nagios perfdata files), CPU seconds per 1000
#     values and peak RSS, against collectd 5.12 storing the same load through
#     its rrdtool plugin (CacheTimeout 120: its best case) and through
#     rrdcached. Whole runs, file creation and shutdown flush included.
#  3. The floor: CPU per value of bare librrd updates (td-bench-rrd), one value
#     per call and 30 per call.
#   tests/bench/tandemd.sh [BUILD_DIR] [SECONDS] [RATES...]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build/werror}
secs=${2:-30}
shift 2 2>/dev/null
rates=${*:-1000 10000 50000}
tmp=$(mktemp -d /tmp/tandem-bench.XXXXXX)
chmod 755 "$tmp"
trap 'pkill -f "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
for b in tandemd td-bench td-loadgen td-bench-rrd check_load; do
	[ -x "$build/$b" ] || { echo "tandemd.sh: $build/$b missing: build first" >&2; exit 1; }
done
command -v collectd >/dev/null || echo "tandemd.sh: collectd missing (sudo contrib/install-deps.sh --bench): part 2 runs without the peer" >&2

# cpu_of PID: user+system seconds of a running process.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
metric() { sed -n "s/.*\"$2\": {[^}]*\"value\": \([0-9.]*\).*/\1/p" "$1"; }
host=$(hostname)

echo "== 1. CPU per sample: in-process (tandemd) vs a process per check"
d1=$tmp/p1
{
	echo "[tandemd]"; echo "data_dir = $d1"; echo "interval = 1"; echo "workers = 2"
	echo "archives = step:10m"
	for i in $(seq 1 200); do echo "[h$i/load]"; echo "command = check_load -w 5,4,3 -c 10,8,6"; done
} >"$tmp/p1.conf"
"$build/tandemd" -f -c "$tmp/p1.conf" 2>"$tmp/p1.log" &
pid=$!
sleep 25 # past the first 20 s, when tandemd writes every second
c0=$(cpu_of $pid); r0=$(metric "$d1/$host/tandemd/meta.json" runs)
sleep "$secs"
c1=$(cpu_of $pid); r1=$(metric "$d1/$host/tandemd/meta.json" runs)
kill -TERM $pid; wait $pid
read -r _ pc _ _ < <("$build/td-bench" 200 "$build/check_load" -w 5,4,3 -c 10,8,6)
awk -v c0="$c0" -v c1="$c1" -v r0="$r0" -v r1="$r1" -v pc="$pc" 'BEGIN {
	per = (c1 - c0) / (r1 - r0) * 1e6
	printf "%-46s %12s\n", "", "CPU us/sample"
	printf "%-46s %12.1f   (%d runs, store included)\n", "tandemd, check_load in-process", per, r1 - r0
	printf "%-46s %12.1f\n", "check_load as a process (exec, no store)", pc * 1000
	printf "%-46s %12.1f x cheaper\n", "ratio", pc * 1000 / per }'

echo
echo "== 2. storing: values/s, CPU s per 1000 values, peak RSS (whole runs of $secs s)"
printf '%-34s %8s %12s %12s %14s %10s\n' "store" "offered" "stored" "stored/s" "CPU s/1000" "peak RSS"
gen_cpu() { # the generator's own CPU for a rate, to take out of collectd's (exec'd) tree
	"$build/td-bench" 1 "$build/td-loadgen" collectd - "$1" "$secs" "$(($1 / 10))" | awk '{ print $2 / 1000 }'
}
for rate in $rates; do
	svcs=$((rate / 10))
	# tandemd, librrd
	d=$tmp/t$rate
	mkdir -p "$d/in"
	printf '[tandemd]\ndata_dir = %s\nperfdata_dir = %s\ninterval = 1\nworkers = 2\narchives = step:10m\n' \
		"$d/data" "$d/in" >"$d/conf"
	"$build/td-loadgen" nagios "$d/in" "$rate" "$secs" "$svcs" 2>"$d/gen.log" &
	gpid=$!
	read -r _ tc trss _ < <(TD_BENCH_STDERR=1 "$build/td-bench" 1 timeout -s TERM $((secs + 3)) "$build/tandemd" -f -c "$d/conf" 2>"$d/log")
	wait $gpid
	offered=$(sed -n 's/.*offered \([0-9]*\) values.*/\1/p' "$d/gen.log")
	stored=$(sed -n 's/.* \([0-9][0-9]*\) samples stored).*/\1/p' "$d/log" | tail -n 1)
	awk -v o="$offered" -v s="${stored:-0}" -v c="$tc" -v r="$trss" -v t="$secs" -v name="tandemd (librrd, spool)" 'BEGIN {
		printf "%-34s %8d %12d %12.0f %14.4f %8.0f MB\n", name, o, s, s / t, (s ? c / 1000 / (s / 1000) : 0), r / 1024 }'
	rm -rf "$d"
	if command -v collectd >/dev/null; then
		gc=$(gen_cpu "$rate")
		c=$tmp/c$rate
		mkdir -p "$c/rrd"
		cat >"$c/collectd.conf" <<CONF
Hostname "$host"
FQDNLookup false
BaseDir "$c"
PIDFile "$c/collectd.pid"
Interval 1
LoadPlugin exec
LoadPlugin rrdtool
<Plugin exec>
  Exec "nobody" "$build/td-loadgen" "collectd" "-" "$rate" "$secs" "$svcs"
</Plugin>
<Plugin rrdtool>
  DataDir "$c/rrd"
  CacheTimeout 120
  CacheFlush 900
  RRARows 600
  RRATimespan 600
</Plugin>
CONF
		chmod -R 777 "$c"
		read -r _ cc crss _ < <("$build/td-bench" 1 timeout -s TERM $((secs + 3)) collectd -f -C "$c/collectd.conf")
		awk -v o="$((rate * secs))" -v c="$cc" -v g="$gc" -v r="$crss" -v t="$secs" -v name="collectd 5.12 rrdtool (cache 120s)" 'BEGIN {
			c = c / 1000 - g
			printf "%-34s %8d %12s %12s %14.4f %8.0f MB\n", name, o, "n/a", "n/a", c / (o / 1000), r / 1024 }'
		rm -rf "$c"
	fi
done

echo
echo "== 3. the floor: bare librrd"
f=$tmp/floor
mkdir -p "$f"
one=$("$build/td-bench-rrd" "$f" 200 300 1)
rm -f "$f"/*
batch=$("$build/td-bench-rrd" "$f" 200 300 30)
printf 'librrd, 1 value per call:   %6s us CPU per value\n' "$one"
printf 'librrd, 30 values per call: %6s us CPU per value\n' "$batch"
