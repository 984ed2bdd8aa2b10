// SPDX-License-Identifier: GPL-2.0
/*
 * The passt frame stream: records cut from reads of any size, zero
 * lengths, a length over the maximum, a stream that ends mid-frame; the
 * writer with a socket that takes part of a frame, none of it, or fails.
 */
#include "test.h"

#include "kvm/net-stream.h"
#include "kvm/util.h"

#include <errno.h>
#include <stdlib.h>

#define MAXF 1600

/* Append a record of len bytes, byte i = i * 3 + seed, to buf at *at. */
static void put_record(uint8_t *buf, size_t *at, size_t len, uint8_t seed)
{
	size_t i;

	buf[(*at)++] = len >> 24;
	buf[(*at)++] = len >> 16;
	buf[(*at)++] = len >> 8;
	buf[(*at)++] = len;
	for (i = 0; i < len; i++)
		buf[(*at)++] = (uint8_t)(i * 3 + seed);
}

static bool frame_ok(const uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(i * 3 + seed))
			return false;
	return true;
}

/* Feed src to s in reads of at most chunk bytes, as a socket would. */
static size_t feed(struct net_stream_in *s, const uint8_t *src, size_t n,
		   size_t chunk)
{
	uint8_t *p;
	size_t room, take;

	net_stream_in__space(s, &p, &room);
	take = n < chunk ? n : chunk;
	if (take > room)
		take = room;
	memcpy(p, src, take);
	net_stream_in__commit(s, take);
	return take;
}

/*
 * A stream of frames of many sizes read in pieces of every size from 1
 * byte to more than two records: every frame comes out whole, in order.
 */
static void partial_reads(struct test_ctx *t)
{
	static const size_t lens[] = { 60, 1, MAXF, 14, 1514, MAXF, 2, 900 };
	const unsigned int nr = ARRAY_SIZE(lens);
	static const size_t chunks[] = { 1, 2, 3, 5, 7, 64, 1000, 1604, 5000 };
	uint8_t *src = malloc(nr * (4 + MAXF));
	struct net_stream_in s;
	size_t n = 0, fed, len;
	const uint8_t *f;
	unsigned int i, c, got;
	int ret;

	if (!src || net_stream_in__init(&s, MAXF)) {
		test__fail(t, __FILE__, __LINE__, "no memory");
		free(src);
		return;
	}
	for (i = 0; i < nr; i++)
		put_record(src, &n, lens[i], (uint8_t)i);
	for (c = 0; c < ARRAY_SIZE(chunks); c++) {
		net_stream_in__reset(&s);
		fed = 0;
		got = 0;
		while (got < nr) {
			ret = net_stream_in__peek(&s, &f, &len);
			if (ret < 0)
				break;
			if (ret == 0) {
				if (fed == n)
					break;
				fed += feed(&s, src + fed, n - fed, chunks[c]);
				continue;
			}
			CHECK_EQ(t, len, lens[got]);
			CHECK(t, frame_ok(f, len, (uint8_t)got));
			net_stream_in__consume(&s);
			got++;
		}
		CHECK_EQ(t, got, nr);
		CHECK_EQ(t, fed, n);
		CHECK_EQ(t, net_stream_in__partial(&s), 0);
	}
	net_stream_in__exit(&s);
	free(src);
}

/* Zero-length records carry no frame and are skipped, in any number. */
static void zero_length(struct test_ctx *t)
{
	uint8_t src[256];
	struct net_stream_in s;
	const uint8_t *f;
	size_t n = 0, len;

	if (net_stream_in__init(&s, MAXF)) {
		test__fail(t, __FILE__, __LINE__, "no memory");
		return;
	}
	put_record(src, &n, 0, 0);
	put_record(src, &n, 0, 0);
	put_record(src, &n, 20, 5);
	put_record(src, &n, 0, 0);
	feed(&s, src, n, n);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), 1);
	CHECK_EQ(t, len, 20);
	CHECK(t, frame_ok(f, 20, 5));
	net_stream_in__consume(&s);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), 0);
	CHECK_EQ(t, s.skipped, 3);
	CHECK_EQ(t, net_stream_in__partial(&s), 0);
	net_stream_in__exit(&s);
}

/* A length over the maximum breaks the stream for good, even after the
 * frames before it came out; the maximum itself is fine. */
static void too_long(struct test_ctx *t)
{
	uint8_t src[4 + MAXF + 8];
	struct net_stream_in s;
	const uint8_t *f;
	size_t n = 0, len;

	if (net_stream_in__init(&s, MAXF)) {
		test__fail(t, __FILE__, __LINE__, "no memory");
		return;
	}
	put_record(src, &n, MAXF, 1);
	src[n++] = 0;
	src[n++] = 0;
	src[n++] = (MAXF + 1) >> 8;
	src[n++] = (MAXF + 1) & 0xff;
	feed(&s, src, n, n);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), 1);
	CHECK_EQ(t, len, MAXF);
	net_stream_in__consume(&s);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), -EMSGSIZE);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), -EMSGSIZE);
	/* Consume cannot step over it. */
	net_stream_in__consume(&s);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), -EMSGSIZE);
	/* The largest 32-bit length too. */
	net_stream_in__reset(&s);
	memset(src, 0xff, 4);
	feed(&s, src, 4, 4);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), -EMSGSIZE);
	net_stream_in__exit(&s);
}

/* The stream ends in the length field or in the frame: no frame comes
 * out, and partial() says bytes were left. */
static void ends_mid_frame(struct test_ctx *t)
{
	uint8_t src[256];
	struct net_stream_in s;
	const uint8_t *f;
	size_t n = 0, len;

	if (net_stream_in__init(&s, MAXF)) {
		test__fail(t, __FILE__, __LINE__, "no memory");
		return;
	}
	put_record(src, &n, 30, 1);
	put_record(src, &n, 100, 2);
	feed(&s, src, 34 + 50, 1000);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), 1);
	net_stream_in__consume(&s);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), 0);
	CHECK_EQ(t, net_stream_in__partial(&s), 50);
	net_stream_in__reset(&s);
	feed(&s, src, 3, 3);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), 0);
	CHECK_EQ(t, net_stream_in__partial(&s), 3);
	net_stream_in__exit(&s);
}

/* The read space is never empty while a frame is still incomplete, and
 * a peeked frame stays in place across further reads. */
static void space_and_peek(struct test_ctx *t)
{
	uint8_t *src = malloc(3 * (4 + MAXF));
	struct net_stream_in s;
	const uint8_t *f, *f2;
	size_t n = 0, len, room, fed;
	uint8_t *p;

	if (!src || net_stream_in__init(&s, MAXF)) {
		test__fail(t, __FILE__, __LINE__, "no memory");
		free(src);
		return;
	}
	put_record(src, &n, MAXF, 1);
	put_record(src, &n, MAXF, 2);
	put_record(src, &n, MAXF, 3);
	fed = feed(&s, src, n, n);
	CHECK_EQ(t, fed, 2 * (4 + MAXF)); /* two whole records fit */
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), 1);
	net_stream_in__space(&s, &p, &room);
	CHECK_EQ(t, room, 0);
	net_stream_in__consume(&s);
	/* The second frame moves to the front; room for the third. */
	net_stream_in__space(&s, &p, &room);
	CHECK(t, room >= 4 + MAXF);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), 1);
	CHECK(t, frame_ok(f, MAXF, 2));
	fed += feed(&s, src + fed, n - fed, 10);
	CHECK_EQ(t, net_stream_in__peek(&s, &f2, &len), 1);
	CHECK(t, f2 == f && frame_ok(f2, MAXF, 2));
	net_stream_in__consume(&s);
	while (fed < n)
		fed += feed(&s, src + fed, n - fed, 1000);
	CHECK_EQ(t, net_stream_in__peek(&s, &f, &len), 1);
	CHECK(t, frame_ok(f, MAXF, 3));
	/* A commit past the space is cut to it. */
	net_stream_in__reset(&s);
	net_stream_in__space(&s, &p, &room);
	net_stream_in__commit(&s, room + 100);
	CHECK_EQ(t, net_stream_in__partial(&s), room);
	net_stream_in__exit(&s);
	free(src);
}

/* A fake socket: takes at most `take` bytes per call (0: -EAGAIN). */
struct sock {
	uint8_t data[16384];
	size_t len;
	size_t take;
	int err;
	unsigned int calls, max_cnt;
};

static ssize_t sock_writev(void *opaque, const struct iovec *iov, int cnt)
{
	struct sock *k = opaque;
	size_t done = 0, l;
	int i;

	k->calls++;
	if ((unsigned int)cnt > k->max_cnt)
		k->max_cnt = (unsigned int)cnt;
	if (k->err)
		return k->err;
	if (!k->take)
		return -EAGAIN;
	for (i = 0; i < cnt && done < k->take; i++) {
		l = iov[i].iov_len;
		if (l > k->take - done)
			l = k->take - done;
		memcpy(k->data + k->len, iov[i].iov_base, l);
		k->len += l;
		done += l;
	}
	return (ssize_t)done;
}

/* What the socket got, parsed back with the reader: frames in order. */
static unsigned int parse_back(struct test_ctx *t, struct sock *k,
			       const size_t *lens, unsigned int nr)
{
	struct net_stream_in s;
	const uint8_t *f;
	size_t len, fed = 0;
	unsigned int got = 0;

	if (net_stream_in__init(&s, MAXF))
		return 0;
	while (got < nr) {
		int ret = net_stream_in__peek(&s, &f, &len);

		if (ret < 0)
			break;
		if (!ret) {
			if (fed == k->len)
				break;
			fed += feed(&s, k->data + fed, k->len - fed, 4096);
			continue;
		}
		CHECK_EQ(t, len, lens[got]);
		CHECK(t, frame_ok(f, len, (uint8_t)got));
		net_stream_in__consume(&s);
		got++;
	}
	CHECK_EQ(t, net_stream_in__partial(&s), 0);
	net_stream_in__exit(&s);
	return got;
}

/* Frames in iovecs: all, part (the rest first next time) or none. */
static void out_partial_writes(struct test_ctx *t)
{
	static const size_t lens[] = { 60, 1514, 14, 700 };
	uint8_t frames[4][1600];
	struct iovec iov[4][3];
	struct net_stream_out o;
	struct sock *k = calloc(1, sizeof(*k));
	unsigned int i;
	size_t j;

	if (!k || net_stream_out__init(&o, MAXF)) {
		test__fail(t, __FILE__, __LINE__, "no memory");
		free(k);
		return;
	}
	for (i = 0; i < 4; i++) {
		for (j = 0; j < lens[i]; j++)
			frames[i][j] = (uint8_t)(j * 3 + i);
		/* Three pieces: 1 byte, half, the rest. */
		iov[i][0] = (struct iovec){ frames[i], 1 };
		iov[i][1] = (struct iovec){ frames[i] + 1, lens[i] / 2 };
		iov[i][2] = (struct iovec){ frames[i] + 1 + lens[i] / 2,
					    lens[i] - 1 - lens[i] / 2 };
	}
	k->take = 100000;
	CHECK_EQ(t, net_stream_out__send(&o, iov[0], 3, sock_writev, k), 0);
	CHECK(t, !net_stream_out__pending(&o));
	/* Two bytes of the length go, the rest is kept. */
	k->take = 2;
	CHECK_EQ(t, net_stream_out__send(&o, iov[1], 3, sock_writev, k), 0);
	CHECK(t, net_stream_out__pending(&o));
	/* Full: the kept rest cannot go, so the next frame is refused. */
	k->take = 0;
	CHECK_EQ(t, net_stream_out__send(&o, iov[2], 3, sock_writev, k),
		 -EAGAIN);
	CHECK_EQ(t, net_stream_out__flush(&o, sock_writev, k), -EAGAIN);
	/* A little at a time: the kept rest goes, then part of this one. */
	k->take = 7;
	CHECK_EQ(t, net_stream_out__send(&o, iov[2], 3, sock_writev, k), 0);
	CHECK(t, net_stream_out__pending(&o));
	k->take = 100000;
	CHECK_EQ(t, net_stream_out__send(&o, iov[3], 3, sock_writev, k), 0);
	CHECK(t, !net_stream_out__pending(&o));
	CHECK_EQ(t, parse_back(t, k, lens, 4), 4);
	net_stream_out__exit(&o);
	free(k);
}

/* Over 64 pieces: sent from a copy; too long: refused; errors pass up. */
static void out_many_pieces_and_errors(struct test_ctx *t)
{
	static const size_t lens[] = { 100, 60 };
	uint8_t frame[1700];
	struct iovec iov[100];
	struct net_stream_out o;
	struct sock *k = calloc(1, sizeof(*k));
	unsigned int i;

	if (!k || net_stream_out__init(&o, MAXF)) {
		test__fail(t, __FILE__, __LINE__, "no memory");
		free(k);
		return;
	}
	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 3);
	for (i = 0; i < 100; i++)
		iov[i] = (struct iovec){ frame + i, 1 };
	k->take = 30;
	CHECK_EQ(t, net_stream_out__send(&o, iov, 100, sock_writev, k), 0);
	CHECK(t, k->max_cnt <= 65);
	k->take = 100000;
	iov[0] = (struct iovec){ frame, 60 };
	for (i = 0; i < 60; i++)
		frame[i] = (uint8_t)(i * 3 + 1);
	CHECK_EQ(t, net_stream_out__send(&o, iov, 1, sock_writev, k), 0);
	CHECK_EQ(t, parse_back(t, k, lens, 2), 2);
	iov[0] = (struct iovec){ frame, MAXF + 1 };
	CHECK_EQ(t, net_stream_out__send(&o, iov, 1, sock_writev, k),
		 -EMSGSIZE);
	k->err = -EPIPE;
	iov[0] = (struct iovec){ frame, 60 };
	CHECK_EQ(t, net_stream_out__send(&o, iov, 1, sock_writev, k), -EPIPE);
	net_stream_out__exit(&o);
	free(k);
}

TEST_SUITE(net_stream, TEST(partial_reads), TEST(zero_length), TEST(too_long),
	   TEST(ends_mid_frame), TEST(space_and_peek), TEST(out_partial_writes),
	   TEST(out_many_pieces_and_errors));
