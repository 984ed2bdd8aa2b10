// SPDX-License-Identifier: GPL-2.0
#include "fake-mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Host layout: guard | A | guard | B | guard. */
int fake_mem__init(struct fake_mem *fm)
{
	size_t page = sysconf(_SC_PAGESIZE);
	int ret;

	memset(fm, 0, sizeof(*fm));
	fm->map_len = FAKE_A_SIZE + FAKE_B_SIZE + 3 * page;
	fm->map = mmap(NULL, fm->map_len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fm->map == MAP_FAILED)
		return -errno;
	fm->a = fm->map + page;
	fm->b = fm->a + FAKE_A_SIZE + page;
	if (mprotect(fm->a, FAKE_A_SIZE, PROT_READ | PROT_WRITE) ||
	    mprotect(fm->b, FAKE_B_SIZE, PROT_READ | PROT_WRITE)) {
		ret = -errno;
		munmap(fm->map, fm->map_len);
		return ret;
	}
	guest_mem__init(&fm->mem);
	ret = guest_mem__add(&fm->mem, FAKE_A_GPA, FAKE_A_SIZE, fm->a);
	if (!ret)
		ret = guest_mem__add(&fm->mem, FAKE_B_GPA, FAKE_B_SIZE, fm->b);
	if (ret)
		munmap(fm->map, fm->map_len);
	return ret;
}

void fake_mem__exit(struct fake_mem *fm)
{
	munmap(fm->map, fm->map_len);
}

void fake_mem__clear(struct fake_mem *fm)
{
	memset(fm->a, 0, FAKE_A_SIZE);
	memset(fm->b, 0, FAKE_B_SIZE);
}

void *fake_mem__host(struct fake_mem *fm, uint64_t gpa)
{
	if (gpa >= FAKE_A_GPA && gpa < FAKE_A_GPA + FAKE_A_SIZE)
		return fm->a + (gpa - FAKE_A_GPA);
	if (gpa >= FAKE_B_GPA && gpa < FAKE_END)
		return fm->b + (gpa - FAKE_B_GPA);
	abort(); /* a test bug */
}

static bool inside(const uint8_t *p, size_t len, const uint8_t *base,
		   size_t size)
{
	return p >= base && p <= base + size && len <= size - (p - base);
}

bool fake_mem__contains(const struct fake_mem *fm, const void *p, size_t len)
{
	return inside(p, len, fm->a, FAKE_A_SIZE) ||
	       inside(p, len, fm->b, FAKE_B_SIZE);
}
