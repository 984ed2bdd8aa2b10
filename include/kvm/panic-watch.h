/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__PANIC_WATCH_H
#define KVM__PANIC_WATCH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Spots Linux's "Kernel panic - not syncing" in the console stream, for
 * guests whose kernel has no pvpanic driver (Debian's has none). Only at
 * the start of a line or right after printk's "[ time] " prefix, so a
 * shell command or file that merely contains the words does not count.
 * Still, any guest program that can write to the console can print the
 * line, so lkvm watches only when asked (--stop-on-console-panic). Pure.
 */
struct panic_watch {
	unsigned int matched; /* bytes of the marker matched so far */
	uint8_t prev, prev2; /* the last two bytes (0: none yet) */
	bool seen;
};

/* Feed one console byte; true exactly once, when the marker completes. */
bool panic_watch__feed(struct panic_watch *w, uint8_t byte);

#endif /* KVM__PANIC_WATCH_H */
