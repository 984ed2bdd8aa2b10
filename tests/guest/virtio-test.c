// SPDX-License-Identifier: GPL-2.0
/*
 * Freestanding guest that drives lkvm's first virtio-blk device (slot 0,
 * 0x3000000) as a hostile driver: each case sets the device up, feeds it
 * one malformed queue (a descriptor loop, a buffer past the end of RAM, a
 * huge length, a bad head index, a bad next index, an indirect table that
 * points into itself), expects DEVICE_NEEDS_RESET with a configuration
 * interrupt status and nothing in the used ring, resets the device and
 * completes a good read of sector 0, whose content the scenario knows.
 * Also: MMIO accesses of a bad width read 0. Each check prints
 * "PASS virtio-guest/<name>" or "FAIL virtio-guest/<name>: why"; then
 * SYSTEM_OFF.
 *
 * The MMU is off, so every guest access is non-cacheable: the rings and
 * buffers are cleaned and invalidated to the point of coherency around
 * each exchange, for hosts whose stage 2 does not force write-back.
 */
#include "guest.h"

#define VIO_BASE 0x03000000UL
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS 0x060
#define R_INT_ACK 0x064
#define R_STATUS 0x070
#define R_DESC_LO 0x080
#define R_DESC_HI 0x084
#define R_AVAIL_LO 0x090
#define R_AVAIL_HI 0x094
#define R_USED_LO 0x0a0
#define R_USED_HI 0x0a4

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40

#define F_INDIRECT (1UL << 28)
#define F_VERSION_1 (1UL << 32)

#define D_NEXT 1
#define D_WRITE 2
#define D_INDIRECT 4

#define QSIZE 16
#define WAIT_MS 2000

struct desc {
	u64 addr;
	u32 len;
	unsigned short flags;
	unsigned short next;
};

struct blk_hdr {
	u32 type;
	u32 ioprio;
	u64 sector;
};

static struct desc ring_desc[QSIZE] __attribute__((aligned(4096)));
static unsigned short ring_avail[3 + QSIZE] __attribute__((aligned(4096)));
static u32 ring_used[1 + 2 * QSIZE + 1] __attribute__((aligned(4096)));
static struct desc indirect[4] __attribute__((aligned(64)));
static struct blk_hdr hdr __attribute__((aligned(64)));
static u8 data[512] __attribute__((aligned(512)));
static u8 status __attribute__((aligned(64)));
static unsigned short avail_idx;
static struct dt_info dt;
static int failures;

static u32 rd(u64 off)
{
	return *(volatile u32 *)(VIO_BASE + off);
}

static void wr(u64 off, u32 v)
{
	*(volatile u32 *)(VIO_BASE + off) = v;
}

/* Clean and invalidate [p, p + len) to the point of coherency. */
static void flush(const void *p, size_t len)
{
	u64 a = (u64)p & ~63UL, end = (u64)p + len;

	for (; a < end; a += 64)
		__asm__ volatile("dc civac, %0" ::"r"(a) : "memory");
	dsb();
}

static void flush_rings(void)
{
	flush(ring_desc, sizeof(ring_desc));
	flush(ring_avail, sizeof(ring_avail));
	flush(ring_used, sizeof(ring_used));
	flush(indirect, sizeof(indirect));
	flush(&hdr, sizeof(hdr));
	flush(data, sizeof(data));
	flush(&status, 1);
}

static void result(const char *name, int ok, const char *why)
{
	if (ok) {
		printk("PASS virtio-guest/%s\n", name);
	} else {
		printk("FAIL virtio-guest/%s: %s\n", name, why);
		failures++;
	}
}

/* Reset, negotiate VERSION_1 and INDIRECT_DESC, queue 0 live, DRIVER_OK. */
static int dev_start(void)
{
	u64 f;

	wr(R_STATUS, 0);
	if (rd(R_STATUS))
		return -1;
	memset(ring_desc, 0, sizeof(ring_desc));
	memset(ring_avail, 0, sizeof(ring_avail));
	memset(ring_used, 0, sizeof(ring_used));
	avail_idx = 0;
	wr(R_STATUS, S_ACK);
	wr(R_STATUS, S_ACK | S_DRIVER);
	wr(R_DEV_FEATURES_SEL, 1);
	f = (u64)rd(R_DEV_FEATURES) << 32;
	wr(R_DEV_FEATURES_SEL, 0);
	f |= rd(R_DEV_FEATURES);
	if (!(f & F_VERSION_1) || !(f & F_INDIRECT))
		return -2;
	wr(R_DRV_FEATURES_SEL, 0);
	wr(R_DRV_FEATURES, (u32)F_INDIRECT);
	wr(R_DRV_FEATURES_SEL, 1);
	wr(R_DRV_FEATURES, 1); /* VERSION_1 */
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(rd(R_STATUS) & S_FEATURES_OK))
		return -3;
	wr(R_QUEUE_SEL, 0);
	if (rd(R_QUEUE_NUM_MAX) < QSIZE)
		return -4;
	wr(R_QUEUE_NUM, QSIZE);
	wr(R_DESC_LO, (u32)(u64)ring_desc);
	wr(R_DESC_HI, (u32)((u64)ring_desc >> 32));
	wr(R_AVAIL_LO, (u32)(u64)ring_avail);
	wr(R_AVAIL_HI, (u32)((u64)ring_avail >> 32));
	wr(R_USED_LO, (u32)(u64)ring_used);
	wr(R_USED_HI, (u32)((u64)ring_used >> 32));
	flush_rings();
	wr(R_QUEUE_READY, 1);
	if (rd(R_QUEUE_READY) != 1)
		return -5;
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return rd(R_STATUS) == (S_ACK | S_DRIVER | S_FEATURES_OK |
				S_DRIVER_OK) ?
		       0 :
		       -6;
}

static void set_desc(unsigned int i, u64 addr, u32 len, unsigned short flags,
		     unsigned short next)
{
	ring_desc[i].addr = addr;
	ring_desc[i].len = len;
	ring_desc[i].flags = flags;
	ring_desc[i].next = next;
}

/* Publish head (any value: the bad-index case lies) and notify. */
static void submit(unsigned short head)
{
	ring_avail[2 + (avail_idx % QSIZE)] = head;
	avail_idx++;
	flush_rings();
	dmb();
	ring_avail[1] = avail_idx;
	flush(ring_avail, sizeof(ring_avail));
	wr(R_QUEUE_NOTIFY, 0);
}

static u32 used_idx(void)
{
	flush(ring_used, sizeof(ring_used));
	return ring_used[0] >> 16;
}

/* A read of sector 0 as header, data, status: chain from desc 0. */
static void good_chain(void)
{
	hdr.type = 0; /* VIRTIO_BLK_T_IN */
	hdr.ioprio = 0;
	hdr.sector = 0;
	memset(data, 0, sizeof(data));
	status = 0xff;
	set_desc(0, (u64)&hdr, sizeof(hdr), D_NEXT, 1);
	set_desc(1, (u64)data, sizeof(data), D_WRITE | D_NEXT, 2);
	set_desc(2, (u64)&status, 1, D_WRITE, 0);
}

static const char expect[] = "LKVM-VIRTIO-GUEST-SECTOR-0";

static int same(const u8 *a, const char *b, size_t n)
{
	while (n--)
		if (*a++ != (u8)*b++)
			return 0;
	return 1;
}

/* A good read after a reset: completed, status OK, the known bytes. */
static void good_read(const char *name)
{
	u64 dl;
	int r = dev_start();

	if (r) {
		printk("FAIL virtio-guest/%s: set-up after reset failed (%d)\n",
		       name, r);
		failures++;
		return;
	}
	good_chain();
	submit(0);
	dl = deadline_ms(WAIT_MS);
	while (used_idx() != 1 && !expired(dl))
		;
	flush(data, sizeof(data));
	flush(&status, 1);
	if (used_idx() != 1)
		result(name, 0, "the good read did not complete");
	else if (status != 0)
		result(name, 0, "the good read's status is not OK");
	else if (!same(data, expect, sizeof(expect) - 1))
		result(name, 0, "the good read returned other bytes");
	else
		result(name, 1, NULL);
	wr(R_INT_ACK, rd(R_INT_STATUS));
}

/*
 * After a malformed submission: NEEDS_RESET within WAIT_MS, a config
 * interrupt pending, nothing used; then reset and a good read.
 */
static void expect_broken(const char *name)
{
	char good[48];
	u64 dl = deadline_ms(WAIT_MS);
	u32 st;

	while (!((st = rd(R_STATUS)) & S_NEEDS_RESET) && !expired(dl))
		;
	if (!(st & S_NEEDS_RESET))
		result(name, 0, "no DEVICE_NEEDS_RESET");
	else if (!(rd(R_INT_STATUS) & 2))
		result(name, 0, "no configuration change interrupt status");
	else if (used_idx() != 0)
		result(name, 0, "a used entry for a malformed chain");
	else
		result(name, 1, NULL);
	wr(R_INT_ACK, rd(R_INT_STATUS));
	wr(R_STATUS, 0);
	if (rd(R_STATUS) != 0)
		result(name, 0, "status not 0 after the reset");
	{
		struct strbuf sb = { good, 0, sizeof(good) };

		sb_printf(&sb, "%s-then-good-read", name);
	}
	good_read(good);
}

static int start_or_fail(const char *name)
{
	int r = dev_start();

	if (r)
		printk("FAIL virtio-guest/%s: set-up failed (%d)\n", name, r);
	if (r)
		failures++;
	return r;
}

static void case_loop(void)
{
	if (start_or_fail("descriptor-loop"))
		return;
	/* Both readable, so only the walk's bound can stop it. */
	good_chain();
	set_desc(1, (u64)data, sizeof(data), D_NEXT, 0);
	submit(0);
	expect_broken("descriptor-loop");
}

static void case_past_ram(void)
{
	u64 end = dt.ram_base + dt.ram_size;

	if (start_or_fail("buffer-past-ram"))
		return;
	good_chain();
	/* Starts inside RAM, ends 3.5 KiB past its end. */
	set_desc(1, end - 512, 4096, D_WRITE | D_NEXT, 2);
	submit(0);
	expect_broken("buffer-past-ram");
}

static void case_huge_len(void)
{
	if (start_or_fail("huge-length"))
		return;
	good_chain();
	set_desc(1, (u64)data, 0xffffffffu, D_WRITE | D_NEXT, 2);
	submit(0);
	expect_broken("huge-length");
}

static void case_bad_head(void)
{
	if (start_or_fail("bad-head-index"))
		return;
	good_chain();
	submit(QSIZE + 200);
	expect_broken("bad-head-index");
}

static void case_bad_next(void)
{
	if (start_or_fail("bad-next-index"))
		return;
	good_chain();
	set_desc(1, (u64)data, sizeof(data), D_WRITE | D_NEXT, 0x7777);
	submit(0);
	expect_broken("bad-next-index");
}

/* Desc 0 is indirect: its table's first entry is indirect again, pointing
 * at the table itself. */
static void case_indirect_self(void)
{
	if (start_or_fail("indirect-in-itself"))
		return;
	indirect[0].addr = (u64)indirect;
	indirect[0].len = sizeof(indirect);
	indirect[0].flags = D_INDIRECT;
	indirect[0].next = 0;
	set_desc(0, (u64)indirect, sizeof(indirect), D_INDIRECT, 0);
	submit(0);
	expect_broken("indirect-in-itself");
}

/* Bad widths are ignored and read as 0; the good magic stays readable. */
static void case_bad_width(void)
{
	u8 b = *(volatile u8 *)(VIO_BASE + R_MAGIC);
	unsigned short h = *(volatile unsigned short *)(VIO_BASE + R_MAGIC);

	result("bad-width-reads-zero",
	       b == 0 && h == 0 && rd(R_MAGIC) == 0x74726976,
	       "a byte or halfword read of MagicValue was not 0");
	/* A write to a read-only register changes nothing. */
	wr(R_DEVICE_ID, 7);
	result("read-only-register", rd(R_DEVICE_ID) == 2, "DeviceID changed");
}

void primary_main(u64 dtb, u64 load_addr, u64 el, u64 daif, u64 sctlr)
{
	(void)load_addr, (void)el, (void)daif, (void)sctlr;
	dt_parse((const void *)dtb, &dt);
	printk("GUEST-BOOT virtio ram=0x%lx+0x%lx\n", dt.ram_base, dt.ram_size);
	if (rd(R_MAGIC) != 0x74726976 || rd(R_VERSION) != 2 ||
	    rd(R_DEVICE_ID) != 2) {
		printk("FAIL virtio-guest/probe: no virtio-blk v2 at 0x%lx (magic 0x%x version %u id %u)\n",
		       VIO_BASE, rd(R_MAGIC), rd(R_VERSION), rd(R_DEVICE_ID));
		smccc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	}
	good_read("good-read");
	case_bad_width();
	case_loop();
	case_past_ram();
	case_huge_len();
	case_bad_head();
	case_bad_next();
	case_indirect_self();
	printk("GUEST-DONE virtio failures=%d\n", failures);
	smccc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		wfe();
}

void secondary_main(u64 x0, u64 pc, u64 el, u64 spsel, u64 daif, u64 sctlr,
		    u64 idx)
{
	(void)x0, (void)pc, (void)el, (void)spsel, (void)daif, (void)sctlr;
	(void)idx;
	for (;;)
		wfe();
}

void bad_resume(u64 x0)
{
	(void)x0;
	for (;;)
		wfe();
}

void exception_report(u64 vec, u64 esr, u64 elr, u64 far, u64 spsr)
{
	printk("FAIL virtio-guest/exception: vector %lu ESR 0x%lx ELR 0x%lx FAR 0x%lx SPSR 0x%lx\n",
	       vec, esr, elr, far, spsr);
	smccc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		wfe();
}
