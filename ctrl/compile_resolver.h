/*
 * Compile step of Resolver rules, endpoints and Profiles (issue #6 items
 * 3-5): turns the `resolver` endpoints/rules/associations and the
 * `profiles` / `profile_associations` sections into snapshot->resolver
 * (lib/sources.h): per VPC the source table (private zones local and from
 * the Profile, FORWARD/SYSTEM/DELEGATE rules, autodefined reverse zones),
 * the upstream routes of FORWARD and DELEGATE rules with the outbound
 * endpoint's addresses, the per-ENI ceilings, each inbound listener's ENI
 * and VPC, and the per-VPC toggles the Profile may set.
 *
 * Contract: called by dnsp_compile() after zones, listeners and VPCs are
 * compiled (s->zones[i] is cfg->zones[i]); control thread only. Memory
 * from the snapshot arena; ENI slots are assigned in the process-wide ENI
 * table (lib/ratelimit.h), which is the only state outside the snapshot it
 * touches (slot assignment only: a failed compile changes no live bucket).
 * Returns 0, or DNSP_ECONFIG / -ENOMEM with errs filled.
 */
#ifndef DNSP_CTRL_COMPILE_RESOLVER_H
#define DNSP_CTRL_COMPILE_RESOLVER_H

#include "config.h"
#include "../lib/snapshot.h"

int dnsp_resolver_rules_compile(const struct dnsp_config *cfg, struct dnsp_snapshot *s,
				struct dnsp_errlist *errs) DNSP_WUR;

#endif
