/*
 * Unit tests for lib/zone/zonefile.c: the RFC 1035 §5.1 master file rules
 * ($ORIGIN, $TTL per RFC 2308 §4, $INCLUDE, "@", relative and blank owners,
 * parentheses, comments, quoting), error reporting with file:line while
 * reading goes on, and include depth/loop bounds. Included files live in a
 * mkdtemp() folder that each test removes again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/wire/rdata.h"
#include "lib/zone/zonefile.h"
#include "../../guard.h"

#define MAX_RR 64
#define MAX_ERR 16

struct seen {
	int nrr, nerr;
	struct {
		char owner[300];
		char type[16];
		char rdata[512];
		uint32_t ttl;
		int line;
		char file[256];
	} rr[MAX_RR];
	struct {
		char file[256];
		int line;
		char msg[512];
	} err[MAX_ERR];
	int stop_after; /* 0: never stop */
};

static int on_record(void *ctx, const struct dnsp_zf_record *r)
{
	struct seen *s = ctx;
	assert_true(s->nrr < MAX_RR);
	assert_int_equal(r->rclass, 1);
	int i = s->nrr++;
	assert_true(dnsp_name_to_text(r->owner, s->rr[i].owner, sizeof(s->rr[i].owner)) > 0);
	dnsp_rrtype_to_text(r->type, s->rr[i].type);
	assert_true(dnsp_rdata_to_text(r->type, r->rdata, r->rdlen, s->rr[i].rdata,
				       sizeof(s->rr[i].rdata)) >= 0);
	s->rr[i].ttl = r->ttl;
	s->rr[i].line = r->line;
	snprintf(s->rr[i].file, sizeof(s->rr[i].file), "%s", r->file);
	if (s->stop_after && s->nrr == s->stop_after)
		return 42;
	return 0;
}

static void on_error(void *ctx, const char *file, int line, const char *msg)
{
	struct seen *s = ctx;
	assert_true(s->nerr < MAX_ERR);
	int i = s->nerr++;
	snprintf(s->err[i].file, sizeof(s->err[i].file), "%s", file);
	s->err[i].line = line;
	snprintf(s->err[i].msg, sizeof(s->err[i].msg), "%s", msg);
}

static const uint8_t origin[] = "\7example\3com";

static struct dnsp_zf_params params(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return (struct dnsp_zf_params){
		.origin = origin,
		.default_ttl = 3600,
		.on_record = on_record,
		.on_error = on_error,
		.ctx = s,
	};
}

static int read_text(struct seen *s, const char *text)
{
	struct dnsp_zf_params p = params(s);
	return dnsp_zonefile_read_mem(text, strlen(text), "mem.zone", &p);
}

static void expect_rr(const struct seen *s, int i, const char *owner, const char *type,
		      uint32_t ttl, const char *rdata)
{
	assert_true(i < s->nrr);
	assert_string_equal(s->rr[i].owner, owner);
	assert_string_equal(s->rr[i].type, type);
	assert_int_equal(s->rr[i].ttl, ttl);
	assert_string_equal(s->rr[i].rdata, rdata);
}

/* Temporary folder with files; removed by cleanup_dir(). */
static char tmpdir[64];
static char made[8][320];
static int nmade;

static void make_dir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dnsp_zf_XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	nmade = 0;
}

static const char *write_file(const char *name, const char *text)
{
	assert_true(nmade < 8);
	char *path = made[nmade++];
	snprintf(path, sizeof(made[0]), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void cleanup_dir(void)
{
	for (int i = 0; i < nmade; i++)
		unlink(made[i]);
	rmdir(tmpdir);
}

/* RFC 1035 §5.1: $ORIGIN sets the origin for the relative names that follow
 * (owners and names in rdata); a relative $ORIGIN is itself completed. */
static void test_origin_and_relative_names(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "www A 192.0.2.1\n"
			       "$ORIGIN sub.example.com.\n"
			       "host CNAME www\n"
			       "$ORIGIN deeper\n"
			       "x MX 10 mail\n"
			       "abs.example.net. NS ns1.example.org.\n");
	assert_int_equal(rc, 0);
	assert_int_equal(s.nrr, 4);
	expect_rr(&s, 0, "www.example.com.", "A", 3600, "192.0.2.1");
	expect_rr(&s, 1, "host.sub.example.com.", "CNAME", 3600, "www.sub.example.com.");
	expect_rr(&s, 2, "x.deeper.sub.example.com.", "MX", 3600,
		  "10 mail.deeper.sub.example.com.");
	expect_rr(&s, 3, "abs.example.net.", "NS", 3600, "ns1.example.org.");
}

/* "@" denotes the current origin, as owner and inside rdata. */
static void test_at_is_origin(void **state)
{
	(void)state;
	struct seen s;
	assert_int_equal(read_text(&s, "@ MX 10 @\n$ORIGIN other.\n@ CNAME @\n"), 0);
	expect_rr(&s, 0, "example.com.", "MX", 3600, "10 example.com.");
	expect_rr(&s, 1, "other.", "CNAME", 3600, "other.");
}

/* RFC 2308 §4: $TTL is the default for records without a TTL; before it the
 * caller's default applies; an explicit TTL wins; BIND units are accepted. */
static void test_ttl_directive_and_default(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "a A 192.0.2.1\n"
			       "$TTL 300\n"
			       "b A 192.0.2.2\n"
			       "c 60 A 192.0.2.3\n"
			       "d A 192.0.2.4\n"
			       "$TTL 1h30m\n"
			       "e A 192.0.2.5\n"
			       "f 2W A 192.0.2.6\n"
			       "g 1d2h3m4s A 192.0.2.7\n");
	assert_int_equal(rc, 0);
	assert_int_equal(s.nrr, 7);
	assert_int_equal(s.rr[0].ttl, 3600);
	assert_int_equal(s.rr[1].ttl, 300);
	assert_int_equal(s.rr[2].ttl, 60);
	assert_int_equal(s.rr[3].ttl, 300);
	assert_int_equal(s.rr[4].ttl, 5400);
	assert_int_equal(s.rr[5].ttl, 1209600);
	assert_int_equal(s.rr[6].ttl, 93784);
}

/* Without $TTL, an SOA's MINIMUM becomes the default (RFC 1035 semantics,
 * as BIND applies them) for the SOA and the records after it. */
static void test_soa_minimum_without_dollar_ttl(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "@ SOA ns1 hm 1 2 3 4 900\n"
			       "www A 192.0.2.1\n"
			       "$TTL 120\n"
			       "ftp A 192.0.2.2\n");
	assert_int_equal(rc, 0);
	assert_int_equal(s.rr[0].ttl, 900);
	assert_int_equal(s.rr[1].ttl, 900);
	assert_int_equal(s.rr[2].ttl, 120);
}

/* RFC 1035 §5.1: TTL and class are both optional, in either order; only IN
 * is served. */
static void test_ttl_and_class_in_either_order(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "a 300 IN A 192.0.2.1\n"
			       "b IN 301 A 192.0.2.2\n"
			       "c in A 192.0.2.3\n"
			       "d 302 A 192.0.2.4\n"
			       "e A 192.0.2.5\n"
			       "f CLASS1 303 A 192.0.2.6\n");
	assert_int_equal(rc, 0);
	assert_int_equal(s.nrr, 6);
	assert_int_equal(s.rr[0].ttl, 300);
	assert_int_equal(s.rr[1].ttl, 301);
	assert_int_equal(s.rr[2].ttl, 3600);
	assert_int_equal(s.rr[3].ttl, 302);
	assert_int_equal(s.rr[4].ttl, 3600);
	assert_int_equal(s.rr[5].ttl, 303);
}

/* Classes other than IN are reported, with the line, and skipped. */
static void test_other_classes_rejected(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "a CH A 192.0.2.1\nb 60 HS A 192.0.2.2\nc CLASS3 TXT x\n"
			       "d IN A 192.0.2.4\n");
	assert_int_equal(rc, DNSP_ESYNTAX);
	assert_int_equal(s.nerr, 3);
	assert_int_equal(s.err[0].line, 1);
	assert_int_equal(s.err[1].line, 2);
	assert_int_equal(s.err[2].line, 3);
	assert_non_null(strstr(s.err[0].msg, "class"));
	assert_int_equal(s.nrr, 1);
	expect_rr(&s, 0, "d.example.com.", "A", 3600, "192.0.2.4");
}

/* RFC 1035 §5.1: a line starting with a blank reuses the previous owner. */
static void test_blank_owner_is_previous(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "www A 192.0.2.1\n"
			       "    A 192.0.2.2\n"
			       "\tTXT \"hello\"\n"
			       "\n"
			       "  ; only a comment\n"
			       " 60 IN AAAA ::1\n");
	assert_int_equal(rc, 0);
	assert_int_equal(s.nrr, 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(s.rr[i].owner, "www.example.com.");
	assert_int_equal(s.rr[3].ttl, 60);
	/* A blank owner with no record before it is an error. */
	rc = read_text(&s, " A 192.0.2.1\n");
	assert_int_equal(rc, DNSP_ESYNTAX);
	assert_int_equal(s.nerr, 1);
	assert_int_equal(s.err[0].line, 1);
}

/* RFC 1035 §5.1: parentheses continue a record over lines, with comments
 * inside; the record's line is where it starts, later lines count on. */
static void test_parentheses_span_lines(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "; header\n"
			       "@ IN SOA ns1 hostmaster (\n"
			       "        2024010101 ; serial\n"
			       "        7200       ; refresh\n"
			       "        3600 1209600\n"
			       "        300 )      ; minimum\n"
			       "txt TXT ( \"one\"\n"
			       "          \"two\" )\n"
			       "bad A 300.1.1.1\n");
	assert_int_equal(rc, DNSP_ESYNTAX);
	assert_int_equal(s.nrr, 2);
	expect_rr(&s, 0, "example.com.", "SOA", 300,
		  "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300");
	assert_int_equal(s.rr[0].line, 2);
	expect_rr(&s, 1, "txt.example.com.", "TXT", 300, "\"one\" \"two\"");
	assert_int_equal(s.rr[1].line, 7);
	assert_int_equal(s.nerr, 1);
	assert_int_equal(s.err[0].line, 9);
}

/* ';' starts a comment except inside quotes or when escaped. */
static void test_comments_and_quoted_semicolons(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "a TXT \"v=DKIM1; k=rsa; p=AB\" ; real comment\n"
			       "b TXT semi\\;colon;comment\n"
			       "c CAA 0 issue \"ca.example; account=1\"\n"
			       "d TXT \"paren ( inside\" ; )\n");
	assert_int_equal(rc, 0);
	assert_int_equal(s.nrr, 4);
	expect_rr(&s, 0, "a.example.com.", "TXT", 3600, "\"v=DKIM1; k=rsa; p=AB\"");
	expect_rr(&s, 1, "b.example.com.", "TXT", 3600, "\"semi;colon\"");
	expect_rr(&s, 2, "c.example.com.", "CAA", 3600, "0 issue \"ca.example; account=1\"");
	expect_rr(&s, 3, "d.example.com.", "TXT", 3600, "\"paren ( inside\"");
}

/* Quoted strings keep blanks and escapes; owners may hold escapes. */
static void test_quotes_and_escapes(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "a\\.b A 192.0.2.1\n"
			       "t TXT \"say \\\"hi\\\"\" \\065B \"\\255\"\n"
			       "u TYPE65280 \\# 3 01 0203\n"
			       "crlf A 192.0.2.9\r\n");
	assert_int_equal(rc, 0);
	assert_int_equal(s.nrr, 4);
	expect_rr(&s, 0, "a\\.b.example.com.", "A", 3600, "192.0.2.1");
	expect_rr(&s, 1, "t.example.com.", "TXT", 3600, "\"say \\\"hi\\\"\" \"AB\" \"\\255\"");
	expect_rr(&s, 2, "u.example.com.", "TYPE65280", 3600, "\\# 3 010203");
	expect_rr(&s, 3, "crlf.example.com.", "A", 3600, "192.0.2.9");
}

/* Each error names file and line; reading goes on with the next record and
 * the result says an error occurred. */
static void test_errors_have_lines_and_reading_continues(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "ok1 A 192.0.2.1\n"
			       "bad1 A 300.1.1.1\n"
			       "ok2 A 192.0.2.2\n"
			       "bad2 MX mail\n"
			       "bad3 BOGUS 1\n"
			       "ok3 (\n"
			       "  A 192.0.2.3 )\n"
			       "bad4 CAA 256 issue \"x\"\n"
			       "bad5 TXT \"unterminated\n"
			       "ok4 A 192.0.2.4\n"
			       "$BOGUS x\n"
			       "bad..name A 192.0.2.5\n"
			       "bad6 99999999999 A 192.0.2.6\n"
			       "ok5 A 192.0.2.5\n");
	assert_int_equal(rc, DNSP_ESYNTAX);
	assert_int_equal(s.nrr, 5);
	assert_string_equal(s.rr[2].owner, "ok3.example.com.");
	assert_int_equal(s.rr[2].line, 6);
	assert_string_equal(s.rr[4].owner, "ok5.example.com.");
	static const int lines[] = {2, 4, 5, 8, 9, 11, 12, 13};
	assert_int_equal(s.nerr, 8);
	for (int i = 0; i < 8; i++) {
		assert_string_equal(s.err[i].file, "mem.zone");
		assert_int_equal(s.err[i].line, lines[i]);
	}
	assert_non_null(strstr(s.err[0].msg, "300.1.1.1"));
	assert_non_null(strstr(s.err[1].msg, "MX"));
	assert_non_null(strstr(s.err[2].msg, "BOGUS"));
}

/* Unbalanced parentheses are reported at the right line. */
static void test_unbalanced_parentheses(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "a A 192.0.2.1 )\nb A 192.0.2.2\nc TXT ( x\n\n y\n");
	assert_int_equal(rc, DNSP_ESYNTAX);
	assert_int_equal(s.nerr, 2);
	assert_int_equal(s.err[0].line, 1);
	assert_int_equal(s.err[1].line, 3);
	assert_int_equal(s.nrr, 1);
	assert_string_equal(s.rr[0].owner, "b.example.com.");
}

/* $INCLUDE reads a file relative to the including file's folder, with an
 * optional origin; the includer's origin is unchanged afterwards. */
static void test_include(void **state)
{
	(void)state;
	make_dir();
	write_file("inc.zone", "www A 192.0.2.10\n$ORIGIN changed.\nx A 192.0.2.11\n");
	write_file("inc2.zone", "mail A 192.0.2.12\nbad A 1.2.3\n");
	const char *top = write_file("top.zone", "$TTL 60\n"
						 "$INCLUDE inc.zone\n"
						 "a A 192.0.2.1\n"
						 "$INCLUDE \"inc2.zone\" sub\n"
						 "b A 192.0.2.2\n");
	struct seen s;
	struct dnsp_zf_params p = params(&s);
	int rc = dnsp_zonefile_read(top, &p);
	assert_int_equal(rc, DNSP_ESYNTAX); /* the error in inc2.zone */
	assert_int_equal(s.nrr, 5);
	expect_rr(&s, 0, "www.example.com.", "A", 60, "192.0.2.10");
	assert_int_equal(s.rr[0].line, 1);
	assert_non_null(strstr(s.rr[0].file, "inc.zone"));
	expect_rr(&s, 1, "x.changed.", "A", 60, "192.0.2.11");
	expect_rr(&s, 2, "a.example.com.", "A", 60, "192.0.2.1");
	assert_string_equal(s.rr[2].file, top);
	assert_int_equal(s.rr[2].line, 3);
	expect_rr(&s, 3, "mail.sub.example.com.", "A", 60, "192.0.2.12");
	expect_rr(&s, 4, "b.example.com.", "A", 60, "192.0.2.2");
	assert_int_equal(s.nerr, 1);
	assert_non_null(strstr(s.err[0].file, "inc2.zone"));
	assert_int_equal(s.err[0].line, 2);
	cleanup_dir();
}

/* A file including itself (directly or through another) is refused. */
static void test_include_loop(void **state)
{
	(void)state;
	make_dir();
	write_file("a.zone", "a A 192.0.2.1\n$INCLUDE b.zone\n");
	write_file("b.zone", "b A 192.0.2.2\n$INCLUDE ./a.zone\n");
	struct seen s;
	struct dnsp_zf_params p = params(&s);
	char path[320];
	snprintf(path, sizeof(path), "%s/a.zone", tmpdir);
	int rc = dnsp_zonefile_read(path, &p);
	assert_int_equal(rc, DNSP_ESYNTAX);
	assert_int_equal(s.nrr, 2);
	assert_int_equal(s.nerr, 1);
	assert_non_null(strstr(s.err[0].file, "b.zone"));
	assert_int_equal(s.err[0].line, 2);
	assert_non_null(strstr(s.err[0].msg, "loop"));
	cleanup_dir();
}

/* Include nesting is bounded by max_include_depth. */
static void test_include_depth_bounded(void **state)
{
	(void)state;
	make_dir();
	write_file("d3.zone", "d3 A 192.0.2.3\n");
	write_file("d2.zone", "d2 A 192.0.2.2\n$INCLUDE d3.zone\n");
	write_file("d1.zone", "d1 A 192.0.2.1\n$INCLUDE d2.zone\n");
	const char *top = write_file("d0.zone", "$INCLUDE d1.zone\n");
	struct seen s;
	struct dnsp_zf_params p = params(&s);
	p.max_include_depth = 2;
	assert_int_equal(dnsp_zonefile_read(top, &p), DNSP_ESYNTAX);
	assert_int_equal(s.nrr, 2);
	assert_int_equal(s.nerr, 1);
	assert_non_null(strstr(s.err[0].file, "d2.zone"));
	p = params(&s);
	p.max_include_depth = 3;
	assert_int_equal(dnsp_zonefile_read(top, &p), 0);
	assert_int_equal(s.nrr, 3);
	cleanup_dir();
}

/* no_include turns $INCLUDE into a reported error (untrusted text). */
static void test_include_disabled(void **state)
{
	(void)state;
	struct seen s;
	struct dnsp_zf_params p = params(&s);
	p.no_include = true;
	const char *text = "$INCLUDE /etc/passwd\na A 192.0.2.1\n";
	assert_int_equal(dnsp_zonefile_read_mem(text, strlen(text), "x", &p), DNSP_ESYNTAX);
	assert_int_equal(s.nerr, 1);
	assert_int_equal(s.err[0].line, 1);
	assert_int_equal(s.nrr, 1);
}

/* A file that cannot be opened gives -errno and is reported. */
static void test_missing_file(void **state)
{
	(void)state;
	struct seen s;
	struct dnsp_zf_params p = params(&s);
	assert_int_equal(dnsp_zonefile_read("/nonexistent/dnsp.zone", &p), -ENOENT);
	assert_int_equal(s.nerr, 1);
	/* a missing include is an error of the includer, reading goes on */
	const char *text = "$INCLUDE /nonexistent/x.zone\na A 192.0.2.1\n";
	p = params(&s);
	assert_int_equal(dnsp_zonefile_read_mem(text, strlen(text), "m", &p), DNSP_ESYNTAX);
	assert_int_equal(s.nerr, 1);
	assert_string_equal(s.err[0].file, "m");
	assert_int_equal(s.nrr, 1);
}

/* Bad input gets a clear error, never a hang (SPEC §3): a FIFO named as the
 * zone file or by $INCLUDE is refused without waiting for a writer, and the
 * error names it. An alarm turns a regression into a failure, not a hang. */
static void test_fifo_is_refused_without_blocking(void **state)
{
	(void)state;
	make_dir();
	char fifo[320];
	snprintf(fifo, sizeof(fifo), "%s/pipe.zone", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	const char *top = write_file("top.zone", "a A 192.0.2.1\n$INCLUDE pipe.zone\n"
					       "b A 192.0.2.2\n");
	dnsp_test_guard("reading a FIFO zone file", 10);
	struct seen s;
	struct dnsp_zf_params p = params(&s);
	assert_int_equal(dnsp_zonefile_read(fifo, &p), -EINVAL);
	assert_int_equal(s.nerr, 1);
	assert_non_null(strstr(s.err[0].msg, "not a regular file (a FIFO)"));
	p = params(&s);
	assert_int_equal(dnsp_zonefile_read(top, &p), DNSP_ESYNTAX);
	dnsp_test_guard(NULL, 0);
	assert_int_equal(s.nrr, 2);
	assert_int_equal(s.nerr, 1);
	assert_string_equal(s.err[0].file, top);
	assert_int_equal(s.err[0].line, 2);
	assert_non_null(strstr(s.err[0].msg, "pipe.zone: not a regular file (a FIFO)"));
	unlink(fifo);
	cleanup_dir();
}

/* A non-zero return from on_record stops reading and is returned. */
static void test_callback_stops_reading(void **state)
{
	(void)state;
	struct seen s;
	struct dnsp_zf_params p = params(&s);
	s.stop_after = 2;
	const char *text = "a A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n";
	assert_int_equal(dnsp_zonefile_read_mem(text, strlen(text), "m", &p), 42);
	assert_int_equal(s.nrr, 2);
}

/* Lines have no length limit: a TXT of 200 strings on one line. */
static void test_long_lines(void **state)
{
	(void)state;
	size_t cap = 300 * 260 + 64;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t n = (size_t)snprintf(text, cap, "long TXT");
	for (int i = 0; i < 200; i++) {
		text[n++] = ' ';
		text[n++] = '"';
		memset(text + n, 'a' + i % 26, 250);
		n += 250;
		text[n++] = '"';
	}
	memcpy(text + n, "\nafter A 192.0.2.1", 19);
	n += 18;
	struct seen s;
	struct dnsp_zf_params p = params(&s);
	p.on_record = NULL; /* the text form would not fit struct seen */
	assert_int_equal(dnsp_zonefile_read_mem(text, n, "m", &p), 0);
	assert_int_equal(s.nerr, 0);
	/* too much rdata for one record is an error, not a crash */
	size_t m = (size_t)snprintf(text, cap, "big TXT");
	for (int i = 0; i < 300; i++) {
		text[m++] = ' ';
		text[m++] = '"';
		memset(text + m, 'b', 250);
		m += 250;
		text[m++] = '"';
	}
	text[m++] = '\n';
	assert_int_equal(dnsp_zonefile_read_mem(text, m, "m", &p), DNSP_ESYNTAX);
	assert_int_equal(s.nerr, 1);
	assert_int_equal(s.err[0].line, 1);
	free(text);
}

/* Meta types and records without a type are refused. */
static void test_missing_or_meta_type(void **state)
{
	(void)state;
	struct seen s;
	int rc = read_text(&s, "a 300 IN\nb ANY \\# 0\nc OPT \\# 0\nd A\n");
	assert_int_equal(rc, DNSP_ESYNTAX);
	assert_int_equal(s.nerr, 4);
	assert_int_equal(s.nrr, 0);
	assert_int_equal(s.err[3].line, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origin_and_relative_names),
		cmocka_unit_test(test_at_is_origin),
		cmocka_unit_test(test_ttl_directive_and_default),
		cmocka_unit_test(test_soa_minimum_without_dollar_ttl),
		cmocka_unit_test(test_ttl_and_class_in_either_order),
		cmocka_unit_test(test_other_classes_rejected),
		cmocka_unit_test(test_blank_owner_is_previous),
		cmocka_unit_test(test_parentheses_span_lines),
		cmocka_unit_test(test_comments_and_quoted_semicolons),
		cmocka_unit_test(test_quotes_and_escapes),
		cmocka_unit_test(test_errors_have_lines_and_reading_continues),
		cmocka_unit_test(test_unbalanced_parentheses),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_loop),
		cmocka_unit_test(test_include_depth_bounded),
		cmocka_unit_test(test_include_disabled),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_fifo_is_refused_without_blocking),
		cmocka_unit_test(test_callback_stops_reading),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_missing_or_meta_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
