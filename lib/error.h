/*
 * Error codes shared by every dnsplane module.
 *
 * Contract: a fallible function returns int, >= 0 on success (often a length
 * or count) and a negative code on failure: either -errno (-ENOMEM, -EINVAL,
 * ...) or one of the DNSP_E* codes below, which sit far below any errno value
 * so the two ranges never collide. dnsp_strerror() names both. Thread-safe,
 * no allocation; callable from any thread including workers.
 */
#ifndef DNSP_ERROR_H
#define DNSP_ERROR_H

#include <errno.h>

#define DNSP_WUR __attribute__((warn_unused_result))
#define DNSP_API __attribute__((visibility("default")))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

enum dnsp_error {
	DNSP_EMALFORMED = -10000, /* input violates the wire or text format */
	DNSP_ETRUNC,              /* input ended before a complete item */
	DNSP_ENOSPACE,            /* output buffer too small */
	DNSP_ELOOP,               /* compression/CNAME/include loop or too deep */
	DNSP_ENAME,               /* bad domain name (label > 63, name > 255) */
	DNSP_ESYNTAX,             /* text syntax error (zone file, rdata) */
	DNSP_ENOTFOUND,           /* lookup found nothing */
	DNSP_EEXIST,              /* item already exists */
	DNSP_ECONFIG,             /* configuration rejected (details in errlist) */
	DNSP_ENOTSUP,             /* valid but unsupported feature */
	DNSP_ERANGE,              /* numeric value out of range */
	DNSP_ELAST
};

/* Returns a static, human-readable name for code (negative) or "success". */
const char *dnsp_strerror(int code);

#endif
