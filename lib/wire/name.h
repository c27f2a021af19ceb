/*
 * Domain names in wire form (RFC 1035 §3.1): parsing from packets with
 * compression, conversion to and from presentation text, comparison.
 *
 * Contract: a "name" is an uncompressed wire-format name of at most
 * DNSP_NAME_MAX (255) bytes ending in the root label; labels are at most 63
 * bytes. Functions never allocate and never read outside the bounds they are
 * given; every loop is bounded by the input length or DNSP_NAME_MAX. All are
 * pure functions, safe on any thread (workers included).
 */
#ifndef DNSP_WIRE_NAME_H
#define DNSP_WIRE_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../error.h"

#define DNSP_NAME_MAX 255
#define DNSP_LABEL_MAX 63
#define DNSP_LABELS_MAX 128 /* 255 bytes allow at most 127 labels + root */

/*
 * Reads the name at msg[off] (which may use compression pointers into msg,
 * pointing strictly backwards; at most DNSP_LABELS_MAX jumps) and writes it
 * uncompressed to out. If lower is true, ASCII letters are lowercased.
 * *wire_len receives the bytes the name occupies at off (up to and including
 * the first pointer or the root label). Returns the uncompressed length
 * (1..255) or DNSP_EMALFORMED / DNSP_ETRUNC / DNSP_ENAME / DNSP_ELOOP.
 */
int dnsp_name_unpack(const uint8_t *msg, size_t msg_len, size_t off,
		     uint8_t out[DNSP_NAME_MAX], size_t *wire_len, bool lower) DNSP_WUR;

/* ASCII lowercasing table (RFC 4343 §3: only A-Z fold), for hot loops. */
extern const uint8_t dnsp_lower_tab[256];

/* Length of an uncompressed, already valid name (including the root byte). */
size_t dnsp_name_len(const uint8_t *name);

/* Number of labels, root excluded ("." → 0, "a.b." → 2). */
int dnsp_name_labels(const uint8_t *name);

/* Lowercases ASCII letters in place. */
void dnsp_name_lower(uint8_t *name);

/* Case-insensitive equality of two valid names. */
bool dnsp_name_equal(const uint8_t *a, const uint8_t *b);

/* True when name equals apex or lies below it (case-insensitive). */
bool dnsp_name_in(const uint8_t *name, const uint8_t *apex);

/*
 * Canonical DNS ordering (RFC 4034 §6.1), case-insensitive.
 * Returns <0, 0, >0.
 */
int dnsp_name_cmp(const uint8_t *a, const uint8_t *b);

/*
 * Parses presentation text (len bytes, not NUL-terminated necessarily) into
 * out. Handles \DDD and \X escapes, "@" (= origin), and relative names
 * (appended to origin; origin NULL makes a relative name an error). "." is
 * the root. Result is NOT lowercased. Returns name length or DNSP_ENAME /
 * DNSP_ESYNTAX.
 */
int dnsp_name_from_text(const char *text, size_t len, const uint8_t *origin,
			uint8_t out[DNSP_NAME_MAX]) DNSP_WUR;

/*
 * Writes name as absolute presentation text with a trailing dot, escaping
 * '.', '\\', '"', '(', ')', ';', '@', '$' and non-printables as \DDD, NUL
 * terminated. Returns the text length or DNSP_ENOSPACE.
 */
int dnsp_name_to_text(const uint8_t *name, char *buf, size_t cap) DNSP_WUR;

/* Fills offs[i] with the offset of label i (0 = leftmost); returns count. */
int dnsp_name_label_offsets(const uint8_t *name, uint8_t offs[DNSP_LABELS_MAX]);

/*
 * Length (1..255) of the valid uncompressed name at the start of p[0..max),
 * or 0 when it is not one: a label over 63 bytes (compression pointers
 * included), a name over 255 bytes, or no root label before max. For names
 * inside rdata and other length-delimited fields; bounded by max and 255.
 */
static inline size_t dnsp_name_wire_len(const uint8_t *p, size_t max)
{
	size_t pos = 0;
	while (pos < max && pos < DNSP_NAME_MAX) {
		uint8_t c = p[pos];
		if (c == 0)
			return pos + 1;
		if (c > DNSP_LABEL_MAX)
			return 0;
		pos += (size_t)c + 1;
	}
	return 0;
}

/* Length of name from its label offsets (n labels, as returned above). */
static inline size_t dnsp_name_len_offs(const uint8_t *name, const uint8_t *offs, int n)
{
	return n ? (size_t)offs[n - 1] + name[offs[n - 1]] + 2u : 1u;
}

/*
 * True when the len bytes at a and b are equal: a memcmp for the short
 * names of the fast path, inline, with loads that stay inside both.
 */
static inline bool dnsp_bytes_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t x, y;
	if (len >= 8) {
		uint64_t d = 0;
		size_t i = 0;
		for (; i + 8 <= len; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			d |= x ^ y;
		}
		memcpy(&x, a + len - 8, 8);
		memcpy(&y, b + len - 8, 8);
		return (d | (x ^ y)) == 0;
	}
	if (len >= 4) {
		uint32_t u, v, s, t;
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		memcpy(&s, a + len - 4, 4);
		memcpy(&t, b + len - 4, 4);
		return ((u ^ v) | (s ^ t)) == 0;
	}
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/*
 * Hash of the len bytes at p (a lowercase wire name or suffix) for the hash
 * tables the fast path probes: eight bytes per step, then a final mix, so
 * the low bits serve as a table index.
 */
static inline uint64_t dnsp_name_hash(const uint8_t *p, size_t len)
{
	uint64_t h = (uint64_t)len * 0x9e3779b97f4a7c15ull;
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		p += 8;
		len -= 8;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++)
		v |= (uint64_t)p[i] << (8 * i);
	h = (h ^ v) * 0x94d049bb133111ebull;
	return h ^ (h >> 29);
}

/*
 * Longest suffix of name (label offsets offs[0..nl)) of kmin..kmax labels
 * (0: the root) for which probe(ctx, suffix, len, hash) returns non-NULL,
 * longest first; that result, or NULL. For the suffix-keyed hash tables
 * of the fast path (a view's zones, a VPC's sources); probe is a static
 * function the compiler inlines here.
 */
typedef const void *(*dnsp_suffix_probe_fn)(const void *ctx, const uint8_t *suffix, size_t len,
					     uint64_t hash);
static inline const void *dnsp_name_longest_suffix(const uint8_t *name, const uint8_t *offs,
						   int nl, int kmin, int kmax,
						   dnsp_suffix_probe_fn probe, const void *ctx)
{
	size_t total = dnsp_name_len_offs(name, offs, nl);
	if (kmax > nl)
		kmax = nl;
	for (int k = kmax; k >= kmin; k--) {
		size_t off = k == 0 ? total - 1 : offs[nl - k];
		const void *hit = probe(ctx, name + off, total - off,
					dnsp_name_hash(name + off, total - off));
		if (hit != NULL)
			return hit;
	}
	return NULL;
}

#endif
