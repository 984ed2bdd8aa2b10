// SPDX-License-Identifier: GPL-2.0
/*
 * The console: stdin in raw mode feeding the guest's console (the UART,
 * or with --console virtio the virtio console), restored on every way
 * out (normal exit, die(), fatal signals). Ctrl-A x quits lkvm.
 */
#include "kvm/kvm.h"
#include "kvm/sandbox.h"
#include "kvm/util.h"
#include "kvm/virtio-console.h"
#include "kvm/virtio-kvm.h"

#include <errno.h>
#include <poll.h>
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
	kvm__control_unlink();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void raw_mode(void)
{
	/* Signals that kill by default (the stop signals are handled). */
	static const int fatal[] = { SIGSEGV, SIGBUS,	 SIGILL,  SIGFPE,
				     SIGABRT, SIGUSR2,	 SIGALRM, SIGXCPU,
				     SIGXFSZ, SIGVTALRM, SIGPROF, SIGSYS };
	struct termios raw;
	unsigned int i;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios))
		return;
	termios_saved = 1;
	atexit(term__restore);
	for (i = 0; i < ARRAY_SIZE(fatal); i++)
		/* The sandbox's SIGSYS handler restores the terminal too. */
		if (fatal[i] != SIGSYS || !sandbox__enabled())
			signal(fatal[i], fatal_signal);

	raw = saved_termios;
	cfmakeraw(&raw);
	/* Keep output processing: the guest writes CRLF itself anyway. */
	raw.c_oflag = saved_termios.c_oflag;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

/*
 * Keys wait here while the guest's receive FIFO (or the virtio console's
 * input buffer) is full. The keyboard is read all the same, so Ctrl-A x
 * works even when the guest reads nothing.
 */
#define INPUT_QUEUE 4096
/* How often the keyboard is looked at while the guest is behind. */
#define INPUT_POLL_MS 10

struct input {
	struct kvm *kvm;
	struct virtio_console *vcon; /* NULL: the UART */
	bool tty, escape;
	pthread_mutex_t lock; /* len, dropped, q: the reset empties them */
	size_t len;
	unsigned long dropped;
	uint8_t q[INPUT_QUEUE];
};

static void queue_byte(struct input *in, uint8_t byte)
{
	if (in->len < sizeof(in->q)) {
		in->q[in->len++] = byte;
		return;
	}
	if (!in->dropped++)
		pr_warn("console input: the guest is not reading it; further keys are dropped");
}

/* Queue keys for the guest. False when the user asked to quit. */
static bool take_keys(struct input *in, const uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (in->tty && in->escape) {
			in->escape = false;
			if (buf[i] == 'x' || buf[i] == 'X')
				return false;
			if (buf[i] != TERM_ESCAPE)
				queue_byte(in, TERM_ESCAPE);
		} else if (in->tty && buf[i] == TERM_ESCAPE) {
			in->escape = true;
			continue;
		}
		queue_byte(in, buf[i]);
	}
	return true;
}

/* Hand the console what fits in its FIFO (or input buffer) now. */
static void flush_keys(struct input *in)
{
	size_t n = in->vcon ?
			   virtio_console__receive(in->vcon, in->q, in->len) :
			   serial8250__receive(&in->kvm->uart, in->q, in->len);

	if (!n)
		return;
	memmove(in->q, in->q + n, in->len - n);
	in->len -= n;
	if (!in->len)
		in->dropped = 0;
}

/*
 * Flush what fits and return the keys still queued. Under the lock: a
 * reset in between would let the old boot's keys into the new FIFO.
 */
static size_t flush_queued(struct input *in)
{
	size_t len;

	pthread_mutex_lock(&in->lock);
	if (in->len)
		flush_keys(in);
	len = in->len;
	pthread_mutex_unlock(&in->lock);
	return len;
}

/* Sleep until the console has room again, INPUT_POLL_MS at most. */
static void wait_room(struct input *in)
{
	if (in->vcon)
		virtio_console__wait_room(in->vcon, INPUT_POLL_MS);
	else
		serial8250__wait_rx_room(&in->kvm->uart, INPUT_POLL_MS);
}

/* Read the keyboard: > 0 bytes, 0 nothing yet, < 0 at EOF or error. */
static ssize_t read_keys(struct input *in, size_t queued, uint8_t *buf,
			 size_t size)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	ssize_t n;

	/*
	 * With keys queued, only look (the FIFO needs refilling too), and
	 * only on a terminal: piped input just waits for the guest.
	 */
	if (queued && (!in->tty || poll(&pfd, 1, 0) <= 0))
		return 0;
	n = read(STDIN_FILENO, buf, size);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	return n > 0 ? n : -1;
}

static void *input_thread(void *arg)
{
	struct input *in = arg;
	uint8_t buf[256];
	bool eof = false, quit;
	size_t queued;
	ssize_t n;

	pthread_setname_np(pthread_self(), "lkvm-input");
	sandbox__enter(SANDBOX_CONSOLE, -1);
	for (;;) {
		queued = flush_queued(in);
		if (eof && !queued)
			return NULL; /* the guest just gets no more input */
		if (queued)
			wait_room(in);
		if (eof)
			continue;
		n = read_keys(in, queued, buf, sizeof(buf));
		if (n < 0) {
			eof = true;
		} else if (n > 0) {
			pthread_mutex_lock(&in->lock);
			quit = !take_keys(in, buf, (size_t)n);
			pthread_mutex_unlock(&in->lock);
			if (quit)
				break;
		}
	}
	term__restore();
	fprintf(stderr, "\nlkvm: Ctrl-A x: stopping the guest\n");
	kvm__request_exit(in->kvm, 0);
	return NULL;
}

/*
 * A reboot in place: keys the old boot never took do not go to the new
 * one. Registered after the UART (and the virtio console), so it runs
 * before their resets empty the FIFO (the input buffer), and nothing
 * queued can slip in between.
 */
static void input_reset(void *opaque)
{
	struct input *in = opaque;

	pthread_mutex_lock(&in->lock);
	in->len = 0;
	in->dropped = 0;
	pthread_mutex_unlock(&in->lock);
}

void term__init(struct kvm *kvm)
{
	static struct input in = { .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t thread;

	raw_mode();
	in.kvm = kvm;
	in.vcon = virtio__console();
	in.tty = termios_saved;
	kvm__register_reset(kvm, input_reset, &in);
	if (pthread_create(&thread, NULL, input_thread, &in))
		die("cannot start the console input thread");
	pthread_detach(thread);
}
