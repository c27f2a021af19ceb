/*
 * Fuzz target for the master file reader (lib/zone/zonefile.c) and, through
 * it, the rdata text parser (lib/wire/rdata.c). The input is read as a zone
 * file with origin example.com. and $INCLUDE disabled (fuzz input must never
 * open files). Every record delivered must pass dnsp_rdata_check, print with
 * dnsp_rdata_to_text, and parse back from that text to the same bytes; any
 * mismatch aborts so the fuzzer keeps the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/wire/rdata.h"
#include "lib/zone/zonefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Worst case text: 65535 bytes as \DDD inside quotes is ~4 chars a byte. */
static char text[DNSP_RDATA_MAX * 4 + 1024];
static uint8_t again[DNSP_RDATA_MAX];

static int on_record(void *ctx, const struct dnsp_zf_record *rr)
{
	(void)ctx;
	char tn[16];
	if (dnsp_rdata_check(rr->type, rr->rdata, rr->rdlen) != 0) {
		fprintf(stderr, "record of type %s fails dnsp_rdata_check\n",
			dnsp_rrtype_to_text(rr->type, tn));
		abort();
	}
	int n = dnsp_rdata_to_text(rr->type, rr->rdata, rr->rdlen, text, sizeof(text));
	if (n < 0) {
		fprintf(stderr, "type %s: to_text failed: %s\n", dnsp_rrtype_to_text(rr->type, tn),
			dnsp_strerror(n));
		abort();
	}
	const char *why = NULL;
	int m = dnsp_rdata_from_text(rr->type, text, (size_t)n, NULL, again, sizeof(again), &why);
	if (m != (int)rr->rdlen || memcmp(again, rr->rdata, rr->rdlen) != 0) {
		fprintf(stderr, "type %s: \"%s\" does not parse back (%d: %s)\n",
			dnsp_rrtype_to_text(rr->type, tn), text, m, why ? why : "");
		abort();
	}
	return 0;
}

static void on_error(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	(void)file;
	(void)line;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t origin[] = "\7example\3com";
	struct dnsp_zf_params p = {
		.origin = origin,
		.default_ttl = 3600,
		.max_include_depth = 1,
		.on_record = on_record,
		.on_error = on_error,
		.ctx = NULL,
		.no_include = true,
	};
	(void)dnsp_zonefile_read_mem((const char *)data, size, "fuzz", &p);
	return 0;
}
