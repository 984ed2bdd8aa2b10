#!/bin/sh
# lkvm benchmark scenario, run by bench/run through tests/testhost/run:
# inside the test host (QEMU) or natively on an arm64 KVM host.
#
# Prints "INFO bench key=value..." lines with raw measurements (bench/run
# turns them into the report), "INFO bench-progress ..." lines to show
# progress, and "FAIL bench/...: reason" when a measurement could not be
# made. Goals are not judged here.
#
# Needs (via --file): /bench/bench.img (the benchmark guest),
# /bench/null.img (the null guest), /bench/params.sh (the parameters
# below), /bench/tools.img (ext4 with diskbench, bench/disk/, and
# netbench, bench/net/) and /bench/netbench; under TESTHOST_ROOT natively.
# ONLY=net in params.sh runs the network section alone, ONLY=sandbox the
# benchmark guest with --psci user, sandbox on and off.
# shellcheck source=../tests/testhost/scenario-lib.sh
. "${SCENARIO_LIB:-$(dirname "$0")/../tests/testhost/scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
BDIR=${TESTHOST_ROOT:-}/bench
IMG=$BDIR/bench.img
NULL_IMG=$BDIR/null.img

# Defaults; bench/run writes its own into params.sh.
BOOT_RUNS=3
BOOT_CPUS="1 2 4"
BOOT_MEM=256
BOOT_TIMEOUT=300
STARTUP_RUNS=5
MICRO_CPUS=2
MICRO_MEM=128
MICRO_TIMEOUT=600
FP_CPUS=2
FP_MEM=256
FP_SETTLE=2
DISK_MIB=128
DISK_SECS=4
DISK_MEM=256
NET_MIB=64
NET_SECS=5
NET_ROUNDS=1000
NET_CPUS=2
NET_MEM=256
NET_TIMEOUT=600
NET_PORT=5201
ONLY=
# shellcheck disable=SC1091
[ -f "$BDIR/params.sh" ] && . "$BDIR/params.sh"

progress() { info bench-progress "$*"; }

# first_kvm_run FILE: the ms lkvm logged from its start to the first
# KVM_RUN (--loglevel info), or nothing.
first_kvm_run() {
	sed -n 's/.*lkvm: first KVM_RUN \([0-9.]*\) ms after lkvm started.*/\1/p' "$1" | head -n 1
}

info bench "name=env mode=$TESTHOST_MODE kernel=$(uname -r) host_cpus=$(grep -c ^processor /proc/cpuinfo) lkvm=$("$LKVM" version 2>&1 | head -n 1 | tr ' ' '_') disk_cpus=$MICRO_CPUS disk_mib=$DISK_MIB disk_secs=$DISK_SECS net_cpus=$NET_CPUS net_mib=$NET_MIB net_secs=$NET_SECS net_rounds=$NET_ROUNDS"

# ---- 7. network: netbench over virtio-net, and over loopback ---------------
# Runs last (net_section at the end); defined here so ONLY=net can run it
# alone. netbench (bench/net/netbench.c) runs in the guest as the client
# against a netbench server in this host, once per -n mode, and with both
# ends here on 127.0.0.1: the limit. Its "send" is guest to host, "recv"
# host to guest. A mode lkvm refuses is reported as not run, with lkvm's
# message.
NB=${TESTHOST_ROOT:-}/bench/netbench
NBARGS="all $NET_MIB $NET_SECS $NET_ROUNDS"
TAP_HOST=192.168.33.1
TAP_GUEST=192.168.33.2

# net_lines ROW FILE: the client's results; a FAIL if it did not finish.
net_lines() {
	tr -d '\r' <"$2" >"$2.txt"
	sed -n "s/^NETBENCH test=\([a-z0-9]*\) \(.*\)/INFO bench name=net row=$1 test=\1 \2/p" "$2.txt"
	grep -q '^NETBENCH-DONE' "$2.txt" && return 0
	_e=$(sed -n 's/^NETBENCH-ERROR //p' "$2.txt" | head -n 1)
	fail "bench/net-$1" "${_e:-netbench did not finish}"
	show_tail "$2.txt"
	return 1
}

# net_server OUT ADDR: a netbench server here (NB_PID) for up to four
# connections; waits until it listens.
net_server() {
	"$NB" server "$2" "$NET_PORT" 4 "$NET_TIMEOUT" >"$1" 2>&1 &
	NB_PID=$!
	_i=0
	while ! grep -q '^NETBENCH-LISTENING' "$1" && [ $_i -lt 100 ] &&
		kill -0 "$NB_PID" 2>/dev/null; do
		nap
		_i=$((_i + 1))
	done
}

# lkvm for the user row: passt's pivot_root needs a / that is not the
# initramfs root of the test host (as tests/testhost/scenarios/virtio-net.sh
# does it, with /bench bound in too).
net_wrappers() {
	passt_ns_lkvm "$W/lkvm-ns" "$LKVM" \
		bin sbin usr lib guest testhost bench tmp dev proc sys etc root
	# lkvm for the tap rows: in a network namespace of its own, with the
	# netbench server in it (its pid in nbs-netns.pid), so the tap and its
	# address go away with lkvm.
	cat >"$W/lkvm-netns" <<EOW
#!/bin/sh
exec unshare -n sh -c '
ip link set lo up
"$NB" server 0.0.0.0 $NET_PORT 4 $NET_TIMEOUT >"$W/nbs-netns.out" 2>&1 &
echo \$! >"$W/nbs-netns.pid"
exec "\$0" "\$@"
' "$LKVM" "\$@"
EOW
	chmod 755 "$W/lkvm-netns"
}

# net_guest ROW WRAPPER SPEC SETUP ADDR: netbench in a guest with -n SPEC
# against ADDR, after the guest command SETUP.
net_guest() {
	_row=$1 _spec=$3 _out=$W/net-$1.out _err=$W/net-$1.err
	_cmd="mkdir -p /mnt; mount -o ro /dev/vda /mnt && $4 && /mnt/netbench client $5 $NET_PORT $NBARGS"
	progress "net: -n $_spec, netbench in the guest against this host"
	_lk=$LKVM
	[ -n "$2" ] && LKVM=$2
	# shellcheck disable=SC2046 # guest_args is a word list
	run_lkvm_split "$_out" "$_err" "$NET_TIMEOUT" run -c "$NET_CPUS" \
		-m "$NET_MEM" $(guest_args) -d "$TOOLS,ro" -n "$_spec" \
		--loglevel info -p "loglevel=1 lkvm_cmd=\"$_cmd\""
	_rc=$?
	LKVM=$_lk
	if [ "$_rc" != 0 ] && [ "$_rc" != 124 ] &&
		! grep -q LKVM-GUEST-INIT "$_out"; then
		_m=$(sed '/^[[:space:]]*$/d' "$_err" | tail -n 1)
		info bench-net-notrun "row=$_row ${_m:-lkvm exited $_rc}"
		return 0
	fi
	# Which data path lkvm took (vhost=1 falls back to its own).
	_p=$(sed -n 's/^lkvm: network 0: mode=tap .*, data path \([a-z-]*\).*/\1/p' "$_err" | head -n 1)
	[ -n "$_p" ] && info bench "name=net-path row=$_row path=$_p"
	net_lines "$_row" "$_out" || show_tail "$_err" 5
}

# net_loopback ROW: both ends here on 127.0.0.1.
net_loopback() {
	progress "net: netbench on this host's loopback (the limit)"
	ip link set lo up 2>/dev/null
	net_server "$W/nbs-$1.out" 127.0.0.1
	# Eight times the bytes, so the stream lasts about as long as the
	# guests' (the time limit is the same).
	timeout "$NET_TIMEOUT" "$NB" client 127.0.0.1 "$NET_PORT" all \
		$((NET_MIB * 8)) "$NET_SECS" "$NET_ROUNDS" >"$W/net-$1.out" 2>&1
	kill "$NB_PID" 2>/dev/null
	wait "$NB_PID" 2>/dev/null
	net_lines "$1" "$W/net-$1.out"
}

net_section() {
	if [ ! -x "$NB" ] || [ ! -f "$TOOLS" ]; then
		fail bench/net "no $NB or $TOOLS"
		return
	fi
	# The loopback before and after the guests: on a machine shared with
	# other work the two can differ a lot; the report takes the better.
	net_loopback loopback

	net_wrappers
	ns=
	[ "$TESTHOST_MODE" = testhost ] && ns=$W/lkvm-ns
	net_server "$W/nbs-user.out" 127.0.0.1
	net_guest user "$ns" mode=user \
		"timeout 60 udhcpc -i eth0 -n -q -t 10 -T 3 >/dev/null" 10.0.2.2
	kill "$NB_PID" 2>/dev/null
	wait "$NB_PID" 2>/dev/null

	for row in tap tap+vhost; do
		spec=mode=tap,tapif=nbtap0,host_ip=$TAP_HOST/24
		[ $row = tap+vhost ] && spec=$spec,vhost=1
		rm -f "$W/nbs-netns.pid"
		net_guest "$row" "$W/lkvm-netns" "$spec" \
			"ip addr add $TAP_GUEST/24 dev eth0 && ip link set eth0 up" \
			"$TAP_HOST"
		[ -s "$W/nbs-netns.pid" ] && kill "$(cat "$W/nbs-netns.pid")" 2>/dev/null
	done
	net_loopback loopback-after
}
TOOLS=$BDIR/tools.img
if [ "$ONLY" = net ]; then
	net_section
	progress "done"
	exit 0
fi

# ---- 1 + 2. round trips and CPU power, inside the benchmark guest ---------
# micro PSCI-MODE [off]: with "off", lkvm runs with --sandbox off and every
# line gets sandbox=off after psci= (the default run's lines are as before).
micro() {
	_m=$1
	_id=$1 _tags="psci=$1" _sb=
	if [ "${2:-}" = off ]; then
		_id=$1-sandbox-off _tags="psci=$1 sandbox=off" _sb="--sandbox off"
	fi
	_out=$W/micro-$_id.out
	_err=$W/micro-$_id.err
	progress "benchmark guest with --psci $_m ${_sb:+$_sb }(${MICRO_CPUS} vCPUs)"
	# shellcheck disable=SC2086 # _sb is two words or none
	run_lkvm_split "$_out" "$_err" "$MICRO_TIMEOUT" run -c "$MICRO_CPUS" \
		-m "$MICRO_MEM" -k "$IMG" --psci "$_m" $_sb --loglevel info
	_rc=$?
	tr -d '\r' <"$_out" >"$_out.txt"
	sed -n "s/^BENCH-INFO /INFO bench $_tags name=guest /p" "$_out.txt"
	sed -n "s/^BENCH \(name=.*\)/INFO bench $_tags \1/p" "$_out.txt"
	sed -n "s/^BENCH-WARN \(.*\)/INFO bench-warning $_tags \1/p" "$_out.txt"
	_s=$(first_kvm_run "$_err")
	[ -n "$_s" ] && info bench "$_tags name=startup cpus=$MICRO_CPUS guest=bench ms=$_s"
	_e=$(sed -n 's/^BENCH-ERROR //p' "$_out.txt" | head -n 1)
	if [ "$_rc" = 124 ]; then
		fail "bench/guest-$_id" "the benchmark guest did not finish within ${MICRO_TIMEOUT}s${_e:+: $_e}"
		show_tail "$_out.txt"
	elif [ -n "$_e" ]; then
		fail "bench/guest-$_id" "$_e"
		show_tail "$_out.txt"
	elif ! grep -q '^BENCH-DONE' "$_out.txt" || [ "$_rc" != 0 ]; then
		fail "bench/guest-$_id" "lkvm exited $_rc without BENCH-DONE"
		show_tail "$_out.txt"
		show_tail "$_err" 5
	fi
}

# The seccomp sandbox's cost: the user-PSCI run again without it.
# ONLY=sandbox in params.sh runs these two alone.
micro user
micro user off
if [ "$ONLY" = sandbox ]; then
	progress "done"
	exit 0
fi
micro kernel

# ---- 3. lkvm startup: start to the first KVM_RUN, with the null guest ------
# (an 84-byte Image that calls SYSTEM_OFF at once: no kernel to load)
progress "startup: null guest, $STARTUP_RUNS runs per vCPU count and PSCI mode"
for r in $(seq 1 "$STARTUP_RUNS"); do
	for n in $BOOT_CPUS; do
		for m in user kernel; do
			out=$W/null-$m-$n-$r
			run_lkvm_split "$out.out" "$out.err" 120 run -c "$n" -m "$BOOT_MEM" \
				-k "$NULL_IMG" --psci "$m" --loglevel info
			rc=$?
			s=$(first_kvm_run "$out.err")
			if [ -n "$s" ] && [ "$rc" = 0 ]; then
				info bench "psci=$m name=startup guest=null cpus=$n run=$r ms=$s"
			else
				fail "bench/startup-$m-${n}cpu-$r" "lkvm exited $rc${s:+ (first KVM_RUN after $s ms)}"
				show_tail "$out.err" 5
			fi
		done
	done
done

# ---- 4. boot to /init (and startup with a real kernel and initramfs) -------
# The runs of both PSCI modes alternate, so drifts hit both alike.
for r in $(seq 1 "$BOOT_RUNS"); do
	for n in $BOOT_CPUS; do
		for m in user kernel; do
			progress "boot run $r/$BOOT_RUNS: $n vCPU(s), --psci $m"
			out=$W/boot-$m-$n-$r.out
			# shellcheck disable=SC2046 # guest_args is a word list
			boot_lkvm "$out" "$BOOT_TIMEOUT" run -c "$n" -m "$BOOT_MEM" \
				$(guest_args) --psci "$m" --loglevel info \
				-p 'lkvm_cmd="true"'
			rc=$?
			s=$(first_kvm_run "$out")
			[ -n "$s" ] && info bench "psci=$m name=startup guest=linux cpus=$n run=$r ms=$s"
			if [ -n "$BOOT_MS" ]; then
				info bench "psci=$m name=boot cpus=$n run=$r ms=$BOOT_MS rc=$rc poll_ms=$POLL_MS"
			else
				fail "bench/boot-$m-${n}cpu-$r" "no LKVM-GUEST-INIT (lkvm status $rc)"
				show_tail "$out"
			fi
		done
	done
done

# ---- 5. footprint: an idle booted guest -------------------------------------
progress "footprint: idle guest, $FP_CPUS vCPUs, -m $FP_MEM"
out=$W/footprint.out
# shellcheck disable=SC2046 # guest_args is a word list
if start_lkvm "$out" READY "$BOOT_TIMEOUT" run -c "$FP_CPUS" -m "$FP_MEM" \
	$(guest_args) --loglevel info -p 'lkvm_cmd="echo READY; sleep 30"'; then
	sleep "$FP_SETTLE"
	cat "/proc/$LKVM_PID/smaps" >"$W/smaps" 2>/dev/null
	cat "/proc/$LKVM_PID/status" >"$W/status" 2>/dev/null
fi
stop_lkvm "$LKVM_PID"
s=$(first_kvm_run "$out")
[ -n "$s" ] && info bench "psci=user name=startup cpus=$FP_CPUS guest=footprint ms=$s"
if [ ! -s "$W/smaps" ]; then
	fail bench/footprint "could not read /proc/<lkvm>/smaps of an idle guest"
	show_tail "$out"
else
	# Rss of every mapping but the guest RAM: the anonymous mapping whose
	# size is -m. Also split by kind of mapping.
	line=$(awk -v ram_kb=$((FP_MEM * 1024)) '
		/^[0-9a-f]+-[0-9a-f]+ / {
			name = ""
			for (i = 6; i <= NF; i++)
				name = name (i > 6 ? " " : "") $i
			if (name == "")
				name = "[anon]"
			nmaps++
			next
		}
		$1 == "Size:" { size = $2; next }
		$1 == "Rss:" {
			if (!ram_found && name == "[anon]" && size == ram_kb) {
				ram_found = 1
				ram_rss = $2
				next
			}
			total += $2
			if (name ~ /\/lkvm( \(deleted\))?$/)
				c = "binary"
			else if (name == "[heap]")
				c = "heap"
			else if (name == "[stack]")
				c = "main_stack"
			else if (name == "[anon]")
				c = "anon"
			else if (name ~ /^anon_inode:kvm-vcpu/)
				c = "kvm_run"
			else if (name == "[vdso]" || name == "[vvar]" || name == "[vsyscall]")
				c = "vdso"
			else
				c = "other"
			kb[c] += $2
			next
		}
		END {
			printf "name=footprint cpus=%s mem_mib=%s overhead_kb=%d guest_ram_rss_kb=%d ram_mapping_found=%d mappings=%d", \
				cpus, mem, total, ram_rss, ram_found, nmaps
			n = split("binary heap main_stack anon kvm_run vdso other", order, " ")
			for (i = 1; i <= n; i++)
				printf " %s_kb=%d", order[i], kb[order[i]]
			printf "\n"
		}' cpus="$FP_CPUS" mem="$FP_MEM" "$W/smaps")
	st=$(awk '$1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 } $1 == "Threads:" { t = $2 }
		END { printf "vmrss_kb=%d vmhwm_kb=%d threads=%d", r, h, t }' "$W/status")
	info bench "$line $st"
	case $line in
	*ram_mapping_found=0*) fail bench/footprint "no anonymous mapping of $FP_MEM MiB in lkvm's smaps: the guest RAM was not told apart" ;;
	esac
fi
# ---- 6. disk: virtio-blk against the image file in the test host ----------
# diskbench (bench/disk/diskbench.c) runs in the guest on /dev/vdb, a raw
# image in this host's tmpfs, and here on the same file: the limit. Then
# two more guest runs of the random reads alone, for lkvm's count of MMIO
# exits per request (its --loglevel info summary at exit).
disk_lines() { # WHERE FILE
	sed -n "s/^DISKBENCH test=\([a-z0-9]*\) \(.*\)/INFO bench name=disk where=$1 test=\1 \2/p" "$2" | tr -d '\r'
	_e=$(sed -n 's/^DISKBENCH-ERROR //p' "$2" | head -n 1)
	[ -n "$_e" ] && fail "bench/disk-$1" "$_e"
	grep -q '^DISKBENCH-DONE' "$2" || fail "bench/disk-$1" "diskbench did not finish"
}
TOOLS=$BDIR/tools.img
dimg=$W/disk-bench.img
if [ ! -f "$TOOLS" ]; then
	fail bench/disk "no $TOOLS"
elif ! dd if=/dev/zero of="$dimg" bs=1M count="$DISK_MIB" 2>/dev/null; then
	fail bench/disk "cannot make a $DISK_MIB MiB image in $W"
else
	DB="mkdir -p /mnt; mount -o ro /dev/vda /mnt && /mnt/diskbench /dev/vdb"
	progress "disk: diskbench in the guest ($DISK_MIB MiB, ${DISK_SECS}s per test)"
	run_lkvm "$W/disk-guest.out" "$MICRO_TIMEOUT" run -c "$MICRO_CPUS" -m "$DISK_MEM" \
		$(guest_args) -d "$TOOLS,ro" -d "$dimg" --loglevel info \
		-p "lkvm_cmd=\"$DB all $DISK_MIB $DISK_SECS\""
	disk_lines guest "$W/disk-guest.out"
	for q in 1 32; do
		progress "disk: random reads at queue depth $q alone (exit count)"
		out=$W/disk-exits-$q.out
		run_lkvm "$out" "$MICRO_TIMEOUT" run -c "$MICRO_CPUS" -m "$DISK_MEM" \
			$(guest_args) -d "$TOOLS,ro" -d "$dimg" --loglevel info \
			-p "lkvm_cmd=\"$DB rand$q $DISK_MIB $DISK_SECS\""
		sum=$(sed -n 's/.*lkvm: virtio-blk vdb (slot 1): \([0-9]*\) requests; MMIO exits to lkvm: QueueNotify \([0-9]*\), InterruptStatus \([0-9]*\), InterruptACK \([0-9]*\), config \([0-9]*\), other \([0-9]*\).*/requests=\1 notify=\2 int_status=\3 int_ack=\4 config=\5 other=\6/p' "$out" | head -n 1)
		if [ -n "$sum" ]; then
			info bench "name=disk-exits qd=$q $sum"
		else
			fail "bench/disk-exits-qd$q" "no virtio-blk summary from lkvm"
			show_tail "$out"
		fi
	done
	progress "disk: diskbench in this host on the image file"
	"${TESTHOST_ROOT:-}/bench/diskbench" "$dimg" all "$DISK_MIB" "$DISK_SECS" >"$W/disk-host.out" 2>&1
	disk_lines host "$W/disk-host.out"
fi
rm -f "$dimg"
net_section
progress "done"
