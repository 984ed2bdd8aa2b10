#!/bin/sh
# The control socket: two VMs in `lkvm list`, a name used twice, stale
# sockets, the socket gone on every way out (stop, poweroff, SIGTERM, an
# error after it was made), another user refused, clients sending garbage
# or nothing, commands against VMs that do not exist or bad arguments,
# --psci-fail at start, and pause/debug with KVM's PSCI.
# The guests need not finish booting: the socket is up from the start.
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
CTLPOKE=${TESTHOST_ROOT-}/tools/ctlpoke
DIR=$HOME/.lkvm
# A guest that stays up until stopped.
STAY='lkvm_cmd="echo READY; sleep 100000"'

# start NAME ARGS...: a VM in the background (pid in the variable
# PID_NAME); waits until its socket answers.
start() {
	_s_name=$1
	shift
	# shellcheck disable=SC2046 # guest_args is a word list
	"$LKVM" run --name "$_s_name" -c 1 -m 256 $(guest_args) "$@" \
		>"$W/$_s_name.out" 2>&1 </dev/null &
	eval "PID_$(echo "$_s_name" | tr -c 'a-z0-9\n' _)=$!"
	wait_while_running $! 60 "$LKVM" stat "$_s_name" >/dev/null 2>&1
}

pid_of() { eval "echo \$PID_$(echo "$1" | tr -c 'a-z0-9\n' _)"; }

# one_line_error NAME WORDS CMD...: exit 1 and one "lkvm: ..." line.
one_line_error() {
	_o_name=$1 _o_words=$2
	shift 2
	"$@" >"$W/o.out" 2>"$W/o.err"
	_o_rc=$?
	if [ "$_o_rc" = 1 ] && [ "$(wc -l <"$W/o.err")" = 1 ] &&
		grep -q "^lkvm: .*$_o_words" "$W/o.err" && [ ! -s "$W/o.out" ]; then
		pass "$_o_name"
	else
		fail "$_o_name" "exit $_o_rc; stderr: $(tr '\n' '|' <"$W/o.err") stdout: $(head -c 100 "$W/o.out")"
	fi
}

if [ ! -x "$CTLPOKE" ]; then
	fail control/setup "no $CTLPOKE (tests/testhost/run --file build/arm64/ctlpoke:/tools/ctlpoke)"
	exit 0
fi

# ---- two VMs, a name twice --------------------------------------------------
start ctl-a --loglevel info -p "$STAY"
start ctl-b -p "$STAY"
"$LKVM" list >"$W/list.out" 2>&1
"$LKVM" list --json >"$W/list.json" 2>&1
if grep -q "^ctl-a  *$(pid_of ctl-a)  *running  *[0-9]  *1  *1" "$W/list.out" &&
	grep -q "^ctl-b  *$(pid_of ctl-b)  *running" "$W/list.out" &&
	[ "$(sed -n 2p "$W/list.out" | cut -d' ' -f1)" = ctl-a ]; then
	pass control/list-two
else
	fail control/list-two "$(tr '\n' '|' <"$W/list.out")"
fi
grep -q "^\[{\"name\":\"ctl-a\",\"pid\":$(pid_of ctl-a),\"state\":\"running\",\"online\":[01],\"enabled\":1,\"total\":1},{\"name\":\"ctl-b\"" "$W/list.json" &&
	pass control/list-json || fail control/list-json "$(cat "$W/list.json")"
grep -q '^lkvm: name ctl-a, control socket /.*/ctl-a.sock' "$W/ctl-a.out" &&
	pass control/name-at-info || fail control/name-at-info "no name line at --loglevel info"
# shellcheck disable=SC2046
run_lkvm_split "$W/twice.out" "$W/twice.err" 60 run --name ctl-a -c 1 $(guest_args)
rc=$?
if [ "$rc" = 1 ] && grep -q "^lkvm: a VM named 'ctl-a' is already running" "$W/twice.err" &&
	"$LKVM" stat ctl-a >/dev/null 2>&1; then
	pass control/name-twice-refused
else
	fail control/name-twice-refused "exit $rc: $(cat "$W/twice.err")"
fi
# A default name: guest-<pid>, printed at info.
# shellcheck disable=SC2046
"$LKVM" run -c 1 -m 256 --loglevel info $(guest_args) -p "$STAY" \
	>"$W/dflt.out" 2>&1 </dev/null &
dpid=$!
wait_while_running $dpid 60 "$LKVM" stat "guest-$dpid" >/dev/null 2>&1 &&
	grep -q "^lkvm: name guest-$dpid, control socket" "$W/dflt.out" &&
	pass control/default-name || fail control/default-name "no VM guest-$dpid"

# ---- faults armed from the command line; KVM's PSCI --------------------------
start ctl-f -p "$STAY" --psci-fail CPU_ON=DENIED,count=2 \
	--psci-fail affinity_info=-6 --psci-delay-on 100
"$LKVM" psci ctl-f >"$W/psci-f.out" 2>&1
"$LKVM" psci ctl-f --json >"$W/psci-f.json" 2>&1
"$LKVM" psci ctl-f --clear --fail CPU_OFF=DISABLED,count=3 &&
	"$LKVM" psci ctl-f >"$W/psci-f2.out" 2>&1
if grep -q '^fail CPU_ON *DENIED *the next 2 calls' "$W/psci-f.out" &&
	grep -q '^fail AFFINITY_INFO *INTERNAL_FAILURE *the next 1 call$' "$W/psci-f.out" &&
	grep -q '^delay-on 100 ms' "$W/psci-f.out" &&
	grep -q '"delay_on_ms":100}' "$W/psci-f.json" &&
	[ "$(cat "$W/psci-f2.out")" = "fail CPU_OFF          DISABLED           the next 3 calls
no CPU_ON delay" ]; then
	pass control/psci-fail-at-start
else
	fail control/psci-fail-at-start "$(cat "$W"/psci-f*.out | tr '\n' '|')"
fi
"$LKVM" stop ctl-f
wait "$(pid_of ctl-f)"
# With KVM's PSCI: pause and debug work (the secondary waits inside KVM),
# the policy and fault injection are refused.
start ctl-k -c 2 --psci kernel -p "$STAY"
"$LKVM" pause ctl-k
rc=$?
"$LKVM" debug ctl-k >"$W/debug-k.out" 2>&1
rcd=$?
"$LKVM" resume ctl-k
rc2=$?
one_line_error control/kernel-psci-no-policy "KVM's PSCI" "$LKVM" cpu ctl-k --disable 1
one_line_error control/kernel-psci-no-faults "KVM's PSCI" "$LKVM" psci ctl-k --fail CPU_ON=DENIED
if [ "$rc$rcd$rc2" = 000 ] && grep -q 'paused, PSCI in KVM' "$W/debug-k.out" &&
	[ "$(grep -c '^[01] .* EL1h' "$W/debug-k.out")" = 2 ]; then
	pass control/kernel-psci-pause-debug
else
	fail control/kernel-psci-pause-debug "pause $rc, debug $rcd, resume $rc2: $(tr '\n' '|' <"$W/debug-k.out")"
fi
"$LKVM" stop ctl-k
wait "$(pid_of ctl-k)"

# ---- clients that misbehave: the VM and the others go on ------------------
sock=$DIR/ctl-a.sock
"$CTLPOKE" "$sock" silent 40 >"$W/silent.out" 2>&1 &
spid=$!
"$CTLPOKE" "$sock" garbage >"$W/poke-garbage.out" 2>&1
"$CTLPOKE" "$sock" oversize >"$W/poke-oversize.out" 2>&1
"$CTLPOKE" "$sock" version 9 >"$W/poke-version.out" 2>&1
"$CTLPOKE" "$sock" unknown >"$W/poke-unknown.out" 2>&1
"$CTLPOKE" "$sock" truncated >"$W/poke-truncated.out" 2>&1
for i in 1 2 3 4 5; do
	"$CTLPOKE" "$sock" midreply >/dev/null 2>&1
done
grep -q 'status=-74 message=malformed\|status=-90 message=request longer' "$W/poke-garbage.out" &&
	grep -q closed "$W/poke-garbage.out" &&
	grep -q 'status=-90 message=request longer than 4096 bytes' "$W/poke-oversize.out" &&
	grep -q closed "$W/poke-oversize.out" &&
	grep -q 'status=-93 message=protocol version 9 is not supported' "$W/poke-version.out" &&
	grep -q 'status=-38 message=unknown command 999' "$W/poke-unknown.out" &&
	grep -q open "$W/poke-unknown.out" &&
	pass control/bad-clients-answered ||
	fail control/bad-clients-answered "$(cat "$W"/poke-*.out | tr '\n' '|')"
# The silent one is still connected; everyone else is served meanwhile.
ok=0
for i in 1 2 3 4 5; do
	"$LKVM" stat ctl-a >/dev/null 2>&1 && ok=$((ok + 1))
done
"$LKVM" cpu ctl-a >/dev/null 2>&1 && ok=$((ok + 1))
if [ "$ok" = 6 ] && running "$(pid_of ctl-a)" && running "$spid"; then
	pass control/bad-clients-vm-unaffected
else
	fail control/bad-clients-vm-unaffected "$ok of 6 commands answered while a client sat silent"
fi
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

# ---- another user ---------------------------------------------------------
# Behind the private directory the socket is out of reach...
as_nobody env -u XDG_RUNTIME_DIR HOME="$HOME" \
	"$LKVM" stat ctl-a >"$W/nobody1.out" 2>&1
rc1=$?
# ...and if it were opened up, SO_PEERCRED still refuses the client.
ls -ld "$DIR" >"$W/dirmode.out"
chmod 755 "$DIR"
chmod 666 "$sock"
as_nobody env -u XDG_RUNTIME_DIR HOME="$HOME" \
	"$LKVM" stat ctl-a >"$W/nobody2.out" 2>&1
rc2=$?
as_nobody "$CTLPOKE" "$sock" info >"$W/nobody3.out" 2>&1
chmod 700 "$DIR"
chmod 600 "$sock"
if [ "$rc1" = 1 ] && [ "$rc2" = 1 ] &&
	grep -q 'permission denied: uid 65534 does not own this VM' "$W/nobody2.out" &&
	grep -q 'status=-13 message=permission denied' "$W/nobody3.out" &&
	grep -q '^drwx------ ' "$W/dirmode.out"; then
	pass control/other-user-refused
else
	fail control/other-user-refused "private dir: exit $rc1 ($(cat "$W/nobody1.out")); opened: exit $rc2 ($(cat "$W/nobody2.out")); $(cat "$W/nobody3.out"); $(cat "$W/dirmode.out")"
fi
"$LKVM" stat ctl-a >/dev/null 2>&1 && pass control/owner-still-served ||
	fail control/owner-still-served "lkvm stat ctl-a failed after the refusals"

# ---- bad commands: one line, exit 1 ------------------------------------------
one_line_error control/no-such-vm "no VM named 'nosuch'" "$LKVM" stat nosuch
one_line_error control/no-such-vm-stop "no VM named 'nosuch'" "$LKVM" stop nosuch
one_line_error control/no-such-vm-cpu "no VM named 'nosuch'" "$LKVM" cpu nosuch --enable 1
one_line_error control/bad-name "invalid VM name" "$LKVM" debug 'a/b'
one_line_error control/no-name "which VM" "$LKVM" pause
one_line_error control/name-and-all "not both" "$LKVM" stop ctl-a --all
one_line_error control/unknown-option "unknown option '--frob'" "$LKVM" stat ctl-a --frob
one_line_error control/wrong-option "takes no --watch" "$LKVM" stat ctl-a --watch
one_line_error control/missing-value "needs a value" "$LKVM" cpu ctl-a --enable
one_line_error control/bad-fail "invalid --fail" "$LKVM" psci ctl-a --fail CPU_ON=BOGUS
one_line_error control/bad-delay "invalid --delay-on" "$LKVM" psci ctl-a --delay-on 1s
one_line_error control/two-actions "one at a time" "$LKVM" cpu ctl-a --enable 1 --watch
one_line_error control/list-extra "takes no name" "$LKVM" list ctl-a
for c in list stop pause resume debug stat cpu psci; do
	"$LKVM" $c --help >"$W/help.out" 2>&1 && grep -q "^usage: lkvm $c" "$W/help.out" ||
		fail "control/help-$c" "$(head -n 2 "$W/help.out")"
done
pass control/help

# ---- stale sockets ------------------------------------------------------------
kill -KILL "$(pid_of ctl-b)"
wait "$(pid_of ctl-b)" 2>/dev/null
if [ -S "$DIR/ctl-b.sock" ]; then
	"$LKVM" list >"$W/list2.out" 2>&1
	one_line_error control/stale-not-running "no VM named 'ctl-b' is running" "$LKVM" stat ctl-b
	start ctl-b -p "$STAY"
	if ! grep -q '^ctl-b ' "$W/list2.out" && "$LKVM" stat ctl-b >/dev/null 2>&1; then
		pass control/stale-replaced
	else
		fail control/stale-replaced "list after SIGKILL: $(tr '\n' '|' <"$W/list2.out")"
	fi
else
	fail control/stale-replaced "no socket left after SIGKILL? (test broken)"
fi

# ---- the socket goes on every way out ------------------------------------------
# stop: exit 0, socket gone.
"$LKVM" stop ctl-b
rc=$?
wait "$(pid_of ctl-b)"
rc2=$?
[ "$rc" = 0 ] && [ "$rc2" = 0 ] && [ ! -e "$DIR/ctl-b.sock" ] &&
	pass control/gone-after-stop ||
	fail control/gone-after-stop "stop $rc, lkvm $rc2, $(ls "$DIR")"
# SIGTERM.
kill -TERM "$dpid"
wait "$dpid"
rc=$?
[ "$rc" = 143 ] && [ ! -e "$DIR/guest-$dpid.sock" ] &&
	pass control/gone-after-sigterm ||
	fail control/gone-after-sigterm "exit $rc, $(ls "$DIR")"
# The guest powers off.
# shellcheck disable=SC2046
run_lkvm "$W/off.out" 300 run --name ctl-off -c 1 -m 256 $(guest_args) \
	-p 'lkvm_cmd="true"'
rc=$?
[ "$rc" = 0 ] && [ ! -e "$DIR/ctl-off.sock" ] &&
	pass control/gone-after-poweroff ||
	fail control/gone-after-poweroff "exit $rc, $(ls "$DIR")"
# An error after the socket was made (no /dev/kvm there).
# shellcheck disable=SC2046
run_lkvm_split "$W/err.out" "$W/err.err" 60 run --name ctl-err --dev /nonexistent $(guest_args)
rc=$?
[ "$rc" = 1 ] && grep -q '/nonexistent does not exist' "$W/err.err" &&
	[ ! -e "$DIR/ctl-err.sock" ] && pass control/gone-after-error ||
	fail control/gone-after-error "exit $rc, $(cat "$W/err.err"), $(ls "$DIR")"
# --all; a stop while paused.
start ctl-c -p "$STAY"
"$LKVM" pause --all
rc=$?
"$LKVM" list >"$W/list3.out" 2>&1
"$LKVM" resume --all
rc2=$?
"$LKVM" pause ctl-c
"$LKVM" stop --all
rc3=$?
wait "$(pid_of ctl-a)"
rca=$?
wait "$(pid_of ctl-c)"
rcc=$?
if [ "$rc$rc2$rc3$rca$rcc" = 00000 ] &&
	[ "$(grep -c ' paused ' "$W/list3.out")" = 2 ] &&
	[ -z "$(ls "$DIR")" ]; then
	pass control/all
else
	fail control/all "pause $rc resume $rc2 stop $rc3, VMs exited $rca $rcc, list: $(tr '\n' '|' <"$W/list3.out"), left: $(ls "$DIR")"
fi
"$LKVM" list >"$W/list4.out" 2>&1
[ "$(wc -l <"$W/list4.out")" = 1 ] && pass control/list-empty ||
	fail control/list-empty "$(cat "$W/list4.out")"
