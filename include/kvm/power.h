/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__POWER_H
#define KVM__POWER_H

/*
 * The vCPU power-state table: OFF / ON_PENDING / ON per vCPU, with the
 * pending entry point and context. One mutex; a condition variable per
 * vCPU so CPU_ON wakes exactly its target, and one for "all parked".
 * Pure (pthreads only): no KVM, no ioctl, no signals.
 *
 * A vCPU thread whose vCPU is not ON waits in power__wait_on() (userspace,
 * never inside KVM_RUN). CPU_ON moves the target OFF -> ON_PENDING and
 * wakes it; the target thread resets its vCPU, then power__mark_on().
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum power_state {
	POWER_OFF,
	POWER_ON_PENDING,
	POWER_ON,
};

/* How a vCPU is to start when it next comes on. */
struct power_boot {
	uint64_t entry;
	uint64_t ctx; /* x0 */
	bool big_endian; /* SCTLR_EL1.EE of the vCPU that asked */
};

struct power_vcpu {
	enum power_state state;
	struct power_boot boot;
	bool parked; /* its thread is waiting in power__wait_on() */
	pthread_cond_t wake;
};

struct power_table {
	pthread_mutex_t lock;
	pthread_cond_t parked_cond;
	unsigned int nr;
	unsigned int nr_parked;
	bool resetting; /* from power__all_off() to power__end_reset() */
	bool shutdown;
	struct power_vcpu *v;
};

int power__init(struct power_table *t, unsigned int nr);
void power__destroy(struct power_table *t);

/*
 * CPU_ON: OFF -> ON_PENDING and wake the target. 0; -EALREADY if it is ON,
 * -EINPROGRESS if it is ON_PENDING (an earlier CPU_ON won); or -EBUSY
 * while the machine resets (the caller is being reset too).
 */
int power__cpu_on(struct power_table *t, unsigned int target,
		  const struct power_boot *boot);
/* CPU_OFF by the vCPU itself, and the reset path: -> OFF. */
void power__cpu_off(struct power_table *t, unsigned int self);
enum power_state power__get(struct power_table *t, unsigned int idx);
/* A consistent copy of every vCPU's state (AFFINITY_INFO). */
void power__snapshot(struct power_table *t, enum power_state *out);
/* True if every vCPU other than self is OFF (SYSTEM_SUSPEND). */
bool power__others_off(struct power_table *t, unsigned int self);

/* vCPU thread side. 0 with *boot filled when ON_PENDING; -ESHUTDOWN. */
int power__wait_on(struct power_table *t, unsigned int self,
		   struct power_boot *boot);
/* ON_PENDING -> ON. False if the vCPU was turned off meanwhile (reset). */
bool power__mark_on(struct power_table *t, unsigned int self);
/* Should a running vCPU leave KVM_RUN and park (not ON, or shutdown)? */
bool power__should_park(struct power_table *t, unsigned int self);

/*
 * Machine side (reset): every vCPU -> OFF, and CPU_ON refused until
 * power__end_reset(). The caller then kicks the running ones out of
 * KVM_RUN and waits for all threads to park (or for a shutdown).
 */
void power__all_off(struct power_table *t);
void power__wait_all_parked(struct power_table *t);
/* The reset is over: CPU_ON works again (the next boot's power-on). */
void power__end_reset(struct power_table *t);
/* Stop: every waiting thread returns -ESHUTDOWN, now and later. */
void power__shutdown(struct power_table *t);

#endif /* KVM__POWER_H */
