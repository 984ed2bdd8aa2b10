// SPDX-License-Identifier: GPL-2.0
#include "kvm/virtio-console.h"
#include "kvm/util.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_console.h>
#include <string.h>
#include <time.h>

#define BIT64(n) (1ULL << (n))

_Static_assert(sizeof(struct virtio_console_config) ==
		       VIRTIO_CONSOLE_CONFIG_SIZE,
	       "config space size");

int virtio_console__init(struct virtio_console *con,
			 const struct virtio_console_ops *ops, void *opaque,
			 bool offer_size)
{
	if (!ops || !ops->output)
		return -EINVAL;
	memset(con, 0, sizeof(*con));
	con->ops = *ops;
	con->opaque = opaque;
	con->size_offered = offer_size;
	pthread_mutex_init(&con->lock, NULL);
	pthread_cond_init(&con->room_cond, NULL);
	return 0;
}

void virtio_console__exit(struct virtio_console *con)
{
	pthread_cond_destroy(&con->room_cond);
	pthread_mutex_destroy(&con->lock);
}

/* One port, no control queues: neither MULTIPORT nor EMERG_WRITE. */
uint64_t virtio_console__device_features(const struct virtio_console *con)
{
	return con->size_offered ? BIT64(VIRTIO_CONSOLE_F_SIZE) : 0;
}

void virtio_console__start(struct virtio_console *con, uint64_t features)
{
	con->features = features;
}

void virtio_console__set_size(struct virtio_console *con, uint16_t cols,
			      uint16_t rows)
{
	con->cols = cols;
	con->rows = rows;
}

void virtio_console__config_read(struct virtio_console *con, uint32_t offset,
				 uint8_t *data, uint32_t len)
{
	struct virtio_console_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	if (con->size_offered) {
		cfg.cols = htole16(con->cols);
		cfg.rows = htole16(con->rows);
	}
	/* Read only with MULTIPORT, which is not offered; 1 all the same. */
	cfg.max_nr_ports = htole32(1);
	/* The transport checked offset and len against the size. */
	if (offset < sizeof(cfg) && len <= sizeof(cfg) - offset)
		memcpy(data, (uint8_t *)&cfg + offset, len);
}

int virtio_console__transmit(void *opaque, struct virtq *vq,
			     struct virtq_chain *c, uint32_t *used_len)
{
	struct virtio_console *con = opaque;
	unsigned int i;

	if (c->nr_in) {
		virtq__fail(vq, "transmit chain with a writable buffer");
		return -EIO;
	}
	for (i = 0; i < c->nr_out; i++)
		con->ops.output(con->opaque, c->iov[i].iov_base,
				c->iov[i].iov_len);
	con->tx_bytes += c->out_len;
	*used_len = 0;
	return 0;
}

/* --- host input ------------------------------------------------------ */

static size_t room_locked(const struct virtio_console *con)
{
	return VIRTIO_CONSOLE_INPUT_SIZE - con->in_count;
}

size_t virtio_console__receive(struct virtio_console *con, const uint8_t *buf,
			       size_t len)
{
	size_t n, i, tail;

	pthread_mutex_lock(&con->lock);
	n = room_locked(con);
	if (n > len)
		n = len;
	for (i = 0; i < n; i++) {
		tail = (con->in_head + con->in_count) %
		       VIRTIO_CONSOLE_INPUT_SIZE;
		con->in[tail] = buf[i];
		con->in_count++;
	}
	pthread_mutex_unlock(&con->lock);
	if (n && con->ops.input_ready)
		con->ops.input_ready(con->opaque);
	return n;
}

size_t virtio_console__wait_room(struct virtio_console *con,
				 unsigned int timeout_ms)
{
	struct timespec ts;
	size_t room;

	time__deadline_ms(CLOCK_REALTIME, timeout_ms, &ts);
	pthread_mutex_lock(&con->lock);
	con->room_waiters++;
	while (!room_locked(con) &&
	       pthread_cond_timedwait(&con->room_cond, &con->lock, &ts) !=
		       ETIMEDOUT)
		;
	con->room_waiters--;
	room = room_locked(con);
	pthread_mutex_unlock(&con->lock);
	return room;
}

static void taken_locked(struct virtio_console *con, size_t n)
{
	con->in_head = (con->in_head + n) % VIRTIO_CONSOLE_INPUT_SIZE;
	con->in_count -= n;
	if (n && con->room_waiters)
		pthread_cond_broadcast(&con->room_cond);
}

void virtio_console__drop_input(struct virtio_console *con)
{
	pthread_mutex_lock(&con->lock);
	taken_locked(con, con->in_count);
	con->in_head = 0;
	pthread_mutex_unlock(&con->lock);
}

size_t virtio_console__pending(struct virtio_console *con)
{
	size_t n;

	pthread_mutex_lock(&con->lock);
	n = con->in_count;
	pthread_mutex_unlock(&con->lock);
	return n;
}

/* Copy waiting input into the chain's writable buffers: the bytes put. */
static uint32_t fill_chain(struct virtio_console *con,
			   const struct virtq_chain *c)
{
	unsigned int i, end = c->nr_out + c->nr_in;
	uint32_t done = 0;
	size_t off, n, run;

	pthread_mutex_lock(&con->lock);
	for (i = c->nr_out; i < end && con->in_count; i++) {
		for (off = 0; off < c->iov[i].iov_len && con->in_count;
		     off += n) {
			/* Up to the end of the ring, then from its start. */
			run = VIRTIO_CONSOLE_INPUT_SIZE - con->in_head;
			n = c->iov[i].iov_len - off;
			if (n > con->in_count)
				n = con->in_count;
			if (n > run)
				n = run;
			memcpy((uint8_t *)c->iov[i].iov_base + off,
			       con->in + con->in_head, n);
			taken_locked(con, n);
			done += (uint32_t)n;
		}
	}
	pthread_mutex_unlock(&con->lock);
	return done;
}

int virtio_console__deliver(struct virtio_console *con, struct virtio_mmio *t,
			    struct virtq_chain *c)
{
	struct virtq *vq = virtio_mmio__queue(t, VIRTIO_CONSOLE_RXQ);
	unsigned int done = 0;
	uint32_t len;
	int ret = 0;

	if (!vq)
		return -EIO;
	while (virtio_console__pending(con)) {
		if (done == VIRTIO_CONSOLE_RX_BUDGET) {
			ret = 1;
			break;
		}
		ret = virtq__pop(vq, c);
		if (ret < 0)
			break;
		if (!ret) {
			/* Ask for the driver's next buffer, then look again. */
			if (virtq__enable_notify(vq))
				continue;
			ret = vq->broken ? -EIO : -EAGAIN;
			break;
		}
		if (c->nr_out) {
			virtq__fail(vq, "receive chain with a readable buffer");
			ret = -EIO;
			break;
		}
		/* Input dropped meanwhile (a reset) leaves an empty answer. */
		len = fill_chain(con, c);
		con->rx_bytes += len;
		virtq__push(vq, c, len);
		done++;
		ret = 0;
	}
	if (done)
		virtio_mmio__signal(t, vq);
	return ret;
}
