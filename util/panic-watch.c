// SPDX-License-Identifier: GPL-2.0
#include "kvm/panic-watch.h"

#include <string.h>

static const char marker[] = "Kernel panic - not syncing";

/* Where a kernel message line begins: line start, or after "] ". */
static bool at_line_start(const struct panic_watch *w)
{
	return w->prev == 0 || w->prev == '\n' || w->prev == '\r' ||
	       (w->prev == ' ' && w->prev2 == ']');
}

bool panic_watch__feed(struct panic_watch *w, uint8_t byte)
{
	if (w->seen)
		return false;
	if (w->matched && byte == (uint8_t)marker[w->matched])
		w->matched++;
	else
		w->matched = at_line_start(w) && byte == (uint8_t)marker[0];
	w->prev2 = w->prev;
	w->prev = byte;
	if (w->matched == sizeof(marker) - 1) {
		w->seen = true;
		return true;
	}
	return false;
}
