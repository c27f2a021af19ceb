/*
 * Longest-prefix match as a compressed multibit trie (the bitmap-and-popcount
 * scheme of Tree Bitmap / Poptrie): a direct-pointing first level, then
 * 6-bit strides. A node covers 64 slots (6 address bits) but stores only two
 * 64-bit maps and two base indexes, 24 bytes instead of a 256-entry array:
 * `children` has bit s set when slot s leads to a child node, and `runs` has
 * bit s set when slot s is a leaf slot whose leaf differs from the previous
 * leaf slot's (leaves are run-length compressed, child slots skipped). A
 * node's children, and its leaf runs, sit contiguously in two dense arrays,
 * so slot s's child is child_base + popcount(children & bits 0..s) - 1 and
 * its leaf is leaf_base + popcount(runs & bits 0..s) - 1. A leaf is the
 * (value, prefix length) pair itself, so the matched length for the ECS
 * scope costs no further load.
 *
 * Each family has its own direct array of 2^k 32-bit entries indexed by the
 * top k address bits (a node number with the top bit set, or a leaf number).
 * k is 18, 12 or 6, picked from the family's prefix count so that the array
 * costs at most about 16 bytes per prefix: a 500k-prefix IPv4 table gets
 * k = 18, one node below which a /24 ends (two for a /30, three for a /32);
 * a VPC table of a few CIDRs gets a 256-byte array. k a multiple of 6 makes
 * node levels end at /24 and /48, the commonest IPv4 and IPv6 lengths.
 *
 * IPv6 tables are sparse: below the first 20 to 30 bits most subtrees hold a
 * single prefix, which would otherwise need one node per 6 bits down to its
 * length. Such a subtree, when it would take two or more nodes, becomes a
 * tail instead: a leaf flagged TAIL_FLAG naming a (prefix, match leaf,
 * inherited leaf) record, resolved by comparing the address with the prefix
 * once. On 100k random IPv6 prefixes (bench_lpm) tails halve the memory, 109
 * to 56 bytes per prefix, and cut a cold lookup from about 73 to 25 ns. IPv4
 * does not use them: its walks are short anyway, and the flag test costs its
 * hot path.
 *
 * A lookup is one direct-array load, at most ceil((32 - k) / 6) node steps
 * for IPv4 (ceil((128 - k) / 6) for IPv6), one leaf load and for IPv6
 * perhaps a tail; no allocation, lock or unbounded loop. Each step shifts
 * the address left by 6 bits (bits past its end read as zeros), and nodes
 * exist only above longer prefixes, so the walk ends by the last stride.
 *
 * The compiler sorts the prefixes by (address, length): a prefix then comes
 * right before the prefixes it contains, the prefixes under one slot form a
 * contiguous run, and filling a node's slots in that order lets a longer
 * prefix overwrite the expansion of the shorter one that contains it. It
 * builds the trie top-down, visiting each prefix once per level it reaches.
 *
 * The population count must be the POPCNT instruction to be cheap. Builds
 * that do not enable it (plain x86-64) compile the walk twice, with and
 * without the instruction, and each compiled table records which one the CPU
 * it was compiled on can run.
 */
#include "lpm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define STRIDE 6u
#define SLOTS 64u
#define NODE_FLAG 0x80000000u
#define INDEX_MASK 0x7fffffffu
#define TAIL_FLAG 0x80000000u    /* in lpm_leaf.plen: value is a tail number */
#define DIRECT_MAX_BITS 18u
/* Node levels below the smallest direct array (6 bits) down to bit 128:
 * ceil((128 - 6) / 6). */
#define MAX_LEVELS ((128u - STRIDE + STRIDE - 1) / STRIDE)
#define ARRAY_ALIGN 64u

#if defined(__x86_64__) && !defined(__POPCNT__)
#define LPM_POPCNT_DISPATCH 1
#endif

struct lpm_leaf {
	uint32_t value;
	uint32_t plen;
};

/* An IPv6 subtree that holds a single prefix: the address either matches the
 * whole prefix (then match) or not (then dflt, the subtree's inherited leaf). */
struct lpm_tail {
	uint64_t hi, lo;      /* the prefix, left-aligned; bits past plen zero */
	struct lpm_leaf match, dflt;
};

struct lpm_node {
	uint64_t children;    /* bit s: slot s leads to a child node */
	uint64_t runs;        /* bit s: leaf slot s starts a new leaf run */
	uint32_t child_base;  /* first child in nodes[] */
	uint32_t leaf_base;   /* first leaf run in leaves[], minus 1 (mod 2^32) */
};

struct lpm_root {
	const uint32_t *direct;  /* 2^bits entries: NODE_FLAG | node, or leaf */
	uint32_t bits;
	uint32_t shift;          /* 64 - bits */
};

/* The compiled table; lives in the arena with its arrays. */
struct dnsp_lpm {
	const struct lpm_node *nodes;
	const struct lpm_leaf *leaves;
	const struct lpm_tail *tails;
	struct lpm_root root4, root6;
	bool popcnt;          /* the POPCNT walk may be used (dispatch builds) */
	size_t memory;        /* bytes of arena memory used */
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

/* Family, then address, then length (so a prefix precedes the prefixes it
 * contains), then insertion order so duplicates sit together with the
 * newest last. */
static int prefix_cmp(const void *a, const void *b)
{
	const struct lpm_prefix *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (c)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

/* ---- scratch state of one compilation (malloc; freed at the end) ---- */

/* A prefix as a left-aligned 128-bit key. */
struct key_prefix {
	uint64_t hi, lo;
	struct lpm_leaf leaf;
};

/* What one node's (or the direct array's) slots hold: a leaf, or the span
 * of sorted prefixes that go into a child (start < end). */
struct slot_fill {
	struct lpm_leaf *leaf;
	uint32_t *start, *end;
};

struct compiler {
	struct lpm_node *nodes;
	size_t nnodes, cap_nodes;
	struct lpm_leaf *leaves;
	size_t nleaves, cap_leaves;
	struct lpm_tail *tails;
	size_t ntails, cap_tails;
	const struct key_prefix *ps;
	bool use_tails;       /* the family uses tails (IPv6 only) */
	/* One slot_fill per node level, and one for the direct array. */
	struct lpm_leaf level_leaf[MAX_LEVELS][SLOTS];
	uint32_t level_start[MAX_LEVELS][SLOTS], level_end[MAX_LEVELS][SLOTS];
	struct slot_fill direct_fill;
};

static bool leaf_eq(struct lpm_leaf a, struct lpm_leaf b)
{
	return a.value == b.value && a.plen == b.plen;
}

/* w key bits starting at bit o (bits past 128 read as zero). */
static uint32_t key_bits(const struct key_prefix *p, unsigned o, unsigned w)
{
	uint64_t mask = (1ull << w) - 1, x;

	if (o + w <= 64) {
		x = p->hi >> (64 - o - w);
	} else if (o >= 64) {
		unsigned o2 = o - 64;

		x = o2 + w <= 64 ? p->lo >> (64 - o2 - w) : p->lo << (o2 + w - 64);
	} else {
		x = p->hi << (o + w - 64) | p->lo >> (128 - o - w);
	}
	return (uint32_t)(x & mask);
}

static int add_leaf(struct compiler *c, struct lpm_leaf leaf)
{
	if (c->nleaves >= INDEX_MASK)
		return -ENOMEM;
	if (c->nleaves == c->cap_leaves) {
		size_t ncap = c->cap_leaves ? c->cap_leaves * 2 : 1024;
		struct lpm_leaf *nl = realloc(c->leaves, ncap * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		c->leaves = nl;
		c->cap_leaves = ncap;
	}
	c->leaves[c->nleaves++] = leaf;
	return 0;
}

/* Replaces a slot whose subtree holds the single prefix p by a tail: *leaf
 * (the subtree's inherited leaf) becomes the leaf naming the tail. */
static int add_tail(struct compiler *c, const struct key_prefix *p, struct lpm_leaf *leaf)
{
	if (c->ntails >= INDEX_MASK)
		return -ENOMEM;
	if (c->ntails == c->cap_tails) {
		size_t ncap = c->cap_tails ? c->cap_tails * 2 : 1024;
		struct lpm_tail *nt = realloc(c->tails, ncap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		c->tails = nt;
		c->cap_tails = ncap;
	}
	c->tails[c->ntails].hi = p->hi;
	c->tails[c->ntails].lo = p->lo;
	c->tails[c->ntails].match = p->leaf;
	c->tails[c->ntails].dflt = *leaf;
	leaf->value = (uint32_t)c->ntails++;
	leaf->plen = TAIL_FLAG;
	return 0;
}

/* Reserves count consecutive nodes; *first receives the first's number. */
static int add_nodes(struct compiler *c, size_t count, uint32_t *first)
{
	if (c->nnodes + count > INDEX_MASK)
		return -ENOMEM;
	if (c->nnodes + count > c->cap_nodes) {
		size_t ncap = c->cap_nodes ? c->cap_nodes : 1024;
		struct lpm_node *nn;

		while (ncap < c->nnodes + count)
			ncap *= 2;
		nn = realloc(c->nodes, ncap * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		c->nodes = nn;
		c->cap_nodes = ncap;
	}
	*first = (uint32_t)c->nnodes;
	c->nnodes += count;
	return 0;
}

/*
 * Fills the 2^w slots of the bits [o, o + w) below a region, from the sorted
 * prefixes [a, b) that lie in the region. A slot's leaf starts as dflt (the
 * longest prefix of length ≤ o covering the region); a prefix of length
 * ≤ o + w overwrites its slots (sorted order writes the shorter of two
 * nested prefixes first), a longer one extends the span of its slot. The
 * spans are contiguous because the prefixes under one slot share a key
 * prefix; prefixes of length ≤ o (only the region's own) are skipped.
 */
static void fill_slots(const struct compiler *c, const struct slot_fill *f, size_t a, size_t b,
		       unsigned o, unsigned w, struct lpm_leaf dflt)
{
	size_t nslots = (size_t)1 << w;

	for (size_t s = 0; s < nslots; s++) {
		f->leaf[s] = dflt;
		f->start[s] = f->end[s] = 0;
	}
	for (size_t i = a; i < b; i++) {
		const struct key_prefix *p = &c->ps[i];
		uint32_t s;

		if (p->leaf.plen <= o)
			continue;
		s = key_bits(p, o, w);
		if (p->leaf.plen <= o + w) {
			uint32_t count = 1u << (o + w - p->leaf.plen);
			uint32_t first = s & ~(count - 1);

			for (uint32_t j = 0; j < count; j++)
				f->leaf[first + j] = p->leaf;
		} else {
			if (f->start[s] == f->end[s])
				f->start[s] = (uint32_t)i;
			f->end[s] = (uint32_t)i + 1;
		}
	}
}

/*
 * Whether slot s, whose subtree starts at bit o, becomes a tail: when it
 * holds a single prefix that a chain of two or more nodes would lead to. A
 * prefix that ends in the subtree's first node stays in a node: the walk
 * makes as many loads either way, and the tail's extra branch mispredicts.
 */
static bool is_tail(const struct compiler *c, const struct slot_fill *f, size_t s, unsigned o)
{
	return c->use_tails && f->end[s] - f->start[s] == 1 &&
	       c->ps[f->start[s]].leaf.plen > o + STRIDE;
}

/* Builds node ni for the 6 bits at offset o from the prefixes [a, b) below
 * it, then its children (level is the node's depth below the direct array). */
static int build_node(struct compiler *c, uint32_t ni, size_t a, size_t b, unsigned o,
		      struct lpm_leaf dflt, unsigned level)
{
	struct slot_fill f = {
		c->level_leaf[level], c->level_start[level], c->level_end[level],
	};
	uint64_t children = 0, runs = 0;
	uint32_t child_base = 0, leaf_base = (uint32_t)c->nleaves;
	struct lpm_leaf prev = {0, 0};
	bool have_prev = false;
	size_t nchild = 0;
	int rc;

	if (level >= MAX_LEVELS)
		return -EINVAL;  /* cannot happen: prefixes end by bit 128 */
	fill_slots(c, &f, a, b, o, STRIDE, dflt);
	for (unsigned s = 0; s < SLOTS; s++) {
		if (is_tail(c, &f, s, o + STRIDE)) {
			if ((rc = add_tail(c, &c->ps[f.start[s]], &f.leaf[s])) < 0)
				return rc;
		} else if (f.start[s] < f.end[s]) {
			children |= 1ull << s;
			nchild++;
			continue;
		}
		if (have_prev && leaf_eq(prev, f.leaf[s]))
			continue;
		runs |= 1ull << s;
		prev = f.leaf[s];
		have_prev = true;
		if ((rc = add_leaf(c, prev)) < 0)
			return rc;
	}
	if (nchild && (rc = add_nodes(c, nchild, &child_base)) < 0)
		return rc;
	c->nodes[ni].children = children;
	c->nodes[ni].runs = runs;
	c->nodes[ni].child_base = child_base;
	c->nodes[ni].leaf_base = leaf_base - 1;
	for (unsigned s = 0, k = 0; s < SLOTS; s++) {
		if (!(children >> s & 1))
			continue;
		/* Children fill only deeper levels' scratch, so f stays valid. */
		rc = build_node(c, child_base + k++, f.start[s], f.end[s], o + STRIDE, f.leaf[s],
				level + 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Direct-array bits for a family with n prefixes: about 16 bytes per prefix
 * at most, and a multiple of the stride. */
static unsigned direct_bits(size_t n)
{
	if (n >= ((size_t)1 << 16))
		return DIRECT_MAX_BITS;
	if (n >= 1024)
		return 12;
	return 6;
}

/* Builds one family's direct array of 2^bits entries (malloc'd into
 * *direct) and the nodes below it from the sorted prefixes c->ps[0, n). */
static int build_family(struct compiler *c, size_t n, unsigned bits, uint32_t **direct)
{
	size_t nslots = (size_t)1 << bits;
	struct lpm_leaf dflt = {DNSP_LPM_NONE, 0}, prev = {0, 0};
	uint32_t prev_index = 0, *d;
	bool have_prev = false;
	int rc;

	/* After sorting, a default route is first. */
	if (n && c->ps[0].leaf.plen == 0)
		dflt = c->ps[0].leaf;
	d = malloc(nslots * sizeof(*d));
	if (!d)
		return -ENOMEM;
	*direct = d;
	fill_slots(c, &c->direct_fill, 0, n, 0, bits, dflt);
	for (size_t s = 0; s < nslots; s++) {
		const struct slot_fill *f = &c->direct_fill;
		uint32_t ni;

		if (is_tail(c, f, s, bits)) {
			if ((rc = add_tail(c, &c->ps[f->start[s]], &f->leaf[s])) < 0)
				return rc;
		} else if (f->start[s] < f->end[s]) {
			if ((rc = add_nodes(c, 1, &ni)) < 0 ||
			    (rc = build_node(c, ni, f->start[s], f->end[s], bits, f->leaf[s], 0)) < 0)
				return rc;
			d[s] = NODE_FLAG | ni;
			continue;
		}
		if (!have_prev || !leaf_eq(prev, f->leaf[s])) {
			prev_index = (uint32_t)c->nleaves;
			prev = f->leaf[s];
			have_prev = true;
			if ((rc = add_leaf(c, prev)) < 0)
				return rc;
		}
		d[s] = prev_index;
	}
	return 0;
}

/* Sorts the builder's prefixes, drops replaced duplicates and converts each
 * family's prefixes to keys; *n4 + *n6 keys land in *out (IPv4 first). */
static int sorted_keys(dnsp_lpm_builder_t *b, struct key_prefix **out, size_t *n4, size_t *n6)
{
	struct key_prefix *ks = malloc((b->n + 1) * sizeof(*ks));
	size_t n = 0;

	if (!ks)
		return -ENOMEM;
	if (b->n)
		qsort(b->prefixes, b->n, sizeof(*b->prefixes), prefix_cmp);
	*n4 = *n6 = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct lpm_prefix *p = &b->prefixes[i], *q = p + 1;
		struct key_prefix *k = &ks[n++];
		uint64_t hi = 0, lo = 0;

		/* Of equal prefixes only the newest (last after sorting) counts. */
		if (i + 1 < b->n && q->plen == p->plen && q->family == p->family &&
		    memcmp(q->addr, p->addr, sizeof(p->addr)) == 0) {
			n--;
			continue;
		}
		for (int j = 0; j < 8; j++) {
			hi = hi << 8 | p->addr[j];
			lo = lo << 8 | p->addr[8 + j];
		}
		k->hi = hi;
		k->lo = lo;
		k->leaf.value = p->value;
		k->leaf.plen = p->plen;
		if (p->family == 4)
			(*n4)++;
		else
			(*n6)++;
	}
	*out = ks;
	return 0;
}

/* Copies an array into the arena (NULL when empty); *failed is set when the
 * arena is out of memory, and *total counts the bytes. */
static void *arena_copy(dnsp_arena_t *arena, const void *src, size_t bytes, size_t *total,
			bool *failed)
{
	void *p;

	if (!bytes)
		return NULL;
	p = dnsp_arena_alloc_aligned(arena, bytes, ARRAY_ALIGN);
	if (!p) {
		*failed = true;
		return NULL;
	}
	memcpy(p, src, bytes);
	*total += bytes;
	return p;
}

int dnsp_lpm_compile(dnsp_lpm_builder_t *b, dnsp_arena_t *arena, const dnsp_lpm_t **out)
{
	struct compiler *c;
	struct key_prefix *keys = NULL;
	uint32_t *direct4 = NULL, *direct6 = NULL;
	unsigned bits4, bits6;
	size_t n4, n6, nslots, total;
	struct dnsp_lpm *t;
	bool failed = false;
	int rc;

	if (!b || !arena || !out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if ((rc = sorted_keys(b, &keys, &n4, &n6)) < 0)
		goto out;
	bits4 = direct_bits(n4);
	bits6 = direct_bits(n6);
	nslots = (size_t)1 << (bits4 > bits6 ? bits4 : bits6);
	c->direct_fill.leaf = malloc(nslots * sizeof(*c->direct_fill.leaf));
	c->direct_fill.start = malloc(nslots * sizeof(*c->direct_fill.start));
	c->direct_fill.end = malloc(nslots * sizeof(*c->direct_fill.end));
	if (!c->direct_fill.leaf || !c->direct_fill.start || !c->direct_fill.end) {
		rc = -ENOMEM;
		goto out;
	}
	c->ps = keys;
	c->use_tails = false;
	if ((rc = build_family(c, n4, bits4, &direct4)) < 0)
		goto out;
	c->ps = keys + n4;
	c->use_tails = true;
	if ((rc = build_family(c, n6, bits6, &direct6)) < 0)
		goto out;

	total = sizeof(*t);
	t = dnsp_arena_alloc(arena, sizeof(*t));
	if (!t) {
		rc = -ENOMEM;
		goto out;
	}
	t->nodes = arena_copy(arena, c->nodes, c->nnodes * sizeof(*c->nodes), &total, &failed);
	t->leaves = arena_copy(arena, c->leaves, c->nleaves * sizeof(*c->leaves), &total, &failed);
	t->tails = arena_copy(arena, c->tails, c->ntails * sizeof(*c->tails), &total, &failed);
	t->root4.direct = arena_copy(arena, direct4, sizeof(*direct4) << bits4, &total, &failed);
	t->root6.direct = arena_copy(arena, direct6, sizeof(*direct6) << bits6, &total, &failed);
	if (failed) {
		rc = -ENOMEM;
		goto out;
	}
	t->root4.bits = bits4;
	t->root4.shift = 64 - bits4;
	t->root6.bits = bits6;
	t->root6.shift = 64 - bits6;
#ifdef LPM_POPCNT_DISPATCH
	t->popcnt = __builtin_cpu_supports("popcnt");
#else
	t->popcnt = true;
#endif
	t->memory = total;
	*out = t;
	rc = 0;
out:
	free(direct4);
	free(direct6);
	free(keys);
	free(c->nodes);
	free(c->leaves);
	free(c->tails);
	free(c->direct_fill.leaf);
	free(c->direct_fill.start);
	free(c->direct_fill.end);
	free(c);
	return rc;
}

/* ---- lookup ---- */

static inline uint64_t load_be64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return __builtin_bswap64(x);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	uint32_t x;

	memcpy(&x, p, sizeof(x));
	return __builtin_bswap32(x);
}

/*
 * Walks one family from its direct array; hi:lo is the address left-aligned
 * (lo is 0 for IPv4, which the compiler folds away). Each step takes the
 * next 6 bits as slot v and shifts the node's maps left by 63 - v, so that
 * bit v lands on the sign bit (child or leaf?) and the population count of
 * what remains counts the set bits at 0..v. Returns the leaf number.
 */
static inline __attribute__((always_inline)) uint32_t walk(const dnsp_lpm_t *t,
							   const struct lpm_root *r, uint64_t hi,
							   uint64_t lo)
{
	uint32_t e = r->direct[hi >> r->shift];
	const struct lpm_node *n;

	if (!(e & NODE_FLAG))
		return e;
	hi = hi << r->bits | lo >> r->shift;
	lo <<= r->bits;
	n = &t->nodes[e & INDEX_MASK];
	for (;;) {
		unsigned sh = (unsigned)(~hi >> 58);  /* 63 - slot */
		uint64_t c = n->children << sh;

		hi = hi << STRIDE | lo >> (64 - STRIDE);
		lo <<= STRIDE;
		if ((int64_t)c >= 0)
			return n->leaf_base + (uint32_t)__builtin_popcountll(n->runs << sh);
		n = &t->nodes[n->child_base + (uint32_t)__builtin_popcountll(c) - 1];
	}
}

/* Whether the address hi:lo starts with the tail's prefix. */
static inline bool tail_matches(const struct lpm_tail *tl, uint64_t hi, uint64_t lo)
{
	uint64_t xh = hi ^ tl->hi, xl = lo ^ tl->lo;
	unsigned p = tl->match.plen;  /* > 12: a tail sits two strides down */

	if (p <= 64)
		return (xh >> (64 - p)) == 0;
	return xh == 0 && (xl >> (128 - p)) == 0;
}

/* The value of leaf li (resolving a tail against the address hi:lo). */
static inline __attribute__((always_inline)) uint32_t finish(const dnsp_lpm_t *t, uint32_t li,
							     bool tails, uint64_t hi, uint64_t lo,
							     int *plen)
{
	const struct lpm_leaf *l = &t->leaves[li];

	if (tails && (l->plen & TAIL_FLAG)) {
		const struct lpm_tail *tl = &t->tails[l->value];

		l = tail_matches(tl, hi, lo) ? &tl->match : &tl->dflt;
	}
	if (plen)
		*plen = (int)l->plen;
	return l->value;
}

static inline __attribute__((always_inline)) uint32_t lookup4(const dnsp_lpm_t *t,
							      const uint8_t *addr, int *plen)
{
	uint64_t hi = (uint64_t)load_be32(addr) << 32;

	return finish(t, walk(t, &t->root4, hi, 0), false, hi, 0, plen);
}

static inline __attribute__((always_inline)) uint32_t lookup6(const dnsp_lpm_t *t,
							      const uint8_t *addr, int *plen)
{
	uint64_t hi = load_be64(addr), lo = load_be64(addr + 8);

	return finish(t, walk(t, &t->root6, hi, lo), true, hi, lo, plen);
}

#ifdef LPM_POPCNT_DISPATCH
/* The walks with the POPCNT instruction, and without it for CPUs that lack
 * it (the builtin becomes a libgcc call there). */
__attribute__((target("popcnt"), noinline)) static uint32_t
lookup4_popcnt(const dnsp_lpm_t *t, const uint8_t *addr, int *plen)
{
	return lookup4(t, addr, plen);
}

__attribute__((target("popcnt"), noinline)) static uint32_t
lookup6_popcnt(const dnsp_lpm_t *t, const uint8_t *addr, int *plen)
{
	return lookup6(t, addr, plen);
}

__attribute__((noinline)) static uint32_t lookup4_plain(const dnsp_lpm_t *t, const uint8_t *addr,
							int *plen)
{
	return lookup4(t, addr, plen);
}

__attribute__((noinline)) static uint32_t lookup6_plain(const dnsp_lpm_t *t, const uint8_t *addr,
							int *plen)
{
	return lookup6(t, addr, plen);
}

uint32_t dnsp_lpm_lookup(const dnsp_lpm_t *t, int family, const uint8_t *addr, int *plen)
{
	if (family == 4)
		return likely(t->popcnt) ? lookup4_popcnt(t, addr, plen) : lookup4_plain(t, addr, plen);
	if (family == 6)
		return likely(t->popcnt) ? lookup6_popcnt(t, addr, plen) : lookup6_plain(t, addr, plen);
	if (plen)
		*plen = 0;
	return DNSP_LPM_NONE;
}
#else
uint32_t dnsp_lpm_lookup(const dnsp_lpm_t *t, int family, const uint8_t *addr, int *plen)
{
	if (family == 4)
		return lookup4(t, addr, plen);
	if (family == 6)
		return lookup6(t, addr, plen);
	if (plen)
		*plen = 0;
	return DNSP_LPM_NONE;
}
#endif

size_t dnsp_lpm_memory(const dnsp_lpm_t *t)
{
	return t ? t->memory : 0;
}
