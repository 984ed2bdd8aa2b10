// SPDX-License-Identifier: GPL-2.0
/*
 * The guest CPU's features: their options, the selection against a fake
 * host, the SVE vector lengths, the log line, the stolen-time region.
 */
#include "test.h"

#include "kvm/cpu-features.h"
#include "kvm/fdt.h"
#include "kvm/layout.h"
#include "kvm/run-options.h"

#include <errno.h>

/* A host that offers everything, as QEMU's -cpu max does. */
static const struct cpu_host_caps full_host = {
	.sve = true,
	.ptrauth_address = true,
	.ptrauth_generic = true,
	.pmu_v3 = true,
	.mte = true,
	.steal_time = true,
};

#define SVE (1u << CPU_INIT_SVE)
#define PTRAUTH \
	(1u << CPU_INIT_PTRAUTH_ADDRESS | 1u << CPU_INIT_PTRAUTH_GENERIC)
#define PMU (1u << CPU_INIT_PMU_V3)

/* Parse "run -k Image ARGS..." into cfg: 0 or -EINVAL, err a string. */
static int parse_args(struct kvm_config *cfg, const char *const *args,
		      int nargs, char *err, size_t errlen)
{
	char bufs[8][48], *argv[11] = { "run", "-k", "Image" };
	int i;

	run_options__defaults(cfg);
	err[0] = '\0';
	for (i = 0; i < nargs && i < 8; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "%s", args[i]);
		argv[3 + i] = bufs[i];
	}
	return run_options__parse(cfg, 3 + i, argv, err, errlen);
}

#define PARSE(cfg, err, ...)                                                \
	({                                                                  \
		const char *const _a[] = { __VA_ARGS__ };                   \
		parse_args(cfg, _a, (int)(sizeof(_a) / sizeof(_a[0])), err, \
			   sizeof(err));                                    \
	})

/* -EINVAL with a message that names the option. */
#define EXPECT_BAD(t, opt, ...)                                                \
	do {                                                                   \
		struct kvm_config _c;                                          \
		char _e[256];                                                  \
		int _r = PARSE(&_c, _e, __VA_ARGS__);                          \
		if (_r != -EINVAL || !strstr(_e, opt))                         \
			test__fail(t, __FILE__, __LINE__, "%s: got %d \"%s\"", \
				   #__VA_ARGS__, _r, _e);                      \
	} while (0)

static void option_defaults(struct test_ctx *t)
{
	struct kvm_config cfg;
	char err[256];

	CHECK_EQ(t, PARSE(&cfg, err, "-c", "2"), 0);
	CHECK(t, !cfg.disable_sve && !cfg.disable_ptrauth && !cfg.pmu);
	CHECK(t, !cfg.disable_mte && !cfg.no_pvtime);
	CHECK_EQ(t, cfg.sve_max_vl, 0);
	CHECK_EQ(t, cfg.cntfrq, 0);
	CHECK(t, !cfg.vcpu_affinity_set);
}

static void option_flags(struct test_ctx *t)
{
	struct kvm_config cfg;
	char err[256];

	CHECK_EQ(t,
		 PARSE(&cfg, err, "--disable-sve", "--disable-ptrauth", "--pmu",
		       "--disable-mte", "--no-pvtime"),
		 0);
	CHECK(t, cfg.disable_sve && cfg.disable_ptrauth && cfg.pmu);
	CHECK(t, cfg.disable_mte && cfg.no_pvtime);
	EXPECT_BAD(t, "--pmu", "--pmu=1");
	EXPECT_BAD(t, "--disable-sve", "--disable-sve=yes");
}

static void option_sve_max_vl(struct test_ctx *t)
{
	static const unsigned int good[] = { 128, 256, 384, 512, 2048 };
	struct kvm_config cfg;
	char err[256], arg[16];
	unsigned int i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(arg, sizeof(arg), "%u", good[i]);
		CHECK_EQ(t, PARSE(&cfg, err, "--sve-max-vl", arg), 0);
		CHECK_EQ(t, cfg.sve_max_vl, good[i]);
	}
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl", "0");
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl", "64");
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl", "200");
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl", "2176");
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl", "4096");
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl", "256b");
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl", " 256");
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl", "+256");
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl", "");
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl",
		   "99999999999999999999999");
	EXPECT_BAD(t, "--sve-max-vl", "--sve-max-vl");
	/* Both orders: the contradiction is found after all options. */
	EXPECT_BAD(t, "contradict", "--sve-max-vl", "256", "--disable-sve");
	EXPECT_BAD(t, "contradict", "--disable-sve", "--sve-max-vl", "256");
}

static bool cpu_set(const struct kvm_config *cfg, unsigned int cpu)
{
	return cfg->vcpu_affinity[cpu / 64] >> (cpu % 64) & 1;
}

static void option_vcpu_affinity(struct test_ctx *t)
{
	struct kvm_config cfg;
	char err[256];
	unsigned int cpu, n = 0;

	CHECK_EQ(t, PARSE(&cfg, err, "--vcpu-affinity", "0-3,6,64-65,1023"), 0);
	CHECK(t, cfg.vcpu_affinity_set);
	for (cpu = 0; cpu < CFG_AFFINITY_CPUS; cpu++)
		n += cpu_set(&cfg, cpu);
	CHECK_EQ(t, n, 8);
	CHECK(t, cpu_set(&cfg, 0) && cpu_set(&cfg, 3) && cpu_set(&cfg, 6));
	CHECK(t, cpu_set(&cfg, 64) && cpu_set(&cfg, 65));
	CHECK(t, cpu_set(&cfg, 1023) && !cpu_set(&cfg, 4));

	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "3-1");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "1,,2");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "1,");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "1-");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "-1");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "1024");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "0-1024");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", " 1");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "1 ");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "0x3");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity", "0-3:2");
	EXPECT_BAD(t, "--vcpu-affinity", "--vcpu-affinity",
		   "99999999999999999999");
}

static void option_cntfrq(struct test_ctx *t)
{
	struct kvm_config cfg;
	char err[256];

	CHECK_EQ(t,
		 PARSE(&cfg, err, "--override-bad-firmware-cntfrq", "24000000"),
		 0);
	CHECK_EQ(t, cfg.cntfrq, 24000000);
	CHECK_EQ(t,
		 PARSE(&cfg, err, "--override-bad-firmware-cntfrq",
		       "4294967295"),
		 0);
	CHECK_EQ(t, cfg.cntfrq, 4294967295u);
	EXPECT_BAD(t, "--override-bad-firmware-cntfrq",
		   "--override-bad-firmware-cntfrq", "0");
	EXPECT_BAD(t, "--override-bad-firmware-cntfrq",
		   "--override-bad-firmware-cntfrq", "4294967296");
	EXPECT_BAD(t, "--override-bad-firmware-cntfrq",
		   "--override-bad-firmware-cntfrq", "24MHz");
	EXPECT_BAD(t, "--override-bad-firmware-cntfrq",
		   "--override-bad-firmware-cntfrq", "-1");
}

static void select_cfg(struct kvm_config *cfg)
{
	run_options__defaults(cfg);
}

/* Defaults on a full host: all but the PMU (off, as in kvmtool). */
static void select_defaults(struct test_ctx *t)
{
	struct kvm_config cfg;
	struct cpu_plan plan;
	char err[160] = "";

	select_cfg(&cfg);
	CHECK_EQ(
		t,
		cpu_features__select(&cfg, &full_host, &plan, err, sizeof(err)),
		0);
	CHECK_EQ(t, plan.init_features, SVE | PTRAUTH);
	CHECK(t, plan.sve && plan.ptrauth && plan.mte && plan.pvtime);
	CHECK(t, !plan.pmu);
	CHECK_EQ(t, plan.sve_max_vq, 0);
}

/* A host without any: nothing, quietly. */
static void select_bare_host(struct test_ctx *t)
{
	static const struct cpu_host_caps bare = { 0 };
	struct kvm_config cfg;
	struct cpu_plan plan;
	char err[160] = "";

	select_cfg(&cfg);
	memset(&plan, 0xff, sizeof(plan));
	CHECK_EQ(t, cpu_features__select(&cfg, &bare, &plan, err, sizeof(err)),
		 0);
	CHECK_EQ(t, plan.init_features, 0);
	CHECK(t, !plan.sve && !plan.ptrauth && !plan.pmu && !plan.mte &&
			 !plan.pvtime);
	CHECK_STR(t, err, "");
	/* Turning off what is not there is no error either. */
	cfg.disable_sve = cfg.disable_ptrauth = cfg.disable_mte = true;
	cfg.no_pvtime = true;
	CHECK_EQ(t, cpu_features__select(&cfg, &bare, &plan, err, sizeof(err)),
		 0);
}

static void select_each_off(struct test_ctx *t)
{
	struct kvm_config cfg;
	struct cpu_plan plan;
	char err[160];

	select_cfg(&cfg);
	cfg.disable_sve = true;
	CHECK_EQ(
		t,
		cpu_features__select(&cfg, &full_host, &plan, err, sizeof(err)),
		0);
	CHECK_EQ(t, plan.init_features, PTRAUTH);
	CHECK(t, !plan.sve && plan.ptrauth && plan.mte && plan.pvtime);

	select_cfg(&cfg);
	cfg.disable_ptrauth = true;
	CHECK_EQ(
		t,
		cpu_features__select(&cfg, &full_host, &plan, err, sizeof(err)),
		0);
	CHECK_EQ(t, plan.init_features, SVE);
	CHECK(t, plan.sve && !plan.ptrauth && plan.mte && plan.pvtime);

	select_cfg(&cfg);
	cfg.disable_mte = true;
	CHECK_EQ(
		t,
		cpu_features__select(&cfg, &full_host, &plan, err, sizeof(err)),
		0);
	CHECK_EQ(t, plan.init_features, SVE | PTRAUTH);
	CHECK(t, !plan.mte && plan.pvtime);

	select_cfg(&cfg);
	cfg.no_pvtime = true;
	CHECK_EQ(
		t,
		cpu_features__select(&cfg, &full_host, &plan, err, sizeof(err)),
		0);
	CHECK(t, plan.mte && !plan.pvtime);
}

/* KVM takes address and generic authentication together or not at all. */
static void select_ptrauth_needs_both(struct test_ctx *t)
{
	struct cpu_host_caps host = full_host;
	struct kvm_config cfg;
	struct cpu_plan plan;
	char err[160];

	select_cfg(&cfg);
	host.ptrauth_generic = false;
	CHECK_EQ(t, cpu_features__select(&cfg, &host, &plan, err, sizeof(err)),
		 0);
	CHECK(t, !plan.ptrauth);
	CHECK_EQ(t, plan.init_features, SVE);
	host = full_host;
	host.ptrauth_address = false;
	CHECK_EQ(t, cpu_features__select(&cfg, &host, &plan, err, sizeof(err)),
		 0);
	CHECK(t, !plan.ptrauth);
}

static void select_pmu(struct test_ctx *t)
{
	struct cpu_host_caps host = full_host;
	struct kvm_config cfg;
	struct cpu_plan plan;
	char err[160] = "";

	select_cfg(&cfg);
	cfg.pmu = true;
	CHECK_EQ(t, cpu_features__select(&cfg, &host, &plan, err, sizeof(err)),
		 0);
	CHECK(t, plan.pmu);
	CHECK_EQ(t, plan.init_features, SVE | PTRAUTH | PMU);

	host.pmu_v3 = false;
	CHECK_EQ(t, cpu_features__select(&cfg, &host, &plan, err, sizeof(err)),
		 -ENODEV);
	CHECK_STR(t, err, "--pmu: this host's KVM has no PMUv3 for guests");
	/* Without --pmu the missing PMU is no error. */
	cfg.pmu = false;
	CHECK_EQ(t, cpu_features__select(&cfg, &host, &plan, err, sizeof(err)),
		 0);
}

static void select_sve_max_vl(struct test_ctx *t)
{
	struct cpu_host_caps host = full_host;
	struct kvm_config cfg;
	struct cpu_plan plan;
	char err[160] = "";

	select_cfg(&cfg);
	cfg.sve_max_vl = 512;
	CHECK_EQ(t, cpu_features__select(&cfg, &host, &plan, err, sizeof(err)),
		 0);
	CHECK(t, plan.sve);
	CHECK_EQ(t, plan.sve_max_vq, 4);

	host.sve = false;
	CHECK_EQ(t, cpu_features__select(&cfg, &host, &plan, err, sizeof(err)),
		 -ENODEV);
	CHECK_STR(t, err,
		  "--sve-max-vl: this host's KVM has no SVE for guests");
}

static void set_vq(uint64_t *vls, unsigned int vq)
{
	vls[(vq - 1) / 64] |= 1ULL << ((vq - 1) % 64);
}

static bool has_vq(const uint64_t *vls, unsigned int vq)
{
	return vls[(vq - 1) / 64] >> ((vq - 1) % 64) & 1;
}

/* The host offers 128, 256, 512 and 2048 bits, and a far vq 300. */
static void sve_lengths(struct test_ctx *t)
{
	uint64_t host[SVE_VLS_WORDS] = { 0 }, out[SVE_VLS_WORDS];
	char err[200] = "";

	set_vq(host, 1);
	set_vq(host, 2);
	set_vq(host, 4);
	set_vq(host, 16);
	set_vq(host, 300);

	CHECK_EQ(t, cpu_features__sve_vls(host, 0, out, err, sizeof(err)), 0);
	CHECK(t, !memcmp(out, host, sizeof(host)));
	CHECK_EQ(t, cpu_features__sve_max_vl(out), 300 * 128);

	CHECK_EQ(t, cpu_features__sve_vls(host, 2, out, err, sizeof(err)), 0);
	CHECK(t, has_vq(out, 1) && has_vq(out, 2));
	CHECK(t, !has_vq(out, 4) && !has_vq(out, 16) && !has_vq(out, 300));
	CHECK_EQ(t, cpu_features__sve_max_vl(out), 256);

	CHECK_EQ(t, cpu_features__sve_vls(host, 16, out, err, sizeof(err)), 0);
	CHECK(t, has_vq(out, 16) && !has_vq(out, 300));
	CHECK_EQ(t, cpu_features__sve_max_vl(out), 2048);

	CHECK_EQ(t, cpu_features__sve_vls(host, 1, out, err, sizeof(err)), 0);
	CHECK_EQ(t, cpu_features__sve_max_vl(out), 128);
	CHECK_STR(t, err, "");
}

static void sve_length_not_offered(struct test_ctx *t)
{
	uint64_t host[SVE_VLS_WORDS] = { 0 }, out[SVE_VLS_WORDS];
	char err[200] = "";

	set_vq(host, 1);
	set_vq(host, 2);
	set_vq(host, 4);
	CHECK_EQ(t, cpu_features__sve_vls(host, 3, out, err, sizeof(err)),
		 -EINVAL);
	CHECK_STR(
		t, err,
		"--sve-max-vl 384: this host's KVM offers vector lengths of 128, 256, 512 bits");
	CHECK_EQ(t, cpu_features__sve_vls(host, 16, out, err, sizeof(err)),
		 -EINVAL);
	CHECK(t, strstr(err, "--sve-max-vl 2048:") != NULL);
	/* Past what the register can say. */
	CHECK_EQ(t, cpu_features__sve_vls(host, 513, out, err, sizeof(err)),
		 -EINVAL);
	memset(host, 0, sizeof(host));
	CHECK_EQ(t, cpu_features__sve_max_vl(host), 0);
	CHECK_EQ(t, cpu_features__sve_vls(host, 1, out, err, sizeof(err)),
		 -EINVAL);
	CHECK(t, strstr(err, "lengths of none") != NULL);
}

/* A long list is cut short, never written past the buffer. */
static void sve_error_fits(struct test_ctx *t)
{
	uint64_t host[SVE_VLS_WORDS], out[SVE_VLS_WORDS];
	char err[64 + 16];

	memset(host, 0xff, sizeof(host));
	host[0] &= ~2ULL; /* no 256 */
	memset(err + 64, 0x5a, 16);
	CHECK_EQ(t, cpu_features__sve_vls(host, 2, out, err, 64), -EINVAL);
	CHECK_EQ(t, strlen(err), 63);
	CHECK_EQ(t, (unsigned char)err[64], 0x5a);
}

static void describe(struct test_ctx *t)
{
	struct cpu_host_caps host = full_host;
	struct kvm_config cfg;
	struct cpu_plan plan;
	char err[160], line[512];

	select_cfg(&cfg);
	cpu_features__select(&cfg, &host, &plan, err, sizeof(err));
	cpu_features__describe(&cfg, &host, &plan, 2048, line, sizeof(line));
	CHECK_STR(
		t, line,
		"guest CPU features: SVE (vectors up to 2048 bits), pointer authentication, MTE, stolen time; off: PMUv3 (off by default, --pmu turns it on)");

	cfg.pmu = true;
	cfg.disable_sve = cfg.disable_mte = cfg.no_pvtime = true;
	host.ptrauth_generic = false;
	cpu_features__select(&cfg, &host, &plan, err, sizeof(err));
	cpu_features__describe(&cfg, &host, &plan, 0, line, sizeof(line));
	CHECK_STR(
		t, line,
		"guest CPU features: PMUv3; off: SVE (--disable-sve), pointer authentication (not offered by this host's KVM), MTE (--disable-mte), stolen time (--no-pvtime)");

	memset(&host, 0, sizeof(host));
	select_cfg(&cfg);
	cpu_features__select(&cfg, &host, &plan, err, sizeof(err));
	cpu_features__describe(&cfg, &host, &plan, 0, line, sizeof(line));
	CHECK(t,
	      strstr(line, "guest CPU features: none; off: SVE (not ") == line);
	CHECK(t, strstr(line, "PMUv3 (not offered by this host's KVM)"));
	/* A short buffer gets a cut line, no overflow. */
	cpu_features__describe(&cfg, &host, &plan, 0, line, 20);
	CHECK_EQ(t, strlen(line), 19);
}

/*
 * Stolen time: 64-byte aligned per vCPU, whole 64 KiB pages, clear of
 * the UART, pvpanic, virtio-mmio, the GIC and RAM for every vCPU count.
 */
static void pvtime_region(struct test_ctx *t)
{
	unsigned int n;

	for (n = 1; n <= RUN_MAX_CPUS; n++) {
		uint64_t size = layout__pvtime_size(n);
		uint64_t last = layout__pvtime_addr(n - 1);

		if (size % 0x10000 || size < (uint64_t)n * 64 ||
		    size - (uint64_t)n * 64 >= 0x10000 || last % 64 ||
		    last + 64 > ARM_PVTIME_BASE + size ||
		    ARM_PVTIME_BASE + size > ARM_PVTIME_END) {
			test__fail(t, __FILE__, __LINE__, "%u vCPUs", n);
			return;
		}
	}
	CHECK_EQ(t, layout__pvtime_addr(0), ARM_PVTIME_BASE);
	CHECK_EQ(t, layout__pvtime_addr(1), ARM_PVTIME_BASE + 64);
	CHECK_EQ(t, layout__pvtime_size(1024), 0x10000);
	CHECK_EQ(t, layout__pvtime_size(1025), 0x20000);
	CHECK(t, ARM_PVTIME_BASE % 0x10000 == 0);
	CHECK(t, ARM_PVTIME_BASE >= ARM_UART_BASE + ARM_UART_SIZE);
	CHECK(t, ARM_PVTIME_BASE >= ARM_PVPANIC_BASE + ARM_PVPANIC_SIZE);
	CHECK(t, ARM_PVTIME_END <= ARM_VIRTIO_MMIO_BASE);
	CHECK(t, ARM_PVTIME_END <= ARM_GICV2_CPU_BASE);
	CHECK(t, ARM_PVTIME_END <= ARM_RAM_BASE);
}

TEST_SUITE(cpu_features, TEST(option_defaults), TEST(option_flags),
	   TEST(option_sve_max_vl), TEST(option_vcpu_affinity),
	   TEST(option_cntfrq), TEST(select_defaults), TEST(select_bare_host),
	   TEST(select_each_off), TEST(select_ptrauth_needs_both),
	   TEST(select_pmu), TEST(select_sve_max_vl), TEST(sve_lengths),
	   TEST(sve_length_not_offered), TEST(sve_error_fits), TEST(describe),
	   TEST(pvtime_region));
