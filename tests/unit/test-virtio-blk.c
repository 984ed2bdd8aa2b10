// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "fake-mem.h"
#include "vdriver.h"
#include "kvm/virtio-blk.h"
#include "kvm/virtio-mmio.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>

#define F_V1 (1ULL << VIRTIO_F_VERSION_1)
#define F_INDIRECT (1ULL << VIRTIO_RING_F_INDIRECT_DESC)
#define F_EVENT (1ULL << VIRTIO_RING_F_EVENT_IDX)
#define BF(n) (1ULL << VIRTIO_BLK_F_##n)
#define F_BLK_ALL                                                   \
	(F_V1 | F_INDIRECT | F_EVENT | BF(SEG_MAX) | BF(BLK_SIZE) | \
	 BF(FLUSH) | BF(DISCARD) | BF(WRITE_ZEROES))

#define W VRING_DESC_F_WRITE
#define SECTORS 64
#define HDR (VD_BUF)
#define DATA (VD_BUF + 0x1000)
#define STATUS (VD_BUF + 0x800)
#define OK VIRTIO_BLK_S_OK
#define IOERR VIRTIO_BLK_S_IOERR
#define UNSUPP VIRTIO_BLK_S_UNSUPP

/* A disk in a heap buffer, and what was asked of it. */
struct disk {
	uint8_t data[SECTORS * 512];
	int reads, writes, flushes, discards, zeroes;
	uint64_t last_off, last_len;
	bool last_unmap;
	int fail; /* -errno for every call */
};

static int disk_readv(void *opaque, const struct iovec *iov, int cnt,
		      uint64_t off)
{
	struct disk *d = opaque;
	int i;

	d->reads++;
	if (d->fail)
		return d->fail;
	for (i = 0; i < cnt; i++) {
		if (off + iov[i].iov_len > sizeof(d->data))
			abort(); /* the parser let a bad range through */
		memcpy(iov[i].iov_base, d->data + off, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return 0;
}

static int disk_writev(void *opaque, const struct iovec *iov, int cnt,
		       uint64_t off)
{
	struct disk *d = opaque;
	int i;

	d->writes++;
	if (d->fail)
		return d->fail;
	for (i = 0; i < cnt; i++) {
		if (off + iov[i].iov_len > sizeof(d->data))
			abort();
		memcpy(d->data + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return 0;
}

static int disk_flush(void *opaque)
{
	struct disk *d = opaque;

	d->flushes++;
	return d->fail;
}

static int disk_discard(void *opaque, uint64_t off, uint64_t len)
{
	struct disk *d = opaque;

	if (off + len > sizeof(d->data))
		abort();
	d->discards++;
	d->last_off = off;
	d->last_len = len;
	if (!d->fail)
		memset(d->data + off, 0, len);
	return d->fail;
}

static int disk_write_zeroes(void *opaque, uint64_t off, uint64_t len,
			     bool unmap)
{
	struct disk *d = opaque;

	if (off + len > sizeof(d->data))
		abort();
	d->zeroes++;
	d->last_off = off;
	d->last_len = len;
	d->last_unmap = unmap;
	if (!d->fail)
		memset(d->data + off, 0, len);
	return d->fail;
}

static const struct virtio_blk_backend_ops disk_ops = {
	.readv = disk_readv,
	.writev = disk_writev,
	.flush = disk_flush,
	.discard = disk_discard,
	.write_zeroes = disk_write_zeroes,
};

struct env {
	struct fake_mem fm;
	struct fdev f; /* the transport, with the fake device's ops */
	struct vdrv d;
	struct virtio_blk blk;
	struct disk disk;
	struct virtq *vq;
	struct virtq_chain c;
};

static struct env *env_new(struct test_ctx *t, bool ro, uint64_t features)
{
	struct virtio_blk_params p = {
		.capacity = SECTORS,
		.ro = ro,
		.serial = "lkvm-test-serial-01",
		.max_discard_seg = 4,
		.max_discard_sectors = 16,
		.write_zeroes_may_unmap = true,
	};
	struct env *e = calloc(1, sizeof(*e));
	unsigned int i;

	if (!e || fake_mem__init(&e->fm)) {
		CHECK(t, !"fake RAM");
		free(e);
		return NULL;
	}
	for (i = 0; i < sizeof(e->disk.data); i++)
		e->disk.data[i] = i * 7 + i / 512;
	if (virtio_blk__init(&e->blk, &p, &disk_ops, &e->disk) ||
	    fdev__init(&e->f, &e->fm, 1, VIRTIO_BLK_QUEUE_SIZE)) {
		CHECK(t, !"init");
		fake_mem__exit(&e->fm);
		free(e);
		return NULL;
	}
	e->f.ops.features = virtio_blk__device_features(&e->blk);
	features &= e->f.ops.features | F_V1 | F_INDIRECT | F_EVENT;
	if (vd_start(&e->d, &e->f.t, &e->fm, features, 16)) {
		CHECK(t, !"start");
		fake_mem__exit(&e->fm);
		free(e);
		return NULL;
	}
	virtio_blk__set_features(&e->blk, virtio_mmio__features(&e->f.t));
	e->vq = virtio_mmio__queue(&e->f.t, 0);
	return e;
}

static void env_free(struct env *e)
{
	if (!e)
		return;
	virtio_mmio__exit(&e->f.t);
	fake_mem__exit(&e->fm);
	free(e);
}

static uint8_t *host(struct env *e, uint64_t gpa)
{
	return fake_mem__host(&e->fm, gpa);
}

static void put_hdr(struct env *e, uint64_t gpa, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = {
		.type = htole32(type),
		.sector = htole64(sector),
	};

	memcpy(host(e, gpa), &h, sizeof(h));
}

static void put_seg(struct env *e, uint64_t gpa, uint64_t sector, uint32_t num,
		    uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes s = {
		.sector = htole64(sector),
		.num_sectors = htole32(num),
		.flags = htole32(flags),
	};

	memcpy(host(e, gpa), &s, sizeof(s));
}

struct seg {
	uint64_t gpa;
	uint32_t len;
	uint16_t flags;
};

/*
 * Chain segs from descriptor 0, pop it and let the device handle it.
 * Returns the handler's result; *used the used length (or ~0).
 */
static int submit(struct env *e, const struct seg *segs, unsigned int n,
		  uint32_t *used)
{
	uint32_t id;
	unsigned int i;
	int ret;

	*host(e, STATUS) = 0xee;
	for (i = 0; i < n; i++)
		vd_desc(&e->d, i, segs[i].gpa, segs[i].len,
			segs[i].flags | (i + 1 < n ? VRING_DESC_F_NEXT : 0),
			i + 1);
	vd_publish(&e->d, 0);
	*used = ~0u;
	if (virtq__pop(e->vq, &e->c) != 1)
		return -ENOENT;
	ret = virtio_blk__handle(&e->blk, e->vq, &e->c, used);
	if (!ret) {
		virtq__push(e->vq, &e->c, *used);
		vd_get_used(&e->d, &id, used);
	}
	return ret;
}

/* A header, optional data, then the status byte at STATUS. */
static uint8_t simple(struct env *e, uint32_t type, uint64_t sector,
		      uint32_t data_len, uint16_t data_flags, uint32_t *used)
{
	struct seg s[3] = { { HDR, 16, 0 } };
	unsigned int n = 1;

	put_hdr(e, HDR, type, sector);
	if (data_len)
		s[n++] = (struct seg){ DATA, data_len, data_flags };
	s[n++] = (struct seg){ STATUS, 1, W };
	if (submit(e, s, n, used))
		return 0xff;
	return *host(e, STATUS);
}

static void read_ok(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	uint32_t used;

	if (!e)
		return;
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, 3, 1024, W, &used), OK);
	CHECK_EQ(t, used, 1025);
	CHECK(t, !memcmp(host(e, DATA), e->disk.data + 3 * 512, 1024));
	CHECK_EQ(t, e->disk.reads, 1);
	/* The last sector, and an empty read at the end. */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, SECTORS - 1, 512, W, &used), OK);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, SECTORS, 0, 0, &used), OK);
	CHECK_EQ(t, used, 1);
	env_free(e);
}

/* Data in two buffers, the second also holding the status byte. */
static void read_status_shares_buffer(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	struct seg s[] = {
		{ HDR, 16, 0 },
		{ DATA, 512, W },
		{ FAKE_B_GPA, 513, W },
	};
	uint32_t used;

	if (!e)
		return;
	put_hdr(e, HDR, VIRTIO_BLK_T_IN, 10);
	host(e, FAKE_B_GPA)[512] = 0xee;
	CHECK_EQ(t, submit(e, s, 3, &used), 0);
	CHECK_EQ(t, host(e, FAKE_B_GPA)[512], OK);
	CHECK_EQ(t, used, 1025);
	CHECK(t, !memcmp(host(e, DATA), e->disk.data + 10 * 512, 512));
	CHECK(t, !memcmp(host(e, FAKE_B_GPA), e->disk.data + 11 * 512, 512));
	env_free(e);
}

static void write_and_flush(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	uint32_t used;

	if (!e)
		return;
	memset(host(e, DATA), 0x5a, 1024);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_OUT, 5, 1024, 0, &used), OK);
	CHECK_EQ(t, used, 1);
	CHECK_EQ(t, e->disk.data[5 * 512], 0x5a);
	CHECK_EQ(t, e->disk.data[7 * 512 - 1], 0x5a);
	CHECK(t, e->disk.data[7 * 512] != 0x5a);
	CHECK_EQ(t, e->disk.flushes, 0); /* write-back: FLUSH negotiated */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_FLUSH, 0, 0, 0, &used), OK);
	CHECK_EQ(t, e->disk.flushes, 1);
	/* A flush that carries data is refused. */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_FLUSH, 0, 512, 0, &used), IOERR);
	CHECK_EQ(t, e->disk.flushes, 1);
	env_free(e);

	/* Without FLUSH the device writes through. */
	e = env_new(t, false, F_BLK_ALL & ~BF(FLUSH));
	if (!e)
		return;
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_OUT, 5, 512, 0, &used), OK);
	CHECK_EQ(t, e->disk.flushes, 1);
	env_free(e);
}

/* The header over three buffers; header and data in one buffer. */
static void split_header(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	struct seg s[] = {
		{ HDR, 5, 0 },
		{ HDR + 0x100, 7, 0 },
		{ HDR + 0x200, 4 + 512, 0 },
		{ STATUS, 1, W },
	};
	uint8_t h[16];
	uint32_t used;

	if (!e)
		return;
	put_hdr(e, DATA, VIRTIO_BLK_T_OUT, 9);
	memcpy(h, host(e, DATA), 16);
	memcpy(host(e, HDR), h, 5);
	memcpy(host(e, HDR + 0x100), h + 5, 7);
	memcpy(host(e, HDR + 0x200), h + 12, 4);
	memset(host(e, HDR + 0x204), 0xa5, 512);
	CHECK_EQ(t, submit(e, s, 4, &used), 0);
	CHECK_EQ(t, *host(e, STATUS), OK);
	CHECK_EQ(t, e->disk.data[9 * 512], 0xa5);
	CHECK_EQ(t, e->disk.data[10 * 512 - 1], 0xa5);
	CHECK(t, e->disk.data[10 * 512] != 0xa5);

	/* Header and a sector of data in the same buffer. */
	put_hdr(e, HDR, VIRTIO_BLK_T_OUT, 12);
	memset(host(e, HDR + 16), 0x3c, 512);
	s[0] = (struct seg){ HDR, 16 + 512, 0 };
	s[1] = (struct seg){ STATUS, 1, W };
	CHECK_EQ(t, submit(e, s, 2, &used), 0);
	CHECK_EQ(t, *host(e, STATUS), OK);
	CHECK_EQ(t, e->disk.data[12 * 512], 0x3c);
	CHECK_EQ(t, e->disk.data[13 * 512 - 1], 0x3c);
	env_free(e);
}

static void short_header(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	struct seg s[] = { { HDR, 15, 0 }, { STATUS, 1, W } };
	uint32_t used;

	if (!e)
		return;
	put_hdr(e, HDR, VIRTIO_BLK_T_IN, 0);
	CHECK_EQ(t, submit(e, s, 2, &used), 0);
	CHECK_EQ(t, *host(e, STATUS), IOERR);
	CHECK_EQ(t, used, 1);
	CHECK_EQ(t, e->disk.reads, 0);
	env_free(e);
}

/* Nowhere to put a status: nothing written, the queue fails. */
static void no_status_byte(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	struct seg s[] = { { HDR, 16, 0 }, { DATA, 512, 0 } };
	uint8_t before[16 + 512];
	uint32_t used;

	if (!e)
		return;
	put_hdr(e, HDR, VIRTIO_BLK_T_IN, 0);
	memcpy(before, host(e, HDR), 16);
	memcpy(before + 16, host(e, DATA), 512);
	CHECK_EQ(t, submit(e, s, 2, &used), -EIO);
	CHECK(t, !memcmp(before, host(e, HDR), 16));
	CHECK(t, !memcmp(before + 16, host(e, DATA), 512));
	CHECK_EQ(t, *host(e, STATUS), 0xee);
	CHECK_EQ(t, vd_used_idx(&e->d), 0);
	CHECK_EQ(t, e->disk.reads, 0);
	CHECK(t, e->vq->broken);
	CHECK(t,
	      vd_rd(&e->f.t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	env_free(e);
}

static void bad_sectors(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	uint32_t used;

	if (!e)
		return;
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, SECTORS, 512, W, &used), IOERR);
	CHECK_EQ(t, used, 1);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, SECTORS - 1, 1024, W, &used),
		 IOERR);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, SECTORS + 1, 0, 0, &used),
		 IOERR);
	/* sector + length and sector * 512 overflow. */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, UINT64_MAX, 512, W, &used),
		 IOERR);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, UINT64_MAX - 1, 1024, W, &used),
		 IOERR);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_OUT, 1ULL << 55, 512, 0, &used),
		 IOERR);
	CHECK_EQ(t,
		 simple(e, VIRTIO_BLK_T_OUT, UINT64_MAX / 512 + 1, 512, 0,
			&used),
		 IOERR);
	CHECK_EQ(t, e->disk.reads + e->disk.writes, 0);
	env_free(e);
}

static void length_not_sectors(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	uint32_t used;

	if (!e)
		return;
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, 0, 513, W, &used), IOERR);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, 0, 511, W, &used), IOERR);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_OUT, 0, 100, 0, &used), IOERR);
	CHECK_EQ(t, e->disk.reads + e->disk.writes, 0);
	env_free(e);
}

static void wrong_direction(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	uint32_t used;

	if (!e)
		return;
	/* A read into a buffer the device may only read. */
	memset(host(e, DATA), 0x11, 512);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, 0, 512, 0, &used), IOERR);
	CHECK_EQ(t, host(e, DATA)[0], 0x11);
	/* A write from a buffer the device may write. */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_OUT, 0, 512, W, &used), IOERR);
	/* GET_ID with readable data. */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_GET_ID, 0, 20, 0, &used), IOERR);
	CHECK_EQ(t, e->disk.reads + e->disk.writes, 0);
	env_free(e);
}

static void unknown_types(struct test_ctx *t)
{
	static const uint32_t types[] = {
		2,
		/* SCSI_CMD */ 3,
		5,
		9,
		12,
		VIRTIO_BLK_T_SECURE_ERASE,
		VIRTIO_BLK_T_BARRIER,
		VIRTIO_BLK_T_BARRIER | VIRTIO_BLK_T_OUT,
		0xffffffff,
	};
	struct env *e = env_new(t, false, F_BLK_ALL);
	uint32_t used;
	size_t i;

	if (!e)
		return;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		CHECK_EQ(t, simple(e, types[i], 0, 512, W, &used), UNSUPP);
		CHECK_EQ(t, used, 1);
	}
	CHECK_EQ(t, e->disk.reads + e->disk.writes + e->disk.flushes, 0);
	env_free(e);
}

static void get_id(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	uint32_t used;

	if (!e)
		return;
	memset(host(e, DATA), 0xff, 64);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_GET_ID, 0, 20, W, &used), OK);
	CHECK_EQ(t, used, 21);
	CHECK(t, !memcmp(host(e, DATA), "lkvm-test-serial-01", 20));
	/* Short buffer: as much as fits. Long one: 20 bytes, no more. */
	memset(host(e, DATA), 0xff, 64);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_GET_ID, 0, 8, W, &used), OK);
	CHECK_EQ(t, used, 9);
	CHECK(t, !memcmp(host(e, DATA), "lkvm-tes", 8));
	CHECK_EQ(t, host(e, DATA)[8], 0xff);
	memset(host(e, DATA), 0xff, 64);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_GET_ID, 0, 40, W, &used), OK);
	CHECK_EQ(t, used, 21);
	CHECK_EQ(t, host(e, DATA)[20], 0xff);
	/* No buffer at all: nothing written but the status. */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_GET_ID, 0, 0, 0, &used), OK);
	CHECK_EQ(t, used, 1);
	env_free(e);
}

static void read_only(struct test_ctx *t)
{
	struct env *e = env_new(t, true, F_BLK_ALL | BF(RO));
	uint8_t copy[sizeof(e->disk.data)];
	uint32_t used;

	if (!e)
		return;
	CHECK(t, e->blk.features & BF(RO));
	CHECK(t, !(e->blk.features & (BF(DISCARD) | BF(WRITE_ZEROES))));
	memcpy(copy, e->disk.data, sizeof(copy));
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_OUT, 0, 512, 0, &used), IOERR);
	put_seg(e, DATA, 0, 1, 0);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 16, 0, &used), IOERR);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, 0, &used),
		 IOERR);
	CHECK(t, !memcmp(copy, e->disk.data, sizeof(copy)));
	CHECK_EQ(t, e->disk.writes + e->disk.discards + e->disk.zeroes, 0);
	/* Reads and flushes still work. */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, 0, 512, W, &used), OK);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_FLUSH, 0, 0, 0, &used), OK);
	env_free(e);
}

static void discard(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	uint32_t used;

	if (!e)
		return;
	put_seg(e, DATA, 2, 3, 0);
	put_seg(e, DATA + 16, 60, 4, 0);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 32, 0, &used), OK);
	CHECK_EQ(t, e->disk.discards, 2);
	CHECK_EQ(t, e->disk.last_off, 60 * 512);
	CHECK_EQ(t, e->disk.last_len, 4 * 512);
	CHECK_EQ(t, e->disk.data[2 * 512], 0);

	/* All or nothing: a good segment then a bad one runs neither. */
	e->disk.discards = 0;
	put_seg(e, DATA + 16, 61, 4, 0); /* past the end */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 32, 0, &used), IOERR);
	put_seg(e, DATA + 16, UINT64_MAX - 1, 4, 0);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 32, 0, &used), IOERR);
	put_seg(e, DATA + 16, 0, 17, 0); /* over max_discard_sectors */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 32, 0, &used), IOERR);
	put_seg(e, DATA + 16, 0, 1, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 32, 0, &used), UNSUPP);
	put_seg(e, DATA + 16, 0, 1, 0x80);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 32, 0, &used), UNSUPP);
	/* Segment count and size. */
	put_seg(e, DATA + 16, 0, 1, 0);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 24, 0, &used), IOERR);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 5 * 16, 0, &used),
		 IOERR); /* max_discard_seg is 4 */
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 0, 0, &used), IOERR);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 32, W, &used), IOERR);
	CHECK_EQ(t, e->disk.discards, 0);
	env_free(e);

	/* Not negotiated: unsupported. */
	e = env_new(t, false, F_BLK_ALL & ~BF(DISCARD));
	if (!e)
		return;
	put_seg(e, DATA, 0, 1, 0);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 16, 0, &used), UNSUPP);
	CHECK_EQ(t, e->disk.discards, 0);
	env_free(e);
}

static void write_zeroes(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	uint32_t used;

	if (!e)
		return;
	put_seg(e, DATA, 8, 2, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, 0, &used), OK);
	CHECK_EQ(t, e->disk.zeroes, 1);
	CHECK_EQ(t, e->disk.last_off, 8 * 512);
	CHECK_EQ(t, e->disk.last_len, 2 * 512);
	CHECK(t, e->disk.last_unmap);
	CHECK_EQ(t, e->disk.data[9 * 512 + 100], 0);
	put_seg(e, DATA, 8, 2, 0);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, 0, &used), OK);
	CHECK(t, !e->disk.last_unmap);
	/* Unknown flags, ranges, sizes. */
	e->disk.zeroes = 0;
	put_seg(e, DATA, 8, 2, 2);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, 0, &used),
		 UNSUPP);
	put_seg(e, DATA, SECTORS - 1, 2, 0);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, 0, &used),
		 IOERR);
	put_seg(e, DATA, UINT64_MAX, 1, 0);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, 0, &used),
		 IOERR);
	put_seg(e, DATA, 0, 1, 0);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_WRITE_ZEROES, 0, 17, 0, &used),
		 IOERR);
	CHECK_EQ(t, e->disk.zeroes, 0);
	env_free(e);
}

static void backend_errors(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	uint32_t used;

	if (!e)
		return;
	e->disk.fail = -EIO;
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_IN, 0, 512, W, &used), IOERR);
	CHECK_EQ(t, used, 1);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_OUT, 0, 512, 0, &used), IOERR);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_FLUSH, 0, 0, 0, &used), IOERR);
	put_seg(e, DATA, 0, 1, 0);
	CHECK_EQ(t, simple(e, VIRTIO_BLK_T_DISCARD, 0, 16, 0, &used), IOERR);
	env_free(e);
}

/* Through the transport's registers, as a driver sees it. */
static void config_space(struct test_ctx *t)
{
	struct virtio_blk_params p = { .capacity = 12345, .serial = "x" };
	struct virtio_blk blk;
	struct virtio_blk_config cfg;
	struct virtio_blk_backend_ops no_discard = disk_ops;
	struct disk *disk = calloc(1, sizeof(*disk));
	bool partial;

	CHECK_EQ(t, virtio_blk__init(&blk, &p, &disk_ops, disk), 0);
	virtio_blk__config_read(&blk, 0, (uint8_t *)&cfg,
				VIRTIO_BLK_CONFIG_SIZE);
	CHECK_EQ(t, le64toh(cfg.capacity), 12345);
	CHECK_EQ(t, le32toh(cfg.seg_max), VIRTIO_BLK_QUEUE_SIZE - 2);
	CHECK_EQ(t, le32toh(cfg.blk_size), 512);
	CHECK_EQ(t, le32toh(cfg.max_discard_sectors), 1u << 22);
	CHECK_EQ(t, le32toh(cfg.max_discard_seg), VIRTIO_BLK_MAX_SEGS);
	CHECK_EQ(t, le32toh(cfg.discard_sector_alignment), 1);
	CHECK_EQ(t, le32toh(cfg.max_write_zeroes_sectors), 1u << 22);
	CHECK_EQ(t, cfg.write_zeroes_may_unmap, 0);
	CHECK_EQ(t, cfg.size_max, 0);
	CHECK_EQ(t, cfg.num_queues, 0);
	CHECK_EQ(t, virtio_blk__device_features(&blk),
		 BF(SEG_MAX) | BF(BLK_SIZE) | BF(FLUSH) | BF(DISCARD) |
			 BF(WRITE_ZEROES));

	/* What the backend cannot do is neither offered nor described. */
	no_discard.discard = NULL;
	no_discard.write_zeroes = NULL;
	p.blk_size = 4096;
	CHECK_EQ(t, virtio_blk__init(&blk, &p, &no_discard, disk), 0);
	virtio_blk__config_read(&blk, 0, (uint8_t *)&cfg,
				VIRTIO_BLK_CONFIG_SIZE);
	CHECK_EQ(t, le32toh(cfg.blk_size), 4096);
	CHECK_EQ(t, cfg.max_discard_sectors, 0);
	CHECK_EQ(t, cfg.max_write_zeroes_sectors, 0);
	CHECK_EQ(t, virtio_blk__device_features(&blk),
		 BF(SEG_MAX) | BF(BLK_SIZE) | BF(FLUSH));

	/* Bad parameters. */
	p.blk_size = 1000;
	CHECK_EQ(t, virtio_blk__init(&blk, &p, &disk_ops, disk), -EINVAL);
	p.blk_size = 0;
	p.max_discard_seg = VIRTIO_BLK_MAX_SEGS + 1;
	CHECK_EQ(t, virtio_blk__init(&blk, &p, &disk_ops, disk), -EINVAL);
	p.max_discard_seg = 0;
	p.capacity = UINT64_MAX / 512 + 1;
	CHECK_EQ(t, virtio_blk__init(&blk, &p, &disk_ops, disk), -EINVAL);
	CHECK_EQ(t, virtio_blk__init(&blk, &p, NULL, disk), -EINVAL);

	/* Whole sectors of an image. */
	CHECK_EQ(t, virtio_blk__capacity(1024, &partial), 2);
	CHECK(t, !partial);
	CHECK_EQ(t, virtio_blk__capacity(1025, &partial), 2);
	CHECK(t, partial);
	CHECK_EQ(t, virtio_blk__capacity(511, &partial), 0);
	CHECK(t, partial);
	free(disk);
}

/* The device's loop on the transport: requests in, statuses out. */
static void through_transport(struct test_ctx *t)
{
	struct env *e = env_new(t, false, F_BLK_ALL);
	static struct virtq_chain c;
	uint32_t id, len;

	if (!e)
		return;
	put_hdr(e, HDR, VIRTIO_BLK_T_IN, 1);
	vd_desc(&e->d, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	vd_desc(&e->d, 1, DATA, 512, W | VRING_DESC_F_NEXT, 2);
	vd_desc(&e->d, 2, STATUS, 1, W, 0);
	put_hdr(e, HDR + 16, 77, 0);
	vd_desc(&e->d, 3, HDR + 16, 16, VRING_DESC_F_NEXT, 4);
	vd_desc(&e->d, 4, STATUS + 1, 1, W, 0);
	vd_publish(&e->d, 0);
	vd_publish(&e->d, 3);
	CHECK_EQ(t,
		 virtio_mmio__process(&e->f.t, 0, &c, 64, virtio_blk__handle,
				      &e->blk),
		 0);
	CHECK(t, vd_get_used(&e->d, &id, &len));
	CHECK_EQ(t, id, 0);
	CHECK_EQ(t, len, 513);
	CHECK(t, vd_get_used(&e->d, &id, &len));
	CHECK_EQ(t, id, 3);
	CHECK_EQ(t, len, 1);
	CHECK_EQ(t, *host(e, STATUS), OK);
	CHECK_EQ(t, *host(e, STATUS + 1), UNSUPP);
	CHECK_EQ(t, e->f.irqs, 1);
	env_free(e);
}

TEST_SUITE(virtio_blk, TEST(read_ok), TEST(read_status_shares_buffer),
	   TEST(write_and_flush), TEST(split_header), TEST(short_header),
	   TEST(no_status_byte), TEST(bad_sectors), TEST(length_not_sectors),
	   TEST(wrong_direction), TEST(unknown_types), TEST(get_id),
	   TEST(read_only), TEST(discard), TEST(write_zeroes),
	   TEST(backend_errors), TEST(config_space), TEST(through_transport));
