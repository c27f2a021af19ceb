/*
 * Routing data and Traffic Flow compiler (see compile_routedata.h).
 *
 * Routing data: each table is an LPM over client prefixes whose value
 * indexes an array in the snapshot arena. A CIDR collection gets two LPMs
 * over the same blocks: one that answers the location directly (the
 * contract's `lpm`) and one that answers the block, whose parent link lets
 * dnsp_cidr_lookup() honour the query prefix length (SEMANTICS §8). Parents
 * are found by probing every shorter prefix of a block in a hash set of the
 * collection's blocks: at most 48 probes a block, and collections are small.
 *
 * Traffic Flow: a document is already validated and its references resolved
 * to indexes (ctrl/config_route.c), so compiling an instance is a walk from
 * the start rule that creates one builder rule per reachable document rule
 * and one member per item; an item names an endpoint (its Value becomes the
 * member's record, or an alias when the endpoint is an AWS resource) or a
 * rule (a nested rule member). Members evaluate their target's health when
 * the document says so and the target is a rule or an alias; a value has no
 * target to evaluate.
 */
#include "compile_routedata.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/health.h"
#include "../lib/route.h"
#include "../lib/wire/name.h"
#include "../lib/wire/rdata.h"
#include "config_route.h"
#include "geodb.h"

/* ------------------------------------------------------------------------ */
/* CIDR collections                                                         */

struct block_key {
	uint8_t family, plen;
	uint8_t addr[16];
};

struct block_set {
	struct block_key *keys;  /* by block index */
	uint32_t *slot;          /* block index + 1 */
	size_t mask;
};

static uint64_t key_hash(const struct block_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(*k); i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 31);
}

static void key_make(struct block_key *k, int family, const uint8_t *addr, int plen)
{
	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)family;
	k->plen = (uint8_t)plen;
	memcpy(k->addr, addr, family == 4 ? 4 : 16);
	for (int bit = plen; bit < 128; bit++)
		k->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

static uint32_t block_find(const struct block_set *s, const struct block_key *k)
{
	size_t j = key_hash(k) & s->mask;

	while (s->slot[j]) {
		if (memcmp(&s->keys[s->slot[j] - 1], k, sizeof(*k)) == 0)
			return s->slot[j] - 1;
		j = (j + 1) & s->mask;
	}
	return DNSP_LPM_NONE;
}

static int compile_collection(const struct dnsp_cfg_cidr_collection *cc, dnsp_arena_t *arena,
			      struct dnsp_cidr_collection *out)
{
	size_t nblocks = 0;
	struct block_set set = { 0 };
	struct dnsp_cidr_block *blocks = NULL;
	dnsp_lpm_builder_t *lb = NULL, *bb = NULL;
	const char **names;
	int rc = -ENOMEM;

	for (size_t l = 0; l < cc->nlocations; l++)
		nblocks += cc->locations[l].ncidrs;
	if (nblocks >= DNSP_LPM_NONE)
		return -ENOMEM;
	size_t nslots = 16;
	while (nslots < 2 * nblocks + 2)
		nslots *= 2;
	out->id = dnsp_arena_strdup(arena, cc->id ? cc->id : "");
	out->name = dnsp_arena_strdup(arena, cc->name ? cc->name : "");
	names = dnsp_arena_alloc(arena, (cc->nlocations + 1) * sizeof(*names));
	blocks = dnsp_arena_alloc(arena, (nblocks + 1) * sizeof(*blocks));
	set.keys = calloc(nblocks + 1, sizeof(*set.keys));
	set.slot = calloc(nslots, sizeof(*set.slot));
	set.mask = nslots - 1;
	if (!out->id || !out->name || !names || !blocks || !set.keys || !set.slot ||
	    dnsp_lpm_builder_create(&lb) < 0 || dnsp_lpm_builder_create(&bb) < 0)
		goto out;
	uint32_t b = 0;
	for (size_t l = 0; l < cc->nlocations; l++) {
		const struct dnsp_cfg_cidr_location *loc = &cc->locations[l];
		if (!(names[l] = dnsp_arena_strdup(arena, loc->name ? loc->name : "")))
			goto out;
		for (size_t k = 0; k < loc->ncidrs; k++, b++) {
			const struct dnsp_cfg_addr *a = &loc->cidrs[k];
			key_make(&set.keys[b], a->family, a->addr, a->plen);
			blocks[b].location = (uint32_t)l;
			blocks[b].plen = (uint8_t)a->plen;
			blocks[b].parent = DNSP_LPM_NONE;
			size_t j = key_hash(&set.keys[b]) & set.mask;
			while (set.slot[j])
				j = (j + 1) & set.mask;
			set.slot[j] = b + 1;
			if ((rc = dnsp_lpm_builder_add(lb, a->family, a->addr, a->plen, (uint32_t)l)) < 0 ||
			    (rc = dnsp_lpm_builder_add(bb, a->family, a->addr, a->plen, b)) < 0)
				goto out;
		}
	}
	/* Parent: the longest shorter block containing this one. */
	for (uint32_t i = 0; i < b; i++) {
		const struct block_key *k = &set.keys[i];
		for (int p = k->plen - 1; p >= 1; p--) {
			struct block_key q;
			key_make(&q, k->family, k->addr, p);
			uint32_t hit = block_find(&set, &q);
			if (hit != DNSP_LPM_NONE) {
				blocks[i].parent = hit;
				break;
			}
		}
	}
	if ((rc = dnsp_lpm_compile(lb, arena, &out->lpm)) < 0 ||
	    (rc = dnsp_lpm_compile(bb, arena, &out->block_lpm)) < 0)
		goto out;
	out->locations = names;
	out->nlocations = (uint32_t)cc->nlocations;
	out->blocks = blocks;
	out->nblocks = b;
	rc = 0;
out:
	dnsp_lpm_builder_destroy(lb);
	dnsp_lpm_builder_destroy(bb);
	free(set.keys);
	free(set.slot);
	return rc;
}

static int compile_routedata(const struct dnsp_config *cfg, struct dnsp_snapshot *s,
			     struct dnsp_errlist *errs)
{
	dnsp_arena_t *arena = s->arena;
	struct dnsp_route_data *rd = dnsp_arena_alloc(arena, sizeof(*rd));
	const struct dnsp_cfg_route *cr = cfg->route;
	int rc;

	if (!rd)
		return -ENOMEM;
	/* whole-file problems are reported where the config names the file */
	struct dnsp_cfg_loc geo_at = { cfg->server.loc.file, cfg->server.geo_db_line ?
				       cfg->server.geo_db_line : cfg->server.loc.line };
	struct dnsp_cfg_loc lat_at = { cfg->server.loc.file, cfg->server.latency_db_line ?
				       cfg->server.latency_db_line : cfg->server.loc.line };
	if (!geo_at.file)
		geo_at.file = lat_at.file = cfg->path;

	if (cfg->server.geo_db) {
		rc = dnsp_geodb_load(cfg->server.geo_db, "server.geo_db", &geo_at, arena, rd, errs);
		if (rc < 0)
			return rc;
	} else if ((rc = dnsp_geodb_empty_lpm(arena, &rd->geo)) < 0) {
		return rc;
	}
	if (!rd->geo_locs && !(rd->geo_locs = dnsp_arena_alloc(arena, sizeof(*rd->geo_locs))))
		return -ENOMEM;
	if (cfg->server.latency_db) {
		rc = dnsp_latency_load(cfg->server.latency_db, "server.latency_db", &lat_at, arena, rd,
				       errs);
		if (rc < 0)
			return rc;
	} else if ((rc = dnsp_geodb_empty_lpm(arena, &rd->latency)) < 0) {
		return rc;
	}
	if (!rd->latency_rtt && !(rd->latency_rtt = dnsp_arena_alloc(arena, sizeof(uint16_t))))
		return -ENOMEM;
	size_t n = cr ? cr->ncollections : 0;
	struct dnsp_cidr_collection *cols = dnsp_arena_alloc(arena, (n + 1) * sizeof(*cols));
	if (!cols)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if ((rc = compile_collection(&cr->collections[i], arena, &cols[i])) < 0) {
			dnsp_errlist_add(errs, cr->collections[i].loc.file, cr->collections[i].loc.line,
					 "cidr_collections", "compile failed: %s", dnsp_strerror(rc));
			return rc;
		}
	}
	rd->collections = cols;
	rd->ncollections = (uint32_t)n;
	s->route = rd;
	return 0;
}

int dnsp_compile_routedata(const struct dnsp_config *cfg, struct dnsp_snapshot *s,
			   struct dnsp_errlist *errs)
{
	size_t before = errs ? errs->n : 0;
	int rc = compile_routedata(cfg, s, errs);

	/* The loaders report what they find; only bare failures (memory) are
	 * reported here, so every failure has exactly one message. */
	if (rc < 0 && errs && errs->n == before)
		dnsp_errlist_add(errs, cfg->server.loc.file ? cfg->server.loc.file : cfg->path,
				 cfg->server.loc.line, "server", "routing data: %s",
				 dnsp_strerror(rc));
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Traffic Flow                                                             */

static const uint8_t tp_kind[] = {
	[DNSP_TPR_FAILOVER] = DNSP_ROUTE_FAILOVER,
	[DNSP_TPR_GEO] = DNSP_ROUTE_GEOLOCATION,
	[DNSP_TPR_LATENCY] = DNSP_ROUTE_LATENCY,
	[DNSP_TPR_GEOPROXIMITY] = DNSP_ROUTE_GEOPROXIMITY,
	[DNSP_TPR_MULTIVALUE] = DNSP_ROUTE_MULTIVALUE,
	[DNSP_TPR_WEIGHTED] = DNSP_ROUTE_WEIGHTED,
};

static int name_wire(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	if (!text)
		return DNSP_ENAME;
	return dnsp_name_from_text(text, strlen(text), (const uint8_t *)"", out);
}

static bool zone_id_is(const struct dnsp_cfg_zone *z, const char *id)
{
	static const char prefix[] = "/hostedzone/";

	if (!z->id || !id)
		return false;
	if (strncmp(id, prefix, sizeof(prefix) - 1) == 0)
		id += sizeof(prefix) - 1;
	return strcmp(z->id, id) == 0;
}

struct tpc {
	dnsp_zone_builder_t *b;
	const struct dnsp_cfg_tp_instance *ti;
	const struct dnsp_cfg_traffic_policy *p;
	size_t ti_index, p_index;  /* for keys */
	const uint8_t *apex;
	struct dnsp_errlist *errs;
	dnsp_zb_rule_t *handles;   /* per document rule; valid where made[] */
	bool *made;
	uint8_t *rdata;            /* DNSP_RDATA_MAX scratch */
};

static int tpc_err(struct tpc *t, const struct dnsp_cfg_loc *loc, const char *key, int rc,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int tpc_err(struct tpc *t, const struct dnsp_cfg_loc *loc, const char *key, int rc,
		   const char *fmt, ...)
{
	char msg[512], k[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Problems of the instance itself are keyed under it, problems of the
	 * document under the policy (where the line points). */
	if (loc == &t->ti->loc)
		snprintf(k, sizeof(k), "traffic_policy_instances[%zu].%s", t->ti_index, key);
	else
		snprintf(k, sizeof(k), "traffic_policies[%zu].Document.%s", t->p_index, key);
	dnsp_errlist_add(t->errs, loc->file, loc->line, k, "instance %s: %s",
			 t->ti->id ? t->ti->id : "?", msg);
	return rc < 0 ? rc : DNSP_ECONFIG;
}

/* An AWS-resource endpoint's DNS name as an alias target in this zone. */
static int endpoint_target(struct tpc *t, const struct dnsp_tp_endpoint *e, uint8_t *target)
{
	if (!e->value || name_wire(e->value, target) < 0)
		return tpc_err(t, &e->loc, "Endpoints", DNSP_ENAME, "endpoint \"%s\": bad DNS name",
			       e->id);
	if (!dnsp_name_in(target, t->apex))
		return tpc_err(t, &e->loc, "Endpoints", DNSP_ENOTFOUND, "endpoint \"%s\" (%s %s): "
			       "AWS resources cannot be resolved by an appliance; the name must be "
			       "served in the same hosted zone", e->id,
			       dnsp_tp_endpoint_type_name(e->type), e->value);
	return 0;
}

/* The record data of a value endpoint, into t->rdata. */
static int endpoint_rdata(struct tpc *t, const struct dnsp_tp_endpoint *e)
{
	static const uint8_t root[1] = { 0 };
	const char *why = NULL;
	int rc = dnsp_rdata_from_text(t->p->doc.record_type, e->value ? e->value : "",
				      e->value ? strlen(e->value) : 0, root, t->rdata, DNSP_RDATA_MAX,
				      &why);

	if (rc < 0)
		return tpc_err(t, &e->loc, "Endpoints", rc, "endpoint \"%s\": %s", e->id,
			       why ? why : dnsp_strerror(rc));
	return rc;
}

static int item_attr(struct tpc *t, const struct dnsp_tp_rule *r, size_t i,
		     struct dnsp_route_attr *a, char *set_id, size_t cap)
{
	const struct dnsp_tp_item *it = &r->items[i];
	const struct dnsp_tp_document *doc = &t->p->doc;

	memset(a, 0, sizeof(*a));
	snprintf(set_id, cap, "%s[%zu]", r->id ? r->id : "?", i);
	a->set_id = set_id;
	a->health = DNSP_HEALTH_NONE;
	a->region = -1;
	a->lat = a->lon = NAN;
	if (it->health_check) {
		int slot = dnsp_health_slot(it->health_check);
		if (slot < 0)
			return tpc_err(t, &it->loc, "HealthCheck", slot, "\"%s\": %s",
				       it->health_check, dnsp_strerror(slot));
		a->health = (uint32_t)slot;
	}
	bool alias = it->endpoint >= 0 && doc->endpoints[it->endpoint].type != DNSP_TPE_VALUE;
	a->evaluate_target_health = it->evaluate_target_health && (it->rule >= 0 || alias);
	switch (r->type) {
	case DNSP_TPR_FAILOVER:
		a->secondary = i == 1;
		break;
	case DNSP_TPR_GEO:
		if (it->is_default) {
			memcpy(a->country, "*", 2);
		} else {
			memcpy(a->continent, it->continent, sizeof(a->continent));
			memcpy(a->country, it->country, sizeof(a->country));
			memcpy(a->subdivision, it->subdivision, sizeof(a->subdivision));
		}
		break;
	case DNSP_TPR_LATENCY:
		if (it->region < 0 || (uint32_t)it->region >= dnsp_nregions)
			return tpc_err(t, &it->loc, "Region", DNSP_ENOTFOUND, "unknown Region");
		a->region = it->region;
		a->lat = dnsp_regions[it->region].lat;
		a->lon = dnsp_regions[it->region].lon;
		break;
	case DNSP_TPR_GEOPROXIMITY:
		if (it->region >= 0 && (uint32_t)it->region < dnsp_nregions) {
			a->lat = dnsp_regions[it->region].lat;
			a->lon = dnsp_regions[it->region].lon;
		} else if (it->local_zone_group) {
			if (dnsp_local_zone_group_coords(it->local_zone_group, &a->lat, &a->lon) < 0)
				return tpc_err(t, &it->loc, "Region", DNSP_ENOTFOUND,
					       "unknown Local Zone group \"%s\"", it->local_zone_group);
		} else if (it->has_coordinates) {
			a->lat = it->lat;
			a->lon = it->lon;
		} else {
			return tpc_err(t, &it->loc, "GeoproximityLocations", DNSP_ECONFIG,
				       "no location");
		}
		a->bias = (int8_t)it->bias;
		break;
	case DNSP_TPR_WEIGHTED:
		a->weight = (uint8_t)it->weight;
		break;
	default:
		break;
	}
	return 0;
}

/* Creates the builder rule of document rule k and, first, every rule it
 * references (the document has no cycles, so this ends). */
static int make_rule(struct tpc *t, size_t k, int depth)
{
	const struct dnsp_tp_document *doc = &t->p->doc;
	const struct dnsp_tp_rule *r = &doc->rules[k];
	char set_id[160];
	int rc;

	if (t->made[k])
		return 0;
	if (depth > DNSP_TP_MAX_DEPTH)
		return tpc_err(t, &r->loc, "Rules", DNSP_ELOOP, "rules nest too deep");
	for (size_t i = 0; i < r->nitems; i++)
		if (r->items[i].rule >= 0 && (rc = make_rule(t, (size_t)r->items[i].rule, depth + 1)) < 0)
			return rc;
	rc = (unsigned)r->type < sizeof(tp_kind)
		     ? dnsp_zone_builder_rule(t->b, tp_kind[r->type], doc->record_type, &t->handles[k])
		     : -EINVAL;
	if (rc < 0)
		return tpc_err(t, &r->loc, "Rules", rc, "rule \"%s\": %s", r->id, dnsp_strerror(rc));
	t->made[k] = true;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct dnsp_tp_item *it = &r->items[i];
		struct dnsp_route_attr a;
		dnsp_zb_member_t m;
		if ((rc = item_attr(t, r, i, &a, set_id, sizeof(set_id))) < 0)
			return rc;
		if ((rc = dnsp_zone_builder_member(t->b, t->handles[k], &a, &m)) < 0)
			return tpc_err(t, &it->loc, "Rules", rc, "rule \"%s\" item %zu: %s", r->id, i,
				       dnsp_strerror(rc));
		if (it->rule >= 0) {
			rc = dnsp_zone_builder_member_rule(t->b, m, t->handles[it->rule]);
		} else if (it->endpoint >= 0) {
			const struct dnsp_tp_endpoint *e = &doc->endpoints[it->endpoint];
			if (e->type == DNSP_TPE_VALUE) {
				if ((rc = endpoint_rdata(t, e)) < 0)
					return rc;
				rc = dnsp_zone_builder_member_rr(t->b, m, t->ti->ttl, t->rdata,
								 (uint16_t)rc);
			} else {
				uint8_t target[DNSP_NAME_MAX];
				if ((rc = endpoint_target(t, e, target)) < 0)
					return rc;
				rc = dnsp_zone_builder_member_alias(t->b, m, target);
			}
		} else {
			rc = DNSP_ECONFIG;
		}
		if (rc < 0)
			return tpc_err(t, &it->loc, "Rules", rc, "rule \"%s\" item %zu: %s", r->id, i,
				       dnsp_strerror(rc));
	}
	return 0;
}

static int compile_instance(struct tpc *t)
{
	const struct dnsp_tp_document *doc = &t->p->doc;
	uint8_t owner[DNSP_NAME_MAX];
	int rc;

	if (!t->ti->name || name_wire(t->ti->name, owner) < 0)
		return tpc_err(t, &t->ti->loc, "Name", DNSP_ENAME, "bad name");
	if (doc->start_rule >= 0) {
		if ((rc = make_rule(t, (size_t)doc->start_rule, 1)) < 0)
			return rc;
		rc = dnsp_zone_builder_attach_rule(t->b, owner, doc->record_type,
						   t->handles[doc->start_rule]);
	} else if (doc->start_endpoint >= 0) {
		const struct dnsp_tp_endpoint *e = &doc->endpoints[doc->start_endpoint];
		if (e->type == DNSP_TPE_VALUE) {
			if ((rc = endpoint_rdata(t, e)) < 0)
				return rc;
			rc = dnsp_zone_builder_add(t->b, owner, doc->record_type, t->ti->ttl, t->rdata,
						   (uint16_t)rc);
		} else {
			uint8_t target[DNSP_NAME_MAX];
			if ((rc = endpoint_target(t, e, target)) < 0)
				return rc;
			rc = dnsp_zone_builder_add_alias(t->b, owner, doc->record_type, target);
		}
	} else {
		return tpc_err(t, &t->ti->loc, "TrafficPolicyId", DNSP_ECONFIG,
			       "the policy has no start");
	}
	if (rc < 0)
		return tpc_err(t, &t->ti->loc, "Name", rc, "%s: %s", t->ti->name,
			       rc == DNSP_EEXIST ? "the name and type are already routed by "
			       "another record set" : dnsp_strerror(rc));
	return 0;
}

int dnsp_compile_traffic_policies(dnsp_zone_builder_t *b, const struct dnsp_config *cfg,
				  const struct dnsp_cfg_zone *z, const struct dnsp_route_data *route,
				  struct dnsp_errlist *errs)
{
	const struct dnsp_cfg_route *cr = cfg ? cfg->route : NULL;
	uint8_t apex[DNSP_NAME_MAX];
	int added = 0, failed = 0;

	(void)route; /* Traffic Flow has no IP-based rule (SEMANTICS §15) */
	if (!cr || !cr->ninstances)
		return 0;
	if (name_wire(z->name, apex) < 0)
		return DNSP_ENAME;
	for (size_t i = 0; i < cr->ninstances; i++) {
		const struct dnsp_cfg_tp_instance *ti = &cr->instances[i];
		if (!zone_id_is(z, ti->zone_id))
			continue;
		const struct dnsp_cfg_traffic_policy *p =
			dnsp_cfg_traffic_policy_find(cfg, ti->policy_id, ti->policy_version);
		struct tpc t = { .b = b, .ti = ti, .p = p, .apex = apex, .errs = errs,
				 .ti_index = i, .p_index = p ? (size_t)(p - cr->policies) : 0 };
		if (!p || !p->valid) {
			tpc_err(&t, &ti->loc, "TrafficPolicyId", DNSP_ENOTFOUND, "no valid traffic "
				"policy \"%s\" version %d", ti->policy_id ? ti->policy_id : "",
				ti->policy_version);
			failed++;
			continue;
		}
		size_t n = p->doc.nrules;
		t.handles = calloc(n + 1, sizeof(*t.handles));
		t.made = calloc(n + 1, sizeof(*t.made));
		t.rdata = malloc(DNSP_RDATA_MAX);
		int rc = t.handles && t.made && t.rdata ? compile_instance(&t) : -ENOMEM;
		if (rc == -ENOMEM)
			dnsp_errlist_add(errs, ti->loc.file, ti->loc.line, "traffic_policy_instances",
					 "out of memory");
		free(t.handles);
		free(t.made);
		free(t.rdata);
		if (rc < 0)
			failed++;
		else
			added++;
	}
	return failed ? DNSP_ECONFIG : added;
}
