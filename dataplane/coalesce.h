/*
 * Receive coalescing for the poll/epoll back ends (server.rx_coalesce_us),
 * the software counterpart of a NIC's adaptive interrupt moderation.
 *
 * Under load every wakeup of a worker costs a context switch and a few
 * syscalls, and every reply burst wakes the clients' (or the peer
 * namespace's) receiving threads once more; at tens of thousands of
 * queries per second that is most of a query's CPU. The worker keeps a
 * running rate (packets over windows of DNSP_COALESCE_WINDOW_NS); when that
 * rate says a nap of rx_coalesce_us would gather at least two packets, the
 * worker, having emptied its queues, naps that long before it looks again,
 * so the next look takes that many microseconds' worth of queries at once.
 * A load too light to gather two packets per nap is answered at once; a
 * saturating load never empties the queues and is never delayed. The price
 * is up to rx_coalesce_us of added latency per query under load. Off (0)
 * by default: bench/README.md has the trade.
 *
 * Header-only and internal to dataplane/: socket.c and afxdp.c include it.
 */
#ifndef DNSPLANE_DATAPLANE_COALESCE_H
#define DNSPLANE_DATAPLANE_COALESCE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <time.h>
#include <urcu-qsbr.h>

#define DNSP_COALESCE_WINDOW_NS 1000000u /* rate estimate: packets per 1 ms */

struct dnsp_coalesce {
	uint32_t ns;          /* nap length; 0: coalescing off */
	uint32_t win_pkts;    /* packets seen in the current window */
	uint64_t win_start;   /* CLOCK_MONOTONIC ns */
	bool on;              /* the last full window's rate warrants naps */
};

static inline uint64_t dnsp_coalesce_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Counts pkts just handled at time now (ns); true when the worker should
 * nap now (it found work, and the last full window's rate gathers two or
 * more packets per nap). */
static inline bool dnsp_coalesce_want_at(struct dnsp_coalesce *c, uint32_t pkts, uint64_t now)
{
	if (c->ns == 0 || pkts == 0)
		return false;
	uint64_t dt = now - c->win_start;

	c->win_pkts += pkts;
	if (dt >= DNSP_COALESCE_WINDOW_NS) {
		/* rate × nap ≥ 2  ⇔  pkts × ns ≥ 2 × dt */
		c->on = (uint64_t)c->win_pkts * c->ns >= 2 * dt;
		c->win_start = now;
		c->win_pkts = 0;
	}
	return c->on;
}

static inline bool dnsp_coalesce_want(struct dnsp_coalesce *c, uint32_t pkts)
{
	return c->ns != 0 && pkts != 0 && dnsp_coalesce_want_at(c, pkts, dnsp_coalesce_now());
}

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
