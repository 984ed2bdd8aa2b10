// SPDX-License-Identifier: GPL-2.0
/*
 * --console virtio: the guest's hvc0 (virtio/console.c) on lkvm's stdin
 * and stdout. term.c feeds it the keys; its output goes to stdout as the
 * UART's does: a slow reader slows the guest (the transmit buffer goes
 * back to the guest only once written), a reader that went away costs
 * one warning and the rest is dropped, and a stopping VM never waits for
 * a blocked write.
 */
#include "kvm/kvm.h"
#include "kvm/sandbox.h"
#include "kvm/util.h"
#include "kvm/virtio-console.h"
#include "kvm/virtio-kvm.h"

#include <errno.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* How often a transmit waiting on a blocked write checks for a stop. */
#define WRITE_CHECK_MS 100
#define WRITER_BUF 4096

struct vcon {
	struct kvm *kvm;
	struct virtio_console con;
	struct vdev *vd;
	struct vdev_model model;
	int event_fd; /* input waits, or the terminal was resized */
	struct panic_watch watch; /* the I/O thread's */

	/*
	 * The writer thread does the write() to stdout, which may block
	 * for as long as the reader likes; the I/O thread hands it one
	 * chunk at a time and waits, but gives up when the VM stops.
	 */
	pthread_t writer;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t len; /* bytes of buf the writer has yet to write (lock) */
	uint8_t buf[WRITER_BUF];
};

static struct vcon vcon = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.event_fd = -1,
};
static volatile sig_atomic_t winch;

static void poke(int fd)
{
	uint64_t one = 1;
	int saved = errno; /* also called from a signal handler */

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_debug("virtio-console: eventfd write: %s", strerror(errno));
	errno = saved;
}

/* --- output ---------------------------------------------------------- */

/* The writer thread: stdout, whatever the reader does. */
static void write_out(struct kvm *kvm, const uint8_t *p, size_t n)
{
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
	ssize_t w;

	while (n) {
		w = write(STDOUT_FILENO, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			poll(&pfd, 1, -1); /* stdout was left non-blocking */
		} else if (w == 0 || errno != EINTR) {
			kvm__console_lost(kvm, w < 0 ? errno : EIO);
			return;
		}
	}
}

static void *writer_thread(void *arg)
{
	struct vcon *v = arg;
	size_t n;

	pthread_setname_np(pthread_self(), "lkvm-hvc-out");
	sandbox__enter(SANDBOX_CONSOLE, -1);
	for (;;) {
		pthread_mutex_lock(&v->lock);
		while (!v->len)
			pthread_cond_wait(&v->cond, &v->lock);
		n = v->len;
		pthread_mutex_unlock(&v->lock);
		/* buf is ours until len goes back to 0. */
		write_out(v->kvm, v->buf, n);
		pthread_mutex_lock(&v->lock);
		v->len = 0;
		pthread_cond_broadcast(&v->cond);
		pthread_mutex_unlock(&v->lock);
	}
	return NULL;
}

/* Wait (lock held) until the writer is idle; false if the VM stops. */
static bool writer_idle(struct vcon *v)
{
	struct timespec ts;

	while (v->len) {
		time__deadline_ms(CLOCK_REALTIME, WRITE_CHECK_MS, &ts);
		pthread_cond_timedwait(&v->cond, &v->lock, &ts);
		if (v->len && kvm__exit_requested(v->kvm))
			return false;
	}
	return true;
}

/* The I/O thread: one chunk written, or the VM stops. */
static bool write_chunk(struct vcon *v, const uint8_t *p, size_t n)
{
	bool ok;

	pthread_mutex_lock(&v->lock);
	ok = writer_idle(v);
	if (ok) {
		memcpy(v->buf, p, n);
		v->len = n;
		pthread_cond_broadcast(&v->cond);
		ok = writer_idle(v);
	}
	pthread_mutex_unlock(&v->lock);
	return ok;
}

/* virtio_console ops->output: on the I/O thread. */
static void con_output(void *opaque, const void *buf, size_t len)
{
	struct vcon *v = opaque;
	const uint8_t *p = buf;
	size_t i, n;

	if (v->kvm->cfg->console_panic)
		for (i = 0; i < len; i++)
			if (panic_watch__feed(&v->watch, p[i]))
				kvm__guest_panicked(v->kvm);
	while (len) {
		if (kvm__console_closed(v->kvm) || kvm__exit_requested(v->kvm))
			return;
		n = len < WRITER_BUF ? len : WRITER_BUF;
		if (!write_chunk(v, p, n))
			return;
		p += n;
		len -= n;
	}
}

/* --- input and the terminal size ------------------------------------- */

static void con_input_ready(void *opaque)
{
	struct vcon *v = opaque;

	poke(v->event_fd);
}

static void on_winch(int sig)
{
	(void)sig;
	__atomic_store_n(&winch, 1, __ATOMIC_RELAXED);
	poke(vcon.event_fd);
}

/* The terminal's size, from stdout or else stdin: false if neither is. */
static bool term_size(uint16_t *cols, uint16_t *rows)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) &&
	    ioctl(STDIN_FILENO, TIOCGWINSZ, &ws))
		return false;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return true;
}

struct size_update {
	struct virtio_console *con;
	uint16_t cols, rows;
};

static void apply_size(void *dev, void *arg)
{
	struct size_update *u = arg;

	(void)dev;
	virtio_console__set_size(u->con, u->cols, u->rows);
}

/* The I/O thread: tell the driver the terminal's size (a config change). */
static void update_size(struct vcon *v)
{
	struct size_update u = { .con = &v->con };

	if (!(v->con.features & (1ULL << VIRTIO_CONSOLE_F_SIZE)) ||
	    !term_size(&u.cols, &u.rows))
		return;
	virtio_mmio__update_config(vdev__transport(v->vd), apply_size, &u);
}

/* --- the device model ------------------------------------------------ */

static void con_config_read(void *priv, uint32_t offset, uint8_t *data,
			    uint32_t len)
{
	struct vcon *v = priv;

	virtio_console__config_read(&v->con, offset, data, len);
}

/*
 * DRIVER_OK. Linux reads the size only on a config change, and takes
 * one that comes while it probes once the probe is done: so announce it
 * now, from the I/O thread (the transport's lock is held here).
 */
static void con_start(void *priv, uint64_t features)
{
	struct vcon *v = priv;

	virtio_console__start(&v->con, features);
	if (features & (1ULL << VIRTIO_CONSOLE_F_SIZE)) {
		__atomic_store_n(&winch, 1, __ATOMIC_RELAXED);
		poke(v->event_fd);
	}
}

static int con_chain(void *opaque, struct virtq *vq, struct virtq_chain *c,
		     uint32_t *used_len)
{
	struct vcon *v = opaque;
	int ret = virtio_console__transmit(&v->con, vq, c, used_len);

	if (!ret)
		vdev__count_requests(v->vd, 1);
	return ret;
}

static int con_serve(void *priv, struct vdev *vd, unsigned int q,
		     unsigned int budget)
{
	struct vcon *v = priv;
	int ret;

	if (q == VIRTIO_CONSOLE_TXQ)
		return virtio_mmio__process(vdev__transport(vd), q,
					    vdev__chain(vd), budget, con_chain,
					    v);
	/* New receive buffers: for the input that waited for them. */
	ret = virtio_console__deliver(&v->con, vdev__transport(vd),
				      vdev__chain(vd));
	return ret == -EAGAIN ? 0 : ret;
}

static bool con_input(void *priv, struct vdev *vd)
{
	struct vcon *v = priv;
	uint64_t n;
	int ret;

	if (read(v->event_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		pr_debug("virtio-console: eventfd read: %s", strerror(errno));
	if (__atomic_exchange_n(&winch, 0, __ATOMIC_RELAXED))
		update_size(v);
	ret = virtio_console__deliver(&v->con, vdev__transport(vd),
				      vdev__chain(vd));
	if (ret == 1)
		poke(v->event_fd); /* more after the other queues' turn */
	/* Without receive buffers: wait for the driver's next ones. */
	return ret != -EAGAIN;
}

static void con_describe(void *priv, char *buf, unsigned int len)
{
	struct vcon *v = priv;

	snprintf(buf, len, "hvc0, %llu bytes out, %llu in",
		 (unsigned long long)v->con.tx_bytes,
		 (unsigned long long)v->con.rx_bytes);
}

static const struct vdev_model con_model = {
	.name = "virtio-console",
	.kind = VIRTIO_KIND_CONSOLE,
	.device_id = VIRTIO_ID_CONSOLE,
	.nr_queues = VIRTIO_CONSOLE_NR_QUEUES,
	.queue_num_max = VIRTIO_CONSOLE_QUEUE_SIZE,
	.config_size = VIRTIO_CONSOLE_CONFIG_SIZE,
	.config_read = con_config_read,
	.start = con_start,
	.serve = con_serve,
	.input = con_input,
	.describe = con_describe,
};

/*
 * A reboot in place: keys the old boot never took do not reach the new
 * one. Registered after the device, so it runs before the device's reset.
 */
static void con_reboot(void *opaque)
{
	struct vcon *v = opaque;

	virtio_console__drop_input(&v->con);
}

static void setup_winch(void)
{
	struct sigaction sa = { .sa_handler = on_winch,
				.sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGWINCH, &sa, NULL))
		die_perror("sigaction(SIGWINCH)");
}

void virtio__setup_console(struct kvm *kvm)
{
	static const struct virtio_console_ops ops = {
		.output = con_output,
		.input_ready = con_input_ready,
	};
	uint16_t cols, rows;
	bool sized = term_size(&cols, &rows);
	int ret;

	vcon.kvm = kvm;
	vcon.event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vcon.event_fd < 0)
		die_perror("eventfd");
	/* The size only where there is a terminal to take it from. */
	if (virtio_console__init(&vcon.con, &ops, &vcon, sized))
		die("internal error: the virtio console");
	if (sized)
		virtio_console__set_size(&vcon.con, cols, rows);
	vcon.model = con_model;
	vcon.model.features = virtio_console__device_features(&vcon.con);
	vcon.model.input_fd = vcon.event_fd;
	ret = pthread_create(&vcon.writer, NULL, writer_thread, &vcon);
	if (ret)
		die("cannot start the virtio console's writer: %s",
		    strerror(ret));
	pthread_detach(vcon.writer);
	vcon.vd = vdev__create(kvm, &vcon.model, &vcon, 0);
	kvm__register_reset(kvm, con_reboot, &vcon);
	if (sized)
		setup_winch();
	pr_info("virtio-console: the guest's hvc0 on stdin and stdout%s",
		sized ? ", with the terminal's size" : "");
}

struct virtio_console *virtio__console(void)
{
	return vcon.vd ? &vcon.con : NULL;
}
