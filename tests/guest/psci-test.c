// SPDX-License-Identifier: GPL-2.0
/*
 * PSCI conformance guest for lkvm's userspace PSCI. vCPU 0 drives every
 * check and prints one "PASS psci-<conduit>/<name>" or
 * "FAIL psci-<conduit>/<name>: <reason>" line per check. Secondaries run a
 * mailbox loop and only write to their own slot. All waits are bounded by
 * the virtual counter.
 *
 * Boot 1 runs the checks and ends with SYSTEM_RESET; boot 2 (lkvm,boot-count
 * in /chosen) checks the reset, starts vCPU 1 and ends with a warm
 * SYSTEM_RESET2; boot 3 checks that reset and ends with SYSTEM_OFF.
 */
#include "guest.h"

#ifdef CONDUIT_SMC
#define CONDUIT "smc"
#else
#define CONDUIT "hvc"
#endif
#define PFX "psci-" CONDUIT "/"

#define WAIT_MS 5000 /* any single wait; the test host is slow */
#define SUSPEND_MS 20 /* CPU_SUSPEND wake-up timer */
#define POWERDOWN_MS 200 /* powerdown CPU_SUSPEND: time to watch it asleep */

#define GICD_BASE 0x3fff0000UL
#define GICR_STRIDE 0x20000UL
#define GICR_SGI 0x10000UL
#define VTIMER_INTID 27

#define SCTLR_M (1UL << 0)
#define SCTLR_C (1UL << 2)
#define SCTLR_I (1UL << 12)
#define SCTLR_EE (1UL << 25)
#define CNTV_CTL_ENABLE (1UL << 0)
#define CNTV_CTL_ISTATUS (1UL << 2)

enum cmd {
	CMD_NONE,
	CMD_RACE, /* arg: target, entry, ctx, go token */
	CMD_OFF,
	CMD_SUSPEND, /* arg: function ID, use the GIC, power_state */
	CMD_STORM, /* arg: target, entry: CPU_ON it forever */
	CMD_CALL, /* arg: function ID, x1, x2, x3; res[0]: x0 */
	CMD_POWERDOWN, /* arg: function ID, power_state, entry, context */
};

/* Written by vCPU 0: cmd_seq, cmd, arg. Everything else by the CPU. */
struct cpu_slot {
	u64 boots;
	u64 x0, pc, el, spsel, daif, sctlr, mpidr;
	u64 entered; /* counter at secondary_main() */
	u64 cmd_seq;
	u64 cmd;
	u64 arg[4];
	u64 ready_seq;
	u64 ack_seq;
	u64 res[6];
} __attribute__((aligned(64)));

static struct cpu_slot slots[MAX_CPUS + 1];

/* An exception a secondary took, for vCPU 0 to print. */
struct exc_rec {
	u64 flag, vec, esr, elr, far, spsr, mpidr;
};
static struct exc_rec excs[MAX_CPUS + 1];
static u64 race_go; /* written by vCPU 0 only */

static struct dt_info dt;
static u64 self_mpidr;
static int secondaries_ok; /* enough vCPUs for the SMP checks */

/* In .data: boot 1 changes it, a reset must bring the original back. */
static u64 reload_marker = 0x5eed0f1a5e1ea5edUL;
#define RELOAD_MARKER_ORIG 0x5eed0f1a5e1ea5edUL
#define RELOAD_MARKER_DIRTY 0xd1d1d1d1d1d1d1d1UL

void primary_main(u64 dtb, u64 load_addr, u64 el, u64 daif, u64 sctlr);
void secondary_main(u64 x0, u64 pc, u64 el, u64 spsel, u64 daif, u64 sctlr,
		    u64 idx);
void bad_resume(u64 x0);
void exception_report(u64 vec, u64 esr, u64 elr, u64 far, u64 spsr);

static void __attribute__((noreturn)) system_off(void)
{
	u64 r = smccc_call(PSCI_SYSTEM_OFF, 0, 0, 0);

	printk("FAIL " PFX "system-off: SYSTEM_OFF returned 0x%lx\n", r);
	for (;;)
		wfe();
}

/* ---- one line per check ----------------------------------------------- */

static const char *chk_name;
static char chk_buf[1536];
static struct strbuf chk_sb;
static int chk_failed;

static void check_begin(const char *name)
{
	chk_name = name;
	chk_failed = 0;
	chk_buf[0] = 0;
	chk_sb = (struct strbuf){ chk_buf, 0, sizeof(chk_buf) };
}

static void __attribute__((format(printf, 1, 2)))
check_fail(const char *fmt, ...)
{
	va_list ap;

	if (chk_failed)
		sb_printf(&chk_sb, "; ");
	chk_failed = 1;
	va_start(ap, fmt);
	sb_vprintf(&chk_sb, fmt, ap);
	va_end(ap);
}

static void check_secondary_exceptions(void);

static int check_end(void)
{
	check_secondary_exceptions();
	if (chk_failed)
		printk("FAIL " PFX "%s: %s\n", chk_name, chk_buf);
	else
		printk("PASS " PFX "%s\n", chk_name);
	return !chk_failed;
}

/*
 * check_begin() for a check that needs the secondaries: 0, with the check
 * already reported as failed, when there are not 4 usable vCPUs.
 */
static int check_begin_smp(const char *name)
{
	check_begin(name);
	if (secondaries_ok)
		return 1;
	check_fail("needs 4 vCPUs, the DTB lists %d", dt.nr_cpus);
	check_end();
	return 0;
}

/* A one-line report for a check with a single condition. */
static void __attribute__((format(printf, 2, 3)))
report(const char *name, const char *fmt, ...)
{
	va_list ap;

	check_begin(name);
	if (fmt) {
		chk_failed = 1;
		va_start(ap, fmt);
		sb_vprintf(&chk_sb, fmt, ap);
		va_end(ap);
	}
	check_end();
}

static const char *fn_name(u32 fn)
{
	switch (fn & ~SMC64) {
	case PSCI_VERSION:
		return "PSCI_VERSION";
	case PSCI_CPU_SUSPEND:
		return fn & SMC64 ? "CPU_SUSPEND64" : "CPU_SUSPEND";
	case PSCI_CPU_OFF:
		return "CPU_OFF";
	case PSCI_CPU_ON:
		return fn & SMC64 ? "CPU_ON64" : "CPU_ON";
	case PSCI_AFFINITY_INFO:
		return fn & SMC64 ? "AFFINITY_INFO64" : "AFFINITY_INFO";
	case PSCI_SYSTEM_SUSPEND:
		return fn & SMC64 ? "SYSTEM_SUSPEND64" : "SYSTEM_SUSPEND";
	case PSCI_SYSTEM_RESET2:
		return fn & SMC64 ? "SYSTEM_RESET2_64" : "SYSTEM_RESET2";
	default:
		return "fn";
	}
}

/* Calls fn and records a mismatch with the expected result. */
static s64 expect_call(u32 fn, u64 a1, u64 a2, u64 a3, s64 want)
{
	s64 r = psci(fn, a1, a2, a3);

	if (r != want)
		check_fail(
			"%s(0x%x, 0x%lx, 0x%lx, 0x%lx) = %ld (%s), expected %ld (%s)",
			fn_name(fn), fn, a1, a2, a3, r, psci_err_name(r), want,
			psci_err_name(want));
	return r;
}

/* ---- vCPU bookkeeping --------------------------------------------------- */

static int slot_of(u64 mpidr)
{
	u64 idx = ((mpidr >> 8) & 0xff) * 16 + (mpidr & 0xff);

	return idx < MAX_CPUS ? (int)idx : MAX_CPUS;
}

/* Affinity (MPIDR & HWID mask) of vCPU i, in DT order. */
static u64 cpu_aff(int i)
{
	return dt.cpu_mpidr[i] & MPIDR_HWID_MASK;
}

static struct cpu_slot *cpu_slot(int i)
{
	return &slots[slot_of(cpu_aff(i))];
}

static u64 boots_of(int i)
{
	return READ_ONCE(cpu_slot(i)->boots);
}

/* Waits until vCPU i has booted more than 'old' times. */
static int wait_boot(int i, u64 old, u64 ms)
{
	u64 dl = deadline_ms(ms);

	while (READ_ONCE(cpu_slot(i)->boots) == old) {
		check_secondary_exceptions();
		if (expired(dl))
			return 0;
		wfe();
	}
	dmb();
	return 1;
}

static u64 post(int i, u64 cmd, u64 a0, u64 a1, u64 a2, u64 a3)
{
	struct cpu_slot *s = cpu_slot(i);
	u64 seq = READ_ONCE(s->cmd_seq) + 1;

	WRITE_ONCE(s->cmd, cmd);
	WRITE_ONCE(s->arg[0], a0);
	WRITE_ONCE(s->arg[1], a1);
	WRITE_ONCE(s->arg[2], a2);
	WRITE_ONCE(s->arg[3], a3);
	dmb();
	WRITE_ONCE(s->cmd_seq, seq);
	dsb();
	sev();
	return seq;
}

static int wait_seq(volatile u64 *p, u64 seq, u64 ms)
{
	u64 dl = deadline_ms(ms);

	while (*p != seq) {
		check_secondary_exceptions();
		if (expired(dl))
			return 0;
		wfe();
	}
	dmb();
	return 1;
}

static int wait_ack(int i, u64 seq, u64 ms)
{
	return wait_seq(&cpu_slot(i)->ack_seq, seq, ms);
}

static int wait_ready(int i, u64 seq, u64 ms)
{
	return wait_seq(&cpu_slot(i)->ready_seq, seq, ms);
}

/* Polls AFFINITY_INFO(vCPU i, 0) until it reads 'want'; returns the last
 * value read. */
static s64 poll_affinity(int i, s64 want, u64 ms)
{
	u64 dl = deadline_ms(ms);
	s64 r;

	for (;;) {
		check_secondary_exceptions();
		r = psci(PSCI_AFFINITY_INFO64, cpu_aff(i), 0, 0);
		if (r == want || expired(dl))
			return r;
		delay_us(1000);
	}
}

/* ---- GIC: only to make the virtual timer a wake-up event ---------------- */

static volatile u32 *gicr_rd(u64 mpidr)
{
	u64 base = GICD_BASE - (u64)dt.nr_cpus * GICR_STRIDE;
	u32 want = (u32)(mpidr & 0xffffff) | (u32)((mpidr >> 32) & 0xff) << 24;
	int i;

	for (i = 0; i < dt.nr_cpus; i++) {
		volatile u32 *rd = (volatile u32 *)(base + i * GICR_STRIDE);

		if (rd[3] == want) /* GICR_TYPER[63:32]: affinity */
			return rd;
		if (rd[2] & (1U << 4)) /* GICR_TYPER.Last */
			break;
	}
	return NULL;
}

static void gicd_enable(void)
{
	volatile u32 *gicd = (volatile u32 *)GICD_BASE;

	gicd[0] = (1U << 4) | (1U << 1) | (1U << 0); /* ARE, EnableGrp1/0 */
	dsb();
}

static volatile u32 *gic_vtimer_on(void)
{
	volatile u32 *rd = gicr_rd(read_sysreg(mpidr_el1));
	volatile u32 *sgi;
	u32 prio;

	if (!rd)
		return NULL;
	sgi = rd + GICR_SGI / 4;
	rd[0x14 / 4] &= ~(1U << 1); /* GICR_WAKER.ProcessorSleep */
	sgi[0x80 / 4] |= 1U << VTIMER_INTID; /* IGROUPR0: group 1 */
	prio = sgi[(0x400 + 24) / 4]; /* IPRIORITYR for INTIDs 24..27 */
	prio = (prio & 0x00ffffff) | 0x80U << 24;
	sgi[(0x400 + 24) / 4] = prio;
	sgi[0x100 / 4] = 1U << VTIMER_INTID; /* ISENABLER0 */
	dsb();
	write_sysreg(read_sysreg(ICC_SRE_EL1) | 1, ICC_SRE_EL1);
	isb();
	write_sysreg(0xff, ICC_PMR_EL1);
	write_sysreg(1, ICC_IGRPEN1_EL1);
	isb();
	return sgi;
}

static void gic_vtimer_off(volatile u32 *sgi)
{
	write_sysreg(0, ICC_IGRPEN1_EL1);
	isb();
	sgi[0x180 / 4] = 1U << VTIMER_INTID; /* ICENABLER0 */
	sgi[0x280 / 4] = 1U << VTIMER_INTID; /* ICPENDR0 */
	dsb();
}

/*
 * CPU_SUSPEND (standby) with the virtual timer as the wake-up event.
 * power_state must name a standby state.
 * PSTATE.I stays masked, so the interrupt is never taken.
 * res: [0] result, [1] ticks spent, [2] CNTV_CTL after, [3] ticks armed,
 * [4] 1 if no redistributor was found.
 */
static void suspend_test(u32 fn, int use_gic, u64 power_state,
			 volatile u64 *res)
{
	u64 period = ms_to_ticks(SUSPEND_MS), t0, t1, ctl;
	volatile u32 *sgi = NULL;
	s64 r;

	res[4] = 0;
	if (use_gic) {
		sgi = gic_vtimer_on();
		if (!sgi) {
			res[4] = 1;
			return;
		}
	}
	write_sysreg(0, cntv_ctl_el0);
	isb();
	write_sysreg(period, cntv_tval_el0);
	t0 = counter();
	write_sysreg(CNTV_CTL_ENABLE, cntv_ctl_el0);
	isb();
	r = psci(fn, power_state, (u64)bad_resume_entry, 0x5050deadUL);
	t1 = counter();
	ctl = read_sysreg(cntv_ctl_el0);
	write_sysreg(0, cntv_ctl_el0);
	isb();
	if (sgi)
		gic_vtimer_off(sgi);
	res[0] = (u64)r;
	res[1] = t1 - t0;
	res[2] = ctl;
	res[3] = period;
}

/* ---- secondaries -------------------------------------------------------- */

static void ack(struct cpu_slot *s, u64 seq)
{
	dmb();
	WRITE_ONCE(s->ack_seq, seq);
	dsb();
	sev();
}

/*
 * A powerdown CPU_SUSPEND with the virtual timer armed for POWERDOWN_MS.
 * It must not return: the wake-up restarts this vCPU at the entry point
 * (secondary_entry records how it got there). res[1]: the counter just
 * before the call, written before ready_seq. If the call returns: res[0]
 * its result, then the ack; res[4] = 1 if there is no redistributor.
 */
static void powerdown_test(struct cpu_slot *s, u64 seq)
{
	volatile u32 *sgi = gic_vtimer_on();
	u64 r;

	WRITE_ONCE(s->res[4], !sgi);
	if (sgi) {
		write_sysreg(0, cntv_ctl_el0);
		isb();
		write_sysreg(ms_to_ticks(POWERDOWN_MS), cntv_tval_el0);
		write_sysreg(CNTV_CTL_ENABLE, cntv_ctl_el0);
		isb();
		WRITE_ONCE(s->res[1], counter());
		dmb();
		WRITE_ONCE(s->ready_seq, seq);
		dsb();
		sev();
		r = powerdown_call(READ_ONCE(s->arg[0]), READ_ONCE(s->arg[1]),
				   READ_ONCE(s->arg[2]), READ_ONCE(s->arg[3]));
		write_sysreg(0, cntv_ctl_el0);
		isb();
		gic_vtimer_off(sgi);
		WRITE_ONCE(s->res[0], r);
	}
	ack(s, seq);
}

static void run_command(struct cpu_slot *s, u64 seq)
{
	u64 dl;

	switch (READ_ONCE(s->cmd)) {
	case CMD_RACE:
		WRITE_ONCE(s->res[1], 0);
		dmb();
		WRITE_ONCE(s->ready_seq, seq);
		dsb();
		sev();
		dl = deadline_ms(WAIT_MS);
		while (READ_ONCE(race_go) != READ_ONCE(s->arg[3])) {
			if (expired(dl)) {
				WRITE_ONCE(s->res[1], 1);
				ack(s, seq);
				return;
			}
		}
		WRITE_ONCE(s->res[0],
			   smccc_call(PSCI_CPU_ON64, READ_ONCE(s->arg[0]),
				      READ_ONCE(s->arg[1]),
				      READ_ONCE(s->arg[2])));
		ack(s, seq);
		break;
	case CMD_OFF:
		WRITE_ONCE(s->ready_seq, seq);
		dsb();
		sev();
		/* Only comes back on failure. */
		WRITE_ONCE(s->res[0], smccc_call(PSCI_CPU_OFF, 0, 0, 0));
		ack(s, seq);
		break;
	case CMD_STORM:
		WRITE_ONCE(s->ready_seq, seq);
		dsb();
		sev();
		for (;;)
			smccc_call(PSCI_CPU_ON64, READ_ONCE(s->arg[0]),
				   READ_ONCE(s->arg[1]), 0);
	case CMD_SUSPEND:
		suspend_test((u32)READ_ONCE(s->arg[0]),
			     (int)READ_ONCE(s->arg[1]), READ_ONCE(s->arg[2]),
			     s->res);
		ack(s, seq);
		break;
	case CMD_CALL:
		WRITE_ONCE(s->res[0], smccc_call(READ_ONCE(s->arg[0]),
						 READ_ONCE(s->arg[1]),
						 READ_ONCE(s->arg[2]),
						 READ_ONCE(s->arg[3])));
		ack(s, seq);
		break;
	case CMD_POWERDOWN:
		powerdown_test(s, seq);
		break;
	default:
		ack(s, seq);
		break;
	}
}

void secondary_main(u64 x0, u64 pc, u64 el, u64 spsel, u64 daif, u64 sctlr,
		    u64 idx)
{
	struct cpu_slot *s = &slots[idx];
	u64 seen;

	if (idx >= MAX_CPUS) {
		/* No slot for it: nobody can check it, so switch it off. */
		smccc_call(PSCI_CPU_OFF, 0, 0, 0);
		for (;;)
			wfe();
	}
	WRITE_ONCE(s->entered, counter());
	enable_event_stream();
	seen = READ_ONCE(s->cmd_seq);
	WRITE_ONCE(s->x0, x0);
	WRITE_ONCE(s->pc, pc);
	WRITE_ONCE(s->el, el);
	WRITE_ONCE(s->spsel, spsel);
	WRITE_ONCE(s->daif, daif);
	WRITE_ONCE(s->sctlr, sctlr);
	WRITE_ONCE(s->mpidr, read_sysreg(mpidr_el1));
	dmb();
	WRITE_ONCE(s->boots, READ_ONCE(s->boots) + 1);
	dsb();
	sev();

	for (;;) {
		u64 seq;

		while ((seq = READ_ONCE(s->cmd_seq)) == seen)
			wfe();
		dmb();
		seen = seq;
		run_command(s, seq);
	}
}

void bad_resume(u64 x0)
{
	printk("FAIL " PFX
	       "cpu-suspend-bad-resume: MPIDR 0x%lx resumed at bad_resume_entry (x0=0x%lx): that CPU_SUSPEND was a standby, which returns in place, or one that must be refused\n",
	       read_sysreg(mpidr_el1), x0);
	system_off();
}

static void print_exception(const struct exc_rec *e)
{
	printk("FAIL " PFX
	       "exception: ESR=0x%lx ELR=0x%lx FAR=0x%lx SPSR=0x%lx vector=0x%lx MPIDR=0x%lx\n",
	       e->esr, e->elr, e->far, e->spsr, e->vec * 0x80, e->mpidr);
}

/*
 * Called by vCPU 0 wherever it waits: reports an exception a secondary
 * took, so that only vCPU 0 writes to the console.
 */
static void check_secondary_exceptions(void)
{
	int i;

	for (i = 0; i <= MAX_CPUS; i++) {
		if (READ_ONCE(excs[i].flag)) {
			dmb();
			print_exception(&excs[i]);
			system_off();
		}
	}
}

void exception_report(u64 vec, u64 esr, u64 elr, u64 far, u64 spsr)
{
	u64 mpidr = read_sysreg(mpidr_el1);
	struct exc_rec *e, local;
	u64 dl;

	if (!self_mpidr || mpidr == self_mpidr) {
		e = &local;
	} else {
		/* A secondary: hand it to vCPU 0, print it only if vCPU 0
		 * does not pick it up. */
		e = &excs[slot_of(mpidr)];
		if (READ_ONCE(e->flag))
			e = &local; /* again: vCPU 0 is not listening */
	}
	e->vec = vec;
	e->esr = esr;
	e->elr = elr;
	e->far = far;
	e->spsr = spsr;
	e->mpidr = mpidr;
	if (e != &local) {
		dmb();
		WRITE_ONCE(e->flag, 1);
		dsb();
		sev();
		dl = deadline_ms(1000);
		while (!expired(dl))
			wfe();
	}
	print_exception(e);
	system_off();
}

/* ---- the checks --------------------------------------------------------- */

/* The DT lkvm built must name the conduit this image uses. */
static void test_dt_psci(void)
{
	const char *c = dt.psci_compat;
	u32 off = 0;
	int v10 = 0;

	check_begin("dt-psci");
	if (!dt.psci_method)
		check_fail("no /psci method property");
	else if (strcmp(dt.psci_method, CONDUIT))
		check_fail("/psci method = \"%s\", this image uses \"" CONDUIT
			   "\"",
			   dt.psci_method);
	while (c && off < dt.psci_compat_len) {
		if (!strcmp(c + off, "arm,psci-1.0"))
			v10 = 1;
		off += strlen(c + off) + 1;
	}
	if (!v10)
		check_fail("/psci compatible lacks \"arm,psci-1.0\"");
	check_end();
}

static void test_version(void)
{
	s64 r = psci(PSCI_VERSION, 0, 0, 0);

	if (r == 0x10001)
		report("version", NULL);
	else
		report("version",
		       "PSCI_VERSION = 0x%lx, expected 0x10001 (1.1)", (u64)r);
}

static int implemented(u32 fn)
{
	static const u32 ids[] = {
		PSCI_VERSION,	       PSCI_CPU_SUSPEND,
		PSCI_CPU_OFF,	       PSCI_CPU_ON,
		PSCI_AFFINITY_INFO,    PSCI_MIGRATE_INFO_TYPE,
		PSCI_SYSTEM_OFF,       PSCI_SYSTEM_RESET,
		PSCI_FEATURES,	       PSCI_SYSTEM_SUSPEND,
		PSCI_SYSTEM_RESET2,    PSCI_CPU_SUSPEND64,
		PSCI_CPU_ON64,	       PSCI_AFFINITY_INFO64,
		PSCI_SYSTEM_SUSPEND64, PSCI_SYSTEM_RESET2_64,
		SMCCC_VERSION,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		if (ids[i] == fn)
			return 1;
	return 0;
}

static void test_features_all(void)
{
	u32 n, w;

	check_begin("features-all");
	for (w = 0; w < 2; w++) {
		for (n = 0; n < 0x20; n++) {
			u32 fn = (w ? PSCI_FN64(n) : PSCI_FN(n));
			s64 want = implemented(fn) ? 0 : PSCI_NOT_SUPPORTED;
			s64 r = psci(PSCI_FEATURES, fn, 0, 0);

			if (r != want)
				check_fail("FEATURES(0x%x) = %ld, expected %ld",
					   fn, r, want);
		}
	}
	expect_call(PSCI_FEATURES, SMCCC_VERSION, 0, 0, 0);
	check_end();
}

static void test_smccc_version(void)
{
	s64 r = psci(SMCCC_VERSION, 0, 0, 0);

	if (r >= 0x10001)
		report("smccc-version", NULL);
	else
		report("smccc-version",
		       "SMCCC_VERSION = 0x%lx (%ld), expected >= 0x10001",
		       (u64)r, r);
}

static void test_migrate_info_type(void)
{
	s64 r = psci(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0);

	if (r == 2)
		report("migrate-info-type", NULL);
	else
		report("migrate-info-type",
		       "MIGRATE_INFO_TYPE = %ld, expected 2 (no Trusted OS)",
		       r);
}

static void expect_not_supported(const u32 *ids, size_t n, u64 a1)
{
	size_t i;

	for (i = 0; i < n; i++) {
		s64 r = psci(ids[i], a1, 0, 0);

		if (r != PSCI_NOT_SUPPORTED)
			check_fail("0x%x = %ld (0x%lx), expected -1", ids[i], r,
				   (u64)r);
	}
}

static void test_not_supported_ids(void)
{
	static const u32 ids[] = {
		PSCI_MIGRATE,	 PSCI_FN64(0x05), PSCI_MIGRATE_INFO_UP_CPU,
		PSCI_FN64(0x07), PSCI_CPU_FREEZE, PSCI_FN(0x1f),
		PSCI_FN64(0x00), PSCI_FN64(0x02), PSCI_FN64(0x08),
		PSCI_FN64(0x1f),
	};

	check_begin("not-supported-ids");
	expect_not_supported(ids, ARRAY_SIZE(ids),
			     self_mpidr & MPIDR_HWID_MASK);
	check_end();
}

static void test_sdei_ids(void)
{
	u32 ids[0x20];
	u32 i;

	for (i = 0; i < 0x20; i++)
		ids[i] = PSCI_FN64(0x20 + i);
	check_begin("sdei-ids");
	expect_not_supported(ids, ARRAY_SIZE(ids), 0);
	check_end();
}

static void test_unknown_owner(void)
{
	static const u32 ids[] = {
		0x82000000, /* SiP */
		0xc2000000, /* SiP, SMC64 */
		0x83000000, /* OEM */
		0xb0000000, /* Trusted Application */
		0xb2000000, /* Trusted OS */
	};

	check_begin("unknown-owner");
	expect_not_supported(ids, ARRAY_SIZE(ids), 0);
	check_end();
}

static void test_legacy_kvm_psci_id(void)
{
	/* KVM's PSCI 0.1 CPU_SUSPEND and MIGRATE. */
	static const u32 ids[] = { 0x95c1ba5e, 0x95c1ba61 };

	check_begin("legacy-kvm-psci-id");
	expect_not_supported(ids, ARRAY_SIZE(ids), 0);
	check_end();
}

/*
 * lkvm supports only SYSTEM_WARM_RESET (0): every other architectural
 * type and every vendor type (bit 31) is refused. A wrongly accepted type
 * resets the VM here, and boot 1's later checks never report.
 */
static void test_system_reset2_bad_type(void)
{
	static const u64 types[] = { 1,		 0x7fffffff, 0x80000000,
				     0x80000001, 0x80001234, 0xffffffff };
	size_t i;

	check_begin("system-reset2-bad-type");
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		expect_call(PSCI_SYSTEM_RESET2, types[i], 0, 0,
			    PSCI_INVALID_PARAMS);
		expect_call(PSCI_SYSTEM_RESET2_64, types[i], 0, 0,
			    PSCI_INVALID_PARAMS);
	}
	/* reset_type is 32-bit in SYSTEM_RESET2_64 too: W1 = 1. */
	expect_call(PSCI_SYSTEM_RESET2_64, 0xffffffff00000001UL, 0, 0,
		    PSCI_INVALID_PARAMS);
	check_end();
}

static int aff_exists(u64 aff, u64 mask)
{
	int i;

	for (i = 0; i < dt.nr_cpus; i++)
		if ((cpu_aff(i) & mask) == (aff & mask))
			return 1;
	return 0;
}

/* An Aff1 value (cluster) with no vCPU in it. */
static u64 empty_cluster(void)
{
	u64 c;

	for (c = 5; c < 0xff; c++)
		if (!aff_exists(c << 8, 0xff00ffff00UL))
			return c << 8;
	return 0xff00;
}

static u64 stray_boots(void)
{
	u64 n = 0;
	int i;

	for (i = 1; i < dt.nr_cpus; i++)
		n += boots_of(i);
	return n;
}

static void test_bad_mpidr(void)
{
	u64 entry = (u64)secondary_entry, before;

	if (!check_begin_smp("bad-mpidr"))
		return;
	before = stray_boots();
	expect_call(PSCI_CPU_ON64, cpu_aff(1) | 1UL << 40, entry, 1,
		    PSCI_INVALID_PARAMS);
	expect_call(PSCI_CPU_ON64, cpu_aff(1) | 1UL << 24, entry, 2,
		    PSCI_INVALID_PARAMS);
	expect_call(PSCI_CPU_ON64, 0x10000, entry, 3, PSCI_INVALID_PARAMS);
	expect_call(PSCI_CPU_ON64, empty_cluster(), entry, 4,
		    PSCI_INVALID_PARAMS);
	if (!aff_exists(0xf, MPIDR_HWID_MASK))
		expect_call(PSCI_CPU_ON, 0xf, entry, 5, PSCI_INVALID_PARAMS);
	delay_us(50000);
	if (stray_boots() != before)
		check_fail("a secondary vCPU started anyway");
	check_end();
}

static int cpu_on_ok; /* vCPU 1 is up, the cpu-on-* lines may look at it */

static void test_cpu_on(void)
{
	const u64 ctx = 0x0123456789abcdefUL;
	struct cpu_slot *s;
	u64 old, caller_ee = read_sysreg(sctlr_el1) & SCTLR_EE;
	s64 r;

	if (!check_begin_smp("cpu-on")) {
		report("cpu-on-x0", "vCPU 1 not started");
		report("cpu-on-pstate", "vCPU 1 not started");
		report("cpu-on-sctlr", "vCPU 1 not started");
		return;
	}
	s = cpu_slot(1);
	old = boots_of(1);
	r = expect_call(PSCI_CPU_ON64, cpu_aff(1), (u64)secondary_entry, ctx,
			PSCI_SUCCESS);
	if (r == PSCI_SUCCESS) {
		if (!wait_boot(1, old, WAIT_MS)) {
			check_fail(
				"CPU_ON returned SUCCESS but vCPU 1 did not run within %d ms",
				WAIT_MS);
		} else {
			cpu_on_ok = 1;
			if (s->pc != (u64)secondary_entry)
				check_fail(
					"started at 0x%lx, expected entry 0x%lx",
					s->pc, (u64)secondary_entry);
			if ((s->mpidr & MPIDR_HWID_MASK) != cpu_aff(1))
				check_fail(
					"the CPU that started has MPIDR 0x%lx, expected 0x%lx",
					s->mpidr, cpu_aff(1));
		}
	}
	check_end();
	if (!cpu_on_ok) {
		report("cpu-on-x0", "vCPU 1 did not start");
		report("cpu-on-pstate", "vCPU 1 did not start");
		report("cpu-on-sctlr", "vCPU 1 did not start");
		return;
	}

	if (s->x0 == ctx)
		report("cpu-on-x0", NULL);
	else
		report("cpu-on-x0", "x0 = 0x%lx, expected context_id 0x%lx",
		       s->x0, ctx);

	check_begin("cpu-on-pstate");
	if (s->el != 1 << 2)
		check_fail("CurrentEL = 0x%lx, expected 0x4 (EL1)", s->el);
	if (s->spsel != 1)
		check_fail("SPSel = %ld, expected 1 (EL1h)", s->spsel);
	if (s->daif != 0x3c0)
		check_fail("DAIF = 0x%lx, expected 0x3c0 (all masked)",
			   s->daif);
	check_end();

	check_begin("cpu-on-sctlr");
	if (s->sctlr & SCTLR_M)
		check_fail("SCTLR_EL1 = 0x%lx: M (MMU) set", s->sctlr);
	if (s->sctlr & SCTLR_C)
		check_fail("SCTLR_EL1 = 0x%lx: C (D-cache) set", s->sctlr);
	if (s->sctlr & SCTLR_I)
		check_fail("SCTLR_EL1 = 0x%lx: I (I-cache) set", s->sctlr);
	if ((s->sctlr & SCTLR_EE) != caller_ee)
		check_fail("SCTLR_EL1 = 0x%lx: EE %d, the caller's is %d",
			   s->sctlr, !!(s->sctlr & SCTLR_EE), !!caller_ee);
	check_end();
}

static int cpu2_ok;

static void test_cpu_on_smc32_narrowing(void)
{
	const u64 hi = 0xffffffff00000000UL;
	u64 entry = (u64)secondary_entry, old;
	struct cpu_slot *s;
	s64 r;

	if (!check_begin_smp("cpu-on-smc32-narrowing"))
		return;
	s = cpu_slot(2);
	old = boots_of(2);
	r = expect_call(PSCI_CPU_ON, hi | cpu_aff(2), hi | entry,
			0xcafef00d12345678UL, PSCI_SUCCESS);
	if (r == PSCI_SUCCESS) {
		if (!wait_boot(2, old, WAIT_MS)) {
			check_fail(
				"CPU_ON returned SUCCESS but vCPU 2 did not run within %d ms",
				WAIT_MS);
		} else {
			cpu2_ok = 1;
			if (s->pc != entry)
				check_fail("started at 0x%lx, expected 0x%lx",
					   s->pc, entry);
			if (s->x0 != 0x12345678)
				check_fail(
					"x0 = 0x%lx, expected 0x12345678 (context_id narrowed to 32 bits)",
					s->x0);
		}
	}
	check_end();
}

static void test_already_on(void)
{
	u64 entry = (u64)secondary_entry, old;

	check_begin("already-on");
	expect_call(PSCI_CPU_ON64, self_mpidr & MPIDR_HWID_MASK, entry, 0,
		    PSCI_ALREADY_ON);
	expect_call(PSCI_CPU_ON, self_mpidr & MPIDR_HWID_MASK, entry, 0,
		    PSCI_ALREADY_ON);
	if (cpu_on_ok) {
		old = boots_of(1);
		expect_call(PSCI_CPU_ON64, cpu_aff(1), entry, 0,
			    PSCI_ALREADY_ON);
		expect_call(PSCI_CPU_ON, cpu_aff(1), entry, 0, PSCI_ALREADY_ON);
		delay_us(50000);
		if (boots_of(1) != old)
			check_fail("vCPU 1 was restarted");
	} else {
		check_fail(
			"vCPU 1 is not running, cannot check a running secondary");
	}
	check_end();
}

static void test_affinity_info(void)
{
	u64 self = self_mpidr & MPIDR_HWID_MASK;

	check_begin("affinity-info-level0");
	expect_call(PSCI_AFFINITY_INFO64, self, 0, 0, AFF_ON);
	expect_call(PSCI_AFFINITY_INFO, self, 0, 0, AFF_ON);
	if (secondaries_ok) {
		if (cpu_on_ok) {
			expect_call(PSCI_AFFINITY_INFO64, cpu_aff(1), 0, 0,
				    AFF_ON);
			expect_call(PSCI_AFFINITY_INFO, cpu_aff(1), 0, 0,
				    AFF_ON);
		} else {
			check_fail("vCPU 1 is not running");
		}
		expect_call(PSCI_AFFINITY_INFO64, cpu_aff(3), 0, 0, AFF_OFF);
		expect_call(PSCI_AFFINITY_INFO, cpu_aff(3), 0, 0, AFF_OFF);
		/* The level is 32-bit in AFFINITY_INFO64 too: W2 = 0, so
		 * vCPU 3 alone (OFF), not its cluster. */
		expect_call(PSCI_AFFINITY_INFO64, cpu_aff(3), 1UL << 32, 0,
			    AFF_OFF);
	} else {
		check_fail("needs 4 vCPUs");
	}
	check_end();

	check_begin("affinity-info-level1");
	expect_call(PSCI_AFFINITY_INFO64, self, 1, 0, AFF_ON);
	expect_call(PSCI_AFFINITY_INFO, self & ~0xffUL, 1, 0, AFF_ON);
	if (secondaries_ok && (cpu_aff(3) >> 8) == (self >> 8))
		/* Aff0 names a CPU that is off: the cluster is still on. */
		expect_call(PSCI_AFFINITY_INFO64, cpu_aff(3), 1, 0, AFF_ON);
	expect_call(PSCI_AFFINITY_INFO64, self, 2, 0, AFF_ON);
	expect_call(PSCI_AFFINITY_INFO64, self, 3, 0, AFF_ON);
	check_end();

	check_begin("affinity-info-bad");
	expect_call(PSCI_AFFINITY_INFO64, self, 4, 0, PSCI_INVALID_PARAMS);
	expect_call(PSCI_AFFINITY_INFO, self, 4, 0, PSCI_INVALID_PARAMS);
	expect_call(PSCI_AFFINITY_INFO64, empty_cluster(), 1, 0,
		    PSCI_INVALID_PARAMS);
	expect_call(PSCI_AFFINITY_INFO64, empty_cluster(), 0, 0,
		    PSCI_INVALID_PARAMS);
	expect_call(PSCI_AFFINITY_INFO64, 0x10000, 2, 0, PSCI_INVALID_PARAMS);
	if (!aff_exists(0xf, MPIDR_HWID_MASK))
		expect_call(PSCI_AFFINITY_INFO, 0xf, 0, 0, PSCI_INVALID_PARAMS);
	expect_call(PSCI_AFFINITY_INFO64, self | 1UL << 40, 0, 0,
		    PSCI_INVALID_PARAMS);
	check_end();
}

static int cpu3_ok;

static void test_cpu_on_race(void)
{
	const u64 token = 0x60600001UL;
	u64 ctx[3], res[3], seq[3], entry = (u64)secondary_entry, old;
	int i, wins = 0, winner = -1;

	check_begin("cpu-on-race");
	if (!cpu_on_ok || !cpu2_ok) {
		check_fail(
			"needs vCPUs 1 and 2 running (cpu-on, cpu-on-smc32-narrowing)");
		check_end();
		return;
	}
	for (i = 0; i < 3; i++)
		ctx[i] = 0xace0000000000000UL | (u64)i << 8 | 0x5a;
	old = boots_of(3);
	WRITE_ONCE(race_go, 0);
	dsb();
	for (i = 1; i < 3; i++)
		seq[i] = post(i, CMD_RACE, cpu_aff(3), entry, ctx[i], token);
	for (i = 1; i < 3; i++) {
		if (!wait_ready(i, seq[i], WAIT_MS)) {
			check_fail("vCPU %d did not get ready", i);
			check_end();
			return;
		}
	}
	WRITE_ONCE(race_go, token);
	dsb();
	sev();
	res[0] = smccc_call(PSCI_CPU_ON64, cpu_aff(3), entry, ctx[0]);
	for (i = 1; i < 3; i++) {
		if (!wait_ack(i, seq[i], WAIT_MS)) {
			check_fail("vCPU %d did not finish its CPU_ON", i);
			check_end();
			return;
		}
		if (cpu_slot(i)->res[1]) {
			check_fail("vCPU %d never saw the start flag", i);
			check_end();
			return;
		}
		res[i] = cpu_slot(i)->res[0];
	}
	for (i = 0; i < 3; i++) {
		s64 r = (s64)res[i];

		/* A loser finds vCPU 3 pending, or already running. */
		if (r == PSCI_SUCCESS) {
			wins++;
			winner = i;
		} else if (r != PSCI_ON_PENDING && r != PSCI_ALREADY_ON) {
			check_fail(
				"vCPU %d: CPU_ON = %ld (%s), expected SUCCESS, ON_PENDING or ALREADY_ON",
				i, r, psci_err_name(r));
		}
	}
	if (wins != 1)
		check_fail(
			"%d callers got SUCCESS (results %ld, %ld, %ld), expected exactly 1",
			wins, (s64)res[0], (s64)res[1], (s64)res[2]);
	if (wins) {
		if (!wait_boot(3, old, WAIT_MS)) {
			check_fail("vCPU 3 did not run within %d ms", WAIT_MS);
		} else {
			cpu3_ok = 1;
			delay_us(100000);
			if (boots_of(3) != old + 1)
				check_fail("vCPU 3 started %ld times",
					   boots_of(3) - old);
			if (wins == 1 && cpu_slot(3)->x0 != ctx[winner])
				check_fail(
					"vCPU 3 got x0 = 0x%lx, the winner (vCPU %d) passed 0x%lx",
					cpu_slot(3)->x0, winner, ctx[winner]);
		}
	}
	check_end();
}

/* Asks running vCPU i to CPU_OFF itself; waits until AFFINITY_INFO says
 * OFF. Reports through check_fail. */
static int cpu_off(int i)
{
	u64 seq = post(i, CMD_OFF, 0, 0, 0, 0);
	s64 r;

	if (!wait_ready(i, seq, WAIT_MS)) {
		check_fail("vCPU %d did not take the CPU_OFF command", i);
		return 0;
	}
	r = poll_affinity(i, AFF_OFF, WAIT_MS);
	if (READ_ONCE(cpu_slot(i)->ack_seq) == seq) {
		check_fail("CPU_OFF returned %ld (%s) on vCPU %d",
			   (s64)cpu_slot(i)->res[0],
			   psci_err_name((s64)cpu_slot(i)->res[0]), i);
		return 0;
	}
	if (r != AFF_OFF) {
		check_fail(
			"AFFINITY_INFO(vCPU %d) = %ld after CPU_OFF, still not OFF (1) after %d ms",
			i, r, WAIT_MS);
		return 0;
	}
	return 1;
}

static void test_cpu_off_on(void)
{
	const u64 ctx = 0xfeedface00c0ffeeUL;
	u64 old;
	s64 r;

	check_begin("cpu-off-on");
	if (!cpu2_ok) {
		check_fail("needs vCPU 2 running");
		check_end();
		return;
	}
	if (!cpu_off(2)) {
		cpu2_ok = 0;
		check_end();
		return;
	}
	cpu2_ok = 0;
	old = boots_of(2);
	r = expect_call(PSCI_CPU_ON64, cpu_aff(2), (u64)secondary_entry, ctx,
			PSCI_SUCCESS);
	if (r == PSCI_SUCCESS) {
		if (!wait_boot(2, old, WAIT_MS)) {
			check_fail("vCPU 2 did not run again within %d ms",
				   WAIT_MS);
		} else {
			cpu2_ok = 1;
			if (cpu_slot(2)->x0 != ctx)
				check_fail(
					"x0 = 0x%lx after the second CPU_ON, expected 0x%lx",
					cpu_slot(2)->x0, ctx);
			if (cpu_slot(2)->pc != (u64)secondary_entry)
				check_fail("restarted at 0x%lx",
					   cpu_slot(2)->pc);
			expect_call(PSCI_AFFINITY_INFO64, cpu_aff(2), 0, 0,
				    AFF_ON);
		}
	}
	check_end();
}

/*
 * KVM wakes a vCPU from CPU_SUSPEND (in-kernel, or lkvm's
 * KVM_MP_STATE_SUSPENDED) only for an interrupt the vGIC would deliver:
 * distributor enabled, INTID enabled, priority below the PMR. A timer that
 * merely fires (ISTATUS) does not wake it. Tried on the test host: without
 * GICD_CTLR.EnableGrp1, GICR_ISENABLER0 or ICC_PMR_EL1 the vCPU sleeps
 * forever; WAKER, IGROUPR0, IPRIORITYR and IGRPEN1 did not matter to KVM
 * but are set anyway, as real hardware needs them. -DSUSPEND_USE_GIC=0
 * builds the timer-only variant.
 */
#ifndef SUSPEND_USE_GIC
#define SUSPEND_USE_GIC 1
#endif

static void check_suspend_result(const char *who, volatile u64 *res)
{
	s64 r = (s64)res[0];

	if (res[4]) {
		check_fail("%s: no GIC redistributor with its affinity", who);
		return;
	}
	if (r != PSCI_SUCCESS)
		check_fail("%s: CPU_SUSPEND = %ld (%s), expected SUCCESS", who,
			   r, psci_err_name(r));
	if (res[1] < res[3] / 4 * 3)
		check_fail(
			"%s: returned after %ld us, the timer was armed for %ld us",
			who, ticks_to_us(res[1]), ticks_to_us(res[3]));
	if (!(res[2] & CNTV_CTL_ISTATUS))
		check_fail(
			"%s: CNTV_CTL = 0x%lx after the wake-up, ISTATUS clear",
			who, res[2]);
}

static void test_cpu_suspend_timer(void)
{
	u64 seq, res[6];

	check_begin("cpu-suspend-timer");
	if (SUSPEND_USE_GIC)
		gicd_enable();
	/* A secondary first: if it never wakes up, vCPU 0 can still report. */
	if (cpu_on_ok) {
		/* power_state is 32-bit in CPU_SUSPEND64 too: W1 = 0. */
		seq = post(1, CMD_SUSPEND, PSCI_CPU_SUSPEND64, SUSPEND_USE_GIC,
			   0xffffffff00000000UL, 0);
		if (!wait_ack(1, seq, WAIT_MS)) {
			check_fail(
				"vCPU 1 did not return from CPU_SUSPEND within %d ms (timer %d ms)",
				WAIT_MS, SUSPEND_MS);
			cpu_on_ok = 0;
			check_end();
			return;
		}
		check_suspend_result("vCPU 1", cpu_slot(1)->res);
	} else {
		check_fail("vCPU 1 is not running");
	}
	if (chk_failed) {
		check_end();
		return;
	}
	suspend_test(PSCI_CPU_SUSPEND, SUSPEND_USE_GIC, 0, res);
	check_suspend_result("vCPU 0", res);
	check_end();
}

/* ---- CPU_SUSPEND power states ------------------------------------------- */

static const u32 suspend_fns[] = { PSCI_CPU_SUSPEND, PSCI_CPU_SUSPEND64 };

/*
 * vCPU 1 makes one call and is expected to return 'want'. A call that
 * wrongly suspends it does not return: 0, with vCPU 1 given up.
 */
static int expect_remote(u32 fn, u64 a1, u64 a2, u64 a3, s64 want)
{
	u64 seq = post(1, CMD_CALL, fn, a1, a2, a3);
	s64 r;

	if (!wait_ack(1, seq, WAIT_MS)) {
		check_fail(
			"vCPU 1: %s(0x%x, 0x%lx, 0x%lx, 0x%lx) did not return within %d ms, expected %ld (%s)",
			fn_name(fn), fn, a1, a2, a3, WAIT_MS, want,
			psci_err_name(want));
		cpu_on_ok = 0;
		return 0;
	}
	r = psci_ret(fn, READ_ONCE(cpu_slot(1)->res[0]));
	if (r != want)
		check_fail(
			"vCPU 1: %s(0x%x, 0x%lx, 0x%lx, 0x%lx) = %ld (%s), expected %ld (%s)",
			fn_name(fn), fn, a1, a2, a3, r, psci_err_name(r), want,
			psci_err_name(want));
	return 1;
}

/* Reserved bits, and PowerLevels 1-3: this platform has no such state. */
static void test_cpu_suspend_bad_power_state(void)
{
	static const u64 bad[] = {
		1UL << 17,
		1UL << 23,
		1UL << 26,
		1UL << 31,
		POWER_STATE_LEVEL(1),
		POWER_STATE_LEVEL(2),
		POWER_STATE_LEVEL(3),
	};
	size_t f, i;
	u64 type;

	check_begin("cpu-suspend-bad-power-state");
	if (!cpu_on_ok) {
		check_fail("vCPU 1 is not running");
		check_end();
		return;
	}
	for (f = 0; f < ARRAY_SIZE(suspend_fns); f++)
		for (i = 0; i < ARRAY_SIZE(bad); i++)
			for (type = 0; type <= POWER_STATE_POWERDOWN;
			     type += POWER_STATE_POWERDOWN)
				if (!expect_remote(
					    suspend_fns[f], bad[i] | type,
					    (u64)bad_resume_entry, 0xb0 + i,
					    PSCI_INVALID_PARAMS))
					goto out;
out:
	check_end();
}

static void test_cpu_suspend_powerdown_bad_entry(void)
{
	u64 ram_end = dt.ram_base + dt.ram_size;
	const u64 bad[] = { 0, (u64)secondary_entry + 2, ram_end,
			    dt.ram_base - 4 };
	size_t f, i;

	check_begin("cpu-suspend-powerdown-bad-entry");
	if (!cpu_on_ok) {
		check_fail("vCPU 1 is not running");
		check_end();
		return;
	}
	for (f = 0; f < ARRAY_SIZE(suspend_fns); f++)
		for (i = 0; i < ARRAY_SIZE(bad); i++)
			if (!expect_remote(suspend_fns[f],
					   POWER_STATE_POWERDOWN, bad[i],
					   0xe0 + i, PSCI_INVALID_ADDRESS))
				goto out;
	/* The entry point's upper half counts for SMC64. */
	expect_remote(PSCI_CPU_SUSPEND64, POWER_STATE_POWERDOWN,
		      1UL << 32 | (u64)secondary_entry, 0xe8,
		      PSCI_INVALID_ADDRESS);
out:
	check_end();
}

/* AFFINITY_INFO(vCPU 1) as vCPU 0 saw it during a powerdown suspend. */
struct aff_watch {
	int resumed; /* the powerdown happened: vCPU 1 resumed at entry */
	int in_sleep; /* reads known to fall inside the suspend */
	int not_on; /* reads that did not say ON */
	s64 last_bad;
};

/* The vCPU timer PPI of vCPU 1, left enabled by its powerdown. */
static void gic_vtimer_off_cpu1(void)
{
	volatile u32 *rd = gicr_rd(cpu_aff(1));
	volatile u32 *sgi;

	if (!rd)
		return;
	sgi = rd + GICR_SGI / 4;
	sgi[0x180 / 4] = 1U << VTIMER_INTID; /* ICENABLER0 */
	sgi[0x280 / 4] = 1U << VTIMER_INTID; /* ICPENDR0 */
	dsb();
}

#define AFF_READS 64

/*
 * vCPU 1 makes a powerdown CPU_SUSPEND with its virtual timer armed for
 * POWERDOWN_MS, while vCPU 0 keeps reading AFFINITY_INFO for it. The
 * wake-up must restart vCPU 1 at secondary_entry with x0 = want_x0 and
 * in the reset state; the call must not return.
 */
static void powerdown_once(const char *who, u32 fn, u64 power_state,
			   u64 entry_arg, u64 ctx_arg, u64 want_x0,
			   struct aff_watch *w)
{
	struct cpu_slot *s = cpu_slot(1);
	u64 period = ms_to_ticks(POWERDOWN_MS), old = boots_of(1);
	u64 seq, dl, t_call, t_entry, reads[AFF_READS][2];
	int n = 0, i;
	s64 r;

	seq = post(1, CMD_POWERDOWN, fn, power_state, entry_arg, ctx_arg);
	dl = deadline_ms(WAIT_MS);
	while (READ_ONCE(s->ready_seq) != seq && READ_ONCE(s->ack_seq) != seq) {
		check_secondary_exceptions();
		if (expired(dl)) {
			check_fail("%s: vCPU 1 did not take the command", who);
			cpu_on_ok = 0;
			return;
		}
		wfe();
	}
	dmb();
	if (READ_ONCE(s->res[4])) {
		check_fail("%s: no GIC redistributor for vCPU 1", who);
		return;
	}
	t_call = READ_ONCE(s->res[1]);

	dl = deadline_ms(WAIT_MS);
	while (boots_of(1) == old && READ_ONCE(s->ack_seq) != seq) {
		u64 t0, t1;

		check_secondary_exceptions();
		if (expired(dl)) {
			check_fail(
				"%s: vCPU 1 neither returned nor resumed within %d ms (timer %d ms)",
				who, WAIT_MS, POWERDOWN_MS);
			cpu_on_ok = 0;
			return;
		}
		t0 = counter();
		r = psci(PSCI_AFFINITY_INFO64, cpu_aff(1), 0, 0);
		t1 = counter();
		if (r != AFF_ON) {
			w->not_on++;
			w->last_bad = r;
		} else if (n < AFF_READS) {
			reads[n][0] = t0;
			reads[n][1] = t1;
			n++;
		}
		delay_us(1000);
	}
	dmb();
	if (boots_of(1) == old) {
		r = psci_ret(fn, READ_ONCE(s->res[0]));
		check_fail(
			"%s: the call returned %ld (%s) instead of resuming at the entry point",
			who, r, psci_err_name(r));
		return;
	}
	gic_vtimer_off_cpu1();
	w->resumed = 1;
	t_entry = READ_ONCE(s->entered);
	for (i = 0; i < n; i++)
		if (reads[i][0] > t_call && reads[i][1] < t_entry)
			w->in_sleep++;
	if (boots_of(1) != old + 1)
		check_fail("%s: vCPU 1 started %ld times", who,
			   boots_of(1) - old);
	if (s->pc != (u64)secondary_entry)
		check_fail("%s: resumed at 0x%lx, expected 0x%lx", who, s->pc,
			   (u64)secondary_entry);
	if (s->x0 != want_x0)
		check_fail("%s: x0 = 0x%lx at the entry point, expected 0x%lx",
			   who, s->x0, want_x0);
	if (s->el != 1 << 2)
		check_fail("%s: resumed with CurrentEL 0x%lx, expected EL1",
			   who, s->el);
	if (s->spsel != 1)
		check_fail(
			"%s: resumed with SPSel %ld (it called with 0), expected 1 (EL1h)",
			who, s->spsel);
	if (s->daif != 0x3c0)
		check_fail(
			"%s: resumed with DAIF 0x%lx (it called with D clear), expected 0x3c0",
			who, s->daif);
	if (s->sctlr & (SCTLR_M | SCTLR_C | SCTLR_I))
		check_fail(
			"%s: resumed with SCTLR_EL1 0x%lx (it called with I set), expected M, C and I clear",
			who, s->sctlr);
	if (t_entry - t_call < period / 4 * 3)
		check_fail(
			"%s: resumed after %ld us, the timer was armed for %ld us",
			who, ticks_to_us(t_entry - t_call),
			ticks_to_us(period));
}

static void test_cpu_suspend_powerdown(void)
{
	const u64 hi = 0xffffffff00000000UL;
	const u64 ctx64 = 0xc0de5005e5000064UL;
	const u64 ctx32 = 0xfeed0000c0de0032UL;
	u64 entry = (u64)secondary_entry;
	struct aff_watch w64 = { 0 }, w32 = { 0 };

	check_begin("cpu-suspend-powerdown");
	if (!cpu_on_ok) {
		check_fail("vCPU 1 is not running");
		check_end();
		report("cpu-suspend-powerdown-affinity",
		       "vCPU 1 is not running");
		return;
	}
	gicd_enable();
	/* power_state is 32-bit in both forms: only W1 counts. */
	powerdown_once("CPU_SUSPEND64", PSCI_CPU_SUSPEND64,
		       hi | POWER_STATE_POWERDOWN | 0x2a, entry, ctx64, ctx64,
		       &w64);
	/* SMC32: entry point and context ID narrowed to 32 bits. */
	if (cpu_on_ok)
		powerdown_once("CPU_SUSPEND", PSCI_CPU_SUSPEND,
			       POWER_STATE_POWERDOWN, hi | entry, ctx32,
			       ctx32 & 0xffffffffUL, &w32);
	check_end();

	/* DEN0022: a core in a powerdown state is still ON. */
	check_begin("cpu-suspend-powerdown-affinity");
	if (w64.not_on + w32.not_on)
		check_fail(
			"AFFINITY_INFO(vCPU 1) said %ld (%s) %d times while it was suspended or resuming, expected ON",
			w64.not_on ? w64.last_bad : w32.last_bad,
			psci_err_name(w64.not_on ? w64.last_bad : w32.last_bad),
			w64.not_on + w32.not_on);
	if (!w64.resumed || !w32.resumed)
		check_fail("no powerdown to watch (see cpu-suspend-powerdown)");
	else if (!w64.in_sleep || !w32.in_sleep)
		check_fail(
			"no AFFINITY_INFO read fell inside the suspend (SMC64: %d, SMC32: %d reads)",
			w64.in_sleep, w32.in_sleep);
	check_end();
}

static void test_system_suspend_denied(void)
{
	u64 entry = (u64)bad_resume_entry;

	check_begin("system-suspend-denied");
	if (!cpu_on_ok && !cpu2_ok && !cpu3_ok) {
		check_fail("no secondary vCPU is known to be on");
		check_end();
		return;
	}
	expect_call(PSCI_SYSTEM_SUSPEND64, entry, 0x51, 0, PSCI_DENIED);
	expect_call(PSCI_SYSTEM_SUSPEND, entry, 0x52, 0, PSCI_DENIED);
	check_end();
}

static void test_bad_entry(void)
{
	u64 ram_end = dt.ram_base + dt.ram_size;
	u64 bad[] = { 0, (u64)secondary_entry + 2, ram_end, dt.ram_base - 4,
		      ram_end + 0x100000 };
	size_t i;

	check_begin("bad-entry");
	if (!cpu3_ok) {
		check_fail("needs vCPU 3 running (cpu-on-race)");
		check_end();
		return;
	}
	if (!cpu_off(3)) {
		check_end();
		return;
	}
	cpu3_ok = 0;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		s64 r = expect_call(PSCI_CPU_ON64, cpu_aff(3), bad[i], 0x77,
				    PSCI_INVALID_ADDRESS);

		if (r == PSCI_SUCCESS) {
			check_fail(
				"vCPU 3 is now running at 0x%lx, stopping here",
				bad[i]);
			break;
		}
	}
	if (i == ARRAY_SIZE(bad)) {
		s64 r = psci(PSCI_AFFINITY_INFO64, cpu_aff(3), 0, 0);

		if (r != AFF_OFF)
			check_fail(
				"AFFINITY_INFO(vCPU 3) = %ld after the refused CPU_ONs, expected OFF",
				r);
	}
	check_end();
}

/* ---- SYSTEM_SUSPEND with a real wake-up --------------------------------- */

/*
 * SYSTEM_SUSPEND that succeeds does not return: the vCPU sleeps until a
 * wake-up event, then restarts at the entry point with x0 = context_id
 * after a warm reset (EL1h, DAIF masked, MMU and caches off; general
 * registers, SP, VBAR_EL1 and CNTKCTL_EL1 lost). sys_suspend_call() saves
 * what the C caller needs (callee-saved registers, SP, VBAR_EL1,
 * CNTKCTL_EL1) and tail-calls smccc_call(fn, entry, ctx, 0). If the call
 * returns, so does sys_suspend_call(), with the PSCI result.
 * sys_resume_entry first records the state it was entered with in
 * sys_resume_rec (without touching a stack), then restores the saved SP
 * and registers and returns 0 to sys_suspend_call()'s caller as if the call
 * had returned; the caller tells the two cases apart by
 * sys_resume_rec.seen. RAM, and so the caller's stack frame, survives the
 * suspend. The sleep itself is bounded by a backstop timer (see
 * sys_suspend_once()), as long as lkvm wakes the vCPU at all.
 */
struct sys_resume_rec {
	u64 seen; /* times sys_resume_entry ran */
	u64 x0, pc, el, spsel, daif, sctlr, cntvct;
};

u64 sys_suspend_call(u64 fn, u64 entry, u64 ctx);
void sys_resume_entry(void);
extern struct sys_resume_rec sys_resume_rec;
extern u64 sys_suspend_save[16];

struct sys_resume_rec sys_resume_rec __attribute__((aligned(64)));
/* x19..x30, SP, VBAR_EL1, CNTKCTL_EL1 */
u64 sys_suspend_save[16] __attribute__((aligned(16)));

__asm__(".pushsection .text\n"
	".globl	sys_suspend_call\n"
	".type	sys_suspend_call, %function\n"
	".balign	16\n"
	"sys_suspend_call:\n"
	"	adrp	x9, sys_suspend_save\n"
	"	add	x9, x9, :lo12:sys_suspend_save\n"
	"	stp	x19, x20, [x9, #0]\n"
	"	stp	x21, x22, [x9, #16]\n"
	"	stp	x23, x24, [x9, #32]\n"
	"	stp	x25, x26, [x9, #48]\n"
	"	stp	x27, x28, [x9, #64]\n"
	"	stp	x29, x30, [x9, #80]\n"
	"	mov	x10, sp\n"
	"	mrs	x11, vbar_el1\n"
	"	stp	x10, x11, [x9, #96]\n"
	"	mrs	x10, cntkctl_el1\n"
	"	str	x10, [x9, #112]\n"
	"	dsb	sy\n"
	"	mov	x3, xzr\n"
	"	b	smccc_call\n"
	".size	sys_suspend_call, . - sys_suspend_call\n"
	"\n"
	".globl	sys_resume_entry\n"
	".type	sys_resume_entry, %function\n"
	".balign	64\n"
	"sys_resume_entry:\n"
	"	adr	x9, .\n"
	"	adrp	x10, sys_resume_rec\n"
	"	add	x10, x10, :lo12:sys_resume_rec\n"
	"	stp	x0, x9, [x10, #8]\n"
	"	mrs	x11, CurrentEL\n"
	"	mrs	x12, SPSel\n"
	"	stp	x11, x12, [x10, #24]\n"
	"	mrs	x11, daif\n"
	"	mrs	x12, sctlr_el1\n"
	"	stp	x11, x12, [x10, #40]\n"
	"	isb\n"
	"	mrs	x11, cntvct_el0\n"
	"	str	x11, [x10, #56]\n"
	"	ldr	x11, [x10]\n"
	"	add	x11, x11, #1\n"
	"	str	x11, [x10]\n"
	"	dsb	sy\n"
	"	adrp	x9, sys_suspend_save\n"
	"	add	x9, x9, :lo12:sys_suspend_save\n"
	"	ldp	x10, x11, [x9, #96]\n"
	"	mov	sp, x10\n"
	"	msr	vbar_el1, x11\n"
	"	ldr	x10, [x9, #112]\n"
	"	msr	cntkctl_el1, x10\n"
	"	isb\n"
	"	ldp	x19, x20, [x9, #0]\n"
	"	ldp	x21, x22, [x9, #16]\n"
	"	ldp	x23, x24, [x9, #32]\n"
	"	ldp	x25, x26, [x9, #48]\n"
	"	ldp	x27, x28, [x9, #64]\n"
	"	ldp	x29, x30, [x9, #80]\n"
	"	mov	x0, xzr\n"
	"	ret\n"
	".size	sys_resume_entry, . - sys_resume_entry\n"
	".popsection\n");

#define SYS_SUSPEND_MS 50 /* SYSTEM_SUSPEND wake-up timer */
#define PTIMER_INTID 30

/* Secondaries that were running before the SYSTEM_SUSPEND checks. */
static int sys_susp_was_on[MAX_CPUS];
static int sys_susp_others_off; /* every other vCPU confirmed OFF */

/*
 * SYSTEM_SUSPEND needs every other vCPU OFF: CPU_OFF the running
 * secondaries (through their mailbox) and confirm each with AFFINITY_INFO.
 * Reports through check_fail.
 */
static int sys_suspend_others_off(void)
{
	int i, ok = 1;

	for (i = 1; i < dt.nr_cpus; i++) {
		s64 r = psci(PSCI_AFFINITY_INFO64, cpu_aff(i), 0, 0);

		if (r == AFF_ON_PENDING)
			r = poll_affinity(i, AFF_ON, WAIT_MS);
		if (r == AFF_OFF)
			continue;
		if (r != AFF_ON) {
			check_fail("AFFINITY_INFO(vCPU %d) = %ld (%s)", i, r,
				   psci_err_name(r));
			ok = 0;
			continue;
		}
		sys_susp_was_on[i] = 1;
		if (!cpu_off(i))
			ok = 0;
	}
	for (i = 1; ok && i < dt.nr_cpus; i++) {
		s64 r = psci(PSCI_AFFINITY_INFO64, cpu_aff(i), 0, 0);

		if (r != AFF_OFF) {
			check_fail("vCPU %d still not OFF: AFFINITY_INFO = %ld",
				   i, r);
			ok = 0;
		}
	}
	return ok;
}

static void test_system_suspend_bad_entry(void)
{
	u64 entry = (u64)sys_resume_entry;
	u64 ram_end = dt.ram_base + dt.ram_size;
	const u64 bad[] = { 0, entry + 2, entry + 1, ram_end };
	size_t i;

	if (!check_begin_smp("system-suspend-bad-entry"))
		return;
	sys_susp_others_off = sys_suspend_others_off();
	if (!sys_susp_others_off) {
		check_fail("could not switch the other vCPUs off first");
		check_end();
		return;
	}
	/* A wrongly accepted entry would sleep with no wake-up armed, or
	 * resume at the bad address: either way no line after this one. */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		expect_call(PSCI_SYSTEM_SUSPEND64, bad[i], 0x5b, 0,
			    PSCI_INVALID_ADDRESS);
		expect_call(PSCI_SYSTEM_SUSPEND, bad[i], 0x5c, 0,
			    PSCI_INVALID_ADDRESS);
	}
	check_end();
}

static void gic_ppi_on(volatile u32 *sgi, u32 intid)
{
	u32 shift = (intid % 4) * 8, prio;

	sgi[0x80 / 4] |= 1U << intid; /* IGROUPR0: group 1 */
	prio = sgi[(0x400 + (intid & ~3U)) / 4];
	prio = (prio & ~(0xffU << shift)) | 0x80U << shift;
	sgi[(0x400 + (intid & ~3U)) / 4] = prio;
	sgi[0x100 / 4] = 1U << intid; /* ISENABLER0 */
	dsb();
}

/*
 * One SYSTEM_SUSPEND with the virtual timer armed for SYS_SUSPEND_MS and
 * PSTATE.I masked. The EL1 physical timer backs it up at WAIT_MS, so a
 * missed virtual timer wake-up still ends the sleep. 'who' labels the
 * failures; want_x0 is what x0 must hold at the entry point.
 */
static void sys_suspend_once(const char *who, u32 fn, u64 entry_arg,
			     u64 ctx_arg, u64 want_x0)
{
	u64 period = ms_to_ticks(SYS_SUSPEND_MS), t0, t1, seen, raw;
	volatile u32 *sgi;
	s64 r;

	sgi = gic_vtimer_on();
	if (!sgi) {
		check_fail("%s: no GIC redistributor with our affinity", who);
		return;
	}
	gic_ppi_on(sgi, PTIMER_INTID);
	__asm__ volatile("msr daifset, #2" ::: "memory");
	write_sysreg(0, cntv_ctl_el0);
	write_sysreg(0, cntp_ctl_el0);
	isb();
	write_sysreg(ms_to_ticks(WAIT_MS), cntp_tval_el0);
	write_sysreg(CNTV_CTL_ENABLE, cntp_ctl_el0); /* same layout */
	write_sysreg(period, cntv_tval_el0);
	t0 = counter();
	write_sysreg(CNTV_CTL_ENABLE, cntv_ctl_el0);
	isb();
	seen = READ_ONCE(sys_resume_rec.seen);
	dsb();
	raw = sys_suspend_call(fn, entry_arg, ctx_arg);
	r = psci_ret(fn, raw);
	t1 = counter();
	/* The warm reset of a resume stopped both timers; a call that
	 * returned left them armed. */
	write_sysreg(0, cntv_ctl_el0);
	write_sysreg(0, cntp_ctl_el0);
	isb();
	gic_vtimer_off(sgi);
	sgi[0x180 / 4] = 1U << PTIMER_INTID; /* ICENABLER0 */
	sgi[0x280 / 4] = 1U << PTIMER_INTID; /* ICPENDR0 */
	dsb();

	if (READ_ONCE(sys_resume_rec.seen) == seen) {
		if (raw == fn)
			check_fail(
				"%s: the call returned after %ld us with x0 still the function ID 0x%lx, instead of resuming at the entry point",
				who, ticks_to_us(t1 - t0), raw);
		else
			check_fail(
				"%s: the call returned %ld (%s) after %ld us instead of resuming at the entry point",
				who, r, psci_err_name(r), ticks_to_us(t1 - t0));
		return;
	}
	dmb();
	if (READ_ONCE(sys_resume_rec.seen) != seen + 1)
		check_fail("%s: the entry point ran %ld times", who,
			   READ_ONCE(sys_resume_rec.seen) - seen);
	if (sys_resume_rec.pc != (u64)sys_resume_entry)
		check_fail("%s: resumed at 0x%lx, expected 0x%lx", who,
			   sys_resume_rec.pc, (u64)sys_resume_entry);
	if (sys_resume_rec.x0 != want_x0)
		check_fail("%s: x0 = 0x%lx at the entry point, expected 0x%lx",
			   who, sys_resume_rec.x0, want_x0);
	if (sys_resume_rec.el != 1 << 2)
		check_fail("%s: resumed with CurrentEL 0x%lx, expected EL1",
			   who, sys_resume_rec.el);
	if (sys_resume_rec.spsel != 1)
		check_fail("%s: resumed with SPSel %ld, expected 1 (EL1h)", who,
			   sys_resume_rec.spsel);
	if (sys_resume_rec.daif != 0x3c0)
		check_fail("%s: resumed with DAIF 0x%lx, expected 0x3c0", who,
			   sys_resume_rec.daif);
	if (sys_resume_rec.sctlr & (SCTLR_M | SCTLR_C | SCTLR_I))
		check_fail("%s: resumed with SCTLR_EL1 0x%lx (M/C/I set)", who,
			   sys_resume_rec.sctlr);
	t1 = sys_resume_rec.cntvct;
	if (t1 - t0 < period / 4 * 3)
		check_fail(
			"%s: resumed after %ld us, the timer was armed for %ld us",
			who, ticks_to_us(t1 - t0), ticks_to_us(period));
	else if (t1 - t0 >= ms_to_ticks(WAIT_MS))
		check_fail(
			"%s: resumed only after %ld us, by the %d ms backstop timer: the %d ms virtual timer did not wake it",
			who, ticks_to_us(t1 - t0), WAIT_MS, SYS_SUSPEND_MS);
}

/*
 * CPU_ON the secondaries sys_suspend_others_off() switched off, so that
 * SYSTEM_RESET still meets running secondaries.
 */
static void sys_suspend_restart_others(void)
{
	int i;

	for (i = 1; i < dt.nr_cpus; i++) {
		u64 old = boots_of(i);
		s64 r;

		if (!sys_susp_was_on[i] ||
		    psci(PSCI_AFFINITY_INFO64, cpu_aff(i), 0, 0) != AFF_OFF)
			continue;
		r = expect_call(PSCI_CPU_ON64, cpu_aff(i), (u64)secondary_entry,
				0x5e55 + i, PSCI_SUCCESS);
		if (r != PSCI_SUCCESS)
			continue;
		if (!wait_boot(i, old, WAIT_MS))
			check_fail(
				"after the suspend: vCPU %d did not run again within %d ms of CPU_ON",
				i, WAIT_MS);
	}
}

static void test_system_suspend_resume(void)
{
	const u64 hi = 0xffffffff00000000UL;
	const u64 ctx64 = 0x5e5e5c0de4d00064UL;
	const u64 ctx32 = 0xfeedc0de5ead0032UL;
	u64 entry = (u64)sys_resume_entry;

	check_begin("system-suspend-resume");
	if (!sys_susp_others_off) {
		check_fail(
			"the other vCPUs are not all OFF (see system-suspend-bad-entry)");
		sys_suspend_restart_others();
		check_end();
		return;
	}
	gicd_enable();
	sys_suspend_once("SYSTEM_SUSPEND64", PSCI_SYSTEM_SUSPEND64, entry,
			 ctx64, ctx64);
	/* SMC32: both arguments are narrowed to 32 bits. */
	sys_suspend_once("SYSTEM_SUSPEND", PSCI_SYSTEM_SUSPEND, hi | entry,
			 ctx32, ctx32 & 0xffffffffUL);
	expect_call(PSCI_AFFINITY_INFO64, self_mpidr & MPIDR_HWID_MASK, 0, 0,
		    AFF_ON);
	sys_suspend_restart_others();
	check_end();
}

/*
 * Boot 1 resets while vCPUs 1 and 2 keep calling CPU_ON on vCPU 3, whose
 * entry never turns itself off: a CPU_ON that lands while the machine
 * resets must not start vCPU 3 again (a reboot would wait for it forever).
 * Boot 2 coming up, with vCPU 3 OFF, is the proof.
 */
static void start_cpu_on_storm(void)
{
	u64 seq;
	int i;

	if (!check_begin_smp("system-reset-cpu-on-storm"))
		return;
	if (psci(PSCI_AFFINITY_INFO64, cpu_aff(3), 0, 0) != AFF_OFF &&
	    !cpu_off(3)) {
		check_end();
		return;
	}
	for (i = 1; i <= 2; i++) {
		if (psci(PSCI_AFFINITY_INFO64, cpu_aff(i), 0, 0) != AFF_ON) {
			check_fail("vCPU %d is not on", i);
			continue;
		}
		seq = post(i, CMD_STORM, cpu_aff(3), (u64)secondary_entry, 0,
			   0);
		if (!wait_ready(i, seq, WAIT_MS))
			check_fail("vCPU %d did not take the command", i);
	}
	if (poll_affinity(3, AFF_ON, WAIT_MS) != AFF_ON)
		check_fail("vCPU 3 did not come on");
	check_end();
}

/* Boots 2 and 3: what SYSTEM_RESET (SYSTEM_RESET2) must have done. */
static void test_system_reset(const char *name, u64 el, u64 daif, u64 sctlr)
{
	int i;

	check_begin(name);
	if (READ_ONCE(reload_marker) != RELOAD_MARKER_ORIG)
		check_fail(
			"RAM not reloaded from the image: .data marker 0x%lx",
			READ_ONCE(reload_marker));
	if (el != 1 << 2)
		check_fail("restarted with CurrentEL 0x%lx", el);
	if (daif != 0x3c0)
		check_fail("restarted with DAIF 0x%lx", daif);
	if (sctlr & (SCTLR_M | SCTLR_C | SCTLR_I))
		check_fail("restarted with SCTLR_EL1 0x%lx (M/C/I set)", sctlr);
	for (i = 0; i < dt.nr_cpus; i++) {
		u64 aff = cpu_aff(i);

		if (aff == (self_mpidr & MPIDR_HWID_MASK))
			continue;
		expect_call(PSCI_AFFINITY_INFO64, aff, 0, 0, AFF_OFF);
	}
	check_end();
}

static void run_checks(void)
{
	test_dt_psci();
	test_version();
	test_features_all();
	test_smccc_version();
	test_migrate_info_type();
	test_not_supported_ids();
	test_sdei_ids();
	test_unknown_owner();
	test_legacy_kvm_psci_id();
	test_system_reset2_bad_type();
	test_bad_mpidr();
	test_cpu_on();
	test_cpu_on_smc32_narrowing();
	test_already_on();
	test_affinity_info();
	test_cpu_on_race();
	test_cpu_off_on();
	test_cpu_suspend_timer();
	test_cpu_suspend_bad_power_state();
	test_cpu_suspend_powerdown_bad_entry();
	test_cpu_suspend_powerdown();
	test_system_suspend_denied();
	test_bad_entry();
	test_system_suspend_bad_entry();
	test_system_suspend_resume();
}

/* Boot 2 ends here: a warm SYSTEM_RESET2 with vCPU 1 running. */
static void warm_reset(void)
{
	u64 old;
	s64 r;

	if (secondaries_ok) {
		old = boots_of(1);
		r = psci(PSCI_CPU_ON64, cpu_aff(1), (u64)secondary_entry, 0);
		if (r != PSCI_SUCCESS || !wait_boot(1, old, WAIT_MS))
			report("system-reset2-warm",
			       "vCPU 1 did not start before the reset: %ld", r);
	}
	WRITE_ONCE(reload_marker, RELOAD_MARKER_DIRTY);
	dsb();
	printk("GUEST-WARM-RESETTING\n");
	/* SYSTEM_WARM_RESET: W1 = 0, whatever the upper half of x1. */
	r = psci(PSCI_SYSTEM_RESET2_64, 0xffffffff00000000UL, 0, 0);
	printk("FAIL " PFX
	       "system-reset2-warm: SYSTEM_RESET2 returned %ld (%s)\n",
	       r, psci_err_name(r));
	system_off();
}

void primary_main(u64 dtb, u64 load_addr, u64 el, u64 daif, u64 sctlr)
{
	u32 boot_count;
	int i;

	enable_event_stream();
	self_mpidr = read_sysreg(mpidr_el1);
	if (dt_parse((void *)dtb, &dt)) {
		printk("FAIL " PFX "dtb: no valid device tree at x0 = 0x%lx\n",
		       dtb);
		system_off();
	}
	boot_count = dt.has_boot_count ? dt.boot_count : 1;
	if (!dt.ram_size) {
		dt.ram_base = RAM_BASE;
		dt.ram_size = 128UL << 20;
	}
	printk("GUEST-BOOT psci-" CONDUIT
	       " boot-count=%u%s cpus=%d ram=0x%lx+0x%lx mpidr=0x%lx dtb=0x%lx\n",
	       boot_count, dt.has_boot_count ? "" : " (no lkvm,boot-count)",
	       dt.nr_cpus, dt.ram_base, dt.ram_size, self_mpidr, dtb);
	if (load_addr != (u64)_head) {
		printk("FAIL " PFX
		       "load-address: running at 0x%lx, linked at 0x%lx\n",
		       load_addr, (u64)_head);
		system_off();
	}
	/* The checks name vCPUs by DT order; we must be the first. */
	secondaries_ok = dt.nr_cpus >= 4 && !dt.cpus_truncated &&
			 cpu_aff(0) == (self_mpidr & MPIDR_HWID_MASK);

	if (boot_count == 1) {
		run_checks();
		start_cpu_on_storm();
		WRITE_ONCE(reload_marker, RELOAD_MARKER_DIRTY);
		dsb();
		printk("GUEST-RESETTING\n");
		i = (int)psci(PSCI_SYSTEM_RESET, 0, 0, 0);
		printk("FAIL " PFX
		       "system-reset: SYSTEM_RESET returned %d (%s)\n",
		       i, psci_err_name(i));
		system_off();
	} else if (boot_count == 2) {
		test_system_reset("system-reset", el, daif, sctlr);
		warm_reset();
	} else if (boot_count == 3) {
		test_system_reset("system-reset2-warm", el, daif, sctlr);
	} else {
		report("system-reset", "unexpected lkvm,boot-count %u",
		       boot_count);
	}
	printk("GUEST-DONE\n");
	system_off();
}
