/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__VIRTIO_SLOTS_H
#define KVM__VIRTIO_SLOTS_H

#include <stdint.h>

#include "kvm/layout.h"

/*
 * Where virtio-mmio devices sit in the machine. Pure: no KVM, no ioctl.
 *
 * The virtio-mmio area (kvmtool's, from ARM_VIRTIO_MMIO_BASE) is cut into
 * slots of VIRTIO_MMIO_WINDOW (0x200) bytes, slot n at base + n * 0x200
 * with SPI ARM_VIRTIO_SPI_BASE + n. Each kind of device owns a fixed range
 * of slots and its devices fill it in order (the first disk in the first
 * block slot), so adding a device of one kind never moves a device of
 * another kind, and a guest's /dev/vda stays where it was when an rng or a
 * console is added. The README's machine table shows the same map.
 */

enum virtio_kind {
	VIRTIO_KIND_BLK,
	VIRTIO_KIND_RNG,
	VIRTIO_KIND_CONSOLE,
	VIRTIO_KIND_NET,
	VIRTIO_KIND_NR,
};

#define ARM_VIRTIO_SLOT_SIZE 0x200ULL
#define ARM_VIRTIO_SLOTS 32
/* SPI 16 = INTID 48: above the UART's SPI 0, room for more fixed ones. */
#define ARM_VIRTIO_SPI_BASE 16
/* SPIs the vGIC is given (arm/gic.c), INTIDs 32 and up. */
#define ARM_GIC_NR_IRQS 128

_Static_assert(ARM_VIRTIO_SPI_BASE + ARM_VIRTIO_SLOTS <= ARM_GIC_NR_IRQS - 32,
	       "the vGIC's SPIs cover every virtio slot");

struct virtio_slot {
	unsigned int slot;
	uint64_t base;
	uint32_t spi; /* INTID 32 + spi */
};

/* The first slot and the number of slots of a kind. */
void virtio_slots__range(enum virtio_kind kind, unsigned int *first,
			 unsigned int *count);
/* The index-th device of a kind: 0, or -ENOSPC past the kind's range,
 * -EINVAL for an unknown kind. */
int virtio_slots__get(enum virtio_kind kind, unsigned int index,
		      struct virtio_slot *out);
const char *virtio_slots__kind_name(enum virtio_kind kind);

#endif /* KVM__VIRTIO_SLOTS_H */
