/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TESTS__FUZZ_BLK_DISK_H
#define TESTS__FUZZ_BLK_DISK_H

/*
 * A RAM disk backend for the fuzzers; any range outside it is a finding
 * (the parser should have refused it).
 */
#include <errno.h>
#include <sys/uio.h>

#include "fuzz.h"
#include "kvm/virtio-blk.h"

#define DISK_SECTORS 64

struct fuzz_disk {
	uint8_t data[DISK_SECTORS * 512];
	uint64_t capacity; /* sectors the device was told */
	int fail;
};

static inline void disk_check(struct fuzz_disk *d, uint64_t off, uint64_t len)
{
	FUZZ_ASSERT(off <= d->capacity * 512 && len <= d->capacity * 512 - off);
}

static int disk_rw(void *opaque, const struct iovec *iov, int cnt, uint64_t off,
		   bool write)
{
	struct fuzz_disk *d = opaque;
	int i;

	for (i = 0; i < cnt; i++) {
		disk_check(d, off, iov[i].iov_len);
		if (write)
			memcpy(d->data + off, iov[i].iov_base, iov[i].iov_len);
		else
			memcpy(iov[i].iov_base, d->data + off, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return d->fail;
}

static int disk_readv(void *opaque, const struct iovec *iov, int cnt,
		      uint64_t off)
{
	return disk_rw(opaque, iov, cnt, off, false);
}

static int disk_writev(void *opaque, const struct iovec *iov, int cnt,
		       uint64_t off)
{
	return disk_rw(opaque, iov, cnt, off, true);
}

static int disk_flush(void *opaque)
{
	return ((struct fuzz_disk *)opaque)->fail;
}

static int disk_discard(void *opaque, uint64_t off, uint64_t len)
{
	struct fuzz_disk *d = opaque;

	disk_check(d, off, len);
	memset(d->data + off, 0, len);
	return d->fail;
}

static int disk_write_zeroes(void *opaque, uint64_t off, uint64_t len,
			     bool unmap)
{
	(void)unmap;
	return disk_discard(opaque, off, len);
}

static const struct virtio_blk_backend_ops fuzz_disk_ops = {
	.readv = disk_readv,
	.writev = disk_writev,
	.flush = disk_flush,
	.discard = disk_discard,
	.write_zeroes = disk_write_zeroes,
};

#endif /* TESTS__FUZZ_BLK_DISK_H */
