// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "fake-mem.h"
#include "vdriver.h"
#include "kvm/virtio-console.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define W VRING_DESC_F_WRITE
#define N VRING_DESC_F_NEXT
#define VERSION_1 (1ULL << VIRTIO_F_VERSION_1)
#define EVENT_IDX (1ULL << VIRTIO_RING_F_EVENT_IDX)
#define F_SIZE (1ULL << VIRTIO_CONSOLE_F_SIZE)

/* The receiveq's rings are vdriver's (VD_*); the transmitq's follow. */
#define TX_DESC (FAKE_A_GPA + 0x10000)
#define TX_AVAIL (FAKE_A_GPA + 0x11000)
#define TX_USED (FAKE_A_GPA + 0x12000)
#define RX_BUF VD_BUF /* up to TX_DESC */
#define TX_BUF (FAKE_A_GPA + 0x13000) /* up to the end of region A */
#define QSIZE 16

struct rig {
	struct fake_mem fm;
	struct virtio_mmio t;
	struct virtio_mmio_dev_ops ops;
	struct virtio_console con;
	struct vdrv rx, tx;
	struct virtq_chain c;
	uint8_t out[8192]; /* what the guest sent */
	size_t out_len;
	int outputs, readies, irqs;
};

static void output(void *opaque, const void *buf, size_t len)
{
	struct rig *r = opaque;

	if (r->out_len + len <= sizeof(r->out))
		memcpy(r->out + r->out_len, buf, len);
	r->out_len += len;
	r->outputs++;
}

static void input_ready(void *opaque)
{
	struct rig *r = opaque;

	__atomic_fetch_add(&r->readies, 1, __ATOMIC_RELAXED);
}

static void irq(void *opaque)
{
	struct rig *r = opaque;

	__atomic_fetch_add(&r->irqs, 1, __ATOMIC_RELAXED);
}

static void config_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	struct rig *r = dev;

	virtio_console__config_read(&r->con, off, data, len);
}

static int driver_ok(void *dev, uint64_t features)
{
	struct rig *r = dev;

	virtio_console__start(&r->con, features);
	return 0;
}

/* A console on the transport, both queues live, driver features taken. */
static bool rig_init_rx(struct test_ctx *t, struct rig *r, bool size,
			uint64_t features, uint16_t rx_size)
{
	static const struct virtio_console_ops cops = {
		.output = output,
		.input_ready = input_ready,
	};
	uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		     VIRTIO_CONFIG_S_FEATURES_OK;

	memset(r, 0, sizeof(*r));
	r->ops = (struct virtio_mmio_dev_ops){
		.device_id = VIRTIO_ID_CONSOLE,
		.nr_queues = VIRTIO_CONSOLE_NR_QUEUES,
		.queue_num_max = VIRTIO_CONSOLE_QUEUE_SIZE,
		.config_size = VIRTIO_CONSOLE_CONFIG_SIZE,
		.config_read = config_read,
		.driver_ok = driver_ok,
	};
	if (fake_mem__init(&r->fm) ||
	    virtio_console__init(&r->con, &cops, r, size))
		goto fail;
	r->ops.features = virtio_console__device_features(&r->con);
	if (virtio_mmio__init(&r->t, &r->fm.mem, &r->ops, r, irq, r))
		goto fail;
	r->rx.t = r->tx.t = &r->t;
	r->rx.fm = r->tx.fm = &r->fm;
	if (vd_negotiate(&r->t, VERSION_1 | features) != s ||
	    vd_setup_queue(&r->rx, VIRTIO_CONSOLE_RXQ, rx_size, VD_DESC,
			   VD_AVAIL, VD_USED) ||
	    vd_setup_queue(&r->tx, VIRTIO_CONSOLE_TXQ, QSIZE, TX_DESC, TX_AVAIL,
			   TX_USED) ||
	    vd_wr(&r->t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK))
		goto fail;
	return true;
fail:
	test__fail(t, __FILE__, __LINE__, "set-up failed");
	return false;
}

static bool rig_init(struct test_ctx *t, struct rig *r, bool size,
		     uint64_t features)
{
	return rig_init_rx(t, r, size, features, QSIZE);
}

static void rig_exit(struct rig *r)
{
	virtio_mmio__exit(&r->t);
	virtio_console__exit(&r->con);
	fake_mem__exit(&r->fm);
}

static int transmit(struct rig *r)
{
	return virtio_mmio__process(&r->t, VIRTIO_CONSOLE_TXQ, &r->c, 16,
				    virtio_console__transmit, &r->con);
}

static int deliver(struct rig *r)
{
	return virtio_console__deliver(&r->con, &r->t, &r->c);
}

static bool needs_reset(struct rig *r)
{
	return vd_rd(&r->t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

static void put(struct rig *r, uint64_t gpa, const char *s)
{
	memcpy(fake_mem__host(&r->fm, gpa), s, strlen(s));
}

/* A chain of three readable buffers, then a single one: in order. */
static void transmit_chained(struct test_ctx *t)
{
	struct rig r;
	uint32_t id, len;

	if (!rig_init(t, &r, false, 0))
		return;
	put(&r, TX_BUF, "hello, ");
	put(&r, TX_BUF + 0x100, "virtio ");
	put(&r, TX_BUF + 0x200, "console\n");
	put(&r, TX_BUF + 0x300, "again\n");
	vd_desc(&r.tx, 0, TX_BUF, 7, N, 1);
	vd_desc(&r.tx, 1, TX_BUF + 0x100, 7, N, 2);
	vd_desc(&r.tx, 2, TX_BUF + 0x200, 8, 0, 0);
	vd_desc(&r.tx, 3, TX_BUF + 0x300, 6, 0, 0);
	vd_publish(&r.tx, 0);
	vd_publish(&r.tx, 3);
	CHECK_EQ(t, transmit(&r), 0);
	CHECK_EQ(t, r.out_len, 28);
	CHECK(t, !memcmp(r.out, "hello, virtio console\nagain\n", 28));
	CHECK_EQ(t, r.outputs, 4);
	CHECK(t, vd_get_used(&r.tx, &id, &len));
	CHECK_EQ(t, id, 0);
	CHECK_EQ(t, len, 0); /* nothing written into the guest's buffers */
	CHECK(t, vd_get_used(&r.tx, &id, &len));
	CHECK_EQ(t, id, 3);
	CHECK_EQ(t, r.con.tx_bytes, 28);
	CHECK(t, r.irqs > 0);
	CHECK(t, !needs_reset(&r));
	rig_exit(&r);
}

/* The transmitq takes device-readable buffers only. */
static void transmit_writable_fails(struct test_ctx *t)
{
	struct rig r;

	if (!rig_init(t, &r, false, 0))
		return;
	vd_desc(&r.tx, 0, TX_BUF, 8, N, 1);
	vd_desc(&r.tx, 1, TX_BUF + 0x100, 8, W, 0);
	vd_publish(&r.tx, 0);
	CHECK_EQ(t, transmit(&r), -EIO);
	CHECK_EQ(t, r.outputs, 0);
	CHECK(t, needs_reset(&r));
	rig_exit(&r);
}

/* A buffer past the end of RAM: the queue stops, nothing is output. */
static void transmit_bad_descriptor(struct test_ctx *t)
{
	struct rig r;

	if (!rig_init(t, &r, false, 0))
		return;
	vd_desc(&r.tx, 0, FAKE_END - 4, 8, 0, 0);
	vd_publish(&r.tx, 0);
	CHECK_EQ(t, transmit(&r), -EIO);
	CHECK_EQ(t, r.outputs, 0);
	CHECK(t, needs_reset(&r));
	/* The driver resets and starts again: the device works. */
	vd_wr(&r.t, VIRTIO_MMIO_STATUS, 0);
	CHECK(t, !needs_reset(&r));
	rig_exit(&r);
	if (!rig_init(t, &r, false, 0))
		return;
	put(&r, TX_BUF, "ok");
	vd_desc(&r.tx, 0, TX_BUF, 2, 0, 0);
	vd_publish(&r.tx, 0);
	CHECK_EQ(t, transmit(&r), 0);
	CHECK_EQ(t, r.out_len, 2);
	rig_exit(&r);
}

/* Input spread over small buffers, and a chain of two. */
static void receive_small_buffers(struct test_ctx *t)
{
	static const char msg[] = "hello world, typed";
	struct rig r;
	uint32_t id, len;
	uint8_t *b = NULL;
	int i;

	if (!rig_init(t, &r, false, 0))
		return;
	CHECK_EQ(t, virtio_console__receive(&r.con, (const uint8_t *)msg, 18),
		 18);
	CHECK_EQ(t, r.readies, 1);
	CHECK_EQ(t, virtio_console__pending(&r.con), 18);
	for (i = 0; i < 3; i++) {
		vd_desc(&r.rx, i, RX_BUF + 0x100 * i, 4, W, 0);
		vd_publish(&r.rx, i);
	}
	vd_desc(&r.rx, 3, RX_BUF + 0x300, 2, W | N, 4);
	vd_desc(&r.rx, 4, RX_BUF + 0x400, 3, W, 0);
	vd_publish(&r.rx, 3);
	vd_desc(&r.rx, 5, RX_BUF + 0x500, 64, W, 0);
	vd_publish(&r.rx, 5);
	vd_desc(&r.rx, 6, RX_BUF + 0x600, 64, W, 0);
	vd_publish(&r.rx, 6);
	CHECK_EQ(t, deliver(&r), 0);
	for (i = 0; i < 3; i++) {
		CHECK(t, vd_get_used(&r.rx, &id, &len));
		CHECK_EQ(t, id, i);
		CHECK_EQ(t, len, 4);
		b = fake_mem__host(&r.fm, RX_BUF + 0x100 * i);
		CHECK(t, !memcmp(b, msg + 4 * i, 4));
	}
	CHECK(t, vd_get_used(&r.rx, &id, &len));
	CHECK_EQ(t, id, 3);
	CHECK_EQ(t, len, 5);
	CHECK(t, !memcmp(fake_mem__host(&r.fm, RX_BUF + 0x300), " t", 2));
	CHECK(t, !memcmp(fake_mem__host(&r.fm, RX_BUF + 0x400), "ype", 3));
	CHECK(t, vd_get_used(&r.rx, &id, &len));
	CHECK_EQ(t, id, 5);
	CHECK_EQ(t, len, 1);
	CHECK_EQ(t, *(uint8_t *)fake_mem__host(&r.fm, RX_BUF + 0x500), 'd');
	/* The last buffer stays with the device until more input comes. */
	CHECK(t, !vd_get_used(&r.rx, &id, &len));
	CHECK_EQ(t, virtio_console__pending(&r.con), 0);
	CHECK_EQ(t, r.con.rx_bytes, 18);
	CHECK_EQ(t, virtio_console__receive(&r.con, (const uint8_t *)"z", 1),
		 1);
	CHECK_EQ(t, deliver(&r), 0);
	CHECK(t, vd_get_used(&r.rx, &id, &len));
	CHECK_EQ(t, id, 6);
	CHECK_EQ(t, len, 1);
	CHECK(t, !needs_reset(&r));
	rig_exit(&r);
}

/* No receive buffers: the input waits, and the driver is asked to notify. */
static void receive_no_buffers(struct test_ctx *t)
{
	struct rig r;
	uint32_t id, len;

	if (!rig_init(t, &r, false, EVENT_IDX))
		return;
	CHECK_EQ(t, virtio_console__receive(&r.con, (const uint8_t *)"ab", 2),
		 2);
	CHECK_EQ(t, deliver(&r), -EAGAIN);
	CHECK_EQ(t, virtio_console__pending(&r.con), 2);
	CHECK_EQ(t, vd_avail_event(&r.rx), 0); /* the next buffer, index 0 */
	vd_desc(&r.rx, 0, RX_BUF, 1, W, 0);
	vd_publish(&r.rx, 0);
	CHECK_EQ(t, deliver(&r), -EAGAIN); /* one byte fitted */
	CHECK_EQ(t, vd_avail_event(&r.rx), 1);
	CHECK(t, vd_get_used(&r.rx, &id, &len));
	CHECK_EQ(t, len, 1);
	vd_desc(&r.rx, 1, RX_BUF + 0x100, 1, W, 0);
	vd_publish(&r.rx, 1);
	CHECK_EQ(t, deliver(&r), 0);
	CHECK(t, vd_get_used(&r.rx, &id, &len));
	CHECK_EQ(t, id, 1);
	CHECK_EQ(t, *(uint8_t *)fake_mem__host(&r.fm, RX_BUF + 0x100), 'b');
	/* Nothing pending: the queue is left alone. */
	CHECK_EQ(t, deliver(&r), 0);
	rig_exit(&r);
}

/* The receiveq takes device-writable buffers only. */
static void receive_readable_fails(struct test_ctx *t)
{
	struct rig r;

	if (!rig_init(t, &r, false, 0))
		return;
	virtio_console__receive(&r.con, (const uint8_t *)"x", 1);
	vd_desc(&r.rx, 0, RX_BUF, 4, N, 1);
	vd_desc(&r.rx, 1, RX_BUF + 0x100, 4, W, 0);
	vd_publish(&r.rx, 0);
	CHECK_EQ(t, deliver(&r), -EIO);
	CHECK(t, needs_reset(&r));
	/* The input is still there for the device after the reset. */
	CHECK_EQ(t, virtio_console__pending(&r.con), 1);
	rig_exit(&r);
}

/* A descriptor loop and a bad next index in the receiveq. */
static void receive_bad_descriptors(struct test_ctx *t)
{
	struct rig r;

	if (!rig_init(t, &r, false, 0))
		return;
	virtio_console__receive(&r.con, (const uint8_t *)"x", 1);
	vd_desc(&r.rx, 0, RX_BUF, 4, W | N, 1);
	vd_desc(&r.rx, 1, RX_BUF + 0x100, 4, W | N, 0);
	vd_publish(&r.rx, 0);
	CHECK_EQ(t, deliver(&r), -EIO);
	CHECK(t, needs_reset(&r));
	rig_exit(&r);
	if (!rig_init(t, &r, false, 0))
		return;
	virtio_console__receive(&r.con, (const uint8_t *)"x", 1);
	vd_desc(&r.rx, 0, RX_BUF, 4, W | N, QSIZE + 3);
	vd_publish(&r.rx, 0);
	CHECK_EQ(t, deliver(&r), -EIO);
	CHECK(t, needs_reset(&r));
	/* Not live at all. */
	rig_exit(&r);
	if (!rig_init(t, &r, false, 0))
		return;
	vd_wr(&r.t, VIRTIO_MMIO_STATUS, 0);
	virtio_console__receive(&r.con, (const uint8_t *)"x", 1);
	CHECK_EQ(t, deliver(&r), -EIO);
	rig_exit(&r);
}

/* The input buffer: takes what fits, then waits; wraps around its end. */
static void input_buffer(struct test_ctx *t)
{
	static uint8_t big[VIRTIO_CONSOLE_INPUT_SIZE + 100];
	struct rig r;
	uint32_t id, len;
	size_t i;
	uint8_t *b;

	if (!rig_init(t, &r, false, 0))
		return;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	CHECK_EQ(t, virtio_console__receive(&r.con, big, sizeof(big)),
		 VIRTIO_CONSOLE_INPUT_SIZE);
	CHECK_EQ(t, virtio_console__receive(&r.con, big, 1), 0);
	CHECK_EQ(t, virtio_console__wait_room(&r.con, 1), 0);
	CHECK_EQ(t, r.readies, 1); /* only when something was taken */
	/* 1000 bytes out, 100 more in: the buffer wraps. */
	vd_desc(&r.rx, 0, RX_BUF, 1000, W, 0);
	vd_publish(&r.rx, 0);
	CHECK_EQ(t, deliver(&r), -EAGAIN);
	CHECK_EQ(t, virtio_console__wait_room(&r.con, 1), 1000);
	CHECK_EQ(t, virtio_console__receive(&r.con, big + 1024, 100), 100);
	vd_desc(&r.rx, 1, RX_BUF + 0x1000, 200, W, 0);
	vd_publish(&r.rx, 1);
	CHECK_EQ(t, deliver(&r), 0);
	CHECK(t, vd_get_used(&r.rx, &id, &len));
	CHECK_EQ(t, len, 1000);
	CHECK(t, !memcmp(fake_mem__host(&r.fm, RX_BUF), big, 1000));
	CHECK(t, vd_get_used(&r.rx, &id, &len));
	CHECK_EQ(t, len, 124);
	b = fake_mem__host(&r.fm, RX_BUF + 0x1000);
	CHECK(t, !memcmp(b, big + 1000, 124));
	rig_exit(&r);
}

/* A reboot drops what waits; an empty buffer popped meanwhile says 0. */
static void drop_input(struct test_ctx *t)
{
	struct rig r;

	if (!rig_init(t, &r, false, 0))
		return;
	virtio_console__receive(&r.con, (const uint8_t *)"old keys", 8);
	virtio_console__drop_input(&r.con);
	CHECK_EQ(t, virtio_console__pending(&r.con), 0);
	CHECK_EQ(t, virtio_console__wait_room(&r.con, 0),
		 VIRTIO_CONSOLE_INPUT_SIZE);
	vd_desc(&r.rx, 0, RX_BUF, 16, W, 0);
	vd_publish(&r.rx, 0);
	CHECK_EQ(t, deliver(&r), 0);
	CHECK_EQ(t, vd_used_idx(&r.rx), 0);
	rig_exit(&r);
}

/* At most VIRTIO_CONSOLE_RX_BUDGET chains per call. */
static void receive_budget(struct test_ctx *t)
{
	static uint8_t keys[VIRTIO_CONSOLE_RX_BUDGET + 6];
	struct rig r;
	uint16_t i;

	if (!rig_init_rx(t, &r, false, 0, VIRTIO_CONSOLE_QUEUE_SIZE))
		return;
	memset(keys, 'k', sizeof(keys));
	CHECK_EQ(t, virtio_console__receive(&r.con, keys, sizeof(keys)),
		 sizeof(keys));
	for (i = 0; i < VIRTIO_CONSOLE_QUEUE_SIZE; i++) {
		vd_desc(&r.rx, i, RX_BUF + 0x10 * i, 1, W, 0);
		vd_publish(&r.rx, i);
	}
	CHECK_EQ(t, deliver(&r), 1);
	CHECK_EQ(t, vd_used_idx(&r.rx), VIRTIO_CONSOLE_RX_BUDGET);
	CHECK_EQ(t, virtio_console__pending(&r.con), 6);
	/* The queue's 64 are used up; the rest waits for the driver. */
	CHECK_EQ(t, deliver(&r), -EAGAIN);
	CHECK_EQ(t, virtio_console__pending(&r.con), 6);
	rig_exit(&r);
}

/* VIRTIO_CONSOLE_F_SIZE: offered with a known size; the config says it. */
static void config_size(struct test_ctx *t)
{
	struct rig r;
	uint32_t v;

	if (!rig_init(t, &r, true, F_SIZE))
		return;
	CHECK(t, virtio_console__device_features(&r.con) & F_SIZE);
	CHECK(t, r.con.features & F_SIZE);
	virtio_console__set_size(&r.con, 132, 43);
	CHECK_EQ(t, vd_rd(&r.t, VIRTIO_MMIO_CONFIG), 132 | (43 << 16));
	v = 0;
	virtio_mmio__access(&r.t, VIRTIO_MMIO_CONFIG + 2, (uint8_t *)&v, 2,
			    false);
	CHECK_EQ(t, le16toh((uint16_t)v), 43);
	CHECK_EQ(t, vd_rd(&r.t, VIRTIO_MMIO_CONFIG + 4), 1);
	CHECK_EQ(t, vd_rd(&r.t, VIRTIO_MMIO_CONFIG + 8), 0);
	/* Past the 12 bytes: nothing. */
	v = 0xdeadbeef;
	CHECK(t, virtio_mmio__access(&r.t, VIRTIO_MMIO_CONFIG + 12,
				     (uint8_t *)&v, 4, false) != 0);
	/* Read-only. */
	CHECK(t, vd_wr(&r.t, VIRTIO_MMIO_CONFIG, 1) != 0);
	CHECK_EQ(t, vd_rd(&r.t, VIRTIO_MMIO_CONFIG), 132 | (43 << 16));
	rig_exit(&r);

	/* Not offered: no feature, and the size reads 0. */
	if (!rig_init(t, &r, false, 0))
		return;
	CHECK_EQ(t, virtio_console__device_features(&r.con), 0);
	virtio_console__set_size(&r.con, 132, 43);
	CHECK_EQ(t, vd_rd(&r.t, VIRTIO_MMIO_CONFIG), 0);
	/* Never MULTIPORT nor EMERG_WRITE. */
	vd_wr(&r.t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK_EQ(t, vd_rd(&r.t, VIRTIO_MMIO_DEVICE_FEATURES) & 7, 0);
	rig_exit(&r);
}

struct feeder {
	struct virtio_console *con;
	size_t n;
	bool stop; /* atomic: the worker gave up */
};

static time_t mono_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* An input thread typing n bytes, waiting for room as term.c does. */
static void *feed(void *arg)
{
	struct feeder *f = arg;
	uint8_t buf[97];
	size_t sent = 0, i, k;

	while (sent < f->n) {
		k = f->n - sent < sizeof(buf) ? f->n - sent : sizeof(buf);
		for (i = 0; i < k; i++)
			buf[i] = (uint8_t)((sent + i) % 251);
		for (i = 0; i < k;) {
			if (__atomic_load_n(&f->stop, __ATOMIC_RELAXED))
				return NULL;
			i += virtio_console__receive(f->con, buf + i, k - i);
			if (i < k)
				virtio_console__wait_room(f->con, 10);
		}
		sent += k;
	}
	return NULL;
}

/* Input thread and worker at once: every byte arrives, in order. */
static void threaded_input(struct test_ctx *t)
{
	struct feeder f = { .n = 50000 };
	struct rig r;
	pthread_t th;
	uint32_t id, len, got = 0, j;
	uint16_t i;
	uint8_t *b;
	bool bad = false;
	time_t end;

	if (!rig_init(t, &r, false, 0))
		return;
	f.con = &r.con;
	for (i = 0; i < QSIZE; i++) {
		vd_desc(&r.rx, i, RX_BUF + 0x100 * i, 0x100, W, 0);
		vd_publish(&r.rx, i);
	}
	if (pthread_create(&th, NULL, feed, &f)) {
		test__fail(t, __FILE__, __LINE__, "pthread_create");
		rig_exit(&r);
		return;
	}
	/* A generous limit: a broken device fails here instead of hanging. */
	end = mono_sec() + 60;
	while (got < f.n && mono_sec() < end) {
		deliver(&r);
		while (vd_get_used(&r.rx, &id, &len)) {
			b = fake_mem__host(&r.fm, RX_BUF + 0x100 * id);
			for (j = 0; j < len; j++)
				bad |= b[j] != (got + j) % 251;
			got += len;
			vd_publish(&r.rx, (uint16_t)id);
		}
	}
	__atomic_store_n(&f.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	CHECK_EQ(t, got, f.n);
	CHECK(t, !bad);
	rig_exit(&r);
}

TEST_SUITE(virtio_console, TEST(transmit_chained),
	   TEST(transmit_writable_fails), TEST(transmit_bad_descriptor),
	   TEST(receive_small_buffers), TEST(receive_no_buffers),
	   TEST(receive_readable_fails), TEST(receive_bad_descriptors),
	   TEST(input_buffer), TEST(drop_input), TEST(receive_budget),
	   TEST(config_size), TEST(threaded_input));
