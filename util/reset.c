// SPDX-License-Identifier: GPL-2.0
#include "kvm/reset.h"

#include <errno.h>
#include <stddef.h>

int reset_list__add(struct reset_list *l, reset_fn fn, void *opaque)
{
	if (!l || !fn)
		return -EINVAL;
	if (l->nr >= RESET_LIST_MAX)
		return -ENOSPC;
	l->e[l->nr].fn = fn;
	l->e[l->nr].opaque = opaque;
	l->nr++;
	return 0;
}

void reset_list__run(const struct reset_list *l)
{
	unsigned int i;

	for (i = l->nr; i > 0; i--)
		l->e[i - 1].fn(l->e[i - 1].opaque);
}
