// SPDX-License-Identifier: GPL-2.0
/*
 * featprobe: runs in a Linux guest of lkvm and checks, on every online CPU
 * in turn (pinned there), that the CPU features lkvm gave the guest work.
 * Built static for arm64; the test-host scenarios put it into the guest's
 * initramfs.
 *
 *   featprobe cpus   one line per CPU:
 *                    "FEAT cpu=N sve=BITS paca=0|1 pacg=0|1 mte=0|1"
 *                    sve: the longest vector length the CPU runs (0: no
 *                    SVE); paca/pacg: address/generic pointer
 *                    authentication instructions sign (and authenticate);
 *                    mte: a store with the wrong tag to tagged memory
 *                    faults (MTE in sync mode)
 *   featprobe perf   one line per CPU:
 *                    "PERF cpu=N cycles=COUNT samples=N"
 *                    a CPU-cycles counter (perf_event_open) over a busy
 *                    loop, and the samples a sampling event wrote (each
 *                    one a PMU overflow interrupt); "PERF cpu=N none
 *                    errno=E" when there is no hardware PMU
 * Exit status 0, or 2 on usage errors.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PROT_MTE
#define PROT_MTE 0x20
#endif
#ifndef SEGV_MTESERR
#define SEGV_MTESERR 9
#endif

static sigjmp_buf trap;
static volatile sig_atomic_t trap_code;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	trap_code = sig == SIGSEGV ? si->si_code : -1;
	siglongjmp(trap, 1);
}

static void catch_traps(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal,
				.sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* The longest SVE vector length this CPU runs, in bits; 0: no SVE. */
static unsigned int probe_sve(void)
{
	uint64_t bytes;
	int ret;

	if (!(getauxval(AT_HWCAP) & HWCAP_SVE))
		return 0;
	/* Ask for the architecture's longest: the kernel clamps it. */
	ret = prctl(PR_SVE_SET_VL, 256);
	if (ret < 0)
		return 0;
	if (sigsetjmp(trap, 1))
		return 0;
	asm volatile("rdvl %0, #1" : "=r"(bytes));
	if (bytes != (uint64_t)(ret & PR_SVE_VL_LEN_MASK))
		return 0;
	return (unsigned int)bytes * 8;
}

/*
 * Address authentication: PACIA signs, AUTIA gives the pointer back. A
 * user pointer has only a few PAC bits (7 with 48-bit addresses and a
 * tag byte), so one signature may leave it as it was: try several.
 */
static int probe_paca(void)
{
	uint64_t ptr = (uint64_t)(uintptr_t)&trap, mod, signed_ptr, back;
	int changed = 0;

	if (sigsetjmp(trap, 1))
		return 0;
	for (mod = 1; mod <= 16; mod++) {
		signed_ptr = ptr;
		asm volatile("pacia %0, %1" : "+r"(signed_ptr) : "r"(mod));
		back = signed_ptr;
		asm volatile("autia %0, %1" : "+r"(back) : "r"(mod));
		if (back != ptr)
			return 0;
		changed += signed_ptr != ptr;
	}
	return changed > 0;
}

/* Generic authentication: PACGA puts a code in the top 32 bits. */
static int probe_pacg(void)
{
	uint64_t code;

	if (sigsetjmp(trap, 1))
		return 0;
	asm volatile("pacga %0, %1, %2" : "=r"(code) : "r"(1ULL), "r"(2ULL));
	return (code >> 32) != 0;
}

/* MTE: memory tagged 1 must fault when stored to through tag 2. */
static int probe_mte(void)
{
	volatile uint64_t *p;
	uint64_t tagged;
	void *mem;
	int ret = 0;

	if (!(getauxval(AT_HWCAP2) & HWCAP2_MTE))
		return 0;
	if (prctl(PR_SET_TAGGED_ADDR_CTRL,
		  PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC |
			  (0xfffeUL << PR_MTE_TAG_SHIFT),
		  0, 0, 0))
		return 0;
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_MTE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 0;
	tagged = (uint64_t)(uintptr_t)mem | 1ULL << 56;
	asm volatile("stg %0, [%0]" : : "r"(tagged) : "memory");
	p = (volatile uint64_t *)(uintptr_t)tagged;
	*p = 1; /* the right tag: no fault */
	trap_code = 0;
	if (!sigsetjmp(trap, 1)) {
		p = (volatile uint64_t *)(uintptr_t)(tagged + (1ULL << 56));
		*p = 2; /* tag 2: must fault */
	} else {
		ret = trap_code == SEGV_MTESERR;
	}
	munmap(mem, 4096);
	return ret;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static volatile uint64_t sink;

/* A little work to count: about 100 million cycles in the test host. */
static void busy(void)
{
	uint64_t i;

	for (i = 0; i < 5000000; i++)
		sink += i;
}

static int perf_open(struct perf_event_attr *attr)
{
	return (int)syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
}

static void probe_perf(int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
	};
	struct perf_event_mmap_page *page;
	long psize = sysconf(_SC_PAGESIZE);
	uint64_t count = 0;
	int fd, sfd;

	fd = perf_open(&attr);
	if (fd < 0) {
		printf("PERF cpu=%d none errno=%d\n", cpu, errno);
		return;
	}
	/* A sampling event: every sample is a PMU overflow interrupt. */
	attr.sample_period = 1000000;
	attr.sample_type = PERF_SAMPLE_IP;
	attr.wakeup_events = 1;
	sfd = perf_open(&attr);
	page = sfd < 0 ? MAP_FAILED :
			 mmap(NULL, psize * 9, PROT_READ | PROT_WRITE,
			      MAP_SHARED, sfd, 0);
	busy();
	if (read(fd, &count, sizeof(count)) != sizeof(count))
		count = 0;
	printf("PERF cpu=%d cycles=%llu samples=%llu\n", cpu,
	       (unsigned long long)count,
	       page == MAP_FAILED ?
		       0ULL :
		       (unsigned long long)(page->data_head /
					    (sizeof(struct perf_event_header) +
					     sizeof(uint64_t))));
	if (page != MAP_FAILED)
		munmap(page, psize * 9);
	if (sfd >= 0)
		close(sfd);
	close(fd);
}

int main(int argc, char **argv)
{
	int cpu, perf, ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);

	if (argc != 2 || (strcmp(argv[1], "cpus") && strcmp(argv[1], "perf"))) {
		fprintf(stderr, "usage: featprobe cpus|perf\n");
		return 2;
	}
	perf = !strcmp(argv[1], "perf");
	catch_traps();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (cpu = 0; cpu < ncpus; cpu++) {
		if (pin(cpu))
			continue; /* offline */
		if (perf) {
			probe_perf(cpu);
			continue;
		}
		printf("FEAT cpu=%d sve=%u paca=%d pacg=%d mte=%d\n", cpu,
		       probe_sve(), probe_paca(), probe_pacg(), probe_mte());
	}
	return 0;
}
