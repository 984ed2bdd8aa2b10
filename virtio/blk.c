// SPDX-License-Identifier: GPL-2.0
#include "kvm/virtio-blk.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#define BIT64(n) (1ULL << (n))
#define HDR_SIZE sizeof(struct virtio_blk_outhdr)
#define SEG_SIZE sizeof(struct virtio_blk_discard_write_zeroes)

_Static_assert(offsetof(struct virtio_blk_config, max_secure_erase_sectors) ==
		       VIRTIO_BLK_CONFIG_SIZE,
	       "config space size");

static void build_config(struct virtio_blk *blk)
{
	struct virtio_blk_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.capacity = htole64(blk->p.capacity);
	cfg.seg_max = htole32(VIRTIO_BLK_QUEUE_SIZE - 2);
	cfg.blk_size = htole32(blk->p.blk_size);
	if (blk->features & BIT64(VIRTIO_BLK_F_DISCARD)) {
		cfg.max_discard_sectors = htole32(blk->p.max_discard_sectors);
		cfg.max_discard_seg = htole32(blk->p.max_discard_seg);
		cfg.discard_sector_alignment =
			htole32(blk->p.discard_sector_alignment);
	}
	if (blk->features & BIT64(VIRTIO_BLK_F_WRITE_ZEROES)) {
		cfg.max_write_zeroes_sectors =
			htole32(blk->p.max_write_zeroes_sectors);
		cfg.max_write_zeroes_seg = htole32(blk->p.max_write_zeroes_seg);
		cfg.write_zeroes_may_unmap = blk->p.write_zeroes_may_unmap;
	}
	memcpy(blk->config, &cfg, sizeof(blk->config));
}

uint64_t virtio_blk__capacity(uint64_t size, bool *partial)
{
	*partial = size % VIRTIO_BLK_SECTOR != 0;
	return size / VIRTIO_BLK_SECTOR;
}

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

int virtio_blk__init(struct virtio_blk *blk,
		     const struct virtio_blk_params *params,
		     const struct virtio_blk_backend_ops *be, void *be_opaque)
{
	struct virtio_blk_params *p = &blk->p;

	if (!be || !be->readv || !be->writev || !be->flush)
		return -EINVAL;
	memset(blk, 0, sizeof(*blk));
	*p = *params;
	p->blk_size = or_default(p->blk_size, VIRTIO_BLK_SECTOR);
	p->max_discard_sectors = or_default(p->max_discard_sectors, 1u << 22);
	p->max_discard_seg =
		or_default(p->max_discard_seg, VIRTIO_BLK_MAX_SEGS);
	p->discard_sector_alignment = or_default(
		p->discard_sector_alignment, p->blk_size / VIRTIO_BLK_SECTOR);
	p->max_write_zeroes_sectors =
		or_default(p->max_write_zeroes_sectors, 1u << 22);
	p->max_write_zeroes_seg =
		or_default(p->max_write_zeroes_seg, VIRTIO_BLK_MAX_SEGS);
	/* A power of 2 from 512 to 64 KiB, as Linux accepts. */
	if (p->blk_size < VIRTIO_BLK_SECTOR || p->blk_size > 65536 ||
	    (p->blk_size & (p->blk_size - 1)) ||
	    p->max_discard_seg > VIRTIO_BLK_MAX_SEGS ||
	    p->max_write_zeroes_seg > VIRTIO_BLK_MAX_SEGS ||
	    p->capacity > UINT64_MAX / VIRTIO_BLK_SECTOR)
		return -EINVAL;
	blk->be = be;
	blk->be_opaque = be_opaque;

	blk->features = BIT64(VIRTIO_BLK_F_SEG_MAX) |
			BIT64(VIRTIO_BLK_F_BLK_SIZE) |
			BIT64(VIRTIO_BLK_F_FLUSH);
	if (p->ro)
		blk->features |= BIT64(VIRTIO_BLK_F_RO);
	if (!p->ro && be->discard)
		blk->features |= BIT64(VIRTIO_BLK_F_DISCARD);
	if (!p->ro && be->write_zeroes)
		blk->features |= BIT64(VIRTIO_BLK_F_WRITE_ZEROES);
	build_config(blk);
	return 0;
}

uint64_t virtio_blk__device_features(const struct virtio_blk *blk)
{
	return blk->features;
}

void virtio_blk__config_read(const struct virtio_blk *blk, uint32_t offset,
			     uint8_t *data, uint32_t len)
{
	if (offset >= sizeof(blk->config) ||
	    len > sizeof(blk->config) - offset) {
		memset(data, 0, len);
		return;
	}
	memcpy(data, blk->config + offset, len);
}

void virtio_blk__set_features(struct virtio_blk *blk, uint64_t features)
{
	blk->negotiated = features;
}

/* --- parsing ------------------------------------------------------- */

/* Copy len bytes from the start of iov[0, cnt) into dst: once. */
static void gather(const struct iovec *iov, unsigned int cnt, void *dst,
		   size_t len)
{
	uint8_t *out = dst;
	unsigned int i;

	for (i = 0; i < cnt && len; i++) {
		size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;

		memcpy(out, iov[i].iov_base, n);
		out += n;
		len -= n;
	}
}

/* Drop the first skip bytes of iov[*first, end) in place. */
static void skip_front(struct iovec *iov, unsigned int *first, unsigned int end,
		       size_t skip)
{
	while (*first < end && skip) {
		struct iovec *v = &iov[*first];

		if (v->iov_len > skip) {
			v->iov_base = (uint8_t *)v->iov_base + skip;
			v->iov_len -= skip;
			return;
		}
		skip -= v->iov_len;
		(*first)++;
	}
}

static bool range_ok(const struct virtio_blk *blk, uint64_t sector, uint64_t nr)
{
	return sector <= blk->p.capacity && nr <= blk->p.capacity - sector;
}

static uint8_t parse_segs(struct virtio_blk *blk, struct virtio_blk_req *req)
{
	bool discard = req->type == VIRTIO_BLK_T_DISCARD;
	uint32_t max_seg =
		discard ? blk->p.max_discard_seg : blk->p.max_write_zeroes_seg;
	uint32_t max_sectors = discard ? blk->p.max_discard_sectors :
					 blk->p.max_write_zeroes_sectors;
	uint32_t allowed = discard ? 0 : VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	unsigned int i;

	if (req->len == 0 || req->len % SEG_SIZE ||
	    req->len / SEG_SIZE > max_seg)
		return VIRTIO_BLK_S_IOERR;
	req->nr_segs = req->len / SEG_SIZE;
	/* One copy, then check and use only the copy. */
	gather(req->iov, req->iovcnt, req->segs, req->len);
	for (i = 0; i < req->nr_segs; i++) {
		struct virtio_blk_discard_write_zeroes *s = &req->segs[i];

		s->sector = le64toh(s->sector);
		s->num_sectors = le32toh(s->num_sectors);
		s->flags = le32toh(s->flags);
		if (s->flags & ~allowed)
			return VIRTIO_BLK_S_UNSUPP;
		if (s->num_sectors > max_sectors ||
		    !range_ok(blk, s->sector, s->num_sectors))
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/* Which types move data which way, and which the driver may send. */
static uint8_t check_type(struct virtio_blk *blk, uint32_t type,
			  bool *readable_data)
{
	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		*readable_data = false;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		*readable_data = true; /* and it must carry none */
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_OUT:
		*readable_data = true;
		return blk->p.ro ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		*readable_data = true;
		if (blk->p.ro)
			return VIRTIO_BLK_S_IOERR;
		if (!(blk->negotiated & blk->features &
		      BIT64(type == VIRTIO_BLK_T_DISCARD ?
				    VIRTIO_BLK_F_DISCARD :
				    VIRTIO_BLK_F_WRITE_ZEROES)))
			return VIRTIO_BLK_S_UNSUPP;
		return VIRTIO_BLK_S_OK;
	}
	return VIRTIO_BLK_S_UNSUPP;
}

static uint8_t parse_body(struct virtio_blk *blk, struct virtq_chain *c,
			  struct virtio_blk_req *req)
{
	struct virtio_blk_outhdr hdr = { 0 };
	unsigned int first = 0, nr = c->nr_out + c->nr_in;
	bool readable_data;
	uint8_t ret;

	if (c->out_len < HDR_SIZE)
		return VIRTIO_BLK_S_IOERR;
	gather(c->iov, c->nr_out, &hdr, HDR_SIZE);
	req->type = le32toh(hdr.type);
	req->sector = le64toh(hdr.sector);
	ret = check_type(blk, req->type, &readable_data);
	if (ret != VIRTIO_BLK_S_OK)
		return ret;

	if (readable_data) {
		/* Data after the header; the status byte is all we write. */
		if (c->in_len != 1)
			return VIRTIO_BLK_S_IOERR;
		skip_front(c->iov, &first, c->nr_out, HDR_SIZE);
		req->iov = &c->iov[first];
		req->iovcnt = c->nr_out - first;
		req->len = c->out_len - HDR_SIZE;
	} else {
		/* The header alone, then data and status to write. */
		if (c->out_len != HDR_SIZE)
			return VIRTIO_BLK_S_IOERR;
		req->iov = &c->iov[c->nr_out];
		req->iovcnt = c->nr_in - 1;
		req->len = c->in_len - 1;
		if (c->iov[nr - 1].iov_len)
			req->iovcnt++; /* data shares the status's buffer */
	}

	switch (req->type) {
	case VIRTIO_BLK_T_FLUSH:
		return req->len ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return parse_segs(blk, req);
	}
	if (req->len % VIRTIO_BLK_SECTOR ||
	    !range_ok(blk, req->sector, req->len / VIRTIO_BLK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

int virtio_blk__parse(struct virtio_blk *blk, struct virtq_chain *c,
		      struct virtio_blk_req *req)
{
	struct iovec *last;

	memset(req, 0, offsetof(struct virtio_blk_req, segs));
	if (c->in_len == 0)
		return -EIO;
	/* The status is the last writable byte; trim it off the data. */
	last = &c->iov[c->nr_out + c->nr_in - 1];
	req->status = (uint8_t *)last->iov_base + last->iov_len - 1;
	last->iov_len--;
	req->result = parse_body(blk, c, req);
	return 0;
}

/* --- execution ----------------------------------------------------- */

static size_t scatter(const struct iovec *iov, unsigned int cnt,
		      const void *src, size_t len)
{
	const uint8_t *in = src;
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < cnt && done < len; i++) {
		size_t n = iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(iov[i].iov_base, in + done, n);
		done += n;
	}
	return done;
}

static int run_segs(struct virtio_blk *blk, struct virtio_blk_req *req)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < req->nr_segs && !ret; i++) {
		const struct virtio_blk_discard_write_zeroes *s = &req->segs[i];
		uint64_t off = s->sector * VIRTIO_BLK_SECTOR;
		uint64_t len = (uint64_t)s->num_sectors * VIRTIO_BLK_SECTOR;
		bool unmap = (s->flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) &&
			     blk->p.write_zeroes_may_unmap;

		if (!len)
			continue;
		if (req->type == VIRTIO_BLK_T_DISCARD)
			ret = blk->be->discard(blk->be_opaque, off, len);
		else
			ret = blk->be->write_zeroes(blk->be_opaque, off, len,
						    unmap);
	}
	return ret;
}

static int run(struct virtio_blk *blk, struct virtio_blk_req *req)
{
	uint64_t off = req->sector * VIRTIO_BLK_SECTOR;
	int ret;

	switch (req->type) {
	case VIRTIO_BLK_T_IN:
		if (!req->len)
			return 0;
		ret = blk->be->readv(blk->be_opaque, req->iov, req->iovcnt,
				     off);
		if (!ret)
			req->written = req->len;
		return ret;
	case VIRTIO_BLK_T_OUT:
		if (!req->len)
			return 0;
		ret = blk->be->writev(blk->be_opaque, req->iov, req->iovcnt,
				      off);
		/* A driver that did not take FLUSH gets write-through. */
		if (!ret && !(blk->negotiated & BIT64(VIRTIO_BLK_F_FLUSH)))
			ret = blk->be->flush(blk->be_opaque);
		return ret;
	case VIRTIO_BLK_T_FLUSH:
		return blk->be->flush(blk->be_opaque);
	case VIRTIO_BLK_T_GET_ID:
		req->written = scatter(req->iov, req->iovcnt, blk->p.serial,
				       sizeof(blk->p.serial));
		return 0;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return run_segs(blk, req);
	}
	return -EINVAL;
}

void virtio_blk__execute(struct virtio_blk *blk, struct virtio_blk_req *req)
{
	if (req->result != VIRTIO_BLK_S_OK)
		return;
	if (run(blk, req))
		req->result = VIRTIO_BLK_S_IOERR;
}

uint32_t virtio_blk__complete(struct virtio_blk_req *req)
{
	__atomic_store_n(req->status, req->result, __ATOMIC_RELAXED);
	if (req->result != VIRTIO_BLK_S_OK)
		return 1;
	return req->written + 1;
}

int virtio_blk__handle(void *opaque, struct virtq *vq, struct virtq_chain *c,
		       uint32_t *used_len)
{
	struct virtio_blk *blk = opaque;
	struct virtio_blk_req req;

	if (virtio_blk__parse(blk, c, &req)) {
		virtq__fail(vq, "block request without a status byte");
		return -EIO;
	}
	virtio_blk__execute(blk, &req);
	*used_len = virtio_blk__complete(&req);
	return 0;
}
