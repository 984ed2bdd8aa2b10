// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/run-options.h"
#include "kvm/util.h"

#include <errno.h>
#include <stdlib.h>

#define NARGS(argv) ((int)(sizeof(argv) / sizeof((argv)[0])))

/* Parse argv into a fresh config; err always ends up a C string. */
static int parse(struct kvm_config *cfg, int argc, char **argv, char *err,
		 size_t errlen)
{
	run_options__defaults(cfg);
	memset(err, 0, errlen);
	return run_options__parse(cfg, argc, argv, err, errlen);
}

/*
 * Expect -EINVAL and a message naming `mention`. The argv is copied so
 * the table below can hold string literals.
 */
static void expect_bad(struct test_ctx *t, int line, const char *mention,
		       const char *const *args, int argc)
{
	char bufs[8][64], *argv[8];
	struct kvm_config cfg;
	char err[256];
	int i, ret;

	if (argc > 8) {
		test__fail(t, __FILE__, line, "too many args");
		return;
	}
	for (i = 0; i < argc; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "%s", args[i]);
		argv[i] = bufs[i];
	}
	ret = parse(&cfg, argc, argv, err, sizeof(err));
	if (ret != -EINVAL)
		test__fail(t, __FILE__, line, "'%s %s': got %d, want -EINVAL",
			   args[argc - 2], args[argc - 1], ret);
	else if (!err[0])
		test__fail(t, __FILE__, line, "'%s %s': empty message",
			   args[argc - 2], args[argc - 1]);
	else if (mention && !strstr(err, mention))
		test__fail(t, __FILE__, line, "'%s %s': \"%s\" lacks \"%s\"",
			   args[argc - 2], args[argc - 1], err, mention);
}

#define EXPECT_BAD(t, mention, ...)                              \
	do {                                                     \
		const char *const _a[] = { "run", "-k", "Image", \
					   __VA_ARGS__ };        \
		expect_bad(t, __LINE__, mention, _a,             \
			   (int)(sizeof(_a) / sizeof(_a[0])));   \
	} while (0)

static void defaults(struct test_ctx *t)
{
	struct kvm_config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	run_options__defaults(&cfg);
	CHECK_EQ(t, cfg.nr_cpus, -1);
	CHECK_EQ(t, cfg.ram_size, 0);
	CHECK_STR(t, cfg.dev, "/dev/kvm");
	CHECK_EQ(t, cfg.irqchip, IRQCHIP_AUTO);
	CHECK_EQ(t, cfg.loglevel, LOG_WARNING);
	CHECK(t, cfg.kernel_path == NULL);
	CHECK(t, cfg.initrd_path == NULL);
	CHECK(t, cfg.params == NULL);
	CHECK(t, cfg.name == NULL);
	CHECK(t, cfg.dump_dtb == NULL);
	CHECK(t, !cfg.nodefaults);
	CHECK_EQ(t, cfg.nr_nets, 0);
}

static void short_options(struct test_ctx *t)
{
	char *argv[] = { "run",
			 "-k",
			 "/boot/Image",
			 "-i",
			 "initrd.cpio",
			 "-p",
			 "quiet loglevel=3",
			 "-c",
			 "3",
			 "-m",
			 "256",
			 "-n",
			 "mode=none" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK_STR(t, cfg.kernel_path, "/boot/Image");
	CHECK_STR(t, cfg.initrd_path, "initrd.cpio");
	CHECK_STR(t, cfg.params, "quiet loglevel=3");
	CHECK_EQ(t, cfg.nr_cpus, 3);
	CHECK_EQ(t, cfg.ram_size, 256 * SZ_1M);
	CHECK_EQ(t, cfg.nr_nets, 0); /* mode=none: no card */
	/* Untouched by these options. */
	CHECK_STR(t, cfg.dev, "/dev/kvm");
	CHECK_EQ(t, cfg.irqchip, IRQCHIP_AUTO);
	CHECK_EQ(t, cfg.loglevel, LOG_WARNING);
	CHECK(t, !cfg.nodefaults);
	CHECK(t, cfg.name == NULL);
}

static void long_options(struct test_ctx *t)
{
	char maxcpus[16];
	char *argv[] = { "run",		  "--kernel",
			 "vmlinux-Image", "--initrd=rd.img",
			 "--params",	  "init=/bin/sh",
			 "--cpus",	  maxcpus,
			 "--mem=1G",	  "--network",
			 "mode=none",	  "--name",
			 "guest-1",	  "--console",
			 "serial",	  "--nodefaults",
			 "--dump-dtb",	  "out.dtb",
			 "--loglevel",	  "debug",
			 "--irqchip",	  "gicv2",
			 "--dev",	  "/dev/kvm-test" };
	struct kvm_config cfg;
	char err[128];

	snprintf(maxcpus, sizeof(maxcpus), "%d", RUN_MAX_CPUS);
	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK_STR(t, cfg.kernel_path, "vmlinux-Image");
	CHECK_STR(t, cfg.initrd_path, "rd.img");
	CHECK_STR(t, cfg.params, "init=/bin/sh");
	CHECK_EQ(t, cfg.nr_cpus, RUN_MAX_CPUS);
	CHECK_EQ(t, cfg.ram_size, SZ_1G);
	CHECK_EQ(t, cfg.nr_nets, 0); /* mode=none: no card */
	CHECK_STR(t, cfg.name, "guest-1");
	CHECK(t, cfg.nodefaults);
	CHECK_STR(t, cfg.dump_dtb, "out.dtb");
	CHECK_EQ(t, cfg.loglevel, LOG_DEBUG);
	CHECK_EQ(t, cfg.irqchip, IRQCHIP_GICV2);
	CHECK_STR(t, cfg.dev, "/dev/kvm-test");
	CHECK_EQ(t, cfg.console, CONSOLE_SERIAL);
}

/* --console serial|virtio, and the default command line of each. */
static void console_option(struct test_ctx *t)
{
	char *virtio[] = { "run", "-k", "I", "--console", "virtio" };
	char *serial[] = { "run",	"-k",	 "I", "--console=virtio",
			   "--console", "serial" };
	struct kvm_config cfg;
	char err[128], *s;

	CHECK_EQ(t, parse(&cfg, 3, virtio, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.console, CONSOLE_SERIAL);
	CHECK_EQ(t, parse(&cfg, NARGS(virtio), virtio, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.console, CONSOLE_VIRTIO);
	CHECK_STR(t, run_options__default_params(&cfg),
		  "console=hvc0 earlycon");
	cfg.params = "quiet";
	s = run_options__bootargs(&cfg);
	CHECK_STR(t, s, "console=hvc0 earlycon quiet");
	free(s);
	cfg.nodefaults = true;
	s = run_options__bootargs(&cfg);
	CHECK_STR(t, s, "quiet");
	free(s);
	/* The last one counts. */
	CHECK_EQ(t, parse(&cfg, NARGS(serial), serial, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.console, CONSOLE_SERIAL);
	CHECK_STR(t, run_options__default_params(&cfg),
		  "console=ttyS0 earlycon");
}

static void loglevels(struct test_ctx *t)
{
	static const struct {
		const char *arg;
		enum log_level want;
	} cases[] = {
		{ "error", LOG_ERROR },
		{ "warning", LOG_WARNING },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	struct kvm_config cfg;
	char err[128], lvl[16];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { "run", "--loglevel", lvl, "-k", "I" };

		snprintf(lvl, sizeof(lvl), "%s", cases[i].arg);
		CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)),
			 0);
		CHECK_EQ(t, cfg.loglevel, cases[i].want);
	}
}

static void irqchips(struct test_ctx *t)
{
	static const struct {
		const char *arg;
		enum irqchip_type want;
	} cases[] = {
		{ "gicv3", IRQCHIP_GICV3 },
		{ "gicv2", IRQCHIP_GICV2 },
		{ "auto", IRQCHIP_AUTO },
	};
	struct kvm_config cfg;
	char err[128], chip[16];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { "run", "-k", "I", "--irqchip", chip };

		snprintf(chip, sizeof(chip), "%s", cases[i].arg);
		/* Start from something else so "auto" is really parsed. */
		run_options__defaults(&cfg);
		cfg.irqchip = cases[i].want == IRQCHIP_GICV2 ? IRQCHIP_GICV3 :
							       IRQCHIP_GICV2;
		CHECK_EQ(t,
			 run_options__parse(&cfg, NARGS(argv), argv, err,
					    sizeof(err)),
			 0);
		CHECK_EQ(t, cfg.irqchip, cases[i].want);
	}
}

static void help(struct test_ctx *t)
{
	char *a1[] = { "run", "-h" };
	char *a2[] = { "run", "--help" };
	/* Help wins even without a kernel, and before later bad options. */
	char *a3[] = { "run", "-c", "2", "--help", "-c", "0" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(a1), a1, err, sizeof(err)),
		 RUN_OPTIONS_HELP);
	CHECK_EQ(t, parse(&cfg, NARGS(a2), a2, err, sizeof(err)),
		 RUN_OPTIONS_HELP);
	CHECK_EQ(t, parse(&cfg, NARGS(a3), a3, err, sizeof(err)),
		 RUN_OPTIONS_HELP);
}

static void usage_text(struct test_ctx *t)
{
	char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	CHECK(t, f != NULL);
	if (!f)
		return;
	memset(buf, 0, sizeof(buf));
	run_options__usage(f);
	fclose(f);
	CHECK(t, strstr(buf, "usage: lkvm run") != NULL);
	CHECK(t, strstr(buf, "--kernel") != NULL);
	CHECK(t, strstr(buf, "EFI zboot") != NULL);
	CHECK(t, strstr(buf, "--irqchip") != NULL);
	CHECK(t, strstr(buf, "--help") != NULL);
	CHECK(t, strstr(buf, "K/M/G/T") != NULL);
	CHECK(t, strstr(buf, "--stop-on-console-panic") != NULL);
	CHECK(t, strstr(buf, "2047") != NULL);
	CHECK(t, strstr(buf, "mode=user") != NULL);
	CHECK(t, strstr(buf, "--sandbox on|off") != NULL);
}

static void positional_kernel(struct test_ctx *t)
{
	char *a1[] = { "run", "Image" };
	/* GNU getopt permutes: the image may come before the options. */
	char *a2[] = { "run", "Image2", "-c", "2", "--mem", "128" };
	char *a3[] = { "run", "-c", "2", "Image3" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(a1), a1, err, sizeof(err)), 0);
	CHECK_STR(t, cfg.kernel_path, "Image");
	CHECK_EQ(t, parse(&cfg, NARGS(a2), a2, err, sizeof(err)), 0);
	CHECK_STR(t, cfg.kernel_path, "Image2");
	CHECK_EQ(t, cfg.nr_cpus, 2);
	CHECK_EQ(t, cfg.ram_size, 128 * SZ_1M);
	CHECK_EQ(t, parse(&cfg, NARGS(a3), a3, err, sizeof(err)), 0);
	CHECK_STR(t, cfg.kernel_path, "Image3");
}

static void extra_positional(struct test_ctx *t)
{
	char *a1[] = { "run", "-k", "Image", "other" };
	char *a2[] = { "run", "Image", "other" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(a1), a1, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "other") != NULL);
	CHECK_EQ(t, parse(&cfg, NARGS(a2), a2, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "other") != NULL);
}

static void bad_values(struct test_ctx *t)
{
	char over[16];

	snprintf(over, sizeof(over), "%d", RUN_MAX_CPUS + 1);
	EXPECT_BAD(t, "--cpus", "-c", "0");
	EXPECT_BAD(t, "--cpus", "-c", "-1");
	EXPECT_BAD(t, "--cpus", "-c", "abc");
	EXPECT_BAD(t, "--cpus", "-c", "99999");
	EXPECT_BAD(t, "--cpus", "-c", over);
	EXPECT_BAD(t, "--cpus", "-c", "2x");
	EXPECT_BAD(t, "--cpus", "-c", "");
	EXPECT_BAD(t, "--cpus", "--cpus", "99999999999999999999");
	EXPECT_BAD(t, "--mem", "-m", "0");
	EXPECT_BAD(t, "--mem", "-m", "abc");
	EXPECT_BAD(t, "--mem", "-m", "12X");
	EXPECT_BAD(t, "--mem", "-m", "4100K");
	EXPECT_BAD(t, "64K", "--mem", "4100K");
	EXPECT_BAD(t, "--mem", "--mem", "-64");
	EXPECT_BAD(t, "--mem", "--mem", "99999999999T");
	EXPECT_BAD(t, "--loglevel", "--loglevel", "loud");
	EXPECT_BAD(t, "--loglevel", "--loglevel", "DEBUG");
	EXPECT_BAD(t, "--irqchip", "--irqchip", "gicv4");
	EXPECT_BAD(t, "--console", "--console", "hv");
	EXPECT_BAD(t, "--console", "--console", "Virtio");
	EXPECT_BAD(t, "--console", "--console", "");
	EXPECT_BAD(t, "--network", "--network", "mode=slirp");
	EXPECT_BAD(t, "--network", "-n", "none");
	EXPECT_BAD(t, "--name", "--name", "");
	EXPECT_BAD(t, "--name", "--name", "a/b");
}

static void bad_value_keeps_config(struct test_ctx *t)
{
	char *argv[] = { "run", "-k", "I", "-c", "0" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), -EINVAL);
	CHECK_EQ(t, cfg.nr_cpus, -1);
}

static void mem_accepts_64k_multiples(struct test_ctx *t)
{
	char *a1[] = { "run", "-k", "I", "-m", "4160K" };
	char *a2[] = { "run", "-k", "I", "-m", "100M" };
	char *a3[] = { "run", "-k", "I", "-m", "2g" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(a1), a1, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.ram_size, 4 * SZ_1M + SZ_64K);
	CHECK_EQ(t, parse(&cfg, NARGS(a2), a2, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.ram_size, 100 * SZ_1M);
	CHECK_EQ(t, parse(&cfg, NARGS(a3), a3, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.ram_size, 2 * SZ_1G);
}

static void unknown_options(struct test_ctx *t)
{
	char *a1[] = { "run", "-k", "I", "--frobnicate" };
	char *a2[] = { "run", "-k", "I", "-z" };
	char *a3[] = { "run", "-z", "-k", "I" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(a1), a1, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "unknown") != NULL);
	CHECK(t, strstr(err, "--frobnicate") != NULL);
	CHECK_EQ(t, parse(&cfg, NARGS(a2), a2, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "unknown") != NULL);
	CHECK(t, strstr(err, "-z") != NULL);
	CHECK_EQ(t, parse(&cfg, NARGS(a3), a3, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "-z") != NULL);
}

/* Ambiguous abbreviations and values given to flags are refused too. */
static void odd_long_options(struct test_ctx *t)
{
	char *a1[] = { "run", "-k", "I", "--n" };
	char *a2[] = { "run", "-k", "I", "--nodefaults=1" };
	char *a3[] = { "run", "-k", "I", "--help=x" };
	char *a4[] = { "run", "--kern", "I", "--irq=gicv3" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(a1), a1, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "--n") != NULL);
	CHECK_EQ(t, parse(&cfg, NARGS(a2), a2, err, sizeof(err)), -EINVAL);
	CHECK(t, err[0] != 0);
	CHECK(t, !cfg.nodefaults);
	CHECK_EQ(t, parse(&cfg, NARGS(a3), a3, err, sizeof(err)), -EINVAL);
	CHECK(t, err[0] != 0);
	/* Unambiguous abbreviations work, as with any getopt_long. */
	CHECK_EQ(t, parse(&cfg, NARGS(a4), a4, err, sizeof(err)), 0);
	CHECK_STR(t, cfg.kernel_path, "I");
	CHECK_EQ(t, cfg.irqchip, IRQCHIP_GICV3);
}

static void missing_argument(struct test_ctx *t)
{
	char *a1[] = { "run", "-k" };
	char *a2[] = { "run", "--kernel" };
	char *a3[] = { "run", "-k", "I", "--name" };
	char *a4[] = { "run", "-k", "I", "-c" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(a1), a1, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "kernel") != NULL);
	CHECK(t, strstr(err, "value") != NULL);
	CHECK_EQ(t, parse(&cfg, NARGS(a2), a2, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "--kernel") != NULL);
	CHECK(t, strstr(err, "value") != NULL);
	CHECK_EQ(t, parse(&cfg, NARGS(a3), a3, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "--name") != NULL);
	CHECK_EQ(t, parse(&cfg, NARGS(a4), a4, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "--cpus") != NULL);
}

static void no_kernel(struct test_ctx *t)
{
	char *a1[] = { "run" };
	char *a2[] = { "run", "-c", "2", "-m", "512" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(a1), a1, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "kernel") != NULL);
	CHECK_EQ(t, parse(&cfg, NARGS(a2), a2, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "kernel") != NULL);
}

static void small_err_buffer(struct test_ctx *t)
{
	char *argv[] = { "run", "-k", "I", "--irqchip", "gicv4" };
	struct kvm_config cfg;
	char err[12];

	memset(err, 'x', sizeof(err));
	run_options__defaults(&cfg);
	CHECK_EQ(t, run_options__parse(&cfg, NARGS(argv), argv, err, 8),
		 -EINVAL);
	/* Truncated, terminated, and nothing written past errlen. */
	CHECK_EQ(t, strlen(err), 7);
	CHECK_EQ(t, err[8], 'x');
}

static void reparse_resets_getopt(struct test_ctx *t)
{
	char *a0[] = { "run", "-hhh" };
	char *a1[] = { "run", "-c", "2", "-k", "A" };
	char *a2[] = { "run", "-c", "4", "-k", "B" };
	struct kvm_config cfg;
	char err[128];

	/* A second parse must start from argv[1] again. */
	CHECK_EQ(t, parse(&cfg, NARGS(a1), a1, err, sizeof(err)), 0);
	CHECK_EQ(t, parse(&cfg, NARGS(a2), a2, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 4);
	CHECK_STR(t, cfg.kernel_path, "B");
	/* Even after one that stopped inside a cluster of short options. */
	CHECK_EQ(t, parse(&cfg, NARGS(a0), a0, err, sizeof(err)),
		 RUN_OPTIONS_HELP);
	CHECK_EQ(t, parse(&cfg, NARGS(a2), a2, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 4);
	CHECK_STR(t, cfg.kernel_path, "B");
}

static void finalize_defaults(struct test_ctx *t)
{
	struct kvm_config cfg;
	char err[128];

	run_options__defaults(&cfg);
	CHECK_EQ(t, run_options__finalize(&cfg, 4, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 4);
	CHECK_EQ(t, cfg.ram_size, 64 * SZ_1M * 7);

	run_options__defaults(&cfg);
	CHECK_EQ(t, run_options__finalize(&cfg, 1, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 1);
	CHECK_EQ(t, cfg.ram_size, 256 * SZ_1M);

	/* An unknown host count still gives one vCPU. */
	run_options__defaults(&cfg);
	CHECK_EQ(t, run_options__finalize(&cfg, 0, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 1);
	CHECK_EQ(t, cfg.ram_size, 256 * SZ_1M);
	run_options__defaults(&cfg);
	CHECK_EQ(t, run_options__finalize(&cfg, -1, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 1);

	/* A huge host is capped at the parser's limit. */
	run_options__defaults(&cfg);
	CHECK_EQ(t,
		 run_options__finalize(&cfg, RUN_MAX_CPUS * 2, 0, err,
				       sizeof(err)),
		 0);
	CHECK_EQ(t, cfg.nr_cpus, RUN_MAX_CPUS);
	CHECK_EQ(t, cfg.ram_size, 64 * SZ_1M * (RUN_MAX_CPUS + 3));

	/* The default never exceeds the host's RAM (1 MiB granules). */
	run_options__defaults(&cfg);
	CHECK_EQ(t,
		 run_options__finalize(&cfg, 8, 300 * SZ_1M + 4096, err,
				       sizeof(err)),
		 0);
	CHECK_EQ(t, cfg.ram_size, 300 * SZ_1M);
	run_options__defaults(&cfg);
	CHECK_EQ(t, run_options__finalize(&cfg, 8, SZ_1G, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.ram_size, 64 * SZ_1M * 11);
}

/* Guest RAM is filled lazily: more than the host has ends in the OOM killer. */
static void mem_above_host_ram(struct test_ctx *t)
{
	char *argv[] = { "run", "-k", "I", "-m", "2049" };
	char *fits[] = { "run", "-k", "I", "-m", "2G" };
	struct kvm_config cfg;
	char err[160];

	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK_EQ(t, run_options__finalize(&cfg, 2, 2 * SZ_1G, err, sizeof(err)),
		 -EINVAL);
	CHECK(t, strstr(err, "--mem") != NULL);
	CHECK(t, strstr(err, "2049 MiB") != NULL);
	CHECK(t, strstr(err, "only 2048 MiB of RAM") != NULL);

	/* Exactly the host's RAM, or a host whose RAM is unknown: taken. */
	CHECK_EQ(t, parse(&cfg, NARGS(fits), fits, err, sizeof(err)), 0);
	CHECK_EQ(t, run_options__finalize(&cfg, 2, 2 * SZ_1G, err, sizeof(err)),
		 0);
	CHECK_EQ(t, cfg.ram_size, 2 * SZ_1G);
	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK_EQ(t, run_options__finalize(&cfg, 2, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.ram_size, 2049 * SZ_1M);
}

/* Below the minimum the layout has no room: the message says the minimum. */
static void mem_minimum(struct test_ctx *t)
{
	struct arm64_image img = { .text_offset = 0, .image_size = SZ_1M };
	char *ok[] = { "run", "-k", "I", "-m", "4M" };
	struct boot_layout l;
	struct kvm_config cfg;
	char err[200];

	CHECK_EQ(t, RUN_MIN_RAM_SIZE, 4 * SZ_1M);
	EXPECT_BAD(t, "at least 4 MiB", "-m", "64K");
	EXPECT_BAD(t, "at least 4 MiB", "-m", "1");
	EXPECT_BAD(t, "at least 4 MiB", "-m", "4032K");
	EXPECT_BAD(t, "at least 4 MiB", "-m", "1B");
	CHECK_EQ(t, parse(&cfg, NARGS(ok), ok, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.ram_size, RUN_MIN_RAM_SIZE);
	/* ...and the layout can use that minimum, for a small enough kernel. */
	CHECK_EQ(t,
		 layout__place(&img, 0, ARM_RAM_BASE, RUN_MIN_RAM_SIZE, &l, err,
			       sizeof(err)),
		 0);
}

static void cpus_digits_only(struct test_ctx *t)
{
	char *argv[] = { "run", "-k", "I", "-c", "007" };
	struct kvm_config cfg;
	char err[128];

	EXPECT_BAD(t, "--cpus", "-c", " 3");
	EXPECT_BAD(t, "--cpus", "-c", "+3");
	EXPECT_BAD(t, "--cpus", "-c", "3 ");
	EXPECT_BAD(t, "--cpus", "-c", "\t3");
	EXPECT_BAD(t, "--cpus", "-c", "0x3");
	EXPECT_BAD(t, "--cpus", "--cpus", "-0");
	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 7);
}

/* -p with n bytes of 'x' (and --nodefaults if nodef): parse's result. */
static int parse_params(size_t n, bool nodef, struct kvm_config *cfg, char *err,
			size_t errlen)
{
	static char params[8192];
	char *argv[] = { "run", "-k", "I", "-p", params, "--nodefaults" };

	memset(params, 'x', n);
	params[n] = 0;
	return parse(cfg, nodef ? 6 : 5, argv, err, errlen);
}

/* arm64 Linux keeps 2047 bytes of command line (2048 with the NUL). */
static void params_length(struct test_ctx *t)
{
	size_t prefix = strlen(RUN_DEFAULT_PARAMS) + 1;
	struct kvm_config cfg;
	char err[200], *s;

	CHECK_STR(t, RUN_DEFAULT_PARAMS, "console=ttyS0 earlycon");
	CHECK_EQ(t, RUN_CMDLINE_SIZE, 2048);

	/* The longest that fits, counting "console=ttyS0 earlycon ". */
	CHECK_EQ(t, parse_params(2047 - prefix, false, &cfg, err, sizeof(err)),
		 0);
	s = run_options__bootargs(&cfg);
	CHECK(t, s && strlen(s) == 2047);
	CHECK(t, s && !strncmp(s, "console=ttyS0 earlycon x", prefix + 1));
	free(s);
	/* One more byte is refused, with the numbers. */
	CHECK_EQ(t, parse_params(2048 - prefix, false, &cfg, err, sizeof(err)),
		 -EINVAL);
	CHECK(t, strstr(err, "--params is 2025 bytes") != NULL);
	CHECK(t, strstr(err, "console=ttyS0 earlycon") != NULL);
	CHECK(t, strstr(err, "is 2048") != NULL);
	CHECK(t, strstr(err, "at most 2047") != NULL);
	CHECK_EQ(t, parse_params(8000, false, &cfg, err, sizeof(err)) < 0, 1);

	/* With --nodefaults the whole 2047 bytes are the user's. */
	CHECK_EQ(t, parse_params(2047, true, &cfg, err, sizeof(err)), 0);
	s = run_options__bootargs(&cfg);
	CHECK(t, s && strlen(s) == 2047 && s[0] == 'x');
	free(s);
	CHECK_EQ(t, parse_params(2048, true, &cfg, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "--params is 2048 bytes") != NULL);
	CHECK(t, strstr(err, "at most 2047") != NULL);
}

/* With --console virtio the default part is a byte shorter. */
static void params_length_virtio(struct test_ctx *t)
{
	size_t prefix = strlen(RUN_DEFAULT_PARAMS_VIRTIO) + 1;
	char *argv[] = { "run", "-k", "I", "--console", "virtio", "-p", NULL };
	struct kvm_config cfg;
	char err[200], params[2100], *s;

	memset(params, 'x', 2047 - prefix);
	params[2047 - prefix] = 0;
	argv[6] = params;
	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	s = run_options__bootargs(&cfg);
	CHECK(t, s && strlen(s) == 2047);
	CHECK(t, s && !strncmp(s, "console=hvc0 earlycon x", prefix + 1));
	free(s);
	params[2047 - prefix] = 'x';
	params[2048 - prefix] = 0;
	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "--params is 2026 bytes") != NULL);
	CHECK(t, strstr(err, "\"console=hvc0 earlycon \"") != NULL);
	CHECK(t, strstr(err, "is 2048") != NULL);
}

static void bootargs(struct test_ctx *t)
{
	struct kvm_config cfg;
	char *s;

	run_options__defaults(&cfg);
	s = run_options__bootargs(&cfg);
	CHECK_STR(t, s, "console=ttyS0 earlycon");
	free(s);
	cfg.params = "quiet";
	s = run_options__bootargs(&cfg);
	CHECK_STR(t, s, "console=ttyS0 earlycon quiet");
	free(s);
	cfg.nodefaults = true;
	s = run_options__bootargs(&cfg);
	CHECK_STR(t, s, "quiet");
	free(s);
	cfg.params = NULL;
	s = run_options__bootargs(&cfg);
	CHECK_STR(t, s, "");
	free(s);
}

static void console_panic_option(struct test_ctx *t)
{
	char *plain[] = { "run", "-k", "I" };
	char *argv[] = { "run", "-k", "I", "--stop-on-console-panic" };
	struct kvm_config cfg;
	char err[128];

	/* Off unless asked for: any guest program can print the line. */
	CHECK_EQ(t, parse(&cfg, NARGS(plain), plain, err, sizeof(err)), 0);
	CHECK(t, !cfg.console_panic);
	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK(t, cfg.console_panic);
	EXPECT_BAD(t, "--stop-on-console-panic", "--stop-on-console-panic=1");
}

static void hotplug_options(struct test_ctx *t)
{
	char *argv[] = { "run",
			 "-k",
			 "I",
			 "-c",
			 "2",
			 "--max-cpus",
			 "8",
			 "--psci-fail",
			 "CPU_ON=DENIED,count=2",
			 "--psci-fail",
			 "cpu_off=-6",
			 "--psci-fail",
			 "CPU_ON=INTERNAL_FAILURE",
			 "--psci-delay-on",
			 "6000" };
	char *only_max[] = { "run", "-k", "I", "--max-cpus", "4" };
	char *plain[] = { "run", "-k", "I", "-c", "3" };
	struct kvm_config cfg;
	char err[256];

	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 2);
	CHECK_EQ(t, cfg.max_cpus, 8);
	/* The later CPU_ON replaces the earlier one. */
	CHECK_EQ(t, cfg.nr_psci_faults, 2);
	CHECK_EQ(t, cfg.psci_faults[0].fn, 3);
	CHECK_EQ(t, cfg.psci_faults[0].code, -6);
	CHECK_EQ(t, cfg.psci_faults[0].count, 1);
	CHECK_EQ(t, cfg.psci_faults[1].fn, 2);
	CHECK_EQ(t, cfg.psci_faults[1].code, -6);
	CHECK_EQ(t, cfg.psci_delay_on_ms, 6000);
	CHECK_EQ(t, run_options__finalize(&cfg, 16, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.max_cpus, 8);
	/* RAM follows the vCPUs enabled at boot. */
	CHECK_EQ(t, cfg.ram_size, 64 * SZ_1M * 5);

	/* Without --max-cpus: as many as --cpus. */
	CHECK_EQ(t, parse(&cfg, NARGS(plain), plain, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.max_cpus, -1);
	CHECK_EQ(t, run_options__finalize(&cfg, 16, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.max_cpus, 3);
	/* Only --max-cpus: the host's CPUs, at most that many. */
	CHECK_EQ(t, parse(&cfg, NARGS(only_max), only_max, err, sizeof(err)),
		 0);
	CHECK_EQ(t, run_options__finalize(&cfg, 16, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 4);
	CHECK_EQ(t, cfg.max_cpus, 4);
	CHECK_EQ(t, parse(&cfg, NARGS(only_max), only_max, err, sizeof(err)),
		 0);
	CHECK_EQ(t, run_options__finalize(&cfg, 2, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 2);
	CHECK_EQ(t, cfg.max_cpus, 4);

	EXPECT_BAD(t, "--max-cpus 2 is below --cpus 3", "-c", "3", "--max-cpus",
		   "2");
	EXPECT_BAD(t, "--max-cpus", "--max-cpus", "0");
	EXPECT_BAD(t, "--max-cpus", "--max-cpus", "x");
	EXPECT_BAD(t, "--max-cpus", "--max-cpus", "4097");
	EXPECT_BAD(t, "needs --psci user", "--max-cpus", "4", "--psci",
		   "kernel");
	EXPECT_BAD(t, "need --psci user", "--psci", "kernel", "--psci-fail",
		   "CPU_ON=DENIED");
	EXPECT_BAD(t, "need --psci user", "--psci-delay-on", "5", "--psci",
		   "kernel");
	EXPECT_BAD(t, "--psci-fail", "--psci-fail", "CPU_ON");
	EXPECT_BAD(t, "SYSTEM_OFF", "--psci-fail", "SYSTEM_OFF=DENIED");
	EXPECT_BAD(t, "no PSCI error", "--psci-fail", "CPU_ON=SUCCESS");
	EXPECT_BAD(t, "count", "--psci-fail", "CPU_ON=DENIED,count=0");
	EXPECT_BAD(t, "--psci-delay-on", "--psci-delay-on", "-1");
	EXPECT_BAD(t, "--psci-delay-on", "--psci-delay-on", "600001");
	EXPECT_BAD(t, "--psci-delay-on", "--psci-delay-on", "");
	EXPECT_BAD(t, "--psci-delay-on", "--psci-delay-on", "1s");
	/* Same-size --cpus and --max-cpus with KVM's PSCI is fine. */
	{
		char *k[] = { "run",	    "-k", "I",	    "-c",    "2",
			      "--max-cpus", "2",  "--psci", "kernel" };

		CHECK_EQ(t, parse(&cfg, NARGS(k), k, err, sizeof(err)), 0);
	}
}

static void names(struct test_ctx *t)
{
	char *argv[] = { "run", "-k", "I", "--name", "exp-1.a_b+c" };
	struct kvm_config cfg;
	char err[256];

	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK_STR(t, cfg.name, "exp-1.a_b+c");
	EXPECT_BAD(t, "--name", "--name", "a b");
	EXPECT_BAD(t, "--name", "--name", ".x");
	EXPECT_BAD(t, "--name", "--name", "-x");
	EXPECT_BAD(t, "--name", "--name", "x\n");
	{
		/* 65 characters: one too many (longer than EXPECT_BAD's). */
		char *l[] = { "run", "-k", "I", "--name",
			      "0123456789012345678901234567890123456789"
			      "0123456789012345678901234" };

		CHECK_EQ(t, parse(&cfg, NARGS(l), l, err, sizeof(err)),
			 -EINVAL);
		CHECK(t, strstr(err, "--name") != NULL);
	}
}

static void finalize_keeps_given(struct test_ctx *t)
{
	char *argv[] = { "run", "-k", "I", "-c", "2", "-m", "100M" };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK_EQ(t, run_options__finalize(&cfg, 16, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 2);
	CHECK_EQ(t, cfg.ram_size, 100 * SZ_1M);

	/* Only the CPUs given: RAM follows them, not the host. */
	run_options__defaults(&cfg);
	cfg.nr_cpus = 5;
	CHECK_EQ(t, run_options__finalize(&cfg, 16, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 5);
	CHECK_EQ(t, cfg.ram_size, 64 * SZ_1M * 8);

	/* Only the RAM given. */
	run_options__defaults(&cfg);
	cfg.ram_size = 3 * SZ_1G;
	CHECK_EQ(t, run_options__finalize(&cfg, 16, 0, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_cpus, 16);
	CHECK_EQ(t, cfg.ram_size, 3 * SZ_1G);
}

static void size_ok(struct test_ctx *t)
{
	static const struct {
		const char *s;
		uint64_t want;
	} cases[] = {
		{ "512", 512 * SZ_1M },	   { "0", 0 },
		{ "1G", SZ_1G },	   { "1g", SZ_1G },
		{ "2G", 2 * SZ_1G },	   { "512M", 512 * SZ_1M },
		{ "512m", 512 * SZ_1M },   { "512MB", 512 * SZ_1M },
		{ "512MiB", 512 * SZ_1M }, { "1GiB", SZ_1G },
		{ "65536K", 64 * SZ_1M },  { "64k", SZ_64K },
		{ "1073741824B", SZ_1G },  { "1T", 1024 * SZ_1G },
		{ "007", 7 * SZ_1M },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0xdeadbeef;
		int ret = size__parse_mib(cases[i].s, &v);

		if (ret || v != cases[i].want)
			test__fail(t, __FILE__, __LINE__,
				   "\"%s\": ret %d, 0x%llx != 0x%llx",
				   cases[i].s, ret, (unsigned long long)v,
				   (unsigned long long)cases[i].want);
	}
}

static void size_bad(struct test_ctx *t)
{
	static const char *const cases[] = {
		"",
		"-1",
		"-512M",
		"+512",
		" 512",
		"512 ",
		"512X",
		"512Mx",
		"512MBB",
		"512BB",
		"512Bi",
		"12X",
		"M",
		"1.5G",
		"0x100",
		"99999999999999999999",
		"99999999999T",
		"18446744073709551616B",
		"17179869184G",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0xdeadbeef;
		int ret = size__parse_mib(cases[i], &v);

		if (ret >= 0 || v != 0xdeadbeef)
			test__fail(t, __FILE__, __LINE__,
				   "\"%s\": ret %d, value 0x%llx", cases[i],
				   ret, (unsigned long long)v);
	}
	CHECK(t, size__parse_mib(NULL, &(uint64_t){ 0 }) < 0);
}

static void size_limits(struct test_ctx *t)
{
	uint64_t v = 0;

	/* The largest sizes that still fit in 64 bits. */
	CHECK_EQ(t, size__parse_mib("16777215T", &v), 0);
	CHECK(t, v == 16777215ULL << 40);
	CHECK_EQ(t, size__parse_mib("17592186044415M", &v), 0);
	CHECK(t, v == 17592186044415ULL << 20);
	CHECK_EQ(t, size__parse_mib("17592186044415", &v), 0);
	CHECK(t, v == 17592186044415ULL << 20);
	/* One more overflows. */
	CHECK(t, size__parse_mib("16777216T", &v) < 0);
	CHECK(t, size__parse_mib("17592186044416", &v) < 0);
	CHECK(t, size__parse_mib("17179869184G", &v) < 0);
}

static void psci_options(struct test_ctx *t)
{
	char a1[] = "run", a2[] = "-k", a3[] = "I", a4[] = "--psci",
	     a5[] = "kernel", a6[] = "--psci-conduit", a7[] = "smc",
	     a8[] = "--reboot", a9[] = "exit", a10[] = "--debug-psci";
	char *argv[] = { a1, a2, a3, a4, a5, a6, a7, a8, a9, a10 };
	char *plain[] = { a1, a2, a3 };
	struct kvm_config cfg;
	char err[128];

	CHECK_EQ(t, parse(&cfg, NARGS(plain), plain, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.psci, PSCI_MODE_USER);
	CHECK(t, !cfg.psci_explicit);
	CHECK_EQ(t, cfg.conduit, PSCI_CONDUIT_HVC);
	CHECK_EQ(t, cfg.reboot, REBOOT_IN_PLACE);
	CHECK(t, !cfg.debug_psci);

	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.psci, PSCI_MODE_KERNEL);
	CHECK(t, cfg.psci_explicit);
	CHECK_EQ(t, cfg.conduit, PSCI_CONDUIT_SMC);
	CHECK_EQ(t, cfg.reboot, REBOOT_EXIT);
	CHECK(t, cfg.debug_psci);

	/* An explicit "user" must be remembered: no silent fallback. */
	snprintf(a5, sizeof(a5), "user");
	CHECK_EQ(t, parse(&cfg, 5, argv, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.psci, PSCI_MODE_USER);
	CHECK(t, cfg.psci_explicit);

	EXPECT_BAD(t, "--psci", "--psci", "firmware");
	EXPECT_BAD(t, "--psci-conduit", "--psci-conduit", "svc");
	EXPECT_BAD(t, "--reboot", "--reboot", "halt");
	EXPECT_BAD(t, "--debug-psci", "--debug-psci=1");
	EXPECT_BAD(t, "--psci", "--psci");
}

static void sandbox_option(struct test_ctx *t)
{
	char *plain[] = { "run", "-k", "I" };
	char *off[] = { "run", "-k", "I", "--sandbox=off" };
	char *on[] = {
		"run", "-k", "I", "--sandbox", "off", "--sandbox", "on"
	};
	struct kvm_config cfg;
	char err[128];

	/* On unless asked otherwise; the last one given counts. */
	CHECK_EQ(t, parse(&cfg, NARGS(plain), plain, err, sizeof(err)), 0);
	CHECK(t, !cfg.no_sandbox);
	CHECK_EQ(t, parse(&cfg, NARGS(off), off, err, sizeof(err)), 0);
	CHECK(t, cfg.no_sandbox);
	CHECK_EQ(t, parse(&cfg, NARGS(on), on, err, sizeof(err)), 0);
	CHECK(t, !cfg.no_sandbox);
	CHECK_EQ(t, parse(&cfg, 5, on, err, sizeof(err)), 0);
	CHECK(t, cfg.no_sandbox);

	EXPECT_BAD(t, "invalid --sandbox 'no': on or off", "--sandbox", "no");
	EXPECT_BAD(t, "invalid --sandbox '': on or off", "--sandbox=");
	EXPECT_BAD(t, "invalid --sandbox 'ON'", "--sandbox", "ON");
	EXPECT_BAD(t, "needs a value", "--sandbox");
}

static void disk_options(struct test_ctx *t)
{
	char *argv[] = { "run",		"-k",	 "I",
			 "-d",		"a.img", "--disk",
			 "/x/b.img,ro", "-d",	 "c.img,direct,ro",
			 "--rng" };
	char *none[] = { "run", "-k", "I" };
	char *many[3 + 2 * (CFG_MAX_DISKS + 1)];
	struct kvm_config cfg;
	char err[200];
	int i;

	CHECK_EQ(t, parse(&cfg, NARGS(none), none, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_disks, 0);
	CHECK(t, !cfg.rng);
	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_disks, 3);
	CHECK_STR(t, cfg.disks[0].path, "a.img");
	CHECK(t, !cfg.disks[0].ro && !cfg.disks[0].direct);
	CHECK_STR(t, cfg.disks[1].path, "/x/b.img");
	CHECK(t, cfg.disks[1].ro && !cfg.disks[1].direct);
	CHECK(t, cfg.rng);
	CHECK_STR(t, cfg.disks[2].path, "c.img");
	CHECK(t, cfg.disks[2].ro && cfg.disks[2].direct);

	EXPECT_BAD(t, "unknown flag 'rw'", "-d", "a.img,rw");
	/* kvmtool's split: the name ends at the first comma. */
	EXPECT_BAD(t, "unknown flag 'c.img'", "-d", "/x/b,c.img");
	EXPECT_BAD(t, "unknown flag ''", "-d", "a.img,");
	EXPECT_BAD(t, "no file name", "-d", ",ro");
	EXPECT_BAD(t, "no file name", "--disk", "");
	EXPECT_BAD(t, "vhost-scsi", "-d", "scsi:naa.1:1");
	EXPECT_BAD(t, "--rng", "--rng=1");
	EXPECT_BAD(t, "needs a value", "-d");

	many[0] = "run";
	many[1] = "-k";
	many[2] = "I";
	for (i = 0; i <= CFG_MAX_DISKS; i++) {
		many[3 + 2 * i] = "-d";
		many[4 + 2 * i] = "x.img";
	}
	CHECK_EQ(t, parse(&cfg, NARGS(many), many, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "at most 16") != NULL);
	CHECK_EQ(t, parse(&cfg, NARGS(many) - 2, many, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_disks, CFG_MAX_DISKS);
}

static void network_options(struct test_ctx *t)
{
	char *argv[] = {
		"run",
		"-k",
		"I",
		"-n",
		"mode=none",
		"-n",
		"mode=user",
		"--network",
		"guest_mac=02:aa:bb:cc:dd:0E,mode=tap,tapif=tap7,vhost=1,host_ip=10.1.2.254/30",
		"-n",
		"mode=tap,host_mac=0a:00:00:00:00:01,vhost=0",
		"-n",
		"mode=user,passt=-t 8080,8081 --dns-forward 10.0.2.3"
	};
	char *many[3 + 2 * (CFG_MAX_NETS + 1)];
	struct kvm_config cfg;
	char err[256];
	int i;

	CHECK_EQ(t, parse(&cfg, NARGS(argv), argv, err, sizeof(err)), 0);
	/* mode=none makes no card. */
	CHECK_EQ(t, cfg.nr_nets, 4);
	CHECK_EQ(t, cfg.nets[0].mode, NET_MODE_USER);
	CHECK(t, !cfg.nets[0].guest_mac_set && !cfg.nets[0].host_mac_set);
	CHECK(t, cfg.nets[0].passt_args == NULL);
	CHECK_EQ(t, cfg.nets[1].mode, NET_MODE_TAP);
	CHECK_STR(t, cfg.nets[1].tapif, "tap7");
	CHECK(t, cfg.nets[1].vhost);
	CHECK(t, cfg.nets[1].guest_mac_set);
	CHECK_EQ(t, cfg.nets[1].guest_mac[0], 0x02);
	CHECK_EQ(t, cfg.nets[1].guest_mac[5], 0x0e);
	CHECK(t, cfg.nets[1].host_ip_set);
	CHECK_EQ(t, cfg.nets[1].host_ip[0], 10);
	CHECK_EQ(t, cfg.nets[1].host_ip[3], 254);
	CHECK_EQ(t, cfg.nets[1].host_prefix, 30);
	CHECK(t, !cfg.nets[2].host_ip_set);
	CHECK_EQ(t, cfg.nets[2].mode, NET_MODE_TAP);
	CHECK_STR(t, cfg.nets[2].tapif, "");
	CHECK(t, !cfg.nets[2].vhost);
	CHECK(t, cfg.nets[2].host_mac_set);
	CHECK_EQ(t, cfg.nets[2].host_mac[0], 0x0a);
	CHECK_EQ(t, cfg.nets[3].mode, NET_MODE_USER);
	/* passt= takes the rest, commas and all. */
	CHECK_STR(t, cfg.nets[3].passt_args,
		  "-t 8080,8081 --dns-forward 10.0.2.3");

	EXPECT_BAD(t, "unknown mode 'slirp'", "-n", "mode=slirp");
	EXPECT_BAD(t, "unknown mode ''", "-n", "mode=");
	EXPECT_BAD(t, "no mode=", "-n", "guest_mac=02:00:00:00:00:01");
	EXPECT_BAD(t, "no mode=", "-n", "");
	EXPECT_BAD(t, "not key=value", "-n", "none");
	EXPECT_BAD(t, "not key=value", "-n", "mode=user,");
	EXPECT_BAD(t, "not key=value", "-n", "=user");
	EXPECT_BAD(t, "unknown key 'script'", "-n", "mode=tap,script=x");
	EXPECT_BAD(t, "tapif", "-n", "mode=tap,tapif=");
	EXPECT_BAD(t, "tapif", "-n", "mode=tap,tapif=0123456789abcdef");
	EXPECT_BAD(t, "tapif", "-n", "mode=tap,tapif=a/b");
	EXPECT_BAD(t, "vhost=0 or vhost=1", "-n", "mode=tap,vhost=yes");
	EXPECT_BAD(t, "for mode=tap", "-n", "mode=user,vhost=1");
	EXPECT_BAD(t, "for mode=tap", "-n", "mode=user,tapif=tap0");
	EXPECT_BAD(t, "for mode=user", "-n", "mode=tap,passt=-4");
	EXPECT_BAD(t, "for mode=tap", "-n", "mode=user,host_ip=10.0.0.1");
	/* Short, long, out of range, leading zero, prefix 0 or 33, junk. */
	EXPECT_BAD(t, "host_ip must be", "-n", "mode=tap,host_ip=10.0.0");
	EXPECT_BAD(t, "host_ip must be", "-n", "mode=tap,host_ip=10.0.0.1.2");
	EXPECT_BAD(t, "host_ip must be", "-n", "mode=tap,host_ip=10.0.0.256");
	EXPECT_BAD(t, "host_ip must be", "-n", "mode=tap,host_ip=10.0.0.01");
	EXPECT_BAD(t, "host_ip must be", "-n", "mode=tap,host_ip=10.0.0.1/0");
	EXPECT_BAD(t, "host_ip must be", "-n", "mode=tap,host_ip=10.0.0.1/33");
	EXPECT_BAD(t, "host_ip must be", "-n", "mode=tap,host_ip=10.0.0.1/");
	EXPECT_BAD(t, "host_ip must be", "-n", "mode=tap,host_ip=");
	EXPECT_BAD(t, "host_ip must be", "-n", "mode=tap,host_ip=::1");
	EXPECT_BAD(t, "no mode=", "-n", "passt=-4");
	EXPECT_BAD(t, "mode=none has no MAC", "-n",
		   "mode=none,guest_mac=02:00:00:00:00:01");
	/* Multicast, all zeros, short, long, no colons. */
	EXPECT_BAD(t, "guest_mac must be", "-n",
		   "mode=user,guest_mac=01:00:00:00:00:01");
	EXPECT_BAD(t, "guest_mac must be", "-n",
		   "mode=user,guest_mac=00:00:00:00:00:00");
	EXPECT_BAD(t, "guest_mac must be", "-n",
		   "mode=user,guest_mac=02:00:00:00:00");
	EXPECT_BAD(t, "guest_mac must be", "-n",
		   "mode=user,guest_mac=02:00:00:00:00:011");
	EXPECT_BAD(t, "host_mac must be", "-n",
		   "mode=tap,host_mac=02-00-00-00-00-01");
	EXPECT_BAD(t, "host_mac must be", "-n",
		   "mode=tap,host_mac=02:00:00:00:0g:01");
	EXPECT_BAD(t, "needs a value", "-n");

	many[0] = "run";
	many[1] = "-k";
	many[2] = "I";
	for (i = 0; i <= CFG_MAX_NETS; i++) {
		many[3 + 2 * i] = "-n";
		many[4 + 2 * i] = "mode=user";
	}
	CHECK_EQ(t, parse(&cfg, NARGS(many), many, err, sizeof(err)), -EINVAL);
	CHECK(t, strstr(err, "at most 8") != NULL);
	CHECK_EQ(t, parse(&cfg, NARGS(many) - 2, many, err, sizeof(err)), 0);
	CHECK_EQ(t, cfg.nr_nets, CFG_MAX_NETS);
}

TEST_SUITE(options, TEST(hotplug_options), TEST(names), TEST(psci_options),
	   TEST(disk_options), TEST(defaults), TEST(short_options),
	   TEST(long_options), TEST(loglevels), TEST(irqchips), TEST(help),
	   TEST(usage_text), TEST(positional_kernel), TEST(extra_positional),
	   TEST(bad_values), TEST(bad_value_keeps_config),
	   TEST(mem_accepts_64k_multiples), TEST(unknown_options),
	   TEST(odd_long_options), TEST(missing_argument), TEST(no_kernel),
	   TEST(small_err_buffer), TEST(reparse_resets_getopt),
	   TEST(finalize_defaults), TEST(finalize_keeps_given), TEST(size_ok),
	   TEST(size_bad), TEST(size_limits), TEST(mem_above_host_ram),
	   TEST(mem_minimum), TEST(cpus_digits_only), TEST(params_length),
	   TEST(bootargs), TEST(console_panic_option), TEST(sandbox_option),
	   TEST(console_option), TEST(params_length_virtio),
	   TEST(network_options));
