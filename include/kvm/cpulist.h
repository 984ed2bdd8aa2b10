/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__CPULIST_H
#define KVM__CPULIST_H

/* Lists of host CPUs as Linux writes them ("0-3,6"), as bitmaps. Pure. */
#include <stddef.h>
#include <stdint.h>

/*
 * Parse s into bits (nr_cpus bits, a multiple of 64): numbers in digits,
 * ranges N-M with N <= M, separated by commas; nothing else. Every CPU
 * must be below nr_cpus. 0 or -EINVAL; bits is cleared first.
 */
int cpulist__parse(const char *s, uint64_t *bits, unsigned int nr_cpus);

/* Write bits (nr_cpus bits) as a list into buf; "none" when empty. */
void cpulist__format(const uint64_t *bits, unsigned int nr_cpus, char *buf,
		     size_t len);

#endif /* KVM__CPULIST_H */
