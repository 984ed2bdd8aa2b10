// SPDX-License-Identifier: GPL-2.0
#include "kvm/virtio-net.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <string.h>

#define BIT64(n) (1ULL << (n))
/* Offloads a backend may take; anything else in params is ignored. */
#define NET_OFFLOADS                                                       \
	(BIT64(VIRTIO_NET_F_CSUM) | BIT64(VIRTIO_NET_F_GUEST_CSUM) |       \
	 BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_TSO6) | \
	 BIT64(VIRTIO_NET_F_GUEST_ECN) | BIT64(VIRTIO_NET_F_HOST_TSO4) |   \
	 BIT64(VIRTIO_NET_F_HOST_TSO6) | BIT64(VIRTIO_NET_F_HOST_ECN))

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

int virtio_net__init(struct virtio_net *n, const struct virtio_net_params *p,
		     const struct virtio_net_backend_ops *be, void *opaque)
{
	static const uint8_t zero[6];

	if ((p->mac[0] & 1) || !memcmp(p->mac, zero, 6))
		return -EINVAL;
	memset(n, 0, sizeof(*n));
	n->p = *p;
	n->be = be;
	n->be_opaque = opaque;
	n->features = BIT64(VIRTIO_NET_F_MAC) | BIT64(VIRTIO_NET_F_STATUS) |
		      BIT64(VIRTIO_NET_F_MRG_RXBUF) |
		      (p->offloads & NET_OFFLOADS);
	if (p->mtu)
		n->features |= BIT64(VIRTIO_NET_F_MTU);
	memcpy(n->config, p->mac, 6);
	put16(n->config + 6, VIRTIO_NET_S_LINK_UP);
	put16(n->config + 8, 1); /* one queue pair */
	put16(n->config + 10, p->mtu);
	return 0;
}

uint64_t virtio_net__device_features(const struct virtio_net *n)
{
	return n->features;
}

void virtio_net__config_read(const struct virtio_net *n, uint32_t offset,
			     uint8_t *data, uint32_t len)
{
	uint8_t c[VIRTIO_NET_CONFIG_SIZE];

	if (offset >= sizeof(c) || len > sizeof(c) - offset) {
		memset(data, 0, len);
		return;
	}
	memcpy(c, n->config, sizeof(c));
	put16(c + 6, __atomic_load_n(&n->link_down, __ATOMIC_ACQUIRE) ?
			     0 :
			     VIRTIO_NET_S_LINK_UP);
	memcpy(data, c + offset, len);
}

void virtio_net__set_features(struct virtio_net *n, uint64_t features)
{
	n->negotiated = features;
}

void virtio_net__set_link(struct virtio_net *n, bool up)
{
	__atomic_store_n(&n->link_down, !up, __ATOMIC_RELEASE);
}

/* Copy len bytes from src into the buffers iov[0, cnt) at offset off. */
static void iov_put(const struct iovec *iov, unsigned int cnt, size_t off,
		    const uint8_t *src, size_t len)
{
	unsigned int i;

	for (i = 0; i < cnt && len; i++) {
		size_t take;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - off;
		if (take > len)
			take = len;
		memcpy((uint8_t *)iov[i].iov_base + off, src, take);
		src += take;
		len -= take;
		off = 0;
	}
}

/* The opposite: len bytes from the buffers at offset off into dst. */
static void iov_get(const struct iovec *iov, unsigned int cnt, size_t off,
		    uint8_t *dst, size_t len)
{
	unsigned int i;

	for (i = 0; i < cnt && len; i++) {
		size_t take;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - off;
		if (take > len)
			take = len;
		memcpy(dst, (const uint8_t *)iov[i].iov_base + off, take);
		dst += take;
		len -= take;
		off = 0;
	}
}

/* Give back what was popped for a frame that does not go in now. */
static int rx_undo(struct virtq *vq, unsigned int chains, int ret)
{
	virtq__unpop(vq, chains);
	return ret;
}

int virtio_net__rx_frame(struct virtio_net *n, struct virtq *vq,
			 struct virtq_chain *c, const uint8_t *hdr,
			 const uint8_t *frame, size_t len)
{
	bool mrg = n->negotiated & BIT64(VIRTIO_NET_F_MRG_RXBUF);
	size_t need = VIRTIO_NET_HDR_LEN + len, done = 0;
	unsigned int chains = 0, niov = 0, first_niov = 0;
	uint8_t h[VIRTIO_NET_HDR_LEN] = { 0 };
	int ret;

	if (len < VIRTIO_NET_ETH_HLEN || len > VIRTIO_NET_MAX_FRAME) {
		n->st.rx_dropped++;
		return -EMSGSIZE;
	}
	while (done < need) {
		ret = virtq__pop(vq, c);
		if (ret < 0)
			return -EIO;
		if (ret == 0) {
			/* Every buffer the queue can hold is ours: never. */
			if (chains >= vq->size) {
				n->st.rx_dropped++;
				return rx_undo(vq, chains, -EMSGSIZE);
			}
			return rx_undo(vq, chains, 0);
		}
		if (c->nr_out) {
			virtq__fail(vq, "receive buffer not device-writable");
			return -EIO;
		}
		if (!chains && c->in_len < VIRTIO_NET_HDR_LEN) {
			virtq__fail(vq,
				    "receive buffer shorter than the header");
			return -EIO;
		}
		if (niov + c->nr_in > VIRTQ_MAX_SIZE) {
			/* Scattered over too many pieces to place. */
			n->st.rx_dropped++;
			return rx_undo(vq, chains + 1, -EMSGSIZE);
		}
		memcpy(&n->rx_iov[niov], &c->iov[c->nr_out],
		       c->nr_in * sizeof(struct iovec));
		niov += c->nr_in;
		if (!chains)
			first_niov = niov;
		n->rx_done[chains] = (struct virtq_done){
			.head = c->head,
			.len = need - done < c->in_len ? need - done :
							 c->in_len,
			.epoch = c->epoch,
		};
		done += n->rx_done[chains].len;
		chains++;
		if (!mrg && done < need) {
			/* Without MRG_RXBUF one buffer must hold it all. */
			n->st.rx_dropped++;
			return rx_undo(vq, chains, -EMSGSIZE);
		}
	}
	if (hdr)
		memcpy(h, hdr, VIRTIO_NET_HDR_LEN);
	put16(h + 10, chains); /* num_buffers */
	iov_put(n->rx_iov, first_niov, 0, h, VIRTIO_NET_HDR_LEN);
	iov_put(n->rx_iov, niov, VIRTIO_NET_HDR_LEN, frame, len);
	if (virtq__push_n(vq, n->rx_done, chains))
		return -EIO;
	n->st.rx_frames++;
	n->st.rx_bytes += len;
	return 1;
}

/*
 * The backend's header as the driver may see it, in h: 0 flags where the
 * driver took no checksum offload (DATA_VALID is only a hint), and false
 * for an offload it did not accept (a frame the backend made under an
 * earlier driver's settings): that frame is dropped.
 */
static bool rx_hdr_fit(const struct virtio_net *n, const uint8_t *src,
		       uint8_t *h)
{
	uint64_t f = n->negotiated;

	memcpy(h, src, VIRTIO_NET_HDR_LEN);
	if (!(f & BIT64(VIRTIO_NET_F_GUEST_CSUM))) {
		if (h[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			return false;
		h[0] = 0;
	}
	switch (h[1]) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return f & BIT64(VIRTIO_NET_F_GUEST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return f & BIT64(VIRTIO_NET_F_GUEST_TSO6);
	default:
		return false; /* ECN, UDP: never offered */
	}
}

int virtio_net__receive(struct virtio_net *n, struct virtio_mmio *t,
			struct virtq_chain *c, unsigned int budget)
{
	struct virtq *vq = virtio_mmio__queue(t, VIRTIO_NET_RXQ);
	unsigned int i, delivered = 0;
	uint8_t h[VIRTIO_NET_HDR_LEN];
	const uint8_t *buf, *hdr;
	size_t len;
	int ret = 1;

	if (!vq)
		return -EIO;
	for (i = 0; i < budget; i++) {
		ret = n->be->peek(n->be_opaque, &buf, &len);
		if (ret <= 0) {
			ret = ret ? ret : 1; /* nothing now: keep watching */
			break;
		}
		hdr = NULL;
		if (n->p.vnet_hdr) {
			if (len < VIRTIO_NET_HDR_LEN ||
			    !rx_hdr_fit(n, buf, h)) {
				n->st.rx_dropped++;
				n->be->consume(n->be_opaque);
				continue;
			}
			hdr = h;
			buf += VIRTIO_NET_HDR_LEN;
			len -= VIRTIO_NET_HDR_LEN;
		}
		ret = virtio_net__rx_frame(n, vq, c, hdr, buf, len);
		if (ret == 0) {
			/* Buffers that came meanwhile: try again. */
			if (virtq__notify_on_more(vq))
				continue;
			n->st.rx_waits++;
			break;
		}
		if (ret == -EIO)
			break;
		if (ret > 0)
			delivered++;
		n->be->consume(n->be_opaque);
		ret = 1;
	}
	if (delivered)
		virtio_mmio__signal(t, vq);
	return ret;
}

int virtio_net__tx_chain(struct virtio_net *n, struct virtq *vq,
			 const struct virtq_chain *c, unsigned int *cnt)
{
	uint8_t h[VIRTIO_NET_HDR_LEN] = { 0 };
	size_t len, skip;
	unsigned int i, k = 0;

	if (c->nr_in) {
		virtq__fail(vq, "transmit buffer device-writable");
		return -EIO;
	}
	if (c->out_len < VIRTIO_NET_HDR_LEN) {
		virtq__fail(vq, "transmit buffer shorter than the header");
		return -EIO;
	}
	len = c->out_len - VIRTIO_NET_HDR_LEN;
	if (len < VIRTIO_NET_ETH_HLEN || len > VIRTIO_NET_MAX_FRAME) {
		n->st.tx_dropped++;
		return -EMSGSIZE;
	}
	if (n->p.vnet_hdr) {
		/* The backend reads (and checks) the header itself. */
		memcpy(n->tx_iov, c->iov, c->nr_out * sizeof(struct iovec));
		*cnt = c->nr_out;
		return 0;
	}
	/* Read once: the guest may change it under us. */
	iov_get(c->iov, c->nr_out, 0, h, sizeof(h));
	if ((h[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	    h[1] != VIRTIO_NET_HDR_GSO_NONE) {
		/* An offload the plain-frame backend was never offered. */
		n->st.tx_dropped++;
		return -EINVAL;
	}
	skip = VIRTIO_NET_HDR_LEN;
	for (i = 0; i < c->nr_out; i++) {
		if (skip >= c->iov[i].iov_len) {
			skip -= c->iov[i].iov_len;
			continue;
		}
		n->tx_iov[k].iov_base = (uint8_t *)c->iov[i].iov_base + skip;
		n->tx_iov[k].iov_len = c->iov[i].iov_len - skip;
		skip = 0;
		k++;
	}
	*cnt = k;
	return 0;
}

/* One popped chain: send it, or leave it for later (-EAGAIN). */
static int tx_one(struct virtio_net *n, struct virtq *vq, struct virtq_chain *c)
{
	unsigned int cnt;
	int ret = virtio_net__tx_chain(n, vq, c, &cnt);

	if (ret == -EIO)
		return ret;
	if (!ret) {
		ret = n->be->send(n->be_opaque, n->tx_iov, cnt);
		if (ret == -EAGAIN) {
			virtq__unpop(vq, 1);
			return ret;
		}
		if (ret) {
			n->st.tx_dropped++;
		} else {
			n->st.tx_frames++;
			n->st.tx_bytes += c->out_len - VIRTIO_NET_HDR_LEN;
		}
	}
	virtq__push(vq, c, 0);
	return 0;
}

int virtio_net__transmit(struct virtio_net *n, struct virtio_mmio *t,
			 struct virtq_chain *c, unsigned int budget)
{
	struct virtq *vq = virtio_mmio__queue(t, VIRTIO_NET_TXQ);
	unsigned int done = 0;
	int ret = 0;

	if (!vq)
		return -EIO;
	for (;;) {
		virtq__disable_notify(vq);
		while (done < budget && (ret = virtq__pop(vq, c)) > 0) {
			ret = tx_one(n, vq, c);
			if (ret)
				break;
			done++;
		}
		if (ret == -EAGAIN) {
			/* Notifications stay off: writability wakes us. */
			ret = VIRTIO_NET_TX_BLOCKED;
			break;
		}
		if (ret < 0) {
			ret = -EIO;
			break;
		}
		if (done >= budget) {
			ret = 1;
			break;
		}
		if (!virtq__enable_notify(vq))
			break;
	}
	if (done)
		virtio_mmio__signal(t, vq);
	return ret;
}

void virtio_net__default_mac(const char *name, unsigned int index,
			     unsigned int which, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	const char *p;
	unsigned int i;

	for (p = name ? name : ""; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	h = (h ^ (index & 0xff)) * 0x100000001b3ULL;
	h = (h ^ (which & 0xff)) * 0x100000001b3ULL;
	for (i = 0; i < 6; i++)
		mac[i] = h >> (8 * i);
	/* Locally administered, unicast. */
	mac[0] = (mac[0] & 0xfc) | 0x02;
}
