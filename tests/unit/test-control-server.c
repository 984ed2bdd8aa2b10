// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/control-cli.h"
#include "kvm/control-server.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A fake VM behind the server. */
struct vm {
	struct ctl_server *srv;
	struct ctl_evq q;
	size_t big_reply; /* bytes of text in a STAT reply */
	int requests; /* __atomic */
	char dir[64];
	char path[128];
};

static enum ctl_verdict vm_request(void *opaque, const struct ctl_msg *req,
				   const struct ctl_peer *peer,
				   struct ctl_buf *reply)
{
	struct vm *vm = opaque;
	char *text;

	__atomic_fetch_add(&vm->requests, 1, __ATOMIC_RELAXED);
	switch (req->op) {
	case CTL_OP_INFO:
		ctl_msg__begin(reply, CTL_REPLY, req->op, 0);
		ctl_msg__put_str(reply, CTL_T_NAME, "test-vm");
		ctl_msg__put_int(reply, CTL_T_PID, (uint64_t)peer->pid);
		ctl_msg__end(reply);
		return CTL_DONE;
	case CTL_OP_STAT:
		text = malloc(vm->big_reply + 1);
		memset(text, 's', vm->big_reply);
		text[vm->big_reply] = '\0';
		ctl_msg__begin(reply, CTL_REPLY, req->op, 0);
		while (vm->big_reply && strlen(text) > 60000)
			text[60000] = '\0';
		ctl_msg__put_str(reply, CTL_T_MESSAGE, text);
		ctl_msg__put_str(reply, CTL_T_NAME, text);
		ctl_msg__end(reply);
		free(text);
		return CTL_DONE;
	case CTL_OP_WATCH:
		ctl_msg__begin(reply, CTL_REPLY, req->op, 0);
		ctl_msg__end(reply);
		return CTL_WATCH;
	case CTL_OP_STOP:
		ctl_msg__begin(reply, CTL_REPLY, req->op, 0);
		ctl_msg__end(reply);
		return CTL_CLOSE;
	default:
		ctl_msg__error(reply, req->op, -ENOSYS, "unknown command");
		return CTL_DONE;
	}
}

static void vm_events(void *opaque, struct ctl_server *srv)
{
	struct vm *vm = opaque;
	struct ctl_event ev[16];
	struct ctl_buf b;
	uint64_t lost;
	unsigned int n, i;

	ctl_buf__init(&b, 4096);
	do {
		n = ctl_evq__pop(&vm->q, ev, 16, &lost);
		for (i = 0; i < n; i++) {
			const uint64_t v[4] = { ev[i].t_us, ev[i].vcpu,
						ev[i].old, ev[i].state };

			b.len = 0;
			ctl_msg__begin(&b, CTL_EVENT, CTL_EV_POWER, 0);
			ctl_msg__put_ints(&b, CTL_T_EV_STATE, v, 4);
			ctl_msg__end(&b);
			ctl_server__broadcast(srv, b.data, b.len);
		}
		if (lost) {
			b.len = 0;
			ctl_msg__begin(&b, CTL_EVENT, CTL_EV_LOST, 0);
			ctl_msg__put_int(&b, CTL_T_LOST, lost);
			ctl_msg__end(&b);
			ctl_server__broadcast(srv, b.data, b.len);
		}
	} while (n);
	ctl_buf__free(&b);
}

static const struct ctl_server_ops vm_ops = {
	.request = vm_request,
	.events = vm_events,
};

static bool vm_start(struct test_ctx *t, struct vm *vm,
		     const struct ctl_limits *lim)
{
	struct ctl_limits def;
	char err[200];
	int fd;

	memset(vm, 0, sizeof(*vm));
	strcpy(vm->dir, "/tmp/lkvm-unit-XXXXXX");
	CHECK(t, mkdtemp(vm->dir) != NULL);
	CHECK_EQ(t, ctl__sock_path(vm->dir, "vm", vm->path, sizeof(vm->path)),
		 0);
	fd = ctl__listen(vm->path, err, sizeof(err));
	CHECK(t, fd >= 0);
	CHECK_EQ(t, ctl_evq__init(&vm->q, 8), 0);
	if (!lim) {
		ctl_server__default_limits(&def);
		lim = &def;
	}
	vm->srv = ctl_server__new(fd, lim, &vm_ops, vm);
	CHECK(t, vm->srv != NULL);
	CHECK_EQ(t, ctl_server__start(vm->srv), 0);
	return !t->failed;
}

/* Connect with a receive timeout: a regression fails, never hangs. */
static int tconnect(const char *path)
{
	struct timeval tv = { .tv_sec = 10 };
	int fd = ctl__connect(path);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void vm_stop(struct vm *vm)
{
	ctl_server__free(vm->srv);
	ctl_evq__destroy(&vm->q);
	unlink(vm->path);
	rmdir(vm->dir);
}

static int send_request(int fd, uint16_t op)
{
	struct ctl_buf b;
	int ret;

	ctl_buf__init(&b, 4096);
	ctl_msg__begin(&b, CTL_REQUEST, op, 0);
	ctl_msg__end(&b);
	ret = ctl__send(fd, b.data, b.len, 5000);
	ctl_buf__free(&b);
	return ret;
}

/* Send op, receive the reply: its status, or a -errno of the transport. */
static int call(int fd, uint16_t op, struct ctl_msg *m, uint8_t **frame)
{
	int ret = send_request(fd, op);

	if (ret)
		return ret;
	ret = ctl__recv(fd, frame, m, 5000);
	if (ret)
		return ret;
	return m->status;
}

/* Does a fresh client still get served? */
static bool served(struct vm *vm)
{
	struct ctl_msg m;
	uint8_t *frame = NULL;
	int fd = tconnect(vm->path), ret;

	if (fd < 0)
		return false;
	ret = call(fd, CTL_OP_INFO, &m, &frame);
	free(frame);
	close(fd);
	return ret == 0 && m.op == CTL_OP_INFO;
}

static void expect_refusal(struct test_ctx *t, int fd, int status,
			   const char *words)
{
	struct ctl_msg m;
	struct ctl_field f;
	uint8_t *frame, c;
	char msg[200] = "";

	CHECK_EQ(t, ctl__recv(fd, &frame, &m, 5000), 0);
	if (t->failed)
		return;
	CHECK_EQ(t, m.kind, CTL_REPLY);
	CHECK_EQ(t, m.status, status);
	if (ctl_msg__find(&m, CTL_T_MESSAGE, &f))
		ctl_field__str(&f, msg, sizeof(msg));
	CHECK(t, strstr(msg, words) != NULL);
	free(frame);
	/* ...and then the VM hangs up. */
	CHECK_EQ(t, recv(fd, &c, 1, 0), 0);
}

static void serves_clients(struct test_ctx *t)
{
	struct vm vm;
	struct ctl_msg m;
	struct ctl_field f;
	uint8_t *frame;
	int fd[3], i;
	char name[32];

	if (!vm_start(t, &vm, NULL))
		return;
	for (i = 0; i < 3; i++)
		fd[i] = tconnect(vm.path);
	for (i = 2; i >= 0; i--) {
		CHECK_EQ(t, call(fd[i], CTL_OP_INFO, &m, &frame), 0);
		CHECK(t, ctl_msg__find(&m, CTL_T_NAME, &f));
		ctl_field__str(&f, name, sizeof(name));
		CHECK_STR(t, name, "test-vm");
		CHECK(t, ctl_msg__find(&m, CTL_T_PID, &f));
		CHECK_EQ(t, ctl_field__int(&f, 0), getpid());
		free(frame);
	}
	/* Several requests on one connection; an unknown one is answered
	 * and the connection stays. */
	CHECK_EQ(t, call(fd[0], 999, &m, &frame), -ENOSYS);
	free(frame);
	CHECK_EQ(t, call(fd[0], CTL_OP_INFO, &m, &frame), 0);
	free(frame);
	/* Two requests in one write: two replies, in order. */
	{
		struct ctl_buf two;

		ctl_buf__init(&two, 4096);
		ctl_msg__begin(&two, CTL_REQUEST, 999, 0);
		ctl_msg__end(&two);
		ctl_msg__begin(&two, CTL_REQUEST, CTL_OP_INFO, 0);
		ctl_msg__end(&two);
		CHECK_EQ(t, ctl__send(fd[1], two.data, two.len, 5000), 0);
		ctl_buf__free(&two);
	}
	CHECK_EQ(t, ctl__recv(fd[1], &frame, &m, 5000), 0);
	CHECK_EQ(t, m.status, -ENOSYS);
	free(frame);
	CHECK_EQ(t, ctl__recv(fd[1], &frame, &m, 5000), 0);
	CHECK_EQ(t, m.op, CTL_OP_INFO);
	free(frame);
	for (i = 0; i < 3; i++)
		close(fd[i]);
	vm_stop(&vm);
}

static void bad_clients_dropped(struct test_ctx *t)
{
	static const char garbage[] = "GET / HTTP/1.1\r\n\r\n";
	uint8_t frame[64] = { 0 };
	struct vm vm;
	int fd;

	if (!vm_start(t, &vm, NULL))
		return;

	/* Garbage: an absurd length. */
	fd = tconnect(vm.path);
	CHECK_EQ(t, ctl__send(fd, garbage, sizeof(garbage) - 1, 5000), 0);
	expect_refusal(t, fd, -EMSGSIZE, "longer than");
	close(fd);
	CHECK(t, served(&vm));

	/* Oversized: a real header, 5000 bytes announced. */
	fd = tconnect(vm.path);
	frame[0] = 0x84;
	frame[1] = 0x13;
	frame[4] = CTL_VERSION;
	frame[5] = CTL_REQUEST;
	CHECK_EQ(t, ctl__send(fd, frame, CTL_HDR_SIZE, 5000), 0);
	expect_refusal(t, fd, -EMSGSIZE, "longer than 4096");
	close(fd);

	/* Too short to be a header. */
	fd = tconnect(vm.path);
	memset(frame, 0, sizeof(frame));
	frame[0] = 2;
	CHECK_EQ(t, ctl__send(fd, frame, 6, 5000), 0);
	expect_refusal(t, fd, -EBADMSG, "malformed");
	close(fd);

	/* Another version. */
	fd = tconnect(vm.path);
	frame[0] = CTL_HDR_SIZE - 4;
	frame[4] = 7;
	frame[5] = CTL_REQUEST;
	CHECK_EQ(t, ctl__send(fd, frame, CTL_HDR_SIZE, 5000), 0);
	expect_refusal(t, fd, -EPROTONOSUPPORT, "version 7 is not supported");
	close(fd);

	/* A reply where a request belongs; a field cut short. */
	fd = tconnect(vm.path);
	frame[4] = CTL_VERSION;
	frame[5] = CTL_REPLY;
	CHECK_EQ(t, ctl__send(fd, frame, CTL_HDR_SIZE, 5000), 0);
	expect_refusal(t, fd, -EBADMSG, "expected a request");
	close(fd);
	fd = tconnect(vm.path);
	frame[0] = CTL_HDR_SIZE - 4 + 3;
	frame[5] = CTL_REQUEST;
	CHECK_EQ(t, ctl__send(fd, frame, CTL_HDR_SIZE + 3, 5000), 0);
	expect_refusal(t, fd, -EBADMSG, "malformed");
	close(fd);

	/* Truncated: half a request, then gone. */
	fd = tconnect(vm.path);
	frame[0] = 40;
	CHECK_EQ(t, ctl__send(fd, frame, 20, 5000), 0);
	close(fd);
	CHECK(t, served(&vm));
	CHECK_EQ(t, __atomic_load_n(&vm.requests, __ATOMIC_RELAXED), 2);
	vm_stop(&vm);
}

/* A client that connects and says nothing costs nothing, then goes. */
static void silent_client(struct test_ctx *t)
{
	struct ctl_limits lim;
	struct vm vm;
	uint8_t c;
	int fd, half;

	ctl_server__default_limits(&lim);
	lim.idle_ms = 300;
	if (!vm_start(t, &vm, &lim))
		return;
	fd = tconnect(vm.path);
	half = tconnect(vm.path);
	CHECK_EQ(t, ctl__send(half, "\x20\0\0\0\1\1", 6, 5000), 0);
	CHECK(t, served(&vm));
	CHECK(t, served(&vm));
	/* Dropped at the idle timeout, half a request or none. */
	CHECK_EQ(t, recv(fd, &c, 1, 0), 0);
	CHECK_EQ(t, recv(half, &c, 1, 0), 0);
	close(fd);
	close(half);
	CHECK(t, served(&vm));
	vm_stop(&vm);
}

static void too_many_clients(struct test_ctx *t)
{
	struct ctl_limits lim;
	struct vm vm;
	int a, b, c;

	ctl_server__default_limits(&lim);
	lim.max_clients = 2;
	if (!vm_start(t, &vm, &lim))
		return;
	a = tconnect(vm.path);
	b = tconnect(vm.path);
	c = tconnect(vm.path);
	expect_refusal(t, c, -EUSERS, "too many clients");
	close(a);
	close(b);
	close(c);
	/* The slots come free once the server has seen the closes. */
	for (a = 0; a < 200 && !served(&vm); a++)
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	CHECK(t, a < 200);
	vm_stop(&vm);
}

/* The client goes away in the middle of a large reply. */
static void gone_mid_reply(struct test_ctx *t)
{
	struct vm vm;
	int fd, i;

	if (!vm_start(t, &vm, NULL))
		return;
	vm.big_reply = 120000;
	for (i = 0; i < 20; i++) {
		fd = tconnect(vm.path);
		CHECK_EQ(t, send_request(fd, CTL_OP_STAT), 0);
		close(fd);
	}
	/* And one that reads a little, then leaves. */
	fd = tconnect(vm.path);
	CHECK_EQ(t, send_request(fd, CTL_OP_STAT), 0);
	{
		char buf[100];

		CHECK(t, recv(fd, buf, sizeof(buf), MSG_WAITALL) == 100);
	}
	close(fd);
	CHECK(t, served(&vm));
	vm_stop(&vm);
}

static void watchers(struct test_ctx *t)
{
	struct ctl_limits lim;
	struct ctl_event ev = { .t_us = 5, .vcpu = 1, .old = 0, .state = 1 };
	struct ctl_msg m;
	struct ctl_field f;
	struct vm vm;
	uint8_t *frame;
	int w1, w2, i, lost = 0, seen = 0;
	char buf[4096];
	ssize_t n;

	ctl_server__default_limits(&lim);
	lim.max_watch = 2048;
	lim.idle_ms = 200; /* watchers are not idle */
	if (!vm_start(t, &vm, &lim))
		return;
	w1 = tconnect(vm.path);
	w2 = tconnect(vm.path);
	CHECK_EQ(t, call(w1, CTL_OP_WATCH, &m, &frame), 0);
	free(frame);
	CHECK_EQ(t, call(w2, CTL_OP_WATCH, &m, &frame), 0);
	free(frame);
	CHECK_EQ(t, ctl_server__watchers(vm.srv), 2);

	/* Three events, each to both. */
	for (i = 0; i < 3; i++) {
		ev.vcpu = (uint32_t)i;
		CHECK(t, ctl_evq__push(&vm.q, &ev));
	}
	ctl_server__notify(vm.srv);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(t, ctl__recv(w1, &frame, &m, 5000), 0);
		CHECK_EQ(t, m.kind, CTL_EVENT);
		CHECK(t, ctl_msg__find(&m, CTL_T_EV_STATE, &f));
		CHECK_EQ(t, ctl_field__int(&f, 1), i);
		free(frame);
		CHECK_EQ(t, ctl__recv(w2, &frame, &m, 5000), 0);
		free(frame);
	}

	/* Overflow the vCPU-side queue: the loss is reported, last. */
	for (i = 0; i < 12; i++)
		ctl_evq__push(&vm.q, &ev);
	ctl_server__notify(vm.srv);
	for (i = 0; i < 9; i++) {
		CHECK_EQ(t, ctl__recv(w1, &frame, &m, 5000), 0);
		if (m.op == CTL_EV_LOST) {
			CHECK(t, ctl_msg__find(&m, CTL_T_LOST, &f));
			lost = (int)ctl_field__int(&f, 0);
			CHECK_EQ(t, i, 8);
		}
		free(frame);
	}
	CHECK_EQ(t, lost, 4);

	/* w2 stops reading: dropped once its queue fills, w1 goes on. */
	for (i = 0; i < 3000 && ctl_server__watchers(vm.srv) == 2; i++) {
		ctl_evq__push(&vm.q, &ev);
		ctl_server__notify(vm.srv);
		while ((n = recv(w1, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			seen += (int)n;
		if (i % 64 == 0)
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	CHECK_EQ(t, ctl_server__watchers(vm.srv), 1);
	CHECK(t, seen > 0);
	while (recv(w2, buf, sizeof(buf), 0) > 0)
		; /* then EOF (or the 10 s timeout: a failure above) */
	/* The end of the VM ends the watch. */
	vm_stop(&vm);
	while ((n = recv(w1, buf, sizeof(buf), 0)) > 0)
		;
	CHECK_EQ(t, n, 0);
	close(w1);
	close(w2);
}

static void close_verdict(struct test_ctx *t)
{
	struct ctl_msg m;
	struct vm vm;
	uint8_t *frame, c;
	int fd;

	if (!vm_start(t, &vm, NULL))
		return;
	fd = tconnect(vm.path);
	CHECK_EQ(t, call(fd, CTL_OP_STOP, &m, &frame), 0);
	free(frame);
	CHECK_EQ(t, recv(fd, &c, 1, 0), 0);
	close(fd);
	vm_stop(&vm);
}

static void names_and_paths(struct test_ctx *t)
{
	char buf[200], long_name[CTL_NAME_MAX + 2];
	const char *old_xdg = getenv("XDG_RUNTIME_DIR");
	const char *old_home = getenv("HOME");

	CHECK(t, ctl__name_valid("guest-123"));
	CHECK(t, ctl__name_valid("a.b_c+d"));
	CHECK(t, !ctl__name_valid(""));
	CHECK(t, !ctl__name_valid(".hidden"));
	CHECK(t, !ctl__name_valid("-opt"));
	CHECK(t, !ctl__name_valid("a/b"));
	CHECK(t, !ctl__name_valid("a b"));
	CHECK(t, !ctl__name_valid("\xc3\xa9t\xc3\xa9"));
	memset(long_name, 'x', sizeof(long_name));
	long_name[CTL_NAME_MAX] = '\0';
	CHECK(t, ctl__name_valid(long_name));
	long_name[CTL_NAME_MAX] = 'x';
	long_name[CTL_NAME_MAX + 1] = '\0';
	CHECK(t, !ctl__name_valid(long_name));

	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	setenv("HOME", "/home/u", 1);
	CHECK_EQ(t, ctl__dir(buf, sizeof(buf)), 0);
	CHECK_STR(t, buf, "/run/user/7/lkvm");
	setenv("XDG_RUNTIME_DIR", "relative", 1);
	CHECK_EQ(t, ctl__dir(buf, sizeof(buf)), 0);
	CHECK_STR(t, buf, "/home/u/.lkvm");
	unsetenv("XDG_RUNTIME_DIR");
	CHECK_EQ(t, ctl__dir(buf, sizeof(buf)), 0);
	CHECK_STR(t, buf, "/home/u/.lkvm");
	CHECK_EQ(t, ctl__dir(buf, 5), -ENAMETOOLONG);
	unsetenv("HOME");
	CHECK_EQ(t, ctl__dir(buf, sizeof(buf)), -ENOENT);
	if (old_xdg)
		setenv("XDG_RUNTIME_DIR", old_xdg, 1);
	if (old_home)
		setenv("HOME", old_home, 1);

	CHECK_EQ(t, ctl__sock_path("/d", "vm", buf, sizeof(buf)), 0);
	CHECK_STR(t, buf, "/d/vm.sock");
	memset(buf, 'd', 100);
	buf[0] = '/';
	buf[100] = '\0';
	{
		char dir[101], out[200];

		strcpy(dir, buf);
		CHECK_EQ(t, ctl__sock_path(dir, "vm", out, sizeof(out)),
			 -ENAMETOOLONG);
	}
}

static void socket_lifetime(struct test_ctx *t)
{
	char dir[64] = "/tmp/lkvm-unit-XXXXXX", sub[100], path[128];
	char err[200];
	struct stat st;
	int fd, fd2, c;
	FILE *f;

	CHECK(t, mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/lkvm", dir);
	CHECK_EQ(t, ctl__make_dir(sub, err, sizeof(err)), 0);
	CHECK_EQ(t, stat(sub, &st), 0);
	CHECK_EQ(t, st.st_mode & 0777, 0700);
	/* Ours but too open: narrowed. */
	chmod(sub, 0755);
	CHECK_EQ(t, ctl__make_dir(sub, err, sizeof(err)), 0);
	CHECK_EQ(t, stat(sub, &st), 0);
	CHECK_EQ(t, st.st_mode & 0777, 0700);

	snprintf(path, sizeof(path), "%s/vm.sock", sub);
	fd = ctl__listen(path, err, sizeof(err));
	CHECK(t, fd >= 0);
	CHECK_EQ(t, stat(path, &st), 0);
	CHECK_EQ(t, st.st_mode & 0777, 0600);
	/* A live one is refused, and left alone. */
	fd2 = ctl__listen(path, err, sizeof(err));
	CHECK_EQ(t, fd2, -EADDRINUSE);
	CHECK(t, strstr(err, "already running") != NULL);
	CHECK_EQ(t, stat(path, &st), 0);
	c = ctl__connect(path);
	CHECK(t, c >= 0);
	close(c);
	/* Its VM dies without cleaning up: the next one replaces it. */
	close(fd);
	CHECK_EQ(t, stat(path, &st), 0);
	CHECK_EQ(t, ctl__connect(path), -ECONNREFUSED);
	fd = ctl__listen(path, err, sizeof(err));
	CHECK(t, fd >= 0);
	c = ctl__connect(path);
	CHECK(t, c >= 0);
	close(c);
	close(fd);
	unlink(path);
	/* Not a socket: refused, not removed. */
	f = fopen(path, "w");
	if (f)
		fclose(f);
	CHECK_EQ(t, ctl__listen(path, err, sizeof(err)), -EEXIST);
	CHECK(t, strstr(err, "not a socket") != NULL);
	CHECK_EQ(t, stat(path, &st), 0);
	unlink(path);
	CHECK_EQ(t, ctl__connect(path), -ENOENT);
	rmdir(sub);
	/* A file where the directory should be. */
	f = fopen(sub, "w");
	if (f)
		fclose(f);
	CHECK_EQ(t, ctl__make_dir(sub, err, sizeof(err)), -ENOTDIR);
	unlink(sub);
	rmdir(dir);
}

#define PRODUCERS 4
#define PUSHES 5000

static void *producer_fn(void *arg)
{
	struct ctl_evq *q = arg;
	struct ctl_event ev = { 0 };
	int i;

	for (i = 0; i < PUSHES; i++) {
		ev.t_us = (uint64_t)i;
		ctl_evq__push(q, &ev);
	}
	return NULL;
}

static void event_queue(struct test_ctx *t)
{
	struct ctl_evq q;
	struct ctl_event ev = { 0 }, out[8];
	pthread_t th[PRODUCERS];
	uint64_t lost, total_lost = 0, got = 0;
	unsigned int i, n;

	CHECK_EQ(t, ctl_evq__init(&q, 0), -EINVAL);
	CHECK_EQ(t, ctl_evq__init(&q, 4), 0);
	for (i = 0; i < 6; i++) {
		ev.vcpu = i;
		CHECK_EQ(t, ctl_evq__push(&q, &ev), i < 4);
	}
	/* In order; the loss only once the queue is drained. */
	CHECK_EQ(t, ctl_evq__pop(&q, out, 3, &lost), 3);
	CHECK_EQ(t, lost, 0);
	CHECK_EQ(t, out[0].vcpu, 0);
	CHECK_EQ(t, out[2].vcpu, 2);
	CHECK_EQ(t, ctl_evq__pop(&q, out, 8, &lost), 1);
	CHECK_EQ(t, out[0].vcpu, 3);
	CHECK_EQ(t, lost, 2);
	CHECK_EQ(t, ctl_evq__pop(&q, out, 8, &lost), 0);
	CHECK_EQ(t, lost, 0);

	/* Producers never wait; every event is delivered or counted. */
	for (i = 0; i < PRODUCERS; i++)
		pthread_create(&th[i], NULL, producer_fn, &q);
	for (i = 0; i < 100000 && got + total_lost < PRODUCERS * PUSHES; i++) {
		n = ctl_evq__pop(&q, out, 8, &lost);
		got += n;
		total_lost += lost;
	}
	for (i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);
	do {
		n = ctl_evq__pop(&q, out, 8, &lost);
		got += n;
		total_lost += lost;
	} while (n || lost);
	CHECK_EQ(t, got + total_lost, PRODUCERS * PUSHES);
	ctl_evq__destroy(&q);
}

/* The client's side: VMs by name under $XDG_RUNTIME_DIR/lkvm. */
static void client_by_name(struct test_ctx *t)
{
	const char *old_xdg = getenv("XDG_RUNTIME_DIR");
	char top[64] = "/tmp/lkvm-unit-XXXXXX", dir[100], path[128], err[300];
	struct ctl_server *srv;
	struct ctl_limits lim;
	struct ctl_vm_info *vms;
	struct ctl_conn c, hold;
	struct vm vm = { 0 };
	unsigned int n;
	int fd;

	CHECK(t, mkdtemp(top) != NULL);
	snprintf(dir, sizeof(dir), "%s/lkvm", top);
	CHECK_EQ(t, ctl__make_dir(dir, err, sizeof(err)), 0);
	setenv("XDG_RUNTIME_DIR", top, 1);
	ctl_server__default_limits(&lim);
	lim.max_clients = 1;
	snprintf(path, sizeof(path), "%s/one.sock", dir);
	srv = ctl_server__new(ctl__listen(path, err, sizeof(err)), &lim,
			      &vm_ops, &vm);
	CHECK(t, srv && !ctl_server__start(srv));
	/* A socket left behind by a VM that died. */
	snprintf(path, sizeof(path), "%s/dead.sock", dir);
	close(ctl__listen(path, err, sizeof(err)));

	CHECK_EQ(t, ctl_conn__open(&c, "one", err, sizeof(err)), 0);
	CHECK_EQ(t, ctl_conn__simple(&c, CTL_OP_INFO, 5000, err, sizeof(err)),
		 0);
	CHECK_EQ(t, c.m.op, CTL_OP_INFO);
	CHECK_EQ(t, ctl_conn__simple(&c, 999, 5000, err, sizeof(err)), -ENOSYS);
	CHECK_STR(t, err, "one: unknown command");
	ctl_conn__close(&c);

	CHECK_EQ(t, ctl_conn__open(&c, "nosuch", err, sizeof(err)), -ENOENT);
	CHECK_STR(t, err, "no VM named 'nosuch'");
	CHECK_EQ(t, ctl_conn__open(&c, "dead", err, sizeof(err)),
		 -ECONNREFUSED);
	CHECK(t, strstr(err, "no VM named 'dead' is running") != NULL);
	CHECK_EQ(t, ctl_conn__open(&c, "a/b", err, sizeof(err)), -EINVAL);

	/* Refused at once (the one slot is taken): the reason still shows. */
	CHECK_EQ(t, ctl_conn__open(&hold, "one", err, sizeof(err)), 0);
	CHECK_EQ(t, ctl_conn__open(&c, "one", err, sizeof(err)), 0);
	CHECK_EQ(t, ctl_conn__simple(&c, CTL_OP_INFO, 5000, err, sizeof(err)),
		 -EUSERS);
	CHECK_STR(t, err, "one: too many clients");
	ctl_conn__close(&c);
	ctl_conn__close(&hold);

	/* Every VM that answers; the dead one is skipped. */
	for (n = 0, fd = 0; fd < 200; fd++) {
		vms = ctl__find_vms(&n, 5000, NULL);
		if (n == 1)
			break;
		free(vms); /* the slot may not be free yet */
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	CHECK_EQ(t, n, 1);
	if (n == 1)
		CHECK_STR(t, vms[0].name, "one");
	free(vms);
	ctl_server__free(srv); /* its socket stays, unanswered */
	vms = ctl__find_vms(&n, 5000, NULL);
	CHECK_EQ(t, n, 0);
	free(vms);

	if (old_xdg)
		setenv("XDG_RUNTIME_DIR", old_xdg, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	snprintf(path, sizeof(path), "%s/one.sock", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/dead.sock", dir);
	unlink(path);
	rmdir(dir);
	rmdir(top);
}

TEST_SUITE(control_server, TEST(serves_clients), TEST(bad_clients_dropped),
	   TEST(silent_client), TEST(too_many_clients), TEST(gone_mid_reply),
	   TEST(watchers), TEST(close_verdict), TEST(names_and_paths),
	   TEST(socket_lifetime), TEST(event_queue), TEST(client_by_name));
