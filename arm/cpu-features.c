// SPDX-License-Identifier: GPL-2.0
/* The guest CPU's optional features: selection and description (pure). */
#include "kvm/cpu-features.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int cpu_features__select(const struct kvm_config *cfg,
			 const struct cpu_host_caps *host,
			 struct cpu_plan *plan, char *err, size_t errlen)
{
	memset(plan, 0, sizeof(*plan));

	if (cfg->sve_max_vl && !host->sve) {
		snprintf(err, errlen,
			 "--sve-max-vl: this host's KVM has no SVE for guests");
		return -ENODEV;
	}
	if (cfg->pmu && !host->pmu_v3) {
		snprintf(err, errlen,
			 "--pmu: this host's KVM has no PMUv3 for guests");
		return -ENODEV;
	}

	plan->sve = host->sve && !cfg->disable_sve;
	if (plan->sve) {
		plan->init_features |= 1u << CPU_INIT_SVE;
		plan->sve_max_vq = cfg->sve_max_vl / SVE_VQ_BITS;
	}
	/* KVM takes the two kinds of pointer authentication together only. */
	plan->ptrauth = host->ptrauth_address && host->ptrauth_generic &&
			!cfg->disable_ptrauth;
	if (plan->ptrauth)
		plan->init_features |= 1u << CPU_INIT_PTRAUTH_ADDRESS |
				       1u << CPU_INIT_PTRAUTH_GENERIC;
	plan->pmu = cfg->pmu;
	if (plan->pmu)
		plan->init_features |= 1u << CPU_INIT_PMU_V3;
	plan->mte = host->mte && !cfg->disable_mte;
	plan->pvtime = host->steal_time && !cfg->no_pvtime;
	return 0;
}

static bool vls_test(const uint64_t vls[SVE_VLS_WORDS], unsigned int vq)
{
	return vls[(vq - 1) / 64] >> ((vq - 1) % 64) & 1;
}

/* "128, 256, 512" into buf: the lengths in vls, in bits. */
static void vls_list(const uint64_t vls[SVE_VLS_WORDS], char *buf, size_t len)
{
	size_t n = 0;
	unsigned int vq;

	buf[0] = '\0';
	for (vq = 1; vq <= SVE_VLS_VQ_MAX && n < len; vq++)
		if (vls_test(vls, vq))
			n += snprintf(buf + n, len - n, "%s%u", n ? ", " : "",
				      vq * SVE_VQ_BITS);
	if (!buf[0])
		snprintf(buf, len, "none");
}

int cpu_features__sve_vls(const uint64_t host[SVE_VLS_WORDS],
			  unsigned int max_vq, uint64_t out[SVE_VLS_WORDS],
			  char *err, size_t errlen)
{
	unsigned int vq;
	char list[128];

	memcpy(out, host, SVE_VLS_WORDS * sizeof(out[0]));
	if (!max_vq)
		return 0;
	if (max_vq > SVE_VLS_VQ_MAX || !vls_test(host, max_vq)) {
		vls_list(host, list, sizeof(list));
		snprintf(
			err, errlen,
			"--sve-max-vl %u: this host's KVM offers vector lengths of %s bits",
			max_vq * SVE_VQ_BITS, list);
		return -EINVAL;
	}
	for (vq = max_vq + 1; vq <= SVE_VLS_VQ_MAX; vq++)
		out[(vq - 1) / 64] &= ~(1ULL << ((vq - 1) % 64));
	return 0;
}

unsigned int cpu_features__sve_max_vl(const uint64_t vls[SVE_VLS_WORDS])
{
	unsigned int vq;

	for (vq = SVE_VLS_VQ_MAX; vq; vq--)
		if (vls_test(vls, vq))
			return vq * SVE_VQ_BITS;
	return 0;
}

/* A list being written into a fixed buffer, cut short if it is full. */
struct list {
	char *buf;
	size_t len, used;
};

static void list_add(struct list *l, const char *what, const char *why)
{
	int n;

	if (l->used >= l->len)
		return;
	n = snprintf(l->buf + l->used, l->len - l->used, "%s%s%s%s%s",
		     l->used ? ", " : "", what, why ? " (" : "", why ? why : "",
		     why ? ")" : "");
	if (n > 0)
		l->used += (size_t)n;
}

/* Why a feature that is on by default is off. */
static const char *off_reason(bool disabled, const char *option)
{
	return disabled ? option : "not offered by this host's KVM";
}

void cpu_features__describe(const struct kvm_config *cfg,
			    const struct cpu_host_caps *host,
			    const struct cpu_plan *plan,
			    unsigned int sve_max_vl, char *buf, size_t len)
{
	char on_buf[160] = "", off_buf[320] = "", sve[48];
	struct list on = { on_buf, sizeof(on_buf), 0 };
	struct list off = { off_buf, sizeof(off_buf), 0 };

	snprintf(sve, sizeof(sve), "vectors up to %u bits", sve_max_vl);
	if (plan->sve)
		list_add(&on, "SVE", sve);
	else
		list_add(&off, "SVE",
			 off_reason(cfg->disable_sve, "--disable-sve"));
	if (plan->ptrauth)
		list_add(&on, "pointer authentication", NULL);
	else
		list_add(&off, "pointer authentication",
			 off_reason(cfg->disable_ptrauth, "--disable-ptrauth"));
	if (plan->pmu)
		list_add(&on, "PMUv3", NULL);
	else
		list_add(&off, "PMUv3",
			 host->pmu_v3 ? "off by default, --pmu turns it on" :
					off_reason(false, NULL));
	if (plan->mte)
		list_add(&on, "MTE", NULL);
	else
		list_add(&off, "MTE",
			 off_reason(cfg->disable_mte, "--disable-mte"));
	if (plan->pvtime)
		list_add(&on, "stolen time", NULL);
	else
		list_add(&off, "stolen time",
			 off_reason(cfg->no_pvtime, "--no-pvtime"));

	snprintf(buf, len, "guest CPU features: %s%s%s",
		 on.used ? on_buf : "none", off.used ? "; off: " : "", off_buf);
}
