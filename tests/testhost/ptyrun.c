// SPDX-License-Identifier: GPL-2.0
/*
 * ptyrun: run a command on a fresh pseudo-terminal, as if a person sat at
 * it, to test lkvm's console: raw mode, Ctrl-A x, and that the terminal
 * settings come back on every way out. Built static for the test host.
 *
 *   ptyrun [-t SECONDS] ACTION... -- COMMAND [ARG]...
 *
 * Actions, in order:
 *   -w TEXT   wait until TEXT shows up in the command's output
 *   -s TEXT   type TEXT (C escapes: \r \n \\ \xHH)
 *   -f N      type N bytes of filler text (no escape byte)
 *   -k SIG    send signal number SIG to the command
 * The terminal is 37 rows by 101 columns.
 * Then wait for the command to end. The command's output is copied to
 * stdout. Last line: "PTYRUN-EXIT=<status> PTYRUN-TERMIOS=<same|changed>"
 * (status 128+N if killed by signal N). Exit status 0 if every action was
 * done, 1 if a wait or the command timed out (each limited to -t, default
 * 300 s), 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* The terminal's size: rows x columns. */
#define PTY_ROWS 37
#define PTY_COLS 101

static int master = -1;
static pid_t child;
static int child_status = -1;
static char seen[4096]; /* the tail of the output, for -w */
static size_t seen_len;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void remember(const char *buf, size_t n)
{
	if (n >= sizeof(seen)) {
		buf += n - (sizeof(seen) - 1);
		n = sizeof(seen) - 1;
	}
	if (seen_len + n >= sizeof(seen)) {
		size_t drop = seen_len + n - (sizeof(seen) - 1);

		memmove(seen, seen + drop, seen_len - drop);
		seen_len -= drop;
	}
	memcpy(seen + seen_len, buf, n);
	seen_len += n;
	seen[seen_len] = 0;
}

/* Copy output, waiting up to ms: 1 copied, 0 nothing, -1 the pty closed. */
static int pump(int ms)
{
	struct pollfd pfd = { .fd = master, .events = POLLIN };
	char buf[1024];
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	n = read(master, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	fwrite(buf, 1, (size_t)n, stdout);
	fflush(stdout);
	/* NULs would end the string search early. */
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	remember(buf, (size_t)n);
	return 1;
}

static int wait_text(const char *text, int timeout_s)
{
	long long end = now_ms() + timeout_s * 1000LL;

	while (!strstr(seen, text)) {
		if (now_ms() > end || pump(100) < 0) {
			fprintf(stderr, "ptyrun: '%s' did not show up\n", text);
			return -1;
		}
	}
	seen_len = 0; /* the next wait looks at newer output only */
	seen[0] = 0;
	return 0;
}

/* Type n bytes; -1 if the command stopped taking input for timeout_s. */
static int type(const char *buf, size_t n, int timeout_s)
{
	long long end = now_ms() + timeout_s * 1000LL;

	while (n) {
		ssize_t w = write(master, buf, n);

		if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
			if (now_ms() > end) {
				fprintf(stderr,
					"ptyrun: the command stopped reading its input\n");
				return -1;
			}
			pump(10);
			continue;
		}
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
		end = now_ms() + timeout_s * 1000LL;
		pump(0); /* keep the output side drained */
	}
	return 0;
}

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	while (*in) {
		if (*in != '\\' || !in[1]) {
			out[n++] = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case 'r':
			out[n++] = '\r';
			in++;
			break;
		case 'n':
			out[n++] = '\n';
			in++;
			break;
		case 'x':
			out[n++] = (char)strtoul((char[]){ in[1], in[2], 0 },
						 NULL, 16);
			in += in[1] && in[2] ? 3 : 1;
			break;
		default:
			out[n++] = *in++;
			break;
		}
	}
	return n;
}

static int start(char **argv, struct termios *before)
{
	struct winsize ws = { .ws_row = PTY_ROWS, .ws_col = PTY_COLS };
	char *name;
	int slave;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    !(name = ptsname(master))) {
		perror("ptyrun: pty");
		return -1;
	}
	slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0 || tcgetattr(slave, before)) {
		perror("ptyrun: pty slave");
		return -1;
	}
	/* A size of its own, for a console that passes it on (hvc0). */
	if (ioctl(slave, TIOCSWINSZ, &ws))
		perror("ptyrun: TIOCSWINSZ");
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		if (slave > 2)
			close(slave);
		close(master);
		execvp(argv[0], argv);
		perror("ptyrun: exec");
		_exit(127);
	}
	/* Keep the slave open: its settings are read after the command ends. */
	return slave;
}

static int reap(int timeout_s)
{
	long long end = now_ms() + timeout_s * 1000LL;
	int st;

	for (;;) {
		pid_t p = waitpid(child, &st, WNOHANG);

		if (p == child)
			break;
		if (now_ms() > end) {
			fprintf(stderr, "ptyrun: the command did not end\n");
			kill(child, SIGKILL);
			waitpid(child, &st, 0);
			child_status = -1;
			return -1;
		}
		pump(50);
	}
	while (pump(10) > 0) /* what is left */
		;
	child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

static int same_termios(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
	       a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
	       !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

int main(int argc, char **argv)
{
	struct termios before, after;
	int i, cmd = -1, timeout_s = 300, slave, ret = 0;
	char *buf;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			cmd = i + 1;
			break;
		}
	if (cmd < 0 || cmd >= argc) {
		fprintf(stderr,
			"usage: ptyrun [-t S] [-w TEXT|-s TEXT|-f N|-k SIG]... -- COMMAND...\n");
		return 2;
	}
	if (argc > 2 && !strcmp(argv[1], "-t"))
		timeout_s = atoi(argv[2]);
	slave = start(argv + cmd, &before);
	if (slave < 0)
		return 2;
	for (i = 1; i < cmd - 1 && !ret; i += 2) {
		const char *opt = argv[i], *arg = argv[i + 1];

		if (!strcmp(opt, "-t")) {
			continue;
		} else if (!strcmp(opt, "-w")) {
			ret = wait_text(arg, timeout_s) ? 1 : 0;
		} else if (!strcmp(opt, "-s")) {
			buf = malloc(strlen(arg) + 1);
			if (!buf)
				return 2;
			ret = type(buf, unescape(arg, buf), timeout_s) ? 1 : 0;
			free(buf);
		} else if (!strcmp(opt, "-f")) {
			size_t n = (size_t)atol(arg), k;

			buf = malloc(n + 1);
			if (!buf)
				return 2;
			for (k = 0; k < n; k++)
				buf[k] = k % 64 == 63 ? '\r' : 'a' + k % 26;
			ret = type(buf, n, timeout_s) ? 1 : 0;
			free(buf);
		} else if (!strcmp(opt, "-k")) {
			kill(child, atoi(arg));
		} else {
			fprintf(stderr, "ptyrun: unknown action %s\n", opt);
			kill(child, SIGKILL);
			return 2;
		}
	}
	if (reap(timeout_s))
		ret = 1;
	if (tcgetattr(slave, &after))
		memset(&after, 0, sizeof(after));
	printf("\nPTYRUN-EXIT=%d PTYRUN-TERMIOS=%s\n", child_status,
	       same_termios(&before, &after) ? "same" : "changed");
	return ret;
}
