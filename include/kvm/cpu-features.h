/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__CPU_FEATURES_H
#define KVM__CPU_FEATURES_H

/*
 * The guest CPU's optional features: what the user asked for and what the
 * host's KVM offers decide what every vCPU gets. Pure: the KVM glue fills
 * struct cpu_host_caps from KVM_CHECK_EXTENSION and carries the plan out;
 * the unit tests pass a fake host.
 *
 * The plan's steps, in the order the glue takes them:
 *   1. mte: KVM_ENABLE_CAP(KVM_CAP_ARM_MTE) on the VM, before any vCPU
 *      exists (guest RAM is anonymous memory, as MTE needs);
 *   2. on each vCPU's thread, KVM_ARM_VCPU_INIT with init_features;
 *   3. sve: the vector lengths (KVM_REG_ARM64_SVE_VLS, when sve_max_vq is
 *      set), then KVM_ARM_VCPU_FINALIZE(SVE);
 *   4. pvtime: KVM_ARM_VCPU_PVTIME_CTRL/IPA, 64 bytes per vCPU in its own
 *      memory region outside RAM (layout__pvtime_*);
 *   5. pmu, once the vGIC is initialised: KVM_ARM_VCPU_PMU_V3_CTRL with
 *      _IRQ (CPU_PMU_PPI) then _INIT.
 * A later KVM_ARM_VCPU_INIT (a warm reset) passes the same init_features
 * and repeats none of 3-5: KVM keeps SVE finalized with its vector
 * lengths, the PMU's interrupt and the stolen-time address across it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvm/config.h"

/* KVM_ARM_VCPU_INIT feature bit numbers (KVM's ABI, <asm/kvm.h>). */
#define CPU_INIT_PMU_V3 3
#define CPU_INIT_SVE 4
#define CPU_INIT_PTRAUTH_ADDRESS 5
#define CPU_INIT_PTRAUTH_GENERIC 6

/* The PMU overflow interrupt: PPI INTID 23, as on most arm64 machines. */
#define CPU_PMU_PPI 23

/*
 * KVM_REG_ARM64_SVE_VLS: bit vq - 1 set when vectors of vq x 128 bits are
 * offered, for vq 1 to 512 (KVM_ARM64_SVE_VQ_MAX), in 8 64-bit words.
 */
#define SVE_VQ_BITS 128
#define SVE_VLS_VQ_MAX 512
#define SVE_VLS_WORDS 8

/* What the host's KVM offers guests. */
struct cpu_host_caps {
	bool sve; /* KVM_CAP_ARM_SVE */
	bool ptrauth_address; /* KVM_CAP_ARM_PTRAUTH_ADDRESS */
	bool ptrauth_generic; /* KVM_CAP_ARM_PTRAUTH_GENERIC */
	bool pmu_v3; /* KVM_CAP_ARM_PMU_V3 */
	bool mte; /* KVM_CAP_ARM_MTE */
	bool steal_time; /* KVM_CAP_STEAL_TIME */
};

/* What every vCPU gets. */
struct cpu_plan {
	uint32_t init_features; /* bits for kvm_vcpu_init.features[0] */
	bool sve;
	unsigned int sve_max_vq; /* 0: every length KVM offers */
	bool ptrauth; /* address and generic */
	bool pmu;
	bool mte;
	bool pvtime;
};

/*
 * Decide the plan. A feature the host lacks is left off quietly unless
 * the user asked for it (--pmu, --sve-max-vl): then -ENODEV and a
 * one-line reason in err.
 */
int cpu_features__select(const struct kvm_config *cfg,
			 const struct cpu_host_caps *host,
			 struct cpu_plan *plan, char *err, size_t errlen);

/*
 * The vector lengths to set, from those KVM offers (host) and the longest
 * asked for (max_vq, 0: all): host without the longer ones. -EINVAL and a
 * one-line reason when host does not offer max_vq itself.
 */
int cpu_features__sve_vls(const uint64_t host[SVE_VLS_WORDS],
			  unsigned int max_vq, uint64_t out[SVE_VLS_WORDS],
			  char *err, size_t errlen);

/* The longest vector length in vls, in bits; 0 if none. */
unsigned int cpu_features__sve_max_vl(const uint64_t vls[SVE_VLS_WORDS]);

/*
 * One line for the log: the features the guest got and why the others
 * are off. sve_max_vl: the longest vector length set up, in bits.
 */
void cpu_features__describe(const struct kvm_config *cfg,
			    const struct cpu_host_caps *host,
			    const struct cpu_plan *plan,
			    unsigned int sve_max_vl, char *buf, size_t len);

#endif /* KVM__CPU_FEATURES_H */
