// SPDX-License-Identifier: GPL-2.0
#include "kvm/builtin.h"
#include "kvm/run-options.h"

#include <stdio.h>
#include <string.h>

#ifndef LKVM_VERSION
#define LKVM_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fputs("usage: lkvm COMMAND [ARGS]\n"
	      "\n"
	      "  run       boot a guest (lkvm run --help for its options)\n"
	      "  list      the running VMs of this user\n"
	      "  stop      stop a VM (as a guest poweroff)\n"
	      "  pause     hold every vCPU of a VM\n"
	      "  resume    let a paused VM run on\n"
	      "  debug     vCPU states and registers; --sysrq C\n"
	      "  stat      exits, PSCI calls, CPU_ON latency\n"
	      "  cpu       vCPU hotplug: table, --enable, --disable, --watch\n"
	      "  psci      PSCI fault injection\n"
	      "  help      this text, or 'lkvm help COMMAND'\n"
	      "  version   print the version\n",
	      out);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(cmd, "run"))
		return kvm_cmd_run(argc - 1, argv + 1);
	if (kvm_ctl__usage(cmd))
		return kvm_cmd_ctl(cmd, argc - 1, argv + 1);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h")) {
		if (argc > 2 && !strcmp(argv[2], "run"))
			run_options__usage(stdout);
		else if (argc > 2 && kvm_ctl__usage(argv[2]))
			fputs(kvm_ctl__usage(argv[2]), stdout);
		else
			usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("lkvm version %s\n", LKVM_VERSION);
		return 0;
	}
	fprintf(stderr, "lkvm: unknown command '%s'\n", cmd);
	usage(stderr);
	return 1;
}
