// SPDX-License-Identifier: GPL-2.0
/*
 * SMCCC (Arm DEN0028) function-ID decoding and the hypercall bus: services
 * own disjoint ranges of function IDs, and hypercall__dispatch() routes a
 * call to the owner. SMC32 narrowing is done here and nowhere else, so
 * services see clean 32-bit arguments and cannot leak stale upper bits.
 */
#include "kvm/smccc.h"

#include <errno.h>
#include <string.h>

#define SMCCC_NR_RES 4

void smccc__decode(uint32_t fid, bool smc_conduit, unsigned int vcpu,
		   struct smccc_call *call)
{
	memset(call, 0, sizeof(*call));
	call->fid = fid;
	call->fast = fid & SMCCC_FAST_CALL;
	call->smc64 = fid & SMCCC_SMC64;
	call->smc_conduit = smc_conduit;
	call->owner = (fid >> SMCCC_OWNER_SHIFT) & SMCCC_OWNER_MASK;
	call->func = fid & SMCCC_FUNC_MASK;
	call->vcpu = vcpu;
}

void hypercall__init(struct hypercall_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

/* Half-open ranges; 64-bit ends so base + count cannot wrap. */
static bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return (uint64_t)a < (uint64_t)b + blen &&
	       (uint64_t)b < (uint64_t)a + alen;
}

static bool svc_owns(const struct hypercall_service *s, uint32_t fid)
{
	return fid >= s->base && fid - s->base < s->count;
}

int hypercall__register(struct hypercall_bus *bus,
			const struct hypercall_service *svc)
{
	unsigned int i;

	if (!svc || !svc->handle || svc->count == 0 ||
	    (uint64_t)svc->base + svc->count > 0x100000000ULL)
		return -EINVAL;

	for (i = 0; i < bus->nr; i++) {
		const struct hypercall_service *s = &bus->svc[i];

		if (ranges_overlap(svc->base, svc->count, s->base, s->count))
			return -EEXIST;
	}

	if (bus->nr >= HYPERCALL_MAX_SERVICES)
		return -ENOSPC;

	/* Appended: psci__register() relies on this to roll back. */
	bus->svc[bus->nr++] = *svc;
	return 0;
}

const struct hypercall_service *hypercall__find(const struct hypercall_bus *bus,
						uint32_t fid)
{
	unsigned int i;

	/* A handful of services: a linear scan beats anything clever. */
	for (i = 0; i < bus->nr; i++)
		if (svc_owns(&bus->svc[i], fid))
			return &bus->svc[i];
	return NULL;
}

unsigned int hypercall__nr_args(const struct hypercall_bus *bus, uint32_t fid)
{
	const struct hypercall_service *s;
	unsigned int n;

	/* Yielding calls are never dispatched, so nothing need be read. */
	if (!(fid & SMCCC_FAST_CALL))
		return 0;

	s = hypercall__find(bus, fid);
	if (!s || !s->nr_args)
		return 0;

	n = s->nr_args(s->opaque, fid);
	return n > SMCCC_MAX_ARGS ? SMCCC_MAX_ARGS : n;
}

void hypercall__dispatch(const struct hypercall_bus *bus,
			 struct smccc_call *call, struct smccc_res *res)
{
	const struct hypercall_service *s = NULL;
	unsigned int i;

	memset(res, 0, sizeof(*res));
	res->a[0] = (uint64_t)(int64_t)SMCCC_RET_NOT_SUPPORTED;
	res->nr = 1;

	/* We implement no yielding calls: they are refused unseen. */
	if (call->fast)
		s = hypercall__find(bus, call->fid);

	if (s) {
		/* SMC32: only W1..W7 carry arguments; drop the upper halves. */
		if (!call->smc64)
			for (i = 0; i < SMCCC_MAX_ARGS; i++)
				call->args[i] = (uint32_t)call->args[i];
		s->handle(s->opaque, call, res);
	}

	/* SMC32 results live in W0..W3: -1 must read as 0xffffffff. */
	if (!call->smc64)
		for (i = 0; i < SMCCC_NR_RES; i++)
			res->a[i] = (uint32_t)res->a[i];
}
