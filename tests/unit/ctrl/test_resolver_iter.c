/*
 * Unit tests of the pure parts of recursion (ctrl/resolver_iter.c), with
 * canned upstream responses built by the project's own response writer
 * (so names are compressed as a real server would): parsing, the
 * bailiwick filter, referral handling with glue, negative answers,
 * CNAME/DNAME chains, QNAME minimisation steps, work limits, reply
 * matching (ID, question, 0x20) and upstream query building with ECS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/resolver_iter.h"
#include "lib/wire/rdata.h"

/* ------------------------------------------------------------ builder */

struct rb {
	uint8_t buf[4096];
	struct dnsp_query q;
	struct dnsp_resp r;
};

static void wire(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	assert_true(dnsp_name_from_text(text, strlen(text), NULL, out) > 0);
}

/* Starts a response to (qname, qtype) with id. */
static void rb_start(struct rb *b, const char *qname, uint16_t qtype, uint16_t id)
{
	uint8_t n[DNSP_NAME_MAX];
	wire(qname, n);
	int len = dnsp_up_build_query(b->buf, sizeof(b->buf), id, false, n, qtype, false, 0, 0, 0,
				      NULL);
	assert_true(len > 0);
	assert_int_equal(dnsp_pkt_parse_query(b->buf, (size_t)len, &b->q), 0);
	dnsp_resp_init(&b->r, b->buf, sizeof(b->buf), sizeof(b->buf), &b->q);
}

static void rb_rr_class(struct rb *b, enum dnsp_section sec, const char *owner, uint16_t type,
			uint16_t rclass, uint32_t ttl, const char *rdata)
{
	uint8_t o[DNSP_NAME_MAX], rd[512];
	wire(owner, o);
	int n = dnsp_rdata_from_text(type, rdata, strlen(rdata), NULL, rd, sizeof(rd), NULL);
	assert_true(n >= 0);
	assert_int_equal(dnsp_resp_put_rr(&b->r, sec, o, type, rclass, ttl, rd, (uint16_t)n), 0);
}

static void rb_rr(struct rb *b, enum dnsp_section sec, const char *owner, uint16_t type,
		  uint32_t ttl, const char *rdata)
{
	rb_rr_class(b, sec, owner, type, DNSP_CLASS_IN, ttl, rdata);
}

static size_t rb_finish(struct rb *b, uint8_t rcode, bool aa)
{
	dnsp_resp_set_rcode(&b->r, rcode);
	if (aa)
		dnsp_resp_set_flags(&b->r, DNSP_FLAG_AA, 0);
	return dnsp_resp_finish(&b->r, &b->q, 1232, 0);
}

static struct dnsp_up_msg *parse(struct rb *b, size_t len)
{
	struct dnsp_up_msg *m = malloc(sizeof(*m));
	assert_non_null(m);
	assert_int_equal(dnsp_up_parse(b->buf, len, m), 0);
	return m;
}

static void classify_n(const struct dnsp_up_msg *m, const char *qname, uint16_t qtype,
		       const char *zone, uint32_t max_chain, struct dnsp_up_class *c)
{
	uint8_t q[DNSP_NAME_MAX], z[DNSP_NAME_MAX];
	wire(qname, q);
	wire(zone, z);
	assert_int_equal(dnsp_up_classify(m, q, qtype, z, max_chain, c), 0);
}

static void classify(const struct dnsp_up_msg *m, const char *qname, uint16_t qtype,
		     const char *zone, struct dnsp_up_class *c)
{
	classify_n(m, qname, qtype, zone, 8, c);
}

static bool name_is(const uint8_t *n, const char *text)
{
	uint8_t t[DNSP_NAME_MAX];
	wire(text, t);
	return dnsp_name_equal(n, t);
}

/* ---------------------------------------------------------------- tests */

/* Parsing decompresses names in NS and SOA rdata (RFC 1035 §4.1.4). */
static void test_parse_decompresses_rdata(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_A, 7);
	rb_rr(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_NS, 3600, "ns1.example.com.");
	rb_rr(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_SOA, 3600,
	      "ns1.example.com. host.example.com. 1 2 3 4 5");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	assert_int_equal(m->nrr, 2);
	assert_true(name_is(dnsp_up_rdata(m, &m->rr[0]), "ns1.example.com."));
	assert_int_equal(m->rr[1].rdlen, 17 + 18 + 20);
	assert_true(m->has_question);
	free(m);
}

/* A truncated or garbled message is rejected, never read past its end. */
static void test_parse_rejects_truncated(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_A, 7);
	rb_rr(&b, DNSP_SEC_ANSWER, "www.example.com.", DNSP_T_A, 60, "192.0.2.1");
	size_t len = rb_finish(&b, 0, true);
	struct dnsp_up_msg *m = malloc(sizeof(*m));
	for (size_t cut = 0; cut < len; cut++)
		assert_true(dnsp_up_parse(b.buf, cut, m) < 0 || cut >= len);
	free(m);
}

/* An in-bailiwick answer is kept whole. */
static void test_answer_in_bailiwick(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "www.example.com.", DNSP_T_A, 60, "192.0.2.1");
	rb_rr(&b, DNSP_SEC_ANSWER, "www.example.com.", DNSP_T_A, 60, "192.0.2.2");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	struct dnsp_up_class c;
	classify(m, "www.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_ANSWER);
	assert_int_equal(c.nkeep, 2);
	assert_int_equal(c.dropped, 0);
	free(m);
}

/* Bailiwick (RFC 2181 §5.4.1, the Kaminsky defence): a server for
 * example.com answering a CNAME into victim.org may not also supply
 * victim.org's address — that record is dropped and the chain is chased. */
static void test_bailiwick_drops_injected_target(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "www.example.com.", DNSP_T_CNAME, 60, "www.victim.org.");
	rb_rr(&b, DNSP_SEC_ANSWER, "www.victim.org.", DNSP_T_A, 60, "6.6.6.6");
	rb_rr(&b, DNSP_SEC_ADDITIONAL, "bank.victim.org.", DNSP_T_A, 60, "6.6.6.7");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	struct dnsp_up_class c;
	classify(m, "www.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_CNAME);
	assert_true(name_is(c.next, "www.victim.org."));
	assert_int_equal(c.nkeep, 1);               /* the CNAME only */
	assert_int_equal(m->rr[c.keep[0]].type, DNSP_T_CNAME);
	assert_int_equal(c.dropped, 2);
	free(m);
}

/* A record for a name outside the zone in an otherwise good answer is
 * dropped (never cached, never answered). */
static void test_bailiwick_drops_unrelated_answer(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "www.example.com.", DNSP_T_A, 60, "192.0.2.1");
	rb_rr(&b, DNSP_SEC_ANSWER, "mail.other.net.", DNSP_T_A, 60, "6.6.6.6");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	struct dnsp_up_class c;
	classify(m, "www.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_ANSWER);
	assert_int_equal(c.nkeep, 1);
	assert_int_equal(c.dropped, 1);
	free(m);
}

/* A name outside the zone we asked about: the server is lame for it. */
static void test_question_outside_zone_is_lame(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.other.net.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "www.other.net.", DNSP_T_A, 60, "6.6.6.6");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	struct dnsp_up_class c;
	classify(m, "www.other.net.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_LAME);
	assert_int_equal(c.nkeep, 0);
	free(m);
}

/* Referral: NS for a child zone with in-bailiwick glue; glue for a name
 * outside the referring zone is ignored (the NS then needs a lookup). */
static void test_referral_with_glue(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_NS, 172800, "ns1.example.com.");
	rb_rr(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_NS, 86400, "ns.evil.org.");
	rb_rr(&b, DNSP_SEC_ADDITIONAL, "ns1.example.com.", DNSP_T_A, 172800, "198.18.0.1");
	rb_rr(&b, DNSP_SEC_ADDITIONAL, "ns.evil.org.", DNSP_T_A, 172800, "6.6.6.6");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, false));
	struct dnsp_up_class c;
	classify(m, "www.example.com.", DNSP_T_A, "com.", &c);
	assert_int_equal(c.kind, DNSP_UP_REFERRAL);
	assert_true(name_is(c.cut, "example.com."));
	assert_int_equal(c.nns, 2);
	assert_int_equal(c.ns_ttl, 86400);
	assert_int_equal(c.nglue, 1);
	assert_true(name_is(m->rr[c.glue[0]].owner, "ns1.example.com."));
	assert_int_equal(c.dropped, 1);
	free(m);
}

/* Rule: rdata whose length does not fit its type (an A of 40 bytes) makes
 * the whole response malformed; the glue of such a record would otherwise
 * be copied into a 16-byte address slot of the job. */
static void test_parse_rejects_bad_rdata_length(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_NS, 172800, "ns1.example.com.");
	uint8_t o[DNSP_NAME_MAX], rd[40];
	wire("ns1.example.com.", o);
	memset(rd, 0x41, sizeof(rd));
	assert_int_equal(dnsp_resp_put_rr(&b.r, DNSP_SEC_ADDITIONAL, o, DNSP_T_A, 1, 60, rd,
					  sizeof(rd)), 0);
	size_t len = rb_finish(&b, 0, false);
	struct dnsp_up_msg *m = malloc(sizeof(*m));
	assert_non_null(m);
	assert_int_equal(dnsp_up_parse(b.buf, len, m), DNSP_EMALFORMED);
	free(m);
}

/* Rule: glue is only an A of 4 bytes or an AAAA of 16 in class IN, even
 * when handed a parsed message that did not come through the checks. */
static void test_glue_needs_address_length(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_NS, 172800, "ns1.example.com.");
	rb_rr(&b, DNSP_SEC_ADDITIONAL, "ns1.example.com.", DNSP_T_A, 172800, "198.18.0.1");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, false));
	struct dnsp_up_class c;
	classify(m, "www.example.com.", DNSP_T_A, "com.", &c);
	assert_int_equal(c.nglue, 1);
	m->rr[1].rdlen = 40;
	classify(m, "www.example.com.", DNSP_T_A, "com.", &c);
	assert_int_equal(c.kind, DNSP_UP_REFERRAL);
	assert_int_equal(c.nglue, 0);
	free(m);
}

/* Rule: a compression pointer in rdata that points at itself (a loop) is
 * rejected, not followed forever. */
static void test_parse_rejects_rdata_pointer_loop(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_CNAME, 1);
	size_t qend = b.q.question_end;
	/* Answer: owner = pointer to qname, CNAME, IN, TTL 60, rdlen 2,
	 * rdata = a pointer to its own offset. */
	uint8_t *p = b.buf + qend;
	size_t rd_at = qend + 12;
	const uint8_t rr[12] = { 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2 };
	memcpy(p, rr, sizeof(rr));
	b.buf[rd_at] = (uint8_t)(0xc0 | (rd_at >> 8));
	b.buf[rd_at + 1] = (uint8_t)rd_at;
	b.buf[2] |= 0x80;
	b.buf[7] = 1; /* ANCOUNT */
	struct dnsp_up_msg *m = malloc(sizeof(*m));
	assert_non_null(m);
	assert_true(dnsp_up_parse(b.buf, rd_at + 2, m) < 0);
	free(m);
}

/* A referral to the zone asked (or above it) makes no progress: lame. */
static void test_upward_referral_is_lame(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_AUTHORITY, "com.", DNSP_T_NS, 172800, "a.gtld.test.");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, false));
	struct dnsp_up_class c;
	classify(m, "www.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_LAME);
	classify(m, "www.example.com.", DNSP_T_A, "com.", &c);
	assert_int_equal(c.kind, DNSP_UP_LAME);
	free(m);
}

/* RFC 2308 §2.1: NXDOMAIN keeps the SOA of an enclosing zone in
 * bailiwick; an SOA from elsewhere is not kept. */
static void test_nxdomain_soa(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "nope.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_SOA, 3600,
	      "ns1.example.com. host.example.com. 1 2 3 4 5");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, DNSP_RCODE_NXDOMAIN, true));
	struct dnsp_up_class c;
	classify(m, "nope.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_NXDOMAIN);
	assert_int_equal(c.nkeep, 1);
	free(m);

	rb_start(&b, "nope.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_AUTHORITY, "org.", DNSP_T_SOA, 3600, "a.org. b.org. 1 2 3 4 5");
	m = parse(&b, rb_finish(&b, DNSP_RCODE_NXDOMAIN, true));
	classify(m, "nope.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_NXDOMAIN);
	assert_int_equal(c.nkeep, 0);
	free(m);
}

/* RFC 2308 §2.2: NOERROR without data and an SOA is NODATA. */
static void test_nodata(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.example.com.", DNSP_T_AAAA, 1);
	rb_rr(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_SOA, 3600,
	      "ns1.example.com. host.example.com. 1 2 3 4 5");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	struct dnsp_up_class c;
	classify(m, "www.example.com.", DNSP_T_AAAA, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_NODATA);
	assert_int_equal(c.nkeep, 1);
	free(m);
}

/* A CNAME chain inside the zone is followed to the final RRset. */
static void test_cname_chain_in_zone(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "a.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "a.example.com.", DNSP_T_CNAME, 60, "b.example.com.");
	rb_rr(&b, DNSP_SEC_ANSWER, "b.example.com.", DNSP_T_CNAME, 60, "c.example.com.");
	rb_rr(&b, DNSP_SEC_ANSWER, "c.example.com.", DNSP_T_A, 60, "192.0.2.3");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	struct dnsp_up_class c;
	classify(m, "a.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_ANSWER);
	assert_int_equal(c.nchain, 2);
	assert_int_equal(c.nkeep, 3);
	assert_true(name_is(c.next, "c.example.com."));
	free(m);
}

/* Rule: a CNAME loop (a -> b -> a) stops where it closes (see
 * test_cname_loop_stops_at_repeat) and a DNAME that expands into itself
 * (example.com DNAME x.example.com) inside one response stops after
 * max_chain links, never loops. */
static void test_chain_loops_bounded(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "a.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "a.example.com.", DNSP_T_CNAME, 60, "b.example.com.");
	rb_rr(&b, DNSP_SEC_ANSWER, "b.example.com.", DNSP_T_CNAME, 60, "a.example.com.");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	struct dnsp_up_class c;
	classify(m, "a.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_CNAME);
	assert_int_equal(c.nchain, 2);
	assert_true(c.nkeep <= 2);
	free(m);

	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "example.com.", DNSP_T_DNAME, 60, "x.example.com.");
	m = parse(&b, rb_finish(&b, 0, true));
	classify(m, "www.example.com.", DNSP_T_A, "example.com.", &c);
	assert_true(c.kind == DNSP_UP_CNAME || c.kind == DNSP_UP_SERVFAIL);
	assert_true(c.nchain <= 8);
	free(m);
}

/* The chain followed inside one response is bounded. */
static void test_cname_chain_bounded(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "l0.example.com.", DNSP_T_A, 1);
	char o[32], t[32];
	for (int i = 0; i < 12; i++) {
		snprintf(o, sizeof(o), "l%d.example.com.", i);
		snprintf(t, sizeof(t), "l%d.example.com.", i + 1);
		rb_rr(&b, DNSP_SEC_ANSWER, o, DNSP_T_CNAME, 60, t);
	}
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	uint8_t q[DNSP_NAME_MAX], z[DNSP_NAME_MAX];
	wire("l0.example.com.", q);
	wire("example.com.", z);
	struct dnsp_up_class c;
	assert_int_equal(dnsp_up_classify(m, q, DNSP_T_A, z, 3, &c), 0);
	assert_int_equal(c.nchain, 3);
	assert_true(name_is(c.next, "l3.example.com."));
	free(m);
}

/* Rule: a CNAME loop inside one response (a -> b -> a) is classified as
 * an exhausted max_chain would classify it (here CNAME, next = a), but the
 * walk stops as soon as a name repeats instead of spending the whole
 * budget: with max_chain 100 the result equals the one with max_chain 2
 * (which runs out exactly where the loop closes), two links followed. */
static void test_cname_loop_stops_at_repeat(void **state)
{
	(void)state;
	struct rb b;
	struct dnsp_up_class c, ref;
	rb_start(&b, "a.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "a.example.com.", DNSP_T_CNAME, 60, "b.example.com.");
	rb_rr(&b, DNSP_SEC_ANSWER, "b.example.com.", DNSP_T_CNAME, 60, "a.example.com.");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	classify_n(m, "a.example.com.", DNSP_T_A, "example.com.", 2, &ref);
	classify_n(m, "a.example.com.", DNSP_T_A, "example.com.", 100, &c);
	assert_int_equal(ref.kind, DNSP_UP_CNAME);
	assert_int_equal(c.kind, ref.kind);
	assert_int_equal(c.nchain, 2);
	assert_int_equal(c.nkeep, ref.nkeep);
	assert_true(name_is(c.next, "a.example.com."));
	free(m);

	/* A loop that does not close at the qname (q -> a -> a) stops at the
	 * repeated name after its first repetition. */
	rb_start(&b, "q.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "q.example.com.", DNSP_T_CNAME, 60, "a.example.com.");
	rb_rr(&b, DNSP_SEC_ANSWER, "a.example.com.", DNSP_T_CNAME, 60, "a.example.com.");
	m = parse(&b, rb_finish(&b, 0, true));
	classify_n(m, "q.example.com.", DNSP_T_A, "example.com.", 100, &c);
	assert_int_equal(c.kind, DNSP_UP_CNAME);
	assert_int_equal(c.nchain, 2);
	assert_int_equal(c.nkeep, 2);
	assert_true(name_is(c.next, "a.example.com."));
	free(m);

	/* Through a DNAME: www.old -> (DNAME) www.new -> (CNAME) www.old. */
	rb_start(&b, "www.old.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "old.example.com.", DNSP_T_DNAME, 60, "new.example.com.");
	rb_rr(&b, DNSP_SEC_ANSWER, "www.old.example.com.", DNSP_T_CNAME, 60,
	      "www.new.example.com.");
	rb_rr(&b, DNSP_SEC_ANSWER, "www.new.example.com.", DNSP_T_CNAME, 60,
	      "www.old.example.com.");
	m = parse(&b, rb_finish(&b, 0, true));
	classify_n(m, "www.old.example.com.", DNSP_T_A, "example.com.", 100, &c);
	assert_int_equal(c.kind, DNSP_UP_CNAME);
	assert_int_equal(c.nchain, 2);
	assert_true(name_is(c.next, "www.old.example.com."));
	free(m);
}

/* Rule: only class IN records are kept or acted on. A DNAME of class CH
 * does not rewrite the name; the CNAME synthesised from an IN DNAME is
 * taken only when it is IN itself (a CH one is ignored: the DNAME step is
 * then synthesised locally). */
static void test_dname_needs_class_in(void **state)
{
	(void)state;
	struct rb b;
	struct dnsp_up_class c;
	rb_start(&b, "www.old.example.com.", DNSP_T_A, 1);
	rb_rr_class(&b, DNSP_SEC_ANSWER, "old.example.com.", DNSP_T_DNAME, DNSP_CLASS_CH, 60,
		    "new.example.com.");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	classify(m, "www.old.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.nchain, 0);
	assert_int_equal(c.nkeep, 0);
	assert_false(c.synthesized);
	assert_true(name_is(c.next, "www.old.example.com."));
	assert_int_not_equal(c.kind, DNSP_UP_CNAME);
	free(m);

	rb_start(&b, "www.old.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "old.example.com.", DNSP_T_DNAME, 60, "new.example.net.");
	rb_rr_class(&b, DNSP_SEC_ANSWER, "www.old.example.com.", DNSP_T_CNAME, DNSP_CLASS_CH, 60,
		    "www.new.example.net.");
	m = parse(&b, rb_finish(&b, 0, true));
	classify(m, "www.old.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_CNAME);
	assert_true(name_is(c.next, "www.new.example.net."));
	assert_int_equal(c.nkeep, 1);
	assert_int_equal(m->rr[c.keep[0]].type, DNSP_T_DNAME);
	assert_true(c.synthesized);
	free(m);
}

/* Rule: only class IN records are acted on. NS records of class CH in
 * authority are no delegation (a response with nothing else is lame);
 * beside IN ones they are not counted among the referral's servers. */
static void test_referral_needs_class_in(void **state)
{
	(void)state;
	struct rb b;
	struct dnsp_up_class c;
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	rb_rr_class(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_NS, DNSP_CLASS_CH, 172800,
		    "ns1.example.com.");
	rb_rr(&b, DNSP_SEC_ADDITIONAL, "ns1.example.com.", DNSP_T_A, 172800, "198.18.0.1");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, false));
	classify(m, "www.example.com.", DNSP_T_A, "com.", &c);
	assert_int_equal(c.kind, DNSP_UP_LAME);
	assert_int_equal(c.nns, 0);
	assert_int_equal(c.nglue, 0);
	free(m);

	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	rb_rr_class(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_NS, DNSP_CLASS_CH, 60,
		    "ns.chaos.example.com.");
	rb_rr(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_NS, 172800, "ns1.example.com.");
	rb_rr(&b, DNSP_SEC_ADDITIONAL, "ns.chaos.example.com.", DNSP_T_A, 172800, "198.18.0.9");
	rb_rr(&b, DNSP_SEC_ADDITIONAL, "ns1.example.com.", DNSP_T_A, 172800, "198.18.0.1");
	m = parse(&b, rb_finish(&b, 0, false));
	classify(m, "www.example.com.", DNSP_T_A, "com.", &c);
	assert_int_equal(c.kind, DNSP_UP_REFERRAL);
	assert_true(name_is(c.cut, "example.com."));
	assert_int_equal(c.nns, 1);
	assert_int_equal(m->rr[c.ns[0]].rclass, DNSP_CLASS_IN);
	assert_int_equal(c.ns_ttl, 172800);
	assert_int_equal(c.nglue, 1);
	assert_true(name_is(m->rr[c.glue[0]].owner, "ns1.example.com."));
	free(m);
}

/* Rule: only class IN records are kept. An SOA of class CH in authority
 * is treated as no SOA: NXDOMAIN keeps nothing (no negative TTL from it),
 * an authoritative NOERROR is NODATA without an SOA (not cacheable), a
 * non-authoritative one is lame. */
static void test_negative_soa_needs_class_in(void **state)
{
	(void)state;
	static const char soa[] = "ns1.example.com. host.example.com. 1 2 3 4 5";
	struct rb b;
	struct dnsp_up_class c;
	rb_start(&b, "nope.example.com.", DNSP_T_A, 1);
	rb_rr_class(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_SOA, DNSP_CLASS_CH, 3600, soa);
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, DNSP_RCODE_NXDOMAIN, true));
	classify(m, "nope.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_NXDOMAIN);
	assert_int_equal(c.nkeep, 0);
	free(m);

	rb_start(&b, "www.example.com.", DNSP_T_AAAA, 1);
	rb_rr_class(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_SOA, DNSP_CLASS_CH, 3600, soa);
	m = parse(&b, rb_finish(&b, 0, true));
	classify(m, "www.example.com.", DNSP_T_AAAA, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_NODATA);
	assert_int_equal(c.nkeep, 0);
	free(m);

	rb_start(&b, "www.example.com.", DNSP_T_AAAA, 1);
	rb_rr_class(&b, DNSP_SEC_AUTHORITY, "example.com.", DNSP_T_SOA, DNSP_CLASS_CH, 3600, soa);
	m = parse(&b, rb_finish(&b, 0, false));
	classify(m, "www.example.com.", DNSP_T_AAAA, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_LAME);
	assert_int_equal(c.nkeep, 0);
	free(m);
}

/* RFC 6672 §3.3: a DNAME rewrites the name below its owner; the
 * synthesised CNAME is kept with it. */
static void test_dname_substitution(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "www.old.example.com.", DNSP_T_A, 1);
	rb_rr(&b, DNSP_SEC_ANSWER, "old.example.com.", DNSP_T_DNAME, 60, "new.example.net.");
	rb_rr(&b, DNSP_SEC_ANSWER, "www.old.example.com.", DNSP_T_CNAME, 60,
	      "www.new.example.net.");
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	struct dnsp_up_class c;
	classify(m, "www.old.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_CNAME);
	assert_true(name_is(c.next, "www.new.example.net."));
	assert_int_equal(c.nkeep, 2);
	assert_false(c.synthesized);
	free(m);
}

/* Error rcodes: the server failed; FORMERR separately (EDNS fallback). */
static void test_error_rcodes(void **state)
{
	(void)state;
	struct rb b;
	struct dnsp_up_class c;
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, DNSP_RCODE_SERVFAIL, false));
	classify(m, "www.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_SERVFAIL);
	free(m);
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	m = parse(&b, rb_finish(&b, DNSP_RCODE_REFUSED, false));
	classify(m, "www.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_SERVFAIL);
	free(m);
	rb_start(&b, "www.example.com.", DNSP_T_A, 1);
	m = parse(&b, rb_finish(&b, DNSP_RCODE_FORMERR, false));
	classify(m, "www.example.com.", DNSP_T_A, "example.com.", &c);
	assert_int_equal(c.kind, DNSP_UP_FORMERR);
	free(m);
}

/* RFC 5452 §4 / 0x20: a reply must carry our ID and question; with 0x20
 * the name must match case for case. */
static void test_reply_matching(void **state)
{
	(void)state;
	struct rb b;
	rb_start(&b, "WwW.ExAmple.com.", DNSP_T_A, 4242);
	struct dnsp_up_msg *m = parse(&b, rb_finish(&b, 0, true));
	uint8_t sent[DNSP_NAME_MAX], lower[DNSP_NAME_MAX];
	wire("WwW.ExAmple.com.", sent);
	wire("www.example.com.", lower);
	assert_true(dnsp_up_matches(m, 4242, sent, DNSP_T_A, true));
	assert_false(dnsp_up_matches(m, 4243, sent, DNSP_T_A, true));
	assert_false(dnsp_up_matches(m, 4242, sent, DNSP_T_AAAA, true));
	assert_false(dnsp_up_matches(m, 4242, lower, DNSP_T_A, true));
	assert_true(dnsp_up_matches(m, 4242, lower, DNSP_T_A, false));
	free(m);
}

/* RFC 9156 §2.3: one label per step for MINIMISE_ONE_LAB steps, then the
 * rest spread so that at most MAX_MINIMISE_COUNT queries are minimised. */
static void test_qmin_schedule(void **state)
{
	(void)state;
	/* www.example.com from the root: com, example.com, then the full name */
	assert_int_equal(dnsp_qmin_next(0, 3, 0), 1);
	assert_int_equal(dnsp_qmin_next(1, 3, 1), 2);
	assert_int_equal(dnsp_qmin_next(2, 3, 2), 3);
	/* From a known cut one label below: straight to the name when one
	 * label remains. */
	assert_int_equal(dnsp_qmin_next(2, 3, 0), 3);
	/* A 30-label name from the root: bounded number of steps. */
	int known = 0, count = 0, steps = 0;
	int prev = 0;
	while (known < 30 && steps < 40) {
		int next = dnsp_qmin_next(known, 30, count);
		assert_true(next > prev);
		if (count < DNSP_QMIN_ONE_LAB)
			assert_int_equal(next, known + 1);
		prev = next;
		known = next;
		count++;
		steps++;
	}
	assert_int_equal(known, 30);
	assert_true(steps <= DNSP_QMIN_MAX_COUNT + 1);
}

static void test_name_ancestor(void **state)
{
	(void)state;
	uint8_t n[DNSP_NAME_MAX], out[DNSP_NAME_MAX];
	wire("a.b.example.com.", n);
	dnsp_name_ancestor(n, 2, out);
	assert_true(name_is(out, "example.com."));
	dnsp_name_ancestor(n, 0, out);
	assert_int_equal(out[0], 0);
	dnsp_name_ancestor(n, 4, out);
	assert_true(name_is(out, "a.b.example.com."));
}

/* Work limits: each kind stops at its bound and charges nothing beyond
 * (NXNSAttack: the upstream query budget bounds amplification). */
static void test_work_limits(void **state)
{
	(void)state;
	struct dnsp_work_limits l = { .max_referrals = 2, .max_cname_chain = 1,
				      .max_upstream_queries = 3, .max_ns_lookups = 1 };
	struct dnsp_work w = { 0 };
	for (int i = 0; i < 3; i++)
		assert_true(dnsp_work_charge(&w, &l, DNSP_WORK_QUERY));
	assert_false(dnsp_work_charge(&w, &l, DNSP_WORK_QUERY));
	assert_int_equal(w.queries, 3);
	assert_true(dnsp_work_charge(&w, &l, DNSP_WORK_REFERRAL));
	assert_true(dnsp_work_charge(&w, &l, DNSP_WORK_REFERRAL));
	assert_false(dnsp_work_charge(&w, &l, DNSP_WORK_REFERRAL));
	assert_true(dnsp_work_charge(&w, &l, DNSP_WORK_CNAME));
	assert_false(dnsp_work_charge(&w, &l, DNSP_WORK_CNAME));
	assert_true(dnsp_work_charge(&w, &l, DNSP_WORK_NS_LOOKUP));
	assert_false(dnsp_work_charge(&w, &l, DNSP_WORK_NS_LOOKUP));
}

/* RFC 7871 §6: the upstream query carries the client subnet truncated to
 * the source prefix, with SCOPE 0. */
static void test_build_query_ecs(void **state)
{
	(void)state;
	uint8_t buf[512], n[DNSP_NAME_MAX];
	wire("www.example.com.", n);
	uint8_t addr[16] = { 192, 0, 2, 77 };
	int len = dnsp_up_build_query(buf, sizeof(buf), 99, true, n, DNSP_T_A, true, 1232, 1, 24,
				      addr);
	assert_true(len > 0);
	struct dnsp_query q;
	assert_int_equal(dnsp_pkt_parse_query(buf, (size_t)len, &q), 0);
	assert_int_equal(q.id, 99);
	assert_true(q.flags & DNSP_FLAG_RD);
	assert_true(q.has_edns);
	assert_int_equal(q.edns_udp_size, 1232);
	assert_true(q.has_ecs);
	assert_int_equal(q.ecs_source_prefix, 24);
	assert_int_equal(q.ecs_scope_prefix, 0);
	assert_int_equal(q.ecs_addr[2], 2);
	assert_int_equal(q.ecs_addr[3], 0); /* truncated */
	/* Without EDNS: a bare question, RD clear. */
	len = dnsp_up_build_query(buf, sizeof(buf), 1, false, n, DNSP_T_NS, false, 0, 0, 0, NULL);
	assert_int_equal(dnsp_pkt_parse_query(buf, (size_t)len, &q), 0);
	assert_false(q.has_edns);
	assert_false(q.flags & DNSP_FLAG_RD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_decompresses_rdata),
		cmocka_unit_test(test_parse_rejects_truncated),
		cmocka_unit_test(test_answer_in_bailiwick),
		cmocka_unit_test(test_bailiwick_drops_injected_target),
		cmocka_unit_test(test_bailiwick_drops_unrelated_answer),
		cmocka_unit_test(test_question_outside_zone_is_lame),
		cmocka_unit_test(test_referral_with_glue),
		cmocka_unit_test(test_parse_rejects_bad_rdata_length),
		cmocka_unit_test(test_glue_needs_address_length),
		cmocka_unit_test(test_parse_rejects_rdata_pointer_loop),
		cmocka_unit_test(test_upward_referral_is_lame),
		cmocka_unit_test(test_nxdomain_soa),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_cname_chain_in_zone),
		cmocka_unit_test(test_cname_chain_bounded),
		cmocka_unit_test(test_chain_loops_bounded),
		cmocka_unit_test(test_dname_substitution),
		cmocka_unit_test(test_cname_loop_stops_at_repeat),
		cmocka_unit_test(test_dname_needs_class_in),
		cmocka_unit_test(test_referral_needs_class_in),
		cmocka_unit_test(test_negative_soa_needs_class_in),
		cmocka_unit_test(test_error_rcodes),
		cmocka_unit_test(test_reply_matching),
		cmocka_unit_test(test_qmin_schedule),
		cmocka_unit_test(test_name_ancestor),
		cmocka_unit_test(test_work_limits),
		cmocka_unit_test(test_build_query_ecs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
