// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/mmio.h"

#include <errno.h>

/* What a handler saw on its last call. */
struct call {
	int calls;
	void *opaque;
	uint64_t offset;
	uint32_t len;
	bool is_write;
	uint8_t data[8];
	int ret; /* returned to the bus */
	uint8_t fill; /* written into data on reads */
};

static int rec_handler(void *opaque, uint64_t offset, uint8_t *data,
		       uint32_t len, bool is_write)
{
	struct call *c = opaque;

	c->calls++;
	c->opaque = opaque;
	c->offset = offset;
	c->len = len;
	c->is_write = is_write;
	if (is_write)
		memcpy(c->data, data, len < 8 ? len : 8);
	else
		memset(data, c->fill, len);
	return c->ret;
}

static int nop_handler(void *opaque, uint64_t offset, uint8_t *data,
		       uint32_t len, bool is_write)
{
	(void)opaque;
	(void)offset;
	(void)data;
	(void)len;
	(void)is_write;
	return 0;
}

static void dispatch_right_handler(struct test_ctx *t)
{
	struct mmio_bus bus;
	struct call a = { .fill = 0xaa }, b = { .fill = 0xbb, .ret = 7 };
	uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t rd[8];

	mmio_bus__init(&bus);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x1000, 0x100, rec_handler, &a, "a"),
		 0);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x2000, 0x10, rec_handler, &b, "b"),
		 0);
	CHECK_EQ(t, bus.nr, 2);

	/* A 4-byte write at offset 0x24 of "a". */
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x1024, data, 4, true), 0);
	CHECK_EQ(t, a.calls, 1);
	CHECK_EQ(t, b.calls, 0);
	CHECK(t, a.opaque == &a);
	CHECK_EQ(t, a.offset, 0x24);
	CHECK_EQ(t, a.len, 4);
	CHECK(t, a.is_write);
	CHECK(t, !memcmp(a.data, data, 4));

	/* An 8-byte read at the last 8 bytes of "b"; its result comes back. */
	memset(rd, 0, sizeof(rd));
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x2008, rd, 8, false), 7);
	CHECK_EQ(t, b.calls, 1);
	CHECK_EQ(t, a.calls, 1);
	CHECK(t, b.opaque == &b);
	CHECK_EQ(t, b.offset, 8);
	CHECK_EQ(t, b.len, 8);
	CHECK(t, !b.is_write);
	CHECK_EQ(t, rd[0], 0xbb);
	CHECK_EQ(t, rd[7], 0xbb);

	/* First and last byte of "a". */
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x1000, rd, 1, false), 0);
	CHECK_EQ(t, a.offset, 0);
	CHECK_EQ(t, a.len, 1);
	CHECK(t, !a.is_write);
	CHECK_EQ(t, rd[0], 0xaa);
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x10ff, rd, 1, false), 0);
	CHECK_EQ(t, a.offset, 0xff);
	CHECK_EQ(t, a.calls, 3);
}

static void find_returns_range(struct test_ctx *t)
{
	struct mmio_bus bus;
	const struct mmio_range *r;
	int x;

	mmio_bus__init(&bus);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x5000, 0x1000, nop_handler, &x,
				    "dev"),
		 0);
	r = mmio_bus__find(&bus, 0x5800, 4);
	CHECK(t, r != NULL);
	if (r) {
		CHECK_EQ(t, r->base, 0x5000);
		CHECK_EQ(t, r->size, 0x1000);
		CHECK(t, r->fn == nop_handler);
		CHECK(t, r->opaque == &x);
		CHECK_STR(t, r->name, "dev");
	}
	CHECK(t, mmio_bus__find(&bus, 0x4fff, 1) == NULL);
	CHECK(t, mmio_bus__find(&bus, 0x6000, 1) == NULL);
	CHECK(t, mmio_bus__find(&bus, 0x5000, 0) == NULL);
	CHECK(t, mmio_bus__find(&bus, UINT64_MAX, 2) == NULL);
}

static void overlap_refused(struct test_ctx *t)
{
	static const struct {
		const char *what;
		uint64_t base, size;
	} bad[] = {
		{ "exact", 0x10000, 0x1000 },
		{ "partial-left", 0xf800, 0x1000 },
		{ "partial-right", 0x10800, 0x1000 },
		{ "containing", 0xf000, 0x3000 },
		{ "contained", 0x10100, 0x10 },
		{ "first byte", 0xf000, 0x1001 },
		{ "last byte", 0x10fff, 1 },
	};
	struct mmio_bus bus;
	size_t i;

	mmio_bus__init(&bus);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x10000, 0x1000, nop_handler, NULL,
				    "dev"),
		 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = mmio_bus__register(&bus, bad[i].base, bad[i].size,
					     nop_handler, NULL, bad[i].what);

		if (ret != -EEXIST)
			test__fail(t, __FILE__, __LINE__,
				   "%s overlap: got %d, want -EEXIST",
				   bad[i].what, ret);
	}
	CHECK_EQ(t, bus.nr, 1);
}

static void adjacent_allowed(struct test_ctx *t)
{
	struct mmio_bus bus;
	struct call lo = { .fill = 1 }, mid = { .fill = 2 }, hi = { .fill = 3 };
	uint8_t v;

	mmio_bus__init(&bus);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x2000, 0x1000, rec_handler, &mid,
				    "mid"),
		 0);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x1000, 0x1000, rec_handler, &lo,
				    "lo"),
		 0);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x3000, 0x1000, rec_handler, &hi,
				    "hi"),
		 0);
	CHECK_EQ(t, bus.nr, 3);

	/* The boundary bytes go to the right neighbour. */
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x1fff, &v, 1, false), 0);
	CHECK_EQ(t, v, 1);
	CHECK_EQ(t, lo.offset, 0xfff);
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x2000, &v, 1, false), 0);
	CHECK_EQ(t, v, 2);
	CHECK_EQ(t, mid.offset, 0);
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x2fff, &v, 1, false), 0);
	CHECK_EQ(t, v, 2);
	CHECK_EQ(t, mid.offset, 0xfff);
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x3000, &v, 1, false), 0);
	CHECK_EQ(t, v, 3);
	CHECK_EQ(t, hi.offset, 0);
	CHECK_EQ(t, lo.calls, 1);
	CHECK_EQ(t, mid.calls, 2);
	CHECK_EQ(t, hi.calls, 1);
}

static void bad_ranges_refused(struct test_ctx *t)
{
	struct mmio_bus bus;

	mmio_bus__init(&bus);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x1000, 0, nop_handler, NULL, "zero"),
		 -EINVAL);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, UINT64_MAX - 0xfff, 0x2000,
				    nop_handler, NULL, "wrap"),
		 -EINVAL);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, UINT64_MAX, 2, nop_handler, NULL,
				    "wrap by one"),
		 -EINVAL);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 1, UINT64_MAX, nop_handler, NULL,
				    "huge"),
		 -EINVAL);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x1000, 0x1000, NULL, NULL,
				    "no handler"),
		 -EINVAL);
	CHECK_EQ(t, bus.nr, 0);
	/* The last byte below the wrap point is fine. */
	CHECK_EQ(t,
		 mmio_bus__register(&bus, UINT64_MAX - 0xfff, 0xfff,
				    nop_handler, NULL, "top"),
		 0);
	CHECK_EQ(t, bus.nr, 1);
}

static void table_full(struct test_ctx *t)
{
	struct mmio_bus bus;
	size_t i;

	mmio_bus__init(&bus);
	for (i = 0; i < MMIO_BUS_MAX_RANGES; i++)
		CHECK_EQ(t,
			 mmio_bus__register(&bus, 0x100000 + i * 0x1000, 0x1000,
					    nop_handler, NULL, "r"),
			 0);
	CHECK_EQ(t, bus.nr, MMIO_BUS_MAX_RANGES);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x10000000, 0x1000, nop_handler, NULL,
				    "one too many"),
		 -ENOSPC);
	CHECK_EQ(t, bus.nr, MMIO_BUS_MAX_RANGES);
	/* The last one registered is still reachable. */
	CHECK(t, mmio_bus__find(&bus,
				0x100000 + (MMIO_BUS_MAX_RANGES - 1) * 0x1000,
				4) != NULL);
}

static void unmapped_access(struct test_ctx *t)
{
	struct mmio_bus bus;
	struct call c = { .fill = 0x55 };
	uint8_t data[8];

	mmio_bus__init(&bus);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x1000, 0x1000, rec_handler, &c,
				    "dev"),
		 0);

	memset(data, 0xcc, sizeof(data));
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x5000, data, 8, false), -ENOENT);
	CHECK_EQ(t, data[0], 0);
	CHECK_EQ(t, data[7], 0);

	/* A read zero-fills only len bytes. */
	memset(data, 0xcc, sizeof(data));
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0xfff, data, 1, false), -ENOENT);
	CHECK_EQ(t, data[0], 0);
	CHECK_EQ(t, data[1], 0xcc);

	/* A write leaves the caller's buffer alone. */
	memset(data, 0xcc, sizeof(data));
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x2000, data, 4, true), -ENOENT);
	CHECK_EQ(t, data[0], 0xcc);
	CHECK_EQ(t, c.calls, 0);

	/* Empty bus. */
	mmio_bus__init(&bus);
	memset(data, 0xcc, sizeof(data));
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x1000, data, 4, false), -ENOENT);
	CHECK_EQ(t, data[3], 0);
}

static void straddling_access(struct test_ctx *t)
{
	struct mmio_bus bus;
	struct call a = { .fill = 0x11 }, b = { .fill = 0x22 };
	uint8_t data[8];

	mmio_bus__init(&bus);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x1000, 0x10, rec_handler, &a, "a"),
		 0);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x1010, 0x10, rec_handler, &b, "b"),
		 0);

	/* 4 bytes at 0x100e cross from "a" into "b". */
	memset(data, 0xcc, sizeof(data));
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x100e, data, 4, false), -ENOENT);
	CHECK_EQ(t, data[0], 0);
	CHECK_EQ(t, data[3], 0);
	/* 2 bytes at the end of "b" run off the end of the bus. */
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x101f, data, 2, true), -ENOENT);
	/* Starting just before a range. */
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0xfff, data, 2, false), -ENOENT);
	CHECK_EQ(t, a.calls, 0);
	CHECK_EQ(t, b.calls, 0);
	CHECK(t, mmio_bus__find(&bus, 0x100e, 4) == NULL);

	/* The widest access that still fits is dispatched. */
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x1018, data, 8, false), 0);
	CHECK_EQ(t, b.calls, 1);
	CHECK_EQ(t, b.offset, 8);
}

static void bad_length(struct test_ctx *t)
{
	struct mmio_bus bus;
	struct call c = { .fill = 0x77 };
	uint8_t data[16];

	mmio_bus__init(&bus);
	CHECK_EQ(t,
		 mmio_bus__register(&bus, 0x1000, 0x1000, rec_handler, &c,
				    "dev"),
		 0);
	memset(data, 0xcc, sizeof(data));
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x1000, data, 0, false), -EINVAL);
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x1000, data, 9, false), -EINVAL);
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x1000, data, 16, true), -EINVAL);
	CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x1000, data, UINT32_MAX, false),
		 -EINVAL);
	CHECK_EQ(t, c.calls, 0);
	/* A rejected read does not touch the buffer. */
	CHECK_EQ(t, data[0], 0xcc);
	CHECK_EQ(t, data[15], 0xcc);
	/* Every length from 1 to 8 is accepted. */
	for (uint32_t len = 1; len <= 8; len++) {
		CHECK_EQ(t, mmio_bus__dispatch(&bus, 0x1100, data, len, false),
			 0);
		CHECK_EQ(t, c.len, len);
	}
	CHECK_EQ(t, c.calls, 8);
}

/* A permutation of 0..n-1 with no order to it. */
static size_t scramble(size_t i, size_t n)
{
	return (i * 37 + 11) % n; /* 37 is coprime with n below */
}

static void many_out_of_order(struct test_ctx *t)
{
	enum { N = MMIO_BUS_MAX_RANGES };
	static struct call calls[N];
	struct mmio_bus bus;
	size_t i;

	_Static_assert(N % 37 != 0, "scramble() needs 37 coprime with N");
	mmio_bus__init(&bus);
	memset(calls, 0, sizeof(calls));
	for (i = 0; i < N; i++) {
		size_t k = scramble(i, N);

		calls[k].fill = (uint8_t)k;
		/* Ranges of different sizes with gaps between them. */
		CHECK_EQ(t,
			 mmio_bus__register(&bus, 0x10000000 + k * 0x10000,
					    0x100 + k * 0x10, rec_handler,
					    &calls[k], "r"),
			 0);
	}
	CHECK_EQ(t, bus.nr, N);
	/* The table is kept sorted. */
	for (i = 1; i < bus.nr; i++)
		CHECK(t, bus.ranges[i - 1].base < bus.ranges[i].base);

	for (i = 0; i < N; i++) {
		uint64_t base = 0x10000000 + i * 0x10000;
		uint64_t size = 0x100 + i * 0x10;
		uint8_t v = 0xcc;

		/* First byte, last byte, and the gap after the range. */
		CHECK_EQ(t, mmio_bus__dispatch(&bus, base, &v, 1, false), 0);
		CHECK_EQ(t, v, (uint8_t)i);
		CHECK_EQ(t, calls[i].offset, 0);
		CHECK_EQ(
			t,
			mmio_bus__dispatch(&bus, base + size - 1, &v, 1, false),
			0);
		CHECK_EQ(t, v, (uint8_t)i);
		CHECK_EQ(t, calls[i].offset, size - 1);
		CHECK_EQ(t, calls[i].calls, 2);
		CHECK_EQ(t, mmio_bus__dispatch(&bus, base + size, &v, 1, false),
			 -ENOENT);
		CHECK_EQ(t, mmio_bus__dispatch(&bus, base - 1, &v, 1, false),
			 -ENOENT);
		CHECK_EQ(t, calls[i].calls, 2);
	}
}

TEST_SUITE(mmio, TEST(dispatch_right_handler), TEST(find_returns_range),
	   TEST(overlap_refused), TEST(adjacent_allowed),
	   TEST(bad_ranges_refused), TEST(table_full), TEST(unmapped_access),
	   TEST(straddling_access), TEST(bad_length), TEST(many_out_of_order));
