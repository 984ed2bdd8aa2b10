/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TESTS__LOCK_SEAM_H
#define TESTS__LOCK_SEAM_H

/*
 * A seam for deterministic races. The unit tests are linked with
 * --wrap=pthread_mutex_lock, so a test can run one step of "another
 * thread" just before the code under test takes a given mutex: exactly
 * where anything that code read before the lock goes stale.
 */

#include <pthread.h>
#include <stdbool.h>

/* Run fn(arg) once, in the next pthread_mutex_lock(m), before it locks. */
void lock_seam__arm(pthread_mutex_t *m, void (*fn)(void *arg), void *arg);
/* Did the armed step run? Disarms it either way. */
bool lock_seam__fired(void);

#endif /* TESTS__LOCK_SEAM_H */
