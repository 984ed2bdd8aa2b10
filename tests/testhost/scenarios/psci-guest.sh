#!/bin/sh
# PSCI conformance guests (tests/guest): a freestanding guest checks every
# PSCI function from inside the VM, once over HVC and once over SMC, and
# prints its own PASS/FAIL lines on the console. Each run boots three times
# (the guest calls SYSTEM_RESET on boot 1 and a warm SYSTEM_RESET2 on boot
# 2; lkvm reboots it in place each time) and ends with SYSTEM_OFF, which
# must make lkvm exit 0.
# Needs $GUEST_DIR/psci-hvc.img and psci-smc.img (make -C tests/guest).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
PSCI_GUEST_TIMEOUT=${PSCI_GUEST_TIMEOUT:-120}

psci_guest() { # CONDUIT
	c=$1
	name=psci-$c
	img=$GUEST_DIR/psci-$c.img
	out=$W/psci-guest-$c.out
	txt=$W/psci-guest-$c.txt
	if [ ! -f "$img" ]; then
		fail "$name/system-off" "no guest image $img (make -C tests/guest)"
		return
	fi
	run_lkvm "$out" "$PSCI_GUEST_TIMEOUT" run -k "$img" -c 4 -m 128 \
		--psci user --psci-conduit "$c"
	rc=$?
	tr -d '\r' <"$out" >"$txt"

	# The guest's own results, wherever they sit on a line.
	grep -oE "(PASS|FAIL) $name/.*" "$txt"

	if ! grep -q "GUEST-BOOT $name " "$txt"; then
		if [ "$rc" = 124 ]; then
			why="killed after ${PSCI_GUEST_TIMEOUT}s"
		else
			why="lkvm exited $rc"
		fi
		fail "$name/system-off" "the guest printed nothing ($why)"
		show_tail "$out"
		return
	fi

	bad=
	boots=$(sed -n "s/.*GUEST-BOOT $name boot-count=\([0-9]*\).*/\1/p" "$txt" |
		tr '\n' ' ')
	boots=${boots% }
	[ "$boots" = "1 2 3" ] ||
		bad="$bad; boot counts seen: '${boots:-none}', expected '1 2 3'"
	nreset=$(grep -c GUEST-RESETTING "$txt")
	[ "$nreset" = 1 ] ||
		bad="$bad; GUEST-RESETTING printed $nreset times, expected once"
	nreset=$(grep -c GUEST-WARM-RESETTING "$txt")
	[ "$nreset" = 1 ] ||
		bad="$bad; GUEST-WARM-RESETTING printed $nreset times, expected once"
	grep -q GUEST-DONE "$txt" || bad="$bad; no GUEST-DONE"
	if [ "$rc" = 124 ]; then
		bad="$bad; lkvm did not exit within ${PSCI_GUEST_TIMEOUT}s"
	elif [ "$rc" != 0 ]; then
		bad="$bad; lkvm exited $rc after SYSTEM_OFF, expected 0"
	fi
	if [ -n "$bad" ]; then
		fail "$name/system-off" "${bad#; }"
		show_tail "$out" 25
	else
		pass "$name/system-off"
	fi
}

psci_guest hvc
psci_guest smc
