// SPDX-License-Identifier: GPL-2.0
#include "kvm/pvpanic.h"

#include <string.h>

int pvpanic__mmio(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		  bool is_write)
{
	struct pvpanic *p = opaque;
	uint8_t supported = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
	uint8_t events;

	if (!is_write) {
		memset(data, 0, len);
		if (offset == 0)
			data[0] = supported;
		return 0;
	}
	if (offset != 0)
		return 0;
	events = data[0] & supported;
	/*
	 * A panic stops the guest; CRASH_LOADED means a kdump kernel takes
	 * over and the guest goes on, so it is only reported.
	 */
	if ((events & PVPANIC_PANICKED) && p->panicked)
		p->panicked(p->opaque);
	else if ((events & PVPANIC_CRASH_LOADED) && p->crash_loaded)
		p->crash_loaded(p->opaque);
	return 0;
}
