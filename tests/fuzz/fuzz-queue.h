/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TESTS__FUZZ_QUEUE_H
#define TESTS__FUZZ_QUEUE_H

/*
 * The driver's side of a device's virtqueues for the fuzzers that drive
 * a device through the real transport (fuzz-net.c, fuzz-console.c):
 * chains of buffers of any shape posted from the input, a record of what
 * was posted at each head, and flags for what can no longer be checked
 * once buffers may overlap.
 */
#include "fuzz.h"
#include "vdriver.h"

#include <stdbool.h>
#include <linux/virtio_ring.h>

#define FQ_SIZE 64
#define FQ_MAX_BUFS 4
/* Chains start at every FQ_MAX_BUFS-th descriptor: 16 slots per queue. */
#define FQ_SLOTS (FQ_SIZE / FQ_MAX_BUFS)
/* Queue i's rings (i < 2), its indirect tables, then the buffers. */
#define FQ_DESC(i) (FAKE_A_GPA + 0x2000ULL * (i))
#define FQ_AVAIL(i) (FQ_DESC(i) + 0x1000)
#define FQ_USED(i) (FQ_DESC(i) + 0x1800)
#define FQ_TABLE(i) (FAKE_A_GPA + 0x4000 + 0x1000ULL * (i))
#define FQ_BUF (FAKE_A_GPA + 0x6000)

struct fq_buf {
	uint64_t gpa;
	uint32_t len;
	bool w;
};

/* The buffers of the chain posted at one descriptor head. */
struct fq_chain {
	struct fq_buf b[FQ_MAX_BUFS];
	unsigned int n;
};

/* Room for buffers, shared by a device's queues. */
struct fq_room {
	struct fake_mem *fm;
	uint64_t a_at, b_at;
	bool unsure; /* buffers or chains may overlap: no content checks */
	bool wild; /* a buffer anywhere, the rings too: no ring checks */
};

struct fq {
	struct vdrv d;
	struct fq_room *room;
	unsigned int index;
	bool rx; /* buffers device-writable unless the input says not */
	unsigned int posts;
	struct fq_chain p[FQ_SIZE]; /* by head */
	uint16_t order[FQ_SIZE]; /* the heads by avail index */
};

static inline void fq_room_init(struct fq_room *r, struct fake_mem *fm)
{
	*r = (struct fq_room){ fm, FQ_BUF, FAKE_B_GPA, false, false };
}

static inline void fq_init(struct fq *q, struct fq_room *r,
			   struct virtio_mmio *t, unsigned int index, bool rx)
{
	memset(q, 0, sizeof(*q));
	q->d = (struct vdrv){ .t = t, .fm = r->fm };
	q->room = r;
	q->index = index;
	q->rx = rx;
}

/* Zeroed rings handed to the device: the last register write's result. */
static inline int fq_setup(struct fq *q)
{
	unsigned int i = q->index;

	memset(fake_mem__host(q->room->fm, FQ_DESC(i)), 0, 0x2000);
	q->posts = 0;
	return vd_setup_queue(&q->d, i, FQ_SIZE, FQ_DESC(i), FQ_AVAIL(i),
			      FQ_USED(i));
}

/* The transport's interrupt line, for a driver that polls. */
static inline void fq_noirq(void *opaque)
{
	(void)opaque;
}

/* Room for a buffer of len bytes in region A or B; wraps when full. */
static inline uint64_t fq_alloc(struct fq_room *r, bool in_b, uint32_t len)
{
	uint64_t *at = in_b ? &r->b_at : &r->a_at;
	uint64_t start = in_b ? FAKE_B_GPA : FQ_BUF;
	uint64_t end = in_b ? FAKE_END : FAKE_HOLE_GPA;
	uint64_t gpa;

	if (len > end - *at) {
		*at = start;
		r->unsure = true;
	}
	gpa = *at;
	*at += len;
	return gpa;
}

/*
 * A chain from the input, published; returns its head. shape: bits 0-1
 * the number of buffers less one, bit 7 an indirect table. Each buffer:
 * a selector byte (0x40 a 16-bit length, else an 8-bit one follows; 0x20
 * the other direction than the queue's; 0x10 anywhere at all, else
 * allocated, in region B if bit 0), and for a readable buffer of a
 * transmit queue, its contents.
 */
static inline uint16_t fq_post(struct fq *q, struct input *in, uint8_t shape)
{
	struct fake_mem *fm = q->room->fm;
	unsigned int n = 1 + shape % FQ_MAX_BUFS, i, slot = q->posts % FQ_SLOTS;
	bool indirect = shape & 0x80;
	uint16_t head = slot * FQ_MAX_BUFS;
	uint64_t tab = indirect ?
			       FQ_TABLE(q->index) + 16ULL * FQ_MAX_BUFS * slot :
			       q->d.desc;
	struct fq_chain *p = &q->p[head];

	/* A slot used again may still hold a chain the device has not
	 * used; and an indirect chain's head may overlay a direct one. */
	if (++q->posts > FQ_SLOTS || indirect)
		q->room->unsure = true;
	/* More chains out than the ring holds: the avail ring wraps. */
	if ((uint16_t)(q->d.avail_idx - q->d.used_seen) >= FQ_SIZE)
		q->room->unsure = q->room->wild = true;
	p->n = n;
	for (i = 0; i < n; i++) {
		uint8_t sel = IN8(in);
		uint32_t len = sel & 0x40 ? IN16(in) % 0x6000 : IN8(in);
		bool w = q->rx ? !(sel & 0x20) : (sel & 0x20);
		uint16_t idx = indirect ? i : (head + i) % FQ_SIZE;
		uint16_t next = indirect ? i + 1 : (head + i + 1) % FQ_SIZE;
		uint64_t gpa;

		if (!len)
			len = 1;
		if (len > FAKE_B_SIZE)
			len = FAKE_B_SIZE;
		gpa = fq_alloc(q->room, sel & 1, len);
		if (sel & 0x10) {
			gpa = in_gpa(in);
			q->room->unsure = q->room->wild = true;
		}
		p->b[i] = (struct fq_buf){ gpa, len, w };
		if (!q->rx && !(sel & 0x10))
			in_copy(in, fake_mem__host(fm, gpa), len);
		vd_desc_at(fm, tab, idx, gpa, len,
			   (w ? VRING_DESC_F_WRITE : 0) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0),
			   next);
	}
	if (indirect)
		vd_desc_at(fm, q->d.desc, head, tab, 16 * n,
			   VRING_DESC_F_INDIRECT, 0);
	q->order[q->d.avail_idx % FQ_SIZE] = head;
	vd_publish(&q->d, head);
	return head;
}

/* The chain's bytes of one direction (or both): how many. */
static inline size_t fq_size(const struct fq_chain *p, bool w, bool both)
{
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (both || p->b[i].w == w)
			total += p->b[i].len;
	return total;
}

/*
 * The next used entry. Unless a buffer may be anywhere (over the used
 * ring, say): the chains come back in the order they were published
 * and no used length is more than the chain's writable bytes.
 */
static inline bool fq_used(struct fq *q, uint32_t *id, uint32_t *len)
{
	uint16_t nth = q->d.used_seen;

	if (!vd_get_used(&q->d, id, len))
		return false;
	if (!q->room->wild) {
		FUZZ_ASSERT(*id == q->order[nth % FQ_SIZE]);
		FUZZ_ASSERT(*len <= fq_size(&q->p[*id], true, false));
	}
	return true;
}

/* Read len bytes at off of the chain's buffers, in order. */
static inline void fq_read(struct fake_mem *fm, const struct fq_chain *p,
			   size_t off, uint8_t *dst, size_t len)
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

#endif /* TESTS__FUZZ_QUEUE_H */
