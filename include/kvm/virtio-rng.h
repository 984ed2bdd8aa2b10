/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__VIRTIO_RNG_H
#define KVM__VIRTIO_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kvm/virtqueue.h"

/*
 * virtio-rng (entropy device, ID 4) request handling. Pure: random bytes
 * come from a fill() op (the KVM glue's getrandom(), the tests' pattern).
 * One queue; each chain is device-writable buffers to fill. A request is
 * served with what fill() gives at once, at most VIRTIO_RNG_MAX_BYTES, and
 * the used length says how much: the driver asks again for the rest.
 */

#define VIRTIO_RNG_QUEUE_SIZE 64
/* Bytes per request at most: a short getrandom() per request. */
#define VIRTIO_RNG_MAX_BYTES 4096

struct virtio_rng {
	/* Up to len random bytes into buf: how many (0 when none are to be
	 * had without blocking), or -errno. */
	ssize_t (*fill)(void *opaque, void *buf, size_t len);
	void *opaque;
};

/*
 * A virtio_chain_fn (opaque: struct virtio_rng). A chain with a
 * device-readable buffer fails the queue: the spec has the driver give
 * only writable ones.
 */
int virtio_rng__handle(void *opaque, struct virtq *vq, struct virtq_chain *c,
		       uint32_t *used_len);

#endif /* KVM__VIRTIO_RNG_H */
