// SPDX-License-Identifier: GPL-2.0
/*
 * Reset storm guest for lkvm's endurance runs: every boot powers vCPU 1 on
 * (it keeps running, so the reset has a running vCPU to stop) and calls
 * SYSTEM_RESET, until the boot count (lkvm,boot-count in /chosen) reaches
 * storm=N from the command line; boot N calls SYSTEM_OFF.
 *
 * Every boot prints "STORM-BOOT n/N cpu1=on". Boots 1, 2 and N also print
 * "STORM-WAIT n" and wait for a key on the UART: the host looks at lkvm's
 * memory and file descriptors meanwhile, at the same point of each boot.
 * Anything wrong: a "STORM-ERROR ..." line, then SYSTEM_OFF.
 */
#include "guest.h"

#define UART_BASE 0x01000000UL
#define UART_RBR 0
#define UART_LSR 5
#define UART_LSR_DR 0x01

#define CPU1_WAIT_MS 10000
#define KEY_WAIT_MS 300000 /* the host may be slow to look */

static struct dt_info dt;
static u64 cpu1_up, cpu1_spins;

static void __attribute__((noreturn)) system_off(void)
{
	smccc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	printk("STORM-ERROR SYSTEM_OFF returned\n");
	for (;;)
		wfe();
}

/* N of "storm=N" on the command line, 0 if absent or not a number. */
static u32 storm_arg(const char *args)
{
	const char *p;
	u32 n = 0;

	for (p = args; p && *p; p++) {
		if (strncmp(p, "storm=", 6) || (p != args && p[-1] != ' '))
			continue;
		for (p += 6; *p >= '0' && *p <= '9' && n < 1000000; p++)
			n = n * 10 + (u32)(*p - '0');
		return *p == 0 || *p == ' ' ? n : 0;
	}
	return 0;
}

void secondary_main(u64 x0, u64 pc, u64 el, u64 spsel, u64 daif, u64 sctlr,
		    u64 idx)
{
	(void)x0, (void)pc, (void)el, (void)spsel, (void)daif, (void)sctlr;
	(void)idx;
	WRITE_ONCE(cpu1_up, 1);
	dsb();
	sev();
	/* Busy in the guest until the reset takes the vCPU away. */
	for (;;)
		WRITE_ONCE(cpu1_spins, READ_ONCE(cpu1_spins) + 1);
}

static int start_cpu1(void)
{
	u64 dl = deadline_ms(CPU1_WAIT_MS);
	s64 ret;

	ret = psci(PSCI_CPU_ON64, dt.cpu_mpidr[1], (u64)secondary_entry, 0);
	if (ret != PSCI_SUCCESS) {
		printk("STORM-ERROR CPU_ON of vCPU 1: %ld (%s)\n", ret,
		       psci_err_name(ret));
		return -1;
	}
	while (!READ_ONCE(cpu1_up) && !expired(dl))
		wfe();
	if (!READ_ONCE(cpu1_up)) {
		printk("STORM-ERROR vCPU 1 did not start\n");
		return -1;
	}
	return 0;
}

/* Stop until the host sends a byte (it looks at lkvm meanwhile). */
static void wait_key(u32 boot)
{
	volatile u8 *uart = (volatile u8 *)UART_BASE;
	u64 dl = deadline_ms(KEY_WAIT_MS);

	printk("STORM-WAIT %u\n", boot);
	while (!(uart[UART_LSR] & UART_LSR_DR) && !expired(dl))
		;
	if (!(uart[UART_LSR] & UART_LSR_DR))
		printk("STORM-ERROR no key from the host in %u s\n",
		       KEY_WAIT_MS / 1000);
	else
		(void)uart[UART_RBR];
}

void primary_main(u64 dtb, u64 load_addr, u64 el, u64 daif, u64 sctlr)
{
	u32 boot, total;

	(void)load_addr, (void)el, (void)daif, (void)sctlr;
	dt_parse((const void *)dtb, &dt);
	enable_event_stream();
	boot = dt.has_boot_count ? dt.boot_count : 0;
	total = storm_arg(dt.bootargs);
	if (!dt.valid || !boot || !total || dt.nr_cpus < 2) {
		printk("STORM-ERROR DT valid %d, boot-count %u, storm=%u, %d CPUs (wants storm=N and 2 vCPUs)\n",
		       dt.valid, boot, total, dt.nr_cpus);
		system_off();
	}
	if (start_cpu1())
		system_off();
	printk("STORM-BOOT %u/%u cpu1=on\n", boot, total);
	if (boot == 1 || boot == 2 || boot == total)
		wait_key(boot);
	if (boot < total) {
		smccc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
		printk("STORM-ERROR SYSTEM_RESET returned\n");
	} else {
		printk("STORM-DONE %u\n", boot);
	}
	system_off();
}

void bad_resume(u64 x0)
{
	printk("STORM-ERROR bad resume entry, x0=0x%lx\n", x0);
}

void exception_report(u64 vec, u64 esr, u64 elr, u64 far, u64 spsr)
{
	printk("STORM-ERROR exception: vector %lu ESR 0x%lx ELR 0x%lx FAR 0x%lx SPSR 0x%lx MPIDR 0x%lx\n",
	       vec, esr, elr, far, spsr, read_sysreg(mpidr_el1));
	system_off();
}
