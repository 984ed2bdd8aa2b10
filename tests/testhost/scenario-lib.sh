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

# passt_ns_lkvm FILE LKVM DIR...: write FILE, a wrapper that runs LKVM
# (same pid, through execs) in a mount namespace whose / is a tmpfs with
# the directories DIR... of the real / bound in. passt sandboxes itself
# with pivot_root, which the initramfs root of the test host refuses
# ("pivot_root: Invalid argument"); on a normal host / is a real mount.
passt_ns_lkvm() {
	_pn_file=$1 _pn_lkvm=$2
	shift 2
	cat >"$_pn_file" <<EOF
#!/bin/sh
exec unshare -m sh -c '
mount --make-rprivate / 2>/dev/null
mkdir -p /nsroot && mount -t tmpfs nsroot /nsroot || exit 1
for d in $*; do
	[ -e /\$d ] || continue
	mkdir -p /nsroot/\$d && mount --rbind /\$d /nsroot/\$d || exit 1
done
cd /nsroot && mount --move . / && exec chroot . "\$0" "\$@"
' "$_pn_lkvm" "\$@"
EOF
	chmod 755 "$_pn_file"
}

# sink_start PORT FILE: a TCP listener on PORT (busybox nc) writing what
# it gets to FILE, in the background (SINK_PID); sink_stop ends it.
sink_start() {
	rm -f "$2" "$W/sink.hold"
	# The listener's stdin must not end (busybox nc quits on its EOF).
	mkfifo "$W/sink.hold"
	exec 9<>"$W/sink.hold"
	nc -l -p "$1" <&9 >"$2" &
	SINK_PID=$!
}
sink_stop() {
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	exec 9>&-
}

# net_flood_check NAME VM STOPPER ADDR [MORE]: the guest of $LKVM_PID (lkvm
# run --name VM, its output in $W/flood.out) no longer reads its receive
# queue. $FLOOD sends to ADDR's UDP port 5000 for $NET_FLOOD_SECONDS (20)
# s; the INFO line also shows what the command MORE prints then; then
# "STOPPER stop VM". Checks NAME/flood-stop (lkvm stop and lkvm run exit
# 0), NAME/flood-memory (lkvm's own resident memory grew by 256 KiB at
# most), NAME/flood-queue-full (the queue did run out of buffers, else
# nothing was tested) and NAME/flood-sent.
net_flood_check() {
	_nf=$1 _nf_vm=$2 _nf_stop=$3 _nf_addr=$4
	sleep 2
	_nf_fp1=$(lkvm_footprint "$LKVM_PID" 512)
	"$FLOOD" "$_nf_addr" 5000 "${NET_FLOOD_SECONDS:-20}" 1400 \
		>"$W/flood.txt" 2>&1
	_nf_fp2=$(lkvm_footprint "$LKVM_PID" 512)
	info "$_nf-flood" "$(cat "$W/flood.txt"); lkvm before: $_nf_fp1; after: $_nf_fp2${5:+; $(eval "$5")}"
	_nf_t0=$(uptime_ms)
	timeout 60 "$_nf_stop" stop "$_nf_vm" >"$W/stop.txt" 2>&1
	_nf_src=$?
	wait "$LKVM_PID"
	RC=$?
	_nf_t1=$(uptime_ms)
	tr -d '\r' <"$W/flood.out" >"$W/flood.log"
	_nf_sum=$(grep 'virtio-net rx' "$W/flood.log")
	info "$_nf-flood-summary" "$_nf_sum; lkvm stop took $((_nf_t1 - _nf_t0)) ms"
	if [ "$_nf_src" = 0 ] && [ "$RC" = 0 ]; then
		pass "$_nf/flood-stop"
	else
		fail "$_nf/flood-stop" "lkvm stop exited $_nf_src ($(cat "$W/stop.txt")), lkvm run $RC"
	fi
	_nf_own1=$(echo "$_nf_fp1" | sed -n 's/.*own=\([0-9]*\).*/\1/p')
	_nf_own2=$(echo "$_nf_fp2" | sed -n 's/.*own=\([0-9]*\).*/\1/p')
	if [ -n "$_nf_own1" ] && [ -n "$_nf_own2" ] &&
		[ $((_nf_own2 - _nf_own1)) -le 256 ]; then
		pass "$_nf/flood-memory"
	else
		fail "$_nf/flood-memory" "lkvm's own resident memory: '$_nf_own1' KiB, then '$_nf_own2' KiB after the flood"
	fi
	case $_nf_sum in
	*" waits 0 "* | "") fail "$_nf/flood-queue-full" "the receive queue never ran out of buffers: $_nf_sum" ;;
	*) pass "$_nf/flood-queue-full" ;;
	esac
	case $(cat "$W/flood.txt") in
	"udpflood: 0 datagrams"* | "") fail "$_nf/flood-sent" "$(cat "$W/flood.txt")" ;;
	*) pass "$_nf/flood-sent" ;;
	esac
}

# guest_cmd NAME CMD ARGS...: one boot of the default guest with
# lkvm_cmd=CMD: $LKVM run $GA ARGS, the kernel command line $QUIET and
# lkvm_cmd, at most $T s. The output, carriage returns removed, is in
# $W/NAME.txt, which OUT names; lkvm's status is in RC. CMD must not hold
# double quotes.
guest_cmd() {
	_gc_name=$1 _gc_cmd=$2
	shift 2
	# shellcheck disable=SC2086 # GA is a word list
	run_lkvm "$W/$_gc_name.out" "$T" run $GA "$@" \
		-p "$QUIET lkvm_cmd=\"$_gc_cmd\""
	RC=$?
	tr -d '\r' <"$W/$_gc_name.out" >"$W/$_gc_name.txt"
	OUT=$W/$_gc_name.txt
}

# guest_cmd_ok CHECK: the last guest_cmd's command ran to its end with
# status 0 and lkvm exited 0; otherwise a FAIL line for CHECK, the end of
# the output, and status 1.
guest_cmd_ok() {
	if [ "$RC" = 0 ] && grep -q '^LKVM-GUEST-CMD-EXIT=0' "$OUT"; then
		return 0
	fi
	fail "$1" "lkvm exited $RC, guest command: $(grep LKVM-GUEST-CMD-EXIT "$OUT" | tail -n 1)"
	show_tail "$OUT" 30
	return 1
}

# out_val KEY: the rest of the last line of $OUT that starts with "KEY ".
out_val() { sed -n "s/^$1 //p" "$OUT" | tail -n 1; }

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

# ---- the guest CPU's features (cpu-features.sh, scenarios-mte/) -------

# featprobe_initrd OUT: the default guest initramfs with a second archive
# appended that holds /bin/featprobe (tests/testhost/featprobe.c; the
# harness copies it in as /tools/featprobe.cpio.gz). 1 if that is missing.
featprobe_initrd() {
	_fp=${TESTHOST_ROOT:-}/tools/featprobe.cpio.gz
	[ -f "$_fp" ] || return 1
	cat "$GUEST_DIR/initrd.cpio.gz" "$_fp" >"$1"
}

# feature_guest_cmd reboot|once: the -p of the feature checks. Each boot
# prints "MARK <boot> boot", then CPUINFO (how many CPUs /proc/cpuinfo
# lists, and with each feature), featprobe's FEAT and PERF lines, STOLEN
# (Linux's "arm-pv: using stolen time PV" lines in dmesg; the pattern is
# written so as not to match the command line that dmesg shows too),
# PMUDEVS (PMU event sources) and TIMER (the timer frequency the kernel
# took). With "reboot", boot 1 then takes CPU 1 offline and online again
# (REPLUG=0 if both worked, still in boot 1's lines), prints the same
# after "MARK 1 replug" and reboots in place; boot 2 ends there.
feature_guest_cmd() {
	_again=
	[ "$1" = reboot ] && _again='if [ $n = 1 ]; then echo 0 > /sys/devices/system/cpu/cpu1/online && echo 1 > /sys/devices/system/cpu/cpu1/online; echo REPLUG=$?; p replug; sleep 1; reboot -f; fi'
	# shellcheck disable=SC2016 # expanded by the guest's shell
	printf '%s' 'lkvm_cmd="dmesg -n 1; n=$(tail -c1 /proc/device-tree/chosen/lkvm,boot-count | od -An -tu1); n=$((n)); p(){ echo MARK $n $1; echo CPUINFO cpus=$(grep -c ^processor /proc/cpuinfo) $(for f in sve paca pacg mte; do echo $f=$(grep ^Features /proc/cpuinfo | grep -c -w $f); done); featprobe cpus; featprobe perf; echo STOLEN=$(dmesg | grep -c [u]sing.stolen.time.PV); echo PMUDEVS=$(ls /sys/bus/event_source/devices | grep -c pmu); echo TIMER=$(dmesg | grep -o -m1 running.at.[0-9.]*MHz); }; p boot; '"$_again"'"'
}

# feature_lines OUT: the guest's report lines, each prefixed with
# "<boot>:<stage> " (1:boot, 1:replug, 2:boot).
feature_lines() {
	tr -d '\r' <"$1" | awk '
		/^MARK [0-9]+ [a-z]+$/ { s = $2 ":" $3; next }
		/^(FEAT|PERF|CPUINFO|STOLEN|PMUDEVS|TIMER|REPLUG)/ { print s " " $0 }'
}

# feature_has LINES STAGE WHAT TOKEN...: STAGE has a line starting WHAT
# that holds every TOKEN (as a whole word).
feature_has() {
	_f=$1 _s=$2 _w=$3
	shift 3
	_l=$(grep "^$_s $_w\( \|\$\)" "$_f" | head -n 1)
	[ -n "$_l" ] || return 1
	for _t in "$@"; do
		case " $_l " in *" $_t "*) ;; *) return 1 ;; esac
	done
}
# lkvm_footprint PID RAM_MIB: one line "rss=KiB own=KiB fds=N" about a
# running lkvm: its VmRSS; the resident memory of every mapping but the
# guest RAM (the anonymous mapping of RAM_MIB MiB, which holds what the
# guest touched), i.e. lkvm's own; its open file descriptors. Returns 1
# (and prints nothing) if PID is gone or the guest RAM is not found.
lkvm_footprint() {
	_fp_rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null)
	_fp_own=$(awk -v ram_kb=$(($2 * 1024)) '
		/^[0-9a-f]+-[0-9a-f]+ / { anon = (NF == 5); next }
		$1 == "Size:" { size = $2; next }
		$1 == "Rss:" {
			if (anon && size == ram_kb && !found)
				found = 1
			else
				own += $2
		}
		END { if (found) print own + 0 }' "/proc/$1/smaps" 2>/dev/null)
	_fp_fds=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
	[ -n "$_fp_rss" ] && [ -n "$_fp_own" ] && running "$1" || return 1
	echo "rss=$_fp_rss own=$_fp_own fds=$_fp_fds"
}

# serve_waits PID OUT PREFIX RAM_MIB FPFILE LABEL...: for a guest that
# prints "PREFIX-WAIT LABEL" and then waits for a key on its console, with
# lkvm's stdin on the caller's fd 3 (a FIFO): for each LABEL in turn, waits
# (as long as lkvm runs) for that line in OUT, appends
# "LABEL <lkvm_footprint>" to FPFILE and sends a newline. Returns 1 as
# soon as a LABEL never came or lkvm could not be looked at.
serve_waits() {
	_sw_pid=$1 _sw_out=$2 _sw_pfx=$3 _sw_mem=$4 _sw_fp=$5
	shift 5
	for _sw_l in "$@"; do
		# A whole line: "...-WAIT 1" must not match "...-WAIT 10".
		wait_while_running "$_sw_pid" 100000 \
			grep -qE "^$_sw_pfx-WAIT ${_sw_l}[[:space:]]*\$" "$_sw_out" ||
			return 1
		_sw_f=$(lkvm_footprint "$_sw_pid" "$_sw_mem") || return 1
		echo "$_sw_l $_sw_f" >>"$_sw_fp"
		echo >&3
	done
}

# fp_field FPFILE LABEL FIELD: FIELD (rss, own, fds) of LABEL's line.
fp_field() {
	sed -n "s/^$2 .*$3=\([0-9]*\).*/\1/p" "$1" | head -n 1
}

# Pages lkvm may gain between two looks at the same point of a guest's
# life without leaking: a first touch of a deeper stack page or of a
# page of a path run rarely (see the README's stress runs).
FOOTPRINT_TOL_KB=${FOOTPRINT_TOL_KB:-8}

# check_footprint NAME FPFILE BASE LAST: NAME/rss passes if lkvm's own
# memory at label LAST is at most FOOTPRINT_TOL_KB above that at BASE,
# NAME/fds if it has as many open files (footprint_info shows them).
check_footprint() {
	_cf_n=$1 _cf_f=$2 _cf_b=$3 _cf_l=$4
	_cf_ob=$(fp_field "$_cf_f" "$_cf_b" own)
	_cf_ol=$(fp_field "$_cf_f" "$_cf_l" own)
	_cf_db=$(fp_field "$_cf_f" "$_cf_b" fds)
	_cf_dl=$(fp_field "$_cf_f" "$_cf_l" fds)
	if [ -z "$_cf_ob" ] || [ -z "$_cf_ol" ]; then
		fail "$_cf_n/rss" "lkvm was not looked at both at '$_cf_b' and at '$_cf_l'"
		fail "$_cf_n/fds" "lkvm was not looked at both at '$_cf_b' and at '$_cf_l'"
		return
	fi
	if [ $((_cf_ol - _cf_ob)) -le "$FOOTPRINT_TOL_KB" ]; then
		pass "$_cf_n/rss"
	else
		fail "$_cf_n/rss" "lkvm's own resident memory grew from $_cf_ob KiB at '$_cf_b' to $_cf_ol KiB at '$_cf_l' (tolerance $FOOTPRINT_TOL_KB KiB)"
	fi
	if [ "$_cf_db" = "$_cf_dl" ]; then
		pass "$_cf_n/fds"
	else
		fail "$_cf_n/fds" "lkvm had $_cf_db open files at '$_cf_b', $_cf_dl at '$_cf_l'"
	fi
}

# footprint_info KEY FPFILE: every look at lkvm, on one INFO line.
footprint_info() {
	info "$1" "$(awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%sat %s: VmRSS %s KiB, own %s KiB, %s fds",
			(NR > 1 ? "; " : ""), $1, v["rss"], v["own"], v["fds"]
	}' "$2") (own: without the guest RAM)"
}

# kmsg_unsplice IN OUT: IN (a guest's console, without CRs) with the
# kernel's own messages taken out: one that came in the middle of a
# guest's line (the kernel prints its emergencies whatever the loglevel)
# goes, with its time stamp, and the line is joined again. Prints how many
# were taken out.
kmsg_unsplice() {
	awk -v out="$2" '
		{
			l = carry $0
			carry = ""
			if (match(l, /\[ *[0-9]+\.[0-9]+\] /)) {
				n++
				carry = substr(l, 1, RSTART - 1)
				next
			}
			print l >out
		}
		END {
			if (carry != "")
				print carry >out
			print n + 0
		}' "$1"
}

# ---- lkvm on a terminal (console-tty.sh, virtio-console.sh) -------------

# ptyrun (tests/testhost/ptyrun.c), copied in as /tools/ptyrun.
PTYRUN=${TESTHOST_ROOT:-}/tools/ptyrun
TTY_TIMEOUT=${TTY_TIMEOUT:-300}

# tty_run NAME WANT-EXIT ACTION... -- LKVM-ARGS...: runs lkvm under ptyrun
# and judges its exit status and the terminal settings. 0 if both are
# right. The output, without carriage returns, is in $W/NAME.out.txt.
tty_run() {
	_tr_name=$1 _tr_want=$2
	shift 2
	_tr_out=$W/$_tr_name.out
	_run_timeout "$_tr_out" "" $((TTY_TIMEOUT + 60)) "$PTYRUN" \
		-t "$TTY_TIMEOUT" "$@"
	_tr_rc=$?
	tr -d '\r' <"$_tr_out" >"$_tr_out.txt"
	_tr_last=$(grep '^PTYRUN-EXIT=' "$_tr_out.txt" | tail -n 1)
	case $_tr_last in
	"PTYRUN-EXIT=$_tr_want PTYRUN-TERMIOS=same")
		if [ "$_tr_rc" = 0 ]; then
			return 0
		fi
		fail "$_tr_name" "ptyrun exited $_tr_rc (an action did not complete)"
		;;
	"")
		fail "$_tr_name" "ptyrun exited $_tr_rc without a result"
		;;
	*PTYRUN-TERMIOS=changed)
		fail "$_tr_name" "the terminal settings were not restored ($_tr_last)"
		;;
	*)
		fail "$_tr_name" "expected lkvm to exit $_tr_want: $_tr_last"
		;;
	esac
	show_tail "$_tr_out.txt"
	return 1
}
