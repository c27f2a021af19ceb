/*
 * Mock dnsp_pipeline_process() and dnsp_snapshot_current() for the socket
 * back-end tests (see mock_pipeline.h). A mutex guards the record of the
 * last call: test code, not the fast path.
 */
#include <pthread.h>
#include <string.h>

#include "lib/pipeline.h"
#include "lib/snapshot.h"
#include "mock_pipeline.h"

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mock_seen seen;
static struct dnsp_snapshot dummy_snapshot;

const struct dnsp_snapshot *dnsp_snapshot_current(void)
{
	return &dummy_snapshot;
}

void dnsp_worker_ctx_init(struct dnsp_worker_ctx *w, struct dnsp_stats *st, uint32_t id,
			  uint64_t seed)
{
	w->stats = st;
	w->id = id;
	w->rng = seed | 1;
}

int dnsp_pipeline_process(const struct dnsp_snapshot *s, struct dnsp_pkt *p,
			  struct dnsp_worker_ctx *w)
{
	(void)s;
	(void)w;
	pthread_mutex_lock(&seen_lock);
	seen.calls++;
	seen.family = p->family;
	seen.tcp = p->tcp;
	seen.listener = p->listener;
	seen.src_port = p->src_port;
	seen.len = p->len;
	seen.cap = p->cap;
	memcpy(seen.src, p->src, sizeof(seen.src));
	pthread_mutex_unlock(&seen_lock);

	if (p->len < 3 || p->buf[0] == 0xFF)
		return DNSP_PIPELINE_DROP;
	p->buf[2] |= 0x80; /* QR */
	return p->len;
}

void mock_pipeline_last(struct mock_seen *out)
{
	pthread_mutex_lock(&seen_lock);
	*out = seen;
	pthread_mutex_unlock(&seen_lock);
}
