// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/fdt.h"
#include "kvm/layout.h"
#include "kvm/virtio-slots.h"

#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_TYPE_LEVEL_HIGH 4
#define IRQ_TYPE_LEVEL_LOW 8

static uint64_t test_mpidr(unsigned int i)
{
	return 0x80000000ULL | (i & 0xf) | ((uint64_t)(i >> 4) << 8);
}

struct dt {
	uint64_t mpidrs[32];
	struct fdt_params p;
	uint8_t buf[FDT_MAX_SIZE];
};

static void params(struct dt *d, unsigned int nr_cpus, enum fdt_gic gic)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < 32; i++)
		d->mpidrs[i] = test_mpidr(i);
	d->p = (struct fdt_params){
		.nr_cpus = nr_cpus,
		.mpidrs = d->mpidrs,
		.ram_base = ARM_RAM_BASE,
		.ram_size = 448 * 0x100000ULL,
		.bootargs = "console=ttyS0 earlycon root=/dev/vda rw",
		.gic = gic,
		.psci_method = "hvc",
	};
}

static bool build(struct test_ctx *t, struct dt *d)
{
	int ret = fdt__build(&d->p, d->buf, sizeof(d->buf));

	if (ret) {
		test__fail(t, __FILE__, __LINE__, "fdt__build: %d", ret);
		return false;
	}
	if (fdt_check_header(d->buf) ||
	    fdt_check_full(d->buf, sizeof(d->buf))) {
		test__fail(t, __FILE__, __LINE__, "malformed DTB");
		return false;
	}
	return true;
}

static uint32_t cell(const void *prop, int i)
{
	return fdt32_to_cpu(((const fdt32_t *)prop)[i]);
}

static uint64_t cells64(const void *prop, int i)
{
	return (uint64_t)cell(prop, i) << 32 | cell(prop, i + 1);
}

/* Node at path, or a failure and -1. */
static int node(struct test_ctx *t, const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	if (off < 0)
		test__fail(t, __FILE__, __LINE__, "no node %s: %s", path,
			   fdt_strerror(off));
	return off;
}

/* Property with exactly len bytes, or a failure and NULL. */
static const void *prop(struct test_ctx *t, const void *fdt, int off,
			const char *name, int len)
{
	int got;
	const void *v = fdt_getprop(fdt, off, name, &got);

	if (!v) {
		test__fail(t, __FILE__, __LINE__, "no property %s", name);
		return NULL;
	}
	if (len >= 0 && got != len) {
		test__fail(t, __FILE__, __LINE__, "%s: %d bytes, want %d", name,
			   got, len);
		return NULL;
	}
	return v;
}

static bool has_prop(const void *fdt, int off, const char *name)
{
	return fdt_getprop(fdt, off, name, NULL) != NULL;
}

static bool compatible(const void *fdt, int off, const char *c)
{
	return fdt_node_check_compatible(fdt, off, c) == 0;
}

static const char *str(struct test_ctx *t, const void *fdt, int off,
		       const char *name)
{
	int len;
	const char *v = fdt_getprop(fdt, off, name, &len);

	if (!v || len < 1 || v[len - 1] != '\0') {
		test__fail(t, __FILE__, __LINE__, "%s: not a string", name);
		return NULL;
	}
	return v;
}

static int count_compatible(const void *fdt, const char *c)
{
	int off = -1, n = 0;

	while ((off = fdt_node_offset_by_compatible(fdt, off, c)) >= 0)
		n++;
	return n;
}

static void check_root(struct test_ctx *t, const struct dt *d)
{
	const void *fdt = d->buf;
	const void *v;
	int gic;

	CHECK_STR(t, str(t, fdt, 0, "compatible"), "linux,dummy-virt");
	v = prop(t, fdt, 0, "#address-cells", 4);
	CHECK(t, v && cell(v, 0) == 2);
	v = prop(t, fdt, 0, "#size-cells", 4);
	CHECK(t, v && cell(v, 0) == 2);

	/* interrupt-parent is the phandle of the one interrupt controller. */
	gic = fdt_node_offset_by_prop_value(fdt, -1, "interrupt-controller",
					    NULL, 0);
	CHECK(t, gic > 0);
	CHECK_EQ(t,
		 fdt_node_offset_by_prop_value(fdt, gic, "interrupt-controller",
					       NULL, 0),
		 -FDT_ERR_NOTFOUND);
	v = prop(t, fdt, 0, "interrupt-parent", 4);
	CHECK(t, v && gic > 0 && cell(v, 0) == fdt_get_phandle(fdt, gic));
	CHECK(t, v && cell(v, 0) != 0);
	if (v)
		CHECK_EQ(t, fdt_node_offset_by_phandle(fdt, cell(v, 0)), gic);
}

static void check_chosen(struct test_ctx *t, const struct dt *d)
{
	const void *fdt = d->buf;
	const char *path;
	const void *v;
	int off = node(t, fdt, "/chosen");
	int uart;

	if (off < 0)
		return;
	CHECK_STR(t, str(t, fdt, off, "bootargs"), d->p.bootargs);
	path = str(t, fdt, off, "stdout-path");
	if (path) {
		uart = fdt_path_offset(fdt, path);
		CHECK(t, uart > 0);
		CHECK(t, uart > 0 && compatible(fdt, uart, "ns16550a"));
	}
	if (d->p.initrd_size) {
		v = prop(t, fdt, off, "linux,initrd-start", 8);
		CHECK(t, v && cells64(v, 0) == d->p.initrd_start);
		v = prop(t, fdt, off, "linux,initrd-end", 8);
		CHECK(t, v && cells64(v, 0) ==
					 d->p.initrd_start + d->p.initrd_size);
	} else {
		CHECK(t, !has_prop(fdt, off, "linux,initrd-start"));
		CHECK(t, !has_prop(fdt, off, "linux,initrd-end"));
	}
	if (d->p.kaslr_seed) {
		v = prop(t, fdt, off, "kaslr-seed", 8);
		CHECK(t, v && cells64(v, 0) == d->p.kaslr_seed);
	} else {
		CHECK(t, !has_prop(fdt, off, "kaslr-seed"));
	}
}

static void check_memory(struct test_ctx *t, const struct dt *d)
{
	const void *fdt = d->buf;
	const void *v;
	int off = node(t, fdt, "/memory@80000000");

	if (off < 0)
		return;
	CHECK_STR(t, str(t, fdt, off, "device_type"), "memory");
	v = prop(t, fdt, off, "reg", 16);
	CHECK(t, v && cells64(v, 0) == d->p.ram_base);
	CHECK(t, v && cells64(v, 2) == d->p.ram_size);
}

static void check_cpus(struct test_ctx *t, const struct dt *d)
{
	const void *fdt = d->buf;
	bool seen[32] = { false };
	unsigned int n = 0, i;
	const void *v;
	int cpus = node(t, fdt, "/cpus"), off;

	if (cpus < 0)
		return;
	v = prop(t, fdt, cpus, "#address-cells", 4);
	CHECK(t, v && cell(v, 0) == 2);
	v = prop(t, fdt, cpus, "#size-cells", 4);
	CHECK(t, v && cell(v, 0) == 0);

	for (off = fdt_first_subnode(fdt, cpus); off >= 0;
	     off = fdt_next_subnode(fdt, off)) {
		const char *name = fdt_get_name(fdt, off, NULL);
		uint64_t reg;
		char want[32];

		n++;
		CHECK(t, name && !strncmp(name, "cpu@", 4));
		CHECK_STR(t, str(t, fdt, off, "device_type"), "cpu");
		CHECK_STR(t, str(t, fdt, off, "enable-method"), "psci");
		v = prop(t, fdt, off, "reg", 8);
		if (!v)
			continue;
		reg = cells64(v, 0);
		snprintf(want, sizeof(want), "cpu@%llx",
			 (unsigned long long)reg);
		CHECK_STR(t, name, want);
		for (i = 0; i < d->p.nr_cpus; i++)
			if (reg == (d->mpidrs[i] & 0xff00ffffffULL))
				break;
		if (i == d->p.nr_cpus) {
			test__fail(t, __FILE__, __LINE__,
				   "cpu reg 0x%llx is no vCPU's MPIDR",
				   (unsigned long long)reg);
			continue;
		}
		CHECK(t, !seen[i]);
		seen[i] = true;
		/* The RES1 bit 31 is not part of the hardware ID. */
		CHECK(t, !(reg & 0x80000000ULL));
	}
	CHECK_EQ(t, n, d->p.nr_cpus);
	for (i = 0; i < d->p.nr_cpus; i++)
		CHECK(t, seen[i]);
}

static void check_psci(struct test_ctx *t, const struct dt *d)
{
	const void *fdt = d->buf;
	const char *v;
	int len, off = node(t, fdt, "/psci");

	if (off < 0)
		return;
	v = fdt_getprop(fdt, off, "compatible", &len);
	CHECK(t, v != NULL);
	if (v) {
		CHECK(t, fdt_stringlist_contains(v, len, "arm,psci-1.0"));
		CHECK(t, fdt_stringlist_contains(v, len, "arm,psci-0.2"));
		CHECK(t, fdt_stringlist_contains(v, len, "arm,psci"));
		/* Most specific first. */
		CHECK_STR(t, v, "arm,psci-1.0");
	}
	CHECK_STR(t, str(t, fdt, off, "method"), d->p.psci_method);
}

static void check_gic(struct test_ctx *t, const struct dt *d)
{
	const void *fdt = d->buf;
	uint64_t n = d->p.nr_cpus;
	const void *v;
	int off;

	if (d->p.gic == FDT_GIC_V3) {
		off = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
		CHECK(t, off > 0);
		CHECK_EQ(t, count_compatible(fdt, "arm,cortex-a15-gic"), 0);
	} else {
		off = fdt_node_offset_by_compatible(fdt, -1,
						    "arm,cortex-a15-gic");
		CHECK(t, off > 0);
		CHECK_EQ(t, count_compatible(fdt, "arm,gic-v3"), 0);
	}
	if (off < 0)
		return;
	CHECK(t, has_prop(fdt, off, "interrupt-controller"));
	v = prop(t, fdt, off, "#interrupt-cells", 4);
	CHECK(t, v && cell(v, 0) == 3);
	CHECK(t, fdt_get_phandle(fdt, off) != 0);
	CHECK_STR(t, fdt_get_name(fdt, off, NULL), "intc@3fff0000");

	v = prop(t, fdt, off, "reg", 32);
	if (!v)
		return;
	CHECK_EQ(t, cells64(v, 0), 0x3fff0000);
	if (d->p.gic == FDT_GIC_V3) {
		CHECK_EQ(t, cells64(v, 2), 0x10000);
		CHECK_EQ(t, cells64(v, 4), 0x3fff0000 - n * 0x20000);
		CHECK_EQ(t, cells64(v, 6), n * 0x20000);
		CHECK_EQ(t, cells64(v, 4), layout__gicv3_redist_base(n));
	} else {
		CHECK_EQ(t, cells64(v, 2), 0x1000);
		CHECK_EQ(t, cells64(v, 4), ARM_GICV2_CPU_BASE);
		CHECK_EQ(t, cells64(v, 6), 0x2000);
	}
}

static void check_timer(struct test_ctx *t, const struct dt *d)
{
	static const uint32_t ppis[] = { 13, 14, 11, 10 };
	const void *fdt = d->buf;
	uint32_t flags = IRQ_TYPE_LEVEL_LOW;
	const void *v;
	int i, off;

	off = fdt_node_offset_by_compatible(fdt, -1, "arm,armv8-timer");
	CHECK(t, off > 0);
	if (off < 0)
		return;
	if (d->p.gic == FDT_GIC_V2)
		flags |= ((1u << d->p.nr_cpus) - 1) << 8;
	v = prop(t, fdt, off, "interrupts", 4 * 3 * 4);
	if (!v)
		return;
	for (i = 0; i < 4; i++) {
		CHECK_EQ(t, cell(v, 3 * i), GIC_PPI);
		CHECK_EQ(t, cell(v, 3 * i + 1), ppis[i]);
		CHECK_EQ(t, cell(v, 3 * i + 2), flags);
	}
	/* --override-bad-firmware-cntfrq: Linux takes this over CNTFRQ. */
	if (d->p.timer_freq) {
		v = prop(t, fdt, off, "clock-frequency", 4);
		CHECK(t, v && cell(v, 0) == d->p.timer_freq);
	} else {
		CHECK(t, !has_prop(fdt, off, "clock-frequency"));
	}
}

/* --pmu: one arm,armv8-pmuv3 node with its PPI; none without. */
static void check_pmu(struct test_ctx *t, const struct dt *d)
{
	const void *fdt = d->buf;
	uint32_t flags = IRQ_TYPE_LEVEL_HIGH;
	const void *v;
	int off;

	if (!d->p.pmu) {
		CHECK_EQ(t, count_compatible(fdt, "arm,armv8-pmuv3"), 0);
		return;
	}
	CHECK_EQ(t, count_compatible(fdt, "arm,armv8-pmuv3"), 1);
	off = fdt_node_offset_by_compatible(fdt, -1, "arm,armv8-pmuv3");
	if (off < 0)
		return;
	CHECK_STR(t, fdt_get_name(fdt, off, NULL), "pmu");
	CHECK_EQ(t, fdt_parent_offset(fdt, off), 0);
	if (d->p.gic == FDT_GIC_V2)
		flags |= ((1u << d->p.nr_cpus) - 1) << 8;
	v = prop(t, fdt, off, "interrupts", 12);
	CHECK(t, v && cell(v, 0) == GIC_PPI);
	CHECK(t, v && cell(v, 1) == d->p.pmu_ppi - 16);
	CHECK(t, v && cell(v, 2) == flags);
}

/*
 * Stolen time needs no node (Linux finds it through SMCCC calls), but
 * its region must stay clear of RAM and of every device the DT names.
 */
static void check_pvtime_clear(struct test_ctx *t, const struct dt *d)
{
	const void *fdt = d->buf;
	uint64_t lo = ARM_PVTIME_BASE;
	uint64_t hi = lo + layout__pvtime_size(d->p.nr_cpus);
	const void *v;
	int off, len, i;

	for (off = fdt_first_subnode(fdt, 0); off >= 0;
	     off = fdt_next_subnode(fdt, off)) {
		v = fdt_getprop(fdt, off, "reg", &len);
		if (!v || len % 16)
			continue;
		for (i = 0; i < len / 4; i += 4) {
			uint64_t a = cells64(v, i), n = cells64(v, i + 2);

			if (a < hi && lo < a + n)
				test__fail(t, __FILE__, __LINE__,
					   "%s overlaps the stolen-time region",
					   fdt_get_name(fdt, off, NULL));
		}
	}
}

static void check_uart(struct test_ctx *t, const struct dt *d)
{
	const void *fdt = d->buf;
	const void *v;
	int off;

	CHECK_EQ(t, count_compatible(fdt, "ns16550a"), 1);
	off = fdt_node_offset_by_compatible(fdt, -1, "ns16550a");
	if (off < 0)
		return;
	CHECK_STR(t, fdt_get_name(fdt, off, NULL), "serial@1000000");
	v = prop(t, fdt, off, "reg", 16);
	CHECK(t, v && cells64(v, 0) == 0x1000000);
	CHECK(t, v && cells64(v, 2) == 8);
	v = prop(t, fdt, off, "interrupts", 12);
	CHECK(t, v && cell(v, 0) == GIC_SPI);
	CHECK(t, v && cell(v, 1) == 0);
	CHECK(t, v && cell(v, 2) == IRQ_TYPE_LEVEL_HIGH);
	v = prop(t, fdt, off, "clock-frequency", 4);
	CHECK(t, v && cell(v, 0) > 0);
}

static void check_pvpanic(struct test_ctx *t, const struct dt *d)
{
	const void *fdt = d->buf;
	const void *v;
	int off = fdt_node_offset_by_compatible(fdt, -1, "qemu,pvpanic-mmio");

	if (!d->p.pvpanic) {
		CHECK_EQ(t, off, -FDT_ERR_NOTFOUND);
		return;
	}
	CHECK(t, off > 0);
	if (off < 0)
		return;
	v = prop(t, fdt, off, "reg", 16);
	CHECK(t, v && cells64(v, 0) == d->p.pvpanic_base);
	CHECK(t, v && cells64(v, 2) == ARM_PVPANIC_SIZE);
}

static void check_all(struct test_ctx *t, const struct dt *d)
{
	check_root(t, d);
	check_chosen(t, d);
	check_memory(t, d);
	check_cpus(t, d);
	check_psci(t, d);
	check_gic(t, d);
	check_timer(t, d);
	check_uart(t, d);
	check_pvpanic(t, d);
	check_pmu(t, d);
	check_pvtime_clear(t, d);
}

static void gicv3_cpus(struct test_ctx *t, unsigned int n)
{
	static struct dt d;

	params(&d, n, FDT_GIC_V3);
	if (build(t, &d))
		check_all(t, &d);
}

static void gicv3_1cpu(struct test_ctx *t)
{
	gicv3_cpus(t, 1);
}

static void gicv3_4cpu(struct test_ctx *t)
{
	gicv3_cpus(t, 4);
}

static void gicv3_8cpu(struct test_ctx *t)
{
	gicv3_cpus(t, 8);
}

/* MPIDRs with Aff1 set, and Aff2/Aff3 bits that must survive. */
static void gicv3_20cpu_affinity(struct test_ctx *t)
{
	static struct dt d;

	params(&d, 20, FDT_GIC_V3);
	d.mpidrs[19] |= 0x0000000200ff0000ULL; /* Aff3 = 2, Aff2 = 0xff */
	d.mpidrs[18] |= 0x40000000ULL; /* U bit: not in the hwid */
	if (!build(t, &d))
		return;
	check_all(t, &d);
	CHECK(t, fdt_path_offset(d.buf, "/cpus/cpu@0") >= 0);
	CHECK(t, fdt_path_offset(d.buf, "/cpus/cpu@f") >= 0);
	CHECK(t, fdt_path_offset(d.buf, "/cpus/cpu@100") >= 0);
	CHECK(t, fdt_path_offset(d.buf, "/cpus/cpu@102") >= 0);
	CHECK(t, fdt_path_offset(d.buf, "/cpus/cpu@200ff0103") >= 0);
	CHECK(t, fdt_path_offset(d.buf, "/cpus/cpu@14") < 0);
}

static void gicv2_4cpu(struct test_ctx *t)
{
	static struct dt d;

	params(&d, 4, FDT_GIC_V2);
	d.p.psci_method = "smc";
	if (build(t, &d))
		check_all(t, &d);
}

static void gicv2_8cpu(struct test_ctx *t)
{
	static struct dt d;

	params(&d, 8, FDT_GIC_V2);
	if (build(t, &d))
		check_all(t, &d);
}

static void initrd_kaslr_pvpanic(struct test_ctx *t)
{
	static struct dt d;

	params(&d, 2, FDT_GIC_V3);
	d.p.initrd_start = 0x8f000000;
	d.p.initrd_size = 0x123456;
	d.p.kaslr_seed = 0x0123456789abcdefULL;
	d.p.pvpanic = true;
	d.p.pvpanic_base = ARM_PVPANIC_BASE;
	d.p.ram_base = ARM_RAM_BASE;
	d.p.ram_size = 0x140000000ULL; /* 5 GiB: size above 32 bits */
	if (build(t, &d))
		check_all(t, &d);
	CHECK(t, fdt_path_offset(d.buf, "/pvpanic@1010000") >= 0);
}

static void pmu_cntfrq_gicv3(struct test_ctx *t)
{
	static struct dt d;

	params(&d, 2, FDT_GIC_V3);
	d.p.pmu = true;
	d.p.pmu_ppi = 23;
	d.p.timer_freq = 25000000;
	d.p.pvpanic = true;
	d.p.pvpanic_base = ARM_PVPANIC_BASE;
	if (build(t, &d))
		check_all(t, &d);
	CHECK(t, fdt_path_offset(d.buf, "/pmu") >= 0);
}

static void pmu_gicv2(struct test_ctx *t)
{
	static struct dt d;

	params(&d, 4, FDT_GIC_V2);
	d.p.pmu = true;
	d.p.pmu_ppi = 23;
	if (build(t, &d))
		check_all(t, &d);
}

/* Each virtio device: its own node, window and edge-triggered SPI. */
static void check_virtio_node(struct test_ctx *t, const void *fdt,
			      const struct virtio_slot *s)
{
	char path[40];
	const void *v;
	int off;

	snprintf(path, sizeof(path), "/virtio@%llx",
		 (unsigned long long)s->base);
	off = node(t, fdt, path);
	if (off < 0)
		return;
	CHECK(t, compatible(fdt, off, "virtio,mmio"));
	v = prop(t, fdt, off, "reg", 16);
	if (v) {
		CHECK_EQ(t, cells64(v, 0), s->base);
		CHECK_EQ(t, cells64(v, 2), 0x200);
	}
	v = prop(t, fdt, off, "interrupts", 12);
	if (v) {
		CHECK_EQ(t, cell(v, 0), GIC_SPI);
		CHECK_EQ(t, cell(v, 1), s->spi);
		CHECK_EQ(t, cell(v, 2), 1); /* IRQ_TYPE_EDGE_RISING */
	}
	CHECK(t, has_prop(fdt, off, "dma-coherent"));
}

static void virtio_nodes(struct test_ctx *t)
{
	static struct dt d;
	struct fdt_virtio v[4];
	struct virtio_slot s[4];
	int off, prev = -1, i;
	const char *name;

	/* Given out of order: the DT lists them by address (slot order). */
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_RNG, 0, &s[0]), 0);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_BLK, 1, &s[1]), 0);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_BLK, 0, &s[2]), 0);
	CHECK_EQ(t, virtio_slots__get(VIRTIO_KIND_NET, 0, &s[3]), 0);
	for (i = 0; i < 4; i++)
		v[i] = (struct fdt_virtio){ .base = s[i].base,
					    .size = 0x200,
					    .spi = s[i].spi };
	params(&d, 2, FDT_GIC_V3);
	d.p.virtio = v;
	d.p.nr_virtio = 4;
	if (!build(t, &d))
		return;
	check_all(t, &d);
	for (i = 0; i < 4; i++)
		check_virtio_node(t, d.buf, &s[i]);
	i = 0;
	fdt_for_each_subnode(off, d.buf, 0)
	{
		name = fdt_get_name(d.buf, off, NULL);
		if (strncmp(name, "virtio@", 7))
			continue;
		CHECK(t, prev < 0 || off > prev);
		prev = off;
		i++;
		if (i == 1)
			CHECK_STR(t, name, "virtio@3000000");
		if (i == 4)
			CHECK_STR(t, name, "virtio@3002800");
	}
	CHECK_EQ(t, i, 4);

	/* Two devices at one address: refused. */
	v[1] = v[0];
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), -EINVAL);
	d.p.nr_virtio = FDT_MAX_VIRTIO + 1;
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), -EINVAL);
	d.p.nr_virtio = 1;
	d.p.virtio = NULL;
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), -EINVAL);
}

static void no_bootargs(struct test_ctx *t)
{
	static struct dt d;
	const char *v;
	int off;

	params(&d, 1, FDT_GIC_V3);
	d.p.bootargs = NULL;
	if (!build(t, &d))
		return;
	off = fdt_path_offset(d.buf, "/chosen");
	CHECK(t, off >= 0);
	v = str(t, d.buf, off, "bootargs");
	CHECK_STR(t, v, "");
}

static void errors(struct test_ctx *t)
{
	static struct dt d;

	params(&d, 0, FDT_GIC_V3);
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), -EINVAL);
	params(&d, 9, FDT_GIC_V2);
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), -EINVAL);
	params(&d, 2, FDT_GIC_V3);
	d.p.mpidrs = NULL;
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), -EINVAL);
	params(&d, 2, FDT_GIC_V3);
	d.p.psci_method = NULL;
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), -EINVAL);
	/* The PMU's interrupt must be a PPI (INTID 16-31). */
	params(&d, 2, FDT_GIC_V3);
	d.p.pmu = true;
	d.p.pmu_ppi = 15;
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), -EINVAL);
	d.p.pmu_ppi = 32;
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), -EINVAL);
	d.p.pmu_ppi = 31;
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), 0);
	/* Nine CPUs are fine with GICv3. */
	params(&d, 9, FDT_GIC_V3);
	CHECK_EQ(t, fdt__build(&d.p, d.buf, sizeof(d.buf)), 0);
}

/* Too small a buffer: -ENOSPC and not one byte written outside it. */
static void small_buffer(struct test_ctx *t)
{
	enum { CANARY = 256 };
	static const size_t sizes[] = { 0, 16, 40, 256, 1024 };
	static uint8_t outer[CANARY + 1024 + CANARY];
	static struct dt d;
	size_t s, i;

	params(&d, 8, FDT_GIC_V3);
	d.p.kaslr_seed = 1;
	d.p.pvpanic = true;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t len = sizes[s];
		int ret;

		memset(outer, 0xa5, sizeof(outer));
		ret = fdt__build(&d.p, outer + CANARY, len);
		if (ret != -ENOSPC)
			test__fail(t, __FILE__, __LINE__,
				   "%zu bytes: got %d, want -ENOSPC", len, ret);
		for (i = 0; i < sizeof(outer); i++)
			if ((i < CANARY || i >= CANARY + len) &&
			    outer[i] != 0xa5) {
				test__fail(t, __FILE__, __LINE__,
					   "%zu bytes: wrote byte %zd", len,
					   (ssize_t)i - CANARY);
				break;
			}
	}
}

/* The size the DTB needs is enough, and one byte less is not. */
static void exact_size(struct test_ctx *t)
{
	static struct dt d;
	static uint8_t buf[FDT_MAX_SIZE];
	int need;

	params(&d, 8, FDT_GIC_V3);
	if (!build(t, &d))
		return;
	need = (int)fdt_totalsize(d.buf);
	CHECK(t, need > 256 && need < FDT_MAX_SIZE);
	CHECK_EQ(t, fdt__build(&d.p, buf, need), 0);
	CHECK_EQ(t, fdt_check_full(buf, need), 0);
	CHECK(t, !memcmp(buf, d.buf, need));
	CHECK_EQ(t, fdt__build(&d.p, buf, need - 1), -ENOSPC);
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (n && !access(buf, X_OK))
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

static void dtc_installed(struct test_ctx *t)
{
	if (!on_path("dtc"))
		test__fail(t, __FILE__, __LINE__, "dtc not installed");
}

static bool file_contains(const char *file, const char *needle)
{
	static char text[65536];
	FILE *f = fopen(file, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return strstr(text, needle) != NULL;
}

/* dtc reads the DTB back; dtc_installed reports when it cannot. */
static void dtc_decompiles(struct test_ctx *t)
{
	static struct dt d;
	char dtb[128], dts[128], cmd[512];
	struct stat st;
	FILE *f;
	size_t len;

	if (!on_path("dtc"))
		return;
	params(&d, 4, FDT_GIC_V3);
	d.p.initrd_start = 0x88000000;
	d.p.initrd_size = 0x100000;
	d.p.pvpanic = true;
	d.p.pvpanic_base = ARM_PVPANIC_BASE;
	if (!build(t, &d))
		return;
	len = fdt_totalsize(d.buf);

	/* Kept for people to look at when build/host exists. */
	if (!stat("build/host", &st) && S_ISDIR(st.st_mode)) {
		snprintf(dtb, sizeof(dtb), "build/host/test-fdt-4cpu.dtb.%d",
			 (int)getpid());
	} else {
		snprintf(dtb, sizeof(dtb), "/tmp/test-fdt-4cpu.%d.dtb",
			 (int)getpid());
	}
	snprintf(dts, sizeof(dts), "/tmp/test-fdt-4cpu.%d.dts", (int)getpid());
	f = fopen(dtb, "wb");
	CHECK(t, f != NULL);
	if (!f)
		return;
	CHECK_EQ(t, fwrite(d.buf, 1, len, f), len);
	CHECK_EQ(t, fclose(f), 0);

	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o %s %s >/dev/null 2>&1",
		 dts, dtb);
	CHECK_EQ(t, system(cmd), 0);
	CHECK(t, file_contains(dts, "compatible = \"linux,dummy-virt\";"));
	CHECK(t, file_contains(dts, "cpu@3 {"));
	CHECK(t, file_contains(dts, "method = \"hvc\";"));
	unlink(dts);

	if (!strncmp(dtb, "build/host/", 11))
		CHECK_EQ(t, rename(dtb, "build/host/test-fdt-4cpu.dtb"), 0);
	else
		unlink(dtb);
}

TEST_SUITE(fdt, TEST(gicv3_1cpu), TEST(gicv3_4cpu), TEST(gicv3_8cpu),
	   TEST(gicv3_20cpu_affinity), TEST(gicv2_4cpu), TEST(gicv2_8cpu),
	   TEST(initrd_kaslr_pvpanic), TEST(pmu_cntfrq_gicv3), TEST(pmu_gicv2),
	   TEST(virtio_nodes), TEST(no_bootargs), TEST(errors),
	   TEST(small_buffer), TEST(exact_size), TEST(dtc_installed),
	   TEST(dtc_decompiles));
