// SPDX-License-Identifier: GPL-2.0
#include "kvm/fdt.h"
#include "kvm/layout.h"

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>

#define PHANDLE_GIC 1

/* Interrupt specifier cells (bindings/interrupt-controller/arm,gic*.yaml) */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_TYPE_EDGE_RISING 1
#define IRQ_TYPE_LEVEL_HIGH 4
#define IRQ_TYPE_LEVEL_LOW 8

/* Architected timer PPIs: secure, non-secure, virtual, hypervisor. */
static const uint32_t timer_ppis[] = { 13, 14, 11, 10 };

#define MPIDR_HWID_MASK 0xff00ffffffULL

/* Evaluate a libfdt call; on error jump to out with ret set. */
#define TRY(call)                 \
	do {                      \
		ret = (call);     \
		if (ret < 0)      \
			goto out; \
	} while (0)

static int prop_u64_pair(void *fdt, const char *name, uint64_t a, uint64_t b)
{
	fdt64_t cells[2] = { cpu_to_fdt64(a), cpu_to_fdt64(b) };

	return fdt_property(fdt, name, cells, sizeof(cells));
}

static int add_cpus(void *fdt, const struct fdt_params *p)
{
	char name[32];
	unsigned int i;
	int ret;

	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_cell(fdt, "#address-cells", 2));
	TRY(fdt_property_cell(fdt, "#size-cells", 0));
	for (i = 0; i < p->nr_cpus; i++) {
		uint64_t hwid = p->mpidrs[i] & MPIDR_HWID_MASK;

		snprintf(name, sizeof(name), "cpu@%llx",
			 (unsigned long long)hwid);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
		TRY(fdt_property_u64(fdt, "reg", hwid));
		TRY(fdt_property_string(fdt, "enable-method", "psci"));
		TRY(fdt_end_node(fdt));
	}
	TRY(fdt_end_node(fdt));
out:
	return ret;
}

static int add_gic(void *fdt, const struct fdt_params *p)
{
	char name[32];
	int ret;

	if (p->gic == FDT_GIC_V3) {
		uint64_t redist = layout__gicv3_redist_base(p->nr_cpus);
		fdt64_t reg[4] = {
			cpu_to_fdt64(ARM_GIC_DIST_BASE),
			cpu_to_fdt64(ARM_GIC_DIST_SIZE),
			cpu_to_fdt64(redist),
			cpu_to_fdt64(p->nr_cpus * ARM_GICV3_REDIST_SIZE),
		};

		snprintf(name, sizeof(name), "intc@%llx",
			 (unsigned long long)ARM_GIC_DIST_BASE);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
		TRY(fdt_property(fdt, "reg", reg, sizeof(reg)));
	} else {
		/* KVM's GICv2 distributor is 4K, its CPU interface 8K. */
		fdt64_t reg[4] = {
			cpu_to_fdt64(ARM_GIC_DIST_BASE),
			cpu_to_fdt64(0x1000),
			cpu_to_fdt64(ARM_GICV2_CPU_BASE),
			cpu_to_fdt64(0x2000),
		};

		snprintf(name, sizeof(name), "intc@%llx",
			 (unsigned long long)ARM_GIC_DIST_BASE);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "compatible",
					"arm,cortex-a15-gic"));
		TRY(fdt_property(fdt, "reg", reg, sizeof(reg)));
	}
	TRY(fdt_property_cell(fdt, "#interrupt-cells", 3));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property_cell(fdt, "#address-cells", 2));
	TRY(fdt_property_cell(fdt, "#size-cells", 2));
	TRY(fdt_property_cell(fdt, "phandle", PHANDLE_GIC));
	TRY(fdt_end_node(fdt));
out:
	return ret;
}

/* GICv2 PPI specifiers carry a mask of the CPUs they go to. */
static uint32_t ppi_flags(const struct fdt_params *p, uint32_t type)
{
	if (p->gic == FDT_GIC_V2)
		type |= ((1u << p->nr_cpus) - 1) << 8;
	return type;
}

static int add_timer(void *fdt, const struct fdt_params *p)
{
	uint32_t flags = ppi_flags(p, IRQ_TYPE_LEVEL_LOW);
	fdt32_t irqs[3 * 4];
	unsigned int i;
	int ret;

	for (i = 0; i < 4; i++) {
		irqs[3 * i] = cpu_to_fdt32(GIC_PPI);
		irqs[3 * i + 1] = cpu_to_fdt32(timer_ppis[i]);
		irqs[3 * i + 2] = cpu_to_fdt32(flags);
	}
	TRY(fdt_begin_node(fdt, "timer"));
	TRY(fdt_property(fdt, "compatible", "arm,armv8-timer\0arm,armv7-timer",
			 sizeof("arm,armv8-timer\0arm,armv7-timer")));
	TRY(fdt_property(fdt, "interrupts", irqs, sizeof(irqs)));
	TRY(fdt_property(fdt, "always-on", NULL, 0));
	/* Linux believes this over CNTFRQ_EL0, which firmware may set wrong. */
	if (p->timer_freq)
		TRY(fdt_property_cell(fdt, "clock-frequency", p->timer_freq));
	TRY(fdt_end_node(fdt));
out:
	return ret;
}

static int add_pmu(void *fdt, const struct fdt_params *p)
{
	fdt32_t irq[3] = {
		cpu_to_fdt32(GIC_PPI),
		cpu_to_fdt32(p->pmu_ppi - 16),
		cpu_to_fdt32(ppi_flags(p, IRQ_TYPE_LEVEL_HIGH)),
	};
	int ret;

	TRY(fdt_begin_node(fdt, "pmu"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3"));
	TRY(fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	TRY(fdt_end_node(fdt));
out:
	return ret;
}

static int add_uart(void *fdt)
{
	fdt32_t irq[3] = { cpu_to_fdt32(GIC_SPI), cpu_to_fdt32(ARM_UART_SPI),
			   cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH) };
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "serial@%llx",
		 (unsigned long long)ARM_UART_BASE);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
	TRY(prop_u64_pair(fdt, "reg", ARM_UART_BASE, ARM_UART_SIZE));
	TRY(fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	TRY(fdt_property_cell(fdt, "clock-frequency", 1843200));
	TRY(fdt_end_node(fdt));
out:
	return ret;
}

static int add_pvpanic(void *fdt, const struct fdt_params *p)
{
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "pvpanic@%llx",
		 (unsigned long long)p->pvpanic_base);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "qemu,pvpanic-mmio"));
	TRY(prop_u64_pair(fdt, "reg", p->pvpanic_base, ARM_PVPANIC_SIZE));
	TRY(fdt_end_node(fdt));
out:
	return ret;
}

/*
 * virtio-mmio (bindings/virtio/mmio.yaml). Edge-triggered: the device
 * signals with one edge per new InterruptStatus bit (an irqfd pulse), and
 * the driver reads and acknowledges the status on each. dma-coherent: the
 * device is lkvm, reading guest RAM through the host's caches.
 */
static int add_virtio(void *fdt, const struct fdt_virtio *v)
{
	fdt32_t irq[3] = { cpu_to_fdt32(GIC_SPI), cpu_to_fdt32(v->spi),
			   cpu_to_fdt32(IRQ_TYPE_EDGE_RISING) };
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "virtio@%llx",
		 (unsigned long long)v->base);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	TRY(prop_u64_pair(fdt, "reg", v->base, v->size));
	TRY(fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	TRY(fdt_end_node(fdt));
out:
	return ret;
}

/* In address order, so the guest probes (and names) them in slot order. */
static int add_virtio_all(void *fdt, const struct fdt_params *p)
{
	uint64_t last = 0;
	unsigned int i, done;
	int ret = 0;

	for (done = 0; done < p->nr_virtio; done++) {
		const struct fdt_virtio *next = NULL;

		for (i = 0; i < p->nr_virtio; i++)
			if ((!done || p->virtio[i].base > last) &&
			    (!next || p->virtio[i].base < next->base))
				next = &p->virtio[i];
		if (!next)
			return -FDT_ERR_BADVALUE; /* two at one address */
		last = next->base;
		TRY(add_virtio(fdt, next));
	}
out:
	return ret;
}

static int add_psci(void *fdt, const struct fdt_params *p)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";
	int ret;

	TRY(fdt_begin_node(fdt, "psci"));
	TRY(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	TRY(fdt_property_string(fdt, "method", p->psci_method));
	TRY(fdt_end_node(fdt));
out:
	return ret;
}

static int add_chosen(void *fdt, const struct fdt_params *p)
{
	char path[32];
	int ret;

	TRY(fdt_begin_node(fdt, "chosen"));
	TRY(fdt_property_string(fdt, "bootargs",
				p->bootargs ? p->bootargs : ""));
	/* A full path, so plain "earlycon" finds the UART. */
	snprintf(path, sizeof(path), "/serial@%llx",
		 (unsigned long long)ARM_UART_BASE);
	TRY(fdt_property_string(fdt, "stdout-path", path));
	if (p->initrd_size) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start",
				     p->initrd_start));
		TRY(fdt_property_u64(fdt, "linux,initrd-end",
				     p->initrd_start + p->initrd_size));
	}
	if (p->kaslr_seed)
		TRY(fdt_property_u64(fdt, "kaslr-seed", p->kaslr_seed));
	/* Which boot this is: 1, then +1 per reboot in place (for tests). */
	if (p->boot_count)
		TRY(fdt_property_cell(fdt, "lkvm,boot-count", p->boot_count));
	TRY(fdt_end_node(fdt));
out:
	return ret;
}

static int fdt_to_errno(int err)
{
	return err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

int fdt__build(const struct fdt_params *p, void *buf, size_t bufsize)
{
	char name[32];
	int ret;

	if (!p->nr_cpus || !p->mpidrs || !p->psci_method || bufsize > INT32_MAX)
		return -EINVAL;
	if (p->gic == FDT_GIC_V2 && p->nr_cpus > 8)
		return -EINVAL;
	if (p->pmu && (p->pmu_ppi < 16 || p->pmu_ppi > 31))
		return -EINVAL;
	if (p->nr_virtio > FDT_MAX_VIRTIO || (p->nr_virtio && !p->virtio))
		return -EINVAL;

	TRY(fdt_create(buf, (int)bufsize));
	TRY(fdt_finish_reservemap(buf));
	TRY(fdt_begin_node(buf, ""));
	TRY(fdt_property_string(buf, "compatible", "linux,dummy-virt"));
	TRY(fdt_property_cell(buf, "#address-cells", 2));
	TRY(fdt_property_cell(buf, "#size-cells", 2));
	TRY(fdt_property_cell(buf, "interrupt-parent", PHANDLE_GIC));

	TRY(add_chosen(buf, p));

	snprintf(name, sizeof(name), "memory@%llx",
		 (unsigned long long)p->ram_base);
	TRY(fdt_begin_node(buf, name));
	TRY(fdt_property_string(buf, "device_type", "memory"));
	TRY(prop_u64_pair(buf, "reg", p->ram_base, p->ram_size));
	TRY(fdt_end_node(buf));

	TRY(add_cpus(buf, p));
	TRY(add_psci(buf, p));
	TRY(add_gic(buf, p));
	TRY(add_timer(buf, p));
	if (p->pmu)
		TRY(add_pmu(buf, p));
	TRY(add_uart(buf));
	if (p->pvpanic)
		TRY(add_pvpanic(buf, p));
	TRY(add_virtio_all(buf, p));

	TRY(fdt_end_node(buf));
	TRY(fdt_finish(buf));
	return 0;
out:
	return fdt_to_errno(ret);
}
