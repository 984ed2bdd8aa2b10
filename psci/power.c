// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU power-state table (see kvm/power.h). All state is under one
 * mutex: PSCI calls are rare, and a single lock makes CPU_ON races and
 * AFFINITY_INFO snapshots trivially consistent.
 */
#include "kvm/power.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Written under the lock, atomically so that readers may skip it. */
static void set_state(struct power_vcpu *v, enum power_state s)
{
	__atomic_store_n(&v->state, s, __ATOMIC_RELEASE);
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
	ret = pthread_cond_init(&t->parked_cond, NULL);
	if (ret)
		goto err_mutex;
	for (i = 0; i < nr; i++) {
		ret = pthread_cond_init(&t->v[i].wake, NULL);
		if (ret)
			goto err_conds;
		set_state(&t->v[i], POWER_OFF);
	}
	t->nr = nr;
	return 0;

err_conds:
	while (i--)
		pthread_cond_destroy(&t->v[i].wake);
	pthread_cond_destroy(&t->parked_cond);
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
	pthread_cond_destroy(&t->parked_cond);
	pthread_mutex_destroy(&t->lock);
	free(t->v);
	t->v = NULL;
	t->nr = 0;
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
	 */
	if (t->resetting) {
		ret = -EBUSY;
	} else if (v->state == POWER_ON) {
		ret = -EALREADY;
	} else if (v->state == POWER_ON_PENDING) {
		ret = -EINPROGRESS;
	} else {
		set_state(v, POWER_ON_PENDING);
		v->boot = *boot;
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
	set_state(&t->v[self], POWER_OFF);
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
	unsigned int i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->nr; i++)
		out[i] = t->v[i].state;
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

int power__wait_on(struct power_table *t, unsigned int self,
		   struct power_boot *boot)
{
	struct power_vcpu *v;
	int ret = 0;

	if (self >= t->nr)
		return -EINVAL;

	v = &t->v[self];
	pthread_mutex_lock(&t->lock);
	v->parked = true;
	t->nr_parked++;
	pthread_cond_broadcast(&t->parked_cond);

	/* Loop: wake-ups may be spurious, or a boot discarded by all_off. */
	while (v->state != POWER_ON_PENDING && !t->shutdown)
		pthread_cond_wait(&v->wake, &t->lock);

	t->nr_parked--;
	v->parked = false;
	if (t->shutdown)
		ret = -ESHUTDOWN;
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
		set_state(&t->v[self], POWER_ON);
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

void power__all_off(struct power_table *t)
{
	unsigned int i;

	/* Parked threads need no wake-up: OFF is what they wait through. */
	pthread_mutex_lock(&t->lock);
	t->resetting = true;
	for (i = 0; i < t->nr; i++)
		set_state(&t->v[i], POWER_OFF);
	pthread_mutex_unlock(&t->lock);
}

void power__wait_all_parked(struct power_table *t)
{
	pthread_mutex_lock(&t->lock);
	while (t->nr_parked < t->nr && !t->shutdown)
		pthread_cond_wait(&t->parked_cond, &t->lock);
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
	unsigned int i;

	pthread_mutex_lock(&t->lock);
	__atomic_store_n(&t->shutdown, true, __ATOMIC_RELEASE);
	for (i = 0; i < t->nr; i++)
		pthread_cond_broadcast(&t->v[i].wake);
	pthread_cond_broadcast(&t->parked_cond);
	pthread_mutex_unlock(&t->lock);
}
