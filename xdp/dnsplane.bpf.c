/*
 * dnsplane's XDP program: steers DNS queries for the configured listeners
 * into AF_XDP sockets and leaves every other frame to the kernel.
 *
 * For each frame: Ethernet, at most one 802.1Q tag, then IPv4 (not a
 * fragment) or IPv6 (UDP as the first next header), then UDP. If the
 * destination (address, port) is in the listener map (or the port is a
 * wildcard listener's), the frame goes to the XSKMAP entry of its RX queue;
 * a queue without a socket passes it to the kernel instead (counted as
 * "unbound"). Frames for a listener whose IP/UDP lengths contradict each
 * other or the frame are dropped here, so workers never see them; frames
 * too short to show the ports, fragments, IPv6 extension headers, ARP,
 * ICMP, TCP and other ports all pass (the kernel validates and serves
 * them). Every header is checked against data_end before it is read.
 * Constants and map names are shared with user space via xdp_shared.h.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>

#include "xdp_shared.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, DNSP_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} dnsp_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DNSP_XDP_MAX_LISTENERS);
	__type(key, struct dnsp_xdp_listen_key);
	__type(value, struct dnsp_xdp_listen_val);
} dnsp_listen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DNSP_XDP_STATS_SLOTS); /* counters + owner slots */
	__type(key, __u32);
	__type(value, __u64);
} dnsp_xdp_stats SEC(".maps");

struct vlan_hdr_ {
	__be16 tci;
	__be16 proto;
};

static __always_inline int count(__u32 slot, int verdict)
{
	__u64 *c = bpf_map_lookup_elem(&dnsp_xdp_stats, &slot);

	if (c)
		*c += 1; /* per-CPU slot: no atomic needed */
	return verdict;
}

/* Exact listener, else a wildcard (all-zero address) of the same family. */
static __always_inline int is_listener(struct dnsp_xdp_listen_key *k)
{
	if (bpf_map_lookup_elem(&dnsp_listen, k))
		return 1;
	__builtin_memset(k->addr, 0, sizeof(k->addr));
	return bpf_map_lookup_elem(&dnsp_listen, k) != NULL;
}

static __always_inline int redirect(struct xdp_md *ctx)
{
	int rc = bpf_redirect_map(&dnsp_xsks, ctx->rx_queue_index, XDP_PASS);

	return count(rc == XDP_REDIRECT ? DNSP_XDP_REDIRECTED : DNSP_XDP_UNBOUND, rc);
}

SEC("xdp")
int dnsplane_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct dnsp_xdp_listen_key key = {};
	void *l3;
	__u16 proto;

	if ((void *)(eth + 1) > data_end)
		return count(DNSP_XDP_PASSED, XDP_PASS);
	proto = eth->h_proto;
	l3 = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_hdr_ *vh = l3;

		if ((void *)(vh + 1) > data_end)
			return count(DNSP_XDP_PASSED, XDP_PASS);
		proto = vh->proto;
		l3 = vh + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;
		struct udphdr *udp;
		__u32 ihl, tot, ulen;

		if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP)
			return count(DNSP_XDP_PASSED, XDP_PASS);
		ihl = (__u32)ip->ihl * 4;
		if (ihl < sizeof(*ip) || (ip->frag_off & bpf_htons(0x3fff)))
			return count(DNSP_XDP_PASSED, XDP_PASS);
		udp = (void *)ip + ihl;
		if ((void *)(udp + 1) > data_end)
			return count(DNSP_XDP_PASSED, XDP_PASS);
		key.family = 4;
		key.port = udp->dest;
		__builtin_memcpy(key.addr, &ip->daddr, 4);
		if (!is_listener(&key))
			return count(DNSP_XDP_PASSED, XDP_PASS);
		tot = bpf_ntohs(ip->tot_len);
		ulen = bpf_ntohs(udp->len);
		if (tot < ihl + sizeof(*udp) || (void *)ip + tot > data_end ||
		    ulen < sizeof(*udp) || ulen > tot - ihl)
			return count(DNSP_XDP_DROPPED, XDP_DROP);
		return redirect(ctx);
	}

	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;
		struct udphdr *udp;
		__u32 plen, ulen;

		if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_UDP)
			return count(DNSP_XDP_PASSED, XDP_PASS);
		udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > data_end)
			return count(DNSP_XDP_PASSED, XDP_PASS);
		key.family = 6;
		key.port = udp->dest;
		__builtin_memcpy(key.addr, &ip6->daddr, 16);
		if (!is_listener(&key))
			return count(DNSP_XDP_PASSED, XDP_PASS);
		plen = bpf_ntohs(ip6->payload_len);
		ulen = bpf_ntohs(udp->len);
		if (plen < sizeof(*udp) || (void *)(ip6 + 1) + plen > data_end ||
		    ulen < sizeof(*udp) || ulen > plen)
			return count(DNSP_XDP_DROPPED, XDP_DROP);
		return redirect(ctx);
	}

	return count(DNSP_XDP_PASSED, XDP_PASS);
}

/* libxdp dispatcher settings: run early, continue the chain on PASS. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(dnsplane_xdp);

char _license[] SEC("license") = "Dual BSD/GPL";
