// SPDX-License-Identifier: GPL-2.0
#include "kvm/net-stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX_IOV 64

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int net_stream_in__init(struct net_stream_in *s, size_t max_frame)
{
	memset(s, 0, sizeof(*s));
	s->max_frame = max_frame;
	s->cap = 2 * (NET_STREAM_LEN + max_frame);
	s->buf = malloc(s->cap);
	return s->buf ? 0 : -ENOMEM;
}

void net_stream_in__exit(struct net_stream_in *s)
{
	free(s->buf);
	s->buf = NULL;
}

void net_stream_in__reset(struct net_stream_in *s)
{
	s->start = 0;
	s->end = 0;
}

/* The length of the record at start, if its length field is all there. */
static bool record_len(const struct net_stream_in *s, size_t *len)
{
	if (s->end - s->start < NET_STREAM_LEN)
		return false;
	*len = get_be32(s->buf + s->start);
	return true;
}

void net_stream_in__space(struct net_stream_in *s, uint8_t **p, size_t *len)
{
	size_t rec;

	/*
	 * Move what is left to the front when the record at start could not
	 * finish in the room after it; the buffer holds two whole records,
	 * so there is then room for at least one.
	 */
	if (s->start &&
	    (!record_len(s, &rec) || rec > s->max_frame ||
	     s->start + NET_STREAM_LEN + rec > s->cap || s->end == s->cap)) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	*p = s->buf + s->end;
	*len = s->cap - s->end;
}

void net_stream_in__commit(struct net_stream_in *s, size_t n)
{
	if (n > s->cap - s->end)
		n = s->cap - s->end;
	s->end += n;
}

int net_stream_in__peek(struct net_stream_in *s, const uint8_t **frame,
			size_t *len)
{
	size_t rec;

	for (;;) {
		if (!record_len(s, &rec))
			return 0;
		if (rec > s->max_frame)
			return -EMSGSIZE;
		if (rec) {
			if (s->end - s->start - NET_STREAM_LEN < rec)
				return 0;
			*frame = s->buf + s->start + NET_STREAM_LEN;
			*len = rec;
			return 1;
		}
		/* A zero-length record carries no frame. */
		s->start += NET_STREAM_LEN;
		s->skipped++;
	}
}

void net_stream_in__consume(struct net_stream_in *s)
{
	size_t rec;

	if (!record_len(s, &rec) || rec > s->max_frame ||
	    s->end - s->start - NET_STREAM_LEN < rec)
		return;
	s->start += NET_STREAM_LEN + rec;
	if (s->start == s->end) {
		s->start = 0;
		s->end = 0;
	}
}

size_t net_stream_in__partial(const struct net_stream_in *s)
{
	return s->end - s->start;
}

int net_stream_out__init(struct net_stream_out *o, size_t max_frame)
{
	memset(o, 0, sizeof(*o));
	o->max_frame = max_frame;
	o->cap = NET_STREAM_LEN + max_frame;
	o->buf = malloc(o->cap);
	return o->buf ? 0 : -ENOMEM;
}

void net_stream_out__exit(struct net_stream_out *o)
{
	free(o->buf);
	o->buf = NULL;
}

void net_stream_out__reset(struct net_stream_out *o)
{
	o->off = 0;
	o->len = 0;
}

bool net_stream_out__pending(const struct net_stream_out *o)
{
	return o->off < o->len;
}

int net_stream_out__flush(struct net_stream_out *o,
			  ssize_t (*writev)(void *opaque,
					    const struct iovec *iov, int cnt),
			  void *opaque)
{
	while (o->off < o->len) {
		struct iovec v = { o->buf + o->off, o->len - o->off };
		ssize_t n = writev(opaque, &v, 1);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EAGAIN;
		o->off += (size_t)n;
	}
	o->off = 0;
	o->len = 0;
	return 0;
}

/* Keep what the socket did not take: the record from byte done on. */
static void keep_rest(struct net_stream_out *o, const struct iovec *v,
		      unsigned int cnt, size_t done)
{
	unsigned int i;

	o->off = 0;
	o->len = 0;
	for (i = 0; i < cnt; i++) {
		size_t l = v[i].iov_len;

		if (done >= l) {
			done -= l;
			continue;
		}
		memcpy(o->buf + o->len, (const uint8_t *)v[i].iov_base + done,
		       l - done);
		o->len += l - done;
		done = 0;
	}
}

static void keep_rest_append(struct net_stream_out *o, const struct iovec *v,
			     unsigned int cnt)
{
	unsigned int i;

	for (i = 0; i < cnt; i++) {
		memcpy(o->buf + o->len, v[i].iov_base, v[i].iov_len);
		o->len += v[i].iov_len;
	}
}

int net_stream_out__send(struct net_stream_out *o, const struct iovec *iov,
			 unsigned int n,
			 ssize_t (*writev)(void *opaque,
					   const struct iovec *iov, int cnt),
			 void *opaque)
{
	struct iovec v[OUT_MAX_IOV + 1];
	uint8_t hdr[NET_STREAM_LEN];
	size_t len = 0, total;
	unsigned int i;
	ssize_t w;
	int ret;

	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (len > o->max_frame)
		return -EMSGSIZE;
	ret = net_stream_out__flush(o, writev, opaque);
	if (ret)
		return ret;
	hdr[0] = len >> 24;
	hdr[1] = len >> 16;
	hdr[2] = len >> 8;
	hdr[3] = len;
	v[0] = (struct iovec){ hdr, sizeof(hdr) };
	total = sizeof(hdr) + len;
	if (n > OUT_MAX_IOV) {
		/* Too many pieces for one writev: send it from a copy. */
		keep_rest(o, v, 1, 0);
		keep_rest_append(o, iov, n);
		ret = net_stream_out__flush(o, writev, opaque);
		return ret == -EAGAIN ? 0 : ret;
	}
	memcpy(&v[1], iov, n * sizeof(*iov));
	w = writev(opaque, v, (int)n + 1);
	if (w < 0)
		return (int)w;
	if (w == 0)
		return -EAGAIN;
	if ((size_t)w < total)
		keep_rest(o, v, n + 1, (size_t)w);
	return 0;
}
