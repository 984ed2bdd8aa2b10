// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/panic-watch.h"
#include "kvm/pvpanic.h"

static int feed(struct panic_watch *w, const char *s)
{
	int hits = 0;

	for (; *s; s++)
		hits += panic_watch__feed(w, (uint8_t)*s);
	return hits;
}

static void spots_panic_line(struct test_ctx *t)
{
	struct panic_watch w = { 0 };

	CHECK_EQ(t, feed(&w, "[ 1.0] Kernel panic - not syncing: sysrq\r\n"),
		 1);
	CHECK(t, w.seen);
	/* Once only, even if the line repeats. */
	CHECK_EQ(t, feed(&w, "Kernel panic - not syncing: again\r\n"), 0);
}

static void ignores_near_misses(struct test_ctx *t)
{
	struct panic_watch w = { 0 };

	CHECK_EQ(t, feed(&w, "Kernel panic - not syncin"), 0);
	CHECK_EQ(t, feed(&w, "g\n"), 1); /* completed across two feeds */

	w = (struct panic_watch){ 0 };
	CHECK_EQ(t, feed(&w, "kernel panic - not syncing\n"), 0);
	CHECK_EQ(t, feed(&w, "Kernel panic -  not syncing\n"), 0);
	CHECK_EQ(t, feed(&w, "Kernel: oops\nKernel pan"), 0);
	CHECK(t, !w.seen);
}

static void line_start_only(struct test_ctx *t)
{
	struct panic_watch w = { 0 };

	/* At the very start, after a newline, after the printk prefix. */
	CHECK_EQ(t, feed(&w, "Kernel panic - not syncing"), 1);
	w = (struct panic_watch){ 0 };
	CHECK_EQ(t, feed(&w, "boot\r\nKernel panic - not syncing"), 1);
	w = (struct panic_watch){ 0 };
	CHECK_EQ(t, feed(&w, "[    2.5][    T1] Kernel panic - not syncing"),
		 1);

	/* Not in the middle of a line: a shell echo, a grep of a log. */
	w = (struct panic_watch){ 0 };
	CHECK_EQ(t, feed(&w, "~ # echo Kernel panic - not syncing\r\n"), 0);
	CHECK_EQ(t, feed(&w, "log: Kernel panic - not syncing\r\n"), 0);
	CHECK_EQ(t, feed(&w, "x]Kernel panic - not syncing\r\n"), 0);
	/* A broken match does not restart mid-line... */
	CHECK_EQ(t, feed(&w, "KerKernel panic - not syncing\r\n"), 0);
	/* ...but the next line starts afresh. */
	CHECK_EQ(t, feed(&w, "[ 1.0] Ker\n[ 1.1] Kernel panic - not syncing"),
		 1);
}

struct pvpanic_seen {
	int panicked, crash_loaded;
};

static void on_panicked(void *opaque)
{
	((struct pvpanic_seen *)opaque)->panicked++;
}

static void on_crash_loaded(void *opaque)
{
	((struct pvpanic_seen *)opaque)->crash_loaded++;
}

/* Write one byte to the pvpanic register at offset; what was reported. */
static struct pvpanic_seen pvpanic_write(uint64_t offset, uint8_t byte)
{
	struct pvpanic_seen seen = { 0 };
	struct pvpanic p = {
		.panicked = on_panicked,
		.crash_loaded = on_crash_loaded,
		.opaque = &seen,
	};

	pvpanic__mmio(&p, offset, &byte, 1, true);
	return seen;
}

static void pvpanic_reads(struct test_ctx *t)
{
	struct pvpanic p = { 0 };
	uint8_t data[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	/* The events the device can report, as QEMU's pvpanic-mmio. */
	CHECK_EQ(t, pvpanic__mmio(&p, 0, data, 1, false), 0);
	CHECK_EQ(t, data[0], PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	CHECK_EQ(t, pvpanic__mmio(&p, 1, data, 1, false), 0);
	CHECK_EQ(t, data[0], 0);
}

static void pvpanic_panicked(struct test_ctx *t)
{
	struct pvpanic_seen s = pvpanic_write(0, PVPANIC_PANICKED);

	CHECK_EQ(t, s.panicked, 1);
	CHECK_EQ(t, s.crash_loaded, 0);
	/* Unknown bits beside it change nothing. */
	s = pvpanic_write(0, PVPANIC_PANICKED | 0x80);
	CHECK_EQ(t, s.panicked, 1);
	CHECK_EQ(t, s.crash_loaded, 0);
	/* Both: the guest is dead, whatever else it says. */
	s = pvpanic_write(0, PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	CHECK_EQ(t, s.panicked, 1);
	CHECK_EQ(t, s.crash_loaded, 0);
}

/* Linux sends CRASH_LOADED instead of PANICKED when kdump takes over. */
static void pvpanic_crash_loaded(struct test_ctx *t)
{
	struct pvpanic_seen s = pvpanic_write(0, PVPANIC_CRASH_LOADED);

	CHECK_EQ(t, s.panicked, 0);
	CHECK_EQ(t, s.crash_loaded, 1);
	s = pvpanic_write(0, PVPANIC_CRASH_LOADED | 0x80);
	CHECK_EQ(t, s.panicked, 0);
	CHECK_EQ(t, s.crash_loaded, 1);
}

static void pvpanic_ignored(struct test_ctx *t)
{
	struct pvpanic quiet = { 0 };
	uint8_t byte = PVPANIC_PANICKED;
	struct pvpanic_seen s;

	/* Unknown event bits only, or another offset: nothing reported. */
	s = pvpanic_write(0, 0x80);
	CHECK(t, !s.panicked && !s.crash_loaded);
	s = pvpanic_write(0, 0);
	CHECK(t, !s.panicked && !s.crash_loaded);
	s = pvpanic_write(1, PVPANIC_PANICKED);
	CHECK(t, !s.panicked && !s.crash_loaded);
	/* No callbacks set: no crash. */
	CHECK_EQ(t, pvpanic__mmio(&quiet, 0, &byte, 1, true), 0);
	byte = PVPANIC_CRASH_LOADED;
	CHECK_EQ(t, pvpanic__mmio(&quiet, 0, &byte, 1, true), 0);
}

TEST_SUITE(panic_watch, TEST(spots_panic_line), TEST(ignores_near_misses),
	   TEST(line_start_only), TEST(pvpanic_reads), TEST(pvpanic_panicked),
	   TEST(pvpanic_crash_loaded), TEST(pvpanic_ignored));
