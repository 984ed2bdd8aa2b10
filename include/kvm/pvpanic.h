/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__PVPANIC_H
#define KVM__PVPANIC_H

#include <stdbool.h>
#include <stdint.h>

/* QEMU's pvpanic-mmio ABI: one byte, guest writes the events it hit. */
#define PVPANIC_PANICKED (1u << 0)
#define PVPANIC_CRASH_LOADED (1u << 1)

struct pvpanic {
	void (*event)(void *opaque, uint8_t events);
	void *opaque;
};

int pvpanic__mmio(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		  bool is_write);

#endif /* KVM__PVPANIC_H */
