// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's name, directory and lifetime, and the client's
 * side of a connection (see kvm/control-server.h).
 */
#include "kvm/control-server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

bool ctl__name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > CTL_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '+'))
			return false;
	}
	return true;
}

int ctl__dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *home = getenv("HOME");
	int n;

	/* Only absolute paths: a relative one would follow the cwd. */
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/lkvm", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.lkvm", home);
	else
		return -ENOENT;
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int ctl__sock_path(const char *dir, const char *name, char *buf, size_t len)
{
	struct sockaddr_un sun;
	int n;

	n = snprintf(buf, len, "%s/%s%s", dir, name, CTL_SUFFIX);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int ctl__make_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
			 strerror(errno));
		return -errno;
	}
	if (lstat(dir, &st)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen,
			 "%s belongs to uid %u, not to this user (uid %u)", dir,
			 (unsigned int)st.st_uid, (unsigned int)geteuid());
		return -EPERM;
	}
	/* Ours but open to others: nobody else has business in it. */
	if ((st.st_mode & 077) && chmod(dir, 0700)) {
		snprintf(err, errlen, "cannot make %s private: %s", dir,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static int fill_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

int ctl__connect(const char *path)
{
	struct sockaddr_un sun;
	int fd, ret;

	ret = fill_addr(path, &sun);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* Is a VM listening at path? 1 yes, 0 no socket or a dead one, -errno. */
static int path_live(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -EEXIST;
	}
	fd = ctl__connect(path);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (fd == -ECONNREFUSED || fd == -ENOENT) {
		/* Nobody listens: left behind by a VM that died. */
		if (unlink(path) && errno != ENOENT)
			return -errno;
		return 0;
	}
	return fd;
}

static int bind_listen(const char *path)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, ret;

	ret = fill_addr(path, &sun);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* 0600 from the start: no window where others could connect. */
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (!ret)
		ret = listen(fd, 16);
	if (ret) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int ctl__listen(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	int dfd, fd, live;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	/* Two VMs starting with one name: the second waits, then sees it. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || flock(dfd, LOCK_EX)) {
		snprintf(err, errlen, "cannot lock %s: %s", dir,
			 strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -errno;
	}
	err[0] = '\0';
	live = path_live(path, err, errlen);
	if (live > 0) {
		fd = -EADDRINUSE;
		snprintf(err, errlen, "a VM is already running with socket %s",
			 path);
	} else if (live < 0) {
		fd = live;
		if (!err[0])
			snprintf(err, errlen, "%s: %s", path, strerror(-live));
	} else {
		fd = bind_listen(path);
		if (fd < 0)
			snprintf(err, errlen, "cannot listen on %s: %s", path,
				 strerror(-fd));
	}
	close(dfd); /* and so unlock */
	return fd;
}

int ctl__send(int fd, const void *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		n = poll(&pfd, 1, timeout_ms);
		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

static int64_t ms_left(const struct timespec *end, int timeout_ms)
{
	struct timespec now;

	if (timeout_ms < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (end->tv_sec - now.tv_sec) * 1000 +
	       (end->tv_nsec - now.tv_nsec) / 1000000;
}

/* Read exactly len bytes before the deadline. */
static int recv_all(int fd, uint8_t *p, size_t len, const struct timespec *end,
		    int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t left;
	ssize_t n;

	while (len) {
		left = ms_left(end, timeout_ms);
		if (timeout_ms >= 0 && left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctl__recv(int fd, uint8_t **buf, struct ctl_msg *m, int timeout_ms)
{
	uint8_t hdr[4], *frame;
	struct timespec end;
	size_t len;
	int ret;

	*buf = NULL;
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (timeout_ms >= 0) {
		end.tv_sec += timeout_ms / 1000;
		end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
	}
	ret = recv_all(fd, hdr, sizeof(hdr), &end, timeout_ms);
	if (ret)
		return ret;
	ret = ctl_msg__frame_len(hdr, sizeof(hdr), CTL_MAX_MESSAGE, &len);
	if (ret)
		return ret;
	frame = malloc(len);
	if (!frame)
		return -ENOMEM;
	memcpy(frame, hdr, sizeof(hdr));
	ret = recv_all(fd, frame + 4, len - 4, &end, timeout_ms);
	if (!ret)
		ret = ctl_msg__parse(frame, len, m);
	if (ret) {
		free(frame);
		return ret;
	}
	*buf = frame;
	return 0;
}
