// SPDX-License-Identifier: GPL-2.0
/*
 * PSCI in userspace, the KVM side: the SMCCC filter that forwards PSCI and
 * SDEI calls to us, the KVM_EXIT_HYPERCALL path, and the psci_ops that the
 * pure psci/ module calls for side effects on vCPUs.
 */
#include "kvm/kvm.h"
#include "kvm/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define REG_X(n)                                               \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	 KVM_REG_ARM_CORE_REG(regs.regs[n]))
#define REG_SCTLR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 0)
#define SCTLR_EL1_EE (1ULL << 25)

static const struct kvm_smccc_filter smccc_filter[] = {
	/* KVM's private PSCI 0.1 IDs: guests must use the standard ones. */
	{ .base = KVM_PSCI_0_1_FN_BASE,
	  .nr_functions = KVM_PSCI_0_1_FN_COUNT,
	  .action = KVM_SMCCC_FILTER_DENY },
	{ .base = PSCI_FN32_BASE,
	  .nr_functions = PSCI_FN_COUNT,
	  .action = KVM_SMCCC_FILTER_FWD_TO_USER },
	{ .base = PSCI_FN64_BASE,
	  .nr_functions = PSCI_FN_COUNT,
	  .action = KVM_SMCCC_FILTER_FWD_TO_USER },
	{ .base = SDEI_FN_BASE,
	  .nr_functions = SDEI_FN_COUNT,
	  .action = KVM_SMCCC_FILTER_FWD_TO_USER },
};

static bool have_smccc_filter(struct kvm *kvm)
{
	struct kvm_device_attr attr = {
		.group = KVM_ARM_VM_SMCCC_CTRL,
		.attr = KVM_ARM_VM_SMCCC_FILTER,
	};

	return ioctl(kvm->vm_fd, KVM_HAS_DEVICE_ATTR, &attr) == 0;
}

static void install_smccc_filter(struct kvm *kvm)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(smccc_filter); i++) {
		struct kvm_device_attr attr = {
			.group = KVM_ARM_VM_SMCCC_CTRL,
			.attr = KVM_ARM_VM_SMCCC_FILTER,
			.addr = (uintptr_t)&smccc_filter[i],
		};

		if (ioctl(kvm->vm_fd, KVM_SET_DEVICE_ATTR, &attr) < 0)
			die("installing the SMCCC filter for 0x%08x-0x%08x: %s",
			    smccc_filter[i].base,
			    smccc_filter[i].base +
				    smccc_filter[i].nr_functions - 1,
			    strerror(errno));
	}
}

static struct kvm_cpu *ops_cpu(void *opaque, unsigned int vcpu)
{
	struct kvm *kvm = opaque;

	return &kvm->cpus[vcpu];
}

static void ops_system_off(void *opaque, unsigned int vcpu)
{
	struct kvm *kvm = opaque;

	pr_info("vCPU %u: PSCI SYSTEM_OFF", vcpu);
	kvm__request_exit(kvm, 0);
}

static void ops_system_reset(void *opaque, unsigned int vcpu)
{
	struct kvm *kvm = opaque;

	pr_info("vCPU %u: PSCI system reset", vcpu);
	/*
	 * Every vCPU off at once, and no CPU_ON from now on: the guest must
	 * not run on (or wake vCPUs) after asking for a reset.
	 */
	power__all_off(&kvm->power);
	if (kvm->cfg->reboot == REBOOT_EXIT)
		kvm__request_exit(kvm, 0);
	else
		kvm__request_reset(kvm);
}

/* Standby: KVM emulates WFI for a SUSPENDED vCPU and exits with WAKEUP. */
static int ops_cpu_suspend(void *opaque, unsigned int vcpu)
{
	struct kvm_cpu *cpu = ops_cpu(opaque, vcpu);

	return kvm_cpu__set_mp_state(cpu, KVM_MP_STATE_SUSPENDED) ? -errno : 0;
}

static bool ops_big_endian(void *opaque, unsigned int vcpu)
{
	struct kvm_cpu *cpu = ops_cpu(opaque, vcpu);
	uint64_t sctlr = 0;

	if (kvm_cpu__get_reg(cpu, REG_SCTLR_EL1, &sctlr) < 0)
		return false;
	return sctlr & SCTLR_EL1_EE;
}

/*
 * CPU_SUSPEND powerdown and SYSTEM_SUSPEND: sleep like a standby, but the
 * wake-up (handle_wakeup) resets the vCPU and starts it at entry, x0 = ctx.
 */
static int ops_suspend_to_entry(void *opaque, unsigned int vcpu, uint64_t entry,
				uint64_t ctx)
{
	struct kvm_cpu *cpu = ops_cpu(opaque, vcpu);

	if (kvm_cpu__set_mp_state(cpu, KVM_MP_STATE_SUSPENDED))
		return -errno;
	cpu->resume = (struct power_boot){
		.entry = entry,
		.ctx = ctx,
		.big_endian = ops_big_endian(opaque, vcpu),
	};
	cpu->resume_pending = true;
	return 0;
}

static const struct psci_ops psci_ops = {
	.system_off = ops_system_off,
	.system_reset = ops_system_reset,
	.cpu_suspend = ops_cpu_suspend,
	.cpu_powerdown = ops_suspend_to_entry,
	.system_suspend = ops_suspend_to_entry,
	.big_endian = ops_big_endian,
};

/* Decide where PSCI lives; install the filter before any vCPU runs. */
void kvm__setup_psci(struct kvm *kvm)
{
	struct kvm_config *cfg = kvm->cfg;
	bool filter;

	if (power__init(&kvm->power, kvm->nr_cpus) ||
	    psci_inject__init(&kvm->inject))
		die("out of memory");
	hist__init(&kvm->cpu_on_latency);
	hypercall__init(&kvm->hcall);

	filter = have_smccc_filter(kvm);
	if (cfg->psci == PSCI_MODE_USER && !filter) {
		if (cfg->psci_explicit)
			die("--psci user needs the KVM SMCCC filter (Linux 6.4 or newer); use --psci kernel on this host");
		pr_warn("this host's KVM has no SMCCC filter (Linux < 6.4): PSCI stays in the kernel");
		cfg->psci = PSCI_MODE_KERNEL;
	}
	/* Before 6.4, KVM does not take PSCI calls over SMC at all. */
	if (cfg->conduit == PSCI_CONDUIT_SMC && !filter)
		die("--psci-conduit smc needs the KVM SMCCC filter (Linux 6.4 or newer); use hvc on this host");
	kvm->psci_user = cfg->psci == PSCI_MODE_USER;
	/* Hotplug policy and fault injection are lkvm's PSCI's. */
	if (!kvm->psci_user && (kvm->nr_enabled < kvm->nr_cpus ||
				cfg->nr_psci_faults || cfg->psci_delay_on_ms))
		die("--max-cpus above --cpus, --psci-fail and --psci-delay-on need lkvm's PSCI, which needs the KVM SMCCC filter (Linux 6.4 or newer)");
	if (!kvm->psci_user)
		return;

	install_smccc_filter(kvm);
}

/* vCPUs from --cpus up start disabled; the --psci-fail faults armed. */
static void start_policy(struct kvm *kvm)
{
	struct kvm_config *cfg = kvm->cfg;
	unsigned int i, n = kvm->nr_cpus - kvm->nr_enabled, *idx;
	const struct psci_fault_spec *f;

	idx = calloc(n ? n : 1, sizeof(*idx));
	if (!idx)
		die("out of memory");
	for (i = 0; i < n; i++)
		idx[i] = kvm->nr_enabled + i;
	if (power__set_enabled(&kvm->power, idx, n, false, NULL))
		die("internal error: cannot disable vCPUs %u-%u",
		    kvm->nr_enabled, kvm->nr_cpus - 1);
	free(idx);
	for (i = 0; i < cfg->nr_psci_faults; i++) {
		f = &cfg->psci_faults[i];
		if (psci_inject__arm(&kvm->inject, f->fn, f->code, f->count))
			die("internal error: --psci-fail refused");
	}
	if (psci_inject__set_delay_on(&kvm->inject, cfg->psci_delay_on_ms))
		die("internal error: --psci-delay-on refused");
}

/* Once the vCPUs (and so their MPIDRs) exist: serve PSCI and SDEI. */
void kvm__register_psci(struct kvm *kvm)
{
	int ret;

	if (!kvm->psci_user)
		return;
	start_policy(kvm);
	kvm->psci = (struct psci){
		.power = &kvm->power,
		.inject = &kvm->inject,
		.mpidrs = kvm->mpidrs,
		.nr_cpus = kvm->nr_cpus,
		.ram_base = ARM_RAM_BASE,
		.ram_size = kvm->ram_size,
		.ops = &psci_ops,
		.opaque = kvm,
	};
	ret = psci__register(&kvm->psci, &kvm->hcall);
	if (!ret)
		ret = sdei__register(&kvm->hcall);
	if (ret)
		die("registering the PSCI and SDEI services: %s",
		    strerror(-ret));
}

/* Power on what a boot starts with: the boot vCPU (all, for KVM PSCI). */
void kvm__start_psci(struct kvm *kvm)
{
	struct power_boot boot = {
		.entry = kvm->boot.kernel_addr,
		.ctx = kvm->boot.dtb_addr,
	};
	unsigned int i, n = kvm->psci_user ? 1 : kvm->nr_cpus;

	for (i = 0; i < n; i++)
		power__cpu_on(&kvm->power, i, &boot);
}

static void trace_call(struct kvm_cpu *cpu, const struct smccc_call *call,
		       unsigned int nargs, const struct smccc_res *res)
{
	const char *name = psci__fn_name(call->fid);
	char args[160] = "", result[64];
	unsigned int i;
	size_t len = 0;
	int64_t r = call->smc64 ? (int64_t)res->a[0] : (int32_t)res->a[0];

	for (i = 0; i < nargs && len < sizeof(args); i++)
		len += snprintf(args + len, sizeof(args) - len, "%s0x%llx",
				i ? ", " : "",
				(unsigned long long)call->args[i]);
	if (!res->nr)
		snprintf(result, sizeof(result), "(no return)");
	else if (psci__ret_name(r) && call->func != PSCI_FN_VERSION)
		snprintf(result, sizeof(result), "%s%s", psci__ret_name(r),
			 res->injected ? " (injected)" : "");
	else
		snprintf(result, sizeof(result), "0x%llx",
			 (unsigned long long)res->a[0]);
	fprintf(stderr, "lkvm: psci: vCPU %u %s %s(%s) = %s\n", cpu->id,
		call->smc_conduit ? "smc" : "hvc", name ? name : "?", args,
		result);
}

/* lkvm stat: PSCI calls by function and result, and the injected ones. */
static void count_call(struct kvm_cpu *cpu, const struct smccc_call *call,
		       const struct smccc_res *res)
{
	int64_t r = call->smc64 ? (int64_t)res->a[0] : (int32_t)res->a[0];
	unsigned int slot = psci__result_slot(res->nr > 0, r);
	unsigned int fn = call->func;

	if (!psci__fn_name(call->fid) ||
	    call->fid - SDEI_FN_BASE < SDEI_FN_COUNT || fn >= PSCI_FN_COUNT)
		return;
	__atomic_fetch_add(&cpu->stats.psci[fn][slot], 1, __ATOMIC_RELAXED);
	if (res->injected)
		__atomic_fetch_add(&cpu->stats.injected[fn], 1,
				   __ATOMIC_RELAXED);
}

/*
 * A forwarded SMCCC call: read only the argument registers the function
 * takes, dispatch, write only the result registers it defines. The PC is
 * left alone: KVM already stepped over the HVC or SMC.
 */
void kvm_cpu__handle_hypercall(struct kvm_cpu *cpu)
{
	struct kvm *kvm = cpu->kvm;
	struct kvm_run *run = cpu->run;
	struct smccc_call call;
	struct smccc_res res;
	unsigned int i, nargs;
	uint64_t flags = kvm_run__hypercall_flags(run);

	smccc__decode((uint32_t)run->hypercall.nr,
		      flags & KVM_HYPERCALL_EXIT_SMC, cpu->id, &call);
	nargs = hypercall__nr_args(&kvm->hcall, call.fid);
	for (i = 0; i < nargs; i++)
		if (kvm_cpu__get_reg(cpu, REG_X(i + 1), &call.args[i]) < 0)
			goto fail;

	hypercall__dispatch(&kvm->hcall, &call, &res);

	for (i = 0; i < res.nr && i < 4; i++)
		if (kvm_cpu__set_reg(cpu, REG_X(i), res.a[i]) < 0)
			goto fail;
	count_call(cpu, &call, &res);
	if (kvm->cfg->debug_psci)
		trace_call(cpu, &call, nargs, &res);
	return;
fail:
	pr_err("vCPU %u: hypercall 0x%08x: register access: %s", cpu->id,
	       call.fid, strerror(errno));
	kvm__request_exit(kvm, 1);
}
