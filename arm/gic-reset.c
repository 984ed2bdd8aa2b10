// SPDX-License-Identifier: GPL-2.0
/*
 * The vGIC back to its power-on state on a reboot in place.
 *
 * KVM_ARM_VCPU_INIT resets a vCPU but not its interrupt controller: the
 * distributor, the redistributors and each CPU interface (VMCR, active
 * priorities) keep what the old boot left, such as the IPI_CPU_STOP that
 * Linux's stopped CPUs never deactivate. KVM has no reset call, so the
 * whole register state is read through the vGIC device's attributes once,
 * after the vGIC is initialised and before any vCPU runs, and written back
 * on each reboot. KVM refuses these accesses (EBUSY) while a vCPU is in
 * KVM_RUN; on a reboot every vCPU is parked.
 */
#include "kvm/kvm.h"
#include "kvm/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* Distributor registers; the GICv3 redistributor's SGI frame has the same. */
#define GICD_CTLR 0x0000
#define GICD_IIDR 0x0008
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ISPENDR 0x0200
#define GICD_ISACTIVER 0x0300
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR 0x0800 /* GICv2 */
#define GICD_ICFGR 0x0c00
#define GICD_CPENDSGIR 0x0f10 /* GICv2 */
#define GICD_SPENDSGIR 0x0f20 /* GICv2 */
#define GICD_IROUTER 0x6000 /* GICv3 */
#define GICD_CLEAR 0x80 /* ICENABLER from ISENABLER, and so on */
#define GICR_SGI_FRAME 0x10000

/* GICv2 CPU interface registers. */
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_ABPR 0x1c
#define GICC_APR0 0xd0

/* GICv3 CPU interface registers, as KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS
 * names them (op0 is 3 for all). */
#define ICC(op1, crn, crm, op2) \
	((3u << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
#define ICC_PMR_EL1 ICC(0, 4, 6, 0)
#define ICC_BPR0_EL1 ICC(0, 12, 8, 3)
#define ICC_AP0R_EL1(n) ICC(0, 12, 8, 4 + (n))
#define ICC_AP1R_EL1(n) ICC(0, 12, 9, (n))
#define ICC_BPR1_EL1 ICC(0, 12, 12, 3)
#define ICC_CTLR_EL1 ICC(0, 12, 12, 4)
#define ICC_SRE_EL1 ICC(0, 12, 12, 5)
#define ICC_IGRPEN0_EL1 ICC(0, 12, 12, 6)
#define ICC_IGRPEN1_EL1 ICC(0, 12, 12, 7)

enum reg_kind {
	REG_VALUE, /* written back as read */
	REG_SET, /* a set register: all ones to its clear twin first */
	REG_IF_PRESENT, /* as REG_VALUE, if it exists (ICC_APxRn_EL1) */
};

struct gic_reg {
	uint32_t group;
	enum reg_kind kind;
	uint64_t attr;
	uint64_t clear_attr; /* REG_SET */
	uint64_t val;
};

struct gic_state {
	struct gic_reg *regs;
	size_t nr, cap;
	bool oom;
};

static bool is_wide(uint32_t group)
{
	return group == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS;
}

static int reg_get(int fd, uint32_t group, uint64_t attr, uint64_t *val)
{
	uint32_t v32 = 0;
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = is_wide(group) ? (uintptr_t)val : (uintptr_t)&v32,
	};

	if (ioctl(fd, KVM_GET_DEVICE_ATTR, &a) < 0)
		return -errno;
	if (!is_wide(group))
		*val = v32;
	return 0;
}

static int reg_set(int fd, uint32_t group, uint64_t attr, uint64_t val)
{
	uint32_t v32 = (uint32_t)val;
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = is_wide(group) ? (uintptr_t)&val : (uintptr_t)&v32,
	};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

static void add(struct gic_state *s, uint32_t group, uint64_t attr,
		uint64_t clear_attr, enum reg_kind kind)
{
	struct gic_reg *regs;

	if (s->nr == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		regs = realloc(s->regs, s->cap * sizeof(*regs));
		if (!regs) {
			s->oom = true;
			s->cap = s->nr;
			return;
		}
		s->regs = regs;
	}
	s->regs[s->nr++] = (struct gic_reg){
		.group = group,
		.kind = kind,
		.attr = attr,
		.clear_attr = clear_attr,
	};
}

/* The words of a register with `bits` per interrupt, for [first, end). */
static void add_words(struct gic_state *s, uint32_t group, uint64_t who,
		      uint32_t reg, unsigned int bits, unsigned int first,
		      unsigned int end)
{
	unsigned int irq;

	for (irq = first; irq < end; irq += 32 / bits)
		add(s, group, who | (reg + irq * bits / 8), 0, REG_VALUE);
}

/* The same for a set/clear pair (one bit per interrupt). */
static void add_pair(struct gic_state *s, uint32_t group, uint64_t who,
		     uint32_t set, unsigned int first, unsigned int end)
{
	unsigned int irq;

	for (irq = first; irq < end; irq += 32)
		add(s, group, who | (set + irq / 8),
		    who | (set + GICD_CLEAR + irq / 8), REG_SET);
}

/*
 * The per-interrupt registers of [first, end) at base: the configuration
 * first, then enable, pending and active state.
 */
static void add_irqs(struct gic_state *s, uint32_t group, uint64_t who,
		     uint32_t base, unsigned int first, unsigned int end,
		     bool targets)
{
	add_words(s, group, who, base + GICD_IGROUPR, 1, first, end);
	add_words(s, group, who, base + GICD_ICFGR, 2, first, end);
	add_words(s, group, who, base + GICD_IPRIORITYR, 8, first, end);
	if (targets)
		add_words(s, group, who, base + GICD_ITARGETSR, 8, first, end);
	add_pair(s, group, who, base + GICD_ISENABLER, first, end);
	add_pair(s, group, who, base + GICD_ISPENDR, first, end);
	add_pair(s, group, who, base + GICD_ISACTIVER, first, end);
}

/* How KVM names a vCPU in GICv3 attributes: Aff3-Aff0 in bits 63-32. */
static uint64_t v3_vcpu(uint64_t mpidr)
{
	uint64_t aff = ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);

	return aff << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT;
}

static void build_v3(struct kvm *kvm, struct gic_state *s, unsigned int nr_irqs)
{
	const uint32_t dist = KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
	const uint32_t redist = KVM_DEV_ARM_VGIC_GRP_REDIST_REGS;
	const uint32_t sysregs = KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS;
	/* ICC_CTLR_EL1 before ICC_BPR1_EL1: CBPR makes BPR1 read-only. */
	static const uint32_t icc[] = {
		ICC_SRE_EL1, ICC_CTLR_EL1, ICC_IGRPEN0_EL1, ICC_IGRPEN1_EL1,
		ICC_PMR_EL1, ICC_BPR0_EL1, ICC_BPR1_EL1,
	};
	unsigned int i, irq, n;
	uint64_t who;

	add(s, dist, GICD_CTLR, 0, REG_VALUE);
	add_irqs(s, dist, 0, 0, 32, nr_irqs, false);
	/* 64 bits per SPI, accessed as two words. */
	for (irq = 32; irq < nr_irqs; irq++) {
		add(s, dist, GICD_IROUTER + 8 * irq, 0, REG_VALUE);
		add(s, dist, GICD_IROUTER + 8 * irq + 4, 0, REG_VALUE);
	}
	/*
	 * Redistributors: only the SGI frame, the RD frame has nothing to
	 * restore without LPIs (there is no ITS, so no LPIs).
	 */
	for (i = 0; i < kvm->nr_cpus; i++) {
		who = v3_vcpu(kvm->mpidrs[i]);
		add_irqs(s, redist, who, GICR_SGI_FRAME, 0, 32, false);
		for (n = 0; n < ARRAY_SIZE(icc); n++)
			add(s, sysregs, who | icc[n], 0, REG_VALUE);
		/* As many as the priority bits need: 1, 2 or 4 of each. */
		for (n = 0; n < 4; n++) {
			add(s, sysregs, who | ICC_AP0R_EL1(n), 0,
			    REG_IF_PRESENT);
			add(s, sysregs, who | ICC_AP1R_EL1(n), 0,
			    REG_IF_PRESENT);
		}
	}
}

static void build_v2(struct kvm *kvm, struct gic_state *s, unsigned int nr_irqs)
{
	const uint32_t dist = KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
	const uint32_t cpu = KVM_DEV_ARM_VGIC_GRP_CPU_REGS;
	static const uint32_t gicc[] = { GICC_CTLR, GICC_PMR, GICC_BPR,
					 GICC_ABPR };
	unsigned int i, n;
	uint64_t who;

	/*
	 * KVM ignores userspace writes to GICv2 group registers until
	 * GICD_IIDR has been written back (its sign of a userspace that
	 * knows groups): so that first.
	 */
	add(s, dist, GICD_IIDR, 0, REG_VALUE);
	add(s, dist, GICD_CTLR, 0, REG_VALUE);
	add_irqs(s, dist, 0, 0, 32, nr_irqs, true);
	/* The banked registers, through each vCPU. */
	for (i = 0; i < kvm->nr_cpus; i++) {
		who = (uint64_t)i << KVM_DEV_ARM_VGIC_CPUID_SHIFT;
		add_irqs(s, dist, who, 0, 0, 32, false);
		/* SGI pending state per source CPU, a byte per SGI. */
		for (n = 0; n < 16; n += 4)
			add(s, dist, who | (GICD_SPENDSGIR + n),
			    who | (GICD_CPENDSGIR + n), REG_SET);
		for (n = 0; n < ARRAY_SIZE(gicc); n++)
			add(s, cpu, who | gicc[n], 0, REG_VALUE);
		for (n = 0; n < 4; n++)
			add(s, cpu, who | (GICC_APR0 + 4 * n), 0, REG_VALUE);
	}
}

/* Read every listed register; drop the absent optional ones. */
static int snapshot(int fd, struct gic_state *s)
{
	struct gic_reg *r;
	size_t i, n = 0;
	int ret;

	for (i = 0; i < s->nr; i++) {
		r = &s->regs[i];
		ret = reg_get(fd, r->group, r->attr, &r->val);
		if (!ret)
			s->regs[n++] = *r;
		else if (r->kind != REG_IF_PRESENT)
			return ret;
	}
	s->nr = n;
	return 0;
}

static void free_state(struct gic_state *s)
{
	if (s)
		free(s->regs);
	free(s);
}

void gic__save_reset_state(struct kvm *kvm)
{
	struct gic_state *s = calloc(1, sizeof(*s));
	uint64_t nr_irqs = 0;
	int ret;

	if (!s)
		die("out of memory");
	ret = reg_get(kvm->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (!ret) {
		if (kvm->gic == FDT_GIC_V3)
			build_v3(kvm, s, (unsigned int)nr_irqs);
		else
			build_v2(kvm, s, (unsigned int)nr_irqs);
		if (s->oom)
			die("out of memory");
		ret = snapshot(kvm->gic_fd, s);
	}
	if (ret) {
		/* Still bootable; only a reboot in place is incomplete. */
		pr_warn("cannot read the vGIC's registers (%s): a guest reboot will not reset the interrupt controller",
			strerror(-ret));
		free_state(s);
		return;
	}
	pr_debug("vGIC: %zu registers saved for reboots", s->nr);
	kvm->gic_reset = s;
}

int gic__reset(struct kvm *kvm)
{
	struct gic_state *s = kvm->gic_reset;
	const struct gic_reg *r;
	size_t i;
	int ret;

	for (i = 0; s && i < s->nr; i++) {
		r = &s->regs[i];
		ret = 0;
		if (r->kind == REG_SET)
			ret = reg_set(kvm->gic_fd, r->group, r->clear_attr,
				      UINT64_MAX);
		if (!ret)
			ret = reg_set(kvm->gic_fd, r->group, r->attr, r->val);
		if (ret) {
			pr_err("resetting the vGIC for a reboot (group %u, register 0x%llx): %s",
			       r->group, (unsigned long long)r->attr,
			       strerror(-ret));
			return ret;
		}
	}
	return 0;
}
