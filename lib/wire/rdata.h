/*
 * Resource record data: presentation text <-> uncompressed wire form for
 * every type dnsplane serves (A, AAAA, NS, CNAME, PTR, MX, SOA, TXT, SPF,
 * SRV, CAA, NAPTR, DS, DNSKEY, SSHFP, TLSA) and RFC 3597 generic form
 * ("\# <len> <hex>") for any type, plus type mnemonics ("A", "TYPE65280").
 *
 * Contract: pure functions, no allocation, safe on any thread. Names inside
 * rdata are written uncompressed and keep the case they were given; relative
 * names are completed with origin. Text parsing takes the rdata part of a
 * record only (after owner/TTL/class/type) and accepts the tokens separated
 * by blanks that a zone file or a Route 53 "Value" string would hold
 * (multi-line parentheses are resolved by the zone file reader, not here).
 */
#ifndef DNSP_WIRE_RDATA_H
#define DNSP_WIRE_RDATA_H

#include <stddef.h>
#include <stdint.h>
#include "name.h"

#define DNSP_RDATA_MAX 65535

/* Type mnemonic → number ("AAAA" → 28, "TYPE123" → 123); case-insensitive.
 * Returns the type (1..65535) or DNSP_ESYNTAX. */
int dnsp_rrtype_from_text(const char *text, size_t len);

/* Number → mnemonic into buf ("A", or "TYPE65280"). Returns buf. */
const char *dnsp_rrtype_to_text(uint16_t type, char buf[16]);

/*
 * Parses rdata text for type into out (cap bytes). origin completes relative
 * names (NULL: relative names are an error). The RFC 3597 generic form is
 * accepted for every type. Returns the rdata length or DNSP_ESYNTAX /
 * DNSP_ENAME / DNSP_ENOSPACE / DNSP_ERANGE. When errmsg is not NULL it is
 * pointed at a static string explaining the failure.
 */
int dnsp_rdata_from_text(uint16_t type, const char *text, size_t len, const uint8_t *origin,
			 uint8_t *out, size_t cap, const char **errmsg) DNSP_WUR;

/*
 * Writes rdata as presentation text (the form dig prints; unknown types in
 * RFC 3597 form), NUL terminated. Returns text length, DNSP_ENOSPACE, or
 * DNSP_EMALFORMED when rdata does not fit its type.
 */
int dnsp_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t rdlen, char *buf,
		       size_t cap) DNSP_WUR;

/*
 * Parses a duration in seconds with optional BIND units ("3600", "1h30m",
 * "2W"; s m h d w, case-insensitive) of len bytes, at most max. Returns 0,
 * DNSP_ESYNTAX or DNSP_ERANGE.
 */
int dnsp_duration_from_text(const char *p, size_t len, uint64_t max, uint32_t *out);

/*
 * Checks that rdata is well formed for type (lengths, embedded names).
 * Returns 0 or DNSP_EMALFORMED.
 */
int dnsp_rdata_check(uint16_t type, const uint8_t *rdata, size_t rdlen);

/*
 * For types whose rdata holds a domain name that additional-section
 * processing follows (NS, MX, SRV) or that is the alias target (CNAME,
 * DNAME, PTR), returns the offset of that name in rdata; else -1.
 */
int dnsp_rdata_target_offset(uint16_t type);

#endif
