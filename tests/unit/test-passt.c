// SPDX-License-Identifier: GPL-2.0
/*
 * passt's command line (defaults, the made-up link on a host without a
 * default route, passt= options split and checked), the default-route
 * test, and running a stand-in for passt: missing, quitting at start
 * (its last real message reported), running and then stopped.
 */
#include "test.h"

#include "kvm/passt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const uint8_t mac[6] = { 0x02, 0xab, 0, 0, 0, 0x01 };

static void argv_defaults(struct test_ctx *t)
{
	static struct passt_argv a;
	char err[200] = "";

	CHECK_EQ(t,
		 passt__build_argv(&a, "/usr/bin/passt", 5, mac, false, false,
				   NULL, err, sizeof(err)),
		 0);
	CHECK_EQ(t, a.argc, 7);
	CHECK_STR(t, a.argv[0], "/usr/bin/passt");
	CHECK_STR(t, a.argv[1], "--foreground");
	CHECK_STR(t, a.argv[2], "--quiet");
	CHECK_STR(t, a.argv[3], "--fd");
	CHECK_STR(t, a.argv[4], "5");
	CHECK_STR(t, a.argv[5], "--mac-addr");
	CHECK_STR(t, a.argv[6], "02:ab:00:00:00:01");
	CHECK(t, a.argv[7] == NULL);
	/* Verbose: no --quiet. No default route: a link on lo. */
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, true, true, NULL, err,
				   sizeof(err)),
		 0);
	CHECK_STR(t, a.argv[1], "--foreground");
	CHECK_STR(t, a.argv[2], "--fd");
	CHECK_EQ(t, a.argc, 15);
	CHECK_STR(t, a.argv[6], "-4");
	CHECK_STR(t, a.argv[8], "lo");
	CHECK_STR(t, a.argv[10], PASST_LO_ADDR);
	CHECK_STR(t, a.argv[14], PASST_LO_GW);
	CHECK(t, a.argv[15] == NULL);
}

static void argv_extra(struct test_ctx *t)
{
	static struct passt_argv a;
	char err[200] = "", big[3000];

	/* Split at spaces (any number). */
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, false,
				   "  -t 8080,8081  --dns-forward 10.0.2.3 ",
				   err, sizeof(err)),
		 0);
	CHECK_EQ(t, a.argc, 11);
	CHECK_STR(t, a.argv[7], "-t");
	CHECK_STR(t, a.argv[8], "8080,8081");
	CHECK_STR(t, a.argv[9], "--dns-forward");
	CHECK_STR(t, a.argv[10], "10.0.2.3");
	CHECK(t, a.argv[11] == NULL);
	/* Without a default route the link on lo comes first... */
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, true, "-t 80",
				   err, sizeof(err)),
		 0);
	CHECK_EQ(t, a.argc, 18);
	CHECK_STR(t, a.argv[7], "-4");
	CHECK_STR(t, a.argv[17], "80");
	/* ...unless the options choose addresses or the interface. */
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, true,
				   "-t 80 -a 192.168.7.2", err, sizeof(err)),
		 0);
	CHECK_EQ(t, a.argc, 11);
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, true,
				   "--interface=eth1", err, sizeof(err)),
		 0);
	CHECK_EQ(t, a.argc, 8);
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, true, "-6", err,
				   sizeof(err)),
		 0);
	CHECK_EQ(t, a.argc, 8);
	/* Not a prefix of a longer option name. */
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, true,
				   "--gatewayx", err, sizeof(err)),
		 0);
	CHECK_EQ(t, a.argc, 17);
	/* What lkvm sets itself is refused, in every spelling. */
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, false,
				   "-t 22 --fd 4", err, sizeof(err)),
		 -EINVAL);
	CHECK(t, strstr(err, "'--fd'") != NULL);
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, false, "--fd=4",
				   err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, false, "-F4",
				   err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, false,
				   "--socket /tmp/s", err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, false, "-1", err,
				   sizeof(err)),
		 -EINVAL);
	/* Not a prefix match on long names: --fdx is passt's to judge. */
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, false, "--fdx",
				   err, sizeof(err)),
		 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ(t,
		 passt__build_argv(&a, "passt", 3, mac, false, false, big, err,
				   sizeof(err)),
		 -EINVAL);
	CHECK(t, strstr(err, "too long") != NULL);
}

static void default_route(struct test_ctx *t)
{
	static const char hdr4[] =
		"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
	char r4[512];
	static const char r6_lo[] =
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
	static const char r6_eth[] =
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n";

	CHECK(t, !passt__has_default_route(NULL, NULL));
	CHECK(t, !passt__has_default_route(hdr4, r6_lo));
	snprintf(
		r4, sizeof(r4),
		"%seth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
		hdr4);
	CHECK(t, !passt__has_default_route(r4, NULL));
	snprintf(
		r4, sizeof(r4),
		"%seth0\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
		hdr4);
	CHECK(t, passt__has_default_route(r4, NULL));
	/* Down (no RTF_UP), or on lo: not a way out. */
	r4[strlen(hdr4) + 26] = '2';
	CHECK(t, !passt__has_default_route(r4, NULL));
	snprintf(r4, sizeof(r4),
		 "%slo\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n",
		 hdr4);
	CHECK(t, !passt__has_default_route(r4, NULL));
	CHECK(t, passt__has_default_route(NULL, r6_eth));
}

/* A stand-in for passt: a shell script in a temporary file. */
static char *script(const char *body)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/lkvm-test-passt.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		return NULL;
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0700);
	return path;
}

static void run_missing(struct test_ctx *t)
{
	struct passt_params pp = { .prog = "/nonexistent/passt" };
	struct passt p;
	char err[300] = "";

	CHECK_EQ(t, passt__start(&p, &pp, 100, err, sizeof(err)), -ENOENT);
	CHECK(t, strstr(err, "needs passt") != NULL);
	CHECK(t, strstr(err, "Debian package passt") != NULL);
	pp.prog = "lkvm-no-such-passt";
	CHECK_EQ(t, passt__start(&p, &pp, 100, err, sizeof(err)), -ENOENT);
	CHECK(t, strstr(err, "'lkvm-no-such-passt'") != NULL);
}

static void run_quits_at_start(struct test_ctx *t)
{
	struct passt_params pp = { .host_mac = { 2 } };
	char *path = script("echo 'Failed to send 35 bytes to syslog' >&2\n"
			    "echo 'Invalid port specifier 99999' >&2\n"
			    "echo 'Failed to send 12 bytes to syslog' >&2\n"
			    "exit 3");
	struct passt p;
	char err[300] = "";

	if (!path) {
		test__fail(t, __FILE__, __LINE__, "no temporary file");
		return;
	}
	pp.prog = path;
	/* The grace period is an upper bound: it quits well within. */
	CHECK_EQ(t, passt__start(&p, &pp, 20000, err, sizeof(err)), -EPIPE);
	CHECK(t,
	      strstr(err,
		     "quit at start (exit status 3): Invalid port specifier 99999") !=
		      NULL);
	CHECK_EQ(t, p.pid, 0);
	unlink(path);
}

static void run_and_stop(struct test_ctx *t)
{
	struct passt_params pp = { .host_mac = { 2 } };
	char *path = script("for a; do echo \"$a\"; done > \"$0.tmp\"\n"
			    "mv \"$0.tmp\" \"$0.args\"\n"
			    "exec sleep 60");
	char args[256], err[300] = "", how[64];
	struct passt p;
	FILE *f;
	size_t n = 0;

	if (!path) {
		test__fail(t, __FILE__, __LINE__, "no temporary file");
		return;
	}
	pp.prog = path;
	pp.extra = "-t 22";
	CHECK_EQ(t, passt__start(&p, &pp, 200, err, sizeof(err)), 0);
	CHECK(t, p.pid > 0 && p.fd >= 0);
	CHECK(t, !passt__reap(&p, 0));
	/* Its arguments written (renamed into place whole), then stop it:
	 * on a loaded machine the shell may not have got so far yet. */
	snprintf(args, sizeof(args), "%s.args", path);
	for (n = 0; n < 1000 && access(args, F_OK); n++)
		usleep(10000);
	n = 0;
	passt__stop(&p);
	CHECK(t, p.reaped);
	CHECK(t, WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGTERM);
	passt__describe_exit(&p, how, sizeof(how));
	CHECK(t, strstr(how, "signal 15") != NULL);
	snprintf(args, sizeof(args), "%s.args", path);
	f = fopen(args, "r");
	if (f) {
		n = fread(err, 1, sizeof(err) - 1, f);
		fclose(f);
	}
	err[n] = '\0';
	/* The socket it was given is the fd passed on. */
	CHECK(t, strstr(err, "--fd\n") != NULL);
	CHECK(t, strstr(err, "--quiet\n-t\n22\n") == NULL);
	CHECK(t, strstr(err, "-t\n22\n") != NULL);
	unlink(args);
	unlink(path);
}

TEST_SUITE(passt, TEST(argv_defaults), TEST(argv_extra), TEST(default_route),
	   TEST(run_missing), TEST(run_quits_at_start), TEST(run_and_stop));
