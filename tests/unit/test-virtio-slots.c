// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/virtio-mmio.h"
#include "kvm/virtio-slots.h"

#include <errno.h>

/* The map the README's machine table shows. */
static void fixed_map(struct test_ctx *t)
{
	struct virtio_slot s;

	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_BLK, 0, &s), 0);
	CHECK_EQ(t, s.slot, 0);
	CHECK_EQ(t, s.base, 0x03000000);
	CHECK_EQ(t, s.spi, 16);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_BLK, 15, &s), 0);
	CHECK_EQ(t, s.base, 0x03000000 + 15 * 0x200);
	CHECK_EQ(t, s.spi, 31);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_RNG, 0, &s), 0);
	CHECK_EQ(t, s.slot, 16);
	CHECK_EQ(t, s.base, 0x03002000);
	CHECK_EQ(t, s.spi, 32);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_CONSOLE, 0, &s), 0);
	CHECK_EQ(t, s.base, 0x03002200);
	CHECK_EQ(t, s.spi, 33);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_NET, 0, &s), 0);
	CHECK_EQ(t, s.base, 0x03002800);
	CHECK_EQ(t, s.spi, 36);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_NET, 7, &s), 0);
	CHECK_EQ(t, s.slot, 27);
}

static void out_of_range(struct test_ctx *t)
{
	struct virtio_slot s;

	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_BLK, 16, &s), -ENOSPC);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_RNG, 1, &s), -ENOSPC);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_CONSOLE, 3, &s), -ENOSPC);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_NET, 8, &s), -ENOSPC);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_NR, 0, &s), -EINVAL);
	CHECK_EQ(t, virtio_slots__get((enum virtio_kind) - 1, 0, &s), -EINVAL);
}

/*
 * Adding a device never moves another: every slot belongs to one kind,
 * windows do not overlap, and every SPI is one the vGIC has, above the
 * UART's.
 */
static void kinds_disjoint(struct test_ctx *t)
{
	int owner[ARM_VIRTIO_SLOTS];
	unsigned int k, i, first, count;
	struct virtio_slot s;

	memset(owner, -1, sizeof(owner));
	for (k = 0; k < VIRTIO_KIND_NR; k++) {
		virtio_slots__range(k, &first, &count);
		CHECK(t, count > 0);
		CHECK(t, virtio_slots__kind_name(k)[0] != '?');
		for (i = 0; i < count; i++) {
			CHECK_EQ(t, virtio_slots__get(k, i, &s), 0);
			CHECK_EQ(t, s.slot, first + i);
			CHECK(t, s.slot < ARM_VIRTIO_SLOTS);
			if (s.slot >= ARM_VIRTIO_SLOTS)
				return;
			CHECK_EQ(t, owner[s.slot], -1);
			owner[s.slot] = (int)k;
			CHECK_EQ(t, s.base,
				 ARM_VIRTIO_MMIO_BASE +
					 s.slot * VIRTIO_MMIO_WINDOW);
			CHECK(t, s.spi > ARM_UART_SPI);
			CHECK(t, s.spi + 32 < ARM_GIC_NR_IRQS);
		}
	}
	/* The area ends well below the GIC. */
	CHECK(t,
	      ARM_VIRTIO_MMIO_BASE + ARM_VIRTIO_SLOTS * ARM_VIRTIO_SLOT_SIZE <=
		      layout__gicv3_redist_base(512));
}

TEST_SUITE(virtio_slots, TEST(fixed_map), TEST(out_of_range),
	   TEST(kinds_disjoint));
