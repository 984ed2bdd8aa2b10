// SPDX-License-Identifier: GPL-2.0
#include "lock-seam.h"

#include <stddef.h>

int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __wrap_pthread_mutex_lock(pthread_mutex_t *m);

/* The armed mutex, claimed by whichever lock comes first (__atomic). */
static pthread_mutex_t *seam_mutex;
static void (*seam_fn)(void *arg);
static void *seam_arg;
static bool seam_fired;

void lock_seam__arm(pthread_mutex_t *m, void (*fn)(void *arg), void *arg)
{
	seam_fn = fn;
	seam_arg = arg;
	seam_fired = false;
	__atomic_store_n(&seam_mutex, m, __ATOMIC_RELEASE);
}

bool lock_seam__fired(void)
{
	__atomic_store_n(&seam_mutex, NULL, __ATOMIC_RELEASE);
	return __atomic_load_n(&seam_fired, __ATOMIC_ACQUIRE);
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
	pthread_mutex_t *want = m;

	/* Disarm before running fn: its own locks must pass straight on. */
	if (m && __atomic_load_n(&seam_mutex, __ATOMIC_ACQUIRE) == m &&
	    __atomic_compare_exchange_n(&seam_mutex, &want, NULL, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		seam_fn(seam_arg);
		__atomic_store_n(&seam_fired, true, __ATOMIC_RELEASE);
	}
	return __real_pthread_mutex_lock(m);
}
