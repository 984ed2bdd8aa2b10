// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024 * 1024)

struct tmp {
	char path[64];
};

/* A sparse file of size bytes in /tmp (or $TMPDIR). */
static bool make_image(struct test_ctx *t, struct tmp *f, off_t size)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(f->path, sizeof(f->path), "%s/lkvm-disk-XXXXXX",
		 dir ? dir : "/tmp");
	fd = mkstemp(f->path);
	if (fd < 0 || ftruncate(fd, size) < 0) {
		test__fail(t, __FILE__, __LINE__, "temp file: %s",
			   strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

static bool open_disk(struct test_ctx *t, struct disk *d, const char *path,
		      bool ro)
{
	char err[512];
	int ret = disk__open(d, path, ro, false, err, sizeof(err));

	if (ret)
		test__fail(t, __FILE__, __LINE__, "disk__open: %s", err);
	return !ret;
}

static long blocks(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_blocks;
}

static void read_write(struct test_ctx *t)
{
	static uint8_t a[8192], b[4096], c[12288];
	const struct virtio_blk_backend_ops *be = &disk__blk_ops;
	struct iovec w[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct iovec r = { c, sizeof(c) };
	struct tmp f;
	struct disk d;

	if (!make_image(t, &f, 4 * MIB) || !open_disk(t, &d, f.path, false))
		return;
	CHECK_EQ(t, d.size, 4 * MIB);
	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	CHECK_EQ(t, be->writev(&d, w, 2, 512 * 7), 0);
	CHECK_EQ(t, be->flush(&d), 0);
	CHECK_EQ(t, be->readv(&d, &r, 1, 512 * 7), 0);
	CHECK(t, !memcmp(c, a, sizeof(a)));
	CHECK(t, !memcmp(c + sizeof(a), b, sizeof(b)));
	/* Reading past the end of the file is an error, not zeroes. */
	CHECK_EQ(t, be->readv(&d, &r, 1, 4 * MIB - 512), -EIO);
	disk__close(&d);
	unlink(f.path);
}

/* Discard and write-zeroes make holes: a sparse image stays sparse. */
static void discard_keeps_sparse(struct test_ctx *t)
{
	static uint8_t buf[MIB];
	const struct virtio_blk_backend_ops *be = &disk__blk_ops;
	struct iovec v = { buf, sizeof(buf) };
	struct tmp f;
	struct disk d;
	long full, after;
	unsigned int i;

	if (!make_image(t, &f, 8 * MIB) || !open_disk(t, &d, f.path, false))
		return;
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < 4; i++)
		CHECK_EQ(t, be->writev(&d, &v, 1, (uint64_t)i * MIB), 0);
	CHECK_EQ(t, be->flush(&d), 0);
	full = blocks(f.path);
	CHECK(t, full >= 4 * MIB / 512);
	CHECK_EQ(t, be->discard(&d, 0, 2 * MIB), 0);
	after = blocks(f.path);
	CHECK(t, after <= full - 2 * MIB / 512);
	CHECK_EQ(t, be->readv(&d, &v, 1, 0), 0);
	CHECK_EQ(t, buf[0], 0);
	CHECK_EQ(t, buf[MIB - 1], 0);

	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(t, be->write_zeroes(&d, 2 * MIB, MIB, true), 0);
	CHECK(t, blocks(f.path) <= after - MIB / 512);
	CHECK_EQ(t, be->readv(&d, &v, 1, 2 * MIB), 0);
	CHECK_EQ(t, buf[0], 0);
	CHECK_EQ(t, buf[MIB - 1], 0);

	/* Without unmap: zeroes all the same (a zeroed range). */
	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(t, be->write_zeroes(&d, 3 * MIB + 512, 1024, false), 0);
	CHECK_EQ(t, be->readv(&d, &v, 1, 3 * MIB), 0);
	CHECK_EQ(t, buf[511], 0x5a);
	CHECK_EQ(t, buf[512], 0);
	CHECK_EQ(t, buf[1535], 0);
	CHECK_EQ(t, buf[1536], 0x5a);
	disk__close(&d);
	unlink(f.path);
}

/* What a second lkvm would see, from another process. */
static int open_in_child(const char *path, bool ro)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct disk d;
		char err[512];

		_exit(disk__open(&d, path, ro, false, err, sizeof(err)) ? 1 :
									  0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void locking(struct test_ctx *t)
{
	struct tmp f;
	struct disk d, d2;
	char err[512];

	if (!make_image(t, &f, MIB) || !open_disk(t, &d, f.path, false))
		return;
	/* Read-write holds it alone: another process, or this one. */
	CHECK_EQ(t, open_in_child(f.path, false), 1);
	CHECK_EQ(t, open_in_child(f.path, true), 1);
	CHECK_EQ(t, disk__open(&d2, f.path, true, false, err, sizeof(err)),
		 -EBUSY);
	CHECK(t, strstr(err, f.path) != NULL);
	CHECK(t, strstr(err, "in use") != NULL);
	disk__close(&d);
	/* Gone with the descriptor. */
	CHECK_EQ(t, open_in_child(f.path, false), 0);
	/* Read-only users share it; a writer is refused. */
	if (!open_disk(t, &d, f.path, true))
		return;
	CHECK_EQ(t, open_in_child(f.path, true), 0);
	CHECK_EQ(t, open_in_child(f.path, false), 1);
	disk__close(&d);
	unlink(f.path);
}

static void read_only(struct test_ctx *t)
{
	static uint8_t buf[512];
	struct iovec v = { buf, sizeof(buf) };
	struct tmp f;
	struct disk d;

	if (!make_image(t, &f, MIB))
		return;
	chmod(f.path, 0444);
	if (!open_disk(t, &d, f.path, true))
		return;
	CHECK_EQ(t, disk__blk_ops.writev(&d, &v, 1, 0), -EROFS);
	CHECK_EQ(t, disk__blk_ops.discard(&d, 0, 512), -EROFS);
	CHECK_EQ(t, disk__blk_ops.readv(&d, &v, 1, 0), 0);
	disk__close(&d);
	unlink(f.path);
}

static void serial(struct test_ctx *t)
{
	struct tmp f, g;
	struct disk d;
	char first[VIRTIO_BLK_ID_BYTES];

	if (!make_image(t, &f, MIB) || !make_image(t, &g, MIB) ||
	    !open_disk(t, &d, f.path, false))
		return;
	CHECK(t, !strncmp(d.serial, "lk", 2));
	CHECK_EQ(t, strnlen(d.serial, sizeof(d.serial)), 18);
	memcpy(first, d.serial, sizeof(first));
	disk__close(&d);
	/* Stable for the same image, different for another. */
	if (!open_disk(t, &d, f.path, false))
		return;
	CHECK(t, !memcmp(first, d.serial, sizeof(first)));
	disk__close(&d);
	if (!open_disk(t, &d, g.path, false))
		return;
	CHECK(t, memcmp(first, d.serial, sizeof(first)));
	disk__close(&d);
	unlink(f.path);
	unlink(g.path);
}

static void bad_images(struct test_ctx *t)
{
	struct tmp f;
	struct disk d;
	char err[512], fifo[80];

	CHECK_EQ(t,
		 disk__open(&d, "/nonexistent/x.img", false, false, err,
			    sizeof(err)),
		 -ENOENT);
	CHECK(t, strstr(err, "/nonexistent/x.img") != NULL);
	CHECK_EQ(t, disk__open(&d, "/", false, false, err, sizeof(err)),
		 -EINVAL);
	CHECK(t, strstr(err, "directory") != NULL);
	if (!make_image(t, &f, 300))
		return;
	CHECK_EQ(t, disk__open(&d, f.path, false, false, err, sizeof(err)),
		 -EINVAL);
	CHECK(t, strstr(err, "less than one") != NULL);
	/* A FIFO is refused without waiting for a writer. */
	snprintf(fifo, sizeof(fifo), "%s.fifo", f.path);
	CHECK_EQ(t, mkfifo(fifo, 0600), 0);
	CHECK_EQ(t, disk__open(&d, fifo, false, false, err, sizeof(err)),
		 -EINVAL);
	unlink(fifo);
	unlink(f.path);
}

/*
 * With ',direct' a misaligned buffer still works: where O_DIRECT refuses
 * it (EINVAL), the buffered descriptor takes the request. (Newer kernels
 * on some devices take it directly; then this only checks ',direct'.)
 */
static void direct_misaligned(struct test_ctx *t)
{
	static uint8_t buf[4096 + 1024] __attribute__((aligned(4096)));
	struct iovec v = { buf + 1, 512 };
	struct tmp f;
	struct disk d;
	char err[512];

	if (!make_image(t, &f, MIB))
		return;
	if (disk__open(&d, f.path, false, true, err, sizeof(err))) {
		/* A $TMPDIR without O_DIRECT: the message says so. */
		CHECK(t, strstr(err, "O_DIRECT") != NULL);
		unlink(f.path);
		return;
	}
	memset(buf, 0x33, sizeof(buf));
	CHECK_EQ(t, disk__blk_ops.writev(&d, &v, 1, 512), 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(t, disk__blk_ops.readv(&d, &v, 1, 512), 0);
	CHECK_EQ(t, buf[1], 0x33);
	CHECK_EQ(t, buf[512], 0x33);
	/* Aligned: O_DIRECT itself. */
	v.iov_base = buf;
	v.iov_len = 4096;
	CHECK_EQ(t, disk__blk_ops.readv(&d, &v, 1, 0), 0);
	disk__close(&d);
	unlink(f.path);
}

TEST_SUITE(disk, TEST(direct_misaligned), TEST(read_write),
	   TEST(discard_keeps_sparse), TEST(locking), TEST(read_only),
	   TEST(serial), TEST(bad_images));
