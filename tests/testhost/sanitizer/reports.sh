#!/bin/sh
# Last scenario of a sanitized run (tests/testhost/run-sanitized): any
# sanitizer report made since sanitizer/canary.sh is a FAIL, whatever the
# scenario that made it said (a scenario that expected lkvm to fail would
# not notice that it failed for another reason).
#   ubsan: a trap kills lkvm with SIGTRAP; the kernel logs it as an
#          "unhandled exception" (so does any other fatal signal)
#   asan:  ASan, LeakSanitizer and UBSan reports in $SAN_LOG_DIR
# The report is copied to the console as SAN-REPORT lines;
# tests/testhost/run-sanitized names lkvm's source lines from them.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

logs=${SAN_LOG_DIR:?}
bad=

skip_lines=$(cat "$logs/canary/dmesg-lines" 2>/dev/null || echo 0)
W=${WORKDIR:-$(mktemp -d)}
dmesg | tail -n +$((skip_lines + 1)) >"$W/dmesg"
if grep -q 'unhandled exception' "$W/dmesg"; then
	grep -A 5 'unhandled exception' "$W/dmesg" | sed 's/^/SAN-REPORT /'
	bad="$bad; kernel: $(grep -m1 'unhandled exception' "$W/dmesg" | sed 's/^\[[^]]*\] //')"
fi
for f in "$logs"/asan.* "$logs"/ubsan.*; do
	[ -f "$f" ] || continue
	sed "s/^/SAN-REPORT ${f##*/}: /" "$f"
	what=$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$f")
	bad="$bad; ${f##*/}: ${what:-$(head -n 1 "$f")}"
done
if [ -n "$bad" ]; then
	fail reports/none "${bad#; }"
else
	pass reports/none
fi
