/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__VIRTIO_KVM_H
#define KVM__VIRTIO_KVM_H

/*
 * The KVM glue of virtio-mmio devices (arm/virtio.c). A device model
 * (virtio-blk, virtio-rng; a console or a network device the same way)
 * fills struct vdev_model and calls vdev__create(); the glue gives it:
 *
 *  - a slot of its kind (include/kvm/virtio-slots.h): a 0x200 window on
 *    the MMIO bus and an edge-triggered SPI, and a device tree node;
 *  - notifications: a KVM ioeventfd on QueueNotify per queue (datamatch
 *    on the queue index), so a notify never leaves the kernel on the vCPU
 *    side; a write that does reach lkvm (no ioeventfd on this host, or a
 *    bad queue index) goes through the transport, whose notify op kicks
 *    the same eventfd;
 *  - interrupts: a KVM irqfd on the device's SPI (on arm64 the irqfd GSI
 *    is the SPI number; the SPI is edge-triggered, so no resample fd);
 *    without irqfd, a KVM_IRQ_LINE pulse;
 *  - one I/O thread per device that waits on those eventfds (and on an
 *    optional fd of the model's own, e.g. a console's input) and calls
 *    model->serve() for each notified queue, only between DRIVER_OK and
 *    the next reset;
 *  - reset: a Status write of 0, and a reboot in place (registered with
 *    kvm__register_reset), wait until the I/O thread is between requests
 *    before the transport clears the queues; requests run synchronously
 *    on that thread, so none is in flight afterwards;
 *  - exit: vdev__exit_all() stops every I/O thread (each finishes and
 *    completes the request it is on) and then runs model->exit (a disk
 *    flushes there).
 *
 * Counters of the MMIO accesses that reached lkvm (userspace exits) by
 * register, and of requests, are printed per device at exit with
 * --loglevel info.
 */

#include <stdbool.h>
#include <stdint.h>

#include "kvm/virtio-mmio.h"
#include "kvm/virtio-slots.h"

struct kvm;
struct vdev;

struct vdev_model {
	const char *name; /* "virtio-blk", for messages */
	enum virtio_kind kind;
	uint32_t device_id;
	uint64_t features; /* device feature bits */
	unsigned int nr_queues;
	uint16_t queue_num_max;
	uint32_t config_size;
	void (*config_read)(void *priv, uint32_t offset, uint8_t *data,
			    uint32_t len);
	int (*config_write)(void *priv, uint32_t offset, const uint8_t *data,
			    uint32_t len); /* NULL: read-only */
	/* DRIVER_OK (transport lock held, I/O thread idle): features agreed. */
	void (*start)(void *priv, uint64_t features);
	/*
	 * I/O thread: serve queue q, as virtio_mmio__process() (which it
	 * usually calls with vdev__transport() and vdev__chain()).
	 */
	int (*serve)(void *priv, struct vdev *vd, unsigned int q,
		     unsigned int budget);
	/*
	 * Optional: the I/O thread also waits for this fd to be readable and
	 * then calls input() (only while the device runs). input() returns
	 * false when it could not take the input (no receive buffers): the
	 * thread then stops watching the fd until the next notification of
	 * any queue or vdev__kick(). -1: none.
	 */
	int input_fd;
	bool (*input)(void *priv, struct vdev *vd);
	/*
	 * Optional: true while output to input_fd waits for room (a full
	 * socket); the thread then also waits for input_fd to be writable
	 * and serves every queue when it is.
	 */
	bool (*output_blocked)(void *priv);
	/*
	 * Optional: the queues were handed to the kernel (vdev__offload())
	 * and the device is being reset: take them back. I/O thread; the
	 * reset waits for it.
	 */
	void (*offload_stop)(void *priv, struct vdev *vd);
	/* lkvm exits; the I/O thread has stopped. */
	void (*exit)(void *priv);
	/* Optional: a few words for the exit summary. */
	void (*describe)(void *priv, char *buf, unsigned int len);
};

/* Place and start a device: the index-th of its kind. Dies on failure. */
struct vdev *vdev__create(struct kvm *kvm, const struct vdev_model *model,
			  void *priv, unsigned int index);
struct virtio_mmio *vdev__transport(struct vdev *vd);
struct virtq_chain *vdev__chain(struct vdev *vd);
/* Wake the I/O thread to serve every queue (from any thread). */
void vdev__kick(struct vdev *vd);
/*
 * For a data path in the kernel (vhost): the queue's ioeventfd, the
 * device's irqfd eventfd (-1 without irqfd), guest RAM. vdev__offload()
 * (I/O thread, from serve() or input()) says the kernel now serves the
 * queues: the I/O thread stops watching their eventfds and input_fd until
 * the device is reset, when model->offload_stop() runs on it.
 */
int vdev__queue_fd(struct vdev *vd, unsigned int q);
int vdev__irq_fd(struct vdev *vd);
const struct guest_mem *vdev__mem(struct vdev *vd);
void vdev__offload(struct vdev *vd);
/* Count requests done, for the exit summary. */
void vdev__count_requests(struct vdev *vd, unsigned int n);
/* Stop every device's I/O thread, then run each model's exit(). */
void vdev__exit_all(struct kvm *kvm);

/* arm/virtio-devs.c: the devices the configuration asks for. */
void virtio__setup_devices(struct kvm *kvm);
/* Open (and lock) every --disk before the VM is made; dies naming the
 * file on failure. */
void virtio__open_disks(struct kvm *kvm);
/* arm/virtio-net.c: start each -n backend (passt) before the VM is made;
 * dies with one line on failure. virtio__setup_devices() adds the cards. */
void virtio__open_nets(struct kvm *kvm);
void virtio__setup_nets(struct kvm *kvm);

struct virtio_console;
/* arm/virtio-console.c: --console virtio, the guest's hvc0. */
void virtio__setup_console(struct kvm *kvm);
/* The virtio console for term.c's keys; NULL with the serial console. */
struct virtio_console *virtio__console(void);

#endif /* KVM__VIRTIO_KVM_H */
