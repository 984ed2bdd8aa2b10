// SPDX-License-Identifier: GPL-2.0
/* `lkvm run`: parse, check the inputs, assemble the machine, run it. */
#include "kvm/builtin.h"
#include "kvm/kvm.h"
#include "kvm/run-options.h"
#include "kvm/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PARAMS "console=ttyS0 earlycon"

static int open_input(const char *what, const char *path, uint64_t *size)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s '%s': %s", what, path, strerror(errno));
	if (fstat(fd, &st) < 0)
		die("cannot stat %s '%s': %s", what, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("%s '%s' is not a regular file", what, path);
	*size = (uint64_t)st.st_size;
	return fd;
}

/* Read exactly len bytes from the start of fd into dst. */
static void read_all(int fd, const char *path, void *dst, uint64_t len)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n =
			pread(fd, (char *)dst + done, len - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("cannot read '%s': %s", path,
			    n ? strerror(errno) : "file shrank");
		done += (uint64_t)n;
	}
}

static void check_kernel(const char *path, int fd, uint64_t size,
			 struct arm64_image *img)
{
	uint8_t hdr[ARM64_IMAGE_HEADER_SIZE] = { 0 };
	char err[160];
	size_t have = size < sizeof(hdr) ? (size_t)size : sizeof(hdr);

	read_all(fd, path, hdr, have);
	if (image__parse(hdr, size, img, err, sizeof(err)))
		die("kernel '%s': %s", path, err);
}

static char *make_bootargs(const struct kvm_config *cfg)
{
	const char *params = cfg->params ? cfg->params : "";
	char *s;

	if (cfg->nodefaults)
		s = strdup(params);
	else if (asprintf(&s, "%s%s%s", DEFAULT_PARAMS, *params ? " " : "",
			  params) < 0)
		s = NULL;
	if (!s)
		die("out of memory");
	return s;
}

static void build_dtb(struct kvm *kvm, const char *bootargs, void *buf,
		      size_t len)
{
	uint64_t *mpidrs = calloc(kvm->nr_cpus, sizeof(*mpidrs));
	struct fdt_params p = {
		.nr_cpus = kvm->nr_cpus,
		.ram_base = ARM_RAM_BASE,
		.ram_size = kvm->ram_size,
		.bootargs = bootargs,
		.initrd_start = kvm->boot.initrd_addr,
		.initrd_size = kvm->boot.initrd_size,
		.gic = kvm->gic,
		.psci_method = "hvc",
		.pvpanic = true,
		.pvpanic_base = ARM_PVPANIC_BASE,
	};
	unsigned int i;
	int ret;

	if (!mpidrs)
		die("out of memory");
	for (i = 0; i < kvm->nr_cpus; i++)
		mpidrs[i] = kvm->cpus[i].mpidr;
	p.mpidrs = mpidrs;
	if (getrandom(&p.kaslr_seed, sizeof(p.kaslr_seed), GRND_NONBLOCK) !=
	    sizeof(p.kaslr_seed))
		p.kaslr_seed = 0;

	ret = fdt__build(&p, buf, len);
	if (ret)
		die("cannot build the device tree: %s", strerror(-ret));
	free(mpidrs);
}

static void dump_dtb(const char *path, const void *dtb, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		die("cannot create '%s': %s", path, strerror(errno));
	if (fwrite(dtb, 1, len, f) != len || fclose(f))
		die("cannot write '%s': %s", path, strerror(errno));
}

static void *signal_thread(void *arg)
{
	struct kvm *kvm = arg;
	sigset_t set;
	int sig;

	pthread_setname_np(pthread_self(), "lkvm-signals");
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigwait(&set, &sig))
		return NULL;
	pr_info("%s: stopping the guest", strsignal(sig));
	kvm__request_exit(kvm, 128 + sig);
	return NULL;
}

/* Signals that stop the VM are taken by one thread, never by vCPUs. */
static void block_stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void load_images(struct kvm *kvm, int kfd, uint64_t ksize, int ifd)
{
	struct kvm_config *cfg = kvm->cfg;
	void *dst;

	dst = kvm__guest_ptr(kvm, kvm->boot.kernel_addr, ksize);
	if (!dst)
		die("internal error: kernel outside guest RAM");
	read_all(kfd, cfg->kernel_path, dst, ksize);

	if (ifd >= 0) {
		dst = kvm__guest_ptr(kvm, kvm->boot.initrd_addr,
				     kvm->boot.initrd_size);
		if (!dst)
			die("internal error: initrd outside guest RAM");
		read_all(ifd, cfg->initrd_path, dst, kvm->boot.initrd_size);
	}
}

int kvm_cmd_run(int argc, char **argv)
{
	struct kvm_config cfg;
	struct arm64_image img;
	struct boot_layout boot;
	struct kvm kvm;
	uint64_t ksize, isize = 0;
	int kfd, ifd = -1, ret, code;
	char err[200], *bootargs;
	pthread_t sig_thread;
	void *dtb;

	run_options__defaults(&cfg);
	ret = run_options__parse(&cfg, argc, argv, err, sizeof(err));
	if (ret == RUN_OPTIONS_HELP) {
		run_options__usage(stdout);
		return 0;
	}
	if (ret)
		die("%s (see 'lkvm run --help')", err);
	log__level = cfg.loglevel;
	run_options__finalize(&cfg, (int)sysconf(_SC_NPROCESSORS_ONLN));

	kfd = open_input("kernel", cfg.kernel_path, &ksize);
	check_kernel(cfg.kernel_path, kfd, ksize, &img);
	if (cfg.initrd_path)
		ifd = open_input("initrd", cfg.initrd_path, &isize);
	if (layout__place(&img, isize, ARM_RAM_BASE, cfg.ram_size, &boot, err,
			  sizeof(err)))
		die("%s (-m is %llu MiB)", err,
		    (unsigned long long)(cfg.ram_size / SZ_1M));

	block_stop_signals();
	kvm__init(&kvm, &cfg);
	kvm.boot = boot;
	gic__create(&kvm);
	kvm_cpu__setup_all(&kvm);
	gic__finalize(&kvm);
	kvm__setup_devices(&kvm);

	bootargs = make_bootargs(&cfg);
	dtb = kvm__guest_ptr(&kvm, kvm.boot.dtb_addr, ARM_DTB_MAX_SIZE);
	if (!dtb)
		die("internal error: DTB outside guest RAM");
	build_dtb(&kvm, bootargs, dtb, FDT_MAX_SIZE);
	pr_info("%u vCPUs, %llu MiB, kernel at 0x%llx, DTB at 0x%llx, cmdline \"%s\"",
		kvm.nr_cpus, (unsigned long long)(kvm.ram_size / SZ_1M),
		(unsigned long long)kvm.boot.kernel_addr,
		(unsigned long long)kvm.boot.dtb_addr, bootargs);
	free(bootargs);
	if (cfg.dump_dtb) {
		dump_dtb(cfg.dump_dtb, dtb, fdt_totalsize(dtb));
		return 0;
	}
	load_images(&kvm, kfd, ksize, ifd);
	close(kfd);
	if (ifd >= 0)
		close(ifd);

	if (pthread_create(&sig_thread, NULL, signal_thread, &kvm))
		die("cannot start the signal thread");
	pthread_detach(sig_thread);
	term__init(&kvm);
	kvm_cpu__start_all(&kvm);

	code = kvm__wait_exit(&kvm);
	kvm_cpu__stop_all(&kvm);
	fflush(stdout);
	term__restore();
	return code;
}
