// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/histogram.h"

#include <pthread.h>
#include <stdlib.h>

static void buckets_cover_every_value(struct test_ctx *t)
{
	static const uint64_t v[] = { 0,
				      1,
				      15,
				      16,
				      17,
				      31,
				      32,
				      33,
				      1000,
				      4095,
				      4096,
				      1234567,
				      UINT64_MAX / 3,
				      UINT64_MAX };
	unsigned int i, b;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		b = hist__bucket(v[i]);
		CHECK(t, b < HIST_BUCKETS);
		CHECK(t, hist__bucket_low(b) <= v[i]);
		CHECK(t, v[i] - hist__bucket_low(b) < hist__bucket_width(b));
		/* At most 1/16 of its values wide. */
		CHECK(t, hist__bucket_width(b) * HIST_SUB <=
				 (hist__bucket_low(b) > HIST_SUB ?
					  hist__bucket_low(b) :
					  HIST_SUB));
	}
	CHECK_EQ(t, hist__bucket(UINT64_MAX), HIST_BUCKETS - 1);
	/* Consecutive buckets tile the line. */
	for (b = 0; b + 1 < HIST_BUCKETS; b++) {
		CHECK_EQ(t, hist__bucket_low(b) + hist__bucket_width(b),
			 hist__bucket_low(b + 1));
		if (t->failed)
			return;
	}
}

static void empty(struct test_ctx *t)
{
	struct histogram h;
	struct hist_summary s;

	hist__init(&h);
	hist__summary(&h, &s);
	CHECK_EQ(t, s.count, 0);
	CHECK_EQ(t, s.min, 0);
	CHECK_EQ(t, s.max, 0);
	CHECK_EQ(t, s.p50, 0);
	CHECK_EQ(t, hist__percentile(&h, 50), 0);
}

/* |got - want| within 1/32 of want (a bucket's half width). */
static bool close_to(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;

	return d * 32 <= want + 32;
}

static void percentiles(struct test_ctx *t)
{
	struct histogram h;
	struct hist_summary s;
	uint64_t i;

	hist__init(&h);
	/* 1..1000 us, in ns: median 500 us, p99 990 us. */
	for (i = 1000; i >= 1; i--)
		hist__record(&h, i * 1000);
	hist__summary(&h, &s);
	CHECK_EQ(t, s.count, 1000);
	CHECK_EQ(t, s.min, 1000);
	CHECK_EQ(t, s.max, 1000000);
	CHECK(t, close_to(s.p50, 500000));
	CHECK(t, close_to(s.p99, 990000));
	CHECK(t, close_to(hist__percentile(&h, 10), 100000));
	CHECK_EQ(t, hist__percentile(&h, 100), 1000000);
	/* Small values are exact. */
	hist__init(&h);
	hist__record(&h, 3);
	hist__record(&h, 7);
	hist__record(&h, 7);
	hist__summary(&h, &s);
	CHECK_EQ(t, s.count, 3);
	CHECK_EQ(t, s.p50, 7);
	CHECK_EQ(t, s.min, 3);
	CHECK_EQ(t, hist__percentile(&h, 33), 3);
	CHECK_EQ(t, hist__percentile(&h, 34), 7);
}

static void one_value(struct test_ctx *t)
{
	struct histogram h;
	struct hist_summary s;

	/* Min and max are exact and bound every percentile. */
	hist__init(&h);
	hist__record(&h, 1234567);
	hist__summary(&h, &s);
	CHECK_EQ(t, s.count, 1);
	CHECK_EQ(t, s.min, 1234567);
	CHECK_EQ(t, s.p50, 1234567);
	CHECK_EQ(t, s.p99, 1234567);
	CHECK_EQ(t, s.max, 1234567);
	hist__record(&h, UINT64_MAX);
	hist__summary(&h, &s);
	CHECK_EQ(t, s.max, UINT64_MAX);
	CHECK_EQ(t, s.p99, UINT64_MAX);
}

/* A percentile is its bucket's middle, exactly (min and max bound it). */
static void bucket_middle(struct test_ctx *t)
{
	struct histogram h;
	struct hist_summary s;
	int i;

	hist__init(&h);
	for (i = 0; i < 100; i++) {
		hist__record(&h, 1000); /* bucket [992, 1024) */
		hist__record(&h, 5000); /* bucket [4864, 5120) */
	}
	hist__summary(&h, &s);
	CHECK_EQ(t, hist__bucket_low(hist__bucket(1000)), 992);
	CHECK_EQ(t, hist__bucket_width(hist__bucket(1000)), 32);
	CHECK_EQ(t, s.p50, 1008);
	CHECK_EQ(t, s.p99, 4992);
	CHECK_EQ(t, s.min, 1000);
	CHECK_EQ(t, s.max, 5000);
}

/* A tail: 990 fast calls and 10 slow ones. */
static void tail(struct test_ctx *t)
{
	struct histogram h;
	struct hist_summary s;
	int i;

	hist__init(&h);
	for (i = 0; i < 990; i++)
		hist__record(&h, 100000);
	for (i = 0; i < 10; i++)
		hist__record(&h, 50000000);
	hist__summary(&h, &s);
	CHECK(t, close_to(s.p50, 100000));
	CHECK(t, close_to(s.p99, 100000)); /* rank 990 is still fast */
	CHECK(t, close_to(hist__percentile(&h, 99.1), 50000000));
	CHECK_EQ(t, s.max, 50000000);
}

#define RECORDERS 4
#define RECORDS 20000

static void *recorder_fn(void *arg)
{
	struct histogram *h = arg;
	uint64_t i;

	for (i = 1; i <= RECORDS; i++)
		hist__record(h, i);
	return NULL;
}

/* vCPU threads record while the control thread reads. */
static void concurrent(struct test_ctx *t)
{
	static struct histogram h;
	struct hist_summary s;
	pthread_t th[RECORDERS];
	int i, bad = 0;

	hist__init(&h);
	for (i = 0; i < RECORDERS; i++)
		pthread_create(&th[i], NULL, recorder_fn, &h);
	for (i = 0; i < 200; i++) {
		hist__summary(&h, &s);
		if (s.count && (s.min > s.p50 || s.p50 > s.max || s.min < 1))
			bad++;
	}
	for (i = 0; i < RECORDERS; i++)
		pthread_join(th[i], NULL);
	hist__summary(&h, &s);
	CHECK_EQ(t, bad, 0);
	CHECK_EQ(t, s.count, RECORDERS * RECORDS);
	CHECK_EQ(t, s.min, 1);
	CHECK_EQ(t, s.max, RECORDS);
	CHECK(t, close_to(s.p50, RECORDS / 2));
}

TEST_SUITE(histogram, TEST(buckets_cover_every_value), TEST(empty),
	   TEST(percentiles), TEST(bucket_middle), TEST(one_value), TEST(tail),
	   TEST(concurrent));
