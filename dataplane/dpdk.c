/*
 * DPDK back end of the data plane (contract in dataplane.h). EAL owns the
 * NIC: the plane initialises EAL from server.dpdk_args, gives every port as
 * many RX/TX queue pairs as it has workers (RSS on IP/UDP spreads flows when
 * there are several), and runs one poll-mode worker per EAL worker lcore.
 * Worker i owns queue i of every port, so no queue, mbuf or counter is ever
 * shared between workers.
 *
 * A worker's loop: dereference the snapshot, rte_eth_rx_burst() each of its
 * queues, classify every frame in place (dataplane/l2), answer DNS through
 * dnsp_pipeline_process() into the same mbuf, rewrite the headers
 * (dnsp_l2_build_udp_reply) and hand the burst to rte_eth_tx_burst() on the
 * queue it came from; what TX does not take is freed and counted. Then one
 * rcu_quiescent_state() per loop (QSBR, as in socket.c): a poll-mode worker
 * never blocks, so it never goes offline; stop() raises a flag the loop
 * checks, and the worker unregisters before it returns.
 *
 * No kernel stack sees a DPDK port, so the plane also does the little a host
 * must: it answers ARP requests for IPv4 listener addresses and neighbour
 * solicitations for IPv6 ones with the port's MAC, and answers a TCP
 * connection attempt to a listener with a reset (RFC 793 §3.4 reset
 * generation), so a client that retries over TCP after a truncated answer
 * fails at once instead of after its timeout. DNS over TCP needs the socket
 * plane on another address. Every other frame is dropped and counted.
 *
 * Punts (DNSP_PIPELINE_PUNT), as in the AF_XDP plane: the DNS message goes
 * into the worker's request ring of the punt channel (lib/punt.h) under a
 * cookie, the frame's L2-L4 headers into a per-worker table under the same
 * cookie, and the mbuf is freed. The reply comes back through the worker's
 * reply ring, which the loop polls (a poll-mode worker needs no eventfd);
 * it is written into an mbuf behind the saved headers, turned around and
 * sent on the queue the query came from. A reply whose headers were
 * overwritten (more than PUNT_SLOTS punts in flight) is dropped and the
 * client retries. Without a channel, or with its ring full, the query is
 * answered SERVFAIL at once (counted in punt_failed). A cache hit near
 * expiry is answered and also queued as a refresh without a client.
 *
 * Nothing here allocates, locks or makes a syscall per packet: mbufs come
 * from one pool sized at start for every descriptor ring plus each worker's
 * cache, burst and punt replies, and counters are per worker.
 */
#include <stdio.h>
#include "dataplane.h"

#ifdef DNSP_HAVE_DPDK
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>

#include "l2.h"
#include "lib/pipeline.h"
#include "lib/punt.h"
#include "lib/snapshot.h"

#define BURST 32                 /* frames per rx_burst/tx_burst */
#define MAX_PORTS 16             /* ports one plane serves */
#define MAX_WORKERS RTE_MAX_LCORE
#define RX_DESC 1024             /* per RX queue (the PMD may adjust) */
#define TX_DESC 1024             /* per TX queue */
#define POOL_CACHE 256           /* per-lcore mempool cache */
#define PUNT_SLOTS 512           /* saved headers of punted queries per worker */
#define HDR_ROOM 128             /* >= largest L2-L4 header (14+4+60+8) */
#define TCP_HDR 20
#define IPPROTO_TCP_ 6

/* What one worker counted on one port (beyond struct dnsp_stats). */
struct port_count {
	uint64_t tx_full, arp, nd, rst, malformed, not_ours;
};

struct port {
	uint16_t id;
	uint16_t nq;                 /* RX = TX queues */
	uint8_t mac[6];
	uint16_t dns_cap4, dns_cap6; /* largest DNS message a reply frame may carry (MTU) */
	bool sw_vlan_insert;         /* re-tag stripped frames in software */
	bool started;
	char name[64];
};

/* Headers of a punted query, kept until its reply comes back. */
struct punt_slot {
	uint64_t cookie;             /* sequence number; ~0: free */
	struct dnsp_l2_pkt l2;
	uint16_t pi;                 /* port (index in dp->ports) it came from */
	uint16_t dns_cap;            /* largest reply message the frame may carry */
	bool vlan_stripped;          /* the PMD took the query's tag off: */
	uint16_t vlan_tci;           /* the reply needs it back (vlan_restore) */
	uint8_t hdr[HDR_ROOM];       /* frame[0..l2.payload_off) */
};

struct rxq {
	struct port *pt;
	uint16_t pi;                 /* index of pt in dp->ports */
	uint16_t queue;
};

struct worker {
	struct dnsp_dataplane *dp;
	uint32_t index;              /* in dp->workers: queue `index` of every port */
	uint32_t id;                 /* pipeline worker id (punt channel index) */
	unsigned lcore;
	bool launched;
	struct dnsp_stats *st;
	struct dnsp_worker_ctx ctx;
	uint32_t nrxq;
	struct rxq rxq[MAX_PORTS];
	struct port_count count[MAX_PORTS];
	struct punt_slot *punts;     /* PUNT_SLOTS entries */
	uint64_t punt_seq;
	struct rte_mbuf *spare;      /* for the next slow-path reply, or NULL */
	bool punted;                 /* pushed since the last kick */
	/* TSC cycles of poll loops in total and of those that moved a frame:
	 * a poll-mode lcore is always 100 % busy to the OS, so this is its
	 * real load. Single writer; read racily for /metrics. */
	uint64_t loop_tsc, busy_tsc;
} __attribute__((aligned(64)));

struct dnsp_dataplane {
	struct dnsp_dp_listener *listeners;
	uint32_t nlisteners;
	uint32_t nworkers;
	struct worker *workers;
	uint32_t nports;
	struct port ports[MAX_PORTS];
	struct rte_mempool *pool;
	struct dnsp_punt_chan *punt; /* slow path (lib/punt.h), or NULL */
	bool eal_owned;              /* we ran rte_eal_init: clean up EAL at stop */
	char runtime_dir[PATH_MAX];  /* EAL's /var/run/dpdk/<prefix>, removed at stop */
	char **argv;                 /* our copy of the EAL argv (EAL may keep pointers) */
	int argc;
	/* Written by stop() (release), read by every worker loop (relaxed: the
	 * flag carries no data; the workers' exit is synchronised by
	 * rte_eal_wait_lcore()). */
	int stop;
};

/* One DPDK plane per process: EAL cannot be initialised twice. */
static bool plane_live;

/* ------------------------------------------------------------ fast path */

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * If frame[0..len) is a TCP segment to a listener (address, port) that is
 * not itself a reset, rewrites it into the reset RFC 793 §3.4 prescribes
 * (SYN or other segment without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>;
 * with ACK: <SEQ=SEG.ACK><CTL=RST>) and returns its length; else 0.
 * One optional 802.1Q tag; IPv4 options are dropped; IPv6 extension
 * headers and IPv4 fragments are not ours (0).
 */
static uint32_t tcp_reset(const struct dnsp_dataplane *dp, uint8_t *f, uint32_t len,
			  uint32_t cap, const uint8_t mac[6])
{
	uint32_t l3 = DNSP_L2_ETH_LEN, l4, ip_end, hlen;
	uint16_t et;
	int family;

	if (len < DNSP_L2_ETH_LEN || (f[0] & 1))
		return 0;
	et = rd16(f + 12);
	if (et == DNSP_L2_ETH_VLAN) {
		if (len < l3 + DNSP_L2_VLAN_LEN)
			return 0;
		et = rd16(f + 16);
		l3 += DNSP_L2_VLAN_LEN;
	}
	uint8_t *ip = f + l3;
	if (et == DNSP_L2_ETH_IP4) {
		if (len < l3 + DNSP_L2_IP4_LEN || (ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP_ ||
		    (rd16(ip + 6) & 0x3fff))
			return 0;
		hlen = (uint32_t)(ip[0] & 0xf) * 4;
		ip_end = l3 + rd16(ip + 2);
		l4 = l3 + hlen;
		family = 4;
	} else if (et == DNSP_L2_ETH_IP6) {
		if (len < l3 + DNSP_L2_IP6_LEN || (ip[0] >> 4) != 6 || ip[6] != IPPROTO_TCP_)
			return 0;
		l4 = l3 + DNSP_L2_IP6_LEN;
		ip_end = l4 + rd16(ip + 4);
		family = 6;
	} else {
		return 0;
	}
	if (l4 < l3 + (family == 4 ? DNSP_L2_IP4_LEN : DNSP_L2_IP6_LEN) || ip_end > len ||
	    ip_end < l4 + TCP_HDR)
		return 0;
	uint8_t *t = f + l4;
	uint32_t doff = (uint32_t)(t[12] >> 4) * 4;
	uint8_t flags = t[13];
	if (doff < TCP_HDR || doff > ip_end - l4 || (flags & 0x04) /* RST */)
		return 0;
	/* port 0 is no listener's (and means "any port" to the lookup) */
	if (rd16(t + 2) == 0 ||
	    dnsp_l2_find_listener(dp->listeners, dp->nlisteners, family,
				  family == 4 ? ip + 16 : ip + 24, rd16(t + 2)) < 0)
		return 0;
	/* The reset: addresses from the segment, then the new TCP header. */
	uint32_t total = (family == 4 ? l3 + DNSP_L2_IP4_LEN : l4) + TCP_HDR;
	if (total > cap)
		return 0;
	uint32_t seq, ack, seg_len = ip_end - l4 - doff;
	memcpy(&seq, t + 4, 4);
	memcpy(&ack, t + 8, 4);
	seq = rte_be_to_cpu_32(seq);
	ack = rte_be_to_cpu_32(ack);
	seg_len += (flags & 0x02) ? 1 : 0; /* SYN */
	seg_len += (flags & 0x01) ? 1 : 0; /* FIN */
	uint16_t sport = rd16(t), dport = rd16(t + 2);

	uint8_t peer[6];
	memcpy(peer, f + 6, 6);
	memcpy(f, peer, 6);
	memcpy(f + 6, mac, 6);
	uint64_t ps;
	if (family == 4) {
		uint8_t a[4];

		l4 = l3 + DNSP_L2_IP4_LEN;
		memcpy(a, ip + 12, 4);
		memcpy(ip + 12, ip + 16, 4);
		memcpy(ip + 16, a, 4);
		ip[0] = 0x45;
		ip[1] = 0;
		wr16(ip + 2, DNSP_L2_IP4_LEN + TCP_HDR);
		wr16(ip + 4, 0);
		wr16(ip + 6, 0x4000); /* DF */
		ip[8] = DNSP_L2_TTL;
		ip[9] = IPPROTO_TCP_;
		wr16(ip + 10, 0);
		uint16_t c = dnsp_l2_csum_fold(dnsp_l2_csum_partial(ip, DNSP_L2_IP4_LEN, 0));
		memcpy(ip + 10, &c, 2);
		uint8_t ph[12] = { 0 };
		memcpy(ph, ip + 12, 8);
		ph[9] = IPPROTO_TCP_;
		ph[11] = TCP_HDR;
		ps = dnsp_l2_csum_partial(ph, sizeof(ph), 0);
	} else {
		uint8_t a[16];

		memcpy(a, ip + 8, 16);
		memcpy(ip + 8, ip + 24, 16);
		memcpy(ip + 24, a, 16);
		wr16(ip + 4, TCP_HDR);
		ip[7] = DNSP_L2_TTL;
		uint8_t ph[8] = { 0, 0, 0, TCP_HDR, 0, 0, 0, IPPROTO_TCP_ };
		ps = dnsp_l2_csum_partial(ip + 8, 32, 0);
		ps = dnsp_l2_csum_partial(ph, sizeof(ph), ps);
	}
	t = f + l4;
	memset(t, 0, TCP_HDR);
	wr16(t, dport);
	wr16(t + 2, sport);
	if (flags & 0x10) { /* ACK: <SEQ=SEG.ACK><CTL=RST> */
		uint32_t s = rte_cpu_to_be_32(ack);
		memcpy(t + 4, &s, 4);
		t[13] = 0x04;
	} else {            /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
		uint32_t a = rte_cpu_to_be_32(seq + seg_len);
		memcpy(t + 8, &a, 4);
		t[13] = 0x14;
	}
	t[12] = 5 << 4;
	uint16_t c = dnsp_l2_csum_fold(dnsp_l2_csum_partial(t, TCP_HDR, ps));
	memcpy(t + 16, &c, 2);
	return total;
}

/* Puts back on a reply the 802.1Q tag the PMD stripped from its query
 * (tci): by TX offload where the port has it, else in software. RX flags
 * mean nothing on TX, so ol_flags is reset either way. Returns 0, or < 0
 * when the tag cannot be inserted (the caller frees *m). */
static inline int vlan_restore(struct rte_mbuf **m, const struct port *pt, bool stripped,
			       uint16_t tci)
{
	(*m)->ol_flags = 0;
	if (likely(!stripped))
		return 0;
	(*m)->vlan_tci = tci;
	if (pt->sw_vlan_insert)
		return rte_vlan_insert(m);
	(*m)->ol_flags = RTE_MBUF_F_TX_VLAN;
	return 0;
}

/* ------------------------------------------------------------ punts */

/* Hands a query to the slow path. Returns a reply length to send now
 * (SERVFAIL when it cannot be punted), or 0 when punted. */
static int punt(struct worker *w, const struct dnsp_snapshot *s, const struct rxq *q,
		const struct rte_mbuf *m, const uint8_t *f, const struct dnsp_l2_pkt *l2,
		struct dnsp_pkt *p)
{
	struct dnsp_dataplane *dp = w->dp;

	if (dp->punt == NULL || l2->payload_off > HDR_ROOM)
		goto servfail;
	struct dnsp_punt_client c;

	dnsp_l2_punt_client(f, l2, &c);
	c.worker = w->id;
	c.cookie = w->punt_seq;
	c.max_reply = p->cap; /* one frame; the resolver applies EDNS and udp_max */
	if (dnsp_punt_push(dp->punt, w->id, &w->ctx.punt, &c, s->generation, p->buf, p->len) < 0)
		goto servfail;
	struct punt_slot *slot = &w->punts[w->punt_seq & (PUNT_SLOTS - 1)];

	slot->cookie = w->punt_seq++;
	slot->l2 = *l2;
	slot->pi = q->pi;
	slot->dns_cap = p->cap;
	slot->vlan_stripped = (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0;
	slot->vlan_tci = m->vlan_tci;
	memcpy(slot->hdr, f, l2->payload_off);
	w->st->punted++;
	w->punted = true;
	return 0;
servfail:
	w->st->punt_failed++;
	return dnsp_punt_servfail(p->buf, p->len, p->cap);
}

/* Sends the slow path's replies for this worker, each on queue `index` of
 * the port its query came from. Returns replies taken. */
static uint32_t punt_replies(struct worker *w)
{
	struct dnsp_dataplane *dp = w->dp;
	uint32_t taken = 0;

	while (taken < BURST) {
		/* One mbuf stays in hand for the next reply, so an idle poll of
		 * the reply ring costs no pool traffic. */
		if (w->spare == NULL && (w->spare = rte_pktmbuf_alloc(dp->pool)) == NULL)
			return taken; /* pool dry: the replies wait in the ring */
		struct rte_mbuf *m = w->spare;
		uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
		uint32_t room = (uint32_t)m->buf_len - m->data_off;
		struct dnsp_punt_reply h;
		int rc = dnsp_punt_reply_pop(dp->punt, w->id, &h, f + HDR_ROOM, room - HDR_ROOM);

		if (rc == 0)
			return taken;
		w->spare = NULL; /* sent or freed below */
		taken++;
		struct punt_slot *slot = &w->punts[h.cookie & (PUNT_SLOTS - 1)];
		if (unlikely(rc < 0 || slot->cookie != h.cookie || h.len > slot->dns_cap)) {
			w->st->tx_errors++; /* too long, or headers overwritten: client retries */
			rte_pktmbuf_free(m);
			continue;
		}
		slot->cookie = ~(uint64_t)0;
		uint32_t start = HDR_ROOM - slot->l2.payload_off;
		memcpy(f + start, slot->hdr, slot->l2.payload_off);
		int len = dnsp_l2_build_udp_reply(f + start, room - start, &slot->l2, h.len, true);
		if (unlikely(len <= 0)) {
			w->st->tx_errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		m->data_off = (uint16_t)(m->data_off + start);
		m->data_len = (uint16_t)len;
		m->pkt_len = (uint32_t)len;
		const struct port *pt = &dp->ports[slot->pi];
		if (unlikely(vlan_restore(&m, pt, slot->vlan_stripped, slot->vlan_tci) != 0)) {
			w->st->tx_errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (rte_eth_tx_burst(pt->id, (uint16_t)w->index, &m, 1) == 1) {
			w->st->tx_packets++;
		} else {
			w->count[slot->pi].tx_full++;
			w->st->tx_errors++;
			rte_pktmbuf_free(m);
		}
	}
	return taken;
}

/* ------------------------------------------------------------ frames */

enum verdict { DROP = 0, SEND = 1 };

/* Handles one received frame; SEND means m now holds the reply. */
static inline enum verdict handle_frame(struct worker *w, const struct dnsp_snapshot *snap,
					const struct rxq *q, struct rte_mbuf *m)
{
	struct dnsp_dataplane *dp = w->dp;
	const struct port *pt = q->pt;
	struct port_count *pc = &w->count[q->pi];
	struct dnsp_l2_pkt l2;
	int len;

	if (unlikely(m->nb_segs != 1)) {
		w->st->rx_dropped++; /* larger than one mbuf: not a DNS query we serve */
		return DROP;
	}
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t flen = m->data_len;
	uint32_t cap = (uint32_t)m->buf_len - m->data_off;

	/* Unicast to another station (promiscuous PMDs, shared segments). */
	if (unlikely(flen < DNSP_L2_ETH_LEN || (!(f[0] & 1) && memcmp(f, pt->mac, 6) != 0))) {
		pc->not_ours++;
		return DROP;
	}
	switch (dnsp_l2_classify(f, flen, dp->listeners, dp->nlisteners, &l2)) {
	case DNSP_L2_DNS: {
		struct dnsp_pkt pkt;
		uint16_t mtu_cap = l2.family == 4 ? pt->dns_cap4 : pt->dns_cap6;

		if (unlikely(snap == NULL)) {
			w->st->rx_dropped++;
			return DROP;
		}
		dnsp_l2_to_pipeline(f, cap, &l2, &pkt);
		if (pkt.cap > mtu_cap)
			pkt.cap = mtu_cap;
		int r = dnsp_pipeline_process(snap, &pkt, &w->ctx);
		if (unlikely(r <= 0)) {
			if (r != DNSP_PIPELINE_PUNT)
				return DROP;
			r = punt(w, snap, q, m, f, &l2, &pkt);
			if (r <= 0)
				return DROP;
		} else if (unlikely(w->ctx.punt.prefetch && dp->punt != NULL) &&
			   dnsp_punt_push_prefetch(dp->punt, w->id, &w->ctx.punt, snap->generation,
						   pkt.buf, (uint16_t)r) == 0) {
			/* answered from the cache near expiry: refresh it too */
			w->st->punted++;
			w->punted = true;
		}
		len = dnsp_l2_build_udp_reply(f, cap, &l2, (uint32_t)r, true);
		break;
	}
	case DNSP_L2_ARP_REQUEST:
		len = dnsp_l2_build_arp_reply(f, cap, &l2, pt->mac);
		pc->arp += len > 0;
		break;
	case DNSP_L2_NEIGH_SOLICIT:
		len = dnsp_l2_build_neigh_advert(f, cap, &l2, pt->mac);
		pc->nd += len > 0;
		break;
	case DNSP_L2_MALFORMED:
		pc->malformed++;
		w->st->rx_dropped++;
		return DROP;
	default:
		len = (int)tcp_reset(dp, f, flen, cap, pt->mac);
		if (len > 0) {
			pc->rst++;
			break;
		}
		pc->not_ours++;
		return DROP;
	}
	if (unlikely(len <= 0)) {
		w->st->tx_errors++;
		return DROP;
	}
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	/* A tag the PMD stripped goes back on (m->vlan_tci still holds it). */
	if (unlikely(vlan_restore(&m, pt, (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0,
				  m->vlan_tci) != 0)) {
		w->st->tx_errors++;
		return DROP;
	}
	return SEND;
}

/* Answers a received burst and transmits the replies on the same queue.
 * Not inlined: it is the unit bench/ measures under callgrind
 * (--toggle-collect=answer_burst), the per-packet work without idle polls. */
static __attribute__((noinline)) void answer_burst(struct worker *w,
						   const struct dnsp_snapshot *snap,
						   const struct rxq *q, struct rte_mbuf **rx,
						   uint16_t n)
{
	struct rte_mbuf *tx[BURST], *drop[BURST];
	uint16_t ntx = 0, ndrop = 0;

	w->st->rx_packets += n;
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(rx[i + 1], void *));
		if (handle_frame(w, snap, q, rx[i]) == SEND)
			tx[ntx++] = rx[i];
		else
			drop[ndrop++] = rx[i];
	}
	if (ntx > 0) {
		uint16_t sent = rte_eth_tx_burst(q->pt->id, q->queue, tx, ntx);

		w->st->tx_packets += sent;
		if (unlikely(sent < ntx)) {
			/* TX ring full: drop the rest (UDP clients retry). */
			w->count[q->pi].tx_full += (uint64_t)(ntx - sent);
			w->st->tx_errors += (uint64_t)(ntx - sent);
			rte_pktmbuf_free_bulk(tx + sent, ntx - sent);
		}
	}
	if (ndrop > 0)
		rte_pktmbuf_free_bulk(drop, ndrop);
}

/* Receives and answers one burst from one queue; returns frames received. */
static inline uint16_t poll_queue(struct worker *w, const struct dnsp_snapshot *snap,
				  const struct rxq *q)
{
	struct rte_mbuf *rx[BURST];
	uint16_t n = rte_eth_rx_burst(q->pt->id, q->queue, rx, BURST);

	if (n > 0)
		answer_burst(w, snap, q, rx, n);
	return n;
}

static int worker_main(void *arg)
{
	struct worker *w = arg;
	struct dnsp_dataplane *dp = w->dp;
	uint64_t t_prev = rte_rdtsc();

	rcu_register_thread();
	while (!__atomic_load_n(&dp->stop, __ATOMIC_RELAXED)) {
		/* One dereference per loop; valid until rcu_quiescent_state(). */
		const struct dnsp_snapshot *snap = dnsp_snapshot_current();
		uint32_t work = 0;

		for (uint32_t i = 0; i < w->nrxq; i++)
			work += poll_queue(w, snap, &w->rxq[i]);
		if (dp->punt != NULL) {
			work += punt_replies(w);
			if (w->punted) {
				dnsp_punt_kick(dp->punt, w->id);
				w->punted = false;
			}
		}
		rcu_quiescent_state();
		uint64_t t = rte_rdtsc();
		w->loop_tsc += t - t_prev;
		if (work)
			w->busy_tsc += t - t_prev;
		t_prev = t;
	}
	rcu_unregister_thread();
	return 0;
}

/* ---------------------------------------------------------- start/stop */

/* Removes EAL's runtime folder: the files a primary process leaves there
 * (config, fbarray_*, mp_socket, ...) and the folder itself. */
static void remove_runtime_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;

	if (dir[0] == 0 || strncmp(dir, "/", 1) != 0)
		return;
	d = opendir(dir);
	if (d != NULL) {
		char path[PATH_MAX + 256];

		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			(void)unlink(path); /* a sub-folder is not EAL's: rmdir then fails */
		}
		closedir(d);
	}
	(void)rmdir(dir);
}

static void ports_stop(struct dnsp_dataplane *dp)
{
	for (uint32_t i = 0; i < dp->nports; i++) {
		struct port *pt = &dp->ports[i];

		if (pt->started) {
			int rc = rte_eth_dev_stop(pt->id);
			if (rc != 0)
				fprintf(stderr, "dnsplane: dpdk: port %s: stop: %s\n", pt->name,
					rte_strerror(-rc));
			pt->started = false;
		}
		(void)rte_eth_dev_close(pt->id);
	}
	dp->nports = 0;
}

static void plane_destroy(struct dnsp_dataplane *dp)
{
	if (dp == NULL)
		return;
	__atomic_store_n(&dp->stop, 1, __ATOMIC_RELEASE);
	for (uint32_t i = 0; dp->workers != NULL && i < dp->nworkers; i++)
		if (dp->workers[i].launched)
			(void)rte_eal_wait_lcore(dp->workers[i].lcore);
	ports_stop(dp);
	for (uint32_t i = 0; dp->workers != NULL && i < dp->nworkers; i++)
		rte_pktmbuf_free(dp->workers[i].spare); /* NULL: no-op */
	if (dp->pool != NULL)
		rte_mempool_free(dp->pool);
	if (dp->eal_owned) {
		int rc = rte_eal_cleanup();
		if (rc != 0)
			fprintf(stderr, "dnsplane: dpdk: rte_eal_cleanup: %s\n", rte_strerror(-rc));
		remove_runtime_dir(dp->runtime_dir);
	}
	for (uint32_t i = 0; dp->workers != NULL && i < dp->nworkers; i++)
		free(dp->workers[i].punts);
	for (int i = 0; dp->argv != NULL && i < dp->argc; i++)
		free(dp->argv[i]);
	free(dp->argv);
	free(dp->workers);
	free(dp->listeners);
	free(dp);
	plane_live = false;
}

/* rte_eal_init() with "dnsplaned" + args. A process that already set EAL
 * up keeps it (EALREADY): the plane then neither cleans it up nor removes
 * its folder. Returns 0 or a negative code. */
static int eal_init(struct dnsp_dataplane *dp, const struct dnsp_dpdk_params *d)
{
	dp->argc = (int)d->neal_args + 1;
	dp->argv = calloc((size_t)dp->argc + 1, sizeof(char *));
	if (dp->argv == NULL)
		return -ENOMEM;
	dp->argv[0] = strdup("dnsplaned");
	for (uint32_t i = 0; i < d->neal_args; i++)
		dp->argv[i + 1] = strdup(d->eal_args[i]);
	for (int i = 0; i < dp->argc; i++)
		if (dp->argv[i] == NULL)
			return -ENOMEM;
	/* rte_eal_init permutes argv; hand it a copy of the pointer array. */
	char **av = calloc((size_t)dp->argc + 1, sizeof(char *));
	if (av == NULL)
		return -ENOMEM;
	memcpy(av, dp->argv, (size_t)dp->argc * sizeof(char *));
	int rc = rte_eal_init(dp->argc, av);
	int err = rte_errno;
	free(av);
	if (rc < 0 && err == EALREADY)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "dnsplane: dpdk: rte_eal_init failed: %s (server.dpdk_args:",
			rte_strerror(err));
		for (int i = 1; i < dp->argc; i++)
			fprintf(stderr, " %s", dp->argv[i]);
		fprintf(stderr, ")\n");
		return -(err > 0 ? err : EINVAL);
	}
	dp->eal_owned = true;
	/* The folder is the primary process's; a secondary leaves it alone. */
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		snprintf(dp->runtime_dir, sizeof(dp->runtime_dir), "%s", rte_eal_get_runtime_dir());
	if (rc != dp->argc - 1) {
		fprintf(stderr, "dnsplane: dpdk: server.dpdk_args has arguments EAL does not "
				"take (from \"%s\" on)\n", dp->argv[rc + 1]);
		return -EINVAL;
	}
	return 0;
}

/* Chooses the ports: the named ones, or every port EAL probed. */
static int ports_pick(struct dnsp_dataplane *dp, const struct dnsp_dpdk_params *d, int *want_q)
{
	if (d->nports > 0) {
		if (d->nports > MAX_PORTS) {
			fprintf(stderr, "dnsplane: dpdk: at most %d ports\n", MAX_PORTS);
			return -EINVAL;
		}
		for (uint32_t i = 0; i < d->nports; i++) {
			uint16_t id;

			if (rte_eth_dev_get_port_by_name(d->ports[i], &id) != 0) {
				fprintf(stderr, "dnsplane: dpdk: no DPDK port named \"%s\" "
						"(server.interfaces[%u].name); ports are named by "
						"their --vdev or PCI address\n", d->ports[i], i);
				return -ENODEV;
			}
			dp->ports[i].id = id;
			want_q[i] = d->port_queues ? d->port_queues[i] : 0;
		}
		dp->nports = d->nports;
		return 0;
	}
	uint16_t id;
	RTE_ETH_FOREACH_DEV(id) {
		if (dp->nports == MAX_PORTS)
			break;
		want_q[dp->nports] = 0;
		dp->ports[dp->nports++].id = id;
	}
	if (dp->nports == 0) {
		fprintf(stderr, "dnsplane: dpdk: EAL found no port: add one to server.dpdk_args "
				"(a PCI device bound to a DPDK driver, or --vdev=net_af_packet0,"
				"iface=IFACE)\n");
		return -ENODEV;
	}
	return 0;
}

/* Configures, sets up and starts one port with pt->nq queue pairs. */
static int port_setup(struct dnsp_dataplane *dp, struct port *pt)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nrx = RX_DESC, ntx = TX_DESC, mtu = RTE_ETHER_MTU;
	int rc;

	memset(&conf, 0, sizeof(conf));
	if ((rc = rte_eth_dev_info_get(pt->id, &info)) != 0)
		goto fail;
	if (pt->nq > 1) {
		uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;

		if (hf != 0) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
		} else {
			printf("dnsplaned: dpdk: port %s has no RSS; its driver spreads flows over "
			       "its %u queues its own way\n", pt->name, pt->nq);
		}
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_VLAN_INSERT)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	else
		pt->sw_vlan_insert = true;
	if ((rc = rte_eth_dev_configure(pt->id, pt->nq, pt->nq, &conf)) != 0)
		goto fail;
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(pt->id, &nrx, &ntx)) != 0)
		goto fail;
	int socket = rte_eth_dev_socket_id(pt->id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (uint16_t q = 0; q < pt->nq; q++) {
		if ((rc = rte_eth_rx_queue_setup(pt->id, q, nrx, (unsigned)socket, NULL,
						 dp->pool)) != 0)
			goto fail;
		if ((rc = rte_eth_tx_queue_setup(pt->id, q, ntx, (unsigned)socket, NULL)) != 0)
			goto fail;
	}
	(void)rte_eth_dev_get_mtu(pt->id, &mtu);
	if (mtu < 1280)
		mtu = 1280;
	/* A reply leaves as one frame of at most the MTU (IPv4 options dropped). */
	pt->dns_cap4 = (uint16_t)(mtu - DNSP_L2_IP4_LEN - DNSP_L2_UDP_LEN);
	pt->dns_cap6 = (uint16_t)(mtu - DNSP_L2_IP6_LEN - DNSP_L2_UDP_LEN);
	struct rte_ether_addr mac;
	if ((rc = rte_eth_macaddr_get(pt->id, &mac)) != 0)
		goto fail;
	memcpy(pt->mac, mac.addr_bytes, 6);
	if ((rc = rte_eth_dev_start(pt->id)) != 0)
		goto fail;
	pt->started = true;
	/* Neighbour solicitations go to solicited-node multicast groups; a
	 * driver without all-multicast still passes them on most vdevs. */
	(void)rte_eth_allmulticast_enable(pt->id);
	printf("dnsplaned: dpdk: port %s (%s) mac %02x:%02x:%02x:%02x:%02x:%02x, %u queue%s, "
	       "mtu %u\n", pt->name, info.driver_name, pt->mac[0], pt->mac[1], pt->mac[2],
	       pt->mac[3], pt->mac[4], pt->mac[5], pt->nq, pt->nq == 1 ? "" : "s", mtu);
	return 0;
fail:
	fprintf(stderr, "dnsplane: dpdk: port %s: setup failed: %s\n", pt->name,
		rte_strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -rc;
}

static int check_params(const struct dnsp_dp_params *p, const struct dnsp_dpdk_params *d)
{
	if (p == NULL || d == NULL || p->workers < 1 || p->stats == NULL ||
	    p->nlisteners < 1 || p->nlisteners > UINT16_MAX || p->listeners == NULL ||
	    (d->neal_args > 0 && d->eal_args == NULL) || (d->nports > 0 && d->ports == NULL))
		return -EINVAL;
	for (uint32_t i = 0; i < p->nlisteners; i++)
		if (p->listeners[i].family != 4 && p->listeners[i].family != 6)
			return -EINVAL;
	return 0;
}

int dnsp_dpdk_plane_start(const struct dnsp_dp_params *p, const struct dnsp_dpdk_params *d,
			  dnsp_dataplane_t **out)
{
	struct dnsp_dataplane *dp;
	int want_q[MAX_PORTS];
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if ((rc = check_params(p, d)) < 0) {
		fprintf(stderr, "dnsplane: dpdk data plane: invalid parameters\n");
		return rc;
	}
	if (plane_live) {
		fprintf(stderr, "dnsplane: dpdk data plane: already running in this process\n");
		return -EBUSY;
	}
	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return -ENOMEM;
	plane_live = true;
	dp->nlisteners = p->nlisteners;
	dp->punt = p->punt;
	dp->listeners = malloc(p->nlisteners * sizeof(*dp->listeners));
	if (dp->listeners == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	memcpy(dp->listeners, p->listeners, p->nlisteners * sizeof(*dp->listeners));
	if ((rc = eal_init(dp, d)) < 0)
		goto fail;

	/* Workers: one per EAL worker lcore, at most p->workers. */
	unsigned lcores[MAX_WORKERS], nl = 0, lc;
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (nl < p->workers && nl < MAX_WORKERS)
			lcores[nl++] = lc;
	}
	if (nl == 0) {
		fprintf(stderr, "dnsplane: dpdk: EAL has no worker lcore (the main lcore runs the "
				"control thread): give it at least two, e.g. -l 0-1\n");
		rc = -EINVAL;
		goto fail;
	}
	if ((rc = ports_pick(dp, d, want_q)) < 0)
		goto fail;

	/* Queues: one pair per worker, within what each port offers. */
	uint32_t nworkers = 0;
	for (uint32_t i = 0; i < dp->nports; i++) {
		struct port *pt = &dp->ports[i];
		struct rte_eth_dev_info info;
		uint32_t nq = nl;

		if (rte_eth_dev_get_name_by_port(pt->id, pt->name) != 0)
			snprintf(pt->name, sizeof(pt->name), "port%u", pt->id);
		if ((rc = rte_eth_dev_info_get(pt->id, &info)) != 0) {
			fprintf(stderr, "dnsplane: dpdk: port %s: %s\n", pt->name, rte_strerror(-rc));
			goto fail;
		}
		if (want_q[i] > 0 && (uint32_t)want_q[i] < nq)
			nq = (uint32_t)want_q[i];
		if (nq > info.max_rx_queues)
			nq = info.max_rx_queues;
		if (nq > info.max_tx_queues)
			nq = info.max_tx_queues;
		if (nq == 0) {
			fprintf(stderr, "dnsplane: dpdk: port %s has no queue\n", pt->name);
			rc = -ENODEV;
			goto fail;
		}
		pt->nq = (uint16_t)nq;
		if (nq > nworkers)
			nworkers = nq;
	}

	/* The pool: every RX and TX descriptor may hold an mbuf, plus each
	 * worker's cache and the burst in its hands. */
	uint32_t nmbuf = 0;
	for (uint32_t i = 0; i < dp->nports; i++)
		nmbuf += (uint32_t)dp->ports[i].nq * (RX_DESC + TX_DESC);
	nmbuf += (nworkers + 1) * (POOL_CACHE + 3 * BURST);
	nmbuf = rte_align32pow2(nmbuf) - 1; /* a ring's best size */
	dp->pool = rte_pktmbuf_pool_create("dnsp_mbuf", nmbuf, POOL_CACHE, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dp->pool == NULL) {
		fprintf(stderr, "dnsplane: dpdk: cannot create a pool of %u mbufs: %s (raise -m?)\n",
			nmbuf, rte_strerror(rte_errno));
		rc = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < dp->nports; i++)
		if ((rc = port_setup(dp, &dp->ports[i])) < 0)
			goto fail;

	dp->workers = aligned_alloc(64, sizeof(*dp->workers) * nworkers);
	if (dp->workers == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	memset(dp->workers, 0, sizeof(*dp->workers) * nworkers);
	dp->nworkers = nworkers;
	for (uint32_t i = 0; i < nworkers; i++) {
		struct worker *w = &dp->workers[i];

		w->dp = dp;
		w->index = i;
		w->id = p->worker_id_base + i;
		w->lcore = lcores[i];
		w->st = &p->stats[i];
		w->punts = malloc(PUNT_SLOTS * sizeof(*w->punts));
		if (w->punts == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		for (uint32_t k = 0; k < PUNT_SLOTS; k++)
			w->punts[k].cookie = ~(uint64_t)0;
		if (dp->punt != NULL && w->id >= dnsp_punt_chan_workers(dp->punt)) {
			fprintf(stderr, "dnsplane: dpdk: worker id %u has no punt ring\n", w->id);
			rc = -EINVAL;
			goto fail;
		}
		dnsp_worker_ctx_init(&w->ctx, w->st, w->id,
				     rte_rdtsc() ^ ((uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull));
		for (uint32_t k = 0; k < dp->nports; k++) {
			if (i < dp->ports[k].nq) {
				w->rxq[w->nrxq].pt = &dp->ports[k];
				w->rxq[w->nrxq].pi = (uint16_t)k;
				w->rxq[w->nrxq].queue = (uint16_t)i;
				w->nrxq++;
			}
		}
	}
	for (uint32_t i = 0; i < nworkers; i++) {
		rc = rte_eal_remote_launch(worker_main, &dp->workers[i], dp->workers[i].lcore);
		if (rc != 0) {
			fprintf(stderr, "dnsplane: dpdk: cannot launch worker %u on lcore %u: %s\n",
				i, dp->workers[i].lcore, rte_strerror(-rc));
			goto fail;
		}
		dp->workers[i].launched = true;
	}
	printf("dnsplaned: dpdk: %u worker%s on lcore%s", nworkers, nworkers == 1 ? "" : "s",
	       nworkers == 1 ? "" : "s");
	for (uint32_t i = 0; i < nworkers; i++)
		printf(" %u", dp->workers[i].lcore);
	if (nworkers < p->workers)
		printf(" (%u asked: one per EAL worker lcore and port queue)", p->workers);
	printf("\n");
	*out = dp;
	return 0;

fail:
	plane_destroy(dp);
	return rc < 0 ? rc : -EINVAL;
}

void dnsp_dpdk_plane_stop(dnsp_dataplane_t *dp)
{
	plane_destroy(dp);
}

int dnsp_dpdk_plane_worker_load(dnsp_dataplane_t *dp, struct dnsp_dp_worker_load *out,
				 uint32_t cap)
{
	if (dp == NULL)
		return 0;
	double hz = (double)rte_get_tsc_hz();
	for (uint32_t i = 0; i < dp->nworkers && i < cap; i++) {
		const struct worker *w = &dp->workers[i];

		out[i].worker = w->index;
		out[i].lcore = w->lcore;
		out[i].poll_seconds = (double)__atomic_load_n(&w->loop_tsc, __ATOMIC_RELAXED) / hz;
		out[i].busy_seconds = (double)__atomic_load_n(&w->busy_tsc, __ATOMIC_RELAXED) / hz;
	}
	return (int)dp->nworkers;
}

int dnsp_dpdk_plane_port_stats(dnsp_dataplane_t *dp, struct dnsp_dp_port_stats *out,
			       uint32_t cap)
{
	if (dp == NULL)
		return 0;
	for (uint32_t i = 0; i < dp->nports && i < cap; i++) {
		struct dnsp_dp_port_stats *o = &out[i];
		struct rte_eth_stats es;

		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", dp->ports[i].name);
		if (rte_eth_stats_get(dp->ports[i].id, &es) == 0) {
			o->rx_packets = es.ipackets;
			o->tx_packets = es.opackets;
			o->rx_bytes = es.ibytes;
			o->tx_bytes = es.obytes;
			o->rx_missed = es.imissed;
			o->rx_errors = es.ierrors;
			o->tx_errors = es.oerrors;
			o->rx_nombuf = es.rx_nombuf;
		}
		/* Worker counters: single writer each, read racily (monitoring). */
		for (uint32_t w = 0; w < dp->nworkers; w++) {
			const struct port_count *c = &dp->workers[w].count[i];

			o->tx_full += c->tx_full;
			o->arp_replies += c->arp;
			o->nd_replies += c->nd;
			o->tcp_resets += c->rst;
			o->malformed += c->malformed;
			o->not_ours += c->not_ours;
		}
	}
	return (int)dp->nports;
}

#else /* !DNSP_HAVE_DPDK: built without libdpdk (meson -Ddpdk=disabled or not found) */

int dnsp_dpdk_plane_start(const struct dnsp_dp_params *p, const struct dnsp_dpdk_params *d,
			  dnsp_dataplane_t **out)
{
	(void)p;
	(void)d;
	if (out != NULL)
		*out = NULL;
	fprintf(stderr, "dnsplane: this build has no DPDK data plane (libdpdk was not found "
			"or meson -Ddpdk=disabled)\n");
	return DNSP_ENOTSUP;
}

void dnsp_dpdk_plane_stop(dnsp_dataplane_t *dp)
{
	(void)dp;
}

int dnsp_dpdk_plane_worker_load(dnsp_dataplane_t *dp, struct dnsp_dp_worker_load *out,
				 uint32_t cap)
{
	(void)dp;
	(void)out;
	(void)cap;
	return 0;
}

int dnsp_dpdk_plane_port_stats(dnsp_dataplane_t *dp, struct dnsp_dp_port_stats *out,
			       uint32_t cap)
{
	(void)dp;
	(void)out;
	(void)cap;
	return 0;
}

#endif
