/*
 * Unit tests for lib/ratelimit.c: the per-ENI token buckets of Resolver
 * endpoints (SPEC §3 "Endpoints": a token bucket per ENI refilled
 * continuously with a burst of one second's worth; queries over it are
 * dropped and counted). The clock is injected: every test passes its own
 * "now" in nanoseconds to a private table whose epoch is 0, so the results
 * are exact and independent of the machine's speed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ratelimit.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct dnsp_eni_table *t;
static struct dnsp_eni_rate rates[DNSP_ENI_MAX]; /* compiled ceilings, by slot */

static int setup(void **state)
{
	(void)state;
	return dnsp_eni_table_create(DNSP_ENI_SHARED, 0, &t);
}

static int teardown(void **state)
{
	(void)state;
	dnsp_eni_table_destroy(t);
	memset(rates, 0, sizeof(rates));
	t = NULL;
	return 0;
}

static uint32_t new_eni(const char *ep, const char *ip, uint32_t qps, uint32_t nworkers)
{
	int s = dnsp_eni_slot(t, ep, ip);
	assert_true(s >= 0);
	dnsp_eni_rate_init(&rates[s], qps, nworkers);
	return (uint32_t)s;
}

/* One query on slot under the slot's compiled ceiling. */
static bool admit(uint32_t slot, uint32_t row, uint64_t now)
{
	return dnsp_eni_admit(t, slot, &rates[slot < DNSP_ENI_MAX ? slot : 0], row, now);
}

/* Admits n queries at time now on row; returns how many were admitted. */
static uint32_t offer(uint32_t slot, uint32_t row, uint64_t now, uint32_t n)
{
	uint32_t ok = 0;
	for (uint32_t i = 0; i < n; i++)
		ok += admit(slot, row, now);
	return ok;
}

/* SPEC §3: the burst is one second's worth of the ceiling. */
static void test_burst_is_one_seconds_worth(void **state)
{
	(void)state;
	uint32_t s = new_eni("rslvr-in-1", "198.18.0.10", 100, 1);
	assert_int_equal(offer(s, 0, 5 * SEC, 100), 100);
	assert_false(admit(s, 0, 5 * SEC));
}

/* SPEC §3: the bucket is refilled continuously (one token per 1/qps s),
 * not once per second. */
static void test_refill_is_continuous(void **state)
{
	(void)state;
	uint32_t s = new_eni("e", "198.18.0.10", 100, 1);
	assert_int_equal(offer(s, 0, SEC, 200), 100);
	/* 10 ms later exactly one token has come back, 25 ms: two more */
	assert_int_equal(offer(s, 0, SEC + 10 * MS, 5), 1);
	assert_int_equal(offer(s, 0, SEC + 35 * MS, 5), 2);
	/* 9.99 ms after the last refill: none yet */
	assert_int_equal(offer(s, 0, SEC + 39 * MS, 5), 0);
}

/* An idle bucket fills up to the burst and no further. */
static void test_idle_bucket_holds_at_most_the_burst(void **state)
{
	(void)state;
	uint32_t s = new_eni("e", "198.18.0.10", 50, 1);
	assert_int_equal(offer(s, 0, SEC, 50), 50);
	assert_int_equal(offer(s, 0, 100 * SEC, 1000), 50);
}

/* Under sustained overload the admitted rate is the ceiling: over 10 s of
 * 2x offered load, admitted = burst + 10 s x qps (within one query). */
static void test_sustained_overload_holds_the_ceiling(void **state)
{
	(void)state;
	const uint32_t qps = 10000;
	uint32_t s = new_eni("e", "198.18.0.10", qps, 1);
	uint64_t admitted = 0, offered = 0;
	for (uint64_t ns = 0; ns < 10 * SEC; ns += 50000) { /* 20000 qps offered */
		admitted += admit(s, 0, SEC + ns);
		offered++;
	}
	assert_int_equal(offered, 200000);
	assert_true(admitted >= qps + 10 * qps - 1 && admitted <= qps + 10 * qps + 1);
}

/* Ceilings that do not divide a second keep their fraction: 3 qps over
 * 3 s after a full burst admits 3 + 9. */
static void test_fractional_interval_is_exact(void **state)
{
	(void)state;
	uint32_t s = new_eni("e", "198.18.0.10", 3, 1);
	uint32_t ok = 0;
	for (uint64_t ns = 0; ns <= 3 * SEC; ns += MS)
		ok += offer(s, 0, ns, 1);
	assert_int_equal(ok, 3 + 9);
}

/* Queries over the ceiling are dropped and counted per ENI; the other
 * ENIs' buckets and counters are untouched. */
static void test_drops_are_counted_per_eni(void **state)
{
	(void)state;
	uint32_t a = new_eni("e", "198.18.0.10", 10, 1);
	uint32_t b = new_eni("e", "198.18.0.11", 10, 1);
	assert_int_not_equal(a, b);
	assert_int_equal(offer(a, 0, SEC, 25), 10);
	assert_int_equal(offer(b, 1, SEC, 4), 4);
	uint64_t q, d;
	dnsp_eni_totals(t, a, &q, &d);
	assert_int_equal(q, 25);
	assert_int_equal(d, 15);
	dnsp_eni_totals(t, b, &q, &d);
	assert_int_equal(q, 4);
	assert_int_equal(d, 0);
}

/* Counters of all rows (workers and the slow path) are summed. */
static void test_totals_sum_all_rows(void **state)
{
	(void)state;
	uint32_t a = new_eni("e", "198.18.0.10", 0, 1);
	offer(a, 0, SEC, 3);
	offer(a, 5, SEC, 4);
	offer(a, DNSP_ENI_ROW_SLOW, SEC, 2);
	uint64_t q, d;
	dnsp_eni_totals(t, a, &q, &d);
	assert_int_equal(q, 9);
	assert_int_equal(d, 0);
}

/* QpsPerEni 0 (or a slot without a rate) is unlimited. */
static void test_zero_ceiling_is_unlimited(void **state)
{
	(void)state;
	uint32_t s = new_eni("e", "198.18.0.10", 0, 1);
	assert_int_equal(offer(s, 0, SEC, 100000), 100000);
}

/* DNSP_ENI_NONE (a listener that is no ENI) is never limited nor counted. */
static void test_no_eni_is_never_limited(void **state)
{
	(void)state;
	assert_true(admit(DNSP_ENI_NONE, 0, SEC));
}

/* A worker index past the rows still meets the ceiling (folded into a row). */
static void test_out_of_range_row_is_still_limited(void **state)
{
	(void)state;
	uint32_t s = new_eni("e", "198.18.0.10", 10, 1);
	assert_int_equal(offer(s, DNSP_ENI_ROWS + 7, SEC, 20), 10);
	uint64_t q, d;
	dnsp_eni_totals(t, s, &q, &d);
	assert_int_equal(q, 20);
	assert_int_equal(d, 10);
}

/* Endpoint numbers (the `endpoint` of upstream routes) are stable per Id. */
static void test_endpoint_numbers_are_stable(void **state)
{
	(void)state;
	int a = dnsp_eni_endpoint(t, "rslvr-out-1");
	int b = dnsp_eni_endpoint(t, "rslvr-out-2");
	assert_true(a >= 0 && b >= 0 && a != b);
	assert_int_equal(dnsp_eni_endpoint(t, "rslvr-out-1"), a);
	char id[32];
	for (int i = 2; i < DNSP_EP_MAX; i++) {
		snprintf(id, sizeof(id), "ep-%d", i);
		assert_true(dnsp_eni_endpoint(t, id) >= 0);
	}
	assert_int_equal(dnsp_eni_endpoint(t, "one-too-many"), -ENOSPC);
}

/* A key keeps its slot across reloads; distinct keys get distinct slots. */
static void test_slots_are_stable_per_key(void **state)
{
	(void)state;
	int a = dnsp_eni_slot(t, "rslvr-in-1", "198.18.0.10");
	int b = dnsp_eni_slot(t, "rslvr-in-1", "198.18.0.11");
	int c = dnsp_eni_slot(t, "rslvr-in-2", "198.18.0.10");
	assert_true(a >= 0 && b >= 0 && c >= 0);
	assert_int_not_equal(a, b);
	assert_int_not_equal(a, c);
	assert_int_equal(dnsp_eni_slot(t, "rslvr-in-1", "198.18.0.10"), a);
	assert_int_equal(dnsp_eni_find(t, "rslvr-in-2", "198.18.0.10"), c);
	assert_int_equal(dnsp_eni_find(t, "rslvr-in-2", "198.18.0.11"), -ENOENT);
	/* "a b" + "c" must not collide with "a" + "b c" */
	int d = dnsp_eni_slot(t, "x", "y z");
	assert_int_equal(dnsp_eni_find(t, "x y", "z"), -ENOENT);
	assert_true(d >= 0);
}

/* A reload recompiles the ceiling but keeps the bucket's level (the state
 * lives in the table, outside snapshots): no fresh burst per reload. */
static void test_reload_with_same_rate_keeps_the_level(void **state)
{
	(void)state;
	uint32_t s = new_eni("e", "198.18.0.10", 100, 1);
	assert_int_equal(offer(s, 0, SEC, 100), 100);
	dnsp_eni_rate_init(&rates[s], 100, 1);
	assert_int_equal(offer(s, 0, SEC, 10), 0);
	/* a new ceiling applies from the next query */
	dnsp_eni_rate_init(&rates[s], 1000, 1);
	assert_int_equal(offer(s, 0, SEC + 100 * MS, 1000), 100);
}

/* The table has DNSP_ENI_MAX slots; the next key is refused. */
static void test_table_full_is_an_error(void **state)
{
	(void)state;
	char ip[32];
	for (int i = 0; i < DNSP_ENI_MAX; i++) {
		snprintf(ip, sizeof(ip), "198.18.%d.%d", i / 256, i % 256);
		assert_int_equal(dnsp_eni_slot(t, "e", ip), i);
	}
	assert_int_equal(dnsp_eni_slot(t, "e", "198.19.0.1"), -ENOSPC);
}

/* Shared mode: one worker alone gets the whole ceiling (a single client
 * flow lands on one worker with SO_REUSEPORT / RSS). */
static void test_shared_mode_gives_one_worker_the_whole_ceiling(void **state)
{
	(void)state;
	uint32_t s = new_eni("e", "198.18.0.10", 1000, 4);
	assert_int_equal(offer(s, 2, SEC, 5000), 1000);
}

/* Shared mode: workers together never exceed the ceiling. */
static void test_shared_mode_workers_share_one_bucket(void **state)
{
	(void)state;
	uint32_t s = new_eni("e", "198.18.0.10", 1000, 4);
	uint32_t ok = 0;
	for (uint32_t w = 0; w < 4; w++)
		ok += offer(s, w, SEC, 400);
	assert_int_equal(ok, 1000);
}

/* Per-worker mode: each worker has 1/N of rate and burst (exact only when
 * load is spread evenly, which is why shared mode is the default). */
static void test_per_worker_mode_splits_rate_and_burst(void **state)
{
	(void)state;
	dnsp_eni_set_mode(t, DNSP_ENI_PER_WORKER);
	uint32_t s = new_eni("e", "198.18.0.10", 1000, 4);
	assert_int_equal(offer(s, 0, SEC, 5000), 250);
	uint32_t ok = 0;
	for (uint32_t w = 1; w < 4; w++)
		ok += offer(s, w, SEC, 400);
	assert_int_equal(ok, 750);
	/* refill at 1000/4 qps per worker: 4 ms → one token */
	assert_int_equal(offer(s, 0, SEC + 4 * MS, 10), 1);
}

struct racer {
	uint32_t slot, row, admitted;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	for (int i = 0; i < 200000; i++)
		r->admitted += admit(r->slot, r->row, 7 * SEC);
	return NULL;
}

/* Shared mode under real concurrency: with the clock frozen, threads racing
 * on one bucket admit exactly the burst between them (the CAS never lets
 * two of them spend one token). */
static void test_shared_bucket_is_exact_under_concurrency(void **state)
{
	(void)state;
	uint32_t s = new_eni("e", "198.18.0.10", 50000, 4);
	struct racer r[4];
	pthread_t th[4];
	for (uint32_t i = 0; i < 4; i++) {
		r[i] = (struct racer){ .slot = s, .row = i };
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	uint32_t total = 0;
	for (uint32_t i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += r[i].admitted;
	}
	assert_int_equal(total, 50000);
	uint64_t q, d;
	dnsp_eni_totals(t, s, &q, &d);
	assert_int_equal(q, 800000);
	assert_int_equal(d, 750000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_burst_is_one_seconds_worth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refill_is_continuous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_bucket_holds_at_most_the_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sustained_overload_holds_the_ceiling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fractional_interval_is_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drops_are_counted_per_eni, setup, teardown),
		cmocka_unit_test_setup_teardown(test_totals_sum_all_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_ceiling_is_unlimited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_eni_is_never_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_range_row_is_still_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_numbers_are_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slots_are_stable_per_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_with_same_rate_keeps_the_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_mode_gives_one_worker_the_whole_ceiling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_mode_workers_share_one_bucket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_worker_mode_splits_rate_and_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_bucket_is_exact_under_concurrency, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
