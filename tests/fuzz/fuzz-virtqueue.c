// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the split virtqueue against a hostile driver. The
 * input picks the queue size, features and ring placement, then is a
 * list of driver actions (descriptors, indirect tables, avail ring,
 * suppression fields, stray writes) and device actions (pop, push,
 * interrupt and notification checks, reset). Every popped chain must lie
 * in guest RAM (it is read and written whole, between guard pages), and
 * a broken queue must stay broken until it is reset.
 */
#include "fuzz.h"

#include "kvm/virtqueue.h"

#include <errno.h>
#include <linux/virtio_ring.h>

#define DESC_GPA FAKE_A_GPA
#define AVAIL_GPA (FAKE_A_GPA + 0x1000)
#define USED_GPA (FAKE_A_GPA + 0x2000)
#define TABLES_GPA (FAKE_A_GPA + 0x4000)
#define BUF_GPA (FAKE_A_GPA + 0x8000)

enum {
	OP_DESC,
	OP_TABLE_DESC,
	OP_PUBLISH,
	OP_AVAIL_IDX,
	OP_POP,
	OP_PUSH,
	OP_INTERRUPT,
	OP_NOTIFY_ON,
	OP_NOTIFY_OFF,
	OP_EVENT,
	OP_POKE,
	OP_RESTART,
	OP_MAX
};

struct state {
	struct fake_mem *fm;
	struct virtq vq;
	uint16_t avail_idx;
	int fails;
	bool have[2];
	struct virtq_chain chains[2];
};

/* Driver-side writes land only where there is RAM. */
static void poke(struct state *s, uint64_t gpa, uint64_t v, unsigned int n)
{
	uint8_t *p = guest_mem__ptr(&s->fm->mem, gpa, n);

	if (p)
		memcpy(p, &v, n);
}

static void put_desc(struct state *s, uint64_t at, struct input *in)
{
	uint64_t addr = in_gpa(in);
	uint8_t lsel = IN8(in);
	uint32_t len = lsel & 1 ? IN32(in) : IN16(in) % 4097;
	uint16_t flags = IN8(in) % 8;
	uint16_t next = IN16(in) % (s->vq.size + 2);

	poke(s, at, addr, 8);
	poke(s, at + 8, len, 4);
	poke(s, at + 12, flags, 2);
	poke(s, at + 14, next, 2);
}

static void fail_cb(void *opaque, struct virtq *vq)
{
	struct state *s = opaque;

	FUZZ_ASSERT(vq->broken && vq->error);
	s->fails++;
}

static void check_chain(struct state *s, struct virtq_chain *c)
{
	uint64_t out = 0, in = 0;
	volatile uint8_t sum = 0;
	unsigned int i;
	size_t j;

	FUZZ_ASSERT(c->nr_out + c->nr_in <= s->vq.size);
	for (i = 0; i < c->nr_out + c->nr_in; i++) {
		uint8_t *p = c->iov[i].iov_base;
		size_t len = c->iov[i].iov_len;

		FUZZ_ASSERT(len > 0);
		FUZZ_ASSERT(fake_mem__contains(s->fm, p, len));
		if (i < c->nr_out) {
			out += len;
			for (j = 0; j < len; j++)
				sum += p[j];
		} else {
			in += len;
			memset(p, 0xa5, len);
		}
	}
	FUZZ_ASSERT(out == c->out_len && in == c->in_len);
	FUZZ_ASSERT(out + in <= UINT32_MAX);
	(void)sum;
}

static void start(struct state *s)
{
	int ret = virtq__start(&s->vq);

	if (ret)
		return;
	/* Live only with aligned rings wholly in RAM. */
	FUZZ_ASSERT(s->vq.size && !(s->vq.size & (s->vq.size - 1)));
	FUZZ_ASSERT(!(s->vq.desc_gpa % 16) && !(s->vq.avail_gpa % 2) &&
		    !(s->vq.used_gpa % 4));
	FUZZ_ASSERT(guest_mem__ptr(&s->fm->mem, s->vq.used_gpa,
				   6 + 8 * s->vq.size));
}

static void step(struct state *s, struct input *in)
{
	struct virtq *vq = &s->vq;
	uint16_t size = vq->size ? vq->size : 1;
	unsigned int k;
	int ret;

	switch (IN8(in) % OP_MAX) {
	case OP_DESC:
		put_desc(s, vq->desc_gpa + 16ULL * (IN16(in) % (2 * size)), in);
		break;
	case OP_TABLE_DESC:
		put_desc(s, TABLES_GPA + 16ULL * IN8(in), in);
		break;
	case OP_PUBLISH:
		poke(s, vq->avail_gpa + 4 + 2 * (s->avail_idx % size),
		     IN16(in) % (size + 1), 2);
		s->avail_idx++;
		poke(s, vq->avail_gpa + 2, s->avail_idx, 2);
		break;
	case OP_AVAIL_IDX:
		s->avail_idx = IN16(in);
		poke(s, vq->avail_gpa + 2, s->avail_idx, 2);
		break;
	case OP_POP:
		k = IN8(in) & 1;
		ret = virtq__pop(vq, &s->chains[k]);
		if (ret == 1) {
			FUZZ_ASSERT(!s->fails);
			check_chain(s, &s->chains[k]);
			s->have[k] = true;
		} else if (ret < 0) {
			FUZZ_ASSERT(ret == -EIO && (vq->broken || !vq->live));
		}
		if (s->fails)
			FUZZ_ASSERT(ret == -EIO && s->fails == 1);
		break;
	case OP_PUSH:
		k = IN8(in) & 1;
		if (s->have[k]) {
			ret = virtq__push(vq, &s->chains[k], IN32(in));
			FUZZ_ASSERT(!ret || ret == -ESTALE);
			s->have[k] = false;
		}
		break;
	case OP_INTERRUPT:
		virtq__should_interrupt(vq);
		break;
	case OP_NOTIFY_ON:
		virtq__enable_notify(vq);
		break;
	case OP_NOTIFY_OFF:
		virtq__disable_notify(vq);
		break;
	case OP_EVENT:
		poke(s, vq->avail_gpa + 4 + 2ULL * size, IN16(in), 2);
		poke(s, vq->avail_gpa, IN8(in) & 1, 2);
		break;
	case OP_POKE: {
		uint64_t gpa = in_gpa(in), v = IN64(in);

		poke(s, gpa, v, 1 + IN8(in) % 8);
		break;
	}
	case OP_RESTART: {
		struct virtq old = *vq;

		virtq__reset(vq);
		vq->size = old.size;
		vq->desc_gpa = old.desc_gpa;
		vq->avail_gpa = old.avail_gpa;
		vq->used_gpa = old.used_gpa;
		vq->event_idx = old.event_idx;
		vq->indirect = old.indirect;
		s->fails = 0;
		s->avail_idx = 0;
		start(s);
		/* Chains from before the reset are refused. */
		for (k = 0; k < 2; k++) {
			if (s->have[k])
				FUZZ_ASSERT(virtq__push(vq, &s->chains[k], 0) ==
					    -ESTALE);
			s->have[k] = false;
		}
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct state s;
	struct input in = { data, size };
	uint8_t hdr = IN8(&in), place = IN8(&in);
	unsigned int steps = 0;

	s.fm = fuzz_mem();
	s.avail_idx = 0;
	s.fails = 0;
	s.have[0] = s.have[1] = false;
	virtq__init(&s.vq, &s.fm->mem, fail_cb, &s);
	s.vq.size = 1u << ((hdr & 0xf) % 9);
	if (hdr & 0x80)
		s.vq.size += IN16(&in); /* sizes that are not powers of 2 */
	s.vq.event_idx = hdr & 0x10;
	s.vq.indirect = hdr & 0x20;
	s.vq.desc_gpa = DESC_GPA;
	s.vq.avail_gpa = AVAIL_GPA;
	s.vq.used_gpa = USED_GPA;
	if (place & 1) {
		s.vq.desc_gpa = in_gpa(&in);
		s.vq.avail_gpa = in_gpa(&in);
		s.vq.used_gpa = in_gpa(&in);
	}
	start(&s);
	while (in.n && steps++ < 4096)
		step(&s, &in);
	return 0;
}

#ifdef FUZZ_SEEDS
static void op_desc(struct seed *sd, uint16_t idx, uint64_t addr, uint32_t len,
		    uint8_t flags, uint16_t next)
{
	put(sd, OP_DESC, 1);
	put(sd, idx, 2);
	put_gpa_a(sd, addr);
	put(sd, 0, 1);
	put(sd, len, 2);
	put(sd, flags, 1);
	put(sd, next, 2);
}

static void op_table_desc(struct seed *sd, uint8_t idx, uint64_t addr,
			  uint32_t len, uint8_t flags, uint16_t next)
{
	put(sd, OP_TABLE_DESC, 1);
	put(sd, idx, 1);
	put_gpa_a(sd, addr);
	put(sd, 0, 1);
	put(sd, len, 2);
	put(sd, flags, 1);
	put(sd, next, 2);
}

static void op2(struct seed *sd, int op, uint64_t arg, unsigned int bytes)
{
	put(sd, op, 1);
	put(sd, arg, bytes);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	struct seed sd = { .n = 0 };
	int i;

	/* Direct chain, size 8, EVENT_IDX. */
	put(&sd, 3 | 0x10, 1);
	put(&sd, 0, 1);
	op_desc(&sd, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, 1);
	op_desc(&sd, 1, BUF_GPA + 0x100, 512, VRING_DESC_F_WRITE, 0);
	op2(&sd, OP_PUBLISH, 0, 2);
	op2(&sd, OP_POP, 0, 1);
	op2(&sd, OP_PUSH, 0, 1);
	put(&sd, 512, 4);
	put(&sd, OP_INTERRUPT, 1);
	put(&sd, OP_NOTIFY_ON, 1);
	seed_write(dir, "direct", &sd);

	/* Indirect table of three, size 16, INDIRECT_DESC. */
	sd.n = 0;
	put(&sd, 4 | 0x20, 1);
	put(&sd, 0, 1);
	op_table_desc(&sd, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, 1);
	op_table_desc(&sd, 1, BUF_GPA + 0x100, 100, VRING_DESC_F_NEXT, 2);
	op_table_desc(&sd, 2, BUF_GPA + 0x200, 1, VRING_DESC_F_WRITE, 0);
	op_desc(&sd, 5, TABLES_GPA, 48, VRING_DESC_F_INDIRECT, 0);
	op2(&sd, OP_PUBLISH, 5, 2);
	op2(&sd, OP_POP, 1, 1);
	op2(&sd, OP_PUSH, 1, 1);
	put(&sd, 1, 4);
	put(&sd, OP_INTERRUPT, 1);
	seed_write(dir, "indirect", &sd);

	/* Many chains, suppression fields, a reset, all features. */
	sd.n = 0;
	put(&sd, 2 | 0x30, 1);
	put(&sd, 0, 1);
	for (i = 0; i < 4; i++)
		op_desc(&sd, i, BUF_GPA + 0x40 * i, 64, VRING_DESC_F_WRITE, 0);
	for (i = 0; i < 6; i++) {
		op2(&sd, OP_PUBLISH, i % 4, 2);
		op2(&sd, OP_POP, i & 1, 1);
		op2(&sd, OP_PUSH, i & 1, 1);
		put(&sd, 64, 4);
		put(&sd, OP_EVENT, 1);
		put(&sd, i, 2);
		put(&sd, 0, 1);
		put(&sd, OP_INTERRUPT, 1);
		put(&sd, i & 1 ? OP_NOTIFY_ON : OP_NOTIFY_OFF, 1);
	}
	op2(&sd, OP_POP, 0, 1);
	put(&sd, OP_RESTART, 1);
	op2(&sd, OP_PUBLISH, 0, 2);
	op2(&sd, OP_POP, 0, 1);
	seed_write(dir, "events", &sd);
	return 0;
}
#endif
