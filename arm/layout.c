// SPDX-License-Identifier: GPL-2.0
#include "kvm/layout.h"
#include "kvm/util.h"

#include <errno.h>
#include <stdio.h>

static unsigned long long mib(uint64_t bytes)
{
	return (unsigned long long)((bytes + SZ_1M - 1) / SZ_1M);
}

/* The end of the boot window that covers the kernel, or UINT64_MAX. */
static uint64_t window_end(uint64_t kernel_addr)
{
	uint64_t start = ALIGN_DOWN(kernel_addr, ARM_BOOT_WINDOW_ALIGN);

	if (start > UINT64_MAX - ARM_BOOT_WINDOW_SIZE)
		return UINT64_MAX;
	return start + ARM_BOOT_WINDOW_SIZE;
}

int layout__place(const struct arm64_image *img, uint64_t initrd_size,
		  uint64_t ram_base, uint64_t ram_size, struct boot_layout *out,
		  char *err, size_t errlen)
{
	uint64_t ram_end = ram_base + ram_size;
	uint64_t top, room;
	bool windowed;

	if (ram_base % SZ_2M || ram_size < SZ_2M || ram_end < ram_base) {
		snprintf(err, errlen, "bad RAM range");
		return -EINVAL;
	}

	out->kernel_addr = ram_base + img->text_offset;
	out->kernel_end = out->kernel_addr + img->image_size;
	/* Past the window the guest may drop the initrd (and panic). */
	top = window_end(out->kernel_addr);
	windowed = top < ram_end;
	if (!windowed)
		top = ram_end;
	/* The DTB gets its own 2 MiB block: it is mapped with block entries. */
	out->dtb_addr = ALIGN_DOWN(top, SZ_2M) - ARM_DTB_MAX_SIZE;

	if (out->dtb_addr < out->kernel_end) {
		if (windowed)
			snprintf(
				err, errlen,
				"the kernel (%llu MiB) is too big: the arm64 boot protocol wants it, the initrd and the DTB within %llu GiB",
				mib(img->image_size),
				(unsigned long long)(ARM_BOOT_WINDOW_SIZE /
						     SZ_1G));
		else
			snprintf(
				err, errlen,
				"the kernel needs %llu MiB of RAM but the guest has %llu MiB",
				mib(ALIGN_UP(img->text_offset + img->image_size,
					     SZ_2M) +
				    ARM_DTB_MAX_SIZE),
				mib(ram_size));
		return -E2BIG;
	}

	out->initrd_size = initrd_size;
	out->initrd_addr = 0;
	if (!initrd_size)
		return 0;

	room = out->dtb_addr - out->kernel_end;
	if (initrd_size > room ||
	    ALIGN_DOWN(out->dtb_addr - initrd_size, SZ_4K) < out->kernel_end) {
		if (windowed)
			snprintf(
				err, errlen,
				"the initrd (%llu MiB) does not fit next to the kernel within the %llu GiB the arm64 boot protocol allows",
				mib(initrd_size),
				(unsigned long long)(ARM_BOOT_WINDOW_SIZE /
						     SZ_1G));
		else
			snprintf(
				err, errlen,
				"the initrd (%llu MiB) does not fit in %llu MiB of guest RAM next to the kernel",
				mib(initrd_size), mib(ram_size));
		return -E2BIG;
	}
	out->initrd_addr = ALIGN_DOWN(out->dtb_addr - initrd_size, SZ_4K);
	return 0;
}
