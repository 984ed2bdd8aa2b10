// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the virtio-mmio register file, on the MMIO bus, with
 * a virtio-blk device behind it. The input is a list of register reads
 * and writes of any width and offset, guest memory writes, ready-made
 * driver steps (a full start, a block request) and device steps (the
 * worker's loop, interrupts, DEVICE_NEEDS_RESET, config changes). After
 * every step the transport must be in a state the spec allows.
 */
#include "fuzz.h"
#include "fuzz-blk-disk.h"
#include "vdriver.h"

#include "kvm/mmio.h"
#include "kvm/util.h"
#include "kvm/virtio-blk.h"
#include "kvm/virtio-mmio.h"

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#define BASE 0x0a000000ULL
#define F_V1 (1ULL << VIRTIO_F_VERSION_1)

enum {
	OP_READ,
	OP_WRITE,
	OP_REG,
	OP_START,
	OP_MEM,
	OP_REQ,
	OP_WORK,
	OP_IRQ,
	OP_NEEDS_RESET,
	OP_CONFIG,
	OP_MAX
};

static const uint16_t regs[] = {
	VIRTIO_MMIO_DEVICE_FEATURES_SEL,
	VIRTIO_MMIO_DRIVER_FEATURES,
	VIRTIO_MMIO_DRIVER_FEATURES_SEL,
	VIRTIO_MMIO_QUEUE_SEL,
	VIRTIO_MMIO_QUEUE_NUM,
	VIRTIO_MMIO_QUEUE_READY,
	VIRTIO_MMIO_QUEUE_NOTIFY,
	VIRTIO_MMIO_INTERRUPT_ACK,
	VIRTIO_MMIO_STATUS,
	VIRTIO_MMIO_QUEUE_DESC_LOW,
	VIRTIO_MMIO_QUEUE_DESC_HIGH,
	VIRTIO_MMIO_QUEUE_AVAIL_LOW,
	VIRTIO_MMIO_QUEUE_AVAIL_HIGH,
	VIRTIO_MMIO_QUEUE_USED_LOW,
	VIRTIO_MMIO_QUEUE_USED_HIGH,
};

static const uint32_t types[] = {
	VIRTIO_BLK_T_IN,	   VIRTIO_BLK_T_OUT,
	VIRTIO_BLK_T_FLUSH,	   VIRTIO_BLK_T_GET_ID,
	VIRTIO_BLK_T_DISCARD,	   VIRTIO_BLK_T_WRITE_ZEROES,
	VIRTIO_BLK_T_SECURE_ERASE, 77,
};

struct dev {
	struct virtio_blk blk;
	struct fuzz_disk disk;
	struct virtio_mmio t;
	struct virtio_mmio_dev_ops ops;
	struct mmio_bus bus;
	struct vdrv d;
	struct virtq_chain c;
};

static void cfg_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	virtio_blk__config_read(&((struct dev *)dev)->blk, off, data, len);
}

static int driver_ok(void *dev, uint64_t features)
{
	virtio_blk__set_features(&((struct dev *)dev)->blk, features);
	return 0;
}

static void irq(void *opaque)
{
	(void)opaque;
}

static void nop_update(void *dev, void *arg)
{
	(void)dev;
	(void)arg;
}

static void check_state(struct dev *v, struct fake_mem *fm)
{
	uint32_t status = v->t.status;
	uint64_t f = virtio_mmio__features(&v->t);
	struct virtq *vq = &v->t.vqs[0];

	if (status & VIRTIO_CONFIG_S_FEATURES_OK) {
		FUZZ_ASSERT(f & F_V1);
		FUZZ_ASSERT(!(f & ~(v->ops.features | F_V1 |
				    (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
				    (1ULL << VIRTIO_RING_F_EVENT_IDX))));
	} else {
		FUZZ_ASSERT(!(status & VIRTIO_CONFIG_S_DRIVER_OK));
	}
	if (vq->live) {
		FUZZ_ASSERT(vq->size && vq->size <= v->ops.queue_num_max);
		FUZZ_ASSERT(
			guest_mem__ptr(&fm->mem, vq->desc_gpa, 16 * vq->size));
		FUZZ_ASSERT(!(vq->used_gpa % 4));
	}
	FUZZ_ASSERT(!(v->t.int_status & ~3u));
}

/* A block request: header, data, status, in the first queue's layout. */
static void request(struct dev *v, struct input *in)
{
	struct vdrv *d = &v->d;
	uint16_t size = d->size ? d->size : 1;
	uint16_t head = IN8(in) % size;
	uint32_t len = IN16(in) % 2049;
	uint16_t dflags = IN8(in) & VRING_DESC_F_WRITE;
	/* Each head has its own header, data and status buffers. */
	uint64_t hdr = VD_BUF + 16 * head, st = VD_BUF + 0x800 + head;
	uint64_t data = VD_BUF + 0x1000 + 0x800ULL * (head % 16);
	uint16_t i1 = (head + 1) % size, i2 = (head + 2) % size;
	uint8_t h[16];
	uint64_t sector = IN16(in) % (DISK_SECTORS + 4);
	uint32_t type = types[IN8(in) % 8];

	if (!d->t || !d->size) /* no OP_START got as far as the queue */
		return;
	memcpy(h, &type, 4);
	memset(h + 4, 0, 4);
	memcpy(h + 8, &sector, 8);
	memcpy(fake_mem__host(d->fm, hdr), h, 16);
	memcpy(fake_mem__host(d->fm, data), in->p, in->n < 64 ? in->n : 64);
	vd_desc(d, head, hdr, 16, VRING_DESC_F_NEXT, len ? i1 : i2);
	if (len)
		vd_desc(d, i1, data, len, dflags | VRING_DESC_F_NEXT, i2);
	vd_desc(d, i2, st, 1, VRING_DESC_F_WRITE, 0);
	vd_publish(d, head);
}

static void step(struct dev *v, struct fake_mem *fm, struct input *in)
{
	static const uint8_t widths[] = { 1, 2, 4, 8 };
	uint8_t buf[8];
	uint64_t off, val;
	uint32_t len;
	int ret;

	switch (IN8(in) % OP_MAX) {
	case OP_READ:
		off = IN16(in) % 0x240;
		len = widths[IN8(in) % 4];
		memset(buf, 0xee, sizeof(buf));
		ret = mmio_bus__dispatch(&v->bus, BASE + off, buf, len, false);
		if (ret == -EINVAL || ret == -ENOENT)
			FUZZ_ASSERT(!memcmp(buf, "\0\0\0\0\0\0\0\0", len));
		break;
	case OP_WRITE:
		off = IN16(in) % 0x240;
		len = widths[IN8(in) % 4];
		val = IN64(in);
		memcpy(buf, &val, 8);
		mmio_bus__dispatch(&v->bus, BASE + off, buf, len, true);
		break;
	case OP_REG:
		off = regs[IN8(in) % ARRAY_SIZE(regs)];
		/* Ring addresses low halves: near RAM, usually. */
		if (off >= VIRTIO_MMIO_QUEUE_DESC_LOW && !(off & 4))
			val = in_gpa(in);
		else
			val = IN32(in);
		vd_wr(&v->t, off, val);
		break;
	case OP_START:
		val = IN64(in);
		if (IN8(in) & 1)
			val |= F_V1;
		len = 1u << (IN8(in) % 10);
		vd_start(&v->d, &v->t, fm, val, len);
		break;
	case OP_MEM:
		off = in_gpa(in);
		val = IN64(in);
		len = 1 + IN8(in) % 8;
		if (guest_mem__ptr(&fm->mem, off, len))
			memcpy(guest_mem__ptr(&fm->mem, off, len), &val, len);
		break;
	case OP_REQ:
		request(v, in);
		break;
	case OP_WORK:
		off = IN8(in) % 2;
		len = 1 + IN8(in) % 8;
		virtio_mmio__process(&v->t, off, &v->c, len, virtio_blk__handle,
				     &v->blk);
		break;
	case OP_IRQ:
		virtio_mmio__interrupt(&v->t, IN8(in) & 3);
		break;
	case OP_NEEDS_RESET:
		virtio_mmio__needs_reset(&v->t);
		break;
	case OP_CONFIG:
		virtio_mmio__update_config(&v->t, nop_update, NULL);
		break;
	}
	check_state(v, fm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dev v;
	struct fake_mem *fm = fuzz_mem();
	struct input in = { data, size };
	struct virtio_blk_params p = { .serial = "fuzz" };
	uint8_t hdr = IN8(&in);
	unsigned int steps = 0;

	memset(&v.d, 0, sizeof(v.d));
	v.disk.capacity = p.capacity = DISK_SECTORS - (hdr >> 4);
	v.disk.fail = hdr & 8 ? -EIO : 0;
	p.ro = hdr & 1;
	p.write_zeroes_may_unmap = hdr & 2;
	if (virtio_blk__init(&v.blk, &p, &fuzz_disk_ops, &v.disk))
		abort();
	v.ops = (struct virtio_mmio_dev_ops){
		.device_id = VIRTIO_ID_BLOCK,
		.features = virtio_blk__device_features(&v.blk),
		.nr_queues = 1,
		.queue_num_max = hdr & 4 ? 64 : VIRTIO_BLK_QUEUE_SIZE,
		.config_size = VIRTIO_BLK_CONFIG_SIZE,
		.config_read = cfg_read,
		.driver_ok = driver_ok,
	};
	if (virtio_mmio__init(&v.t, &fm->mem, &v.ops, &v, irq, NULL))
		abort();
	mmio_bus__init(&v.bus);
	if (mmio_bus__register(&v.bus, BASE, VIRTIO_MMIO_WINDOW,
			       virtio_mmio__access, &v.t, "virtio"))
		abort();
	while (in.n && steps++ < 4096)
		step(&v, fm, &in);
	virtio_mmio__exit(&v.t);
	return 0;
}

#ifdef FUZZ_SEEDS
static void reg(struct seed *sd, unsigned int idx, uint32_t val)
{
	put(sd, OP_REG, 1);
	put(sd, idx, 1);
	put(sd, val, 4);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	struct seed sd = { .n = 0 };
	uint64_t f = (1ULL << VIRTIO_RING_F_EVENT_IDX) |
		     (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
		     (1ULL << VIRTIO_BLK_F_FLUSH) |
		     (1ULL << VIRTIO_BLK_F_DISCARD) |
		     (1ULL << VIRTIO_BLK_F_SEG_MAX);
	int i;

	/* A full start, then a read, a write and a flush, then work. */
	put(&sd, 0, 1);
	put(&sd, OP_START, 1);
	put(&sd, f, 8);
	put(&sd, 1, 1);
	put(&sd, 4, 1); /* 16 entries */
	for (i = 0; i < 3; i++) {
		put(&sd, OP_REQ, 1);
		put(&sd, 3 * i, 1);
		put(&sd, i == 2 ? 0 : 1024, 2);
		put(&sd, i ? 0 : VRING_DESC_F_WRITE, 1);
		put(&sd, 4 * i, 2);
		put(&sd, i, 1);
	}
	put(&sd, OP_WORK, 1);
	put(&sd, 0, 1);
	put(&sd, 7, 1);
	put(&sd, OP_READ, 1);
	put(&sd, VIRTIO_MMIO_INTERRUPT_STATUS, 2);
	put(&sd, 2, 1);
	seed_write(dir, "start-and-requests", &sd);

	/* Register by register, as Linux's driver does, reads included. */
	sd.n = 0;
	put(&sd, 0, 1);
	reg(&sd, 8, 0);
	reg(&sd, 8, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	reg(&sd, 8, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	reg(&sd, 2, 1);
	reg(&sd, 1, 1);
	reg(&sd, 2, 0);
	reg(&sd, 1, f);
	reg(&sd, 8, 0xb);
	put(&sd, OP_READ, 1);
	put(&sd, VIRTIO_MMIO_STATUS, 2);
	put(&sd, 2, 1);
	reg(&sd, 3, 0);
	reg(&sd, 4, 8);
	put(&sd, OP_READ, 1);
	put(&sd, VIRTIO_MMIO_QUEUE_NUM_MAX, 2);
	put(&sd, 2, 1);
	for (i = 0; i < 6; i++) {
		reg(&sd, 9 + i, 0);
		if (!(i & 1)) {
			sd.n -= 4;
			put_gpa_a(&sd, VD_DESC + 0x1000 * (i / 2));
		}
	}
	reg(&sd, 5, 1);
	reg(&sd, 8, 0xf);
	put(&sd, OP_READ, 1);
	put(&sd, 0x100, 2);
	put(&sd, 2, 1);
	put(&sd, OP_READ, 1);
	put(&sd, VIRTIO_MMIO_CONFIG_GENERATION, 2);
	put(&sd, 2, 1);
	reg(&sd, 6, 0);
	seed_write(dir, "register-by-register", &sd);
	return 0;
}
#endif
