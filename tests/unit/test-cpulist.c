// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/cpulist.h"

#include <errno.h>

#define NR 256

static unsigned int count(const uint64_t *bits)
{
	unsigned int i, n = 0;

	for (i = 0; i < NR; i++)
		n += bits[i / 64] >> (i % 64) & 1;
	return n;
}

/* Parse, then format: the canonical form comes back. */
static void round_trip(struct test_ctx *t, const char *in, const char *want,
		       unsigned int n)
{
	uint64_t bits[NR / 64];
	char buf[128];

	if (cpulist__parse(in, bits, NR)) {
		test__fail(t, __FILE__, __LINE__, "'%s' refused", in);
		return;
	}
	cpulist__format(bits, NR, buf, sizeof(buf));
	if (strcmp(buf, want) || count(bits) != n)
		test__fail(t, __FILE__, __LINE__, "'%s': '%s' (%u), want '%s'",
			   in, buf, count(bits), want);
}

static void good_lists(struct test_ctx *t)
{
	round_trip(t, "0", "0", 1);
	round_trip(t, "255", "255", 1);
	round_trip(t, "0-3", "0-3", 4);
	round_trip(t, "4-7,0-1", "0-1,4-7", 6);
	round_trip(t, "1,2,3", "1-3", 3);
	round_trip(t, "3-3", "3", 1);
	round_trip(t, "0-255", "0-255", 256);
	round_trip(t, "63,64,127-128", "63-64,127-128", 4);
	round_trip(t, "2,2,2", "2", 1);
	round_trip(t, "007", "7", 1);
}

static void bad_lists(struct test_ctx *t)
{
	static const char *const bad[] = {
		"",    ",",	"1,",
		",1",  "1,,2",	"-",
		"-1",  "1-",	"3-1",
		"256", "0-256", " 1",
		"1 ",  "1, 2",	"0x1",
		"a",   "1-2-3", "1:2",
		"+1",  "1.0",	"99999999999999999999999",
	};
	uint64_t bits[NR / 64];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cpulist__parse(bad[i], bits, NR) != -EINVAL)
			test__fail(t, __FILE__, __LINE__, "'%s' taken", bad[i]);
}

static void format_edges(struct test_ctx *t)
{
	uint64_t bits[NR / 64] = { 0 };
	char buf[16];

	cpulist__format(bits, NR, buf, sizeof(buf));
	CHECK_STR(t, buf, "none");
	bits[0] = 0x5555555555555555ULL; /* 0,2,4,...: longer than buf */
	cpulist__format(bits, NR, buf, sizeof(buf));
	CHECK_EQ(t, strlen(buf), sizeof(buf) - 1);
	CHECK(t, !strncmp(buf, "0,2,4,6,8,10,12", 15));
}

TEST_SUITE(cpulist, TEST(good_lists), TEST(bad_lists), TEST(format_edges));
