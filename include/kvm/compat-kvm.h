/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__COMPAT_KVM_H
#define KVM__COMPAT_KVM_H

/*
 * Linux 6.4+ UAPI items that Debian 12's 6.1 headers lack. Values are the
 * kernel's ABI (Documentation/virt/kvm/devices/vm.rst, api.rst).
 */
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>

#ifndef KVM_ARM_VM_SMCCC_CTRL
#define KVM_ARM_VM_SMCCC_CTRL 0
#define KVM_ARM_VM_SMCCC_FILTER 0

enum kvm_smccc_filter_action {
	KVM_SMCCC_FILTER_HANDLE = 0,
	KVM_SMCCC_FILTER_DENY,
	KVM_SMCCC_FILTER_FWD_TO_USER,
};

struct kvm_smccc_filter {
	__u32 base;
	__u32 nr_functions;
	__u8 action;
	__u8 pad[15];
};
#endif

#ifndef KVM_HYPERCALL_EXIT_SMC
#define KVM_HYPERCALL_EXIT_SMC (1U << 0)
#define KVM_HYPERCALL_EXIT_16BIT (1U << 1)
#endif

#ifndef KVM_SYSTEM_EVENT_WAKEUP
#define KVM_SYSTEM_EVENT_WAKEUP 4
#endif
#ifndef KVM_SYSTEM_EVENT_SUSPEND
#define KVM_SYSTEM_EVENT_SUSPEND 5
#endif
#ifndef KVM_MP_STATE_SUSPENDED
#define KVM_MP_STATE_SUSPENDED 10
#endif

/* Linux 6.4: one VM-wide offset for the guest's counters (api.rst). */
#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET 227
#endif
#ifndef KVM_ARM_SET_COUNTER_OFFSET
struct kvm_arm_counter_offset {
	__u64 counter_offset;
	__u64 reserved;
};
#define KVM_ARM_SET_COUNTER_OFFSET \
	_IOW(KVMIO, 0xb5, struct kvm_arm_counter_offset)
#endif

/*
 * 6.1 names the flags word of run->hypercall "longmode" (a __u32 followed
 * by padding); from 6.4 it is a __u64 "flags" at the same offset.
 */
static inline uint64_t kvm_run__hypercall_flags(const struct kvm_run *run)
{
	uint64_t flags;

	memcpy(&flags,
	       (const char *)&run->hypercall.ret + sizeof(run->hypercall.ret),
	       sizeof(flags));
	return flags;
}

#endif /* KVM__COMPAT_KVM_H */
