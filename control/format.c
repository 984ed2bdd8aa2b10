// SPDX-License-Identifier: GPL-2.0
/*
 * What the client commands print: each reply as a table for people or as
 * JSON for scripts (see kvm/control-cli.h). Text lines that carry counts
 * start with a keyword (exit, psci, injected), so awk can pick them.
 */
#include "kvm/control-cli.h"
#include "kvm/psci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ctl__parse_cpu_list(const char *s, unsigned int *out, unsigned int max,
			unsigned int *n)
{
	unsigned long v;
	const char *p = s;
	char *end;

	*n = 0;
	for (;;) {
		if (*p < '0' || *p > '9' || *n == max)
			return -EINVAL;
		v = strtoul(p, &end, 10);
		if (v >= 4096 || end - p > 4)
			return -EINVAL;
		out[(*n)++] = (unsigned int)v;
		if (!*end)
			return 0;
		if (*end != ',')
			return -EINVAL;
		p = end + 1;
	}
}

int ctl__parse_sysrq(const char *s, uint8_t *key)
{
	if (strlen(s) != 1 || s[0] <= ' ' || s[0] >= 0x7f)
		return -EINVAL;
	*key = (uint8_t)s[0];
	return 0;
}

void ctl_fmt__json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static uint64_t get_int(const struct ctl_msg *m, uint16_t tag, unsigned int i)
{
	struct ctl_field f;

	return ctl_msg__find(m, tag, &f) ? ctl_field__int(&f, i) : 0;
}

void ctl_fmt__info(const struct ctl_msg *m, struct ctl_vm_info *vm)
{
	struct ctl_field f;

	memset(vm, 0, sizeof(*vm));
	if (ctl_msg__find(m, CTL_T_NAME, &f))
		ctl_field__str(&f, vm->name, sizeof(vm->name));
	vm->pid = get_int(m, CTL_T_PID, 0);
	vm->paused = get_int(m, CTL_T_STATE, 0);
	vm->total = get_int(m, CTL_T_CPUS, 0);
	vm->enabled = get_int(m, CTL_T_CPUS, 1);
	vm->online = get_int(m, CTL_T_CPUS, 2);
	vm->psci_user = get_int(m, CTL_T_PSCI_USER, 0);
}

static const char *run_state(bool paused)
{
	return paused ? "paused" : "running";
}

void ctl_fmt__list(FILE *out, const struct ctl_vm_info *vms, unsigned int n,
		   bool json)
{
	unsigned int i;

	if (json) {
		fputc('[', out);
		for (i = 0; i < n; i++) {
			fprintf(out, "%s{\"name\":", i ? "," : "");
			ctl_fmt__json_str(out, vms[i].name);
			fprintf(out,
				",\"pid\":%llu,\"state\":\"%s\",\"online\":%llu,\"enabled\":%llu,\"total\":%llu}",
				(unsigned long long)vms[i].pid,
				run_state(vms[i].paused),
				(unsigned long long)vms[i].online,
				(unsigned long long)vms[i].enabled,
				(unsigned long long)vms[i].total);
		}
		fputs("]\n", out);
		return;
	}
	fprintf(out, "%-24s %8s  %-8s %6s %7s %5s\n", "NAME", "PID", "STATE",
		"ONLINE", "ENABLED", "TOTAL");
	for (i = 0; i < n; i++)
		fprintf(out, "%-24s %8llu  %-8s %6llu %7llu %5llu\n",
			vms[i].name, (unsigned long long)vms[i].pid,
			run_state(vms[i].paused),
			(unsigned long long)vms[i].online,
			(unsigned long long)vms[i].enabled,
			(unsigned long long)vms[i].total);
}

/* The exception level and stack pointer PSTATE.M says. */
static const char *pstate_mode(uint64_t pstate)
{
	switch (pstate & 0x1f) {
	case 0x0:
		return "EL0t";
	case 0x4:
		return "EL1t";
	case 0x5:
		return "EL1h";
	case 0x8:
		return "EL2t";
	case 0x9:
		return "EL2h";
	default:
		return pstate & 0x10 ? "AArch32" : "?";
	}
}

static void header(FILE *out, const char *name, const struct ctl_msg *m)
{
	fprintf(out, "VM %s: %s, PSCI in %s\n", name,
		run_state(get_int(m, CTL_T_STATE, 0)),
		get_int(m, CTL_T_PSCI_USER, 0) ? "lkvm" : "KVM");
}

/* A T_VCPU field: index, state, enabled, MPIDR. */
static void vcpu_json(FILE *out, const struct ctl_field *f)
{
	fprintf(out,
		"\"index\":%llu,\"state\":\"%s\",\"enabled\":%s,\"mpidr\":\"0x%llx\"",
		(unsigned long long)ctl_field__int(f, 0),
		ctl__state_name((unsigned int)ctl_field__int(f, 1)),
		ctl_field__int(f, 2) ? "true" : "false",
		(unsigned long long)ctl_field__int(f, 3));
}

static void vcpu_row(FILE *out, const struct ctl_field *f)
{
	fprintf(out, "%-5llu %-11s %-8s 0x%llx",
		(unsigned long long)ctl_field__int(f, 0),
		ctl__state_name((unsigned int)ctl_field__int(f, 1)),
		ctl_field__int(f, 2) ? "yes" : "no",
		(unsigned long long)ctl_field__int(f, 3));
}

static void debug_json(FILE *out, const char *name, const struct ctl_msg *m)
{
	struct ctl_field f;
	size_t pos = 0;
	bool any = false;
	char why[128];

	fputs("{\"name\":", out);
	ctl_fmt__json_str(out, name);
	fprintf(out, ",\"state\":\"%s\",\"vcpus\":[",
		run_state(get_int(m, CTL_T_STATE, 0)));
	while (ctl_msg__next(m, &pos, &f)) {
		if (f.tag == CTL_T_VCPU) {
			fprintf(out, "%s{", any ? "}," : "");
			vcpu_json(out, &f);
			any = true;
		} else if (f.tag == CTL_T_REGS && any) {
			fprintf(out, ",\"pc\":\"0x%llx\",\"pstate\":\"0x%llx\"",
				(unsigned long long)ctl_field__int(&f, 0),
				(unsigned long long)ctl_field__int(&f, 1));
		} else if (f.tag == CTL_T_REGS_ERR && any) {
			ctl_field__str(&f, why, sizeof(why));
			fputs(",\"error\":", out);
			ctl_fmt__json_str(out, why);
		}
	}
	fprintf(out, "%s]}\n", any ? "}" : "");
}

void ctl_fmt__debug(FILE *out, const char *name, const struct ctl_msg *m,
		    bool json)
{
	struct ctl_field f;
	size_t pos = 0;
	bool row = false;
	char why[128];

	if (json) {
		debug_json(out, name, m);
		return;
	}
	header(out, name, m);
	fprintf(out, "%-5s %-11s %-8s %-12s %-18s %s\n", "vCPU", "STATE",
		"ENABLED", "MPIDR", "PC", "PSTATE");
	while (ctl_msg__next(m, &pos, &f)) {
		if (f.tag == CTL_T_VCPU) {
			if (row)
				fputc('\n', out);
			vcpu_row(out, &f);
			row = true;
		} else if (f.tag == CTL_T_REGS && row) {
			fprintf(out, "   0x%016llx 0x%08llx %s",
				(unsigned long long)ctl_field__int(&f, 0),
				(unsigned long long)ctl_field__int(&f, 1),
				pstate_mode(ctl_field__int(&f, 1)));
		} else if (f.tag == CTL_T_REGS_ERR && row) {
			ctl_field__str(&f, why, sizeof(why));
			fprintf(out, "   %-18s -          (%s)", "-", why);
		}
	}
	if (row)
		fputc('\n', out);
}

static const char *exit_name(unsigned int r, char *buf, size_t len)
{
	const char *name = ctl__exit_name(r);

	if (name)
		return name;
	snprintf(buf, len, "EXIT_%u", r);
	return buf;
}

static const char *fn_name(unsigned int fn, char *buf, size_t len)
{
	const char *name = psci__fn_number_name(fn);

	if (name)
		return name;
	snprintf(buf, len, "FN_0x%02x", fn);
	return buf;
}

static void latency(FILE *out, const struct ctl_msg *m, bool json)
{
	struct ctl_field f;

	if (!ctl_msg__find(m, CTL_T_LATENCY, &f))
		return;
	if (json) {
		fprintf(out,
			",\"cpu_on_latency_ns\":{\"count\":%llu,\"min\":%llu,\"median\":%llu,\"p99\":%llu,\"max\":%llu}",
			(unsigned long long)ctl_field__int(&f, 0),
			(unsigned long long)ctl_field__int(&f, 1),
			(unsigned long long)ctl_field__int(&f, 2),
			(unsigned long long)ctl_field__int(&f, 3),
			(unsigned long long)ctl_field__int(&f, 4));
		return;
	}
	fprintf(out,
		"CPU_ON latency (call to the target's first KVM_RUN): %llu calls, min %.1f us, median %.1f us, p99 %.1f us, max %.1f us\n",
		(unsigned long long)ctl_field__int(&f, 0),
		(double)ctl_field__int(&f, 1) / 1e3,
		(double)ctl_field__int(&f, 2) / 1e3,
		(double)ctl_field__int(&f, 3) / 1e3,
		(double)ctl_field__int(&f, 4) / 1e3);
}

/* The counts of one vCPU, from the field after its T_VCPU on. */
static void stat_counts_json(FILE *out, const struct ctl_msg *m, size_t pos)
{
	const char *sep[3] = { "", "", "" }; /* exits and injected */
	unsigned int kind, fn, last_fn = ~0u;
	struct ctl_field f;
	size_t p;
	char buf[32];

	/* Three passes over the vCPU's fields: exits, calls, injected. */
	for (kind = 0; kind < 3; kind++) {
		static const char *const keys[] = { "exits", "psci",
						    "injected" };
		static const uint16_t tags[] = { CTL_T_EXIT, CTL_T_CALLS,
						 CTL_T_INJECTED };

		fprintf(out, ",\"%s\":{", keys[kind]);
		for (p = pos;
		     ctl_msg__next(m, &p, &f) && f.tag != CTL_T_VCPU;) {
			if (f.tag != tags[kind])
				continue;
			if (kind == 0) {
				fprintf(out, "%s\"%s\":%llu", sep[0],
					exit_name((unsigned int)ctl_field__int(
							  &f, 0),
						  buf, sizeof(buf)),
					(unsigned long long)ctl_field__int(&f,
									   1));
				sep[0] = ",";
				continue;
			}
			fn = (unsigned int)ctl_field__int(&f, 0);
			if (kind == 2) {
				fprintf(out, "%s\"%s\":%llu", sep[2],
					fn_name(fn, buf, sizeof(buf)),
					(unsigned long long)ctl_field__int(&f,
									   1));
				sep[2] = ",";
				continue;
			}
			/* Calls come grouped by function. */
			if (fn != last_fn)
				fprintf(out, "%s\"%s\":{",
					last_fn != ~0u ? "}," : "",
					fn_name(fn, buf, sizeof(buf)));
			fprintf(out, "%s\"%s\":%llu", fn == last_fn ? "," : "",
				psci__slot_name(
					fn,
					(unsigned int)ctl_field__int(&f, 1)),
				(unsigned long long)ctl_field__int(&f, 2));
			last_fn = fn;
		}
		if (kind == 1 && last_fn != ~0u)
			fputc('}', out);
		fputc('}', out);
	}
}

static void stat_json(FILE *out, const char *name, const struct ctl_msg *m)
{
	struct ctl_field f;
	size_t pos = 0;
	bool any = false;

	fputs("{\"name\":", out);
	ctl_fmt__json_str(out, name);
	fprintf(out, ",\"psci\":\"%s\",\"uptime_ns\":%llu",
		get_int(m, CTL_T_PSCI_USER, 0) ? "user" : "kernel",
		(unsigned long long)get_int(m, CTL_T_UPTIME, 0));
	latency(out, m, true);
	fputs(",\"vcpus\":[", out);
	while (ctl_msg__next(m, &pos, &f)) {
		if (f.tag != CTL_T_VCPU)
			continue;
		fprintf(out, "%s{", any ? "," : "");
		vcpu_json(out, &f);
		stat_counts_json(out, m, pos);
		fputc('}', out);
		any = true;
	}
	fputs("]}\n", out);
}

void ctl_fmt__stat(FILE *out, const char *name, const struct ctl_msg *m,
		   bool json)
{
	struct ctl_field f;
	size_t pos = 0;
	char buf[32];
	unsigned int fn;

	if (json) {
		stat_json(out, name, m);
		return;
	}
	fprintf(out, "VM %s: up %.1f s, PSCI in %s\n", name,
		(double)get_int(m, CTL_T_UPTIME, 0) / 1e9,
		get_int(m, CTL_T_PSCI_USER, 0) ? "lkvm" :
						 "KVM (calls not seen)");
	latency(out, m, false);
	while (ctl_msg__next(m, &pos, &f)) {
		switch (f.tag) {
		case CTL_T_VCPU:
			fprintf(out, "vCPU %llu: %s, %s\n",
				(unsigned long long)ctl_field__int(&f, 0),
				ctl__state_name(
					(unsigned int)ctl_field__int(&f, 1)),
				ctl_field__int(&f, 2) ? "enabled" : "disabled");
			break;
		case CTL_T_EXIT:
			fprintf(out, "  exit     %-22s %12llu\n",
				exit_name((unsigned int)ctl_field__int(&f, 0),
					  buf, sizeof(buf)),
				(unsigned long long)ctl_field__int(&f, 1));
			break;
		case CTL_T_CALLS:
			fn = (unsigned int)ctl_field__int(&f, 0);
			fprintf(out, "  psci     %-22s %-18s %12llu\n",
				fn_name(fn, buf, sizeof(buf)),
				psci__slot_name(
					fn,
					(unsigned int)ctl_field__int(&f, 1)),
				(unsigned long long)ctl_field__int(&f, 2));
			break;
		case CTL_T_INJECTED:
			fprintf(out, "  injected %-22s %12llu\n",
				fn_name((unsigned int)ctl_field__int(&f, 0),
					buf, sizeof(buf)),
				(unsigned long long)ctl_field__int(&f, 1));
			break;
		}
	}
}

void ctl_fmt__cpu(FILE *out, const char *name, const struct ctl_msg *m,
		  bool json)
{
	struct ctl_field f;
	size_t pos = 0;
	bool any = false;

	if (json) {
		fputs("{\"name\":", out);
		ctl_fmt__json_str(out, name);
		fprintf(out, ",\"state\":\"%s\",\"vcpus\":[",
			run_state(get_int(m, CTL_T_STATE, 0)));
	} else {
		header(out, name, m);
		fprintf(out, "%-5s %-11s %-8s %s\n", "vCPU", "STATE", "ENABLED",
			"MPIDR");
	}
	while (ctl_msg__next(m, &pos, &f)) {
		if (f.tag != CTL_T_VCPU)
			continue;
		if (json) {
			fprintf(out, "%s{", any ? "," : "");
			vcpu_json(out, &f);
			fputc('}', out);
		} else {
			vcpu_row(out, &f);
			fputc('\n', out);
		}
		any = true;
	}
	if (json)
		fputs("]}\n", out);
}

void ctl_fmt__psci(FILE *out, const char *name, const struct ctl_msg *m,
		   bool json)
{
	uint64_t delay = get_int(m, CTL_T_DELAY_ON, 0);
	struct ctl_field f;
	size_t pos = 0;
	bool any = false;
	unsigned int fn;
	int64_t code;
	char buf[32];

	if (json) {
		fputs("{\"name\":", out);
		ctl_fmt__json_str(out, name);
		fputs(",\"faults\":[", out);
	}
	while (ctl_msg__next(m, &pos, &f)) {
		if (f.tag != CTL_T_FAULT)
			continue;
		fn = (unsigned int)ctl_field__int(&f, 0);
		code = (int64_t)ctl_field__int(&f, 1);
		if (json)
			fprintf(out,
				"%s{\"function\":\"%s\",\"error\":\"%s\",\"count\":%llu}",
				any ? "," : "", fn_name(fn, buf, sizeof(buf)),
				psci__ret_name(code) ? psci__ret_name(code) :
						       "?",
				(unsigned long long)ctl_field__int(&f, 2));
		else
			fprintf(out, "fail %-16s %-18s the next %llu call%s\n",
				fn_name(fn, buf, sizeof(buf)),
				psci__ret_name(code) ? psci__ret_name(code) :
						       "?",
				(unsigned long long)ctl_field__int(&f, 2),
				ctl_field__int(&f, 2) == 1 ? "" : "s");
		any = true;
	}
	if (json) {
		fprintf(out, "],\"delay_on_ms\":%llu}\n",
			(unsigned long long)delay);
		return;
	}
	if (!any)
		fputs("no faults armed\n", out);
	if (delay)
		fprintf(out, "delay-on %llu ms\n", (unsigned long long)delay);
	else
		fputs("no CPU_ON delay\n", out);
}

void ctl_fmt__event(FILE *out, const struct ctl_msg *m, bool json)
{
	struct ctl_field f;

	if (ctl_msg__find(m, CTL_T_EV_STATE, &f)) {
		const char *from =
			ctl__state_name((unsigned int)ctl_field__int(&f, 2));
		const char *to =
			ctl__state_name((unsigned int)ctl_field__int(&f, 3));

		if (json)
			fprintf(out,
				"{\"t_us\":%llu,\"vcpu\":%llu,\"from\":\"%s\",\"to\":\"%s\"}\n",
				(unsigned long long)ctl_field__int(&f, 0),
				(unsigned long long)ctl_field__int(&f, 1), from,
				to);
		else
			fprintf(out, "%llu vcpu %llu %s -> %s\n",
				(unsigned long long)ctl_field__int(&f, 0),
				(unsigned long long)ctl_field__int(&f, 1), from,
				to);
	} else if (ctl_msg__find(m, CTL_T_EV_POLICY, &f)) {
		bool en = ctl_field__int(&f, 2);

		if (json)
			fprintf(out,
				"{\"t_us\":%llu,\"vcpu\":%llu,\"enabled\":%s}\n",
				(unsigned long long)ctl_field__int(&f, 0),
				(unsigned long long)ctl_field__int(&f, 1),
				en ? "true" : "false");
		else
			fprintf(out, "%llu vcpu %llu %s\n",
				(unsigned long long)ctl_field__int(&f, 0),
				(unsigned long long)ctl_field__int(&f, 1),
				en ? "enabled" : "disabled");
	} else if (ctl_msg__find(m, CTL_T_LOST, &f)) {
		if (json)
			fprintf(out, "{\"lost\":%llu}\n",
				(unsigned long long)ctl_field__int(&f, 0));
		else
			fprintf(out, "lost %llu events\n",
				(unsigned long long)ctl_field__int(&f, 0));
	}
}
