// SPDX-License-Identifier: GPL-2.0
#include "kvm/util.h"

#include <errno.h>
#include <unistd.h>

int read_full(int fd, void *dst, uint64_t len)
{
	return read_full_at(fd, dst, len, 0);
}

int read_full_at(int fd, void *dst, uint64_t len, uint64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)dst + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA; /* the file is shorter than it was */
		done += (uint64_t)n;
	}
	return 0;
}
