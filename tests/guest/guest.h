/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freestanding arm64 test guest: shared definitions for head.S and the C
 * code. The guest runs at EL1 with the MMU and caches off, so all data
 * accesses are Device-nGnRnE: no exclusives, no unaligned accesses.
 */
#ifndef GUEST_H
#define GUEST_H

#define MAX_CPUS 8
#define STACK_SIZE 8192
#define EXC_STACK_SIZE 2048

#define RAM_BASE 0x80000000

#ifndef __ASSEMBLER__

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long u64;
typedef int s32;
typedef long s64;
typedef unsigned long size_t;

#define NULL ((void *)0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define dmb() __asm__ volatile("dmb sy" ::: "memory")
#define dsb() __asm__ volatile("dsb sy" ::: "memory")
#define isb() __asm__ volatile("isb" ::: "memory")
#define sev() __asm__ volatile("sev" ::: "memory")
#define wfe() __asm__ volatile("wfe" ::: "memory")

#define read_sysreg(r)                                       \
	({                                                   \
		u64 __v;                                     \
		__asm__ volatile("mrs %0, " #r : "=r"(__v)); \
		__v;                                         \
	})
#define write_sysreg(v, r)                                     \
	do {                                                   \
		u64 __v = (u64)(v);                            \
		__asm__ volatile("msr " #r ", %0" ::"r"(__v)); \
	} while (0)

/* GICv3 CPU interface registers by encoding (no -march needed). */
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_SRE_EL1 S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7

#define MPIDR_HWID_MASK 0xff00ffffffUL

/* PSCI / SMCCC */
#define SMC64 0x40000000u
#define PSCI_FN(n) (0x84000000u + (n))
#define PSCI_FN64(n) (0xc4000000u + (n))
#define PSCI_VERSION PSCI_FN(0x00)
#define PSCI_CPU_SUSPEND PSCI_FN(0x01)
#define PSCI_CPU_OFF PSCI_FN(0x02)
#define PSCI_CPU_ON PSCI_FN(0x03)
#define PSCI_AFFINITY_INFO PSCI_FN(0x04)
#define PSCI_MIGRATE PSCI_FN(0x05)
#define PSCI_MIGRATE_INFO_TYPE PSCI_FN(0x06)
#define PSCI_MIGRATE_INFO_UP_CPU PSCI_FN(0x07)
#define PSCI_SYSTEM_OFF PSCI_FN(0x08)
#define PSCI_SYSTEM_RESET PSCI_FN(0x09)
#define PSCI_FEATURES PSCI_FN(0x0a)
#define PSCI_CPU_FREEZE PSCI_FN(0x0b)
#define PSCI_SYSTEM_SUSPEND PSCI_FN(0x0e)
#define PSCI_SYSTEM_RESET2 PSCI_FN(0x12)
#define PSCI_CPU_SUSPEND64 PSCI_FN64(0x01)
#define PSCI_CPU_ON64 PSCI_FN64(0x03)
#define PSCI_AFFINITY_INFO64 PSCI_FN64(0x04)
#define PSCI_SYSTEM_SUSPEND64 PSCI_FN64(0x0e)
#define PSCI_SYSTEM_RESET2_64 PSCI_FN64(0x12)

/* CPU_SUSPEND power_state, original format */
#define POWER_STATE_POWERDOWN (1UL << 16)
#define POWER_STATE_LEVEL(n) ((u64)(n) << 24)
#define SMCCC_VERSION 0x80000000u

#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMS (-2)
#define PSCI_DENIED (-3)
#define PSCI_ALREADY_ON (-4)
#define PSCI_ON_PENDING (-5)
#define PSCI_INTERNAL_FAILURE (-6)
#define PSCI_INVALID_ADDRESS (-9)

#define AFF_ON 0
#define AFF_OFF 1
#define AFF_ON_PENDING 2

/* head.S */
u64 smccc_call(u64 fn, u64 a1, u64 a2, u64 a3);
u64 powerdown_call(u64 fn, u64 power_state, u64 entry, u64 ctx);
void secondary_entry(void);
void bad_resume_entry(void);
extern char _head[], _end[];

/* lib.c */
typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_end(ap) __builtin_va_end(ap)
#define va_arg(ap, type) __builtin_va_arg(ap, type)

struct strbuf {
	char *buf;
	size_t len; /* characters in buf, not counting the NUL */
	size_t cap; /* size of buf, including the NUL */
};

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

void uart_putc(char c);
void uart_puts(const char *s);
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

u64 counter(void);
u64 counter_freq(void);
u64 ms_to_ticks(u64 ms);
u64 ticks_to_us(u64 ticks);
u64 deadline_ms(u64 ms);
int expired(u64 deadline);
void delay_us(u64 us);
void enable_event_stream(void);

/* Sign-extends a PSCI result the way the calling convention defines it. */
static inline s64 psci_ret(u32 fn, u64 raw)
{
	return (fn & SMC64) ? (s64)raw : (s64)(s32)(u32)raw;
}

static inline s64 psci(u32 fn, u64 a1, u64 a2, u64 a3)
{
	return psci_ret(fn, smccc_call(fn, a1, a2, a3));
}

const char *psci_err_name(s64 r);

/* Minimal flattened device tree reader. */
struct dt_info {
	int valid;
	int has_boot_count;
	u32 boot_count;
	const char *bootargs; /* /chosen bootargs, NUL-terminated, or NULL */
	u64 ram_base;
	u64 ram_size;
	int nr_cpus;
	u64 cpu_mpidr[MAX_CPUS];
	int cpus_truncated;
	const char *psci_method; /* /psci method, NUL-terminated, or NULL */
	const char *psci_compat; /* /psci compatible string list, or NULL */
	u32 psci_compat_len;
	const char *gic_compat; /* the interrupt controller's, or NULL */
};

int dt_parse(const void *fdt, struct dt_info *out);

#endif /* __ASSEMBLER__ */
#endif /* GUEST_H */
