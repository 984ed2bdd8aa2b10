#!/bin/sh
# Reset storm: the freestanding guest tests/guest/reset-storm.c (2 vCPUs,
# vCPU 1 running) calls SYSTEM_RESET until its boot count reaches
# STRESS_RESETS (default and make check: 200; make check-long: 2000), then
# SYSTEM_OFF. Checks: every boot ran (boot counts 1..N in order, vCPU 1 up
# in each), lkvm exits 0, and lkvm's own resident memory and open files at
# the last boot are those after the first boot (looked at in boot 2, once
# every path of a reset has run; boot 1 is shown too). Needs
# $GUEST_DIR/reset-storm.img (make guests).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
N=${STRESS_RESETS:-200}
T=${STRESS_RESETS_TIMEOUT:-$((300 + N * 2))}
MEM=64
p=stress/resets-${N}x
img=$GUEST_DIR/reset-storm.img
out=$W/resets.out
fp=$W/resets.fp
fifo=$W/resets.in

trap '' PIPE
if [ ! -f "$img" ]; then
	fail "$p/every-boot" "no guest image $img (make guests)"
	exit 0
fi
rm -f "$fifo" "$fp"
mkfifo "$fifo" || {
	fail "$p/every-boot" "mkfifo failed"
	exit 0
}
t0=$(uptime_ms)
"$LKVM" run -k "$img" -c 2 -m $MEM -p "storm=$N" <"$fifo" >"$out" 2>&1 &
pid=$!
_run_watchdog "$pid" "$T" "$out.timedout" &
wd=$!
exec 3>"$fifo"
labels="1 2"
[ "$N" -gt 2 ] && labels="$labels $N"
# shellcheck disable=SC2086 # a word list
serve_waits "$pid" "$out" STORM $MEM "$fp" $labels
exec 3>&-
wait "$pid"
rc=$?
wait "$wd" 2>/dev/null
[ -e "$out.timedout" ] && rc=124
rm -f "$out.timedout" "$fifo"
secs=$((($(uptime_ms) - t0) / 1000))
tr -d '\r' <"$out" >"$out.txt"

boots=$(sed -n 's/^STORM-BOOT \([0-9]*\)\/[0-9]* cpu1=on$/\1/p' "$out.txt")
nboots=$(echo "$boots" | grep -c .)
inorder=$(echo "$boots" | awk '$1 != NR { bad = 1 } END { print bad ? "no" : "yes" }')
errs=$(grep -m 3 'STORM-ERROR' "$out.txt" | tr '\n' ' ')
if [ "$nboots" = "$N" ] && [ "$inorder" = yes ] && [ -z "$errs" ]; then
	pass "$p/every-boot"
else
	fail "$p/every-boot" "$nboots of $N boots seen (in order: $inorder)${errs:+; $errs}"
	show_tail "$out.txt"
fi
if [ "$rc" = 0 ] && grep -q "^STORM-DONE $N\$" "$out.txt"; then
	pass "$p/system-off"
elif [ "$rc" = 124 ]; then
	fail "$p/system-off" "lkvm did not exit within ${T}s"
else
	fail "$p/system-off" "lkvm exited $rc$(grep -q "^STORM-DONE $N\$" "$out.txt" || echo ", no STORM-DONE $N")"
fi
check_footprint "$p" "$fp" 2 "$N"
footprint_info "$p" "$fp"
info "$p-boots" "$nboots boots seen in ${secs}s"
