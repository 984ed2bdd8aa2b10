/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__CONTROL_CLI_H
#define KVM__CONTROL_CLI_H

/*
 * The client commands' pure half: argument parsing and the text and JSON
 * they print from the VM's replies. Pure: writes to a FILE only.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvm/control.h"

/* "2", "2,5,7": at most max indices, each below 4096. 0 or -EINVAL. */
int ctl__parse_cpu_list(const char *s, unsigned int *out, unsigned int max,
			unsigned int *n);
/* A SysRq key: one printable character. 0 or -EINVAL. */
int ctl__parse_sysrq(const char *s, uint8_t *key);

/* What `lkvm list` shows of one VM (an INFO reply). */
struct ctl_vm_info {
	char name[CTL_NAME_MAX_TEXT];
	uint64_t pid;
	bool paused;
	uint64_t total, enabled, online;
	bool psci_user;
};

void ctl_fmt__info(const struct ctl_msg *m, struct ctl_vm_info *vm);

/* A connection to one VM, by name (control/client.c). */
struct ctl_conn {
	const char *name;
	char path[128];
	int fd;
	uint8_t *frame; /* the last reply, which m describes */
	struct ctl_msg m;
};

/* Connect to NAME's socket: 0, or -errno with a one-line reason in err
 * ("no VM named 'x'", a socket left by one that ended, ...). */
int ctl_conn__open(struct ctl_conn *c, const char *name, char *err,
		   size_t errlen);
/* Send req, take the reply into c->m: 0, or -errno (a failed request's
 * status, or the transport's) with a one-line reason in err. */
int ctl_conn__call(struct ctl_conn *c, struct ctl_buf *req, int timeout_ms,
		   char *err, size_t errlen);
/* The same for a request without fields. */
int ctl_conn__simple(struct ctl_conn *c, uint16_t op, int timeout_ms, char *err,
		     size_t errlen);
void ctl_conn__close(struct ctl_conn *c);
/*
 * Every VM of this user that answers INFO, by name (malloc'd; NULL when
 * none). Sockets left by ended VMs are skipped; a VM that answers wrongly
 * is named on warn (may be NULL).
 */
struct ctl_vm_info *ctl__find_vms(unsigned int *n, int timeout_ms, FILE *warn);
void ctl_fmt__list(FILE *out, const struct ctl_vm_info *vms, unsigned int n,
		   bool json);
void ctl_fmt__debug(FILE *out, const char *name, const struct ctl_msg *m,
		    bool json);
void ctl_fmt__stat(FILE *out, const char *name, const struct ctl_msg *m,
		   bool json);
void ctl_fmt__cpu(FILE *out, const char *name, const struct ctl_msg *m,
		  bool json);
void ctl_fmt__psci(FILE *out, const char *name, const struct ctl_msg *m,
		   bool json);
/* One line for a watch event (power state, policy, or lost events). */
void ctl_fmt__event(FILE *out, const struct ctl_msg *m, bool json);
/* s as a JSON string, quotes included. */
void ctl_fmt__json_str(FILE *out, const char *s);

#endif /* KVM__CONTROL_CLI_H */
