// SPDX-License-Identifier: GPL-2.0
/*
 * udpflood ADDR PORT SECONDS [SIZE]: send SIZE-byte (default 1400) UDP
 * datagrams to ADDR:PORT as fast as the host takes them for SECONDS, then
 * print "udpflood: N datagrams, M errors". For virtio-net.sh: a flood
 * towards a guest that does not read its receive queue (not part of lkvm).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	static char buf[65507];
	unsigned long long sent = 0, errors = 0;
	struct timespec now, end;
	size_t size = 1400;
	int fd;

	if (argc < 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: udpflood ADDR PORT SECONDS [SIZE]\n");
		return 2;
	}
	to.sin_port = htons((unsigned short)atoi(argv[2]));
	if (argc > 4)
		size = (size_t)atol(argv[4]);
	if (size > sizeof(buf))
		size = sizeof(buf);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpflood: socket");
		return 1;
	}
	memset(buf, 0x5a, size);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += atoi(argv[3]);
	do {
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&to,
			   sizeof(to)) < 0)
			errors++;
		else
			sent++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec ||
		 (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	printf("udpflood: %llu datagrams, %llu errors\n", sent, errors);
	return 0;
}
