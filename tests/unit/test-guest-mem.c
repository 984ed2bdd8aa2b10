// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "fake-mem.h"
#include "kvm/guest-mem.h"

#include <errno.h>

static void ptr_inside_regions(struct test_ctx *t)
{
	struct fake_mem fm;
	const struct guest_mem *m = &fm.mem;

	CHECK_EQ(t, fake_mem__init(&fm), 0);
	CHECK(t, guest_mem__ptr(m, FAKE_A_GPA, 1) == fm.a);
	CHECK(t, guest_mem__ptr(m, FAKE_A_GPA, FAKE_A_SIZE) == fm.a);
	CHECK(t, guest_mem__ptr(m, FAKE_A_GPA + FAKE_A_SIZE - 1, 1) ==
			 fm.a + FAKE_A_SIZE - 1);
	CHECK(t, guest_mem__ptr(m, FAKE_B_GPA + 8, 8) == fm.b + 8);
	CHECK(t, guest_mem__ptr(m, FAKE_END - 4, 4) == fm.b + FAKE_B_SIZE - 4);
	fake_mem__exit(&fm);
}

static void ptr_refuses_outside(struct test_ctx *t)
{
	struct fake_mem fm;
	const struct guest_mem *m = &fm.mem;

	CHECK_EQ(t, fake_mem__init(&fm), 0);
	/* Empty, before RAM, past the end, into and inside the hole. */
	CHECK(t, !guest_mem__ptr(m, FAKE_A_GPA, 0));
	CHECK(t, !guest_mem__ptr(m, FAKE_A_GPA - 1, 1));
	CHECK(t, !guest_mem__ptr(m, FAKE_A_GPA - 1, 2));
	CHECK(t, !guest_mem__ptr(m, FAKE_A_GPA, FAKE_A_SIZE + 1));
	CHECK(t, !guest_mem__ptr(m, FAKE_HOLE_GPA - 1, 2));
	CHECK(t, !guest_mem__ptr(m, FAKE_HOLE_GPA, 1));
	/* Spanning A, the hole and B is still refused. */
	CHECK(t, !guest_mem__ptr(m, FAKE_A_GPA, FAKE_END - FAKE_A_GPA));
	CHECK(t, !guest_mem__ptr(m, FAKE_B_GPA - 1, 2));
	CHECK(t, !guest_mem__ptr(m, FAKE_END - 1, 2));
	CHECK(t, !guest_mem__ptr(m, FAKE_END, 1));
	/* gpa + len wraps around 2^64. */
	CHECK(t, !guest_mem__ptr(m, FAKE_A_GPA, UINT64_MAX));
	CHECK(t, !guest_mem__ptr(m, FAKE_A_GPA + 16, UINT64_MAX - 8));
	CHECK(t, !guest_mem__ptr(m, UINT64_MAX, 2));
	CHECK(t, !guest_mem__ptr(m, UINT64_MAX, 1));
	fake_mem__exit(&fm);
}

static void add_checks(struct test_ctx *t)
{
	struct guest_mem m;
	char buf[64];
	unsigned int i;

	guest_mem__init(&m);
	CHECK_EQ(t, guest_mem__add(&m, 0x1000, 0, buf), -EINVAL);
	CHECK_EQ(t, guest_mem__add(&m, 0x1000, 16, NULL), -EINVAL);
	CHECK_EQ(t, guest_mem__add(&m, UINT64_MAX - 7, 16, buf), -EINVAL);
	CHECK_EQ(t, guest_mem__add(&m, 0x1000, 16, buf), 0);
	CHECK_EQ(t, guest_mem__add(&m, 0x100f, 16, buf + 16), -EEXIST);
	CHECK_EQ(t, guest_mem__add(&m, 0x0ff1, 16, buf + 16), -EEXIST);
	CHECK_EQ(t, guest_mem__add(&m, 0x1010, 16, buf + 16), 0);
	/* Adjacent regions are still two: a range may not straddle them. */
	CHECK(t, !guest_mem__ptr(&m, 0x100f, 2));
	CHECK(t, guest_mem__ptr(&m, 0x1010, 16) == buf + 16);
	for (i = 2; i < GUEST_MEM_MAX_REGIONS; i++)
		CHECK_EQ(t, guest_mem__add(&m, 0x2000 + i * 16, 16, buf), 0);
	CHECK_EQ(t, guest_mem__add(&m, 0x9000, 16, buf), -ENOSPC);
}

TEST_SUITE(guest_mem, TEST(ptr_inside_regions), TEST(ptr_refuses_outside),
	   TEST(add_checks));
