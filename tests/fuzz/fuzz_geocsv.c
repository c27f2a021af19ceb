/*
 * Fuzz target for the text loaders of ctrl/geodb.c: the latency table CSV
 * and the GeoLite2-City CSV pair. The whole input is parsed as a latency
 * table; then it is split at form feeds ('\f') into a Locations text, an
 * IPv4 Blocks text and an IPv6 Blocks text (missing parts are absent
 * files), so one corpus file can drive both parsers and the geoname_id
 * join between them. Invariants: a load that succeeds reported nothing and
 * filled its table; a load that fails reported why and left the table
 * untouched; every lookup of a loaded table stays in bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/geodb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, const struct dnsp_errlist *errs, const void *table, const char *what)
{
	if (rc >= 0 && (errs->n != 0 || !table)) {
		fprintf(stderr, "%s: success with %zu errors or no table\n", what, errs->n);
		abort();
	}
	if (rc < 0 && (errs->n == 0 || table)) {
		fprintf(stderr, "%s: failure (%d) without a reason, or a half-built table\n", what,
			rc);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct dnsp_route_data rd;
	struct dnsp_errlist errs;
	dnsp_arena_t *arena;
	static const uint8_t probe[16] = { 192, 0, 2, 1, 0x20, 0x01, 0x0d, 0xb8 };
	int plen;

	if (dnsp_arena_create(&arena) < 0)
		return 0;
	dnsp_errlist_init(&errs);
	memset(&rd, 0, sizeof(rd));
	int rc = dnsp_latency_parse(text, size, "lat.csv", "server.latency_db", arena, &rd, &errs);
	check(rc, &errs, rd.latency, "latency");
	if (rc >= 0) {
		for (int fam = 4; fam <= 6; fam += 2) {
			const uint16_t *row = dnsp_latency_lookup(&rd, fam, probe, &plen);
			if (row && (row[0] == 0xdead || plen > (fam == 4 ? 32 : 128)))
				abort(); /* the read itself is what ASan checks */
		}
	}

	const char *part[3] = { NULL, NULL, NULL };
	size_t len[3] = { 0, 0, 0 };
	const char *p = text, *end = text + size;
	for (int i = 0; i < 3 && p <= end; i++) {
		const char *ff = memchr(p, '\f', (size_t)(end - p));
		part[i] = p;
		len[i] = (size_t)((ff ? ff : end) - p);
		if (!ff)
			break;
		p = ff + 1;
	}
	dnsp_errlist_fini(&errs);
	dnsp_errlist_init(&errs);
	memset(&rd, 0, sizeof(rd));
	rc = dnsp_geodb_parse_csv(part[0], len[0], "L.csv", part[1], len[1], "B4.csv", part[2],
				  len[2], "B6.csv", "server.geo_db", arena, &rd, &errs);
	check(rc, &errs, rd.geo, "geolite");
	if (rc >= 0) {
		for (int fam = 4; fam <= 6; fam += 2) {
			const struct dnsp_geo_loc *l = dnsp_geo_lookup(&rd, fam, probe, &plen);
			if (l && l->country[2] != '\0')
				abort();
		}
	}
	dnsp_errlist_fini(&errs);
	dnsp_arena_destroy(arena);
	return 0;
}
