# lkvm: a small arm64 KVM VMM with PSCI in userspace.
#
#   make                 lkvm (on arm64 hosts) and the unit tests
#   make lkvm-arm64      a static aarch64 lkvm, cross-built on any host
#   make guests          the freestanding arm64 test guests
#   make unit            run the unit tests (also unit-asan, unit-tsan)
#   make lkvm-arm64-ubsan, lkvm-arm64-asan
#                        the same under UBSan (trapping, static) and under
#                        ASan+UBSan (dynamic), in build/arm64-{ubsan,asan}
#   make check           install what is missing, build, run every test
#   make check-long      the long stress runs (reboots, resets, a flood,
#                        1000 hotplug cycles)
#   make demo            boot the default guest to a shell
#   make format-check    clang-format conformance
#   make fuzz            every fuzzer, FUZZ_TIME (300) seconds each

HOST_ARCH := $(shell uname -m | sed -e s/aarch64/arm64/)
ARCH ?= $(HOST_ARCH)
CROSS_COMPILE ?=
CC := $(CROSS_COMPILE)gcc
BUILD ?= build
LKVM_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/lkvm
ARM64_SYSROOT ?= $(LKVM_CACHE)/sysroot-arm64
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

WARNINGS := -Wall -Wextra -Werror -Wno-missing-field-initializers
BASE_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -D_GNU_SOURCE -Iinclude \
	-DLKVM_VERSION='"$(VERSION)"'

# virtio transport, virtqueue and device parsers (pure; also fuzzed).
VIRTIO_SRCS := util/guest-mem.c virtio/virtqueue.c virtio/mmio.c virtio/blk.c \
	virtio/net.c virtio/net-stream.c \
	virtio/rng.c virtio/slots.c virtio/console.c
# Pure modules: no ioctl, no <asm/kvm.h>; built and unit-tested anywhere.
PURE_SRCS := mmio.c run-options.c util/size.c util/panic-watch.c \
	util/read-full.c util/time.c util/input.c util/reset.c util/disk.c \
	util/decompress.c util/cpulist.c util/histogram.c util/passt.c \
	util/passt-run.c \
	hw/serial.c hw/pvpanic.c \
	arm/fdt.c arm/image.c arm/kernel.c arm/layout.c arm/cpu-features.c \
	hypercall/smccc.c psci/power.c psci/psci.c psci/inject.c \
	psci/result.c control/proto.c control/evq.c control/server.c \
	control/socket.c control/format.c control/client.c \
	$(VIRTIO_SRCS)
# KVM glue and the command layer: arm64 only.
GLUE_SRCS := main.c builtin-run.c builtin-ctl.c util/log.c term.c \
	arm/kvm.c arm/kvm-cpu.c arm/gic.c arm/gic-reset.c arm/boot.c \
	arm/psci.c arm/kvm-features.c arm/virtio.c arm/virtio-devs.c \
	arm/virtio-console.c arm/control.c arm/control-cmds.c arm/sandbox.c \
	arm/virtio-net.c arm/tap.c arm/vhost-net.c
LKVM_SRCS := $(PURE_SRCS) $(GLUE_SRCS)
# libfdt; zlib and libzstd unpack compressed kernels.
LIBS := -lfdt -lz -lzstd -lpthread
# lkvm itself also links libseccomp (the sandbox, arm/sandbox.c).
LKVM_LIBS = -lfdt -lz -lzstd -lseccomp -lpthread

UNIT_SRCS := $(wildcard tests/unit/test-*.c)
# Fake guest RAM and a fake virtio driver, shared with the fuzzers.
UNIT_HELPERS := tests/unit/fake-mem.c tests/unit/vdriver.c
UNIT_SUITES := $(patsubst tests/unit/test-%.c,%,$(UNIT_SRCS))
UNIT_LIB_SRCS := tests/unit/main.c tests/unit/lock-seam.c
# The lock seam (tests/unit/lock-seam.h) sees every pthread_mutex_lock.
UNIT_LDFLAGS := -Wl,--wrap=pthread_mutex_lock

.PHONY: FORCE all lkvm-arm64 guests unit unit-asan unit-tsan check demo \
	format-check clean bench fuzz fuzz-build fuzz-seeds check-long \
	lkvm-arm64-ubsan lkvm-arm64-asan
.DEFAULT_GOAL := all

# Sanitized cross builds (SANITIZE=ubsan|asan), each in its own directory.
# ubsan: every check traps (GCC 12 has no -fsanitize-trap=, this is its
# spelling), so no runtime is needed and the binary stays static; a report
# is a BRK, which kills lkvm with SIGTRAP. asan: ASan and UBSan with their
# runtimes, which want a dynamic binary; the libraries lkvm links are still
# taken statically from the sysroot, so only glibc and the sanitizer
# runtimes are needed where it runs.
SAN_CFLAGS_ubsan := -fsanitize=undefined -fsanitize-undefined-trap-on-error
SAN_LDFLAGS_ubsan := -static
SAN_CFLAGS_asan := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_LDFLAGS_asan := $(SAN_CFLAGS_asan)
SAN_LIBS_asan := -Wl,-Bstatic -lfdt -lz -lzstd -lseccomp -Wl,-Bdynamic \
	-lpthread

ifeq ($(ARCH),arm64)
ifneq ($(CROSS_COMPILE),)
ifneq ($(SANITIZE),)
ifeq ($(SAN_CFLAGS_$(SANITIZE)),)
$(error SANITIZE=$(SANITIZE): use ubsan or asan)
endif
LKVM_OUT := $(BUILD)/arm64-$(SANITIZE)
LKVM_CFLAGS := $(BASE_CFLAGS) -I$(ARM64_SYSROOT)/usr/include \
	$(SAN_CFLAGS_$(SANITIZE))
LKVM_LDFLAGS := $(SAN_LDFLAGS_$(SANITIZE)) \
	-L$(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu
LKVM_LIBS := $(or $(SAN_LIBS_$(SANITIZE)),$(LKVM_LIBS))
else
# Cross build: always static, with libfdt from the arm64 sysroot.
LKVM_OUT := $(BUILD)/arm64
LKVM_CFLAGS := $(BASE_CFLAGS) -I$(ARM64_SYSROOT)/usr/include
LKVM_LDFLAGS := -static -L$(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu
endif
else
LKVM_OUT := $(BUILD)/native
LKVM_CFLAGS := $(BASE_CFLAGS)
LKVM_LDFLAGS :=
endif
all: $(LKVM_OUT)/lkvm
endif
all: $(BUILD)/host/unit-tests

# --- lkvm ---------------------------------------------------------------
LKVM_OBJS := $(patsubst %.c,$(LKVM_OUT)/%.o,$(LKVM_SRCS))

$(LKVM_OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LKVM_CFLAGS) -MMD -MP -c $< -o $@

$(LKVM_OUT)/lkvm: $(LKVM_OBJS)
	$(CC) $(LKVM_LDFLAGS) -o $@ $^ $(LKVM_LIBS)

# A pty driver for the console tests in the test host (not part of lkvm).
$(LKVM_OUT)/ptyrun: tests/testhost/ptyrun.c
	@mkdir -p $(dir $@)
	$(CC) $(LKVM_CFLAGS) $(LKVM_LDFLAGS) -o $@ $<

# featprobe checks the guest's CPU features in the scenarios: a static
# arm64 program, in a gzipped cpio to append to the guest's initramfs.
$(LKVM_OUT)/featprobe: tests/testhost/featprobe.c
	@mkdir -p $(dir $@)
	$(CC) $(LKVM_CFLAGS) -march=armv8.5-a+sve+memtag $(LKVM_LDFLAGS) \
		-o $@ $<

$(LKVM_OUT)/featprobe.cpio.gz: $(LKVM_OUT)/featprobe
	rm -rf $@.d && mkdir -p $@.d/bin && cp $< $@.d/bin/featprobe
	(cd $@.d && find . | LC_ALL=C sort | \
		cpio -o -H newc -R 0:0 --quiet | gzip -9n) > $@.tmp
	rm -rf $@.d && mv -f $@.tmp $@

# A misbehaving control-socket client for the scenarios (not part of lkvm).
$(LKVM_OUT)/ctlpoke: tests/testhost/ctlpoke.c control/proto.c control/socket.c
	@mkdir -p $(dir $@)
	$(CC) $(LKVM_CFLAGS) $(LKVM_LDFLAGS) -o $@ $^

# A UDP flood towards a guest, for virtio-net.sh (not part of lkvm).
$(LKVM_OUT)/udpflood: tests/testhost/udpflood.c
	@mkdir -p $(dir $@)
	$(CC) $(LKVM_CFLAGS) $(LKVM_LDFLAGS) -o $@ $<

# Makes a persistent tap owned by a user, for virtio-net-tap.sh (not part
# of lkvm).
$(LKVM_OUT)/mktap: tests/testhost/mktap.c
	@mkdir -p $(dir $@)
	$(CC) $(LKVM_CFLAGS) $(LKVM_LDFLAGS) -o $@ $<

# main.o carries the version string: rebuild it whenever lkvm is linked.
$(LKVM_OUT)/main.o: FORCE
FORCE:

lkvm-arm64:
	@tools/arm64-sysroot >/dev/null
	$(MAKE) ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		$(BUILD)/arm64/lkvm $(BUILD)/arm64/ptyrun \
		$(BUILD)/arm64/featprobe.cpio.gz $(BUILD)/arm64/ctlpoke \
		$(BUILD)/arm64/udpflood $(BUILD)/arm64/mktap

# The sanitized lkvm and a canary that makes one report on purpose, so the
# test host run shows that a report is caught (tests/testhost/run-sanitized).
lkvm-arm64-ubsan lkvm-arm64-asan: lkvm-arm64-%:
	@tools/arm64-sysroot >/dev/null
	$(MAKE) ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- SANITIZE=$* \
		$(BUILD)/arm64-$*/lkvm $(BUILD)/arm64-$*/san-canary

$(LKVM_OUT)/san-canary: tests/testhost/san-canary.c
	@mkdir -p $(dir $@)
	$(CC) $(LKVM_CFLAGS) $(LKVM_LDFLAGS) -o $@ $<

# Wraps a compressed kernel in an EFI zboot header (tests/testhost/mkkernels).
$(BUILD)/tools/mkzboot: tests/testhost/mkzboot.c tests/unit/kernel-files.h
	@mkdir -p $(dir $@)
	gcc $(BASE_CFLAGS) -Itests/unit -o $@ $< -lz -lzstd

# Freestanding arm64 test and benchmark guests (cross-built).
guests:
	$(MAKE) -C tests/guest BUILD=$(abspath $(BUILD))/guest

# --- unit tests ---------------------------------------------------------
# variant name, extra flags
define unit_variant
$(BUILD)/$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	gcc $(BASE_CFLAGS) $(2) -Itests/unit -I$(BUILD)/$(1) -MMD -MP \
		-c $$< -o $$@

$(BUILD)/$(1)/tests/unit/main.o: $(BUILD)/$(1)/suites.h

$(BUILD)/$(1)/suites.h: $(UNIT_SRCS) Makefile
	@mkdir -p $$(dir $$@)
	@printf 'SUITE(%s)\n' $(subst -,_,$(UNIT_SUITES)) > $$@

$(BUILD)/$(1)/unit-tests: $(patsubst %.c,$(BUILD)/$(1)/%.o,\
		$(PURE_SRCS) $(UNIT_SRCS) $(UNIT_LIB_SRCS) $(UNIT_HELPERS))
	gcc $(2) $(UNIT_LDFLAGS) -o $$@ $$^ $(LIBS)
endef

$(eval $(call unit_variant,host,))
ASAN_FLAGS := -fsanitize=address -fsanitize=undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
$(eval $(call unit_variant,asan,$(ASAN_FLAGS)))
$(eval $(call unit_variant,tsan,-fsanitize=thread))

unit: $(BUILD)/host/unit-tests
	$<

unit-asan: $(BUILD)/asan/unit-tests
	TEST_PREFIX=asan $<

unit-tsan: $(BUILD)/tsan/unit-tests
	TEST_PREFIX=tsan $< $(TSAN_FILTER)

# --- fuzzing (clang's libFuzzer, ASan, UBSan) ----------------------------
# One target per parser (the virtio ones and the control protocol), linked
# with the same sources as lkvm.
FUZZ_TARGETS := virtqueue mmio blk net net-stream console ctl
FUZZ_LINK := $(VIRTIO_SRCS) mmio.c util/time.c control/proto.c $(UNIT_HELPERS)
FUZZ_CFLAGS := $(BASE_CFLAGS) -Itests/unit -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TIME ?= 300
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz-%,$(FUZZ_TARGETS))

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_LINK) tests/fuzz/*.h \
		tests/unit/*.h include/kvm/*.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LINK) -lpthread

fuzz-build: $(FUZZ_BINS)

# make fuzz [FUZZ_TIME=seconds per target] [FUZZ_TARGETS="mmio ..."]
fuzz: fuzz-build
	tests/fuzz/run $(FUZZ_TIME) $(FUZZ_TARGETS)

# Rewrite the committed seed corpus from the encoders in the targets.
fuzz-seeds:
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p tests/fuzz/corpus/$$t $(BUILD)/fuzz && \
		gcc $(BASE_CFLAGS) -Itests/unit -DFUZZ_SEEDS \
			-o $(BUILD)/fuzz/seeds-$$t tests/fuzz/fuzz-$$t.c \
			$(FUZZ_LINK) -lpthread && \
		$(BUILD)/fuzz/seeds-$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# --- fuzzing the kernel loader (clang's libFuzzer, ASan, UBSan) ---------
FUZZ_KERNEL_SRCS := arm/kernel.c arm/image.c arm/layout.c \
	util/decompress.c util/read-full.c
FUZZ_KERNEL_DEPS := tests/fuzz/fuzz-kernel.c $(FUZZ_KERNEL_SRCS) \
	tests/unit/kernel-files.h include/kvm/*.h
.PHONY: fuzz-build fuzz-kernel fuzz-kernel-seeds

$(BUILD)/fuzz/fuzz-kernel: $(FUZZ_KERNEL_DEPS)
	@mkdir -p $(dir $@)
	clang $(BASE_CFLAGS) -Itests/unit -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ tests/fuzz/fuzz-kernel.c $(FUZZ_KERNEL_SRCS) -lz -lzstd

fuzz: fuzz-kernel
fuzz-kernel: $(BUILD)/fuzz/fuzz-kernel
	tests/fuzz/run-kernel $(FUZZ_TIME)

# Rewrite the committed seeds (tests/fuzz/corpus/kernel/).
fuzz-kernel-seeds:
	@mkdir -p $(BUILD)/fuzz tests/fuzz/corpus/kernel
	gcc $(BASE_CFLAGS) -Itests/unit -DFUZZ_SEEDS \
		-o $(BUILD)/fuzz/seeds-kernel tests/fuzz/fuzz-kernel.c \
		$(FUZZ_KERNEL_SRCS) -lz -lzstd
	$(BUILD)/fuzz/seeds-kernel tests/fuzz/corpus/kernel

# --- whole-project jobs -------------------------------------------------
check:
	tests/run-all

check-long:
	tests/run-long

demo:
	tools/install-deps
	$(MAKE) lkvm-arm64
	tools/demo

bench:
	@bench/run

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
