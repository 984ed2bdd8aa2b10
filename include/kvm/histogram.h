/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__HISTOGRAM_H
#define KVM__HISTOGRAM_H

/*
 * A fixed-size, log-scale histogram of 64-bit values (latencies in ns):
 * values below 16 have a bucket each; above, every power of two is cut in
 * 16 equal buckets, so a bucket is at most 1/16 of its values wide and a
 * percentile, reported as its bucket's middle, is within 1/32 (3.2%) of
 * the true value. Count, min and max are exact. 976 buckets, 7.8 KiB, no
 * allocation. hist__record() may be called from several threads at once
 * (relaxed atomics); a summary taken meanwhile sees each record whole or
 * not at all in the buckets, and counts what the buckets hold.
 */

#include <stdint.h>

#define HIST_SUB_BITS 4
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (HIST_SUB + (64 - HIST_SUB_BITS) * HIST_SUB)

struct histogram {
	uint64_t min; /* UINT64_MAX while empty */
	uint64_t max;
	uint64_t bucket[HIST_BUCKETS];
};

struct hist_summary {
	uint64_t count;
	uint64_t min, p50, p99, max; /* 0 when count is 0 */
};

void hist__init(struct histogram *h);
void hist__record(struct histogram *h, uint64_t v);
/* Nearest-rank percentile p (0 < p <= 100) of what h holds; 0 if empty. */
uint64_t hist__percentile(const struct histogram *h, double p);
void hist__summary(const struct histogram *h, struct hist_summary *s);

/* Bucket arithmetic, exposed for the tests. */
unsigned int hist__bucket(uint64_t v);
uint64_t hist__bucket_low(unsigned int b);
uint64_t hist__bucket_width(unsigned int b);

#endif /* KVM__HISTOGRAM_H */
