/*
 * Fuzz target for the kernel-bypass framing (dataplane/l2.c): any input is
 * an Ethernet frame, classified against a fixed listener table (IPv4,
 * IPv6 and a wildcard). Whatever is classified must have in-bounds offsets;
 * DNS frames are turned into replies (with a reply length chosen by the
 * input) and the reply must classify again as DNS for the client, with the
 * lengths it was built with and valid checksums; ARP requests and neighbour
 * solicitations are turned into their replies, and an advertisement must
 * carry a valid ICMPv6 checksum. Invariant violations trap so libFuzzer
 * (and the corpus replay under meson test) report them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "dataplane/l2.h"
#include "lib/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define CAP 2048

static uint8_t frame[CAP];

static void listeners_init(struct dnsp_dp_listener *ls)
{
	static const uint8_t v4[4] = { 198, 18, 0, 2 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	memset(ls, 0, 3 * sizeof(*ls));
	ls[0].family = 4;
	memcpy(ls[0].addr, v4, 4);
	ls[0].port = 53;
	ls[1].family = 6;
	memcpy(ls[1].addr, v6, 16);
	ls[1].port = 53;
	ls[2].family = 4; /* wildcard */
	ls[2].port = 5300;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsp_dp_listener ls[3];
	struct dnsp_l2_pkt k, r;
	size_t n = size < CAP ? size : CAP;

	listeners_init(ls);
	memcpy(frame, data, n);
	enum dnsp_l2_kind kind = dnsp_l2_classify(frame, (uint32_t)n, ls, 3, &k);

	switch (kind) {
	case DNSP_L2_DNS: {
		CHECK(k.payload_off >= k.l4_off + 8 && k.l4_off > k.l3_off);
		CHECK((size_t)k.payload_off + k.payload_len <= n);
		CHECK(k.listener < 3 && (k.family == 4 || k.family == 6));
		struct dnsp_pkt p;

		dnsp_l2_to_pipeline(frame, CAP, &k, &p);
		CHECK(p.buf == frame + k.payload_off && p.len == k.payload_len);
		CHECK(p.cap == CAP - k.payload_off && p.src_port == k.src_port);
		/* reply length from the input's last byte: 0..cap */
		uint32_t dns_len = size ? (uint32_t)data[size - 1] * 7u : 0;

		if (dns_len > p.cap)
			dns_len = p.cap;
		/* A reply the client side would refuse: to a group MAC, or (wildcard
		 * listener) from an address no unicast reply may come from. */
		const uint8_t *dst = frame + k.src_addr_off + (k.family == 4 ? 4 : 16);
		bool odd = (frame[6] & 1) ||
			   (k.family == 4 && (dst[0] == 0 || (dst[0] & 0xf0) == 0xe0 ||
					      (dst[0] == 255 && dst[1] == 255 && dst[2] == 255 &&
					       dst[3] == 255)));
		int len = dnsp_l2_build_udp_reply(frame, CAP, &k, dns_len, size & 1);

		CHECK(len > 0 && (uint32_t)len <= CAP);
		/* The reply, seen from the client: DNS to (client addr, port). */
		struct dnsp_dp_listener cl;

		memset(&cl, 0, sizeof(cl));
		cl.family = k.family;
		memcpy(cl.addr, p.src, 16);
		cl.port = k.src_port;
		if (!odd) {
			CHECK(dnsp_l2_classify(frame, (uint32_t)len, &cl, 1, &r) == DNSP_L2_DNS);
			CHECK(r.payload_len == dns_len && r.src_port == k.dst_port);
			CHECK((uint32_t)r.payload_off + dns_len == (uint32_t)len);
		}
		break;
	}
	case DNSP_L2_ARP_REQUEST: {
		static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 2 };
		int len = dnsp_l2_build_arp_reply(frame, CAP, &k, mac);

		CHECK(len == k.l3_off + DNSP_L2_ARP_LEN);
		CHECK(rd16(frame + k.l3_off + 6) == 2);
		break;
	}
	case DNSP_L2_NEIGH_SOLICIT: {
		static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 2 };
		int len = dnsp_l2_build_neigh_advert(frame, CAP, &k, mac);

		CHECK(len == k.l4_off + DNSP_L2_NA_LEN);
		const uint8_t *ip = frame + k.l3_off, *ic = frame + k.l4_off;
		uint8_t tail[8] = { 0, 0, 0, DNSP_L2_NA_LEN, 0, 0, 0, 58 };
		uint64_t s = dnsp_l2_csum_partial(ip + 8, 32, 0);

		s = dnsp_l2_csum_partial(tail, 8, s);
		CHECK(dnsp_l2_csum_fold(dnsp_l2_csum_partial(ic, DNSP_L2_NA_LEN, s)) == 0);
		CHECK(ic[0] == 136 && ip[7] == 255);
		break;
	}
	case DNSP_L2_MALFORMED:
	case DNSP_L2_OTHER:
		break;
	}
	return 0;
}
