// SPDX-License-Identifier: GPL-2.0
#include "kvm/util.h"

#include <ctype.h>
#include <errno.h>

int size__parse_mib(const char *s, uint64_t *bytes)
{
	uint64_t v = 0, shift = 20;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (toupper((unsigned char)*p)) {
	case '\0':
		p--; /* no suffix: MiB */
		break;
	case 'B':
		shift = 0;
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	/* Allow "512M", "512MB" and "512MiB". */
	p++;
	if (*p == 'i' && shift)
		p++;
	if ((*p == 'B' || *p == 'b') && shift)
		p++;
	if (*p)
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}
