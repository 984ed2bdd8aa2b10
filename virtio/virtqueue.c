// SPDX-License-Identifier: GPL-2.0
#include "kvm/virtqueue.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

#define DESC_SIZE sizeof(struct vring_desc)

/* Shared ring fields: one access each, never torn, never repeated. */
#define LOAD(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)
/*
 * Where we publish something (used idx, avail_event, used flags) and then
 * read what the driver published (used_event, avail flags, avail idx), the
 * driver does the mirror image with a full barrier between, and one of us
 * must see the other. Sequentially consistent accesses give that order
 * (stlr then ldar on arm64, a locked store on x86) without a standalone
 * fence, which TSan cannot model.
 */
#define SC_LOAD(p) __atomic_load_n(p, __ATOMIC_SEQ_CST)
#define SC_STORE(p, v) __atomic_store_n(p, v, __ATOMIC_SEQ_CST)

static uint64_t avail_size(uint16_t size)
{
	/* flags, idx, ring[size], used_event */
	return 6 + 2ULL * size;
}

static uint64_t used_size(uint16_t size)
{
	/* flags, idx, ring[size], avail_event */
	return 6 + 8ULL * size;
}

void virtq__init(struct virtq *vq, const struct guest_mem *mem,
		 void (*fail)(void *opaque, struct virtq *vq), void *opaque)
{
	memset(vq, 0, sizeof(*vq));
	vq->mem = mem;
	vq->fail = fail;
	vq->fail_opaque = opaque;
}

void virtq__reset(struct virtq *vq)
{
	const struct guest_mem *mem = vq->mem;
	void (*fail)(void *opaque, struct virtq *vq) = vq->fail;
	void *opaque = vq->fail_opaque;
	uint32_t epoch = vq->epoch;

	virtq__init(vq, mem, fail, opaque);
	vq->epoch = epoch + 1;
}

static int bad_config(struct virtq *vq, const char *why)
{
	vq->error = why;
	return -EINVAL;
}

int virtq__start(struct virtq *vq)
{
	uint16_t n = vq->size;

	if (vq->live)
		return bad_config(vq, "queue already live");
	if (n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return bad_config(vq, "queue size not a power of 2 in range");
	if (vq->desc_gpa % 16 || vq->avail_gpa % 2 || vq->used_gpa % 4)
		return bad_config(vq, "ring address misaligned");
	vq->desc = guest_mem__ptr(vq->mem, vq->desc_gpa, DESC_SIZE * n);
	vq->avail = guest_mem__ptr(vq->mem, vq->avail_gpa, avail_size(n));
	vq->used = guest_mem__ptr(vq->mem, vq->used_gpa, used_size(n));
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		return bad_config(vq, "ring not inside guest RAM");
	}
	vq->broken = false;
	vq->error = NULL;
	vq->last_avail = 0;
	vq->shadow_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used_valid = false;
	vq->live = true;
	return 0;
}

void virtq__stop(struct virtq *vq)
{
	vq->live = false;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->epoch++;
}

void virtq__fail(struct virtq *vq, const char *why)
{
	if (vq->broken)
		return;
	vq->broken = true;
	vq->error = why;
	if (vq->fail)
		vq->fail(vq->fail_opaque, vq);
}

static int malformed(struct virtq *vq, const char *why)
{
	virtq__fail(vq, why);
	return -EIO;
}

/* Copy a descriptor once; the guest may rewrite it under us. */
static void fetch_desc(const struct vring_desc *src, struct vring_desc *d)
{
	memcpy(d, src, sizeof(*d));
	/* Use only the copy from here on, never the guest's table again. */
	__asm__ __volatile__("" ::: "memory");
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

/* Walk one chain from head into c; 0 or -EIO (queue now broken). */
static int walk_chain(struct virtq *vq, uint16_t head, struct virtq_chain *c)
{
	const struct vring_desc *table = vq->desc;
	unsigned int table_size = vq->size, visited = 0, niov = 0;
	uint64_t total = 0;
	bool in_indirect = false, seen_write = false;
	uint16_t idx = head;
	struct vring_desc d;

	c->nr_out = 0;
	c->out_len = 0;
	for (;;) {
		if (idx >= table_size)
			return malformed(vq, "descriptor index out of range");
		/* Bounds every walk, so a loop in the chain ends here. */
		if (++visited > table_size)
			return malformed(vq, "descriptor chain loops");
		fetch_desc(&table[idx], &d);

		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!vq->indirect)
				return malformed(vq, "indirect not negotiated");
			if (in_indirect)
				return malformed(vq, "nested indirect table");
			if (d.flags & VRING_DESC_F_NEXT)
				return malformed(vq, "indirect with NEXT");
			if (d.len == 0 || d.len % DESC_SIZE ||
			    d.len / DESC_SIZE > vq->size)
				return malformed(vq, "bad indirect table size");
			table = guest_mem__ptr(vq->mem, d.addr, d.len);
			if (!table)
				return malformed(vq, "indirect not in RAM");
			table_size = d.len / DESC_SIZE;
			in_indirect = true;
			visited = 0;
			idx = 0;
			continue;
		}

		if (d.len == 0)
			return malformed(vq, "zero-length buffer");
		if (niov >= vq->size)
			return malformed(vq, "chain longer than the queue");
		c->iov[niov].iov_base = guest_mem__ptr(vq->mem, d.addr, d.len);
		if (!c->iov[niov].iov_base)
			return malformed(vq, "buffer not inside guest RAM");
		c->iov[niov].iov_len = d.len;
		niov++;
		total += d.len;
		if (total > UINT32_MAX)
			return malformed(vq, "chain longer than 4 GiB");
		if (d.flags & VRING_DESC_F_WRITE) {
			seen_write = true;
		} else {
			if (seen_write)
				return malformed(vq, "readable after writable");
			c->nr_out++;
			c->out_len += d.len;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		idx = d.next;
	}
	c->head = head;
	c->nr_in = niov - c->nr_out;
	c->in_len = total - c->out_len;
	c->epoch = vq->epoch;
	return 0;
}

/* Read the driver's avail index: 0, or -EIO if it jumped too far. */
static int read_avail_idx(struct virtq *vq)
{
	/* Acquire: pairs with the driver's barrier before it bumps idx. */
	uint16_t idx = le16toh(SC_LOAD(&vq->avail->idx));

	if ((uint16_t)(idx - vq->last_avail) > vq->size)
		return malformed(vq, "avail index jumped");
	vq->shadow_avail = idx;
	return 0;
}

int virtq__pop(struct virtq *vq, struct virtq_chain *c)
{
	uint16_t head;
	int ret;

	if (!vq->live || vq->broken)
		return -EIO;
	if (vq->last_avail == vq->shadow_avail) {
		ret = read_avail_idx(vq);
		if (ret)
			return ret;
		if (vq->last_avail == vq->shadow_avail)
			return 0;
	}
	head = le16toh(LOAD(&vq->avail->ring[vq->last_avail & (vq->size - 1)]));
	ret = walk_chain(vq, head, c);
	if (ret)
		return ret;
	vq->last_avail++;
	return 1;
}

int virtq__push(struct virtq *vq, const struct virtq_chain *c, uint32_t len)
{
	struct vring_used_elem *e;

	if (!vq->live || vq->broken || c->epoch != vq->epoch)
		return -ESTALE;
	if (len > c->in_len)
		len = c->in_len;
	e = &vq->used->ring[vq->used_idx & (vq->size - 1)];
	STORE(&e->id, htole32(c->head));
	STORE(&e->len, htole32(len));
	vq->used_idx++;
	/* Release: the entry is visible before the index publishing it. */
	SC_STORE(&vq->used->idx, htole16(vq->used_idx));
	return 0;
}

int virtq__push_n(struct virtq *vq, const struct virtq_done *d, unsigned int n)
{
	struct vring_used_elem *e;
	uint16_t idx = vq->used_idx;
	unsigned int i;

	if (!vq->live || vq->broken || n > vq->size)
		return -ESTALE;
	for (i = 0; i < n; i++)
		if (d[i].epoch != vq->epoch)
			return -ESTALE;
	for (i = 0; i < n; i++, idx++) {
		e = &vq->used->ring[idx & (vq->size - 1)];
		STORE(&e->id, htole32(d[i].head));
		STORE(&e->len, htole32(d[i].len));
	}
	vq->used_idx = idx;
	/* Release: every entry is visible before the index publishing them. */
	SC_STORE(&vq->used->idx, htole16(vq->used_idx));
	return 0;
}

void virtq__unpop(struct virtq *vq, unsigned int n)
{
	if (!vq->live || vq->broken)
		return;
	vq->last_avail -= n;
}

bool virtq__should_interrupt(struct virtq *vq)
{
	uint16_t old, event;
	bool valid;

	if (!vq->live || vq->broken)
		return false;
	/* Ordered after our used idx store (SC_STORE in virtq__push). */
	if (!vq->event_idx)
		return !(le16toh(SC_LOAD(&vq->avail->flags)) &
			 VRING_AVAIL_F_NO_INTERRUPT);

	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	vq->signalled_used = vq->used_idx;
	vq->signalled_used_valid = true;
	event = le16toh(SC_LOAD(&vq->avail->ring[vq->size]));
	return !valid || vring_need_event(event, vq->used_idx, old);
}

static uint16_t *avail_event(struct virtq *vq)
{
	return (uint16_t *)&vq->used->ring[vq->size];
}

void virtq__disable_notify(struct virtq *vq)
{
	if (!vq->live || vq->broken)
		return;
	/* With EVENT_IDX, an avail_event left behind already suppresses. */
	if (!vq->event_idx)
		STORE(&vq->used->flags, htole16(VRING_USED_F_NO_NOTIFY));
}

bool virtq__enable_notify(struct virtq *vq)
{
	if (!vq->live || vq->broken)
		return false;
	/*
	 * The driver publishes idx, then reads our request: we publish the
	 * request, then read idx (read_avail_idx); one of us sees the other.
	 */
	if (vq->event_idx)
		SC_STORE(avail_event(vq), htole16(vq->last_avail));
	else
		SC_STORE(&vq->used->flags, 0);
	if (read_avail_idx(vq))
		return false;
	return vq->shadow_avail != vq->last_avail;
}

bool virtq__notify_on_more(struct virtq *vq)
{
	uint16_t seen;

	if (!vq->live || vq->broken || read_avail_idx(vq))
		return false;
	seen = vq->shadow_avail;
	/* As in virtq__enable_notify(): publish, then read the index again. */
	if (vq->event_idx)
		SC_STORE(avail_event(vq), htole16(seen));
	else
		SC_STORE(&vq->used->flags, 0);
	if (read_avail_idx(vq))
		return false;
	return vq->shadow_avail != seen;
}
