// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "fake-mem.h"
#include "vdriver.h"
#include "kvm/util.h"
#include "kvm/virtio-mmio.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#define F_V1 (1ULL << VIRTIO_F_VERSION_1)
#define F_INDIRECT (1ULL << VIRTIO_RING_F_INDIRECT_DESC)
#define F_EVENT (1ULL << VIRTIO_RING_F_EVENT_IDX)
#define F_DEV (1ULL << 3) /* the fake device's own feature */
#define F_ALL (F_V1 | F_INDIRECT | F_EVENT | F_DEV)

#define S_ACK VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRV VIRTIO_CONFIG_S_DRIVER
#define S_FOK VIRTIO_CONFIG_S_FEATURES_OK
#define S_DOK VIRTIO_CONFIG_S_DRIVER_OK
#define S_NR VIRTIO_CONFIG_S_NEEDS_RESET

struct env {
	struct fake_mem fm;
	struct fdev f;
	struct vdrv d;
	struct virtio_mmio *t;
	struct virtq_chain c;
};

static struct env *env_new(struct test_ctx *t, unsigned int nr_queues)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e || fake_mem__init(&e->fm)) {
		CHECK(t, !"fake RAM");
		free(e);
		return NULL;
	}
	if (fdev__init(&e->f, &e->fm, nr_queues, 256)) {
		CHECK(t, !"fdev__init");
		fake_mem__exit(&e->fm);
		free(e);
		return NULL;
	}
	e->t = &e->f.t;
	e->d.t = e->t;
	e->d.fm = &e->fm;
	return e;
}

static void env_free(struct env *e)
{
	if (!e)
		return;
	virtio_mmio__exit(e->t);
	fake_mem__exit(&e->fm);
	free(e);
}

static int acc(struct virtio_mmio *t, uint64_t off, uint32_t len, bool is_write,
	       uint64_t *val)
{
	uint8_t buf[8];
	int ret;

	memcpy(buf, val, 8);
	ret = virtio_mmio__access(t, off, buf, len, is_write);
	*val = 0;
	memcpy(val, buf, len);
	return ret;
}

static void identity(struct test_ctx *t)
{
	struct env *e = env_new(t, 1);

	if (!e)
		return;
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_VERSION), 2);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_DEVICE_ID), 42);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_DEVICE_FEATURES),
		 (uint32_t)(F_INDIRECT | F_EVENT | F_DEV));
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_DEVICE_FEATURES), 1);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	env_free(e);
}

static void bad_offsets_and_widths(struct test_ctx *t)
{
	static const uint32_t bad_reads[] = {
		0x018, /* reserved */
		VIRTIO_MMIO_DEVICE_FEATURES_SEL,
		VIRTIO_MMIO_DRIVER_FEATURES,
		VIRTIO_MMIO_GUEST_PAGE_SIZE,
		VIRTIO_MMIO_QUEUE_SEL,
		VIRTIO_MMIO_QUEUE_NUM,
		VIRTIO_MMIO_QUEUE_ALIGN,
		VIRTIO_MMIO_QUEUE_PFN,
		VIRTIO_MMIO_QUEUE_NOTIFY,
		VIRTIO_MMIO_INTERRUPT_ACK,
		VIRTIO_MMIO_QUEUE_DESC_LOW,
		VIRTIO_MMIO_QUEUE_USED_HIGH,
		0x0f8,
	};
	static const uint32_t bad_writes[] = {
		VIRTIO_MMIO_MAGIC_VALUE,       VIRTIO_MMIO_VERSION,
		VIRTIO_MMIO_DEVICE_ID,	       VIRTIO_MMIO_DEVICE_FEATURES,
		VIRTIO_MMIO_QUEUE_NUM_MAX,     VIRTIO_MMIO_GUEST_PAGE_SIZE,
		VIRTIO_MMIO_QUEUE_PFN,	       VIRTIO_MMIO_INTERRUPT_STATUS,
		VIRTIO_MMIO_CONFIG_GENERATION, 0x0f8,
	};
	struct env *e = env_new(t, 1);
	uint64_t v;
	size_t i;

	if (!e)
		return;
	for (i = 0; i < ARRAY_SIZE(bad_reads); i++) {
		v = ~0ULL;
		CHECK_EQ(t, acc(e->t, bad_reads[i], 4, false, &v), -EINVAL);
		CHECK_EQ(t, v, 0);
	}
	for (i = 0; i < ARRAY_SIZE(bad_writes); i++) {
		v = 0x12345678;
		CHECK_EQ(t, acc(e->t, bad_writes[i], 4, true, &v), -EINVAL);
	}
	/* Registers are 32-bit, aligned: all else reads 0. */
	v = ~0ULL;
	CHECK_EQ(t, acc(e->t, VIRTIO_MMIO_MAGIC_VALUE, 1, false, &v), -EINVAL);
	CHECK_EQ(t, v, 0);
	v = ~0ULL;
	CHECK_EQ(t, acc(e->t, VIRTIO_MMIO_MAGIC_VALUE, 2, false, &v), -EINVAL);
	CHECK_EQ(t, v, 0);
	v = ~0ULL;
	CHECK_EQ(t, acc(e->t, VIRTIO_MMIO_MAGIC_VALUE, 8, false, &v), -EINVAL);
	CHECK_EQ(t, v, 0);
	v = ~0ULL;
	CHECK_EQ(t, acc(e->t, VIRTIO_MMIO_MAGIC_VALUE + 2, 4, false, &v),
		 -EINVAL);
	CHECK_EQ(t, v, 0);
	/* A byte write to Status does nothing. */
	v = S_ACK;
	CHECK_EQ(t, acc(e->t, VIRTIO_MMIO_STATUS, 1, true, &v), -EINVAL);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), 0);
	/* Past the window. */
	v = ~0ULL;
	CHECK_EQ(t, acc(e->t, VIRTIO_MMIO_WINDOW, 4, false, &v), -EINVAL);
	CHECK_EQ(t, v, 0);
	CHECK_EQ(t, acc(e->t, UINT64_MAX - 1, 4, false, &v), -EINVAL);
	env_free(e);
}

static void config_space(struct test_ctx *t)
{
	struct env *e = env_new(t, 1);
	uint64_t v;
	unsigned int i;

	if (!e)
		return;
	for (i = 0; i < sizeof(e->f.config); i++)
		e->f.config[i] = 0x10 + i;
	v = 0;
	CHECK_EQ(t, acc(e->t, 0x100, 4, false, &v), 0);
	CHECK_EQ(t, v, 0x13121110);
	CHECK_EQ(t, acc(e->t, 0x10e, 2, false, &v), 0);
	CHECK_EQ(t, v, 0x1f1e);
	CHECK_EQ(t, acc(e->t, 0x10f, 1, false, &v), 0);
	CHECK_EQ(t, v, 0x1f);
	/* 8 bytes, misaligned, past the device's config: 0 and -EINVAL. */
	v = ~0ULL;
	CHECK_EQ(t, acc(e->t, 0x100, 8, false, &v), -EINVAL);
	CHECK_EQ(t, v, 0);
	v = ~0ULL;
	CHECK_EQ(t, acc(e->t, 0x101, 2, false, &v), -EINVAL);
	CHECK_EQ(t, v, 0);
	v = ~0ULL;
	CHECK_EQ(t, acc(e->t, 0x10e, 4, false, &v), -EINVAL);
	CHECK_EQ(t, v, 0);
	v = ~0ULL;
	CHECK_EQ(t, acc(e->t, 0x110, 1, false, &v), -EINVAL);
	CHECK_EQ(t, v, 0);
	v = ~0ULL;
	CHECK_EQ(t, acc(e->t, 0x1fc, 4, false, &v), -EINVAL);
	CHECK_EQ(t, v, 0);
	/* Writes go to the device; a read-only config refuses them. */
	v = 0xab;
	CHECK_EQ(t, acc(e->t, 0x104, 1, true, &v), 0);
	CHECK_EQ(t, e->f.config[4], 0xab);
	e->f.ops.config_write = NULL;
	v = 0xcd;
	CHECK_EQ(t, acc(e->t, 0x104, 1, true, &v), -EINVAL);
	CHECK_EQ(t, e->f.config[4], 0xab);
	env_free(e);
}

static void negotiation_needs_version_1(struct test_ctx *t)
{
	struct env *e = env_new(t, 1);

	if (!e)
		return;
	/* Without VERSION_1: FEATURES_OK is not kept. */
	CHECK_EQ(t, vd_negotiate(e->t, F_INDIRECT | F_DEV), S_ACK | S_DRV);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK),
		 -ENOTSUP);
	CHECK_EQ(t, virtio_mmio__features(e->t), 0);
	/* Nor DRIVER_OK, which needs FEATURES_OK. */
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_DOK),
		 -EPERM);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), S_ACK | S_DRV);
	CHECK_EQ(t, e->f.driver_oks, 0);
	/* A feature the device did not offer is refused too. */
	CHECK_EQ(t, vd_negotiate(e->t, F_V1 | (1ULL << 4)), S_ACK | S_DRV);
	CHECK_EQ(t, vd_negotiate(e->t, F_V1 | (1ULL << 40)), S_ACK | S_DRV);
	/* VERSION_1 and a subset of the rest is fine. */
	CHECK_EQ(t, vd_negotiate(e->t, F_V1 | F_EVENT), S_ACK | S_DRV | S_FOK);
	CHECK_EQ(t, virtio_mmio__features(e->t), F_V1 | F_EVENT);
	CHECK_EQ(t,
		 vd_wr(e->t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK),
		 0);
	CHECK_EQ(t, e->f.driver_oks, 1);
	CHECK_EQ(t, e->f.ok_features, F_V1 | F_EVENT);
	env_free(e);
}

static void writes_in_wrong_state(struct test_ctx *t)
{
	struct env *e = env_new(t, 2);

	if (!e)
		return;
	/* Driver features before DRIVER is set. */
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_DRIVER_FEATURES, 1), -EPERM);
	/* DRIVER without ACKNOWLEDGE, FEATURES_OK without DRIVER. */
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, S_DRV), -EPERM);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, S_ACK | S_FOK), -EPERM);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), S_ACK);
	/* Queue set-up before FEATURES_OK. */
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 8), -EPERM);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_READY, 1), -EPERM);
	CHECK_EQ(t, e->t->vqs[0].size, 0);
	/* Features after FEATURES_OK do not change what was agreed. */
	CHECK_EQ(t, vd_negotiate(e->t, F_V1), S_ACK | S_DRV | S_FOK);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0), 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_DRIVER_FEATURES, F_EVENT), -EPERM);
	CHECK_EQ(t, virtio_mmio__features(e->t), F_V1);
	/* Status bits only go away by a reset. */
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV), -EPERM);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK);
	/* QueueNotify before DRIVER_OK, and for a queue that is not there. */
	e->d.t = e->t;
	CHECK_EQ(t, vd_setup_queue(&e->d, 0, 8, VD_DESC, VD_AVAIL, VD_USED), 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NOTIFY, 0), -EPERM);
	CHECK_EQ(t, e->f.notifies, 0);
	CHECK_EQ(t,
		 vd_wr(e->t, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK),
		 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NOTIFY, 2), -ERANGE);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NOTIFY, 1), -EPERM);
	CHECK_EQ(t, e->f.notifies, 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NOTIFY, 0), 0);
	CHECK_EQ(t, e->f.notifies, 1);
	CHECK_EQ(t, e->f.last_notify, 0);
	/* No queue set-up after DRIVER_OK, not even of an idle queue. */
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_SEL, 1), 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 8), -EPERM);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_READY, 1), -EPERM);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_SEL, 0), 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_READY, 0), -EPERM);
	CHECK(t, virtio_mmio__queue(e->t, 0) != NULL);
	/* The driver cannot set NEEDS_RESET itself. */
	CHECK_EQ(t,
		 vd_wr(e->t, VIRTIO_MMIO_STATUS,
		       S_ACK | S_DRV | S_FOK | S_DOK | S_NR),
		 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS),
		 S_ACK | S_DRV | S_FOK | S_DOK);
	env_free(e);
}

static void queue_registers(struct test_ctx *t)
{
	struct env *e = env_new(t, 2);
	struct virtq *vq;

	if (!e)
		return;
	vq = &e->t->vqs[0];
	CHECK_EQ(t, vd_negotiate(e->t, F_V1), S_ACK | S_DRV | S_FOK);
	/* Sizes: a power of 2, 1 to QueueNumMax. A bad one leaves none. */
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 256), 0);
	CHECK_EQ(t, vq->size, 256);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 0), -ERANGE);
	CHECK_EQ(t, vq->size, 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 1), 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 24), -ERANGE);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 512), -ERANGE);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 0x10008), -ERANGE);
	CHECK_EQ(t, vq->size, 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_READY, 1), -EIO);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_QUEUE_READY), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS),
		 S_ACK | S_DRV | S_FOK | S_NR);
	/* No interrupt before DRIVER_OK. */
	CHECK_EQ(t, e->f.irqs, 0);

	/* A queue that is not there: NumMax 0, writes refused. */
	CHECK_EQ(t, vd_negotiate(e->t, F_V1), S_ACK | S_DRV | S_FOK);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_SEL, 2), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_QUEUE_READY), 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 8), -ERANGE);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_READY, 1), -ERANGE);

	/* Live: size and addresses are refused, unchanged. */
	CHECK_EQ(t, vd_setup_queue(&e->d, 0, 8, VD_DESC, VD_AVAIL, VD_USED), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_QUEUE_READY), 1);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 16), -EBUSY);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000), -EBUSY);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_DESC_HIGH, 1), -EBUSY);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, 0x1000), -EBUSY);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 1), -EBUSY);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_USED_LOW, 0x1000), -EBUSY);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_USED_HIGH, 1), -EBUSY);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_READY, 2), -ERANGE);
	CHECK_EQ(t, vq->size, 8);
	CHECK_EQ(t, vq->desc_gpa, VD_DESC);
	CHECK_EQ(t, vq->avail_gpa, VD_AVAIL);
	CHECK_EQ(t, vq->used_gpa, VD_USED);
	CHECK(t, vq->live);
	/* QueueReady 0 (before DRIVER_OK) makes it configurable again. */
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_READY, 0), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_QUEUE_READY), 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_NUM, 16), 0);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_QUEUE_READY, 1), 0);
	CHECK_EQ(t, vq->size, 16);
	CHECK(t, !(vd_rd(e->t, VIRTIO_MMIO_STATUS) & S_NR));
	env_free(e);
}

/* Each bad ring placement: QueueReady stays 0 and NEEDS_RESET is set. */
static void ring_placement(struct test_ctx *t)
{
	static const struct {
		uint64_t desc, avail, used;
		uint16_t size;
	} bad[] = {
		{ VD_DESC + 8, VD_AVAIL, VD_USED, 8 },
		{ VD_DESC, VD_AVAIL + 1, VD_USED, 8 },
		{ VD_DESC, VD_AVAIL, VD_USED + 2, 8 },
		{ FAKE_HOLE_GPA, VD_AVAIL, VD_USED, 8 },
		{ FAKE_HOLE_GPA - 64, VD_AVAIL, VD_USED, 8 },
		{ VD_DESC, FAKE_END - 16, VD_USED, 8 },
		{ VD_DESC, VD_AVAIL, FAKE_END - 64, 8 },
		{ VD_DESC, VD_AVAIL, FAKE_B_GPA - 64, 8 },
		{ 0, VD_AVAIL, VD_USED, 8 },
		{ 0xfffffffffffffff0ULL, VD_AVAIL, VD_USED, 8 },
	};
	struct env *e = env_new(t, 1);
	size_t i;

	if (!e)
		return;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(t, vd_negotiate(e->t, F_V1), S_ACK | S_DRV | S_FOK);
		CHECK_EQ(t,
			 vd_setup_queue(&e->d, 0, bad[i].size, bad[i].desc,
					bad[i].avail, bad[i].used),
			 -EIO);
		CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_QUEUE_READY), 0);
		CHECK(t, vd_rd(e->t, VIRTIO_MMIO_STATUS) & S_NR);
		CHECK(t, !virtio_mmio__queue(e->t, 0));
	}
	/* The same rings, well placed, work (the end of RAM exactly). */
	CHECK_EQ(t, vd_negotiate(e->t, F_V1), S_ACK | S_DRV | S_FOK);
	CHECK_EQ(t,
		 vd_setup_queue(&e->d, 0, 8, FAKE_B_GPA, FAKE_END - 22,
				FAKE_END - 72),
		 0);
	CHECK(t, !(vd_rd(e->t, VIRTIO_MMIO_STATUS) & S_NR));
	env_free(e);
}

/*
 * Reset while the worker holds a chain: ops->reset runs first (the queue
 * still live then), and the late completion is refused afterwards.
 */
static struct test_ctx *reset_t;

static void check_live_at_reset(struct fdev *f)
{
	CHECK(reset_t, f->t.vqs[0].live);
}

static void reset_mid_request(struct test_ctx *t)
{
	struct env *e = env_new(t, 1);
	struct virtq *vq;
	uint32_t id, len;

	if (!e)
		return;
	CHECK_EQ(t, vd_start(&e->d, e->t, &e->fm, F_ALL, 8), 0);
	reset_t = t;
	e->f.on_reset = check_live_at_reset;
	vq = virtio_mmio__queue(e->t, 0);
	if (!vq) {
		CHECK(t, vq != NULL);
		env_free(e);
		return;
	}
	vd_desc(&e->d, 0, VD_BUF, 64, VRING_DESC_F_WRITE, 0);
	vd_publish(&e->d, 0);
	CHECK_EQ(t, virtq__pop(vq, &e->c), 1);

	e->f.resets = 0;
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, 0), 0);
	CHECK_EQ(t, e->f.resets, 1);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), 0);
	CHECK(t, !virtio_mmio__queue(e->t, 0));
	CHECK_EQ(t, virtq__push(vq, &e->c, 64), -ESTALE);
	CHECK_EQ(t, vd_used_idx(&e->d), 0);
	CHECK(t, !virtq__should_interrupt(vq));

	/* Set up again: the old chain is still refused, new ones work. */
	e->f.on_reset = NULL;
	CHECK_EQ(t, vd_start(&e->d, e->t, &e->fm, F_ALL, 8), 0);
	CHECK_EQ(t, virtq__push(vq, &e->c, 64), -ESTALE);
	CHECK_EQ(t, vd_used_idx(&e->d), 0);
	vd_desc(&e->d, 1, VD_BUF, 64, VRING_DESC_F_WRITE, 0);
	vd_publish(&e->d, 1);
	CHECK_EQ(t, virtq__pop(vq, &e->c), 1);
	CHECK_EQ(t, virtq__push(vq, &e->c, 64), 0);
	CHECK(t, vd_get_used(&e->d, &id, &len));
	CHECK_EQ(t, id, 1);
	CHECK_EQ(t, len, 64);
	env_free(e);
}

static void bump_config(void *dev, void *arg)
{
	struct fdev *f = dev;

	f->config[0] = *(uint8_t *)arg;
}

static void config_generation(struct test_ctx *t)
{
	struct env *e = env_new(t, 1);
	uint32_t gen;
	uint8_t v = 7;

	if (!e)
		return;
	gen = vd_rd(e->t, VIRTIO_MMIO_CONFIG_GENERATION);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_CONFIG_GENERATION), gen);
	virtio_mmio__update_config(e->t, bump_config, &v);
	CHECK(t, vd_rd(e->t, VIRTIO_MMIO_CONFIG_GENERATION) != gen);
	CHECK_EQ(t, e->f.config[0], 7);
	CHECK_EQ(t, e->f.irqs, 0); /* not before DRIVER_OK */
	CHECK_EQ(t, vd_start(&e->d, e->t, &e->fm, F_ALL, 8), 0);
	gen = vd_rd(e->t, VIRTIO_MMIO_CONFIG_GENERATION);
	v = 9;
	virtio_mmio__update_config(e->t, bump_config, &v);
	CHECK(t, vd_rd(e->t, VIRTIO_MMIO_CONFIG_GENERATION) != gen);
	CHECK_EQ(t, e->f.irqs, 1);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS),
		 VIRTIO_MMIO_INT_CONFIG);
	env_free(e);
}

static void interrupt_status_and_ack(struct test_ctx *t)
{
	struct env *e = env_new(t, 1);

	if (!e)
		return;
	virtio_mmio__interrupt(e->t, VIRTIO_MMIO_INT_VRING);
	CHECK_EQ(t, e->f.irqs, 1);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS), 1);
	/* Already pending: no second edge. */
	virtio_mmio__interrupt(e->t, VIRTIO_MMIO_INT_VRING);
	CHECK_EQ(t, e->f.irqs, 1);
	/* A new cause is a new edge. */
	virtio_mmio__interrupt(e->t, VIRTIO_MMIO_INT_CONFIG);
	CHECK_EQ(t, e->f.irqs, 2);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS), 3);
	virtio_mmio__interrupt(e->t, VIRTIO_MMIO_INT_VRING);
	CHECK_EQ(t, e->f.irqs, 2);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_INTERRUPT_ACK, 1), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS), 2);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_INTERRUPT_ACK, 0xffffffff), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	virtio_mmio__interrupt(e->t, VIRTIO_MMIO_INT_VRING);
	CHECK_EQ(t, e->f.irqs, 3);
	/* A reset clears it. */
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, 0), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	env_free(e);
}

/* A data path outside lkvm: the used-ring bit reads set until reset. */
static void interrupt_status_always(struct test_ctx *t)
{
	struct env *e = env_new(t, 1);

	if (!e)
		return;
	virtio_mmio__set_int_always(e->t, VIRTIO_MMIO_INT_VRING);
	CHECK_EQ(t, e->f.irqs, 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS), 1);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_INTERRUPT_ACK, 1), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS), 1);
	/* Other causes come and go as before. */
	virtio_mmio__interrupt(e->t, VIRTIO_MMIO_INT_CONFIG);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS), 3);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_INTERRUPT_ACK, 3), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS), 1);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, 0), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	env_free(e);
}

static void needs_reset_and_recovery(struct test_ctx *t)
{
	struct env *e = env_new(t, 1);
	uint32_t s = S_ACK | S_DRV | S_FOK | S_DOK;

	if (!e)
		return;
	CHECK_EQ(t, vd_start(&e->d, e->t, &e->fm, F_ALL, 8), 0);
	virtio_mmio__needs_reset(e->t);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), s | S_NR);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_INTERRUPT_STATUS),
		 VIRTIO_MMIO_INT_CONFIG);
	CHECK_EQ(t, e->f.irqs, 1);
	/* Once is enough. */
	virtio_mmio__needs_reset(e->t);
	CHECK_EQ(t, e->f.irqs, 1);
	/* The driver cannot clear it but by a reset. */
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, s), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), s | S_NR);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, 0), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), 0);
	CHECK_EQ(t, vd_start(&e->d, e->t, &e->fm, F_ALL, 8), 0);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), s);
	CHECK(t, virtio_mmio__queue(e->t, 0) != NULL);

	/* A device that cannot start asks for a reset too. */
	e->f.driver_ok_ret = -ENOMEM;
	CHECK_EQ(t, vd_negotiate(e->t, F_V1), S_ACK | S_DRV | S_FOK);
	CHECK_EQ(t, vd_wr(e->t, VIRTIO_MMIO_STATUS, s), -EIO);
	CHECK_EQ(t, vd_rd(e->t, VIRTIO_MMIO_STATUS), s | S_NR);
	env_free(e);
}

static int count_chain(void *opaque, struct virtq *vq, struct virtq_chain *c,
		       uint32_t *used_len)
{
	int *n = opaque;

	(void)vq;
	(*n)++;
	*used_len = c->in_len;
	return 0;
}

static int fail_chain(void *opaque, struct virtq *vq, struct virtq_chain *c,
		      uint32_t *used_len)
{
	(void)opaque;
	(void)c;
	(void)used_len;
	virtq__fail(vq, "test");
	return -EIO;
}

static void process_loop(struct test_ctx *t)
{
	struct env *e = env_new(t, 1);
	uint32_t id, len;
	int n = 0, i;

	if (!e)
		return;
	CHECK_EQ(t, vd_start(&e->d, e->t, &e->fm, F_ALL, 8), 0);
	for (i = 0; i < 5; i++) {
		vd_desc(&e->d, i, VD_BUF + 64 * i, 64, VRING_DESC_F_WRITE, 0);
		vd_publish(&e->d, i);
	}
	/* A budget of 3: three done, more to do, one interrupt. */
	CHECK_EQ(t, virtio_mmio__process(e->t, 0, &e->c, 3, count_chain, &n),
		 1);
	CHECK_EQ(t, n, 3);
	CHECK_EQ(t, e->f.irqs, 1);
	CHECK_EQ(t, virtio_mmio__process(e->t, 0, &e->c, 3, count_chain, &n),
		 0);
	CHECK_EQ(t, n, 5);
	CHECK_EQ(t, vd_avail_event(&e->d), 5);
	for (i = 0; i < 5; i++) {
		CHECK(t, vd_get_used(&e->d, &id, &len));
		CHECK_EQ(t, id, i);
		CHECK_EQ(t, len, 64);
	}
	/* Nothing new: no work, no interrupt. */
	CHECK_EQ(t, virtio_mmio__process(e->t, 0, &e->c, 3, count_chain, &n),
		 0);
	CHECK_EQ(t, n, 5);
	/* A device that refuses a chain breaks the queue. */
	vd_publish(&e->d, 0);
	CHECK_EQ(t, virtio_mmio__process(e->t, 0, &e->c, 3, fail_chain, NULL),
		 -EIO);
	CHECK(t, vd_rd(e->t, VIRTIO_MMIO_STATUS) & S_NR);
	CHECK_EQ(t, virtio_mmio__process(e->t, 0, &e->c, 3, count_chain, &n),
		 -EIO);
	CHECK_EQ(t, virtio_mmio__process(e->t, 1, &e->c, 3, count_chain, &n),
		 -EIO);
	env_free(e);
}

static void init_refuses_bad_ops(struct test_ctx *t)
{
	struct virtio_mmio tr;
	struct fake_mem fm;
	struct fdev f;

	CHECK_EQ(t, fake_mem__init(&fm), 0);
	CHECK_EQ(t, fdev__init(&f, &fm, VIRTIO_MMIO_MAX_QUEUES + 1, 8),
		 -EINVAL);
	CHECK_EQ(t, fdev__init(&f, &fm, 1, VIRTQ_MAX_SIZE + 1), -EINVAL);
	CHECK_EQ(t, fdev__init(&f, &fm, 1, 8), 0);
	virtio_mmio__exit(&f.t);
	f.ops.config_size = VIRTIO_MMIO_CONFIG_MAX + 1;
	CHECK_EQ(t, virtio_mmio__init(&tr, &fm.mem, &f.ops, &f, NULL, NULL),
		 -EINVAL);
	fake_mem__exit(&fm);
}

/*
 * A guest on one thread, the device's worker on another, a vCPU reading
 * and acknowledging interrupts on a third: every request comes back once,
 * in order (run under TSan too).
 */
#define CONC_N 20000

struct conc {
	struct env *e;
	int stop;
	int handled;
};

static void *conc_worker(void *arg)
{
	struct conc *c = arg;
	static struct virtq_chain chain;
	int n = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		if (virtio_mmio__process(c->e->t, 0, &chain, 16, count_chain,
					 &n) < 0)
			break;
		sched_yield();
	}
	__atomic_store_n(&c->handled, n, __ATOMIC_RELEASE);
	return NULL;
}

static void *conc_vcpu(void *arg)
{
	struct conc *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		uint32_t s = vd_rd(c->e->t, VIRTIO_MMIO_INTERRUPT_STATUS);

		if (s)
			vd_wr(c->e->t, VIRTIO_MMIO_INTERRUPT_ACK, s);
		vd_rd(c->e->t, VIRTIO_MMIO_STATUS);
		sched_yield();
	}
	return NULL;
}

static void concurrent_guest_and_worker(struct test_ctx *t)
{
	struct env *e = env_new(t, 1);
	struct conc c = { .e = e };
	pthread_t w, v;
	uint32_t id, len, sent = 0, got = 0;
	bool in_order = true;
	int i;

	if (!e)
		return;
	CHECK_EQ(t, vd_start(&e->d, e->t, &e->fm, F_ALL, 16), 0);
	for (i = 0; i < 16; i++)
		vd_desc(&e->d, i, VD_BUF + 64 * i, 64, VRING_DESC_F_WRITE, 0);
	pthread_create(&w, NULL, conc_worker, &c);
	pthread_create(&v, NULL, conc_vcpu, &c);
	while (got < CONC_N) {
		/* Keep at most 16 in flight: one per descriptor. */
		if (sent < CONC_N && sent - got < 16) {
			vd_publish(&e->d, sent % 16);
			sent++;
			continue;
		}
		if (vd_get_used(&e->d, &id, &len)) {
			in_order &= id == got % 16 && len == 64;
			got++;
		} else {
			sched_yield();
		}
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(w, NULL);
	pthread_join(v, NULL);
	CHECK(t, in_order);
	CHECK_EQ(t, c.handled, CONC_N);
	CHECK(t, !(vd_rd(e->t, VIRTIO_MMIO_STATUS) & S_NR));
	env_free(e);
}

TEST_SUITE(virtio_mmio, TEST(identity), TEST(bad_offsets_and_widths),
	   TEST(config_space), TEST(negotiation_needs_version_1),
	   TEST(writes_in_wrong_state), TEST(queue_registers),
	   TEST(ring_placement), TEST(reset_mid_request),
	   TEST(config_generation), TEST(interrupt_status_and_ack),
	   TEST(interrupt_status_always), TEST(needs_reset_and_recovery),
	   TEST(process_loop), TEST(init_refuses_bad_ops),
	   TEST(concurrent_guest_and_worker));
