/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KVM_H
#define KVM__KVM_H

/* The KVM glue: only arm/ and the command layer include this. */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kvm/compat-kvm.h"
#include "kvm/config.h"
#include "kvm/fdt.h"
#include "kvm/layout.h"
#include "kvm/mmio.h"
#include "kvm/panic-watch.h"
#include "kvm/pvpanic.h"
#include "kvm/serial.h"

struct kvm;

struct kvm_cpu {
	struct kvm *kvm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	uint64_t mpidr;
	struct kvm_vcpu_init init;
	char err[160]; /* set-up failure, reported by the main thread */
};

struct kvm {
	struct kvm_config *cfg;
	int sys_fd;
	int vm_fd;
	int gic_fd;
	enum fdt_gic gic;
	size_t run_size;

	void *ram;
	uint64_t ram_size;

	unsigned int nr_cpus;
	struct kvm_cpu *cpus;
	pthread_barrier_t barrier;

	struct mmio_bus mmio;
	struct serial8250 uart;
	struct pvpanic pvpanic;
	struct panic_watch panic_watch; /* under the UART's lock */
	struct boot_layout boot;

	pthread_mutex_t exit_lock;
	pthread_cond_t exit_cond;
	bool exit_requested;
	int exit_code;
	bool guest_panicked;
};

/* arm/kvm.c */
void kvm__init(struct kvm *kvm, struct kvm_config *cfg);
void *kvm__guest_ptr(struct kvm *kvm, uint64_t gpa, uint64_t len);
void kvm__request_exit(struct kvm *kvm, int code);
void kvm__guest_panicked(struct kvm *kvm);
int kvm__wait_exit(struct kvm *kvm);
void kvm__setup_devices(struct kvm *kvm);
void kvm__irq_line(struct kvm *kvm, unsigned int spi, int level);

/* arm/gic.c */
void gic__create(struct kvm *kvm);
void gic__finalize(struct kvm *kvm);

/* arm/kvm-cpu.c */
void kvm_cpu__setup_all(struct kvm *kvm);
void kvm_cpu__start_all(struct kvm *kvm);
void kvm_cpu__stop_all(struct kvm *kvm);

/* term.c */
void term__init(struct kvm *kvm);
void term__restore(void);

#endif /* KVM__KVM_H */
