/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__CONTROL_H
#define KVM__CONTROL_H

/*
 * The control protocol between `lkvm run` and the `lkvm list/stop/...`
 * commands (docs/control-protocol.md). Every message is one frame:
 *
 *   u32 length     bytes that follow (little endian, as everything here)
 *   u8  version    CTL_VERSION
 *   u8  kind       request, reply or event
 *   u16 op         the command (its reply repeats it) or the event
 *   i32 status     replies: 0 or a negative errno; otherwise 0
 *   fields         until the end: u16 tag, u16 length, value
 *
 * A field whose tag is below CTL_T_STRING holds 1 to 8 u64s; from
 * CTL_T_STRING up it holds text (no NUL). Receivers skip tags they do not
 * know. Pure: encode and decode only, no I/O.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_VERSION 1
#define CTL_HDR_SIZE 12 /* the length word included */
#define CTL_FIELD_HDR 4
#define CTL_MAX_INTS 8
/* Frames a VM takes (requests are small) and a client takes. */
#define CTL_MAX_REQUEST 4096u
#define CTL_MAX_MESSAGE (1u << 20)
/* A VM name as text: 64 characters and the NUL. */
#define CTL_NAME_MAX_TEXT 65

enum ctl_kind {
	CTL_REQUEST = 1,
	CTL_REPLY = 2,
	CTL_EVENT = 3,
};

enum ctl_op {
	CTL_OP_INFO = 1, /* name, pid, state, vCPU counts */
	CTL_OP_STOP,
	CTL_OP_PAUSE,
	CTL_OP_RESUME,
	CTL_OP_DEBUG, /* power states, registers */
	CTL_OP_SYSRQ, /* T_KEY */
	CTL_OP_STAT,
	CTL_OP_CPU, /* the table */
	CTL_OP_CPU_SET, /* T_ENABLE or T_DISABLE, repeated */
	CTL_OP_WATCH, /* reply, then events until the VM ends */
	CTL_OP_PSCI, /* the armed faults */
	CTL_OP_PSCI_SET, /* T_CLEAR, T_FAULT..., T_DELAY_ON */
	CTL_OP_END,
};

enum ctl_event_op {
	CTL_EV_POWER = 1, /* T_EV_STATE or T_EV_POLICY */
	CTL_EV_LOST, /* T_LOST: events dropped since the last one */
};

enum ctl_tag {
	/* Integers: [values...] */
	CTL_T_PID = 1, /* [pid] */
	CTL_T_STATE, /* [0 running, 1 paused] */
	CTL_T_CPUS, /* [total, enabled, online] */
	CTL_T_PSCI_USER, /* [1: lkvm serves PSCI, 0: KVM does] */
	CTL_T_VCPU, /* [index, power state, enabled, MPIDR] */
	CTL_T_REGS, /* [PC, PSTATE] of the vCPU before */
	CTL_T_EXIT, /* [exit reason, count] of the vCPU before */
	CTL_T_CALLS, /* [function, result slot, count] of the vCPU before */
	CTL_T_INJECTED, /* [function, count] of the vCPU before */
	CTL_T_LATENCY, /* CPU_ON, ns: [count, min, median, p99, max] */
	CTL_T_KEY, /* [character] */
	CTL_T_ENABLE, /* [vCPU index] */
	CTL_T_DISABLE, /* [vCPU index] */
	CTL_T_FAULT, /* [function, code (two's complement), count] */
	CTL_T_DELAY_ON, /* [milliseconds] */
	CTL_T_CLEAR, /* [1] */
	CTL_T_EV_STATE, /* [monotonic us, vCPU, old state, new state] */
	CTL_T_EV_POLICY, /* [monotonic us, vCPU, enabled] */
	CTL_T_LOST, /* [events] */
	CTL_T_UPTIME, /* [ns since lkvm started] */

	/* Text */
	CTL_T_STRING = 0x8000,
	CTL_T_NAME = 0x8001,
	CTL_T_MESSAGE, /* why a request failed, one line */
	CTL_T_VERSION, /* lkvm's version */
	CTL_T_REGS_ERR, /* why the vCPU before has no T_REGS */
};

/* A message being built. The buffer grows up to max; past it, the build
 * is marked overflowed and ctl_buf__end() fails. */
struct ctl_buf {
	uint8_t *data;
	size_t len, cap, max;
	size_t frame; /* where the frame being built starts */
	bool overflow;
};

void ctl_buf__init(struct ctl_buf *b, size_t max);
void ctl_buf__free(struct ctl_buf *b);
/* Append raw bytes (a whole frame made elsewhere): 0 or -EMSGSIZE. */
int ctl_buf__append(struct ctl_buf *b, const void *data, size_t len);
/* Start a frame (after any already in b). */
void ctl_msg__begin(struct ctl_buf *b, enum ctl_kind kind, uint16_t op,
		    int32_t status);
void ctl_msg__put_ints(struct ctl_buf *b, uint16_t tag, const uint64_t *v,
		       unsigned int n);
void ctl_msg__put_int(struct ctl_buf *b, uint16_t tag, uint64_t v);
void ctl_msg__put_str(struct ctl_buf *b, uint16_t tag, const char *s);
/* Set the frame's status (for a reply decided late). */
void ctl_msg__set_status(struct ctl_buf *b, int32_t status);
/* Finish the frame: 0, or -EMSGSIZE (the frame is dropped from b). */
int ctl_msg__end(struct ctl_buf *b);
/* Convenience: a whole error reply. */
int ctl_msg__error(struct ctl_buf *b, uint16_t op, int32_t status,
		   const char *msg);

struct ctl_msg {
	uint8_t version;
	uint8_t kind;
	uint16_t op;
	int32_t status;
	const uint8_t *fields;
	size_t fields_len;
};

struct ctl_field {
	uint16_t tag;
	uint16_t len;
	const uint8_t *val;
};

/*
 * How long the frame at buf is, from its first have bytes: 0 with *len
 * set (or *len 0 when fewer than 4 bytes are there); -EMSGSIZE when it is
 * longer than max; -EBADMSG when shorter than a header.
 */
int ctl_msg__frame_len(const void *buf, size_t have, size_t max, size_t *len);
/*
 * Check a whole frame and describe it in m: 0; -EPROTONOSUPPORT for
 * another version (m->version says which); -EBADMSG for anything
 * malformed (unknown kind, a field overrunning the frame, an integer
 * field not 1-8 u64s, text with a NUL).
 */
int ctl_msg__parse(const void *frame, size_t len, struct ctl_msg *m);
/* Iterate: pos starts at 0. False at the end. */
bool ctl_msg__next(const struct ctl_msg *m, size_t *pos, struct ctl_field *f);
/* The first field with tag. */
bool ctl_msg__find(const struct ctl_msg *m, uint16_t tag, struct ctl_field *f);
unsigned int ctl_field__nr(const struct ctl_field *f);
/* Value i of an integer field, 0 if there is none. */
uint64_t ctl_field__int(const struct ctl_field *f, unsigned int i);
/* Text into out (NUL-terminated, cut to outlen - 1). */
void ctl_field__str(const struct ctl_field *f, char *out, size_t outlen);

/* "lkvm stat"'s exit reason names (KVM's numbering); NULL if unknown. */
const char *ctl__exit_name(unsigned int reason);
/* "OFF", "ON_PENDING", "ON". */
const char *ctl__state_name(unsigned int state);

#endif /* KVM__CONTROL_H */
