// SPDX-License-Identifier: GPL-2.0
/*
 * Opening a tap for -n mode=tap (see include/kvm/tap.h). Everything here
 * runs before the sandbox; only tap__set_offload() runs later, on the
 * device's I/O thread (its ioctl request is on that thread's list).
 */
#include "kvm/tap.h"
#include "kvm/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define BIT64(n) (1ULL << (n))

int tap__set_offload(int fd, uint64_t features)
{
	unsigned int off = 0;

	/* What the guest can take is what the tap may hand us. */
	if (features & BIT64(VIRTIO_NET_F_GUEST_CSUM)) {
		off |= TUN_F_CSUM;
		if (features & BIT64(VIRTIO_NET_F_GUEST_TSO4))
			off |= TUN_F_TSO4;
		if (features & BIT64(VIRTIO_NET_F_GUEST_TSO6))
			off |= TUN_F_TSO6;
	}
	return ioctl(fd, TUNSETOFFLOAD, off) < 0 ? -errno : 0;
}

/* An AF_INET socket's interface ioctl; 0 or -errno. */
static int if_ioctl(int s, unsigned long req, struct ifreq *ifr)
{
	return ioctl(s, req, ifr) < 0 ? -errno : 0;
}

static int bring_up(int s, const char *name)
{
	struct ifreq ifr = { 0 };
	int ret;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ret = if_ioctl(s, SIOCGIFFLAGS, &ifr);
	if (ret || (ifr.ifr_flags & IFF_UP))
		return ret;
	ifr.ifr_flags |= IFF_UP;
	return if_ioctl(s, SIOCSIFFLAGS, &ifr);
}

static void set_inet(int s, unsigned long req, const char *name,
		     uint32_t addr_be)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	sin.sin_addr.s_addr = addr_be;
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	if (ioctl(s, req, &ifr) < 0)
		die("-n mode=tap: cannot set host_ip on %s: %s%s", name,
		    strerror(errno),
		    errno == EPERM ?
			    " (that needs CAP_NET_ADMIN; or set it yourself with ip addr add and leave out host_ip)" :
			    "");
}

static void configure(const struct net_config *nc, const char *name,
		      bool created)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t ip, mask;
	int ret;

	if (s < 0)
		die("-n mode=tap: socket: %s", strerror(errno));
	if (nc->host_mac_set) {
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
		memcpy(ifr.ifr_hwaddr.sa_data, nc->host_mac, 6);
		if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
			die("-n mode=tap: cannot set host_mac on %s: %s", name,
			    strerror(errno));
	}
	if (nc->host_ip_set) {
		memcpy(&ip, nc->host_ip, 4);
		mask = htonl(~0u << (32 - nc->host_prefix));
		if (nc->host_prefix == 32)
			mask = ~0u;
		set_inet(s, SIOCSIFADDR, name, ip);
		set_inet(s, SIOCSIFNETMASK, name, mask);
	}
	ret = bring_up(s, name);
	if (ret && nc->host_ip_set)
		die("-n mode=tap: cannot bring %s up: %s", name,
		    strerror(-ret));
	if (ret && created)
		pr_info("-n mode=tap: %s is down (%s); bring it up and give it an address yourself",
			name, strerror(-ret));
	close(s);
}

/* One line for each way TUNSETIFF fails. */
static void __attribute__((noreturn))
tunsetiff_failed(const char *name, bool existed, int err)
{
	if (existed && err == EINVAL)
		die("-n mode=tap: tapif=%s is not a tap interface", name);
	if (existed && err == EBUSY)
		die("-n mode=tap: tap %s is in use by another program", name);
	if (existed && err == EPERM)
		die("-n mode=tap: tap %s belongs to another user: lkvm needs CAP_NET_ADMIN, or make it yours with 'ip tuntap del dev %s mode tap; ip tuntap add dev %s mode tap user $USER'",
		    name, name, name);
	if (err == EPERM || err == EACCES)
		die("-n mode=tap: creating a tap needs CAP_NET_ADMIN; or make one as root with 'ip tuntap add dev %s mode tap user $USER' and pass tapif=%s",
		    name[0] && !strchr(name, '%') ? name : "tap0",
		    name[0] && !strchr(name, '%') ? name : "tap0");
	die("-n mode=tap: cannot attach to or create tap %s: %s", name,
	    strerror(err));
}

int tap__open(const struct net_config *nc, char name[CFG_IFNAMSIZ])
{
	struct ifreq ifr = { 0 };
	int fd, hdr = 12; /* struct virtio_net_hdr_v1 with num_buffers */
	bool existed;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
		 nc->tapif[0] ? nc->tapif : "lkvmtap%d");
	existed = nc->tapif[0] && if_nametoindex(nc->tapif) > 0;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		die("-n mode=tap: /dev/net/tun: %s (is the tun module loaded? 'modprobe tun')",
		    strerror(errno));
	if (fd < 0)
		die("-n mode=tap: /dev/net/tun: %s", strerror(errno));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		tunsetiff_failed(ifr.ifr_name, existed, errno);
	snprintf(name, CFG_IFNAMSIZ, "%s", ifr.ifr_name);
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)
		die("-n mode=tap: %s: TUNSETVNETHDRSZ: %s", name,
		    strerror(errno));
	/* No offloads until a driver accepts them. */
	if (tap__set_offload(fd, 0))
		die("-n mode=tap: %s: TUNSETOFFLOAD: %s", name,
		    strerror(errno));
	configure(nc, name, !existed);
	return fd;
}
