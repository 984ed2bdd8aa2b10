// SPDX-License-Identifier: GPL-2.0
#include "test.h"

#include "kvm/control.h"

#include <errno.h>
#include <stdlib.h>

static void roundtrip(struct test_ctx *t)
{
	const uint64_t vcpu[4] = { 3, 2, 1, 0x80000003 };
	struct ctl_buf b;
	struct ctl_msg m;
	struct ctl_field f;
	size_t len, pos = 0;
	char s[64];

	ctl_buf__init(&b, CTL_MAX_MESSAGE);
	ctl_msg__begin(&b, CTL_REPLY, CTL_OP_DEBUG, 0);
	ctl_msg__put_str(&b, CTL_T_NAME, "guest-1");
	ctl_msg__put_ints(&b, CTL_T_VCPU, vcpu, 4);
	ctl_msg__put_int(&b, CTL_T_PID, 1234);
	ctl_msg__put_str(&b, CTL_T_MESSAGE, "");
	ctl_msg__set_status(&b, -EPERM);
	CHECK_EQ(t, ctl_msg__end(&b), 0);

	CHECK_EQ(t, ctl_msg__frame_len(b.data, 3, CTL_MAX_MESSAGE, &len), 0);
	CHECK_EQ(t, len, 0);
	CHECK_EQ(t, ctl_msg__frame_len(b.data, b.len, CTL_MAX_MESSAGE, &len),
		 0);
	CHECK_EQ(t, len, b.len);
	CHECK_EQ(t, ctl_msg__parse(b.data, b.len, &m), 0);
	CHECK_EQ(t, m.version, CTL_VERSION);
	CHECK_EQ(t, m.kind, CTL_REPLY);
	CHECK_EQ(t, m.op, CTL_OP_DEBUG);
	CHECK_EQ(t, m.status, -EPERM);

	CHECK(t, ctl_msg__next(&m, &pos, &f));
	CHECK_EQ(t, f.tag, CTL_T_NAME);
	ctl_field__str(&f, s, sizeof(s));
	CHECK_STR(t, s, "guest-1");
	CHECK_EQ(t, ctl_field__nr(&f), 0);
	CHECK(t, ctl_msg__next(&m, &pos, &f));
	CHECK_EQ(t, f.tag, CTL_T_VCPU);
	CHECK_EQ(t, ctl_field__nr(&f), 4);
	CHECK_EQ(t, ctl_field__int(&f, 3), 0x80000003);
	CHECK_EQ(t, ctl_field__int(&f, 4), 0); /* past the end */
	CHECK(t, ctl_msg__next(&m, &pos, &f));
	CHECK_EQ(t, ctl_field__int(&f, 0), 1234);
	CHECK(t, ctl_msg__next(&m, &pos, &f));
	CHECK_EQ(t, f.len, 0);
	CHECK(t, !ctl_msg__next(&m, &pos, &f));

	CHECK(t, ctl_msg__find(&m, CTL_T_PID, &f));
	CHECK(t, !ctl_msg__find(&m, CTL_T_LOST, &f));
	/* Text is cut to the buffer. */
	CHECK(t, ctl_msg__find(&m, CTL_T_NAME, &f));
	ctl_field__str(&f, s, 4);
	CHECK_STR(t, s, "gue");
	ctl_buf__free(&b);
}

static void two_frames_in_one_buffer(struct test_ctx *t)
{
	struct ctl_buf b;
	struct ctl_msg m;
	size_t len;

	ctl_buf__init(&b, 4096);
	ctl_msg__begin(&b, CTL_REQUEST, CTL_OP_INFO, 0);
	CHECK_EQ(t, ctl_msg__end(&b), 0);
	CHECK_EQ(t, b.len, CTL_HDR_SIZE);
	ctl_msg__begin(&b, CTL_EVENT, CTL_EV_LOST, 0);
	ctl_msg__put_int(&b, CTL_T_LOST, 7);
	CHECK_EQ(t, ctl_msg__end(&b), 0);
	CHECK_EQ(t, ctl_msg__frame_len(b.data, b.len, 4096, &len), 0);
	CHECK_EQ(t, len, CTL_HDR_SIZE);
	CHECK_EQ(t, ctl_msg__parse(b.data + len, b.len - len, &m), 0);
	CHECK_EQ(t, m.kind, CTL_EVENT);
	CHECK_EQ(t, m.op, CTL_EV_LOST);
	ctl_buf__free(&b);
}

static void oversized(struct test_ctx *t)
{
	uint8_t big[70000];
	struct ctl_buf b;
	struct ctl_msg m;
	size_t len;
	uint64_t v[9] = { 0 };

	/* A build past the buffer's limit is refused, earlier frames kept. */
	ctl_buf__init(&b, 64);
	ctl_msg__begin(&b, CTL_REQUEST, CTL_OP_INFO, 0);
	CHECK_EQ(t, ctl_msg__end(&b), 0);
	ctl_msg__begin(&b, CTL_REPLY, CTL_OP_INFO, 0);
	ctl_msg__put_str(&b, CTL_T_MESSAGE,
			 "this text does not fit in sixty-four bytes at all");
	CHECK_EQ(t, ctl_msg__end(&b), -EMSGSIZE);
	CHECK_EQ(t, b.len, CTL_HDR_SIZE);
	CHECK_EQ(t, ctl_msg__parse(b.data, b.len, &m), 0);
	/* So is a field too long for its length word, or bad ints. */
	ctl_buf__free(&b);
	ctl_buf__init(&b, CTL_MAX_MESSAGE);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ctl_msg__begin(&b, CTL_REPLY, 1, 0);
	ctl_msg__put_str(&b, CTL_T_MESSAGE, (char *)big);
	CHECK_EQ(t, ctl_msg__end(&b), -EMSGSIZE);
	ctl_msg__begin(&b, CTL_REPLY, 1, 0);
	ctl_msg__put_ints(&b, CTL_T_VCPU, v, 9);
	CHECK_EQ(t, ctl_msg__end(&b), -EMSGSIZE);
	ctl_msg__begin(&b, CTL_REPLY, 1, 0);
	ctl_msg__put_ints(&b, CTL_T_VCPU, v, 0);
	CHECK_EQ(t, ctl_msg__end(&b), -EMSGSIZE);
	ctl_msg__begin(&b, CTL_REPLY, 1, 0);
	ctl_msg__put_str(&b, CTL_T_PID, "text under an int tag");
	CHECK_EQ(t, ctl_msg__end(&b), -EMSGSIZE);
	CHECK_EQ(t, b.len, 0);
	ctl_buf__free(&b);

	/* A length word past the limit, or below a header. */
	memset(big, 0, 16);
	big[0] = 0xf4; /* 4084 bytes follow: 4088 in all, fits 4096 */
	big[1] = 0x0f;
	CHECK_EQ(t, ctl_msg__frame_len(big, 4, 4096, &len), 0);
	CHECK_EQ(t, len, 0xff4 + 4);
	big[0] = 0xfd;
	CHECK_EQ(t, ctl_msg__frame_len(big, 4, 4096, &len), -EMSGSIZE);
	big[0] = 0xff;
	big[1] = big[2] = big[3] = 0xff;
	CHECK_EQ(t, ctl_msg__frame_len(big, 4, CTL_MAX_MESSAGE, &len),
		 -EMSGSIZE);
	big[0] = 7;
	big[1] = big[2] = big[3] = 0;
	CHECK_EQ(t, ctl_msg__frame_len(big, 4, 4096, &len), -EBADMSG);
}

/* A valid frame to corrupt. */
static size_t good_frame(uint8_t *out)
{
	const uint64_t v[2] = { 1, 2 };
	struct ctl_buf b;
	size_t n;

	ctl_buf__init(&b, 4096);
	ctl_msg__begin(&b, CTL_REQUEST, CTL_OP_CPU_SET, 0);
	ctl_msg__put_ints(&b, CTL_T_ENABLE, v, 2);
	ctl_msg__put_str(&b, CTL_T_NAME, "abc");
	ctl_msg__end(&b);
	memcpy(out, b.data, b.len);
	n = b.len;
	ctl_buf__free(&b);
	return n;
}

static void malformed(struct test_ctx *t)
{
	uint8_t f[256];
	struct ctl_msg m;
	size_t n = good_frame(f), i;

	CHECK_EQ(t, n, CTL_HDR_SIZE + 4 + 16 + 4 + 3);
	CHECK_EQ(t, ctl_msg__parse(f, n, &m), 0);

	/* Truncated anywhere: the length word no longer matches. */
	for (i = 0; i < n; i++)
		CHECK_EQ(t, ctl_msg__parse(f, i, &m), -EBADMSG);
	/* Another version: told apart, with the version. */
	f[4] = 2;
	CHECK_EQ(t, ctl_msg__parse(f, n, &m), -EPROTONOSUPPORT);
	CHECK_EQ(t, m.version, 2);
	f[4] = 0;
	CHECK_EQ(t, ctl_msg__parse(f, n, &m), -EPROTONOSUPPORT);
	f[4] = CTL_VERSION;
	/* Unknown kinds. */
	f[5] = 0;
	CHECK_EQ(t, ctl_msg__parse(f, n, &m), -EBADMSG);
	f[5] = 4;
	CHECK_EQ(t, ctl_msg__parse(f, n, &m), -EBADMSG);
	f[5] = CTL_REQUEST;
	/* A field overrunning the frame. */
	f[CTL_HDR_SIZE + 2] = 17;
	CHECK_EQ(t, ctl_msg__parse(f, n, &m), -EBADMSG);
	/* Integers must be whole u64s, 1 to 8 of them. */
	f[CTL_HDR_SIZE + 2] = 15;
	CHECK_EQ(t, ctl_msg__parse(f, n, &m), -EBADMSG);
	f[CTL_HDR_SIZE + 2] = 16;
	/* Text with a NUL. */
	f[n - 2] = '\0';
	CHECK_EQ(t, ctl_msg__parse(f, n, &m), -EBADMSG);
	f[n - 2] = 'b';
	/* A field header cut short. */
	f[0] += 2;
	f[n] = 1;
	f[n + 1] = 0;
	CHECK_EQ(t, ctl_msg__parse(f, n + 2, &m), -EBADMSG);
	f[0] -= 2;
	CHECK_EQ(t, ctl_msg__parse(f, n, &m), 0);
}

/* Random bytes never crash the parser, and what passes is consistent. */
static void garbage(struct test_ctx *t)
{
	uint8_t f[300];
	struct ctl_msg m;
	struct ctl_field fl;
	unsigned int seed = 12345, round, i, ok = 0;
	size_t n, pos;

	for (round = 0; round < 20000; round++) {
		n = good_frame(f);
		/* Flip a few bytes of a good frame, or fill it at random. */
		if (round % 2) {
			for (i = 0; i < 3; i++)
				f[rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
		} else {
			n = (size_t)rand_r(&seed) % sizeof(f);
			for (i = 0; i < n; i++)
				f[i] = (uint8_t)rand_r(&seed);
			if (n >= 6) {
				f[4] = CTL_VERSION;
				f[5] = CTL_REQUEST;
			}
			if (n >= 4) {
				f[0] = (uint8_t)(n - 4);
				f[1] = (uint8_t)((n - 4) >> 8);
				f[2] = f[3] = 0;
			}
		}
		if (ctl_msg__parse(f, n, &m))
			continue;
		ok++;
		pos = 0;
		while (ctl_msg__next(&m, &pos, &fl))
			CHECK(t, fl.val + fl.len <= f + n);
		CHECK_EQ(t, pos, m.fields_len);
	}
	CHECK(t, ok > 0);
}

static void names(struct test_ctx *t)
{
	CHECK_STR(t, ctl__exit_name(6), "MMIO");
	CHECK_STR(t, ctl__exit_name(3), "HYPERCALL");
	CHECK_STR(t, ctl__exit_name(24), "SYSTEM_EVENT");
	CHECK(t, ctl__exit_name(11) == NULL);
	CHECK(t, ctl__exit_name(1000) == NULL);
	CHECK_STR(t, ctl__state_name(0), "OFF");
	CHECK_STR(t, ctl__state_name(1), "ON_PENDING");
	CHECK_STR(t, ctl__state_name(2), "ON");
	CHECK_STR(t, ctl__state_name(3), "?");
}

TEST_SUITE(control_proto, TEST(roundtrip), TEST(two_frames_in_one_buffer),
	   TEST(oversized), TEST(malformed), TEST(garbage), TEST(names));
