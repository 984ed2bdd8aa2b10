/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A flat binary guest: no arm64 Image header, as bare-metal programs made
 * for kvmtool are. lkvm loads it at RAM + 0x80000 and enters it there with
 * x0 = the DTB address. It prints one line on the UART,
 *     FLAT-GUEST x0=<x0> pc=<where it runs> dtb-magic=<first word at x0>
 * and powers off with PSCI SYSTEM_OFF (HVC). Nothing uses a stack.
 */
#define UART_BASE	0x01000000
#define RAM_BASE	0x80000000
#define PSCI_SYSTEM_OFF	0x84000008

	.text
	.globl	_start
_start:
	mov	x19, x0			/* the DTB, as lkvm passed it */
	adr	x20, _start		/* where we really run */
	mov	x21, #UART_BASE

	adr	x0, msg_x0
	bl	puts
	mov	x0, x19
	bl	puthex
	adr	x0, msg_pc
	bl	puts
	mov	x0, x20
	bl	puthex
	adr	x0, msg_magic
	bl	puts
	/* Read x0's first word only if it points into RAM, 4-byte aligned. */
	mov	x0, #0
	mov	x1, #RAM_BASE
	cmp	x19, x1
	b.lo	1f
	tst	x19, #3
	b.ne	1f
	ldr	w0, [x19]
	rev	w0, w0			/* the FDT header is big-endian */
1:	bl	puthex
	adr	x0, msg_end
	bl	puts

	mov	x0, #(PSCI_SYSTEM_OFF & 0xffff)
	movk	x0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
	hvc	#0
2:	wfe
	b	2b

/* puts(x0): the NUL-terminated string at x0. Leaf: x0, x1. */
puts:
	ldrb	w1, [x0], #1
	cbz	w1, 1f
	strb	w1, [x21]
	b	puts
1:	ret

/* puthex(x0): "0x" and 16 hex digits. Leaf: x0-x3. */
puthex:
	mov	w1, #'0'
	strb	w1, [x21]
	mov	w1, #'x'
	strb	w1, [x21]
	mov	x2, #60
1:	lsr	x1, x0, x2
	and	x1, x1, #0xf
	cmp	x1, #10
	add	x3, x1, #'0'
	add	x1, x1, #('a' - 10)
	csel	x1, x3, x1, lo
	strb	w1, [x21]
	subs	x2, x2, #4
	b.ge	1b
	ret

msg_x0:		.asciz	"FLAT-GUEST x0="
msg_pc:		.asciz	" pc="
msg_magic:	.asciz	" dtb-magic="
msg_end:	.asciz	"\r\n"
