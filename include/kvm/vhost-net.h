/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__VHOST_NET_H
#define KVM__VHOST_NET_H

#include <stdbool.h>
#include <stdint.h>

struct vdev;

/*
 * -n mode=tap,vhost=1 (arm/vhost-net.c): the kernel's vhost-net moves the
 * frames between the virtqueues and the tap. lkvm opens /dev/vhost-net
 * before the sandbox; when the driver sets DRIVER_OK the device's I/O
 * thread hands the queues over (features, guest RAM, rings, the queues'
 * ioeventfds as kicks, the device's irqfd as the call, the tap as the
 * backend) and stops watching them; a reset (the driver's, or a reboot in
 * place) has the I/O thread take them back before the transport clears
 * them. The tap carries the 12-byte header, so vhost passes it through.
 *
 * Interrupts: vhost signals the irqfd directly and never sets the
 * used-ring bit of InterruptStatus, which Linux's virtio-mmio driver
 * reads first (it ignores an interrupt whose status is 0); so while vhost
 * drives the device, InterruptStatus reports that bit always
 * (virtio_mmio__set_int_always()). The alternative, the call eventfd
 * watched by the I/O thread, which would set the bit and raise the irqfd,
 * costs a thread wake-up per interrupt; a driver reading a set bit with
 * nothing new in the rings costs nothing.
 */
struct vhost_net {
	int fd; /* /dev/vhost-net, -1: none */
	unsigned int index; /* the network's, for messages */
	uint64_t features; /* what vhost-net can do */
	bool on; /* I/O thread: the kernel serves the queues */
	bool failed; /* I/O thread: gave up, lkvm serves them */
};

/*
 * Before the sandbox: open /dev/vhost-net, VHOST_SET_OWNER,
 * VHOST_GET_FEATURES. false, after one warning line, when the data path
 * stays in lkvm.
 */
bool vhost_net__open(struct vhost_net *v, unsigned int index);
/* Give up before the first start (e.g. no irqfd): one warning line. */
void vhost_net__give_up(struct vhost_net *v, const char *why);
/*
 * I/O thread, after DRIVER_OK: hand both queues of vd to vhost with the
 * driver's features and the tap. 0: vhost serves them (vdev__offload()
 * done); -EFAULT: a ring lies outside guest RAM, no vhost call was made
 * (the caller sets DEVICE_NEEDS_RESET); other -errno: a call failed,
 * warned once, everything undone: lkvm serves the queues from now on.
 */
int vhost_net__start(struct vhost_net *v, struct vdev *vd, uint64_t features,
		     int tap_fd);
/* I/O thread, at a reset: take the queues back (model->offload_stop). */
void vhost_net__stop(struct vhost_net *v, struct vdev *vd);

#endif /* KVM__VHOST_NET_H */
