// SPDX-License-Identifier: GPL-2.0
/* The in-kernel vGIC: v3 when the host can, v2 otherwise (Raspberry Pi). */
#include "kvm/kvm.h"
#include "kvm/util.h"
#include "kvm/virtio-slots.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

/* The UART's SPI and the virtio slots (virtio-slots.h checks they fit). */
#define GIC_NR_IRQS ARM_GIC_NR_IRQS

static int set_attr(int fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uintptr_t)val,
	};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a);
}

static int try_create(struct kvm *kvm, enum fdt_gic type)
{
	struct kvm_create_device dev = {
		.type = type == FDT_GIC_V3 ? KVM_DEV_TYPE_ARM_VGIC_V3 :
					     KVM_DEV_TYPE_ARM_VGIC_V2,
	};

	if (ioctl(kvm->vm_fd, KVM_CREATE_DEVICE, &dev) < 0)
		return -errno;
	kvm->gic_fd = (int)dev.fd;
	kvm->gic = type;
	return 0;
}

static void set_addresses(struct kvm *kvm)
{
	uint64_t dist = ARM_GIC_DIST_BASE, other;
	uint64_t other_type;

	if (kvm->gic == FDT_GIC_V3) {
		other = layout__gicv3_redist_base(kvm->nr_cpus);
		if (set_attr(kvm->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			     KVM_VGIC_V3_ADDR_TYPE_DIST, &dist))
			die_perror("GICv3 distributor address");
		other_type = KVM_VGIC_V3_ADDR_TYPE_REDIST;
	} else {
		other = ARM_GICV2_CPU_BASE;
		if (set_attr(kvm->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			     KVM_VGIC_V2_ADDR_TYPE_DIST, &dist))
			die_perror("GICv2 distributor address");
		other_type = KVM_VGIC_V2_ADDR_TYPE_CPU;
	}
	if (set_attr(kvm->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, other_type,
		     &other))
		die_perror(kvm->gic == FDT_GIC_V3 ?
				   "GICv3 redistributor address" :
				   "GICv2 CPU interface address");
}

void gic__create(struct kvm *kvm)
{
	enum irqchip_type want = kvm->cfg->irqchip;
	int ret = -ENODEV;

	if (want == IRQCHIP_GICV3 || want == IRQCHIP_AUTO)
		ret = try_create(kvm, FDT_GIC_V3);
	if (ret && want == IRQCHIP_GICV3)
		die("this host cannot emulate a GICv3 (%s); try --irqchip gicv2",
		    strerror(-ret));
	if (ret)
		ret = try_create(kvm, FDT_GIC_V2);
	if (ret)
		die("this host cannot emulate a GIC%s (%s)",
		    want == IRQCHIP_GICV2 ? "v2" : "v3 or GICv2",
		    strerror(-ret));

	if (kvm->gic == FDT_GIC_V2 && kvm->nr_cpus > 8)
		die("a GICv2 supports at most 8 vCPUs; %u asked for",
		    kvm->nr_cpus);
	pr_info("interrupt controller: GICv%d", kvm->gic == FDT_GIC_V3 ? 3 : 2);
	set_addresses(kvm);
}

/* After every vCPU exists: size the SPI space and initialise the vGIC. */
void gic__finalize(struct kvm *kvm)
{
	uint32_t nr_irqs = GIC_NR_IRQS;

	if (set_attr(kvm->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs))
		die_perror("vGIC number of interrupts");
	if (set_attr(kvm->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
		     KVM_DEV_ARM_VGIC_CTRL_INIT, NULL))
		die_perror("vGIC initialisation");
	gic__save_reset_state(kvm);
}
