// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/util.h"

static long long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 +
	       (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void deadline_ms(struct test_ctx *t)
{
	static const unsigned int cases[] = { 0, 1, 999, 1000, 1500, 2999 };
	struct timespec now, d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		time__deadline_ms(CLOCK_MONOTONIC, cases[i], &d);
		/* Normalised, and ms later (the clock moves a little). */
		CHECK(t, d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
		CHECK(t, ms_between(&now, &d) >= cases[i]);
		CHECK(t, ms_between(&now, &d) <= cases[i] + 1000);
	}
}

TEST_SUITE(time, TEST(deadline_ms));
