// SPDX-License-Identifier: GPL-2.0
#include "kvm/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum log_level log__level = LOG_WARNING;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* One write, so lines from vCPU threads do not interleave. */
	fprintf(stderr, "lkvm: %s%s\n", prefix, buf);
}

#define DEFINE_LOG(fn, level, prefix)     \
	void fn(const char *fmt, ...)     \
	{                                 \
		va_list ap;               \
		if (log__level < (level)) \
			return;           \
		va_start(ap, fmt);        \
		vlog(prefix, fmt, ap);    \
		va_end(ap);               \
	}

DEFINE_LOG(pr_err, LOG_ERROR, "")
DEFINE_LOG(pr_warn, LOG_WARNING, "warning: ")
DEFINE_LOG(pr_info, LOG_INFO, "")
DEFINE_LOG(pr_debug, LOG_DEBUG, "debug: ")

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
	exit(1);
}

void die_perror(const char *what)
{
	die("%s: %s", what, strerror(errno));
}
