// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "fake-mem.h"
#include "vdriver.h"
#include "kvm/virtio-mmio.h"
#include "kvm/virtqueue.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <sys/mman.h>

#define F_V1 (1ULL << VIRTIO_F_VERSION_1)
#define F_INDIRECT (1ULL << VIRTIO_RING_F_INDIRECT_DESC)
#define F_EVENT (1ULL << VIRTIO_RING_F_EVENT_IDX)
#define F_ALL (F_V1 | F_INDIRECT | F_EVENT)

#define W VRING_DESC_F_WRITE
#define N VRING_DESC_F_NEXT
#define I VRING_DESC_F_INDIRECT

/* A started device with one live queue, and a scratch chain. */
struct env {
	struct fake_mem fm;
	struct fdev f;
	struct vdrv d;
	struct virtq *vq;
	struct virtq_chain c;
};

static struct env *env_new(struct test_ctx *t, uint64_t features, uint16_t size)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e || fake_mem__init(&e->fm)) {
		CHECK(t, !"fake RAM");
		free(e);
		return NULL;
	}
	if (fdev__init(&e->f, &e->fm, 1, VIRTQ_MAX_SIZE) ||
	    vd_start(&e->d, &e->f.t, &e->fm, features, size)) {
		CHECK(t, !"device start");
		fake_mem__exit(&e->fm);
		free(e);
		return NULL;
	}
	e->vq = virtio_mmio__queue(&e->f.t, 0);
	CHECK(t, e->vq != NULL);
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

static void *host(struct env *e, uint64_t gpa)
{
	return fake_mem__host(&e->fm, gpa);
}

/* Every iovec of a popped chain lies inside the fake RAM. */
static bool chain_in_ram(struct env *e)
{
	unsigned int i;

	for (i = 0; i < e->c.nr_out + e->c.nr_in; i++)
		if (!fake_mem__contains(&e->fm, e->c.iov[i].iov_base,
					e->c.iov[i].iov_len))
			return false;
	return true;
}

static void direct_chain(struct test_ctx *t)
{
	struct env *e = env_new(t, F_ALL, 16);
	uint32_t id, len;

	if (!e)
		return;
	vd_desc(&e->d, 3, VD_BUF, 16, N, 7);
	vd_desc(&e->d, 7, FAKE_B_GPA + 0x100, 100, N, 1);
	vd_desc(&e->d, 1, VD_BUF + 0x200, 513, W, 0);
	vd_publish(&e->d, 3);

	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, e->c.head, 3);
	CHECK_EQ(t, e->c.nr_out, 2);
	CHECK_EQ(t, e->c.nr_in, 1);
	CHECK_EQ(t, e->c.out_len, 116);
	CHECK_EQ(t, e->c.in_len, 513);
	CHECK(t, e->c.iov[0].iov_base == host(e, VD_BUF));
	CHECK(t, e->c.iov[1].iov_base == host(e, FAKE_B_GPA + 0x100));
	CHECK(t, e->c.iov[2].iov_base == host(e, VD_BUF + 0x200));
	CHECK(t, chain_in_ram(e));
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 0);

	CHECK_EQ(t, virtq__push(e->vq, &e->c, 9999), 0);
	CHECK(t, vd_get_used(&e->d, &id, &len));
	CHECK_EQ(t, id, 3);
	CHECK_EQ(t, len, 513); /* clamped to the writable length */
	CHECK(t, !vd_get_used(&e->d, &id, &len));
	CHECK(t, !(vd_rd(&e->f.t, VIRTIO_MMIO_STATUS) &
		   VIRTIO_CONFIG_S_NEEDS_RESET));
	env_free(e);
}

static void indirect_chain(struct test_ctx *t)
{
	struct env *e = env_new(t, F_ALL, 8);
	uint64_t table = VD_BUF + 0x1000;

	if (!e)
		return;
	/* The WRITE flag on the indirect descriptor itself is ignored. */
	vd_desc(&e->d, 5, table, 3 * 16, I | W, 0);
	vd_desc_at(&e->fm, table, 0, VD_BUF, 16, N, 2);
	vd_desc_at(&e->fm, table, 2, VD_BUF + 0x100, 4096, N | W, 1);
	vd_desc_at(&e->fm, table, 1, FAKE_B_GPA, 1, W, 0);
	vd_publish(&e->d, 5);

	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, e->c.head, 5);
	CHECK_EQ(t, e->c.nr_out, 1);
	CHECK_EQ(t, e->c.nr_in, 2);
	CHECK_EQ(t, e->c.out_len, 16);
	CHECK_EQ(t, e->c.in_len, 4097);
	CHECK(t, e->c.iov[2].iov_base == host(e, FAKE_B_GPA));
	CHECK(t, chain_in_ram(e));
	env_free(e);
}

static void mixed_chain(struct test_ctx *t)
{
	struct env *e = env_new(t, F_ALL, 4);
	uint64_t table = FAKE_B_GPA + 0x800;
	unsigned int i;

	if (!e)
		return;
	/* A direct descriptor, then a table of queue-size entries less one. */
	vd_desc(&e->d, 0, VD_BUF, 16, N, 2);
	vd_desc(&e->d, 2, table, 3 * 16, I, 0);
	for (i = 0; i < 3; i++)
		vd_desc_at(&e->fm, table, i, VD_BUF + 0x100 * (i + 1), 8,
			   i ? (i < 2 ? W | N : W) : N, i + 1);
	vd_publish(&e->d, 0);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, e->c.nr_out, 2);
	CHECK_EQ(t, e->c.nr_in, 2);
	CHECK_EQ(t, e->c.out_len, 24);
	CHECK_EQ(t, e->c.in_len, 16);
	CHECK(t, e->c.iov[3].iov_base == host(e, VD_BUF + 0x300));
	CHECK(t, chain_in_ram(e));
	env_free(e);
}

/* 16-bit avail and used indices wrap; the ring slots follow. */
static void index_wraparound(struct test_ctx *t)
{
	struct env *e = env_new(t, F_ALL, 8);
	uint32_t id, len, n;
	bool ok = true;

	if (!e)
		return;
	for (n = 0; n < 70000 && ok; n++) {
		uint16_t head = n % 8;

		vd_desc(&e->d, head, VD_BUF + head, 1, W, 0);
		vd_publish(&e->d, head);
		ok = virtq__pop(e->vq, &e->c) == 1 && e->c.head == head &&
		     virtq__push(e->vq, &e->c, 1) == 0 &&
		     vd_get_used(&e->d, &id, &len) && id == head && len == 1;
	}
	CHECK(t, ok);
	CHECK_EQ(t, n, 70000);
	CHECK_EQ(t, vd_used_idx(&e->d), 70000 & 0xffff);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 0);
	env_free(e);
}

/* Several chains outstanding, completed out of order. */
static void batch_out_of_order(struct test_ctx *t)
{
	struct env *e = env_new(t, F_ALL, 4);
	static struct virtq_chain c[4];
	uint32_t id, len;
	int i;

	if (!e)
		return;
	for (i = 0; i < 4; i++) {
		vd_desc(&e->d, i, VD_BUF + 16 * i, 16, W, 0);
		vd_publish(&e->d, i);
	}
	for (i = 0; i < 4; i++)
		CHECK_EQ(t, virtq__pop(e->vq, &c[i]), 1);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 0);
	for (i = 3; i >= 0; i--)
		CHECK_EQ(t, virtq__push(e->vq, &c[i], i), 0);
	for (i = 3; i >= 0; i--) {
		CHECK(t, vd_get_used(&e->d, &id, &len));
		CHECK_EQ(t, id, i);
		CHECK_EQ(t, len, i);
	}
	env_free(e);
}

/* --- malformed queues ---------------------------------------------- */

/*
 * The pop refuses the chain, the queue stays broken, the transport shows
 * DEVICE_NEEDS_RESET with a config interrupt; a reset and a fresh start
 * make the queue usable again.
 */
static void expect_broken(struct test_ctx *t, struct env *e, const char *why)
{
	struct virtio_mmio *tr = &e->f.t;
	int irqs = e->f.irqs;
	uint32_t id, len;

	CHECK_EQ(t, virtq__pop(e->vq, &e->c), -EIO);
	CHECK(t, e->vq->broken);
	CHECK_STR(t, e->vq->error, why); /* for this reason, not another */
	CHECK(t, vd_rd(tr, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK(t,
	      vd_rd(tr, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	CHECK_EQ(t, e->f.irqs, irqs + 1);
	/* It stays broken: nothing more is taken, nothing is used. */
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), -EIO);
	CHECK(t, !vd_get_used(&e->d, &id, &len));
	CHECK(t, !virtq__should_interrupt(e->vq));
	CHECK(t, !virtq__enable_notify(e->vq));

	/* Recovery: reset, set up again, a good chain goes through. */
	CHECK_EQ(t, vd_start(&e->d, tr, &e->fm, F_ALL, 8), 0);
	CHECK(t,
	      !(vd_rd(tr, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	CHECK_EQ(t, vd_rd(tr, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	e->vq = virtio_mmio__queue(tr, 0);
	if (!e->vq) {
		CHECK(t, !"queue live again");
		return;
	}
	vd_desc(&e->d, 0, VD_BUF, 8, W, 0);
	vd_publish(&e->d, 0);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, virtq__push(e->vq, &e->c, 8), 0);
	CHECK(t, vd_get_used(&e->d, &id, &len));
	CHECK_EQ(t, id, 0);
}

/* One chain from head 0: descriptors written by fill(). */
static void bad_case(struct test_ctx *t, uint64_t features, uint16_t size,
		     void (*fill)(struct env *e), const char *why)
{
	struct env *e = env_new(t, features, size);

	if (!e)
		return;
	fill(e);
	expect_broken(t, e, why);
	env_free(e);
}

static void fill_head_out_of_range(struct env *e)
{
	vd_publish(&e->d, 8);
}

static void fill_next_out_of_range(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF, 16, N, 8);
	vd_publish(&e->d, 0);
}

static void fill_loop(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF, 16, N, 1);
	vd_desc(&e->d, 1, VD_BUF, 16, N, 2);
	vd_desc(&e->d, 2, VD_BUF, 16, N, 1);
	vd_publish(&e->d, 0);
}

static void fill_self_loop(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF, 16, W | N, 0);
	vd_publish(&e->d, 0);
}

static void fill_indirect_loop(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF + 0x1000, 2 * 16, I, 0);
	vd_desc_at(&e->fm, VD_BUF + 0x1000, 0, VD_BUF, 16, N, 1);
	vd_desc_at(&e->fm, VD_BUF + 0x1000, 1, VD_BUF, 16, N, 0);
	vd_publish(&e->d, 0);
}

static void fill_indirect_next_out_of_range(struct env *e)
{
	/* In range for the ring (8), not for the 2-entry table. */
	vd_desc(&e->d, 0, VD_BUF + 0x1000, 2 * 16, I, 0);
	vd_desc_at(&e->fm, VD_BUF + 0x1000, 0, VD_BUF, 16, N, 2);
	vd_publish(&e->d, 0);
}

static void fill_indirect_len_odd(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF + 0x1000, 24, I, 0);
	vd_desc_at(&e->fm, VD_BUF + 0x1000, 0, VD_BUF, 16, 0, 0);
	vd_publish(&e->d, 0);
}

static void fill_indirect_len_zero(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF + 0x1000, 0, I, 0);
	vd_publish(&e->d, 0);
}

static void fill_indirect_too_big(struct env *e)
{
	unsigned int i;

	/* Nine entries for a queue of eight. */
	for (i = 0; i < 9; i++)
		vd_desc_at(&e->fm, VD_BUF + 0x1000, i, VD_BUF, 16,
			   i < 8 ? N : 0, i + 1);
	vd_desc(&e->d, 0, VD_BUF + 0x1000, 9 * 16, I, 0);
	vd_publish(&e->d, 0);
}

static void fill_indirect_nested(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF + 0x1000, 16, I, 0);
	vd_desc_at(&e->fm, VD_BUF + 0x1000, 0, VD_BUF + 0x2000, 16, I, 0);
	vd_desc_at(&e->fm, VD_BUF + 0x2000, 0, VD_BUF, 16, 0, 0);
	vd_publish(&e->d, 0);
}

static void fill_indirect_with_next(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF + 0x1000, 16, I | N, 1);
	vd_desc(&e->d, 1, VD_BUF, 16, W, 0);
	vd_desc_at(&e->fm, VD_BUF + 0x1000, 0, VD_BUF, 16, 0, 0);
	vd_publish(&e->d, 0);
}

static void fill_indirect_in_hole(struct env *e)
{
	vd_desc(&e->d, 0, FAKE_HOLE_GPA, 16, I, 0);
	vd_publish(&e->d, 0);
}

static void fill_indirect_past_ram(struct env *e)
{
	vd_desc(&e->d, 0, FAKE_END - 16, 32, I, 0);
	vd_publish(&e->d, 0);
}

static void fill_indirect_plain(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF + 0x1000, 16, I, 0);
	vd_desc_at(&e->fm, VD_BUF + 0x1000, 0, VD_BUF, 16, 0, 0);
	vd_publish(&e->d, 0);
}

static void fill_buf_past_ram(struct env *e)
{
	vd_desc(&e->d, 0, FAKE_END - 8, 16, W, 0);
	vd_publish(&e->d, 0);
}

static void fill_buf_into_hole(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF, 16, N, 1);
	vd_desc(&e->d, 1, FAKE_HOLE_GPA - 8, 16, W, 0);
	vd_publish(&e->d, 0);
}

static void fill_buf_from_hole(struct env *e)
{
	vd_desc(&e->d, 0, FAKE_B_GPA - 8, 16, W, 0);
	vd_publish(&e->d, 0);
}

static void fill_buf_before_ram(struct env *e)
{
	vd_desc(&e->d, 0, FAKE_A_GPA - 4096, 4096 + 16, 0, 0);
	vd_publish(&e->d, 0);
}

static void fill_buf_wraps(struct env *e)
{
	vd_desc(&e->d, 0, UINT64_MAX - 7, 16, W, 0);
	vd_publish(&e->d, 0);
}

static void fill_buf_zero_len(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF, 0, W, 0);
	vd_publish(&e->d, 0);
}

static void fill_readable_after_writable(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF, 16, W | N, 1);
	vd_desc(&e->d, 1, VD_BUF + 16, 16, 0, 0);
	vd_publish(&e->d, 0);
}

static void fill_readable_after_writable_indirect(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF, 16, W | N, 1);
	vd_desc(&e->d, 1, VD_BUF + 0x1000, 16, I, 0);
	vd_desc_at(&e->fm, VD_BUF + 0x1000, 0, VD_BUF + 16, 16, 0, 0);
	vd_publish(&e->d, 0);
}

static void fill_too_long_mixed(struct env *e)
{
	unsigned int i;

	/* Two direct, then a full table: ten buffers for eight entries. */
	vd_desc(&e->d, 0, VD_BUF, 16, N, 1);
	vd_desc(&e->d, 1, VD_BUF, 16, N, 2);
	vd_desc(&e->d, 2, VD_BUF + 0x1000, 8 * 16, I, 0);
	for (i = 0; i < 8; i++)
		vd_desc_at(&e->fm, VD_BUF + 0x1000, i, VD_BUF, 16,
			   i < 7 ? N : 0, i + 1);
	vd_publish(&e->d, 0);
}

static void fill_avail_jump(struct env *e)
{
	vd_desc(&e->d, 0, VD_BUF, 16, W, 0);
	vd_publish(&e->d, 0);
	vd_set_avail_idx(&e->d, 9); /* 9 entries in an 8-entry ring */
}

static void fill_avail_backwards(struct env *e)
{
	vd_set_avail_idx(&e->d, 0xffff);
}

#define BAD(name, features, why)                            \
	static void bad_##name(struct test_ctx *t)          \
	{                                                   \
		bad_case(t, features, 8, fill_##name, why); \
	}

BAD(head_out_of_range, F_ALL, "descriptor index out of range")
BAD(next_out_of_range, F_ALL, "descriptor index out of range")
BAD(loop, F_ALL, "descriptor chain loops")
BAD(self_loop, F_ALL, "descriptor chain loops")
BAD(indirect_loop, F_ALL, "descriptor chain loops")
BAD(indirect_next_out_of_range, F_ALL, "descriptor index out of range")
BAD(indirect_len_odd, F_ALL, "bad indirect table size")
BAD(indirect_len_zero, F_ALL, "bad indirect table size")
BAD(indirect_too_big, F_ALL, "bad indirect table size")
BAD(indirect_nested, F_ALL, "nested indirect table")
BAD(indirect_with_next, F_ALL, "indirect with NEXT")
BAD(indirect_in_hole, F_ALL, "indirect not in RAM")
BAD(indirect_past_ram, F_ALL, "indirect not in RAM")
BAD(indirect_plain, F_V1 | F_EVENT,
    "indirect not negotiated") /* INDIRECT_DESC not negotiated */
BAD(buf_past_ram, F_ALL, "buffer not inside guest RAM")
BAD(buf_into_hole, F_ALL, "buffer not inside guest RAM")
BAD(buf_from_hole, F_ALL, "buffer not inside guest RAM")
BAD(buf_before_ram, F_ALL, "buffer not inside guest RAM")
BAD(buf_wraps, F_ALL, "buffer not inside guest RAM")
BAD(buf_zero_len, F_ALL, "zero-length buffer")
BAD(readable_after_writable, F_ALL, "readable after writable")
BAD(readable_after_writable_indirect, F_ALL, "readable after writable")
BAD(too_long_mixed, F_ALL, "chain longer than the queue")
BAD(avail_jump, F_ALL, "avail index jumped")
BAD(avail_backwards, F_ALL, "avail index jumped")

/*
 * More than 4 GiB in one chain: RAM large enough that one buffer of
 * 32 MiB may be listed 200 times (the mapping is never touched).
 */
static void chain_over_4g(struct test_ctx *t)
{
	const uint64_t ram = 32ULL << 20, gpa = 1ULL << 32;
	static struct virtq_chain c;
	struct guest_mem mem;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct virtq vq;
	uint8_t *p;
	unsigned int i;

	p = mmap(NULL, ram, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		CHECK(t, !"mmap");
		return;
	}
	guest_mem__init(&mem);
	CHECK_EQ(t, guest_mem__add(&mem, gpa, ram, p), 0);
	virtq__init(&vq, &mem, NULL, NULL);
	vq.size = 256;
	vq.desc_gpa = gpa;
	vq.avail_gpa = gpa + 0x1000;
	vq.used_gpa = gpa + 0x2000;
	CHECK_EQ(t, virtq__start(&vq), 0);
	desc = (void *)p;
	avail = (void *)(p + 0x1000);
	for (i = 0; i < 200; i++) {
		desc[i].addr = gpa;
		desc[i].len = ram;
		desc[i].flags = i < 199 ? N : 0;
		desc[i].next = i + 1;
	}
	avail->ring[0] = 0;
	avail->idx = 1;
	CHECK_EQ(t, virtq__pop(&vq, &c), -EIO);
	CHECK_STR(t, vq.error, "chain longer than 4 GiB");

	/* 127 of them (under 4 GiB) are fine. */
	virtq__reset(&vq);
	vq.size = 256;
	vq.desc_gpa = gpa;
	vq.avail_gpa = gpa + 0x1000;
	vq.used_gpa = gpa + 0x2000;
	CHECK_EQ(t, virtq__start(&vq), 0);
	desc[126].flags = 0;
	CHECK_EQ(t, virtq__pop(&vq, &c), 1);
	CHECK_EQ(t, c.nr_out, 127);
	CHECK_EQ(t, c.out_len, 127 * ram);
	munmap(p, ram);
}

/* --- notification and interrupt suppression ------------------------ */

static void event_idx_interrupts(struct test_ctx *t)
{
	struct env *e = env_new(t, F_ALL, 8);
	int i;

	if (!e)
		return;
	/* First completion always interrupts. */
	vd_set_used_event(&e->d, 0);
	vd_desc(&e->d, 0, VD_BUF, 16, W, 0);
	for (i = 0; i < 7; i++)
		vd_publish(&e->d, 0);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, virtq__push(e->vq, &e->c, 0), 0);
	CHECK(t, virtq__should_interrupt(e->vq));

	/* The driver wants one when used idx passes 4. */
	vd_set_used_event(&e->d, 4);
	for (i = 0; i < 3; i++) { /* used idx 2, 3, 4 */
		CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
		CHECK_EQ(t, virtq__push(e->vq, &e->c, 0), 0);
		CHECK(t, !virtq__should_interrupt(e->vq));
	}
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, virtq__push(e->vq, &e->c, 0), 0); /* 5: crosses 4 */
	CHECK(t, virtq__should_interrupt(e->vq));
	/* A batch of two that jumps over the event also interrupts. */
	vd_set_used_event(&e->d, 5);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, virtq__push(e->vq, &e->c, 0), 0);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, virtq__push(e->vq, &e->c, 0), 0);
	CHECK(t, virtq__should_interrupt(e->vq));
	/* NO_INTERRUPT is ignored with EVENT_IDX. */
	vd_set_avail_flags(&e->d, VRING_AVAIL_F_NO_INTERRUPT);
	vd_set_used_event(&e->d, 7);
	vd_publish(&e->d, 0);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, virtq__push(e->vq, &e->c, 0), 0);
	CHECK(t, virtq__should_interrupt(e->vq));
	env_free(e);
}

static void event_idx_notifications(struct test_ctx *t)
{
	struct env *e = env_new(t, F_ALL, 8);

	if (!e)
		return;
	vd_desc(&e->d, 0, VD_BUF, 16, W, 0);
	vd_publish(&e->d, 0);
	vd_publish(&e->d, 0);
	virtq__disable_notify(e->vq);
	CHECK_EQ(t, vd_avail_event(&e->d), 0);
	CHECK_EQ(t, vd_used_flags(&e->d), 0); /* flags unused with EVENT_IDX */
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	/* Busy: avail_event stays behind, so the driver does not notify. */
	CHECK_EQ(t, vd_avail_event(&e->d), 0);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 0);
	/* Going to sleep: notify me at the next buffer. */
	CHECK(t, !virtq__enable_notify(e->vq));
	CHECK_EQ(t, vd_avail_event(&e->d), 2);
	/* A buffer that came meanwhile: enable says go on. */
	vd_publish(&e->d, 0);
	CHECK(t, virtq__enable_notify(e->vq));
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK(t, !virtq__enable_notify(e->vq));
	CHECK_EQ(t, vd_avail_event(&e->d), 3);
	env_free(e);
}

static void flags_without_event_idx(struct test_ctx *t)
{
	struct env *e = env_new(t, F_V1 | F_INDIRECT, 8);

	if (!e)
		return;
	vd_desc(&e->d, 0, VD_BUF, 16, W, 0);
	vd_publish(&e->d, 0);
	vd_publish(&e->d, 0);
	virtq__disable_notify(e->vq);
	CHECK_EQ(t, vd_used_flags(&e->d), VRING_USED_F_NO_NOTIFY);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, virtq__push(e->vq, &e->c, 0), 0);
	CHECK(t, virtq__should_interrupt(e->vq));
	vd_set_avail_flags(&e->d, VRING_AVAIL_F_NO_INTERRUPT);
	CHECK_EQ(t, virtq__pop(e->vq, &e->c), 1);
	CHECK_EQ(t, virtq__push(e->vq, &e->c, 0), 0);
	CHECK(t, !virtq__should_interrupt(e->vq));
	CHECK(t, !virtq__enable_notify(e->vq));
	CHECK_EQ(t, vd_used_flags(&e->d), 0);
	CHECK_EQ(t, vd_avail_event(&e->d), 0); /* untouched */
	env_free(e);
}

TEST_SUITE(virtqueue, TEST(direct_chain), TEST(indirect_chain),
	   TEST(mixed_chain), TEST(index_wraparound), TEST(batch_out_of_order),
	   TEST(bad_head_out_of_range), TEST(bad_next_out_of_range),
	   TEST(bad_loop), TEST(bad_self_loop), TEST(bad_indirect_loop),
	   TEST(bad_indirect_next_out_of_range), TEST(bad_indirect_len_odd),
	   TEST(bad_indirect_len_zero), TEST(bad_indirect_too_big),
	   TEST(bad_indirect_nested), TEST(bad_indirect_with_next),
	   TEST(bad_indirect_in_hole), TEST(bad_indirect_past_ram),
	   TEST(bad_indirect_plain), TEST(bad_buf_past_ram),
	   TEST(bad_buf_into_hole), TEST(bad_buf_from_hole),
	   TEST(bad_buf_before_ram), TEST(bad_buf_wraps),
	   TEST(bad_buf_zero_len), TEST(bad_readable_after_writable),
	   TEST(bad_readable_after_writable_indirect), TEST(bad_too_long_mixed),
	   TEST(bad_avail_jump), TEST(bad_avail_backwards), TEST(chain_over_4g),
	   TEST(event_idx_interrupts), TEST(event_idx_notifications),
	   TEST(flags_without_event_idx));
