// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/layout.h"
#include "kvm/util.h"

#include <errno.h>

static struct arm64_image kernel(uint64_t text_offset, uint64_t image_size)
{
	struct arm64_image img = {
		.text_offset = text_offset,
		.image_size = image_size,
		.file_size = image_size,
	};

	return img;
}

static bool disjoint(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a + alen <= b || b + blen <= a;
}

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/*
 * The smallest RAM that holds the documented layout, worked out
 * independently of layout.c: the kernel at text_offset from the start of
 * RAM, then the initrd on a 4K boundary, then a whole 2 MiB block for the
 * DTB. Only whole 2 MiB blocks of RAM count for the DTB.
 */
static uint64_t min_ram(uint64_t text_offset, uint64_t image_size,
			uint64_t initrd_size)
{
	uint64_t end = text_offset + image_size;

	if (initrd_size)
		end = round_up(end, SZ_4K) + initrd_size;
	return round_up(end, SZ_2M) + ARM_DTB_MAX_SIZE;
}

static bool usable(uint64_t ram_size, uint64_t need)
{
	return ram_size / SZ_2M * SZ_2M >= need;
}

/*
 * booting.rst: the initrd within a 1 GiB aligned window of at most 32 GiB
 * that covers the kernel; lkvm keeps the DTB there too.
 */
#define SZ_32G (32 * SZ_1G)

static uint64_t boot_window_end(uint64_t kernel_addr)
{
	return kernel_addr / SZ_1G * SZ_1G + SZ_32G;
}

struct counts {
	unsigned int ok, kernel_fail, initrd_fail;
};

static void check_one(struct test_ctx *t, uint64_t ram_base, uint64_t ram_size,
		      uint64_t text_offset, uint64_t image_size,
		      uint64_t initrd_size, struct counts *n)
{
	struct arm64_image img = kernel(text_offset, image_size);
	bool kernel_fits =
		usable(ram_size, min_ram(text_offset, image_size, 0));
	bool all_fits =
		usable(ram_size, min_ram(text_offset, image_size, initrd_size));
	uint64_t ram_end = ram_base + ram_size;
	struct boot_layout l;
	char err[256] = "";
	char what[160];
	int ret;

	snprintf(what, sizeof(what),
		 "ram 0x%llx kernel 0x%llx@0x%llx initrd 0x%llx",
		 (unsigned long long)ram_size, (unsigned long long)image_size,
		 (unsigned long long)text_offset,
		 (unsigned long long)initrd_size);
	memset(&l, 0xa5, sizeof(l));
	ret = layout__place(&img, initrd_size, ram_base, ram_size, &l, err,
			    sizeof(err));

	if (!all_fits) {
		if (ret != -E2BIG) {
			test__fail(t, __FILE__, __LINE__,
				   "%s: got %d, want -E2BIG", what, ret);
			return;
		}
		if (!kernel_fits) {
			n->kernel_fail++;
			if (!strstr(err, "kernel") || strstr(err, "initrd"))
				test__fail(
					t, __FILE__, __LINE__,
					"%s: message \"%s\" should blame the kernel",
					what, err);
		} else {
			n->initrd_fail++;
			if (!strstr(err, "initrd"))
				test__fail(
					t, __FILE__, __LINE__,
					"%s: message \"%s\" should blame the initrd",
					what, err);
		}
		return;
	}

	if (ret) {
		test__fail(t, __FILE__, __LINE__, "%s: got %d (%s), want 0",
			   what, ret, err);
		return;
	}
	n->ok++;

	if (l.kernel_addr != ram_base + text_offset ||
	    l.kernel_end != l.kernel_addr + image_size)
		test__fail(t, __FILE__, __LINE__, "%s: kernel at 0x%llx-0x%llx",
			   what, (unsigned long long)l.kernel_addr,
			   (unsigned long long)l.kernel_end);
	if (l.dtb_addr % SZ_2M || l.dtb_addr < ram_base ||
	    l.dtb_addr + ARM_DTB_MAX_SIZE > ram_end)
		test__fail(t, __FILE__, __LINE__, "%s: DTB at 0x%llx", what,
			   (unsigned long long)l.dtb_addr);
	if (l.kernel_end > ram_end)
		test__fail(t, __FILE__, __LINE__, "%s: kernel past RAM", what);
	if (l.dtb_addr + ARM_DTB_MAX_SIZE > boot_window_end(l.kernel_addr))
		test__fail(t, __FILE__, __LINE__,
			   "%s: DTB at 0x%llx, past the boot window", what,
			   (unsigned long long)l.dtb_addr);
	if (!disjoint(l.kernel_addr, image_size, l.dtb_addr, ARM_DTB_MAX_SIZE))
		test__fail(t, __FILE__, __LINE__, "%s: kernel overlaps DTB",
			   what);
	if (l.initrd_size != initrd_size)
		test__fail(t, __FILE__, __LINE__, "%s: initrd_size 0x%llx",
			   what, (unsigned long long)l.initrd_size);

	if (!initrd_size) {
		if (l.initrd_addr)
			test__fail(t, __FILE__, __LINE__,
				   "%s: initrd_addr 0x%llx with no initrd",
				   what, (unsigned long long)l.initrd_addr);
		return;
	}
	if (l.initrd_addr % SZ_4K || l.initrd_addr < ram_base ||
	    l.initrd_addr + initrd_size > ram_end)
		test__fail(t, __FILE__, __LINE__, "%s: initrd at 0x%llx", what,
			   (unsigned long long)l.initrd_addr);
	if (!disjoint(l.initrd_addr, initrd_size, l.kernel_addr, image_size))
		test__fail(t, __FILE__, __LINE__, "%s: initrd overlaps kernel",
			   what);
	if (!disjoint(l.initrd_addr, initrd_size, l.dtb_addr, ARM_DTB_MAX_SIZE))
		test__fail(t, __FILE__, __LINE__, "%s: initrd overlaps DTB",
			   what);
	if (l.initrd_addr + initrd_size > boot_window_end(l.kernel_addr))
		test__fail(t, __FILE__, __LINE__,
			   "%s: initrd ends at 0x%llx, past the boot window",
			   what,
			   (unsigned long long)(l.initrd_addr + initrd_size));
}

static const uint64_t ram_sizes[] = {
	2 * SZ_1M,
	4 * SZ_1M,
	12 * SZ_1M,
	14 * SZ_1M,
	32 * SZ_1M,
	34 * SZ_1M,
	36 * SZ_1M,
	40 * SZ_1M,
	42 * SZ_1M,
	46 * SZ_1M,
	50 * SZ_1M,
	64 * SZ_1M,
	64 * SZ_1M + SZ_64K,
	71 * SZ_1M,
	100 * SZ_1M + SZ_64K,
	101 * SZ_1M,
	128 * SZ_1M,
	256 * SZ_1M,
	512 * SZ_1M - SZ_64K,
	SZ_1G,
	3 * SZ_1G + 7 * SZ_64K,
	4 * SZ_1G,
};

static const uint64_t kernel_sizes[] = {
	10 * SZ_1M,	    10 * SZ_1M + 1, 30 * SZ_1M,
	30 * SZ_1M + 12345, 60 * SZ_1M,	    62 * SZ_1M - SZ_4K,
};

static const uint64_t text_offsets[] = { 0, 0x80000, SZ_2M - SZ_4K };

static const uint64_t initrd_sizes[] = {
	0, 1, 4097, 5 * SZ_1M, 40 * SZ_1M, 40 * SZ_1M + 1,
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void matrix(struct test_ctx *t)
{
	struct counts n = { 0 };
	size_t r, k, o, i;

	for (r = 0; r < N(ram_sizes); r++)
		for (k = 0; k < N(kernel_sizes); k++)
			for (o = 0; o < N(text_offsets); o++)
				for (i = 0; i < N(initrd_sizes); i++)
					check_one(t, ARM_RAM_BASE, ram_sizes[r],
						  text_offsets[o],
						  kernel_sizes[k],
						  initrd_sizes[i], &n);
	/* The matrix really exercises all three outcomes. */
	CHECK(t, n.ok > 100);
	CHECK(t, n.kernel_fail > 10);
	CHECK(t, n.initrd_fail > 10);
}

/* Around the exact minimum, one 64K step at a time. */
static void boundaries(struct test_ctx *t)
{
	static const uint64_t initrds[] = { 0, 1, 4096, 4097, 3 * SZ_1M };
	struct counts n = { 0 };
	size_t k, o, i;

	for (k = 0; k < N(kernel_sizes); k++)
		for (o = 0; o < N(text_offsets); o++)
			for (i = 0; i < N(initrds); i++) {
				uint64_t need =
					min_ram(text_offsets[o],
						kernel_sizes[k], initrds[i]);
				uint64_t ram;

				for (ram = need - 4 * SZ_1M;
				     ram <= need + 4 * SZ_1M; ram += SZ_64K)
					check_one(t, ARM_RAM_BASE, ram,
						  text_offsets[o],
						  kernel_sizes[k], initrds[i],
						  &n);
			}
	CHECK(t, n.ok > 0);
	CHECK(t, n.kernel_fail > 0);
	CHECK(t, n.initrd_fail > 0);
}

/* The initrd is packed right under the DTB, not anywhere that fits. */
static void initrd_just_below_dtb(struct test_ctx *t)
{
	struct arm64_image img = kernel(0x80000, 20 * SZ_1M);
	struct boot_layout l;
	char err[128];

	CHECK_EQ(t,
		 layout__place(&img, 4097, ARM_RAM_BASE, 128 * SZ_1M, &l, err,
			       sizeof(err)),
		 0);
	CHECK_EQ(t, l.dtb_addr, ARM_RAM_BASE + 126 * SZ_1M);
	CHECK_EQ(t, l.initrd_addr, l.dtb_addr - 2 * SZ_4K);
	CHECK_EQ(t, l.kernel_addr, ARM_RAM_BASE + 0x80000);
	CHECK_EQ(t, l.kernel_end, ARM_RAM_BASE + 0x80000 + 20 * SZ_1M);
}

/* Another 2 MiB aligned base works the same. */
static void other_base(struct test_ctx *t)
{
	struct counts n = { 0 };
	size_t r, i;

	for (r = 0; r < N(ram_sizes); r++)
		for (i = 0; i < N(initrd_sizes); i++) {
			check_one(t, 0x40000000, ram_sizes[r], 0x80000,
				  30 * SZ_1M, initrd_sizes[i], &n);
			check_one(t, 0x8000000000ULL, ram_sizes[r], 0,
				  10 * SZ_1M, initrd_sizes[i], &n);
		}
	CHECK(t, n.ok > 0);
}

static void initrd_larger_than_ram(struct test_ctx *t)
{
	struct arm64_image img = kernel(0, 10 * SZ_1M);
	struct boot_layout l;
	char err[256] = "";

	CHECK_EQ(t,
		 layout__place(&img, 256 * SZ_1M + 1, ARM_RAM_BASE, 256 * SZ_1M,
			       &l, err, sizeof(err)),
		 -E2BIG);
	CHECK(t, strstr(err, "initrd") != NULL);
	/* An initrd bigger than all of memory must not wrap around. */
	err[0] = 0;
	CHECK_EQ(t,
		 layout__place(&img, UINT64_MAX, ARM_RAM_BASE, 256 * SZ_1M, &l,
			       err, sizeof(err)),
		 -E2BIG);
	CHECK(t, strstr(err, "initrd") != NULL);
	err[0] = 0;
	CHECK_EQ(t,
		 layout__place(&img, ARM_RAM_BASE + 200 * SZ_1M, ARM_RAM_BASE,
			       256 * SZ_1M, &l, err, sizeof(err)),
		 -E2BIG);
	CHECK(t, strstr(err, "initrd") != NULL);
}

static void kernel_larger_than_ram(struct test_ctx *t)
{
	struct arm64_image img = kernel(0, 256 * SZ_1M);
	struct boot_layout l;
	char err[256] = "";

	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE, 128 * SZ_1M, &l, err,
			       sizeof(err)),
		 -E2BIG);
	CHECK(t, strstr(err, "kernel") != NULL);
	CHECK(t, strstr(err, "128 MiB") != NULL);
	/* The kernel is blamed first even with an initrd too. */
	err[0] = 0;
	CHECK_EQ(t,
		 layout__place(&img, SZ_1G, ARM_RAM_BASE, 128 * SZ_1M, &l, err,
			       sizeof(err)),
		 -E2BIG);
	CHECK(t, strstr(err, "kernel") != NULL);
	CHECK(t, strstr(err, "initrd") == NULL);
	/* Exactly the size of RAM leaves no room for the DTB. */
	img = kernel(0, 128 * SZ_1M);
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE, 128 * SZ_1M, &l, err,
			       sizeof(err)),
		 -E2BIG);
}

/* The RAM the message asks for is really enough. */
static void kernel_message_size(struct test_ctx *t)
{
	size_t k, o;

	for (k = 0; k < N(kernel_sizes); k++)
		for (o = 0; o < N(text_offsets); o++) {
			struct arm64_image img =
				kernel(text_offsets[o], kernel_sizes[k]);
			struct boot_layout l;
			unsigned long long need = 0;
			char err[256] = "";
			const char *p;

			CHECK_EQ(t,
				 layout__place(&img, 0, ARM_RAM_BASE, 8 * SZ_1M,
					       &l, err, sizeof(err)),
				 -E2BIG);
			p = strstr(err, "needs ");
			CHECK(t, p && sscanf(p, "needs %llu", &need) == 1);
			CHECK(t, need * SZ_1M >= min_ram(text_offsets[o],
							 kernel_sizes[k], 0));
			CHECK_EQ(t,
				 layout__place(&img, 0, ARM_RAM_BASE,
					       need * SZ_1M, &l, err,
					       sizeof(err)),
				 0);
		}
}

static void bad_ram(struct test_ctx *t)
{
	struct arm64_image img = kernel(0, SZ_1M);
	struct boot_layout l;
	char err[128];

	err[0] = 0;
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE + SZ_1M, SZ_1G, &l, err,
			       sizeof(err)),
		 -EINVAL);
	CHECK(t, err[0] != 0);
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE + SZ_4K, SZ_1G, &l, err,
			       sizeof(err)),
		 -EINVAL);
	CHECK_EQ(t, layout__place(&img, 0, 1, SZ_1G, &l, err, sizeof(err)),
		 -EINVAL);
	/* Less than one 2 MiB block, and RAM that wraps. */
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE, SZ_2M - SZ_64K, &l, err,
			       sizeof(err)),
		 -EINVAL);
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE, 0, &l, err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(t,
		 layout__place(&img, 0, UINT64_MAX - SZ_2M + 1, SZ_1G, &l, err,
			       sizeof(err)),
		 -EINVAL);
	CHECK_EQ(t,
		 layout__place(&img, 0, 0xffffffffffe00000ULL, SZ_2M, &l, err,
			       sizeof(err)),
		 -EINVAL);
}

/*
 * With more than 32 GiB of RAM, DTB and initrd go to the top of the boot
 * window, not to the top of RAM (a 16K-page, 36-bit VA guest drops an
 * initrd outside it and panics).
 */
static void large_ram(struct test_ctx *t)
{
	static const uint64_t rams[] = { 32 * SZ_1G, 33 * SZ_1G, 64 * SZ_1G,
					 512 * SZ_1G };
	static const uint64_t initrds[] = { 0, 1, 5 * SZ_1M, SZ_1G + 4097,
					    30 * SZ_1G };
	/* RAM starts at 2 GiB, 1 GiB aligned: the window is [2, 34) GiB. */
	const uint64_t win_end = ARM_RAM_BASE + SZ_32G;
	struct counts n = { 0 };
	size_t r, i;

	for (r = 0; r < N(rams); r++)
		for (i = 0; i < N(initrds); i++) {
			struct arm64_image img = kernel(0x80000, 30 * SZ_1M);
			struct boot_layout l;
			char err[256] = "";

			check_one(t, ARM_RAM_BASE, rams[r], 0x80000, 30 * SZ_1M,
				  initrds[i], &n);
			CHECK_EQ(t,
				 layout__place(&img, initrds[i], ARM_RAM_BASE,
					       rams[r], &l, err, sizeof(err)),
				 0);
			CHECK_EQ(t, l.dtb_addr, win_end - ARM_DTB_MAX_SIZE);
			if (initrds[i])
				CHECK_EQ(t, l.initrd_addr,
					 ALIGN_DOWN(l.dtb_addr - initrds[i],
						    SZ_4K));
		}
	CHECK_EQ(t, n.ok, N(rams) * N(initrds));
}

/* The window starts at the kernel's 1 GiB aligned base, not at RAM's. */
static void large_ram_other_base(struct test_ctx *t)
{
	struct arm64_image img = kernel(0, 20 * SZ_1M);
	struct counts n = { 0 };
	struct boot_layout l;
	char err[256] = "";

	/* RAM from 1.5 GiB: the window is [1, 33) GiB. */
	CHECK_EQ(t,
		 layout__place(&img, SZ_1M, 0x60000000, 64 * SZ_1G, &l, err,
			       sizeof(err)),
		 0);
	CHECK_EQ(t, l.dtb_addr, 33 * SZ_1G - ARM_DTB_MAX_SIZE);
	CHECK_EQ(t, l.initrd_addr, l.dtb_addr - SZ_1M);
	check_one(t, 0x60000000, 64 * SZ_1G, 0, 20 * SZ_1M, SZ_1M, &n);
	/* A window that would end past 2^64 ends at the top of RAM. */
	CHECK_EQ(t,
		 layout__place(&img, SZ_1M, 0xfffffffc00000000ULL, SZ_1G, &l,
			       err, sizeof(err)),
		 0);
	CHECK_EQ(t, l.dtb_addr,
		 0xfffffffc00000000ULL + SZ_1G - ARM_DTB_MAX_SIZE);
}

/* An initrd that only fits past the window is refused, and says why. */
static void initrd_larger_than_window(struct test_ctx *t)
{
	struct arm64_image img = kernel(0x80000, 30 * SZ_1M);
	struct boot_layout l;
	char err[256] = "";

	CHECK_EQ(t,
		 layout__place(&img, 33 * SZ_1G, ARM_RAM_BASE, 64 * SZ_1G, &l,
			       err, sizeof(err)),
		 -E2BIG);
	CHECK(t, strstr(err, "initrd") != NULL);
	CHECK(t, strstr(err, "32 GiB") != NULL);
	/* The largest initrd that fits: the window less kernel and DTB. */
	CHECK_EQ(t,
		 layout__place(&img, SZ_32G - 32 * SZ_1M - ARM_DTB_MAX_SIZE,
			       ARM_RAM_BASE, 64 * SZ_1G, &l, err, sizeof(err)),
		 0);
	CHECK_EQ(t, l.initrd_addr, ARM_RAM_BASE + 32 * SZ_1M);
	/* A kernel bigger than the window itself. */
	img = kernel(0, SZ_32G);
	err[0] = 0;
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE, 64 * SZ_1G, &l, err,
			       sizeof(err)),
		 -E2BIG);
	CHECK(t, strstr(err, "kernel") != NULL);
	CHECK(t, strstr(err, "32 GiB") != NULL);
}

/* A flat binary: at RAM + 0x80000, file size only, below initrd and DTB. */
static void flat_binary_fits(struct test_ctx *t)
{
	struct arm64_image img;
	struct boot_layout l;
	char err[256] = "";

	image__flat(100 * 1024, &img);
	CHECK_EQ(t,
		 layout__place(&img, 5 * SZ_1M, ARM_RAM_BASE, 64 * SZ_1M, &l,
			       err, sizeof(err)),
		 0);
	CHECK_EQ(t, l.kernel_addr, ARM_RAM_BASE + 0x80000);
	CHECK_EQ(t, l.kernel_end, ARM_RAM_BASE + 0x80000 + 100 * 1024);
	CHECK(t, l.initrd_addr >= l.kernel_end);
	CHECK(t, l.initrd_addr + 5 * SZ_1M <= l.dtb_addr);
	CHECK_EQ(t, l.dtb_addr, ARM_RAM_BASE + 62 * SZ_1M);
	/* A tiny one, and one that fills RAM up to the DTB exactly. */
	image__flat(4, &img);
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE, 4 * SZ_1M, &l, err,
			       sizeof(err)),
		 0);
	image__flat(62 * SZ_1M - 0x80000, &img);
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE, 64 * SZ_1M, &l, err,
			       sizeof(err)),
		 0);
	CHECK_EQ(t, l.kernel_end, l.dtb_addr);
}

static void flat_binary_too_big(struct test_ctx *t)
{
	struct arm64_image img;
	struct boot_layout l;
	char err[256] = "";

	image__flat(62 * SZ_1M - 0x80000 + 1, &img);
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE, 64 * SZ_1M, &l, err,
			       sizeof(err)),
		 -E2BIG);
	CHECK(t, strstr(err, "kernel") != NULL);
	image__flat(4 * SZ_1G, &img);
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE, 64 * SZ_1M, &l, err,
			       sizeof(err)),
		 -E2BIG);
}

/* The initrd goes below the DTB, never over the flat binary. */
static void flat_binary_and_initrd(struct test_ctx *t)
{
	uint64_t flat = 30 * SZ_1M, room, initrd;
	struct arm64_image img;
	struct boot_layout l;
	char err[256] = "";

	image__flat(flat, &img);
	/* From the end of the binary, 4K aligned, up to the DTB. */
	room = ARM_RAM_BASE + 62 * SZ_1M -
	       ALIGN_UP(ARM_RAM_BASE + 0x80000 + flat, SZ_4K);
	for (initrd = room - 2 * SZ_4K; initrd <= room + 2 * SZ_4K;
	     initrd += 1024) {
		int ret = layout__place(&img, initrd, ARM_RAM_BASE, 64 * SZ_1M,
					&l, err, sizeof(err));

		if (initrd <= room) {
			CHECK_EQ(t, ret, 0);
			CHECK(t, l.initrd_addr >= l.kernel_end);
			CHECK(t, l.initrd_addr + initrd <= l.dtb_addr);
		} else {
			CHECK_EQ(t, ret, -E2BIG);
			CHECK(t, strstr(err, "initrd") != NULL);
		}
	}
	CHECK_EQ(t,
		 layout__place(&img, 32 * SZ_1M, ARM_RAM_BASE, 64 * SZ_1M, &l,
			       err, sizeof(err)),
		 -E2BIG);
	CHECK(t, strstr(err, "initrd") != NULL);
}

TEST_SUITE(layout, TEST(matrix), TEST(boundaries), TEST(initrd_just_below_dtb),
	   TEST(other_base), TEST(initrd_larger_than_ram),
	   TEST(kernel_larger_than_ram), TEST(kernel_message_size),
	   TEST(bad_ram), TEST(large_ram), TEST(large_ram_other_base),
	   TEST(initrd_larger_than_window), TEST(flat_binary_fits),
	   TEST(flat_binary_too_big), TEST(flat_binary_and_initrd));
