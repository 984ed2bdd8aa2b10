// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/control-cli.h"
#include "kvm/psci.h"

#include <errno.h>
#include <stdlib.h>

static void cpu_lists(struct test_ctx *t)
{
	static const char *const bad[] = { "",	   ",",	  "1,",	      ",1",
					   "1,,2", "-1",  "1-3",      "a",
					   "1 ",   " 1",  "4096",     "99999",
					   "+1",   "0x1", "1,2,3,4,5" };
	unsigned int out[4], n, i;

	CHECK_EQ(t, ctl__parse_cpu_list("2", out, 4, &n), 0);
	CHECK_EQ(t, n, 1);
	CHECK_EQ(t, out[0], 2);
	CHECK_EQ(t, ctl__parse_cpu_list("0,3,4095,3", out, 4, &n), 0);
	CHECK_EQ(t, n, 4);
	CHECK_EQ(t, out[2], 4095);
	CHECK_EQ(t, ctl__parse_cpu_list("007", out, 4, &n), 0);
	CHECK_EQ(t, out[0], 7);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(t, ctl__parse_cpu_list(bad[i], out, 4, &n), -EINVAL);
		if (t->failed) {
			printf("  with '%s'\n", bad[i]);
			return;
		}
	}
}

static void sysrq_keys(struct test_ctx *t)
{
	uint8_t k;

	CHECK_EQ(t, ctl__parse_sysrq("c", &k), 0);
	CHECK_EQ(t, k, 'c');
	CHECK_EQ(t, ctl__parse_sysrq("9", &k), 0);
	CHECK_EQ(t, ctl__parse_sysrq("", &k), -EINVAL);
	CHECK_EQ(t, ctl__parse_sysrq("cc", &k), -EINVAL);
	CHECK_EQ(t, ctl__parse_sysrq(" ", &k), -EINVAL);
	CHECK_EQ(t, ctl__parse_sysrq("\x7f", &k), -EINVAL);
	CHECK_EQ(t, ctl__parse_sysrq("\xc3\xa9", &k), -EINVAL);
}

/* Run fmt on a message built by build(); the output as a string. */
static char *render(void (*build)(struct ctl_buf *),
		    void (*fmt)(FILE *, const char *, const struct ctl_msg *,
				bool),
		    bool json)
{
	struct ctl_buf b;
	struct ctl_msg m;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ctl_buf__init(&b, CTL_MAX_MESSAGE);
	build(&b);
	if (ctl_msg__parse(b.data, b.len, &m) == 0)
		fmt(f, "vm\"1", &m, json);
	fclose(f);
	ctl_buf__free(&b);
	return text;
}

static void vcpu(struct ctl_buf *b, uint64_t i, uint64_t state, uint64_t en)
{
	const uint64_t v[4] = { i, state, en, 0x80000000 | i };

	ctl_msg__put_ints(b, CTL_T_VCPU, v, 4);
}

static void build_debug(struct ctl_buf *b)
{
	const uint64_t regs[2] = { 0xffff800080001234ULL, 0x600003c5 };

	ctl_msg__begin(b, CTL_REPLY, CTL_OP_DEBUG, 0);
	ctl_msg__put_int(b, CTL_T_STATE, 1);
	ctl_msg__put_int(b, CTL_T_PSCI_USER, 1);
	vcpu(b, 0, 2, 1);
	ctl_msg__put_ints(b, CTL_T_REGS, regs, 2);
	vcpu(b, 1, 0, 0);
	ctl_msg__put_str(b, CTL_T_REGS_ERR, "no answer");
	ctl_msg__end(b);
}

static void debug_output(struct test_ctx *t)
{
	char *s = render(build_debug, ctl_fmt__debug, false);

	CHECK(t, strstr(s, "VM vm\"1: paused, PSCI in lkvm\n") != NULL);
	CHECK(t,
	      strstr(s,
		     "\n0     ON          yes      0x80000000   0xffff800080001234 0x600003c5 EL1h\n") !=
		      NULL);
	CHECK(t,
	      strstr(s, "\n1     OFF         no       0x80000001   -") != NULL);
	CHECK(t, strstr(s, "(no answer)\n") != NULL);
	free(s);
	s = render(build_debug, ctl_fmt__debug, true);
	CHECK_STR(
		t, s,
		"{\"name\":\"vm\\\"1\",\"state\":\"paused\",\"vcpus\":["
		"{\"index\":0,\"state\":\"ON\",\"enabled\":true,\"mpidr\":\"0x80000000\",\"pc\":\"0xffff800080001234\",\"pstate\":\"0x600003c5\"},"
		"{\"index\":1,\"state\":\"OFF\",\"enabled\":false,\"mpidr\":\"0x80000001\",\"error\":\"no answer\"}]}\n");
	free(s);
}

static void build_stat(struct ctl_buf *b)
{
	const uint64_t lat[5] = { 3, 1000, 2000, 5000, 5000 };
	const uint64_t e1[2] = { 6, 100 }, e2[2] = { 3, 7 };
	const uint64_t c1[3] = { PSCI_FN_CPU_ON, 9, 5 };
	const uint64_t c2[3] = { PSCI_FN_CPU_ON, 6, 2 };
	const uint64_t c3[3] = { PSCI_FN_AFFINITY_INFO, 10, 4 };
	const uint64_t inj[2] = { PSCI_FN_CPU_ON, 1 };

	ctl_msg__begin(b, CTL_REPLY, CTL_OP_STAT, 0);
	ctl_msg__put_int(b, CTL_T_PSCI_USER, 1);
	ctl_msg__put_int(b, CTL_T_UPTIME, 1500000000);
	ctl_msg__put_ints(b, CTL_T_LATENCY, lat, 5);
	vcpu(b, 0, 2, 1);
	ctl_msg__put_ints(b, CTL_T_EXIT, e2, 2);
	ctl_msg__put_ints(b, CTL_T_EXIT, e1, 2);
	ctl_msg__put_ints(b, CTL_T_CALLS, c2, 3);
	ctl_msg__put_ints(b, CTL_T_CALLS, c1, 3);
	ctl_msg__put_ints(b, CTL_T_INJECTED, inj, 2);
	ctl_msg__put_ints(b, CTL_T_CALLS, c3, 3);
	vcpu(b, 1, 0, 1);
	ctl_msg__end(b);
}

static void stat_output(struct test_ctx *t)
{
	char *s = render(build_stat, ctl_fmt__stat, false);

	CHECK(t, strstr(s, "VM vm\"1: up 1.5 s, PSCI in lkvm\n") != NULL);
	CHECK(t,
	      strstr(s,
		     ": 3 calls, min 1.0 us, median 2.0 us, p99 5.0 us, max 5.0 us\n") !=
		      NULL);
	CHECK(t,
	      strstr(s, "vCPU 0: ON, enabled\n  exit     HYPERCALL") != NULL);
	CHECK(t,
	      strstr(s,
		     "  psci     CPU_ON                 DENIED                        2\n") !=
		      NULL);
	CHECK(t, strstr(s, "  psci     AFFINITY_INFO          OFF ") != NULL);
	CHECK(t,
	      strstr(s, "  injected CPU_ON                            1\n") !=
		      NULL);
	CHECK(t, strstr(s, "vCPU 1: OFF, enabled\n") != NULL);
	free(s);
	s = render(build_stat, ctl_fmt__stat, true);
	CHECK_STR(
		t, s,
		"{\"name\":\"vm\\\"1\",\"psci\":\"user\",\"uptime_ns\":1500000000,"
		"\"cpu_on_latency_ns\":{\"count\":3,\"min\":1000,\"median\":2000,\"p99\":5000,\"max\":5000},"
		"\"vcpus\":[{\"index\":0,\"state\":\"ON\",\"enabled\":true,\"mpidr\":\"0x80000000\","
		"\"exits\":{\"HYPERCALL\":7,\"MMIO\":100},"
		"\"psci\":{\"CPU_ON\":{\"DENIED\":2,\"SUCCESS\":5},\"AFFINITY_INFO\":{\"OFF\":4}},"
		"\"injected\":{\"CPU_ON\":1}},"
		"{\"index\":1,\"state\":\"OFF\",\"enabled\":true,\"mpidr\":\"0x80000001\","
		"\"exits\":{},\"psci\":{},\"injected\":{}}]}\n");
	free(s);
}

static void build_psci(struct ctl_buf *b)
{
	const uint64_t f[3] = { PSCI_FN_CPU_ON, (uint64_t)-6LL, 2 };

	ctl_msg__begin(b, CTL_REPLY, CTL_OP_PSCI, 0);
	ctl_msg__put_ints(b, CTL_T_FAULT, f, 3);
	ctl_msg__put_int(b, CTL_T_DELAY_ON, 8000);
	ctl_msg__end(b);
}

static void build_psci_empty(struct ctl_buf *b)
{
	ctl_msg__begin(b, CTL_REPLY, CTL_OP_PSCI, 0);
	ctl_msg__put_int(b, CTL_T_DELAY_ON, 0);
	ctl_msg__end(b);
}

static void psci_output(struct test_ctx *t)
{
	char *s = render(build_psci, ctl_fmt__psci, false);

	CHECK_STR(t, s,
		  "fail CPU_ON           INTERNAL_FAILURE   the next 2 calls\n"
		  "delay-on 8000 ms\n");
	free(s);
	s = render(build_psci, ctl_fmt__psci, true);
	CHECK_STR(
		t, s,
		"{\"name\":\"vm\\\"1\",\"faults\":[{\"function\":\"CPU_ON\",\"error\":\"INTERNAL_FAILURE\",\"count\":2}],\"delay_on_ms\":8000}\n");
	free(s);
	s = render(build_psci_empty, ctl_fmt__psci, false);
	CHECK_STR(t, s, "no faults armed\nno CPU_ON delay\n");
	free(s);
}

static void build_cpu(struct ctl_buf *b)
{
	ctl_msg__begin(b, CTL_REPLY, CTL_OP_CPU, 0);
	ctl_msg__put_int(b, CTL_T_PSCI_USER, 0);
	vcpu(b, 0, 2, 1);
	vcpu(b, 1, 1, 1);
	ctl_msg__end(b);
}

static void cpu_output(struct test_ctx *t)
{
	char *s = render(build_cpu, ctl_fmt__cpu, false);

	CHECK_STR(t, s,
		  "VM vm\"1: running, PSCI in KVM\n"
		  "vCPU  STATE       ENABLED  MPIDR\n"
		  "0     ON          yes      0x80000000\n"
		  "1     ON_PENDING  yes      0x80000001\n");
	free(s);
	s = render(build_cpu, ctl_fmt__cpu, true);
	CHECK(t,
	      strstr(s,
		     "{\"index\":1,\"state\":\"ON_PENDING\",\"enabled\":true,\"mpidr\":\"0x80000001\"}]}\n") !=
		      NULL);
	free(s);
}

static char *render_event(const uint64_t *v, unsigned int n, uint16_t tag,
			  bool json)
{
	struct ctl_buf b;
	struct ctl_msg m;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ctl_buf__init(&b, 4096);
	ctl_msg__begin(&b, CTL_EVENT, CTL_EV_POWER, 0);
	ctl_msg__put_ints(&b, tag, v, n);
	ctl_msg__end(&b);
	if (ctl_msg__parse(b.data, b.len, &m) == 0)
		ctl_fmt__event(f, &m, json);
	fclose(f);
	ctl_buf__free(&b);
	return text;
}

static void event_output(struct test_ctx *t)
{
	const uint64_t st[4] = { 123456, 2, 0, 1 }, pol[3] = { 123457, 2, 0 };
	const uint64_t lost[1] = { 17 };
	char *s;

	s = render_event(st, 4, CTL_T_EV_STATE, false);
	CHECK_STR(t, s, "123456 vcpu 2 OFF -> ON_PENDING\n");
	free(s);
	s = render_event(st, 4, CTL_T_EV_STATE, true);
	CHECK_STR(
		t, s,
		"{\"t_us\":123456,\"vcpu\":2,\"from\":\"OFF\",\"to\":\"ON_PENDING\"}\n");
	free(s);
	s = render_event(pol, 3, CTL_T_EV_POLICY, false);
	CHECK_STR(t, s, "123457 vcpu 2 disabled\n");
	free(s);
	s = render_event(lost, 1, CTL_T_LOST, true);
	CHECK_STR(t, s, "{\"lost\":17}\n");
	free(s);
}

static void list_output(struct test_ctx *t)
{
	struct ctl_vm_info vm[2] = {
		{ .name = "a",
		  .pid = 10,
		  .total = 4,
		  .enabled = 2,
		  .online = 2 },
		{ .name = "b\\",
		  .pid = 11,
		  .paused = true,
		  .total = 1,
		  .enabled = 1,
		  .online = 1 },
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ctl_fmt__list(f, vm, 2, true);
	ctl_fmt__list(f, vm, 0, true);
	ctl_fmt__list(f, vm, 1, false);
	fclose(f);
	CHECK_STR(
		t, text,
		"[{\"name\":\"a\",\"pid\":10,\"state\":\"running\",\"online\":2,\"enabled\":2,\"total\":4},"
		"{\"name\":\"b\\\\\",\"pid\":11,\"state\":\"paused\",\"online\":1,\"enabled\":1,\"total\":1}]\n"
		"[]\n"
		"NAME                          PID  STATE    ONLINE ENABLED TOTAL\n"
		"a                              10  running       2       2     4\n");
	free(text);
}

static void json_strings(struct test_ctx *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ctl_fmt__json_str(f, "a\"b\\c\n\x01\x7f\xc3\xa9");
	fclose(f);
	CHECK_STR(t, text, "\"a\\\"b\\\\c\\u000a\\u0001\\u007f\xc3\xa9\"");
	free(text);
}

TEST_SUITE(control_cli, TEST(cpu_lists), TEST(sysrq_keys), TEST(debug_output),
	   TEST(stat_output), TEST(psci_output), TEST(cpu_output),
	   TEST(event_output), TEST(list_output), TEST(json_strings));
