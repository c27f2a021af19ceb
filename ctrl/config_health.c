/*
 * Loader of the `health_checks` section (ctrl/config_health.h). Each item
 * is Route 53's HealthCheck shape, `{Id, CallerReference?, HealthCheckConfig}`
 * with HealthCheckConfig exactly as CreateHealthCheck takes it (SEMANTICS
 * §17), so `aws route53 get-health-check` output pastes in; `IntervalMs` and
 * `TimeoutMs` beside HealthCheckConfig are dnsplane's own test knobs. Every
 * field is checked where it is read and reported as "FILE:LINE: KEY:
 * message"; fields that do not apply to the check's Type are errors (as the
 * API rejects them) rather than silently ignored. Cross-references — child
 * checks of CALCULATED checks and every record set's HealthCheckId — are
 * checked in check(), after all sections are loaded.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_health.h"
#include "config_load.h"
#include "../lib/health.h"

static const char *const type_names[] = { "HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH",
					  "TCP", "CALCULATED", "CLOUDWATCH_METRIC",
					  "RECOVERY_CONTROL", NULL };
#define TYPE_RECOVERY_CONTROL 7

static const char *const insufficient_names[] = { "LastKnownStatus", "Healthy", "Unhealthy",
						  NULL };

const char *dnsp_hc_type_name(enum dnsp_hc_type t)
{
	return (unsigned)t < TYPE_RECOVERY_CONTROL ? type_names[t] : "?";
}

int dnsp_hc_port(const struct dnsp_cfg_health_check *h)
{
	if (h->port)
		return h->port;
	if (dnsp_hc_type_tls(h->type))
		return 443;
	if (h->type == DNSP_HC_HTTP || h->type == DNSP_HC_HTTP_STR_MATCH)
		return 80;
	return 0;
}

const struct dnsp_cfg_health_check *dnsp_cfg_health_find(const struct dnsp_config *c,
							 const char *id)
{
	if (!c || !c->health || !id)
		return NULL;
	for (size_t i = 0; i < c->health->n; i++)
		if (c->health->checks[i].id && strcmp(c->health->checks[i].id, id) == 0)
			return &c->health->checks[i];
	return NULL;
}

/* Ids end up in URL paths and metric labels: keep them to a safe set. */
static bool id_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' || *s == ':'))
			return false;
	return true;
}

/* Text that goes into an HTTP request line or header: visible ASCII only,
 * so a config value can never inject CR/LF or split the request line. */
static bool visible_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static bool host_name_ok(const char *s)
{
	if (!*s || *s == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

/* Probes need a unicast destination (SEMANTICS §10 also forbids private and
 * loopback ones on Route 53; an appliance checks them: see README). */
static const char *addr_problem(const struct dnsp_cfg_addr *a)
{
	static const uint8_t zero[16];
	if (a->family == 4) {
		if (memcmp(a->addr, zero, 4) == 0)
			return "the unspecified address cannot be checked";
		if ((a->addr[0] & 0xf0) == 0xe0)
			return "multicast addresses cannot be checked";
		if (a->addr[0] == 255 && a->addr[1] == 255 && a->addr[2] == 255 && a->addr[3] == 255)
			return "the broadcast address cannot be checked";
		return NULL;
	}
	if (memcmp(a->addr, zero, 16) == 0)
		return "the unspecified address cannot be checked";
	if (a->addr[0] == 0xff)
		return "multicast addresses cannot be checked";
	return NULL;
}

/* A list of strings (ChildHealthChecks, Regions) of lo..hi items. */
static char **load_str_list(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, size_t lo,
			    size_t hi, size_t maxlen, size_t *n, int **lines)
{
	char item[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	*n = 0;
	if (!dnsp_cfgld_want_seq(ld, v, key))
		return NULL;
	if (v->n < lo || v->n > hi) {
		dnsp_cfgld_err(ld, v->line, key, "expected %zu..%zu items, got %zu", lo, hi, v->n);
		return NULL;
	}
	char **out = calloc(v->n ? v->n : 1, sizeof(char *));
	if (lines)
		*lines = calloc(v->n ? v->n : 1, sizeof(int));
	if (!out || (lines && !*lines)) {
		dnsp_cfgld_err(ld, v->line, key, "out of memory");
		free(out);
		if (lines) {
			free(*lines);
			*lines = NULL;
		}
		return NULL;
	}
	for (size_t i = 0; i < v->n; i++) {
		dnsp_cfgld_key_index(item, key, i);
		char *s = dnsp_cfgld_str(ld, v->items[i], item, 1, maxlen);
		if (!s)
			continue;
		bool dup = false;
		for (size_t j = 0; j < *n && !dup; j++)
			dup = strcmp(out[j], s) == 0;
		if (dup) {
			dnsp_cfgld_err(ld, v->items[i]->line, item, "\"%s\" is listed twice",
				       dnsp_cfgld_shows(sh, s));
			free(s);
			continue;
		}
		if (lines)
			(*lines)[*n] = v->items[i]->line;
		out[(*n)++] = s;
	}
	return out;
}

/* Reports key of map m as not applicable to the check's type. */
static void not_for_type(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			 const char *name, const char *type)
{
	const ynode *v = dnsp_yaml_get(m, name);
	char key[DNSP_CFG_KEY_CAP];
	if (!v)
		return;
	dnsp_cfgld_key_join(key, path, name);
	dnsp_cfgld_err(ld, v->line, key, "not allowed for Type %s", type);
}

static void load_config(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			struct dnsp_cfg_health_check *h)
{
	static const char *const keys[] = { "Type", "IPAddress", "Port", "ResourcePath",
		"FullyQualifiedDomainName", "SearchString", "RequestInterval", "FailureThreshold",
		"MeasureLatency", "Inverted", "Disabled", "HealthThreshold", "ChildHealthChecks",
		"EnableSNI", "Regions", "AlarmIdentifier", "InsufficientDataHealthStatus",
		"RoutingControlArn", NULL };
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;
	int64_t x;

	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Type");
	int type = -1;
	if ((v = dnsp_cfgld_need(ld, m, path, "Type")) &&
	    (type = dnsp_cfgld_enum(ld, v, key, type_names)) == TYPE_RECOVERY_CONTROL) {
		dnsp_cfgld_err(ld, v->line, key, "RECOVERY_CONTROL health checks are not supported "
			       "by this build (Application Recovery Controller is an AWS service)");
		type = -1;
	}
	if (type >= 0)
		h->type = (enum dnsp_hc_type)type;
	const char *tname = type >= 0 ? type_names[type] : NULL;
	bool probes = type >= 0 && dnsp_hc_type_probes(h->type);
	bool http = probes && h->type != DNSP_HC_TCP;

	/* endpoint fields */
	dnsp_cfgld_key_join(key, path, "IPAddress");
	if ((v = dnsp_yaml_get(m, "IPAddress")) && (probes || type < 0)) {
		char *text = dnsp_cfgld_str(ld, v, key, 1, 45);
		const char *why;
		if (text && !dnsp_cfgld_addr(text, &h->ip))
			dnsp_cfgld_err(ld, v->line, key, "expected an IPv4 or IPv6 address, got \"%s\"",
				       dnsp_cfgld_shows(sh, text));
		else if (text && (why = addr_problem(&h->ip)))
			dnsp_cfgld_err(ld, v->line, key, "%s", why);
		else if (text)
			h->has_ip = true;
		free(text);
	}
	dnsp_cfgld_key_join(key, path, "Port");
	if ((v = dnsp_yaml_get(m, "Port")) && (probes || type < 0) &&
	    dnsp_cfgld_int(ld, v, key, 1, 65535, &x))
		h->port = (int)x;
	dnsp_cfgld_key_join(key, path, "ResourcePath");
	if ((v = dnsp_yaml_get(m, "ResourcePath")) && (http || type < 0)) {
		char *p = dnsp_cfgld_str(ld, v, key, 0, 255);
		if (p && !visible_ascii(p)) {
			dnsp_cfgld_err(ld, v->line, key, "must be visible ASCII without spaces (encode "
				       "others as %%XX), got \"%s\"", dnsp_cfgld_shows(sh, p));
		} else if (p && p[0] != '/') {
			/* Route 53 adds the leading slash (SEMANTICS §10) */
			size_t n = strlen(p);
			char *q = malloc(n + 2);
			if (q) {
				q[0] = '/';
				memcpy(q + 1, p, n + 1);
			}
			h->resource_path = q;
		} else if (p) {
			h->resource_path = p;
			p = NULL;
		}
		free(p);
	}
	dnsp_cfgld_key_join(key, path, "FullyQualifiedDomainName");
	if ((v = dnsp_yaml_get(m, "FullyQualifiedDomainName")) && (probes || type < 0)) {
		char *f = dnsp_cfgld_str(ld, v, key, 1, 255);
		if (f && !host_name_ok(f)) {
			dnsp_cfgld_err(ld, v->line, key, "expected a host name (letters, digits, '-', "
				       "'_' and dots), got \"%s\"", dnsp_cfgld_shows(sh, f));
			free(f);
		} else {
			h->fqdn = f;
		}
	}
	dnsp_cfgld_key_join(key, path, "SearchString");
	if ((v = dnsp_yaml_get(m, "SearchString"))) {
		if (type >= 0 && !dnsp_hc_type_str_match(h->type))
			dnsp_cfgld_err(ld, v->line, key, "only allowed for Type HTTP_STR_MATCH or "
				       "HTTPS_STR_MATCH");
		else
			h->search_string = dnsp_cfgld_str(ld, v, key, 1, 255);
	} else if (type >= 0 && dnsp_hc_type_str_match(h->type)) {
		dnsp_cfgld_err(ld, m->line, key, "required for Type %s", tname);
	}
	if (probes) {
		dnsp_cfgld_key_join(key, path, "IPAddress");
		if (!dnsp_yaml_get(m, "IPAddress") && dnsp_yaml_get(m, "FullyQualifiedDomainName"))
			dnsp_cfgld_err(ld, m->line, key, "required: dnsplane probes only addresses the "
				       "configuration names and does not resolve "
				       "FullyQualifiedDomainName (it is sent as Host and SNI)");
		else if (!dnsp_yaml_get(m, "IPAddress"))
			dnsp_cfgld_err(ld, m->line, key, "required for Type %s", tname);
		dnsp_cfgld_key_join(key, path, "Port");
		if (h->type == DNSP_HC_TCP && !dnsp_yaml_get(m, "Port"))
			dnsp_cfgld_err(ld, m->line, key, "required for Type TCP");
		if (h->type == DNSP_HC_TCP)
			not_for_type(ld, m, path, "ResourcePath", tname);
	} else if (tname) {
		not_for_type(ld, m, path, "IPAddress", tname);
		not_for_type(ld, m, path, "Port", tname);
		not_for_type(ld, m, path, "ResourcePath", tname);
		not_for_type(ld, m, path, "FullyQualifiedDomainName", tname);
	}

	/* timing and flags */
	h->request_interval = 30;
	h->failure_threshold = 3;
	dnsp_cfgld_key_join(key, path, "RequestInterval");
	if ((v = dnsp_yaml_get(m, "RequestInterval")) && dnsp_cfgld_int(ld, v, key, 10, 30, &x))
		h->request_interval = (int)x;
	dnsp_cfgld_key_join(key, path, "FailureThreshold");
	if ((v = dnsp_yaml_get(m, "FailureThreshold")) && dnsp_cfgld_int(ld, v, key, 1, 10, &x))
		h->failure_threshold = (int)x;
	dnsp_cfgld_key_join(key, path, "MeasureLatency");
	if ((v = dnsp_yaml_get(m, "MeasureLatency")))
		dnsp_cfgld_bool(ld, v, key, &h->measure_latency);
	dnsp_cfgld_key_join(key, path, "Inverted");
	if ((v = dnsp_yaml_get(m, "Inverted")))
		dnsp_cfgld_bool(ld, v, key, &h->inverted);
	dnsp_cfgld_key_join(key, path, "Disabled");
	if ((v = dnsp_yaml_get(m, "Disabled")))
		dnsp_cfgld_bool(ld, v, key, &h->disabled);
	/* EnableSNI defaults to true for HTTPS and HTTPS_STR_MATCH (API) */
	h->enable_sni = type >= 0 && dnsp_hc_type_tls(h->type);
	dnsp_cfgld_key_join(key, path, "EnableSNI");
	if ((v = dnsp_yaml_get(m, "EnableSNI")))
		dnsp_cfgld_bool(ld, v, key, &h->enable_sni);
	dnsp_cfgld_key_join(key, path, "Regions");
	if ((v = dnsp_yaml_get(m, "Regions")))
		h->regions = load_str_list(ld, v, key, 3, 64, 64, &h->nregions, NULL);

	/* CALCULATED */
	dnsp_cfgld_key_join(key, path, "HealthThreshold");
	if ((v = dnsp_yaml_get(m, "HealthThreshold"))) {
		if (tname && h->type != DNSP_HC_CALCULATED)
			dnsp_cfgld_err(ld, v->line, key, "only allowed for Type CALCULATED");
		else if (dnsp_cfgld_int(ld, v, key, 0, 256, &x))
			h->health_threshold = (int)x;
	} else if (tname && h->type == DNSP_HC_CALCULATED) {
		dnsp_cfgld_err(ld, m->line, key, "required for Type CALCULATED");
	}
	dnsp_cfgld_key_join(key, path, "ChildHealthChecks");
	if ((v = dnsp_yaml_get(m, "ChildHealthChecks"))) {
		if (tname && h->type != DNSP_HC_CALCULATED)
			dnsp_cfgld_err(ld, v->line, key, "only allowed for Type CALCULATED");
		else
			h->children = load_str_list(ld, v, key, 0, 256, 64, &h->nchildren,
						    &h->child_lines);
	} else if (tname && h->type == DNSP_HC_CALCULATED) {
		dnsp_cfgld_err(ld, m->line, key, "required for Type CALCULATED");
	}

	/* CLOUDWATCH_METRIC (set through the control API) */
	dnsp_cfgld_key_join(key, path, "AlarmIdentifier");
	if ((v = dnsp_yaml_get(m, "AlarmIdentifier"))) {
		static const char *const akeys[] = { "Region", "Name", NULL };
		char k2[DNSP_CFG_KEY_CAP];
		if (tname && h->type != DNSP_HC_CLOUDWATCH_METRIC) {
			dnsp_cfgld_err(ld, v->line, key, "only allowed for Type CLOUDWATCH_METRIC");
		} else if (dnsp_cfgld_want_map(ld, v, key)) {
			const ynode *w;
			dnsp_cfgld_check_keys(ld, v, key, akeys);
			dnsp_cfgld_key_join(k2, key, "Region");
			if ((w = dnsp_cfgld_need(ld, v, key, "Region")))
				h->alarm_region = dnsp_cfgld_str(ld, w, k2, 1, 64);
			dnsp_cfgld_key_join(k2, key, "Name");
			if ((w = dnsp_cfgld_need(ld, v, key, "Name")))
				h->alarm_name = dnsp_cfgld_str(ld, w, k2, 1, 256);
		}
	}
	dnsp_cfgld_key_join(key, path, "InsufficientDataHealthStatus");
	if ((v = dnsp_yaml_get(m, "InsufficientDataHealthStatus"))) {
		int e;
		if (tname && h->type != DNSP_HC_CLOUDWATCH_METRIC)
			dnsp_cfgld_err(ld, v->line, key, "only allowed for Type CLOUDWATCH_METRIC");
		else if ((e = dnsp_cfgld_enum(ld, v, key, insufficient_names)) >= 0)
			h->insufficient = (enum dnsp_hc_insufficient)e;
	}
	dnsp_cfgld_key_join(key, path, "RoutingControlArn");
	if ((v = dnsp_yaml_get(m, "RoutingControlArn")))
		dnsp_cfgld_err(ld, v->line, key, "only allowed for Type RECOVERY_CONTROL, which this "
			       "build does not support");
}

static void load_check(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
		       struct dnsp_cfg_health_check *h, size_t index)
{
	static const char *const keys[] = { "Id", "CallerReference", "HealthCheckVersion",
					    "HealthCheckConfig", "IntervalMs", "TimeoutMs", NULL };
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;
	int64_t x;
	struct dnsp_cfg_health *model = ld->c->health;

	h->loc.file = ld->file;
	h->loc.line = m->line;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Id");
	if ((v = dnsp_cfgld_need(ld, m, path, "Id")) && (h->id = dnsp_cfgld_str(ld, v, key, 1, 64))) {
		if (!id_ok(h->id)) {
			dnsp_cfgld_err(ld, v->line, key, "\"%s\": use letters, digits, '-', '_', '.' "
				       "and ':' only", dnsp_cfgld_shows(sh, h->id));
			free(h->id);
			h->id = NULL;
		}
		for (size_t j = 0; h->id && j < index; j++) {
			const struct dnsp_cfg_health_check *o = &model->checks[j];
			if (o->id && strcmp(o->id, h->id) == 0) {
				dnsp_cfgld_err(ld, v->line, key, "duplicate health check Id \"%s\" "
					       "(first at %s:%d)", dnsp_cfgld_shows(sh, h->id),
					       o->loc.file, o->loc.line);
				free(h->id);
				h->id = NULL;
			}
		}
	}
	dnsp_cfgld_key_join(key, path, "CallerReference");
	if ((v = dnsp_yaml_get(m, "CallerReference")))
		h->caller_reference = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "HealthCheckVersion");
	if ((v = dnsp_yaml_get(m, "HealthCheckVersion")))
		dnsp_cfgld_int(ld, v, key, 1, INT64_MAX, &x);
	dnsp_cfgld_key_join(key, path, "IntervalMs");
	if ((v = dnsp_yaml_get(m, "IntervalMs")) && dnsp_cfgld_int(ld, v, key, 10, 3600000, &x))
		h->interval_ms = (int)x;
	dnsp_cfgld_key_join(key, path, "TimeoutMs");
	if ((v = dnsp_yaml_get(m, "TimeoutMs")) && dnsp_cfgld_int(ld, v, key, 10, 60000, &x))
		h->timeout_ms = (int)x;
	h->type = DNSP_HC_HTTP;
	dnsp_cfgld_key_join(key, path, "HealthCheckConfig");
	if ((v = dnsp_cfgld_need(ld, m, path, "HealthCheckConfig")) && dnsp_cfgld_want_map(ld, v, key))
		load_config(ld, v, key, h);
}

static void health_load(struct dnsp_cfg_ld *ld, const ynode *v)
{
	char item[DNSP_CFG_KEY_CAP];
	struct dnsp_config *c = ld->c;

	if (dnsp_yaml_is_null(v) || !dnsp_cfgld_want_seq(ld, v, "health_checks"))
		return;
	if (v->n > DNSP_HEALTH_MAX) {
		dnsp_cfgld_err(ld, v->line, "health_checks", "at most %d health checks, got %zu",
			       DNSP_HEALTH_MAX, v->n);
		return;
	}
	c->health = calloc(1, sizeof(*c->health));
	if (c->health)
		c->health->checks = calloc(v->n ? v->n : 1, sizeof(*c->health->checks));
	if (!c->health || !c->health->checks) {
		dnsp_cfgld_err(ld, v->line, "health_checks", "out of memory");
		return;
	}
	/* every item gets a slot so that checks[i] is health_checks[i] in messages */
	for (size_t i = 0; i < v->n; i++) {
		struct dnsp_cfg_health_check *h = &c->health->checks[c->health->n++];
		dnsp_cfgld_key_index(item, "health_checks", i);
		h->loc.file = ld->file;
		h->loc.line = v->items[i]->line;
		if (dnsp_cfgld_want_map(ld, v->items[i], item))
			load_check(ld, v->items[i], item, h, i);
	}
}

static void health_check(struct dnsp_cfg_ld *ld)
{
	struct dnsp_config *c = ld->c;
	char key[DNSP_CFG_KEY_CAP], base[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];

	/* From here on, dnsp_config_check_zone() (change batches) finds checks
	 * through c->health, so it exists even when the section is absent. */
	if (!c->health && !(c->health = calloc(1, sizeof(*c->health)))) {
		dnsp_cfgld_err(ld, 1, "health_checks", "out of memory");
		return;
	}
	struct dnsp_cfg_health *model = c->health;

	/* CALCULATED children: defined, not themselves CALCULATED (SEMANTICS
	 * §10: "No calculated check may be a child of another calculated
	 * check"), which also rules out every cycle. */
	for (size_t i = 0; i < model->n; i++) {
		const struct dnsp_cfg_health_check *h = &model->checks[i];
		if (h->type != DNSP_HC_CALCULATED || !h->id)
			continue;
		dnsp_cfgld_key_index(base, "health_checks", i);
		dnsp_cfgld_key_join(base, base, "HealthCheckConfig");
		dnsp_cfgld_key_join(base, base, "ChildHealthChecks");
		for (size_t j = 0; j < h->nchildren; j++) {
			const struct dnsp_cfg_health_check *ch = dnsp_cfg_health_find(c, h->children[j]);
			int line = h->child_lines ? h->child_lines[j] : h->loc.line;
			dnsp_cfgld_key_index(key, base, j);
			if (!ch)
				dnsp_cfgld_err(ld, line, key, "health check \"%s\" is not "
					       "defined in health_checks",
					       dnsp_cfgld_shows(sh, h->children[j]));
			else if (ch == h)
				dnsp_cfgld_err(ld, line, key, "a calculated health check "
					       "cannot be its own child");
			else if (ch->type == DNSP_HC_CALCULATED)
				dnsp_cfgld_err(ld, line, key, "\"%s\" is a CALCULATED "
					       "check: a calculated health check cannot be the child "
					       "of another", dnsp_cfgld_shows(sh, h->children[j]));
		}
	}

	/* Record sets: HealthCheckId must name a check. Sets from the YAML come
	 * first in z->rrsets, in file order (ZoneFile sets carry no routing). */
	for (size_t zi = 0; zi < c->nzones; zi++) {
		const struct dnsp_cfg_zone *z = &c->zones[zi];
		size_t y = 0;
		for (size_t i = 0; i < z->nrrsets; i++) {
			const struct dnsp_cfg_rrset *rs = &z->rrsets[i];
			if (rs->from_file)
				continue;
			size_t yi = y++;
			const char *id = rs->routing.health_check_id;
			if (!id || !rs->name || !rs->type || dnsp_cfg_health_find(c, id))
				continue;
			dnsp_cfgld_key_index(base, "hosted_zones", zi);
			dnsp_cfgld_key_join(base, base, "ResourceRecordSets");
			dnsp_cfgld_key_index(key, base, yi);
			dnsp_cfgld_key_join(key, key, "HealthCheckId");
			dnsp_cfgld_err(ld, rs->loc.line, key, "health check \"%s\" is not defined in "
				       "health_checks", dnsp_cfgld_shows(sh, id));
		}
	}
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void health_destroy(struct dnsp_config *c)
{
	if (!c->health)
		return;
	for (size_t i = 0; i < c->health->n; i++) {
		struct dnsp_cfg_health_check *h = &c->health->checks[i];
		free(h->id);
		free(h->caller_reference);
		free(h->resource_path);
		free(h->fqdn);
		free(h->search_string);
		free_list(h->children, h->nchildren);
		free(h->child_lines);
		free_list(h->regions, h->nregions);
		free(h->alarm_region);
		free(h->alarm_name);
	}
	free(c->health->checks);
	free(c->health);
	c->health = NULL;
}

const struct dnsp_cfg_section dnsp_cfg_health_section = {
	.name = "health_checks",
	.load = health_load,
	.check = health_check,
	.destroy = health_destroy,
};
