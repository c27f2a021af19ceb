/*
 * Longest-prefix match as a multibit trie with uniform 8-bit strides and
 * controlled prefix expansion. Every node is a table of 256 32-bit entries
 * indexed by one address byte; an entry is either a pointer to a child table
 * (top bit set, low 31 bits the table number) or a leaf: the number of a
 * (value, prefix length) result, where result 0 means "no match". A prefix
 * whose length is not a multiple of 8 is expanded into the 2^(8k - plen)
 * entries it covers in the table of its last stride. Compilation inserts the
 * prefixes shortest first, so a longer prefix simply overwrites the
 * expansion of a shorter one, and a new child table inherits the leaf it
 * replaces. Lookup is therefore one load per stride and a loop that stops at
 * the first leaf: at most 4 loads for IPv4 and 16 for IPv6, no other branch.
 * The same 8-bit stride is used for both families (unlike DIR-24-8's 16 MiB
 * first level) so memory stays proportional to the number of distinct
 * prefixes: one 1 KiB table per distinct (prefix / 8k) that has longer
 * prefixes below it. Results are deduplicated by (value, plen), so the
 * result array stays small and cache-resident when values repeat (VPC or
 * location indexes). Tables 0, 1 and 2 are the IPv4 root, the IPv6 root and
 * an all-empty root that an unknown family is routed to without a branch.
 */
#include "lpm.h"

#include <stdlib.h>
#include <string.h>

#define STRIDE_BITS 8
#define TABLE_SIZE 256u
#define CHILD_FLAG 0x80000000u
#define INDEX_MASK 0x7fffffffu
#define ROOT_V4 0u
#define ROOT_V6 1u
#define ROOT_EMPTY 2u
#define NROOTS 3u
#define TABLE_ALIGN 64u

struct lpm_result {
	uint32_t value;
	uint32_t plen;
};

/* The compiled table; lives in the arena with its tables and results. */
struct dnsp_lpm {
	const uint32_t *tables;              /* ntables * 256 entries */
	const struct lpm_result *results;    /* result 0 = no match */
	uint32_t ntables;
	uint32_t nresults;
	size_t memory;                       /* bytes of arena memory used */
};

struct lpm_prefix {
	uint8_t addr[16];  /* bits past plen cleared */
	uint32_t value;
	uint32_t seq;      /* insertion order: a later add replaces an earlier one */
	uint8_t family;
	uint8_t plen;
};

struct dnsp_lpm_builder {
	struct lpm_prefix *prefixes;
	size_t n, cap;
	uint32_t next_seq;
};

int dnsp_lpm_builder_create(dnsp_lpm_builder_t **out)
{
	dnsp_lpm_builder_t *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	*out = b;
	return 0;
}

void dnsp_lpm_builder_destroy(dnsp_lpm_builder_t *b)
{
	if (!b)
		return;
	free(b->prefixes);
	free(b);
}

int dnsp_lpm_builder_add(dnsp_lpm_builder_t *b, int family, const uint8_t *addr, int plen,
			 uint32_t value)
{
	int maxlen;
	struct lpm_prefix *p;

	if (!b || !addr || value == DNSP_LPM_NONE)
		return -EINVAL;
	if (family == 4)
		maxlen = 32;
	else if (family == 6)
		maxlen = 128;
	else
		return -EINVAL;
	if (plen < 0 || plen > maxlen)
		return -EINVAL;
	if (b->next_seq == UINT32_MAX || b->n >= INDEX_MASK)
		return -ENOMEM;
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct lpm_prefix *np = realloc(b->prefixes, ncap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		b->prefixes = np;
		b->cap = ncap;
	}
	p = &b->prefixes[b->n++];
	memset(p, 0, sizeof(*p));
	memcpy(p->addr, addr, (size_t)maxlen / 8);
	/* Clear every bit past plen so equal prefixes compare equal. */
	for (int i = 0; i < maxlen / 8; i++) {
		int keep = plen - i * 8;

		if (keep <= 0)
			p->addr[i] = 0;
		else if (keep < 8)
			p->addr[i] &= (uint8_t)(0xffu << (8 - keep));
	}
	p->family = (uint8_t)family;
	p->plen = (uint8_t)plen;
	p->value = value;
	p->seq = b->next_seq++;
	return 0;
}

/* Shortest first (the expansion order), then family and address, then
 * insertion order so duplicates sit together with the newest last. */
static int prefix_cmp(const void *a, const void *b)
{
	const struct lpm_prefix *x = a, *y = b;
	int c;

	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (c)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

/* ---- scratch state of one compilation (malloc; freed at the end) ---- */

struct result_slot {
	uint32_t value;
	uint32_t plen;
	uint32_t index;    /* 0 = empty slot */
};

struct compiler {
	uint32_t *tables;
	size_t ntables, cap_tables;
	struct lpm_result *results;
	size_t nresults, cap_results;
	struct result_slot *slots;  /* open addressing over (value, plen) */
	size_t slot_mask;
};

static int add_table(struct compiler *c, uint32_t fill, uint32_t *index)
{
	if (c->ntables >= INDEX_MASK)
		return -ENOMEM;
	if (c->ntables == c->cap_tables) {
		size_t ncap = c->cap_tables * 2;
		uint32_t *nt = realloc(c->tables, ncap * TABLE_SIZE * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		c->tables = nt;
		c->cap_tables = ncap;
	}
	uint32_t *t = c->tables + c->ntables * TABLE_SIZE;
	for (unsigned i = 0; i < TABLE_SIZE; i++)
		t[i] = fill;
	*index = (uint32_t)c->ntables++;
	return 0;
}

static uint32_t result_hash(uint32_t value, uint32_t plen)
{
	uint64_t h = ((uint64_t)value << 8 | plen) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32);
}

/* The result number for (value, plen), added on first use. The slot table is
 * sized for one result per prefix, so it never fills. */
static uint32_t result_index(struct compiler *c, uint32_t value, uint32_t plen)
{
	size_t i = result_hash(value, plen) & c->slot_mask;

	for (;;) {
		struct result_slot *s = &c->slots[i];

		if (s->index == 0) {
			s->value = value;
			s->plen = plen;
			s->index = (uint32_t)c->nresults;
			c->results[c->nresults].value = value;
			c->results[c->nresults].plen = plen;
			c->nresults++;
			return s->index;
		}
		if (s->value == value && s->plen == plen)
			return s->index;
		i = (i + 1) & c->slot_mask;
	}
}

/* Inserts one prefix; every shorter prefix is already in place. */
static int insert_prefix(struct compiler *c, const struct lpm_prefix *p)
{
	uint32_t table = p->family == 4 ? ROOT_V4 : ROOT_V6;
	uint32_t leaf = result_index(c, p->value, p->plen);
	/* Strides fully consumed before the table that holds the expansion. */
	unsigned depth = p->plen == 0 ? 0 : (unsigned)(p->plen - 1) / STRIDE_BITS;

	for (unsigned d = 0; d < depth; d++) {
		size_t slot = (size_t)table * TABLE_SIZE + p->addr[d];
		uint32_t e = c->tables[slot];

		if (e & CHILD_FLAG) {
			table = e & INDEX_MASK;
			continue;
		}
		/* The child inherits the shorter prefix's leaf it replaces. */
		uint32_t child;
		int rc = add_table(c, e, &child);
		if (rc < 0)
			return rc;
		c->tables[slot] = CHILD_FLAG | child;
		table = child;
	}
	unsigned rem = (unsigned)p->plen - depth * STRIDE_BITS; /* 0..8 bits in this stride */
	unsigned count = 1u << (STRIDE_BITS - rem);
	unsigned first = p->addr[depth] & (uint8_t)~(count - 1);
	uint32_t *t = c->tables + (size_t)table * TABLE_SIZE;

	/* Entries here are leaves of shorter (or equal) prefixes: children only
	 * come from longer prefixes, which are inserted later. */
	for (unsigned i = 0; i < count; i++)
		t[first + i] = leaf;
	return 0;
}

static int compile_scratch(dnsp_lpm_builder_t *b, struct compiler *c)
{
	size_t nslots = 16;
	uint32_t root;
	int rc;

	while (nslots < 2 * (b->n + 1))
		nslots *= 2;
	c->slots = calloc(nslots, sizeof(*c->slots));
	c->results = malloc((b->n + 1) * sizeof(*c->results));
	c->cap_tables = 64;
	c->tables = malloc(c->cap_tables * TABLE_SIZE * sizeof(*c->tables));
	if (!c->slots || !c->results || !c->tables)
		return -ENOMEM;
	c->slot_mask = nslots - 1;
	c->results[0].value = DNSP_LPM_NONE;
	c->results[0].plen = 0;
	c->nresults = 1;
	for (unsigned i = 0; i < NROOTS; i++) {
		rc = add_table(c, 0, &root);
		if (rc < 0)
			return rc;
	}

	if (b->n)
		qsort(b->prefixes, b->n, sizeof(*b->prefixes), prefix_cmp);
	for (size_t i = 0; i < b->n; i++) {
		const struct lpm_prefix *p = &b->prefixes[i], *q = p + 1;

		/* Of equal prefixes only the newest (last after sorting) counts. */
		if (i + 1 < b->n && q->plen == p->plen && q->family == p->family &&
		    memcmp(q->addr, p->addr, sizeof(p->addr)) == 0)
			continue;
		rc = insert_prefix(c, p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int dnsp_lpm_compile(dnsp_lpm_builder_t *b, dnsp_arena_t *arena, const dnsp_lpm_t **out)
{
	struct compiler c;
	struct dnsp_lpm *t;
	uint32_t *tables;
	struct lpm_result *results;
	size_t tbytes, rbytes;
	int rc;

	if (!b || !arena || !out)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	rc = compile_scratch(b, &c);
	if (rc < 0)
		goto out;

	tbytes = c.ntables * TABLE_SIZE * sizeof(*tables);
	rbytes = c.nresults * sizeof(*results);
	t = dnsp_arena_alloc(arena, sizeof(*t));
	tables = dnsp_arena_alloc_aligned(arena, tbytes, TABLE_ALIGN);
	results = dnsp_arena_alloc_aligned(arena, rbytes, TABLE_ALIGN);
	if (!t || !tables || !results) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(tables, c.tables, tbytes);
	memcpy(results, c.results, rbytes);
	t->tables = tables;
	t->results = results;
	t->ntables = (uint32_t)c.ntables;
	t->nresults = (uint32_t)c.nresults;
	t->memory = sizeof(*t) + tbytes + rbytes;
	*out = t;
	rc = 0;
out:
	free(c.tables);
	free(c.results);
	free(c.slots);
	return rc;
}

uint32_t dnsp_lpm_lookup(const dnsp_lpm_t *t, int family, const uint8_t *addr, int *plen)
{
	/* Root without a branch: 4 → v4, 6 → v6, anything else → empty root
	 * (whose entries are all "no match", so the loop below never runs). */
	uint32_t root = ROOT_EMPTY - 2u * (uint32_t)(family == 4) - (uint32_t)(family == 6);
	const uint32_t *tab = t->tables;
	uint32_t e = tab[root * TABLE_SIZE + addr[0]];

	/* Children exist only above prefixes longer than their depth, so the
	 * loop stops at the latest after 4 (IPv4) or 16 (IPv6) bytes. */
	for (unsigned i = 1; e & CHILD_FLAG; i++)
		e = tab[(size_t)(e & INDEX_MASK) * TABLE_SIZE + addr[i]];

	const struct lpm_result *r = &t->results[e];
	if (plen)
		*plen = (int)r->plen;
	return r->value;
}

size_t dnsp_lpm_memory(const dnsp_lpm_t *t)
{
	return t ? t->memory : 0;
}
