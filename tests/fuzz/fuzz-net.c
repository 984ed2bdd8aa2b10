// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the virtio-net frame path, through the real transport
 * and virtqueues. The input picks the features (MRG_RXBUF, EVENT_IDX,
 * INDIRECT_DESC), whether the backend carries the header (a tap) and
 * then which of its offloads the driver takes, then a list
 * of steps: post receive buffers (chains of any flags, lengths and
 * regions), offer the device a frame of any length, post a transmit chain
 * (contents from the input), make the backend full or failing. Checked:
 * a delivered frame's used entries add up to its header and bytes, the
 * first header counts them, and (when no buffer overlaps another) the
 * bytes are the frame's; a frame sent is the chain's minus the header;
 * nothing is read or written outside guest RAM (fake RAM's guard pages).
 * With the header: the backend's flags and GSO type come from the input;
 * a frame with an offload the driver did not take never reaches it, and
 * a delivered header is the backend's (DATA_VALID cleared without
 * GUEST_CSUM); the guest's transmit header goes out as it is.
 */
#include "fuzz-queue.h"

#include "kvm/virtio-net.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#define QSIZE FQ_SIZE
#define BIT64(n) (1ULL << (n))

static struct state {
	struct virtio_mmio t;
	struct virtio_mmio_dev_ops ops;
	struct virtio_net net;
	struct fq_room room;
	struct fq rx, tx;
	struct virtq_chain c;
	uint64_t neg; /* the features the driver took */
	/* The backend. */
	uint8_t frame[VIRTIO_NET_MAX_FRAME + 64];
	size_t frame_len;
	bool have_frame;
	uint8_t seed;
	int send_ret;
	uint8_t expect[4096];
	size_t expect_len;
	bool check_sent;
	unsigned int sent;
} S;

static int be_peek(void *opaque, const uint8_t **frame, size_t *len)
{
	(void)opaque;
	if (!S.have_frame)
		return 0;
	*frame = S.frame;
	*len = S.frame_len;
	return 1;
}

static void be_consume(void *opaque)
{
	(void)opaque;
	FUZZ_ASSERT(S.have_frame);
	S.have_frame = false;
}

static int be_send(void *opaque, const struct iovec *iov, unsigned int n)
{
	struct fake_mem *fm = opaque;
	size_t total = 0, skip = S.net.p.vnet_hdr ? VIRTIO_NET_HDR_LEN : 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(fake_mem__contains(fm, iov[i].iov_base,
					       iov[i].iov_len));
		if (S.check_sent && !S.send_ret) {
			FUZZ_ASSERT(total + iov[i].iov_len <=
				    S.expect_len + skip);
			if (!skip)
				FUZZ_ASSERT(!memcmp(iov[i].iov_base,
						    S.expect + total,
						    iov[i].iov_len));
		}
		total += iov[i].iov_len;
	}
	FUZZ_ASSERT(total >= skip + VIRTIO_NET_ETH_HLEN &&
		    total <= skip + VIRTIO_NET_MAX_FRAME);
	if (S.check_sent && !S.send_ret)
		FUZZ_ASSERT(total == S.expect_len + skip);
	if (!S.send_ret)
		S.sent++;
	return S.send_ret;
}

static const struct virtio_net_backend_ops be_ops = {
	.peek = be_peek,
	.consume = be_consume,
	.send = be_send,
};

static void cfg_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	virtio_net__config_read(dev, off, data, len);
}

static int drv_ok(void *dev, uint64_t features)
{
	virtio_net__set_features(dev, features);
	return 0;
}

/* After a receive: check the frame's used entries, if it went in. */
static void check_rx(struct fake_mem *fm, uint64_t frames_before)
{
	static uint8_t got[VIRTIO_NET_MAX_FRAME + 64];
	size_t want, total = 0, hdr = S.net.p.vnet_hdr ? 0 : VIRTIO_NET_HDR_LEN;
	unsigned int entries = 0;
	uint32_t id, len;
	uint8_t h[VIRTIO_NET_HDR_LEN];

	if (S.net.st.rx_frames == frames_before) {
		FUZZ_ASSERT(!vd_get_used(&S.rx.d, &id, &len));
		return;
	}
	FUZZ_ASSERT(S.net.st.rx_frames == frames_before + 1);
	want = hdr + S.frame_len;
	while (vd_get_used(&S.rx.d, &id, &len)) {
		const struct fq_chain *p = &S.rx.p[id % QSIZE];

		FUZZ_ASSERT(id < QSIZE && len > 0);
		if (!S.room.unsure && total + len <= sizeof(got))
			fq_read(fm, p, 0, got + total, len);
		if (!entries)
			fq_read(fm, p, 0, h, sizeof(h));
		total += len;
		entries++;
	}
	FUZZ_ASSERT(total == want);
	/* Without MRG_RXBUF a frame takes one buffer. */
	FUZZ_ASSERT(entries == 1 || (S.neg & BIT64(VIRTIO_NET_F_MRG_RXBUF)));
	FUZZ_ASSERT((unsigned int)(h[10] | h[11] << 8) == entries ||
		    S.room.unsure);
	if (S.net.p.vnet_hdr) {
		uint8_t flags = S.frame[0], gso = S.frame[1];

		if (!(S.neg & BIT64(VIRTIO_NET_F_GUEST_CSUM))) {
			FUZZ_ASSERT(!(flags & VIRTIO_NET_HDR_F_NEEDS_CSUM));
			flags = 0;
		}
		FUZZ_ASSERT(gso == VIRTIO_NET_HDR_GSO_NONE ||
			    (gso == VIRTIO_NET_HDR_GSO_TCPV4 &&
			     (S.neg & BIT64(VIRTIO_NET_F_GUEST_TSO4))) ||
			    (gso == VIRTIO_NET_HDR_GSO_TCPV6 &&
			     (S.neg & BIT64(VIRTIO_NET_F_GUEST_TSO6))));
		if (!S.room.unsure)
			FUZZ_ASSERT(h[0] == flags && h[1] == gso &&
				    !memcmp(h + 2, S.frame + 2, 8));
	}
	if (S.room.unsure)
		return;
	/* From the backend: its header first, num_buffers ours. */
	FUZZ_ASSERT(!memcmp(got + VIRTIO_NET_HDR_LEN,
			    S.frame + VIRTIO_NET_HDR_LEN - hdr,
			    S.frame_len - VIRTIO_NET_HDR_LEN + hdr));
}

static void make_frame(size_t len, struct input *in)
{
	size_t i;
	uint8_t flags = 0, gso = 0;

	if (S.net.p.vnet_hdr) {
		flags = IN8(in);
		gso = IN8(in);
	}
	if (len > sizeof(S.frame))
		len = sizeof(S.frame);
	for (i = 0; i < len; i++)
		S.frame[i] = (uint8_t)(i * 7 + S.seed);
	S.seed++;
	if (S.net.p.vnet_hdr && len >= VIRTIO_NET_HDR_LEN) {
		S.frame[0] = flags;
		S.frame[1] = gso;
		memset(S.frame + 10, 0, 2);
	}
	S.frame_len = len;
	S.have_frame = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_mem *fm = fuzz_mem();
	struct input in = { data, size };
	struct virtio_net_params p = { .mac = { 2, 0, 0, 0, 0, 1 } };
	uint8_t cfg = IN8(&in);
	uint64_t features = BIT64(VIRTIO_F_VERSION_1);
	uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		     VIRTIO_CONFIG_S_FEATURES_OK;
	unsigned int steps = 0;
	int ret;

	memset(&S, 0, sizeof(S));
	p.vnet_hdr = cfg & 4;
	if (p.vnet_hdr) {
		/* What the glue offers for a tap; the driver takes some. */
		p.offloads = BIT64(VIRTIO_NET_F_CSUM) |
			     BIT64(VIRTIO_NET_F_GUEST_CSUM) |
			     BIT64(VIRTIO_NET_F_GUEST_TSO4) |
			     BIT64(VIRTIO_NET_F_GUEST_TSO6) |
			     BIT64(VIRTIO_NET_F_HOST_TSO4) |
			     BIT64(VIRTIO_NET_F_HOST_TSO6);
		if (cfg & 0x10)
			features |= BIT64(VIRTIO_NET_F_GUEST_CSUM);
		if (cfg & 0x20)
			features |= BIT64(VIRTIO_NET_F_GUEST_TSO4);
		if (cfg & 0x40)
			features |= BIT64(VIRTIO_NET_F_GUEST_TSO6);
		if (cfg & 0x80)
			features |= BIT64(VIRTIO_NET_F_CSUM) |
				    BIT64(VIRTIO_NET_F_HOST_TSO4);
	}
	if (virtio_net__init(&S.net, &p, &be_ops, fm))
		abort();
	if (cfg & 1)
		features |= BIT64(VIRTIO_NET_F_MRG_RXBUF);
	S.neg = features;
	if (cfg & 2)
		features |= BIT64(VIRTIO_RING_F_EVENT_IDX);
	if (cfg & 8)
		features |= BIT64(VIRTIO_RING_F_INDIRECT_DESC);
	S.ops = (struct virtio_mmio_dev_ops){
		.device_id = 1,
		.features = virtio_net__device_features(&S.net) |
			    BIT64(VIRTIO_RING_F_EVENT_IDX) |
			    BIT64(VIRTIO_RING_F_INDIRECT_DESC),
		.nr_queues = 2,
		.queue_num_max = QSIZE,
		.config_size = VIRTIO_NET_CONFIG_SIZE,
		.config_read = cfg_read,
		.driver_ok = drv_ok,
	};
	if (virtio_mmio__init(&S.t, &fm->mem, &S.ops, &S.net, fq_noirq, NULL))
		abort();
	fq_room_init(&S.room, fm);
	fq_init(&S.rx, &S.room, &S.t, 0, true);
	fq_init(&S.tx, &S.room, &S.t, 1, false);
	if (vd_negotiate(&S.t, features) != s || fq_setup(&S.rx) ||
	    fq_setup(&S.tx) ||
	    vd_wr(&S.t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK))
		abort();

	while (in.n && steps++ < 64) {
		uint8_t op = IN8(&in);
		uint64_t before = S.net.st.rx_frames;

		switch (op & 3) {
		case 0:
			fq_post(&S.rx, &in, (op >> 2) | (op & 0x80));
			/* The driver notified. */
			__attribute__((fallthrough));
		case 1:
			if ((op & 3) == 1 && !S.have_frame)
				make_frame(op & 0x40 ? IN16(&in) % 2000 :
						       IN8(&in) << 9,
					   &in);
			ret = virtio_net__receive(&S.net, &S.t, &S.c, 8);
			FUZZ_ASSERT(ret == 1 || ret == 0 || ret == -EIO);
			check_rx(fm, before);
			break;
		case 2: {
			struct virtq *vq = virtio_mmio__queue(&S.t, 1);
			unsigned int sent = S.sent;
			bool idle = vq->last_avail == S.tx.d.avail_idx;
			struct fq_chain *tp;

			tp = &S.tx.p[fq_post(&S.tx, &in,
					     (op >> 2) | (op & 0x80))];
			/* The expected frame, when it was all ours. */
			S.check_sent = idle && !S.room.unsure && !(op & 0x40) &&
				       !S.send_ret;
			if (S.check_sent) {
				size_t tot = 0, i;

				for (i = 0; i < tp->n; i++) {
					if (tp->b[i].w ||
					    tot + tp->b[i].len >
						    sizeof(S.expect))
						S.check_sent = false;
					else
						tot += tp->b[i].len;
				}
				if (S.check_sent && tot >= VIRTIO_NET_HDR_LEN) {
					fq_read(fm, tp, VIRTIO_NET_HDR_LEN,
						S.expect,
						tot - VIRTIO_NET_HDR_LEN);
					S.expect_len = tot - VIRTIO_NET_HDR_LEN;
				}
			}
			ret = virtio_net__transmit(&S.net, &S.t, &S.c, 8);
			FUZZ_ASSERT(ret >= -EIO &&
				    ret <= VIRTIO_NET_TX_BLOCKED);
			FUZZ_ASSERT(S.sent <= sent + 8);
			S.check_sent = false;
			break;
		}
		default:
			S.send_ret = op & 0x40 ? -EAGAIN :
				     op & 0x20 ? -EPIPE :
						 0;
			ret = virtio_net__transmit(&S.net, &S.t, &S.c, 8);
			FUZZ_ASSERT(ret >= -EIO &&
				    ret <= VIRTIO_NET_TX_BLOCKED);
			break;
		}
	}
	return 0;
}

#ifdef FUZZ_SEEDS
int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	struct seed sd = { .n = 0 };
	int i;

	/* MRG_RXBUF and EVENT_IDX; three receive buffers of 1000. */
	put(&sd, 1 | 2, 1);
	for (i = 0; i < 3; i++) {
		put(&sd, 0, 1);
		put(&sd, 0x40, 1);
		put(&sd, 1000, 2);
	}
	/* A frame of 2500 bytes over them; then one of 60. */
	put(&sd, 1 | 0x40, 1);
	put(&sd, 2500, 2);
	put(&sd, 0, 1);
	put(&sd, 0x40, 1);
	put(&sd, 2000, 2);
	put(&sd, 1 | 0x40, 1);
	put(&sd, 60, 2);
	/* A transmit chain of two buffers: header, then 60 bytes. */
	put(&sd, 2 | (1 << 2), 1);
	put(&sd, 0x40, 1);
	put(&sd, 12, 2);
	put(&sd, 0, 12);
	put(&sd, 0x40, 1);
	put(&sd, 60, 2);
	for (i = 0; i < 60; i++)
		put(&sd, i, 1);
	/* A full backend, a chain, then room again. */
	put(&sd, 3 | 0x40, 1);
	put(&sd, 2, 1);
	put(&sd, 0x40, 1);
	put(&sd, 80, 2);
	put(&sd, 0, 80);
	put(&sd, 3, 1);
	seed_write(dir, "frames", &sd);

	/* A tap: the header both ways, checksum and TSO4 taken. */
	sd.n = 0;
	put(&sd, 1 | 2 | 4 | 0x10 | 0x20, 1);
	for (i = 0; i < 3; i++) {
		put(&sd, 0, 1);
		put(&sd, 0x40, 1);
		put(&sd, 1000, 2);
	}
	put(&sd, 1 | 0x40, 1);
	put(&sd, 1900, 2);
	put(&sd, VIRTIO_NET_HDR_F_NEEDS_CSUM, 1);
	put(&sd, VIRTIO_NET_HDR_GSO_TCPV4, 1);
	put(&sd, 1 | 0x40, 1);
	put(&sd, 100, 2);
	put(&sd, 0, 1);
	put(&sd, VIRTIO_NET_HDR_GSO_TCPV6, 1);
	put(&sd, 2 | (1 << 2), 1);
	put(&sd, 0x40, 1);
	put(&sd, 12, 2);
	put(&sd, VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_GSO_TCPV4 << 8,
	    2);
	put(&sd, 0, 10);
	put(&sd, 0x40, 1);
	put(&sd, 60, 2);
	for (i = 0; i < 60; i++)
		put(&sd, i, 1);
	seed_write(dir, "tap", &sd);
	return 0;
}
#endif
