/*
 * The one header shared by the XDP program (xdp/dnsplane.bpf.c, compiled
 * with clang -target bpf) and user space (xdp/loader.c, dataplane/afxdp.c):
 * program and map names, the listener-map key, and the counter slots. It
 * uses only <linux/types.h> so that both sides can include it.
 *
 * Contract: the program redirects a UDP packet whose (destination address,
 * destination port) is a key of DNSP_XDP_LISTEN_MAP (or whose port matches
 * an all-zero-address key of its family: a wildcard listener) into
 * DNSP_XDP_XSK_MAP at index ctx->rx_queue_index; everything else is passed
 * to the kernel. The program's kernel name, DNSP_XDP_PROG_NAME, is how a
 * later run recognises a program left attached by a crashed dnsplane (with
 * the owner slots below telling whether that dnsplane still runs): it must
 * stay stable and distinct (kernel program names hold 15 characters).
 */
#ifndef DNSP_XDP_SHARED_H
#define DNSP_XDP_SHARED_H

#include <linux/types.h>

#define DNSP_XDP_PROG_NAME "dnsplane_xdp"     /* = the C function name */
#define DNSP_XDP_XSK_MAP "dnsp_xsks"
#define DNSP_XDP_LISTEN_MAP "dnsp_listen"
#define DNSP_XDP_STATS_MAP "dnsp_xdp_stats"

#define DNSP_XDP_MAX_QUEUES 64     /* XSKMAP entries: RX queues per interface */
#define DNSP_XDP_MAX_LISTENERS 256 /* listener-map entries */

/* Listener-map key. Addresses and port in network byte order; an IPv4
 * address sits in addr[0..3] with the rest zero. Zero the whole key
 * (padding included) before filling it. */
struct dnsp_xdp_listen_key {
	__u8 addr[16];
	__be16 port;
	__u8 family;               /* 4 or 6 */
	__u8 pad;
};

/* Listener-map value: the listener slot (informational). */
struct dnsp_xdp_listen_val {
	__u32 listener;
};

/* Per-CPU counter slots (a PERCPU_ARRAY of __u64 indexed by these). */
enum dnsp_xdp_counter {
	DNSP_XDP_REDIRECTED = 0,   /* DNS for a listener, handed to an AF_XDP socket */
	DNSP_XDP_PASSED,           /* not ours: passed to the kernel */
	DNSP_XDP_DROPPED,          /* for a listener, but IP/UDP lengths inconsistent */
	DNSP_XDP_UNBOUND,          /* for a listener, but no socket on that queue: passed */
	DNSP_XDP_NCOUNTERS
};

/* Two more slots of the same map, never touched by the program: the loader
 * stores the owning process there (CPU 0's value: pid, and its start time
 * in clock ticks after boot from /proc/PID/stat), so that a later start can
 * tell a stale program (owner gone) from one a running dnsplaned uses. */
#define DNSP_XDP_OWNER_PID DNSP_XDP_NCOUNTERS
#define DNSP_XDP_OWNER_START (DNSP_XDP_NCOUNTERS + 1)
#define DNSP_XDP_STATS_SLOTS (DNSP_XDP_NCOUNTERS + 2)

#endif
