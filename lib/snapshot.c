/*
 * Snapshot publication under liburcu QSBR, and the zone views a snapshot
 * holds. A view is an open-addressing table of zones keyed by apex name;
 * finding the zone for a query name tries the name's suffixes from the
 * longest that could be an apex down to the shortest, so the most specific
 * zone wins with at most (max_labels - min_labels + 1) probes and no
 * allocation.
 */
#include <stdint.h>
#include <string.h>
#include <urcu-qsbr.h>
#include "snapshot.h"
#include "wire/name.h"

/* Written only by dnsp_snapshot_publish (control thread) through
 * rcu_xchg_pointer, read by workers through rcu_dereference. */
static struct dnsp_snapshot *current_snapshot;

int dnsp_view_build(struct dnsp_view *v, const dnsp_zone_t *const *zones, uint32_t n,
		    dnsp_arena_t *arena)
{
	memset(v, 0, sizeof(*v));
	if (n == 0)
		return 0;
	uint32_t size = 4;
	while (size < n * 2)
		size <<= 1;
	const dnsp_zone_t **slots = dnsp_arena_alloc(arena, size * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	v->min_labels = 255;
	for (uint32_t i = 0; i < n; i++) {
		const dnsp_zone_t *z = zones[i];
		uint32_t h = (uint32_t)dnsp_name_hash(z->apex, z->apex_len) & (size - 1);
		while (slots[h] && !dnsp_name_equal(slots[h]->apex, z->apex))
			h = (h + 1) & (size - 1);
		slots[h] = z; /* a later zone with the same apex replaces it */
		if (z->apex_labels > v->max_labels)
			v->max_labels = z->apex_labels;
		if (z->apex_labels < v->min_labels)
			v->min_labels = z->apex_labels;
	}
	v->slots = slots;
	v->mask = size - 1;
	v->nzones = n;
	return 0;
}

const dnsp_zone_t *dnsp_view_find(const struct dnsp_view *v, const uint8_t *name)
{
	if (v->nzones == 0)
		return NULL;
	uint8_t offs[DNSP_LABELS_MAX];
	int nl = dnsp_name_label_offsets(name, offs);
	return dnsp_view_find_labels(v, name, offs, nl);
}

static const void *view_probe(const void *ctx, const uint8_t *suffix, size_t len, uint64_t hash)
{
	const struct dnsp_view *v = ctx;
	uint32_t h = (uint32_t)hash & v->mask;
	for (uint32_t probe = 0; probe <= v->mask; probe++) {
		const dnsp_zone_t *z = v->slots[h];
		if (!z)
			return NULL;
		if (z->apex_len == len && dnsp_bytes_equal(z->apex, suffix, len))
			return z;
		h = (h + 1) & v->mask;
	}
	return NULL;
}

const dnsp_zone_t *dnsp_view_find_labels(const struct dnsp_view *v, const uint8_t *name,
					 const uint8_t *offs, int nl)
{
	if (v->nzones == 0)
		return NULL;
	return dnsp_name_longest_suffix(name, offs, nl, v->min_labels, v->max_labels,
					view_probe, v);
}

int32_t dnsp_snapshot_vpc_of(const struct dnsp_snapshot *s, const struct dnsp_snap_listener *l,
			     int family, const uint8_t *addr)
{
	if (l->vpc >= 0)
		return (uint32_t)l->vpc < s->nvpcs ? l->vpc : -1;
	if (s->vpc_lpm == NULL || (family != 4 && family != 6))
		return -1;
	uint32_t v = dnsp_lpm_lookup(s->vpc_lpm, family, addr, NULL);
	return v == DNSP_LPM_NONE || v >= s->nvpcs ? -1 : (int32_t)v;
}

const struct dnsp_snapshot *dnsp_snapshot_current(void)
{
	return rcu_dereference(current_snapshot);
}

void dnsp_snapshot_publish(struct dnsp_snapshot *s)
{
	/* rcu_xchg_pointer has release semantics: every write that built s is
	 * visible to a worker that reads the new pointer (rcu_dereference is a
	 * consume load). synchronize_rcu() returns once every registered
	 * reader has passed a quiescent state, so no worker still holds old. */
	struct dnsp_snapshot *old = rcu_xchg_pointer(&current_snapshot, s);
	if (old) {
		synchronize_rcu();
		dnsp_snapshot_destroy(old);
	}
}

int dnsp_snapshot_on_destroy(struct dnsp_snapshot *s, void (*fn)(void *), void *arg)
{
	struct dnsp_snap_cleanup *c = dnsp_arena_alloc(s->arena, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->arg = arg;
	c->next = s->cleanups;
	s->cleanups = c;
	return 0;
}

void dnsp_snapshot_destroy(struct dnsp_snapshot *s)
{
	if (!s)
		return;
	for (struct dnsp_snap_cleanup *c = s->cleanups; c; c = c->next)
		c->fn(c->arg);
	/* The snapshot struct itself lives in its arena. */
	dnsp_arena_destroy(s->arena);
}
