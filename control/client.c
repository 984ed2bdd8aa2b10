// SPDX-License-Identifier: GPL-2.0
/*
 * The client's side of the control socket: reach a VM by name, make a
 * request, find every VM of this user (see kvm/control-cli.h). No KVM:
 * unit-tested against the server on any host.
 */
#include "kvm/control-cli.h"
#include "kvm/control-server.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Connect to NAME's socket: 0, or -errno with a one-line reason. */
int ctl_conn__open(struct ctl_conn *c, const char *name, char *err,
		   size_t errlen)
{
	char dir[128];

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->fd = -1;
	if (!ctl__name_valid(name)) {
		snprintf(err, errlen, "invalid VM name '%s'", name);
		return -EINVAL;
	}
	if (ctl__dir(dir, sizeof(dir)) ||
	    ctl__sock_path(dir, name, c->path, sizeof(c->path))) {
		snprintf(
			err, errlen,
			"no control socket directory (set HOME or XDG_RUNTIME_DIR)");
		return -ENOENT;
	}
	c->fd = ctl__connect(c->path);
	if (c->fd >= 0)
		return 0;
	if (c->fd == -ENOENT)
		snprintf(err, errlen, "no VM named '%s'", name);
	else if (c->fd == -ECONNREFUSED)
		snprintf(
			err, errlen,
			"no VM named '%s' is running (%s was left by one that ended)",
			name, c->path);
	else
		snprintf(err, errlen, "cannot reach VM '%s' at %s: %s", name,
			 c->path, strerror(-c->fd));
	return c->fd;
}

void ctl_conn__close(struct ctl_conn *c)
{
	free(c->frame);
	c->frame = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Send req, take the reply into c->m: 0, or -errno with a reason. */
int ctl_conn__call(struct ctl_conn *c, struct ctl_buf *req, int timeout_ms,
		   char *err, size_t errlen)
{
	struct ctl_field f;
	char msg[256] = "";
	int ret;

	free(c->frame);
	c->frame = NULL;
	ret = ctl__send(c->fd, req->data, req->len, timeout_ms);
	/* Even if the VM hung up, it may have said why first. */
	if (!ret || ret == -EPIPE || ret == -ECONNRESET)
		ret = ctl__recv(c->fd, &c->frame, &c->m, timeout_ms);
	if (ret == -ETIMEDOUT)
		snprintf(err, errlen, "VM '%s' did not answer within %d s",
			 c->name, timeout_ms / 1000);
	else if (ret == -ECONNRESET || ret == -EPIPE)
		snprintf(err, errlen,
			 "VM '%s' closed the connection (is it ending?)",
			 c->name);
	else if (ret == -EPROTONOSUPPORT)
		snprintf(
			err, errlen,
			"VM '%s' speaks another version of the control protocol",
			c->name);
	else if (ret)
		snprintf(err, errlen, "VM '%s': %s", c->name, strerror(-ret));
	if (ret)
		return ret;
	if (c->m.kind != CTL_REPLY) {
		snprintf(err, errlen, "VM '%s' sent no reply", c->name);
		return -EBADMSG;
	}
	if (!c->m.status)
		return 0;
	if (ctl_msg__find(&c->m, CTL_T_MESSAGE, &f))
		ctl_field__str(&f, msg, sizeof(msg));
	snprintf(err, errlen, "%s: %s", c->name,
		 msg[0] ? msg : strerror(-c->m.status));
	return c->m.status;
}

/* A request with no fields. */
int ctl_conn__simple(struct ctl_conn *c, uint16_t op, int timeout_ms, char *err,
		     size_t errlen)
{
	struct ctl_buf req;
	int ret;

	ctl_buf__init(&req, CTL_MAX_REQUEST);
	ctl_msg__begin(&req, CTL_REQUEST, op, 0);
	ctl_msg__end(&req);
	ret = ctl_conn__call(c, &req, timeout_ms, err, errlen);
	ctl_buf__free(&req);
	return ret;
}

/* One VM, one request, or die with the reason. */
/* ---- every VM of this user ---------------------------------------------- */

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ctl_vm_info *)a)->name,
		      ((const struct ctl_vm_info *)b)->name);
}

struct ctl_vm_info *ctl__find_vms(unsigned int *n, int timeout_ms, FILE *warn)
{
	struct ctl_vm_info *vms = NULL, *p;
	char dir[128], name[CTL_NAME_MAX_TEXT], err[400];
	struct ctl_conn c;
	struct dirent *d;
	size_t len;
	DIR *dh;

	*n = 0;
	if (ctl__dir(dir, sizeof(dir)))
		return NULL;
	dh = opendir(dir);
	if (!dh)
		return NULL;
	while ((d = readdir(dh))) {
		len = strlen(d->d_name);
		if (len <= strlen(CTL_SUFFIX) ||
		    len - strlen(CTL_SUFFIX) >= sizeof(name) ||
		    strcmp(d->d_name + len - strlen(CTL_SUFFIX), CTL_SUFFIX))
			continue;
		memcpy(name, d->d_name, len - strlen(CTL_SUFFIX));
		name[len - strlen(CTL_SUFFIX)] = '\0';
		if (!ctl__name_valid(name) ||
		    ctl_conn__open(&c, name, err, sizeof(err)))
			continue;
		if (ctl_conn__simple(&c, CTL_OP_INFO, timeout_ms, err,
				     sizeof(err))) {
			if (warn)
				fprintf(warn, "lkvm: %s\n", err);
			ctl_conn__close(&c);
			continue;
		}
		p = realloc(vms, (*n + 1) * sizeof(*vms));
		if (!p) {
			ctl_conn__close(&c);
			break;
		}
		vms = p;
		ctl_fmt__info(&c.m, &vms[*n]);
		/* The socket's name is the one to use. */
		snprintf(vms[*n].name, sizeof(vms[*n].name), "%s", name);
		(*n)++;
		ctl_conn__close(&c);
	}
	closedir(dh);
	if (vms)
		qsort(vms, *n, sizeof(*vms), by_name);
	return vms;
}
