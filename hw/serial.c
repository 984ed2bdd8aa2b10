// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550A UART, as seen by Linux's 8250 driver and earlycon.
 *
 * Simplifications, none visible to a well-behaved guest:
 *  - transmission is instantaneous: a THR write hands the byte to the host
 *    at once, so THR and the shift register are always empty and LSR.THRE
 *    and LSR.TEMT are always set;
 *  - the RX FIFO is always in use and larger than the chip's (see
 *    SERIAL8250_RX_FIFO_SIZE); the FIFO trigger level is ignored and the
 *    received-data interrupt is pending as soon as one byte is there, which
 *    gives interactive input the lowest latency. No character-timeout
 *    interrupt is ever reported;
 *  - there is no line noise: PE and FE never happen, BI only for a break
 *    the host sends on purpose (serial8250__send_break). OE only happens
 *    in loopback mode, where the guest itself overfills the FIFO;
 *  - the baud rate and line settings are stored but have no effect.
 */
#include "kvm/serial.h"
#include "kvm/util.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

/* Input lines seen by a non-loopback UART: a connected, ready terminal. */
#define MSR_CONNECTED (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

static bool loopback(const struct serial8250 *s)
{
	return s->mcr & UART_MCR_LOOP;
}

static unsigned int rx_room_locked(const struct serial8250 *s)
{
	/* In loopback the serial input is disconnected from the host. */
	if (loopback(s))
		return 0;
	return SERIAL8250_RX_FIFO_SIZE - s->rx_count;
}

static void wake_room_waiters(struct serial8250 *s)
{
	if (s->room_waiters && rx_room_locked(s))
		pthread_cond_broadcast(&s->room_cond);
}

/* One bit per FIFO slot marks a received break. */
_Static_assert(SERIAL8250_RX_FIFO_SIZE <= 64, "rx_break has 64 bits");

/*
 * A break shows in LSR.BI once its character is at the head of the FIFO
 * (as on the chip); like the other error bits, an LSR read clears it.
 */
static void reveal_break(struct serial8250 *s)
{
	uint64_t head = 1ULL << s->rx_head;

	if (s->rx_count && (s->rx_break & head)) {
		s->lsr_err |= UART_LSR_BI;
		s->rx_break &= ~head;
	}
}

static bool rx_push_flagged(struct serial8250 *s, uint8_t byte, bool brk)
{
	unsigned int tail;

	if (s->rx_count >= SERIAL8250_RX_FIFO_SIZE)
		return false;
	tail = (s->rx_head + s->rx_count) % SERIAL8250_RX_FIFO_SIZE;
	s->rx_fifo[tail] = byte;
	if (brk)
		s->rx_break |= 1ULL << tail;
	else
		s->rx_break &= ~(1ULL << tail);
	s->rx_count++;
	reveal_break(s);
	return true;
}

static bool rx_push(struct serial8250 *s, uint8_t byte)
{
	return rx_push_flagged(s, byte, false);
}

static uint8_t rx_pop(struct serial8250 *s)
{
	uint8_t byte;

	/* An empty RBR reads as 0 rather than a stale byte. */
	if (!s->rx_count)
		return 0;
	byte = s->rx_fifo[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL8250_RX_FIFO_SIZE;
	s->rx_count--;
	reveal_break(s);
	wake_room_waiters(s);
	return byte;
}

static void rx_clear(struct serial8250 *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
	s->rx_break = 0;
	wake_room_waiters(s);
}

/* MSR bits 7:4: the modem input lines. */
static uint8_t msr_lines(const struct serial8250 *s)
{
	uint8_t msr = 0;

	if (!loopback(s))
		return MSR_CONNECTED;

	/* Loopback wires the modem outputs back to the inputs. */
	if (s->mcr & UART_MCR_RTS)
		msr |= UART_MSR_CTS;
	if (s->mcr & UART_MCR_DTR)
		msr |= UART_MSR_DSR;
	if (s->mcr & UART_MCR_OUT1)
		msr |= UART_MSR_RI;
	if (s->mcr & UART_MCR_OUT2)
		msr |= UART_MSR_DCD;
	return msr;
}

static uint8_t lsr_read(struct serial8250 *s)
{
	uint8_t lsr = UART_LSR_THRE | UART_LSR_TEMT | s->lsr_err;

	if (s->rx_count)
		lsr |= UART_LSR_DR;
	/*
	 * Bit 7 (an error anywhere in the FIFO) is left clear: only a break
	 * makes one, and it shows in BI once at the head.
	 */
	return lsr;
}

/* The highest-priority pending interrupt, in IIR bits 3:0. */
static uint8_t pending_iid(const struct serial8250 *s)
{
	if ((s->ier & UART_IER_ELSI) && (s->lsr_err & LSR_ERRORS))
		return UART_IIR_RLSI;
	if ((s->ier & UART_IER_ERBFI) && s->rx_count)
		return UART_IIR_RDI;
	if ((s->ier & UART_IER_ETBEI) && s->thre_pending)
		return UART_IIR_THRI;
	if ((s->ier & UART_IER_EDSSI) && (s->msr_delta & UART_MSR_DELTAS))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

/*
 * The line follows IIR.NO_INT. MCR.OUT2 does not gate it: that gate is a
 * PC board feature outside the chip, and on DT platforms the UART's
 * interrupt pin goes straight to the interrupt controller.
 */
static void update_irq(struct serial8250 *s)
{
	int level = pending_iid(s) != UART_IIR_NO_INT;

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	if (s->ops.irq)
		s->ops.irq(s->opaque, level);
}

static void thr_write(struct serial8250 *s, uint8_t byte)
{
	if (loopback(s)) {
		/* As on the chip, a byte that finds the FIFO full is lost. */
		if (!rx_push(s, byte))
			s->lsr_err |= UART_LSR_OE;
	} else if (s->ops.tx) {
		s->ops.tx(s->opaque, byte);
	}
	/*
	 * The write clears the THRE interrupt, but the byte leaves at once
	 * and the THR is empty again, which raises it anew: the driver gets
	 * its next "send more" interrupt straight away.
	 */
	s->thre_pending = true;
}

static void ier_write(struct serial8250 *s, uint8_t val)
{
	uint8_t old = s->ier;

	s->ier = val & 0x0f;
	/* Enabling ETBEI while the THR is empty raises THRE (Linux probes it). */
	if (!(old & UART_IER_ETBEI) && (s->ier & UART_IER_ETBEI))
		s->thre_pending = true;
}

static void fcr_write(struct serial8250 *s, uint8_t val)
{
	if (val & UART_FCR_CLEAR_RX)
		rx_clear(s);
	/* CLEAR_TX has nothing to do: the TX side is always empty. */
	s->fcr = val & UART_FCR_ENABLE ? val & 0xc9 : 0;
}

static void mcr_write(struct serial8250 *s, uint8_t val)
{
	uint8_t before = msr_lines(s), after, changed;

	s->mcr = val & 0x1f;
	after = msr_lines(s);
	changed = before ^ after;
	/* Each delta bit sits 4 below its line, except TERI. */
	s->msr_delta |=
		(changed & (UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD)) >> 4;
	/* TERI reports only the trailing edge of RI. */
	if ((before & UART_MSR_RI) && !(after & UART_MSR_RI))
		s->msr_delta |= UART_MSR_TERI;
	/* Leaving loopback reconnects the input. */
	wake_room_waiters(s);
}

static uint8_t reg_read(struct serial8250 *s, unsigned int reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t val, iid;

	switch (reg) {
	case UART_RBR:
		return dlab ? s->dll : rx_pop(s);
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR:
		iid = pending_iid(s);
		/* Reading IIR acknowledges THRE only when it reports THRE. */
		if (iid == UART_IIR_THRI)
			s->thre_pending = false;
		if (s->fcr & UART_FCR_ENABLE)
			iid |= UART_IIR_FIFO_EN;
		return iid;
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		val = lsr_read(s);
		s->lsr_err = 0;
		return val;
	case UART_MSR:
		val = msr_lines(s) | s->msr_delta;
		s->msr_delta = 0;
		return val;
	case UART_SCR:
		return s->scr;
	}
	return 0;
}

static void reg_write(struct serial8250 *s, unsigned int reg, uint8_t val)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_THR:
		if (dlab)
			s->dll = val;
		else
			thr_write(s, val);
		break;
	case UART_IER:
		if (dlab)
			s->dlm = val;
		else
			ier_write(s, val);
		break;
	case UART_FCR:
		fcr_write(s, val);
		break;
	case UART_LCR:
		s->lcr = val;
		break;
	case UART_MCR:
		mcr_write(s, val);
		break;
	case UART_SCR:
		s->scr = val;
		break;
	default:
		/* LSR and MSR writes are for factory testing; ignore. */
		break;
	}
}

/* The chip's reset values; the interrupt line is the caller's business. */
static void reset_regs(struct serial8250 *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
	s->rx_break = 0;
	s->ier = 0;
	s->fcr = 0;
	s->lcr = 0;
	s->mcr = 0;
	s->lsr_err = 0;
	s->msr_delta = 0;
	s->scr = 0;
	/* The chip leaves the divisor undefined; 12 is 9600 baud. */
	s->dll = 12;
	s->dlm = 0;
	s->thre_pending = false;
}

int serial8250__init(struct serial8250 *s, const struct serial8250_ops *ops,
		     void *opaque)
{
	pthread_condattr_t attr;
	int ret;

	if (!s)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	if (ops)
		s->ops = *ops;
	s->opaque = opaque;
	reset_regs(s);
	s->irq_level = 0;

	ret = pthread_mutex_init(&s->lock, NULL);
	if (ret)
		return -ret;

	ret = pthread_condattr_init(&attr);
	if (ret)
		goto err_mutex;
	/* Timeouts must not jump with the wall clock. */
	ret = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(&s->room_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (ret)
		goto err_mutex;
	return 0;

err_mutex:
	pthread_mutex_destroy(&s->lock);
	return -ret;
}

void serial8250__reset(struct serial8250 *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	reset_regs(s);
	/* Out of loopback with an empty FIFO: the input side may go on. */
	wake_room_waiters(s);
	/* Nothing is pending now: this lowers a raised line. */
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

void serial8250__destroy(struct serial8250 *s)
{
	if (!s)
		return;
	pthread_cond_destroy(&s->room_cond);
	pthread_mutex_destroy(&s->lock);
}

int serial8250__mmio(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		     bool is_write)
{
	struct serial8250 *s = opaque;
	uint8_t val = 0;

	if (!s || !data || len == 0 || len > 8)
		return -EINVAL;

	if (offset >= SERIAL8250_NR_REGS) {
		if (!is_write)
			memset(data, 0, len);
		return 0;
	}

	/*
	 * Wider accesses hit the register at offset: writes use the low
	 * byte, reads are zero-extended.
	 */
	pthread_mutex_lock(&s->lock);
	if (is_write)
		reg_write(s, (unsigned int)offset, data[0]);
	else
		val = reg_read(s, (unsigned int)offset);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);

	if (!is_write) {
		memset(data, 0, len);
		data[0] = val;
	}
	return 0;
}

/*
 * The input side never waits long for the lock: a vCPU may hold it while
 * its output write blocks on a stalled reader, and the input thread must
 * stay free to see the user's quit key. 0 on success.
 */
static int lock_within(struct serial8250 *s, unsigned int ms)
{
	struct timespec deadline;

	time__deadline_ms(CLOCK_REALTIME, ms, &deadline);
	return pthread_mutex_timedlock(&s->lock, &deadline);
}

size_t serial8250__receive(struct serial8250 *s, const uint8_t *buf, size_t len)
{
	size_t n, i;

	if (!s || !buf)
		return 0;

	if (lock_within(s, SERIAL8250_INPUT_LOCK_MS))
		return 0;
	n = rx_room_locked(s);
	if (n > len)
		n = len;
	for (i = 0; i < n; i++)
		rx_push(s, buf[i]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

int serial8250__send_break(struct serial8250 *s, uint8_t key)
{
	int ret = 0;

	if (!s)
		return -EINVAL;
	if (lock_within(s, SERIAL8250_INPUT_LOCK_MS))
		return -EBUSY;
	/* Together, so no other input lands between break and key. */
	if (rx_room_locked(s) < 2) {
		ret = -EBUSY;
	} else {
		rx_push_flagged(s, 0, true);
		rx_push(s, key);
		update_irq(s);
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

size_t serial8250__rx_room(struct serial8250 *s)
{
	size_t room;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	room = rx_room_locked(s);
	pthread_mutex_unlock(&s->lock);
	return room;
}

size_t serial8250__wait_rx_room(struct serial8250 *s, unsigned int timeout_ms)
{
	struct timespec deadline;
	size_t room;

	if (!s)
		return 0;

	time__deadline_ms(CLOCK_MONOTONIC, timeout_ms, &deadline);
	if (lock_within(s, timeout_ms))
		return 0;
	s->room_waiters++;
	for (;;) {
		room = rx_room_locked(s);
		if (room)
			break;
		if (pthread_cond_timedwait(&s->room_cond, &s->lock,
					   &deadline)) {
			room = rx_room_locked(s); /* ETIMEDOUT: last look */
			break;
		}
	}
	s->room_waiters--;
	pthread_mutex_unlock(&s->lock);
	return room;
}
