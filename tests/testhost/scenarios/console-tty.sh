#!/bin/sh
# lkvm on a terminal: ptyrun (tests/testhost/ptyrun.c) runs lkvm on a fresh
# pseudo-terminal and types at it. Checks that keys reach the guest, that
# Ctrl-A x and SIGTERM stop lkvm, that the terminal settings are the same
# afterwards on every way out, and that Ctrl-A x works even when the guest
# reads no input at all.
# Needs /tools/ptyrun (under TESTHOST_ROOT natively).
. "${SCENARIO_LIB:-$(dirname "$0")/../scenario-lib.sh}"

W=${WORKDIR:-$(mktemp -d)}

if [ ! -x "$PTYRUN" ]; then
	fail tty/setup "no $PTYRUN (make lkvm-arm64 builds build/arm64/ptyrun)"
	exit 1
fi

# The marker is computed by the guest's shell, so the kernel's echo of its
# command line does not count as the guest being up.
# shellcheck disable=SC2016 # expanded by the guest's shell
READY='lkvm_cmd="echo TTY-READY-$((40+2)); sleep 100000"'

# Keys reach the guest's shell; poweroff exits 0.
# shellcheck disable=SC2016,SC2046 # guest shell; guest_args is a word list
tty_run tty-shell 0 -w 'lkvm-guest:/# ' -s 'echo TYPED-$((6*7))\r' \
	-w TYPED-42 -s 'poweroff -f\r' -- \
	"$LKVM" run -c 2 -m 256 $(guest_args) && pass tty-shell

# Ctrl-A x quits (exit 0) and says so.
# shellcheck disable=SC2046 # guest_args is a word list
if tty_run tty-ctrl-a-x 0 -w TTY-READY-42 -s '\x01x' -- \
	"$LKVM" run -c 2 -m 256 $(guest_args) -p "$READY"; then
	if grep -q 'Ctrl-A x: stopping the guest' "$W/tty-ctrl-a-x.out.txt"; then
		pass tty-ctrl-a-x
	else
		fail tty-ctrl-a-x "no 'Ctrl-A x: stopping the guest' message"
	fi
fi

# SIGTERM: exit 143, terminal restored.
# shellcheck disable=SC2046 # guest_args is a word list
tty_run tty-sigterm 143 -w TTY-READY-42 -k 15 -- \
	"$LKVM" run -c 2 -m 256 $(guest_args) -p "$READY" && pass tty-sigterm

# A guest that never reads its UART (no 8250 driver: only earlycon
# writes): 20000 keys fill every buffer, and Ctrl-A x must still work.
# shellcheck disable=SC2046 # guest_args is a word list
if tty_run tty-ctrl-a-x-unread 0 -w 'Booting Linux' -f 20000 -s '\x01x' -- \
	"$LKVM" run -c 1 -m 256 $(guest_args) -p 8250.nr_uarts=0; then
	if grep -q 'further keys are dropped' "$W/tty-ctrl-a-x-unread.out.txt"; then
		pass tty-ctrl-a-x-unread
	else
		fail tty-ctrl-a-x-unread "no warning that keys were dropped"
		show_tail "$W/tty-ctrl-a-x-unread.out.txt"
	fi
fi
