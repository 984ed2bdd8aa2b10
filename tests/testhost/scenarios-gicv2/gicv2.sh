#!/bin/sh
# Hosts with a GICv2 (Raspberry Pi 4/5): run with a GICv2 test host,
#   TESTHOST_GIC=2 tests/testhost/run tests/testhost/scenarios-gicv2/gicv2.sh
# lkvm's --irqchip auto must fall back to an emulated GICv2 and boot Linux;
# asking for a GICv3, or for more than 8 vCPUs (--max-cpus included),
# must fail clearly.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
TIMEOUT=${BOOT_TIMEOUT:-300}

if grep -q GICv3 /proc/interrupts; then
	skip gicv2 "this host has a GICv3 (boot the test host with TESTHOST_GIC=2)"
	exit 0
fi

out=$W/gicv2.out err=$W/gicv2.err
# shellcheck disable=SC2046,SC2016 # word list; expanded by the guest
run_lkvm_split "$out" "$err" "$TIMEOUT" run -c 2 -m 256 --loglevel info \
	$(guest_args) -p 'lkvm_cmd="echo ONLINE=$(cat /sys/devices/system/cpu/online); grep -c GIC-0 /proc/interrupts"'
rc=$?
if [ "$rc" != 0 ]; then
	fail gicv2/boot "lkvm exited $rc"
	show_tail "$err"
elif ! grep -q 'interrupt controller: GICv2' "$err"; then
	fail gicv2/boot "lkvm did not pick a GICv2: $(grep 'interrupt controller' "$err")"
elif ! grep -q '^ONLINE=0-1' "$out"; then
	fail gicv2/boot "the guest did not bring both vCPUs online"
	show_tail "$out"
else
	pass gicv2/boot
fi

run_lkvm_split "$W/v3.out" "$W/v3.err" "$TIMEOUT" run --irqchip gicv3 $(guest_args)
rc=$?
if [ "$rc" != 1 ] || ! grep -q '^lkvm: .*GICv3' "$W/v3.err"; then
	fail gicv2/no-gicv3 "lkvm --irqchip gicv3 exited $rc: $(head -n 1 "$W/v3.err")"
else
	pass gicv2/no-gicv3
fi

run_lkvm_split "$W/c9.out" "$W/c9.err" "$TIMEOUT" run -c 9 $(guest_args)
rc=$?
if [ "$rc" != 1 ] || ! grep -q '^lkvm: .*at most 8' "$W/c9.err"; then
	fail gicv2/max-8-cpus "lkvm -c 9 exited $rc: $(head -n 1 "$W/c9.err")"
else
	pass gicv2/max-8-cpus
fi

# --max-cpus counts too: every vCPU exists from the start.
run_lkvm_split "$W/m9.out" "$W/m9.err" "$TIMEOUT" run -c 2 --max-cpus 9 $(guest_args)
rc=$?
if [ "$rc" != 1 ] || ! grep -q '^lkvm: .*at most 8' "$W/m9.err"; then
	fail gicv2/max-cpus-9 "lkvm -c 2 --max-cpus 9 exited $rc: $(head -n 1 "$W/m9.err")"
else
	pass gicv2/max-cpus-9
fi
