# shellcheck shell=bash
# Shared functions for the arm64 KVM test host (see docs/testhost.md).
# Sourced by tests/testhost/{fetch,mkinitrd-guest,run} and tools/{testhost,demo}.
# Runs on the x86_64 (or arm64) development host, never inside the test host.

TH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TH_REPO=$(cd "$TH_SRC/../.." && pwd)
CACHE=${LKVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lkvm}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TH_REPO/$BUILD ;; esac
TH_BUILD=$BUILD/testhost
GUEST_CACHE=$CACHE/guest

# Options every kernel we pick is checked for (reported, and used to choose
# between the -cloud and the generic flavour).
TH_KCONFIG_WANTED="KVM SERIAL_8250 SERIAL_OF_PLATFORM MAGIC_SYSRQ PANIC_TIMEOUT
PVPANIC PVPANIC_MMIO HOTPLUG_CPU VIRTIO_MMIO VIRTIO_BLK RTC_DRV_CMOS ARM_PSCI_FW"

th_log() { printf 'testhost: %s\n' "$*" >&2; }
th_die() {
	printf 'testhost: error: %s\n' "$*" >&2
	exit 1
}

# Quote one argument for sh (single quotes).
th_sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

th_apt_updated=
th_apt_update() {
	[ -n "$th_apt_updated" ] && return 0
	th_log "apt-get update"
	apt-get update -q >&2 || th_die "apt-get update failed"
	th_apt_updated=1
}

# th_need_tool COMMAND DEBIAN-PACKAGE: install the package if COMMAND is missing.
th_need_tool() {
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || th_die "'$1' is missing; install the Debian package '$2' (needs root)"
	th_log "'$1' is missing: apt-get install -y $2"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >&2; then
		th_apt_update
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >&2 ||
			th_die "apt-get install $2 failed"
	fi
	command -v "$1" >/dev/null 2>&1 || th_die "'$1' still missing after installing $2"
}

th_need_fetch_tools() {
	th_need_tool apt-get apt
	th_need_tool dpkg-deb dpkg
	th_need_tool xz xz-utils
}

th_need_build_tools() {
	th_need_tool cpio cpio
	th_need_tool gzip gzip
	th_need_tool xz xz-utils
}

th_need_qemu() {
	th_need_tool qemu-system-aarch64 qemu-system-arm
	th_need_tool timeout coreutils
	th_need_tool base64 coreutils
}

# Make sure apt knows the arm64 packages (dpkg foreign arch + lists).
th_ensure_arm64_apt() {
	if ! dpkg --print-foreign-architectures | grep -qx arm64 &&
		[ "$(dpkg --print-architecture)" != arm64 ]; then
		[ "$(id -u)" = 0 ] || th_die "need root to run: dpkg --add-architecture arm64"
		th_log "dpkg --add-architecture arm64"
		dpkg --add-architecture arm64
		th_apt_update
	fi
	if ! apt-cache show busybox-static:arm64 >/dev/null 2>&1; then
		[ "$(id -u)" = 0 ] || th_die "apt lists lack arm64 packages; run apt-get update as root"
		th_apt_update
	fi
}

# apt-get download PKG (an arm64 package) into DIR unless a .deb is there.
# Prints the .deb path.
th_download_deb() {
	local pkg=$1 dir=$2 deb
	mkdir -p "$dir"
	deb=$(ls "$dir/${pkg}_"*_arm64.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		th_log "downloading $pkg:arm64"
		(cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$pkg:arm64" >&2) ||
			th_die "apt-get download $pkg:arm64 failed"
		deb=$(ls "$dir/${pkg}_"*_arm64.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] || th_die "apt-get download $pkg:arm64 left no .deb in $dir"
	else
		th_log "cached: $deb"
	fi
	printf '%s\n' "$deb"
}

# Newest Linux version with an arm64 unsigned image in the apt lists
# (e.g. 6.12.117+deb12); the -rt flavour is ignored.
th_newest_kernel_version() {
	apt-cache search --names-only '^linux-image-[0-9].*-arm64-unsigned$' |
		awk '{print $1}' | grep -v -- '-rt-arm64-unsigned$' |
		sed -e 's/^linux-image-//' -e 's/-cloud-arm64-unsigned$//' \
			-e 's/-arm64-unsigned$//' | sort -uV | tail -n 1
}

# th_kconfig_missing CONFIG-FILE: prints the wanted options that are not set.
th_kconfig_missing() {
	local o
	for o in $TH_KCONFIG_WANTED; do
		grep -q "^CONFIG_$o=" "$1" || printf '%s ' "$o"
	done
}

# th_kconfig_report CONFIG-FILE: one line per wanted option.
th_kconfig_report() {
	local o v
	for o in $TH_KCONFIG_WANTED; do
		v=$(sed -n "s/^CONFIG_$o=//p" "$1")
		printf '  CONFIG_%s=%s\n' "$o" "${v:-(not set)}"
	done
}

# The kernel selected by tests/testhost/fetch (a directory holding the
# unpacked .deb); empty if none yet.
th_kernel_dir() {
	local pkg
	[ -s "$CACHE/kernel/selected" ] || return 0
	pkg=$(cat "$CACHE/kernel/selected")
	[ -d "$CACHE/kernel/$pkg/boot" ] && printf '%s\n' "$CACHE/kernel/$pkg"
}

# ---- kernel modules (the guest initramfs, the test host) ----------------
# TH_MDIR is the kernel's lib/modules/<v> directory, set by the caller.

# th_mod_path NAME: the module's path under $TH_MDIR (kernel/...ko.xz).
th_mod_path() {
	local n=$1 alt
	alt=$(printf '%s' "$n" | tr '_-' '-_')
	(cd "$TH_MDIR" && find kernel \( -name "$n.ko*" -o -name "$alt.ko*" \) | head -n 1)
}
# th_mod_deps PATH: the modules PATH depends on (its modinfo depends=).
th_mod_deps() {
	xz -dcf "$TH_MDIR/$1" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}
# th_mod_closure PATH: every module PATH needs, directly or not, each once,
# in load order (virtio_net: failover, then net_failover).
th_mod_closure() {
	local d q
	for d in $(th_mod_deps "$1"); do
		q=$(th_mod_path "$d")
		th_mod_closure "$q"
		printf '%s\n' "$q"
	done | awk '!seen[$0]++'
}
# th_mod_order NAME...: TH_MOD_ORDER gets the paths of the NAMEs and of
# what they depend on, dependencies first, each module once.
th_mod_order() {
	local m
	TH_MOD_ORDER=()
	declare -gA th_mod_seen=()
	for m in "$@"; do th__mod_add "$m"; done
}
th__mod_add() {
	local p d
	p=$(th_mod_path "$1")
	[ -n "$p" ] || th_die "module $1 is not in $TH_MDIR"
	[ -n "${th_mod_seen[$p]:-}" ] && return 0
	th_mod_seen[$p]=1
	for d in $(th_mod_deps "$p"); do th__mod_add "$d"; done
	TH_MOD_ORDER+=("$p")
}
# th_stage_modules DEST: the modules of TH_MOD_ORDER decompressed under
# DEST (a lib/modules/<v> directory), with a load-order (the order to
# insmod, one path a line) and a modules.dep listing each module's
# dependencies, indirect ones too.
th_stage_modules() {
	local sm=$1 p k d
	mkdir -p "$sm"
	for p in "${TH_MOD_ORDER[@]}"; do
		k=${p%.xz}
		mkdir -p "$sm/$(dirname "$k")"
		xz -dcf "$TH_MDIR/$p" >"$sm/$k"
		printf '%s\n' "$k" >>"$sm/load-order"
		printf '%s:' "$k" >>"$sm/modules.dep"
		for d in $(th_mod_closure "$p"); do
			printf ' %s' "${d%.xz}" >>"$sm/modules.dep"
		done
		printf '\n' >>"$sm/modules.dep"
	done
}

# Make sure the guest kernel and initramfs exist in the cache (fetching and
# building them if needed). Cheap when everything is there.
th_ensure_guest() {
	if [ -z "$(th_kernel_dir)" ] || [ ! -x "$CACHE/busybox/bin/busybox" ]; then
		"$TH_SRC/fetch" || th_die "tests/testhost/fetch failed"
	fi
	"$TH_SRC/mkinitrd-guest" || th_die "tests/testhost/mkinitrd-guest failed"
}

# Path of the static aarch64 lkvm; builds it with 'make lkvm-arm64' if the
# default one is missing. Prints the path, or fails.
th_lkvm_bin() {
	local bin=${LKVM_BIN:-$BUILD/arm64/lkvm}
	case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
	if [ ! -x "$bin" ]; then
		if [ -n "${LKVM_BIN:-}" ]; then
			th_log "LKVM_BIN=$LKVM_BIN is not an executable file"
			return 1
		fi
		th_log "$bin missing: running make lkvm-arm64"
		(cd "$TH_REPO" && make lkvm-arm64 >&2) || {
			th_log "make lkvm-arm64 failed"
			return 1
		}
		[ -x "$bin" ] || {
			th_log "make lkvm-arm64 did not produce $bin"
			return 1
		}
	fi
	printf '%s\n' "$bin"
}

# True when scenarios can run directly: arm64 host with a usable /dev/kvm.
# LKVM_TESTHOST_MODE=qemu|native forces a mode.
th_native() {
	case ${LKVM_TESTHOST_MODE:-} in
	native) return 0 ;;
	qemu | testhost) return 1 ;;
	esac
	[ "$(uname -m)" = aarch64 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]
}

# th_make_cpio DIR OUT [gz]: newc archive of DIR, owned by root.
th_make_cpio() {
	local dir=$1 out=$2
	if [ "${3:-}" = gz ]; then
		(cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9n) >"$out.tmp"
	else
		(cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
	fi || {
		rm -f "$out.tmp"
		th_die "cpio of $dir failed"
	}
	mv -f "$out.tmp" "$out"
}

# th_stage_busybox ROOT: busybox + /bin/sh + the directories and
# /dev/console every initramfs here needs. Applet symlinks are made at boot
# (busybox --install -s) since the arm64 busybox cannot run on this host.
th_stage_busybox() {
	local root=$1
	mkdir -p "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin \
		"$root"/dev "$root"/proc "$root"/sys "$root"/tmp "$root"/run \
		"$root"/root "$root"/etc
	cp "$CACHE/busybox/bin/busybox" "$root/bin/busybox"
	ln -sf busybox "$root/bin/sh"
	if [ "$(id -u)" = 0 ]; then
		mknod -m 600 "$root/dev/console" c 5 1
		mknod -m 666 "$root/dev/null" c 1 3
	fi
}

# th_stage_passt ROOT: passt (for lkvm's -n mode=user) and the glibc it
# links with, unpacked from Debian's arm64 passt and libc6 packages (the
# rest of the test host is static busybox); kept unpacked in the cache.
th_stage_passt() {
	local root=$1 d=$CACHE/passt p deb
	if [ ! -x "$d/usr/bin/passt" ] ||
		[ ! -f "$d/lib/aarch64-linux-gnu/libc.so.6" ]; then
		th_ensure_arm64_apt
		rm -rf "$d.tmp"
		mkdir -p "$d.tmp"
		for p in passt libc6; do
			deb=$(th_download_deb "$p" "$CACHE/debs") || exit 1
			dpkg-deb -x "$deb" "$d.tmp" || th_die "cannot unpack $deb"
		done
		rm -rf "$d"
		mv "$d.tmp" "$d"
	fi
	mkdir -p "$root/lib/aarch64-linux-gnu" "$root/usr/bin"
	cp "$d/usr/bin/passt" "$root/usr/bin/passt"
	cp "$d/lib/aarch64-linux-gnu/libc.so.6" \
		"$d/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1" \
		"$root/lib/aarch64-linux-gnu/"
	ln -sf aarch64-linux-gnu/ld-linux-aarch64.so.1 \
		"$root/lib/ld-linux-aarch64.so.1"
}

# th_stage_testhost ROOT LKVM: the test host's root file system, except for
# /testhost/main.sh, which the caller writes. /init mounts, installs the
# busybox applets, runs /testhost/main.sh and powers off.
th_stage_testhost() {
	local root=$1 lkvm=$2
	th_stage_busybox "$root"
	mkdir -p "$root/guest" "$root/testhost" "$root/usr/bin"
	cp "$lkvm" "$root/usr/bin/lkvm"
	chmod 755 "$root/usr/bin/lkvm"
	cp "$GUEST_CACHE/Image" "$root/guest/Image"
	cp "$GUEST_CACHE/initrd.cpio.gz" "$root/guest/initrd.cpio.gz"
	chmod 644 "$root/guest/Image" "$root/guest/initrd.cpio.gz"
	cp "$TH_SRC/scenario-lib.sh" "$root/testhost/scenario-lib.sh"
	th_stage_passt "$root"
	th_stage_testhost_modules "$root"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' \
		>"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	printf '/bin/sh\n' >"$root/etc/shells"
	printf 'export PS1="testhost:\\w# "\n' >"$root/etc/profile"
	cat >"$root/init" <<'EOF'
#!/bin/sh
# Test host /init (generated by tests/testhost/lib.sh).
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
[ -t 1 ] || exec </dev/console >/dev/console 2>&1
echo "TESTHOST-L1-INIT"
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t tmpfs tmp /tmp
/bin/busybox mkdir -p /dev/pts /dev/shm
/bin/busybox mount -t devpts devpts /dev/pts
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=${TERM:-linux}
# The staged modules (tun, vhost_net: /dev/net/tun, /dev/vhost-net).
mods=/lib/modules/$(uname -r)
if [ -f "$mods/load-order" ]; then
	while read -r m; do
		insmod "$mods/$m" || echo "TESTHOST-WARN insmod $m failed"
	done <"$mods/load-order"
fi
# Anyone may open /dev/net/tun, as udev's default rules have it (the
# kernel checks who may make or attach to which tap).
[ -c /dev/net/tun ] && chmod 666 /dev/net/tun
export LKVM=/usr/bin/lkvm GUEST_DIR=/guest TESTHOST_MODE=testhost
export SCENARIO_LIB=/testhost/scenario-lib.sh TESTHOST_ROOT=
# Variables given to tests/testhost/run --env.
[ -f /testhost/env ] && . /testhost/env
hostname testhost
read up _ </proc/uptime
echo "TESTHOST-UP uptime=$up kernel=$(uname -r)"
[ -c /dev/kvm ] || echo "TESTHOST-WARN /dev/kvm is missing"
cd /
sh /testhost/main.sh
echo "TESTHOST-POWEROFF"
poweroff -f
EOF
	chmod 755 "$root/init"
}

# The modules the test host loads at boot: tun (-n mode=tap's
# /dev/net/tun) and vhost_net with what it needs (vhost, vhost_iotlb, tap:
# /dev/vhost-net for vhost=1). The test host runs the guest's kernel, so
# they come from the same unpacked .deb.
TH_TESTHOST_MODULES="tun vhost_net"

# th_stage_testhost_modules ROOT: TH_TESTHOST_MODULES under ROOT's
# /lib/modules/<v> (see th_stage_modules); nothing if the kernel has no
# modules directory.
th_stage_testhost_modules() {
	local root=$1 kdir kver
	kdir=$(th_kernel_dir)
	kver=$(cat "$GUEST_CACHE/kernel-version" 2>/dev/null)
	[ -n "$kdir" ] && [ -n "$kver" ] && [ -d "$kdir/lib/modules/$kver" ] || {
		th_log "warning: no kernel modules for the test host (tun, vhost_net)"
		return 0
	}
	TH_MDIR=$kdir/lib/modules/$kver
	th_mod_order $TH_TESTHOST_MODULES
	th_stage_modules "$root/lib/modules/$kver"
}

# th_add_file ROOT SRC:DST: copy SRC into the test host at DST.
th_add_file() {
	local root=$1 spec=$2 src dst
	src=${spec%%:*}
	dst=${spec#*:}
	[ "$src" != "$spec" ] && [ -n "$dst" ] || th_die "--file wants SRC:DST, got '$spec'"
	[ -e "$src" ] || th_die "--file: $src does not exist"
	case $dst in /*) ;; *) th_die "--file: DST must be an absolute path: '$dst'" ;; esac
	mkdir -p "$root$(dirname "$dst")"
	cp -a "$src" "$root$dst"
}

# th_qemu_args CPIO: the QEMU command line of docs/testhost.md, in "$@" form via
# the TH_QEMU array.
th_qemu_args() {
	TH_QEMU=(qemu-system-aarch64 -M "virt,virtualization=on,gic-version=${TESTHOST_GIC:-3}${TESTHOST_MACHINE_OPTS:+,$TESTHOST_MACHINE_OPTS}"
		-cpu "${TESTHOST_QEMU_CPU:-max,pauth-impdef=on}" -smp "${TESTHOST_SMP:-2}" -m "${TESTHOST_MEM:-2048}"
		-nographic -net none -no-reboot
		-kernel "$GUEST_CACHE/Image" -initrd "$1"
		-append "console=ttyAMA0 panic=-1${TESTHOST_APPEND:+ $TESTHOST_APPEND}")
}
