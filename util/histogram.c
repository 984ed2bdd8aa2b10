// SPDX-License-Identifier: GPL-2.0
/* A log-scale histogram for latencies (see kvm/histogram.h). */
#include "kvm/histogram.h"

#include <stdbool.h>
#include <string.h>

void hist__init(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned int hist__bucket(uint64_t v)
{
	unsigned int e;

	if (v < HIST_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v); /* >= HIST_SUB_BITS */
	return HIST_SUB + (e - HIST_SUB_BITS) * HIST_SUB +
	       (unsigned int)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

uint64_t hist__bucket_low(unsigned int b)
{
	unsigned int e, sub;

	if (b < HIST_SUB)
		return b;
	e = (b - HIST_SUB) / HIST_SUB + HIST_SUB_BITS;
	sub = (b - HIST_SUB) % HIST_SUB;
	return (uint64_t)(HIST_SUB + sub) << (e - HIST_SUB_BITS);
}

uint64_t hist__bucket_width(unsigned int b)
{
	if (b < HIST_SUB)
		return 1;
	return 1ULL << ((b - HIST_SUB) / HIST_SUB);
}

void hist__record(struct histogram *h, uint64_t v)
{
	uint64_t cur;

	cur = __atomic_load_n(&h->min, __ATOMIC_RELAXED);
	while (v < cur &&
	       !__atomic_compare_exchange_n(&h->min, &cur, v, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	cur = __atomic_load_n(&h->max, __ATOMIC_RELAXED);
	while (v > cur &&
	       !__atomic_compare_exchange_n(&h->max, &cur, v, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	/* Released after min and max: whoever sees the count sees them. */
	__atomic_fetch_add(&h->bucket[hist__bucket(v)], 1, __ATOMIC_RELEASE);
}

/* One consistent-enough copy: the buckets, and the count they add up to. */
static uint64_t copy_buckets(const struct histogram *h, uint64_t *b)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < HIST_BUCKETS; i++) {
		b[i] = __atomic_load_n(&h->bucket[i], __ATOMIC_ACQUIRE);
		n += b[i];
	}
	return n;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static uint64_t percentile_of(const uint64_t *b, uint64_t n, double p,
			      uint64_t lo, uint64_t hi)
{
	uint64_t rank, seen = 0, mid;
	unsigned int i;

	if (!n)
		return 0;
	/* Nearest rank: the smallest value with p% of them at or below. */
	rank = (uint64_t)(p / 100.0 * (double)n);
	if ((double)rank < p / 100.0 * (double)n)
		rank++;
	if (rank <= 1)
		return lo; /* and so is the smallest */
	if (rank >= n)
		return hi; /* the largest one is known exactly */
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += b[i];
		if (seen >= rank)
			break;
	}
	if (i == HIST_BUCKETS)
		return hi;
	mid = hist__bucket_low(i) + hist__bucket_width(i) / 2;
	/* The exact extremes beat a bucket's middle. */
	return clamp(mid, lo, hi);
}

uint64_t hist__percentile(const struct histogram *h, double p)
{
	uint64_t b[HIST_BUCKETS], n = copy_buckets(h, b);

	return percentile_of(b, n, p,
			     __atomic_load_n(&h->min, __ATOMIC_RELAXED),
			     __atomic_load_n(&h->max, __ATOMIC_RELAXED));
}

void hist__summary(const struct histogram *h, struct hist_summary *s)
{
	uint64_t b[HIST_BUCKETS];

	memset(s, 0, sizeof(*s));
	s->count = copy_buckets(h, b);
	if (!s->count)
		return;
	s->min = __atomic_load_n(&h->min, __ATOMIC_RELAXED);
	s->max = __atomic_load_n(&h->max, __ATOMIC_RELAXED);
	s->p50 = percentile_of(b, s->count, 50, s->min, s->max);
	s->p99 = percentile_of(b, s->count, 99, s->min, s->max);
}
