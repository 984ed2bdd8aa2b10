#!/bin/sh
# lkvm run --console virtio: the guest's console is hvc0 (virtio-console)
# while earlycon still prints on the UART. On a terminal (ptyrun, as in
# console-tty.sh): a command typed on lkvm's stdin runs in the shell on
# hvc0 and its output comes back; Ctrl-A x ends lkvm with the terminal
# restored, also after 20000 keys the guest never reads. On a pipe: 1 MiB
# of numbered lines arrives whole and in order, also through a reader that
# stalls for a while; SIGTERM stops lkvm while the reader stalls for good;
# a reader that goes away costs one warning and the guest runs on. A
# reboot in place brings hvc0 back.
# Needs /tools/ptyrun (under TESTHOST_ROOT natively).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
T=${VCON_TIMEOUT:-300}
GA="-c 2 -m 256 $(guest_args) --console virtio"

if [ ! -x "$PTYRUN" ]; then
	fail vcon/setup "no $PTYRUN (make lkvm-arm64 builds build/arm64/ptyrun)"
	exit 1
fi

# ---- a bad value -----------------------------------------------------------
# shellcheck disable=SC2046 # guest_args is a word list
run_lkvm_split "$W/bad.out" "$W/bad.err" 30 run $(guest_args) --console hvc
rc=$?
if [ "$rc" = 1 ] && grep -q "^lkvm: invalid --console 'hvc': serial or virtio" "$W/bad.err"; then
	pass vcon/bad-value
else
	fail vcon/bad-value "exit $rc: $(head -n 1 "$W/bad.err")"
fi

# ---- a shell on hvc0, typed at; earlycon on the UART -----------------------
# The marker is computed by the guest's shell, so the echo of the typed
# line does not count.
# shellcheck disable=SC2016,SC2086 # guest shell; GA is a word list
if tty_run vcon-shell 0 -w 'lkvm-guest:/# ' \
	-s 'echo TYPED-$((6*7)) on $(tty) size $(stty size)\r' -w TYPED-42 \
	-s 'poweroff -f\r' -- "$LKVM" run $GA --loglevel info; then
	o=$W/vcon-shell.out.txt
	if grep -q '^TYPED-42 on /dev/hvc0' "$o"; then
		pass vcon/shell
	else
		fail vcon/shell "no 'TYPED-42 on /dev/hvc0' line"
		show_tail "$o"
	fi
	# ptyrun's terminal is 37 x 101: hvc0 has that size too
	# (VIRTIO_CONSOLE_F_SIZE).
	if grep -q '^TYPED-42 on /dev/hvc0 size 37 101$' "$o"; then
		pass vcon/size
	else
		fail vcon/size "want 'size 37 101': $(grep '^TYPED-42' "$o")"
	fi
	# The kernel's first lines come before hvc0 exists: only earlycon on
	# the UART can print them. hvc0 gets no replay of them (a boot console
	# was there), so its byte count stays below what came before it.
	sum=$(grep 'virtio-console hvc0, ' "$o")
	hvc_out=$(echo "$sum" | sed -n 's/.*hvc0, \([0-9]*\) bytes out, \([0-9]*\) in.*/\1/p')
	hvc_in=$(echo "$sum" | sed -n 's/.*hvc0, \([0-9]*\) bytes out, \([0-9]*\) in.*/\2/p')
	before=$(sed '/legacy console \[hvc0\] enabled/q' "$o" | wc -c)
	if grep -q 'earlycon: ns16550a0 at MMIO 0x0000000001000000' "$o" &&
		grep -q 'Booting Linux on physical CPU' "$o" &&
		grep -q 'legacy console \[hvc0\] enabled' "$o" &&
		[ -n "$hvc_out" ] && [ "$hvc_out" -lt "$before" ]; then
		pass vcon/earlycon
	else
		fail vcon/earlycon "hvc0 wrote '$hvc_out' bytes, $before before it came up; summary '$sum'"
		show_tail "$o"
	fi
	# The typed line went through the receive queue.
	if [ -n "$hvc_in" ] && [ "$hvc_in" -ge 30 ]; then
		pass vcon/typed-in
	else
		fail vcon/typed-in "hvc0 took '$hvc_in' bytes of input; summary '$sum'"
	fi
fi

# ---- Ctrl-A x --------------------------------------------------------------
# shellcheck disable=SC2016 # expanded by the guest's shell
READY='lkvm_cmd="echo TTY-READY-$((40+2)); sleep 100000"'
# console=hvc0 given again, as a user would: the same console.
# shellcheck disable=SC2086 # GA is a word list
if tty_run vcon-ctrl-a-x 0 -w TTY-READY-42 -s '\x01x' -- \
	"$LKVM" run $GA -p "console=hvc0 $READY"; then
	if grep -q 'Ctrl-A x: stopping the guest' "$W/vcon-ctrl-a-x.out.txt"; then
		pass vcon/ctrl-a-x
	else
		fail vcon/ctrl-a-x "no 'Ctrl-A x: stopping the guest' message"
	fi
fi

# 20000 keys to a guest whose shell reads none (sleep): every buffer on
# the way fills up, and Ctrl-A x must still work.
# shellcheck disable=SC2086 # GA is a word list
tty_run vcon-ctrl-a-x-unread 0 -w TTY-READY-42 -f 20000 -s '\x01x' -- \
	"$LKVM" run $GA -p "$READY" && pass vcon/ctrl-a-x-unread

# ---- 1 MiB of numbered lines ------------------------------------------------
# 2000 short lines (seq: two requests each, the line and its CR LF, as the
# guest's tty writes them), then 1050 lines of 1007 bytes. Short lines
# alone would take minutes here: every request is a round trip through the
# nested guest (about 3 ms in the test host).
# shellcheck disable=SC2016 # expanded by sh -c, here and in the guest
GEN='seq 1 2000; p=$(printf %01000d 0); seq -w 1 1050 | while read -r i; do echo $i $p; done'
want=$(sh -c "$GEN" | md5sum | cut -d' ' -f1)
wbytes=$(sh -c "$GEN" | wc -c)
info vcon-large-output-bytes "$wbytes"
SEQ="loglevel=1 lkvm_cmd=\"echo SEQ-BEGIN; $GEN; echo SEQ-END\""
# seq_check NAME OUT: the lines between the markers are GEN's, whole.
seq_check() {
	_got=$(tr -d '\r' <"$2" | sed -n '/^SEQ-BEGIN$/,/^SEQ-END$/p' |
		sed '1d;$d' | md5sum | cut -d' ' -f1)
	if [ "$_got" = "$want" ] && grep -q '^SEQ-END' "$2"; then
		return 0
	fi
	fail "$1" "the lines differ (md5 $_got, want $want; $(tr -d '\r' <"$2" | sed -n '/^SEQ-BEGIN$/,/^SEQ-END$/p' | wc -c) bytes with the markers)"
	tail -c 300 "$2" | sed 's/^/    | /'
	return 1
}

# shellcheck disable=SC2086 # GA is a word list
run_lkvm_split "$W/seq.out" "$W/seq.err" "$T" run $GA -p "$SEQ"
rc=$?
if [ "$rc" != 0 ]; then
	fail vcon/large-output "lkvm exited $rc: $(tail -n 1 "$W/seq.err")"
elif seq_check vcon/large-output "$W/seq.out"; then
	pass vcon/large-output
fi

# blocked PID: lkvm's hvc writer thread sleeps in a write to the full pipe.
blocked() {
	for _t in /proc/"$1"/task/*; do
		[ "$(cat "$_t/comm" 2>/dev/null)" = lkvm-hvc-out ] &&
			[ "$(cat "$_t/wchan" 2>/dev/null)" = pipe_write ] && return 0
	done
	return 1
}

# The reader takes some (dd: never more than each read returns) and
# stalls until lkvm's writer is blocked on the full pipe (and 5 s more,
# the guest waiting), then reads the rest: nothing is lost, and lkvm
# exits 0.
rm -f "$W/go"
mkfifo "$W/fifo"
sh -c "dd bs=4096 count=25 2>/dev/null; while [ ! -e '$W/go' ]; do sleep 1; done; exec cat" \
	<"$W/fifo" >"$W/stall.out" &
reader=$!
# shellcheck disable=SC2086 # GA is a word list
"$LKVM" run $GA -p "$SEQ" >"$W/fifo" 2>"$W/stall.err" </dev/null &
lkvm_pid=$!
wait_while_running "$lkvm_pid" "$T" blocked "$lkvm_pid"
was_blocked=$?
sleep 5
: >"$W/go"
wait "$lkvm_pid"
rc=$?
wait "$reader"
if [ "$was_blocked" != 0 ]; then
	fail vcon/stalled-reader "lkvm's writer never blocked on the pipe (lkvm exited $rc)"
elif [ "$rc" != 0 ]; then
	fail vcon/stalled-reader "lkvm exited $rc: $(tail -n 1 "$W/stall.err")"
elif seq_check vcon/stalled-reader "$W/stall.out"; then
	pass vcon/stalled-reader
fi

# The reader stalls for good: SIGTERM still stops lkvm (exit 143) while
# its writer is blocked.
sh -c "dd bs=4096 count=25 >/dev/null 2>&1; exec sleep 600" <"$W/fifo" &
reader=$!
# shellcheck disable=SC2086 # GA is a word list
"$LKVM" run $GA -p "$SEQ" >"$W/fifo" 2>"$W/stuck.err" </dev/null &
lkvm_pid=$!
if wait_while_running "$lkvm_pid" "$T" blocked "$lkvm_pid" &&
	running "$lkvm_pid"; then
	stop_lkvm "$lkvm_pid"
	rc=$?
	if [ "$rc" = 143 ]; then
		pass vcon/stalled-sigterm
	else
		fail vcon/stalled-sigterm "lkvm exited $rc after SIGTERM (124: killed)"
		tail -n 5 "$W/stuck.err"
	fi
else
	fail vcon/stalled-sigterm "lkvm's writer never blocked on the pipe"
	stop_lkvm "$lkvm_pid" >/dev/null
fi
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null

# The reader goes away after 1000 bytes: one warning, the guest runs on to
# its poweroff (exit 0).
sh -c "head -c 1000 >'$W/gone.out'" <"$W/fifo" &
reader=$!
# shellcheck disable=SC2086 # GA is a word list
run_lkvm_split "$W/fifo" "$W/gone.err" "$T" run $GA -p "$SEQ"
rc=$?
wait "$reader"
n=$(grep -c 'console output: .*further output is dropped' "$W/gone.err")
if [ "$rc" = 0 ] && [ "$n" = 1 ]; then
	pass vcon/reader-gone
else
	fail vcon/reader-gone "lkvm exited $rc with $n warnings"
	tail -n 5 "$W/gone.err"
fi

# ---- a reboot in place ------------------------------------------------------
# shellcheck disable=SC2016 # expanded by the guest's shell
BOOTS='loglevel=1 lkvm_cmd="n=$(tail -c1 /proc/device-tree/chosen/lkvm,boot-count | od -An -tu1); echo HVC-BOOT-$((n)) $(cat /sys/class/tty/console/active); [ $((n)) = 1 ] && reboot -f; true"'
# shellcheck disable=SC2086 # GA is a word list
run_lkvm "$W/reboot.out" "$T" run $GA -p "$BOOTS"
rc=$?
tr -d '\r' <"$W/reboot.out" >"$W/reboot.txt"
if [ "$rc" = 0 ] && grep -q '^HVC-BOOT-1 hvc0' "$W/reboot.txt" &&
	grep -q '^HVC-BOOT-2 hvc0' "$W/reboot.txt" &&
	grep -q '^LKVM-GUEST-CMD-EXIT=0' "$W/reboot.txt"; then
	pass vcon/reboot
else
	fail vcon/reboot "lkvm exited $rc"
	show_tail "$W/reboot.txt"
fi
