// SPDX-License-Identifier: GPL-2.0
/* PSCI fault injection (see kvm/psci-inject.h). */
#include "kvm/psci-inject.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int psci_inject__init(struct psci_inject *inj)
{
	memset(inj, 0, sizeof(*inj));
	return -pthread_mutex_init(&inj->lock, NULL);
}

void psci_inject__destroy(struct psci_inject *inj)
{
	pthread_mutex_destroy(&inj->lock);
}

bool psci_inject__fn_allowed(unsigned int fn)
{
	switch (fn) {
	case PSCI_FN_CPU_ON:
	case PSCI_FN_CPU_OFF:
	case PSCI_FN_AFFINITY_INFO:
	case PSCI_FN_CPU_SUSPEND:
	case PSCI_FN_SYSTEM_SUSPEND:
		return true;
	default:
		return false;
	}
}

/* Under the lock. */
static void update_armed(struct psci_inject *inj)
{
	bool armed = inj->delay_on_ms != 0;
	unsigned int i;

	for (i = 0; i < PSCI_FN_COUNT && !armed; i++)
		armed = inj->fault[i].count != 0;
	__atomic_store_n(&inj->armed, armed, __ATOMIC_RELEASE);
}

int psci_inject__arm(struct psci_inject *inj, unsigned int fn, int32_t code,
		     uint32_t count)
{
	if (!psci_inject__fn_allowed(fn) || !psci__ret_name(code) ||
	    code >= 0 || count == 0 || count > PSCI_INJECT_MAX_COUNT)
		return -EINVAL;
	pthread_mutex_lock(&inj->lock);
	inj->fault[fn] = (struct psci_fault){ .code = code, .count = count };
	update_armed(inj);
	pthread_mutex_unlock(&inj->lock);
	return 0;
}

int psci_inject__set_delay_on(struct psci_inject *inj, uint32_t ms)
{
	if (ms > PSCI_INJECT_MAX_DELAY_MS)
		return -EINVAL;
	pthread_mutex_lock(&inj->lock);
	inj->delay_on_ms = ms;
	update_armed(inj);
	pthread_mutex_unlock(&inj->lock);
	return 0;
}

void psci_inject__clear(struct psci_inject *inj)
{
	pthread_mutex_lock(&inj->lock);
	memset(inj->fault, 0, sizeof(inj->fault));
	inj->delay_on_ms = 0;
	update_armed(inj);
	pthread_mutex_unlock(&inj->lock);
}

bool psci_inject__take(struct psci_inject *inj, unsigned int fn, int32_t *code)
{
	bool hit = false;

	/* The common case, nothing armed, costs one load. */
	if (fn >= PSCI_FN_COUNT ||
	    !__atomic_load_n(&inj->armed, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&inj->lock);
	if (inj->fault[fn].count) {
		/* Test and use up in one step: K racing calls, K failures. */
		inj->fault[fn].count--;
		*code = inj->fault[fn].code;
		hit = true;
		if (!inj->fault[fn].count)
			update_armed(inj);
	}
	pthread_mutex_unlock(&inj->lock);
	return hit;
}

uint32_t psci_inject__delay_on(struct psci_inject *inj)
{
	uint32_t ms;

	if (!__atomic_load_n(&inj->armed, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&inj->lock);
	ms = inj->delay_on_ms;
	pthread_mutex_unlock(&inj->lock);
	return ms;
}

void psci_inject__snapshot(struct psci_inject *inj, struct psci_fault *fault,
			   uint32_t *delay_on_ms)
{
	pthread_mutex_lock(&inj->lock);
	memcpy(fault, inj->fault, sizeof(inj->fault));
	*delay_on_ms = inj->delay_on_ms;
	pthread_mutex_unlock(&inj->lock);
}

static int fail(char *err, size_t errlen, const char *what, const char *spec)
{
	snprintf(err, errlen, "%s in '%s' (want FUNC=CODE[,count=K])", what,
		 spec);
	return -EINVAL;
}

/* Digits only, 1..max. */
static int parse_count(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int psci_inject__parse(const char *spec, unsigned int *fn, int32_t *code,
		       uint32_t *count, char *err, size_t errlen)
{
	char buf[96], *eq, *comma;
	int f, c;

	if (strlen(spec) >= sizeof(buf))
		return fail(err, errlen, "too long", "...");
	strcpy(buf, spec);
	eq = strchr(buf, '=');
	if (!eq)
		return fail(err, errlen, "no '='", spec);
	*eq = '\0';
	comma = strchr(eq + 1, ',');
	if (comma)
		*comma = '\0';

	f = psci__fn_parse(buf);
	if (f < 0 || !psci_inject__fn_allowed((unsigned int)f)) {
		snprintf(
			err, errlen,
			"cannot inject into '%s': CPU_ON, CPU_OFF, AFFINITY_INFO, CPU_SUSPEND or SYSTEM_SUSPEND",
			buf);
		return -EINVAL;
	}
	c = psci__ret_parse(eq + 1);
	if (c >= 0) {
		snprintf(
			err, errlen,
			"'%s' is no PSCI error: NOT_SUPPORTED, INVALID_PARAMETERS, DENIED, ALREADY_ON, ON_PENDING, INTERNAL_FAILURE, NOT_PRESENT, DISABLED, INVALID_ADDRESS or -1..-9",
			eq + 1);
		return -EINVAL;
	}
	*count = 1;
	if (comma) {
		if (strncasecmp(comma + 1, "count=", 6) ||
		    parse_count(comma + 7, PSCI_INJECT_MAX_COUNT, count))
			return fail(err, errlen, "bad count (1 to 1000000)",
				    spec);
	}
	*fn = (unsigned int)f;
	*code = c;
	return 0;
}
