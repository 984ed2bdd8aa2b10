/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__IMAGE_H
#define KVM__IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARM64_IMAGE_MAGIC 0x644d5241u /* "ARM\x64" */
#define ARM64_IMAGE_HEADER_SIZE 64
#define ARM64_LEGACY_TEXT_OFFSET 0x80000u
/* Where a flat binary goes from the start of RAM (kvmtool's place). */
#define ARM64_FLAT_OFFSET 0x80000u

/* What the loader needs from an arm64 Image header (booting.rst). */
struct arm64_image {
	uint64_t text_offset;
	uint64_t image_size; /* bytes the kernel occupies, BSS included */
	uint64_t file_size;
	bool big_endian;
};

/*
 * Parse the header at the start of buf (file_size bytes of file). Pure.
 * Returns 0, or -EINVAL/-E2BIG with a one-line reason in err.
 */
int image__parse(const void *buf, size_t file_size, struct arm64_image *img,
		 char *err, size_t errlen);

/*
 * A flat binary (no header): file_size bytes loaded and entered at
 * ARM64_FLAT_OFFSET from the start of RAM, as kvmtool does. Pure.
 */
void image__flat(uint64_t file_size, struct arm64_image *img);

#endif /* KVM__IMAGE_H */
