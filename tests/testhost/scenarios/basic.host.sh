#!/bin/bash
# Host-side checks for basic.sh: the DTB from lkvm run --dump-dtb, with dtc.
# Runs on the development host after the test host is done, with FILES_DIR.
set -u
dtb=${FILES_DIR:?}/guest.dtb
if [ ! -s "$dtb" ]; then
	echo "FAIL dump-dtb-dtc: no guest.dtb came back from the test host"
	exit 0
fi
if ! command -v dtc >/dev/null; then
	echo "FAIL dump-dtb-dtc: dtc is not installed (apt-get install device-tree-compiler)"
	exit 0
fi
dts=$FILES_DIR/guest.dts
if ! dtc -q -I dtb -O dts -o "$dts" "$dtb" 2>"$FILES_DIR/dtc.err"; then
	echo "FAIL dump-dtb-dtc: dtc rejects it: $(head -n 1 "$FILES_DIR/dtc.err")"
	exit 0
fi
echo "PASS dump-dtb-dtc"

missing=
prop() { fdtget -t s "$dtb" "$1" "$2" 2>/dev/null; }
top=$(fdtget -l "$dtb" / 2>/dev/null)
[ -n "$(prop /chosen bootargs)" ] || missing="$missing /chosen/bootargs"
grep -q '^memory' <<<"$top" || missing="$missing /memory"
ncpu=$(fdtget -l "$dtb" /cpus 2>/dev/null | grep -c '^cpu@')
[ "$ncpu" = 2 ] || missing="$missing 2-cpu-nodes(found-$ncpu)"
[ -n "$(prop /psci method)" ] || missing="$missing /psci/method"
grep -q '^timer' <<<"$top" || grep -q 'arm,armv8-timer' "$dts" || missing="$missing timer"
grep -q '^[[:space:]]*interrupt-controller;' "$dts" || missing="$missing interrupt-controller"
grep -q 'serial@' "$dts" || missing="$missing serial@"
if [ -z "$missing" ]; then
	echo "PASS dump-dtb-nodes"
	echo "INFO dump-dtb-bootargs $(prop /chosen bootargs)"
else
	echo "FAIL dump-dtb-nodes: missing:$missing (dts: $dts)"
fi
