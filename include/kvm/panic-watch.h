/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__PANIC_WATCH_H
#define KVM__PANIC_WATCH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Spots Linux's "Kernel panic - not syncing" in the console stream, for
 * guests whose kernel has no pvpanic driver (Debian's has none). Pure.
 */
struct panic_watch {
	unsigned int matched; /* bytes of the marker matched so far */
	bool seen;
};

/* Feed one console byte; true exactly once, when the marker completes. */
bool panic_watch__feed(struct panic_watch *w, uint8_t byte);

#endif /* KVM__PANIC_WATCH_H */
