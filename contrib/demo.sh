#!/bin/sh
# demo.sh - the main job on a fresh machine: tandemd on its built-in default
# configuration (this machine's load, memory, disks and processes) for a
# little over a minute, then the RRD files it wrote, their latest values, and
# a graph of the load with a deploy event on it (tandem-graph).
#   contrib/demo.sh [DATA_DIR] [SECONDS]     (default ./tandem-data, 75)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-./tandem-data}
secs=${2:-75}
tandemd=$top/tandemd
[ -x "$tandemd" ] || { echo "demo.sh: build first (./configure && make)" >&2; exit 1; }
echo "== tandemd -f --data-dir $data (for $secs s; the first samples come within 10 s)"
"$tandemd" -f --data-dir "$data" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT INT TERM
sleep $((secs - 5))
"$top/tandem-event" --data-dir "$data" --tag deploy --host "$(hostname)" "demo deploy" >/dev/null 2>&1 || true
sleep 5
kill -TERM $pid
wait $pid || true
trap - EXIT INT TERM
host=$(hostname)
echo
echo "== RRD files and their latest values"
find "$data" -name '*.rrd' ! -path '*/.tandemd/*' | sort | while read -r f; do
	printf '%-60s %s\n' "${f#"$data"/}" "$(rrdtool lastupdate "$f" | awk -F': ' 'NF == 2 {print $2}')"
done
png=$data/load.png
if [ -x "$top/tandem-graph" ]; then
	"$top/tandem-graph" --data-dir "$data" "$host/load" --start -3m -o "$png"
else
	rrdtool graph "$png" --start -3min --title "load on $host (tandemd)" --width 640 --height 200 \
		"DEF:l1=$data/$host/load/load1.rrd:value:AVERAGE" "LINE2:l1#d62728:load1 per CPU" >/dev/null
fi
echo
echo "== graph: $png"
echo "== $host/memory/meta.json:"
sed -n 's/.*"last": \(.*\),$/\1/p' "$data/$host/memory/meta.json"
