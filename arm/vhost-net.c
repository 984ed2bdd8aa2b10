// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net behind a tap (see include/kvm/vhost-net.h). The set-up and
 * tear-down calls run on the device's I/O thread, whose seccomp list
 * allows exactly these ioctl requests (arm/sandbox.c).
 */
#include "kvm/vhost-net.h"
#include "kvm/util.h"
#include "kvm/virtio-kvm.h"
#include "kvm/virtio-net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BIT64(n) (1ULL << (n))
/* The negotiated bits that shape the rings and buffers: vhost must know
 * each one the driver took. The offloads are the tap's business. */
#define RING_FEATURES                                                 \
	(BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX) | \
	 BIT64(VIRTIO_RING_F_INDIRECT_DESC) | BIT64(VIRTIO_NET_F_MRG_RXBUF))

static void warn_fallback(struct vhost_net *v, const char *what, int err)
{
	pr_warn("network %u: vhost=1: %s: %s; the data path stays in lkvm",
		v->index, what, strerror(err));
}

bool vhost_net__open(struct vhost_net *v, unsigned int index)
{
	v->index = index;
	v->fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
	if (v->fd < 0) {
		warn_fallback(v, "/dev/vhost-net", errno);
		return false;
	}
	if (ioctl(v->fd, VHOST_SET_OWNER) < 0) {
		warn_fallback(v, "VHOST_SET_OWNER", errno);
		goto fail;
	}
	if (ioctl(v->fd, VHOST_GET_FEATURES, &v->features) < 0) {
		warn_fallback(v, "VHOST_GET_FEATURES", errno);
		goto fail;
	}
	return true;
fail:
	close(v->fd);
	v->fd = -1;
	return false;
}

void vhost_net__give_up(struct vhost_net *v, const char *why)
{
	pr_warn("network %u: vhost=1: %s; the data path stays in lkvm",
		v->index, why);
	close(v->fd);
	v->fd = -1;
}

/* The host address of a ring of len bytes, all of it in guest RAM. */
static uint64_t ring_addr(struct vdev *vd, uint64_t gpa, uint64_t len)
{
	return (uint64_t)(uintptr_t)guest_mem__ptr(vdev__mem(vd), gpa, len);
}

/* Every ring of both queues, checked before any vhost call. */
static int ring_addrs(struct vdev *vd, struct vhost_vring_addr *a)
{
	struct virtio_mmio *t = vdev__transport(vd);
	unsigned int q;

	for (q = 0; q < 2; q++) {
		struct virtq *vq = virtio_mmio__queue(t, q);

		if (!vq)
			return -EFAULT;
		a[q] = (struct vhost_vring_addr){
			.index = q,
			.desc_user_addr =
				ring_addr(vd, vq->desc_gpa, 16ULL * vq->size),
			.avail_user_addr = ring_addr(vd, vq->avail_gpa,
						     6 + 2ULL * vq->size),
			.used_user_addr = ring_addr(vd, vq->used_gpa,
						    6 + 8ULL * vq->size),
		};
		if (!a[q].desc_user_addr || !a[q].avail_user_addr ||
		    !a[q].used_user_addr)
			return -EFAULT;
	}
	return 0;
}

static int set_mem_table(struct vhost_net *v, const struct guest_mem *mem)
{
	struct vhost_memory *m;
	unsigned int i;
	int ret = 0;

	m = calloc(1, sizeof(*m) + mem->nr * sizeof(m->regions[0]));
	if (!m)
		return -ENOMEM;
	m->nregions = mem->nr;
	for (i = 0; i < mem->nr; i++)
		m->regions[i] = (struct vhost_memory_region){
			.guest_phys_addr = mem->regions[i].gpa,
			.memory_size = mem->regions[i].size,
			.userspace_addr =
				(uint64_t)(uintptr_t)mem->regions[i].host,
		};
	if (ioctl(v->fd, VHOST_SET_MEM_TABLE, m) < 0)
		ret = -errno;
	free(m);
	return ret;
}

/* Detach the tap from both queues; vhost then leaves the rings alone. */
static void detach(struct vhost_net *v)
{
	struct vhost_vring_file none = { .fd = -1 };
	unsigned int q;

	for (q = 0; q < 2; q++) {
		none.index = q;
		if (ioctl(v->fd, VHOST_NET_SET_BACKEND, &none) < 0)
			pr_debug("network %u: VHOST_NET_SET_BACKEND -1: %s",
				 v->index, strerror(errno));
	}
}

int vhost_net__start(struct vhost_net *v, struct vdev *vd, uint64_t features,
		     int tap_fd)
{
	struct virtio_mmio *t = vdev__transport(vd);
	struct vhost_vring_addr addr[2];
	uint64_t want = features & RING_FEATURES;
	const char *what = "VHOST_SET_FEATURES";
	unsigned int q;
	int ret;

	ret = ring_addrs(vd, addr);
	if (ret)
		return ret;
	if (want & ~v->features) {
		pr_warn("network %u: vhost=1: vhost-net lacks features 0x%llx the driver took; the data path stays in lkvm",
			v->index, (unsigned long long)(want & ~v->features));
		v->failed = true;
		return -EOPNOTSUPP;
	}
	/* No VHOST_NET_F_VIRTIO_NET_HDR: the tap takes the header. */
	if (ioctl(v->fd, VHOST_SET_FEATURES, &want) < 0)
		goto fail;
	what = "VHOST_SET_MEM_TABLE";
	ret = set_mem_table(v, vdev__mem(vd));
	if (ret) {
		errno = -ret;
		goto fail;
	}
	for (q = 0; q < 2; q++) {
		struct virtq *vq = virtio_mmio__queue(t, q);
		struct vhost_vring_state num = { q, vq->size };
		struct vhost_vring_state base = { q, vq->last_avail };
		struct vhost_vring_file kick = { q, vdev__queue_fd(vd, q) };
		struct vhost_vring_file call = { q, vdev__irq_fd(vd) };

		what = "VHOST_SET_VRING_NUM";
		if (ioctl(v->fd, VHOST_SET_VRING_NUM, &num) < 0)
			goto fail;
		what = "VHOST_SET_VRING_BASE";
		if (ioctl(v->fd, VHOST_SET_VRING_BASE, &base) < 0)
			goto fail;
		what = "VHOST_SET_VRING_ADDR";
		if (ioctl(v->fd, VHOST_SET_VRING_ADDR, &addr[q]) < 0)
			goto fail;
		what = "VHOST_SET_VRING_KICK";
		if (ioctl(v->fd, VHOST_SET_VRING_KICK, &kick) < 0)
			goto fail;
		what = "VHOST_SET_VRING_CALL";
		if (ioctl(v->fd, VHOST_SET_VRING_CALL, &call) < 0)
			goto fail;
	}
	/* From the first interrupt vhost raises, the driver must look. */
	virtio_mmio__set_int_always(t, VIRTIO_MMIO_INT_VRING);
	for (q = 0; q < 2; q++) {
		struct vhost_vring_file be = { q, tap_fd };

		what = "VHOST_NET_SET_BACKEND";
		if (ioctl(v->fd, VHOST_NET_SET_BACKEND, &be) < 0)
			goto fail_backend;
	}
	v->on = true;
	vdev__offload(vd);
	/* Buffers made available before the hand-over: vhost looks now. */
	for (q = 0; q < 2; q++) {
		uint64_t one = 1;

		if (write(vdev__queue_fd(vd, q), &one, sizeof(one)) < 0)
			pr_debug("network %u: kick: %s", v->index,
				 strerror(errno));
	}
	return 0;
fail_backend:
	ret = errno;
	detach(v);
	virtio_mmio__set_int_always(t, 0);
	v->failed = true;
	warn_fallback(v, what, ret);
	/*
	 * The first queue may have been served by vhost meanwhile: lkvm's
	 * view of its ring is stale. The driver resets and starts again,
	 * then with lkvm.
	 */
	if (q)
		virtio_mmio__needs_reset(t);
	return -ret;
fail:
	ret = errno;
	v->failed = true;
	warn_fallback(v, what, ret);
	return -ret;
}

void vhost_net__stop(struct vhost_net *v, struct vdev *vd)
{
	struct vhost_vring_state st;
	unsigned int q;

	(void)vd;
	if (!v->on)
		return;
	detach(v);
	for (q = 0; q < 2; q++) {
		st = (struct vhost_vring_state){ .index = q };
		if (ioctl(v->fd, VHOST_GET_VRING_BASE, &st) < 0)
			pr_debug("network %u: VHOST_GET_VRING_BASE: %s",
				 v->index, strerror(errno));
		else
			pr_debug("network %u: queue %u given back at avail %u",
				 v->index, q, st.num);
	}
	v->on = false;
}
