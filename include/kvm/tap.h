/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__TAP_H
#define KVM__TAP_H

#include <stdint.h>

#include "kvm/config.h"

/*
 * -n mode=tap (arm/tap.c): a tap interface with the 12-byte virtio-net
 * header in front of each frame (IFF_VNET_HDR, TUNSETVNETHDRSZ 12), so
 * the guest's checksum and segmentation offloads pass through.
 */

/*
 * Open (or create) the tap of nc before the sandbox: non-blocking, no
 * offloads until the guest asks. The interface's name in name. With
 * host_ip=, the address is set and the tap brought up; without, a tap
 * lkvm created is brought up if it can be. Dies with one line on failure.
 */
int tap__open(const struct net_config *nc, char name[CFG_IFNAMSIZ]);
/*
 * TUNSETOFFLOAD with what the guest accepted of the virtio-net offloads
 * (its GUEST_CSUM, GUEST_TSO4, GUEST_TSO6): 0 or -errno.
 */
int tap__set_offload(int fd, uint64_t features);

#endif /* KVM__TAP_H */
