/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__RUN_OPTIONS_H
#define KVM__RUN_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "kvm/config.h"

/* Largest vCPU count the parser accepts; KVM's own limit is checked later. */
#define RUN_MAX_CPUS 4096

/* Returned by run_options__parse() when -h/--help was given. */
#define RUN_OPTIONS_HELP 1

void run_options__defaults(struct kvm_config *cfg);
/*
 * Parse `lkvm run` arguments (argv[0] is "run"). Returns 0, RUN_OPTIONS_HELP
 * or -EINVAL with a one-line reason in err. Pure: prints nothing.
 */
int run_options__parse(struct kvm_config *cfg, int argc, char **argv, char *err,
		       size_t errlen);
/* Fill in what was not given: cpus from host_cpus, RAM from cpus. */
void run_options__finalize(struct kvm_config *cfg, int host_cpus);
void run_options__usage(FILE *out);

#endif /* KVM__RUN_OPTIONS_H */
