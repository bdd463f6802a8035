# tandemd-lib.sh - starting and watching tandemd and rrdcached in tests.
# Sourced after lib.sh by tests/integration/tandemd*.test.

TANDEMD=$TD_BIN/tandemd
host=$(hostname)

# tandemd_start CONF [ARGS...]: runs tandemd -f in the background; sets $tdpid.
tandemd_start() {
	local conf=$1
	shift
	"$TANDEMD" -f -c "$conf" "$@" >>"$td_tmp/tandemd.log" 2>&1 &
	tdpid=$!
	td_pids="$td_pids $tdpid"
}

# tandemd_stop: SIGTERM, wait; sets $tdrc to tandemd's exit code.
tandemd_stop() {
	kill -TERM "$tdpid" 2>/dev/null
	local i
	for i in $(seq 1 150); do
		kill -0 "$tdpid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$tdpid"
	tdrc=$?
}

td_pids=""
td_kill_all() { for p in $td_pids; do kill -9 "$p" 2>/dev/null; done; }
at_exit td_kill_all

# wait_for SECONDS CMD...: polls CMD every 0.2 s; true when it succeeded in time.
wait_for() {
	local limit=$1 i
	shift
	for i in $(seq 1 $((limit * 5))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# meta_field FILE KEY: a top-level or last.KEY value from a meta.json (no jq here).
meta_last() { sed -n "s/.*\"last\": {\"time\": \([0-9]*\), \"state\": \([0-9]\).*/\\$2/p" "$1"; }

# rrdcached_start DIR LISTEN: rrdcached in the foreground, base dir DIR; sets $rcpid.
rrdcached_start() {
	mkdir -p "$td_tmp/rrdcached-journal"
	rrdcached -g -l "$2" -b "$1" -B -R -j "$td_tmp/rrdcached-journal" -w 2 -z 1 \
		-p "$td_tmp/rrdcached.pid" >>"$td_tmp/rrdcached.log" 2>&1 &
	rcpid=$!
	td_pids="$td_pids $rcpid"
	case $2 in
	unix:*) wait_for 10 test -S "${2#unix:}" ;;
	*) wait_for 10 bash -c "echo >/dev/tcp/${2%:*}/${2##*:}" ;;
	esac
}

rrdcached_stop() {
	kill -TERM "$rcpid" 2>/dev/null
	wait "$rcpid" 2>/dev/null
}

# gaps FILE START END [DAEMON]: number of unknown rows between the first and
# the last known row of FILE's 1-step AVERAGE archive in [START, END].
gaps() {
	local daemon=()
	[ -n "${4:-}" ] && daemon=(--daemon "$4")
	rrdtool fetch "${daemon[@]}" "$1" AVERAGE -r 1 -s "$2" -e "$3" 2>/dev/null |
		awk -F': ' 'NF == 2 && $1 ~ /^[0-9]+$/ { v[n++] = $2 }
			END { f = -1; l = -1
			      for (i = 0; i < n; i++) if (v[i] !~ /nan/) { if (f < 0) f = i; l = i }
			      g = 0; for (i = f; i >= 0 && i <= l; i++) if (v[i] ~ /nan/) g++
			      print (f < 0 ? "none" : g) }'
}

# known FILE START END [DAEMON]: number of known rows in [START, END].
known() {
	local daemon=()
	[ -n "${4:-}" ] && daemon=(--daemon "$4")
	rrdtool fetch "${daemon[@]}" "$1" AVERAGE -r 1 -s "$2" -e "$3" 2>/dev/null |
		awk -F': ' 'NF == 2 && $1 ~ /^[0-9]+$/ && $2 !~ /nan/ { n++ } END { print n + 0 }'
}
