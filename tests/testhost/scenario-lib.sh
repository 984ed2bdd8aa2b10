# shellcheck shell=sh
# Helpers for test host scenario scripts (tests/testhost/scenarios/*.sh).
# POSIX sh: runs under busybox sh inside the test host and under the host's
# sh in native mode. Source it with
#   . "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"
#
# Environment (set by tests/testhost/run):
#   LKVM           the lkvm binary (default: lkvm on PATH)
#   GUEST_DIR      holds Image and initrd.cpio.gz (default /guest)
#   TESTHOST_MODE  testhost (inside QEMU) or native
#   FILES_DIR      native mode: where export_file copies to
#   TESTHOST_ROOT  native mode: prefix of the --file destinations ('' in QEMU)
#
# Results: print exactly one "PASS name", "FAIL name: reason" or
# "SKIP name: reason" per check.

LKVM=${LKVM:-lkvm}
GUEST_DIR=${GUEST_DIR:-/guest}
TESTHOST_MODE=${TESTHOST_MODE:-testhost}

pass() { echo "PASS $1"; }
# fail NAME REASON...
fail() {
	_n=$1
	shift
	echo "FAIL $_n: $*"
}
# info KEY VALUE...
info() {
	_k=$1
	shift
	echo "INFO $_k $*"
}
# skip NAME REASON: a check that cannot run here: neither a pass nor a
# failure, counted apart.
skip() {
	_n=$1
	shift
	echo "SKIP $_n: $*"
}

# The usual kernel + initramfs arguments for lkvm run.
guest_args() {
	echo "-k $GUEST_DIR/Image -i $GUEST_DIR/initrd.cpio.gz"
}

# Uptime in milliseconds (10 ms resolution).
uptime_ms() {
	read -r _up _rest </proc/uptime
	_s=${_up%.*}
	_c=${_up#*.}
	_c=${_c#0}
	echo $((_s * 1000 + ${_c:-0} * 10))
}

# _run_timeout OUT ERR TIMEOUT CMD ARGS...: runs CMD with stdin from
# /dev/null, stdout to OUT, stderr to ERR (or to OUT if ERR is empty); kills
# it after TIMEOUT seconds. Returns its exit status, or 124 if it timed out.
_run_timeout() {
	_rt_out=$1 _rt_err=$2 _rt_t=$3
	shift 3
	rm -f "$_rt_out.timedout"
	if [ -n "$_rt_err" ]; then
		"$@" >"$_rt_out" 2>"$_rt_err" </dev/null &
	else
		"$@" >"$_rt_out" 2>&1 </dev/null &
	fi
	_rt_pid=$!
	_run_watchdog "$_rt_pid" "$_rt_t" "$_rt_out.timedout" &
	_rt_wd=$!
	wait "$_rt_pid"
	_rt_rc=$?
	wait "$_rt_wd" 2>/dev/null
	if [ -e "$_rt_out.timedout" ]; then
		rm -f "$_rt_out.timedout"
		return 124
	fi
	return "$_rt_rc"
}

# _run_watchdog PID SECONDS MARKER: kill PID (TERM, then KILL) if it still
# runs after SECONDS; leaves MARKER when it did. Ends as soon as PID ends.
_run_watchdog() {
	_wd_i=0
	while [ "$_wd_i" -lt "$2" ]; do
		sleep 1
		kill -0 "$1" 2>/dev/null || return 0
		_wd_i=$((_wd_i + 1))
	done
	echo timeout >"$3"
	kill -TERM "$1" 2>/dev/null
	sleep 3
	kill -KILL "$1" 2>/dev/null
	return 0
}

# run_lkvm OUTFILE TIMEOUT ARGS...: $LKVM ARGS with stdout+stderr in
# OUTFILE. Returns lkvm's exit status (124 if killed on timeout).
run_lkvm() {
	_rl_out=$1 _rl_t=$2
	shift 2
	_run_timeout "$_rl_out" "" "$_rl_t" "$LKVM" "$@"
}

# run_lkvm_split OUTFILE ERRFILE TIMEOUT ARGS...: same, stderr apart.
run_lkvm_split() {
	_rl_out=$1 _rl_err=$2 _rl_t=$3
	shift 3
	_run_timeout "$_rl_out" "$_rl_err" "$_rl_t" "$LKVM" "$@"
}

# Poll interval for boot timing: 50 ms in the test host (polling must not
# steal much of its 2 emulated CPUs), 10 ms natively; 1 s where this sh has
# neither a fractional sleep nor usleep.
if [ "$TESTHOST_MODE" = native ]; then POLL_MS=10; else POLL_MS=50; fi
if ! sleep 0.001 2>/dev/null && ! usleep 1000 2>/dev/null; then
	POLL_MS=1000
fi
# nap: sleep POLL_MS milliseconds.
nap() {
	if [ "$POLL_MS" -ge 1000 ]; then
		sleep $((POLL_MS / 1000))
	else
		sleep "0.$(printf '%03d' "$POLL_MS")" 2>/dev/null ||
			usleep $((POLL_MS * 1000))
	fi
}

# boot_lkvm OUTFILE TIMEOUT ARGS...: like run_lkvm, and also times the boot:
# BOOT_MS is set to the milliseconds from starting lkvm until
# LKVM-GUEST-INIT showed up in OUTFILE (empty if it never did), polled every
# POLL_MS.
boot_lkvm() {
	_bl_out=$1 _bl_t=$2
	shift 2
	BOOT_MS=
	rm -f "$_bl_out.timedout" "$_bl_out"
	: >"$_bl_out"
	_bl_t0=$(uptime_ms)
	"$LKVM" "$@" >"$_bl_out" 2>&1 </dev/null &
	_bl_pid=$!
	_run_watchdog "$_bl_pid" "$_bl_t" "$_bl_out.timedout" &
	_bl_wd=$!
	while kill -0 "$_bl_pid" 2>/dev/null; do
		if grep -q LKVM-GUEST-INIT "$_bl_out" 2>/dev/null; then
			BOOT_MS=$(($(uptime_ms) - _bl_t0))
			break
		fi
		nap
	done
	wait "$_bl_pid"
	_bl_rc=$?
	wait "$_bl_wd" 2>/dev/null
	if [ -z "$BOOT_MS" ] && grep -q LKVM-GUEST-INIT "$_bl_out" 2>/dev/null; then
		BOOT_MS=$(($(uptime_ms) - _bl_t0)) # it all happened between two polls
	fi
	if [ -e "$_bl_out.timedout" ]; then
		rm -f "$_bl_out.timedout"
		return 124
	fi
	return "$_bl_rc"
}

# running PID: PID exists and is not a zombie waiting to be reaped.
running() {
	kill -0 "$1" 2>/dev/null || return 1
	read -r _r_pid _r_comm _r_state _r_rest <"/proc/$1/stat" 2>/dev/null ||
		return 1
	[ "$_r_state" != Z ]
}

# wait_while_running PID TIMEOUT CMD ARGS...: checks CMD ARGS once a second
# until it succeeds, PID stops running or TIMEOUT seconds pass. Returns
# CMD's last status.
wait_while_running() {
	_wr_pid=$1 _wr_t=$2
	shift 2
	_wr_i=0
	while ! "$@"; do
		if [ "$_wr_i" -ge "$_wr_t" ] || ! running "$_wr_pid"; then
			"$@"
			return
		fi
		sleep 1
		_wr_i=$((_wr_i + 1))
	done
}

# start_lkvm OUTFILE MARKER TIMEOUT ARGS...: starts $LKVM ARGS in the
# background (stdout+stderr in OUTFILE, pid in LKVM_PID) and waits up to
# TIMEOUT seconds for a line starting with MARKER. Returns 0 when the marker
# showed up and lkvm still runs, 1 otherwise (lkvm is left as it is).
start_lkvm() {
	_sl_out=$1 _sl_mark=$2 _sl_t=$3
	shift 3
	: >"$_sl_out"
	"$LKVM" "$@" >"$_sl_out" 2>&1 </dev/null &
	LKVM_PID=$!
	wait_while_running "$LKVM_PID" "$_sl_t" grep -q "^$_sl_mark" "$_sl_out" &&
		running "$LKVM_PID"
}

# stop_lkvm PID: SIGTERM, up to 30 s to exit, then SIGKILL. Returns its exit
# status, or 124 if it had to be killed.
stop_lkvm() {
	kill -TERM "$1" 2>/dev/null
	_st_i=0
	while [ "$_st_i" -lt 30 ] && running "$1"; do
		sleep 1
		_st_i=$((_st_i + 1))
	done
	if running "$1"; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

# show_tail FILE [N]: the last N (default 15) lines of FILE, indented, for
# the console log (not a result line).
show_tail() {
	echo "---- last lines of $1:"
	tail -n "${2:-15}" "$1" | sed 's/^/    | /'
	echo "----"
}

# export_file NAME PATH: hand PATH to the host as $FILES_DIR/NAME (host-side
# checks in foo.host.sh read it there). In the test host it goes over the
# console as base64 between TESTHOST-FILE-BEGIN/END lines.
export_file() {
	case $1 in
	*/* | '' | .*)
		echo "FAIL export-file: bad name '$1'"
		return 1
		;;
	esac
	if [ ! -f "$2" ]; then
		echo "FAIL export-file: $2 does not exist"
		return 1
	fi
	if [ "$TESTHOST_MODE" = native ]; then
		mkdir -p "${FILES_DIR:?}"
		cp "$2" "$FILES_DIR/$1"
		return
	fi
	# Keep kernel messages from landing in the middle of the data.
	_ef_lvl=$(cut -f1 /proc/sys/kernel/printk 2>/dev/null)
	echo 1 >/proc/sys/kernel/printk 2>/dev/null
	_ef_sum=$(md5sum <"$2" | cut -d' ' -f1)
	echo "TESTHOST-FILE-BEGIN $1"
	base64 <"$2"
	echo "TESTHOST-FILE-END $1 $_ef_sum"
	[ -n "$_ef_lvl" ] && echo "$_ef_lvl" >/proc/sys/kernel/printk 2>/dev/null
	return 0
}

# sq_args ARGS...: the arguments quoted for sh -c.
sq_args() {
	_sq=
	for _a in "$@"; do
		_sq="$_sq '$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")'"
	done
	printf "%s\n" "${_sq# }"
}

# as_nobody CMD ARGS...: run CMD as uid/gid 65534 (su; needs root and a
# 'nobody' user, which the test host has).
as_nobody() {
	su -s /bin/sh nobody -c "exec $(sq_args "$@")"
}

# run_lkvm_as_nobody OUTFILE ERRFILE TIMEOUT ARGS...: run_lkvm_split, as
# uid/gid 65534.
run_lkvm_as_nobody() {
	_rn_out=$1 _rn_err=$2 _rn_t=$3
	shift 3
	_run_timeout "$_rn_out" "$_rn_err" "$_rn_t" \
		su -s /bin/sh nobody -c "exec $(sq_args "$LKVM" "$@")"
}

# ---- guests driven from outside (hotplug.sh, control.sh) ----------------
# The default guest without lkvm_cmd runs a shell on its console; these
# feed it commands through a FIFO and read the answers from lkvm's stdout.

# guest_start NAME FD TIMEOUT ARGS...: $LKVM run --name NAME ARGS in the
# background, its stdin a FIFO held open here on file descriptor FD (a
# digit 3-9), stdout in $W/NAME.out, stderr in $W/NAME.err; GUEST_PID is
# its pid. Waits up to TIMEOUT s for the guest's shell, then turns off its
# echo, prompt and console kernel messages. Returns 0 when the shell
# answers.
guest_start() {
	_gs_name=$1 _gs_fd=$2 _gs_t=$3
	shift 3
	rm -f "$W/$_gs_name.in"
	mkfifo "$W/$_gs_name.in"
	: >"$W/$_gs_name.out"
	"$LKVM" run --name "$_gs_name" "$@" <"$W/$_gs_name.in" \
		>"$W/$_gs_name.out" 2>"$W/$_gs_name.err" &
	GUEST_PID=$!
	eval "exec $_gs_fd>\"\$W/\$_gs_name.in\""
	wait_while_running "$GUEST_PID" "$_gs_t" \
		grep -q 'busybox shell' "$W/$_gs_name.out" || return 1
	gsh "$_gs_fd" "$_gs_name" 'stty -echo; PS1=; PS2=; dmesg -n 1' 60
}

_gsh_seq=0
# gsh FD NAME CMD [TIMEOUT]: run CMD in NAME's guest shell (fed on FD) and
# wait up to TIMEOUT (default 120) s for it to finish. Returns CMD's
# status, or 124 when it did not finish. CMD prints what the caller wants
# as TAG=value lines (see gval).
gsh() {
	_gsh_seq=$((_gsh_seq + 1))
	_gsh_mark="GSH-END-$_gsh_seq"
	printf '%s\necho "%s rc=$?"\n' "$3" "$_gsh_mark" >&"$1"
	_gsh_i=0
	while ! grep -q "^$_gsh_mark rc=[0-9]" "$W/$2.out"; do
		if [ "$_gsh_i" -ge $((${4:-120} * 5)) ]; then
			echo "gsh: no $_gsh_mark from $2 after ${4:-120} s"
			show_tail "$W/$2.out" 25
			return 124
		fi
		sleep 0.2 2>/dev/null || sleep 1
		_gsh_i=$((_gsh_i + 1))
	done
	return "$(tr -d '\r' <"$W/$2.out" |
		sed -n "s/^$_gsh_mark rc=\([0-9]*\).*/\1/p" | tail -n 1)"
}

# gval NAME TAG: the last TAG=value line of NAME's console, the value.
gval() {
	tr -d '\r' <"$W/$1.out" | sed -n "s/^$2=//p" | tail -n 1
}

# guest_end FD PID: close the console FIFO; wait up to 60 s for lkvm to
# exit (SIGTERM, then SIGKILL). Returns its exit status (124: killed).
guest_end() {
	eval "exec $1>&-"
	_ge_i=0
	while [ "$_ge_i" -lt 60 ] && running "$2"; do
		sleep 1
		_ge_i=$((_ge_i + 1))
	done
	if running "$2"; then
		stop_lkvm "$2"
		return 124
	fi
	wait "$2"
}
