/*
 * Loader and validator of the routing-data sections (see config_route.h):
 * CIDR collections, Traffic Flow policy documents and the instances that
 * bind a policy version to a name in a hosted zone.
 *
 * Traffic policy documents are JSON in AWS, and JSON is YAML, so every form
 * a document can take here (an inline mapping, a JSON string as
 * `aws route53 get-traffic-policy` prints it, a block scalar, a separate
 * DocumentFile) is parsed into the same yamldom tree and checked by one
 * validator, which reports with the document's own lines: the nodes of a
 * string document are shifted to the config lines the string occupies. The
 * validator resolves every EndpointReference/RuleReference to an index in
 * two passes (ids first, bodies second), so the compiler never looks an id
 * up, and rejects reference cycles and nesting deeper than the zone builder
 * accepts. Member names follow the published document format; the two
 * places where AWS writes strings for numbers or booleans in its own
 * examples ("Weight": "10", "EvaluateTargetHealth": "true") accept both.
 */
#include "config_route.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/fileio.h"
#include "../lib/route_data.h"
#include "../lib/wire/name.h"
#include "../lib/wire/rdata.h"
#include "config_health.h"
#include "config_load.h"
#include "yamldom.h"

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static struct dnsp_cfg_route *route_model(struct dnsp_config *c)
{
	if (!c->route)
		c->route = calloc(1, sizeof(*c->route));
	return c->route;
}

/* ------------------------------------------------------------------------ */
/* cidr_collections                                                         */

static void load_cidr_list(struct dnsp_cfg_ld *ld, const ynode *v, const char *path,
			   struct dnsp_cfg_cidr_location *l)
{
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];

	if (!dnsp_cfgld_want_seq(ld, v, path))
		return;
	/* CidrCollectionChange.CidrList holds 1..1000 blocks */
	if (v->n < 1 || v->n > 1000) {
		dnsp_cfgld_err(ld, v->line, path, "expected 1 to 1000 CIDR blocks, got %zu", v->n);
		if (v->n == 0)
			return;
	}
	l->cidrs = calloc(v->n, sizeof(*l->cidrs));
	if (!l->cidrs) {
		dnsp_cfgld_err(ld, v->line, path, "out of memory");
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		struct dnsp_cfg_addr a;
		const char *why;
		dnsp_cfgld_key_index(key, path, i);
		char *text = dnsp_cfgld_str(ld, v->items[i], key, 1, 64);
		if (!text)
			continue;
		if (!strchr(text, '/'))
			why = "expected a CIDR block with a prefix length (such as 198.51.100.0/24)";
		else
			why = dnsp_cfgld_cidr(text, &a);
		if (!why && a.plen == 0)
			why = "a zero-length block is expressed as the default location \"*\" of a "
			      "record's CidrRoutingConfig";
		else if (!why && a.family == 4 && a.plen > 24)
			why = "IPv4 blocks may be /1 to /24";
		else if (!why && a.family == 6 && a.plen > 48)
			why = "IPv6 blocks may be /1 to /48";
		if (why)
			dnsp_cfgld_err(ld, v->items[i]->line, key, "\"%s\": %s",
				       dnsp_cfgld_shows(sh, text), why);
		else
			l->cidrs[l->ncidrs++] = a;
		free(text);
	}
}

static void load_collection(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			    struct dnsp_cfg_cidr_collection *cc)
{
	static const char *const keys[] = { "Id", "Name", "Locations", NULL };
	static const char *const lkeys[] = { "LocationName", "CidrList", NULL };
	char key[DNSP_CFG_KEY_CAP], item[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;

	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Id");
	if ((v = dnsp_cfgld_need(ld, m, path, "Id")) && (cc->id = dnsp_cfgld_str(ld, v, key, 1, 64)) &&
	    !dnsp_cfgld_name_chars(cc->id, 1, 64)) {
		dnsp_cfgld_err(ld, v->line, key, "expected 1-64 of [0-9A-Za-z_-], got \"%s\"",
			       dnsp_cfgld_shows(sh, cc->id));
	}
	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_cfgld_need(ld, m, path, "Name")) &&
	    (cc->name = dnsp_cfgld_str(ld, v, key, 1, 64)) &&
	    !dnsp_cfgld_name_chars(cc->name, 1, 64)) {
		dnsp_cfgld_err(ld, v->line, key, "expected 1-64 of [0-9A-Za-z_-], got \"%s\"",
			       dnsp_cfgld_shows(sh, cc->name));
	}
	dnsp_cfgld_key_join(key, path, "Locations");
	v = dnsp_cfgld_need(ld, m, path, "Locations");
	if (!v || dnsp_yaml_is_null(v) || !dnsp_cfgld_want_seq(ld, v, key))
		return;
	cc->locations = calloc(v->n ? v->n : 1, sizeof(*cc->locations));
	if (!cc->locations) {
		dnsp_cfgld_err(ld, v->line, key, "out of memory");
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const ynode *lm = v->items[i], *x;
		struct dnsp_cfg_cidr_location *l = &cc->locations[cc->nlocations];
		char k2[DNSP_CFG_KEY_CAP];

		dnsp_cfgld_key_index(item, key, i);
		if (!dnsp_cfgld_want_map(ld, lm, item))
			continue;
		cc->nlocations++;
		l->loc.file = ld->file;
		l->loc.line = lm->line;
		dnsp_cfgld_check_keys(ld, lm, item, lkeys);
		dnsp_cfgld_key_join(k2, item, "LocationName");
		if ((x = dnsp_cfgld_need(ld, lm, item, "LocationName")) &&
		    (l->name = dnsp_cfgld_str(ld, x, k2, 1, 16))) {
			if (!dnsp_cfgld_name_chars(l->name, 1, 16))
				dnsp_cfgld_err(ld, x->line, k2, "expected 1-16 of [0-9A-Za-z_-], got "
					       "\"%s\"%s", dnsp_cfgld_shows(sh, l->name),
					       strcmp(l->name, "*") == 0 ? " (\"*\" is the default "
					       "location of a record, not a location of the "
					       "collection)" : "");
			for (size_t j = 0; j + 1 < cc->nlocations; j++)
				if (streq(cc->locations[j].name, l->name))
					dnsp_cfgld_err(ld, x->line, k2, "location \"%s\" is defined "
						       "twice (first at line %d)",
						       dnsp_cfgld_shows(sh, l->name),
						       cc->locations[j].loc.line);
		}
		dnsp_cfgld_key_join(k2, item, "CidrList");
		if ((x = dnsp_cfgld_need(ld, lm, item, "CidrList")))
			load_cidr_list(ld, x, k2, l);
	}
	/* A block belongs to one location of the collection. */
	for (size_t i = 0; i < cc->nlocations; i++) {
		const struct dnsp_cfg_cidr_location *l = &cc->locations[i];
		for (size_t k = 0; k < l->ncidrs; k++) {
			const struct dnsp_cfg_addr *a = &l->cidrs[k];
			bool dup = false;
			for (size_t j = 0; j <= i && !dup; j++) {
				const struct dnsp_cfg_cidr_location *o = &cc->locations[j];
				size_t lim = j == i ? k : o->ncidrs;
				for (size_t q = 0; q < lim && !dup; q++) {
					const struct dnsp_cfg_addr *b = &o->cidrs[q];
					if (a->family != b->family || a->plen != b->plen ||
					    memcmp(a->addr, b->addr, 16) != 0)
						continue;
					dup = true;
					dnsp_cfgld_key_index(item, key, i);
					dnsp_cfgld_key_join(item, item, "CidrList");
					dnsp_cfgld_err(ld, l->loc.line, item, "block %zu is already in "
						       "location \"%s\" (line %d)", k,
						       o->name ? o->name : "?", o->loc.line);
				}
			}
		}
	}
}

static void cidr_load(struct dnsp_cfg_ld *ld, const ynode *v)
{
	char item[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	struct dnsp_cfg_route *r = route_model(ld->c);

	if (!r) {
		dnsp_cfgld_err(ld, v->line, "cidr_collections", "out of memory");
		return;
	}
	if (!(r->collections = dnsp_cfgld_seq_alloc(ld, v, "cidr_collections",
						    sizeof(*r->collections))))
		return;
	/* every item gets a slot, so slot i is item i in messages */
	for (size_t i = 0; i < v->n; i++) {
		struct dnsp_cfg_cidr_collection *cc = &r->collections[r->ncollections++];
		dnsp_cfgld_key_index(item, "cidr_collections", i);
		cc->loc.file = ld->file;
		cc->loc.line = v->items[i]->line;
		if (!dnsp_cfgld_want_map(ld, v->items[i], item))
			continue;
		load_collection(ld, v->items[i], item, cc);
		for (size_t j = 0; j + 1 < r->ncollections; j++) {
			const struct dnsp_cfg_cidr_collection *o = &r->collections[j];
			char key[DNSP_CFG_KEY_CAP];
			if (streq(o->id, cc->id)) {
				dnsp_cfgld_key_join(key, item, "Id");
				dnsp_cfgld_err(ld, cc->loc.line, key, "collection Id \"%s\" is "
					       "defined twice (first at line %d)",
					       dnsp_cfgld_shows(sh, cc->id), o->loc.line);
			}
			if (streq(o->name, cc->name)) {
				dnsp_cfgld_key_join(key, item, "Name");
				dnsp_cfgld_err(ld, cc->loc.line, key, "collection Name \"%s\" is "
					       "used twice (first at line %d)",
					       dnsp_cfgld_shows(sh, cc->name), o->loc.line);
			}
		}
	}
}

const struct dnsp_cfg_cidr_collection *dnsp_cfg_cidr_collection_find(const struct dnsp_config *c,
								     const char *id)
{
	if (!c || !c->route || !id)
		return NULL;
	for (size_t i = 0; i < c->route->ncollections; i++)
		if (streq(c->route->collections[i].id, id))
			return &c->route->collections[i];
	return NULL;
}

int dnsp_cfg_cidr_location_index(const struct dnsp_cfg_cidr_collection *cc, const char *name)
{
	for (size_t i = 0; cc && name && i < cc->nlocations; i++)
		if (streq(cc->locations[i].name, name))
			return (int)i;
	return -1;
}

const char *dnsp_cfg_cidr_routing_problem(const struct dnsp_config *c, const char *collection_id,
					  const char *location_name, char *buf, size_t cap)
{
	char sh[DNSP_CFG_SHOW_CAP], sh2[DNSP_CFG_SHOW_CAP];

	if (!c || !c->route || !collection_id)
		return NULL;
	const struct dnsp_cfg_cidr_collection *cc = dnsp_cfg_cidr_collection_find(c, collection_id);
	if (!cc) {
		snprintf(buf, cap, "CIDR collection \"%s\" is not defined in cidr_collections",
			 dnsp_cfgld_shows(sh, collection_id));
		return buf;
	}
	if (location_name && strcmp(location_name, "*") != 0 &&
	    dnsp_cfg_cidr_location_index(cc, location_name) < 0) {
		snprintf(buf, cap, "CIDR collection \"%s\" has no location \"%s\" (use \"*\" for "
			 "the default)", dnsp_cfgld_shows(sh, collection_id),
			 dnsp_cfgld_shows(sh2, location_name));
		return buf;
	}
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Traffic policy documents                                                 */

static const char *const format_versions[] = { "2015-10-01", "2023-05-09", NULL };
static const char *const rule_types[] = { "failover", "geo", "latency", "geoproximity",
	"multivalue", "weighted", NULL };
static const char *const endpoint_types[] = { "value", "cloudfront", "elastic-load-balancer",
	"s3-website", "application-load-balancer", "network-load-balancer", "elastic-beanstalk",
	NULL };
static const char *const continents[] = { "AF", "AN", "AS", "EU", "OC", "NA", "SA", NULL };
/* Types a traffic policy can create (CreateTrafficPolicy RecordType). */
static const uint16_t policy_types[] = { 1, 28, 257, 5, 15, 35, 12, 99, 33, 16, 43 };

const char *dnsp_tp_rule_type_name(enum dnsp_tp_rule_type t)
{
	return (unsigned)t < 6 ? rule_types[t] : "?";
}

const char *dnsp_tp_endpoint_type_name(enum dnsp_tp_endpoint_type t)
{
	return (unsigned)t < 7 ? endpoint_types[t] : "?";
}

/* Key of a map entry: the scalar text (ids are keys of Endpoints/Rules). */
static const ynode *map_key(const ynode *m, size_t i)
{
	return m->items[2 * i];
}

static const ynode *map_value(const ynode *m, size_t i)
{
	return m->items[2 * i + 1];
}

/* An integer written as a number or as a decimal string ("10"). */
static bool tp_int(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, int64_t lo, int64_t hi,
		   int64_t *out)
{
	if (v->kind == DNSP_YAML_SCALAR && !v->plain && v->len > 0 && v->len < 12) {
		char *end;
		long long x = strtoll(v->str, &end, 10);
		if (!*end && (v->str[0] == '-' || (v->str[0] >= '0' && v->str[0] <= '9'))) {
			if (x < lo || x > hi) {
				dnsp_cfgld_err(ld, v->line, key, "%lld is out of range %lld..%lld", x,
					       (long long)lo, (long long)hi);
				return false;
			}
			*out = x;
			return true;
		}
	}
	return dnsp_cfgld_int(ld, v, key, lo, hi, out);
}

/* A boolean written as true/false or as the string "true"/"false". */
static bool tp_bool(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, bool *out)
{
	if (v->kind == DNSP_YAML_SCALAR && !v->plain) {
		if (strcmp(v->str, "true") == 0 || strcmp(v->str, "false") == 0) {
			*out = v->str[0] == 't';
			return true;
		}
	}
	return dnsp_cfgld_bool(ld, v, key, out);
}

/* Latitude / Longitude of API Coordinates (dnsp_cfgld_coordinate), given
 * as a string or a number. */
static bool tp_coordinate(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, int digits,
			  double limit, double *out)
{
	char sh[DNSP_CFG_SHOW_CAP];

	if (v->kind != DNSP_YAML_SCALAR || dnsp_yaml_is_null(v)) {
		dnsp_cfgld_err(ld, v->line, key, "expected a coordinate, got %s", dnsp_yaml_describe(v));
		return false;
	}
	if (!dnsp_cfgld_coordinate(v->str, digits, limit, out)) {
		dnsp_cfgld_err(ld, v->line, key, "expected %s -%.0f..%.0f with at most 2 decimals, "
			       "got \"%s\"", digits == 2 ? "a latitude" : "a longitude", limit, limit,
			       dnsp_cfgld_show(sh, sizeof(sh), v->str, v->len));
		return false;
	}
	return true;
}

struct tpv {
	struct dnsp_cfg_ld *ld;
	struct dnsp_tp_document *doc;
	const char *file;       /* loc.file of every object */
	bool v2023;             /* AWSPolicyFormatVersion 2023-05-09 */
	bool record_type_ok;
};

static int32_t find_endpoint(const struct dnsp_tp_document *doc, const char *id)
{
	for (size_t i = 0; i < doc->nendpoints; i++)
		if (streq(doc->endpoints[i].id, id))
			return (int32_t)i;
	return -1;
}

static int32_t find_rule(const struct dnsp_tp_document *doc, const char *id)
{
	for (size_t i = 0; i < doc->nrules; i++)
		if (streq(doc->rules[i].id, id))
			return (int32_t)i;
	return -1;
}

static void tp_endpoint(struct tpv *t, const ynode *m, const char *path, struct dnsp_tp_endpoint *e)
{
	static const char *const keys[] = { "Type", "Region", "Value", NULL };
	struct dnsp_cfg_ld *ld = t->ld;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP], tb[16];
	const ynode *v;
	int type = -1;

	if (!dnsp_cfgld_want_map(ld, m, path))
		return;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Type");
	if ((v = dnsp_cfgld_need(ld, m, path, "Type")) &&
	    (type = dnsp_cfgld_enum(ld, v, key, endpoint_types)) >= 0)
		e->type = (enum dnsp_tp_endpoint_type)type;
	dnsp_cfgld_key_join(key, path, "Region");
	if ((v = dnsp_yaml_get(m, "Region")) && (e->region = dnsp_cfgld_str(ld, v, key, 1, 64)) &&
	    dnsp_region_index(e->region) < 0)
		dnsp_cfgld_err(ld, v->line, key, "\"%s\" is not an AWS Region code",
			       dnsp_cfgld_shows(sh, e->region));
	dnsp_cfgld_key_join(key, path, "Value");
	if (!(v = dnsp_cfgld_need(ld, m, path, "Value")) || type < 0)
		return;
	if (type == DNSP_TPE_VALUE) {
		if (!(e->value = dnsp_cfgld_str(ld, v, key, 1, 4000)) || !t->record_type_ok)
			return;
		static const uint8_t root[1] = { 0 };
		uint8_t *buf = malloc(DNSP_RDATA_MAX);
		const char *why = NULL;
		int rc = buf ? dnsp_rdata_from_text(t->doc->record_type, e->value, strlen(e->value),
						    root, buf, DNSP_RDATA_MAX, &why) : -ENOMEM;
		free(buf);
		if (rc < 0)
			dnsp_cfgld_err(ld, v->line, key, "invalid %s value \"%s\": %s",
				       dnsp_rrtype_to_text(t->doc->record_type, tb),
				       dnsp_cfgld_shows(sh, e->value), why ? why : dnsp_strerror(rc));
		return;
	}
	/* AWS resources are reached through an alias record of type A or AAAA
	 * (DG resource-record-sets-choosing-alias-non-alias). */
	e->value = dnsp_cfgld_name(ld, v, key);
	if (t->record_type_ok && t->doc->record_type != 1 && t->doc->record_type != 28)
		dnsp_cfgld_err(ld, v->line, key, "a %s endpoint needs RecordType A or AAAA (got %s)",
			       endpoint_types[type], dnsp_rrtype_to_text(t->doc->record_type, tb));
}

/* EndpointReference | RuleReference of an item. */
static void tp_reference(struct tpv *t, const ynode *m, const char *path, struct dnsp_tp_item *it,
			 bool rules_allowed)
{
	struct dnsp_cfg_ld *ld = t->ld;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *ev = dnsp_yaml_get(m, "EndpointReference");
	const ynode *rv = rules_allowed ? dnsp_yaml_get(m, "RuleReference") : NULL;
	char *id;

	it->endpoint = -1;
	it->rule = -1;
	if (!ev && !rv) {
		dnsp_cfgld_err(ld, m->line, path, rules_allowed ? "needs EndpointReference or "
			       "RuleReference" : "needs EndpointReference");
		return;
	}
	if (ev && rv) {
		dnsp_cfgld_key_join(key, path, "RuleReference");
		dnsp_cfgld_err(ld, rv->line, key, "give EndpointReference or RuleReference, not both");
		return;
	}
	dnsp_cfgld_key_join(key, path, ev ? "EndpointReference" : "RuleReference");
	if (!(id = dnsp_cfgld_str(ld, ev ? ev : rv, key, 1, 0)))
		return;
	if (ev && (it->endpoint = find_endpoint(t->doc, id)) < 0)
		dnsp_cfgld_err(ld, ev->line, key, "no endpoint \"%s\" in Endpoints",
			       dnsp_cfgld_shows(sh, id));
	if (rv && (it->rule = find_rule(t->doc, id)) < 0)
		dnsp_cfgld_err(ld, rv->line, key, "no rule \"%s\" in Rules", dnsp_cfgld_shows(sh, id));
	free(id);
}

static void tp_item(struct tpv *t, const ynode *m, const char *path, enum dnsp_tp_rule_type rt,
		    struct dnsp_tp_item *it)
{
	static const char *const k_failover[] = { "EndpointReference", "RuleReference",
		"EvaluateTargetHealth", "HealthCheck", NULL };
	static const char *const k_geo[] = { "EndpointReference", "RuleReference", "IsDefault",
		"Continent", "Country", "Subdivision", "EvaluateTargetHealth", "HealthCheck", NULL };
	static const char *const k_latency[] = { "EndpointReference", "RuleReference", "Region",
		"EvaluateTargetHealth", "HealthCheck", NULL };
	static const char *const k_prox[] = { "EndpointReference", "RuleReference", "Region",
		"Latitude", "Longitude", "Bias", "EvaluateTargetHealth", "HealthCheck", NULL };
	static const char *const k_multi[] = { "EndpointReference", "HealthCheck", NULL };
	static const char *const k_weighted[] = { "EndpointReference", "RuleReference", "Weight",
		"EvaluateTargetHealth", "HealthCheck", NULL };
	static const char *const *const keys[] = { k_failover, k_geo, k_latency, k_prox, k_multi,
		k_weighted };
	struct dnsp_cfg_ld *ld = t->ld;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;
	int64_t x;

	it->loc.file = t->file;
	it->loc.line = m ? m->line : 0;
	it->endpoint = it->rule = -1;
	it->region = -1;
	it->evaluate_target_health = true;
	if (!dnsp_cfgld_want_map(ld, m, path))
		return;
	dnsp_cfgld_check_keys(ld, m, path, keys[rt]);
	tp_reference(t, m, path, it, rt != DNSP_TPR_MULTIVALUE);
	if (rt == DNSP_TPR_MULTIVALUE && it->endpoint >= 0 &&
	    t->doc->endpoints[it->endpoint].type != DNSP_TPE_VALUE)
		dnsp_cfgld_err(ld, m->line, path, "multivalue items must reference endpoints of "
			       "Type value (a multivalue answer cannot be an alias)");
	dnsp_cfgld_key_join(key, path, "EvaluateTargetHealth");
	if ((v = dnsp_yaml_get(m, "EvaluateTargetHealth")) && rt != DNSP_TPR_MULTIVALUE)
		tp_bool(ld, v, key, &it->evaluate_target_health);
	dnsp_cfgld_key_join(key, path, "HealthCheck");
	if ((v = dnsp_yaml_get(m, "HealthCheck")))
		it->health_check = dnsp_cfgld_str(ld, v, key, 1, 64);

	switch (rt) {
	case DNSP_TPR_GEO: {
		const ynode *def = dnsp_yaml_get(m, "IsDefault");
		const ynode *cont = dnsp_yaml_get(m, "Continent");
		const ynode *country = dnsp_yaml_get(m, "Country");
		const ynode *sub = dnsp_yaml_get(m, "Subdivision");
		char *s;
		dnsp_cfgld_key_join(key, path, "IsDefault");
		if (def)
			tp_bool(ld, def, key, &it->is_default);
		if (it->is_default && (cont || country || sub)) {
			dnsp_cfgld_err(ld, m->line, path, "IsDefault cannot be combined with "
				       "Continent, Country or Subdivision");
			break;
		}
		if (!it->is_default && !cont && !country) {
			dnsp_cfgld_err(ld, m->line, path, "needs Continent, Country (with an optional "
				       "Subdivision) or IsDefault: true");
			break;
		}
		if (cont && (country || sub)) {
			dnsp_cfgld_key_join(key, path, "Continent");
			dnsp_cfgld_err(ld, cont->line, key, "cannot be combined with Country or "
				       "Subdivision");
			break;
		}
		dnsp_cfgld_key_join(key, path, "Continent");
		int ci;
		if (cont && (ci = dnsp_cfgld_enum(ld, cont, key, continents)) >= 0)
			memcpy(it->continent, continents[ci], 3);
		dnsp_cfgld_key_join(key, path, "Country");
		if (country && (s = dnsp_cfgld_str(ld, country, key, 1, 2))) {
			if (dnsp_cfgld_upper_code(s, 2, 2, false))
				memcpy(it->country, s, 3);
			else
				dnsp_cfgld_err(ld, country->line, key, "expected a two-letter ISO 3166 "
					       "country code, got \"%s\"", dnsp_cfgld_shows(sh, s));
			free(s);
		}
		dnsp_cfgld_key_join(key, path, "Subdivision");
		if (sub && (s = dnsp_cfgld_str(ld, sub, key, 1, 3))) {
			if (!dnsp_cfgld_upper_code(s, 1, 3, true))
				dnsp_cfgld_err(ld, sub->line, key, "expected a subdivision code such "
					       "as WA, got \"%s\"", dnsp_cfgld_shows(sh, s));
			else if (!country || strcmp(it->country, "US") != 0)
				dnsp_cfgld_err(ld, sub->line, key, "requires Country: US");
			else
				memcpy(it->subdivision, s, strlen(s) + 1);
			free(s);
		}
		break;
	}
	case DNSP_TPR_LATENCY: {
		char *s;
		dnsp_cfgld_key_join(key, path, "Region");
		if ((v = dnsp_cfgld_need(ld, m, path, "Region")) &&
		    (s = dnsp_cfgld_str(ld, v, key, 1, 64))) {
			it->region = (int16_t)dnsp_region_index(s);
			if (it->region < 0)
				dnsp_cfgld_err(ld, v->line, key, "\"%s\" is not an AWS Region code",
					       dnsp_cfgld_shows(sh, s));
			free(s);
		}
		break;
	}
	case DNSP_TPR_GEOPROXIMITY: {
		const ynode *reg = dnsp_yaml_get(m, "Region");
		const ynode *lat = dnsp_yaml_get(m, "Latitude"), *lon = dnsp_yaml_get(m, "Longitude");
		char *s;
		if (!!reg + !!(lat || lon) != 1) {
			dnsp_cfgld_err(ld, m->line, path, "needs exactly one of Region or Latitude "
				       "and Longitude");
		} else if (reg) {
			dnsp_cfgld_key_join(key, path, "Region");
			if ((s = dnsp_cfgld_str(ld, reg, key, 1, 64))) {
				it->region = (int16_t)dnsp_region_index(s);
				if (it->region >= 0) {
					free(s);
				} else if (dnsp_local_zone_group_coords(s, NULL, NULL) == 0) {
					if (!t->v2023)
						dnsp_cfgld_err(ld, reg->line, key, "Local Zone group "
							       "\"%s\" needs AWSPolicyFormatVersion "
							       "2023-05-09", dnsp_cfgld_shows(sh, s));
					it->local_zone_group = s;
				} else {
					dnsp_cfgld_err(ld, reg->line, key, "\"%s\" is not an AWS "
						       "Region code or Local Zone group",
						       dnsp_cfgld_shows(sh, s));
					free(s);
				}
			}
		} else if (!lat || !lon) {
			dnsp_cfgld_err(ld, m->line, path, "Latitude and Longitude go together");
		} else {
			bool ok;
			dnsp_cfgld_key_join(key, path, "Latitude");
			ok = tp_coordinate(ld, lat, key, 2, 90.0, &it->lat);
			dnsp_cfgld_key_join(key, path, "Longitude");
			ok = tp_coordinate(ld, lon, key, 3, 180.0, &it->lon) && ok;
			it->has_coordinates = ok;
		}
		dnsp_cfgld_key_join(key, path, "Bias");
		if ((v = dnsp_yaml_get(m, "Bias")) && tp_int(ld, v, key, -99, 99, &x))
			it->bias = (int)x;
		break;
	}
	case DNSP_TPR_WEIGHTED:
		dnsp_cfgld_key_join(key, path, "Weight");
		if ((v = dnsp_cfgld_need(ld, m, path, "Weight")) && tp_int(ld, v, key, 0, 255, &x))
			it->weight = (int)x;
		break;
	default:
		break;
	}
}

/* Duplicates that make a rule ambiguous: two sets for one location. */
static void tp_rule_duplicates(struct tpv *t, const struct dnsp_tp_rule *r, const char *list_key)
{
	char key[DNSP_CFG_KEY_CAP];

	for (size_t i = 1; i < r->nitems; i++) {
		const struct dnsp_tp_item *a = &r->items[i];
		for (size_t j = 0; j < i; j++) {
			const struct dnsp_tp_item *b = &r->items[j];
			const char *what = NULL;
			if (r->type == DNSP_TPR_GEO && a->is_default && b->is_default)
				what = "a second default location";
			else if (r->type == DNSP_TPR_GEO && !a->is_default && !b->is_default &&
				 !strcmp(a->continent, b->continent) && !strcmp(a->country, b->country) &&
				 !strcmp(a->subdivision, b->subdivision) &&
				 (a->continent[0] || a->country[0]))
				what = "a second item for the same location";
			else if ((r->type == DNSP_TPR_LATENCY || r->type == DNSP_TPR_GEOPROXIMITY) &&
				 a->region >= 0 && a->region == b->region)
				what = "a second item for the same Region";
			else if (r->type == DNSP_TPR_GEOPROXIMITY && a->local_zone_group &&
				 streq(a->local_zone_group, b->local_zone_group))
				what = "a second item for the same Local Zone group";
			if (!what)
				continue;
			dnsp_cfgld_key_index(key, list_key, i);
			dnsp_cfgld_err(t->ld, a->loc.line, key, "%s (first at line %d)", what,
				       b->loc.line);
			break;
		}
	}
}

static void tp_rule(struct tpv *t, const ynode *m, const char *path, struct dnsp_tp_rule *r)
{
	static const char *const k_failover[] = { "RuleType", "Primary", "Secondary", NULL };
	static const char *const k_geo[] = { "RuleType", "Locations", NULL };
	static const char *const k_latency[] = { "RuleType", "Regions", NULL };
	static const char *const k_prox[] = { "RuleType", "GeoproximityLocations", NULL };
	static const char *const k_items[] = { "RuleType", "Items", NULL };
	static const char *const *const keys[] = { k_failover, k_geo, k_latency, k_prox, k_items,
		k_items };
	static const char *const lists[] = { NULL, "Locations", "Regions", "GeoproximityLocations",
		"Items", "Items" };
	struct dnsp_cfg_ld *ld = t->ld;
	char key[DNSP_CFG_KEY_CAP], item[DNSP_CFG_KEY_CAP];
	const ynode *v;
	int rt;

	if (!dnsp_cfgld_want_map(ld, m, path))
		return;
	dnsp_cfgld_key_join(key, path, "RuleType");
	if (!(v = dnsp_cfgld_need(ld, m, path, "RuleType")) ||
	    (rt = dnsp_cfgld_enum(ld, v, key, rule_types)) < 0)
		return;
	r->type = (enum dnsp_tp_rule_type)rt;
	dnsp_cfgld_check_keys(ld, m, path, keys[rt]);
	if (r->type == DNSP_TPR_FAILOVER) {
		r->items = calloc(2, sizeof(*r->items));
		if (!r->items) {
			dnsp_cfgld_err(ld, m->line, path, "out of memory");
			return;
		}
		r->nitems = 2;
		for (int i = 0; i < 2; i++) {
			const char *name = i ? "Secondary" : "Primary";
			dnsp_cfgld_key_join(key, path, name);
			r->items[i].endpoint = r->items[i].rule = r->items[i].region = -1;
			r->items[i].loc.file = t->file;
			r->items[i].loc.line = m->line;
			if ((v = dnsp_cfgld_need(ld, m, path, name)))
				tp_item(t, v, key, r->type, &r->items[i]);
		}
		return;
	}
	dnsp_cfgld_key_join(key, path, lists[rt]);
	if (!(v = dnsp_cfgld_need(ld, m, path, lists[rt])) || !dnsp_cfgld_want_seq(ld, v, key))
		return;
	if (v->n == 0 || v->n > DNSP_TP_MAX_ITEMS) {
		dnsp_cfgld_err(ld, v->line, key, "expected 1 to %d items, got %zu", DNSP_TP_MAX_ITEMS,
			       v->n);
		return;
	}
	r->items = calloc(v->n, sizeof(*r->items));
	if (!r->items) {
		dnsp_cfgld_err(ld, v->line, key, "out of memory");
		return;
	}
	r->nitems = v->n;
	for (size_t i = 0; i < v->n; i++) {
		dnsp_cfgld_key_index(item, key, i);
		tp_item(t, v->items[i], item, r->type, &r->items[i]);
	}
	tp_rule_duplicates(t, r, key);
}

/*
 * Cycle and depth check: depth[r] = 1 + the deepest rule r references. An
 * iterative post-order walk (rules may be many; recursion is bounded anyway
 * by reporting at DNSP_TP_MAX_DEPTH + 1, but a flat loop is simpler to
 * trust). state: 0 new, 1 on the path, 2 done.
 */
static void tp_check_graph(struct tpv *t, const char *rules_key)
{
	struct dnsp_tp_document *doc = t->doc;
	size_t n = doc->nrules;
	uint8_t *state = calloc(n ? n : 1, 1);
	int *depth = calloc(n ? n : 1, sizeof(*depth));
	struct frame {
		size_t rule, next;
	} *stack = calloc(n ? n : 1, sizeof(*stack));
	char key[DNSP_CFG_KEY_CAP];
	bool cycle_reported = false;

	if (!state || !depth || !stack) {
		dnsp_cfgld_err(t->ld, 0, rules_key, "out of memory");
		goto out;
	}
	for (size_t s = 0; s < n; s++) {
		size_t top = 0;
		if (state[s])
			continue;
		stack[top].rule = s;
		stack[top].next = 0;
		top++;
		state[s] = 1;
		while (top) {
			struct frame *f = &stack[top - 1];
			const struct dnsp_tp_rule *r = &doc->rules[f->rule];
			if (f->next < r->nitems) {
				const struct dnsp_tp_item *it = &r->items[f->next++];
				if (it->rule < 0)
					continue;
				size_t c = (size_t)it->rule;
				if (state[c] == 1) {
					if (!cycle_reported) {
						dnsp_cfgld_key_join(key, rules_key, r->id ? r->id : "?");
						dnsp_cfgld_err(t->ld, it->loc.line, key, "RuleReference "
							       "\"%s\" makes a cycle (rules cannot refer "
							       "back to themselves)",
							       doc->rules[c].id ? doc->rules[c].id : "?");
						cycle_reported = true;
					}
					continue;
				}
				if (state[c] == 0) {
					state[c] = 1;
					stack[top].rule = c;
					stack[top].next = 0;
					top++;
				}
				continue;
			}
			/* all children done */
			int d = 0;
			for (size_t i = 0; i < r->nitems; i++)
				if (r->items[i].rule >= 0 && state[r->items[i].rule] == 2 &&
				    depth[r->items[i].rule] > d)
					d = depth[r->items[i].rule];
			depth[f->rule] = d + 1;
			state[f->rule] = 2;
			top--;
		}
	}
	for (size_t i = 0; i < n && !cycle_reported; i++) {
		if (depth[i] <= DNSP_TP_MAX_DEPTH)
			continue;
		dnsp_cfgld_key_join(key, rules_key, doc->rules[i].id ? doc->rules[i].id : "?");
		dnsp_cfgld_err(t->ld, doc->rules[i].loc.line, key, "rules nest %d deep from here; "
			       "at most %d levels are allowed", depth[i], DNSP_TP_MAX_DEPTH);
		break;
	}
out:
	free(state);
	free(depth);
	free(stack);
}

/* Validates the document tree root into doc; problems go through ld. */
static void tp_validate(struct dnsp_cfg_ld *ld, const ynode *root, const char *path,
			const char *file, struct dnsp_tp_document *doc)
{
	static const char *const keys[] = { "AWSPolicyFormatVersion", "RecordType", "StartRule",
		"StartEndpoint", "Endpoints", "Rules", NULL };
	struct tpv t = { .ld = ld, .doc = doc, .file = file };
	char key[DNSP_CFG_KEY_CAP], sub[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v, *eps, *rules;
	int i;

	doc->start_rule = doc->start_endpoint = -1;
	if (!dnsp_cfgld_want_map(ld, root, path))
		return;
	dnsp_cfgld_check_keys(ld, root, path, keys);
	dnsp_cfgld_key_join(key, path, "AWSPolicyFormatVersion");
	if ((v = dnsp_cfgld_need(ld, root, path, "AWSPolicyFormatVersion")) &&
	    (i = dnsp_cfgld_enum(ld, v, key, format_versions)) >= 0) {
		doc->format_version = strdup(format_versions[i]);
		t.v2023 = i == 1;
	}
	dnsp_cfgld_key_join(key, path, "RecordType");
	char *s;
	if ((v = dnsp_cfgld_need(ld, root, path, "RecordType")) &&
	    (s = dnsp_cfgld_str(ld, v, key, 1, 16))) {
		int type = dnsp_rrtype_from_text(s, strlen(s));
		for (size_t k = 0; type > 0 && k < sizeof(policy_types) / sizeof(policy_types[0]); k++)
			if (policy_types[k] == type)
				t.record_type_ok = true;
		if (t.record_type_ok)
			doc->record_type = (uint16_t)type;
		else
			dnsp_cfgld_err(ld, v->line, key, "expected one of A, AAAA, CAA, CNAME, MX, "
				       "NAPTR, PTR, SPF, SRV, TXT, DS, got \"%s\"",
				       dnsp_cfgld_shows(sh, s));
		free(s);
	}

	/* Pass 1: ids, so that references resolve in any order. */
	dnsp_cfgld_key_join(key, path, "Endpoints");
	eps = dnsp_yaml_get(root, "Endpoints");
	if (eps && !dnsp_yaml_is_null(eps) && dnsp_cfgld_want_map(ld, eps, key) && eps->n) {
		doc->endpoints = calloc(eps->n, sizeof(*doc->endpoints));
		for (size_t k = 0; doc->endpoints && k < eps->n; k++) {
			struct dnsp_tp_endpoint *e = &doc->endpoints[doc->nendpoints++];
			e->id = strdup(map_key(eps, k)->str ? map_key(eps, k)->str : "");
			e->loc.file = file;
			e->loc.line = map_key(eps, k)->line;
		}
	}
	char rules_key[DNSP_CFG_KEY_CAP];
	dnsp_cfgld_key_join(rules_key, path, "Rules");
	rules = dnsp_yaml_get(root, "Rules");
	if (rules && !dnsp_yaml_is_null(rules) && dnsp_cfgld_want_map(ld, rules, rules_key) &&
	    rules->n) {
		doc->rules = calloc(rules->n, sizeof(*doc->rules));
		for (size_t k = 0; doc->rules && k < rules->n; k++) {
			struct dnsp_tp_rule *r = &doc->rules[doc->nrules++];
			r->id = strdup(map_key(rules, k)->str ? map_key(rules, k)->str : "");
			r->loc.file = file;
			r->loc.line = map_key(rules, k)->line;
		}
	}
	if ((eps && eps->kind == DNSP_YAML_MAP && eps->n && !doc->endpoints) ||
	    (rules && rules->kind == DNSP_YAML_MAP && rules->n && !doc->rules)) {
		dnsp_cfgld_err(ld, root->line, path, "out of memory");
		return;
	}
	for (size_t k = 0; k < doc->nendpoints; k++) {
		if (!doc->endpoints[k].id || !doc->endpoints[k].id[0])
			dnsp_cfgld_err(ld, doc->endpoints[k].loc.line, key, "an endpoint id must not "
				       "be empty");
		dnsp_cfgld_key_join(sub, key, doc->endpoints[k].id ? doc->endpoints[k].id : "?");
		tp_endpoint(&t, map_value(eps, k), sub, &doc->endpoints[k]);
	}
	for (size_t k = 0; k < doc->nrules; k++) {
		if (!doc->rules[k].id || !doc->rules[k].id[0])
			dnsp_cfgld_err(ld, doc->rules[k].loc.line, rules_key, "a rule id must not be "
				       "empty");
		if (find_endpoint(doc, doc->rules[k].id) >= 0)
			dnsp_cfgld_err(ld, doc->rules[k].loc.line, rules_key, "\"%s\" is both an "
				       "endpoint and a rule id", dnsp_cfgld_shows(sh, doc->rules[k].id));
		dnsp_cfgld_key_join(sub, rules_key, doc->rules[k].id ? doc->rules[k].id : "?");
		tp_rule(&t, map_value(rules, k), sub, &doc->rules[k]);
	}

	/* Where the policy starts. */
	const ynode *sr = dnsp_yaml_get(root, "StartRule");
	const ynode *se = dnsp_yaml_get(root, "StartEndpoint");
	if (!!sr + !!se != 1) {
		dnsp_cfgld_err(ld, root->line, path, "needs exactly one of StartRule or StartEndpoint");
	} else if (sr) {
		dnsp_cfgld_key_join(key, path, "StartRule");
		if ((s = dnsp_cfgld_str(ld, sr, key, 1, 0))) {
			if ((doc->start_rule = find_rule(doc, s)) < 0)
				dnsp_cfgld_err(ld, sr->line, key, "no rule \"%s\" in Rules",
					       dnsp_cfgld_shows(sh, s));
			free(s);
		}
	} else {
		dnsp_cfgld_key_join(key, path, "StartEndpoint");
		if ((s = dnsp_cfgld_str(ld, se, key, 1, 0))) {
			if ((doc->start_endpoint = find_endpoint(doc, s)) < 0)
				dnsp_cfgld_err(ld, se->line, key, "no endpoint \"%s\" in Endpoints",
					       dnsp_cfgld_shows(sh, s));
			free(s);
		}
	}
	tp_check_graph(&t, rules_key);
}

void dnsp_tp_document_fini(struct dnsp_tp_document *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->nendpoints; i++) {
		free(doc->endpoints[i].id);
		free(doc->endpoints[i].region);
		free(doc->endpoints[i].value);
	}
	free(doc->endpoints);
	for (size_t i = 0; i < doc->nrules; i++) {
		struct dnsp_tp_rule *r = &doc->rules[i];
		for (size_t k = 0; k < r->nitems; k++) {
			free(r->items[k].health_check);
			free(r->items[k].local_zone_group);
		}
		free(r->items);
		free(r->id);
	}
	free(doc->rules);
	free(doc->format_version);
	free(doc->file);
	memset(doc, 0, sizeof(*doc));
	doc->start_rule = doc->start_endpoint = -1;
}

/* Moves every node of a tree down by offset lines (a document held in a
 * string starts on a later line of the config). */
static void shift_lines(struct dnsp_yaml_node *n, int offset, int depth)
{
	if (!n || depth > DNSP_YAML_MAX_DEPTH + 1)
		return;
	n->line += offset;
	size_t items = n->kind == DNSP_YAML_MAP ? 2 * n->n : n->kind == DNSP_YAML_SEQ ? n->n : 0;
	for (size_t i = 0; i < items; i++)
		shift_lines(n->items[i], offset, depth + 1);
}

struct yerr_ctx {
	struct dnsp_cfg_ld *ld;
	const char *key;
	int offset;
	int last;   /* last line of the text: libyaml reports the end of input
		       one line further when the text has no final newline */
};

static void yaml_problem(void *ctx, int line, const char *msg)
{
	struct yerr_ctx *y = ctx;

	dnsp_cfgld_err(y->ld, (line > y->last ? y->last : line) + y->offset, y->key, "%s", msg);
}

/* Parses text as a document and validates it. Returns true when clean. */
static bool tp_parse_text(struct dnsp_cfg_ld *ld, const char *text, size_t len, int offset,
			  const char *path, const char *file, struct dnsp_tp_document *doc)
{
	struct dnsp_yaml_doc y;
	struct yerr_ctx ctx = { ld, path, offset, 1 };
	int before = ld->nerr;

	for (size_t i = 0; i + 1 < len; i++)
		if (text[i] == '\n')
			ctx.last++;

	memset(&y, 0, sizeof(y));
	int rc = dnsp_yaml_parse(text, len, &y, yaml_problem, &ctx);
	if (rc < 0)
		dnsp_cfgld_err(ld, offset + 1, path, "out of memory");
	else if (rc == 0 && !y.root)
		dnsp_cfgld_err(ld, offset + 1, path, "the document is empty");
	else if (rc == 0) {
		shift_lines(y.root, offset, 0);
		tp_validate(ld, y.root, path, file, doc);
	}
	dnsp_yaml_free(&y);
	return ld->nerr == before;
}

int dnsp_tp_document_parse(const char *text, size_t len, const char *file,
			   const char *key_prefix, struct dnsp_tp_document *doc,
			   struct dnsp_errlist *errs)
{
	struct dnsp_config dummy;
	struct dnsp_cfg_ld ld;

	memset(doc, 0, sizeof(*doc));
	memset(&dummy, 0, sizeof(dummy));
	doc->file = strdup(file ? file : "<document>");
	if (!doc->file)
		return -ENOMEM;
	ld.c = &dummy;
	ld.errs = errs;
	ld.file = doc->file;
	ld.nerr = 0;
	if (len > DNSP_TP_DOCUMENT_MAX) {
		dnsp_cfgld_err(&ld, 1, key_prefix, "longer than %d characters", DNSP_TP_DOCUMENT_MAX);
		dnsp_tp_document_fini(doc);
		return DNSP_ECONFIG;
	}
	if (!tp_parse_text(&ld, text, len, 0, key_prefix, doc->file, doc)) {
		dnsp_tp_document_fini(doc);
		return DNSP_ECONFIG;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* traffic_policies                                                         */

static void load_policy(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			struct dnsp_cfg_traffic_policy *p)
{
	static const char *const keys[] = { "Id", "Version", "Name", "Type", "Comment", "Document",
		"DocumentFile", NULL };
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v, *doc, *docfile;
	int64_t x;
	int before = ld->nerr;

	p->version = 1;
	p->doc.start_rule = p->doc.start_endpoint = -1;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Id");
	if ((v = dnsp_cfgld_need(ld, m, path, "Id")))
		p->id = dnsp_cfgld_str(ld, v, key, 1, 36);
	dnsp_cfgld_key_join(key, path, "Version");
	if ((v = dnsp_yaml_get(m, "Version")) && dnsp_cfgld_int(ld, v, key, 1, 1000, &x))
		p->version = (int)x;
	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_cfgld_need(ld, m, path, "Name")))
		p->name = dnsp_cfgld_str(ld, v, key, 1, 512);
	dnsp_cfgld_key_join(key, path, "Comment");
	if ((v = dnsp_yaml_get(m, "Comment")))
		p->comment = dnsp_cfgld_str(ld, v, key, 0, 1024);

	doc = dnsp_yaml_get(m, "Document");
	docfile = dnsp_yaml_get(m, "DocumentFile");
	dnsp_cfgld_key_join(key, path, "Document");
	if (!!doc + !!docfile != 1) {
		dnsp_cfgld_err(ld, m->line, key, "needs exactly one of Document (the traffic policy "
			       "document) or DocumentFile (a path to it)");
	} else if (doc && doc->kind == DNSP_YAML_MAP) {
		tp_validate(ld, doc, key, ld->file, &p->doc);
	} else if (doc) {
		char *text = dnsp_cfgld_str(ld, doc, key, 1, DNSP_TP_DOCUMENT_MAX);
		if (text) {
			/* A block scalar's text starts on the line after its
			 * indicator; a one-line string on the key's own line. */
			int offset = strchr(text, '\n') && !doc->plain ? doc->line : doc->line - 1;
			p->document_text = text;
			tp_parse_text(ld, text, strlen(text), offset, key, ld->file, &p->doc);
		}
	} else {
		char fkey[DNSP_CFG_KEY_CAP];
		dnsp_cfgld_key_join(fkey, path, "DocumentFile");
		char *file = dnsp_cfgld_path(ld, docfile, fkey);
		struct dnsp_file df = { 0 };
		/* a FIFO, device or directory is refused without blocking */
		int rc = file ? dnsp_file_read(file, DNSP_TP_DOCUMENT_MAX, &df) : 0;
		size_t len = df.len;
		char *text = df.text;
		if (file && rc == -EFBIG) {
			dnsp_cfgld_err(ld, docfile->line, fkey, "%s is longer than %d characters",
				       dnsp_cfgld_shows(sh, file), DNSP_TP_DOCUMENT_MAX);
			free(file);
		} else if (file && rc < 0) {
			dnsp_cfgld_err(ld, docfile->line, fkey, "cannot read %s: %s",
				       dnsp_cfgld_shows(sh, file), dnsp_file_strerror(rc, df.st.st_mode));
			free(file);
		} else if (text) {
			/* Problems inside name the document file and its lines. */
			struct dnsp_cfg_ld sub = *ld;
			p->doc.file = file;
			p->document_text = text;
			sub.file = file;
			tp_parse_text(&sub, text, len, 0, key, file, &p->doc);
			ld->nerr = sub.nerr;
		}
	}
	dnsp_cfgld_key_join(key, path, "Type");
	if ((v = dnsp_yaml_get(m, "Type"))) {
		char *t = dnsp_cfgld_str(ld, v, key, 1, 16), tb[16];
		if (t && p->doc.record_type && dnsp_rrtype_from_text(t, strlen(t)) != p->doc.record_type)
			dnsp_cfgld_err(ld, v->line, key, "\"%s\" differs from the document's "
				       "RecordType %s", dnsp_cfgld_shows(sh, t),
				       dnsp_rrtype_to_text(p->doc.record_type, tb));
		free(t);
	}
	p->valid = ld->nerr == before;
}

static void tp_load(struct dnsp_cfg_ld *ld, const ynode *v)
{
	char item[DNSP_CFG_KEY_CAP], key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	struct dnsp_cfg_route *r = route_model(ld->c);

	if (!r) {
		dnsp_cfgld_err(ld, v->line, "traffic_policies", "out of memory");
		return;
	}
	if (!(r->policies = dnsp_cfgld_seq_alloc(ld, v, "traffic_policies", sizeof(*r->policies))))
		return;
	/* every item gets a slot, so slot i is item i in messages */
	for (size_t i = 0; i < v->n; i++) {
		struct dnsp_cfg_traffic_policy *p = &r->policies[r->npolicies++];
		dnsp_cfgld_key_index(item, "traffic_policies", i);
		p->loc.file = ld->file;
		p->loc.line = v->items[i]->line;
		if (!dnsp_cfgld_want_map(ld, v->items[i], item))
			continue;
		load_policy(ld, v->items[i], item, p);
		for (size_t j = 0; j + 1 < r->npolicies; j++) {
			const struct dnsp_cfg_traffic_policy *o = &r->policies[j];
			if (!streq(o->id, p->id) || o->version != p->version)
				continue;
			dnsp_cfgld_key_join(key, item, "Version");
			dnsp_cfgld_err(ld, p->loc.line, key, "traffic policy \"%s\" version %d is "
				       "defined twice (first at line %d)", dnsp_cfgld_shows(sh, p->id),
				       p->version, o->loc.line);
		}
	}
}

const struct dnsp_cfg_traffic_policy *dnsp_cfg_traffic_policy_find(const struct dnsp_config *c,
								   const char *id, int version)
{
	if (!c || !c->route || !id)
		return NULL;
	for (size_t i = 0; i < c->route->npolicies; i++)
		if (streq(c->route->policies[i].id, id) && c->route->policies[i].version == version)
			return &c->route->policies[i];
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* traffic_policy_instances                                                 */

static void load_instance(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			  struct dnsp_cfg_tp_instance *ti)
{
	static const char *const keys[] = { "Id", "HostedZoneId", "Name", "TTL", "TrafficPolicyId",
		"TrafficPolicyVersion", NULL };
	char key[DNSP_CFG_KEY_CAP];
	const ynode *v;
	int64_t x;

	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Id");
	if ((v = dnsp_cfgld_need(ld, m, path, "Id")))
		ti->id = dnsp_cfgld_str(ld, v, key, 1, 36);
	dnsp_cfgld_key_join(key, path, "HostedZoneId");
	if ((v = dnsp_cfgld_need(ld, m, path, "HostedZoneId")))
		ti->zone_id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_cfgld_need(ld, m, path, "Name")))
		ti->name = dnsp_cfgld_name(ld, v, key);
	dnsp_cfgld_key_join(key, path, "TTL");
	if ((v = dnsp_cfgld_need(ld, m, path, "TTL")) &&
	    dnsp_cfgld_int(ld, v, key, 0, 2147483647, &x))
		ti->ttl = (uint32_t)x;
	dnsp_cfgld_key_join(key, path, "TrafficPolicyId");
	if ((v = dnsp_cfgld_need(ld, m, path, "TrafficPolicyId")))
		ti->policy_id = dnsp_cfgld_str(ld, v, key, 1, 36);
	dnsp_cfgld_key_join(key, path, "TrafficPolicyVersion");
	if ((v = dnsp_cfgld_need(ld, m, path, "TrafficPolicyVersion")) &&
	    dnsp_cfgld_int(ld, v, key, 1, 1000, &x))
		ti->policy_version = (int)x;
}

static void tpi_load(struct dnsp_cfg_ld *ld, const ynode *v)
{
	char item[DNSP_CFG_KEY_CAP], key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	struct dnsp_cfg_route *r = route_model(ld->c);

	if (!r) {
		dnsp_cfgld_err(ld, v->line, "traffic_policy_instances", "out of memory");
		return;
	}
	if (!(r->instances = dnsp_cfgld_seq_alloc(ld, v, "traffic_policy_instances",
						  sizeof(*r->instances))))
		return;
	/* every item gets a slot, so slot i is item i in messages */
	for (size_t i = 0; i < v->n; i++) {
		struct dnsp_cfg_tp_instance *ti = &r->instances[r->ninstances++];
		dnsp_cfgld_key_index(item, "traffic_policy_instances", i);
		ti->loc.file = ld->file;
		ti->loc.line = v->items[i]->line;
		if (!dnsp_cfgld_want_map(ld, v->items[i], item))
			continue;
		load_instance(ld, v->items[i], item, ti);
		for (size_t j = 0; j + 1 < r->ninstances; j++)
			if (streq(r->instances[j].id, ti->id)) {
				dnsp_cfgld_key_join(key, item, "Id");
				dnsp_cfgld_err(ld, ti->loc.line, key, "instance Id \"%s\" is defined "
					       "twice (first at line %d)", dnsp_cfgld_shows(sh, ti->id),
					       r->instances[j].loc.line);
			}
	}
}

/* ------------------------------------------------------------------------ */
/* Cross-checks (after every section is loaded)                             */

static int name_wire(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	if (!text)
		return DNSP_ENAME;
	return dnsp_name_from_text(text, strlen(text), (const uint8_t *)"", out);
}

static void check_instances(struct dnsp_cfg_ld *ld)
{
	struct dnsp_config *c = ld->c;
	struct dnsp_cfg_route *r = c->route;
	char key[DNSP_CFG_KEY_CAP], base[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP], tb[16];

	for (size_t i = 0; i < r->ninstances; i++) {
		const struct dnsp_cfg_tp_instance *ti = &r->instances[i];
		uint8_t owner[DNSP_NAME_MAX], apex[DNSP_NAME_MAX], other[DNSP_NAME_MAX];
		dnsp_cfgld_key_index(base, "traffic_policy_instances", i);
		const struct dnsp_cfg_zone *z = ti->zone_id ? dnsp_config_zone_by_id(c, ti->zone_id)
							    : NULL;
		const struct dnsp_cfg_traffic_policy *p =
			ti->policy_id ? dnsp_cfg_traffic_policy_find(c, ti->policy_id,
								     ti->policy_version) : NULL;
		if (ti->zone_id && !z) {
			dnsp_cfgld_key_join(key, base, "HostedZoneId");
			dnsp_cfgld_err(ld, ti->loc.line, key, "hosted zone \"%s\" is not defined",
				       dnsp_cfgld_shows(sh, ti->zone_id));
		}
		if (ti->policy_id && ti->policy_version && !p) {
			dnsp_cfgld_key_join(key, base, "TrafficPolicyVersion");
			dnsp_cfgld_err(ld, ti->loc.line, key, "traffic policy \"%s\" version %d is "
				       "not defined in traffic_policies",
				       dnsp_cfgld_shows(sh, ti->policy_id), ti->policy_version);
		}
		if (!z || !z->name || !ti->name || name_wire(ti->name, owner) < 0 ||
		    name_wire(z->name, apex) < 0)
			continue;
		dnsp_cfgld_key_join(key, base, "Name");
		if (!dnsp_name_in(owner, apex)) {
			dnsp_cfgld_err(ld, ti->loc.line, key, "%s is not in zone %s",
				       dnsp_cfgld_shows(sh, ti->name), z->name);
			continue;
		}
		if (!p || !p->valid)
			continue;
		uint16_t type = p->doc.record_type;
		if (type == 5 && dnsp_name_equal(owner, apex))
			dnsp_cfgld_err(ld, ti->loc.line, key, "a CNAME traffic policy cannot be "
				       "applied at the zone apex");
		/* Route 53 refuses an instance where record sets of the name
		 * and type exist already; CNAME excludes every other type. */
		for (size_t k = 0; k < z->nrrsets; k++) {
			const struct dnsp_cfg_rrset *rs = &z->rrsets[k];
			if (!rs->name || !rs->type || name_wire(rs->name, other) < 0 ||
			    !dnsp_name_equal(owner, other))
				continue;
			if (rs->type == type || rs->type == 5 || type == 5) {
				dnsp_cfgld_err(ld, ti->loc.line, key, "%s %s already exists in zone "
					       "%s (%s:%d); a traffic policy instance needs the "
					       "name and type to itself", ti->name,
					       dnsp_rrtype_to_text(rs->type, tb), z->name,
					       rs->loc.file, rs->loc.line);
				break;
			}
		}
		for (size_t j = 0; j < i; j++) {
			const struct dnsp_cfg_tp_instance *o = &r->instances[j];
			const struct dnsp_cfg_traffic_policy *op =
				o->policy_id ? dnsp_cfg_traffic_policy_find(c, o->policy_id,
									    o->policy_version) : NULL;
			const struct dnsp_cfg_zone *oz = o->zone_id ? dnsp_config_zone_by_id(c, o->zone_id)
								    : NULL;
			if (oz != z || !op || !op->valid || !o->name || name_wire(o->name, other) < 0 ||
			    !dnsp_name_equal(owner, other))
				continue;
			uint16_t ot = op->doc.record_type;
			if (ot == type || ot == 5 || type == 5) {
				dnsp_cfgld_err(ld, ti->loc.line, key, "instance %s already routes %s "
					       "%s (line %d)", o->id ? o->id : "?", ti->name,
					       dnsp_rrtype_to_text(ot, tb), o->loc.line);
				break;
			}
		}
	}
}

static void check_policy_health(struct dnsp_cfg_ld *ld)
{
	struct dnsp_cfg_route *r = ld->c->route;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];

	for (size_t i = 0; i < r->npolicies; i++) {
		const struct dnsp_tp_document *doc = &r->policies[i].doc;
		for (size_t k = 0; k < doc->nrules; k++) {
			const struct dnsp_tp_rule *rule = &doc->rules[k];
			for (size_t q = 0; q < rule->nitems; q++) {
				const struct dnsp_tp_item *it = &rule->items[q];
				if (!it->health_check || dnsp_cfg_health_find(ld->c, it->health_check))
					continue;
				dnsp_cfgld_key_index(key, "traffic_policies", i);
				dnsp_cfgld_key_join(key, key, "Document.Rules");
				dnsp_cfgld_key_join(key, key, rule->id ? rule->id : "?");
				dnsp_cfgld_key_join(key, key, "HealthCheck");
				dnsp_errlist_add(ld->errs, it->loc.file, it->loc.line, key,
						 "health check \"%s\" is not defined in health_checks",
						 dnsp_cfgld_shows(sh, it->health_check));
				ld->nerr++;
			}
		}
	}
}

/* Record sets' CidrRoutingConfig against the collections. */
static void check_record_sets(struct dnsp_cfg_ld *ld)
{
	struct dnsp_config *c = ld->c;
	char key[DNSP_CFG_KEY_CAP], buf[512];

	for (size_t zi = 0; zi < c->nzones; zi++) {
		const struct dnsp_cfg_zone *z = &c->zones[zi];
		size_t y = 0;
		for (size_t i = 0; i < z->nrrsets; i++) {
			const struct dnsp_cfg_rrset *rs = &z->rrsets[i];
			if (rs->from_file)
				continue;
			size_t yi = y++;
			const struct dnsp_cfg_routing *rt = &rs->routing;
			if (!rt->cidr_collection_id || !rs->name || !rs->type)
				continue;
			const char *why = dnsp_cfg_cidr_routing_problem(c, rt->cidr_collection_id,
									rt->cidr_location_name, buf,
									sizeof(buf));
			if (!why)
				continue;
			bool coll = !dnsp_cfg_cidr_collection_find(c, rt->cidr_collection_id);
			dnsp_cfgld_key_index(key, "hosted_zones", zi);
			dnsp_cfgld_key_join(key, key, "ResourceRecordSets");
			dnsp_cfgld_key_index(key, key, yi);
			dnsp_cfgld_key_join(key, key, coll ? "CidrRoutingConfig.CollectionId"
							   : "CidrRoutingConfig.LocationName");
			dnsp_cfgld_err(ld, rs->loc.line, key, "%s", why);
		}
	}
}

/* One check for the three sections (registered on cidr_collections, the
 * first of them). */
static void route_check(struct dnsp_cfg_ld *ld)
{
	if (!route_model(ld->c)) {
		dnsp_cfgld_err(ld, 1, "cidr_collections", "out of memory");
		return;
	}
	check_record_sets(ld);
	check_policy_health(ld);
	check_instances(ld);
}

static void route_destroy(struct dnsp_config *c)
{
	struct dnsp_cfg_route *r = c->route;

	if (!r)
		return;
	for (size_t i = 0; i < r->ncollections; i++) {
		struct dnsp_cfg_cidr_collection *cc = &r->collections[i];
		for (size_t k = 0; k < cc->nlocations; k++) {
			free(cc->locations[k].name);
			free(cc->locations[k].cidrs);
		}
		free(cc->locations);
		free(cc->id);
		free(cc->name);
	}
	free(r->collections);
	for (size_t i = 0; i < r->npolicies; i++) {
		struct dnsp_cfg_traffic_policy *p = &r->policies[i];
		free(p->id);
		free(p->name);
		free(p->comment);
		free(p->document_text);
		dnsp_tp_document_fini(&p->doc);
	}
	free(r->policies);
	for (size_t i = 0; i < r->ninstances; i++) {
		struct dnsp_cfg_tp_instance *ti = &r->instances[i];
		free(ti->id);
		free(ti->zone_id);
		free(ti->name);
		free(ti->policy_id);
	}
	free(r->instances);
	free(r);
	c->route = NULL;
}

static void no_destroy(struct dnsp_config *c)
{
	(void)c;
}

const struct dnsp_cfg_section dnsp_cfg_cidr_collections_section = {
	.name = "cidr_collections",
	.load = cidr_load,
	.check = route_check,
	.destroy = route_destroy,
};

const struct dnsp_cfg_section dnsp_cfg_traffic_policies_section = {
	.name = "traffic_policies",
	.load = tp_load,
	.check = NULL,
	.destroy = no_destroy,
};

const struct dnsp_cfg_section dnsp_cfg_tp_instances_section = {
	.name = "traffic_policy_instances",
	.load = tpi_load,
	.check = NULL,
	.destroy = no_destroy,
};
