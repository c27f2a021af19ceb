/*
 * Ethernet/VLAN/IPv4/IPv6/UDP/ARP/NDP framing for the kernel-bypass back ends
 * (contract in l2.h). Shaped for the fast path: one pass over the headers
 * with a bounds check before every read, unaligned loads through memcpy
 * (frames sit at arbitrary offsets in UMEM/mbufs), and replies built by
 * rewriting the query frame where it lies, so a DNS answer costs one header
 * rewrite plus one checksum pass over the message. The listener table is
 * scanned linearly: it holds a handful of entries (at most
 * DNSP_STATS_LISTENERS are counted), which beats hashing at that size.
 */
#include <arpa/inet.h>
#include <string.h>

#include "l2.h"
#include "lib/pipeline.h"
#include "lib/punt.h"

#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58
#define ICMP6_NS 135
#define ICMP6_NA 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

uint64_t dnsp_l2_csum_partial(const void *data, size_t len, uint64_t sum)
{
	const uint8_t *p = data;

	/* One's-complement sums are byte-order independent (RFC 1071 §2(B)):
	 * add native 32-bit words into 64 bits, fold at the end. */
	while (len >= 16) {
		uint32_t w[4];

		memcpy(w, p, 16);
		sum += (uint64_t)w[0] + w[1] + w[2] + w[3];
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		sum += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t b[2] = { p[0], 0 }; /* pad the odd byte with zero */
		uint16_t w;

		memcpy(&w, b, 2);
		sum += w;
	}
	return sum;
}

uint16_t dnsp_l2_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Pseudo-header sum for UDP/ICMPv6 (RFC 768, RFC 8200 §8.1): addresses,
 * protocol and upper-layer length, added as they appear on the wire. */
static uint64_t pseudo_sum(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
			   uint32_t l4_len)
{
	uint8_t tail[8] = { 0 };
	uint64_t sum;

	sum = dnsp_l2_csum_partial(src, alen, 0);
	sum = dnsp_l2_csum_partial(dst, alen, sum);
	tail[0] = (uint8_t)(l4_len >> 24);
	tail[1] = (uint8_t)(l4_len >> 16);
	tail[2] = (uint8_t)(l4_len >> 8);
	tail[3] = (uint8_t)l4_len;
	tail[7] = proto;
	return dnsp_l2_csum_partial(tail, 8, sum);
}

static bool zero_addr(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

int dnsp_l2_find_listener(const struct dnsp_dp_listener *ls, uint32_t n, int family,
			  const uint8_t *addr, uint32_t port_or_0)
{
	size_t alen = family == 4 ? 4 : 16;
	int wild = -1;

	for (uint32_t i = 0; i < n && i < 0xffff; i++) {
		if (ls[i].family != family)
			continue;
		if (port_or_0 && ls[i].port != port_or_0)
			continue;
		if (memcmp(ls[i].addr, addr, alen) == 0)
			return (int)i;
		if (port_or_0 && wild < 0 && zero_addr(ls[i].addr, alen))
			wild = (int)i;
	}
	return wild;
}

static bool bad_source4(const uint8_t *s)
{
	/* multicast 224/4, limited broadcast, "this network" 0/8 */
	return (s[0] & 0xf0) == 0xe0 || s[0] == 0 ||
	       (s[0] == 255 && s[1] == 255 && s[2] == 255 && s[3] == 255);
}

/* A group destination (multicast 224/4, limited broadcast) reaches a
 * wildcard listener through a unicast MAC only if crafted; the reply would
 * leave from that group address, which no host may use as a source. */
static bool group_dest4(const uint8_t *d)
{
	return (d[0] & 0xf0) == 0xe0 ||
	       (d[0] == 255 && d[1] == 255 && d[2] == 255 && d[3] == 255);
}

static enum dnsp_l2_kind classify_udp(const uint8_t *frame, uint32_t l4, uint32_t ip_end,
				      struct dnsp_l2_pkt *out)
{
	uint16_t ulen;

	if (ip_end < l4 + DNSP_L2_UDP_LEN)
		return DNSP_L2_MALFORMED;
	ulen = rd16(frame + l4 + 4);
	if (ulen < DNSP_L2_UDP_LEN || ulen > ip_end - l4)
		return DNSP_L2_MALFORMED;
	out->l4_off = (uint16_t)l4;
	out->payload_off = (uint16_t)(l4 + DNSP_L2_UDP_LEN);
	out->payload_len = (uint16_t)(ulen - DNSP_L2_UDP_LEN);
	out->src_port = rd16(frame + l4);
	if (out->src_port == 0)
		return DNSP_L2_MALFORMED; /* no way to answer port 0 */
	return DNSP_L2_DNS;
}

static enum dnsp_l2_kind classify_ip4(const uint8_t *frame, uint32_t len, uint32_t l3,
				      const struct dnsp_dp_listener *ls, uint32_t n,
				      struct dnsp_l2_pkt *out)
{
	const uint8_t *ip = frame + l3;
	uint32_t ihl, tot;
	int li;

	if (len < l3 + DNSP_L2_IP4_LEN || (ip[0] >> 4) != 4)
		return DNSP_L2_OTHER;
	if (ip[9] != IPPROTO_UDP_)
		return DNSP_L2_OTHER;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < DNSP_L2_IP4_LEN || len < l3 + ihl + DNSP_L2_UDP_LEN)
		return DNSP_L2_OTHER; /* cannot see the ports: not provably ours */
	/* Fragments (MF set or offset != 0) go to the kernel to reassemble;
	 * port 0 is no listener's (and would mean "any port" below). */
	if ((rd16(ip + 6) & 0x3fff) || rd16(ip + ihl + 2) == 0)
		return DNSP_L2_OTHER;
	li = dnsp_l2_find_listener(ls, n, 4, ip + 16, rd16(ip + ihl + 2));
	if (li < 0)
		return DNSP_L2_OTHER;
	out->l3_off = (uint16_t)l3;
	out->family = 4;
	out->listener = (uint16_t)li;
	out->dst_port = rd16(ip + ihl + 2);
	out->src_addr_off = (uint16_t)(l3 + 12);
	tot = rd16(ip + 2);
	if (tot < ihl + DNSP_L2_UDP_LEN || tot > len - l3)
		return DNSP_L2_MALFORMED;
	if (dnsp_l2_csum_fold(dnsp_l2_csum_partial(ip, ihl, 0)) != 0)
		return DNSP_L2_MALFORMED;
	if (bad_source4(ip + 12) || group_dest4(ip + 16))
		return DNSP_L2_MALFORMED;
	return classify_udp(frame, l3 + ihl, l3 + tot, out);
}

static enum dnsp_l2_kind classify_ns(const uint8_t *frame, uint32_t l3, uint32_t ip_end,
				     const struct dnsp_dp_listener *ls, uint32_t n,
				     struct dnsp_l2_pkt *out)
{
	const uint8_t *ip = frame + l3;
	uint32_t l4 = l3 + DNSP_L2_IP6_LEN;
	const uint8_t *ic = frame + l4;
	uint32_t ilen = ip_end - l4;
	int li;

	/* RFC 4861 §7.1.1 validity checks. */
	if (ilen < 24 || ic[0] != ICMP6_NS || ic[1] != 0 || ip[7] != 255)
		return DNSP_L2_OTHER;
	if (ic[8] == 0xff)
		return DNSP_L2_OTHER; /* multicast target */
	li = dnsp_l2_find_listener(ls, n, 6, ic + 8, 0);
	if (li < 0)
		return DNSP_L2_OTHER;
	if (dnsp_l2_csum_fold(pseudo_sum(ip + 8, ip + 24, 16, IPPROTO_ICMPV6_, ilen) +
			      dnsp_l2_csum_partial(ic, ilen, 0)) != 0)
		return DNSP_L2_MALFORMED;
	for (uint32_t o = 24; o < ilen;) { /* every option has a non-zero length */
		uint32_t olen;

		if (ilen - o < 2 || ic[o + 1] == 0)
			return DNSP_L2_MALFORMED;
		olen = (uint32_t)ic[o + 1] * 8;
		if (olen > ilen - o)
			return DNSP_L2_MALFORMED;
		o += olen;
	}
	out->l3_off = (uint16_t)l3;
	out->l4_off = (uint16_t)l4;
	out->payload_off = (uint16_t)(l4 + 24);
	out->payload_len = (uint16_t)(ilen - 24);
	out->family = 6;
	out->listener = (uint16_t)li;
	out->src_addr_off = (uint16_t)(l3 + 8);
	out->target_off = (uint16_t)(l4 + 8);
	return DNSP_L2_NEIGH_SOLICIT;
}

static enum dnsp_l2_kind classify_ip6(const uint8_t *frame, uint32_t len, uint32_t l3,
				      const struct dnsp_dp_listener *ls, uint32_t n,
				      struct dnsp_l2_pkt *out)
{
	const uint8_t *ip = frame + l3;
	uint32_t plen, l4 = l3 + DNSP_L2_IP6_LEN;
	int li;

	if (len < l4 || (ip[0] >> 4) != 6)
		return DNSP_L2_OTHER;
	plen = rd16(ip + 4);
	if (ip[6] == IPPROTO_ICMPV6_) {
		if (plen > len - l4)
			return DNSP_L2_OTHER;
		return classify_ns(frame, l3, l4 + plen, ls, n, out);
	}
	if (ip[6] != IPPROTO_UDP_ || len < l4 + DNSP_L2_UDP_LEN || rd16(frame + l4 + 2) == 0)
		return DNSP_L2_OTHER; /* extension headers: the kernel's; port 0: nobody's */
	li = dnsp_l2_find_listener(ls, n, 6, ip + 24, rd16(frame + l4 + 2));
	if (li < 0)
		return DNSP_L2_OTHER;
	out->l3_off = (uint16_t)l3;
	out->family = 6;
	out->listener = (uint16_t)li;
	out->dst_port = rd16(frame + l4 + 2);
	out->src_addr_off = (uint16_t)(l3 + 8);
	if (plen < DNSP_L2_UDP_LEN || plen > len - l4)
		return DNSP_L2_MALFORMED;
	/* Multicast or unspecified source: no reply can go there (RFC 4291
	 * §2.5.2, §2.7); multicast destination: it would be the reply's source. */
	if (ip[8] == 0xff || zero_addr(ip + 8, 16) || ip[24] == 0xff)
		return DNSP_L2_MALFORMED;
	if (rd16(frame + l4 + 6) == 0)
		return DNSP_L2_MALFORMED; /* RFC 8200 §8.1: zero checksum is invalid */
	return classify_udp(frame, l4, l4 + plen, out);
}

static enum dnsp_l2_kind classify_arp(const uint8_t *frame, uint32_t len, uint32_t l3,
				      const struct dnsp_dp_listener *ls, uint32_t n,
				      struct dnsp_l2_pkt *out)
{
	const uint8_t *a = frame + l3;
	int li;

	/* RFC 826: htype Ethernet, ptype IPv4, hlen 6, plen 4, op request. */
	if (len < l3 + DNSP_L2_ARP_LEN || rd16(a) != 1 || rd16(a + 2) != DNSP_L2_ETH_IP4 ||
	    a[4] != 6 || a[5] != 4 || rd16(a + 6) != 1)
		return DNSP_L2_OTHER;
	if (memcmp(a + 14, a + 24, 4) == 0)
		return DNSP_L2_OTHER; /* announcement (sender == target) */
	li = dnsp_l2_find_listener(ls, n, 4, a + 24, 0);
	if (li < 0)
		return DNSP_L2_OTHER;
	out->l3_off = (uint16_t)l3;
	out->family = 4;
	out->listener = (uint16_t)li;
	out->src_addr_off = (uint16_t)(l3 + 14);
	out->target_off = (uint16_t)(l3 + 24);
	return DNSP_L2_ARP_REQUEST;
}

enum dnsp_l2_kind dnsp_l2_classify(const uint8_t *frame, uint32_t len,
				   const struct dnsp_dp_listener *listeners, uint32_t n,
				   struct dnsp_l2_pkt *out)
{
	uint32_t l3 = DNSP_L2_ETH_LEN;
	uint16_t et;

	memset(out, 0, sizeof(*out));
	if (len > 0xffff)
		len = 0xffff; /* offsets are 16-bit; no Ethernet frame is larger */
	if (len < DNSP_L2_ETH_LEN)
		return DNSP_L2_OTHER;
	et = rd16(frame + 12);
	if (et == DNSP_L2_ETH_VLAN) {
		if (len < DNSP_L2_ETH_LEN + DNSP_L2_VLAN_LEN)
			return DNSP_L2_OTHER;
		out->vlan = true;
		out->vlan_tci = rd16(frame + 14);
		et = rd16(frame + 16);
		l3 += DNSP_L2_VLAN_LEN;
	}
	if (frame[0] & 1) {
		/* Group destination: only ARP requests and NS may be. */
		if (et != DNSP_L2_ETH_ARP && et != DNSP_L2_ETH_IP6)
			return DNSP_L2_OTHER;
	}
	enum dnsp_l2_kind k = DNSP_L2_OTHER;

	switch (et) {
	case DNSP_L2_ETH_IP4:
		k = classify_ip4(frame, len, l3, listeners, n, out);
		break;
	case DNSP_L2_ETH_IP6:
		k = classify_ip6(frame, len, l3, listeners, n, out);
		if (k == DNSP_L2_DNS && (frame[0] & 1))
			k = DNSP_L2_MALFORMED; /* DNS to a group MAC */
		break;
	case DNSP_L2_ETH_ARP:
		k = classify_arp(frame, len, l3, listeners, n, out);
		break;
	default:
		break;
	}
	if (k == DNSP_L2_OTHER) {
		bool vlan = out->vlan;
		uint16_t tci = out->vlan_tci;

		memset(out, 0, sizeof(*out));
		out->vlan = vlan;
		out->vlan_tci = tci;
	}
	return k;
}

void dnsp_l2_to_pipeline(uint8_t *frame, uint32_t frame_cap, const struct dnsp_l2_pkt *in,
			 struct dnsp_pkt *p)
{
	uint32_t cap = frame_cap > in->payload_off ? frame_cap - in->payload_off : 0;

	p->buf = frame + in->payload_off;
	p->len = in->payload_len;
	p->cap = (uint16_t)(cap > 0xffff ? 0xffff : cap);
	p->family = in->family;
	p->tcp = false;
	p->listener = in->listener;
	p->src_port = in->src_port;
	if (in->family == 4) {
		memcpy(p->src, frame + in->src_addr_off, 4);
		memset(p->src + 4, 0, 12);
	} else {
		memcpy(p->src, frame + in->src_addr_off, 16);
	}
}

void dnsp_l2_punt_client(const uint8_t *frame, const struct dnsp_l2_pkt *in,
			 struct dnsp_punt_client *c)
{
	size_t alen = in->family == 4 ? 4 : 16;
	/* the destination follows the source in both IP headers */
	uint32_t dst_off = (uint32_t)in->src_addr_off + (uint32_t)alen;

	memset(c, 0, sizeof(*c));
	c->reply = DNSP_REPLY_WORKER;
	c->family = in->family;
	c->tcp = false;
	c->has_local = true;
	c->port = in->src_port;
	c->listener = in->listener;
	c->fd = -1;
	memcpy(c->addr, frame + in->src_addr_off, alen);
	memcpy(c->local, frame + dst_off, alen);
}

int dnsp_l2_build_udp_reply(uint8_t *frame, uint32_t frame_cap, const struct dnsp_l2_pkt *in,
			    uint32_t dns_len, bool v4_udp_csum)
{
	uint32_t l3 = in->l3_off, l4, total;
	uint8_t *ip = frame + l3;
	uint8_t *udp;
	uint16_t ulen, c;

	if (dns_len > 0xffff - DNSP_L2_IP6_LEN - DNSP_L2_UDP_LEN)
		return -EINVAL;
	if ((uint32_t)in->payload_off + dns_len > frame_cap)
		return DNSP_ENOSPACE;
	swap_bytes(frame, frame + 6, 6);
	ulen = (uint16_t)(DNSP_L2_UDP_LEN + dns_len);
	if (in->family == 4) {
		l4 = l3 + DNSP_L2_IP4_LEN;
		if (in->l4_off != l4) {
			/* Options are the query's, not ours: drop them and move
			 * the UDP header and message down (rare path). */
			memmove(frame + l4, frame + in->l4_off, DNSP_L2_UDP_LEN + dns_len);
			ip[0] = 0x45;
		}
		swap_bytes(ip + 12, ip + 16, 4);
		wr16(ip + 2, (uint16_t)(DNSP_L2_IP4_LEN + ulen));
		wr16(ip + 6, 0);          /* no fragmentation fields */
		ip[8] = DNSP_L2_TTL;
		wr16(ip + 10, 0);
		c = dnsp_l2_csum_fold(dnsp_l2_csum_partial(ip, DNSP_L2_IP4_LEN, 0));
		memcpy(ip + 10, &c, 2);
	} else {
		l4 = in->l4_off;
		swap_bytes(ip + 8, ip + 24, 16);
		wr16(ip + 4, ulen);
		ip[7] = DNSP_L2_TTL;
	}
	udp = frame + l4;
	swap_bytes(udp, udp + 2, 2);
	wr16(udp + 4, ulen);
	wr16(udp + 6, 0);
	if (in->family == 6 || v4_udp_csum) {
		uint64_t s = in->family == 4
			? pseudo_sum(ip + 12, ip + 16, 4, IPPROTO_UDP_, ulen)
			: pseudo_sum(ip + 8, ip + 24, 16, IPPROTO_UDP_, ulen);

		c = dnsp_l2_csum_fold(dnsp_l2_csum_partial(udp, ulen, s));
		if (c == 0)
			c = 0xffff; /* RFC 768: a computed 0 is sent as all ones */
		memcpy(udp + 6, &c, 2);
	}
	total = l4 + ulen;
	return (int)total;
}

int dnsp_l2_build_arp_reply(uint8_t *frame, uint32_t frame_cap, const struct dnsp_l2_pkt *in,
			    const uint8_t mac[6])
{
	uint8_t *a = frame + in->l3_off;
	uint8_t tip[4];
	uint32_t total = (uint32_t)in->l3_off + DNSP_L2_ARP_LEN;

	if (total > frame_cap)
		return DNSP_ENOSPACE;
	memcpy(tip, a + 24, 4);
	memcpy(frame, a + 8, 6);        /* Ethernet to the requester's hardware address */
	memcpy(frame + 6, mac, 6);
	wr16(a + 6, 2);                 /* op: reply */
	memcpy(a + 18, a + 8, 10);      /* target := requester (hw + proto) */
	memcpy(a + 8, mac, 6);          /* sender := us */
	memcpy(a + 14, tip, 4);
	return (int)total;
}

int dnsp_l2_build_neigh_advert(uint8_t *frame, uint32_t frame_cap, const struct dnsp_l2_pkt *in,
			       const uint8_t mac[6])
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	uint8_t *ip = frame + in->l3_off;
	uint8_t *ic = frame + in->l4_off;
	uint32_t total = (uint32_t)in->l4_off + DNSP_L2_NA_LEN;
	uint8_t eth_dst[6], target[16];
	bool dad = zero_addr(ip + 8, 16);
	uint16_t c;

	if (total > frame_cap)
		return DNSP_ENOSPACE;
	memcpy(target, ic + 8, 16);
	memcpy(eth_dst, frame + 6, 6);
	for (uint32_t o = 24; o + 8 <= (uint32_t)in->payload_len + 24;) {
		/* Options were validated by classify: lengths non-zero and in bounds. */
		if (ic[o] == ND_OPT_SLLA && ic[o + 1] == 1)
			memcpy(eth_dst, ic + o + 2, 6);
		o += (uint32_t)ic[o + 1] * 8;
	}
	if (dad)
		memcpy(eth_dst, all_nodes_mac, 6);
	memcpy(frame, eth_dst, 6);
	memcpy(frame + 6, mac, 6);
	/* IPv6: from the target, to the solicitor (or all-nodes), hop limit 255. */
	ip[0] = 0x60;
	ip[1] = 0;
	ip[2] = 0;
	ip[3] = 0;
	wr16(ip + 4, DNSP_L2_NA_LEN);
	ip[6] = IPPROTO_ICMPV6_;
	ip[7] = 255;
	memcpy(ip + 24, dad ? all_nodes : ip + 8, 16);
	memcpy(ip + 8, target, 16);
	ic[0] = ICMP6_NA;
	ic[1] = 0;
	wr16(ic + 2, 0);
	ic[4] = dad ? 0x20 : 0x60;      /* R=0, S (not for DAD), O=1 */
	ic[5] = ic[6] = ic[7] = 0;
	memcpy(ic + 8, target, 16);
	ic[24] = ND_OPT_TLLA;
	ic[25] = 1;
	memcpy(ic + 26, mac, 6);
	c = dnsp_l2_csum_fold(pseudo_sum(ip + 8, ip + 24, 16, IPPROTO_ICMPV6_, DNSP_L2_NA_LEN) +
			      dnsp_l2_csum_partial(ic, DNSP_L2_NA_LEN, 0));
	memcpy(ic + 2, &c, 2);
	return (int)total;
}
