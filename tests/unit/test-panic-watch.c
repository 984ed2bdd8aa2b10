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

static unsigned int events_seen;

static void record_event(void *opaque, uint8_t events)
{
	(void)opaque;
	events_seen |= events;
}

static void pvpanic_device(struct test_ctx *t)
{
	struct pvpanic p = { .event = record_event };
	uint8_t data[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	events_seen = 0;
	CHECK_EQ(t, pvpanic__mmio(&p, 0, data, 1, false), 0);
	CHECK_EQ(t, data[0], PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	CHECK_EQ(t, pvpanic__mmio(&p, 1, data, 1, false), 0);
	CHECK_EQ(t, data[0], 0);

	data[0] = 0x80; /* unknown event bits only: ignored */
	CHECK_EQ(t, pvpanic__mmio(&p, 0, data, 1, true), 0);
	CHECK_EQ(t, events_seen, 0);
	data[0] = PVPANIC_PANICKED | 0x80;
	CHECK_EQ(t, pvpanic__mmio(&p, 0, data, 1, true), 0);
	CHECK_EQ(t, events_seen, PVPANIC_PANICKED);
}

TEST_SUITE(panic_watch, TEST(spots_panic_line), TEST(ignores_near_misses),
	   TEST(line_start_only), TEST(pvpanic_device));
