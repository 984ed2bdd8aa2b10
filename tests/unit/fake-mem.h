/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TESTS__FAKE_MEM_H
#define TESTS__FAKE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvm/guest-mem.h"

/*
 * Fake guest RAM for the virtio tests and fuzzers: two regions with a hole
 * between them in guest-physical space, each between PROT_NONE guard pages
 * in the host mapping, so any access outside them faults.
 */
#define FAKE_A_GPA 0x40000000ULL
#define FAKE_A_SIZE 0x20000ULL /* 128 KiB */
#define FAKE_HOLE_GPA (FAKE_A_GPA + FAKE_A_SIZE)
#define FAKE_HOLE_SIZE 0x10000ULL
#define FAKE_B_GPA (FAKE_HOLE_GPA + FAKE_HOLE_SIZE)
#define FAKE_B_SIZE 0x10000ULL /* 64 KiB */
#define FAKE_END (FAKE_B_GPA + FAKE_B_SIZE)

struct fake_mem {
	struct guest_mem mem;
	uint8_t *map;
	size_t map_len;
	uint8_t *a;
	uint8_t *b;
};

/* 0 or -errno. The RAM starts zeroed. */
int fake_mem__init(struct fake_mem *fm);
void fake_mem__exit(struct fake_mem *fm);
void fake_mem__clear(struct fake_mem *fm);
/* The host address of gpa, which the caller knows is in RAM. */
void *fake_mem__host(struct fake_mem *fm, uint64_t gpa);
/* Is [p, p + len) wholly inside one of the two regions? */
bool fake_mem__contains(const struct fake_mem *fm, const void *p, size_t len);

#endif /* TESTS__FAKE_MEM_H */
