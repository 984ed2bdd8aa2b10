// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU threads. Each vCPU's ioctls come from its own thread: it creates
 * and initialises its vCPU, meets the main thread at barriers while the
 * machine is assembled, then runs the KVM_RUN loop.
 */
#include "kvm/control.h"
#include "kvm/kvm.h"
#include "kvm/sandbox.h"
#include "kvm/util.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define ARM64_CORE_REG(x)                                      \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	 KVM_REG_ARM_CORE_REG(x))
#define REG_X(n) ARM64_CORE_REG(regs.regs[n])
#define REG_PC ARM64_CORE_REG(regs.pc)
#define REG_PSTATE ARM64_CORE_REG(regs.pstate)
#define REG_MPIDR_EL1 ARM64_SYS_REG(3, 0, 0, 0, 5)

/* EL1h with D, A, I and F masked: the state booting.rst asks for. */
#define PSTATE_BOOT 0x3c5ULL

#define SIG_KICK SIGUSR1

/* lkvm stat's names (pure code) must agree with this host's numbers. */
_Static_assert(KVM_EXIT_MMIO == 6 && KVM_EXIT_HYPERCALL == 3 &&
		       KVM_EXIT_INTR == 10 && KVM_EXIT_SYSTEM_EVENT == 24,
	       "KVM exit reasons renumbered?");

static const char *exit_name(uint32_t reason)
{
	const char *name = ctl__exit_name(reason);

	return name ? name : "?";
}

int kvm_cpu__get_reg(struct kvm_cpu *cpu, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };

	return ioctl(cpu->fd, KVM_GET_ONE_REG, &reg);
}

int kvm_cpu__set_reg(struct kvm_cpu *cpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

	return ioctl(cpu->fd, KVM_SET_ONE_REG, &reg);
}

int kvm_cpu__set_mp_state(struct kvm_cpu *cpu, uint32_t state)
{
	struct kvm_mp_state mp = { .mp_state = state };

	return ioctl(cpu->fd, KVM_SET_MP_STATE, &mp);
}

static void cpu_fail(struct kvm_cpu *cpu, const char *what)
{
	snprintf(cpu->err, sizeof(cpu->err), "vCPU %u: %s: %s", cpu->id, what,
		 strerror(errno));
}

static int vcpu_create(struct kvm_cpu *cpu)
{
	struct kvm *kvm = cpu->kvm;
	void *run;

	cpu->fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, cpu->id);
	if (cpu->fd < 0) {
		cpu_fail(cpu, "KVM_CREATE_VCPU");
		return -1;
	}
	run = mmap(NULL, kvm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   cpu->fd, 0);
	if (run == MAP_FAILED) {
		cpu_fail(cpu, "mmap of kvm_run");
		return -1;
	}
	cpu->run = run;
	return 0;
}

/*
 * KVM numbers vCPUs in creation order too, and its GICv2 routes SGIs
 * (GICD_SGIR) and SPIs (GICD_ITARGETSR) by that number while the guest
 * sees the vCPU id: the two must agree, so the threads take turns.
 */
static void vcpu_create_in_turn(struct kvm_cpu *cpu)
{
	struct kvm *kvm = cpu->kvm;

	pthread_mutex_lock(&kvm->create_lock);
	while (kvm->nr_created != cpu->id)
		pthread_cond_wait(&kvm->create_cond, &kvm->create_lock);
	vcpu_create(cpu);
	kvm->nr_created++;
	pthread_cond_broadcast(&kvm->create_cond);
	pthread_mutex_unlock(&kvm->create_lock);
}

static int vcpu_init(struct kvm_cpu *cpu)
{
	struct kvm *kvm = cpu->kvm;

	if (ioctl(kvm->vm_fd, KVM_ARM_PREFERRED_TARGET, &cpu->init) < 0) {
		cpu_fail(cpu, "KVM_ARM_PREFERRED_TARGET");
		return -1;
	}
	memset(cpu->init.features, 0, sizeof(cpu->init.features));
	/* The same features for every vCPU and every re-init after. */
	cpu->init.features[0] |= kvm->cpu_plan.init_features;
	cpu->init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	/*
	 * In-kernel PSCI: secondaries wait inside KVM for CPU_ON. Userspace
	 * PSCI keeps off vCPUs out of KVM_RUN instead, and re-initialising
	 * must leave a vCPU runnable.
	 */
	if (cpu->id && !kvm->psci_user)
		cpu->init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(cpu->fd, KVM_ARM_VCPU_INIT, &cpu->init) < 0) {
		cpu_fail(cpu, "KVM_ARM_VCPU_INIT");
		return -1;
	}
	if (kvm_cpu__setup_features(cpu))
		return -1;
	if (kvm_cpu__get_reg(cpu, REG_MPIDR_EL1, &cpu->mpidr) < 0) {
		cpu_fail(cpu, "reading MPIDR_EL1");
		return -1;
	}
	return 0;
}

#define SCTLR_EL1_EE (1ULL << 25)
#define REG_SCTLR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 0)

/* Load the registers a power-on defines into a freshly reset vCPU. */
static int set_boot_regs(struct kvm_cpu *cpu, const struct power_boot *boot)
{
	uint64_t sctlr;

	/* With in-kernel PSCI a secondary waits inside KVM for CPU_ON. */
	if (!cpu->kvm->psci_user && cpu->id)
		return 0;
	/*
	 * VCPU_INIT already set PSTATE to EL1h with DAIF masked and zeroed
	 * the GPRs, so x0 needs no write for a zero context (Linux's CPU_ON).
	 */
	if (kvm_cpu__set_reg(cpu, REG_PC, boot->entry) < 0 ||
	    (boot->ctx && kvm_cpu__set_reg(cpu, REG_X(0), boot->ctx) < 0))
		return -1;
	if (boot->big_endian) {
		if (kvm_cpu__get_reg(cpu, REG_SCTLR_EL1, &sctlr) < 0 ||
		    kvm_cpu__set_reg(cpu, REG_SCTLR_EL1, sctlr | SCTLR_EL1_EE) <
			    0)
			return -1;
	}
	return 0;
}

int kvm_cpu__reset(struct kvm_cpu *cpu, const struct power_boot *boot)
{
	/* A warm reset: registers and timers back to their reset values. */
	if (ioctl(cpu->fd, KVM_ARM_VCPU_INIT, &cpu->init) < 0)
		return -1;
	return set_boot_regs(cpu, boot);
}

static void handle_mmio(struct kvm_cpu *cpu)
{
	struct kvm_run *run = cpu->run;
	uint64_t addr = run->mmio.phys_addr;
	uint32_t len = run->mmio.len;
	int ret;

	if (len > sizeof(run->mmio.data))
		len = sizeof(run->mmio.data);
	ret = mmio_bus__dispatch(&cpu->kvm->mmio, addr, run->mmio.data, len,
				 run->mmio.is_write);
	if (ret)
		pr_debug("vCPU %u: MMIO %s of %u bytes at 0x%llx: %s", cpu->id,
			 run->mmio.is_write ? "write" : "read", len,
			 (unsigned long long)addr, strerror(-ret));
}

/* A CPU_SUSPEND or SYSTEM_SUSPEND sleeper got an interrupt. */
static bool handle_wakeup(struct kvm_cpu *cpu)
{
	int ret;

	if (cpu->resume_pending) {
		cpu->resume_pending = false;
		ret = kvm_cpu__reset(cpu, &cpu->resume);
	} else {
		ret = kvm_cpu__set_mp_state(cpu, KVM_MP_STATE_RUNNABLE);
	}
	if (ret < 0) {
		pr_err("vCPU %u: waking up: %s", cpu->id, strerror(errno));
		kvm__request_exit(cpu->kvm, 1);
		return false;
	}
	return true;
}

/* Returns false when the vCPU should leave the run loop. */
static bool handle_system_event(struct kvm_cpu *cpu)
{
	struct kvm *kvm = cpu->kvm;

	switch (cpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		pr_info("the guest powered off");
		kvm__request_exit(kvm, 0);
		return false;
	case KVM_SYSTEM_EVENT_RESET:
		/* In-kernel PSCI stopped the other vCPUs in KVM already. */
		power__all_off(&kvm->power);
		if (kvm->cfg->reboot == REBOOT_EXIT)
			kvm__request_exit(kvm, 0);
		else
			kvm__request_reset(kvm);
		return false;
	case KVM_SYSTEM_EVENT_WAKEUP:
		return handle_wakeup(cpu);
	case KVM_SYSTEM_EVENT_CRASH:
		pr_err("vCPU %u: the guest crashed", cpu->id);
		kvm__request_exit(kvm, 1);
		return false;
	default:
		pr_err("vCPU %u: unexpected system event %u", cpu->id,
		       cpu->run->system_event.type);
		kvm__request_exit(kvm, 1);
		return false;
	}
}

/*
 * A service request (lkvm debug): read what only this thread may, hand it
 * over. The vCPU's state is left as it is.
 */
static void serve(struct kvm_cpu *cpu)
{
	struct vcpu_regs r = { 0 };
	uint64_t mpidr;

	if (kvm_cpu__get_reg(cpu, REG_PC, &r.pc) < 0 ||
	    kvm_cpu__get_reg(cpu, REG_PSTATE, &r.pstate) < 0 ||
	    kvm_cpu__get_reg(cpu, REG_MPIDR_EL1, &mpidr) < 0)
		r.err = errno;
	cpu->regs = r;
	power__service_done(&cpu->kvm->power, cpu->id);
}

static void count_exit(struct kvm_cpu *cpu, uint32_t reason)
{
	if (reason >= VCPU_STAT_EXITS)
		reason = VCPU_STAT_EXITS - 1;
	__atomic_fetch_add(&cpu->stats.exits[reason], 1, __ATOMIC_RELAXED);
}

/*
 * Should the vCPU leave the loop (false), or enter the guest (true)? A
 * paused VM holds it here; a service request is served here.
 */
static bool may_run(struct kvm_cpu *cpu)
{
	struct kvm *kvm = cpu->kvm;

	for (;;) {
		/*
		 * Cleared before looking at the flags: a kick that sets it
		 * after we looked still stops the KVM_RUN below (the kicker
		 * sets its flag first, then immediate_exit).
		 */
		__atomic_store_n(&cpu->run->immediate_exit, 0,
				 __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (kvm__exit_requested(kvm) ||
		    power__should_park(&kvm->power, cpu->id))
			return false;
		if (!power__should_hold(&kvm->power, cpu->id))
			return true;
		if (power__hold(&kvm->power, cpu->id) == POWER_WAIT_SERVICE)
			serve(cpu);
	}
}

/* on_ns: when the CPU_ON that started this vCPU was made (0: none). */
static void vcpu_loop(struct kvm_cpu *cpu, uint64_t on_ns)
{
	struct kvm *kvm = cpu->kvm;
	struct kvm_run *run = cpu->run;

	while (may_run(cpu)) {
		if (on_ns) {
			/* The CPU_ON latency: the call to this first entry. */
			hist__record(&kvm->cpu_on_latency,
				     kvm__now_ns() - on_ns);
			on_ns = 0;
		}
		if (ioctl(cpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			pr_err("vCPU %u: KVM_RUN failed: %s", cpu->id,
			       strerror(errno));
			kvm__request_exit(kvm, 1);
			return;
		}

		count_exit(cpu, run->exit_reason);
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO:
			handle_mmio(cpu);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_HYPERCALL:
			kvm_cpu__handle_hypercall(cpu);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			if (!handle_system_event(cpu))
				return;
			break;
		case KVM_EXIT_FAIL_ENTRY:
			pr_err("vCPU %u: KVM_EXIT_FAIL_ENTRY, reason 0x%llx",
			       cpu->id,
			       (unsigned long long)run->fail_entry
				       .hardware_entry_failure_reason);
			kvm__request_exit(kvm, 1);
			return;
		case KVM_EXIT_INTERNAL_ERROR:
			pr_err("vCPU %u: KVM_EXIT_INTERNAL_ERROR, suberror %u",
			       cpu->id, run->internal.suberror);
			kvm__request_exit(kvm, 1);
			return;
		default:
			pr_err("vCPU %u: unexpected exit reason %u (KVM_EXIT_%s)",
			       cpu->id, run->exit_reason,
			       exit_name(run->exit_reason));
			kvm__request_exit(kvm, 1);
			return;
		}
	}
}

/*
 * KVM finishes an MMIO read (loads the register, steps the PC) on the next
 * KVM_RUN, and KVM_ARM_VCPU_INIT does not cancel that: left pending, it
 * would hit the vCPU's next boot. Finish it now with an immediate exit.
 */
static void complete_mmio(struct kvm_cpu *cpu)
{
	if (cpu->run->exit_reason != KVM_EXIT_MMIO)
		return;
	__atomic_store_n(&cpu->run->immediate_exit, 1, __ATOMIC_RELEASE);
	if (ioctl(cpu->fd, KVM_RUN, 0) == 0 || errno != EINTR)
		pr_debug("vCPU %u: completing an MMIO exit: %s", cpu->id,
			 strerror(errno));
}

static void *vcpu_thread(void *arg)
{
	struct kvm_cpu *cpu = arg;
	struct kvm *kvm = cpu->kvm;
	struct power_boot boot;
	bool fresh;
	char name[16];
	int ret;

	snprintf(name, sizeof(name), "lkvm-vcpu-%u", cpu->id);
	pthread_setname_np(pthread_self(), name);

	kvm_cpu__pin(cpu);
	vcpu_create_in_turn(cpu);
	pthread_barrier_wait(&kvm->barrier); /* all vCPUs exist */
	if (!cpu->err[0])
		vcpu_init(cpu);
	pthread_barrier_wait(&kvm->barrier); /* all vCPUs initialised */
	pthread_barrier_wait(&kvm->barrier); /* the vGIC is initialised */
	if (!cpu->err[0])
		kvm_cpu__setup_pmu(cpu);
	pthread_barrier_wait(&kvm->barrier); /* the PMUs are set up */
	/* The main thread exits the process if assembling fails. */
	pthread_barrier_wait(&kvm->barrier); /* the machine is assembled */
	sandbox__enter(SANDBOX_VCPU, (int)cpu->id); /* before any KVM_RUN */

	/*
	 * Off vCPUs wait here, in userspace, until CPU_ON or a (re)boot. A
	 * vCPU is reset as it powers off rather than as it powers on, so the
	 * CPU_ON path only loads PC and x0: "fresh" says no guest code ran
	 * since the last KVM_ARM_VCPU_INIT (vcpu_init() did the first).
	 */
	fresh = true;
	while ((ret = power__wait_on(&kvm->power, cpu->id, &boot)) >= 0) {
		if (ret == POWER_WAIT_SERVICE) {
			serve(cpu); /* and stay off */
			continue;
		}
		cpu->resume_pending = false;
		ret = fresh ? set_boot_regs(cpu, &boot) :
			      kvm_cpu__reset(cpu, &boot);
		fresh = false;
		if (ret < 0) {
			pr_err("vCPU %u: reset for power-on: %s", cpu->id,
			       strerror(errno));
			kvm__request_exit(kvm, 1);
			power__cpu_off(&kvm->power, cpu->id);
			continue;
		}
		if (!power__mark_on(&kvm->power, cpu->id))
			continue;
		if (cpu->id == 0 && kvm->boot_count == 1)
			pr_info("first KVM_RUN %.2f ms after lkvm started",
				(double)(kvm__now_ns() - kvm->start_ns) / 1e6);
		vcpu_loop(cpu, boot.call_ns);
		/* Back to OFF if we got here by an error or an exit. */
		if (kvm__exit_requested(kvm)) {
			power__cpu_off(&kvm->power, cpu->id);
			continue;
		}
		/* Powered off: reset now, while no CPU_ON waits for it. */
		complete_mmio(cpu);
		fresh = ioctl(cpu->fd, KVM_ARM_VCPU_INIT, &cpu->init) == 0;
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

static void check_setup(struct kvm *kvm)
{
	unsigned int i;

	for (i = 0; i < kvm->nr_cpus; i++)
		if (kvm->cpus[i].err[0])
			die("%s", kvm->cpus[i].err);
}

/* Start the threads; return once every vCPU exists and is initialised. */
void kvm_cpu__setup_all(struct kvm *kvm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	unsigned int i;
	int ret;

	/* No SA_RESTART: the kick must interrupt KVM_RUN. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_KICK, &sa, NULL))
		die_perror("sigaction");

	kvm->cpus = calloc(kvm->nr_cpus, sizeof(*kvm->cpus));
	if (!kvm->cpus)
		die("out of memory");
	if (pthread_barrier_init(&kvm->barrier, NULL, kvm->nr_cpus + 1))
		die("pthread_barrier_init failed");
	pthread_mutex_init(&kvm->create_lock, NULL);
	pthread_cond_init(&kvm->create_cond, NULL);

	for (i = 0; i < kvm->nr_cpus; i++) {
		struct kvm_cpu *cpu = &kvm->cpus[i];

		cpu->kvm = kvm;
		cpu->id = i;
		cpu->fd = -1;
		ret = pthread_create(&cpu->thread, NULL, vcpu_thread, cpu);
		if (ret)
			die("cannot start vCPU thread %u: %s", i,
			    strerror(ret));
	}
	pthread_barrier_wait(&kvm->barrier);
	check_setup(kvm);
	pthread_barrier_wait(&kvm->barrier);
	check_setup(kvm);

	kvm->mpidrs = calloc(kvm->nr_cpus, sizeof(*kvm->mpidrs));
	if (!kvm->mpidrs)
		die("out of memory");
	for (i = 0; i < kvm->nr_cpus; i++)
		kvm->mpidrs[i] = kvm->cpus[i].mpidr;
}

void kvm_cpu__setup_late(struct kvm *kvm)
{
	pthread_barrier_wait(&kvm->barrier);
	pthread_barrier_wait(&kvm->barrier);
	check_setup(kvm);
	kvm__report_cpu_features(kvm);
}

/* Release the vCPU threads; they wait for power-on in power__wait_on(). */
void kvm_cpu__start_all(struct kvm *kvm)
{
	pthread_barrier_wait(&kvm->barrier);
}

/*
 * Get a vCPU out of KVM_RUN soon, once the caller has set what it is to
 * see there: immediate_exit closes the race with a thread about to enter
 * it (see may_run()), the signal interrupts one inside.
 */
void kvm_cpu__kick(struct kvm_cpu *cpu)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (cpu->run)
		__atomic_store_n(&cpu->run->immediate_exit, 1,
				 __ATOMIC_SEQ_CST);
	pthread_kill(cpu->thread, SIG_KICK);
}

void kvm_cpu__kick_all(struct kvm *kvm)
{
	unsigned int i;

	for (i = 0; i < kvm->nr_cpus; i++)
		kvm_cpu__kick(&kvm->cpus[i]);
}

/* How often a vCPU thread that has not stopped yet is kicked again. */
#define STOP_KICK_MS 100

void kvm_cpu__stop_all(struct kvm *kvm)
{
	struct timespec ts;
	unsigned int i;

	power__shutdown(&kvm->power);
	kvm_cpu__kick_all(kvm);
	/*
	 * A thread that was not yet in a blocking call (a console write to a
	 * stalled reader, say) when the kick came gets another one.
	 */
	for (i = 0; i < kvm->nr_cpus; i++) {
		for (;;) {
			time__deadline_ms(CLOCK_REALTIME, STOP_KICK_MS, &ts);
			if (pthread_timedjoin_np(kvm->cpus[i].thread, NULL,
						 &ts) != ETIMEDOUT)
				break;
			kvm_cpu__kick(&kvm->cpus[i]);
		}
	}
}

/*
 * Reboot in place: park every vCPU, reset the devices and the vGIC (each
 * vCPU reset itself as it parked), reload RAM, power the boot vCPU on.
 */
void kvm__reboot(struct kvm *kvm)
{
	pr_info("rebooting the guest");
	power__all_off(&kvm->power);
	kvm_cpu__kick_all(kvm);
	power__wait_all_parked(&kvm->power);
	if (kvm__exit_requested(kvm))
		return; /* stopped meanwhile: the caller tears down */
	/* All parked: a reset asked for by the old boot is this one. */
	kvm__reset_done(kvm);
	/*
	 * Devices lower their lines first, while the vGIC still has the old
	 * boot's trigger modes: a level interrupt's line level is only
	 * tracked while it is configured as level.
	 */
	reset_list__run(&kvm->resets);
	if (gic__reset(kvm)) {
		kvm__request_exit(kvm, 1);
		return;
	}
	kvm__load_boot(kvm);
	power__end_reset(&kvm->power);
	kvm__start_psci(kvm);
}
