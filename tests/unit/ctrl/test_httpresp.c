/*
 * Unit tests of ctrl/httpresp.c, the HTTP response reading behind the
 * health checker's HTTP/HTTPS checks (SEMANTICS §10): the head end, the
 * status verdict (Route 53: healthy on 2xx and 3xx), the body headers,
 * Content-Length and chunked bodies read in pieces, and the *_STR_MATCH
 * search over the first 5,120 bytes of the body.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ctrl/httpresp.h"

static char window[DNSP_HTTPRESP_WINDOW];

/* Reads a whole response given as text: head, then the body in pieces of
 * `piece` bytes. Returns the verdict; *done whether the body completed. */
static enum dnsp_httpresp_verdict read_all(struct dnsp_httpresp *r, const char *text,
					   size_t piece, bool *done)
{
	size_t len = strlen(text);
	size_t hl = dnsp_httpresp_head_end(text, 0, len);
	dnsp_httpresp_init(r, window);
	*done = false;
	if (hl == 0)
		return DNSP_HTTPRESP_BAD_STATUS;
	enum dnsp_httpresp_verdict v = dnsp_httpresp_head(r, text, hl, true);
	if (v == DNSP_HTTPRESP_BODY_DONE)
		*done = true;
	if (v != DNSP_HTTPRESP_BODY)
		return v;
	for (size_t at = hl; at < len && !*done; at += piece) {
		size_t n = len - at < piece ? len - at : piece;
		*done = dnsp_httpresp_body_feed(r, text + at, n);
	}
	return v;
}

/* SEMANTICS §10: 2xx and 3xx are healthy, others are not; a status line
 * that is not HTTP/1.x is no status at all. */
static void test_status_verdicts(void **state)
{
	(void)state;
	struct dnsp_httpresp r;
	bool done;
	assert_int_equal(read_all(&r, "HTTP/1.1 301 Moved\r\nContent-Length: 0\r\n\r\n", 4096,
				  &done), DNSP_HTTPRESP_BODY_DONE);
	assert_int_equal(r.status, 301);
	assert_int_equal(read_all(&r, "HTTP/1.1 404 Not Found\r\n\r\n", 4096, &done),
			 DNSP_HTTPRESP_STATUS_FAIL);
	assert_int_equal(read_all(&r, "SMTP ready\r\n\r\n", 4096, &done),
			 DNSP_HTTPRESP_BAD_STATUS);
	assert_int_equal(read_all(&r, "HTTP/1.1 204 No Content\r\n\r\n", 4096, &done),
			 DNSP_HTTPRESP_BODY_DONE);
}

/* A Content-Length that is not a number, or does not fit 64 bits, is not
 * valid HTTP (the checker reports it), not "read until EOF". */
static void test_content_length_must_be_a_number_that_fits(void **state)
{
	(void)state;
	struct dnsp_httpresp r;
	bool done;
	assert_int_equal(read_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", 4096,
				  &done), DNSP_HTTPRESP_BAD_LENGTH);
	assert_int_equal(read_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: "
				  "99999999999999999999999\r\n\r\n", 4096, &done),
			 DNSP_HTTPRESP_BAD_LENGTH);
	assert_int_equal(read_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world",
				  2, &done), DNSP_HTTPRESP_BODY);
	assert_true(done);
	assert_int_equal(r.body_len, 5); /* bounded by the length */
	assert_true(dnsp_httpresp_match(&r, "hello"));
	assert_false(dnsp_httpresp_match(&r, "world"));
}

/* RFC 9112 §7.1: chunks with extensions, split across reads, end at the
 * zero chunk; the search sees the decoded body only. */
static void test_chunked_body_in_pieces(void **state)
{
	(void)state;
	static const char text[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				   "5;ext=1\r\nhello\r\n7\r\n, needl\r\n2\r\ne!\r\n0\r\n\r\n";
	for (size_t piece = 1; piece <= 7; piece++) {
		struct dnsp_httpresp r;
		bool done;
		assert_int_equal(read_all(&r, text, piece, &done), DNSP_HTTPRESP_BODY);
		assert_true(done);
		assert_int_equal(r.body_len, 14);
		assert_memory_equal(r.body, "hello, needle!", 14);
		assert_true(dnsp_httpresp_match(&r, "needle"));
		assert_false(dnsp_httpresp_match(&r, "5;ext"));
	}
}

/* RFC 9112 §7.1: a chunk size is 1*HEXDIG then extensions or the line
 * end; anything else ends the body as not valid HTTP (the checker reports
 * it) instead of reading as the last chunk. Whitespace before ";" is
 * allowed (BWS); digits past 2^60 are read without overflow (test_health's
 * body decoding test checks that what follows is still searched). */
static void test_bad_chunk_sizes_are_not_valid_http(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"zz\r\nhello\r\n0\r\n\r\n",              /* no digits */
		"5x\r\nhello\r\n0\r\n\r\n",              /* junk after them */
		"\r\nhello\r\n0\r\n\r\n",                /* empty size line */
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char text[256];
		snprintf(text, sizeof(text),
			 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s", bad[k]);
		struct dnsp_httpresp r;
		bool done;
		assert_int_equal(read_all(&r, text, 3, &done), DNSP_HTTPRESP_BODY);
		assert_true(done);
		assert_true(r.bad);
	}
	struct dnsp_httpresp r;
	bool done;
	assert_int_equal(read_all(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "5 ;a=b\r\nhello\r\n0\r\n\r\n", 3, &done), DNSP_HTTPRESP_BODY);
	assert_true(done);
	assert_false(r.bad);
	assert_true(dnsp_httpresp_match(&r, "hello"));
}

/* SEMANTICS §10 *_STR_MATCH: only the first 5,120 body bytes are searched. */
static void test_search_window_is_5120_bytes(void **state)
{
	(void)state;
	static char text[128 + DNSP_HTTPRESP_WINDOW + 64];
	int n = snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n",
			 DNSP_HTTPRESP_WINDOW + 6);
	memset(text + n, 'a', DNSP_HTTPRESP_WINDOW - 3);
	memcpy(text + n + DNSP_HTTPRESP_WINDOW - 3, "xyzNEEDLE", 9);
	text[n + DNSP_HTTPRESP_WINDOW + 6] = 0;
	struct dnsp_httpresp r;
	bool done;
	assert_int_equal(read_all(&r, text, 1000, &done), DNSP_HTTPRESP_BODY);
	assert_true(done); /* the window is full */
	assert_int_equal(r.body_len, DNSP_HTTPRESP_WINDOW);
	assert_true(dnsp_httpresp_match(&r, "xyz"));
	assert_false(dnsp_httpresp_match(&r, "NEEDLE")); /* past the window */
}

/* Text taken from the answer (the reason phrase, a Content-Encoding) ends
 * up in the check's status text, which GetHealthCheckStatus returns as a
 * JSON string: it is cut at the status line's end and kept to printable
 * ASCII, so a bare LF cannot pull the next header in and bytes that are not
 * UTF-8 (or a UTF-8 character cut by the 63-byte cap) cannot make the
 * status unrepresentable (SEMANTICS §10 status texts). */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static void test_texts_from_the_answer_are_printable_ascii(void **state)
{
	(void)state;
	struct dnsp_httpresp r;
	bool done;
	assert_int_equal(read_all(&r, "HTTP/1.1 299 Odd\nX-Secret: abc\r\n\r\n", 4096, &done),
			 DNSP_HTTPRESP_BODY);
	assert_string_equal(r.reason, "Odd");
	assert_int_equal(read_all(&r, "HTTP/1.1 599 \xff\xfe\x1b[2Jbad\tx\r\n\r\n", 4096,
				  &done), DNSP_HTTPRESP_STATUS_FAIL);
	assert_true(printable(r.reason));
	assert_string_equal(r.reason, "???[2Jbad x");
	assert_int_equal(read_all(&r, "HTTP/1.1 200 OK\r\nContent-Encoding: g\xc3\xa9zip\x01"
				  "\r\n\r\n", 4096, &done), DNSP_HTTPRESP_BAD_ENCODING);
	assert_true(printable(r.encoding));
	/* a long phrase of 2-byte characters: the cap never leaves half of one */
	char text[256];
	int n = snprintf(text, sizeof(text), "HTTP/1.1 299 ");
	for (int i = 0; i < 50; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "\xc3\xa9");
	snprintf(text + n, sizeof(text) - (size_t)n, "\r\n\r\n");
	read_all(&r, text, 4096, &done);
	assert_true(printable(r.reason));
	assert_int_equal(strlen(r.reason), sizeof(r.reason) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_verdicts),
		cmocka_unit_test(test_content_length_must_be_a_number_that_fits),
		cmocka_unit_test(test_chunked_body_in_pieces),
		cmocka_unit_test(test_bad_chunk_sizes_are_not_valid_http),
		cmocka_unit_test(test_search_window_is_5120_bytes),
		cmocka_unit_test(test_texts_from_the_answer_are_printable_ascii),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
