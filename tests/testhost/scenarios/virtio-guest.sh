#!/bin/sh
# A hostile virtio-blk driver: the freestanding guest tests/guest/
# virtio-test.c feeds lkvm's block device malformed queues (a descriptor
# loop, a buffer past the end of RAM, a huge length, bad head and next
# indices, an indirect table inside itself), expects DEVICE_NEEDS_RESET
# each time, resets the device and completes a good read of sector 0.
# Here: the guest's own PASS/FAIL lines against the list below, lkvm
# logging why each queue stopped (--loglevel debug), and lkvm still
# running to the guest's SYSTEM_OFF (exit 0).
# Needs $GUEST_DIR/virtio-test.img (make guests).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
T=${VIRTIO_GUEST_TIMEOUT:-180}
img=$GUEST_DIR/virtio-test.img
CHECKS="good-read bad-width-reads-zero read-only-register
descriptor-loop descriptor-loop-then-good-read
buffer-past-ram buffer-past-ram-then-good-read
huge-length huge-length-then-good-read
bad-head-index bad-head-index-then-good-read
bad-next-index bad-next-index-then-good-read
indirect-in-itself indirect-in-itself-then-good-read"
# Why lkvm stopped the queue, one for each malformed case.
REASONS="descriptor chain loops
buffer not inside guest RAM
descriptor index out of range
nested indirect table"

if [ ! -f "$img" ]; then
	fail virtio-guest/run "no guest image $img (make guests)"
	exit 0
fi
disk=$W/sector0.img
printf 'LKVM-VIRTIO-GUEST-SECTOR-0' >"$disk"
dd if=/dev/zero bs=1024 count=63 >>"$disk" 2>/dev/null
# stderr apart: lkvm's I/O thread logs a stopped queue while the guest
# prints its verdict, and the two could share a line.
run_lkvm_split "$W/out" "$W/err" "$T" run -k "$img" -c 1 -m 64 -d "$disk" \
	--loglevel debug
rc=$?
tr -d '\r' <"$W/out" >"$W/txt"
grep -oE '(PASS|FAIL) virtio-guest/.*' "$W/txt"

if [ "$rc" != 0 ] || ! grep -q '^GUEST-DONE virtio' "$W/txt"; then
	fail virtio-guest/run "lkvm exited $rc; the guest did not finish"
	show_tail "$W/txt" 30
	show_tail "$W/err" 10
else
	pass virtio-guest/run
fi
missing=
for c in $CHECKS; do
	n=$(grep -c "^PASS virtio-guest/$c\$" "$W/txt")
	[ "$n" = 1 ] || missing="$missing $c($n)"
done
if [ -n "$missing" ]; then
	fail virtio-guest/check-list "checks not passed exactly once:$missing"
else
	pass virtio-guest/check-list
fi
bad=
printf '%s\n' "$REASONS" | {
	while IFS= read -r r; do
		grep -q "virtio-blk (slot 0): queue 0 stopped, DEVICE_NEEDS_RESET: $r" "$W/err" ||
			bad="$bad '$r'"
	done
	if [ -n "$bad" ]; then
		fail virtio-guest/lkvm-reasons "no debug line for:$bad"
		grep 'stopped, DEVICE_NEEDS_RESET' "$W/err"
	else
		pass virtio-guest/lkvm-reasons
	fi
}
