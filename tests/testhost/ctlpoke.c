// SPDX-License-Identifier: GPL-2.0
/*
 * ctlpoke: a misbehaving control-socket client, for the test host
 * scenarios (not part of lkvm). It connects to a VM's socket and does one
 * bad thing, then prints what came back on one line:
 *
 *   ctlpoke SOCKET garbage       bytes that are no frame at all
 *   ctlpoke SOCKET oversize      a header announcing 1 MiB
 *   ctlpoke SOCKET truncated     half a request, then close
 *   ctlpoke SOCKET version N     a request of protocol version N
 *   ctlpoke SOCKET unknown       a request for command 999
 *   ctlpoke SOCKET silent SECS   connect, say nothing for SECS seconds
 *   ctlpoke SOCKET midreply      ask for lkvm stat, close without reading
 *   ctlpoke SOCKET info          a good request (whoever runs it)
 *
 * Output: "reply status=S message=TEXT" and/or "closed" (the VM hung up),
 * "open" (it did not, within 5 s), "error TEXT". Exit 0 unless ctlpoke
 * itself failed.
 */
#include "kvm/control-server.h"
#include "kvm/control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int frame(uint8_t version, uint16_t op, uint8_t *out)
{
	struct ctl_buf b;
	int n;

	ctl_buf__init(&b, CTL_MAX_REQUEST);
	ctl_msg__begin(&b, CTL_REQUEST, op, 0);
	ctl_msg__end(&b);
	b.data[4] = version;
	memcpy(out, b.data, b.len);
	n = (int)b.len;
	ctl_buf__free(&b);
	return n;
}

/* Print the reply, if one comes, then whether the VM hangs up. */
static void outcome(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct ctl_field f;
	struct ctl_msg m;
	uint8_t *buf;
	char msg[256] = "";
	char c;
	int ret;

	ret = ctl__recv(fd, &buf, &m, 5000);
	if (!ret) {
		if (ctl_msg__find(&m, CTL_T_MESSAGE, &f))
			ctl_field__str(&f, msg, sizeof(msg));
		printf("reply status=%d message=%s\n", m.status, msg);
		free(buf);
	} else if (ret != -ECONNRESET && ret != -ETIMEDOUT) {
		printf("error %s\n", strerror(-ret));
	}
	if (ret == -ECONNRESET ||
	    (poll(&pfd, 1, 5000) == 1 && read(fd, &c, 1) <= 0))
		printf("closed\n");
	else
		printf("open\n");
}

int main(int argc, char **argv)
{
	static const char garbage[] = "GET / HTTP/1.0\r\n\r\nxxxxxxxxxxxxxxxx";
	uint8_t buf[64] = { 0 };
	int fd, n;

	if (argc < 3) {
		fprintf(stderr, "usage: ctlpoke SOCKET MODE [ARG]\n");
		return 2;
	}
	fd = ctl__connect(argv[1]);
	if (fd < 0) {
		printf("error connect: %s\n", strerror(-fd));
		return 0;
	}
	if (!strcmp(argv[2], "garbage")) {
		ctl__send(fd, garbage, sizeof(garbage) - 1, 5000);
	} else if (!strcmp(argv[2], "oversize")) {
		n = frame(CTL_VERSION, CTL_OP_INFO, buf);
		buf[0] = 0;
		buf[1] = 0;
		buf[2] = 0x10; /* 1 MiB follows */
		ctl__send(fd, buf, (size_t)n, 5000);
	} else if (!strcmp(argv[2], "truncated")) {
		n = frame(CTL_VERSION, CTL_OP_INFO, buf);
		buf[0] = 40; /* more than will come */
		ctl__send(fd, buf, (size_t)n, 5000);
		close(fd);
		printf("sent\n");
		return 0;
	} else if (!strcmp(argv[2], "version") && argc > 3) {
		n = frame((uint8_t)atoi(argv[3]), CTL_OP_INFO, buf);
		ctl__send(fd, buf, (size_t)n, 5000);
	} else if (!strcmp(argv[2], "unknown")) {
		n = frame(CTL_VERSION, 999, buf);
		ctl__send(fd, buf, (size_t)n, 5000);
	} else if (!strcmp(argv[2], "silent") && argc > 3) {
		sleep((unsigned int)atoi(argv[3]));
	} else if (!strcmp(argv[2], "midreply")) {
		n = frame(CTL_VERSION, CTL_OP_STAT, buf);
		ctl__send(fd, buf, (size_t)n, 5000);
		close(fd);
		printf("sent\n");
		return 0;
	} else if (!strcmp(argv[2], "info")) {
		n = frame(CTL_VERSION, CTL_OP_INFO, buf);
		ctl__send(fd, buf, (size_t)n, 5000);
	} else {
		fprintf(stderr, "ctlpoke: unknown mode '%s'\n", argv[2]);
		return 2;
	}
	outcome(fd);
	close(fd);
	return 0;
}
