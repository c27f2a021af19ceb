/*
 * Per-ENI QPS ceilings for Resolver endpoints (SPEC §3 "Endpoints", SEMANTICS
 * §11 "Capacity"): every IP address of an endpoint is one elastic network
 * interface with a token bucket refilled continuously at QpsPerEni tokens
 * per second, holding at most one second's worth (burst = QpsPerEni).
 * Queries over the ceiling are dropped and counted per ENI.
 *
 * The bucket is kept as GCRA (the "virtual scheduling" form of a token
 * bucket): one word, the theoretical arrival time (TAT) of the next
 * conforming query. A query at time t conforms when max(TAT, t) - t is at
 * most (burst - 1) intervals, and then moves TAT one interval on. That is
 * exactly a token bucket of `burst` tokens refilled at one token per
 * interval, and it needs no separate "last refill" field, so the shared
 * variant is one compare-and-swap per admitted query and one load per
 * dropped one.
 *
 * Two modes, measured in bench/bench_ratelimit.c and chosen per table:
 *  - DNSP_ENI_SHARED (default): one atomic bucket per ENI shared by all
 *    workers. Exact whatever the spread of flows over workers (SO_REUSEPORT
 *    and RSS put one client flow on one worker, so a split ceiling would
 *    cap a single heavy client at 1/N of the ceiling).
 *  - DNSP_ENI_PER_WORKER: each worker owns a bucket with 1/N of the rate
 *    and of the burst; no shared writes at all, exact only when load is
 *    spread evenly over the N workers.
 *
 * Like the health table, the ENI table (bucket state and counters) lives
 * outside the snapshots: slots are assigned to "endpoint Id + IP" keys once
 * and kept for the life of the process, so a reload keeps each ENI's level
 * and its counters (Prometheus counters must not reset on reload). The
 * ceilings themselves (struct dnsp_eni_rate) are compiled into each
 * snapshot and passed to every admit call.
 *
 * Contract: slot assignment and counter sums are control plane only
 * (serialised by the daemon lock). dnsp_eni_admit() may be called
 * by any number of workers at once, each passing its own worker index
 * (< DNSP_ENI_ROWS): it never allocates, locks or blocks, and writes only
 * the caller's counter row (plain stores) and, in shared mode, the bucket
 * word (atomic CAS). Row DNSP_ENI_ROW_SLOW is for one slow-path thread
 * (e.g. forwarder retries charged to an outbound ENI).
 */
#ifndef DNSP_RATELIMIT_H
#define DNSP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include "error.h"

#define DNSP_ENI_MAX 256            /* ENIs (endpoint IPs) per process */
#define DNSP_ENI_WORKERS 64         /* worker rows (server.workers <= 64) */
#define DNSP_ENI_ROW_SLOW DNSP_ENI_WORKERS /* counter row of the slow path */
#define DNSP_ENI_ROWS (DNSP_ENI_WORKERS + 1)
#define DNSP_ENI_NONE UINT32_MAX    /* "no ENI": never limited */
#define DNSP_ENI_QPS_MAX 100000000u /* largest QpsPerEni accepted */

/* Time inside the buckets: nanoseconds since the table's epoch in fixed
 * point with DNSP_ENI_TICK_SHIFT fractional bits, so that 1e9/qps keeps
 * its fraction (1/64 ns) and 64 bits last 2^58 ns (9 years of uptime). */
#define DNSP_ENI_TICK_SHIFT 6

enum dnsp_eni_mode { DNSP_ENI_SHARED = 0, DNSP_ENI_PER_WORKER = 1 };

/*
 * The ceiling of one ENI, compiled into the snapshot (so a configuration
 * that fails to compile never touches the live buckets, and a reload
 * switches every ENI's rate with the snapshot). interval == 0: unlimited.
 */
struct dnsp_eni_rate {
	uint64_t interval;        /* ticks per token */
	uint64_t tolerance;       /* (burst - 1) * interval, burst = qps */
	uint64_t w_interval;      /* per-worker mode: interval * nworkers */
	uint64_t w_tolerance;     /* per-worker mode: (burst/nworkers - 1) * w_interval */
	uint32_t qps;             /* the ceiling, for metrics */
};

/* Fills r for a ceiling of qps queries per second (0: unlimited, capped at
 * DNSP_ENI_QPS_MAX) with a burst of one second's worth, shared by nworkers
 * workers (per-worker mode divides rate and burst by it). */
void dnsp_eni_rate_init(struct dnsp_eni_rate *r, uint32_t qps, uint32_t nworkers);

#define DNSP_EP_MAX 64            /* endpoints registered per process */

/* The ENI table (opaque): slot registry, bucket state, counters. */
struct dnsp_eni_table;

/* The process-wide table (shared mode, epoch = first use). Control plane
 * (first call) — workers get the pointer through the snapshot. */
struct dnsp_eni_table *dnsp_eni_global(void);

/* A private table (tests, benchmarks). epoch_ns is the time origin the
 * caller's clock uses; the table must be freed with dnsp_eni_table_destroy.
 * Returns 0 or -ENOMEM. */
int dnsp_eni_table_create(enum dnsp_eni_mode mode, uint64_t epoch_ns,
			  struct dnsp_eni_table **out) DNSP_WUR;
void dnsp_eni_table_destroy(struct dnsp_eni_table *t);

/* Switches the mode (control plane). Each mode keeps its own bucket state. */
void dnsp_eni_set_mode(struct dnsp_eni_table *t, enum dnsp_eni_mode mode);

/*
 * Slot of the ENI "endpoint_id" + "ip" (ip in presentation form): the same
 * slot for the same key for the life of the table, so bucket state and
 * counters survive reloads. Returns the slot, -ENOSPC (table full) or
 * -ENOMEM. Control plane only.
 */
int dnsp_eni_slot(struct dnsp_eni_table *t, const char *endpoint_id, const char *ip) DNSP_WUR;

/* Slot of an existing key, or -ENOENT. Control plane only. */
int dnsp_eni_find(const struct dnsp_eni_table *t, const char *endpoint_id, const char *ip);

/* A stable number for endpoint_id (the `endpoint` of upstream routes, so
 * that a query punted under one snapshot finds its endpoint in the next).
 * Returns it, -ENOSPC or -ENOMEM. Control plane only. */
int dnsp_eni_endpoint(struct dnsp_eni_table *t, const char *endpoint_id) DNSP_WUR;

/*
 * Charges one query to ENI slot at time now_ns (the clock the table's
 * epoch refers to; CLOCK_MONOTONIC_COARSE for the global table, see
 * dnsp_eni_now()) under ceiling rate. row is the caller's worker index,
 * or DNSP_ENI_ROW_SLOW. Returns true when the query is within the
 * ceiling, false when it must be dropped. Counts the query (and the drop)
 * in row's counters. A slot of DNSP_ENI_NONE or out of range is always
 * admitted and not counted; a row past DNSP_ENI_ROWS is folded into the
 * worker rows (never unlimited).
 */
bool dnsp_eni_admit(struct dnsp_eni_table *t, uint32_t slot, const struct dnsp_eni_rate *rate,
		    uint32_t row, uint64_t now_ns);

/* CLOCK_MONOTONIC_COARSE in nanoseconds (the clock of the global table;
 * resolution 1/HZ, typically 4 ms). */
uint64_t dnsp_eni_now(void);

/* Sums of a slot's counters over all rows. Control plane only. */
void dnsp_eni_totals(const struct dnsp_eni_table *t, uint32_t slot, uint64_t *queries,
		     uint64_t *dropped);

#endif
