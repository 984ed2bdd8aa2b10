/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__VIRTIO_CONSOLE_H
#define KVM__VIRTIO_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "kvm/virtio-mmio.h"
#include "kvm/virtqueue.h"

/*
 * virtio-console (device ID 3) with one port and no control queues: the
 * guest's hvc0. Pure: output goes to an ops callback, input comes from
 * the host through a small buffer, and the terminal size (when offered)
 * is whatever the caller sets. Two queues:
 *
 *  - receiveq (0): the driver gives device-writable buffers; the worker
 *    fills them from the input buffer (virtio_console__deliver());
 *  - transmitq (1): each chain's device-readable buffers are the guest's
 *    output, handed to ops->output() in order (virtio_console__transmit(),
 *    a virtio_chain_fn).
 *
 * A receive chain with a device-readable buffer, or a transmit chain
 * with a device-writable one, fails its queue (DEVICE_NEEDS_RESET).
 *
 * Threads: virtio_console__receive() and virtio_console__wait_room() are
 * for the host's input thread; deliver(), transmit() for the device's
 * worker; config_read() and set_size() under the transport's lock (its
 * config ops, virtio_mmio__update_config()). The input buffer has its own
 * lock.
 */

#define VIRTIO_CONSOLE_RXQ 0
#define VIRTIO_CONSOLE_TXQ 1
#define VIRTIO_CONSOLE_NR_QUEUES 2
/* Linux fills the receive queue with page-sized buffers: 64 of them. */
#define VIRTIO_CONSOLE_QUEUE_SIZE 64
/* cols, rows, max_nr_ports, emerg_wr (struct virtio_console_config). */
#define VIRTIO_CONSOLE_CONFIG_SIZE 12
/*
 * Host input waiting for receive buffers. Keys typed before the guest's
 * driver is up wait here (and in the caller's own queue); a paste lands
 * in one go.
 */
#define VIRTIO_CONSOLE_INPUT_SIZE 1024
/* Receive chains filled per deliver() call at most. */
#define VIRTIO_CONSOLE_RX_BUDGET 64

struct virtio_console_ops {
	/* Guest output, in order: one call per readable buffer. */
	void (*output)(void *opaque, const void *buf, size_t len);
	/* Input is waiting for the worker (from receive()). May be NULL. */
	void (*input_ready)(void *opaque);
};

struct virtio_console {
	struct virtio_console_ops ops;
	void *opaque;
	bool size_offered; /* VIRTIO_CONSOLE_F_SIZE */

	/* Under the transport's lock. */
	uint16_t cols, rows;

	/* The worker's. */
	uint64_t features; /* negotiated */
	uint64_t rx_bytes, tx_bytes;

	pthread_mutex_t lock; /* the input buffer */
	pthread_cond_t room_cond; /* signalled when room grows */
	unsigned int room_waiters;
	unsigned int in_head, in_count;
	uint8_t in[VIRTIO_CONSOLE_INPUT_SIZE];
};

/* ops->output is required. 0 or -EINVAL. */
int virtio_console__init(struct virtio_console *con,
			 const struct virtio_console_ops *ops, void *opaque,
			 bool offer_size);
void virtio_console__exit(struct virtio_console *con);
uint64_t virtio_console__device_features(const struct virtio_console *con);
/* DRIVER_OK: the features the driver took. */
void virtio_console__start(struct virtio_console *con, uint64_t features);
void virtio_console__config_read(struct virtio_console *con, uint32_t offset,
				 uint8_t *data, uint32_t len);
/* The terminal's size (0 x 0: unknown). Under the transport's lock. */
void virtio_console__set_size(struct virtio_console *con, uint16_t cols,
			      uint16_t rows);

/* A virtio_chain_fn for the transmitq (opaque: the console). */
int virtio_console__transmit(void *opaque, struct virtq *vq,
			     struct virtq_chain *c, uint32_t *used_len);

/*
 * Host input: takes as many bytes as the input buffer has room for and
 * returns that count (0 when full; the caller keeps the rest and waits
 * with wait_room()). Calls ops->input_ready when it took any.
 */
size_t virtio_console__receive(struct virtio_console *con, const uint8_t *buf,
			       size_t len);
/* Waits up to timeout_ms for room in the input buffer; returns the room. */
size_t virtio_console__wait_room(struct virtio_console *con,
				 unsigned int timeout_ms);
/* Drops the input not yet delivered (a reboot in place). */
void virtio_console__drop_input(struct virtio_console *con);
/* Bytes of input waiting for receive buffers. */
size_t virtio_console__pending(struct virtio_console *con);

/*
 * The worker: moves waiting input into the receiveq's buffers, one chain
 * after another, and interrupts the driver if it wants. 0: no input left;
 * 1: budget spent, input left (call again); -EAGAIN: input left but no
 * receive buffer (notifications are on: the driver's next buffer wakes
 * the worker); -EIO: the receiveq is broken or not live. c is scratch.
 */
int virtio_console__deliver(struct virtio_console *con, struct virtio_mmio *t,
			    struct virtq_chain *c);

#endif /* KVM__VIRTIO_CONSOLE_H */
