/*
 * Unit tests for the receive-coalescing decision (dataplane/coalesce.h,
 * server.rx_coalesce_us): when a worker naps and when it answers at once.
 * Time is passed in, so every case is exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dataplane/coalesce.h"

#define MS 1000000ull
#define NAP_NS 100000u /* rx_coalesce_us: 100 */

/* Off (rx_coalesce_us 0): never nap, whatever the rate. */
static void off_never_naps(void **state)
{
	(void)state;
	struct dnsp_coalesce c = { .ns = 0 };

	for (uint64_t t = 0; t < 10 * MS; t += 10000)
		assert_false(dnsp_coalesce_want_at(&c, 64, t));
}

/* 100k packets/s with a 100 us nap gathers 10 per nap (≥ 2): after the
 * first full 1 ms window every burst that found work naps. */
static void high_rate_naps_after_one_window(void **state)
{
	(void)state;
	struct dnsp_coalesce c = { .ns = NAP_NS, .win_start = 0 };
	uint64_t t = 0;

	for (; t < MS; t += 10000) /* 1 packet every 10 us: not decided yet */
		assert_false(dnsp_coalesce_want_at(&c, 1, t));
	assert_true(dnsp_coalesce_want_at(&c, 1, t)); /* window closed: 100 pkts/ms */
	assert_true(dnsp_coalesce_want_at(&c, 3, t + 10000));
	/* a wakeup that found nothing never naps */
	assert_false(dnsp_coalesce_want_at(&c, 0, t + 20000));
}

/* 5k packets/s with a 100 us nap gathers 0.5 per nap (< 2): answered at
 * once, no added latency for a light load. */
static void light_rate_never_naps(void **state)
{
	(void)state;
	struct dnsp_coalesce c = { .ns = NAP_NS, .win_start = 0 };

	for (uint64_t t = 200000; t < 20 * MS; t += 200000)
		assert_false(dnsp_coalesce_want_at(&c, 1, t));
}

/* The threshold is exactly two packets per nap: 20 packets in a 1 ms
 * window (20k/s, 2 per 100 us) turns naps on from the call that closes the
 * window; 19 leaves them off. */
static void threshold_is_two_packets_per_nap(void **state)
{
	(void)state;
	struct dnsp_coalesce c = { .ns = NAP_NS, .win_start = 0 };

	assert_false(dnsp_coalesce_want_at(&c, 19, MS - 1));
	assert_false(dnsp_coalesce_want_at(&c, 0, MS)); /* no work: no decision */
	assert_true(dnsp_coalesce_want_at(&c, 1, MS));   /* 20 packets in 1 ms */

	struct dnsp_coalesce d = { .ns = NAP_NS, .win_start = 0 };
	assert_false(dnsp_coalesce_want_at(&d, 18, MS - 1));
	assert_false(dnsp_coalesce_want_at(&d, 1, MS));  /* 19 packets */
	assert_false(d.on);
}

/* After a burst the load stops; the first packet after a long idle sees a
 * window of seconds with one packet in it and does not nap. */
static void idle_after_load_turns_naps_off(void **state)
{
	(void)state;
	struct dnsp_coalesce c = { .ns = NAP_NS, .win_start = 0 };

	assert_false(dnsp_coalesce_want_at(&c, 200, MS / 2));
	assert_true(dnsp_coalesce_want_at(&c, 200, MS));
	assert_true(c.on);
	assert_false(dnsp_coalesce_want_at(&c, 1, 5000 * MS));
	assert_false(c.on);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(off_never_naps),
		cmocka_unit_test(high_rate_naps_after_one_window),
		cmocka_unit_test(light_rate_never_naps),
		cmocka_unit_test(threshold_is_two_packets_per_nap),
		cmocka_unit_test(idle_after_load_turns_naps_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
