/*
 * The punt path: how a query the fast path cannot answer (cache miss,
 * forwarded name, delegated name) travels from a worker to the slow-path
 * resolver (ctrl/resolver.h), and how the reply travels back.
 *
 * Three things live here because both dataplane/ and ctrl/ need them and
 * neither may include the other:
 *
 *  1. struct dnsp_upstream — WHERE the slow path gets the answer from, decided
 *     on the fast path by per-VPC source selection: public recursion from the
 *     root hints (RECURSE), a Resolver FORWARD rule (targets + outbound
 *     source addresses, failover between targets), or a DELEGATE rule (the
 *     delegated name servers' addresses). Routes are compiled into the
 *     snapshot arena by the rule compiler; workers copy one into the punt
 *     request, so the slow path never holds a pointer into a snapshot.
 *  2. struct dnsp_punt — what dnsp_pipeline_process() leaves in the worker
 *     context when it returns DNSP_PIPELINE_PUNT (or when it answered from
 *     the cache and asks for a prefetch).
 *  3. dnsp_punt_chan_t — per worker, one single-producer/single-consumer
 *     request ring (worker → resolver thread) and one reply ring
 *     (resolver thread → worker) with an eventfd for each direction.
 *
 * Reply paths. UDP on the socket back end: the resolver sends the reply
 * itself with sendmsg() on the worker's UDP socket (sendmsg on one UDP
 * socket from two threads is safe and each datagram is atomic), from the
 * address the query was sent to (IP_PKTINFO / IPV6_PKTINFO), so no ring
 * round-trip is needed. TCP (and every back end that owns its TX queue,
 * AF_XDP and DPDK): the reply goes through the worker's reply ring and the
 * worker's eventfd wakes it; the worker writes it on the connection, which
 * keeps the connection's output in order (a connection with a punted query
 * outstanding answers nothing further until that reply is written).
 *
 * Threads: the worker that owns ring i is the only producer of requests and
 * the only consumer of replies on ring i; the resolver thread is the only
 * consumer of requests and the only producer of replies. No locks; each
 * ring index is published with a release store and read with an acquire
 * load (see punt.c). Nothing here allocates after dnsp_punt_chan_create().
 */
#ifndef DNSP_PUNT_H
#define DNSP_PUNT_H

#include <stdbool.h>
#include <stdint.h>
#include "cache.h"
#include "error.h"
#include "wire/name.h"

/* ---------------------------------------------- upstream routes */

enum dnsp_upstream_kind {
	DNSP_UPSTREAM_RECURSE = 0,  /* iterative resolution from the root hints */
	DNSP_UPSTREAM_FORWARD = 1,  /* FORWARD rule: ask targets[] (failover in order) */
	DNSP_UPSTREAM_DELEGATE = 2, /* DELEGATE rule: iterate from the delegated servers */
};

#define DNSP_UPSTREAM_TARGETS_MAX 8   /* TargetIps per rule / NS addresses per delegation */
#define DNSP_UPSTREAM_SOURCES_MAX 20  /* ENI addresses per outbound endpoint (API: 2..20) */

struct dnsp_upstream_addr {
	uint8_t family;              /* 4 or 6 */
	uint16_t port;               /* host order; 53 when the rule gives none */
	uint8_t addr[16];            /* IPv4 in the first 4 bytes */
};

struct dnsp_upstream {
	uint8_t kind;                /* enum dnsp_upstream_kind */
	uint8_t ntargets;            /* FORWARD: TargetIps; DELEGATE: NS addresses */
	uint8_t nsources;            /* outbound ENI addresses; 0: the kernel picks */
	uint32_t cache_tag;          /* cache partition: 0 for RECURSE (public data shared
				      * by every VPC); for a rule, a value unique to the
				      * rule (e.g. a hash of its Id), so that answers from
				      * different sources never mix in the cache */
	int32_t endpoint;            /* outbound endpoint slot (per-ENI limits), -1: none */
	uint8_t zone[DNSP_NAME_MAX]; /* FORWARD: the rule's DomainName; DELEGATE: the
				      * delegated zone (the bailiwick of its servers);
				      * RECURSE: the root (one zero byte) */
	struct dnsp_upstream_addr targets[DNSP_UPSTREAM_TARGETS_MAX];
	struct dnsp_upstream_addr sources[DNSP_UPSTREAM_SOURCES_MAX]; /* port ignored */
	char rule_id[48];            /* ResolverRuleId for logs/metrics, "" for RECURSE */
};

/* ---------------------------------------------- what the pipeline leaves */

/*
 * Filled by dnsp_pipeline_process() in w->punt whenever it returns
 * DNSP_PIPELINE_PUNT, and also when it answered from the cache with
 * `prefetch` set (the worker then sends the answer and queues a refresh
 * that has no client). Valid until the worker's next quiescent state (the
 * upstream points into the snapshot).
 */
struct dnsp_punt {
	const struct dnsp_upstream *upstream; /* NULL: RECURSE from the root hints */
	int32_t vpc;                 /* VPC index in the snapshot, -1: none */
	uint16_t question_end;       /* offset just past the question in the buffer */
	uint8_t ecs_v4, ecs_v6;      /* ECS source prefix to send upstream, 0: off */
	bool prefetch;               /* answered from cache; refresh the entry */
	bool stale;                  /* a stale entry exists (serve-stale on failure) */
};

/* --------------------------------------------------------- the request */

#define DNSP_PUNT_QUERY_MAX 1460    /* larger queries are not punted (SERVFAIL) */

enum dnsp_reply_kind {
	DNSP_REPLY_NONE = 0,     /* prefetch: resolve and cache, answer nobody */
	DNSP_REPLY_UDP_FD = 1,   /* resolver sends with sendmsg() on fd */
	DNSP_REPLY_WORKER = 2,   /* resolver pushes to the worker's reply ring */
};

/* The client return path of a punted query. */
struct dnsp_punt_client {
	uint8_t reply;           /* enum dnsp_reply_kind */
	uint8_t family;          /* 4 or 6: client address family */
	bool tcp;                /* transport the query came on */
	bool has_local;          /* local is valid (UDP: reply from this address) */
	uint16_t port;           /* client port, host order */
	uint16_t listener;       /* listener slot */
	uint8_t addr[16];        /* client address */
	uint8_t local[16];       /* address the query was sent to */
	int fd;                  /* DNSP_REPLY_UDP_FD: socket to send on */
	uint32_t worker;         /* worker that punted (its reply ring) */
	uint64_t cookie;         /* DNSP_REPLY_WORKER: opaque, echoed with the reply
				  * (socket back end: TCP slot and generation) */
	uint16_t max_reply;      /* a cap on the reply size, 0: none (the resolver applies
				  * the client's EDNS size and udp_max for UDP) */
};

/* One punted query, as copied into the request ring. */
struct dnsp_punt_req {
	struct dnsp_punt_client client;
	struct dnsp_upstream upstream;  /* copy of *punt.upstream, or RECURSE */
	int32_t vpc;                 /* as in struct dnsp_punt */
	uint8_t ecs_v4, ecs_v6;
	bool prefetch, stale;
	uint64_t generation;         /* snapshot generation that decided the route */
	uint64_t received_ns;        /* CLOCK_MONOTONIC when the worker punted */
	uint16_t len;                /* bytes in query */
	uint8_t query[DNSP_PUNT_QUERY_MAX]; /* the client's query as received */
};

/* A reply travelling back to a worker (header of a reply-ring record). */
struct dnsp_punt_reply {
	uint64_t cookie;             /* client.cookie of the request */
	uint16_t listener;
	uint16_t len;                /* DNS message bytes that follow */
	bool tcp;
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];            /* client (for back ends that build L2-L4) */
	uint8_t local[16];
};

/* ------------------------------------------ resolver settings in snapshot */

/* A root server from resolver.root_hints (named.root format). */
struct dnsp_root_hint {
	uint8_t name[DNSP_NAME_MAX];  /* e.g. a.root-servers.net. (lowercase) */
	struct dnsp_upstream_addr addr;  /* port 53 unless the test overrides it */
};

/*
 * The recursion part of a snapshot (snapshot->recursion), compiled from the
 * `resolver:` section. NULL or enabled == false: recursion is off and a
 * resolver listener answers SERVFAIL at once for names no local source or
 * rule covers. Workers read enabled/cache/ecs/serve_stale; the resolver
 * thread reads the rest from the snapshot current when it starts a query.
 */
struct dnsp_recursion_conf {
	bool enabled;                 /* root hints configured */
	struct dnsp_cache *cache;     /* the shared cache (outside snapshots), or NULL */
	uint32_t nhints;
	const struct dnsp_root_hint *hints;
	uint32_t nvpcs;               /* entries in ecs_v4/ecs_v6 (= snapshot nvpcs) */
	const uint8_t *ecs_v4, *ecs_v6; /* per VPC index: ECS source prefix sent upstream,
					 * 0: off (the default) */
	bool serve_stale;             /* RFC 8767 */
	bool prefetch;                /* refresh popular entries near expiry */
	bool qname_minimisation;      /* RFC 9156 relaxed, default on */
	bool use_0x20;                /* random qname case, default off */
	uint32_t query_timeout_ms;    /* hard deadline per client query (SERVFAIL after) */
	uint32_t upstream_timeout_ms; /* first retransmit timeout per upstream try */
	uint32_t max_referrals;       /* referral depth per resolution */
	uint32_t max_cname_chain;     /* CNAME/DNAME links followed */
	uint32_t max_upstream_queries;/* queries sent per client query (NXNS bound) */
	uint32_t max_ns_lookups;      /* NS names without glue resolved per referral */
	struct dnsp_cache_limits cache_limits; /* applied by the resolver thread */
};

/* ----------------------------------------------------------- the channel */

typedef struct dnsp_punt_chan dnsp_punt_chan_t;

/*
 * Creates a channel for nworkers workers with ring_bytes of request space
 * and ring_bytes of reply space per worker (rounded up to a power of two,
 * at least 64 KiB). Returns 0 or -ENOMEM / -EINVAL / -errno (eventfd).
 */
int dnsp_punt_chan_create(uint32_t nworkers, uint32_t ring_bytes,
			  dnsp_punt_chan_t **out) DNSP_WUR;
/* Frees everything; NULL is a no-op. No thread may use it any more. */
void dnsp_punt_chan_destroy(dnsp_punt_chan_t *c);
uint32_t dnsp_punt_chan_workers(const dnsp_punt_chan_t *c);

/* --- worker side (worker `worker` only) --- */

/*
 * Builds the request for the query in buf[0..len) and copies it into
 * worker's request ring. Returns 0, -ENOSPC when the ring is full (the
 * caller answers SERVFAIL or drops; counted by the caller), -EMSGSIZE when
 * the query is larger than DNSP_PUNT_QUERY_MAX.
 */
int dnsp_punt_push(dnsp_punt_chan_t *c, uint32_t worker, const struct dnsp_punt *punt,
		   const struct dnsp_punt_client *client, uint64_t generation,
		   const uint8_t *buf, uint16_t len) DNSP_WUR;
/*
 * Queues a cache refresh (punt->prefetch) after the worker answered from
 * the cache: reply[0..punt->question_end) holds the header and question of
 * the answer just built; the request carries that question with RD and no
 * client (DNSP_REPLY_NONE). Returns as dnsp_punt_push().
 */
int dnsp_punt_push_prefetch(dnsp_punt_chan_t *c, uint32_t worker, const struct dnsp_punt *punt,
			    uint64_t generation, const uint8_t *reply, uint16_t reply_len) DNSP_WUR;
/*
 * Turns the query in buf[0..len) into a SERVFAIL answer in place (for a
 * punt that cannot be queued, or a back end without a slow path). Returns
 * the reply length, or 0 when the query does not parse (drop it).
 */
uint16_t dnsp_punt_servfail(uint8_t *buf, uint16_t len, uint16_t cap);
/* Wakes the resolver thread if it sleeps and worker pushed since the last
 * kick. Call once per burst (one syscall at most). */
void dnsp_punt_kick(dnsp_punt_chan_t *c, uint32_t worker);
/* The eventfd that becomes readable when worker's reply ring has data
 * (add it to the worker's epoll set; read it to re-arm). */
int dnsp_punt_reply_fd(const dnsp_punt_chan_t *c, uint32_t worker);
/*
 * Takes the next reply for worker: copies the header to *hdr and up to cap
 * message bytes to msg. Returns 1 when a reply was taken, 0 when the ring
 * is empty. A reply longer than cap is consumed and returns -EMSGSIZE.
 */
int dnsp_punt_reply_pop(dnsp_punt_chan_t *c, uint32_t worker, struct dnsp_punt_reply *hdr,
			uint8_t *msg, uint32_t cap) DNSP_WUR;

/* --- resolver side (one consumer thread) --- */

/* The eventfd the resolver thread waits on for new requests. */
int dnsp_punt_request_fd(const dnsp_punt_chan_t *c);
/*
 * Announces that the consumer is about to sleep (true) or is awake (false):
 * producers write the eventfd only while it sleeps. After setting true the
 * consumer must poll every ring once more before blocking (no lost wakeup:
 * both sides use sequentially consistent fences).
 */
void dnsp_punt_consumer_sleeping(dnsp_punt_chan_t *c, bool sleeping);
/* Copies the oldest request of worker into *req. Returns 1, or 0 if none. */
int dnsp_punt_pop(dnsp_punt_chan_t *c, uint32_t worker, struct dnsp_punt_req *req) DNSP_WUR;
/*
 * Queues a reply for worker (msg[0..len) with header hdr; hdr->len is set
 * from len) and wakes the worker. Returns 0 or -ENOSPC (reply dropped; the
 * client times out and retries).
 */
int dnsp_punt_reply_push(dnsp_punt_chan_t *c, uint32_t worker,
			 const struct dnsp_punt_reply *hdr, const uint8_t *msg,
			 uint16_t len) DNSP_WUR;

#endif
