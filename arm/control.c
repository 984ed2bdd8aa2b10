// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket, the VM's side: the socket's life, the guest's
 * counter across a pause, and the events for `lkvm cpu --watch`, which
 * reach the control thread through a bounded queue so that no vCPU ever
 * waits on a client. The requests themselves are in control-cmds.c.
 */
#include "kvm/control-server.h"
#include "kvm/control-vm.h"
#include "kvm/control.h"
#include "kvm/kvm.h"
#include "kvm/sandbox.h"
#include "kvm/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Events between the vCPU threads and the control thread. */
#define EVENT_QUEUE 1024

/* The socket, for the exit paths (some of them async-signal). */
static int listen_fd = -1;
static char sock_path[108];
static dev_t sock_dev;
static ino_t sock_ino;
static const char *vm_name;

void kvm__control_unlink(void)
{
	struct stat st;

	/* Only ours: the name may have gone to another VM since. */
	if (sock_path[0] && !lstat(sock_path, &st) && st.st_dev == sock_dev &&
	    st.st_ino == sock_ino)
		unlink(sock_path);
}

static void unlink_at_exit(void)
{
	kvm__control_unlink();
}

void kvm__control_open(struct kvm_config *cfg)
{
	static char generated[32];
	char dir[sizeof(sock_path)], err[300];
	struct stat st;
	int ret;

	if (cfg->dump_dtb)
		return; /* no VM runs */
	if (!cfg->name) {
		snprintf(generated, sizeof(generated), "guest-%d",
			 (int)getpid());
		cfg->name = generated;
		cfg->name_generated = true;
	}
	vm_name = cfg->name;
	ret = ctl__dir(dir, sizeof(dir));
	if (ret == -ENOENT)
		die("no place for the control socket: neither XDG_RUNTIME_DIR nor HOME is set to an absolute path");
	if (ret || ctl__sock_path(dir, cfg->name, sock_path, sizeof(sock_path)))
		die("the control socket's path for --name %s is too long (a socket path has at most 107 bytes)",
		    cfg->name);
	if (ctl__make_dir(dir, err, sizeof(err)))
		die("control socket: %s", err);
	listen_fd = ctl__listen(sock_path, err, sizeof(err));
	if (listen_fd == -EADDRINUSE) {
		sock_path[0] = '\0';
		die("a VM named '%s' is already running; choose another --name",
		    cfg->name);
	}
	if (listen_fd < 0) {
		sock_path[0] = '\0';
		die("control socket: %s", err);
	}
	if (!lstat(sock_path, &st)) {
		sock_dev = st.st_dev;
		sock_ino = st.st_ino;
	}
	atexit(unlink_at_exit);
	pr_info("name %s, control socket %s", cfg->name, sock_path);
}

/* ---- the guest's counter across a pause ------------------------------- */

static uint64_t host_counter(void)
{
	uint64_t v;

	/* What KVM's offset is counted from (VHE or not, CNTVOFF is 0). */
	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

/* No vCPU ioctl may run meanwhile (-EBUSY): a straggling service
 * request is waited out. */
static int set_counter_offset(struct kvm *kvm, uint64_t offset)
{
	struct kvm_arm_counter_offset o = { .counter_offset = offset };
	int i;

	for (i = 0; i < 100; i++) {
		if (!ioctl(kvm->vm_fd, KVM_ARM_SET_COUNTER_OFFSET, &o))
			return 0;
		if (errno != EBUSY)
			break;
		usleep(1000);
	}
	return -errno;
}

void control__counter_pause(struct kvm_control *c)
{
	if (c->counter_offset)
		c->paused_at = host_counter();
}

bool control__counter_resume(struct kvm_control *c)
{
	if (!c->counter_offset)
		return true;
	c->offset += host_counter() - c->paused_at;
	return !set_counter_offset(c->kvm, c->offset);
}

const char *control__name(void)
{
	return vm_name;
}

/*
 * Before any vCPU runs: take charge of the offset (the guest's counters
 * start near 0, as before), so a resume can add the paused time to it.
 */
static void counter_setup(struct kvm_control *c)
{
	struct kvm *kvm = c->kvm;

	if (ioctl(kvm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COUNTER_OFFSET) <=
	    0) {
		pr_info("no KVM_CAP_COUNTER_OFFSET: a paused guest sees the paused time pass");
		return;
	}
	c->offset = host_counter();
	if (set_counter_offset(kvm, c->offset)) {
		pr_warn("KVM_ARM_SET_COUNTER_OFFSET: %s; a paused guest will see the paused time pass",
			strerror(errno));
		return;
	}
	c->counter_offset = true;
}

/* ---- events ------------------------------------------------------------- */

/* Any thread, with the power table's lock held: never blocks. */
static void power_event(void *opaque, const struct power_event *ev)
{
	struct kvm_control *c = opaque;
	struct ctl_event e;

	if (!ctl_server__watchers(c->srv))
		return; /* nobody watches: it costs nothing */
	e = (struct ctl_event){
		.t_us = kvm__now_ns() / 1000,
		.vcpu = ev->vcpu,
		.kind = (uint8_t)ev->kind,
		.old = (uint8_t)ev->old,
		.state = (uint8_t)ev->state,
		.enabled = ev->enabled,
	};
	ctl_evq__push(&c->evq, &e);
	ctl_server__notify(c->srv);
}

static void put_event(struct ctl_buf *b, const struct ctl_event *e)
{
	ctl_msg__begin(b, CTL_EVENT, CTL_EV_POWER, 0);
	if (e->kind == POWER_EV_POLICY) {
		const uint64_t v[3] = { e->t_us, e->vcpu, e->enabled };

		ctl_msg__put_ints(b, CTL_T_EV_POLICY, v, 3);
	} else {
		const uint64_t v[4] = { e->t_us, e->vcpu, e->old, e->state };

		ctl_msg__put_ints(b, CTL_T_EV_STATE, v, 4);
	}
	ctl_msg__end(b);
}

/* The control thread: pass queued events on to every watcher. */
static void send_events(void *opaque, struct ctl_server *srv)
{
	struct kvm_control *c = opaque;
	struct ctl_event ev[64];
	struct ctl_buf b;
	unsigned int n, i;
	uint64_t lost;

	ctl_buf__init(&b, 256);
	do {
		n = ctl_evq__pop(&c->evq, ev, 64, &lost);
		for (i = 0; i < n; i++) {
			b.len = 0;
			put_event(&b, &ev[i]);
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

static void control_thread_start(void *opaque)
{
	(void)opaque;
	sandbox__enter(SANDBOX_CONTROL, -1);
}

static const struct ctl_server_ops control_ops = {
	.request = control__handle,
	.events = send_events,
	.thread_start = control_thread_start,
};

void kvm__control_start(struct kvm *kvm)
{
	struct kvm_control *c;
	struct ctl_limits lim;

	if (listen_fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c || ctl_evq__init(&c->evq, EVENT_QUEUE))
		die("out of memory");
	c->kvm = kvm;
	counter_setup(c);
	ctl_server__default_limits(&lim);
	c->srv = ctl_server__new(listen_fd, &lim, &control_ops, c);
	if (!c->srv)
		die("cannot start the control socket: %s", strerror(errno));
	listen_fd = -1; /* the server's now */
	kvm->ctl = c;
	power__set_notify(&kvm->power, power_event, c);
	if (ctl_server__start(c->srv))
		die("cannot start the control thread");
}

void kvm__control_stop(struct kvm *kvm)
{
	struct kvm_control *c = kvm->ctl;

	if (!c)
		return;
	/* No event may be on its way to the server once it is gone. */
	power__set_notify(&kvm->power, NULL, NULL);
	ctl_server__free(c->srv);
	kvm__control_unlink();
	sock_path[0] = '\0';
	ctl_evq__destroy(&c->evq);
	free(c);
	kvm->ctl = NULL;
}
