/*
 * The resolver cache (contract in cache.h): liburcu's lock-free resizable
 * hash table (rculfhash, QSBR flavour) of immutable entries, each one
 * allocation holding its key and its pre-encoded records. Workers look up
 * and copy records into the reply under QSBR with no lock and no
 * allocation; the one writer (the resolver thread) inserts with
 * add_replace, removes with del, and hands the old entry to call_rcu, so it
 * is freed only after every reader has passed a quiescent state.
 *
 * Memory is bounded by a byte budget enforced with CLOCK (second chance):
 * the writer keeps all entries on a circular list; readers set an entry's
 * reference byte on a hit (only when it is clear, so a hot entry's line is
 * written once per sweep, not once per hit); eviction advances the hand,
 * removing expired or unreferenced entries and clearing the bit of the
 * others. This approximates LRU at O(1) amortised per insert and costs the
 * fast path one predictable branch.
 *
 * ECS (RFC 7871 §7.3.1): an answer the upstream scoped to a client subnet
 * is stored under a key that includes the subnet truncated to the scope;
 * a marker entry under the scope-less key records, per address family, the
 * scope last seen, so a lookup takes two probes: marker, then subnet.
 * An ECS answer with scope 0 is stored under the scope-less key itself and
 * serves every client.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>
#include <urcu/compiler.h>
#include <sys/random.h>

#include "cache.h"

#define KEY_MAX (4 + 2 + 2 + 1 + 1 + 1 + 16 + DNSP_NAME_MAX)
#define ENTRY_DATA_MAX 65535u

enum entry_kind { KIND_ANSWER = 0, KIND_MARKER = 1 };

/* Record flags in the encoded data. */
#define REC_OWNER_QNAME 0x01  /* owner is the question name (written as a pointer) */
#define REC_AUTHORITY 0x02    /* authority section (else answer) */

struct entry {
	struct cds_lfht_node node;      /* table linkage */
	struct rcu_head rcu;            /* deferred free */
	struct entry *clock_prev, *clock_next; /* writer only */
	unsigned long hash;
	uint32_t inserted;              /* now at insert */
	uint32_t expire;                /* inserted + shortest TTL */
	uint32_t orig_ttl;              /* shortest TTL at insert */
	uint32_t size;                  /* bytes allocated */
	uint8_t rcode;
	uint8_t kind;                   /* enum entry_kind */
	uint8_t scope[3];               /* markers: scope per family (index 1, 2) */
	uint8_t ref;                    /* CLOCK bit: set by readers, cleared by the writer */
	uint8_t prefetch;               /* set once by the first reader near expiry */
	uint16_t key_len;
	uint16_t nrec;
	uint32_t data_len;
	uint8_t bytes[];                /* key_len key bytes, then data_len record bytes */
};

struct dnsp_cache {
	struct cds_lfht *ht;
	uint64_t seed;
	/* limits: written by the writer, read by readers with relaxed atomics */
	struct dnsp_cache_limits lim;
	/* writer state */
	struct entry *hand;             /* CLOCK hand, NULL when empty */
	uint64_t bytes, entries;        /* written by the writer only, read relaxed */
	uint64_t inserts, replaced, evicted, expired;
};

/* ------------------------------------------------------------ utilities */

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* Seeded hash of the key bytes (seed from getrandom: flooding one bucket
 * chain needs the seed). One multiply-rotate per 8-byte word and one
 * finaliser: keys are short (a name and 11 bytes), so the per-word step is
 * kept cheap and the final mix does the avalanche. */
static unsigned long key_hash(const dnsp_cache_t *c, const uint8_t *k, size_t len)
{
	uint64_t h = c->seed ^ (len * 0x9E3779B97F4A7C15ull);
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		h ^= load64(k + i) * 0x87C37B91114253D5ull;
		h = ((h << 31) | (h >> 33)) * 0x4CF5AD432745937Full;
	}
	uint64_t tail = 0;
	for (size_t j = 0; i < len; i++, j++)
		tail |= (uint64_t)k[i] << (8 * j);
	h ^= tail * 0x87C37B91114253D5ull;
	return (unsigned long)fmix(h);
}

struct key_ref {
	const uint8_t *b;
	size_t len;
};

static int key_match(struct cds_lfht_node *node, const void *arg)
{
	const struct entry *e = caa_container_of(node, struct entry, node);
	const struct key_ref *k = arg;

	return e->key_len == k->len && memcmp(e->bytes, k->b, k->len) == 0;
}

static inline void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Bytes of an address prefix of `bits` bits. */
static inline unsigned prefix_bytes(unsigned bits)
{
	return (bits + 7) / 8;
}

/*
 * Encodes a key: tag, qtype, qclass, ECS flag, family, scope, the subnet
 * bytes (masked to scope), then the lowercase qname. marker: the scope-less
 * ECS key. Returns its length, or 0 for an invalid key.
 */
static size_t key_encode(const struct dnsp_cache_key *k, bool subnet, uint8_t out[KEY_MAX])
{
	size_t nl = k->qname_len ? k->qname_len : dnsp_name_len(k->qname);
	if (nl == 0 || nl > DNSP_NAME_MAX)
		return 0;
	wr32(out, k->tag);
	wr16(out + 4, k->qtype);
	wr16(out + 6, k->qclass);
	out[8] = k->ecs ? 1 : 0;
	size_t pos = 11;
	if (k->ecs && subnet) {
		unsigned maxbits = k->ecs_family == 1 ? 32 : 128;
		unsigned bits = k->ecs_scope > maxbits ? maxbits : k->ecs_scope;
		unsigned nb = prefix_bytes(bits);
		out[9] = k->ecs_family;
		out[10] = (uint8_t)bits;
		memcpy(out + pos, k->ecs_addr, nb);
		if (bits % 8)
			out[pos + nb - 1] &= (uint8_t)(0xff << (8 - bits % 8));
		pos += nb;
	} else {
		out[9] = 0;
		out[10] = 0;
	}
	memcpy(out + pos, k->qname, nl);
	return pos + nl;
}

static struct entry *find(const dnsp_cache_t *c, const uint8_t *kb, size_t klen)
{
	struct cds_lfht_iter it;
	struct key_ref ref = { kb, klen };

	cds_lfht_lookup(c->ht, key_hash(c, kb, klen), key_match, &ref, &it);
	struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
	return n ? caa_container_of(n, struct entry, node) : NULL;
}

uint32_t dnsp_cache_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	/* +1: never 0, so "0" can mean "unset" in callers. */
	return (uint32_t)ts.tv_sec + 1;
}

void dnsp_cache_limits_default(struct dnsp_cache_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->max_bytes = 64ull << 20;
	l->max_ttl = 86400;
	l->min_ttl = 0;
	l->max_negative_ttl = 3600;
	l->stale_ttl = 0;
	l->stale_answer_ttl = 30;
	l->prefetch_percent = 10;
	l->prefetch_min_ttl = 10;
}

/* ----------------------------------------------------------- fast path */

/* Appends e's records to r with TTLs relative to `now` (or fixed_ttl when
 * non-zero: stale answers). Returns records written. */
static uint16_t put_records(const struct entry *e, uint32_t now, uint32_t fixed_ttl,
			    struct dnsp_resp *r)
{
	const uint8_t *d = e->bytes + e->key_len;
	const uint8_t *end = d + e->data_len;
	uint32_t elapsed = now > e->inserted ? now - e->inserted : 0;
	uint16_t written = 0;

	for (uint16_t i = 0; i < e->nrec && d + 2 <= end; i++) {
		uint8_t flags = d[0];
		uint8_t olen = d[1];
		const uint8_t *owner = (flags & REC_OWNER_QNAME) ? NULL : d + 2;
		d += 2 + olen;
		if (unlikely(d + 10 > end))
			break;
		uint16_t type = rd16(d), rclass = rd16(d + 2), rdlen = rd16(d + 8);
		uint32_t ttl = rd32(d + 4);
		const uint8_t *rdata = d + 10;
		d += 10 + rdlen;
		if (unlikely(d > end))
			break;
		ttl = fixed_ttl ? fixed_ttl : (ttl > elapsed ? ttl - elapsed : 0);
		int rc = dnsp_resp_put_rr(r, (flags & REC_AUTHORITY) ? DNSP_SEC_AUTHORITY
								     : DNSP_SEC_ANSWER,
					  owner, type, rclass, ttl, rdata, rdlen);
		if (rc < 0)
			break; /* truncated (TC) or section order: stop here */
		written++;
	}
	return written;
}

/* Finds the answer entry for key: the plain entry, or through the ECS
 * marker the subnet entry. */
static const struct entry *lookup_answer(const dnsp_cache_t *c, const struct dnsp_cache_key *key)
{
	uint8_t kb[KEY_MAX];
	size_t kl = key_encode(key, false, kb);

	if (unlikely(kl == 0))
		return NULL;
	const struct entry *e = find(c, kb, kl);
	if (e == NULL || likely(e->kind == KIND_ANSWER))
		return e;
	/* ECS marker: probe the client's subnet at the scope it records. */
	if (key->ecs_family != 1 && key->ecs_family != 2)
		return NULL;
	uint8_t scope = e->scope[key->ecs_family];
	if (scope == 0)
		return NULL;
	struct dnsp_cache_key sk = *key;
	sk.ecs_scope = scope;
	kl = key_encode(&sk, true, kb);
	const struct entry *s = find(c, kb, kl);
	return s && s->kind == KIND_ANSWER ? s : NULL;
}

int dnsp_cache_answer(const dnsp_cache_t *c, const struct dnsp_cache_key *key, uint32_t now,
		      struct dnsp_resp *r, struct dnsp_cache_result *res)
{
	res->stale_available = false;
	res->prefetch = false;
	const struct entry *ce = lookup_answer(c, key);
	if (ce == NULL)
		return 0;
	struct entry *e = (struct entry *)ce; /* only ref/prefetch are written */
	if (unlikely(now >= e->expire)) {
		uint32_t stale = __atomic_load_n(&c->lim.stale_ttl, __ATOMIC_RELAXED);
		res->stale_available = stale > 0 && now - e->expire < stale;
		return 0;
	}
	/* CLOCK reference: relaxed, a hint only; written only when clear. */
	if (__atomic_load_n(&e->ref, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(&e->ref, 1, __ATOMIC_RELAXED);
	uint8_t pct = __atomic_load_n(&c->lim.prefetch_percent, __ATOMIC_RELAXED);
	if (pct != 0 && e->orig_ttl >= __atomic_load_n(&c->lim.prefetch_min_ttl, __ATOMIC_RELAXED) &&
	    (uint64_t)(e->expire - now) * 100 <= (uint64_t)e->orig_ttl * pct &&
	    __atomic_load_n(&e->prefetch, __ATOMIC_RELAXED) == 0) {
		/* One refresh per entry: the first reader to flip the flag. */
		res->prefetch = __atomic_exchange_n(&e->prefetch, 1, __ATOMIC_RELAXED) == 0;
	}
	res->rcode = e->rcode;
	res->ecs_scope = e->kind == KIND_ANSWER && e->key_len > 10 ? e->bytes[10] : 0;
	res->records = put_records(e, now, 0, r);
	return 1;
}

int dnsp_cache_answer_stale(const dnsp_cache_t *c, const struct dnsp_cache_key *key,
			    uint32_t now, struct dnsp_resp *r, struct dnsp_cache_result *res)
{
	res->stale_available = false;
	res->prefetch = false;
	const struct entry *e = lookup_answer(c, key);
	if (e == NULL)
		return 0;
	/* A fresh entry (refreshed while the caller's resolution failed) is
	 * answered as a hit; test it before the window, whose unsigned
	 * subtraction would wrap for it. */
	if (now < e->expire)
		return dnsp_cache_answer(c, key, now, r, res);
	uint32_t stale = __atomic_load_n(&c->lim.stale_ttl, __ATOMIC_RELAXED);
	if (stale == 0 || now - e->expire >= stale)
		return 0;
	uint32_t ttl = __atomic_load_n(&c->lim.stale_answer_ttl, __ATOMIC_RELAXED);
	res->rcode = e->rcode;
	res->ecs_scope = e->key_len > 10 ? e->bytes[10] : 0;
	res->records = put_records(e, now, ttl ? ttl : 30, r);
	return 1;
}

/* ------------------------------------------------------------ slow path */

static void entry_free_rcu(struct rcu_head *h)
{
	free(caa_container_of(h, struct entry, rcu));
}

static void clock_link(dnsp_cache_t *c, struct entry *e)
{
	if (c->hand == NULL) {
		e->clock_prev = e->clock_next = e;
		c->hand = e;
		return;
	}
	/* Insert just behind the hand: the newest entry is examined last. */
	struct entry *h = c->hand;
	e->clock_next = h;
	e->clock_prev = h->clock_prev;
	h->clock_prev->clock_next = e;
	h->clock_prev = e;
}

static void clock_unlink(dnsp_cache_t *c, struct entry *e)
{
	if (e->clock_next == e) {
		c->hand = NULL;
	} else {
		e->clock_prev->clock_next = e->clock_next;
		e->clock_next->clock_prev = e->clock_prev;
		if (c->hand == e)
			c->hand = e->clock_next;
	}
	e->clock_next = e->clock_prev = NULL;
}

/* Accounting after an entry left the table; frees it after a grace period. */
static void retire(dnsp_cache_t *c, struct entry *e)
{
	clock_unlink(c, e);
	__atomic_store_n(&c->bytes, c->bytes - e->size, __ATOMIC_RELAXED);
	__atomic_store_n(&c->entries, c->entries - 1, __ATOMIC_RELAXED);
	call_rcu(&e->rcu, entry_free_rcu);
}

static bool remove_entry(dnsp_cache_t *c, struct entry *e)
{
	if (cds_lfht_del(c->ht, &e->node) != 0)
		return false; /* already removed (cannot happen with one writer) */
	retire(c, e);
	return true;
}

/* Evicts by CLOCK until bytes <= target (bounded: two sweeps). */
static void evict_to(dnsp_cache_t *c, uint64_t target, uint32_t now)
{
	uint64_t steps = 2 * c->entries + 2;

	while (c->bytes > target && c->hand != NULL && steps-- > 0) {
		struct entry *e = c->hand;
		c->hand = e->clock_next;
		bool dead = now >= e->expire &&
			    now - e->expire >= c->lim.stale_ttl;
		if (dead || __atomic_load_n(&e->ref, __ATOMIC_RELAXED) == 0) {
			if (remove_entry(c, e)) {
				if (dead)
					c->expired++;
				else
					c->evicted++;
			}
		} else {
			__atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
		}
	}
}

/* Publishes e under its key, retiring what it replaces. */
static void publish(dnsp_cache_t *c, struct entry *e)
{
	struct key_ref ref = { e->bytes, e->key_len };

	e->hash = key_hash(c, e->bytes, e->key_len);
	struct cds_lfht_node *old = cds_lfht_add_replace(c->ht, e->hash, key_match, &ref,
							 &e->node);
	clock_link(c, e);
	__atomic_store_n(&c->bytes, c->bytes + e->size, __ATOMIC_RELAXED);
	__atomic_store_n(&c->entries, c->entries + 1, __ATOMIC_RELAXED);
	c->inserts++;
	if (old != NULL) {
		c->replaced++;
		retire(c, caa_container_of(old, struct entry, node));
	}
}

static struct entry *entry_new(const uint8_t *kb, size_t kl, size_t data_len)
{
	size_t size = sizeof(struct entry) + kl + data_len;
	struct entry *e = malloc(size);

	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->size = (uint32_t)size;
	e->key_len = (uint16_t)kl;
	e->data_len = (uint32_t)data_len;
	memcpy(e->bytes, kb, kl);
	return e;
}

/* SOA MINIMUM (last 4 bytes of the rdata), or UINT32_MAX if malformed. */
static uint32_t soa_minimum(const uint8_t *rdata, uint16_t rdlen)
{
	if (rdlen < 22)
		return UINT32_MAX;
	const uint8_t *p = rdata + rdlen - 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int dnsp_cache_insert(dnsp_cache_t *c, const struct dnsp_cache_key *key, uint8_t rcode,
		      const struct dnsp_cache_rr *rrs, size_t n, uint32_t now)
{
	if (c == NULL || key == NULL || key->qname == NULL || (n > 0 && rrs == NULL) ||
	    n > UINT16_MAX)
		return -EINVAL;
	if (key->ecs && key->ecs_family != 1 && key->ecs_family != 2)
		return -EINVAL;
	const struct dnsp_cache_limits *L = &c->lim;

	/* Negative (RFC 2308 §2): NXDOMAIN, or no answer record of the type
	 * asked (a CNAME chain ending without one is NODATA for its target). */
	bool have_answer = false, have_soa = false;
	size_t data_len = 0;
	for (size_t i = 0; i < n; i++) {
		const struct dnsp_cache_rr *rr = &rrs[i];
		if (rr->rdata == NULL && rr->rdlen > 0)
			return -EINVAL;
		if (rr->section == DNSP_SEC_ANSWER &&
		    (rr->type == key->qtype || key->qtype == DNSP_T_ANY))
			have_answer = true;
		if (rr->section == DNSP_SEC_AUTHORITY && rr->type == DNSP_T_SOA)
			have_soa = true;
		size_t ol = rr->owner ? dnsp_name_len(rr->owner) : 0;
		if (ol > DNSP_NAME_MAX)
			return -EINVAL;
		data_len += 2 + ol + 10 + rr->rdlen;
	}
	bool negative = rcode == DNSP_RCODE_NXDOMAIN || !have_answer;
	if (rcode != DNSP_RCODE_NOERROR && rcode != DNSP_RCODE_NXDOMAIN)
		return 0; /* SERVFAIL and friends are not cached here */
	if (negative && !have_soa)
		return 0; /* RFC 2308 §5: no SOA, no negative caching */
	if (data_len > ENTRY_DATA_MAX)
		return DNSP_ENOSPACE;

	uint8_t kb[KEY_MAX];
	bool scoped = key->ecs && key->ecs_scope > 0;
	size_t kl = key_encode(key, scoped, kb);
	if (kl == 0)
		return -EINVAL;
	struct entry *e = entry_new(kb, kl, data_len);
	if (e == NULL)
		return -ENOMEM;

	uint32_t min_ttl = UINT32_MAX;
	uint8_t *d = e->bytes + kl;
	for (size_t i = 0; i < n; i++) {
		const struct dnsp_cache_rr *rr = &rrs[i];
		uint32_t ttl;
		if (rr->section == DNSP_SEC_AUTHORITY && rr->type == DNSP_T_SOA && negative) {
			uint32_t m = soa_minimum(rr->rdata, rr->rdlen);
			ttl = rr->ttl < m ? rr->ttl : m;
			if (ttl > L->max_negative_ttl)
				ttl = L->max_negative_ttl;
		} else if (negative && rr->section == DNSP_SEC_AUTHORITY) {
			ttl = rr->ttl > L->max_negative_ttl ? L->max_negative_ttl : rr->ttl;
		} else {
			ttl = clamp_u32(rr->ttl, L->min_ttl, L->max_ttl);
		}
		if (ttl > 0x7fffffffu)
			ttl = 0x7fffffffu; /* RFC 2181 §8 */
		if (ttl < min_ttl)
			min_ttl = ttl;
		bool is_q = rr->owner == NULL;
		size_t ol = is_q ? 0 : dnsp_name_len(rr->owner);
		d[0] = (uint8_t)((is_q ? REC_OWNER_QNAME : 0) |
				 (rr->section == DNSP_SEC_AUTHORITY ? REC_AUTHORITY : 0));
		d[1] = (uint8_t)ol;
		if (ol) {
			memcpy(d + 2, rr->owner, ol);
			dnsp_name_lower(d + 2);
		}
		d += 2 + ol;
		wr16(d, rr->type);
		wr16(d + 2, rr->rclass);
		wr32(d + 4, ttl);
		wr16(d + 8, rr->rdlen);
		if (rr->rdlen)
			memcpy(d + 10, rr->rdata, rr->rdlen);
		d += 10 + rr->rdlen;
	}
	if (n == 0 || min_ttl == 0) {
		free(e);
		return 0; /* TTL 0: use once, never cache (RFC 1035 §3.2.1) */
	}
	e->nrec = (uint16_t)n;
	e->rcode = rcode;
	e->kind = KIND_ANSWER;
	e->inserted = now;
	e->orig_ttl = min_ttl;
	e->expire = now + min_ttl;

	if (scoped) {
		/* Marker under the scope-less key: keeps the other family's scope. */
		uint8_t mk[KEY_MAX];
		size_t ml = key_encode(key, false, mk);
		struct entry *old = find(c, mk, ml);
		struct entry *m = entry_new(mk, ml, 0);
		if (m == NULL) {
			free(e);
			return -ENOMEM;
		}
		m->kind = KIND_MARKER;
		m->inserted = now;
		m->expire = e->expire;
		if (old && old->kind == KIND_MARKER) {
			memcpy(m->scope, old->scope, sizeof(m->scope));
			if (old->expire > m->expire)
				m->expire = old->expire;
		}
		m->scope[key->ecs_family] = e->bytes[10];
		m->orig_ttl = m->expire - now;
		publish(c, m);
	}
	publish(c, e);
	if (c->bytes > L->max_bytes)
		evict_to(c, L->max_bytes, now);
	return 1;
}

int dnsp_cache_remove(dnsp_cache_t *c, const struct dnsp_cache_key *key)
{
	uint8_t kb[KEY_MAX];
	size_t kl = key_encode(key, key->ecs && key->ecs_scope > 0, kb);
	if (kl == 0)
		return 0;
	struct entry *e = find(c, kb, kl);
	return e && remove_entry(c, e) ? 1 : 0;
}

size_t dnsp_cache_maintain(dnsp_cache_t *c, uint32_t now, size_t budget)
{
	size_t removed = 0;

	for (size_t i = 0; i < budget && c->hand != NULL; i++) {
		struct entry *e = c->hand;
		c->hand = e->clock_next;
		if (now >= e->expire && now - e->expire >= c->lim.stale_ttl) {
			if (remove_entry(c, e)) {
				c->expired++;
				removed++;
			}
		}
	}
	if (c->bytes > c->lim.max_bytes) {
		uint64_t before = c->evicted + c->expired;
		evict_to(c, c->lim.max_bytes, now);
		removed += (size_t)(c->evicted + c->expired - before);
	}
	return removed;
}

void dnsp_cache_flush(dnsp_cache_t *c)
{
	while (c->hand != NULL)
		remove_entry(c, c->hand);
}

void dnsp_cache_set_limits(dnsp_cache_t *c, const struct dnsp_cache_limits *l)
{
	/* Field by field with relaxed stores: readers load single fields. */
	__atomic_store_n(&c->lim.max_bytes, l->max_bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&c->lim.max_ttl, l->max_ttl, __ATOMIC_RELAXED);
	__atomic_store_n(&c->lim.min_ttl, l->min_ttl, __ATOMIC_RELAXED);
	__atomic_store_n(&c->lim.max_negative_ttl, l->max_negative_ttl, __ATOMIC_RELAXED);
	__atomic_store_n(&c->lim.stale_ttl, l->stale_ttl, __ATOMIC_RELAXED);
	__atomic_store_n(&c->lim.stale_answer_ttl, l->stale_answer_ttl, __ATOMIC_RELAXED);
	__atomic_store_n(&c->lim.prefetch_percent, l->prefetch_percent, __ATOMIC_RELAXED);
	__atomic_store_n(&c->lim.prefetch_min_ttl, l->prefetch_min_ttl, __ATOMIC_RELAXED);
}

void dnsp_cache_get_limits(const dnsp_cache_t *c, struct dnsp_cache_limits *l)
{
	*l = c->lim;
}

int dnsp_cache_create(const struct dnsp_cache_limits *l, dnsp_cache_t **out)
{
	dnsp_cache_t *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	if (l)
		c->lim = *l;
	else
		dnsp_cache_limits_default(&c->lim);
	if (getrandom(&c->seed, sizeof(c->seed), 0) != (ssize_t)sizeof(c->seed))
		c->seed = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uintptr_t)c;
	/* 16k buckets to start (256 KiB); the table grows (and shrinks) on
	 * its own in liburcu's call_rcu worker, one grace period per step,
	 * which the workers' per-burst quiescent states keep short. */
	c->ht = cds_lfht_new(16384, 16384, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	if (c->ht == NULL) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void dnsp_cache_destroy(dnsp_cache_t *c)
{
	if (c == NULL)
		return;
	/* The table may only be walked by an online reader: register this
	 * (unregistered, shutdown) thread for the flush. */
	rcu_register_thread();
	dnsp_cache_flush(c);
	rcu_unregister_thread();
	rcu_barrier(); /* every call_rcu free has run */
	cds_lfht_destroy(c->ht, NULL);
	free(c);
}

void dnsp_cache_get_stats(const dnsp_cache_t *c, struct dnsp_cache_stats *out)
{
	out->entries = __atomic_load_n(&c->entries, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	out->inserts = c->inserts;
	out->replaced = c->replaced;
	out->evicted = c->evicted;
	out->expired = c->expired;
}
