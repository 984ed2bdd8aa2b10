# lkvm: a small arm64 KVM VMM with PSCI in userspace.
#
#   make                 lkvm (on arm64 hosts) and the unit tests
#   make lkvm-arm64      a static aarch64 lkvm, cross-built on any host
#   make guests          the freestanding arm64 PSCI test guests
#   make unit            run the unit tests (also unit-asan, unit-tsan)
#   make check           install what is missing, build, run every test
#   make check-long      the same, with the full 1000-cycle hotplug stress
#   make demo            boot the default guest to a shell
#   make format-check    clang-format conformance

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

# Pure modules: no ioctl, no <asm/kvm.h>; built and unit-tested anywhere.
PURE_SRCS := mmio.c run-options.c util/size.c util/panic-watch.c \
	util/read-full.c util/time.c util/input.c util/histogram.c \
	hw/serial.c hw/pvpanic.c \
	arm/fdt.c arm/image.c arm/layout.c \
	hypercall/smccc.c psci/power.c psci/psci.c psci/inject.c \
	psci/result.c control/proto.c control/evq.c control/server.c \
	control/socket.c control/format.c control/client.c
# KVM glue and the command layer: arm64 only.
GLUE_SRCS := main.c builtin-run.c builtin-ctl.c util/log.c term.c \
	arm/kvm.c arm/kvm-cpu.c arm/gic.c arm/boot.c arm/psci.c arm/control.c \
	arm/control-cmds.c
LKVM_SRCS := $(PURE_SRCS) $(GLUE_SRCS)

UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_SUITES := $(patsubst tests/unit/test-%.c,%,$(UNIT_SRCS))
UNIT_LIB_SRCS := tests/unit/main.c tests/unit/lock-seam.c
# The lock seam (tests/unit/lock-seam.h) sees every pthread_mutex_lock.
UNIT_LDFLAGS := -Wl,--wrap=pthread_mutex_lock

.PHONY: FORCE all lkvm-arm64 guests unit unit-asan unit-tsan check \
	check-long demo \
	format-check clean bench
.DEFAULT_GOAL := all

ifeq ($(ARCH),arm64)
ifneq ($(CROSS_COMPILE),)
# Cross build: always static, with libfdt from the arm64 sysroot.
LKVM_OUT := $(BUILD)/arm64
LKVM_CFLAGS := $(BASE_CFLAGS) -I$(ARM64_SYSROOT)/usr/include
LKVM_LDFLAGS := -static -L$(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu
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
	$(CC) $(LKVM_LDFLAGS) -o $@ $^ -lfdt -lpthread

# A pty driver for the console tests in the test host (not part of lkvm).
$(LKVM_OUT)/ptyrun: tests/testhost/ptyrun.c
	@mkdir -p $(dir $@)
	$(CC) $(LKVM_CFLAGS) $(LKVM_LDFLAGS) -o $@ $<

# A misbehaving control-socket client for the scenarios (not part of lkvm).
$(LKVM_OUT)/ctlpoke: tests/testhost/ctlpoke.c control/proto.c control/socket.c
	@mkdir -p $(dir $@)
	$(CC) $(LKVM_CFLAGS) $(LKVM_LDFLAGS) -o $@ $^

# main.o carries the version string: rebuild it whenever lkvm is linked.
$(LKVM_OUT)/main.o: FORCE
FORCE:

lkvm-arm64:
	@tools/arm64-sysroot >/dev/null
	$(MAKE) ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		$(BUILD)/arm64/lkvm $(BUILD)/arm64/ptyrun $(BUILD)/arm64/ctlpoke

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
		$(PURE_SRCS) $(UNIT_SRCS) $(UNIT_LIB_SRCS))
	gcc $(2) $(UNIT_LDFLAGS) -o $$@ $$^ -lfdt -lpthread
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

# --- whole-project jobs -------------------------------------------------
check:
	tests/run-all

check-long:
	LKVM_CHECK_LONG=1 tests/run-all

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
