#!/bin/sh
# Linux guests with userspace PSCI (the default) and with KVM's PSCI:
# 4 vCPUs online at boot, every secondary offlined and onlined 20 times
# through sysfs (the mean time of one cycle reported), `reboot` boots the
# guest again in place, poweroff exits 0.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
TIMEOUT=${PSCI_LINUX_TIMEOUT:-600}
CYCLES=20

# The guest's first boot hotplugs and reboots; the second reports and ends.
# shellcheck disable=SC2016 # expanded by the guest's shell
GUEST_CMD='lkvm_cmd="n=$(tail -c1 /proc/device-tree/chosen/lkvm,boot-count | od -An -tu1); echo BOOTNO=$n ONLINE=$(cat /sys/devices/system/cpu/online); if [ $n = 1 ]; then f=0; read t0 x </proc/uptime; for i in $(seq '$CYCLES'); do for c in 1 2 3; do echo 0 > /sys/devices/system/cpu/cpu$c/online || f=$((f+1)); echo 1 > /sys/devices/system/cpu/cpu$c/online || f=$((f+1)); done; done; read t1 x </proc/uptime; echo HOTPLUG-FAILS=$f AFTER=$(cat /sys/devices/system/cpu/online); echo HOTPLUG-CYCLE-MS=$(( (${t1%.*}${t1#*.} - ${t0%.*}${t0#*.}) * 10 / (3 * '$CYCLES') )); sleep 1; reboot -f; fi"'

linux_psci() { # MODE
	mode=$1 p=psci-$1
	out=$W/$p.out err=$W/$p.err
	# shellcheck disable=SC2046 # guest_args is a word list
	run_lkvm_split "$out" "$err" "$TIMEOUT" run -c 4 -m 512 \
		--psci "$mode" --debug-psci $(guest_args) -p "$GUEST_CMD"
	rc=$?
	if [ "$rc" = 124 ]; then
		fail "$p/linux" "lkvm did not exit within ${TIMEOUT}s"
		show_tail "$out"
		return
	fi

	if grep -q '^BOOTNO= *1 ONLINE=0-3' "$out"; then
		pass "$p/boot-4cpu-online"
	else
		fail "$p/boot-4cpu-online" "first boot: $(grep '^BOOTNO' "$out" | head -n 1)"
		show_tail "$out"
	fi

	# Anchored: the kernel echoes its command line, which has the markers.
	# Only the fields: a kernel message may still share the line.
	hp=$(tr -d '\r' <"$out" |
		sed -n 's/^\(HOTPLUG-FAILS=[0-9]* AFTER=[0-9,-]*\).*/\1/p' |
		head -n 1)
	ons=$(grep -c 'CPU_ON64(' "$err")
	offs=$(grep -c 'CPU_OFF(' "$err")
	if [ "$hp" != "HOTPLUG-FAILS=0 AFTER=0-3" ]; then
		fail "$p/hotplug-${CYCLES}x" "guest said '${hp:-nothing}'"
	elif [ "$mode" = user ] && [ "$offs" -lt $((3 * CYCLES)) ]; then
		fail "$p/hotplug-${CYCLES}x" "only $offs CPU_OFF calls reached lkvm"
	elif [ "$mode" = kernel ] && [ "$ons" -ne 0 ]; then
		fail "$p/hotplug-${CYCLES}x" "$ons CPU_ON calls reached lkvm with --psci kernel"
	else
		pass "$p/hotplug-${CYCLES}x"
		info "$p-psci-calls-seen" "CPU_ON=$ons CPU_OFF=$offs"
		# One offline+online, in the guest's time (10 ms resolution).
		info "$p-cycle-ms" "$(tr -d '\r' <"$out" | sed -n 's/^HOTPLUG-CYCLE-MS=\([0-9]*\).*/\1/p' | head -n 1)"
	fi

	if grep -q '^BOOTNO= *2 ONLINE=0-3' "$out"; then
		pass "$p/reboot"
	else
		fail "$p/reboot" "no second boot with 4 CPUs online: $(grep '^BOOTNO' "$out" | tr '\r\n' '  ')"
	fi

	if [ "$rc" = 0 ] && grep -q 'LKVM-GUEST-CMD-EXIT' "$out"; then
		pass "$p/poweroff-exit0"
	else
		fail "$p/poweroff-exit0" "lkvm exited $rc"
		show_tail "$err"
	fi
}

linux_psci user
linux_psci kernel
