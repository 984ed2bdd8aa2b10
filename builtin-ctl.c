// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that drive running VMs through their control sockets:
 * lkvm list, stop, pause, resume, debug, stat, cpu and psci.
 */
#include "kvm/builtin.h"
#include "kvm/control-cli.h"
#include "kvm/control-server.h"
#include "kvm/psci-inject.h"
#include "kvm/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long a VM gets to answer; a pause or lkvm debug takes up to 2 s. */
#define REPLY_MS 10000
/* How long lkvm stop waits for the VM to be gone. */
#define STOP_MS 30000

struct ctl_cmd {
	const char *name;
	const char *usage;
	int (*run)(const struct ctl_cmd *cmd, int argc, char **argv);
};

static void vm_simple_or_die(struct ctl_conn *c, const char *name, uint16_t op)
{
	char err[400];

	if (ctl_conn__open(c, name, err, sizeof(err)) ||
	    ctl_conn__simple(c, op, REPLY_MS, err, sizeof(err)))
		die("%s", err);
}

/* ---- option parsing ------------------------------------------------------- */

enum {
	OPT_JSON = 0x100,
	OPT_ALL,
	OPT_SYSRQ,
	OPT_ENABLE,
	OPT_DISABLE,
	OPT_WATCH,
	OPT_FAIL,
	OPT_DELAY_ON,
	OPT_CLEAR,
};

static const struct option ctl_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "sysrq", required_argument, NULL, OPT_SYSRQ },
	{ "enable", required_argument, NULL, OPT_ENABLE },
	{ "disable", required_argument, NULL, OPT_DISABLE },
	{ "watch", no_argument, NULL, OPT_WATCH },
	{ "fail", required_argument, NULL, OPT_FAIL },
	{ "delay-on", required_argument, NULL, OPT_DELAY_ON },
	{ "clear", no_argument, NULL, OPT_CLEAR },
	{ NULL, 0, NULL, 0 },
};

struct ctl_args {
	const char *name;
	bool json, all, watch, clear;
	const char *sysrq, *enable, *disable, *delay_on;
	const char *fail[MAX_PSCI_FAULTS * 4];
	unsigned int nr_fail;
};

/* Which options each command takes. */
static bool opt_allowed(const char *cmd, int opt)
{
	static const struct {
		int opt;
		const char *cmds;
	} table[] = {
		{ OPT_JSON, " list debug stat cpu psci " },
		{ OPT_ALL, " stop pause resume " },
		{ OPT_SYSRQ, " debug " },
		{ OPT_ENABLE, " cpu " },
		{ OPT_DISABLE, " cpu " },
		{ OPT_WATCH, " cpu " },
		{ OPT_FAIL, " psci " },
		{ OPT_DELAY_ON, " psci " },
		{ OPT_CLEAR, " psci " },
	};
	char word[32];
	unsigned int i;

	snprintf(word, sizeof(word), " %s ", cmd);
	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (table[i].opt == opt)
			return strstr(table[i].cmds, word) != NULL;
	return true;
}

static const char *opt_text(int opt)
{
	const struct option *o;

	for (o = ctl_opts; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

/* 1 for --help, else 0; dies on bad arguments. */
static int parse_args(const struct ctl_cmd *cmd, int argc, char **argv,
		      struct ctl_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", ctl_opts, NULL)) != -1) {
		if (opt == 'h')
			return 1;
		if (opt == '?')
			die("unknown option '%s' (see 'lkvm %s --help')",
			    argv[optind - 1], cmd->name);
		if (opt == ':')
			die("option '%s' needs a value", argv[optind - 1]);
		if (!opt_allowed(cmd->name, opt))
			die("'lkvm %s' takes no --%s (see 'lkvm %s --help')",
			    cmd->name, opt_text(opt), cmd->name);
		switch (opt) {
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_ALL:
			a->all = true;
			break;
		case OPT_SYSRQ:
			a->sysrq = optarg;
			break;
		case OPT_ENABLE:
			a->enable = optarg;
			break;
		case OPT_DISABLE:
			a->disable = optarg;
			break;
		case OPT_WATCH:
			a->watch = true;
			break;
		case OPT_FAIL:
			if (a->nr_fail == ARRAY_SIZE(a->fail))
				die("too many --fail");
			a->fail[a->nr_fail++] = optarg;
			break;
		case OPT_DELAY_ON:
			a->delay_on = optarg;
			break;
		case OPT_CLEAR:
			a->clear = true;
			break;
		}
	}
	if (optind < argc)
		a->name = argv[optind++];
	if (optind < argc)
		die("unexpected argument '%s'", argv[optind]);
	if (!strcmp(cmd->name, "list")) {
		if (a->name)
			die("'lkvm list' takes no name");
		return 0;
	}
	if (a->all && a->name)
		die("give a name or --all, not both");
	if (!a->all && !a->name)
		die("which VM? (see 'lkvm %s --help')", cmd->name);
	return 0;
}

/* ---- the commands ------------------------------------------------------- */

static int cmd_list(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct ctl_vm_info *vms;
	struct ctl_args a;
	unsigned int n;

	if (parse_args(cmd, argc, argv, &a)) {
		fputs(cmd->usage, stdout);
		return 0;
	}
	vms = ctl__find_vms(&n, REPLY_MS, stderr);
	ctl_fmt__list(stdout, vms, n, a.json);
	free(vms);
	return 0;
}

/* lkvm stop: the reply, then the VM's end (its socket closing). */
static int stop_one(const char *name, char *err, size_t errlen)
{
	struct ctl_msg m;
	struct ctl_conn c;
	uint8_t *frame;
	int ret;

	ret = ctl_conn__open(&c, name, err, errlen);
	if (!ret)
		ret = ctl_conn__simple(&c, CTL_OP_STOP, REPLY_MS, err, errlen);
	if (!ret) {
		/* Whatever comes until EOF is not for us. */
		while (!(ret = ctl__recv(c.fd, &frame, &m, STOP_MS)))
			free(frame);
		if (ret == -ETIMEDOUT)
			snprintf(
				err, errlen,
				"%s: asked to stop, but still running after %d s",
				name, STOP_MS / 1000);
		else
			ret = 0;
	}
	ctl_conn__close(&c);
	return ret;
}

static int simple_one(uint16_t op, const char *name, char *err, size_t errlen)
{
	struct ctl_conn c;
	int ret;

	if (op == CTL_OP_STOP)
		return stop_one(name, err, errlen);
	ret = ctl_conn__open(&c, name, err, errlen);
	if (!ret)
		ret = ctl_conn__simple(&c, op, REPLY_MS, err, errlen);
	if (!ret) {
		struct ctl_field f;
		char note[256];

		if (ctl_msg__find(&c.m, CTL_T_MESSAGE, &f)) {
			ctl_field__str(&f, note, sizeof(note));
			fprintf(stderr, "lkvm: warning: %s: %s\n", name, note);
		}
	}
	ctl_conn__close(&c);
	return ret;
}

/* stop, pause, resume: one VM, or --all of them. */
static int cmd_simple(const struct ctl_cmd *cmd, int argc, char **argv)
{
	uint16_t op = !strcmp(cmd->name, "stop")  ? CTL_OP_STOP :
		      !strcmp(cmd->name, "pause") ? CTL_OP_PAUSE :
						    CTL_OP_RESUME;
	struct ctl_vm_info *vms;
	struct ctl_args a;
	unsigned int n, i;
	char err[400];
	int ret, bad = 0;

	if (parse_args(cmd, argc, argv, &a)) {
		fputs(cmd->usage, stdout);
		return 0;
	}
	if (!a.all) {
		if (simple_one(op, a.name, err, sizeof(err)))
			die("%s", err);
		return 0;
	}
	vms = ctl__find_vms(&n, REPLY_MS, stderr);
	for (i = 0; i < n; i++) {
		/* --all: a VM already in the state asked for is fine. */
		if ((op == CTL_OP_PAUSE && vms[i].paused) ||
		    (op == CTL_OP_RESUME && !vms[i].paused))
			continue;
		ret = simple_one(op, vms[i].name, err, sizeof(err));
		if (ret && ret != -EALREADY) {
			fprintf(stderr, "lkvm: %s\n", err);
			bad = 1;
		}
	}
	free(vms);
	return bad;
}

static int cmd_debug(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct ctl_args a;
	struct ctl_conn c;
	struct ctl_buf req;
	char err[400];
	uint8_t key;

	if (parse_args(cmd, argc, argv, &a)) {
		fputs(cmd->usage, stdout);
		return 0;
	}
	if (!a.sysrq) {
		vm_simple_or_die(&c, a.name, CTL_OP_DEBUG);
		ctl_fmt__debug(stdout, a.name, &c.m, a.json);
		ctl_conn__close(&c);
		return 0;
	}
	if (ctl__parse_sysrq(a.sysrq, &key))
		die("invalid --sysrq '%s': one printable character, such as h, s or c",
		    a.sysrq);
	if (ctl_conn__open(&c, a.name, err, sizeof(err)))
		die("%s", err);
	ctl_buf__init(&req, CTL_MAX_REQUEST);
	ctl_msg__begin(&req, CTL_REQUEST, CTL_OP_SYSRQ, 0);
	ctl_msg__put_int(&req, CTL_T_KEY, key);
	ctl_msg__end(&req);
	if (ctl_conn__call(&c, &req, REPLY_MS, err, sizeof(err)))
		die("%s", err);
	ctl_buf__free(&req);
	ctl_conn__close(&c);
	return 0;
}

static int cmd_stat(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct ctl_args a;
	struct ctl_conn c;

	if (parse_args(cmd, argc, argv, &a)) {
		fputs(cmd->usage, stdout);
		return 0;
	}
	vm_simple_or_die(&c, a.name, CTL_OP_STAT);
	ctl_fmt__stat(stdout, a.name, &c.m, a.json);
	ctl_conn__close(&c);
	return 0;
}

/* Events until the VM ends (or we are interrupted). */
static int watch(const char *name, bool json)
{
	struct ctl_conn c;
	int ret;

	vm_simple_or_die(&c, name, CTL_OP_WATCH);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		free(c.frame);
		c.frame = NULL;
		ret = ctl__recv(c.fd, &c.frame, &c.m, -1);
		if (ret)
			break;
		if (c.m.kind == CTL_EVENT)
			ctl_fmt__event(stdout, &c.m, json);
	}
	ctl_conn__close(&c);
	if (ret == -ECONNRESET)
		return 0; /* the VM ended */
	die("%s: watching: %s", name, strerror(-ret));
}

static int cmd_cpu(const struct ctl_cmd *cmd, int argc, char **argv)
{
	unsigned int idx[256], n, i;
	struct ctl_args a;
	struct ctl_conn c;
	struct ctl_buf req;
	const char *list;
	char err[400];

	if (parse_args(cmd, argc, argv, &a)) {
		fputs(cmd->usage, stdout);
		return 0;
	}
	if (!!a.enable + !!a.disable + a.watch > 1)
		die("--enable, --disable and --watch go one at a time");
	if (a.watch)
		return watch(a.name, a.json);
	list = a.enable ? a.enable : a.disable;
	if (!list) {
		vm_simple_or_die(&c, a.name, CTL_OP_CPU);
		ctl_fmt__cpu(stdout, a.name, &c.m, a.json);
		ctl_conn__close(&c);
		return 0;
	}
	if (ctl__parse_cpu_list(list, idx, ARRAY_SIZE(idx), &n))
		die("invalid --%s '%s': vCPU indices such as 2 or 2,3,5",
		    a.enable ? "enable" : "disable", list);
	if (ctl_conn__open(&c, a.name, err, sizeof(err)))
		die("%s", err);
	ctl_buf__init(&req, CTL_MAX_REQUEST);
	ctl_msg__begin(&req, CTL_REQUEST, CTL_OP_CPU_SET, 0);
	for (i = 0; i < n; i++)
		ctl_msg__put_int(&req, a.enable ? CTL_T_ENABLE : CTL_T_DISABLE,
				 idx[i]);
	if (ctl_msg__end(&req))
		die("too many vCPUs at once");
	if (ctl_conn__call(&c, &req, REPLY_MS, err, sizeof(err)))
		die("%s", err);
	ctl_buf__free(&req);
	ctl_conn__close(&c);
	return 0;
}

static void put_faults(struct ctl_buf *req, const struct ctl_args *a)
{
	char why[256];
	unsigned int i, fn;
	int32_t code;
	uint32_t count;

	for (i = 0; i < a->nr_fail; i++) {
		if (psci_inject__parse(a->fail[i], &fn, &code, &count, why,
				       sizeof(why)))
			die("invalid --fail: %s", why);
		{
			const uint64_t v[3] = { fn, (uint64_t)(int64_t)code,
						count };

			ctl_msg__put_ints(req, CTL_T_FAULT, v, 3);
		}
	}
}

static int cmd_psci(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct ctl_args a;
	struct ctl_conn c;
	struct ctl_buf req;
	unsigned long ms;
	char err[400], *end;

	if (parse_args(cmd, argc, argv, &a)) {
		fputs(cmd->usage, stdout);
		return 0;
	}
	if (!a.nr_fail && !a.delay_on && !a.clear) {
		vm_simple_or_die(&c, a.name, CTL_OP_PSCI);
		ctl_fmt__psci(stdout, a.name, &c.m, a.json);
		ctl_conn__close(&c);
		return 0;
	}
	ctl_buf__init(&req, CTL_MAX_REQUEST);
	ctl_msg__begin(&req, CTL_REQUEST, CTL_OP_PSCI_SET, 0);
	if (a.clear)
		ctl_msg__put_int(&req, CTL_T_CLEAR, 1);
	put_faults(&req, &a);
	if (a.delay_on) {
		errno = 0;
		ms = strtoul(a.delay_on, &end, 10);
		if (a.delay_on[0] < '0' || a.delay_on[0] > '9' || *end ||
		    errno || ms > PSCI_INJECT_MAX_DELAY_MS)
			die("invalid --delay-on '%s': milliseconds from 0 to %u",
			    a.delay_on, PSCI_INJECT_MAX_DELAY_MS);
		ctl_msg__put_int(&req, CTL_T_DELAY_ON, ms);
	}
	if (ctl_msg__end(&req))
		die("too many --fail");
	if (ctl_conn__open(&c, a.name, err, sizeof(err)) ||
	    ctl_conn__call(&c, &req, REPLY_MS, err, sizeof(err)))
		die("%s", err);
	ctl_buf__free(&req);
	ctl_conn__close(&c);
	return 0;
}

static const struct ctl_cmd cmds[] = {
	{ "list",
	  "usage: lkvm list [--json]\n"
	  "\n"
	  "Every VM of this user: name, pid, state (running or paused), and\n"
	  "its vCPUs online (ON), enabled and in all.\n",
	  cmd_list },
	{ "stop",
	  "usage: lkvm stop NAME|--all\n"
	  "\n"
	  "Stop the VM as a guest poweroff would (it exits 0); wait until it\n"
	  "has ended.\n",
	  cmd_simple },
	{ "pause",
	  "usage: lkvm pause NAME|--all\n"
	  "\n"
	  "Take every vCPU out of the guest and hold it there until 'lkvm\n"
	  "resume'. Where the host's KVM can (Linux 6.4+), the guest's clock\n"
	  "does not see the paused time.\n",
	  cmd_simple },
	{ "resume",
	  "usage: lkvm resume NAME|--all\n"
	  "\n"
	  "Let a paused VM run on.\n",
	  cmd_simple },
	{ "debug",
	  "usage: lkvm debug NAME [--json]\n"
	  "       lkvm debug NAME --sysrq C\n"
	  "\n"
	  "The power state, policy, PC, PSTATE and MPIDR of every vCPU (each\n"
	  "read by the vCPU's own thread). --sysrq C sends a break and then\n"
	  "C on the console UART: a magic SysRq for a Linux guest (h: help).\n",
	  cmd_debug },
	{ "stat",
	  "usage: lkvm stat NAME [--json]\n"
	  "\n"
	  "Per vCPU: exits by reason, PSCI calls by function and result, the\n"
	  "injected ones; and the CPU_ON latency (the call to the target's\n"
	  "first KVM_RUN) as count, min, median, p99 and max. The percentiles\n"
	  "come from a log-scale histogram and are within 3.2%.\n",
	  cmd_stat },
	{ "cpu",
	  "usage: lkvm cpu NAME [--json]          the vCPU table\n"
	  "       lkvm cpu NAME --enable N[,M...]  let the guest start them\n"
	  "       lkvm cpu NAME --disable N[,M...] refuse CPU_ON (DENIED)\n"
	  "       lkvm cpu NAME --watch [--json]   one line per power-state\n"
	  "                                        or policy change\n"
	  "\n"
	  "Only an OFF vCPU can be disabled (offline it in the guest first),\n"
	  "and never the boot vCPU 0. --watch prints 'TIME vcpu N OLD -> NEW'\n"
	  "and 'TIME vcpu N enabled|disabled', TIME in microseconds of\n"
	  "CLOCK_MONOTONIC, until Ctrl-C or the VM ends.\n",
	  cmd_cpu },
	{ "psci",
	  "usage: lkvm psci NAME [--json]            what is armed\n"
	  "       lkvm psci NAME [--clear] [--fail FUNC=CODE[,count=K]]...\n"
	  "                      [--delay-on MS]\n"
	  "\n"
	  "Fault injection, for experiments. --fail answers the next K\n"
	  "(default 1) calls of FUNC (CPU_ON, CPU_OFF, AFFINITY_INFO,\n"
	  "CPU_SUSPEND, SYSTEM_SUSPEND) with the PSCI error CODE (DENIED,\n"
	  "INVALID_PARAMETERS, INTERNAL_FAILURE, ALREADY_ON, ...) without\n"
	  "acting. --delay-on keeps every CPU_ON target ON_PENDING for MS\n"
	  "milliseconds before it starts (0: off). --clear disarms all first.\n",
	  cmd_psci },
};

const char *kvm_ctl__usage(const char *cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, cmd))
			return cmds[i].usage;
	return NULL;
}

int kvm_cmd_ctl(const char *cmd, int argc, char **argv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, cmd))
			return cmds[i].run(&cmds[i], argc, argv);
	return -1;
}
