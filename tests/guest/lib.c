// SPDX-License-Identifier: GPL-2.0
/*
 * Support code for the freestanding test guest: string functions the
 * compiler may call, the 16550A console, a small formatter, the generic
 * timer and a minimal FDT reader.
 */
#include "guest.h"

#define UART_BASE 0x01000000UL
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

void *memset(void *s, int c, size_t n)
{
	volatile u8 *p = s;

	while (n--)
		*p++ = (u8)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	volatile u8 *dp = d;
	const volatile u8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

/* ---- console ---------------------------------------------------------- */

void uart_putc(char c)
{
	volatile u8 *uart = (volatile u8 *)UART_BASE;
	u64 dl = deadline_ms(100);

	while (!(uart[UART_LSR] & UART_LSR_THRE) && !expired(dl))
		;
	uart[UART_THR] = (u8)c;
}

void uart_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}

/* ---- formatting ------------------------------------------------------- */

static void sb_putc(struct strbuf *sb, char c)
{
	if (sb->len + 1 < sb->cap) {
		sb->buf[sb->len++] = c;
		sb->buf[sb->len] = 0;
	}
}

static void sb_num(struct strbuf *sb, u64 v, unsigned int base, int neg,
		   int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		sb_putc(sb, pad);
	while (n)
		sb_putc(sb, tmp[--n]);
}

/*
 * printf subset: %s %c %d %u %x with an optional '#', '0', width and
 * 'l'/'ll' (all longs are 64 bits here), and %%.
 */
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int alt = 0, lng = 0, width = 0;
		char pad = ' ';
		u64 v;

		if (*fmt != '%') {
			sb_putc(sb, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '#') {
			alt = 1;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			while (*s)
				sb_putc(sb, *s++);
			break;
		}
		case 'c':
			sb_putc(sb, (char)va_arg(ap, int));
			break;
		case 'd': {
			s64 sv = lng ? va_arg(ap, s64) : va_arg(ap, int);

			sb_num(sb, sv < 0 ? -(u64)sv : (u64)sv, 10, sv < 0,
			       width, pad);
			break;
		}
		case 'u':
			v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			sb_num(sb, v, 10, 0, width, pad);
			break;
		case 'x':
			v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			if (alt) {
				sb_putc(sb, '0');
				sb_putc(sb, 'x');
			}
			sb_num(sb, v, 16, 0, width, pad);
			break;
		case '%':
			sb_putc(sb, '%');
			break;
		case 0:
			return;
		default:
			sb_putc(sb, '%');
			sb_putc(sb, *fmt);
			break;
		}
	}
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void printk(const char *fmt, ...)
{
	char buf[512];
	struct strbuf sb = { buf, 0, sizeof(buf) };
	va_list ap;

	buf[0] = 0;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	uart_puts(buf);
}

const char *psci_err_name(s64 r)
{
	switch (r) {
	case PSCI_SUCCESS:
		return "SUCCESS";
	case PSCI_NOT_SUPPORTED:
		return "NOT_SUPPORTED";
	case PSCI_INVALID_PARAMS:
		return "INVALID_PARAMS";
	case PSCI_DENIED:
		return "DENIED";
	case PSCI_ALREADY_ON:
		return "ALREADY_ON";
	case PSCI_ON_PENDING:
		return "ON_PENDING";
	case PSCI_INTERNAL_FAILURE:
		return "INTERNAL_FAILURE";
	case -7:
		return "NOT_PRESENT";
	case -8:
		return "DISABLED";
	case PSCI_INVALID_ADDRESS:
		return "INVALID_ADDRESS";
	default:
		return "?";
	}
}

/* ---- generic timer ---------------------------------------------------- */

u64 counter(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

u64 counter_freq(void)
{
	u64 f = read_sysreg(cntfrq_el0);

	return f ? f : 62500000; /* never 0 under KVM; be safe anyway */
}

u64 ms_to_ticks(u64 ms)
{
	return counter_freq() / 1000 * ms;
}

u64 ticks_to_us(u64 ticks)
{
	return ticks /
	       (counter_freq() / 1000000 ? counter_freq() / 1000000 : 1);
}

u64 deadline_ms(u64 ms)
{
	return counter() + ms_to_ticks(ms);
}

int expired(u64 deadline)
{
	return (s64)(counter() - deadline) >= 0;
}

void delay_us(u64 us)
{
	u64 end = counter() + counter_freq() / 1000000 * us;

	while ((s64)(counter() - end) < 0)
		;
}

/*
 * Make WFE return at least every ~100 us (the virtual counter event
 * stream), so polling loops may use WFE without depending on SEV.
 */
void enable_event_stream(void)
{
	u64 f = counter_freq() / 10000; /* ticks per 100 us */
	u64 bit = 0, ctl;

	while (bit < 15 && (1UL << (bit + 1)) <= f)
		bit++;
	ctl = read_sysreg(cntkctl_el1);
	ctl &= ~0xf0UL;
	ctl |= (bit << 4) | (1UL << 2); /* EVNTI, EVNTEN */
	write_sysreg(ctl, cntkctl_el1);
	isb();
}

/* ---- FDT -------------------------------------------------------------- */

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define FDT_MAX_DEPTH 8

static u32 be32(const void *p)
{
	const volatile u8 *b = p;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static u64 be_cells(const u8 *p, u32 cells)
{
	u64 v = 0;

	while (cells--) {
		v = v << 32 | be32(p);
		p += 4;
	}
	return v;
}

static int name_is(const char *name, const char *want)
{
	size_t n = strlen(want);

	return !strncmp(name, want, n) && (name[n] == 0 || name[n] == '@');
}

int dt_parse(const void *fdt, struct dt_info *out)
{
	const u8 *base = fdt, *p, *end, *strings;
	const char *path[FDT_MAX_DEPTH];
	u32 totalsize, root_ac = 2, root_sc = 1, cpus_ac = 1;
	int depth = 0;

	memset(out, 0, sizeof(*out));
	if (((u64)fdt & 3) || be32(base) != FDT_MAGIC)
		return -1;
	totalsize = be32(base + 4);
	if (totalsize < 40 || totalsize > (1U << 24))
		return -1;
	p = base + be32(base + 8);
	strings = base + be32(base + 12);
	end = base + totalsize;

	while (p + 4 <= end) {
		u32 tok = be32(p);

		p += 4;
		switch (tok) {
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)p;
			size_t len = strlen(name);

			if (depth < FDT_MAX_DEPTH)
				path[depth] = name;
			depth++;
			p += (len + 1 + 3) & ~3UL;
			if (depth == 3 && name_is(path[1], "cpus") &&
			    name_is(name, "cpu"))
				out->nr_cpus++;
			break;
		}
		case FDT_END_NODE:
			if (--depth < 0)
				return -1;
			break;
		case FDT_PROP: {
			u32 len = be32(p), nameoff = be32(p + 4);
			const u8 *val = p + 8;
			const char *pname = (const char *)(strings + nameoff);

			p = val + ((len + 3) & ~3U);
			if (depth == 1) {
				if (!strcmp(pname, "#address-cells") &&
				    len == 4)
					root_ac = be32(val);
				else if (!strcmp(pname, "#size-cells") &&
					 len == 4)
					root_sc = be32(val);
			} else if (depth == 2 && name_is(path[1], "chosen")) {
				if (!strcmp(pname, "lkvm,boot-count") &&
				    len == 4) {
					out->has_boot_count = 1;
					out->boot_count = be32(val);
				} else if (!strcmp(pname, "bootargs") && len &&
					   !val[len - 1]) {
					out->bootargs = (const char *)val;
				}
			} else if (depth == 2 && name_is(path[1], "memory")) {
				if (!strcmp(pname, "reg") &&
				    len >= 4 * (root_ac + root_sc) &&
				    !out->ram_size) {
					out->ram_base = be_cells(val, root_ac);
					out->ram_size = be_cells(
						val + 4 * root_ac, root_sc);
				}
			} else if (depth == 2 && name_is(path[1], "psci")) {
				if (!strcmp(pname, "method") && len &&
				    !val[len - 1])
					out->psci_method = (const char *)val;
				else if (!strcmp(pname, "compatible") && len &&
					 !val[len - 1]) {
					out->psci_compat = (const char *)val;
					out->psci_compat_len = len;
				}
			} else if (depth == 2 && name_is(path[1], "intc")) {
				if (!strcmp(pname, "compatible") && len &&
				    !val[len - 1])
					out->gic_compat = (const char *)val;
			} else if (depth == 2 && name_is(path[1], "cpus")) {
				if (!strcmp(pname, "#address-cells") &&
				    len == 4)
					cpus_ac = be32(val);
			} else if (depth == 3 && name_is(path[1], "cpus") &&
				   name_is(path[2], "cpu")) {
				if (!strcmp(pname, "reg") &&
				    len >= 4 * cpus_ac) {
					int i = out->nr_cpus - 1;

					if (i < MAX_CPUS)
						out->cpu_mpidr[i] =
							be_cells(val, cpus_ac);
					else
						out->cpus_truncated = 1;
				}
			}
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			out->valid = 1;
			if (out->nr_cpus > MAX_CPUS) {
				out->cpus_truncated = 1;
				out->nr_cpus = MAX_CPUS;
			}
			return 0;
		default:
			return -1;
		}
	}
	return -1;
}
