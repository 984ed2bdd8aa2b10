/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__SANDBOX_H
#define KVM__SANDBOX_H

#include "kvm/config.h"

/*
 * The seccomp sandbox (arm/sandbox.c): every lkvm thread, once set up,
 * confines itself to the system calls its kind of work needs. A forbidden
 * call kills lkvm with a message naming it and exit status
 * SANDBOX_EXIT_STATUS (128 + SIGSYS, as a death by SIGSYS would give).
 */
enum sandbox_kind {
	SANDBOX_MAIN, /* the main thread once the VM runs: reboots, exit */
	SANDBOX_VCPU, /* a vCPU thread: KVM_RUN and its exits */
	SANDBOX_IO, /* a virtio device's I/O thread */
	SANDBOX_CONSOLE, /* the console input thread, the hvc0 writer */
	SANDBOX_SIGNAL, /* the thread that takes SIGINT/SIGTERM/... */
	SANDBOX_CONTROL, /* the control socket's thread */
	SANDBOX_NR_KINDS,
};

#define SANDBOX_EXIT_STATUS 159

/*
 * Before any thread is started: resolve the names of system calls, take
 * SIGSYS, read the self-test hook (LKVM_SECCOMP_SELFTEST=KIND makes the
 * first thread of that kind make a forbidden call once confined).
 */
void sandbox__init(const struct kvm_config *cfg);
bool sandbox__enabled(void);
/* Confine the calling thread; index numbers vCPUs and devices (or -1). */
void sandbox__enter(enum sandbox_kind kind, int index);
/* The signal thread, after each wake-up: end lkvm if a thread was killed. */
void sandbox__check_killed(void);

#endif
