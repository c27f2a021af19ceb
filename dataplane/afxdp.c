/*
 * AF_XDP back end of the data plane (contract in dataplane.h): dnsplane's
 * XDP program (xdp/) steers UDP for the listeners into one AF_XDP socket
 * per (interface, RX queue), and one worker thread per socket answers in
 * place: batched RX (64) → classify the frame (dataplane/l2) →
 * dnsp_pipeline_process() on the DNS message where it lies → rewrite the
 * same frame into the reply (MACs, IPs, ports, lengths, checksums) → batched
 * TX of the same UMEM frame. Nothing is copied on the answer path.
 *
 * Per worker: its own UMEM (4096 frames of 2048 bytes = 8 MiB, which stays
 * within the 8 MiB RLIMIT_MEMLOCK of unprivileged-lock setups; TOOLCHAIN
 * §2), fill, completion and RX rings of 4096 (all frames), a TX ring of
 * 2048. Frames the worker holds are kept on a stack ("stash"): RX frames
 * that are dropped, punted or whose TX completed go back to it, and the
 * fill ring is topped up from it after every burst, keeping BATCH frames
 * back for slow-path replies. Zero-copy is asked for first and copy mode used when the driver
 * refuses it (veth). need_wakeup is used: at most one sendto() per TX
 * batch (copy mode needs one for every 32 frames: the kernel's TX budget
 * per call) and a recvfrom() kick only when RX is idle and the kernel asks
 * for one. The ring structs are zeroed before use (libxdp 1.3.1 leaves
 * their cached indices uninitialised).
 *
 * Under load with server.rx_coalesce_us set, a worker that found work naps
 * that long instead of spinning (coalesce.h), so each burst is larger and
 * the TX kicks fewer.
 *
 * RCU: each worker is a QSBR reader exactly like the socket workers: one
 * snapshot dereference per burst, a quiescent state after it, offline
 * while it sleeps in poll(). It sleeps only after SPIN_ROUNDS empty rounds,
 * so under load it never enters the kernel for RX.
 *
 * Punts (DNSP_PIPELINE_PUNT): the DNS message goes into the worker's
 * request ring of the punt channel (lib/punt.h) with a cookie; the
 * worker keeps the frame's L2-L4 headers in a small per-worker table under
 * that cookie, the frame itself goes back to the fill ring. The reply
 * comes back through the worker's reply ring (its eventfd wakes a sleeping
 * worker); the worker writes it into a free frame behind the saved headers,
 * turns them around and sends it on its own TX ring. A reply whose headers
 * were overwritten (more than PUNT_SLOTS punts in flight) is dropped and
 * the client retries. Without a channel, or with the ring full, the query
 * is answered SERVFAIL at once (counted in punt_failed). A cache answer
 * that asks for a prefetch is sent and its refresh queued (no client).
 */
#include "coalesce.h"
#include "dataplane.h"

#ifdef DNSP_HAVE_AFXDP
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include <xdp/xsk.h>

#include "dataplane.h"
#include "l2.h"
#include "lib/pipeline.h"
#include "lib/punt.h"
#include "lib/snapshot.h"
#include "xdp/loader.h"

#define BATCH 64                  /* RX/TX descriptors per burst */
#define FRAME_SIZE 2048u          /* UMEM chunk (aligned mode: power of two) */
#define NUM_FRAMES 4096u          /* 8 MiB of UMEM per socket */
#define RING_SIZE NUM_FRAMES      /* fill, completion and RX rings: every frame can
				   * wait for the kernel in the fill ring, so a
				   * stalled worker has 4096 frames of slack */
#define TX_RING_SIZE 2048u
#define SPIN_ROUNDS 16            /* empty rounds (~1 us) before the worker sleeps:
				   * shorter than a poll() sleep/wake cycle, short
				   * enough that an idle worker costs no CPU */
#define IDLE_POLL_MS 100          /* bounds the reaction to stop while asleep */
#define PUNT_SLOTS 512            /* saved headers of punted queries per worker */
#define HDR_ROOM 128              /* >= largest L2-L4 header (14+4+60+8) */
#define COPY_TX_BUDGET 32         /* frames the kernel sends per sendto in copy mode */
#define MAX_PLANE_WORKERS 1024
#define BUSY_RETRIES 300          /* x 10 ms: queue still held by a closed socket */

/* Headers of a punted query, kept until its reply comes back. */
struct punt_slot {
	uint64_t cookie;              /* sequence number; ~0: free */
	struct dnsp_l2_pkt l2;
	uint8_t hdr[HDR_ROOM];        /* frame[0..l2.payload_off) */
};

struct xworker {
	struct dnsp_dataplane *dp;
	uint32_t index;               /* in dp->w */
	uint32_t id;                  /* pipeline worker id */
	uint32_t iface, queue;
	pthread_t thread;
	bool started;
	bool zerocopy;
	uint8_t *umem_area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	int fd;
	/* The four rings: zeroed before creation (libxdp 1.3.1 bug). */
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	uint32_t tx_outstanding;      /* submitted to TX, not yet completed */
	uint16_t dns_cap4, dns_cap6;  /* largest DNS message a reply frame may carry:
				       * the interface MTU, not the UMEM chunk */
	uint64_t *stash;              /* free frame addresses (chunk bases) */
	uint32_t nstash;
	struct dnsp_stats *st;
	struct dnsp_worker_ctx ctx;
	struct punt_slot *punts;
	uint64_t punt_seq;
	bool punted;                  /* pushed since the last kick */
	int reply_fd;                 /* punt channel reply eventfd, or -1 */
	struct xdp_desc txq[BATCH];   /* staged TX descriptors of a burst */
} __attribute__((aligned(64)));

struct iface {
	char name[IF_NAMESIZE];
	uint32_t queues;
	uint32_t mtu;                 /* at start: bounds the replies (iface_mtu) */
	struct dnsp_xdp *xdp;
};

struct dnsp_dataplane {
	struct dnsp_dp_listener *listeners;
	uint32_t nlisteners;
	struct iface *ifs;
	uint32_t nifs;
	struct xworker *w;
	uint32_t nworkers;
	struct dnsp_punt_chan *punt;
	int cpu_base;
	uint32_t coalesce_ns;         /* rx_coalesce_us in ns (coalesce.h); 0: off */
	bool v4_udp_csum;
	bool stop;                    /* atomic: see worker_main */
	int stop_fd;                  /* eventfd: wakes sleeping workers at stop */
};

/* ------------------------------------------------------------ frames */

static inline void stash_put(struct xworker *w, uint64_t addr)
{
	/* Every frame is in exactly one place, so the stash never overflows. */
	w->stash[w->nstash++] = addr & ~(uint64_t)(FRAME_SIZE - 1);
}

/* Completed TX frames back to the stash. complete(), refill() and
 * rx_burst() run once per loop and stay out of line, so that profiles
 * (bench/kxdpgun-compare.sh: callgrind --toggle-collect) see the per-burst
 * work apart from the idle loop. */
static __attribute__((noinline)) void complete(struct xworker *w)
{
	uint32_t idx, n;

	if (w->tx_outstanding == 0)
		return;
	n = xsk_ring_cons__peek(&w->cq, RING_SIZE, &idx);
	for (uint32_t k = 0; k < n; k++)
		stash_put(w, *xsk_ring_cons__comp_addr(&w->cq, idx + k));
	if (n) {
		xsk_ring_cons__release(&w->cq, n);
		w->tx_outstanding -= n;
	}
}

/* Tops the fill ring up from the stash, keeping BATCH frames for replies. */
static __attribute__((noinline)) void refill(struct xworker *w)
{
	uint32_t want, room, idx;

	if (w->nstash <= BATCH)
		return;
	want = w->nstash - BATCH;
	room = xsk_prod_nb_free(&w->fq, want);
	if (room < want)
		want = room;
	if (want == 0 || xsk_ring_prod__reserve(&w->fq, want, &idx) != want)
		return;
	for (uint32_t k = 0; k < want; k++)
		*xsk_ring_prod__fill_addr(&w->fq, idx + k) = w->stash[--w->nstash];
	xsk_ring_prod__submit(&w->fq, want);
}

/* Wakes the kernel to transmit: one call per COPY_TX_BUDGET frames at most. */
static void kick_tx(struct xworker *w, uint32_t n)
{
	if (!xsk_ring_prod__needs_wakeup(&w->tx))
		return;
	for (uint32_t tries = 0; tries <= n / COPY_TX_BUDGET + 1; tries++) {
		if (sendto(w->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			return;
		if (errno != EAGAIN && errno != EBUSY && errno != ENOBUFS && errno != EINTR) {
			w->st->tx_errors++;
			return;
		}
	}
}

/* Puts the staged descriptors on the TX ring and kicks the kernel. */
static void tx_flush(struct xworker *w, uint32_t n)
{
	uint32_t idx;

	if (n == 0)
		return;
	if (xsk_ring_prod__reserve(&w->tx, n, &idx) != n) {
		complete(w);
		if (xsk_ring_prod__reserve(&w->tx, n, &idx) != n) {
			for (uint32_t k = 0; k < n; k++)
				stash_put(w, w->txq[k].addr);
			w->st->tx_errors += n;
			return;
		}
	}
	for (uint32_t k = 0; k < n; k++)
		*xsk_ring_prod__tx_desc(&w->tx, idx + k) = w->txq[k];
	xsk_ring_prod__submit(&w->tx, n);
	w->tx_outstanding += n;
	w->st->tx_packets += n;
	kick_tx(w, n);
}

/* ------------------------------------------------------------- punts */

/* Hands a query to the slow path. Returns a reply length to send now
 * (SERVFAIL when it cannot be punted), or 0 when punted. */
static int punt(struct xworker *w, const struct dnsp_snapshot *s, const uint8_t *frame,
		const struct dnsp_l2_pkt *l2, struct dnsp_pkt *p)
{
	struct dnsp_dataplane *dp = w->dp;

	if (dp->punt == NULL || l2->payload_off > HDR_ROOM) {
		w->st->punt_failed++;
		return dnsp_punt_servfail(p->buf, p->len, p->cap);
	}
	struct dnsp_punt_client c;

	dnsp_l2_punt_client(frame, l2, &c);
	c.worker = w->id;
	c.cookie = w->punt_seq;
	c.max_reply = p->cap; /* frame and MTU (handle()); EDNS limits: the resolver */
	if (dnsp_punt_push(dp->punt, w->id, &w->ctx.punt, &c, s->generation, p->buf, p->len) < 0) {
		w->st->punt_failed++;
		return dnsp_punt_servfail(p->buf, p->len, p->cap);
	}
	struct punt_slot *slot = &w->punts[w->punt_seq & (PUNT_SLOTS - 1)];

	slot->cookie = w->punt_seq++;
	slot->l2 = *l2;
	memcpy(slot->hdr, frame, l2->payload_off);
	w->st->punted++;
	w->punted = true;
	return 0;
}

/* Sends the slow path's replies through this worker's TX ring. */
static uint32_t replies(struct xworker *w)
{
	struct dnsp_dataplane *dp = w->dp;
	uint32_t n = 0, taken = 0;

	while (n < BATCH && w->nstash > 0) {
		uint64_t base = w->stash[w->nstash - 1];
		uint8_t *f = w->umem_area + base;
		struct dnsp_punt_reply h;
		int rc = dnsp_punt_reply_pop(dp->punt, w->id, &h, f + HDR_ROOM,
					     FRAME_SIZE - HDR_ROOM);

		if (rc == 0)
			break;
		taken++;
		if (rc < 0) {
			w->st->tx_errors++;
			continue;
		}
		struct punt_slot *slot = &w->punts[h.cookie & (PUNT_SLOTS - 1)];

		if (slot->cookie != h.cookie) {
			w->st->tx_errors++; /* headers overwritten: the client retries */
			continue;
		}
		slot->cookie = ~(uint64_t)0;
		if (h.len > (slot->l2.family == 4 ? w->dns_cap4 : w->dns_cap6)) {
			w->st->tx_errors++; /* above the MTU (max_reply ignored): dropped */
			continue;
		}
		uint32_t start = HDR_ROOM - slot->l2.payload_off;

		memcpy(f + start, slot->hdr, slot->l2.payload_off);
		int len = dnsp_l2_build_udp_reply(f + start, FRAME_SIZE - start, &slot->l2, h.len,
						  dp->v4_udp_csum);
		if (len <= 0) {
			w->st->tx_errors++;
			continue;
		}
		w->nstash--;
		w->txq[n].addr = base + start;
		w->txq[n].len = (uint32_t)len;
		w->txq[n].options = 0;
		n++;
	}
	tx_flush(w, n);
	return taken;
}

/* ------------------------------------------------------------ RX path */

/* Answers one frame in place. Returns the reply frame length, or 0 when
 * nothing is sent from this frame (it goes back to the stash). */
static inline int handle(struct xworker *w, const struct dnsp_snapshot *s, uint8_t *f,
			 uint32_t len, uint32_t room)
{
	struct dnsp_dataplane *dp = w->dp;
	struct dnsp_l2_pkt l2;
	struct dnsp_pkt p;
	int r;

	if (unlikely(dnsp_l2_classify(f, len, dp->listeners, dp->nlisteners, &l2) !=
		     DNSP_L2_DNS || s == NULL)) {
		/* The XDP program only steers DNS for listeners here; the rest
		 * is malformed (bad checksum, unanswerable source, ...). */
		w->st->rx_dropped++;
		return 0;
	}
	dnsp_l2_to_pipeline(f, room, &l2, &p);
	/* The chunk holds more than the link carries: a reply above the MTU
	 * would be dropped by the driver, so the pipeline truncates (TC) to it. */
	uint16_t mtu_cap = l2.family == 4 ? w->dns_cap4 : w->dns_cap6;
	if (p.cap > mtu_cap)
		p.cap = mtu_cap;
	r = dnsp_pipeline_process(s, &p, &w->ctx);
	if (unlikely(r <= 0)) {
		if (r != DNSP_PIPELINE_PUNT)
			return 0;
		r = punt(w, s, f, &l2, &p);
		if (r <= 0)
			return 0;
	} else if (unlikely(w->ctx.punt.prefetch) && dp->punt != NULL &&
		   dnsp_punt_push_prefetch(dp->punt, w->id, &w->ctx.punt, s->generation, p.buf,
					   (uint16_t)r) == 0) {
		/* answered from the cache near expiry: refresh it (no client) */
		w->st->punted++;
		w->punted = true;
	}
	r = dnsp_l2_build_udp_reply(f, room, &l2, (uint32_t)r, dp->v4_udp_csum);
	if (unlikely(r <= 0)) {
		w->st->tx_errors++;
		return 0;
	}
	return r;
}

static __attribute__((noinline)) uint32_t rx_burst(struct xworker *w,
						   const struct dnsp_snapshot *s)
{
	uint32_t idx, n, ntx = 0;

	n = xsk_ring_cons__peek(&w->rx, BATCH, &idx);
	if (n == 0)
		return 0;
	w->st->rx_packets += n;
	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&w->rx, idx + i);
		uint64_t addr = d->addr;
		uint32_t room = FRAME_SIZE - (uint32_t)(addr & (FRAME_SIZE - 1));

		if (i + 1 < n)
			__builtin_prefetch(w->umem_area + xsk_ring_cons__rx_desc(&w->rx, idx + i + 1)->addr);
		int out = handle(w, s, w->umem_area + addr, d->len, room);

		if (out > 0) {
			w->txq[ntx].addr = addr;
			w->txq[ntx].len = (uint32_t)out;
			w->txq[ntx].options = 0;
			ntx++;
		} else {
			stash_put(w, addr);
		}
	}
	xsk_ring_cons__release(&w->rx, n);
	tx_flush(w, ntx);
	return n;
}

/* ------------------------------------------------------------- worker */

static void sleep_until_work(struct xworker *w)
{
	struct dnsp_dataplane *dp = w->dp;
	struct pollfd pfd[3] = {
		{ .fd = w->fd, .events = POLLIN },
		{ .fd = dp->stop_fd, .events = POLLIN },
		{ .fd = w->reply_fd, .events = POLLIN },
	};
	nfds_t nfd = w->reply_fd >= 0 ? 3 : 2;
	/* Frames still queued for TX (the kernel's per-call budget) or a fill
	 * ring the kernel wants to be told about: come back soon. */
	int timeout = w->tx_outstanding ? 1 : IDLE_POLL_MS;

	if (xsk_ring_prod__needs_wakeup(&w->fq))
		(void)recvfrom(w->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
	if (w->tx_outstanding)
		kick_tx(w, w->tx_outstanding);
	/* Offline while blocked, so publishers need not wait for us. */
	rcu_thread_offline();
	int rc = poll(pfd, nfd, timeout);
	rcu_thread_online();
	if (rc > 0 && nfd == 3 && (pfd[2].revents & POLLIN)) {
		uint64_t v;

		if (read(w->reply_fd, &v, sizeof(v)) < 0) {
			/* EAGAIN: another wakeup consumed it */
		}
	}
}

static void *worker_main(void *arg)
{
	struct xworker *w = arg;
	struct dnsp_dataplane *dp = w->dp;
	uint32_t idle = 0;
	struct dnsp_coalesce co = { .ns = dp->coalesce_ns };

	if (dp->cpu_base >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((size_t)dp->cpu_base + w->index, &set);
		/* Best effort: run unpinned when the CPU is not ours. */
		(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	dnsp_coalesce_thread_init(dp->coalesce_ns);
	rcu_register_thread();
	/* Acquire pairs with the release store in plane_destroy(). */
	while (!__atomic_load_n(&dp->stop, __ATOMIC_ACQUIRE)) {
		/* One dereference per burst; valid until rcu_quiescent_state(). */
		const struct dnsp_snapshot *s = dnsp_snapshot_current();
		uint32_t rx = rx_burst(w, s), work = rx;

		if (w->reply_fd >= 0)
			work += replies(w);
		if (w->punted) {
			dnsp_punt_kick(dp->punt, w->id);
			w->punted = false;
		}
		complete(w);
		refill(w);
		rcu_quiescent_state();
		if (work) {
			idle = 0;
			/* Under load, nap instead of spinning (coalesce.h): not
			 * while a full RX batch says more is waiting. */
			if (dnsp_coalesce_want(&co, work) && rx < BATCH) {
				if (w->tx_outstanding) /* what the last kick left */
					kick_tx(w, w->tx_outstanding);
				w->st->coalesce_naps++;
				dnsp_coalesce_sleep(dp->coalesce_ns);
			}
			continue;
		}
		if (++idle < SPIN_ROUNDS)
			continue;
		idle = 0;
		sleep_until_work(w);
	}
	rcu_unregister_thread();
	return NULL;
}

/* ---------------------------------------------------------- start/stop */

/* The interface's MTU (IP packet size), or 1500 when it cannot be read. */
static uint32_t iface_mtu(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t mtu = 1500;

	if (fd < 0)
		return mtu;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		mtu = (uint32_t)ifr.ifr_mtu;
	close(fd);
	return mtu;
}

static int socket_create(struct xworker *w, const char *ifname, int xsk_map_fd)
{
	static const uint16_t bind_try[2] = { XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP,
					      XDP_COPY | XDP_USE_NEED_WAKEUP };
	struct xsk_umem_config uc = {
		.fill_size = RING_SIZE,
		.comp_size = RING_SIZE,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	int rc = -EINVAL;

	for (int t = 0; t < 2; t++) {
		struct xsk_socket_config sc = {
			.rx_size = RING_SIZE,
			.tx_size = TX_RING_SIZE,
			.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
			.xdp_flags = 0,
			.bind_flags = bind_try[t],
		};

		memset(&w->fq, 0, sizeof(w->fq));
		memset(&w->cq, 0, sizeof(w->cq));
		memset(&w->rx, 0, sizeof(w->rx));
		memset(&w->tx, 0, sizeof(w->tx));
		/* A fresh UMEM per attempt: a socket whose zero-copy bind failed
		 * keeps its rings configured and cannot be bound again. */
		rc = xsk_umem__create(&w->umem, w->umem_area, (uint64_t)NUM_FRAMES * FRAME_SIZE,
				      &w->fq, &w->cq, &uc);
		if (rc < 0) {
			fprintf(stderr, "dnsplane: afxdp: %s queue %u: cannot create the UMEM "
					"(%u KiB): %s%s\n", ifname, w->queue,
				NUM_FRAMES * FRAME_SIZE / 1024, strerror(-rc),
				rc == -ENOBUFS || rc == -EPERM ? " (RLIMIT_MEMLOCK too low?)" : "");
			return rc;
		}
		rc = xsk_socket__create(&w->xsk, ifname, w->queue, w->umem, &w->rx, &w->tx, &sc);
		/* A socket closed just before (a restart) releases its queue
		 * asynchronously in the kernel: EBUSY for a short while. */
		for (int wait = 0; rc == -EBUSY && wait < BUSY_RETRIES; wait++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			rc = xsk_socket__create(&w->xsk, ifname, w->queue, w->umem, &w->rx, &w->tx,
						&sc);
		}
		if (rc == 0) {
			w->zerocopy = t == 0;
			break;
		}
		w->xsk = NULL;
		(void)xsk_umem__delete(w->umem);
		w->umem = NULL;
	}
	if (rc < 0) {
		fprintf(stderr, "dnsplane: afxdp: %s queue %u: cannot create the AF_XDP socket: "
				"%s%s\n", ifname, w->queue, strerror(-rc),
			rc == -EBUSY ? " (another AF_XDP socket holds this queue?)" : "");
		return rc;
	}
	w->fd = xsk_socket__fd(w->xsk);
	rc = xsk_socket__update_xskmap(w->xsk, xsk_map_fd);
	if (rc < 0) {
		fprintf(stderr, "dnsplane: afxdp: %s queue %u: cannot register the socket in the "
				"XSKMAP: %s\n", ifname, w->queue, strerror(-rc));
		return rc;
	}
	return 0;
}

static int worker_init(struct dnsp_dataplane *dp, struct xworker *w, uint32_t index,
		       uint32_t iface, uint32_t queue, const struct dnsp_dp_params *p)
{
	size_t bytes = (size_t)NUM_FRAMES * FRAME_SIZE;
	struct timespec ts;
	int rc;

	w->dp = dp;
	w->index = index;
	w->id = p->worker_id_base + index;
	w->iface = iface;
	w->queue = queue;
	w->fd = -1;
	w->reply_fd = -1;
	w->st = &p->stats[index];
	/* A reply leaves as one frame of at most the MTU (IPv4 options are
	 * dropped). The floor (RFC 791's 576) only keeps the subtraction sane
	 * on a misconfigured link; the chunk bounds the message from above
	 * (dnsp_l2_to_pipeline). */
	uint32_t mtu = dp->ifs[iface].mtu < 576 ? 576 : dp->ifs[iface].mtu;
	if (mtu > 0xffff)
		mtu = 0xffff;
	w->dns_cap4 = (uint16_t)(mtu - DNSP_L2_IP4_LEN - DNSP_L2_UDP_LEN);
	w->dns_cap6 = (uint16_t)(mtu - DNSP_L2_IP6_LEN - DNSP_L2_UDP_LEN);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	dnsp_worker_ctx_init(&w->ctx, w->st, w->id,
			     ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
			     ((uint64_t)(w->id + 1) * 0x9E3779B97F4A7C15ull));
	w->stash = malloc(NUM_FRAMES * sizeof(*w->stash));
	w->punts = malloc(PUNT_SLOTS * sizeof(*w->punts));
	if (w->stash == NULL || w->punts == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < PUNT_SLOTS; i++)
		w->punts[i].cookie = ~(uint64_t)0;
	/* Populated up front: no page fault on the fast path. */
	w->umem_area = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (w->umem_area == MAP_FAILED) {
		w->umem_area = NULL;
		return -errno;
	}
	if ((rc = socket_create(w, dp->ifs[iface].name, dnsp_xdp_xsk_map_fd(dp->ifs[iface].xdp))) < 0)
		return rc;
	for (uint32_t i = 0; i < NUM_FRAMES; i++)
		w->stash[w->nstash++] = (uint64_t)(NUM_FRAMES - 1 - i) * FRAME_SIZE;
	refill(w);
	if (dp->punt != NULL)
		w->reply_fd = dnsp_punt_reply_fd(dp->punt, w->id);
	return 0;
}

static void worker_free(struct xworker *w)
{
	if (w->xsk != NULL)
		xsk_socket__delete(w->xsk); /* before its UMEM (TOOLCHAIN §6) */
	if (w->umem != NULL && xsk_umem__delete(w->umem) < 0)
		fprintf(stderr, "dnsplane: afxdp: UMEM still in use at stop\n");
	if (w->umem_area != NULL)
		munmap(w->umem_area, (size_t)NUM_FRAMES * FRAME_SIZE);
	free(w->stash);
	free(w->punts);
}

static void plane_destroy(struct dnsp_dataplane *dp)
{
	if (dp == NULL)
		return;
	/* Detach first, while the workers still drain their rings: from here
	 * on the kernel (and the socket plane beside us) gets the traffic. */
	for (uint32_t i = 0; i < dp->nifs; i++)
		dnsp_xdp_detach(dp->ifs[i].xdp);
	/* Release: workers see stop after everything written before. */
	__atomic_store_n(&dp->stop, true, __ATOMIC_RELEASE);
	if (dp->stop_fd >= 0) {
		uint64_t one = 1;

		if (write(dp->stop_fd, &one, sizeof(one)) < 0) {
			/* saturated: already signalled */
		}
	}
	for (uint32_t i = 0; i < dp->nworkers; i++)
		if (dp->w[i].started)
			pthread_join(dp->w[i].thread, NULL);
	for (uint32_t i = 0; i < dp->nworkers; i++)
		worker_free(&dp->w[i]);
	if (dp->stop_fd >= 0)
		close(dp->stop_fd);
	free(dp->w);
	free(dp->ifs);
	free(dp->listeners);
	free(dp);
}

static int check_params(const struct dnsp_dp_params *p, uint32_t *nworkers)
{
	uint32_t n = 0;

	if (p == NULL || p->stats == NULL || p->listeners == NULL || p->nlisteners < 1 ||
	    p->nlisteners > DNSP_XDP_MAX_LISTENERS || p->interfaces == NULL ||
	    p->ninterfaces < 1)
		return -EINVAL;
	for (uint32_t i = 0; i < p->nlisteners; i++)
		if (p->listeners[i].family != 4 && p->listeners[i].family != 6)
			return -EINVAL;
	for (uint32_t i = 0; i < p->ninterfaces; i++) {
		const struct dnsp_dp_interface *f = &p->interfaces[i];

		if (f->name == NULL || strlen(f->name) >= IF_NAMESIZE || f->queues < 1 ||
		    f->queues > DNSP_XDP_MAX_QUEUES)
			return -EINVAL;
		n += f->queues;
	}
	if (n > MAX_PLANE_WORKERS)
		return -EINVAL;
	*nworkers = n;
	return 0;
}

int dnsp_afxdp_plane_start(const struct dnsp_dp_params *p, dnsp_dataplane_t **out)
{
	static const enum dnsp_xdp_mode modes[] = { DNSP_XDP_MODE_AUTO, DNSP_XDP_MODE_NATIVE,
						    DNSP_XDP_MODE_SKB };
	struct dnsp_dataplane *dp;
	uint32_t nworkers = 0, k = 0;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if ((rc = check_params(p, &nworkers)) < 0) {
		fprintf(stderr, "dnsplane: afxdp data plane: invalid parameters (needs "
				"server.interfaces with queues 1..%d and 1..%d listeners)\n",
			DNSP_XDP_MAX_QUEUES, DNSP_XDP_MAX_LISTENERS);
		return rc;
	}
	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return -ENOMEM;
	dp->stop_fd = -1;
	dp->cpu_base = p->cpu_base;
	dp->coalesce_ns = p->rx_coalesce_us * 1000u;
	dp->punt = p->punt;
	dp->v4_udp_csum = true;
	dp->nlisteners = p->nlisteners;
	dp->listeners = malloc(p->nlisteners * sizeof(*dp->listeners));
	dp->ifs = calloc(p->ninterfaces, sizeof(*dp->ifs));
	if (posix_memalign((void **)&dp->w, 64, nworkers * sizeof(*dp->w)) != 0)
		dp->w = NULL;
	if (dp->listeners == NULL || dp->ifs == NULL || dp->w == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	memset(dp->w, 0, nworkers * sizeof(*dp->w));
	memcpy(dp->listeners, p->listeners, p->nlisteners * sizeof(*dp->listeners));
	if (p->punt != NULL && dnsp_punt_chan_workers(p->punt) < p->worker_id_base + nworkers) {
		fprintf(stderr, "dnsplane: afxdp data plane: punt channel has fewer workers than "
				"worker ids %u..%u\n", p->worker_id_base,
			p->worker_id_base + nworkers - 1);
		rc = -EINVAL;
		goto fail;
	}
	dp->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dp->stop_fd < 0) {
		rc = -errno;
		goto fail;
	}

	/* 1. Attach with an empty listener map: everything passes meanwhile. */
	for (uint32_t i = 0; i < p->ninterfaces; i++) {
		struct iface *f = &dp->ifs[i];
		int mode = p->xdp_mode >= 0 && p->xdp_mode <= 2 ? p->xdp_mode : 0;

		snprintf(f->name, sizeof(f->name), "%s", p->interfaces[i].name);
		f->queues = p->interfaces[i].queues;
		f->mtu = iface_mtu(f->name);
		if ((rc = dnsp_xdp_attach(f->name, modes[mode], &f->xdp)) < 0)
			goto fail;
		dp->nifs = i + 1;
	}
	/* 2. One socket per queue, registered in the XSKMAP. */
	for (uint32_t i = 0; i < p->ninterfaces; i++) {
		for (uint32_t q = 0; q < dp->ifs[i].queues; q++, k++) {
			dp->nworkers = k + 1;
			if ((rc = worker_init(dp, &dp->w[k], k, i, q, p)) < 0) {
				if (rc == -ENOMEM)
					fprintf(stderr, "dnsplane: afxdp: out of memory\n");
				goto fail;
			}
		}
	}
	/* 3. Now steer: listener addresses into every interface's map. */
	for (uint32_t i = 0; i < dp->nifs; i++) {
		if ((rc = dnsp_xdp_set_listeners(dp->ifs[i].xdp, dp->listeners,
						 dp->nlisteners)) < 0) {
			fprintf(stderr, "dnsplane: afxdp: %s: cannot fill the listener map: %s\n",
				dp->ifs[i].name, strerror(-rc));
			goto fail;
		}
	}
	for (uint32_t i = 0; i < dp->nworkers; i++) {
		rc = -pthread_create(&dp->w[i].thread, NULL, worker_main, &dp->w[i]);
		if (rc < 0) {
			fprintf(stderr, "dnsplane: afxdp: cannot start worker %u: %s\n", i,
				strerror(-rc));
			goto fail;
		}
		dp->w[i].started = true;
	}
	for (uint32_t i = 0; i < dp->nifs; i++) {
		uint32_t zc = 0;

		for (uint32_t w = 0; w < dp->nworkers; w++)
			zc += dp->w[w].iface == i && dp->w[w].zerocopy;
		printf("dnsplaned: afxdp: %s: XDP %s mode%s, %u queue%s, %s\n", dp->ifs[i].name,
		       dnsp_xdp_mode_name(dp->ifs[i].xdp),
		       dnsp_xdp_is_legacy(dp->ifs[i].xdp) ? " (legacy attach: no dispatcher)" : "",
		       dp->ifs[i].queues, dp->ifs[i].queues == 1 ? "" : "s",
		       zc == dp->ifs[i].queues ? "zero-copy" : zc ? "partly zero-copy" : "copy mode");
	}
	*out = dp;
	return 0;
fail:
	plane_destroy(dp);
	return rc;
}

void dnsp_afxdp_plane_stop(dnsp_dataplane_t *dp)
{
	plane_destroy(dp);
}

int dnsp_afxdp_plane_xdp_stats(dnsp_dataplane_t *dp, struct dnsp_dp_xdp_stats *out,
			       uint32_t cap)
{
	if (dp == NULL)
		return 0;
	for (uint32_t i = 0; i < dp->nifs && i < cap; i++) {
		uint64_t c[DNSP_XDP_NCOUNTERS] = { 0 };

		memset(&out[i], 0, sizeof(out[i]));
		snprintf(out[i].ifname, sizeof(out[i].ifname), "%s", dp->ifs[i].name);
		if (dnsp_xdp_counters(dp->ifs[i].xdp, c) < 0)
			continue;
		out[i].redirected = c[DNSP_XDP_REDIRECTED];
		out[i].passed = c[DNSP_XDP_PASSED];
		out[i].dropped = c[DNSP_XDP_DROPPED];
		out[i].unbound = c[DNSP_XDP_UNBOUND];
		for (uint32_t k = 0; k < dp->nworkers; k++) {
			struct xdp_statistics xs;
			socklen_t len = sizeof(xs);

			if (dp->w[k].iface != i || dp->w[k].xsk == NULL ||
			    getsockopt(dp->w[k].fd, SOL_XDP, XDP_STATISTICS, &xs, &len) < 0)
				continue;
			out[i].xsk_rx_ring_full += xs.rx_ring_full;
			out[i].xsk_fill_empty += xs.rx_fill_ring_empty_descs;
			out[i].xsk_rx_dropped += xs.rx_dropped;
			out[i].xsk_invalid += xs.rx_invalid_descs + xs.tx_invalid_descs;
		}
	}
	return (int)dp->nifs;
}

#else /* !DNSP_HAVE_AFXDP */

#include <stdio.h>

int dnsp_afxdp_plane_start(const struct dnsp_dp_params *p, dnsp_dataplane_t **out)
{
	(void)p;
	*out = NULL;
	fprintf(stderr, "dnsplane: this build has no AF_XDP data plane (meson -Dafxdp=enabled "
			"needs libbpf, libxdp, clang and bpftool)\n");
	return -ENOTSUP;
}

void dnsp_afxdp_plane_stop(dnsp_dataplane_t *dp)
{
	(void)dp;
}

int dnsp_afxdp_plane_xdp_stats(dnsp_dataplane_t *dp, struct dnsp_dp_xdp_stats *out,
			       uint32_t cap)
{
	(void)dp;
	(void)out;
	(void)cap;
	return 0;
}

#endif
