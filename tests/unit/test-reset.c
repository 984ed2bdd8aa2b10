// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/reset.h"

#include <errno.h>

struct calls {
	int order[RESET_LIST_MAX + 1];
	unsigned int n;
};

struct dev {
	struct calls *c;
	int id;
};

static void record(void *opaque)
{
	struct dev *d = opaque;

	if (d->c->n < RESET_LIST_MAX + 1)
		d->c->order[d->c->n] = d->id;
	d->c->n++;
}

/* Every callback runs once, with its own opaque, last registered first. */
static void reverse_order(struct test_ctx *t)
{
	struct reset_list l = { 0 };
	struct calls c = { { 0 }, 0 };
	struct dev d[3] = { { &c, 1 }, { &c, 2 }, { &c, 3 } };
	int i;

	for (i = 0; i < 3; i++)
		CHECK_EQ(t, reset_list__add(&l, record, &d[i]), 0);
	reset_list__run(&l);
	CHECK_EQ(t, c.n, 3);
	CHECK_EQ(t, c.order[0], 3);
	CHECK_EQ(t, c.order[1], 2);
	CHECK_EQ(t, c.order[2], 1);
	/* A second reboot runs them all again. */
	reset_list__run(&l);
	CHECK_EQ(t, c.n, 6);
	CHECK_EQ(t, c.order[5], 1);
}

static void empty(struct test_ctx *t)
{
	struct reset_list l = { 0 };

	reset_list__run(&l);
	CHECK_EQ(t, l.nr, 0);
}

static void full_and_bad(struct test_ctx *t)
{
	struct reset_list l = { 0 };
	struct calls c = { { 0 }, 0 };
	struct dev d = { &c, 7 };
	int i;

	for (i = 0; i < RESET_LIST_MAX; i++)
		CHECK_EQ(t, reset_list__add(&l, record, &d), 0);
	CHECK_EQ(t, reset_list__add(&l, record, &d), -ENOSPC);
	CHECK_EQ(t, reset_list__add(&l, NULL, &d), -EINVAL);
	CHECK_EQ(t, reset_list__add(NULL, record, &d), -EINVAL);
	reset_list__run(&l);
	CHECK_EQ(t, c.n, RESET_LIST_MAX);
}

TEST_SUITE(reset, TEST(reverse_order), TEST(empty), TEST(full_and_bad));
