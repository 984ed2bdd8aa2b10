// SPDX-License-Identifier: GPL-2.0
/*
 * The bounded event queue from vCPU threads to the control thread (see
 * kvm/control-server.h). A ring under a mutex held only to copy one
 * event: producers never wait on the consumer.
 */
#include "kvm/control-server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ctl_evq__init(struct ctl_evq *q, unsigned int cap)
{
	int ret;

	memset(q, 0, sizeof(*q));
	if (!cap)
		return -EINVAL;
	q->ring = calloc(cap, sizeof(*q->ring));
	if (!q->ring)
		return -ENOMEM;
	ret = pthread_mutex_init(&q->lock, NULL);
	if (ret) {
		free(q->ring);
		q->ring = NULL;
		return -ret;
	}
	q->cap = cap;
	return 0;
}

void ctl_evq__destroy(struct ctl_evq *q)
{
	if (!q->ring)
		return;
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	q->ring = NULL;
}

bool ctl_evq__push(struct ctl_evq *q, const struct ctl_event *ev)
{
	bool ok;

	pthread_mutex_lock(&q->lock);
	ok = q->count < q->cap;
	if (ok) {
		q->ring[(q->head + q->count) % q->cap] = *ev;
		q->count++;
	} else {
		q->lost++;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

unsigned int ctl_evq__pop(struct ctl_evq *q, struct ctl_event *out,
			  unsigned int max, uint64_t *lost)
{
	unsigned int n = 0;

	pthread_mutex_lock(&q->lock);
	while (n < max && q->count) {
		out[n++] = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	/* Lost events came after all the queued ones: report them last. */
	*lost = 0;
	if (!q->count) {
		*lost = q->lost;
		q->lost = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return n;
}
