// SPDX-License-Identifier: GPL-2.0
#include "kvm/guest-mem.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

void guest_mem__init(struct guest_mem *mem)
{
	memset(mem, 0, sizeof(*mem));
}

int guest_mem__add(struct guest_mem *mem, uint64_t gpa, uint64_t size,
		   void *host)
{
	unsigned int i;

	if (!host || size == 0 || gpa + size < gpa)
		return -EINVAL;
	for (i = 0; i < mem->nr; i++) {
		const struct guest_mem_region *r = &mem->regions[i];

		if (gpa < r->gpa + r->size && r->gpa < gpa + size)
			return -EEXIST;
	}
	if (mem->nr >= GUEST_MEM_MAX_REGIONS)
		return -ENOSPC;
	mem->regions[mem->nr++] = (struct guest_mem_region){
		.gpa = gpa,
		.size = size,
		.host = host,
	};
	return 0;
}

void *guest_mem__ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	if (len == 0)
		return NULL;
	/* A handful of regions: a linear scan beats anything cleverer. */
	for (i = 0; i < mem->nr; i++) {
		const struct guest_mem_region *r = &mem->regions[i];
		uint64_t off = gpa - r->gpa;

		/* off wraps to a huge value when gpa < r->gpa. */
		if (gpa < r->gpa || off >= r->size)
			continue;
		if (len > r->size - off)
			return NULL;
		return (uint8_t *)r->host + off;
	}
	return NULL;
}
