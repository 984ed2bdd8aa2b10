/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__VIRTIO_NET_H
#define KVM__VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

#include "kvm/virtio-mmio.h"
#include "kvm/virtqueue.h"

/*
 * virtio-net (network card, ID 1): the frame path. Pure: frames come from
 * and go to a backend through an ops table (the KVM glue's tap device or
 * passt socket, the tests' buffers).
 *
 * Queue 0 receives, queue 1 transmits. VERSION_1 is always negotiated, so
 * every buffer starts with the 12-byte struct virtio_net_hdr_v1.
 *
 * Transmit: each chain is the header and one frame, all device-readable.
 * A backend that takes the header itself (a tap with IFF_VNET_HDR) gets
 * the chain's buffers as they are, without a copy; for one that takes
 * plain frames (passt) the header is checked and left out. A chain with a
 * writable buffer, or shorter than the header, fails the queue; a frame
 * shorter than an Ethernet header or longer than VIRTIO_NET_MAX_FRAME,
 * or asking for an offload that was not negotiated, is dropped and
 * counted.
 *
 * Receive: a frame is copied into one chain, or with MRG_RXBUF into as
 * many as it needs, whose used entries are published together with
 * num_buffers in the first header. When the available buffers are too
 * few, nothing is consumed: the frame stays with the backend (peek()
 * without consume()), the driver is asked to notify on its next buffer,
 * and the caller stops reading from the backend until then; so a guest
 * that stops reading makes the host side queue or drop, and costs lkvm no
 * memory. A frame that could never fit (longer than every buffer the
 * queue can hold) is dropped and counted.
 *
 * Threading: one worker (the device's I/O thread) calls everything but
 * the configuration functions, which run under the transport's lock.
 */

#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1
#define VIRTIO_NET_QUEUE_SIZE VIRTQ_MAX_SIZE
#define VIRTIO_NET_HDR_LEN 12 /* struct virtio_net_hdr_v1 */
#define VIRTIO_NET_ETH_HLEN 14
/* The longest frame either way: 64 KiB of packet and its link headers. */
#define VIRTIO_NET_MAX_FRAME (65536 + 64)
/* mac, status, max_virtqueue_pairs, mtu */
#define VIRTIO_NET_CONFIG_SIZE 12

/* Frames queued or sent at once by the worker before it looks elsewhere. */
#define VIRTIO_NET_BUDGET 64

/* virtio_net__transmit(): the backend cannot take more now. */
#define VIRTIO_NET_TX_BLOCKED 2

struct virtio_net_backend_ops {
	/*
	 * The next frame from the host side, without taking it: 1 with
	 * *frame and *len (the 12-byte header first when the backend has
	 * one), 0 when there is none now, -EPIPE when the backend has gone
	 * away, other -errno on errors (the caller stops reading).
	 */
	int (*peek)(void *opaque, const uint8_t **frame, size_t *len);
	/* The frame peek() gave is done with (delivered or dropped). */
	void (*consume)(void *opaque);
	/*
	 * Send one frame (the header first when the backend has one): 0 when
	 * sent or dropped by the backend, -EAGAIN when it cannot take it now
	 * and took none of it (the caller waits until it is writable),
	 * other -errno when the frame was lost.
	 */
	int (*send)(void *opaque, const struct iovec *iov, unsigned int n);
};

struct virtio_net_params {
	uint8_t mac[6];
	/* Offload feature bits (VIRTIO_NET_F_CSUM, _GUEST_TSO4, ...) the
	 * backend can take; MAC, STATUS and MRG_RXBUF are always offered. */
	uint64_t offloads;
	uint16_t mtu; /* 0: no VIRTIO_NET_F_MTU */
	bool vnet_hdr; /* the backend's frames carry the header */
};

struct virtio_net_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_dropped; /* could never fit, too short or too long */
	uint64_t rx_waits; /* times the driver had too few buffers */
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_dropped; /* malformed, or lost by the backend */
};

struct virtio_net {
	struct virtio_net_params p;
	const struct virtio_net_backend_ops *be;
	void *be_opaque;
	uint64_t features; /* device bits offered */
	uint64_t negotiated; /* from virtio_net__set_features() */
	uint8_t config[VIRTIO_NET_CONFIG_SIZE]; /* little-endian */
	bool link_down; /* atomic: the worker sets it, config reads see it */
	struct virtio_net_stats st;
	/* The worker's scratch: receive buffers gathered for one frame, and
	 * the buffers of one frame to send. */
	struct iovec rx_iov[VIRTQ_MAX_SIZE];
	struct virtq_done rx_done[VIRTQ_MAX_SIZE];
	struct iovec tx_iov[VIRTQ_MAX_SIZE];
};

/* 0, or -EINVAL for a MAC that is multicast or all zeros. */
int virtio_net__init(struct virtio_net *n, const struct virtio_net_params *p,
		     const struct virtio_net_backend_ops *be, void *opaque);
/* For struct virtio_mmio_dev_ops: features and config space. */
uint64_t virtio_net__device_features(const struct virtio_net *n);
void virtio_net__config_read(const struct virtio_net *n, uint32_t offset,
			     uint8_t *data, uint32_t len);
/* At DRIVER_OK: what the driver accepted. */
void virtio_net__set_features(struct virtio_net *n, uint64_t features);
/*
 * The link status in the config space. Lock-free, so the worker may call
 * it; the caller then raises the configuration interrupt
 * (virtio_mmio__interrupt(t, VIRTIO_MMIO_INT_CONFIG)).
 */
void virtio_net__set_link(struct virtio_net *n, bool up);

/*
 * Deliver one frame into the receive queue (hdr: the backend's 12-byte
 * header, or NULL for none). 1 delivered; 0 too few buffers, nothing
 * consumed; -EMSGSIZE dropped (it can never fit); -EIO the queue broke.
 * c is scratch.
 */
int virtio_net__rx_frame(struct virtio_net *n, struct virtq *vq,
			 struct virtq_chain *c, const uint8_t *hdr,
			 const uint8_t *frame, size_t len);
/*
 * Check a popped transmit chain and give the buffers to send in
 * n->tx_iov (*cnt of them). 0 to send; -EMSGSIZE or -EINVAL to drop (push
 * it with no bytes written); -EIO the queue is now broken.
 */
int virtio_net__tx_chain(struct virtio_net *n, struct virtq *vq,
			 const struct virtq_chain *c, unsigned int *cnt);

/*
 * The worker, after a notification of the receive queue or when the
 * backend has input: move up to budget frames from the backend into the
 * receive queue. 1: the backend has nothing more now (or the budget is
 * spent): keep watching it; 0: the driver has too few buffers: stop
 * watching until it notifies; -EIO: the queue is broken or not live;
 * -EPIPE or other -errno from the backend.
 */
int virtio_net__receive(struct virtio_net *n, struct virtio_mmio *t,
			struct virtq_chain *c, unsigned int budget);
/*
 * The worker, after a notification of the transmit queue (or when the
 * backend is writable again): send up to budget frames. 0: the queue is
 * empty and notifications are on; 1: budget spent, call again;
 * VIRTIO_NET_TX_BLOCKED: the backend is full, call again once it is
 * writable (the frame stays in the queue); -EIO: broken or not live.
 */
int virtio_net__transmit(struct virtio_net *n, struct virtio_mmio *t,
			 struct virtq_chain *c, unsigned int budget);

/*
 * A stable, locally administered unicast MAC derived from the VM's name
 * and the device's index; which (0 or 1) gives two unrelated addresses
 * for the two ends of the same link.
 */
void virtio_net__default_mac(const char *name, unsigned int index,
			     unsigned int which, uint8_t mac[6]);

#endif /* KVM__VIRTIO_NET_H */
