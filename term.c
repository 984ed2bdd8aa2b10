// SPDX-License-Identifier: GPL-2.0
/*
 * The console: stdin in raw mode feeding the UART, restored on every way
 * out (normal exit, die(), fatal signals). Ctrl-A x quits lkvm.
 */
#include "kvm/kvm.h"
#include "kvm/util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define TERM_ESCAPE 0x01 /* Ctrl-A */

static struct termios saved_termios;
static volatile sig_atomic_t termios_saved;

void term__restore(void)
{
	if (termios_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

static void fatal_signal(int sig)
{
	term__restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void raw_mode(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct termios raw;
	unsigned int i;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios))
		return;
	termios_saved = 1;
	atexit(term__restore);
	for (i = 0; i < ARRAY_SIZE(fatal); i++)
		signal(fatal[i], fatal_signal);

	raw = saved_termios;
	cfmakeraw(&raw);
	/* Keep output processing: the guest writes CRLF itself anyway. */
	raw.c_oflag = saved_termios.c_oflag;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

/* Hand bytes to the UART, waiting for FIFO room instead of dropping. */
static void feed(struct kvm *kvm, const uint8_t *buf, size_t len)
{
	while (len) {
		size_t n = serial8250__receive(&kvm->uart, buf, len);

		if (!n) {
			/* Full: sleep until the guest reads (no polling). */
			serial8250__wait_rx_room(&kvm->uart, 100);
			continue;
		}
		buf += n;
		len -= n;
	}
}

static void *input_thread(void *arg)
{
	struct kvm *kvm = arg;
	bool tty = termios_saved, escape = false;
	uint8_t buf[64];

	pthread_setname_np(pthread_self(), "lkvm-input");
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		ssize_t i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL; /* EOF: the guest just gets no more input */
		for (i = 0; i < n; i++) {
			if (tty && escape) {
				escape = false;
				if (buf[i] == 'x' || buf[i] == 'X') {
					term__restore();
					fprintf(stderr,
						"\nlkvm: Ctrl-A x: stopping the guest\n");
					kvm__request_exit(kvm, 0);
					return NULL;
				}
				if (buf[i] != TERM_ESCAPE)
					feed(kvm,
					     (const uint8_t[]){ TERM_ESCAPE },
					     1);
			} else if (tty && buf[i] == TERM_ESCAPE) {
				escape = true;
				continue;
			}
			feed(kvm, &buf[i], 1);
		}
	}
}

void term__init(struct kvm *kvm)
{
	pthread_t thread;

	raw_mode();
	if (pthread_create(&thread, NULL, input_thread, kvm))
		die("cannot start the console input thread");
	pthread_detach(thread);
}
