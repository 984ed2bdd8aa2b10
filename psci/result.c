// SPDX-License-Identifier: GPL-2.0
/*
 * PSCI function and result names, both ways, and the result slots that
 * `lkvm stat` counts calls in. Shared by the VM (traces, statistics) and
 * the client commands (parsing, printing).
 */
#include "kvm/psci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* DEN0022's names, by -value. */
static const char *const ret_names[] = {
	"SUCCESS",    "NOT_SUPPORTED",	 "INVALID_PARAMETERS", "DENIED",
	"ALREADY_ON", "ON_PENDING",	 "INTERNAL_FAILURE",   "NOT_PRESENT",
	"DISABLED",   "INVALID_ADDRESS",
};

const char *psci__ret_name(int64_t v)
{
	if (v <= 0 && v > -(int64_t)(sizeof(ret_names) / sizeof(ret_names[0])))
		return ret_names[-v];
	return NULL;
}

int psci__ret_parse(const char *s)
{
	unsigned int i;
	char *end;
	long v;

	for (i = 0; i < sizeof(ret_names) / sizeof(ret_names[0]); i++)
		if (!strcasecmp(s, ret_names[i]))
			return -(int)i;
	if (!strcasecmp(s, "INVALID_PARAMS"))
		return PSCI_RET_INVALID_PARAMS;
	if (*s == '-' && s[1] >= '1' && s[1] <= '9') {
		v = strtol(s, &end, 10);
		if (!*end && psci__ret_name(v))
			return (int)v;
	}
	return 1;
}

/* The functions people name on the command line. */
static const struct {
	const char *name;
	unsigned int fn;
} fn_names[] = {
	{ "PSCI_VERSION", PSCI_FN_VERSION },
	{ "CPU_SUSPEND", PSCI_FN_CPU_SUSPEND },
	{ "CPU_OFF", PSCI_FN_CPU_OFF },
	{ "CPU_ON", PSCI_FN_CPU_ON },
	{ "AFFINITY_INFO", PSCI_FN_AFFINITY_INFO },
	{ "MIGRATE_INFO_TYPE", PSCI_FN_MIGRATE_INFO_TYPE },
	{ "SYSTEM_OFF", PSCI_FN_SYSTEM_OFF },
	{ "SYSTEM_RESET", PSCI_FN_SYSTEM_RESET },
	{ "PSCI_FEATURES", PSCI_FN_FEATURES },
	{ "SYSTEM_SUSPEND", PSCI_FN_SYSTEM_SUSPEND },
	{ "SYSTEM_RESET2", PSCI_FN_SYSTEM_RESET2 },
};

#define NR_FN_NAMES (sizeof(fn_names) / sizeof(fn_names[0]))

int psci__fn_parse(const char *s)
{
	unsigned int i;

	for (i = 0; i < NR_FN_NAMES; i++)
		if (!strcasecmp(s, fn_names[i].name))
			return (int)fn_names[i].fn;
	return -EINVAL;
}

const char *psci__fn_number_name(unsigned int fn)
{
	const char *name = psci__fn_name(PSCI_FN32(fn));

	if (!name && fn < PSCI_FN_COUNT)
		name = psci__fn_name(PSCI_FN64(fn));
	return name;
}

unsigned int psci__result_slot(bool returned, int64_t v)
{
	if (!returned)
		return PSCI_SLOT_NONE;
	if (v >= PSCI_SLOT_MIN_VALUE && v <= PSCI_SLOT_MAX_VALUE)
		return (unsigned int)(v - PSCI_SLOT_MIN_VALUE);
	return PSCI_SLOT_OTHER;
}

const char *psci__slot_name(unsigned int fn, unsigned int slot)
{
	static const char *const affinity[] = { "ON", "OFF", "ON_PENDING" };
	static const char *const positive[] = { "1", "2" };
	int64_t v = (int64_t)slot + PSCI_SLOT_MIN_VALUE;

	if (slot == PSCI_SLOT_NONE)
		return "no return";
	if (slot == PSCI_SLOT_OTHER || slot > PSCI_SLOT_NONE)
		return "other";
	if (fn == PSCI_FN_AFFINITY_INFO && v >= 0)
		return affinity[v];
	if (v > 0)
		return positive[v - 1];
	return psci__ret_name(v);
}
