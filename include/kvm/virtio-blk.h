/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__VIRTIO_BLK_H
#define KVM__VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_blk.h>

#include "kvm/virtqueue.h"

/*
 * virtio-blk request handling. Pure: it parses chains popped from a
 * virtqueue and executes them through a backend ops table (the KVM glue
 * implements it on a file descriptor, the tests on a buffer).
 *
 * A request goes through three separate steps so the glue may run the
 * middle one asynchronously:
 *   virtio_blk__parse()    checks the chain and copies what the guest
 *                          could change (header, discard segments);
 *   virtio_blk__execute()  does the I/O through the backend;
 *   virtio_blk__complete() writes the status byte, gives the used length.
 * virtio_blk__handle() does all three (a virtio_chain_fn).
 *
 * Sectors are 512 bytes whatever blk_size says. Every length and range is
 * checked against the capacity, overflow-safe; a chain without a single
 * device-writable byte has nowhere for a status and fails the queue.
 */

/* One queue; chains up to the queue size (header, data, status). */
#define VIRTIO_BLK_QUEUE_SIZE VIRTQ_MAX_SIZE
#define VIRTIO_BLK_SECTOR 512u
/* Most discard or write-zeroes segments in one request. */
#define VIRTIO_BLK_MAX_SEGS 32
/* The config space we expose: up to, not including, secure erase. */
#define VIRTIO_BLK_CONFIG_SIZE 60

struct virtio_blk_backend_ops {
	/* Transfer all of iov at byte offset off: 0 or -errno. */
	int (*readv)(void *opaque, const struct iovec *iov, int iovcnt,
		     uint64_t off);
	int (*writev)(void *opaque, const struct iovec *iov, int iovcnt,
		      uint64_t off);
	int (*flush)(void *opaque);
	/* Optional: without one, the feature is not offered. */
	int (*discard)(void *opaque, uint64_t off, uint64_t len);
	int (*write_zeroes)(void *opaque, uint64_t off, uint64_t len,
			    bool unmap);
};

struct virtio_blk_params {
	uint64_t capacity; /* whole 512-byte sectors of the image */
	bool ro; /* VIRTIO_BLK_F_RO; writes refused with IOERR */
	char serial[VIRTIO_BLK_ID_BYTES]; /* GET_ID: stable, NUL-padded */
	/* 0 picks the default. */
	uint32_t blk_size; /* 512 */
	uint32_t max_discard_sectors; /* 1 << 22 (2 GiB) */
	uint32_t max_discard_seg; /* VIRTIO_BLK_MAX_SEGS, at most that */
	uint32_t discard_sector_alignment; /* blk_size / 512 */
	uint32_t max_write_zeroes_sectors; /* 1 << 22 */
	uint32_t max_write_zeroes_seg; /* VIRTIO_BLK_MAX_SEGS, at most that */
	bool write_zeroes_may_unmap;
};

struct virtio_blk {
	struct virtio_blk_params p;
	const struct virtio_blk_backend_ops *be;
	void *be_opaque;
	uint64_t features; /* device bits offered */
	uint64_t negotiated; /* from virtio_blk__set_features() */
	uint8_t config[VIRTIO_BLK_CONFIG_SIZE]; /* little-endian */
};

struct virtio_blk_req {
	uint32_t type; /* VIRTIO_BLK_T_* */
	uint64_t sector;
	struct iovec *iov; /* the data: part of the chain's iov array */
	unsigned int iovcnt;
	uint32_t len; /* bytes of data */
	uint8_t *status; /* the status byte, in guest RAM */
	uint8_t result; /* VIRTIO_BLK_S_*: from parse, then execute */
	uint32_t written; /* data bytes written for the guest */
	unsigned int nr_segs;
	struct virtio_blk_discard_write_zeroes segs[VIRTIO_BLK_MAX_SEGS];
};

/* The capacity of an image of size bytes: whole sectors; *partial if a
 * tail is left out (the glue warns). */
uint64_t virtio_blk__capacity(uint64_t size, bool *partial);
/* Check params (0 fields get defaults); -EINVAL if unusable. */
int virtio_blk__init(struct virtio_blk *blk,
		     const struct virtio_blk_params *params,
		     const struct virtio_blk_backend_ops *be, void *be_opaque);
/* For struct virtio_mmio_dev_ops: features and config space. */
uint64_t virtio_blk__device_features(const struct virtio_blk *blk);
void virtio_blk__config_read(const struct virtio_blk *blk, uint32_t offset,
			     uint8_t *data, uint32_t len);
/* At DRIVER_OK: what the driver accepted (FLUSH off means write-through). */
void virtio_blk__set_features(struct virtio_blk *blk, uint64_t features);
/*
 * Parse chain c into req (c's iovecs are trimmed in place). 0: req->result
 * is VIRTIO_BLK_S_OK and the request is to be executed, or an error status
 * to complete with at once. -EIO: no status byte; nothing was written and
 * the caller fails the queue.
 */
int virtio_blk__parse(struct virtio_blk *blk, struct virtq_chain *c,
		      struct virtio_blk_req *req);
/* Run a parsed request (result OK) through the backend; sets result. */
void virtio_blk__execute(struct virtio_blk *blk, struct virtio_blk_req *req);
/* Write the status byte; returns the used length for virtq__push(). */
uint32_t virtio_blk__complete(struct virtio_blk_req *req);
/* parse + execute + complete; opaque is the struct virtio_blk. */
int virtio_blk__handle(void *opaque, struct virtq *vq, struct virtq_chain *c,
		       uint32_t *used_len);

#endif /* KVM__VIRTIO_BLK_H */
