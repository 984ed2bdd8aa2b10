/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__SMCCC_H
#define KVM__SMCCC_H

/*
 * SMC Calling Convention (Arm DEN0028) function IDs and the hypercall
 * dispatcher. Pure: no KVM, no ioctl. The vCPU glue reads the argument
 * registers a function needs, calls hypercall__dispatch(), and writes back
 * exactly the result registers the function defines.
 */

#include <stdbool.h>
#include <stdint.h>

#define SMCCC_FAST_CALL (1u << 31)
#define SMCCC_SMC64 (1u << 30)
#define SMCCC_OWNER_SHIFT 24
#define SMCCC_OWNER_MASK 0x3fu
#define SMCCC_FUNC_MASK 0xffffu

#define SMCCC_OWNER_ARCH 0
#define SMCCC_OWNER_CPU 1
#define SMCCC_OWNER_SIP 2
#define SMCCC_OWNER_OEM 3
#define SMCCC_OWNER_STANDARD 4
#define SMCCC_OWNER_STANDARD_HYP 5
#define SMCCC_OWNER_VENDOR_HYP 6

#define SMCCC_VERSION_FID 0x80000000u
#define SMCCC_ARCH_FEATURES_FID 0x80000001u

#define SMCCC_RET_SUCCESS 0
#define SMCCC_RET_NOT_SUPPORTED (-1)
#define SMCCC_RET_NOT_REQUIRED (-2)
#define SMCCC_RET_INVALID_PARAMETER (-3)

/* The most argument registers (x1..) any handled function reads. */
#define SMCCC_MAX_ARGS 7

struct smccc_call {
	uint32_t fid;
	bool fast; /* bit 31 */
	bool smc64; /* bit 30 */
	bool smc_conduit; /* SMC instruction, not HVC */
	unsigned int owner;
	unsigned int func; /* bits 15:0 */
	unsigned int vcpu; /* the calling vCPU's index */
	uint64_t args[SMCCC_MAX_ARGS]; /* x1..x7, narrowed for SMC32 */
};

struct smccc_res {
	uint64_t a[4]; /* x0..x3 */
	unsigned int nr; /* how many of x0.. to write back; 0 for none */
	bool injected; /* a fault injected on purpose, not the real answer */
};

/* Decode a function ID (and conduit) into call; args left zero. */
void smccc__decode(uint32_t fid, bool smc_conduit, unsigned int vcpu,
		   struct smccc_call *call);

/* A service owns the function IDs [base, base + count). */
struct hypercall_service {
	const char *name;
	uint32_t base;
	uint32_t count;
	/* Argument registers (x1..) fid reads: 0..SMCCC_MAX_ARGS. */
	unsigned int (*nr_args)(void *opaque, uint32_t fid);
	/* Fill res (a[] and nr); res arrives as NOT_SUPPORTED, nr = 1. */
	void (*handle)(void *opaque, const struct smccc_call *call,
		       struct smccc_res *res);
	void *opaque;
};

#define HYPERCALL_MAX_SERVICES 16

struct hypercall_bus {
	struct hypercall_service svc[HYPERCALL_MAX_SERVICES];
	unsigned int nr;
};

void hypercall__init(struct hypercall_bus *bus);
/* -EINVAL (empty or wrapping range, no handler), -EEXIST, -ENOSPC. */
int hypercall__register(struct hypercall_bus *bus,
			const struct hypercall_service *svc);
const struct hypercall_service *hypercall__find(const struct hypercall_bus *bus,
						uint32_t fid);
/* Argument registers to read for fid (0 when nobody handles it). */
unsigned int hypercall__nr_args(const struct hypercall_bus *bus, uint32_t fid);
/*
 * Dispatch call (args already read; narrowed here for SMC32) and narrow the
 * results for SMC32. Unhandled IDs and yielding calls: x0 = NOT_SUPPORTED.
 */
void hypercall__dispatch(const struct hypercall_bus *bus,
			 struct smccc_call *call, struct smccc_res *res);

#endif /* KVM__SMCCC_H */
