/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__VIRTIO_MMIO_H
#define KVM__VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kvm/guest-mem.h"
#include "kvm/virtqueue.h"

/*
 * The virtio-mmio transport, register layout version 2 (virtio 1.x only).
 * Pure: no KVM, no ioctl. virtio_mmio__access() is an mmio_handler_fn for
 * the MMIO bus; a device plugs in with struct virtio_mmio_dev_ops and the
 * platform gives an interrupt trigger.
 *
 * Threads. vCPU threads call virtio_mmio__access() concurrently; it takes
 * t->lock. The device's worker (an I/O thread in the KVM glue) owns the
 * live queues between DRIVER_OK and the next reset and calls only the
 * lock-free functions: virtio_mmio__features(), virtio_mmio__queue(),
 * virtio_mmio__interrupt(),
 * virtio_mmio__signal(), virtio_mmio__needs_reset(),
 * virtio_mmio__process(), and the virtq__*() functions on its queues.
 * Queue configuration is frozen from DRIVER_OK until the reset, so the
 * worker reads it without a lock; before ops->driver_ok() has run the
 * worker must leave the queues alone (ignore early wake-ups: a guest may
 * write QueueNotify at any time).
 *
 * Notifications. With KVM, QueueNotify writes are caught by an ioeventfd
 * and never reach userspace: the device's I/O thread wakes up. A write
 * that does reach the transport calls ops->notify(), which must wake the
 * same thread, so there is one processing path.
 *
 * Reset. Status <- 0 calls ops->reset(), which must return only once the
 * worker no longer touches the queues (nor guest memory through chains it
 * popped). Only then does the transport clear the queues. A chain popped
 * before the reset is refused by virtq__push() afterwards (-ESTALE).
 *
 * ops->reset, ops->driver_ok, ops->notify, ops->config_read and
 * ops->config_write run with t->lock held: they must not call
 * virtio_mmio__access() or virtio_mmio__update_config().
 *
 * Malformed input. A bad queue sets DEVICE_NEEDS_RESET (and raises a
 * configuration-change interrupt once DRIVER_OK is set); the driver can
 * reset and go on. Accesses of a bad width or offset and writes in the
 * wrong state are ignored (reads give 0) and the return code says why, so
 * the glue can log them rate-limited; the module prints nothing.
 */

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x6d766b6c /* "lkvm" */
#define VIRTIO_MMIO_WINDOW 0x200 /* registers, then config space */
#define VIRTIO_MMIO_CONFIG_MAX (VIRTIO_MMIO_WINDOW - 0x100)
#define VIRTIO_MMIO_MAX_QUEUES 8

/*
 * Results of virtio_mmio__access() besides 0:
 *  -EINVAL  bad offset or width, a read of a write-only register or a
 *           write to a read-only one (reads give 0)
 *  -EPERM   a write in the wrong device state (ignored)
 *  -EBUSY   a queue register written while the queue is live (ignored)
 *  -ERANGE  a bad value: queue size, QueueReady, queue index
 *  -ENOTSUP FEATURES_OK refused (no VERSION_1, or features not offered)
 *  -EIO     the device or a queue could not start: DEVICE_NEEDS_RESET set
 */

struct virtio_mmio_dev_ops {
	uint32_t device_id; /* VIRTIO_ID_* */
	/* Device feature bits; the transport adds VERSION_1, INDIRECT_DESC
	 * and EVENT_IDX. */
	uint64_t features;
	unsigned int nr_queues; /* at most VIRTIO_MMIO_MAX_QUEUES */
	uint16_t queue_num_max; /* at most VIRTQ_MAX_SIZE */
	uint32_t config_size; /* at most VIRTIO_MMIO_CONFIG_MAX */
	/* Copy len bytes (1, 2 or 4, aligned) of config space at offset. */
	void (*config_read)(void *dev, uint32_t offset, uint8_t *data,
			    uint32_t len);
	/* NULL for a read-only config space; else 0 or -EINVAL. */
	int (*config_write)(void *dev, uint32_t offset, const uint8_t *data,
			    uint32_t len);
	/* The driver set DRIVER_OK with these negotiated features: start
	 * using the live queues. 0 or -errno (the transport then sets
	 * DEVICE_NEEDS_RESET). */
	int (*driver_ok)(void *dev, uint64_t features);
	/* A QueueNotify write reached userspace: wake the worker. */
	void (*notify)(void *dev, unsigned int queue);
	/* Return only when the worker no longer touches the queues. */
	void (*reset)(void *dev);
};

struct virtio_mmio {
	pthread_mutex_t lock;
	const struct virtio_mmio_dev_ops *ops;
	void *dev;
	void (*irq)(void *opaque); /* one edge on the device's interrupt */
	void *irq_opaque;

	/* Read without the lock by the worker: atomic accesses. */
	uint32_t status; /* without NEEDS_RESET */
	uint32_t needs_reset;
	uint32_t int_status;
	uint32_t int_always; /* reported set whatever was acknowledged */
	uint32_t config_gen;
	uint64_t features; /* negotiated, once FEATURES_OK is kept */

	/* Under the lock. */
	uint32_t dev_features_sel;
	uint32_t drv_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	struct virtq vqs[VIRTIO_MMIO_MAX_QUEUES];
};

/* 0, or -EINVAL for ops the transport cannot serve. */
int virtio_mmio__init(struct virtio_mmio *t, const struct guest_mem *mem,
		      const struct virtio_mmio_dev_ops *ops, void *dev,
		      void (*irq)(void *opaque), void *irq_opaque);
void virtio_mmio__exit(struct virtio_mmio *t);
/* The register file: an mmio_handler_fn, opaque = t. */
int virtio_mmio__access(void *opaque, uint64_t offset, uint8_t *data,
			uint32_t len, bool is_write);
/* The features both sides agreed on (from FEATURES_OK on; 0 before). */
uint64_t virtio_mmio__features(struct virtio_mmio *t);

/* For the worker (lock-free). */
/* Queue q if it is live, else NULL. */
struct virtq *virtio_mmio__queue(struct virtio_mmio *t, unsigned int q);
/* Set InterruptStatus bits (VIRTIO_MMIO_INT_*); an edge if any was new. */
void virtio_mmio__interrupt(struct virtio_mmio *t, uint32_t bits);
/* After pushes: a used-buffer interrupt if the driver wants one. */
void virtio_mmio__signal(struct virtio_mmio *t, struct virtq *vq);
/*
 * InterruptStatus reads report these bits set until the next reset, even
 * acknowledged: for a data path outside lkvm (vhost) that signals the
 * driver through the interrupt directly, without setting the bit. A
 * spurious look at the rings costs the driver nothing; an interrupt it
 * ignores for a status of 0 would lose the used buffers.
 */
void virtio_mmio__set_int_always(struct virtio_mmio *t, uint32_t bits);
/* Set DEVICE_NEEDS_RESET; a config interrupt once DRIVER_OK is set. */
void virtio_mmio__needs_reset(struct virtio_mmio *t);

/*
 * A device's handler for one chain: 0 with *used_len set (the chain is
 * then pushed), or -EIO after it failed the queue (virtq__fail()).
 */
typedef int (*virtio_chain_fn)(void *opaque, struct virtq *vq,
			       struct virtq_chain *c, uint32_t *used_len);
/*
 * The worker's loop for queue q after a notification: pop and handle up
 * to budget chains, push them, re-enable notifications when the queue is
 * empty, interrupt the driver if it wants. 0: the queue is empty and
 * notifications are on (the worker may sleep); 1: budget spent with work
 * left (check for a stop request, then call again); -EIO: the queue is
 * broken or not live. c is the caller's scratch chain.
 */
int virtio_mmio__process(struct virtio_mmio *t, unsigned int q,
			 struct virtq_chain *c, unsigned int budget,
			 virtio_chain_fn fn, void *opaque);

/*
 * Change the config space: update(dev, arg) runs under the lock, then
 * ConfigGeneration moves and, once DRIVER_OK is set, a config interrupt
 * is raised. Not from the ops callbacks.
 */
void virtio_mmio__update_config(struct virtio_mmio *t,
				void (*update)(void *dev, void *arg),
				void *arg);

#endif /* KVM__VIRTIO_MMIO_H */
