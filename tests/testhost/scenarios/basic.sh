#!/bin/sh
# Foundation scenarios: boots with 1/2/4 vCPUs, poweroff, console output,
# --dump-dtb (checked further by basic.host.sh), guest panic (and a printed
# panic line that must not count), bad input (each with its own message).
# Run with tests/testhost/run tests/testhost/scenarios/basic.sh
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
BAD_TIMEOUT=${BAD_TIMEOUT:-120}

# Number of CPUs in a sysfs cpu list such as 0-3 or 0,2-3.
count_cpulist() {
	_n=0
	_old_ifs=$IFS
	IFS=,
	for _r in $1; do
		case $_r in
		*-*) _n=$((_n + ${_r#*-} - ${_r%-*} + 1)) ;;
		[0-9]*) _n=$((_n + 1)) ;;
		esac
	done
	IFS=$_old_ifs
	echo "$_n"
}

# ---- 1. boots ----------------------------------------------------------
poweroff_bad=
console_bad=
boot_test() { # NCPUS MEM_MIB
	n=$1 m=$2 name=boot-${1}cpu
	out=$W/$name.out
	# shellcheck disable=SC2016 # expanded by the guest's shell
	boot_lkvm "$out" "$BOOT_TIMEOUT" run -c "$n" -m "$m" $(guest_args) \
		-p 'lkvm_cmd="echo LKVM-NPROC=$(nproc); echo LKVM-ONLINE=$(cat /sys/devices/system/cpu/online); grep MemTotal /proc/meminfo"'
	rc=$?
	[ -n "$BOOT_MS" ] && info "boot-ms-${n}cpu" "$BOOT_MS"
	if [ "$rc" = 124 ]; then
		fail "$name" "lkvm did not exit within ${BOOT_TIMEOUT}s"
		show_tail "$out"
		poweroff_bad="$poweroff_bad $name:timeout"
		console_bad="$console_bad $name"
		return
	fi
	if ! grep -q LKVM-GUEST-INIT "$out" || ! grep -q 'LKVM-GUEST-CMD-EXIT=0' "$out"; then
		console_bad="$console_bad $name"
	fi
	if [ "$rc" != 0 ] || ! grep -q 'LKVM-GUEST-CMD-EXIT=' "$out"; then
		poweroff_bad="$poweroff_bad $name:status-$rc"
	fi
	nproc=$(sed -n 's/.*LKVM-NPROC=\([0-9]*\).*/\1/p' "$out" | tail -n 1)
	online=$(sed -n 's/.*LKVM-ONLINE=\([0-9,-]*\).*/\1/p' "$out" | tail -n 1)
	memkb=$(sed -n 's/.*MemTotal: *\([0-9]*\) kB.*/\1/p' "$out" | tail -n 1)
	nonline=$(count_cpulist "$online")
	lo=$(((m - 64) * 1024))
	hi=$((m * 1024))
	if [ -z "$nproc" ] || [ -z "$memkb" ]; then
		fail "$name" "the guest did not report CPUs/memory (lkvm status $rc)"
		show_tail "$out"
	elif [ "$nproc" != "$n" ] || [ "$nonline" != "$n" ]; then
		fail "$name" "guest sees $nproc CPUs (online: $online), expected $n"
	elif [ "$memkb" -lt "$lo" ] || [ "$memkb" -gt "$hi" ]; then
		fail "$name" "guest MemTotal ${memkb} kB is outside [$lo, $hi] kB for -m $m"
	else
		pass "$name"
	fi
	[ -n "$memkb" ] && info "memtotal-kb-${n}cpu" "$memkb"
}

boot_test 1 256
boot_test 2 320
boot_test 4 512
if [ -z "$poweroff_bad" ]; then
	pass poweroff-exit0
else
	fail poweroff-exit0 "lkvm did not exit 0 after the guest's poweroff -f:$poweroff_bad"
fi
if [ -z "$console_bad" ]; then
	pass console-output
else
	fail console-output "guest markers missing from lkvm's output in:$console_bad"
fi

# ---- 2. --dump-dtb -------------------------------------------------------
dtb=$W/guest.dtb
rm -f "$dtb"
run_lkvm_split "$W/dtb.out" "$W/dtb.err" "$BAD_TIMEOUT" run --dump-dtb "$dtb" $(guest_args) -c 2
rc=$?
magic=$(od -An -tx1 -N4 "$dtb" 2>/dev/null | tr -d ' \n')
if [ "$rc" != 0 ]; then
	fail dump-dtb "lkvm exited with status $rc"
	show_tail "$W/dtb.err" 5
elif [ ! -s "$dtb" ]; then
	fail dump-dtb "no DTB written"
elif [ "$magic" != d00dfeed ]; then
	fail dump-dtb "the file is not a DTB (magic $magic)"
elif grep -q LKVM-GUEST-INIT "$W/dtb.out"; then
	fail dump-dtb "lkvm booted the guest instead of only writing the DTB"
else
	pass dump-dtb
	export_file guest.dtb "$dtb"
fi

# ---- 3. guest panic ------------------------------------------------------
# Debian's kernel has no pvpanic driver: lkvm sees the panic only on the
# console, which it watches only when asked to.
out=$W/panic.out
err=$W/panic.err
run_lkvm_split "$out" "$err" "$BOOT_TIMEOUT" run -c 1 -m 256 $(guest_args) \
	--stop-on-console-panic -p 'lkvm_cmd="echo c > /proc/sysrq-trigger"'
rc=$?
if [ "$rc" = 124 ]; then
	fail guest-panic "lkvm did not exit within ${BOOT_TIMEOUT}s of booting a guest that panics"
	show_tail "$out"
elif [ "$rc" = 0 ]; then
	fail guest-panic "lkvm exited 0 after a guest panic"
elif [ "$rc" -ge 128 ]; then
	fail guest-panic "lkvm died of signal $((rc - 128))"
elif ! grep -qi panic "$err" && ! grep -i '^lkvm:' "$out" | grep -qi panic; then
	# The guest's own "Kernel panic" text on stdout does not count.
	fail guest-panic "lkvm exited $rc but said nothing about a panic itself"
	show_tail "$err" 5
else
	pass guest-panic
	info guest-panic-exit "$rc"
fi

# Without --stop-on-console-panic, a guest program printing Linux's panic
# line does not stop the VM.
out=$W/fake-panic.out
err=$W/fake-panic.err
# shellcheck disable=SC2046 # guest_args is a word list
run_lkvm_split "$out" "$err" "$BOOT_TIMEOUT" run -c 1 -m 256 $(guest_args) \
	-p 'lkvm_cmd="echo Kernel panic - not syncing: printed by a program; echo AFTER-FAKE-PANIC"'
rc=$?
if ! grep -q '^Kernel panic - not syncing: printed by a program' "$out"; then
	fail console-panic-needs-option "the guest did not print the panic line (lkvm status $rc)"
	show_tail "$out"
elif [ "$rc" != 0 ]; then
	fail console-panic-needs-option "lkvm exited $rc, expected 0: $(grep -m1 '^lkvm: ' "$err")"
elif grep -q '^lkvm: .*panic' "$err" || ! grep -q '^AFTER-FAKE-PANIC' "$out"; then
	fail console-panic-needs-option "lkvm took a printed line for a panic"
else
	pass console-panic-needs-option
fi

# ---- 3b. SIGTERM: clean teardown ----------------------------------------
# A guest that would run forever; lkvm must stop it and exit 128+15.
out=$W/sigterm.out
# shellcheck disable=SC2046 # guest_args is a word list
start_lkvm "$out" READY-FOR-SIGTERM "$BOOT_TIMEOUT" run -c 2 -m 256 \
	$(guest_args) -p 'lkvm_cmd="echo READY-FOR-SIGTERM; sleep 100000"'
stop_lkvm "$LKVM_PID"
rc=$?
if [ "$rc" = 124 ]; then
	fail sigterm-teardown "lkvm still running 30 s after SIGTERM"
elif ! grep -q '^READY-FOR-SIGTERM' "$out"; then
	fail sigterm-teardown "the guest never got ready (lkvm status $rc)"
	show_tail "$out"
elif [ "$rc" != 143 ]; then
	fail sigterm-teardown "lkvm exited $rc after SIGTERM, expected 143"
	show_tail "$out" 5
else
	pass sigterm-teardown
fi

# ---- 3c. a console reader that stalls, or goes away ----------------------
# The guest prints without end. A reader that stops reading blocks lkvm's
# console output (nothing is lost), but SIGTERM must still stop it; a reader
# that exits costs one warning, not a death by SIGPIPE.
# shellcheck disable=SC2016 # expanded by the guest's shell
SPEW='lkvm_cmd="echo READY-SPEW; while :; do echo 0123456789abcdef0123456789abcdef0123456789abcdef; done"'
# blocked_in_write PID: a thread of PID sits in write(1, ...) (arm64: 64).
blocked_in_write() {
	grep -q '^64 0x1 ' /proc/"$1"/task/*/syscall 2>/dev/null
}
console_reader() { # NAME STALL(1) | EXIT(0)
	_cr_f=$W/$1.fifo
	rm -f "$_cr_f" "$W/$1.ready"
	mkfifo "$_cr_f"
	(
		while IFS= read -r _l; do
			case $_l in READY-SPEW*)
				: >"$W/$1.ready"
				break
				;;
			esac
		done
		[ "$2" = 1 ] && exec sleep 100000
	) <"$_cr_f" &
	_cr_reader=$!
	# shellcheck disable=SC2046 # guest_args is a word list
	"$LKVM" run -c 2 -m 256 $(guest_args) -p "$SPEW" \
		>"$_cr_f" 2>"$W/$1.err" </dev/null &
	_cr_pid=$!
	wait_while_running "$_cr_pid" "$BOOT_TIMEOUT" test -e "$W/$1.ready"
	if [ "$2" = 1 ]; then
		# Only a write that really blocks makes the test mean something.
		_cr_blocked=
		_cr_i=0
		while [ "$_cr_i" -lt 60 ] && [ -e "$W/$1.ready" ]; do
			if blocked_in_write "$_cr_pid"; then
				sleep 1
				blocked_in_write "$_cr_pid" && _cr_blocked=1 && break
			fi
			sleep 1
			_cr_i=$((_cr_i + 1))
		done
	else
		sleep 5 # the write fails once the reader is gone
	fi
	stop_lkvm "$_cr_pid"
	_cr_rc=$?
	kill "$_cr_reader" 2>/dev/null
	wait "$_cr_reader" 2>/dev/null
	if [ ! -e "$W/$1.ready" ]; then
		fail "$1" "the guest never got ready (lkvm status $_cr_rc)"
		show_tail "$W/$1.err"
		return 1
	elif [ "$2" = 1 ] && [ -z "$_cr_blocked" ]; then
		fail "$1" "no lkvm thread was seen blocked writing to stdout (/proc/<pid>/task/*/syscall)"
		return 1
	elif [ "$_cr_rc" = 124 ]; then
		fail "$1" "lkvm still running 30 s after SIGTERM"
		return 1
	elif [ "$_cr_rc" != 143 ]; then
		fail "$1" "lkvm exited $_cr_rc after SIGTERM, expected 143"
		show_tail "$W/$1.err" 5
		return 1
	fi
	return 0
}
console_reader console-stalled-sigterm 1 && pass console-stalled-sigterm
if console_reader console-closed 0; then
	if grep -q 'console output: ' "$W/console-closed.err"; then
		pass console-closed
	else
		fail console-closed "no 'console output:' warning on stderr"
		show_tail "$W/console-closed.err" 5
	fi
fi

# ---- 4. bad input --------------------------------------------------------
# check_bad NAME RC PATTERN: judges $W/NAME.err. lkvm must fail with status
# 1..127 and say, on a line of its own after "lkvm: ", what PATTERN (an
# extended regular expression) matches: the message of this very case, so
# that a later, unrelated error does not count.
check_bad() {
	_name=$1 _rc=$2 _pat=$3
	_err=$W/$_name.err
	if [ "$_rc" = 124 ]; then
		fail "$_name" "lkvm did not exit within ${BAD_TIMEOUT}s"
	elif [ "$_rc" = 0 ]; then
		fail "$_name" "lkvm exited 0"
	elif [ "$_rc" -ge 128 ]; then
		fail "$_name" "lkvm died of signal $((_rc - 128)) (status $_rc)"
	elif ! grep -q '^lkvm: ' "$_err"; then
		fail "$_name" "status $_rc but no 'lkvm: ' line on stderr"
		show_tail "$_err" 5
	elif ! grep -qE "^lkvm: ($_pat)" "$_err"; then
		fail "$_name" "expected 'lkvm: $_pat', got: $(grep -m1 '^lkvm: ' "$_err")"
	else
		pass "$_name"
		echo "    $_name: status $_rc: $(grep -m1 '^lkvm: ' "$_err")"
	fi
}

# bad NAME PATTERN ARGS...: lkvm ARGS must fail cleanly, saying PATTERN.
bad() {
	_b=$1 _p=$2
	shift 2
	run_lkvm_split "$W/$_b.out" "$W/$_b.err" "$BAD_TIMEOUT" "$@"
	check_bad "$_b" $? "$_p"
}

IMG=$GUEST_DIR/Image
INITRD=$GUEST_DIR/initrd.cpio.gz
# Where a fix could regress into a boot, the guest powers off at once, so
# that the case fails quickly ("exited 0") instead of waiting for a shell.
QUICK='lkvm_cmd="true"'
bad bad-missing-kernel "cannot open kernel '/nonexistent': " \
	run -k /nonexistent -i "$INITRD"
# (A file with no known header is a flat binary: kernel-formats.sh.)
{ printf '\177ELF\002\001\001' && head -c 65536 /dev/zero; } >"$W/vmlinux"
bad bad-not-an-image "kernel '.*': an ELF file \(use arch/arm64/boot/Image, not vmlinux\)" \
	run -k "$W/vmlinux" -i "$INITRD"
rm -f "$W/vmlinux"
if dd if=/dev/zero of="$W/big.initrd" bs=1048576 count=200 2>/dev/null; then
	bad bad-initrd-too-big "the initrd \(200 MiB\) does not fit in 64 MiB" \
		run -m 64 -k "$IMG" -i "$W/big.initrd"
else
	fail bad-initrd-too-big "could not make a 200 MiB file in $W"
fi
rm -f "$W/big.initrd"
: >"$W/empty.initrd"
bad bad-initrd-empty "initrd '.*/empty.initrd' is empty" \
	run -k "$IMG" -i "$W/empty.initrd" -p "$QUICK"
rm -f "$W/empty.initrd"
# FIFOs with no writer: an open() that blocks would hang lkvm for good.
rm -f "$W/kernel.fifo" "$W/initrd.fifo"
mkfifo "$W/kernel.fifo" "$W/initrd.fifo"
bad bad-kernel-fifo "kernel '.*/kernel.fifo' is a FIFO, not a regular file" \
	run -k "$W/kernel.fifo" -i "$INITRD"
bad bad-initrd-fifo "initrd '.*/initrd.fifo' is a FIFO, not a regular file" \
	run -k "$IMG" -i "$W/initrd.fifo" -p "$QUICK"
rm -f "$W/kernel.fifo" "$W/initrd.fifo"
bad bad-mem-zero "invalid --mem '0'" run -m 0 -k "$IMG" -i "$INITRD"
bad bad-mem-too-small "invalid --mem '64K': lkvm needs at least 4 MiB" \
	run -m 64K -k "$IMG" -i "$INITRD"
# Guest RAM is filled lazily, so only this check stands between such a
# guest and the host's OOM killer.
host_mib=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024))
bad bad-mem-above-host "invalid --mem: $((host_mib + 64)) MiB asked for, but this host has only [0-9]+ MiB of RAM" \
	run -m $((host_mib + 64)) -c 1 -k "$IMG" -i "$INITRD" -p "$QUICK"
# -p past arm64's 2047 bytes once "console=ttyS0 earlycon " is put first.
long_p="$QUICK lkvm_pad=$(head -c 2100 /dev/zero | tr '\0' x)"
bad bad-params-too-long "--params is ${#long_p} bytes; .* the command line is $((${#long_p} + 23)), and arm64 Linux keeps at most 2047" \
	run -k "$IMG" -i "$INITRD" -p "$long_p"
bad bad-cpus-zero "invalid --cpus '0'" run -c 0 -k "$IMG" -i "$INITRD"
bad bad-cpus-space "invalid --cpus ' 3'" \
	run -c " 3" -k "$IMG" -i "$INITRD" -p "$QUICK"
bad bad-cpus-plus "invalid --cpus '\+3'" \
	run -c +3 -k "$IMG" -i "$INITRD" -p "$QUICK"
bad bad-cpus-too-many "4096 vCPUs asked for, but this host's KVM allows at most [0-9]+" \
	run -c 4096 -k "$IMG" -i "$INITRD"
bad bad-unknown-option "unknown option '--no-such-option'" \
	run --no-such-option -k "$IMG" -i "$INITRD"
bad bad-missing-argument "option '(-k|--kernel)' needs a value" run -k

# No /dev/kvm at all.
if [ "$TESTHOST_MODE" = testhost ]; then
	if [ -e /dev/kvm ]; then
		trap 'mv /dev/kvm.away /dev/kvm 2>/dev/null' EXIT INT TERM
		mv /dev/kvm /dev/kvm.away
		run_lkvm_split "$W/bad-no-dev-kvm.out" "$W/bad-no-dev-kvm.err" "$BAD_TIMEOUT" \
			run -k "$IMG" -i "$INITRD"
		rc=$?
		mv /dev/kvm.away /dev/kvm
		trap - EXIT INT TERM
		check_bad bad-no-dev-kvm "$rc" "/dev/kvm does not exist"
	else
		fail bad-no-dev-kvm "the test host has no /dev/kvm to hide"
	fi
elif [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
	# Native: hide /dev/kvm in a private mount namespace.
	_run_timeout "$W/bad-no-dev-kvm.out" "$W/bad-no-dev-kvm.err" "$BAD_TIMEOUT" \
		unshare -m sh -c 'mount -t tmpfs none /dev && exec "$@"' sh \
		"$LKVM" run -k "$IMG" -i "$INITRD"
	check_bad bad-no-dev-kvm $? "/dev/kvm does not exist"
else
	skip bad-no-dev-kvm "native mode needs root and unshare to hide /dev/kvm"
fi

# /dev/kvm there but not accessible: run lkvm as uid/gid 65534.
if [ "$(id -u)" != 0 ]; then
	skip bad-kvm-not-accessible "needs root to switch to uid 65534"
else
	mode_saved=
	if as_nobody sh -c 'exec 3<>/dev/kvm' 2>/dev/null; then
		if [ "$TESTHOST_MODE" = testhost ]; then
			mode_saved=$(stat -c %a /dev/kvm)
			chmod 600 /dev/kvm
		fi
	fi
	if as_nobody sh -c 'exec 3<>/dev/kvm' 2>/dev/null; then
		skip bad-kvm-not-accessible "uid 65534 can open /dev/kvm here"
	elif ! as_nobody sh -c "test -r $(sq_args "$IMG") && test -x $(sq_args "$LKVM")" 2>/dev/null; then
		skip bad-kvm-not-accessible "uid 65534 cannot read $IMG or run $LKVM"
	else
		run_lkvm_as_nobody "$W/bad-kvm-not-accessible.out" "$W/bad-kvm-not-accessible.err" \
			"$BAD_TIMEOUT" run -k "$IMG" -i "$INITRD"
		check_bad bad-kvm-not-accessible $? "permission denied opening /dev/kvm"
	fi
	[ -n "$mode_saved" ] && chmod "$mode_saved" /dev/kvm
fi
exit 0
