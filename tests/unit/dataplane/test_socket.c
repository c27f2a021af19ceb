/*
 * Tests of the socket data-plane back end (dataplane/socket.c) over loopback,
 * with a mock pipeline that echoes each message with QR set (first byte 0xFF:
 * drop). Each test starts its own plane on 127.0.0.1 and ::1 at a port picked
 * from a pid-based range and verified free (a probe bind without
 * SO_REUSEPORT, so a port someone else holds is never shared), and stops it
 * in the teardown. Every wait is a poll() with a bounded timeout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/dataplane.h"
#include "mock_pipeline.h"

#define WAIT_MS 5000 /* upper bound of any wait for something that must happen */

static struct dnsp_stats stats[2];
static dnsp_dataplane_t *plane;
static uint16_t plane_port;
static unsigned port_seq;

/* Counters are written by the worker; read them fresh every time. */
#define STAT(w, field) (*(volatile uint64_t *)&stats[(w)].field)

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits (bounded) until a counter reaches want: a worker may bump a counter
 * just after the syscall the client observes (sendmmsg returning, close). */
#define WAIT_STAT(w, field, want) assert_int_equal(wait_stat(&stats[(w)].field, (want)), (want))

static uint64_t wait_stat(const uint64_t *counter, uint64_t want)
{
	uint64_t deadline = mono_ms() + WAIT_MS;
	uint64_t v;

	while ((v = *(const volatile uint64_t *)counter) != want && mono_ms() < deadline)
		poll(NULL, 0, 1);
	return v;
}

static socklen_t make_addr(int family, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == 6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a);
}

/* True when nobody holds port on loopback for UDP or TCP, v4 or v6. */
static bool port_free(uint16_t port)
{
	static const int fams[2] = { 4, 6 };
	static const int types[2] = { SOCK_DGRAM, SOCK_STREAM };
	bool ok = true;

	for (int f = 0; f < 2 && ok; f++)
		for (int t = 0; t < 2 && ok; t++) {
			struct sockaddr_storage ss;
			socklen_t sl = make_addr(fams[f], port, &ss);
			int fd = socket(fams[f] == 6 ? AF_INET6 : AF_INET, types[t], 0);
			if (fd < 0)
				return false;
			if (fams[f] == 6) {
				int one = 1;
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
			}
			ok = bind(fd, (struct sockaddr *)&ss, sl) == 0;
			close(fd);
		}
	return ok;
}

/* A free port in 20000..31999 (below the usual ephemeral range). */
static uint16_t pick_port(void)
{
	for (int attempt = 0; attempt < 500; attempt++) {
		unsigned seq = port_seq++;
		uint16_t port = (uint16_t)(20000 + ((unsigned)getpid() * 13u + seq * 7919u) % 12000u);
		if (port_free(port))
			return port;
	}
	fail_msg("no free port found");
	return 0;
}

static void fill_listeners(struct dnsp_dp_listener l[2], uint16_t port)
{
	memset(l, 0, 2 * sizeof(*l));
	l[0].family = 4;
	l[0].addr[0] = 127;
	l[0].addr[3] = 1;
	l[0].port = port;
	l[1].family = 6;
	l[1].addr[15] = 1;
	l[1].port = port;
}

static uint32_t plane_coalesce_us; /* server.rx_coalesce_us of the next start_plane */

static void start_plane(uint32_t workers, int idle_ms, int max_conns)
{
	struct dnsp_dp_listener l[2];

	plane_port = pick_port();
	fill_listeners(l, plane_port);
	memset(stats, 0, sizeof(stats));
	struct dnsp_dp_params p = {
		.listeners = l, .nlisteners = 2, .workers = workers, .stats = stats,
		.tcp_idle_timeout_ms = idle_ms, .tcp_max_connections = max_conns,
		.cpu_base = -1, .rx_coalesce_us = plane_coalesce_us,
	};
	assert_int_equal(dnsp_socket_plane_start(&p, &plane), 0);
	assert_non_null(plane);
}

static int teardown(void **state)
{
	(void)state;
	dnsp_socket_plane_stop(plane);
	plane = NULL;
	plane_coalesce_us = 0;
	return 0;
}

/* A query-shaped message of len bytes (len >= 12): id, RD, QDCOUNT 1, then
 * a pattern so corruption or reordering shows. */
static void make_query(uint8_t *buf, uint16_t id, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + id);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01;
	buf[3] = 0x00;
}

/* The echo reply to q must be q with QR set. */
static void check_reply(const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen)
{
	assert_int_equal(rlen, qlen);
	assert_int_equal(r[2], q[2] | 0x80);
	assert_memory_equal(r, q, 2);
	assert_memory_equal(r + 3, q + 3, qlen - 3);
}

/* Waits up to ms for fd to become readable. */
static bool wait_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

static int udp_socket(int family)
{
	int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	return fd;
}

static void udp_send_to_plane(int fd, int family, const uint8_t *msg, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_addr(family, plane_port, &ss);

	assert_int_equal(sendto(fd, msg, len, 0, (struct sockaddr *)&ss, sl), (ssize_t)len);
}

static ssize_t udp_recv(int fd, uint8_t *buf, size_t cap, int ms)
{
	if (!wait_readable(fd, ms))
		return -1;
	return recv(fd, buf, cap, MSG_DONTWAIT);
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void udp_echo(int family)
{
	uint8_t q[40], r[512];
	int fd = udp_socket(family);

	make_query(q, 0x1234, sizeof(q));
	udp_send_to_plane(fd, family, q, sizeof(q));
	ssize_t n = udp_recv(fd, r, sizeof(r), WAIT_MS);
	assert_true(n > 0);
	check_reply(q, sizeof(q), r, (size_t)n);

	struct mock_seen s;
	mock_pipeline_last(&s);
	assert_int_equal(s.family, family);
	assert_false(s.tcp);
	assert_int_equal(s.listener, family == 6 ? 1 : 0);
	assert_int_equal(s.cap, 4096);
	assert_int_equal(s.len, sizeof(q));
	assert_int_equal(s.src_port, local_port(fd));
	if (family == 4) {
		static const uint8_t lo4[4] = { 127, 0, 0, 1 };
		assert_memory_equal(s.src, lo4, 4);
	} else {
		assert_memory_equal(s.src, &in6addr_loopback, 16);
	}
	assert_int_equal(STAT(0, rx_packets), 1);
	WAIT_STAT(0, tx_packets, 1);
	close(fd);
}

/* RFC 1035 §4.2.1: a UDP query is answered to its source; v4 listener slot 0. */
static void udp_v4_query_is_answered_to_sender(void **state)
{
	(void)state;
	start_plane(1, 10000, 16);
	udp_echo(4);
}

/* Same over IPv6; the ::1 listener is slot 1. */
static void udp_v6_query_is_answered_to_sender(void **state)
{
	(void)state;
	start_plane(1, 10000, 16);
	udp_echo(6);
}

/* A full recvmmsg batch (64) is answered completely, one reply each. */
static void udp_burst_of_64_all_answered(void **state)
{
	(void)state;
	start_plane(1, 10000, 16);
	int fd = udp_socket(4);
	uint8_t q[64][32], r[512];
	bool seen[64] = { false };

	for (int i = 0; i < 64; i++) {
		make_query(q[i], (uint16_t)(i + 1), sizeof(q[i]));
		udp_send_to_plane(fd, 4, q[i], sizeof(q[i]));
	}
	uint64_t deadline = mono_ms() + WAIT_MS;
	for (int got = 0; got < 64;) {
		int left = (int)(deadline - mono_ms());
		assert_true(left > 0);
		ssize_t n = udp_recv(fd, r, sizeof(r), left);
		assert_true(n > 0);
		unsigned id = ((unsigned)r[0] << 8) | r[1];
		assert_true(id >= 1 && id <= 64);
		assert_false(seen[id - 1]);
		seen[id - 1] = true;
		check_reply(q[id - 1], sizeof(q[id - 1]), r, (size_t)n);
		got++;
	}
	assert_int_equal(STAT(0, rx_packets), 64);
	WAIT_STAT(0, tx_packets, 64);
	close(fd);
}

/* server.rx_coalesce_us (dataplane/coalesce.h): with the longest nap
 * (1 ms) between bursts, waves of queries that each form a burst are all
 * answered, each exactly once and intact, the worker does nap (waves go on
 * until the naps counter moves: the rate window needs 1 ms to close), and
 * the plane still stops (teardown) while a worker may be napping. */
static void udp_coalescing_answers_every_wave(void **state)
{
	(void)state;
	plane_coalesce_us = 1000;
	start_plane(1, 10000, 16);
	int fd = udp_socket(4);
	uint8_t q[32], r[512];
	enum { MIN_WAVES = 6, MAX_WAVES = 250, PER_WAVE = 48 };
	int wave = 0;

	for (; wave < MAX_WAVES && (wave < MIN_WAVES || STAT(0, coalesce_naps) == 0); wave++) {
		bool seen[PER_WAVE] = { false };

		for (int i = 0; i < PER_WAVE; i++) {
			make_query(q, (uint16_t)(wave * 256 + i + 1), sizeof(q));
			udp_send_to_plane(fd, 4, q, sizeof(q));
		}
		uint64_t deadline = mono_ms() + WAIT_MS;
		for (int got = 0; got < PER_WAVE; got++) {
			int left = (int)(deadline - mono_ms());
			assert_true(left > 0);
			ssize_t n = udp_recv(fd, r, sizeof(r), left);
			assert_true(n > 0);
			unsigned id = ((unsigned)r[0] << 8) | r[1];
			assert_int_equal(id / 256, wave);
			unsigned i = id % 256 - 1;
			assert_true(i < PER_WAVE);
			assert_false(seen[i]);
			seen[i] = true;
			make_query(q, (uint16_t)id, sizeof(q));
			check_reply(q, sizeof(q), r, (size_t)n);
		}
	}
	assert_true(STAT(0, coalesce_naps) > 0);
	WAIT_STAT(0, tx_packets, (uint64_t)wave * PER_WAVE);
	assert_int_equal(STAT(0, rx_packets), (uint64_t)wave * PER_WAVE);
	close(fd);
}

/* A DROP verdict sends nothing: the next reply on the socket belongs to the
 * query after it, and nothing else arrives. */
static void udp_drop_verdict_sends_nothing(void **state)
{
	(void)state;
	start_plane(1, 10000, 16);
	int fd = udp_socket(4);
	uint8_t drop[20], q[20], r[512];

	make_query(drop, 0xFF01, sizeof(drop));
	make_query(q, 0x0102, sizeof(q));
	udp_send_to_plane(fd, 4, drop, sizeof(drop));
	udp_send_to_plane(fd, 4, q, sizeof(q));
	ssize_t n = udp_recv(fd, r, sizeof(r), WAIT_MS);
	assert_true(n > 0);
	check_reply(q, sizeof(q), r, (size_t)n);
	assert_int_equal(udp_recv(fd, r, sizeof(r), 100), -1);
	assert_int_equal(STAT(0, rx_packets), 2);
	WAIT_STAT(0, tx_packets, 1);
	close(fd);
}

/* SO_REUSEPORT spreads flows: with two workers, both answer some. */
static void udp_two_workers_both_answer(void **state)
{
	(void)state;
	start_plane(2, 10000, 16);
	uint8_t q[20], r[512];

	for (int i = 0; i < 256 && (STAT(0, rx_packets) == 0 || STAT(1, rx_packets) == 0); i++) {
		int fd = udp_socket(4); /* a new source port: a new flow hash */
		make_query(q, (uint16_t)i, sizeof(q));
		udp_send_to_plane(fd, 4, q, sizeof(q));
		ssize_t n = udp_recv(fd, r, sizeof(r), WAIT_MS);
		assert_true(n > 0);
		check_reply(q, sizeof(q), r, (size_t)n);
		close(fd);
	}
	assert_true(STAT(0, rx_packets) > 0);
	assert_true(STAT(1, rx_packets) > 0);
	WAIT_STAT(0, tx_packets, STAT(0, rx_packets));
	WAIT_STAT(1, tx_packets, STAT(1, rx_packets));
}

/* ----------------------------------------------------------------- TCP */

static int tcp_connect(int family)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_addr(family, plane_port, &ss);
	int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, sl), 0);
	return fd;
}

static void write_all(int fd, const uint8_t *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Reads exactly len bytes within the deadline. */
static void read_exact(int fd, uint8_t *buf, size_t len, uint64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		int left = (int)(deadline - mono_ms());
		assert_true(left > 0);
		assert_true(wait_readable(fd, left));
		ssize_t n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		assert_true(n > 0);
		got += (size_t)n;
	}
}

/* Frames msg with the 2-byte length prefix (RFC 1035 §4.2.2). */
static size_t frame(uint8_t *out, const uint8_t *msg, size_t len)
{
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
	memcpy(out + 2, msg, len);
	return len + 2;
}

/* Reads one framed reply and checks it answers q. */
static void tcp_expect_reply(int fd, const uint8_t *q, size_t qlen)
{
	uint8_t hdr[2];
	static uint8_t r[65535];

	read_exact(fd, hdr, 2, mono_ms() + WAIT_MS);
	size_t len = ((size_t)hdr[0] << 8) | hdr[1];
	assert_int_equal(len, qlen);
	read_exact(fd, r, len, mono_ms() + WAIT_MS);
	check_reply(q, qlen, r, len);
}

/* True when the server closed fd (EOF or reset) within ms. */
static bool tcp_closed_within(int fd, int ms)
{
	uint8_t b[64];
	uint64_t deadline = mono_ms() + (uint64_t)ms;

	for (;;) {
		int left = (int)(deadline - mono_ms());
		if (left <= 0 || !wait_readable(fd, left))
			return false;
		ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return true;
	}
}

static void tcp_single(int family)
{
	uint8_t q[50], f[52];
	int fd = tcp_connect(family);

	make_query(q, 0x0a0b, sizeof(q));
	write_all(fd, f, frame(f, q, sizeof(q)));
	tcp_expect_reply(fd, q, sizeof(q));

	struct mock_seen s;
	mock_pipeline_last(&s);
	assert_true(s.tcp);
	assert_int_equal(s.family, family);
	assert_int_equal(s.listener, family == 6 ? 1 : 0);
	assert_int_equal(s.cap, 65535);
	assert_int_equal(s.src_port, local_port(fd));
	close(fd);
}

/* RFC 1035 §4.2.2 / RFC 7766 §8: a length-prefixed query gets a
 * length-prefixed reply, over v4 and v6. */
static void tcp_single_query_answered_with_length_prefix(void **state)
{
	(void)state;
	start_plane(1, 10000, 16);
	tcp_single(4);
	tcp_single(6);
	assert_int_equal(STAT(0, tcp_accepted), 2);
	assert_int_equal(STAT(0, rx_packets), 2);
	assert_int_equal(STAT(0, tx_packets), 2);
}

/* RFC 7766 §6.2.1.1: several queries in one write are all answered; we
 * answer in order. */
static void tcp_pipelined_queries_answered_in_order(void **state)
{
	(void)state;
	start_plane(1, 10000, 16);
	uint8_t q[3][30], buf[3 * 32];
	size_t off = 0;
	int fd = tcp_connect(4);

	for (int i = 0; i < 3; i++) {
		make_query(q[i], (uint16_t)(100 + i), sizeof(q[i]));
		off += frame(buf + off, q[i], sizeof(q[i]));
	}
	write_all(fd, buf, off);
	for (int i = 0; i < 3; i++)
		tcp_expect_reply(fd, q[i], sizeof(q[i]));
	close(fd);
}

/* RFC 7766 §8: a message may arrive in several segments; nothing is
 * answered until it is complete. */
static void tcp_query_split_across_writes(void **state)
{
	(void)state;
	start_plane(1, 10000, 16);
	uint8_t q[40], f[42];
	int fd = tcp_connect(4);

	make_query(q, 0x0707, sizeof(q));
	size_t len = frame(f, q, sizeof(q));
	write_all(fd, f, 1);                       /* half the length */
	assert_false(wait_readable(fd, 50));
	write_all(fd, f + 1, 10);                  /* rest of length, part of message */
	assert_false(wait_readable(fd, 50));
	write_all(fd, f + 11, len - 11);
	tcp_expect_reply(fd, q, sizeof(q));
	close(fd);
}

/* A query larger than the per-connection buffer (4 KiB) is still answered,
 * through a pool buffer. */
static void tcp_large_query_answered(void **state)
{
	(void)state;
	start_plane(1, 10000, 16);
	static uint8_t q[20000], f[20002];
	int fd = tcp_connect(4);

	make_query(q, 0x0808, sizeof(q));
	size_t len = frame(f, q, sizeof(q));
	write_all(fd, f, 3000);
	write_all(fd, f + 3000, len - 3000);
	tcp_expect_reply(fd, q, sizeof(q));
	/* And the connection keeps working with small queries afterwards. */
	uint8_t s[30], sf[32];
	make_query(s, 0x0909, sizeof(s));
	write_all(fd, sf, frame(sf, s, sizeof(s)));
	tcp_expect_reply(fd, s, sizeof(s));
	close(fd);
}

/* A client that does not read: replies queue up past the kernel's buffers,
 * the server keeps the rest pending and stops reading (backpressure), and
 * once the client reads it gets every reply, in order. The client writes
 * until the server takes no more, so the kernel's buffer sizes do not
 * matter. */
static void tcp_slow_reader_gets_every_reply_in_order(void **state)
{
	(void)state;
	start_plane(1, 10000, 16);
	enum { QLEN = 16000, FLEN = QLEN + 2, MAX_FRAMES = 4096 /* 64 MiB */ };
	static uint8_t f[FLEN], q[QLEN], r[FLEN];
	int small = 4096;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_storage ss;
	socklen_t sl = make_addr(4, plane_port, &ss);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);

	/* Phase 1: write frames without reading until the server stalls. */
	int frames = 0;    /* frames started */
	size_t foff = 0;   /* bytes of the current frame sent */
	bool stalled = false;
	while (!stalled && !(frames == MAX_FRAMES && foff == FLEN)) {
		if (frames == 0 || foff == FLEN) {
			make_query(q, (uint16_t)(frames + 1), QLEN);
			frame(f, q, QLEN);
			frames++;
			foff = 0;
		}
		ssize_t n = send(fd, f + foff, FLEN - foff, MSG_NOSIGNAL);
		if (n > 0) {
			foff += (size_t)n;
			continue;
		}
		assert_true(n < 0 && errno == EAGAIN);
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		stalled = poll(&pfd, 1, 100) == 0;
	}
	assert_true(stalled);

	/* Phase 2: read every reply, finishing the last frame meanwhile. */
	uint64_t deadline = mono_ms() + WAIT_MS;
	size_t rlen = 0;
	for (int next = 0; next < frames;) {
		int left = (int)(deadline - mono_ms());
		assert_true(left > 0);
		struct pollfd pfd = { .fd = fd, .events = POLLIN | (foff < FLEN ? POLLOUT : 0) };
		assert_int_equal(poll(&pfd, 1, left), 1);
		if ((pfd.revents & POLLOUT) && foff < FLEN) {
			ssize_t n = send(fd, f + foff, FLEN - foff, MSG_NOSIGNAL);
			if (n > 0)
				foff += (size_t)n;
		}
		if (pfd.revents & POLLIN) {
			ssize_t n = recv(fd, r + rlen, sizeof(r) - rlen, 0);
			assert_true(n > 0);
			rlen += (size_t)n;
			if (rlen == sizeof(r)) {
				assert_int_equal(((size_t)r[0] << 8) | r[1], QLEN);
				make_query(q, (uint16_t)(next + 1), QLEN);
				check_reply(q, QLEN, r + 2, QLEN);
				next++;
				rlen = 0;
			}
		}
	}
	assert_int_equal(STAT(0, tx_packets), (uint64_t)frames);
	assert_int_equal(STAT(0, tx_errors), 0);
	close(fd);
}

/* RFC 7766 §6.2.3: the server closes a connection idle for the timeout. */
static void tcp_idle_connection_is_closed(void **state)
{
	(void)state;
	start_plane(1, 200, 16);
	uint8_t q[20], f[22];
	int fd = tcp_connect(4);

	make_query(q, 0x0303, sizeof(q));
	write_all(fd, f, frame(f, q, sizeof(q)));
	tcp_expect_reply(fd, q, sizeof(q));
	uint64_t t0 = mono_ms();
	assert_true(tcp_closed_within(fd, WAIT_MS));
	assert_true(mono_ms() - t0 >= 150);
	WAIT_STAT(0, tcp_closed_idle, 1);
	close(fd);
}

/* Connections over the per-worker cap are accepted and closed at once; the
 * ones within the cap keep working. */
static void tcp_connections_over_cap_are_closed(void **state)
{
	(void)state;
	start_plane(1, 10000, 2);
	uint8_t q[20], f[22];
	int c[2];

	make_query(q, 0x0404, sizeof(q));
	for (int i = 0; i < 2; i++) {
		c[i] = tcp_connect(4);
		write_all(c[i], f, frame(f, q, sizeof(q)));
		tcp_expect_reply(c[i], q, sizeof(q)); /* accepted and served */
	}
	int third = tcp_connect(4);
	assert_true(tcp_closed_within(third, WAIT_MS));
	WAIT_STAT(0, tcp_refused, 1);
	assert_int_equal(STAT(0, tcp_accepted), 2);
	write_all(c[0], f, frame(f, q, sizeof(q)));
	tcp_expect_reply(c[0], q, sizeof(q));
	close(third);
	close(c[0]);
	close(c[1]);
}

/* A zero-length frame cannot hold a DNS message: the connection is closed. */
static void tcp_zero_length_frame_closes(void **state)
{
	(void)state;
	start_plane(1, 10000, 16);
	static const uint8_t zero[2] = { 0, 0 };
	int fd = tcp_connect(4);

	write_all(fd, zero, 2);
	assert_true(tcp_closed_within(fd, WAIT_MS));
	close(fd);
}

/* start() binds synchronously: an address not on this host fails with
 * -EADDRNOTAVAIL, and every socket opened before it is closed again. */
static void bind_failure_returns_error(void **state)
{
	(void)state;
	struct dnsp_dp_listener l[2];
	uint16_t port = pick_port();

	fill_listeners(l, port);
	memset(l[1].addr, 0, sizeof(l[1].addr));
	l[1].family = 4;
	l[1].addr[0] = 192;
	l[1].addr[2] = 2;
	l[1].addr[3] = 1; /* 192.0.2.1, TEST-NET-1 (RFC 5737) */
	memset(stats, 0, sizeof(stats));
	struct dnsp_dp_params p = {
		.listeners = l, .nlisteners = 2, .workers = 2, .stats = stats,
		.tcp_idle_timeout_ms = 1000, .tcp_max_connections = 4, .cpu_base = -1,
	};
	dnsp_dataplane_t *dp = (dnsp_dataplane_t *)(uintptr_t)1; /* must be reset to NULL */
	assert_int_equal(dnsp_socket_plane_start(&p, &dp), -EADDRNOTAVAIL);
	assert_null(dp);
	assert_true(port_free(port)); /* nothing leaked on 127.0.0.1:port */
}

/* Parameters outside the contract are rejected before anything is opened. */
static void invalid_params_rejected(void **state)
{
	(void)state;
	struct dnsp_dp_listener l[2];
	fill_listeners(l, 1);
	struct dnsp_dp_params p = {
		.listeners = l, .nlisteners = 2, .workers = 0, .stats = stats,
		.tcp_idle_timeout_ms = 1000, .tcp_max_connections = 4, .cpu_base = -1,
	};
	dnsp_dataplane_t *dp = NULL;
	assert_int_equal(dnsp_socket_plane_start(&p, &dp), -EINVAL);
	p.workers = 1;
	p.tcp_max_connections = -1;
	assert_int_equal(dnsp_socket_plane_start(&p, &dp), -EINVAL);
	assert_null(dp);
	dnsp_socket_plane_stop(NULL); /* no-op */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(udp_v4_query_is_answered_to_sender, teardown),
		cmocka_unit_test_teardown(udp_v6_query_is_answered_to_sender, teardown),
		cmocka_unit_test_teardown(udp_burst_of_64_all_answered, teardown),
		cmocka_unit_test_teardown(udp_coalescing_answers_every_wave, teardown),
		cmocka_unit_test_teardown(udp_drop_verdict_sends_nothing, teardown),
		cmocka_unit_test_teardown(udp_two_workers_both_answer, teardown),
		cmocka_unit_test_teardown(tcp_single_query_answered_with_length_prefix, teardown),
		cmocka_unit_test_teardown(tcp_pipelined_queries_answered_in_order, teardown),
		cmocka_unit_test_teardown(tcp_query_split_across_writes, teardown),
		cmocka_unit_test_teardown(tcp_large_query_answered, teardown),
		cmocka_unit_test_teardown(tcp_slow_reader_gets_every_reply_in_order, teardown),
		cmocka_unit_test_teardown(tcp_idle_connection_is_closed, teardown),
		cmocka_unit_test_teardown(tcp_connections_over_cap_are_closed, teardown),
		cmocka_unit_test_teardown(tcp_zero_length_frame_closes, teardown),
		cmocka_unit_test(bind_failure_returns_error),
		cmocka_unit_test(invalid_params_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
