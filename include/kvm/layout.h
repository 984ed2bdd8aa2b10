/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__LAYOUT_H
#define KVM__LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "kvm/image.h"

/* The kvmtool arm64 memory map, so tools made for kvmtool run unchanged. */
#define ARM_UART_BASE 0x01000000ULL
#define ARM_UART_SIZE 0x8ULL
#define ARM_UART_SPI 0 /* INTID 32 */
/*
 * Stolen time (pvtime.rst): one 64-byte structure per vCPU, in whole
 * 64 KiB pages of their own, outside RAM, where kvmtool has them.
 */
#define ARM_PVTIME_BASE 0x01020000ULL
#define ARM_PVTIME_STRIDE 64ULL
#define ARM_PVTIME_END 0x02000000ULL /* kvmtool's flash starts here */
#define ARM_VIRTIO_MMIO_BASE 0x03000000ULL
#define ARM_GIC_DIST_BASE 0x3fff0000ULL
#define ARM_GIC_DIST_SIZE 0x10000ULL
#define ARM_GICV2_CPU_BASE 0x3ffd0000ULL
#define ARM_GICV2_CPU_SIZE 0x20000ULL
#define ARM_GICV3_REDIST_SIZE 0x20000ULL /* per vCPU */
#define ARM_RAM_BASE 0x80000000ULL
#define ARM_DTB_MAX_SIZE 0x200000ULL /* booting.rst: at most 2 MiB */
/*
 * booting.rst: the initrd must lie in a 1 GiB aligned window of at most
 * 32 GiB that also covers the kernel Image. The DTB is kept there too.
 */
#define ARM_BOOT_WINDOW_ALIGN 0x40000000ULL
#define ARM_BOOT_WINDOW_SIZE 0x800000000ULL

static inline uint64_t layout__gicv3_redist_base(unsigned int nr_cpus)
{
	return ARM_GIC_DIST_BASE - (uint64_t)nr_cpus * ARM_GICV3_REDIST_SIZE;
}

static inline uint64_t layout__pvtime_size(unsigned int nr_cpus)
{
	uint64_t bytes = (uint64_t)nr_cpus * ARM_PVTIME_STRIDE;

	return (bytes + 0xffffULL) & ~0xffffULL;
}

static inline uint64_t layout__pvtime_addr(unsigned int cpu)
{
	return ARM_PVTIME_BASE + (uint64_t)cpu * ARM_PVTIME_STRIDE;
}

/* Where the boot images go, as guest-physical addresses. */
struct boot_layout {
	uint64_t kernel_addr;
	uint64_t kernel_end; /* kernel_addr + image_size */
	uint64_t initrd_addr;
	uint64_t initrd_size;
	uint64_t dtb_addr;
};

/*
 * Place kernel, initrd and DTB in [ram_base, ram_base + ram_size) without
 * overlap: the kernel at text_offset from the 2 MiB aligned start of RAM,
 * the DTB in its own 2 MiB block at the top of RAM, or at the top of the
 * boot window (ARM_BOOT_WINDOW_*, from the kernel's 1 GiB aligned base)
 * when RAM reaches past it; the initrd just below the DTB.
 * Returns 0 or -E2BIG/-EINVAL with a one-line reason in err.
 */
int layout__place(const struct arm64_image *img, uint64_t initrd_size,
		  uint64_t ram_base, uint64_t ram_size, struct boot_layout *out,
		  char *err, size_t errlen);

#endif /* KVM__LAYOUT_H */
