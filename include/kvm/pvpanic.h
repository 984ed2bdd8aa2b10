/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__PVPANIC_H
#define KVM__PVPANIC_H

#include <stdbool.h>
#include <stdint.h>

/* QEMU's pvpanic-mmio ABI: one byte, guest writes the events it hit. */
#define PVPANIC_PANICKED (1u << 0)
#define PVPANIC_CRASH_LOADED (1u << 1)

/*
 * Linux writes PANICKED when it panics, or CRASH_LOADED instead when a
 * kdump kernel is loaded and about to take over. A write holding both is
 * taken as a panic.
 */
struct pvpanic {
	void (*panicked)(void *opaque); /* the guest is dead */
	void (*crash_loaded)(void *opaque); /* the guest goes on in kdump */
	void *opaque;
};

int pvpanic__mmio(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		  bool is_write);

#endif /* KVM__PVPANIC_H */
