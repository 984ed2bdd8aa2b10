/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__POWER_H
#define KVM__POWER_H

/*
 * The vCPU power-state table: OFF / ON_PENDING / ON per vCPU, with the
 * pending entry point and context, the hotplug policy (an enabled flag per
 * vCPU) and the VM's pause. One mutex; a condition variable per vCPU so
 * CPU_ON wakes exactly its target, and one for "parked, held or served".
 * Pure (pthreads only): no KVM, no ioctl, no signals.
 *
 * A vCPU thread whose vCPU is not ON waits in power__wait_on() (userspace,
 * never inside KVM_RUN). CPU_ON moves the target OFF -> ON_PENDING and
 * wakes it; the target thread resets its vCPU, then power__mark_on().
 * While the VM is paused a running vCPU waits in power__hold(). Either
 * wait also returns for a service request (power__request_service()): the
 * control thread needs something only the vCPU's own thread may do, such
 * as reading its registers, without powering the vCPU on.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum power_state {
	POWER_OFF,
	POWER_ON_PENDING,
	POWER_ON,
};

/* The vCPU the machine boots on: never disabled. */
#define POWER_BOOT_VCPU 0

/* How a vCPU is to start when it next comes on. */
struct power_boot {
	uint64_t entry;
	uint64_t ctx; /* x0 */
	bool big_endian; /* SCTLR_EL1.EE of the vCPU that asked */
	/* CLOCK_MONOTONIC ns: the target stays ON_PENDING until then (0: no
	 * wait), and when CPU_ON was called (0: not a CPU_ON, no latency). */
	uint64_t not_before_ns;
	uint64_t call_ns;
};

struct power_vcpu {
	enum power_state state;
	struct power_boot boot;
	bool enabled; /* hotplug policy: CPU_ON may start it */
	bool parked; /* its thread is waiting in power__wait_on() */
	bool held; /* its thread is waiting in power__hold() */
	bool service; /* a service request waits for its thread */
	pthread_cond_t wake;
};

/* A change the table reports through its notify hook. */
enum power_event_kind {
	POWER_EV_STATE, /* old -> state */
	POWER_EV_POLICY, /* enabled changed */
};

struct power_event {
	enum power_event_kind kind;
	unsigned int vcpu;
	enum power_state old, state;
	bool enabled;
};

/*
 * Called with the table's lock held, on the thread making the change: it
 * must not block and must not call back into the table.
 */
typedef void (*power_notify_fn)(void *opaque, const struct power_event *ev);

struct power_table {
	pthread_mutex_t lock;
	pthread_cond_t quiet_cond; /* parked/held/service changed */
	unsigned int nr;
	unsigned int nr_parked;
	unsigned int nr_held;
	bool resetting; /* from power__all_off() to power__end_reset() */
	bool shutdown;
	bool paused;
	power_notify_fn notify;
	void *notify_opaque;
	struct power_vcpu *v;
};

/* Every vCPU OFF and enabled. */
int power__init(struct power_table *t, unsigned int nr);
void power__destroy(struct power_table *t);
/* Before any vCPU thread runs: report every change to fn (NULL: none). */
void power__set_notify(struct power_table *t, power_notify_fn fn, void *opaque);

/*
 * CPU_ON: OFF -> ON_PENDING and wake the target. 0; -EPERM if the target
 * is disabled; -EALREADY if it is ON, -EINPROGRESS if it is ON_PENDING (an
 * earlier CPU_ON won); or -EBUSY while the machine resets (the caller is
 * being reset too).
 */
int power__cpu_on(struct power_table *t, unsigned int target,
		  const struct power_boot *boot);
/* CPU_OFF by the vCPU itself, and the reset path: -> OFF. */
void power__cpu_off(struct power_table *t, unsigned int self);
enum power_state power__get(struct power_table *t, unsigned int idx);
/* A consistent copy of every vCPU's state (AFFINITY_INFO). */
void power__snapshot(struct power_table *t, enum power_state *out);
/* The same with the enabled flags; either array may be NULL. */
void power__snapshot_policy(struct power_table *t, enum power_state *state,
			    bool *enabled);
/* True if every vCPU other than self is OFF (SYSTEM_SUSPEND). */
bool power__others_off(struct power_table *t, unsigned int self);

/*
 * Hotplug policy: enable or disable the n vCPUs in idx[], all or none.
 * 0; -EINVAL for an index out of range, -EPERM for disabling the boot
 * vCPU, -EBUSY for disabling a vCPU that is not OFF; *bad (may be NULL)
 * is then the first index refused. The check and the change are one step
 * under the lock, so a CPU_ON racing with a disable either finds the
 * vCPU disabled (DENIED) or makes the disable fail.
 */
int power__set_enabled(struct power_table *t, const unsigned int *idx,
		       unsigned int n, bool enable, unsigned int *bad);
bool power__enabled(struct power_table *t, unsigned int idx);

/*
 * vCPU thread side. 0 with *boot filled when ON_PENDING (and due, and the
 * VM not paused); POWER_WAIT_SERVICE when a service request is there (the
 * vCPU stays as it is: serve it, power__service_done(), wait again);
 * -ESHUTDOWN.
 */
#define POWER_WAIT_SERVICE 1
int power__wait_on(struct power_table *t, unsigned int self,
		   struct power_boot *boot);
/* ON_PENDING -> ON. False if the vCPU was turned off meanwhile (reset). */
bool power__mark_on(struct power_table *t, unsigned int self);
/* Should a running vCPU leave KVM_RUN and park (not ON, or shutdown)? */
bool power__should_park(struct power_table *t, unsigned int self);
/* Should a running vCPU leave KVM_RUN to be held or to serve? */
bool power__should_hold(struct power_table *t, unsigned int self);
/*
 * A running vCPU's thread waits here while the VM is paused. 0 when
 * resumed or no longer ON (a reset: go and park), POWER_WAIT_SERVICE for
 * a service request, -ESHUTDOWN.
 */
int power__hold(struct power_table *t, unsigned int self);

/*
 * Pause: from now on running vCPUs hold and due power-ons wait. The
 * caller kicks the running ones out of KVM_RUN, then waits until every
 * thread is parked or held (power__wait_quiet). Resume releases them.
 * power__pause() returns false if already paused, resume if not paused.
 */
bool power__pause(struct power_table *t);
bool power__resume(struct power_table *t);
bool power__paused(struct power_table *t);
/* True once every vCPU thread is parked or held, false after timeout_ms
 * or at shutdown. */
bool power__wait_quiet(struct power_table *t, unsigned int timeout_ms);

/*
 * Service requests (control thread): ask vCPU idx's thread to do
 * something only it may do. -EBUSY if an earlier request to it is still
 * pending, -EINVAL out of range, -ESHUTDOWN. The caller then kicks the
 * vCPU out of KVM_RUN and waits for power__service_done() by its thread.
 */
int power__request_service(struct power_table *t, unsigned int idx);
void power__service_done(struct power_table *t, unsigned int self);
/* True when idx's request was served; false after timeout_ms. */
bool power__wait_service(struct power_table *t, unsigned int idx,
			 unsigned int timeout_ms);

/*
 * Machine side (reset): every vCPU -> OFF, and CPU_ON refused until
 * power__end_reset(). The caller then kicks the running ones out of
 * KVM_RUN and waits for all threads to park (or for a shutdown). The
 * hotplug policy and a pause are kept.
 */
void power__all_off(struct power_table *t);
void power__wait_all_parked(struct power_table *t);
/* The reset is over: CPU_ON works again (the next boot's power-on). */
void power__end_reset(struct power_table *t);
/* Stop: every waiting thread returns -ESHUTDOWN, now and later. */
void power__shutdown(struct power_table *t);

#endif /* KVM__POWER_H */
