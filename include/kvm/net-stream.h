/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__NET_STREAM_H
#define KVM__NET_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/*
 * The frame stream between lkvm and passt (QEMU's "stream" netdev, which
 * passt --fd speaks): each Ethernet frame is sent as a 4-byte big-endian
 * length and then that many bytes. Pure: the caller reads and writes the
 * socket; these functions only cut and build the stream.
 *
 * Reading: the caller reads into net_stream_in__space() and commits what
 * it got, in pieces of any size; net_stream_in__peek() gives the next
 * whole frame in place. A zero length is skipped (no frame); a length over
 * the maximum frame is a broken stream (its framing is lost for good).
 *
 * Writing: net_stream_out__send() writes a frame and its length through a
 * writev op. A frame the socket takes only part of is finished from a copy
 * before the next one, so the stream never breaks; nothing is taken when
 * even that copy cannot be flushed (-EAGAIN: wait until writable).
 */

#define NET_STREAM_LEN 4

struct net_stream_in {
	uint8_t *buf;
	size_t cap; /* room for two of the largest records */
	size_t max_frame;
	size_t start, end; /* unparsed bytes: buf[start, end) */
	size_t skipped; /* zero-length records seen */
};

struct net_stream_out {
	uint8_t *buf; /* the rest of a frame the socket took part of */
	size_t cap;
	size_t max_frame;
	size_t off, len; /* unsent: buf[off, len) */
};

/* 0 or -ENOMEM. */
int net_stream_in__init(struct net_stream_in *s, size_t max_frame);
void net_stream_in__exit(struct net_stream_in *s);
/* Drop everything buffered. */
void net_stream_in__reset(struct net_stream_in *s);
/* Where the next read goes (at least one byte unless a whole frame is
 * already buffered and not consumed, or the stream is broken). */
void net_stream_in__space(struct net_stream_in *s, uint8_t **p, size_t *len);
/* n bytes were read into the space. */
void net_stream_in__commit(struct net_stream_in *s, size_t n);
/*
 * The next whole frame: 1 with *frame and *len (in the buffer, valid until
 * consume or the next space/commit); 0 when more bytes are needed;
 * -EMSGSIZE when a record is longer than the maximum (broken stream).
 */
int net_stream_in__peek(struct net_stream_in *s, const uint8_t **frame,
			size_t *len);
/* Drop the frame peek() gave. */
void net_stream_in__consume(struct net_stream_in *s);
/* Bytes of an unfinished record (at the end of the stream: 0 if it ended
 * between frames). */
size_t net_stream_in__partial(const struct net_stream_in *s);

/* 0 or -ENOMEM. */
int net_stream_out__init(struct net_stream_out *o, size_t max_frame);
void net_stream_out__exit(struct net_stream_out *o);
void net_stream_out__reset(struct net_stream_out *o);
/*
 * Send the frame iov[0, n) (over 64 pieces: from a copy). writev(opaque,
 * iov, cnt) writes without blocking: bytes written, or -errno (-EAGAIN
 * when full).
 * 0: sent (all of it, or the rest kept to be flushed first next time);
 * -EAGAIN: nothing of this frame was taken; -EMSGSIZE: longer than the
 * maximum, dropped; other -errno from writev: the stream is broken.
 */
int net_stream_out__send(struct net_stream_out *o, const struct iovec *iov,
			 unsigned int n,
			 ssize_t (*writev)(void *opaque,
					   const struct iovec *iov, int cnt),
			 void *opaque);
/* Flush the kept rest: 0 when none is left, -EAGAIN, or -errno. */
int net_stream_out__flush(struct net_stream_out *o,
			  ssize_t (*writev)(void *opaque,
					    const struct iovec *iov, int cnt),
			  void *opaque);
bool net_stream_out__pending(const struct net_stream_out *o);

#endif /* KVM__NET_STREAM_H */
