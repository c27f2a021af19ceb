/*
 * Unit tests of the punt channel (lib/punt.c): the per-worker request and
 * reply rings under the conditions a loaded appliance meets — a full ring
 * refuses the push and recovers once the consumer catches up, records keep
 * their order and bytes across many wrap-arounds (skip markers), a reply
 * larger than the worker's buffer is consumed with -EMSGSIZE instead of
 * wedging the ring, oversize queries are refused, and the SERVFAIL helper
 * drops what does not parse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/punt.h"
#include "lib/wire/pkt.h"

/* A query of len bytes whose bytes encode seq (to check order and content). */
static void fill(uint8_t *q, uint16_t len, uint32_t seq)
{
	for (uint16_t i = 0; i < len; i++)
		q[i] = (uint8_t)(seq * 31u + i);
}

static int push(dnsp_punt_chan_t *c, uint16_t len, uint32_t seq)
{
	uint8_t q[DNSP_PUNT_QUERY_MAX];
	struct dnsp_punt p;
	struct dnsp_punt_client cl;
	memset(&p, 0, sizeof(p));
	memset(&cl, 0, sizeof(cl));
	p.vpc = -1;
	cl.fd = -1;
	fill(q, len, seq);
	return dnsp_punt_push(c, 0, &p, &cl, seq, q, len);
}

/* Rule: a full request ring refuses with -ENOSPC (the worker answers
 * SERVFAIL), nothing already queued is lost, and pushes succeed again once
 * the resolver pops. */
static void test_request_ring_full(void **state)
{
	(void)state;
	dnsp_punt_chan_t *c;
	assert_int_equal(dnsp_punt_chan_create(1, 0, &c), 0);
	uint32_t n = 0;
	int rc;
	while ((rc = push(c, 1000, n)) == 0)
		n++;
	assert_int_equal(rc, -ENOSPC);
	assert_true(n > 10);
	struct dnsp_punt_req *req = malloc(sizeof(*req));
	assert_non_null(req);
	assert_int_equal(dnsp_punt_pop(c, 0, req), 1);
	assert_int_equal(req->generation, 0);
	assert_int_equal(push(c, 1000, n), 0);
	for (uint32_t i = 1; i <= n; i++) {
		uint8_t want[1000];
		assert_int_equal(dnsp_punt_pop(c, 0, req), 1);
		assert_int_equal(req->generation, i);
		assert_int_equal(req->len, 1000);
		fill(want, 1000, i);
		assert_memory_equal(req->query, want, 1000);
	}
	assert_int_equal(dnsp_punt_pop(c, 0, req), 0);
	free(req);
	dnsp_punt_chan_destroy(c);
}

/* Rule: records of varying size keep order and bytes over many laps of the
 * ring (each lap ends with a skip marker where a record does not fit). */
static void test_request_ring_wraps(void **state)
{
	(void)state;
	dnsp_punt_chan_t *c;
	assert_int_equal(dnsp_punt_chan_create(1, 0, &c), 0);
	struct dnsp_punt_req *req = malloc(sizeof(*req));
	assert_non_null(req);
	uint32_t sent = 0, got = 0;
	for (int round = 0; round < 2000; round++) {
		for (int k = 0; k < 3; k++) {
			uint16_t len = (uint16_t)(12 + (sent * 97u) % (DNSP_PUNT_QUERY_MAX - 12));
			if (push(c, len, sent) == 0)
				sent++;
		}
		for (int k = 0; k < 2 && dnsp_punt_pop(c, 0, req) == 1; k++) {
			uint8_t want[DNSP_PUNT_QUERY_MAX];
			uint16_t len = (uint16_t)(12 + (got * 97u) % (DNSP_PUNT_QUERY_MAX - 12));
			assert_int_equal(req->generation, got);
			assert_int_equal(req->len, len);
			fill(want, len, got);
			assert_memory_equal(req->query, want, len);
			got++;
		}
	}
	while (dnsp_punt_pop(c, 0, req) == 1)
		got++;
	assert_int_equal(got, sent);
	assert_true(sent > 3000); /* several laps of a 64 KiB ring */
	free(req);
	dnsp_punt_chan_destroy(c);
}

/* Rule: a query above DNSP_PUNT_QUERY_MAX and an unknown worker are refused. */
static void test_request_refusals(void **state)
{
	(void)state;
	dnsp_punt_chan_t *c;
	assert_int_equal(dnsp_punt_chan_create(1, 0, &c), 0);
	uint8_t q[DNSP_PUNT_QUERY_MAX + 1];
	memset(q, 0, sizeof(q));
	struct dnsp_punt p;
	struct dnsp_punt_client cl;
	memset(&p, 0, sizeof(p));
	memset(&cl, 0, sizeof(cl));
	assert_int_equal(dnsp_punt_push(c, 0, &p, &cl, 0, q, sizeof(q)), -EMSGSIZE);
	assert_int_equal(dnsp_punt_push(c, 1, &p, &cl, 0, q, 12), -EINVAL);
	struct dnsp_punt_req *req = malloc(sizeof(*req));
	assert_non_null(req);
	assert_int_equal(dnsp_punt_pop(c, 0, req), 0);
	assert_int_equal(dnsp_punt_pop(c, 7, req), 0);
	free(req);
	dnsp_punt_chan_destroy(c);
}

/* Rule: the reply ring refuses with -ENOSPC when full (the reply is
 * dropped, the client retries); a reply larger than the worker's buffer is
 * consumed with -EMSGSIZE and the next one is still delivered. */
static void test_reply_ring_full_and_oversize(void **state)
{
	(void)state;
	dnsp_punt_chan_t *c;
	assert_int_equal(dnsp_punt_chan_create(1, 0, &c), 0);
	static uint8_t msg[4096];
	struct dnsp_punt_reply h, got;
	memset(&h, 0, sizeof(h));
	uint32_t n = 0;
	int rc;
	while ((rc = dnsp_punt_reply_push(c, 0, &h, msg, sizeof(msg))) == 0) {
		h.cookie = ++n;
	}
	assert_int_equal(rc, -ENOSPC);
	assert_true(n > 4);
	uint8_t small[512];
	assert_int_equal(dnsp_punt_reply_pop(c, 0, &got, small, sizeof(small)), -EMSGSIZE);
	static uint8_t big[4096];
	assert_int_equal(dnsp_punt_reply_pop(c, 0, &got, big, sizeof(big)), 1);
	assert_int_equal(got.cookie, 1);
	assert_int_equal(got.len, sizeof(msg));
	dnsp_punt_chan_destroy(c);
}

/* Rule: SERVFAIL is built in place for a parsable query (RA when RD) and
 * not at all (0: drop) for garbage. */
static void test_servfail(void **state)
{
	(void)state;
	uint8_t buf[512];
	memset(buf, 0xff, 12);
	assert_int_equal(dnsp_punt_servfail(buf, 12, sizeof(buf)), 0);
	static const uint8_t q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
				     3, 'w', 'w', 'w', 0, 0, 1, 0, 1 };
	memcpy(buf, q, sizeof(q));
	uint16_t n = dnsp_punt_servfail(buf, sizeof(q), sizeof(buf));
	assert_true(n >= sizeof(q));
	assert_int_equal(buf[0], 0x12);
	assert_true(buf[2] & 0x80);                  /* QR */
	assert_true(buf[3] & 0x80);                  /* RA */
	assert_int_equal(buf[3] & 0xf, DNSP_RCODE_SERVFAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_ring_full),
		cmocka_unit_test(test_request_ring_wraps),
		cmocka_unit_test(test_request_refusals),
		cmocka_unit_test(test_reply_ring_full_and_oversize),
		cmocka_unit_test(test_servfail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
