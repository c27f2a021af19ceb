/*
 * Per-ENI token buckets (GCRA form) and the process-wide ENI table; see
 * ratelimit.h for the algorithm and the choice between a shared atomic
 * bucket and per-worker split buckets. The admit path is a handful of
 * relaxed loads and, for an admitted query in shared mode, one CAS on the
 * ENI's own cache line; the slot registry is a linear list touched only by
 * the control plane when a snapshot is compiled.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ratelimit.h"

/* Counters of one row (worker), one writer each. */
struct dnsp_eni_counters {
	uint64_t queries[DNSP_ENI_MAX]; /* queries that reached the ENI */
	uint64_t dropped[DNSP_ENI_MAX]; /* of those, dropped over the ceiling */
} __attribute__((aligned(64)));

/* The bucket state of one ENI in shared mode: its own cache line. */
struct dnsp_eni_state {
	_Atomic uint64_t tat;     /* ticks: theoretical arrival time */
} __attribute__((aligned(64)));

struct dnsp_eni_table {
	uint64_t epoch_ns;          /* time origin of the buckets */
	_Atomic uint32_t mode;      /* enum dnsp_eni_mode (relaxed: a mode
				       switch may admit a query by either rule) */
	uint32_t nslots, nendpoints; /* control plane only */
	char *keys[DNSP_ENI_MAX];   /* "ip endpoint-id", control plane only */
	char *endpoints[DNSP_EP_MAX]; /* endpoint Ids, control plane only */
	struct dnsp_eni_state shared[DNSP_ENI_MAX];
	struct dnsp_eni_counters rows[DNSP_ENI_ROWS];
	/* per-worker mode: TAT of local[row][slot], each row written by its
	 * own worker only (plain stores) */
	uint64_t local[DNSP_ENI_ROWS][DNSP_ENI_MAX];
};

/* CAS attempts before a query counts as over the ceiling. A failed CAS
 * means another worker admitted a query on this ENI in between, so the
 * table as a whole always progresses; running out of attempts needs
 * DNSP_ENI_CAS_TRIES admissions by others within one attempt of ours. */
#define DNSP_ENI_CAS_TRIES 16

static struct dnsp_eni_table global_table;
static bool global_ready;

uint64_t dnsp_eni_now(void)
{
	/* The coarse clock (vDSO, no TSC read) costs a quarter of
	 * CLOCK_MONOTONIC here (bench/bench_ratelimit.cpp) and ticks every
	 * 1/HZ (4 ms): the admitted count over any window is off by at most
	 * qps x 4 ms, i.e. 0.4 % of the one-second burst. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct dnsp_eni_table *dnsp_eni_global(void)
{
	/* Control plane: the first slot assignment runs before any worker can
	 * see a snapshot that names a slot, so the epoch is set before use. */
	if (!global_ready) {
		global_table.epoch_ns = dnsp_eni_now();
		global_ready = true;
	}
	return &global_table;
}

int dnsp_eni_table_create(enum dnsp_eni_mode mode, uint64_t epoch_ns,
			  struct dnsp_eni_table **out)
{
	struct dnsp_eni_table *t = aligned_alloc(64, sizeof(*t));
	if (!t)
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	t->epoch_ns = epoch_ns;
	atomic_store_explicit(&t->mode, mode, memory_order_relaxed);
	*out = t;
	return 0;
}

void dnsp_eni_table_destroy(struct dnsp_eni_table *t)
{
	if (!t || t == &global_table)
		return;
	for (uint32_t i = 0; i < t->nslots; i++)
		free(t->keys[i]);
	for (uint32_t i = 0; i < t->nendpoints; i++)
		free(t->endpoints[i]);
	free(t);
}

void dnsp_eni_set_mode(struct dnsp_eni_table *t, enum dnsp_eni_mode mode)
{
	atomic_store_explicit(&t->mode, mode, memory_order_relaxed);
}

/* Keys are "ip endpoint-id": an address in presentation form holds no
 * space, so the first space splits a key unambiguously whatever the Id. */
static bool key_is(const char *key, const char *endpoint_id, const char *ip)
{
	size_t n = strlen(ip);
	return strncmp(key, ip, n) == 0 && key[n] == ' ' && strcmp(key + n + 1, endpoint_id) == 0;
}

int dnsp_eni_find(const struct dnsp_eni_table *t, const char *endpoint_id, const char *ip)
{
	for (uint32_t i = 0; i < t->nslots; i++)
		if (key_is(t->keys[i], endpoint_id, ip))
			return (int)i;
	return -ENOENT;
}

int dnsp_eni_slot(struct dnsp_eni_table *t, const char *endpoint_id, const char *ip)
{
	int s = dnsp_eni_find(t, endpoint_id, ip);
	if (s >= 0)
		return s;
	if (t->nslots >= DNSP_ENI_MAX)
		return -ENOSPC;
	size_t len = strlen(endpoint_id) + strlen(ip) + 2;
	char *key = malloc(len);
	if (!key)
		return -ENOMEM;
	snprintf(key, len, "%s %s", ip, endpoint_id);
	t->keys[t->nslots] = key;
	return (int)t->nslots++;
}

int dnsp_eni_endpoint(struct dnsp_eni_table *t, const char *endpoint_id)
{
	for (uint32_t i = 0; i < t->nendpoints; i++)
		if (strcmp(t->endpoints[i], endpoint_id) == 0)
			return (int)i;
	if (t->nendpoints >= DNSP_EP_MAX)
		return -ENOSPC;
	char *id = strdup(endpoint_id);
	if (!id)
		return -ENOMEM;
	t->endpoints[t->nendpoints] = id;
	return (int)t->nendpoints++;
}

void dnsp_eni_rate_init(struct dnsp_eni_rate *r, uint32_t qps, uint32_t nworkers)
{
	memset(r, 0, sizeof(*r));
	if (qps > DNSP_ENI_QPS_MAX)
		qps = DNSP_ENI_QPS_MAX;
	if (nworkers == 0)
		nworkers = 1;
	r->qps = qps;
	if (qps == 0)
		return;
	/* 1e9 ns << 6 = 6.4e10 ticks per second: fits easily; the division
	 * keeps 1/64 ns of the interval. */
	r->interval = ((uint64_t)1000000000u << DNSP_ENI_TICK_SHIFT) / qps;
	if (r->interval == 0)
		r->interval = 1;
	r->tolerance = (uint64_t)(qps - 1) * r->interval;
	uint32_t wburst = qps / nworkers ? qps / nworkers : 1;
	r->w_interval = r->interval * nworkers;
	r->w_tolerance = (uint64_t)(wburst - 1) * r->w_interval;
}

/* One GCRA decision on a bucket owned by the caller alone. */
static bool gcra_local(uint64_t *tat, uint64_t now, uint64_t iv, uint64_t tol)
{
	uint64_t base = *tat > now ? *tat : now;
	if (base - now > tol)
		return false;
	*tat = base + iv;
	return true;
}

/* One GCRA decision on the shared bucket. Relaxed ordering throughout:
 * the TAT word guards no other memory, and the CAS alone makes sure two
 * workers never spend the same token (each admission moves TAT by one
 * interval from the value it read). */
static bool gcra_shared(_Atomic uint64_t *tatp, uint64_t now, uint64_t iv, uint64_t tol)
{
	uint64_t tat = atomic_load_explicit(tatp, memory_order_relaxed);
	for (int i = 0; i < DNSP_ENI_CAS_TRIES; i++) {
		uint64_t base = tat > now ? tat : now;
		if (base - now > tol)
			return false;
		if (atomic_compare_exchange_weak_explicit(tatp, &tat, base + iv,
							  memory_order_relaxed,
							  memory_order_relaxed))
			return true;
	}
	return false;
}

bool dnsp_eni_admit(struct dnsp_eni_table *t, uint32_t slot, const struct dnsp_eni_rate *rate,
		    uint32_t row, uint64_t now_ns)
{
	if (slot >= DNSP_ENI_MAX)
		return true;
	/* server.workers is at most DNSP_ENI_WORKERS; a larger index (a back
	 * end numbering its workers sparsely) shares a row rather than escape
	 * the ceiling: the shared bucket stays exact, only that row's plain
	 * counters could lose an increment. */
	if (unlikely(row >= DNSP_ENI_ROWS))
		row %= DNSP_ENI_WORKERS;
	struct dnsp_eni_counters *c = &t->rows[row];
	c->queries[slot]++;
	if (rate->interval == 0)
		return true;
	uint64_t now = now_ns > t->epoch_ns ? (now_ns - t->epoch_ns) << DNSP_ENI_TICK_SHIFT : 0;
	bool ok;
	if (atomic_load_explicit(&t->mode, memory_order_relaxed) == DNSP_ENI_PER_WORKER)
		ok = gcra_local(&t->local[row][slot], now, rate->w_interval, rate->w_tolerance);
	else
		ok = gcra_shared(&t->shared[slot].tat, now, rate->interval, rate->tolerance);
	if (unlikely(!ok))
		c->dropped[slot]++;
	return ok;
}

void dnsp_eni_totals(const struct dnsp_eni_table *t, uint32_t slot, uint64_t *queries,
		     uint64_t *dropped)
{
	uint64_t q = 0, d = 0;
	for (uint32_t r = 0; slot < DNSP_ENI_MAX && r < DNSP_ENI_ROWS; r++) {
		q += t->rows[r].queries[slot];
		d += t->rows[r].dropped[slot];
	}
	*queries = q;
	*dropped = d;
}
