/*
 * Unit tests for lib/wire/pkt.c: the query parser's acceptance rules
 * (RFC 1035 §4.1, RFC 6891 EDNS, RFC 7871 Client Subnet) and the response
 * builder (question kept, name compression, truncation, OPT echo). Queries
 * are built by hand byte by byte; responses are checked by decoding them
 * again with dnsp_name_unpack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include "lib/wire/pkt.h"

/* ---- query construction helpers ---- */

struct qb {
	uint8_t buf[4096];
	size_t len;
};

static void put8(struct qb *b, uint8_t v)
{
	b->buf[b->len++] = v;
}

static void put16(struct qb *b, uint16_t v)
{
	put8(b, (uint8_t)(v >> 8));
	put8(b, (uint8_t)v);
}

static void put32(struct qb *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b, (uint16_t)v);
}

static void putbytes(struct qb *b, const void *p, size_t n)
{
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void put_text_name(struct qb *b, const char *text)
{
	int n = dnsp_name_from_text(text, strlen(text), NULL, b->buf + b->len);
	assert_true(n > 0);
	b->len += (size_t)n;
}

static void hdr(struct qb *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		uint16_t ns, uint16_t ar)
{
	b->len = 0;
	put16(b, id);
	put16(b, flags);
	put16(b, qd);
	put16(b, an);
	put16(b, ns);
	put16(b, ar);
}

static void question(struct qb *b, const char *name, uint16_t type)
{
	put_text_name(b, name);
	put16(b, type);
	put16(b, DNSP_CLASS_IN);
}

/* OPT record with raw option bytes (RFC 6891 §6.1.2). */
static void opt(struct qb *b, uint16_t udp, uint8_t version, bool do_bit,
		const uint8_t *opts, uint16_t olen)
{
	put8(b, 0);
	put16(b, DNSP_T_OPT);
	put16(b, udp);
	put8(b, 0);
	put8(b, version);
	put16(b, do_bit ? 0x8000 : 0);
	put16(b, olen);
	if (olen)
		putbytes(b, opts, olen);
}

/* ECS option bytes (RFC 7871 §6); returns the option length. */
static uint16_t ecs(uint8_t *dst, uint16_t family, uint8_t source, uint8_t scope,
		    const uint8_t *addr, uint8_t addrlen)
{
	dst[0] = 0;
	dst[1] = DNSP_EDNS_OPT_ECS;
	dst[2] = 0;
	dst[3] = (uint8_t)(4 + addrlen);
	dst[4] = (uint8_t)(family >> 8);
	dst[5] = (uint8_t)family;
	dst[6] = source;
	dst[7] = scope;
	if (addrlen)
		memcpy(dst + 8, addr, addrlen);
	return (uint16_t)(8 + addrlen);
}

static int parse_with_ecs(uint16_t family, uint8_t source, uint8_t scope,
			  const uint8_t *addr, uint8_t addrlen, struct dnsp_query *q)
{
	struct qb b;
	uint8_t o[64];
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.com.", DNSP_T_A);
	uint16_t ol = ecs(o, family, source, scope, addr, addrlen);
	opt(&b, 1232, 0, false, o, ol);
	return dnsp_pkt_parse_query(b.buf, b.len, q);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- parser ---- */

/* The most labels a name can have (127 of one byte, RFC 1035 §3.1 255
 * octets): every label offset is recorded, as dnsp_name_label_offsets. */
static void test_parse_records_every_label_offset(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	uint8_t offs[DNSP_LABELS_MAX];
	hdr(&b, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 127; i++) {
		put8(&b, 1);
		put8(&b, 'a');
	}
	put8(&b, 0);
	put16(&b, 1);
	put16(&b, 1);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	assert_int_equal(q.qname_len, 255);
	assert_int_equal(q.nlabels, 127);
	assert_int_equal(dnsp_name_label_offsets(q.qname, offs), 127);
	assert_memory_equal(q.qoffs, offs, 127);
	assert_int_equal(q.qoffs[126], 252);
}

/* RFC 1035 §4.1: a plain query is parsed; qname is a lowercased copy. */
static void test_parse_simple_query(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 0xbeef, DNSP_FLAG_RD, 1, 0, 0, 0);
	question(&b, "WWW.Example.COM.", DNSP_T_AAAA);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	assert_int_equal(q.id, 0xbeef);
	assert_int_equal(q.flags, DNSP_FLAG_RD);
	assert_int_equal(q.qtype, DNSP_T_AAAA);
	assert_int_equal(q.qclass, DNSP_CLASS_IN);
	assert_int_equal(q.qname_len, 17);
	assert_int_equal(q.nlabels, 3);
	assert_int_equal(q.question_end, 12 + 17 + 4);
	assert_memory_equal(q.qname, "\3www\7example\3com\0", 17);
	/* the label offsets the lookups reuse */
	assert_int_equal(q.qoffs[0], 0);
	assert_int_equal(q.qoffs[1], 4);
	assert_int_equal(q.qoffs[2], 12);
	assert_false(q.has_edns);
	assert_false(q.has_ecs);
	/* The parser never writes the packet. */
	assert_memory_equal(b.buf + 12, "\3WWW\7Example\3COM\0", 17);
}

static void test_parse_root_query(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 0, 0, 0);
	question(&b, ".", DNSP_T_NS);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	assert_int_equal(q.qname_len, 1);
	assert_int_equal(q.nlabels, 0);
}

/* Shorter than a header: not answerable. */
static void test_parse_short_header_dropped(void **state)
{
	(void)state;
	uint8_t pkt[11] = { 0 };
	struct dnsp_query q;
	assert_true(dnsp_pkt_parse_query(pkt, sizeof(pkt), &q) < 0);
	assert_true(dnsp_pkt_parse_query(pkt, 0, &q) < 0);
}

/* RFC 1035 §4.1.1: a message with QR set is a response; never answer it. */
static void test_parse_qr_set_dropped(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, DNSP_FLAG_QR, 1, 0, 0, 0);
	question(&b, "example.", DNSP_T_A);
	assert_true(dnsp_pkt_parse_query(b.buf, b.len, &q) < 0);
}

/* QDCOUNT must be exactly 1 (RFC 9619); otherwise FORMERR, no question. */
static void test_parse_qdcount_not_one_formerr(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 7, 0, 0, 0, 0, 0);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(q.id, 7);
	assert_int_equal(q.question_end, DNSP_HDR_LEN);
	hdr(&b, 7, 0, 2, 0, 0, 0);
	question(&b, "a.", DNSP_T_A);
	question(&b, "b.", DNSP_T_A);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(q.question_end, DNSP_HDR_LEN);
}

/* Opcodes other than QUERY are not implemented (RFC 1035 §4.1.1). */
static void test_parse_opcode_notimp(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 2 << 11, 1, 0, 0, 0);
	question(&b, "example.", DNSP_T_A);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_NOTIMP);
	assert_int_equal(q.question_end, b.len);
	/* NOTIMP takes precedence over section counts it does not define. */
	hdr(&b, 1, 5 << 11, 1, 1, 1, 0);
	question(&b, "example.", DNSP_T_SOA);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_NOTIMP);
	hdr(&b, 1, 4 << 11, 0, 0, 0, 0);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_NOTIMP);
}

/* A query carries no answer or authority records: FORMERR. */
static void test_parse_ancount_nscount_formerr(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 1, 0, 0);
	question(&b, "example.", DNSP_T_A);
	put8(&b, 0);
	put16(&b, DNSP_T_A);
	put16(&b, DNSP_CLASS_IN);
	put32(&b, 0);
	put16(&b, 4);
	put32(&b, 0x01020304);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(q.question_end, 12 + 9 + 4); /* question still echoed */
	hdr(&b, 1, 0, 1, 0, 1, 0);
	question(&b, "example.", DNSP_T_A);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
}

/* The qname cannot be compressed, must fit, and must use 0..63 lengths. */
static void test_parse_bad_qname_formerr(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 0, 0, 0);
	put8(&b, 0xC0);
	put8(&b, 0);
	put16(&b, 1);
	put16(&b, 1);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	hdr(&b, 1, 0, 1, 0, 0, 0);
	put8(&b, 0x41);
	put8(&b, 'a');
	put8(&b, 0);
	put16(&b, 1);
	put16(&b, 1);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	/* Truncated inside the name and inside qtype/qclass. */
	hdr(&b, 1, 0, 1, 0, 0, 0);
	question(&b, "example.com.", DNSP_T_A);
	for (size_t cut = 12; cut < b.len; cut++)
		assert_int_equal(dnsp_pkt_parse_query(b.buf, cut, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
}

/* RFC 1035 §2.3.4 on the question: a 255-byte qname parses, 256 does not. */
static void test_parse_qname_255_256(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		put8(&b, 63);
		memset(b.buf + b.len, 'A', 63);
		b.len += 63;
	}
	put8(&b, 61);
	memset(b.buf + b.len, 'b', 61);
	b.len += 61;
	put8(&b, 0);
	put16(&b, 1);
	put16(&b, 1);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	assert_int_equal(q.qname_len, 255);
	assert_int_equal(q.nlabels, 4);
	assert_int_equal(q.qname[1], 'a');
	/* one more byte in the last label: 256 */
	hdr(&b, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		put8(&b, 63);
		memset(b.buf + b.len, 'a', 63);
		b.len += 63;
	}
	put8(&b, 62);
	memset(b.buf + b.len, 'b', 62);
	b.len += 62;
	put8(&b, 0);
	put16(&b, 1);
	put16(&b, 1);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
}

/* RFC 6891 §6.1.2-6.1.3: payload size, version, DO bit. */
static void test_parse_edns_fields(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 4096, 0, true, NULL, 0);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	assert_true(q.has_edns);
	assert_true(q.do_bit);
	assert_int_equal(q.edns_version, 0);
	assert_int_equal(q.edns_udp_size, 4096);
	assert_false(q.has_ecs);
}

/* RFC 6891 §6.2.3: sizes below 512 are treated as 512. */
static void test_parse_edns_small_udp_is_512(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 100, 0, false, NULL, 0);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	assert_int_equal(q.edns_udp_size, 512);
	assert_false(q.do_bit);
}

/* RFC 6891 §6.1.3: an unsupported version gets BADVERS, fields filled. */
static void test_parse_edns_version_badvers(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1400, 1, true, NULL, 0);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_BADVERS);
	assert_true(q.has_edns);
	assert_int_equal(q.edns_version, 1);
	assert_int_equal(q.edns_udp_size, 1400);
	assert_true(q.do_bit);
	assert_int_equal(q.question_end, 12 + 9 + 4);
}

/* RFC 6891 §6.1.1: more than one OPT is FORMERR. */
static void test_parse_two_opts_formerr(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 0, 0, 2);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1232, 0, false, NULL, 0);
	opt(&b, 1232, 0, false, NULL, 0);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	assert_true(q.has_edns);
}

/* RFC 6891 §6.1.2: the OPT owner must be the root. */
static void test_parse_opt_not_root_formerr(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	put_text_name(&b, "x.");
	put16(&b, DNSP_T_OPT);
	put16(&b, 1232);
	put32(&b, 0);
	put16(&b, 0);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	/* Compressed owner pointing at a root byte is still not "the root". */
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	put8(&b, 0xC0);
	put8(&b, 20);
	put16(&b, DNSP_T_OPT);
	put16(&b, 1232);
	put32(&b, 0);
	put16(&b, 0);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
}

/* Option lengths are bounds-checked against the OPT rdata. */
static void test_parse_opt_option_overrun_formerr(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	const uint8_t bad_len[] = { 0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8 }; /* cookie, says 9 has 8 */
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1232, 0, false, bad_len, sizeof(bad_len));
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	const uint8_t stray[] = { 0, 10, 0, 0, 0xff }; /* one byte after an option */
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1232, 0, false, stray, sizeof(stray));
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	const uint8_t good[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 12, 0, 0 };
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1232, 0, false, good, sizeof(good));
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
}

/* OPT rdata length beyond the packet, or more records than present. */
static void test_parse_records_past_end_formerr(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1232, 0, false, NULL, 0);
	b.buf[b.len - 1] = 4; /* rdlen 4, no rdata */
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	hdr(&b, 1, 0, 1, 0, 0, 2);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1232, 0, false, NULL, 0);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
}

/* Other additional records (TSIG, RFC 8945) are skipped safely. */
static void test_parse_skips_other_additional(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 1, 0, 1, 0, 0, 2);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1232, 0, true, NULL, 0);
	put8(&b, 0xC0); /* compressed owner -> qname */
	put8(&b, 12);
	put16(&b, 250); /* TSIG */
	put16(&b, DNSP_CLASS_ANY);
	put32(&b, 0);
	put16(&b, 3);
	putbytes(&b, "abc", 3);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	assert_true(q.has_edns);
	assert_true(q.do_bit);
}

/* RFC 7871 §6: valid IPv4 and IPv6 subnets, zero-padded copy. */
static void test_parse_ecs_valid(void **state)
{
	(void)state;
	struct dnsp_query q;
	const uint8_t v4[] = { 192, 0, 2 };
	assert_int_equal(parse_with_ecs(1, 24, 0, v4, 3, &q), 0);
	assert_true(q.has_ecs);
	assert_int_equal(q.ecs_family, 1);
	assert_int_equal(q.ecs_source_prefix, 24);
	assert_int_equal(q.ecs_scope_prefix, 0);
	const uint8_t want4[16] = { 192, 0, 2 };
	assert_memory_equal(q.ecs_addr, want4, 16);

	const uint8_t v4_odd[] = { 10, 0x80 }; /* /9 */
	assert_int_equal(parse_with_ecs(1, 9, 0, v4_odd, 2, &q), 0);

	const uint8_t v6[] = { 0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0x12 };
	assert_int_equal(parse_with_ecs(2, 56, 0, v6, 7, &q), 0);
	assert_int_equal(q.ecs_family, 2);
	assert_memory_equal(q.ecs_addr, v6, 7);

	/* Source 0: no address bytes (RFC 7871 §7.1.2, client opts out). */
	assert_int_equal(parse_with_ecs(1, 0, 0, NULL, 0, &q), 0);
	assert_true(q.has_ecs);
	assert_int_equal(q.ecs_source_prefix, 0);
	const uint8_t full6[16] = { 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	assert_int_equal(parse_with_ecs(2, 128, 0, full6, 16, &q), 0);
}

/* RFC 7871 §6/§7.1.2: unknown FAMILY, prefix too long, non-zero SCOPE. */
static void test_parse_ecs_bad_family_prefix_scope(void **state)
{
	(void)state;
	struct dnsp_query q;
	const uint8_t a[17] = { 10, 0, 0, 0 };
	assert_int_equal(parse_with_ecs(3, 8, 0, a, 1, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(parse_with_ecs(0, 0, 0, a, 0, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(parse_with_ecs(1, 33, 0, a, 5, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(parse_with_ecs(2, 129, 0, a, 17, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(parse_with_ecs(1, 24, 24, a, 3, &q), DNSP_RCODE_FORMERR);
	assert_false(q.has_ecs);
}

/* RFC 7871 §6: ADDRESS is exactly ceil(SOURCE/8) bytes. */
static void test_parse_ecs_address_length(void **state)
{
	(void)state;
	struct dnsp_query q;
	const uint8_t a[16] = { 192, 0, 2, 0 };
	assert_int_equal(parse_with_ecs(1, 24, 0, a, 4, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(parse_with_ecs(1, 24, 0, a, 2, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(parse_with_ecs(1, 0, 0, a, 1, &q), DNSP_RCODE_FORMERR);
	assert_int_equal(parse_with_ecs(2, 48, 0, a, 16, &q), DNSP_RCODE_FORMERR);
}

/* RFC 7871 §6: bits past SOURCE PREFIX-LENGTH must be zero. */
static void test_parse_ecs_nonzero_trailing_bits(void **state)
{
	(void)state;
	struct dnsp_query q;
	const uint8_t a[] = { 10, 0xC0 }; /* /9 but bit 10 set */
	assert_int_equal(parse_with_ecs(1, 9, 0, a, 2, &q), DNSP_RCODE_FORMERR);
	const uint8_t b6[] = { 0x20, 0x01, 0x0d, 0xb9 }; /* /31 with last bit set */
	assert_int_equal(parse_with_ecs(2, 31, 0, b6, 4, &q), DNSP_RCODE_FORMERR);
}

/* An ECS option shorter than its fixed part, or given twice. */
static void test_parse_ecs_short_or_duplicate(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	const uint8_t shortopt[] = { 0, 8, 0, 3, 0, 1, 0 };
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1232, 0, false, shortopt, sizeof(shortopt));
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	uint8_t two[32];
	const uint8_t addr[] = { 192, 0, 2 };
	uint16_t l = ecs(two, 1, 24, 0, addr, 3);
	l = (uint16_t)(l + ecs(two + l, 1, 24, 0, addr, 3));
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1232, 0, false, two, l);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
}

/* ---- builder ---- */

/*
 * Walks a whole response: header counts, question, every record's owner
 * and the names inside NS/CNAME/PTR/MX/SOA rdata must decode. Returns the
 * number of records.
 */
static int check_response(const uint8_t *m, size_t len)
{
	uint8_t name[DNSP_NAME_MAX];
	size_t wl, pos = 12;
	assert_true(len >= 12);
	unsigned qd = get16(m + 4);
	unsigned n = get16(m + 6) + get16(m + 8) + get16(m + 10);
	for (unsigned i = 0; i < qd; i++) {
		assert_true(dnsp_name_unpack(m, len, pos, name, &wl, false) > 0);
		pos += wl + 4;
	}
	for (unsigned i = 0; i < n; i++) {
		assert_true(dnsp_name_unpack(m, len, pos, name, &wl, false) > 0);
		pos += wl;
		assert_true(pos + 10 <= len);
		uint16_t type = get16(m + pos), rdlen = get16(m + pos + 8);
		pos += 10;
		assert_true(pos + rdlen <= len);
		size_t rp = pos;
		if (type == DNSP_T_MX)
			rp += 2;
		if (type == DNSP_T_NS || type == DNSP_T_CNAME || type == DNSP_T_PTR ||
		    type == DNSP_T_MX || type == DNSP_T_SOA) {
			assert_true(dnsp_name_unpack(m, pos + rdlen, rp, name, &wl, false) > 0);
			rp += wl;
			if (type == DNSP_T_SOA) {
				assert_true(dnsp_name_unpack(m, pos + rdlen, rp, name, &wl, false) > 0);
				rp += wl + 20;
			}
			assert_int_equal(rp, pos + rdlen);
		}
		pos += rdlen;
	}
	assert_int_equal(pos, len);
	return (int)n;
}

static void make_query(struct qb *b, struct dnsp_query *q, const char *qname,
		       uint16_t flags, bool edns, bool do_bit)
{
	hdr(b, 0x1234, flags, 1, 0, 0, edns ? 1 : 0);
	question(b, qname, DNSP_T_A);
	if (edns)
		opt(b, 4096, 0, do_bit, NULL, 0);
	assert_int_equal(dnsp_pkt_parse_query(b->buf, b->len, q), 0);
}

/* Parses what dnsp_pkt_requery wrote back after an answer overwrote the
 * buffer, and checks every field the pipeline reads came through. */
static void assert_requery_same(struct qb *b, const struct dnsp_query *q0)
{
	struct dnsp_resp r;
	struct dnsp_query q;
	uint8_t a[4] = { 192, 0, 2, 1 };
	dnsp_resp_init(&r, b->buf, sizeof(b->buf), 4096, q0);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_A, 1, 60, a, 4), 0);
	(void)dnsp_resp_finish(&r, q0, 1232, 0);
	uint16_t n = dnsp_pkt_requery(b->buf, sizeof(b->buf), q0);
	assert_true(n >= q0->question_end);
	assert_int_equal(dnsp_pkt_parse_query(b->buf, n, &q), 0);
	assert_int_equal(q.id, q0->id);
	assert_int_equal(q.flags, q0->flags);
	assert_int_equal(q.qtype, q0->qtype);
	assert_int_equal(q.question_end, q0->question_end);
	assert_memory_equal(q.qname, q0->qname, q0->qname_len);
	assert_int_equal(q.has_edns, q0->has_edns);
	assert_int_equal(q.do_bit, q0->do_bit);
	assert_int_equal(q.edns_udp_size, q0->edns_udp_size);
	assert_int_equal(q.has_ecs, q0->has_ecs);
	if (q0->has_ecs) {
		assert_int_equal(q.ecs_family, q0->ecs_family);
		assert_int_equal(q.ecs_source_prefix, q0->ecs_source_prefix);
		assert_memory_equal(q.ecs_addr, q0->ecs_addr, sizeof(q.ecs_addr));
	}
}

/* A punt after a partial answer (a private zone's chain that leaves for
 * upstream) hands on the query rebuilt from what was parsed, not a copy
 * kept of the packet: header, question, and the EDNS fields the resolver
 * reads (UDP size, DO, client subnet); an unread option (a cookie) is not
 * carried. Too small a buffer is refused (0). */
static void test_requery_after_an_answer(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	make_query(&b, &q, "a.Example.", DNSP_FLAG_RD | DNSP_FLAG_CD, false, false);
	assert_requery_same(&b, &q);
	make_query(&b, &q, "a.example.", DNSP_FLAG_RD, true, true);
	assert_requery_same(&b, &q);

	uint8_t opts[64];
	const uint8_t v4[] = { 198, 51, 100 }, v6[] = { 0x20, 0x01, 0x0d, 0xb8, 0x80 };
	const uint8_t cookie[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint16_t l = ecs(opts, 1, 22, 0, v4, 3);
	memcpy(opts + l, cookie, sizeof(cookie));
	l = (uint16_t)(l + sizeof(cookie));
	hdr(&b, 7, DNSP_FLAG_RD, 1, 0, 0, 1);
	question(&b, "www.example.", DNSP_T_AAAA);
	opt(&b, 1400, 0, true, opts, l);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	assert_requery_same(&b, &q);
	assert_int_equal(get16(b.buf + 10), 1); /* one additional record: the OPT */

	l = ecs(opts, 2, 33, 0, v6, 5);
	hdr(&b, 8, DNSP_FLAG_RD, 1, 0, 0, 1);
	question(&b, "www.example.", DNSP_T_A);
	opt(&b, 512, 0, false, opts, l);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	assert_requery_same(&b, &q);

	assert_int_equal(dnsp_pkt_requery(b.buf, (uint16_t)(q.question_end + 10), &q), 0);
}

/* Header rules of dnsp_resp_init; question kept with its case (RFC 4343). */
static void test_resp_init_header_and_question_case(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	make_query(&b, &q, "WwW.ExAmple.", DNSP_FLAG_RD | DNSP_FLAG_CD | DNSP_FLAG_AD | 0x0040,
		   true, false);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 512, &q);
	assert_int_equal(r.len, q.question_end);
	assert_int_equal(get16(b.buf), 0x1234);
	assert_int_equal(get16(b.buf + 2), DNSP_FLAG_QR | DNSP_FLAG_RD | DNSP_FLAG_CD);
	assert_int_equal(get16(b.buf + 4), 1);
	assert_int_equal(get16(b.buf + 10), 0);
	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 0);
	assert_int_equal(len, q.question_end + 11);
	assert_memory_equal(b.buf + 12, "\3WwW\7ExAmple\0", 13);
	assert_int_equal(check_response(b.buf, len), 1);
}

/* Opcode is kept in the response (RFC 1035 §4.1.1). */
static void test_resp_init_keeps_opcode(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	hdr(&b, 9, 1 << 11, 1, 0, 0, 0);
	question(&b, "a.", DNSP_T_A);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_NOTIMP);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 512, &q);
	dnsp_resp_set_rcode(&r, DNSP_RCODE_NOTIMP);
	dnsp_resp_finish(&r, &q, 1232, 0);
	assert_int_equal(get16(b.buf + 2), DNSP_FLAG_QR | (1 << 11) | DNSP_RCODE_NOTIMP);
}

/* The common path: owner NULL is a pointer to the question (0xC00C). */
static void test_resp_put_a_owner_null(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	make_query(&b, &q, "example.com.", 0, false, false);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 512, &q);
	dnsp_resp_set_flags(&r, DNSP_FLAG_AA, 0);
	const uint8_t a[4] = { 192, 0, 2, 1 };
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_A, DNSP_CLASS_IN,
					  300, a, 4), 0);
	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 0);
	assert_int_equal(len, q.question_end + 16);
	const uint8_t rr[] = { 0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 1 };
	assert_memory_equal(b.buf + q.question_end, rr, sizeof(rr));
	assert_int_equal(get16(b.buf + 2), DNSP_FLAG_QR | DNSP_FLAG_AA);
	assert_int_equal(get16(b.buf + 6), 1);
	assert_int_equal(get16(b.buf + 10), 0);
	assert_int_equal(check_response(b.buf, len), 1);
}

static void text_name(const char *t, uint8_t out[DNSP_NAME_MAX])
{
	assert_true(dnsp_name_from_text(t, strlen(t), NULL, out) > 0);
}

/* RFC 1035 §4.1.4: owners are compressed against the qname and earlier names. */
static void test_resp_compress_owner_names(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	uint8_t n1[DNSP_NAME_MAX], n2[DNSP_NAME_MAX], n3[DNSP_NAME_MAX], out[DNSP_NAME_MAX];
	make_query(&b, &q, "Example.COM.", 0, false, false);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 512, &q);
	const uint8_t a[4] = { 192, 0, 2, 1 };
	text_name("www.EXAMPLE.com.", n1);
	text_name("x.www.example.com.", n2);
	text_name("other.net.", n3);
	size_t at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, n1, DNSP_T_A, 1, 60, a, 4), 0);
	/* "www" literal + pointer to the qname at 12 */
	const uint8_t want1[] = { 3, 'w', 'w', 'w', 0xC0, 12 };
	assert_memory_equal(b.buf + at, want1, sizeof(want1));
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, n2, DNSP_T_A, 1, 60, a, 4), 0);
	/* "x" + pointer to the previous owner */
	assert_int_equal(b.buf[at], 1);
	assert_int_equal(b.buf[at + 2], 0xC0);
	assert_int_equal(b.buf[at + 3], q.question_end);
	size_t wl;
	assert_int_equal(dnsp_name_unpack(b.buf, r.len, at, out, &wl, true), 19);
	assert_memory_equal(out, "\1x\3www\7example\3com\0", 19);
	/* The same name again is a bare pointer. */
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, n2, DNSP_T_A, 1, 60, a, 4), 0);
	assert_int_equal(b.buf[at], 0xC0);
	/* Unrelated name: written in full. */
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ADDITIONAL, n3, DNSP_T_A, 1, 60, a, 4), 0);
	assert_memory_equal(b.buf + at, n3, 11);
	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 0);
	assert_int_equal(check_response(b.buf, len), 4);
}

/* Builds "l1.l2. ... ln.example.com." from labels picked by digits of seed. */
static void deep_name(uint64_t seed, int depth, uint8_t out[DNSP_NAME_MAX])
{
	char t[DNSP_NAME_MAX * 4];
	size_t o = 0;
	for (int i = 0; i < depth; i++) {
		t[o++] = (char)('a' + seed % 3); /* three labels: suffixes repeat */
		seed /= 3;
		t[o++] = '.';
	}
	memcpy(t + o, "example.com.", 13);
	text_name(t, out);
}

/*
 * RFC 1035 §4.1.4 with the compression index (DNSP_COMPRESS_MAX labels):
 * a deep question, and many names sharing suffixes at every depth until
 * the index is full and past it, all decode to what was written; a name
 * whose labels were indexed is written again as a bare pointer, and so is
 * a suffix of the question.
 */
static void test_resp_compress_deep_and_shared_suffixes(void **state)
{
	(void)state;
	static struct {
		uint8_t buf[65535];
	} big;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	uint8_t name[DNSP_NAME_MAX], out[DNSP_NAME_MAX];
	const uint8_t a[4] = { 192, 0, 2, 1 };
	size_t wl;

	/* 20 labels + example.com: more than the cache holds. */
	make_query(&b, &q, "a.b.c.a.b.c.a.b.c.a.b.c.a.b.c.a.b.c.a.b.example.com.", 0, false, false);
	memcpy(big.buf, b.buf, b.len);
	dnsp_resp_init(&r, big.buf, sizeof(big.buf), 65535, &q);
	uint16_t at[200];
	uint8_t names[200][DNSP_NAME_MAX];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 200; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		int depth = 1 + (int)((seed >> 33) % 24); /* 1..24 labels above example.com */
		deep_name(seed >> 40, depth, names[i]);
		at[i] = r.len;
		assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, names[i], DNSP_T_A, 1, 60, a,
						  4), 0);
	}
	for (int i = 0; i < 200; i++) {
		int l = dnsp_name_unpack(big.buf, r.len, at[i], out, &wl, false);
		assert_int_equal(l, (int)dnsp_name_len(names[i]));
		assert_memory_equal(out, names[i], (size_t)l);
	}
	/* The question takes 22 entries and the first name at most 24 more,
	 * so all of its labels are indexed: written again, a bare pointer.
	 * The 200 names need more than the index holds. */
	assert_true(r.nlab == DNSP_COMPRESS_MAX); /* the rest filled the index */
	for (int i = 0; i < 1; i++) {
		size_t p = r.len;
		assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, names[i], DNSP_T_A, 1, 60, a,
						  4), 0);
		assert_int_equal(big.buf[p] & 0xC0, 0xC0);
		assert_int_equal(dnsp_name_unpack(big.buf, r.len, p, out, &wl, false),
				 (int)dnsp_name_len(names[i]));
		assert_int_equal(wl, 2);
		assert_memory_equal(out, names[i], dnsp_name_len(names[i]));
	}
	/* The question's own suffix: a bare pointer into the question
	 * (label 6 of the qname). */
	text_name("a.b.c.a.b.c.a.b.c.a.b.c.a.b.example.com.", name);
	size_t pos = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, name, DNSP_T_A, 1, 60, a, 4), 0);
	assert_int_equal(big.buf[pos], 0xC0);
	assert_int_equal(dnsp_name_unpack(big.buf, r.len, pos, out, &wl, false),
			 (int)dnsp_name_len(name));
	assert_memory_equal(out, name, dnsp_name_len(name));
	uint16_t len = dnsp_resp_finish(&r, &q, 65535, 0);
	assert_int_equal(check_response(big.buf, len), 202);
}

/* RFC 1035 §4.1.4 / RFC 3597 §4: names in NS, CNAME, PTR, MX, SOA rdata. */
static void test_resp_compress_rdata_names(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	uint8_t target[DNSP_NAME_MAX], rd[600], out[DNSP_NAME_MAX];
	size_t wl;
	make_query(&b, &q, "example.com.", 0, false, false);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 4096, &q);

	/* CNAME www.example.com. */
	text_name("www.example.com.", target);
	size_t at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_CNAME, 1, 60,
					  target, 17), 0);
	assert_int_equal(get16(b.buf + at + 10), 6); /* rdlen: "www" + pointer */
	assert_int_equal(dnsp_name_unpack(b.buf, r.len, at + 12, out, &wl, false), 17);
	assert_memory_equal(out, target, 17);

	/* MX 10 mail.example.com. */
	uint8_t mail[DNSP_NAME_MAX];
	text_name("mail.example.com.", mail);
	rd[0] = 0;
	rd[1] = 10;
	memcpy(rd + 2, mail, 18);
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_MX, 1, 60, rd, 20), 0);
	assert_int_equal(get16(b.buf + at + 10), 2 + 7);
	assert_int_equal(get16(b.buf + at + 12), 10);
	assert_int_equal(dnsp_name_unpack(b.buf, r.len, at + 14, out, &wl, false), 18);
	assert_memory_equal(out, mail, 18);

	/* NS and PTR pointing at an already written name: bare pointer. */
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_AUTHORITY, NULL, DNSP_T_NS, 1, 60, mail, 18), 0);
	assert_int_equal(get16(b.buf + at + 10), 2);

	/* SOA mname rname + 20 bytes */
	uint8_t ns1[DNSP_NAME_MAX], host[DNSP_NAME_MAX];
	text_name("ns1.example.com.", ns1);
	text_name("hostmaster.example.com.", host);
	memcpy(rd, ns1, 17);
	memcpy(rd + 17, host, 24);
	for (int i = 0; i < 20; i++)
		rd[41 + i] = (uint8_t)i;
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_AUTHORITY, NULL, DNSP_T_SOA, 1, 60, rd, 61), 0);
	uint16_t rdl = get16(b.buf + at + 10);
	assert_int_equal(rdl, (4 + 2) + (11 + 2) + 20);
	assert_int_equal(dnsp_name_unpack(b.buf, r.len, at + 12, out, &wl, false), 17);
	assert_memory_equal(out, ns1, 17);
	assert_int_equal(dnsp_name_unpack(b.buf, r.len, at + 12 + wl, out, &wl, false), 24);
	assert_memory_equal(out, host, 24);
	assert_memory_equal(b.buf + at + 12 + rdl - 20, rd + 41, 20);

	/* PTR */
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ADDITIONAL, NULL, DNSP_T_PTR, 1, 60, host, 24), 0);
	assert_int_equal(get16(b.buf + at + 10), 2);

	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 0);
	assert_int_equal(check_response(b.buf, len), 5);
}

/*
 * dnsp_resp_target_suffix: a caller that knows an rdata name ends in the
 * question's last labels (a target in the question's zone) gets the bytes
 * the full match gives, from a walk that starts in front of them; a
 * promise longer than the question, or than the name, is ignored, and the
 * next record is not affected.
 */
static void test_resp_target_suffix_same_bytes(void **state)
{
	(void)state;
	static const char *const targets[] = { "c2.bench.example.", "bench.example.",
		"a.b.c2.bench.example.", "C1.Bench.example." };
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		for (unsigned hint = 0; hint <= 4; hint++) {
			struct qb b1, b2;
			struct dnsp_query q1, q2;
			struct dnsp_resp r1, r2;
			uint8_t target[DNSP_NAME_MAX];
			text_name(targets[t], target);
			size_t tl = dnsp_name_len(target);
			make_query(&b1, &q1, "c1.bench.example.", 0, false, false);
			make_query(&b2, &q2, "c1.bench.example.", 0, false, false);
			dnsp_resp_init(&r1, b1.buf, sizeof(b1.buf), 4096, &q1);
			dnsp_resp_init(&r2, b2.buf, sizeof(b2.buf), 4096, &q2);
			/* true promises only: at most the 2 labels of bench.example */
			uint8_t promise = hint <= 2 ? (uint8_t)hint : 0;
			if (hint == 4)
				promise = 200; /* longer than the question: ignored */
			dnsp_resp_target_suffix(&r2, promise);
			size_t at = 0;
			for (int k = 0; k < 2; k++) {
				at = r2.len;
				assert_int_equal(dnsp_resp_put_rr(&r1, DNSP_SEC_ANSWER, NULL,
								  DNSP_T_CNAME, 1, 60, target,
								  (uint16_t)tl), 0);
				assert_int_equal(dnsp_resp_put_rr(&r2, DNSP_SEC_ANSWER, NULL,
								  DNSP_T_CNAME, 1, 60, target,
								  (uint16_t)tl), 0);
			}
			assert_int_equal(r1.len, r2.len);
			assert_memory_equal(b1.buf, b2.buf, r1.len);
			assert_int_equal(dnsp_resp_last_target(&r1), dnsp_resp_last_target(&r2));
			/* and the name decodes to the target (case aside) */
			uint8_t out[DNSP_NAME_MAX];
			size_t wl;
			uint8_t lower[DNSP_NAME_MAX];
			memcpy(lower, target, tl);
			dnsp_name_lower(lower);
			assert_int_equal(dnsp_name_unpack(b2.buf, r2.len, at + 12, out, &wl, true),
					 (int)tl);
			assert_memory_equal(out, lower, tl);
		}
	}
}

/*
 * dnsp_resp_target_suffix: "the next put consumes it, written or not" also
 * when that put is refused (a section out of order) or its plain record
 * does not fit: a later, unrelated name is then matched from the top of
 * the index, never from inside the question it makes no promise about.
 */
static void test_resp_target_suffix_consumed_by_failed_put(void **state)
{
	(void)state;
	uint8_t target[DNSP_NAME_MAX], out[DNSP_NAME_MAX];
	static const uint8_t ns[4] = { 192, 0, 2, 1 };
	text_name("ns.other.net.", target);
	size_t tl = dnsp_name_len(target), wl;
	for (int how = 0; how < 2; how++) {
		struct qb b;
		struct dnsp_query q;
		struct dnsp_resp r;
		make_query(&b, &q, "www.example.com.", 0, false, false);
		dnsp_resp_init(&r, b.buf, sizeof(b.buf), how == 0 ? 4096 : 40, &q);
		if (how == 0) {
			/* refused: the answer section after the authority section */
			assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_AUTHORITY, NULL, DNSP_T_A, 1,
							  60, ns, 4), 0);
			dnsp_resp_target_suffix(&r, 2);
			assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_CNAME, 1,
							  60, target, (uint16_t)tl), -EINVAL);
		} else {
			/* a plain record (owner = the question) that does not fit */
			dnsp_resp_target_suffix(&r, 2);
			uint8_t big[64] = { 0 };
			assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_TXT, 1,
							  60, big, sizeof(big)), DNSP_ENOSPACE);
			r.limit = 4096; /* room again, for the record that follows */
		}
		size_t at = r.len;
		assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_AUTHORITY, NULL, DNSP_T_NS, 1, 60,
						  target, (uint16_t)tl), 0);
		assert_int_equal(dnsp_name_unpack(b.buf, r.len, at + 12, out, &wl, true), (int)tl);
		assert_memory_equal(out, target, tl);
	}
}

/* RFC 3597 §4: other types are copied verbatim, never compressed. */
static void test_resp_other_rdata_verbatim(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	uint8_t rd[64];
	make_query(&b, &q, "example.com.", 0, false, false);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 512, &q);
	/* SRV 0 0 53 example.com. */
	memset(rd, 0, 6);
	rd[5] = 53;
	memcpy(rd + 6, "\7example\3com\0", 13);
	size_t at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_SRV, 1, 60, rd, 19), 0);
	assert_int_equal(get16(b.buf + at + 10), 19);
	assert_memory_equal(b.buf + at + 12, rd, 19);
	/* A CNAME whose rdata is not a valid name is copied, not rejected. */
	const uint8_t junk[] = { 5, 'a', 'b' };
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_CNAME, 1, 60, junk, 3), 0);
	assert_memory_equal(b.buf + at + 12, junk, 3);
	/* Empty rdata. */
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, 65280, 1, 60, NULL, 0), 0);
}

/* RFC 2181 §9: a record that does not fit sets TC; earlier ones stay. */
static void test_resp_truncation_sets_tc(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	make_query(&b, &q, "example.com.", 0, false, false);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 512, &q);
	uint8_t txt[100];
	memset(txt, 'x', sizeof(txt));
	txt[0] = 99;
	int added = 0, rc;
	while ((rc = dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_TXT, 1, 60, txt, 100)) == 0)
		added++;
	assert_int_equal(rc, DNSP_ENOSPACE);
	assert_int_equal(added, (512 - 29) / 112);
	assert_true(r.truncated);
	uint16_t before = r.len;
	/* A smaller record may still fit after a failure; TC stays. */
	const uint8_t a[4] = { 1, 2, 3, 4 };
	while (dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_A, 1, 60, a, 4) == 0)
		added++;
	assert_true(r.len >= before);
	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 0);
	assert_true(len <= 512);
	assert_true(len > 512 - 16);
	assert_true(get16(b.buf + 2) & DNSP_FLAG_TC);
	assert_int_equal(get16(b.buf + 6), added);
	assert_int_equal(check_response(b.buf, len), added);
}

/* A failed put leaves the message and the compression table unchanged. */
static void test_resp_failed_put_restores(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	uint8_t owner[DNSP_NAME_MAX], big[400];
	make_query(&b, &q, "example.com.", 0, false, false);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 100, &q);
	/* A first name indexes the question, so the failed put's labels
	 * hang below entries that stay. */
	const uint8_t a[4] = { 192, 0, 2, 7 };
	text_name("www.example.com.", owner);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, owner, DNSP_T_A, 1, 60, a, 4), 0);
	text_name("new.name.example.com.", owner);
	memset(big, 0, sizeof(big));
	uint16_t len0 = r.len;
	uint8_t nc = r.nlab;
	bool qi = r.lab_question;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, owner, DNSP_T_TXT, 1, 60, big, 200),
			 DNSP_ENOSPACE);
	assert_int_equal(r.len, len0);
	assert_int_equal(r.nlab, nc);
	assert_int_equal(r.lab_question, qi);
	assert_int_equal(r.count[0], 1);
	/* The labels the failed put wrote are gone from the index: a name
	 * sharing them is written out, not pointed at overwritten bytes. */
	uint8_t other[DNSP_NAME_MAX], out[DNSP_NAME_MAX];
	size_t wl;
	text_name("x.new.name.example.com.", other);
	uint16_t at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, other, DNSP_T_A, 1, 60, a, 4), 0);
	assert_int_equal(dnsp_name_unpack(b.buf, r.len, at, out, &wl, false),
			 (int)dnsp_name_len(other));
	assert_memory_equal(out, other, dnsp_name_len(other));
	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 0);
	assert_true(get16(b.buf + 2) & DNSP_FLAG_TC);
	assert_int_equal(check_response(b.buf, len), 2);
}

/*
 * RFC 1035 §4.1.4 through the owner-offset API: the last owner and the
 * last NS/CNAME/PTR/MX target are known by offset, a record can take one
 * as its owner (a bare pointer), bad offsets are refused, and a rollback
 * to a mark takes records and their index entries back.
 */
static void test_resp_owner_offsets_and_rollback(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	uint8_t target[DNSP_NAME_MAX], other[DNSP_NAME_MAX], out[DNSP_NAME_MAX];
	const uint8_t a[4] = { 192, 0, 2, 3 };
	size_t wl;
	make_query(&b, &q, "c1.example.com.", 0, false, false);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 1232, &q);
	assert_int_equal(dnsp_resp_last_owner(&r), 0);
	assert_int_equal(dnsp_resp_last_target(&r), 0);
	text_name("c2.example.com.", target);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_CNAME, 1, 60, target,
					  (uint16_t)dnsp_name_len(target)), 0);
	assert_int_equal(dnsp_resp_last_owner(&r), DNSP_HDR_LEN); /* the qname */
	uint16_t t = dnsp_resp_last_target(&r);
	assert_int_equal(t, r.len - 5); /* "\002c2" + pointer */
	assert_int_equal(dnsp_name_unpack(b.buf, r.len, t, out, &wl, false),
			 (int)dnsp_name_len(target));
	assert_memory_equal(out, target, dnsp_name_len(target));
	/* bad offsets */
	assert_int_equal(dnsp_resp_put_rr_at(&r, DNSP_SEC_ANSWER, 0, DNSP_T_A, 1, 60, a, 4),
			 -EINVAL);
	assert_int_equal(dnsp_resp_put_rr_at(&r, DNSP_SEC_ANSWER, 5, DNSP_T_A, 1, 60, a, 4),
			 -EINVAL);
	assert_int_equal(dnsp_resp_put_rr_at(&r, DNSP_SEC_ANSWER, r.len, DNSP_T_A, 1, 60, a, 4),
			 -EINVAL);
	assert_int_equal(dnsp_resp_put_rr_at(&r, DNSP_SEC_ANSWER, 0x4000, DNSP_T_A, 1, 60, a, 4),
			 -EINVAL);
	/* c2 A: the owner is a bare pointer to the target */
	uint16_t at = r.len;
	assert_int_equal(dnsp_resp_put_rr_at(&r, DNSP_SEC_ANSWER, t, DNSP_T_A, 1, 60, a, 4), 0);
	assert_int_equal(get16(b.buf + at), 0xC000 | t);
	assert_int_equal(dnsp_resp_last_owner(&r), t);
	assert_int_equal(dnsp_resp_last_target(&r), 0); /* an A has no name */
	/* a mark, two records with new labels, a rollback */
	struct dnsp_resp_mark m;
	dnsp_resp_mark(&r, &m);
	uint16_t len = r.len;
	uint8_t nlab = r.nlab;
	text_name("x.new.example.org.", other);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, other, DNSP_T_A, 1, 60, a, 4), 0);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, other, DNSP_T_A, 1, 60, a, 4), 0);
	assert_true(r.nlab > nlab);
	dnsp_resp_rollback(&r, &m);
	assert_int_equal(r.len, len);
	assert_int_equal(r.nlab, nlab);
	assert_int_equal(r.count[DNSP_SEC_ANSWER], 2);
	assert_int_equal(dnsp_resp_last_owner(&r), t);
	/* the taken-back labels are not pointed at: written out again */
	text_name("y.new.example.org.", other);
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, other, DNSP_T_A, 1, 60, a, 4), 0);
	assert_memory_equal(b.buf + at, other, dnsp_name_len(other));
	uint16_t n = dnsp_resp_finish(&r, &q, 1232, 0);
	assert_int_equal(check_response(b.buf, n), 3);
}

/* RFC 6891 §7: room is kept for the OPT record, so it is always echoed. */
static void test_resp_reserves_opt(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	uint8_t o[32];
	const uint8_t addr[] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56 };
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.com.", DNSP_T_A);
	uint16_t ol = ecs(o, 2, 56, 0, addr, 7);
	opt(&b, 512, 0, true, o, ol);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), q.edns_udp_size, &q);
	assert_int_equal(r.reserve, 11 + 4 + 4 + 7);
	const uint8_t a[4] = { 1, 2, 3, 4 };
	while (dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_A, 1, 60, a, 4) == 0)
		;
	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 48);
	assert_true(len <= 512);
	assert_int_equal(get16(b.buf + 10), 1);
	assert_true(get16(b.buf + 2) & DNSP_FLAG_TC);
	check_response(b.buf, len);
}

/* OPT echo: our size, DO echoed (RFC 3225), ECS with SCOPE (RFC 7871 §7.2.1). */
static void test_resp_opt_echo_do_and_ecs_scope(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	uint8_t o[32];
	const uint8_t addr[] = { 198, 51, 100 };
	hdr(&b, 1, 0, 1, 0, 0, 1);
	question(&b, "example.com.", DNSP_T_A);
	uint16_t ol = ecs(o, 1, 24, 0, addr, 3);
	opt(&b, 4096, 0, true, o, ol);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), 0);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 1232, &q);
	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 20);
	const uint8_t *p = b.buf + q.question_end;
	const uint8_t want[] = {
		0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 11,
		0, 8, 0, 7, 0, 1, 24, 20, 198, 51, 100,
	};
	assert_int_equal(len, q.question_end + sizeof(want));
	assert_memory_equal(p, want, sizeof(want));
	assert_int_equal(get16(b.buf + 10), 1);
	check_response(b.buf, len);

	/* Without DO and ECS: bare OPT, flags 0. */
	make_query(&b, &q, "example.com.", 0, true, false);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 1232, &q);
	len = dnsp_resp_finish(&r, &q, 1400, 0);
	const uint8_t bare[] = { 0, 0, 41, 0x05, 0x78, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(len, q.question_end + 11);
	assert_memory_equal(b.buf + q.question_end, bare, 11);
}

/* RFC 6891 §6.1.3: BADVERS (16) = header rcode 0 + OPT extended rcode 1. */
static void test_resp_error_badvers_extended_rcode(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 0x4242, DNSP_FLAG_RD, 1, 0, 0, 1);
	question(&b, "example.", DNSP_T_A);
	opt(&b, 1232, 1, false, NULL, 0);
	int rc = dnsp_pkt_parse_query(b.buf, b.len, &q);
	assert_int_equal(rc, DNSP_RCODE_BADVERS);
	uint16_t len = dnsp_resp_error(b.buf, sizeof(b.buf), &q, (uint8_t)rc);
	assert_int_equal(len, q.question_end + 11);
	assert_int_equal(get16(b.buf), 0x4242);
	assert_int_equal(get16(b.buf + 2), DNSP_FLAG_QR | DNSP_FLAG_RD);
	assert_int_equal(get16(b.buf + 4), 1);
	assert_int_equal(get16(b.buf + 10), 1);
	const uint8_t *o = b.buf + q.question_end;
	assert_int_equal(o[5], 1); /* extended rcode */
	assert_int_equal(o[6], 0); /* our version */
	check_response(b.buf, len);
}

/* Error response without a parsed question: header only, QDCOUNT 0. */
static void test_resp_error_no_question(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	hdr(&b, 5, 0, 0, 0, 0, 0);
	int rc = dnsp_pkt_parse_query(b.buf, b.len, &q);
	assert_int_equal(rc, DNSP_RCODE_FORMERR);
	uint16_t len = dnsp_resp_error(b.buf, sizeof(b.buf), &q, (uint8_t)rc);
	assert_int_equal(len, 12);
	assert_int_equal(get16(b.buf + 2), DNSP_FLAG_QR | DNSP_RCODE_FORMERR);
	assert_int_equal(get16(b.buf + 4), 0);
	/* FORMERR with a question and EDNS keeps both. */
	hdr(&b, 5, 0, 1, 0, 1, 1);
	question(&b, "example.", DNSP_T_A);
	put8(&b, 0xC0);
	put8(&b, 12);
	put16(&b, DNSP_T_NS);
	put16(&b, DNSP_CLASS_IN);
	put32(&b, 60);
	put16(&b, 2);
	put8(&b, 0xC0);
	put8(&b, 12);
	opt(&b, 1232, 0, true, NULL, 0);
	rc = dnsp_pkt_parse_query(b.buf, b.len, &q);
	assert_int_equal(rc, DNSP_RCODE_FORMERR);
	len = dnsp_resp_error(b.buf, sizeof(b.buf), &q, (uint8_t)rc);
	assert_int_equal(len, q.question_end + 11);
	assert_int_equal(get16(b.buf + 4), 1);
	assert_int_equal(get16(b.buf + 8), 0);
	assert_int_equal(get16(b.buf + 10), 1);
	check_response(b.buf, len);
}

/* Records are appended, so sections must be added in order. */
static void test_resp_section_order_enforced(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	const uint8_t a[4] = { 1, 2, 3, 4 };
	make_query(&b, &q, "example.com.", 0, false, false);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 512, &q);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_AUTHORITY, NULL, DNSP_T_A, 1, 1, a, 4), 0);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_A, 1, 1, a, 4), -EINVAL);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ADDITIONAL, NULL, DNSP_T_A, 1, 1, a, 4), 0);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_AUTHORITY, NULL, DNSP_T_A, 1, 1, a, 4), -EINVAL);
	assert_false(r.truncated);
	uint16_t len = dnsp_resp_finish(&r, &q, 512, 0);
	assert_int_equal(check_response(b.buf, len), 2);
}

/* limit is clamped to the buffer size. */
static void test_resp_limit_clamped_to_cap(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	make_query(&b, &q, "example.com.", 0, false, false);
	dnsp_resp_init(&r, b.buf, 100, 65535, &q);
	assert_int_equal(r.limit, 100);
	uint8_t rd[80] = { 0 };
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, 99, 1, 1, rd, 80), DNSP_ENOSPACE);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, 99, 1, 1, rd, 100 - 29 - 12), 0);
	assert_int_equal(r.len, 100);
}

/* RFC 1035 §4.1.4: pointers hold 14 bits; names past 0x3fff are not targets. */
static void test_resp_compress_offset_limit(void **state)
{
	(void)state;
	static uint8_t big[DNSP_MSG_MAX];
	static struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	uint8_t owner[DNSP_NAME_MAX], tail[DNSP_NAME_MAX], out[DNSP_NAME_MAX];
	const uint8_t a[4] = { 1, 2, 3, 4 };
	size_t wl;
	make_query(&b, &q, "example.com.", 0, false, false);
	memcpy(big, b.buf, b.len);
	dnsp_resp_init(&r, big, sizeof(big), DNSP_MSG_MAX, &q);
	static uint8_t filler[0x4000];
	uint16_t fill = (uint16_t)(0x3ff0 - r.len - 12);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, 65280, 1, 0, filler, fill), 0);
	assert_int_equal(r.len, 0x3ff0);
	text_name("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.example.net.", owner);
	text_name("example.net.", tail);
	/* Starts below 0x4000, its later labels lie above: none of them can
	 * be a target (an index entry needs its whole suffix indexed). */
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, owner, DNSP_T_A, 1, 0, a, 4), 0);
	size_t at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, tail, DNSP_T_A, 1, 0, a, 4), 0);
	assert_memory_equal(big + at, tail, 13); /* written in full */
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, owner, DNSP_T_A, 1, 0, a, 4), 0);
	assert_memory_equal(big + at, owner, 54); /* no pointer above 0x3fff */
	assert_int_equal(dnsp_name_unpack(big, r.len, at, out, &wl, false), 54);
	assert_memory_equal(out, owner, 54);
	/* A name that fits below 0x4000 is still compressed against the
	 * question there. */
	text_name("www.example.com.", tail);
	at = r.len;
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, tail, DNSP_T_A, 1, 0, a, 4), 0);
	assert_memory_equal(big + at, "\003www", 4);
	assert_int_equal(get16(big + at + 4), 0xC000 | DNSP_HDR_LEN);
	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 0);
	assert_int_equal(check_response(big, len), 5);
}

/* owner NULL needs a question to point at. */
static void test_resp_owner_null_without_question(void **state)
{
	(void)state;
	struct qb b;
	struct dnsp_query q;
	struct dnsp_resp r;
	const uint8_t a[4] = { 1, 2, 3, 4 };
	uint8_t owner[DNSP_NAME_MAX];
	hdr(&b, 1, 0, 0, 0, 0, 0);
	assert_int_equal(dnsp_pkt_parse_query(b.buf, b.len, &q), DNSP_RCODE_FORMERR);
	dnsp_resp_init(&r, b.buf, sizeof(b.buf), 512, &q);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_A, 1, 1, a, 4), -EINVAL);
	text_name("example.", owner);
	assert_int_equal(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, owner, DNSP_T_A, 1, 1, a, 4), 0);
	uint16_t len = dnsp_resp_finish(&r, &q, 512, 0);
	assert_int_equal(check_response(b.buf, len), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_simple_query),
		cmocka_unit_test(test_parse_records_every_label_offset),
		cmocka_unit_test(test_parse_root_query),
		cmocka_unit_test(test_parse_short_header_dropped),
		cmocka_unit_test(test_parse_qr_set_dropped),
		cmocka_unit_test(test_parse_qdcount_not_one_formerr),
		cmocka_unit_test(test_parse_opcode_notimp),
		cmocka_unit_test(test_parse_ancount_nscount_formerr),
		cmocka_unit_test(test_parse_bad_qname_formerr),
		cmocka_unit_test(test_parse_qname_255_256),
		cmocka_unit_test(test_parse_edns_fields),
		cmocka_unit_test(test_parse_edns_small_udp_is_512),
		cmocka_unit_test(test_parse_edns_version_badvers),
		cmocka_unit_test(test_parse_two_opts_formerr),
		cmocka_unit_test(test_parse_opt_not_root_formerr),
		cmocka_unit_test(test_parse_opt_option_overrun_formerr),
		cmocka_unit_test(test_parse_records_past_end_formerr),
		cmocka_unit_test(test_parse_skips_other_additional),
		cmocka_unit_test(test_parse_ecs_valid),
		cmocka_unit_test(test_parse_ecs_bad_family_prefix_scope),
		cmocka_unit_test(test_parse_ecs_address_length),
		cmocka_unit_test(test_parse_ecs_nonzero_trailing_bits),
		cmocka_unit_test(test_parse_ecs_short_or_duplicate),
		cmocka_unit_test(test_resp_init_header_and_question_case),
		cmocka_unit_test(test_requery_after_an_answer),
		cmocka_unit_test(test_resp_init_keeps_opcode),
		cmocka_unit_test(test_resp_put_a_owner_null),
		cmocka_unit_test(test_resp_compress_owner_names),
		cmocka_unit_test(test_resp_compress_rdata_names),
		cmocka_unit_test(test_resp_target_suffix_same_bytes),
		cmocka_unit_test(test_resp_target_suffix_consumed_by_failed_put),
		cmocka_unit_test(test_resp_compress_deep_and_shared_suffixes),
		cmocka_unit_test(test_resp_other_rdata_verbatim),
		cmocka_unit_test(test_resp_truncation_sets_tc),
		cmocka_unit_test(test_resp_failed_put_restores),
		cmocka_unit_test(test_resp_owner_offsets_and_rollback),
		cmocka_unit_test(test_resp_reserves_opt),
		cmocka_unit_test(test_resp_opt_echo_do_and_ecs_scope),
		cmocka_unit_test(test_resp_error_badvers_extended_rcode),
		cmocka_unit_test(test_resp_error_no_question),
		cmocka_unit_test(test_resp_section_order_enforced),
		cmocka_unit_test(test_resp_limit_clamped_to_cap),
		cmocka_unit_test(test_resp_compress_offset_limit),
		cmocka_unit_test(test_resp_owner_null_without_question),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
