// SPDX-License-Identifier: GPL-2.0
/* gzip (zlib) and zstd (libzstd) into a bounded buffer. */
#include "kvm/decompress.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* "256 MiB", or "65536 bytes" for a size that is no whole MiB. */
static const char *size_str(char *buf, size_t len, size_t bytes)
{
	if (bytes && !(bytes & 0xfffff))
		snprintf(buf, len, "%zu MiB", bytes >> 20);
	else
		snprintf(buf, len, "%zu bytes", bytes);
	return buf;
}

/* zlib counts in uInt: hand it at most this much at a time. */
static uInt chunk(size_t left)
{
	return left > UINT_MAX ? UINT_MAX : (uInt)left;
}

static int gzip_error(int zret, const z_stream *zs, char *err, size_t errlen)
{
	if (zret == Z_MEM_ERROR) {
		snprintf(err, errlen, "zlib is out of memory");
		return -ENOMEM;
	}
	snprintf(err, errlen, "corrupt gzip data (%s)",
		 zs->msg ? zs->msg : "zlib gave no reason");
	return -EINVAL;
}

/* After the gzip member: only zero padding may follow. */
static int check_tail(const uint8_t *p, size_t left, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < left; i++) {
		if (p[i]) {
			snprintf(err, errlen,
				 "%zu bytes of other data follow the gzip data",
				 left);
			return -EINVAL;
		}
	}
	return 0;
}

int decompress__gzip(const void *src, size_t len, void *dst, size_t cap,
		     size_t *out, char *err, size_t errlen)
{
	const uint8_t *in = src;
	size_t in_done = 0, out_done = 0;
	char size[32];
	z_stream zs = { 0 };
	int zret, ret;

	/* 16 + window bits: a gzip wrapper and nothing else. */
	zret = inflateInit2(&zs, 16 + MAX_WBITS);
	if (zret != Z_OK)
		return gzip_error(zret, &zs, err, errlen);

	for (;;) {
		/* Once dst is full, one spare byte tells if more would come. */
		bool full = out_done == cap;
		size_t before_in, before_out, made;
		uint8_t spare;

		zs.next_in = (Bytef *)(in + in_done);
		zs.avail_in = chunk(len - in_done);
		zs.next_out = full ? &spare : (Bytef *)dst + out_done;
		zs.avail_out = full ? 1 : chunk(cap - out_done);
		before_in = zs.avail_in;
		before_out = zs.avail_out;

		zret = inflate(&zs, Z_NO_FLUSH);
		in_done += before_in - zs.avail_in;
		made = before_out - zs.avail_out;
		if (full && made) {
			snprintf(err, errlen,
				 "the gzip data unpacks to more than %s",
				 size_str(size, sizeof(size), cap));
			ret = -E2BIG;
			goto out_end;
		}
		out_done += made;
		if (zret == Z_STREAM_END)
			break;
		if (zret == Z_OK)
			continue;
		if (zret != Z_BUF_ERROR) {
			ret = gzip_error(zret, &zs, err, errlen);
			goto out_end;
		}
		/* No progress with room to write: the input ran out. */
		snprintf(err, errlen,
			 "the gzip data ends early (a truncated file?)");
		ret = -EINVAL;
		goto out_end;
	}
	ret = check_tail(in + in_done, len - in_done, err, errlen);
	if (!ret)
		*out = out_done;
out_end:
	inflateEnd(&zs);
	return ret;
}

int decompress__zstd(const void *src, size_t len, void *dst, size_t cap,
		     size_t *out, char *err, size_t errlen)
{
	unsigned long long content = ZSTD_getFrameContentSize(src, len);
	ZSTD_DCtx *dctx;
	char size[32];
	size_t n;

	if (!len) {
		snprintf(err, errlen,
			 "the zstd data ends early (a truncated file?)");
		return -EINVAL;
	}
	/* A frame that says how big it is and is too big: no work at all. */
	if (content != ZSTD_CONTENTSIZE_UNKNOWN &&
	    content != ZSTD_CONTENTSIZE_ERROR && content > cap) {
		snprintf(err, errlen,
			 "the zstd data unpacks to %llu bytes, more than %s",
			 content, size_str(size, sizeof(size), cap));
		return -E2BIG;
	}
	dctx = ZSTD_createDCtx();
	if (!dctx) {
		snprintf(err, errlen, "libzstd is out of memory");
		return -ENOMEM;
	}
	/*
	 * One shot: the frames are decoded straight into dst (no window
	 * buffer of the frame's size), and a block that would not fit
	 * stops it with dstSize_tooSmall.
	 */
	n = ZSTD_decompressDCtx(dctx, dst, cap, src, len);
	ZSTD_freeDCtx(dctx);
	if (!ZSTD_isError(n)) {
		*out = n;
		return 0;
	}
	switch (ZSTD_getErrorCode(n)) {
	case ZSTD_error_dstSize_tooSmall:
		snprintf(err, errlen, "the zstd data unpacks to more than %s",
			 size_str(size, sizeof(size), cap));
		return -E2BIG;
	case ZSTD_error_srcSize_wrong:
		snprintf(err, errlen,
			 "the zstd data ends early (a truncated file?)");
		return -EINVAL;
	case ZSTD_error_memory_allocation:
		snprintf(err, errlen, "libzstd is out of memory");
		return -ENOMEM;
	default:
		snprintf(err, errlen, "corrupt zstd data (%s)",
			 ZSTD_getErrorName(n));
		return -EINVAL;
	}
}
