/*
 * Unit tests for the AF_XDP back end (dataplane/afxdp.c) with a stand-in
 * pipeline that answers, drops or punts, and the real punt channel
 * (lib/punt.h) with this test playing the slow path. The plane runs on one
 * end of a veth pair in a private network namespace of this process
 * (unshare: nothing to clean up, nothing shared with other tests); frames
 * are sent and received raw (AF_PACKET) on the other end. Checks: the fast
 * path answers in the received frame; a punted query reaches the slow path
 * with its return path and the slow path's reply leaves through the
 * worker's TX with the query's L2-L4 headers turned around; a reply whose
 * cookie is unknown is dropped; without a slow path a punt is answered
 * SERVFAIL; stop detaches the XDP program. Needs root (exit 77 otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "dataplane/dataplane.h"
#include "dataplane/l2.h"
#include "lib/pipeline.h"
#include "lib/punt.h"
#include "lib/snapshot.h"

/* ------------------------------------------------ stand-in pipeline */

static struct dnsp_snapshot dummy_snapshot;

const struct dnsp_snapshot *dnsp_snapshot_current(void)
{
	return &dummy_snapshot;
}

void dnsp_worker_ctx_init(struct dnsp_worker_ctx *w, struct dnsp_stats *st, uint32_t id,
			  uint64_t seed)
{
	memset(w, 0, sizeof(*w));
	w->stats = st;
	w->id = id;
	w->rng = seed | 1;
}

static uint16_t last_cap; /* p->cap of the last query the pipeline saw */

/* ID first byte 0xEE: punt; 0xFF: drop; else echo with QR set. */
int dnsp_pipeline_process(const struct dnsp_snapshot *s, struct dnsp_pkt *p,
			  struct dnsp_worker_ctx *w)
{
	(void)s;
	last_cap = p->cap;
	memset(&w->punt, 0, sizeof(w->punt));
	w->punt.vpc = -1;
	if (p->len < 12 || p->buf[0] == 0xFF)
		return DNSP_PIPELINE_DROP;
	if (p->buf[0] == 0xEE) {
		w->punt.question_end = p->len;
		return DNSP_PIPELINE_PUNT;
	}
	p->buf[2] |= 0x80;
	return p->len;
}

/* ------------------------------------------------ fixture */

#define SRV_IF "xa0"
#define CLI_IF "xa1"
#define SRV_MTU 1400 /* below what a UMEM chunk holds: the MTU must bound replies */

static const uint8_t SRV_IP[4] = { 198, 18, 43, 2 };
static const uint8_t CLI_IP[4] = { 198, 18, 43, 1 };
static uint8_t srv_mac[6], cli_mac[6];
static int raw = -1;
static int cli_ifindex;
static dnsp_punt_chan_t *chan;
static dnsp_dataplane_t *plane;
static struct dnsp_stats stats[1] __attribute__((aligned(64)));
static struct dnsp_dp_listener listener;

static const uint8_t QUERY[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1 };

static int get_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rc == 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return rc;
}

static int start_plane(dnsp_punt_chan_t *c)
{
	struct dnsp_dp_interface ifc = { .name = SRV_IF, .queues = 1 };
	struct dnsp_dp_params p = {
		.listeners = &listener,
		.nlisteners = 1,
		.workers = 1,
		.stats = stats,
		.cpu_base = -1,
		.interfaces = &ifc,
		.ninterfaces = 1,
		.xdp_mode = DNSP_DP_XDP_NATIVE,
		.worker_id_base = 0,
		.punt = c,
	};

	memset(stats, 0, sizeof(stats));
	return dnsp_afxdp_plane_start(&p, &plane);
}

static int group_setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) != 0)
		return -1;
	if (system("ip link add " SRV_IF " type veth peer name " CLI_IF " && "
		   "ip link set " SRV_IF " mtu 1400 && " /* SRV_MTU */
		   "ip link set " SRV_IF " up && ip link set " CLI_IF " up") != 0)
		return -1;
	if (get_mac(SRV_IF, srv_mac) != 0 || get_mac(CLI_IF, cli_mac) != 0)
		return -1;
	cli_ifindex = (int)if_nametoindex(CLI_IF);
	raw = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (raw < 0)
		return -1;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
				   .sll_ifindex = cli_ifindex };
	if (bind(raw, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		return -1;
	listener.family = 4;
	memcpy(listener.addr, SRV_IP, 4);
	listener.port = 53;
	if (dnsp_punt_chan_create(1, 1u << 16, &chan) != 0)
		return -1;
	return start_plane(chan) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	dnsp_afxdp_plane_stop(plane);
	dnsp_punt_chan_destroy(chan);
	if (raw >= 0)
		close(raw);
	return 0;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t ref_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Sends QUERY (with its first ID byte set to id0) from the client end. */
static void send_query(uint8_t id0, uint16_t sport)
{
	uint8_t f[128];
	uint8_t *ip = f + 14, *udp = f + 34;
	uint16_t ulen = (uint16_t)(8 + sizeof(QUERY));

	memset(f, 0, sizeof(f));
	memcpy(f, srv_mac, 6);
	memcpy(f + 6, cli_mac, 6);
	wr16(f + 12, 0x0800);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(20 + ulen));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, CLI_IP, 4);
	memcpy(ip + 16, SRV_IP, 4);
	wr16(ip + 10, ref_fold(ref_sum(ip, 20, 0)));
	wr16(udp, sport);
	wr16(udp + 2, 53);
	wr16(udp + 4, ulen);
	memcpy(udp + 8, QUERY, sizeof(QUERY));
	udp[8] = id0;
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = cli_ifindex,
				  .sll_halen = 6 };

	memcpy(to.sll_addr, srv_mac, 6);
	assert_int_equal(sendto(raw, f, 34 + ulen, 0, (struct sockaddr *)&to, sizeof(to)),
			 34 + ulen);
}

/* Waits up to timeout_ms for a UDP reply from port 53 to sport; returns its
 * frame length (0 on timeout). */
static int recv_reply(uint8_t *f, size_t cap, uint16_t sport, int timeout_ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		int left = timeout_ms - (int)((t.tv_sec - t0.tv_sec) * 1000 +
					      (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return 0;
		struct pollfd pfd = { .fd = raw, .events = POLLIN };

		if (poll(&pfd, 1, left) <= 0)
			continue;
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(raw, f, cap, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);

		if (n < 42 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (f[23] == 17 && rd16(f + 34) == 53 && rd16(f + 36) == sport)
			return (int)n;
	}
}

/* The reply frame is the query's turned around, with valid checksums. */
static void check_frame(const uint8_t *f, int n)
{
	const uint8_t *ip = f + 14, *udp = f + 34;

	assert_memory_equal(f, cli_mac, 6);
	assert_memory_equal(f + 6, srv_mac, 6);
	assert_memory_equal(ip + 12, SRV_IP, 4);
	assert_memory_equal(ip + 16, CLI_IP, 4);
	assert_int_equal(rd16(ip + 2), n - 14);
	assert_int_equal(ref_fold(ref_sum(ip, 20, 0)), 0);
	assert_int_equal(rd16(udp + 4), n - 34);
	if (rd16(udp + 6) != 0) {
		uint32_t s = ref_sum(ip + 12, 8, 0) + 17 + (uint32_t)(n - 34);

		assert_int_equal(ref_fold(ref_sum(udp, (size_t)(n - 34), s)), 0);
	}
}

/* ------------------------------------------------ tests */

static void test_fast_path_answers_in_place(void **state)
{
	uint8_t f[2048];
	int n;

	(void)state;
	send_query(0x12, 40000);
	n = recv_reply(f, sizeof(f), 40000, 2000);
	assert_true(n > 0);
	check_frame(f, n);
	assert_int_equal(n - 42, sizeof(QUERY));
	assert_int_equal(f[42], 0x12);
	assert_true(f[44] & 0x80); /* QR from the stand-in pipeline */
	assert_true(stats[0].rx_packets >= 1);
	assert_true(stats[0].tx_packets >= 1);
	/* A reply leaves as one frame of at most the MTU: the pipeline is
	 * given no more room than that, so it truncates (TC) instead of
	 * building a frame the link drops (dataplane.h, AF_XDP back end). */
	assert_true(last_cap > 0);
	assert_true(last_cap <= SRV_MTU - 20 - 8);
}

/* lib/punt.h: the query reaches the slow path with its return path; the
 * reply goes out through the worker's TX queue. */
static void test_punted_query_answered_through_reply_ring(void **state)
{
	static struct dnsp_punt_req req;
	uint8_t f[2048], msg[sizeof(QUERY)];
	struct timespec t0, t;
	int n, got = 0;

	(void)state;
	send_query(0xEE, 40001);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		got = dnsp_punt_pop(chan, 0, &req);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (!got)
			usleep(1000);
	} while (!got && t.tv_sec - t0.tv_sec < 2);
	assert_int_equal(got, 1);
	assert_int_equal(req.client.reply, DNSP_REPLY_WORKER);
	assert_int_equal(req.client.family, 4);
	assert_false(req.client.tcp);
	assert_int_equal(req.client.port, 40001);
	assert_int_equal(req.client.listener, 0);
	assert_memory_equal(req.client.addr, CLI_IP, 4);
	assert_true(req.client.has_local);
	assert_memory_equal(req.client.local, SRV_IP, 4);
	assert_int_equal(req.len, sizeof(QUERY));
	assert_int_equal(req.query[0], 0xEE);
	/* the slow path's reply is bounded by the link MTU too */
	assert_true(req.client.max_reply > 0);
	assert_true(req.client.max_reply <= SRV_MTU - 20 - 8);
	assert_int_equal(stats[0].punted, 1);

	/* The slow path's answer: NXDOMAIN, so it cannot be the fast path's. */
	memcpy(msg, req.query, sizeof(msg));
	msg[2] |= 0x80;
	msg[3] = 3;
	struct dnsp_punt_reply hdr = {
		.cookie = req.client.cookie, .listener = req.client.listener, .tcp = false,
		.family = 4, .port = req.client.port,
	};

	memcpy(hdr.addr, req.client.addr, 16);
	memcpy(hdr.local, req.client.local, 16);
	assert_int_equal(dnsp_punt_reply_push(chan, 0, &hdr, msg, sizeof(msg)), 0);
	n = recv_reply(f, sizeof(f), 40001, 2000);
	assert_true(n > 0);
	check_frame(f, n);
	assert_int_equal(n - 42, sizeof(QUERY));
	assert_int_equal(f[42], 0xEE);
	assert_int_equal(f[45] & 0x0f, 3);
}

/* A reply whose headers were never saved (or were overwritten) is dropped. */
static void test_reply_with_unknown_cookie_dropped(void **state)
{
	uint8_t f[2048], msg[sizeof(QUERY)];
	uint64_t err0 = stats[0].tx_errors;
	struct dnsp_punt_reply hdr = { .cookie = 999999, .family = 4, .port = 40002 };

	(void)state;
	memcpy(msg, QUERY, sizeof(msg));
	assert_int_equal(dnsp_punt_reply_push(chan, 0, &hdr, msg, sizeof(msg)), 0);
	assert_int_equal(recv_reply(f, sizeof(f), 40002, 300), 0);
	assert_int_equal(stats[0].tx_errors, err0 + 1);
}

/* Clean shutdown detaches the XDP program (issue #4 item 5). */
static void test_stop_detaches_xdp_program(void **state)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ifindex = (int)if_nametoindex(SRV_IF);

	(void)state;
	assert_int_equal(bpf_xdp_query(ifindex, 0, &q), 0);
	assert_int_not_equal(q.drv_prog_id, 0);
	dnsp_afxdp_plane_stop(plane);
	plane = NULL;
	assert_int_equal(bpf_xdp_query(ifindex, 0, &q), 0);
	assert_int_equal(q.drv_prog_id, 0);
	assert_int_equal(q.skb_prog_id, 0);
}

/* No slow path: a punted query is answered SERVFAIL at once. */
static void test_punt_without_slow_path_answers_servfail(void **state)
{
	uint8_t f[2048];
	int n;

	(void)state;
	assert_int_equal(start_plane(NULL), 0);
	send_query(0xEE, 40003);
	n = recv_reply(f, sizeof(f), 40003, 2000);
	assert_true(n > 0);
	check_frame(f, n);
	assert_int_equal(f[42], 0xEE);
	assert_true(f[44] & 0x80);
	assert_int_equal(f[45] & 0x0f, 2); /* SERVFAIL */
	assert_int_equal(stats[0].punt_failed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_path_answers_in_place),
		cmocka_unit_test(test_punted_query_answered_through_reply_ring),
		cmocka_unit_test(test_reply_with_unknown_cookie_dropped),
		cmocka_unit_test(test_stop_detaches_xdp_program),
		cmocka_unit_test(test_punt_without_slow_path_answers_servfail),
	};

	if (geteuid() != 0) {
		printf("SKIP: needs root (network namespace, XDP, AF_XDP)\n");
		return 77;
	}
	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
