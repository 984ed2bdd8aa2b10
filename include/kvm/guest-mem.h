/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__GUEST_MEM_H
#define KVM__GUEST_MEM_H

#include <stdint.h>

/*
 * Guest RAM as the pure device code sees it: a few regions, each a
 * guest-physical range backed by host memory. Pure: no KVM, no ioctl.
 *
 * The KVM glue fills the table from its RAM mapping before any vCPU or
 * device thread runs; afterwards it is only read, so lookups take no lock.
 * The unit tests and fuzzers fill it with fake RAM between guard pages.
 *
 * guest_mem__ptr() is the only way the virtio code turns a guest address
 * into a host pointer: it answers only for ranges that lie wholly inside
 * one region, so a buffer that runs past the end of RAM or into a hole
 * between regions is refused.
 */

#define GUEST_MEM_MAX_REGIONS 8

struct guest_mem_region {
	uint64_t gpa;
	uint64_t size;
	void *host;
};

struct guest_mem {
	struct guest_mem_region regions[GUEST_MEM_MAX_REGIONS];
	unsigned int nr;
};

void guest_mem__init(struct guest_mem *mem);
/* -EINVAL empty or wrapping range, -EEXIST overlap, -ENOSPC table full. */
int guest_mem__add(struct guest_mem *mem, uint64_t gpa, uint64_t size,
		   void *host);
/*
 * The host address of [gpa, gpa + len) if that range is non-empty and lies
 * wholly inside one region (overflow-safe); NULL otherwise.
 */
void *guest_mem__ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

#endif /* KVM__GUEST_MEM_H */
