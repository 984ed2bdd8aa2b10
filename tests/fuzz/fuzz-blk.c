// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: virtio-blk request parsing and execution. The input
 * sets up the device (read-only, negotiated features, capacity, failing
 * backend) and then gives one or more chains: for each, its buffers
 * (readable or writable, length, region, contents taken from the input)
 * laid out direct or in an indirect table. Each chain is popped from a
 * real virtqueue and handled as lkvm would; the RAM disk treats any
 * access outside the capacity as a finding, and the status byte must be
 * one the spec defines.
 */
#include "fuzz.h"
#include "fuzz-blk-disk.h"

#include "kvm/virtio-blk.h"
#include "kvm/virtqueue.h"

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#define QSIZE 16
#define DESC_GPA FAKE_A_GPA
#define AVAIL_GPA (FAKE_A_GPA + 0x1000)
#define USED_GPA (FAKE_A_GPA + 0x2000)
#define TABLE_GPA (FAKE_A_GPA + 0x3000)
#define BUF_GPA (FAKE_A_GPA + 0x4000)
#define MAX_BUFS 8

static void put_desc(struct fake_mem *fm, uint64_t at, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = { addr, len, flags, next };

	memcpy(fake_mem__host(fm, at), &d, sizeof(d));
}

/* One chain from the input; false when the input ran out. */
static bool one_request(struct fake_mem *fm, struct virtq *vq,
			struct virtio_blk *blk, struct input *in,
			uint16_t *avail_idx)
{
	static struct virtq_chain c;
	uint8_t mode = IN8(in);
	unsigned int n = 1 + mode % MAX_BUFS, i;
	bool indirect = mode & 0x80;
	uint64_t at = BUF_GPA, table = indirect ? TABLE_GPA : DESC_GPA;
	uint64_t b_at = FAKE_B_GPA;
	uint16_t head = IN8(in) % QSIZE, *avail;
	uint32_t used_len;
	int ret;

	if (!in->n)
		return false;
	for (i = 0; i < n; i++) {
		uint8_t sel = IN8(in);
		uint32_t len = sel & 0x40 ? IN16(in) % 1100 : IN8(in) % 40;
		uint16_t flags = sel & 1 ? VRING_DESC_F_WRITE : 0;
		uint64_t *pos = sel & 2 ? &b_at : &at;
		uint64_t end = sel & 2 ? FAKE_END : FAKE_HOLE_GPA;
		uint16_t idx = indirect ? i : (head + i) % QSIZE;
		uint16_t next = indirect ? i + 1 : (head + i + 1) % QSIZE;
		size_t copy;

		if (len == 0 || len > end - *pos)
			len = 1;
		copy = len < in->n ? len : in->n;
		memcpy(fake_mem__host(fm, *pos), in->p, copy);
		in->p += copy;
		in->n -= copy;
		put_desc(fm, table + 16ULL * idx, *pos, len,
			 flags | (i + 1 < n ? VRING_DESC_F_NEXT : 0), next);
		*pos = (*pos + len + 15) & ~15ULL;
	}
	if (indirect)
		put_desc(fm, DESC_GPA + 16ULL * head, TABLE_GPA, 16 * n,
			 VRING_DESC_F_INDIRECT, 0);

	avail = fake_mem__host(fm, AVAIL_GPA);
	avail[2 + *avail_idx % QSIZE] = head;
	avail[1] = ++*avail_idx;
	ret = virtq__pop(vq, &c);
	if (ret != 1)
		return ret == 0; /* a broken queue ends this input */
	ret = virtio_blk__handle(blk, vq, &c, &used_len);
	if (ret) {
		FUZZ_ASSERT(c.in_len == 0 && vq->broken);
		return false;
	}
	FUZZ_ASSERT(used_len >= 1 && used_len <= c.in_len);
	FUZZ_ASSERT(virtq__push(vq, &c, used_len) == 0);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_disk disk;
	static struct virtio_blk blk;
	static struct virtq vq;
	struct fake_mem *fm = fuzz_mem();
	struct input in = { data, size };
	struct virtio_blk_params p = { .serial = "fuzz-serial" };
	uint8_t hdr = IN8(&in), lim = IN8(&in);
	uint16_t avail_idx = 0;
	uint64_t features = 0;
	unsigned int n = 0;

	disk.capacity = p.capacity = DISK_SECTORS - (lim & 0x3f);
	disk.fail = lim & 0x40 ? -EIO : 0;
	p.ro = hdr & 1;
	p.write_zeroes_may_unmap = hdr & 2;
	p.max_discard_seg = 1 + (hdr >> 4) % 4;
	p.max_discard_sectors = 1 + (lim >> 2);
	p.max_write_zeroes_sectors = 1 + (lim >> 3);
	if (virtio_blk__init(&blk, &p, &fuzz_disk_ops, &disk))
		abort();
	/* What the driver took: FLUSH, DISCARD, WRITE_ZEROES or not. */
	if (hdr & 4)
		features |= 1ULL << VIRTIO_BLK_F_FLUSH;
	if (hdr & 8)
		features |= 1ULL << VIRTIO_BLK_F_DISCARD;
	if (lim & 0x80)
		features |= 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	virtio_blk__set_features(&blk, features);
	virtq__init(&vq, &fm->mem, NULL, NULL);
	vq.size = QSIZE;
	vq.desc_gpa = DESC_GPA;
	vq.avail_gpa = AVAIL_GPA;
	vq.used_gpa = USED_GPA;
	vq.indirect = true;
	if (virtq__start(&vq))
		abort();
	while (n++ < 64 && one_request(fm, &vq, &blk, &in, &avail_idx))
		;
	return 0;
}

#ifdef FUZZ_SEEDS
static void hdr16(struct seed *sd, uint32_t type, uint64_t sector)
{
	put(sd, type, 4);
	put(sd, 0, 4);
	put(sd, sector, 8);
}

/* A buffer: sel, then its length (16-bit form), then contents. */
static void buf(struct seed *sd, bool writable, uint16_t len)
{
	put(sd, 0x40 | (writable ? 1 : 0), 1);
	put(sd, len, 2);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	struct seed sd = { .n = 0 };
	int i;

	put(&sd, 0x10 | 8 | 4 | 2, 1); /* two discard segments allowed */
	put(&sd, 0x80, 1);
	/* A read of two sectors. */
	put(&sd, 2, 1);
	put(&sd, 0, 1);
	buf(&sd, false, 16);
	hdr16(&sd, VIRTIO_BLK_T_IN, 3);
	buf(&sd, true, 1024);
	for (i = 0; i < 1024; i++)
		put(&sd, 0, 1);
	buf(&sd, true, 1);
	put(&sd, 0xee, 1);
	/* A write of one sector, header and data in one buffer, indirect. */
	put(&sd, 0x80 | 1, 1);
	put(&sd, 3, 1);
	buf(&sd, false, 16 + 512);
	hdr16(&sd, VIRTIO_BLK_T_OUT, 7);
	for (i = 0; i < 512; i++)
		put(&sd, i, 1);
	buf(&sd, true, 1);
	put(&sd, 0xee, 1);
	/* A discard of two segments. */
	put(&sd, 1, 1);
	put(&sd, 6, 1);
	buf(&sd, false, 48);
	hdr16(&sd, VIRTIO_BLK_T_DISCARD, 0);
	hdr16(&sd, 2, 4); /* sector 2, 4 sectors, flags 0 */
	put(&sd, 9, 8);
	put(&sd, 1, 8);
	buf(&sd, true, 1);
	put(&sd, 0xee, 1);
	/* GET_ID, write zeroes with unmap, flush. */
	put(&sd, 1, 1);
	put(&sd, 9, 1);
	buf(&sd, false, 16);
	hdr16(&sd, VIRTIO_BLK_T_GET_ID, 0);
	buf(&sd, true, 21);
	for (i = 0; i < 21; i++)
		put(&sd, 0, 1);
	put(&sd, 1, 1);
	put(&sd, 12, 1);
	buf(&sd, false, 32);
	hdr16(&sd, VIRTIO_BLK_T_WRITE_ZEROES, 0);
	put(&sd, 5, 8);
	put(&sd, 3, 4);
	put(&sd, 1, 4);
	buf(&sd, true, 1);
	put(&sd, 0xee, 1);
	put(&sd, 1, 1);
	put(&sd, 14, 1);
	buf(&sd, false, 16);
	hdr16(&sd, VIRTIO_BLK_T_FLUSH, 0);
	buf(&sd, true, 1);
	put(&sd, 0xee, 1);
	seed_write(dir, "requests", &sd);
	return 0;
}
#endif
