/*
 * Unit tests of the DPDK back end (dataplane/dpdk.c) through a real PMD
 * without a NIC: the test initialises EAL (--no-huge --no-pci, two lcores on
 * CPU 0), makes a port out of two rte_rings with the ring PMD
 * (rte_eth_from_rings: what the test enqueues on `rx` the port receives,
 * what the plane transmits lands on `tx`), and starts the plane on it with
 * a stand-in pipeline (below: echoes the DNS message with QR set, punts
 * message id 0x5050) and a real punt channel whose resolver side the test
 * plays. Each test pushes hand-built frames and checks the frames that come
 * back (or the counters when nothing should). No root and no network
 * needed; bounded waits only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dataplane.h"
#include "dataplane/l2.h"
#include "lib/pipeline.h"
#include "lib/punt.h"
#include "lib/snapshot.h"

#define LISTEN4 "\xc6\x12\x34\x02"             /* 198.18.52.2 */
#define CLIENT4 "\xc6\x12\x34\x01"             /* 198.18.52.1 */
#define OTHER4 "\xc6\x12\x34\x09"              /* 198.18.52.9: nobody */
static const uint8_t listen6[16] = { 0x20, 0x01, 0, 2, 0, 0, 0, 0x52, [15] = 2 };
static const uint8_t client6[16] = { 0x20, 0x01, 0, 2, 0, 0, 0, 0x52, [15] = 1 };
static const uint8_t client_mac[6] = { 0x02, 0xcc, 0, 0, 0, 1 };

static struct rte_ring *rx_ring, *tx_ring;
static struct rte_mempool *test_pool;
static uint16_t port_id;
static uint8_t port_mac[6];
static dnsp_dataplane_t *plane;
static dnsp_punt_chan_t *chan;
static struct dnsp_stats stats[1] __attribute__((aligned(64)));

/* ------------------------------------------- stand-in pipeline/snapshot */

/* What the plane passed to the last dnsp_pipeline_process() call. */
struct seen {
	uint64_t calls;
	uint8_t family;
	uint16_t listener, src_port, len, cap;
	uint8_t src[16];
};
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct seen seen_last;
static struct dnsp_snapshot dummy_snapshot = { .generation = 7, .udp_max = 1232 };

static void last_seen(struct seen *out)
{
	pthread_mutex_lock(&seen_lock);
	*out = seen_last;
	pthread_mutex_unlock(&seen_lock);
}

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

/* Echoes the message with QR set; id 0x5050 is punted (question = all). */
int dnsp_pipeline_process(const struct dnsp_snapshot *s, struct dnsp_pkt *p,
			  struct dnsp_worker_ctx *w)
{
	(void)s;
	pthread_mutex_lock(&seen_lock);
	seen_last.calls++;
	seen_last.family = p->family;
	seen_last.listener = p->listener;
	seen_last.src_port = p->src_port;
	seen_last.len = p->len;
	seen_last.cap = p->cap;
	memcpy(seen_last.src, p->src, 16);
	pthread_mutex_unlock(&seen_lock);
	w->punt.prefetch = false; /* as the real pipeline: set only by a cache hit */
	if (p->len < 12)
		return DNSP_PIPELINE_DROP;
	if (p->buf[0] == 0x50 && p->buf[1] == 0x50) {
		memset(&w->punt, 0, sizeof(w->punt));
		w->punt.vpc = -1;
		w->punt.question_end = p->len;
		return DNSP_PIPELINE_PUNT;
	}
	p->buf[2] |= 0x80; /* QR */
	return p->len;
}

/* ------------------------------------------------------------ frames */

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* A DNS query for www.example.com A, id 0x1234. */
static size_t dns_query(uint8_t *p)
{
	static const uint8_t q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 1, 0, 1 };
	memcpy(p, q, sizeof(q));
	return sizeof(q);
}

/* Ethernet header to the port (or dst), with an optional 802.1Q tag;
 * returns the offset of the L3 header. */
static size_t eth(uint8_t *f, const uint8_t *dst, uint16_t type, int vlan)
{
	memcpy(f, dst ? dst : port_mac, 6);
	memcpy(f + 6, client_mac, 6);
	if (vlan >= 0) {
		wr16(f + 12, 0x8100);
		wr16(f + 14, (uint16_t)vlan);
		wr16(f + 16, type);
		return 18;
	}
	wr16(f + 12, type);
	return 14;
}

static void ip4_csum(uint8_t *ip)
{
	wr16(ip + 10, 0);
	uint16_t c = dnsp_l2_csum_fold(dnsp_l2_csum_partial(ip, (ip[0] & 0xf) * 4u, 0));
	memcpy(ip + 10, &c, 2);
}

/* IPv4/UDP query frame from the client to dst:dport. */
static size_t udp4_frame(uint8_t *f, const char *dst, uint16_t dport, int vlan)
{
	size_t l3 = eth(f, NULL, 0x0800, vlan);
	uint8_t *ip = f + l3, *udp = ip + 20;
	size_t dl = dns_query(udp + 8);

	memset(ip, 0, 20);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(28 + dl));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, CLIENT4, 4);
	memcpy(ip + 16, dst, 4);
	ip4_csum(ip);
	wr16(udp, 40000);
	wr16(udp + 2, dport);
	wr16(udp + 4, (uint16_t)(8 + dl));
	wr16(udp + 6, 0);
	return l3 + 28 + dl;
}

static uint64_t pseudo6(const uint8_t *ip, uint8_t proto, uint32_t len)
{
	uint8_t t[8] = { 0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, proto };
	return dnsp_l2_csum_partial(t, 8, dnsp_l2_csum_partial(ip + 8, 32, 0));
}

static size_t udp6_frame(uint8_t *f)
{
	size_t l3 = eth(f, NULL, 0x86dd, -1);
	uint8_t *ip = f + l3, *udp = ip + 40;
	size_t dl = dns_query(udp + 8);

	memset(ip, 0, 40);
	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)(8 + dl));
	ip[6] = 17;
	ip[7] = 64;
	memcpy(ip + 8, client6, 16);
	memcpy(ip + 24, listen6, 16);
	wr16(udp, 40001);
	wr16(udp + 2, 53);
	wr16(udp + 4, (uint16_t)(8 + dl));
	wr16(udp + 6, 0);
	uint16_t c = dnsp_l2_csum_fold(dnsp_l2_csum_partial(udp, 8 + dl,
							     pseudo6(ip, 17, (uint32_t)(8 + dl))));
	memcpy(udp + 6, &c, 2);
	return l3 + 48 + dl;
}

/* ------------------------------------------------------------ plumbing */

static void push(const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);

	assert_non_null(m);
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	memcpy(d, f, len);
	assert_int_equal(rte_ring_enqueue(rx_ring, m), 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits (at most wait_ms) for the next transmitted frame; copies it out.
 * Returns its length, 0 if none came. */
static size_t pop_wait(uint8_t *out, size_t cap, uint64_t wait_ms)
{
	uint64_t end = now_ms() + wait_ms;
	void *obj;

	while (rte_ring_dequeue(tx_ring, &obj) != 0) {
		if (now_ms() > end)
			return 0;
		usleep(200);
	}
	struct rte_mbuf *m = obj;
	size_t n = rte_pktmbuf_data_len(m);
	assert_true(n <= cap);
	memcpy(out, rte_pktmbuf_mtod(m, void *), n);
	rte_pktmbuf_free(m);
	return n;
}

static size_t pop(uint8_t *out, size_t cap)
{
	return pop_wait(out, cap, 1000);
}

/* After drain(): nothing more was (or will be) sent. */
static size_t pop_none(uint8_t *out, size_t cap)
{
	return pop_wait(out, cap, 20);
}

/* Waits until the worker took everything queued and a full loop passed. */
static void drain(void)
{
	uint64_t end = now_ms() + 1000;

	while (rte_ring_count(rx_ring) > 0 && now_ms() < end)
		usleep(200);
	usleep(2000);
}

static struct dnsp_dp_port_stats port_stats(void)
{
	struct dnsp_dp_port_stats ps;

	memset(&ps, 0, sizeof(ps));
	assert_int_equal(dnsp_dpdk_plane_port_stats(plane, &ps, 1), 1);
	return ps;
}

static int setup(void **state)
{
	(void)state;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=dnsp-ut-dpdk-%d", (int)getpid());
	char *argv[] = { "test_dpdk_plane", "--no-huge", "--no-pci", "--no-shconf",
			 "--no-telemetry", "-m", "64", "--lcores=0@0,1@0", "--log-level=4",
			 prefix, NULL };
	if (rte_eal_init(10, argv) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	rx_ring = rte_ring_create("ut_rx", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	tx_ring = rte_ring_create("ut_tx", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	test_pool = rte_pktmbuf_pool_create("ut_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (!rx_ring || !tx_ring || !test_pool)
		return -1;
	int p = rte_eth_from_rings("net_ut_ring", &rx_ring, 1, &tx_ring, 1, 0);
	if (p < 0)
		return -1;
	port_id = (uint16_t)p;

	static struct dnsp_dp_listener ls[2];
	ls[0].family = 4;
	memcpy(ls[0].addr, LISTEN4, 4);
	ls[0].port = 53;
	ls[1].family = 6;
	memcpy(ls[1].addr, listen6, 16);
	ls[1].port = 53;
	if (dnsp_punt_chan_create(1, 64 * 1024, &chan) != 0)
		return -1;
	struct dnsp_dp_params dp = { .listeners = ls, .nlisteners = 2, .workers = 1,
				     .stats = stats, .cpu_base = -1, .punt = chan };
	struct dnsp_dpdk_params dd = { 0 };
	if (dnsp_dpdk_plane_start(&dp, &dd, &plane) != 0)
		return -1;
	struct rte_ether_addr mac;
	rte_eth_macaddr_get(port_id, &mac);
	memcpy(port_mac, mac.addr_bytes, 6);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char dir[4096];

	dnsp_dpdk_plane_stop(plane);
	dnsp_punt_chan_destroy(chan);
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir); /* empty with --no-shconf */
	return 0;
}

/* ------------------------------------------------------------ tests */

/* A query to a listener is answered in the same frame: MACs, addresses and
 * ports swapped, lengths and the IPv4 header checksum right (RFC 791), the
 * UDP checksum right or zero (RFC 768), the pipeline's message inside. */
static void dns_query_v4_answered_in_the_received_frame(void **state)
{
	(void)state;
	uint8_t f[256], r[2048];
	size_t n = udp4_frame(f, LISTEN4, 53, -1);

	push(f, n);
	size_t rn = pop(r, sizeof(r));
	assert_int_equal(rn, n);
	assert_memory_equal(r, client_mac, 6);
	assert_memory_equal(r + 6, port_mac, 6);
	const uint8_t *ip = r + 14, *udp = ip + 20;
	assert_memory_equal(ip + 12, LISTEN4, 4);
	assert_memory_equal(ip + 16, CLIENT4, 4);
	assert_int_equal(rd16(ip + 2), n - 14);
	assert_int_equal(dnsp_l2_csum_fold(dnsp_l2_csum_partial(ip, 20, 0)), 0);
	assert_int_equal(rd16(udp), 53);
	assert_int_equal(rd16(udp + 2), 40000);
	assert_int_equal(rd16(udp + 4), n - 34);
	if (rd16(udp + 6) != 0) {
		uint8_t ph[12] = { 0 };
		memcpy(ph, ip + 12, 8);
		ph[9] = 17;
		wr16(ph + 10, rd16(udp + 4));
		assert_int_equal(dnsp_l2_csum_fold(dnsp_l2_csum_partial(
			udp, rd16(udp + 4), dnsp_l2_csum_partial(ph, 12, 0))), 0);
	}
	assert_true(udp[8 + 2] & 0x80); /* QR from the (stand-in) pipeline */
	struct seen seen;
	last_seen(&seen);
	assert_int_equal(seen.family, 4);
	assert_int_equal(seen.listener, 0);
	assert_int_equal(seen.src_port, 40000);
	assert_memory_equal(seen.src, CLIENT4, 4);
	assert_true(seen.cap <= 1500 - 28); /* one frame of at most the MTU */
}

/* IPv6: the reply carries a valid UDP checksum (RFC 8200 §8.1: mandatory). */
static void dns_query_v6_answered_with_udp_checksum(void **state)
{
	(void)state;
	uint8_t f[256], r[2048];
	size_t n = udp6_frame(f);

	push(f, n);
	size_t rn = pop(r, sizeof(r));
	assert_int_equal(rn, n);
	const uint8_t *ip = r + 14, *udp = ip + 40;
	assert_memory_equal(ip + 8, listen6, 16);
	assert_memory_equal(ip + 24, client6, 16);
	assert_int_not_equal(rd16(udp + 6), 0);
	assert_int_equal(dnsp_l2_csum_fold(dnsp_l2_csum_partial(
		udp, rd16(udp + 4), pseudo6(ip, 17, rd16(udp + 4)))), 0);
	struct seen seen;
	last_seen(&seen);
	assert_int_equal(seen.family, 6);
	assert_int_equal(seen.listener, 1);
}

/* IEEE 802.1Q: a tagged query is answered on the same VLAN. */
static void vlan_tagged_query_answered_with_the_same_tag(void **state)
{
	(void)state;
	uint8_t f[256], r[2048];
	size_t n = udp4_frame(f, LISTEN4, 53, 0x2007); /* PCP 1, VID 7 */

	push(f, n);
	size_t rn = pop(r, sizeof(r));
	assert_int_equal(rn, n);
	assert_int_equal(rd16(r + 12), 0x8100);
	assert_int_equal(rd16(r + 14), 0x2007);
	assert_int_equal(rd16(r + 16), 0x0800);
	assert_memory_equal(r + 18 + 16, CLIENT4, 4);
}

/* dpdk.c: a query whose tag the PMD stripped (RX flag, TCI in the mbuf)
 * is answered with the tag put back (here in software: the ring PMD has no
 * VLAN insert offload). */
static void stripped_tag_query_answered_tagged(void **state)
{
	(void)state;
	uint8_t f[256], r[2048];
	size_t n = udp4_frame(f, LISTEN4, 53, -1);
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), f, n);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_VLAN;
	m->vlan_tci = 0x2007;
	assert_int_equal(rte_ring_enqueue(rx_ring, m), 0);
	size_t rn = pop(r, sizeof(r));
	assert_int_equal(rn, n + 4);
	assert_int_equal(rd16(r + 12), 0x8100);
	assert_int_equal(rd16(r + 14), 0x2007);
	assert_int_equal(rd16(r + 16), 0x0800);
	assert_memory_equal(r + 18 + 16, CLIENT4, 4);
}

/* RFC 826: an ARP request for a listener address is answered with the
 * port's MAC; one for another address is not (no kernel owns the port). */
static void arp_request_for_listener_answered_with_port_mac(void **state)
{
	(void)state;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[64], r[2048];
	uint64_t before = port_stats().arp_replies;

	for (int round = 0; round < 2; round++) {
		size_t l3 = eth(f, bcast, 0x0806, -1);
		uint8_t *a = f + l3;
		wr16(a, 1);
		wr16(a + 2, 0x0800);
		a[4] = 6;
		a[5] = 4;
		wr16(a + 6, 1);
		memcpy(a + 8, client_mac, 6);
		memcpy(a + 14, CLIENT4, 4);
		memset(a + 18, 0, 6);
		memcpy(a + 24, round == 0 ? OTHER4 : LISTEN4, 4);
		memset(a + 28, 0, 60 - l3 - 28); /* padded to the Ethernet minimum */
		push(f, 60);
	}
	size_t rn = pop(r, sizeof(r));
	assert_int_equal(rn, 42);
	assert_memory_equal(r, client_mac, 6);
	assert_memory_equal(r + 6, port_mac, 6);
	assert_int_equal(rd16(r + 14 + 6), 2);        /* reply */
	assert_memory_equal(r + 14 + 8, port_mac, 6); /* sender hardware address */
	assert_memory_equal(r + 14 + 14, LISTEN4, 4);
	assert_memory_equal(r + 14 + 18, client_mac, 6);
	assert_memory_equal(r + 14 + 24, CLIENT4, 4);
	drain();
	assert_int_equal(pop_none(r, sizeof(r)), 0);  /* nothing for OTHER4 */
	assert_int_equal(port_stats().arp_replies, before + 1);
}

/* RFC 4861 §7.2.4: a solicitation for an IPv6 listener address gets a
 * solicited advertisement with the port's MAC as target link-layer address. */
static void neighbour_solicitation_answered_with_advertisement(void **state)
{
	(void)state;
	uint8_t f[128], r[2048];
	uint8_t mcast_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 2 };
	size_t l3 = eth(f, mcast_mac, 0x86dd, -1);
	uint8_t *ip = f + l3, *ic = ip + 40;

	memset(ip, 0, 40 + 32);
	ip[0] = 0x60;
	wr16(ip + 4, 32);
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, client6, 16);
	static const uint8_t sn[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 2 };
	memcpy(ip + 24, sn, 16);
	ic[0] = 135;
	memcpy(ic + 8, listen6, 16);
	ic[24] = 1; /* source link-layer address option */
	ic[25] = 1;
	memcpy(ic + 26, client_mac, 6);
	uint16_t c = dnsp_l2_csum_fold(dnsp_l2_csum_partial(ic, 32, pseudo6(ip, 58, 32)));
	memcpy(ic + 2, &c, 2);
	push(f, l3 + 72);

	size_t rn = pop(r, sizeof(r));
	assert_int_equal(rn, 14 + 40 + 32);
	assert_memory_equal(r, client_mac, 6);
	const uint8_t *rip = r + 14, *ric = rip + 40;
	assert_int_equal(rip[7], 255);
	assert_memory_equal(rip + 8, listen6, 16);
	assert_memory_equal(rip + 24, client6, 16);
	assert_int_equal(ric[0], 136);
	assert_int_equal(ric[4] & 0x40, 0x40);        /* Solicited */
	assert_memory_equal(ric + 8, listen6, 16);
	assert_int_equal(ric[24], 2);                 /* target link-layer address */
	assert_memory_equal(ric + 26, port_mac, 6);
	assert_int_equal(dnsp_l2_csum_fold(dnsp_l2_csum_partial(ric, 32, pseudo6(rip, 58, 32))),
			 0);
}

/* RFC 793 §3.4 (reset generation): a SYN to a listener's TCP port gets
 * <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>, so a client falls back at once. */
static void tcp_syn_to_listener_answered_with_reset(void **state)
{
	(void)state;
	uint8_t f[128], r[2048];
	size_t l3 = eth(f, NULL, 0x0800, -1);
	uint8_t *ip = f + l3, *t = ip + 20;

	memset(ip, 0, 40);
	ip[0] = 0x45;
	wr16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, CLIENT4, 4);
	memcpy(ip + 16, LISTEN4, 4);
	ip4_csum(ip);
	wr16(t, 41000);
	wr16(t + 2, 53);
	t[4] = 0x11; t[5] = 0x22; t[6] = 0x33; t[7] = 0x44; /* seq */
	t[12] = 5 << 4;
	t[13] = 0x02; /* SYN */
	push(f, l3 + 40);

	size_t rn = pop(r, sizeof(r));
	assert_int_equal(rn, 54);
	const uint8_t *rip = r + 14, *rt = rip + 20;
	assert_memory_equal(rip + 12, LISTEN4, 4);
	assert_memory_equal(rip + 16, CLIENT4, 4);
	assert_int_equal(dnsp_l2_csum_fold(dnsp_l2_csum_partial(rip, 20, 0)), 0);
	assert_int_equal(rd16(rt), 53);
	assert_int_equal(rd16(rt + 2), 41000);
	assert_int_equal(rt[13], 0x14);               /* RST, ACK */
	static const uint8_t ack[4] = { 0x11, 0x22, 0x33, 0x45 };
	assert_memory_equal(rt + 8, ack, 4);
	uint8_t ph[12] = { 0 };
	memcpy(ph, rip + 12, 8);
	ph[9] = 6;
	ph[11] = 20;
	assert_int_equal(dnsp_l2_csum_fold(dnsp_l2_csum_partial(
		rt, 20, dnsp_l2_csum_partial(ph, 12, 0))), 0);
}

/* Malformed frames for a listener (truncated UDP header, IP length past the
 * frame, UDP length past the IP payload, bad IPv4 header checksum) are
 * dropped and counted; none reaches the pipeline and the plane keeps
 * answering. */
static void malformed_frames_dropped_and_counted(void **state)
{
	(void)state;
	uint8_t f[256], r[2048];
	struct seen before, after;
	uint64_t mal0 = port_stats().malformed;

	last_seen(&before);
	size_t n = udp4_frame(f, LISTEN4, 53, -1);
	push(f, 14 + 20 + 4);                          /* UDP header cut short */
	wr16(f + 14 + 2, 400);                         /* IP total length past the frame */
	ip4_csum(f + 14);
	push(f, n);
	n = udp4_frame(f, LISTEN4, 53, -1);
	wr16(f + 14 + 20 + 4, 300);                    /* UDP length past the IP payload */
	push(f, n);
	n = udp4_frame(f, LISTEN4, 53, -1);
	f[14 + 10] ^= 0x55;                            /* header checksum wrong */
	push(f, n);
	n = udp4_frame(f, LISTEN4, 53, -1);
	push(f, 10);                                   /* shorter than Ethernet */
	drain();
	assert_int_equal(pop_none(r, sizeof(r)), 0);
	last_seen(&after);
	assert_int_equal(after.calls, before.calls);
	assert_true(port_stats().malformed >= mal0 + 3);

	push(f, n);                                    /* and it still answers */
	assert_int_equal(pop(r, sizeof(r)), n);
}

/* Frames unicast to another MAC, or to an address or port nobody serves,
 * are dropped (no kernel behind the port) and counted as not ours. */
static void frames_for_others_dropped_and_counted(void **state)
{
	(void)state;
	static const uint8_t other_mac[6] = { 0x02, 0xdd, 0, 0, 0, 9 };
	uint8_t f[256], r[2048];
	uint64_t before = port_stats().not_ours;
	size_t n = udp4_frame(f, LISTEN4, 53, -1);

	memcpy(f, other_mac, 6);
	push(f, n);
	n = udp4_frame(f, OTHER4, 53, -1);
	push(f, n);
	n = udp4_frame(f, LISTEN4, 5353, -1);
	push(f, n);
	drain();
	assert_int_equal(pop_none(r, sizeof(r)), 0);
	assert_int_equal(port_stats().not_ours, before + 3);
}

/* The per-worker counters behind dnsplane_worker_packets_total and the
 * port counters behind dnsplane_dpdk_port_packets_total both move. */
static void counters_count_frames_in_and_out(void **state)
{
	(void)state;
	uint8_t f[256], r[2048];
	uint64_t rx0 = __atomic_load_n(&stats[0].rx_packets, __ATOMIC_RELAXED);
	uint64_t tx0 = __atomic_load_n(&stats[0].tx_packets, __ATOMIC_RELAXED);
	struct dnsp_dp_port_stats p0 = port_stats();
	size_t n = udp4_frame(f, LISTEN4, 53, -1);

	push(f, n);
	assert_int_equal(pop(r, sizeof(r)), n);
	drain();
	assert_int_equal(__atomic_load_n(&stats[0].rx_packets, __ATOMIC_RELAXED), rx0 + 1);
	assert_int_equal(__atomic_load_n(&stats[0].tx_packets, __ATOMIC_RELAXED), tx0 + 1);
	struct dnsp_dp_port_stats p1 = port_stats();
	assert_non_null(strstr(p1.name, "net_ut_ring"));
	assert_int_equal(p1.rx_packets, p0.rx_packets + 1);
	assert_int_equal(p1.tx_packets, p0.tx_packets + 1);
}

/* The slow path (lib/punt.h): a punted query reaches the worker's request
 * ring with its client and listener address; the reply pushed back on the
 * worker's reply ring leaves as a UDP frame to the client, built behind the
 * query's saved L2-L4 headers (same VLAN tag, swapped addresses). */
static void punted_query_answered_through_the_reply_ring(void **state)
{
	(void)state;
	uint8_t f[256], r[2048];
	size_t n = udp4_frame(f, LISTEN4, 53, 0x0009);
	uint8_t *dns = f + 18 + 28;

	dns[0] = dns[1] = 0x50;
	push(f, n);
	static struct dnsp_punt_req req;
	uint64_t end = now_ms() + 1000;
	int got;
	while ((got = dnsp_punt_pop(chan, 0, &req)) == 0 && now_ms() < end)
		usleep(200);
	assert_int_equal(got, 1);
	assert_int_equal(req.client.reply, DNSP_REPLY_WORKER);
	assert_int_equal(req.client.family, 4);
	assert_int_equal(req.client.port, 40000);
	assert_int_equal(req.client.listener, 0);
	assert_memory_equal(req.client.addr, CLIENT4, 4);
	assert_memory_equal(req.client.local, LISTEN4, 4);
	assert_int_equal(req.client.max_reply, 1500 - 28);   /* one frame (EDNS: the resolver's) */
	assert_int_equal(req.generation, 7);
	assert_int_equal(req.len, n - 18 - 28);
	assert_int_equal(pop_none(r, sizeof(r)), 0);         /* nothing sent yet */

	uint8_t msg[64];
	memcpy(msg, req.query, req.len);
	msg[2] |= 0x80;
	msg[3] |= 0x80 | 3;                                  /* an NXDOMAIN, say */
	struct dnsp_punt_reply hdr = { .cookie = req.client.cookie, .listener = 0,
				       .family = 4, .port = 40000 };
	memcpy(hdr.addr, req.client.addr, 16);
	memcpy(hdr.local, req.client.local, 16);
	assert_int_equal(dnsp_punt_reply_push(chan, 0, &hdr, msg, req.len), 0);
	size_t rn = pop(r, sizeof(r));
	assert_int_equal(rn, n);
	assert_memory_equal(r, client_mac, 6);
	assert_int_equal(rd16(r + 14), 0x0009);              /* the query's VLAN */
	assert_memory_equal(r + 18 + 12, LISTEN4, 4);
	assert_memory_equal(r + 18 + 16, CLIENT4, 4);
	assert_int_equal(rd16(r + 18 + 20), 53);
	assert_int_equal(rd16(r + 18 + 22), 40000);
	assert_memory_equal(r + 18 + 28, msg, req.len);

	/* A second reply under the same cookie has no headers left: dropped. */
	assert_int_equal(dnsp_punt_reply_push(chan, 0, &hdr, msg, req.len), 0);
	drain();
	assert_int_equal(pop_wait(r, sizeof(r), 50), 0);
}

/* dpdk.c: a tag the PMD stripped goes back on the reply, for a punted
 * query's reply too (it is built in another mbuf, behind saved headers
 * that never held the tag). The ring PMD passes RX flags through, so the
 * test marks the mbuf as a VLAN-stripping PMD would. */
static void punted_query_with_stripped_tag_answered_tagged(void **state)
{
	(void)state;
	uint8_t f[256], r[2048];
	size_t n = udp4_frame(f, LISTEN4, 53, -1); /* untagged on the wire as seen */
	uint8_t *dns = f + 14 + 28;

	dns[0] = dns[1] = 0x50;
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), f, n);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_VLAN;
	m->vlan_tci = 0x300b;
	assert_int_equal(rte_ring_enqueue(rx_ring, m), 0);
	static struct dnsp_punt_req req;
	uint64_t end = now_ms() + 1000;
	int got;
	while ((got = dnsp_punt_pop(chan, 0, &req)) == 0 && now_ms() < end)
		usleep(200);
	assert_int_equal(got, 1);

	uint8_t msg[64];
	memcpy(msg, req.query, req.len);
	msg[2] |= 0x80;
	struct dnsp_punt_reply hdr = { .cookie = req.client.cookie, .listener = 0,
				       .family = 4, .port = 40000 };
	memcpy(hdr.addr, req.client.addr, 16);
	memcpy(hdr.local, req.client.local, 16);
	assert_int_equal(dnsp_punt_reply_push(chan, 0, &hdr, msg, req.len), 0);
	size_t rn = pop(r, sizeof(r));
	assert_int_equal(rn, n + 4);
	assert_int_equal(rd16(r + 12), 0x8100);
	assert_int_equal(rd16(r + 14), 0x300b);
	assert_int_equal(rd16(r + 16), 0x0800);
	assert_memory_equal(r + 18 + 16, CLIENT4, 4);
	assert_memory_equal(r + 18 + 28, msg, req.len);
}

/* A punt that cannot be queued (the worker's request ring is full) is
 * answered SERVFAIL at once rather than dropped (RFC 1035 §4.1.1: RCODE 2),
 * and counted. */
static void punt_ring_full_answers_servfail(void **state)
{
	(void)state;
	uint8_t f[256], r[2048];
	size_t n = udp4_frame(f, LISTEN4, 53, -1);
	uint64_t failed0 = __atomic_load_n(&stats[0].punt_failed, __ATOMIC_RELAXED);

	f[14 + 28] = f[14 + 28 + 1] = 0x50;
	for (int i = 0; i < 400; i++) {   /* far more than 64 KiB of requests */
		push(f, n);
		if (i % 64 == 63)
			drain();
	}
	drain();
	size_t rn = pop(r, sizeof(r));
	assert_true(rn > 14 + 28 + 12);
	assert_int_equal(r[14 + 28 + 2] & 0x80, 0x80);       /* QR */
	assert_int_equal(r[14 + 28 + 3] & 0x0f, 2);          /* SERVFAIL */
	assert_true(__atomic_load_n(&stats[0].punt_failed, __ATOMIC_RELAXED) > failed0);
	while (pop_none(r, sizeof(r)) > 0)
		;
	static struct dnsp_punt_req req;
	while (dnsp_punt_pop(chan, 0, &req) == 1)
		;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dns_query_v4_answered_in_the_received_frame),
		cmocka_unit_test(dns_query_v6_answered_with_udp_checksum),
		cmocka_unit_test(vlan_tagged_query_answered_with_the_same_tag),
		cmocka_unit_test(arp_request_for_listener_answered_with_port_mac),
		cmocka_unit_test(neighbour_solicitation_answered_with_advertisement),
		cmocka_unit_test(tcp_syn_to_listener_answered_with_reset),
		cmocka_unit_test(malformed_frames_dropped_and_counted),
		cmocka_unit_test(frames_for_others_dropped_and_counted),
		cmocka_unit_test(counters_count_frames_in_and_out),
		cmocka_unit_test(punted_query_answered_through_the_reply_ring),
		cmocka_unit_test(punted_query_with_stripped_tag_answered_tagged),
		cmocka_unit_test(stripped_tag_query_answered_tagged),
		cmocka_unit_test(punt_ring_full_answers_servfail),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
