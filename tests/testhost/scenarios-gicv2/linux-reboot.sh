#!/bin/sh
# Linux `reboot` on a GICv2 (run with a GICv2 test host, like gicv2.sh):
# the second boot comes up with both vCPUs online, and vCPU 1 still goes
# offline and online again (IPIs and PSCI work after the reset).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
TIMEOUT=${BOOT_TIMEOUT:-300}

if grep -q GICv3 /proc/interrupts; then
	skip gicv2-linux-reboot "this host has a GICv3 (boot the test host with TESTHOST_GIC=2)"
	exit 0
fi

# shellcheck disable=SC2016 # expanded by the guest's shell
GUEST_CMD='lkvm_cmd="n=$(tail -c1 /proc/device-tree/chosen/lkvm,boot-count | od -An -tu1); n=$((n)); c=/sys/devices/system/cpu; echo BOOTNO=$n ONLINE=$(cat $c/online); echo 0 >$c/cpu1/online && echo 1 >$c/cpu1/online && echo HOTPLUG$n=$(cat $c/online); if [ $n = 1 ]; then sleep 1; reboot -f; fi"'

out=$W/linux-reboot.out err=$W/linux-reboot.err
# shellcheck disable=SC2046 # guest_args is a word list
run_lkvm_split "$out" "$err" "$TIMEOUT" run -c 2 -m 256 \
	$(guest_args) -p "$GUEST_CMD"
rc=$?
tr -d '\r' <"$out" >"$out.txt"
if ! grep -q '^BOOTNO=1 ONLINE=0-1' "$out.txt"; then
	fail gicv2/linux-reboot "first boot: $(grep '^BOOTNO' "$out.txt" | head -n 1) (lkvm exited $rc)"
	show_tail "$out.txt"
elif ! grep -q '^BOOTNO=2 ONLINE=0-1' "$out.txt"; then
	fail gicv2/linux-reboot "no second boot with both vCPUs online: $(grep '^BOOTNO' "$out.txt" | tr '\n' ' ') (lkvm exited $rc)"
	show_tail "$out.txt"
elif ! grep -q '^HOTPLUG2=0-1' "$out.txt"; then
	fail gicv2/linux-reboot "vCPU 1 did not go offline and online after the reboot: $(grep '^HOTPLUG' "$out.txt" | tr '\n' ' ')"
	show_tail "$out.txt"
elif [ "$rc" != 0 ]; then
	fail gicv2/linux-reboot "lkvm exited $rc after poweroff"
	show_tail "$err"
else
	pass gicv2/linux-reboot
fi
