// SPDX-License-Identifier: GPL-2.0
#include "kvm/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(int ret, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static const char *type_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a special file";
}

static int check_stat(const char *what, const char *path, const struct stat *st,
		      char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode))
		return fail(-EINVAL, err, errlen,
			    "%s '%s' is %s, not a regular file", what, path,
			    type_name(st->st_mode));
	if (st->st_size == 0)
		return fail(-EINVAL, err, errlen, "%s '%s' is empty", what,
			    path);
	return 0;
}

int input__open(const char *what, const char *path, int *fdp, uint64_t *size,
		char *err, size_t errlen)
{
	struct stat st;
	int fd, ret;

	/*
	 * Look before opening: open() of a FIFO waits for a writer, and
	 * opening a device can have effects of its own.
	 */
	if (stat(path, &st) < 0)
		return fail(-errno, err, errlen, "cannot open %s '%s': %s",
			    what, path, strerror(errno));
	ret = check_stat(what, path, &st, err, errlen);
	if (ret)
		return ret;
	/*
	 * The path may have been swapped for a FIFO since: O_NONBLOCK keeps
	 * open() from waiting, and fstat() checks what was really opened.
	 * On a regular file O_NONBLOCK changes nothing.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(-errno, err, errlen, "cannot open %s '%s': %s",
			    what, path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = fail(-errno, err, errlen, "cannot stat %s '%s': %s", what,
			   path, strerror(errno));
		goto out_close;
	}
	ret = check_stat(what, path, &st, err, errlen);
	if (ret)
		goto out_close;
	*fdp = fd;
	*size = (uint64_t)st.st_size;
	return 0;

out_close:
	close(fd);
	return ret;
}
