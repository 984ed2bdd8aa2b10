// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/power.h"
#include "lock-seam.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

/* A thread parked in power__wait_on(). */
struct waiter {
	pthread_t thread;
	struct power_table *t;
	unsigned int self;
	int ret;
	struct power_boot boot;
	int done; /* read and written with __atomic */
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	w->ret = power__wait_on(w->t, w->self, &w->boot);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void waiter_start(struct waiter *w, struct power_table *t,
			 unsigned int self)
{
	memset(w, 0, sizeof(*w));
	w->t = t;
	w->self = self;
	w->ret = 1;
	pthread_create(&w->thread, NULL, waiter_fn, w);
}

static bool waiter_done(struct waiter *w)
{
	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

/* Block until vCPU idx is parked in power__wait_on(). */
static void wait_parked(struct power_table *t, unsigned int idx)
{
	pthread_mutex_lock(&t->lock);
	while (!t->v[idx].parked)
		pthread_cond_wait(&t->quiet_cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

static bool is_parked(struct power_table *t, unsigned int idx)
{
	bool parked;

	pthread_mutex_lock(&t->lock);
	parked = t->v[idx].parked;
	pthread_mutex_unlock(&t->lock);
	return parked;
}

static unsigned int nr_parked(struct power_table *t)
{
	unsigned int n;

	pthread_mutex_lock(&t->lock);
	n = t->nr_parked;
	pthread_mutex_unlock(&t->lock);
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void init_all_off(struct test_ctx *t)
{
	struct power_table pt;
	unsigned int i;

	CHECK_EQ(t, power__init(&pt, 0), -EINVAL);
	CHECK_EQ(t, power__init(&pt, 5), 0);
	CHECK_EQ(t, pt.nr, 5);
	CHECK_EQ(t, pt.nr_parked, 0);
	CHECK(t, !pt.shutdown);
	for (i = 0; i < 5; i++) {
		CHECK_EQ(t, power__get(&pt, i), POWER_OFF);
		CHECK(t, !pt.v[i].parked);
		CHECK(t, power__should_park(&pt, i));
	}
	power__destroy(&pt);
	CHECK(t, pt.v == NULL);
	power__destroy(&pt); /* twice is harmless */
}

static void transitions(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b1 = { 0x80001000, 0x1234, false };
	struct power_boot b2 = { 0x80002000, 0x5678, true };

	CHECK_EQ(t, power__init(&pt, 3), 0);

	CHECK_EQ(t, power__cpu_on(&pt, 1, &b1), 0);
	CHECK_EQ(t, power__get(&pt, 1), POWER_ON_PENDING);
	CHECK_EQ(t, pt.v[1].boot.entry, 0x80001000);
	CHECK_EQ(t, pt.v[1].boot.ctx, 0x1234);
	CHECK(t, power__should_park(&pt, 1));

	/* A second CPU_ON while pending loses and changes nothing. */
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b2), -EINPROGRESS);
	CHECK_EQ(t, pt.v[1].boot.entry, 0x80001000);
	CHECK(t, !pt.v[1].boot.big_endian);

	CHECK(t, power__mark_on(&pt, 1));
	CHECK_EQ(t, power__get(&pt, 1), POWER_ON);
	CHECK(t, !power__should_park(&pt, 1));
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b2), -EALREADY);

	power__cpu_off(&pt, 1);
	CHECK_EQ(t, power__get(&pt, 1), POWER_OFF);
	CHECK(t, power__should_park(&pt, 1));

	/* And on again with a new boot. */
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b2), 0);
	CHECK_EQ(t, pt.v[1].boot.entry, 0x80002000);
	CHECK(t, pt.v[1].boot.big_endian);

	/* Out of range is refused, not a crash. */
	CHECK_EQ(t, power__cpu_on(&pt, 3, &b1), -EINVAL);
	CHECK_EQ(t, power__get(&pt, 3), POWER_OFF);
	CHECK(t, !power__mark_on(&pt, 3));
	power__destroy(&pt);
}

static void snapshot_others_off(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	enum power_state s[4];

	CHECK_EQ(t, power__init(&pt, 4), 0);
	CHECK(t, power__others_off(&pt, 0));
	CHECK_EQ(t, power__cpu_on(&pt, 0, &b), 0);
	CHECK(t, power__mark_on(&pt, 0));
	CHECK(t, power__others_off(&pt, 0));
	CHECK(t, !power__others_off(&pt, 1));
	CHECK_EQ(t, power__cpu_on(&pt, 2, &b), 0);
	CHECK(t, !power__others_off(&pt, 0)); /* ON_PENDING counts */

	power__snapshot(&pt, s);
	CHECK_EQ(t, s[0], POWER_ON);
	CHECK_EQ(t, s[1], POWER_OFF);
	CHECK_EQ(t, s[2], POWER_ON_PENDING);
	CHECK_EQ(t, s[3], POWER_OFF);

	power__cpu_off(&pt, 2);
	CHECK(t, power__others_off(&pt, 0));
	power__destroy(&pt);
}

static void all_off(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	unsigned int i;

	CHECK_EQ(t, power__init(&pt, 4), 0);
	CHECK_EQ(t, power__cpu_on(&pt, 0, &b), 0);
	CHECK(t, power__mark_on(&pt, 0));
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b), 0);
	CHECK(t, power__mark_on(&pt, 1));
	CHECK_EQ(t, power__cpu_on(&pt, 2, &b), 0);

	power__all_off(&pt);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(t, power__get(&pt, i), POWER_OFF);
		CHECK(t, power__should_park(&pt, i));
	}
	/* The discarded boot of vCPU 2 cannot complete. */
	CHECK(t, !power__mark_on(&pt, 2));
	CHECK_EQ(t, power__get(&pt, 2), POWER_OFF);

	/* A vCPU still finishing a CPU_ON cannot wake anyone mid-reset... */
	CHECK_EQ(t, power__cpu_on(&pt, 3, &b), -EBUSY);
	CHECK_EQ(t, power__get(&pt, 3), POWER_OFF);
	/* ...until the machine starts its next boot. */
	power__end_reset(&pt);
	CHECK_EQ(t, power__cpu_on(&pt, 0, &b), 0);
	CHECK_EQ(t, power__get(&pt, 0), POWER_ON_PENDING);
	power__destroy(&pt);
}

static void wait_on_blocks_until_cpu_on(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80040000, 0xabcdef, true };
	struct waiter w;

	CHECK_EQ(t, power__init(&pt, 3), 0);
	waiter_start(&w, &pt, 2);
	wait_parked(&pt, 2);
	CHECK_EQ(t, nr_parked(&pt), 1);

	/* A CPU_ON for someone else does not wake vCPU 2. */
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b), 0);
	sleep_ms(20);
	CHECK(t, !waiter_done(&w));
	CHECK(t, is_parked(&pt, 2));

	CHECK_EQ(t, power__cpu_on(&pt, 2, &b), 0);
	pthread_join(w.thread, NULL);
	CHECK_EQ(t, w.ret, 0);
	CHECK_EQ(t, w.boot.entry, 0x80040000);
	CHECK_EQ(t, w.boot.ctx, 0xabcdef);
	CHECK(t, w.boot.big_endian);
	CHECK(t, !is_parked(&pt, 2));
	CHECK_EQ(t, nr_parked(&pt), 0);
	/* Still pending until the thread has reset its vCPU. */
	CHECK_EQ(t, power__get(&pt, 2), POWER_ON_PENDING);
	CHECK(t, power__mark_on(&pt, 2));
	CHECK_EQ(t, power__get(&pt, 2), POWER_ON);
	power__destroy(&pt);
}

static void wait_on_pending_returns_at_once(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000800, 7, false }, out = { 0 };

	CHECK_EQ(t, power__init(&pt, 2), 0);
	CHECK_EQ(t, power__cpu_on(&pt, 0, &b), 0);
	CHECK_EQ(t, power__wait_on(&pt, 0, &out), 0);
	CHECK_EQ(t, out.entry, 0x80000800);
	CHECK_EQ(t, out.ctx, 7);
	CHECK_EQ(t, nr_parked(&pt), 0);
	CHECK_EQ(t, power__wait_on(&pt, 2, &out), -EINVAL);
	power__destroy(&pt);
}

static void wait_on_shutdown(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false }, out;
	struct waiter w;

	CHECK_EQ(t, power__init(&pt, 2), 0);
	CHECK_EQ(t, power__cpu_on(&pt, 0, &b), 0);
	CHECK(t, power__mark_on(&pt, 0));
	CHECK(t, !power__should_park(&pt, 0));

	waiter_start(&w, &pt, 1);
	wait_parked(&pt, 1);
	power__shutdown(&pt);
	pthread_join(w.thread, NULL);
	CHECK_EQ(t, w.ret, -ESHUTDOWN);
	CHECK_EQ(t, nr_parked(&pt), 0);
	CHECK(t, !is_parked(&pt, 1));

	/* Later calls return at once, even with a boot pending. */
	CHECK_EQ(t, power__wait_on(&pt, 1, &out), -ESHUTDOWN);
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b), 0);
	CHECK_EQ(t, power__wait_on(&pt, 1, &out), -ESHUTDOWN);
	/* A running vCPU must leave KVM_RUN too. */
	CHECK(t, power__should_park(&pt, 0));
	power__destroy(&pt);
}

static void reset_discards_pending_boot(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot old = { 0x80001000, 1, false };
	struct power_boot new = { 0x80002000, 2, false };
	struct waiter w;

	CHECK_EQ(t, power__init(&pt, 2), 0);
	/* CPU_ON then a reset before the target thread ever ran. */
	CHECK_EQ(t, power__cpu_on(&pt, 1, &old), 0);
	power__all_off(&pt);
	CHECK(t, !power__mark_on(&pt, 1));
	power__end_reset(&pt);

	/* The thread now parks and only the fresh boot wakes it. */
	waiter_start(&w, &pt, 1);
	wait_parked(&pt, 1);
	sleep_ms(10);
	CHECK(t, !waiter_done(&w));
	CHECK_EQ(t, power__cpu_on(&pt, 1, &new), 0);
	pthread_join(w.thread, NULL);
	CHECK_EQ(t, w.ret, 0);
	CHECK_EQ(t, w.boot.entry, 0x80002000);
	CHECK_EQ(t, w.boot.ctx, 2);
	CHECK(t, power__mark_on(&pt, 1));
	power__destroy(&pt);
}

#define NR_PARKERS 6

static void wait_all_parked_threads(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	struct waiter w[NR_PARKERS];
	unsigned int i;

	CHECK_EQ(t, power__init(&pt, NR_PARKERS), 0);
	for (i = 0; i < NR_PARKERS; i++)
		waiter_start(&w[i], &pt, i);

	power__wait_all_parked(&pt);
	CHECK_EQ(t, nr_parked(&pt), NR_PARKERS);
	for (i = 0; i < NR_PARKERS; i++) {
		CHECK(t, is_parked(&pt, i));
		CHECK(t, !waiter_done(&w[i]));
	}

	for (i = 0; i < NR_PARKERS; i++) {
		b.ctx = i;
		CHECK_EQ(t, power__cpu_on(&pt, i, &b), 0);
		pthread_join(w[i].thread, NULL);
		CHECK_EQ(t, w[i].ret, 0);
		CHECK_EQ(t, w[i].boot.ctx, i);
		CHECK_EQ(t, nr_parked(&pt), NR_PARKERS - 1 - i);
	}
	power__destroy(&pt);
}

static void *all_parked_fn(void *arg)
{
	power__wait_all_parked(arg);
	return NULL;
}

static void wait_all_parked_shutdown(struct test_ctx *t)
{
	struct power_table pt;
	struct waiter w;
	pthread_t th;

	/* Only one of three parks; shutdown releases the waiter. */
	CHECK_EQ(t, power__init(&pt, 3), 0);
	waiter_start(&w, &pt, 0);
	wait_parked(&pt, 0);
	pthread_create(&th, NULL, all_parked_fn, &pt);
	sleep_ms(10);
	power__shutdown(&pt);
	pthread_join(th, NULL);
	pthread_join(w.thread, NULL);
	CHECK_EQ(t, w.ret, -ESHUTDOWN);
	power__wait_all_parked(&pt); /* and returns at once afterwards */
	power__destroy(&pt);
}

/*
 * Another CPU_ON (or a reset) reaches the table just before this one takes
 * the lock: the answer must come from the state under the lock.
 */
struct rival {
	struct power_table *t;
	unsigned int target;
	int what; /* 0: CPU_ON, 1: CPU_ON and the target runs, 2: reset */
	int ret;
};

static void rival_step(void *arg)
{
	struct rival *r = arg;
	struct power_boot b = { 0x80000000, 0x22, false };

	if (r->what == 2) {
		power__all_off(r->t);
		return;
	}
	r->ret = power__cpu_on(r->t, r->target, &b);
	if (r->what == 1)
		power__mark_on(r->t, r->target);
}

static void cpu_on_lost_at_lock(struct test_ctx *t)
{
	static const int want[] = { -EINPROGRESS, -EALREADY, -EBUSY };
	struct power_boot mine = { 0x80001000, 0x11, true };
	struct power_table pt;
	struct rival r;
	int what;

	for (what = 0; what < 3; what++) {
		CHECK_EQ(t, power__init(&pt, 2), 0);
		r = (struct rival){ &pt, 1, what, 1 };
		lock_seam__arm(&pt.lock, rival_step, &r);
		CHECK_EQ(t, power__cpu_on(&pt, 1, &mine), want[what]);
		CHECK(t, lock_seam__fired());
		if (what < 2) {
			CHECK_EQ(t, r.ret, 0);
			CHECK_EQ(t, pt.v[1].boot.ctx, 0x22);
			CHECK(t, !pt.v[1].boot.big_endian);
		}
		CHECK_EQ(t, power__get(&pt, 1),
			 what == 0 ? POWER_ON_PENDING :
			 what == 1 ? POWER_ON :
				     POWER_OFF);
		power__destroy(&pt);
		if (t->failed) {
			printf("  with rival %d\n", what);
			return;
		}
	}
}

#define RACERS 8
#define RACE_ROUNDS 300

struct racer {
	struct power_table *t;
	pthread_barrier_t *bar;
	int ret;
	uint64_t ctx;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;
	struct power_boot b = { 0x80000000, r->ctx, false };
	int round;

	for (round = 0; round < RACE_ROUNDS; round++) {
		pthread_barrier_wait(r->bar);
		r->ret = power__cpu_on(r->t, 0, &b);
		pthread_barrier_wait(r->bar);
	}
	return NULL;
}

static void cpu_on_race(struct test_ctx *t)
{
	struct power_table pt;
	pthread_barrier_t bar;
	pthread_t th[RACERS];
	struct racer r[RACERS];
	int round, i, bad = 0;

	CHECK_EQ(t, power__init(&pt, 1), 0);
	pthread_barrier_init(&bar, NULL, RACERS + 1);
	for (i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ .t = &pt, .bar = &bar, .ctx = i };
		pthread_create(&th[i], NULL, racer_fn, &r[i]);
	}

	for (round = 0; round < RACE_ROUNDS; round++) {
		int won = 0, lost = 0, winner = -1;

		power__cpu_off(&pt, 0);
		pthread_barrier_wait(&bar); /* go */
		pthread_barrier_wait(&bar); /* all done */
		for (i = 0; i < RACERS; i++) {
			if (r[i].ret == 0) {
				won++;
				winner = i;
			} else if (r[i].ret == -EINPROGRESS) {
				lost++;
			}
		}
		if (won != 1 || lost != RACERS - 1 ||
		    pt.v[0].boot.ctx != (uint64_t)winner)
			bad++;
	}
	for (i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&bar);
	CHECK_EQ(t, bad, 0);
	power__destroy(&pt);
}

/* ---- hotplug policy ---------------------------------------------------- */

static void policy_denied_until_enabled(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	const unsigned int two_three[] = { 2, 3 }, two[] = { 2 };

	CHECK_EQ(t, power__init(&pt, 4), 0);
	CHECK(t, power__enabled(&pt, 3));
	CHECK_EQ(t, power__set_enabled(&pt, two_three, 2, false, NULL), 0);
	CHECK(t, !power__enabled(&pt, 2));
	CHECK(t, !power__enabled(&pt, 3));
	CHECK(t, !power__enabled(&pt, 4)); /* out of range */

	CHECK_EQ(t, power__cpu_on(&pt, 2, &b), -EPERM);
	CHECK_EQ(t, power__get(&pt, 2), POWER_OFF);
	CHECK_EQ(t, power__set_enabled(&pt, two, 1, true, NULL), 0);
	CHECK_EQ(t, power__cpu_on(&pt, 2, &b), 0);
	CHECK_EQ(t, power__get(&pt, 2), POWER_ON_PENDING);
	CHECK_EQ(t, power__cpu_on(&pt, 3, &b), -EPERM);

	/* The policy outlives a reset. */
	power__all_off(&pt);
	power__end_reset(&pt);
	CHECK(t, power__enabled(&pt, 2));
	CHECK(t, !power__enabled(&pt, 3));
	CHECK_EQ(t, power__cpu_on(&pt, 3, &b), -EPERM);
	power__destroy(&pt);
}

static void policy_refusals(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	const unsigned int boot[] = { 1, 0 }, out[] = { 4 }, busy[] = { 3, 2 };
	const unsigned int one[] = { 1 };
	bool en[4];
	unsigned int bad = 99;

	CHECK_EQ(t, power__init(&pt, 4), 0);
	CHECK_EQ(t, power__set_enabled(&pt, boot, 2, false, &bad), -EPERM);
	CHECK_EQ(t, bad, 0);
	CHECK(t, power__enabled(&pt, 1)); /* all or nothing */
	CHECK_EQ(t, power__set_enabled(&pt, out, 1, true, &bad), -EINVAL);
	CHECK_EQ(t, bad, 4);
	CHECK_EQ(t, power__set_enabled(&pt, out, 1, false, &bad), -EINVAL);

	/* ON, and ON_PENDING, cannot be disabled. */
	CHECK_EQ(t, power__cpu_on(&pt, 2, &b), 0);
	CHECK_EQ(t, power__set_enabled(&pt, busy, 2, false, &bad), -EBUSY);
	CHECK_EQ(t, bad, 2);
	CHECK(t, power__enabled(&pt, 3));
	CHECK(t, power__mark_on(&pt, 2));
	CHECK_EQ(t, power__set_enabled(&pt, busy, 2, false, &bad), -EBUSY);
	power__cpu_off(&pt, 2);
	CHECK_EQ(t, power__set_enabled(&pt, busy, 2, false, &bad), 0);

	/* Enabling is always allowed, even twice; the boot vCPU too. */
	CHECK_EQ(t, power__set_enabled(&pt, boot, 2, true, NULL), 0);
	CHECK_EQ(t, power__set_enabled(&pt, one, 1, true, NULL), 0);
	power__snapshot_policy(&pt, NULL, en);
	CHECK(t, en[0] && en[1] && !en[2] && !en[3]);
	power__destroy(&pt);
}

#define MAX_EVENTS 64

struct ev_log {
	struct power_event ev[MAX_EVENTS];
	unsigned int n;
	unsigned int bad; /* a disabled vCPU seen not OFF */
};

static void log_event(void *opaque, const struct power_event *ev)
{
	struct ev_log *l = opaque;

	if (!ev->enabled && ev->state != POWER_OFF)
		l->bad++;
	if (l->n < MAX_EVENTS)
		l->ev[l->n] = *ev;
	l->n++;
}

static void notify_events(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	const unsigned int one[] = { 1 };
	struct ev_log l = { 0 };

	CHECK_EQ(t, power__init(&pt, 2), 0);
	power__set_notify(&pt, log_event, &l);
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b), 0);
	CHECK(t, power__mark_on(&pt, 1));
	power__cpu_off(&pt, 1);
	power__cpu_off(&pt, 1); /* no change, no event */
	CHECK_EQ(t, power__set_enabled(&pt, one, 1, false, NULL), 0);
	CHECK_EQ(t, power__set_enabled(&pt, one, 1, false, NULL), 0);
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b), -EPERM);
	CHECK_EQ(t, power__set_enabled(&pt, one, 1, true, NULL), 0);

	CHECK_EQ(t, l.n, 5);
	CHECK_EQ(t, l.ev[0].kind, POWER_EV_STATE);
	CHECK_EQ(t, l.ev[0].vcpu, 1);
	CHECK_EQ(t, l.ev[0].old, POWER_OFF);
	CHECK_EQ(t, l.ev[0].state, POWER_ON_PENDING);
	CHECK_EQ(t, l.ev[1].old, POWER_ON_PENDING);
	CHECK_EQ(t, l.ev[1].state, POWER_ON);
	CHECK_EQ(t, l.ev[2].old, POWER_ON);
	CHECK_EQ(t, l.ev[2].state, POWER_OFF);
	CHECK_EQ(t, l.ev[3].kind, POWER_EV_POLICY);
	CHECK(t, !l.ev[3].enabled);
	CHECK_EQ(t, l.ev[4].kind, POWER_EV_POLICY);
	CHECK(t, l.ev[4].enabled);
	CHECK_EQ(t, l.bad, 0);
	power__destroy(&pt);
}

/* A disable reaching the lock just before a CPU_ON, and the reverse. */
struct policy_rival {
	struct power_table *t;
	bool disable; /* else CPU_ON */
	int ret;
};

static void policy_rival_step(void *arg)
{
	struct policy_rival *r = arg;
	struct power_boot b = { 0x80000000, 0, false };
	const unsigned int one[] = { 1 };

	if (r->disable)
		r->ret = power__set_enabled(r->t, one, 1, false, NULL);
	else
		r->ret = power__cpu_on(r->t, 1, &b);
}

static void policy_race_at_lock(struct test_ctx *t)
{
	struct power_boot b = { 0x80000000, 0, false };
	const unsigned int one[] = { 1 };
	struct power_table pt;
	struct policy_rival r;

	/* The disable wins: the CPU_ON is DENIED and the vCPU stays off. */
	CHECK_EQ(t, power__init(&pt, 2), 0);
	r = (struct policy_rival){ &pt, true, 1 };
	lock_seam__arm(&pt.lock, policy_rival_step, &r);
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b), -EPERM);
	CHECK(t, lock_seam__fired());
	CHECK_EQ(t, r.ret, 0);
	CHECK_EQ(t, power__get(&pt, 1), POWER_OFF);
	power__destroy(&pt);

	/* The CPU_ON wins: the disable is refused, the vCPU comes on. */
	CHECK_EQ(t, power__init(&pt, 2), 0);
	r = (struct policy_rival){ &pt, false, 1 };
	lock_seam__arm(&pt.lock, policy_rival_step, &r);
	CHECK_EQ(t, power__set_enabled(&pt, one, 1, false, NULL), -EBUSY);
	CHECK(t, lock_seam__fired());
	CHECK_EQ(t, r.ret, 0);
	CHECK(t, power__enabled(&pt, 1));
	CHECK_EQ(t, power__get(&pt, 1), POWER_ON_PENDING);
	power__destroy(&pt);
}

#define POLICY_ROUNDS 20000

struct guest_sim {
	struct power_table *t;
	int ons, denied;
	bool stop; /* __atomic */
};

/* The guest: CPU_ON vCPU 1, let it run, CPU_OFF; again and again. */
static void *guest_sim_fn(void *arg)
{
	struct guest_sim *g = arg;
	struct power_boot b = { 0x80000000, 0, false };
	int ret;

	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		ret = power__cpu_on(g->t, 1, &b);
		if (ret == -EPERM) {
			g->denied++;
			continue;
		}
		if (ret)
			continue;
		__atomic_fetch_add(&g->ons, 1, __ATOMIC_RELAXED);
		power__mark_on(g->t, 1);
		power__cpu_off(g->t, 1);
	}
	return NULL;
}

static void policy_race_threads(struct test_ctx *t)
{
	const unsigned int one[] = { 1 };
	struct power_table pt;
	struct ev_log l = { 0 };
	struct guest_sim g = { 0 };
	pthread_t th;
	int i, disabled = 0, refused = 0, ret;

	CHECK_EQ(t, power__init(&pt, 2), 0);
	power__set_notify(&pt, log_event, &l);
	g.t = &pt;
	pthread_create(&th, NULL, guest_sim_fn, &g);
	/* The rounds, and until the guest has had some runs (slow hosts). */
	for (i = 0; i < POLICY_ROUNDS ||
		    (__atomic_load_n(&g.ons, __ATOMIC_RELAXED) < 100 &&
		     i < 100 * POLICY_ROUNDS);
	     i++) {
		ret = power__set_enabled(&pt, one, 1, false, NULL);
		if (!ret)
			disabled++;
		else if (ret == -EBUSY)
			refused++;
		/* While disabled the guest can never power it on. */
		if (!ret)
			CHECK_EQ(t, power__get(&pt, 1), POWER_OFF);
		CHECK_EQ(t, power__set_enabled(&pt, one, 1, true, NULL), 0);
	}
	__atomic_store_n(&g.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	/* Checked under the lock at every change: never ON while disabled. */
	CHECK_EQ(t, l.bad, 0);
	CHECK_EQ(t, disabled + refused, i);
	CHECK(t, g.ons >= 100);
	power__destroy(&pt);
}

/* ---- pause, hold and service requests ------------------------------------ */

struct holder {
	pthread_t thread;
	struct power_table *t;
	unsigned int self;
	int ret;
	int done; /* __atomic */
};

static void *holder_fn(void *arg)
{
	struct holder *h = arg;

	h->ret = power__hold(h->t, h->self);
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void holder_start(struct holder *h, struct power_table *t,
			 unsigned int self)
{
	memset(h, 0, sizeof(*h));
	h->t = t;
	h->self = self;
	h->ret = 99;
	pthread_create(&h->thread, NULL, holder_fn, h);
}

static void pause_holds_until_resume(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	struct holder h;
	struct waiter w;

	CHECK_EQ(t, power__init(&pt, 2), 0);
	CHECK_EQ(t, power__cpu_on(&pt, 0, &b), 0);
	CHECK(t, power__mark_on(&pt, 0));
	CHECK(t, !power__should_hold(&pt, 0));
	CHECK(t, !power__resume(&pt)); /* not paused */
	CHECK(t, power__pause(&pt));
	CHECK(t, !power__pause(&pt)); /* already */
	CHECK(t, power__paused(&pt));
	CHECK(t, power__should_hold(&pt, 0));

	/* vCPU 0 runs into the hold; vCPU 1 is parked: quiet. */
	CHECK(t, !power__wait_quiet(&pt, 10));
	holder_start(&h, &pt, 0);
	waiter_start(&w, &pt, 1);
	CHECK(t, power__wait_quiet(&pt, 10000));
	sleep_ms(10);
	CHECK(t, !__atomic_load_n(&h.done, __ATOMIC_ACQUIRE));

	/* A CPU_ON while paused waits: the target stays parked. */
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b), 0);
	sleep_ms(10);
	CHECK(t, !waiter_done(&w));
	CHECK(t, power__wait_quiet(&pt, 10000));

	CHECK(t, power__resume(&pt));
	pthread_join(h.thread, NULL);
	pthread_join(w.thread, NULL);
	CHECK_EQ(t, h.ret, 0);
	CHECK_EQ(t, w.ret, 0);
	CHECK(t, !power__should_hold(&pt, 0));
	power__destroy(&pt);
}

/* Join within 10 s: a thread that never returns fails the test. */
static bool join_within(pthread_t th)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	return pthread_timedjoin_np(th, NULL, &ts) == 0;
}

/* A reset while paused: held vCPUs park, the reset completes, the next
 * boot waits for the resume. */
static void pause_and_reset(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	struct holder h[2];
	struct waiter w, w1;
	unsigned int i;

	CHECK_EQ(t, power__init(&pt, 2), 0);
	for (i = 0; i < 2; i++) {
		CHECK_EQ(t, power__cpu_on(&pt, i, &b), 0);
		CHECK(t, power__mark_on(&pt, i));
	}
	power__pause(&pt);
	for (i = 0; i < 2; i++)
		holder_start(&h[i], &pt, i);
	CHECK(t, power__wait_quiet(&pt, 10000));
	power__all_off(&pt);
	for (i = 0; i < 2; i++) {
		if (!join_within(h[i].thread)) {
			/* Still held: let it go so the test can end. */
			CHECK(t, !"a held vCPU did not park for the reset");
			power__shutdown(&pt);
			for (; i < 2; i++)
				pthread_join(h[i].thread, NULL);
			power__destroy(&pt);
			return;
		}
		CHECK_EQ(t, h[i].ret, 0);
		CHECK(t, power__should_park(&pt, i));
	}
	waiter_start(&w, &pt, 0);
	waiter_start(&w1, &pt, 1);
	power__wait_all_parked(&pt);
	CHECK_EQ(t, nr_parked(&pt), 2);
	power__end_reset(&pt);
	CHECK_EQ(t, power__cpu_on(&pt, 0, &b), 0);
	sleep_ms(10);
	CHECK(t, !waiter_done(&w)); /* paused: the new boot waits */
	power__resume(&pt);
	pthread_join(w.thread, NULL);
	CHECK_EQ(t, w.ret, 0);
	power__shutdown(&pt);
	pthread_join(w1.thread, NULL);
	CHECK_EQ(t, w1.ret, -ESHUTDOWN);
	power__destroy(&pt);
}

static void pause_shutdown(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	struct holder h;

	CHECK_EQ(t, power__init(&pt, 1), 0);
	CHECK_EQ(t, power__cpu_on(&pt, 0, &b), 0);
	CHECK(t, power__mark_on(&pt, 0));
	power__pause(&pt);
	holder_start(&h, &pt, 0);
	CHECK(t, power__wait_quiet(&pt, 10000));
	power__shutdown(&pt);
	pthread_join(h.thread, NULL);
	CHECK_EQ(t, h.ret, -ESHUTDOWN);
	CHECK(t, !power__wait_quiet(&pt, 10)); /* false at shutdown */
	CHECK_EQ(t, power__request_service(&pt, 0), -ESHUTDOWN);
	power__destroy(&pt);
}

static void service_parked_vcpu(struct test_ctx *t)
{
	struct power_table pt;
	struct waiter w;

	CHECK_EQ(t, power__init(&pt, 2), 0);
	CHECK_EQ(t, power__request_service(&pt, 2), -EINVAL);
	waiter_start(&w, &pt, 1);
	wait_parked(&pt, 1);
	CHECK(t, power__wait_service(&pt, 1, 1)); /* nothing asked */
	CHECK_EQ(t, power__request_service(&pt, 1), 0);
	CHECK_EQ(t, power__request_service(&pt, 1), -EBUSY);
	pthread_join(w.thread, NULL);
	/* Woken for the request, not powered on. */
	CHECK_EQ(t, w.ret, POWER_WAIT_SERVICE);
	CHECK_EQ(t, power__get(&pt, 1), POWER_OFF);
	CHECK(t, power__should_hold(&pt, 1));
	CHECK(t, !power__wait_service(&pt, 1, 10));
	power__service_done(&pt, 1);
	CHECK(t, power__wait_service(&pt, 1, 10));
	CHECK(t, !power__should_hold(&pt, 1));
	power__destroy(&pt);
}

static void service_held_vcpu(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	struct holder h;

	CHECK_EQ(t, power__init(&pt, 1), 0);
	CHECK_EQ(t, power__cpu_on(&pt, 0, &b), 0);
	CHECK(t, power__mark_on(&pt, 0));
	power__pause(&pt);
	holder_start(&h, &pt, 0);
	CHECK(t, power__wait_quiet(&pt, 10000));
	CHECK_EQ(t, power__request_service(&pt, 0), 0);
	pthread_join(h.thread, NULL);
	CHECK_EQ(t, h.ret, POWER_WAIT_SERVICE);
	power__service_done(&pt, 0);
	/* Still paused: it holds again. */
	holder_start(&h, &pt, 0);
	CHECK(t, power__wait_quiet(&pt, 10000));
	power__resume(&pt);
	pthread_join(h.thread, NULL);
	CHECK_EQ(t, h.ret, 0);
	power__destroy(&pt);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void delayed_power_on(struct test_ctx *t)
{
	struct power_table pt;
	struct power_boot b = { 0x80000000, 0, false };
	struct waiter w;
	uint64_t start = mono_ns();

	CHECK_EQ(t, power__init(&pt, 2), 0);
	b.not_before_ns = start + 300 * 1000000ULL;
	b.call_ns = start;
	waiter_start(&w, &pt, 1);
	wait_parked(&pt, 1);
	CHECK_EQ(t, power__cpu_on(&pt, 1, &b), 0);
	sleep_ms(20);
	/* Not before its time: ON_PENDING all along. */
	CHECK(t, !waiter_done(&w));
	CHECK_EQ(t, power__get(&pt, 1), POWER_ON_PENDING);
	pthread_join(w.thread, NULL);
	CHECK_EQ(t, w.ret, 0);
	CHECK(t, mono_ns() >= b.not_before_ns);
	CHECK_EQ(t, w.boot.call_ns, start);
	power__destroy(&pt);
}

TEST_SUITE(power, TEST(init_all_off), TEST(transitions),
	   TEST(snapshot_others_off), TEST(all_off),
	   TEST(wait_on_blocks_until_cpu_on),
	   TEST(wait_on_pending_returns_at_once), TEST(wait_on_shutdown),
	   TEST(reset_discards_pending_boot), TEST(wait_all_parked_threads),
	   TEST(wait_all_parked_shutdown), TEST(cpu_on_lost_at_lock),
	   TEST(cpu_on_race), TEST(policy_denied_until_enabled),
	   TEST(policy_refusals), TEST(notify_events),
	   TEST(policy_race_at_lock), TEST(policy_race_threads),
	   TEST(pause_holds_until_resume), TEST(pause_and_reset),
	   TEST(pause_shutdown), TEST(service_parked_vcpu),
	   TEST(service_held_vcpu), TEST(delayed_power_on));
