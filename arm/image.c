// SPDX-License-Identifier: GPL-2.0
#include "kvm/image.h"
#include "kvm/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int image__parse(const void *buf, size_t file_size, struct arm64_image *img,
		 char *err, size_t errlen)
{
	const uint8_t *p = buf;
	uint64_t flags;

	if (file_size < ARM64_IMAGE_HEADER_SIZE) {
		snprintf(err, errlen,
			 "%zu bytes is too short for an arm64 Image header",
			 file_size);
		return -EINVAL;
	}
	if (get_le32(p + 56) != ARM64_IMAGE_MAGIC) {
		snprintf(err, errlen,
			 "not an arm64 Linux Image (no arm64 magic)");
		return -EINVAL;
	}

	img->text_offset = get_le64(p + 8);
	img->image_size = get_le64(p + 16);
	flags = get_le64(p + 24);
	img->big_endian = flags & 1;
	img->file_size = file_size;

	/* Before Linux 3.17 image_size was 0 and text_offset unreliable. */
	if (img->image_size == 0) {
		img->text_offset = ARM64_LEGACY_TEXT_OFFSET;
		img->image_size = file_size;
	}
	if (img->text_offset % SZ_4K || img->text_offset >= SZ_2M) {
		snprintf(err, errlen,
			 "bad text_offset 0x%llx in the Image header",
			 (unsigned long long)img->text_offset);
		return -EINVAL;
	}
	if (img->image_size < file_size) {
		snprintf(err, errlen,
			 "Image header says %llu bytes but the file has %zu",
			 (unsigned long long)img->image_size, file_size);
		return -EINVAL;
	}
	if (img->image_size > 4 * SZ_1G) {
		snprintf(err, errlen, "Image size %llu is not plausible",
			 (unsigned long long)img->image_size);
		return -E2BIG;
	}
	return 0;
}

void image__flat(uint64_t file_size, struct arm64_image *img)
{
	img->text_offset = ARM64_FLAT_OFFSET;
	img->image_size = file_size;
	img->file_size = file_size;
	img->big_endian = false;
}
