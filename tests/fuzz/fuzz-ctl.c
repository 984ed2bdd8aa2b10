// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the control protocol's decoder (control/proto.c), fed
 * what a client could send. The input is the frame, in a buffer of exactly
 * its size so that ASan sees any read past it. A frame the parser takes
 * must have every field inside it, and built again with the encoder from
 * what the accessors return it must come out byte for byte the same.
 */
#include "fuzz.h"

#include "kvm/control.h"

#include <errno.h>

#ifndef FUZZ_SEEDS
static void rebuild(const uint8_t *frame, size_t len, const struct ctl_msg *m)
{
	char text[UINT16_MAX + 1];
	uint64_t ints[CTL_MAX_INTS];
	struct ctl_field f;
	struct ctl_buf b;
	size_t pos = 0;
	unsigned int i, n;

	ctl_buf__init(&b, CTL_MAX_MESSAGE);
	ctl_msg__begin(&b, m->kind, m->op, m->status);
	while (ctl_msg__next(m, &pos, &f)) {
		FUZZ_ASSERT(f.val >= frame + CTL_HDR_SIZE &&
			    f.val + f.len <= frame + len);
		if (f.tag >= CTL_T_STRING) {
			ctl_field__str(&f, text, sizeof(text));
			FUZZ_ASSERT(strlen(text) == f.len);
			ctl_msg__put_str(&b, f.tag, text);
			continue;
		}
		n = ctl_field__nr(&f);
		FUZZ_ASSERT(n >= 1 && n <= CTL_MAX_INTS);
		for (i = 0; i < n; i++)
			ints[i] = ctl_field__int(&f, i);
		FUZZ_ASSERT(ctl_field__int(&f, n) == 0);
		ctl_msg__put_ints(&b, f.tag, ints, n);
	}
	FUZZ_ASSERT(pos == m->fields_len);
	FUZZ_ASSERT(ctl_msg__end(&b) == 0);
	FUZZ_ASSERT(b.len == len && !memcmp(b.data, frame, len));
	ctl_buf__free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_msg m;
	size_t flen;
	uint8_t *frame;
	int ret;

	ret = ctl_msg__frame_len(data, size, CTL_MAX_REQUEST, &flen);
	if (ret) {
		FUZZ_ASSERT(ret == -EMSGSIZE || ret == -EBADMSG);
		return 0;
	}
	if (size < 4) {
		FUZZ_ASSERT(flen == 0);
		return 0;
	}
	FUZZ_ASSERT(flen >= CTL_HDR_SIZE && flen <= CTL_MAX_REQUEST);
	if (flen > size)
		return 0; /* the server waits for the rest */
	frame = malloc(flen);
	if (!frame)
		return 0;
	memcpy(frame, data, flen);
	ret = ctl_msg__parse(frame, flen, &m);
	if (!ret)
		rebuild(frame, flen, &m);
	else
		FUZZ_ASSERT(ret == -EBADMSG || ret == -EPROTONOSUPPORT);
	free(frame);
	return 0;
}
#endif

#ifdef FUZZ_SEEDS
/* A frame from the encoder, as the seed; cut to keep bytes if not 0. */
static void seed_frame(const char *dir, const char *name, struct ctl_buf *b,
		       size_t keep)
{
	struct seed sd = { .n = 0 };
	size_t i, n = keep ? keep : b->len;

	for (i = 0; i < n; i++)
		put(&sd, b->data[i], 1);
	seed_write(dir, name, &sd);
	b->len = 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	uint64_t cpus[3] = { 2, 5, 7 };
	struct ctl_buf b;

	ctl_buf__init(&b, CTL_MAX_REQUEST);
	ctl_msg__begin(&b, CTL_REQUEST, CTL_OP_INFO, 0);
	ctl_msg__end(&b);
	seed_frame(dir, "info", &b, 0);

	ctl_msg__begin(&b, CTL_REQUEST, CTL_OP_SYSRQ, 0);
	ctl_msg__put_str(&b, CTL_T_NAME, "guest-1");
	ctl_msg__put_ints(&b, CTL_T_STRING - 1, cpus, 3);
	ctl_msg__end(&b);
	seed_frame(dir, "fields", &b, 0);

	ctl_msg__error(&b, CTL_OP_STOP, -22, "no such VM");
	seed_frame(dir, "reply-cut", &b, 17);
	ctl_buf__free(&b);
	return 0;
}
#endif
