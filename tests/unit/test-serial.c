// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/serial.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

/* What the model told the host; written under the model's lock. */
struct rec {
	uint8_t tx[512];
	size_t ntx;
	int levels[64];
	size_t nirq;
};

static void rec_tx(void *opaque, uint8_t byte)
{
	struct rec *r = opaque;

	if (r->ntx < sizeof(r->tx))
		r->tx[r->ntx] = byte;
	r->ntx++;
}

static void rec_irq(void *opaque, int level)
{
	struct rec *r = opaque;

	if (r->nirq < sizeof(r->levels) / sizeof(r->levels[0]))
		r->levels[r->nirq] = level;
	r->nirq++;
}

static const struct serial8250_ops rec_ops = {
	.tx = rec_tx,
	.irq = rec_irq,
};

static bool setup(struct test_ctx *t, struct serial8250 *s, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	if (serial8250__init(s, &rec_ops, r)) {
		CHECK(t, !"serial8250__init failed");
		return false;
	}
	return true;
}

static uint8_t rd(struct serial8250 *s, uint64_t off)
{
	uint8_t v = 0xee;

	serial8250__mmio(s, off, &v, 1, false);
	return v;
}

static void wr(struct serial8250 *s, uint64_t off, uint8_t v)
{
	serial8250__mmio(s, off, &v, 1, true);
}

static size_t feed(struct serial8250 *s, const char *str)
{
	return serial8250__receive(s, (const uint8_t *)str, strlen(str));
}

static void reset_values(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;

	if (!setup(t, &s, &r))
		return;
	CHECK_EQ(t, rd(&s, UART_IER), 0x00);
	CHECK_EQ(t, rd(&s, UART_IIR), 0x01);
	CHECK_EQ(t, rd(&s, UART_LCR), 0x00);
	CHECK_EQ(t, rd(&s, UART_MCR), 0x00);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x60);
	CHECK_EQ(t, rd(&s, UART_MSR), 0xb0);
	CHECK_EQ(t, rd(&s, UART_SCR), 0x00);
	CHECK_EQ(t, rd(&s, UART_RBR), 0x00);
	CHECK_EQ(t, serial8250__rx_room(&s), SERIAL8250_RX_FIFO_SIZE);
	CHECK_EQ(t, r.nirq, 0);
	CHECK_EQ(t, r.ntx, 0);
	serial8250__destroy(&s);
}

static void init_null_ops(struct test_ctx *t)
{
	struct serial8250 s;

	CHECK_EQ(t, serial8250__init(NULL, NULL, NULL), -EINVAL);
	CHECK_EQ(t, serial8250__init(&s, NULL, NULL), 0);
	/* No callbacks: TX goes nowhere, interrupts are not reported. */
	wr(&s, UART_IER, UART_IER_ETBEI);
	wr(&s, UART_THR, 'x');
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_THRI);
	serial8250__destroy(&s);
}

static void thr_tx_in_order(struct test_ctx *t)
{
	const char *msg = "Hello, guest\r\n";
	struct serial8250 s;
	struct rec r;
	size_t i;

	if (!setup(t, &s, &r))
		return;
	for (i = 0; msg[i]; i++) {
		wr(&s, UART_THR, (uint8_t)msg[i]);
		/* earlycon polls THRE before each byte. */
		CHECK_EQ(t, rd(&s, UART_LSR), 0x60);
	}
	CHECK_EQ(t, r.ntx, strlen(msg));
	CHECK(t, !memcmp(r.tx, msg, strlen(msg)));
	CHECK_EQ(t, rd(&s, UART_LSR) & UART_LSR_DR, 0);
	serial8250__destroy(&s);
}

static void divisor_latch(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;

	if (!setup(t, &s, &r))
		return;
	wr(&s, UART_IER, UART_IER_ERBFI | UART_IER_ELSI);
	wr(&s, UART_LCR, UART_LCR_DLAB | 0x03);
	wr(&s, UART_DLL, 0x01);
	wr(&s, UART_DLM, 0x02);
	CHECK_EQ(t, rd(&s, UART_DLL), 0x01);
	CHECK_EQ(t, rd(&s, UART_DLM), 0x02);
	CHECK_EQ(t, rd(&s, UART_LCR), 0x83);
	wr(&s, UART_LCR, 0x03);
	CHECK_EQ(t, rd(&s, UART_LCR), 0x03);
	/* The latch writes neither sent a byte nor touched IER. */
	CHECK_EQ(t, r.ntx, 0);
	CHECK_EQ(t, rd(&s, UART_IER), UART_IER_ERBFI | UART_IER_ELSI);
	wr(&s, UART_THR, 'z');
	CHECK_EQ(t, r.ntx, 1);
	wr(&s, UART_LCR, UART_LCR_DLAB | 0x03);
	CHECK_EQ(t, rd(&s, UART_DLL), 0x01);
	CHECK_EQ(t, rd(&s, UART_DLM), 0x02);
	/* LSR, MSR and SCR do not depend on DLAB. */
	CHECK_EQ(t, rd(&s, UART_LSR), 0x60);
	wr(&s, UART_SCR, 0x42);
	wr(&s, UART_LCR, 0x03);
	CHECK_EQ(t, rd(&s, UART_SCR), 0x42);
	serial8250__destroy(&s);
}

static void scratch(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;

	if (!setup(t, &s, &r))
		return;
	wr(&s, UART_SCR, 0x5a);
	CHECK_EQ(t, rd(&s, UART_SCR), 0x5a);
	wr(&s, UART_SCR, 0xa5);
	CHECK_EQ(t, rd(&s, UART_SCR), 0xa5);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x60);
	serial8250__destroy(&s);
}

static void rx_fifo(struct test_ctx *t)
{
	uint8_t buf[SERIAL8250_RX_FIFO_SIZE + 36];
	struct serial8250 s;
	struct rec r;
	size_t i;

	if (!setup(t, &s, &r))
		return;
	CHECK_EQ(t, feed(&s, "abc"), 3);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x61);
	CHECK_EQ(t, serial8250__rx_room(&s), SERIAL8250_RX_FIFO_SIZE - 3);
	CHECK_EQ(t, rd(&s, UART_RBR), 'a');
	CHECK_EQ(t, rd(&s, UART_RBR), 'b');
	CHECK_EQ(t, rd(&s, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	CHECK_EQ(t, rd(&s, UART_RBR), 'c');
	CHECK_EQ(t, rd(&s, UART_LSR), 0x60);

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	/* Partial acceptance, and rx_room agrees at every step. */
	CHECK_EQ(t, serial8250__receive(&s, buf, 10), 10);
	CHECK_EQ(t, serial8250__rx_room(&s), SERIAL8250_RX_FIFO_SIZE - 10);
	CHECK_EQ(t, serial8250__receive(&s, buf + 10, sizeof(buf) - 10),
		 SERIAL8250_RX_FIFO_SIZE - 10);
	CHECK_EQ(t, serial8250__rx_room(&s), 0);
	CHECK_EQ(t, serial8250__receive(&s, buf, 1), 0);
	CHECK_EQ(t, serial8250__wait_rx_room(&s, 5), 0);
	CHECK_EQ(t, rd(&s, UART_RBR), buf[0]);
	CHECK_EQ(t, serial8250__rx_room(&s), 1);
	CHECK_EQ(t, serial8250__wait_rx_room(&s, 5), 1);
	CHECK_EQ(t, serial8250__receive(&s, buf + SERIAL8250_RX_FIFO_SIZE, 5),
		 1);
	/* No overrun was reported: nothing was lost. */
	CHECK_EQ(t, rd(&s, UART_LSR), 0x61);
	for (i = 1; i <= SERIAL8250_RX_FIFO_SIZE; i++)
		CHECK_EQ(t, rd(&s, UART_RBR), buf[i]);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x60);
	CHECK_EQ(t, serial8250__receive(&s, buf, 0), 0);
	serial8250__destroy(&s);
}

static void iir_priority(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;
	int i;

	if (!setup(t, &s, &r))
		return;
	wr(&s, UART_IER, UART_IER_ERBFI | UART_IER_ETBEI | UART_IER_EDSSI);
	CHECK_EQ(t, feed(&s, "xy"), 2);
	/* A modem status change, via loopback, for the lowest priority. */
	wr(&s, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	for (i = 0; i < 2; i++) {
		/* RDA outranks THRE, and reading IIR does not clear THRE. */
		CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_RDI);
	}
	CHECK_EQ(t, rd(&s, UART_RBR), 'x');
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_RDI);
	CHECK_EQ(t, rd(&s, UART_RBR), 'y');
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_THRI);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_MSI);
	/* DSR stayed up (DTR loops back to it); CTS and DCD fell. */
	CHECK_EQ(t, rd(&s, UART_MSR),
		 UART_MSR_DSR | UART_MSR_DCTS | UART_MSR_DDCD);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_NO_INT);

	/* Line status (overrun in loopback) outranks everything. */
	wr(&s, UART_IER, 0x0f);
	for (i = 0; i <= SERIAL8250_RX_FIFO_SIZE; i++)
		wr(&s, UART_THR, (uint8_t)i);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_RLSI);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x63);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x61);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_RDI);
	serial8250__destroy(&s);
}

static void thre_pending(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;

	if (!setup(t, &s, &r))
		return;
	/* Enabled while THR is empty: pending. An IIR read clears it. */
	wr(&s, UART_IER, UART_IER_ETBEI);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_THRI);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_NO_INT);
	/* LSR still says THRE: the condition is gone, not the status. */
	CHECK_EQ(t, rd(&s, UART_LSR), 0x60);

	/*
	 * A THR write clears it, but the byte leaves at once and the empty
	 * THR raises it again: the driver's next TX interrupt.
	 */
	wr(&s, UART_THR, 'a');
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_THRI);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_NO_INT);

	/* With ETBEI off the condition is not reported. */
	wr(&s, UART_IER, 0);
	wr(&s, UART_THR, 'b');
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_NO_INT);
	CHECK_EQ(t, r.ntx, 2);
	serial8250__destroy(&s);
}

static void thre_etbei_rising(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;
	uint8_t iir1, iir2;

	if (!setup(t, &s, &r))
		return;
	/* Linux's serial8250_do_startup() THRE re-assertion test. */
	wr(&s, UART_IER, UART_IER_ETBEI);
	iir1 = rd(&s, UART_IIR);
	wr(&s, UART_IER, 0);
	wr(&s, UART_IER, UART_IER_ETBEI);
	iir2 = rd(&s, UART_IIR);
	wr(&s, UART_IER, 0);
	CHECK_EQ(t, iir1 & UART_IIR_NO_INT, 0);
	CHECK_EQ(t, iir2, UART_IIR_THRI);

	/* Rewriting ETBEI while already set is not a rising edge. */
	wr(&s, UART_IER, UART_IER_ETBEI);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_THRI);
	wr(&s, UART_IER, UART_IER_ETBEI | UART_IER_ERBFI);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_NO_INT);
	/* IER keeps only its four defined bits. */
	wr(&s, UART_IER, 0xff);
	CHECK_EQ(t, rd(&s, UART_IER), 0x0f);
	serial8250__destroy(&s);
}

static void irq_levels(struct test_ctx *t)
{
	static const int want[] = { 1, 0, 1, 0, 1, 0, 1, 0, 1, 0 };
	struct serial8250 s;
	struct rec r;
	size_t i;

	if (!setup(t, &s, &r))
		return;
	wr(&s, UART_IER, UART_IER_ERBFI); /* no data: no change */
	CHECK_EQ(t, r.nirq, 0);
	CHECK_EQ(t, feed(&s, "12"), 2); /* 1 */
	CHECK_EQ(t, feed(&s, "3"), 1); /* still 1: no call */
	CHECK_EQ(t, r.nirq, 1);
	rd(&s, UART_RBR);
	rd(&s, UART_RBR);
	rd(&s, UART_LSR);
	CHECK_EQ(t, r.nirq, 1);
	rd(&s, UART_RBR); /* 0 */
	CHECK_EQ(t, r.nirq, 2);

	wr(&s, UART_IER, UART_IER_ERBFI | UART_IER_ETBEI); /* 1 */
	rd(&s, UART_IIR); /* 0 */
	wr(&s, UART_THR, 'q'); /* 1, and no glitch through 0 */
	CHECK_EQ(t, r.nirq, 5);
	feed(&s, "4"); /* RDA on top of THRE: no change */
	rd(&s, UART_IIR); /* reports RDA: THRE stays */
	rd(&s, UART_RBR);
	CHECK_EQ(t, r.nirq, 5);
	rd(&s, UART_IIR); /* 0 */

	/* Disabling a pending source drops the line too. */
	feed(&s, "5"); /* 1 */
	wr(&s, UART_IER, 0); /* 0 */
	wr(&s, UART_IER, UART_IER_ERBFI); /* 1 */
	/* OUT2 does not gate the line. */
	wr(&s, UART_MCR, 0);
	CHECK_EQ(t, r.nirq, 9);
	wr(&s, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX); /* 0 */

	CHECK_EQ(t, r.nirq, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < r.nirq && i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ(t, r.levels[i], want[i]);
	serial8250__destroy(&s);
}

static void loopback(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;
	int i;

	if (!setup(t, &s, &r))
		return;
	wr(&s, UART_MCR, UART_MCR_LOOP);
	CHECK_EQ(t, rd(&s, UART_MCR), UART_MCR_LOOP);
	/* All inputs dropped from the connected state. */
	CHECK_EQ(t, rd(&s, UART_MSR),
		 UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	CHECK_EQ(t, rd(&s, UART_MSR), 0x00);

	wr(&s, UART_THR, 'L');
	CHECK_EQ(t, r.ntx, 0);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x61);
	CHECK_EQ(t, rd(&s, UART_RBR), 'L');
	CHECK_EQ(t, rd(&s, UART_LSR), 0x60);

	/* Host input is disconnected, and refused rather than dropped. */
	CHECK_EQ(t, serial8250__rx_room(&s), 0);
	CHECK_EQ(t, feed(&s, "no"), 0);

	wr(&s, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	CHECK_EQ(t, rd(&s, UART_MSR), UART_MSR_DSR | UART_MSR_DDSR);
	CHECK_EQ(t, rd(&s, UART_MSR), UART_MSR_DSR);
	wr(&s, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	CHECK_EQ(t, rd(&s, UART_MSR),
		 UART_MSR_CTS | UART_MSR_DCTS | UART_MSR_DDSR);
	wr(&s, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
	CHECK_EQ(t, rd(&s, UART_MSR), UART_MSR_RI | UART_MSR_DCTS);
	/* RI falling is the only RI edge reported. */
	wr(&s, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	CHECK_EQ(t, rd(&s, UART_MSR),
		 UART_MSR_DCD | UART_MSR_TERI | UART_MSR_DDCD);
	wr(&s, UART_MCR, 0xff);
	CHECK_EQ(t, rd(&s, UART_MCR), 0x1f);
	CHECK_EQ(t, rd(&s, UART_MSR) & 0xf0, 0xf0);

	/* The guest can overrun its own FIFO; that is reported. */
	for (i = 0; i <= SERIAL8250_RX_FIFO_SIZE; i++)
		wr(&s, UART_THR, (uint8_t)i);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x63);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x61);
	for (i = 0; i < SERIAL8250_RX_FIFO_SIZE; i++)
		CHECK_EQ(t, rd(&s, UART_RBR), i);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x60);

	/* Leaving loopback reconnects the terminal. */
	wr(&s, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	CHECK_EQ(t, rd(&s, UART_MSR) & 0xf0, 0xb0);
	CHECK_EQ(t, serial8250__rx_room(&s), SERIAL8250_RX_FIFO_SIZE);
	CHECK_EQ(t, feed(&s, "ok"), 2);
	wr(&s, UART_THR, '!');
	CHECK_EQ(t, r.ntx, 1);
	CHECK_EQ(t, r.tx[0], '!');
	serial8250__destroy(&s);
}

static void fcr_fifo(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;

	if (!setup(t, &s, &r))
		return;
	wr(&s, UART_FCR, UART_FCR_ENABLE);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_FIFO_EN | UART_IIR_NO_INT);
	wr(&s, UART_IER, UART_IER_ERBFI);
	CHECK_EQ(t, feed(&s, "abcd"), 4);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_FIFO_EN | UART_IIR_RDI);
	/* Clearing TX alone leaves RX alone. */
	wr(&s, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_TX);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x61);
	wr(&s, UART_FCR,
	   UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX | 0xc0);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x60);
	CHECK_EQ(t, serial8250__rx_room(&s), SERIAL8250_RX_FIFO_SIZE);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_FIFO_EN | UART_IIR_NO_INT);
	CHECK_EQ(t, rd(&s, UART_RBR), 0);
	/* The FIFO works after the clear. */
	CHECK_EQ(t, feed(&s, "e"), 1);
	CHECK_EQ(t, rd(&s, UART_RBR), 'e');
	wr(&s, UART_FCR, 0);
	CHECK_EQ(t, rd(&s, UART_IIR), UART_IIR_NO_INT);
	/* Writing FCR did not change LCR (they share no state). */
	CHECK_EQ(t, rd(&s, UART_LCR), 0);
	serial8250__destroy(&s);
}

static void odd_accesses(struct test_ctx *t)
{
	static const uint64_t offs[] = { 8, 9, 15, 16, 0x1000, UINT64_MAX };
	static const uint32_t lens[] = { 1, 2, 4, 8 };
	uint8_t buf[16];
	struct serial8250 s;
	struct rec r;
	size_t i, j, k;

	if (!setup(t, &s, &r))
		return;
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			memset(buf, 0xee, sizeof(buf));
			CHECK_EQ(t,
				 serial8250__mmio(&s, offs[i], buf, lens[j],
						  false),
				 0);
			for (k = 0; k < sizeof(buf); k++)
				CHECK_EQ(t, buf[k], k < lens[j] ? 0 : 0xee);
			memset(buf, 0x41, sizeof(buf));
			CHECK_EQ(t,
				 serial8250__mmio(&s, offs[i], buf, lens[j],
						  true),
				 0);
		}
	}
	CHECK_EQ(t, r.ntx, 0);
	CHECK_EQ(t, rd(&s, UART_SCR), 0);

	/* Bad lengths are refused without touching the buffer. */
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(t, serial8250__mmio(&s, UART_LSR, buf, 0, false), -EINVAL);
	CHECK_EQ(t, serial8250__mmio(&s, UART_LSR, buf, 9, false), -EINVAL);
	CHECK_EQ(t, serial8250__mmio(&s, UART_LSR, NULL, 1, false), -EINVAL);
	CHECK_EQ(t, serial8250__mmio(NULL, UART_LSR, buf, 1, false), -EINVAL);
	CHECK_EQ(t, buf[0], 0xee);

	/* Wide writes use the low byte; wide reads are zero-extended. */
	memcpy(buf, "\x44\x43\x42\x41\x40\x3f\x3e\x3d", 8);
	CHECK_EQ(t, serial8250__mmio(&s, UART_THR, buf, 4, true), 0);
	CHECK_EQ(t, serial8250__mmio(&s, UART_SCR, buf, 8, true), 0);
	CHECK_EQ(t, r.ntx, 1);
	CHECK_EQ(t, r.tx[0], 0x44);
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(t, serial8250__mmio(&s, UART_LSR, buf, 8, false), 0);
	CHECK_EQ(t, buf[0], 0x60);
	for (k = 1; k < sizeof(buf); k++)
		CHECK_EQ(t, buf[k], k < 8 ? 0 : 0xee);
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(t, serial8250__mmio(&s, UART_SCR, buf, 4, false), 0);
	CHECK_EQ(t, buf[0], 0x44);
	CHECK_EQ(t, buf[1], 0);
	CHECK_EQ(t, buf[3], 0);
	CHECK_EQ(t, buf[4], 0xee);
	/* A 4-byte read at an unaligned offset hits that one register. */
	CHECK_EQ(t, serial8250__mmio(&s, 6, buf, 4, false), 0);
	CHECK_EQ(t, buf[0], 0xb0);
	CHECK_EQ(t, buf[1], 0);
	serial8250__destroy(&s);
}

static void lsr_never_ff(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;
	uint32_t x = 12345;
	uint8_t lsr, byte;
	int i;

	if (!setup(t, &s, &r))
		return;
	/* Random register traffic and input; check LSR after each step. */
	for (i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		byte = (uint8_t)(x >> 16);
		switch ((x >> 8) % 4) {
		case 0:
			wr(&s, (x >> 24) % SERIAL8250_NR_REGS, byte);
			break;
		case 1:
			rd(&s, (x >> 24) % SERIAL8250_NR_REGS);
			break;
		case 2:
			serial8250__receive(&s, &byte, 1);
			break;
		default:
			/* Loopback storms, to get OE. */
			wr(&s, UART_MCR, UART_MCR_LOOP);
			wr(&s, UART_LCR, 0);
			wr(&s, UART_THR, byte);
			break;
		}
		lsr = rd(&s, UART_LSR);
		CHECK(t, lsr != 0xff);
		CHECK_EQ(t, lsr & (UART_LSR_THRE | UART_LSR_TEMT), 0x60);
		CHECK_EQ(t, lsr & 0x9c, 0);
	}
	serial8250__destroy(&s);
}

/* What Linux's 8250 driver does on an interrupt: read LSR, then RBR while
 * LSR says data or a break. Records each byte and the LSR before it. */
static size_t drain_like_linux(struct serial8250 *s, uint8_t *bytes,
			       uint8_t *lsrs, size_t max)
{
	uint8_t lsr = rd(s, UART_LSR);
	size_t n = 0;

	while ((lsr & (UART_LSR_DR | UART_LSR_BI)) && n < max) {
		lsrs[n] = lsr;
		bytes[n++] = rd(s, UART_RBR);
		lsr = rd(s, UART_LSR);
	}
	return n;
}

static void send_break(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;
	uint8_t bytes[80], lsrs[80];
	size_t n;
	int i;

	if (!setup(t, &s, &r))
		return;
	CHECK_EQ(t, serial8250__send_break(NULL, 'c'), -EINVAL);
	wr(&s, UART_IER, UART_IER_ERBFI | UART_IER_ELSI);
	CHECK_EQ(t, serial8250__send_break(&s, 'h'), 0);
	/* Line status outranks received data. */
	CHECK_EQ(t, rd(&s, UART_IIR) & 0x0f, UART_IIR_RLSI);
	n = drain_like_linux(&s, bytes, lsrs, sizeof(bytes));
	CHECK_EQ(t, n, 2);
	CHECK_EQ(t, bytes[0], 0);
	CHECK_EQ(t, lsrs[0] & (UART_LSR_BI | UART_LSR_DR),
		 UART_LSR_BI | UART_LSR_DR);
	CHECK_EQ(t, bytes[1], 'h');
	CHECK_EQ(t, lsrs[1] & UART_LSR_BI, 0);
	CHECK_EQ(t, rd(&s, UART_IIR) & 0x0f, UART_IIR_NO_INT);

	/* Behind other input, BI shows only when the break is at the head. */
	CHECK_EQ(t, feed(&s, "ab"), 2);
	CHECK_EQ(t, serial8250__send_break(&s, 's'), 0);
	CHECK_EQ(t, rd(&s, UART_LSR) & UART_LSR_BI, 0);
	n = drain_like_linux(&s, bytes, lsrs, sizeof(bytes));
	CHECK_EQ(t, n, 4);
	CHECK_EQ(t, bytes[0], 'a');
	CHECK_EQ(t, lsrs[1] & UART_LSR_BI, 0);
	CHECK_EQ(t, bytes[2], 0);
	CHECK(t, lsrs[2] & UART_LSR_BI);
	CHECK_EQ(t, bytes[3], 's');
	CHECK_EQ(t, lsrs[3] & UART_LSR_BI, 0);

	/* No room for both: refused whole, nothing queued. */
	for (i = 0; i < SERIAL8250_RX_FIFO_SIZE - 1; i++)
		CHECK_EQ(t, feed(&s, "x"), 1);
	CHECK_EQ(t, serial8250__send_break(&s, 'c'), -EBUSY);
	n = drain_like_linux(&s, bytes, lsrs, sizeof(bytes));
	CHECK_EQ(t, n, SERIAL8250_RX_FIFO_SIZE - 1);
	for (i = 0; i < (int)n; i++)
		CHECK_EQ(t, lsrs[i] & UART_LSR_BI, 0);
	/* A FIFO reset forgets a queued break. */
	CHECK_EQ(t, serial8250__send_break(&s, 'c'), 0);
	wr(&s, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	rd(&s, UART_LSR);
	CHECK_EQ(t, feed(&s, "q"), 1);
	CHECK_EQ(t, rd(&s, UART_LSR) & UART_LSR_BI, 0);
	/* Loopback: the line is not connected. */
	wr(&s, UART_MCR, UART_MCR_LOOP);
	CHECK_EQ(t, serial8250__send_break(&s, 'c'), -EBUSY);
	serial8250__destroy(&s);
}

#define STRESS_BYTES 100000

struct stress {
	struct serial8250 s;
	atomic_bool producer_done;
	size_t fed;
};

static uint8_t stress_byte(size_t i)
{
	/* Not periodic in 256, so a lost block of 256 shows up too. */
	return (uint8_t)(i ^ (i >> 8) ^ (i >> 16));
}

static void *stress_producer(void *arg)
{
	struct stress *st = arg;
	uint8_t chunk[37];
	size_t i = 0, n, want, k;

	while (i < STRESS_BYTES) {
		want = STRESS_BYTES - i;
		if (want > sizeof(chunk))
			want = sizeof(chunk);
		for (k = 0; k < want; k++)
			chunk[k] = stress_byte(i + k);
		n = serial8250__receive(&st->s, chunk, want);
		if (!n) {
			/* Full: wait for room, as the input thread does. */
			serial8250__wait_rx_room(&st->s, 100);
			continue;
		}
		i += n;
	}
	st->fed = i;
	atomic_store(&st->producer_done, true);
	return NULL;
}

static void threaded_rx(struct test_ctx *t)
{
	struct stress st;
	pthread_t thr;
	size_t got = 0, bad = 0, first_bad = 0;
	uint8_t lsr, byte;

	memset(&st, 0, sizeof(st));
	if (serial8250__init(&st.s, NULL, NULL)) {
		CHECK(t, !"serial8250__init failed");
		return;
	}
	wr(&st.s, UART_FCR, UART_FCR_ENABLE);
	if (pthread_create(&thr, NULL, stress_producer, &st)) {
		CHECK(t, !"pthread_create failed");
		serial8250__destroy(&st.s);
		return;
	}

	for (;;) {
		bool done = atomic_load(&st.producer_done);

		lsr = rd(&st.s, UART_LSR);
		if (lsr & UART_LSR_OE)
			bad++;
		if (!(lsr & UART_LSR_DR)) {
			/* Done only once the producer stopped and it's empty. */
			if (done)
				break;
			sched_yield();
			continue;
		}
		byte = rd(&st.s, UART_RBR);
		if (byte != stress_byte(got) && !bad++)
			first_bad = got;
		got++;
		if (got > STRESS_BYTES)
			break;
	}
	pthread_join(thr, NULL);

	CHECK_EQ(t, bad, 0);
	CHECK_EQ(t, first_bad, 0);
	CHECK_EQ(t, st.fed, STRESS_BYTES);
	CHECK_EQ(t, got, STRESS_BYTES);
	CHECK_EQ(t, rd(&st.s, UART_LSR), 0x60);
	serial8250__destroy(&st.s);
}

/* A thread that holds the UART's lock, as a vCPU blocked on output does. */
struct holder {
	struct serial8250 *s;
	atomic_int state; /* 1: holding, 2: let go */
};

static void *hold_uart_lock(void *arg)
{
	struct holder *h = arg;

	pthread_mutex_lock(&h->s->lock);
	atomic_store(&h->state, 1);
	while (atomic_load(&h->state) != 2)
		sched_yield();
	pthread_mutex_unlock(&h->s->lock);
	return NULL;
}

static void input_never_blocks(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;
	struct holder h = { .s = &s };
	pthread_t thread;

	if (!setup(t, &s, &r))
		return;
	if (pthread_create(&thread, NULL, hold_uart_lock, &h)) {
		CHECK(t, 0);
		serial8250__destroy(&s);
		return;
	}
	while (atomic_load(&h.state) != 1)
		sched_yield();
	/* Busy: nothing taken, nothing lost, and both calls come back. */
	CHECK_EQ(t, feed(&s, "ab"), 0);
	CHECK_EQ(t, serial8250__wait_rx_room(&s, 5), 0);
	atomic_store(&h.state, 2);
	pthread_join(thread, NULL);
	CHECK_EQ(t, feed(&s, "ab"), 2);
	CHECK_EQ(t, rd(&s, UART_RBR), 'a');
	CHECK_EQ(t, rd(&s, UART_RBR), 'b');
	serial8250__destroy(&s);
}

/* A reboot's reset: what the guest left behind is gone, line lowered. */
static void hw_reset(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;
	size_t nirq;

	if (!setup(t, &s, &r))
		return;
	wr(&s, UART_IER, UART_IER_ERBFI | UART_IER_ELSI);
	wr(&s, UART_FCR, UART_FCR_ENABLE);
	wr(&s, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	wr(&s, UART_THR, 'a');
	wr(&s, UART_SCR, 0x5a);
	wr(&s, UART_LCR, UART_LCR_DLAB | 0x03);
	wr(&s, UART_DLL, 0x01);
	wr(&s, UART_DLM, 0x02);
	CHECK_EQ(t, r.nirq, 1);
	CHECK_EQ(t, r.levels[0], 1);
	nirq = r.nirq;

	serial8250__reset(&s);
	CHECK_EQ(t, r.nirq, nirq + 1);
	CHECK_EQ(t, r.levels[nirq], 0);
	CHECK_EQ(t, rd(&s, UART_LCR), 0x00);
	CHECK_EQ(t, rd(&s, UART_IER), 0x00);
	CHECK_EQ(t, rd(&s, UART_IIR), 0x01);
	CHECK_EQ(t, rd(&s, UART_MCR), 0x00);
	CHECK_EQ(t, rd(&s, UART_LSR), 0x60);
	CHECK_EQ(t, rd(&s, UART_MSR), 0xb0);
	CHECK_EQ(t, rd(&s, UART_SCR), 0x00);
	CHECK_EQ(t, rd(&s, UART_RBR), 0x00);
	wr(&s, UART_LCR, UART_LCR_DLAB);
	CHECK_EQ(t, rd(&s, UART_DLL), 12);
	CHECK_EQ(t, rd(&s, UART_DLM), 0);
	wr(&s, UART_LCR, 0);
	/* Connected to the terminal again, output to the host again. */
	CHECK_EQ(t, serial8250__rx_room(&s), SERIAL8250_RX_FIFO_SIZE);
	CHECK_EQ(t, feed(&s, "k"), 1);
	CHECK_EQ(t, rd(&s, UART_RBR), 'k');
	wr(&s, UART_THR, '!');
	CHECK_EQ(t, r.ntx, 1);

	/* A line already low is not lowered again. */
	nirq = r.nirq;
	serial8250__reset(&s);
	CHECK_EQ(t, r.nirq, nirq);
	serial8250__reset(NULL);
	serial8250__destroy(&s);
}

struct room_waiter {
	struct serial8250 *s;
	size_t room;
};

static void *wait_room(void *arg)
{
	struct room_waiter *w = arg;

	w->room = serial8250__wait_rx_room(w->s, 30000);
	return NULL;
}

/* An input thread waiting for room (loopback) is woken by the reset. */
static void hw_reset_wakes_input(struct test_ctx *t)
{
	struct serial8250 s;
	struct rec r;
	struct room_waiter w = { .s = &s };
	pthread_t thread;
	unsigned int waiters;

	if (!setup(t, &s, &r))
		return;
	wr(&s, UART_MCR, UART_MCR_LOOP);
	if (pthread_create(&thread, NULL, wait_room, &w)) {
		CHECK(t, 0);
		serial8250__destroy(&s);
		return;
	}
	do {
		sched_yield();
		pthread_mutex_lock(&s.lock);
		waiters = s.room_waiters;
		pthread_mutex_unlock(&s.lock);
	} while (!waiters);
	serial8250__reset(&s);
	pthread_join(thread, NULL);
	CHECK_EQ(t, w.room, SERIAL8250_RX_FIFO_SIZE);
	serial8250__destroy(&s);
}

TEST_SUITE(serial, TEST(reset_values), TEST(init_null_ops),
	   TEST(thr_tx_in_order), TEST(divisor_latch), TEST(scratch),
	   TEST(rx_fifo), TEST(iir_priority), TEST(thre_pending),
	   TEST(thre_etbei_rising), TEST(irq_levels), TEST(loopback),
	   TEST(fcr_fifo), TEST(odd_accesses), TEST(lsr_never_ff),
	   TEST(threaded_rx), TEST(input_never_blocks), TEST(hw_reset),
	   TEST(hw_reset_wakes_input), TEST(send_break));
