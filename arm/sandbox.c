// SPDX-License-Identifier: GPL-2.0
/*
 * The seccomp sandbox. lkvm parses everything a guest sends; should a bug
 * there give the guest lkvm's hands, those hands can do little more than
 * the work they were doing. Each thread, once set up, loads the filter of
 * its kind (filters are per thread: no TSYNC), built from the lists below;
 * every thread exists before the main thread confines itself, so no list
 * needs clone. Any other call traps: the SIGSYS handler names the call and
 * the thread, restores the terminal, removes the control socket and ends
 * lkvm with status 128 + SIGSYS.
 *
 * These lists are THE allow-lists: a call added to lkvm's running paths
 * must be added here, or the scenarios die with the message below.
 */
#include "kvm/kvm.h"
#include "kvm/sandbox.h"
#include "kvm/util.h"

#include <errno.h>
#include <linux/futex.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a seccomp trap (Linux's siginfo.h) */
#endif

/* Syscall numbers whose names are looked up before any filter exists. */
#define NAMES_MAX 512

struct ioctl_rule {
	unsigned long req;
	int fd; /* -1: any */
};

struct allow_list {
	const char *name;
	const int *calls;
	unsigned int nr_calls;
	const struct ioctl_rule *ioctls;
	unsigned int nr_ioctls;
};

/* Every thread. */
static const int base_calls[] = {
	SCMP_SYS(futex), /* mutexes, condition variables, joins */
	SCMP_SYS(clock_gettime), /* time stamps, where the vDSO is not used */
	SCMP_SYS(clock_nanosleep), /* usleep() in retries */
	SCMP_SYS(write), /* log lines on stderr, console, eventfd pokes */
	SCMP_SYS(getpid), /* pthread_kill() and raise() */
	SCMP_SYS(gettid), /* pthread_kill() and raise() */
	SCMP_SYS(tgkill), /* the kick that gets a vCPU out of KVM_RUN */
	SCMP_SYS(rt_sigprocmask), /* glibc blocks signals as a thread ends */
	SCMP_SYS(rt_sigreturn), /* return from the kick's handler */
	SCMP_SYS(restart_syscall), /* a call the kick interrupted resumes */
	SCMP_SYS(sched_yield), /* glibc's lock back-off */
	SCMP_SYS(rseq), /* glibc drops its rseq area as a thread ends */
	SCMP_SYS(exit), /* a thread ends */
	SCMP_SYS(exit_group), /* lkvm ends (also from the SIGSYS handler) */
	SCMP_SYS(brk), /* malloc */
	SCMP_SYS(munmap), /* malloc, thread stacks */
	SCMP_SYS(madvise), /* malloc, thread stacks; RAM dropped on reboot */
	SCMP_SYS(fstat), /* stdio looks at a stream on first use */
	/* mmap and mprotect too, but never executable: see add_base(). */
};

/*
 * ioctl is never allowed as such, only the requests in the *_ioctls lists
 * (an unconditional rule would make libseccomp ignore those).
 * Every thread: isatty() in stdio; term__restore() on the way out.
 */
static const struct ioctl_rule base_ioctls[] = {
	{ TCGETS, -1 },
	{ TCSETS, STDIN_FILENO },
};

/* vCPU threads: from the first KVM_RUN on. */
static const int vcpu_calls[] = {
	SCMP_SYS(ppoll), /* console output waits for a slow reader */
};

static const struct ioctl_rule vcpu_ioctls[] = {
	{ KVM_RUN, -1 },
	{ KVM_GET_ONE_REG, -1 }, /* hypercall arguments, lkvm debug */
	{ KVM_SET_ONE_REG, -1 }, /* PSCI results, CPU_ON entry point */
	{ KVM_SET_MP_STATE, -1 }, /* wake-up from a suspend */
	{ KVM_ARM_VCPU_INIT, -1 }, /* warm reset: CPU_OFF, reboot */
	{ KVM_IRQ_LINE, -1 }, /* the UART's interrupt, virtio fallback */
};

/* Virtio I/O threads (arm/virtio.c vdev_thread). */
static const int io_calls[] = {
	SCMP_SYS(ppoll), /* wait on the queue eventfds */
	SCMP_SYS(read), /* drain an eventfd */
	SCMP_SYS(preadv), /* virtio-blk reads */
	SCMP_SYS(pwritev), /* virtio-blk writes */
	SCMP_SYS(fdatasync), /* virtio-blk FLUSH */
	SCMP_SYS(fallocate), /* virtio-blk DISCARD, WRITE_ZEROES */
	SCMP_SYS(getrandom), /* virtio-rng */
	SCMP_SYS(recvfrom), /* virtio-net: frames from passt */
	SCMP_SYS(sendmsg), /* virtio-net: frames to passt */
	SCMP_SYS(wait4), /* virtio-net: reap passt when it has quit */
	SCMP_SYS(lseek), /* virtio-net: passt's last message (memfd) */
	SCMP_SYS(pread64), /* virtio-net: passt's last message (memfd) */
	SCMP_SYS(writev), /* virtio-net: frames to a tap */
};

static const struct ioctl_rule io_ioctls[] = {
	{ KVM_IRQ_LINE, -1 }, /* where there is no irqfd */
	/* The virtio console's terminal size (arm/virtio-console.c). */
	{ TIOCGWINSZ, STDOUT_FILENO },
	{ TIOCGWINSZ, STDIN_FILENO },
	/* virtio-net, mode=tap: the offloads the driver accepted, once it
	 * sets DRIVER_OK (arm/tap.c tap__set_offload()). */
	{ TUNSETOFFLOAD, -1 },
	/*
	 * virtio-net, mode=tap,vhost=1 (arm/vhost-net.c): the I/O thread
	 * hands the queues to vhost-net after DRIVER_OK and takes them back
	 * at a reset.
	 */
	{ VHOST_SET_FEATURES, -1 }, /* the ring features the driver took */
	{ VHOST_SET_MEM_TABLE, -1 }, /* guest RAM */
	{ VHOST_SET_VRING_NUM, -1 }, /* per queue: its size, */
	{ VHOST_SET_VRING_BASE, -1 }, /* where it starts, */
	{ VHOST_SET_VRING_ADDR, -1 }, /* its rings, */
	{ VHOST_SET_VRING_KICK, -1 }, /* its ioeventfd, */
	{ VHOST_SET_VRING_CALL, -1 }, /* the device's irqfd */
	{ VHOST_NET_SET_BACKEND, -1 }, /* the tap; -1 at a reset */
	{ VHOST_GET_VRING_BASE, -1 }, /* a reset: vhost lets go */
};

static const struct ioctl_rule irq_ioctls[] = {
	{ KVM_IRQ_LINE, -1 },
};

/*
 * The console input thread (term.c), and the virtio console's writer
 * (arm/virtio-console.c: write, and ppoll when stdout is non-blocking).
 */
static const int console_calls[] = {
	SCMP_SYS(ppoll), /* is there a key while the guest is behind */
	SCMP_SYS(read), /* keys from stdin */
};

/* The signal thread (builtin-run.c). */
static const int signal_calls[] = {
	SCMP_SYS(rt_sigtimedwait), /* sigwait() for the stop signals */
	SCMP_SYS(newfstatat), /* kvm__control_unlink(): is it ours */
	SCMP_SYS(unlinkat), /* kvm__control_unlink() */
};

/* The control socket's thread (control/server.c). */
static const int control_calls[] = {
	SCMP_SYS(ppoll), /* the listening socket, clients, the eventfd */
	SCMP_SYS(read), /* the event eventfd */
	SCMP_SYS(accept4), /* new clients */
	SCMP_SYS(recvfrom), /* requests */
	SCMP_SYS(sendto), /* replies, events */
	SCMP_SYS(close), /* a client gone */
	SCMP_SYS(geteuid), /* who may talk to this VM */
	/* getsockopt too, for SO_PEERCRED only: see add_kind(). */
};

static const struct ioctl_rule control_ioctls[] = {
	{ KVM_ARM_SET_COUNTER_OFFSET, -1 }, /* lkvm resume */
	{ KVM_IRQ_LINE, -1 }, /* lkvm debug --sysrq: the UART */
};

/* The main thread once the VM runs: reboots in place, then the exit. */
static const int main_calls[] = {
	SCMP_SYS(pread64), /* kernel and initrd reloaded on a reboot */
	SCMP_SYS(getrandom), /* a new kaslr-seed on a reboot */
	SCMP_SYS(fdatasync), /* the disks are flushed at the exit */
	SCMP_SYS(close), /* devices and the control socket at the exit */
	SCMP_SYS(sendto), /* the control thread's last replies */
	SCMP_SYS(newfstatat), /* kvm__control_unlink(): is it ours */
	SCMP_SYS(unlinkat), /* kvm__control_unlink() */
	SCMP_SYS(kill), /* passt stopped at the exit (virtio-net) */
	SCMP_SYS(wait4), /* and reaped */
};

static const struct ioctl_rule main_ioctls[] = {
	{ KVM_GET_DEVICE_ATTR, -1 }, /* gic__reset() */
	{ KVM_SET_DEVICE_ATTR, -1 }, /* gic__reset() */
	{ KVM_IRQ_LINE, -1 }, /* device resets lower their lines */
};

#define LIST(kind, c, i)                              \
	[kind] = { .name = #c,                        \
		   .calls = c##_calls,                \
		   .nr_calls = ARRAY_SIZE(c##_calls), \
		   .ioctls = i,                       \
		   .nr_ioctls = ARRAY_SIZE(i) }

static const struct allow_list lists[SANDBOX_NR_KINDS] = {
	LIST(SANDBOX_MAIN, main, main_ioctls),
	LIST(SANDBOX_VCPU, vcpu, vcpu_ioctls),
	LIST(SANDBOX_IO, io, io_ioctls),
	LIST(SANDBOX_CONSOLE, console, irq_ioctls),
	[SANDBOX_SIGNAL] = { .name = "signal",
			     .calls = signal_calls,
			     .nr_calls = ARRAY_SIZE(signal_calls) },
	LIST(SANDBOX_CONTROL, control, control_ioctls),
};

static bool enabled;
static int selftest_kind = -1;
static bool selftest_ioctl; /* KIND-ioctl: a forbidden ioctl request */
static int selftest_done;
static const char *names[NAMES_MAX];
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
/* The signal thread, which ends lkvm for threads that may not unlink. */
static pid_t signal_tid;
static int killed;

static __thread int my_kind = -1;
static __thread int my_index = -1;

/* --- the SIGSYS handler: async-signal-safe only ---------------------- */

static void put(char *buf, size_t *n, size_t size, const char *s)
{
	while (*s && *n < size)
		buf[(*n)++] = *s++;
}

static void put_num(char *buf, size_t *n, size_t size, long v)
{
	char d[24];
	int i = sizeof(d) - 1;
	bool neg = v < 0;
	unsigned long u = neg ? 0UL - (unsigned long)v : (unsigned long)v;

	d[i] = '\0';
	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u && i > 1);
	if (neg)
		d[--i] = '-';
	put(buf, n, size, &d[i]);
}

static void wait_forever(void)
{
	static int never;

	for (;;)
		syscall(SYS_futex, &never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL,
			0);
}

static void on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char buf[200];
	size_t n = 0;
	int nr = si->si_syscall;
	pid_t tid;

	(void)sig;
	(void)uctx;
	put(buf, &n, sizeof(buf), "lkvm: seccomp: thread ");
	put(buf, &n, sizeof(buf),
	    my_kind >= 0 ? lists[my_kind].name : "unconfined");
	if (my_index >= 0) {
		put(buf, &n, sizeof(buf), " ");
		put_num(buf, &n, sizeof(buf), my_index);
	}
	if (si->si_code == SYS_SECCOMP) {
		put(buf, &n, sizeof(buf), " made forbidden system call ");
		put(buf, &n, sizeof(buf),
		    nr >= 0 && nr < NAMES_MAX && names[nr] ? names[nr] : "?");
		put(buf, &n, sizeof(buf), " (");
		put_num(buf, &n, sizeof(buf), nr);
		put(buf, &n, sizeof(buf), ")\n");
	} else {
		put(buf, &n, sizeof(buf), " got SIGSYS from outside\n");
	}
	if (write(STDERR_FILENO, buf, n) < 0)
		n = 0;
	term__restore();
	/* Only these two may unlink: the others leave it to the signal one. */
	if (my_kind == SANDBOX_MAIN || my_kind == SANDBOX_SIGNAL) {
		kvm__control_unlink();
		_exit(SANDBOX_EXIT_STATUS);
	}
	/*
	 * An I/O thread can fail before the signal thread exists: that one
	 * then ends lkvm as it starts (sandbox__enter() looks at killed).
	 */
	__atomic_store_n(&killed, 1, __ATOMIC_SEQ_CST);
	tid = __atomic_load_n(&signal_tid, __ATOMIC_SEQ_CST);
	if (tid)
		syscall(SYS_tgkill, getpid(), tid, SIGTERM);
	wait_forever();
}

void sandbox__check_killed(void)
{
	if (!__atomic_load_n(&killed, __ATOMIC_SEQ_CST))
		return;
	kvm__control_unlink();
	_exit(SANDBOX_EXIT_STATUS);
}

/* --- building and loading a filter ----------------------------------- */

static int add_calls(scmp_filter_ctx ctx, const int *calls, unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int add_ioctls(scmp_filter_ctx ctx, const struct ioctl_rule *r,
		      unsigned int n)
{
	/* The kernel takes the request as a 32-bit int. */
	const scmp_datum_t mask = 0xffffffffULL;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		if (r[i].fd < 0)
			ret = seccomp_rule_add(
				ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				SCMP_A1(SCMP_CMP_MASKED_EQ, mask, r[i].req));
		else
			ret = seccomp_rule_add(
				ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)r[i].fd),
				SCMP_A1(SCMP_CMP_MASKED_EQ, mask, r[i].req));
		if (ret)
			return ret;
	}
	return 0;
}

static int add_base(scmp_filter_ctx ctx)
{
	int ret = add_calls(ctx, base_calls, ARRAY_SIZE(base_calls));

	/* malloc and thread stacks need memory, never executable memory. */
	if (!ret)
		ret = seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
			SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!ret)
		ret = seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
			SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!ret)
		ret = add_ioctls(ctx, base_ioctls, ARRAY_SIZE(base_ioctls));
	return ret;
}

static int add_kind(scmp_filter_ctx ctx, enum sandbox_kind kind)
{
	const struct allow_list *l = &lists[kind];
	int ret = add_calls(ctx, l->calls, l->nr_calls);

	if (!ret)
		ret = add_ioctls(ctx, l->ioctls, l->nr_ioctls);
	/* The control thread asks who connected, nothing else. */
	if (!ret && kind == SANDBOX_CONTROL)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
				       SCMP_SYS(getsockopt), 2,
				       SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
				       SCMP_A2(SCMP_CMP_EQ, SO_PEERCRED));
	return ret;
}

static void load(enum sandbox_kind kind)
{
	scmp_filter_ctx ctx;
	int ret = -ENOMEM;

	/* libseccomp's own state is not meant for threads at once. */
	pthread_mutex_lock(&load_lock);
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (ctx) {
		ret = add_base(ctx);
		if (!ret)
			ret = add_kind(ctx, kind);
		if (!ret)
			ret = seccomp_load(ctx);
		seccomp_release(ctx);
	}
	pthread_mutex_unlock(&load_lock);
	if (ret) {
		pr_err("seccomp: cannot confine the %s thread: %s (--sandbox=off runs without)",
		       lists[kind].name, strerror(-ret));
		term__restore();
		kvm__control_unlink();
		_exit(1);
	}
}

/* The test hook: a call no list allows, from a freshly confined thread. */
static void selftest(enum sandbox_kind kind, int index)
{
	int fd;

	/* The first thread of the kind; of the vCPUs, vCPU 0. */
	if (selftest_kind != (int)kind ||
	    (kind == SANDBOX_VCPU && index != 0) ||
	    __atomic_exchange_n(&selftest_done, 1, __ATOMIC_SEQ_CST))
		return;
	if (selftest_ioctl) {
		/* TIOCSTI: no list has it; fd -1, so harmless without one. */
		pr_info("seccomp self-test: thread %s %d calls ioctl(TIOCSTI)",
			lists[kind].name, index);
		fd = ioctl(-1, TIOCSTI, "x");
		pr_warn("seccomp self-test: ioctl(TIOCSTI) from thread %s %d returned %d: the sandbox is off",
			lists[kind].name, index, fd);
		return;
	}
	pr_info("seccomp self-test: thread %s %d calls socket()",
		lists[kind].name, index);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	pr_warn("seccomp self-test: socket() from thread %s %d returned %d: the sandbox is off",
		lists[kind].name, index, fd);
	if (fd >= 0)
		close(fd);
}

void sandbox__enter(enum sandbox_kind kind, int index)
{
	my_kind = (int)kind;
	my_index = index;
	if (enabled)
		load(kind);
	if (kind == SANDBOX_SIGNAL) {
		__atomic_store_n(&signal_tid, gettid(), __ATOMIC_SEQ_CST);
		sandbox__check_killed();
	}
	selftest(kind, index);
}

bool sandbox__enabled(void)
{
	return enabled;
}

static int kind_by_name(const char *s)
{
	int i;

	for (i = 0; i < SANDBOX_NR_KINDS; i++)
		if (!strcmp(s, lists[i].name))
			return i;
	return -1;
}

void sandbox__init(const struct kvm_config *cfg)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys,
				.sa_flags = SA_SIGINFO };
	const char *test = getenv("LKVM_SECCOMP_SELFTEST");
	int i;

	if (test && test[0]) {
		char kind[16];
		size_t n = strcspn(test, "-");

		selftest_ioctl = !strcmp(test + n, "-ioctl");
		snprintf(kind, sizeof(kind), "%.*s", (int)n, test);
		selftest_kind = kind_by_name(kind);
		if (selftest_kind < 0 || (test[n] && !selftest_ioctl))
			die("LKVM_SECCOMP_SELFTEST=%s: one of main, vcpu, io, console, signal, control, optionally followed by -ioctl",
			    test);
	}
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer's check at exit clones, ptraces, reads /proc. */
	if (!cfg->no_sandbox)
		pr_info("seccomp sandbox off: ASan's runtime needs calls the allow-lists leave out");
	return;
#endif
	if (cfg->no_sandbox) {
		pr_info("seccomp sandbox off (--sandbox=off)");
		return;
	}
	/* The names the SIGSYS handler prints, while malloc is allowed. */
	for (i = 0; i < NAMES_MAX; i++)
		names[i] =
			seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, i);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		die_perror("sigaction(SIGSYS)");
	enabled = true;
	pr_info("seccomp sandbox on: every thread keeps to its kind's allow-list (arm/sandbox.c)");
}
