// SPDX-License-Identifier: GPL-2.0
/* Kernel file formats: probe by content, unpack into a bounded buffer. */
#include "kvm/kernel.h"
#include "kvm/decompress.h"
#include "kvm/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * The EFI zboot header (Linux, drivers/firmware/efi/libstub/zboot-header.S):
 * "MZ" at 0, "zimg" at 4, then little-endian 32-bit payload offset and
 * size, two reserved words, and the NUL-terminated compression name up to
 * the PE magic at 0x38. For every compression but gzip the payload is
 * followed by a 32-bit copy of the unpacked size, outside the payload size.
 */
#define ZBOOT_PAYLOAD_OFF 8
#define ZBOOT_PAYLOAD_SIZE 12
#define ZBOOT_COMP_NAME 24
#define ZBOOT_COMP_NAME_LEN 32
#define ZBOOT_HEADER_LEN (ZBOOT_COMP_NAME + ZBOOT_COMP_NAME_LEN)

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static bool has(const uint8_t *p, size_t len, size_t off, const char *magic,
		size_t n)
{
	return len >= off + n && !memcmp(p + off, magic, n);
}

const char *kernel__format_name(enum kernel_format format)
{
	switch (format) {
	case KERNEL_IMAGE:
		return "arm64 Image";
	case KERNEL_GZIP:
		return "gzip";
	case KERNEL_ZSTD:
		return "zstd";
	case KERNEL_ZBOOT_GZIP:
		return "EFI zboot (gzip)";
	case KERNEL_ZBOOT_ZSTD:
		return "EFI zboot (zstd22)";
	case KERNEL_FLAT:
		return "flat binary";
	}
	return "unknown";
}

/* Formats that are not kernels we boot, each named with what to do. */
static const struct {
	const char *magic;
	size_t len;
	const char *what;
} refused[] = {
	{ "\x7f"
	  "ELF",
	  4, "an ELF file (use arch/arm64/boot/Image, not vmlinux)" },
	{ "070701", 6, "a cpio archive (pass it with -i/--initrd)" },
	{ "070702", 6, "a cpio archive (pass it with -i/--initrd)" },
	{ "\xfd"
	  "7zXZ",
	  6, "an xz file (lkvm unpacks gzip and zstd: xz -dc it first)" },
	{ "\x04\x22\x4d\x18", 4,
	  "an lz4 file (lkvm unpacks gzip and zstd: lz4 -dc it first)" },
	{ "\x02\x21\x4c\x18", 4,
	  "an lz4 file (lkvm unpacks gzip and zstd: lz4 -dc it first)" },
	{ "BZh", 3,
	  "a bzip2 file (lkvm unpacks gzip and zstd: bzip2 -dc it first)" },
	{ "\x89LZO\0\r\n\x1a\n", 9,
	  "an lzop file (lkvm unpacks gzip and zstd: lzop -dc it first)" },
	{ "\x27\x05\x19\x56", 4,
	  "a U-Boot legacy image (boot the Image inside it)" },
};

static int fail(int ret, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* The compression name, printable: it comes from the file. */
static void comp_name(const uint8_t *h, char *name)
{
	size_t i;

	for (i = 0; i < ZBOOT_COMP_NAME_LEN - 1 && h[ZBOOT_COMP_NAME + i];
	     i++) {
		uint8_t c = h[ZBOOT_COMP_NAME + i];

		name[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	name[i] = 0;
}

static int probe_zboot(const uint8_t *h, size_t len, uint64_t file_size,
		       struct kernel_probe *p, char *err, size_t errlen)
{
	static const char *const known[] = { "lz4", "lzma", "lzo", "xzkern" };
	char name[ZBOOT_COMP_NAME_LEN];
	uint64_t off, size;
	size_t i;

	if (len < ZBOOT_HEADER_LEN)
		return fail(
			-EINVAL, err, errlen,
			"an EFI zboot image cut short (%llu bytes, its header alone is %d)",
			(unsigned long long)file_size, ZBOOT_HEADER_LEN);
	if (!memchr(h + ZBOOT_COMP_NAME, 0, ZBOOT_COMP_NAME_LEN))
		return fail(
			-EINVAL, err, errlen,
			"an EFI zboot image whose compression name does not end");
	comp_name(h, name);
	if (!strcmp(name, "gzip")) {
		p->format = KERNEL_ZBOOT_GZIP;
	} else if (!strcmp(name, "zstd22")) {
		p->format = KERNEL_ZBOOT_ZSTD;
	} else {
		for (i = 0; i < ARRAY_SIZE(known); i++)
			if (!strcmp(name, known[i]))
				return fail(
					-EINVAL, err, errlen,
					"an EFI zboot image whose payload is %s (lkvm unpacks gzip and zstd22)",
					name);
		return fail(
			-EINVAL, err, errlen,
			"an EFI zboot image with an unknown compression '%s' (lkvm unpacks gzip and zstd22)",
			name);
	}

	off = get_le32(h + ZBOOT_PAYLOAD_OFF);
	size = get_le32(h + ZBOOT_PAYLOAD_SIZE);
	if (!size || off < ZBOOT_HEADER_LEN)
		return fail(
			-EINVAL, err, errlen,
			"a corrupt EFI zboot header (payload of %llu bytes at offset %llu)",
			(unsigned long long)size, (unsigned long long)off);
	if (off + size > file_size)
		return fail(
			-EINVAL, err, errlen,
			"a truncated EFI zboot image: its %llu-byte payload at offset %llu ends past the end of the %llu-byte file",
			(unsigned long long)size, (unsigned long long)off,
			(unsigned long long)file_size);
	p->payload_off = off;
	p->payload_len = size;
	return 0;
}

int kernel__probe(const void *head, size_t head_len, uint64_t file_size,
		  struct kernel_probe *p, char *err, size_t errlen)
{
	const uint8_t *h = head;
	size_t len = head_len < file_size ? head_len : (size_t)file_size;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!file_size)
		return fail(-EINVAL, err, errlen, "an empty file");
	p->payload_len = file_size;
	if (len >= ARM64_IMAGE_HEADER_SIZE &&
	    get_le32(h + 56) == ARM64_IMAGE_MAGIC) {
		p->format = KERNEL_IMAGE;
		return 0;
	}
	if (has(h, len, 0, "\x1f\x8b", 2)) {
		p->format = KERNEL_GZIP;
		return 0;
	}
	if (has(h, len, 0, "\x28\xb5\x2f\xfd", 4)) {
		p->format = KERNEL_ZSTD;
		return 0;
	}
	if (has(h, len, 0, "MZ", 2) && has(h, len, 4, "zimg", 4))
		return probe_zboot(h, len, file_size, p, err, errlen);
	for (i = 0; i < ARRAY_SIZE(refused); i++)
		if (has(h, len, 0, refused[i].magic, refused[i].len))
			return fail(-EINVAL, err, errlen, "%s",
				    refused[i].what);
	p->format = KERNEL_FLAT;
	return 0;
}

/* What the unpacked data turned out to be, when it is no Image. */
static int not_an_image(const void *buf, size_t len, const char *what,
			char *err, size_t errlen)
{
	struct kernel_probe inner;
	char why[160];

	if (kernel__probe(buf, len, len, &inner, why, sizeof(why)))
		return fail(-EINVAL, err, errlen,
			    "the %s data holds %s, not an arm64 Image", what,
			    why);
	if (inner.format == KERNEL_FLAT)
		return fail(
			-EINVAL, err, errlen,
			"the %s data holds no arm64 Image (no arm64 magic in %zu bytes)",
			what, len);
	return fail(-EINVAL, err, errlen,
		    "the %s data holds %s data, not an arm64 Image", what,
		    kernel__format_name(inner.format));
}

int kernel__unpack(const struct kernel_probe *p, const void *payload,
		   size_t len, void *dst, size_t cap, size_t *out,
		   struct arm64_image *img, char *err, size_t errlen)
{
	bool gzip = p->format == KERNEL_GZIP || p->format == KERNEL_ZBOOT_GZIP;
	const char *what = gzip ? "gzip" : "zstd";
	char why[200];
	size_t n = 0;
	int ret;

	if (!kernel__compressed(p->format))
		return fail(-EINVAL, err, errlen, "a %s is not compressed",
			    kernel__format_name(p->format));
	if (gzip)
		ret = decompress__gzip(payload, len, dst, cap, &n, why,
				       sizeof(why));
	else
		ret = decompress__zstd(payload, len, dst, cap, &n, why,
				       sizeof(why));
	if (ret == -E2BIG)
		return fail(ret, err, errlen, "%s (the most lkvm unpacks)",
			    why);
	if (ret)
		return fail(ret, err, errlen, "%s", why);

	if (n < ARM64_IMAGE_HEADER_SIZE ||
	    get_le32((const uint8_t *)dst + 56) != ARM64_IMAGE_MAGIC)
		return not_an_image(dst, n, what, err, errlen);
	ret = image__parse(dst, n, img, why, sizeof(why));
	if (ret)
		return fail(ret, err, errlen, "the Image in the %s data: %s",
			    what, why);
	*out = n;
	return 0;
}

/*
 * The unpacked Image lives in a memfd: written once through a mapping of
 * cap bytes (pages are only taken as they are written), cut to size and
 * sealed, then read by every boot like a kernel file.
 */
static int unpack_to_memfd(int fd, const struct kernel_probe *p, uint64_t cap,
			   struct kernel_file *k, char *err, size_t errlen)
{
	void *src = NULL, *dst = MAP_FAILED;
	size_t out = 0;
	int mfd, ret;

	if (p->payload_len > cap)
		return fail(
			-E2BIG, err, errlen,
			"%llu MiB of compressed data, more than the %llu MiB lkvm unpacks",
			(unsigned long long)(p->payload_len >> 20),
			(unsigned long long)(cap >> 20));
	mfd = memfd_create("lkvm-kernel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return fail(-errno, err, errlen,
			    "cannot create a memfd for the unpacked Image: %s",
			    strerror(errno));
	src = malloc(p->payload_len);
	if (!src) {
		ret = fail(-ENOMEM, err, errlen,
			   "no memory for %llu bytes of compressed kernel",
			   (unsigned long long)p->payload_len);
		goto out;
	}
	ret = read_full_at(fd, src, p->payload_len, p->payload_off);
	if (ret) {
		fail(ret, err, errlen, "cannot read it: %s", strerror(-ret));
		goto out;
	}
	if (ftruncate(mfd, (off_t)cap) == 0)
		dst = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED, mfd,
			   0);
	if (dst == MAP_FAILED) {
		ret = fail(-errno, err, errlen,
			   "cannot map %llu MiB to unpack the kernel into: %s",
			   (unsigned long long)(cap >> 20), strerror(errno));
		goto out;
	}
	ret = kernel__unpack(p, src, p->payload_len, dst, cap, &out, &k->img,
			     err, errlen);
	munmap(dst, cap);
	if (ret)
		goto out;
	if (ftruncate(mfd, (off_t)out) ||
	    fcntl(mfd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)) {
		ret = fail(-errno, err, errlen,
			   "cannot keep the unpacked Image: %s",
			   strerror(errno));
		goto out;
	}
	k->fd = mfd;
	k->size = out;
	mfd = -1;
out:
	free(src);
	if (mfd >= 0)
		close(mfd);
	return ret;
}

int kernel__load(int fd, uint64_t file_size, uint64_t cap,
		 struct kernel_file *k, char *err, size_t errlen)
{
	uint8_t head[KERNEL_PROBE_LEN];
	size_t have =
		file_size < sizeof(head) ? (size_t)file_size : sizeof(head);
	struct kernel_probe p;
	int ret;

	ret = read_full(fd, head, have);
	if (ret)
		return fail(ret, err, errlen, "cannot read it: %s",
			    strerror(-ret));
	ret = kernel__probe(head, have, file_size, &p, err, errlen);
	if (ret)
		return ret;
	k->format = p.format;
	k->fd = fd;
	k->size = file_size;
	if (p.format == KERNEL_FLAT) {
		image__flat(file_size, &k->img);
		return 0;
	}
	if (p.format == KERNEL_IMAGE)
		return image__parse(head, file_size, &k->img, err, errlen);
	return unpack_to_memfd(fd, &p, cap, k, err, errlen);
}
