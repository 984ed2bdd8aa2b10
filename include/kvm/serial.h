/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__SERIAL_H
#define KVM__SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A 16550A UART model. Pure: no KVM, no ioctl; the caller wires it to the
 * MMIO bus (serial8250__mmio is an mmio_handler_fn), to the host terminal
 * (ops->tx, serial8250__receive) and to an interrupt line (ops->irq).
 *
 * Threading: every entry point takes s->lock, so vCPU threads and an input
 * thread may call in concurrently. The tx and irq callbacks run with
 * s->lock held; they must not call back into the model.
 */

/* Registers, byte offsets from the base (reg-shift 0). */
#define UART_RBR 0 /* read, DLAB=0 */
#define UART_THR 0 /* write, DLAB=0 */
#define UART_DLL 0 /* DLAB=1 */
#define UART_IER 1 /* DLAB=0 */
#define UART_DLM 1 /* DLAB=1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define SERIAL8250_NR_REGS 8

#define UART_IER_ERBFI 0x01 /* received data available */
#define UART_IER_ETBEI 0x02 /* THR empty */
#define UART_IER_ELSI 0x04 /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_ID_MASK 0x0e
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_FIFO_EN 0xc0

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LSR_FIFOE 0x80

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_DELTAS 0x0f
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

/*
 * The chip's RX FIFO holds 16 bytes; ours holds more so that a burst of
 * host input (a paste) lands in one go and the input thread wakes less
 * often. The guest cannot tell: it reads while LSR.DR is set, and it never
 * sees an overrun because serial8250__receive() refuses what won't fit.
 */
#define SERIAL8250_RX_FIFO_SIZE 64

struct serial8250_ops {
	/* A byte the guest sent, for the host. May be NULL. */
	void (*tx)(void *opaque, uint8_t byte);
	/* The new interrupt line level; called only on change. May be NULL. */
	void (*irq)(void *opaque, int level);
};

struct serial8250 {
	pthread_mutex_t lock;
	pthread_cond_t room_cond; /* signalled when RX room grows */
	struct serial8250_ops ops;
	void *opaque;

	/* Everything below is protected by lock. */
	uint8_t rx_fifo[SERIAL8250_RX_FIFO_SIZE];
	unsigned int rx_head; /* index of the oldest byte */
	unsigned int rx_count;
	uint64_t rx_break; /* FIFO slots holding a break (one bit each) */
	unsigned int room_waiters;

	uint8_t ier;
	uint8_t fcr;
	uint8_t lcr;
	uint8_t mcr;
	uint8_t lsr_err; /* latched error bits, cleared by an LSR read */
	uint8_t msr_delta; /* MSR bits 3:0, cleared by an MSR read */
	uint8_t scr;
	uint8_t dll;
	uint8_t dlm;
	bool thre_pending; /* the THRE interrupt condition */
	int irq_level; /* last level reported through ops.irq */
};

/* ops may be NULL. Returns 0 or a negative errno. */
int serial8250__init(struct serial8250 *s, const struct serial8250_ops *ops,
		     void *opaque);
void serial8250__destroy(struct serial8250 *s);
/*
 * A hardware reset (a reboot in place): every register back to its reset
 * value, the RX FIFO emptied, the interrupt line lowered (through ops->irq
 * if it was raised).
 */
void serial8250__reset(struct serial8250 *s);

/* An mmio_handler_fn; opaque is the struct serial8250. */
int serial8250__mmio(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		     bool is_write);

/*
 * Host input for the guest: takes as many bytes as the RX FIFO has room for
 * and returns that count, 0 when full. Nothing is dropped: the caller keeps
 * what was not taken and tries again (see serial8250__wait_rx_room).
 * In loopback mode the serial input is disconnected, so this returns 0.
 * Also 0 when the UART stayed busy for SERIAL8250_INPUT_LOCK_MS (a vCPU
 * blocked writing output holds it): the input side never blocks for long.
 */
#define SERIAL8250_INPUT_LOCK_MS 10
size_t serial8250__receive(struct serial8250 *s, const uint8_t *buf,
			   size_t len);
/*
 * A break on the line, then key: what a terminal's "send break" and a
 * key do, and Linux's console driver takes as a magic SysRq. Both go in
 * the RX FIFO at once, the break as a 0 byte that shows LSR.BI when it
 * reaches the head. 0; -EBUSY when the FIFO lacks room for both (or in
 * loopback, or the UART stayed busy); -EINVAL without a UART.
 */
int serial8250__send_break(struct serial8250 *s, uint8_t key);
/* Bytes serial8250__receive() would take now. */
size_t serial8250__rx_room(struct serial8250 *s);
/*
 * Waits up to timeout_ms for room in the RX FIFO (and for the UART's lock);
 * returns the room, 0 on timeout. Lets the input thread sleep instead of
 * polling.
 */
size_t serial8250__wait_rx_room(struct serial8250 *s, unsigned int timeout_ms);

#endif /* KVM__SERIAL_H */
