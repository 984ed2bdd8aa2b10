// SPDX-License-Identifier: GPL-2.0
/*
 * Reboot-in-place guest for lkvm: does SYSTEM_RESET reset the machine, not
 * only the vCPUs? With 2 vCPUs, GICv3 or GICv2 (from the DT).
 *
 * Boot 1 reads the power-on state of the interrupt controller and the UART
 * (before it prints anything), then leaves it all dirty: on each vCPU an
 * SGI acknowledged and never EOIed (as Linux's stopped CPUs leave
 * IPI_CPU_STOP), other interrupts pending, enabled, active, with other
 * priorities, groups and trigger modes, a changed CPU interface (PMR, BPR,
 * group enables, EOImode, running priority); on the UART loopback, DLAB,
 * IER, FCR and SCR set, host input and looped-back bytes in the RX FIFO,
 * host input queued behind it, and its interrupt line raised. Then
 * SYSTEM_RESET. Boot 2 (lkvm,boot-count in /chosen) reads the same state
 * again first thing and checks it against reset values; both boots print
 * digests of what they read, which the host compares. Then SYSTEM_OFF.
 *
 * Results: "PASS reset-gicvN/<check>" or "FAIL reset-gicvN/<check>: why".
 */
#include "guest.h"

#define WAIT_MS 10000 /* any single wait; the test host is slow */
#define INPUT_WAIT_MS 60000 /* for the host's keys */

#define GICD_BASE 0x3fff0000UL
#define GICC_BASE 0x3ffd0000UL /* GICv2 */
#define GICR_STRIDE 0x20000UL
#define GICR_SGI 0x10000UL

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ISPENDR 0x200
#define GICD_ISACTIVER 0x300
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICD_SGIR 0xf00
#define GICD_SPENDSGIR 0xf20
#define GICD_IROUTER 0x6000
#define GICR_CTLR 0x000
#define GICR_TYPER 0x008
#define GICR_WAKER 0x014
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_RPR 0x14
#define GICC_HPPIR 0x18
#define GICC_ABPR 0x1c
#define GICC_APR0 0xd0

#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_IAR0_EL1 S3_0_C12_C8_0
#define ICC_HPPIR0_EL1 S3_0_C12_C8_2
#define ICC_BPR0_EL1 S3_0_C12_C8_3
#define ICC_AP0R0_EL1 S3_0_C12_C8_4
#define ICC_AP1R0_EL1 S3_0_C12_C9_0
#define ICC_RPR_EL1 S3_0_C12_C11_3
#define ICC_SGI1R_EL1 S3_0_C12_C11_5
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_HPPIR1_EL1 S3_0_C12_C12_2
#define ICC_BPR1_EL1 S3_0_C12_C12_3
#define ICC_CTLR_EL1 S3_0_C12_C12_4
#define ICC_IGRPEN0_EL1 S3_0_C12_C12_6
#define ICC_CTLR_EOIMODE (1UL << 1)
#define ICC_CTLR_CBPR (1UL << 0)

#define UART_BASE 0x01000000UL
#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define UART_LCR_DLAB 0x80
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR 0x01

/* The SGI each vCPU acknowledges and leaves active, and its priority. */
#define STUCK_SGI 1
#define STUCK_PRIO 0x80
/* Sent after it, lower priority: stays pending behind it. */
#define BLOCKED_SGI 2
#define UART_INTID 32

#define MAX_SPI_WORDS 32 /* up to 1024 interrupts */

/* ---- what a vCPU reads ------------------------------------------------ */

/* One register as read, with its name for the FAIL line. */
struct reg {
	const char *name;
	u64 val;
};

#define MAX_REGS 320

struct view {
	struct reg r[MAX_REGS];
	int n;
};

static void put(struct view *v, const char *name, u64 val)
{
	if (v->n < MAX_REGS)
		v->r[v->n++] = (struct reg){ name, val };
}

static u64 get(const struct view *v, const char *name)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->r[i].name, name))
			return v->r[i].val;
	return ~0UL;
}

/* FNV-1a over the values: equal views, equal digests. */
static u32 digest(const struct view *v)
{
	u32 h = 2166136261u;
	int i, b;

	for (i = 0; i < v->n; i++)
		for (b = 0; b < 64; b += 8) {
			h ^= (u8)(v->r[i].val >> b);
			h *= 16777619u;
		}
	return h;
}

/* Per vCPU: its private interrupts and its CPU interface. */
struct cpu_report {
	u64 seq; /* written last */
	struct view priv, cpuif;
	u64 damage_ok;
	char damage_why[160];
} __attribute__((aligned(64)));

static struct cpu_report reports[2];
static u64 go_damage; /* vCPU 0 -> vCPU 1 */

static struct dt_info dt;
static int gic3;
static int boot;
static const char *pfx;

static volatile u32 *reg32(u64 base, u64 off)
{
	return (volatile u32 *)(base + off);
}

static u32 rd32(u64 base, u64 off)
{
	return *reg32(base, off);
}

static void wr32(u64 base, u64 off, u32 val)
{
	*reg32(base, off) = val;
	dsb();
}

static u8 uart_rd(unsigned int reg)
{
	return *(volatile u8 *)(UART_BASE + reg);
}

static void uart_wr(unsigned int reg, u8 val)
{
	*(volatile u8 *)(UART_BASE + reg) = val;
	dsb();
}

/* This vCPU's redistributor (GICv3), found by its affinity. */
static u64 my_gicr(void)
{
	u64 mpidr = read_sysreg(mpidr_el1);
	u32 want = (u32)((mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24);
	u64 base = GICD_BASE - (u64)dt.nr_cpus * GICR_STRIDE;
	int i;

	for (i = 0; i < dt.nr_cpus; i++) {
		u64 rd = base + i * GICR_STRIDE;

		if (rd32(rd, GICR_TYPER + 4) == want)
			return rd;
	}
	return 0;
}

static unsigned int nr_irqs(void)
{
	unsigned int n = ((rd32(GICD_BASE, GICD_TYPER) & 0x1f) + 1) * 32;

	return n > MAX_SPI_WORDS * 32 ? MAX_SPI_WORDS * 32 : n;
}

/* Register names for words of per-interrupt registers. */
static const char *const prio_names[] = {
	"IPRIORITYR0", "IPRIORITYR1", "IPRIORITYR2", "IPRIORITYR3",
	"IPRIORITYR4", "IPRIORITYR5", "IPRIORITYR6", "IPRIORITYR7",
};
static const char *const target_names[] = {
	"ITARGETSR0", "ITARGETSR1", "ITARGETSR2", "ITARGETSR3",
	"ITARGETSR4", "ITARGETSR5", "ITARGETSR6", "ITARGETSR7",
};
static const char *const sgipend_names[] = {
	"SPENDSGIR0",
	"SPENDSGIR1",
	"SPENDSGIR2",
	"SPENDSGIR3",
};

/* SGIs and PPIs: at base (GICv3 SGI frame, or the banked GICv2 GICD). */
static void read_private(struct view *v, u64 base)
{
	int i;

	v->n = 0;
	if (gic3) {
		u64 rd = base - GICR_SGI;

		put(v, "GICR_CTLR", rd32(rd, GICR_CTLR));
		put(v, "GICR_WAKER", rd32(rd, GICR_WAKER));
	}
	put(v, "IGROUPR0", rd32(base, GICD_IGROUPR));
	put(v, "ISENABLER0", rd32(base, GICD_ISENABLER));
	put(v, "ISPENDR0", rd32(base, GICD_ISPENDR));
	put(v, "ISACTIVER0", rd32(base, GICD_ISACTIVER));
	for (i = 0; i < 8; i++)
		put(v, prio_names[i], rd32(base, GICD_IPRIORITYR + 4 * i));
	put(v, "ICFGR0", rd32(base, GICD_ICFGR));
	put(v, "ICFGR1", rd32(base, GICD_ICFGR + 4));
	if (!gic3) {
		for (i = 0; i < 8; i++)
			put(v, target_names[i],
			    rd32(base, GICD_ITARGETSR + 4 * i));
		for (i = 0; i < 4; i++)
			put(v, sgipend_names[i],
			    rd32(base, GICD_SPENDSGIR + 4 * i));
	}
}

/* The CPU interface, without acknowledging anything. */
static void read_cpuif(struct view *v)
{
	v->n = 0;
	if (gic3) {
		put(v, "ICC_SRE_EL1", read_sysreg(ICC_SRE_EL1));
		put(v, "ICC_CTLR_EL1", read_sysreg(ICC_CTLR_EL1));
		put(v, "ICC_PMR_EL1", read_sysreg(ICC_PMR_EL1));
		put(v, "ICC_BPR0_EL1", read_sysreg(ICC_BPR0_EL1));
		put(v, "ICC_BPR1_EL1", read_sysreg(ICC_BPR1_EL1));
		put(v, "ICC_IGRPEN0_EL1", read_sysreg(ICC_IGRPEN0_EL1));
		put(v, "ICC_IGRPEN1_EL1", read_sysreg(ICC_IGRPEN1_EL1));
		put(v, "ICC_RPR_EL1", read_sysreg(ICC_RPR_EL1));
		put(v, "ICC_AP0R0_EL1", read_sysreg(ICC_AP0R0_EL1));
		put(v, "ICC_AP1R0_EL1", read_sysreg(ICC_AP1R0_EL1));
		put(v, "ICC_HPPIR0_EL1", read_sysreg(ICC_HPPIR0_EL1));
		put(v, "ICC_HPPIR1_EL1", read_sysreg(ICC_HPPIR1_EL1));
	} else {
		put(v, "GICC_CTLR", rd32(GICC_BASE, GICC_CTLR));
		put(v, "GICC_PMR", rd32(GICC_BASE, GICC_PMR));
		put(v, "GICC_BPR", rd32(GICC_BASE, GICC_BPR));
		put(v, "GICC_ABPR", rd32(GICC_BASE, GICC_ABPR));
		put(v, "GICC_RPR", rd32(GICC_BASE, GICC_RPR));
		put(v, "GICC_HPPIR", rd32(GICC_BASE, GICC_HPPIR));
		put(v, "GICC_APR0", rd32(GICC_BASE, GICC_APR0));
	}
}

static const char *const spi_names[][MAX_SPI_WORDS] = {
#define W(r)                                                                   \
	{                                                                      \
		r "1", r "2", r "3", r "4", r "5", r "6", r "7", r "8", r "9", \
			r "10", r "11", r "12", r "13", r "14", r "15",        \
			r "16", r "17", r "18", r "19", r "20", r "21",        \
			r "22", r "23", r "24", r "25", r "26", r "27",        \
			r "28", r "29", r "30", r "31"                         \
	}
	W("GICD_IGROUPR"),
	W("GICD_ISENABLER"),
	W("GICD_ISPENDR"),
	W("GICD_ISACTIVER"),
#undef W
};

/* The distributor's shared part: SPIs. Reported as digests per kind. */
static void read_dist(struct view *v)
{
	static const u32 bitregs[] = { GICD_IGROUPR, GICD_ISENABLER,
				       GICD_ISPENDR, GICD_ISACTIVER };
	unsigned int n = nr_irqs(), i, k;

	v->n = 0;
	put(v, "GICD_CTLR", rd32(GICD_BASE, GICD_CTLR));
	put(v, "GICD_TYPER", rd32(GICD_BASE, GICD_TYPER));
	for (k = 0; k < ARRAY_SIZE(bitregs); k++)
		for (i = 1; i < n / 32; i++)
			put(v, spi_names[k][i - 1],
			    rd32(GICD_BASE, bitregs[k] + 4 * i));
	for (i = 8; i < n / 4; i++)
		put(v, "GICD_IPRIORITYR(SPI)",
		    rd32(GICD_BASE, GICD_IPRIORITYR + 4 * i));
	for (i = 2; i < n / 16; i++)
		put(v, "GICD_ICFGR(SPI)", rd32(GICD_BASE, GICD_ICFGR + 4 * i));
	for (i = 32; i < n; i++) {
		if (gic3)
			put(v, "GICD_IROUTER",
			    rd32(GICD_BASE, GICD_IROUTER + 8 * i));
		else if (!(i % 4))
			put(v, "GICD_ITARGETSR(SPI)",
			    rd32(GICD_BASE, GICD_ITARGETSR + i));
	}
}

/* The UART, leaving it as it was (the reads that clear do it the same
 * way on each boot). */
static void read_uart(struct view *v)
{
	u8 lcr = uart_rd(UART_LCR);

	v->n = 0;
	put(v, "LCR", lcr);
	uart_wr(UART_LCR, lcr | UART_LCR_DLAB);
	put(v, "DLL", uart_rd(UART_DLL));
	put(v, "DLM", uart_rd(UART_DLM));
	uart_wr(UART_LCR, lcr & ~UART_LCR_DLAB);
	put(v, "IER", uart_rd(UART_IER));
	put(v, "IIR", uart_rd(UART_IIR));
	uart_wr(UART_LCR, lcr);
	put(v, "MCR", uart_rd(UART_MCR));
	put(v, "LSR", uart_rd(UART_LSR));
	put(v, "MSR", uart_rd(UART_MSR));
	put(v, "SCR", uart_rd(UART_SCR));
}

/* ---- checks -------------------------------------------------------------- */

static char why[1024];
static struct strbuf why_sb;
static int failed;

static void check_begin(void)
{
	why[0] = 0;
	why_sb = (struct strbuf){ why, 0, sizeof(why) };
	failed = 0;
}

static void __attribute__((format(printf, 1, 2)))
check_fail(const char *fmt, ...)
{
	va_list ap;

	if (failed)
		sb_printf(&why_sb, "; ");
	failed = 1;
	va_start(ap, fmt);
	sb_vprintf(&why_sb, fmt, ap);
	va_end(ap);
}

/* One result line: "<pfx>/<name>". */
static void check_report(const char *name)
{
	if (failed)
		printk("FAIL %s/%s: %s\n", pfx, name, why);
	else
		printk("PASS %s/%s\n", pfx, name);
}

/* The same for a check of the state read: "<pfx>/<when>/<name>". */
static void check_end(const char *name)
{
	char full[64];
	struct strbuf sb = { full, 0, sizeof(full) };

	full[0] = 0;
	sb_printf(&sb, "%s/%s", boot == 1 ? "power-on" : "after-reset", name);
	check_report(full);
}

/* name == want, under mask. */
static void expect(const struct view *v, const char *name, u64 mask, u64 want)
{
	u64 got = get(v, name);

	if ((got & mask) != want)
		check_fail("%s is 0x%lx, reset value 0x%lx", name, got & mask,
			   want);
}

/* Every register whose name starts with prefix reads 0 under mask. */
static void expect_zero(const struct view *v, const char *prefix)
{
	size_t n = strlen(prefix);
	int i;

	for (i = 0; i < v->n; i++)
		if (!strncmp(v->r[i].name, prefix, n) && v->r[i].val)
			check_fail("%s is 0x%lx, reset value 0", v->r[i].name,
				   v->r[i].val);
}

static void check_private(int cpu, const struct view *v)
{
	static char name[32];
	struct strbuf sb = { name, 0, sizeof(name) };

	name[0] = 0;
	sb_printf(&sb, "cpu%d-%s", cpu, gic3 ? "redist" : "banked-dist");
	check_begin();
	/* Nothing pending or active: no leftover IPI. */
	expect_zero(v, "ISPENDR0");
	expect_zero(v, "ISACTIVER0");
	expect_zero(v, "SPENDSGIR");
	check_end(name);
}

static void check_cpuif(int cpu, const struct view *v)
{
	static char name[32];
	struct strbuf sb = { name, 0, sizeof(name) };

	name[0] = 0;
	sb_printf(&sb, "cpu%d-cpuif", cpu);
	check_begin();
	if (gic3) {
		expect(v, "ICC_PMR_EL1", 0xff, 0);
		expect(v, "ICC_IGRPEN0_EL1", 1, 0);
		expect(v, "ICC_IGRPEN1_EL1", 1, 0);
		expect(v, "ICC_CTLR_EL1", ICC_CTLR_EOIMODE | ICC_CTLR_CBPR, 0);
		/* Idle running priority: no active priority left. */
		expect(v, "ICC_RPR_EL1", 0xff, 0xff);
		expect(v, "ICC_AP0R0_EL1", ~0UL, 0);
		expect(v, "ICC_AP1R0_EL1", ~0UL, 0);
	} else {
		expect(v, "GICC_CTLR", ~0UL, 0);
		expect(v, "GICC_PMR", 0xff, 0);
		expect(v, "GICC_RPR", 0xff, 0xff);
		expect(v, "GICC_APR0", ~0UL, 0);
	}
	check_end(name);
}

static void check_dist(const struct view *v)
{
	check_begin();
	expect(v, "GICD_CTLR", 3, 0); /* both groups disabled */
	expect_zero(v, "GICD_ISPENDR");
	expect_zero(v, "GICD_ISACTIVER");
	if (get(v, "GICD_ISPENDR1") & 1)
		check_fail("the UART's interrupt (SPI 32) is pending");
	check_end("dist");
}

static void check_uart(const struct view *v)
{
	check_begin();
	expect(v, "LCR", 0xff, 0x00);
	expect(v, "IER", 0xff, 0x00);
	expect(v, "IIR", 0xff, 0x01);
	expect(v, "MCR", 0xff, 0x00);
	expect(v, "LSR", 0xff, 0x60); /* empty FIFO, no overrun */
	expect(v, "MSR", 0xff, 0xb0);
	expect(v, "SCR", 0xff, 0x00);
	check_end("uart");
}

/*
 * The UART's line must be low in the vGIC, not just not latched: made
 * level-triggered, SPI 32 is pending exactly when the line is high.
 */
static void check_uart_line(void)
{
	u64 off = GICD_ICFGR + 4 * (UART_INTID / 16);

	wr32(GICD_BASE, off, rd32(GICD_BASE, off) & ~(2u << 0));
	check_begin();
	if (rd32(GICD_BASE, GICD_ISPENDR + 4) & 1)
		check_fail("the UART's interrupt line is still high");
	check_end("uart-irq-line");
}

/* ---- leaving it dirty ------------------------------------------------------ */

static void set_byte(u64 base, u64 off, unsigned int idx, u8 val)
{
	u64 w = off + (idx & ~3u);
	unsigned int sh = (idx & 3) * 8;

	wr32(base, w, (rd32(base, w) & ~(0xffu << sh)) | (u32)val << sh);
}

static void sgi_self(int sgi)
{
	u64 mpidr = read_sysreg(mpidr_el1);

	if (gic3) {
		u64 v = ((mpidr >> 32) & 0xff) << 48 |
			((mpidr >> 16) & 0xff) << 32 | (u64)sgi << 24 |
			((mpidr >> 8) & 0xff) << 16 | 1UL << (mpidr & 0xf);

		write_sysreg(v, ICC_SGI1R_EL1);
		isb();
	} else {
		wr32(GICD_BASE, GICD_SGIR, 2u << 24 | (u32)sgi); /* to self */
	}
}

static u64 hppir(void)
{
	if (gic3)
		return read_sysreg(ICC_HPPIR1_EL1) & 0xffffff;
	return rd32(GICC_BASE, GICC_HPPIR) & 0x3ff;
}

static u64 ack(void)
{
	if (gic3)
		return read_sysreg(ICC_IAR1_EL1) & 0xffffff;
	return rd32(GICC_BASE, GICC_IAR) & 0x3ff;
}

static u64 rpr(void)
{
	if (gic3)
		return read_sysreg(ICC_RPR_EL1) & 0xff;
	return rd32(GICC_BASE, GICC_RPR) & 0xff;
}

/*
 * This vCPU's SGIs/PPIs and CPU interface: changed configuration, an SGI
 * acknowledged and never EOIed, another one pending behind it. Interrupts
 * stay masked (PSTATE.I, F): nothing is ever taken. 0, or why not.
 */
static int damage_private(u64 base, struct strbuf *err)
{
	u64 dl, got;

	set_byte(base, GICD_IPRIORITYR, STUCK_SGI, STUCK_PRIO);
	set_byte(base, GICD_IPRIORITYR, BLOCKED_SGI, 0xc0);
	set_byte(base, GICD_IPRIORITYR, 3, 0x40);
	set_byte(base, GICD_IPRIORITYR, 20, 0x60);
	wr32(base, GICD_IGROUPR, rd32(base, GICD_IGROUPR) ^ (1u << 4));
	wr32(base, GICD_ICFGR + 4, rd32(base, GICD_ICFGR + 4) ^ (2u << 8));
	/* SGIs come enabled; these two stay out of the acknowledge below. */
	wr32(base, GICD_ICENABLER, 1u << 6 | 1u << 7);
	wr32(base, GICD_ISENABLER,
	     1u << STUCK_SGI | 1u << BLOCKED_SGI | 1u << 20);
	wr32(base, GICD_ISPENDR, 1u << 21);
	wr32(base, GICD_ISACTIVER, 1u << 22);
	if (gic3) {
		write_sysreg(read_sysreg(ICC_CTLR_EL1) | ICC_CTLR_EOIMODE,
			     ICC_CTLR_EL1);
		write_sysreg(3, ICC_BPR0_EL1);
		write_sysreg(4, ICC_BPR1_EL1);
		write_sysreg(0xf0, ICC_PMR_EL1);
		write_sysreg(1, ICC_IGRPEN0_EL1);
		write_sysreg(1, ICC_IGRPEN1_EL1);
		isb();
	} else {
		set_byte(base, GICD_SPENDSGIR, 7, 1); /* SGI 7 from CPU 0 */
		wr32(GICC_BASE, GICC_BPR, 3);
		wr32(GICC_BASE, GICC_ABPR, 4);
		wr32(GICC_BASE, GICC_PMR, 0xf0);
		wr32(GICC_BASE, GICC_CTLR, 0x203); /* both groups, EOImode */
	}

	sgi_self(STUCK_SGI);
	dl = deadline_ms(WAIT_MS);
	while ((got = hppir()) != STUCK_SGI && !expired(dl))
		;
	if (got != STUCK_SGI) {
		sb_printf(err, "SGI %d never pending (HPPIR 0x%lx)", STUCK_SGI,
			  got);
		return -1;
	}
	got = ack();
	if (got != STUCK_SGI) {
		sb_printf(err, "acknowledged INTID %lu, not SGI %d", got,
			  STUCK_SGI);
		return -1;
	}
	sgi_self(BLOCKED_SGI);
	if (gic3) {
		write_sysreg(0xe0, ICC_PMR_EL1);
		isb();
	} else {
		wr32(GICC_BASE, GICC_PMR, 0xe0);
	}
	got = rpr();
	if (got != STUCK_PRIO) {
		sb_printf(err, "running priority 0x%lx after the ack", got);
		return -1;
	}
	return 0;
}

/* Shared: the distributor's SPIs, and the UART's SPI enabled. */
static void damage_dist(void)
{
	u64 b = GICD_BASE;

	wr32(b, GICD_CTLR, rd32(b, GICD_CTLR) | 3);
	wr32(b, GICD_IGROUPR + 4, rd32(b, GICD_IGROUPR + 4) ^ (1u << 5));
	wr32(b, GICD_ICFGR + 8, rd32(b, GICD_ICFGR + 8) ^ (2u << 2));
	set_byte(b, GICD_IPRIORITYR, 40, 0x20);
	if (gic3 && dt.nr_cpus > 1) {
		u64 m = dt.cpu_mpidr[1];

		wr32(b, GICD_IROUTER + 8 * 41, (u32)(m & 0xffffff));
	} else if (!gic3) {
		set_byte(b, GICD_ITARGETSR, 41, 0x02);
		set_byte(b, GICD_ITARGETSR, UART_INTID, 0x01);
	}
	/* SPI 32 (UART), 33, 34 enabled; 45 pending; 46 active. */
	wr32(b, GICD_ISENABLER + 4, 1u << 0 | 1u << 1 | 1u << 2);
	wr32(b, GICD_ISPENDR + 4, 1u << 13);
	wr32(b, GICD_ISACTIVER + 4, 1u << 14);
}

/*
 * The UART, last: after this the console is gone. Host input in the FIFO
 * and more queued behind it in lkvm (the host sends it when asked), then
 * loopback (which disconnects the host side), looped-back bytes, the
 * received-data interrupt raised, and the divisor latch left open.
 */
static void damage_uart(void)
{
	u64 dl = deadline_ms(INPUT_WAIT_MS);
	int i, got_input;

	printk("GUEST-WANTS-INPUT\n");
	while (!(uart_rd(UART_LSR) & UART_LSR_DR) && !expired(dl))
		;
	got_input = uart_rd(UART_LSR) & UART_LSR_DR;
	/* Let lkvm queue what did not fit. */
	delay_us(200000);
	check_begin();
	if (!got_input)
		check_fail("no host input within %d s", INPUT_WAIT_MS / 1000);
	check_report("host-input");
	printk("GUEST-RESETTING\n");

	uart_wr(UART_FCR, 0xc1);
	uart_wr(UART_MCR, UART_MCR_LOOP | 0x0b);
	for (i = 0; i < 8; i++)
		uart_rd(UART_RBR); /* room for the looped-back bytes */
	uart_wr(UART_THR, 'x');
	uart_wr(UART_THR, 'y');
	uart_wr(UART_THR, 'z');
	uart_wr(UART_IER, 0x05);
	uart_wr(UART_SCR, 0x5a);
	uart_wr(UART_LCR, UART_LCR_DLAB | 0x03);
	uart_wr(UART_DLL, 0x01);
	uart_wr(UART_DLM, 0x00);
}

/* ---- vCPU 1 -------------------------------------------------------------- */

static u64 private_base(void)
{
	return gic3 ? my_gicr() + GICR_SGI : GICD_BASE;
}

void secondary_main(u64 x0, u64 pc, u64 el, u64 spsel, u64 daif, u64 sctlr,
		    u64 idx)
{
	struct cpu_report *r = &reports[1];
	struct strbuf err = { r->damage_why, 0, sizeof(r->damage_why) };
	u64 base = private_base();

	(void)x0, (void)pc, (void)el, (void)spsel, (void)daif, (void)sctlr;
	(void)idx;
	enable_event_stream();
	read_private(&r->priv, base);
	read_cpuif(&r->cpuif);
	dmb();
	WRITE_ONCE(r->seq, 1);
	if (boot == 1) {
		while (!READ_ONCE(go_damage))
			wfe();
		r->damage_why[0] = 0;
		r->damage_ok = base && !damage_private(base, &err);
		dmb();
		WRITE_ONCE(r->seq, 2);
	}
	for (;;)
		wfe();
}

static int wait_report(u64 seq)
{
	u64 dl = deadline_ms(WAIT_MS);

	while (READ_ONCE(reports[1].seq) < seq && !expired(dl))
		wfe();
	dmb();
	return READ_ONCE(reports[1].seq) >= seq;
}

/* ---- vCPU 0 -------------------------------------------------------------- */

static void __attribute__((noreturn)) system_off(void)
{
	u64 r = smccc_call(PSCI_SYSTEM_OFF, 0, 0, 0);

	printk("FAIL %s/system-off: SYSTEM_OFF returned 0x%lx\n", pfx, r);
	for (;;)
		wfe();
}

static struct view v_dist, v_uart, v_priv, v_cpuif;

static void print_state(void)
{
	printk("GUEST-STATE boot=%d dist=%08x uart=%08x cpu0-private=%08x cpu0-cpuif=%08x cpu1-private=%08x cpu1-cpuif=%08x\n",
	       boot, digest(&v_dist), digest(&v_uart), digest(&v_priv),
	       digest(&v_cpuif), digest(&reports[1].priv),
	       digest(&reports[1].cpuif));
}

/* vCPU 1 on, reading its own state (and, on boot 1, waiting to go on). */
static int start_cpu1(void)
{
	s64 ret;

	if (dt.nr_cpus < 2) {
		printk("FAIL %s/cpu1: needs 2 vCPUs, the DTB lists %d\n", pfx,
		       dt.nr_cpus);
		return -1;
	}
	ret = psci(PSCI_CPU_ON64, dt.cpu_mpidr[1], (u64)secondary_entry, 0);
	if (ret != PSCI_SUCCESS || !wait_report(1)) {
		printk("FAIL %s/cpu1: CPU_ON %ld (%s), or no report\n", pfx,
		       ret, psci_err_name(ret));
		return -1;
	}
	return 0;
}

static void report_views(int cpu1)
{
	check_private(0, &v_priv);
	check_cpuif(0, &v_cpuif);
	if (cpu1) {
		check_private(1, &reports[1].priv);
		check_cpuif(1, &reports[1].cpuif);
	}
	check_dist(&v_dist);
	check_uart(&v_uart);
	print_state();
}

static void boot1(int cpu1)
{
	char buf[160];
	struct strbuf err = { buf, 0, sizeof(buf) };
	u64 base = private_base();
	int ok;

	check_uart_line();
	damage_dist();
	buf[0] = 0;
	ok = base && !damage_private(base, &err);
	if (cpu1) {
		WRITE_ONCE(go_damage, 1);
		dsb();
		sev();
		if (!wait_report(2)) {
			ok = 0;
			sb_printf(&err, "; vCPU 1 did not finish");
		} else if (!reports[1].damage_ok) {
			ok = 0;
			sb_printf(&err, "; vCPU 1: %s", reports[1].damage_why);
		}
	}
	printk("%s %s/dirty-state%s%s\n", ok ? "PASS" : "FAIL", pfx,
	       ok ? "" : ": ", ok ? "" : buf);
	damage_uart();
	smccc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
	/* Still here: make the console usable to say so. */
	uart_wr(UART_LCR, 0);
	uart_wr(UART_MCR, 0);
	printk("FAIL %s/system-reset: SYSTEM_RESET returned\n", pfx);
	system_off();
}

void primary_main(u64 dtb, u64 load_addr, u64 el, u64 daif, u64 sctlr)
{
	int cpu1;

	(void)load_addr, (void)el, (void)daif, (void)sctlr;
	dt_parse((const void *)dtb, &dt);
	gic3 = dt.gic_compat && !strcmp(dt.gic_compat, "arm,gic-v3");
	pfx = gic3 ? "reset-gicv3" : "reset-gicv2";
	boot = dt.has_boot_count ? (int)dt.boot_count : 0;
	enable_event_stream();

	/* First thing, before a byte is printed: the state as found. */
	read_dist(&v_dist);
	read_uart(&v_uart);
	read_private(&v_priv, private_base());
	read_cpuif(&v_cpuif);

	/* A reset that kept loopback or DLAB would hide everything below. */
	uart_wr(UART_LCR, (u8)get(&v_uart, "LCR") & ~UART_LCR_DLAB);
	uart_wr(UART_MCR, (u8)get(&v_uart, "MCR") & ~UART_MCR_LOOP);

	printk("GUEST-BOOT reset boot-count=%d gic=%s cpus=%d\n", boot,
	       gic3 ? "v3" : "v2", dt.nr_cpus);
	if (!dt.valid || !dt.has_boot_count || boot < 1 || boot > 2 ||
	    !dt.gic_compat) {
		printk("FAIL %s/dtb: valid %d, boot-count %d (%d), GIC %s\n",
		       pfx, dt.valid, dt.has_boot_count, boot,
		       dt.gic_compat ? dt.gic_compat : "(none)");
		system_off();
	}
	if (gic3 && !my_gicr())
		printk("FAIL %s/redist: no redistributor with our affinity\n",
		       pfx);

	cpu1 = !start_cpu1();
	report_views(cpu1);
	if (boot == 1)
		boot1(cpu1);
	check_uart_line();
	printk("GUEST-DONE\n");
	system_off();
}

void bad_resume(u64 x0)
{
	printk("FAIL %s/bad-resume: entry point reached with x0=0x%lx\n", pfx,
	       x0);
}

void exception_report(u64 vec, u64 esr, u64 elr, u64 far, u64 spsr)
{
	printk("FAIL %s/exception: vector %lu ESR 0x%lx ELR 0x%lx FAR 0x%lx SPSR 0x%lx MPIDR 0x%lx\n",
	       pfx, vec, esr, elr, far, spsr, read_sysreg(mpidr_el1));
	system_off();
}
