// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/smccc.h"

#include <errno.h>

#define NS64 0xffffffffffffffffULL /* NOT_SUPPORTED in X0 */
#define NS32 0xffffffffULL /* NOT_SUPPORTED in W0, upper half zero */

/* What a service saw on its last call, and what it answers. */
struct rec {
	int calls;
	void *opaque;
	struct smccc_call call;
	unsigned int nr_args; /* nr_args() answer */
	bool answer; /* write a[] and nr below */
	uint64_t a[4];
	unsigned int nr;
};

static void rec_handle(void *opaque, const struct smccc_call *call,
		       struct smccc_res *res)
{
	struct rec *r = opaque;
	int i;

	r->calls++;
	r->opaque = opaque;
	r->call = *call;
	if (!r->answer)
		return;
	for (i = 0; i < 4; i++)
		res->a[i] = r->a[i];
	res->nr = r->nr;
}

static unsigned int rec_nr_args(void *opaque, uint32_t fid)
{
	struct rec *r = opaque;

	(void)fid;
	return r->nr_args;
}

static struct hypercall_service svc(uint32_t base, uint32_t count,
				    struct rec *r)
{
	return (struct hypercall_service){
		.name = "rec",
		.base = base,
		.count = count,
		.nr_args = rec_nr_args,
		.handle = rec_handle,
		.opaque = r,
	};
}

static void decode_fields(struct test_ctx *t)
{
	struct smccc_call c;

	memset(&c, 0x5a, sizeof(c)); /* decode must clear stale args */
	smccc__decode(0xc4000003, true, 5, &c);
	CHECK_EQ(t, c.fid, 0xc4000003);
	CHECK(t, c.fast);
	CHECK(t, c.smc64);
	CHECK(t, c.smc_conduit);
	CHECK_EQ(t, c.owner, SMCCC_OWNER_STANDARD);
	CHECK_EQ(t, c.func, 3);
	CHECK_EQ(t, c.vcpu, 5);
	for (int i = 0; i < SMCCC_MAX_ARGS; i++)
		CHECK_EQ(t, c.args[i], 0);

	smccc__decode(0x84000000, false, 0, &c);
	CHECK(t, c.fast);
	CHECK(t, !c.smc64);
	CHECK(t, !c.smc_conduit);
	CHECK_EQ(t, c.owner, SMCCC_OWNER_STANDARD);
	CHECK_EQ(t, c.func, 0);

	/* Yielding, vendor-hypervisor owner. */
	smccc__decode(0x06000012, false, 1, &c);
	CHECK(t, !c.fast);
	CHECK(t, !c.smc64);
	CHECK_EQ(t, c.owner, SMCCC_OWNER_VENDOR_HYP);
	CHECK_EQ(t, c.func, 0x12);

	/* Bits 23:16 are not part of owner or function number. */
	smccc__decode(0xbfabffff, false, 2, &c);
	CHECK(t, c.fast);
	CHECK(t, !c.smc64);
	CHECK_EQ(t, c.owner, 0x3f);
	CHECK_EQ(t, c.func, 0xffff);

	smccc__decode(0x80000000, false, 0, &c);
	CHECK_EQ(t, c.owner, SMCCC_OWNER_ARCH);
	smccc__decode(0x82000001, false, 0, &c);
	CHECK_EQ(t, c.owner, SMCCC_OWNER_SIP);
	smccc__decode(0xc5000000, false, 0, &c);
	CHECK_EQ(t, c.owner, SMCCC_OWNER_STANDARD_HYP);
	CHECK(t, c.smc64);
}

static void register_invalid(struct test_ctx *t)
{
	struct hypercall_bus bus;
	struct hypercall_service s;
	struct rec r = { 0 };

	hypercall__init(&bus);
	CHECK_EQ(t, bus.nr, 0);

	s = svc(0x1000, 0, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), -EINVAL);
	s = svc(0xfffffff0, 0x11, &r); /* would wrap past 0xffffffff */
	CHECK_EQ(t, hypercall__register(&bus, &s), -EINVAL);
	s = svc(0xffffffff, 0xffffffff, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), -EINVAL);
	s = svc(0x1000, 0x10, &r);
	s.handle = NULL;
	CHECK_EQ(t, hypercall__register(&bus, &s), -EINVAL);
	CHECK_EQ(t, hypercall__register(&bus, NULL), -EINVAL);
	CHECK_EQ(t, bus.nr, 0);

	/* Ending exactly at 0xffffffff is fine, as is a NULL nr_args. */
	s = svc(0xfffffff0, 0x10, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);
	s = svc(0, 1, &r);
	s.nr_args = NULL;
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);
	CHECK_EQ(t, bus.nr, 2);
	CHECK(t, hypercall__find(&bus, 0xffffffff) == &bus.svc[0]);
	CHECK_EQ(t, hypercall__nr_args(&bus, 0xffffffff), 0);
}

static void register_overlap(struct test_ctx *t)
{
	static const struct {
		uint32_t base, count;
		int ret;
	} cases[] = {
		{ 0x84000000, 0x20, -EEXIST }, /* exact */
		{ 0x83fffff0, 0x11, -EEXIST }, /* partial, from below */
		{ 0x8400001f, 0x10, -EEXIST }, /* partial, from above */
		{ 0x84000004, 0x04, -EEXIST }, /* contained */
		{ 0x84000010, 0x01, -EEXIST }, /* single ID inside */
		{ 0x80000000, 0x10000000, -EEXIST }, /* containing */
		{ 0x83fffff0, 0x10, 0 }, /* adjacent below */
		{ 0x84000020, 0x20, 0 }, /* adjacent above */
		{ 0x83ffffef, 0x02, -EEXIST }, /* overlaps the one below */
		{ 0x8400003f, 0x01, -EEXIST }, /* last ID of the one above */
		{ 0x84000040, 0x01, 0 }, /* adjacent again */
	};
	struct hypercall_bus bus;
	struct hypercall_service s;
	struct rec r = { 0 };
	unsigned int i, nr = 1;

	hypercall__init(&bus);
	s = svc(0x84000000, 0x20, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = svc(cases[i].base, cases[i].count, &r);
		CHECK_EQ(t, hypercall__register(&bus, &s), cases[i].ret);
		if (cases[i].ret == 0)
			nr++;
		CHECK_EQ(t, bus.nr, nr);
	}
}

static void register_full(struct test_ctx *t)
{
	struct hypercall_bus bus;
	struct hypercall_service s;
	struct rec r = { 0 };
	unsigned int i;

	hypercall__init(&bus);
	for (i = 0; i < HYPERCALL_MAX_SERVICES; i++) {
		s = svc(0x86000000 + i * 0x10, 0x10, &r);
		CHECK_EQ(t, hypercall__register(&bus, &s), 0);
	}
	CHECK_EQ(t, bus.nr, HYPERCALL_MAX_SERVICES);
	s = svc(0x87000000, 1, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), -ENOSPC);
	CHECK_EQ(t, bus.nr, HYPERCALL_MAX_SERVICES);
	/* An overlap is still reported as such when full. */
	s = svc(0x86000000, 1, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), -EEXIST);
}

static void find_bounds(struct test_ctx *t)
{
	struct hypercall_bus bus;
	struct hypercall_service s;
	struct rec a = { 0 }, b = { 0 };

	hypercall__init(&bus);
	CHECK(t, hypercall__find(&bus, 0x84000000) == NULL);
	s = svc(0x84000000, 0x20, &a);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);
	s = svc(0xc4000000, 0x20, &b);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);

	CHECK(t, hypercall__find(&bus, 0x83ffffff) == NULL);
	CHECK(t, hypercall__find(&bus, 0x84000000)->opaque == &a);
	CHECK(t, hypercall__find(&bus, 0x8400001f)->opaque == &a);
	CHECK(t, hypercall__find(&bus, 0x84000020) == NULL);
	CHECK(t, hypercall__find(&bus, 0xc4000000)->opaque == &b);
	CHECK(t, hypercall__find(&bus, 0xc400001f)->opaque == &b);
	CHECK(t, hypercall__find(&bus, 0xc4000020) == NULL);
	CHECK_STR(t, hypercall__find(&bus, 0xc4000010)->name, "rec");
}

static void dispatch_routes(struct test_ctx *t)
{
	struct hypercall_bus bus;
	struct hypercall_service s;
	struct rec a = { 0 },
		   b = { .answer = true, .a = { 7, 8, 9, 10 }, .nr = 4 };
	struct smccc_call c;
	struct smccc_res res;

	hypercall__init(&bus);
	s = svc(0xc6000000, 0x10, &a);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);
	s = svc(0xc6000010, 0x10, &b);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);

	/* A handler that writes nothing leaves the preset answer. */
	smccc__decode(0xc6000003, true, 3, &c);
	c.args[0] = 0x1122334455667788ULL;
	c.args[6] = 0xffffffff00000000ULL;
	memset(&res, 0x33, sizeof(res));
	hypercall__dispatch(&bus, &c, &res);
	CHECK_EQ(t, a.calls, 1);
	CHECK_EQ(t, b.calls, 0);
	CHECK(t, a.opaque == &a);
	CHECK_EQ(t, a.call.fid, 0xc6000003);
	CHECK_EQ(t, a.call.func, 3);
	CHECK_EQ(t, a.call.vcpu, 3);
	CHECK(t, a.call.smc_conduit);
	CHECK_EQ(t, a.call.args[0], 0x1122334455667788ULL);
	CHECK_EQ(t, a.call.args[6], 0xffffffff00000000ULL);
	CHECK_EQ(t, res.a[0], NS64);
	CHECK_EQ(t, res.a[1], 0);
	CHECK_EQ(t, res.a[2], 0);
	CHECK_EQ(t, res.a[3], 0);
	CHECK_EQ(t, res.nr, 1);

	smccc__decode(0xc600001f, false, 0, &c);
	hypercall__dispatch(&bus, &c, &res);
	CHECK_EQ(t, a.calls, 1);
	CHECK_EQ(t, b.calls, 1);
	CHECK_EQ(t, res.a[0], 7);
	CHECK_EQ(t, res.a[3], 10);
	CHECK_EQ(t, res.nr, 4);
}

static void dispatch_unknown(struct test_ctx *t)
{
	static const uint32_t fids[] = {
		0x82000000, /* SIP */
		0x83000000, /* OEM */
		0x86000000, /* vendor hypervisor */
		0xc5000000, /* standard hypervisor, SMC64 */
		0xc2000001, /* SIP, SMC64 */
		0x84000020, /* just past the registered range */
		0xbf00ffff, 0xffffffff,
	};
	struct hypercall_bus bus;
	struct hypercall_service s;
	struct rec r = { 0 };
	struct smccc_call c;
	struct smccc_res res;
	unsigned int i;

	hypercall__init(&bus);
	s = svc(0x84000000, 0x20, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);

	for (i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
		smccc__decode(fids[i], false, 0, &c);
		hypercall__dispatch(&bus, &c, &res);
		CHECK_EQ(t, res.a[0], (fids[i] & SMCCC_SMC64) ? NS64 : NS32);
		CHECK_EQ(t, res.nr, 1);
		CHECK_EQ(t, hypercall__nr_args(&bus, fids[i]), 0);
	}
	CHECK_EQ(t, r.calls, 0);
}

static void dispatch_yielding(struct test_ctx *t)
{
	struct hypercall_bus bus;
	struct hypercall_service s;
	struct rec r = { .nr_args = 3, .answer = true, .nr = 1 };
	struct smccc_call c;
	struct smccc_res res;

	/* Even an owned yielding ID is refused without a call. */
	hypercall__init(&bus);
	s = svc(0x04000000, 0x20, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);
	s = svc(0x44000000, 0x20, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);

	smccc__decode(0x04000003, false, 0, &c);
	CHECK(t, !c.fast);
	hypercall__dispatch(&bus, &c, &res);
	CHECK_EQ(t, res.a[0], NS32);
	CHECK_EQ(t, res.nr, 1);

	smccc__decode(0x44000003, false, 0, &c);
	hypercall__dispatch(&bus, &c, &res);
	CHECK_EQ(t, res.a[0], NS64);
	CHECK_EQ(t, res.nr, 1);

	CHECK_EQ(t, r.calls, 0);
	CHECK_EQ(t, hypercall__nr_args(&bus, 0x04000003), 0);
}

static void dispatch_smc32_narrows_args(struct test_ctx *t)
{
	struct hypercall_bus bus;
	struct hypercall_service s;
	struct rec r = { 0 };
	struct smccc_call c;
	struct smccc_res res;
	int i;

	hypercall__init(&bus);
	s = svc(0x84000000, 0x20, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);
	s = svc(0xc4000000, 0x20, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);

	smccc__decode(0x84000003, false, 0, &c);
	for (i = 0; i < SMCCC_MAX_ARGS; i++)
		c.args[i] = 0xdead000000000000ULL | (0xffffff00ULL + i);
	hypercall__dispatch(&bus, &c, &res);
	CHECK_EQ(t, r.calls, 1);
	for (i = 0; i < SMCCC_MAX_ARGS; i++)
		CHECK_EQ(t, r.call.args[i], 0xffffff00ULL + i);

	/* SMC64 arguments are passed untouched. */
	smccc__decode(0xc4000003, false, 0, &c);
	for (i = 0; i < SMCCC_MAX_ARGS; i++)
		c.args[i] = 0xdead000000000000ULL | (0xffffff00ULL + i);
	hypercall__dispatch(&bus, &c, &res);
	CHECK_EQ(t, r.calls, 2);
	for (i = 0; i < SMCCC_MAX_ARGS; i++)
		CHECK_EQ(t, r.call.args[i],
			 0xdead000000000000ULL | (0xffffff00ULL + i));
}

static void dispatch_smc32_narrows_results(struct test_ctx *t)
{
	struct hypercall_bus bus;
	struct hypercall_service s;
	struct rec r = { .answer = true,
			 .a = { (uint64_t)-1, (uint64_t)-3,
				0x123456789abcdef0ULL, 0xffffffff00000000ULL },
			 .nr = 4 };
	struct smccc_call c;
	struct smccc_res res;

	hypercall__init(&bus);
	s = svc(0x86000000, 0x10, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);
	s = svc(0xc6000000, 0x10, &r);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);

	smccc__decode(0x86000001, false, 0, &c);
	hypercall__dispatch(&bus, &c, &res);
	CHECK_EQ(t, res.a[0], 0xffffffffULL);
	CHECK_EQ(t, res.a[1], 0xfffffffdULL);
	CHECK_EQ(t, res.a[2], 0x9abcdef0ULL);
	CHECK_EQ(t, res.a[3], 0);
	CHECK_EQ(t, res.nr, 4);

	smccc__decode(0xc6000001, false, 0, &c);
	hypercall__dispatch(&bus, &c, &res);
	CHECK_EQ(t, res.a[0], NS64);
	CHECK_EQ(t, res.a[1], (uint64_t)-3);
	CHECK_EQ(t, res.a[2], 0x123456789abcdef0ULL);
	CHECK_EQ(t, res.a[3], 0xffffffff00000000ULL);
	CHECK_EQ(t, res.nr, 4);

	/* A handler may ask for no write-back at all. */
	r.nr = 0;
	smccc__decode(0x86000001, false, 0, &c);
	hypercall__dispatch(&bus, &c, &res);
	CHECK_EQ(t, res.nr, 0);
}

static void nr_args_lookup(struct test_ctx *t)
{
	struct hypercall_bus bus;
	struct hypercall_service s;
	struct rec a = { .nr_args = 3 }, b = { .nr_args = 100 };

	hypercall__init(&bus);
	s = svc(0x84000000, 0x20, &a);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);
	s = svc(0xc4000000, 0x20, &b);
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);
	s = svc(0x86000000, 0x20, &a);
	s.nr_args = NULL;
	CHECK_EQ(t, hypercall__register(&bus, &s), 0);

	CHECK_EQ(t, hypercall__nr_args(&bus, 0x84000003), 3);
	CHECK_EQ(t, hypercall__nr_args(&bus, 0xc4000003), SMCCC_MAX_ARGS);
	CHECK_EQ(t, hypercall__nr_args(&bus, 0x86000003), 0);
	CHECK_EQ(t, hypercall__nr_args(&bus, 0x82000000), 0);
	CHECK_EQ(t, hypercall__nr_args(&bus, 0x84000020), 0);
	a.nr_args = 0;
	CHECK_EQ(t, hypercall__nr_args(&bus, 0x84000003), 0);
}

TEST_SUITE(smccc, TEST(decode_fields), TEST(register_invalid),
	   TEST(register_overlap), TEST(register_full), TEST(find_bounds),
	   TEST(dispatch_routes), TEST(dispatch_unknown),
	   TEST(dispatch_yielding), TEST(dispatch_smc32_narrows_args),
	   TEST(dispatch_smc32_narrows_results), TEST(nr_args_lookup));
