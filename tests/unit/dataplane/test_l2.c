/*
 * Unit tests for dataplane/l2: classification of crafted Ethernet frames
 * against a listener table, and the replies built in place (DNS over UDP,
 * ARP, neighbour advertisement). Checksums are verified with an independent
 * reference implementation (big-endian 16-bit word sum), so a bug shared by
 * builder and checker cannot hide.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dataplane/l2.h"
#include "lib/punt.h"
#include "lib/pipeline.h"

static const uint8_t MAC_CLIENT[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC_SERVER[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t IP4_CLIENT[4] = { 198, 18, 0, 1 };
static const uint8_t IP4_SERVER[4] = { 198, 18, 0, 2 };
static const uint8_t IP6_CLIENT[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t IP6_SERVER[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static struct dnsp_dp_listener listeners[3];

static int setup(void **state)
{
	(void)state;
	memset(listeners, 0, sizeof(listeners));
	listeners[0].family = 4;
	memcpy(listeners[0].addr, IP4_SERVER, 4);
	listeners[0].port = 53;
	listeners[1].family = 6;
	memcpy(listeners[1].addr, IP6_SERVER, 16);
	listeners[1].port = 53;
	listeners[2].family = 4; /* 0.0.0.0:5300 wildcard */
	listeners[2].port = 5300;
	return 0;
}

/* ---- reference checksum: sum of big-endian 16-bit words ---- */
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

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Checksum over pseudo header + l4 (0 when valid). */
static uint16_t ref_l4_check(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
			     const uint8_t *l4, size_t l4len)
{
	uint32_t s = ref_sum(src, alen, 0);

	s = ref_sum(dst, alen, s);
	s += proto;
	s += (uint32_t)l4len;
	return ref_fold(ref_sum(l4, l4len, s));
}

static const uint8_t DNS_QUERY[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1 };

/* Builds Ethernet [+VLAN] + IPv4 [+options] + UDP + DNS_QUERY; returns length. */
static uint32_t mk_udp4(uint8_t *f, bool vlan, uint32_t optlen, const uint8_t dst[4],
			uint16_t dport)
{
	uint32_t o = 12, ihl = 20 + optlen;
	uint16_t ulen = (uint16_t)(8 + sizeof(DNS_QUERY));

	memset(f, 0, 256);
	memcpy(f, MAC_SERVER, 6);
	memcpy(f + 6, MAC_CLIENT, 6);
	if (vlan) {
		wr16(f + o, 0x8100);
		wr16(f + o + 2, 0x2007); /* PCP 1, VID 7 */
		o += 4;
	}
	wr16(f + o, 0x0800);
	o += 2;
	uint8_t *ip = f + o;

	ip[0] = (uint8_t)(0x40 | (ihl / 4));
	wr16(ip + 2, (uint16_t)(ihl + ulen));
	wr16(ip + 4, 0xabcd);
	wr16(ip + 6, 0x4000); /* DF */
	ip[8] = 57;
	ip[9] = 17;
	memcpy(ip + 12, IP4_CLIENT, 4);
	memcpy(ip + 16, dst, 4);
	for (uint32_t i = 0; i < optlen; i++)
		ip[20 + i] = 1; /* NOP options */
	wr16(ip + 10, ref_fold(ref_sum(ip, ihl, 0)));
	uint8_t *udp = ip + ihl;

	wr16(udp, 40000);
	wr16(udp + 2, dport);
	wr16(udp + 4, ulen);
	memcpy(udp + 8, DNS_QUERY, sizeof(DNS_QUERY));
	wr16(udp + 6, ref_l4_check(ip + 12, ip + 16, 4, 17, udp, ulen));
	return o + ihl + ulen;
}

static uint32_t mk_udp6(uint8_t *f, bool vlan, const uint8_t dst[16], uint16_t dport)
{
	uint32_t o = 12;
	uint16_t ulen = (uint16_t)(8 + sizeof(DNS_QUERY));

	memset(f, 0, 256);
	memcpy(f, MAC_SERVER, 6);
	memcpy(f + 6, MAC_CLIENT, 6);
	if (vlan) {
		wr16(f + o, 0x8100);
		wr16(f + o + 2, 7);
		o += 4;
	}
	wr16(f + o, 0x86dd);
	o += 2;
	uint8_t *ip = f + o;

	ip[0] = 0x60;
	wr16(ip + 4, ulen);
	ip[6] = 17;
	ip[7] = 64;
	memcpy(ip + 8, IP6_CLIENT, 16);
	memcpy(ip + 24, dst, 16);
	uint8_t *udp = ip + 40;

	wr16(udp, 40001);
	wr16(udp + 2, dport);
	wr16(udp + 4, ulen);
	memcpy(udp + 8, DNS_QUERY, sizeof(DNS_QUERY));
	wr16(udp + 6, ref_l4_check(ip + 8, ip + 24, 16, 17, udp, ulen));
	return o + 40 + ulen;
}

/* RFC 1071 §3 numeric example: words 0001 f203 f4f5 f6f7 sum to ddf2. */
static void test_csum_rfc1071_example(void **state)
{
	static const uint8_t d[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t c = dnsp_l2_csum_fold(dnsp_l2_csum_partial(d, 8, 0));
	uint8_t b[2];

	(void)state;
	memcpy(b, &c, 2);
	assert_int_equal(rd16(b), 0x220d); /* ~0xddf2 */
	/* Odd lengths and every split give the reference result. */
	uint8_t big[101];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof(big); n++) {
		c = dnsp_l2_csum_fold(dnsp_l2_csum_partial(big, n, 0));
		memcpy(b, &c, 2);
		assert_int_equal(rd16(b), ref_fold(ref_sum(big, n, 0)));
	}
}

static void test_classify_udp4_to_listener_is_dns(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp4(f, false, 0, IP4_SERVER, 53);

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	assert_int_equal(k.family, 4);
	assert_int_equal(k.listener, 0);
	assert_int_equal(k.l3_off, 14);
	assert_int_equal(k.l4_off, 34);
	assert_int_equal(k.payload_off, 42);
	assert_int_equal(k.payload_len, sizeof(DNS_QUERY));
	assert_int_equal(k.src_port, 40000);
	assert_int_equal(k.dst_port, 53);
	assert_false(k.vlan);

	struct dnsp_pkt p;

	dnsp_l2_to_pipeline(f, 2048, &k, &p);
	assert_ptr_equal(p.buf, f + 42);
	assert_int_equal(p.len, sizeof(DNS_QUERY));
	assert_int_equal(p.cap, 2048 - 42);
	assert_int_equal(p.family, 4);
	assert_int_equal(p.src_port, 40000);
	assert_memory_equal(p.src, IP4_CLIENT, 4);
	assert_false(p.tcp);
}

/* Ethernet padding (frames shorter than 60 bytes are padded): lengths come
 * from the IP header, not the frame. */
static void test_classify_uses_ip_length_not_frame_padding(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp4(f, false, 0, IP4_SERVER, 53);

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n + 20, listeners, 3, &k), DNSP_L2_DNS);
	assert_int_equal(k.payload_len, sizeof(DNS_QUERY));
}

static void test_classify_udp6_to_listener_is_dns(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp6(f, false, IP6_SERVER, 53);

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	assert_int_equal(k.family, 6);
	assert_int_equal(k.listener, 1);
	assert_int_equal(k.l4_off, 54);
	assert_int_equal(k.payload_off, 62);
	assert_int_equal(k.src_port, 40001);
}

/* IEEE 802.1Q: one tag between the MACs and the EtherType. */
static void test_classify_vlan_tagged_is_dns(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp4(f, true, 0, IP4_SERVER, 53);

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	assert_true(k.vlan);
	assert_int_equal(k.vlan_tci, 0x2007);
	assert_int_equal(k.l3_off, 18);
	n = mk_udp6(f, true, IP6_SERVER, 53);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	assert_int_equal(k.l3_off, 18);
}

static void test_classify_wildcard_listener_matches_any_address(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	static const uint8_t other[4] = { 198, 18, 9, 9 };
	uint32_t n = mk_udp4(f, false, 0, other, 5300);

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	assert_int_equal(k.listener, 2);
}

static void test_classify_other_port_or_address_is_other(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	static const uint8_t other[4] = { 198, 18, 0, 3 };
	static const uint8_t other6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 3 };
	uint32_t n;

	(void)state;
	n = mk_udp4(f, false, 0, IP4_SERVER, 54);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
	n = mk_udp4(f, false, 0, other, 53);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
	n = mk_udp6(f, false, other6, 53);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
	n = mk_udp6(f, false, IP6_SERVER, 5300);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
	/* port 0 is nobody's (found by fuzz_l2: it once matched any port) */
	n = mk_udp4(f, false, 0, IP4_SERVER, 0);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
	n = mk_udp6(f, false, IP6_SERVER, 0);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
}

static void test_classify_tcp_is_other(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp4(f, false, 0, IP4_SERVER, 53);

	(void)state;
	f[14 + 9] = 6; /* protocol TCP (checksum not fixed: never looked at) */
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
	n = mk_udp6(f, false, IP6_SERVER, 53);
	f[14 + 6] = 6;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
}

/* Fragments are reassembled by the kernel (RFC 791 §3.2): MF or offset. */
static void test_classify_ipv4_fragment_is_other(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp4(f, false, 0, IP4_SERVER, 53);
	uint8_t *ip = f + 14;

	(void)state;
	wr16(ip + 6, 0x2000); /* MF */
	wr16(ip + 10, 0);
	wr16(ip + 10, ref_fold(ref_sum(ip, 20, 0)));
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
	wr16(ip + 6, 0x0001); /* offset 8 */
	wr16(ip + 10, 0);
	wr16(ip + 10, ref_fold(ref_sum(ip, 20, 0)));
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
}

/* Every truncation of a valid frame is safe and never classified DNS. */
static void test_classify_truncated_frames_never_dns(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t full;

	(void)state;
	for (int v = 0; v < 4; v++) {
		full = (v & 2) ? mk_udp6(f, v & 1, IP6_SERVER, 53)
			       : mk_udp4(f, v & 1, 0, IP4_SERVER, 53);
		for (uint32_t n = 0; n < full; n++) {
			enum dnsp_l2_kind r = dnsp_l2_classify(f, n, listeners, 3, &k);

			assert_true(r == DNSP_L2_OTHER || r == DNSP_L2_MALFORMED);
		}
		assert_int_equal(dnsp_l2_classify(f, full, listeners, 3, &k), DNSP_L2_DNS);
	}
}

static void test_classify_bad_lengths_are_malformed(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n;
	uint8_t *ip = f + 14;

	(void)state;
	/* UDP length larger than the IP payload */
	n = mk_udp4(f, false, 0, IP4_SERVER, 53);
	wr16(ip + 20 + 4, 200);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
	/* UDP length below the header size */
	wr16(ip + 20 + 4, 7);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
	/* IPv4 total length beyond the frame (checksum fixed up) */
	n = mk_udp4(f, false, 0, IP4_SERVER, 53);
	wr16(ip + 2, 1400);
	wr16(ip + 10, 0);
	wr16(ip + 10, ref_fold(ref_sum(ip, 20, 0)));
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
	/* IPv6 payload length beyond the frame */
	n = mk_udp6(f, false, IP6_SERVER, 53);
	wr16(ip + 4, 1400);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
}

/* RFC 791: a datagram with a bad header checksum is discarded. */
static void test_classify_bad_ipv4_checksum_is_malformed(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp4(f, false, 0, IP4_SERVER, 53);

	(void)state;
	f[14 + 10] ^= 0x55;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
}

/* RFC 8200 §8.1: IPv6 UDP with a zero checksum is discarded. */
static void test_classify_ipv6_zero_udp_checksum_is_malformed(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp6(f, false, IP6_SERVER, 53);

	(void)state;
	wr16(f + 14 + 40 + 6, 0);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
}

/* A reply to a broadcast/multicast source or port 0 is never sent. */
static void test_classify_unanswerable_source_is_malformed(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp4(f, false, 0, IP4_SERVER, 53);
	uint8_t *ip = f + 14;

	(void)state;
	wr16(ip + 20, 0); /* source port 0 */
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
	n = mk_udp4(f, false, 0, IP4_SERVER, 53);
	ip[12] = 224;
	wr16(ip + 10, 0);
	wr16(ip + 10, ref_fold(ref_sum(ip, 20, 0)));
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
}

/* l2.h: an IPv6 query from the unspecified address has nobody to answer
 * (RFC 4291 §2.5.2); a multicast IPv6 source neither. */
static void test_classify_unspecified_ipv6_source_is_malformed(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp6(f, false, IP6_SERVER, 53);
	uint8_t *ip = f + 14;

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	memset(ip + 8, 0, 16); /* :: (the UDP checksum is not checked here) */
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
	n = mk_udp6(f, false, IP6_SERVER, 53);
	ip[8] = 0xff;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
}

/* l2.h: a group destination reaching a wildcard listener under a unicast
 * MAC is MALFORMED: its reply would leave from a multicast or broadcast
 * address. */
static void test_classify_group_destination_for_wildcard_is_malformed(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	static const uint8_t mcast4[4] = { 224, 0, 0, 251 };
	static const uint8_t bcast4[4] = { 255, 255, 255, 255 };
	static const uint8_t mcast6[16] = { 0xff, 0x02, [15] = 1 };
	struct dnsp_dp_listener any6 = { .family = 6, .port = 53 }; /* [::]:53 */
	uint32_t n;

	(void)state;
	n = mk_udp4(f, false, 0, mcast4, 5300);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
	n = mk_udp4(f, false, 0, bcast4, 5300);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
	n = mk_udp6(f, false, mcast6, 53);
	assert_int_equal(dnsp_l2_classify(f, n, &any6, 1, &k), DNSP_L2_MALFORMED);
	n = mk_udp6(f, false, IP6_SERVER, 53); /* the same wildcard, unicast: fine */
	assert_int_equal(dnsp_l2_classify(f, n, &any6, 1, &k), DNSP_L2_DNS);
}

/* l2.h dnsp_l2_punt_client: the punted query's return path is the client's
 * (address, port) and the address it was sent to, IPv4 and IPv6, tagged. */
static void test_punt_client_is_the_frames_return_path(void **state)
{
	uint8_t f[256];
	struct dnsp_l2_pkt k;
	struct dnsp_punt_client c;
	static const uint8_t zero[12];
	uint32_t n = mk_udp4(f, true, 4, IP4_SERVER, 53);

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	memset(&c, 0xa5, sizeof(c));
	dnsp_l2_punt_client(f, &k, &c);
	assert_int_equal(c.reply, DNSP_REPLY_WORKER);
	assert_int_equal(c.family, 4);
	assert_false(c.tcp);
	assert_true(c.has_local);
	assert_int_equal(c.port, 40000);
	assert_int_equal(c.listener, 0);
	assert_int_equal(c.fd, -1);
	assert_int_equal(c.cookie, 0);
	assert_int_equal(c.max_reply, 0);
	assert_memory_equal(c.addr, IP4_CLIENT, 4);
	assert_memory_equal(c.addr + 4, zero, 12);
	assert_memory_equal(c.local, IP4_SERVER, 4);
	assert_memory_equal(c.local + 4, zero, 12);
	n = mk_udp6(f, false, IP6_SERVER, 53);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	dnsp_l2_punt_client(f, &k, &c);
	assert_int_equal(c.family, 6);
	assert_int_equal(c.port, 40001);
	assert_int_equal(c.listener, 1);
	assert_memory_equal(c.addr, IP6_CLIENT, 16);
	assert_memory_equal(c.local, IP6_SERVER, 16);
}

static void check_reply4(const uint8_t *f, uint32_t len, uint32_t l3, bool csum)
{
	const uint8_t *ip = f + l3;
	const uint8_t *udp = ip + 20;

	assert_memory_equal(f, MAC_CLIENT, 6);
	assert_memory_equal(f + 6, MAC_SERVER, 6);
	assert_int_equal(ip[0], 0x45);
	assert_memory_equal(ip + 12, IP4_SERVER, 4);
	assert_memory_equal(ip + 16, IP4_CLIENT, 4);
	assert_int_equal(rd16(ip + 2), len - l3);
	assert_int_equal(rd16(ip + 6), 0);
	assert_int_equal(ip[8], DNSP_L2_TTL);
	assert_int_equal(ref_fold(ref_sum(ip, 20, 0)), 0);
	assert_int_equal(rd16(udp), 53);
	assert_int_equal(rd16(udp + 2), 40000);
	assert_int_equal(rd16(udp + 4), len - l3 - 20);
	if (csum)
		assert_int_equal(ref_l4_check(ip + 12, ip + 16, 4, 17, udp, rd16(udp + 4)), 0);
	else
		assert_int_equal(rd16(udp + 6), 0);
}

/* RFC 768 / RFC 791: addresses and ports swapped, lengths and checksums. */
static void test_build_udp4_reply_swaps_and_checksums(void **state)
{
	uint8_t f[2048];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp4(f, false, 0, IP4_SERVER, 53);
	int r;

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	/* The pipeline wrote a longer answer at payload_off. */
	memset(f + k.payload_off + sizeof(DNS_QUERY), 0xab, 100);
	f[k.payload_off + 2] |= 0x80;
	r = dnsp_l2_build_udp_reply(f, sizeof(f), &k, sizeof(DNS_QUERY) + 100, true);
	assert_int_equal(r, 42 + sizeof(DNS_QUERY) + 100);
	check_reply4(f, (uint32_t)r, 14, true);

	n = mk_udp4(f, true, 0, IP4_SERVER, 53);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	r = dnsp_l2_build_udp_reply(f, sizeof(f), &k, sizeof(DNS_QUERY), false);
	assert_int_equal(r, 46 + sizeof(DNS_QUERY));
	assert_int_equal(rd16(f + 12), 0x8100); /* tag kept */
	assert_int_equal(rd16(f + 14), 0x2007);
	check_reply4(f, (uint32_t)r, 18, false);
}

static void test_build_udp4_reply_drops_ip_options(void **state)
{
	uint8_t f[2048];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp4(f, false, 8, IP4_SERVER, 53);
	int r;

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	assert_int_equal(k.l4_off, 42);
	r = dnsp_l2_build_udp_reply(f, sizeof(f), &k, sizeof(DNS_QUERY), true);
	assert_int_equal(r, 42 + sizeof(DNS_QUERY));
	check_reply4(f, (uint32_t)r, 14, true);
	assert_memory_equal(f + 42, DNS_QUERY, sizeof(DNS_QUERY));
}

/* RFC 8200 §8.1: the UDP checksum is mandatory over IPv6. */
static void test_build_udp6_reply_has_checksum(void **state)
{
	uint8_t f[2048];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp6(f, true, IP6_SERVER, 53);
	int r;
	const uint8_t *ip = f + 18, *udp = f + 58;

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	r = dnsp_l2_build_udp_reply(f, sizeof(f), &k, 300, false);
	assert_int_equal(r, 58 + 8 + 300);
	assert_memory_equal(f, MAC_CLIENT, 6);
	assert_memory_equal(ip + 8, IP6_SERVER, 16);
	assert_memory_equal(ip + 24, IP6_CLIENT, 16);
	assert_int_equal(rd16(ip + 4), 308);
	assert_int_equal(ip[7], DNSP_L2_TTL);
	assert_int_equal(rd16(udp), 53);
	assert_int_equal(rd16(udp + 2), 40001);
	assert_int_equal(rd16(udp + 4), 308);
	assert_int_not_equal(rd16(udp + 6), 0);
	assert_int_equal(ref_l4_check(ip + 8, ip + 24, 16, 17, udp, 308), 0);
}

static void test_build_udp_reply_bounded_by_frame_cap(void **state)
{
	uint8_t f[2048];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_udp4(f, false, 0, IP4_SERVER, 53);

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_DNS);
	assert_int_equal(dnsp_l2_build_udp_reply(f, 100, &k, 59, true), DNSP_ENOSPACE);
	assert_int_equal(dnsp_l2_build_udp_reply(f, sizeof(f), &k, 70000, true), -EINVAL);
	assert_int_equal(dnsp_l2_build_udp_reply(f, 100, &k, 58, true), 100);
}

static uint32_t mk_arp(uint8_t *f, uint16_t op, const uint8_t spa[4], const uint8_t tpa[4])
{
	memset(f, 0, 128);
	memset(f, 0xff, 6);
	memcpy(f + 6, MAC_CLIENT, 6);
	wr16(f + 12, 0x0806);
	uint8_t *a = f + 14;

	wr16(a, 1);
	wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, MAC_CLIENT, 6);
	memcpy(a + 14, spa, 4);
	memcpy(a + 24, tpa, 4);
	return 60; /* padded minimum frame */
}

/* RFC 826: answer requests for our protocol address with our hardware one. */
static void test_arp_request_for_listener_gets_reply(void **state)
{
	uint8_t f[128];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_arp(f, 1, IP4_CLIENT, IP4_SERVER);
	const uint8_t *a = f + 14;
	int r;

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_ARP_REQUEST);
	assert_int_equal(k.listener, 0);
	r = dnsp_l2_build_arp_reply(f, sizeof(f), &k, MAC_SERVER);
	assert_int_equal(r, 42);
	assert_memory_equal(f, MAC_CLIENT, 6);
	assert_memory_equal(f + 6, MAC_SERVER, 6);
	assert_int_equal(rd16(f + 12), 0x0806);
	assert_int_equal(rd16(a + 6), 2);
	assert_memory_equal(a + 8, MAC_SERVER, 6);
	assert_memory_equal(a + 14, IP4_SERVER, 4);
	assert_memory_equal(a + 18, MAC_CLIENT, 6);
	assert_memory_equal(a + 24, IP4_CLIENT, 4);
}

static void test_arp_not_for_listener_or_not_request_is_other(void **state)
{
	uint8_t f[128];
	struct dnsp_l2_pkt k;
	static const uint8_t other[4] = { 198, 18, 0, 3 };

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, mk_arp(f, 1, IP4_CLIENT, other), listeners, 3, &k),
			 DNSP_L2_OTHER);
	assert_int_equal(dnsp_l2_classify(f, mk_arp(f, 2, IP4_CLIENT, IP4_SERVER), listeners, 3,
					  &k), DNSP_L2_OTHER);
	/* gratuitous announcement: sender == target */
	assert_int_equal(dnsp_l2_classify(f, mk_arp(f, 1, IP4_SERVER, IP4_SERVER), listeners, 3,
					  &k), DNSP_L2_OTHER);
	assert_int_equal(dnsp_l2_classify(f, 41, listeners, 3, &k), DNSP_L2_OTHER);
}

/* Neighbour solicitation for a target, from src, with an SLLA option. */
static uint32_t mk_ns(uint8_t *f, const uint8_t src[16], const uint8_t target[16], bool slla)
{
	uint32_t ilen = slla ? 32 : 24;

	memset(f, 0, 128);
	f[0] = 0x33;
	f[1] = 0x33;
	f[2] = 0xff;
	f[3] = target[13];
	f[4] = target[14];
	f[5] = target[15];
	memcpy(f + 6, MAC_CLIENT, 6);
	wr16(f + 12, 0x86dd);
	uint8_t *ip = f + 14, *ic = f + 54;

	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)ilen);
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	ip[24] = 0xff; /* solicited-node multicast ff02::1:ffXX:XXXX */
	ip[25] = 0x02;
	ip[35] = 1;
	ip[36] = 0xff;
	memcpy(ip + 37, target + 13, 3);
	ic[0] = 135;
	memcpy(ic + 8, target, 16);
	if (slla) {
		ic[24] = 1;
		ic[25] = 1;
		memcpy(ic + 26, MAC_CLIENT, 6);
	}
	wr16(ic + 2, ref_l4_check(ip + 8, ip + 24, 16, 58, ic, ilen));
	return 54 + ilen;
}

/* RFC 4861 §7.2.4: solicited advertisement to the solicitor, S and O set. */
static void test_neigh_solicit_for_listener_gets_advert(void **state)
{
	uint8_t f[128];
	struct dnsp_l2_pkt k;
	uint32_t n = mk_ns(f, IP6_CLIENT, IP6_SERVER, true);
	const uint8_t *ip = f + 14, *ic = f + 54;
	int r;

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_NEIGH_SOLICIT);
	assert_int_equal(k.listener, 1);
	r = dnsp_l2_build_neigh_advert(f, sizeof(f), &k, MAC_SERVER);
	assert_int_equal(r, 54 + 32);
	assert_memory_equal(f, MAC_CLIENT, 6);
	assert_memory_equal(f + 6, MAC_SERVER, 6);
	assert_int_equal(ip[7], 255);
	assert_int_equal(rd16(ip + 4), 32);
	assert_memory_equal(ip + 8, IP6_SERVER, 16);
	assert_memory_equal(ip + 24, IP6_CLIENT, 16);
	assert_int_equal(ic[0], 136);
	assert_int_equal(ic[4], 0x60);
	assert_memory_equal(ic + 8, IP6_SERVER, 16);
	assert_int_equal(ic[24], 2);
	assert_int_equal(ic[25], 1);
	assert_memory_equal(ic + 26, MAC_SERVER, 6);
	assert_int_equal(ref_l4_check(ip + 8, ip + 24, 16, 58, ic, 32), 0);
}

/* RFC 4861 §7.2.4: a DAD probe (source ::) is answered to all-nodes, S clear. */
static void test_neigh_solicit_dad_advert_to_all_nodes(void **state)
{
	uint8_t f[128];
	struct dnsp_l2_pkt k;
	static const uint8_t unspec[16] = { 0 };
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	uint32_t n = mk_ns(f, unspec, IP6_SERVER, false);
	const uint8_t *ip = f + 14, *ic = f + 54;
	int r;

	(void)state;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_NEIGH_SOLICIT);
	r = dnsp_l2_build_neigh_advert(f, sizeof(f), &k, MAC_SERVER);
	assert_int_equal(r, 86);
	assert_int_equal(f[0], 0x33);
	assert_int_equal(f[5], 0x01);
	assert_memory_equal(ip + 24, all_nodes, 16);
	assert_int_equal(ic[4], 0x20);
	assert_int_equal(ref_l4_check(ip + 8, ip + 24, 16, 58, ic, 32), 0);
}

/* RFC 4861 §7.1.1: hop limit must be 255; checksum must be valid. */
static void test_neigh_solicit_invalid_is_rejected(void **state)
{
	uint8_t f[128];
	struct dnsp_l2_pkt k;
	static const uint8_t other[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };
	uint32_t n;

	(void)state;
	n = mk_ns(f, IP6_CLIENT, IP6_SERVER, true);
	f[14 + 7] = 64;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
	n = mk_ns(f, IP6_CLIENT, IP6_SERVER, true);
	f[54 + 30] ^= 1;
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
	n = mk_ns(f, IP6_CLIENT, other, true);
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_OTHER);
	/* zero-length option (§7.1.1: all included options have length > 0) */
	n = mk_ns(f, IP6_CLIENT, IP6_SERVER, true);
	f[54 + 25] = 0;
	wr16(f + 54 + 2, 0);
	wr16(f + 54 + 2, ref_l4_check(f + 22, f + 38, 16, 58, f + 54, 32));
	assert_int_equal(dnsp_l2_classify(f, n, listeners, 3, &k), DNSP_L2_MALFORMED);
	for (uint32_t t = 0; t < n; t++) {
		n = mk_ns(f, IP6_CLIENT, IP6_SERVER, true);
		assert_int_not_equal(dnsp_l2_classify(f, t, listeners, 3, &k),
				     DNSP_L2_NEIGH_SOLICIT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071_example),
		cmocka_unit_test_setup(test_classify_udp4_to_listener_is_dns, setup),
		cmocka_unit_test_setup(test_classify_uses_ip_length_not_frame_padding, setup),
		cmocka_unit_test_setup(test_classify_udp6_to_listener_is_dns, setup),
		cmocka_unit_test_setup(test_classify_vlan_tagged_is_dns, setup),
		cmocka_unit_test_setup(test_classify_wildcard_listener_matches_any_address, setup),
		cmocka_unit_test_setup(test_classify_other_port_or_address_is_other, setup),
		cmocka_unit_test_setup(test_classify_tcp_is_other, setup),
		cmocka_unit_test_setup(test_classify_ipv4_fragment_is_other, setup),
		cmocka_unit_test_setup(test_classify_truncated_frames_never_dns, setup),
		cmocka_unit_test_setup(test_classify_bad_lengths_are_malformed, setup),
		cmocka_unit_test_setup(test_classify_bad_ipv4_checksum_is_malformed, setup),
		cmocka_unit_test_setup(test_classify_ipv6_zero_udp_checksum_is_malformed, setup),
		cmocka_unit_test_setup(test_classify_unanswerable_source_is_malformed, setup),
		cmocka_unit_test_setup(test_classify_unspecified_ipv6_source_is_malformed, setup),
		cmocka_unit_test_setup(test_punt_client_is_the_frames_return_path, setup),
		cmocka_unit_test_setup(test_classify_group_destination_for_wildcard_is_malformed,
				       setup),
		cmocka_unit_test_setup(test_build_udp4_reply_swaps_and_checksums, setup),
		cmocka_unit_test_setup(test_build_udp4_reply_drops_ip_options, setup),
		cmocka_unit_test_setup(test_build_udp6_reply_has_checksum, setup),
		cmocka_unit_test_setup(test_build_udp_reply_bounded_by_frame_cap, setup),
		cmocka_unit_test_setup(test_arp_request_for_listener_gets_reply, setup),
		cmocka_unit_test_setup(test_arp_not_for_listener_or_not_request_is_other, setup),
		cmocka_unit_test_setup(test_neigh_solicit_for_listener_gets_advert, setup),
		cmocka_unit_test_setup(test_neigh_solicit_dad_advert_to_all_nodes, setup),
		cmocka_unit_test_setup(test_neigh_solicit_invalid_is_rejected, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
