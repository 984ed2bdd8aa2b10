// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kernel-files.h"
#include "kvm/decompress.h"

#include <errno.h>

#define DATA_LEN (256 * 1024)

typedef int (*decomp_fn)(const void *, size_t, void *, size_t, size_t *, char *,
			 size_t);

/*
 * Decompress into a buffer of exactly cap bytes (ASan sees any write past
 * it) and expect ret, and a message holding want when it fails.
 */
static void expect(struct test_ctx *t, int line, decomp_fn fn, const void *src,
		   size_t len, size_t cap, int ret, const char *want)
{
	uint8_t *dst = malloc(cap ? cap : 1);
	size_t out = 12345;
	char err[256] = "";
	int got;

	if (!dst) {
		test__fail(t, __FILE__, line, "out of memory");
		return;
	}
	got = fn(src, len, dst, cap, &out, err, sizeof(err));
	if (got != ret)
		test__fail(t, __FILE__, line, "got %d, want %d (%s)", got, ret,
			   err);
	else if (ret && (!err[0] || (want && !strstr(err, want))))
		test__fail(t, __FILE__, line, "\"%s\" lacks \"%s\"", err,
			   want ? want : "a reason");
	else if (ret && out != 12345)
		test__fail(t, __FILE__, line, "size written on failure");
	free(dst);
}

/* Refused one way or another: a flipped byte may also make it longer. */
static void expect_refused(struct test_ctx *t, int line, decomp_fn fn,
			   const void *src, size_t len, size_t cap)
{
	uint8_t *dst = malloc(cap);
	size_t out = 0;
	char err[256] = "";
	int got;

	if (!dst)
		return;
	got = fn(src, len, dst, cap, &out, err, sizeof(err));
	if ((got != -EINVAL && got != -E2BIG) || !err[0])
		test__fail(t, __FILE__, line, "got %d (%s)", got, err);
	free(dst);
}

static void gzip_good(struct test_ctx *t)
{
	uint8_t *img = kf_image(DATA_LEN, 0, 0), *gz, *dst, *padded;
	size_t gzlen = 0, out = 0;
	char err[256] = "";

	gz = kf_gzip(img, DATA_LEN, &gzlen);
	dst = malloc(DATA_LEN);
	CHECK(t, img && gz && dst && gzlen < DATA_LEN / 4);
	if (!img || !gz || !dst)
		goto out;
	CHECK_EQ(t,
		 decompress__gzip(gz, gzlen, dst, DATA_LEN, &out, err,
				  sizeof(err)),
		 0);
	CHECK_EQ(t, out, DATA_LEN);
	CHECK(t, !memcmp(dst, img, DATA_LEN));
	/* Exactly the cap is not more than the cap; one byte less is. */
	expect(t, __LINE__, decompress__gzip, gz, gzlen, DATA_LEN, 0, NULL);
	expect(t, __LINE__, decompress__gzip, gz, gzlen, DATA_LEN - 1, -E2BIG,
	       "more than 262143 bytes");
	/* Zero padding after the member is fine, anything else is not. */
	padded = calloc(1, gzlen + 512);
	if (padded) {
		memcpy(padded, gz, gzlen);
		expect(t, __LINE__, decompress__gzip, padded, gzlen + 512,
		       DATA_LEN, 0, NULL);
		padded[gzlen + 100] = 1;
		expect(t, __LINE__, decompress__gzip, padded, gzlen + 512,
		       DATA_LEN, -EINVAL, "512 bytes of other data follow");
		/* A second member is other data too. */
		memcpy(padded + gzlen, gz, gzlen < 512 ? gzlen : 512);
		expect(t, __LINE__, decompress__gzip, padded, gzlen + 512,
		       DATA_LEN, -EINVAL, "other data");
		free(padded);
	}
out:
	free(img);
	free(gz);
	free(dst);
}

/* Every prefix of the file is refused as cut short, never taken. */
static void gzip_truncated(struct test_ctx *t)
{
	uint8_t *img = kf_image(DATA_LEN, 0, 0), *gz;
	size_t gzlen = 0, n;

	gz = kf_gzip(img, DATA_LEN, &gzlen);
	CHECK(t, gz != NULL);
	for (n = 0; gz && n < gzlen; n += (n < 64 || n > gzlen - 64) ? 1 : 61)
		expect(t, __LINE__, decompress__gzip, gz, n, DATA_LEN, -EINVAL,
		       "ends early");
	free(img);
	free(gz);
}

static void gzip_corrupt(struct test_ctx *t)
{
	uint8_t *img = kf_image(DATA_LEN, 0, 0), *gz;
	size_t gzlen = 0, i;

	gz = kf_gzip(img, DATA_LEN, &gzlen);
	CHECK(t, gz && gzlen > 64);
	if (!gz || gzlen <= 64)
		goto out;
	/* The compression method: 8 (deflate) is the only one. */
	gz[2] = 9;
	expect(t, __LINE__, decompress__gzip, gz, gzlen, DATA_LEN, -EINVAL,
	       "corrupt gzip data (unknown compression method)");
	gz[2] = 8;
	/* The CRC, then the length in the trailer. */
	gz[gzlen - 8] ^= 1;
	expect(t, __LINE__, decompress__gzip, gz, gzlen, DATA_LEN, -EINVAL,
	       "incorrect data check");
	gz[gzlen - 8] ^= 1;
	gz[gzlen - 4] ^= 1;
	expect(t, __LINE__, decompress__gzip, gz, gzlen, DATA_LEN, -EINVAL,
	       "incorrect length check");
	gz[gzlen - 4] ^= 1;
	/* Any flipped byte in the data: refused, whatever zlib noticed. */
	for (i = 10; i < gzlen - 8; i += 97) {
		gz[i] ^= 0x55;
		expect_refused(t, __LINE__, decompress__gzip, gz, gzlen,
			       DATA_LEN);
		gz[i] ^= 0x55;
	}
	expect(t, __LINE__, decompress__gzip, gz, gzlen, DATA_LEN, 0, NULL);
out:
	free(img);
	free(gz);
}

/*
 * A bomb: 64 MiB of zeros in 64 KiB of gzip. Its end is cut off, so only
 * inflating all of it would find the file truncated: being refused for the
 * cap shows it stopped there.
 */
static void gzip_bomb_stops_at_cap(struct test_ctx *t)
{
	size_t big = 64 << 20, gzlen = 0;
	uint8_t *zeros = calloc(1, big), *gz = NULL;

	if (zeros)
		gz = kf_gzip(zeros, big, &gzlen);
	CHECK(t, gz && gzlen < big / 500);
	if (gz) {
		expect(t, __LINE__, decompress__gzip, gz, gzlen - 1000, 1 << 20,
		       -E2BIG, "the gzip data unpacks to more than 1 MiB");
		expect(t, __LINE__, decompress__gzip, gz, gzlen - 1000, big,
		       -EINVAL, "ends early");
	}
	free(zeros);
	free(gz);
}

static void zstd_good(struct test_ctx *t)
{
	uint8_t *img = kf_image(DATA_LEN, 0, 0), *z[2] = { NULL, NULL };
	size_t zlen[2] = { 0, 0 }, out = 0;
	uint8_t *dst = malloc(DATA_LEN);
	char err[256] = "";
	int i;

	for (i = 0; i < 2; i++) {
		z[i] = kf_zstd(img, DATA_LEN, i, &zlen[i]);
		CHECK(t, z[i] != NULL);
		if (!z[i] || !dst)
			continue;
		memset(dst, 0, DATA_LEN);
		CHECK_EQ(t,
			 decompress__zstd(z[i], zlen[i], dst, DATA_LEN, &out,
					  err, sizeof(err)),
			 0);
		CHECK_EQ(t, out, DATA_LEN);
		CHECK(t, !memcmp(dst, img, DATA_LEN));
		expect(t, __LINE__, decompress__zstd, z[i], zlen[i], DATA_LEN,
		       0, NULL);
	}
	/* Too big: known at once from the frame header, or found on the way. */
	if (z[1])
		expect(t, __LINE__, decompress__zstd, z[1], zlen[1],
		       DATA_LEN - 1, -E2BIG,
		       "unpacks to 262144 bytes, more than 262143 bytes");
	if (z[0])
		expect(t, __LINE__, decompress__zstd, z[0], zlen[0],
		       DATA_LEN - 1, -E2BIG, "more than 262143 bytes");
	free(img);
	free(z[0]);
	free(z[1]);
	free(dst);
}

static void zstd_bad(struct test_ctx *t)
{
	uint8_t *img = kf_image(DATA_LEN, 0, 0), *z, *more;
	size_t zlen = 0, n;

	z = kf_zstd(img, DATA_LEN, false, &zlen);
	CHECK(t, z && zlen > 64);
	if (!z || zlen <= 64)
		goto out;
	for (n = 0; n < zlen; n += (n < 64 || n > zlen - 64) ? 1 : 53)
		expect(t, __LINE__, decompress__zstd, z, n, DATA_LEN, -EINVAL,
		       NULL);
	expect(t, __LINE__, decompress__zstd, z, zlen - 10, DATA_LEN, -EINVAL,
	       "ends early");
	/* The checksum at the end. */
	z[zlen - 1] ^= 1;
	expect(t, __LINE__, decompress__zstd, z, zlen, DATA_LEN, -EINVAL,
	       "corrupt zstd data");
	z[zlen - 1] ^= 1;
	for (n = 6; n < zlen - 4; n += 89) {
		z[n] ^= 0x55;
		expect_refused(t, __LINE__, decompress__zstd, z, zlen,
			       DATA_LEN);
		z[n] ^= 0x55;
	}
	/* Garbage after the frame. */
	more = malloc(zlen + 16);
	if (more) {
		memcpy(more, z, zlen);
		memset(more + zlen, 0xab, 16);
		expect(t, __LINE__, decompress__zstd, more, zlen + 16, DATA_LEN,
		       -EINVAL, NULL);
		free(more);
	}
out:
	free(img);
	free(z);
}

/* zstd's bomb: 64 MiB of zeros, size unknown to the frame header. */
static void zstd_bomb_stops_at_cap(struct test_ctx *t)
{
	size_t big = 64 << 20, zlen = 0;
	uint8_t *zeros = calloc(1, big), *z = NULL;

	if (zeros)
		z = kf_zstd(zeros, big, false, &zlen);
	CHECK(t, z && zlen < big / 500);
	if (z)
		expect(t, __LINE__, decompress__zstd, z, zlen, 1 << 20, -E2BIG,
		       "the zstd data unpacks to more than 1 MiB");
	free(zeros);
	free(z);
}

TEST_SUITE(decompress, TEST(gzip_good), TEST(gzip_truncated),
	   TEST(gzip_corrupt), TEST(gzip_bomb_stops_at_cap), TEST(zstd_good),
	   TEST(zstd_bad), TEST(zstd_bomb_stops_at_cap));
