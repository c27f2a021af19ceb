/*
 * DNS Firewall matching (lib/firewall.h). Every domain-list entry is a whole
 * name ("evil.example.net") or a whole-label suffix ("*.c2.example.org",
 * "*"), so the compiled form is one open-addressing table keyed by wire
 * name: a key carries the rules that list the name itself (exact) and the
 * rules that list "*." + the name (wild). A query with n labels probes at
 * most n + 1 keys, its own name for exact entries and each proper suffix
 * (the root included) for wildcards, and only for label counts that some
 * key has. The hashes of all suffixes come from one right-to-left pass over
 * the labels (each label folded into the hash of the suffix to its right).
 * Lookups go in three passes so memory accesses overlap: fetch the Bloom
 * word of every candidate suffix, then the table slot of those the filter
 * may hold, then compare; a slot carries 32 more hash bits so that a
 * false positive of the filter rarely touches the key bytes. The
 * deciding rule is the lowest rule index among the matches; rule lists are
 * kept ascending so the first entry that passes the Qtype filter is the
 * key's answer. Heuristic (DnsThreatProtection) rules are checked after the
 * table, only when they come before the best match so far.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "firewall.h"
#include "wire/name.h"

#define REF_NONE UINT32_MAX
#define REF_LIST 0x80000000u
#define NAME_EMPTY UINT32_MAX
#define HASH_SEED 0x243F6A8885A308D3ull

const char *dnsp_fw_action_name(uint8_t action)
{
	static const char *const n[] = { NULL, "ALLOW", "BLOCK", "ALERT" };
	return action < 4 ? n[action] : NULL;
}

/* ---- counters ---- */

int dnsp_fw_counters_create(dnsp_arena_t *arena, uint32_t nworkers, uint32_t nslots,
			    struct dnsp_fw_counters **out)
{
	if (nworkers == 0)
		nworkers = 1;
	struct dnsp_fw_counters *c = dnsp_arena_alloc(arena, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->nworkers = nworkers;
	c->nslots = nslots;
	c->stride = (nslots + 7u) & ~7u; /* 8 x 8 bytes: one 64-byte line per row step */
	if (c->stride == 0)
		c->stride = 8;
	c->rows = dnsp_arena_alloc_aligned(arena, (size_t)nworkers * c->stride * sizeof(uint64_t),
					   64);
	if (!c->rows)
		return -ENOMEM;
	*out = c;
	return 0;
}

uint64_t dnsp_fw_counters_sum(const struct dnsp_fw_counters *c, uint32_t slot)
{
	uint64_t sum = 0;
	if (!c || slot >= c->nslots)
		return 0;
	for (uint32_t w = 0; w < c->nworkers; w++) {
		/* A relaxed load: the worker's plain increments may race with
		 * this read; a stale value is fine for monitoring. */
		sum += __atomic_load_n(&c->rows[(size_t)w * c->stride + slot], __ATOMIC_RELAXED);
	}
	return sum;
}

/* ---- hashing ---- */

static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* Folds one label (length byte first) into the hash of the suffix to its
 * right. Reads only the label's own bytes. */
static inline uint64_t fold_label(uint64_t h, const uint8_t *label)
{
	uint32_t len = label[0];
	const uint8_t *p = label + 1;
	h = (h ^ (len + 0x100u)) * 0x9E3779B97F4A7C15ull;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;
		for (uint32_t i = 0; i < len; i++)
			w |= (uint64_t)p[i] << (8 * i);
		h = (h ^ w) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	return h;
}

/* The Bloom word index and bit mask of a key, from its table hash f (bits
 * decorrelated from the slot index and tag by another multiply-xorshift). */
static inline uint64_t bloom_bits(uint64_t f, uint32_t *word, uint32_t mask)
{
	uint64_t g = (f ^ (f >> 31)) * 0x94d049bb133111ebull;
	g ^= g >> 29;
	*word = (uint32_t)g & mask;
	return 1ull << ((g >> 40) & 63) | 1ull << ((g >> 46) & 63) | 1ull << ((g >> 52) & 63) |
	       1ull << ((g >> 58) & 63);
}

/* Offsets of the labels of a valid wire name (lib/wire/name.c); returns
 * the label count and the total length (root byte included) in *total,
 * taken from the last label so the name is walked once. A valid name has
 * at most DNSP_LABELS_MAX - 1 labels; the clamp keeps the n + 1 suffix
 * probes of dnsp_fw_match inside its array even for a name that is not. */
static inline int label_offsets(const uint8_t *name, uint8_t offs[DNSP_LABELS_MAX],
				size_t *total)
{
	int n = dnsp_name_label_offsets(name, offs);
	if (unlikely(n > DNSP_LABELS_MAX - 1))
		n = DNSP_LABELS_MAX - 1;
	*total = n ? (size_t)offs[n - 1] + name[offs[n - 1]] + 2u : 1u;
	return n;
}

/* Hash of a whole wire name, as the query side computes it. */
static uint64_t name_hash(const uint8_t *name, int *labels)
{
	uint8_t offs[DNSP_LABELS_MAX];
	size_t total;
	int n = label_offsets(name, offs, &total);
	uint64_t h = HASH_SEED;
	for (int k = n - 1; k >= 0; k--)
		h = fold_label(h, name + offs[k]);
	*labels = n;
	return h;
}

/* ---- builder ---- */

struct bkey {
	uint64_t hash;
	uint32_t name;            /* offset in names */
	uint32_t labels;
	uint32_t exact_head, wild_head; /* chains of bnode, REF_NONE terminated */
	uint32_t exact_last, wild_last; /* rule of the head (dedupe repeats) */
};

struct bnode {
	uint32_t rule;
	uint32_t next;
};

struct dnsp_fw_builder {
	struct dnsp_fw_rule *rules;
	uint32_t nrules, cap_rules;
	struct bkey *keys;
	uint32_t nkeys, cap_keys;
	struct bnode *nodes;
	uint32_t nnodes, cap_nodes;
	uint8_t *names;
	size_t names_len, names_cap;
	uint32_t *index;          /* open addressing of key indexes + 1 (0: empty) */
	uint32_t index_mask;
	uint64_t nentries;
};

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	uint64_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	if (n > UINT32_MAX / 2)
		return -ENOMEM;
	void *q = realloc(*p, (size_t)n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = (uint32_t)n;
	return 0;
}

/* Frees the builder's copies in r (casts: the builder allocated them). */
static void rule_free(struct dnsp_fw_rule *r)
{
	free((char *)r->group_id);
	free((char *)r->name);
	free((char *)r->list_id);
	free((uint8_t *)r->override_name);
}

int dnsp_fw_builder_create(dnsp_fw_builder_t **out)
{
	dnsp_fw_builder_t *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	*out = b;
	return 0;
}

void dnsp_fw_builder_destroy(dnsp_fw_builder_t *b)
{
	if (!b)
		return;
	for (uint32_t i = 0; i < b->nrules; i++)
		rule_free(&b->rules[i]);
	free(b->rules);
	free(b->keys);
	free(b->nodes);
	free(b->names);
	free(b->index);
	free(b);
}

int dnsp_fw_builder_add_rule(dnsp_fw_builder_t *b, const struct dnsp_fw_rule *rule)
{
	if (rule->action < DNSP_FW_ALLOW || rule->action > DNSP_FW_ALERT ||
	    rule->block > DNSP_FW_BLOCK_OVERRIDE || rule->threat > DNSP_FW_THREAT_TUNNELING ||
	    rule->confidence > DNSP_FW_CONF_HIGH || rule->redirection > DNSP_FW_REDIRECT_TRUST)
		return -EINVAL;
	if (rule->action == DNSP_FW_BLOCK && rule->block == DNSP_FW_BLOCK_OVERRIDE &&
	    !rule->override_name)
		return -EINVAL;
	if (b->nrules >= REF_LIST - 1)
		return -ENOMEM;
	if (grow((void **)&b->rules, &b->cap_rules, b->nrules + 1, sizeof(*b->rules)) < 0)
		return -ENOMEM;
	/* The builder owns copies of the strings and the override name. */
	struct dnsp_fw_rule r = *rule;
	r.group_id = rule->group_id ? strdup(rule->group_id) : NULL;
	r.name = rule->name ? strdup(rule->name) : NULL;
	r.list_id = rule->list_id ? strdup(rule->list_id) : NULL;
	r.override_name = NULL;
	if (rule->override_name) {
		size_t l = dnsp_name_len(rule->override_name);
		uint8_t *o = malloc(l);
		if (o)
			memcpy(o, rule->override_name, l);
		r.override_name = o;
	}
	if ((rule->group_id && !r.group_id) || (rule->name && !r.name) ||
	    (rule->list_id && !r.list_id) || (rule->override_name && !r.override_name)) {
		rule_free(&r);
		return -ENOMEM;
	}
	b->rules[b->nrules] = r;
	return (int)b->nrules++;
}

static int index_rehash(dnsp_fw_builder_t *b)
{
	uint64_t size = b->index_mask ? ((uint64_t)b->index_mask + 1) * 2 : 1024;
	if (size > (1ull << 31))
		return -ENOMEM;
	uint32_t *idx = calloc(size, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	uint32_t mask = (uint32_t)(size - 1);
	for (uint32_t i = 0; i < b->nkeys; i++) {
		uint32_t h = (uint32_t)b->keys[i].hash & mask;
		while (idx[h])
			h = (h + 1) & mask;
		idx[h] = i + 1;
	}
	free(b->index);
	b->index = idx;
	b->index_mask = mask;
	return 0;
}

/* The key for wire name w (wlen bytes), created if new. */
static int key_get(dnsp_fw_builder_t *b, const uint8_t *w, size_t wlen, uint32_t *out)
{
	int labels;
	uint64_t h = name_hash(w, &labels);
	if (!b->index || (uint64_t)(b->nkeys + 1) * 2 > (uint64_t)b->index_mask + 1) {
		if (index_rehash(b) < 0)
			return -ENOMEM;
	}
	uint32_t i = (uint32_t)h & b->index_mask;
	for (; b->index[i]; i = (i + 1) & b->index_mask) {
		const struct bkey *k = &b->keys[b->index[i] - 1];
		const uint8_t *kn = b->names + k->name;
		if (k->hash == h && kn[0] == wlen && memcmp(kn + 1, w, wlen) == 0) {
			*out = b->index[i] - 1;
			return 0;
		}
	}
	if (grow((void **)&b->keys, &b->cap_keys, b->nkeys + 1, sizeof(*b->keys)) < 0)
		return -ENOMEM;
	if (b->names_len + wlen + 1 > b->names_cap) {
		size_t cap = b->names_cap ? b->names_cap * 2 : 65536;
		while (cap < b->names_len + wlen + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -ENOMEM;
		uint8_t *n = realloc(b->names, cap);
		if (!n)
			return -ENOMEM;
		b->names = n;
		b->names_cap = cap;
	}
	struct bkey *k = &b->keys[b->nkeys];
	k->hash = h;
	k->name = (uint32_t)b->names_len;
	k->labels = (uint32_t)labels;
	k->exact_head = k->wild_head = REF_NONE;
	k->exact_last = k->wild_last = REF_NONE;
	b->names[b->names_len] = (uint8_t)wlen;
	memcpy(b->names + b->names_len + 1, w, wlen);
	b->names_len += wlen + 1;
	b->index[i] = b->nkeys + 1;
	*out = b->nkeys++;
	return 0;
}

static int chain_add(dnsp_fw_builder_t *b, uint32_t *head, uint32_t *last, uint32_t rule)
{
	if (*last == rule)
		return 0; /* the same entry twice in one list (or two lists of one rule) */
	if (grow((void **)&b->nodes, &b->cap_nodes, b->nnodes + 1, sizeof(*b->nodes)) < 0)
		return -ENOMEM;
	b->nodes[b->nnodes] = (struct bnode){ .rule = rule, .next = *head };
	*head = b->nnodes++;
	*last = rule;
	return 0;
}

int dnsp_fw_builder_add_domain(dnsp_fw_builder_t *b, uint32_t rule, const char *entry,
			       size_t len)
{
	if (rule >= b->nrules || b->rules[rule].threat != DNSP_FW_THREAT_NONE)
		return -EINVAL;
	bool wild = false;
	if (len == 1 && entry[0] == '*') {
		entry += 1;
		len = 0;
		wild = true;
	} else if (len >= 2 && entry[0] == '*' && entry[1] == '.') {
		entry += 2;
		len -= 2;
		wild = true;
		if (len == 0)
			return DNSP_ESYNTAX;
	}
	if (len > 253)
		return DNSP_ESYNTAX;
	/* text → wire; the entry is in normal form (checked cheaply here:
	 * no empty labels, no label over 63, lowercase label characters). */
	uint8_t w[DNSP_NAME_MAX];
	size_t o = 0, lab = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || entry[i] == '.') {
			size_t l = i - lab;
			if (l == 0 || l > DNSP_LABEL_MAX) {
				if (len == 0 && wild)
					break; /* "*": the root key */
				return DNSP_ESYNTAX;
			}
			w[o++] = (uint8_t)l;
			for (size_t k = lab; k < i; k++) {
				char c = entry[k];
				if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
					return DNSP_ESYNTAX;
				w[o++] = (uint8_t)c;
			}
			lab = i + 1;
		}
	}
	w[o++] = 0;
	uint32_t k;
	int rc = key_get(b, w, o, &k);
	if (rc < 0)
		return rc;
	struct bkey *key = &b->keys[k];
	b->nentries++;
	return wild ? chain_add(b, &key->wild_head, &key->wild_last, rule)
		    : chain_add(b, &key->exact_head, &key->exact_last, rule);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Chain → slot reference: a rule index, or REF_LIST | offset of a sorted
 * list in lists (count first). *nlists grows; lists may be NULL to count. */
static uint32_t chain_ref(const dnsp_fw_builder_t *b, uint32_t head, uint32_t *lists,
			  uint32_t *nlists, uint32_t *tmp, uint32_t tmpcap)
{
	if (head == REF_NONE)
		return REF_NONE;
	uint32_t n = 0;
	for (uint32_t i = head; i != REF_NONE && n < tmpcap; i = b->nodes[i].next)
		tmp[n++] = b->nodes[i].rule;
	qsort(tmp, n, sizeof(*tmp), cmp_u32);
	uint32_t m = 0;
	for (uint32_t i = 0; i < n; i++)
		if (m == 0 || tmp[m - 1] != tmp[i])
			tmp[m++] = tmp[i];
	if (m == 1)
		return tmp[0];
	uint32_t off = *nlists;
	if (lists) {
		lists[off] = m;
		memcpy(lists + off + 1, tmp, m * sizeof(*tmp));
	}
	*nlists += m + 1;
	return REF_LIST | off;
}

int dnsp_fw_compile(dnsp_fw_builder_t *b, struct dnsp_fw_counters *counters, bool ready,
		    dnsp_arena_t *arena, const struct dnsp_fw **out)
{
	size_t used0 = dnsp_arena_used(arena);
	struct dnsp_fw *fw = dnsp_arena_alloc(arena, sizeof(*fw));
	struct dnsp_fw_rule *rules = dnsp_arena_alloc(arena, (b->nrules + 1) * sizeof(*rules));
	if (!fw || !rules)
		return -ENOMEM;
	uint32_t nthreat = 0;
	for (uint32_t i = 0; i < b->nrules; i++) {
		const struct dnsp_fw_rule *r = &b->rules[i];
		rules[i] = *r;
		rules[i].group_id = r->group_id ? dnsp_arena_strdup(arena, r->group_id) : "";
		rules[i].name = r->name ? dnsp_arena_strdup(arena, r->name) : "";
		rules[i].list_id = r->list_id ? dnsp_arena_strdup(arena, r->list_id) : NULL;
		rules[i].override_name = r->override_name
			? dnsp_arena_memdup(arena, r->override_name, dnsp_name_len(r->override_name))
			: NULL;
		if (!rules[i].group_id || !rules[i].name || (r->list_id && !rules[i].list_id) ||
		    (r->override_name && !rules[i].override_name))
			return -ENOMEM;
		nthreat += r->threat != DNSP_FW_THREAT_NONE;
		fw->inspect_chain |= r->redirection == DNSP_FW_REDIRECT_INSPECT;
	}
	fw->rules = rules;
	fw->nrules = b->nrules;
	fw->ready = ready;
	fw->counters = counters;
	fw->nentries = b->nentries;

	if (nthreat) {
		uint32_t *t = dnsp_arena_alloc(arena, nthreat * sizeof(*t));
		float *tab = dnsp_arena_alloc(arena, 256 * sizeof(*tab));
		if (!t || !tab)
			return -ENOMEM;
		for (uint32_t i = 0, j = 0; i < b->nrules; i++)
			if (b->rules[i].threat != DNSP_FW_THREAT_NONE)
				t[j++] = i;
		dnsp_fw_nlog2n_fill(tab);
		fw->threat_rules = t;
		fw->nthreat = nthreat;
		fw->nlog2n = tab;
	}

	if (b->nkeys) {
		uint64_t size = 16;
		while (size < (uint64_t)b->nkeys * 2)
			size *= 2;
		if (size > (1ull << 31))
			return -ENOMEM;
		struct dnsp_fw_slot *slots = dnsp_arena_alloc_aligned(arena, size * sizeof(*slots), 64);
		uint8_t *names = dnsp_arena_memdup(arena, b->names, b->names_len);
		uint32_t *tmp = malloc((size_t)b->nrules * sizeof(*tmp) + sizeof(*tmp));
		if (!slots || !names || !tmp) {
			free(tmp);
			return -ENOMEM;
		}
		/* lists: count first, then fill */
		uint32_t nlists = 0;
		for (uint32_t i = 0; i < b->nkeys; i++) {
			(void)chain_ref(b, b->keys[i].exact_head, NULL, &nlists, tmp, b->nrules);
			(void)chain_ref(b, b->keys[i].wild_head, NULL, &nlists, tmp, b->nrules);
		}
		uint32_t *lists = nlists ? dnsp_arena_alloc(arena, nlists * sizeof(*lists)) : NULL;
		if (nlists && !lists) {
			free(tmp);
			return -ENOMEM;
		}
		uint64_t words = 8;
		while (words * 4 < b->nkeys) /* 16 bits per key */
			words *= 2;
		uint64_t *bloom = dnsp_arena_alloc_aligned(arena, words * sizeof(*bloom), 64);
		if (!bloom) {
			free(tmp);
			return -ENOMEM;
		}
		uint32_t bmask = (uint32_t)(words - 1);
		for (uint64_t i = 0; i < size; i++)
			slots[i].name = NAME_EMPTY;
		uint32_t mask = (uint32_t)(size - 1);
		nlists = 0;
		for (uint32_t i = 0; i < b->nkeys; i++) {
			const struct bkey *k = &b->keys[i];
			uint64_t f = mix64(k->hash);
			uint32_t at = (uint32_t)f & mask;
			while (slots[at].name != NAME_EMPTY)
				at = (at + 1) & mask;
			uint32_t bw;
			uint64_t bb = bloom_bits(f, &bw, bmask);
			bloom[bw] |= bb;
			slots[at].hash = (uint32_t)(f >> 32);
			slots[at].name = k->name;
			slots[at].exact = chain_ref(b, k->exact_head, lists, &nlists, tmp, b->nrules);
			slots[at].wild = chain_ref(b, k->wild_head, lists, &nlists, tmp, b->nrules);
			uint32_t lb = k->labels & 127;
			if (k->exact_head != REF_NONE)
				fw->exact_labels[lb >> 6] |= 1ull << (lb & 63);
			if (k->wild_head != REF_NONE)
				fw->wild_labels[lb >> 6] |= 1ull << (lb & 63);
		}
		free(tmp);
		fw->slots = slots;
		fw->bloom = bloom;
		fw->bloom_mask = bmask;
		fw->names = names;
		fw->lists = lists;
		fw->mask = mask;
		fw->nkeys = b->nkeys;
	}
	fw->bytes = dnsp_arena_used(arena) - used0;
	*out = fw;
	return 0;
}

/* ---- heuristics (DnsThreatProtection) ---- */

void dnsp_fw_nlog2n_fill(float table[256])
{
	table[0] = 0;
	for (int i = 1; i < 256; i++)
		table[i] = (float)((double)i * log2((double)i));
}

/* Character classes: 0-25 letters, 26-35 digits, 36 '-', 37 other. */
static inline int char_class(uint8_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '0' && c <= '9')
		return 26 + (c - '0');
	if (c == '-')
		return 36;
	return 37;
}

static inline bool is_vowel(uint8_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Shannon entropy in bits per character of the m characters counted. */
static float entropy(const uint8_t counts[38], uint32_t m, const float *nlog2n)
{
	if (m == 0 || m > 255)
		return 0;
	float s = 0;
	for (int i = 0; i < 38; i++)
		s += nlog2n[counts[i]];
	return (nlog2n[m] - s) / (float)m; /* log2(m) - sum(c log2 c) / m */
}

/*
 * DGA score: the longest label left of the top-level label (a generated
 * second-level name), when at least 8 characters long. Points: length >= 10
 * and >= 16; entropy >= 3.0 and >= 3.5 bits per character; fewer than 25%
 * vowels among at least 6 letters; a run of >= 4 and >= 6 consonants;
 * digits mixed into letters (10..60% digits and >= 2 letter/digit changes).
 */
static int dga_score(const uint8_t *qname, const uint8_t *offs, int n, const float *nlog2n)
{
	if (n < 2)
		return 0;
	const uint8_t *best = NULL;
	for (int i = 0; i < n - 1; i++) {
		const uint8_t *l = qname + offs[i];
		if (!best || l[0] >= best[0])
			best = l;
	}
	uint32_t m = best[0];
	if (m < 8)
		return 0;
	uint8_t counts[38] = { 0 };
	uint32_t letters = 0, vowels = 0, digits = 0, run = 0, maxrun = 0, changes = 0;
	int prev = -1; /* 0 letter, 1 digit */
	for (uint32_t i = 0; i < m; i++) {
		uint8_t c = best[1 + i];
		int cl = char_class(c);
		counts[cl]++;
		int kind = cl < 26 ? 0 : cl < 36 ? 1 : -1;
		if (kind == 0) {
			letters++;
			if (is_vowel(c)) {
				vowels++;
				run = 0;
			} else if (++run > maxrun) {
				maxrun = run;
			}
		} else {
			run = 0;
			digits += kind == 1;
		}
		if (kind >= 0 && prev >= 0 && kind != prev)
			changes++;
		if (kind >= 0)
			prev = kind;
	}
	float h = entropy(counts, m, nlog2n);
	int s = 0;
	s += m >= 10;
	s += m >= 16;
	s += h >= 3.0f;
	s += h >= 3.5f;
	s += letters >= 6 && vowels * 4 < letters;
	s += maxrun >= 4;
	s += maxrun >= 6;
	s += digits * 10 >= m && digits * 10 <= m * 6 && changes >= 2;
	return s;
}

/*
 * Tunnelling score over the labels left of the last two (the registered
 * domain, approximately): name length >= 60 and >= 100 characters; a label
 * of >= 32 and >= 50 characters; >= 4 such labels; entropy of their
 * characters (16 or more) >= 3.5 and >= 4.0 bits; an encoded look (only
 * hex digits, or >= 25% digits, over 16 or more characters).
 */
static int tunnel_score(const uint8_t *qname, const uint8_t *offs, int n, size_t total,
			const float *nlog2n)
{
	if (n < 3)
		return 0;
	uint8_t counts[38] = { 0 };
	uint32_t chars = 0, digits = 0, longest = 0;
	bool hex = true;
	int sub = n - 2;
	for (int i = 0; i < sub; i++) {
		const uint8_t *l = qname + offs[i];
		if (l[0] > longest)
			longest = l[0];
		for (uint32_t k = 0; k < l[0]; k++) {
			uint8_t c = l[1 + k];
			int cl = char_class(c);
			if (counts[cl] < 255)
				counts[cl]++;
			chars++;
			digits += cl >= 26 && cl < 36;
			hex &= (cl >= 26 && cl < 36) || (c >= 'a' && c <= 'f');
		}
	}
	size_t textlen = total > 1 ? total - 2 : 0; /* dotted length without the final dot */
	int s = 0;
	s += textlen >= 60;
	s += textlen >= 100;
	s += longest >= 32;
	s += longest >= 50;
	s += sub >= 4;
	if (chars >= 16) {
		float h = entropy(counts, chars > 255 ? 255 : chars, nlog2n);
		s += h >= 3.5f;
		s += h >= 4.0f;
		s += hex || digits * 4 >= chars;
	}
	return s;
}

int dnsp_fw_threat_threshold(uint8_t kind, uint8_t confidence)
{
	/* LOW flags the most names (more false positives), HIGH only the
	 * most evident ones (AWS ConfidenceThreshold semantics). */
	static const int dga[3] = { 4, 5, 6 }, tun[3] = { 3, 4, 5 };
	if (confidence > DNSP_FW_CONF_HIGH)
		confidence = DNSP_FW_CONF_HIGH;
	return kind == DNSP_FW_THREAT_TUNNELING ? tun[confidence] : dga[confidence];
}

int dnsp_fw_threat_score(const uint8_t *qname, uint8_t kind, const float *nlog2n)
{
	uint8_t offs[DNSP_LABELS_MAX];
	size_t total;
	int n = label_offsets(qname, offs, &total);
	if (!nlog2n)
		return 0;
	return kind == DNSP_FW_THREAT_TUNNELING ? tunnel_score(qname, offs, n, total, nlog2n)
						 : dga_score(qname, offs, n, nlog2n);
}

/* ---- evaluation ---- */

/* Whether rule r applies: its Qtype filter passes, and for a redirection
 * target (chain) it inspects redirections. */
static inline __attribute__((always_inline)) bool rule_ok(const struct dnsp_fw *fw, uint32_t r,
							  uint16_t qtype, bool chain)
{
	const struct dnsp_fw_rule *rule = &fw->rules[r];
	if (chain && rule->redirection == DNSP_FW_REDIRECT_TRUST)
		return false;
	return rule->qtype == 0 || rule->qtype == qtype;
}

/* First rule of a reference that applies, or REF_NONE. */
static inline __attribute__((always_inline)) uint32_t first_ok(const struct dnsp_fw *fw,
							       uint32_t ref, uint16_t qtype,
							       bool chain)
{
	if (ref == REF_NONE)
		return REF_NONE;
	if (likely(!(ref & REF_LIST)))
		return rule_ok(fw, ref, qtype, chain) ? ref : REF_NONE;
	const uint32_t *l = fw->lists + (ref & ~REF_LIST);
	for (uint32_t i = 1; i <= l[0]; i++)
		if (rule_ok(fw, l[i], qtype, chain))
			return l[i];
	return REF_NONE;
}

static inline bool has_labels(const uint64_t m[2], int k)
{
	return (m[(k >> 6) & 1] >> (k & 63)) & 1;
}

/* dnsp_fw_match over the rules that apply to a query name (chain false)
 * or to a redirection target (chain true). */
static inline __attribute__((always_inline)) int match(const struct dnsp_fw *fw,
						       const uint8_t *qname, uint16_t qtype,
						       bool chain)
{
	if (unlikely(!fw || !fw->ready))
		return DNSP_FW_EFAIL;
	uint8_t offs[DNSP_LABELS_MAX];
	size_t total;
	int n = label_offsets(qname, offs, &total);
	uint32_t best = REF_NONE;

	if (fw->nkeys) {
		struct probe {
			uint64_t f;      /* table hash of the suffix */
			uint64_t bits;   /* its Bloom bits */
			uint32_t word;   /* its Bloom word */
			uint16_t off;    /* suffix start in qname */
			uint8_t exact, wild;
		} pr[DNSP_LABELS_MAX];
		int np = 0;
		uint64_t h = HASH_SEED;
		/* 1: hash every suffix the label masks allow; fetch its Bloom word */
		for (int k = 0; k <= n; k++) {
			if (k > 0)
				h = fold_label(h, qname + offs[n - k]);
			bool ex = k == n && has_labels(fw->exact_labels, k);
			bool wi = (k < n || k == 0) && has_labels(fw->wild_labels, k);
			if (!(ex | wi))
				continue;
			struct probe *p = &pr[np++];
			p->f = mix64(h);
			p->bits = bloom_bits(p->f, &p->word, fw->bloom_mask);
			p->off = (uint16_t)(k == 0 ? total - 1 : offs[n - k]);
			p->exact = ex;
			p->wild = wi;
			__builtin_prefetch(&fw->bloom[p->word]);
		}
		/* 2: keep the suffixes the filter may hold; fetch their slots */
		int nk = 0;
		for (int i = 0; i < np; i++) {
			if ((fw->bloom[pr[i].word] & pr[i].bits) != pr[i].bits)
				continue;
			__builtin_prefetch(&fw->slots[(uint32_t)pr[i].f & fw->mask]);
			pr[nk++] = pr[i];
		}
		/* 3: probe the table */
		for (int i = 0; i < nk; i++) {
			const uint8_t *suffix = qname + pr[i].off;
			size_t slen = total - pr[i].off;
			uint32_t at = (uint32_t)pr[i].f & fw->mask;
			uint32_t tag = (uint32_t)(pr[i].f >> 32);
			for (uint32_t probes = 0; probes <= fw->mask; probes++) {
				const struct dnsp_fw_slot *s = &fw->slots[at];
				if (s->name == NAME_EMPTY)
					break;
				if (s->hash == tag) {
					const uint8_t *key = fw->names + s->name;
					if (key[0] == slen && memcmp(key + 1, suffix, slen) == 0) {
						uint32_t r;
						if (pr[i].exact &&
						    (r = first_ok(fw, s->exact, qtype, chain)) < best)
							best = r;
						if (pr[i].wild &&
						    (r = first_ok(fw, s->wild, qtype, chain)) < best)
							best = r;
						break;
					}
				}
				at = (at + 1) & fw->mask;
			}
		}
	}

	/* Heuristic rules before the best list match, in order; the score of
	 * each kind is computed once per query, and only when needed. */
	int score[3] = { -1, -1, -1 };
	for (uint32_t i = 0; i < fw->nthreat; i++) {
		uint32_t r = fw->threat_rules[i];
		if (r >= best)
			break;
		if (!rule_ok(fw, r, qtype, chain))
			continue;
		uint8_t kind = fw->rules[r].threat;
		if (score[kind] < 0)
			score[kind] = kind == DNSP_FW_THREAT_TUNNELING
				? tunnel_score(qname, offs, n, total, fw->nlog2n)
				: dga_score(qname, offs, n, fw->nlog2n);
		if (score[kind] >= dnsp_fw_threat_threshold(kind, fw->rules[r].confidence)) {
			best = r;
			break;
		}
	}
	return best == REF_NONE ? DNSP_FW_NOMATCH : (int)best;
}

int dnsp_fw_match(const struct dnsp_fw *fw, const uint8_t *qname, uint16_t qtype)
{
	return match(fw, qname, qtype, false);
}

/* Writes rule's block response into r (after the question) and returns
 * its rcode: NOERROR with no records for NODATA, NXDOMAIN, or NOERROR with
 * the OVERRIDE CNAME. */
static int block_answer(const struct dnsp_fw_rule *rule, struct dnsp_resp *r)
{
	switch (rule->block) {
	case DNSP_FW_BLOCK_NXDOMAIN:
		return DNSP_RCODE_NXDOMAIN;
	case DNSP_FW_BLOCK_OVERRIDE: {
		/* The CNAME to BlockOverrideDomain, owned by the query name
		 * (written as a pointer to the question, the client's case). */
		const uint8_t *t = rule->override_name;
		(void)dnsp_resp_put_rr(r, DNSP_SEC_ANSWER, NULL, DNSP_T_CNAME, DNSP_CLASS_IN,
				       rule->override_ttl, t, (uint16_t)dnsp_name_len(t));
		return DNSP_RCODE_NOERROR;
	}
	default:
		return DNSP_RCODE_NOERROR; /* NODATA: success, no answer */
	}
}

static inline void record(struct dnsp_decision *d, const struct dnsp_fw_rule *rule)
{
	d->fw_action = rule->action;
	d->fw_rule_group_id = rule->group_id;
	d->fw_rule_name = rule->name;
	d->fw_domain_list_id = rule->list_id;
}

int dnsp_fw_apply(const struct dnsp_fw *fw, bool fail_open, const struct dnsp_query *q,
		  struct dnsp_resp *r, uint32_t worker, struct dnsp_decision *d)
{
	int m = dnsp_fw_match(fw, q->qname, q->qtype);
	if (m == DNSP_FW_NOMATCH)
		return DNSP_FW_PASS;
	const struct dnsp_fw_counters *c = fw ? fw->counters : NULL;
	uint64_t *row = c && worker < c->nworkers ? c->rows + (size_t)worker * c->stride : NULL;
	if (unlikely(m < 0)) {
		/* SEMANTICS §13: no verdict → SERVFAIL unless FirewallFailOpen. */
		d->fw_failed = true;
		if (row)
			row[fail_open ? DNSP_FW_SLOT_FAIL_OPEN : DNSP_FW_SLOT_FAIL_CLOSED]++;
		return fail_open ? DNSP_FW_PASS : DNSP_RCODE_SERVFAIL;
	}
	const struct dnsp_fw_rule *rule = &fw->rules[m];
	if (row && rule->counter < c->nslots)
		row[rule->counter]++;
	record(d, rule);
	if (rule->action != DNSP_FW_BLOCK)
		return DNSP_FW_PASS; /* ALLOW, ALERT: the query goes on */
	return block_answer(rule, r);
}

/* Offset just past the (possibly compressed) name at buf[off], or 0 when
 * it runs past len or is not a valid label sequence. */
static size_t skip_name(const uint8_t *buf, size_t len, size_t off)
{
	for (int n = 0; off < len && n < DNSP_LABELS_MAX; n++) {
		uint8_t l = buf[off];
		if (l == 0)
			return off + 1;
		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (l & 0xc0)
			return 0;
		off += 1u + l;
	}
	return 0;
}

/* The walk of dnsp_fw_apply_chain; with dry set it only tells whether a
 * target is blocked (DNSP_FW_BLOCK), r, *d and the counters untouched. */
static inline __attribute__((always_inline)) int apply_chain(const struct dnsp_fw *fw,
							     const struct dnsp_query *q,
							     struct dnsp_resp *r, uint32_t worker,
							     struct dnsp_decision *d, bool dry)
{
	if (!fw || !fw->ready || !fw->inspect_chain)
		return DNSP_FW_PASS;
	const struct dnsp_fw_counters *c = fw->counters;
	uint64_t *row = !dry && c && worker < c->nworkers ? c->rows + (size_t)worker * c->stride
							  : NULL;
	const uint8_t *buf = r->buf;
	size_t len = r->len, off = r->qend;
	bool first = true;
	for (uint16_t i = 0; i < r->count[DNSP_SEC_ANSWER]; i++) {
		off = skip_name(buf, len, off);
		if (off == 0 || off + 10 > len)
			return DNSP_FW_PASS;
		uint16_t type = (uint16_t)(buf[off] << 8 | buf[off + 1]);
		size_t rd = off + 10;
		off = rd + (size_t)(buf[off + 8] << 8 | buf[off + 9]);
		if (off > len)
			return DNSP_FW_PASS;
		if (type != DNSP_T_CNAME && type != DNSP_T_DNAME)
			continue;
		if (first) {
			/* An ALLOW for the query name that trusts its
			 * redirections covers the whole chain. */
			first = false;
			int m = match(fw, q->qname, q->qtype, false);
			if (m >= 0 && fw->rules[m].action == DNSP_FW_ALLOW &&
			    fw->rules[m].redirection == DNSP_FW_REDIRECT_TRUST)
				return DNSP_FW_PASS;
		}
		uint8_t target[DNSP_NAME_MAX];
		size_t wl;
		if (dnsp_name_unpack(buf, off, rd, target, &wl, true) < 0)
			continue;
		int m = match(fw, target, q->qtype, true);
		if (m < 0)
			continue;
		const struct dnsp_fw_rule *rule = &fw->rules[m];
		if (dry) {
			if (rule->action == DNSP_FW_BLOCK)
				return DNSP_FW_BLOCK;
			continue;
		}
		if (row && rule->counter < c->nslots)
			row[rule->counter]++;
		if (rule->action == DNSP_FW_ALERT && d->fw_action != DNSP_FW_ALERT)
			record(d, rule);
		if (rule->action != DNSP_FW_BLOCK)
			continue;
		/* The whole query gets the block response: the answer built so
		 * far goes, the header keeps RA as the pipeline set it. */
		bool ra = (buf[3] & DNSP_FLAG_RA) != 0; /* flags: bytes 2-3 */
		record(d, rule);
		dnsp_resp_init(r, r->buf, r->cap, r->limit, q);
		if (ra)
			dnsp_resp_set_flags(r, DNSP_FLAG_RA, 0);
		return block_answer(rule, r);
	}
	return DNSP_FW_PASS;
}

int dnsp_fw_apply_chain(const struct dnsp_fw *fw, const struct dnsp_query *q,
			struct dnsp_resp *r, uint32_t worker, struct dnsp_decision *d)
{
	return apply_chain(fw, q, r, worker, d, false);
}

bool dnsp_fw_chain_blocks(const struct dnsp_fw *fw, const struct dnsp_query *q,
			  const struct dnsp_resp *r)
{
	/* dry: r is only read */
	return apply_chain(fw, q, (struct dnsp_resp *)r, 0, NULL, true) == DNSP_FW_BLOCK;
}

