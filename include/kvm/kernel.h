/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KERNEL_H
#define KVM__KERNEL_H

/*
 * What a kernel file is and where its arm64 Image comes from: the file
 * itself (an Image, a flat binary), or its compressed contents (gzip,
 * zstd, an EFI zboot image with a gzip or zstd22 payload), unpacked.
 * Formats are told apart by content, never by file name. Pure: errors are
 * returned with a one-line reason, never reported here.
 */

#include <stddef.h>
#include <stdint.h>

#include "kvm/image.h"

/* The most lkvm unpacks from a compressed kernel (QEMU's limit too). */
#define KERNEL_UNPACK_MAX (256ULL << 20)

/* The bytes at the start of a file that kernel__probe looks at. */
#define KERNEL_PROBE_LEN 64

enum kernel_format {
	KERNEL_IMAGE, /* an arm64 Image (arch/arm64/boot/Image) */
	KERNEL_GZIP, /* gzip of an Image (Image.gz, Ubuntu's vmlinuz) */
	KERNEL_ZSTD, /* zstd of an Image */
	KERNEL_ZBOOT_GZIP, /* EFI zboot (Fedora's vmlinuz), gzip payload */
	KERNEL_ZBOOT_ZSTD, /* EFI zboot, zstd22 payload */
	KERNEL_FLAT, /* none of the above: a flat binary, as kvmtool loads */
};

struct kernel_probe {
	enum kernel_format format;
	/* The compressed data in the file (all of it for gzip and zstd). */
	uint64_t payload_off;
	uint64_t payload_len;
};

/* "gzip", "EFI zboot (zstd22)", ...: for messages. */
const char *kernel__format_name(enum kernel_format format);

static inline int kernel__compressed(enum kernel_format format)
{
	return format != KERNEL_IMAGE && format != KERNEL_FLAT;
}

/*
 * Identify a kernel file of file_size bytes from its first head_len bytes
 * (at least min(file_size, KERNEL_PROBE_LEN)). An ELF file, a cpio archive,
 * a file compressed with something else than gzip and zstd, a zboot header
 * that is cut short, names another compression or puts its payload past
 * the end of the file, and an empty file get -EINVAL.
 */
int kernel__probe(const void *head, size_t head_len, uint64_t file_size,
		  struct kernel_probe *p, char *err, size_t errlen);

/*
 * Unpack the payload of a compressed kernel (len bytes, as probed) into
 * dst, at most cap bytes, and check that it is an arm64 Image: its header
 * goes to *img and its size to *out. Returns 0, -E2BIG (more than cap),
 * -EINVAL (corrupt, truncated, not an Image) or -ENOMEM.
 */
int kernel__unpack(const struct kernel_probe *p, const void *payload,
		   size_t len, void *dst, size_t cap, size_t *out,
		   struct arm64_image *img, char *err, size_t errlen);

/* Where lkvm reads the Image from, on every boot. */
struct kernel_file {
	enum kernel_format format;
	struct arm64_image img; /* its header, or the flat placement */
	int fd; /* the kernel file itself, or a sealed memfd */
	uint64_t size; /* bytes of Image at the start of fd */
};

/*
 * Decide for the kernel file open at fd (file_size bytes): probe it, and
 * for a compressed one unpack it (at most cap bytes) into a memfd that
 * holds the Image for the VM's life, so a reboot does not unpack again.
 * On success k->fd is fd or that memfd (fd is left open either way).
 */
int kernel__load(int fd, uint64_t file_size, uint64_t cap,
		 struct kernel_file *k, char *err, size_t errlen);

#endif /* KVM__KERNEL_H */
