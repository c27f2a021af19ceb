/*
 * Fuzz target for the configuration loader (ctrl/config.c) and, through it,
 * the YAML document model (ctrl/yamldom.c), name and rdata text parsing.
 * The input is loaded as a config whose folder does not exist, so relative
 * ZoneFile paths fail cleanly without opening anything. When a load
 * succeeds, two invariants are checked: every zone passes
 * dnsp_config_check_zone() again, and every record set survives a deep
 * copy; a violation aborts so that the fuzzer keeps the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctrl/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsp_errlist errs;
	struct dnsp_config *c = NULL;

	dnsp_errlist_init(&errs);
	int rc = dnsp_config_load_string((const char *)data, size, "fuzz.yaml",
					 "/nonexistent-dnsplane-fuzz", &c, &errs);
	if (rc == 0 && errs.n != 0) {
		fprintf(stderr, "load succeeded with %zu errors\n", errs.n);
		abort();
	}
	if (rc != 0 && (c != NULL || errs.n == 0)) {
		fprintf(stderr, "load failed (%d) without reporting why\n", rc);
		abort();
	}
	for (size_t i = 0; c && i < c->nzones; i++) {
		struct dnsp_cfg_zone *z = &c->zones[i];
		if (dnsp_config_check_zone(c, z, &errs) != 0) {
			fprintf(stderr, "loaded zone fails its own check: %s\n", errs.msgs[0]);
			abort();
		}
		for (size_t j = 0; j < z->nrrsets; j++) {
			struct dnsp_cfg_rrset copy;
			if (dnsp_cfg_rrset_copy(&copy, &z->rrsets[j]) == 0)
				dnsp_cfg_rrset_fini(&copy);
		}
	}
	dnsp_config_destroy(c);
	dnsp_errlist_fini(&errs);
	return 0;
}
