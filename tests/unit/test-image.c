// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/image.h"
#include "kvm/util.h"

#include <errno.h>

/* Room for a header plus a little "kernel" after it. */
#define FILE_LEN 4096

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A header as arch/arm64/kernel/head.S lays it out. */
static void make_header(uint8_t *buf, size_t len, uint64_t text_offset,
			uint64_t image_size, uint64_t flags)
{
	memset(buf, 0, len);
	put_le32(buf + 0, 0x91005a4d); /* code0: "MZ" + add, as with EFI */
	put_le32(buf + 4, 0x14000000); /* code1: b stext */
	put_le64(buf + 8, text_offset);
	put_le64(buf + 16, image_size);
	put_le64(buf + 24, flags);
	put_le64(buf + 32, 0); /* res2 */
	put_le64(buf + 40, 0); /* res3 */
	put_le64(buf + 48, 0); /* res4 */
	put_le32(buf + 56, ARM64_IMAGE_MAGIC);
	put_le32(buf + 60, 0x40); /* res5: PE header offset */
}

/* Parse and expect failure with `ret` and a message containing `want`. */
static void expect_err(struct test_ctx *t, int line, const uint8_t *buf,
		       size_t len, int ret, const char *want)
{
	struct arm64_image img;
	char err[256];
	int got;

	memset(err, 0, sizeof(err));
	got = image__parse(buf, len, &img, err, sizeof(err));
	if (got != ret)
		test__fail(t, __FILE__, line, "got %d, want %d (%s)", got, ret,
			   err);
	else if (!err[0])
		test__fail(t, __FILE__, line, "empty message");
	else if (want && !strstr(err, want))
		test__fail(t, __FILE__, line, "\"%s\" lacks \"%s\"", err, want);
}

static void magic_value(struct test_ctx *t)
{
	uint8_t b[4];

	put_le32(b, ARM64_IMAGE_MAGIC);
	CHECK(t, !memcmp(b, "ARM\x64", 4));
	CHECK_EQ(t, ARM64_IMAGE_HEADER_SIZE, 64);
}

static void good_header(struct test_ctx *t)
{
	static uint8_t buf[FILE_LEN];
	struct arm64_image img;
	char err[128] = "";

	make_header(buf, sizeof(buf), 0x80000, 0x2000000, 0xa);
	memset(&img, 0xa5, sizeof(img));
	CHECK_EQ(t, image__parse(buf, sizeof(buf), &img, err, sizeof(err)), 0);
	CHECK_EQ(t, img.text_offset, 0x80000);
	CHECK_EQ(t, img.image_size, 0x2000000);
	CHECK_EQ(t, img.file_size, sizeof(buf));
	CHECK(t, !img.big_endian);

	/* text_offset 0 with a 64-bit value above 32 bits in image_size. */
	make_header(buf, sizeof(buf), 0, 0x100000000ULL, 0);
	CHECK_EQ(t, image__parse(buf, sizeof(buf), &img, err, sizeof(err)), 0);
	CHECK_EQ(t, img.text_offset, 0);
	CHECK(t, img.image_size == 0x100000000ULL);

	/* image_size may equal the file size exactly. */
	make_header(buf, sizeof(buf), 0x1000, sizeof(buf), 0);
	CHECK_EQ(t, image__parse(buf, sizeof(buf), &img, err, sizeof(err)), 0);
	CHECK_EQ(t, img.image_size, sizeof(buf));
	CHECK_EQ(t, img.text_offset, 0x1000);

	/* The largest legal text_offset. */
	make_header(buf, sizeof(buf), SZ_2M - SZ_4K, SZ_1M, 0);
	CHECK_EQ(t, image__parse(buf, sizeof(buf), &img, err, sizeof(err)), 0);
	CHECK_EQ(t, img.text_offset, SZ_2M - SZ_4K);
}

static void only_header(struct test_ctx *t)
{
	uint8_t buf[64];
	struct arm64_image img;
	char err[128];

	make_header(buf, sizeof(buf), 0, SZ_1M, 0);
	CHECK_EQ(t, image__parse(buf, sizeof(buf), &img, err, sizeof(err)), 0);
	CHECK_EQ(t, img.file_size, 64);
	CHECK_EQ(t, img.image_size, SZ_1M);
}

static void big_endian_flag(struct test_ctx *t)
{
	static uint8_t buf[FILE_LEN];
	struct arm64_image img;
	char err[128];

	make_header(buf, sizeof(buf), 0, SZ_1M, 1);
	CHECK_EQ(t, image__parse(buf, sizeof(buf), &img, err, sizeof(err)), 0);
	CHECK(t, img.big_endian);
	/* Page size and placement bits do not make it big-endian. */
	make_header(buf, sizeof(buf), 0, SZ_1M, 0xe);
	CHECK_EQ(t, image__parse(buf, sizeof(buf), &img, err, sizeof(err)), 0);
	CHECK(t, !img.big_endian);
	make_header(buf, sizeof(buf), 0, SZ_1M, 0xf);
	CHECK_EQ(t, image__parse(buf, sizeof(buf), &img, err, sizeof(err)), 0);
	CHECK(t, img.big_endian);
}

static void truncated(struct test_ctx *t)
{
	static uint8_t buf[FILE_LEN];
	struct arm64_image img;
	char err[128];

	make_header(buf, sizeof(buf), 0, SZ_1M, 0);
	expect_err(t, __LINE__, buf, 63, -EINVAL, "63 bytes");
	expect_err(t, __LINE__, buf, 57, -EINVAL, "short");
	expect_err(t, __LINE__, buf, 1, -EINVAL, "short");
	expect_err(t, __LINE__, buf, 0, -EINVAL, "0 bytes");
	/* Nothing is read from an empty file. */
	memset(err, 0, sizeof(err));
	CHECK_EQ(t, image__parse(NULL, 0, &img, err, sizeof(err)), -EINVAL);
	CHECK(t, err[0] != 0);
}

static void wrong_magic(struct test_ctx *t)
{
	static uint8_t buf[FILE_LEN];

	/* An otherwise good header with one magic byte off. */
	make_header(buf, sizeof(buf), 0, SZ_1M, 0);
	buf[59] = 0x65;
	expect_err(t, __LINE__, buf, sizeof(buf), -EINVAL, "arm64");
	/* Big-endian magic is still wrong magic. */
	make_header(buf, sizeof(buf), 0, SZ_1M, 0);
	memcpy(buf + 56, "\x64MRA", 4);
	expect_err(t, __LINE__, buf, sizeof(buf), -EINVAL, NULL);

	memset(buf, 0, sizeof(buf));
	expect_err(t, __LINE__, buf, sizeof(buf), -EINVAL, "not an arm64");
}

/* Other formats are told apart by kernel__probe (test-kernel.c). */
static void other_formats_not_images(struct test_ctx *t)
{
	static const char heads[][16] = {
		"\x1f\x8b\x08\x00",
		"MZ\0\0zimg",
		"\x7f"
		"ELF\x02\x01\x01",
		"070701000000",
	};
	static uint8_t buf[FILE_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(heads); i++) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, heads[i], 8);
		expect_err(t, __LINE__, buf, sizeof(buf), -EINVAL,
			   "not an arm64 Linux Image");
	}
}

static void flat(struct test_ctx *t)
{
	struct arm64_image img;

	memset(&img, 0xa5, sizeof(img));
	image__flat(12345, &img);
	CHECK_EQ(t, img.text_offset, 0x80000);
	CHECK_EQ(t, ARM64_FLAT_OFFSET, 0x80000);
	CHECK_EQ(t, img.image_size, 12345);
	CHECK_EQ(t, img.file_size, 12345);
	CHECK(t, !img.big_endian);
}

static void legacy_image_size(struct test_ctx *t)
{
	static uint8_t buf[FILE_LEN];
	struct arm64_image img;
	char err[128];

	/* Pre-3.17: image_size 0, text_offset whatever it happens to be. */
	make_header(buf, sizeof(buf), 0x12345, 0, 0);
	CHECK_EQ(t, image__parse(buf, sizeof(buf), &img, err, sizeof(err)), 0);
	CHECK_EQ(t, img.text_offset, ARM64_LEGACY_TEXT_OFFSET);
	CHECK_EQ(t, ARM64_LEGACY_TEXT_OFFSET, 0x80000);
	CHECK_EQ(t, img.image_size, sizeof(buf));
	CHECK_EQ(t, img.file_size, sizeof(buf));

	make_header(buf, sizeof(buf), 0, 0, 0);
	CHECK_EQ(t, image__parse(buf, 1000, &img, err, sizeof(err)), 0);
	CHECK_EQ(t, img.text_offset, 0x80000);
	CHECK_EQ(t, img.image_size, 1000);
}

static void bad_text_offset(struct test_ctx *t)
{
	static const uint64_t bad[] = {
		0x80001,
		0x800,
		0x7ff00,
		SZ_2M,
		SZ_2M + SZ_4K,
		SZ_1G,
		0x8000000000000000ULL,
		UINT64_MAX,
	};
	static uint8_t buf[FILE_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_header(buf, sizeof(buf), bad[i], SZ_1M, 0);
		expect_err(t, __LINE__, buf, sizeof(buf), -EINVAL,
			   "text_offset");
	}
}

static void image_size_below_file(struct test_ctx *t)
{
	static uint8_t buf[FILE_LEN];

	make_header(buf, sizeof(buf), 0, sizeof(buf) - 1, 0);
	expect_err(t, __LINE__, buf, sizeof(buf), -EINVAL, "4096");
	make_header(buf, sizeof(buf), 0, 64, 0);
	expect_err(t, __LINE__, buf, sizeof(buf), -EINVAL, "bytes");
}

static void absurd_image_size(struct test_ctx *t)
{
	static uint8_t buf[FILE_LEN];
	struct arm64_image img;
	char err[128];
	int ret;

	make_header(buf, sizeof(buf), 0, 4 * SZ_1G + 1, 0);
	ret = image__parse(buf, sizeof(buf), &img, err, sizeof(err));
	CHECK(t, ret == -E2BIG || ret == -EINVAL);
	CHECK(t, strstr(err, "size") != NULL);

	make_header(buf, sizeof(buf), 0, UINT64_MAX, 0);
	ret = image__parse(buf, sizeof(buf), &img, err, sizeof(err));
	CHECK(t, ret == -E2BIG || ret == -EINVAL);

	/* Exactly 4 GiB is still accepted. */
	make_header(buf, sizeof(buf), 0, 4 * SZ_1G, 0);
	CHECK_EQ(t, image__parse(buf, sizeof(buf), &img, err, sizeof(err)), 0);
	CHECK(t, img.image_size == 4 * SZ_1G);
}

TEST_SUITE(image, TEST(magic_value), TEST(good_header), TEST(only_header),
	   TEST(big_endian_flag), TEST(truncated), TEST(wrong_magic),
	   TEST(other_formats_not_images), TEST(flat), TEST(legacy_image_size),
	   TEST(bad_text_offset), TEST(image_size_below_file),
	   TEST(absurd_image_size));
