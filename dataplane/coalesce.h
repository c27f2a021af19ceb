/*
 * Receive coalescing for the poll/epoll back ends (server.rx_coalesce_us),
 * the software counterpart of a NIC's adaptive interrupt moderation.
 *
 * Under load every wakeup of a worker costs a context switch and a few
 * syscalls, and every reply burst wakes the clients' (or the peer
 * namespace's) receiving threads once more. When the worker saw a burst
 * (DNSP_COALESCE_MIN_BURST packets or more since it last slept: packets
 * queue while it works, so the load is high) and emptied its queues, it
 * sleeps rx_coalesce_us before it looks again, and the next look takes that
 * many microseconds' worth of queries at once. A light load never forms a
 * burst and is answered at once; a saturating load never empties the queues
 * and is never delayed. The price is up to rx_coalesce_us of added latency
 * per query under load. Off (0) by default: bench/README.md has the trade.
 *
 * Header-only and internal to dataplane/: socket.c and afxdp.c include it.
 */
#ifndef DNSPLANE_DATAPLANE_COALESCE_H
#define DNSPLANE_DATAPLANE_COALESCE_H

#include <errno.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <time.h>
#include <urcu-qsbr.h>

#define DNSP_COALESCE_MIN_BURST 4u

/* Per worker thread, once: timer slack of a tenth of the nap, so the nap is
 * what was asked for (the default slack is 50 us). */
static inline void dnsp_coalesce_thread_init(uint32_t ns)
{
	if (ns > 0)
		(void)prctl(PR_SET_TIMERSLACK, (unsigned long)ns / 10, 0, 0, 0);
}

/* The nap: offline for RCU, so publishers need not wait for it. */
static inline void dnsp_coalesce_sleep(uint32_t ns)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ns };

	rcu_thread_offline();
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	rcu_thread_online();
}

#endif
