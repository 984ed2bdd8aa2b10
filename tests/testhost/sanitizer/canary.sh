#!/bin/sh
# First scenario of a sanitized run (tests/testhost/run-sanitized): shows
# that a report made here is seen, so that sanitizer/reports.sh finding
# none at the end means lkvm made none. /testhost/san-canary is built with
# lkvm's sanitizer flags and makes one report on purpose.
#   ubsan: the check traps (BRK): SIGTRAP kills the program (status 133)
#          and the kernel logs "unhandled exception" with the PC
#   asan:  the report goes to $SAN_LOG_DIR/asan.<pid>, status 1
# Also: the same program and lkvm itself run without a report.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
canary=${TESTHOST_ROOT:-}/testhost/san-canary
logs=${SAN_LOG_DIR:?}
rm -rf "$logs"
mkdir -p "$logs/canary"
# The kernel logs the signals that kill a program (it does by default;
# a host's own setting is left alone).
[ "$TESTHOST_MODE" = native ] ||
	echo 1 >/proc/sys/debug/exception-trace 2>/dev/null

"$canary" ok >"$W/ok.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q 'no report' "$W/ok.out"; then
	pass canary/clean-run
else
	fail canary/clean-run "san-canary ok exited $rc: $(head -c 300 "$W/ok.out")"
fi
"$LKVM" version >"$W/version.out" 2>&1
rc=$?
if [ "$rc" = 0 ]; then
	pass canary/lkvm-starts
else
	fail canary/lkvm-starts "lkvm version exited $rc: $(head -c 300 "$W/version.out")"
fi

case $SAN_VARIANT in
ubsan)
	"$canary" shift >"$W/shift.out" 2>&1
	rc=$?
	# SIGTRAP (133) for a BRK; SIGILL (132) if a compiler traps with UDF.
	seen=$(dmesg | grep 'san-canary.*unhandled exception' | tail -n 1)
	if [ "$rc" != 133 ] && [ "$rc" != 132 ]; then
		fail canary/report-seen "san-canary shift exited $rc, not killed by SIGTRAP or SIGILL"
	elif [ -z "$seen" ]; then
		fail canary/report-seen "killed (status $rc), but the kernel logged no 'unhandled exception'"
	else
		pass canary/report-seen
		info canary-report "status $rc; kernel: ${seen#*] }"
	fi
	;;
asan)
	"$canary" heap >"$W/heap.out" 2>&1
	rc=$?
	f=$(ls "$logs"/asan.* 2>/dev/null | head -n 1)
	if [ "$rc" != 1 ]; then
		fail canary/report-seen "san-canary heap exited $rc, not 1"
	elif [ -z "$f" ] || ! grep -q 'heap-buffer-overflow' "$f"; then
		fail canary/report-seen "no heap-buffer-overflow report in $logs"
	else
		pass canary/report-seen
		info canary-report "status $rc; $(grep -m1 'ERROR: AddressSanitizer' "$f")"
	fi
	mv "$logs"/asan.* "$logs"/ubsan.* "$logs/canary/" 2>/dev/null
	;;
*)
	fail canary/variant "SAN_VARIANT is '$SAN_VARIANT', not ubsan or asan"
	;;
esac
# What the kernel logged so far is the canary's; reports.sh reads on.
dmesg | wc -l >"$logs/canary/dmesg-lines"
