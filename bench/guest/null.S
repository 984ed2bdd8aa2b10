/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The null guest: an arm64 Image whose boot vCPU calls PSCI SYSTEM_OFF at
 * once. bench/scenario.sh runs it to time lkvm's own startup (start to the
 * first KVM_RUN) without loading a real kernel.
 */
	.section .text.head, "ax"
	.globl	_head
_head:
	b	1f			/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	_image_size		/* image_size */
	.quad	0xa			/* flags: LE, 4K pages, anywhere in RAM */
	.quad	0			/* res2 */
	.quad	0			/* res3 */
	.quad	0			/* res4 */
	.long	0x644d5241		/* magic "ARM\x64" */
	.long	0			/* res5 */
1:	mov	x0, #0x0008
	movk	x0, #0x8400, lsl #16	/* PSCI_SYSTEM_OFF = 0x84000008 */
	hvc	#0
2:	wfi				/* only if SYSTEM_OFF failed */
	b	2b
