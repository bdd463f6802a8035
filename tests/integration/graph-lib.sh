# graph-lib.sh - a data directory with known values for tandem-graph and tandem-event tests.
# Sourced after lib.sh.
#
#   web1/load    load1: 2 for two days, 4 in the last hour (so over the last 2 h:
#                last 4, avg 3, max 4); load5: 1.5 throughout. warn/crit of
#                load1 5/10 until an hour ago, 3/6 since; load5 4/8.
#   web1/disk    "/" and "/var" in bytes (50 GiB and 2 GiB), "pct" in % (40).
#   web2/load    load1 1 throughout (another host, for event scopes).

GRAPH=$TD_BIN/tandem-graph
EVENT=$TD_BIN/tandem-event
now=$(date +%s)
step_now=$((now / 60 * 60))

# make_rrd FILE RECENT OLD: a 60 s RRD over the last 2 days, OLD before the last hour, RECENT in it.
make_rrd() {
	local file=$1 recent=$2 old=$3 t args=()
	rrdtool create "$file" --step 60 --start $((step_now - 2 * 86400 - 60)) \
		DS:value:GAUGE:120:U:U RRA:AVERAGE:0.5:1:2880 RRA:MIN:0.5:1:2880 RRA:MAX:0.5:1:2880 \
		RRA:AVERAGE:0.5:5:2880 RRA:MIN:0.5:5:2880 RRA:MAX:0.5:5:2880
	for ((t = step_now - 2 * 86400; t <= step_now; t += 60)); do
		if ((t > step_now - 3600)); then args+=("$t:$recent"); else args+=("$t:$old"); fi
	done
	rrdtool update "$file" "${args[@]}"
}

# make_store DIR
make_store() {
	local d=$1
	mkdir -p "$d/web1/load" "$d/web1/disk" "$d/web2/load"
	make_rrd "$d/web1/load/load1.rrd" 4 2
	make_rrd "$d/web1/load/load5.rrd" 1.5 1.5
	make_rrd "$d/web1/disk/%2F.rrd" 53687091200 53687091200
	make_rrd "$d/web1/disk/%2Fvar.rrd" 2147483648 2147483648
	make_rrd "$d/web1/disk/pct.rrd" 40 40
	make_rrd "$d/web2/load/load1.rrd" 1 1
	cat >"$d/web1/load/meta.json" <<JSON
{"format": 1, "host": "web1", "service": "load", "command": "check_load -w 3 -c 6",
 "interval": 60, "source": "tandemd",
 "last": {"time": $now, "state": 1, "state_name": "WARNING", "output": "LOAD WARNING - load1 4", "long_output": ""},
 "metrics": {"load1": {"file": "load1.rrd", "uom": "", "type": "GAUGE", "warn": "3", "crit": "6", "value": 4},
             "load5": {"file": "load5.rrd", "uom": "", "type": "GAUGE", "warn": "4", "crit": "8", "value": 1.5}},
 "thresholds": [{"time": $((now - 3 * 86400)), "label": "load1", "warn": "5", "crit": "10"},
                {"time": $((now - 3 * 86400)), "label": "load5", "warn": "4", "crit": "8"},
                {"time": $((step_now - 3600)), "label": "load1", "warn": "3", "crit": "6"}]}
JSON
	cat >"$d/web1/disk/meta.json" <<JSON
{"format": 1, "host": "web1", "service": "disk",
 "last": {"time": $now, "state": 0, "state_name": "OK", "output": "DISK OK", "long_output": ""},
 "metrics": {"/": {"file": "%2F.rrd", "uom": "B", "type": "GAUGE", "warn": "", "crit": ""},
             "/var": {"file": "%2Fvar.rrd", "uom": "B", "type": "GAUGE", "warn": "", "crit": ""},
             "pct": {"file": "pct.rrd", "uom": "%", "type": "GAUGE", "warn": "80", "crit": "90"}},
 "thresholds": [{"time": $((now - 3 * 86400)), "label": "pct", "warn": "80", "crit": "90"}]}
JSON
}

# png_size FILE: "WIDTHxHEIGHT" from the PNG header.
png_size() {
	local w h
	w=$(od -An -tu1 -j16 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
	h=$(od -An -tu1 -j20 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
	echo "${w}x${h}"
}

# is_png FILE: the 8-byte PNG signature.
is_png() { [ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ]; }
