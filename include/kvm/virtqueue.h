/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__VIRTQUEUE_H
#define KVM__VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "kvm/guest-mem.h"

/*
 * The device side of a virtio 1.x split virtqueue. Pure: it reads and
 * writes the rings through host pointers that guest_mem__ptr() gave for
 * guest RAM, and nothing else.
 *
 * The guest runs on other CPUs while we read its rings, so:
 *  - the avail index is read with acquire semantics before the ring
 *    entries and descriptors it publishes;
 *  - each descriptor is copied once, then checked and used from the copy;
 *  - used entries are written before the used index, which is stored with
 *    release semantics; that store (and the avail_event store) is ordered
 *    before the reads of the driver's suppression fields (used_event,
 *    flags, avail index), as the driver's full barrier is on its side.
 *
 * Every descriptor is checked before use (index, chain length and loops,
 * indirect table size, nesting and NEXT, buffer wholly inside one RAM
 * region, readable before writable, total length within 32 bits, and an
 * avail index that moved by more than the queue size). The first bad one
 * marks the queue broken: it yields nothing more until it is reset, and
 * the owner's fail() hook runs once (the virtio-mmio transport then sets
 * DEVICE_NEEDS_RESET).
 *
 * Threading: the transport configures a queue (size, ring addresses,
 * features) and calls virtq__start() before the device may use it; from
 * then on until the device is reset, only the device's worker calls the
 * functions below, and the configuration does not change. Reset happens
 * only after the worker has let go (see virtio-mmio.h).
 */

/*
 * The largest queue size a device may offer. 256 entries, with indirect
 * descriptors, let a guest keep 256 requests of up to 254 data segments in
 * flight, more than a single disk or console needs; a chain's iovecs then
 * take 4 KiB, which a worker can keep on its stack or in a small pool.
 */
#define VIRTQ_MAX_SIZE 256

/*
 * One popped descriptor chain: iov[0, nr_out) are the device-readable
 * buffers, iov[nr_out, nr_out + nr_in) the device-writable ones, all
 * pointing into guest RAM. Owned by the caller, so a device may keep
 * several in flight.
 */
struct virtq_chain {
	uint16_t head; /* descriptor index, for the used ring */
	uint16_t nr_out;
	uint16_t nr_in;
	uint32_t out_len; /* bytes in the readable part */
	uint32_t in_len; /* bytes in the writable part */
	uint32_t epoch; /* the queue's epoch when popped */
	struct iovec iov[VIRTQ_MAX_SIZE];
};

struct vring_desc;
struct vring_avail;
struct vring_used;

struct virtq {
	/* Set by virtq__init(). */
	const struct guest_mem *mem;
	void (*fail)(void *opaque, struct virtq *vq);
	void *fail_opaque;

	/* Configuration, written by the transport while the queue is idle. */
	uint16_t size;
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect; /* VIRTIO_RING_F_INDIRECT_DESC negotiated */

	/* Set by virtq__start(). */
	bool live;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	/* The device's state, owned by its worker while live. */
	bool broken;
	const char *error; /* why it broke (a static string), or NULL */
	uint16_t last_avail; /* next avail entry to take */
	uint16_t shadow_avail; /* the avail index last read */
	uint16_t used_idx; /* our copy of the used index */
	uint16_t signalled_used;
	bool signalled_used_valid;
	uint32_t epoch; /* bumped by each reset */
};

/* fail(opaque, vq) runs once when the queue breaks; it may be NULL. */
void virtq__init(struct virtq *vq, const struct guest_mem *mem,
		 void (*fail)(void *opaque, struct virtq *vq), void *opaque);
/* Back to idle, configuration and state cleared; stale chains are refused. */
void virtq__reset(struct virtq *vq);
/*
 * Check the configuration (size a power of 2 up to VIRTQ_MAX_SIZE, ring
 * alignment 16/2/4, each ring wholly inside one RAM region) and go live.
 * 0, or -EINVAL with vq->error set (the queue stays idle; fail() is not
 * called: the transport decides).
 */
int virtq__start(struct virtq *vq);
/* Back to idle, keeping the configuration (QueueReady <- 0). */
void virtq__stop(struct virtq *vq);
/*
 * Take the next available chain: 1 and *c filled, 0 if there is none,
 * -EIO if the queue is broken (now or before) or not live.
 */
int virtq__pop(struct virtq *vq, struct virtq_chain *c);
/*
 * Return a chain to the driver with len bytes written (clamped to its
 * writable length). -ESTALE, and nothing written, for a chain popped
 * before the last reset or when the queue is broken or not live.
 */
int virtq__push(struct virtq *vq, const struct virtq_chain *c, uint32_t len);
/*
 * What virtq__push_n() needs of a popped chain, so a device can keep many
 * of them without keeping whole chains.
 */
struct virtq_done {
	uint16_t head;
	uint32_t len; /* bytes written, at most the chain's writable length */
	uint32_t epoch;
};

/*
 * Return n chains at once: every used entry is written before the used
 * index moves, so the driver sees all of them or none (a frame spread
 * over several receive buffers). -ESTALE, and nothing written, if any
 * chain was popped before the last reset or the queue is not live.
 */
int virtq__push_n(struct virtq *vq, const struct virtq_done *d, unsigned int n);
/*
 * Give back the last n chains popped and not pushed: the next pops return
 * them again. For a device that found too few buffers for what it had to
 * write, and waits for more.
 */
void virtq__unpop(struct virtq *vq, unsigned int n);
/*
 * The chains there are cannot be used yet (too few for the next frame):
 * ask the driver to notify as soon as it adds one more (avail_event at
 * the avail index read now with EVENT_IDX, else notifications on). True
 * if buffers arrived meanwhile: try again instead of waiting.
 */
bool virtq__notify_on_more(struct virtq *vq);
/*
 * After one or more pushes: does the driver want an interrupt?
 * Honours VIRTIO_RING_F_EVENT_IDX (used_event) or else
 * VRING_AVAIL_F_NO_INTERRUPT.
 */
bool virtq__should_interrupt(struct virtq *vq);
/* While the worker is busy: ask the driver not to notify. */
void virtq__disable_notify(struct virtq *vq);
/*
 * Before the worker sleeps: ask the driver to notify on its next buffer
 * (avail_event with EVENT_IDX, else the used ring's NO_NOTIFY flag). True
 * if buffers arrived meanwhile: the worker must pop again instead of
 * sleeping.
 */
bool virtq__enable_notify(struct virtq *vq);
/* Mark the queue broken (a device found a chain it cannot use). */
void virtq__fail(struct virtq *vq, const char *why);

#endif /* KVM__VIRTQUEUE_H */
