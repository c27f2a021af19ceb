/*
 * Unit tests for lib/wire/rdata.c: type mnemonics (RFC 3597 §5), rdata
 * presentation text of every served type (RFC 1035 §3.3, §5.1 and the RFCs
 * of each type) round-tripped through wire form, RFC 3597 generic form,
 * range and syntax errors, and wire validation. Expected texts are what
 * `dig +short` (BIND 9.18) printed for the same records served by Knot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "lib/wire/rdata.h"

static const uint8_t origin[] = "\7example\3com";

static int from_text(uint16_t type, const char *text, uint8_t *out, size_t cap,
		     const char **why)
{
	return dnsp_rdata_from_text(type, text, strlen(text), origin, out, cap, why);
}

/* text → wire → text, with the expected dig text. */
static void round_trip(uint16_t type, const char *in, const char *want)
{
	uint8_t wire[DNSP_RDATA_MAX];
	char text[4096];
	const char *why = NULL;
	int n = from_text(type, in, wire, sizeof(wire), &why);
	if (n < 0)
		fail_msg("type %u \"%s\": %d %s", type, in, n, why ? why : "");
	assert_int_equal(dnsp_rdata_check(type, wire, (size_t)n), 0);
	int t = dnsp_rdata_to_text(type, wire, (size_t)n, text, sizeof(text));
	assert_true(t >= 0);
	assert_int_equal((size_t)t, strlen(text));
	if (strcmp(text, want) != 0)
		fail_msg("type %u \"%s\": got \"%s\" want \"%s\"", type, in, text, want);
	/* and the printed form parses back to the same bytes */
	uint8_t again[DNSP_RDATA_MAX];
	int m = dnsp_rdata_from_text(type, text, strlen(text), NULL, again, sizeof(again), &why);
	assert_int_equal(m, n);
	assert_memory_equal(again, wire, (size_t)n);
}

static void expect_wire(uint16_t type, const char *in, const void *want, size_t len)
{
	uint8_t wire[DNSP_RDATA_MAX];
	const char *why = NULL;
	int n = from_text(type, in, wire, sizeof(wire), &why);
	if (n < 0)
		fail_msg("\"%s\": %s", in, why ? why : "");
	assert_int_equal(n, (int)len);
	assert_memory_equal(wire, want, len);
}

static int expect_error(uint16_t type, const char *in)
{
	uint8_t wire[DNSP_RDATA_MAX];
	const char *why = NULL;
	int n = from_text(type, in, wire, sizeof(wire), &why);
	if (n >= 0)
		fail_msg("type %u \"%s\" was accepted", type, in);
	assert_non_null(why);
	assert_true(strlen(why) > 0);
	return n;
}

/* RFC 3597 §5: mnemonics are case-insensitive; TYPEnnn names any type. */
static void test_type_mnemonics(void **state)
{
	(void)state;
	char buf[16];
	assert_int_equal(dnsp_rrtype_from_text("AAAA", 4), 28);
	assert_int_equal(dnsp_rrtype_from_text("naptr", 5), 35);
	assert_int_equal(dnsp_rrtype_from_text("CAA", 3), 257);
	assert_int_equal(dnsp_rrtype_from_text("TYPE65280", 9), 65280);
	assert_int_equal(dnsp_rrtype_from_text("type1", 5), 1);
	assert_int_equal(dnsp_rrtype_from_text("TYPE0", 5), DNSP_ESYNTAX);
	assert_int_equal(dnsp_rrtype_from_text("TYPE65536", 9), DNSP_ESYNTAX);
	assert_int_equal(dnsp_rrtype_from_text("TYPE", 4), DNSP_ESYNTAX);
	assert_int_equal(dnsp_rrtype_from_text("BOGUS", 5), DNSP_ESYNTAX);
	assert_int_equal(dnsp_rrtype_from_text("AAAAX", 4), 28); /* len bounds it */
	assert_string_equal(dnsp_rrtype_to_text(28, buf), "AAAA");
	assert_string_equal(dnsp_rrtype_to_text(99, buf), "SPF");
	assert_string_equal(dnsp_rrtype_to_text(65280, buf), "TYPE65280");
}

/* Every served type: text → wire → text gives dig's form, which parses back. */
static void test_every_type_round_trips(void **state)
{
	(void)state;
	static const struct {
		uint16_t type;
		const char *in, *out;
	} cases[] = {
		{1, "192.0.2.1", "192.0.2.1"},
		{28, "2001:DB8:0:0::1", "2001:db8::1"},
		{28, "::ffff:192.0.2.1", "::ffff:192.0.2.1"},
		{2, "ns1", "ns1.example.com."},
		{5, "@", "example.com."},
		{12, "host.example.net.", "host.example.net."},
		{39, "other.example.", "other.example."},
		{15, "10 mail", "10 mail.example.com."},
		{6, "ns1 hostmaster 2024010101 7200 3600 1209600 300",
		 "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300"},
		{16, "\"v=spf1 -all\"", "\"v=spf1 -all\""},
		{99, "\"v=spf1 ip4:1.2.3.4 -all\"", "\"v=spf1 ip4:1.2.3.4 -all\""},
		{33, "10 60 5060 sip", "10 60 5060 sip.example.com."},
		{257, "0 issue \"letsencrypt.org\"", "0 issue \"letsencrypt.org\""},
		{257, "128 iodef \"mailto:x@example.com\"", "128 iodef \"mailto:x@example.com\""},
		{257, "0 issue \";\"", "0 issue \";\""},
		{257, "0 issue \"a\\\"b\\\\c\\200d\"", "0 issue \"a\\\"b\\\\c\\200d\""},
		{257, "0 issue letsencrypt.org", "0 issue \"letsencrypt.org\""},
		{35, "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
		 "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" ."},
		{35, "100 10 \"\" \"\" \"\" _sip._udp", "100 10 \"\" \"\" \"\" _sip._udp.example.com."},
		{35, "100 10 \"S\" \"SIP+D2U\" \"!^\\\\+1(.*)$!\\\\1!\" .",
		 "100 10 \"S\" \"SIP+D2U\" \"!^\\\\+1(.*)$!\\\\1!\" ."},
		{43, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
		 "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"},
		{43, "20326 8 2 e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d",
		 "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237 C7F8EC8D"},
		{48,
		 "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+"
		 "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
		 "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+ "
		 "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="},
		{48, "256 3 8 AwEAAQ==", "256 3 8 AwEAAQ=="},
		{48, "256 3 8 AwEAAcE=", "256 3 8 AwEAAcE="},
		{44, "1 1 0123456789ABCDEF0123456789ABCDEF01234567",
		 "1 1 0123456789ABCDEF0123456789ABCDEF01234567"},
		{44, "4 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
		 "4 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01234567 89ABCDEF"},
		{52, "3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
		 "3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01234567 89ABCDEF"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		round_trip(cases[i].type, cases[i].in, cases[i].out);
}

/* RFC 1035 §3.3.9 / §3.3.13 / RFC 2782 / RFC 8659: exact wire layouts. */
static void test_wire_layouts(void **state)
{
	(void)state;
	expect_wire(1, "10.0.0.1", "\x0a\x00\x00\x01", 4);
	expect_wire(15, "10 mail.example.com.", "\x00\x0a\4mail\7example\3com\0", 20);
	expect_wire(33, "1 2 443 .", "\x00\x01\x00\x02\x01\xbb\x00", 7);
	expect_wire(6, ". . 1 2 3 4 5",
		    "\0\0\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5", 22);
	expect_wire(257, "0 issue \"ca.example\"", "\x00\x05issueca.example", 17);
	expect_wire(35, "1 2 \"a\" \"\" \"\" .", "\x00\x01\x00\x02\x01\x61\x00\x00\x00", 9);
	expect_wire(43, "1 2 3 0a0B", "\x00\x01\x02\x03\x0a\x0b", 6);
	expect_wire(48, "257 3 13 AQID", "\x01\x01\x03\x0d\x01\x02\x03", 7);
	expect_wire(52, "3 1 1 ff", "\x03\x01\x01\xff", 4);
	expect_wire(44, "1 1 ff", "\x01\x01\xff", 3);
}

/* RFC 1035 §3.3 names in rdata are completed with the origin; without an
 * origin a relative name is an error. */
static void test_relative_names_use_origin(void **state)
{
	(void)state;
	uint8_t wire[64];
	const char *why = NULL;
	assert_int_equal(from_text(2, "ns1", wire, sizeof(wire), &why), 17);
	assert_memory_equal(wire, "\3ns1\7example\3com\0", 17);
	int n = dnsp_rdata_from_text(2, "ns1", 3, NULL, wire, sizeof(wire), &why);
	assert_int_equal(n, DNSP_ENAME);
	assert_non_null(why);
	assert_int_equal(dnsp_rdata_from_text(2, "ns1.", 4, NULL, wire, sizeof(wire), &why), 5);
}

/* RFC 3597 §5: "\# len hex" works for a known type and gives the same
 * bytes; the data must be valid for that type. */
static void test_generic_form_known_type(void **state)
{
	(void)state;
	expect_wire(1, "\\# 4 0A000001", "\x0a\x00\x00\x01", 4);
	round_trip(1, "\\# 4 0a 00 0001", "10.0.0.1");
	round_trip(15, "\\# 3 000A00", "10 .");
	assert_int_equal(expect_error(1, "\\# 3 0A0000"), DNSP_ESYNTAX);
	/* A name with a compression pointer is not valid rdata text. */
	assert_int_equal(expect_error(2, "\\# 2 C00C"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(1, "\\# 5 0A000001"), DNSP_ESYNTAX);
}

/* RFC 3597 §5: unknown types take only the generic form, and print it
 * (hex cut at 56 characters like dig). */
static void test_generic_form_unknown_type(void **state)
{
	(void)state;
	round_trip(65280, "\\# 3 010203", "\\# 3 010203");
	round_trip(65280, "\\# 0", "\\# 0");
	round_trip(65280, "\\# 3 01 02 03", "\\# 3 010203");
	round_trip(65280,
		   "\\# 40 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
		   "0011223344556677",
		   "\\# 40 00112233445566778899AABBCCDDEEFF00112233445566778899AABB "
		   "CCDDEEFF0011223344556677");
	/* HINFO has a mnemonic but no native parser here. */
	round_trip(13, "\\# 4 01610162", "\\# 4 01610162");
	assert_int_equal(expect_error(65280, "01 02 03"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(65280, "\\# 2 010203"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(65280, "\\# 2 0102 03"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(65280, "\\# 1 0"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(65280, "\\# 0 00"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(65280, "\\# 1 zz"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(65280, "\\# 65536 00"), DNSP_ERANGE);
	assert_int_equal(expect_error(65280, "\\#"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(13, "\"PC\" \"Linux\""), DNSP_ESYNTAX);
}

/* RFC 1035 §5.1: character-strings quoted or not, \X and \DDD escapes,
 * several per TXT; printed quoted with \" \\ and \DDD like dig. */
static void test_txt_escapes_and_multiple_strings(void **state)
{
	(void)state;
	round_trip(16, "\"a b\" c \"d\\\"e\\\\f\" \"\\000\\255\\t\" \"\"",
		   "\"a b\" \"c\" \"d\\\"e\\\\f\" \"\\000\\255t\" \"\"");
	expect_wire(16, "\"a b\" c", "\x03" "a b\x01" "c", 6);
	expect_wire(16, "\"\\065\\066\"", "\x02" "AB", 3);
	expect_wire(16, "a\\ b", "\x03" "a b", 4);
	round_trip(16, "\"caf\\195\\169 \\127 ; , ( ) $ @ ' ~\"",
		   "\"caf\\195\\169 \\127 ; , ( ) $ @ ' ~\"");
	assert_int_equal(expect_error(16, "\"\\256\""), DNSP_ERANGE);
	assert_int_equal(expect_error(16, "\"\\12\""), DNSP_ESYNTAX);
	assert_int_equal(expect_error(16, "\"open"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(16, ""), DNSP_ESYNTAX);
}

/* A Route 53 TXT/SPF Value arrives with its quotes: "\"v=spf1 -all\"". */
static void test_txt_route53_value(void **state)
{
	(void)state;
	expect_wire(16, "\"v=spf1 -all\"", "\x0bv=spf1 -all", 12);
	expect_wire(99, "\"v=spf1 include:_spf.example.com ~all\"",
		    "\x24v=spf1 include:_spf.example.com ~all", 37);
	expect_wire(16, "\"part one\" \"part two\"", "\x08part one\x08part two", 18);
}

/* RFC 1035 §3.3: a character-string holds at most 255 bytes. */
static void test_txt_string_at_most_255(void **state)
{
	(void)state;
	char in[600];
	uint8_t wire[600];
	const char *why;
	memset(in, 'x', sizeof(in));
	in[0] = '"';
	in[256] = '"';
	in[257] = '\0';
	assert_int_equal(from_text(16, in, wire, sizeof(wire), &why), 256);
	in[256] = 'x';
	in[257] = '"';
	in[258] = '\0';
	assert_int_equal(expect_error(16, in), DNSP_ESYNTAX);
}

/* Addresses must be valid dotted quads / RFC 4291 text. */
static void test_bad_addresses(void **state)
{
	(void)state;
	expect_error(1, "300.1.1.1");
	expect_error(1, "1.2.3");
	expect_error(1, "1.2.3.4.5");
	expect_error(1, "");
	expect_error(28, "2001:db8::g");
	expect_error(28, "192.0.2.1");
}

/* RFC 1035 §3.3.9: MX is preference then exchange; both are required. */
static void test_mx_without_preference(void **state)
{
	(void)state;
	const char *why = NULL;
	uint8_t wire[64];
	assert_int_equal(from_text(15, "mail.example.com.", wire, sizeof(wire), &why),
			 DNSP_ESYNTAX);
	assert_non_null(strstr(why, "MX preference"));
	assert_int_equal(expect_error(15, "10"), DNSP_ESYNTAX);
}

/* Numbers beyond their field width give DNSP_ERANGE and say the range. */
static void test_numbers_out_of_range(void **state)
{
	(void)state;
	const char *why = NULL;
	uint8_t wire[64];
	/* RFC 8659 §4.1: CAA flags are one octet. */
	assert_int_equal(from_text(257, "256 issue \"ca.example\"", wire, sizeof(wire), &why),
			 DNSP_ERANGE);
	assert_non_null(strstr(why, "CAA flags"));
	assert_non_null(strstr(why, "0..255"));
	assert_int_equal(expect_error(15, "65536 mail"), DNSP_ERANGE);
	assert_int_equal(expect_error(33, "1 1 99999 host"), DNSP_ERANGE);
	assert_int_equal(expect_error(6, ". . 4294967296 1 1 1 1"), DNSP_ERANGE);
	assert_int_equal(expect_error(6, ". . 1 5000000000 1 1 1"), DNSP_ERANGE);
	assert_int_equal(expect_error(43, "1 256 1 00"), DNSP_ERANGE);
	assert_int_equal(expect_error(15, "-1 mail"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(15, "ten mail"), DNSP_ESYNTAX);
}

/* SOA timers accept BIND's TTL units (1h30m). */
static void test_soa_time_units(void **state)
{
	(void)state;
	round_trip(6, "ns1 hm 1 1h30m 30M 1w 1d", "ns1.example.com. hm.example.com. 1 5400 1800 604800 86400");
	assert_int_equal(expect_error(6, "ns1 hm 1 h 1 1 1"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(6, "ns1 hm 1h 1 1 1 1"), DNSP_ESYNTAX); /* serial: plain */
}

/* RFC 4648 base64 in DNSKEY, blanks allowed; bad characters or length fail. */
static void test_dnskey_base64(void **state)
{
	(void)state;
	round_trip(48, "257 3 13 AQID BA==", "257 3 13 AQIDBA==");
	assert_int_equal(expect_error(48, "257 3 13 AQ!D"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(48, "257 3 13 AQI"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(48, "257 3 13 A==="), DNSP_ESYNTAX);
	assert_int_equal(expect_error(48, "257 3 13 AA==AAAA"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(48, "257 3 13"), DNSP_ESYNTAX);
}

/* RFC 4034 §5.3: DS digest is hex, blanks allowed, even digit count. */
static void test_ds_hex_with_blanks(void **state)
{
	(void)state;
	round_trip(43, "20326 8 2 E06D44B8 0B8F1D39A95C0B0D7C65D084 58E880409BBC683457104237C7F8EC8D",
		   "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237 C7F8EC8D");
	assert_int_equal(expect_error(43, "1 2 3 ABC"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(43, "1 2 3 XY"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(43, "1 2 3"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(52, "3 1 1"), DNSP_ESYNTAX);
}

/* RFC 8659 §4.1.1: the CAA tag is letters and digits, unquoted. */
static void test_caa_tag_rules(void **state)
{
	(void)state;
	assert_int_equal(expect_error(257, "0 is-sue \"x\""), DNSP_ESYNTAX);
	assert_int_equal(expect_error(257, "0 \"issue\" \"x\""), DNSP_ESYNTAX);
	assert_int_equal(expect_error(257, "0 issue"), DNSP_ESYNTAX);
	/* The value may be longer than one character-string. */
	char in[400] = "0 issue \"";
	memset(in + 9, 'v', 300);
	strcpy(in + 309, "\"");
	uint8_t wire[512];
	const char *why;
	assert_int_equal(from_text(257, in, wire, sizeof(wire), &why), 2 + 5 + 300);
}

/* Extra tokens after the last field are an error, not silently dropped. */
static void test_trailing_tokens_rejected(void **state)
{
	(void)state;
	assert_int_equal(expect_error(1, "1.2.3.4 5.6.7.8"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(15, "10 mail extra"), DNSP_ESYNTAX);
	assert_int_equal(expect_error(2, "a. b."), DNSP_ESYNTAX);
}

/* Output that does not fit gives DNSP_ENOSPACE (both directions). */
static void test_buffers_too_small(void **state)
{
	(void)state;
	uint8_t wire[64];
	char text[64];
	const char *why;
	assert_int_equal(from_text(28, "::1", wire, 15, &why), DNSP_ENOSPACE);
	assert_int_equal(from_text(16, "\"abc\"", wire, 3, &why), DNSP_ENOSPACE);
	assert_int_equal(from_text(65280, "\\# 4 00000000", wire, 3, &why), DNSP_ENOSPACE);
	int n = from_text(1, "192.0.2.1", wire, sizeof(wire), &why);
	assert_int_equal(n, 4);
	assert_int_equal(dnsp_rdata_to_text(1, wire, 4, text, 9), DNSP_ENOSPACE);
	assert_int_equal(dnsp_rdata_to_text(1, wire, 4, text, 10), 9);
	assert_string_equal(text, "192.0.2.1");
	assert_int_equal(dnsp_rdata_to_text(1, wire, 4, text, 0), DNSP_ENOSPACE);
}

/* Wire validation: fixed lengths, names well formed and uncompressed,
 * strings inside rdata, nothing left over; opaque types accept anything. */
static void test_check_wire(void **state)
{
	(void)state;
	char text[64];
	assert_int_equal(dnsp_rdata_check(1, (const uint8_t *)"\1\2\3\4", 4), 0);
	assert_int_equal(dnsp_rdata_check(1, (const uint8_t *)"\1\2\3", 3), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(28, (const uint8_t *)"\1\2\3\4", 4), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(2, (const uint8_t *)"\3ns1\0", 5), 0);
	assert_int_equal(dnsp_rdata_check(2, (const uint8_t *)"\3ns1", 4), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(2, (const uint8_t *)"\xc0\x0c", 2), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(2, (const uint8_t *)"\3ns1\0\0", 6), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(15, (const uint8_t *)"\0\1", 2), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(16, (const uint8_t *)"\3ab", 3), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(16, (const uint8_t *)"", 0), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(16, (const uint8_t *)"\0", 1), 0);
	assert_int_equal(dnsp_rdata_check(257, (const uint8_t *)"\0\0", 2), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(257, (const uint8_t *)"\0\2a-", 4), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(257, (const uint8_t *)"\0\5issue", 7), 0);
	assert_int_equal(dnsp_rdata_check(43, (const uint8_t *)"\0\1\2\3", 4), DNSP_EMALFORMED);
	assert_int_equal(dnsp_rdata_check(65280, (const uint8_t *)"\xc0", 1), 0);
	/* 64-byte label and a 256-byte name */
	uint8_t bad[300];
	memset(bad, 1, sizeof(bad));
	bad[0] = 64;
	assert_int_equal(dnsp_rdata_check(5, bad, 70), DNSP_EMALFORMED);
	memset(bad, 'a', sizeof(bad));
	for (int i = 0; i < 256; i += 4)
		bad[i] = 3;
	bad[256] = 0;
	assert_int_equal(dnsp_rdata_check(5, bad, 257), DNSP_EMALFORMED);
	bad[252] = 0;
	assert_int_equal(dnsp_rdata_check(5, bad, 253), 0);
	/* to_text refuses what check refuses */
	assert_int_equal(dnsp_rdata_to_text(1, (const uint8_t *)"\1\2\3", 3, text, sizeof(text)),
			 DNSP_EMALFORMED);
}

/* Additional-section and alias targets (RFC 1035 §3.3, RFC 2782, RFC 6672). */
static void test_target_offsets(void **state)
{
	(void)state;
	assert_int_equal(dnsp_rdata_target_offset(2), 0);
	assert_int_equal(dnsp_rdata_target_offset(5), 0);
	assert_int_equal(dnsp_rdata_target_offset(12), 0);
	assert_int_equal(dnsp_rdata_target_offset(39), 0);
	assert_int_equal(dnsp_rdata_target_offset(15), 2);
	assert_int_equal(dnsp_rdata_target_offset(33), 6);
	assert_int_equal(dnsp_rdata_target_offset(1), -1);
	assert_int_equal(dnsp_rdata_target_offset(6), -1);
	assert_int_equal(dnsp_rdata_target_offset(35), -1);
}

/* Errors carry a message naming the field and the bad text. */
static void test_error_messages_are_useful(void **state)
{
	(void)state;
	uint8_t wire[64];
	const char *why = NULL;
	assert_true(from_text(1, "300.1.1.1", wire, sizeof(wire), &why) < 0);
	assert_non_null(strstr(why, "IPv4"));
	assert_non_null(strstr(why, "300.1.1.1"));
	assert_true(from_text(33, "1 2 x host", wire, sizeof(wire), &why) < 0);
	assert_non_null(strstr(why, "SRV port"));
	assert_true(from_text(65280, "abc", wire, sizeof(wire), &why) < 0);
	assert_non_null(strstr(why, "\\#"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_mnemonics),
		cmocka_unit_test(test_every_type_round_trips),
		cmocka_unit_test(test_wire_layouts),
		cmocka_unit_test(test_relative_names_use_origin),
		cmocka_unit_test(test_generic_form_known_type),
		cmocka_unit_test(test_generic_form_unknown_type),
		cmocka_unit_test(test_txt_escapes_and_multiple_strings),
		cmocka_unit_test(test_txt_route53_value),
		cmocka_unit_test(test_txt_string_at_most_255),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_mx_without_preference),
		cmocka_unit_test(test_numbers_out_of_range),
		cmocka_unit_test(test_soa_time_units),
		cmocka_unit_test(test_dnskey_base64),
		cmocka_unit_test(test_ds_hex_with_blanks),
		cmocka_unit_test(test_caa_tag_rules),
		cmocka_unit_test(test_trailing_tokens_rejected),
		cmocka_unit_test(test_buffers_too_small),
		cmocka_unit_test(test_check_wire),
		cmocka_unit_test(test_target_offsets),
		cmocka_unit_test(test_error_messages_are_useful),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
