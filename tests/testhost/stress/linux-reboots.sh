#!/bin/sh
# Linux reboots in a row: the default guest (2 vCPUs) runs `reboot -f`
# until the boot count in its device tree (/chosen/lkvm,boot-count)
# reaches STRESS_REBOOTS (default 5; make check-long: 20), then powers
# off. Checks: every boot reached /init with both CPUs online, boot counts
# 1..N in order, lkvm exits 0, and lkvm's own resident memory and open
# files at the last boot are those after the first boot (looked at in boot
# 2, once every path of a reboot has run; boot 1 is shown too).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}
N=${STRESS_REBOOTS:-5}
T=${STRESS_REBOOTS_TIMEOUT:-$((600 + N * 120))}
MEM=256
p=stress/linux-reboot-${N}x
out=$W/reboots.out
fp=$W/reboots.fp
fifo=$W/reboots.in

# The boot count is a big-endian u32. Boots 1, 2 and N wait for a key (a
# line on the console) so that lkvm can be looked at; loglevel=1 keeps
# the kernel's messages from landing in the middle of the guest's lines.
labels="1 2"
[ "$N" -gt 2 ] && labels="$labels $N"
waits=$(echo "$labels" | tr ' ' '|')
# shellcheck disable=SC2016 # expanded by the guest's shell
cmd='set -- $(od -An -tu1 /proc/device-tree/chosen/lkvm,boot-count); n=$(($1*16777216+$2*65536+$3*256+$4)); echo REBOOT-BOOT $n online=$(cat /sys/devices/system/cpu/online); case $n in '$waits') echo REBOOT-WAIT $n; read -r k;; esac; if [ $n -lt '$N' ]; then reboot -f; fi; echo REBOOT-DONE $n'

trap '' PIPE
rm -f "$fifo" "$fp"
mkfifo "$fifo" || {
	fail "$p/every-boot" "mkfifo failed"
	exit 0
}
t0=$(uptime_ms)
# shellcheck disable=SC2046 # guest_args is a word list
"$LKVM" run -c 2 -m $MEM $(guest_args) -p "loglevel=1 lkvm_cmd=\"$cmd\"" \
	<"$fifo" >"$out" 2>&1 &
pid=$!
_run_watchdog "$pid" "$T" "$out.timedout" &
wd=$!
exec 3>"$fifo"
# shellcheck disable=SC2086 # a word list
serve_waits "$pid" "$out" REBOOT $MEM "$fp" $labels
exec 3>&-
wait "$pid"
rc=$?
wait "$wd" 2>/dev/null
[ -e "$out.timedout" ] && rc=124
rm -f "$out.timedout" "$fifo"
secs=$((($(uptime_ms) - t0) / 1000))
tr -d '\r' <"$out" >"$out.txt"
# The kernel prints its emergencies whatever the loglevel (a starved
# guest's lockup warnings, say), in the middle of a line too.
kmsgs=$(kmsg_unsplice "$out.txt" "$out.lines")

inits=$(grep -c '^LKVM-GUEST-INIT' "$out.lines")
boots=$(sed -n 's/^REBOOT-BOOT \([0-9]*\) online=0-1$/\1/p' "$out.lines")
nboots=$(echo "$boots" | grep -c .)
inorder=$(echo "$boots" | awk '$1 != NR { bad = 1 } END { print bad ? "no" : "yes" }')
if [ "$inits" = "$N" ] && [ "$nboots" = "$N" ] && [ "$inorder" = yes ]; then
	pass "$p/every-boot"
else
	odd=$(grep 'REBOOT-BOOT' "$out.lines" | grep -v '^REBOOT-BOOT [0-9]* online=0-1$' |
		head -n 3 | tr '\n' ' ')
	fail "$p/every-boot" "$inits of $N boots reached /init, $nboots said so with CPUs 0-1 online (in order: $inorder)${odd:+; the others said: $odd}"
	echo "---- boot numbers seen with CPUs 0-1 online: $(echo "$boots" | tr '\n' ' ')"
	# The console around the odd lines, kernel messages and all.
	awk '{ a[NR] = $0 }
		/REBOOT-BOOT/ && !/^REBOOT-BOOT [0-9]+ online=0-1$/ {
			for (i = NR - 3; i <= NR + 3; i++)
				want[i] = 1
		}
		END { for (i = 1; i <= NR; i++) if (want[i]) print "    | " a[i] }' \
		"$out.txt" | head -n 60
fi
if [ "$rc" = 0 ] && grep -q "^REBOOT-DONE $N\$" "$out.lines"; then
	pass "$p/poweroff"
elif [ "$rc" = 124 ]; then
	fail "$p/poweroff" "lkvm did not exit within ${T}s"
else
	fail "$p/poweroff" "lkvm exited $rc$(grep -q "^REBOOT-DONE $N\$" "$out.lines" || echo ", no REBOOT-DONE $N")"
fi
check_footprint "$p" "$fp" 2 "$N"
footprint_info "$p" "$fp"
info "$p-boots" "$inits boots reached /init in ${secs}s; kernel messages on the console: $kmsgs"
