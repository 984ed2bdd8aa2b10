// SPDX-License-Identifier: GPL-2.0
#include "kvm/pvpanic.h"

#include <string.h>

int pvpanic__mmio(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		  bool is_write)
{
	struct pvpanic *p = opaque;
	uint8_t supported = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;

	if (!is_write) {
		memset(data, 0, len);
		if (offset == 0)
			data[0] = supported;
		return 0;
	}
	if (offset == 0 && (data[0] & supported) && p->event)
		p->event(p->opaque, data[0] & supported);
	return 0;
}
