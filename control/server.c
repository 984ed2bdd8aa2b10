// SPDX-License-Identifier: GPL-2.0
/*
 * The control thread (see kvm/control-server.h): one poll loop over the
 * listening socket, an eventfd and the clients. Every socket is
 * non-blocking and every buffer bounded; a client is served one request
 * at a time (the next is read once its reply has left), so a client that
 * never reads costs one reply's worth of memory at most.
 */
#include "kvm/control-server.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct client {
	int fd; /* -1: a free slot */
	struct ctl_peer peer;
	uint8_t in[CTL_MAX_REQUEST];
	size_t in_len;
	struct ctl_buf out;
	size_t out_off; /* bytes of out already sent */
	bool watcher;
	bool closing; /* drop once out has left */
	uint64_t last_ns; /* last sign of life, for the idle timeout */
};

struct ctl_server {
	int listen_fd;
	int event_fd;
	struct ctl_limits lim;
	const struct ctl_server_ops *ops;
	void *opaque;
	struct client *clients;
	struct pollfd *pfd;
	unsigned int nr_watchers; /* __atomic: read by other threads */
	bool stop; /* __atomic */
	bool started;
	pthread_t thread;
};

/* A buffer larger than this is freed once it has been sent. */
#define KEEP_BUF 16384

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void ctl_server__default_limits(struct ctl_limits *l)
{
	l->max_clients = 32;
	l->idle_ms = 30000;
	l->max_reply = CTL_MAX_MESSAGE;
	l->max_watch = 65536;
}

static void client_drop(struct ctl_server *s, struct client *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	if (c->watcher)
		__atomic_fetch_sub(&s->nr_watchers, 1, __ATOMIC_RELAXED);
	c->watcher = false;
	ctl_buf__free(&c->out);
}

static size_t pending(const struct client *c)
{
	return c->out.len - c->out_off;
}

/* Send what the socket takes now. False if the client is gone. */
static bool client_flush(struct ctl_server *s, struct client *c)
{
	ssize_t n;

	while (pending(c)) {
		n = send(c->fd, c->out.data + c->out_off, pending(c),
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0) {
			client_drop(s, c); /* gone mid-reply: EPIPE, reset */
			return false;
		}
		c->out_off += (size_t)n;
	}
	c->out.len = c->out_off = 0;
	if (c->out.cap > KEEP_BUF)
		ctl_buf__free(&c->out);
	if (c->closing) {
		client_drop(s, c);
		return false;
	}
	return true;
}

/* Queue an error reply and drop the client once it has left. */
static void client_refuse(struct client *c, uint16_t op, int status,
			  const char *msg)
{
	ctl_msg__error(&c->out, op, status, msg);
	c->closing = true;
}

static void serve(struct ctl_server *s, struct client *c,
		  const struct ctl_msg *req)
{
	size_t before = c->out.len;
	enum ctl_verdict v;

	v = s->ops->request(s->opaque, req, &c->peer, &c->out);
	if (c->out.len == before)
		ctl_msg__error(&c->out, req->op, -EMSGSIZE,
			       "the reply would be too large");
	if (v == CTL_WATCH && !c->watcher) {
		c->watcher = true;
		__atomic_fetch_add(&s->nr_watchers, 1, __ATOMIC_RELAXED);
	} else if (v == CTL_CLOSE) {
		c->closing = true;
	}
}

/* Take the first whole request from c->in, if there is one. */
static void take_request(struct ctl_server *s, struct client *c)
{
	struct ctl_msg m;
	size_t len;
	char msg[96];
	int ret;

	ret = ctl_msg__frame_len(c->in, c->in_len, CTL_MAX_REQUEST, &len);
	if (ret == -EMSGSIZE) {
		snprintf(msg, sizeof(msg), "request longer than %u bytes",
			 CTL_MAX_REQUEST);
		client_refuse(c, 0, -EMSGSIZE, msg);
		return;
	}
	if (ret) {
		client_refuse(c, 0, -EBADMSG, "malformed message");
		return;
	}
	if (!len || c->in_len < len)
		return; /* more to come */

	ret = ctl_msg__parse(c->in, len, &m);
	if (ret == -EPROTONOSUPPORT) {
		snprintf(
			msg, sizeof(msg),
			"protocol version %u is not supported (this lkvm speaks %u)",
			m.version, CTL_VERSION);
		client_refuse(c, 0, ret, msg);
	} else if (ret) {
		client_refuse(c, 0, ret, "malformed message");
	} else if (m.kind != CTL_REQUEST) {
		client_refuse(c, m.op, -EBADMSG, "expected a request");
	} else {
		serve(s, c, &m);
	}
	memmove(c->in, c->in + len, c->in_len - len);
	c->in_len -= len;
}

static void client_read(struct ctl_server *s, struct client *c)
{
	uint8_t sink[256];
	ssize_t n;

	for (;;) {
		/* A watcher's input is not looked at; only its EOF matters. */
		if (c->watcher || c->closing)
			n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
		else
			n = recv(c->fd, c->in + c->in_len,
				 sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* EOF, even mid-request: nobody to answer. */
			client_drop(s, c);
			return;
		}
		c->last_ns = now_ns();
		if (c->watcher || c->closing)
			continue;
		c->in_len += (size_t)n;
		/* One request at a time: the next once this reply left. */
		if (!pending(c))
			take_request(s, c);
		if (pending(c) || c->in_len == sizeof(c->in))
			return;
	}
}

/* Send what can go; while nothing waits to go, serve what has come. */
static void client_progress(struct ctl_server *s, struct client *c)
{
	size_t before;

	while (c->fd >= 0) {
		if (pending(c) && !client_flush(s, c))
			return;
		if (pending(c) || c->watcher || c->closing || !c->in_len)
			return;
		before = c->out.len;
		take_request(s, c);
		if (c->out.len == before)
			return; /* the rest of the request is still to come */
	}
}

static struct client *free_slot(struct ctl_server *s)
{
	unsigned int i;

	for (i = 0; i < s->lim.max_clients; i++)
		if (s->clients[i].fd < 0)
			return &s->clients[i];
	return NULL;
}

/* Only this user and root may drive the VM. */
static bool peer_allowed(const struct ctl_peer *p)
{
	return p->uid == geteuid() || p->uid == 0;
}

static void accept_clients(struct ctl_server *s)
{
	struct ucred cred;
	socklen_t len;
	struct client *c;
	char msg[96];
	struct ctl_buf b;
	int fd;

	for (;;) {
		fd = accept4(s->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a client gone before accept */
		c = free_slot(s);
		if (!c) {
			/* One try to say why, without waiting. */
			ctl_buf__init(&b, 256);
			ctl_msg__error(&b, 0, -EUSERS, "too many clients");
			if (send(fd, b.data, b.len,
				 MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				b.len = 0; /* nothing more to try */
			ctl_buf__free(&b);
			close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		ctl_buf__init(&c->out, s->lim.max_reply);
		c->last_ns = now_ns();
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
			client_drop(s, c);
			continue;
		}
		c->peer.pid = cred.pid;
		c->peer.uid = cred.uid;
		if (!peer_allowed(&c->peer)) {
			snprintf(
				msg, sizeof(msg),
				"permission denied: uid %u does not own this VM",
				(unsigned int)cred.uid);
			client_refuse(c, 0, -EACCES, msg);
			client_flush(s, c);
		}
	}
}

void ctl_server__broadcast(struct ctl_server *s, const void *frame, size_t len)
{
	unsigned int i;
	struct client *c;

	for (i = 0; i < s->lim.max_clients; i++) {
		c = &s->clients[i];
		if (c->fd < 0 || !c->watcher || c->closing)
			continue;
		/* A watcher that does not read is dropped, not waited for. */
		if (pending(c) + len > s->lim.max_watch) {
			client_drop(s, c);
			continue;
		}
		if (c->out_off) {
			memmove(c->out.data, c->out.data + c->out_off,
				pending(c));
			c->out.len -= c->out_off;
			c->out_off = 0;
		}
		if (ctl_buf__append(&c->out, frame, len)) {
			client_drop(s, c);
			continue;
		}
		client_flush(s, c);
	}
}

unsigned int ctl_server__watchers(struct ctl_server *s)
{
	return __atomic_load_n(&s->nr_watchers, __ATOMIC_RELAXED);
}

void ctl_server__notify(struct ctl_server *s)
{
	uint64_t one = 1;

	/* Only fails when the counter is near overflow: it is read anyway. */
	if (write(s->event_fd, &one, sizeof(one)) < 0)
		return;
}

/* ms until the next idle deadline, or -1. Drops clients past theirs. */
static int idle_check(struct ctl_server *s)
{
	uint64_t now = now_ns(), idle = s->lim.idle_ms * 1000000ULL, left;
	uint64_t next = UINT64_MAX;
	unsigned int i;
	struct client *c;

	for (i = 0; i < s->lim.max_clients; i++) {
		c = &s->clients[i];
		if (c->fd < 0 || c->watcher)
			continue;
		if (now - c->last_ns >= idle) {
			client_drop(s, c);
			continue;
		}
		left = idle - (now - c->last_ns);
		if (left < next)
			next = left;
	}
	if (next == UINT64_MAX)
		return -1;
	return (int)(next / 1000000ULL) + 1;
}

static void poll_once(struct ctl_server *s)
{
	unsigned int i, n = 2;
	struct client *c;
	uint64_t count;
	int timeout;

	timeout = idle_check(s);
	s->pfd[0] = (struct pollfd){ .fd = s->event_fd, .events = POLLIN };
	s->pfd[1] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	for (i = 0; i < s->lim.max_clients; i++) {
		c = &s->clients[i];
		s->pfd[n] = (struct pollfd){ .fd = c->fd };
		if (c->fd >= 0) {
			s->pfd[n].events = POLLIN;
			if (pending(c))
				s->pfd[n].events |= POLLOUT;
		}
		n++;
	}
	if (poll(s->pfd, n, timeout) <= 0)
		return;

	if (s->pfd[0].revents & POLLIN) {
		if (read(s->event_fd, &count, sizeof(count)) < 0)
			count = 0;
		if (s->ops->events)
			s->ops->events(s->opaque, s);
	}
	if (s->pfd[1].revents & POLLIN)
		accept_clients(s);
	for (i = 0; i < s->lim.max_clients; i++) {
		c = &s->clients[i];
		if (c->fd < 0 || c->fd != s->pfd[2 + i].fd)
			continue; /* free, or a new client in an old slot */
		if (s->pfd[2 + i].revents & POLLOUT && !client_flush(s, c))
			continue;
		if (s->pfd[2 + i].revents & (POLLIN | POLLHUP | POLLERR))
			client_read(s, c);
		client_progress(s, c);
	}
}

static void *server_thread(void *arg)
{
	struct ctl_server *s = arg;

	pthread_setname_np(pthread_self(), "lkvm-control");
	if (s->ops->thread_start)
		s->ops->thread_start(s->opaque);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
		poll_once(s);
	return NULL;
}

struct ctl_server *ctl_server__new(int listen_fd, const struct ctl_limits *l,
				   const struct ctl_server_ops *ops,
				   void *opaque)
{
	struct ctl_server *s = calloc(1, sizeof(*s));
	unsigned int i;

	if (!s)
		return NULL;
	s->lim = *l;
	s->ops = ops;
	s->opaque = opaque;
	s->listen_fd = listen_fd;
	s->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->clients = calloc(l->max_clients, sizeof(*s->clients));
	s->pfd = calloc(l->max_clients + 2, sizeof(*s->pfd));
	if (s->event_fd < 0 || !s->clients || !s->pfd) {
		if (s->event_fd >= 0)
			close(s->event_fd);
		free(s->clients);
		free(s->pfd);
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < l->max_clients; i++)
		s->clients[i].fd = -1;
	return s;
}

int ctl_server__start(struct ctl_server *s)
{
	int ret = pthread_create(&s->thread, NULL, server_thread, s);

	if (ret)
		return -ret;
	s->started = true;
	return 0;
}

void ctl_server__free(struct ctl_server *s)
{
	unsigned int i;

	if (!s)
		return;
	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	ctl_server__notify(s);
	if (s->started)
		pthread_join(s->thread, NULL);
	for (i = 0; i < s->lim.max_clients; i++) {
		if (s->clients[i].fd < 0)
			continue;
		s->clients[i].closing = true;
		/* Whatever the socket takes now; nobody is waited for. */
		if (client_flush(s, &s->clients[i]))
			client_drop(s, &s->clients[i]);
	}
	close(s->listen_fd);
	close(s->event_fd);
	free(s->clients);
	free(s->pfd);
	free(s);
}
