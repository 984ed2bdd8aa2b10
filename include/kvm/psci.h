/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__PSCI_H
#define KVM__PSCI_H

/*
 * PSCI 1.1 (Arm DEN0022) served from userspace, and SDEI stubs. Pure: the
 * side effects on vCPUs go through psci_ops (real in arm/, fake in tests).
 */

#include <stdbool.h>
#include <stdint.h>

#include "kvm/power.h"
#include "kvm/smccc.h"

#define PSCI_VERSION_1_1 0x00010001u

/* Function numbers (bits 15:0) in 0x84000000 (SMC32) / 0xC4000000 (SMC64). */
#define PSCI_FN_VERSION 0x00
#define PSCI_FN_CPU_SUSPEND 0x01
#define PSCI_FN_CPU_OFF 0x02
#define PSCI_FN_CPU_ON 0x03
#define PSCI_FN_AFFINITY_INFO 0x04
#define PSCI_FN_MIGRATE 0x05
#define PSCI_FN_MIGRATE_INFO_TYPE 0x06
#define PSCI_FN_MIGRATE_INFO_UP_CPU 0x07
#define PSCI_FN_SYSTEM_OFF 0x08
#define PSCI_FN_SYSTEM_RESET 0x09
#define PSCI_FN_FEATURES 0x0a
#define PSCI_FN_CPU_FREEZE 0x0b
#define PSCI_FN_CPU_DEFAULT_SUSPEND 0x0c
#define PSCI_FN_NODE_HW_STATE 0x0d
#define PSCI_FN_SYSTEM_SUSPEND 0x0e
#define PSCI_FN_SET_SUSPEND_MODE 0x0f
#define PSCI_FN_STAT_RESIDENCY 0x10
#define PSCI_FN_STAT_COUNT 0x11
#define PSCI_FN_SYSTEM_RESET2 0x12
#define PSCI_FN_MEM_PROTECT 0x13
#define PSCI_FN_MEM_PROTECT_CHECK_RANGE 0x14

#define PSCI_FN32_BASE 0x84000000u
#define PSCI_FN64_BASE 0xc4000000u
#define PSCI_FN_COUNT 0x20
#define PSCI_FN32(n) (PSCI_FN32_BASE + (n))
#define PSCI_FN64(n) (PSCI_FN64_BASE + (n))

#define SDEI_FN_BASE 0xc4000020u
#define SDEI_FN_COUNT 0x20

/* KVM's own PSCI 0.1 IDs, which the SMCCC filter denies. */
#define KVM_PSCI_0_1_FN_BASE 0x95c1ba5eu
#define KVM_PSCI_0_1_FN_COUNT 4

/* The same values as <linux/psci.h>, which the KVM glue also sees. */
#ifndef PSCI_RET_SUCCESS
#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_DENIED (-3)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_RET_ON_PENDING (-5)
#define PSCI_RET_INTERNAL_FAILURE (-6)
#define PSCI_RET_NOT_PRESENT (-7)
#define PSCI_RET_DISABLED (-8)
#define PSCI_RET_INVALID_ADDRESS (-9)
#endif

#define PSCI_AFFINITY_ON 0
#define PSCI_AFFINITY_OFF 1
#define PSCI_AFFINITY_ON_PENDING 2

#define PSCI_TOS_NOT_PRESENT_MP 2 /* MIGRATE_INFO_TYPE: no trusted OS */

#define PSCI_RESET2_VENDOR (1u << 31)
#define PSCI_RESET2_SYSTEM_WARM_RESET 0

/*
 * CPU_SUSPEND's power_state in the original format (what PSCI_FEATURES
 * advertises): StateID 15:0, StateType 16, PowerLevel 25:24; the other
 * bits are reserved and must be zero.
 */
#define PSCI_POWER_STATE_ID_MASK 0x0000ffffu
#define PSCI_POWER_STATE_POWERDOWN (1u << 16)
#define PSCI_POWER_STATE_LEVEL_SHIFT 24
#define PSCI_POWER_STATE_LEVEL_MASK (3u << PSCI_POWER_STATE_LEVEL_SHIFT)
#define PSCI_POWER_STATE_RESERVED 0xfcfe0000u

#define MPIDR_AFF_MASK 0xff00ffffffULL

/*
 * `lkvm stat` counts each PSCI call in a result slot: the values -9..2
 * one each (the errors, SUCCESS, AFFINITY_INFO's states), then any other
 * value (PSCI_VERSION's), then "did not return" (CPU_OFF, SYSTEM_OFF...).
 */
#define PSCI_SLOT_MIN_VALUE (-9)
#define PSCI_SLOT_MAX_VALUE 2
#define PSCI_SLOT_OTHER 12
#define PSCI_SLOT_NONE 13
#define PSCI_NR_SLOTS 14

/* Side effects on vCPUs; each is called on the calling vCPU's thread. */
struct psci_ops {
	/* SYSTEM_OFF: stop the VM, lkvm exits 0. */
	void (*system_off)(void *opaque, unsigned int vcpu);
	/* SYSTEM_RESET / SYSTEM_RESET2 (warm): reboot the VM. */
	void (*system_reset)(void *opaque, unsigned int vcpu);
	/* CPU_SUSPEND (standby): the vCPU sleeps until an interrupt when it
	 * next enters the guest. 0, or -errno (-> INTERNAL_FAILURE). */
	int (*cpu_suspend)(void *opaque, unsigned int vcpu);
	/* CPU_SUSPEND (powerdown): sleep until an interrupt, then resume at
	 * entry with x0 = ctx from the reset state. The vCPU stays ON. */
	int (*cpu_powerdown)(void *opaque, unsigned int vcpu, uint64_t entry,
			     uint64_t ctx);
	/* SYSTEM_SUSPEND: sleep until woken, then resume at entry, x0 = ctx. */
	int (*system_suspend)(void *opaque, unsigned int vcpu, uint64_t entry,
			      uint64_t ctx);
	/* SCTLR_EL1.EE of the vCPU (the caller's endianness for CPU_ON). */
	bool (*big_endian)(void *opaque, unsigned int vcpu);
};

struct psci_inject;

struct psci {
	struct power_table *power;
	struct psci_inject *inject; /* fault injection; NULL: none */
	const uint64_t *mpidrs; /* MPIDR_EL1 per vCPU index */
	unsigned int nr_cpus;
	uint64_t ram_base;
	uint64_t ram_size;
	const struct psci_ops *ops;
	void *opaque;
};

/* Register PSCI (both ranges) on bus; p must outlive the bus. */
int psci__register(struct psci *p, struct hypercall_bus *bus);
/* Register the SDEI stubs: every SDEI ID answers NOT_SUPPORTED. */
int sdei__register(struct hypercall_bus *bus);
/* "CPU_ON" etc., for --debug-psci; NULL if fid is not a PSCI/SDEI ID. */
const char *psci__fn_name(uint32_t fid);

/* psci/result.c */
/* "DENIED" etc. for -9..0; NULL otherwise. */
const char *psci__ret_name(int64_t v);
/* A result name (case-insensitive) or -1..-9: the value, or 1 if none. */
int psci__ret_parse(const char *s);
/* "CPU_ON" etc. (case-insensitive): the function number, or -EINVAL. */
int psci__fn_parse(const char *s);
/* The (SMC32, else SMC64) name of function number fn, or NULL. */
const char *psci__fn_number_name(unsigned int fn);
/* The slot a call's result is counted in. */
unsigned int psci__result_slot(bool returned, int64_t v);
/* A slot's name for function fn: "DENIED", "OFF", "other"... */
const char *psci__slot_name(unsigned int fn, unsigned int slot);

#endif /* KVM__PSCI_H */
