/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TESTS__FUZZ_H
#define TESTS__FUZZ_H

/*
 * Shared by the libFuzzer targets: an input read as a stream of little
 * fields (zero once it runs out), the fake guest RAM, and, when built
 * with -DFUZZ_SEEDS, a writer for the same format that makes the seed
 * corpus (tests/fuzz/corpus/<target>/).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-mem.h"

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t in_get(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

/* Up to len bytes of the input into dst (fewer once it runs out). */
static inline size_t in_copy(struct input *in, void *dst, size_t len)
{
	size_t n = len < in->n ? len : in->n;

	memcpy(dst, in->p, n);
	in->p += n;
	in->n -= n;
	return n;
}

#define IN8(in) ((uint8_t)in_get(in, 1))
#define IN16(in) ((uint16_t)in_get(in, 2))
#define IN32(in) ((uint32_t)in_get(in, 4))
#define IN64(in) in_get(in, 8)

/*
 * A guest address from the input: mostly inside or near the fake RAM so
 * the fuzzer reaches the interesting edges, sometimes anything at all.
 */
static inline uint64_t in_gpa(struct input *in)
{
	uint8_t how = IN8(in);
	uint32_t off = IN32(in);

	switch (how % 4) {
	case 0:
		return FAKE_A_GPA + off % (FAKE_A_SIZE + 64);
	case 1:
		return FAKE_B_GPA + off % (FAKE_B_SIZE + 64);
	case 2:
		return FAKE_HOLE_GPA - 64 + off % (FAKE_HOLE_SIZE + 128);
	}
	return IN64(in);
}

/* One fake RAM for the whole run; cleared for every input. */
static inline struct fake_mem *fuzz_mem(void)
{
	static struct fake_mem fm;
	static int ready;

	if (!ready) {
		if (fake_mem__init(&fm))
			abort();
		ready = 1;
	}
	fake_mem__clear(&fm);
	return &fm;
}

/* A finding: print why and abort, so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                  \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                    \
			abort();                                           \
		}                                                          \
	} while (0)

#ifdef FUZZ_SEEDS
struct seed {
	uint8_t buf[4096];
	size_t n;
};

static inline void put(struct seed *s, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes && s->n < sizeof(s->buf); i++)
		s->buf[s->n++] = v >> (8 * i);
}

/* The in_gpa() encoding of an address in region A. */
static inline void put_gpa_a(struct seed *s, uint64_t gpa)
{
	put(s, 0, 1);
	put(s, gpa - FAKE_A_GPA, 4);
}

static inline void seed_write(const char *dir, const char *name,
			      const struct seed *s)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s->buf, 1, s->n, f) != s->n || fclose(f)) {
		perror(path);
		exit(1);
	}
}
#endif

#endif /* TESTS__FUZZ_H */
