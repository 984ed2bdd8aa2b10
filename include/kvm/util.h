/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__UTIL_H
#define KVM__UTIL_H

#include <stdint.h>
#include <time.h>

#include "kvm/config.h"

#define SZ_4K 0x1000ULL
#define SZ_64K 0x10000ULL
#define SZ_1M 0x100000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parse a memory size; a bare number is MiB, suffixes B K M G T. */
int size__parse_mib(const char *s, uint64_t *bytes);

/* Read exactly len bytes from the start of fd: 0 or -errno. */
int read_full(int fd, void *dst, uint64_t len);
/* The same from offset off. */
int read_full_at(int fd, void *dst, uint64_t len, uint64_t off);

/* *ts = now + ms on the given clock: a deadline for timed waits. */
void time__deadline_ms(clockid_t clock, unsigned int ms, struct timespec *ts);

/* Logging for the command layer and KVM glue (util/log.c). */
extern enum log_level log__level;
void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "lkvm: <msg>" and exit(1); for the command layer and glue only. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void die_perror(const char *what) __attribute__((noreturn));

#endif /* KVM__UTIL_H */
