/*
 * Loader of the recursion part of the `resolver:` section (keys and shape
 * in config_recursion.h). The root hints file is read here, at load time,
 * with the zone-file reader (named.root is an RFC 1035 master file: NS
 * records for "." and A/AAAA records for the servers), so a missing or
 * broken file is a configuration error with its file and line, and a
 * reload that breaks it keeps the running configuration. Trust anchors
 * are checked for shape (DS or DNSKEY in presentation form) and kept for
 * the DNSSEC validator, which is not in this build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_recursion.h"
#include "../lib/wire/pkt.h"
#include "../lib/wire/rdata.h"
#include "../lib/zone/zonefile.h"

#define HINTS_MAX 64

void dnsp_cfg_recursion_defaults(struct dnsp_cfg_recursion *r)
{
	memset(r, 0, sizeof(*r));
	r->hints_port = 53;
	r->qname_minimisation = true;
	r->use_0x20 = false;
	r->query_timeout_ms = 3000;
	r->upstream_timeout_ms = 400;
	r->max_referrals = 20;
	r->max_cname_chain = 11;
	r->max_upstream_queries = 48;
	r->max_ns_lookups = 4;
	r->cache_max_bytes = 64ull << 20;
	r->cache_max_ttl = 86400;
	r->cache_min_ttl = 0;
	r->cache_max_negative_ttl = 3600;
	r->serve_stale = false;
	r->stale_ttl = 86400;
	r->prefetch = true;
}

/* ---------------------------------------------------------- root hints */

struct hints_ctx {
	struct dnsp_cfg_ld *ld;
	struct dnsp_cfg_recursion *r;
	uint8_t ns[HINTS_MAX][DNSP_NAME_MAX]; /* NS targets of "." */
	size_t nns;
	struct dnsp_cfg_root_hint addrs[HINTS_MAX];
	size_t naddrs;
	int errors;
	int line;
};

static int hints_record(void *vctx, const struct dnsp_zf_record *rr)
{
	struct hints_ctx *h = vctx;

	if (rr->type == DNSP_T_NS && rr->owner[0] == 0) {
		if (h->nns < HINTS_MAX && rr->rdlen <= DNSP_NAME_MAX) {
			memcpy(h->ns[h->nns], rr->rdata, rr->rdlen);
			dnsp_name_lower(h->ns[h->nns]);
			h->nns++;
		}
	} else if ((rr->type == DNSP_T_A && rr->rdlen == 4) ||
		   (rr->type == DNSP_T_AAAA && rr->rdlen == 16)) {
		if (h->naddrs < HINTS_MAX) {
			struct dnsp_cfg_root_hint *a = &h->addrs[h->naddrs++];
			memset(a, 0, sizeof(*a));
			memcpy(a->name, rr->owner, dnsp_name_len(rr->owner));
			dnsp_name_lower(a->name);
			a->addr.family = rr->type == DNSP_T_A ? 4 : 6;
			a->addr.plen = rr->type == DNSP_T_A ? 32 : 128;
			memcpy(a->addr.addr, rr->rdata, rr->rdlen);
		}
	}
	return 0;
}

static void hints_error(void *vctx, const char *file, int line, const char *msg)
{
	struct hints_ctx *h = vctx;
	(void)file;
	dnsp_errlist_add(h->ld->errs, file, line, "resolver.root_hints", "%s", msg);
	h->ld->nerr++;
	h->errors++;
}

/* Reads the named.root file: keeps the addresses of the servers named by
 * the NS records of the root (addresses of other names are ignored). */
static void load_hints(struct dnsp_cfg_ld *ld, struct dnsp_cfg_recursion *r, int line)
{
	struct hints_ctx *h = calloc(1, sizeof(*h));
	if (!h) {
		dnsp_cfgld_err(ld, line, "resolver.root_hints", "out of memory");
		return;
	}
	h->ld = ld;
	h->r = r;
	h->line = line;
	static const uint8_t root[1] = { 0 };
	struct dnsp_zf_params p = {
		.origin = root, .default_ttl = 3600000, .on_record = hints_record,
		.on_error = hints_error, .ctx = h, .no_include = true,
	};
	int rc = dnsp_zonefile_read(r->root_hints_path, &p);
	if (rc < 0 && h->errors == 0)
		dnsp_cfgld_err(ld, line, "resolver.root_hints", "cannot read \"%s\": %s",
			       r->root_hints_path, dnsp_strerror(rc));
	if (h->errors == 0 && rc >= 0) {
		size_t n = 0;
		r->hints = calloc(h->naddrs ? h->naddrs : 1, sizeof(*r->hints));
		for (size_t i = 0; r->hints && i < h->naddrs; i++) {
			bool named = false;
			for (size_t j = 0; j < h->nns && !named; j++)
				named = dnsp_name_equal(h->ns[j], h->addrs[i].name);
			if (named)
				r->hints[n++] = h->addrs[i];
		}
		r->nhints = n;
		if (n == 0)
			dnsp_cfgld_err(ld, line, "resolver.root_hints",
				       "\"%s\" has no address for any NS of the root zone",
				       r->root_hints_path);
	}
	free(h);
}

/* --------------------------------------------------------------- loader */

static void get_u32(struct dnsp_cfg_ld *ld, const ynode *m, const char *name,
		    const char *base, int64_t lo, int64_t hi, uint32_t *out)
{
	const ynode *v = dnsp_yaml_get(m, name);
	char key[DNSP_CFG_KEY_CAP];
	int64_t x;

	if (!v)
		return;
	dnsp_cfgld_key_join(key, base, name);
	if (dnsp_cfgld_int(ld, v, key, lo, hi, &x))
		*out = (uint32_t)x;
}

static void get_bool(struct dnsp_cfg_ld *ld, const ynode *m, const char *name,
		     const char *base, bool *out)
{
	const ynode *v = dnsp_yaml_get(m, name);
	char key[DNSP_CFG_KEY_CAP];

	if (!v)
		return;
	dnsp_cfgld_key_join(key, base, name);
	dnsp_cfgld_bool(ld, v, key, out);
}

static void load_limits(struct dnsp_cfg_ld *ld, const ynode *m, struct dnsp_cfg_recursion *r)
{
	static const char *const keys[] = { "max_referrals", "max_cname_chain",
		"max_upstream_queries", "max_ns_lookups", NULL };
	if (!dnsp_cfgld_want_map(ld, m, "resolver.limits"))
		return;
	dnsp_cfgld_check_keys(ld, m, "resolver.limits", keys);
	get_u32(ld, m, "max_referrals", "resolver.limits", 1, 64, &r->max_referrals);
	get_u32(ld, m, "max_cname_chain", "resolver.limits", 0, 32, &r->max_cname_chain);
	get_u32(ld, m, "max_upstream_queries", "resolver.limits", 1, 1000,
		&r->max_upstream_queries);
	get_u32(ld, m, "max_ns_lookups", "resolver.limits", 0, 32, &r->max_ns_lookups);
}

static void load_cache(struct dnsp_cfg_ld *ld, const ynode *m, struct dnsp_cfg_recursion *r)
{
	static const char *const keys[] = { "max_size_mb", "max_ttl", "min_ttl",
		"max_negative_ttl", "serve_stale", "stale_ttl", "prefetch", NULL };
	if (!dnsp_cfgld_want_map(ld, m, "resolver.cache"))
		return;
	dnsp_cfgld_check_keys(ld, m, "resolver.cache", keys);
	uint32_t mb = (uint32_t)(r->cache_max_bytes >> 20);
	get_u32(ld, m, "max_size_mb", "resolver.cache", 1, 1 << 20, &mb);
	r->cache_max_bytes = (uint64_t)mb << 20;
	get_u32(ld, m, "max_ttl", "resolver.cache", 1, 0x7fffffff, &r->cache_max_ttl);
	get_u32(ld, m, "min_ttl", "resolver.cache", 0, 86400, &r->cache_min_ttl);
	get_u32(ld, m, "max_negative_ttl", "resolver.cache", 0, 86400 * 7,
		&r->cache_max_negative_ttl);
	get_bool(ld, m, "serve_stale", "resolver.cache", &r->serve_stale);
	get_u32(ld, m, "stale_ttl", "resolver.cache", 1, 86400 * 7, &r->stale_ttl);
	get_bool(ld, m, "prefetch", "resolver.cache", &r->prefetch);
	const ynode *v = dnsp_yaml_get(m, "min_ttl");
	if (v && r->cache_min_ttl > r->cache_max_ttl)
		dnsp_cfgld_err(ld, v->line, "resolver.cache.min_ttl",
			       "min_ttl %u is above max_ttl %u", r->cache_min_ttl,
			       r->cache_max_ttl);
}

static void load_ecs(struct dnsp_cfg_ld *ld, const ynode *s, struct dnsp_cfg_recursion *r)
{
	static const char *const keys[] = { "vpc", "ipv4_prefix", "ipv6_prefix", NULL };
	if (!dnsp_cfgld_want_seq(ld, s, "resolver.ecs_upstream"))
		return;
	r->ecs = calloc(s->n ? s->n : 1, sizeof(*r->ecs));
	if (!r->ecs)
		return;
	for (size_t i = 0; i < s->n; i++) {
		const ynode *m = s->items[i];
		char base[DNSP_CFG_KEY_CAP], key[DNSP_CFG_KEY_CAP];
		dnsp_cfgld_key_index(base, "resolver.ecs_upstream", i);
		if (!dnsp_cfgld_want_map(ld, m, base))
			continue;
		dnsp_cfgld_check_keys(ld, m, base, keys);
		struct dnsp_cfg_ecs_upstream *e = &r->ecs[r->necs];
		e->line = m->line;
		e->v4 = 24;  /* RFC 7871 §11.1: /24 and /56 by default */
		e->v6 = 56;
		const ynode *v = dnsp_cfgld_need(ld, m, base, "vpc");
		if (!v)
			continue;
		dnsp_cfgld_key_join(key, base, "vpc");
		e->vpc_id = dnsp_cfgld_str(ld, v, key, 1, 256);
		uint32_t x = e->v4;
		get_u32(ld, m, "ipv4_prefix", base, 0, 32, &x);
		e->v4 = (uint8_t)x;
		x = e->v6;
		get_u32(ld, m, "ipv6_prefix", base, 0, 128, &x);
		e->v6 = (uint8_t)x;
		if (e->vpc_id)
			r->necs++;
	}
}

static void load_anchors(struct dnsp_cfg_ld *ld, const ynode *s, struct dnsp_cfg_recursion *r)
{
	if (!dnsp_cfgld_want_seq(ld, s, "resolver.trust_anchors"))
		return;
	r->trust_anchors = calloc(s->n ? s->n : 1, sizeof(char *));
	if (!r->trust_anchors)
		return;
	for (size_t i = 0; i < s->n; i++) {
		char key[DNSP_CFG_KEY_CAP];
		dnsp_cfgld_key_index(key, "resolver.trust_anchors", i);
		char *t = dnsp_cfgld_str(ld, s->items[i], key, 1, 8192);
		if (!t)
			continue;
		/* "owner [TTL] [IN] DS|DNSKEY rdata": parse with the zone reader's
		 * rules through the rdata parser. */
		char owner[512], f1[32], f2[32], f3[32];
		int used = 0;
		bool ok = false;
		if (sscanf(t, "%511s %31s %n", owner, f1, &used) >= 2) {
			const char *rest = t + used;
			const char *type = f1;
			if (strcmp(f1, "IN") == 0 || (f1[0] >= '0' && f1[0] <= '9')) {
				int u2 = 0;
				if (sscanf(rest, "%31s %n", f2, &u2) >= 1) {
					type = f2;
					rest += u2;
					if (strcmp(f2, "IN") == 0 &&
					    sscanf(rest, "%31s %n", f3, &u2) >= 1) {
						type = f3;
						rest += u2;
					}
				}
			}
			int ty = dnsp_rrtype_from_text(type, strlen(type));
			uint8_t name[DNSP_NAME_MAX], rd[2048];
			const char *why = NULL;
			if ((ty == DNSP_T_DS || ty == DNSP_T_DNSKEY) &&
			    dnsp_name_from_text(owner, strlen(owner), NULL, name) > 0 &&
			    dnsp_rdata_from_text((uint16_t)ty, rest, strlen(rest), NULL, rd,
						 sizeof(rd), &why) > 0)
				ok = true;
		}
		if (!ok) {
			dnsp_cfgld_err(ld, s->items[i]->line, key,
				       "expected a DS or DNSKEY record in presentation form, "
				       "e.g. \"example. IN DS 12345 13 2 <hex>\"");
			free(t);
			continue;
		}
		r->trust_anchors[r->ntrust_anchors++] = t;
	}
}

void dnsp_cfg_recursion_load(struct dnsp_cfg_ld *ld, const ynode *m,
			     struct dnsp_cfg_recursion **out)
{
	*out = NULL;
	if (!m || m->kind != DNSP_YAML_MAP)
		return;
	struct dnsp_cfg_recursion *r = malloc(sizeof(*r));
	if (!r) {
		dnsp_cfgld_err(ld, m->line, "resolver", "out of memory");
		return;
	}
	dnsp_cfg_recursion_defaults(r);
	r->loc.file = ld->file;
	r->loc.line = m->line;
	*out = r;

	const ynode *v;
	get_bool(ld, m, "qname_minimisation", "resolver", &r->qname_minimisation);
	get_bool(ld, m, "use_0x20", "resolver", &r->use_0x20);
	get_u32(ld, m, "query_timeout_ms", "resolver", 100, 60000, &r->query_timeout_ms);
	get_u32(ld, m, "upstream_timeout_ms", "resolver", 10, 10000, &r->upstream_timeout_ms);
	uint32_t port = r->hints_port;
	get_u32(ld, m, "root_hints_port", "resolver", 1, 65535, &port);
	r->hints_port = (uint16_t)port;
	if ((v = dnsp_yaml_get(m, "limits")))
		load_limits(ld, v, r);
	if ((v = dnsp_yaml_get(m, "cache")))
		load_cache(ld, v, r);
	if ((v = dnsp_yaml_get(m, "ecs_upstream")) && !dnsp_yaml_is_null(v))
		load_ecs(ld, v, r);
	if ((v = dnsp_yaml_get(m, "trust_anchors")) && !dnsp_yaml_is_null(v))
		load_anchors(ld, v, r);
	if ((v = dnsp_yaml_get(m, "root_hints")) && !dnsp_yaml_is_null(v)) {
		r->root_hints_path = dnsp_cfgld_path(ld, v, "resolver.root_hints");
		if (r->root_hints_path)
			load_hints(ld, r, v->line);
	}
	if (r->upstream_timeout_ms >= r->query_timeout_ms && (v = dnsp_yaml_get(m, "upstream_timeout_ms")))
		dnsp_cfgld_err(ld, v->line, "resolver.upstream_timeout_ms",
			       "must be below query_timeout_ms (%u)", r->query_timeout_ms);
}

void dnsp_cfg_recursion_check(struct dnsp_cfg_ld *ld, const struct dnsp_cfg_recursion *r)
{
	if (!r)
		return;
	const struct dnsp_config *c = ld->c;
	for (size_t i = 0; i < r->necs; i++) {
		const struct dnsp_cfg_ecs_upstream *e = &r->ecs[i];
		bool found = false;
		for (size_t j = 0; j < c->nvpcs && !found; j++)
			found = c->vpcs[j].id && strcmp(c->vpcs[j].id, e->vpc_id) == 0;
		char key[DNSP_CFG_KEY_CAP];
		dnsp_cfgld_key_index(key, "resolver.ecs_upstream", i);
		if (!found)
			dnsp_cfgld_err(ld, e->line, key, "vpc \"%s\" is not in vpcs", e->vpc_id);
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->ecs[j].vpc_id, e->vpc_id) == 0)
				dnsp_cfgld_err(ld, e->line, key, "vpc \"%s\" listed twice",
					       e->vpc_id);
	}
}

void dnsp_cfg_recursion_destroy(struct dnsp_cfg_recursion *r)
{
	if (!r)
		return;
	free(r->root_hints_path);
	free(r->hints);
	for (size_t i = 0; i < r->ntrust_anchors; i++)
		free(r->trust_anchors[i]);
	free(r->trust_anchors);
	for (size_t i = 0; i < r->necs; i++)
		free(r->ecs[i].vpc_id);
	free(r->ecs);
	free(r);
}
