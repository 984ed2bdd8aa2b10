// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kernel-files.h"
#include "kvm/kernel.h"
#include "kvm/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define IMG_LEN (128 * 1024)
#define CAP (1 << 20)

/* kernel__probe must refuse buf with a message holding want. */
static void expect_refused(struct test_ctx *t, int line, const void *buf,
			   size_t len, uint64_t file_size, const char *want)
{
	struct kernel_probe p;
	char err[256] = "";
	int ret = kernel__probe(buf, len, file_size, &p, err, sizeof(err));

	if (ret != -EINVAL)
		test__fail(t, __FILE__, line, "got %d, format %d (%s)", ret,
			   p.format, err);
	else if (!strstr(err, want))
		test__fail(t, __FILE__, line, "\"%s\" lacks \"%s\"", err, want);
}

static void expect_format(struct test_ctx *t, int line, const void *buf,
			  size_t len, enum kernel_format want)
{
	struct kernel_probe p;
	char err[256] = "";
	int ret = kernel__probe(buf, len, len, &p, err, sizeof(err));

	if (ret || p.format != want)
		test__fail(t, __FILE__, line, "got %d, format %s, want %s (%s)",
			   ret, kernel__format_name(p.format),
			   kernel__format_name(want), err);
}

static void probe_formats(struct test_ctx *t)
{
	static const struct {
		const char *head;
		size_t len;
		const char *want;
	} refused[] = {
		{ "\x7f"
		  "ELF\x02\x01\x01",
		  7, "an ELF file" },
		{ "070701000000", 12, "a cpio archive" },
		{ "070702000000", 12, "a cpio archive" },
		{ "\xfd"
		  "7zXZ\0\0",
		  8, "an xz file" },
		{ "\x04\x22\x4d\x18", 4, "an lz4 file" },
		{ "\x02\x21\x4c\x18", 4, "an lz4 file" },
		{ "BZh91AY&SY", 10, "a bzip2 file" },
		{ "\x89LZO\0\r\n\x1a\n", 9, "an lzop file" },
		{ "\x27\x05\x19\x56", 4, "a U-Boot legacy image" },
	};
	uint8_t *img = kf_image(4096, 0, 0), buf[4096];
	size_t i;

	CHECK(t, img != NULL);
	if (!img)
		return;
	expect_format(t, __LINE__, img, 4096, KERNEL_IMAGE);
	/* Only the head is looked at; the file may be far longer. */
	expect_format(t, __LINE__, img, KERNEL_PROBE_LEN, KERNEL_IMAGE);

	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\x1f\x8b\x08", 3);
	expect_format(t, __LINE__, buf, sizeof(buf), KERNEL_GZIP);
	expect_format(t, __LINE__, buf, 2, KERNEL_GZIP);
	memcpy(buf, "\x28\xb5\x2f\xfd", 4);
	expect_format(t, __LINE__, buf, sizeof(buf), KERNEL_ZSTD);

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, refused[i].head, refused[i].len);
		expect_refused(t, __LINE__, buf, sizeof(buf), sizeof(buf),
			       refused[i].want);
	}

	/* Without any of those magics: a flat binary, whatever its size. */
	memset(buf, 0, sizeof(buf));
	expect_format(t, __LINE__, buf, sizeof(buf), KERNEL_FLAT);
	expect_format(t, __LINE__, buf, 1, KERNEL_FLAT);
	expect_format(t, __LINE__, img, 63, KERNEL_FLAT); /* magic cut off */
	memcpy(buf, "MZ\0\0abcd", 8); /* a PE file but no zboot */
	expect_format(t, __LINE__, buf, sizeof(buf), KERNEL_FLAT);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 1, "\x1f\x8b", 2); /* magic off the start */
	expect_format(t, __LINE__, buf, sizeof(buf), KERNEL_FLAT);
	/* Image magic in the wrong byte order. */
	memcpy(buf, img, 64);
	memcpy(buf + 56, "\x64MRA", 4);
	expect_format(t, __LINE__, buf, sizeof(buf), KERNEL_FLAT);

	expect_refused(t, __LINE__, img, 0, 0, "empty");
	expect_refused(t, __LINE__, NULL, 0, 0, "empty");
	free(img);
}

/* A zboot image with the header patched at off. */
static void zboot_patched(struct test_ctx *t, int line, const char *comp,
			  size_t off, uint32_t v, const char *want)
{
	uint8_t payload[64] = { 0x1f, 0x8b }, *z;
	size_t len = 0;

	z = kf_zboot(comp, payload, sizeof(payload), 1000, &len);
	if (!z)
		return;
	if (off)
		kf_put_le32(z + off, v);
	expect_refused(t, line, z, len, len, want);
	free(z);
}

static void zboot_header(struct test_ctx *t)
{
	uint8_t payload[64] = { 0 }, *z;
	struct kernel_probe p;
	size_t len = 0, n;
	char err[256];

	z = kf_zboot("gzip", payload, sizeof(payload), 0, &len);
	CHECK(t, z != NULL);
	if (!z)
		return;
	CHECK_EQ(t, kernel__probe(z, len, len, &p, err, sizeof(err)), 0);
	CHECK_EQ(t, p.format, KERNEL_ZBOOT_GZIP);
	CHECK_EQ(t, p.payload_off, KF_ZBOOT_PAYLOAD_OFF);
	CHECK_EQ(t, p.payload_len, sizeof(payload));
	/* A header cut anywhere before the end of its compression name. */
	for (n = 8; n < 56; n++)
		expect_refused(t, __LINE__, z, n, n, "cut short");
	/* The payload past the end of the file: truncated. */
	expect_refused(t, __LINE__, z, len, len - 1, "truncated EFI zboot");
	expect_refused(t, __LINE__, z, len, 4096, "truncated EFI zboot");
	/* The name must end within its 32 bytes. */
	memset(z + 24, 'a', 32);
	expect_refused(t, __LINE__, z, len, len, "does not end");
	free(z);

	z = kf_zboot("zstd22", payload, sizeof(payload), 0, &len);
	CHECK(t, z && !kernel__probe(z, len, len, &p, err, sizeof(err)) &&
			 p.format == KERNEL_ZBOOT_ZSTD);
	free(z);

	zboot_patched(t, __LINE__, "lz4", 0, 0, "whose payload is lz4");
	zboot_patched(t, __LINE__, "xzkern", 0, 0, "whose payload is xzkern");
	zboot_patched(t, __LINE__, "lzma", 0, 0,
		      "lkvm unpacks gzip and zstd22");
	zboot_patched(t, __LINE__, "lzo", 0, 0, "payload is lzo");
	zboot_patched(t, __LINE__, "zstd", 0, 0, "unknown compression 'zstd'");
	zboot_patched(t, __LINE__, "", 0, 0, "unknown compression ''");
	zboot_patched(t, __LINE__, "gz\x1b[2Jip", 0, 0,
		      "unknown compression 'gz?[2Jip'");
	/* Offsets and sizes: no wrap-around, nothing inside the header. */
	zboot_patched(t, __LINE__, "gzip", 12, 0, "corrupt EFI zboot header");
	zboot_patched(t, __LINE__, "gzip", 8, 0, "corrupt EFI zboot header");
	zboot_patched(t, __LINE__, "gzip", 8, 55, "corrupt EFI zboot header");
	zboot_patched(t, __LINE__, "gzip", 8, 0xffffffff, "truncated");
	zboot_patched(t, __LINE__, "gzip", 12, 0xffffffff, "truncated");
}

/* Probe and unpack a whole file in memory, as lkvm does with a file. */
static int unpack(const uint8_t *file, size_t len, size_t cap, uint8_t *dst,
		  size_t *out, struct arm64_image *img, char *err,
		  size_t errlen)
{
	struct kernel_probe p;
	int ret = kernel__probe(file, len, len, &p, err, errlen);

	if (ret)
		return ret;
	return kernel__unpack(&p, file + p.payload_off, p.payload_len, dst, cap,
			      out, img, err, errlen);
}

static void expect_unpack_err(struct test_ctx *t, int line, const uint8_t *file,
			      size_t len, size_t cap, int want_ret,
			      const char *want)
{
	uint8_t *dst = malloc(cap);
	struct arm64_image img;
	char err[256] = "";
	size_t out = 0;
	int ret;

	if (!dst)
		return;
	ret = unpack(file, len, cap, dst, &out, &img, err, sizeof(err));
	if (ret != want_ret)
		test__fail(t, __FILE__, line, "got %d, want %d (%s)", ret,
			   want_ret, err);
	else if (!strstr(err, want))
		test__fail(t, __FILE__, line, "\"%s\" lacks \"%s\"", err, want);
	free(dst);
}

/* The four compressed forms of one Image, and what each must give. */
static void unpack_good(struct test_ctx *t)
{
	uint8_t *img = kf_image(IMG_LEN, 0x80000, 3 * IMG_LEN);
	uint8_t *gz, *zs, *files[4] = { NULL };
	size_t gzlen = 0, zslen = 0, lens[4] = { 0 }, i;
	static const enum kernel_format fmts[4] = {
		KERNEL_GZIP,
		KERNEL_ZSTD,
		KERNEL_ZBOOT_GZIP,
		KERNEL_ZBOOT_ZSTD,
	};

	gz = kf_gzip(img, IMG_LEN, &gzlen);
	zs = kf_zstd(img, IMG_LEN, false, &zslen);
	CHECK(t, img && gz && zs);
	if (!img || !gz || !zs)
		goto out;
	files[0] = gz, lens[0] = gzlen;
	files[1] = zs, lens[1] = zslen;
	files[2] = kf_zboot("gzip", gz, gzlen, 0, &lens[2]);
	files[3] = kf_zboot("zstd22", zs, zslen, IMG_LEN, &lens[3]);
	for (i = 0; i < 4; i++) {
		uint8_t *dst = malloc(IMG_LEN);
		struct arm64_image h;
		struct kernel_probe p;
		char err[256] = "";
		size_t out = 0;

		if (!files[i] || !dst) {
			free(dst);
			continue;
		}
		CHECK(t, !kernel__probe(files[i], lens[i], lens[i], &p, err,
					sizeof(err)) &&
				 p.format == fmts[i]);
		CHECK(t, kernel__compressed(p.format));
		CHECK_EQ(t,
			 unpack(files[i], lens[i], IMG_LEN, dst, &out, &h, err,
				sizeof(err)),
			 0);
		CHECK_EQ(t, out, IMG_LEN);
		CHECK(t, !memcmp(dst, img, IMG_LEN));
		CHECK_EQ(t, h.text_offset, 0x80000);
		CHECK_EQ(t, h.image_size, 3 * IMG_LEN);
		CHECK_EQ(t, h.file_size, IMG_LEN);
		/* One byte of room less is over the cap. */
		expect_unpack_err(t, __LINE__, files[i], lens[i], IMG_LEN - 1,
				  -E2BIG, "the most lkvm unpacks");
		/* Truncated: the file or (zboot) the payload cut short. */
		expect_unpack_err(t, __LINE__, files[i], lens[i] - 9, IMG_LEN,
				  -EINVAL, "trunc");
		free(dst);
	}
out:
	for (i = 0; i < 4; i++)
		if (i >= 2)
			free(files[i]);
	free(img);
	free(gz);
	free(zs);
}

/* Payloads that unpack fine but hold no bootable Image. */
static void unpack_not_an_image(struct test_ctx *t)
{
	uint8_t zeros[4096] = { 0 }, elf[4096] = { 0x7f, 'E', 'L', 'F' };
	uint8_t *img = kf_image(4096, 0x1234, 0), *gz, *gz2, *f;
	size_t len = 0, len2 = 0, flen = 0;

	gz = kf_gzip(zeros, sizeof(zeros), &len);
	CHECK(t, gz != NULL);
	if (gz)
		expect_unpack_err(t, __LINE__, gz, len, CAP, -EINVAL,
				  "the gzip data holds no arm64 Image");
	/* gzip of gzip. */
	gz2 = gz ? kf_gzip(gz, len, &len2) : NULL;
	if (gz2)
		expect_unpack_err(t, __LINE__, gz2, len2, CAP, -EINVAL,
				  "holds gzip data, not an arm64 Image");
	free(gz2);
	free(gz);
	gz = kf_zstd(elf, sizeof(elf), true, &len);
	if (gz)
		expect_unpack_err(t, __LINE__, gz, len, CAP, -EINVAL,
				  "the zstd data holds an ELF file");
	f = gz ? kf_zboot("zstd22", gz, len, 4096, &flen) : NULL;
	if (f)
		expect_unpack_err(t, __LINE__, f, flen, CAP, -EINVAL,
				  "the zstd data holds an ELF file");
	free(f);
	free(gz);
	/* The header is there but wrong. */
	gz = img ? kf_gzip(img, 4096, &len) : NULL;
	if (gz)
		expect_unpack_err(
			t, __LINE__, gz, len, CAP, -EINVAL,
			"the Image in the gzip data: bad text_offset");
	free(gz);
	/* Too short for a header. */
	gz = kf_gzip(zeros, 10, &len);
	if (gz)
		expect_unpack_err(t, __LINE__, gz, len, CAP, -EINVAL,
				  "no arm64 Image");
	free(gz);
	free(img);
}

/* The zboot payload alone is too big for the cap, or its name is wrong. */
static void unpack_zboot_bad(struct test_ctx *t)
{
	uint8_t *zeros = calloc(1, 8 << 20), *z = NULL, *f = NULL;
	size_t zlen = 0, flen = 0;

	if (zeros)
		z = kf_zstd(zeros, 8 << 20, false, &zlen);
	if (z)
		f = kf_zboot("zstd22", z, zlen, 8 << 20, &flen);
	CHECK(t, f != NULL);
	if (f) {
		expect_unpack_err(t, __LINE__, f, flen, CAP, -E2BIG,
				  "unpacks to more than 1 MiB");
		/* A gzip header on a zstd payload. */
		memcpy(f + 24, "gzip\0\0", 6);
		expect_unpack_err(t, __LINE__, f, flen, CAP, -EINVAL,
				  "corrupt gzip data");
	}
	free(f);
	free(z);
	free(zeros);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* kernel__load on a file holding buf. */
static int load(const void *buf, size_t len, size_t cap, int *fd,
		struct kernel_file *k, char *err, size_t errlen)
{
	char path[] = "/tmp/lkvm-kernel-XXXXXX";
	int ret;

	*fd = mkstemp(path);
	if (*fd < 0)
		return -errno;
	unlink(path);
	if (write(*fd, buf, len) != (ssize_t)len)
		return -EIO;
	ret = kernel__load(*fd, len, cap, k, err, errlen);
	return ret;
}

static void load_files(struct test_ctx *t)
{
	uint8_t *img = kf_image(IMG_LEN, 0, 0), *gz, *zb, *back;
	size_t gzlen = 0, zblen = 0;
	struct kernel_file k;
	char err[256] = "";
	int fd = -1, fds = count_fds();

	gz = img ? kf_gzip(img, IMG_LEN, &gzlen) : NULL;
	zb = gz ? kf_zboot("gzip", gz, gzlen, 0, &zblen) : NULL;
	back = malloc(IMG_LEN);
	CHECK(t, img && gz && zb && back);
	if (!img || !gz || !zb || !back)
		goto out;

	/* An Image and a flat binary are read from the file itself. */
	CHECK_EQ(t, load(img, IMG_LEN, CAP, &fd, &k, err, sizeof(err)), 0);
	CHECK(t, k.format == KERNEL_IMAGE && k.fd == fd && k.size == IMG_LEN);
	close(fd);
	CHECK_EQ(t, load(img + 64, 1000, CAP, &fd, &k, err, sizeof(err)), 0);
	CHECK(t, k.format == KERNEL_FLAT && k.fd == fd && k.size == 1000);
	CHECK_EQ(t, k.img.text_offset, ARM64_FLAT_OFFSET);
	CHECK_EQ(t, k.img.image_size, 1000);
	close(fd);

	/* A zboot image: a sealed memfd holding the Image, and only that. */
	CHECK_EQ(t, load(zb, zblen, CAP, &fd, &k, err, sizeof(err)), 0);
	CHECK(t, k.format == KERNEL_ZBOOT_GZIP && k.fd != fd);
	CHECK_EQ(t, k.size, IMG_LEN);
	CHECK_EQ(t, lseek(k.fd, 0, SEEK_END), IMG_LEN);
	CHECK(t,
	      !read_full(k.fd, back, IMG_LEN) && !memcmp(back, img, IMG_LEN));
	CHECK(t, fcntl(k.fd, F_GET_SEALS) & F_SEAL_WRITE);
	CHECK(t, pwrite(k.fd, "x", 1, 0) < 0 && errno == EPERM);
	CHECK(t, fcntl(k.fd, F_GETFD) & FD_CLOEXEC);
	close(k.fd);
	close(fd);

	/* Failures leave no memfd behind. */
	CHECK_EQ(t, load(gz, gzlen - 1, CAP, &fd, &k, err, sizeof(err)),
		 -EINVAL);
	CHECK(t, strstr(err, "ends early") != NULL);
	close(fd);
	CHECK_EQ(t, load(gz, gzlen, IMG_LEN / 2, &fd, &k, err, sizeof(err)),
		 -E2BIG);
	close(fd);
	/* More compressed data than the cap: refused before reading it. */
	CHECK_EQ(t, load(gz, gzlen, gzlen - 1, &fd, &k, err, sizeof(err)),
		 -E2BIG);
	CHECK(t, strstr(err, "compressed data") != NULL);
	close(fd);
	memcpy(zb + 24, "lz4\0", 4);
	CHECK_EQ(t, load(zb, zblen, CAP, &fd, &k, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "lz4") != NULL);
	close(fd);
	CHECK_EQ(t, count_fds(), fds);
out:
	free(img);
	free(gz);
	free(zb);
	free(back);
}

TEST_SUITE(kernel, TEST(probe_formats), TEST(zboot_header), TEST(unpack_good),
	   TEST(unpack_not_an_image), TEST(unpack_zboot_bad), TEST(load_files));
