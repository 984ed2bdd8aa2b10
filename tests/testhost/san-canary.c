// SPDX-License-Identifier: GPL-2.0
/*
 * A program that makes one sanitizer report on purpose, built with the
 * flags of the sanitized lkvm (make lkvm-arm64-ubsan, lkvm-arm64-asan).
 * The sanitized test host runs first check that its report is seen where
 * lkvm's would be, so "no report" later means none was made, not that
 * reports got lost. Not part of lkvm.
 *
 *   san-canary shift   a shift past the width of int (UBSan)
 *   san-canary heap    a read one byte past a heap block (ASan)
 *   san-canary ok      no report, exit 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* noinline and volatile: the compiler must not see the values. */
static volatile char sink;

static __attribute__((noinline)) int shift(volatile int by)
{
	volatile int one = 1;

	return one << by;
}

static __attribute__((noinline)) void heap_overflow(volatile size_t len)
{
	char *volatile p = malloc(len);

	if (!p)
		return;
	memset(p, 0, len);
	sink = p[len];
	free(p);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: san-canary shift|heap|ok\n");
		return 2;
	}
	if (!strcmp(argv[1], "shift")) {
		printf("%d\n", shift(40 + argc));
	} else if (!strcmp(argv[1], "heap")) {
		heap_overflow(16);
	} else if (strcmp(argv[1], "ok")) {
		fprintf(stderr, "san-canary: unknown '%s'\n", argv[1]);
		return 2;
	}
	printf("san-canary: %s: no report\n", argv[1]);
	return 0;
}
