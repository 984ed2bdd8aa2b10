#!/bin/sh
# The seccomp sandbox (arm/sandbox.c). The test hook
# LKVM_SECCOMP_SELFTEST=KIND makes the first thread of that kind call
# socket(), which no allow-list has, right after it confined itself: lkvm
# must die with a message naming the call and the thread, exit 159, give
# the terminal back as it was (on a pty, with ptyrun) and remove its control
# socket. With --sandbox=off the same call goes through and the guest boots.
# Then, with the sandbox on: a Linux boot to /init and a clean poweroff,
# a reboot in place (Linux `reboot -f`), and a virtio disk and rng guest.
# (Every other scenario runs with the sandbox on too: it is the default.)
# Needs /tools/ptyrun and /disks/data.img (--file, see tests/run-all).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
T=${SECCOMP_TIMEOUT:-300}
PTYRUN=${TESTHOST_ROOT:-}/tools/ptyrun
DISKS=${TESTHOST_ROOT:-}/disks
GA="-c 2 -m 256 $(guest_args)"
SOCKDIR=${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/lkvm}
SOCKDIR=${SOCKDIR:-$HOME/.lkvm}
# shellcheck disable=SC2016 # expanded by the guest's shell
MARK='echo SANDBOX-GUEST-$((6*7))'

# killed NAME KIND OUT RC VM [CALL]: lkvm was killed for KIND's forbidden
# call (socket, or CALL).
killed() {
	_k_out=$3 _k_rc=$4 _k_call=${6:-socket}
	if [ "$_k_rc" != 159 ]; then
		fail "$1" "lkvm exited $_k_rc, not 159"
		show_tail "$_k_out"
		return 1
	fi
	if ! grep -Eq "^lkvm: seccomp: thread $2( [0-9]+)? made forbidden system call $_k_call \([0-9]+\)" "$_k_out"; then
		fail "$1" "no 'thread $2 ... made forbidden system call $_k_call' message"
		show_tail "$_k_out"
		return 1
	fi
	if [ -e "$SOCKDIR/$5.sock" ]; then
		fail "$1" "the control socket $SOCKDIR/$5.sock is still there"
		return 1
	fi
	return 0
}

# 1. A vCPU thread's forbidden call, on a terminal.
if [ -x "$PTYRUN" ]; then
	out=$W/selftest-vcpu.out
	_run_timeout "$out" "" $((T + 60)) "$PTYRUN" -t "$T" -- \
		env LKVM_SECCOMP_SELFTEST=vcpu "$LKVM" run $GA \
		--name sc-vcpu
	rc=$?
	tr -d '\r' <"$out" >"$out.txt"
	last=$(grep '^PTYRUN-EXIT=' "$out.txt" | tail -n 1)
	case $last in
	"PTYRUN-EXIT=159 PTYRUN-TERMIOS=same")
		killed seccomp/selftest-vcpu-tty 'vcpu 0' "$out.txt" 159 sc-vcpu &&
			pass seccomp/selftest-vcpu-tty
		;;
	*)
		fail seccomp/selftest-vcpu-tty "ptyrun exited $rc: ${last:-no result} (want exit 159, terminal the same)"
		show_tail "$out.txt"
		;;
	esac
else
	fail seccomp/selftest-vcpu-tty "no $PTYRUN (make lkvm-arm64)"
fi

# The other kinds, without a terminal (the console thread exists anyway;
# --rng gives an I/O thread).
for kind in vcpu io console signal control main; do
	out=$W/selftest-$kind.out
	# shellcheck disable=SC2086 # GA is a word list
	LKVM_SECCOMP_SELFTEST=$kind run_lkvm "$out" "$T" run $GA --rng \
		--name "sc-$kind" -p "lkvm_cmd=\"sleep 600\""
	rc=$?
	killed "seccomp/selftest-$kind" "$kind" "$out" "$rc" "sc-$kind" &&
		pass "seccomp/selftest-$kind"
done

# ioctl is allowed by request only: a request no list has (TIOCSTI) from
# a vCPU thread and from an I/O thread, both of which may make ioctls.
for kind in vcpu io; do
	out=$W/selftest-$kind-ioctl.out
	# shellcheck disable=SC2086 # GA is a word list
	LKVM_SECCOMP_SELFTEST=$kind-ioctl run_lkvm "$out" "$T" run $GA --rng \
		--name "sc-$kind-ioctl" -p "lkvm_cmd=\"sleep 600\""
	rc=$?
	killed "seccomp/selftest-$kind-ioctl" "$kind" "$out" "$rc" \
		"sc-$kind-ioctl" ioctl && pass "seccomp/selftest-$kind-ioctl"
done

# guest NAME LKVM-ARGS...: a guest running CMD; output in $W/NAME.out.
guest() {
	_g=$1
	shift
	# shellcheck disable=SC2086 # GA is a word list
	run_lkvm "$W/$_g.out" "$T" run $GA "$@"
	RC=$?
	tr -d '\r' <"$W/$_g.out" >"$W/$_g.txt"
	OUT=$W/$_g.txt
}
# guest_ok NAME: lkvm exited 0 after the guest command ran to its end.
guest_ok() {
	if [ "$RC" = 0 ] && grep -q '^LKVM-GUEST-CMD-EXIT=0' "$OUT" &&
		! grep -q 'forbidden system call' "$OUT"; then
		return 0
	fi
	fail "$1" "lkvm exited $RC; guest command: $(grep LKVM-GUEST-CMD-EXIT "$OUT" | tail -n 1)"
	show_tail "$OUT" 25
	return 1
}

# 2. --sandbox=off: the self-test's call goes through, the guest boots.
out=$W/off.out
LKVM_SECCOMP_SELFTEST=vcpu run_lkvm "$out" "$T" run $GA --sandbox=off \
	--loglevel info -p "lkvm_cmd=\"$MARK\""
rc=$?
tr -d '\r' <"$out" >"$out.txt"
if [ "$rc" = 0 ] && grep -q '^SANDBOX-GUEST-42' "$out.txt" &&
	grep -q 'seccomp sandbox off (--sandbox=off)' "$out.txt" &&
	grep -q 'socket() from thread vcpu 0 returned [0-9]' "$out.txt" &&
	! grep -q 'forbidden system call' "$out.txt"; then
	pass seccomp/off
else
	fail seccomp/off "lkvm exited $rc, or no boot, or no 'socket() ... returned' / 'sandbox off' line"
	show_tail "$out.txt"
fi

# 3. With the sandbox on: Linux boots to /init and powers off.
guest boot --loglevel info -p "lkvm_cmd=\"$MARK\""
if guest_ok seccomp/linux-boot; then
	if grep -q '^LKVM-GUEST-INIT' "$OUT" &&
		grep -q '^SANDBOX-GUEST-42' "$OUT" &&
		grep -q '^lkvm: seccomp sandbox on' "$OUT"; then
		pass seccomp/linux-boot
	else
		fail seccomp/linux-boot "no /init, marker or 'seccomp sandbox on' line"
		show_tail "$OUT"
	fi
fi

# A reboot in place: boot 1 runs `reboot -f`, boot 2 powers off.
# shellcheck disable=SC2016 # expanded by the guest's shell
cmd='set -- $(od -An -tu1 /proc/device-tree/chosen/lkvm,boot-count); n=$(($1*16777216+$2*65536+$3*256+$4)); echo SANDBOX-BOOT-$n; if [ $n -lt 2 ]; then reboot -f; fi'
guest reboot -p "lkvm_cmd=\"$cmd\""
if guest_ok seccomp/linux-reboot; then
	if grep -q '^SANDBOX-BOOT-1' "$OUT" && grep -q '^SANDBOX-BOOT-2' "$OUT"; then
		pass seccomp/linux-reboot
	else
		fail seccomp/linux-reboot "not both boots seen"
		show_tail "$OUT"
	fi
fi

# virtio-blk (reads, writes, FLUSH, DISCARD) and virtio-rng.
if [ -f "$DISKS/data.img" ] && cp "$DISKS/data.img" "$W/data.img"; then
	cmd='mkdir -p /mnt; mount /dev/vda /mnt || exit 1; seq 1 20000 >/mnt/sc; sync; fstrim /mnt; echo SUM $(md5sum </mnt/sc); umount /mnt; echo RNG $(head -c 4096 /dev/hwrng | wc -c)'
	guest disk -d "$W/data.img" --rng -p "loglevel=1 lkvm_cmd=\"$cmd\""
	want=$(seq 1 20000 | md5sum | cut -d' ' -f1)
	if guest_ok seccomp/virtio; then
		if grep -q "^SUM $want" "$OUT" && grep -q '^RNG 4096' "$OUT"; then
			pass seccomp/virtio
		else
			fail seccomp/virtio "disk checksum or rng bytes wrong"
			show_tail "$OUT"
		fi
	fi
else
	fail seccomp/virtio "no $DISKS/data.img (tests/testhost/make-disks, --file)"
fi
