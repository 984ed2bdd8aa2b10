// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm benchmark guest: times SMCCC/PSCI round trips, a userspace MMIO
 * exit and CPU power transitions with the virtual counter, from inside the
 * guest. Runs on the freestanding test-guest runtime (tests/guest: head.S,
 * lib.c) with at least 2 vCPUs; vCPU 0 measures, vCPU 1 is the CPU_ON
 * target (entry in entry.S).
 *
 * Output, one line per figure (times in ns, from CNTVCT_EL0/CNTFRQ_EL0):
 *   BENCH-INFO cntfrq=<Hz> cpus=<n> ...
 *   BENCH name=<metric> n=<samples> mean_ns= min_ns= median_ns= p99_ns=
 *         max_ns= [ret=<first result>] [odd=<results unlike the first>]
 *   BENCH-DONE
 * Metrics: round trips (vCPU 1 off) psci_version, mmio_read,
 * affinity_info_off, psci_unknown_id, smccc_sip; (vCPU 1 spinning)
 * affinity_info_busy, mmio_read_busy, psci_version_busy,
 * cpu_on_already_on (CPU_ON of the running vCPU 1); CPU power
 * cpu_on (CPU_ON call to vCPU 1's first instruction), cpu_on_call (the
 * caller's CPU_ON round trip), cpu_off (vCPU 1's stamp before CPU_OFF to
 * vCPU 0's AFFINITY_INFO returning OFF).
 * then PSCI SYSTEM_OFF. Problems: "BENCH-ERROR <text>" (then SYSTEM_OFF).
 * The guest cannot tell --psci user from --psci kernel; the host adds it.
 *
 * MMU off: every data access is Device-nGnRnE, so only aligned plain
 * loads and stores, ordered with barriers (no exclusives, no atomics).
 */
#include "guest.h"

#ifndef BENCH_N
#define BENCH_N 2000 /* samples per round-trip metric */
#endif
#ifndef BENCH_CYCLES
#define BENCH_CYCLES 100 /* CPU_ON / CPU_OFF cycles */
#endif
#define BENCH_WARMUP 50 /* untimed calls before each metric */
#define BENCH_ROUNDS 10 /* metrics of a group take turns, N/ROUNDS each */
#define SETTLE_US 20000 /* between power cycles: let an off vCPU park */
#define WAIT_MS 20000 /* any single wait (the test host is slow) */

#define UART_LSR_ADDR 0x01000005UL
#define PSCI_UNKNOWN_ID PSCI_FN(0x1f) /* unassigned PSCI ID */
#define SIP_ID 0x82000000u /* SiP service call: KVM answers it itself */

#define NS_PER_S 1000000000UL

void primary_main(u64 dtb, u64 load_addr, u64 el, u64 daif, u64 sctlr);
void secondary_main(u64 x0, u64 pc, u64 el, u64 spsel, u64 daif, u64 sctlr,
		    u64 idx);
void bad_resume(u64 x0);
void exception_report(u64 vec, u64 esr, u64 elr, u64 far, u64 spsr);
void bench_secondary(void *ctx);

/* entry.S */
void bench_on_entry(void);
u64 bench_cpu_off(u64 *stamp);

/* ---- the measured vCPU ---------------------------------------------------- */

/* CPU_ON context of vCPU 1. Offsets 0 and 8 are used by entry.S. */
struct sec_ctx {
	u64 on_ts; /* CNTVCT at its first instruction (vCPU 1) */
	u64 stack_top; /* (vCPU 0) */
	u64 off_ts; /* CNTVCT just before its CPU_OFF HVC (vCPU 1) */
	u64 returned; /* CPU_OFF came back: 1, result in off_ret (vCPU 1) */
	u64 off_ret;
	u64 go; /* vCPU 0: stop spinning and CPU_OFF */
} __attribute__((aligned(64)));

static struct sec_ctx sec;
static u8 sec_stack[STACK_SIZE] __attribute__((aligned(16)));

static struct dt_info dt;
static u64 freq;
static u64 target; /* vCPU 1's affinity */

static void __attribute__((noreturn)) system_off(void)
{
	smccc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	printk("BENCH-ERROR SYSTEM_OFF returned\n");
	for (;;)
		wfe();
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bench_fail(const char *fmt, ...)
{
	char buf[256];
	struct strbuf sb = { buf, 0, sizeof(buf) };
	va_list ap;

	buf[0] = 0;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	printk("BENCH-ERROR %s\n", buf);
	system_off();
}

/* Runs on vCPU 1 after bench_on_entry: spin until told, then CPU_OFF. */
void bench_secondary(void *ctx)
{
	struct sec_ctx *c = ctx;
	u64 r;

	while (!READ_ONCE(c->go))
		;
	dmb();
	r = bench_cpu_off(&c->off_ts);
	WRITE_ONCE(c->off_ret, r);
	dmb();
	WRITE_ONCE(c->returned, 1);
	dsb();
	for (;;)
		wfe();
}

/* ---- timed primitives ------------------------------------------------------ */

/* One HVC; *t0 is read just before it, *t1 just after it returns. */
static inline u64 hvc_timed(u32 fn, u64 a1, u64 a2, u64 a3, u64 *t0, u64 *t1)
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;
	u64 s, e;

	__asm__ volatile("isb\n\t"
			 "mrs	%[s], cntvct_el0\n\t"
			 "hvc	#0\n\t"
			 "isb\n\t"
			 "mrs	%[e], cntvct_el0"
			 : [s] "=&r"(s), [e] "=&r"(e), "+r"(x0), "+r"(x1),
			   "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
			   "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	*t0 = s;
	*t1 = e;
	return x0;
}

/* One 1-byte MMIO read (a plain LDRB, so the abort syndrome is valid). */
static inline u64 mmio_timed(u64 addr, u64 *t0, u64 *t1)
{
	u64 s, e, v;

	__asm__ volatile("isb\n\t"
			 "mrs	%[s], cntvct_el0\n\t"
			 "ldrb	%w[v], [%[a]]\n\t"
			 "isb\n\t"
			 "mrs	%[e], cntvct_el0"
			 : [s] "=&r"(s), [e] "=&r"(e), [v] "=&r"(v)
			 : [a] "r"(addr)
			 : "memory");
	*t0 = s;
	*t1 = e;
	return v;
}

/* ---- statistics ------------------------------------------------------------ */

static u64 ticks_to_ns(u64 t)
{
	return t / freq * NS_PER_S + (t % freq) * NS_PER_S / freq;
}

static void sift_down(u64 *a, u64 root, u64 n)
{
	for (;;) {
		u64 child = 2 * root + 1, tmp;

		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		tmp = a[root];
		a[root] = a[child];
		a[child] = tmp;
		root = child;
	}
}

static void sort_u64(u64 *a, u64 n)
{
	u64 i, tmp;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (i = n - 1; i > 0; i--) {
		tmp = a[0];
		a[0] = a[i];
		a[i] = tmp;
		sift_down(a, 0, i);
	}
}

/* Prints one BENCH line for n samples (ticks); sorts them. */
static void report(const char *name, u64 *s, u64 n, const char *extra)
{
	u64 sum = 0, med, i;

	if (!n) {
		printk("BENCH-ERROR %s: no samples\n", name);
		return;
	}
	for (i = 0; i < n; i++)
		sum += s[i];
	sort_u64(s, n);
	med = (n & 1) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	printk("BENCH name=%s n=%lu mean_ns=%lu min_ns=%lu median_ns=%lu p99_ns=%lu max_ns=%lu%s\n",
	       name, n, ticks_to_ns(sum) / n, ticks_to_ns(s[0]),
	       ticks_to_ns(med), ticks_to_ns(s[(n * 99) / 100]),
	       ticks_to_ns(s[n - 1]), extra ? extra : "");
}

/* ---- round trips ------------------------------------------------------------- */

enum kind { HVC, MMIO };

struct metric {
	const char *name;
	enum kind kind;
	u32 fn;
	u64 a1, a2, a3;
	u64 n;
	u64 first; /* the first result */
	u64 odd; /* results unlike the first */
	u64 *s; /* BENCH_N samples (ticks) */
};

/* Sample storage for the metrics of one group. */
#define MAX_GROUP 6
static u64 pool[MAX_GROUP][BENCH_N];

static u64 sample(struct metric *m, u64 *ret)
{
	u64 t0, t1;

	if (m->kind == MMIO)
		*ret = mmio_timed(UART_LSR_ADDR, &t0, &t1);
	else
		*ret = hvc_timed(m->fn, m->a1, m->a2, m->a3, &t0, &t1);
	return t1 - t0;
}

/*
 * Measures a group of metrics under the same conditions: warm-up, then
 * BENCH_ROUNDS rounds in which each metric takes BENCH_N / BENCH_ROUNDS
 * samples in turn, so slow drifts of the (emulated) machine hit all alike.
 */
static void run_group(struct metric **ms, int nr)
{
	u64 per = BENCH_N / BENCH_ROUNDS, ret, r, i;
	int k;

	if (nr > MAX_GROUP)
		bench_fail("a group of %d metrics, at most %d", nr, MAX_GROUP);
	for (k = 0; k < nr; k++) {
		ms[k]->s = pool[k];
		ms[k]->n = 0;
		ms[k]->odd = 0;
		sample(ms[k], &ms[k]->first);
		for (i = 1; i < BENCH_WARMUP; i++)
			sample(ms[k], &ret);
	}
	for (r = 0; r < BENCH_ROUNDS; r++) {
		for (k = 0; k < nr; k++) {
			struct metric *m = ms[k];

			for (i = 0; i < per; i++) {
				m->s[m->n++] = sample(m, &ret);
				if (ret != m->first)
					m->odd++;
			}
		}
	}
	for (k = 0; k < nr; k++) {
		struct metric *m = ms[k];
		char extra[64];
		struct strbuf sb = { extra, 0, sizeof(extra) };

		extra[0] = 0;
		sb_printf(&sb, " ret=%ld odd=%lu",
			  m->kind == MMIO ? (s64)m->first :
					    psci_ret(m->fn, m->first),
			  m->odd);
		report(m->name, m->s, m->n, extra);
	}
}

#define HVC_METRIC(var, nm, id) \
	static struct metric var = { .name = nm, .kind = HVC, .fn = id }
#define MMIO_METRIC(var, nm) \
	static struct metric var = { .name = nm, .kind = MMIO }

HVC_METRIC(m_version, "psci_version", PSCI_VERSION);
MMIO_METRIC(m_mmio, "mmio_read");
HVC_METRIC(m_aff_off, "affinity_info_off", PSCI_AFFINITY_INFO64);
HVC_METRIC(m_unknown, "psci_unknown_id", PSCI_UNKNOWN_ID);
HVC_METRIC(m_sip, "smccc_sip", SIP_ID);
HVC_METRIC(m_aff_busy, "affinity_info_busy", PSCI_AFFINITY_INFO64);
MMIO_METRIC(m_mmio_busy, "mmio_read_busy");
HVC_METRIC(m_version_busy, "psci_version_busy", PSCI_VERSION);
/* CPU_ON of the running vCPU 1: the whole CPU_ON path up to the power
 * table (arguments, entry check, endianness), ALREADY_ON, no wake-up. */
HVC_METRIC(m_on_already, "cpu_on_already_on", PSCI_CPU_ON64);

/* ---- CPU power ---------------------------------------------------------------- */

static u64 on_lat[BENCH_CYCLES], off_lat[BENCH_CYCLES];
static u64 call_lat[BENCH_CYCLES];

/* CPU_ON vCPU 1 at bench_on_entry; returns CPU_ON-to-first-instruction
 * in ticks once it runs. *call: the CPU_ON round trip seen by the caller. */
static u64 sec_on(u64 *call)
{
	u64 t0, t1, dl;
	s64 r;

	WRITE_ONCE(sec.on_ts, 0);
	WRITE_ONCE(sec.off_ts, 0);
	WRITE_ONCE(sec.returned, 0);
	WRITE_ONCE(sec.go, 0);
	WRITE_ONCE(sec.stack_top, (u64)sec_stack + sizeof(sec_stack));
	dsb();
	r = psci_ret(PSCI_CPU_ON64,
		     hvc_timed(PSCI_CPU_ON64, target, (u64)bench_on_entry,
			       (u64)&sec, &t0, &t1));
	if (r != PSCI_SUCCESS)
		bench_fail("CPU_ON(vCPU 1) = %ld (%s)", r, psci_err_name(r));
	*call = t1 - t0;
	dl = deadline_ms(WAIT_MS);
	while (!READ_ONCE(sec.on_ts)) {
		if (expired(dl))
			bench_fail("vCPU 1 did not run within %d ms of CPU_ON",
				   WAIT_MS);
	}
	dmb();
	return READ_ONCE(sec.on_ts) - t0;
}

/* Tells vCPU 1 to CPU_OFF itself and polls AFFINITY_INFO until it reads
 * OFF; returns the ticks from its stamp to the poll that saw OFF returning.
 * *polls: AFFINITY_INFO calls made. */
static u64 sec_off(u64 *polls)
{
	u64 t0, t1, dl = deadline_ms(WAIT_MS), n = 0, stamp;
	s64 r;

	WRITE_ONCE(sec.go, 1);
	dsb();
	for (;;) {
		r = psci_ret(PSCI_AFFINITY_INFO64,
			     hvc_timed(PSCI_AFFINITY_INFO64, target, 0, 0, &t0,
				       &t1));
		n++;
		if (r == AFF_OFF)
			break;
		if (READ_ONCE(sec.returned))
			bench_fail("CPU_OFF on vCPU 1 returned %ld (%s)",
				   (s64)READ_ONCE(sec.off_ret),
				   psci_err_name((s64)READ_ONCE(sec.off_ret)));
		if (r != AFF_ON && r != AFF_ON_PENDING)
			bench_fail("AFFINITY_INFO(vCPU 1) = %ld (%s)", r,
				   psci_err_name(r));
		if (expired(dl))
			bench_fail(
				"vCPU 1 not OFF %d ms after it was told to CPU_OFF",
				WAIT_MS);
	}
	dmb();
	stamp = READ_ONCE(sec.off_ts);
	if (!stamp || stamp > t1)
		bench_fail("vCPU 1's CPU_OFF stamp is 0x%lx, OFF seen at 0x%lx",
			   stamp, t1);
	*polls = n;
	return t1 - stamp;
}

static void power_cycles(void)
{
	u64 i, polls, total_polls = 0;
	char extra[64];
	struct strbuf sb = { extra, 0, sizeof(extra) };

	for (i = 0; i < BENCH_CYCLES; i++) {
		delay_us(SETTLE_US);
		on_lat[i] = sec_on(&call_lat[i]);
		off_lat[i] = sec_off(&polls);
		total_polls += polls;
	}
	report("cpu_on", on_lat, BENCH_CYCLES, NULL);
	report("cpu_on_call", call_lat, BENCH_CYCLES, NULL);
	extra[0] = 0;
	sb_printf(&sb, " polls_mean=%lu.%02lu", total_polls / BENCH_CYCLES,
		  total_polls * 100 / BENCH_CYCLES % 100);
	report("cpu_off", off_lat, BENCH_CYCLES, extra);
}

/* ---- entry points ------------------------------------------------------------- */

void primary_main(u64 dtb, u64 load_addr, u64 el, u64 daif, u64 sctlr)
{
	struct metric *idle[] = { &m_version, &m_mmio, &m_aff_off, &m_unknown,
				  &m_sip };
	struct metric *busy[] = { &m_aff_busy, &m_mmio_busy, &m_version_busy,
				  &m_on_already };
	u64 polls, call;
	int i;

	(void)el;
	(void)daif;
	(void)sctlr;
	freq = counter_freq();
	if (dt_parse((void *)dtb, &dt))
		bench_fail("no valid device tree at x0 = 0x%lx", dtb);
	if (load_addr != (u64)_head)
		bench_fail("running at 0x%lx, linked at 0x%lx", load_addr,
			   (u64)_head);
	if (dt.nr_cpus < 2 || dt.cpus_truncated)
		bench_fail("needs 2 to %d vCPUs, the DT has %d", MAX_CPUS,
			   dt.nr_cpus);
	if ((dt.cpu_mpidr[0] & MPIDR_HWID_MASK) !=
	    (read_sysreg(mpidr_el1) & MPIDR_HWID_MASK))
		bench_fail("the boot vCPU is not the first in the DT");
	target = dt.cpu_mpidr[1] & MPIDR_HWID_MASK;
	printk("BENCH-INFO cntfrq=%lu cpus=%d n=%d cycles=%d rounds=%d warmup=%d\n",
	       freq, dt.nr_cpus, BENCH_N, BENCH_CYCLES, BENCH_ROUNDS,
	       BENCH_WARMUP);

	/* vCPU 1 off. */
	m_aff_off.a1 = target;
	run_group(idle, ARRAY_SIZE(idle));

	/* vCPU 1 spinning in the guest. */
	m_aff_busy.a1 = target;
	m_on_already.a1 = target;
	m_on_already.a2 = (u64)bench_on_entry;
	m_on_already.a3 = (u64)&sec;
	sec_on(&call);
	run_group(busy, ARRAY_SIZE(busy));
	sec_off(&polls);

	power_cycles();

	for (i = 2; i < dt.nr_cpus; i++)
		if (psci(PSCI_AFFINITY_INFO64,
			 dt.cpu_mpidr[i] & MPIDR_HWID_MASK, 0, 0) != AFF_OFF)
			printk("BENCH-WARN vCPU %d is not OFF\n", i);
	printk("BENCH-DONE\n");
	system_off();
}

/* head.S's CPU_ON entry; this guest powers vCPUs on at bench_on_entry. */
void secondary_main(u64 x0, u64 pc, u64 el, u64 spsel, u64 daif, u64 sctlr,
		    u64 idx)
{
	(void)x0;
	(void)pc;
	(void)el;
	(void)spsel;
	(void)daif;
	(void)sctlr;
	(void)idx;
	smccc_call(PSCI_CPU_OFF, 0, 0, 0);
	for (;;)
		wfe();
}

void bad_resume(u64 x0)
{
	bench_fail("resumed at the CPU_SUSPEND entry point (x0=0x%lx)", x0);
}

void exception_report(u64 vec, u64 esr, u64 elr, u64 far, u64 spsr)
{
	bench_fail(
		"exception on MPIDR 0x%lx: ESR=0x%lx ELR=0x%lx FAR=0x%lx SPSR=0x%lx vector=0x%lx",
		read_sysreg(mpidr_el1), esr, elr, far, spsr, vec * 0x80);
}
