// SPDX-License-Identifier: GPL-2.0
/*
 * The network cards of `lkvm run -n`: virtio-net on the virtio-mmio glue,
 * with passt behind mode=user and a tap behind mode=tap. The frame path is
 * virtio/net.c, the stream to passt virtio/net-stream.c, the tap's set-up
 * arm/tap.c; here are the backends, the I/O thread's callbacks and
 * passt's life.
 *
 * The I/O thread reads from passt's socket only as far as the stream
 * buffer's two largest frames, and only while the guest has receive
 * buffers: when it has too few, the frame waits in that buffer, the
 * socket is no longer watched until the guest adds buffers, the socket
 * fills and passt holds back (TCP) or drops (UDP). lkvm's memory does not
 * grow and no other device waits. Transmit likewise stops taking chains
 * while passt's end is full and goes on once it is writable.
 *
 * A tap works the same way, one frame per read() with its 12-byte virtio
 * header in front and one writev() per frame: the frame read but not
 * delivered waits in a buffer of one frame, the tap is not read until the
 * guest adds buffers, its queue fills and the kernel drops. The headers
 * pass through both ways, so the guest's checksum and segmentation
 * offloads reach the host's stack (the kernel's tun checks what the guest
 * wrote in them).
 */
#include "kvm/kvm.h"
#include "kvm/net-stream.h"
#include "kvm/passt.h"
#include "kvm/tap.h"
#include "kvm/vhost-net.h"
#include "kvm/util.h"
#include "kvm/virtio-kvm.h"
#include "kvm/virtio-net.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* passt's MTU (its default, which it also gives the guest by DHCP). */
#define NET_USER_MTU 65520
/* How long passt has to quit on bad options before the guest starts. */
#define PASST_GRACE_MS 1000
/* One frame from the tap: its header and up to 64 KiB of packet. */
#define TAP_BUF_SIZE (VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME)
#define BIT64(n) (1ULL << (n))
/* What a tap can take both ways, with the header passed through. */
#define TAP_OFFLOADS                                                       \
	(BIT64(VIRTIO_NET_F_CSUM) | BIT64(VIRTIO_NET_F_GUEST_CSUM) |       \
	 BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_TSO6) | \
	 BIT64(VIRTIO_NET_F_HOST_TSO4) | BIT64(VIRTIO_NET_F_HOST_TSO6))

struct net_dev {
	struct virtio_net net;
	struct vdev *vd;
	struct vdev_model model;
	struct passt passt;
	struct net_stream_in in;
	struct net_stream_out out;
	unsigned int index;
	bool tap; /* mode=tap: the fields below; else passt */
	int tap_fd;
	char ifname[CFG_IFNAMSIZ];
	uint8_t *tap_buf; /* the frame read and not yet delivered */
	size_t tap_len; /* its length, 0: none */
	uint64_t features; /* the driver's, from start() */
	bool offload_pending; /* I/O thread: TUNSETOFFLOAD to do */
	unsigned int tx_errors_logged;
	struct vhost_net vhost; /* vhost=1; fd -1: the data path is lkvm */
	bool rx_idle; /* the last peek found the socket empty */
	bool tx_blocked; /* passt's end is full */
	bool gone; /* passt quit, the stream broke or the tap failed */
};

static struct net_dev *nets[CFG_MAX_NETS];
static unsigned int nr_nets;

/* --- the backend: passt's socket ----------------------------------------- */

/* passt has gone or the stream is lost: say why once, link down. */
static void backend_gone(struct net_dev *nd, const char *why)
{
	char how[64], msg[256];

	if (nd->gone)
		return;
	nd->gone = true;
	if (nd->tap) {
		pr_err("network %u (-n mode=tap, %s): %s; the guest's link is down",
		       nd->index, nd->ifname, why);
		goto link_down;
	}
	passt__reap(&nd->passt, 1000);
	passt__describe_exit(&nd->passt, how, sizeof(how));
	passt__last_message(&nd->passt, msg, sizeof(msg));
	pr_err("network %u (-n mode=user): %s; passt: %s%s%s; the guest's link is down",
	       nd->index, why, how, msg[0] ? ", last said: " : "", msg);
	/*
	 * Only the I/O thread, serving the running device, gets here: so
	 * lock-free calls (a reset may be waiting for this thread with the
	 * transport's lock held).
	 */
link_down:
	virtio_net__set_link(&nd->net, false);
	if (nd->vd)
		virtio_mmio__interrupt(vdev__transport(nd->vd),
				       VIRTIO_MMIO_INT_CONFIG);
}

static int be_peek(void *opaque, const uint8_t **frame, size_t *len)
{
	struct net_dev *nd = opaque;
	uint8_t *p;
	size_t room;
	ssize_t n;
	int ret;

	for (;;) {
		ret = net_stream_in__peek(&nd->in, frame, len);
		if (ret == -EMSGSIZE) {
			backend_gone(nd,
				     "passt sent a frame longer than 64 KiB");
			return -EPROTO;
		}
		if (ret || nd->gone)
			return nd->gone && !ret ? -EPIPE : ret;
		net_stream_in__space(&nd->in, &p, &room);
		n = recv(nd->passt.fd, p, room, MSG_DONTWAIT);
		if (n > 0) {
			net_stream_in__commit(&nd->in, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			nd->rx_idle = true;
			return 0;
		}
		backend_gone(nd, n ? strerror(errno) : "passt closed its end");
		return -EPIPE;
	}
}

static void be_consume(void *opaque)
{
	struct net_dev *nd = opaque;

	net_stream_in__consume(&nd->in);
}

static ssize_t sock_writev(void *opaque, const struct iovec *iov, int cnt)
{
	struct net_dev *nd = opaque;
	struct msghdr m = { .msg_iov = (struct iovec *)iov,
			    .msg_iovlen = (size_t)cnt };
	ssize_t n;

	do {
		n = sendmsg(nd->passt.fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EWOULDBLOCK)
		return -EAGAIN;
	return n < 0 ? -errno : n;
}

static int be_send(void *opaque, const struct iovec *iov, unsigned int n)
{
	struct net_dev *nd = opaque;
	int ret;

	if (nd->gone)
		return -EPIPE;
	ret = net_stream_out__send(&nd->out, iov, n, sock_writev, nd);
	if (ret == -EAGAIN)
		nd->tx_blocked = true;
	else if (ret && ret != -EMSGSIZE)
		backend_gone(nd, strerror(-ret));
	return ret;
}

static const struct virtio_net_backend_ops passt_ops = {
	.peek = be_peek,
	.consume = be_consume,
	.send = be_send,
};

/* --- the backend: a tap ---------------------------------------------------- */

static int tap_peek(void *opaque, const uint8_t **frame, size_t *len)
{
	struct net_dev *nd = opaque;
	ssize_t n;

	while (!nd->tap_len) {
		if (nd->gone)
			return -EPIPE;
		n = read(nd->tap_fd, nd->tap_buf, TAP_BUF_SIZE);
		if (n > 0) {
			nd->tap_len = (size_t)n;
			break;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			nd->rx_idle = true;
			return 0;
		}
		backend_gone(nd, n ? strerror(errno) : "the tap read 0 bytes");
		return -EPIPE;
	}
	*frame = nd->tap_buf;
	*len = nd->tap_len;
	return 1;
}

static void tap_consume(void *opaque)
{
	struct net_dev *nd = opaque;

	nd->tap_len = 0;
}

static int tap_send(void *opaque, const struct iovec *iov, unsigned int n)
{
	struct net_dev *nd = opaque;
	ssize_t w;

	do {
		w = writev(nd->tap_fd, iov, (int)n);
	} while (w < 0 && errno == EINTR);
	if (w >= 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		nd->tx_blocked = true;
		return -EAGAIN;
	}
	/*
	 * The kernel refused this frame (a header it does not accept, the
	 * tap down): dropped and counted; a few are logged.
	 */
	if (nd->tx_errors_logged < 5) {
		nd->tx_errors_logged++;
		pr_debug("network %u (%s): a frame from the guest dropped: %s",
			 nd->index, nd->ifname, strerror(errno));
	}
	return -errno;
}

static const struct virtio_net_backend_ops tap_ops = {
	.peek = tap_peek,
	.consume = tap_consume,
	.send = tap_send,
};

/* I/O thread: the tap hands over what the new driver can take. */
static void apply_offloads(struct net_dev *nd)
{
	int ret;

	if (!nd->offload_pending)
		return;
	nd->offload_pending = false;
	ret = tap__set_offload(nd->tap_fd, nd->features);
	if (ret)
		pr_warn("network %u (%s): TUNSETOFFLOAD: %s", nd->index,
			nd->ifname, strerror(-ret));
}

/* --- the I/O thread's callbacks ------------------------------------------ */

static void net_config_read(void *priv, uint32_t offset, uint8_t *data,
			    uint32_t len)
{
	struct net_dev *nd = priv;

	virtio_net__config_read(&nd->net, offset, data, len);
}

static void net_start(void *priv, uint64_t features)
{
	struct net_dev *nd = priv;

	virtio_net__set_features(&nd->net, features);
	/* The I/O thread, which starts serving after this, applies them. */
	nd->features = features;
	nd->offload_pending = nd->tap;
}

/*
 * I/O thread: true while vhost serves the queues (lkvm leaves them
 * alone). The first call after DRIVER_OK hands them over.
 */
static bool in_kernel(struct net_dev *nd, struct vdev *vd)
{
	int ret;

	if (nd->vhost.on)
		return true;
	if (nd->vhost.fd < 0 || nd->vhost.failed)
		return false;
	ret = vhost_net__start(&nd->vhost, vd, nd->features, nd->tap_fd);
	if (ret == -EFAULT) {
		/* A ring outside guest RAM: no vhost call was made. */
		virtio_mmio__needs_reset(vdev__transport(vd));
		return true;
	}
	if (ret)
		return false;
	/* A frame lkvm read before is stale now. */
	nd->tap_len = 0;
	return true;
}

/* 1: more to do (call again), 0: done for now, -1: the queue broke. */
static int net_rx(struct net_dev *nd, struct vdev *vd, unsigned int budget)
{
	int ret;

	nd->rx_idle = false;
	ret = virtio_net__receive(&nd->net, vdev__transport(vd),
				  vdev__chain(vd), budget);
	if (ret == -EIO)
		return -1;
	return ret == 1 && !nd->rx_idle && !nd->gone ? 1 : 0;
}

static int net_tx(struct net_dev *nd, struct vdev *vd, unsigned int budget)
{
	int ret;

	if (!nd->tap && net_stream_out__pending(&nd->out) && !nd->gone) {
		ret = net_stream_out__flush(&nd->out, sock_writev, nd);
		if (ret == -EAGAIN) {
			nd->tx_blocked = true;
			return 0;
		}
		if (ret)
			backend_gone(nd, strerror(-ret));
	}
	nd->tx_blocked = false;
	ret = virtio_net__transmit(&nd->net, vdev__transport(vd),
				   vdev__chain(vd), budget);
	if (ret == -EIO)
		return -1;
	if (!nd->tap && net_stream_out__pending(&nd->out) && !nd->gone)
		nd->tx_blocked = true;
	return ret == 1 ? 1 : 0;
}

static int net_serve(void *priv, struct vdev *vd, unsigned int q,
		     unsigned int budget)
{
	struct net_dev *nd = priv;

	apply_offloads(nd);
	if (in_kernel(nd, vd))
		return 0;
	return q == VIRTIO_NET_RXQ ? net_rx(nd, vd, budget) :
				     net_tx(nd, vd, budget);
}

static bool net_input(void *priv, struct vdev *vd)
{
	struct net_dev *nd = priv;
	int ret;

	if (nd->gone)
		return false;
	apply_offloads(nd);
	if (in_kernel(nd, vd))
		return true;
	nd->rx_idle = false;
	ret = virtio_net__receive(&nd->net, vdev__transport(vd),
				  vdev__chain(vd), VIRTIO_NET_BUDGET);
	if (ret != 1 || nd->gone)
		return false; /* too few buffers: wait for the driver */
	if (!nd->rx_idle)
		vdev__kick(vd); /* budget spent: come back after the rest */
	return true;
}

static bool net_output_blocked(void *priv)
{
	struct net_dev *nd = priv;

	return nd->tx_blocked && !nd->gone;
}

static void net_offload_stop(void *priv, struct vdev *vd)
{
	struct net_dev *nd = priv;

	vhost_net__stop(&nd->vhost, vd);
}

static void net_exit(void *priv)
{
	struct net_dev *nd = priv;

	if (!nd->tap)
		passt__stop(&nd->passt);
}

static void net_describe(void *priv, char *buf, unsigned int len)
{
	struct net_dev *nd = priv;
	const struct virtio_net_stats *s = &nd->net.st;

	snprintf(buf, len, "rx %llu tx %llu dropped %llu/%llu waits %llu",
		 (unsigned long long)s->rx_frames,
		 (unsigned long long)s->tx_frames,
		 (unsigned long long)s->rx_dropped,
		 (unsigned long long)s->tx_dropped,
		 (unsigned long long)s->rx_waits);
}

static const struct vdev_model net_model = {
	.name = "virtio-net",
	.kind = VIRTIO_KIND_NET,
	.device_id = VIRTIO_ID_NET,
	.nr_queues = 2,
	.queue_num_max = VIRTIO_NET_QUEUE_SIZE,
	.config_size = VIRTIO_NET_CONFIG_SIZE,
	.config_read = net_config_read,
	.start = net_start,
	.serve = net_serve,
	.input = net_input,
	.output_blocked = net_output_blocked,
	.offload_stop = net_offload_stop,
	.exit = net_exit,
	.describe = net_describe,
};

/* --- set-up ---------------------------------------------------------------- */

/* die() and other early exits: passt goes with lkvm. */
static void stop_passts(void)
{
	unsigned int i;

	for (i = 0; i < nr_nets; i++)
		if (!nets[i]->tap)
			passt__stop(&nets[i]->passt);
}

/* The name the default MACs come from: --name, or none. */
static const char *mac_name(const struct kvm_config *cfg)
{
	return cfg->name_generated ? NULL : cfg->name;
}

static char *read_text(const char *path)
{
	static char buf[2][16384];
	static unsigned int which;
	char *b = buf[which++ % 2];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(b, 1, sizeof(buf[0]) - 1, f);
	fclose(f);
	b[n] = '\0';
	return b;
}

static void open_user(struct kvm *kvm, struct net_dev *nd,
		      const struct net_config *nc)
{
	struct passt_params pp = { .extra = nc->passt_args };
	const char *r4 = read_text("/proc/net/route");
	const char *r6 = read_text("/proc/net/ipv6_route");
	char err[600];

	pp.prog = getenv("LKVM_PASST") ? getenv("LKVM_PASST") : "passt";
	pp.verbose = log__level >= LOG_DEBUG;
	pp.no_default_route = !passt__has_default_route(r4, r6);
	if (nc->host_mac_set)
		memcpy(pp.host_mac, nc->host_mac, 6);
	else
		virtio_net__default_mac(mac_name(kvm->cfg), nd->index, 1,
					pp.host_mac);
	if (pp.no_default_route && !nc->passt_args)
		pr_info("network %u: the host has no default route: passt gets a link on lo (guest %s, gateway %s = the host's loopback)",
			nd->index, PASST_LO_ADDR, PASST_LO_GW);
	if (passt__start(&nd->passt, &pp, PASST_GRACE_MS, err, sizeof(err)))
		die("%s", err);
	pr_info("network %u: passt pid %d", nd->index, (int)nd->passt.pid);
}

static void open_tap(struct net_dev *nd, const struct net_config *nc)
{
	nd->tap = true;
	nd->tap_buf = malloc(TAP_BUF_SIZE);
	if (!nd->tap_buf)
		die("out of memory");
	nd->tap_fd = tap__open(nc, nd->ifname);
	if (nc->vhost)
		vhost_net__open(&nd->vhost, nd->index);
}

void virtio__open_nets(struct kvm *kvm)
{
	const struct kvm_config *cfg = kvm->cfg;
	unsigned int i;

	for (i = 0; i < cfg->nr_nets; i++) {
		const struct net_config *nc = &cfg->nets[i];
		struct net_dev *nd;

		nd = calloc(1, sizeof(*nd));
		if (!nd)
			die("out of memory");
		nd->index = i;
		nd->passt.fd = nd->passt.log_fd = -1;
		nd->vhost.fd = -1;
		if (nc->mode == NET_MODE_TAP) {
			open_tap(nd, nc);
			nets[nr_nets++] = nd;
			continue;
		}
		if (net_stream_in__init(&nd->in, VIRTIO_NET_MAX_FRAME) ||
		    net_stream_out__init(&nd->out, VIRTIO_NET_MAX_FRAME))
			die("out of memory");
		if (!nr_nets)
			atexit(stop_passts);
		nets[nr_nets++] = nd;
		open_user(kvm, nd, nc);
	}
}

void virtio__setup_nets(struct kvm *kvm)
{
	const struct kvm_config *cfg = kvm->cfg;
	unsigned int i;

	for (i = 0; i < nr_nets; i++) {
		struct net_dev *nd = nets[i];
		const struct net_config *nc = &cfg->nets[i];
		struct virtio_net_params p = { .mtu = NET_USER_MTU };
		char mac[18];
		int ret;

		if (nc->guest_mac_set)
			memcpy(p.mac, nc->guest_mac, 6);
		else
			virtio_net__default_mac(mac_name(cfg), i, 0, p.mac);
		if (nd->tap) {
			/* The tap's MTU is the host's business: 1500 unless
			 * the guest is told otherwise. */
			p.mtu = 0;
			p.vnet_hdr = true;
			p.offloads = TAP_OFFLOADS;
		}
		ret = virtio_net__init(&nd->net, &p,
				       nd->tap ? &tap_ops : &passt_ops, nd);
		if (ret)
			die("network %u: %s", i, strerror(-ret));
		nd->model = net_model;
		nd->model.features = virtio_net__device_features(&nd->net);
		nd->model.input_fd = nd->tap ? nd->tap_fd : nd->passt.fd;
		nd->vd = vdev__create(kvm, &nd->model, nd, i);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 p.mac[0], p.mac[1], p.mac[2], p.mac[3], p.mac[4],
			 p.mac[5]);
		if (nd->vhost.fd >= 0 && vdev__irq_fd(nd->vd) < 0)
			vhost_net__give_up(
				&nd->vhost,
				"no KVM irqfd for vhost's interrupts");
		if (nd->tap)
			pr_info("network %u: mode=tap (%s), guest MAC %s, data path %s",
				i, nd->ifname, mac,
				nd->vhost.fd >= 0 ? "vhost-net" : "lkvm");
		else
			pr_info("network %u: mode=user (passt), guest MAC %s",
				i, mac);
	}
}
