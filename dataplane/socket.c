/*
 * Socket back end of the data plane (contract in dataplane.h): N worker
 * threads, each with its own epoll set holding, for every listener, one UDP
 * socket and one TCP listening socket bound with SO_REUSEPORT, so the kernel
 * spreads flows across workers and no two workers ever share a socket,
 * buffer or counter. Everything a worker touches while serving is allocated
 * in start(); the serving loop never allocates, never locks, and on the UDP
 * path makes no syscall per packet (recvmmsg in, sendmmsg out, one epoll
 * wakeup per burst). With server.rx_coalesce_us set, a worker under load
 * naps between bursts so that each wakeup carries more packets
 * (coalesce.h).
 *
 * Memory per worker (default cap of 1024 connections): UDP 64 x 4 KiB
 * receive buffers (replies are built in place, so no separate TX buffers);
 * TCP one 4 KiB input buffer per connection slot (4 MiB, virtual until
 * touched), which holds any typical query (RFC 7766 clients send queries of
 * a few hundred bytes); one shared 128 KiB work area where each query is
 * copied and answered with the full 65535-byte TCP limit, and where several
 * pipelined replies are coalesced into one send(); and a small pool (16) of
 * 128 KiB "big" buffers, lent to a connection only for the rare cases that
 * outgrow the above: a query frame larger than 4 KiB, or output the kernel
 * would not take at once (a slow reader). When the pool is empty such a
 * connection is closed and counted, never allocated for. A 64 KiB + 2
 * buffer per slot would cost 64 MiB per worker, which is why the pool
 * exists. While a connection has output pending it is neither read nor
 * processed (backpressure), so pipelined queries wait in its input buffer
 * and are answered in order once the output drains.
 *
 * Idle timeout: connections sit on a per-worker list ordered by last
 * activity (one idle timeout for all, so "move to tail on activity" keeps it
 * sorted); the head gives the next deadline for epoll_wait, and expiry pops
 * from the head. All O(1) per event.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "coalesce.h"
#include "dataplane.h"
#include "lib/pipeline.h"
#include "lib/punt.h"
#include "lib/snapshot.h"

#define UDP_BATCH 64             /* messages per recvmmsg/sendmmsg */
#define UDP_BUF 4096             /* bytes per UDP message buffer (also reply cap) */
#define UDP_ROUNDS 8             /* recvmmsg batches per socket per wakeup (fairness) */
#define TCP_FRAME_MAX (2 + 65535) /* length prefix + largest DNS message */
#define TCP_SMALL 4096           /* per-slot input buffer */
#define TCP_WORK (2 * TCP_FRAME_MAX) /* shared work area: >= 2 max replies */
#define TCP_BIG TCP_WORK         /* pool buffer: holds a max frame or a work area */
#define TCP_BIG_BUFS 16          /* pool buffers per worker */
#define TCP_ACCEPTS 64           /* accepts per listener per wakeup */
#define TCP_BACKLOG 1024
#define TCP_MAX_CONN_LIMIT ((1 << 24) - 1) /* slot index is 24 bits in the tag */
#define EPOLL_EVENTS 64
#define IDLE_WAIT_MS 1000        /* epoll timeout when no deadline is nearer */
#define UDP_SOCK_BUF (1 << 20)   /* SO_RCVBUF/SO_SNDBUF; kernel caps at [rw]mem_max */
#define MAX_WORKERS 4096

/* epoll_data.u64 tag: kind (8 bits) | generation (32 bits) | index (24 bits).
 * The generation makes an event for a connection slot that was closed and
 * reused earlier in the same epoll batch harmless. */
enum tag_kind { TAG_STOP = 1, TAG_UDP = 2, TAG_LISTEN = 3, TAG_CONN = 4, TAG_PUNT = 5 };

static inline uint64_t tag_make(enum tag_kind k, uint32_t gen, uint32_t index)
{
	return ((uint64_t)k << 56) | ((uint64_t)gen << 24) | (index & 0xffffff);
}

/* Room for the larger of the two packet-info control messages. */
union dp_ctrl {
	struct cmsghdr align;
	uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
};

/* Per-worker UDP batch state; the buffers are reused for every burst. */
struct udp_batch {
	struct mmsghdr rx[UDP_BATCH];
	struct mmsghdr tx[UDP_BATCH];
	struct iovec rx_iov[UDP_BATCH];
	struct iovec tx_iov[UDP_BATCH];
	struct sockaddr_storage name[UDP_BATCH];
	union dp_ctrl rx_ctrl[UDP_BATCH];
	union dp_ctrl tx_ctrl[UDP_BATCH];
	/* rx headers the kernel rewrote in the last recvmmsg (only those need
	 * resetting: at low rates a call returns one message, and resetting
	 * all UDP_BATCH headers would cost more than answering it), and the
	 * control-buffer layout they were last set up for. */
	unsigned rx_dirty;
	int rx_pktinfo;
	uint8_t buf[UDP_BATCH][UDP_BUF];
};

/* One TCP connection slot. fd < 0: free. */
struct tcp_conn {
	int fd;
	uint32_t gen;            /* bumped at close; part of the epoll tag */
	uint8_t *small;          /* this slot's TCP_SMALL input buffer */
	uint8_t *in;             /* small, or a pool buffer for a large frame */
	uint32_t in_len, in_cap;
	int32_t in_big;          /* pool index of `in`, or -1 */
	uint8_t *out;            /* pending output (pool buffer), or NULL */
	uint32_t out_off, out_len;
	int32_t out_big;         /* pool index of `out`, or -1 */
	uint64_t last_ms;        /* last activity (monotonic ms) */
	int32_t prev, next;      /* activity list when open, free list when free */
	uint32_t interest;       /* events registered: EPOLLIN, EPOLLOUT (output pending)
				  * or 0 (waiting for a punted query's reply) */
	bool waiting;            /* a query of this connection is on the slow path */
	uint8_t family;
	uint16_t listener;
	uint16_t src_port;
	uint8_t src[16];
};

struct worker {
	struct dnsp_dataplane *dp;
	uint32_t index;
	pthread_t thread;
	bool started;
	int epfd;
	int reserve_fd;          /* spare fd, given up to shed a connection on EMFILE */
	int *udp_fd;             /* per listener */
	int *tcp_fd;             /* per listener */
	struct dnsp_stats *st;
	struct dnsp_worker_ctx ctx; /* pipeline context: stats, id, rng */
	dnsp_punt_chan_t *punt;  /* slow path, or NULL (punts answered SERVFAIL) */
	struct udp_batch *udp;
	struct epoll_event events[EPOLL_EVENTS];

	struct tcp_conn *conns;  /* tcp_max_connections slots */
	uint32_t nconns;
	int32_t free_head;       /* free slot list */
	int32_t lru_head, lru_tail; /* open connections, oldest activity first */
	uint8_t *small_slab;     /* nconns x TCP_SMALL */
	uint8_t *work;           /* TCP_WORK */
	uint8_t *big_slab;       /* nbig x TCP_BIG */
	uint32_t nbig, nbig_free;
	int32_t big_free[TCP_BIG_BUFS];
} __attribute__((aligned(64)));

struct dnsp_dataplane {
	struct dnsp_dp_listener *listeners;
	bool *wildcard;          /* per listener: unspecified address → pktinfo */
	uint32_t nlisteners;
	uint32_t nworkers;
	struct worker *workers;
	int stop_fd;             /* eventfd in every worker's epoll set */
	int idle_ms;             /* <= 0: no idle timeout */
	int max_conns;
	int cpu_base;
	uint32_t coalesce_ns;    /* rx_coalesce_us in ns; 0: off */
	uint32_t worker_id_base; /* pipeline/punt id of worker 0 */
	dnsp_punt_chan_t *punt;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall */
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Fills family/src/src_port of a pkt from a peer address. Returns false for
 * an address family we do not serve. */
static bool peer_to_pkt(const struct sockaddr_storage *ss, struct dnsp_pkt *p)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		p->family = 4;
		memcpy(p->src, &a->sin_addr, 4);
		memset(p->src + 4, 0, 12);
		p->src_port = ntohs(a->sin_port); /* host byte order */
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		p->family = 6;
		memcpy(p->src, &a->sin6_addr, 16);
		p->src_port = ntohs(a->sin6_port);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------ UDP */

/* Builds the reply's source-address control message from the query's
 * packet info, so a wildcard listener answers from the address that was
 * asked (RFC 1122 §4.1.3.5 multihoming). Leaves tx without control data when
 * rx carried none. */
static void udp_reply_ctrl(struct msghdr *rx, struct msghdr *tx, union dp_ctrl *cbuf)
{
	tx->msg_control = NULL;
	tx->msg_controllen = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(rx); c != NULL; c = CMSG_NXTHDR(rx, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo in, out;

			memcpy(&in, CMSG_DATA(c), sizeof(in));
			memset(&out, 0, sizeof(out));
			out.ipi_spec_dst = in.ipi_addr;
			memset(cbuf, 0, sizeof(*cbuf));
			tx->msg_control = cbuf->buf;
			tx->msg_controllen = CMSG_SPACE(sizeof(out));
			struct cmsghdr *h = CMSG_FIRSTHDR(tx);
			h->cmsg_level = IPPROTO_IP;
			h->cmsg_type = IP_PKTINFO;
			h->cmsg_len = CMSG_LEN(sizeof(out));
			memcpy(CMSG_DATA(h), &out, sizeof(out));
			return;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo in6;

			memcpy(&in6, CMSG_DATA(c), sizeof(in6));
			memset(cbuf, 0, sizeof(*cbuf));
			tx->msg_control = cbuf->buf;
			tx->msg_controllen = CMSG_SPACE(sizeof(in6));
			struct cmsghdr *h = CMSG_FIRSTHDR(tx);
			h->cmsg_level = IPPROTO_IPV6;
			h->cmsg_type = IPV6_PKTINFO;
			h->cmsg_len = CMSG_LEN(sizeof(in6));
			memcpy(CMSG_DATA(h), &in6, sizeof(in6));
			return;
		}
	}
}

/* Sends tx[0..n) with sendmmsg. A message the kernel rejects for its own
 * reasons (unreachable, not permitted) is skipped and counted; a full send
 * buffer drops the rest of the batch (UDP: the client retries). */
static void udp_send(struct worker *w, int fd, unsigned n)
{
	struct udp_batch *b = w->udp;
	unsigned off = 0;

	for (unsigned tries = 0; off < n && tries <= 2 * n; tries++) {
		int r = sendmmsg(fd, b->tx + off, n - off, MSG_DONTWAIT);

		if (r > 0) {
			w->st->tx_packets += (unsigned)r;
			off += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			break;
		w->st->tx_errors++;
		off++;
	}
	if (off < n)
		w->st->tx_errors += n - off;
}

/* The address a UDP query was sent to: the listener's own, or for a
 * wildcard listener the destination from its packet info. */
static bool udp_local_addr(const struct worker *w, uint32_t li, struct msghdr *rx,
			   uint8_t local[16])
{
	const struct dnsp_dp_listener *l = &w->dp->listeners[li];
	if (!w->dp->wildcard[li]) {
		memcpy(local, l->addr, 16);
		return true;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(rx); c != NULL; c = CMSG_NXTHDR(rx, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo in;
			memcpy(&in, CMSG_DATA(c), sizeof(in));
			memset(local, 0, 16);
			memcpy(local, &in.ipi_addr, 4);
			return true;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo in6;
			memcpy(&in6, CMSG_DATA(c), sizeof(in6));
			memcpy(local, &in6.ipi6_addr, 16);
			return true;
		}
	}
	return false;
}

/*
 * Hands a UDP query the pipeline punted to the slow path, which answers it
 * itself with sendmsg() on this worker's socket (see lib/punt.h). Returns 0
 * when queued; otherwise the length of a SERVFAIL built in place (ring
 * full, query too large, no slow path), or 0 to drop.
 */
static int udp_punt(struct worker *w, const struct dnsp_snapshot *snap, struct dnsp_pkt *pkt,
		    uint32_t li, int fd, struct msghdr *rx)
{
	if (w->punt != NULL) {
		struct dnsp_punt_client cl;
		memset(&cl, 0, sizeof(cl));
		cl.reply = DNSP_REPLY_UDP_FD;
		cl.family = pkt->family;
		cl.port = pkt->src_port;
		cl.listener = (uint16_t)li;
		memcpy(cl.addr, pkt->src, 16);
		cl.has_local = udp_local_addr(w, li, rx, cl.local);
		cl.fd = fd;
		if (dnsp_punt_push(w->punt, w->ctx.id, &w->ctx.punt, &cl, snap->generation, pkt->buf,
				   pkt->len) == 0) {
			w->st->punted++;
			return 0;
		}
	}
	w->st->punt_failed++;
	return dnsp_punt_servfail(pkt->buf, pkt->len, pkt->cap);
}

/* Receives and answers up to UDP_ROUNDS batches from one UDP socket.
 * Returns false when the budget ran out before the socket was empty. */
static bool udp_drain(struct worker *w, const struct dnsp_snapshot *snap, uint32_t li)
{
	struct udp_batch *b = w->udp;
	struct dnsp_stats *st = w->st;
	int fd = w->udp_fd[li];
	bool pktinfo = w->dp->wildcard[li];

	for (int round = 0; round < UDP_ROUNDS; round++) {
		unsigned reset = b->rx_dirty;
		if (b->rx_pktinfo != (int)pktinfo) {
			reset = UDP_BATCH;
			b->rx_pktinfo = (int)pktinfo;
		}
		for (unsigned i = 0; i < reset; i++) {
			struct msghdr *h = &b->rx[i].msg_hdr;

			h->msg_namelen = sizeof(b->name[i]);
			h->msg_control = pktinfo ? b->rx_ctrl[i].buf : NULL;
			h->msg_controllen = pktinfo ? sizeof(b->rx_ctrl[i]) : 0;
			h->msg_flags = 0;
		}
		int n = recvmmsg(fd, b->rx, UDP_BATCH, MSG_DONTWAIT, NULL);
		b->rx_dirty = n > 0 ? (unsigned)n : 0;
		if (n <= 0)
			return true; /* EAGAIN (drained) or an error the next wakeup retries */
		st->rx_packets += (unsigned)n;

		unsigned ntx = 0;
		for (int i = 0; i < n; i++) {
			struct msghdr *h = &b->rx[i].msg_hdr;
			struct dnsp_pkt pkt;

			if (unlikely(snap == NULL || (h->msg_flags & MSG_TRUNC) ||
				     b->rx[i].msg_len > UDP_BUF)) {
				st->rx_dropped++;
				continue;
			}
			pkt.buf = b->buf[i];
			pkt.len = (uint16_t)b->rx[i].msg_len;
			pkt.cap = UDP_BUF;
			pkt.tcp = false;
			pkt.listener = (uint16_t)li;
			if (unlikely(!peer_to_pkt(&b->name[i], &pkt))) {
				st->rx_dropped++;
				continue;
			}
			int r = dnsp_pipeline_process(snap, &pkt, &w->ctx);
			if (unlikely(r == DNSP_PIPELINE_PUNT))
				r = udp_punt(w, snap, &pkt, li, fd, h);
			else if (unlikely(r > 0 && w->ctx.punt.prefetch && w->punt != NULL) &&
				 dnsp_punt_push_prefetch(w->punt, w->ctx.id, &w->ctx.punt,
							 snap->generation, pkt.buf, (uint16_t)r) == 0)
				st->punted++;
			if (r <= 0)
				continue; /* DROP, or punted: the slow path replies */
			if (unlikely(r > UDP_BUF)) {
				st->tx_errors++;
				continue;
			}
			struct msghdr *t = &b->tx[ntx].msg_hdr;
			b->tx_iov[ntx].iov_base = b->buf[i];
			b->tx_iov[ntx].iov_len = (size_t)r;
			t->msg_name = &b->name[i];
			t->msg_namelen = h->msg_namelen;
			t->msg_iov = &b->tx_iov[ntx];
			t->msg_iovlen = 1;
			t->msg_flags = 0;
			if (pktinfo)
				udp_reply_ctrl(h, t, &b->tx_ctrl[ntx]);
			else {
				t->msg_control = NULL;
				t->msg_controllen = 0;
			}
			ntx++;
		}
		if (ntx > 0)
			udp_send(w, fd, ntx);
		if (n < UDP_BATCH)
			return true; /* the socket is (almost certainly) drained */
	}
	/* Budget spent: level-triggered epoll reports the rest next wakeup. */
	return false;
}

/* ------------------------------------------------------------------ TCP */

static int32_t big_get(struct worker *w)
{
	if (w->nbig_free == 0)
		return -1;
	return w->big_free[--w->nbig_free];
}

static void big_put(struct worker *w, int32_t i)
{
	if (i >= 0)
		w->big_free[w->nbig_free++] = i;
}

static uint8_t *big_ptr(struct worker *w, int32_t i)
{
	return w->big_slab + (size_t)i * TCP_BIG;
}

static void lru_unlink(struct worker *w, struct tcp_conn *c)
{
	if (c->prev >= 0)
		w->conns[c->prev].next = c->next;
	else
		w->lru_head = c->next;
	if (c->next >= 0)
		w->conns[c->next].prev = c->prev;
	else
		w->lru_tail = c->prev;
	c->prev = c->next = -1;
}

static void lru_append(struct worker *w, struct tcp_conn *c)
{
	int32_t idx = (int32_t)(c - w->conns);

	c->next = -1;
	c->prev = w->lru_tail;
	if (w->lru_tail >= 0)
		w->conns[w->lru_tail].next = idx;
	else
		w->lru_head = idx;
	w->lru_tail = idx;
}

/* Records activity: the connection becomes the newest on the list. */
static void conn_touch(struct worker *w, struct tcp_conn *c, uint64_t now)
{
	c->last_ms = now;
	if (w->lru_tail != (int32_t)(c - w->conns)) {
		lru_unlink(w, c);
		lru_append(w, c);
	}
}

static void conn_close(struct worker *w, struct tcp_conn *c)
{
	close(c->fd); /* also removes it from the epoll set */
	c->fd = -1;
	c->gen++;
	if (c->in_big >= 0)
		big_put(w, c->in_big);
	big_put(w, c->out_big);
	c->in_big = c->out_big = -1;
	c->in = c->small;
	c->in_len = 0;
	c->in_cap = TCP_SMALL;
	c->out = NULL;
	c->out_off = c->out_len = 0;
	c->waiting = false; /* a reply still on its way finds the generation changed */
	lru_unlink(w, c);
	c->next = w->free_head;
	w->free_head = (int32_t)(c - w->conns);
}

/* Registers for EPOLLOUT while output is pending, for nothing (errors and
 * hang-ups only) while a punted query's reply is awaited, EPOLLIN
 * otherwise. */
static int conn_update_interest(struct worker *w, struct tcp_conn *c)
{
	uint32_t want = c->out_len > 0 ? EPOLLOUT : c->waiting ? 0 : EPOLLIN;
	struct epoll_event ev;

	if (want == c->interest)
		return 0;
	ev.events = want;
	ev.data.u64 = tag_make(TAG_CONN, c->gen, (uint32_t)(c - w->conns));
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return -errno;
	c->interest = want;
	return 0;
}

/* Sends data[0..len); what the kernel does not take is kept in a pool
 * buffer and finished on EPOLLOUT. Returns 0, or < 0 to close. */
static int conn_send(struct worker *w, struct tcp_conn *c, const uint8_t *data, uint32_t len,
		     uint64_t now)
{
	ssize_t s = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (s < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			w->st->tx_errors++;
			return -1;
		}
		s = 0;
	}
	if (s > 0)
		conn_touch(w, c, now);
	if ((uint32_t)s == len)
		return 0;
	int32_t b = big_get(w);
	if (b < 0) {
		w->st->tx_errors++; /* slow reader and no pool buffer left */
		return -1;
	}
	c->out_big = b;
	c->out = big_ptr(w, b);
	memcpy(c->out, data + s, len - (uint32_t)s);
	c->out_off = 0;
	c->out_len = len - (uint32_t)s;
	return 0;
}

/* Continues pending output. Returns 0 when drained, 1 when still pending,
 * < 0 to close. */
static int conn_flush(struct worker *w, struct tcp_conn *c, uint64_t now)
{
	ssize_t s = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (s < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 1;
		w->st->tx_errors++;
		return -1;
	}
	if (s > 0)
		conn_touch(w, c, now);
	c->out_off += (uint32_t)s;
	c->out_len -= (uint32_t)s;
	if (c->out_len > 0)
		return 1;
	big_put(w, c->out_big);
	c->out_big = -1;
	c->out = NULL;
	c->out_off = 0;
	return 0;
}

/* Makes the input buffer big enough for the frame at its start: moves to a
 * pool buffer for a frame over TCP_SMALL, and back once the data fits the
 * slot's own buffer. Returns 0, or < 0 to close. */
static int conn_fit_input(struct worker *w, struct tcp_conn *c)
{
	uint32_t need = 2;

	if (c->in_len >= 2)
		need = 2u + (((uint32_t)c->in[0] << 8) | c->in[1]);
	if (need > c->in_cap) {
		int32_t b = big_get(w);
		if (b < 0) {
			w->st->rx_dropped++; /* large query and no pool buffer left */
			return -1;
		}
		memcpy(big_ptr(w, b), c->in, c->in_len);
		c->in_big = b;
		c->in = big_ptr(w, b);
		c->in_cap = TCP_BIG;
	} else if (c->in_big >= 0 && c->in_len <= TCP_SMALL && need <= TCP_SMALL) {
		memcpy(c->small, c->in, c->in_len);
		big_put(w, c->in_big);
		c->in_big = -1;
		c->in = c->small;
		c->in_cap = TCP_SMALL;
	}
	return 0;
}

/*
 * Hands a TCP query to the slow path; the reply comes back through the
 * worker's reply ring (cookie: generation and slot of the connection).
 * Returns 0 when queued (the connection now waits), else the length of a
 * SERVFAIL built in place.
 */
static int tcp_punt(struct worker *w, const struct dnsp_snapshot *snap, struct tcp_conn *c,
		    struct dnsp_pkt *pkt)
{
	if (w->punt != NULL) {
		struct dnsp_punt_client cl;
		memset(&cl, 0, sizeof(cl));
		cl.reply = DNSP_REPLY_WORKER;
		cl.tcp = true;
		cl.family = c->family;
		cl.port = c->src_port;
		cl.listener = c->listener;
		memcpy(cl.addr, c->src, 16);
		memcpy(cl.local, w->dp->listeners[c->listener].addr, 16);
		cl.fd = -1;
		cl.cookie = (uint64_t)c->gen << 32 | (uint64_t)(c - w->conns);
		if (dnsp_punt_push(w->punt, w->ctx.id, &w->ctx.punt, &cl, snap->generation, pkt->buf,
				   pkt->len) == 0) {
			w->st->punted++;
			c->waiting = true;
			return 0;
		}
	}
	w->st->punt_failed++;
	return dnsp_punt_servfail(pkt->buf, pkt->len, pkt->cap);
}

/*
 * Answers every complete frame in the input buffer (pipelined queries, RFC
 * 7766 §6.2.1.1), in order (§7 would allow reordering; in order suits every
 * client).
 * Replies are coalesced in the work area and sent together; if the kernel
 * does not take them all, processing stops until EPOLLOUT drains them.
 * A query punted to the slow path also stops processing: the connection
 * waits (reads nothing) until its reply comes back through the worker's
 * reply ring, so answers leave in query order.
 * Call only with no output pending. Returns 0, or < 0 to close.
 */
static int conn_process(struct worker *w, const struct dnsp_snapshot *snap, struct tcp_conn *c,
			uint64_t now)
{
	struct dnsp_stats *st = w->st;
	uint32_t off = 0, wlen = 0;

	while (c->in_len - off >= 2 && !c->waiting) {
		uint32_t flen = ((uint32_t)c->in[off] << 8) | c->in[off + 1];

		if (unlikely(flen == 0)) {
			st->rx_dropped++; /* a zero-length frame carries no message */
			return -1;
		}
		if (c->in_len - off - 2 < flen)
			break; /* incomplete: wait for more */
		if (wlen + TCP_FRAME_MAX > TCP_WORK) {
			int r = conn_send(w, c, w->work, wlen, now);
			wlen = 0;
			if (r < 0)
				return r;
			if (c->out_len > 0)
				break; /* backpressure: the rest waits in the input */
		}
		uint8_t *msg = w->work + wlen + 2;
		memcpy(msg, c->in + off + 2, flen);
		off += 2 + flen;
		st->rx_packets++;
		if (unlikely(snap == NULL)) {
			st->rx_dropped++;
			continue;
		}
		struct dnsp_pkt pkt = {
			.buf = msg, .len = (uint16_t)flen, .cap = 65535, .family = c->family,
			.tcp = true, .listener = c->listener, .src_port = c->src_port,
		};
		memcpy(pkt.src, c->src, sizeof(pkt.src));
		int n = dnsp_pipeline_process(snap, &pkt, &w->ctx);
		if (unlikely(n == DNSP_PIPELINE_PUNT)) {
			n = tcp_punt(w, snap, c, &pkt);
			if (n == 0)
				continue; /* queued: c->waiting ends this loop */
		} else if (unlikely(n > 0 && w->ctx.punt.prefetch && w->punt != NULL) &&
			   dnsp_punt_push_prefetch(w->punt, w->ctx.id, &w->ctx.punt,
						   snap->generation, msg, (uint16_t)n) == 0) {
			st->punted++;
		}
		if (n <= 0)
			continue; /* DROP */
		if (unlikely(n > 65535)) {
			st->tx_errors++;
			continue;
		}
		w->work[wlen] = (uint8_t)(n >> 8);
		w->work[wlen + 1] = (uint8_t)n;
		wlen += 2u + (uint32_t)n;
		st->tx_packets++;
	}
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	if (wlen > 0) {
		int r = conn_send(w, c, w->work, wlen, now);
		if (r < 0)
			return r;
	}
	return conn_fit_input(w, c);
}

static void conn_event(struct worker *w, const struct dnsp_snapshot *snap, uint32_t slot,
		       uint32_t gen, uint32_t events, uint64_t now)
{
	if (slot >= w->nconns)
		return;
	struct tcp_conn *c = &w->conns[slot];
	if (c->fd < 0 || c->gen != gen)
		return; /* closed (and maybe reused) earlier in this batch */
	if (events & EPOLLERR)
		goto close;

	if (c->out_len > 0) {
		if (!(events & (EPOLLOUT | EPOLLHUP)))
			return;
		int r = conn_flush(w, c, now);
		if (r < 0)
			goto close;
		if (r > 0)
			return;
		/* Drained: answer what waited in the input, then read again. */
		if (!c->waiting && conn_process(w, snap, c, now) < 0)
			goto close;
	} else if (c->waiting) {
		if (events & EPOLLHUP)
			goto close; /* the client is gone: drop the pending reply */
		return;
	} else if (events & (EPOLLIN | EPOLLHUP)) {
		ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);

		if (n == 0)
			goto close; /* EOF: every complete query was already answered */
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			goto close;
		}
		c->in_len += (uint32_t)n;
		conn_touch(w, c, now);
		if (conn_process(w, snap, c, now) < 0)
			goto close;
	}
	if (conn_update_interest(w, c) < 0)
		goto close;
	return;
close:
	conn_close(w, c);
}

/* Sheds one pending connection when out of file descriptors, so a full
 * accept queue cannot keep a level-triggered listener spinning. */
static void tcp_shed(struct worker *w, int lfd)
{
	if (w->reserve_fd < 0)
		return;
	close(w->reserve_fd);
	int fd = accept(lfd, NULL, NULL);
	if (fd >= 0) {
		w->st->tcp_refused++;
		close(fd);
	}
	w->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void tcp_accept(struct worker *w, uint32_t li, uint64_t now)
{
	int lfd = w->tcp_fd[li];

	for (int k = 0; k < TCP_ACCEPTS; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				tcp_shed(w, lfd);
			return; /* EAGAIN: queue empty */
		}
		if (w->free_head < 0) {
			w->st->tcp_refused++; /* over the per-worker cap */
			close(fd);
			continue;
		}
		int32_t slot = w->free_head;
		struct tcp_conn *c = &w->conns[slot];
		struct dnsp_pkt peer;

		if (!peer_to_pkt(&ss, &peer)) {
			w->st->tcp_refused++;
			close(fd);
			continue;
		}
		struct epoll_event ev = {
			.events = EPOLLIN,
			.data.u64 = tag_make(TAG_CONN, c->gen, (uint32_t)slot),
		};
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			w->st->tcp_refused++;
			close(fd);
			continue;
		}
		/* Replies go out whole; do not let Nagle hold the next one back. */
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

		w->free_head = c->next;
		c->fd = fd;
		c->interest = EPOLLIN;
		c->waiting = false;
		c->family = peer.family;
		c->src_port = peer.src_port;
		memcpy(c->src, peer.src, sizeof(c->src));
		c->listener = (uint16_t)li;
		c->last_ms = now;
		lru_append(w, c);
		w->st->tcp_accepted++;
	}
}

/* Closes connections idle for idle_ms (RFC 7766 §6.2.3: the server may
 * close idle connections to free resources). */
static void tcp_expire(struct worker *w, uint64_t now)
{
	int idle = w->dp->idle_ms;

	if (idle <= 0)
		return;
	while (w->lru_head >= 0) {
		struct tcp_conn *c = &w->conns[w->lru_head];

		if (c->last_ms + (uint64_t)idle > now)
			break;
		w->st->tcp_closed_idle++;
		conn_close(w, c);
	}
}

/* Milliseconds until the oldest connection's idle deadline, at most
 * IDLE_WAIT_MS. */
static int tcp_next_timeout(struct worker *w, uint64_t now)
{
	int idle = w->dp->idle_ms;

	if (idle <= 0 || w->lru_head < 0)
		return IDLE_WAIT_MS;
	uint64_t deadline = w->conns[w->lru_head].last_ms + (uint64_t)idle;
	if (deadline <= now)
		return 0;
	uint64_t left = deadline - now;
	return left < IDLE_WAIT_MS ? (int)left : IDLE_WAIT_MS;
}

/*
 * Writes the slow path's replies on their TCP connections (in order: the
 * connection waited for this one), then lets each connection go on with
 * the pipelined queries that waited in its input.
 */
static void punt_replies(struct worker *w, const struct dnsp_snapshot *snap, uint64_t now)
{
	uint64_t v;
	if (read(dnsp_punt_reply_fd(w->punt, w->ctx.id), &v, sizeof(v)) < 0)
		(void)0; /* EAGAIN: drained by an earlier wakeup */
	for (int k = 0; k < 256; k++) {
		struct dnsp_punt_reply h;
		uint8_t *frame = w->work;
		int rc = dnsp_punt_reply_pop(w->punt, w->ctx.id, &h, frame + 2, 65535);
		if (rc == 0)
			break;
		if (rc < 0) {
			w->st->tx_errors++;
			continue;
		}
		uint32_t slot = (uint32_t)(h.cookie & 0xffffff), gen = (uint32_t)(h.cookie >> 32);
		if (!h.tcp || slot >= w->nconns)
			continue; /* UDP replies are sent by the slow path itself */
		struct tcp_conn *c = &w->conns[slot];
		if (c->fd < 0 || c->gen != gen || !c->waiting)
			continue; /* closed meanwhile */
		c->waiting = false;
		frame[0] = (uint8_t)(h.len >> 8);
		frame[1] = (uint8_t)h.len;
		uint32_t flen = 2u + h.len;
		int r = 0;
		if (c->out_len > 0) {
			/* Earlier replies still queued: append behind them. */
			if (c->out_off + c->out_len + flen > TCP_BIG) {
				w->st->tx_errors++;
				r = -1;
			} else {
				memcpy(c->out + c->out_off + c->out_len, frame, flen);
				c->out_len += flen;
			}
		} else {
			r = conn_send(w, c, frame, flen, now);
		}
		if (r == 0) {
			w->st->tx_packets++;
			if (c->out_len == 0 && conn_process(w, snap, c, now) < 0)
				r = -1;
		}
		if (r < 0 || conn_update_interest(w, c) < 0)
			conn_close(w, c);
	}
}

/* --------------------------------------------------------------- worker */

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct dnsp_dataplane *dp = w->dp;

	if (dp->cpu_base >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((size_t)dp->cpu_base + w->index, &set);
		/* Best effort: the CPU may not exist or be allowed; run unpinned. */
		(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	struct dnsp_coalesce co = { .ns = dp->coalesce_ns };

	dnsp_coalesce_thread_init(dp->coalesce_ns);
	rcu_register_thread();
	for (bool stop = false; !stop;) {
		uint64_t now = now_ms();
		uint64_t rx0 = w->st->rx_packets;
		bool drained = true;

		tcp_expire(w, now);
		int timeout = tcp_next_timeout(w, now);

		/* Offline while blocked so publishers need not wait for us. */
		rcu_thread_offline();
		int n = epoll_wait(w->epfd, w->events, EPOLL_EVENTS, timeout);
		rcu_thread_online();
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "dnsplane: socket worker %u: epoll_wait: %s; worker stops\n",
				w->index, strerror(errno));
			break;
		}
		now = now_ms();
		/* One dereference per burst; valid until rcu_quiescent_state(). */
		const struct dnsp_snapshot *snap = dnsp_snapshot_current();

		for (int i = 0; i < n; i++) {
			uint64_t tag = w->events[i].data.u64;
			uint32_t kind = (uint32_t)(tag >> 56);
			uint32_t gen = (uint32_t)(tag >> 24);
			uint32_t index = (uint32_t)(tag & 0xffffff);

			switch (kind) {
			case TAG_UDP:
				drained &= udp_drain(w, snap, index);
				break;
			case TAG_LISTEN:
				tcp_accept(w, index, now);
				break;
			case TAG_CONN:
				conn_event(w, snap, index, gen, w->events[i].events, now);
				break;
			case TAG_PUNT:
				if (w->punt != NULL)
					punt_replies(w, snap, now);
				break;
			case TAG_STOP:
				stop = true;
				break;
			default:
				break;
			}
		}
		if (w->punt != NULL)
			dnsp_punt_kick(w->punt, w->ctx.id); /* one wakeup per burst at most */
		rcu_quiescent_state();
		if (dnsp_coalesce_want(&co, (uint32_t)(w->st->rx_packets - rx0)) && drained &&
		    !stop) {
			w->st->coalesce_naps++;
			dnsp_coalesce_sleep(dp->coalesce_ns); /* coalesce.h */
		}
	}
	rcu_unregister_thread();
	return NULL;
}

/* ---------------------------------------------------------- start/stop */

static void format_addr(const struct dnsp_dp_listener *l, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (l->family == 6) {
		inet_ntop(AF_INET6, l->addr, a, sizeof(a));
		snprintf(out, cap, "[%s]:%u", a, l->port);
	} else {
		inet_ntop(AF_INET, l->addr, a, sizeof(a));
		snprintf(out, cap, "%s:%u", a, l->port);
	}
}

static bool addr_unspecified(const struct dnsp_dp_listener *l)
{
	unsigned n = l->family == 6 ? 16 : 4;

	for (unsigned i = 0; i < n; i++)
		if (l->addr[i] != 0)
			return false;
	return true;
}

/* Opens, configures and binds one socket for listener l. Returns the fd, or
 * -errno after printing what failed and for which address. */
static int open_socket(const struct dnsp_dp_listener *l, bool tcp, bool wildcard)
{
	const char *proto = tcp ? "tcp" : "udp";
	const char *what = "open a socket for";
	int fam = l->family == 6 ? AF_INET6 : AF_INET;
	int one = 1;
	int fd = socket(fam, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	what = "set SO_REUSEPORT on";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto fail;
	if (tcp) {
		/* Rebind at once after a restart despite TIME_WAIT connections. */
		what = "set SO_REUSEADDR on";
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
			goto fail;
	}
	if (fam == AF_INET6) {
		what = "set IPV6_V6ONLY on";
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
			goto fail;
	}
	if (!tcp) {
		/* Room for bursts; the kernel caps these at rmem_max/wmem_max, and
		 * a smaller buffer still works, so failure is not fatal. TCP keeps
		 * the kernel's autotuning, which a fixed size would disable. */
		int sz = UDP_SOCK_BUF;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		if (wildcard) {
			what = "enable packet info on";
			if (fam == AF_INET6) {
				if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
					goto fail;
			} else if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0) {
				goto fail;
			}
		}
	}

	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (fam == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(l->port);
		memcpy(&a->sin6_addr, l->addr, 16);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(l->port);
		memcpy(&a->sin_addr, l->addr, 4);
		sl = sizeof(*a);
	}
	what = "bind";
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		goto fail;
	what = "listen on";
	if (tcp && listen(fd, TCP_BACKLOG) < 0)
		goto fail;
	return fd;

fail:;
	int err = errno;
	char name[64];
	format_addr(l, name, sizeof(name));
	fprintf(stderr, "dnsplane: socket data plane: cannot %s %s %s: %s\n", what, proto, name,
		strerror(err));
	if (fd >= 0)
		close(fd);
	return -err;
}

static void worker_free(struct dnsp_dataplane *dp, struct worker *w)
{
	for (uint32_t i = 0; w->udp_fd != NULL && i < dp->nlisteners; i++)
		if (w->udp_fd[i] >= 0)
			close(w->udp_fd[i]);
	for (uint32_t i = 0; w->tcp_fd != NULL && i < dp->nlisteners; i++)
		if (w->tcp_fd[i] >= 0)
			close(w->tcp_fd[i]);
	for (uint32_t i = 0; w->conns != NULL && i < w->nconns; i++)
		if (w->conns[i].fd >= 0)
			close(w->conns[i].fd);
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->reserve_fd >= 0)
		close(w->reserve_fd);
	free(w->udp_fd);
	free(w->tcp_fd);
	free(w->udp);
	free(w->conns);
	free(w->small_slab);
	free(w->work);
	free(w->big_slab);
}

static int epoll_add(int epfd, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Allocates a worker's buffers and opens its sockets. Returns 0 or -errno
 * (the caller frees the worker either way). */
static int worker_init(struct dnsp_dataplane *dp, struct worker *w, uint32_t index,
		       struct dnsp_stats *st)
{
	uint32_t nl = dp->nlisteners;
	int rc;

	w->dp = dp;
	w->index = index;
	w->st = st;
	/* Seed from the clock and the worker index: weighted and multivalue
	 * choices need independent streams, not cryptographic ones. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	dnsp_worker_ctx_init(&w->ctx, st, dp->worker_id_base + index,
			     ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
			     ((uint64_t)(index + 1) * 0x9E3779B97F4A7C15ull));
	w->epfd = -1;
	w->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	w->lru_head = w->lru_tail = -1;
	w->free_head = -1;
	w->udp_fd = malloc(nl * sizeof(int));
	w->tcp_fd = malloc(nl * sizeof(int));
	if (w->udp_fd == NULL || w->tcp_fd == NULL)
		goto nomem;
	for (uint32_t i = 0; i < nl; i++)
		w->udp_fd[i] = w->tcp_fd[i] = -1;
	if (posix_memalign((void **)&w->udp, 64, sizeof(*w->udp)) != 0) {
		w->udp = NULL;
		goto nomem;
	}
	memset(w->udp, 0, sizeof(*w->udp));
	w->udp->rx_pktinfo = -1; /* forces a full header reset on the first call */
	for (unsigned i = 0; i < UDP_BATCH; i++) {
		w->udp->rx_iov[i].iov_base = w->udp->buf[i];
		w->udp->rx_iov[i].iov_len = UDP_BUF;
		w->udp->rx[i].msg_hdr.msg_name = &w->udp->name[i];
		w->udp->rx[i].msg_hdr.msg_iov = &w->udp->rx_iov[i];
		w->udp->rx[i].msg_hdr.msg_iovlen = 1;
	}

	w->nconns = (uint32_t)dp->max_conns;
	if (w->nconns > 0) {
		w->conns = calloc(w->nconns, sizeof(*w->conns));
		/* Untouched pages stay virtual: cost grows with real connections. */
		w->small_slab = malloc((size_t)w->nconns * TCP_SMALL);
		w->work = malloc(TCP_WORK);
		w->nbig = w->nconns * 2 < TCP_BIG_BUFS ? w->nconns * 2 : TCP_BIG_BUFS;
		w->big_slab = malloc((size_t)w->nbig * TCP_BIG);
		if (w->conns == NULL || w->small_slab == NULL || w->work == NULL ||
		    w->big_slab == NULL)
			goto nomem;
		for (uint32_t i = 0; i < w->nconns; i++) {
			struct tcp_conn *c = &w->conns[i];
			c->fd = -1;
			c->small = w->small_slab + (size_t)i * TCP_SMALL;
			c->in = c->small;
			c->in_cap = TCP_SMALL;
			c->in_big = c->out_big = -1;
			c->prev = -1;
			c->next = i + 1 < w->nconns ? (int32_t)(i + 1) : -1;
		}
		w->free_head = 0;
		for (uint32_t i = 0; i < w->nbig; i++)
			w->big_free[i] = (int32_t)i;
		w->nbig_free = w->nbig;
	}

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0) {
		rc = -errno;
		fprintf(stderr, "dnsplane: socket data plane: epoll_create1: %s\n", strerror(-rc));
		return rc;
	}
	if ((rc = epoll_add(w->epfd, dp->stop_fd, tag_make(TAG_STOP, 0, 0))) < 0)
		goto epoll_fail;
	if (dp->punt != NULL && w->ctx.id < dnsp_punt_chan_workers(dp->punt)) {
		w->punt = dp->punt;
		if ((rc = epoll_add(w->epfd, dnsp_punt_reply_fd(dp->punt, w->ctx.id),
				    tag_make(TAG_PUNT, 0, 0))) < 0)
			goto epoll_fail;
	}
	for (uint32_t i = 0; i < nl; i++) {
		const struct dnsp_dp_listener *l = &dp->listeners[i];

		if ((rc = open_socket(l, false, dp->wildcard[i])) < 0)
			return rc;
		w->udp_fd[i] = rc;
		if ((rc = open_socket(l, true, dp->wildcard[i])) < 0)
			return rc;
		w->tcp_fd[i] = rc;
		if ((rc = epoll_add(w->epfd, w->udp_fd[i], tag_make(TAG_UDP, 0, i))) < 0 ||
		    (rc = epoll_add(w->epfd, w->tcp_fd[i], tag_make(TAG_LISTEN, 0, i))) < 0)
			goto epoll_fail;
	}
	return 0;

nomem:
	fprintf(stderr, "dnsplane: socket data plane: out of memory for worker %u buffers\n", index);
	return -ENOMEM;
epoll_fail:
	fprintf(stderr, "dnsplane: socket data plane: epoll_ctl for worker %u: %s\n", index,
		strerror(-rc));
	return rc;
}

/* Signals every worker, joins those started, and frees everything. */
static void plane_destroy(struct dnsp_dataplane *dp)
{
	if (dp == NULL)
		return;
	if (dp->stop_fd >= 0) {
		uint64_t one = 1;
		ssize_t r = write(dp->stop_fd, &one, sizeof(one));
		(void)r; /* eventfd write of 1 cannot block or fail here */
	}
	for (uint32_t i = 0; dp->workers != NULL && i < dp->nworkers; i++)
		if (dp->workers[i].started)
			pthread_join(dp->workers[i].thread, NULL);
	for (uint32_t i = 0; dp->workers != NULL && i < dp->nworkers; i++)
		worker_free(dp, &dp->workers[i]);
	if (dp->stop_fd >= 0)
		close(dp->stop_fd);
	free(dp->workers);
	free(dp->listeners);
	free(dp->wildcard);
	free(dp);
}

static int check_params(const struct dnsp_dp_params *p)
{
	if (p == NULL || p->workers < 1 || p->workers > MAX_WORKERS || p->stats == NULL ||
	    p->nlisteners < 1 || p->nlisteners > UINT16_MAX || p->listeners == NULL ||
	    p->tcp_max_connections < 0 || p->tcp_max_connections > TCP_MAX_CONN_LIMIT)
		return -EINVAL;
	for (uint32_t i = 0; i < p->nlisteners; i++)
		if (p->listeners[i].family != 4 && p->listeners[i].family != 6)
			return -EINVAL;
	return 0;
}

int dnsp_socket_plane_start(const struct dnsp_dp_params *p, dnsp_dataplane_t **out)
{
	struct dnsp_dataplane *dp;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if ((rc = check_params(p)) < 0) {
		fprintf(stderr, "dnsplane: socket data plane: invalid parameters\n");
		return rc;
	}
	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return -ENOMEM;
	dp->stop_fd = -1;
	dp->nlisteners = p->nlisteners;
	dp->nworkers = p->workers;
	dp->idle_ms = p->tcp_idle_timeout_ms;
	dp->max_conns = p->tcp_max_connections;
	dp->cpu_base = p->cpu_base;
	dp->coalesce_ns = p->rx_coalesce_us * 1000u;
	dp->worker_id_base = p->worker_id_base;
	dp->punt = p->punt;
	dp->listeners = malloc(p->nlisteners * sizeof(*dp->listeners));
	dp->wildcard = malloc(p->nlisteners * sizeof(*dp->wildcard));
	if (posix_memalign((void **)&dp->workers, 64, p->workers * sizeof(*dp->workers)) != 0)
		dp->workers = NULL;
	if (dp->listeners == NULL || dp->wildcard == NULL || dp->workers == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	memset(dp->workers, 0, p->workers * sizeof(*dp->workers));
	for (uint32_t i = 0; i < p->workers; i++) {
		dp->workers[i].epfd = -1;
		dp->workers[i].reserve_fd = -1;
	}
	memcpy(dp->listeners, p->listeners, p->nlisteners * sizeof(*dp->listeners));
	for (uint32_t i = 0; i < p->nlisteners; i++)
		dp->wildcard[i] = addr_unspecified(&dp->listeners[i]);
	dp->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dp->stop_fd < 0) {
		rc = -errno;
		fprintf(stderr, "dnsplane: socket data plane: eventfd: %s\n", strerror(-rc));
		goto fail;
	}

	/* Bind everything before any thread runs, so errors come back here. */
	for (uint32_t i = 0; i < p->workers; i++)
		if ((rc = worker_init(dp, &dp->workers[i], i, &p->stats[i])) < 0)
			goto fail;
	for (uint32_t i = 0; i < p->workers; i++) {
		rc = -pthread_create(&dp->workers[i].thread, NULL, worker_main, &dp->workers[i]);
		if (rc < 0) {
			fprintf(stderr, "dnsplane: socket data plane: cannot start worker %u: %s\n",
				i, strerror(-rc));
			goto fail;
		}
		dp->workers[i].started = true;
	}
	*out = dp;
	return 0;

fail:
	plane_destroy(dp);
	return rc;
}

void dnsp_socket_plane_stop(dnsp_dataplane_t *dp)
{
	plane_destroy(dp);
}
