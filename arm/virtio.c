// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio devices on KVM: slots, ioeventfd and irqfd, the I/O thread
 * per device, reset and exit (see include/kvm/virtio-kvm.h).
 */
#include "kvm/kvm.h"
#include "kvm/sandbox.h"
#include "kvm/util.h"
#include "kvm/virtio-kvm.h"

#include <errno.h>
#include <linux/virtio_mmio.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Chains served per queue before the thread looks for a reset or stop. */
#define VDEV_BUDGET 64
/* Transport complaints logged per device and second, at most. */
#define VDEV_LOG_PER_SEC 5

enum vdev_counter {
	CNT_NOTIFY, /* QueueNotify writes that reached lkvm */
	CNT_INT_STATUS,
	CNT_INT_ACK,
	CNT_CONFIG,
	CNT_OTHER,
	CNT_REQUESTS,
	CNT_NR,
};

struct vdev {
	struct kvm *kvm;
	const struct vdev_model *m;
	void *priv;
	struct virtio_slot slot;
	struct virtio_mmio t;
	struct virtio_mmio_dev_ops ops;
	struct virtq_chain *chain; /* the I/O thread's scratch chain */
	int queue_fd[VIRTIO_MMIO_MAX_QUEUES];
	int kick_fd;
	int irq_fd; /* the irqfd's eventfd, or -1: KVM_IRQ_LINE */
	bool ioeventfd;
	pthread_t thread;

	pthread_mutex_t lock;
	pthread_cond_t idle;
	bool active; /* DRIVER_OK until reset (lock; read atomically) */
	bool busy; /* the thread is serving (lock) */
	bool offloaded; /* the kernel serves the queues (lock; atomic) */
	bool stop; /* atomic */

	bool broken_logged[VIRTIO_MMIO_MAX_QUEUES]; /* I/O thread */
	bool input_paused; /* I/O thread: input() could not take more */
	uint64_t counters[CNT_NR]; /* atomic */
	pthread_mutex_t log_lock;
	uint64_t log_second;
	unsigned int log_count;
};

static bool vd_active(struct vdev *vd)
{
	return __atomic_load_n(&vd->active, __ATOMIC_ACQUIRE);
}

static void count(struct vdev *vd, enum vdev_counter c, uint64_t n)
{
	__atomic_fetch_add(&vd->counters[c], n, __ATOMIC_RELAXED);
}

static void poke(int fd)
{
	uint64_t one = 1;

	/* An eventfd only fails when its counter is full: still readable. */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_debug("eventfd write: %s", strerror(errno));
}

static void drain(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		pr_debug("eventfd read: %s", strerror(errno));
}

/* --- interrupts ------------------------------------------------------ */

static void vdev_irq(void *opaque)
{
	struct vdev *vd = opaque;
	uint64_t one = 1;

	if (vd->irq_fd >= 0 && write(vd->irq_fd, &one, sizeof(one)) >= 0)
		return;
	/* An edge: the SPI is edge-triggered, so a pulse makes it pending. */
	kvm__irq_line(vd->kvm, vd->slot.spi, 1);
	kvm__irq_line(vd->kvm, vd->slot.spi, 0);
}

/* --- transport ops (t->lock held) ------------------------------------ */

static void vdev_config_read(void *dev, uint32_t offset, uint8_t *data,
			     uint32_t len)
{
	struct vdev *vd = dev;

	vd->m->config_read(vd->priv, offset, data, len);
}

static int vdev_config_write(void *dev, uint32_t offset, const uint8_t *data,
			     uint32_t len)
{
	struct vdev *vd = dev;

	return vd->m->config_write(vd->priv, offset, data, len);
}

static int vdev_driver_ok(void *dev, uint64_t features)
{
	struct vdev *vd = dev;

	if (vd->m->start)
		vd->m->start(vd->priv, features);
	memset(vd->broken_logged, 0, sizeof(vd->broken_logged));
	pthread_mutex_lock(&vd->lock);
	__atomic_store_n(&vd->active, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vd->lock);
	/* Buffers made available before DRIVER_OK get served now. */
	poke(vd->kick_fd);
	return 0;
}

static void vdev_notify(void *dev, unsigned int queue)
{
	struct vdev *vd = dev;

	poke(vd->queue_fd[queue]);
}

/*
 * The I/O thread finishes the batch it is on (each request runs to
 * completion on it), then lets go; only then may the transport clear the
 * queues.
 */
static void vdev_reset(void *dev)
{
	struct vdev *vd = dev;

	pthread_mutex_lock(&vd->lock);
	__atomic_store_n(&vd->active, false, __ATOMIC_RELEASE);
	while (vd->busy || vd->offloaded) {
		/* The I/O thread takes the queues back from the kernel. */
		if (!vd->busy)
			poke(vd->kick_fd);
		pthread_cond_wait(&vd->idle, &vd->lock);
	}
	pthread_mutex_unlock(&vd->lock);
}

/* I/O thread: a reset waits for the queues back from the kernel. */
static void offload_end(struct vdev *vd)
{
	bool stop;

	pthread_mutex_lock(&vd->lock);
	stop = vd->offloaded && !vd->active;
	pthread_mutex_unlock(&vd->lock);
	if (!stop)
		return;
	vd->m->offload_stop(vd->priv, vd);
	pthread_mutex_lock(&vd->lock);
	__atomic_store_n(&vd->offloaded, false, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vd->idle);
	pthread_mutex_unlock(&vd->lock);
}

/* --- the I/O thread -------------------------------------------------- */

static bool begin_serving(struct vdev *vd)
{
	bool ok;

	pthread_mutex_lock(&vd->lock);
	ok = vd->active && !__atomic_load_n(&vd->stop, __ATOMIC_ACQUIRE);
	vd->busy = ok;
	pthread_mutex_unlock(&vd->lock);
	return ok;
}

static void end_serving(struct vdev *vd)
{
	pthread_mutex_lock(&vd->lock);
	vd->busy = false;
	pthread_cond_broadcast(&vd->idle);
	pthread_mutex_unlock(&vd->lock);
}

static void log_broken(struct vdev *vd, unsigned int q)
{
	const char *why = vd->t.vqs[q].error;

	/* A queue the driver never set up is not news. */
	if (vd->broken_logged[q] || !vd->t.vqs[q].broken)
		return;
	vd->broken_logged[q] = true;
	pr_debug("%s (slot %u): queue %u stopped, DEVICE_NEEDS_RESET: %s",
		 vd->m->name, vd->slot.slot, q, why ? why : "not live");
}

/* Serve the pending queues (and input) until done, reset or stop. */
static void serve(struct vdev *vd, uint32_t pending, bool *input)
{
	unsigned int q;
	int ret;

	while (pending || *input) {
		if (*input) {
			*input = false;
			if (!vd->m->input(vd->priv, vd))
				vd->input_paused = true;
		}
		for (q = 0; q < vd->m->nr_queues; q++) {
			if (!(pending & (1u << q)))
				continue;
			ret = vd->m->serve(vd->priv, vd, q, VDEV_BUDGET);
			if (ret != 1)
				pending &= ~(1u << q);
			if (ret < 0)
				log_broken(vd, q);
		}
		if (!vd_active(vd) ||
		    __atomic_load_n(&vd->stop, __ATOMIC_ACQUIRE))
			return;
	}
}

static void *vdev_thread(void *arg)
{
	struct vdev *vd = arg;
	unsigned int nq = vd->m->nr_queues, i;
	struct pollfd pfd[VIRTIO_MMIO_MAX_QUEUES + 3];
	uint32_t pending;
	bool input;
	char name[16];

	snprintf(name, sizeof(name), "lkvm-vio-%u", vd->slot.slot);
	pthread_setname_np(pthread_self(), name);
	sandbox__enter(SANDBOX_IO, (int)vd->slot.slot);
	for (i = 0; i < nq; i++)
		pfd[i] = (struct pollfd){ .fd = vd->queue_fd[i],
					  .events = POLLIN };
	pfd[nq] = (struct pollfd){ .fd = vd->kick_fd, .events = POLLIN };
	pfd[nq + 1] = (struct pollfd){ .fd = -1, .events = POLLIN };
	pfd[nq + 2] = (struct pollfd){ .fd = -1, .events = POLLOUT };

	while (!__atomic_load_n(&vd->stop, __ATOMIC_ACQUIRE)) {
		bool mine = !__atomic_load_n(&vd->offloaded, __ATOMIC_ACQUIRE);

		/* Queues the kernel serves are its own to watch. */
		for (i = 0; i < nq; i++)
			pfd[i].fd = mine ? vd->queue_fd[i] : -1;
		/* Input waits while the driver is not there to take it. */
		pfd[nq + 1].fd = -1;
		if (mine && vd->m->input && vd_active(vd) && !vd->input_paused)
			pfd[nq + 1].fd = vd->m->input_fd;
		pfd[nq + 2].fd = -1;
		if (mine && vd->m->output_blocked && vd_active(vd) &&
		    vd->m->output_blocked(vd->priv))
			pfd[nq + 2].fd = vd->m->input_fd;
		if (poll(pfd, nq + 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("%s: poll: %s", vd->m->name, strerror(errno));
			break;
		}
		offload_end(vd);
		pending = 0;
		for (i = 0; i < nq; i++) {
			if (pfd[i].fd >= 0 && pfd[i].revents) {
				drain(pfd[i].fd);
				pending |= 1u << i;
			}
		}
		if (pfd[nq].revents) {
			drain(vd->kick_fd);
			pending = (1u << nq) - 1;
		}
		/* Room for the output that waited. */
		if (pfd[nq + 2].fd >= 0 && pfd[nq + 2].revents)
			pending = (1u << nq) - 1;
		/* New buffers may take the input that waited. */
		if (pending)
			vd->input_paused = false;
		input = pfd[nq + 1].fd >= 0 && pfd[nq + 1].revents;
		/* Wake-ups before DRIVER_OK or after a reset are dropped. */
		if (!begin_serving(vd))
			continue;
		serve(vd, pending, &input);
		end_serving(vd);
	}
	return NULL;
}

/* --- the register window --------------------------------------------- */

static void log_access(struct vdev *vd, uint64_t off, uint32_t len,
		       bool is_write, int ret)
{
	uint64_t sec;

	if (log__level < LOG_DEBUG)
		return;
	sec = kvm__now_ns() / 1000000000ULL;
	pthread_mutex_lock(&vd->log_lock);
	if (sec != vd->log_second) {
		vd->log_second = sec;
		vd->log_count = 0;
	}
	if (vd->log_count++ < VDEV_LOG_PER_SEC)
		pr_debug(
			"%s (slot %u): %u-byte %s at offset 0x%llx ignored: %s%s",
			vd->m->name, vd->slot.slot, len,
			is_write ? "write" : "read", (unsigned long long)off,
			strerror(-ret),
			vd->log_count == VDEV_LOG_PER_SEC ?
				" (more this second not shown)" :
				"");
	pthread_mutex_unlock(&vd->log_lock);
}

static int vdev_mmio(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		     bool is_write)
{
	struct vdev *vd = opaque;
	int ret;

	if (offset >= VIRTIO_MMIO_CONFIG)
		count(vd, CNT_CONFIG, 1);
	else if (offset == VIRTIO_MMIO_QUEUE_NOTIFY)
		count(vd, CNT_NOTIFY, 1);
	else if (offset == VIRTIO_MMIO_INTERRUPT_STATUS)
		count(vd, CNT_INT_STATUS, 1);
	else if (offset == VIRTIO_MMIO_INTERRUPT_ACK)
		count(vd, CNT_INT_ACK, 1);
	else
		count(vd, CNT_OTHER, 1);
	ret = virtio_mmio__access(&vd->t, offset, data, len, is_write);
	if (ret)
		log_access(vd, offset, len, is_write, ret);
	/* Logged here, rate-limited: the vCPU need not log it again. */
	return 0;
}

/* --- set-up ---------------------------------------------------------- */

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		die_perror("eventfd");
	return fd;
}

static bool check_ext(struct kvm *kvm, long cap)
{
	return ioctl(kvm->vm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

/*
 * Once per VM: can notifications and interrupts bypass userspace?
 * LKVM_NO_IOEVENTFD / LKVM_NO_IRQFD (any value) force the fallback, so
 * the tests can run that path on hosts that have both.
 */
static void probe_caps(struct kvm *kvm)
{
	if (kvm->virtio_caps_known)
		return;
	kvm->virtio_caps_known = true;
	kvm->has_ioeventfd = check_ext(kvm, KVM_CAP_IOEVENTFD) &&
			     !getenv("LKVM_NO_IOEVENTFD");
	kvm->has_irqfd =
		check_ext(kvm, KVM_CAP_IRQFD) && !getenv("LKVM_NO_IRQFD");
	if (!kvm->has_ioeventfd)
		pr_info("virtio: no KVM ioeventfd; queue notifications go through lkvm's vCPU threads");
	if (!kvm->has_irqfd)
		pr_info("virtio: no KVM irqfd; interrupts are raised with KVM_IRQ_LINE");
}

static void setup_notify(struct vdev *vd, unsigned int q)
{
	struct kvm *kvm = vd->kvm;
	struct kvm_ioeventfd io = {
		.datamatch = q,
		.addr = vd->slot.base + VIRTIO_MMIO_QUEUE_NOTIFY,
		.len = 4,
		.fd = vd->queue_fd[q],
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	if (!kvm->has_ioeventfd)
		return;
	if (ioctl(kvm->vm_fd, KVM_IOEVENTFD, &io) < 0) {
		pr_info("%s (slot %u): KVM_IOEVENTFD: %s; its notifications go through lkvm",
			vd->m->name, vd->slot.slot, strerror(errno));
		return;
	}
	vd->ioeventfd = true;
}

static void setup_irq(struct vdev *vd)
{
	struct kvm *kvm = vd->kvm;
	struct kvm_irqfd irqfd = { .gsi = vd->slot.spi };

	vd->irq_fd = -1;
	if (!kvm->has_irqfd)
		return;
	irqfd.fd = (uint32_t)new_eventfd();
	if (ioctl(kvm->vm_fd, KVM_IRQFD, &irqfd) < 0) {
		pr_info("%s (slot %u): KVM_IRQFD: %s; interrupts by KVM_IRQ_LINE",
			vd->m->name, vd->slot.slot, strerror(errno));
		close((int)irqfd.fd);
		return;
	}
	vd->irq_fd = (int)irqfd.fd;
}

static void vdev_reboot(void *opaque)
{
	struct vdev *vd = opaque;
	uint32_t zero = 0;

	/* As the driver's own reset: the I/O thread lets go, queues clear. */
	virtio_mmio__access(&vd->t, VIRTIO_MMIO_STATUS, (uint8_t *)&zero,
			    sizeof(zero), true);
}

struct vdev *vdev__create(struct kvm *kvm, const struct vdev_model *m,
			  void *priv, unsigned int index)
{
	struct vdev *vd;
	unsigned int q;
	int ret;

	if (kvm->nr_vdevs >= ARM_VIRTIO_SLOTS)
		die("too many virtio devices");
	vd = calloc(1, sizeof(*vd));
	if (!vd)
		die("out of memory");
	vd->chain = malloc(sizeof(*vd->chain));
	if (!vd->chain)
		die("out of memory");
	vd->kvm = kvm;
	vd->m = m;
	vd->priv = priv;
	ret = virtio_slots__get(m->kind, index, &vd->slot);
	if (ret)
		die("no slot for %s number %u (see the README's machine table)",
		    m->name, index + 1);
	pthread_mutex_init(&vd->lock, NULL);
	pthread_mutex_init(&vd->log_lock, NULL);
	pthread_cond_init(&vd->idle, NULL);

	vd->ops = (struct virtio_mmio_dev_ops){
		.device_id = m->device_id,
		.features = m->features,
		.nr_queues = m->nr_queues,
		.queue_num_max = m->queue_num_max,
		.config_size = m->config_size,
		.config_read = m->config_size ? vdev_config_read : NULL,
		.config_write = m->config_write ? vdev_config_write : NULL,
		.driver_ok = vdev_driver_ok,
		.notify = vdev_notify,
		.reset = vdev_reset,
	};
	ret = virtio_mmio__init(&vd->t, &kvm->mem, &vd->ops, vd, vdev_irq, vd);
	if (ret)
		die("%s: cannot set up its transport: %s", m->name,
		    strerror(-ret));

	probe_caps(kvm);
	vd->kick_fd = new_eventfd();
	for (q = 0; q < m->nr_queues; q++) {
		vd->queue_fd[q] = new_eventfd();
		setup_notify(vd, q);
	}
	setup_irq(vd);

	ret = mmio_bus__register(&kvm->mmio, vd->slot.base,
				 ARM_VIRTIO_SLOT_SIZE, vdev_mmio, vd, m->name);
	if (ret)
		die("cannot register %s at 0x%llx: %s", m->name,
		    (unsigned long long)vd->slot.base, strerror(-ret));
	kvm__register_reset(kvm, vdev_reboot, vd);
	ret = pthread_create(&vd->thread, NULL, vdev_thread, vd);
	if (ret)
		die("cannot start the I/O thread of %s: %s", m->name,
		    strerror(ret));
	kvm->vdevs[kvm->nr_vdevs++] = vd;
	pr_info("%s at 0x%llx, SPI %u (INTID %u), slot %u; notify by %s, interrupts by %s",
		m->name, (unsigned long long)vd->slot.base, vd->slot.spi,
		vd->slot.spi + 32, vd->slot.slot,
		vd->ioeventfd ? "ioeventfd" : "MMIO exit",
		vd->irq_fd >= 0 ? "irqfd" : "KVM_IRQ_LINE");
	return vd;
}

struct virtio_mmio *vdev__transport(struct vdev *vd)
{
	return &vd->t;
}

struct virtq_chain *vdev__chain(struct vdev *vd)
{
	return vd->chain;
}

void vdev__kick(struct vdev *vd)
{
	poke(vd->kick_fd);
}

int vdev__queue_fd(struct vdev *vd, unsigned int q)
{
	return vd->queue_fd[q];
}

int vdev__irq_fd(struct vdev *vd)
{
	return vd->irq_fd;
}

const struct guest_mem *vdev__mem(struct vdev *vd)
{
	return &vd->kvm->mem;
}

void vdev__offload(struct vdev *vd)
{
	pthread_mutex_lock(&vd->lock);
	__atomic_store_n(&vd->offloaded, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vd->lock);
}

void vdev__count_requests(struct vdev *vd, unsigned int n)
{
	count(vd, CNT_REQUESTS, n);
}

unsigned int vdev__fdt(struct kvm *kvm, struct fdt_virtio *out)
{
	unsigned int i;

	for (i = 0; i < kvm->nr_vdevs; i++)
		out[i] = (struct fdt_virtio){
			.base = kvm->vdevs[i]->slot.base,
			.size = ARM_VIRTIO_SLOT_SIZE,
			.spi = kvm->vdevs[i]->slot.spi,
		};
	return kvm->nr_vdevs;
}

static void summary(struct vdev *vd)
{
	char what[64] = "";
	uint64_t *c = vd->counters;

	if (vd->m->describe)
		vd->m->describe(vd->priv, what, sizeof(what));
	pr_info("%s%s%s (slot %u): %llu requests; MMIO exits to lkvm: QueueNotify %llu, InterruptStatus %llu, InterruptACK %llu, config %llu, other %llu",
		vd->m->name, what[0] ? " " : "", what, vd->slot.slot,
		(unsigned long long)c[CNT_REQUESTS],
		(unsigned long long)c[CNT_NOTIFY],
		(unsigned long long)c[CNT_INT_STATUS],
		(unsigned long long)c[CNT_INT_ACK],
		(unsigned long long)c[CNT_CONFIG],
		(unsigned long long)c[CNT_OTHER]);
}

void vdev__exit_all(struct kvm *kvm)
{
	unsigned int i;

	for (i = 0; i < kvm->nr_vdevs; i++) {
		__atomic_store_n(&kvm->vdevs[i]->stop, true, __ATOMIC_RELEASE);
		poke(kvm->vdevs[i]->kick_fd);
	}
	for (i = 0; i < kvm->nr_vdevs; i++) {
		struct vdev *vd = kvm->vdevs[i];

		pthread_join(vd->thread, NULL);
		if (vd->m->exit)
			vd->m->exit(vd->priv);
		summary(vd);
	}
	kvm->nr_vdevs = 0;
}
