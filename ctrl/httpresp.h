/*
 * Reading an HTTP/1.x response the way the health checker judges it: the
 * end of the head, the status line and the headers that matter
 * (Content-Encoding, Transfer-Encoding, Content-Length), the body decoded
 * from chunks or bounded by its length, the first DNSP_HTTPRESP_WINDOW bytes
 * kept, and the search for a string in them.
 *
 * Contract: no allocation, no I/O, no locks; one struct per response, used
 * by one thread. The caller owns the window buffer (body) and the head
 * buffer. After dnsp_httpresp_init() a response is read by
 * dnsp_httpresp_head_end() over the growing head, dnsp_httpresp_head() once
 * over the complete head, then, when it asks for a body, any number of
 * dnsp_httpresp_body_feed() calls until one returns true (later calls
 * return true and change nothing); dnsp_httpresp_match() searches the body
 * kept so far. Any byte sequence is accepted: bad input yields a verdict,
 * never a read outside the given buffers.
 */
#ifndef DNSP_CTRL_HTTPRESP_H
#define DNSP_CTRL_HTTPRESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNSP_HTTPRESP_HEAD_MAX 16384 /* status line + headers */
#define DNSP_HTTPRESP_WINDOW 5120    /* body bytes kept for the search */

/* What dnsp_httpresp_head() found. */
enum dnsp_httpresp_verdict {
	DNSP_HTTPRESP_BAD_STATUS,   /* not "HTTP/1.x SP 3DIGIT ...": no status */
	DNSP_HTTPRESP_STATUS_FAIL,  /* status outside 200..399 */
	DNSP_HTTPRESP_STATUS_OK,    /* status 200..399, no body wanted */
	DNSP_HTTPRESP_BAD_ENCODING, /* Content-Encoding other than identity (encoding) */
	DNSP_HTTPRESP_BAD_LENGTH,   /* Content-Length not a decimal number that fits 64 bits */
	DNSP_HTTPRESP_BODY_DONE,    /* no body to read (204, 304, length 0): search now */
	DNSP_HTTPRESP_BODY,         /* read the body with dnsp_httpresp_body_feed() */
};

enum dnsp_httpresp_chunk { DNSP_HTTPRESP_CH_SIZE, DNSP_HTTPRESP_CH_EXT,
	DNSP_HTTPRESP_CH_DATA, DNSP_HTTPRESP_CH_DATA_END };

struct dnsp_httpresp {
	int status;                    /* 100..599 once the status line parsed */
	char reason[64];               /* standard phrase, else the one sent */
	char encoding[128];            /* Content-Encoding (BAD_ENCODING) */
	bool chunked, has_length;
	bool complete;                 /* body_feed() returned true */
	bool bad;                      /* ... because a chunk size was not valid
					* (no hex digits, or junk after them): not
					* valid HTTP */
	uint64_t remaining;            /* Content-Length left, or chunk bytes left */
	enum dnsp_httpresp_chunk cst;
	int chunk_digits;
	char *body;                    /* caller's DNSP_HTTPRESP_WINDOW bytes, or NULL */
	size_t body_len;               /* <= DNSP_HTTPRESP_WINDOW */
};

/* Clears the parse state for a new response; window is the caller's
 * DNSP_HTTPRESP_WINDOW bytes for the body (NULL when no body is read). */
void dnsp_httpresp_init(struct dnsp_httpresp *r, char *window);

/* The head is buf[0..len) and was buf[0..old_len) before the last read:
 * returns the head's length through its "\r\n\r\n", or 0 when that has not
 * arrived. */
size_t dnsp_httpresp_head_end(const char *buf, size_t old_len, size_t len);

/* Reads the complete head head[0..len) (status line and headers). Only with
 * want_body are the body headers read (else a good status gives STATUS_OK).
 * With BODY, bytes after the head are the body's first bytes. */
enum dnsp_httpresp_verdict dnsp_httpresp_head(struct dnsp_httpresp *r, const char *head,
					      size_t len, bool want_body);

/* Body bytes buf[0..n): decodes chunking, keeps the first
 * DNSP_HTTPRESP_WINDOW bytes in r->body (which must be set). Returns true
 * when the body is complete or the window is full; from then on it
 * returns true at once. */
bool dnsp_httpresp_body_feed(struct dnsp_httpresp *r, const char *buf, size_t n);

/* Whether needle occurs in the body kept so far. */
bool dnsp_httpresp_match(const struct dnsp_httpresp *r, const char *needle);

#endif
