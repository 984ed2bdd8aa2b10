// SPDX-License-Identifier: GPL-2.0
/* VM creation, guest RAM, devices and the exit request. */
#include "kvm/kvm.h"
#include "kvm/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void open_kvm(struct kvm *kvm)
{
	const char *dev = kvm->cfg->dev;
	int version;

	kvm->sys_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0) {
		if (errno == ENOENT)
			die("%s does not exist: this host has no KVM (is the kvm module loaded, and is this an arm64 host with virtualization enabled?)",
			    dev);
		if (errno == EACCES || errno == EPERM)
			die("permission denied opening %s: run as root or add yourself to the 'kvm' group",
			    dev);
		die("cannot open %s: %s", dev, strerror(errno));
	}
	version = ioctl(kvm->sys_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		die("%s: unexpected KVM API version %d", dev, version);
}

static int check_cap(int fd, long cap)
{
	int ret = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return ret < 0 ? 0 : ret;
}

static void check_caps(struct kvm *kvm)
{
	static const struct {
		long cap;
		const char *name;
	} required[] = {
		{ KVM_CAP_ONE_REG, "KVM_CAP_ONE_REG" },
		{ KVM_CAP_ARM_PSCI_0_2, "KVM_CAP_ARM_PSCI_0_2" },
		{ KVM_CAP_DEVICE_CTRL, "KVM_CAP_DEVICE_CTRL" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	};
	unsigned int i;
	int max;

	for (i = 0; i < ARRAY_SIZE(required); i++)
		if (!check_cap(kvm->sys_fd, required[i].cap))
			die("the host's KVM lacks %s", required[i].name);

	max = check_cap(kvm->sys_fd, KVM_CAP_MAX_VCPUS);
	if (!max)
		max = check_cap(kvm->sys_fd, KVM_CAP_NR_VCPUS);
	if (!max)
		max = 4;
	if (kvm->cfg->max_cpus > max)
		die("%d vCPUs asked for, but this host's KVM allows at most %d",
		    kvm->cfg->max_cpus, max);
}

/* Guest physical address bits needed for RAM; at least 32 (kvmtool). */
static int ipa_bits_for(uint64_t end)
{
	int bits = 32;

	while (bits < 64 && (end - 1) >> bits)
		bits++;
	return bits;
}

static void create_vm(struct kvm *kvm)
{
	uint64_t end = ARM_RAM_BASE + kvm->ram_size;
	int max_ipa, bits, type = 0;

	max_ipa = check_cap(kvm->sys_fd, KVM_CAP_ARM_VM_IPA_SIZE);
	bits = ipa_bits_for(end);
	if (max_ipa) {
		if (bits > max_ipa)
			die("%llu MiB of RAM needs %d address bits; this host's KVM supports %d",
			    (unsigned long long)(kvm->ram_size / SZ_1M), bits,
			    max_ipa);
		type = KVM_VM_TYPE_ARM_IPA_SIZE(bits);
	} else if (bits > 40) {
		die("%llu MiB of RAM is more than this host's KVM can map",
		    (unsigned long long)(kvm->ram_size / SZ_1M));
	}

	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, type);
	if (kvm->vm_fd < 0)
		die_perror("KVM_CREATE_VM");
}

static void create_ram(struct kvm *kvm)
{
	struct kvm_userspace_memory_region region;

	kvm->ram = mmap(NULL, kvm->ram_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (kvm->ram == MAP_FAILED)
		die("cannot allocate %llu MiB of guest RAM: %s",
		    (unsigned long long)(kvm->ram_size / SZ_1M),
		    strerror(errno));
	madvise(kvm->ram, kvm->ram_size, MADV_HUGEPAGE);

	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = ARM_RAM_BASE,
		.memory_size = kvm->ram_size,
		.userspace_addr = (uintptr_t)kvm->ram,
	};
	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die_perror("KVM_SET_USER_MEMORY_REGION");
	/* What the virtio devices may reach: exactly this mapping. */
	guest_mem__init(&kvm->mem);
	if (guest_mem__add(&kvm->mem, ARM_RAM_BASE, kvm->ram_size, kvm->ram))
		die("internal error: the guest memory table");
}

void kvm__init(struct kvm *kvm, struct kvm_config *cfg)
{
	memset(kvm, 0, sizeof(*kvm));
	kvm->cfg = cfg;
	kvm->nr_cpus = (unsigned int)cfg->max_cpus;
	kvm->nr_enabled = (unsigned int)cfg->nr_cpus;
	kvm->ram_size = cfg->ram_size;
	kvm->gic_fd = -1;
	kvm->kernel_fd = -1;
	kvm->initrd_fd = -1;
	mmio_bus__init(&kvm->mmio);
	pthread_mutex_init(&kvm->exit_lock, NULL);
	pthread_cond_init(&kvm->exit_cond, NULL);

	open_kvm(kvm);
	check_caps(kvm);
	create_vm(kvm);
	kvm__select_cpu_features(kvm);
	create_ram(kvm);
	kvm__setup_pvtime(kvm);

	kvm->run_size = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if ((long)kvm->run_size <= 0)
		die_perror("KVM_GET_VCPU_MMAP_SIZE");
}

/* A host pointer to [gpa, gpa + len) of guest RAM, or NULL. */
void *kvm__guest_ptr(struct kvm *kvm, uint64_t gpa, uint64_t len)
{
	if (gpa < ARM_RAM_BASE)
		return NULL;
	gpa -= ARM_RAM_BASE;
	if (gpa > kvm->ram_size || len > kvm->ram_size - gpa)
		return NULL;
	return (char *)kvm->ram + gpa;
}

void kvm__request_exit(struct kvm *kvm, int code)
{
	pthread_mutex_lock(&kvm->exit_lock);
	if (!kvm->exit_requested) {
		__atomic_store_n(&kvm->exit_requested, true, __ATOMIC_RELEASE);
		kvm->exit_code = code;
		pthread_cond_broadcast(&kvm->exit_cond);
	}
	pthread_mutex_unlock(&kvm->exit_lock);
	/* Parked vCPU threads and a reboot waiting for them stop now. */
	if (kvm->power.v)
		power__shutdown(&kvm->power);
}

/* Seconds a panicking guest gets to print its trace before we stop it. */
#define PANIC_GRACE_SEC 2

uint64_t kvm__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void kvm__request_reset(struct kvm *kvm)
{
	pthread_mutex_lock(&kvm->exit_lock);
	kvm->reset_requested = true;
	pthread_cond_broadcast(&kvm->exit_cond);
	pthread_mutex_unlock(&kvm->exit_lock);
}

void kvm__reset_done(struct kvm *kvm)
{
	pthread_mutex_lock(&kvm->exit_lock);
	kvm->reset_requested = false;
	pthread_mutex_unlock(&kvm->exit_lock);
}

void kvm__guest_panicked(struct kvm *kvm)
{
	pthread_mutex_lock(&kvm->exit_lock);
	kvm->guest_panicked = true;
	pthread_cond_broadcast(&kvm->exit_cond);
	pthread_mutex_unlock(&kvm->exit_lock);
}

bool kvm__exit_requested(struct kvm *kvm)
{
	return __atomic_load_n(&kvm->exit_requested, __ATOMIC_ACQUIRE);
}

/* Let a panicking guest finish its trace, unless it stops first. */
static void panic_grace(struct kvm *kvm)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += PANIC_GRACE_SEC;
	while (!kvm->exit_requested &&
	       pthread_cond_timedwait(&kvm->exit_cond, &kvm->exit_lock,
				      &deadline) != ETIMEDOUT)
		;
	__atomic_store_n(&kvm->exit_requested, true, __ATOMIC_RELEASE);
}

enum kvm_event kvm__wait_event(struct kvm *kvm, int *code)
{
	bool panicked;

	pthread_mutex_lock(&kvm->exit_lock);
	while (!kvm->exit_requested && !kvm->guest_panicked &&
	       !kvm->reset_requested)
		pthread_cond_wait(&kvm->exit_cond, &kvm->exit_lock);
	if (kvm->guest_panicked)
		panic_grace(kvm);
	if (!kvm->exit_requested) {
		kvm->reset_requested = false;
		pthread_mutex_unlock(&kvm->exit_lock);
		return KVM_EVENT_RESET;
	}
	panicked = kvm->guest_panicked;
	*code = kvm->exit_code;
	pthread_mutex_unlock(&kvm->exit_lock);

	if (panicked) {
		fflush(stdout);
		pr_err("the guest kernel panicked");
		if (!*code)
			*code = 1;
	}
	return KVM_EVENT_EXIT;
}

void kvm__irq_line(struct kvm *kvm, unsigned int spi, int level)
{
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
		       ((32 + spi) & KVM_ARM_IRQ_NUM_MASK),
		.level = level,
	};

	if (ioctl(kvm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		pr_warn("KVM_IRQ_LINE %u: %s", 32 + spi, strerror(errno));
}

bool kvm__console_closed(struct kvm *kvm)
{
	return __atomic_load_n(&kvm->console_closed, __ATOMIC_ACQUIRE);
}

void kvm__console_lost(struct kvm *kvm, int err)
{
	/* The UART and a virtio console share stdout: one warning. */
	if (__atomic_exchange_n(&kvm->console_closed, true, __ATOMIC_ACQ_REL))
		return;
	pr_warn("console output: %s; the guest's further output is dropped",
		strerror(err));
}

/* Called with the UART's lock held, by the vCPU that wrote THR. */
static void uart_tx(void *opaque, uint8_t byte)
{
	struct kvm *kvm = opaque;
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
	ssize_t n;

	if (kvm->cfg->console_panic &&
	    panic_watch__feed(&kvm->panic_watch, byte))
		kvm__guest_panicked(kvm);
	if (kvm__console_closed(kvm) || kvm__exit_requested(kvm))
		return;
	/*
	 * A slow reader slows the guest down (no output is lost), but the
	 * kick (EINTR) of a stopping VM must not be retried forever.
	 */
	for (;;) {
		n = write(STDOUT_FILENO, &byte, 1);
		if (n == 1 || kvm__exit_requested(kvm))
			return;
		if (n < 0 && errno == EAGAIN)
			poll(&pfd, 1, -1);
		else if (n < 0 && errno != EINTR)
			break;
	}
	kvm__console_lost(kvm, n < 0 ? errno : EIO);
}

static void uart_irq(void *opaque, int level)
{
	kvm__irq_line(opaque, ARM_UART_SPI, level);
}

static void pvpanic_panicked(void *opaque)
{
	pr_debug("pvpanic: the guest panicked");
	kvm__guest_panicked(opaque);
}

static void pvpanic_crash_loaded(void *opaque)
{
	(void)opaque;
	pr_warn("the guest kernel crashed; its kdump kernel takes over, the VM keeps running");
}

void kvm__register_reset(struct kvm *kvm, reset_fn fn, void *opaque)
{
	int ret = reset_list__add(&kvm->resets, fn, opaque);

	if (ret)
		die("cannot register a device reset: %s", strerror(-ret));
}

static void uart_reset(void *opaque)
{
	serial8250__reset(opaque);
}

void kvm__setup_devices(struct kvm *kvm)
{
	static const struct serial8250_ops uart_ops = {
		.tx = uart_tx,
		.irq = uart_irq,
	};
	int ret;

	if (serial8250__init(&kvm->uart, &uart_ops, kvm))
		die("cannot initialise the UART");
	ret = mmio_bus__register(&kvm->mmio, ARM_UART_BASE, ARM_UART_SIZE,
				 serial8250__mmio, &kvm->uart, "uart");
	if (ret)
		die("cannot register the UART: %s", strerror(-ret));
	kvm__register_reset(kvm, uart_reset, &kvm->uart);

	kvm->pvpanic.panicked = pvpanic_panicked;
	kvm->pvpanic.crash_loaded = pvpanic_crash_loaded;
	kvm->pvpanic.opaque = kvm;
	ret = mmio_bus__register(&kvm->mmio, ARM_PVPANIC_BASE, ARM_PVPANIC_SIZE,
				 pvpanic__mmio, &kvm->pvpanic, "pvpanic");
	if (ret)
		die("cannot register pvpanic: %s", strerror(-ret));
}
