#!/bin/sh
# Kernel file formats: the Debian guest kernel gzipped, and wrapped in EFI
# zboot images with a gzip and a zstd22 payload, boots to /init (the zstd
# one also reboots in place, from the Image unpacked once); a gzip bomb,
# truncated and corrupt files, a zboot image naming another compression
# and a gzip of something else are refused with their own message; a
# freestanding flat binary (no Image header) runs at RAM + 0x80000 with
# x0 = the DTB address.
# Needs /guest/kernels/* (tests/testhost/mkkernels) and /guest/flat.img
# (make guests), passed with --file; natively under TESTHOST_ROOT.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
BAD_TIMEOUT=${BAD_TIMEOUT:-120}
K=${TESTHOST_ROOT:-}/guest/kernels
FLAT=${TESTHOST_ROOT:-}/guest/flat.img
INITRD=$GUEST_DIR/initrd.cpio.gz
QUICK='lkvm_cmd="true"'

# Bytes in FILE.
fsize() { wc -c <"$1" | tr -d ' '; }

# The little-endian 64-bit image_size of the Image header in FILE.
image_size() { od -An -tu8 -j16 -N8 "$1" | tr -d ' '; }

# boot NAME KERNEL UNPACKED_SIZE FORMAT [ARGS...]: boots KERNEL with the
# default initramfs; it must reach /init, power off (exit 0), and lkvm
# must say it unpacked FORMAT to an Image of UNPACKED_SIZE bytes.
boot() {
	bt_n=$1 bt_k=$2 bt_size=$3 bt_fmt=$4
	shift 4
	if [ ! -f "$bt_k" ]; then
		fail "$bt_n" "no $bt_k (tests/testhost/mkkernels, passed with --file)"
		return 1
	fi
	bt_out=$W/$bt_n.out
	boot_lkvm "$bt_out" "$BOOT_TIMEOUT" run -c 1 -m 256 --loglevel info \
		-k "$bt_k" -i "$INITRD" "$@"
	bt_rc=$?
	[ -n "$BOOT_MS" ] && info "$bt_n-boot-ms" "$BOOT_MS"
	if [ "$bt_rc" = 124 ]; then
		fail "$bt_n" "lkvm did not exit within ${BOOT_TIMEOUT}s"
		show_tail "$bt_out"
		return 1
	fi
	if ! grep -q "^lkvm: kernel '$bt_k': $bt_fmt, unpacked to a $bt_size-byte Image" "$bt_out"; then
		fail "$bt_n" "no 'kernel '$bt_k': $bt_fmt, unpacked to a $bt_size-byte Image' line (status $bt_rc)"
		show_tail "$bt_out"
	elif ! grep -q LKVM-GUEST-INIT "$bt_out"; then
		fail "$bt_n" "the guest never reached /init (status $bt_rc)"
		show_tail "$bt_out"
	elif [ "$bt_rc" != 0 ] || ! grep -q 'LKVM-GUEST-CMD-EXIT=0' "$bt_out"; then
		fail "$bt_n" "lkvm exited $bt_rc after the guest's poweroff"
		show_tail "$bt_out"
	else
		pass "$bt_n"
		return 0
	fi
	return 1
}

IMG=$GUEST_DIR/Image
isize=$(image_size "$IMG")
boot gzip-boot "$K/Image.gz" "$(fsize "$IMG")" gzip -p "$QUICK"
boot zboot-gzip-boot "$K/zboot-gzip.efi" "$isize" 'EFI zboot (gzip)' \
	-p "$QUICK"

# The zstd one reboots once: the second boot reads the same unpacked Image.
# shellcheck disable=SC2016 # expanded by the guest's shell
REBOOT='lkvm_cmd="n=$(tail -c1 /proc/device-tree/chosen/lkvm,boot-count | od -An -tu1); echo BOOTNO=$n; if [ $n = 1 ]; then reboot -f; fi"'
if boot zboot-zstd-boot "$K/zboot-zstd.efi" "$isize" 'EFI zboot (zstd22)' \
	-p "$REBOOT"; then
	inits=$(grep -c LKVM-GUEST-INIT "$W/zboot-zstd-boot.out")
	unpacks=$(grep -c 'unpacked to a' "$W/zboot-zstd-boot.out")
	if grep -q '^BOOTNO= *2' "$W/zboot-zstd-boot.out" && [ "$inits" = 2 ] &&
		[ "$unpacks" = 1 ]; then
		pass zboot-zstd-reboot
	else
		fail zboot-zstd-reboot "expected 2 boots to /init and 1 unpack, saw $inits and $unpacks"
	fi
else
	fail zboot-zstd-reboot "the first boot failed"
fi

# ---- refused -------------------------------------------------------------
# bad NAME PATTERN KERNEL: lkvm -k KERNEL must exit 1 with "lkvm: kernel
# 'KERNEL': " and then PATTERN (an extended regular expression).
bad() {
	bd_n=$1 bd_p=$2 bd_k=$3
	bd_t0=$(uptime_ms)
	run_lkvm_split "$W/$bd_n.out" "$W/$bd_n.err" "$BAD_TIMEOUT" run -c 1 \
		-k "$bd_k" -i "$INITRD" -p "$QUICK"
	bd_rc=$?
	BAD_MS=$(($(uptime_ms) - bd_t0))
	bd_line=$(grep -m1 '^lkvm: ' "$W/$bd_n.err")
	if [ "$bd_rc" = 124 ]; then
		fail "$bd_n" "lkvm did not exit within ${BAD_TIMEOUT}s"
	elif [ "$bd_rc" != 1 ]; then
		fail "$bd_n" "lkvm exited $bd_rc, expected 1 (${bd_line:-no message})"
		show_tail "$W/$bd_n.err" 5
	elif [ "$(grep -c . "$W/$bd_n.err")" != 1 ]; then
		fail "$bd_n" "more than one line on stderr"
		show_tail "$W/$bd_n.err" 5
	elif ! printf '%s\n' "$bd_line" | grep -qE "^lkvm: kernel '$bd_k': ($bd_p)"; then
		fail "$bd_n" "expected 'kernel '$bd_k': $bd_p', got: $bd_line"
	else
		pass "$bd_n"
		echo "    $bd_n: $bd_line"
	fi
}

if [ -f "$K/bomb.gz" ]; then
	# 1 GiB of zeros behind a real Image header: stopped at the cap.
	bad gzip-bomb "the gzip data unpacks to more than 256 MiB \(the most lkvm unpacks\)" \
		"$K/bomb.gz"
	info gzip-bomb-refused-ms "$BAD_MS"
else
	fail gzip-bomb "no $K/bomb.gz"
fi

if [ -f "$K/Image.gz" ]; then
	head -c 5000000 "$K/Image.gz" >"$W/cut.gz"
	bad gzip-truncated "the gzip data ends early" "$W/cut.gz"
	cp "$K/Image.gz" "$W/bad.gz"
	printf 'lkvm was here' |
		dd of="$W/bad.gz" bs=1 seek=3000000 conv=notrunc 2>/dev/null
	bad gzip-corrupt "corrupt gzip data \(.*\)|the gzip data unpacks to more than" \
		"$W/bad.gz"
	rm -f "$W/cut.gz" "$W/bad.gz"
fi
if [ -f "$K/zboot-gzip.efi" ]; then
	head -c 3000000 "$K/zboot-gzip.efi" >"$W/cut.efi"
	bad zboot-truncated "a truncated EFI zboot image" "$W/cut.efi"
	cp "$K/zboot-gzip.efi" "$W/lz4.efi"
	printf 'lz4\000' | dd of="$W/lz4.efi" bs=1 seek=24 conv=notrunc 2>/dev/null
	bad zboot-lz4 "an EFI zboot image whose payload is lz4" "$W/lz4.efi"
	rm -f "$W/cut.efi" "$W/lz4.efi"
fi
if [ -f "$K/zboot-zstd.efi" ]; then
	cp "$K/zboot-zstd.efi" "$W/bad.efi"
	printf 'lkvm was here' |
		dd of="$W/bad.efi" bs=1 seek=2000000 conv=notrunc 2>/dev/null
	bad zboot-zstd-corrupt "corrupt zstd data \(.*\)|the zstd data unpacks to more than" \
		"$W/bad.efi"
	rm -f "$W/bad.efi"
fi
# A gzip, but of an initramfs.
bad gzip-not-an-image "the gzip data holds a cpio archive" "$INITRD"
: >"$W/empty"
run_lkvm_split "$W/empty.out" "$W/empty.err" "$BAD_TIMEOUT" run -k "$W/empty"
if [ $? = 1 ] && grep -q "^lkvm: kernel '$W/empty' is empty" "$W/empty.err"; then
	pass kernel-empty
else
	fail kernel-empty "got: $(head -n 1 "$W/empty.err")"
fi

# ---- a flat binary -------------------------------------------------------
# tests/guest/flat.S prints its x0, where it runs and the word at x0, then
# calls SYSTEM_OFF.
if [ -f "$FLAT" ]; then
	run_lkvm_split "$W/flat.out" "$W/flat.err" "$BAD_TIMEOUT" run -c 1 \
		-m 64 --loglevel info -k "$FLAT"
	rc=$?
	line=$(tr -d '\r' <"$W/flat.out" | grep -m1 '^FLAT-GUEST ')
	dtb=$(sed -n 's/.*DTB at \(0x[0-9a-f]*\).*/\1/p' "$W/flat.err")
	x0=$(printf '%s\n' "$line" | sed -n 's/.*x0=\(0x[0-9a-f]*\).*/\1/p')
	if [ "$rc" != 0 ]; then
		fail flat-binary "lkvm exited $rc (${line:-no FLAT-GUEST line})"
		show_tail "$W/flat.err" 5
	elif ! grep -q "^lkvm: kernel '$FLAT' has no arm64 Image header: loading it as a flat binary at 0x80080000" "$W/flat.err"; then
		fail flat-binary "no info line about the flat binary"
		show_tail "$W/flat.err" 5
	elif [ -z "$dtb" ] || [ -z "$x0" ] || [ $((x0)) != $((dtb)) ]; then
		fail flat-binary "x0 ${x0:-?} is not the DTB address ${dtb:-?}: $line"
	elif ! printf '%s\n' "$line" | grep -q 'pc=0x0000000080080000 dtb-magic=0x00000000d00dfeed'; then
		fail flat-binary "wrong place or no DTB at x0: $line"
	else
		pass flat-binary
		echo "    $line"
	fi
else
	fail flat-binary "no $FLAT (make guests, passed with --file)"
fi
