// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/input.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct scratch {
	char dir[64];
	char path[128];
};

static bool scratch_make(struct test_ctx *t, struct scratch *s)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/lkvm-input-XXXXXX");
	if (!mkdtemp(s->dir)) {
		test__fail(t, __FILE__, __LINE__, "mkdtemp: %s",
			   strerror(errno));
		return false;
	}
	return true;
}

static const char *scratch_path(struct scratch *s, const char *name)
{
	snprintf(s->path, sizeof(s->path), "%s/%s", s->dir, name);
	return s->path;
}

static void scratch_drop(struct scratch *s, const char *name)
{
	if (name)
		unlink(scratch_path(s, name));
	rmdir(s->dir);
}

/* input__open must refuse PATH with a message holding `mention`. */
static void expect_refused(struct test_ctx *t, int line, const char *path,
			   const char *mention)
{
	char err[256] = "";
	uint64_t size = 77;
	int fd = -77, ret;

	ret = input__open("initrd", path, &fd, &size, err, sizeof(err));
	if (ret >= 0)
		test__fail(t, __FILE__, line, "'%s' taken (ret %d)", path, ret);
	else if (fd != -77 || size != 77)
		test__fail(t, __FILE__, line, "'%s': outputs written", path);
	else if (!strstr(err, mention) || !strstr(err, "initrd"))
		test__fail(t, __FILE__, line, "'%s': \"%s\" lacks \"%s\"", path,
			   err, mention);
}

static void regular_file(struct test_ctx *t)
{
	struct scratch s;
	char err[256], buf[8] = { 0 };
	uint64_t size = 0;
	int fd = -1, wfd;

	if (!scratch_make(t, &s))
		return;
	wfd = open(scratch_path(&s, "f"), O_WRONLY | O_CREAT, 0600);
	CHECK(t, wfd >= 0 && write(wfd, "hello", 5) == 5);
	close(wfd);
	CHECK_EQ(t, input__open("kernel", s.path, &fd, &size, err, sizeof(err)),
		 0);
	CHECK_EQ(t, size, 5);
	CHECK(t, fd >= 0);
	/* Readable from the start, in blocking mode as any file. */
	CHECK_EQ(t, read(fd, buf, sizeof(buf)), 5);
	CHECK_STR(t, buf, "hello");
	CHECK(t, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	scratch_drop(&s, "f");
}

static void empty_file(struct test_ctx *t)
{
	struct scratch s;
	int wfd;

	if (!scratch_make(t, &s))
		return;
	wfd = open(scratch_path(&s, "empty"), O_WRONLY | O_CREAT, 0600);
	CHECK(t, wfd >= 0);
	close(wfd);
	expect_refused(t, __LINE__, s.path, "is empty");
	scratch_drop(&s, "empty");
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * No writer ever comes: a blocking open() would wait for good. An alarm
 * interrupts such an open (EINTR), so a regression fails, not hangs.
 */
static void fifo(struct test_ctx *t)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct scratch s;

	if (!scratch_make(t, &s))
		return;
	CHECK_EQ(t, mkfifo(scratch_path(&s, "fifo"), 0600), 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarm(5);
	expect_refused(t, __LINE__, s.path, "FIFO, not a regular file");
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	scratch_drop(&s, "fifo");
}

static void not_regular(struct test_ctx *t)
{
	struct scratch s;

	if (!scratch_make(t, &s))
		return;
	expect_refused(t, __LINE__, s.dir, "directory, not a regular file");
	expect_refused(t, __LINE__, "/dev/null",
		       "character device, not a regular file");
	expect_refused(t, __LINE__, scratch_path(&s, "missing"), "cannot open");
	expect_refused(t, __LINE__, "", "cannot open");
	scratch_drop(&s, NULL);
}

TEST_SUITE(input, TEST(regular_file), TEST(empty_file), TEST(fifo),
	   TEST(not_regular));
