/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__BUILTIN_H
#define KVM__BUILTIN_H

int kvm_cmd_run(int argc, char **argv);

#endif /* KVM__BUILTIN_H */
