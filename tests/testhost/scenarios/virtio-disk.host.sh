#!/bin/bash
# Host-side checks for virtio-disk.sh: the ext4 image the guests wrote,
# exported from the test host, is clean for e2fsck -fn and holds exactly
# what the guests wrote (read with debugfs, not by mounting).
set -u
gz=${FILES_DIR:?}/virtio-data.img.gz
if [ ! -s "$gz" ]; then
	echo "FAIL virtio-disk/host-image: no virtio-data.img.gz came back from the test host"
	exit 0
fi
img=${gz%.gz}
gunzip -c "$gz" >"$img" || {
	echo "FAIL virtio-disk/host-image: gunzip failed"
	exit 0
}
if out=$(e2fsck -fn "$img" 2>&1); then
	echo "PASS virtio-disk/host-e2fsck"
else
	echo "FAIL virtio-disk/host-e2fsck: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
fi
# file_md5 PATH: md5 of the file in the image.
file_md5() { debugfs -R "cat $1" "$img" 2>/dev/null | md5sum | cut -d' ' -f1; }
want_seq=$(seq 1 20000 | md5sum | cut -d' ' -f1)
want_synced=$(seq 1 50000 | md5sum | cut -d' ' -f1)
got_seq=$(file_md5 /seq.txt)
got_synced=$(file_md5 /synced.txt)
listing=$(debugfs -R "ls -l /" "$img" 2>/dev/null)
if [ "$got_seq" != "$want_seq" ]; then
	echo "FAIL virtio-disk/host-content: /seq.txt md5 $got_seq, want $want_seq"
elif [ "$got_synced" != "$want_synced" ]; then
	echo "FAIL virtio-disk/host-content: /synced.txt md5 $got_synced, want $want_synced"
elif grep -qwE 'big|junk|boot1' <<<"$listing"; then
	echo "FAIL virtio-disk/host-content: a file the guest removed is there: $(grep -wE 'big|junk|boot1' <<<"$listing" | tr -s ' ')"
else
	echo "PASS virtio-disk/host-content"
fi

# --dump-dtb with a disk and --rng: a virtio,mmio node each, in their slots.
dtb=$FILES_DIR/virtio.dtb
if [ ! -s "$dtb" ]; then
	echo "FAIL virtio-disk/dump-dtb: no virtio.dtb came back from the test host"
else
	bad=
	for n in "virtio@3000000 16" "virtio@3002000 32"; do
		set -- $n
		c=$(fdtget -t s "$dtb" "/$1" compatible 2>/dev/null)
		i=$(fdtget "$dtb" "/$1" interrupts 2>/dev/null)
		r=$(fdtget -t x "$dtb" "/$1" reg 2>/dev/null)
		d=$(fdtget "$dtb" "/$1" dma-coherent 2>/dev/null && echo yes)
		[ "$c" = virtio,mmio ] && [ "$i" = "0 $2 1" ] && [ -n "$d" ] &&
			[ "$r" = "0 ${1#virtio@} 0 200" ] || bad="$bad $1(compatible '$c' interrupts '$i' reg '$r')"
	done
	if [ -z "$bad" ]; then
		echo "PASS virtio-disk/dump-dtb"
	else
		echo "FAIL virtio-disk/dump-dtb:$bad"
	fi
fi
