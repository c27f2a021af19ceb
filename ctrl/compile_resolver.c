/*
 * Compiler of the VPC Resolver's source selection (see compile_resolver.h):
 * endpoints and their ENIs, the upstream route of every FORWARD and
 * DELEGATE rule, the autodefined reverse and EC2 private DNS zones, and
 * per VPC one source table in which every precedence rule of SEMANTICS
 * §11-12 is already settled (lib/sources.h), so that the fast path does
 * one longest match.
 * Everything a worker reads is laid out in the snapshot arena; the only
 * outside state is the ENI table, where this step assigns slots.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile_resolver.h"
#include "config_profiles.h"
#include "config_resolver.h"
#include "../lib/ratelimit.h"
#include "../lib/sources.h"
#include "../lib/wire/name.h"
#include "../lib/wire/pkt.h"
#include "../lib/wire/rdata.h"
#include "../lib/zone/zone.h"

#define AUTO_ZONES_MAX 1024   /* autodefined zones per snapshot */
#define CIDR_ZONES_MAX 256    /* reverse zones one VPC CIDR expands to */

struct ctx {
	const struct dnsp_config *cfg;
	struct dnsp_snapshot *s;
	struct dnsp_errlist *errs;
	struct dnsp_resolver_data *rd;
	struct dnsp_endpoint_data *eps;       /* per cfg endpoint */
	struct dnsp_upstream *ups;            /* per cfg rule (FORWARD; DELEGATE per VPC) */
	const dnsp_zone_t *autos[AUTO_ZONES_MAX]; /* autodefined zones built so far */
	uint32_t nautos;
	int failed;
};

static int name_parse(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	int rc = dnsp_name_from_text(text, strlen(text), (const uint8_t *)"", out);
	if (rc > 0)
		dnsp_name_lower(out);
	return rc;
}

static int vpc_index(const struct dnsp_config *cfg, const char *id)
{
	for (size_t i = 0; id && i < cfg->nvpcs; i++)
		if (strcmp(cfg->vpcs[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* FNV-1a, never 0 (0 is the public-recursion cache partition). */
static uint32_t tag_of(const char *a, const char *b)
{
	uint32_t h = 2166136261u;
	for (const char *p = a; p && *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *p = b; p && *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h ? h : 1;
}

/* ------------------------------------------------------------------------ */
/* autodefined zones (RFC 6303 §3, RFC 6761 §6.3)                           */

static int add_rr(dnsp_zone_builder_t *b, const uint8_t *apex, const char *owner, uint16_t type,
		  const char *text)
{
	uint8_t name[DNSP_NAME_MAX], rd[512];
	const char *msg = NULL;
	if (dnsp_name_from_text(owner, strlen(owner), apex, name) < 0)
		return DNSP_ENAME;
	int n = dnsp_rdata_from_text(type, text, strlen(text), apex, rd, sizeof(rd), &msg);
	if (n < 0)
		return n;
	return dnsp_zone_builder_add(b, name, type, 10800, rd, (uint16_t)n);
}

/*
 * An empty zone served locally, as RFC 6303 §3 describes (SOA "@ nobody.invalid.
 * 1 3600 1200 604800 10800", NS "@"): every name below it is NXDOMAIN with
 * that SOA, like unbound's "local-zone: static". localhost gets its loopback
 * addresses and the loopback reverse names their PTR, as unbound serves them.
 * Zones are shared by every VPC of the snapshot.
 */
static const dnsp_zone_t *auto_zone(struct ctx *x, const char *text)
{
	uint8_t apex[DNSP_NAME_MAX];
	if (name_parse(text, apex) < 0)
		return NULL;
	for (uint32_t i = 0; i < x->nautos; i++)
		if (dnsp_name_equal(x->autos[i]->apex, apex))
			return x->autos[i];
	if (x->nautos >= AUTO_ZONES_MAX)
		return NULL;
	dnsp_zone_builder_t *b;
	if (dnsp_zone_builder_create(apex, "autodefined", &b) < 0)
		return NULL;
	int rc = add_rr(b, apex, "@", DNSP_T_SOA, "@ nobody.invalid. 1 3600 1200 604800 10800");
	if (rc >= 0)
		rc = add_rr(b, apex, "@", DNSP_T_NS, "@");
	if (rc >= 0 && strcmp(text, "localhost.") == 0) {
		rc = add_rr(b, apex, "@", DNSP_T_A, "127.0.0.1");
		if (rc >= 0)
			rc = add_rr(b, apex, "@", DNSP_T_AAAA, "::1");
	}
	if (rc >= 0 && strcmp(text, "127.in-addr.arpa.") == 0)
		rc = add_rr(b, apex, "1.0.0", DNSP_T_PTR, "localhost.");
	if (rc >= 0 && strncmp(text, "1.0.0.0.", 8) == 0 && strstr(text, "ip6.arpa"))
		rc = add_rr(b, apex, "@", DNSP_T_PTR, "localhost.");
	const dnsp_zone_t *z = NULL;
	char err[256];
	if (rc >= 0)
		rc = dnsp_zone_compile(b, x->s->arena, &z, err, sizeof(err));
	dnsp_zone_builder_destroy(b);
	if (rc < 0)
		return NULL;
	x->autos[x->nautos++] = z;
	return z;
}

static int add_auto(struct ctx *x, dnsp_sources_builder_t *b, const char *text)
{
	const dnsp_zone_t *z = auto_zone(x, text);
	if (!z)
		return -ENOMEM;
	return dnsp_sources_add(b, z->apex, DNSP_SRC_ZONE, DNSP_ORIGIN_AUTO, z, NULL, z->id);
}

/* The fixed list of SEMANTICS §11 (RFC 6303 zones Route 53 answers). */
static int add_fixed_autos(struct ctx *x, dnsp_sources_builder_t *b)
{
	char text[96];
	int rc = add_auto(x, b, "10.in-addr.arpa.");
	for (int i = 16; rc >= 0 && i <= 31; i++) {
		snprintf(text, sizeof(text), "%d.172.in-addr.arpa.", i);
		rc = add_auto(x, b, text);
	}
	if (rc >= 0)
		rc = add_auto(x, b, "168.192.in-addr.arpa.");
	if (rc >= 0)
		rc = add_auto(x, b, "254.169.254.169.in-addr.arpa.");
	if (rc >= 0)
		rc = add_auto(x, b, "localhost.");
	if (rc >= 0)
		rc = add_auto(x, b, "127.in-addr.arpa.");
	/* ::1 and :: (32 nibbles each) */
	char v6[96] = "";
	for (int lead = 1; rc >= 0 && lead >= 0; lead--) {
		size_t o = 0;
		for (int i = 0; i < 32; i++)
			o += (size_t)snprintf(v6 + o, sizeof(v6) - o, "%d.", i == 0 ? lead : 0);
		snprintf(v6 + o, sizeof(v6) - o, "ip6.arpa.");
		rc = add_auto(x, b, v6);
	}
	return rc;
}

/*
 * Reverse zones of one VPC CIDR: IPv4 on octet boundaries, IPv6 on nibble
 * boundaries. A prefix between boundaries expands to every zone of the next
 * boundary it covers (at most CIDR_ZONES_MAX; a longer prefix than /24 or
 * /124 uses the zone that contains it).
 */
static int add_cidr_autos(struct ctx *x, dnsp_sources_builder_t *b, const struct dnsp_cfg_addr *a)
{
	int unit = a->family == 4 ? 8 : 4, max = a->family == 4 ? 24 : 124;
	int z = (a->plen + unit - 1) / unit * unit;
	if (z > max)
		z = max;
	if (z == 0)
		return 0; /* 0.0.0.0/0: every reverse name; not an autodefined zone */
	int extra = z > a->plen ? z - a->plen : 0;
	uint32_t count = 1u << (extra > 8 ? 8 : extra);
	if (count > CIDR_ZONES_MAX)
		count = CIDR_ZONES_MAX;
	for (uint32_t k = 0; k < count; k++) {
		uint8_t addr[16];
		memcpy(addr, a->addr, 16);
		/* set bits plen..z-1 to k */
		for (int bit = 0; bit < extra; bit++) {
			int pos = z - 1 - bit;
			uint8_t mask = (uint8_t)(0x80u >> (pos % 8));
			if (k & (1u << bit))
				addr[pos / 8] |= mask;
			else
				addr[pos / 8] &= (uint8_t)~mask;
		}
		char text[160];
		size_t o = 0;
		if (a->family == 4) {
			for (int i = z / 8 - 1; i >= 0; i--)
				o += (size_t)snprintf(text + o, sizeof(text) - o, "%u.", addr[i]);
			snprintf(text + o, sizeof(text) - o, "in-addr.arpa.");
		} else {
			for (int i = z / 4 - 1; i >= 0; i--) {
				unsigned nib = i % 2 ? addr[i / 2] & 0xf : addr[i / 2] >> 4;
				o += (size_t)snprintf(text + o, sizeof(text) - o, "%x.", nib);
			}
			snprintf(text + o, sizeof(text) - o, "ip6.arpa.");
		}
		int rc = add_auto(x, b, text);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * The EC2 private DNS domains of SEMANTICS §11: <Region>.compute.internal,
 * and ec2.internal in us-east-1, whose instance names Resolver answers
 * itself. No instances run here, so these are empty zones like the reverse
 * ones: no IP-based host name (ip-10-0-0-5.ec2.internal) is synthesised,
 * every name below the apex is NXDOMAIN with the SOA. A VPC without Region
 * may be in any region: compute.internal (every region's names) and
 * ec2.internal.
 */
static int add_ec2_autos(struct ctx *x, dnsp_sources_builder_t *b, const char *region)
{
	char text[96];
	int rc;
	if (!region) {
		rc = add_auto(x, b, "compute.internal.");
	} else {
		snprintf(text, sizeof(text), "%s.compute.internal.", region);
		rc = add_auto(x, b, text);
	}
	if (rc >= 0 && (!region || strcmp(region, "us-east-1") == 0))
		rc = add_auto(x, b, "ec2.internal.");
	return rc;
}

/* ------------------------------------------------------------------------ */
/* endpoints and listeners                                                  */

static int compile_endpoints(struct ctx *x)
{
	const struct dnsp_cfg_resolver *r = x->cfg->resolver;
	struct dnsp_resolver_data *rd = x->rd;
	struct dnsp_eni_table *t = rd->enis;
	size_t n = r ? r->nendpoints : 0;
	x->eps = dnsp_arena_alloc(x->s->arena, (n + 1) * sizeof(*x->eps));
	if (!x->eps)
		return -ENOMEM;
	for (int i = 0; i < DNSP_EP_MAX; i++)
		rd->by_registry[i] = -1;
	for (size_t i = 0; i < n; i++) {
		const struct dnsp_cfg_endpoint *e = &r->endpoints[i];
		struct dnsp_endpoint_data *d = &x->eps[i];
		d->id = dnsp_arena_strdup(x->s->arena, e->id);
		d->direction = (uint8_t)e->direction;
		d->vpc = vpc_index(x->cfg, e->vpc_id);
		d->qps_per_eni = e->qps_per_eni;
		int reg = dnsp_eni_endpoint(t, e->id);
		struct dnsp_eni_ref *enis = dnsp_arena_alloc(x->s->arena,
							      (e->nenis + 1) * sizeof(*enis));
		if (!d->id || !enis)
			return -ENOMEM;
		if (reg < 0) {
			dnsp_errlist_add(x->errs, e->loc.file, e->loc.line, "resolver.endpoints",
					 "endpoint %s: %s (at most %d endpoints per process)", e->id,
					 dnsp_strerror(reg), DNSP_EP_MAX);
			x->failed++;
			continue;
		}
		d->registry = reg;
		rd->by_registry[reg] = (int32_t)i;
		for (size_t k = 0; k < e->nenis; k++) {
			int slot = dnsp_eni_slot(t, e->id, e->enis[k].text);
			if (slot < 0) {
				dnsp_errlist_add(x->errs, e->loc.file, e->enis[k].line,
						 "resolver.endpoints.IpAddresses",
						 "ENI %s of %s: %s (at most %d ENIs per process)",
						 e->enis[k].text, e->id, dnsp_strerror(slot), DNSP_ENI_MAX);
				x->failed++;
				continue;
			}
			enis[k].slot = (uint32_t)slot;
			dnsp_eni_rate_init(&enis[k].rate, e->qps_per_eni, x->s->nworkers);
			enis[k].family = (uint8_t)e->enis[k].addr.family;
			memcpy(enis[k].addr, e->enis[k].addr.addr, 16);
			enis[k].ip = dnsp_arena_strdup(x->s->arena, e->enis[k].text);
			if (!enis[k].ip)
				return -ENOMEM;
		}
		d->enis = enis;
		d->nenis = (uint32_t)e->nenis;
	}
	rd->endpoints = x->eps;
	rd->nendpoints = (uint32_t)n;
	return 0;
}

/* SPEC §3 "Which VPC a query belongs to": an inbound listener serves its
 * endpoint's VPC whatever the client address, and it is one ENI of it. */
static int compile_listeners(struct ctx *x)
{
	struct dnsp_snapshot *s = x->s;
	const struct dnsp_eni_ref **le = dnsp_arena_alloc(s->arena, (s->nlisteners + 1) * sizeof(*le));
	if (!le)
		return -ENOMEM;
	/* The listener table was laid out by dnsp_compile in this arena and is
	 * not published yet: fixing each inbound listener's VPC here is safe. */
	struct dnsp_snap_listener *ls = (struct dnsp_snap_listener *)s->listeners;
	const struct dnsp_cfg_resolver *r = x->cfg->resolver;
	for (uint32_t i = 0; i < s->nlisteners && i < x->cfg->nlisteners; i++) {
		const struct dnsp_cfg_listener *l = &x->cfg->listeners[i];
		if (l->role != DNSP_CFG_INBOUND || !l->endpoint || !r)
			continue;
		for (size_t k = 0; k < r->nendpoints; k++) {
			const struct dnsp_cfg_endpoint *e = &r->endpoints[k];
			if (strcmp(e->id, l->endpoint) != 0)
				continue;
			ls[i].vpc = x->eps[k].vpc;
			for (uint32_t j = 0; j < x->eps[k].nenis; j++) {
				const struct dnsp_eni_ref *eni = &x->eps[k].enis[j];
				if (eni->family == l->addr.family &&
				    memcmp(eni->addr, l->addr.addr, l->addr.family == 4 ? 4 : 16) == 0)
					le[i] = eni;
			}
		}
	}
	x->rd->listener_eni = le;
	x->rd->nlisteners = s->nlisteners;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* upstream routes                                                          */

/* Fills the route's source addresses with the outbound endpoint's ENIs, all
 * of them and in the endpoint's order, so that sources[i] is ENI i of the
 * endpoint (the per-ENI ceiling hook, dnsp_sources_outbound_admit, is asked
 * by index); the forwarder uses those of the target's family. */
static void route_sources(struct ctx *x, struct dnsp_upstream *u, const char *endpoint_id)
{
	u->endpoint = -1;
	const struct dnsp_cfg_resolver *r = x->cfg->resolver;
	for (size_t k = 0; r && endpoint_id && k < r->nendpoints; k++) {
		if (strcmp(r->endpoints[k].id, endpoint_id) != 0)
			continue;
		const struct dnsp_endpoint_data *d = &x->eps[k];
		u->endpoint = d->registry;
		for (uint32_t j = 0; j < d->nenis && u->nsources < DNSP_UPSTREAM_SOURCES_MAX; j++) {
			struct dnsp_upstream_addr *a = &u->sources[u->nsources++];
			a->family = d->enis[j].family;
			memcpy(a->addr, d->enis[j].addr, 16);
		}
	}
}

static void route_common(struct dnsp_upstream *u, const struct dnsp_cfg_rule *ru,
			 const uint8_t *zone)
{
	memcpy(u->zone, zone, dnsp_name_len(zone));
	snprintf(u->rule_id, sizeof(u->rule_id), "%s", ru->id);
}

/* FORWARD: TargetIps in order (the slow path fails over in that order),
 * sent from the outbound endpoint's addresses of the targets' family. */
static int compile_forward_routes(struct ctx *x)
{
	const struct dnsp_cfg_resolver *r = x->cfg->resolver;
	size_t n = r ? r->nrules : 0;
	x->ups = dnsp_arena_alloc(x->s->arena, (n + 1) * sizeof(*x->ups));
	if (!x->ups)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct dnsp_cfg_rule *ru = &r->rules[i];
		struct dnsp_upstream *u = &x->ups[i];
		uint8_t zone[DNSP_NAME_MAX];
		if (ru->type != DNSP_RULE_FORWARD || !ru->domain || name_parse(ru->domain, zone) < 0)
			continue;
		u->kind = DNSP_UPSTREAM_FORWARD;
		u->cache_tag = tag_of(ru->id, NULL);
		route_common(u, ru, zone);
		for (size_t k = 0; k < ru->ntargets && k < DNSP_UPSTREAM_TARGETS_MAX; k++) {
			struct dnsp_upstream_addr *a = &u->targets[u->ntargets++];
			a->family = (uint8_t)ru->targets[k].addr.family;
			a->port = ru->targets[k].port;
			memcpy(a->addr, ru->targets[k].addr.addr, 16);
		}
		route_sources(x, u, ru->endpoint_id);
	}
	x->rd->upstreams = x->ups;
	x->rd->nupstreams = (uint32_t)n;
	return 0;
}

/* The configured record set (name, type) of zone z, or NULL. */
static const struct dnsp_cfg_rrset *zone_rrset(const struct dnsp_cfg_zone *z, const uint8_t *name,
					       uint16_t type)
{
	for (size_t i = 0; i < z->nrrsets; i++) {
		uint8_t owner[DNSP_NAME_MAX];
		if (z->rrsets[i].type == type && !z->rrsets[i].is_alias &&
		    name_parse(z->rrsets[i].name, owner) > 0 && dnsp_name_equal(owner, name))
			return &z->rrsets[i];
	}
	return NULL;
}

/*
 * DELEGATE (SPEC §3 "Rules"): the NS delegation of the rule's name found
 * in the VPC's private zones (the most specific zone that holds the name),
 * with the glue addresses of its name servers from the same zone. The
 * route is per (rule, VPC) since each VPC has its own zones.
 */
static const struct dnsp_upstream *delegate_route(struct ctx *x, const struct dnsp_cfg_rule *ru,
						  const struct dnsp_cfg_zone *const *zones,
						  size_t nzones, const char *vpc_id)
{
	uint8_t name[DNSP_NAME_MAX], apex[DNSP_NAME_MAX];
	if (!ru->domain || name_parse(ru->domain, name) < 0)
		return NULL;
	const struct dnsp_cfg_zone *best = NULL;
	int best_labels = -1;
	for (size_t i = 0; i < nzones; i++)
		if (name_parse(zones[i]->name, apex) > 0 && dnsp_name_in(name, apex) &&
		    dnsp_name_labels(apex) > best_labels) {
			best = zones[i];
			best_labels = dnsp_name_labels(apex);
		}
	const struct dnsp_cfg_rrset *ns = best ? zone_rrset(best, name, DNSP_T_NS) : NULL;
	struct dnsp_upstream *u = dnsp_arena_alloc(x->s->arena, sizeof(*u));
	if (!u)
		return NULL;
	u->kind = DNSP_UPSTREAM_DELEGATE;
	u->cache_tag = tag_of(ru->id, vpc_id);
	route_common(u, ru, name);
	for (size_t k = 0; ns && k < ns->nvalues; k++) {
		uint8_t target[DNSP_NAME_MAX];
		if (name_parse(ns->values[k], target) < 0)
			continue;
		static const uint16_t types[2] = { DNSP_T_A, DNSP_T_AAAA };
		for (int t = 0; t < 2; t++) {
			const struct dnsp_cfg_rrset *g = zone_rrset(best, target, types[t]);
			for (size_t v = 0; g && v < g->nvalues; v++) {
				if (u->ntargets >= DNSP_UPSTREAM_TARGETS_MAX)
					break;
				struct dnsp_upstream_addr *a = &u->targets[u->ntargets];
				if (inet_pton(t ? AF_INET6 : AF_INET, g->values[v], a->addr) != 1)
					continue;
				a->family = t ? 6 : 4;
				a->port = 53;
				u->ntargets++;
			}
		}
	}
	if (u->ntargets == 0) {
		dnsp_errlist_add(x->errs, ru->loc.file, ru->loc.line, "DelegationRecord",
				 "DELEGATE rule %s: no NS records with glue for %s in the private "
				 "zones of VPC %s", ru->id, ru->domain, vpc_id);
		x->failed++;
		return NULL;
	}
	route_sources(x, u, ru->endpoint_id);
	return u;
}

/* ------------------------------------------------------------------------ */
/* per-VPC source tables                                                    */

static void conflict(struct ctx *x, const char *vpc_id, const struct dnsp_cfg_loc *loc,
		     const char *what, const char *id, const char *name, bool profile)
{
	dnsp_errlist_add(x->errs, loc->file, loc->line, what,
			 "VPC %s gets two %s for %s%s (\"%s\" is one of them)", vpc_id,
			 strcmp(what, "ResourceRecordSets") == 0 ? "private zones" : "rules", name,
			 profile ? " from its profile" : "", id);
	x->failed++;
}

static int add_rule(struct ctx *x, dnsp_sources_builder_t *b, const struct dnsp_cfg_rule *ru,
		    enum dnsp_src_origin origin, const char *vpc_id,
		    const struct dnsp_cfg_zone *const *zones, size_t nzones, const struct dnsp_cfg_loc *loc)
{
	uint8_t name[DNSP_NAME_MAX];
	if (!ru->domain || name_parse(ru->domain, name) < 0)
		return 0;
	const struct dnsp_upstream *u = NULL;
	enum dnsp_src_kind kind = DNSP_SRC_SYSTEM;
	if (ru->type == DNSP_RULE_FORWARD) {
		kind = DNSP_SRC_FORWARD;
		u = &x->ups[ru - x->cfg->resolver->rules];
	} else if (ru->type == DNSP_RULE_DELEGATE) {
		kind = DNSP_SRC_DELEGATE;
		u = delegate_route(x, ru, zones, nzones, vpc_id);
		if (!u)
			return 0; /* reported */
	}
	int rc = dnsp_sources_add(b, name, kind, origin, NULL, u, ru->id);
	if (rc == DNSP_EEXIST)
		conflict(x, vpc_id, loc, "ResolverRuleId", ru->id, ru->domain,
			 origin == DNSP_ORIGIN_PROFILE);
	return rc == DNSP_EEXIST ? 0 : rc;
}

static int add_zone(struct ctx *x, dnsp_sources_builder_t *b, size_t zi, enum dnsp_src_origin o,
		    const char *vpc_id)
{
	const dnsp_zone_t *z = x->s->zones[zi];
	int rc = dnsp_sources_add(b, z->apex, DNSP_SRC_ZONE, o, z, NULL, z->id);
	if (rc == DNSP_EEXIST)
		conflict(x, vpc_id, &x->cfg->zones[zi].loc, "ResourceRecordSets", z->id,
			 x->cfg->zones[zi].name, o == DNSP_ORIGIN_PROFILE);
	return rc == DNSP_EEXIST ? 0 : rc;
}

static bool zone_has_vpc(const struct dnsp_cfg_zone *z, const char *vpc_id)
{
	for (size_t k = 0; k < z->nvpcs; k++)
		if (strcmp(z->vpc_ids[k], vpc_id) == 0)
			return true;
	return false;
}

/* VPC setting first, then the Profile's, then the default (SPEC §3 "VPCs":
 * "a profile association's DnssecValidation applies where the VPC sets
 * none"; the other toggles follow the same rule). */
static bool toggle(int vpc_setting, int profile_setting, bool dflt)
{
	if (vpc_setting >= 0)
		return vpc_setting != 0;
	if (profile_setting >= 0)
		return profile_setting != 0;
	return dflt;
}

static int compile_vpc(struct ctx *x, size_t v, struct dnsp_resolver_vpc *out)
{
	const struct dnsp_config *cfg = x->cfg;
	const struct dnsp_cfg_vpc *cv = &cfg->vpcs[v];
	const struct dnsp_cfg_resolver *r = cfg->resolver;
	struct dnsp_config *mcfg = (struct dnsp_config *)cfg; /* lookups only */
	const struct dnsp_cfg_profile_assoc *pa = dnsp_cfg_profile_assoc_of(cfg, cv->id);
	const struct dnsp_cfg_profile *pf = pa ? dnsp_cfg_profile_find(cfg, pa->profile_id) : NULL;
	bool profile_first = pa && pa->evaluation_order == DNSP_EVAL_PROFILE_FIRST;

	out->profile = pf ? (int32_t)(pf - cfg->profiles->profiles) : -1;
	out->dnssec_validation = toggle(cv->dnssec_validation, pa ? pa->dnssec_validation : -1, false);
	int rev = dnsp_cfg_resolver_reverse(cfg, cv->id);
	out->autodefined_reverse = toggle(rev, pa ? pa->autodefined_reverse : -1, true);

	dnsp_sources_builder_t *b;
	int rc = dnsp_sources_builder_create(profile_first, &b);
	if (rc < 0)
		return rc;
	/* The private zones this VPC sees (local, then the profile's), for
	 * DELEGATE glue; EnableDnsHostnames false: none (guide §5.2). */
	const struct dnsp_cfg_zone **vz = calloc(cfg->nzones + 1, sizeof(*vz));
	size_t nvz = 0;
	if (!vz) {
		rc = -ENOMEM;
		goto out;
	}
	if (cv->dns_hostnames) {
		for (size_t zi = 0; rc >= 0 && zi < cfg->nzones; zi++) {
			const struct dnsp_cfg_zone *z = &cfg->zones[zi];
			if (!z->private_zone || !zone_has_vpc(z, cv->id))
				continue;
			vz[nvz++] = z;
			rc = add_zone(x, b, zi, DNSP_ORIGIN_VPC, cv->id);
		}
		for (size_t k = 0; rc >= 0 && pf && k < pf->nresources; k++) {
			if (pf->resources[k].kind != DNSP_PROFILE_RES_ZONE)
				continue;
			const struct dnsp_cfg_zone *z = dnsp_config_zone_by_id(mcfg, pf->resources[k].id);
			if (!z)
				continue;
			if (!zone_has_vpc(z, cv->id))
				vz[nvz++] = z;
			rc = add_zone(x, b, (size_t)(z - cfg->zones), DNSP_ORIGIN_PROFILE, cv->id);
		}
		/* Autodefined reverse zones (SEMANTICS §11), unless disabled. */
		if (rc >= 0 && out->autodefined_reverse) {
			rc = add_fixed_autos(x, b);
			for (size_t c = 0; rc >= 0 && c < cv->ncidrs; c++)
				rc = add_cidr_autos(x, b, &cv->cidrs[c]);
		}
		/* Autodefined EC2 domains: EnableDnsHostnames alone turns them
		 * off, AutodefinedReverse is for the reverse zones. */
		if (rc >= 0)
			rc = add_ec2_autos(x, b, cv->region);
	}
	/* Rules associated with the VPC, then the profile's. */
	for (size_t i = 0; rc >= 0 && r && i < r->nassocs; i++) {
		const struct dnsp_cfg_rule_assoc *a = &r->assocs[i];
		const struct dnsp_cfg_rule *ru = dnsp_cfg_rule_find(cfg, a->rule_id);
		if (ru && a->vpc_id && strcmp(a->vpc_id, cv->id) == 0)
			rc = add_rule(x, b, ru, DNSP_ORIGIN_VPC, cv->id, vz, nvz, &a->loc);
	}
	for (size_t k = 0; rc >= 0 && pf && k < pf->nresources; k++) {
		const struct dnsp_cfg_rule *ru;
		if (pf->resources[k].kind == DNSP_PROFILE_RES_RULE &&
		    (ru = dnsp_cfg_rule_find(cfg, pf->resources[k].id)))
			rc = add_rule(x, b, ru, DNSP_ORIGIN_PROFILE, cv->id, vz, nvz, &pf->loc);
	}
	if (rc >= 0)
		rc = dnsp_sources_compile(b, x->s->arena, &out->sources);
	/* The VPC's view (CNAME chasing between its private zones, TestDNSAnswer)
	 * gets the Profile's zones too; a later zone of one apex replaces an
	 * earlier one, so the side EvaluationOrder prefers goes last. */
	if (rc >= 0 && pf && cv->dns_hostnames && v < x->s->nvpcs) {
		const dnsp_zone_t **zs = calloc(nvz + 1, sizeof(*zs));
		size_t nz = 0;
		if (!zs) {
			rc = -ENOMEM;
			goto out;
		}
		for (int pass = 0; pass < 2; pass++) {
			bool want_local = (pass == 0) == profile_first;
			for (size_t k = 0; k < nvz; k++)
				if (zone_has_vpc(vz[k], cv->id) == want_local)
					zs[nz++] = x->s->zones[vz[k] - cfg->zones];
		}
		struct dnsp_snap_vpc *sv = (struct dnsp_snap_vpc *)&x->s->vpcs[v];
		rc = dnsp_view_build(&sv->view, zs, (uint32_t)nz, x->s->arena);
		free(zs);
	}
out:
	free(vz);
	dnsp_sources_builder_destroy(b);
	return rc;
}

/* ------------------------------------------------------------------------ */

int dnsp_resolver_rules_compile(const struct dnsp_config *cfg, struct dnsp_snapshot *s,
				struct dnsp_errlist *errs)
{
	struct ctx *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->cfg = cfg;
	x->s = s;
	x->errs = errs;
	int rc = -ENOMEM;
	struct dnsp_resolver_data *rd = dnsp_arena_alloc(s->arena, sizeof(*rd));
	struct dnsp_resolver_vpc *vpcs = dnsp_arena_alloc(s->arena, (s->nvpcs + 1) * sizeof(*vpcs));
	if (!rd || !vpcs)
		goto out;
	x->rd = rd;
	rd->enis = dnsp_eni_global();
	rd->vpcs = vpcs;
	rd->nvpcs = s->nvpcs;
	if ((rc = compile_endpoints(x)) < 0 || (rc = compile_listeners(x)) < 0 ||
	    (rc = compile_forward_routes(x)) < 0)
		goto out;
	for (size_t v = 0; v < s->nvpcs && v < cfg->nvpcs; v++)
		if ((rc = compile_vpc(x, v, &vpcs[v])) < 0)
			goto out;
	if (x->failed) {
		rc = DNSP_ECONFIG;
		goto out;
	}
	s->resolver = rd;
	rc = 0;
out:
	if (rc < 0 && rc != DNSP_ECONFIG)
		dnsp_errlist_add(errs, cfg->path, 0, "resolver", "compile failed: %s",
				 dnsp_strerror(rc));
	free(x);
	return rc;
}
