// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net frames: receive into one buffer or several (MRG_RXBUF), too
 * few buffers, frames that never fit, the header with and without the
 * backend's; transmit with the header taken out or passed on, offloads
 * refused, a full backend, malformed chains; the config space and MACs.
 */
#include "test.h"

#include "fake-mem.h"
#include "vdriver.h"
#include "kvm/virtio-net.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>

#define W VRING_DESC_F_WRITE
#define N VRING_DESC_F_NEXT
#define BIT64(n) (1ULL << (n))

#define RX_DESC (FAKE_A_GPA + 0x0000)
#define RX_AVAIL (FAKE_A_GPA + 0x1000)
#define RX_USED (FAKE_A_GPA + 0x1800)
#define TX_DESC (FAKE_A_GPA + 0x2000)
#define TX_AVAIL (FAKE_A_GPA + 0x3000)
#define TX_USED (FAKE_A_GPA + 0x3800)
#define BUF (FAKE_A_GPA + 0x4000) /* up to the end of region A */
#define QSIZE 16

#define F_MRG BIT64(VIRTIO_NET_F_MRG_RXBUF)
#define F_EVENT BIT64(VIRTIO_RING_F_EVENT_IDX)
#define F_V1 BIT64(VIRTIO_F_VERSION_1)
#define F_GCSUM BIT64(VIRTIO_NET_F_GUEST_CSUM)
#define F_GTSO4 BIT64(VIRTIO_NET_F_GUEST_TSO4)
#define F_GTSO6 BIT64(VIRTIO_NET_F_GUEST_TSO6)
/* What the glue offers for a tap. */
#define TAP_OFFLOADS                                              \
	(BIT64(VIRTIO_NET_F_CSUM) | F_GCSUM | F_GTSO4 | F_GTSO6 | \
	 BIT64(VIRTIO_NET_F_HOST_TSO4) | BIT64(VIRTIO_NET_F_HOST_TSO6))

/* A backend of frames queued by the test; what is sent is recorded. */
struct fbe {
	uint8_t in[4][70000];
	size_t in_len[4];
	unsigned int in_head, in_nr;
	int peek_err; /* returned instead of a frame when set */
	uint8_t out[70000];
	size_t out_len;
	unsigned int sent;
	int send_ret; /* -EAGAIN: refuse */
	unsigned int out_iov;
};

static int fbe_peek(void *opaque, const uint8_t **frame, size_t *len)
{
	struct fbe *b = opaque;

	if (b->peek_err)
		return b->peek_err;
	if (b->in_head == b->in_nr)
		return 0;
	*frame = b->in[b->in_head % 4];
	*len = b->in_len[b->in_head % 4];
	return 1;
}

static void fbe_consume(void *opaque)
{
	struct fbe *b = opaque;

	b->in_head++;
}

static int fbe_send(void *opaque, const struct iovec *iov, unsigned int n)
{
	struct fbe *b = opaque;
	unsigned int i;

	if (b->send_ret)
		return b->send_ret;
	b->out_len = 0;
	b->out_iov = n;
	for (i = 0; i < n; i++) {
		memcpy(b->out + b->out_len, iov[i].iov_base, iov[i].iov_len);
		b->out_len += iov[i].iov_len;
	}
	b->sent++;
	return 0;
}

static const struct virtio_net_backend_ops fbe_ops = {
	.peek = fbe_peek,
	.consume = fbe_consume,
	.send = fbe_send,
};

struct rig {
	struct fake_mem fm;
	struct virtio_mmio t;
	struct virtio_mmio_dev_ops ops;
	struct vdrv rx, tx;
	struct virtio_net net;
	struct fbe be;
	struct virtq_chain c;
	int irqs;
};

static void rig_irq(void *opaque)
{
	struct rig *r = opaque;

	r->irqs++;
}

static void rig_config_read(void *dev, uint32_t off, uint8_t *data,
			    uint32_t len)
{
	struct rig *r = dev;

	virtio_net__config_read(&r->net, off, data, len);
}

static int rig_driver_ok(void *dev, uint64_t features)
{
	struct rig *r = dev;

	virtio_net__set_features(&r->net, features);
	return 0;
}

/* A started device: both queues of QSIZE, features as the driver took. */
static struct rig *rig_new(struct test_ctx *t, bool vnet_hdr, uint64_t features)
{
	struct virtio_net_params p = { .mac = { 2, 0, 0, 0, 0, 1 } };
	struct rig *r = calloc(1, sizeof(*r));
	uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		     VIRTIO_CONFIG_S_FEATURES_OK;

	if (!r || fake_mem__init(&r->fm))
		goto fail;
	p.vnet_hdr = vnet_hdr;
	if (vnet_hdr)
		p.offloads = TAP_OFFLOADS;
	if (virtio_net__init(&r->net, &p, &fbe_ops, &r->be))
		goto fail;
	r->ops = (struct virtio_mmio_dev_ops){
		.device_id = 1,
		.features = virtio_net__device_features(&r->net),
		.nr_queues = 2,
		.queue_num_max = QSIZE,
		.config_size = VIRTIO_NET_CONFIG_SIZE,
		.config_read = rig_config_read,
		.driver_ok = rig_driver_ok,
	};
	if (virtio_mmio__init(&r->t, &r->fm.mem, &r->ops, r, rig_irq, r))
		goto fail;
	r->rx.t = r->tx.t = &r->t;
	r->rx.fm = r->tx.fm = &r->fm;
	if (vd_negotiate(&r->t, features | F_V1) != s ||
	    vd_setup_queue(&r->rx, 0, QSIZE, RX_DESC, RX_AVAIL, RX_USED) ||
	    vd_setup_queue(&r->tx, 1, QSIZE, TX_DESC, TX_AVAIL, TX_USED) ||
	    vd_wr(&r->t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK))
		goto fail;
	return r;
fail:
	test__fail(t, __FILE__, __LINE__, "set-up failed");
	if (r)
		fake_mem__exit(&r->fm);
	free(r);
	return NULL;
}

static void rig_free(struct rig *r)
{
	fake_mem__exit(&r->fm);
	free(r);
}

/* A frame of len bytes, byte i = i * 7 + seed, queued on the backend. */
static void queue_frame(struct rig *r, size_t len, uint8_t seed)
{
	uint8_t *f = r->be.in[r->be.in_nr % 4];
	size_t i;

	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 7 + seed);
	r->be.in_len[r->be.in_nr % 4] = len;
	r->be.in_nr++;
}

/* Post a one-descriptor receive buffer of len bytes at gpa, as desc i. */
static void post_rx(struct rig *r, uint16_t i, uint64_t gpa, uint32_t len)
{
	vd_desc(&r->rx, i, gpa, len, W, 0);
	vd_publish(&r->rx, i);
}

static bool frame_ok(const uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(i * 7 + seed))
			return false;
	return true;
}

static uint16_t num_buffers(struct rig *r, uint64_t gpa)
{
	uint8_t *h = fake_mem__host(&r->fm, gpa);

	return h[10] | h[11] << 8;
}

static int receive(struct rig *r)
{
	return virtio_net__receive(&r->net, &r->t, &r->c, VIRTIO_NET_BUDGET);
}

static int transmit(struct rig *r)
{
	return virtio_net__transmit(&r->net, &r->t, &r->c, VIRTIO_NET_BUDGET);
}

static void rx_one_buffer(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG | F_EVENT);
	uint32_t id, len;

	if (!r)
		return;
	post_rx(r, 0, BUF, 1526);
	queue_frame(r, 100, 1);
	CHECK_EQ(t, receive(r), 1);
	CHECK(t, vd_get_used(&r->rx, &id, &len));
	CHECK_EQ(t, id, 0);
	CHECK_EQ(t, len, 112);
	CHECK_EQ(t, num_buffers(r, BUF), 1);
	CHECK(t, frame_ok(fake_mem__host(&r->fm, BUF + 12), 100, 1));
	CHECK_EQ(t, r->be.in_head, 1); /* consumed */
	CHECK_EQ(t, r->net.st.rx_frames, 1);
	CHECK(t, r->irqs > 0);
	rig_free(r);
}

/* A frame over several buffers, published together. */
static void rx_merges_buffers(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG | F_EVENT);
	uint8_t got[3000];
	uint32_t id, len;
	uint16_t i;

	if (!r)
		return;
	for (i = 0; i < 5; i++)
		post_rx(r, i, BUF + 0x1000 * i, 1000);
	queue_frame(r, 3000, 3);
	CHECK_EQ(t, receive(r), 1);
	CHECK_EQ(t, vd_used_idx(&r->rx), 4);
	CHECK_EQ(t, num_buffers(r, BUF), 4);
	for (i = 0; i < 4; i++) {
		CHECK(t, vd_get_used(&r->rx, &id, &len));
		CHECK_EQ(t, id, i);
		CHECK_EQ(t, len, i < 3 ? 1000 : 12);
	}
	memcpy(got, fake_mem__host(&r->fm, BUF + 12), 988);
	memcpy(got + 988, fake_mem__host(&r->fm, BUF + 0x1000), 1000);
	memcpy(got + 1988, fake_mem__host(&r->fm, BUF + 0x2000), 1000);
	memcpy(got + 2988, fake_mem__host(&r->fm, BUF + 0x3000), 12);
	CHECK(t, frame_ok(got, 3000, 3));
	/* The fifth buffer is left for the next frame. */
	queue_frame(r, 60, 4);
	CHECK_EQ(t, receive(r), 1);
	CHECK(t, vd_get_used(&r->rx, &id, &len));
	CHECK_EQ(t, id, 4);
	CHECK_EQ(t, len, 72);
	rig_free(r);
}

/* Too few buffers: nothing used, the frame waits, the driver is asked to
 * notify on its next buffer; more buffers and it goes in. */
static void rx_waits_for_buffers(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG | F_EVENT);
	uint32_t id, len;

	if (!r)
		return;
	post_rx(r, 0, BUF, 1000);
	post_rx(r, 1, BUF + 0x1000, 1000);
	queue_frame(r, 3000, 5);
	CHECK_EQ(t, receive(r), 0);
	CHECK_EQ(t, vd_used_idx(&r->rx), 0);
	CHECK_EQ(t, r->be.in_head, 0); /* not consumed */
	CHECK_EQ(t, vd_avail_event(&r->rx), 2);
	CHECK_EQ(t, r->net.st.rx_waits, 1);
	/* Still too few: the same again, asking for the next one. */
	post_rx(r, 2, BUF + 0x2000, 500);
	CHECK_EQ(t, receive(r), 0);
	CHECK_EQ(t, vd_avail_event(&r->rx), 3);
	post_rx(r, 3, BUF + 0x3000, 1000);
	CHECK_EQ(t, receive(r), 1);
	CHECK_EQ(t, vd_used_idx(&r->rx), 4);
	CHECK_EQ(t, num_buffers(r, BUF), 4);
	CHECK(t, vd_get_used(&r->rx, &id, &len));
	CHECK_EQ(t, id, 0);
	CHECK_EQ(t, r->be.in_head, 1);
	rig_free(r);
}

/* Without EVENT_IDX the used ring's NO_NOTIFY flag is what asks. */
static void rx_waits_without_event_idx(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG);

	if (!r)
		return;
	__atomic_store_n((uint16_t *)fake_mem__host(&r->fm, RX_USED), 1,
			 __ATOMIC_RELAXED);
	post_rx(r, 0, BUF, 100);
	queue_frame(r, 3000, 5);
	CHECK_EQ(t, receive(r), 0);
	CHECK_EQ(t, vd_used_flags(&r->rx), 0);
	rig_free(r);
}

/* Every buffer the queue can hold is too little: dropped, not a hang. */
static void rx_never_fits(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG | F_EVENT);
	uint32_t id, len;
	uint16_t i;

	if (!r)
		return;
	for (i = 0; i < QSIZE; i++)
		post_rx(r, i, BUF + 0x100 * i, 100);
	queue_frame(r, 2000, 6);
	queue_frame(r, 50, 7);
	CHECK_EQ(t, receive(r), 1);
	CHECK_EQ(t, r->net.st.rx_dropped, 1);
	CHECK_EQ(t, r->be.in_head, 2);
	/* The next frame went into the first buffer. */
	CHECK(t, vd_get_used(&r->rx, &id, &len));
	CHECK_EQ(t, id, 0);
	CHECK_EQ(t, len, 62);
	CHECK(t, !vd_get_used(&r->rx, &id, &len));
	rig_free(r);
}

/* Without MRG_RXBUF one buffer holds the frame or it is dropped. */
static void rx_without_mrg(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_EVENT);
	uint32_t id, len;

	if (!r)
		return;
	post_rx(r, 0, BUF, 1000);
	post_rx(r, 1, BUF + 0x1000, 1000);
	queue_frame(r, 1500, 1);
	queue_frame(r, 988, 2);
	CHECK_EQ(t, receive(r), 1);
	CHECK_EQ(t, r->net.st.rx_dropped, 1);
	CHECK(t, vd_get_used(&r->rx, &id, &len));
	CHECK_EQ(t, id, 0);
	CHECK_EQ(t, len, 1000);
	CHECK_EQ(t, num_buffers(r, BUF), 1);
	CHECK(t, frame_ok(fake_mem__host(&r->fm, BUF + 12), 988, 2));
	CHECK(t, !vd_get_used(&r->rx, &id, &len));
	rig_free(r);
}

/* A buffer split in pieces, the header over two of them. */
static void rx_chained_buffer(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG);
	uint8_t got[200];
	uint32_t id, len;

	if (!r)
		return;
	vd_desc(&r->rx, 0, BUF, 5, W | N, 1);
	vd_desc(&r->rx, 1, FAKE_B_GPA, 100, W | N, 2);
	vd_desc(&r->rx, 2, BUF + 0x100, 100, W, 0);
	vd_publish(&r->rx, 0);
	queue_frame(r, 150, 9);
	CHECK_EQ(t, receive(r), 1);
	CHECK(t, vd_get_used(&r->rx, &id, &len));
	CHECK_EQ(t, len, 162);
	memcpy(got, fake_mem__host(&r->fm, BUF), 5);
	memcpy(got + 5, fake_mem__host(&r->fm, FAKE_B_GPA), 100);
	memcpy(got + 105, fake_mem__host(&r->fm, BUF + 0x100), 57);
	CHECK_EQ(t, got[10] | got[11] << 8, 1);
	CHECK(t, frame_ok(got + 12, 150, 9));
	rig_free(r);
}

/* The backend's header goes to the guest with num_buffers filled in. */
static void rx_backend_header(struct test_ctx *t)
{
	struct rig *r = rig_new(t, true, F_MRG | F_GCSUM | F_GTSO4);
	uint8_t *h;
	uint32_t id, len;

	if (!r)
		return;
	post_rx(r, 0, BUF, 2000);
	queue_frame(r, 12 + 100, 0);
	h = r->be.in[0];
	memset(h, 0, 12);
	h[0] = VIRTIO_NET_HDR_F_DATA_VALID;
	h[1] = VIRTIO_NET_HDR_GSO_TCPV4;
	h[4] = 0x40; /* gso_size */
	h[10] = 0xee; /* a num_buffers the backend left: ours wins */
	CHECK_EQ(t, receive(r), 1);
	CHECK(t, vd_get_used(&r->rx, &id, &len));
	CHECK_EQ(t, len, 112);
	h = fake_mem__host(&r->fm, BUF);
	CHECK_EQ(t, h[0], VIRTIO_NET_HDR_F_DATA_VALID);
	CHECK_EQ(t, h[1], VIRTIO_NET_HDR_GSO_TCPV4);
	CHECK_EQ(t, h[4], 0x40);
	CHECK_EQ(t, num_buffers(r, BUF), 1);
	CHECK(t, frame_ok(h + 12, 100, 12 * 7));
	rig_free(r);
}

/*
 * The backend's header for a driver that took fewer offloads (frames the
 * tap made under an earlier driver's settings): DATA_VALID is cleared,
 * a checksum or segmentation offload it did not accept is dropped.
 */
static void rx_offload_not_accepted(struct test_ctx *t)
{
	static const uint8_t hdrs[][2] = {
		{ VIRTIO_NET_HDR_F_NEEDS_CSUM, 0 },
		{ 0, VIRTIO_NET_HDR_GSO_TCPV4 },
		{ 0, VIRTIO_NET_HDR_GSO_UDP },
		{ 0, VIRTIO_NET_HDR_GSO_ECN | VIRTIO_NET_HDR_GSO_TCPV4 },
		{ VIRTIO_NET_HDR_F_DATA_VALID, 0 },
	};
	struct rig *r = rig_new(t, true, F_MRG);
	uint32_t id, len;
	unsigned int i;
	uint8_t *h;

	if (!r)
		return;
	post_rx(r, 0, BUF, 2000);
	for (i = 0; i < 4; i++) {
		queue_frame(r, 12 + 60, (uint8_t)i);
		h = r->be.in[i];
		memset(h, 0, 12);
		h[0] = hdrs[i][0];
		h[1] = hdrs[i][1];
		CHECK_EQ(t, receive(r), 1);
		CHECK_EQ(t, r->net.st.rx_dropped, i + 1);
		CHECK_EQ(t, vd_used_idx(&r->rx), 0);
	}
	queue_frame(r, 12 + 60, 4);
	h = r->be.in[0];
	memset(h, 0, 12);
	h[0] = VIRTIO_NET_HDR_F_DATA_VALID;
	CHECK_EQ(t, receive(r), 1);
	CHECK(t, vd_get_used(&r->rx, &id, &len));
	CHECK_EQ(t, len, 72);
	CHECK_EQ(t, *(uint8_t *)fake_mem__host(&r->fm, BUF), 0);
	rig_free(r);
	/* With GUEST_CSUM and TSO4 only: TCPV6 is still refused. */
	r = rig_new(t, true, F_MRG | F_GCSUM | F_GTSO4);
	if (!r)
		return;
	post_rx(r, 0, BUF, 2000);
	queue_frame(r, 12 + 60, 0);
	memset(r->be.in[0], 0, 12);
	r->be.in[0][1] = VIRTIO_NET_HDR_GSO_TCPV6;
	CHECK_EQ(t, receive(r), 1);
	CHECK_EQ(t, r->net.st.rx_dropped, 1);
	rig_free(r);
}

/*
 * A 64 KiB segmentation frame from the tap over merged buffers, the
 * first of them a chain whose first descriptor is shorter than the
 * header: the header lands across the pieces, num_buffers counts the
 * chains, the frame is intact.
 */
static void rx_backend_header_merged(struct test_ctx *t)
{
	struct rig *r = rig_new(t, true, F_MRG | F_GCSUM | F_GTSO4);
	size_t flen = 65536, got = 0;
	uint32_t id, len;
	uint8_t *h, all[12 + 65536];
	uint16_t i;

	if (!r)
		return;
	vd_desc(&r->rx, 0, BUF, 5, W | N, 1);
	vd_desc(&r->rx, 1, FAKE_B_GPA, 4096 - 5, W, 0);
	vd_publish(&r->rx, 0);
	for (i = 0; i < 8; i++)
		post_rx(r, (uint16_t)(i + 2),
			BUF + 0x1000 + 0x2000 * (uint64_t)i, 8192);
	queue_frame(r, 12 + flen, 3);
	h = r->be.in[0];
	memset(h, 0, 12);
	h[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h[1] = VIRTIO_NET_HDR_GSO_TCPV4;
	h[4] = 0xa8; /* gso_size 1448 */
	h[5] = 0x05;
	CHECK_EQ(t, receive(r), 1);
	CHECK_EQ(t, r->net.st.rx_frames, 1);
	memcpy(all, fake_mem__host(&r->fm, BUF), 5);
	memcpy(all + 5, fake_mem__host(&r->fm, FAKE_B_GPA), 4096 - 5);
	got = 4096;
	CHECK(t, vd_get_used(&r->rx, &id, &len));
	CHECK_EQ(t, len, 4096);
	for (i = 0; i < 8; i++) {
		CHECK(t, vd_get_used(&r->rx, &id, &len));
		CHECK(t, got + len <= sizeof(all));
		if (got + len > sizeof(all))
			break;
		memcpy(all + got,
		       fake_mem__host(&r->fm, BUF + 0x1000 + 0x2000 * i), len);
		got += len;
	}
	CHECK_EQ(t, got, 12 + flen);
	CHECK_EQ(t, all[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(t, all[1], VIRTIO_NET_HDR_GSO_TCPV4);
	CHECK_EQ(t, all[4] | all[5] << 8, 1448);
	CHECK_EQ(t, all[10] | all[11] << 8, 9);
	CHECK(t, frame_ok(all + 12, flen, 12 * 7 + 3));
	rig_free(r);
}

/* Frames shorter than an Ethernet header or over the maximum: dropped;
 * a backend frame shorter than its header too. */
static void rx_bad_lengths(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG);
	uint32_t id, len;

	if (!r)
		return;
	post_rx(r, 0, BUF, 2000);
	queue_frame(r, 13, 0);
	queue_frame(r, VIRTIO_NET_MAX_FRAME + 1, 0);
	queue_frame(r, 14, 0);
	CHECK_EQ(t, receive(r), 1);
	CHECK_EQ(t, r->net.st.rx_dropped, 2);
	CHECK(t, vd_get_used(&r->rx, &id, &len));
	CHECK_EQ(t, len, 26);
	rig_free(r);
	r = rig_new(t, true, F_MRG);
	if (!r)
		return;
	post_rx(r, 0, BUF, 2000);
	queue_frame(r, 11, 0);
	CHECK_EQ(t, receive(r), 1);
	CHECK_EQ(t, r->net.st.rx_dropped, 1);
	CHECK_EQ(t, vd_used_idx(&r->rx), 0);
	rig_free(r);
}

/* Receive buffers the device cannot use fail the queue. */
static void rx_malformed(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG);

	if (!r)
		return;
	vd_desc(&r->rx, 0, BUF, 100, 0, 0);
	vd_publish(&r->rx, 0);
	queue_frame(r, 60, 0);
	CHECK_EQ(t, receive(r), -EIO);
	CHECK(t,
	      vd_rd(&r->t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_EQ(t, r->be.in_head, 0);
	rig_free(r);
	r = rig_new(t, false, F_MRG);
	if (!r)
		return;
	post_rx(r, 0, BUF, 11);
	queue_frame(r, 60, 0);
	CHECK_EQ(t, receive(r), -EIO);
	CHECK(t,
	      vd_rd(&r->t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	rig_free(r);
}

/* The backend's errors end the pass with its code; nothing is lost. */
static void rx_backend_gone(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG);

	if (!r)
		return;
	post_rx(r, 0, BUF, 2000);
	r->be.peek_err = -EPIPE;
	CHECK_EQ(t, receive(r), -EPIPE);
	CHECK_EQ(t, vd_used_idx(&r->rx), 0);
	rig_free(r);
}

/* A transmit chain: header then frame, in pieces of the given sizes. */
static void post_tx(struct rig *r, uint16_t head, const uint32_t *sizes,
		    unsigned int n, const uint8_t *hdr, uint8_t seed)
{
	uint8_t all[4096];
	size_t total = 0, at = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += sizes[i];
	memset(all, 0, 12);
	if (hdr)
		memcpy(all, hdr, 12);
	for (i = 12; i < total; i++)
		all[i] = (uint8_t)((i - 12) * 7 + seed);
	for (i = 0; i < n; i++) {
		uint64_t gpa = BUF + 0x1000 * (head + i);

		memcpy(fake_mem__host(&r->fm, gpa), all + at, sizes[i]);
		at += sizes[i];
		vd_desc(&r->tx, head + i, gpa, sizes[i], i + 1 < n ? N : 0,
			head + i + 1);
	}
	vd_publish(&r->tx, head);
}

/* Plain frames: the header is left out wherever it ends. */
static void tx_plain(struct test_ctx *t)
{
	static const uint32_t one[] = { 12 + 60 };
	static const uint32_t two[] = { 12, 60 };
	static const uint32_t split[] = { 5, 10, 57 };
	struct rig *r = rig_new(t, false, F_MRG);
	uint32_t id, len;

	if (!r)
		return;
	post_tx(r, 0, one, 1, NULL, 1);
	CHECK_EQ(t, transmit(r), 0);
	CHECK_EQ(t, r->be.sent, 1);
	CHECK_EQ(t, r->be.out_len, 60);
	CHECK(t, frame_ok(r->be.out, 60, 1));
	CHECK(t, vd_get_used(&r->tx, &id, &len));
	CHECK_EQ(t, len, 0);
	post_tx(r, 2, two, 2, NULL, 2);
	CHECK_EQ(t, transmit(r), 0);
	CHECK_EQ(t, r->be.out_len, 60);
	CHECK_EQ(t, r->be.out_iov, 1);
	CHECK(t, frame_ok(r->be.out, 60, 2));
	post_tx(r, 4, split, 3, NULL, 3);
	CHECK_EQ(t, transmit(r), 0);
	CHECK_EQ(t, r->be.out_len, 60);
	CHECK_EQ(t, r->be.out_iov, 2);
	CHECK(t, frame_ok(r->be.out, 60, 3));
	CHECK_EQ(t, r->net.st.tx_frames, 3);
	CHECK_EQ(t, r->net.st.tx_bytes, 180);
	CHECK(t, r->irqs > 0);
	rig_free(r);
}

/* A backend with the header gets the chain as it is. */
static void tx_backend_header(struct test_ctx *t)
{
	static const uint32_t two[] = { 12, 60 };
	uint8_t hdr[12] = { VIRTIO_NET_HDR_F_NEEDS_CSUM,
			    VIRTIO_NET_HDR_GSO_TCPV4 };
	struct rig *r = rig_new(t, true, F_MRG);

	if (!r)
		return;
	post_tx(r, 0, two, 2, hdr, 1);
	CHECK_EQ(t, transmit(r), 0);
	CHECK_EQ(t, r->be.out_len, 72);
	CHECK_EQ(t, r->be.out_iov, 2);
	CHECK(t, !memcmp(r->be.out, hdr, 12));
	CHECK(t, frame_ok(r->be.out + 12, 60, 1));
	rig_free(r);
}

/*
 * The guest's header goes through untouched, whatever it says (the tap
 * checks it), split across descriptors too; frames too short or too long
 * are still dropped, a chain shorter than the header still fails.
 */
static void tx_backend_header_hostile(struct test_ctx *t)
{
	static const uint32_t split[] = { 5, 10, 57 };
	static const uint32_t tiny[] = { 12 + 13 };
	/* gso_size 0xffff, hdr_len past the frame, csum_start far out */
	uint8_t hdr[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			    0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct rig *r = rig_new(t, true, F_MRG);

	if (!r)
		return;
	post_tx(r, 0, split, 3, hdr, 1);
	CHECK_EQ(t, transmit(r), 0);
	CHECK_EQ(t, r->be.sent, 1);
	CHECK_EQ(t, r->be.out_iov, 3);
	CHECK_EQ(t, r->be.out_len, 72);
	CHECK(t, !memcmp(r->be.out, hdr, 12));
	CHECK(t, frame_ok(r->be.out + 12, 60, 1));
	post_tx(r, 3, tiny, 1, hdr, 1);
	vd_desc(&r->tx, 4, BUF + 0x8000, 12 + VIRTIO_NET_MAX_FRAME + 1, 0, 0);
	vd_publish(&r->tx, 4);
	CHECK_EQ(t, transmit(r), 0);
	CHECK_EQ(t, r->be.sent, 1);
	CHECK_EQ(t, r->net.st.tx_dropped, 2);
	vd_desc(&r->tx, 5, BUF, 11, 0, 0);
	vd_publish(&r->tx, 5);
	CHECK_EQ(t, transmit(r), -EIO);
	CHECK_EQ(t, r->be.sent, 1);
	rig_free(r);
}

/* A tap's device offers its offloads (and no ECN, UFO or MTU). */
static void tap_features(struct test_ctx *t)
{
	struct rig *r = rig_new(t, true, F_MRG | TAP_OFFLOADS);
	uint64_t f;

	if (!r)
		return;
	f = virtio_net__device_features(&r->net);
	CHECK_EQ(t, f & TAP_OFFLOADS, TAP_OFFLOADS);
	CHECK(t, !(f & BIT64(VIRTIO_NET_F_GUEST_ECN)));
	CHECK(t, !(f & BIT64(VIRTIO_NET_F_MTU)));
	CHECK(t, !(f & BIT64(VIRTIO_NET_F_GUEST_UFO)));
	rig_free(r);
}

/* Offloads a plain-frame backend was not offered, short and long
 * frames: dropped (used with no bytes), the queue goes on. */
static void tx_dropped(struct test_ctx *t)
{
	static const uint32_t ok[] = { 12 + 60 };
	static const uint32_t tiny[] = { 12 + 13 };
	uint8_t csum[12] = { VIRTIO_NET_HDR_F_NEEDS_CSUM };
	uint8_t gso[12] = { 0, VIRTIO_NET_HDR_GSO_TCPV6 };
	struct rig *r = rig_new(t, false, F_MRG);
	uint32_t id, len;

	if (!r)
		return;
	post_tx(r, 0, ok, 1, csum, 1);
	post_tx(r, 1, ok, 1, gso, 1);
	post_tx(r, 2, tiny, 1, NULL, 1);
	vd_desc(&r->tx, 3, BUF + 0x8000, 12 + VIRTIO_NET_MAX_FRAME + 1, 0, 0);
	vd_publish(&r->tx, 3);
	post_tx(r, 4, ok, 1, NULL, 4);
	CHECK_EQ(t, transmit(r), 0);
	CHECK_EQ(t, r->be.sent, 1);
	CHECK(t, frame_ok(r->be.out, 60, 4));
	CHECK_EQ(t, r->net.st.tx_dropped, 4);
	CHECK_EQ(t, vd_used_idx(&r->tx), 5);
	while (vd_get_used(&r->tx, &id, &len))
		CHECK_EQ(t, len, 0);
	rig_free(r);
}

/* A full backend: the chain stays in the queue until it takes it. */
static void tx_blocked(struct test_ctx *t)
{
	static const uint32_t ok[] = { 12 + 60 };
	struct rig *r = rig_new(t, false, F_MRG);

	if (!r)
		return;
	post_tx(r, 0, ok, 1, NULL, 1);
	post_tx(r, 1, ok, 1, NULL, 2);
	r->be.send_ret = -EAGAIN;
	CHECK_EQ(t, transmit(r), VIRTIO_NET_TX_BLOCKED);
	CHECK_EQ(t, vd_used_idx(&r->tx), 0);
	r->be.send_ret = 0;
	CHECK_EQ(t, transmit(r), 0);
	CHECK_EQ(t, vd_used_idx(&r->tx), 2);
	CHECK_EQ(t, r->be.sent, 2);
	CHECK(t, frame_ok(r->be.out, 60, 2));
	/* A backend that loses a frame: counted, the chain is used. */
	post_tx(r, 2, ok, 1, NULL, 3);
	r->be.send_ret = -EPIPE;
	CHECK_EQ(t, transmit(r), 0);
	CHECK_EQ(t, vd_used_idx(&r->tx), 3);
	CHECK_EQ(t, r->net.st.tx_dropped, 1);
	rig_free(r);
}

/* Chains a driver must not give: writable, or shorter than the header. */
static void tx_malformed(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG);

	if (!r)
		return;
	vd_desc(&r->tx, 0, BUF, 72, N, 1);
	vd_desc(&r->tx, 1, BUF + 0x100, 10, W, 0);
	vd_publish(&r->tx, 0);
	CHECK_EQ(t, transmit(r), -EIO);
	CHECK(t,
	      vd_rd(&r->t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_EQ(t, r->be.sent, 0);
	rig_free(r);
	r = rig_new(t, false, F_MRG);
	if (!r)
		return;
	vd_desc(&r->tx, 0, BUF, 11, 0, 0);
	vd_publish(&r->tx, 0);
	CHECK_EQ(t, transmit(r), -EIO);
	rig_free(r);
}

/* More frames than the budget: 1, then the rest. */
static void tx_budget(struct test_ctx *t)
{
	static const uint32_t ok[] = { 12 + 60 };
	struct rig *r = rig_new(t, false, F_MRG);
	uint16_t i;

	if (!r)
		return;
	for (i = 0; i < 10; i++)
		post_tx(r, i, ok, 1, NULL, (uint8_t)i);
	CHECK_EQ(t, virtio_net__transmit(&r->net, &r->t, &r->c, 4), 1);
	CHECK_EQ(t, r->be.sent, 4);
	CHECK_EQ(t, virtio_net__transmit(&r->net, &r->t, &r->c, 100), 0);
	CHECK_EQ(t, r->be.sent, 10);
	rig_free(r);
}

static void config_space(struct test_ctx *t)
{
	struct rig *r = rig_new(t, false, F_MRG);
	struct virtio_net n;
	struct virtio_net_params p = { .mac = { 2, 1, 2, 3, 4, 5 } };
	uint8_t c[VIRTIO_NET_CONFIG_SIZE];

	if (!r)
		return;
	CHECK_EQ(t, vd_rd(&r->t, 0x100), 0x00000002);
	CHECK_EQ(t, vd_rd(&r->t, 0x104) & 0xffff, 0x0100);
	/* status: LINK_UP; max_virtqueue_pairs: 1 */
	CHECK_EQ(t, vd_rd(&r->t, 0x104) >> 16, VIRTIO_NET_S_LINK_UP);
	CHECK_EQ(t, vd_rd(&r->t, 0x108) & 0xffff, 1);
	virtio_net__set_link(&r->net, false);
	CHECK_EQ(t, vd_rd(&r->t, 0x104) >> 16, 0);
	rig_free(r);

	p.offloads = BIT64(VIRTIO_NET_F_CSUM) | BIT64(VIRTIO_NET_F_CTRL_VQ);
	p.mtu = 65520;
	CHECK_EQ(t, virtio_net__init(&n, &p, &fbe_ops, NULL), 0);
	CHECK(t, virtio_net__device_features(&n) & BIT64(VIRTIO_NET_F_CSUM));
	CHECK(t, virtio_net__device_features(&n) & BIT64(VIRTIO_NET_F_MTU));
	CHECK(t, virtio_net__device_features(&n) & F_MRG);
	/* Not an offload: not offered. */
	CHECK(t,
	      !(virtio_net__device_features(&n) & BIT64(VIRTIO_NET_F_CTRL_VQ)));
	virtio_net__config_read(&n, 10, c, 2);
	CHECK_EQ(t, c[0] | c[1] << 8, 65520);
	virtio_net__config_read(&n, 11, c, 2); /* past the end: zeros */
	CHECK_EQ(t, c[0] | c[1], 0);
	p.mac[0] = 3; /* multicast */
	CHECK_EQ(t, virtio_net__init(&n, &p, &fbe_ops, NULL), -EINVAL);
	memset(p.mac, 0, 6);
	CHECK_EQ(t, virtio_net__init(&n, &p, &fbe_ops, NULL), -EINVAL);
}

static void default_mac(struct test_ctx *t)
{
	uint8_t a[6], b[6], c[6], d[6], e[6];

	virtio_net__default_mac("vm1", 0, 0, a);
	virtio_net__default_mac("vm1", 0, 0, b);
	CHECK(t, !memcmp(a, b, 6)); /* stable */
	CHECK_EQ(t, a[0] & 3, 2); /* locally administered unicast */
	virtio_net__default_mac("vm1", 1, 0, c);
	virtio_net__default_mac("vm2", 0, 0, d);
	virtio_net__default_mac("vm1", 0, 1, e);
	CHECK(t, memcmp(a, c, 6) && memcmp(a, d, 6) && memcmp(a, e, 6));
	virtio_net__default_mac(NULL, 0, 0, c);
	CHECK_EQ(t, c[0] & 3, 2);
}

TEST_SUITE(virtio_net, TEST(rx_one_buffer), TEST(rx_merges_buffers),
	   TEST(rx_waits_for_buffers), TEST(rx_waits_without_event_idx),
	   TEST(rx_never_fits), TEST(rx_without_mrg), TEST(rx_chained_buffer),
	   TEST(rx_backend_header), TEST(rx_offload_not_accepted),
	   TEST(rx_backend_header_merged), TEST(rx_bad_lengths),
	   TEST(rx_malformed), TEST(rx_backend_gone), TEST(tx_plain),
	   TEST(tx_backend_header), TEST(tx_backend_header_hostile),
	   TEST(tap_features), TEST(tx_dropped), TEST(tx_blocked),
	   TEST(tx_malformed), TEST(tx_budget), TEST(config_space),
	   TEST(default_mac));
