/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__DISK_H
#define KVM__DISK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "kvm/virtio-blk.h"

/*
 * A raw disk image on a file descriptor: the virtio-blk backend ops for
 * the real thing. No KVM, no ioctl (so it is unit-tested on any host);
 * the calls are plain preadv/pwritev/fdatasync/fallocate.
 *
 * I/O path. Each device's I/O thread runs the requests synchronously with
 * preadv/pwritev, measured against the alternative in the test host
 * (make bench, the disk section): a 4 KiB read of the image costs the
 * thread about 19 us (the image is in the host's page cache: one copy),
 * while one request's round trip through the guest costs about 3 ms, and
 * at queue depth 32 the guest completes one every ~400 us with the thread
 * idle most of the time. What limits a deep queue is the guest's side of
 * each request (its syscall, block layer, interrupt), not a syscall that
 * blocks here, so io_uring would add a ring and a dependency for nothing.
 * On an O_DIRECT image on a slow disk a blocking read would serialise a
 * deep queue; that is where io_uring would pay.
 *
 * Locking. The image is locked with an open file description lock
 * (F_OFD_SETLK, as QEMU does) over the whole file: a write lock normally,
 * a shared read lock for a read-only disk. A second lkvm (or QEMU) on the
 * same image is refused at start; two read-only users may share it. OFD
 * locks conflict within one process too, so the same image given twice
 * is refused as well.
 *
 * Serial (GET_ID): "lk" and 16 hex digits of a 64-bit FNV-1a hash of the
 * image's absolute path (realpath): the same image at the same path gives
 * the same serial on every run, and two images of one VM differ.
 */

struct disk {
	char *path; /* as given */
	int fd;
	int buffered_fd; /* without O_DIRECT, for requests it refuses; or -1 */
	bool ro;
	bool direct;
	uint64_t size; /* bytes */
	char serial[VIRTIO_BLK_ID_BYTES];
	/* fallocate modes the file system refused once; not tried again. */
	bool no_punch;
	bool no_zero_range;
};

/*
 * Open and lock path: a regular file or a block device. 0, or -errno with
 * a one-line reason naming the file in err.
 */
int disk__open(struct disk *d, const char *path, bool ro, bool direct,
	       char *err, size_t errlen);
/* fdatasync; 0 or -errno. */
int disk__flush(struct disk *d);
/* Flush and close (the lock goes with the descriptor). */
void disk__close(struct disk *d);

/* struct virtio_blk_backend_ops on a struct disk (opaque). */
extern const struct virtio_blk_backend_ops disk__blk_ops;

#endif /* KVM__DISK_H */
