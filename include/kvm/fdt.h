/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__FDT_H
#define KVM__FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAX_SIZE 0x10000

enum fdt_gic {
	FDT_GIC_V3,
	FDT_GIC_V2,
};

/* A virtio-mmio device: its window and its SPI (edge-triggered). */
struct fdt_virtio {
	uint64_t base;
	uint64_t size;
	uint32_t spi;
};

#define FDT_MAX_VIRTIO 32

/* What the device tree describes; filled in by the KVM glue. */
struct fdt_params {
	unsigned int nr_cpus;
	const uint64_t *mpidrs; /* MPIDR_EL1 of each vCPU */
	uint64_t ram_base;
	uint64_t ram_size;
	const char *bootargs;
	uint64_t initrd_start;
	uint64_t initrd_size; /* 0: no initrd */
	enum fdt_gic gic;
	const char *psci_method; /* "hvc" or "smc" */
	uint64_t kaslr_seed; /* 0: none */
	bool pvpanic;
	uint64_t pvpanic_base;
	uint32_t boot_count; /* /chosen/lkvm,boot-count; 0: omitted */
	bool pmu; /* an arm,armv8-pmuv3 node, its interrupt PPI pmu_ppi */
	unsigned int pmu_ppi; /* INTID, 16-31 */
	uint32_t timer_freq; /* the timer's clock-frequency; 0: omitted */
	const struct fdt_virtio *virtio; /* nr_virtio devices, any order */
	unsigned int nr_virtio; /* at most FDT_MAX_VIRTIO */
};

#define ARM_PVPANIC_BASE 0x01010000ULL
#define ARM_PVPANIC_SIZE 0x2ULL

/* Build the DTB into buf (bufsize bytes). Pure; returns 0 or -errno. */
int fdt__build(const struct fdt_params *p, void *buf, size_t bufsize);

#endif /* KVM__FDT_H */
