/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__MMIO_H
#define KVM__MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A registry of guest-physical MMIO ranges. Pure: no KVM, no ioctl.
 * Ranges are registered before any vCPU runs and are read-only after
 * that, so dispatch takes no lock.
 */

/* offset is relative to the range base; data holds len bytes, LE. */
typedef int (*mmio_handler_fn)(void *opaque, uint64_t offset, uint8_t *data,
			       uint32_t len, bool is_write);

struct mmio_range {
	uint64_t base;
	uint64_t size;
	mmio_handler_fn fn;
	void *opaque;
	const char *name;
};

#define MMIO_BUS_MAX_RANGES 64

struct mmio_bus {
	struct mmio_range ranges[MMIO_BUS_MAX_RANGES]; /* sorted by base */
	size_t nr;
};

void mmio_bus__init(struct mmio_bus *bus);
/* -EINVAL bad range, -EEXIST overlap, -ENOSPC table full. */
int mmio_bus__register(struct mmio_bus *bus, uint64_t base, uint64_t size,
		       mmio_handler_fn fn, void *opaque, const char *name);
const struct mmio_range *mmio_bus__find(const struct mmio_bus *bus,
					uint64_t addr, uint32_t len);
/*
 * -ENOENT when no range holds [addr, addr + len), -EINVAL on a bad length;
 * otherwise the handler's result. Unclaimed reads return zeroes.
 */
int mmio_bus__dispatch(const struct mmio_bus *bus, uint64_t addr, uint8_t *data,
		       uint32_t len, bool is_write);

#endif /* KVM__MMIO_H */
