// SPDX-License-Identifier: GPL-2.0
/* Put kernel, initrd and DTB into guest RAM: at start and on each reboot. */
#include "kvm/kvm.h"
#include "kvm/util.h"

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

static void read_all(int fd, void *dst, uint64_t len)
{
	int ret = read_full(fd, dst, len);

	if (ret)
		die("cannot read a boot image: %s", strerror(-ret));
}

static void build_dtb(struct kvm *kvm, void *buf)
{
	struct fdt_virtio virtio[FDT_MAX_VIRTIO];
	struct fdt_params p = {
		.nr_cpus = kvm->nr_cpus,
		.mpidrs = kvm->mpidrs,
		.ram_base = ARM_RAM_BASE,
		.ram_size = kvm->ram_size,
		.bootargs = kvm->bootargs,
		.initrd_start = kvm->boot.initrd_addr,
		.initrd_size = kvm->boot.initrd_size,
		.gic = kvm->gic,
		.psci_method =
			kvm->cfg->conduit == PSCI_CONDUIT_SMC ? "smc" : "hvc",
		.pvpanic = true,
		.pvpanic_base = ARM_PVPANIC_BASE,
		.boot_count = kvm->boot_count,
		.pmu = kvm->cpu_plan.pmu,
		.pmu_ppi = CPU_PMU_PPI,
		.timer_freq = kvm->cfg->cntfrq,
		.virtio = virtio,
	};
	int ret;

	p.nr_virtio = vdev__fdt(kvm, virtio);
	if (getrandom(&p.kaslr_seed, sizeof(p.kaslr_seed), GRND_NONBLOCK) !=
	    sizeof(p.kaslr_seed))
		p.kaslr_seed = 0;
	ret = fdt__build(&p, buf, FDT_MAX_SIZE);
	if (ret)
		die("cannot build the device tree: %s", strerror(-ret));
}

static void dump_dtb(const char *path, const void *dtb)
{
	FILE *f = fopen(path, "wb");
	size_t len = fdt_totalsize(dtb);

	if (!f)
		die("cannot create '%s': %s", path, strerror(errno));
	if (fwrite(dtb, 1, len, f) != len || fclose(f))
		die("cannot write '%s': %s", path, strerror(errno));
}

/*
 * Fill guest RAM for a boot. Before a reboot the RAM is dropped first, so
 * the guest starts from zeroed memory as after a power cycle.
 */
void kvm__load_boot(struct kvm *kvm)
{
	void *dst;

	if (kvm->boot_count++)
		madvise(kvm->ram, kvm->ram_size, MADV_DONTNEED);

	dst = kvm__guest_ptr(kvm, kvm->boot.dtb_addr, ARM_DTB_MAX_SIZE);
	if (!dst)
		die("internal error: the DTB lies outside guest RAM");
	build_dtb(kvm, dst);
	if (kvm->cfg->dump_dtb) {
		dump_dtb(kvm->cfg->dump_dtb, dst);
		exit(0);
	}

	dst = kvm__guest_ptr(kvm, kvm->boot.kernel_addr, kvm->kernel_size);
	if (!dst)
		die("internal error: the kernel lies outside guest RAM");
	read_all(kvm->kernel_fd, dst, kvm->kernel_size);

	if (kvm->initrd_fd >= 0) {
		dst = kvm__guest_ptr(kvm, kvm->boot.initrd_addr,
				     kvm->boot.initrd_size);
		if (!dst)
			die("internal error: the initrd lies outside guest RAM");
		read_all(kvm->initrd_fd, dst, kvm->boot.initrd_size);
	}
}
