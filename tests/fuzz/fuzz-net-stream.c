// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the passt frame stream. The input picks a maximum
 * frame length and then is the stream itself, cut into reads of sizes it
 * also picks. The reader's frames are checked against a plain reading of
 * the whole stream at once (same frames, in order, same bytes; broken
 * exactly where a length is over the maximum). Each frame is then written
 * with the writer through a socket that takes as many bytes per call as
 * the input says, and the bytes it took must be the same records.
 */
#include "fuzz.h"

#include "kvm/net-stream.h"

#include <errno.h>

#define MAX_STREAM 8192

/* What the writer's socket got. */
static uint8_t sent[2 * MAX_STREAM];
static size_t sent_len, take;
/* The frames the writer took (0), in order: where they are in the input. */
static const uint8_t *took[MAX_STREAM];
static size_t took_len[MAX_STREAM], nr_took;

static ssize_t sock_writev(void *opaque, const struct iovec *iov, int cnt)
{
	size_t done = 0, l;
	int i;

	(void)opaque;
	if (!take)
		return -EAGAIN;
	for (i = 0; i < cnt && done < take; i++) {
		l = iov[i].iov_len;
		if (l > take - done)
			l = take - done;
		FUZZ_ASSERT(sent_len + l <= sizeof(sent));
		memcpy(sent + sent_len, iov[i].iov_base, l);
		sent_len += l;
		done += l;
	}
	return (ssize_t)done;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * The plain reading: the next frame of all[0, n) from *at: 1 with it, 0 at
 * the end or an unfinished record, -EMSGSIZE on a length over max.
 */
static int ref_next(const uint8_t *all, size_t n, size_t *at, size_t max,
		    const uint8_t **f, size_t *len)
{
	for (;;) {
		if (n - *at < 4)
			return 0;
		*len = be32(all + *at);
		if (*len > max)
			return -EMSGSIZE;
		if (n - *at - 4 < *len)
			return 0;
		*f = all + *at + 4;
		*at += 4 + *len;
		if (*len)
			return 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t all[MAX_STREAM];
	struct input in = { data, size };
	size_t max = 1 + IN16(&in) % 2048, n = 0, ref_at = 0, len, rlen;
	struct net_stream_in s;
	struct net_stream_out o;
	const uint8_t *f, *rf;
	int ret, rret;

	if (net_stream_in__init(&s, max) || net_stream_out__init(&o, max))
		abort();
	sent_len = 0;
	nr_took = 0;
	while (in.n) {
		uint8_t sel = IN8(&in);
		size_t want = sel & 0x80 ? IN16(&in) % 5000 : sel % 64, got;
		uint8_t *p;

		take = 1 + IN8(&in) % 64;
		if (sel & 0x40)
			take = 0; /* a full socket */
		net_stream_in__space(&s, &p, &got);
		if (want > got)
			want = got;
		if (want > in.n)
			want = in.n;
		if (want > sizeof(all) - n)
			break;
		memcpy(p, in.p, want);
		memcpy(all + n, in.p, want);
		in.p += want;
		in.n -= want;
		n += want;
		net_stream_in__commit(&s, want);
		for (;;) {
			ret = net_stream_in__peek(&s, &f, &len);
			rret = ref_next(all, n, &ref_at, max, &rf, &rlen);
			FUZZ_ASSERT(ret == rret);
			if (ret != 1)
				break;
			FUZZ_ASSERT(len == rlen && len && len <= max);
			FUZZ_ASSERT(!memcmp(f, rf, len));
			{
				struct iovec v = { (void *)f, len };

				ret = net_stream_out__send(&o, &v, 1,
							   sock_writev, NULL);
				FUZZ_ASSERT(ret == 0 || ret == -EAGAIN);
				if (!ret) {
					took[nr_took] = rf;
					took_len[nr_took++] = len;
				}
			}
			net_stream_in__consume(&s);
		}
		if (ret < 0)
			break;
		/* With nothing whole buffered there is room to read. */
		net_stream_in__space(&s, &p, &got);
		FUZZ_ASSERT(got > 0);
	}
	/* The socket got exactly the records of the frames taken. */
	take = MAX_STREAM;
	FUZZ_ASSERT(net_stream_out__flush(&o, sock_writev, NULL) == 0);
	{
		size_t at = 0, i = 0;

		while (ref_next(sent, sent_len, &at, max, &f, &len) == 1) {
			FUZZ_ASSERT(i < nr_took && len == took_len[i]);
			FUZZ_ASSERT(!memcmp(f, took[i], len));
			i++;
		}
		FUZZ_ASSERT(at == sent_len && i == nr_took);
	}
	net_stream_in__exit(&s);
	net_stream_out__exit(&o);
	return 0;
}

#ifdef FUZZ_SEEDS
static void record(struct seed *sd, uint32_t len, uint8_t fill)
{
	uint32_t i;

	put(sd, len >> 24, 1);
	put(sd, len >> 16, 1);
	put(sd, len >> 8, 1);
	put(sd, len, 1);
	for (i = 0; i < len; i++)
		put(sd, fill + i, 1);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	struct seed sd = { .n = 0 };

	put(&sd, 1514, 2);
	/* One read of 300 bytes holding three records, one of them empty. */
	put(&sd, 0x80, 1);
	put(&sd, 300, 2);
	put(&sd, 16, 1);
	record(&sd, 60, 1);
	record(&sd, 0, 0);
	record(&sd, 100, 2);
	record(&sd, 124, 3);
	seed_write(dir, "records", &sd);

	sd.n = 0;
	put(&sd, 64, 2);
	/* A length read in two pieces, the frame in three (one refused by
	 * a full socket), then a length over the maximum. */
	put(&sd, 2, 1);
	put(&sd, 5, 1);
	put(&sd, 0, 2);
	put(&sd, 2, 1);
	put(&sd, 1, 1);
	put(&sd, 0, 1);
	put(&sd, 20, 1);
	put(&sd, 0x40 | 10, 1);
	put(&sd, 1, 1);
	put(&sd, 0x55, 10);
	put(&sd, 14, 1);
	put(&sd, 1, 1);
	put(&sd, 0, 6);
	record(&sd, 30, 7);
	put(&sd, 8, 1);
	put(&sd, 1, 1);
	put(&sd, 0, 3);
	put(&sd, 65, 1);
	put(&sd, 0, 4);
	seed_write(dir, "bytewise", &sd);
	return 0;
}
#endif
