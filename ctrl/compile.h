/*
 * Compiler from the configuration model to a snapshot: zones (record sets
 * and zone files) into tries, VPC CIDRs into the LPM, listeners and views.
 *
 * Contract: control thread only; reads cfg, writes nothing shared. All
 * snapshot memory comes from a fresh arena; on failure everything is freed
 * and errs says why ("file:line: key: message").
 */
#ifndef DNSP_CTRL_COMPILE_H
#define DNSP_CTRL_COMPILE_H

#include "config.h"
#include "../lib/snapshot.h"

int dnsp_compile(const struct dnsp_config *cfg, uint64_t generation,
		 struct dnsp_snapshot **out, struct dnsp_errlist *errs) DNSP_WUR;

/*
 * Adds one record set of zone z to builder b (Values parsed with the zone
 * origin; alias sets added as aliases). Used by the compiler and by tests.
 * Returns 0 or a negative code with errs filled.
 */
struct dnsp_zone_builder;
int dnsp_compile_rrset(struct dnsp_zone_builder *b, const struct dnsp_cfg_zone *z,
		       const struct dnsp_cfg_rrset *rs, struct dnsp_errlist *errs) DNSP_WUR;

#endif
