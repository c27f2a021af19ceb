/*
 * Link-layer framing for the kernel-bypass back ends (AF_XDP, DPDK): parse an
 * Ethernet frame in place (one optional 802.1Q tag, IPv4 or IPv6, UDP, ARP,
 * ICMPv6 neighbour solicitation), classify it against the listener table,
 * and turn the same frame into the reply: a DNS answer (swap MACs, IPs and
 * ports, fix lengths and checksums), an ARP reply or a neighbour
 * advertisement for a listener address.
 *
 * Contract: pure functions over caller memory; no allocation, no locks, no
 * syscalls, callable from any thread (workers call them per packet). Every
 * read is bounds-checked against the frame length given; no length from the
 * wire is trusted. A struct dnsp_l2_pkt filled by dnsp_l2_classify() holds
 * offsets into the frame it came from and is valid for that frame only.
 *
 * Byte order: struct fields are host order; the frame is network order.
 */
#ifndef DNSP_L2_H
#define DNSP_L2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dataplane.h"

#define DNSP_L2_ETH_LEN 14
#define DNSP_L2_VLAN_LEN 4
#define DNSP_L2_IP4_LEN 20    /* without options */
#define DNSP_L2_IP6_LEN 40
#define DNSP_L2_UDP_LEN 8
#define DNSP_L2_ARP_LEN 28    /* Ethernet/IPv4 ARP body */
#define DNSP_L2_NA_LEN 32     /* ICMPv6 NA with a target link-layer option */

#define DNSP_L2_ETH_IP4 0x0800
#define DNSP_L2_ETH_ARP 0x0806
#define DNSP_L2_ETH_VLAN 0x8100
#define DNSP_L2_ETH_IP6 0x86dd

/* Hop limit / TTL of the replies we build (RFC 1700 default; NDP needs 255). */
#define DNSP_L2_TTL 64

enum dnsp_l2_kind {
	DNSP_L2_OTHER = 0,      /* not for a listener: the kernel's (or drop) */
	DNSP_L2_DNS,            /* UDP to a listener (address, port) */
	DNSP_L2_ARP_REQUEST,    /* ARP request for an IPv4 listener address */
	DNSP_L2_NEIGH_SOLICIT,  /* ICMPv6 NS for an IPv6 listener address */
	DNSP_L2_MALFORMED,      /* for a listener, but headers inconsistent: drop */
};

/* Where the parts of a classified frame are (offsets from frame start). */
struct dnsp_l2_pkt {
	uint16_t l3_off;        /* IP or ARP header */
	uint16_t l4_off;        /* UDP or ICMPv6 header (DNS, NS) */
	uint16_t payload_off;   /* DNS message (DNS only) */
	uint16_t payload_len;   /* DNS message length from the UDP length */
	uint8_t family;         /* 4 or 6 (DNS, NS); 4 for ARP */
	bool vlan;              /* one 802.1Q tag present */
	uint16_t vlan_tci;      /* the tag's TCI (when vlan) */
	uint16_t listener;      /* matching listener index (DNS, ARP, NS) */
	uint16_t src_port;      /* UDP ports (DNS) */
	uint16_t dst_port;
	uint16_t src_addr_off;  /* client IP address in the frame (DNS: 4 or 16 bytes) */
	uint16_t target_off;    /* NS: target address; ARP: target protocol address */
};

/*
 * Parses frame[0..len) and classifies it against listeners[0..n) (an
 * all-zero address is a wildcard that matches any address of its family).
 * DNS: UDP whose destination (address, port) is a listener's; IPv4
 * fragments and IPv6 packets with extension headers are OTHER (the kernel
 * reassembles them). A DNS frame with a bad IPv4 header checksum, a UDP
 * length outside [8, IP payload], an IPv6 zero UDP checksum (RFC 8200 §8.1),
 * source port 0, a multicast/broadcast (IPv4) or multicast/unspecified
 * (IPv6) source, or a multicast/broadcast destination (reachable only
 * through a wildcard listener) is MALFORMED. ARP: Ethernet/
 * IPv4 requests whose target is a listener address (not announcements, where
 * sender == target). NS: RFC 4861 §7.1.1 validity (hop limit 255, code 0,
 * length >= 24, checksum, unicast target, option lengths non-zero) and the
 * target is an IPv6 listener address. Fills *out for every kind but OTHER.
 */
enum dnsp_l2_kind dnsp_l2_classify(const uint8_t *frame, uint32_t len,
				   const struct dnsp_dp_listener *listeners, uint32_t n,
				   struct dnsp_l2_pkt *out);

/*
 * Index of the listener of listeners[0..n) for (family, addr, port),
 * preferring an exact address over a wildcard (all-zero) one; port 0 means
 * any port and matches exact addresses only (ARP, NS: is the address
 * ours). -1 if none. dnsp_l2_classify() uses it; so does the DPDK plane's
 * TCP reset.
 */
int dnsp_l2_find_listener(const struct dnsp_dp_listener *listeners, uint32_t n, int family,
			  const uint8_t *addr, uint32_t port_or_0);

/*
 * Copies the client's address, port and family from a DNS frame into the
 * pipeline packet fields (family, src, src_port, listener) and points
 * p->buf/len/cap at the DNS message, with cap = frame_cap - payload_off
 * (bounded by 65535). frame_cap is the room the buffer holding the frame
 * has from its start.
 */
struct dnsp_pkt;
void dnsp_l2_to_pipeline(uint8_t *frame, uint32_t frame_cap, const struct dnsp_l2_pkt *in,
			 struct dnsp_pkt *p);

/*
 * Fills the return path of a DNS frame punted to the slow path (lib/punt.h)
 * for a kernel-bypass worker's reply ring: DNSP_REPLY_WORKER over UDP to
 * the client's address and port, from the address the query was sent to,
 * for its listener; fd -1. Zeroes the rest: the caller sets worker, cookie
 * and max_reply. The AF_XDP and DPDK back ends share it.
 */
struct dnsp_punt_client;
void dnsp_l2_punt_client(const uint8_t *frame, const struct dnsp_l2_pkt *in,
			 struct dnsp_punt_client *c);

/*
 * Turns the DNS query frame into the reply frame, in place. The reply DNS
 * message (dns_len bytes) must already be at payload_off (the pipeline
 * writes it there). Swaps MACs, IP addresses and UDP ports; keeps the VLAN
 * tag; IPv4: drops any options (moves the message down), sets total length,
 * TTL, clears fragment fields, recomputes the header checksum; IPv6: sets
 * payload length and hop limit. UDP: sets the length; checksum computed for
 * IPv6 (mandatory, RFC 8200 §8.1) and for IPv4 when v4_udp_csum, else 0
 * (RFC 768). Returns the reply frame length, or DNSP_ENOSPACE when it would
 * not fit in frame_cap, or -EINVAL when dns_len exceeds what UDP can carry.
 */
int dnsp_l2_build_udp_reply(uint8_t *frame, uint32_t frame_cap, const struct dnsp_l2_pkt *in,
			    uint32_t dns_len, bool v4_udp_csum) DNSP_WUR;

/*
 * Turns an ARP request frame (kind DNSP_L2_ARP_REQUEST) into the ARP reply
 * for its target, answered with mac (RFC 826): Ethernet to the requester,
 * from mac; opcode 2; sender = (mac, target IP); target = the requester.
 * Returns the reply frame length (trailing padding of the request is
 * dropped), or DNSP_ENOSPACE.
 */
int dnsp_l2_build_arp_reply(uint8_t *frame, uint32_t frame_cap, const struct dnsp_l2_pkt *in,
			    const uint8_t mac[6]) DNSP_WUR;

/*
 * Turns a neighbour solicitation frame (kind DNSP_L2_NEIGH_SOLICIT) into
 * the neighbour advertisement for its target (RFC 4861 §7.2.4): from the
 * target address and mac, hop limit 255, flags Solicited+Override, with a
 * target link-layer address option; to the solicitor, or to all-nodes
 * ff02::1 (Solicited clear) when the solicitation came from the unspecified
 * address (duplicate address detection). Ethernet destination: the
 * solicitor's link-layer option if present, else the frame's source, or
 * 33:33:00:00:00:01 for all-nodes. Returns the frame length or DNSP_ENOSPACE.
 */
int dnsp_l2_build_neigh_advert(uint8_t *frame, uint32_t frame_cap, const struct dnsp_l2_pkt *in,
			       const uint8_t mac[6]) DNSP_WUR;

/*
 * Internet checksum helpers (RFC 1071). dnsp_l2_csum_partial() adds data to
 * a running 64-bit one's-complement sum (any length, any alignment);
 * dnsp_l2_csum_fold() folds it to the final 16-bit checksum in network
 * order (the value to store as-is with memcpy).
 */
uint64_t dnsp_l2_csum_partial(const void *data, size_t len, uint64_t sum);
uint16_t dnsp_l2_csum_fold(uint64_t sum);

#endif
