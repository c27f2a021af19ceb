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

#endif
