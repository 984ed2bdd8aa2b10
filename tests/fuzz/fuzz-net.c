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
#include "fuzz.h"

#include "vdriver.h"
#include "kvm/virtio-net.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#define QSIZE 64
/* Chains start at every MAX_BUFS-th descriptor: 16 slots per queue. */
#define SLOTS (QSIZE / MAX_BUFS)
#define RX_DESC FAKE_A_GPA
#define RX_AVAIL (FAKE_A_GPA + 0x1000)
#define RX_USED (FAKE_A_GPA + 0x1800)
#define TX_DESC (FAKE_A_GPA + 0x2000)
#define TX_AVAIL (FAKE_A_GPA + 0x3000)
#define TX_USED (FAKE_A_GPA + 0x3800)
#define TABLE (FAKE_A_GPA + 0x4000) /* indirect tables, SLOTS per queue */
#define BUF_A (FAKE_A_GPA + 0x6000)
#define MAX_BUFS 4
#define BIT64(n) (1ULL << (n))

struct buf {
	uint64_t gpa;
	uint32_t len;
	bool w;
};

/* Per descriptor head: the buffers of the chain posted there. */
struct posted {
	struct buf b[MAX_BUFS];
	unsigned int n;
};

static struct state {
	struct virtio_mmio t;
	struct virtio_mmio_dev_ops ops;
	struct virtio_net net;
	struct vdrv rx, tx;
	struct virtq_chain c;
	struct posted rxp[QSIZE];
	uint64_t a_at, b_at;
	unsigned int rx_posts, tx_posts;
	uint64_t neg; /* the features the driver took */
	bool unsure; /* buffers or chains may overlap: no content checks */
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

static void noirq(void *opaque)
{
	(void)opaque;
}

static void cfg_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	virtio_net__config_read(dev, off, data, len);
}

static int drv_ok(void *dev, uint64_t features)
{
	virtio_net__set_features(dev, features);
	return 0;
}

/* Room for a buffer of len bytes in region A or B; wraps when full. */
static uint64_t alloc(bool in_b, uint32_t len)
{
	uint64_t *at = in_b ? &S.b_at : &S.a_at;
	uint64_t start = in_b ? FAKE_B_GPA : BUF_A;
	uint64_t end = in_b ? FAKE_END : FAKE_HOLE_GPA;
	uint64_t gpa;

	if (len > end - *at) {
		*at = start;
		S.unsure = true;
	}
	gpa = *at;
	*at += len;
	return gpa;
}

/* A chain of 1 to MAX_BUFS buffers from the input at desc head. */
static uint16_t post(struct fake_mem *fm, struct vdrv *d, struct input *in,
		     struct posted *p, unsigned int *posts, uint8_t op,
		     uint64_t table)
{
	bool rx = d == &S.rx;
	unsigned int n = 1 + (op >> 2) % MAX_BUFS, i, slot = *posts % SLOTS;
	bool indirect = op & 0x80;
	uint16_t head = slot * MAX_BUFS;
	uint64_t tab = indirect ? table + 16ULL * MAX_BUFS * slot : d->desc;

	/* A slot used again may still hold a chain the device has not
	 * used; and an indirect chain's head may overlay a direct one. */
	if (++*posts > SLOTS || indirect)
		S.unsure = true;
	p = &p[head];

	p->n = n;
	for (i = 0; i < n; i++) {
		uint8_t sel = IN8(in);
		uint32_t len = sel & 0x40 ? IN16(in) % 0x6000 : IN8(in);
		bool w = rx ? !(sel & 0x20) : (sel & 0x20);
		uint16_t idx = indirect ? i : (head + i) % QSIZE;
		uint16_t next = indirect ? i + 1 : (head + i + 1) % QSIZE;
		uint64_t gpa;

		if (!len)
			len = 1;
		if (len > FAKE_B_SIZE)
			len = FAKE_B_SIZE;
		gpa = alloc(sel & 1, len);
		if (sel & 0x10) {
			gpa = in_gpa(in); /* anywhere at all */
			S.unsure = true;
		}
		p->b[i] = (struct buf){ gpa, len, w };
		if (!rx && !(sel & 0x10)) {
			/* Transmit contents from the input. */
			size_t copy = len < in->n ? len : in->n;

			memcpy(fake_mem__host(fm, gpa), in->p, copy);
			in->p += copy;
			in->n -= copy;
		}
		vd_desc_at(fm, tab, idx, gpa, len,
			   (w ? VRING_DESC_F_WRITE : 0) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0),
			   next);
	}
	if (indirect)
		vd_desc_at(fm, d->desc, head, tab, 16 * n,
			   VRING_DESC_F_INDIRECT, 0);
	vd_publish(d, head);
	return head;
}

/* Read len bytes at off of the writable buffers of the chain at head. */
static void chain_read(struct fake_mem *fm, const struct posted *p, size_t off,
		       uint8_t *dst, size_t len)
{
	unsigned int i;

	for (i = 0; i < p->n && len; i++) {
		size_t take;

		if (off >= p->b[i].len) {
			off -= p->b[i].len;
			continue;
		}
		take = p->b[i].len - off;
		if (take > len)
			take = len;
		memcpy(dst, (uint8_t *)fake_mem__host(fm, p->b[i].gpa) + off,
		       take);
		dst += take;
		len -= take;
		off = 0;
	}
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
		FUZZ_ASSERT(!vd_get_used(&S.rx, &id, &len));
		return;
	}
	FUZZ_ASSERT(S.net.st.rx_frames == frames_before + 1);
	want = hdr + S.frame_len;
	while (vd_get_used(&S.rx, &id, &len)) {
		const struct posted *p = &S.rxp[id % QSIZE];

		FUZZ_ASSERT(id < QSIZE && len > 0);
		if (!S.unsure && total + len <= sizeof(got))
			chain_read(fm, p, 0, got + total, len);
		if (!entries)
			chain_read(fm, p, 0, h, sizeof(h));
		total += len;
		entries++;
	}
	FUZZ_ASSERT(total == want);
	/* Without MRG_RXBUF a frame takes one buffer. */
	FUZZ_ASSERT(entries == 1 || (S.neg & BIT64(VIRTIO_NET_F_MRG_RXBUF)));
	FUZZ_ASSERT((unsigned int)(h[10] | h[11] << 8) == entries || S.unsure);
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
		if (!S.unsure)
			FUZZ_ASSERT(h[0] == flags && h[1] == gso &&
				    !memcmp(h + 2, S.frame + 2, 8));
	}
	if (S.unsure)
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
	S.a_at = BUF_A;
	S.b_at = FAKE_B_GPA;
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
	if (virtio_mmio__init(&S.t, &fm->mem, &S.ops, &S.net, noirq, NULL))
		abort();
	S.rx = (struct vdrv){ .t = &S.t, .fm = fm };
	S.tx = S.rx;
	if (vd_negotiate(&S.t, features) != s ||
	    vd_setup_queue(&S.rx, 0, QSIZE, RX_DESC, RX_AVAIL, RX_USED) ||
	    vd_setup_queue(&S.tx, 1, QSIZE, TX_DESC, TX_AVAIL, TX_USED) ||
	    vd_wr(&S.t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK))
		abort();

	while (in.n && steps++ < 64) {
		uint8_t op = IN8(&in);
		uint64_t before = S.net.st.rx_frames;

		switch (op & 3) {
		case 0:
			post(fm, &S.rx, &in, S.rxp, &S.rx_posts, op, TABLE);
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
			static struct posted tps[QSIZE];
			struct virtq *vq = virtio_mmio__queue(&S.t, 1);
			unsigned int sent = S.sent;
			bool idle = vq->last_avail == S.tx.avail_idx;
			struct posted *tp;

			tp = &tps[post(fm, &S.tx, &in, tps, &S.tx_posts, op,
				       TABLE + 0x1000)];
			/* The expected frame, when it was all ours. */
			S.check_sent = idle && !S.unsure && !(op & 0x40) &&
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
					chain_read(fm, tp, VIRTIO_NET_HDR_LEN,
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
