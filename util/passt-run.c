// SPDX-License-Identifier: GPL-2.0
/* Running passt: the child, its stderr, its exit (see kvm/passt.h). */
#include "kvm/passt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A program name without '/' is looked up in PATH, as execvp() would. */
static int find_prog(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(prog, '/')) {
		snprintf(out, len, "%s", prog);
		return access(out, X_OK) ? -errno : 0;
	}
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(out, len, "%.*s/%s", (int)(end - p), p, prog);
		if (end > p && !access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

/*
 * passt drops a frame its socket has no room for (a short send: TCP then
 * recovers by retransmission, slowly), and it sends as much as the
 * guest's TCP window allows, which a Linux guest grows to megabytes; a
 * guest slower than passt then loses frames at the socket's default
 * 208 KiB. A larger send buffer on passt's end (SO_SNDBUFFORCE where lkvm
 * may, else SO_SNDBUF up to net.core.wmem_max) lets the guest fall behind
 * by that much without losses; it is kernel memory, used only while the
 * guest is behind. The same for lkvm's end, for the other direction.
 */
#define PASST_SOCKET_BUF (4 << 20)

static void grow_buffer(int fd)
{
	int size = PASST_SOCKET_BUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/*
 * The child, between fork() and exec(): only async-signal-safe calls.
 * Writes errno to report if exec fails.
 */
static void child(const char *path, char *const argv[], int fd, int log_fd,
		  int report, pid_t parent)
{
	sigset_t none;
	int null, e;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* lkvm blocks its stop signals and ignores SIGPIPE: passt must not. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	if (log_fd >= 0)
		dup2(log_fd, 2);
	/* The socket is the one descriptor passt inherits. */
	fcntl(fd, F_SETFD, 0);
	execv(path, argv);
	e = errno;
	if (write(report, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

bool passt__reap(struct passt *p, int wait_ms)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	if (!p->pid || p->reaped)
		return p->reaped;
	for (i = 0;; i++) {
		pid_t r = waitpid(p->pid, &p->status, WNOHANG);

		if (r == p->pid || (r < 0 && errno == ECHILD)) {
			p->reaped = true;
			return true;
		}
		if (i >= wait_ms)
			return false;
		nanosleep(&ms, NULL);
	}
}

void passt__describe_exit(const struct passt *p, char *buf, size_t len)
{
	if (!p->reaped)
		snprintf(buf, len, "still running");
	else if (WIFEXITED(p->status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(p->status));
	else if (WIFSIGNALED(p->status))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(p->status),
			 strsignal(WTERMSIG(p->status)));
	else
		snprintf(buf, len, "status 0x%x", p->status);
}

/* passt says "Failed to send N bytes to syslog" where there is none. */
static bool noise(const char *line, size_t len)
{
	return len == 0 || (len > 8 && !strncmp(line, "Failed to", 9) &&
			    memmem(line, len, "syslog", 6));
}

void passt__last_message(const struct passt *p, char *buf, size_t len)
{
	char text[4096];
	off_t size;
	ssize_t n;
	char *line, *end;

	buf[0] = '\0';
	if (p->log_fd < 0)
		return;
	size = lseek(p->log_fd, 0, SEEK_END);
	if (size <= 0)
		return;
	n = pread(p->log_fd, text, sizeof(text) - 1,
		  size > (off_t)sizeof(text) - 1 ?
			  size - (off_t)sizeof(text) + 1 :
			  0);
	if (n <= 0)
		return;
	text[n] = '\0';
	/* The last line that says something, from the end. */
	end = text + n;
	while (end > text) {
		while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
			end--;
		line = end;
		while (line > text && line[-1] != '\n')
			line--;
		if (!noise(line, (size_t)(end - line))) {
			snprintf(buf, len, "%.*s", (int)(end - line), line);
			return;
		}
		end = line;
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Has passt quit within ms? Its end of the socket then reads EOF. */
static bool quits_within(struct passt *p, int ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN | POLLRDHUP };
	char c;

	if (poll(&pfd, 1, ms) <= 0)
		return false;
	if (recv(p->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
		return false; /* a frame already: it runs */
	return true;
}

static int start_failed(struct passt *p, int ret, char *err, size_t errlen,
			const char *path)
{
	char how[64], msg[256];

	passt__reap(p, 2000);
	passt__describe_exit(p, how, sizeof(how));
	passt__last_message(p, msg, sizeof(msg));
	snprintf(err, errlen, "-n mode=user: passt (%s) quit at start (%s)%s%s",
		 path, how, msg[0] ? ": " : "", msg);
	close_fd(&p->fd);
	close_fd(&p->log_fd);
	p->pid = 0;
	return ret;
}

int passt__start(struct passt *p, const struct passt_params *pp, int grace_ms,
		 char *err, size_t errlen)
{
	static struct passt_argv a;
	char path[4096];
	int sv[2], report[2], e = 0, ret;
	pid_t parent = getpid();
	ssize_t n;

	memset(p, 0, sizeof(*p));
	p->fd = p->log_fd = -1;
	ret = find_prog(pp->prog, path, sizeof(path));
	if (ret) {
		snprintf(
			err, errlen,
			"-n mode=user needs passt: cannot run '%s': %s (Debian package passt; LKVM_PASST=PATH names another)",
			pp->prog, strerror(-ret));
		return ret;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -errno;
	}
	grow_buffer(sv[0]);
	grow_buffer(sv[1]);
	ret = passt__build_argv(&a, path, sv[1], pp->host_mac, pp->verbose,
				pp->no_default_route, pp->extra, err, errlen);
	if (ret)
		goto fail_sv;
	if (!pp->verbose) {
		p->log_fd = memfd_create("lkvm-passt-log", MFD_CLOEXEC);
		if (p->log_fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "memfd_create: %s",
				 strerror(errno));
			goto fail_sv;
		}
	}
	if (pipe2(report, O_CLOEXEC)) {
		ret = -errno;
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail_sv;
	}
	p->pid = fork();
	if (p->pid < 0) {
		ret = -errno;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(report[0]);
		close(report[1]);
		goto fail_sv;
	}
	if (!p->pid)
		child(path, a.argv, sv[1], p->log_fd, report[1], parent);
	close(sv[1]);
	close(report[1]);
	p->fd = sv[0];
	/* EOF: exec worked (the pipe closed with it); else its errno. */
	do {
		n = read(report[0], &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n == sizeof(e)) {
		passt__reap(p, 2000);
		snprintf(err, errlen,
			 "-n mode=user needs passt: cannot run '%s': %s", path,
			 strerror(e));
		close_fd(&p->fd);
		close_fd(&p->log_fd);
		p->pid = 0;
		return -e;
	}
	if (quits_within(p, grace_ms))
		return start_failed(p, -EPIPE, err, errlen, path);
	return 0;

fail_sv:
	close(sv[0]);
	close(sv[1]);
	close_fd(&p->log_fd);
	return ret;
}

void passt__stop(struct passt *p)
{
	if (!p->pid)
		return;
	close_fd(&p->fd);
	if (!p->reaped) {
		/* With its socket closed it quits by itself; make sure. */
		kill(p->pid, SIGTERM);
		if (!passt__reap(p, 2000)) {
			kill(p->pid, SIGKILL);
			passt__reap(p, 5000);
		}
	}
	close_fd(&p->log_fd);
}
