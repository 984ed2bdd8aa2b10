// SPDX-License-Identifier: GPL-2.0
#include "kvm/passt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Append a copy of s (len bytes) as the next argument. */
static int add(struct passt_argv *a, const char *s, size_t len)
{
	if (a->argc >= PASST_MAX_ARGS || len + 1 > sizeof(a->buf) - a->used)
		return -E2BIG;
	memcpy(a->buf + a->used, s, len);
	a->buf[a->used + len] = '\0';
	a->argv[a->argc++] = a->buf + a->used;
	a->argv[a->argc] = NULL;
	a->used += len + 1;
	return 0;
}

static int add_str(struct passt_argv *a, const char *s)
{
	return add(a, s, strlen(s));
}

/* Options by which passt would take another socket or quit early. */
static bool owned_by_lkvm(const char *s, size_t len)
{
	static const char *const owned[] = { "-F",	 "--fd", "-s",
					     "--socket", "-1",	 "--one-off" };
	unsigned int i;

	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		size_t n = strlen(owned[i]);

		/* "--fd", "--fd=3", and "-F3" alike. */
		if (len >= n && !strncmp(s, owned[i], n) &&
		    (len == n || s[n] == '=' || owned[i][1] != '-'))
			return true;
	}
	return false;
}

/*
 * Does extra choose passt's addresses or interface itself? Then the link
 * on lo is left to it.
 */
static bool sets_addressing(const char *extra)
{
	static const char *const keys[] = {
		"-a", "--address",   "-g", "--gateway",	  "-n", "--netmask",
		"-i", "--interface", "-4", "--ipv4-only", "-6", "--ipv6-only"
	};
	const char *p, *end;
	unsigned int i;

	for (p = extra; p && *p; p = end) {
		while (*p == ' ')
			p++;
		end = strchrnul(p, ' ');
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t n = strlen(keys[i]);

			/* "-a", "-a10.0.2.15", "--address", "--address=..." */
			if (!strncmp(p, keys[i], n) &&
			    (p + n == end || p[n] == '=' || keys[i][1] != '-'))
				return true;
		}
	}
	return false;
}

int passt__build_argv(struct passt_argv *a, const char *prog, int fd,
		      const uint8_t host_mac[6], bool verbose,
		      bool no_default_route, const char *extra, char *err,
		      size_t errlen)
{
	char num[16], mac[18];
	const char *p, *end;
	int ret = 0;

	a->argc = 0;
	a->used = 0;
	a->argv[0] = NULL;
	snprintf(num, sizeof(num), "%d", fd);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", host_mac[0],
		 host_mac[1], host_mac[2], host_mac[3], host_mac[4],
		 host_mac[5]);
	ret |= add_str(a, prog);
	ret |= add_str(a, "--foreground");
	if (!verbose)
		ret |= add_str(a, "--quiet");
	ret |= add_str(a, "--fd");
	ret |= add_str(a, num);
	ret |= add_str(a, "--mac-addr");
	ret |= add_str(a, mac);
	if (no_default_route && !sets_addressing(extra)) {
		/* passt takes its addresses from the host's default route;
		 * without one it is given a link of its own on lo. */
		ret |= add_str(a, "-4");
		ret |= add_str(a, "--interface");
		ret |= add_str(a, "lo");
		ret |= add_str(a, "--address");
		ret |= add_str(a, PASST_LO_ADDR);
		ret |= add_str(a, "--netmask");
		ret |= add_str(a, PASST_LO_PREFIX);
		ret |= add_str(a, "--gateway");
		ret |= add_str(a, PASST_LO_GW);
	}
	if (ret)
		return fail(err, errlen, "passt's command line is too long");
	for (p = extra; p && *p; p = end) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		end = strchr(p, ' ');
		if (!end)
			end = p + strlen(p);
		if (owned_by_lkvm(p, (size_t)(end - p)))
			return fail(
				err, errlen,
				"passt option '%.*s' is lkvm's to set: lkvm gives passt its socket",
				(int)(end - p), p);
		if (add(a, p, (size_t)(end - p)))
			return fail(
				err, errlen,
				"passt= has too many options or is too long");
	}
	return 0;
}

/* Does a line of /proc/net/route say: default route, up, not on lo? */
static bool route4_default(const char *line, size_t len)
{
	char iface[32], dst[16], mask[16];
	unsigned int flags;
	char copy[256];

	if (len >= sizeof(copy))
		return false;
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (sscanf(copy, "%31s %15s %*s %x %*s %*s %*s %15s", iface, dst,
		   &flags, mask) != 4)
		return false;
	return !strcmp(dst, "00000000") && !strcmp(mask, "00000000") &&
	       (flags & 1) && strcmp(iface, "lo");
}

/* The same for a line of /proc/net/ipv6_route (::/0, not on lo). */
static bool route6_default(const char *line, size_t len)
{
	char dst[40], plen[8], iface[32];
	char copy[256];

	if (len >= sizeof(copy))
		return false;
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (sscanf(copy, "%39s %7s %*s %*s %*s %*s %*s %*s %*s %31s", dst, plen,
		   iface) != 3)
		return false;
	return !strcmp(dst, "00000000000000000000000000000000") &&
	       !strcmp(plen, "00") && strcmp(iface, "lo");
}

static bool any_line(const char *text, bool (*fn)(const char *, size_t))
{
	const char *p = text, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		if (fn(p, nl ? (size_t)(nl - p) : strlen(p)))
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

bool passt__has_default_route(const char *route4, const char *route6)
{
	return any_line(route4, route4_default) ||
	       any_line(route6, route6_default);
}
