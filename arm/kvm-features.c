// SPDX-License-Identifier: GPL-2.0
/*
 * The guest CPU's optional features, the KVM side: ask KVM what it offers,
 * carry out the plan arm/cpu-features.c made (include/kvm/cpu-features.h
 * lists its steps), pin the vCPU threads. The per-vCPU steps run on each
 * vCPU's own thread.
 */
#include "kvm/cpulist.h"
#include "kvm/kvm.h"
#include "kvm/util.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

_Static_assert(CPU_INIT_PMU_V3 == KVM_ARM_VCPU_PMU_V3, "feature bit");
_Static_assert(CPU_INIT_SVE == KVM_ARM_VCPU_SVE, "feature bit");
_Static_assert(CPU_INIT_PTRAUTH_ADDRESS == KVM_ARM_VCPU_PTRAUTH_ADDRESS,
	       "feature bit");
_Static_assert(CPU_INIT_PTRAUTH_GENERIC == KVM_ARM_VCPU_PTRAUTH_GENERIC,
	       "feature bit");
_Static_assert(SVE_VLS_WORDS == KVM_ARM64_SVE_VLS_WORDS, "VLS size");
_Static_assert(SVE_VLS_VQ_MAX == KVM_ARM64_SVE_VQ_MAX, "VLS size");
_Static_assert(CFG_AFFINITY_CPUS <= CPU_SETSIZE, "cpu_set_t size");

/* The memory slot of the stolen-time region (RAM is slot 0). */
#define PVTIME_SLOT 1

static bool has_cap(struct kvm *kvm, long cap)
{
	return ioctl(kvm->vm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

static void enable_mte(struct kvm *kvm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_MTE };

	if (ioctl(kvm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		die("enabling MTE for the guest: %s (--disable-mte goes without)",
		    strerror(errno));
}

/* Every CPU of --vcpu-affinity must be one this process may run on. */
static void check_affinity(struct kvm *kvm)
{
	uint64_t allowed[CFG_AFFINITY_WORDS] = { 0 };
	char have[128];
	cpu_set_t set;
	unsigned int cpu;

	if (!kvm->cfg->vcpu_affinity_set)
		return;
	if (sched_getaffinity(0, sizeof(set), &set))
		die_perror("sched_getaffinity");
	for (cpu = 0; cpu < CFG_AFFINITY_CPUS; cpu++)
		if (CPU_ISSET(cpu, &set))
			allowed[cpu / 64] |= 1ULL << (cpu % 64);
	cpulist__format(allowed, CFG_AFFINITY_CPUS, have, sizeof(have));
	for (cpu = 0; cpu < CFG_AFFINITY_CPUS; cpu++)
		if ((kvm->cfg->vcpu_affinity[cpu / 64] >> (cpu % 64) & 1) &&
		    !CPU_ISSET(cpu, &set))
			die("--vcpu-affinity: host CPU %u is not one lkvm can run on (it can run on %s)",
			    cpu, have);
}

/* Before any vCPU exists: decide, and enable what is VM-wide (MTE). */
void kvm__select_cpu_features(struct kvm *kvm)
{
	struct cpu_host_caps *host = &kvm->cpu_caps;
	char err[200];

	*host = (struct cpu_host_caps){
		.sve = has_cap(kvm, KVM_CAP_ARM_SVE),
		.ptrauth_address = has_cap(kvm, KVM_CAP_ARM_PTRAUTH_ADDRESS),
		.ptrauth_generic = has_cap(kvm, KVM_CAP_ARM_PTRAUTH_GENERIC),
		.pmu_v3 = has_cap(kvm, KVM_CAP_ARM_PMU_V3),
		.mte = has_cap(kvm, KVM_CAP_ARM_MTE),
		.steal_time = has_cap(kvm, KVM_CAP_STEAL_TIME),
	};
	if (cpu_features__select(kvm->cfg, host, &kvm->cpu_plan, err,
				 sizeof(err)))
		die("%s", err);
	check_affinity(kvm);
	if (kvm->cpu_plan.mte)
		enable_mte(kvm);
}

/* Memory of its own for the stolen-time structures, outside RAM. */
void kvm__setup_pvtime(struct kvm *kvm)
{
	struct kvm_userspace_memory_region region;
	uint64_t size = layout__pvtime_size(kvm->nr_cpus);
	void *mem;

	if (!kvm->cpu_plan.pvtime)
		return;
	if (ARM_PVTIME_BASE + size > ARM_PVTIME_END)
		die("too many vCPUs for the stolen-time region");
	/* Anonymous, as KVM wants all guest memory to be when MTE is on. */
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("cannot allocate the stolen-time region: %s",
		    strerror(errno));
	region = (struct kvm_userspace_memory_region){
		.slot = PVTIME_SLOT,
		.guest_phys_addr = ARM_PVTIME_BASE,
		.memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die_perror("KVM_SET_USER_MEMORY_REGION (stolen time)");
}

static int cpu_fail(struct kvm_cpu *cpu, const char *what)
{
	snprintf(cpu->err, sizeof(cpu->err), "vCPU %u: %s: %s", cpu->id, what,
		 strerror(errno));
	return -1;
}

/* Pin the calling vCPU thread, before its vCPU exists. */
int kvm_cpu__pin(struct kvm_cpu *cpu)
{
	const struct kvm_config *cfg = cpu->kvm->cfg;
	cpu_set_t set;
	unsigned int i;
	int ret;

	if (!cfg->vcpu_affinity_set)
		return 0;
	CPU_ZERO(&set);
	for (i = 0; i < CFG_AFFINITY_CPUS; i++)
		if (cfg->vcpu_affinity[i / 64] >> (i % 64) & 1)
			CPU_SET(i, &set);
	ret = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (ret) {
		errno = ret;
		return cpu_fail(cpu, "--vcpu-affinity");
	}
	return 0;
}

static int vcpu_attr(struct kvm_cpu *cpu, uint32_t group, uint64_t attr,
		     const void *val)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uintptr_t)val,
	};

	return ioctl(cpu->fd, KVM_SET_DEVICE_ATTR, &a);
}

static int setup_sve(struct kvm_cpu *cpu)
{
	unsigned int max_vq = cpu->kvm->cpu_plan.sve_max_vq;
	uint64_t host[SVE_VLS_WORDS];
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64_SVE_VLS,
		.addr = (uintptr_t)host,
	};
	int feature = KVM_ARM_VCPU_SVE;

	if (ioctl(cpu->fd, KVM_GET_ONE_REG, &reg) < 0)
		return cpu_fail(cpu, "reading the SVE vector lengths");
	if (cpu_features__sve_vls(host, max_vq, cpu->sve_vls, cpu->err,
				  sizeof(cpu->err)))
		return -1;
	reg.addr = (uintptr_t)cpu->sve_vls;
	if (max_vq && ioctl(cpu->fd, KVM_SET_ONE_REG, &reg) < 0)
		return cpu_fail(cpu, "setting the SVE vector lengths");
	if (ioctl(cpu->fd, KVM_ARM_VCPU_FINALIZE, &feature) < 0)
		return cpu_fail(cpu, "KVM_ARM_VCPU_FINALIZE(SVE)");
	return 0;
}

/*
 * After the vCPU's first KVM_ARM_VCPU_INIT. Later ones (warm resets) keep
 * all of this: KVM refuses a second FINALIZE (EPERM) or stolen-time
 * address (EEXIST), and keeps the first.
 */
int kvm_cpu__setup_features(struct kvm_cpu *cpu)
{
	const struct cpu_plan *plan = &cpu->kvm->cpu_plan;
	uint64_t ipa = layout__pvtime_addr(cpu->id);

	if (plan->sve && setup_sve(cpu))
		return -1;
	if (plan->pvtime && vcpu_attr(cpu, KVM_ARM_VCPU_PVTIME_CTRL,
				      KVM_ARM_VCPU_PVTIME_IPA, &ipa) < 0)
		return cpu_fail(cpu, "stolen-time address");
	return 0;
}

/* Once the vGIC is initialised; KVM keeps it over warm resets. */
int kvm_cpu__setup_pmu(struct kvm_cpu *cpu)
{
	int irq = CPU_PMU_PPI;

	if (!cpu->kvm->cpu_plan.pmu)
		return 0;
	if (vcpu_attr(cpu, KVM_ARM_VCPU_PMU_V3_CTRL, KVM_ARM_VCPU_PMU_V3_IRQ,
		      &irq) < 0)
		return cpu_fail(cpu, "PMU interrupt");
	if (vcpu_attr(cpu, KVM_ARM_VCPU_PMU_V3_CTRL, KVM_ARM_VCPU_PMU_V3_INIT,
		      NULL) < 0)
		return cpu_fail(cpu, "PMU initialisation");
	return 0;
}

/* Every vCPU is set up: check they agree, and say what the guest got. */
void kvm__report_cpu_features(struct kvm *kvm)
{
	const struct kvm_cpu *cpus = kvm->cpus;
	char line[512], list[128];
	unsigned int i;

	for (i = 1; i < kvm->nr_cpus; i++)
		if (memcmp(cpus[i].sve_vls, cpus[0].sve_vls,
			   sizeof(cpus[0].sve_vls)))
			die("vCPU %u got other SVE vector lengths than vCPU 0",
			    i);
	cpu_features__describe(kvm->cfg, &kvm->cpu_caps, &kvm->cpu_plan,
			       cpu_features__sve_max_vl(cpus[0].sve_vls), line,
			       sizeof(line));
	pr_info("%s", line);
	if (kvm->cfg->vcpu_affinity_set) {
		cpulist__format(kvm->cfg->vcpu_affinity, CFG_AFFINITY_CPUS,
				list, sizeof(list));
		pr_info("vCPU threads pinned to host CPUs %s", list);
	}
	if (kvm->cfg->cntfrq)
		pr_info("the guest is told its timer runs at %u Hz",
			kvm->cfg->cntfrq);
}
