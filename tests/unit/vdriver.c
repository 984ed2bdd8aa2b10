// SPDX-License-Identifier: GPL-2.0
#include "vdriver.h"

#include <endian.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <string.h>

uint32_t vd_rd(struct virtio_mmio *t, uint32_t off)
{
	uint32_t v = 0xdeadbeef;

	virtio_mmio__access(t, off, (uint8_t *)&v, 4, false);
	return le32toh(v);
}

int vd_wr(struct virtio_mmio *t, uint32_t off, uint32_t val)
{
	uint32_t v = htole32(val);

	return virtio_mmio__access(t, off, (uint8_t *)&v, 4, true);
}

uint32_t vd_negotiate(struct virtio_mmio *t, uint64_t features)
{
	uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE;

	vd_wr(t, VIRTIO_MMIO_STATUS, 0);
	vd_wr(t, VIRTIO_MMIO_STATUS, s);
	s |= VIRTIO_CONFIG_S_DRIVER;
	vd_wr(t, VIRTIO_MMIO_STATUS, s);
	vd_wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vd_wr(t, VIRTIO_MMIO_DRIVER_FEATURES, features);
	vd_wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vd_wr(t, VIRTIO_MMIO_DRIVER_FEATURES, features >> 32);
	vd_wr(t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_FEATURES_OK);
	return vd_rd(t, VIRTIO_MMIO_STATUS);
}

int vd_setup_queue(struct vdrv *d, unsigned int q, uint16_t size, uint64_t desc,
		   uint64_t avail, uint64_t used)
{
	struct virtio_mmio *t = d->t;

	d->size = size;
	d->desc = desc;
	d->avail = avail;
	d->used = used;
	d->avail_idx = 0;
	d->used_seen = 0;
	vd_wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
	vd_wr(t, VIRTIO_MMIO_QUEUE_NUM, size);
	vd_wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
	vd_wr(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, desc >> 32);
	vd_wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, avail);
	vd_wr(t, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, avail >> 32);
	vd_wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, used);
	vd_wr(t, VIRTIO_MMIO_QUEUE_USED_HIGH, used >> 32);
	return vd_wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
}

int vd_start(struct vdrv *d, struct virtio_mmio *t, struct fake_mem *fm,
	     uint64_t features, uint16_t size)
{
	uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		     VIRTIO_CONFIG_S_FEATURES_OK;

	memset(d, 0, sizeof(*d));
	d->t = t;
	d->fm = fm;
	/* The driver zeroes its rings before it hands them over. */
	memset(fake_mem__host(fm, VD_DESC), 0, VD_BUF - VD_DESC);
	if (vd_negotiate(t, features) != s)
		return -1;
	if (vd_setup_queue(d, 0, size, VD_DESC, VD_AVAIL, VD_USED))
		return -1;
	return vd_wr(t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK);
}

void vd_desc_at(struct fake_mem *fm, uint64_t table, uint16_t i, uint64_t addr,
		uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = {
		.addr = htole64(addr),
		.len = htole32(len),
		.flags = htole16(flags),
		.next = htole16(next),
	};

	memcpy(fake_mem__host(fm, table + 16ULL * i), &d, sizeof(d));
}

void vd_desc(struct vdrv *d, uint16_t i, uint64_t addr, uint32_t len,
	     uint16_t flags, uint16_t next)
{
	vd_desc_at(d->fm, d->desc, i, addr, len, flags, next);
}

static uint16_t *u16_at(struct vdrv *d, uint64_t gpa)
{
	return fake_mem__host(d->fm, gpa);
}

void vd_set_avail_idx(struct vdrv *d, uint16_t idx)
{
	d->avail_idx = idx;
	__atomic_store_n(u16_at(d, d->avail + 2), htole16(idx),
			 __ATOMIC_RELEASE);
}

void vd_publish(struct vdrv *d, uint16_t head)
{
	uint64_t slot = d->avail + 4 + 2ULL * (d->avail_idx & (d->size - 1));

	__atomic_store_n(u16_at(d, slot), htole16(head), __ATOMIC_RELAXED);
	vd_set_avail_idx(d, d->avail_idx + 1);
}

void vd_set_avail_flags(struct vdrv *d, uint16_t flags)
{
	__atomic_store_n(u16_at(d, d->avail), htole16(flags), __ATOMIC_RELAXED);
}

void vd_set_used_event(struct vdrv *d, uint16_t event)
{
	__atomic_store_n(u16_at(d, d->avail + 4 + 2ULL * d->size),
			 htole16(event), __ATOMIC_RELAXED);
}

uint16_t vd_avail_event(struct vdrv *d)
{
	return le16toh(__atomic_load_n(u16_at(d, d->used + 4 + 8ULL * d->size),
				       __ATOMIC_RELAXED));
}

uint16_t vd_used_flags(struct vdrv *d)
{
	return le16toh(__atomic_load_n(u16_at(d, d->used), __ATOMIC_RELAXED));
}

uint16_t vd_used_idx(struct vdrv *d)
{
	return le16toh(
		__atomic_load_n(u16_at(d, d->used + 2), __ATOMIC_ACQUIRE));
}

bool vd_get_used(struct vdrv *d, uint32_t *id, uint32_t *len)
{
	uint64_t e;
	uint32_t *p;

	if (vd_used_idx(d) == d->used_seen)
		return false;
	e = d->used + 4 + 8ULL * (d->used_seen & (d->size - 1));
	p = fake_mem__host(d->fm, e);
	*id = le32toh(__atomic_load_n(&p[0], __ATOMIC_RELAXED));
	*len = le32toh(__atomic_load_n(&p[1], __ATOMIC_RELAXED));
	d->used_seen++;
	return true;
}

/* --- the fake device ------------------------------------------------ */

static void fdev_config_read(void *dev, uint32_t off, uint8_t *data,
			     uint32_t len)
{
	struct fdev *f = dev;

	memcpy(data, f->config + off, len);
}

static int fdev_config_write(void *dev, uint32_t off, const uint8_t *data,
			     uint32_t len)
{
	struct fdev *f = dev;

	memcpy(f->config + off, data, len);
	return 0;
}

static int fdev_driver_ok(void *dev, uint64_t features)
{
	struct fdev *f = dev;

	f->driver_oks++;
	f->ok_features = features;
	return f->driver_ok_ret;
}

static void fdev_notify(void *dev, unsigned int q)
{
	struct fdev *f = dev;

	f->notifies++;
	f->last_notify = q;
}

static void fdev_reset(void *dev)
{
	struct fdev *f = dev;

	f->resets++;
	if (f->on_reset)
		f->on_reset(f);
}

static void fdev_irq(void *opaque)
{
	struct fdev *f = opaque;

	__atomic_fetch_add(&f->irqs, 1, __ATOMIC_RELAXED);
}

int fdev__init(struct fdev *f, struct fake_mem *fm, unsigned int nr_queues,
	       uint16_t qmax)
{
	memset(f, 0, sizeof(*f));
	f->ops = (struct virtio_mmio_dev_ops){
		.device_id = 42,
		.features = 1ULL << 3,
		.nr_queues = nr_queues,
		.queue_num_max = qmax,
		.config_size = sizeof(f->config),
		.config_read = fdev_config_read,
		.config_write = fdev_config_write,
		.driver_ok = fdev_driver_ok,
		.notify = fdev_notify,
		.reset = fdev_reset,
	};
	return virtio_mmio__init(&f->t, &fm->mem, &f->ops, f, fdev_irq, f);
}
