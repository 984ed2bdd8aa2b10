/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KVM_H
#define KVM__KVM_H

/* The KVM glue: only arm/ and the command layer include this. */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kvm/compat-kvm.h"
#include "kvm/config.h"
#include "kvm/cpu-features.h"
#include "kvm/fdt.h"
#include "kvm/guest-mem.h"
#include "kvm/histogram.h"
#include "kvm/layout.h"
#include "kvm/mmio.h"
#include "kvm/panic-watch.h"
#include "kvm/power.h"
#include "kvm/psci-inject.h"
#include "kvm/psci.h"
#include "kvm/pvpanic.h"
#include "kvm/reset.h"
#include "kvm/serial.h"

struct kvm;
struct gic_state;
struct vdev;
struct kvm_control;

/* Exit reasons counted one each; larger ones share the last slot. */
#define VCPU_STAT_EXITS 64

/*
 * Counters of one vCPU: written by its own thread only, read by the
 * control thread (relaxed atomics on both sides).
 */
struct vcpu_stats {
	uint64_t exits[VCPU_STAT_EXITS];
	uint64_t psci[PSCI_FN_COUNT][PSCI_NR_SLOTS];
	uint64_t injected[PSCI_FN_COUNT];
};

/* What a service request reads from a vCPU (lkvm debug). */
struct vcpu_regs {
	uint64_t pc, pstate;
	int err; /* errno of a failed read; 0 */
};

struct kvm_cpu {
	struct kvm *kvm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	uint64_t mpidr;
	struct kvm_vcpu_init init;
	bool resume_pending; /* powerdown suspend: restart at resume on wake */
	struct power_boot resume;
	uint64_t sve_vls[SVE_VLS_WORDS]; /* the SVE vector lengths it got */
	char err[160]; /* set-up failure, reported by the main thread */
	struct vcpu_stats stats;
	struct vcpu_regs regs; /* filled when serving a request */
};

struct kvm {
	struct kvm_config *cfg;
	int sys_fd;
	int vm_fd;
	int gic_fd;
	enum fdt_gic gic;
	struct gic_state *gic_reset; /* the vGIC's registers at power-on */
	size_t run_size;

	void *ram;
	uint64_t ram_size;
	struct guest_mem mem; /* guest RAM for the virtio devices */

	struct cpu_host_caps cpu_caps; /* what the host's KVM offers */
	struct cpu_plan cpu_plan; /* what every vCPU gets */

	unsigned int nr_cpus; /* that exist: --max-cpus */
	unsigned int nr_enabled; /* enabled at start: --cpus */
	struct kvm_cpu *cpus;
	pthread_barrier_t barrier;
	pthread_mutex_t create_lock;
	pthread_cond_t create_cond;
	unsigned int nr_created; /* vCPUs created, in id order */

	struct mmio_bus mmio;
	struct reset_list resets; /* device resets for a reboot in place */
	struct serial8250 uart;
	struct pvpanic pvpanic;
	struct panic_watch panic_watch; /* under the UART's lock */
	struct vdev *vdevs[32]; /* virtio devices (arm/virtio.c) */
	unsigned int nr_vdevs;
	bool virtio_caps_known;
	bool has_ioeventfd;
	bool has_irqfd;
	bool console_closed; /* stdout failed: output dropped (atomic) */
	struct boot_layout boot;
	int kernel_fd;
	uint64_t kernel_size;
	int initrd_fd;
	char *bootargs;
	unsigned int boot_count;
	uint64_t *mpidrs;
	uint64_t start_ns; /* CLOCK_MONOTONIC when lkvm started */

	bool psci_user; /* PSCI forwarded to us by the SMCCC filter */
	struct power_table power;
	struct hypercall_bus hcall;
	struct psci psci;
	struct psci_inject inject;
	struct histogram cpu_on_latency; /* ns, CPU_ON to first KVM_RUN */

	struct kvm_control *ctl; /* the control socket (arm/control.c) */

	pthread_mutex_t exit_lock;
	pthread_cond_t exit_cond;
	bool exit_requested;
	int exit_code;
	bool guest_panicked;
	bool reset_requested;
};

enum kvm_event {
	KVM_EVENT_EXIT,
	KVM_EVENT_RESET,
};

/* arm/kvm.c */
void kvm__init(struct kvm *kvm, struct kvm_config *cfg);
void *kvm__guest_ptr(struct kvm *kvm, uint64_t gpa, uint64_t len);
void kvm__request_exit(struct kvm *kvm, int code);
void kvm__request_reset(struct kvm *kvm);
/* The reset is under way (every vCPU parked): a new request may come. */
void kvm__reset_done(struct kvm *kvm);
void kvm__guest_panicked(struct kvm *kvm);
/* Main thread: the next event; *code is the exit status for EXIT. */
enum kvm_event kvm__wait_event(struct kvm *kvm, int *code);
bool kvm__exit_requested(struct kvm *kvm);
void kvm__setup_devices(struct kvm *kvm);
/*
 * A device's reset for a reboot in place: fn(opaque) runs on the main
 * thread while every vCPU is parked, before the vGIC is reset, in reverse
 * order of registration. A device that drives an interrupt line lowers it.
 */
void kvm__register_reset(struct kvm *kvm, reset_fn fn, void *opaque);
void kvm__irq_line(struct kvm *kvm, unsigned int spi, int level);
/*
 * Guest console output on stdout failed (the reader went away): the first
 * call warns; from then on kvm__console_closed() and output is dropped.
 */
void kvm__console_lost(struct kvm *kvm, int err);
bool kvm__console_closed(struct kvm *kvm);

uint64_t kvm__now_ns(void);

/* arm/boot.c */
void kvm__load_boot(struct kvm *kvm);

/* arm/psci.c */
void kvm__setup_psci(struct kvm *kvm);
void kvm__register_psci(struct kvm *kvm);
void kvm__start_psci(struct kvm *kvm);
void kvm_cpu__handle_hypercall(struct kvm_cpu *cpu);

/* arm/gic.c */
void gic__create(struct kvm *kvm);
void gic__finalize(struct kvm *kvm);

/* arm/gic-reset.c */
/* Read the vGIC's whole register state: once, before any vCPU runs. */
void gic__save_reset_state(struct kvm *kvm);
/* Write it back (every vCPU parked). 0, or -errno after an error line. */
int gic__reset(struct kvm *kvm);

/* arm/kvm-features.c: the guest CPU's features (see cpu-features.h) */
void kvm__select_cpu_features(struct kvm *kvm);
void kvm__setup_pvtime(struct kvm *kvm);
int kvm_cpu__pin(struct kvm_cpu *cpu);
int kvm_cpu__setup_features(struct kvm_cpu *cpu);
int kvm_cpu__setup_pmu(struct kvm_cpu *cpu);
void kvm__report_cpu_features(struct kvm *kvm);

/* arm/kvm-cpu.c */
void kvm_cpu__setup_all(struct kvm *kvm);
/* After gic__finalize(): the vCPUs' set-up that needs the vGIC (PMU). */
void kvm_cpu__setup_late(struct kvm *kvm);
void kvm_cpu__start_all(struct kvm *kvm);
void kvm_cpu__kick(struct kvm_cpu *cpu);
void kvm_cpu__kick_all(struct kvm *kvm);
void kvm_cpu__stop_all(struct kvm *kvm);
int kvm_cpu__get_reg(struct kvm_cpu *cpu, uint64_t id, uint64_t *val);
int kvm_cpu__set_reg(struct kvm_cpu *cpu, uint64_t id, uint64_t val);
int kvm_cpu__set_mp_state(struct kvm_cpu *cpu, uint32_t state);
/* Re-initialise the vCPU and start it at boot->entry with x0 = ctx. */
int kvm_cpu__reset(struct kvm_cpu *cpu, const struct power_boot *boot);
void kvm__reboot(struct kvm *kvm);

/* arm/virtio.c: the virtio devices' nodes for the device tree. */
unsigned int vdev__fdt(struct kvm *kvm, struct fdt_virtio *out);
/* arm/control.c: the control socket (lkvm list/stop/pause/...). */
/* Before the VM is made: claim the name (dies if it is taken). */
void kvm__control_open(struct kvm_config *cfg);
/* Once the vCPUs exist, before they run: serve requests. */
void kvm__control_start(struct kvm *kvm);
/* At the end: stop serving, remove the socket. */
void kvm__control_stop(struct kvm *kvm);
/* Remove the socket now (async-signal-safe; for _exit paths). */
void kvm__control_unlink(void);

/* term.c */
void term__init(struct kvm *kvm);
void term__restore(void);

#endif /* KVM__KVM_H */
