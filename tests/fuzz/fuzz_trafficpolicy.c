/*
 * Fuzz target for the traffic policy document validator
 * (ctrl/config_route.c, dnsp_tp_document_parse): the input is one document
 * (JSON or YAML text). Invariants: success reports nothing and every
 * resolved reference is in range with a start; failure reports why and
 * leaves the document empty.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctrl/config_route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "%s\n", why);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsp_tp_document doc;
	struct dnsp_errlist errs;

	dnsp_errlist_init(&errs);
	int rc = dnsp_tp_document_parse((const char *)data, size, "fuzz.json", "Document", &doc,
					&errs);
	if (rc == 0) {
		if (errs.n)
			fail("success with errors");
		if ((doc.start_rule < 0) == (doc.start_endpoint < 0))
			fail("no single start");
		if (doc.start_rule >= (int32_t)doc.nrules ||
		    doc.start_endpoint >= (int32_t)doc.nendpoints)
			fail("start out of range");
		for (size_t r = 0; r < doc.nrules; r++)
			for (size_t i = 0; i < doc.rules[r].nitems; i++) {
				const struct dnsp_tp_item *it = &doc.rules[r].items[i];
				if ((it->rule < 0) == (it->endpoint < 0) ||
				    it->rule >= (int32_t)doc.nrules ||
				    it->endpoint >= (int32_t)doc.nendpoints)
					fail("bad reference");
			}
		dnsp_tp_document_fini(&doc);
	} else if (errs.n == 0 || doc.nrules || doc.nendpoints) {
		fail("failure without a reason, or a half-built document");
	}
	dnsp_errlist_fini(&errs);
	return 0;
}
