// SPDX-License-Identifier: GPL-2.0
/* `lkvm run`: parse, check the inputs, assemble the machine, run it. */
#include "kvm/builtin.h"
#include "kvm/input.h"
#include "kvm/kernel.h"
#include "kvm/kvm.h"
#include "kvm/run-options.h"
#include "kvm/sandbox.h"
#include "kvm/util.h"
#include "kvm/virtio-kvm.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int open_input(const char *what, const char *path, uint64_t *size)
{
	char err[PATH_MAX + 100];
	int fd;

	if (input__open(what, path, &fd, size, err, sizeof(err)))
		die("%s", err);
	return fd;
}

/* What the kernel file is; a compressed one is unpacked here, once. */
static void load_kernel(const char *path, struct kernel_file *k)
{
	char err[PATH_MAX + 200];
	uint64_t size;
	int fd = open_input("kernel", path, &size);

	if (kernel__load(fd, size, KERNEL_UNPACK_MAX, k, err, sizeof(err)))
		die("kernel '%s': %s", path, err);
	if (k->fd != fd) {
		close(fd);
		pr_info("kernel '%s': %s, unpacked to a %llu-byte Image", path,
			kernel__format_name(k->format),
			(unsigned long long)k->size);
	}
}

static char *make_bootargs(const struct kvm_config *cfg)
{
	char *s = run_options__bootargs(cfg);

	if (!s)
		die("out of memory");
	return s;
}

/* The host's RAM in bytes; 0 if unknown. */
static uint64_t host_ram(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

static void *signal_thread(void *arg)
{
	struct kvm *kvm = arg;
	sigset_t set;
	int sig;

	pthread_setname_np(pthread_self(), "lkvm-signals");
	sandbox__enter(SANDBOX_SIGNAL, -1);
	stop_signals(&set);
	if (sigwait(&set, &sig))
		return NULL;
	sandbox__check_killed(); /* a confined thread's forbidden call */
	kvm__request_exit(kvm, 128 + sig);
	pr_info("%s: stopping the guest", strsignal(sig));
	/*
	 * A second one means the clean stop is not good enough: go now,
	 * without stdio (its lock or a stalled stderr could hold us).
	 */
	while (sigwait(&set, &sig))
		;
	sandbox__check_killed();
	term__restore();
	kvm__control_unlink();
	_exit(128 + sig);
}

/* Signals that stop the VM are taken by one thread, never by vCPUs. */
static void block_stop_signals(void)
{
	sigset_t set;

	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* A closed stdout is reported by write(), not by a silent death. */
	signal(SIGPIPE, SIG_IGN);
}

int kvm_cmd_run(int argc, char **argv)
{
	/*
	 * The machine lives as long as the process, not this frame: the
	 * detached signal and console threads use it until lkvm has exited,
	 * and what it points to stays in use (and reachable) until then.
	 */
	static struct kvm_config cfg;
	static struct kvm kvm;
	struct kernel_file kernel;
	struct boot_layout boot;
	uint64_t isize = 0;
	int ifd = -1, ret, code;
	uint64_t start_ns = kvm__now_ns();
	pthread_t sig_thread;
	char err[200];

	run_options__defaults(&cfg);
	ret = run_options__parse(&cfg, argc, argv, err, sizeof(err));
	if (ret == RUN_OPTIONS_HELP) {
		run_options__usage(stdout);
		return 0;
	}
	if (ret)
		die("%s (see 'lkvm run --help')", err);
	log__level = cfg.loglevel;
	if (run_options__finalize(&cfg, (int)sysconf(_SC_NPROCESSORS_ONLN),
				  host_ram(), err, sizeof(err)))
		die("%s", err);

	load_kernel(cfg.kernel_path, &kernel);
	if (kernel.format == KERNEL_FLAT)
		pr_info("kernel '%s' has no arm64 Image header: loading it as a flat binary at 0x%llx, entered there with x0 = the DTB",
			cfg.kernel_path,
			(unsigned long long)(ARM_RAM_BASE +
					     kernel.img.text_offset));
	if (cfg.initrd_path)
		ifd = open_input("initrd", cfg.initrd_path, &isize);
	if (layout__place(&kernel.img, isize, ARM_RAM_BASE, cfg.ram_size, &boot,
			  err, sizeof(err)))
		die("%s (-m is %llu MiB)", err,
		    (unsigned long long)(cfg.ram_size / SZ_1M));

	/* Before any thread exists: they all confine themselves. */
	sandbox__init(&cfg);
	block_stop_signals();
	kvm__init(&kvm, &cfg);
	/* After /dev/kvm: a user without KVM hears of that first. */
	kvm__control_open(&cfg);
	virtio__open_disks(&kvm);
	virtio__open_nets(&kvm);
	kvm.start_ns = start_ns;
	kvm.boot = boot;
	kvm.kernel_fd = kernel.fd;
	kvm.kernel_size = kernel.size;
	kvm.initrd_fd = ifd;
	kvm.bootargs = make_bootargs(&cfg);

	gic__create(&kvm);
	kvm__setup_psci(&kvm);
	kvm_cpu__setup_all(&kvm);
	kvm__register_psci(&kvm);
	gic__finalize(&kvm);
	kvm_cpu__setup_late(&kvm);
	kvm__setup_devices(&kvm);
	virtio__setup_devices(&kvm);
	kvm__start_psci(&kvm);
	kvm__load_boot(&kvm);
	if (kvm.nr_enabled < kvm.nr_cpus)
		pr_info("vCPUs %u-%u start disabled (--max-cpus %u)",
			kvm.nr_enabled, kvm.nr_cpus - 1, kvm.nr_cpus);
	pr_info("%u vCPUs, %llu MiB, PSCI in %s, kernel at 0x%llx, DTB at 0x%llx, cmdline \"%s\"",
		kvm.nr_cpus, (unsigned long long)(kvm.ram_size / SZ_1M),
		kvm.psci_user ? "lkvm" : "KVM",
		(unsigned long long)kvm.boot.kernel_addr,
		(unsigned long long)kvm.boot.dtb_addr, kvm.bootargs);

	if (pthread_create(&sig_thread, NULL, signal_thread, &kvm))
		die("cannot start the signal thread");
	pthread_detach(sig_thread);
	term__init(&kvm);
	kvm__control_start(&kvm);
	kvm_cpu__start_all(&kvm);
	sandbox__enter(SANDBOX_MAIN, -1); /* set up: from now on, running */

	while (kvm__wait_event(&kvm, &code) == KVM_EVENT_RESET)
		kvm__reboot(&kvm);
	kvm_cpu__stop_all(&kvm);
	/* No vCPU runs: each device completes its request and flushes. */
	vdev__exit_all(&kvm);
	kvm__control_stop(&kvm);
	fflush(stdout);
	term__restore();
	return code;
}
