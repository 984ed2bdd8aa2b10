// SPDX-License-Identifier: GPL-2.0
/*
 * mkzboot COMP PAYLOAD UNPACKED_SIZE OUT: wrap an already compressed kernel
 * (PAYLOAD, compressed with COMP: gzip, zstd22, ...) in an EFI zboot
 * header, as Linux's drivers/firmware/efi/libstub/zboot-header.S lays it
 * out, for lkvm's tests. Only what loaders other than EFI firmware read is
 * there: the result is no EFI application.
 */
#include "kernel-files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(n ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = (size_t)n;
out:
	if (f)
		fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	uint8_t *payload, *out;
	size_t len = 0, total = 0;
	unsigned long size;
	char *end;
	FILE *f;

	if (argc != 5) {
		fprintf(stderr,
			"usage: mkzboot COMP PAYLOAD UNPACKED_SIZE OUT\n");
		return 2;
	}
	size = strtoul(argv[3], &end, 0);
	if (*end || size > UINT32_MAX) {
		fprintf(stderr, "mkzboot: bad size '%s'\n", argv[3]);
		return 2;
	}
	payload = slurp(argv[2], &len);
	if (!payload || len > UINT32_MAX) {
		fprintf(stderr, "mkzboot: cannot read %s\n", argv[2]);
		return 1;
	}
	out = kf_zboot(argv[1], payload, len, (uint32_t)size, &total);
	f = fopen(argv[4], "wb");
	if (!out || !f || fwrite(out, 1, total, f) != total || fclose(f)) {
		fprintf(stderr, "mkzboot: cannot write %s\n", argv[4]);
		return 1;
	}
	free(payload);
	free(out);
	return 0;
}
