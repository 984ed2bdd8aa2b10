// SPDX-License-Identifier: GPL-2.0
/*
 * netbench: the network section of `make bench`. A static aarch64 program
 * run in the guest (the client) against itself in the test host (the
 * server), and on the test host's loopback alone (the limit), so every
 * row is timed by the same code.
 *
 *   netbench server ADDR PORT [CONNS [IDLE_S]]
 *   netbench client ADDR PORT TEST [MIB [SECONDS [ROUNDS]]]
 *
 * The server serves CONNS connections (default 0: any number) one after
 * the other and quits after IDLE_S seconds (default 120) without one.
 * TEST: send (client to server: MIB MiB or SECONDS seconds, whichever
 * ends first, timed until the server acknowledges the byte count), recv
 * (server to client, likewise, timed until the server closes), rr1 and
 * rr64 (ROUNDS request/response round trips of 1 or 64 bytes with
 * TCP_NODELAY, after a few untimed ones), or all (in that order). MB/s
 * are 10^6 bytes per second. One line per test:
 *   NETBENCH test=send bytes=B ns=N mb_s=X
 *   NETBENCH test=rr1 size=1 rounds=K median_ns=M p99_ns=P min_ns=A max_ns=Z
 * and NETBENCH-DONE at the end, or NETBENCH-ERROR reason (exit 1).
 *
 * Each end checks what the other sends (magic, operation, sizes, the
 * acknowledged count) and every socket has send/receive timeouts, so a
 * peer that talks nonsense or goes silent ends the test, not the program.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x4e425431u /* "NBT1" */
#define CHUNK (128 * 1024)
#define MAX_RR_SIZE 65536
#define MAX_ROUNDS 1000000u
#define MAX_MS (600 * 1000u)
#define IO_TIMEOUT_S 30
#define WARMUP 20

enum op { OP_SEND = 'S', OP_RECV = 'R', OP_PING = 'P' };

/* What the client asks for, in network byte order on the wire. */
struct request {
	uint32_t magic;
	uint32_t op;
	uint32_t size; /* ping-pong payload bytes */
	uint32_t ms; /* stream time limit */
	uint32_t count_hi; /* stream bytes, or round trips */
	uint32_t count_lo;
};

static char buf[CHUNK];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int fail(const char *what)
{
	const char *why = errno == EAGAIN ? "timed out" : strerror(errno);

	printf("NETBENCH-ERROR %s: %s\n", what, errno ? why : "bad data");
	fflush(stdout);
	return -1;
}

/* All LEN bytes, or -1 (errno 0 when the peer closed early). */
static int read_full(int fd, void *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = 0;
			return -1;
		}
		p = (char *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p = (const char *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

static int tune(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return -1;
	return 0;
}

static int parse_addr(const char *addr, const char *port,
		      struct sockaddr_in *sa)
{
	char *end;
	unsigned long p = strtoul(port, &end, 10);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)p);
	if (*end || !*port || !p || p > 65535 ||
	    inet_pton(AF_INET, addr, &sa->sin_addr) != 1) {
		fprintf(stderr, "netbench: bad address '%s' or port '%s'\n",
			addr, port);
		return -1;
	}
	return 0;
}

/* Argument I as a whole number 0..MAX, DEF when absent, -1 when bad. */
static long arg_num(int argc, char **argv, int i, long def, long max)
{
	char *end;
	long v;

	if (argc <= i)
		return def;
	errno = 0;
	v = strtol(argv[i], &end, 10);
	if (errno || end == argv[i] || *end || v < 0 || v > max)
		return -1;
	return v;
}

static uint64_t get_count(const struct request *r)
{
	return (uint64_t)ntohl(r->count_hi) << 32 | ntohl(r->count_lo);
}

/* ---- server -------------------------------------------------------------- */

static int serve_send(int fd, uint64_t deadline)
{
	uint64_t total = 0;
	uint32_t ack[2];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			break;
		total += (uint64_t)n;
		if (now_ns() > deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	ack[0] = htonl((uint32_t)(total >> 32));
	ack[1] = htonl((uint32_t)total);
	return write_full(fd, ack, sizeof(ack));
}

static int serve_recv(int fd, uint64_t count, uint64_t end)
{
	uint64_t sent = 0;
	size_t len;

	while (sent < count && now_ns() < end) {
		len = count - sent < sizeof(buf) ? count - sent : sizeof(buf);
		if (write_full(fd, buf, len))
			return -1;
		sent += len;
	}
	return 0;
}

static int serve_ping(int fd, uint32_t size, uint64_t rounds, uint64_t end)
{
	while (rounds--) {
		if (read_full(fd, buf, size) || write_full(fd, buf, size))
			return -1;
		if (now_ns() > end) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

/* One connection: the request, checked, then the operation it names. */
static void serve_one(int fd)
{
	struct request r;
	uint64_t t0 = now_ns(), count, ms;
	uint32_t size;
	int err = -1;

	if (tune(fd) || read_full(fd, &r, sizeof(r)))
		goto out;
	count = get_count(&r);
	size = ntohl(r.size);
	ms = ntohl(r.ms);
	errno = EPROTO;
	if (ntohl(r.magic) != MAGIC || ms > MAX_MS)
		goto out;
	switch (ntohl(r.op)) {
	case OP_SEND:
		err = serve_send(fd, t0 + (ms + 2 * IO_TIMEOUT_S * 1000) *
						     1000000ULL);
		break;
	case OP_RECV:
		err = serve_recv(fd, count, t0 + ms * 1000000ULL);
		break;
	case OP_PING:
		if (size && size <= MAX_RR_SIZE && count <= MAX_ROUNDS + WARMUP)
			err = serve_ping(fd, size, count,
					 t0 + MAX_MS * 1000000ULL);
		break;
	}
out:
	if (err)
		fprintf(stderr, "netbench: server: a connection failed: %s\n",
			strerror(errno));
	close(fd);
}

static int server(int argc, char **argv)
{
	struct sockaddr_in sa;
	long conns = arg_num(argc, argv, 4, 0, 1000000);
	long idle = arg_num(argc, argv, 5, 120, 86400);
	struct pollfd pfd = { .events = POLLIN };
	int one = 1, fd, c;
	long served = 0;

	if (parse_addr(argv[2], argv[3], &sa))
		return 2;
	if (conns < 0 || idle <= 0) {
		fprintf(stderr,
			"netbench: CONNS 0..1000000, IDLE_S 1..86400\n");
		return 2;
	}
	pfd.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (pfd.fd < 0 ||
	    setsockopt(pfd.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(pfd.fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(pfd.fd, 4))
		return fail("server: listen") ? 1 : 0;
	printf("NETBENCH-LISTENING %s %s\n", argv[2], argv[3]);
	fflush(stdout);
	while (!conns || served < conns) {
		c = poll(&pfd, 1, (int)idle * 1000);
		if (c < 0 && errno == EINTR)
			continue;
		if (c <= 0) {
			fprintf(stderr, "netbench: server: idle for %ld s\n",
				idle);
			break;
		}
		fd = accept(pfd.fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_one(fd);
		served++;
	}
	close(pfd.fd);
	return 0;
}

/* ---- client -------------------------------------------------------------- */

static struct sockaddr_in peer;

static int dial(const struct request *r)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* SO_SNDTIMEO (set by tune) bounds connect() too. */
	if (fd < 0 || tune(fd) ||
	    connect(fd, (const struct sockaddr *)&peer, sizeof(peer)) ||
	    write_full(fd, r, sizeof(*r))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static struct request make_request(enum op op, uint32_t size, uint32_t ms,
				   uint64_t count)
{
	return (struct request){
		.magic = htonl(MAGIC),
		.op = htonl(op),
		.size = htonl(size),
		.ms = htonl(ms),
		.count_hi = htonl((uint32_t)(count >> 32)),
		.count_lo = htonl((uint32_t)count),
	};
}

static void stream_line(const char *test, uint64_t bytes, uint64_t ns)
{
	printf("NETBENCH test=%s bytes=%llu ns=%llu mb_s=%.1f\n", test,
	       (unsigned long long)bytes, (unsigned long long)ns,
	       ns ? bytes * 1e3 / (double)ns : 0.0);
	fflush(stdout);
}

static int client_send(uint64_t bytes, uint32_t ms)
{
	struct request r = make_request(OP_SEND, 0, ms, bytes);
	uint64_t t0 = now_ns(), end = t0 + ms * 1000000ULL, sent = 0;
	uint32_t ack[2];
	size_t len;
	int fd = dial(&r);

	if (fd < 0)
		return fail("send: connect");
	while (sent < bytes && now_ns() < end) {
		len = bytes - sent < sizeof(buf) ? bytes - sent : sizeof(buf);
		if (write_full(fd, buf, len))
			goto bad;
		sent += len;
	}
	if (shutdown(fd, SHUT_WR) || read_full(fd, ack, sizeof(ack)))
		goto bad;
	errno = 0;
	if (((uint64_t)ntohl(ack[0]) << 32 | ntohl(ack[1])) != sent)
		goto bad;
	stream_line("send", sent, now_ns() - t0);
	close(fd);
	return 0;
bad:
	close(fd);
	return fail("send");
}

static int client_recv(uint64_t bytes, uint32_t ms)
{
	struct request r = make_request(OP_RECV, 0, ms, bytes);
	uint64_t t0 = now_ns(), got = 0;
	uint64_t end = t0 + (ms + 2 * IO_TIMEOUT_S * 1000) * 1000000ULL;
	int fd = dial(&r);
	ssize_t n;

	if (fd < 0)
		return fail("recv: connect");
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (uint64_t)n;
		if (now_ns() > end || got > bytes) {
			n = -1;
			errno = got > bytes ? EPROTO : ETIMEDOUT;
			break;
		}
	}
	close(fd);
	errno = n < 0 ? errno : 0;
	if (n < 0 || !got)
		return fail("recv");
	stream_line("recv", got, now_ns() - t0);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int client_ping(const char *test, uint32_t size, uint32_t rounds)
{
	struct request r = make_request(OP_PING, size, 0, rounds + WARMUP);
	uint64_t *ns = calloc(rounds, sizeof(*ns)), t0;
	uint32_t i;
	int fd = dial(&r);

	if (!ns || fd < 0) {
		free(ns);
		if (fd >= 0)
			close(fd);
		return fail("ping: connect");
	}
	for (i = 0; i < rounds + WARMUP; i++) {
		t0 = now_ns();
		if (write_full(fd, buf, size) || read_full(fd, buf, size)) {
			close(fd);
			free(ns);
			return fail(test);
		}
		if (i >= WARMUP)
			ns[i - WARMUP] = now_ns() - t0;
	}
	close(fd);
	qsort(ns, rounds, sizeof(*ns), cmp_u64);
	printf("NETBENCH test=%s size=%u rounds=%u median_ns=%llu p99_ns=%llu min_ns=%llu max_ns=%llu\n",
	       test, size, rounds, (unsigned long long)ns[rounds / 2],
	       (unsigned long long)ns[(uint64_t)rounds * 99 / 100],
	       (unsigned long long)ns[0], (unsigned long long)ns[rounds - 1]);
	fflush(stdout);
	free(ns);
	return 0;
}

static int client(int argc, char **argv)
{
	const char *test = argv[4];
	long mib = arg_num(argc, argv, 5, 64, 1L << 20);
	long rounds = arg_num(argc, argv, 7, 2000, MAX_ROUNDS);
	double secs = 5;
	char *end = NULL;
	uint32_t ms;
	int all = !strcmp(test, "all"), err = 0;

	if (parse_addr(argv[2], argv[3], &peer))
		return 2;
	if (!all && strcmp(test, "send") && strcmp(test, "recv") &&
	    strcmp(test, "rr1") && strcmp(test, "rr64")) {
		fprintf(stderr, "netbench: unknown test '%s'\n", test);
		return 2;
	}
	if (argc > 6)
		secs = strtod(argv[6], &end);
	if (mib <= 0 || rounds <= 0 || (end && (end == argv[6] || *end)) ||
	    !(secs > 0 && secs <= MAX_MS / 1000)) {
		fprintf(stderr,
			"netbench: MIB 1..%ld, SECONDS above 0 up to %u, ROUNDS 1..%u\n",
			1L << 20, MAX_MS / 1000, MAX_ROUNDS);
		return 2;
	}
	ms = (uint32_t)(secs * 1000);
	if (!err && (all || !strcmp(test, "send")))
		err = client_send((uint64_t)mib << 20, ms);
	if (!err && (all || !strcmp(test, "recv")))
		err = client_recv((uint64_t)mib << 20, ms);
	if (!err && (all || !strcmp(test, "rr1")))
		err = client_ping("rr1", 1, (uint32_t)rounds);
	if (!err && (all || !strcmp(test, "rr64")))
		err = client_ping("rr64", 64, (uint32_t)rounds);
	if (err)
		return 1;
	printf("NETBENCH-DONE\n");
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 0x5a, sizeof(buf));
	if (argc >= 4 && argc <= 6 && !strcmp(argv[1], "server"))
		return server(argc, argv);
	if (argc >= 5 && argc <= 8 && !strcmp(argv[1], "client"))
		return client(argc, argv);
	fprintf(stderr,
		"usage: netbench server ADDR PORT [CONNS [IDLE_S]]\n"
		"       netbench client ADDR PORT send|recv|rr1|rr64|all [MIB [SECONDS [ROUNDS]]]\n");
	return 2;
}
