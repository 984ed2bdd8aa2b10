/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__PSCI_INJECT_H
#define KVM__PSCI_INJECT_H

/*
 * PSCI fault injection, for experiments: per function, an error code and
 * how many more calls get it instead of being served; and a delay that
 * keeps a CPU_ON target ON_PENDING before it enters the guest. Set from
 * the command line and the control socket, read by every vCPU's PSCI
 * calls: under one mutex, with a lock-free "nothing armed" fast path.
 * Pure.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvm/psci.h"

#define PSCI_INJECT_MAX_COUNT 1000000u
#define PSCI_INJECT_MAX_DELAY_MS 600000u /* ten minutes */

struct psci_fault {
	int32_t code; /* a PSCI error, -1..-9 */
	uint32_t count; /* calls still to fail; 0: not armed */
};

struct psci_inject {
	pthread_mutex_t lock;
	struct psci_fault fault[PSCI_FN_COUNT]; /* by function number */
	uint32_t delay_on_ms;
	bool armed; /* any fault or a delay: read without the lock */
};

int psci_inject__init(struct psci_inject *inj);
void psci_inject__destroy(struct psci_inject *inj);

/* CPU_ON, CPU_OFF, AFFINITY_INFO, CPU_SUSPEND and SYSTEM_SUSPEND. */
bool psci_inject__fn_allowed(unsigned int fn);
/* Arm fn: the next count calls answer code. -EINVAL for a function that
 * cannot be injected, a code that is no PSCI error, or a count of 0 or
 * above PSCI_INJECT_MAX_COUNT. */
int psci_inject__arm(struct psci_inject *inj, unsigned int fn, int32_t code,
		     uint32_t count);
/* -EINVAL above PSCI_INJECT_MAX_DELAY_MS. 0 turns it off. */
int psci_inject__set_delay_on(struct psci_inject *inj, uint32_t ms);
void psci_inject__clear(struct psci_inject *inj);

/* A call to fn: true (one count used up, *code set) if it is to fail. */
bool psci_inject__take(struct psci_inject *inj, unsigned int fn, int32_t *code);
uint32_t psci_inject__delay_on(struct psci_inject *inj);
/* Copy of the armed faults (PSCI_FN_COUNT entries) and the delay. */
void psci_inject__snapshot(struct psci_inject *inj, struct psci_fault *fault,
			   uint32_t *delay_on_ms);

/*
 * "FUNC=CODE[,count=K]", e.g. "CPU_ON=INTERNAL_FAILURE,count=3". FUNC and
 * CODE are case-insensitive names (CODE also as -1..-9). 0, or -EINVAL
 * with a one-line reason in err.
 */
int psci_inject__parse(const char *spec, unsigned int *fn, int32_t *code,
		       uint32_t *count, char *err, size_t errlen);

#endif /* KVM__PSCI_INJECT_H */
