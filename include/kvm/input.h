/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__INPUT_H
#define KVM__INPUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Open a boot input (what: "kernel", "initrd") for reading. Only a
 * non-empty regular file is taken; anything else (a FIFO, a directory, a
 * device) is refused without blocking. Returns 0 with the fd and the size,
 * or -errno with a one-line reason in err.
 */
int input__open(const char *what, const char *path, int *fdp, uint64_t *size,
		char *err, size_t errlen);

#endif /* KVM__INPUT_H */
