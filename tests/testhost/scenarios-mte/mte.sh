#!/bin/sh
# MTE, on a test host that has it (QEMU's virt machine with mte=on):
#   TESTHOST_MACHINE_OPTS=mte=on tests/testhost/run \
#       --file build/arm64/featprobe.cpio.gz:/tools/featprobe.cpio.gz \
#       tests/testhost/scenarios-mte/mte.sh
# With --psci user and with --psci kernel, a Linux guest with 2 vCPUs gets
# MTE by default: /proc/cpuinfo says so for every CPU, and featprobe's
# store through a wrong tag faults (sync mode) on every CPU, again after
# CPU 1 went offline and online, and after a reboot in place. With
# --disable-mte it has no MTE.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
TIMEOUT=${MTE_TIMEOUT:-600}
INITRD=$W/initrd-featprobe.cpio.gz

if ! grep -q '^Features.* mte' /proc/cpuinfo; then
	skip mte "this host has no MTE (boot the test host with TESTHOST_MACHINE_OPTS=mte=on)"
	exit 0
fi
if ! featprobe_initrd "$INITRD"; then
	fail mte/setup "no featprobe archive (run with --file build/arm64/featprobe.cpio.gz:/tools/featprobe.cpio.gz)"
	exit 0
fi

mte_run() { # NAME reboot|once ARGS...
	_n=$1 _r=$2
	shift 2
	run_lkvm_split "$W/$_n.out" "$W/$_n.err" "$TIMEOUT" run -c 2 -m 384 \
		--loglevel info -k "$GUEST_DIR/Image" -i "$INITRD" "$@" \
		-p "$(feature_guest_cmd "$_r")"
	RC=$?
	feature_lines "$W/$_n.out" >"$W/$_n.lines"
}

for mode in user kernel; do
	p=mte-$mode L=$W/$mode.lines
	mte_run "$mode" reboot --psci "$mode"
	bad=
	[ "$RC" = 0 ] || bad="lkvm exited $RC;"
	grep -q 'guest CPU features: [^;]*MTE' "$W/$mode.err" ||
		bad="$bad lkvm says: $(grep 'guest CPU' "$W/$mode.err");"
	feature_has "$L" 1:boot REPLUG=0 || bad="$bad CPU 1 did not go offline and online;"
	for s in 1:boot 1:replug 2:boot; do
		feature_has "$L" "$s" CPUINFO cpus=2 mte=2 ||
			bad="$bad $s: $(grep "^$s CPUINFO" "$L" || echo no CPUINFO);"
		for c in 0 1; do
			feature_has "$L" "$s" "FEAT cpu=$c" mte=1 ||
				bad="$bad $s: $(grep "^$s FEAT cpu=$c " "$L" || echo "no FEAT for CPU $c");"
		done
	done
	if [ -z "$bad" ]; then
		pass "$p/every-cpu"
	else
		fail "$p/every-cpu" "$bad"
		show_tail "$W/$mode.out"
		show_tail "$W/$mode.err"
	fi
done

p=mte/disable-mte L=$W/off.lines
mte_run off once --disable-mte
if [ "$RC" = 0 ] && grep -q 'off: .*MTE (--disable-mte)' "$W/off.err" &&
	feature_has "$L" 1:boot CPUINFO cpus=2 mte=0 &&
	feature_has "$L" 1:boot "FEAT cpu=0" mte=0 &&
	feature_has "$L" 1:boot "FEAT cpu=1" mte=0; then
	pass "$p"
else
	fail "$p" "lkvm exited $RC: $(grep -E 'guest CPU|CPUINFO|FEAT' "$W/off.err" "$L" | tr '\n' ' ')"
fi
