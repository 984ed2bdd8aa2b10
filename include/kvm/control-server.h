/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__CONTROL_SERVER_H
#define KVM__CONTROL_SERVER_H

/*
 * The VM's side of the control socket: one thread runs a poll loop over
 * the listening socket, an eventfd and the clients, all non-blocking.
 * Each client has a bounded input buffer (one request at most
 * CTL_MAX_REQUEST) and a bounded output queue. Garbage, an oversized or
 * truncated frame, or another protocol version get an error reply and
 * the client is dropped; an unknown command gets an error reply; a client
 * silent for idle_ms (not a watcher) is dropped; a watcher whose queue
 * fills (it does not read) is dropped. Nothing here ever waits on a
 * client. Also the socket's path, its directory, and the clients' side.
 * No KVM: unit-tested on any host.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kvm/control.h"

/* ------------------------------------------------------------------ */
/* Events from vCPU threads to the control thread: a bounded queue. A
 * producer never blocks (it only takes a short lock); when the queue is
 * full the event is counted as lost, and the watchers are told. */

struct ctl_event {
	uint64_t t_us; /* CLOCK_MONOTONIC */
	uint32_t vcpu;
	uint8_t kind; /* enum power_event_kind */
	uint8_t old, state, enabled;
};

struct ctl_evq {
	pthread_mutex_t lock;
	struct ctl_event *ring;
	unsigned int cap, head, count;
	uint64_t lost;
};

int ctl_evq__init(struct ctl_evq *q, unsigned int cap);
void ctl_evq__destroy(struct ctl_evq *q);
/* False (and counted as lost) when full. */
bool ctl_evq__push(struct ctl_evq *q, const struct ctl_event *ev);
/* Take up to max events. Once the queue is empty, *lost gets how many
 * were lost since it was last reported (they came after those taken). */
unsigned int ctl_evq__pop(struct ctl_evq *q, struct ctl_event *out,
			  unsigned int max, uint64_t *lost);

/* ------------------------------------------------------------------ */
/* The server. */

struct ctl_server;

/* What a request handler learns about the client. */
struct ctl_peer {
	pid_t pid;
	uid_t uid;
};

enum ctl_verdict {
	CTL_DONE, /* the reply is in the buffer */
	CTL_WATCH, /* the same, and the client now receives events */
	CTL_CLOSE, /* the same, then drop the client */
};

struct ctl_server_ops {
	/*
	 * A request (parsed and of this version). Append exactly one reply
	 * frame to reply. Runs on the control thread.
	 */
	enum ctl_verdict (*request)(void *opaque, const struct ctl_msg *req,
				    const struct ctl_peer *peer,
				    struct ctl_buf *reply);
	/* The eventfd fired (ctl_server__notify()): broadcast what is new
	 * with ctl_server__broadcast(). May be NULL. */
	void (*events)(void *opaque, struct ctl_server *srv);
	/* First thing on the control thread (the sandbox). May be NULL. */
	void (*thread_start)(void *opaque);
};

struct ctl_limits {
	unsigned int max_clients;
	unsigned int idle_ms; /* a silent client (not a watcher) is dropped */
	size_t max_reply; /* the most a client's queue holds for a reply */
	size_t max_watch; /* the most a watcher's queue holds */
};

/* The defaults: 32 clients, 30 s, 1 MiB, 64 KiB. */
void ctl_server__default_limits(struct ctl_limits *l);

/* Takes listen_fd (non-blocking, listening). NULL on failure (errno). */
struct ctl_server *ctl_server__new(int listen_fd, const struct ctl_limits *l,
				   const struct ctl_server_ops *ops,
				   void *opaque);
/* Start the control thread. 0 or -errno. */
int ctl_server__start(struct ctl_server *s);
/* Wake the control thread to call ops->events; any thread, never blocks. */
void ctl_server__notify(struct ctl_server *s);
/* Queue one frame for every watcher (control thread only). */
void ctl_server__broadcast(struct ctl_server *s, const void *frame, size_t len);
/* Watchers now connected (any thread). */
unsigned int ctl_server__watchers(struct ctl_server *s);
/* Stop the thread, send what is queued if the peers take it at once,
 * close every client and the listening socket, free. */
void ctl_server__free(struct ctl_server *s);

/* ------------------------------------------------------------------ */
/* Names and paths: $XDG_RUNTIME_DIR/lkvm/NAME.sock, else ~/.lkvm/. */

#define CTL_NAME_MAX 64
#define CTL_SUFFIX ".sock"

/* 1-64 of [A-Za-z0-9._+-], not starting with '.' or '-'. */
bool ctl__name_valid(const char *name);
/* The directory for this user (from the environment). 0 or -ENOENT when
 * neither XDG_RUNTIME_DIR nor HOME is set; -ENAMETOOLONG. */
int ctl__dir(char *buf, size_t len);
/* dir/NAME.sock: 0 or -ENAMETOOLONG (a socket path is at most 107). */
int ctl__sock_path(const char *dir, const char *name, char *buf, size_t len);
/*
 * Make dir (0700) if needed and check it is ours and private (a private
 * directory of ours with a wider mode is narrowed). 0, or -errno with a
 * reason in err.
 */
int ctl__make_dir(const char *dir, char *err, size_t errlen);
/*
 * Listen on path (socket 0600): a socket left by a VM that is gone is
 * replaced; one a live VM listens on is refused (-EADDRINUSE). Racing
 * starters are serialised by a lock on the directory. The fd (non-blocking)
 * or -errno with a reason in err.
 */
int ctl__listen(const char *path, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* The client's side. */

/* Connect: the fd (blocking, close-on-exec) or -errno. */
int ctl__connect(const char *path);
/* Send a whole frame; 0 or -errno. */
int ctl__send(int fd, const void *buf, size_t len, int timeout_ms);
/*
 * Receive one frame into *buf (malloc'd, the caller frees) and parse it
 * into m. 0; -ETIMEDOUT; -ECONNRESET at EOF; -EMSGSIZE, -EBADMSG,
 * -EPROTONOSUPPORT; or another -errno. timeout_ms < 0: no timeout.
 */
int ctl__recv(int fd, uint8_t **buf, struct ctl_msg *m, int timeout_ms);

#endif /* KVM__CONTROL_SERVER_H */
