/*
 * Unit tests for lib/zone/zone.c: the builder and compiler (RRset merging,
 * trie shape, compile errors) and the authoritative answer rules, one test
 * per rule. Each answer test sends a real query through
 * dnsp_pkt_parse_query / dnsp_resp_* and reads the response back with a
 * small reader below, so the records are checked as a client sees them
 * ("owner TTL TYPE rdata" strings). Expected answers were checked against
 * knotd 3.2 serving the same zone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/wire/name.h"
#include "lib/wire/pkt.h"
#include "lib/wire/rdata.h"
#include "lib/zone/zone.h"

/* ---- building zones from text lines "owner ttl TYPE rdata" ---- */

static void add_line(dnsp_zone_builder_t *b, const uint8_t *origin, const char *line)
{
	char owner[256], type[32];
	unsigned ttl;
	int used = 0;
	assert_int_equal(sscanf(line, "%255s %u %31s %n", owner, &ttl, type, &used), 3);
	uint8_t name[DNSP_NAME_MAX], rd[4096];
	assert_true(dnsp_name_from_text(owner, strlen(owner), origin, name) > 0);
	int t = dnsp_rrtype_from_text(type, strlen(type));
	assert_true(t > 0);
	const char *rtext = line + used;
	if (strncmp(rtext, "ALIAS ", 6) == 0) {
		uint8_t target[DNSP_NAME_MAX];
		assert_true(dnsp_name_from_text(rtext + 6, strlen(rtext + 6), origin, target) > 0);
		assert_int_equal(dnsp_zone_builder_add_alias(b, name, (uint16_t)t, target), 0);
		return;
	}
	const char *emsg = NULL;
	int rdlen = dnsp_rdata_from_text((uint16_t)t, rtext, strlen(rtext), origin, rd,
					 sizeof(rd), &emsg);
	if (rdlen < 0)
		fail_msg("bad rdata in test line '%s': %s", line, emsg ? emsg : "?");
	assert_int_equal(dnsp_zone_builder_add(b, name, (uint16_t)t, ttl, rd, (uint16_t)rdlen), 0);
}

static dnsp_zone_builder_t *builder(const char *apex, const char *const *lines)
{
	uint8_t origin[DNSP_NAME_MAX];
	assert_true(dnsp_name_from_text(apex, strlen(apex), NULL, origin) > 0);
	dnsp_zone_builder_t *b = NULL;
	assert_int_equal(dnsp_zone_builder_create(origin, "ZTEST", &b), 0);
	for (; *lines; lines++)
		add_line(b, origin, *lines);
	return b;
}

/* Compiles lines into arena; fails the test on error. */
static const dnsp_zone_t *zone(dnsp_arena_t *arena, const char *apex, const char *const *lines)
{
	dnsp_zone_builder_t *b = builder(apex, lines);
	const dnsp_zone_t *z = NULL;
	char err[512];
	int rc = dnsp_zone_compile(b, arena, &z, err, sizeof(err));
	if (rc != 0)
		fail_msg("compile failed: %s", err);
	dnsp_zone_builder_destroy(b);
	return z;
}

/* Compiles lines and expects DNSP_ECONFIG with a message containing what. */
static void expect_compile_error(const char *const *lines, const char *what)
{
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	dnsp_zone_builder_t *b = builder("example.com.", lines);
	const dnsp_zone_t *z = NULL;
	char err[512] = "";
	assert_int_equal(dnsp_zone_compile(b, arena, &z, err, sizeof(err)), DNSP_ECONFIG);
	if (!strstr(err, what))
		fail_msg("error '%s' does not mention '%s'", err, what);
	dnsp_zone_builder_destroy(b);
	dnsp_arena_destroy(arena);
}

/* ---- asking and reading the response ---- */

#define MAXRR 64
struct answer {
	int rcode;
	uint16_t flags;
	bool tc;
	int n[3];
	char rr[3][MAXRR][600];
};

static size_t name_at(const uint8_t *msg, size_t len, size_t off, uint8_t out[DNSP_NAME_MAX])
{
	size_t wl = 0;
	assert_true(dnsp_name_unpack(msg, len, off, out, &wl, false) > 0);
	return wl;
}

/* Reads one record at *pos into "owner TTL TYPE rdata". */
static void read_rr(const uint8_t *msg, size_t len, size_t *pos, char *out, size_t cap)
{
	uint8_t owner[DNSP_NAME_MAX], rd[1024];
	char otext[1100], rtext[2048], tbuf[16];
	*pos += name_at(msg, len, *pos, owner);
	assert_true(*pos + 10 <= len);
	const uint8_t *h = msg + *pos;
	uint16_t type = (uint16_t)(h[0] << 8 | h[1]);
	uint32_t ttl = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
	uint16_t rdlen = (uint16_t)(h[8] << 8 | h[9]);
	size_t rdpos = *pos + 10, rlen = 0;
	assert_true(rdpos + rdlen <= len);
	/* Undo the compression the builder applies (NS, CNAME, PTR, MX, SOA). */
	if (type == DNSP_T_NS || type == DNSP_T_CNAME || type == DNSP_T_PTR) {
		uint8_t nm[DNSP_NAME_MAX];
		name_at(msg, len, rdpos, nm);
		rlen = dnsp_name_len(nm);
		memcpy(rd, nm, rlen);
	} else if (type == DNSP_T_MX) {
		uint8_t nm[DNSP_NAME_MAX];
		memcpy(rd, msg + rdpos, 2);
		name_at(msg, len, rdpos + 2, nm);
		memcpy(rd + 2, nm, dnsp_name_len(nm));
		rlen = 2 + dnsp_name_len(nm);
	} else if (type == DNSP_T_SOA) {
		uint8_t n1[DNSP_NAME_MAX], n2[DNSP_NAME_MAX];
		size_t w1 = name_at(msg, len, rdpos, n1);
		size_t w2 = name_at(msg, len, rdpos + w1, n2);
		size_t l1 = dnsp_name_len(n1), l2 = dnsp_name_len(n2);
		memcpy(rd, n1, l1);
		memcpy(rd + l1, n2, l2);
		memcpy(rd + l1 + l2, msg + rdpos + w1 + w2, 20);
		rlen = l1 + l2 + 20;
	} else {
		memcpy(rd, msg + rdpos, rdlen);
		rlen = rdlen;
	}
	assert_true(dnsp_name_to_text(owner, otext, sizeof(otext)) > 0);
	assert_true(dnsp_rdata_to_text(type, rd, rlen, rtext, sizeof(rtext)) >= 0);
	snprintf(out, cap, "%.255s %u %.15s %.300s", otext, ttl, dnsp_rrtype_to_text(type, tbuf),
		 rtext);
	*pos = rdpos + rdlen;
}

struct other_zones {
	const dnsp_zone_t *z[4];
	int n;
};

static const dnsp_zone_t *resolve_other(const void *ctx, const uint8_t *name)
{
	const struct other_zones *o = ctx;
	for (int i = 0; o && i < o->n; i++)
		if (dnsp_name_in(name, o->z[i]->apex))
			return o->z[i];
	return NULL;
}

static int ask_full(const dnsp_zone_t *z, const char *qtext, uint16_t qtype, uint16_t limit,
		    const struct other_zones *others, struct answer *a)
{
	uint8_t buf[4096];
	uint8_t qn[DNSP_NAME_MAX];
	int qlen = dnsp_name_from_text(qtext, strlen(qtext), NULL, qn);
	assert_true(qlen > 0);
	static const uint8_t hdr[12] = { 0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	memcpy(buf, hdr, 12);
	memcpy(buf + 12, qn, (size_t)qlen);
	buf[12 + qlen] = (uint8_t)(qtype >> 8);
	buf[13 + qlen] = (uint8_t)qtype;
	buf[14 + qlen] = 0;
	buf[15 + qlen] = 1;
	struct dnsp_query q;
	assert_int_equal(dnsp_pkt_parse_query(buf, 16u + (size_t)qlen, &q), 0);

	struct dnsp_resp r;
	dnsp_resp_init(&r, buf, sizeof(buf), limit, &q);
	int rc = dnsp_zone_answer(z, q.qname, qtype, &r, others ? resolve_other : NULL, others);
	uint16_t len = dnsp_resp_finish(&r, &q, DNSP_UDP_EDNS_CAP, 0);

	memset(a, 0, sizeof(*a));
	a->flags = (uint16_t)(buf[2] << 8 | buf[3]);
	a->rcode = a->flags & 0xf;
	a->tc = (a->flags & DNSP_FLAG_TC) != 0;
	size_t pos = 12;
	uint8_t tmp[DNSP_NAME_MAX];
	pos += name_at(buf, len, pos, tmp) + 4;
	for (int s = 0; s < 3; s++) {
		a->n[s] = buf[6 + 2 * s] << 8 | buf[7 + 2 * s];
		assert_true(a->n[s] <= MAXRR);
		for (int i = 0; i < a->n[s]; i++)
			read_rr(buf, len, &pos, a->rr[s][i], sizeof(a->rr[s][i]));
	}
	assert_int_equal(pos, len);
	return rc;
}

static int ask(const dnsp_zone_t *z, const char *qtext, uint16_t qtype, struct answer *a)
{
	return ask_full(z, qtext, qtype, 4096, NULL, a);
}

/* Checks section s holds exactly the given records, in any order. */
static void expect_section(const struct answer *a, int s, const char *const *want)
{
	int nwant = 0;
	while (want[nwant])
		nwant++;
	bool used[MAXRR] = { false };
	for (int i = 0; i < nwant; i++) {
		bool found = false;
		for (int j = 0; j < a->n[s] && !found; j++)
			if (!used[j] && strcmp(a->rr[s][j], want[i]) == 0)
				used[j] = found = true;
		if (!found) {
			for (int j = 0; j < a->n[s]; j++)
				print_message("  section %d has: %s\n", s, a->rr[s][j]);
			fail_msg("section %d lacks '%s'", s, want[i]);
		}
	}
	if (a->n[s] != nwant) {
		for (int j = 0; j < a->n[s]; j++)
			print_message("  section %d has: %s\n", s, a->rr[s][j]);
		fail_msg("section %d has %d records, expected %d", s, a->n[s], nwant);
	}
}

#define NONE_RR ((const char *const[]){ NULL })
#define RRS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define AA(a) (((a)->flags & DNSP_FLAG_AA) != 0)

/* ---- the zone most tests use ---- */

#define SOA_NEG "example.com. 300 SOA ns1.example.com. host.example.com. 1 7200 900 1209600 300"

static const char *const main_zone[] = {
	"@ 3600 SOA ns1 host 1 7200 900 1209600 300",
	"@ 3600 NS ns1",
	"@ 3600 NS ns2.other.net.",
	"@ 3600 MX 10 mail",
	"@ 3600 MX 20 mail.other.net.",
	"@ 3600 A 192.0.2.1",
	"@ 3600 TXT \"hello\"",
	"ns1 3600 A 192.0.2.53",
	"ns1 3600 AAAA 2001:db8::53",
	"mail 3600 A 192.0.2.25",
	"www 3600 A 192.0.2.80",
	"www 3600 AAAA 2001:db8::80",
	"a.b.c 3600 A 192.0.2.9",
	"*.wild 3600 A 192.0.2.99",
	"*.wild 3600 TXT \"wild\"",
	"x.wild 3600 TXT \"x\"",
	"*.wc 3600 CNAME www",
	"cname 3600 CNAME www",
	"c1 3600 CNAME c2",
	"c2 3600 CNAME c3",
	"c3 3600 A 192.0.2.3",
	"loop1 3600 CNAME loop2",
	"loop2 3600 CNAME loop1",
	"dangling 3600 CNAME nothere",
	"ext 3600 CNAME www.other.net.",
	"sub 3600 NS ns.sub",
	"sub 3600 NS ns.other.net.",
	"sub 3600 NS ns1",
	"sub 3600 DS 12345 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	"ns.sub 3600 A 192.0.2.200",
	"deep.sub 3600 A 192.0.2.201",
	"sub2 3600 NS ns.elsewhere.org.",
	"srv 3600 SRV 0 5 5060 www",
	NULL,
};

struct fixture {
	dnsp_arena_t *arena;
	const dnsp_zone_t *z;
};

static int setup_main(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_int_equal(dnsp_arena_create(&f->arena), 0);
	f->z = zone(f->arena, "example.com.", main_zone);
	*state = f;
	return 0;
}

static int teardown_main(void **state)
{
	struct fixture *f = *state;
	dnsp_arena_destroy(f->arena);
	free(f);
	return 0;
}

#define Z (((struct fixture *)*state)->z)

/* ---- answers ---- */

/* RFC 1034 §4.3.2 step 3a; RFC 4343 §4.1: the owner keeps the query's case. */
static void test_exact_hit_is_authoritative_and_keeps_query_case(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "WwW.ExAmple.COM.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	assert_int_equal(a.rcode, DNSP_RCODE_NOERROR);
	expect_section(&a, 0, RRS("WwW.ExAmple.COM. 3600 A 192.0.2.80"));
	expect_section(&a, 1, NONE_RR);
	expect_section(&a, 2, NONE_RR);
}

/* RFC 2308 §2.2 and §5: NODATA carries the SOA at min(SOA TTL, MINIMUM). */
static void test_nodata_soa_ttl_is_min_of_soa_ttl_and_minimum(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "www.example.com.", DNSP_T_TXT, &a), DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	expect_section(&a, 0, NONE_RR);
	expect_section(&a, 1, RRS(SOA_NEG)); /* TTL 3600, MINIMUM 300 */
	assert_int_equal(Z->neg_ttl, 300);

	/* The other way round: SOA TTL 100 below MINIMUM 500. */
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z2 = zone(arena, "t3.", RRS("@ 100 SOA ns h 1 2 3 4 500",
						       "@ 60 NS ns", "ns 60 A 10.0.0.1"));
	assert_int_equal(z2->neg_ttl, 100);
	ask(z2, "ns.t3.", DNSP_T_MX, &a);
	expect_section(&a, 1, RRS("t3. 100 SOA ns.t3. h.t3. 1 2 3 4 500"));
	dnsp_arena_destroy(arena);
}

/* RFC 1034 §4.3.2 step 3c; RFC 2308 §2.1: NXDOMAIN with the SOA, AA set. */
static void test_nxdomain_with_soa(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "nx.example.com.", DNSP_T_A, &a), DNSP_RCODE_NXDOMAIN);
	assert_int_equal(a.rcode, DNSP_RCODE_NXDOMAIN);
	assert_true(AA(&a));
	expect_section(&a, 0, NONE_RR);
	expect_section(&a, 1, RRS(SOA_NEG));
	expect_section(&a, 2, NONE_RR);
}

/* RFC 8020 / RFC 4592 §2.2.2: an empty non-terminal exists: NODATA. */
static void test_empty_non_terminal_is_nodata(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "b.c.example.com.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	expect_section(&a, 0, NONE_RR);
	expect_section(&a, 1, RRS(SOA_NEG));
	assert_int_equal(ask(Z, "c.example.com.", DNSP_T_ANY, &a), DNSP_RCODE_NOERROR);
	expect_section(&a, 1, RRS(SOA_NEG));
}

/* RFC 4592 §3.3.1: a name that does not exist below the wildcard's parent
 * is synthesized, with the owner rewritten to the query name. */
static void test_wildcard_synthesis_owner_is_qname(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "Y.wild.example.com.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	expect_section(&a, 0, RRS("Y.wild.example.com. 3600 A 192.0.2.99"));
	/* Several labels below the closest encloser match too (RFC 4592 §2.2.1). */
	ask(Z, "a.b.wild.example.com.", DNSP_T_TXT, &a);
	expect_section(&a, 0, RRS("a.b.wild.example.com. 3600 TXT \"wild\""));
	/* A type the wildcard lacks: NODATA. */
	assert_int_equal(ask(Z, "y.wild.example.com.", DNSP_T_MX, &a), DNSP_RCODE_NOERROR);
	expect_section(&a, 0, NONE_RR);
	expect_section(&a, 1, RRS(SOA_NEG));
}

/* RFC 4592 §2.2.1: a wildcard never applies to a name that exists. */
static void test_wildcard_not_applied_where_name_exists(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "x.wild.example.com.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	expect_section(&a, 0, NONE_RR);
	expect_section(&a, 1, RRS(SOA_NEG));
	/* Nor to the wildcard's parent, an empty non-terminal here. */
	ask(Z, "wild.example.com.", DNSP_T_A, &a);
	expect_section(&a, 0, NONE_RR);
	expect_section(&a, 1, RRS(SOA_NEG));
}

/* RFC 4592 §3.3.1: only the closest encloser's wildcard counts: below an
 * existing node without a "*" child the answer is NXDOMAIN. */
static void test_wildcard_not_applied_below_existing_node_without_wildcard(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "z.x.wild.example.com.", DNSP_T_A, &a), DNSP_RCODE_NXDOMAIN);
	assert_true(AA(&a));
	expect_section(&a, 0, NONE_RR);
	expect_section(&a, 1, RRS(SOA_NEG));
}

/* RFC 4592 §4.3 with RFC 1034 §4.3.2: a wildcard CNAME is synthesized for
 * the query name and followed. */
static void test_wildcard_cname_is_synthesized_and_followed(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "foo.wc.example.com.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	expect_section(&a, 0, RRS("foo.wc.example.com. 3600 CNAME www.example.com.",
				  "www.example.com. 3600 A 192.0.2.80"));
	/* The target lacks the type: NODATA after the CNAME. */
	ask(Z, "foo.wc.example.com.", DNSP_T_TXT, &a);
	expect_section(&a, 0, RRS("foo.wc.example.com. 3600 CNAME www.example.com."));
	expect_section(&a, 1, RRS(SOA_NEG));
}

/* RFC 1034 §4.3.2 step 3a: CNAMEs are followed inside the zone. */
static void test_cname_chain_within_zone(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "c1.example.com.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	expect_section(&a, 0, RRS("c1.example.com. 3600 CNAME c2.example.com.",
				  "c2.example.com. 3600 CNAME c3.example.com.",
				  "c3.example.com. 3600 A 192.0.2.3"));
	expect_section(&a, 1, NONE_RR);
	/* Asking for the CNAME itself does not follow it. */
	ask(Z, "c1.example.com.", DNSP_T_CNAME, &a);
	expect_section(&a, 0, RRS("c1.example.com. 3600 CNAME c2.example.com."));
	/* Out of zone, no resolver: the chain stops with NOERROR. */
	assert_int_equal(ask(Z, "ext.example.com.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	expect_section(&a, 0, RRS("ext.example.com. 3600 CNAME www.other.net."));
	expect_section(&a, 1, NONE_RR);
}

/* RFC 6604 §2.1: the rcode is the last name's; a missing in-zone target is
 * NXDOMAIN with the SOA (as Knot answers). */
static void test_cname_to_missing_name_is_nxdomain(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "dangling.example.com.", DNSP_T_A, &a), DNSP_RCODE_NXDOMAIN);
	assert_true(AA(&a));
	expect_section(&a, 0, RRS("dangling.example.com. 3600 CNAME nothere.example.com."));
	expect_section(&a, 1, RRS(SOA_NEG));
}

/* RFC 1034 §3.6.2 / RFC 2181 §10.1: loops are cut; each CNAME is written
 * once and the answer is NOERROR without an SOA (as Knot answers). */
static void test_cname_loop_is_bounded(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "loop1.example.com.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	expect_section(&a, 0, RRS("loop1.example.com. 3600 CNAME loop2.example.com.",
				  "loop2.example.com. 3600 CNAME loop1.example.com."));
	expect_section(&a, 1, NONE_RR);

	/* A wildcard CNAME onto itself: written twice, then cut. */
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z = zone(arena, "t4.", RRS("@ 100 SOA ns h 1 2 3 4 500",
						      "@ 60 NS ns", "ns 60 A 10.0.0.1",
						      "*.w2 60 CNAME a.w2", "self 60 CNAME self"));
	ask(z, "b.w2.t4.", DNSP_T_A, &a);
	expect_section(&a, 0, RRS("b.w2.t4. 60 CNAME a.w2.t4.", "a.w2.t4. 60 CNAME a.w2.t4."));
	ask(z, "self.t4.", DNSP_T_A, &a);
	expect_section(&a, 0, RRS("self.t4. 60 CNAME self.t4."));
	dnsp_arena_destroy(arena);
}

/* A chain longer than DNSP_CNAME_CHAIN_MAX is cut after that many CNAMEs. */
static void test_cname_chain_length_is_capped(void **state)
{
	(void)state;
	char lines[40][64];
	const char *ptrs[41];
	int n = 0;
	snprintf(lines[n], sizeof(lines[n]), "@ 60 SOA ns h 1 2 3 4 5");
	ptrs[n] = lines[n];
	n++;
	for (int i = 0; i < 30; i++, n++) {
		snprintf(lines[n], sizeof(lines[n]), "k%d 60 CNAME k%d", i, i + 1);
		ptrs[n] = lines[n];
	}
	snprintf(lines[n], sizeof(lines[n]), "k30 60 A 10.0.0.1");
	ptrs[n] = lines[n];
	ptrs[++n] = NULL;
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z = zone(arena, "t.", ptrs);
	struct answer a;
	assert_int_equal(ask(z, "k0.t.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	assert_int_equal(a.n[0], DNSP_CNAME_CHAIN_MAX);
	assert_int_equal(a.n[1], 0);
	dnsp_arena_destroy(arena);
}

/* RFC 1034 §4.3.2 step 3a: "if the data is in another zone we serve",
 * resolve_other lets the chain continue there; AA stays from the first. */
static void test_cname_followed_into_other_zone(void **state)
{
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *o = zone(arena, "other.net.", RRS("@ 60 SOA ns h 1 2 3 4 30",
							     "www 60 A 198.51.100.1"));
	struct other_zones oz = { .z = { o }, .n = 1 };
	struct answer a;
	assert_int_equal(ask_full(Z, "ext.example.com.", DNSP_T_A, 4096, &oz, &a),
			 DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	expect_section(&a, 0, RRS("ext.example.com. 3600 CNAME www.other.net.",
				  "www.other.net. 60 A 198.51.100.1"));
	/* Negative answers come from the other zone. */
	ask_full(Z, "ext.example.com.", DNSP_T_MX, 4096, &oz, &a);
	expect_section(&a, 1, RRS("other.net. 30 SOA ns.other.net. h.other.net. 1 2 3 4 30"));
	dnsp_arena_destroy(arena);
}

/*
 * RFC 1034 §4.3.2 step 3a across zones and back: a chain that leaves the
 * question's zone (resolve_other) and returns to it goes on there as
 * before, linked targets included (in the other zone too, whose names do
 * not end in the question's apex), and a negative end carries the SOA
 * of the question's zone with its owner spelt as the question spells the
 * apex (RFC 1035 §4.1.4 pointer; names compare without case, RFC 4343).
 */
static void test_cname_chain_back_into_question_zone(void **state)
{
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *o1 = zone(arena, "other.net.", RRS("@ 60 SOA ns h 1 2 3 4 30",
							      "www 60 CNAME w2.other.net.",
							      "w2 60 CNAME cname.example.com."));
	const dnsp_zone_t *o2 = zone(arena, "other.net.", RRS("@ 60 SOA ns h 1 2 3 4 30",
							      "www 60 CNAME dangling.example.com."));
	struct other_zones oz1 = { .z = { o1, Z }, .n = 2 };
	struct other_zones oz2 = { .z = { o2, Z }, .n = 2 };
	struct answer a;
	assert_int_equal(ask_full(Z, "ext.example.com.", DNSP_T_A, 4096, &oz1, &a),
			 DNSP_RCODE_NOERROR);
	expect_section(&a, 0, RRS("ext.example.com. 3600 CNAME www.other.net.",
				  "www.other.net. 60 CNAME w2.other.net.",
				  "w2.other.net. 60 CNAME cname.example.com.",
				  "cname.example.com. 3600 CNAME www.example.com.",
				  "www.example.com. 3600 A 192.0.2.80"));
	expect_section(&a, 1, NONE_RR);
	assert_int_equal(ask_full(Z, "ext.example.com.", DNSP_T_A, 4096, &oz2, &a),
			 DNSP_RCODE_NXDOMAIN);
	expect_section(&a, 0, RRS("ext.example.com. 3600 CNAME www.other.net.",
				  "www.other.net. 60 CNAME dangling.example.com.",
				  "dangling.example.com. 3600 CNAME nothere.example.com."));
	expect_section(&a, 1, RRS(SOA_NEG));
	/* the question's spelling of the apex: the SOA owner points there */
	assert_int_equal(ask_full(Z, "EXT.Example.COM.", DNSP_T_A, 4096, &oz2, &a),
			 DNSP_RCODE_NXDOMAIN);
	assert_int_equal(a.n[0], 3);
	expect_section(&a, 1, RRS("Example.COM. 300 SOA ns1.Example.COM. host.Example.COM. "
				  "1 7200 900 1209600 300"));
	dnsp_arena_destroy(arena);
}

/*
 * RFC 1035 §4.1.4 at the edges of the compression index: a zone whose apex
 * has more labels than the question's part of the index holds (64), asked
 * for names below it, still gets every name right: CNAME targets linked in
 * the zone, the data after them, and the SOA of a negative answer.
 */
static void test_deep_apex_chain_and_negative_answer(void **state)
{
	(void)state;
	char apex[DNSP_NAME_MAX * 2] = "", q[DNSP_NAME_MAX * 2], want[3][DNSP_NAME_MAX * 4];
	for (int i = 0; i < 66; i++)
		strcat(apex, "a.");
	strcat(apex, "deep.test.");
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z = zone(arena, apex, RRS("@ 60 SOA ns1.x. h.x. 1 2 3 4 30", "x 60 CNAME y",
						      "y 60 CNAME z", "z 60 A 192.0.2.1",
						      "m 60 CNAME nope"));
	struct answer a;
	snprintf(q, sizeof(q), "x.%s", apex);
	assert_int_equal(ask(z, q, DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	snprintf(want[0], sizeof(want[0]), "x.%s 60 CNAME y.%s", apex, apex);
	snprintf(want[1], sizeof(want[1]), "y.%s 60 CNAME z.%s", apex, apex);
	snprintf(want[2], sizeof(want[2]), "z.%s 60 A 192.0.2.1", apex);
	expect_section(&a, 0, RRS(want[0], want[1], want[2]));
	snprintf(q, sizeof(q), "m.%s", apex);
	assert_int_equal(ask(z, q, DNSP_T_A, &a), DNSP_RCODE_NXDOMAIN);
	snprintf(want[0], sizeof(want[0]), "m.%s 60 CNAME nope.%s", apex, apex);
	snprintf(want[1], sizeof(want[1]), "%s 30 SOA ns1.x. h.x. 1 2 3 4 30", apex);
	expect_section(&a, 0, RRS(want[0]));
	expect_section(&a, 1, RRS(want[1]));
	dnsp_arena_destroy(arena);
}

/* RFC 1034 §4.3.2 step 3b: below a zone cut the answer is a referral: NS in
 * authority, no AA, glue A/AAAA for the in-zone NS targets. */
static void test_referral_with_glue_and_no_aa(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "www.sub.example.com.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	assert_false(AA(&a));
	expect_section(&a, 0, NONE_RR);
	expect_section(&a, 1, RRS("sub.example.com. 3600 NS ns.sub.example.com.",
				  "sub.example.com. 3600 NS ns.other.net.",
				  "sub.example.com. 3600 NS ns1.example.com."));
	expect_section(&a, 2, RRS("ns.sub.example.com. 3600 A 192.0.2.200",
				  "ns1.example.com. 3600 A 192.0.2.53",
				  "ns1.example.com. 3600 AAAA 2001:db8::53"));
	/* NS at the cut itself is a referral too. */
	ask(Z, "sub.example.com.", DNSP_T_NS, &a);
	assert_false(AA(&a));
	assert_int_equal(a.n[0], 0);
	assert_int_equal(a.n[1], 3);
	/* A cut whose NS are out of zone: no additional records. */
	ask(Z, "sub2.example.com.", DNSP_T_A, &a);
	expect_section(&a, 1, RRS("sub2.example.com. 3600 NS ns.elsewhere.org."));
	expect_section(&a, 2, NONE_RR);
}

/* RFC 4035 §3.1.4.1 / RFC 4034 §5: DS lives in the parent: a DS query at
 * the cut is answered authoritatively from this zone. */
static void test_ds_at_cut_answered_authoritatively(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "sub.example.com.", DNSP_T_DS, &a), DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	expect_section(&a, 0, RRS("sub.example.com. 3600 DS 12345 8 2 "
				  "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01234567 89ABCDEF"));
	expect_section(&a, 1, NONE_RR);
	/* A cut without DS: authoritative NODATA. */
	ask(Z, "sub2.example.com.", DNSP_T_DS, &a);
	assert_true(AA(&a));
	expect_section(&a, 1, RRS(SOA_NEG));
	/* Below the cut DS is the child's business: referral. */
	ask(Z, "x.sub.example.com.", DNSP_T_DS, &a);
	assert_false(AA(&a));
	assert_int_equal(a.n[1], 3);
}

/* RFC 1034 §4.2.1: data below a cut (glue, occluded names) is never an
 * answer; asking for it gives the referral. */
static void test_occluded_names_answered_as_referral(void **state)
{
	struct answer a;
	const char *names[] = { "ns.sub.example.com.", "deep.sub.example.com." };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ask(Z, names[i], DNSP_T_A, &a), DNSP_RCODE_NOERROR);
		assert_false(AA(&a));
		expect_section(&a, 0, NONE_RR);
		assert_int_equal(a.n[1], 3);
		assert_int_equal(a.n[2], 3);
	}
	/* ANY at a cut: referral as well. */
	ask(Z, "sub.example.com.", DNSP_T_ANY, &a);
	assert_false(AA(&a));
	assert_int_equal(a.n[1], 3);
}

/* RFC 1034 §4.3.2 step 3a + RFC 1035 §3.3.11: NS at the apex is an
 * authoritative answer with the A/AAAA of in-zone servers in additional. */
static void test_apex_ns_with_glue(void **state)
{
	struct answer a;
	assert_int_equal(ask(Z, "example.com.", DNSP_T_NS, &a), DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	expect_section(&a, 0, RRS("example.com. 3600 NS ns1.example.com.",
				  "example.com. 3600 NS ns2.other.net."));
	expect_section(&a, 1, NONE_RR);
	expect_section(&a, 2, RRS("ns1.example.com. 3600 A 192.0.2.53",
				  "ns1.example.com. 3600 AAAA 2001:db8::53"));
}

/* RFC 1035 §3.3.9, RFC 2782: MX and SRV answers carry their in-zone
 * targets' addresses in additional. */
static void test_mx_and_srv_additional(void **state)
{
	struct answer a;
	ask(Z, "example.com.", DNSP_T_MX, &a);
	expect_section(&a, 0, RRS("example.com. 3600 MX 10 mail.example.com.",
				  "example.com. 3600 MX 20 mail.other.net."));
	expect_section(&a, 2, RRS("mail.example.com. 3600 A 192.0.2.25"));
	ask(Z, "srv.example.com.", DNSP_T_SRV, &a);
	expect_section(&a, 0, RRS("srv.example.com. 3600 SRV 0 5 5060 www.example.com."));
	expect_section(&a, 2, RRS("www.example.com. 3600 A 192.0.2.80",
				  "www.example.com. 3600 AAAA 2001:db8::80"));
}

/* Knot parity: a target covered only by a wildcard gets the synthesized
 * addresses, owner = the target name. */
static void test_additional_for_wildcard_covered_target(void **state)
{
	(void)state;
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z = zone(arena, "t3.", RRS("@ 100 SOA ns h 1 2 3 4 500",
						      "@ 60 NS ns", "@ 60 MX 30 nx",
						      "* 60 A 10.9.9.9", "ns 60 A 10.0.0.1"));
	struct answer a;
	ask(z, "t3.", DNSP_T_MX, &a);
	expect_section(&a, 2, RRS("nx.t3. 60 A 10.9.9.9"));
	dnsp_arena_destroy(arena);
}

/* Knot parity: additional records that do not fit are left out without
 * TC; the answer itself stays complete. */
static void test_additional_overflow_does_not_set_tc(void **state)
{
	struct answer a;
	/* 512 bytes hold the answer and only part of the additional. */
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const char *lines[40];
	char buf[40][80];
	int n = 0;
	lines[n++] = "@ 60 SOA ns h 1 2 3 4 5";
	for (int i = 0; i < 12; i++, n++) {
		snprintf(buf[n], sizeof(buf[n]), "@ 60 NS a-long-server-name-%02d", i);
		lines[n] = buf[n];
	}
	for (int i = 0; i < 12; i++, n++) {
		snprintf(buf[n], sizeof(buf[n]), "a-long-server-name-%02d 60 AAAA 2001:db8::%d", i, i);
		lines[n] = buf[n];
	}
	lines[n] = NULL;
	const dnsp_zone_t *z = zone(arena, "t.", lines);
	ask_full(z, "t.", DNSP_T_NS, 512, NULL, &a);
	(void)state;
	assert_false(a.tc);
	assert_int_equal(a.n[0], 12);
	assert_true(a.n[2] > 0 && a.n[2] < 12);
	dnsp_arena_destroy(arena);
}

/* RFC 2181 §9 (and Knot): an RRset that does not fit is left out whole and
 * TC is set; RRsets written before it stay. */
static void test_truncation_drops_whole_rrsets(void **state)
{
	(void)state;
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const char *lines[50];
	char buf[50][64];
	int n = 0;
	lines[n++] = "@ 60 SOA ns h 1 2 3 4 5";
	lines[n++] = "cn 60 CNAME many";
	for (int i = 1; i <= 40; i++, n++) {
		snprintf(buf[n], sizeof(buf[n]), "many 60 A 10.0.0.%d", i);
		lines[n] = buf[n];
	}
	lines[n] = NULL;
	const dnsp_zone_t *z = zone(arena, "t8.", lines);
	struct answer a;
	ask_full(z, "many.t8.", DNSP_T_A, 512, NULL, &a);
	assert_true(a.tc);
	assert_true(AA(&a));
	assert_int_equal(a.n[0], 0);
	ask_full(z, "cn.t8.", DNSP_T_A, 512, NULL, &a);
	assert_true(a.tc);
	expect_section(&a, 0, RRS("cn.t8. 60 CNAME many.t8."));
	/* With room, the whole RRset. */
	ask_full(z, "many.t8.", DNSP_T_A, 4096, NULL, &a);
	assert_false(a.tc);
	assert_int_equal(a.n[0], 40);
	dnsp_arena_destroy(arena);
}

/* RFC 8482 §4.2: ANY is answered with one RRset (Knot: the smallest type),
 * over UDP and TCP alike. */
static void test_any_answers_one_rrset(void **state)
{
	struct answer a;
	ask(Z, "example.com.", DNSP_T_ANY, &a);
	assert_true(AA(&a));
	expect_section(&a, 0, RRS("example.com. 3600 A 192.0.2.1"));
	/* A CNAME node answers its CNAME, not followed. */
	ask(Z, "cname.example.com.", DNSP_T_ANY, &a);
	expect_section(&a, 0, RRS("cname.example.com. 3600 CNAME www.example.com."));
	/* The chosen RRset gets its additional records. */
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z = zone(arena, "t2.", RRS("@ 60 SOA ns h 1 2 3 4 5", "@ 60 NS ns",
						      "@ 60 TXT \"apex\"", "ns 60 A 10.0.0.1"));
	ask(z, "t2.", DNSP_T_ANY, &a);
	expect_section(&a, 0, RRS("t2. 60 NS ns.t2."));
	expect_section(&a, 2, RRS("ns.t2. 60 A 10.0.0.1"));
	dnsp_arena_destroy(arena);
}

/* Route 53 alias at the apex: answers the target's records of the same
 * type with the target's TTL and the queried name as owner. */
static void test_alias_at_apex_uses_target_ttl(void **state)
{
	(void)state;
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z = zone(arena, "example.com.",
				    RRS("@ 900 SOA ns h 1 2 3 4 60", "@ 900 NS ns",
					"@ 0 A ALIAS lb", "lb 42 A 192.0.2.7", "lb 42 A 192.0.2.8",
					"ns 900 A 192.0.2.1"));
	struct answer a;
	assert_int_equal(ask(z, "Example.com.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	expect_section(&a, 0, RRS("Example.com. 42 A 192.0.2.7", "Example.com. 42 A 192.0.2.8"));
	/* The alias only covers its type. */
	ask(z, "example.com.", DNSP_T_AAAA, &a);
	expect_section(&a, 0, NONE_RR);
	expect_section(&a, 1, RRS("example.com. 60 SOA ns.example.com. h.example.com. 1 2 3 4 60"));
	dnsp_arena_destroy(arena);
}

/* Alias to alias is followed (at most DNSP_ALIAS_DEPTH hops). */
static void test_alias_chain_is_followed(void **state)
{
	(void)state;
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z = zone(arena, "example.com.",
				    RRS("@ 900 SOA ns h 1 2 3 4 60", "a 0 AAAA ALIAS b",
					"b 0 AAAA ALIAS c", "c 77 AAAA 2001:db8::c",
					"www 0 A ALIAS a", "a 0 A ALIAS c", "c 88 A 192.0.2.12"));
	struct answer a;
	ask(z, "a.example.com.", DNSP_T_AAAA, &a);
	expect_section(&a, 0, RRS("a.example.com. 77 AAAA 2001:db8::c"));
	ask(z, "www.example.com.", DNSP_T_A, &a);
	expect_section(&a, 0, RRS("www.example.com. 88 A 192.0.2.12"));
	dnsp_arena_destroy(arena);
}

/* Knot parity: a CNAME into a delegation gives the referral in authority
 * and keeps AA from the CNAME. */
static void test_cname_into_delegation_keeps_aa(void **state)
{
	(void)state;
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z = zone(arena, "t3.", RRS("@ 100 SOA ns h 1 2 3 4 500",
						      "@ 60 NS ns", "ns 60 A 10.0.0.1",
						      "cn 60 CNAME deep.sub", "sub 60 NS ns.sub",
						      "ns.sub 60 A 10.0.0.4",
						      "deep.sub 60 A 10.0.0.6"));
	struct answer a;
	assert_int_equal(ask(z, "cn.t3.", DNSP_T_A, &a), DNSP_RCODE_NOERROR);
	assert_true(AA(&a));
	expect_section(&a, 0, RRS("cn.t3. 60 CNAME deep.sub.t3."));
	expect_section(&a, 1, RRS("sub.t3. 60 NS ns.sub.t3."));
	expect_section(&a, 2, RRS("ns.sub.t3. 60 A 10.0.0.4"));
	dnsp_arena_destroy(arena);
}

/* Knot parity (RFC 4592 §4.2 leaves it open): a wildcard holding NS is a
 * referral whose owner is the wildcard itself. */
static void test_wildcard_delegation_is_referral(void **state)
{
	(void)state;
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z = zone(arena, "t5.", RRS("@ 100 SOA ns h 1 2 3 4 500",
						      "@ 60 NS ns", "ns 60 A 10.0.0.1",
						      "*.wd 60 NS ns", "*.wd 60 A 10.0.0.9"));
	struct answer a;
	ask(z, "a.wd.t5.", DNSP_T_A, &a);
	assert_false(AA(&a));
	expect_section(&a, 1, RRS("*.wd.t5. 60 NS ns.t5."));
	expect_section(&a, 2, RRS("ns.t5. 60 A 10.0.0.1"));
	dnsp_arena_destroy(arena);
}

/* ---- builder and compiled shape ---- */

/* RFC 2181 §5.2 (TTL = min), §5 (duplicates dropped), RFC 4034 §6.2-6.3
 * (names in rdata lowercased, rdata in canonical order). */
static void test_rrset_merge_ttl_min_dedupe_canonical_order(void **state)
{
	(void)state;
	dnsp_arena_t *arena;
	assert_int_equal(dnsp_arena_create(&arena), 0);
	const dnsp_zone_t *z = zone(arena, "example.com.",
				    RRS("@ 900 SOA NS.Example.COM. H 1 2 3 4 60",
					"w 300 A 192.0.2.9", "W 100 A 192.0.2.1", "w 200 A 192.0.2.9",
					"m 60 MX 10 Mail", "m 60 MX 10 MAIL"));
	struct answer a;
	ask(z, "w.example.com.", DNSP_T_A, &a);
	assert_int_equal(a.n[0], 2);
	assert_string_equal(a.rr[0][0], "w.example.com. 100 A 192.0.2.1");
	assert_string_equal(a.rr[0][1], "w.example.com. 100 A 192.0.2.9");
	ask(z, "m.example.com.", DNSP_T_MX, &a);
	expect_section(&a, 0, RRS("m.example.com. 60 MX 10 mail.example.com."));
	ask(z, "example.com.", DNSP_T_SOA, &a);
	expect_section(&a, 0, RRS("example.com. 900 SOA ns.example.com. h.example.com. 1 2 3 4 60"));
	assert_int_equal(z->nrecords, 4); /* SOA, two A, one MX */
	dnsp_arena_destroy(arena);
}

/* Zone contract: children sorted canonically, "*" child linked, empty
 * non-terminals created, flags set. */
static void test_trie_shape(void **state)
{
	const dnsp_zone_t *z = Z;
	const struct dnsp_znode *root = z->root;
	assert_true(root->flags & DNSP_ZN_APEX);
	assert_non_null(z->soa);
	for (uint32_t i = 1; i < root->nchildren; i++) {
		const uint8_t *x = root->children[i - 1]->label, *y = root->children[i]->label;
		int c = memcmp(x + 1, y + 1, x[0] < y[0] ? x[0] : y[0]);
		assert_true(c < 0 || (c == 0 && x[0] < y[0]));
		assert_ptr_equal(root->children[i]->parent, root);
	}
	const struct dnsp_znode *wild = NULL, *sub = NULL, *c = NULL, *cname = NULL;
	for (uint32_t i = 0; i < root->nchildren; i++) {
		const struct dnsp_znode *ch = root->children[i];
		if (memcmp(ch->label, "\4wild", 5) == 0)
			wild = ch;
		if (memcmp(ch->label, "\3sub", 4) == 0)
			sub = ch;
		if (memcmp(ch->label, "\1c", 2) == 0)
			c = ch;
		if (memcmp(ch->label, "\5cname", 6) == 0)
			cname = ch;
	}
	assert_non_null(wild);
	assert_non_null(wild->wildcard);
	assert_memory_equal(wild->wildcard->label, "\1*", 2);
	assert_non_null(sub);
	assert_true(sub->flags & DNSP_ZN_DELEG);
	assert_non_null(c);
	assert_int_equal(c->nrrsets, 0); /* empty non-terminal */
	assert_int_equal(c->nchildren, 1);
	assert_non_null(cname);
	assert_true(cname->flags & DNSP_ZN_CNAME);
	assert_memory_equal(cname->owner, "\5cname\7example\3com", 19);
	/* RRsets sorted by type; NS targets resolved. */
	for (uint16_t i = 1; i < root->nrrsets; i++)
		assert_true(root->rrsets[i - 1].type < root->rrsets[i].type);
	const struct dnsp_rrset *ns = dnsp_znode_rrset(root, DNSP_T_NS);
	assert_non_null(ns);
	assert_non_null(ns->targets);
	assert_null(dnsp_znode_rrset(root, DNSP_T_CNAME));
}

/* ---- compile errors (header contract) ---- */

static void test_compile_error_no_soa(void **state)
{
	(void)state;
	expect_compile_error(RRS("@ 60 NS ns", "ns 60 A 192.0.2.1"), "SOA");
}

/* RFC 1034 §3.6.2: a CNAME may not share its owner with other data. */
static void test_compile_error_cname_beside_other_data(void **state)
{
	(void)state;
	expect_compile_error(RRS("@ 60 SOA ns h 1 2 3 4 5", "x 60 CNAME www", "x 60 A 192.0.2.1"),
			     "CNAME beside other data");
	/* Also when the other data is an alias. */
	expect_compile_error(RRS("@ 60 SOA ns h 1 2 3 4 5", "x 60 CNAME www",
				 "y 60 A 192.0.2.1", "x 0 A ALIAS y"),
			     "CNAME beside other data");
}

/* RFC 1034 §3.6.2: the apex has SOA and NS, so never a CNAME. */
static void test_compile_error_cname_at_apex(void **state)
{
	(void)state;
	expect_compile_error(RRS("@ 60 SOA ns h 1 2 3 4 5", "@ 60 CNAME www.other."),
			     "CNAME at the zone apex");
}

static void test_compile_error_alias_target_missing(void **state)
{
	(void)state;
	expect_compile_error(RRS("@ 60 SOA ns h 1 2 3 4 5", "@ 0 A ALIAS lb"), "does not exist");
	/* The target exists but lacks the type. */
	expect_compile_error(RRS("@ 60 SOA ns h 1 2 3 4 5", "lb 60 AAAA ::1", "@ 0 A ALIAS lb"),
			     "has no A records");
}

static void test_compile_error_alias_loop(void **state)
{
	(void)state;
	expect_compile_error(RRS("@ 60 SOA ns h 1 2 3 4 5", "a 0 A ALIAS b", "b 0 A ALIAS a"),
			     "alias loop");
	expect_compile_error(RRS("@ 60 SOA ns h 1 2 3 4 5", "a 0 A ALIAS a"), "alias loop");
}

/* Builder contract: owners outside the apex are rejected with DNSP_ENAME;
 * aliases and records may not share owner and type. */
static void test_builder_rejects_out_of_zone_and_alias_conflicts(void **state)
{
	(void)state;
	dnsp_zone_builder_t *b = NULL;
	assert_int_equal(dnsp_zone_builder_create((const uint8_t *)"\7example\3com", "Z", &b), 0);
	static const uint8_t a4[4] = { 192, 0, 2, 1 };
	assert_int_equal(dnsp_zone_builder_add(b, (const uint8_t *)"\3www\5other\3com", DNSP_T_A,
					       60, a4, 4), DNSP_ENAME);
	assert_int_equal(dnsp_zone_builder_add(b, (const uint8_t *)"\7example\3org", DNSP_T_A, 60,
					       a4, 4), DNSP_ENAME);
	assert_int_equal(dnsp_zone_builder_add(b, (const uint8_t *)"\3WWW\7EXAMPLE\3COM",
					       DNSP_T_A, 60, a4, 4), 0);
	assert_int_equal(dnsp_zone_builder_add_alias(b, (const uint8_t *)"\3www\7example\3com",
						     DNSP_T_A, (const uint8_t *)"\1x\7example\3com"),
			 DNSP_EEXIST);
	assert_int_equal(dnsp_zone_builder_add_alias(b, (const uint8_t *)"\1y\7example\3com",
						     DNSP_T_A, (const uint8_t *)"\3www\7example\3com"),
			 0);
	assert_int_equal(dnsp_zone_builder_add(b, (const uint8_t *)"\1y\7example\3com", DNSP_T_A,
					       60, a4, 4), DNSP_EEXIST);
	dnsp_zone_builder_destroy(b);
	dnsp_zone_builder_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exact_hit_is_authoritative_and_keeps_query_case,
						setup_main, teardown_main),
		cmocka_unit_test_setup_teardown(test_nodata_soa_ttl_is_min_of_soa_ttl_and_minimum,
						setup_main, teardown_main),
		cmocka_unit_test_setup_teardown(test_nxdomain_with_soa, setup_main, teardown_main),
		cmocka_unit_test_setup_teardown(test_empty_non_terminal_is_nodata, setup_main,
						teardown_main),
		cmocka_unit_test_setup_teardown(test_wildcard_synthesis_owner_is_qname, setup_main,
						teardown_main),
		cmocka_unit_test_setup_teardown(test_wildcard_not_applied_where_name_exists,
						setup_main, teardown_main),
		cmocka_unit_test_setup_teardown(
			test_wildcard_not_applied_below_existing_node_without_wildcard, setup_main,
			teardown_main),
		cmocka_unit_test_setup_teardown(test_wildcard_cname_is_synthesized_and_followed,
						setup_main, teardown_main),
		cmocka_unit_test_setup_teardown(test_cname_chain_within_zone, setup_main,
						teardown_main),
		cmocka_unit_test_setup_teardown(test_cname_to_missing_name_is_nxdomain, setup_main,
						teardown_main),
		cmocka_unit_test_setup_teardown(test_cname_loop_is_bounded, setup_main,
						teardown_main),
		cmocka_unit_test(test_cname_chain_length_is_capped),
		cmocka_unit_test_setup_teardown(test_cname_followed_into_other_zone, setup_main,
						teardown_main),
		cmocka_unit_test_setup_teardown(test_cname_chain_back_into_question_zone, setup_main,
						teardown_main),
		cmocka_unit_test(test_deep_apex_chain_and_negative_answer),
		cmocka_unit_test_setup_teardown(test_referral_with_glue_and_no_aa, setup_main,
						teardown_main),
		cmocka_unit_test_setup_teardown(test_ds_at_cut_answered_authoritatively, setup_main,
						teardown_main),
		cmocka_unit_test_setup_teardown(test_occluded_names_answered_as_referral, setup_main,
						teardown_main),
		cmocka_unit_test_setup_teardown(test_apex_ns_with_glue, setup_main, teardown_main),
		cmocka_unit_test_setup_teardown(test_mx_and_srv_additional, setup_main,
						teardown_main),
		cmocka_unit_test(test_additional_for_wildcard_covered_target),
		cmocka_unit_test(test_additional_overflow_does_not_set_tc),
		cmocka_unit_test(test_truncation_drops_whole_rrsets),
		cmocka_unit_test_setup_teardown(test_any_answers_one_rrset, setup_main,
						teardown_main),
		cmocka_unit_test(test_alias_at_apex_uses_target_ttl),
		cmocka_unit_test(test_alias_chain_is_followed),
		cmocka_unit_test(test_cname_into_delegation_keeps_aa),
		cmocka_unit_test(test_wildcard_delegation_is_referral),
		cmocka_unit_test(test_rrset_merge_ttl_min_dedupe_canonical_order),
		cmocka_unit_test_setup_teardown(test_trie_shape, setup_main, teardown_main),
		cmocka_unit_test(test_compile_error_no_soa),
		cmocka_unit_test(test_compile_error_cname_beside_other_data),
		cmocka_unit_test(test_compile_error_cname_at_apex),
		cmocka_unit_test(test_compile_error_alias_target_missing),
		cmocka_unit_test(test_compile_error_alias_loop),
		cmocka_unit_test(test_builder_rejects_out_of_zone_and_alias_conflicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
