# lib.sh - shared helpers for integration tests, sourced by tests/integration/*.test.
#
# Each test prints TAP (read by automake's tap-driver): one `ok N - what` or
# `not ok N - what` per assertion, then the plan. Binaries are taken from the
# build tree ($top_builddir). Every assertion shows what the plugin printed
# when it fails, so a red CI run says why without a rerun.
#
#   run CMD ARGS...          runs CMD with a 30 s safety limit; sets $rc, $out
#                            (stdout), $err (stderr), $first (first line),
#                            $perf (perfdata of the first line), $elapsed (s)
#   expect EXIT ERE CMD...   run, then one assertion: exit code is EXIT, the
#                            first line matches ERE, the output obeys the contract
#   ok COND_CMD... -- DESC   asserts that a shell command succeeds
#   is GOT WANT DESC         asserts equality
#   like TEXT ERE DESC       asserts TEXT matches the ERE
#   finish                   prints the plan and exits

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
TD_BIN=${TD_BIN:-$top_builddir}
td_n=0
td_failed=0
LC_ALL=C
export LC_ALL

td_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tandem-test.XXXXXX")
td_cleanup_hooks=""
td_cleanup() {
	for h in $td_cleanup_hooks; do "$h" || :; done
	rm -rf "$td_tmp"
}
trap td_cleanup EXIT
trap 'exit 130' INT TERM
# Registers a function to run at exit, whatever happens (servers to stop).
at_exit() { td_cleanup_hooks="$1 $td_cleanup_hooks"; }

td_report() { # STATUS DESC [DETAIL]
	td_n=$((td_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $td_n - $2"
	else
		td_failed=$((td_failed + 1))
		echo "not ok $td_n - $2"
		if [ -n "${3:-}" ]; then printf '%s\n' "$3" | sed 's/^/# /'; fi
	fi
}

run() {
	local t0 t1
	t0=$(date +%s.%N)
	out=$(timeout -k 5 30 "$@" 2>"$td_tmp/stderr")
	rc=$?
	t1=$(date +%s.%N)
	err=$(cat "$td_tmp/stderr")
	elapsed=$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}")
	first=$(printf '%s\n' "$out" | head -n 1)
	case $first in
	*' | '*) perf=${first#* | } ;;
	*) perf= ;;
	esac
}

# The contract for any plugin output: first line NAME STATE - text, the STATE
# agrees with the exit code, and the perfdata items are well formed.
td_contract() { # prints a reason and fails when violated
	local want
	case $rc in
	0) want=OK ;; 1) want=WARNING ;; 2) want=CRITICAL ;; 3) want=UNKNOWN ;;
	*) echo "exit code $rc is not 0..3"; return 1 ;;
	esac
	case $first in
	check_*) [ "$rc" = 3 ] && return 0; echo "usage, help or version with exit $rc"; return 1 ;;
	esac
	if ! printf '%s\n' "$first" | grep -Eq "^[A-Z0-9_]+ $want - "; then
		echo "first line is not 'NAME $want - ...'"
		return 1
	fi
	[ -z "$perf" ] && return 0
	"$TD_BIN/td-test-perfdata" "$perf" || return 1
	[ "$(printf '%s' "$out" | wc -c)" -lt 8192 ] || { echo "output over 8 KB"; return 1; }
}

expect() { # EXIT ERE CMD...
	local want_rc=$1 ere=$2 why=""
	shift 2
	run "$@"
	if [ "$rc" != "$want_rc" ]; then
		why="exit $rc, wanted $want_rc"
	elif ! printf '%s\n' "$first" | grep -Eq -- "$ere"; then
		why="first line does not match /$ere/"
	else
		why=$(td_contract) || :
	fi
	td_report "$([ -z "$why" ] && echo 0 || echo 1)" "$* -> $want_rc /$ere/" \
		"$why
stdout: $out
stderr: $err"
}

ok() { # CMD... -- DESC
	local desc cmd=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmd="$cmd $(printf '%q' "$1")"; shift; done
	shift
	desc=$*
	if eval "$cmd" >"$td_tmp/ok.out" 2>&1; then td_report 0 "$desc"; else td_report 1 "$desc" "$(cat "$td_tmp/ok.out")"; fi
}

is() { # GOT WANT DESC
	if [ "$1" = "$2" ]; then td_report 0 "$3"; else td_report 1 "$3" "got:  $1
want: $2"; fi
}

like() { # TEXT ERE DESC
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then td_report 0 "$3"; else td_report 1 "$3" "text: $1
does not match /$2/"; fi
}

# A free port on 127.0.0.1 for a server the test starts. Ports come from
# 20000-32767, below the kernel's ephemeral range (so no client connection
# holds one), are not listened on (TCP or UDP), and are claimed with an atomic
# mkdir, so tests running in parallel never get the same one.
td_ports=${TMPDIR:-/tmp}/tandem-test-ports
mkdir -p "$td_ports" 2>/dev/null
# free_port runs in $(...), a subshell: its claims are noted in a file
td_release_ports() {
	[ -f "$td_tmp/ports" ] || return 0
	while read -r p; do rmdir "$td_ports/$p" 2>/dev/null; done <"$td_tmp/ports"
}
at_exit td_release_ports
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$(( (RANDOM % 12700) + 20000 ))
		if ss -Htuln "sport = :$p" 2>/dev/null | grep -q .; then continue; fi
		if (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
		# a claim older than an hour belongs to a test that died: take it over
		find "$td_ports/$p" -maxdepth 0 -mmin +60 -exec rmdir {} \; 2>/dev/null
		if mkdir "$td_ports/$p" 2>/dev/null; then
			echo "$p" >>"$td_tmp/ports"
			echo "$p"
			return 0
		fi
	done
	echo 0
	return 1
}

finish() {
	echo "1..$td_n"
	[ "$td_failed" = 0 ]
}
