/*
 * Loader of the `firewall` section (ctrl/config_firewall.h): domain lists
 * (inline and from files in the three feed formats), rule groups with
 * their rules, VPC associations and per-VPC fail modes, each field checked
 * with the AWS rule it comes from (SEMANTICS §13, §18) and every problem
 * reported as FILE:LINE: KEY: message. Domain sets are packed (one blob
 * and an offset array) because a threat feed of a million names would
 * otherwise cost a million small allocations, and they are deduplicated
 * while loading so the API lists each domain once, as AWS does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config_firewall.h"
#include "config_load.h"
#include "config_profiles.h"
#include "../lib/fileio.h"
#include "../lib/firewall.h"
#include "../lib/wire/name.h"
#include "../lib/wire/rdata.h"

#define FILE_ERRORS_MAX 20  /* bad lines listed per domain file */

/* ------------------------------------------------------------------------ */
/* domain sets                                                              */

static uint64_t str_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static int index_build(struct dnsp_cfg_fw_domains *d, size_t want)
{
	size_t size = 64;
	while (size < want * 2)
		size *= 2;
	uint32_t *idx = calloc(size, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++) {
		const char *e = d->blob + d->offs[i];
		size_t h = (size_t)str_hash(e, strlen(e)) & (size - 1);
		while (idx[h])
			h = (h + 1) & (size - 1);
		idx[h] = (uint32_t)i + 1;
	}
	free(d->index);
	d->index = idx;
	d->index_mask = size - 1;
	return 0;
}

/* Slot of entry in the index: its position (found) or the empty slot. */
static size_t index_slot(const struct dnsp_cfg_fw_domains *d, const char *e, size_t len,
			 bool *found)
{
	size_t h = (size_t)str_hash(e, len) & d->index_mask;
	for (;; h = (h + 1) & d->index_mask) {
		uint32_t v = d->index[h];
		if (!v) {
			*found = false;
			return h;
		}
		const char *x = d->blob + d->offs[v - 1];
		if (strncmp(x, e, len) == 0 && x[len] == 0) {
			*found = true;
			return h;
		}
	}
}

int dnsp_cfg_fw_domains_add(struct dnsp_cfg_fw_domains *d, const char *entry, size_t len)
{
	if (!d->index || (d->n + 1) * 2 > d->index_mask + 1) {
		if (index_build(d, d->n + 1 > 1024 ? (d->n + 1) * 2 : 1024) < 0)
			return -ENOMEM;
	}
	bool found;
	size_t slot = index_slot(d, entry, len, &found);
	if (found)
		return 0;
	if (d->len + len + 1 > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 4096;
		while (cap < d->len + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -ENOMEM;
		char *b = realloc(d->blob, cap);
		if (!b)
			return -ENOMEM;
		d->blob = b;
		d->cap = cap;
	}
	if (d->n + 1 > d->cap_offs) {
		size_t cap = d->cap_offs ? d->cap_offs * 2 : 256;
		uint32_t *o = realloc(d->offs, cap * sizeof(*o));
		if (!o)
			return -ENOMEM;
		d->offs = o;
		d->cap_offs = cap;
	}
	d->offs[d->n] = (uint32_t)d->len;
	memcpy(d->blob + d->len, entry, len);
	d->blob[d->len + len] = 0;
	d->len += len + 1;
	d->index[slot] = (uint32_t)++d->n;
	return 1;
}

bool dnsp_cfg_fw_domains_has(struct dnsp_cfg_fw_domains *d, const char *entry, size_t len)
{
	if (d->n == 0)
		return false;
	if (!d->index && index_build(d, d->n) < 0) {
		for (size_t i = 0; i < d->n; i++) {
			const char *x = d->blob + d->offs[i];
			if (strncmp(x, entry, len) == 0 && x[len] == 0)
				return true;
		}
		return false;
	}
	bool found;
	(void)index_slot(d, entry, len, &found);
	return found;
}

void dnsp_cfg_fw_domains_seal(struct dnsp_cfg_fw_domains *d)
{
	free(d->index);
	d->index = NULL;
	d->index_mask = 0;
}

void dnsp_cfg_fw_domains_fini(struct dnsp_cfg_fw_domains *d)
{
	free(d->blob);
	free(d->offs);
	free(d->index);
	memset(d, 0, sizeof(*d));
}

/* ------------------------------------------------------------------------ */
/* domain files                                                             */

struct file_ctx {
	const char *path, *key, *list_id;
	struct dnsp_cfg_fw_domains *out;
	struct dnsp_errlist *errs;
	size_t nerr;
	bool nomem;
};

static void file_error(void *ctx, int line, const char *entry, size_t len, const char *msg)
{
	struct file_ctx *f = ctx;
	char sh[DNSP_CFG_SHOW_CAP];
	if (f->nerr++ >= FILE_ERRORS_MAX)
		return;
	if (len)
		dnsp_errlist_add(f->errs, f->path, line, f->key, "list %s: '%s': %s", f->list_id,
				 dnsp_cfgld_show(sh, sizeof(sh), entry, len), msg);
	else
		dnsp_errlist_add(f->errs, f->path, line, f->key, "list %s: %s", f->list_id, msg);
}

static int file_entry(void *ctx, const char *domain, size_t len, int line)
{
	struct file_ctx *f = ctx;
	(void)line;
	if (dnsp_cfg_fw_domains_add(f->out, domain, len) < 0) {
		f->nomem = true;
		return -ENOMEM;
	}
	return 0;
}

int dnsp_cfg_fw_read_domain_file(const char *path, enum dnsp_dl_format fmt, const char *key,
				 const char *list_id, struct dnsp_cfg_fw_domains *out,
				 struct dnsp_errlist *errs)
{
	struct dnsp_file file;
	/* a FIFO, device or directory is refused without blocking */
	int rc = dnsp_file_read(path, DNSP_FILE_MAX, &file);
	if (rc < 0) {
		dnsp_errlist_add(errs, path, 1, key, "list %s: cannot read the domain file: %s",
				 list_id, dnsp_file_strerror(rc, file.st.st_mode));
		return rc;
	}
	struct file_ctx f = { .path = path, .key = key, .list_id = list_id, .out = out,
		.errs = errs };
	struct dnsp_dl_stats st;
	rc = dnsp_domainlist_parse(file.text, file.len, fmt, file_entry, file_error, &f, &st);
	dnsp_file_free(&file);
	if (f.nomem) {
		dnsp_errlist_add(errs, path, 1, key, "list %s: out of memory", list_id);
		return -ENOMEM;
	}
	if (f.nerr > FILE_ERRORS_MAX)
		dnsp_errlist_add(errs, path, 1, key, "list %s: %zu more bad lines in this %s file",
				 list_id, f.nerr - FILE_ERRORS_MAX,
				 dnsp_domainlist_format_name(st.format));
	if (rc < 0 || f.nerr)
		return DNSP_ECONFIG;
	return (int)(st.entries > INT32_MAX ? INT32_MAX : st.entries);
}

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

/* SEMANTICS §18: names match (?!^[0-9]+$)([a-zA-Z0-9\-_' ']+), <= 64. */
static char *load_aws_name(struct dnsp_cfg_ld *ld, const ynode *v, const char *key)
{
	char *s = dnsp_cfgld_str(ld, v, key, 1, 64);
	if (!s)
		return NULL;
	bool digits = true, ok = true;
	for (const char *p = s; *p; p++) {
		char c = *p;
		digits &= c >= '0' && c <= '9';
		ok &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == ' ';
	}
	if (!ok || digits) {
		char sh[DNSP_CFG_SHOW_CAP];
		dnsp_cfgld_err(ld, v->line, key, "invalid name \"%s\": letters, digits, '-', '_' and "
			       "spaces, not digits only", dnsp_cfgld_shows(sh, s));
		free(s);
		return NULL;
	}
	return s;
}

struct dnsp_cfg_fw_list *dnsp_cfg_fw_list_find(const struct dnsp_config *c, const char *id)
{
	const struct dnsp_cfg_firewall *f = c->firewall;
	for (size_t i = 0; f && id && i < f->nlists; i++)
		if (f->lists[i].id && strcmp(f->lists[i].id, id) == 0)
			return &f->lists[i];
	return NULL;
}

const struct dnsp_cfg_fw_group *dnsp_cfg_fw_group_find(const struct dnsp_config *c,
						       const char *id)
{
	const struct dnsp_cfg_firewall *f = c->firewall;
	for (size_t i = 0; f && id && i < f->ngroups; i++)
		if (f->groups[i].id && strcmp(f->groups[i].id, id) == 0)
			return &f->groups[i];
	return NULL;
}

bool dnsp_cfg_fw_fail_open(const struct dnsp_config *c, const char *vpc_id)
{
	const struct dnsp_cfg_firewall *f = c->firewall;
	for (size_t i = 0; f && i < f->nconfigs; i++)
		if (f->configs[i].resource_id && strcmp(f->configs[i].resource_id, vpc_id) == 0 &&
		    f->configs[i].fail_open >= 0)
			return f->configs[i].fail_open == 1;
	return dnsp_cfg_profile_fw_fail_open(c, vpc_id) == DNSP_TOGGLE_ENABLED;
}

/* ------------------------------------------------------------------------ */
/* domain_lists                                                             */

static void load_list(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
		      struct dnsp_cfg_fw_list *l)
{
	static const char *const keys[] = { "Id", "Name", "Domains", "DomainFile",
		"DomainFileFormat", NULL };
	static const char *const formats[] = { "auto", "plain", "hosts", "rpz", NULL };
	char key[DNSP_CFG_KEY_CAP], ikey[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;

	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Id");
	if ((v = dnsp_cfgld_need(ld, m, path, "Id")))
		l->id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_yaml_get(m, "Name")))
		l->name = load_aws_name(ld, v, key);
	const char *lid = l->id ? l->id : "?";

	dnsp_cfgld_key_join(key, path, "Domains");
	if ((v = dnsp_yaml_get(m, "Domains")) && !dnsp_yaml_is_null(v) &&
	    dnsp_cfgld_want_seq(ld, v, key)) {
		for (size_t i = 0; i < v->n; i++) {
			const ynode *d = v->items[i];
			dnsp_cfgld_key_index(ikey, key, i);
			char *text = dnsp_cfgld_str(ld, d, ikey, 0, 0);
			if (!text)
				continue;
			char norm[DNSP_DOMAIN_TEXT_MAX + 1];
			const char *why = NULL;
			int n = dnsp_domain_normalize(text, strlen(text), norm, &why);
			if (n < 0)
				dnsp_cfgld_err(ld, d->line, ikey, "list %s: '%s': %s", lid,
					       dnsp_cfgld_shows(sh, text), why);
			else if (dnsp_cfg_fw_domains_add(&l->domains, norm, (size_t)n) < 0)
				dnsp_cfgld_err(ld, d->line, ikey, "out of memory");
			free(text);
		}
	}
	dnsp_cfgld_key_join(key, path, "DomainFileFormat");
	if ((v = dnsp_yaml_get(m, "DomainFileFormat"))) {
		int f = dnsp_cfgld_enum(ld, v, key, formats);
		if (f >= 0)
			l->file_format = (enum dnsp_dl_format)f;
	}
	dnsp_cfgld_key_join(key, path, "DomainFile");
	if ((v = dnsp_yaml_get(m, "DomainFile"))) {
		l->domain_file = dnsp_cfgld_path(ld, v, key);
		if (l->domain_file) {
			int rc = dnsp_cfg_fw_read_domain_file(l->domain_file, l->file_format, key, lid,
							      &l->domains, ld->errs);
			if (rc < 0)
				ld->nerr++; /* reported into errs with the file's own lines */
		}
	} else if (dnsp_yaml_get(m, "DomainFileFormat")) {
		dnsp_cfgld_err(ld, m->line, key, "DomainFileFormat needs a DomainFile");
	}
	dnsp_cfg_fw_domains_seal(&l->domains);
}

/* ------------------------------------------------------------------------ */
/* rule_groups                                                              */

static const char *const actions[] = { "ALLOW", "BLOCK", "ALERT", NULL };
static const char *const blocks[] = { "NODATA", "NXDOMAIN", "OVERRIDE", NULL };
static const char *const threats[] = { "DGA", "DNS_TUNNELING", "DICTIONARY_DGA", NULL };
static const char *const confidences[] = { "LOW", "MEDIUM", "HIGH", NULL };
static const char *const redirections[] = { "INSPECT_REDIRECTION_DOMAIN",
	"TRUST_REDIRECTION_DOMAIN", NULL };

static void load_rule(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
		      const char *group_id, struct dnsp_cfg_fw_rule *r)
{
	static const char *const keys[] = { "Name", "Priority", "Action",
		"FirewallDomainListId", "BlockResponse", "BlockOverrideDomain",
		"BlockOverrideDnsType", "BlockOverrideTtl", "Qtype",
		"FirewallDomainRedirectionAction", "DnsThreatProtection", "ConfidenceThreshold",
		"FirewallRuleGroupId", "CreatorRequestId", NULL };
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;
	int64_t x;

	r->loc.file = ld->file;
	r->loc.line = m->line;
	r->priority = -1;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_cfgld_need(ld, m, path, "Name")))
		r->name = load_aws_name(ld, v, key);
	dnsp_cfgld_key_join(key, path, "Priority");
	if ((v = dnsp_cfgld_need(ld, m, path, "Priority")) &&
	    dnsp_cfgld_int(ld, v, key, 0, INT32_MAX, &x))
		r->priority = x;
	int action = -1;
	dnsp_cfgld_key_join(key, path, "Action");
	if ((v = dnsp_cfgld_need(ld, m, path, "Action")) &&
	    (action = dnsp_cfgld_enum(ld, v, key, actions)) >= 0)
		r->action = (uint8_t)(DNSP_FW_ALLOW + action);
	dnsp_cfgld_key_join(key, path, "FirewallRuleGroupId");
	if ((v = dnsp_yaml_get(m, "FirewallRuleGroupId"))) {
		char *g = dnsp_cfgld_str(ld, v, key, 1, 64);
		if (g && group_id && strcmp(g, group_id) != 0)
			dnsp_cfgld_err(ld, v->line, key, "\"%s\" is not the enclosing rule group "
				       "\"%s\"", dnsp_cfgld_shows(sh, g), group_id);
		free(g);
	}

	/* The match: a domain list, or a DNS Firewall Advanced heuristic
	 * (SEMANTICS §13: never both in one rule, and never ALLOW). */
	const ynode *lv = dnsp_yaml_get(m, "FirewallDomainListId");
	const ynode *tv = dnsp_yaml_get(m, "DnsThreatProtection");
	const ynode *cv = dnsp_yaml_get(m, "ConfidenceThreshold");
	dnsp_cfgld_key_join(key, path, "FirewallDomainListId");
	if (lv)
		r->list_id = dnsp_cfgld_str(ld, lv, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "DnsThreatProtection");
	if (tv) {
		int t = dnsp_cfgld_enum(ld, tv, key, threats);
		if (t == 2)
			dnsp_cfgld_err(ld, tv->line, key, "DICTIONARY_DGA is not supported by this "
				       "build (DGA and DNS_TUNNELING are)");
		else if (t >= 0)
			r->threat = (uint8_t)(t == 0 ? DNSP_FW_THREAT_DGA : DNSP_FW_THREAT_TUNNELING);
		if (lv)
			dnsp_cfgld_err(ld, tv->line, key, "a rule has either FirewallDomainListId "
				       "or DnsThreatProtection, not both");
		if (action == 0)
			dnsp_cfgld_err(ld, tv->line, key, "DnsThreatProtection rules cannot ALLOW "
				       "(BLOCK or ALERT)");
		if (!cv)
			dnsp_cfgld_err(ld, tv->line, key, "needs a ConfidenceThreshold "
				       "(LOW, MEDIUM or HIGH)");
	} else if (!lv) {
		dnsp_cfgld_key_join(key, path, "FirewallDomainListId");
		dnsp_cfgld_err(ld, m->line, key, "a rule needs a FirewallDomainListId (or "
			       "DnsThreatProtection with a ConfidenceThreshold)");
	}
	dnsp_cfgld_key_join(key, path, "ConfidenceThreshold");
	if (cv) {
		int cf = dnsp_cfgld_enum(ld, cv, key, confidences);
		if (cf >= 0)
			r->confidence = (uint8_t)cf;
		if (!tv)
			dnsp_cfgld_err(ld, cv->line, key, "only with DnsThreatProtection");
	}

	/* BLOCK and its response (SEMANTICS §13). */
	const ynode *bv = dnsp_yaml_get(m, "BlockResponse");
	const ynode *od = dnsp_yaml_get(m, "BlockOverrideDomain");
	const ynode *ot = dnsp_yaml_get(m, "BlockOverrideDnsType");
	const ynode *ottl = dnsp_yaml_get(m, "BlockOverrideTtl");
	int block = -1;
	dnsp_cfgld_key_join(key, path, "BlockResponse");
	if (bv) {
		if ((block = dnsp_cfgld_enum(ld, bv, key, blocks)) >= 0)
			r->block = (uint8_t)block;
		if (action >= 0 && action != 1)
			dnsp_cfgld_err(ld, bv->line, key, "only for Action BLOCK (this rule is %s)",
				       actions[action]);
	} else if (action == 1) {
		dnsp_cfgld_err(ld, m->line, key, "required for Action BLOCK (NODATA, NXDOMAIN or "
			       "OVERRIDE)");
	}
	bool override = bv && block == 2;
	dnsp_cfgld_key_join(key, path, "BlockOverrideDomain");
	if (od) {
		if (!override && !(bv && block < 0))
			dnsp_cfgld_err(ld, od->line, key, "only with BlockResponse OVERRIDE");
		char *t = dnsp_cfgld_str(ld, od, key, 1, 255);
		if (t) {
			uint8_t w[DNSP_NAME_MAX];
			size_t tl = strlen(t);
			int rc = dnsp_name_from_text(t, tl, (const uint8_t *)"", w);
			if (rc < 0 || strchr(t, '*')) {
				dnsp_cfgld_err(ld, od->line, key, "invalid domain name \"%s\"",
					       dnsp_cfgld_shows(sh, t));
				free(t);
			} else if (tl && t[tl - 1] != '.') {
				char *abs = malloc(tl + 2);
				if (abs) {
					memcpy(abs, t, tl);
					abs[tl] = '.';
					abs[tl + 1] = 0;
				}
				free(t);
				r->override_domain = abs;
			} else {
				r->override_domain = t;
			}
		}
	} else if (override) {
		dnsp_cfgld_err(ld, m->line, key, "required for BlockResponse OVERRIDE");
	}
	dnsp_cfgld_key_join(key, path, "BlockOverrideDnsType");
	if (ot) {
		static const char *const types[] = { "CNAME", NULL };
		(void)dnsp_cfgld_enum(ld, ot, key, types);
		if (!override && !(bv && block < 0))
			dnsp_cfgld_err(ld, ot->line, key, "only with BlockResponse OVERRIDE");
	}
	dnsp_cfgld_key_join(key, path, "BlockOverrideTtl");
	if (ottl) {
		if (dnsp_cfgld_int(ld, ottl, key, 0, 604800, &x))
			r->override_ttl = (uint32_t)x;
		if (!override && !(bv && block < 0))
			dnsp_cfgld_err(ld, ottl->line, key, "only with BlockResponse OVERRIDE");
	}

	dnsp_cfgld_key_join(key, path, "Qtype");
	if ((v = dnsp_yaml_get(m, "Qtype"))) {
		char *t = dnsp_cfgld_str(ld, v, key, 1, 16);
		int type = t ? dnsp_rrtype_from_text(t, strlen(t)) : -1;
		if (t && (type <= 0 || type > 65334 || type == DNSP_T_OPT || type == DNSP_T_ANY ||
			  type == DNSP_T_AXFR || type == DNSP_T_IXFR))
			dnsp_cfgld_err(ld, v->line, key, "\"%s\" is not a query type a rule can "
				       "filter on (A, AAAA, CNAME, MX, TXT, ..., or TYPEnnn)",
				       dnsp_cfgld_shows(sh, t));
		else if (t)
			r->qtype = (uint16_t)type;
		free(t);
	}
	dnsp_cfgld_key_join(key, path, "FirewallDomainRedirectionAction");
	if ((v = dnsp_yaml_get(m, "FirewallDomainRedirectionAction"))) {
		int ra = dnsp_cfgld_enum(ld, v, key, redirections);
		if (ra >= 0)
			r->redirection = ra;
	}
	dnsp_cfgld_key_join(key, path, "CreatorRequestId");
	if ((v = dnsp_yaml_get(m, "CreatorRequestId")))
		free(dnsp_cfgld_str(ld, v, key, 1, 255));
}

static void load_group(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
		       struct dnsp_cfg_fw_group *g)
{
	static const char *const keys[] = { "Id", "Name", "FirewallRules", NULL };
	char key[DNSP_CFG_KEY_CAP], item[DNSP_CFG_KEY_CAP];
	const ynode *v;

	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Id");
	if ((v = dnsp_cfgld_need(ld, m, path, "Id")))
		g->id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_yaml_get(m, "Name")))
		g->name = load_aws_name(ld, v, key);
	dnsp_cfgld_key_join(key, path, "FirewallRules");
	v = dnsp_yaml_get(m, "FirewallRules");
	if (!v || dnsp_yaml_is_null(v) || !dnsp_cfgld_want_seq(ld, v, key))
		return;
	g->rules = calloc(v->n ? v->n : 1, sizeof(*g->rules));
	if (!g->rules) {
		dnsp_cfgld_err(ld, v->line, key, "out of memory");
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		struct dnsp_cfg_fw_rule *r = &g->rules[g->nrules++];
		dnsp_cfgld_key_index(item, key, i);
		r->loc.file = ld->file;
		r->loc.line = v->items[i]->line;
		r->priority = -1;
		if (dnsp_cfgld_want_map(ld, v->items[i], item))
			load_rule(ld, v->items[i], item, g->id, r);
	}
	/* Priority is unique within a group (SEMANTICS §13), and so is Name
	 * (the metrics and the query log identify a rule by it). */
	for (size_t i = 0; i < g->nrules; i++) {
		for (size_t j = 0; j < i; j++) {
			const struct dnsp_cfg_fw_rule *a = &g->rules[i], *b = &g->rules[j];
			dnsp_cfgld_key_index(item, key, i);
			if (a->priority >= 0 && a->priority == b->priority)
				dnsp_cfgld_err(ld, a->loc.line, item, "Priority %lld is already used by "
					       "FirewallRules[%zu] of group %s", (long long)a->priority,
					       j, g->id ? g->id : "?");
			if (a->name && b->name && strcmp(a->name, b->name) == 0)
				dnsp_cfgld_err(ld, a->loc.line, item, "Name \"%s\" is already used by "
					       "FirewallRules[%zu] of group %s", a->name, j,
					       g->id ? g->id : "?");
		}
	}
}

/* ------------------------------------------------------------------------ */
/* associations and configs                                                 */

static void load_assoc(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
		       struct dnsp_cfg_fw_assoc *a)
{
	static const char *const keys[] = { "FirewallRuleGroupId", "VpcId", "Priority", "Name",
		"MutationProtection", "CreatorRequestId", "Tags", NULL };
	static const char *const toggles[] = { "DISABLED", "ENABLED", NULL };
	char key[DNSP_CFG_KEY_CAP];
	const ynode *v;
	int64_t x;

	a->priority = -1;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "FirewallRuleGroupId");
	if ((v = dnsp_cfgld_need(ld, m, path, "FirewallRuleGroupId")))
		a->group_id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "VpcId");
	if ((v = dnsp_cfgld_need(ld, m, path, "VpcId")))
		a->vpc_id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "Priority");
	if ((v = dnsp_cfgld_need(ld, m, path, "Priority")) &&
	    dnsp_cfgld_int(ld, v, key, 100, 9900, &x))
		a->priority = (int)x;
	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_yaml_get(m, "Name")))
		a->name = load_aws_name(ld, v, key);
	dnsp_cfgld_key_join(key, path, "MutationProtection");
	if ((v = dnsp_yaml_get(m, "MutationProtection")))
		a->mutation_protection = dnsp_cfgld_enum(ld, v, key, toggles) == 1;
	dnsp_cfgld_key_join(key, path, "CreatorRequestId");
	if ((v = dnsp_yaml_get(m, "CreatorRequestId")))
		free(dnsp_cfgld_str(ld, v, key, 1, 255));
	dnsp_cfgld_key_join(key, path, "Tags");
	if ((v = dnsp_yaml_get(m, "Tags")) && !dnsp_yaml_is_null(v))
		(void)dnsp_cfgld_want_seq(ld, v, key);
}

static void load_vpcconf(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			 struct dnsp_cfg_fw_vpcconf *f)
{
	static const char *const keys[] = { "Id", "ResourceId", "OwnerId", "FirewallFailOpen",
		NULL };
	static const char *const modes[] = { "DISABLED", "ENABLED", "USE_LOCAL_RESOURCE_SETTING",
		NULL };
	char key[DNSP_CFG_KEY_CAP];
	const ynode *v;

	f->fail_open = -1;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Id");
	if ((v = dnsp_yaml_get(m, "Id")))
		f->id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "OwnerId");
	if ((v = dnsp_yaml_get(m, "OwnerId")))
		free(dnsp_cfgld_str(ld, v, key, 1, 64));
	dnsp_cfgld_key_join(key, path, "ResourceId");
	if ((v = dnsp_cfgld_need(ld, m, path, "ResourceId")))
		f->resource_id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "FirewallFailOpen");
	if ((v = dnsp_cfgld_need(ld, m, path, "FirewallFailOpen"))) {
		int mode = dnsp_cfgld_enum(ld, v, key, modes);
		f->fail_open = mode == 2 ? -1 : mode;
	}
}

/* ------------------------------------------------------------------------ */
/* section                                                                  */

/* Loads the list of section key `name` with one loader per item; items
 * get a slot each so that messages index them as in the file. */
#define LOAD_SEQ(ld_, sec_, name_, arr_, cnt_, loader_)                                 \
	do {                                                                            \
		const ynode *sv_ = dnsp_yaml_get(sec_, name_);                          \
		char k_[DNSP_CFG_KEY_CAP], it_[DNSP_CFG_KEY_CAP];                       \
		snprintf(k_, sizeof(k_), "firewall.%s", name_);                         \
		if (!sv_ || !(arr_ = dnsp_cfgld_seq_alloc(ld_, sv_, k_, sizeof(*arr_))))  \
			break;                                                          \
		for (size_t i_ = 0; i_ < sv_->n; i_++) {                                \
			dnsp_cfgld_key_index(it_, k_, i_);                              \
			arr_[cnt_].loc.file = ld_->file;                                \
			arr_[cnt_].loc.line = sv_->items[i_]->line;                     \
			if (dnsp_cfgld_want_map(ld_, sv_->items[i_], it_))              \
				loader_(ld_, sv_->items[i_], it_, &arr_[cnt_]);         \
			cnt_++;                                                         \
		}                                                                       \
	} while (0)

static void firewall_load(struct dnsp_cfg_ld *ld, const ynode *v)
{
	static const char *const keys[] = { "domain_lists", "rule_groups",
		"rule_group_associations", "configs", NULL };
	struct dnsp_config *c = ld->c;
	if (dnsp_yaml_is_null(v))
		return;
	if (!dnsp_cfgld_want_map(ld, v, "firewall"))
		return;
	dnsp_cfgld_check_keys(ld, v, "firewall", keys);
	struct dnsp_cfg_firewall *f = calloc(1, sizeof(*f));
	if (!f) {
		dnsp_cfgld_err(ld, v->line, "firewall", "out of memory");
		return;
	}
	c->firewall = f;
	LOAD_SEQ(ld, v, "domain_lists", f->lists, f->nlists, load_list);
	LOAD_SEQ(ld, v, "rule_groups", f->groups, f->ngroups, load_group);
	LOAD_SEQ(ld, v, "rule_group_associations", f->assocs, f->nassocs, load_assoc);
	LOAD_SEQ(ld, v, "configs", f->configs, f->nconfigs, load_vpcconf);
}

static void firewall_check(struct dnsp_cfg_ld *ld)
{
	struct dnsp_config *c = ld->c;
	const struct dnsp_cfg_firewall *f = c->firewall;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];

	for (size_t i = 0; f && i < f->nlists; i++)
		for (size_t j = 0; j < i; j++)
			if (f->lists[i].id && f->lists[j].id &&
			    strcmp(f->lists[i].id, f->lists[j].id) == 0) {
				snprintf(key, sizeof(key), "firewall.domain_lists[%zu].Id", i);
				dnsp_cfgld_err(ld, f->lists[i].loc.line, key, "duplicate Id \"%s\" "
					       "(also domain_lists[%zu])", f->lists[i].id, j);
			}
	for (size_t i = 0; f && i < f->ngroups; i++) {
		const struct dnsp_cfg_fw_group *g = &f->groups[i];
		for (size_t j = 0; j < i; j++)
			if (g->id && f->groups[j].id && strcmp(g->id, f->groups[j].id) == 0) {
				snprintf(key, sizeof(key), "firewall.rule_groups[%zu].Id", i);
				dnsp_cfgld_err(ld, g->loc.line, key, "duplicate Id \"%s\" "
					       "(also rule_groups[%zu])", g->id, j);
			}
		for (size_t r = 0; r < g->nrules; r++) {
			const struct dnsp_cfg_fw_rule *ru = &g->rules[r];
			if (ru->list_id && !dnsp_cfg_fw_list_find(c, ru->list_id)) {
				snprintf(key, sizeof(key),
					 "firewall.rule_groups[%zu].FirewallRules[%zu].FirewallDomainListId",
					 i, r);
				dnsp_cfgld_err(ld, ru->loc.line, key, "domain list \"%s\" is not "
					       "defined in firewall.domain_lists",
					       dnsp_cfgld_shows(sh, ru->list_id));
			}
		}
	}
	for (size_t i = 0; f && i < f->nassocs; i++) {
		const struct dnsp_cfg_fw_assoc *a = &f->assocs[i];
		if (a->group_id && !dnsp_cfg_fw_group_find(c, a->group_id)) {
			snprintf(key, sizeof(key),
				 "firewall.rule_group_associations[%zu].FirewallRuleGroupId", i);
			dnsp_cfgld_err(ld, a->loc.line, key, "rule group \"%s\" is not defined in "
				       "firewall.rule_groups", dnsp_cfgld_shows(sh, a->group_id));
		}
		if (a->vpc_id && !dnsp_cfgld_vpc_find(c, a->vpc_id)) {
			snprintf(key, sizeof(key), "firewall.rule_group_associations[%zu].VpcId", i);
			dnsp_cfgld_err(ld, a->loc.line, key, "VPC \"%s\" is not defined in vpcs",
				       dnsp_cfgld_shows(sh, a->vpc_id));
		}
		for (size_t j = 0; j < i && a->vpc_id; j++) {
			const struct dnsp_cfg_fw_assoc *b = &f->assocs[j];
			if (!b->vpc_id || strcmp(a->vpc_id, b->vpc_id) != 0)
				continue;
			if (a->priority >= 0 && a->priority == b->priority) {
				snprintf(key, sizeof(key),
					 "firewall.rule_group_associations[%zu].Priority", i);
				dnsp_cfgld_err(ld, a->loc.line, key, "Priority %d is already used for "
					       "VPC %s by rule_group_associations[%zu] (unique per VPC)",
					       a->priority, a->vpc_id, j);
			}
			if (a->group_id && b->group_id && strcmp(a->group_id, b->group_id) == 0) {
				snprintf(key, sizeof(key),
					 "firewall.rule_group_associations[%zu].FirewallRuleGroupId", i);
				dnsp_cfgld_err(ld, a->loc.line, key, "rule group %s is already "
					       "associated with VPC %s (rule_group_associations[%zu])",
					       a->group_id, a->vpc_id, j);
			}
		}
	}
	for (size_t i = 0; f && i < f->nconfigs; i++) {
		const struct dnsp_cfg_fw_vpcconf *fc = &f->configs[i];
		snprintf(key, sizeof(key), "firewall.configs[%zu].ResourceId", i);
		if (fc->resource_id && !dnsp_cfgld_vpc_find(c, fc->resource_id))
			dnsp_cfgld_err(ld, fc->loc.line, key, "VPC \"%s\" is not defined in vpcs",
				       dnsp_cfgld_shows(sh, fc->resource_id));
		for (size_t j = 0; j < i && fc->resource_id; j++)
			if (f->configs[j].resource_id &&
			    strcmp(f->configs[j].resource_id, fc->resource_id) == 0)
				dnsp_cfgld_err(ld, fc->loc.line, key, "VPC %s already has a firewall "
					       "config (configs[%zu])", fc->resource_id, j);
	}
	/* Rule groups that Profiles bring (ctrl/config_profiles.h leaves the
	 * Id check to this section). */
	const struct dnsp_cfg_profiles *pr = c->profiles;
	for (size_t p = 0; pr && p < pr->nprofiles; p++) {
		const struct dnsp_cfg_profile *prof = &pr->profiles[p];
		for (size_t r = 0; r < prof->nresources; r++) {
			const struct dnsp_cfg_profile_res *res = &prof->resources[r];
			if (res->kind != DNSP_PROFILE_RES_FW_GROUP || !res->id ||
			    dnsp_cfg_fw_group_find(c, res->id))
				continue;
			snprintf(key, sizeof(key), "profiles[%zu].Resources[%zu].ResourceArn", p, r);
			dnsp_cfgld_err(ld, res->line, key, "\"%s\" is not a private hosted zone, a "
				       "Resolver rule or a rule group of firewall.rule_groups",
				       dnsp_cfgld_shows(sh, res->id));
		}
	}
}

static void firewall_destroy(struct dnsp_config *c)
{
	struct dnsp_cfg_firewall *f = c->firewall;
	if (!f)
		return;
	for (size_t i = 0; i < f->nlists; i++) {
		free(f->lists[i].id);
		free(f->lists[i].name);
		free(f->lists[i].domain_file);
		dnsp_cfg_fw_domains_fini(&f->lists[i].domains);
	}
	for (size_t i = 0; i < f->ngroups; i++) {
		struct dnsp_cfg_fw_group *g = &f->groups[i];
		for (size_t r = 0; r < g->nrules; r++) {
			free(g->rules[r].name);
			free(g->rules[r].list_id);
			free(g->rules[r].override_domain);
		}
		free(g->rules);
		free(g->id);
		free(g->name);
	}
	for (size_t i = 0; i < f->nassocs; i++) {
		free(f->assocs[i].group_id);
		free(f->assocs[i].vpc_id);
		free(f->assocs[i].name);
	}
	for (size_t i = 0; i < f->nconfigs; i++) {
		free(f->configs[i].id);
		free(f->configs[i].resource_id);
	}
	free(f->lists);
	free(f->groups);
	free(f->assocs);
	free(f->configs);
	free(f);
	c->firewall = NULL;
}

const struct dnsp_cfg_section dnsp_cfg_firewall_section = {
	.name = "firewall",
	.load = firewall_load,
	.check = firewall_check,
	.destroy = firewall_destroy,
};
