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

#endif
