// SPDX-License-Identifier: GPL-2.0
/* The control protocol: frames built and checked (see kvm/control.h). */
#include "kvm/control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void ctl_buf__init(struct ctl_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void ctl_buf__free(struct ctl_buf *b)
{
	size_t max = b->max;

	free(b->data);
	ctl_buf__init(b, max);
}

/* Room for n more bytes, or mark the frame overflowed. */
static uint8_t *reserve(struct ctl_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->overflow)
		return NULL;
	if (n > b->max || b->len > b->max - n) {
		b->overflow = true;
		return NULL;
	}
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		p = realloc(b->data, cap);
		if (!p) {
			b->overflow = true;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	b->len += n;
	return p;
}

int ctl_buf__append(struct ctl_buf *b, const void *data, size_t len)
{
	uint8_t *p;

	b->overflow = false;
	p = reserve(b, len);
	if (!p) {
		b->overflow = false;
		return -EMSGSIZE;
	}
	memcpy(p, data, len);
	return 0;
}

void ctl_msg__begin(struct ctl_buf *b, enum ctl_kind kind, uint16_t op,
		    int32_t status)
{
	uint8_t *p;

	b->overflow = false;
	b->frame = b->len;
	p = reserve(b, CTL_HDR_SIZE);
	if (!p)
		return;
	put_le(p, 0, 4); /* the length, at ctl_msg__end() */
	p[4] = CTL_VERSION;
	p[5] = (uint8_t)kind;
	put_le(p + 6, op, 2);
	put_le(p + 8, (uint32_t)status, 4);
}

static void put_field(struct ctl_buf *b, uint16_t tag, const void *val,
		      size_t len)
{
	uint8_t *p;

	if (len > UINT16_MAX) {
		b->overflow = true;
		return;
	}
	p = reserve(b, CTL_FIELD_HDR + len);
	if (!p)
		return;
	put_le(p, tag, 2);
	put_le(p + 2, len, 2);
	if (len)
		memcpy(p + CTL_FIELD_HDR, val, len);
}

void ctl_msg__put_ints(struct ctl_buf *b, uint16_t tag, const uint64_t *v,
		       unsigned int n)
{
	uint8_t val[CTL_MAX_INTS * 8];
	unsigned int i;

	if (n == 0 || n > CTL_MAX_INTS || tag >= CTL_T_STRING) {
		b->overflow = true; /* a bug in the caller: fail the frame */
		return;
	}
	for (i = 0; i < n; i++)
		put_le(val + 8 * i, v[i], 8);
	put_field(b, tag, val, 8 * n);
}

void ctl_msg__put_int(struct ctl_buf *b, uint16_t tag, uint64_t v)
{
	ctl_msg__put_ints(b, tag, &v, 1);
}

void ctl_msg__put_str(struct ctl_buf *b, uint16_t tag, const char *s)
{
	if (tag < CTL_T_STRING) {
		b->overflow = true;
		return;
	}
	put_field(b, tag, s, strlen(s));
}

void ctl_msg__set_status(struct ctl_buf *b, int32_t status)
{
	if (!b->overflow && b->len >= b->frame + CTL_HDR_SIZE)
		put_le(b->data + b->frame + 8, (uint32_t)status, 4);
}

int ctl_msg__end(struct ctl_buf *b)
{
	if (b->overflow) {
		/* Drop the partial frame; what came before stays. */
		b->len = b->frame;
		b->overflow = false;
		return -EMSGSIZE;
	}
	put_le(b->data + b->frame, b->len - b->frame - 4, 4);
	return 0;
}

int ctl_msg__error(struct ctl_buf *b, uint16_t op, int32_t status,
		   const char *msg)
{
	ctl_msg__begin(b, CTL_REPLY, op, status);
	if (msg)
		ctl_msg__put_str(b, CTL_T_MESSAGE, msg);
	return ctl_msg__end(b);
}

int ctl_msg__frame_len(const void *buf, size_t have, size_t max, size_t *len)
{
	uint64_t n;

	*len = 0;
	if (have < 4)
		return 0;
	n = get_le(buf, 4) + 4;
	if (n > max)
		return -EMSGSIZE;
	if (n < CTL_HDR_SIZE)
		return -EBADMSG;
	*len = (size_t)n;
	return 0;
}

static bool field_ok(uint16_t tag, uint16_t len, const uint8_t *val)
{
	if (tag >= CTL_T_STRING)
		return !memchr(val, '\0', len);
	return len && len % 8 == 0 && len / 8 <= CTL_MAX_INTS;
}

int ctl_msg__parse(const void *frame, size_t len, struct ctl_msg *m)
{
	const uint8_t *p = frame;
	size_t pos = CTL_HDR_SIZE;
	uint16_t tag, flen;

	memset(m, 0, sizeof(*m));
	if (len < CTL_HDR_SIZE || get_le(p, 4) != len - 4)
		return -EBADMSG;
	m->version = p[4];
	if (m->version != CTL_VERSION)
		return -EPROTONOSUPPORT;
	m->kind = p[5];
	m->op = (uint16_t)get_le(p + 6, 2);
	m->status = (int32_t)(uint32_t)get_le(p + 8, 4);
	if (m->kind < CTL_REQUEST || m->kind > CTL_EVENT)
		return -EBADMSG;
	/* Every field must be whole and well-formed before anyone reads. */
	while (pos < len) {
		if (len - pos < CTL_FIELD_HDR)
			return -EBADMSG;
		tag = (uint16_t)get_le(p + pos, 2);
		flen = (uint16_t)get_le(p + pos + 2, 2);
		pos += CTL_FIELD_HDR;
		if (flen > len - pos || !field_ok(tag, flen, p + pos))
			return -EBADMSG;
		pos += flen;
	}
	m->fields = p + CTL_HDR_SIZE;
	m->fields_len = len - CTL_HDR_SIZE;
	return 0;
}

bool ctl_msg__next(const struct ctl_msg *m, size_t *pos, struct ctl_field *f)
{
	/* Parsed already: every field fits. */
	if (*pos + CTL_FIELD_HDR > m->fields_len)
		return false;
	f->tag = (uint16_t)get_le(m->fields + *pos, 2);
	f->len = (uint16_t)get_le(m->fields + *pos + 2, 2);
	f->val = m->fields + *pos + CTL_FIELD_HDR;
	*pos += CTL_FIELD_HDR + f->len;
	return true;
}

bool ctl_msg__find(const struct ctl_msg *m, uint16_t tag, struct ctl_field *f)
{
	size_t pos = 0;

	while (ctl_msg__next(m, &pos, f))
		if (f->tag == tag)
			return true;
	return false;
}

unsigned int ctl_field__nr(const struct ctl_field *f)
{
	return f->tag < CTL_T_STRING ? f->len / 8 : 0;
}

uint64_t ctl_field__int(const struct ctl_field *f, unsigned int i)
{
	if (i >= ctl_field__nr(f))
		return 0;
	return get_le(f->val + 8 * i, 8);
}

void ctl_field__str(const struct ctl_field *f, char *out, size_t outlen)
{
	size_t n = f->tag >= CTL_T_STRING ? f->len : 0;

	if (!outlen)
		return;
	if (n > outlen - 1)
		n = outlen - 1;
	memcpy(out, f->val, n);
	out[n] = '\0';
}

const char *ctl__exit_name(unsigned int reason)
{
	/* KVM's exit reasons (include/uapi/linux/kvm.h), as arm64 has them. */
	static const char *const names[] = {
		[0] = "UNKNOWN",
		[1] = "EXCEPTION",
		[2] = "IO",
		[3] = "HYPERCALL",
		[4] = "DEBUG",
		[5] = "HLT",
		[6] = "MMIO",
		[7] = "IRQ_WINDOW_OPEN",
		[8] = "SHUTDOWN",
		[9] = "FAIL_ENTRY",
		[10] = "INTR",
		[17] = "INTERNAL_ERROR",
		[24] = "SYSTEM_EVENT",
		[28] = "ARM_NISV",
		[31] = "DIRTY_RING_FULL",
		[39] = "MEMORY_FAULT",
	};

	if (reason < sizeof(names) / sizeof(names[0]))
		return names[reason];
	return NULL;
}

const char *ctl__state_name(unsigned int state)
{
	static const char *const names[] = { "OFF", "ON_PENDING", "ON" };

	return state < 3 ? names[state] : "?";
}
