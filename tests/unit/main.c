// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

#define SUITE(name) extern const struct test_suite name##_suite;
#include "suites.h"
#undef SUITE

static const struct test_suite *suites[] = {
#define SUITE(name) &name##_suite,
#include "suites.h"
#undef SUITE
};

void test__fail(struct test_ctx *t, const char *file, int line, const char *fmt,
		...)
{
	va_list ap;
	int n;

	if (t->failed)
		return; /* keep the first reason */
	t->failed = true;
	n = snprintf(t->reason, sizeof(t->reason), "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(t->reason))
		return;
	va_start(ap, fmt);
	vsnprintf(t->reason + n, sizeof(t->reason) - n, fmt, ap);
	va_end(ap);
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	const char *prefix = getenv("TEST_PREFIX");
	unsigned int passed = 0, failed = 0;
	size_t s, c;

	if (!prefix)
		prefix = "unit";

	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		const struct test_suite *suite = suites[s];

		for (c = 0; c < suite->nr; c++) {
			struct test_ctx t = { 0 };
			const struct test_case *tc = &suite->cases[c];

			if (filter && !strstr(tc->name, filter) &&
			    strcmp(suite->name, filter))
				continue;
			tc->fn(&t);
			if (t.failed) {
				printf("FAIL %s/%s/%s: %s\n", prefix,
				       suite->name, tc->name, t.reason);
				failed++;
			} else {
				printf("PASS %s/%s/%s\n", prefix, suite->name,
				       tc->name);
				passed++;
			}
			fflush(stdout);
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
