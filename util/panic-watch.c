// SPDX-License-Identifier: GPL-2.0
#include "kvm/panic-watch.h"

#include <string.h>

static const char marker[] = "Kernel panic - not syncing";

bool panic_watch__feed(struct panic_watch *w, uint8_t byte)
{
	if (w->seen)
		return false;
	/* 'K' occurs only at the start of the marker, so restarting is exact. */
	if (byte == (uint8_t)marker[w->matched])
		w->matched++;
	else
		w->matched = byte == (uint8_t)marker[0] ? 1 : 0;
	if (w->matched == sizeof(marker) - 1) {
		w->seen = true;
		return true;
	}
	return false;
}
