/*
 * The slow-path resolver thread (contract in resolver.h).
 *
 * One thread, one epoll set. Everything it does is an event: a request on
 * the punt channel or the inbox, a response (or a TCP state change) on an
 * upstream socket, a timer from a binary heap (an upstream try's
 * retransmit deadline, a client query's hard deadline). Nothing blocks.
 *
 * A client query becomes a job. A job resolves one (name, type) through
 * one upstream route; it asks one server at a time and moves on on
 * timeout, error or lameness; a CNAME/DNAME moves it to the next name;
 * a referral moves it down a zone cut; a cut whose name servers have no
 * glue starts sub-jobs for their addresses (at most max_ns_lookups per cut,
 * nested at most MAX_DEPTH deep, never for a name an ancestor job is
 * already resolving). The client's job is the root of that tree: it owns
 * the work budget (referrals, CNAME links, upstream queries — the
 * NXNSAttack bound) and the hard deadline; when either runs out the root
 * fails with SERVFAIL (or answers from a stale entry when serve-stale is
 * on) and the whole tree is torn down. A query whose private zone's CNAME
 * chain led to a target that goes upstream starts with the chain's local
 * records and resolves the target (local_part).
 *
 * What is kept from a response is decided by dnsp_up_classify()
 * (resolver_iter.c): only records in the bailiwick of the zone the server
 * was asked as. Delegations (zone cut → name servers and their addresses)
 * are remembered in a slow-path-only table, apart from the cache workers
 * read, so referral data never reaches a client as an answer (RFC 2181 §5.4.1
 * ranking). Per upstream address the thread keeps a smoothed RTT (RFC 6298
 * style), consecutive timeouts and a back-off deadline; a server that timed
 * out twice in a row is skipped for 1 s, doubling up to 60 s, and a job
 * whose servers are all backed off fails at once instead of waiting.
 *
 * Upstream queries: a fresh UDP socket per try, bound to a random source
 * port (and to an outbound ENI address for rules), connect()ed so only the
 * server's replies are read; a random ID from getrandom(); optionally a
 * random 0x20 qname case checked on the reply; EDNS with a 1232-byte
 * buffer, dropped for a server that answers FORMERR to it; TCP when the
 * reply is truncated.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "resolver.h"
#include "resolver_iter.h"
#include "../lib/firewall.h"
#include "../lib/snapshot.h"
#include "../lib/sources.h"

#define MAX_JOBS 8192            /* resolutions in flight (root + sub-jobs) */
#define MAX_UPQ 8192             /* upstream tries in flight (one per job) */
#define INBOX_MAX 1024
#define MAX_DEPTH 3              /* sub-job nesting */
#define JOB_NS_MAX 16            /* name servers remembered per cut */
#define NS_ADDR_MAX 4            /* addresses per name server */
#define TRIES_PER_ADDR 2
#define UDP_SIZE 1232            /* EDNS buffer we advertise upstream */
#define ANSWER_MAX 16384         /* bytes of records collected per job */
#define RTO_MIN_MS 50
#define RTT_UNKNOWN_MS 60        /* score of a server never measured (explore) */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define SERVERS_MAX 4096
#define DELEGS_MAX 4096
#define DELEG_TTL_MAX 86400
#define EPOLL_EVENTS 128
#define REQUESTS_PER_LOOP 256

enum tag_kind { TAG_STOP = 1, TAG_REQ = 2, TAG_INBOX = 3, TAG_UPQ = 4 };

static inline uint64_t tag_make(enum tag_kind k, uint32_t gen, uint32_t idx)
{
	return ((uint64_t)k << 56) | ((uint64_t)(gen & 0xffffffffu) << 24) | (idx & 0xffffff);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ------------------------------------------------------------ structures */

struct server {                   /* what we know about one upstream address */
	struct dnsp_upstream_addr addr;
	uint32_t srtt_ms, rttvar_ms;  /* srtt 0: never measured */
	uint32_t timeouts;            /* consecutive */
	uint64_t down_until_ms;
	bool no_edns;
	struct server *hnext;
};

struct ns_entry {                 /* one name server of a zone cut */
	uint8_t name[DNSP_NAME_MAX];
	uint8_t naddr;
	bool lookup_started;          /* a sub-job was started for its address */
	bool lookup_done;
	struct dnsp_upstream_addr addr[NS_ADDR_MAX];
	uint8_t tries[NS_ADDR_MAX];   /* per job: tries without a usable answer (per
				       * address: see tries_get) */
};

struct deleg {                    /* remembered zone cut (slow path only) */
	uint8_t zone[DNSP_NAME_MAX];
	uint64_t expire_ms;
	uint16_t nns;
	struct ns_entry ns[JOB_NS_MAX];
	struct deleg *hnext;
};

struct job;

struct upq {                      /* one upstream try */
	uint32_t idx, gen;
	bool used;
	struct job *job;
	int fd;
	bool tcp, tcp_connected;
	uint16_t id;
	uint16_t qtype;
	uint8_t qname[DNSP_NAME_MAX]; /* as sent (0x20 case) */
	bool exact_case;
	bool edns;
	struct dnsp_upstream_addr addr;
	uint16_t ns_index, addr_index; /* where in job->ns (forward: target index) */
	uint64_t sent_ms;
	uint8_t *out;                 /* TCP: framed query */
	uint32_t out_len, out_off;
	uint8_t *in;                  /* TCP: response frame */
	uint32_t in_len;
	int32_t next_free;
};

struct job {
	uint32_t idx, gen;
	bool used;
	struct job *parent, *root;
	uint16_t depth;
	uint16_t nchildren;           /* sub-jobs pending */
	struct dnsp_punt_req *req;    /* root with a client or a prefetch: owned copy */
	struct dnsp_work work;        /* root only */
	uint64_t deadline_ms;         /* root only */
	uint8_t qname[DNSP_NAME_MAX]; /* question (lowercase) */
	uint16_t qtype;
	uint8_t cur[DNSP_NAME_MAX];   /* name being resolved (after CNAME/DNAME links) */
	struct dnsp_upstream up;      /* route */
	bool forward;                 /* FORWARD route: RD=1, targets in order */
	/* answer under construction: [section][owner][type][class][ttl][rdlen][rdata] */
	uint8_t *ans;
	uint32_t ans_len;
	uint16_t ans_count;
	bool ans_overflow;
	/* A private zone's CNAME chain that left the VPC's zones (local_part):
	 * the first local_len bytes of ans are its local records, qname is the
	 * target, resolved and cached as a query of its own. */
	uint32_t local_len;
	bool local_hit;               /* the target came from the cache: not stored again */
	/* zone cut being asked */
	uint8_t zone[DNSP_NAME_MAX];
	uint16_t nns;
	struct ns_entry ns[JOB_NS_MAX];
	uint16_t ns_lookups;          /* sub-jobs started for this cut */
	/* QNAME minimisation */
	bool qmin;
	int known_labels;
	int qmin_count;
	/* ECS */
	uint8_t ecs_family, ecs_source;
	uint8_t ecs_addr[16];
	uint8_t ecs_scope;
	bool ecs_seen;
	struct upq *upq;              /* try in flight, or NULL */
	int32_t next_free;
};

struct timer {
	uint64_t at_ms;
	uint32_t idx, gen;
	uint8_t kind;                 /* TAG_UPQ: try timeout; TIMER_DEADLINE, TIMER_STEP */
};

#define TIMER_DEADLINE 0              /* a root job's hard deadline */
#define TIMER_STEP 9                  /* start a sub-job (deferred, no re-entry) */

struct settings {
	uint64_t generation;
	bool enabled, qmin, use_0x20, serve_stale;
	uint32_t query_timeout_ms, upstream_timeout_ms;
	struct dnsp_work_limits lim;
	uint32_t nhints;
	struct dnsp_root_hint hints[64];
	uint16_t udp_max;
	struct dnsp_cache_limits cache_limits;
	bool have_cache_limits;
};

struct dnsp_resolver {
	dnsp_cache_t *cache;
	dnsp_punt_chan_t *chan;
	struct dnsp_resolver_hooks hooks;
	pthread_t thread;
	bool running;
	int epfd, stop_fd, inbox_fd;
	pthread_mutex_t inbox_lock;
	struct dnsp_punt_req *inbox[INBOX_MAX];
	uint32_t ninbox;
	struct dnsp_resolver_stats st; /* written by the thread (relaxed), read by anyone */

	struct settings set;
	struct job *jobs;
	int32_t job_free;
	struct upq *upqs;
	int32_t upq_free;
	struct timer *heap;
	uint32_t nheap, heap_cap;
	struct server *servers[1024];
	uint32_t nservers;
	struct deleg *delegs[1024];
	uint32_t ndelegs;
	uint8_t rnd[4096];
	uint32_t rnd_used;
	uint32_t src_rr;              /* round robin over outbound sources */
	uint64_t last_maintain_ms;
	struct dnsp_up_msg *msg;      /* scratch: parsed response */
	struct dnsp_up_class *cls;    /* scratch: its classification */
	uint8_t *scratch;             /* 64 KiB + 2: replies and cache probes */
	struct dnsp_cache_rr rrs[512];
};

/* Stats: only the resolver thread writes; relaxed so readers see whole words. */
#define ST_INC(r, f) __atomic_store_n(&(r)->st.f, (r)->st.f + 1, __ATOMIC_RELAXED)
#define ST_ADD(r, f, n) __atomic_store_n(&(r)->st.f, (r)->st.f + (n), __ATOMIC_RELAXED)

/* ------------------------------------------------------------ randomness */

static void rnd_bytes(struct dnsp_resolver *r, void *out, size_t n)
{
	if (r->rnd_used + n > sizeof(r->rnd)) {
		size_t got = 0;
		while (got < sizeof(r->rnd)) {
			ssize_t k = getrandom(r->rnd + got, sizeof(r->rnd) - got, 0);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		r->rnd_used = 0;
	}
	memcpy(out, r->rnd + r->rnd_used, n);
	r->rnd_used += (uint32_t)n;
}

static uint32_t rnd_u32(struct dnsp_resolver *r)
{
	uint32_t v;
	rnd_bytes(r, &v, sizeof(v));
	return v;
}

/* ----------------------------------------------------------------- timers */

static void heap_swap(struct timer *a, struct timer *b)
{
	struct timer t = *a;
	*a = *b;
	*b = t;
}

/* Returns false when the heap cannot grow: the caller must not wait for
 * that timer (a root job without its deadline could wait forever). */
static bool timer_add(struct dnsp_resolver *r, uint64_t at, uint8_t kind, uint32_t idx,
		      uint32_t gen)
{
	if (r->nheap == r->heap_cap) {
		uint32_t cap = r->heap_cap ? r->heap_cap * 2 : 1024;
		struct timer *h = realloc(r->heap, cap * sizeof(*h));
		if (h == NULL)
			return false;
		r->heap = h;
		r->heap_cap = cap;
	}
	uint32_t i = r->nheap++;
	r->heap[i] = (struct timer){ .at_ms = at, .idx = idx, .gen = gen, .kind = kind };
	while (i > 0 && r->heap[(i - 1) / 2].at_ms > r->heap[i].at_ms) {
		heap_swap(&r->heap[(i - 1) / 2], &r->heap[i]);
		i = (i - 1) / 2;
	}
	return true;
}

static bool timer_pop_due(struct dnsp_resolver *r, uint64_t now, struct timer *out)
{
	if (r->nheap == 0 || r->heap[0].at_ms > now)
		return false;
	*out = r->heap[0];
	r->heap[0] = r->heap[--r->nheap];
	uint32_t i = 0;
	for (;;) {
		uint32_t l = 2 * i + 1, s = i;
		if (l < r->nheap && r->heap[l].at_ms < r->heap[s].at_ms)
			s = l;
		if (l + 1 < r->nheap && r->heap[l + 1].at_ms < r->heap[s].at_ms)
			s = l + 1;
		if (s == i)
			break;
		heap_swap(&r->heap[i], &r->heap[s]);
		i = s;
	}
	return true;
}

/* ---------------------------------------------------------- server table */

static uint32_t addr_hash(const struct dnsp_upstream_addr *a)
{
	uint32_t h = 2166136261u ^ a->family ^ ((uint32_t)a->port << 8);
	for (int i = 0; i < 16; i++)
		h = (h ^ a->addr[i]) * 16777619u;
	return h;
}

static bool addr_eq(const struct dnsp_upstream_addr *a, const struct dnsp_upstream_addr *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

static void servers_clear(struct dnsp_resolver *r)
{
	for (size_t i = 0; i < 1024; i++) {
		struct server *s = r->servers[i];
		while (s) {
			struct server *n = s->hnext;
			free(s);
			s = n;
		}
		r->servers[i] = NULL;
	}
	r->nservers = 0;
}

static struct server *server_get(struct dnsp_resolver *r, const struct dnsp_upstream_addr *a,
				 bool create)
{
	uint32_t b = addr_hash(a) & 1023;
	for (struct server *s = r->servers[b]; s; s = s->hnext)
		if (addr_eq(&s->addr, a))
			return s;
	if (!create)
		return NULL;
	if (r->nservers >= SERVERS_MAX)
		servers_clear(r); /* bounded memory; RTTs are relearned quickly */
	struct server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->addr = *a;
	s->hnext = r->servers[b];
	r->servers[b] = s;
	r->nservers++;
	return s;
}

static void server_rtt(struct server *s, uint32_t rtt)
{
	if (rtt == 0)
		rtt = 1;
	if (s->srtt_ms == 0) {
		s->srtt_ms = rtt;
		s->rttvar_ms = rtt / 2;
	} else {
		uint32_t diff = s->srtt_ms > rtt ? s->srtt_ms - rtt : rtt - s->srtt_ms;
		s->rttvar_ms = (3 * s->rttvar_ms + diff) / 4;
		s->srtt_ms = (7 * s->srtt_ms + rtt) / 8;
	}
	s->timeouts = 0;
	s->down_until_ms = 0;
}

static void server_timeout(struct server *s, uint64_t now)
{
	s->timeouts++;
	/* Back off a server that never answered at once, one that did after
	 * two timeouts in a row (a lost packet is not a dead server). */
	if (s->timeouts >= 2 || s->srtt_ms == 0) {
		uint32_t k = s->timeouts >= 2 ? s->timeouts - 2 : 0;
		uint64_t b = (uint64_t)BACKOFF_MIN_MS << (k > 6 ? 6 : k);
		if (b > BACKOFF_MAX_MS)
			b = BACKOFF_MAX_MS;
		s->down_until_ms = now + b;
	}
	/* Retransmit timeouts grow with failures (RFC 6298 §5.5 back-off). */
	if (s->srtt_ms)
		s->rttvar_ms = s->rttvar_ms * 2 + 10;
}

static uint32_t server_rto(const struct dnsp_resolver *r, const struct server *s)
{
	uint32_t base = r->set.upstream_timeout_ms;
	if (s == NULL || s->srtt_ms == 0)
		return base;
	uint32_t rto = s->srtt_ms + 4 * s->rttvar_ms;
	if (rto < RTO_MIN_MS)
		rto = RTO_MIN_MS;
	if (rto > base * 3)
		rto = base * 3;
	return rto;
}

/* ----------------------------------------------------- delegation table */

static uint32_t name_hash(const uint8_t *n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0, l = dnsp_name_len(n); i < l; i++) {
		uint8_t c = n[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		h = (h ^ c) * 16777619u;
	}
	return h;
}

static void delegs_clear(struct dnsp_resolver *r)
{
	for (size_t i = 0; i < 1024; i++) {
		struct deleg *d = r->delegs[i];
		while (d) {
			struct deleg *n = d->hnext;
			free(d);
			d = n;
		}
		r->delegs[i] = NULL;
	}
	r->ndelegs = 0;
}

static struct deleg *deleg_find(struct dnsp_resolver *r, const uint8_t *zone, uint64_t now)
{
	uint32_t b = name_hash(zone) & 1023;
	for (struct deleg *d = r->delegs[b]; d; d = d->hnext)
		if (dnsp_name_equal(d->zone, zone))
			return d->expire_ms > now ? d : NULL;
	return NULL;
}

/* Remembers the cut a job now stands at (its NS set and known addresses). */
static void deleg_store(struct dnsp_resolver *r, const struct job *j, uint32_t ttl, uint64_t now)
{
	if (ttl == 0)
		return;
	if (ttl > DELEG_TTL_MAX)
		ttl = DELEG_TTL_MAX;
	uint32_t b = name_hash(j->zone) & 1023;
	struct deleg *d = NULL;
	for (struct deleg *x = r->delegs[b]; x; x = x->hnext)
		if (dnsp_name_equal(x->zone, j->zone))
			d = x;
	if (d == NULL) {
		if (r->ndelegs >= DELEGS_MAX)
			delegs_clear(r);
		d = calloc(1, sizeof(*d));
		if (d == NULL)
			return;
		d->hnext = r->delegs[b];
		r->delegs[b] = d;
		r->ndelegs++;
	}
	memcpy(d->zone, j->zone, dnsp_name_len(j->zone));
	d->expire_ms = now + (uint64_t)ttl * 1000u;
	d->nns = j->nns;
	memcpy(d->ns, j->ns, sizeof(d->ns[0]) * j->nns);
	for (uint16_t i = 0; i < d->nns; i++) {
		memset(d->ns[i].tries, 0, sizeof(d->ns[i].tries));
		d->ns[i].lookup_started = d->ns[i].lookup_done = false;
	}
}

/* Adds addresses learned for name server `name` to every remembered cut
 * (a glueless NS resolved once serves every zone it serves). */
static void deleg_add_addr(struct dnsp_resolver *r, const uint8_t *name,
			   const struct dnsp_upstream_addr *a)
{
	for (size_t b = 0; b < 1024; b++)
		for (struct deleg *d = r->delegs[b]; d; d = d->hnext)
			for (uint16_t i = 0; i < d->nns; i++) {
				struct ns_entry *e = &d->ns[i];
				if (!dnsp_name_equal(e->name, name) || e->naddr >= NS_ADDR_MAX)
					continue;
				bool dup = false;
				for (uint8_t k = 0; k < e->naddr && !dup; k++)
					dup = addr_eq(&e->addr[k], a);
				if (!dup)
					e->addr[e->naddr++] = *a;
			}
}

/* ------------------------------------------------------------ job memory */

static struct job *job_get(struct dnsp_resolver *r, uint32_t idx, uint32_t gen)
{
	if (idx >= MAX_JOBS)
		return NULL;
	struct job *j = &r->jobs[idx];
	return j->used && j->gen == gen ? j : NULL;
}

static struct job *job_alloc(struct dnsp_resolver *r)
{
	if (r->job_free < 0)
		return NULL;
	struct job *j = &r->jobs[r->job_free];
	uint8_t *ans = j->ans;
	uint32_t idx = j->idx, gen = j->gen;
	int32_t next = j->next_free;
	memset(j, 0, sizeof(*j));
	j->idx = idx;
	j->gen = gen;
	j->ans = ans;
	if (j->ans == NULL) {
		j->ans = malloc(ANSWER_MAX);
		if (j->ans == NULL)
			return NULL;
	}
	r->job_free = next;
	j->used = true;
	j->next_free = -1;
	return j;
}

static void upq_release(struct dnsp_resolver *r, struct upq *q)
{
	if (q == NULL || !q->used)
		return;
	if (q->fd >= 0)
		close(q->fd); /* also leaves the epoll set */
	q->fd = -1;
	free(q->out);
	free(q->in);
	q->out = q->in = NULL;
	if (q->job && q->job->upq == q)
		q->job->upq = NULL;
	q->job = NULL;
	q->used = false;
	q->gen++;
	q->next_free = r->upq_free;
	r->upq_free = (int32_t)q->idx;
}

static void job_release(struct dnsp_resolver *r, struct job *j)
{
	upq_release(r, j->upq);
	free(j->req);
	j->req = NULL;
	j->used = false;
	j->gen++;
	j->next_free = r->job_free;
	r->job_free = (int32_t)j->idx;
	ST_ADD(r, inflight, (uint64_t)-1);
}

/* -------------------------------------------------------- answer records */

static bool ans_add(struct job *j, uint8_t section, const uint8_t *owner, uint16_t type,
		    uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t ol = dnsp_name_len(owner);
	size_t need = 1 + ol + 10 + rdlen;
	if (j->ans_len + need > ANSWER_MAX || j->ans_count >= 512) {
		j->ans_overflow = true;
		return false;
	}
	uint8_t *p = j->ans + j->ans_len;
	p[0] = section;
	memcpy(p + 1, owner, ol);
	p += 1 + ol;
	memcpy(p, &type, 2);
	memcpy(p + 2, &rclass, 2);
	memcpy(p + 4, &ttl, 4);
	memcpy(p + 8, &rdlen, 2);
	memcpy(p + 10, rdata, rdlen);
	j->ans_len += (uint32_t)need;
	j->ans_count++;
	return true;
}

struct ans_rec {
	uint8_t section;
	const uint8_t *owner;
	uint16_t type, rclass, rdlen;
	uint32_t ttl;
	const uint8_t *rdata;
};

/* Iterates the collected records: *off starts at 0. */
static bool ans_next(const struct job *j, uint32_t *off, struct ans_rec *a)
{
	if (*off >= j->ans_len)
		return false;
	const uint8_t *p = j->ans + *off;
	a->section = p[0];
	a->owner = p + 1;
	p += 1 + dnsp_name_len(a->owner);
	memcpy(&a->type, p, 2);
	memcpy(&a->rclass, p + 2, 2);
	memcpy(&a->ttl, p + 4, 4);
	memcpy(&a->rdlen, p + 8, 2);
	a->rdata = p + 10;
	*off = (uint32_t)(p + 10 + a->rdlen - j->ans);
	return true;
}

/* Keeps the classified records of m in the job's answer. */
static void ans_take(struct job *j, const struct dnsp_up_msg *m, const struct dnsp_up_class *c)
{
	for (uint16_t k = 0; k < c->nkeep; k++) {
		const struct dnsp_up_rr *rr = &m->rr[c->keep[k]];
		uint8_t sec = rr->type == DNSP_T_SOA && rr->section == DNSP_SEC_AUTHORITY
			? DNSP_SEC_AUTHORITY : DNSP_SEC_ANSWER;
		ans_add(j, sec, rr->owner, rr->type, rr->rclass, rr->ttl, dnsp_up_rdata(m, rr),
			rr->rdlen);
	}
}

/* ------------------------------------------------------- client replies */

static void send_udp(struct dnsp_resolver *r, const struct dnsp_punt_client *cl,
		     const uint8_t *msg, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	memset(&cbuf, 0, sizeof(cbuf));
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr h = { .msg_name = &ss, .msg_iov = &iov, .msg_iovlen = 1 };
	if (cl->family == 6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(cl->port);
		memcpy(&a->sin6_addr, cl->addr, 16);
		sl = sizeof(*a);
		if (cl->has_local) {
			struct in6_pktinfo pi;
			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi6_addr, cl->local, 16);
			h.msg_control = cbuf.buf;
			h.msg_controllen = CMSG_SPACE(sizeof(pi));
			struct cmsghdr *c = CMSG_FIRSTHDR(&h);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(cl->port);
		memcpy(&a->sin_addr, cl->addr, 4);
		sl = sizeof(*a);
		if (cl->has_local) {
			struct in_pktinfo pi;
			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi_spec_dst, cl->local, 4);
			h.msg_control = cbuf.buf;
			h.msg_controllen = CMSG_SPACE(sizeof(pi));
			struct cmsghdr *c = CMSG_FIRSTHDR(&h);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	h.msg_namelen = sl;
	if (sendmsg(cl->fd, &h, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		ST_INC(r, inbox_full);
}

static void deliver(struct dnsp_resolver *r, const struct dnsp_punt_req *req, const uint8_t *msg,
		    uint16_t len)
{
	const struct dnsp_punt_client *cl = &req->client;
	if (cl->reply == DNSP_REPLY_UDP_FD) {
		send_udp(r, cl, msg, len);
	} else if (cl->reply == DNSP_REPLY_WORKER && r->chan != NULL) {
		struct dnsp_punt_reply h;
		memset(&h, 0, sizeof(h));
		h.cookie = cl->cookie;
		h.listener = cl->listener;
		h.tcp = cl->tcp;
		h.family = cl->family;
		h.port = cl->port;
		memcpy(h.addr, cl->addr, 16);
		memcpy(h.local, cl->local, 16);
		if (dnsp_punt_reply_push(r->chan, cl->worker, &h, msg, len) < 0)
			ST_INC(r, inbox_full);
	} else {
		return;
	}
	ST_INC(r, answered);
}

/* Starts a reply to the client's query in r->scratch. */
static bool reply_begin(struct dnsp_resolver *r, const struct dnsp_punt_req *req,
			struct dnsp_query *q, struct dnsp_resp *resp)
{
	uint8_t *b = r->scratch;
	memcpy(b, req->query, req->len);
	if (dnsp_pkt_parse_query(b, req->len, q) != 0)
		return false;
	/* UDP: the client's EDNS size capped by udp_max, 512 without EDNS
	 * (RFC 6891 §6.2.5); TCP: the whole message. */
	uint32_t lim = DNSP_MSG_MAX;
	if (!req->client.tcp) {
		lim = DNSP_UDP_DEFAULT;
		if (q->has_edns && q->edns_udp_size > lim)
			lim = q->edns_udp_size;
		if (lim > r->set.udp_max)
			lim = r->set.udp_max > DNSP_UDP_DEFAULT ? r->set.udp_max : DNSP_UDP_DEFAULT;
	}
	if (req->client.max_reply && req->client.max_reply < lim)
		lim = req->client.max_reply;
	dnsp_resp_init(resp, b, DNSP_MSG_MAX, (uint16_t)lim, q);
	if (q->flags & DNSP_FLAG_RD)
		dnsp_resp_set_flags(resp, DNSP_FLAG_RA, 0);
	return true;
}

/*
 * The client's VPC index in s. In the snapshot the worker used (the same
 * generation) it is the one the worker found. After a reload the index may
 * mean another VPC, so it is found again as the fast path finds it
 * (dnsp_snapshot_vpc_of): the VPC the listener names, else the one
 * whose CIDRs hold the client address. The listener slot means the same
 * socket in every generation (a reload that moves a listener is refused,
 * ctrl/daemon.c), but its role and VPC are read from s. -1: no VPC (a
 * public listener now, no CIDR holds the client, or a prefetch, which has
 * no client).
 */
static int32_t reply_vpc(const struct dnsp_snapshot *s, const struct dnsp_punt_req *req)
{
	if (s->generation == req->generation)
		return (uint32_t)req->vpc < s->nvpcs ? req->vpc : -1;
	/* A prefetch carries no client (listener 0, no address): nothing to
	 * find it again by. */
	if (req->prefetch || req->client.reply == DNSP_REPLY_NONE)
		return -1;
	const struct dnsp_punt_client *cl = &req->client;
	if (cl->listener >= s->nlisteners)
		return -1;
	const struct dnsp_snap_listener *l = &s->listeners[cl->listener];
	if (l->role == DNSP_ROLE_PUBLIC)
		return -1;
	return dnsp_snapshot_vpc_of(s, l, cl->family, cl->addr);
}

/*
 * [firewall] SEMANTICS §13 FirewallDomainRedirectionAction on an answer
 * built here: the CNAME/DNAME targets in resp are inspected by the
 * firewall of the client's VPC in the current snapshot (reply_vpc: after
 * a reload between the punt and this reply the VPC is found again, so a
 * target the new rules block is blocked). A query that had no VPC when it
 * was punted is not inspected. Matches count in the counters' last row,
 * the resolver thread's (ctrl/compile_firewall.c). A BLOCK leaves its
 * response in resp and *rcode, with ECS scope 0.
 */
static void reply_fw_chain(const struct dnsp_punt_req *req, const struct dnsp_query *q,
			   struct dnsp_resp *resp, uint8_t *rcode, uint8_t *scope)
{
	if (req->vpc < 0 || resp->count[DNSP_SEC_ANSWER] == 0)
		return;
	const struct dnsp_snapshot *s = dnsp_snapshot_current();
	if (s == NULL)
		return;
	int32_t vpc = reply_vpc(s, req);
	if (vpc < 0)
		return;
	const struct dnsp_fw *fw = s->vpcs[vpc].firewall;
	if (fw == NULL)
		return;
	struct dnsp_decision d;
	memset(&d, 0, sizeof(d));
	uint32_t row = fw->counters ? fw->counters->nworkers - 1 : 0;
	int rc = dnsp_fw_apply_chain(fw, q, resp, row, &d);
	if (rc != DNSP_FW_PASS) {
		*rcode = (uint8_t)rc;
		*scope = 0;
	}
}

static void reply_send(struct dnsp_resolver *r, const struct dnsp_punt_req *req,
		       struct dnsp_query *q, struct dnsp_resp *resp, uint8_t rcode, uint8_t scope)
{
	reply_fw_chain(req, q, resp, &rcode, &scope);
	dnsp_resp_set_rcode(resp, rcode);
	uint16_t n = dnsp_resp_finish(resp, q, r->set.udp_max, scope);
	deliver(r, req, r->scratch, n);
	if (rcode == DNSP_RCODE_SERVFAIL)
		ST_INC(r, servfail);
}

/* Cache key of a job's question (ECS when the job carries a subnet). */
static void job_key(const struct job *j, struct dnsp_cache_key *k, const uint8_t *name)
{
	memset(k, 0, sizeof(*k));
	k->qname = name;
	k->qtype = j->qtype;
	k->qclass = DNSP_CLASS_IN;
	k->tag = j->up.kind == DNSP_UPSTREAM_RECURSE ? 0 : j->up.cache_tag;
	if (j->ecs_family) {
		k->ecs = true;
		k->ecs_family = j->ecs_family;
		k->ecs_scope = j->ecs_seen ? j->ecs_scope : 0;
		memcpy(k->ecs_addr, j->ecs_addr, 16);
	}
}

/* Answers a failed root job: a stale entry when allowed, else SERVFAIL. */
static void reply_fail(struct dnsp_resolver *r, struct job *j)
{
	const struct dnsp_punt_req *req = j->req;
	if (req == NULL || req->client.reply == DNSP_REPLY_NONE)
		return;
	struct dnsp_query q;
	struct dnsp_resp resp;
	if (!reply_begin(r, req, &q, &resp))
		return;
	if (req->stale && r->cache) {
		struct dnsp_cache_key k;
		job_key(j, &k, j->qname);
		struct dnsp_cache_result res;
		if (dnsp_cache_answer_stale(r->cache, &k, dnsp_cache_now(), &resp, &res) > 0) {
			ST_INC(r, stale_answers);
			reply_send(r, req, &q, &resp, res.rcode, res.ecs_scope);
			return;
		}
	}
	reply_send(r, req, &q, &resp, DNSP_RCODE_SERVFAIL, 0);
}

/* ------------------------------------------------------------- job flow */

static void job_send(struct dnsp_resolver *r, struct job *j);
static void job_step(struct dnsp_resolver *r, struct job *j);
static void job_fail(struct dnsp_resolver *r, struct job *j);

/* Tears down j's sub-jobs (recursively). */
static void kill_children(struct dnsp_resolver *r, struct job *j)
{
	if (j->nchildren == 0)
		return;
	for (uint32_t i = 0; i < MAX_JOBS; i++) {
		struct job *c = &r->jobs[i];
		if (c->used && c->parent == j) {
			kill_children(r, c);
			job_release(r, c);
		}
	}
	j->nchildren = 0;
}

/* A sub-job's result reaches its parent (addresses for one name server);
 * the sub-job is released, then the parent goes on if it was waiting. */
static void child_done(struct dnsp_resolver *r, struct job *c, bool ok)
{
	struct job *p = c->parent;
	if (p->nchildren > 0)
		p->nchildren--;
	for (uint16_t i = 0; i < p->nns; i++) {
		struct ns_entry *e = &p->ns[i];
		if (!dnsp_name_equal(e->name, c->qname))
			continue;
		e->lookup_done = true;
		uint32_t off = 0;
		struct ans_rec a;
		while (ok && ans_next(c, &off, &a)) {
			if (a.section != DNSP_SEC_ANSWER || !dnsp_name_equal(a.owner, c->cur) ||
			    e->naddr >= NS_ADDR_MAX)
				continue;
			struct dnsp_upstream_addr ad;
			memset(&ad, 0, sizeof(ad));
			ad.port = 53;
			if (a.type == DNSP_T_A && a.rdlen == 4)
				ad.family = 4;
			else if (a.type == DNSP_T_AAAA && a.rdlen == 16)
				ad.family = 6;
			else
				continue;
			memcpy(ad.addr, a.rdata, a.rdlen);
			e->addr[e->naddr++] = ad;
			deleg_add_addr(r, e->name, &ad);
		}
	}
	c->parent = NULL;
	job_release(r, c);
	if (p->upq == NULL)
		job_send(r, p); /* it was waiting for addresses */
}

/* Finishes j with rcode and the collected records. */
static void job_finish(struct dnsp_resolver *r, struct job *j, uint8_t rcode)
{
	kill_children(r, j);
	upq_release(r, j->upq);
	/* Cache what was resolved (answers, negatives with their SOA). */
	if (r->cache && (rcode == DNSP_RCODE_NOERROR || rcode == DNSP_RCODE_NXDOMAIN) &&
	    !j->ans_overflow && !j->local_hit) {
		size_t n = 0;
		uint32_t off = j->local_len; /* a chain's local records are the zones' */
		struct ans_rec a;
		while (n < sizeof(r->rrs) / sizeof(r->rrs[0]) && ans_next(j, &off, &a)) {
			struct dnsp_cache_rr *cr = &r->rrs[n++];
			cr->owner = dnsp_name_equal(a.owner, j->qname) ? NULL : a.owner;
			cr->type = a.type;
			cr->rclass = a.rclass;
			cr->ttl = a.ttl;
			cr->rdata = a.rdata;
			cr->rdlen = a.rdlen;
			cr->section = a.section;
		}
		struct dnsp_cache_key k;
		job_key(j, &k, j->qname);
		if (dnsp_cache_insert(r->cache, &k, rcode, r->rrs, n, dnsp_cache_now()) < 0)
			ST_INC(r, up_error);
	}
	if (j->parent) {
		child_done(r, j, rcode == DNSP_RCODE_NOERROR);
		return;
	}
	const struct dnsp_punt_req *req = j->req;
	if (req && req->client.reply != DNSP_REPLY_NONE) {
		struct dnsp_query q;
		struct dnsp_resp resp;
		if (reply_begin(r, req, &q, &resp)) {
			/* The client's question keeps its case: records owned by the
			 * qname point at it. */
			uint32_t off = 0;
			struct ans_rec a;
			while (ans_next(j, &off, &a)) {
				const uint8_t *owner = dnsp_name_equal(a.owner, q.qname) ? NULL
											 : a.owner;
				if (dnsp_resp_put_rr(&resp, (enum dnsp_section)a.section, owner, a.type,
						     a.rclass, a.ttl, a.rdata, a.rdlen) < 0)
					break;
			}
			reply_send(r, req, &q, &resp, rcode,
				   j->ecs_seen && q.has_ecs ? j->ecs_scope : 0);
		}
	}
	job_release(r, j);
}

static void job_fail(struct dnsp_resolver *r, struct job *j)
{
	kill_children(r, j);
	upq_release(r, j->upq);
	if (j->parent) {
		child_done(r, j, false);
		return;
	}
	reply_fail(r, j);
	job_release(r, j);
}

/* Fails the whole tree: from any job up to its root. */
static void tree_fail(struct dnsp_resolver *r, struct job *j)
{
	job_fail(r, j->root);
}

/* Sets the job's cut to the root hints. */
static void cut_root(struct dnsp_resolver *r, struct job *j)
{
	j->zone[0] = 0;
	j->nns = 0;
	j->ns_lookups = 0;
	for (uint32_t i = 0; i < r->set.nhints && j->nns < JOB_NS_MAX; i++) {
		const struct dnsp_root_hint *h = &r->set.hints[i];
		struct ns_entry *e = NULL;
		for (uint16_t k = 0; k < j->nns && !e; k++)
			if (dnsp_name_equal(j->ns[k].name, h->name))
				e = &j->ns[k];
		if (e == NULL) {
			e = &j->ns[j->nns++];
			memset(e, 0, sizeof(*e));
			memcpy(e->name, h->name, dnsp_name_len(h->name));
		}
		if (e->naddr < NS_ADDR_MAX)
			e->addr[e->naddr++] = h->addr;
	}
}

/* Sets the job's cut from a route's targets (forwarders or delegated servers). */
static void cut_targets(struct job *j, const uint8_t *zone)
{
	memcpy(j->zone, zone, dnsp_name_len(zone));
	j->nns = 0;
	j->ns_lookups = 0;
	for (uint8_t i = 0; i < j->up.ntargets && i < DNSP_UPSTREAM_TARGETS_MAX &&
			    j->nns < JOB_NS_MAX; i++) {
		struct ns_entry *e = &j->ns[j->nns++];
		memset(e, 0, sizeof(*e));
		e->addr[0] = j->up.targets[i];
		if (e->addr[0].port == 0)
			e->addr[0].port = 53;
		e->naddr = 1;
		e->lookup_done = true;
	}
}

/* Looks up (name, type) in the cache as the resolver; on a hit appends the
 * records to j and returns the rcode, else -1. */
static int cache_probe(struct dnsp_resolver *r, struct job *j, const uint8_t *name)
{
	if (r->cache == NULL)
		return -1;
	uint8_t qbuf[DNSP_HDR_LEN + DNSP_NAME_MAX + 4];
	int ql = dnsp_up_build_query(qbuf, sizeof(qbuf), 0, true, name, j->qtype, false, 0, 0, 0,
				     NULL);
	if (ql < 0)
		return -1;
	uint8_t *b = r->scratch;
	memcpy(b, qbuf, (size_t)ql);
	struct dnsp_query q;
	if (dnsp_pkt_parse_query(b, (size_t)ql, &q) != 0)
		return -1;
	struct dnsp_resp resp;
	dnsp_resp_init(&resp, b, DNSP_MSG_MAX, DNSP_MSG_MAX, &q);
	struct dnsp_cache_key k;
	job_key(j, &k, name);
	k.ecs_scope = 0;
	struct dnsp_cache_result res;
	if (dnsp_cache_answer(r->cache, &k, dnsp_cache_now(), &resp, &res) <= 0)
		return -1;
	dnsp_resp_set_rcode(&resp, res.rcode);
	uint16_t n = dnsp_resp_finish(&resp, &q, DNSP_MSG_MAX, 0);
	if (dnsp_up_parse(b, n, r->msg) != 0)
		return -1;
	for (uint16_t i = 0; i < r->msg->nrr; i++) {
		const struct dnsp_up_rr *rr = &r->msg->rr[i];
		if (rr->section == DNSP_SEC_ADDITIONAL)
			continue;
		ans_add(j, rr->section, rr->owner, rr->type, rr->rclass, rr->ttl,
			dnsp_up_rdata(r->msg, rr), rr->rdlen);
	}
	return res.rcode;
}

/*
 * Starts (or restarts after a CNAME/DNAME link) resolution of j->cur: the
 * cache, then the closest known zone cut (delegation table, else the root
 * hints) or the route's targets.
 */
static void job_step(struct dnsp_resolver *r, struct job *j)
{
	uint64_t now = now_ms();

	/* Another job may have cached it meanwhile (CNAME targets too; the
	 * target of a local chain was not looked up by the fast path). */
	if (!dnsp_name_equal(j->cur, j->qname) || j->parent != NULL || j->local_len) {
		int rc = cache_probe(r, j, j->cur);
		if (rc >= 0) {
			j->local_hit = j->local_len && dnsp_name_equal(j->cur, j->qname);
			job_finish(r, j, (uint8_t)rc);
			return;
		}
	}
	j->qmin = r->set.qmin && !j->forward;
	if (j->forward) {
		static const uint8_t root[1] = { 0 };
		cut_targets(j, root);
		j->qmin = false;
	} else if (j->up.kind == DNSP_UPSTREAM_DELEGATE && dnsp_name_in(j->cur, j->up.zone)) {
		cut_targets(j, j->up.zone);
	} else {
		/* Closest enclosing cut we know. */
		int labels = dnsp_name_labels(j->cur);
		struct deleg *d = NULL;
		uint8_t anc[DNSP_NAME_MAX];
		for (int l = labels; l > 0 && d == NULL; l--) {
			dnsp_name_ancestor(j->cur, l, anc);
			d = deleg_find(r, anc, now);
		}
		if (d != NULL) {
			memcpy(j->zone, d->zone, dnsp_name_len(d->zone));
			j->nns = d->nns;
			memcpy(j->ns, d->ns, sizeof(j->ns[0]) * d->nns);
			j->ns_lookups = 0;
		} else {
			if (r->set.nhints == 0) {
				job_fail(r, j);
				return;
			}
			cut_root(r, j);
		}
	}
	j->known_labels = dnsp_name_labels(j->zone);
	j->qmin_count = 0;
	job_send(r, j);
}

/* True when an ancestor job already resolves (name, type): a dependency
 * loop (e.g. ns.a.example served by a.example itself without glue). */
static bool ancestor_busy(const struct job *j, const uint8_t *name, uint16_t type)
{
	for (const struct job *a = j; a; a = a->parent)
		if (a->qtype == type && dnsp_name_equal(a->cur, name))
			return true;
	return false;
}

/* Starts a sub-job for an address of name server e of j. */
static bool start_ns_lookup(struct dnsp_resolver *r, struct job *j, struct ns_entry *e)
{
	e->lookup_started = true;
	if (j->depth >= MAX_DEPTH || ancestor_busy(j, e->name, DNSP_T_A))
		return false;
	struct job *c = job_alloc(r);
	if (c == NULL)
		return false;
	ST_INC(r, inflight);
	j->ns_lookups++;
	c->parent = j;
	c->root = j->root;
	c->depth = (uint16_t)(j->depth + 1);
	memcpy(c->qname, e->name, dnsp_name_len(e->name));
	memcpy(c->cur, e->name, dnsp_name_len(e->name));
	c->qtype = DNSP_T_A;
	c->up.kind = DNSP_UPSTREAM_RECURSE;
	c->up.endpoint = -1;
	j->nchildren++;
	/* Started from the timer loop, not from here: no re-entry into j. */
	if (!timer_add(r, now_ms(), TIMER_STEP, c->idx, c->gen)) {
		/* Never started: undo, or j would wait for it until the deadline. */
		j->nchildren--;
		j->ns_lookups--;
		c->parent = NULL;
		job_release(r, c);
		return false;
	}
	return true;
}

/*
 * Tries are counted per address within a job, not per NS listing: an
 * address listed under two NS names (or found again by an NS lookup) gets
 * TRIES_PER_ADDR in all. Every listing of an address carries the same
 * count; one filled in later starts at 0, so the count is the highest.
 */
static uint8_t tries_get(const struct job *j, uint16_t ns_i, uint16_t ad_i)
{
	const struct dnsp_upstream_addr *a = &j->ns[ns_i].addr[ad_i];
	uint8_t t = 0;
	for (uint16_t i = 0; i < j->nns; i++)
		for (uint8_t k = 0; k < j->ns[i].naddr; k++)
			if (j->ns[i].tries[k] > t && addr_eq(&j->ns[i].addr[k], a))
				t = j->ns[i].tries[k];
	return t;
}

static void tries_set(struct job *j, uint16_t ns_i, uint16_t ad_i, uint8_t t)
{
	struct dnsp_upstream_addr a = j->ns[ns_i].addr[ad_i];
	for (uint16_t i = 0; i < j->nns; i++)
		for (uint8_t k = 0; k < j->ns[i].naddr; k++)
			if (addr_eq(&j->ns[i].addr[k], &a))
				j->ns[i].tries[k] = t;
}

/* One try fewer counted against (ns_i, ad_i)'s address (none below 0). */
static void tries_undo(struct job *j, uint16_t ns_i, uint16_t ad_i)
{
	uint8_t t = tries_get(j, ns_i, ad_i);
	if (t > 0)
		tries_set(j, ns_i, ad_i, (uint8_t)(t - 1));
}

/* True when (ns_i, ad_i) is the first listing of its address in j. */
static bool addr_first(const struct job *j, uint16_t ns_i, uint16_t ad_i)
{
	const struct dnsp_upstream_addr *a = &j->ns[ns_i].addr[ad_i];
	for (uint16_t i = 0; i <= ns_i; i++)
		for (uint8_t k = 0; k < j->ns[i].naddr && (i < ns_i || k < ad_i); k++)
			if (addr_eq(&j->ns[i].addr[k], a))
				return false;
	return true;
}

/* Chooses the next address to ask: forwarders in order; else the lowest
 * smoothed RTT (unknown servers first, at a modest score so they get
 * measured), randomised among those within 25% of the best. Skips
 * addresses that failed TRIES_PER_ADDR tries (timeout, error, lame: an
 * answer is not counted) and servers backed off. */
static bool pick_server(struct dnsp_resolver *r, struct job *j, uint16_t *ns_i, uint16_t *ad_i)
{
	uint64_t now = now_ms();
	uint32_t best = UINT32_MAX;
	struct {
		uint16_t n, a;
		uint32_t score;
	} cand[JOB_NS_MAX * NS_ADDR_MAX];
	uint32_t ncand = 0;
	uint16_t fwd_retry_n = UINT16_MAX - 1, fwd_retry_a = 0;
	/* When every server is backed off, one probe of the one that comes
	 * back first (so a zone whose only server hiccupped recovers). */
	int32_t probe_n = -1, probe_a = 0;
	uint64_t probe_at = UINT64_MAX;

	for (uint16_t i = 0; i < j->nns; i++) {
		struct ns_entry *e = &j->ns[i];
		for (uint8_t k = 0; k < e->naddr; k++) {
			if (!addr_first(j, i, k))
				continue; /* one candidate per address */
			uint8_t tries = tries_get(j, i, k);
			if (tries >= TRIES_PER_ADDR)
				continue;
			struct server *s = server_get(r, &e->addr[k], false);
			if (s && s->down_until_ms > now) {
				if (tries == 0 && s->down_until_ms < probe_at) {
					probe_at = s->down_until_ms;
					probe_n = i;
					probe_a = k;
				}
				continue;
			}
			uint32_t score = s && s->srtt_ms ? s->srtt_ms : RTT_UNKNOWN_MS;
			if (tries > 0)
				score += 1000; /* a retry comes after untried servers */
			if (j->forward) {
				/* FORWARD: the rule's order, each target once
				 * before any is retried (failover). */
				if (tries == 0 || fwd_retry_n == UINT16_MAX) {
					*ns_i = i;
					*ad_i = k;
					return true;
				}
				if (fwd_retry_n == UINT16_MAX - 1) {
					fwd_retry_n = i;
					fwd_retry_a = k;
				}
				continue;
			}
			cand[ncand].n = i;
			cand[ncand].a = k;
			cand[ncand].score = score;
			ncand++;
			if (score < best)
				best = score;
		}
	}
	if (j->forward && fwd_retry_n < UINT16_MAX - 1) {
		*ns_i = fwd_retry_n;
		*ad_i = fwd_retry_a;
		return true;
	}
	if (ncand == 0) {
		if (probe_n < 0)
			return false;
		*ns_i = (uint16_t)probe_n;
		*ad_i = (uint16_t)probe_a;
		tries_set(j, *ns_i, *ad_i, TRIES_PER_ADDR - 1); /* one try only */
		return true;
	}
	uint32_t limit = best + best / 4 + 5;
	uint32_t nsel = 0;
	for (uint32_t i = 0; i < ncand; i++)
		if (cand[i].score <= limit)
			cand[nsel++] = cand[i];
	uint32_t pick = rnd_u32(r) % nsel;
	*ns_i = cand[pick].n;
	*ad_i = cand[pick].a;
	return true;
}

/* Opens the socket of an upstream try: UDP (random source port) or TCP,
 * bound to an outbound source address when the route has some. */
static int open_upstream(struct dnsp_resolver *r, struct job *j, const struct dnsp_upstream_addr *a,
			 bool tcp)
{
	int fam = a->family == 6 ? AF_INET6 : AF_INET;
	int fd = socket(fam, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Source address: an outbound ENI of the route, round robin, when the
	 * endpoint admits it (per-ENI ceiling). */
	const struct dnsp_upstream_addr *src = NULL;
	uint8_t ns = j->up.nsources;
	bool any_family = false;
	for (uint8_t t = 0; t < ns && ns <= DNSP_UPSTREAM_SOURCES_MAX; t++) {
		uint32_t i = (r->src_rr + t) % ns;
		const struct dnsp_upstream_addr *s = &j->up.sources[i];
		if (s->family != a->family)
			continue;
		any_family = true;
		if (r->hooks.outbound_admit &&
		    !r->hooks.outbound_admit(r->hooks.ctx, j->up.endpoint, i))
			continue;
		src = s;
		r->src_rr = i + 1;
		break;
	}
	if (any_family && src == NULL) {
		close(fd);
		ST_INC(r, up_dropped);
		return -EAGAIN;
	}
	struct sockaddr_storage ss;
	socklen_t sl;
	for (int attempt = 0; attempt < 8; attempt++) {
		memset(&ss, 0, sizeof(ss));
		/* Random source port from 1024..65535 (RFC 5452 §9.2); the last
		 * attempt lets the kernel choose. */
		uint16_t port = attempt < 7 && !tcp ? (uint16_t)(1024 + rnd_u32(r) % 64512) : 0;
		if (fam == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(port);
			if (src)
				memcpy(&s6->sin6_addr, src->addr, 16);
			sl = sizeof(*s6);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			s4->sin_family = AF_INET;
			s4->sin_port = htons(port);
			if (src)
				memcpy(&s4->sin_addr, src->addr, 4);
			sl = sizeof(*s4);
		}
		if (port == 0 && src == NULL)
			break; /* nothing to bind */
		if (bind(fd, (struct sockaddr *)&ss, sl) == 0)
			break;
		if (errno != EADDRINUSE || attempt == 7) {
			int e = errno;
			close(fd);
			return -e;
		}
	}
	memset(&ss, 0, sizeof(ss));
	if (fam == AF_INET6) {
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&ss;
		d->sin6_family = AF_INET6;
		d->sin6_port = htons(a->port ? a->port : 53);
		memcpy(&d->sin6_addr, a->addr, 16);
		sl = sizeof(*d);
	} else {
		struct sockaddr_in *d = (struct sockaddr_in *)&ss;
		d->sin_family = AF_INET;
		d->sin_port = htons(a->port ? a->port : 53);
		memcpy(&d->sin_addr, a->addr, 4);
		sl = sizeof(*d);
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Random 0x20 case for the letters of name (in place). */
static void apply_0x20(struct dnsp_resolver *r, uint8_t *name)
{
	uint8_t bits[32];
	rnd_bytes(r, bits, sizeof(bits));
	size_t n = dnsp_name_len(name), bit = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = name[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			bool up = (bits[(bit / 8) % 32] >> (bit % 8)) & 1;
			name[i] = up ? (uint8_t)(c & ~0x20) : (uint8_t)(c | 0x20);
			bit++;
		}
	}
}

/* Sends one try for j to (ns_i, ad_i). qname/qtype: what to ask. */
static bool upq_start(struct dnsp_resolver *r, struct job *j, uint16_t ns_i, uint16_t ad_i,
		      const uint8_t *qname, uint16_t qtype, bool tcp)
{
	if (r->upq_free < 0)
		return false;
	struct ns_entry *e = &j->ns[ns_i];
	const struct dnsp_upstream_addr *a = &e->addr[ad_i];
	struct server *s = server_get(r, a, true);
	int fd = open_upstream(r, j, a, tcp);
	if (fd < 0)
		return false;
	struct upq *q = &r->upqs[r->upq_free];
	r->upq_free = q->next_free;
	q->used = true;
	q->job = j;
	q->fd = fd;
	q->tcp = tcp;
	q->tcp_connected = false;
	q->addr = *a;
	q->ns_index = ns_i;
	q->addr_index = ad_i;
	q->qtype = qtype;
	memcpy(q->qname, qname, dnsp_name_len(qname));
	q->exact_case = r->set.use_0x20 && !j->forward;
	if (q->exact_case)
		apply_0x20(r, q->qname);
	uint16_t id;
	rnd_bytes(r, &id, sizeof(id));
	q->id = id;
	q->edns = !(s && s->no_edns);
	bool full = dnsp_name_equal(qname, j->cur) && qtype == j->qtype;
	uint16_t ecs_fam = full && j->ecs_family ? j->ecs_family : 0;
	uint8_t buf[DNSP_HDR_LEN + DNSP_NAME_MAX + 4 + 11 + 24 + 2];
	int len = dnsp_up_build_query(buf + 2, sizeof(buf) - 2, q->id, j->forward, q->qname, qtype,
				      q->edns, UDP_SIZE, ecs_fam, j->ecs_source, j->ecs_addr);
	if (len < 0) {
		upq_release(r, q);
		return false;
	}
	q->out = NULL;
	q->in = NULL;
	q->in_len = 0;
	q->sent_ms = now_ms();
	j->upq = q;
	tries_set(j, ns_i, ad_i, (uint8_t)(tries_get(j, ns_i, ad_i) + 1));
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag_make(TAG_UPQ, q->gen, q->idx) };
	if (tcp) {
		q->out = malloc((size_t)len + 2);
		if (q->out == NULL) {
			upq_release(r, q);
			return false;
		}
		buf[0] = (uint8_t)(len >> 8);
		buf[1] = (uint8_t)len;
		memcpy(q->out, buf, (size_t)len + 2);
		q->out_len = (uint32_t)len + 2;
		q->out_off = 0;
		ev.events = EPOLLOUT;
		ST_INC(r, up_tcp);
	} else if (send(fd, buf + 2, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		ST_INC(r, up_error);
		upq_release(r, q);
		return false;
	}
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		upq_release(r, q);
		return false;
	}
	ST_INC(r, up_sent);
	if (!timer_add(r, q->sent_ms + server_rto(r, s), TAG_UPQ, q->idx, q->gen)) {
		upq_release(r, q); /* a try nobody would time out */
		return false;
	}
	return true;
}

/* Sends j's next try: the next minimised (or full) name to the best server
 * not yet exhausted; starts NS address lookups when no server has an
 * address; fails when nothing is left or the budget is spent. */
static void job_send(struct dnsp_resolver *r, struct job *j)
{
	if (j->upq != NULL)
		return;
	uint16_t ns_i, ad_i;
	while (!pick_server(r, j, &ns_i, &ad_i)) {
		/* No usable address: resolve name servers without glue, at most
		 * max_ns_lookups per cut (NXNSAttack bound). */
		bool started = false;
		for (uint16_t i = 0; i < j->nns && !started; i++) {
			struct ns_entry *e = &j->ns[i];
			if (e->naddr != 0 || e->lookup_started)
				continue;
			if (j->ns_lookups >= r->set.lim.max_ns_lookups) {
				/* The per-cut bound is the NXNSAttack guard (with
				 * the root's query budget): the other names of this
				 * NS set are never looked up. */
				ST_INC(r, limit_hits);
				for (uint16_t k = 0; k < j->nns; k++)
					j->ns[k].lookup_started = true;
				break;
			}
			started = start_ns_lookup(r, j, e);
		}
		if (started || j->nchildren > 0)
			return; /* wait for an address */
		job_fail(r, j);
		return;
	}
	if (!dnsp_work_charge(&j->root->work, &r->set.lim, DNSP_WORK_QUERY)) {
		ST_INC(r, limit_hits);
		tree_fail(r, j);
		return;
	}
	uint8_t asked[DNSP_NAME_MAX];
	uint16_t qtype = j->qtype;
	int cur_labels = dnsp_name_labels(j->cur);
	if (j->qmin) {
		int l = dnsp_qmin_next(j->known_labels, cur_labels, j->qmin_count);
		if (l < cur_labels) {
			dnsp_name_ancestor(j->cur, l, asked);
			qtype = DNSP_T_A; /* RFC 9156 §2.1 */
		} else {
			memcpy(asked, j->cur, dnsp_name_len(j->cur));
		}
	} else {
		memcpy(asked, j->cur, dnsp_name_len(j->cur));
	}
	if (!upq_start(r, j, ns_i, ad_i, asked, qtype, false)) {
		/* Could not send to that address: count it tried and go on. */
		tries_set(j, ns_i, ad_i, TRIES_PER_ADDR);
		job_send(r, j);
	}
}

/* Moves j to the referral's cut (NS names and in-bailiwick glue). */
static void take_referral(struct dnsp_resolver *r, struct job *j, const struct dnsp_up_msg *m,
			  const struct dnsp_up_class *c)
{
	memcpy(j->zone, c->cut, dnsp_name_len(c->cut));
	j->nns = 0;
	j->ns_lookups = 0;
	for (uint16_t i = 0; i < c->nns && j->nns < JOB_NS_MAX; i++) {
		const uint8_t *nm = dnsp_up_rdata(m, &m->rr[c->ns[i]]);
		bool dup = false;
		for (uint16_t k = 0; k < j->nns && !dup; k++)
			dup = dnsp_name_equal(j->ns[k].name, nm);
		if (dup)
			continue;
		struct ns_entry *e = &j->ns[j->nns++];
		memset(e, 0, sizeof(*e));
		memcpy(e->name, nm, dnsp_name_len(nm));
		dnsp_name_lower(e->name);
		for (uint16_t g = 0; g < c->nglue && e->naddr < NS_ADDR_MAX; g++) {
			const struct dnsp_up_rr *rr = &m->rr[c->glue[g]];
			if (!dnsp_name_equal(rr->owner, e->name))
				continue;
			struct dnsp_upstream_addr *a = &e->addr[e->naddr++];
			memset(a, 0, sizeof(*a));
			a->family = rr->type == DNSP_T_A ? 4 : 6;
			a->port = 53;
			memcpy(a->addr, dnsp_up_rdata(m, rr), rr->rdlen);
		}
		/* Addresses we already learned for this name elsewhere. */
		if (e->naddr == 0) {
			uint64_t now = now_ms();
			for (size_t b = 0; b < 1024 && e->naddr == 0; b++)
				for (struct deleg *d = r->delegs[b]; d && e->naddr == 0; d = d->hnext)
					for (uint16_t k = 0; k < d->nns; k++)
						if (d->expire_ms > now && d->ns[k].naddr > 0 &&
						    dnsp_name_equal(d->ns[k].name, e->name)) {
							e->naddr = d->ns[k].naddr;
							memcpy(e->addr, d->ns[k].addr, sizeof(e->addr));
							break;
						}
		}
	}
	j->known_labels = dnsp_name_labels(j->zone);
	/* The table is shared by every VPC and read by public recursion: a
	 * cut learned from a DELEGATE rule's private servers is theirs alone
	 * (the rule reaches them again through its targets). */
	if (!(j->up.kind == DNSP_UPSTREAM_DELEGATE && dnsp_name_in(c->cut, j->up.zone)))
		deleg_store(r, j, c->ns_ttl, now_ms());
}

/* Handles a parsed, matching response to try q of job j. */
static void job_response(struct dnsp_resolver *r, struct job *j, struct upq *q,
			 const struct dnsp_up_msg *m)
{
	struct server *s = server_get(r, &q->addr, true);
	uint64_t now = now_ms();
	if (s)
		server_rtt(s, (uint32_t)(now - q->sent_ms));
	bool minimised = !(dnsp_name_equal(q->qname, j->cur) && q->qtype == j->qtype);
	uint16_t ns_i = q->ns_index, ad_i = q->addr_index;
	bool was_edns = q->edns, was_tcp = q->tcp;
	uint8_t asked[DNSP_NAME_MAX];
	memcpy(asked, q->qname, dnsp_name_len(q->qname));
	dnsp_name_lower(asked);
	upq_release(r, q);

	if ((m->flags & DNSP_FLAG_TC) && !was_tcp) {
		/* Truncated: the same question again over TCP (RFC 7766 §5),
		 * a query of its own for the budget (a server answering TC to
		 * everything must not double what one client query costs). */
		if (!dnsp_work_charge(&j->root->work, &r->set.lim, DNSP_WORK_QUERY)) {
			ST_INC(r, limit_hits);
			tree_fail(r, j);
			return;
		}
		tries_undo(j, ns_i, ad_i);
		if (!upq_start(r, j, ns_i, ad_i, asked, minimised ? DNSP_T_A : j->qtype, true))
			job_send(r, j);
		return;
	}
	if (m->has_ecs && j->ecs_family && !minimised) {
		j->ecs_seen = true;
		j->ecs_scope = m->ecs_scope > j->ecs_source ? j->ecs_source : m->ecs_scope;
	}
	static const uint8_t root[1] = { 0 };
	const uint8_t *zone = j->forward ? root : j->zone;
	/* Thread scratch, like r->msg: only read before the job moves on. */
	struct dnsp_up_class *c = r->cls;
	dnsp_up_classify(m, asked, minimised ? DNSP_T_A : j->qtype, zone, r->set.lim.max_cname_chain,
			 c);
	if (c->dropped)
		ST_ADD(r, bailiwick_dropped, c->dropped);

	if (c->kind == DNSP_UP_FORMERR && was_edns && s) {
		/* EDNS fallback (RFC 6891 §7): this server gets plain queries. */
		s->no_edns = true;
		ST_INC(r, up_edns_fallback);
		tries_undo(j, ns_i, ad_i);
		job_send(r, j);
		return;
	}
	if (c->kind == DNSP_UP_SERVFAIL || c->kind == DNSP_UP_FORMERR || c->kind == DNSP_UP_LAME) {
		ST_INC(r, up_error);
		if (minimised) {
			/* Relaxed minimisation (RFC 9156 §2.3, §4): a server may
			 * mishandle minimised questions (empty non-terminals) and
			 * answer the full one. It is asked the full name once,
			 * the failed minimised try not counted against its
			 * address (a zone with one address would otherwise have
			 * nowhere left to ask). The send is charged as any other. */
			j->qmin = false;
			tries_undo(j, ns_i, ad_i);
			if (!dnsp_work_charge(&j->root->work, &r->set.lim, DNSP_WORK_QUERY)) {
				ST_INC(r, limit_hits);
				tree_fail(r, j);
				return;
			}
			if (!upq_start(r, j, ns_i, ad_i, j->cur, j->qtype, false)) {
				tries_set(j, ns_i, ad_i, TRIES_PER_ADDR);
				job_send(r, j);
			}
			return;
		}
		tries_set(j, ns_i, ad_i, TRIES_PER_ADDR);
		job_send(r, j);
		return;
	}
	ST_INC(r, up_ok);
	/* A usable answer is not a failed try: the per-address bound counts
	 * timeouts and errors only, so a server asked again by this job (the
	 * next minimised label, the full name after a minimised NXDOMAIN) is
	 * not used up by its own answers. What bounds the queries of a client
	 * query is its work budget, charged on every send. */
	tries_undo(j, ns_i, ad_i);

	if (minimised) {
		if (c->kind == DNSP_UP_REFERRAL && dnsp_name_in(j->cur, c->cut)) {
			if (!dnsp_work_charge(&j->root->work, &r->set.lim, DNSP_WORK_REFERRAL)) {
				ST_INC(r, limit_hits);
				tree_fail(r, j);
				return;
			}
			take_referral(r, j, m, c);
		} else if (c->kind == DNSP_UP_NXDOMAIN) {
			/* Relaxed: an NXDOMAIN for an ancestor may be a broken
			 * server (empty non-terminal); confirm with the full name. */
			j->qmin = false;
		} else {
			/* The name exists and has no cut of its own: one label deeper. */
			j->known_labels = dnsp_name_labels(asked);
			j->qmin_count++;
		}
		job_send(r, j);
		return;
	}

	switch (c->kind) {
	case DNSP_UP_ANSWER:
		ans_take(j, m, c);
		job_finish(r, j, DNSP_RCODE_NOERROR);
		return;
	case DNSP_UP_NXDOMAIN:
	case DNSP_UP_NODATA: {
		uint8_t rcode = c->kind == DNSP_UP_NXDOMAIN ? DNSP_RCODE_NXDOMAIN
							    : DNSP_RCODE_NOERROR;
		ans_take(j, m, c);
		job_finish(r, j, rcode);
		return;
	}
	case DNSP_UP_CNAME:
	case DNSP_UP_REFERRAL: {
		ans_take(j, m, c);
		for (uint16_t k = 0; k < c->nchain; k++)
			if (!dnsp_work_charge(&j->root->work, &r->set.lim, DNSP_WORK_CNAME)) {
				ST_INC(r, limit_hits);
				tree_fail(r, j);
				return;
			}
		if (c->kind == DNSP_UP_CNAME && j->forward) {
			/* A forwarder's answer is relayed as it is. */
			job_finish(r, j, DNSP_RCODE_NOERROR);
			return;
		}
		bool moved = !dnsp_name_equal(c->next, j->cur);
		memcpy(j->cur, c->next, dnsp_name_len(c->next));
		if (c->kind == DNSP_UP_REFERRAL && !j->forward) {
			if (!dnsp_work_charge(&j->root->work, &r->set.lim, DNSP_WORK_REFERRAL)) {
				ST_INC(r, limit_hits);
				tree_fail(r, j);
				return;
			}
			take_referral(r, j, m, c);
			j->qmin_count = 0;
			job_send(r, j);
			return;
		}
		if (!moved) {
			tries_set(j, ns_i, ad_i, TRIES_PER_ADDR);
			job_send(r, j);
			return;
		}
		job_step(r, j); /* new name: cache, closest cut */
		return;
	}
	default:
		/* Nothing to take from it: this address is done for this job. */
		tries_set(j, ns_i, ad_i, TRIES_PER_ADDR);
		job_send(r, j);
		return;
	}
}

/* ----------------------------------------------------- upstream events */

static void upq_timeout(struct dnsp_resolver *r, struct upq *q)
{
	struct job *j = q->job;
	ST_INC(r, up_timeout);
	struct server *s = server_get(r, &q->addr, true);
	if (s)
		server_timeout(s, now_ms());
	upq_release(r, q);
	if (j)
		job_send(r, j);
}

/* Reads a UDP response or progresses a TCP exchange. */
static void upq_event(struct dnsp_resolver *r, struct upq *q, uint32_t events)
{
	struct job *j = q->job;
	if (j == NULL) {
		upq_release(r, q);
		return;
	}
	uint8_t *b = r->scratch;
	ssize_t n = -1;
	if (!q->tcp) {
		n = recv(q->fd, b, DNSP_MSG_MAX, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* ICMP unreachable etc.: this server is no good now. */
			ST_INC(r, up_error);
			struct server *s = server_get(r, &q->addr, true);
			if (s)
				server_timeout(s, now_ms());
			tries_set(j, q->ns_index, q->addr_index, TRIES_PER_ADDR);
			upq_release(r, q);
			job_send(r, j);
			return;
		}
	} else {
		if (events & (EPOLLERR | EPOLLHUP) && q->out_off < q->out_len) {
			ST_INC(r, up_error);
			tries_set(j, q->ns_index, q->addr_index, TRIES_PER_ADDR);
			upq_release(r, q);
			job_send(r, j);
			return;
		}
		if (q->out_off < q->out_len) {
			ssize_t w = send(q->fd, q->out + q->out_off, q->out_len - q->out_off,
					 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return;
				ST_INC(r, up_error);
				tries_set(j, q->ns_index, q->addr_index, TRIES_PER_ADDR);
				upq_release(r, q);
				job_send(r, j);
				return;
			}
			q->out_off += (uint32_t)w;
			if (q->out_off == q->out_len) {
				struct epoll_event ev = { .events = EPOLLIN,
					.data.u64 = tag_make(TAG_UPQ, q->gen, q->idx) };
				epoll_ctl(r->epfd, EPOLL_CTL_MOD, q->fd, &ev);
			}
			return;
		}
		if (q->in == NULL) {
			q->in = malloc(2 + DNSP_MSG_MAX);
			if (q->in == NULL) {
				upq_release(r, q);
				tree_fail(r, j);
				return;
			}
		}
		ssize_t k = recv(q->fd, q->in + q->in_len, 2 + DNSP_MSG_MAX - q->in_len,
				 MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (k <= 0) {
			ST_INC(r, up_error);
			tries_set(j, q->ns_index, q->addr_index, TRIES_PER_ADDR);
			upq_release(r, q);
			job_send(r, j);
			return;
		}
		q->in_len += (uint32_t)k;
		if (q->in_len < 2)
			return;
		uint32_t flen = (uint32_t)q->in[0] << 8 | q->in[1];
		if (q->in_len < 2 + flen)
			return;
		memcpy(b, q->in + 2, flen);
		n = (ssize_t)flen;
	}
	if (dnsp_up_parse(b, (size_t)n, r->msg) != 0 ||
	    !dnsp_up_matches(r->msg, q->id, q->qname, q->qtype, q->exact_case)) {
		/* Not the answer to this try (spoof attempt or garbage): keep
		 * waiting on UDP; a bad TCP reply ends the try. */
		if (!q->tcp)
			return;
		ST_INC(r, up_error);
		tries_set(j, q->ns_index, q->addr_index, TRIES_PER_ADDR);
		upq_release(r, q);
		job_send(r, j);
		return;
	}
	job_response(r, j, q, r->msg);
}

/* --------------------------------------------------------- requests */

/*
 * A query of a VPC whose own source is a private zone reaches the slow
 * path only when the zone's CNAME chain led to a target that goes upstream
 * (lib/sources.h dnsp_sources_answer): the chain is answered again from
 * the zones of the current snapshot, for the client's VPC in it (reply_vpc:
 * after a reload the VPC is found again), its records become the start of the
 * job's answer, each link charged to the CNAME budget, and the job
 * resolves the target through the target's route (its cache entry, its
 * rule, or public recursion). When the zones now answer the whole query
 * the client gets that answer. Returns true when j goes on (a chain, or
 * an ordinary query), false when j was answered or failed.
 */
static bool local_part(struct dnsp_resolver *r, struct job *j, const struct dnsp_punt_req *req,
		       const struct dnsp_query *q)
{
	const struct dnsp_snapshot *s = dnsp_snapshot_current();
	if (s == NULL || req->vpc < 0)
		return true;
	int32_t vpc = reply_vpc(s, req); /* found again after a reload */
	/* Most punts are not chains: no zone of the VPC owns the name. */
	const struct dnsp_resolver_data *rd = s->resolver;
	if (vpc < 0 || rd == NULL || (uint32_t)vpc >= rd->nvpcs ||
	    dnsp_sources_zone_for(&rd->vpcs[vpc].sources, q->qname) == NULL)
		return true;
	uint8_t *b = r->scratch;
	memcpy(b, req->query, req->len);
	struct dnsp_query lq;
	if (dnsp_pkt_parse_query(b, req->len, &lq) != 0)
		return true;
	struct dnsp_resp resp;
	dnsp_resp_init(&resp, b, DNSP_MSG_MAX, DNSP_MSG_MAX, &lq);
	const uint8_t *target;
	const struct dnsp_upstream *up;
	const struct dnsp_punt_client *cl = &req->client;
	uint64_t seed = (uint64_t)rnd_u32(r) << 32 | rnd_u32(r) | 1;
	int rcode = dnsp_sources_local_part(s, vpc, q->qname, q->qtype, cl->family, cl->addr,
					    seed, &resp, &target, &up);
	if (rcode < 0)
		return true;
	if (target == NULL) {
		/* The zones answer it all now: that answer, sized for the client. */
		struct dnsp_query cq;
		if (req->client.reply != DNSP_REPLY_NONE && reply_begin(r, req, &cq, &resp)) {
			rcode = dnsp_sources_local_part(s, vpc, q->qname, q->qtype, cl->family,
							cl->addr, seed, &resp, &target, &up);
			reply_send(r, req, &cq, &resp, (uint8_t)rcode, 0);
		}
		job_release(r, j);
		return false;
	}
	uint16_t n = dnsp_resp_finish(&resp, &lq, DNSP_MSG_MAX, 0);
	if (dnsp_up_parse(b, n, r->msg) != 0) {
		job_fail(r, j);
		return false;
	}
	for (uint16_t i = 0; i < r->msg->nrr; i++) {
		const struct dnsp_up_rr *rr = &r->msg->rr[i];
		if (rr->section != DNSP_SEC_ANSWER)
			continue;
		if (!dnsp_work_charge(&j->work, &r->set.lim, DNSP_WORK_CNAME)) {
			ST_INC(r, limit_hits);
			job_fail(r, j);
			return false;
		}
		ans_add(j, DNSP_SEC_ANSWER, rr->owner, rr->type, rr->rclass, rr->ttl,
			dnsp_up_rdata(r->msg, rr), rr->rdlen);
	}
	j->local_len = j->ans_len;
	size_t tl = dnsp_name_len(target);
	memcpy(j->qname, target, tl);
	memcpy(j->cur, target, tl);
	memset(&j->up, 0, sizeof(j->up));
	if (up != NULL) {
		j->up = *up;
	} else {
		j->up.kind = DNSP_UPSTREAM_RECURSE;
		j->up.endpoint = -1;
	}
	j->forward = j->up.kind == DNSP_UPSTREAM_FORWARD;
	return true;
}

/* Starts a root job for a punted query (or answers it at once). */
static void take_request(struct dnsp_resolver *r, const struct dnsp_punt_req *req)
{
	if (req->prefetch)
		ST_INC(r, prefetches);
	else
		ST_INC(r, requests);
	struct dnsp_query q;
	if (dnsp_pkt_parse_query(req->query, req->len, &q) != 0)
		return; /* the worker parsed it already; cannot happen */
	struct job *j = job_alloc(r);
	struct dnsp_punt_req *copy = j ? malloc(sizeof(*copy)) : NULL;
	if (copy == NULL) {
		if (j) {
			j->used = false;
			j->next_free = r->job_free;
			r->job_free = (int32_t)j->idx;
		}
		ST_INC(r, inbox_full);
		struct dnsp_resp resp;
		struct dnsp_query q2;
		if (req->client.reply != DNSP_REPLY_NONE && reply_begin(r, req, &q2, &resp))
			reply_send(r, req, &q2, &resp, DNSP_RCODE_SERVFAIL, 0);
		return;
	}
	ST_INC(r, inflight);
	memcpy(copy, req, offsetof(struct dnsp_punt_req, query) + req->len);
	j->req = copy;
	j->root = j;
	memcpy(j->qname, q.qname, q.qname_len);
	memcpy(j->cur, q.qname, q.qname_len);
	j->qtype = q.qtype;
	j->up = req->upstream;
	j->forward = j->up.kind == DNSP_UPSTREAM_FORWARD;
	uint64_t start = req->received_ns / 1000000u;
	uint64_t now = now_ms();
	if (start == 0 || start > now)
		start = now;
	j->deadline_ms = start + r->set.query_timeout_ms;
	/* ECS upstream for this VPC: the client's subnet, truncated. */
	uint8_t fam = 0, src = 0;
	const uint8_t *addr = NULL;
	if (q.has_ecs) {
		fam = (uint8_t)q.ecs_family;
		addr = q.ecs_addr;
	} else {
		fam = req->client.family == 6 ? 2 : 1;
		addr = req->client.addr;
	}
	src = fam == 1 ? req->ecs_v4 : req->ecs_v6;
	if (q.has_ecs && q.ecs_source_prefix < src)
		src = q.ecs_source_prefix;
	if (src > 0 && (req->ecs_v4 || req->ecs_v6)) {
		j->ecs_family = fam;
		j->ecs_source = src;
		unsigned nb = (src + 7u) / 8u;
		memcpy(j->ecs_addr, addr, nb);
		if (src % 8)
			j->ecs_addr[nb - 1] &= (uint8_t)(0xff << (8 - src % 8));
	}
	if (!local_part(r, j, req, &q))
		return;
	bool ok = r->set.enabled || j->up.kind != DNSP_UPSTREAM_RECURSE;
	if (!ok || q.qclass != DNSP_CLASS_IN) {
		job_fail(r, j);
		return;
	}
	if (!timer_add(r, j->deadline_ms, TIMER_DEADLINE, j->idx, j->gen)) {
		job_fail(r, j);
		return;
	}
	job_step(r, j);
}

/* Takes queued requests; returns true when the budget ran out (more may
 * be waiting without a wakeup to come). */
static bool drain_requests(struct dnsp_resolver *r)
{
	static struct dnsp_punt_req req; /* resolver thread only */
	uint32_t budget = REQUESTS_PER_LOOP;
	if (r->chan) {
		uint32_t nw = dnsp_punt_chan_workers(r->chan);
		bool more = true;
		while (more && budget > 0) {
			more = false;
			for (uint32_t w = 0; w < nw && budget > 0; w++)
				if (dnsp_punt_pop(r->chan, w, &req) > 0) {
					take_request(r, &req);
					budget--;
					more = true;
				}
		}
	}
	for (;;) {
		struct dnsp_punt_req *p = NULL;
		pthread_mutex_lock(&r->inbox_lock);
		if (r->ninbox > 0) {
			p = r->inbox[0];
			memmove(r->inbox, r->inbox + 1, (r->ninbox - 1) * sizeof(r->inbox[0]));
			r->ninbox--;
		}
		pthread_mutex_unlock(&r->inbox_lock);
		if (p == NULL)
			break;
		take_request(r, p);
		free(p);
	}
	return budget == 0;
}

/* ------------------------------------------------------------- settings */

static void refresh_settings(struct dnsp_resolver *r)
{
	const struct dnsp_snapshot *s = dnsp_snapshot_current();
	if (s == NULL || s->generation == r->set.generation)
		return;
	const struct dnsp_recursion_conf *c = s->recursion;
	struct settings *st = &r->set;
	st->generation = s->generation;
	st->udp_max = s->udp_max ? s->udp_max : DNSP_UDP_EDNS_CAP;
	if (c == NULL) {
		st->enabled = false;
		st->nhints = 0;
		return;
	}
	bool hints_changed = st->nhints != (c->nhints > 64 ? 64 : c->nhints);
	uint32_t n = c->nhints > 64 ? 64 : c->nhints;
	for (uint32_t i = 0; i < n && !hints_changed; i++)
		hints_changed = memcmp(&st->hints[i], &c->hints[i], sizeof(st->hints[i])) != 0;
	st->enabled = c->enabled;
	st->nhints = n;
	if (n)
		memcpy(st->hints, c->hints, n * sizeof(st->hints[0]));
	st->qmin = c->qname_minimisation;
	st->use_0x20 = c->use_0x20;
	st->serve_stale = c->serve_stale;
	st->query_timeout_ms = c->query_timeout_ms ? c->query_timeout_ms : 3000;
	st->upstream_timeout_ms = c->upstream_timeout_ms ? c->upstream_timeout_ms : 400;
	st->lim.max_referrals = c->max_referrals;
	st->lim.max_cname_chain = c->max_cname_chain;
	st->lim.max_upstream_queries = c->max_upstream_queries;
	st->lim.max_ns_lookups = c->max_ns_lookups;
	if (r->cache)
		dnsp_cache_set_limits(r->cache, &c->cache_limits);
	if (hints_changed) {
		/* New root servers: what was learned from the old ones goes. */
		delegs_clear(r);
	}
}

static void settings_default(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	s->qmin = true;
	s->query_timeout_ms = 3000;
	s->upstream_timeout_ms = 400;
	s->lim.max_referrals = 20;
	s->lim.max_cname_chain = 11;
	s->lim.max_upstream_queries = 48;
	s->lim.max_ns_lookups = 4;
	s->udp_max = DNSP_UDP_EDNS_CAP;
}

/* ----------------------------------------------------------------- loop */

static void run_timers(struct dnsp_resolver *r)
{
	struct timer t;
	uint64_t now = now_ms();
	while (timer_pop_due(r, now, &t)) {
		if (t.kind == TAG_UPQ) {
			if (t.idx < MAX_UPQ && r->upqs[t.idx].used && r->upqs[t.idx].gen == t.gen)
				upq_timeout(r, &r->upqs[t.idx]);
		} else if (t.kind == TIMER_STEP) {
			struct job *j = job_get(r, t.idx, t.gen);
			if (j != NULL)
				job_step(r, j);
		} else {
			struct job *j = job_get(r, t.idx, t.gen);
			if (j != NULL && j->parent == NULL) {
				ST_INC(r, deadline_expired);
				job_fail(r, j);
			}
		}
		now = now_ms();
	}
}

static int next_timeout(struct dnsp_resolver *r)
{
	if (r->nheap == 0)
		return 1000;
	uint64_t now = now_ms(), at = r->heap[0].at_ms;
	if (at <= now)
		return 0;
	return at - now > 1000 ? 1000 : (int)(at - now);
}

static void *resolver_main(void *arg)
{
	struct dnsp_resolver *r = arg;
	struct epoll_event ev[EPOLL_EVENTS];
	rcu_register_thread();
	for (bool stop = false; !stop;) {
		refresh_settings(r); /* before taking requests: the first loop too */
		int timeout = next_timeout(r);
		if (r->chan)
			dnsp_punt_consumer_sleeping(r->chan, true);
		/* Anything pushed before the flag was seen: do not sleep on it
		 * (later pushes see the flag and kick the eventfd). */
		if (drain_requests(r))
			timeout = 0;
		rcu_thread_offline();
		int n = epoll_wait(r->epfd, ev, EPOLL_EVENTS, timeout);
		rcu_thread_online();
		if (r->chan)
			dnsp_punt_consumer_sleeping(r->chan, false);
		refresh_settings(r);
		for (int i = 0; i < n; i++) {
			uint64_t tag = ev[i].data.u64;
			uint32_t kind = (uint32_t)(tag >> 56);
			uint32_t gen = (uint32_t)(tag >> 24);
			uint32_t idx = (uint32_t)(tag & 0xffffff);
			uint64_t v;
			switch (kind) {
			case TAG_STOP:
				stop = true;
				break;
			case TAG_REQ:
			case TAG_INBOX:
				if (read(kind == TAG_REQ ? dnsp_punt_request_fd(r->chan) : r->inbox_fd,
					 &v, sizeof(v)) < 0)
					(void)0; /* EAGAIN: another wakeup drained it */
				break;
			case TAG_UPQ:
				if (idx < MAX_UPQ && r->upqs[idx].used &&
				    (r->upqs[idx].gen & 0xffffffffu) == gen)
					upq_event(r, &r->upqs[idx], ev[i].events);
				break;
			default:
				break;
			}
		}
		drain_requests(r);
		run_timers(r);
		uint64_t now = now_ms();
		if (r->cache && now - r->last_maintain_ms >= 1000) {
			r->last_maintain_ms = now;
			dnsp_cache_maintain(r->cache, dnsp_cache_now(), 4096);
		}
		rcu_quiescent_state();
	}
	/* Stopping: every client still waiting gets SERVFAIL. */
	for (uint32_t i = 0; i < MAX_JOBS; i++)
		if (r->jobs[i].used && r->jobs[i].parent == NULL)
			job_fail(r, &r->jobs[i]);
	rcu_unregister_thread();
	return NULL;
}

/* ---------------------------------------------------------------- API */

int dnsp_resolver_create(const struct dnsp_resolver_params *p, dnsp_resolver_t **out)
{
	if (p == NULL || out == NULL)
		return -EINVAL;
	*out = NULL;
	struct dnsp_resolver *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->cache = p->cache;
	r->chan = p->chan;
	r->hooks = p->hooks;
	r->epfd = r->stop_fd = r->inbox_fd = -1;
	pthread_mutex_init(&r->inbox_lock, NULL);
	settings_default(&r->set);
	r->rnd_used = sizeof(r->rnd); /* refill on first use */
	r->jobs = calloc(MAX_JOBS, sizeof(*r->jobs));
	r->upqs = calloc(MAX_UPQ, sizeof(*r->upqs));
	r->msg = malloc(sizeof(*r->msg));
	r->cls = malloc(sizeof(*r->cls));
	r->scratch = malloc(DNSP_MSG_MAX + 2);
	if (!r->jobs || !r->upqs || !r->msg || !r->cls || !r->scratch) {
		dnsp_resolver_destroy(r);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < MAX_JOBS; i++) {
		r->jobs[i].idx = i;
		r->jobs[i].next_free = i + 1 < MAX_JOBS ? (int32_t)(i + 1) : -1;
	}
	for (uint32_t i = 0; i < MAX_UPQ; i++) {
		r->upqs[i].idx = i;
		r->upqs[i].fd = -1;
		r->upqs[i].next_free = i + 1 < MAX_UPQ ? (int32_t)(i + 1) : -1;
	}
	r->job_free = 0;
	r->upq_free = 0;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->inbox_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->epfd < 0 || r->stop_fd < 0 || r->inbox_fd < 0) {
		int e = -errno;
		dnsp_resolver_destroy(r);
		return e;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag_make(TAG_STOP, 0, 0) };
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->stop_fd, &ev);
	ev.data.u64 = tag_make(TAG_INBOX, 0, 0);
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->inbox_fd, &ev);
	if (r->chan) {
		ev.data.u64 = tag_make(TAG_REQ, 0, 0);
		epoll_ctl(r->epfd, EPOLL_CTL_ADD, dnsp_punt_request_fd(r->chan), &ev);
	}
	*out = r;
	return 0;
}

int dnsp_resolver_start(dnsp_resolver_t *r)
{
	if (r == NULL || r->running)
		return -EINVAL;
	int rc = pthread_create(&r->thread, NULL, resolver_main, r);
	if (rc != 0)
		return -rc;
	r->running = true;
	return 0;
}

void dnsp_resolver_stop(dnsp_resolver_t *r)
{
	if (r == NULL || !r->running)
		return;
	uint64_t one = 1;
	if (write(r->stop_fd, &one, sizeof(one)) < 0)
		(void)0;
	pthread_join(r->thread, NULL);
	r->running = false;
}

void dnsp_resolver_destroy(dnsp_resolver_t *r)
{
	if (r == NULL)
		return;
	dnsp_resolver_stop(r);
	for (uint32_t i = 0; r->upqs && i < MAX_UPQ; i++) {
		if (r->upqs[i].fd >= 0)
			close(r->upqs[i].fd);
		free(r->upqs[i].out);
		free(r->upqs[i].in);
	}
	for (uint32_t i = 0; r->jobs && i < MAX_JOBS; i++) {
		free(r->jobs[i].ans);
		free(r->jobs[i].req);
	}
	for (uint32_t i = 0; i < r->ninbox; i++)
		free(r->inbox[i]);
	servers_clear(r);
	delegs_clear(r);
	free(r->jobs);
	free(r->upqs);
	free(r->heap);
	free(r->msg);
	free(r->cls);
	free(r->scratch);
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	if (r->inbox_fd >= 0)
		close(r->inbox_fd);
	pthread_mutex_destroy(&r->inbox_lock);
	free(r);
}

int dnsp_resolver_submit(dnsp_resolver_t *r, const struct dnsp_punt_req *req)
{
	if (r == NULL || req == NULL || req->len > DNSP_PUNT_QUERY_MAX || req->len < DNSP_HDR_LEN)
		return -EINVAL;
	struct dnsp_punt_req *copy = malloc(sizeof(*copy));
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, req, offsetof(struct dnsp_punt_req, query) + req->len);
	pthread_mutex_lock(&r->inbox_lock);
	if (r->ninbox >= INBOX_MAX) {
		pthread_mutex_unlock(&r->inbox_lock);
		free(copy);
		return -ENOSPC;
	}
	r->inbox[r->ninbox++] = copy;
	pthread_mutex_unlock(&r->inbox_lock);
	uint64_t one = 1;
	if (write(r->inbox_fd, &one, sizeof(one)) < 0)
		(void)0; /* counter saturated: the thread is awake anyway */
	return 0;
}

void dnsp_resolver_get_stats(const dnsp_resolver_t *r, struct dnsp_resolver_stats *out)
{
	const uint64_t *src = (const uint64_t *)&r->st;
	uint64_t *dst = (uint64_t *)out;
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* -------------------------------------------------- process-wide wiring */

static dnsp_resolver_t *g_resolver;
static dnsp_cache_t *g_cache;

void dnsp_resolver_set_global(dnsp_resolver_t *r, dnsp_cache_t *cache)
{
	g_resolver = r;
	g_cache = cache;
}

dnsp_resolver_t *dnsp_resolver_global(void)
{
	return g_resolver;
}

dnsp_cache_t *dnsp_resolver_global_cache(void)
{
	return g_cache;
}
