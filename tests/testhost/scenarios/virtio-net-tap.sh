#!/bin/sh
# virtio-net with -n mode=tap, in a network namespace of the test host's
# own (lo and the taps only): the guest takes 192.168.33.2/24, the test
# host is 192.168.33.1 on the tap (host_ip=, or ip addr on a persistent
# tap). Checked: guest and host ping each other; NET_MB (default 64) MiB go
# host to guest (busybox httpd, wget) and back (nc) intact, through lkvm's
# data path and with vhost=1 through vhost-net (the info line must say so:
# a silent fallback fails); with vhost_net unloaded (no /dev/vhost-net),
# vhost=1 warns once and the guest still works; a persistent tap owned by
# nobody is used by lkvm run as nobody; a guest that takes eth0 down while
# udpflood floods it leaves lkvm answering lkvm stop with its own memory as
# it was; the guest negotiated checksum and TSO offloads (its virtio
# device's features); bad values (tapif=lo, a tap nobody may not make or
# use, a tap in use, a too-long name, a bad host_ip, host_ip= on a tap of
# one's own without CAP_NET_ADMIN) get one line and exit 1 before the
# guest starts.
#
# The test host loads tun and vhost_net at boot (tests/testhost/lib.sh,
# TH_TESTHOST_MODULES); this scenario unloads vhost_net for the fallback
# check and loads it again.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

# A network namespace of our own: the taps and addresses made here go
# with it, and no other scenario sees them.
if [ -z "${TAP_NETNS:-}" ]; then
	if unshare -n true 2>/dev/null; then
		TAP_NETNS=1 exec unshare -n sh "$0" "$@"
	fi
	fail virtio-net-tap/setup "cannot make a network namespace (unshare -n)"
	exit 0
fi
ip link set lo up

W=${WORKDIR:-$(mktemp -d)}
T=${NET_TIMEOUT:-400}
MB=${NET_MB:-64}
PORT=8080
SINK=9000
HOST=192.168.33.1
GUEST=192.168.33.2
GA="-c 2 -m 512 $(guest_args) --loglevel info"
QUIET=loglevel=1
MKTAP=${TESTHOST_ROOT:-}/tools/mktap
FLOOD=${TESTHOST_ROOT:-}/tools/udpflood
# The guest's side: its address, its link up, the features it negotiated
# with the device (a string of 0s and 1s, bit 0 first), a ping of the host.
GUP="ip addr add $GUEST/24 dev eth0 && ip link set eth0 up || exit 7; echo GUEST-FEATURES \$(cat /sys/class/net/eth0/device/features); ping -c 2 -W 10 $HOST >/dev/null || exit 6; echo GUEST-PING-OK"

if [ ! -c /dev/net/tun ]; then
	fail virtio-net-tap/setup "no /dev/net/tun (the tun module: tests/testhost/lib.sh)"
	exit 0
fi

# netline FILE: lkvm's info line about network 0.
netline() { grep '^lkvm: network 0: mode=' "$1" | head -n 1; }
# datapath NAME FILE TAP WANT: the info line names TAP and says the data
# path is WANT (lkvm or vhost-net).
datapath() {
	_l=$(netline "$2")
	case $_l in
	"lkvm: network 0: mode=tap ($3), guest MAC "??:??:??:??:??:??", data path $4")
		pass "$1"
		;;
	*) fail "$1" "info line '$_l', want mode=tap ($3) ... data path $4" ;;
	esac
}
# offloads NAME: the guest's virtio-net negotiated VIRTIO_NET_F_CSUM (bit
# 0), GUEST_CSUM (1), GUEST_TSO4 (7) and HOST_TSO4 (11).
offloads() {
	_f=$(out_val GUEST-FEATURES)
	_want="CSUM:0 GUEST_CSUM:1 GUEST_TSO4:7 HOST_TSO4:11"
	_miss=
	for _b in $_want; do
		[ "$(printf '%s' "$_f" | cut -c$((${_b#*:} + 1)))" = 1 ] ||
			_miss="$_miss ${_b%:*}"
	done
	if [ -n "$_f" ] && [ -z "$_miss" ]; then
		pass "$1"
	else
		fail "$1" "features '$_f' lack:$_miss"
	fi
}
# ping_guest NAME: the test host pings the guest.
ping_guest() {
	if ping -c 3 -W 10 "$GUEST" >"$W/ping.txt" 2>&1; then
		pass "$1"
	else
		fail "$1" "$(tail -n 2 "$W/ping.txt" | tr '\n' ' ')"
	fi
}

# ---- bad values: one line, exit 1, no guest (section 6, and in 5) ------------
# bad NAME WANT ARGS...: lkvm exits 1 with one stderr line containing WANT.
# bad_nobody: the same as uid 65534 (lkvm_nobody, section 4).
check_bad() {
	_b=$1 _rc=$2 _w=$3
	_lines=$(wc -l <"$W/$_b.err")
	if [ "$_rc" = 1 ] && [ "$_lines" = 1 ] && grep -q "$_w" "$W/$_b.err" &&
		! grep -q LKVM-GUEST-INIT "$W/$_b.out"; then
		pass "virtio-net-tap/bad-$_b"
	else
		fail "virtio-net-tap/bad-$_b" "exit $_rc, stderr: $(tr '\n' '|' <"$W/$_b.err")"
	fi
}
bad() {
	_b=$1 _w=$2
	shift 2
	# shellcheck disable=SC2046 # guest_args is a word list
	run_lkvm_split "$W/$_b.out" "$W/$_b.err" 120 run -c 2 -m 512 $(guest_args) "$@"
	check_bad "$_b" $? "$_w"
}
bad_nobody() {
	_b=$1 _w=$2
	shift 2
	# shellcheck disable=SC2046 # guest_args is a word list
	lkvm_nobody "$W/$_b.out" "$W/$_b.err" run -c 2 -m 512 $(guest_args) "$@"
	check_bad "$_b" $? "$_w"
}

# ---- the test host's services --------------------------------------------------
mkdir -p "$W/www"
dd if=/dev/urandom of="$W/www/big.bin" bs=1M count="$MB" 2>/dev/null
big_md5=$(md5sum <"$W/www/big.bin" | cut -d' ' -f1)
httpd -f -p "$PORT" -h "$W/www" &
HTTPD=$!

# ---- 1./2. ping both ways, MB MiB each way; lkvm's data path, then vhost ------
# bulk NAME TAP NETWORK DATAPATH: the guest pings the host and says so; the test
# host pings it back; the guest fetches big.bin, checks it and sends it to
# the listener on the test host.
bulk() {
	bk_n=$1 bk_tap=$2 bk_net=$3 bk_path=$4
	sink_start "$SINK" "$W/sink.bin"
	t0=$(uptime_ms)
	# shellcheck disable=SC2086 # GA is a word list
	start_lkvm "$W/$bk_n.out" GUEST-PING-OK "$T" run $GA -n "$bk_net" -p "$QUIET lkvm_cmd=\"$GUP; sleep 5; wget -q -O /tmp/big http://$HOST:$PORT/big.bin || exit 8; md5sum </tmp/big | sed 's/^/GUEST-MD5 /'; nc $HOST $SINK </tmp/big; echo GUEST-NC-RC=\$?\""
	started=$?
	ping_guest "virtio-net-tap/$bk_n-host-pings-guest"
	wait_while_running "$LKVM_PID" "$T" false
	if running "$LKVM_PID"; then
		stop_lkvm "$LKVM_PID"
		RC=124
	else
		wait "$LKVM_PID"
		RC=$?
	fi
	t1=$(uptime_ms)
	sink_stop
	tr -d '\r' <"$W/$bk_n.out" >"$W/$bk_n.txt"
	OUT=$W/$bk_n.txt
	if [ "$started" = 0 ]; then
		pass "virtio-net-tap/$bk_n-guest-pings-host"
	else
		fail "virtio-net-tap/$bk_n-guest-pings-host" "$(grep LKVM-GUEST-CMD-EXIT "$OUT")"
	fi
	datapath "virtio-net-tap/$bk_n-info" "$OUT" "$bk_tap" "$bk_path"
	# lkvm's own frame counters: none with vhost-net, some without.
	sum=$(grep 'virtio-net rx' "$OUT")
	case $bk_path:$sum in
	"vhost-net:lkvm: virtio-net rx 0 tx 0 "* | lkvm:*" rx "[1-9]*" tx "[1-9]*)
		pass "virtio-net-tap/$bk_n-counters"
		;;
	*) fail "virtio-net-tap/$bk_n-counters" "data path $bk_path, but '$sum'" ;;
	esac
	offloads "virtio-net-tap/$bk_n-offloads"
	info "virtio-net-tap-$bk_n-features" "$(out_val GUEST-FEATURES)"
	# The guest's last line before its poweroff (LKVM-GUEST-CMD-EXIT) was
	# once missing from the console (the kernel's "reboot: Power down"
	# right after it came through: the guest's tty had not sent it yet);
	# GUEST-NC-RC shows the command got to its end.
	if [ "$RC" != 0 ] || ! grep -q '^GUEST-NC-RC=' "$OUT"; then
		fail "virtio-net-tap/$bk_n" "lkvm exited $RC, guest command: $(grep LKVM-GUEST-CMD-EXIT "$OUT" | tail -n 1)"
		show_tail "$OUT" 30
		return
	fi
	got=$(out_val GUEST-MD5 | cut -d' ' -f1)
	if [ "$got" = "$big_md5" ]; then
		pass "virtio-net-tap/$bk_n-host-to-guest"
	else
		fail "virtio-net-tap/$bk_n-host-to-guest" "md5 in the guest '$got', want $big_md5"
	fi
	got=$(md5sum <"$W/sink.bin" | cut -d' ' -f1)
	if [ "$got" = "$big_md5" ]; then
		pass "virtio-net-tap/$bk_n-guest-to-host"
	else
		fail "virtio-net-tap/$bk_n-guest-to-host" "the host got $(wc -c <"$W/sink.bin") bytes, md5 $got, want $big_md5; $(grep '^GUEST-NC-RC' "$OUT")"
	fi
	info "virtio-net-tap-$bk_n" "$MB MiB down, then up, in $(((t1 - t0) / 1000)) s with the boot; $(grep 'virtio-net rx' "$OUT")"
}
# No tapif=: the kernel names the tap (lkvmtap0, the first in this
# namespace).
bulk bulk lkvmtap0 "mode=tap,host_ip=$HOST/24" lkvm
bulk vhost vtap0 "mode=tap,tapif=vtap0,vhost=1,host_ip=$HOST/24" vhost-net

# ---- 3. vhost=1 without /dev/vhost-net: one warning, lkvm's data path ----------
mods=/lib/modules/$(uname -r)
if [ "$TESTHOST_MODE" != testhost ]; then
	skip virtio-net-tap/vhost-fallback "unloads vhost_net: only in the test host"
elif ! rmmod vhost_net || [ -e /dev/vhost-net ]; then
	fail virtio-net-tap/vhost-fallback "cannot unload vhost_net"
else
	guest_cmd fallback "$GUP" -n "mode=tap,tapif=ftap0,vhost=1,host_ip=$HOST/24"
	guest_cmd_ok virtio-net-tap/vhost-fallback-guest
	n=$(grep -c 'vhost=1: /dev/vhost-net: .*; the data path stays in lkvm' "$OUT")
	if [ "$n" = 1 ]; then
		pass virtio-net-tap/vhost-fallback-warns-once
	else
		fail virtio-net-tap/vhost-fallback-warns-once "$n warnings: $(grep -i vhost "$OUT" | tr '\n' '|')"
	fi
	datapath virtio-net-tap/vhost-fallback-info "$OUT" ftap0 lkvm
	insmod "$mods/$(grep '/vhost_net\.ko$' "$mods/load-order")" ||
		fail virtio-net-tap/vhost-reload "insmod vhost_net failed"
fi

# ---- 4. a persistent tap owned by nobody, used by lkvm run as nobody --------
NH=$W/nobody-home
mkdir -p "$NH"
chown 65534:65534 "$NH"
kvm_mode=
if ! as_nobody sh -c 'exec 3<>/dev/kvm' 2>/dev/null; then
	kvm_mode=$(stat -c %a /dev/kvm)
	chmod 666 /dev/kvm
fi
# lkvm_nobody OUT ERR ARGS...: lkvm run as uid 65534, its own HOME.
lkvm_nobody() {
	_ln_o=$1 _ln_e=$2
	shift 2
	_run_timeout "$_ln_o" "$_ln_e" "$T" su -s /bin/sh nobody -c \
		"export HOME=$NH; exec $(sq_args "$LKVM" "$@")"
}
if [ ! -x "$MKTAP" ]; then
	fail virtio-net-tap/nobody "no $MKTAP (make lkvm-arm64, --file)"
elif ! "$MKTAP" ptap0 65534 || ! ip addr add "$HOST/24" dev ptap0 ||
	! ip link set ptap0 up; then
	fail virtio-net-tap/nobody "cannot make the persistent tap ptap0"
else
	# shellcheck disable=SC2086 # GA is a word list
	lkvm_nobody "$W/nobody.out" "$W/nobody.err" run $GA \
		-n mode=tap,tapif=ptap0 -p "$QUIET lkvm_cmd=\"$GUP\""
	RC=$?
	cat "$W/nobody.err" >>"$W/nobody.out"
	tr -d '\r' <"$W/nobody.out" >"$W/nobody.txt"
	OUT=$W/nobody.txt
	guest_cmd_ok virtio-net-tap/nobody-persistent-tap &&
		pass virtio-net-tap/nobody-persistent-tap
	datapath virtio-net-tap/nobody-info "$OUT" ptap0 lkvm
	# Its own tap, but no right to give it an address.
	bad_nobody nobody-host-ip "cannot set host_ip on ptap0" \
		-n "mode=tap,tapif=ptap0,host_ip=$HOST/24"
	"$MKTAP" -d ptap0 || fail virtio-net-tap/nobody-cleanup "mktap -d ptap0"
fi

# ---- 5. a guest that stops reading while the host floods it ------------------
# The guest pings the host (so it is reachable), then takes eth0 down: its
# receive buffers fill and are never given back. The tap has ARP off, so
# the test host sends to the guest's address without asking for it.
if [ ! -x "$FLOOD" ]; then
	fail virtio-net-tap/flood "no $FLOOD (make lkvm-arm64, --file)"
# shellcheck disable=SC2086 # GA is a word list
elif start_lkvm "$W/flood.out" GUEST-DOWN "$T" run $GA --name tapflood \
	-n "mode=tap,tapif=ltap0,host_ip=$HOST/24" \
	-p "$QUIET lkvm_cmd=\"$GUP; ip link set eth0 down; echo GUEST-DOWN; sleep 600\""; then
	ip link set ltap0 arp off
	# A second lkvm on the tap this one holds.
	bad in-use "tap ltap0 is in use by another program" \
		-n mode=tap,tapif=ltap0
	net_flood_check virtio-net-tap tapflood "$LKVM" "$GUEST" \
		"echo the tap\'s counters: \$(grep ltap0: /proc/net/dev | tr -s ' ')"
else
	fail virtio-net-tap/flood "the guest never took eth0 down"
	stop_lkvm "$LKVM_PID"
	show_tail "$W/flood.out" 20
fi

# ---- 6. bad values ----------------------------------------------------------------
bad not-a-tap "tapif=lo is not a tap interface" -n mode=tap,tapif=lo
bad long-name "tapif must be an interface name of 1 to 15 characters" \
	-n mode=tap,tapif=0123456789abcdef
bad host-ip "host_ip must be an IPv4 address" -n mode=tap,host_ip=300.1.1.1/24
bad host-prefix "host_ip must be an IPv4 address" -n mode=tap,host_ip=$HOST/33
bad_nobody create-as-nobody "creating a tap needs CAP_NET_ADMIN" \
	-n mode=tap,tapif=ntap0
if [ -x "$MKTAP" ] && "$MKTAP" rtap0 0; then
	bad_nobody others-tap "tap rtap0 belongs to another user" \
		-n mode=tap,tapif=rtap0
	"$MKTAP" -d rtap0
else
	fail virtio-net-tap/bad-others-tap "cannot make the persistent tap rtap0"
fi
[ -n "$kvm_mode" ] && chmod "$kvm_mode" /dev/kvm

kill "$HTTPD" 2>/dev/null
wait "$HTTPD" 2>/dev/null
exit 0
