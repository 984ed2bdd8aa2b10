#!/bin/sh
# vCPU hotplug driven from outside the VM: a Debian guest with 2 of 4
# vCPUs enabled (-c 2 --max-cpus 4), `lkvm cpu` enabling, disabling and
# watching them while the guest onlines and offlines them, PSCI fault
# injection (a failed CPU_ON, a CPU_ON that starts too late for Linux),
# pause and resume (the guest's clock), debug, stat, SysRq, and the policy
# across a reboot in place.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
# Longer than Linux's soft-lockup (20 s) and RCU stall (21 s) limits.
PAUSE_S=${HOTPLUG_PAUSE_S:-25}
# Longer than Linux's 5 s wait for a secondary to come online.
LATE_MS=8000
VM=hp

cpu_online() { # CPU 0|1
	gsh 7 $VM "echo $2 > /sys/devices/system/cpu/cpu$1/online"
}

# expect_fail NAME WORDS CMD...: CMD exits 1 with one line naming WORDS.
expect_fail() {
	_ef_name=$1 _ef_words=$2
	shift 2
	"$@" >"$W/ef.out" 2>"$W/ef.err"
	_ef_rc=$?
	if [ "$_ef_rc" != 1 ]; then
		fail "$_ef_name" "exit $_ef_rc, expected 1 ($*)"
	elif [ "$(wc -l <"$W/ef.err")" != 1 ] ||
		! grep -q "^lkvm: .*$_ef_words" "$W/ef.err"; then
		fail "$_ef_name" "wanted one line with '$_ef_words', got: $(cat "$W/ef.err")"
	else
		pass "$_ef_name"
	fi
}

# shellcheck disable=SC2046 # guest_args is a word list
if ! guest_start $VM 7 "$BOOT_TIMEOUT" -c 2 --max-cpus 4 -m 512 \
	--debug-psci $(guest_args); then
	fail hotplug/boot "the guest's shell did not come up"
	show_tail "$W/$VM.out"
	show_tail "$W/$VM.err"
	stop_lkvm "$GUEST_PID"
	exit 0
fi
"$LKVM" cpu $VM --watch >"$W/watch.out" 2>&1 &
WATCH_PID=$!

# ---- -c 2 --max-cpus 4: 2 online, 4 possible, the boot log quiet ----------
gsh 7 $VM 'echo ONLINE=$(cat /sys/devices/system/cpu/online) POSSIBLE=$(cat /sys/devices/system/cpu/possible) PRESENT=$(cat /sys/devices/system/cpu/present); echo BOOTFAIL=$(dmesg | grep -c -i -E "cpu[23].*fail|fail.*cpu[23]")'
if [ "$(gval $VM ONLINE)" = "0-1 POSSIBLE=0-3 PRESENT=0-3" ]; then
	pass hotplug/boot-2-of-4
else
	fail hotplug/boot-2-of-4 "guest says ONLINE=$(gval $VM ONLINE)"
fi
if [ "$(gval $VM BOOTFAIL)" = 0 ]; then
	pass hotplug/boot-log-quiet
else
	fail hotplug/boot-log-quiet "the boot log complains about cpu2/3: $(gval $VM BOOTFAIL) lines"
fi
"$LKVM" cpu $VM >"$W/table.out" 2>&1
if grep -q '^2 *OFF *no' "$W/table.out" && grep -q '^1 *ON *yes' "$W/table.out"; then
	pass hotplug/cpu-table
else
	fail hotplug/cpu-table "$(tr '\n' '|' <"$W/table.out")"
fi

# ---- disabled: DENIED; enabled: it comes online ----------------------------
cpu_online 2 1
rc=$?
if [ "$rc" = 1 ] && grep -q 'not permitted' "$W/$VM.out"; then
	pass hotplug/online-disabled-denied
else
	fail hotplug/online-disabled-denied "onlining cpu2 returned $rc"
fi
grep -q 'CPU_ON64(0x2, .*) = DENIED' "$W/$VM.err" &&
	pass hotplug/denied-traced ||
	fail hotplug/denied-traced "no CPU_ON = DENIED in the --debug-psci trace"

"$LKVM" cpu $VM --enable 2 && cpu_online 2 1
rc=$?
gsh 7 $VM 'echo ONLINE=$(cat /sys/devices/system/cpu/online)'
if [ "$rc" = 0 ] && [ "$(gval $VM ONLINE)" = 0-2 ]; then
	pass hotplug/enable-then-online
else
	fail hotplug/enable-then-online "rc $rc, online $(gval $VM ONLINE)"
fi

# ---- disable: refused while on; after offlining, DENIED again --------------
expect_fail hotplug/disable-while-on "offline it in the guest first" \
	"$LKVM" cpu $VM --disable 2
expect_fail hotplug/disable-boot-vcpu "boot vCPU" "$LKVM" cpu $VM --disable 0
expect_fail hotplug/unknown-vcpu "no vCPU 9" "$LKVM" cpu $VM --enable 9
expect_fail hotplug/bad-list "invalid --enable" "$LKVM" cpu $VM --enable 2,x
cpu_online 2 0
rc=$?
"$LKVM" cpu $VM --disable 2
rc2=$?
cpu_online 2 1
rc3=$?
if [ "$rc" = 0 ] && [ "$rc2" = 0 ] && [ "$rc3" = 1 ]; then
	pass hotplug/offline-disable-denied
else
	fail hotplug/offline-disable-denied "offline $rc, disable $rc2, online again $rc3 (want 1)"
fi

# ---- an injected CPU_ON failure: one attempt fails, the next succeeds ------
"$LKVM" cpu $VM --enable 2 &&
	"$LKVM" psci $VM --fail CPU_ON=INTERNAL_FAILURE >"$W/psci.out" 2>&1 &&
	"$LKVM" psci $VM >>"$W/psci.out" 2>&1
cpu_online 2 1
rc=$?
cpu_online 2 1
rc2=$?
"$LKVM" psci $VM >"$W/psci2.out" 2>&1
if grep -q 'fail CPU_ON *INTERNAL_FAILURE *the next 1 call' "$W/psci.out" &&
	[ "$rc" = 1 ] && [ "$rc2" = 0 ] && grep -q 'no faults armed' "$W/psci2.out"; then
	pass hotplug/inject-cpu-on-failure
else
	fail hotplug/inject-cpu-on-failure "armed: $(head -n 1 "$W/psci.out"); onlining: $rc then $rc2 (want 1, 0)"
fi
grep -q 'CPU_ON64(0x2, .*) = INTERNAL_FAILURE (injected)' "$W/$VM.err" &&
	pass hotplug/inject-traced ||
	fail hotplug/inject-traced "no '= INTERNAL_FAILURE (injected)' in the --debug-psci trace"

# ---- CPU_ON starting later than Linux waits: reported, the VM goes on ------
"$LKVM" cpu $VM --enable 3 && "$LKVM" psci $VM --delay-on $LATE_MS
printf '%s\necho "LATE rc=$?"\n' 'echo 1 > /sys/devices/system/cpu/cpu3/online' >&7
sleep 2
"$LKVM" cpu $VM >"$W/pending.out" 2>&1
gsh 7 $VM 'echo ALIVE=yes' 180
rc=$?
"$LKVM" psci $VM --delay-on 0
if ! grep -q '^3 *ON_PENDING' "$W/pending.out"; then
	fail hotplug/delay-on-pending "vCPU 3 is not ON_PENDING 2 s into an 8 s delay: $(grep '^3 ' "$W/pending.out")"
else
	pass hotplug/delay-on-pending
fi
gsh 7 $VM 'echo LATELOG=$(dmesg | grep -c "CPU3: failed to come online")'
if [ "$rc" = 0 ] && [ "$(gval $VM LATELOG)" = 1 ] &&
	tr -d '\r' <"$W/$VM.out" | grep -q '^LATE rc=[1-9]'; then
	pass hotplug/delay-on-too-late
else
	fail hotplug/delay-on-too-late "shell $rc, 'failed to come online' $(gval $VM LATELOG) times, $(tr -d '\r' <"$W/$VM.out" | grep '^LATE rc')"
fi
# The VM is healthy: another vCPU still goes off and on. (Once vCPU 3 is
# in: Linux would hand a CPU that arrives during another's bring-up that
# CPU's stack, a guest-side race this test is not about.)
n=0
while [ "$n" -lt 30 ] && ! "$LKVM" cpu $VM | grep -q '^3 *ON '; do
	sleep 1
	n=$((n + 1))
done
cpu_online 1 0 && cpu_online 1 1
rc=$?
[ "$rc" = 0 ] && pass hotplug/healthy-after-late-cpu ||
	fail hotplug/healthy-after-late-cpu "cpu1 off/on: $rc"

# ---- debug, stat, SysRq ---------------------------------------------------
"$LKVM" debug $VM >"$W/debug.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && [ "$(grep -c '^[0-3] ' "$W/debug.out")" = 4 ] &&
	grep -q '^0 *ON *yes *0x80000000 *0xffff[0-9a-f]* 0x[0-9a-f]* EL1h' "$W/debug.out"; then
	pass hotplug/debug
else
	fail hotplug/debug "$(tr '\n' '|' <"$W/debug.out")"
fi
"$LKVM" debug $VM --json >"$W/debug.json" 2>&1
grep -q '^{"name":"hp","state":"running","vcpus":\[{"index":0,"state":"ON","enabled":true,"mpidr":"0x80000000","pc":"0x' "$W/debug.json" &&
	pass hotplug/debug-json || fail hotplug/debug-json "$(head -c 300 "$W/debug.json")"

"$LKVM" stat $VM >"$W/stat.out" 2>&1
sum_psci() { # FUNC RESULT
	awk -v f="$1" -v r="$2" '$1 == "psci" && $2 == f && $3 == r { n += $NF } END { print n + 0 }' "$W/stat.out"
}
inj=$(awk '$1 == "injected" && $2 == "CPU_ON" { n += $3 } END { print n + 0 }' "$W/stat.out")
if [ "$(sum_psci CPU_ON DENIED)" -ge 3 ] && [ "$inj" = 1 ] &&
	[ "$(sum_psci CPU_ON INTERNAL_FAILURE)" = 1 ] &&
	grep -q '^CPU_ON latency.*: [1-9][0-9]* calls, min' "$W/stat.out" &&
	grep -q '^  exit *HYPERCALL' "$W/stat.out"; then
	pass hotplug/stat
else
	fail hotplug/stat "DENIED $(sum_psci CPU_ON DENIED) (want >= 3), injected $inj (want 1), $(grep latency "$W/stat.out")"
fi

"$LKVM" debug $VM --sysrq h
rc=$?
sleep 2 # its help text goes to the console meanwhile
gsh 7 $VM 'sleep 1; echo SYSRQ=$(dmesg | grep -c "sysrq: HELP")'
if [ "$rc" = 0 ] && [ "$(gval $VM SYSRQ)" -ge 1 ]; then
	pass hotplug/sysrq
else
	fail hotplug/sysrq "lkvm debug --sysrq h: $rc; the guest logged $(gval $VM SYSRQ) SysRq helps"
fi
expect_fail hotplug/sysrq-bad-key "--sysrq" "$LKVM" debug $VM --sysrq ab

# ---- pause and resume: the guest does not see the paused time -------------
gsh 7 $VM 'read up _ </proc/uptime; echo UP1=$up'
h1=$(uptime_ms)
"$LKVM" pause $VM
rc=$?
"$LKVM" list >"$W/list-paused.out" 2>&1
expect_fail hotplug/pause-twice "already paused" "$LKVM" pause $VM
"$LKVM" debug $VM >"$W/debug-paused.out" 2>&1
rcd=$?
before=$(wc -c <"$W/$VM.out")
sleep "$PAUSE_S"
after=$(wc -c <"$W/$VM.out")
"$LKVM" resume $VM
rc2=$?
gsh 7 $VM 'read up _ </proc/uptime; echo UP2=$up; echo STALLS=$(dmesg | grep -c -i -E "soft lockup|rcu.*stall")'
h2=$(uptime_ms)
expect_fail hotplug/resume-running "not paused" "$LKVM" resume $VM
g1=$(gval $VM UP1)
g2=$(gval $VM UP2)
guest_ms=$(((${g2%.*} - ${g1%.*}) * 1000 + (1${g2#*.} - 1${g1#*.}) * 10))
host_ms=$((h2 - h1))
info hotplug-pause-ms "host $host_ms, guest $guest_ms (paused ${PAUSE_S} s)"
if [ "$rc" = 0 ] && [ "$rc2" = 0 ] && grep -q '^hp .* paused ' "$W/list-paused.out" &&
	[ "$before" = "$after" ] && [ "$rcd" = 0 ]; then
	pass hotplug/pause-resume
else
	fail hotplug/pause-resume "pause $rc, resume $rc2, debug $rcd, list: $(grep '^hp' "$W/list-paused.out"), console grew $before -> $after while paused"
fi
if grep -q 'no KVM_CAP_COUNTER_OFFSET' "$W/$VM.err"; then
	skip hotplug/pause-clock "this host's KVM has no KVM_CAP_COUNTER_OFFSET"
elif [ $((host_ms - guest_ms)) -ge $((PAUSE_S * 1000 * 3 / 4)) ] &&
	[ "$(gval $VM STALLS)" = 0 ]; then
	pass hotplug/pause-clock
else
	fail hotplug/pause-clock "the guest's clock ran on: host $host_ms ms, guest $guest_ms ms; $(gval $VM STALLS) lockup/stall warnings"
fi

# ---- the policy survives a reboot in place, paused in the middle ----------
# Now: 2 enabled and on, 3 enabled (stuck in Linux's too-late loop).
cpu_online 2 0 && "$LKVM" cpu $VM --disable 2
printf 'reboot -f\n' >&7
"$LKVM" pause $VM
rcp=$?
sleep 3
"$LKVM" resume $VM
rcr=$?
n=0
while [ "$n" -lt "$BOOT_TIMEOUT" ] &&
	[ "$(grep -c 'busybox shell' "$W/$VM.out")" -lt 2 ]; do
	sleep 1
	n=$((n + 1))
done
gsh 7 $VM 'stty -echo; PS1=; PS2=; dmesg -n 1; echo ONLINE2=$(cat /sys/devices/system/cpu/online)'
if [ "$rcp" = 0 ] && [ "$rcr" = 0 ] && [ "$(gval $VM ONLINE2)" = "0-1,3" ]; then
	pass hotplug/policy-survives-reboot
else
	fail hotplug/policy-survives-reboot "pause $rcp, resume $rcr, online after the reboot: '$(gval $VM ONLINE2)' (want 0-1,3)"
	echo "---- the guest's second boot:"
	tr -d '\r' <"$W/$VM.out" |
		awk '/Booting Linux on physical CPU/ { n++ } n >= 2' |
		grep -E 'CPU|psci|smp|SMP|Oops|Internal error|Unable|Call trace|^\[ *[0-9.]*\]  [a-z_]+\+0x|pc :|lr :|panic|BUG|WARN|LKVM|busybox' |
		head -n 150 | sed 's/^/    | /'
	echo "---- lkvm's stderr:"
	tail -n 30 "$W/$VM.err" | sed 's/^/    | /'
fi

# ---- the watcher saw every transition of vCPU 2, in order ------------------
"$LKVM" stop $VM
rc=$?
guest_end 7 "$GUEST_PID"
rc2=$?
wait "$WATCH_PID"
rcw=$?
grep ' vcpu 2 ' "$W/watch.out" | sed 's/^[0-9]* //' | head -n 9 >"$W/watch2.out"
cat >"$W/watch2.want" <<'EOT'
vcpu 2 enabled
vcpu 2 OFF -> ON_PENDING
vcpu 2 ON_PENDING -> ON
vcpu 2 ON -> OFF
vcpu 2 disabled
vcpu 2 enabled
vcpu 2 OFF -> ON_PENDING
vcpu 2 ON_PENDING -> ON
vcpu 2 ON -> OFF
EOT
sorted=$(awk 'NR > 1 && $1 < t { bad = 1 } { t = $1 } END { print bad ? "no" : "yes" }' "$W/watch.out")
if cmp -s "$W/watch2.out" "$W/watch2.want" && [ "$sorted" = yes ] &&
	[ "$rcw" = 0 ]; then
	pass hotplug/watch-order
else
	fail hotplug/watch-order "watch exit $rcw, times in order: $sorted; saw: $(tr '\n' '|' <"$W/watch2.out")"
fi
if [ "$rc" = 0 ] && [ "$rc2" = 0 ] && [ ! -e "$HOME/.lkvm/$VM.sock" ]; then
	pass hotplug/stop
else
	fail hotplug/stop "lkvm stop $rc, lkvm run exited $rc2, socket left: $(ls "$HOME/.lkvm" 2>&1)"
fi
