/*
 * Unit tests of lib/domainlist.c: the AWS domain-list entry syntax
 * (SEMANTICS §13) and the three file formats threat feeds use (plain
 * lists, hosts files, RPZ zones), with bad lines reported by line number.
 * One test per rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "lib/domainlist.h"

/* ---- collection helpers ---- */

struct got {
	char entries[64][DNSP_DOMAIN_TEXT_MAX + 1];
	int lines[64];
	int n;
	int err_lines[64];
	char err_text[64][128];
	int nerr;
};

static int on_entry(void *ctx, const char *d, size_t len, int line)
{
	struct got *g = ctx;
	if (g->n < 64) {
		memcpy(g->entries[g->n], d, len);
		g->entries[g->n][len] = 0;
		g->lines[g->n] = line;
	}
	g->n++;
	return 0;
}

static void on_error(void *ctx, int line, const char *entry, size_t len, const char *msg)
{
	struct got *g = ctx;
	(void)msg;
	if (g->nerr < 64) {
		g->err_lines[g->nerr] = line;
		snprintf(g->err_text[g->nerr], sizeof(g->err_text[0]), "%.*s", (int)len, entry);
	}
	g->nerr++;
}

static int parse(const char *text, enum dnsp_dl_format f, struct got *g,
		 struct dnsp_dl_stats *st)
{
	memset(g, 0, sizeof(*g));
	return dnsp_domainlist_parse(text, strlen(text), f, on_entry, on_error, g, st);
}

/* The errors reported were exactly on these lines, in order (lines ends
 * with 0). */
static void expect_err_lines(const struct got *g, const int *lines)
{
	int n = 0;
	while (lines[n])
		n++;
	assert_int_equal(g->nerr, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(g->err_lines[i], lines[i]);
}

static const char *norm(const char *in, char out[DNSP_DOMAIN_TEXT_MAX + 1])
{
	const char *why = NULL;
	int n = dnsp_domain_normalize(in, strlen(in), out, &why);
	return n < 0 ? NULL : out;
}

/* ---- entry syntax ---- */

/* SEMANTICS §13: A-Z a-z 0-9 '-' with '.' between labels; stored lowercase
 * (matching is case-insensitive) and without the trailing dot. */
static void test_entry_is_lowercased_and_trailing_dot_dropped(void **state)
{
	(void)state;
	char out[DNSP_DOMAIN_TEXT_MAX + 1];
	assert_string_equal(norm("Evil.Example.NET", out), "evil.example.net");
	assert_string_equal(norm("evil.example.net.", out), "evil.example.net");
	assert_string_equal(norm("a-b.x9.com", out), "a-b.x9.com");
}

/* SEMANTICS §13: an entry may start with '*' ("*" alone, or "*." + name). */
static void test_entry_wildcard_only_as_whole_first_label(void **state)
{
	(void)state;
	char out[DNSP_DOMAIN_TEXT_MAX + 1];
	assert_string_equal(norm("*", out), "*");
	assert_string_equal(norm("*.C2.example.org", out), "*.c2.example.org");
	assert_null(norm("*example.com", out));
	assert_null(norm("a.*.example.com", out));
	assert_null(norm("ex*ample.com", out));
	assert_string_equal(norm("*.", out), "*"); /* the absolute form of "*" */
}

static void test_entry_rejects_bad_characters_and_shapes(void **state)
{
	(void)state;
	char out[DNSP_DOMAIN_TEXT_MAX + 1];
	assert_null(norm("", out));
	assert_null(norm(".", out));
	assert_null(norm("under_score.com", out));
	assert_null(norm("sp ace.com", out));
	assert_null(norm("a..b", out));
	assert_null(norm(".a.b", out));
	assert_null(norm("a.b..", out));
	assert_null(norm("bad!.com", out));
}

/* RFC 1035 §2.3.4: labels of at most 63, names of at most 255 wire bytes
 * (253 characters of text); AWS allows entries of 1..255 characters. */
static void test_entry_length_limits(void **state)
{
	(void)state;
	char out[DNSP_DOMAIN_TEXT_MAX + 1], in[400];
	memset(in, 'a', 63);
	strcpy(in + 63, ".com");
	assert_non_null(norm(in, out));
	memset(in, 'a', 64);
	strcpy(in + 64, ".com");
	assert_null(norm(in, out));
	/* 4 labels of 63 + 3 dots = 255 characters: over 253 */
	size_t o = 0;
	for (int i = 0; i < 4; i++) {
		memset(in + o, 'b', 63);
		o += 63;
		in[o++] = '.';
	}
	in[o - 1] = 0;
	assert_null(norm(in, out));
	in[o - 1 - 2] = 0; /* 253 characters */
	assert_non_null(norm(in, out));
}

/* ---- plain lists ---- */

static void test_plain_one_domain_per_line_with_comments(void **state)
{
	(void)state;
	struct got g;
	struct dnsp_dl_stats st;
	const char *text = "# threat feed\n"
			   "evil.example.net\n"
			   "\n"
			   "  *.c2.example.org   # trailing comment\r\n"
			   "BAD.example.com";
	assert_int_equal(parse(text, DNSP_DL_PLAIN, &g, &st), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.entries[0], "evil.example.net");
	assert_int_equal(g.lines[0], 2);
	assert_string_equal(g.entries[1], "*.c2.example.org");
	assert_int_equal(g.lines[1], 4);
	assert_string_equal(g.entries[2], "bad.example.com");
	assert_int_equal(g.lines[2], 5);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.errors, 0);
}

/* Every bad line is reported with its line number; parsing goes on. */
static void test_plain_bad_lines_reported_with_line_numbers(void **state)
{
	(void)state;
	struct got g;
	const char *text = "good.example\n"
			   "bad_name.example\n"
			   "two words\n"
			   "fine.example\n"
			   "*bad.example\n";
	assert_int_equal(parse(text, DNSP_DL_PLAIN, &g, NULL), DNSP_ESYNTAX);
	assert_int_equal(g.n, 2);
	expect_err_lines(&g, (const int[]){ 2, 3, 5, 0 });
	assert_string_equal(g.err_text[0], "bad_name.example");
	assert_string_equal(g.err_text[2], "*bad.example");
}

/* ---- hosts files ---- */

static void test_hosts_names_after_address_are_entries(void **state)
{
	(void)state;
	struct got g;
	struct dnsp_dl_stats st;
	const char *text = "# StevenBlack-style hosts\n"
			   "127.0.0.1 localhost\n"
			   "::1 localhost ip6-localhost\n"
			   "0.0.0.0 0.0.0.0\n"
			   "0.0.0.0 ads.example.com tracker.example.net # two names\n"
			   "127.0.0.1\tMalware.Example.org\n";
	assert_int_equal(parse(text, DNSP_DL_HOSTS, &g, &st), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.entries[0], "ads.example.com");
	assert_string_equal(g.entries[1], "tracker.example.net");
	assert_string_equal(g.entries[2], "malware.example.org");
	assert_int_equal(g.lines[2], 6);
	assert_int_equal(st.skipped, 4); /* localhost x2, ip6-localhost, 0.0.0.0 */
}

static void test_hosts_bad_lines_reported(void **state)
{
	(void)state;
	struct got g;
	const char *text = "0.0.0.0 ok.example\n"
			   "not-an-address bad.example\n"
			   "0.0.0.0\n"
			   "0.0.0.0 bad_entry.example\n";
	assert_int_equal(parse(text, DNSP_DL_HOSTS, &g, NULL), DNSP_ESYNTAX);
	assert_int_equal(g.n, 1);
	expect_err_lines(&g, (const int[]){ 2, 3, 4, 0 });
}

/* ---- RPZ ---- */

/* The owner names of an RPZ relative to its apex (the SOA owner) are the
 * entries, whatever the policy action; the apex records are not. */
static void test_rpz_owners_below_apex_are_entries(void **state)
{
	(void)state;
	struct got g;
	struct dnsp_dl_stats st;
	const char *text = "$TTL 300\n"
			   "@ IN SOA localhost. root.localhost. 1 3600 600 86400 300\n"
			   "  IN NS localhost.\n"
			   "evil.example.net      CNAME .\n"
			   "*.c2.example.org      CNAME .\n"
			   "nodata.example.com    CNAME *.\n"
			   "local.example.com     A 192.0.2.1\n"
			   "drop.example.com      CNAME rpz-drop.\n";
	assert_int_equal(parse(text, DNSP_DL_RPZ, &g, &st), 0);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.entries[0], "evil.example.net");
	assert_int_equal(g.lines[0], 4);
	assert_string_equal(g.entries[1], "*.c2.example.org");
	assert_string_equal(g.entries[2], "nodata.example.com");
	assert_string_equal(g.entries[3], "local.example.com");
	assert_string_equal(g.entries[4], "drop.example.com");
	assert_int_equal(st.skipped, 2); /* SOA, NS */
}

/* With $ORIGIN and an absolute SOA owner, the apex is stripped; passthru
 * exceptions and non-QNAME triggers are not entries. */
static void test_rpz_apex_stripped_passthru_and_ip_triggers_skipped(void **state)
{
	(void)state;
	struct got g;
	struct dnsp_dl_stats st;
	const char *text = "$ORIGIN rpz.example.\n"
			   "rpz.example. 300 IN SOA ns.rpz.example. admin.rpz.example. (\n"
			   "    1 3600 600 86400 300 )\n"
			   "bad.example.com CNAME .\n"
			   "ok.example.com CNAME rpz-passthru.\n"
			   "32.1.2.0.192.rpz-ip CNAME .\n"
			   "ns.bad.example.rpz-nsdname CNAME .\n"
			   "Worse.Example.com.rpz.example. CNAME .\n";
	assert_int_equal(parse(text, DNSP_DL_RPZ, &g, &st), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.entries[0], "bad.example.com");
	assert_string_equal(g.entries[1], "worse.example.com");
	assert_int_equal(g.lines[1], 8);
	assert_int_equal(st.skipped, 4); /* SOA, passthru, rpz-ip, rpz-nsdname */
}

static void test_rpz_bad_owners_reported_with_line_numbers(void **state)
{
	(void)state;
	struct got g;
	const char *text = "$ORIGIN rpz.example.\n"
			   "@ SOA ns.rpz.example. admin.rpz.example. 1 3600 600 86400 300\n"
			   "outside.example.net. CNAME .\n"
			   "under_score.example CNAME .\n"
			   "good.example CNAME .\n"
			   "$INCLUDE /etc/passwd\n";
	assert_int_equal(parse(text, DNSP_DL_RPZ, &g, NULL), DNSP_ESYNTAX);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.entries[0], "good.example");
	assert_true(g.nerr >= 3);
	assert_int_equal(g.err_lines[0], 3);
	assert_int_equal(g.err_lines[1], 4);
	assert_int_equal(g.err_lines[2], 6); /* $INCLUDE refused */
}

/* ---- detection ---- */

static void test_detect_formats(void **state)
{
	(void)state;
	const char *plain = "# list\nevil.example.net\n*.c2.example.org\n";
	const char *hosts = "# hosts\n0.0.0.0 ads.example.com\n";
	const char *hosts6 = "::1 localhost\n:: ads.example.com\n";
	const char *rpz1 = "$TTL 60\n@ SOA a. b. 1 2 3 4 5\n";
	const char *rpz2 = "; rpz without directives\n@ 300 IN SOA a. b. 1 2 3 4 5\n"
			   "bad.example CNAME .\n";
	const char *rpz3 = "bad.example CNAME .\n";
	assert_int_equal(dnsp_domainlist_detect(plain, strlen(plain)), DNSP_DL_PLAIN);
	assert_int_equal(dnsp_domainlist_detect(hosts, strlen(hosts)), DNSP_DL_HOSTS);
	assert_int_equal(dnsp_domainlist_detect(hosts6, strlen(hosts6)), DNSP_DL_HOSTS);
	assert_int_equal(dnsp_domainlist_detect(rpz1, strlen(rpz1)), DNSP_DL_RPZ);
	assert_int_equal(dnsp_domainlist_detect(rpz2, strlen(rpz2)), DNSP_DL_RPZ);
	assert_int_equal(dnsp_domainlist_detect(rpz3, strlen(rpz3)), DNSP_DL_RPZ);
	assert_int_equal(dnsp_domainlist_detect("", 0), DNSP_DL_PLAIN);
}

/* DNSP_DL_AUTO parses in the detected format and says which. */
static void test_auto_uses_detected_format(void **state)
{
	(void)state;
	struct got g;
	struct dnsp_dl_stats st;
	assert_int_equal(parse("0.0.0.0 a.example\n", DNSP_DL_AUTO, &g, &st), 0);
	assert_int_equal(st.format, DNSP_DL_HOSTS);
	assert_string_equal(g.entries[0], "a.example");
	assert_int_equal(parse("a.example\n", DNSP_DL_AUTO, &g, &st), 0);
	assert_int_equal(st.format, DNSP_DL_PLAIN);
}

/* A callback's non-zero return stops parsing and is returned. */
static int stop_at_second(void *ctx, const char *d, size_t len, int line)
{
	(void)d;
	(void)len;
	(void)line;
	return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_callback_stop_value_is_returned(void **state)
{
	(void)state;
	int count = 0;
	const char *t = "a.example\nb.example\nc.example\n";
	assert_int_equal(dnsp_domainlist_parse(t, strlen(t), DNSP_DL_PLAIN, stop_at_second, NULL,
					       &count, NULL), 42);
	assert_int_equal(count, 2);
}

/* Input need not be NUL terminated: only len bytes are read. */
static void test_reads_only_len_bytes(void **state)
{
	(void)state;
	struct got g;
	char buf[] = { 'a', '.', 'b', '\n', 'c', '.', 'd', '#' };
	memset(&g, 0, sizeof(g));
	assert_int_equal(dnsp_domainlist_parse(buf, 7, DNSP_DL_PLAIN, on_entry, on_error, &g, NULL),
			 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.entries[1], "c.d");
}

/* Hostile bytes in untrusted feeds (SEMANTICS §13: every bad line is
 * reported, parsing goes on): a NUL inside the address of a hosts line
 * does not make it an address; CRLF, binary and an overlong line in a plain
 * list are errors of their own line only. */
static void test_hostile_bytes_are_line_errors(void **state)
{
	(void)state;
	struct got g;
	static const char hosts[] = "0.0.0.0\0junk evil.example\n0.0.0.0 ok.example\r\n";
	memset(&g, 0, sizeof(g));
	assert_int_equal(dnsp_domainlist_parse(hosts, sizeof(hosts) - 1, DNSP_DL_HOSTS, on_entry,
					       on_error, &g, NULL), DNSP_ESYNTAX);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.entries[0], "ok.example");
	expect_err_lines(&g, (const int[]){ 1, 0 });

	static const char head[] = "a.example\r\n\x01\xff.example\r\nb\0.example\n";
	static char plain[70000];
	size_t o = sizeof(head) - 1;
	memcpy(plain, head, o);
	memset(plain + o, 'x', 65536); /* one 64 KiB line */
	o += 65536;
	memcpy(plain + o, "\nc.example", 10);
	o += 10;
	memset(&g, 0, sizeof(g));
	assert_int_equal(dnsp_domainlist_parse(plain, o, DNSP_DL_PLAIN, on_entry, on_error, &g,
					       NULL), DNSP_ESYNTAX);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.entries[0], "a.example");
	assert_string_equal(g.entries[1], "c.example");
	expect_err_lines(&g, (const int[]){ 2, 3, 4, 0 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_is_lowercased_and_trailing_dot_dropped),
		cmocka_unit_test(test_entry_wildcard_only_as_whole_first_label),
		cmocka_unit_test(test_entry_rejects_bad_characters_and_shapes),
		cmocka_unit_test(test_entry_length_limits),
		cmocka_unit_test(test_plain_one_domain_per_line_with_comments),
		cmocka_unit_test(test_plain_bad_lines_reported_with_line_numbers),
		cmocka_unit_test(test_hosts_names_after_address_are_entries),
		cmocka_unit_test(test_hosts_bad_lines_reported),
		cmocka_unit_test(test_rpz_owners_below_apex_are_entries),
		cmocka_unit_test(test_rpz_apex_stripped_passthru_and_ip_triggers_skipped),
		cmocka_unit_test(test_rpz_bad_owners_reported_with_line_numbers),
		cmocka_unit_test(test_detect_formats),
		cmocka_unit_test(test_auto_uses_detected_format),
		cmocka_unit_test(test_callback_stop_value_is_returned),
		cmocka_unit_test(test_reads_only_len_bytes),
		cmocka_unit_test(test_hostile_bytes_are_line_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
