/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__RESET_H
#define KVM__RESET_H

/*
 * Device resets for a reboot in place: each device model registers one
 * callback when it is set up; the reboot runs them all while every vCPU
 * is parked. They run in reverse order of registration, so a layer set up
 * on top of a device (the console input on the UART) is reset before the
 * device it feeds. Pure: no KVM, no ioctl.
 */

#define RESET_LIST_MAX 32

typedef void (*reset_fn)(void *opaque);

struct reset_list {
	unsigned int nr;
	struct {
		reset_fn fn;
		void *opaque;
	} e[RESET_LIST_MAX];
};

/* 0, -EINVAL without fn, or -ENOSPC when the list is full. */
int reset_list__add(struct reset_list *l, reset_fn fn, void *opaque);
/* Call every callback, the last registered first. */
void reset_list__run(const struct reset_list *l);

#endif /* KVM__RESET_H */
