// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's requests (`lkvm list/stop/pause/resume/debug/stat/
 * cpu/psci`), answered on the control thread. Anything that needs a vCPU's
 * own thread (its registers) is asked of that thread with a service
 * request; a pause holds every vCPU thread out of KVM_RUN.
 */
#include "kvm/control-server.h"
#include "kvm/control-vm.h"
#include "kvm/control.h"
#include "kvm/kvm.h"
#include "kvm/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef LKVM_VERSION
#define LKVM_VERSION "unknown"
#endif

/* How long vCPUs get to stop for a pause, or to answer lkvm debug. */
#define PAUSE_WAIT_MS 2000
#define SERVICE_WAIT_MS 1000

static enum ctl_verdict fail(struct ctl_buf *reply, uint16_t op, int err,
			     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum ctl_verdict fail(struct ctl_buf *reply, uint16_t op, int err,
			     const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_msg__error(reply, op, err, msg);
	return CTL_DONE;
}

static enum ctl_verdict ok(struct ctl_buf *reply, uint16_t op, const char *note)
{
	ctl_msg__begin(reply, CTL_REPLY, op, 0);
	if (note)
		ctl_msg__put_str(reply, CTL_T_MESSAGE, note);
	ctl_msg__end(reply);
	return CTL_DONE;
}

static void put_vcpu(struct kvm *kvm, struct ctl_buf *b, unsigned int i,
		     enum power_state state, bool enabled)
{
	const uint64_t v[4] = { i, state, enabled, kvm->mpidrs[i] };

	ctl_msg__put_ints(b, CTL_T_VCPU, v, 4);
}

/* Every vCPU's state and policy, at one instant. */
static bool snapshot(struct kvm *kvm, enum power_state **state, bool **enabled)
{
	*state = calloc(kvm->nr_cpus, sizeof(**state));
	*enabled = calloc(kvm->nr_cpus, sizeof(**enabled));
	if (!*state || !*enabled) {
		free(*state);
		free(*enabled);
		return false;
	}
	power__snapshot_policy(&kvm->power, *state, *enabled);
	return true;
}

static enum ctl_verdict do_info(struct kvm_control *c, uint16_t op,
				struct ctl_buf *reply)
{
	struct kvm *kvm = c->kvm;
	enum power_state *state;
	uint64_t cpus[3] = { kvm->nr_cpus, 0, 0 };
	bool *enabled;
	unsigned int i;

	if (!snapshot(kvm, &state, &enabled))
		return fail(reply, op, -ENOMEM, "out of memory");
	for (i = 0; i < kvm->nr_cpus; i++) {
		cpus[1] += enabled[i];
		cpus[2] += state[i] == POWER_ON;
	}
	free(state);
	free(enabled);
	ctl_msg__begin(reply, CTL_REPLY, op, 0);
	ctl_msg__put_str(reply, CTL_T_NAME, control__name());
	ctl_msg__put_int(reply, CTL_T_PID, (uint64_t)getpid());
	ctl_msg__put_int(reply, CTL_T_STATE, power__paused(&kvm->power));
	ctl_msg__put_ints(reply, CTL_T_CPUS, cpus, 3);
	ctl_msg__put_int(reply, CTL_T_PSCI_USER, kvm->psci_user);
	ctl_msg__put_int(reply, CTL_T_UPTIME, kvm__now_ns() - kvm->start_ns);
	ctl_msg__put_str(reply, CTL_T_VERSION, LKVM_VERSION);
	ctl_msg__end(reply);
	return CTL_DONE;
}

static enum ctl_verdict do_pause(struct kvm_control *c, uint16_t op,
				 struct ctl_buf *reply)
{
	struct kvm *kvm = c->kvm;

	if (!power__pause(&kvm->power))
		return fail(reply, op, -EALREADY, "already paused");
	kvm_cpu__kick_all(kvm);
	if (!power__wait_quiet(&kvm->power, PAUSE_WAIT_MS)) {
		power__resume(&kvm->power);
		if (kvm__exit_requested(kvm))
			return fail(reply, op, -ESHUTDOWN,
				    "the VM is stopping");
		return fail(
			reply, op, -ETIMEDOUT,
			"a vCPU did not stop within %d ms (blocked writing console output?); the VM runs on",
			PAUSE_WAIT_MS);
	}
	control__counter_pause(c);
	pr_info("paused");
	return ok(reply, op, NULL);
}

static enum ctl_verdict do_resume(struct kvm_control *c, uint16_t op,
				  struct ctl_buf *reply)
{
	struct kvm *kvm = c->kvm;
	const char *note = NULL;

	if (!power__paused(&kvm->power))
		return fail(reply, op, -EALREADY, "not paused");
	if (!control__counter_resume(c))
		note = "the guest's counter could not be held back: it jumps by the paused time";
	power__resume(&kvm->power);
	pr_info("resumed");
	return ok(reply, op, note);
}

/* Ask each vCPU's thread for its registers; wait up to SERVICE_WAIT_MS. */
static void collect_regs(struct kvm *kvm, bool *got, const char **why)
{
	uint64_t end = kvm__now_ns() + SERVICE_WAIT_MS * 1000000ULL, now;
	unsigned int i;
	int ret;

	for (i = 0; i < kvm->nr_cpus; i++) {
		ret = power__request_service(&kvm->power, i);
		got[i] = !ret;
		why[i] = ret == -EBUSY ? "busy with an earlier request" :
			 ret	       ? "the VM is stopping" :
					 NULL;
		if (!ret)
			kvm_cpu__kick(&kvm->cpus[i]);
	}
	for (i = 0; i < kvm->nr_cpus; i++) {
		if (!got[i])
			continue;
		now = kvm__now_ns();
		got[i] = power__wait_service(
			&kvm->power, i,
			now < end ? (unsigned int)((end - now) / 1000000) : 0);
		if (!got[i])
			why[i] = "no answer within 1 s";
	}
}

static enum ctl_verdict do_debug(struct kvm_control *c, uint16_t op,
				 struct ctl_buf *reply)
{
	struct kvm *kvm = c->kvm;
	enum power_state *state;
	const char **why;
	bool *enabled, *got;
	unsigned int i;
	char msg[96];

	if (!snapshot(kvm, &state, &enabled))
		return fail(reply, op, -ENOMEM, "out of memory");
	got = calloc(kvm->nr_cpus, sizeof(*got));
	why = calloc(kvm->nr_cpus, sizeof(*why));
	if (!got || !why) {
		free(got);
		free(why);
		free(state);
		free(enabled);
		return fail(reply, op, -ENOMEM, "out of memory");
	}
	collect_regs(kvm, got, why);
	ctl_msg__begin(reply, CTL_REPLY, op, 0);
	ctl_msg__put_int(reply, CTL_T_STATE, power__paused(&kvm->power));
	ctl_msg__put_int(reply, CTL_T_PSCI_USER, kvm->psci_user);
	for (i = 0; i < kvm->nr_cpus; i++) {
		const struct vcpu_regs *r = &kvm->cpus[i].regs;
		const uint64_t regs[2] = { r->pc, r->pstate };

		put_vcpu(kvm, reply, i, state[i], enabled[i]);
		if (got[i] && !r->err) {
			ctl_msg__put_ints(reply, CTL_T_REGS, regs, 2);
			continue;
		}
		if (got[i])
			snprintf(msg, sizeof(msg), "KVM_GET_ONE_REG: %s",
				 strerror(r->err));
		ctl_msg__put_str(reply, CTL_T_REGS_ERR, got[i] ? msg : why[i]);
	}
	ctl_msg__end(reply);
	free(got);
	free(why);
	free(state);
	free(enabled);
	return CTL_DONE;
}

static enum ctl_verdict do_sysrq(struct kvm_control *c,
				 const struct ctl_msg *req,
				 struct ctl_buf *reply)
{
	struct ctl_field f;
	uint64_t key;

	if (!ctl_msg__find(req, CTL_T_KEY, &f))
		return fail(reply, req->op, -EINVAL, "no key given");
	key = ctl_field__int(&f, 0);
	if (key <= ' ' || key >= 0x7f)
		return fail(reply, req->op, -EINVAL,
			    "a SysRq key is one printable character");
	if (serial8250__send_break(&c->kvm->uart, (uint8_t)key))
		return fail(
			reply, req->op, -EBUSY,
			"the guest is not reading its console input (its receive FIFO is full); try again");
	pr_info("SysRq '%c' sent to the guest's console", (char)key);
	return ok(reply, req->op, NULL);
}

static void put_stats(struct kvm *kvm, struct ctl_buf *b, unsigned int i)
{
	const struct vcpu_stats *st = &kvm->cpus[i].stats;
	unsigned int r, fn, slot;
	uint64_t n;

	for (r = 0; r < VCPU_STAT_EXITS; r++) {
		n = __atomic_load_n(&st->exits[r], __ATOMIC_RELAXED);
		if (n) {
			const uint64_t v[2] = { r, n };

			ctl_msg__put_ints(b, CTL_T_EXIT, v, 2);
		}
	}
	for (fn = 0; fn < PSCI_FN_COUNT; fn++) {
		for (slot = 0; slot < PSCI_NR_SLOTS; slot++) {
			n = __atomic_load_n(&st->psci[fn][slot],
					    __ATOMIC_RELAXED);
			if (n) {
				const uint64_t v[3] = { fn, slot, n };

				ctl_msg__put_ints(b, CTL_T_CALLS, v, 3);
			}
		}
		n = __atomic_load_n(&st->injected[fn], __ATOMIC_RELAXED);
		if (n) {
			const uint64_t v[2] = { fn, n };

			ctl_msg__put_ints(b, CTL_T_INJECTED, v, 2);
		}
	}
}

static enum ctl_verdict do_stat(struct kvm_control *c, uint16_t op,
				struct ctl_buf *reply)
{
	struct kvm *kvm = c->kvm;
	enum power_state *state;
	struct hist_summary h;
	bool *enabled;
	unsigned int i;

	if (!snapshot(kvm, &state, &enabled))
		return fail(reply, op, -ENOMEM, "out of memory");
	hist__summary(&kvm->cpu_on_latency, &h);
	ctl_msg__begin(reply, CTL_REPLY, op, 0);
	ctl_msg__put_int(reply, CTL_T_PSCI_USER, kvm->psci_user);
	ctl_msg__put_int(reply, CTL_T_UPTIME, kvm__now_ns() - kvm->start_ns);
	{
		const uint64_t lat[5] = { h.count, h.min, h.p50, h.p99, h.max };

		ctl_msg__put_ints(reply, CTL_T_LATENCY, lat, 5);
	}
	for (i = 0; i < kvm->nr_cpus; i++) {
		put_vcpu(kvm, reply, i, state[i], enabled[i]);
		put_stats(kvm, reply, i);
	}
	ctl_msg__end(reply);
	free(state);
	free(enabled);
	return CTL_DONE;
}

static enum ctl_verdict do_cpu(struct kvm_control *c, uint16_t op,
			       struct ctl_buf *reply)
{
	struct kvm *kvm = c->kvm;
	enum power_state *state;
	bool *enabled;
	unsigned int i;

	if (!snapshot(kvm, &state, &enabled))
		return fail(reply, op, -ENOMEM, "out of memory");
	ctl_msg__begin(reply, CTL_REPLY, op, 0);
	ctl_msg__put_int(reply, CTL_T_STATE, power__paused(&kvm->power));
	ctl_msg__put_int(reply, CTL_T_PSCI_USER, kvm->psci_user);
	for (i = 0; i < kvm->nr_cpus; i++)
		put_vcpu(kvm, reply, i, state[i], enabled[i]);
	ctl_msg__end(reply);
	free(state);
	free(enabled);
	return CTL_DONE;
}

static enum ctl_verdict policy_error(struct kvm *kvm, struct ctl_buf *reply,
				     uint16_t op, int ret, unsigned int bad)
{
	switch (ret) {
	case -EINVAL:
		return fail(reply, op, ret,
			    "no vCPU %u: this VM has vCPUs 0-%u", bad,
			    kvm->nr_cpus - 1);
	case -EPERM:
		return fail(reply, op, ret,
			    "vCPU %u is the boot vCPU: it cannot be disabled",
			    bad);
	default:
		return fail(
			reply, op, ret,
			"vCPU %u is %s: offline it in the guest first (echo 0 > /sys/devices/system/cpu/cpu%u/online)",
			bad,
			power__get(&kvm->power, bad) == POWER_ON ? "on" :
								   "starting",
			bad);
	}
}

static enum ctl_verdict do_cpu_set(struct kvm_control *c,
				   const struct ctl_msg *req,
				   struct ctl_buf *reply)
{
	struct kvm *kvm = c->kvm;
	unsigned int n = 0, bad = 0, *idx;
	int kinds = 0, ret;
	struct ctl_field f;
	size_t pos = 0;
	uint64_t v;

	if (!kvm->psci_user)
		return fail(
			reply, req->op, -EOPNOTSUPP,
			"this VM uses KVM's PSCI (--psci kernel), which has no hotplug policy");
	/* A request is at most 4 KiB: a few hundred indices. */
	idx = calloc(CTL_MAX_REQUEST / CTL_FIELD_HDR, sizeof(*idx));
	if (!idx)
		return fail(reply, req->op, -ENOMEM, "out of memory");
	while (ctl_msg__next(req, &pos, &f)) {
		if (f.tag != CTL_T_ENABLE && f.tag != CTL_T_DISABLE)
			continue;
		kinds |= f.tag == CTL_T_ENABLE ? 1 : 2;
		v = ctl_field__int(&f, 0);
		idx[n++] = v > UINT32_MAX ? UINT32_MAX : (unsigned int)v;
	}
	if (!n || kinds == 3) {
		free(idx);
		return fail(reply, req->op, -EINVAL,
			    n ? "enable or disable, not both at once" :
				"no vCPU given");
	}
	ret = power__set_enabled(&kvm->power, idx, n, kinds == 1, &bad);
	free(idx);
	if (ret)
		return policy_error(kvm, reply, req->op, ret, bad);
	return ok(reply, req->op, NULL);
}

static enum ctl_verdict do_psci(struct kvm_control *c, uint16_t op,
				struct ctl_buf *reply)
{
	struct psci_fault fault[PSCI_FN_COUNT];
	uint32_t delay;
	unsigned int fn;

	psci_inject__snapshot(&c->kvm->inject, fault, &delay);
	ctl_msg__begin(reply, CTL_REPLY, op, 0);
	ctl_msg__put_int(reply, CTL_T_PSCI_USER, c->kvm->psci_user);
	for (fn = 0; fn < PSCI_FN_COUNT; fn++) {
		const uint64_t v[3] = { fn, (uint64_t)(int64_t)fault[fn].code,
					fault[fn].count };

		if (fault[fn].count)
			ctl_msg__put_ints(reply, CTL_T_FAULT, v, 3);
	}
	ctl_msg__put_int(reply, CTL_T_DELAY_ON, delay);
	ctl_msg__end(reply);
	return CTL_DONE;
}

/* Check every field before changing anything. */
static int check_psci_set(const struct ctl_msg *req, char *msg, size_t len)
{
	struct ctl_field f;
	size_t pos = 0;
	int64_t code;
	uint64_t fn, count;

	while (ctl_msg__next(req, &pos, &f)) {
		if (f.tag == CTL_T_DELAY_ON &&
		    ctl_field__int(&f, 0) > PSCI_INJECT_MAX_DELAY_MS) {
			snprintf(msg, len, "a CPU_ON delay is at most %u ms",
				 PSCI_INJECT_MAX_DELAY_MS);
			return -EINVAL;
		}
		if (f.tag != CTL_T_FAULT)
			continue;
		fn = ctl_field__int(&f, 0);
		code = (int64_t)ctl_field__int(&f, 1);
		count = ctl_field__int(&f, 2);
		if (fn >= PSCI_FN_COUNT ||
		    !psci_inject__fn_allowed((unsigned int)fn) || code >= 0 ||
		    !psci__ret_name(code) || !count ||
		    count > PSCI_INJECT_MAX_COUNT) {
			snprintf(msg, len, "not a fault lkvm can inject");
			return -EINVAL;
		}
	}
	return 0;
}

static enum ctl_verdict do_psci_set(struct kvm_control *c,
				    const struct ctl_msg *req,
				    struct ctl_buf *reply)
{
	struct psci_inject *inj = &c->kvm->inject;
	struct ctl_field f;
	size_t pos = 0;
	char msg[96];
	int ret;

	if (!c->kvm->psci_user)
		return fail(
			reply, req->op, -EOPNOTSUPP,
			"this VM uses KVM's PSCI (--psci kernel): nothing can be injected");
	ret = check_psci_set(req, msg, sizeof(msg));
	if (ret)
		return fail(reply, req->op, ret, "%s", msg);
	if (ctl_msg__find(req, CTL_T_CLEAR, &f))
		psci_inject__clear(inj);
	while (ctl_msg__next(req, &pos, &f)) {
		if (f.tag == CTL_T_FAULT)
			psci_inject__arm(inj,
					 (unsigned int)ctl_field__int(&f, 0),
					 (int32_t)ctl_field__int(&f, 1),
					 (uint32_t)ctl_field__int(&f, 2));
		else if (f.tag == CTL_T_DELAY_ON)
			psci_inject__set_delay_on(
				inj, (uint32_t)ctl_field__int(&f, 0));
	}
	return ok(reply, req->op, NULL);
}

enum ctl_verdict control__handle(void *opaque, const struct ctl_msg *req,
				 const struct ctl_peer *peer,
				 struct ctl_buf *reply)
{
	struct kvm_control *c = opaque;

	switch (req->op) {
	case CTL_OP_INFO:
		return do_info(c, req->op, reply);
	case CTL_OP_STOP:
		pr_info("stopped by 'lkvm stop' (pid %d)", (int)peer->pid);
		kvm__request_exit(c->kvm, 0);
		return ok(reply, req->op, NULL);
	case CTL_OP_PAUSE:
		return do_pause(c, req->op, reply);
	case CTL_OP_RESUME:
		return do_resume(c, req->op, reply);
	case CTL_OP_DEBUG:
		return do_debug(c, req->op, reply);
	case CTL_OP_SYSRQ:
		return do_sysrq(c, req, reply);
	case CTL_OP_STAT:
		return do_stat(c, req->op, reply);
	case CTL_OP_CPU:
		return do_cpu(c, req->op, reply);
	case CTL_OP_CPU_SET:
		return do_cpu_set(c, req, reply);
	case CTL_OP_WATCH:
		ok(reply, req->op, NULL);
		return CTL_WATCH;
	case CTL_OP_PSCI:
		return do_psci(c, req->op, reply);
	case CTL_OP_PSCI_SET:
		return do_psci_set(c, req, reply);
	default:
		return fail(reply, req->op, -ENOSYS,
			    "unknown command %u (this lkvm is %s)", req->op,
			    LKVM_VERSION);
	}
}
