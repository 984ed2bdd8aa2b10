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

# Every check the guest reports, once each, per conduit (psci-<conduit>/
# <check>), in the order it runs them: boot 1, then boots 2 and 3. A check
# added to or dropped from tests/guest/psci-test.c must be added to or
# dropped from this list too, or psci-<conduit>/check-list fails.
PSCI_GUEST_CHECKS='
	dt-psci version features-all smccc-version migrate-info-type
	not-supported-ids sdei-ids unknown-owner legacy-kvm-psci-id
	system-reset2-bad-type bad-mpidr cpu-on cpu-on-x0 cpu-on-pstate
	cpu-on-sctlr cpu-on-smc32-narrowing already-on affinity-info-level0
	affinity-info-level1 affinity-info-bad cpu-on-race cpu-off-on
	cpu-suspend-timer cpu-suspend-bad-power-state
	cpu-suspend-powerdown-bad-entry cpu-suspend-powerdown
	cpu-suspend-powerdown-affinity system-suspend-denied bad-entry
	system-suspend-bad-entry system-suspend-resume
	system-reset-cpu-on-storm
	system-reset system-reset2-warm
'

# check_list NAME TXT: the checks the guest reported against the list.
check_list() {
	got=$(grep -oE "(PASS|FAIL) $1/[^: ]+" "$2" | sed 's|^[A-Z]* [^/]*/||')
	missing='' extra=''
	# shellcheck disable=SC2086 # a word list
	all="$(printf ' %s' $PSCI_GUEST_CHECKS) "
	for c in $PSCI_GUEST_CHECKS; do
		n=$(printf '%s\n' "$got" | grep -cxF -- "$c")
		case $n in
		0) missing="$missing $c" ;;
		1) ;;
		*) extra="$extra $c($n times)" ;;
		esac
	done
	# shellcheck disable=SC2086 # a word list
	for c in $(printf '%s\n' $got | sort -u); do
		case $all in
		*" $c "*) ;;
		*) extra="$extra $c" ;;
		esac
	done
	bad=
	[ -z "$missing" ] || bad="missing:$missing"
	[ -z "$extra" ] || bad="${bad:+$bad; }unexpected:$extra"
	if [ -n "$bad" ]; then
		fail "$1/check-list" "$bad"
	else
		pass "$1/check-list"
	fi
}

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
	check_list "$name" "$txt"

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
