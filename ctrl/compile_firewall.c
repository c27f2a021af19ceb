/*
 * DNS Firewall compiler (ctrl/compile_firewall.h). For each VPC it gathers
 * the rule groups that apply (its own associations and those of its
 * Profile), orders them by association priority and their rules by rule
 * priority (lowest first, SEMANTICS §13), and feeds rules and domain-list
 * entries to the lib/firewall.h builder in that order, so the rule index
 * in the compiled table is the evaluation order. Counters live in the
 * snapshot arena, one cache-line-aligned row per worker; when a snapshot
 * is destroyed (after its grace period, so no worker writes any more) a
 * cleanup folds its counts into a process-wide table, which /metrics adds
 * to the live counts of the current snapshot.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile_firewall.h"
#include "config_firewall.h"
#include "config_profiles.h"
#include "../lib/firewall.h"
#include "../lib/wire/name.h"

/* ------------------------------------------------------------------------ */
/* totals of destroyed snapshots                                            */

struct total {
	char *group, *rule;
	const char *action;   /* static string */
	uint64_t value;
};

static struct {
	pthread_mutex_t mu;   /* guards everything below; control plane only */
	struct total *t;
	size_t n, cap;
	uint64_t fails[2];
} totals = { .mu = PTHREAD_MUTEX_INITIALIZER };

static struct total *total_find(const char *group, const char *rule, const char *action)
{
	for (size_t i = 0; i < totals.n; i++)
		if (strcmp(totals.t[i].group, group) == 0 && strcmp(totals.t[i].rule, rule) == 0 &&
		    strcmp(totals.t[i].action, action) == 0)
			return &totals.t[i];
	return NULL;
}

/* Adds value to a series (mu held). A series that cannot be recorded for
 * lack of memory loses these counts; monitoring only. */
static void total_add(const char *group, const char *rule, const char *action, uint64_t value)
{
	struct total *t = total_find(group, rule, action);
	if (!t) {
		if (totals.n == totals.cap) {
			size_t cap = totals.cap ? totals.cap * 2 : 32;
			struct total *nt = realloc(totals.t, cap * sizeof(*nt));
			if (!nt)
				return;
			totals.t = nt;
			totals.cap = cap;
		}
		t = &totals.t[totals.n];
		t->group = strdup(group);
		t->rule = strdup(rule);
		if (!t->group || !t->rule) {
			free(t->group);
			free(t->rule);
			return;
		}
		t->action = action;
		t->value = 0;
		totals.n++;
	}
	t->value += value;
}

/* What a snapshot's cleanup needs: the counted rules (one per slot). */
struct fold {
	const struct dnsp_fw_counters *ctr;
	const struct dnsp_fw_rule *const *by_slot; /* rule per slot, NULL where none */
};

static void fold_counts(void *arg)
{
	const struct fold *f = arg;
	pthread_mutex_lock(&totals.mu);
	totals.fails[0] += dnsp_fw_counters_sum(f->ctr, DNSP_FW_SLOT_FAIL_OPEN);
	totals.fails[1] += dnsp_fw_counters_sum(f->ctr, DNSP_FW_SLOT_FAIL_CLOSED);
	for (uint32_t s = DNSP_FW_SLOT_RULES; s < f->ctr->nslots; s++) {
		const struct dnsp_fw_rule *r = f->by_slot[s];
		uint64_t v = r ? dnsp_fw_counters_sum(f->ctr, s) : 0;
		if (v)
			total_add(r->group_id, r->name, dnsp_fw_action_name(r->action), v);
	}
	pthread_mutex_unlock(&totals.mu);
}

void dnsp_firewall_metrics(const struct dnsp_snapshot *s, dnsp_fw_metric_fn fn, void *ctx,
			   uint64_t fails[2])
{
	/* Live rules of s, one per counter slot (VPCs may share tables and
	 * groups). */
	const struct dnsp_fw_counters *ctr = NULL;
	const struct dnsp_fw_rule **live = NULL;
	uint64_t *live_val = NULL;
	for (uint32_t v = 0; s && v < s->nvpcs && !ctr; v++)
		if (s->vpcs[v].firewall)
			ctr = s->vpcs[v].firewall->counters;
	if (ctr) {
		live = calloc(ctr->nslots, sizeof(*live));
		live_val = calloc(ctr->nslots, sizeof(*live_val));
		if (!live || !live_val) {
			free(live);
			free(live_val);
			live = NULL;
			live_val = NULL;
			ctr = NULL;
		}
	}
	for (uint32_t v = 0; ctr && v < s->nvpcs; v++) {
		const struct dnsp_fw *fw = s->vpcs[v].firewall;
		for (uint32_t r = 0; fw && r < fw->nrules; r++) {
			uint32_t slot = fw->rules[r].counter;
			if (slot < ctr->nslots && !live[slot]) {
				live[slot] = &fw->rules[r];
				live_val[slot] = dnsp_fw_counters_sum(ctr, slot);
			}
		}
	}
	pthread_mutex_lock(&totals.mu);
	fails[0] = totals.fails[0] + (ctr ? dnsp_fw_counters_sum(ctr, DNSP_FW_SLOT_FAIL_OPEN) : 0);
	fails[1] = totals.fails[1] + (ctr ? dnsp_fw_counters_sum(ctr, DNSP_FW_SLOT_FAIL_CLOSED) : 0);
	/* Retired series (with the live count of the same series added). */
	for (size_t i = 0; i < totals.n; i++) {
		const struct total *t = &totals.t[i];
		uint64_t v = t->value;
		for (uint32_t slot = 0; ctr && slot < ctr->nslots; slot++) {
			const struct dnsp_fw_rule *r = live[slot];
			if (r && strcmp(r->group_id, t->group) == 0 && strcmp(r->name, t->rule) == 0 &&
			    strcmp(dnsp_fw_action_name(r->action), t->action) == 0) {
				v += live_val[slot];
				live[slot] = NULL; /* reported */
			}
		}
		fn(ctx, t->group, t->rule, t->action, v);
	}
	for (uint32_t slot = 0; ctr && slot < ctr->nslots; slot++)
		if (live[slot])
			fn(ctx, live[slot]->group_id, live[slot]->name,
			   dnsp_fw_action_name(live[slot]->action), live_val[slot]);
	pthread_mutex_unlock(&totals.mu);
	free(live);
	free(live_val);
}

/* ------------------------------------------------------------------------ */
/* compile                                                                  */

struct gref {
	const struct dnsp_cfg_fw_group *g;
	int priority;
	int tie;      /* 0 before 1 at equal priority */
	size_t seq;   /* config order, last tie-break */
};

static int cmp_gref(const void *a, const void *b)
{
	const struct gref *x = a, *y = b;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (x->tie != y->tie)
		return x->tie < y->tie ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct dnsp_cfg_fw_rule *x = *(const struct dnsp_cfg_fw_rule *const *)a;
	const struct dnsp_cfg_fw_rule *y = *(const struct dnsp_cfg_fw_rule *const *)b;
	return x->priority < y->priority ? -1 : x->priority > y->priority;
}

/* Ordered rule groups of VPC vpc_id into *out (malloc'd); returns count
 * or -ENOMEM. SEMANTICS §12-13: the VPC's associations and its Profile's
 * groups are evaluated together by priority; at equal priorities (not
 * specified by AWS) the association's EvaluationOrder decides, VPC first
 * by default. A group that comes both ways is evaluated once, first. */
static int vpc_groups(const struct dnsp_config *cfg, const char *vpc_id, struct gref **out)
{
	const struct dnsp_cfg_firewall *f = cfg->firewall;
	size_t np = dnsp_cfg_profile_fw_groups(cfg, vpc_id, NULL, NULL, 0);
	size_t cap = (f ? f->nassocs : 0) + np;
	*out = NULL;
	if (cap == 0)
		return 0;
	struct gref *g = calloc(cap, sizeof(*g));
	const char **pids = calloc(np + 1, sizeof(*pids));
	int *pprio = calloc(np + 1, sizeof(*pprio));
	if (!g || !pids || !pprio) {
		free(g);
		free(pids);
		free(pprio);
		return -ENOMEM;
	}
	const struct dnsp_cfg_profile_assoc *pa = dnsp_cfg_profile_assoc_of(cfg, vpc_id);
	int profile_tie = pa && pa->evaluation_order == DNSP_EVAL_PROFILE_FIRST ? 0 : 1;
	size_t n = 0, seq = 0;
	for (size_t i = 0; f && i < f->nassocs; i++) {
		const struct dnsp_cfg_fw_assoc *a = &f->assocs[i];
		const struct dnsp_cfg_fw_group *grp = dnsp_cfg_fw_group_find(cfg, a->group_id);
		if (a->vpc_id && strcmp(a->vpc_id, vpc_id) == 0 && grp)
			g[n++] = (struct gref){ grp, a->priority, 1 - profile_tie, seq++ };
	}
	np = dnsp_cfg_profile_fw_groups(cfg, vpc_id, pids, pprio, np);
	for (size_t i = 0; i < np; i++) {
		const struct dnsp_cfg_fw_group *grp = dnsp_cfg_fw_group_find(cfg, pids[i]);
		if (grp)
			g[n++] = (struct gref){ grp, pprio[i], profile_tie, seq++ };
	}
	free(pids);
	free(pprio);
	qsort(g, n, sizeof(*g), cmp_gref);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < m && !dup; j++)
			dup = g[j].g == g[i].g;
		if (!dup)
			g[m++] = g[i];
	}
	*out = g;
	return (int)m;
}

/* Index of a group in cfg (for counter slots). */
static size_t group_index(const struct dnsp_config *cfg, const struct dnsp_cfg_fw_group *g)
{
	return (size_t)(g - cfg->firewall->groups);
}

struct shared {
	char *key;    /* group ids in order, '\n' separated */
	const struct dnsp_fw *fw;
};

static char *groups_key(const struct gref *g, int n)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(g[i].g->id) + 1;
	char *k = malloc(len), *p = k;
	if (!k)
		return NULL;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(g[i].g->id);
		memcpy(p, g[i].g->id, l);
		p[l] = '\n';
		p += l + 1;
	}
	*p = 0;
	return k;
}

static void rule_err(struct dnsp_errlist *errs, const struct dnsp_cfg_fw_group *g,
		     const struct dnsp_cfg_fw_rule *r, const char *key, const char *msg)
{
	dnsp_errlist_add(errs, r->loc.file, r->loc.line, key, "rule %s of group %s: %s",
			 r->name ? r->name : "?", g->id, msg);
}

/* Builds the table for one ordered group list. */
static int build_fw(const struct dnsp_config *cfg, const struct gref *gs, int ng,
		    const uint32_t *slot_base, struct dnsp_fw_counters *ctr, bool ready,
		    dnsp_arena_t *arena, const struct dnsp_fw **out, struct dnsp_errlist *errs)
{
	dnsp_fw_builder_t *b;
	int rc = dnsp_fw_builder_create(&b);
	if (rc < 0)
		return rc;
	for (int gi = 0; gi < ng && rc >= 0; gi++) {
		const struct dnsp_cfg_fw_group *g = gs[gi].g;
		const struct dnsp_cfg_fw_rule **order = calloc(g->nrules + 1, sizeof(*order));
		if (!order) {
			rc = -ENOMEM;
			break;
		}
		for (size_t r = 0; r < g->nrules; r++)
			order[r] = &g->rules[r];
		qsort(order, g->nrules, sizeof(*order), cmp_rule);
		for (size_t r = 0; r < g->nrules && rc >= 0; r++) {
			const struct dnsp_cfg_fw_rule *cr = order[r];
			uint8_t wire[DNSP_NAME_MAX];
			struct dnsp_fw_rule spec = {
				.action = cr->action, .block = cr->block, .threat = cr->threat,
				.confidence = cr->confidence, .qtype = cr->qtype,
				.override_ttl = cr->override_ttl,
				.redirection = cr->redirection == DNSP_FW_TRUST_REDIRECTION
					? DNSP_FW_REDIRECT_TRUST : DNSP_FW_REDIRECT_INSPECT,
				.counter = slot_base[group_index(cfg, g)] + (uint32_t)(cr - g->rules),
				.group_id = g->id, .name = cr->name, .list_id = cr->list_id,
			};
			if (cr->action == DNSP_FW_BLOCK && cr->block == DNSP_FW_BLOCK_OVERRIDE) {
				if (!cr->override_domain ||
				    dnsp_name_from_text(cr->override_domain, strlen(cr->override_domain),
							(const uint8_t *)"", wire) < 0) {
					rule_err(errs, g, cr, "BlockOverrideDomain", "invalid override domain");
					rc = DNSP_ECONFIG;
					break;
				}
				dnsp_name_lower(wire);
				spec.override_name = wire;
			}
			int idx = dnsp_fw_builder_add_rule(b, &spec);
			if (idx < 0) {
				rule_err(errs, g, cr, "FirewallRules", dnsp_strerror(idx));
				rc = idx == -ENOMEM ? -ENOMEM : DNSP_ECONFIG;
				break;
			}
			if (cr->threat != DNSP_FW_THREAT_NONE)
				continue;
			const struct dnsp_cfg_fw_list *l = dnsp_cfg_fw_list_find(cfg, cr->list_id);
			for (size_t d = 0; l && d < l->domains.n; d++) {
				const char *e = dnsp_cfg_fw_domain(&l->domains, d);
				int arc = dnsp_fw_builder_add_domain(b, (uint32_t)idx, e, strlen(e));
				if (arc < 0) {
					/* An entry the table cannot hold (the loader's
					 * syntax check should have caught it). */
					dnsp_errlist_add(errs, l->loc.file, l->loc.line, "Domains",
							 "list %s: '%s': cannot be compiled: %s", l->id,
							 e, dnsp_strerror(arc));
					rc = arc == -ENOMEM ? -ENOMEM : DNSP_ECONFIG;
					break;
				}
			}
		}
		free(order);
	}
	if (rc >= 0)
		rc = dnsp_fw_compile(b, ctr, ready, arena, out);
	dnsp_fw_builder_destroy(b);
	return rc;
}

int dnsp_compile_firewall(const struct dnsp_config *cfg, struct dnsp_snapshot *s,
			  struct dnsp_errlist *errs)
{
	const struct dnsp_cfg_firewall *f = cfg->firewall;
	struct dnsp_snap_vpc *vpcs = (struct dnsp_snap_vpc *)s->vpcs; /* not yet published */
	if (!f || f->ngroups == 0 || s->nvpcs == 0)
		return 0; /* nothing can be associated */
	const char *fault = getenv("DNSPLANE_FIREWALL_FAULT");
	bool ready = !(fault && *fault && strcmp(fault, "0") != 0);

	/* Counter slots: 2 fixed, then every rule of every group. */
	uint32_t *slot_base = calloc(f->ngroups + 1, sizeof(*slot_base));
	struct shared *sh = calloc(s->nvpcs, sizeof(*sh));
	if (!slot_base || !sh) {
		free(slot_base);
		free(sh);
		return -ENOMEM;
	}
	uint32_t nslots = DNSP_FW_SLOT_RULES;
	for (size_t g = 0; g < f->ngroups; g++) {
		slot_base[g] = nslots;
		nslots += (uint32_t)f->groups[g].nrules;
	}
	struct dnsp_fw_counters *ctr = NULL;
	int rc = 0, nshared = 0;
	for (uint32_t v = 0; v < s->nvpcs && v < cfg->nvpcs && rc >= 0; v++) {
		const char *vid = cfg->vpcs[v].id;
		struct gref *gs;
		int ng = vpc_groups(cfg, vid, &gs);
		if (ng <= 0) {
			rc = ng;
			free(gs);
			continue;
		}
		/* One row per worker, and a last one for the resolver thread
		 * (redirection targets of slow-path answers, ctrl/resolver.c). */
		if (!ctr &&
		    (rc = dnsp_fw_counters_create(s->arena, s->nworkers + 1, nslots, &ctr)) < 0) {
			free(gs);
			break;
		}
		char *key = groups_key(gs, ng);
		const struct dnsp_fw *fw = NULL;
		for (int i = 0; key && i < nshared && !fw; i++)
			if (strcmp(sh[i].key, key) == 0)
				fw = sh[i].fw;
		if (!key) {
			rc = -ENOMEM;
		} else if (!fw) {
			rc = build_fw(cfg, gs, ng, slot_base, ctr, ready, s->arena, &fw, errs);
			if (rc >= 0) {
				sh[nshared].key = key;
				sh[nshared++].fw = fw;
				key = NULL;
			}
		}
		free(key);
		free(gs);
		if (rc >= 0) {
			vpcs[v].firewall = fw;
			vpcs[v].fw_fail_open = dnsp_cfg_fw_fail_open(cfg, vid);
		}
	}
	for (int i = 0; i < nshared; i++)
		free(sh[i].key);
	free(sh);
	free(slot_base);

	if (rc >= 0 && ctr) {
		/* Fold the counts into the totals when s goes (after its grace
		 * period: no worker writes them any more). */
		struct fold *fo = dnsp_arena_alloc(s->arena, sizeof(*fo));
		const struct dnsp_fw_rule **by = dnsp_arena_alloc(s->arena, ctr->nslots * sizeof(*by));
		if (!fo || !by)
			rc = -ENOMEM;
		for (uint32_t v = 0; rc >= 0 && v < s->nvpcs; v++)
			for (uint32_t r = 0; vpcs[v].firewall && r < vpcs[v].firewall->nrules; r++) {
				const struct dnsp_fw_rule *ru = &vpcs[v].firewall->rules[r];
				if (ru->counter < ctr->nslots)
					by[ru->counter] = ru;
			}
		if (rc >= 0) {
			fo->ctr = ctr;
			fo->by_slot = by;
			rc = dnsp_snapshot_on_destroy(s, fold_counts, fo);
		}
	}
	if (rc < 0 && rc != DNSP_ECONFIG)
		dnsp_errlist_add(errs, cfg->path, 0, "firewall", "compile failed: %s",
				 dnsp_strerror(rc));
	return rc < 0 ? rc : 0;
}
