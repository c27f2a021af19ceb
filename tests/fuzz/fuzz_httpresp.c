/*
 * Fuzz target for the health checker's reading of HTTP responses
 * (ctrl/httpresp.c), the way ctrl/health.c drives it: the response
 * arrives in reads whose sizes the input chooses, goes into a head buffer
 * of DNSP_HTTPRESP_HEAD_MAX bytes until its "\r\n\r\n", the head is judged,
 * and when a body is asked for the bytes after the head and then every
 * further read (at most 4,096 bytes, like the checker's) are fed to the
 * body decoder until it says the body is complete.
 *
 * Input: byte 0 holds flags (bit 0: no body wanted, as for HTTP/HTTPS
 * checks without a search string) and the read-size seed; byte 1 the search
 * string's length (low 4 bits), then that string; the rest is the response.
 * Each piece handed to the parser is an exact-size copy, so ASan sees any
 * read past it.
 *
 * Checked: the head end is the first "\r\n\r\n"; the verdict agrees with
 * the status and what was asked; the reason is terminated; body_len never
 * exceeds the 5,120-byte window nor shrinks, nor grows by more than was
 * fed; remaining never grows (so never underflows) in a length-bounded
 * body and stays below 2^60 (15 hex digits) in a chunked one; completion is sticky and freezes the state; a
 * body that is neither chunked nor empty is exactly the bytes fed (bounded
 * by its length); the search agrees with a naive search of the window.
 * Invariant violations trap so libFuzzer (and the corpus replay under
 * meson test) report them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ctrl/httpresp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define READ_MAX 4096 /* ctrl/health.c reads the body 4,096 bytes at a time */

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* Read sizes from the seed: 1..limit, limit set by the seed's high bits. */
static size_t next_read(uint32_t *state, size_t limit)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return 1 + x % limit;
}

static bool naive_find(const char *hay, size_t hl, const char *needle, size_t nl)
{
	if (nl == 0)
		return true;
	for (size_t i = 0; i + nl <= hl; i++) {
		size_t k = 0;
		while (k < nl && hay[i + k] == needle[k])
			k++;
		if (k == nl)
			return true;
	}
	return false;
}

/* Feeds p[0..n) through an exact-size copy; checks what one feed may do. */
static bool feed(struct dnsp_httpresp *r, const char *p, size_t n, const char *expect,
		 size_t *expect_len, uint64_t length)
{
	if (n == 0)
		return r->complete;
	char *copy = malloc(n);
	CHECK(copy);
	memcpy(copy, p, n);
	bool was = r->complete;
	size_t before = r->body_len;
	uint64_t rem = r->remaining;
	enum dnsp_httpresp_chunk cst = r->cst;
	int digits = r->chunk_digits;
	bool done = dnsp_httpresp_body_feed(r, copy, n);
	free(copy);
	CHECK(done == r->complete);
	CHECK(r->body_len <= DNSP_HTTPRESP_WINDOW);
	CHECK(r->body_len >= before && r->body_len - before <= n);
	if (was) {
		/* sticky: nothing moves after completion */
		CHECK(done && r->body_len == before && r->remaining == rem && r->cst == cst &&
		      r->chunk_digits == digits);
		return true;
	}
	if (!done)
		CHECK(r->body_len < DNSP_HTTPRESP_WINDOW);
	if (!r->chunked && r->has_length) {
		CHECK(r->remaining <= rem && rem - r->remaining <= n);
		CHECK(r->remaining <= length);
		CHECK(!done || r->remaining == 0 || r->body_len == DNSP_HTTPRESP_WINDOW);
	}
	if (r->chunked) {
		/* at most 15 hex digits: a wrap would land far above this */
		CHECK(r->remaining < ((uint64_t)1 << 60));
		CHECK(r->chunk_digits >= 0 && r->chunk_digits <= 15);
	}
	if (!r->chunked) {
		/* the window is a prefix of what was fed */
		size_t add = n;
		if (*expect_len + add > DNSP_HTTPRESP_WINDOW)
			add = DNSP_HTTPRESP_WINDOW - *expect_len;
		memcpy((char *)expect + *expect_len, p, add);
		*expect_len += add;
		CHECK(r->body_len <= *expect_len);
		CHECK(memcmp(r->body, expect, r->body_len) == 0);
		if (!r->has_length || length >= DNSP_HTTPRESP_WINDOW)
			CHECK(r->body_len == *expect_len);
		else
			CHECK(r->body_len == (*expect_len < length ? *expect_len : (size_t)length));
	}
	return done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char head[DNSP_HTTPRESP_HEAD_MAX];
	static char expect[DNSP_HTTPRESP_WINDOW];
	if (size < 2)
		return 0;
	bool want_body = !(data[0] & 1);
	size_t limit = (size_t)1 << ((data[0] >> 1) & 7); /* 1..128 */
	if ((data[0] >> 4) == 0xf)
		limit = READ_MAX;
	uint32_t seed = 0x9e3779b9u ^ data[0] ^ ((uint32_t)data[1] << 8);
	char needle[16];
	size_t skip = data[1] & 15;
	if (skip > size - 2)
		skip = size - 2;
	memcpy(needle, data + 2, skip);
	needle[skip] = 0; /* a NUL in it ends the string, as in a C string */
	size_t nl = strlen(needle);
	const char *in = (const char *)data + 2 + skip;
	size_t left = size - 2 - skip;

	/* the head, read by read as ctrl/health.c does */
	size_t head_len = 0, hl = 0;
	while (left && head_len < DNSP_HTTPRESP_HEAD_MAX) {
		size_t r = next_read(&seed, limit);
		if (r > left)
			r = left;
		if (r > DNSP_HTTPRESP_HEAD_MAX - head_len)
			r = DNSP_HTTPRESP_HEAD_MAX - head_len;
		memcpy(head + head_len, in, r);
		in += r;
		left -= r;
		size_t old = head_len;
		head_len += r;
		hl = dnsp_httpresp_head_end(head, old, head_len);
		const char *first = memmem(head, head_len, "\r\n\r\n", 4);
		CHECK(hl == (first ? (size_t)(first - head) + 4 : 0));
		if (hl)
			break;
	}
	if (!hl)
		return 0; /* closed early or head too large: the checker fails the probe */

	char *window = malloc(DNSP_HTTPRESP_WINDOW);
	char *copy = malloc(hl);
	CHECK(window && copy);
	memcpy(copy, head, hl);
	struct dnsp_httpresp r;
	dnsp_httpresp_init(&r, window);
	enum dnsp_httpresp_verdict v = dnsp_httpresp_head(&r, copy, hl, want_body);
	free(copy);
	CHECK(v >= DNSP_HTTPRESP_BAD_STATUS && v <= DNSP_HTTPRESP_BODY);
	if (v != DNSP_HTTPRESP_BAD_STATUS) {
		CHECK(r.status >= 100 && r.status <= 599);
		CHECK(memchr(r.reason, 0, sizeof(r.reason)) != NULL);
		bool good = r.status >= 200 && r.status < 400;
		CHECK(good == (v != DNSP_HTTPRESP_STATUS_FAIL));
		CHECK((v == DNSP_HTTPRESP_STATUS_OK) == (good && !want_body));
	}
	if (v == DNSP_HTTPRESP_BAD_ENCODING)
		CHECK(memchr(r.encoding, 0, sizeof(r.encoding)) != NULL);
	if (v == DNSP_HTTPRESP_BODY_DONE)
		CHECK(r.status == 204 || r.status == 304 || (r.has_length && r.remaining == 0));
	if (v != DNSP_HTTPRESP_BODY) {
		if (v == DNSP_HTTPRESP_BODY_DONE)
			CHECK(dnsp_httpresp_match(&r, needle) == (nl == 0));
		free(window);
		return 0;
	}
	CHECK(!(r.chunked && r.has_length));

	/* the body: what followed the head in its buffer, then further reads */
	uint64_t length = r.remaining;
	size_t expect_len = 0;
	bool done = feed(&r, head + hl, head_len - hl, expect, &expect_len, length);
	while (left && !done) {
		size_t n = next_read(&seed, limit > READ_MAX ? READ_MAX : limit);
		if (n > left)
			n = left;
		done = feed(&r, in, n, expect, &expect_len, length);
		in += n;
		left -= n;
	}
	if (done && left) {
		/* sticky: more bytes change nothing */
		size_t n = left > READ_MAX ? READ_MAX : left;
		CHECK(feed(&r, in, n, expect, &expect_len, length));
	}
	CHECK(r.body_len <= DNSP_HTTPRESP_WINDOW);
	CHECK(dnsp_httpresp_match(&r, needle) == naive_find(r.body, r.body_len, needle, nl));
	free(window);
	return 0;
}
