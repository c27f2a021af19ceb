/*
 * Data-plane back ends behind one interface: each runs N worker threads that
 * move DNS messages between the network and dnsp_pipeline_process(), reading
 * the current snapshot under RCU (QSBR) and counting into per-worker stats.
 *
 * Contract: start() is called by the control thread after the first snapshot
 * is published; it binds/opens everything synchronously (so bind errors are
 * reported before the daemon says it serves) and then starts the workers,
 * each registered as a QSBR reader that dereferences the snapshot once per
 * burst and reports a quiescent state after it (and goes offline while it
 * blocks). stop() joins the workers and closes everything. The listener
 * table is fixed for the life of a plane: listener i of params is listener
 * slot i of every snapshot.
 */
#ifndef DNSP_DATAPLANE_H
#define DNSP_DATAPLANE_H

#include <stdint.h>
#include "../lib/error.h"
#include "../lib/stats.h"

struct dnsp_dp_listener {
	int family;          /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
};

struct dnsp_dp_params {
	const struct dnsp_dp_listener *listeners;
	uint32_t nlisteners;
	uint32_t workers;            /* >= 1 */
	struct dnsp_stats *stats;    /* array of `workers` structs, zeroed, owned by caller */
	int tcp_idle_timeout_ms;     /* close idle TCP connections after this */
	int tcp_max_connections;     /* per worker; further accepts are closed at once */
	int cpu_base;                /* pin worker i to CPU cpu_base + i; -1: no pinning */
	uint32_t rx_coalesce_us;     /* socket/afxdp: receive coalescing under load, 0: off
				      * (server.rx_coalesce_us; see the back ends) */
	/* Kernel-bypass back ends (issue #4); zero for the socket plane. */
	const struct dnsp_dp_interface *interfaces; /* afxdp: one worker per (interface, queue) */
	uint32_t ninterfaces;
	int xdp_mode;                /* afxdp: enum dnsp_dp_xdp_mode */
	uint32_t worker_id_base;     /* pipeline worker id of worker 0 (ids are unique across
				      * planes running side by side; snapshots size per-worker
				      * state by the total) */
	struct dnsp_punt_chan *punt; /* punt channel (lib/punt.h) indexed by worker id, or
				      * NULL: punted queries are answered SERVFAIL */
};

/* An interface a kernel-bypass plane serves: queues 0..queues-1. */
struct dnsp_dp_interface {
	const char *name;
	uint32_t queues;             /* >= 1 */
};

enum dnsp_dp_xdp_mode {
	DNSP_DP_XDP_AUTO = 0,        /* native (driver) XDP, else generic (skb) */
	DNSP_DP_XDP_NATIVE,
	DNSP_DP_XDP_SKB,
};

typedef struct dnsp_dataplane dnsp_dataplane_t;

/*
 * Socket back end: per worker and listener one UDP socket and one TCP
 * listening socket with SO_REUSEPORT (the kernel spreads flows across
 * workers); UDP in recvmmsg/sendmmsg batches; TCP with 2-byte length
 * framing (RFC 1035 §4.2.2, RFC 7766: several queries per connection,
 * answered in order), an idle timeout and a connection cap.
 * Returns 0, or -errno with a message on stderr naming the address.
 */
int dnsp_socket_plane_start(const struct dnsp_dp_params *p, dnsp_dataplane_t **out) DNSP_WUR;
void dnsp_socket_plane_stop(dnsp_dataplane_t *dp);

/*
 * AF_XDP back end (dataplane/afxdp.c): attaches dnsplane's XDP program
 * (xdp/) to every interface in p->interfaces, which steers UDP for the
 * listeners into AF_XDP sockets and passes everything else (ARP, ND, ICMP,
 * TCP, other ports) to the kernel; then one worker per (interface, queue)
 * with its own UMEM, fill/completion/RX/TX rings (zero-copy where the
 * driver offers it, copy mode otherwise), replies built in the received
 * frame. Workers use p->stats[i] and pipeline worker id
 * p->worker_id_base + i, i in 0..sum(queues)-1 (p->workers is ignored).
 * TCP is not served here: run the socket plane alongside for it. Returns
 * 0, or a negative code with a message on stderr; on failure nothing stays
 * attached.
 */
int dnsp_afxdp_plane_start(const struct dnsp_dp_params *p, dnsp_dataplane_t **out) DNSP_WUR;
/* Stops the workers, detaches the XDP programs, frees sockets and UMEM. */
void dnsp_afxdp_plane_stop(dnsp_dataplane_t *dp);

/* XDP verdict counters of one interface of an AF_XDP plane, for /metrics. */
struct dnsp_dp_xdp_stats {
	char ifname[32];
	uint64_t redirected;         /* handed to an AF_XDP socket */
	uint64_t passed;             /* not for a listener: to the kernel */
	uint64_t dropped;            /* for a listener, inconsistent IP/UDP lengths */
	uint64_t unbound;            /* for a listener, no socket on the RX queue: to the kernel */
	/* the AF_XDP sockets' own drop counters (XDP_STATISTICS), summed over queues */
	uint64_t xsk_rx_ring_full;   /* redirected, but the worker's RX ring was full */
	uint64_t xsk_fill_empty;     /* redirected, but no free frame in the fill ring */
	uint64_t xsk_rx_dropped;     /* other reasons (e.g. frame larger than a UMEM chunk) */
	uint64_t xsk_invalid;        /* invalid RX/TX descriptors */
};
/* Fills up to cap entries; returns the number of interfaces of the plane.
 * Any thread while the plane runs (reads per-CPU BPF maps). */
int dnsp_afxdp_plane_xdp_stats(dnsp_dataplane_t *dp, struct dnsp_dp_xdp_stats *out,
			       uint32_t cap);

/* DPDK back end (dataplane/dpdk.c): what it needs beyond dnsp_dp_params. */
struct dnsp_dpdk_params {
	const char *const *eal_args; /* server.dpdk_args: argv for rte_eal_init (no argv[0]) */
	uint32_t neal_args;
	const char *const *ports;    /* DPDK port names to serve (server.interfaces[].name); */
	const int *port_queues;      /* queues of each (interfaces[].queues), or NULL */
	uint32_t nports;             /* 0: every port EAL found, each with `workers` queues */
};

/* Counters of one DPDK port (rte_eth_stats_get) plus what the plane counted
 * on it, for /metrics. Plain C: no DPDK type leaks out of dpdk.c. */
struct dnsp_dp_port_stats {
	char name[64];               /* DPDK port name, e.g. "net_af_packet0" */
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_missed;          /* imissed: the NIC had no RX descriptor */
	uint64_t rx_errors, tx_errors; /* ierrors, oerrors */
	uint64_t rx_nombuf;          /* mbuf allocation failures */
	uint64_t tx_full;            /* replies the TX queue did not take (freed) */
	uint64_t arp_replies, nd_replies, tcp_resets; /* answered for the missing kernel */
	uint64_t malformed;          /* for a listener, but headers inconsistent */
	uint64_t not_ours;           /* frames for nobody we serve (no kernel sees them) */
};

/*
 * DPDK back end: rte_eal_init() with d->eal_args (unless the process already
 * initialised EAL, which then stays the caller's), one worker per EAL worker
 * lcore (at most p->workers) each owning RX/TX queue i of every port (RSS on
 * IP/UDP when a port has several queues), replies built in the received
 * mbuf. Answers ARP and neighbour solicitations for listener addresses and
 * resets TCP connection attempts to listeners (no kernel sees the port).
 * Returns 0, or a negative code with a message on stderr.
 */
int dnsp_dpdk_plane_start(const struct dnsp_dp_params *p, const struct dnsp_dpdk_params *d,
			  dnsp_dataplane_t **out) DNSP_WUR;
/* Stops the workers and ports; if start() initialised EAL, rte_eal_cleanup()
 * and removes EAL's runtime folder (/var/run/dpdk/<file-prefix>). */
void dnsp_dpdk_plane_stop(dnsp_dataplane_t *dp);
/* Fills up to cap port counters; returns how many ports the plane has.
 * Any thread, while the plane runs. */
int dnsp_dpdk_plane_port_stats(dnsp_dataplane_t *dp, struct dnsp_dp_port_stats *out,
			       uint32_t cap);
/* Poll-loop time of one DPDK worker: a poll-mode lcore looks 100 % busy to
 * the OS; busy_seconds counts only loops that received or sent a frame. */
struct dnsp_dp_worker_load {
	uint32_t worker, lcore;
	double poll_seconds, busy_seconds;
};
/* Fills up to cap entries; returns the number of workers. Any thread. */
int dnsp_dpdk_plane_worker_load(dnsp_dataplane_t *dp, struct dnsp_dp_worker_load *out,
				uint32_t cap);

#endif
