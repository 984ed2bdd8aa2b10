// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the virtio-console device, through the real transport
 * and virtqueues, driven as arm/virtio-console.c drives it. The input
 * picks the features offered and taken (F_SIZE, EVENT_IDX, INDIRECT_DESC),
 * then a list of steps: host input of any length, receive chains and
 * transmit chains of any shape (readable or writable buffers, anywhere,
 * overlapping), deliver, transmit, a terminal size, config reads at any
 * offset and length, a device reset, dropped input. Checked against a
 * model of the host input: what the guest gets is the input in order,
 * nothing lost or twice (pending + delivered + dropped == received); the
 * output is the transmit chains' bytes in order; no chain of the wrong
 * direction is used; used lengths fit the chains; nothing is read or
 * written outside guest RAM (fake RAM's guard pages).
 */
#include "fuzz-queue.h"

#include "kvm/virtio-console.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>

#define BIT64(n) (1ULL << (n))
#define IN_SIZE VIRTIO_CONSOLE_INPUT_SIZE
#define OUT_MAX (FAKE_A_SIZE + FAKE_B_SIZE)
#define STATUS_FEATURES_OK                                      \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | \
	 VIRTIO_CONFIG_S_FEATURES_OK)

static struct state {
	struct virtio_mmio t;
	struct virtio_mmio_dev_ops ops;
	struct virtio_console con;
	struct fq_room room;
	struct fq rx, tx;
	struct virtq_chain c;
	bool size_offered;
	uint16_t cols, rows;
	unsigned int readies;
	/* The model: host input taken and not yet delivered, in order. */
	uint8_t want[IN_SIZE];
	size_t want_head, want_n;
	uint64_t received, delivered, dropped;
	/* The guest's output in one transmit. */
	uint8_t out[OUT_MAX];
	size_t out_len;
} S;

static void output(void *opaque, const void *buf, size_t len)
{
	struct fake_mem *fm = opaque;

	FUZZ_ASSERT(fake_mem__contains(fm, buf, len));
	if (S.out_len + len <= sizeof(S.out))
		memcpy(S.out + S.out_len, buf, len);
	S.out_len += len;
}

static void input_ready(void *opaque)
{
	(void)opaque;
	S.readies++;
}

static void cfg_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	virtio_console__config_read(dev, off, data, len);
}

static int drv_ok(void *dev, uint64_t features)
{
	virtio_console__start(dev, features);
	return 0;
}

static void apply_size(void *dev, void *arg)
{
	const uint16_t *size = arg;

	virtio_console__set_size(dev, size[0], size[1]);
}

/* Byte k of the host's input stream, when the input does not give it. */
static uint8_t stream_byte(uint64_t k)
{
	return (uint8_t)(k ^ (k >> 8) * 7);
}

/* The driver (again): features, both queues, DRIVER_OK. */
static void driver_start(uint8_t take)
{
	uint64_t f = BIT64(VIRTIO_F_VERSION_1);

	if ((take & 1) && S.size_offered)
		f |= BIT64(VIRTIO_CONSOLE_F_SIZE);
	if (take & 2)
		f |= BIT64(VIRTIO_RING_F_EVENT_IDX);
	if (take & 4)
		f |= BIT64(VIRTIO_RING_F_INDIRECT_DESC);
	if (vd_negotiate(&S.t, f) != STATUS_FEATURES_OK || fq_setup(&S.rx) ||
	    fq_setup(&S.tx) ||
	    vd_wr(&S.t, VIRTIO_MMIO_STATUS,
		  STATUS_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK))
		abort();
	FUZZ_ASSERT(S.con.features == f);
}

/* Host input: len bytes, from the input (op & 0x20) or the stream. */
static void host_input(struct input *in, uint8_t op)
{
	static uint8_t buf[2 * IN_SIZE + 1];
	size_t len = op & 0x40 ? IN16(in) % sizeof(buf) : IN8(in);
	size_t room = IN_SIZE - S.want_n, i, n;
	unsigned int readies = S.readies;

	for (i = 0; i < len; i++)
		buf[i] = stream_byte(S.received + i);
	if (op & 0x20)
		in_copy(in, buf, len);
	n = virtio_console__receive(&S.con, buf, len);
	FUZZ_ASSERT(n == (len < room ? len : room));
	FUZZ_ASSERT(S.readies == readies + (n > 0));
	for (i = 0; i < n; i++)
		S.want[(S.want_head + S.want_n + i) % IN_SIZE] = buf[i];
	S.want_n += n;
	S.received += n;
}

/* The model's next len bytes equal the guest buffer's? */
static bool want_at(size_t off, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (off + i >= S.want_n ||
		    S.want[(S.want_head + off + i) % IN_SIZE] != p[i])
			return false;
	return true;
}

/* The receive chains the device used: the input, in order. */
static void check_rx(size_t taken)
{
	static uint8_t got[FQ_MAX_BUFS * FAKE_B_SIZE];
	size_t total = 0;
	uint32_t id, len;

	while (fq_used(&S.rx, &id, &len)) {
		const struct fq_chain *p = &S.rx.p[id % FQ_SIZE];

		if (!S.room.wild)
			FUZZ_ASSERT(fq_size(p, false, false) == 0);
		if (!S.room.unsure) {
			fq_read(S.room.fm, p, 0, got, len);
			FUZZ_ASSERT(want_at(total, got, len));
		}
		total += len;
	}
	if (!S.room.wild)
		FUZZ_ASSERT(total == taken);
	S.want_head = (S.want_head + taken) % IN_SIZE;
	S.want_n -= taken;
	S.delivered += taken;
}

/* The worker: waiting input into receive buffers. */
static void deliver(void)
{
	size_t before = virtio_console__pending(&S.con), after;
	uint64_t rx_bytes = S.con.rx_bytes;
	int ret = virtio_console__deliver(&S.con, &S.t, &S.c);

	after = virtio_console__pending(&S.con);
	FUZZ_ASSERT(ret == 0 || ret == 1 || ret == -EAGAIN || ret == -EIO);
	FUZZ_ASSERT(after <= before);
	FUZZ_ASSERT(ret != 0 || after == 0);
	FUZZ_ASSERT((ret != 1 && ret != -EAGAIN) || after > 0);
	FUZZ_ASSERT(S.con.rx_bytes - rx_bytes == before - after);
	check_rx(before - after);
}

/* A used transmit chain: its readable bytes are the output at *off. */
static void check_tx_chain(const struct fq_chain *p, size_t *off)
{
	struct fake_mem *fm = S.room.fm;
	unsigned int i;

	if (!S.room.wild)
		FUZZ_ASSERT(fq_size(p, true, false) == 0);
	for (i = 0; i < p->n; i++) {
		if (!S.room.unsure && *off + p->b[i].len <= S.out_len)
			FUZZ_ASSERT(!memcmp(S.out + *off,
					    fake_mem__host(fm, p->b[i].gpa),
					    p->b[i].len));
		*off += p->b[i].len;
	}
}

/* The transmitq after a notification, as the I/O thread serves it. */
static void transmit(unsigned int budget)
{
	unsigned int used = 0;
	size_t off = 0;
	uint32_t id, len;
	int ret;

	S.out_len = 0;
	ret = virtio_mmio__process(&S.t, VIRTIO_CONSOLE_TXQ, &S.c, budget,
				   virtio_console__transmit, &S.con);
	FUZZ_ASSERT(ret == 0 || ret == 1 || ret == -EIO);
	while (fq_used(&S.tx, &id, &len)) {
		used++;
		if (!S.room.wild)
			FUZZ_ASSERT(len == 0);
		check_tx_chain(&S.tx.p[id % FQ_SIZE], &off);
	}
	if (!S.room.wild) {
		FUZZ_ASSERT(used <= budget);
		FUZZ_ASSERT(off == S.out_len);
	}
}

/* The config space as the driver should see it. */
static void config_want(uint8_t *cfg)
{
	uint16_t cols = htole16(S.size_offered ? S.cols : 0);
	uint16_t rows = htole16(S.size_offered ? S.rows : 0);
	uint32_t ports = htole32(1);

	memset(cfg, 0, VIRTIO_CONSOLE_CONFIG_SIZE);
	memcpy(cfg, &cols, 2);
	memcpy(cfg + 2, &rows, 2);
	memcpy(cfg + 4, &ports, 4);
}

/* A config read through the transport, and one straight to the device. */
static void config_read(struct input *in, uint8_t op)
{
	uint8_t want[VIRTIO_CONSOLE_CONFIG_SIZE], got[8];
	uint8_t direct[VIRTIO_CONSOLE_CONFIG_SIZE], fill[sizeof(direct)];
	uint32_t off = IN8(in) % 24, len = IN8(in) % (sizeof(got) + 1);
	bool ok = (len == 1 || len == 2 || len == 4) && off % len == 0 &&
		  off + len <= VIRTIO_CONSOLE_CONFIG_SIZE;
	static const uint8_t zero[8];
	int ret;

	config_want(want);
	if (!(op & 0x10)) {
		ret = virtio_mmio__access(&S.t, VIRTIO_MMIO_CONFIG + off, got,
					  len, false);
		FUZZ_ASSERT(ok ? !ret : ret == -EINVAL);
		FUZZ_ASSERT(!memcmp(got, ok ? want + off : zero, len));
		return;
	}
	/* Any offset and length: the device reads inside its config. */
	off = IN32(in);
	len %= sizeof(direct) + 1;
	memset(fill, 0xa5, sizeof(fill));
	memcpy(direct, fill, sizeof(direct));
	virtio_console__config_read(&S.con, off, direct, len);
	if (off < sizeof(direct) && len <= sizeof(direct) - off)
		FUZZ_ASSERT(!memcmp(direct, want + off, len));
	else /* untouched */
		FUZZ_ASSERT(!memcmp(direct, fill, sizeof(direct)));
}

static void step(struct input *in, uint8_t op)
{
	uint16_t size[2];

	switch (op & 15) {
	case 0:
		host_input(in, op);
		if (op & 0x80)
			deliver(); /* input_ready woke the I/O thread */
		break;
	case 1:
		fq_post(&S.rx, in, IN8(in));
		if (op & 0x80)
			deliver(); /* the driver notified the receiveq */
		break;
	case 2:
		fq_post(&S.tx, in, IN8(in));
		if (op & 0x80)
			transmit(1 + (op >> 4) % 8);
		break;
	case 3:
		size[0] = IN16(in);
		size[1] = IN16(in);
		virtio_mmio__update_config(&S.t, apply_size, size);
		S.cols = size[0];
		S.rows = size[1];
		break;
	case 4:
		config_read(in, op);
		break;
	case 5:
		/* A reboot in place drops the input, then the reset. */
		if (op & 0x20) {
			virtio_console__drop_input(&S.con);
			S.dropped += S.want_n;
			S.want_n = 0;
		}
		vd_wr(&S.t, VIRTIO_MMIO_STATUS, 0);
		if (op & 0x10)
			driver_start(IN8(in));
		break;
	case 6:
		virtio_console__drop_input(&S.con);
		S.dropped += S.want_n;
		S.want_n = 0;
		break;
	case 7:
	case 8:
	case 9:
	case 10:
		deliver();
		break;
	default:
		transmit(1 + (op >> 4) % 16);
		break;
	}
	FUZZ_ASSERT(virtio_console__pending(&S.con) == S.want_n);
	FUZZ_ASSERT(S.received == S.delivered + S.dropped + S.want_n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct virtio_console_ops cops = {
		.output = output,
		.input_ready = input_ready,
	};
	struct fake_mem *fm = fuzz_mem();
	struct input in = { data, size };
	uint8_t cfg = IN8(&in);
	unsigned int steps = 0;

	memset(&S, 0, sizeof(S));
	S.size_offered = cfg & 8;
	if (virtio_console__init(&S.con, &cops, fm, S.size_offered))
		abort();
	S.ops = (struct virtio_mmio_dev_ops){
		.device_id = VIRTIO_ID_CONSOLE,
		.features = virtio_console__device_features(&S.con),
		.nr_queues = VIRTIO_CONSOLE_NR_QUEUES,
		.queue_num_max = VIRTIO_CONSOLE_QUEUE_SIZE,
		.config_size = VIRTIO_CONSOLE_CONFIG_SIZE,
		.config_read = cfg_read,
		.driver_ok = drv_ok,
	};
	if (virtio_mmio__init(&S.t, &fm->mem, &S.ops, &S.con, fq_noirq, NULL))
		abort();
	fq_room_init(&S.room, fm);
	fq_init(&S.rx, &S.room, &S.t, VIRTIO_CONSOLE_RXQ, true);
	fq_init(&S.tx, &S.room, &S.t, VIRTIO_CONSOLE_TXQ, false);
	if (cfg & 0x10) {
		S.cols = 80;
		S.rows = 24;
		virtio_console__set_size(&S.con, S.cols, S.rows);
	}
	driver_start(cfg);

	while (in.n && steps++ < 96)
		step(&in, IN8(&in));
	virtio_mmio__exit(&S.t);
	virtio_console__exit(&S.con);
	return 0;
}

#ifdef FUZZ_SEEDS
/* A chain of bufs buffers of len bytes each, in region A. */
static void chain(struct seed *sd, unsigned int op, unsigned int shape,
		  unsigned int bufs, uint8_t sel, unsigned int len,
		  const char *text)
{
	unsigned int i, j;

	put(sd, op, 1);
	put(sd, shape | (bufs - 1), 1);
	for (i = 0; i < bufs; i++) {
		put(sd, sel | (len > 255 ? 0x40 : 0), 1);
		put(sd, len, len > 255 ? 2 : 1);
		for (j = 0; text && j < len; j++)
			put(sd, *text ? *text++ : 0, 1);
	}
}

static void input(struct seed *sd, unsigned int op, unsigned int len,
		  const char *text)
{
	put(sd, op | (len > 255 ? 0x40 : 0) | (text ? 0x20 : 0), 1);
	put(sd, len, len > 255 ? 2 : 1);
	while (text && *text)
		put(sd, *text++, 1);
}

/* A new seed: the features byte, then the host types keys. */
static void begin(struct seed *sd, uint8_t cfg, const char *keys)
{
	sd->n = 0;
	put(sd, cfg, 1);
	input(sd, 0, strlen(keys), keys);
}

/* A config read; direct: straight to the device at offset direct - 1. */
static void cfg_rd(struct seed *sd, unsigned int off, unsigned int len,
		   uint64_t direct)
{
	put(sd, direct ? 0x14 : 4, 1);
	put(sd, off, 1);
	put(sd, len, 1);
	if (direct)
		put(sd, direct - 1, 4);
}

/* A reset (dropping the input first if drop); the driver starts again
 * and takes the features in take. */
static void reset(struct seed *sd, bool drop, uint8_t take)
{
	put(sd, 5 | 0x10 | (drop ? 0x20 : 0), 1);
	put(sd, take, 1);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	struct seed sd = { .n = 0 };
	int i;

	/* Size offered and taken, EVENT_IDX: keys in, a line out. */
	begin(&sd, 1 | 2 | 8 | 0x10, "hello");
	chain(&sd, 1, 0, 1, 0, 64, NULL);
	chain(&sd, 0x81, 0, 2, 0, 3, NULL);
	chain(&sd, 0x82, 0, 2, 0, 6, "hello world\n");
	put(&sd, 3, 1);
	put(&sd, 132, 2);
	put(&sd, 43, 2);
	for (i = 0; i < 3; i++)
		cfg_rd(&sd, 2 * i, 2, 0);
	cfg_rd(&sd, 4, 4, 0);
	cfg_rd(&sd, 3, 2, 0);
	seed_write(dir, "echo", &sd);

	/* A paste larger than the input buffer, wrapping round it. */
	sd.n = 0;
	put(&sd, 2, 1);
	input(&sd, 0, 1500, NULL);
	for (i = 0; i < 6; i++)
		chain(&sd, 1, 0, 4, 0, 40, NULL);
	put(&sd, 7, 1);
	input(&sd, 0x80, 1000, NULL);
	for (i = 0; i < 4; i++)
		chain(&sd, 1, 0, 1, 1, 600, NULL);
	put(&sd, 7, 1);
	chain(&sd, 0x81, 0, 1, 1, 2000, NULL);
	seed_write(dir, "paste", &sd);

	/* Indirect chains both ways. */
	begin(&sd, 4, "indirect receive ok\n");
	chain(&sd, 0x81, 0x80, 3, 0, 8, NULL);
	chain(&sd, 0x92, 0x80, 2, 1, 9, "indirect transmit\n");
	seed_write(dir, "indirect", &sd);

	/* Input across a reset, then dropped; output after the reset. */
	begin(&sd, 8, "0123456789");
	chain(&sd, 0x81, 0, 1, 0, 4, NULL);
	reset(&sd, false, 1);
	chain(&sd, 0x81, 0, 1, 0, 4, NULL);
	reset(&sd, true, 2);
	input(&sd, 0x80, 3, "abc");
	chain(&sd, 2, 0, 1, 0, 4, "out\n");
	put(&sd, 11, 1); /* transmit */
	put(&sd, 6, 1); /* drop the input */
	cfg_rd(&sd, 0, 12, 1);
	cfg_rd(&sd, 0, 4, 0x10000);
	seed_write(dir, "reset", &sd);

	/* Chains the wrong way round: each fails its queue. */
	begin(&sd, 2, "keys");
	chain(&sd, 0x81, 0, 2, 0x20, 8, NULL);
	reset(&sd, false, 2);
	chain(&sd, 0x82, 0, 2, 0x20, 8, "xxxxxxxxyyyyyyyy");
	seed_write(dir, "wrong-way", &sd);
	return 0;
}
#endif
