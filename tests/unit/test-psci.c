// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/psci-inject.h"
#include "kvm/psci.h"
#include "lock-seam.h"

#include <errno.h>
#include <pthread.h>

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE 0x10000000ULL
#define RAM_END (RAM_BASE + RAM_SIZE)
#define MAX_CPUS 32
#define MPIDR_RES1 0x80000000ULL /* MPIDR_EL1 bit 31 reads as one */

/*
 * Another vCPU's CPU_ON that wins the race for a target: run by the fake's
 * big_endian read, which psci_cpu_on() makes between its early state
 * check and power__cpu_on(), the window where a second caller can win.
 */
struct rival {
	struct power_table *power;
	int target; /* -1: no rival */
	bool and_run; /* the target also got to run (ON, not ON_PENDING) */
	struct power_boot boot;
	int ret; /* its power__cpu_on() */
};

/* A fake platform: records what PSCI asked of it. */
struct fake {
	int system_off;
	int system_reset;
	int cpu_suspend;
	int cpu_powerdown;
	int system_suspend;
	int big_endian_calls; /* __atomic: CPU_ON races call it */
	unsigned int last_vcpu;
	uint64_t last_entry;
	uint64_t last_ctx;
	int cpu_suspend_ret;
	int cpu_powerdown_ret;
	int system_suspend_ret;
	bool big_endian;
	struct rival rival;
};

static void fake_system_off(void *opaque, unsigned int vcpu)
{
	struct fake *f = opaque;

	f->system_off++;
	f->last_vcpu = vcpu;
}

static void fake_system_reset(void *opaque, unsigned int vcpu)
{
	struct fake *f = opaque;

	f->system_reset++;
	f->last_vcpu = vcpu;
}

static int fake_cpu_suspend(void *opaque, unsigned int vcpu)
{
	struct fake *f = opaque;

	f->cpu_suspend++;
	f->last_vcpu = vcpu;
	return f->cpu_suspend_ret;
}

static int fake_cpu_powerdown(void *opaque, unsigned int vcpu, uint64_t entry,
			      uint64_t ctx)
{
	struct fake *f = opaque;

	f->cpu_powerdown++;
	f->last_vcpu = vcpu;
	f->last_entry = entry;
	f->last_ctx = ctx;
	return f->cpu_powerdown_ret;
}

static int fake_system_suspend(void *opaque, unsigned int vcpu, uint64_t entry,
			       uint64_t ctx)
{
	struct fake *f = opaque;

	f->system_suspend++;
	f->last_vcpu = vcpu;
	f->last_entry = entry;
	f->last_ctx = ctx;
	return f->system_suspend_ret;
}

static bool fake_big_endian(void *opaque, unsigned int vcpu)
{
	struct fake *f = opaque;
	struct rival *r = &f->rival;

	(void)vcpu;
	__atomic_fetch_add(&f->big_endian_calls, 1, __ATOMIC_RELAXED);
	if (r->target >= 0) {
		r->ret = power__cpu_on(r->power, r->target, &r->boot);
		if (r->and_run)
			power__mark_on(r->power, r->target);
		r->target = -1; /* once */
	}
	return f->big_endian;
}

static const struct psci_ops fake_ops = {
	.system_off = fake_system_off,
	.system_reset = fake_system_reset,
	.cpu_suspend = fake_cpu_suspend,
	.cpu_powerdown = fake_cpu_powerdown,
	.system_suspend = fake_system_suspend,
	.big_endian = fake_big_endian,
};

struct env {
	struct power_table power;
	uint64_t mpidrs[MAX_CPUS];
	struct psci psci;
	struct hypercall_bus bus;
	struct fake fake;
};

/* Aff0 0..15 then the next Aff1 cluster, as KVM lays out vCPUs. */
static uint64_t linear_mpidr(unsigned int i)
{
	return MPIDR_RES1 | ((uint64_t)(i / 16) << 8) | (i % 16);
}

static void env_init(struct test_ctx *t, struct env *e, unsigned int nr,
		     const uint64_t *mpidrs)
{
	unsigned int i;

	memset(e, 0, sizeof(*e));
	CHECK_EQ(t, power__init(&e->power, nr), 0);
	for (i = 0; i < nr; i++)
		e->mpidrs[i] = mpidrs ? mpidrs[i] : linear_mpidr(i);
	e->psci = (struct psci){
		.power = &e->power,
		.mpidrs = e->mpidrs,
		.nr_cpus = nr,
		.ram_base = RAM_BASE,
		.ram_size = RAM_SIZE,
		.ops = &fake_ops,
		.opaque = &e->fake,
	};
	e->fake.rival.power = &e->power;
	e->fake.rival.target = -1;
	hypercall__init(&e->bus);
	CHECK_EQ(t, psci__register(&e->psci, &e->bus), 0);
	CHECK_EQ(t, sdei__register(&e->bus), 0);
}

static void env_destroy(struct env *e)
{
	power__destroy(&e->power);
}

/* Force a vCPU's state, as the vCPU threads would. */
static void set_state(struct env *e, unsigned int i, enum power_state s)
{
	struct power_boot b = { RAM_BASE, 0, false };

	power__cpu_off(&e->power, i);
	if (s == POWER_OFF)
		return;
	power__cpu_on(&e->power, i, &b);
	if (s == POWER_ON)
		power__mark_on(&e->power, i);
}

/*
 * Make a call as the vCPU glue does: read only the argument registers
 * the bus asks for, then dispatch.
 */
static struct smccc_res call(struct env *e, unsigned int vcpu, uint32_t fid,
			     uint64_t a1, uint64_t a2, uint64_t a3)
{
	const uint64_t in[3] = { a1, a2, a3 };
	unsigned int i, n = hypercall__nr_args(&e->bus, fid);
	struct smccc_call c;
	struct smccc_res res;

	smccc__decode(fid, false, vcpu, &c);
	for (i = 0; i < n && i < 3; i++)
		c.args[i] = in[i];
	hypercall__dispatch(&e->bus, &c, &res);
	return res;
}

/* x0 as the guest sees a PSCI return value for this function ID. */
static uint64_t ret_for(uint32_t fid, int64_t v)
{
	return (fid & SMCCC_SMC64) ? (uint64_t)v : (uint32_t)v;
}

#define CHECK_RET(t, res, fid, v)                             \
	do {                                                  \
		CHECK_EQ(t, (res).a[0], ret_for((fid), (v))); \
		CHECK_EQ(t, (res).nr, 1);                     \
	} while (0)

static const uint32_t cpu_on_fids[] = { PSCI_FN32(PSCI_FN_CPU_ON),
					PSCI_FN64(PSCI_FN_CPU_ON) };
static const uint32_t aff_fids[] = { PSCI_FN32(PSCI_FN_AFFINITY_INFO),
				     PSCI_FN64(PSCI_FN_AFFINITY_INFO) };

/* The IDs that exist and are implemented (PSCI_FEATURES says SUCCESS). */
static bool expect_supported(uint32_t fid)
{
	static const uint32_t ok[] = {
		0x84000000,	   0x84000001, 0x84000002, 0x84000003,
		0x84000004,	   0x84000006, 0x84000008, 0x84000009,
		0x8400000a,	   0x8400000e, 0x84000012, 0xc4000001,
		0xc4000003,	   0xc4000004, 0xc400000e, 0xc4000012,
		SMCCC_VERSION_FID,
	};
	unsigned int i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ok[i] == fid)
			return true;
	return false;
}

static void register_services(struct test_ctx *t)
{
	struct env e;
	struct psci bad;
	struct psci_ops ops = fake_ops;
	struct hypercall_bus bus;
	const struct hypercall_service *s;

	env_init(t, &e, 2, NULL);
	CHECK_EQ(t, e.bus.nr, 3);
	s = hypercall__find(&e.bus, 0x84000000);
	CHECK(t, s && s->base == 0x84000000 && s->count == 0x20);
	CHECK(t, s && s->opaque == &e.psci);
	s = hypercall__find(&e.bus, 0xc400001f);
	CHECK(t, s && s->base == 0xc4000000 && s->count == 0x20);
	CHECK(t, s && s->opaque == &e.psci);
	s = hypercall__find(&e.bus, 0xc4000020);
	CHECK(t, s && s->base == SDEI_FN_BASE && s->count == SDEI_FN_COUNT);
	CHECK(t, hypercall__find(&e.bus, 0x84000020) == NULL);
	CHECK(t, hypercall__find(&e.bus, 0xc4000040) == NULL);

	/* Twice is an overlap. */
	CHECK_EQ(t, psci__register(&e.psci, &e.bus), -EEXIST);
	CHECK_EQ(t, sdei__register(&e.bus), -EEXIST);
	CHECK_EQ(t, e.bus.nr, 3);

	/* All or nothing: a taken SMC64 range leaves no SMC32 range. */
	hypercall__init(&bus);
	CHECK_EQ(t, sdei__register(&bus), 0);
	bus.svc[0].base = 0xc4000010; /* now overlaps the SMC64 range */
	CHECK_EQ(t, psci__register(&e.psci, &bus), -EEXIST);
	CHECK_EQ(t, bus.nr, 1);
	CHECK(t, hypercall__find(&bus, 0x84000000) == NULL);

	/* Missing pieces are refused up front. */
	hypercall__init(&bus);
	bad = e.psci;
	bad.ops = NULL;
	CHECK_EQ(t, psci__register(&bad, &bus), -EINVAL);
	bad = e.psci;
	bad.power = NULL;
	CHECK_EQ(t, psci__register(&bad, &bus), -EINVAL);
	bad = e.psci;
	bad.mpidrs = NULL;
	CHECK_EQ(t, psci__register(&bad, &bus), -EINVAL);
	bad = e.psci;
	ops.system_suspend = NULL;
	bad.ops = &ops;
	CHECK_EQ(t, psci__register(&bad, &bus), -EINVAL);
	ops = fake_ops;
	ops.cpu_powerdown = NULL;
	CHECK_EQ(t, psci__register(&bad, &bus), -EINVAL);
	CHECK_EQ(t, bus.nr, 0);
	env_destroy(&e);
}

static void version(struct test_ctx *t)
{
	struct env e;
	struct smccc_res r;

	env_init(t, &e, 1, NULL);
	r = call(&e, 0, 0x84000000, 0, 0, 0);
	CHECK_EQ(t, r.a[0], 0x00010001);
	CHECK_EQ(t, r.nr, 1);
	/* PSCI_VERSION is SMC32 only. */
	r = call(&e, 0, 0xc4000000, 0, 0, 0);
	CHECK_RET(t, r, 0xc4000000, PSCI_RET_NOT_SUPPORTED);
	env_destroy(&e);
}

static void features_every_psci_id(struct test_ctx *t)
{
	struct env e;
	struct smccc_res r;
	unsigned int i;

	env_init(t, &e, 1, NULL);
	for (i = 0; i < 0x20; i++) {
		uint32_t f32 = 0x84000000 + i, f64 = 0xc4000000 + i;

		r = call(&e, 0, 0x8400000a, f32, 0, 0);
		CHECK_RET(t, r, 0x8400000a,
			  expect_supported(f32) ? PSCI_RET_SUCCESS :
						  PSCI_RET_NOT_SUPPORTED);
		if (t->failed) {
			printf("  at FEATURES(0x%x)\n", f32);
			break;
		}
		r = call(&e, 0, 0x8400000a, f64, 0, 0);
		CHECK_RET(t, r, 0x8400000a,
			  expect_supported(f64) ? PSCI_RET_SUCCESS :
						  PSCI_RET_NOT_SUPPORTED);
		if (t->failed) {
			printf("  at FEATURES(0x%x)\n", f64);
			break;
		}
	}
	/* CPU_SUSPEND's feature flags: original format, PC mode: 0. */
	r = call(&e, 0, 0x8400000a, 0x84000001, 0, 0);
	CHECK_EQ(t, r.a[0], 0);
	r = call(&e, 0, 0x8400000a, 0xc4000001, 0, 0);
	CHECK_EQ(t, r.a[0], 0);
	env_destroy(&e);
}

static void features_other_ids(struct test_ctx *t)
{
	static const uint32_t ns[] = {
		SMCCC_ARCH_FEATURES_FID, /* KVM answers, not us */
		0x80008000,
		0x82000000,
		0x82000001,
		0x86000000,
		0xc5000000,
		0x95c1ba5e,
		0x95c1ba5f,
		0x84000020,
		0xc4000040,
		0x00000000,
		0xffffffff,
		0x04000000,
	};
	struct env e;
	struct smccc_res r;
	unsigned int i;

	env_init(t, &e, 1, NULL);
	r = call(&e, 0, 0x8400000a, SMCCC_VERSION_FID, 0, 0);
	CHECK_RET(t, r, 0x8400000a, PSCI_RET_SUCCESS);

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		r = call(&e, 0, 0x8400000a, ns[i], 0, 0);
		CHECK_RET(t, r, 0x8400000a, PSCI_RET_NOT_SUPPORTED);
	}
	for (i = 0; i < SDEI_FN_COUNT; i++) {
		r = call(&e, 0, 0x8400000a, SDEI_FN_BASE + i, 0, 0);
		CHECK_RET(t, r, 0x8400000a, PSCI_RET_NOT_SUPPORTED);
	}

	/* The argument is a 32-bit ID: SMC32 drops the upper half. */
	r = call(&e, 0, 0x8400000a, 0xffffffff84000003ULL, 0, 0);
	CHECK_RET(t, r, 0x8400000a, PSCI_RET_SUCCESS);
	r = call(&e, 0, 0x8400000a, 0x100000000ULL | 0x84000005, 0, 0);
	CHECK_RET(t, r, 0x8400000a, PSCI_RET_NOT_SUPPORTED);

	/* PSCI_FEATURES itself has no SMC64 variant. */
	r = call(&e, 0, 0xc400000a, 0x84000000, 0, 0);
	CHECK_RET(t, r, 0xc400000a, PSCI_RET_NOT_SUPPORTED);
	env_destroy(&e);
}

/* Called, every unimplemented or nonexistent ID answers NOT_SUPPORTED. */
static void unsupported_calls(struct test_ctx *t)
{
	static const uint64_t args[][3] = {
		{ 0, 0, 0 },
		{ 1, RAM_BASE, 0 },
		{ 0xffffffffffffffffULL, 0xffffffffffffffffULL, 1 },
	};
	struct env e;
	struct smccc_res r;
	enum power_state before[3], after[3];
	unsigned int i, j;

	env_init(t, &e, 3, NULL);
	set_state(&e, 0, POWER_ON);
	power__snapshot(&e.power, before);
	for (i = 0; i < 0x40; i++) {
		uint32_t fid = (i < 0x20 ? 0x84000000 : 0xc4000000) + i % 0x20;

		if (expect_supported(fid))
			continue;
		for (j = 0; j < 3; j++) {
			r = call(&e, 0, fid, args[j][0], args[j][1],
				 args[j][2]);
			CHECK_RET(t, r, fid, PSCI_RET_NOT_SUPPORTED);
			if (t->failed) {
				printf("  at 0x%x\n", fid);
				goto out;
			}
		}
		CHECK_EQ(t, hypercall__nr_args(&e.bus, fid), 0);
	}
	power__snapshot(&e.power, after);
	CHECK(t, !memcmp(before, after, sizeof(before)));
	CHECK_EQ(t, e.fake.system_off, 0);
	CHECK_EQ(t, e.fake.system_reset, 0);
	CHECK_EQ(t, e.fake.cpu_suspend, 0);
	CHECK_EQ(t, e.fake.cpu_powerdown, 0);
	CHECK_EQ(t, e.fake.system_suspend, 0);
	CHECK_EQ(t, e.fake.big_endian_calls, 0);
out:
	env_destroy(&e);
}

static void sdei_not_supported(struct test_ctx *t)
{
	struct env e;
	struct smccc_res r;
	unsigned int i;

	env_init(t, &e, 1, NULL);
	for (i = 0; i < SDEI_FN_COUNT; i++) {
		r = call(&e, 0, SDEI_FN_BASE + i, 1, 2, 3);
		CHECK_RET(t, r, SDEI_FN_BASE + i, PSCI_RET_NOT_SUPPORTED);
		CHECK_EQ(t, hypercall__nr_args(&e.bus, SDEI_FN_BASE + i), 0);
	}
	/* The SMC32 twins are nobody's. */
	r = call(&e, 0, 0x84000020, 0, 0, 0);
	CHECK_RET(t, r, 0x84000020, PSCI_RET_NOT_SUPPORTED);
	r = call(&e, 0, 0x82000000, 0, 0, 0);
	CHECK_RET(t, r, 0x82000000, PSCI_RET_NOT_SUPPORTED);
	env_destroy(&e);
}

static void cpu_on_transitions(struct test_ctx *t)
{
	unsigned int k;

	for (k = 0; k < 2; k++) {
		uint32_t fid = cpu_on_fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 4, NULL);
		set_state(&e, 0, POWER_ON);
		e.fake.big_endian = k == 1;

		r = call(&e, 0, fid, 2, RAM_BASE + 0x1000, 0xc0ffee);
		CHECK_RET(t, r, fid, PSCI_RET_SUCCESS);
		CHECK_EQ(t, power__get(&e.power, 2), POWER_ON_PENDING);
		CHECK_EQ(t, e.power.v[2].boot.entry, RAM_BASE + 0x1000);
		CHECK_EQ(t, e.power.v[2].boot.ctx, 0xc0ffee);
		CHECK_EQ(t, e.power.v[2].boot.big_endian, k == 1);
		CHECK_EQ(t, e.fake.big_endian_calls, 1);
		CHECK_EQ(t, power__get(&e.power, 1), POWER_OFF);

		/* Its thread resets it and marks it on; then it turns off. */
		CHECK(t, power__mark_on(&e.power, 2));
		r = call(&e, 0, aff_fids[k], 2, 0, 0);
		CHECK_RET(t, r, aff_fids[k], PSCI_AFFINITY_ON);
		r = call(&e, 2, 0x84000002, 0, 0, 0);
		CHECK_EQ(t, r.nr, 0);
		CHECK_EQ(t, power__get(&e.power, 2), POWER_OFF);
		r = call(&e, 0, aff_fids[k], 2, 0, 0);
		CHECK_RET(t, r, aff_fids[k], PSCI_AFFINITY_OFF);

		/* Edges of RAM are fine; and MPIDR bit 31 is not identity. */
		r = call(&e, 0, fid, 3, RAM_BASE, 0);
		CHECK_RET(t, r, fid, PSCI_RET_SUCCESS);
		r = call(&e, 0, fid, 1, RAM_END - 4, 0);
		CHECK_RET(t, r, fid, PSCI_RET_SUCCESS);
		CHECK_EQ(t, e.power.v[1].boot.entry, RAM_END - 4);
		env_destroy(&e);
	}
}

static void cpu_on_bad_mpidr(struct test_ctx *t)
{
	static const uint64_t bad[] = {
		0x01000001, /* bit 24 */
		0x80000001, /* bit 31: MPIDR_EL1's RES1 is not affinity */
		0xff000000, 0x55, /* no such Aff0 */
		0x201, /* no such Aff1 cluster */
		0x10001, /* Aff2 */
	};
	static const uint64_t bad64[] = {
		0x10000000001ULL, /* bit 40 */
		0x8000000000000001ULL, 0x100000001ULL, /* Aff3 = 1: nobody */
	};
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		uint32_t fid = cpu_on_fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 20, NULL);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			r = call(&e, 0, fid, bad[i], RAM_BASE, 0);
			CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
			/* A bad target outranks a bad address. */
			r = call(&e, 0, fid, bad[i], 0, 0);
			CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
		}
		for (i = 0; i < sizeof(bad64) / sizeof(bad64[0]); i++) {
			r = call(&e, 0, 0xc4000003, bad64[i], RAM_BASE, 0);
			CHECK_RET(t, r, 0xc4000003, PSCI_RET_INVALID_PARAMS);
		}
		for (i = 0; i < 20; i++)
			CHECK_EQ(t, power__get(&e.power, i), POWER_OFF);
		CHECK_EQ(t, e.fake.big_endian_calls, 0);

		/* vCPU 19 is Aff1 1, Aff0 3. */
		r = call(&e, 0, fid, 0x103, RAM_BASE, 0);
		CHECK_RET(t, r, fid, PSCI_RET_SUCCESS);
		CHECK_EQ(t, power__get(&e.power, 19), POWER_ON_PENDING);
		env_destroy(&e);
	}
}

static void cpu_on_bad_entry(struct test_ctx *t)
{
	static const uint64_t bad[] = {
		0,
		RAM_BASE - 4,
		RAM_END,
		RAM_END + 0x1000,
		RAM_BASE + 1,
		RAM_BASE + 2,
		RAM_END - 1,
		0xfffffffc,
	};
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		uint32_t fid = cpu_on_fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 2, NULL);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			r = call(&e, 0, fid, 1, bad[i], 0);
			CHECK_RET(t, r, fid, PSCI_RET_INVALID_ADDRESS);
		}
		CHECK_EQ(t, power__get(&e.power, 1), POWER_OFF);
		env_destroy(&e);
	}

	/* Upper bits: SMC64 sees them; SMC32 never does. */
	{
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 2, NULL);
		r = call(&e, 0, 0xc4000003, 1, 0x100000000ULL | RAM_BASE, 0);
		CHECK_RET(t, r, 0xc4000003, PSCI_RET_INVALID_ADDRESS);
		CHECK_EQ(t, power__get(&e.power, 1), POWER_OFF);
		r = call(&e, 0, 0x84000003, 1, 0x100000000ULL | RAM_BASE,
			 0xffffffff00000007ULL);
		CHECK_RET(t, r, 0x84000003, PSCI_RET_SUCCESS);
		CHECK_EQ(t, e.power.v[1].boot.entry, RAM_BASE);
		CHECK_EQ(t, e.power.v[1].boot.ctx, 7);
		env_destroy(&e);
	}
}

static void cpu_on_already_on(struct test_ctx *t)
{
	unsigned int k;

	for (k = 0; k < 2; k++) {
		uint32_t fid = cpu_on_fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 3, NULL);
		set_state(&e, 0, POWER_ON);

		/* The caller itself. */
		r = call(&e, 0, fid, 0, RAM_BASE, 0);
		CHECK_RET(t, r, fid, PSCI_RET_ALREADY_ON);
		CHECK_EQ(t, power__get(&e.power, 0), POWER_ON);

		/* A pending target keeps its first boot: ON_PENDING. */
		r = call(&e, 0, fid, 1, RAM_BASE + 0x100, 1);
		CHECK_RET(t, r, fid, PSCI_RET_SUCCESS);
		r = call(&e, 0, fid, 1, RAM_BASE + 0x200, 2);
		CHECK_RET(t, r, fid, PSCI_RET_ON_PENDING);
		r = call(&e, 2, fid, 1, RAM_BASE + 0x200, 2);
		CHECK_RET(t, r, fid, PSCI_RET_ON_PENDING);
		CHECK_EQ(t, power__get(&e.power, 1), POWER_ON_PENDING);
		CHECK_EQ(t, e.power.v[1].boot.entry, RAM_BASE + 0x100);
		CHECK_EQ(t, e.power.v[1].boot.ctx, 1);

		/* An ON target, asked by another vCPU. */
		power__mark_on(&e.power, 1);
		r = call(&e, 2, fid, 1, RAM_BASE, 0);
		CHECK_RET(t, r, fid, PSCI_RET_ALREADY_ON);
		/* Only the one SUCCESS read the caller's endianness. */
		CHECK_EQ(t, e.fake.big_endian_calls, 1);
		env_destroy(&e);
	}
}

static void smc32_narrowing(struct test_ctx *t)
{
	struct env e;
	struct smccc_res r;

	env_init(t, &e, 2, NULL);
	/* The upper half of x1 is not part of an SMC32 argument. */
	r = call(&e, 0, 0x84000003, 0xffffffff00000001ULL, RAM_BASE, 0);
	CHECK_EQ(t, r.a[0], PSCI_RET_SUCCESS);
	CHECK_EQ(t, power__get(&e.power, 1), POWER_ON_PENDING);
	/* SMC64 sees it, and refuses. */
	set_state(&e, 1, POWER_OFF);
	r = call(&e, 0, 0xc4000003, 0xffffffff00000001ULL, RAM_BASE, 0);
	CHECK_EQ(t, r.a[0], (uint64_t)(int64_t)PSCI_RET_INVALID_PARAMS);
	CHECK_EQ(t, power__get(&e.power, 1), POWER_OFF);

	/* Negative results are 32-bit in W0 for SMC32. */
	r = call(&e, 0, 0x84000003, 0x55, RAM_BASE, 0);
	CHECK_EQ(t, r.a[0], 0xfffffffeULL);
	r = call(&e, 0, 0x84000005, 0, 0, 0);
	CHECK_EQ(t, r.a[0], 0xffffffffULL);
	r = call(&e, 0, 0xc4000005, 0, 0, 0);
	CHECK_EQ(t, r.a[0], 0xffffffffffffffffULL);
	env_destroy(&e);
}

static void cpu_off(struct test_ctx *t)
{
	struct env e;
	struct smccc_res r;

	env_init(t, &e, 2, NULL);
	set_state(&e, 0, POWER_ON);
	set_state(&e, 1, POWER_ON);
	r = call(&e, 1, 0x84000002, 0, 0, 0);
	CHECK_EQ(t, r.nr, 0);
	CHECK_EQ(t, power__get(&e.power, 1), POWER_OFF);
	CHECK_EQ(t, power__get(&e.power, 0), POWER_ON);
	/* No SMC64 CPU_OFF. */
	r = call(&e, 0, 0xc4000002, 0, 0, 0);
	CHECK_RET(t, r, 0xc4000002, PSCI_RET_NOT_SUPPORTED);
	CHECK_EQ(t, power__get(&e.power, 0), POWER_ON);
	env_destroy(&e);
}

/* 20 vCPUs: Aff1 0 holds vCPUs 0-15, Aff1 1 holds 16-19 (Aff0 0-3). */
static void affinity_info_clusters(struct test_ctx *t)
{
	static const struct {
		uint64_t target, level;
		int64_t ret;
	} cases[] = {
		{ 0x000, 0, PSCI_AFFINITY_ON },
		{ 0x001, 0, PSCI_AFFINITY_OFF },
		{ 0x00f, 0, PSCI_AFFINITY_OFF },
		{ 0x101, 0, PSCI_AFFINITY_ON_PENDING },
		{ 0x103, 0, PSCI_AFFINITY_OFF },
		{ 0x104, 0, PSCI_RET_INVALID_PARAMS },
		{ 0x110, 0, PSCI_RET_INVALID_PARAMS },
		{ 0x200, 0, PSCI_RET_INVALID_PARAMS },
		{ 0x000, 1, PSCI_AFFINITY_ON },
		{ 0x0ff, 1, PSCI_AFFINITY_ON }, /* Aff0 ignored */
		{ 0x100, 1, PSCI_AFFINITY_ON_PENDING },
		{ 0x1ff, 1, PSCI_AFFINITY_ON_PENDING },
		{ 0x200, 1, PSCI_RET_INVALID_PARAMS },
		{ 0x000, 2, PSCI_AFFINITY_ON },
		{ 0x1ff, 2, PSCI_AFFINITY_ON }, /* Aff1 and Aff0 ignored */
		{ 0x10000, 2, PSCI_RET_INVALID_PARAMS },
		{ 0x000, 3, PSCI_AFFINITY_ON },
		{ 0xffffff, 3, PSCI_AFFINITY_ON },
		{ 0x000, 4, PSCI_RET_INVALID_PARAMS },
		{ 0x000, 0xffffffff, PSCI_RET_INVALID_PARAMS },
		{ 0x01000000, 0, PSCI_RET_INVALID_PARAMS }, /* bit 24 */
		{ 0x80000000, 0, PSCI_RET_INVALID_PARAMS }, /* bit 31 */
		{ 0x80000000, 3, PSCI_RET_INVALID_PARAMS },
	};
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		uint32_t fid = aff_fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 20, NULL);
		set_state(&e, 0, POWER_ON);
		set_state(&e, 17, POWER_ON_PENDING);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			r = call(&e, 0, fid, cases[i].target, cases[i].level,
				 0);
			CHECK_RET(t, r, fid, cases[i].ret);
			if (t->failed) {
				printf("  at %s target 0x%llx level %llu\n",
				       k ? "SMC64" : "SMC32",
				       (unsigned long long)cases[i].target,
				       (unsigned long long)cases[i].level);
				break;
			}
		}

		/* ON beats ON_PENDING within a cluster; all OFF is OFF. */
		set_state(&e, 18, POWER_ON);
		r = call(&e, 0, fid, 0x100, 1, 0);
		CHECK_RET(t, r, fid, PSCI_AFFINITY_ON);
		set_state(&e, 17, POWER_OFF);
		set_state(&e, 18, POWER_OFF);
		r = call(&e, 0, fid, 0x100, 1, 0);
		CHECK_RET(t, r, fid, PSCI_AFFINITY_OFF);
		set_state(&e, 0, POWER_OFF);
		r = call(&e, 0, fid, 0, 3, 0);
		CHECK_RET(t, r, fid, PSCI_AFFINITY_OFF);

		/* A query has no side effects. */
		CHECK_EQ(t, e.fake.big_endian_calls, 0);
		CHECK_EQ(t, e.fake.cpu_suspend + e.fake.system_suspend, 0);
		env_destroy(&e);
	}
}

/*
 * Upper halves: SMC64 checks the 64-bit target_affinity, SMC32 never sees
 * it. lowest_affinity_level is 32-bit in both forms: only W2 counts.
 */
static void affinity_info_upper_bits(struct test_ctx *t)
{
	struct env e;
	struct smccc_res r;
	unsigned int k;

	env_init(t, &e, 20, NULL);
	set_state(&e, 1, POWER_ON);
	set_state(&e, 17, POWER_ON_PENDING);
	r = call(&e, 0, 0xc4000004, 0x10000000001ULL, 0, 0);
	CHECK_RET(t, r, 0xc4000004, PSCI_RET_INVALID_PARAMS);
	r = call(&e, 0, 0x84000004, 0x10000000001ULL, 0, 0);
	CHECK_RET(t, r, 0x84000004, PSCI_AFFINITY_ON);
	for (k = 0; k < 2; k++) {
		uint32_t fid = aff_fids[k];

		/* Level 0: vCPU 0x103 alone (OFF), not its cluster. */
		r = call(&e, 0, fid, 0x103, 0x100000000ULL, 0);
		CHECK_RET(t, r, fid, PSCI_AFFINITY_OFF);
		r = call(&e, 0, fid, 1, 0xffffffff00000000ULL, 0);
		CHECK_RET(t, r, fid, PSCI_AFFINITY_ON);
		/* Level 1: the cluster of 0x103 has vCPU 17 pending. */
		r = call(&e, 0, fid, 0x103, 0x100000001ULL, 0);
		CHECK_RET(t, r, fid, PSCI_AFFINITY_ON_PENDING);
		/* Level 4 stays invalid whatever the upper half. */
		r = call(&e, 0, fid, 1, 0x100000004ULL, 0);
		CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
	}
	env_destroy(&e);
}

/* 8 vCPUs over Aff3 0-1, Aff2 0-1, Aff1 0-1 (Aff0 always 0). */
static void affinity_info_aff3_layout(struct test_ctx *t)
{
	uint64_t m[8];
	struct env e;
	struct smccc_res r;
	unsigned int i;
	const uint32_t fid = 0xc4000004;

	for (i = 0; i < 8; i++)
		m[i] = MPIDR_RES1 | ((uint64_t)(i >> 2) << 32) |
		       ((uint64_t)((i >> 1) & 1) << 16) |
		       ((uint64_t)(i & 1) << 8);
	env_init(t, &e, 8, m);
	set_state(&e, 5, POWER_ON); /* Aff3 1, Aff2 0, Aff1 1 */
	set_state(&e, 6, POWER_ON_PENDING); /* Aff3 1, Aff2 1, Aff1 0 */

	r = call(&e, 0, fid, 0x100000100ULL, 0, 0);
	CHECK_RET(t, r, fid, PSCI_AFFINITY_ON);
	r = call(&e, 0, fid, 0x100010000ULL, 0, 0);
	CHECK_RET(t, r, fid, PSCI_AFFINITY_ON_PENDING);
	r = call(&e, 0, fid, 0x100010100ULL, 0, 0);
	CHECK_RET(t, r, fid, PSCI_AFFINITY_OFF);
	r = call(&e, 0, fid, 0x100000001ULL, 0, 0);
	CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);

	r = call(&e, 0, fid, 0x100000000ULL, 1, 0);
	CHECK_RET(t, r, fid, PSCI_AFFINITY_OFF); /* vCPU 4 only */
	r = call(&e, 0, fid, 0x1000101ffULL, 1, 0);
	CHECK_RET(t, r, fid, PSCI_AFFINITY_OFF); /* vCPU 7 only */

	r = call(&e, 0, fid, 0x100000000ULL, 2, 0);
	CHECK_RET(t, r, fid, PSCI_AFFINITY_ON); /* vCPUs 4, 5 */
	r = call(&e, 0, fid, 0x100010000ULL, 2, 0);
	CHECK_RET(t, r, fid, PSCI_AFFINITY_ON_PENDING); /* 6, 7 */
	r = call(&e, 0, fid, 0x000010000ULL, 2, 0);
	CHECK_RET(t, r, fid, PSCI_AFFINITY_OFF); /* 2, 3 */
	r = call(&e, 0, fid, 0x100020000ULL, 2, 0);
	CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);

	r = call(&e, 0, fid, 0x0ULL, 3, 0);
	CHECK_RET(t, r, fid, PSCI_AFFINITY_OFF);
	r = call(&e, 0, fid, 0x100ffffffULL, 3, 0);
	CHECK_RET(t, r, fid, PSCI_AFFINITY_ON);
	r = call(&e, 0, fid, 0x200000000ULL, 3, 0);
	CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
	r = call(&e, 0, fid, 0x100000000ULL, 4, 0);
	CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);

	/* SMC32 reaches only Aff3 0: vCPUs 0-3 are all OFF. */
	r = call(&e, 0, 0x84000004, 0x100, 0, 0);
	CHECK_RET(t, r, 0x84000004, PSCI_AFFINITY_OFF);
	set_state(&e, 1, POWER_ON);
	r = call(&e, 0, 0x84000004, 0x100, 0, 0);
	CHECK_RET(t, r, 0x84000004, PSCI_AFFINITY_ON);
	r = call(&e, 0, 0x84000004, 0, 3, 0);
	CHECK_RET(t, r, 0x84000004, PSCI_AFFINITY_ON);
	env_destroy(&e);
}

static const uint32_t suspend_fids[] = { 0x84000001, 0xc4000001 };

/* StateType 0 (standby) at level 0: sleep, return SUCCESS in place. */
static void cpu_suspend_standby(struct test_ctx *t)
{
	static const uint64_t states[] = { 0, 0x1234, 0xffff };
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		uint32_t fid = suspend_fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 2, NULL);
		set_state(&e, 1, POWER_ON);
		/* Any StateID; entry_point is not looked at for standby. */
		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
			r = call(&e, 1, fid, states[i], 0, 0);
			CHECK_RET(t, r, fid, PSCI_RET_SUCCESS);
		}
		CHECK_EQ(t, e.fake.cpu_suspend, 3);
		CHECK_EQ(t, e.fake.last_vcpu, 1);
		CHECK_EQ(t, power__get(&e.power, 1), POWER_ON);

		e.fake.cpu_suspend_ret = -EINTR;
		r = call(&e, 1, fid, 0, 0, 0);
		CHECK_RET(t, r, fid, PSCI_RET_INTERNAL_FAILURE);
		CHECK_EQ(t, e.fake.cpu_suspend, 4);
		CHECK_EQ(t, e.fake.cpu_powerdown + e.fake.system_suspend, 0);
		env_destroy(&e);
	}
}

/* Reserved bits and the levels this platform has no state for. */
static void cpu_suspend_bad_power_state(struct test_ctx *t)
{
	static const uint64_t levels[] = { 1 << 24, 2 << 24, 3 << 24 };
	unsigned int k, i, bit;

	for (k = 0; k < 2; k++) {
		uint32_t fid = suspend_fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 2, NULL);
		set_state(&e, 1, POWER_ON);
		for (bit = 17; bit < 32; bit++) {
			uint64_t st = 1ULL << bit;

			if (bit == 24 || bit == 25) /* PowerLevel */
				continue;
			r = call(&e, 1, fid, st, RAM_BASE, 0);
			CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
			/* Powerdown, even with a bad entry point. */
			r = call(&e, 1, fid, st | PSCI_POWER_STATE_POWERDOWN, 0,
				 0);
			CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
			if (t->failed) {
				printf("  at %s power_state bit %u\n",
				       k ? "SMC64" : "SMC32", bit);
				break;
			}
		}
		for (i = 0; i < 3; i++) {
			r = call(&e, 1, fid, levels[i], RAM_BASE, 0);
			CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
			r = call(&e, 1, fid,
				 levels[i] | PSCI_POWER_STATE_POWERDOWN,
				 RAM_BASE, 0);
			CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
		}
		CHECK_EQ(t, e.fake.cpu_suspend + e.fake.cpu_powerdown, 0);
		CHECK_EQ(t, e.fake.system_suspend, 0);
		CHECK_EQ(t, power__get(&e.power, 1), POWER_ON);
		env_destroy(&e);
	}
}

/* StateType 1 (powerdown) at level 0: resume at entry, x0 = ctx. */
static void cpu_suspend_powerdown(struct test_ctx *t)
{
	static const uint64_t bad[] = {
		0,
		RAM_BASE - 4,
		RAM_END,
		RAM_END + 0x1000,
		RAM_BASE + 1,
		RAM_BASE + 2,
		RAM_END - 1,
	};
	const uint64_t pd = PSCI_POWER_STATE_POWERDOWN;
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		uint32_t fid = suspend_fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 3, NULL);
		set_state(&e, 0, POWER_ON);
		set_state(&e, 1, POWER_ON);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			r = call(&e, 1, fid, pd, bad[i], 0x33);
			CHECK_RET(t, r, fid, PSCI_RET_INVALID_ADDRESS);
		}
		CHECK_EQ(t, e.fake.cpu_powerdown, 0);

		r = call(&e, 1, fid, pd | 0xabcd, RAM_END - 4, 0x44);
		CHECK_EQ(t, r.nr, 0); /* no return: resumes at entry */
		CHECK_EQ(t, e.fake.cpu_powerdown, 1);
		CHECK_EQ(t, e.fake.last_vcpu, 1);
		CHECK_EQ(t, e.fake.last_entry, RAM_END - 4);
		CHECK_EQ(t, e.fake.last_ctx, 0x44);
		CHECK_EQ(t, e.fake.cpu_suspend + e.fake.system_suspend, 0);

		/* A suspended core is ON, for AFFINITY_INFO and CPU_ON. */
		CHECK_EQ(t, power__get(&e.power, 1), POWER_ON);
		r = call(&e, 0, aff_fids[k], 1, 0, 0);
		CHECK_RET(t, r, aff_fids[k], PSCI_AFFINITY_ON);
		r = call(&e, 0, cpu_on_fids[k], 1, RAM_BASE, 0);
		CHECK_RET(t, r, cpu_on_fids[k], PSCI_RET_ALREADY_ON);
		/* ...and SYSTEM_SUSPEND still sees it running. */
		r = call(&e, 0, 0x8400000e, RAM_BASE, 0, 0);
		CHECK_RET(t, r, 0x8400000e, PSCI_RET_DENIED);

		e.fake.cpu_powerdown_ret = -EIO;
		r = call(&e, 1, fid, pd, RAM_BASE, 0x44);
		CHECK_RET(t, r, fid, PSCI_RET_INTERNAL_FAILURE);
		CHECK_EQ(t, e.fake.cpu_powerdown, 2);
		env_destroy(&e);
	}

	/* entry and context: 64-bit for SMC64, narrowed for SMC32. */
	{
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 1, NULL);
		r = call(&e, 0, 0xc4000001, pd, 0x100000000ULL | RAM_BASE, 0);
		CHECK_RET(t, r, 0xc4000001, PSCI_RET_INVALID_ADDRESS);
		r = call(&e, 0, 0xc4000001, pd, RAM_BASE,
			 0xaaaabbbbccccddddULL);
		CHECK_EQ(t, r.nr, 0);
		CHECK_EQ(t, e.fake.last_ctx, 0xaaaabbbbccccddddULL);
		r = call(&e, 0, 0x84000001, pd, 0x100000000ULL | RAM_BASE,
			 0xaaaabbbbccccddddULL);
		CHECK_EQ(t, r.nr, 0);
		CHECK_EQ(t, e.fake.last_entry, RAM_BASE);
		CHECK_EQ(t, e.fake.last_ctx, 0xccccddddULL);
		env_destroy(&e);
	}
}

/* power_state is 32-bit in CPU_SUSPEND64 too: only W1 counts. */
static void cpu_suspend_upper_bits(struct test_ctx *t)
{
	unsigned int k;

	for (k = 0; k < 2; k++) {
		uint32_t fid = suspend_fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 1, NULL);
		r = call(&e, 0, fid, 0xffffffff00000000ULL, 0, 0);
		CHECK_RET(t, r, fid, PSCI_RET_SUCCESS);
		CHECK_EQ(t, e.fake.cpu_suspend, 1);
		r = call(&e, 0, fid, 0x100010000ULL, RAM_BASE, 5);
		CHECK_EQ(t, r.nr, 0);
		CHECK_EQ(t, e.fake.cpu_powerdown, 1);
		r = call(&e, 0, fid, 0x101000000ULL, RAM_BASE, 5);
		CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
		CHECK_EQ(t, e.fake.cpu_suspend + e.fake.cpu_powerdown, 2);
		env_destroy(&e);
	}
}

static void migrate_info_type(struct test_ctx *t)
{
	struct env e;
	struct smccc_res r;

	env_init(t, &e, 1, NULL);
	r = call(&e, 0, 0x84000006, 0, 0, 0);
	CHECK_RET(t, r, 0x84000006, PSCI_TOS_NOT_PRESENT_MP);
	CHECK_EQ(t, r.a[0], 2);
	r = call(&e, 0, 0xc4000006, 0, 0, 0);
	CHECK_RET(t, r, 0xc4000006, PSCI_RET_NOT_SUPPORTED);
	/* MIGRATE and MIGRATE_INFO_UP_CPU: no Trusted OS to migrate. */
	r = call(&e, 0, 0x84000005, 0, 0, 0);
	CHECK_RET(t, r, 0x84000005, PSCI_RET_NOT_SUPPORTED);
	r = call(&e, 0, 0xc4000005, 0, 0, 0);
	CHECK_RET(t, r, 0xc4000005, PSCI_RET_NOT_SUPPORTED);
	r = call(&e, 0, 0x84000007, 0, 0, 0);
	CHECK_RET(t, r, 0x84000007, PSCI_RET_NOT_SUPPORTED);
	r = call(&e, 0, 0xc4000007, 0, 0, 0);
	CHECK_RET(t, r, 0xc4000007, PSCI_RET_NOT_SUPPORTED);
	env_destroy(&e);
}

static void system_off_reset(struct test_ctx *t)
{
	struct env e;
	struct smccc_res r;

	env_init(t, &e, 3, NULL);
	r = call(&e, 2, 0x84000008, 0, 0, 0);
	CHECK_EQ(t, r.nr, 0);
	CHECK_EQ(t, e.fake.system_off, 1);
	CHECK_EQ(t, e.fake.last_vcpu, 2);
	CHECK_EQ(t, e.fake.system_reset, 0);

	r = call(&e, 1, 0x84000009, 0, 0, 0);
	CHECK_EQ(t, r.nr, 0);
	CHECK_EQ(t, e.fake.system_reset, 1);
	CHECK_EQ(t, e.fake.last_vcpu, 1);
	CHECK_EQ(t, e.fake.system_off, 1);

	/* Neither has an SMC64 variant. */
	r = call(&e, 0, 0xc4000008, 0, 0, 0);
	CHECK_RET(t, r, 0xc4000008, PSCI_RET_NOT_SUPPORTED);
	r = call(&e, 0, 0xc4000009, 0, 0, 0);
	CHECK_RET(t, r, 0xc4000009, PSCI_RET_NOT_SUPPORTED);
	CHECK_EQ(t, e.fake.system_off, 1);
	CHECK_EQ(t, e.fake.system_reset, 1);
	env_destroy(&e);
}

static void system_reset2(struct test_ctx *t)
{
	static const struct {
		uint64_t type;
		bool reset;
	} cases[] = {
		{ 0, true }, /* SYSTEM_WARM_RESET */
		{ 1, false },
		{ 2, false },
		{ 0x7fffffff, false },
		/* Vendor-specific: this platform defines none. */
		{ 0x80000000, false },
		{ 0x80000001, false },
		{ 0x80001234, false },
		{ 0xffffffff, false },
	};
	static const uint32_t fids[] = { 0x84000012, 0xc4000012 };
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		uint32_t fid = fids[k];
		struct env e;
		struct smccc_res r;
		int resets = 0;

		env_init(t, &e, 2, NULL);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			r = call(&e, 1, fid, cases[i].type, 0x1234, 0);
			if (cases[i].reset) {
				resets++;
				CHECK_EQ(t, r.nr, 0);
				CHECK_EQ(t, e.fake.last_vcpu, 1);
			} else {
				CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
			}
			CHECK_EQ(t, e.fake.system_reset, resets);
		}
		CHECK_EQ(t, e.fake.system_off, 0);

		/* reset_type is 32-bit in both forms: only W1 counts. */
		r = call(&e, 1, fid, 0x100000000ULL, 0, 0);
		CHECK_EQ(t, r.nr, 0);
		CHECK_EQ(t, e.fake.system_reset, resets + 1);
		r = call(&e, 1, fid, 0xffffffff00000001ULL, 0, 0);
		CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
		r = call(&e, 1, fid, 0x0000000180000000ULL, 0, 0);
		CHECK_RET(t, r, fid, PSCI_RET_INVALID_PARAMS);
		CHECK_EQ(t, e.fake.system_reset, resets + 1);
		env_destroy(&e);
	}
}

static void system_suspend(struct test_ctx *t)
{
	static const uint32_t fids[] = { 0x8400000e, 0xc400000e };
	unsigned int k;

	for (k = 0; k < 2; k++) {
		uint32_t fid = fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 3, NULL);
		set_state(&e, 1, POWER_ON);
		set_state(&e, 2, POWER_ON);

		r = call(&e, 1, fid, RAM_BASE + 0x40, 0x77, 0);
		CHECK_RET(t, r, fid, PSCI_RET_DENIED);
		set_state(&e, 2, POWER_ON_PENDING);
		r = call(&e, 1, fid, RAM_BASE + 0x40, 0x77, 0);
		CHECK_RET(t, r, fid, PSCI_RET_DENIED);
		/* A bad address is reported before DENIED. */
		r = call(&e, 1, fid, RAM_BASE + 2, 0x77, 0);
		CHECK_RET(t, r, fid, PSCI_RET_INVALID_ADDRESS);
		CHECK_EQ(t, e.fake.system_suspend, 0);

		set_state(&e, 2, POWER_OFF);
		r = call(&e, 1, fid, 0, 0x77, 0);
		CHECK_RET(t, r, fid, PSCI_RET_INVALID_ADDRESS);
		r = call(&e, 1, fid, RAM_END, 0x77, 0);
		CHECK_RET(t, r, fid, PSCI_RET_INVALID_ADDRESS);
		CHECK_EQ(t, e.fake.system_suspend, 0);

		r = call(&e, 1, fid, RAM_BASE + 0x40, 0x77, 0);
		CHECK_EQ(t, r.nr, 0);
		CHECK_EQ(t, e.fake.system_suspend, 1);
		CHECK_EQ(t, e.fake.last_vcpu, 1);
		CHECK_EQ(t, e.fake.last_entry, RAM_BASE + 0x40);
		CHECK_EQ(t, e.fake.last_ctx, 0x77);

		e.fake.system_suspend_ret = -EIO;
		r = call(&e, 1, fid, RAM_BASE + 0x40, 0x77, 0);
		CHECK_RET(t, r, fid, PSCI_RET_INTERNAL_FAILURE);
		CHECK_EQ(t, e.fake.system_suspend, 2);
		CHECK_EQ(t, e.fake.cpu_suspend, 0);
		env_destroy(&e);
	}

	/* The context ID keeps its upper half only for SMC64. */
	{
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 1, NULL);
		r = call(&e, 0, 0xc400000e, RAM_BASE, 0xaaaabbbbccccddddULL, 0);
		CHECK_EQ(t, r.nr, 0);
		CHECK_EQ(t, e.fake.last_ctx, 0xaaaabbbbccccddddULL);
		r = call(&e, 0, 0x8400000e, RAM_BASE, 0xaaaabbbbccccddddULL, 0);
		CHECK_EQ(t, r.nr, 0);
		CHECK_EQ(t, e.fake.last_ctx, 0xccccddddULL);
		env_destroy(&e);
	}
}

static void nr_args_per_function(struct test_ctx *t)
{
	static const unsigned int n32[0x20] = {
		[PSCI_FN_CPU_SUSPEND] = 3,    [PSCI_FN_CPU_ON] = 3,
		[PSCI_FN_AFFINITY_INFO] = 2,  [PSCI_FN_FEATURES] = 1,
		[PSCI_FN_SYSTEM_SUSPEND] = 2, [PSCI_FN_SYSTEM_RESET2] = 2,
	};
	static const unsigned int n64[0x20] = {
		[PSCI_FN_CPU_SUSPEND] = 3,   [PSCI_FN_CPU_ON] = 3,
		[PSCI_FN_AFFINITY_INFO] = 2, [PSCI_FN_SYSTEM_SUSPEND] = 2,
		[PSCI_FN_SYSTEM_RESET2] = 2,
	};
	struct env e;
	unsigned int i;

	env_init(t, &e, 1, NULL);
	for (i = 0; i < 0x20; i++) {
		CHECK_EQ(t, hypercall__nr_args(&e.bus, 0x84000000 + i), n32[i]);
		CHECK_EQ(t, hypercall__nr_args(&e.bus, 0xc4000000 + i), n64[i]);
		if (t->failed) {
			printf("  at function 0x%x\n", i);
			break;
		}
	}
	CHECK_EQ(t, hypercall__nr_args(&e.bus, 0xc4000020), 0);
	CHECK_EQ(t, hypercall__nr_args(&e.bus, 0x84000020), 0);
	env_destroy(&e);
}

static void fn_names(struct test_ctx *t)
{
	CHECK_STR(t, psci__fn_name(0x84000000), "PSCI_VERSION");
	CHECK_STR(t, psci__fn_name(0x84000001), "CPU_SUSPEND");
	CHECK_STR(t, psci__fn_name(0xc4000001), "CPU_SUSPEND64");
	CHECK_STR(t, psci__fn_name(0x84000002), "CPU_OFF");
	CHECK_STR(t, psci__fn_name(0x84000003), "CPU_ON");
	CHECK_STR(t, psci__fn_name(0xc4000003), "CPU_ON64");
	CHECK_STR(t, psci__fn_name(0x84000004), "AFFINITY_INFO");
	CHECK_STR(t, psci__fn_name(0xc4000004), "AFFINITY_INFO64");
	CHECK_STR(t, psci__fn_name(0x84000005), "MIGRATE");
	CHECK_STR(t, psci__fn_name(0x84000006), "MIGRATE_INFO_TYPE");
	CHECK_STR(t, psci__fn_name(0x84000008), "SYSTEM_OFF");
	CHECK_STR(t, psci__fn_name(0x84000009), "SYSTEM_RESET");
	CHECK_STR(t, psci__fn_name(0x8400000a), "PSCI_FEATURES");
	CHECK_STR(t, psci__fn_name(0x8400000e), "SYSTEM_SUSPEND");
	CHECK_STR(t, psci__fn_name(0xc400000e), "SYSTEM_SUSPEND64");
	CHECK_STR(t, psci__fn_name(0x84000012), "SYSTEM_RESET2");
	CHECK_STR(t, psci__fn_name(0xc4000012), "SYSTEM_RESET2_64");
	CHECK_STR(t, psci__fn_name(0x84000014), "MEM_PROTECT_CHECK_RANGE");
	CHECK_STR(t, psci__fn_name(0xc4000014), "MEM_PROTECT_CHECK_RANGE64");
	CHECK_STR(t, psci__fn_name(0xc4000020), "SDEI");
	CHECK_STR(t, psci__fn_name(0xc400003f), "SDEI");
	/* Every ID that exists has a name. */
	for (unsigned int i = 0; i <= PSCI_FN_MEM_PROTECT_CHECK_RANGE; i++)
		CHECK(t, psci__fn_name(0x84000000 + i) != NULL);

	CHECK(t, psci__fn_name(0xc4000000) == NULL); /* no VERSION64 */
	CHECK(t, psci__fn_name(0xc4000002) == NULL);
	CHECK(t, psci__fn_name(0xc400000a) == NULL);
	CHECK(t, psci__fn_name(0x84000015) == NULL);
	CHECK(t, psci__fn_name(0x8400001f) == NULL);
	CHECK(t, psci__fn_name(0x84000020) == NULL);
	CHECK(t, psci__fn_name(0xc4000040) == NULL);
	CHECK(t, psci__fn_name(0x80000000) == NULL);
	CHECK(t, psci__fn_name(0x82000000) == NULL);
	CHECK(t, psci__fn_name(0x04000000) == NULL);
}

/*
 * The race, made deterministic: another vCPU's CPU_ON wins in the window
 * between psci_cpu_on()'s early state check (OFF) and power__cpu_on().
 * The loser must get ON_PENDING (or ALREADY_ON if the target already
 * runs), and the winner's boot must stand.
 */
static void cpu_on_lost_race(struct test_ctx *t)
{
	unsigned int k, run;

	for (k = 0; k < 2; k++) {
		for (run = 0; run < 2; run++) {
			uint32_t fid = cpu_on_fids[k];
			struct env e;
			struct smccc_res r;

			env_init(t, &e, 3, NULL);
			set_state(&e, 0, POWER_ON);
			e.fake.rival.target = 2;
			e.fake.rival.and_run = run;
			e.fake.rival.boot =
				(struct power_boot){ RAM_BASE + 0x40, 0x22 };
			r = call(&e, 0, fid, 2, RAM_BASE + 0x80, 0x11);
			CHECK_EQ(t, e.fake.rival.target, -1); /* it ran */
			CHECK_EQ(t, e.fake.rival.ret, 0);
			CHECK_RET(t, r, fid,
				  run ? PSCI_RET_ALREADY_ON :
					PSCI_RET_ON_PENDING);
			CHECK_EQ(t, power__get(&e.power, 2),
				 run ? POWER_ON : POWER_ON_PENDING);
			CHECK_EQ(t, e.power.v[2].boot.entry, RAM_BASE + 0x40);
			CHECK_EQ(t, e.power.v[2].boot.ctx, 0x22);
			CHECK_EQ(t, e.fake.big_endian_calls, 1);
			env_destroy(&e);
			if (t->failed) {
				printf("  at %s, the rival's target %s\n",
				       k ? "SMC64" : "SMC32",
				       run ? "ON" : "ON_PENDING");
				return;
			}
		}
	}
}

/*
 * The same race with the rival's step just before power__cpu_on() takes
 * the table lock: a state read any earlier than under the lock is stale.
 */
static void rival_at_lock(void *arg)
{
	struct rival *r = arg;

	r->ret = power__cpu_on(r->power, r->target, &r->boot);
}

static void cpu_on_lost_race_at_lock(struct test_ctx *t)
{
	unsigned int k;

	for (k = 0; k < 2; k++) {
		uint32_t fid = cpu_on_fids[k];
		struct rival rv;
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 2, NULL);
		set_state(&e, 0, POWER_ON);
		rv = (struct rival){ &e.power, 1, false,
				     (struct power_boot){ RAM_BASE, 0x22 } };
		lock_seam__arm(&e.power.lock, rival_at_lock, &rv);
		r = call(&e, 0, fid, 1, RAM_BASE + 0x80, 0x11);
		CHECK(t, lock_seam__fired());
		CHECK_EQ(t, rv.ret, 0);
		CHECK_RET(t, r, fid, PSCI_RET_ON_PENDING);
		CHECK_EQ(t, e.power.v[1].boot.ctx, 0x22);
		env_destroy(&e);
	}
}

/*
 * The free-running race: RACERS vCPU threads issue CPU_ON for one OFF
 * target at the same instant, through the dispatcher. Exactly one may win
 * each round; the others find it ON_PENDING.
 */
#define RACERS 8
#define RACE_ROUNDS 300
#define RACE_TARGET RACERS

struct racer {
	struct env *e;
	pthread_barrier_t *bar;
	unsigned int vcpu;
	uint64_t ret;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;
	struct smccc_res res;
	int round;

	for (round = 0; round < RACE_ROUNDS; round++) {
		pthread_barrier_wait(r->bar);
		res = call(r->e, r->vcpu, 0xc4000003, RACE_TARGET,
			   RAM_BASE + 4 * r->vcpu, r->vcpu);
		r->ret = res.a[0];
		pthread_barrier_wait(r->bar);
	}
	return NULL;
}

static void cpu_on_race(struct test_ctx *t)
{
	struct env e;
	pthread_barrier_t bar;
	pthread_t th[RACERS];
	struct racer r[RACERS];
	int round, i, bad = 0;

	env_init(t, &e, RACERS + 1, NULL);
	for (i = 0; i < RACERS; i++)
		set_state(&e, i, POWER_ON);
	pthread_barrier_init(&bar, NULL, RACERS + 1);
	for (i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ .e = &e, .bar = &bar, .vcpu = i };
		pthread_create(&th[i], NULL, racer_fn, &r[i]);
	}

	for (round = 0; round < RACE_ROUNDS; round++) {
		int won = 0, lost = 0, winner = -1;

		set_state(&e, RACE_TARGET, POWER_OFF);
		pthread_barrier_wait(&bar); /* go */
		pthread_barrier_wait(&bar); /* all answered */
		for (i = 0; i < RACERS; i++) {
			if (r[i].ret == PSCI_RET_SUCCESS) {
				won++;
				winner = i;
			} else if (r[i].ret ==
				   (uint64_t)(int64_t)PSCI_RET_ON_PENDING) {
				lost++;
			}
		}
		/* The winner's boot is the one stored. */
		if (won != 1 || lost != RACERS - 1 ||
		    power__get(&e.power, RACE_TARGET) != POWER_ON_PENDING ||
		    e.power.v[RACE_TARGET].boot.ctx != (uint64_t)winner ||
		    e.power.v[RACE_TARGET].boot.entry != RAM_BASE + 4 * winner)
			bad++;
	}
	for (i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&bar);
	CHECK_EQ(t, bad, 0);
	/* Every winner read its endianness; losers that saw the target
	 * already pending skip that read, the others may still make it. */
	CHECK(t, e.fake.big_endian_calls >= RACE_ROUNDS);
	CHECK(t, e.fake.big_endian_calls <= RACERS * RACE_ROUNDS);
	env_destroy(&e);
}

/* ---- hotplug policy and fault injection -------------------------------- */

static void cpu_on_disabled_denied(struct test_ctx *t)
{
	const unsigned int two[] = { 2 };
	unsigned int k;

	for (k = 0; k < 2; k++) {
		uint32_t fid = cpu_on_fids[k];
		struct env e;
		struct smccc_res r;

		env_init(t, &e, 4, NULL);
		set_state(&e, 0, POWER_ON);
		CHECK_EQ(t, power__set_enabled(&e.power, two, 1, false, NULL),
			 0);
		r = call(&e, 0, fid, 2, RAM_BASE, 0);
		CHECK_RET(t, r, fid, PSCI_RET_DENIED);
		CHECK(t, !r.injected);
		CHECK_EQ(t, power__get(&e.power, 2), POWER_OFF);
		/* A disabled vCPU is OFF, at every affinity level. */
		r = call(&e, 0, aff_fids[k], 2, 0, 0);
		CHECK_RET(t, r, aff_fids[k], PSCI_AFFINITY_OFF);
		/* A bad entry point is still INVALID_ADDRESS first. */
		r = call(&e, 0, fid, 2, 0, 0);
		CHECK_RET(t, r, fid, PSCI_RET_INVALID_ADDRESS);

		CHECK_EQ(t, power__set_enabled(&e.power, two, 1, true, NULL),
			 0);
		r = call(&e, 0, fid, 2, RAM_BASE, 0);
		CHECK_RET(t, r, fid, PSCI_RET_SUCCESS);
		CHECK_EQ(t, power__get(&e.power, 2), POWER_ON_PENDING);
		env_destroy(&e);
	}
}

static void env_inject(struct test_ctx *t, struct env *e,
		       struct psci_inject *inj)
{
	CHECK_EQ(t, psci_inject__init(inj), 0);
	e->psci.inject = inj;
}

static void inject_cpu_on_counts(struct test_ctx *t)
{
	struct psci_inject inj;
	struct smccc_res r;
	struct env e;

	env_init(t, &e, 4, NULL);
	env_inject(t, &e, &inj);
	set_state(&e, 0, POWER_ON);
	CHECK_EQ(t,
		 psci_inject__arm(&inj, PSCI_FN_CPU_ON,
				  PSCI_RET_INTERNAL_FAILURE, 2),
		 0);
	/* Both forms use up the same count, and nothing happens. */
	r = call(&e, 0, PSCI_FN32(PSCI_FN_CPU_ON), 1, RAM_BASE, 0);
	CHECK_RET(t, r, PSCI_FN32(PSCI_FN_CPU_ON), PSCI_RET_INTERNAL_FAILURE);
	CHECK(t, r.injected);
	r = call(&e, 0, PSCI_FN64(PSCI_FN_CPU_ON), 1, RAM_BASE, 0);
	CHECK_RET(t, r, PSCI_FN64(PSCI_FN_CPU_ON), PSCI_RET_INTERNAL_FAILURE);
	CHECK(t, r.injected);
	CHECK_EQ(t, power__get(&e.power, 1), POWER_OFF);
	CHECK_EQ(t, e.fake.big_endian_calls, 0);
	/* Even a call that would fail anyway gets the injected answer. */
	CHECK_EQ(t, psci_inject__arm(&inj, PSCI_FN_CPU_ON, PSCI_RET_DENIED, 1),
		 0);
	r = call(&e, 0, PSCI_FN64(PSCI_FN_CPU_ON), 77, 0, 0);
	CHECK_RET(t, r, PSCI_FN64(PSCI_FN_CPU_ON), PSCI_RET_DENIED);
	/* Used up: the real answer again. */
	r = call(&e, 0, PSCI_FN64(PSCI_FN_CPU_ON), 1, RAM_BASE, 0);
	CHECK_RET(t, r, PSCI_FN64(PSCI_FN_CPU_ON), PSCI_RET_SUCCESS);
	CHECK(t, !r.injected);
	CHECK_EQ(t, power__get(&e.power, 1), POWER_ON_PENDING);
	psci_inject__destroy(&inj);
	env_destroy(&e);
}

static void inject_other_functions(struct test_ctx *t)
{
	struct psci_inject inj;
	struct smccc_res r;
	struct env e;

	env_init(t, &e, 2, NULL);
	env_inject(t, &e, &inj);
	set_state(&e, 0, POWER_ON);
	set_state(&e, 1, POWER_ON);
	CHECK_EQ(t, psci_inject__arm(&inj, PSCI_FN_CPU_OFF, PSCI_RET_DENIED, 1),
		 0);
	CHECK_EQ(t,
		 psci_inject__arm(&inj, PSCI_FN_AFFINITY_INFO,
				  PSCI_RET_INVALID_PARAMS, 1),
		 0);
	CHECK_EQ(t,
		 psci_inject__arm(&inj, PSCI_FN_CPU_SUSPEND,
				  PSCI_RET_INTERNAL_FAILURE, 1),
		 0);
	CHECK_EQ(t,
		 psci_inject__arm(&inj, PSCI_FN_SYSTEM_SUSPEND,
				  PSCI_RET_NOT_SUPPORTED, 1),
		 0);

	/* CPU_OFF returns the error and the vCPU stays on. */
	r = call(&e, 1, 0x84000002, 0, 0, 0);
	CHECK_RET(t, r, 0x84000002, PSCI_RET_DENIED);
	CHECK(t, r.injected);
	CHECK_EQ(t, power__get(&e.power, 1), POWER_ON);
	r = call(&e, 0, aff_fids[0], 1, 0, 0);
	CHECK_RET(t, r, aff_fids[0], PSCI_RET_INVALID_PARAMS);
	r = call(&e, 0, aff_fids[0], 1, 0, 0);
	CHECK_RET(t, r, aff_fids[0], PSCI_AFFINITY_ON);
	r = call(&e, 0, 0x84000001, 0, 0, 0);
	CHECK_RET(t, r, 0x84000001, PSCI_RET_INTERNAL_FAILURE);
	CHECK_EQ(t, e.fake.cpu_suspend, 0);
	r = call(&e, 0, 0xc400000e, RAM_BASE, 0, 0);
	CHECK_RET(t, r, 0xc400000e, PSCI_RET_NOT_SUPPORTED);
	CHECK_EQ(t, e.fake.system_suspend, 0);
	/* Others are not injectable; VERSION never changes. */
	CHECK_EQ(t, psci_inject__arm(&inj, PSCI_FN_VERSION, PSCI_RET_DENIED, 1),
		 -EINVAL);
	CHECK_EQ(t,
		 psci_inject__arm(&inj, PSCI_FN_SYSTEM_OFF, PSCI_RET_DENIED, 1),
		 -EINVAL);
	CHECK_EQ(t, psci_inject__arm(&inj, PSCI_FN_CPU_ON, PSCI_RET_SUCCESS, 1),
		 -EINVAL);
	CHECK_EQ(t, psci_inject__arm(&inj, PSCI_FN_CPU_ON, -10, 1), -EINVAL);
	CHECK_EQ(t, psci_inject__arm(&inj, PSCI_FN_CPU_ON, -1, 0), -EINVAL);
	CHECK_EQ(t,
		 psci_inject__arm(&inj, PSCI_FN_CPU_ON, -1,
				  PSCI_INJECT_MAX_COUNT + 1),
		 -EINVAL);
	CHECK_EQ(t, psci_inject__arm(&inj, 99, -1, 1), -EINVAL);
	psci_inject__destroy(&inj);
	env_destroy(&e);
}

static void inject_delay_on(struct test_ctx *t)
{
	struct psci_inject inj;
	struct psci_fault f[PSCI_FN_COUNT];
	struct smccc_res r;
	uint32_t delay;
	struct env e;

	env_init(t, &e, 2, NULL);
	env_inject(t, &e, &inj);
	set_state(&e, 0, POWER_ON);
	CHECK_EQ(t,
		 psci_inject__set_delay_on(&inj, PSCI_INJECT_MAX_DELAY_MS + 1),
		 -EINVAL);
	CHECK_EQ(t, psci_inject__set_delay_on(&inj, 250), 0);
	r = call(&e, 0, cpu_on_fids[1], 1, RAM_BASE, 0);
	CHECK_RET(t, r, cpu_on_fids[1], PSCI_RET_SUCCESS);
	CHECK(t, !r.injected);
	CHECK(t, e.power.v[1].boot.call_ns != 0);
	CHECK_EQ(t, e.power.v[1].boot.not_before_ns,
		 e.power.v[1].boot.call_ns + 250 * 1000000ULL);

	CHECK_EQ(t, psci_inject__arm(&inj, PSCI_FN_CPU_ON, -6, 3), 0);
	psci_inject__snapshot(&inj, f, &delay);
	CHECK_EQ(t, delay, 250);
	CHECK_EQ(t, f[PSCI_FN_CPU_ON].code, -6);
	CHECK_EQ(t, f[PSCI_FN_CPU_ON].count, 3);
	psci_inject__clear(&inj);
	psci_inject__snapshot(&inj, f, &delay);
	CHECK_EQ(t, delay, 0);
	CHECK_EQ(t, f[PSCI_FN_CPU_ON].count, 0);
	/* Without a delay, the target starts at once. */
	power__cpu_off(&e.power, 1);
	r = call(&e, 0, cpu_on_fids[0], 1, RAM_BASE, 0);
	CHECK_RET(t, r, cpu_on_fids[0], PSCI_RET_SUCCESS);
	CHECK_EQ(t, e.power.v[1].boot.not_before_ns, 0);
	psci_inject__destroy(&inj);
	env_destroy(&e);
}

#define TAKERS 8
#define TAKES 2000

struct taker {
	struct psci_inject *inj;
	int hits;
};

static void *taker_fn(void *arg)
{
	struct taker *k = arg;
	int32_t code;
	int i;

	for (i = 0; i < TAKES; i++)
		if (psci_inject__take(k->inj, PSCI_FN_CPU_ON, &code))
			k->hits++;
	return NULL;
}

/* K armed, many vCPUs calling at once: exactly K failures. */
static void inject_race(struct test_ctx *t)
{
	struct psci_inject inj;
	struct taker k[TAKERS];
	pthread_t th[TAKERS];
	int i, hits = 0;

	CHECK_EQ(t, psci_inject__init(&inj), 0);
	CHECK_EQ(t, psci_inject__arm(&inj, PSCI_FN_CPU_ON, -3, 5000), 0);
	for (i = 0; i < TAKERS; i++) {
		k[i] = (struct taker){ &inj, 0 };
		pthread_create(&th[i], NULL, taker_fn, &k[i]);
	}
	for (i = 0; i < TAKERS; i++) {
		pthread_join(th[i], NULL);
		hits += k[i].hits;
	}
	CHECK_EQ(t, hits, 5000);
	psci_inject__destroy(&inj);
}

static void inject_parse(struct test_ctx *t)
{
	static const struct {
		const char *spec;
		unsigned int fn;
		int32_t code;
		uint32_t count;
	} good[] = {
		{ "CPU_ON=INTERNAL_FAILURE", PSCI_FN_CPU_ON, -6, 1 },
		{ "cpu_on=denied,count=3", PSCI_FN_CPU_ON, -3, 3 },
		{ "CPU_OFF=-3", PSCI_FN_CPU_OFF, -3, 1 },
		{ "AFFINITY_INFO=INVALID_PARAMETERS,count=1000000",
		  PSCI_FN_AFFINITY_INFO, -2, 1000000 },
		{ "CPU_SUSPEND=INVALID_PARAMS", PSCI_FN_CPU_SUSPEND, -2, 1 },
		{ "SYSTEM_SUSPEND=ALREADY_ON", PSCI_FN_SYSTEM_SUSPEND, -4, 1 },
		{ "CPU_ON=INVALID_ADDRESS,COUNT=2", PSCI_FN_CPU_ON, -9, 2 },
	};
	static const char *const bad[] = {
		"CPU_ON",
		"CPU_ON=",
		"=DENIED",
		"CPU_ONN=DENIED",
		"SYSTEM_OFF=DENIED",
		"PSCI_VERSION=DENIED",
		"CPU_ON=SUCCESS",
		"CPU_ON=0",
		"CPU_ON=-10",
		"CPU_ON=-1x",
		"CPU_ON=3",
		"CPU_ON=DENIED,count=0",
		"CPU_ON=DENIED,count=-1",
		"CPU_ON=DENIED,count=1000001",
		"CPU_ON=DENIED,count=",
		"CPU_ON=DENIED,count=2x",
		"CPU_ON=DENIED,cnt=2",
		"CPU_ON=DENIED,count=+2",
		"CPU_ON=DENIED,count= 2",
		"CPU_ON=DENIED,count=99999999999999999999",
		"CPU_ON=DENIED,count=1,x",
		"CPU_ON=DENIED,count=1,count=2",
		"CPU_ON=DENIEDxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		"",
	};
	unsigned int i, fn;
	int32_t code;
	uint32_t count;
	char err[256];

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err[0] = '\0';
		CHECK_EQ(t,
			 psci_inject__parse(good[i].spec, &fn, &code, &count,
					    err, sizeof(err)),
			 0);
		CHECK_EQ(t, fn, good[i].fn);
		CHECK_EQ(t, code, good[i].code);
		CHECK_EQ(t, count, good[i].count);
		if (t->failed) {
			printf("  with '%s': %s\n", good[i].spec, err);
			return;
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_EQ(t,
			 psci_inject__parse(bad[i], &fn, &code, &count, err,
					    sizeof(err)),
			 -EINVAL);
		CHECK(t, err[0] != '\0' && !strchr(err, '\n'));
		if (t->failed) {
			printf("  with '%s'\n", bad[i]);
			return;
		}
	}
}

static void result_names_and_slots(struct test_ctx *t)
{
	CHECK_STR(t, psci__ret_name(0), "SUCCESS");
	CHECK_STR(t, psci__ret_name(-2), "INVALID_PARAMETERS");
	CHECK_STR(t, psci__ret_name(-9), "INVALID_ADDRESS");
	CHECK(t, psci__ret_name(-10) == NULL);
	CHECK(t, psci__ret_name(1) == NULL);
	CHECK_EQ(t, psci__ret_parse("denied"), -3);
	CHECK_EQ(t, psci__ret_parse("-7"), -7);
	CHECK_EQ(t, psci__ret_parse("SUCCESS"), 0);
	CHECK_EQ(t, psci__ret_parse("-0"), 1);
	CHECK_EQ(t, psci__ret_parse("bogus"), 1);
	CHECK_EQ(t, psci__fn_parse("Cpu_On"), PSCI_FN_CPU_ON);
	CHECK_EQ(t, psci__fn_parse("CPU_ON64"), -EINVAL);
	CHECK_STR(t, psci__fn_number_name(PSCI_FN_CPU_ON), "CPU_ON");
	CHECK_STR(t, psci__fn_number_name(PSCI_FN_SYSTEM_RESET2),
		  "SYSTEM_RESET2");
	CHECK(t, psci__fn_number_name(0x1f) == NULL);

	CHECK_EQ(t, psci__result_slot(false, 0), PSCI_SLOT_NONE);
	CHECK_EQ(t, psci__result_slot(true, -9), 0);
	CHECK_EQ(t, psci__result_slot(true, 0), 9);
	CHECK_EQ(t, psci__result_slot(true, 2), 11);
	CHECK_EQ(t, psci__result_slot(true, 3), PSCI_SLOT_OTHER);
	CHECK_EQ(t, psci__result_slot(true, 0x10001), PSCI_SLOT_OTHER);
	CHECK_EQ(t, psci__result_slot(true, -10), PSCI_SLOT_OTHER);
	CHECK_STR(t, psci__slot_name(PSCI_FN_CPU_ON, 9), "SUCCESS");
	CHECK_STR(t, psci__slot_name(PSCI_FN_CPU_ON, 6), "DENIED");
	CHECK_STR(t, psci__slot_name(PSCI_FN_AFFINITY_INFO, 9), "ON");
	CHECK_STR(t, psci__slot_name(PSCI_FN_AFFINITY_INFO, 10), "OFF");
	CHECK_STR(t, psci__slot_name(PSCI_FN_AFFINITY_INFO, 11), "ON_PENDING");
	CHECK_STR(t, psci__slot_name(PSCI_FN_AFFINITY_INFO, 8),
		  "NOT_SUPPORTED");
	CHECK_STR(t, psci__slot_name(PSCI_FN_MIGRATE_INFO_TYPE, 11), "2");
	CHECK_STR(t, psci__slot_name(PSCI_FN_VERSION, PSCI_SLOT_OTHER),
		  "other");
	CHECK_STR(t, psci__slot_name(PSCI_FN_CPU_OFF, PSCI_SLOT_NONE),
		  "no return");
	CHECK_STR(t, psci__slot_name(PSCI_FN_CPU_OFF, 200), "other");
}

TEST_SUITE(psci, TEST(register_services), TEST(version),
	   TEST(features_every_psci_id), TEST(features_other_ids),
	   TEST(unsupported_calls), TEST(sdei_not_supported),
	   TEST(cpu_on_transitions), TEST(cpu_on_bad_mpidr),
	   TEST(cpu_on_bad_entry), TEST(cpu_on_already_on),
	   TEST(smc32_narrowing), TEST(cpu_off), TEST(affinity_info_clusters),
	   TEST(affinity_info_upper_bits), TEST(affinity_info_aff3_layout),
	   TEST(cpu_suspend_standby), TEST(cpu_suspend_bad_power_state),
	   TEST(cpu_suspend_powerdown), TEST(cpu_suspend_upper_bits),
	   TEST(migrate_info_type), TEST(system_off_reset), TEST(system_reset2),
	   TEST(system_suspend), TEST(nr_args_per_function), TEST(fn_names),
	   TEST(cpu_on_lost_race), TEST(cpu_on_lost_race_at_lock),
	   TEST(cpu_on_race), TEST(cpu_on_disabled_denied),
	   TEST(inject_cpu_on_counts), TEST(inject_other_functions),
	   TEST(inject_delay_on), TEST(inject_race), TEST(inject_parse),
	   TEST(result_names_and_slots));
