// SPDX-License-Identifier: GPL-2.0
#include "kvm/virtio-slots.h"

#include <errno.h>

static const struct {
	const char *name;
	unsigned int first;
	unsigned int count;
} slot_map[VIRTIO_KIND_NR] = {
	/* 16 disks, as many as a guest would reasonably want. */
	[VIRTIO_KIND_BLK] = { "block", 0, 16 },
	[VIRTIO_KIND_RNG] = { "rng", 16, 1 },
	[VIRTIO_KIND_CONSOLE] = { "console", 17, 3 },
	[VIRTIO_KIND_NET] = { "net", 20, 8 },
	/* 28-31 spare */
};

_Static_assert(20 + 8 <= ARM_VIRTIO_SLOTS, "the map fits the area");

void virtio_slots__range(enum virtio_kind kind, unsigned int *first,
			 unsigned int *count)
{
	if ((unsigned int)kind >= VIRTIO_KIND_NR) {
		*first = 0;
		*count = 0;
		return;
	}
	*first = slot_map[kind].first;
	*count = slot_map[kind].count;
}

int virtio_slots__get(enum virtio_kind kind, unsigned int index,
		      struct virtio_slot *out)
{
	unsigned int slot;

	if ((unsigned int)kind >= VIRTIO_KIND_NR)
		return -EINVAL;
	if (index >= slot_map[kind].count)
		return -ENOSPC;
	slot = slot_map[kind].first + index;
	out->slot = slot;
	out->base = ARM_VIRTIO_MMIO_BASE + slot * ARM_VIRTIO_SLOT_SIZE;
	out->spi = ARM_VIRTIO_SPI_BASE + slot;
	return 0;
}

const char *virtio_slots__kind_name(enum virtio_kind kind)
{
	if ((unsigned int)kind >= VIRTIO_KIND_NR)
		return "?";
	return slot_map[kind].name;
}
