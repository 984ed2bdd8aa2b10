// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the kernel loader. The input is a kernel file. It goes
 * through kernel__probe and kernel__unpack from memory (the decision and
 * the decompressors, with a small cap so bombs are cheap) and through
 * kernel__load from a memfd (the file reads and the memfd the Image is
 * kept in), then layout__place. A crash, a sanitizer report, a message
 * that is not one printable line, or a result that breaks the loader's
 * promises is a finding.
 *
 * Built with -DFUZZ_SEEDS it is instead a program that writes the seed
 * corpus (tests/fuzz/corpus/kernel/) into the directory it is given.
 */
#include "kernel-files.h"

#include "kvm/kernel.h"
#include "kvm/layout.h"
#include "kvm/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Small, so a bomb costs little; not a power of two, to catch rounding. */
#define FUZZ_CAP (192 * 1024 + 7)

#define FUZZ_ASSERT(cond)                                                  \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                    \
			abort();                                           \
		}                                                          \
	} while (0)

/* Every message is one line of printable text, whatever the input. */
static void check_message(const char *err)
{
	const char *p;

	FUZZ_ASSERT(err[0]);
	for (p = err; *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
}

static int check_err(int ret, const char *err)
{
	if (ret) {
		FUZZ_ASSERT(ret == -EINVAL || ret == -E2BIG || ret == -ENOMEM);
		check_message(err);
	}
	return ret;
}

static void check_image(const struct arm64_image *img)
{
	struct boot_layout l;
	char err[256] = "";

	FUZZ_ASSERT(img->image_size >= img->file_size);
	if (layout__place(img, 4096, ARM_RAM_BASE, 64 << 20, &l, err,
			  sizeof(err))) {
		check_message(err);
		return;
	}
	FUZZ_ASSERT(l.kernel_end <= l.initrd_addr);
	FUZZ_ASSERT(l.initrd_addr + 4096 <= l.dtb_addr);
}

static void from_memory(const uint8_t *data, size_t size)
{
	static uint8_t *dst;
	size_t head = size < KERNEL_PROBE_LEN ? size : KERNEL_PROBE_LEN;
	struct kernel_probe p;
	struct arm64_image img;
	char err[256] = "";
	size_t out = 0;

	if (!dst)
		dst = malloc(FUZZ_CAP);
	FUZZ_ASSERT(dst);
	if (check_err(kernel__probe(data, head, size, &p, err, sizeof(err)),
		      err))
		return;
	FUZZ_ASSERT(p.payload_off + p.payload_len <= size);
	if (p.format == KERNEL_IMAGE) {
		if (!check_err(image__parse(data, size, &img, err, sizeof(err)),
			       err))
			check_image(&img);
		return;
	}
	if (!kernel__compressed(p.format))
		return;
	if (check_err(kernel__unpack(&p, data + p.payload_off, p.payload_len,
				     dst, FUZZ_CAP, &out, &img, err,
				     sizeof(err)),
		      err))
		return;
	FUZZ_ASSERT(out <= FUZZ_CAP && out == img.file_size);
	FUZZ_ASSERT(!memcmp(dst + 56, "ARM\x64", 4));
	check_image(&img);
}

static void from_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct kernel_file k;
	char err[256] = "";
	uint8_t byte;

	if (fd < 0)
		fd = memfd_create("fuzz-kernel", MFD_CLOEXEC);
	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(!ftruncate(fd, 0));
	if (size)
		FUZZ_ASSERT(pwrite(fd, data, size, 0) == (ssize_t)size);
	if (check_err(kernel__load(fd, size, FUZZ_CAP, &k, err, sizeof(err)),
		      err))
		return;
	if (k.fd == fd) {
		FUZZ_ASSERT(!kernel__compressed(k.format) && k.size == size);
		return;
	}
	/* The unpacked Image: exactly k.size bytes, and sealed. */
	FUZZ_ASSERT(kernel__compressed(k.format) && k.size <= FUZZ_CAP);
	FUZZ_ASSERT(lseek(k.fd, 0, SEEK_END) == (off_t)k.size);
	FUZZ_ASSERT(pread(k.fd, &byte, 1, 0) == 1);
	FUZZ_ASSERT(pwrite(k.fd, &byte, 1, 0) < 0);
	close(k.fd);
}

#ifndef FUZZ_SEEDS
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	from_memory(data, size);
	from_file(data, size);
	return 0;
}
#else
static void seed(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!buf || !f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
	/* The seeds must pass the target themselves. */
	from_memory(buf, len);
	from_file(buf, len);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	uint8_t *img = kf_image(2048, 0x80000, 8192), *gz, *zs, *zsn, *f;
	uint8_t *zeros = calloc(1, 1 << 20), *bomb;
	size_t gzlen = 0, zslen = 0, zsnlen = 0, flen = 0, blen = 0;
	static const uint8_t flat[] = {
		0x00, 0x00, 0xa0, 0xd2, /* mov x0, #0 */
		0x1f, 0x20, 0x03, 0xd5, /* nop */
		0x00, 0x00, 0x00, 0x14, /* b . */
	};

	gz = kf_gzip(img, 2048, &gzlen);
	zs = kf_zstd(img, 2048, false, &zslen);
	zsn = kf_zstd(img, 2048, true, &zsnlen);
	bomb = kf_gzip(zeros, 1 << 20, &blen);
	seed(dir, "image", img, 2048);
	seed(dir, "flat", flat, sizeof(flat));
	seed(dir, "gzip", gz, gzlen);
	seed(dir, "zstd", zs, zslen);
	seed(dir, "zstd-with-size", zsn, zsnlen);
	seed(dir, "gzip-bomb", bomb, blen);
	f = kf_zboot("gzip", gz, gzlen, 0, &flen);
	seed(dir, "zboot-gzip", f, flen);
	free(f);
	f = kf_zboot("zstd22", zs, zslen, 2048, &flen);
	seed(dir, "zboot-zstd22", f, flen);
	free(f);
	f = kf_zboot("lz4", zs, zslen, 2048, &flen);
	seed(dir, "zboot-lz4", f, flen);
	free(f);
	free(img);
	free(gz);
	free(zs);
	free(zsn);
	free(zeros);
	free(bomb);
	return 0;
}
#endif
