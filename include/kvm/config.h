/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__CONFIG_H
#define KVM__CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

enum irqchip_type {
	IRQCHIP_AUTO,
	IRQCHIP_GICV3,
	IRQCHIP_GICV2,
};

enum psci_mode {
	PSCI_MODE_USER, /* forwarded by the SMCCC filter, served by lkvm */
	PSCI_MODE_KERNEL, /* KVM's own PSCI */
};

enum psci_conduit {
	PSCI_CONDUIT_HVC,
	PSCI_CONDUIT_SMC,
};

enum reboot_action {
	REBOOT_IN_PLACE,
	REBOOT_EXIT,
};

/* --console: the guest's console device. */
enum console_type {
	CONSOLE_SERIAL, /* the 16550A UART: ttyS0 */
	CONSOLE_VIRTIO, /* virtio-console: hvc0 (the UART stays for earlycon) */
};

enum log_level {
	LOG_ERROR,
	LOG_WARNING,
	LOG_INFO,
	LOG_DEBUG,
};

/* --vcpu-affinity takes CPUs 0 to this - 1 (glibc's CPU_SETSIZE). */
#define CFG_AFFINITY_CPUS 1024
#define CFG_AFFINITY_WORDS (CFG_AFFINITY_CPUS / 64)

/* -d/--disk FILE[,ro][,direct]; as many as the block slots. */
#define CFG_MAX_DISKS 16

struct disk_config {
	char path[PATH_MAX]; /* the part before the first comma */
	bool ro; /* read-only: VIRTIO_BLK_F_RO and a shared lock */
	bool direct; /* O_DIRECT: bypass the host's page cache */
};

/* -n/--network; as many as the network slots. */
#define CFG_MAX_NETS 8
/* IFNAMSIZ: an interface name and its NUL. */
#define CFG_IFNAMSIZ 16

enum net_mode {
	NET_MODE_NONE,
	NET_MODE_TAP, /* a host tap interface, optionally through vhost-net */
	NET_MODE_USER, /* passt, started by lkvm: no privileges needed */
};

struct net_config {
	enum net_mode mode;
	char tapif[CFG_IFNAMSIZ]; /* tap: this interface; "": a new one */
	bool vhost; /* tap: the data path in the kernel's vhost-net */
	bool host_ip_set; /* tap: give the tap this address and bring it up */
	uint8_t host_ip[4]; /* IPv4, network order */
	uint8_t host_prefix; /* 1..32; 24 unless given */
	bool guest_mac_set;
	uint8_t guest_mac[6];
	bool host_mac_set;
	uint8_t host_mac[6]; /* tap: the tap's MAC; user: passt's */
	const char *passt_args; /* user: passt=..., split at spaces; NULL */
};

/* A --psci-fail: answer the next count calls of fn with code. */
struct psci_fault_spec {
	unsigned int fn;
	int32_t code;
	uint32_t count;
};

/* One per function that can be injected. */
#define MAX_PSCI_FAULTS 5

/* Everything `lkvm run` was asked for, after option parsing. */
struct kvm_config {
	const char *kernel_path;
	const char *initrd_path;
	const char *params; /* appended to the default command line */
	const char *name;
	const char *dump_dtb; /* write the DTB here and exit */
	const char *dev; /* the KVM device node */
	int nr_cpus; /* -1: not given */
	int max_cpus; /* vCPUs that exist, nr_cpus..max_cpus-1 disabled; -1 */
	uint64_t ram_size; /* bytes; 0: not given */
	bool nodefaults;
	enum console_type console;
	enum irqchip_type irqchip;
	enum log_level loglevel;
	enum psci_mode psci;
	bool psci_explicit; /* --psci given: no silent fallback */
	enum psci_conduit conduit;
	enum reboot_action reboot;
	bool debug_psci;
	bool console_panic; /* stop on Linux's panic line on the console */
	bool no_sandbox; /* --sandbox=off: no seccomp filters */

	/* The guest CPU (arm/cpu-features.c decides what it gets). */
	bool disable_sve;
	unsigned int sve_max_vl; /* bits; 0: the longest KVM offers */
	bool disable_ptrauth;
	bool pmu;
	bool disable_mte;
	bool no_pvtime;
	uint32_t cntfrq; /* timer frequency for the DT; 0: none given */
	bool vcpu_affinity_set;
	uint64_t vcpu_affinity[CFG_AFFINITY_WORDS]; /* bit n: host CPU n */

	struct disk_config disks[CFG_MAX_DISKS];
	unsigned int nr_disks;
	bool rng; /* --rng: a virtio-rng device */
	struct psci_fault_spec psci_faults[MAX_PSCI_FAULTS];
	unsigned int nr_psci_faults;
	uint32_t psci_delay_on_ms;

	struct net_config nets[CFG_MAX_NETS]; /* mode=none ones left out */
	unsigned int nr_nets;
	/* name is lkvm's guest-PID, not --name: the default MACs, which
	 * must not change from run to run, leave it out. */
	bool name_generated;
};

#endif /* KVM__CONFIG_H */
