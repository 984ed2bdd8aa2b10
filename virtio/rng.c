// SPDX-License-Identifier: GPL-2.0
#include "kvm/virtio-rng.h"

#include <errno.h>

int virtio_rng__handle(void *opaque, struct virtq *vq, struct virtq_chain *c,
		       uint32_t *used_len)
{
	struct virtio_rng *rng = opaque;
	unsigned int i, end = c->nr_out + c->nr_in;
	uint32_t done = 0;

	if (c->nr_out) {
		virtq__fail(vq, "entropy request with a readable buffer");
		return -EIO;
	}
	for (i = c->nr_out; i < end && done < VIRTIO_RNG_MAX_BYTES; i++) {
		size_t want = c->iov[i].iov_len;
		ssize_t n;

		if (want > VIRTIO_RNG_MAX_BYTES - done)
			want = VIRTIO_RNG_MAX_BYTES - done;
		n = rng->fill(rng->opaque, c->iov[i].iov_base, want);
		if (n <= 0)
			break;
		if ((size_t)n > want)
			n = (ssize_t)want;
		done += (uint32_t)n;
		if ((size_t)n < want)
			break; /* a short read: give what we have */
	}
	*used_len = done;
	return 0;
}
