/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__BUILTIN_H
#define KVM__BUILTIN_H

int kvm_cmd_run(int argc, char **argv);
/* list, stop, pause, resume, debug, stat, cpu, psci: -1 if cmd is none. */
int kvm_cmd_ctl(const char *cmd, int argc, char **argv);
/* Their --help text, or NULL. */
const char *kvm_ctl__usage(const char *cmd);

#endif /* KVM__BUILTIN_H */
