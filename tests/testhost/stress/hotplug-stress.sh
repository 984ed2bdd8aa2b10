#!/bin/sh
# Hotplug stress: a 4-vCPU Debian guest offlines and onlines its
# secondaries STRESS_CYCLES times (default 1000; make check runs 200,
# make check-long 1000) round robin, with a busy
# loop running, while the test host keeps disabling and enabling the same
# vCPUs from outside (`lkvm cpu --disable/--enable`). A disable only lands
# while its vCPU is off; the guest's next online is then DENIED (EPERM)
# and it retries. No hang, no leak (lkvm's fd count and its memory other
# than guest RAM the same after the run as after the first 100 cycles),
# and `lkvm stat` counts what the guest counted.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
CYCLES=${STRESS_CYCLES:-1000}
MEM_MIB=512
# Time for everything, generously: nested KVM under TCG.
TIMEOUT=${STRESS_TIMEOUT:-2400}
VM=stress

# The guest's loop. Onlining may be DENIED (counted, retried after 10 ms);
# any other failure is counted apart and ends the run.
# shellcheck disable=SC2016 # expanded by the guest's shell
GUEST='lkvm_cmd="dmesg -n 1; echo STRESS-START=$(cat /sys/devices/system/cpu/online); (while :; do :; done) & L=$!; k=0; on=0; off=0; d=0; bad=0; while [ $k -lt '$CYCLES' ] && [ $bad = 0 ]; do c=$((k % 3 + 1)); f=/sys/devices/system/cpu/cpu$c/online; if echo 0 > $f; then off=$((off + 1)); else bad=$((bad + 1)); fi; usleep 20000; n=0; while ! r=$( (echo 1 > $f) 2>&1); do case $r in *permitted*) d=$((d + 1)); n=$((n + 1)); [ $n -gt 3000 ] && bad=$((bad + 1)) && break; usleep 10000;; *) echo STRESS-ERR=$r; bad=$((bad + 1)); break;; esac; done; [ $bad = 0 ] && on=$((on + 1)); k=$((k + 1)); [ $((k % 100)) = 0 ] && echo STRESS-PROGRESS=$k; done; kill $L; echo STRESS-DONE=cycles=$k ons=$on offs=$off denied=$d bad=$bad; sleep 100000"'

# lkvm's open fds and resident memory in kB without guest RAM (the one
# mapping of exactly MEM_MIB).
fds() { ls "/proc/$1/fd" | wc -l; }
rss_kb() {
	awk -v ram=$((MEM_MIB * 1024)) '
		/^[0-9a-f]+-[0-9a-f]+ / { size = -1 }
		/^Size:/ { size = $2 }
		/^Rss:/ && size != ram { n += $2 }
		END { print n + 0 }' "/proc/$1/smaps"
}

# The host side: disable/enable 1, 2, 3 until told to stop; it stands
# still (and says so in $W/held) while $W/hold exists.
toggler() {
	_t_dis=0
	while [ ! -e "$W/stop-toggler" ]; do
		if [ -e "$W/hold" ]; then
			touch "$W/held"
			sleep 1
			continue
		fi
		rm -f "$W/held"
		for _t_c in 1 2 3; do
			if "$LKVM" cpu $VM --disable $_t_c 2>/dev/null; then
				_t_dis=$((_t_dis + 1))
				usleep 20000 2>/dev/null
			fi
			"$LKVM" cpu $VM --enable $_t_c || echo "enable $_t_c failed"
		done
		usleep 100000 2>/dev/null # room for the guest on a small host
	done
	echo "$_t_dis" >"$W/disables"
}

t0=$(uptime_ms)
# shellcheck disable=SC2046 # guest_args is a word list
"$LKVM" run --name $VM -c 4 -m $MEM_MIB $(guest_args) -p "$GUEST" \
	>"$W/out" 2>"$W/err" </dev/null &
PID=$!
# The toggler starts with the loop: a disable during the guest's boot
# would keep a secondary from coming up at all.
wait_while_running "$PID" "$TIMEOUT" grep -q '^STRESS-START=' "$W/out"
toggler >"$W/toggler.out" 2>&1 &
TPID=$!

# After 100 cycles: the first sample, with no lkvm cpu connected.
wait_while_running "$PID" "$TIMEOUT" grep -q '^STRESS-PROGRESS=100' "$W/out"
touch "$W/hold"
wait_while_running "$PID" 60 test -e "$W/held"
fd1=$(fds "$PID")
rss1=$(rss_kb "$PID")
rm -f "$W/hold"
t1=$(uptime_ms)
wait_while_running "$PID" "$TIMEOUT" grep -q '^STRESS-DONE' "$W/out"
t2=$(uptime_ms)
touch "$W/stop-toggler"
wait "$TPID"
"$LKVM" cpu $VM --enable 1,2,3
fd2=$(fds "$PID")
rss2=$(rss_kb "$PID")
"$LKVM" stat $VM >"$W/stat.out" 2>&1
"$LKVM" stop $VM
rcs=$?
wait "$PID"
rc=$?

done=$(tr -d '\r' <"$W/out" | sed -n 's/^STRESS-DONE=//p' | tail -n 1)
start=$(tr -d '\r' <"$W/out" | sed -n 's/^STRESS-START=//p' | tail -n 1)
info stress-guest "$done"
info stress-host-disables "$(cat "$W/disables" 2>/dev/null)"
info stress-seconds "boot+100 cycles $(((t1 - t0) / 1000)), the rest $(((t2 - t1) / 1000))"
if [ -n "$done" ]; then
	cyc=${done#cycles=}
	cyc=${cyc%% *}
	info stress-ms-per-cycle "$(((t2 - t1) / (cyc > 100 ? cyc - 100 : 1))) (with a busy loop, the toggler and the 20 ms pause)"
fi

# ---- no hang: every cycle done, nothing else failed ----------------------
case $done in
"cycles=$CYCLES "*" bad=0")
	pass stress/cycles-done
	;;
*)
	fail stress/cycles-done "guest: '${done:-nothing}' $(tr -d '\r' <"$W/out" | grep STRESS-ERR | head -n 1)"
	show_tail "$W/out"
	;;
esac
[ "$rcs" = 0 ] && [ "$rc" = 0 ] && pass stress/stop-exit0 ||
	fail stress/stop-exit0 "lkvm stop $rcs, lkvm run $rc"

# ---- stat agrees with the guest ------------------------------------------
sum() { # FUNC RESULT (its first word)
	awk -v f="$1" -v r="$2" '$1 == "psci" && $2 == f && $3 == r { n += $NF } END { print n + 0 }' "$W/stat.out"
}
val() { echo "$done" | sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }
son=$(sum CPU_ON SUCCESS)
sden=$(sum CPU_ON DENIED)
soff=$(sum CPU_OFF "no")
# Linux's boot brought the 3 secondaries up: 3 CPU_ONs more than the loop.
if [ "$start" = 0-3 ] && [ -n "$done" ] && [ "$son" = $(($(val ons) + 3)) ] &&
	[ "$sden" = "$(val denied)" ] && [ "$soff" = "$(val offs)" ]; then
	pass stress/stat-agrees
else
	fail stress/stat-agrees "stat: CPU_ON SUCCESS $son DENIED $sden, CPU_OFF $soff; guest: online $start at the start, $done (+3 boot CPU_ONs)"
fi
lat=$(sed -n 's/^CPU_ON latency[^:]*: //p' "$W/stat.out")
info stress-cpu-on-latency "$lat"

# ---- no leak -------------------------------------------------------------
info stress-fds "$fd1 after 100 cycles, $fd2 at the end"
info stress-rss-kb "$rss1 after 100 cycles, $rss2 at the end (guest RAM not counted)"
# A page or two of slack: thread stacks and malloc arenas settle in pages.
if [ -n "$fd1" ] && [ "$fd1" = "$fd2" ] && [ -n "$rss1" ] &&
	[ "$rss2" -le $((rss1 + 64)) ]; then
	pass stress/no-leak
else
	fail stress/no-leak "fds $fd1 -> $fd2, RSS $rss1 -> $rss2 kB"
fi
