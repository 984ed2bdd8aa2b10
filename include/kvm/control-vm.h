/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__CONTROL_VM_H
#define KVM__CONTROL_VM_H

/* The VM's side of the control socket: arm/control.c, arm/control-cmds.c. */

#include <stdbool.h>
#include <stdint.h>

#include "kvm/control-server.h"

struct kvm;

struct kvm_control {
	struct kvm *kvm;
	struct ctl_server *srv;
	struct ctl_evq evq;
	bool counter_offset; /* KVM_CAP_COUNTER_OFFSET: pauses are hidden */
	uint64_t offset; /* the guest's counter offset, in counter ticks */
	uint64_t paused_at; /* the host's counter when paused */
};

/* arm/control.c */
const char *control__name(void);
/* Note the host's counter as the pause begins (every vCPU held). */
void control__counter_pause(struct kvm_control *c);
/* Add the paused time to the guest's counter offset, before the vCPUs
 * are let go. False if KVM refused: the guest then sees the pause. */
bool control__counter_resume(struct kvm_control *c);

/* arm/control-cmds.c: one request, on the control thread. */
enum ctl_verdict control__handle(void *opaque, const struct ctl_msg *req,
				 const struct ctl_peer *peer,
				 struct ctl_buf *reply);

#endif /* KVM__CONTROL_VM_H */
