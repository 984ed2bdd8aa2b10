/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__PASST_H
#define KVM__PASST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * passt, the user-mode network program behind `-n mode=user`: lkvm runs
 * it as a child with one end of a socket pair (`passt --fd N`), over
 * which both speak the length-prefixed frame stream (net-stream.h).
 *
 * passt never outlives lkvm: with --fd it quits once its socket closes,
 * which the kernel does when lkvm dies in any way (even SIGKILL); the
 * child also has PR_SET_PDEATHSIG (which passt loses when, started as
 * root, it drops to user nobody), and passt__stop() on every way out
 * kills it and waits for it.
 */

#define PASST_MAX_ARGS 64
/* The link passt makes up on a host without a default route. */
#define PASST_LO_ADDR "10.0.2.15"
#define PASST_LO_GW "10.0.2.2"
#define PASST_LO_PREFIX "24"

struct passt_argv {
	char *argv[PASST_MAX_ARGS + 1];
	unsigned int argc;
	char buf[2048]; /* the strings argv points into */
	size_t used;
};

/*
 * passt's command line: prog -f [-q] --fd FD -M HOST_MAC, then, on a host
 * without a default route, the made-up link (-4 -i lo -a/-g/-n as above)
 * unless extra sets addresses, the interface, -4 or -6 itself, then extra
 * split at spaces. 0, or
 * -EINVAL with a message in err for extra that sets what lkvm owns (the
 * socket, --fd, -s, -1) or is too long.
 */
int passt__build_argv(struct passt_argv *a, const char *prog, int fd,
		      const uint8_t host_mac[6], bool verbose,
		      bool no_default_route, const char *extra, char *err,
		      size_t errlen);

/*
 * Does the host have a default route? route4 and route6 are the contents
 * of /proc/net/route and /proc/net/ipv6_route (either may be NULL); a
 * default route on lo (IPv6's unreachable one) does not count.
 */
bool passt__has_default_route(const char *route4, const char *route6);

struct passt {
	pid_t pid; /* 0: none */
	int fd; /* lkvm's end of the socket pair */
	int log_fd; /* a memfd with passt's stderr, or -1: lkvm's stderr */
	int status; /* from waitpid(), once reaped */
	bool reaped;
};

struct passt_params {
	const char *prog; /* the program: a path, or a name to find in PATH */
	uint8_t host_mac[6];
	bool verbose; /* passt's informational messages too, on stderr */
	bool no_default_route; /* passt__has_default_route() said no */
	const char *extra; /* passt= options, or NULL */
};

/*
 * Start passt with a new socket pair, its stderr in a memfd (unless
 * verbose: then lkvm's), and wait up to grace_ms for it to quit at once
 * (bad options, no usable interface), so that such errors come before the
 * guest starts. 0, or -errno with a one-line message in err (passt is
 * reaped then).
 */
int passt__start(struct passt *p, const struct passt_params *pp, int grace_ms,
		 char *err, size_t errlen);
/* Reap passt if it has quit (waiting up to wait_ms): true once reaped. */
bool passt__reap(struct passt *p, int wait_ms);
/* How it ended, e.g. "exit status 1" or "signal 9". */
void passt__describe_exit(const struct passt *p, char *buf, size_t len);
/* The last line passt wrote to its memfd stderr, "" if none. */
void passt__last_message(const struct passt *p, char *buf, size_t len);
/* Close lkvm's end, SIGTERM passt (SIGKILL after 2 s) and reap it. */
void passt__stop(struct passt *p);

#endif /* KVM__PASST_H */
