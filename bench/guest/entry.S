/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark guest: the CPU_ON entry point of the measured secondary, the
 * stamped CPU_OFF, and a small exception vector table for it.
 *
 * The CPU_ON context (x0) is the address of a struct sec_ctx (bench.c):
 *   [x0 + 0]  on_ts      CNTVCT at the first instruction (written here)
 *   [x0 + 8]  stack_top  the stack this vCPU runs C code on
 */
#include "guest.h"

	.text
	.globl	bench_on_entry
	.balign	64
bench_on_entry:
	mrs	x1, cntvct_el0		/* first thing: when did we start? */
	str	x1, [x0]
	dmb	sy
	ldr	x2, [x0, #8]
	mov	sp, x2
	adrp	x3, bench_vectors
	add	x3, x3, :lo12:bench_vectors
	msr	vbar_el1, x3
	isb
	bl	bench_secondary
1:	wfe
	b	1b

/*
 * u64 bench_cpu_off(u64 *stamp): stores CNTVCT in *stamp, then PSCI
 * CPU_OFF. Returns (the PSCI error) only if CPU_OFF failed.
 */
	.globl	bench_cpu_off
bench_cpu_off:
	isb
	mrs	x1, cntvct_el0
	str	x1, [x0]
	dsb	sy
	mov	x0, #0x0002
	movk	x0, #0x8400, lsl #16	/* PSCI_CPU_OFF = 0x84000002 */
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
#ifdef CONDUIT_SMC
	smc	#0
#else
	hvc	#0
#endif
	ret

/* Any exception on the secondary: report it through bench.c. */
	.balign	2048
bench_vectors:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign	128
	mov	x0, #\n
	b	bench_exception
	.endr

bench_exception:
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	mrs	x4, spsr_el1
	bl	exception_report
1:	wfe
	b	1b
