/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__DECOMPRESS_H
#define KVM__DECOMPRESS_H

#include <stddef.h>

/*
 * Decompress src (len bytes) into dst, which holds at most cap bytes: the
 * output never goes past cap, and decompression stops as soon as it would
 * (a decompression bomb costs cap bytes and the time to fill them, no
 * more). Pure. Returns 0 with the output size in *out, or, with a one-line
 * reason in err:
 *   -E2BIG   the data unpacks to more than cap bytes;
 *   -EINVAL  it is corrupt, truncated, or followed by other data;
 *   -ENOMEM  the decompressor could not get its own (small) state.
 */

/* One gzip member (RFC 1952); zero bytes of padding may follow it. */
int decompress__gzip(const void *src, size_t len, void *dst, size_t cap,
		     size_t *out, char *err, size_t errlen);

/* zstd frames (RFC 8878), nothing after them. */
int decompress__zstd(const void *src, size_t len, void *dst, size_t cap,
		     size_t *out, char *err, size_t errlen);

#endif /* KVM__DECOMPRESS_H */
