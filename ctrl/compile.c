/*
 * Compiler from the configuration model to an immutable snapshot. It turns
 * Route 53 record sets (Values in presentation form) into wire RRsets in a
 * zone trie per hosted zone, VPC CIDRs into the client LPM, and listeners
 * and zone associations into views. Like Route 53, a zone without SOA or NS
 * record sets gets generated ones. Every allocation that outlives the call
 * comes from the snapshot's own arena, so publishing a new generation and
 * destroying the old one moves memory in two steps, with no per-object
 * frees.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "changes.h"
#include "compile.h"
#include "compile_firewall.h"
#include "compile_resolver.h"
#include "compile_route.h"
#include "compile_routedata.h"
#include "lib/health.h"
#include "resolver.h"
#include "lib/wire/rdata.h"
#include "lib/zone/zone.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int name_parse(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	return dnsp_name_from_text(text, strlen(text), (const uint8_t *)"", out);
}

/* Finds the configured record set (name, type) in the zone of cfg that
 * serves name most specifically, for aliases that leave their own zone. */
static const struct dnsp_cfg_rrset *find_served_rrset(const struct dnsp_config *cfg,
						      bool private_zone, const uint8_t *name,
						      uint16_t type,
						      const struct dnsp_cfg_zone **zone_out)
{
	const struct dnsp_cfg_zone *best = NULL;
	int best_labels = -1;
	for (size_t i = 0; i < cfg->nzones; i++) {
		const struct dnsp_cfg_zone *z = &cfg->zones[i];
		uint8_t apex[DNSP_NAME_MAX];
		if (z->private_zone != private_zone || name_parse(z->name, apex) < 0)
			continue;
		if (dnsp_name_in(name, apex) && dnsp_name_labels(apex) > best_labels) {
			best = z;
			best_labels = dnsp_name_labels(apex);
		}
	}
	if (!best)
		return NULL;
	*zone_out = best;
	for (size_t i = 0; i < best->nrrsets; i++) {
		const struct dnsp_cfg_rrset *rs = &best->rrsets[i];
		uint8_t owner[DNSP_NAME_MAX];
		if (rs->type == type && !rs->is_alias && name_parse(rs->name, owner) > 0 &&
		    dnsp_name_equal(owner, name))
			return rs;
	}
	return NULL;
}

static int add_values(dnsp_zone_builder_t *b, const struct dnsp_cfg_zone *z,
		      const struct dnsp_cfg_rrset *rs, const uint8_t *owner, uint32_t ttl,
		      struct dnsp_errlist *errs)
{
	(void)z;
	/* Route 53 values hold absolute names: complete with the root, as
	 * the config loader does when it validates them. */
	static const uint8_t root[1] = {0};
	static __thread uint8_t rdata[DNSP_RDATA_MAX]; /* control thread scratch */
	for (size_t i = 0; i < rs->nvalues; i++) {
		const char *msg = NULL;
		int n = dnsp_rdata_from_text(rs->type, rs->values[i], strlen(rs->values[i]), root,
					     rdata, sizeof(rdata), &msg);
		if (n < 0) {
			dnsp_errlist_add(errs, rs->loc.file, rs->loc.line, "ResourceRecords.Value",
					 "'%s': %s", rs->values[i], msg ? msg : dnsp_strerror(n));
			return n;
		}
		int rc = dnsp_zone_builder_add(b, owner, rs->type, ttl, rdata, (uint16_t)n);
		if (rc < 0) {
			dnsp_errlist_add(errs, rs->loc.file, rs->loc.line, "Name", "'%s': %s",
					 rs->name, dnsp_strerror(rc));
			return rc;
		}
	}
	return 0;
}

int dnsp_compile_rrset(dnsp_zone_builder_t *b, const struct dnsp_cfg_zone *z,
		       const struct dnsp_cfg_rrset *rs, struct dnsp_errlist *errs)
{
	uint8_t owner[DNSP_NAME_MAX];
	if (name_parse(rs->name, owner) < 0) {
		dnsp_errlist_add(errs, rs->loc.file, rs->loc.line, "Name", "invalid name '%s'",
				 rs->name);
		return DNSP_ENAME;
	}
	/* Routed sets (ctrl/compile_route.c); without the config and routing
	 * data here, aliases into other zones and IP-based sets need the
	 * compiler's own path (compile_zone). */
	if (dnsp_compile_route_needed(rs))
		return dnsp_compile_route_rrset(b, NULL, z, rs, NULL, errs);
	if (rs->is_alias) {
		uint8_t target[DNSP_NAME_MAX];
		if (!rs->alias_dns_name || name_parse(rs->alias_dns_name, target) < 0) {
			dnsp_errlist_add(errs, rs->loc.file, rs->loc.line, "AliasTarget.DNSName",
					 "invalid alias target");
			return DNSP_ENAME;
		}
		int rc = dnsp_zone_builder_add_alias(b, owner, rs->type, target);
		if (rc < 0)
			dnsp_errlist_add(errs, rs->loc.file, rs->loc.line, "AliasTarget",
					 "%s", dnsp_strerror(rc));
		return rc;
	}
	return add_values(b, z, rs, owner, rs->has_ttl ? rs->ttl : 300, errs);
}

/* An alias whose target lies outside its own zone: resolved at compile time
 * to the served record set's data (SPEC: "accept a configured target name
 * and resolve it inside served zones"). Returns 1 when handled here. */
static int compile_foreign_alias(const struct dnsp_config *cfg, dnsp_zone_builder_t *b,
				 const struct dnsp_cfg_zone *z, const uint8_t *apex,
				 const struct dnsp_cfg_rrset *rs, struct dnsp_errlist *errs)
{
	uint8_t target[DNSP_NAME_MAX], owner[DNSP_NAME_MAX];
	if (!rs->is_alias || !rs->alias_dns_name || name_parse(rs->alias_dns_name, target) < 0 ||
	    dnsp_name_in(target, apex) || name_parse(rs->name, owner) < 0)
		return 0;
	const struct dnsp_cfg_zone *tz = NULL;
	const struct dnsp_cfg_rrset *t = find_served_rrset(cfg, z->private_zone, target, rs->type,
							   &tz);
	if (!t) {
		dnsp_errlist_add(errs, rs->loc.file, rs->loc.line, "AliasTarget.DNSName",
				 "alias target %s (type %u) is not a record set served here",
				 rs->alias_dns_name, rs->type);
		return DNSP_ENOTFOUND;
	}
	int rc = add_values(b, tz, t, owner, t->has_ttl ? t->ttl : 300, errs);
	return rc < 0 ? rc : 1;
}

static int compile_zone(const struct dnsp_config *cfg, const struct dnsp_cfg_zone *z,
			dnsp_arena_t *arena, const struct dnsp_route_data *route,
			const dnsp_zone_t **out, struct dnsp_errlist *errs)
{
	uint8_t apex[DNSP_NAME_MAX];
	if (name_parse(z->name, apex) < 0) {
		dnsp_errlist_add(errs, z->loc.file, z->loc.line, "Name", "invalid zone name '%s'",
				 z->name);
		return DNSP_ENAME;
	}
	dnsp_zone_builder_t *b;
	int rc = dnsp_zone_builder_create(apex, z->id, &b);
	if (rc < 0)
		return rc;
	int failed = 0;
	for (size_t i = 0; i < z->nrrsets; i++) {
		const struct dnsp_cfg_rrset *rs = &z->rrsets[i];
		if (dnsp_compile_route_needed(rs))
			rc = dnsp_compile_route_rrset(b, cfg, z, rs, route, errs);
		else if ((rc = compile_foreign_alias(cfg, b, z, apex, rs, errs)) == 0)
			rc = dnsp_compile_rrset(b, z, rs, errs);
		if (rc < 0)
			failed++;
	}
	/* Traffic policy instances of this zone (ctrl/compile_routedata.c). */
	if (dnsp_compile_traffic_policies(b, cfg, z, route, errs) < 0)
		failed++;
	/* Like Route 53, a zone without SOA or NS sets gets generated ones;
	 * the same sets the API lists (one definition, in changes.c). */
	struct dnsp_cfg_rrset gen[2];
	int ngen = dnsp_zone_generated_sets(z, gen);
	if (ngen < 0)
		failed++;
	for (int i = 0; i < ngen; i++) {
		if (!failed && dnsp_compile_rrset(b, z, &gen[i], errs) < 0)
			failed++;
		dnsp_cfg_rrset_fini(&gen[i]);
	}
	if (failed) {
		dnsp_zone_builder_destroy(b);
		return DNSP_ECONFIG;
	}
	char msg[512] = "";
	rc = dnsp_zone_compile(b, arena, out, msg, sizeof(msg));
	dnsp_zone_builder_destroy(b);
	if (rc < 0) {
		dnsp_errlist_add(errs, z->loc.file, z->loc.line, "ResourceRecordSets", "zone %s: %s",
				 z->name, msg[0] ? msg : dnsp_strerror(rc));
		return DNSP_ECONFIG;
	}
	return 0;
}

static int vpc_index(const struct dnsp_config *cfg, const char *id)
{
	for (size_t i = 0; id && i < cfg->nvpcs; i++)
		if (strcmp(cfg->vpcs[i].id, id) == 0)
			return (int)i;
	return -1;
}

static const char *listener_name(dnsp_arena_t *a, const struct dnsp_cfg_listener *l)
{
	char addr[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 16];
	inet_ntop(l->addr.family == 6 ? AF_INET6 : AF_INET, l->addr.addr, addr, sizeof(addr));
	if (l->addr.family == 6)
		snprintf(buf, sizeof(buf), "[%s]:%u", addr, l->port);
	else
		snprintf(buf, sizeof(buf), "%s:%u", addr, l->port);
	return dnsp_arena_strdup(a, buf);
}

static int compile_listeners(const struct dnsp_config *cfg, struct dnsp_snapshot *s)
{
	struct dnsp_snap_listener *ls =
		dnsp_arena_alloc(s->arena, (cfg->nlisteners + 1) * sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nlisteners; i++) {
		const struct dnsp_cfg_listener *l = &cfg->listeners[i];
		ls[i].family = l->addr.family;
		memcpy(ls[i].addr, l->addr.addr, 16);
		ls[i].port = l->port;
		ls[i].role = l->role == DNSP_CFG_PUBLIC ? DNSP_ROLE_PUBLIC :
			     l->role == DNSP_CFG_RESOLVER ? DNSP_ROLE_RESOLVER : DNSP_ROLE_INBOUND;
		ls[i].vpc = vpc_index(cfg, l->vpc);
		ls[i].name = listener_name(s->arena, l);
		if (!ls[i].name)
			return -ENOMEM;
	}
	s->listeners = ls;
	s->nlisteners = (uint32_t)cfg->nlisteners;
	return 0;
}

static int compile_vpcs(const struct dnsp_config *cfg, struct dnsp_snapshot *s,
			const dnsp_zone_t **zones)
{
	struct dnsp_snap_vpc *vs = dnsp_arena_alloc(s->arena, (cfg->nvpcs + 1) * sizeof(*vs));
	const dnsp_zone_t **tmp = calloc(cfg->nzones + 1, sizeof(*tmp));
	dnsp_lpm_builder_t *lb = NULL;
	int rc = -ENOMEM;
	if (!vs || !tmp || dnsp_lpm_builder_create(&lb) < 0)
		goto out;
	for (size_t v = 0; v < cfg->nvpcs; v++) {
		const struct dnsp_cfg_vpc *cv = &cfg->vpcs[v];
		vs[v].id = dnsp_arena_strdup(s->arena, cv->id);
		vs[v].dns_support = cv->dns_support;
		vs[v].dns_hostnames = cv->dns_hostnames;
		for (size_t c = 0; c < cv->ncidrs; c++) {
			rc = dnsp_lpm_builder_add(lb, cv->cidrs[c].family, cv->cidrs[c].addr,
						  cv->cidrs[c].plen, (uint32_t)v);
			if (rc < 0)
				goto out;
		}
		uint32_t n = 0;
		for (size_t zi = 0; zi < cfg->nzones; zi++) {
			const struct dnsp_cfg_zone *z = &cfg->zones[zi];
			if (!z->private_zone)
				continue;
			for (size_t k = 0; k < z->nvpcs; k++)
				if (strcmp(z->vpc_ids[k], cv->id) == 0) {
					tmp[n++] = zones[zi];
					break;
				}
		}
		rc = dnsp_view_build(&vs[v].view, tmp, n, s->arena);
		if (rc < 0)
			goto out;
	}
	rc = dnsp_lpm_compile(lb, s->arena, &s->vpc_lpm);
	s->vpcs = vs;
	s->nvpcs = (uint32_t)cfg->nvpcs;
out:
	dnsp_lpm_builder_destroy(lb);
	free(tmp);
	return rc;
}

int dnsp_compile(const struct dnsp_config *cfg, uint64_t generation, struct dnsp_snapshot **out,
		 struct dnsp_errlist *errs)
{
	uint64_t t0 = now_ns();
	dnsp_arena_t *arena;
	int rc = dnsp_arena_create(&arena);
	if (rc < 0)
		return rc;
	struct dnsp_snapshot *s = dnsp_arena_alloc(arena, sizeof(*s));
	const dnsp_zone_t **zones = dnsp_arena_alloc(arena, (cfg->nzones + 1) * sizeof(*zones));
	const dnsp_zone_t **pub = calloc(cfg->nzones + 1, sizeof(*pub));
	if (!s || !zones || !pub) {
		rc = -ENOMEM;
		goto fail;
	}
	s->arena = arena;
	s->generation = generation;
	s->udp_max = cfg->server.udp_max ? cfg->server.udp_max : DNSP_UDP_EDNS_CAP;
	s->nworkers = cfg->server.workers > 0 ? (uint32_t)cfg->server.workers : 1;
	/* Live health status lives outside the snapshot (lib/health.h). */
	s->health = dnsp_health_global();
	/* Routing data (geo, latency, CIDR collections → s->route) must be
	 * compiled above this line: routed record sets of the zones below refer
	 * to it (IP-based sets to their collection; ctrl/compile_route.c). */
	if ((rc = dnsp_compile_routedata(cfg, s, errs)) < 0)
		goto fail; /* reported */
	/* [routing] distance tables of the routing engine (lib/route.h) */
	if (s->route && (rc = dnsp_route_data_prepare((struct dnsp_route_data *)s->route, arena)) < 0)
		goto fail;

	int failed = 0;
	uint32_t npub = 0;
	for (size_t i = 0; i < cfg->nzones; i++) {
		if (compile_zone(cfg, &cfg->zones[i], arena, s->route, &zones[i], errs) < 0) {
			failed++;
			continue;
		}
		s->nrecords += zones[i]->nrecords;
		if (!cfg->zones[i].private_zone)
			pub[npub++] = zones[i];
	}
	if (failed) {
		rc = DNSP_ECONFIG;
		goto fail;
	}
	s->zones = zones;
	s->nzones = (uint32_t)cfg->nzones;
	if ((rc = dnsp_view_build(&s->public_view, pub, npub, arena)) < 0 ||
	    (rc = compile_listeners(cfg, s)) < 0 || (rc = compile_vpcs(cfg, s, zones)) < 0) {
		dnsp_errlist_add(errs, cfg->path, 0, "config", "compile failed: %s",
				 dnsp_strerror(rc));
		goto fail;
	}
	/* Feature compilers add their tables here, each reporting its own
	 * errors (routing data, firewall, resolver). */
	if ((rc = dnsp_recursion_compile(cfg, s, errs)) < 0) {
		dnsp_errlist_add(errs, cfg->path, 0, "resolver", "compile failed: %s",
				 dnsp_strerror(rc));
		goto fail;
	}
	/* Resolver rules, endpoints and Profiles: reports its own errors. */
	if ((rc = dnsp_resolver_rules_compile(cfg, s, errs)) < 0)
		goto fail;
	/* DNS Firewall: one table per VPC with associations; reports its own
	 * errors. */
	if ((rc = dnsp_compile_firewall(cfg, s, errs)) < 0)
		goto fail;
	free(pub);
	s->compile_ns = now_ns() - t0;
	*out = s;
	return 0;
fail:
	free(pub);
	if (s && s->arena == arena)
		dnsp_snapshot_destroy(s);
	else
		dnsp_arena_destroy(arena);
	return rc;
}
