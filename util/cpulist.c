// SPDX-License-Identifier: GPL-2.0
#include "kvm/cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Digits only, below limit; *end is where the digits stopped. */
static int parse_cpu(const char *s, unsigned int limit, unsigned int *cpu,
		     const char **end)
{
	unsigned long v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned long)(*s++ - '0');
		if (v >= limit)
			return -EINVAL;
	}
	*cpu = (unsigned int)v;
	*end = s;
	return 0;
}

int cpulist__parse(const char *s, uint64_t *bits, unsigned int nr_cpus)
{
	unsigned int lo, hi, cpu;

	memset(bits, 0, nr_cpus / 64 * sizeof(*bits));
	for (;;) {
		if (parse_cpu(s, nr_cpus, &lo, &s))
			return -EINVAL;
		hi = lo;
		if (*s == '-' && parse_cpu(s + 1, nr_cpus, &hi, &s))
			return -EINVAL;
		if (hi < lo)
			return -EINVAL;
		for (cpu = lo; cpu <= hi; cpu++)
			bits[cpu / 64] |= 1ULL << (cpu % 64);
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

static bool test_cpu(const uint64_t *bits, unsigned int cpu)
{
	return bits[cpu / 64] >> (cpu % 64) & 1;
}

void cpulist__format(const uint64_t *bits, unsigned int nr_cpus, char *buf,
		     size_t len)
{
	unsigned int cpu = 0, end;
	size_t used = 0;
	int n;

	buf[0] = '\0';
	while (cpu < nr_cpus && used < len) {
		if (!test_cpu(bits, cpu)) {
			cpu++;
			continue;
		}
		for (end = cpu; end + 1 < nr_cpus && test_cpu(bits, end + 1);)
			end++;
		if (end == cpu)
			n = snprintf(buf + used, len - used, "%s%u",
				     used ? "," : "", cpu);
		else
			n = snprintf(buf + used, len - used, "%s%u-%u",
				     used ? "," : "", cpu, end);
		if (n > 0)
			used += (size_t)n;
		cpu = end + 1;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}
