// SPDX-License-Identifier: GPL-2.0
#include "kvm/mmio.h"

#include <errno.h>
#include <string.h>

void mmio_bus__init(struct mmio_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	/* Both ranges are known not to wrap. */
	return a < b + blen && b < a + alen;
}

int mmio_bus__register(struct mmio_bus *bus, uint64_t base, uint64_t size,
		       mmio_handler_fn fn, void *opaque, const char *name)
{
	size_t i, pos;

	if (!fn || size == 0 || base + size < base)
		return -EINVAL;
	if (bus->nr >= MMIO_BUS_MAX_RANGES)
		return -ENOSPC;

	for (i = 0; i < bus->nr; i++) {
		const struct mmio_range *r = &bus->ranges[i];

		if (ranges_overlap(base, size, r->base, r->size))
			return -EEXIST;
	}

	for (pos = 0; pos < bus->nr; pos++)
		if (bus->ranges[pos].base > base)
			break;

	memmove(&bus->ranges[pos + 1], &bus->ranges[pos],
		(bus->nr - pos) * sizeof(bus->ranges[0]));
	bus->ranges[pos] = (struct mmio_range){
		.base = base,
		.size = size,
		.fn = fn,
		.opaque = opaque,
		.name = name,
	};
	bus->nr++;
	return 0;
}

const struct mmio_range *mmio_bus__find(const struct mmio_bus *bus,
					uint64_t addr, uint32_t len)
{
	size_t lo = 0, hi = bus->nr;

	if (len == 0 || addr + len < addr)
		return NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mmio_range *r = &bus->ranges[mid];

		if (addr < r->base) {
			hi = mid;
		} else if (addr - r->base >= r->size) {
			lo = mid + 1;
		} else {
			/* The whole access must stay inside one range. */
			if (len > r->size - (addr - r->base))
				return NULL;
			return r;
		}
	}
	return NULL;
}

int mmio_bus__dispatch(const struct mmio_bus *bus, uint64_t addr, uint8_t *data,
		       uint32_t len, bool is_write)
{
	const struct mmio_range *r;

	if (len == 0 || len > 8)
		return -EINVAL;

	r = mmio_bus__find(bus, addr, len);
	if (!r) {
		if (!is_write)
			memset(data, 0, len);
		return -ENOENT;
	}
	return r->fn(r->opaque, addr - r->base, data, len, is_write);
}
