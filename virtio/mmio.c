// SPDX-License-Identifier: GPL-2.0
#include "kvm/virtio-mmio.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <string.h>

#define BIT64(n) (1ULL << (n))
#define TRANSPORT_FEATURES                                                \
	(BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_INDIRECT_DESC) | \
	 BIT64(VIRTIO_RING_F_EVENT_IDX))
#define TRANSPORT_MASK (((1ULL << 42) - 1) & ~((1ULL << 28) - 1))

#define ALOAD(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define ASTORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)

static uint64_t offered(const struct virtio_mmio *t)
{
	return (t->ops->features & ~TRANSPORT_MASK) | TRANSPORT_FEATURES;
}

static void queue_failed(void *opaque, struct virtq *vq)
{
	(void)vq;
	virtio_mmio__needs_reset(opaque);
}

int virtio_mmio__init(struct virtio_mmio *t, const struct guest_mem *mem,
		      const struct virtio_mmio_dev_ops *ops, void *dev,
		      void (*irq)(void *opaque), void *irq_opaque)
{
	unsigned int q;

	if (!ops || !irq || ops->nr_queues > VIRTIO_MMIO_MAX_QUEUES ||
	    ops->queue_num_max > VIRTQ_MAX_SIZE ||
	    ops->config_size > VIRTIO_MMIO_CONFIG_MAX ||
	    (ops->config_size && !ops->config_read))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	if (pthread_mutex_init(&t->lock, NULL))
		return -ENOMEM;
	t->ops = ops;
	t->dev = dev;
	t->irq = irq;
	t->irq_opaque = irq_opaque;
	for (q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		virtq__init(&t->vqs[q], mem, queue_failed, t);
	return 0;
}

void virtio_mmio__exit(struct virtio_mmio *t)
{
	pthread_mutex_destroy(&t->lock);
}

uint64_t virtio_mmio__features(struct virtio_mmio *t)
{
	return ALOAD(&t->features);
}

struct virtq *virtio_mmio__queue(struct virtio_mmio *t, unsigned int q)
{
	if (q >= t->ops->nr_queues || !t->vqs[q].live)
		return NULL;
	return &t->vqs[q];
}

void virtio_mmio__set_int_always(struct virtio_mmio *t, uint32_t bits)
{
	ASTORE(&t->int_always, bits);
}

void virtio_mmio__interrupt(struct virtio_mmio *t, uint32_t bits)
{
	uint32_t old =
		__atomic_fetch_or(&t->int_status, bits, __ATOMIC_ACQ_REL);

	/*
	 * A bit already set needs no new edge: the driver has not yet read
	 * and acknowledged it, and it reads the rings after it acknowledges.
	 */
	if ((old & bits) != bits)
		t->irq(t->irq_opaque);
}

void virtio_mmio__signal(struct virtio_mmio *t, struct virtq *vq)
{
	if (virtq__should_interrupt(vq))
		virtio_mmio__interrupt(t, VIRTIO_MMIO_INT_VRING);
}

void virtio_mmio__needs_reset(struct virtio_mmio *t)
{
	if (__atomic_exchange_n(&t->needs_reset, 1, __ATOMIC_ACQ_REL))
		return;
	if (ALOAD(&t->status) & VIRTIO_CONFIG_S_DRIVER_OK)
		virtio_mmio__interrupt(t, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_mmio__update_config(struct virtio_mmio *t,
				void (*update)(void *dev, void *arg), void *arg)
{
	pthread_mutex_lock(&t->lock);
	update(t->dev, arg);
	__atomic_fetch_add(&t->config_gen, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&t->lock);
	if (ALOAD(&t->status) & VIRTIO_CONFIG_S_DRIVER_OK)
		virtio_mmio__interrupt(t, VIRTIO_MMIO_INT_CONFIG);
}

int virtio_mmio__process(struct virtio_mmio *t, unsigned int q,
			 struct virtq_chain *c, unsigned int budget,
			 virtio_chain_fn fn, void *opaque)
{
	struct virtq *vq = virtio_mmio__queue(t, q);
	unsigned int done = 0;
	uint32_t used_len;
	int ret = 0;

	if (!vq)
		return -EIO;
	for (;;) {
		virtq__disable_notify(vq);
		while (done < budget && (ret = virtq__pop(vq, c)) > 0) {
			ret = fn(opaque, vq, c, &used_len);
			if (ret)
				break;
			virtq__push(vq, c, used_len);
			done++;
		}
		if (ret < 0)
			break;
		if (done >= budget) {
			ret = 1;
			break;
		}
		if (!virtq__enable_notify(vq))
			break;
	}
	if (done)
		virtio_mmio__signal(t, vq);
	return ret < 0 ? -EIO : ret;
}

/* --- the register file (t->lock held) ------------------------------- */

static void reset(struct virtio_mmio *t)
{
	unsigned int q;

	/* The worker lets go of the queues before we clear them. */
	if (t->ops->reset)
		t->ops->reset(t->dev);
	for (q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		virtq__reset(&t->vqs[q]);
	t->dev_features_sel = 0;
	t->drv_features_sel = 0;
	t->driver_features = 0;
	ASTORE(&t->features, 0);
	t->queue_sel = 0;
	ASTORE(&t->int_status, 0);
	ASTORE(&t->int_always, 0);
	ASTORE(&t->needs_reset, 0);
	ASTORE(&t->status, 0);
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t off, int *ret)
{
	struct virtq *vq = NULL;
	uint32_t status;

	if (t->queue_sel < t->ops->nr_queues)
		vq = &t->vqs[t->queue_sel];
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (t->dev_features_sel > 1)
			return 0;
		return offered(t) >> (32 * t->dev_features_sel);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? t->ops->queue_num_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->live : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return ALOAD(&t->int_status) | ALOAD(&t->int_always);
	case VIRTIO_MMIO_STATUS:
		status = ALOAD(&t->status);
		if (ALOAD(&t->needs_reset))
			status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		return status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffff; /* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return ALOAD(&t->config_gen);
	}
	*ret = -EINVAL;
	return 0;
}

/* FEATURES_OK: VERSION_1 accepted and nothing we did not offer. */
static bool features_ok(struct virtio_mmio *t)
{
	uint64_t f = t->driver_features;

	return (f & BIT64(VIRTIO_F_VERSION_1)) && !(f & ~offered(t));
}

static int write_status(struct virtio_mmio *t, uint32_t val)
{
	uint32_t old = ALOAD(&t->status), added;
	int ret = 0;

	if (val == 0) {
		reset(t);
		return 0;
	}
	/* NEEDS_RESET is the device's bit; the rest only ever grows. */
	val &= 0xff & ~VIRTIO_CONFIG_S_NEEDS_RESET;
	if (old & ~val)
		return -EPERM;
	added = val & ~old;
	if ((added & VIRTIO_CONFIG_S_DRIVER) &&
	    !(val & VIRTIO_CONFIG_S_ACKNOWLEDGE)) {
		val &= ~VIRTIO_CONFIG_S_DRIVER;
		ret = -EPERM;
	}
	if (added & VIRTIO_CONFIG_S_FEATURES_OK) {
		if (!(val & VIRTIO_CONFIG_S_DRIVER)) {
			val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
			ret = -EPERM;
		} else if (!features_ok(t)) {
			/* Not kept: the driver reads it back and gives up. */
			val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
			ret = -ENOTSUP;
		} else {
			ASTORE(&t->features, t->driver_features);
		}
	}
	if ((added & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(val & VIRTIO_CONFIG_S_FEATURES_OK)) {
		val &= ~VIRTIO_CONFIG_S_DRIVER_OK;
		ret = -EPERM;
	}
	ASTORE(&t->status, val);
	if ((val & ~old & VIRTIO_CONFIG_S_DRIVER_OK) && t->ops->driver_ok &&
	    t->ops->driver_ok(t->dev, t->features)) {
		virtio_mmio__needs_reset(t);
		ret = -EIO;
	}
	return ret;
}

static int write_driver_features(struct virtio_mmio *t, uint32_t val)
{
	uint32_t status = ALOAD(&t->status);
	unsigned int shift;

	if (!(status & VIRTIO_CONFIG_S_DRIVER) ||
	    (status & VIRTIO_CONFIG_S_FEATURES_OK))
		return -EPERM;
	if (t->drv_features_sel > 1)
		return val ? -ERANGE : 0;
	shift = 32 * t->drv_features_sel;
	t->driver_features &= ~(0xffffffffULL << shift);
	t->driver_features |= (uint64_t)val << shift;
	return 0;
}

static int write_queue_ready(struct virtio_mmio *t, struct virtq *vq,
			     uint32_t val)
{
	if (val > 1)
		return -ERANGE;
	if (val == vq->live)
		return 0;
	if (!val) {
		virtq__stop(vq);
		return 0;
	}
	vq->event_idx = t->features & BIT64(VIRTIO_RING_F_EVENT_IDX);
	vq->indirect = t->features & BIT64(VIRTIO_RING_F_INDIRECT_DESC);
	if (vq->size > t->ops->queue_num_max || virtq__start(vq)) {
		virtio_mmio__needs_reset(t);
		return -EIO;
	}
	return 0;
}

static void set_half(uint64_t *reg, bool high, uint32_t val)
{
	if (high)
		*reg = (*reg & 0xffffffffULL) | ((uint64_t)val << 32);
	else
		*reg = (*reg & ~0xffffffffULL) | val;
}

/* Queue set-up: after FEATURES_OK, before DRIVER_OK, queue not live. */
static int write_queue_reg(struct virtio_mmio *t, uint64_t off, uint32_t val)
{
	uint32_t status = ALOAD(&t->status);
	struct virtq *vq;

	if (!(status & VIRTIO_CONFIG_S_FEATURES_OK) ||
	    (status & VIRTIO_CONFIG_S_DRIVER_OK))
		return -EPERM;
	if (t->queue_sel >= t->ops->nr_queues)
		return -ERANGE;
	vq = &t->vqs[t->queue_sel];
	if (off == VIRTIO_MMIO_QUEUE_READY)
		return write_queue_ready(t, vq, val);
	if (vq->live)
		return -EBUSY;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		/* A bad size leaves none, so QueueReady fails visibly. */
		if (val == 0 || val > t->ops->queue_num_max ||
		    (val & (val - 1))) {
			vq->size = 0;
			return -ERANGE;
		}
		vq->size = val;
		return 0;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&vq->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH,
			 val);
		return 0;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&vq->avail_gpa, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH,
			 val);
		return 0;
	default: /* the used ring */
		set_half(&vq->used_gpa, off == VIRTIO_MMIO_QUEUE_USED_HIGH,
			 val);
		return 0;
	}
}

static int write_notify(struct virtio_mmio *t, uint32_t q)
{
	if (q >= t->ops->nr_queues)
		return -ERANGE;
	if (!(ALOAD(&t->status) & VIRTIO_CONFIG_S_DRIVER_OK) || !t->vqs[q].live)
		return -EPERM;
	if (t->ops->notify)
		t->ops->notify(t->dev, q);
	return 0;
}

static int write_reg(struct virtio_mmio *t, uint64_t off, uint32_t val)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_features_sel = val;
		return 0;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		return write_driver_features(t, val);
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_features_sel = val;
		return 0;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = val;
		return 0;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		return write_queue_reg(t, off, val);
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		return write_notify(t, val);
	case VIRTIO_MMIO_INTERRUPT_ACK:
		__atomic_fetch_and(&t->int_status, ~val, __ATOMIC_ACQ_REL);
		return 0;
	case VIRTIO_MMIO_STATUS:
		return write_status(t, val);
	case VIRTIO_MMIO_SHM_SEL:
		return 0;
	}
	return -EINVAL;
}

static int config_access(struct virtio_mmio *t, uint64_t off, uint8_t *data,
			 uint32_t len, bool is_write)
{
	if ((len != 1 && len != 2 && len != 4) || off % len ||
	    off >= t->ops->config_size || len > t->ops->config_size - off)
		return -EINVAL;
	if (!is_write) {
		t->ops->config_read(t->dev, off, data, len);
		return 0;
	}
	if (!t->ops->config_write)
		return -EINVAL;
	return t->ops->config_write(t->dev, off, data, len);
}

int virtio_mmio__access(void *opaque, uint64_t offset, uint8_t *data,
			uint32_t len, bool is_write)
{
	struct virtio_mmio *t = opaque;
	uint32_t val;
	int ret = 0;

	if (!is_write)
		memset(data, 0, len);
	if (offset >= VIRTIO_MMIO_WINDOW)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		ret = config_access(t, offset - VIRTIO_MMIO_CONFIG, data, len,
				    is_write);
		if (ret && !is_write)
			memset(data, 0, len);
	} else if (len != 4 || offset % 4) {
		ret = -EINVAL;
	} else if (is_write) {
		memcpy(&val, data, 4);
		ret = write_reg(t, offset, le32toh(val));
	} else {
		val = htole32(read_reg(t, offset, &ret));
		memcpy(data, &val, 4);
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}
