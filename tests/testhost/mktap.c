// SPDX-License-Identifier: GPL-2.0
/*
 * mktap NAME UID: make NAME a persistent tap interface owned by UID, which
 * may then attach to it without privileges; mktap -d NAME: remove it. For
 * virtio-net-tap.sh (busybox has no `ip tuntap`; not part of lkvm).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: mktap NAME UID | mktap -d NAME\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int del = argc == 3 && !strcmp(argv[1], "-d");
	const char *name = del ? argv[2] : argv[1];
	unsigned long uid = 0;
	char *end;
	int fd;

	if (argc != 3 || strlen(name) >= IFNAMSIZ || !name[0])
		return usage();
	if (!del) {
		errno = 0;
		uid = strtoul(argv[2], &end, 10);
		if (errno || *end || end == argv[2])
			return usage();
	}
	strcpy(ifr.ifr_name, name);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "mktap: /dev/net/tun: %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "mktap: %s: TUNSETIFF: %s\n", name,
			strerror(errno));
		goto fail;
	}
	if (!del && ioctl(fd, TUNSETOWNER, uid) < 0) {
		fprintf(stderr, "mktap: %s: TUNSETOWNER: %s\n", name,
			strerror(errno));
		goto fail;
	}
	if (ioctl(fd, TUNSETPERSIST, del ? 0 : 1) < 0) {
		fprintf(stderr, "mktap: %s: TUNSETPERSIST: %s\n", name,
			strerror(errno));
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return 1;
}
