/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TESTS__TEST_H
#define TESTS__TEST_H

/*
 * A very small unit-test harness. Each test is a function that records
 * failures with CHECK(); the runner prints "PASS name" or
 * "FAIL name: reason" per test and a closing "N passed, N failed".
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct test_ctx {
	bool failed;
	char reason[256];
};

typedef void (*test_fn)(struct test_ctx *t);

struct test_case {
	const char *name;
	test_fn fn;
};

void test__fail(struct test_ctx *t, const char *file, int line, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

#define CHECK(t, cond)                                                  \
	do {                                                            \
		if (!(cond))                                            \
			test__fail(t, __FILE__, __LINE__, "%s", #cond); \
	} while (0)

#define CHECK_EQ(t, a, b)                                                 \
	do {                                                              \
		long long _a = (long long)(a), _b = (long long)(b);       \
		if (_a != _b)                                             \
			test__fail(t, __FILE__, __LINE__,                 \
				   "%s == %s (0x%llx != 0x%llx)", #a, #b, \
				   (unsigned long long)_a,                \
				   (unsigned long long)_b);               \
	} while (0)

#define CHECK_STR(t, a, b)                                                  \
	do {                                                                \
		const char *_a = (a), *_b = (b);                            \
		if (!_a || !_b || strcmp(_a, _b))                           \
			test__fail(t, __FILE__, __LINE__,                   \
				   "%s == %s (\"%s\" != \"%s\")", #a, #b,   \
				   _a ? _a : "(null)", _b ? _b : "(null)"); \
	} while (0)

/* Each test file defines one suite with TEST_SUITE(). */
struct test_suite {
	const char *name;
	const struct test_case *cases;
	size_t nr;
};

#define TEST_SUITE(sname, ...)                                           \
	static const struct test_case sname##_cases[] = { __VA_ARGS__ }; \
	const struct test_suite sname##_suite = {                        \
		.name = #sname,                                          \
		.cases = sname##_cases,                                  \
		.nr = sizeof(sname##_cases) / sizeof(sname##_cases[0]),  \
	}

#define TEST(fn)        \
	{               \
#fn, fn \
	}

#endif /* TESTS__TEST_H */
