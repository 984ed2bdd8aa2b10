// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio devices of `lkvm run`: -d/--disk (virtio-blk), --rng, and
 * --console virtio (arm/virtio-console.c).
 */
#include "kvm/disk.h"
#include "kvm/kvm.h"
#include "kvm/util.h"
#include "kvm/virtio-blk.h"
#include "kvm/virtio-kvm.h"
#include "kvm/virtio-rng.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* --- virtio-blk ------------------------------------------------------ */

struct blk_dev {
	struct disk disk;
	struct virtio_blk blk;
	struct vdev *vd;
	struct vdev_model model; /* features differ per disk */
	char name[8]; /* vda, as the guest will likely call it */
};

static void blk_config_read(void *priv, uint32_t offset, uint8_t *data,
			    uint32_t len)
{
	struct blk_dev *b = priv;

	virtio_blk__config_read(&b->blk, offset, data, len);
}

static void blk_start(void *priv, uint64_t features)
{
	struct blk_dev *b = priv;

	virtio_blk__set_features(&b->blk, features);
}

static int blk_chain(void *opaque, struct virtq *vq, struct virtq_chain *c,
		     uint32_t *used_len)
{
	struct blk_dev *b = opaque;
	int ret = virtio_blk__handle(&b->blk, vq, c, used_len);

	if (!ret)
		vdev__count_requests(b->vd, 1);
	return ret;
}

static int blk_serve(void *priv, struct vdev *vd, unsigned int q,
		     unsigned int budget)
{
	return virtio_mmio__process(vdev__transport(vd), q, vdev__chain(vd),
				    budget, blk_chain, priv);
}

static void blk_exit(void *priv)
{
	struct blk_dev *b = priv;
	int ret = disk__flush(&b->disk);

	if (ret)
		pr_err("disk image '%s': flushing at exit: %s", b->disk.path,
		       strerror(-ret));
}

static void blk_describe(void *priv, char *buf, unsigned int len)
{
	struct blk_dev *b = priv;

	snprintf(buf, len, "%s", b->name);
}

static const struct vdev_model blk_model = {
	.name = "virtio-blk",
	.kind = VIRTIO_KIND_BLK,
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.queue_num_max = VIRTIO_BLK_QUEUE_SIZE,
	.config_size = VIRTIO_BLK_CONFIG_SIZE,
	.config_read = blk_config_read,
	.start = blk_start,
	.serve = blk_serve,
	.input_fd = -1,
	.exit = blk_exit,
	.describe = blk_describe,
};

static struct blk_dev *blks[CFG_MAX_DISKS];
static unsigned int nr_blks;

/* die() and other early exits: what the guest wrote reaches the disk. */
static void flush_disks_at_exit(void)
{
	unsigned int i;

	for (i = 0; i < nr_blks; i++)
		disk__flush(&blks[i]->disk);
}

void virtio__open_disks(struct kvm *kvm)
{
	const struct kvm_config *cfg = kvm->cfg;
	char err[600];
	unsigned int i;

	for (i = 0; i < cfg->nr_disks; i++) {
		const struct disk_config *dc = &cfg->disks[i];
		struct blk_dev *b = calloc(1, sizeof(*b));

		if (!b)
			die("out of memory");
		if (disk__open(&b->disk, dc->path, dc->ro, dc->direct, err,
			       sizeof(err)))
			die("%s", err);
		if (b->disk.size % VIRTIO_BLK_SECTOR)
			pr_warn("disk image '%s': its last %llu bytes are not a whole 512-byte sector; the guest does not see them",
				dc->path,
				(unsigned long long)(b->disk.size %
						     VIRTIO_BLK_SECTOR));
		snprintf(b->name, sizeof(b->name), "vd%c", 'a' + i);
		blks[nr_blks++] = b;
	}
	if (nr_blks)
		atexit(flush_disks_at_exit);
}

static void setup_blk(struct kvm *kvm, struct blk_dev *b, unsigned int index)
{
	struct virtio_blk_params p = { .write_zeroes_may_unmap = true };
	bool partial;
	int ret;

	p.capacity = virtio_blk__capacity(b->disk.size, &partial);
	p.ro = b->disk.ro;
	memcpy(p.serial, b->disk.serial, sizeof(p.serial));
	ret = virtio_blk__init(&b->blk, &p, &disk__blk_ops, &b->disk);
	if (ret)
		die("disk image '%s': %s", b->disk.path, strerror(-ret));
	b->model = blk_model;
	b->model.features = virtio_blk__device_features(&b->blk);
	b->vd = vdev__create(kvm, &b->model, b, index);
	pr_info("disk %s: '%s', %llu sectors%s%s, serial %.20s", b->name,
		b->disk.path, (unsigned long long)p.capacity,
		p.ro ? ", read-only" : "", b->disk.direct ? ", O_DIRECT" : "",
		b->disk.serial);
}

/* --- virtio-rng ------------------------------------------------------ */

/*
 * getrandom() without blocking; only before the host's pool is ready
 * (early boot) does it wait, and then for a few bytes at most.
 */
static ssize_t rng_fill(void *opaque, void *buf, size_t len)
{
	ssize_t n;

	(void)opaque;
	do {
		n = getrandom(buf, len, GRND_NONBLOCK);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		n = getrandom(buf, len < 16 ? len : 16, 0);
	return n < 0 ? -errno : n;
}

static struct virtio_rng rng = { .fill = rng_fill };
static struct vdev *rng_vd;

static int rng_chain(void *opaque, struct virtq *vq, struct virtq_chain *c,
		     uint32_t *used_len)
{
	int ret = virtio_rng__handle(opaque, vq, c, used_len);

	if (!ret)
		vdev__count_requests(rng_vd, 1);
	return ret;
}

static int rng_serve(void *priv, struct vdev *vd, unsigned int q,
		     unsigned int budget)
{
	return virtio_mmio__process(vdev__transport(vd), q, vdev__chain(vd),
				    budget, rng_chain, priv);
}

static const struct vdev_model rng_model = {
	.name = "virtio-rng",
	.kind = VIRTIO_KIND_RNG,
	.device_id = VIRTIO_ID_RNG,
	.nr_queues = 1,
	.queue_num_max = VIRTIO_RNG_QUEUE_SIZE,
	.serve = rng_serve,
	.input_fd = -1,
};

void virtio__setup_devices(struct kvm *kvm)
{
	unsigned int i;

	for (i = 0; i < nr_blks; i++)
		setup_blk(kvm, blks[i], i);
	if (kvm->cfg->rng)
		rng_vd = vdev__create(kvm, &rng_model, &rng, 0);
	if (kvm->cfg->console == CONSOLE_VIRTIO)
		virtio__setup_console(kvm);
	virtio__setup_nets(kvm);
}
