#!/bin/sh
# A busy 4-vCPU Linux guest for STRESS_FLOOD_SECONDS (default 60; make
# check-long: 600): a busy loop per vCPU, the console flooded with
# numbered lines, and every 5 s each secondary CPU taken offline and
# online again. Checks: the guest reached /init and ends with CPUs 0-3
# online and no failed hotplug; every line arrived, whole and in order
# (lkvm drops no console output); lkvm exits 0; lkvm's own resident memory
# and open files at the end are those after the boot.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
D=${STRESS_FLOOD_SECONDS:-60}
T=${STRESS_FLOOD_TIMEOUT:-$((D + 900))}
MEM=512
p=stress/flood-${D}s
out=$W/flood.out
fp=$W/flood.fp
fifo=$W/flood.in
LINE=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ

# The busy loops run at nice 19: they keep every vCPU busy, and the flood
# still gets most of the CPU time. The guest looks at the clock every 20
# lines (a fork each time), puts the CPUs back online before it counts,
# and waits for a key at the start and at the end so that lkvm can be
# looked at. loglevel=1 keeps the kernel's messages off the console
# (they would land in the middle of lines): hotplug, and the RCU stall
# warnings of a guest whose vCPUs the (emulated, shared) host starves,
# which are counted instead.
# shellcheck disable=SC2016 # expanded by the guest's shell
cmd='echo FLOOD-WAIT start; read -r k; p=; for c in 1 2 3 4; do (while :; do :; done) & renice -n 19 -p $! >/dev/null; p=$p\ $!; done; (while :; do sleep 5; for c in 1 2 3; do echo 0 >/sys/devices/system/cpu/cpu$c/online || echo HOTPLUG-FAIL off $c; echo 1 >/sys/devices/system/cpu/cpu$c/online || echo HOTPLUG-FAIL on $c; done; done) & p=$p\ $!; end=$(($(cut -d. -f1 /proc/uptime)+'$D')); i=0; while [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do j=0; while [ $j -lt 20 ]; do i=$((i+1)); j=$((j+1)); echo FLOOD $i '$LINE'; done; done; kill $p; wait; for c in 1 2 3; do echo 1 >/sys/devices/system/cpu/cpu$c/online; done; echo FLOOD-TOTAL $i online=$(cat /sys/devices/system/cpu/online) rcu-stalls=$(dmesg | grep -c detected.stall) lockups=$(dmesg | grep -c soft.lockup) irq-limit=$(dmesg | grep -c too.much.work.for.irq); echo FLOOD-WAIT end; read -r k'

trap '' PIPE
rm -f "$fifo" "$fp"
mkfifo "$fifo" || {
	fail "$p/console" "mkfifo failed"
	exit 0
}
t0=$(uptime_ms)
# shellcheck disable=SC2046 # guest_args is a word list
"$LKVM" run -c 4 -m $MEM $(guest_args) -p "loglevel=1 lkvm_cmd=\"$cmd\"" \
	<"$fifo" >"$out" 2>&1 &
pid=$!
_run_watchdog "$pid" "$T" "$out.timedout" &
wd=$!
exec 3>"$fifo"
serve_waits "$pid" "$out" FLOOD $MEM "$fp" start end
exec 3>&-
wait "$pid"
rc=$?
wait "$wd" 2>/dev/null
[ -e "$out.timedout" ] && rc=124
rm -f "$out.timedout" "$fifo"
secs=$((($(uptime_ms) - t0) / 1000))
bytes=$(wc -c <"$out")
tr -d '\r' <"$out" >"$out.txt"
rm -f "$out"
# The kernel's emergency messages still reach the console (lockup warnings
# of a starved guest, say), in the middle of a line too.
kmsgs=$(kmsg_unsplice "$out.txt" "$out.lines")

total=$(sed -n 's/^FLOOD-TOTAL \([0-9]*\) .*/\1/p' "$out.lines" | head -n 1)
online=$(sed -n 's/^FLOOD-TOTAL [0-9]* online=\([^ ]*\) .*/\1/p' "$out.lines" | head -n 1)
stalls=$(sed -n 's/^FLOOD-TOTAL .* rcu-stalls=\([0-9]*\).*/\1/p' "$out.lines" | head -n 1)
lockups=$(sed -n 's/^FLOOD-TOTAL .* lockups=\([0-9]*\).*/\1/p' "$out.lines" | head -n 1)
irqlimit=$(sed -n 's/^FLOOD-TOTAL .* irq-limit=\([0-9]*\).*/\1/p' "$out.lines" | head -n 1)
hpfail=$(grep -c '^HOTPLUG-FAIL' "$out.lines")
if grep -q '^LKVM-GUEST-INIT' "$out.lines" && [ "$online" = 0-3 ] &&
	[ "$hpfail" = 0 ]; then
	pass "$p/guest"
else
	fail "$p/guest" "reached /init: $(grep -c '^LKVM-GUEST-INIT' "$out.lines") time(s); CPUs online at the end: '${online:-?}'; $hpfail failed hotplug(s)"
	show_tail "$out.txt"
fi
# Every FLOOD line, numbered 1..total, whole, once and in order.
got=$(awk -v line="$LINE" '
	function odd(what) {
		if (++bad <= 5)
			print "flood: " what ": " $0 >"/dev/stderr"
	}
	/^FLOOD [0-9]+ / {
		n++
		nf = split($0, f, " ")
		if (f[2] != last + 1)
			odd("after line " last)
		else if (f[3] != line || nf != 3)
			odd("not whole")
		last = f[2]
		next
	}
	/^FLOOD-TOTAL / { done = 1 }
	n && !done && $0 != "" && !/^HOTPLUG-FAIL/ { odd("not a flood line") }
	END { printf "%d %d %d\n", n, last, bad }' "$out.lines")
# shellcheck disable=SC2086 # three numbers
set -- $got ? ? ?
if [ -n "$total" ] && [ "$total" -gt 0 ] && [ "$1 $2 $3" = "$total $total 0" ]; then
	pass "$p/console"
else
	fail "$p/console" "the guest wrote ${total:-?} lines; seen: $1, the last numbered $2, $3 missing, out of order, cut or foreign (see the console log)"
fi
if [ "$rc" = 0 ] && grep -q 'LKVM-GUEST-CMD-EXIT=0' "$out.txt"; then
	pass "$p/poweroff"
elif [ "$rc" = 124 ]; then
	fail "$p/poweroff" "lkvm did not exit within ${T}s"
else
	fail "$p/poweroff" "lkvm exited $rc"
fi
check_footprint "$p" "$fp" start end
footprint_info "$p" "$fp"
info "$p-console" "${total:-?} lines, $bytes bytes in ${secs}s (boot included); kernel messages among them: $kmsgs; the guest logged ${stalls:-?} RCU stalls, ${lockups:-?} soft lockups and ${irqlimit:-?} times 'too much work for irq' (see the README)"
