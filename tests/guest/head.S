/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry points of the PSCI test guest: the arm64 Image header, the boot
 * vCPU entry, the CPU_ON entry for secondaries, the exception vectors and
 * the SMCCC call (HVC, or SMC when built with -DCONDUIT_SMC).
 */
#include "guest.h"

/* \rd = a small per-CPU index from MPIDR_EL1: Aff1 * 16 + Aff0, or
 * MAX_CPUS (a spare slot) when that is out of range. */
.macro	cpu_index, rd, tmp
	mrs	\rd, mpidr_el1
	ubfx	\tmp, \rd, #8, #8
	and	\rd, \rd, #0xff
	add	\rd, \rd, \tmp, lsl #4
	mov	\tmp, #MAX_CPUS
	cmp	\rd, \tmp
	csel	\rd, \tmp, \rd, hs
.endm

/* sp = top of \base[\idx], each \size bytes. */
.macro	set_stack, base, idx, size, tmp
	adrp	\tmp, \base
	add	\tmp, \tmp, :lo12:\base
	add	\idx, \idx, #1
	mov	x16, #\size
	madd	\tmp, \idx, x16, \tmp
	mov	sp, \tmp
.endm

.macro	set_vbar, tmp
	adrp	\tmp, vectors
	add	\tmp, \tmp, :lo12:vectors
	msr	vbar_el1, \tmp
	isb
.endm

	.section .text.head, "ax"
	.globl	_head
_head:
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	_image_size		/* image_size, BSS and stacks included */
	.quad	0xa			/* flags: LE, 4K pages, anywhere in RAM */
	.quad	0			/* res2 */
	.quad	0			/* res3 */
	.quad	0			/* res4 */
	.long	0x644d5241		/* magic "ARM\x64" */
	.long	0			/* res5 */

primary_entry:
	mov	x19, x0			/* DTB */
	adr	x20, _head		/* where we really run */
	mrs	x21, CurrentEL
	mrs	x22, daif
	mrs	x23, sctlr_el1
	/* Zero BSS: RAM may hold anything, e.g. after a reset. */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16
	b	1b
2:	cpu_index x9, x10
	set_stack stacks, x9, STACK_SIZE, x10
	set_vbar x10
	mov	x0, x19
	mov	x1, x20
	mov	x2, x21
	mov	x3, x22
	mov	x4, x23
	bl	primary_main
3:	wfe
	b	3b

	.text
/* CPU_ON entry: record the state PSCI handed us before touching it. */
	.globl	secondary_entry
	.balign	64
secondary_entry:
	adr	x20, .
	mov	x19, x0
	mrs	x21, CurrentEL
	mrs	x22, SPSel
	mrs	x23, daif
	mrs	x24, sctlr_el1
	cpu_index x25, x9
	mov	x9, x25
	set_stack stacks, x9, STACK_SIZE, x10
	set_vbar x10
	mov	x0, x19
	mov	x1, x20
	mov	x2, x21
	mov	x3, x22
	mov	x4, x23
	mov	x5, x24
	mov	x6, x25
	bl	secondary_main
1:	wfe
	b	1b

/* Entry point handed to CPU_SUSPEND: a standby suspend must never get
 * here. Report it from whichever CPU did. */
	.globl	bad_resume_entry
	.balign	64
bad_resume_entry:
	mov	x19, x0
	cpu_index x9, x10
	set_stack exc_stacks, x9, EXC_STACK_SIZE, x10
	set_vbar x10
	mov	x0, x19
	bl	bad_resume
1:	wfe
	b	1b

/* u64 smccc_call(u64 fn, u64 a1, u64 a2, u64 a3) */
	.globl	smccc_call
smccc_call:
#ifdef CONDUIT_SMC
	smc	#0
#else
	hvc	#0
#endif
	ret

/*
 * u64 powerdown_call(u64 fn, u64 power_state, u64 entry, u64 ctx): a
 * CPU_SUSPEND made with state that the reset of a powerdown resume must
 * undo: SPSel 0 (EL1t), PSTATE.D clear, SCTLR_EL1.I set. Nothing uses the
 * stack meanwhile. If the call returns, all three are put back.
 */
	.globl	powerdown_call
powerdown_call:
	stp	x19, x30, [sp, #-16]!
	mrs	x19, sctlr_el1
	orr	x9, x19, #(1 << 12)
	msr	sctlr_el1, x9
	isb
	msr	daifclr, #8
	msr	spsel, #0
#ifdef CONDUIT_SMC
	smc	#0
#else
	hvc	#0
#endif
	msr	spsel, #1
	msr	daifset, #8
	msr	sctlr_el1, x19
	isb
	ldp	x19, x30, [sp], #16
	ret

/* Any exception is a bug in the guest or in the VMM: report it. */
	.balign	2048
vectors:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign	128
	mov	x0, #\n
	b	exception_entry
	.endr

exception_entry:
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	mrs	x4, spsr_el1
	cpu_index x9, x10
	set_stack exc_stacks, x9, EXC_STACK_SIZE, x10
	bl	exception_report
1:	wfe
	b	1b

	.bss
	.balign	16
stacks:
	.skip	(MAX_CPUS + 1) * STACK_SIZE
	.balign	16
exc_stacks:
	.skip	(MAX_CPUS + 1) * EXC_STACK_SIZE
