/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__CONTROL_CLI_H
#define KVM__CONTROL_CLI_H

/*
 * The client commands' pure half: argument parsing and the text and JSON
 * they print from the VM's replies. Pure: writes to a FILE only.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvm/control.h"

/* "2", "2,5,7": at most max indices, each below 4096. 0 or -EINVAL. */
int ctl__parse_cpu_list(const char *s, unsigned int *out, unsigned int max,
			unsigned int *n);
/* A SysRq key: one printable character. 0 or -EINVAL. */
int ctl__parse_sysrq(const char *s, uint8_t *key);

/* What `lkvm list` shows of one VM (an INFO reply). */
struct ctl_vm_info {
	char name[CTL_NAME_MAX_TEXT];
	uint64_t pid;
	bool paused;
	uint64_t total, enabled, online;
	bool psci_user;
};

void ctl_fmt__info(const struct ctl_msg *m, struct ctl_vm_info *vm);
void ctl_fmt__list(FILE *out, const struct ctl_vm_info *vms, unsigned int n,
		   bool json);
void ctl_fmt__debug(FILE *out, const char *name, const struct ctl_msg *m,
		    bool json);
void ctl_fmt__stat(FILE *out, const char *name, const struct ctl_msg *m,
		   bool json);
void ctl_fmt__cpu(FILE *out, const char *name, const struct ctl_msg *m,
		  bool json);
void ctl_fmt__psci(FILE *out, const char *name, const struct ctl_msg *m,
		   bool json);
/* One line for a watch event (power state, policy, or lost events). */
void ctl_fmt__event(FILE *out, const struct ctl_msg *m, bool json);
/* s as a JSON string, quotes included. */
void ctl_fmt__json_str(FILE *out, const char *s);

#endif /* KVM__CONTROL_CLI_H */
