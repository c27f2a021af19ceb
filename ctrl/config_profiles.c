/*
 * Loaders of the `profiles` and `profile_associations` sections (Route 53
 * Profiles, SEMANTICS §12) and the queries other compilers ask of them:
 * which profile a VPC has, which firewall rule groups it brings, and the
 * toggles that may defer to the VPC's own setting. The two sections share
 * one model (struct dnsp_cfg_profiles) because an association is only
 * meaningful next to the profile it names; the cross-checks (resources
 * exist, one profile per VPC, no two zones or rules of one name in a
 * profile) run after the whole file is loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_load.h"
#include "config_profiles.h"
#include "config_resolver.h"

static struct dnsp_cfg_profiles *model(struct dnsp_config *c)
{
	if (!c->profiles)
		c->profiles = calloc(1, sizeof(*c->profiles));
	return c->profiles;
}

const struct dnsp_cfg_profile *dnsp_cfg_profile_find(const struct dnsp_config *c, const char *id)
{
	const struct dnsp_cfg_profiles *p = c->profiles;
	for (size_t i = 0; p && id && i < p->nprofiles; i++)
		if (p->profiles[i].id && strcmp(p->profiles[i].id, id) == 0)
			return &p->profiles[i];
	return NULL;
}

const struct dnsp_cfg_profile_assoc *dnsp_cfg_profile_assoc_of(const struct dnsp_config *c,
								const char *vpc_id)
{
	const struct dnsp_cfg_profiles *p = c->profiles;
	for (size_t i = 0; p && vpc_id && i < p->nassocs; i++)
		if (p->assocs[i].vpc_id && strcmp(p->assocs[i].vpc_id, vpc_id) == 0)
			return &p->assocs[i];
	return NULL;
}

const struct dnsp_cfg_profile *dnsp_cfg_profile_of_vpc(const struct dnsp_config *c,
						       const char *vpc_id)
{
	const struct dnsp_cfg_profile_assoc *a = dnsp_cfg_profile_assoc_of(c, vpc_id);
	return a ? dnsp_cfg_profile_find(c, a->profile_id) : NULL;
}

size_t dnsp_cfg_profile_fw_groups(const struct dnsp_config *c, const char *vpc_id,
				  const char **ids, int *priorities, size_t cap)
{
	const struct dnsp_cfg_profile *p = dnsp_cfg_profile_of_vpc(c, vpc_id);
	size_t n = 0;
	for (size_t i = 0; p && i < p->nresources; i++) {
		const struct dnsp_cfg_profile_res *r = &p->resources[i];
		if (r->kind != DNSP_PROFILE_RES_FW_GROUP)
			continue;
		if (n < cap) {
			ids[n] = r->id;
			priorities[n] = r->priority;
		}
		n++;
	}
	return n;
}

int dnsp_cfg_profile_fw_fail_open(const struct dnsp_config *c, const char *vpc_id)
{
	const struct dnsp_cfg_profile_assoc *a = dnsp_cfg_profile_assoc_of(c, vpc_id);
	return a ? a->fw_fail_open : DNSP_TOGGLE_LOCAL;
}

/* ------------------------------------------------------------------------ */
/* profiles                                                                 */

/* "arn:aws:route53:::hostedzone/Z1" → "Z1"; "/hostedzone/Z1" → "Z1"; an
 * Id is kept as it is. */
static char *resource_id(const char *arn)
{
	const char *slash = strrchr(arn, '/');
	if ((strncmp(arn, "arn:", 4) == 0 || arn[0] == '/') && slash && slash[1])
		return strdup(slash + 1);
	return strdup(arn);
}

static void load_resource(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			  struct dnsp_cfg_profile_res *r)
{
	static const char *const keys[] = { "ResourceArn", "Priority", "Name", NULL };
	char key[DNSP_CFG_KEY_CAP];
	const ynode *v;
	int64_t x;
	r->line = m->line;
	r->priority = -1;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "ResourceArn");
	if ((v = dnsp_cfgld_need(ld, m, path, "ResourceArn"))) {
		char *arn = dnsp_cfgld_str(ld, v, key, 1, 2048);
		if (arn) {
			r->id = resource_id(arn);
			if (!r->id)
				dnsp_cfgld_err(ld, v->line, key, "out of memory");
		}
		free(arn);
	}
	dnsp_cfgld_key_join(key, path, "Priority");
	/* SEMANTICS §12: profile firewall rule groups carry 100 <= N <= 9900. */
	if ((v = dnsp_yaml_get(m, "Priority")) && (r->has_priority = true) &&
	    dnsp_cfgld_int(ld, v, key, 100, 9900, &x))
		r->priority = (int)x;
	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_yaml_get(m, "Name")))
		r->name = dnsp_cfgld_str(ld, v, key, 1, 64);
}

static void load_profile(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			 struct dnsp_cfg_profile *p)
{
	static const char *const keys[] = { "Id", "Name", "Resources", "ClientToken", "Tags", NULL };
	char key[DNSP_CFG_KEY_CAP], item[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;
	p->loc.file = ld->file;
	p->loc.line = m->line;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "Id");
	if ((v = dnsp_cfgld_need(ld, m, path, "Id")) && (p->id = dnsp_cfgld_str(ld, v, key, 1, 64))) {
		const struct dnsp_cfg_profile *dup = dnsp_cfg_profile_find(ld->c, p->id);
		if (dup && dup != p)
			dnsp_cfgld_err(ld, v->line, key, "duplicate profile Id \"%s\" (first at %s:%d)",
				       dnsp_cfgld_shows(sh, p->id), dup->loc.file, dup->loc.line);
	}
	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_cfgld_need(ld, m, path, "Name")))
		p->name = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "Resources");
	if ((v = dnsp_yaml_get(m, "Resources")) &&
	    (p->resources = dnsp_cfgld_seq_alloc(ld, v, key, sizeof(*p->resources)))) {
		/* every item gets a slot, so slot i is item i in messages */
		for (size_t i = 0; i < v->n; i++) {
			struct dnsp_cfg_profile_res *r = &p->resources[p->nresources++];
			dnsp_cfgld_key_index(item, key, i);
			r->line = v->items[i]->line;
			r->priority = -1;
			if (dnsp_cfgld_want_map(ld, v->items[i], item))
				load_resource(ld, v->items[i], item, r);
		}
	}
}

static void profiles_load(struct dnsp_cfg_ld *ld, const ynode *v)
{
	char item[DNSP_CFG_KEY_CAP];
	struct dnsp_cfg_profiles *p;
	void *slots = dnsp_cfgld_seq_alloc(ld, v, "profiles", sizeof(*p->profiles));
	if (!slots)
		return;
	if (!(p = model(ld->c))) {
		free(slots);
		dnsp_cfgld_err(ld, v->line, "profiles", "out of memory");
		return;
	}
	p->profiles = slots;
	/* every item gets a slot, so slot i is item i in messages */
	for (size_t i = 0; i < v->n; i++) {
		dnsp_cfgld_key_index(item, "profiles", i);
		p->profiles[p->nprofiles].loc.file = ld->file;
		p->profiles[p->nprofiles].loc.line = v->items[i]->line;
		if (dnsp_cfgld_want_map(ld, v->items[i], item))
			load_profile(ld, v->items[i], item, &p->profiles[p->nprofiles]);
		p->nprofiles++;
	}
}

/* A private zone with this Id (Ids may be given as /hostedzone/Z1). */
static const struct dnsp_cfg_zone *private_zone(struct dnsp_config *c, const char *id)
{
	const struct dnsp_cfg_zone *z = dnsp_config_zone_by_id(c, id);
	return z && z->private_zone ? z : NULL;
}

static void check_profile(struct dnsp_cfg_ld *ld, size_t pi, struct dnsp_cfg_profile *p)
{
	struct dnsp_config *c = ld->c;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	for (size_t i = 0; i < p->nresources; i++) {
		struct dnsp_cfg_profile_res *r = &p->resources[i];
		if (!r->id)
			continue;
		snprintf(key, sizeof(key), "profiles[%zu].Resources[%zu].ResourceArn", pi, i);
		const struct dnsp_cfg_zone *z = dnsp_config_zone_by_id(c, r->id);
		const struct dnsp_cfg_rule *ru = dnsp_cfg_rule_find(c, r->id);
		if (z && !z->private_zone) {
			dnsp_cfgld_err(ld, r->line, key, "zone \"%s\" is public; a profile bundles "
				       "private hosted zones", dnsp_cfgld_shows(sh, r->id));
			continue;
		}
		if (z || ru) {
			r->kind = z ? DNSP_PROFILE_RES_ZONE : DNSP_PROFILE_RES_RULE;
			if (r->has_priority) {
				snprintf(key, sizeof(key), "profiles[%zu].Resources[%zu].Priority", pi, i);
				dnsp_cfgld_err(ld, r->line, key, "only firewall rule groups take a "
					       "priority (\"%s\" is a %s)", dnsp_cfgld_shows(sh, r->id),
					       z ? "private hosted zone" : "Resolver rule");
			}
		} else if (r->has_priority) {
			/* A firewall rule group (the firewall compiler checks the Id
			 * against firewall.rule_groups and asks for these through
			 * dnsp_cfg_profile_fw_groups). */
			r->kind = DNSP_PROFILE_RES_FW_GROUP;
		} else {
			dnsp_cfgld_err(ld, r->line, key, "\"%s\" is not a private hosted zone or a "
				       "Resolver rule (a firewall rule group needs a Priority)",
				       dnsp_cfgld_shows(sh, r->id));
			continue;
		}
		/* Two zones or two rules of one name in one profile are
		 * ambiguous (Route 53: ConflictingDomainExists). */
		for (size_t j = 0; j < i; j++) {
			const struct dnsp_cfg_profile_res *o = &p->resources[j];
			if (!o->id || o->kind != r->kind)
				continue;
			const char *a = NULL, *b = NULL, *what = NULL;
			if (r->kind == DNSP_PROFILE_RES_ZONE) {
				const struct dnsp_cfg_zone *oz = private_zone(c, o->id);
				a = z->name;
				b = oz ? oz->name : NULL;
				what = "private hosted zone";
			} else if (r->kind == DNSP_PROFILE_RES_RULE) {
				const struct dnsp_cfg_rule *orr = dnsp_cfg_rule_find(c, o->id);
				a = ru->domain;
				b = orr ? orr->domain : NULL;
				what = "Resolver rule";
			}
			bool same_id = strcmp(o->id, r->id) == 0;
			if (same_id || (a && b && strcasecmp(a, b) == 0)) {
				if (same_id)
					dnsp_cfgld_err(ld, r->line, key, "\"%s\" is already in this "
						       "profile (Resources[%zu])",
						       dnsp_cfgld_shows(sh, r->id), j);
				else
					dnsp_cfgld_err(ld, r->line, key, "the profile already has %s "
						       "\"%s\" for %s (Resources[%zu])", what, o->id,
						       a, j);
				break;
			}
		}
	}
}

static void profiles_check(struct dnsp_cfg_ld *ld)
{
	struct dnsp_cfg_profiles *p = ld->c->profiles;
	for (size_t i = 0; p && i < p->nprofiles; i++)
		check_profile(ld, i, &p->profiles[i]);
}

/* ------------------------------------------------------------------------ */
/* profile associations                                                     */

static const char *const orders[] = { "VPC_FIRST", "PROFILE_FIRST", NULL };
static const char *const toggles[] = { "DISABLED", "ENABLED", "USE_LOCAL_RESOURCE_SETTING", NULL };

static int load_toggle(struct dnsp_cfg_ld *ld, const ynode *m, const char *path, const char *name,
		       const char *const *names)
{
	char key[DNSP_CFG_KEY_CAP];
	const ynode *v = dnsp_yaml_get(m, name);
	dnsp_cfgld_key_join(key, path, name);
	int x = v ? dnsp_cfgld_enum(ld, v, key, names) : -1;
	return x == 0 ? DNSP_TOGGLE_DISABLED : x == 1 ? DNSP_TOGGLE_ENABLED : DNSP_TOGGLE_LOCAL;
}

static void load_assoc(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
		       struct dnsp_cfg_profile_assoc *a)
{
	static const char *const keys[] = { "ProfileId", "ResourceId", "Name", "EvaluationOrder",
		"DnssecValidation", "FirewallFailOpen", "AutodefinedReverse", "Tags", NULL };
	/* AutodefinedReverse uses the ResolverConfig words. */
	static const char *const reverse[] = { "DISABLE", "ENABLE", "USE_LOCAL_RESOURCE_SETTING",
		NULL };
	char key[DNSP_CFG_KEY_CAP];
	const ynode *v;
	int x;
	a->loc.file = ld->file;
	a->loc.line = m->line;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "ProfileId");
	if ((v = dnsp_cfgld_need(ld, m, path, "ProfileId")))
		a->profile_id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "ResourceId");
	if ((v = dnsp_cfgld_need(ld, m, path, "ResourceId")))
		a->vpc_id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_yaml_get(m, "Name")))
		a->name = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "EvaluationOrder");
	if ((v = dnsp_yaml_get(m, "EvaluationOrder")) && (x = dnsp_cfgld_enum(ld, v, key, orders)) >= 0)
		a->evaluation_order = x;
	a->dnssec_validation = load_toggle(ld, m, path, "DnssecValidation", toggles);
	a->fw_fail_open = load_toggle(ld, m, path, "FirewallFailOpen", toggles);
	a->autodefined_reverse = load_toggle(ld, m, path, "AutodefinedReverse", reverse);
}

static void assocs_load(struct dnsp_cfg_ld *ld, const ynode *v)
{
	char item[DNSP_CFG_KEY_CAP];
	struct dnsp_cfg_profiles *p;
	void *slots = dnsp_cfgld_seq_alloc(ld, v, "profile_associations", sizeof(*p->assocs));
	if (!slots)
		return;
	if (!(p = model(ld->c))) {
		free(slots);
		dnsp_cfgld_err(ld, v->line, "profile_associations", "out of memory");
		return;
	}
	p->assocs = slots;
	/* every item gets a slot, so slot i is item i in messages */
	for (size_t i = 0; i < v->n; i++) {
		dnsp_cfgld_key_index(item, "profile_associations", i);
		p->assocs[p->nassocs].loc.file = ld->file;
		p->assocs[p->nassocs].loc.line = v->items[i]->line;
		if (dnsp_cfgld_want_map(ld, v->items[i], item))
			load_assoc(ld, v->items[i], item, &p->assocs[p->nassocs]);
		p->nassocs++;
	}
}

static void assocs_check(struct dnsp_cfg_ld *ld)
{
	struct dnsp_cfg_profiles *p = ld->c->profiles;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	for (size_t i = 0; p && i < p->nassocs; i++) {
		const struct dnsp_cfg_profile_assoc *a = &p->assocs[i];
		snprintf(key, sizeof(key), "profile_associations[%zu].ProfileId", i);
		if (a->profile_id && !dnsp_cfg_profile_find(ld->c, a->profile_id))
			dnsp_cfgld_err(ld, a->loc.line, key, "profile \"%s\" is not defined in profiles",
				       dnsp_cfgld_shows(sh, a->profile_id));
		if (!a->vpc_id)
			continue;
		snprintf(key, sizeof(key), "profile_associations[%zu].ResourceId", i);
		if (!dnsp_cfgld_vpc_find(ld->c, a->vpc_id)) {
			dnsp_cfgld_err(ld, a->loc.line, key, "VPC \"%s\" is not defined in vpcs",
				       dnsp_cfgld_shows(sh, a->vpc_id));
			continue;
		}
		/* SEMANTICS §12: "A VPC can have only one Profile associated with it". */
		for (size_t j = 0; j < i; j++)
			if (p->assocs[j].vpc_id && strcmp(p->assocs[j].vpc_id, a->vpc_id) == 0) {
				dnsp_cfgld_err(ld, a->loc.line, key, "VPC \"%s\" already has profile "
					       "\"%s\" (%s:%d); a VPC can have only one profile",
					       dnsp_cfgld_shows(sh, a->vpc_id),
					       p->assocs[j].profile_id ? p->assocs[j].profile_id : "?",
					       p->assocs[j].loc.file, p->assocs[j].loc.line);
				break;
			}
	}
}

/* ------------------------------------------------------------------------ */
/* destroy: either section's destroy frees the shared model                 */

static void profiles_destroy(struct dnsp_config *c)
{
	struct dnsp_cfg_profiles *p = c->profiles;
	if (!p)
		return;
	for (size_t i = 0; i < p->nprofiles; i++) {
		for (size_t k = 0; k < p->profiles[i].nresources; k++) {
			free(p->profiles[i].resources[k].id);
			free(p->profiles[i].resources[k].name);
		}
		free(p->profiles[i].resources);
		free(p->profiles[i].id);
		free(p->profiles[i].name);
	}
	for (size_t i = 0; i < p->nassocs; i++) {
		free(p->assocs[i].profile_id);
		free(p->assocs[i].vpc_id);
		free(p->assocs[i].name);
	}
	free(p->profiles);
	free(p->assocs);
	free(p);
	c->profiles = NULL;
}

const struct dnsp_cfg_section dnsp_cfg_profiles_section = {
	.name = "profiles",
	.load = profiles_load,
	.check = profiles_check,
	.destroy = profiles_destroy,
};

const struct dnsp_cfg_section dnsp_cfg_profile_assocs_section = {
	.name = "profile_associations",
	.load = assocs_load,
	.check = assocs_check,
	.destroy = profiles_destroy,
};
