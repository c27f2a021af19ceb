/*
 * Compile step of the recursion settings: turns the `resolver:` section's
 * recursion part (ctrl/config_recursion.h) into the snapshot's
 * struct dnsp_recursion_conf (lib/punt.h) in the snapshot arena, and
 * attaches the process-wide cache, which lives outside snapshots so that a
 * reload keeps every cached answer. The resolver thread notices the new
 * generation and applies the cache limits itself (it is the cache's only
 * writer), so nothing here touches the cache.
 */
#include <string.h>
#include "config_recursion.h"
#include "config_resolver.h"
#include "resolver.h"
#include "../lib/snapshot.h"

int dnsp_recursion_compile(const struct dnsp_config *cfg, struct dnsp_snapshot *s,
			   struct dnsp_errlist *errs)
{
	(void)errs; /* everything was validated by the loader */
	const struct dnsp_cfg_recursion *rc =
		cfg->resolver ? cfg->resolver->recursion : NULL;
	struct dnsp_cfg_recursion def;
	if (rc == NULL) {
		dnsp_cfg_recursion_defaults(&def);
		rc = &def;
	}
	struct dnsp_recursion_conf *conf = dnsp_arena_alloc(s->arena, sizeof(*conf));
	if (conf == NULL)
		return -ENOMEM;
	conf->enabled = rc->nhints > 0;
	conf->cache = dnsp_resolver_global_cache();
	if (rc->nhints > 0) {
		struct dnsp_root_hint *h = dnsp_arena_alloc(s->arena, rc->nhints * sizeof(*h));
		if (h == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < rc->nhints; i++) {
			memcpy(h[i].name, rc->hints[i].name, sizeof(h[i].name));
			h[i].addr.family = (uint8_t)rc->hints[i].addr.family;
			h[i].addr.port = rc->hints_port;
			memcpy(h[i].addr.addr, rc->hints[i].addr.addr, 16);
		}
		conf->hints = h;
		conf->nhints = (uint32_t)rc->nhints;
	}
	conf->nvpcs = s->nvpcs;
	if (s->nvpcs > 0) {
		uint8_t *v4 = dnsp_arena_alloc(s->arena, s->nvpcs);
		uint8_t *v6 = dnsp_arena_alloc(s->arena, s->nvpcs);
		if (v4 == NULL || v6 == NULL)
			return -ENOMEM;
		for (size_t e = 0; e < rc->necs; e++)
			for (uint32_t i = 0; i < s->nvpcs; i++)
				if (s->vpcs[i].id && strcmp(s->vpcs[i].id, rc->ecs[e].vpc_id) == 0) {
					v4[i] = rc->ecs[e].v4;
					v6[i] = rc->ecs[e].v6;
				}
		conf->ecs_v4 = v4;
		conf->ecs_v6 = v6;
	}
	conf->serve_stale = rc->serve_stale;
	conf->prefetch = rc->prefetch;
	conf->qname_minimisation = rc->qname_minimisation;
	conf->use_0x20 = rc->use_0x20;
	conf->query_timeout_ms = rc->query_timeout_ms;
	conf->upstream_timeout_ms = rc->upstream_timeout_ms;
	conf->max_referrals = rc->max_referrals;
	conf->max_cname_chain = rc->max_cname_chain;
	conf->max_upstream_queries = rc->max_upstream_queries;
	conf->max_ns_lookups = rc->max_ns_lookups;
	dnsp_cache_limits_default(&conf->cache_limits);
	conf->cache_limits.max_bytes = rc->cache_max_bytes;
	conf->cache_limits.max_ttl = rc->cache_max_ttl;
	conf->cache_limits.min_ttl = rc->cache_min_ttl;
	conf->cache_limits.max_negative_ttl = rc->cache_max_negative_ttl;
	conf->cache_limits.stale_ttl = rc->serve_stale ? rc->stale_ttl : 0;
	conf->cache_limits.prefetch_percent = rc->prefetch ? 10 : 0;
	s->recursion = conf;
	return 0;
}
