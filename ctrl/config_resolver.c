/*
 * Loader of the `resolver` section: Resolver endpoints, rules, rule
 * associations and per-VPC Resolver configs in their Route 53 Resolver API
 * shapes (SEMANTICS §11, §18), plus the cross-checks that need the whole
 * file (endpoint and rule references, inbound listeners, one rule per
 * domain per VPC). The recursion settings of the same section (root hints,
 * trust anchors, cache knobs) are loaded by the functions in the part
 * marked "recursion" below, so the two halves of the section can grow
 * independently. Every problem is reported as "FILE:LINE: KEY: message"
 * through the typed getters of config_load.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_load.h"
#include "config_recursion.h"
#include "config_recursion.h"
#include "config_resolver.h"

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

static struct dnsp_cfg_resolver *model(struct dnsp_config *c)
{
	if (!c->resolver)
		c->resolver = calloc(1, sizeof(*c->resolver));
	return c->resolver;
}

static bool addr_same(const struct dnsp_cfg_addr *a, const struct dnsp_cfg_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}

const struct dnsp_cfg_endpoint *dnsp_cfg_endpoint_find(const struct dnsp_config *c,
						       const char *id)
{
	const struct dnsp_cfg_resolver *r = c->resolver;
	for (size_t i = 0; r && id && i < r->nendpoints; i++)
		if (r->endpoints[i].id && strcmp(r->endpoints[i].id, id) == 0)
			return &r->endpoints[i];
	return NULL;
}

const struct dnsp_cfg_rule *dnsp_cfg_rule_find(const struct dnsp_config *c, const char *id)
{
	const struct dnsp_cfg_resolver *r = c->resolver;
	for (size_t i = 0; r && id && i < r->nrules; i++)
		if (r->rules[i].id && strcmp(r->rules[i].id, id) == 0)
			return &r->rules[i];
	return NULL;
}

int dnsp_cfg_resolver_reverse(const struct dnsp_config *c, const char *vpc_id)
{
	const struct dnsp_cfg_resolver *r = c->resolver;
	for (size_t i = 0; r && vpc_id && i < r->nconfigs; i++)
		if (r->configs[i].resource_id && strcmp(r->configs[i].resource_id, vpc_id) == 0)
			return r->configs[i].autodefined_reverse;
	return DNSP_REVERSE_LOCAL;
}

/* Resolver names: (?!^[0-9]+$)([a-zA-Z0-9\-_' ']+), at most 64 (SEMANTICS §18). */
static void load_name(struct dnsp_cfg_ld *ld, const ynode *m, const char *path, char **out)
{
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v = dnsp_yaml_get(m, "Name");
	dnsp_cfgld_key_join(key, path, "Name");
	if (!v || !(*out = dnsp_cfgld_str(ld, v, key, 1, 64)))
		return;
	bool digits = true;
	for (const char *p = *out; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == ' ')) {
			dnsp_cfgld_err(ld, v->line, key, "\"%s\": only letters, digits, '-', '_' and "
				       "spaces are allowed", dnsp_cfgld_shows(sh, *out));
			return;
		}
		if (*p < '0' || *p > '9')
			digits = false;
	}
	if (digits)
		dnsp_cfgld_err(ld, v->line, key, "\"%s\": a name cannot be all digits",
			       dnsp_cfgld_shows(sh, *out));
}

/* An address object {Ip: a.b.c.d} or {Ipv6: x::y} (one of the two), with
 * extra allowed keys. Returns true and fills a. */
static bool load_ip_object(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			   struct dnsp_cfg_addr *a)
{
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v4 = dnsp_yaml_get(m, "Ip"), *v6 = dnsp_yaml_get(m, "Ipv6");
	if (v4 && v6) {
		dnsp_cfgld_key_join(key, path, "Ipv6");
		dnsp_cfgld_err(ld, v6->line, key, "give Ip or Ipv6, not both");
		return false;
	}
	if (!v4 && !v6) {
		dnsp_cfgld_key_join(key, path, "Ip");
		dnsp_cfgld_err(ld, m->line, key, "required (Ip or Ipv6)");
		return false;
	}
	const ynode *v = v4 ? v4 : v6;
	dnsp_cfgld_key_join(key, path, v4 ? "Ip" : "Ipv6");
	char *text = dnsp_cfgld_str(ld, v, key, 1, 64);
	if (!text)
		return false;
	bool ok = dnsp_cfgld_addr(text, a) && a->family == (v4 ? 4 : 6);
	if (!ok)
		dnsp_cfgld_err(ld, v->line, key, "expected an %s address, got \"%s\"",
			       v4 ? "IPv4" : "IPv6", dnsp_cfgld_shows(sh, text));
	free(text);
	return ok;
}

/* ------------------------------------------------------------------------ */
/* endpoints                                                                */

static const char *const directions[] = { "INBOUND", "OUTBOUND", "INBOUND_DELEGATION", NULL };
static const char *const ep_types[] = { "IPV4", "IPV6", "DUALSTACK", NULL };

static void load_endpoint(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			  struct dnsp_cfg_endpoint *e)
{
	/* CreateResolverEndpoint fields plus QpsPerEni (dnsplane's own). Fields
	 * that only matter to AWS networking are accepted and ignored. */
	static const char *const keys[] = { "Id", "Name", "Direction", "VpcId", "IpAddresses",
		"QpsPerEni", "ResolverEndpointType", "Protocols", "SecurityGroupIds",
		"CreatorRequestId", "Tags", NULL };
	static const char *const ip_keys[] = { "Ip", "Ipv6", "SubnetId", NULL };
	static const char *const protocols[] = { "Do53", "DoH", "DoH-FIPS", NULL };
	struct dnsp_config *c = ld->c;
	char key[DNSP_CFG_KEY_CAP], item[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;
	int64_t x;

	e->loc.file = ld->file;
	e->loc.line = m->line;
	e->qps_per_eni = DNSP_CFG_QPS_DEFAULT;
	e->type = DNSP_EP_TYPE_UNSET;
	dnsp_cfgld_check_keys(ld, m, path, keys);

	dnsp_cfgld_key_join(key, path, "Id");
	if ((v = dnsp_cfgld_need(ld, m, path, "Id")) && (e->id = dnsp_cfgld_str(ld, v, key, 1, 64))) {
		const struct dnsp_cfg_endpoint *dup = dnsp_cfg_endpoint_find(c, e->id);
		if (dup && dup != e)
			dnsp_cfgld_err(ld, v->line, key, "duplicate endpoint Id \"%s\" (first at %s:%d)",
				       dnsp_cfgld_shows(sh, e->id), dup->loc.file, dup->loc.line);
	}
	load_name(ld, m, path, &e->name);
	dnsp_cfgld_key_join(key, path, "Direction");
	int d;
	if ((v = dnsp_cfgld_need(ld, m, path, "Direction")) &&
	    (d = dnsp_cfgld_enum(ld, v, key, directions)) >= 0)
		e->direction = (enum dnsp_cfg_ep_direction)d;
	dnsp_cfgld_key_join(key, path, "VpcId");
	if ((v = dnsp_cfgld_need(ld, m, path, "VpcId")) &&
	    (e->vpc_id = dnsp_cfgld_str(ld, v, key, 1, 64)) && !dnsp_cfgld_vpc_find(c, e->vpc_id))
		dnsp_cfgld_err(ld, v->line, key, "VPC \"%s\" is not defined in vpcs",
			       dnsp_cfgld_shows(sh, e->vpc_id));
	dnsp_cfgld_key_join(key, path, "QpsPerEni");
	if ((v = dnsp_yaml_get(m, "QpsPerEni")) && dnsp_cfgld_int(ld, v, key, 0, 100000000, &x))
		e->qps_per_eni = (uint32_t)x;
	dnsp_cfgld_key_join(key, path, "ResolverEndpointType");
	if ((v = dnsp_yaml_get(m, "ResolverEndpointType")))
		e->type = dnsp_cfgld_enum(ld, v, key, ep_types);

	dnsp_cfgld_key_join(key, path, "Protocols");
	if ((v = dnsp_yaml_get(m, "Protocols")) && dnsp_cfgld_want_seq(ld, v, key)) {
		if (v->n < 1 || v->n > 2)
			dnsp_cfgld_err(ld, v->line, key, "expected 1 or 2 protocols, got %zu", v->n);
		for (size_t i = 0; i < v->n; i++) {
			dnsp_cfgld_key_index(item, key, i);
			int p = dnsp_cfgld_enum(ld, v->items[i], item, protocols);
			/* Only Do53 is served by this build (DoH needs TLS + HTTP/2). */
			if (p > 0)
				dnsp_cfgld_err(ld, v->items[i]->line, item,
					       "%s is not supported by this build (only Do53)",
					       protocols[p]);
		}
	}

	dnsp_cfgld_key_join(key, path, "IpAddresses");
	if ((v = dnsp_cfgld_need(ld, m, path, "IpAddresses")) && dnsp_cfgld_want_seq(ld, v, key)) {
		/* Route 53 requires 2..20 addresses; dnsplane accepts one so that a
		 * single-address appliance and per-ENI load tests work (README). */
		if (v->n < 1 || v->n > DNSP_CFG_ENI_MAX)
			dnsp_cfgld_err(ld, v->line, key, "expected 1 to %d addresses, got %zu",
				       DNSP_CFG_ENI_MAX, v->n);
		e->enis = calloc(v->n ? v->n : 1, sizeof(*e->enis));
		for (size_t i = 0; e->enis && i < v->n && i < DNSP_CFG_ENI_MAX; i++) {
			const ynode *o = v->items[i];
			dnsp_cfgld_key_index(item, key, i);
			if (!dnsp_cfgld_want_map(ld, o, item))
				continue;
			dnsp_cfgld_check_keys(ld, o, item, ip_keys);
			struct dnsp_cfg_eni *eni = &e->enis[e->nenis];
			if (!load_ip_object(ld, o, item, &eni->addr))
				continue;
			eni->line = o->line;
			inet_ntop(eni->addr.family == 4 ? AF_INET : AF_INET6, eni->addr.addr, eni->text,
				  sizeof(eni->text));
			for (size_t j = 0; j < e->nenis; j++)
				if (addr_same(&e->enis[j].addr, &eni->addr))
					dnsp_cfgld_err(ld, o->line, item, "%s is listed twice",
						       eni->text);
			e->nenis++;
		}
	}
	/* ResolverEndpointType must agree with the addresses given. */
	for (size_t i = 0; e->type >= 0 && i < e->nenis; i++) {
		int fam = e->enis[i].addr.family;
		if ((e->type == DNSP_EP_IPV4 && fam != 4) || (e->type == DNSP_EP_IPV6 && fam != 6)) {
			dnsp_cfgld_key_join(key, path, "IpAddresses");
			dnsp_cfgld_key_index(item, key, i);
			dnsp_cfgld_err(ld, e->enis[i].line, item, "%s is not an %s address "
				       "(ResolverEndpointType %s)", e->enis[i].text,
				       e->type == DNSP_EP_IPV4 ? "IPv4" : "IPv6", ep_types[e->type]);
		}
	}
}

static void load_endpoints(struct dnsp_cfg_ld *ld, struct dnsp_cfg_resolver *r, const ynode *v)
{
	char item[DNSP_CFG_KEY_CAP];
	if (!(r->endpoints = dnsp_cfgld_seq_alloc(ld, v, "resolver.endpoints",
						  sizeof(*r->endpoints))))
		return;
	/* every item gets a slot, so slot i is item i in messages */
	for (size_t i = 0; i < v->n; i++) {
		struct dnsp_cfg_endpoint *x = &r->endpoints[r->nendpoints++];
		dnsp_cfgld_key_index(item, "resolver.endpoints", i);
		x->loc.file = ld->file;
		x->loc.line = v->items[i]->line;
		if (dnsp_cfgld_want_map(ld, v->items[i], item))
			load_endpoint(ld, v->items[i], item, x);
	}
}

/* ------------------------------------------------------------------------ */
/* rules                                                                    */

static const char *const rule_types[] = { "FORWARD", "SYSTEM", "DELEGATE", "RECURSIVE", NULL };

static void load_targets(struct dnsp_cfg_ld *ld, const ynode *v, const char *key,
			 struct dnsp_cfg_rule *ru)
{
	static const char *const keys[] = { "Ip", "Ipv6", "Port", "Protocol", NULL };
	static const char *const protocols[] = { "Do53", "DoH", "DoH-FIPS", NULL };
	char item[DNSP_CFG_KEY_CAP], k2[DNSP_CFG_KEY_CAP];
	int64_t x;
	if (!dnsp_cfgld_want_seq(ld, v, key))
		return;
	if (v->n < 1 || v->n > DNSP_CFG_TARGETS_MAX)
		dnsp_cfgld_err(ld, v->line, key, "expected 1 to %d targets, got %zu",
			       DNSP_CFG_TARGETS_MAX, v->n);
	ru->targets = calloc(v->n ? v->n : 1, sizeof(*ru->targets));
	for (size_t i = 0; ru->targets && i < v->n && i < DNSP_CFG_TARGETS_MAX; i++) {
		const ynode *o = v->items[i], *p;
		dnsp_cfgld_key_index(item, key, i);
		if (!dnsp_cfgld_want_map(ld, o, item))
			continue;
		dnsp_cfgld_check_keys(ld, o, item, keys);
		struct dnsp_cfg_target *t = &ru->targets[ru->ntargets];
		t->port = 53;
		t->line = o->line;
		/* SEMANTICS §11: Port 0..65535. Nothing can be sent to UDP port 0,
		 * so Port 0 means the default, 53. */
		dnsp_cfgld_key_join(k2, item, "Port");
		if ((p = dnsp_yaml_get(o, "Port")) && dnsp_cfgld_int(ld, p, k2, 0, 65535, &x))
			t->port = x == 0 ? 53 : (uint16_t)x;
		dnsp_cfgld_key_join(k2, item, "Protocol");
		int proto;
		if ((p = dnsp_yaml_get(o, "Protocol")) && (proto = dnsp_cfgld_enum(ld, p, k2, protocols)) > 0)
			dnsp_cfgld_err(ld, p->line, k2, "%s is not supported by this build (only Do53)",
				       protocols[proto]);
		if (!load_ip_object(ld, o, item, &t->addr))
			continue;
		/* SEMANTICS §11: IPv4 and IPv6 targets cannot be mixed in one rule. */
		if (ru->ntargets > 0 && ru->targets[0].addr.family != t->addr.family)
			dnsp_cfgld_err(ld, o->line, item, "IPv4 and IPv6 targets cannot be mixed in "
				       "one rule (TargetIps[0] is IPv%d)", ru->targets[0].addr.family);
		ru->ntargets++;
	}
}

static void load_rule(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
		      struct dnsp_cfg_rule *ru)
{
	static const char *const keys[] = { "Id", "Name", "RuleType", "DomainName", "TargetIps",
		"ResolverEndpointId", "DelegationRecord", "CreatorRequestId", "Tags", NULL };
	struct dnsp_config *c = ld->c;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v, *dn, *dr, *ti, *ep;

	ru->loc.file = ld->file;
	ru->loc.line = m->line;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Id");
	if ((v = dnsp_cfgld_need(ld, m, path, "Id")) && (ru->id = dnsp_cfgld_str(ld, v, key, 1, 64))) {
		const struct dnsp_cfg_rule *dup = dnsp_cfg_rule_find(c, ru->id);
		if (dup && dup != ru)
			dnsp_cfgld_err(ld, v->line, key, "duplicate rule Id \"%s\" (first at %s:%d)",
				       dnsp_cfgld_shows(sh, ru->id), dup->loc.file, dup->loc.line);
	}
	load_name(ld, m, path, &ru->name);
	dnsp_cfgld_key_join(key, path, "RuleType");
	int type = -1;
	if ((v = dnsp_cfgld_need(ld, m, path, "RuleType")) &&
	    (type = dnsp_cfgld_enum(ld, v, key, rule_types)) == 3) {
		dnsp_cfgld_err(ld, v->line, key, "RECURSIVE rules are created only by Resolver "
			       "(the autodefined \".\" rule); use FORWARD, SYSTEM or DELEGATE");
		type = -1;
	}
	if (type >= 0)
		ru->type = (enum dnsp_cfg_rule_type)type;

	dn = dnsp_yaml_get(m, "DomainName");
	dr = dnsp_yaml_get(m, "DelegationRecord");
	ti = dnsp_yaml_get(m, "TargetIps");
	ep = dnsp_yaml_get(m, "ResolverEndpointId");
	dnsp_cfgld_key_join(key, path, "DomainName");
	if (dn)
		ru->domain = dnsp_cfgld_name(ld, dn, key);
	else if (type == DNSP_RULE_FORWARD || type == DNSP_RULE_SYSTEM)
		dnsp_cfgld_err(ld, m->line, key, "required");
	dnsp_cfgld_key_join(key, path, "DelegationRecord");
	if (dr && type >= 0 && type != DNSP_RULE_DELEGATE)
		dnsp_cfgld_err(ld, dr->line, key, "only DELEGATE rules have a DelegationRecord");
	else if (dr && (ru->delegation_record = dnsp_cfgld_name(ld, dr, key))) {
		/* The delegation is followed at the delegation record's name. */
		free(ru->domain);
		ru->domain = strdup(ru->delegation_record);
	} else if (!dr && !dn && type == DNSP_RULE_DELEGATE)
		dnsp_cfgld_err(ld, m->line, key, "a DELEGATE rule needs DelegationRecord or DomainName");

	dnsp_cfgld_key_join(key, path, "TargetIps");
	if (ti && type >= 0 && type != DNSP_RULE_FORWARD)
		dnsp_cfgld_err(ld, ti->line, key, "only FORWARD rules have TargetIps (%s rules %s)",
			       rule_types[type], type == DNSP_RULE_SYSTEM ? "resolve locally"
			       : "follow the NS delegation");
	else if (ti)
		load_targets(ld, ti, key, ru);
	else if (type == DNSP_RULE_FORWARD)
		dnsp_cfgld_err(ld, m->line, key, "required for a FORWARD rule");

	dnsp_cfgld_key_join(key, path, "ResolverEndpointId");
	if (ep && type == DNSP_RULE_SYSTEM)
		dnsp_cfgld_err(ld, ep->line, key, "SYSTEM rules have no endpoint (they resolve locally)");
	else if (ep)
		ru->endpoint_id = dnsp_cfgld_str(ld, ep, key, 1, 64);
	else if (type == DNSP_RULE_FORWARD || type == DNSP_RULE_DELEGATE)
		dnsp_cfgld_err(ld, m->line, key, "required for a %s rule (an OUTBOUND endpoint)",
			       rule_types[type]);
}

static void load_rules(struct dnsp_cfg_ld *ld, struct dnsp_cfg_resolver *r, const ynode *v)
{
	char item[DNSP_CFG_KEY_CAP];
	if (!(r->rules = dnsp_cfgld_seq_alloc(ld, v, "resolver.rules", sizeof(*r->rules))))
		return;
	/* every item gets a slot, so slot i is item i in messages */
	for (size_t i = 0; i < v->n; i++) {
		struct dnsp_cfg_rule *x = &r->rules[r->nrules++];
		dnsp_cfgld_key_index(item, "resolver.rules", i);
		x->loc.file = ld->file;
		x->loc.line = v->items[i]->line;
		if (dnsp_cfgld_want_map(ld, v->items[i], item))
			load_rule(ld, v->items[i], item, x);
	}
}

/* ------------------------------------------------------------------------ */
/* rule associations and configs                                            */

static void load_assocs(struct dnsp_cfg_ld *ld, struct dnsp_cfg_resolver *r, const ynode *v)
{
	static const char *const keys[] = { "ResolverRuleId", "VPCId", "Name", NULL };
	char item[DNSP_CFG_KEY_CAP], key[DNSP_CFG_KEY_CAP];
	const ynode *x;
	if (!(r->assocs = dnsp_cfgld_seq_alloc(ld, v, "resolver.rule_associations",
					       sizeof(*r->assocs))))
		return;
	/* every item gets a slot, so slot i is item i in messages */
	for (size_t i = 0; i < v->n; i++) {
		const ynode *m = v->items[i];
		struct dnsp_cfg_rule_assoc *a = &r->assocs[r->nassocs++];
		dnsp_cfgld_key_index(item, "resolver.rule_associations", i);
		a->loc.file = ld->file;
		a->loc.line = m->line;
		if (!dnsp_cfgld_want_map(ld, m, item))
			continue;
		dnsp_cfgld_check_keys(ld, m, item, keys);
		dnsp_cfgld_key_join(key, item, "ResolverRuleId");
		if ((x = dnsp_cfgld_need(ld, m, item, "ResolverRuleId")))
			a->rule_id = dnsp_cfgld_str(ld, x, key, 1, 64);
		dnsp_cfgld_key_join(key, item, "VPCId");
		if ((x = dnsp_cfgld_need(ld, m, item, "VPCId")))
			a->vpc_id = dnsp_cfgld_str(ld, x, key, 1, 64);
		load_name(ld, m, item, &a->name);
	}
}

static void load_configs(struct dnsp_cfg_ld *ld, struct dnsp_cfg_resolver *r, const ynode *v)
{
	static const char *const keys[] = { "ResourceId", "AutodefinedReverseFlag", NULL };
	static const char *const flags[] = { "DISABLE", "ENABLE", NULL };
	char item[DNSP_CFG_KEY_CAP], key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *x;
	if (!(r->configs = dnsp_cfgld_seq_alloc(ld, v, "resolver.configs", sizeof(*r->configs))))
		return;
	for (size_t i = 0; i < v->n; i++) {
		const ynode *m = v->items[i];
		dnsp_cfgld_key_index(item, "resolver.configs", i);
		if (!dnsp_cfgld_want_map(ld, m, item))
			continue;
		struct dnsp_cfg_resolver_config *rc = &r->configs[r->nconfigs];
		rc->loc.file = ld->file;
		rc->loc.line = m->line;
		rc->autodefined_reverse = DNSP_REVERSE_ENABLE;
		dnsp_cfgld_check_keys(ld, m, item, keys);
		dnsp_cfgld_key_join(key, item, "ResourceId");
		if ((x = dnsp_cfgld_need(ld, m, item, "ResourceId")) &&
		    (rc->resource_id = dnsp_cfgld_str(ld, x, key, 1, 64))) {
			if (!dnsp_cfgld_vpc_find(ld->c, rc->resource_id))
				dnsp_cfgld_err(ld, x->line, key, "VPC \"%s\" is not defined in vpcs",
					       dnsp_cfgld_shows(sh, rc->resource_id));
			for (size_t j = 0; j < r->nconfigs; j++)
				if (r->configs[j].resource_id &&
				    strcmp(r->configs[j].resource_id, rc->resource_id) == 0)
					dnsp_cfgld_err(ld, x->line, key, "VPC \"%s\" already has a "
						       "Resolver config (%s:%d)",
						       dnsp_cfgld_shows(sh, rc->resource_id),
						       r->configs[j].loc.file, r->configs[j].loc.line);
		}
		dnsp_cfgld_key_join(key, item, "AutodefinedReverseFlag");
		int f;
		if ((x = dnsp_cfgld_need(ld, m, item, "AutodefinedReverseFlag")) &&
		    (f = dnsp_cfgld_enum(ld, x, key, flags)) >= 0)
			rc->autodefined_reverse = f;
		r->nconfigs++;
	}
}

/* ------------------------------------------------------------------------ */
/* recursion: root hints, trust anchors, cache knobs (slow-path resolver).  */
/* The keys below belong to ctrl/config_recursion.c, which loads them.      */

static const char *const recursion_keys[] = { "root_hints", "root_hints_port",
	"trust_anchors", "qname_minimisation", "use_0x20", "query_timeout_ms",
	"upstream_timeout_ms", "limits", "cache", "ecs_upstream", NULL };

static void recursion_load(struct dnsp_cfg_ld *ld, const ynode *m, struct dnsp_cfg_resolver *r)
{
	dnsp_cfg_recursion_load(ld, m, &r->recursion);
}

static void recursion_destroy(struct dnsp_cfg_resolver *r)
{
	dnsp_cfg_recursion_destroy(r->recursion);
	r->recursion = NULL;
}

/* ------------------------------------------------------------------------ */
/* section                                                                  */

static const char *const rules_keys[] = { "endpoints", "rules", "rule_associations", "configs" };

static void resolver_load(struct dnsp_cfg_ld *ld, const ynode *v)
{
	const char *keys[sizeof(rules_keys) / sizeof(rules_keys[0]) +
			  sizeof(recursion_keys) / sizeof(recursion_keys[0])];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(rules_keys) / sizeof(rules_keys[0]); i++)
		keys[n++] = rules_keys[i];
	for (size_t i = 0; recursion_keys[i]; i++)
		keys[n++] = recursion_keys[i];
	keys[n] = NULL;

	if (dnsp_yaml_is_null(v) || !dnsp_cfgld_want_map(ld, v, "resolver"))
		return;
	struct dnsp_cfg_resolver *r = model(ld->c);
	if (!r) {
		dnsp_cfgld_err(ld, v->line, "resolver", "out of memory");
		return;
	}
	r->loc.file = ld->file;
	r->loc.line = v->line;
	dnsp_cfgld_check_keys(ld, v, "resolver", keys);
	const ynode *x;
	if ((x = dnsp_yaml_get(v, "endpoints")))
		load_endpoints(ld, r, x);
	if ((x = dnsp_yaml_get(v, "rules")))
		load_rules(ld, r, x);
	if ((x = dnsp_yaml_get(v, "rule_associations")))
		load_assocs(ld, r, x);
	if ((x = dnsp_yaml_get(v, "configs")))
		load_configs(ld, r, x);
	recursion_load(ld, v, r);
}

/* Cross-checks run on the model, so errors name the object's own line. */
static void check_endpoints(struct dnsp_cfg_ld *ld, const struct dnsp_cfg_resolver *r)
{
	char key[DNSP_CFG_KEY_CAP];
	/* An address is one ENI of one endpoint. */
	for (size_t i = 0; i < r->nendpoints; i++)
		for (size_t k = 0; k < r->endpoints[i].nenis; k++)
			for (size_t j = 0; j < i; j++)
				for (size_t l = 0; l < r->endpoints[j].nenis; l++)
					if (addr_same(&r->endpoints[i].enis[k].addr,
						      &r->endpoints[j].enis[l].addr)) {
						snprintf(key, sizeof(key),
							 "resolver.endpoints[%zu].IpAddresses[%zu]", i, k);
						dnsp_cfgld_err(ld, r->endpoints[i].enis[k].line, key,
							       "%s is already an address of endpoint "
							       "\"%s\" (%s:%d)",
							       r->endpoints[i].enis[k].text,
							       r->endpoints[j].id ? r->endpoints[j].id : "?",
							       r->endpoints[j].loc.file,
							       r->endpoints[j].loc.line);
					}
}

static void check_rules(struct dnsp_cfg_ld *ld, const struct dnsp_cfg_resolver *r)
{
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	for (size_t i = 0; i < r->nrules; i++) {
		const struct dnsp_cfg_rule *ru = &r->rules[i];
		if (!ru->endpoint_id)
			continue;
		snprintf(key, sizeof(key), "resolver.rules[%zu].ResolverEndpointId", i);
		const struct dnsp_cfg_endpoint *e = dnsp_cfg_endpoint_find(ld->c, ru->endpoint_id);
		if (!e) {
			dnsp_cfgld_err(ld, ru->loc.line, key, "endpoint \"%s\" is not defined in "
				       "resolver.endpoints", dnsp_cfgld_shows(sh, ru->endpoint_id));
			continue;
		}
		if (e->direction != DNSP_EP_OUTBOUND) {
			dnsp_cfgld_err(ld, ru->loc.line, key, "endpoint \"%s\" is %s; rules send "
				       "through an OUTBOUND endpoint", dnsp_cfgld_shows(sh, e->id),
				       directions[e->direction]);
			continue;
		}
		/* Forwarded queries leave from the endpoint's addresses: one of
		 * them must be of the targets' family. */
		if (ru->ntargets == 0)
			continue;
		int fam = ru->targets[0].addr.family;
		bool have = false;
		for (size_t k = 0; k < e->nenis; k++)
			have |= e->enis[k].addr.family == fam;
		if (!have && e->nenis > 0)
			dnsp_cfgld_err(ld, ru->loc.line, key, "endpoint \"%s\" has no IPv%d address to "
				       "send to the IPv%d TargetIps from", dnsp_cfgld_shows(sh, e->id),
				       fam, fam);
	}
}

static void check_assocs(struct dnsp_cfg_ld *ld, const struct dnsp_cfg_resolver *r)
{
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	for (size_t i = 0; i < r->nassocs; i++) {
		const struct dnsp_cfg_rule_assoc *a = &r->assocs[i];
		const struct dnsp_cfg_rule *ru = dnsp_cfg_rule_find(ld->c, a->rule_id);
		snprintf(key, sizeof(key), "resolver.rule_associations[%zu].ResolverRuleId", i);
		if (a->rule_id && !ru)
			dnsp_cfgld_err(ld, a->loc.line, key, "rule \"%s\" is not defined in "
				       "resolver.rules", dnsp_cfgld_shows(sh, a->rule_id));
		snprintf(key, sizeof(key), "resolver.rule_associations[%zu].VPCId", i);
		if (a->vpc_id && !dnsp_cfgld_vpc_find(ld->c, a->vpc_id))
			dnsp_cfgld_err(ld, a->loc.line, key, "VPC \"%s\" is not defined in vpcs",
				       dnsp_cfgld_shows(sh, a->vpc_id));
		if (!ru || !a->vpc_id || !ru->domain)
			continue;
		/* Route 53 refuses a second rule for the same domain in one VPC
		 * (and the same rule twice). */
		for (size_t j = 0; j < i; j++) {
			const struct dnsp_cfg_rule_assoc *b = &r->assocs[j];
			const struct dnsp_cfg_rule *rb = dnsp_cfg_rule_find(ld->c, b->rule_id);
			if (!rb || !rb->domain || !b->vpc_id || strcmp(b->vpc_id, a->vpc_id) != 0 ||
			    strcasecmp(rb->domain, ru->domain) != 0)
				continue;
			snprintf(key, sizeof(key), "resolver.rule_associations[%zu]", i);
			if (rb == ru)
				dnsp_cfgld_err(ld, a->loc.line, key, "rule \"%s\" is already associated "
					       "with VPC \"%s\" (%s:%d)", ru->id, a->vpc_id,
					       b->loc.file, b->loc.line);
			else
				dnsp_cfgld_err(ld, a->loc.line, key, "VPC \"%s\" already has rule \"%s\" "
					       "for %s (%s:%d)", a->vpc_id, rb->id, ru->domain,
					       b->loc.file, b->loc.line);
			break;
		}
	}
}

/* SPEC §3 "Which VPC a query belongs to": an inbound listener serves its
 * endpoint's VPC, and its address is one of the endpoint's ENIs. */
static void check_listeners(struct dnsp_cfg_ld *ld)
{
	struct dnsp_config *c = ld->c;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP], abuf[INET6_ADDRSTRLEN];
	for (size_t i = 0; i < c->nlisteners; i++) {
		const struct dnsp_cfg_listener *l = &c->listeners[i];
		if (l->role != DNSP_CFG_INBOUND || !l->endpoint)
			continue;
		snprintf(key, sizeof(key), "listeners[%zu].endpoint", i);
		const struct dnsp_cfg_endpoint *e = dnsp_cfg_endpoint_find(c, l->endpoint);
		if (!e) {
			dnsp_cfgld_err(ld, l->loc.line, key, "endpoint \"%s\" is not defined in "
				       "resolver.endpoints", dnsp_cfgld_shows(sh, l->endpoint));
			continue;
		}
		if (e->direction == DNSP_EP_OUTBOUND) {
			dnsp_cfgld_err(ld, l->loc.line, key, "endpoint \"%s\" is OUTBOUND; an inbound "
				       "listener serves an INBOUND endpoint", dnsp_cfgld_shows(sh, e->id));
			continue;
		}
		bool found = false;
		for (size_t k = 0; k < e->nenis; k++)
			found |= addr_same(&e->enis[k].addr, &l->addr);
		if (!found && e->nenis > 0) {
			inet_ntop(l->addr.family == 4 ? AF_INET : AF_INET6, l->addr.addr, abuf,
				  sizeof(abuf));
			snprintf(key, sizeof(key), "listeners[%zu].address", i);
			dnsp_cfgld_err(ld, l->loc.line, key, "%s is not one of the IpAddresses of "
				       "endpoint \"%s\" (%s:%d)", abuf, dnsp_cfgld_shows(sh, e->id),
				       e->loc.file, e->loc.line);
		}
	}
}

static void resolver_check(struct dnsp_cfg_ld *ld)
{
	const struct dnsp_cfg_resolver *r = ld->c->resolver;
	if (r) {
		check_endpoints(ld, r);
		check_rules(ld, r);
		check_assocs(ld, r);
		dnsp_cfg_recursion_check(ld, r->recursion);
	}
	check_listeners(ld);
}

static void resolver_destroy(struct dnsp_config *c)
{
	struct dnsp_cfg_resolver *r = c->resolver;
	if (!r)
		return;
	for (size_t i = 0; i < r->nendpoints; i++) {
		free(r->endpoints[i].id);
		free(r->endpoints[i].name);
		free(r->endpoints[i].vpc_id);
		free(r->endpoints[i].enis);
	}
	for (size_t i = 0; i < r->nrules; i++) {
		free(r->rules[i].id);
		free(r->rules[i].name);
		free(r->rules[i].domain);
		free(r->rules[i].delegation_record);
		free(r->rules[i].targets);
		free(r->rules[i].endpoint_id);
	}
	for (size_t i = 0; i < r->nassocs; i++) {
		free(r->assocs[i].rule_id);
		free(r->assocs[i].vpc_id);
		free(r->assocs[i].name);
	}
	for (size_t i = 0; i < r->nconfigs; i++)
		free(r->configs[i].resource_id);
	recursion_destroy(r);
	free(r->endpoints);
	free(r->rules);
	free(r->assocs);
	free(r->configs);
	free(r);
	c->resolver = NULL;
}

const struct dnsp_cfg_section dnsp_cfg_resolver_section = {
	.name = "resolver",
	.load = resolver_load,
	.check = resolver_check,
	.destroy = resolver_destroy,
};
