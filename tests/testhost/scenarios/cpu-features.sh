#!/bin/sh
# The guest CPU's features, with --psci user and with --psci kernel, on a
# Linux guest with 2 vCPUs and featprobe (tests/testhost/featprobe.c)
# appended to its initramfs:
#   defaults: SVE (the longest vectors lkvm says it set up), address and
#     generic pointer authentication on every CPU, in /proc/cpuinfo and by
#     running the instructions there; the same on CPU 1 after it went
#     offline and online, and on every CPU after a reboot in place; stolen
#     time in use (dmesg) on both boots; no PMU;
#   --pmu --sve-max-vl 256: a PMU event source, a cycle counter that counts
#     and a sampling event whose overflow interrupts arrive, on every CPU,
#     again after the replug and the reboot; 256-bit vectors at most;
#   --disable-sve --disable-ptrauth --no-pvtime --vcpu-affinity 1
#   --override-bad-firmware-cntfrq 100000000: none of the three features,
#     no stolen time, the vCPU threads (and only they) allowed on host CPU
#     1 alone (/proc/PID/task/*/status), the guest's timer at 100 MHz.
# And --vcpu-affinity with a CPU lkvm cannot use fails clearly.
# MTE has its own test host (scenarios-mte/mte.sh).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
TIMEOUT=${CPU_FEATURES_TIMEOUT:-600}
INITRD=$W/initrd-featprobe.cpio.gz
STAGES="1:boot 1:replug 2:boot"

if ! featprobe_initrd "$INITRD"; then
	fail cpu-features/setup "no featprobe archive (run with --file build/arm64/featprobe.cpio.gz:/tools/featprobe.cpio.gz)"
	exit 0
fi

# run_features NAME reboot|once ARGS...: lkvm with the feature guest; the
# guest's lines in $W/NAME.lines, lkvm's stderr in $W/NAME.err, status RC.
run_features() {
	_n=$1 _r=$2
	shift 2
	run_lkvm_split "$W/$_n.out" "$W/$_n.err" "$TIMEOUT" run -c 2 -m 384 \
		--loglevel info -k "$GUEST_DIR/Image" -i "$INITRD" "$@" \
		-p "$(feature_guest_cmd "$_r")"
	RC=$?
	feature_lines "$W/$_n.out" >"$W/$_n.lines"
}

# every_cpu LINES WHAT TOKEN...: each stage of STAGES, each CPU, has a WHAT
# line with the tokens; else prints the first that does not.
every_cpu() {
	_el=$1 _ew=$2
	shift 2
	for _es in $STAGES; do
		for _ec in 0 1; do
			feature_has "$_el" "$_es" "$_ew cpu=$_ec" "$@" && continue
			echo "$_es cpu $_ec: $(grep "^$_es $_ew cpu=$_ec " "$_el" || echo no $_ew line)"
			return 1
		done
	done
}

# check NAME LINES STATUS: lkvm exit status 0 and all three stages seen.
check_run() {
	if [ "$3" = 124 ]; then
		fail "$1/run" "lkvm did not exit within ${TIMEOUT}s"
		return 1
	fi
	for _s in $STAGES; do
		if ! grep -q "^$_s " "$2"; then
			fail "$1/run" "no report from stage $_s (lkvm exited $3)"
			return 1
		fi
	done
	if ! feature_has "$2" 1:boot REPLUG=0; then
		fail "$1/run" "CPU 1 did not go offline and online again"
		return 1
	fi
	if [ "$3" != 0 ]; then
		fail "$1/run" "lkvm exited $3"
		return 1
	fi
	pass "$1/run"
}

defaults() { # MODE
	p=cpu-features-$1/defaults L=$W/def-$1.lines E=$W/def-$1.err
	run_features "def-$1" reboot --psci "$1"
	if ! check_run "$p" "$L" "$RC"; then
		show_tail "$W/def-$1.out"
		show_tail "$E"
		return
	fi
	vl=$(sed -n 's/.*guest CPU features: SVE (vectors up to \([0-9]*\) bits).*/\1/p' "$E")
	on=$(sed -n 's/.*guest CPU features: \([^;]*\).*/\1/p' "$E")
	case $on in
	*"pointer authentication"*"stolen time"*)
		if [ -n "$vl" ]; then pass "$p/info"; else fail "$p/info" "no SVE in: $on"; fi ;;
	*) fail "$p/info" "lkvm says: ${on:-nothing}" ;;
	esac
	info "$p-sve-max-vl" "${vl:-none}"
	if why=$(every_cpu "$L" FEAT "sve=${vl:-?}" paca=1 pacg=1); then
		pass "$p/sve-paca-pacg-every-cpu"
	else
		fail "$p/sve-paca-pacg-every-cpu" "$why"
	fi
	bad=
	for s in $STAGES; do
		feature_has "$L" "$s" CPUINFO cpus=2 sve=2 paca=2 pacg=2 ||
			bad="$bad $(grep "^$s CPUINFO" "$L" || echo "$s: none")"
	done
	if [ -z "$bad" ]; then pass "$p/cpuinfo"; else fail "$p/cpuinfo" "$bad"; fi
	if feature_has "$L" 1:boot STOLEN=1 && feature_has "$L" 2:boot STOLEN=1; then
		pass "$p/stolen-time"
	else
		fail "$p/stolen-time" "$(grep STOLEN "$L" | tr '\n' ' ')"
	fi
	if feature_has "$L" 1:boot PMUDEVS=0 &&
		feature_has "$L" 1:boot "PERF cpu=0" none; then
		pass "$p/no-pmu-by-default"
	else
		fail "$p/no-pmu-by-default" "$(grep -E 'PMUDEVS|PERF' "$L" | head -n 2 | tr '\n' ' ')"
	fi
}

pmu() { # MODE
	p=cpu-features-$1/pmu L=$W/pmu-$1.lines E=$W/pmu-$1.err
	run_features "pmu-$1" reboot --psci "$1" --pmu --sve-max-vl 256
	if ! check_run "$p" "$L" "$RC"; then
		show_tail "$W/pmu-$1.out"
		show_tail "$E"
		return
	fi
	bad=
	for s in $STAGES; do
		feature_has "$L" "$s" PMUDEVS=1 || bad="$bad $s:$(grep "^$s PMUDEVS" "$L")"
		for c in 0 1; do
			l=$(grep "^$s PERF cpu=$c " "$L")
			cyc=$(echo "$l" | sed -n 's/.* cycles=\([0-9]*\).*/\1/p')
			smp=$(echo "$l" | sed -n 's/.* samples=\([0-9]*\).*/\1/p')
			if [ "${cyc:-0}" -le 0 ] || [ "${smp:-0}" -le 0 ]; then
				bad="$bad $s:cpu$c:${l:-none}"
			fi
		done
	done
	if [ -z "$bad" ]; then pass "$p/perf-every-cpu"; else fail "$p/perf-every-cpu" "$bad"; fi
	info "$p-perf" "$(grep '^1:boot PERF cpu=0 ' "$L")"
	if grep -q 'guest CPU features: SVE (vectors up to 256 bits)[^;]*PMUv3' "$E" &&
		why=$(every_cpu "$L" FEAT sve=256 paca=1 pacg=1); then
		pass "$p/sve-max-vl-256"
	else
		fail "$p/sve-max-vl-256" "${why:-lkvm says: $(grep 'guest CPU' "$E")}"
	fi
}

thread_cpus() { # PID NAME-PATTERN: "comm=Cpus_allowed_list" per thread
	for t in /proc/"$1"/task/*; do
		# A thread that ended meanwhile has no comm or status left.
		c=$(cat "$t/comm" 2>/dev/null) || continue
		a=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status" 2>/dev/null)
		[ -n "$c" ] && [ -n "$a" ] || continue
		case $c in $2) ;; *) continue ;; esac
		printf '%s=%s ' "$c" "$a"
	done
}

disabled() { # MODE
	p=cpu-features-$1/disabled O=$W/off-$1.out L=$W/off-$1.lines
	host_cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
	# In the background: the vCPU threads' affinity is read while it runs,
	# once lkvm has said it pinned them (its own line: the guest has not
	# started yet, so no console output can share it).
	if ! start_lkvm "$O" "lkvm: vCPU threads pinned" "$TIMEOUT" run -c 2 -m 384 \
		--loglevel info -k "$GUEST_DIR/Image" -i "$INITRD" --psci "$1" \
		--disable-sve --disable-ptrauth --no-pvtime --vcpu-affinity 1 \
		--override-bad-firmware-cntfrq 100000000 \
		-p "$(feature_guest_cmd once)"; then
		fail "$p/run" "lkvm did not start the guest"
		stop_lkvm "$LKVM_PID" >/dev/null
		show_tail "$O"
		return
	fi
	vcpus=$(thread_cpus "$LKVM_PID" 'lkvm-vcpu-*')
	others=$(thread_cpus "$LKVM_PID" '*')
	wait_while_running "$LKVM_PID" "$TIMEOUT" false
	if running "$LKVM_PID"; then
		stop_lkvm "$LKVM_PID" >/dev/null
		RC=124
	else
		wait "$LKVM_PID"
		RC=$?
	fi
	feature_lines "$O" >"$L"
	if [ "$RC" != 0 ] || ! grep -q '^1:boot ' "$L"; then
		fail "$p/run" "lkvm exited $RC"
		show_tail "$O"
		return
	fi
	pass "$p/run"
	if [ "$vcpus" = "lkvm-vcpu-0=1 lkvm-vcpu-1=1 " ] &&
		[ "$(echo "$others" | tr ' ' '\n' | grep -v '^lkvm-vcpu-' | grep -v "=$host_cpus\$" | grep -c .)" = 0 ]; then
		pass "$p/vcpu-affinity"
	else
		fail "$p/vcpu-affinity" "threads: $others (host CPUs $host_cpus)"
	fi
	grep -q 'vCPU threads pinned to host CPUs 1$' "$O" ||
		fail "$p/vcpu-affinity-info" "$(grep pinned "$O" || echo no pinned line)"
	if grep -q 'off: SVE (--disable-sve), pointer authentication (--disable-ptrauth), .*stolen time (--no-pvtime)' "$O" &&
		feature_has "$L" 1:boot "FEAT cpu=0" sve=0 paca=0 pacg=0 &&
		feature_has "$L" 1:boot "FEAT cpu=1" sve=0 paca=0 pacg=0 &&
		feature_has "$L" 1:boot CPUINFO sve=0 paca=0 pacg=0; then
		pass "$p/no-sve-paca-pacg"
	else
		fail "$p/no-sve-paca-pacg" "$(grep -E 'guest CPU|FEAT|CPUINFO' "$O" | tr '\n' ' ')"
	fi
	if feature_has "$L" 1:boot STOLEN=0; then
		pass "$p/no-stolen-time"
	else
		fail "$p/no-stolen-time" "$(grep STOLEN "$L")"
	fi
	if feature_has "$L" 1:boot TIMER=running at 100.00MHz; then
		pass "$p/cntfrq"
	else
		fail "$p/cntfrq" "$(grep TIMER "$L")"
	fi
}

for mode in user kernel; do
	defaults "$mode"
	pmu "$mode"
	disabled "$mode"
done

# A CPU this process may not run on (the test host has 2).
run_lkvm_split "$W/aff.out" "$W/aff.err" 120 run -c 1 --vcpu-affinity 1,7 \
	-k "$GUEST_DIR/Image" -i "$INITRD"
rc=$?
if [ "$rc" = 1 ] && grep -q '^lkvm: --vcpu-affinity: host CPU 7 is not one lkvm can run on' "$W/aff.err"; then
	pass cpu-features/vcpu-affinity-unavailable
else
	fail cpu-features/vcpu-affinity-unavailable "exit $rc: $(head -n 1 "$W/aff.err")"
fi
