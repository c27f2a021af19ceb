/*
 * RFC 1035 §5 master file reader: $ORIGIN, $TTL (RFC 2308), $INCLUDE,
 * parentheses across lines, comments, quoted strings, escapes, relative
 * names, "@", blank owner (previous owner), optional TTL/class in either
 * order, and RFC 3597 generic rdata.
 *
 * Contract: streams records to a callback; keeps no state after it returns.
 * Allocates only while reading (line buffers, include stack) and frees all of
 * it before returning. Control thread only (it reads files). Every error is
 * reported with file and line through the error callback, and reading goes
 * on with the next record so that all errors of a file are reported at once;
 * the return value says whether any error occurred.
 */
#ifndef DNSP_ZONE_ZONEFILE_H
#define DNSP_ZONE_ZONEFILE_H

#include <stddef.h>
#include <stdint.h>
#include "../wire/name.h"

/* One record as read. All pointers are valid only during the callback. */
struct dnsp_zf_record {
	const uint8_t *owner; /* absolute, uncompressed, case as written */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	const uint8_t *rdata; /* uncompressed wire rdata */
	uint16_t rdlen;
	const char *file;     /* file the record came from ($INCLUDE aware) */
	int line;             /* line where the record starts */
};

/* Return non-zero from on_record to stop reading (that value is returned). */
typedef int (*dnsp_zf_record_fn)(void *ctx, const struct dnsp_zf_record *rr);
typedef void (*dnsp_zf_error_fn)(void *ctx, const char *file, int line, const char *msg);

struct dnsp_zf_params {
	const uint8_t *origin;   /* initial $ORIGIN (required) */
	uint32_t default_ttl;    /* used until $TTL or an SOA gives one */
	int max_include_depth;   /* 0 → 8 */
	dnsp_zf_record_fn on_record;
	dnsp_zf_error_fn on_error;
	void *ctx;
	bool no_include;         /* true: $INCLUDE is reported as an error and
				  * skipped (untrusted text, fuzzing) */
};

/*
 * Reads the master file at path ($INCLUDE paths are relative to the
 * including file's folder). Returns 0 when every record was read without
 * error, DNSP_ESYNTAX when one or more errors were reported, -errno when
 * the file cannot be read (also reported), or a callback's stop value.
 */
int dnsp_zonefile_read(const char *path, const struct dnsp_zf_params *p);

/* Same, from memory; name is used in error messages; $INCLUDE is relative
 * to the current directory. */
int dnsp_zonefile_read_mem(const char *text, size_t len, const char *name,
			   const struct dnsp_zf_params *p);

#endif
