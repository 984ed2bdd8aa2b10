/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TESTS__KERNEL_FILES_H
#define TESTS__KERNEL_FILES_H

/*
 * Kernel files for the tests and the fuzzer's seeds, made in memory: an
 * arm64 Image, its gzip and zstd, and EFI zboot images laid out as Linux's
 * drivers/firmware/efi/libstub/zboot-header.S and Makefile.zboot make them.
 * Every function returns a malloc'd buffer (NULL if out of memory).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "kvm/image.h"

static inline void kf_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void kf_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * An Image of len bytes (at least 64): a header with the given text_offset
 * and image_size (0: len), then a pattern that compresses but not to
 * nothing.
 */
static inline uint8_t *kf_image(size_t len, uint64_t text_offset,
				uint64_t image_size)
{
	uint8_t *b = malloc(len);
	size_t i;

	if (!b)
		return NULL;
	for (i = 0; i < len; i++)
		b[i] = (uint8_t)((i * 7) ^ (i >> 9));
	memset(b, 0, ARM64_IMAGE_HEADER_SIZE);
	kf_put_le32(b, 0x91005a4d); /* "MZ" + add, as with EFI */
	kf_put_le32(b + 4, 0x14000000);
	kf_put_le64(b + 8, text_offset);
	kf_put_le64(b + 16, image_size ? image_size : len);
	kf_put_le64(b + 24, 0xa);
	kf_put_le32(b + 56, ARM64_IMAGE_MAGIC);
	return b;
}

/* gzip -9 of src. */
static inline uint8_t *kf_gzip(const void *src, size_t len, size_t *out)
{
	size_t cap = len + len / 100 + 1024;
	uint8_t *b = malloc(cap);
	z_stream zs = { 0 };

	if (!b)
		return NULL;
	if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		goto fail;
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)len;
	zs.next_out = b;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		goto fail;
	}
	*out = cap - zs.avail_out;
	deflateEnd(&zs);
	return b;
fail:
	free(b);
	return NULL;
}

/*
 * zstd of src; with_size false leaves the content size out of the frame
 * header, as the zstd tool does when it reads a pipe (Linux's build does).
 */
static inline uint8_t *kf_zstd(const void *src, size_t len, bool with_size,
			       size_t *out)
{
	size_t cap = ZSTD_compressBound(len), n;
	uint8_t *b = malloc(cap);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();

	if (!b || !cctx)
		goto fail;
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 19);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, with_size);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	n = ZSTD_compress2(cctx, b, cap, src, len);
	if (ZSTD_isError(n))
		goto fail;
	ZSTD_freeCCtx(cctx);
	*out = n;
	return b;
fail:
	ZSTD_freeCCtx(cctx);
	free(b);
	return NULL;
}

#define KF_ZBOOT_PAYLOAD_OFF 0x1000

/*
 * An EFI zboot image: the header, the payload at KF_ZBOOT_PAYLOAD_OFF, and
 * for anything but gzip the unpacked size as a 32-bit trailer after it
 * (outside the payload size), as Makefile.zboot appends it.
 */
static inline uint8_t *kf_zboot(const char *comp, const void *payload,
				size_t len, uint32_t unpacked, size_t *out)
{
	bool trailer = strcmp(comp, "gzip") != 0;
	size_t total = KF_ZBOOT_PAYLOAD_OFF + len + (trailer ? 4 : 0);
	uint8_t *b = calloc(1, total);

	if (!b)
		return NULL;
	memcpy(b, "MZ\0\0zimg", 8);
	kf_put_le32(b + 8, KF_ZBOOT_PAYLOAD_OFF);
	kf_put_le32(b + 12, (uint32_t)len);
	strncpy((char *)b + 24, comp, 31);
	kf_put_le32(b + 0x38, 0x818223cd); /* LINUX_PE_MAGIC */
	kf_put_le32(b + 0x3c, 0x40);
	memcpy(b + 0x40, "PE\0\0\x64\xaa", 6); /* arm64 */
	memcpy(b + KF_ZBOOT_PAYLOAD_OFF, payload, len);
	if (trailer)
		kf_put_le32(b + KF_ZBOOT_PAYLOAD_OFF + len, unpacked);
	*out = total;
	return b;
}

#endif /* TESTS__KERNEL_FILES_H */
