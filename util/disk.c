// SPDX-License-Identifier: GPL-2.0
#include "kvm/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/falloc.h>

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

static void make_serial(struct disk *d)
{
	char real[PATH_MAX], buf[24];
	const char *p = realpath(d->path, real) ? real : d->path;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *p; p++) {
		h ^= (uint8_t)*p;
		h *= 0x100000001b3ULL;
	}
	snprintf(buf, sizeof(buf), "lk%016llx", (unsigned long long)h);
	memset(d->serial, 0, sizeof(d->serial));
	memcpy(d->serial, buf, strlen(buf));
}

static int lock_image(struct disk *d, char *err, size_t errlen)
{
	struct flock fl = {
		.l_type = d->ro ? F_RDLCK : F_WRLCK,
		.l_whence = SEEK_SET,
	};

	if (fcntl(d->fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return fail(
			-EBUSY, err, errlen,
			"disk image '%s' is in use (locked by another lkvm, a QEMU or this lkvm's other --disk)%s",
			d->path,
			d->ro ? "" :
				" and cannot be shared read-write; ',ro' disks share it only with other read-only users");
	return fail(-errno, err, errlen, "cannot lock disk image '%s': %s",
		    d->path, strerror(errno));
}

static int check_type(const char *path, const struct stat *st, char *err,
		      size_t errlen)
{
	if (S_ISREG(st->st_mode) || S_ISBLK(st->st_mode))
		return 0;
	if (S_ISDIR(st->st_mode))
		return fail(
			-EINVAL, err, errlen,
			"disk image '%s' is a directory: lkvm takes raw disk images only (no 9p root directory)",
			path);
	return fail(-EINVAL, err, errlen,
		    "disk image '%s' is not a regular file or block device",
		    path);
}

int disk__open(struct disk *d, const char *path, bool ro, bool direct,
	       char *err, size_t errlen)
{
	int flags = (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY;
	struct stat st;
	off_t end;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->buffered_fd = -1;
	d->ro = ro;
	d->direct = direct;
	/* Look first: opening a FIFO would wait for a writer. */
	if (stat(path, &st) < 0)
		return fail(-errno, err, errlen,
			    "cannot open disk image '%s': %s", path,
			    strerror(errno));
	ret = check_type(path, &st, err, errlen);
	if (ret)
		return ret;
	d->path = strdup(path);
	if (!d->path)
		return fail(-ENOMEM, err, errlen, "out of memory");
	d->fd = open(path, flags | O_NONBLOCK | (direct ? O_DIRECT : 0));
	if (d->fd < 0 && direct && errno == EINVAL) {
		ret = fail(
			-EINVAL, err, errlen,
			"disk image '%s': its file system does not take O_DIRECT (drop ',direct')",
			path);
		goto out;
	}
	if (d->fd < 0) {
		ret = fail(-errno, err, errlen,
			   "cannot open disk image '%s'%s: %s", path,
			   ro ? "" : " for writing (',ro' opens it read-only)",
			   strerror(errno));
		goto out;
	}
	/* O_NONBLOCK was only for the open; regular files ignore it. */
	if (fcntl(d->fd, F_SETFL, 0) < 0 || fstat(d->fd, &st) < 0) {
		ret = fail(-errno, err, errlen, "disk image '%s': %s", path,
			   strerror(errno));
		goto out;
	}
	ret = check_type(path, &st, err, errlen);
	if (ret)
		goto out;
	ret = lock_image(d, err, errlen);
	if (ret)
		goto out;
	if (direct) {
		d->buffered_fd = open(path, flags);
		if (d->buffered_fd < 0) {
			ret = fail(-errno, err, errlen,
				   "cannot open disk image '%s': %s", path,
				   strerror(errno));
			goto out;
		}
	}
	end = lseek(d->fd, 0, SEEK_END);
	if (end < 0) {
		ret = fail(-errno, err, errlen,
			   "cannot find the size of disk image '%s': %s", path,
			   strerror(errno));
		goto out;
	}
	d->size = (uint64_t)end;
	if (d->size < VIRTIO_BLK_SECTOR) {
		ret = fail(
			-EINVAL, err, errlen,
			"disk image '%s' is %llu bytes, less than one %u-byte sector",
			path, (unsigned long long)d->size, VIRTIO_BLK_SECTOR);
		goto out;
	}
	make_serial(d);
	return 0;
out:
	disk__close(d);
	return ret;
}

int disk__flush(struct disk *d)
{
	if (d->fd < 0 || d->ro)
		return 0;
	while (fdatasync(d->fd) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

void disk__close(struct disk *d)
{
	if (d->fd >= 0) {
		disk__flush(d);
		close(d->fd);
	}
	if (d->buffered_fd >= 0)
		close(d->buffered_fd);
	d->fd = -1;
	d->buffered_fd = -1;
	free(d->path);
	d->path = NULL;
}

/* Drop done bytes from the front of v[0, *cnt). */
static struct iovec *advance(struct iovec *v, int *cnt, size_t done)
{
	while (*cnt && done >= v->iov_len) {
		done -= v->iov_len;
		v++;
		(*cnt)--;
	}
	if (*cnt) {
		v->iov_base = (uint8_t *)v->iov_base + done;
		v->iov_len -= done;
	}
	return v;
}

/* All of iov at off, resuming after short transfers; 0 or -errno. */
static int transfer(struct disk *d, int fd, const struct iovec *iov, int iovcnt,
		    uint64_t off, bool write)
{
	struct iovec local[VIRTIO_BLK_QUEUE_SIZE], *v = local;
	int cnt = iovcnt;
	ssize_t n;

	if (iovcnt < 0 || iovcnt > VIRTIO_BLK_QUEUE_SIZE)
		return -EINVAL;
	memcpy(local, iov, sizeof(*iov) * (size_t)iovcnt);
	while (cnt) {
		if (cnt > IOV_MAX)
			return -EINVAL;
		n = write ? pwritev(fd, v, cnt, (off_t)off) :
			    preadv(fd, v, cnt, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EINVAL && fd == d->fd &&
		    d->buffered_fd >= 0)
			return -EAGAIN; /* O_DIRECT refused this one */
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		off += (uint64_t)n;
		v = advance(v, &cnt, (size_t)n);
	}
	return 0;
}

static int rw(struct disk *d, const struct iovec *iov, int iovcnt, uint64_t off,
	      bool write)
{
	int ret = transfer(d, d->fd, iov, iovcnt, off, write);

	/* O_DIRECT wants aligned buffers and lengths; the guest's may not
	 * be (or the host's logical block is larger than 512 bytes). */
	if (ret == -EAGAIN)
		ret = transfer(d, d->buffered_fd, iov, iovcnt, off, write);
	return ret;
}

static int disk_readv(void *opaque, const struct iovec *iov, int iovcnt,
		      uint64_t off)
{
	return rw(opaque, iov, iovcnt, off, false);
}

static int disk_writev(void *opaque, const struct iovec *iov, int iovcnt,
		       uint64_t off)
{
	struct disk *d = opaque;

	if (d->ro)
		return -EROFS;
	return rw(d, iov, iovcnt, off, true);
}

static int disk_flush(void *opaque)
{
	return disk__flush(opaque);
}

static int try_fallocate(struct disk *d, int mode, uint64_t off, uint64_t len,
			 bool *refused)
{
	if (*refused)
		return -EOPNOTSUPP;
	while (fallocate(d->fd, mode, (off_t)off, (off_t)len) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EOPNOTSUPP || errno == ENOSYS) {
			*refused = true;
			return -EOPNOTSUPP;
		}
		return -errno;
	}
	return 0;
}

/* Give the space back: a hole reads as zeroes and takes no blocks. */
static int disk_discard(void *opaque, uint64_t off, uint64_t len)
{
	struct disk *d = opaque;
	int ret;

	if (d->ro)
		return -EROFS;
	ret = try_fallocate(d, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
			    len, &d->no_punch);
	/* Discard is a hint: where holes cannot be made, the data stays. */
	return ret == -EOPNOTSUPP ? 0 : ret;
}

static int write_zero_blocks(struct disk *d, uint64_t off, uint64_t len)
{
	static const uint8_t zero[65536];
	struct iovec v;
	int ret;

	while (len) {
		v.iov_base = (void *)zero;
		v.iov_len = len < sizeof(zero) ? len : sizeof(zero);
		ret = rw(d, &v, 1, off, true);
		if (ret)
			return ret;
		off += v.iov_len;
		len -= v.iov_len;
	}
	return 0;
}

/*
 * Zeroes without writing them where the file system can: a hole when the
 * driver allows unmapping (or zeroing a range is not supported), else a
 * zeroed range; plain zero writes as the last resort.
 */
static int disk_write_zeroes(void *opaque, uint64_t off, uint64_t len,
			     bool unmap)
{
	struct disk *d = opaque;
	int ret = -EOPNOTSUPP;

	if (d->ro)
		return -EROFS;
	if (!unmap)
		ret = try_fallocate(d,
				    FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
				    off, len, &d->no_zero_range);
	if (ret == -EOPNOTSUPP)
		ret = try_fallocate(d,
				    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				    off, len, &d->no_punch);
	if (ret == -EOPNOTSUPP)
		ret = write_zero_blocks(d, off, len);
	return ret;
}

const struct virtio_blk_backend_ops disk__blk_ops = {
	.readv = disk_readv,
	.writev = disk_writev,
	.flush = disk_flush,
	.discard = disk_discard,
	.write_zeroes = disk_write_zeroes,
};
