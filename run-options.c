// SPDX-License-Identifier: GPL-2.0
#include "kvm/control-server.h"
#include "kvm/psci-inject.h"
#include "kvm/run-options.h"
#include "kvm/cpulist.h"
#include "kvm/util.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_NAME = 0x100,
	OPT_CONSOLE,
	OPT_NODEFAULTS,
	OPT_DUMP_DTB,
	OPT_LOGLEVEL,
	OPT_IRQCHIP,
	OPT_DEV,
	OPT_PSCI,
	OPT_PSCI_CONDUIT,
	OPT_REBOOT,
	OPT_DEBUG_PSCI,
	OPT_CONSOLE_PANIC,
	OPT_DISABLE_SVE,
	OPT_SVE_MAX_VL,
	OPT_DISABLE_PTRAUTH,
	OPT_PMU,
	OPT_DISABLE_MTE,
	OPT_NO_PVTIME,
	OPT_VCPU_AFFINITY,
	OPT_CNTFRQ,
	OPT_RNG,
	OPT_MAX_CPUS,
	OPT_PSCI_FAIL,
	OPT_PSCI_DELAY_ON,
	OPT_SANDBOX,
};

static const struct option run_long_opts[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "params", required_argument, NULL, 'p' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "mem", required_argument, NULL, 'm' },
	{ "network", required_argument, NULL, 'n' },
	{ "disk", required_argument, NULL, 'd' },
	{ "rng", no_argument, NULL, OPT_RNG },
	{ "help", no_argument, NULL, 'h' },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "nodefaults", no_argument, NULL, OPT_NODEFAULTS },
	{ "dump-dtb", required_argument, NULL, OPT_DUMP_DTB },
	{ "loglevel", required_argument, NULL, OPT_LOGLEVEL },
	{ "irqchip", required_argument, NULL, OPT_IRQCHIP },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "psci", required_argument, NULL, OPT_PSCI },
	{ "psci-conduit", required_argument, NULL, OPT_PSCI_CONDUIT },
	{ "reboot", required_argument, NULL, OPT_REBOOT },
	{ "debug-psci", no_argument, NULL, OPT_DEBUG_PSCI },
	{ "stop-on-console-panic", no_argument, NULL, OPT_CONSOLE_PANIC },
	{ "disable-sve", no_argument, NULL, OPT_DISABLE_SVE },
	{ "sve-max-vl", required_argument, NULL, OPT_SVE_MAX_VL },
	{ "disable-ptrauth", no_argument, NULL, OPT_DISABLE_PTRAUTH },
	{ "pmu", no_argument, NULL, OPT_PMU },
	{ "disable-mte", no_argument, NULL, OPT_DISABLE_MTE },
	{ "no-pvtime", no_argument, NULL, OPT_NO_PVTIME },
	{ "vcpu-affinity", required_argument, NULL, OPT_VCPU_AFFINITY },
	{ "override-bad-firmware-cntfrq", required_argument, NULL, OPT_CNTFRQ },
	{ "max-cpus", required_argument, NULL, OPT_MAX_CPUS },
	{ "psci-fail", required_argument, NULL, OPT_PSCI_FAIL },
	{ "psci-delay-on", required_argument, NULL, OPT_PSCI_DELAY_ON },
	{ "sandbox", required_argument, NULL, OPT_SANDBOX },
	{ NULL, 0, NULL, 0 },
};

static const char run_short_opts[] = ":k:i:p:c:m:n:d:h";

void run_options__usage(FILE *out)
{
	fputs("usage: lkvm run [options] [kernel image]\n"
	      "\n"
	      "Basic:\n"
	      "  -c, --cpus N          vCPUs (default: host CPUs online)\n"
	      "  -m, --mem SIZE        guest RAM; MiB, or with a K/M/G/T suffix;\n"
	      "                        4M at least, the host's RAM at most\n"
	      "                        (default: 64M x (cpus + 3))\n"
	      "      --max-cpus M      vCPUs that exist (default: --cpus); those\n"
	      "                        from --cpus up start disabled, for\n"
	      "                        'lkvm cpu NAME --enable' (hotplug)\n"
	      "      --name NAME       guest name for 'lkvm list/stop/...':\n"
	      "                        1-64 of A-Z a-z 0-9 . _ + - (default:\n"
	      "                        guest-<pid>)\n"
	      "      --console C       the guest's console: serial (default;\n"
	      "                        the 16550A UART, ttyS0) or virtio\n"
	      "                        (virtio-console, hvc0; the UART stays\n"
	      "                        for earlycon)\n"
	      "      --nodefaults      no default kernel parameters\n"
	      "      --dev PATH        KVM device (default: /dev/kvm)\n"
	      "      --loglevel L      error | warning | info | debug\n"
	      "      --sandbox on|off  on (default): each lkvm thread may make\n"
	      "                        only the system calls it needs\n"
	      "                        (seccomp); off: for debugging\n"
	      "\n"
	      "Kernel:\n"
	      "  -k, --kernel FILE     the kernel: an arm64 Linux Image, a gzip\n"
	      "                        or zstd of one (Image.gz, vmlinuz), an\n"
	      "                        EFI zboot image (gzip or zstd22 inside;\n"
	      "                        256 MiB unpacked at most), or else a\n"
	      "                        flat binary, run at RAM + 0x80000\n"
	      "  -i, --initrd FILE     initial ramdisk\n"
	      "  -p, --params STRING   kernel command line (appended to\n"
	      "                        \"" RUN_DEFAULT_PARAMS "\", or\n"
	      "                        \"" RUN_DEFAULT_PARAMS_VIRTIO "\" with\n"
	      "                        --console virtio; 2047 bytes in all\n"
	      "                        at most)\n"
	      "\n"
	      "Machine:\n"
	      "      --irqchip T       gicv3 | gicv2 | auto (default auto)\n"
	      "      --dump-dtb FILE   write the device tree to FILE and exit\n"
	      "  -n, --network P       a virtio-net card (repeatable, 8 at most;\n"
	      "                        none by default); P is key=value,...:\n"
	      "                        mode=user[,passt=OPTIONS]: passt, no\n"
	      "                        privileges (OPTIONS, split at spaces,\n"
	      "                        go to passt; last key); mode=none;\n"
	      "                        guest_mac=, host_mac=XX:XX:XX:XX:XX:XX\n"
	      "                        (default: from --name);\n"
	      "                        mode=tap[,tapif=NAME][,vhost=1]\n"
	      "                        [,host_ip=A.B.C.D[/PREFIX]]: a host tap\n"
	      "                        (NAME, or a new lkvmtapN), vhost=1: the\n"
	      "                        data path in vhost-net\n"
	      "\n"
	      "Guest CPU (SVE, pointer authentication, MTE and stolen time are on\n"
	      "wherever the host's KVM offers them):\n"
	      "      --disable-sve     no SVE\n"
	      "      --sve-max-vl N    longest SVE vector length, in bits (a\n"
	      "                        multiple of 128, at most 2048)\n"
	      "      --disable-ptrauth no pointer authentication\n"
	      "      --pmu             a PMUv3 (off by default)\n"
	      "      --disable-mte     no MTE\n"
	      "      --no-pvtime       no stolen-time accounting\n"
	      "      --vcpu-affinity CPULIST\n"
	      "                        run the vCPU threads only on these host\n"
	      "                        CPUs (e.g. 4-7 or 0,2-3)\n"
	      "      --override-bad-firmware-cntfrq HZ\n"
	      "                        tell the guest the timer runs at HZ (for\n"
	      "                        boards whose firmware sets CNTFRQ wrong)\n"

	      "Devices (virtio-mmio):\n"
	      "  -d, --disk FILE[,ro][,direct]\n"
	      "                        a raw disk image (or block device) as\n"
	      "                        /dev/vda, vdb, ... in the order given\n"
	      "                        (16 at most). ro: read-only, shared\n"
	      "                        lock; direct: O_DIRECT, no host cache.\n"
	      "                        The image is locked: a second lkvm on\n"
	      "                        it is refused\n"
	      "      --rng             a virtio-rng device (/dev/hwrng), fed\n"
	      "                        by the host's getrandom()\n"
	      "\n"
	      "Firmware (PSCI):\n"
	      "      --psci M          user (default): lkvm serves PSCI 1.1;\n"
	      "                        kernel: KVM's in-kernel PSCI\n"
	      "      --psci-conduit C  hvc (default) | smc, the DT's method\n"
	      "      --reboot A        reboot (default): reboot in place on\n"
	      "                        guest reset; exit: lkvm exits 0\n"
	      "      --debug-psci      trace every PSCI call on stderr\n"
	      "      --psci-fail FUNC=CODE[,count=K]\n"
	      "                        answer the next K (default 1) calls of\n"
	      "                        FUNC with the error CODE (repeatable)\n"
	      "      --psci-delay-on MS\n"
	      "                        keep each CPU_ON target ON_PENDING for\n"
	      "                        MS milliseconds before it starts\n"
	      "\n"
	      "Guest panics (lkvm then exits 1):\n"
	      "  A panic the guest reports on its pvpanic device always stops\n"
	      "  the VM; a kdump kernel taking over is only reported.\n"
	      "      --stop-on-console-panic\n"
	      "                        also stop when the console shows Linux's\n"
	      "                        \"Kernel panic - not syncing\" line (for\n"
	      "                        kernels without pvpanic; any guest program\n"
	      "                        that can write to the console can do it)\n"
	      "\n"
	      "  -h, --help            this text\n"
	      "\n"
	      "On the console, Ctrl-A x quits lkvm.\n",
	      out);
}

void run_options__defaults(struct kvm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_cpus = -1;
	cfg->max_cpus = -1;
	cfg->dev = "/dev/kvm";
	cfg->irqchip = IRQCHIP_AUTO;
	cfg->loglevel = LOG_WARNING;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * kvmtool's -d syntax: FILE, then comma-separated flags. kvmtool's other
 * forms (a rootfs directory shared over 9p, "scsi:" vhost targets) have
 * no counterpart here and are refused by what they are.
 */
static int parse_disk(struct kvm_config *cfg, const char *arg, char *err,
		      size_t errlen)
{
	struct disk_config *d;
	const char *comma = strchr(arg, ',');
	size_t plen = comma ? (size_t)(comma - arg) : strlen(arg);
	const char *opt = comma;

	if (cfg->nr_disks >= CFG_MAX_DISKS)
		return fail(err, errlen, "too many --disk: at most %d",
			    CFG_MAX_DISKS);
	if (!plen)
		return fail(err, errlen, "invalid --disk '%s': no file name",
			    arg);
	if (!strncmp(arg, "scsi:", 5))
		return fail(
			err, errlen,
			"unsupported --disk '%s': lkvm has no vhost-scsi; give a disk image file",
			arg);
	d = &cfg->disks[cfg->nr_disks];
	memset(d, 0, sizeof(*d));
	while (opt) {
		const char *next = strchr(opt + 1, ',');
		size_t len = next ? (size_t)(next - opt - 1) : strlen(opt + 1);

		if (len == 2 && !strncmp(opt + 1, "ro", 2)) {
			d->ro = true;
		} else if (len == 6 && !strncmp(opt + 1, "direct", 6)) {
			d->direct = true;
		} else {
			return fail(
				err, errlen,
				"invalid --disk '%s': unknown flag '%.*s' (ro and direct are known)",
				arg, (int)len, opt + 1);
		}
		opt = next;
	}
	if (plen >= sizeof(d->path))
		return fail(
			err, errlen,
			"invalid --disk: the file name is longer than %zu bytes",
			sizeof(d->path) - 1);
	memcpy(d->path, arg, plen);
	d->path[plen] = '\0';
	cfg->nr_disks++;
	return 0;
}

/* xx:xx:xx:xx:xx:xx, a unicast address other than all zeros. */
static int parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	unsigned int i, v;
	size_t at = 0;

	if (len != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++, at += 3) {
		if (!isxdigit((unsigned char)s[at]) ||
		    !isxdigit((unsigned char)s[at + 1]) ||
		    (i < 5 && s[at + 2] != ':'))
			return -EINVAL;
		sscanf(s + at, "%2x", &v);
		mac[i] = (uint8_t)v;
	}
	if ((mac[0] & 1) ||
	    !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	return 0;
}

/* A.B.C.D[/PREFIX], the value not NUL-terminated; 0 or -EINVAL. */
static int parse_ipv4(const char *s, size_t len, uint8_t ip[4], uint8_t *prefix)
{
	unsigned int i, v, digits;
	size_t at = 0;

	for (i = 0; i < 4; i++) {
		if (i && (at >= len || s[at++] != '.'))
			return -EINVAL;
		for (v = 0, digits = 0;
		     at < len && isdigit((unsigned char)s[at]); at++, digits++)
			v = v * 10 + (unsigned int)(s[at] - '0');
		/* No empty parts, no leading zeros (octal elsewhere). */
		if (!digits || digits > 3 || v > 255 ||
		    (digits > 1 && s[at - digits] == '0'))
			return -EINVAL;
		ip[i] = (uint8_t)v;
	}
	*prefix = 24;
	if (at == len)
		return 0;
	if (s[at++] != '/')
		return -EINVAL;
	for (v = 0, digits = 0; at < len && isdigit((unsigned char)s[at]);
	     at++, digits++)
		v = v * 10 + (unsigned int)(s[at] - '0');
	if (at != len || !digits || digits > 2 || !v || v > 32)
		return -EINVAL;
	*prefix = (uint8_t)v;
	return 0;
}

static const char *const net_mode_names[] = { "none", "tap", "user" };

/* One key=value of -n (the value is not NUL-terminated). */
static int net_key(struct net_config *nc, const char *arg, const char *key,
		   size_t klen, const char *val, size_t vlen, char *err,
		   size_t errlen)
{
	int i;

	if (klen == 4 && !strncmp(key, "mode", 4)) {
		for (i = 0; i < (int)ARRAY_SIZE(net_mode_names); i++)
			if (strlen(net_mode_names[i]) == vlen &&
			    !strncmp(val, net_mode_names[i], vlen))
				break;
		if (i == (int)ARRAY_SIZE(net_mode_names))
			return fail(
				err, errlen,
				"invalid --network '%s': unknown mode '%.*s' (none, tap or user)",
				arg, (int)vlen, val);
		nc->mode = (enum net_mode)i;
	} else if (klen == 5 && !strncmp(key, "tapif", 5)) {
		if (!vlen || vlen >= CFG_IFNAMSIZ || memchr(val, '/', vlen) ||
		    memchr(val, ' ', vlen))
			return fail(
				err, errlen,
				"invalid --network '%s': tapif must be an interface name of 1 to %d characters",
				arg, CFG_IFNAMSIZ - 1);
		memcpy(nc->tapif, val, vlen);
		nc->tapif[vlen] = '\0';
	} else if (klen == 5 && !strncmp(key, "vhost", 5)) {
		if (vlen != 1 || (val[0] != '0' && val[0] != '1'))
			return fail(
				err, errlen,
				"invalid --network '%s': vhost=0 or vhost=1",
				arg);
		nc->vhost = val[0] == '1';
	} else if (klen == 7 && !strncmp(key, "host_ip", 7)) {
		if (parse_ipv4(val, vlen, nc->host_ip, &nc->host_prefix))
			return fail(
				err, errlen,
				"invalid --network '%s': host_ip must be an IPv4 address with an optional /PREFIX of 1 to 32, such as 192.168.33.1/24",
				arg);
		nc->host_ip_set = true;
	} else if ((klen == 9 && !strncmp(key, "guest_mac", 9)) ||
		   (klen == 8 && !strncmp(key, "host_mac", 8))) {
		bool guest = klen == 9;

		if (parse_mac(val, vlen, guest ? nc->guest_mac : nc->host_mac))
			return fail(
				err, errlen,
				"invalid --network '%s': %.*s must be a unicast MAC such as 02:00:00:00:00:01",
				arg, (int)klen, key);
		*(guest ? &nc->guest_mac_set : &nc->host_mac_set) = true;
	} else {
		return fail(
			err, errlen,
			"invalid --network '%s': unknown key '%.*s' (mode, tapif, vhost, host_ip, guest_mac, host_mac and passt are known)",
			arg, (int)klen, key);
	}
	return 0;
}

/*
 * kvmtool's -n syntax: comma-separated key=value. passt=, which takes
 * passt's own options (with commas of their own), must come last and
 * takes the rest.
 */
static int parse_network(struct kvm_config *cfg, const char *arg, char *err,
			 size_t errlen)
{
	struct net_config nc = { .mode = NET_MODE_NONE };
	const char *p = arg, *end, *eq;
	bool mode_set = false;
	int ret;

	while (*p) {
		if (!strncmp(p, "passt=", 6)) {
			nc.passt_args = p + 6;
			break;
		}
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (*end && !end[1])
			return fail(
				err, errlen,
				"invalid --network '%s': '' after the last ',' is not key=value",
				arg);
		if (!eq || eq == p)
			return fail(
				err, errlen,
				"invalid --network '%s': '%.*s' is not key=value",
				arg, (int)(end - p), p);
		ret = net_key(&nc, arg, p, (size_t)(eq - p), eq + 1,
			      (size_t)(end - eq - 1), err, errlen);
		if (ret)
			return ret;
		if (eq - p == 4 && !strncmp(p, "mode", 4))
			mode_set = true;
		p = *end ? end + 1 : end;
	}
	if (!mode_set)
		return fail(
			err, errlen,
			"invalid --network '%s': no mode= (none, tap or user)",
			arg);
	if (nc.mode != NET_MODE_TAP &&
	    (nc.tapif[0] || nc.vhost || nc.host_ip_set))
		return fail(
			err, errlen,
			"invalid --network '%s': tapif, vhost and host_ip are for mode=tap",
			arg);
	if (nc.mode != NET_MODE_USER && nc.passt_args)
		return fail(err, errlen,
			    "invalid --network '%s': passt= is for mode=user",
			    arg);
	if (nc.mode == NET_MODE_NONE) {
		if (nc.guest_mac_set || nc.host_mac_set)
			return fail(
				err, errlen,
				"invalid --network '%s': mode=none has no MAC",
				arg);
		return 0; /* no device */
	}
	if (cfg->nr_nets >= CFG_MAX_NETS)
		return fail(err, errlen, "too many --network: at most %d",
			    CFG_MAX_NETS);
	cfg->nets[cfg->nr_nets++] = nc;
	return 0;
}

/* Digits only: strtol() alone would also take " 3" and "+3". */
static int parse_cpus(const char *arg, int *out)
{
	const char *p;
	char *end;
	long v;

	for (p = arg; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > RUN_MAX_CPUS)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* A decimal number, digits only, at most max: 0, -EINVAL or -ERANGE. */
static int parse_digits(const char *arg, unsigned long long max,
			unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned int d;
	const char *p;

	if (!*arg)
		return -EINVAL;
	for (p = arg; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		d = (unsigned int)(*p - '0');
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_ms(const char *arg, uint32_t *out)
{
	unsigned long long v;

	if (parse_digits(arg, PSCI_INJECT_MAX_DELAY_MS, &v))
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* A later --psci-fail for the same function replaces the earlier one. */
static int add_psci_fault(struct kvm_config *cfg, const char *arg, char *err,
			  size_t errlen)
{
	struct psci_fault_spec f;
	char why[200];
	unsigned int i;

	if (psci_inject__parse(arg, &f.fn, &f.code, &f.count, why, sizeof(why)))
		return fail(err, errlen, "invalid --psci-fail: %s", why);
	for (i = 0; i < cfg->nr_psci_faults; i++)
		if (cfg->psci_faults[i].fn == f.fn)
			break;
	if (i == MAX_PSCI_FAULTS)
		return fail(err, errlen, "too many --psci-fail");
	cfg->psci_faults[i] = f;
	if (i == cfg->nr_psci_faults)
		cfg->nr_psci_faults++;
	return 0;
}

static int parse_choice(const char *arg, const char *const *names, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -1;
}

static const char *const irqchip_names[] = { "auto", "gicv3", "gicv2" };
static const char *const psci_names[] = { "user", "kernel" };
static const char *const conduit_names[] = { "hvc", "smc" };
static const char *const reboot_names[] = { "reboot", "exit" };
static const char *const console_names[] = { "serial", "virtio" };
static const char *const sandbox_names[] = { "on", "off" };
static const char *const loglevel_names[] = { "error", "warning", "info",
					      "debug" };

static int parse_one(struct kvm_config *cfg, int opt, const char *arg,
		     char *err, size_t errlen)
{
	unsigned long long num;
	uint64_t bytes;
	int v;

	switch (opt) {
	case 'k':
		cfg->kernel_path = arg;
		break;
	case 'i':
		cfg->initrd_path = arg;
		break;
	case 'p':
		cfg->params = arg;
		break;
	case 'c':
		if (parse_cpus(arg, &cfg->nr_cpus))
			return fail(
				err, errlen,
				"invalid --cpus '%s': need a number from 1 to %d, in digits only",
				arg, RUN_MAX_CPUS);
		break;
	case 'm':
		if (size__parse_mib(arg, &bytes) || bytes == 0)
			return fail(
				err, errlen,
				"invalid --mem '%s': need a size above 0, in MiB or with a K/M/G/T suffix",
				arg);
		if (bytes < RUN_MIN_RAM_SIZE)
			return fail(
				err, errlen,
				"invalid --mem '%s': lkvm needs at least %llu MiB (a 2 MiB block for the kernel, one for the device tree)",
				arg,
				(unsigned long long)(RUN_MIN_RAM_SIZE / SZ_1M));
		if (bytes % SZ_64K)
			return fail(
				err, errlen,
				"invalid --mem '%s': must be a multiple of 64K",
				arg);
		cfg->ram_size = bytes;
		break;
	case 'n':
		return parse_network(cfg, arg, err, errlen);
	case 'd':
		return parse_disk(cfg, arg, err, errlen);
	case OPT_RNG:
		cfg->rng = true;
		break;
	case OPT_NAME:
		if (!ctl__name_valid(arg))
			return fail(
				err, errlen,
				"invalid --name '%s': 1 to %d of A-Z a-z 0-9 . _ + -, not starting with . or -",
				arg, CTL_NAME_MAX);
		cfg->name = arg;
		break;
	case OPT_MAX_CPUS:
		if (parse_cpus(arg, &cfg->max_cpus))
			return fail(
				err, errlen,
				"invalid --max-cpus '%s': need a number from 1 to %d, in digits only",
				arg, RUN_MAX_CPUS);
		break;
	case OPT_PSCI_FAIL:
		return add_psci_fault(cfg, arg, err, errlen);
	case OPT_PSCI_DELAY_ON:
		if (parse_ms(arg, &cfg->psci_delay_on_ms))
			return fail(
				err, errlen,
				"invalid --psci-delay-on '%s': need milliseconds from 0 to %u",
				arg, PSCI_INJECT_MAX_DELAY_MS);
		break;
	case OPT_CONSOLE:
		v = parse_choice(arg, console_names, ARRAY_SIZE(console_names));
		if (v < 0)
			return fail(err, errlen,
				    "invalid --console '%s': serial or virtio",
				    arg);
		cfg->console = (enum console_type)v;
		break;
	case OPT_NODEFAULTS:
		cfg->nodefaults = true;
		break;
	case OPT_DUMP_DTB:
		cfg->dump_dtb = arg;
		break;
	case OPT_LOGLEVEL:
		v = parse_choice(arg, loglevel_names,
				 ARRAY_SIZE(loglevel_names));
		if (v < 0)
			return fail(
				err, errlen,
				"invalid --loglevel '%s': error, warning, info or debug",
				arg);
		cfg->loglevel = (enum log_level)v;
		break;
	case OPT_IRQCHIP:
		v = parse_choice(arg, irqchip_names, ARRAY_SIZE(irqchip_names));
		if (v < 0)
			return fail(
				err, errlen,
				"invalid --irqchip '%s': gicv3, gicv2 or auto",
				arg);
		cfg->irqchip = (enum irqchip_type)v;
		break;
	case OPT_DEV:
		cfg->dev = arg;
		break;
	case OPT_PSCI:
		v = parse_choice(arg, psci_names, ARRAY_SIZE(psci_names));
		if (v < 0)
			return fail(err, errlen,
				    "invalid --psci '%s': user or kernel", arg);
		cfg->psci = (enum psci_mode)v;
		cfg->psci_explicit = true;
		break;
	case OPT_PSCI_CONDUIT:
		v = parse_choice(arg, conduit_names, ARRAY_SIZE(conduit_names));
		if (v < 0)
			return fail(err, errlen,
				    "invalid --psci-conduit '%s': hvc or smc",
				    arg);
		cfg->conduit = (enum psci_conduit)v;
		break;
	case OPT_REBOOT:
		v = parse_choice(arg, reboot_names, ARRAY_SIZE(reboot_names));
		if (v < 0)
			return fail(err, errlen,
				    "invalid --reboot '%s': reboot or exit",
				    arg);
		cfg->reboot = (enum reboot_action)v;
		break;
	case OPT_SANDBOX:
		v = parse_choice(arg, sandbox_names, ARRAY_SIZE(sandbox_names));
		if (v < 0)
			return fail(err, errlen,
				    "invalid --sandbox '%s': on or off", arg);
		cfg->no_sandbox = v == 1;
		break;
	case OPT_DEBUG_PSCI:
		cfg->debug_psci = true;
		break;
	case OPT_CONSOLE_PANIC:
		cfg->console_panic = true;
		break;
	case OPT_DISABLE_SVE:
		cfg->disable_sve = true;
		break;
	case OPT_SVE_MAX_VL:
		if (parse_digits(arg, RUN_SVE_MAX_VL, &num) || !num ||
		    num % 128)
			return fail(
				err, errlen,
				"invalid --sve-max-vl '%s': need a vector length in bits, a multiple of 128 from 128 to %d",
				arg, RUN_SVE_MAX_VL);
		cfg->sve_max_vl = (unsigned int)num;
		break;
	case OPT_DISABLE_PTRAUTH:
		cfg->disable_ptrauth = true;
		break;
	case OPT_PMU:
		cfg->pmu = true;
		break;
	case OPT_DISABLE_MTE:
		cfg->disable_mte = true;
		break;
	case OPT_NO_PVTIME:
		cfg->no_pvtime = true;
		break;
	case OPT_VCPU_AFFINITY:
		if (cpulist__parse(arg, cfg->vcpu_affinity, CFG_AFFINITY_CPUS))
			return fail(
				err, errlen,
				"invalid --vcpu-affinity '%s': need host CPUs from 0 to %d as a list such as 4-7 or 0,2-3",
				arg, CFG_AFFINITY_CPUS - 1);
		cfg->vcpu_affinity_set = true;
		break;
	case OPT_CNTFRQ:
		if (parse_digits(arg, UINT32_MAX, &num) || !num)
			return fail(
				err, errlen,
				"invalid --override-bad-firmware-cntfrq '%s': need a frequency in Hz from 1 to %u",
				arg, UINT32_MAX);
		cfg->cntfrq = (uint32_t)num;
		break;
	}
	return 0;
}

const char *run_options__default_params(const struct kvm_config *cfg)
{
	return cfg->console == CONSOLE_VIRTIO ? RUN_DEFAULT_PARAMS_VIRTIO :
						RUN_DEFAULT_PARAMS;
}

/* Length of the command line run_options__bootargs() makes. */
static size_t bootargs_len(const struct kvm_config *cfg)
{
	size_t len = cfg->params ? strlen(cfg->params) : 0;

	if (cfg->nodefaults)
		return len;
	return strlen(run_options__default_params(cfg)) + (len ? 1 + len : 0);
}

/* The guest would cut a longer command line short without a word. */
static int check_params(const struct kvm_config *cfg, char *err, size_t errlen)
{
	size_t len = bootargs_len(cfg);

	if (len < RUN_CMDLINE_SIZE)
		return 0;
	if (cfg->nodefaults)
		return fail(
			err, errlen,
			"--params is %zu bytes, and arm64 Linux keeps a command line of at most %d",
			len, RUN_CMDLINE_SIZE - 1);
	return fail(
		err, errlen,
		"--params is %zu bytes; with \"%s \" before it the command line is %zu, and arm64 Linux keeps at most %d",
		len - strlen(run_options__default_params(cfg)) - 1,
		run_options__default_params(cfg), len, RUN_CMDLINE_SIZE - 1);
}

char *run_options__bootargs(const struct kvm_config *cfg)
{
	const char *params = cfg->params ? cfg->params : "";
	char *s;

	if (cfg->nodefaults)
		return strdup(params);
	if (asprintf(&s, "%s%s%s", run_options__default_params(cfg),
		     *params ? " " : "", params) < 0)
		return NULL;
	return s;
}

/* What only lkvm's own PSCI can do. */
static int check_hotplug(const struct kvm_config *cfg, char *err, size_t errlen)
{
	if (cfg->max_cpus >= 0 && cfg->nr_cpus > cfg->max_cpus)
		return fail(err, errlen, "--max-cpus %d is below --cpus %d",
			    cfg->max_cpus, cfg->nr_cpus);
	if (cfg->psci != PSCI_MODE_KERNEL)
		return 0;
	if (cfg->max_cpus >= 0 &&
	    (cfg->nr_cpus < 0 || cfg->max_cpus > cfg->nr_cpus))
		return fail(
			err, errlen,
			"--max-cpus needs --psci user: with KVM's PSCI the guest can start any vCPU");
	if (cfg->nr_psci_faults || cfg->psci_delay_on_ms)
		return fail(err, errlen,
			    "--psci-fail and --psci-delay-on need --psci user");
	return 0;
}

static const char *opt_name(int opt, char *buf, size_t len)
{
	const struct option *o;

	for (o = run_long_opts; o->name; o++)
		if (o->val == opt) {
			snprintf(buf, len, "--%s", o->name);
			return buf;
		}
	snprintf(buf, len, "-%c", opt);
	return buf;
}

int run_options__parse(struct kvm_config *cfg, int argc, char **argv, char *err,
		       size_t errlen)
{
	char name[32];
	int opt, ret;

	optind = 0; /* full re-initialisation of getopt's state */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, run_short_opts, run_long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'h':
			return RUN_OPTIONS_HELP;
		case '?':
			if (optopt >= OPT_NAME ||
			    (optopt && strchr(run_short_opts + 1, optopt)))
				return fail(
					err, errlen,
					"option '%s' takes no value",
					opt_name(optopt, name, sizeof(name)));
			if (optopt)
				return fail(err, errlen, "unknown option '-%c'",
					    optopt);
			return fail(err, errlen, "unknown option '%s'",
				    argv[optind - 1]);
		case ':':
			return fail(
				err, errlen, "option '%s' needs a value",
				optopt ? opt_name(optopt, name, sizeof(name)) :
					 argv[optind - 1]);
		default:
			ret = parse_one(cfg, opt, optarg, err, errlen);
			if (ret)
				return ret;
		}
	}

	/* kvmtool accepts the kernel as a lone positional argument. */
	if (optind < argc) {
		if (cfg->kernel_path || optind + 1 < argc)
			return fail(err, errlen, "unexpected argument '%s'",
				    argv[optind + !cfg->kernel_path]);
		cfg->kernel_path = argv[optind];
	}
	if (!cfg->kernel_path)
		return fail(err, errlen,
			    "no kernel given: use -k/--kernel IMAGE");
	if (cfg->disable_sve && cfg->sve_max_vl)
		return fail(
			err, errlen,
			"--sve-max-vl and --disable-sve contradict each other");
	ret = check_hotplug(cfg, err, errlen);
	if (ret)
		return ret;
	return check_params(cfg, err, errlen);
}

int run_options__finalize(struct kvm_config *cfg, int host_cpus,
			  uint64_t host_ram, char *err, size_t errlen)
{
	if (cfg->nr_cpus < 0) {
		cfg->nr_cpus = host_cpus > 0 ? host_cpus : 1;
		/* Only --max-cpus given: as many of them as the host has. */
		if (cfg->max_cpus > 0 && cfg->nr_cpus > cfg->max_cpus)
			cfg->nr_cpus = cfg->max_cpus;
	}
	if (cfg->nr_cpus > RUN_MAX_CPUS)
		cfg->nr_cpus = RUN_MAX_CPUS;
	if (cfg->max_cpus < 0)
		cfg->max_cpus = cfg->nr_cpus;
	if (!cfg->ram_size) {
		cfg->ram_size = 64 * SZ_1M * (uint64_t)(cfg->nr_cpus + 3);
		/* The default is a guess: never more than the host has. */
		if (host_ram && cfg->ram_size > host_ram)
			cfg->ram_size = ALIGN_DOWN(host_ram, SZ_1M);
		if (cfg->ram_size < RUN_MIN_RAM_SIZE)
			cfg->ram_size = RUN_MIN_RAM_SIZE;
		return 0;
	}
	/*
	 * Guest RAM is only reserved as the guest touches it: a guest larger
	 * than the host would run until the OOM killer ends lkvm unannounced.
	 */
	if (host_ram && cfg->ram_size > host_ram)
		return fail(
			err, errlen,
			"invalid --mem: %llu MiB asked for, but this host has only %llu MiB of RAM",
			(unsigned long long)(cfg->ram_size / SZ_1M),
			(unsigned long long)(host_ram / SZ_1M));
	return 0;
}
