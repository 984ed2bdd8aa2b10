/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TESTS__VDRIVER_H
#define TESTS__VDRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "fake-mem.h"
#include "kvm/virtio-mmio.h"

/*
 * The driver's side of virtio-mmio for the tests: register accesses, queue
 * set-up, descriptors and rings written into fake guest RAM the way a
 * guest driver would. Also a fake device to plug into the transport.
 */

/* A queue's rings in region A: desc, avail, used; buffers after them. */
#define VD_DESC (FAKE_A_GPA + 0x0000)
#define VD_AVAIL (FAKE_A_GPA + 0x1000)
#define VD_USED (FAKE_A_GPA + 0x2000)
#define VD_BUF (FAKE_A_GPA + 0x4000)

struct vdrv {
	struct virtio_mmio *t;
	struct fake_mem *fm;
	uint16_t size;
	uint64_t desc, avail, used;
	uint16_t avail_idx; /* the driver's next avail index */
	uint16_t used_seen; /* used entries consumed */
};

uint32_t vd_rd(struct virtio_mmio *t, uint32_t off);
int vd_wr(struct virtio_mmio *t, uint32_t off, uint32_t val);
/* ACKNOWLEDGE, DRIVER, features, FEATURES_OK; returns the status read. */
uint32_t vd_negotiate(struct virtio_mmio *t, uint64_t features);
/* Select q, write size and rings, QueueReady=1: the last write's result. */
int vd_setup_queue(struct vdrv *d, unsigned int q, uint16_t size, uint64_t desc,
		   uint64_t avail, uint64_t used);
/* vd_negotiate + vd_setup_queue(0, size, VD_*) + DRIVER_OK; 0 if all OK. */
int vd_start(struct vdrv *d, struct virtio_mmio *t, struct fake_mem *fm,
	     uint64_t features, uint16_t size);

/* Descriptor i of the table at gpa table. */
void vd_desc_at(struct fake_mem *fm, uint64_t table, uint16_t i, uint64_t addr,
		uint32_t len, uint16_t flags, uint16_t next);
void vd_desc(struct vdrv *d, uint16_t i, uint64_t addr, uint32_t len,
	     uint16_t flags, uint16_t next);
/* Put head in the avail ring and bump the avail index. */
void vd_publish(struct vdrv *d, uint16_t head);
void vd_set_avail_idx(struct vdrv *d, uint16_t idx);
void vd_set_avail_flags(struct vdrv *d, uint16_t flags);
void vd_set_used_event(struct vdrv *d, uint16_t event);
uint16_t vd_avail_event(struct vdrv *d);
uint16_t vd_used_flags(struct vdrv *d);
uint16_t vd_used_idx(struct vdrv *d);
/* The next used entry, if there is one. */
bool vd_get_used(struct vdrv *d, uint32_t *id, uint32_t *len);

/* A fake device: records what the transport asked of it. */
struct fdev {
	struct virtio_mmio t;
	struct virtio_mmio_dev_ops ops;
	uint8_t config[16];
	int resets, driver_oks, notifies, irqs;
	unsigned int last_notify;
	uint64_t ok_features;
	int driver_ok_ret;
	void (*on_reset)(struct fdev *f); /* run inside ops->reset */
	void *priv;
};

/* A device with id 42, nr_queues queues of at most qmax entries. */
int fdev__init(struct fdev *f, struct fake_mem *fm, unsigned int nr_queues,
	       uint16_t qmax);

#endif /* TESTS__VDRIVER_H */
