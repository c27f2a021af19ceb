/*
 * Per-VPC source tables of the VPC Resolver (see sources.h for the rules).
 * The builder keeps every candidate; compiling sorts them by name, keeps
 * one winner per name by the precedence rules, resolves what each SYSTEM
 * rule falls back to, and lays the winners out in an open-addressing hash
 * table keyed by the lowercase wire name. A lookup probes the query name's
 * suffixes from the longest one that could be in the table down to the
 * shortest, so the first hit is the most specific source: at most
 * (max_labels - min_labels + 1) probes, no allocation.
 */
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"
#include "sources.h"
#include "wire/name.h"

struct cand {
	uint8_t name[DNSP_NAME_MAX]; /* lowercase */
	uint8_t name_len, labels;
	uint8_t kind, origin;
	const dnsp_zone_t *zone;
	const struct dnsp_upstream *upstream;
	char *id;
};

struct dnsp_sources_builder {
	bool profile_first;
	struct cand *c;
	size_t n, cap;
};

static bool is_rule(uint8_t kind)
{
	return kind != DNSP_SRC_ZONE;
}

static const void *sources_probe(const void *ctx, const uint8_t *suffix, size_t len,
				 uint64_t hash)
{
	const struct dnsp_sources *t = ctx;
	uint32_t h = (uint32_t)hash & t->mask;
	for (uint32_t probe = 0; probe <= t->mask; probe++) {
		const struct dnsp_source *s = t->slots[h];
		if (!s)
			return NULL;
		if (s->name_len == len && dnsp_bytes_equal(s->name, suffix, len))
			return s;
		h = (h + 1) & t->mask;
	}
	return NULL;
}

const struct dnsp_source *dnsp_sources_lookup_labels(const struct dnsp_sources *t,
						     const uint8_t *qname, const uint8_t *offs,
						     int nl)
{
	if (!t || t->n == 0)
		return NULL;
	return dnsp_name_longest_suffix(qname, offs, nl, t->min_labels, t->max_labels,
					sources_probe, t);
}

const struct dnsp_source *dnsp_sources_lookup(const struct dnsp_sources *t, const uint8_t *qname)
{
	if (!t || t->n == 0)
		return NULL;
	uint8_t offs[DNSP_LABELS_MAX];
	int nl = dnsp_name_label_offsets(qname, offs);
	return dnsp_sources_lookup_labels(t, qname, offs, nl);
}

const dnsp_zone_t *dnsp_sources_zone_for(const void *sources, const uint8_t *name)
{
	const struct dnsp_source *s = dnsp_sources_lookup(sources, name);
	if (!s || (s->kind != DNSP_SRC_ZONE && s->kind != DNSP_SRC_SYSTEM))
		return NULL;
	/* A SYSTEM entry's zone, like a ZONE entry's, holds the name. */
	return s->zone;
}

int dnsp_sources_answer(const struct dnsp_sources *t, const dnsp_zone_t *z,
			const uint8_t *qname, uint16_t qtype, struct dnsp_resp *r,
			struct dnsp_route_client *rc, const uint8_t **target,
			const struct dnsp_upstream **up)
{
	int rcode = dnsp_zone_answer_resolver(z, qname, qtype, r, dnsp_sources_zone_for, t, rc,
					      target);
	*up = NULL;
	if (*target) {
		const struct dnsp_source *s = dnsp_sources_lookup(t, *target);
		if (s && (s->kind == DNSP_SRC_FORWARD || s->kind == DNSP_SRC_DELEGATE))
			*up = s->upstream;
	}
	return rcode;
}

int dnsp_sources_local_part(const struct dnsp_snapshot *s, int32_t vpc, const uint8_t *qname,
			    uint16_t qtype, int family, const uint8_t *addr, uint64_t seed,
			    struct dnsp_resp *r, const uint8_t **target,
			    const struct dnsp_upstream **up)
{
	const struct dnsp_resolver_data *rd = s ? s->resolver : NULL;
	if (!rd || vpc < 0 || (uint32_t)vpc >= rd->nvpcs)
		return -1;
	const struct dnsp_sources *t = &rd->vpcs[vpc].sources;
	const dnsp_zone_t *z = dnsp_sources_zone_for(t, qname);
	if (!z)
		return -1;
	struct dnsp_route_client rc;
	dnsp_route_client_init(&rc, s->route, s->health, NULL, family, addr,
			       family == 6 ? 128 : 32);
	if (seed)
		rc.rng = seed;
	return dnsp_sources_answer(t, z, qname, qtype, r, &rc, target, up);
}

int dnsp_sources_builder_create(bool profile_first, dnsp_sources_builder_t **out)
{
	dnsp_sources_builder_t *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->profile_first = profile_first;
	*out = b;
	return 0;
}

void dnsp_sources_builder_destroy(dnsp_sources_builder_t *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->c[i].id);
	free(b->c);
	free(b);
}

int dnsp_sources_add(dnsp_sources_builder_t *b, const uint8_t *name, enum dnsp_src_kind kind,
		     enum dnsp_src_origin origin, const dnsp_zone_t *zone,
		     const struct dnsp_upstream *upstream, const char *id)
{
	if (kind < DNSP_SRC_ZONE || kind > DNSP_SRC_DELEGATE || origin > DNSP_ORIGIN_AUTO)
		return -EINVAL;
	if (kind == DNSP_SRC_ZONE && !zone)
		return -EINVAL;
	if ((kind == DNSP_SRC_FORWARD || kind == DNSP_SRC_DELEGATE) && !upstream)
		return -EINVAL;
	if (!name && kind == DNSP_SRC_ZONE)
		name = zone->apex;
	if (!name)
		return -EINVAL;
	struct cand c = { .kind = (uint8_t)kind, .origin = (uint8_t)origin, .zone = zone,
			  .upstream = upstream };
	size_t len = dnsp_name_len(name);
	memcpy(c.name, name, len);
	dnsp_name_lower(c.name);
	c.name_len = (uint8_t)len;
	c.labels = (uint8_t)dnsp_name_labels(c.name);
	for (size_t i = 0; i < b->n; i++) {
		const struct cand *o = &b->c[i];
		if (o->name_len == c.name_len && memcmp(o->name, c.name, len) == 0 &&
		    o->origin == c.origin && is_rule(o->kind) == is_rule(c.kind))
			return origin == DNSP_ORIGIN_AUTO ? 0 : DNSP_EEXIST;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct cand *nc = realloc(b->c, cap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		b->c = nc;
		b->cap = cap;
	}
	c.id = id ? strdup(id) : NULL;
	if (id && !c.id)
		return -ENOMEM;
	b->c[b->n++] = c;
	return 0;
}

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	if (a->name_len != b->name_len)
		return a->name_len < b->name_len ? -1 : 1;
	return memcmp(a->name, b->name, a->name_len);
}

/*
 * Precedence rank of a candidate at its name: lower wins. Configured
 * sources beat autodefined ones (1); among configured ones the origin the
 * EvaluationOrder prefers wins (2); then a rule beats a zone (3).
 */
static int rank(const struct cand *c, bool profile_first)
{
	int r;
	if (c->origin == DNSP_ORIGIN_AUTO)
		r = 4;
	else if ((c->origin == DNSP_ORIGIN_PROFILE) == profile_first)
		r = 0;
	else
		r = 2;
	return r + (is_rule(c->kind) ? 0 : 1);
}

/* Winner among c[lo..hi) (one name), or -1 when zones_only finds none. */
static long pick(const struct cand *c, size_t lo, size_t hi, bool profile_first,
		 bool zones_only)
{
	long best = -1;
	for (size_t i = lo; i < hi; i++) {
		if (zones_only && is_rule(c[i].kind))
			continue;
		if (best < 0 || rank(&c[i], profile_first) < rank(&c[best], profile_first))
			best = (long)i;
	}
	return best;
}

/* The zone candidate winning at name or its closest ancestor, with rules
 * left out (what a SYSTEM rule falls back to). c is sorted. */
static const struct cand *zone_fallback(const struct cand *c, size_t n, bool profile_first,
					const uint8_t *name)
{
	uint8_t offs[DNSP_LABELS_MAX];
	int nl = dnsp_name_label_offsets(name, offs);
	size_t total = dnsp_name_len_offs(name, offs, nl);
	for (int k = nl; k >= 0; k--) {
		size_t off = k == 0 ? total - 1 : offs[nl - k];
		struct cand key;
		key.name_len = (uint8_t)(total - off);
		memcpy(key.name, name + off, key.name_len);
		const struct cand *hit = bsearch(&key, c, n, sizeof(*c), cand_cmp);
		if (!hit)
			continue;
		size_t lo = (size_t)(hit - c), hi = lo + 1;
		while (lo > 0 && cand_cmp(&c[lo - 1], &key) == 0)
			lo--;
		while (hi < n && cand_cmp(&c[hi], &key) == 0)
			hi++;
		long w = pick(c, lo, hi, profile_first, true);
		if (w >= 0)
			return &c[w];
	}
	return NULL;
}

int dnsp_sources_compile(dnsp_sources_builder_t *b, dnsp_arena_t *arena,
			 struct dnsp_sources *out)
{
	memset(out, 0, sizeof(*out));
	if (b->n == 0)
		return 0;
	qsort(b->c, b->n, sizeof(*b->c), cand_cmp);
	size_t nwin = 0;
	for (size_t i = 0; i < b->n; i++)
		if (i == 0 || cand_cmp(&b->c[i - 1], &b->c[i]) != 0)
			nwin++;
	uint32_t size = 4;
	while (size < nwin * 2)
		size <<= 1;
	const struct dnsp_source **slots = dnsp_arena_alloc(arena, size * sizeof(*slots));
	struct dnsp_source *ents = dnsp_arena_alloc(arena, nwin * sizeof(*ents));
	if (!slots || !ents)
		return -ENOMEM;
	out->min_labels = 255;
	size_t e = 0;
	for (size_t lo = 0; lo < b->n;) {
		size_t hi = lo + 1;
		while (hi < b->n && cand_cmp(&b->c[lo], &b->c[hi]) == 0)
			hi++;
		const struct cand *w = &b->c[pick(b->c, lo, hi, b->profile_first, false)];
		struct dnsp_source *s = &ents[e++];
		s->name = dnsp_arena_memdup(arena, w->name, w->name_len);
		s->id = w->id ? dnsp_arena_strdup(arena, w->id) : NULL;
		if (!s->name || (w->id && !s->id))
			return -ENOMEM;
		s->name_len = w->name_len;
		s->labels = w->labels;
		s->kind = w->kind;
		s->origin = w->origin;
		s->zone = w->zone;
		s->upstream = w->upstream;
		if (w->kind == DNSP_SRC_SYSTEM) {
			const struct cand *f = zone_fallback(b->c, b->n, b->profile_first, w->name);
			s->zone = f ? f->zone : NULL;
		}
		uint32_t h = (uint32_t)dnsp_name_hash(s->name, s->name_len) & (size - 1);
		while (slots[h])
			h = (h + 1) & (size - 1);
		slots[h] = s;
		if (s->labels > out->max_labels)
			out->max_labels = s->labels;
		if (s->labels < out->min_labels)
			out->min_labels = s->labels;
		lo = hi;
	}
	out->slots = slots;
	out->mask = size - 1;
	out->n = (uint32_t)nwin;
	return 0;
}

bool dnsp_sources_outbound_admit(void *ctx, int32_t endpoint, uint32_t src)
{
	(void)ctx;
	const struct dnsp_snapshot *s = dnsp_snapshot_current();
	const struct dnsp_resolver_data *rd = s ? s->resolver : NULL;
	if (!rd || endpoint < 0 || endpoint >= DNSP_EP_MAX)
		return true;
	int32_t i = rd->by_registry[endpoint];
	if (i < 0 || (uint32_t)i >= rd->nendpoints)
		return true; /* the endpoint left the configuration: not limited */
	const struct dnsp_endpoint_data *e = &rd->endpoints[i];
	if (src >= e->nenis)
		return true;
	const struct dnsp_eni_ref *eni = &e->enis[src];
	return dnsp_eni_admit(rd->enis, eni->slot, &eni->rate, DNSP_ENI_ROW_SLOW, dnsp_eni_now());
}
