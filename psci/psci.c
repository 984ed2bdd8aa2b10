// SPDX-License-Identifier: GPL-2.0
/*
 * PSCI 1.1 (Arm DEN0022) in userspace, as two services on the hypercall
 * bus (the SMC32 and SMC64 ranges), plus SDEI stubs. vCPU power states
 * live in the power table; everything else that touches a vCPU or the
 * machine goes through psci_ops, so this file is testable anywhere.
 */
#include "kvm/psci.h"
#include "kvm/psci-inject.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct psci_fn {
	const char *name; /* SMC32 name, as DEN0022 spells it */
	const char *name64; /* NULL: the function has no SMC64 variant */
	bool implemented;
	unsigned char nr_args; /* argument registers read (x1..) */
};

/*
 * Every PSCI 1.1 function. Unimplemented ones read no arguments: they are
 * answered NOT_SUPPORTED without looking at any.
 */
static const struct psci_fn psci_fns[] = {
	[PSCI_FN_VERSION] = { "PSCI_VERSION", NULL, true, 0 },
	[PSCI_FN_CPU_SUSPEND] = { "CPU_SUSPEND", "CPU_SUSPEND64", true, 3 },
	[PSCI_FN_CPU_OFF] = { "CPU_OFF", NULL, true, 0 },
	[PSCI_FN_CPU_ON] = { "CPU_ON", "CPU_ON64", true, 3 },
	[PSCI_FN_AFFINITY_INFO] = { "AFFINITY_INFO", "AFFINITY_INFO64", true,
				    2 },
	[PSCI_FN_MIGRATE] = { "MIGRATE", "MIGRATE64", false, 0 },
	[PSCI_FN_MIGRATE_INFO_TYPE] = { "MIGRATE_INFO_TYPE", NULL, true, 0 },
	[PSCI_FN_MIGRATE_INFO_UP_CPU] = { "MIGRATE_INFO_UP_CPU",
					  "MIGRATE_INFO_UP_CPU64", false, 0 },
	[PSCI_FN_SYSTEM_OFF] = { "SYSTEM_OFF", NULL, true, 0 },
	[PSCI_FN_SYSTEM_RESET] = { "SYSTEM_RESET", NULL, true, 0 },
	[PSCI_FN_FEATURES] = { "PSCI_FEATURES", NULL, true, 1 },
	[PSCI_FN_CPU_FREEZE] = { "CPU_FREEZE", NULL, false, 0 },
	[PSCI_FN_CPU_DEFAULT_SUSPEND] = { "CPU_DEFAULT_SUSPEND",
					  "CPU_DEFAULT_SUSPEND64", false, 0 },
	[PSCI_FN_NODE_HW_STATE] = { "NODE_HW_STATE", "NODE_HW_STATE64", false,
				    0 },
	[PSCI_FN_SYSTEM_SUSPEND] = { "SYSTEM_SUSPEND", "SYSTEM_SUSPEND64", true,
				     2 },
	[PSCI_FN_SET_SUSPEND_MODE] = { "PSCI_SET_SUSPEND_MODE", NULL, false,
				       0 },
	[PSCI_FN_STAT_RESIDENCY] = { "PSCI_STAT_RESIDENCY",
				     "PSCI_STAT_RESIDENCY64", false, 0 },
	[PSCI_FN_STAT_COUNT] = { "PSCI_STAT_COUNT", "PSCI_STAT_COUNT64", false,
				 0 },
	[PSCI_FN_SYSTEM_RESET2] = { "SYSTEM_RESET2", "SYSTEM_RESET2_64", true,
				    2 },
	[PSCI_FN_MEM_PROTECT] = { "MEM_PROTECT", NULL, false, 0 },
	[PSCI_FN_MEM_PROTECT_CHECK_RANGE] = { "MEM_PROTECT_CHECK_RANGE",
					      "MEM_PROTECT_CHECK_RANGE64",
					      false, 0 },
};

#define PSCI_NR_FNS (sizeof(psci_fns) / sizeof(psci_fns[0]))

/* The table entry for a function ID, or NULL if it is no PSCI function. */
static const struct psci_fn *psci_lookup(uint32_t fid)
{
	const struct psci_fn *f;
	uint32_t n;
	bool smc64;

	if (fid - PSCI_FN32_BASE < PSCI_FN_COUNT) {
		n = fid - PSCI_FN32_BASE;
		smc64 = false;
	} else if (fid - PSCI_FN64_BASE < PSCI_FN_COUNT) {
		n = fid - PSCI_FN64_BASE;
		smc64 = true;
	} else {
		return NULL;
	}

	if (n >= PSCI_NR_FNS)
		return NULL;
	f = &psci_fns[n];
	if (smc64 && !f->name64)
		return NULL;
	return f;
}

static const struct psci_fn *psci_lookup_implemented(uint32_t fid)
{
	const struct psci_fn *f = psci_lookup(fid);

	return f && f->implemented ? f : NULL;
}

static void set_ret(struct smccc_res *res, int64_t ret)
{
	res->a[0] = (uint64_t)ret;
	res->nr = 1;
}

/* vCPUs both sides agree exist (the table and the MPIDR list). */
static unsigned int psci_nr_cpus(const struct psci *p)
{
	return p->nr_cpus < p->power->nr ? p->nr_cpus : p->power->nr;
}

static bool psci_find_cpu(const struct psci *p, uint64_t mpidr,
			  unsigned int *idx)
{
	unsigned int i, nr = psci_nr_cpus(p);

	for (i = 0; i < nr; i++) {
		if ((p->mpidrs[i] & MPIDR_AFF_MASK) == mpidr) {
			*idx = i;
			return true;
		}
	}
	return false;
}

/* An entry point must be an A64 instruction inside guest RAM. */
static bool psci_entry_valid(const struct psci *p, uint64_t entry)
{
	return entry >= p->ram_base && entry - p->ram_base < p->ram_size &&
	       !(entry & 3);
}

static int64_t psci_features(uint32_t fid)
{
	/* Lets guests see SMCCC >= 1.1 and enable their mitigations. */
	if (fid == SMCCC_VERSION_FID)
		return PSCI_RET_SUCCESS;
	/*
	 * For CPU_SUSPEND the SUCCESS value 0 doubles as its feature flags:
	 * original power_state format, platform-coordinated mode only.
	 */
	if (psci_lookup_implemented(fid))
		return PSCI_RET_SUCCESS;
	return PSCI_RET_NOT_SUPPORTED;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int64_t psci_cpu_on(struct psci *p, unsigned int caller, uint64_t target,
			   uint64_t entry, uint64_t ctx)
{
	struct power_boot boot = { 0 };
	uint32_t delay_ms;
	unsigned int idx;
	int ret;

	if (target & ~MPIDR_AFF_MASK)
		return PSCI_RET_INVALID_PARAMS;
	if (!psci_find_cpu(p, target, &idx))
		return PSCI_RET_INVALID_PARAMS;
	if (!psci_entry_valid(p, entry))
		return PSCI_RET_INVALID_ADDRESS;

	/*
	 * A target not off needs no endianness read (a register access for
	 * the caller). Its state at this instant is a valid answer; an off
	 * target is re-checked under the lock by power__cpu_on(), since
	 * another CPU_ON may win in between.
	 */
	switch (power__get(p->power, idx)) {
	case POWER_ON:
		return PSCI_RET_ALREADY_ON;
	case POWER_ON_PENDING:
		return PSCI_RET_ON_PENDING; /* DEN0022, as AFFINITY_INFO says */
	default:
		break;
	}

	boot.entry = entry;
	boot.ctx = ctx;
	/* The target starts with the caller's data endianness (DEN0022). */
	boot.big_endian = p->ops->big_endian(p->opaque, caller);
	/* For the CPU_ON latency, and an injected start-up delay. */
	boot.call_ns = now_ns();
	delay_ms = p->inject ? psci_inject__delay_on(p->inject) : 0;
	if (delay_ms)
		boot.not_before_ns = boot.call_ns + delay_ms * 1000000ULL;

	ret = power__cpu_on(p->power, idx, &boot);
	switch (ret) {
	case 0:
		return PSCI_RET_SUCCESS;
	case -EPERM:
		/* The hotplug policy: a disabled vCPU (Linux: EPERM). */
		return PSCI_RET_DENIED;
	case -EALREADY:
		return PSCI_RET_ALREADY_ON;
	case -EINPROGRESS:
		return PSCI_RET_ON_PENDING;
	default:
		return PSCI_RET_INTERNAL_FAILURE;
	}
}

static int64_t psci_affinity_info(struct psci *p, uint64_t target,
				  uint32_t level)
{
	static const uint64_t level_mask[] = {
		MPIDR_AFF_MASK,
		0xff00ffff00ULL,
		0xff00ff0000ULL,
		0xff00000000ULL,
	};
	unsigned int i, nr = psci_nr_cpus(p);
	bool any = false, pending = false;
	enum power_state *states;
	uint64_t mask;
	int64_t ret;

	if (level > 3 || (target & ~MPIDR_AFF_MASK))
		return PSCI_RET_INVALID_PARAMS;
	mask = level_mask[level];

	/* Level 0 names one vCPU: read its state alone (the common poll). */
	if (level == 0) {
		if (!psci_find_cpu(p, target, &i))
			return PSCI_RET_INVALID_PARAMS;
		switch (power__get(p->power, i)) {
		case POWER_ON:
			return PSCI_AFFINITY_ON;
		case POWER_ON_PENDING:
			return PSCI_AFFINITY_ON_PENDING;
		default:
			return PSCI_AFFINITY_OFF;
		}
	}

	/* Heap, not stack: up to thousands of vCPUs on a vCPU thread. */
	states = calloc(p->power->nr, sizeof(*states));
	if (!states)
		return PSCI_RET_INTERNAL_FAILURE;
	/* One snapshot, so the answer is true of a single instant. */
	power__snapshot(p->power, states);

	ret = PSCI_AFFINITY_OFF;
	for (i = 0; i < nr; i++) {
		if ((p->mpidrs[i] & mask) != (target & mask))
			continue;
		any = true;
		if (states[i] == POWER_ON) {
			ret = PSCI_AFFINITY_ON;
			break;
		}
		if (states[i] == POWER_ON_PENDING)
			pending = true;
	}
	free(states);

	if (!any)
		return PSCI_RET_INVALID_PARAMS;
	if (ret != PSCI_AFFINITY_ON && pending)
		ret = PSCI_AFFINITY_ON_PENDING;
	return ret;
}

static void psci_system_suspend(struct psci *p, unsigned int caller,
				uint64_t entry, uint64_t ctx,
				struct smccc_res *res)
{
	if (!psci_entry_valid(p, entry)) {
		set_ret(res, PSCI_RET_INVALID_ADDRESS);
		return;
	}
	/* DEN0022: only the last running core may suspend the system. */
	if (!power__others_off(p->power, caller)) {
		set_ret(res, PSCI_RET_DENIED);
		return;
	}
	if (p->ops->system_suspend(p->opaque, caller, entry, ctx)) {
		set_ret(res, PSCI_RET_INTERNAL_FAILURE);
		return;
	}
	/* Success never returns: the vCPU resumes at entry with x0 = ctx. */
	res->nr = 0;
}

/*
 * The power states this platform offers, by StateType and PowerLevel:
 * standby and powerdown of one core (level 0). A VM has no cluster or
 * system power domain that a deeper state could turn off, and
 * SYSTEM_SUSPEND is the system-level suspend, so levels 1-3 name no state
 * here: INVALID_PARAMETERS, like reserved bits. StateID is left to the
 * platform by DEN0022; ours gives it no meaning, so any value is taken.
 */
static void psci_cpu_suspend(struct psci *p, unsigned int caller,
			     uint32_t state, uint64_t entry, uint64_t ctx,
			     struct smccc_res *res)
{
	if ((state & PSCI_POWER_STATE_RESERVED) ||
	    (state & PSCI_POWER_STATE_LEVEL_MASK)) {
		set_ret(res, PSCI_RET_INVALID_PARAMS);
		return;
	}
	if (!(state & PSCI_POWER_STATE_POWERDOWN)) {
		/* Standby: no context is lost; SUCCESS on wake-up. */
		if (p->ops->cpu_suspend(p->opaque, caller))
			set_ret(res, PSCI_RET_INTERNAL_FAILURE);
		else
			set_ret(res, PSCI_RET_SUCCESS);
		return;
	}
	/* Powerdown: the same entry point rule as CPU_ON. */
	if (!psci_entry_valid(p, entry)) {
		set_ret(res, PSCI_RET_INVALID_ADDRESS);
		return;
	}
	/* The vCPU stays ON (DEN0022: a suspended core is on). */
	if (p->ops->cpu_powerdown(p->opaque, caller, entry, ctx)) {
		set_ret(res, PSCI_RET_INTERNAL_FAILURE);
		return;
	}
	/* Success never returns: the vCPU resumes at entry with x0 = ctx. */
	res->nr = 0;
}

static void psci_system_reset2(struct psci *p, unsigned int caller,
			       uint32_t type, struct smccc_res *res)
{
	/*
	 * Only the architectural SYSTEM_WARM_RESET: this platform defines no
	 * vendor reset (bit 31), and DEN0022 answers INVALID_PARAMETERS for
	 * a type it does not support.
	 */
	if (type != PSCI_RESET2_SYSTEM_WARM_RESET) {
		set_ret(res, PSCI_RET_INVALID_PARAMS);
		return;
	}
	p->ops->system_reset(p->opaque, caller);
	res->nr = 0;
}

static void psci_handle(void *opaque, const struct smccc_call *call,
			struct smccc_res *res)
{
	struct psci *p = opaque;
	const uint64_t *a = call->args;
	unsigned int caller = call->vcpu;
	int32_t code;
	uint32_t fn;

	/* res already says NOT_SUPPORTED, the answer for anything else. */
	if (!psci_lookup_implemented(call->fid))
		return;
	fn = call->func;

	/* An experiment's fault answers instead, and nothing else happens. */
	if (p->inject && psci_inject__take(p->inject, fn, &code)) {
		set_ret(res, code);
		res->injected = true;
		return;
	}

	/*
	 * Some parameters are 32-bit even in the SMC64 forms (power_state,
	 * lowest_affinity_level, reset_type): only the W register counts.
	 */
	switch (fn) {
	case PSCI_FN_VERSION:
		set_ret(res, PSCI_VERSION_1_1);
		break;
	case PSCI_FN_CPU_SUSPEND:
		psci_cpu_suspend(p, caller, (uint32_t)a[0], a[1], a[2], res);
		break;
	case PSCI_FN_CPU_OFF:
		/* Nothing to write: the vCPU is reset before it runs again. */
		power__cpu_off(p->power, caller);
		res->nr = 0;
		break;
	case PSCI_FN_CPU_ON:
		set_ret(res, psci_cpu_on(p, caller, a[0], a[1], a[2]));
		break;
	case PSCI_FN_AFFINITY_INFO:
		set_ret(res, psci_affinity_info(p, a[0], (uint32_t)a[1]));
		break;
	case PSCI_FN_MIGRATE_INFO_TYPE:
		set_ret(res, PSCI_TOS_NOT_PRESENT_MP);
		break;
	case PSCI_FN_SYSTEM_OFF:
		p->ops->system_off(p->opaque, caller);
		res->nr = 0;
		break;
	case PSCI_FN_SYSTEM_RESET:
		p->ops->system_reset(p->opaque, caller);
		res->nr = 0;
		break;
	case PSCI_FN_FEATURES:
		/* A 32-bit function ID; dispatch narrowed it (SMC32 only). */
		set_ret(res, psci_features((uint32_t)a[0]));
		break;
	case PSCI_FN_SYSTEM_SUSPEND:
		psci_system_suspend(p, caller, a[0], a[1], res);
		break;
	case PSCI_FN_SYSTEM_RESET2:
		psci_system_reset2(p, caller, (uint32_t)a[0], res);
		break;
	default:
		break;
	}
}

static unsigned int psci_nr_args(void *opaque, uint32_t fid)
{
	const struct psci_fn *f = psci_lookup_implemented(fid);

	(void)opaque;
	return f ? f->nr_args : 0;
}

int psci__register(struct psci *p, struct hypercall_bus *bus)
{
	struct hypercall_service svc = {
		.name = "psci",
		.base = PSCI_FN32_BASE,
		.count = PSCI_FN_COUNT,
		.nr_args = psci_nr_args,
		.handle = psci_handle,
		.opaque = p,
	};
	const struct psci_ops *ops;
	int ret;

	if (!p || !bus || !p->power || !p->ops || (p->nr_cpus && !p->mpidrs))
		return -EINVAL;
	/* Check the ops once here rather than at every call. */
	ops = p->ops;
	if (!ops->system_off || !ops->system_reset || !ops->cpu_suspend ||
	    !ops->cpu_powerdown || !ops->system_suspend || !ops->big_endian)
		return -EINVAL;

	ret = hypercall__register(bus, &svc);
	if (ret)
		return ret;

	svc.name = "psci64";
	svc.base = PSCI_FN64_BASE;
	ret = hypercall__register(bus, &svc);
	if (ret) {
		/* All or nothing: drop the SMC32 range just appended. */
		bus->nr--;
		return ret;
	}
	return 0;
}

/* SDEI is not offered (no /firmware/sdei node); answer its probes. */
static void sdei_handle(void *opaque, const struct smccc_call *call,
			struct smccc_res *res)
{
	(void)opaque;
	(void)call;
	(void)res; /* preset to NOT_SUPPORTED by the dispatcher */
}

static unsigned int sdei_nr_args(void *opaque, uint32_t fid)
{
	(void)opaque;
	(void)fid;
	return 0;
}

int sdei__register(struct hypercall_bus *bus)
{
	const struct hypercall_service svc = {
		.name = "sdei",
		.base = SDEI_FN_BASE,
		.count = SDEI_FN_COUNT,
		.nr_args = sdei_nr_args,
		.handle = sdei_handle,
	};

	if (!bus)
		return -EINVAL;
	return hypercall__register(bus, &svc);
}

const char *psci__fn_name(uint32_t fid)
{
	const struct psci_fn *f;

	if (fid - SDEI_FN_BASE < SDEI_FN_COUNT)
		return "SDEI";
	f = psci_lookup(fid);
	if (!f)
		return NULL;
	return fid & SMCCC_SMC64 ? f->name64 : f->name;
}
