#!/bin/sh
# --pmu with a GICv2 (Raspberry Pi 4/5 class hosts): the PMU's PPI has a
# CPU mask in its device tree specifier there. A Linux guest with 2 vCPUs
# counts CPU cycles, and a sampling event's overflow interrupts arrive, on
# both CPUs (featprobe, tests/testhost/featprobe.c).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
TIMEOUT=${BOOT_TIMEOUT:-300}
INITRD=$W/initrd-featprobe.cpio.gz

if grep -q GICv3 /proc/interrupts; then
	skip pmu-gicv2 "this host has a GICv3 (boot the test host with TESTHOST_GIC=2)"
	exit 0
fi
if ! featprobe_initrd "$INITRD"; then
	fail pmu-gicv2 "no featprobe archive (run with --file build/arm64/featprobe.cpio.gz:/tools/featprobe.cpio.gz)"
	exit 0
fi

run_lkvm_split "$W/pmu.out" "$W/pmu.err" "$TIMEOUT" run -c 2 -m 384 \
	--loglevel info --pmu -k "$GUEST_DIR/Image" -i "$INITRD" \
	-p "$(feature_guest_cmd once)"
rc=$?
feature_lines "$W/pmu.out" >"$W/pmu.lines"
bad=
[ "$rc" = 0 ] || bad="lkvm exited $rc;"
grep -q 'interrupt controller: GICv2' "$W/pmu.err" || bad="$bad not a GICv2;"
for c in 0 1; do
	l=$(grep "^1:boot PERF cpu=$c " "$W/pmu.lines")
	cyc=$(echo "$l" | sed -n 's/.* cycles=\([0-9]*\).*/\1/p')
	smp=$(echo "$l" | sed -n 's/.* samples=\([0-9]*\).*/\1/p')
	if [ "${cyc:-0}" -le 0 ] || [ "${smp:-0}" -le 0 ]; then
		bad="$bad cpu$c: ${l:-no PERF line};"
	fi
done
if [ -z "$bad" ]; then
	pass pmu-gicv2/perf-every-cpu
else
	fail pmu-gicv2/perf-every-cpu "$bad"
	show_tail "$W/pmu.out"
	show_tail "$W/pmu.err"
fi
