#!/bin/sh
# virtio-blk and virtio-rng with Debian's kernel and the default initramfs
# (which loads virtio_mmio, virtio_blk, virtio-rng and ext4 as modules):
# an ext4 image made on the development host (tests/testhost/make-disks)
# written, synced and read back over boots; a read-only disk; the image
# lock against a second lkvm; fstrim punching holes in the host file;
# SIGTERM during heavy writes losing nothing the guest had synced; a
# reboot in place with a disk; the no-ioeventfd/irqfd fallback;
# /dev/hwrng; root=/dev/vdX booting the disk's /sbin/init, and the
# initramfs' fallback when it cannot. The image goes back to the host at
# the end: virtio-disk.host.sh runs e2fsck -fn and checks the files.
# Needs /disks/data.img and /disks/rootfs.img (--file, see tests/run-all).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
T=${VIRTIO_TIMEOUT:-300}
DISKS=${TESTHOST_ROOT:-}/disks
img=$W/data.img
root=$W/rootfs.img
GA="-c 2 -m 256 $(guest_args) --loglevel info"

if [ ! -f "$DISKS/data.img" ] || [ ! -f "$DISKS/rootfs.img" ]; then
	fail virtio-disk/setup "no $DISKS/data.img or rootfs.img (tests/testhost/make-disks, --file)"
	exit 0
fi
# /tmp here is a tmpfs: it can punch holes, as fstrim needs.
cp "$DISKS/data.img" "$img" && cp "$DISKS/rootfs.img" "$root" || {
	fail virtio-disk/setup "cannot copy the images to $W"
	exit 0
}
seq_md5=$(seq 1 20000 | md5sum | cut -d' ' -f1)
synced_md5=$(seq 1 50000 | md5sum | cut -d' ' -f1)

alloc_kb() { du -k "$1" | cut -f1; }

MNT='mkdir -p /mnt; mount /dev/vda /mnt || exit 1'
# Kernel messages off the console: a printk can land in the middle of a
# line the checks below look for.
QUIET=loglevel=1

# ---- 1. write, sync, power off --------------------------------------------
guest_cmd write "$MNT; seq 1 20000 > /mnt/seq.txt; dd if=/dev/urandom of=/mnt/big bs=1M count=6 2>/dev/null; sync; echo GUEST-MD5 \$(md5sum < /mnt/seq.txt); umount /mnt" -d "$img"
if guest_cmd_ok virtio-disk/write; then
	got=$(out_val GUEST-MD5 | cut -d' ' -f1)
	if [ "$got" = "$seq_md5" ]; then pass virtio-disk/write; else fail virtio-disk/write "md5 in the guest $got, want $seq_md5"; fi
fi
grep -q 'virtio-blk at 0x3000000, SPI 16 (INTID 48), slot 0; notify by ioeventfd, interrupts by irqfd' "$OUT" &&
	pass virtio-disk/ioeventfd-irqfd ||
	fail virtio-disk/ioeventfd-irqfd "$(grep 'virtio-blk at' "$OUT")"
# With ioeventfd, no QueueNotify reaches lkvm.
sum=$(grep 'virtio-blk vda (slot 0):' "$OUT")
case $sum in
*"QueueNotify 0,"*) pass virtio-disk/no-notify-exits ;;
*) fail virtio-disk/no-notify-exits "summary: '$sum'" ;;
esac
info virtio-disk-write-summary "$sum"
alloc_a=$(alloc_kb "$img")

# ---- 2. the lock: a second lkvm on the same image is refused ---------------
# shellcheck disable=SC2086
if start_lkvm "$W/lock1.out" READY-LOCK "$T" run $GA -d "$img" -p 'lkvm_cmd="echo READY-LOCK; sleep 600"'; then
	run_lkvm "$W/lock2.out" 60 run $GA -d "$img"
	rc2=$?
	run_lkvm "$W/lock3.out" 60 run $GA -d "$img,ro"
	rc3=$?
	if [ "$rc2" = 1 ] && grep -q "lkvm: disk image '$img' is in use" "$W/lock2.out" &&
		[ "$rc3" = 1 ] && grep -q "lkvm: disk image '$img' is in use" "$W/lock3.out"; then
		pass virtio-disk/lock-second-lkvm
	else
		fail virtio-disk/lock-second-lkvm "second lkvm: status $rc2 '$(head -n 1 "$W/lock2.out")'; read-only: $rc3 '$(head -n 1 "$W/lock3.out")'"
	fi
else
	fail virtio-disk/lock-second-lkvm "the first lkvm did not come up"
	show_tail "$W/lock1.out"
fi
stop_lkvm "$LKVM_PID" >/dev/null

# ---- 3. read back on a new boot; rm and fstrim punch holes -----------------
guest_cmd read "$MNT; echo GUEST-MD5 \$(md5sum < /mnt/seq.txt); rm /mnt/big; fstrim -v /mnt; umount /mnt" -d "$img"
if guest_cmd_ok virtio-disk/read-back; then
	got=$(out_val GUEST-MD5 | cut -d' ' -f1)
	if [ "$got" = "$seq_md5" ]; then pass virtio-disk/read-back; else fail virtio-disk/read-back "md5 on the second boot $got, want $seq_md5"; fi
fi
alloc_b=$(alloc_kb "$img")
info virtio-disk-alloc-kb "before $alloc_a after-fstrim $alloc_b"
if [ "$RC" = 0 ] && [ $((alloc_a - alloc_b)) -ge 5000 ]; then
	pass virtio-disk/fstrim-punches-holes
else
	fail virtio-disk/fstrim-punches-holes "host file used $alloc_a KiB before, $alloc_b KiB after fstrim ($(grep trimmed "$OUT"))"
fi

# ---- 4. read-only ----------------------------------------------------------
before=$(md5sum <"$img")
guest_cmd ro "echo RO-FLAG \$(cat /sys/block/vda/ro); mkdir -p /mnt; mount /dev/vda /mnt; grep /dev/vda /proc/mounts; touch /mnt/x 2>/dev/null && echo TOUCH-OK || echo TOUCH-REFUSED; echo GUEST-MD5 \$(md5sum < /mnt/seq.txt); umount /mnt; blockdev --setrw /dev/vda; dd if=/dev/zero of=/dev/vda bs=4096 count=1 seek=3000 oflag=direct 2>/dev/null && echo DD-OK || echo DD-REFUSED" -d "$img,ro"
if guest_cmd_ok virtio-disk/read-only; then
	if [ "$(out_val RO-FLAG)" != 1 ]; then
		fail virtio-disk/read-only "/sys/block/vda/ro is not 1"
	elif ! grep -q '^/dev/vda /mnt ext4 ro' "$OUT"; then
		fail virtio-disk/read-only "not mounted read-only: $(grep /dev/vda "$OUT")"
	elif ! grep -q TOUCH-REFUSED "$OUT" || ! grep -q DD-REFUSED "$OUT"; then
		fail virtio-disk/read-only "a write went through: $(grep -E 'TOUCH|DD-' "$OUT" | tr '\n' ' ')"
	elif [ "$(md5sum <"$img")" != "$before" ]; then
		fail virtio-disk/read-only "the image changed"
	elif [ "$(out_val GUEST-MD5 | cut -d' ' -f1)" != "$seq_md5" ]; then
		fail virtio-disk/read-only "reading the files failed"
	else
		pass virtio-disk/read-only
	fi
fi

# ---- 5. SIGTERM during heavy writes ----------------------------------------
# shellcheck disable=SC2086
if start_lkvm "$W/term.out" SYNCED-MARK "$T" run $GA -d "$img" \
	-p "$QUIET lkvm_cmd=\"$MNT; seq 1 50000 > /mnt/synced.txt; sync; echo SYNCED-MARK; while :; do dd if=/dev/zero of=/mnt/junk bs=64k count=32 conv=fsync 2>/dev/null; done\""; then
	sleep 3
	stop_lkvm "$LKVM_PID"
	rc=$?
	if [ "$rc" = 143 ] && grep -q 'virtio-blk vda (slot 0):' "$W/term.out"; then
		pass virtio-disk/sigterm-exit
	else
		fail virtio-disk/sigterm-exit "lkvm status $rc (want 143), summary: $(grep -c 'virtio-blk vda' "$W/term.out")"
		show_tail "$W/term.out"
	fi
else
	fail virtio-disk/sigterm-exit "the guest never said SYNCED-MARK"
	show_tail "$W/term.out"
	stop_lkvm "$LKVM_PID" >/dev/null
fi
guest_cmd after-term "$MNT; echo GUEST-MD5 \$(md5sum < /mnt/synced.txt); rm -f /mnt/junk; umount /mnt" -d "$img"
if guest_cmd_ok virtio-disk/sigterm-keeps-synced; then
	got=$(out_val GUEST-MD5 | cut -d' ' -f1)
	if [ "$got" = "$synced_md5" ]; then pass virtio-disk/sigterm-keeps-synced; else fail virtio-disk/sigterm-keeps-synced "synced.txt md5 $got, want $synced_md5"; fi
fi

# ---- 6. reboot in place with a disk (the device resets) --------------------
guest_cmd reboot "$MNT; if [ -e /mnt/boot1 ]; then echo REBOOT-SECOND \$(cat /mnt/boot1); rm /mnt/boot1; umount /mnt; else echo one > /mnt/boot1; sync; umount /mnt; reboot -f; fi" -d "$img"
if guest_cmd_ok virtio-disk/reboot; then
	if [ "$(out_val REBOOT-SECOND)" = one ] && grep -q 'rebooting the guest' "$OUT"; then
		pass virtio-disk/reboot
	else
		fail virtio-disk/reboot "no second boot reading the first one's file"
		show_tail "$OUT"
	fi
fi

# ---- 7. without ioeventfd and irqfd ----------------------------------------
LKVM_NO_IOEVENTFD=1 LKVM_NO_IRQFD=1 guest_cmd fallback "$MNT; echo GUEST-MD5 \$(md5sum < /mnt/seq.txt); umount /mnt" -d "$img"
if guest_cmd_ok virtio-disk/fallback; then
	sum=$(grep 'virtio-blk vda (slot 0):' "$OUT")
	if [ "$(out_val GUEST-MD5 | cut -d' ' -f1)" != "$seq_md5" ]; then
		fail virtio-disk/fallback "bad data"
	elif ! grep -q 'no KVM ioeventfd' "$OUT" || ! grep -q 'no KVM irqfd' "$OUT"; then
		fail virtio-disk/fallback "no info message about the fallback"
	else
		case $sum in
		*"QueueNotify 0,"*) fail virtio-disk/fallback "no QueueNotify exits counted: '$sum'" ;;
		*) pass virtio-disk/fallback ;;
		esac
	fi
fi

# ---- 8. /dev/hwrng ---------------------------------------------------------
guest_cmd rng "cat /sys/class/misc/hw_random/rng_current; echo RNG-A \$(head -c 64 /dev/hwrng | od -An -tx1 | tr -d ' \n'); echo RNG-B \$(head -c 64 /dev/hwrng | od -An -tx1 | tr -d ' \n')" --rng
if guest_cmd_ok virtio-disk/hwrng; then
	a=$(out_val RNG-A)
	b=$(out_val RNG-B)
	if ! grep -q '^virtio_rng' "$OUT"; then
		fail virtio-disk/hwrng "rng_current: $(grep -A1 LKVM-GUEST-INIT "$OUT" | tail -n 1)"
	elif [ ${#a} != 128 ] || [ ${#b} != 128 ] || [ "$a" = "$b" ]; then
		fail virtio-disk/hwrng "reads: '$a' '$b'"
	else
		pass virtio-disk/hwrng
	fi
fi

# ---- 9. root=/dev/vdX --------------------------------------------------------
# shellcheck disable=SC2086
run_lkvm "$W/root.out" "$T" run $GA -d "$root" -p "$QUIET root=/dev/vda"
rc=$?
if [ "$rc" = 0 ] && grep -q '^ROOTFS-INIT pid=1 root=/dev/vda,ro' "$W/root.out"; then
	pass virtio-disk/root-boot
else
	fail virtio-disk/root-boot "status $rc: $(grep -E 'ROOTFS-INIT|cannot boot' "$W/root.out")"
	show_tail "$W/root.out"
fi
# The second disk is vdb (slot order), mounted read-write with rw.
# shellcheck disable=SC2086
run_lkvm "$W/root2.out" "$T" run $GA -d "$img" -d "$root" -p "$QUIET root=/dev/vdb rw"
rc=$?
if [ "$rc" = 0 ] && grep -q '^ROOTFS-INIT pid=1 root=/dev/vdb,rw' "$W/root2.out"; then
	pass virtio-disk/root-second-disk-rw
else
	fail virtio-disk/root-second-disk-rw "status $rc: $(grep -E 'ROOTFS-INIT|cannot boot' "$W/root2.out")"
	show_tail "$W/root2.out"
fi
# (one -p: a second would replace the first)
# shellcheck disable=SC2086
run_lkvm "$W/root-fallback.out" "$T" run $GA -d "$root" \
	-p "$QUIET root=/dev/vdc lkvm_cmd=\"echo FALLBACK-SHELL\""
RC=$?
OUT=$W/root-fallback.txt
tr -d '\r' <"$W/root-fallback.out" >"$OUT"
# (The command's own line, not the exit line after it: once in make check
# that last line was lost to poweroff -f, a console race of its own.)
if [ "$RC" = 0 ] &&
	grep -q 'cannot boot from root=/dev/vdc: /dev/vdc is not a block device' "$OUT" &&
	grep -q '^FALLBACK-SHELL' "$OUT"; then
	pass virtio-disk/root-fallback
else
	fail virtio-disk/root-fallback "lkvm status $RC; no message or no fallback"
	show_tail "$OUT"
fi

# ---- 10. bad --disk values ---------------------------------------------------
bad_disk() { # NAME MESSAGE ARGS...
	_n=$1 _m=$2
	shift 2
	run_lkvm "$W/$_n.out" 60 run $(guest_args) "$@"
	_rc=$?
	if [ "$_rc" = 1 ] && grep -q "$_m" "$W/$_n.out"; then
		pass "virtio-disk/$_n"
	else
		fail "virtio-disk/$_n" "status $_rc: $(head -n 1 "$W/$_n.out")"
	fi
}
bad_disk bad-missing "lkvm: cannot open disk image '/nonexistent.img': No such file" -d /nonexistent.img
bad_disk bad-directory "lkvm: disk image '/disks' is a directory" -d /disks
bad_disk bad-flag "unknown flag 'rw'" -d "$img,rw"
: >"$W/tiny.img"
bad_disk bad-empty "is 0 bytes, less than one 512-byte sector" -d "$W/tiny.img"

# ---- --dump-dtb shows the devices (checked by virtio-disk.host.sh) ---------
run_lkvm "$W/dtb.out" 60 run $(guest_args) -d "$img,ro" --rng --dump-dtb "$W/virtio.dtb"
if [ $? = 0 ] && [ -s "$W/virtio.dtb" ]; then
	export_file virtio.dtb "$W/virtio.dtb"
else
	fail virtio-disk/dump-dtb "lkvm --dump-dtb with a disk and --rng failed: $(head -n 1 "$W/dtb.out")"
fi

# ---- the image to the host: e2fsck -fn and the files ----------------------
gzip -c "$img" >"$W/data.img.gz" && export_file virtio-data.img.gz "$W/data.img.gz"
