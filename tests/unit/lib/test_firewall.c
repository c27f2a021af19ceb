/*
 * Unit tests of lib/firewall.c: matching semantics of domain-list entries
 * (SPEC §3 "Firewall", SEMANTICS §13), the evaluation order across rules,
 * the actions and block responses as built into a reply, the fail modes,
 * per-worker counters and the DGA / tunnelling heuristics. One test per
 * rule, named for it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "lib/arena.h"
#include "lib/firewall.h"
#include "lib/wire/name.h"
#include "lib/wire/pkt.h"

/* ---- helpers ---- */

struct fx {
	dnsp_arena_t *arena;
	dnsp_fw_builder_t *b;
	const struct dnsp_fw *fw;
	struct dnsp_fw_counters *ctr;
};

static struct fx *fx_new(void)
{
	static struct fx f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(dnsp_arena_create(&f.arena), 0);
	assert_int_equal(dnsp_fw_builder_create(&f.b), 0);
	return &f;
}

static void fx_free(struct fx *f)
{
	dnsp_fw_builder_destroy(f->b);
	dnsp_arena_destroy(f->arena);
}

static uint32_t rule(struct fx *f, uint8_t action, uint8_t block, const char *name)
{
	struct dnsp_fw_rule r = { .action = action, .block = block, .group_id = "frg-1",
		.name = name, .list_id = "fdl-1" };
	uint8_t wire[DNSP_NAME_MAX];
	if (action == DNSP_FW_BLOCK && block == DNSP_FW_BLOCK_OVERRIDE) {
		assert_true(dnsp_name_from_text("walled.example.", 15, NULL, wire) > 0);
		r.override_name = wire;
		r.override_ttl = 42;
	}
	int i = dnsp_fw_builder_add_rule(f->b, &r);
	assert_true(i >= 0);
	return (uint32_t)i;
}

static void entries(struct fx *f, uint32_t r, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		assert_int_equal(dnsp_fw_builder_add_domain(f->b, r, list[i], strlen(list[i])), 0);
}

static void compile(struct fx *f, bool ready, uint32_t nworkers)
{
	assert_int_equal(dnsp_fw_counters_create(f->arena, nworkers, DNSP_FW_SLOT_RULES + 8, &f->ctr),
			 0);
	assert_int_equal(dnsp_fw_compile(f->b, f->ctr, ready, f->arena, &f->fw), 0);
}

/* Index of the deciding rule for name (any case) and type. */
static int match(const struct fx *f, const char *name, uint16_t qtype)
{
	uint8_t w[DNSP_NAME_MAX];
	assert_true(dnsp_name_from_text(name, strlen(name), (const uint8_t *)"", w) > 0);
	dnsp_name_lower(w); /* as the query parser delivers it */
	return dnsp_fw_match(f->fw, w, qtype);
}

struct answer {
	int rc;                 /* dnsp_fw_apply result */
	struct dnsp_decision d;
	uint8_t buf[512];
	uint16_t len;
	uint16_t ancount;
};

/* Runs the pipeline step on a real query message for name/qtype. */
static void apply(const struct fx *f, bool fail_open, uint32_t worker, const char *name,
		  uint16_t qtype, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	uint8_t *b = a->buf;
	b[0] = 0xab; b[1] = 0xcd; b[2] = 0x01; b[5] = 1;
	size_t off = DNSP_HDR_LEN;
	int n = dnsp_name_from_text(name, strlen(name), (const uint8_t *)"", b + off);
	assert_true(n > 0);
	off += (size_t)n;
	b[off++] = (uint8_t)(qtype >> 8); b[off++] = (uint8_t)qtype;
	b[off++] = 0; b[off++] = 1;
	struct dnsp_query q;
	assert_int_equal(dnsp_pkt_parse_query(b, off, &q), 0);
	struct dnsp_resp r;
	dnsp_resp_init(&r, b, sizeof(a->buf), 512, &q);
	a->rc = dnsp_fw_apply(f->fw, fail_open, &q, &r, worker, &a->d);
	if (a->rc >= 0) {
		dnsp_resp_set_rcode(&r, (uint8_t)a->rc);
		a->len = dnsp_resp_finish(&r, &q, 1232, 0);
		a->ancount = (uint16_t)(b[6] << 8 | b[7]);
	}
}

static const char *const bad_list[] = { "evil.example.net", "*.c2.example.org", NULL };

/* ---- matching semantics ---- */

/* SPEC §3: "example.com" matches only that name. */
static void test_exact_entry_matches_only_that_name(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "r"), bad_list);
	compile(f, true, 1);
	assert_int_equal(match(f, "evil.example.net", DNSP_T_A), 0);
	assert_int_equal(match(f, "www.evil.example.net", DNSP_T_A), DNSP_FW_NOMATCH);
	assert_int_equal(match(f, "example.net", DNSP_T_A), DNSP_FW_NOMATCH);
	assert_int_equal(match(f, "notevil.example.net", DNSP_T_A), DNSP_FW_NOMATCH);
	fx_free(f);
}

/* SPEC §3: "*.example.com" matches every name below it, at any depth. */
static void test_wildcard_matches_every_name_below(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "r"), bad_list);
	compile(f, true, 1);
	assert_int_equal(match(f, "a.c2.example.org", DNSP_T_A), 0);
	assert_int_equal(match(f, "x.y.z.c2.example.org", DNSP_T_AAAA), 0);
	assert_int_equal(match(f, "c2.example.org.evil", DNSP_T_A), DNSP_FW_NOMATCH);
	assert_int_equal(match(f, "xc2.example.org", DNSP_T_A), DNSP_FW_NOMATCH);
	fx_free(f);
}

/* SPEC §3 (AWS, not stated in the DG: SEMANTICS §13 "not verified"):
 * "*.example.com" does not match the apex example.com itself. */
static void test_wildcard_does_not_match_apex(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "r"), bad_list);
	compile(f, true, 1);
	assert_int_equal(match(f, "c2.example.org", DNSP_T_A), DNSP_FW_NOMATCH);
	fx_free(f);
}

/* Matching is case-insensitive on the query name: the query parser
 * lowercases, entries are stored lowercase. */
static void test_matching_is_case_insensitive(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "r"), bad_list);
	compile(f, true, 1);
	struct answer a;
	apply(f, false, 0, "EVIL.Example.NET", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_RCODE_NXDOMAIN);
	apply(f, false, 0, "Deep.C2.EXAMPLE.org", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_RCODE_NXDOMAIN);
	fx_free(f);
}

/* "*" alone matches every name, the root included. */
static void test_star_matches_everything(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	static const char *const all[] = { "*", NULL };
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "all"), all);
	compile(f, true, 1);
	assert_int_equal(match(f, "anything.example", DNSP_T_A), 0);
	assert_int_equal(match(f, "com", DNSP_T_NS), 0);
	assert_int_equal(match(f, ".", DNSP_T_NS), 0);
	fx_free(f);
}

/* An empty list compiles and matches nothing. */
static void test_empty_list_matches_nothing(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	(void)rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "empty");
	compile(f, true, 1);
	assert_int_equal(match(f, "evil.example.net", DNSP_T_A), DNSP_FW_NOMATCH);
	fx_free(f);
}

/* Entries not in normal form are refused by the builder. */
static void test_builder_refuses_non_normal_entries(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	uint32_t r = rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "r");
	assert_int_equal(dnsp_fw_builder_add_domain(f->b, r, "UPPER.example", 13), DNSP_ESYNTAX);
	assert_int_equal(dnsp_fw_builder_add_domain(f->b, r, "a..b", 4), DNSP_ESYNTAX);
	assert_int_equal(dnsp_fw_builder_add_domain(f->b, r, "*.", 2), DNSP_ESYNTAX);
	/* An empty entry is no domain (lib/domainlist.h normal form): it must
	 * not become an exact key for the root name. */
	assert_int_equal(dnsp_fw_builder_add_domain(f->b, r, "", 0), DNSP_ESYNTAX);
	assert_int_equal(dnsp_fw_builder_add_domain(f->b, 7, "a.b", 3), -EINVAL);
	fx_free(f);
}

/* ---- order ---- */

/* SEMANTICS §13: rules are evaluated lowest index (priority) first and the
 * first matching rule decides, whichever entry kind matched. */
static void test_first_matching_rule_in_order_decides(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	static const char *const l0[] = { "*.allowed.example", NULL };
	static const char *const l1[] = { "x.allowed.example", "*.example", NULL };
	uint32_t r0 = rule(f, DNSP_FW_ALLOW, 0, "allow");
	uint32_t r1 = rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "block");
	entries(f, r1, l1); /* added first: order comes from the rules, not the entries */
	entries(f, r0, l0);
	compile(f, true, 1);
	assert_int_equal(match(f, "x.allowed.example", DNSP_T_A), (int)r0);
	assert_int_equal(match(f, "y.example", DNSP_T_A), (int)r1);
	fx_free(f);
}

/* Guide §7: a walled garden is ALLOW trusted, then BLOCK "*". */
static void test_walled_garden(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	static const char *const trusted[] = { "example.com", "*.example.com", NULL };
	static const char *const all[] = { "*", NULL };
	entries(f, rule(f, DNSP_FW_ALLOW, 0, "allow-trusted"), trusted);
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "block-all"), all);
	compile(f, true, 1);
	struct answer a;
	apply(f, false, 0, "www.example.com", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_FW_PASS);
	assert_int_equal(a.d.fw_action, DNSP_FW_ALLOW);
	apply(f, false, 0, "example.com", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_FW_PASS);
	apply(f, false, 0, "elsewhere.example.org", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_RCODE_NXDOMAIN);
	assert_string_equal(a.d.fw_rule_name, "block-all");
	fx_free(f);
}

/* SEMANTICS §13 (which wins over the issue text "ALERT ... evaluation
 * continues"): the first matching rule ends inspection, ALERT included;
 * the query goes on to the answer sources and the match is recorded. */
static void test_alert_records_match_and_stops_inspection(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	static const char *const l[] = { "evil.example.net", NULL };
	entries(f, rule(f, DNSP_FW_ALERT, 0, "alert-first"), l);
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "block-later"), l);
	compile(f, true, 1);
	struct answer a;
	apply(f, false, 0, "evil.example.net", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_FW_PASS);
	assert_int_equal(a.d.fw_action, DNSP_FW_ALERT);
	assert_string_equal(a.d.fw_rule_name, "alert-first");
	assert_string_equal(a.d.fw_rule_group_id, "frg-1");
	assert_string_equal(a.d.fw_domain_list_id, "fdl-1");
	assert_int_equal(dnsp_fw_counters_sum(f->ctr, f->fw->rules[0].counter), 1);
	fx_free(f);
}

/* SEMANTICS §13: a rule's Qtype filter restricts it to one query type; a
 * rule that does not apply lets later rules decide. */
static void test_qtype_filter_skips_rule_for_other_types(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	static const char *const l[] = { "evil.example.net", NULL };
	struct dnsp_fw_rule r0 = { .action = DNSP_FW_BLOCK, .block = DNSP_FW_BLOCK_NODATA,
		.qtype = DNSP_T_AAAA, .name = "aaaa-only", .group_id = "g" };
	int i0 = dnsp_fw_builder_add_rule(f->b, &r0);
	assert_int_equal(i0, 0);
	entries(f, 0, l);
	entries(f, rule(f, DNSP_FW_ALERT, 0, "alert-any"), l);
	compile(f, true, 1);
	assert_int_equal(match(f, "evil.example.net", DNSP_T_AAAA), 0);
	assert_int_equal(match(f, "evil.example.net", DNSP_T_A), 1);
	fx_free(f);
}

/* The same name in two lists of one rule (or twice in one list) counts
 * once and decides once. */
static void test_duplicate_entries_are_harmless(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	static const char *const l[] = { "dup.example", "dup.example", "*.dup.example", NULL };
	uint32_t r = rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "r");
	entries(f, r, l);
	entries(f, r, l);
	compile(f, true, 1);
	assert_int_equal(f->fw->nkeys, 1);
	assert_int_equal(match(f, "dup.example", DNSP_T_A), 0);
	assert_int_equal(match(f, "a.dup.example", DNSP_T_A), 0);
	fx_free(f);
}

/* ---- responses ---- */

/* SEMANTICS §13: BLOCK NODATA is a success with no answer (no SOA: the
 * firewall is not authoritative for the name). */
static void test_block_nodata_is_noerror_without_records(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NODATA, "nodata"), bad_list);
	compile(f, true, 1);
	struct answer a;
	apply(f, false, 0, "evil.example.net", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_RCODE_NOERROR);
	assert_int_equal(a.ancount, 0);
	assert_int_equal(a.buf[8] << 8 | a.buf[9], 0); /* NSCOUNT */
	assert_int_equal(a.buf[3] & 0xf, DNSP_RCODE_NOERROR);
	assert_int_equal(a.d.fw_action, DNSP_FW_BLOCK);
	fx_free(f);
}

static void test_block_nxdomain_sets_rcode(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "nx"), bad_list);
	compile(f, true, 1);
	struct answer a;
	apply(f, false, 0, "a.c2.example.org", DNSP_T_MX, &a);
	assert_int_equal(a.buf[3] & 0xf, DNSP_RCODE_NXDOMAIN);
	assert_int_equal(a.ancount, 0);
	fx_free(f);
}

/* SEMANTICS §13: OVERRIDE answers one CNAME, owned by the query name, to
 * BlockOverrideDomain with BlockOverrideTtl, whatever the query type. */
static void test_block_override_answers_cname_with_ttl(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_OVERRIDE, "override"), bad_list);
	compile(f, true, 1);
	struct answer a;
	apply(f, false, 0, "Evil.Example.Net", DNSP_T_AAAA, &a);
	assert_int_equal(a.rc, DNSP_RCODE_NOERROR);
	assert_int_equal(a.ancount, 1);
	/* question, then the record */
	uint8_t name[DNSP_NAME_MAX], target[DNSP_NAME_MAX];
	size_t wl;
	assert_true(dnsp_name_unpack(a.buf, a.len, DNSP_HDR_LEN, name, &wl, false) > 0);
	size_t o = DNSP_HDR_LEN + wl + 4;
	assert_true(dnsp_name_unpack(a.buf, a.len, o, name, &wl, false) > 0);
	assert_memory_equal(name, "\x04" "Evil\x07" "Example\x03" "Net", 18); /* client's case */
	o += wl;
	assert_int_equal(a.buf[o] << 8 | a.buf[o + 1], DNSP_T_CNAME);
	assert_int_equal(a.buf[o + 2] << 8 | a.buf[o + 3], DNSP_CLASS_IN);
	uint32_t ttl = (uint32_t)a.buf[o + 4] << 24 | (uint32_t)a.buf[o + 5] << 16 |
		       (uint32_t)a.buf[o + 6] << 8 | a.buf[o + 7];
	assert_int_equal(ttl, 42);
	assert_true(dnsp_name_unpack(a.buf, a.len, o + 10, target, &wl, true) > 0);
	assert_true(dnsp_name_equal(target, (const uint8_t *)"\x06" "walled" "\x07" "example"));
	fx_free(f);
}

/* ALLOW and no match both let the query through; only a match is
 * recorded. */
static void test_allow_and_no_match_pass(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_ALLOW, 0, "allow"), bad_list);
	compile(f, true, 1);
	struct answer a;
	apply(f, false, 0, "evil.example.net", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_FW_PASS);
	assert_int_equal(a.d.fw_action, DNSP_FW_ALLOW);
	apply(f, false, 0, "good.example.net", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_FW_PASS);
	assert_int_equal(a.d.fw_action, DNSP_FW_NONE);
	assert_null(a.d.fw_rule_name);
	fx_free(f);
}

/* ---- fail modes ---- */

/* SEMANTICS §13: without a verdict the query gets SERVFAIL (fail closed,
 * the default) ... */
static void test_cannot_evaluate_fails_closed_with_servfail(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "r"), bad_list);
	compile(f, false, 1);
	struct answer a;
	apply(f, false, 0, "good.example", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_RCODE_SERVFAIL);
	assert_true(a.d.fw_failed);
	assert_int_equal(dnsp_fw_counters_sum(f->ctr, DNSP_FW_SLOT_FAIL_CLOSED), 1);
	fx_free(f);
}

/* ... or passes when FirewallFailOpen is ENABLED. */
static void test_cannot_evaluate_fails_open_when_enabled(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "r"), bad_list);
	compile(f, false, 1);
	struct answer a;
	apply(f, true, 0, "evil.example.net", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_FW_PASS);
	assert_true(a.d.fw_failed);
	assert_int_equal(dnsp_fw_counters_sum(f->ctr, DNSP_FW_SLOT_FAIL_OPEN), 1);
	assert_int_equal(dnsp_fw_match(NULL, (const uint8_t *)"", DNSP_T_A), DNSP_FW_EFAIL);
	fx_free(f);
}

/* ---- counters ---- */

/* Counters are per worker rows on their own cache lines, summed by the
 * control plane; a worker index out of range counts nothing. */
static void test_counters_are_per_worker_rows(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "r"), bad_list);
	compile(f, true, 3);
	assert_int_equal(f->ctr->stride % 8, 0);
	assert_int_equal((uintptr_t)f->ctr->rows % 64, 0);
	struct answer a;
	apply(f, false, 0, "evil.example.net", DNSP_T_A, &a);
	apply(f, false, 2, "evil.example.net", DNSP_T_A, &a);
	apply(f, false, 2, "evil.example.net", DNSP_T_A, &a);
	apply(f, false, 9, "evil.example.net", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_RCODE_NXDOMAIN); /* still decided */
	uint32_t slot = f->fw->rules[0].counter;
	assert_int_equal(f->ctr->rows[0 * f->ctr->stride + slot], 1);
	assert_int_equal(f->ctr->rows[1 * f->ctr->stride + slot], 0);
	assert_int_equal(f->ctr->rows[2 * f->ctr->stride + slot], 2);
	assert_int_equal(dnsp_fw_counters_sum(f->ctr, slot), 3);
	fx_free(f);
}

/* ---- CNAME chain (FirewallDomainRedirectionAction) ---- */

/* A response for qname/A whose answer is one CNAME to target; q is the
 * parsed query. */
static void chain_resp(uint8_t *b, size_t cap, const char *qname, const char *target,
		       struct dnsp_query *q, struct dnsp_resp *r)
{
	memset(b, 0, cap);
	b[0] = 0x12; b[1] = 0x34; b[2] = 0x01; b[5] = 1;
	size_t off = DNSP_HDR_LEN;
	int n = dnsp_name_from_text(qname, strlen(qname), (const uint8_t *)"", b + off);
	assert_true(n > 0);
	off += (size_t)n;
	b[off++] = 0; b[off++] = DNSP_T_A;
	b[off++] = 0; b[off++] = 1;
	assert_int_equal(dnsp_pkt_parse_query(b, off, q), 0);
	dnsp_resp_init(r, b, (uint16_t)cap, 512, q);
	uint8_t t[DNSP_NAME_MAX];
	n = dnsp_name_from_text(target, strlen(target), (const uint8_t *)"", t);
	assert_true(n > 0);
	assert_true(dnsp_resp_put_rr(r, DNSP_SEC_ANSWER, NULL, DNSP_T_CNAME, DNSP_CLASS_IN, 60,
				     t, (uint16_t)n) >= 0);
}

/* SEMANTICS §13 INSPECT_REDIRECTION_DOMAIN, SPEC §3 matches counted once:
 * dnsp_fw_chain_blocks tells what dnsp_fw_apply_chain decides for a chain
 * without counting, recording or rewriting (the fast path's check of a
 * chain the slow path inspects and counts again in full). */
static void test_chain_blocks_is_a_dry_apply_chain(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	static const char *const alert_list[] = { "link.example.net", NULL };
	entries(f, rule(f, DNSP_FW_ALERT, 0, "alert"), alert_list);
	entries(f, rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "nx"), bad_list);
	compile(f, true, 1);
	uint32_t sa = f->fw->rules[0].counter, sb = f->fw->rules[1].counter;
	uint8_t b[512];
	struct dnsp_query q;
	struct dnsp_resp r;
	struct dnsp_decision d;

	chain_resp(b, sizeof(b), "www.example.com", "link.example.net", &q, &r);
	uint16_t len;
	assert_false(dnsp_fw_chain_blocks(f->fw, &q, &r));
	assert_int_equal(dnsp_fw_counters_sum(f->ctr, sa), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(dnsp_fw_apply_chain(f->fw, &q, &r, 0, &d), DNSP_FW_PASS);
	assert_int_equal(d.fw_action, DNSP_FW_ALERT);
	assert_int_equal(dnsp_fw_counters_sum(f->ctr, sa), 1);

	chain_resp(b, sizeof(b), "www.example.com", "a.c2.example.org", &q, &r);
	len = r.len;
	uint64_t before = dnsp_fw_counters_sum(f->ctr, sb);
	assert_true(dnsp_fw_chain_blocks(f->fw, &q, &r));
	assert_int_equal(r.len, len); /* untouched */
	assert_int_equal(r.count[DNSP_SEC_ANSWER], 1);
	assert_int_equal(dnsp_fw_counters_sum(f->ctr, sb), before);
	memset(&d, 0, sizeof(d));
	assert_int_equal(dnsp_fw_apply_chain(f->fw, &q, &r, 0, &d), DNSP_RCODE_NXDOMAIN);
	assert_int_equal(r.count[DNSP_SEC_ANSWER], 0);
	assert_int_equal(d.fw_action, DNSP_FW_BLOCK);
	assert_int_equal(dnsp_fw_counters_sum(f->ctr, sb), before + 1);
	fx_free(f);
}

/* ---- heuristics ---- */

static int score(const char *name, uint8_t kind)
{
	static float tab[256];
	uint8_t w[DNSP_NAME_MAX];
	dnsp_fw_nlog2n_fill(tab);
	assert_true(dnsp_name_from_text(name, strlen(name), (const uint8_t *)"", w) > 0);
	dnsp_name_lower(w);
	return dnsp_fw_threat_score(w, kind, tab);
}

/* README "DNS Firewall": DGA points for long, high-entropy, vowel-poor,
 * consonant-run, digit-mixed second-level labels; common names stay low. */
static void test_dga_score_separates_generated_names(void **state)
{
	(void)state;
	static const char *const benign[] = { "www.google.com", "en.wikipedia.org",
		"s3.amazonaws.com", "stackoverflow.com", "login.microsoftonline.com",
		"www.facebook.com", NULL };
	for (size_t i = 0; benign[i]; i++)
		assert_true(score(benign[i], DNSP_FW_THREAT_DGA) <
			    dnsp_fw_threat_threshold(DNSP_FW_THREAT_DGA, DNSP_FW_CONF_LOW));
	assert_true(score("xjwqkzpvbnmtrd.com", DNSP_FW_THREAT_DGA) >=
		    dnsp_fw_threat_threshold(DNSP_FW_THREAT_DGA, DNSP_FW_CONF_HIGH));
	assert_true(score("ezpzrnwvlx.net", DNSP_FW_THREAT_DGA) >=
		    dnsp_fw_threat_threshold(DNSP_FW_THREAT_DGA, DNSP_FW_CONF_MEDIUM));
	assert_true(score("kq3hf9s8dl2mzx.info", DNSP_FW_THREAT_DGA) >=
		    dnsp_fw_threat_threshold(DNSP_FW_THREAT_DGA, DNSP_FW_CONF_MEDIUM));
}

/* README "DNS Firewall": tunnelling points for long names, long labels,
 * many labels, high entropy and encoded-looking subdomains. */
static void test_tunnel_score_flags_encoded_subdomains(void **state)
{
	(void)state;
	assert_true(score("www.google.com", DNSP_FW_THREAT_TUNNELING) <
		    dnsp_fw_threat_threshold(DNSP_FW_THREAT_TUNNELING, DNSP_FW_CONF_LOW));
	assert_true(score("ec2-54-23-12-1.compute-1.amazonaws.com", DNSP_FW_THREAT_TUNNELING) <
		    dnsp_fw_threat_threshold(DNSP_FW_THREAT_TUNNELING, DNSP_FW_CONF_LOW));
	const char *dnscat = "8a4f0192bc7de3f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7."
			     "t.tunnel-example.com";
	assert_true(score(dnscat, DNSP_FW_THREAT_TUNNELING) >=
		    dnsp_fw_threat_threshold(DNSP_FW_THREAT_TUNNELING, DNSP_FW_CONF_HIGH));
	const char *b32 = "mzxw6ytboi.nbswy3dpeb.3w64tmmq.qgezdgnbv.gy3tqojq.data.example.net";
	assert_true(score(b32, DNSP_FW_THREAT_TUNNELING) >=
		    dnsp_fw_threat_threshold(DNSP_FW_THREAT_TUNNELING, DNSP_FW_CONF_LOW));
}

/* SEMANTICS §13 (DnsThreatProtection): a heuristic rule takes part in the
 * order like any rule and decides only when its confidence is reached. */
static void test_threat_rule_in_order_with_confidence(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	static const char *const allow[] = { "*.trusted.example", NULL };
	entries(f, rule(f, DNSP_FW_ALLOW, 0, "allow-trusted"), allow);
	struct dnsp_fw_rule t = { .action = DNSP_FW_BLOCK, .block = DNSP_FW_BLOCK_NXDOMAIN,
		.threat = DNSP_FW_THREAT_DGA, .confidence = DNSP_FW_CONF_MEDIUM,
		.name = "dga", .group_id = "g" };
	assert_int_equal(dnsp_fw_builder_add_rule(f->b, &t), 1);
	assert_int_equal(dnsp_fw_builder_add_domain(f->b, 1, "x.example", 9), -EINVAL);
	compile(f, true, 1);
	assert_int_equal(match(f, "xjwqkzpvbnmtrd.com", DNSP_T_A), 1);
	assert_int_equal(match(f, "xjwqkzpvbnmtrd.trusted.example", DNSP_T_A), 0);
	assert_int_equal(match(f, "www.example.com", DNSP_T_A), DNSP_FW_NOMATCH);
	struct answer a;
	apply(f, false, 0, "xjwqkzpvbnmtrd.com", DNSP_T_A, &a);
	assert_int_equal(a.rc, DNSP_RCODE_NXDOMAIN);
	assert_null(a.d.fw_domain_list_id);
	fx_free(f);
}

/* Hostile names (SPEC §3 "Firewall": exact and whole-label wildcard
 * matching on any valid query name): the longest valid names, 127 labels in
 * 255 bytes, match an exact entry of that length and a wildcard above it,
 * and a neighbour one label shorter does not match the exact entry; a
 * binary label holding a '.' byte is one label, never two; threat scores of
 * such names stay in range. */
static void test_hostile_names(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	char text[256];
	size_t tl = 0;
	for (int i = 0; i < 127; i++) {
		if (i)
			text[tl++] = '.';
		text[tl++] = 'a';
	}
	text[tl] = 0; /* 253 characters: "a.a. ... .a", 127 labels */
	uint32_t r0 = rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "deep");
	assert_int_equal(dnsp_fw_builder_add_domain(f->b, r0, text, tl), 0);
	uint32_t r1 = rule(f, DNSP_FW_ALERT, 0, "below-b");
	static const char *const l1[] = { "*.b", "a.example", NULL };
	entries(f, r1, l1);
	struct dnsp_fw_rule t = { .action = DNSP_FW_ALERT, .threat = DNSP_FW_THREAT_TUNNELING,
		.confidence = DNSP_FW_CONF_LOW, .name = "tun", .group_id = "g" };
	assert_int_equal(dnsp_fw_builder_add_rule(f->b, &t), 2);
	compile(f, true, 1);

	uint8_t w[DNSP_NAME_MAX];
	size_t o = 0;
	for (int i = 0; i < 127; i++) {
		w[o++] = 1;
		w[o++] = 'a';
	}
	w[o++] = 0;
	assert_int_equal(o, DNSP_NAME_MAX);
	assert_int_equal(dnsp_fw_match(f->fw, w, DNSP_T_A), (int)r0);
	/* 126 labels of "a": not the listed name; the tunnelling rule may
	 * or may not flag it, but the exact rule must not. */
	assert_int_not_equal(dnsp_fw_match(f->fw, w + 2, DNSP_T_A), (int)r0);
	/* 126 binary labels of 0xff under "b.": the wildcard (rule 1). */
	o = 0;
	for (int i = 0; i < 126; i++) {
		w[o++] = 1;
		w[o++] = 0xff;
	}
	w[o++] = 1;
	w[o++] = 'b';
	w[o++] = 0;
	assert_int_equal(dnsp_fw_match(f->fw, w, DNSP_T_A), (int)r1);
	/* One label "a.example" (a '.' byte inside) is not a.example. */
	static const uint8_t dotted[] = { 9, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };
	static const uint8_t real[] = { 1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };
	assert_int_equal(dnsp_fw_match(f->fw, real, DNSP_T_A), (int)r1);
	assert_int_not_equal(dnsp_fw_match(f->fw, dotted, DNSP_T_A), (int)r1);
	/* One 63-byte label repeated to 255 bytes: scores bounded. */
	o = 0;
	for (int i = 0; i < 3; i++) {
		w[o++] = 63;
		memset(w + o, 'q' + i, 63);
		o += 63;
	}
	w[o++] = 61;
	memset(w + o, '7', 61);
	o += 61;
	w[o++] = 0;
	assert_int_equal(o, DNSP_NAME_MAX);
	for (uint8_t kind = DNSP_FW_THREAT_DGA; kind <= DNSP_FW_THREAT_TUNNELING; kind++) {
		int sc = dnsp_fw_threat_score(w, kind, f->fw->nlog2n);
		assert_true(sc >= 0 && sc <= DNSP_FW_SCORE_MAX);
	}
	fx_free(f);
}

/* A large table stays exact: every entry matches, names next to them do
 * not (probing across collisions). */
static void test_many_entries_match_exactly(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	uint32_t r = rule(f, DNSP_FW_BLOCK, DNSP_FW_BLOCK_NXDOMAIN, "big");
	char name[64];
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(name, sizeof(name), i % 3 ? "host%d.example%d.com" :
			"*.zone%d.example%d.net", i, i % 97);
		assert_int_equal(dnsp_fw_builder_add_domain(f->b, r, name, (size_t)n), 0);
	}
	compile(f, true, 1);
	for (int i = 0; i < 20000; i += 7) {
		if (i % 3) {
			snprintf(name, sizeof(name), "host%d.example%d.com", i, i % 97);
			assert_int_equal(match(f, name, DNSP_T_A), 0);
			snprintf(name, sizeof(name), "host%d.example%d.com", i, (i + 1) % 97);
			assert_int_equal(match(f, name, DNSP_T_A), DNSP_FW_NOMATCH);
		} else {
			snprintf(name, sizeof(name), "a.b.zone%d.example%d.net", i, i % 97);
			assert_int_equal(match(f, name, DNSP_T_A), 0);
			snprintf(name, sizeof(name), "zone%d.example%d.net", i, i % 97);
			assert_int_equal(match(f, name, DNSP_T_A), DNSP_FW_NOMATCH);
		}
	}
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_entry_matches_only_that_name),
		cmocka_unit_test(test_wildcard_matches_every_name_below),
		cmocka_unit_test(test_wildcard_does_not_match_apex),
		cmocka_unit_test(test_matching_is_case_insensitive),
		cmocka_unit_test(test_star_matches_everything),
		cmocka_unit_test(test_empty_list_matches_nothing),
		cmocka_unit_test(test_builder_refuses_non_normal_entries),
		cmocka_unit_test(test_first_matching_rule_in_order_decides),
		cmocka_unit_test(test_walled_garden),
		cmocka_unit_test(test_alert_records_match_and_stops_inspection),
		cmocka_unit_test(test_qtype_filter_skips_rule_for_other_types),
		cmocka_unit_test(test_duplicate_entries_are_harmless),
		cmocka_unit_test(test_block_nodata_is_noerror_without_records),
		cmocka_unit_test(test_block_nxdomain_sets_rcode),
		cmocka_unit_test(test_block_override_answers_cname_with_ttl),
		cmocka_unit_test(test_allow_and_no_match_pass),
		cmocka_unit_test(test_cannot_evaluate_fails_closed_with_servfail),
		cmocka_unit_test(test_cannot_evaluate_fails_open_when_enabled),
		cmocka_unit_test(test_counters_are_per_worker_rows),
		cmocka_unit_test(test_chain_blocks_is_a_dry_apply_chain),
		cmocka_unit_test(test_dga_score_separates_generated_names),
		cmocka_unit_test(test_tunnel_score_flags_encoded_subdomains),
		cmocka_unit_test(test_threat_rule_in_order_with_confidence),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_many_entries_match_exactly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
