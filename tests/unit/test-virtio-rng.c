// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "fake-mem.h"
#include "vdriver.h"
#include "kvm/virtio-rng.h"

#include <errno.h>
#include <linux/virtio_ring.h>

#define W VRING_DESC_F_WRITE
#define N VRING_DESC_F_NEXT

struct src {
	size_t per_call; /* bytes given per call at most; 0: none */
	int calls;
	uint8_t next;
};

static ssize_t fill(void *opaque, void *buf, size_t len)
{
	struct src *s = opaque;
	uint8_t *p = buf;
	size_t i;

	s->calls++;
	if (len > s->per_call)
		len = s->per_call;
	for (i = 0; i < len; i++)
		p[i] = s->next++;
	return (ssize_t)len;
}

struct rig {
	struct fake_mem fm;
	struct fdev f;
	struct vdrv d;
	struct src s;
	struct virtio_rng rng;
	struct virtq_chain c;
};

static bool rig_init(struct test_ctx *t, struct rig *r, size_t per_call)
{
	memset(r, 0, sizeof(*r));
	if (fake_mem__init(&r->fm) || fdev__init(&r->f, &r->fm, 1, 64) ||
	    vd_start(&r->d, &r->f.t, &r->fm, 1ULL << 32, 16)) {
		test__fail(t, __FILE__, __LINE__, "set-up failed");
		return false;
	}
	r->s.per_call = per_call;
	r->rng.fill = fill;
	r->rng.opaque = &r->s;
	return true;
}

static int run(struct rig *r)
{
	return virtio_mmio__process(&r->f.t, 0, &r->c, 16, virtio_rng__handle,
				    &r->rng);
}

static void fills_buffers(struct test_ctx *t)
{
	struct rig r;
	uint32_t id, len;
	uint8_t *a, *b;

	if (!rig_init(t, &r, 1 << 20))
		return;
	vd_desc(&r.d, 0, VD_BUF, 100, W | N, 1);
	vd_desc(&r.d, 1, VD_BUF + 0x1000, 50, W, 0);
	vd_publish(&r.d, 0);
	CHECK_EQ(t, run(&r), 0);
	CHECK(t, vd_get_used(&r.d, &id, &len));
	CHECK_EQ(t, id, 0);
	CHECK_EQ(t, len, 150);
	a = fake_mem__host(&r.fm, VD_BUF);
	b = fake_mem__host(&r.fm, VD_BUF + 0x1000);
	CHECK_EQ(t, a[0], 0);
	CHECK_EQ(t, a[99], 99);
	CHECK_EQ(t, b[0], 100);
	CHECK_EQ(t, b[49], 149);
	fake_mem__exit(&r.fm);
}

/* A short read gives what there is; the used length says how much. */
static void short_read(struct test_ctx *t)
{
	struct rig r;
	uint32_t id, len;

	if (!rig_init(t, &r, 30))
		return;
	vd_desc(&r.d, 0, VD_BUF, 100, W | N, 1);
	vd_desc(&r.d, 1, VD_BUF + 0x1000, 50, W, 0);
	vd_publish(&r.d, 0);
	CHECK_EQ(t, run(&r), 0);
	CHECK(t, vd_get_used(&r.d, &id, &len));
	CHECK_EQ(t, len, 30);
	CHECK_EQ(t, r.s.calls, 1);
	/* Nothing to be had: an empty answer, the queue goes on. */
	r.s.per_call = 0;
	vd_desc(&r.d, 2, VD_BUF, 64, W, 0);
	vd_publish(&r.d, 2);
	CHECK_EQ(t, run(&r), 0);
	CHECK(t, vd_get_used(&r.d, &id, &len));
	CHECK_EQ(t, id, 2);
	CHECK_EQ(t, len, 0);
	fake_mem__exit(&r.fm);
}

/* At most VIRTIO_RNG_MAX_BYTES per request, however large the buffers. */
static void capped(struct test_ctx *t)
{
	struct rig r;
	uint32_t id, len;

	if (!rig_init(t, &r, 1 << 20))
		return;
	vd_desc(&r.d, 0, VD_BUF, 0x3000, W | N, 1);
	vd_desc(&r.d, 1, VD_BUF + 0x3000, 0x3000, W, 0);
	vd_publish(&r.d, 0);
	CHECK_EQ(t, run(&r), 0);
	CHECK(t, vd_get_used(&r.d, &id, &len));
	CHECK_EQ(t, len, VIRTIO_RNG_MAX_BYTES);
	fake_mem__exit(&r.fm);
}

static void readable_buffer_fails(struct test_ctx *t)
{
	struct rig r;

	if (!rig_init(t, &r, 1 << 20))
		return;
	vd_desc(&r.d, 0, VD_BUF, 16, N, 1);
	vd_desc(&r.d, 1, VD_BUF + 0x1000, 16, W, 0);
	vd_publish(&r.d, 0);
	CHECK_EQ(t, run(&r), -EIO);
	CHECK_EQ(t, r.s.calls, 0);
	CHECK(t, vd_rd(&r.f.t, 0x70) & 0x40); /* DEVICE_NEEDS_RESET */
	fake_mem__exit(&r.fm);
}

TEST_SUITE(virtio_rng, TEST(fills_buffers), TEST(short_read), TEST(capped),
	   TEST(readable_buffer_fails));
