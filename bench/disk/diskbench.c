// SPDX-License-Identifier: GPL-2.0
/*
 * diskbench: the disk section of `make bench`. A static aarch64 program
 * run inside the guest on a virtio-blk disk and in the test host on the
 * image file itself (the limit), so the two are timed the same way.
 *
 *   diskbench FILE TEST SIZE_MIB SECONDS
 *
 * TEST: seqwrite (1 MiB pwrite, then fdatasync), seqread (1 MiB pread),
 * rand1 (4 KiB pread at random 4 KiB-aligned offsets, one at a time),
 * rand32 (the same from 32 threads: queue depth 32), or all (in that
 * order). Sequential tests make one pass over SIZE_MIB, or stop after
 * SECONDS; random ones run for SECONDS. O_DIRECT when the file takes it
 * (direct=0 on the line says it did not). One line per test:
 *   DISKBENCH test=T bytes=B ns=N ops=O mib_s=X iops=Y direct=D
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEQ_BLOCK (1024 * 1024)
#define RAND_BLOCK 4096
#define MAX_THREADS 32

static const char *path;
static int fd;
static int direct = 1;
static uint64_t size;
static double seconds;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	printf("DISKBENCH-ERROR %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *buffer(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		die("posix_memalign");
	memset(p, 0x5a, len);
	return p;
}

static void report(const char *test, uint64_t bytes, uint64_t ns, uint64_t ops)
{
	double s = ns / 1e9;

	printf("DISKBENCH test=%s bytes=%llu ns=%llu ops=%llu mib_s=%.1f iops=%.0f direct=%d\n",
	       test, (unsigned long long)bytes, (unsigned long long)ns,
	       (unsigned long long)ops, bytes / 1048576.0 / s, ops / s, direct);
	fflush(stdout);
}

static void sequential(int write)
{
	uint8_t *buf = buffer(SEQ_BLOCK);
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)(seconds * 1e9);
	uint64_t off, ops = 0;
	ssize_t n;

	for (off = 0; off + SEQ_BLOCK <= size && now_ns() < deadline;
	     off += SEQ_BLOCK) {
		n = write ? pwrite(fd, buf, SEQ_BLOCK, (off_t)off) :
			    pread(fd, buf, SEQ_BLOCK, (off_t)off);
		if (n != SEQ_BLOCK)
			die(write ? "pwrite" : "pread");
		ops++;
	}
	if (write && fdatasync(fd))
		die("fdatasync");
	report(write ? "seqwrite" : "seqread", ops * SEQ_BLOCK, now_ns() - t0,
	       ops);
	free(buf);
}

struct worker {
	pthread_t thread;
	uint64_t seed;
	uint64_t deadline;
	uint64_t ops;
};

static void *rand_reader(void *arg)
{
	struct worker *w = arg;
	uint8_t *buf = buffer(RAND_BLOCK);
	uint64_t x = w->seed | 1, blocks = size / RAND_BLOCK;

	while (now_ns() < w->deadline) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buf, RAND_BLOCK,
			  (off_t)((x % blocks) * RAND_BLOCK)) != RAND_BLOCK)
			die("pread");
		w->ops++;
	}
	free(buf);
	return NULL;
}

static void random_reads(int threads)
{
	struct worker w[MAX_THREADS];
	uint64_t t0 = now_ns(), ops = 0;
	char name[16];
	int i;

	for (i = 0; i < threads; i++) {
		w[i] = (struct worker){
			.seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1),
			.deadline = t0 + (uint64_t)(seconds * 1e9),
		};
		if (pthread_create(&w[i].thread, NULL, rand_reader, &w[i]))
			die("pthread_create");
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		ops += w[i].ops;
	}
	snprintf(name, sizeof(name), "rand%d", threads);
	report(name, ops * RAND_BLOCK, now_ns() - t0, ops);
}

int main(int argc, char **argv)
{
	const char *test;

	if (argc != 5) {
		fprintf(stderr,
			"usage: diskbench FILE TEST SIZE_MIB SECONDS\n");
		return 2;
	}
	path = argv[1];
	test = argv[2];
	size = strtoull(argv[3], NULL, 10) * 1024 * 1024;
	seconds = strtod(argv[4], NULL);
	fd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0 && errno == EINVAL) {
		direct = 0; /* a file system without O_DIRECT */
		fd = open(path, O_RDWR);
	}
	if (fd < 0)
		die(path);
	if (size < SEQ_BLOCK || seconds <= 0) {
		errno = EINVAL;
		die("SIZE_MIB and SECONDS");
	}
	if (!strcmp(test, "seqwrite") || !strcmp(test, "all"))
		sequential(1);
	if (!strcmp(test, "seqread") || !strcmp(test, "all"))
		sequential(0);
	if (!strcmp(test, "rand1") || !strcmp(test, "all"))
		random_reads(1);
	if (!strcmp(test, "rand32") || !strcmp(test, "all"))
		random_reads(32);
	printf("DISKBENCH-DONE\n");
	return 0;
}
