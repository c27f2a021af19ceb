/*
 * The punt channel (contract in punt.h): per worker, two single-producer /
 * single-consumer byte rings of variable-length records — requests from
 * the worker to the resolver thread, replies back — plus the eventfds that
 * wake the sleeping side.
 *
 * Ring: a power-of-two byte array with free-running 64-bit head (consumer)
 * and tail (producer) counters on separate cache lines. A record is an
 * 8-byte-aligned [u32 length][u32 unused][payload] (so payloads are 8-byte
 * aligned and structs are built in place); a record never wraps: when it does
 * not fit before the end of the array the producer writes a skip marker
 * (length UINT32_MAX) and starts at offset 0. The producer publishes tail
 * with a release store after writing the bytes; the consumer reads tail
 * with an acquire load before reading them, and publishes head with a
 * release store after it is done (so the producer, reading head with
 * acquire, never overwrites bytes still being read).
 *
 * Wake-ups. Requests: the resolver thread sets `sleeping` before its last
 * check of the rings and epoll_wait; a worker kicks (writes the eventfd)
 * only if it pushed since its last kick and sees `sleeping`. Both sides put
 * a full fence between their store and their load (the store-load pattern
 * that needs seq_cst), so either the consumer sees the new record or the
 * producer sees `sleeping`. Replies: the resolver writes the worker's
 * eventfd after pushing (the worker's epoll loop has it registered and
 * drains the ring on each wakeup); replies are rare next to cache hits.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "punt.h"
#include "wire/pkt.h"

#define RING_MIN (64u * 1024u)
#define RING_MAX (64u * 1024u * 1024u)
#define SKIP UINT32_MAX

struct ring {
	uint64_t tail __attribute__((aligned(64))); /* producer writes */
	uint64_t head __attribute__((aligned(64))); /* consumer writes */
	uint8_t *buf __attribute__((aligned(64)));
	uint32_t size;                               /* power of two */
};

struct worker_chan {
	struct ring req;
	struct ring rep;
	int reply_fd;              /* eventfd: worker wakes for replies */
	bool pushed;               /* worker-private: pushed since last kick */
} __attribute__((aligned(64)));

struct dnsp_punt_chan {
	uint32_t nworkers;
	int request_fd;            /* eventfd: resolver thread wakes for requests */
	int sleeping __attribute__((aligned(64))); /* consumer about to block */
	struct worker_chan *w;
};

static inline uint32_t align8(uint32_t v)
{
	return (v + 7u) & ~7u;
}

static int ring_init(struct ring *r, uint32_t size)
{
	r->buf = malloc(size);
	if (r->buf == NULL)
		return -ENOMEM;
	r->size = size;
	r->head = r->tail = 0;
	return 0;
}

/*
 * Reserves room for a record of len payload bytes; returns the write
 * pointer (payload) or NULL when full. Producer only; commit with
 * ring_commit(r, len).
 */
static uint8_t *ring_reserve(struct ring *r, uint32_t len, uint64_t *new_tail)
{
	uint32_t need = align8(8 + len);
	if (need > r->size / 2)
		return NULL;
	uint64_t tail = r->tail; /* own variable */
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint32_t off = (uint32_t)(tail & (r->size - 1));
	uint32_t room_end = r->size - off;
	uint64_t t = tail;

	if (need > room_end) {
		/* Skip to the start: needs room_end + need free bytes. */
		if (t + room_end + need - head > r->size)
			return NULL;
		uint32_t skip = SKIP;
		memcpy(r->buf + off, &skip, 4);
		t += room_end;
		off = 0;
	} else if (t + need - head > r->size) {
		return NULL;
	}
	memcpy(r->buf + off, &len, 4);
	*new_tail = t + need;
	return r->buf + off + 8;
}

static void ring_commit(struct ring *r, uint64_t new_tail)
{
	/* Release: the record bytes are visible before the new tail. */
	__atomic_store_n(&r->tail, new_tail, __ATOMIC_RELEASE);
}

/* Next record (payload pointer and length) or NULL. Consumer only; call
 * ring_release() when done with it. */
static const uint8_t *ring_peek(struct ring *r, uint32_t *len, uint64_t *next_head)
{
	uint64_t head = r->head;
	uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

	for (int k = 0; k < 2 && head != tail; k++) {
		uint32_t off = (uint32_t)(head & (r->size - 1));
		uint32_t l;
		memcpy(&l, r->buf + off, 4);
		if (l == SKIP) {
			head += r->size - off;
			continue;
		}
		*len = l;
		*next_head = head + align8(8 + l);
		return r->buf + off + 8;
	}
	if (head != r->head)
		__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
	return NULL;
}

static void ring_release(struct ring *r, uint64_t next_head)
{
	/* Release: we are done reading before the producer may reuse. */
	__atomic_store_n(&r->head, next_head, __ATOMIC_RELEASE);
}

static bool ring_empty(struct ring *r)
{
	return __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == r->head;
}

static void wake(int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof(one));
	(void)n; /* EAGAIN: the counter is saturated, the reader wakes anyway */
}

int dnsp_punt_chan_create(uint32_t nworkers, uint32_t ring_bytes, dnsp_punt_chan_t **out)
{
	if (out == NULL || nworkers == 0 || nworkers > 4096)
		return -EINVAL;
	*out = NULL;
	uint32_t size = RING_MIN;
	while (size < ring_bytes && size < RING_MAX)
		size <<= 1;
	dnsp_punt_chan_t *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->nworkers = nworkers;
	c->request_fd = -1;
	if (posix_memalign((void **)&c->w, 64, nworkers * sizeof(*c->w)) != 0) {
		free(c);
		return -ENOMEM;
	}
	memset(c->w, 0, nworkers * sizeof(*c->w));
	for (uint32_t i = 0; i < nworkers; i++)
		c->w[i].reply_fd = -1;
	int rc = 0;
	c->request_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->request_fd < 0)
		rc = -errno;
	for (uint32_t i = 0; rc == 0 && i < nworkers; i++) {
		if (ring_init(&c->w[i].req, size) < 0 || ring_init(&c->w[i].rep, size) < 0)
			rc = -ENOMEM;
		else if ((c->w[i].reply_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
			rc = -errno;
	}
	if (rc < 0) {
		dnsp_punt_chan_destroy(c);
		return rc;
	}
	*out = c;
	return 0;
}

void dnsp_punt_chan_destroy(dnsp_punt_chan_t *c)
{
	if (c == NULL)
		return;
	for (uint32_t i = 0; c->w && i < c->nworkers; i++) {
		free(c->w[i].req.buf);
		free(c->w[i].rep.buf);
		if (c->w[i].reply_fd >= 0)
			close(c->w[i].reply_fd);
	}
	if (c->request_fd >= 0)
		close(c->request_fd);
	free(c->w);
	free(c);
}

uint32_t dnsp_punt_chan_workers(const dnsp_punt_chan_t *c)
{
	return c->nworkers;
}

/* Request record: the fixed part of struct dnsp_punt_req, then the query. */
#define REQ_FIXED offsetof(struct dnsp_punt_req, query)

int dnsp_punt_push(dnsp_punt_chan_t *c, uint32_t worker, const struct dnsp_punt *punt,
		   const struct dnsp_punt_client *client, uint64_t generation,
		   const uint8_t *buf, uint16_t len)
{
	if (unlikely(worker >= c->nworkers))
		return -EINVAL;
	if (unlikely(len > DNSP_PUNT_QUERY_MAX))
		return -EMSGSIZE;
	struct worker_chan *w = &c->w[worker];
	uint64_t nt;
	uint8_t *p = ring_reserve(&w->req, (uint32_t)(REQ_FIXED + len), &nt);
	if (p == NULL)
		return -ENOSPC;
	/* Built in place: payloads are 8-byte aligned. */
	struct dnsp_punt_req *req = (struct dnsp_punt_req *)(void *)p;
	memset(req, 0, REQ_FIXED);
	req->client = *client;
	req->client.worker = worker;
	if (punt->upstream) {
		req->upstream = *punt->upstream;
	} else {
		req->upstream.kind = DNSP_UPSTREAM_RECURSE;
		req->upstream.endpoint = -1;
	}
	req->vpc = punt->vpc;
	req->ecs_v4 = punt->ecs_v4;
	req->ecs_v6 = punt->ecs_v6;
	req->prefetch = punt->prefetch;
	req->stale = punt->stale;
	req->generation = generation;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	req->received_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	req->len = len;
	memcpy(p + REQ_FIXED, buf, len);
	ring_commit(&w->req, nt);
	w->pushed = true;
	return 0;
}

int dnsp_punt_push_prefetch(dnsp_punt_chan_t *c, uint32_t worker, const struct dnsp_punt *punt,
			    uint64_t generation, const uint8_t *reply, uint16_t reply_len)
{
	uint8_t q[DNSP_HDR_LEN + DNSP_NAME_MAX + 4];
	uint16_t qe = punt->question_end;
	if (qe <= DNSP_HDR_LEN || qe > reply_len || qe > sizeof(q))
		return -EINVAL;
	memcpy(q, reply, qe);
	q[2] = (uint8_t)(DNSP_FLAG_RD >> 8); /* a plain query: QR clear, RD set */
	q[3] = 0;
	memset(q + 6, 0, 6);                 /* AN, NS, AR: none */
	struct dnsp_punt_client client;
	memset(&client, 0, sizeof(client));
	client.reply = DNSP_REPLY_NONE;
	client.fd = -1;
	return dnsp_punt_push(c, worker, punt, &client, generation, q, qe);
}

uint16_t dnsp_punt_servfail(uint8_t *buf, uint16_t len, uint16_t cap)
{
	struct dnsp_query q;
	if (dnsp_pkt_parse_query(buf, len, &q) < 0)
		return 0;
	struct dnsp_resp r;
	if (cap < q.question_end)
		return 0;
	dnsp_resp_init(&r, buf, cap, cap, &q);
	if (q.flags & DNSP_FLAG_RD)
		dnsp_resp_set_flags(&r, DNSP_FLAG_RA, 0);
	dnsp_resp_set_rcode(&r, DNSP_RCODE_SERVFAIL);
	return dnsp_resp_finish(&r, &q, DNSP_UDP_EDNS_CAP, 0);
}

void dnsp_punt_kick(dnsp_punt_chan_t *c, uint32_t worker)
{
	if (worker >= c->nworkers || !c->w[worker].pushed)
		return;
	c->w[worker].pushed = false;
	/* seq_cst fence: our tail store above must be ordered before the load
	 * of `sleeping` (store-load), pairing with the consumer's fence. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->sleeping, __ATOMIC_RELAXED))
		wake(c->request_fd);
}

int dnsp_punt_reply_fd(const dnsp_punt_chan_t *c, uint32_t worker)
{
	return worker < c->nworkers ? c->w[worker].reply_fd : -1;
}

int dnsp_punt_reply_pop(dnsp_punt_chan_t *c, uint32_t worker, struct dnsp_punt_reply *hdr,
			uint8_t *msg, uint32_t cap)
{
	if (worker >= c->nworkers)
		return -EINVAL;
	struct ring *r = &c->w[worker].rep;
	uint32_t len;
	uint64_t nh;
	const uint8_t *p = ring_peek(r, &len, &nh);
	if (p == NULL)
		return 0;
	int rc = 1;
	if (len < sizeof(*hdr)) {
		rc = -EMSGSIZE;
	} else {
		memcpy(hdr, p, sizeof(*hdr));
		if (hdr->len > cap || hdr->len != len - sizeof(*hdr))
			rc = -EMSGSIZE;
		else
			memcpy(msg, p + sizeof(*hdr), hdr->len);
	}
	ring_release(r, nh);
	return rc;
}

int dnsp_punt_request_fd(const dnsp_punt_chan_t *c)
{
	return c->request_fd;
}

void dnsp_punt_consumer_sleeping(dnsp_punt_chan_t *c, bool sleeping)
{
	__atomic_store_n(&c->sleeping, sleeping ? 1 : 0, __ATOMIC_RELAXED);
	/* Pairs with the producer's fence in dnsp_punt_kick (store-load). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int dnsp_punt_pop(dnsp_punt_chan_t *c, uint32_t worker, struct dnsp_punt_req *req)
{
	if (worker >= c->nworkers)
		return 0;
	struct ring *r = &c->w[worker].req;
	for (;;) {
		if (ring_empty(r))
			return 0;
		uint32_t len;
		uint64_t nh;
		const uint8_t *p = ring_peek(r, &len, &nh);
		if (p == NULL)
			return 0;
		int rc = 0;
		if (len >= REQ_FIXED && len - REQ_FIXED <= DNSP_PUNT_QUERY_MAX) {
			memcpy(req, p, REQ_FIXED);
			if (req->len == len - REQ_FIXED) {
				memcpy(req->query, p + REQ_FIXED, req->len);
				rc = 1;
			}
		}
		ring_release(r, nh);
		if (rc)
			return 1;
		/* a malformed record (cannot happen) is dropped; take the next */
	}
}

int dnsp_punt_reply_push(dnsp_punt_chan_t *c, uint32_t worker,
			 const struct dnsp_punt_reply *hdr, const uint8_t *msg, uint16_t len)
{
	if (worker >= c->nworkers)
		return -EINVAL;
	struct worker_chan *w = &c->w[worker];
	uint64_t nt;
	uint8_t *p = ring_reserve(&w->rep, (uint32_t)(sizeof(*hdr) + len), &nt);
	if (p == NULL)
		return -ENOSPC;
	struct dnsp_punt_reply h = *hdr;
	h.len = len;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), msg, len);
	ring_commit(&w->rep, nt);
	wake(w->reply_fd);
	return 0;
}
