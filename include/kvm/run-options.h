/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__RUN_OPTIONS_H
#define KVM__RUN_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "kvm/config.h"
#include "kvm/layout.h"

/* Largest vCPU count the parser accepts; KVM's own limit is checked later. */
#define RUN_MAX_CPUS 4096

/* The smallest RAM the layout can use: a 2 MiB block each for kernel and DTB. */
#define RUN_MIN_RAM_SIZE (0x200000ULL + ARM_DTB_MAX_SIZE)

/* The architecture's longest SVE vector, in bits. */
#define RUN_SVE_MAX_VL 2048

/*
 * Put before -p's text unless --nodefaults; earlycon finds the UART from
 * the device tree's stdout-path with either console.
 */
#define RUN_DEFAULT_PARAMS "console=ttyS0 earlycon"
#define RUN_DEFAULT_PARAMS_VIRTIO "console=hvc0 earlycon"
/* arm64 Linux's COMMAND_LINE_SIZE: the guest cuts longer ones short. */
#define RUN_CMDLINE_SIZE 2048

/* Returned by run_options__parse() when -h/--help was given. */
#define RUN_OPTIONS_HELP 1

void run_options__defaults(struct kvm_config *cfg);
/*
 * Parse `lkvm run` arguments (argv[0] is "run"). Returns 0, RUN_OPTIONS_HELP
 * or -EINVAL with a one-line reason in err. Pure: prints nothing.
 */
int run_options__parse(struct kvm_config *cfg, int argc, char **argv, char *err,
		       size_t errlen);
/*
 * Fill in what was not given: cpus from host_cpus, RAM from cpus (at most
 * host_ram). A RAM size given above host_ram is refused: -EINVAL with a
 * one-line reason in err. host_cpus <= 0 or host_ram 0: unknown.
 */
int run_options__finalize(struct kvm_config *cfg, int host_cpus,
			  uint64_t host_ram, char *err, size_t errlen);
/* The default kernel parameters for cfg's console. */
const char *run_options__default_params(const struct kvm_config *cfg);
/* The kernel command line (malloc'd), or NULL when out of memory. */
char *run_options__bootargs(const struct kvm_config *cfg);
void run_options__usage(FILE *out);

#endif /* KVM__RUN_OPTIONS_H */
