// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU power-state table (see kvm/power.h). All state is under one
 * mutex: PSCI calls are rare, and a single lock makes CPU_ON races, policy
 * changes and AFFINITY_INFO snapshots trivially consistent.
 */
#include "kvm/power.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct timespec ns_to_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ULL),
				  .tv_nsec = (long)(ns % 1000000000ULL) };
}

static void notify(struct power_table *t, enum power_event_kind kind,
		   unsigned int idx, enum power_state old)
{
	struct power_event ev = {
		.kind = kind,
		.vcpu = idx,
		.old = old,
		.state = t->v[idx].state,
		.enabled = t->v[idx].enabled,
	};

	if (t->notify)
		t->notify(t->notify_opaque, &ev);
}

/* Under the lock; atomically so that readers may skip the lock. */
static void set_state(struct power_table *t, unsigned int idx,
		      enum power_state s)
{
	enum power_state old = t->v[idx].state;

	if (old == s)
		return;
	__atomic_store_n(&t->v[idx].state, s, __ATOMIC_RELEASE);
	notify(t, POWER_EV_STATE, idx, old);
}

/* Conditions with timed waits measure time on CLOCK_MONOTONIC. */
static int cond_init(pthread_cond_t *c)
{
	pthread_condattr_t attr;
	int ret;

	ret = pthread_condattr_init(&attr);
	if (ret)
		return ret;
	ret = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(c, &attr);
	pthread_condattr_destroy(&attr);
	return ret;
}

int power__init(struct power_table *t, unsigned int nr)
{
	unsigned int i;
	int ret;

	memset(t, 0, sizeof(*t));
	if (nr == 0)
		return -EINVAL;

	t->v = calloc(nr, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;

	ret = pthread_mutex_init(&t->lock, NULL);
	if (ret)
		goto err_free;
	ret = cond_init(&t->quiet_cond);
	if (ret)
		goto err_mutex;
	for (i = 0; i < nr; i++) {
		ret = cond_init(&t->v[i].wake);
		if (ret)
			goto err_conds;
		t->v[i].state = POWER_OFF;
		t->v[i].enabled = true;
	}
	t->nr = nr;
	return 0;

err_conds:
	while (i--)
		pthread_cond_destroy(&t->v[i].wake);
	pthread_cond_destroy(&t->quiet_cond);
err_mutex:
	pthread_mutex_destroy(&t->lock);
err_free:
	free(t->v);
	t->v = NULL;
	return -ret;
}

void power__destroy(struct power_table *t)
{
	unsigned int i;

	if (!t->v)
		return;
	for (i = 0; i < t->nr; i++)
		pthread_cond_destroy(&t->v[i].wake);
	pthread_cond_destroy(&t->quiet_cond);
	pthread_mutex_destroy(&t->lock);
	free(t->v);
	t->v = NULL;
	t->nr = 0;
}

void power__set_notify(struct power_table *t, power_notify_fn fn, void *opaque)
{
	pthread_mutex_lock(&t->lock);
	t->notify = fn;
	t->notify_opaque = opaque;
	pthread_mutex_unlock(&t->lock);
}

int power__cpu_on(struct power_table *t, unsigned int target,
		  const struct power_boot *boot)
{
	struct power_vcpu *v;
	int ret;

	if (target >= t->nr)
		return -EINVAL;

	v = &t->v[target];
	pthread_mutex_lock(&t->lock);
	/*
	 * The state test and the transition are one step: one caller wins.
	 * During a reset, a vCPU not yet parked must not wake another one.
	 * The policy is read in the same step, so a racing disable either
	 * comes first (DENIED) or finds the vCPU no longer OFF and fails.
	 */
	if (t->resetting) {
		ret = -EBUSY;
	} else if (!v->enabled) {
		ret = -EPERM;
	} else if (v->state == POWER_ON) {
		ret = -EALREADY;
	} else if (v->state == POWER_ON_PENDING) {
		ret = -EINPROGRESS;
	} else {
		v->boot = *boot;
		set_state(t, target, POWER_ON_PENDING);
		ret = 0;
	}
	pthread_mutex_unlock(&t->lock);
	/*
	 * Wake after unlocking, so the target does not wake only to block on
	 * the mutex. No wake-up is lost: it re-checks its state under the lock.
	 */
	if (!ret)
		pthread_cond_signal(&v->wake);
	return ret;
}

void power__cpu_off(struct power_table *t, unsigned int self)
{
	if (self >= t->nr)
		return;
	/* No wake-up: the caller's own thread is the one that parks next. */
	pthread_mutex_lock(&t->lock);
	set_state(t, self, POWER_OFF);
	pthread_mutex_unlock(&t->lock);
}

/* One state is a single word: read without the lock (hot paths). */
enum power_state power__get(struct power_table *t, unsigned int idx)
{
	if (idx >= t->nr)
		return POWER_OFF;
	return __atomic_load_n(&t->v[idx].state, __ATOMIC_ACQUIRE);
}

void power__snapshot(struct power_table *t, enum power_state *out)
{
	power__snapshot_policy(t, out, NULL);
}

void power__snapshot_policy(struct power_table *t, enum power_state *state,
			    bool *enabled)
{
	unsigned int i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->nr; i++) {
		if (state)
			state[i] = t->v[i].state;
		if (enabled)
			enabled[i] = t->v[i].enabled;
	}
	pthread_mutex_unlock(&t->lock);
}

bool power__others_off(struct power_table *t, unsigned int self)
{
	bool off = true;
	unsigned int i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->nr && off; i++)
		if (i != self && t->v[i].state != POWER_OFF)
			off = false;
	pthread_mutex_unlock(&t->lock);
	return off;
}

/* Can idx[i] take the new policy? 0 or the error for the whole call. */
static int check_policy(struct power_table *t, unsigned int idx, bool enable)
{
	if (idx >= t->nr)
		return -EINVAL;
	if (enable)
		return 0;
	if (idx == POWER_BOOT_VCPU)
		return -EPERM;
	if (t->v[idx].state != POWER_OFF)
		return -EBUSY;
	return 0;
}

int power__set_enabled(struct power_table *t, const unsigned int *idx,
		       unsigned int n, bool enable, unsigned int *bad)
{
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < n && !ret; i++) {
		ret = check_policy(t, idx[i], enable);
		if (ret && bad)
			*bad = idx[i];
	}
	for (i = 0; i < n && !ret; i++) {
		if (t->v[idx[i]].enabled == enable)
			continue;
		t->v[idx[i]].enabled = enable;
		notify(t, POWER_EV_POLICY, idx[i], t->v[idx[i]].state);
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

bool power__enabled(struct power_table *t, unsigned int idx)
{
	bool en;

	if (idx >= t->nr)
		return false;
	pthread_mutex_lock(&t->lock);
	en = t->v[idx].enabled;
	pthread_mutex_unlock(&t->lock);
	return en;
}

/* Under the lock: a pending power-on whose time has come, not paused. */
static bool boot_due(struct power_table *t, struct power_vcpu *v,
		     uint64_t *wait_until)
{
	uint64_t now;

	*wait_until = 0;
	if (v->state != POWER_ON_PENDING || t->paused)
		return false;
	if (!v->boot.not_before_ns)
		return true;
	now = now_ns();
	if (now >= v->boot.not_before_ns)
		return true;
	*wait_until = v->boot.not_before_ns;
	return false;
}

static void set_waiting(struct power_table *t, bool *flag, unsigned int *nr,
			bool on)
{
	*flag = on;
	if (on)
		(*nr)++;
	else
		(*nr)--;
	pthread_cond_broadcast(&t->quiet_cond);
}

int power__wait_on(struct power_table *t, unsigned int self,
		   struct power_boot *boot)
{
	struct power_vcpu *v;
	uint64_t until;
	struct timespec ts;
	int ret = 0;

	if (self >= t->nr)
		return -EINVAL;

	v = &t->v[self];
	pthread_mutex_lock(&t->lock);
	set_waiting(t, &v->parked, &t->nr_parked, true);

	/* Loop: wake-ups may be spurious, or a boot discarded by all_off. */
	while (!t->shutdown && !v->service && !boot_due(t, v, &until)) {
		if (until) {
			ts = ns_to_ts(until);
			pthread_cond_timedwait(&v->wake, &t->lock, &ts);
		} else {
			pthread_cond_wait(&v->wake, &t->lock);
		}
	}

	set_waiting(t, &v->parked, &t->nr_parked, false);
	if (t->shutdown)
		ret = -ESHUTDOWN;
	else if (v->service)
		ret = POWER_WAIT_SERVICE;
	else
		*boot = v->boot;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

bool power__mark_on(struct power_table *t, unsigned int self)
{
	bool on = false;

	if (self >= t->nr)
		return false;

	pthread_mutex_lock(&t->lock);
	/* OFF here means a reset (all_off) overtook the boot: park again. */
	if (t->v[self].state == POWER_ON_PENDING) {
		set_state(t, self, POWER_ON);
		on = true;
	} else if (t->v[self].state == POWER_ON) {
		on = true;
	}
	pthread_mutex_unlock(&t->lock);
	return on;
}

bool power__should_park(struct power_table *t, unsigned int self)
{
	bool park;

	if (self >= t->nr)
		return true;

	/* Checked after every exit: lock-free; transitions take the lock. */
	park = __atomic_load_n(&t->v[self].state, __ATOMIC_ACQUIRE) !=
		       POWER_ON ||
	       __atomic_load_n(&t->shutdown, __ATOMIC_ACQUIRE);
	return park;
}

bool power__should_hold(struct power_table *t, unsigned int self)
{
	if (self >= t->nr)
		return false;
	/* Lock-free as above: the flags are written under the lock. */
	return __atomic_load_n(&t->paused, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&t->v[self].service, __ATOMIC_ACQUIRE);
}

int power__hold(struct power_table *t, unsigned int self)
{
	struct power_vcpu *v;
	int ret = 0;

	if (self >= t->nr)
		return -EINVAL;

	v = &t->v[self];
	pthread_mutex_lock(&t->lock);
	set_waiting(t, &v->held, &t->nr_held, true);
	/* A reset turning it off ends the hold: it parks instead. */
	while (t->paused && !t->shutdown && !v->service && v->state == POWER_ON)
		pthread_cond_wait(&v->wake, &t->lock);
	set_waiting(t, &v->held, &t->nr_held, false);
	if (t->shutdown)
		ret = -ESHUTDOWN;
	else if (v->service)
		ret = POWER_WAIT_SERVICE;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

static void wake_all(struct power_table *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		pthread_cond_broadcast(&t->v[i].wake);
}

bool power__pause(struct power_table *t)
{
	bool was;

	pthread_mutex_lock(&t->lock);
	was = t->paused;
	__atomic_store_n(&t->paused, true, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&t->lock);
	return !was;
}

bool power__resume(struct power_table *t)
{
	bool was;

	pthread_mutex_lock(&t->lock);
	was = t->paused;
	__atomic_store_n(&t->paused, false, __ATOMIC_SEQ_CST);
	wake_all(t);
	pthread_mutex_unlock(&t->lock);
	return was;
}

bool power__paused(struct power_table *t)
{
	return __atomic_load_n(&t->paused, __ATOMIC_ACQUIRE);
}

/* Wait on quiet_cond until done(t, arg) or the deadline. Under the lock. */
static bool wait_quiet_until(struct power_table *t,
			     bool (*done)(struct power_table *, unsigned int),
			     unsigned int arg, unsigned int timeout_ms)
{
	struct timespec ts = ns_to_ts(now_ns() + timeout_ms * 1000000ULL);

	while (!done(t, arg) && !t->shutdown)
		if (pthread_cond_timedwait(&t->quiet_cond, &t->lock, &ts))
			break;
	return done(t, arg) && !t->shutdown;
}

static bool all_quiet(struct power_table *t, unsigned int unused)
{
	(void)unused;
	return t->nr_parked + t->nr_held == t->nr;
}

bool power__wait_quiet(struct power_table *t, unsigned int timeout_ms)
{
	bool quiet;

	pthread_mutex_lock(&t->lock);
	quiet = wait_quiet_until(t, all_quiet, 0, timeout_ms);
	pthread_mutex_unlock(&t->lock);
	return quiet;
}

int power__request_service(struct power_table *t, unsigned int idx)
{
	int ret = 0;

	if (idx >= t->nr)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	if (t->shutdown) {
		ret = -ESHUTDOWN;
	} else if (t->v[idx].service) {
		ret = -EBUSY;
	} else {
		__atomic_store_n(&t->v[idx].service, true, __ATOMIC_SEQ_CST);
		pthread_cond_broadcast(&t->v[idx].wake);
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void power__service_done(struct power_table *t, unsigned int self)
{
	if (self >= t->nr)
		return;
	pthread_mutex_lock(&t->lock);
	__atomic_store_n(&t->v[self].service, false, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&t->quiet_cond);
	pthread_mutex_unlock(&t->lock);
}

static bool served(struct power_table *t, unsigned int idx)
{
	return !t->v[idx].service;
}

bool power__wait_service(struct power_table *t, unsigned int idx,
			 unsigned int timeout_ms)
{
	bool done;

	if (idx >= t->nr)
		return false;
	pthread_mutex_lock(&t->lock);
	done = wait_quiet_until(t, served, idx, timeout_ms);
	pthread_mutex_unlock(&t->lock);
	return done;
}

void power__all_off(struct power_table *t)
{
	unsigned int i;

	/*
	 * Parked threads need no wake-up: OFF is what they wait through.
	 * Held ones (paused) go and park, so a reset completes in a pause.
	 */
	pthread_mutex_lock(&t->lock);
	t->resetting = true;
	for (i = 0; i < t->nr; i++) {
		set_state(t, i, POWER_OFF);
		if (t->v[i].held)
			pthread_cond_broadcast(&t->v[i].wake);
	}
	pthread_mutex_unlock(&t->lock);
}

void power__wait_all_parked(struct power_table *t)
{
	pthread_mutex_lock(&t->lock);
	while (t->nr_parked < t->nr && !t->shutdown)
		pthread_cond_wait(&t->quiet_cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

void power__end_reset(struct power_table *t)
{
	pthread_mutex_lock(&t->lock);
	t->resetting = false;
	pthread_mutex_unlock(&t->lock);
}

void power__shutdown(struct power_table *t)
{
	pthread_mutex_lock(&t->lock);
	__atomic_store_n(&t->shutdown, true, __ATOMIC_SEQ_CST);
	wake_all(t);
	pthread_cond_broadcast(&t->quiet_cond);
	pthread_mutex_unlock(&t->lock);
}
