#!/bin/sh
# A reboot in place resets the whole machine, not only the vCPUs: the
# freestanding guest tests/guest/reset-test.c (2 vCPUs) leaves the GIC
# (distributor, redistributors or banked registers, both CPU interfaces,
# with an SGI acknowledged and never EOIed on each vCPU) and the UART
# (loopback, DLAB, IER, FIFO, raised interrupt line) dirty, with host input
# queued in lkvm behind a full FIFO, and calls SYSTEM_RESET. The second boot
# checks that everything reads as at power-on and prints PASS/FAIL lines.
# Here: the guest's lines, its two state digests compared (boot 2 must read
# exactly what boot 1 read at power-on), and SYSTEM_OFF -> exit 0.
# Runs with either GIC: the guest's names say which (reset-gicv3/...,
# reset-gicv2/...); the GICv2 test host runs it too (scenarios-gicv2/).
# Needs $GUEST_DIR/reset-test.img (make guests).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
T=${RESET_GUEST_TIMEOUT:-180}
img=$GUEST_DIR/reset-test.img
out=$W/reset-guest.out
txt=$W/reset-guest.txt
fifo=$W/reset-guest.in

# Keys written after lkvm went away must not kill this script.
trap '' PIPE
if grep -q GICv3 /proc/interrupts; then gic=v3; else gic=v2; fi
p=reset-gic$gic
if [ ! -f "$img" ]; then
	fail "$p/system-off" "no guest image $img (make guests)"
	exit 0
fi

# lkvm's stdin is a FIFO: the guest asks for input (GUEST-WANTS-INPUT)
# once it wants its FIFO full and more keys queued in lkvm. 200 bytes: one
# write, read by lkvm in one go (64 fit in the guest's FIFO), so that none
# are still unread in the pipe when the guest resets.
rm -f "$fifo"
mkfifo "$fifo" || {
	fail "$p/system-off" "mkfifo failed"
	exit 0
}
"$LKVM" run -k "$img" -c 2 -m 64 --loglevel info <"$fifo" >"$out" 2>&1 &
pid=$!
_run_watchdog "$pid" "$T" "$out.timedout" &
wd=$!
exec 3>"$fifo"
wait_while_running "$pid" "$T" grep -q GUEST-WANTS-INPUT "$out"
keys=kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
printf '%s' "$keys$keys$keys$keys" >&3 2>/dev/null
exec 3>&-
wait "$pid"
rc=$?
wait "$wd" 2>/dev/null
[ -e "$out.timedout" ] && rc=124
rm -f "$out.timedout" "$fifo"
tr -d '\r' <"$out" >"$txt"

# The guest's own results, wherever they sit on a line.
grep -oE "(PASS|FAIL) $p/.*" "$txt"
grep -q "FAIL $p/" "$txt" && show_tail "$txt" 40

if ! grep -q "^GUEST-BOOT reset " "$txt"; then
	fail "$p/system-off" "the guest printed nothing (lkvm exited $rc)"
	show_tail "$out"
	exit 0
fi
want="interrupt controller: GICv${gic#v}"
grep -q "$want" "$txt" ||
	fail "$p/gic" "lkvm did not say '$want': $(grep 'interrupt controller' "$txt")"

# Boot 2 must read exactly what boot 1 read at power-on.
s1=$(sed -n 's/^GUEST-STATE boot=1 //p' "$txt" | head -n 1)
s2=$(sed -n 's/^GUEST-STATE boot=2 //p' "$txt" | head -n 1)
if [ -z "$s1" ] || [ -z "$s2" ]; then
	fail "$p/same-as-power-on" "state lines: boot 1 '${s1:-none}', boot 2 '${s2:-none}'"
elif [ "$s1" != "$s2" ]; then
	diff=
	for f in $s2; do
		case " $s1 " in *" $f "*) ;; *) diff="$diff ${f%%=*}" ;; esac
	done
	fail "$p/same-as-power-on" "after the reset these differ from power-on:$diff"
else
	pass "$p/same-as-power-on"
fi

bad=
boots=$(sed -n 's/^GUEST-BOOT reset boot-count=\([0-9]*\).*/\1/p' "$txt" |
	tr '\n' ' ')
boots=${boots% }
[ "$boots" = "1 2" ] || bad="$bad; boot counts seen: '${boots:-none}', expected '1 2'"
grep -q '^GUEST-DONE' "$txt" || bad="$bad; no GUEST-DONE"
if [ "$rc" = 124 ]; then
	bad="$bad; lkvm did not exit within ${T}s"
elif [ "$rc" != 0 ]; then
	bad="$bad; lkvm exited $rc after SYSTEM_OFF, expected 0"
fi
if [ -n "$bad" ]; then
	fail "$p/system-off" "${bad#; }"
	show_tail "$out" 25
else
	pass "$p/system-off"
fi
