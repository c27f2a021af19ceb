/*
 * The parsing half of the health checker's HTTP probes (ctrl/httpresp.h),
 * kept apart from its sockets, TLS and deadlines so that it can be fuzzed:
 * finding the end of the head, reading the status line (with the standard
 * reason phrase where there is one) and the body headers, decoding a
 * chunked or length-bounded body into a fixed window, and searching it.
 * ctrl/health.c turns the verdicts into Route 53's result texts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "httpresp.h"

#define CHUNK_HEX_MAX 15 /* chunk-size digits read: sizes stay below 2^60 */

void dnsp_httpresp_init(struct dnsp_httpresp *r, char *window)
{
	memset(r, 0, sizeof(*r));
	r->cst = DNSP_HTTPRESP_CH_SIZE;
	r->body = window;
}

size_t dnsp_httpresp_head_end(const char *buf, size_t old_len, size_t len)
{
	size_t from = old_len > 3 ? old_len - 3 : 0;
	if (from >= len)
		return 0;
	const char *e = memmem(buf + from, len - from, "\r\n\r\n", 4);
	return e ? (size_t)(e - buf) + 4 : 0;
}

static const char *reason_phrase(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return NULL;
	}
}

/* Copies text taken from the answer into out (cap bytes), as printable
 * ASCII: it goes into status texts that the API returns as JSON strings,
 * which must be UTF-8 and are cut at any byte. HTAB becomes a space, other
 * bytes outside 0x20..0x7e (controls, obs-text) become '?'. */
static void copy_text(char *out, size_t cap, const char *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		out[i] = c == '\t' ? ' ' : c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
	out[n] = 0;
}

/* Case-insensitive header lookup in the head [start, end): value trimmed
 * into out. */
static bool header(const char *head, size_t len, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = memchr(head, '\n', len); /* skip the status line */
	const char *end = head + len;
	while (p && p + 1 < end) {
		const char *line = p + 1;
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		if ((size_t)(eol - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = eol;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			size_t vl = (size_t)(ve - v) < cap - 1 ? (size_t)(ve - v) : cap - 1;
			memcpy(out, v, vl);
			out[vl] = 0;
			return true;
		}
		p = eol < end ? eol : NULL;
	}
	return false;
}

enum dnsp_httpresp_verdict dnsp_httpresp_head(struct dnsp_httpresp *r, const char *head,
					      size_t len, bool want_body)
{
	const char *s = head;
	/* "HTTP/1.x SP 3DIGIT [SP reason]" (RFC 7230 §3.1.2) */
	if (len < 12 || strncmp(s, "HTTP/1.", 7) != 0 || s[8] != ' ' ||
	    s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9')
		return DNSP_HTTPRESP_BAD_STATUS;
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	const char *std = reason_phrase(r->status);
	if (std) {
		snprintf(r->reason, sizeof(r->reason), "%s", std);
	} else {
		/* the phrase ends with the status line, at its CR or LF */
		const char *p = s + 12, *eol;
		while (p < s + len && *p == ' ')
			p++;
		for (eol = p; eol < s + len && *eol != '\r' && *eol != '\n'; eol++)
			;
		copy_text(r->reason, sizeof(r->reason), p, (size_t)(eol - p));
	}
	/* Route 53: healthy on >= 200 and < 400 */
	if (r->status < 200 || r->status >= 400)
		return DNSP_HTTPRESP_STATUS_FAIL;
	if (!want_body)
		return DNSP_HTTPRESP_STATUS_OK;
	char v[128];
	if (header(head, len, "Content-Encoding", v, sizeof(v)) && strcasecmp(v, "identity") != 0) {
		copy_text(r->encoding, sizeof(r->encoding), v, strlen(v));
		return DNSP_HTTPRESP_BAD_ENCODING;
	}
	if (header(head, len, "Transfer-Encoding", v, sizeof(v)) && strcasestr(v, "chunked")) {
		r->chunked = true;
	} else if (header(head, len, "Content-Length", v, sizeof(v))) {
		char *e;
		errno = 0;
		unsigned long long x = strtoull(v, &e, 10);
		if (*v < '0' || *v > '9' || *e || errno == ERANGE)
			return DNSP_HTTPRESP_BAD_LENGTH; /* not a number, or no length a body can have */
		r->has_length = true;
		r->remaining = x;
	}
	if (r->status == 204 || r->status == 304 || (r->has_length && r->remaining == 0))
		return DNSP_HTTPRESP_BODY_DONE;
	return DNSP_HTTPRESP_BODY;
}

static bool feed(struct dnsp_httpresp *r, const char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (r->body_len >= DNSP_HTTPRESP_WINDOW)
			return true;
		if (!r->chunked) {
			size_t take = n - i;
			if (r->has_length && take > r->remaining)
				take = (size_t)r->remaining;
			size_t room = DNSP_HTTPRESP_WINDOW - r->body_len;
			if (take > room)
				take = room;
			memcpy(r->body + r->body_len, p + i, take);
			r->body_len += take;
			i += take;
			if (r->has_length) {
				r->remaining -= take;
				if (r->remaining == 0)
					return true;
			}
			continue;
		}
		char ch = p[i];
		switch (r->cst) {
		case DNSP_HTTPRESP_CH_SIZE: {
			int d = ch >= '0' && ch <= '9' ? ch - '0'
				: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
				: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
			i++;
			/* RFC 9112 §7.1: chunk-size = 1*HEXDIG, then extensions
			 * (";", with optional whitespace before) or the line end */
			if (d >= 0 && r->chunk_digits < CHUNK_HEX_MAX) {
				r->remaining = r->remaining * 16 + (uint64_t)d;
				r->chunk_digits++;
			} else if (d >= 0) {
				/* digits past 2^60: the size is huge anyway, and the
				 * data that follows is read (no overflow, §7.1) */
				r->cst = DNSP_HTTPRESP_CH_EXT;
			} else if (r->chunk_digits == 0) {
				r->bad = true; /* no digits */
				return true;
			} else if (ch == '\n') {
				if (r->remaining == 0)
					return true; /* last chunk: trailers do not matter */
				r->cst = DNSP_HTTPRESP_CH_DATA;
				r->chunk_digits = 0;
			} else if (ch == ';' || ch == '\r' || ch == ' ' || ch == '\t') {
				r->cst = DNSP_HTTPRESP_CH_EXT;
			} else {
				r->bad = true;
				return true;
			}
			break;
		}
		case DNSP_HTTPRESP_CH_EXT:
			if (p[i++] == '\n') {
				if (r->remaining == 0)
					return true;
				r->cst = DNSP_HTTPRESP_CH_DATA;
				r->chunk_digits = 0;
			}
			break;
		case DNSP_HTTPRESP_CH_DATA: {
			size_t take = n - i;
			if (take > r->remaining)
				take = (size_t)r->remaining;
			size_t room = DNSP_HTTPRESP_WINDOW - r->body_len;
			size_t keep = take < room ? take : room;
			memcpy(r->body + r->body_len, p + i, keep);
			r->body_len += keep;
			i += take;
			r->remaining -= take;
			if (r->remaining == 0)
				r->cst = DNSP_HTTPRESP_CH_DATA_END;
			break;
		}
		case DNSP_HTTPRESP_CH_DATA_END:
			if (p[i++] == '\n')
				r->cst = DNSP_HTTPRESP_CH_SIZE;
			break;
		}
	}
	return r->body_len >= DNSP_HTTPRESP_WINDOW;
}

bool dnsp_httpresp_body_feed(struct dnsp_httpresp *r, const char *buf, size_t n)
{
	if (!r->complete)
		r->complete = feed(r, buf, n);
	return r->complete;
}

bool dnsp_httpresp_match(const struct dnsp_httpresp *r, const char *needle)
{
	size_t sl = strlen(needle);
	return sl <= r->body_len && memmem(r->body, r->body_len, needle, sl) != NULL;
}
