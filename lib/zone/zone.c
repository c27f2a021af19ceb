/*
 * Hosted zones: the builder that gathers records on the control thread, the
 * compiler that lays a zone out as an immutable label trie in one arena, and
 * the authoritative answer logic that workers run over it.
 *
 * Shape, and why. The builder interns every owner name once (open-addressed
 * hash over the lowercase wire name) and hangs RRsets off it as short linked
 * lists, records as linked entries in one byte blob: adding is O(1) with
 * three growable arrays and no per-record malloc, so a million records
 * build in well under a second. The compiler sorts and dedupes rdata, makes
 * empty non-terminals by interning each owner's ancestors, sorts all nodes
 * once by (parent, label) and then numbers them breadth first. Breadth-first
 * numbering puts the children of a node next to each other in one node
 * array, in canonical order, so the binary search of a descent touches
 * adjacent memory. Nodes, RRsets, owner names, rdata, target pointers and a
 * private exact-name index each live in one arena block: no per-object
 * padding, ~152 bytes for a one-A-record name (measured at 1M names, before
 * RRsets gained the 8-byte policy pointer; the builder's scratch, ~130 bytes
 * a record, is freed by destroy). Answers try the index first (a hit costs
 * a few cache lines at any zone size) and descend the trie for everything
 * else; they never allocate and never recurse. What they write mirrors Knot
 * DNS 3.2 so that a differential test against knotd can compare answers (see
 * the notes at dnsp_zone_answer()).
 *
 * Routed RRsets (lib/route.h) are rules: the builder keeps their members as
 * RRsets outside the node lists, linked from the rule, and the compiler lays
 * the members out in one more arena block and asks lib/route.c to build each
 * rule's policy. An answer reaches data through data_of(): a plain RRset is
 * its own data (inline, no call); aliases and rules go through
 * dnsp_route_resolve(), which walks the tree iteratively (its health checks
 * of EvaluateTargetHealth subtrees recurse, bounded by DNSP_ROUTE_DEPTH).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zone.h"
#include "../wire/name.h"
#include "../wire/rdata.h"

#define NONE UINT32_MAX

/* ---- small name helpers (names here are valid and lowercase) ---- */

static const uint8_t lower_map[256] = {
#define L4(i) (i), (i) + 1, (i) + 2, (i) + 3
#define L16(i) L4(i), L4((i) + 4), L4((i) + 8), L4((i) + 12)
	L16(0x00), L16(0x10), L16(0x20), L16(0x30),
	0x40, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	L16(0x60), L16(0x70), L16(0x80), L16(0x90), L16(0xa0), L16(0xb0),
	L16(0xc0), L16(0xd0), L16(0xe0), L16(0xf0),
#undef L16
#undef L4
};

static void lower_bytes(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = lower_map[p[i]];
}

/* Offsets of the labels of a valid name; returns the label count. */
static inline int label_offsets(const uint8_t *name, uint8_t offs[DNSP_LABELS_MAX])
{
	int n = 0;
	unsigned p = 0;
	while (name[p] != 0 && n < DNSP_LABELS_MAX) {
		offs[n++] = (uint8_t)p;
		p += (unsigned)name[p] + 1;
		if (p >= DNSP_NAME_MAX)
			break;
	}
	return n;
}

/* Canonical order of two lowercase labels (RFC 4034 §6.1). */
static inline int label_cmp(const uint8_t *a, const uint8_t *b)
{
	unsigned la = a[0], lb = b[0], m = la < lb ? la : lb;
	/* Labels are short; a byte loop beats a libc memcmp call here. */
	for (unsigned i = 1; i <= m; i++)
		if (a[i] != b[i])
			return (int)a[i] - (int)b[i];
	return (int)la - (int)lb;
}

/* Canonical order of two rdatas (RFC 4034 §6.3): octet strings, shorter first. */
static int rdata_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);
	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

/*
 * Lowercases the domain names inside rdata of the types RFC 4034 §6.2 (as
 * amended by RFC 6840 §5.1) lists, as Knot does when it loads a zone: answers
 * then carry the same bytes, and duplicates that differ only in case merge.
 * Returns 0, or DNSP_EMALFORMED when an embedded name is not well formed.
 */
static int rdata_canonicalize(uint16_t type, uint8_t *rd, size_t len)
{
	size_t pre = 0, names = 1, pos;
	bool exact = true; /* the names (and fixed tail) must fill the rdata */
	size_t tail = 0;

	switch (type) {
	case DNSP_T_NS: case 3: case 4: case DNSP_T_CNAME: case 7: case 8: case 9:
	case DNSP_T_PTR: case DNSP_T_DNAME:
		break;
	case DNSP_T_SOA:
		names = 2;
		tail = 20;
		break;
	case 14: /* MINFO */
	case 17: /* RP */
		names = 2;
		break;
	case DNSP_T_MX: case 18: /* AFSDB */ case 21: /* RT */ case 36: /* KX */
		pre = 2;
		break;
	case 26: /* PX */
		pre = 2;
		names = 2;
		break;
	case DNSP_T_SRV:
		pre = 6;
		break;
	case 30: /* NXT */
		exact = false;
		break;
	case 24: /* SIG */
	case DNSP_T_RRSIG:
		pre = 18;
		exact = false;
		break;
	case DNSP_T_NAPTR:
		/* order, preference, then flags, services, regexp strings */
		pre = 4;
		for (int i = 0; i < 3; i++) {
			if (pre >= len)
				return DNSP_EMALFORMED;
			pre += 1u + rd[pre];
		}
		break;
	default:
		return 0;
	}
	if (pre > len)
		return DNSP_EMALFORMED;
	pos = pre;
	for (size_t i = 0; i < names; i++) {
		size_t nl = dnsp_name_wire_len(rd + pos, len - pos);
		if (nl == 0)
			return DNSP_EMALFORMED;
		lower_bytes(rd + pos, nl);
		pos += nl;
	}
	if (exact && pos + tail != len)
		return DNSP_EMALFORMED;
	return 0;
}

/* ---- the builder ---- */

struct bname {
	uint32_t off;     /* name bytes in names[] */
	uint32_t hash;
	uint32_t parent;  /* bname of the parent node; NONE before compile */
	uint32_t rrsets;  /* first brrset of this owner, NONE */
	uint32_t node;    /* compile scratch: breadth-first node number */
	uint8_t len;
};

/*
 * An RRset under construction. Roles: a plain RRset (data or alias) in its
 * owner's list; a rule (routed RRset, lib/route.h), in its owner's list once
 * attached; a member of a rule (data, alias, or a nested rule), linked from
 * its rule through next.
 */
enum { RS_PLAIN = 0, RS_RULE = 1, RS_MEMBER = 2 };

struct brrset {
	uint32_t next;    /* next RRset of the same owner (members: next member), NONE */
	uint32_t first;   /* first record (offset in recs[]), NONE */
	uint32_t last;
	uint32_t nrec;
	uint32_t ttl;
	uint32_t alias;   /* alias target name offset in names[], NONE */
	uint32_t target;  /* compile scratch: bname of the alias target */
	uint32_t owner;   /* bname of the owner; NONE for unattached rules and their members */
	uint32_t members, mlast, nmembers; /* rule: its members */
	uint32_t attr;    /* member: index in attrs[] */
	uint32_t child;   /* member: nested rule, NONE */
	uint32_t rule;    /* member: its rule */
	uint32_t cidx;    /* compile scratch: member rrset index */
	uint16_t type;
	uint8_t alias_len;
	uint8_t role;     /* RS_* */
	uint8_t kind;     /* rule: enum dnsp_route_kind */
	bool attached;    /* rule: in its owner's list */
	bool has_ttl;     /* member: a record set the TTL */
};

/* A record in recs[]: u32 next, u16 rdlen, rdata; read with memcpy. */
#define REC_HDR 6

struct dnsp_zone_builder {
	uint8_t apex[DNSP_NAME_MAX];
	uint8_t apex_len;
	uint8_t apex_labels;
	char *id;

	uint8_t *names;
	size_t names_len, names_cap;
	struct bname *bn;
	uint32_t nbn, bn_cap;
	uint32_t *ht;       /* bname index + 1; 0 = empty */
	uint32_t ht_mask;
	struct brrset *rs;
	uint32_t nrs, rs_cap;
	uint8_t *recs;
	size_t recs_len, recs_cap;
	struct dnsp_route_attr *attrs; /* member attributes (set_id strdup'd) */
	size_t nattrs, attrs_cap;
};

static uint32_t name_hash(const uint8_t *n, size_t len)
{
	return (uint32_t)dnsp_name_hash(n, len);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap *= 2;
	void *np = realloc(*p, ncap * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static int grow32(void **p, uint32_t *cap, size_t need, size_t elem)
{
	size_t c = *cap;
	if (need > UINT32_MAX - 1)
		return -ENOMEM;
	int rc = grow(p, &c, need, elem);
	if (rc == 0)
		*cap = (uint32_t)(c > UINT32_MAX ? UINT32_MAX : c);
	return rc;
}

static uint32_t lookup_name(const dnsp_zone_builder_t *b, const uint8_t *name, size_t len,
			    uint32_t h)
{
	for (uint32_t i = h & b->ht_mask;; i = (i + 1) & b->ht_mask) {
		uint32_t e = b->ht[i];
		if (e == 0)
			return NONE;
		const struct bname *n = &b->bn[e - 1];
		if (n->hash == h && n->len == len && memcmp(b->names + n->off, name, len) == 0)
			return e - 1;
	}
}

static int rehash(dnsp_zone_builder_t *b)
{
	uint32_t cap = (b->ht_mask + 1) * 2;
	uint32_t *ht = calloc(cap, sizeof(*ht));
	if (!ht)
		return -ENOMEM;
	for (uint32_t k = 0; k < b->nbn; k++) {
		uint32_t i = b->bn[k].hash & (cap - 1);
		while (ht[i] != 0)
			i = (i + 1) & (cap - 1);
		ht[i] = k + 1;
	}
	free(b->ht);
	b->ht = ht;
	b->ht_mask = cap - 1;
	return 0;
}

/* Adds a bname whose bytes already sit at names[off]. */
static int insert_name(dnsp_zone_builder_t *b, uint32_t off, uint8_t len, uint32_t h,
		       uint32_t *out)
{
	if ((size_t)(b->nbn + 1) * 2 > (size_t)b->ht_mask + 1) {
		int rc = rehash(b);
		if (rc)
			return rc;
	}
	if (grow32((void **)&b->bn, &b->bn_cap, (size_t)b->nbn + 1, sizeof(*b->bn)))
		return -ENOMEM;
	uint32_t k = b->nbn++;
	b->bn[k] = (struct bname){ .off = off, .hash = h, .parent = NONE, .rrsets = NONE,
				   .node = NONE, .len = len };
	uint32_t i = h & b->ht_mask;
	while (b->ht[i] != 0)
		i = (i + 1) & b->ht_mask;
	b->ht[i] = k + 1;
	*out = k;
	return 0;
}

static int append_bytes(dnsp_zone_builder_t *b, const void *p, size_t len, uint32_t *off)
{
	if (b->names_len + len > UINT32_MAX)
		return -ENOMEM;
	if (grow((void **)&b->names, &b->names_cap, b->names_len + len, 1))
		return -ENOMEM;
	memcpy(b->names + b->names_len, p, len);
	*off = (uint32_t)b->names_len;
	b->names_len += len;
	return 0;
}

/* Finds or adds the owner name (lowercase, valid) and returns its index. */
static int intern_name(dnsp_zone_builder_t *b, const uint8_t *name, size_t len, uint32_t *out)
{
	uint32_t h = name_hash(name, len);
	uint32_t k = lookup_name(b, name, len, h);
	if (k != NONE) {
		*out = k;
		return 0;
	}
	uint32_t off;
	int rc = append_bytes(b, name, len, &off);
	if (rc)
		return rc;
	return insert_name(b, off, (uint8_t)len, h, out);
}

/*
 * Copies name (any case) to out lowercased and checks it lies at or below the
 * apex. Returns its length or DNSP_ENAME.
 */
static int owner_in_zone(const dnsp_zone_builder_t *b, const uint8_t *name,
			 uint8_t out[DNSP_NAME_MAX])
{
	size_t len = dnsp_name_wire_len(name, DNSP_NAME_MAX);
	if (len == 0 || len < b->apex_len)
		return DNSP_ENAME;
	memcpy(out, name, len);
	lower_bytes(out, len);
	uint8_t offs[DNSP_LABELS_MAX];
	int n = label_offsets(out, offs);
	if (n < b->apex_labels)
		return DNSP_ENAME;
	size_t at = b->apex_labels == 0 ? len - 1 : offs[n - b->apex_labels];
	if (len - at != b->apex_len || memcmp(out + at, b->apex, b->apex_len) != 0)
		return DNSP_ENAME;
	return (int)len;
}

int dnsp_zone_builder_create(const uint8_t *apex, const char *id, dnsp_zone_builder_t **out)
{
	if (!apex || !out)
		return -EINVAL;
	size_t len = dnsp_name_wire_len(apex, DNSP_NAME_MAX);
	if (len == 0)
		return DNSP_ENAME;
	dnsp_zone_builder_t *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	memcpy(b->apex, apex, len);
	lower_bytes(b->apex, len);
	b->apex_len = (uint8_t)len;
	uint8_t offs[DNSP_LABELS_MAX];
	b->apex_labels = (uint8_t)label_offsets(b->apex, offs);
	b->id = strdup(id ? id : "");
	b->ht = calloc(64, sizeof(*b->ht));
	b->ht_mask = 63;
	uint32_t k;
	if (!b->id || !b->ht || intern_name(b, b->apex, len, &k) != 0) {
		dnsp_zone_builder_destroy(b);
		return -ENOMEM;
	}
	*out = b; /* the apex is bname 0 */
	return 0;
}

void dnsp_zone_builder_destroy(dnsp_zone_builder_t *b)
{
	if (!b)
		return;
	free(b->id);
	free(b->names);
	free(b->bn);
	free(b->ht);
	free(b->rs);
	free(b->recs);
	for (size_t i = 0; i < b->nattrs; i++)
		free((char *)b->attrs[i].set_id);
	free(b->attrs);
	free(b);
}

static uint32_t find_brrset(const dnsp_zone_builder_t *b, uint32_t name, uint16_t type)
{
	for (uint32_t k = b->bn[name].rrsets; k != NONE; k = b->rs[k].next)
		if (b->rs[k].type == type)
			return k;
	return NONE;
}

/* A new brrset, linked into name's list unless name is NONE. */
static int new_brrset(dnsp_zone_builder_t *b, uint32_t name, uint16_t type, uint32_t *out)
{
	if (grow32((void **)&b->rs, &b->rs_cap, (size_t)b->nrs + 1, sizeof(*b->rs)))
		return -ENOMEM;
	uint32_t k = b->nrs++;
	b->rs[k] = (struct brrset){ .next = name == NONE ? NONE : b->bn[name].rrsets,
				    .first = NONE, .last = NONE, .alias = NONE, .target = NONE,
				    .owner = name, .members = NONE, .mlast = NONE, .attr = NONE,
				    .child = NONE, .rule = NONE, .cidx = NONE, .type = type };
	if (name != NONE)
		b->bn[name].rrsets = k;
	*out = k;
	return 0;
}

/* Appends one record (rdata canonicalized first, RFC 4034 §6.2) to brrset
 * s; the set's TTL becomes the smallest given (RFC 2181 §5.2). */
static int append_rec(dnsp_zone_builder_t *b, uint32_t s, uint32_t ttl, const uint8_t *rdata,
		      uint16_t rdlen)
{
	if (b->recs_len + REC_HDR + rdlen > UINT32_MAX)
		return -ENOMEM;
	if (grow((void **)&b->recs, &b->recs_cap, b->recs_len + REC_HDR + rdlen, 1))
		return -ENOMEM;
	uint8_t *rec = b->recs + b->recs_len;
	if (rdlen)
		memcpy(rec + REC_HDR, rdata, rdlen);
	int rc = rdata_canonicalize(b->rs[s].type, rec + REC_HDR, rdlen);
	if (rc)
		return rc;
	struct brrset *r = &b->rs[s];
	if (r->last == NONE || ttl < r->ttl)
		r->ttl = ttl;
	uint32_t off = (uint32_t)b->recs_len, next = NONE;
	memcpy(rec, &next, 4);
	memcpy(rec + 4, &rdlen, 2);
	b->recs_len += REC_HDR + rdlen;
	if (r->last == NONE)
		r->first = off;
	else
		memcpy(b->recs + r->last, &off, 4);
	r->last = off;
	r->nrec++;
	return 0;
}

int dnsp_zone_builder_add(dnsp_zone_builder_t *b, const uint8_t *owner, uint16_t type,
			  uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	if (!b || !owner || (rdlen && !rdata))
		return -EINVAL;
	if (type == DNSP_T_ANY || type == DNSP_T_OPT || type == DNSP_T_AXFR ||
	    type == DNSP_T_IXFR)
		return DNSP_ENOTSUP; /* meta types are never zone data */
	uint8_t name[DNSP_NAME_MAX];
	int len = owner_in_zone(b, owner, name);
	if (len < 0)
		return len;

	/* Canonicalize a copy of the rdata before anything is committed. */
	if (b->recs_len + REC_HDR + rdlen > UINT32_MAX)
		return -ENOMEM;
	if (grow((void **)&b->recs, &b->recs_cap, b->recs_len + REC_HDR + rdlen, 1))
		return -ENOMEM;
	uint8_t *rec = b->recs + b->recs_len;
	if (rdlen)
		memcpy(rec + REC_HDR, rdata, rdlen);
	int rc = rdata_canonicalize(type, rec + REC_HDR, rdlen);
	if (rc)
		return rc;

	uint32_t k;
	rc = intern_name(b, name, (size_t)len, &k);
	if (rc)
		return rc;
	uint32_t s = find_brrset(b, k, type);
	if (s == NONE) {
		rc = new_brrset(b, k, type, &s);
		if (rc)
			return rc;
		b->rs[s].ttl = ttl;
	} else if (b->rs[s].alias != NONE || b->rs[s].role != RS_PLAIN) {
		return DNSP_EEXIST; /* an alias or a routed set owns this name and type */
	} else if (ttl < b->rs[s].ttl) {
		b->rs[s].ttl = ttl; /* RFC 2181 §5.2 */
	}

	uint32_t off = (uint32_t)b->recs_len, next = NONE;
	memcpy(rec, &next, 4);
	memcpy(rec + 4, &rdlen, 2);
	b->recs_len += REC_HDR + rdlen;
	struct brrset *r = &b->rs[s];
	if (r->last == NONE)
		r->first = off;
	else
		memcpy(b->recs + r->last, &off, 4);
	r->last = off;
	r->nrec++;
	return 0;
}

int dnsp_zone_builder_add_alias(dnsp_zone_builder_t *b, const uint8_t *owner, uint16_t type,
				const uint8_t *target)
{
	if (!b || !owner || !target)
		return -EINVAL;
	uint8_t name[DNSP_NAME_MAX], tname[DNSP_NAME_MAX];
	int len = owner_in_zone(b, owner, name);
	if (len < 0)
		return len;
	size_t tlen = dnsp_name_wire_len(target, DNSP_NAME_MAX);
	if (tlen == 0)
		return DNSP_ENAME;
	memcpy(tname, target, tlen);
	lower_bytes(tname, tlen);

	uint32_t k, s, toff;
	int rc = intern_name(b, name, (size_t)len, &k);
	if (rc)
		return rc;
	if (find_brrset(b, k, type) != NONE)
		return DNSP_EEXIST;
	rc = append_bytes(b, tname, tlen, &toff);
	if (rc)
		return rc;
	rc = new_brrset(b, k, type, &s);
	if (rc)
		return rc;
	b->rs[s].alias = toff;
	b->rs[s].alias_len = (uint8_t)tlen;
	return 0;
}

/* ---- routed RRsets and rule trees ---- */

static bool is_rule(const dnsp_zone_builder_t *b, dnsp_zb_rule_t r)
{
	return r < b->nrs && b->rs[r].role == RS_RULE;
}

static bool is_member(const dnsp_zone_builder_t *b, dnsp_zb_member_t m)
{
	return m < b->nrs && b->rs[m].role == RS_MEMBER;
}

/* A member that already has content of another kind. */
static bool member_busy(const struct brrset *m, int want)
{
	int have = m->nrec ? 1 : m->alias != NONE ? 2 : m->child != NONE ? 3 : 0;
	return have != 0 && have != want;
}

int dnsp_zone_builder_rule(dnsp_zone_builder_t *b, uint8_t kind, uint16_t type,
			   dnsp_zb_rule_t *out)
{
	if (!b || !out || kind >= DNSP_ROUTE_NKINDS)
		return -EINVAL;
	if (type == DNSP_T_ANY || type == DNSP_T_OPT || type == DNSP_T_AXFR ||
	    type == DNSP_T_IXFR)
		return DNSP_ENOTSUP;
	uint32_t s;
	int rc = new_brrset(b, NONE, type, &s);
	if (rc)
		return rc;
	b->rs[s].role = RS_RULE;
	b->rs[s].kind = kind;
	*out = s;
	return 0;
}

int dnsp_zone_builder_attach_rule(dnsp_zone_builder_t *b, const uint8_t *owner, uint16_t type,
				  dnsp_zb_rule_t rule)
{
	if (!b || !owner || !is_rule(b, rule) || b->rs[rule].type != type)
		return -EINVAL;
	if (b->rs[rule].attached)
		return DNSP_EEXIST;
	uint8_t name[DNSP_NAME_MAX];
	int len = owner_in_zone(b, owner, name);
	if (len < 0)
		return len;
	uint32_t k;
	int rc = intern_name(b, name, (size_t)len, &k);
	if (rc)
		return rc;
	if (find_brrset(b, k, type) != NONE)
		return DNSP_EEXIST;
	struct brrset *r = &b->rs[rule];
	r->owner = k;
	r->attached = true;
	r->next = b->bn[k].rrsets;
	b->bn[k].rrsets = rule;
	return 0;
}

int dnsp_zone_builder_routed_set(dnsp_zone_builder_t *b, const uint8_t *owner, uint16_t type,
				 uint8_t kind, dnsp_zb_rule_t *out)
{
	if (!b || !owner || !out || kind >= DNSP_ROUTE_NKINDS)
		return -EINVAL;
	uint8_t name[DNSP_NAME_MAX];
	int len = owner_in_zone(b, owner, name);
	if (len < 0)
		return len;
	uint32_t h = name_hash(name, (size_t)len);
	uint32_t k = lookup_name(b, name, (size_t)len, h);
	uint32_t s = k == NONE ? NONE : find_brrset(b, k, type);
	if (s != NONE) {
		if (b->rs[s].role != RS_RULE || b->rs[s].kind != kind)
			return DNSP_EEXIST;
		*out = s;
		return 0;
	}
	dnsp_zb_rule_t r;
	int rc = dnsp_zone_builder_rule(b, kind, type, &r);
	if (rc == 0)
		rc = dnsp_zone_builder_attach_rule(b, owner, type, r);
	if (rc == 0)
		*out = r;
	return rc;
}

int dnsp_zone_builder_member(dnsp_zone_builder_t *b, dnsp_zb_rule_t rule,
			     const struct dnsp_route_attr *attr, dnsp_zb_member_t *out)
{
	if (!b || !attr || !out || !is_rule(b, rule))
		return -EINVAL;
	if (b->rs[rule].nmembers >= DNSP_ROUTE_MAX_MEMBERS)
		return DNSP_ERANGE;
	if (grow((void **)&b->attrs, &b->attrs_cap, b->nattrs + 1, sizeof(*b->attrs)))
		return -ENOMEM;
	struct dnsp_route_attr *a = &b->attrs[b->nattrs];
	*a = *attr;
	a->set_id = NULL;
	if (attr->set_id && !(a->set_id = strdup(attr->set_id)))
		return -ENOMEM;
	uint32_t m;
	int rc = new_brrset(b, NONE, b->rs[rule].type, &m);
	if (rc) {
		free((char *)a->set_id);
		return rc;
	}
	b->rs[m].role = RS_MEMBER;
	b->rs[m].attr = (uint32_t)b->nattrs++;
	b->rs[m].rule = rule;
	struct brrset *r = &b->rs[rule];
	if (r->mlast == NONE)
		r->members = m;
	else
		b->rs[r->mlast].next = m;
	r->mlast = m;
	r->nmembers++;
	*out = m;
	return 0;
}

int dnsp_zone_builder_member_rr(dnsp_zone_builder_t *b, dnsp_zb_member_t m, uint32_t ttl,
				const uint8_t *rdata, uint16_t rdlen)
{
	if (!b || !is_member(b, m) || (rdlen && !rdata))
		return -EINVAL;
	if (member_busy(&b->rs[m], 1))
		return DNSP_EEXIST;
	return append_rec(b, m, ttl, rdata, rdlen);
}

int dnsp_zone_builder_member_alias(dnsp_zone_builder_t *b, dnsp_zb_member_t m,
				   const uint8_t *target)
{
	if (!b || !target || !is_member(b, m))
		return -EINVAL;
	if (member_busy(&b->rs[m], 2) || b->rs[m].alias != NONE)
		return DNSP_EEXIST;
	size_t tlen = dnsp_name_wire_len(target, DNSP_NAME_MAX);
	if (tlen == 0)
		return DNSP_ENAME;
	uint8_t tname[DNSP_NAME_MAX];
	memcpy(tname, target, tlen);
	lower_bytes(tname, tlen);
	uint32_t toff;
	int rc = append_bytes(b, tname, tlen, &toff);
	if (rc)
		return rc;
	b->rs[m].alias = toff;
	b->rs[m].alias_len = (uint8_t)tlen;
	return 0;
}

int dnsp_zone_builder_member_rule(dnsp_zone_builder_t *b, dnsp_zb_member_t m,
				  dnsp_zb_rule_t child)
{
	if (!b || !is_member(b, m) || !is_rule(b, child) ||
	    b->rs[child].type != b->rs[m].type)
		return -EINVAL;
	if (member_busy(&b->rs[m], 3) || b->rs[m].child != NONE)
		return DNSP_EEXIST;
	b->rs[m].child = child;
	return 0;
}

/* ---- compile ---- */

static int fail(char *err, size_t errcap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errcap, const char *fmt, ...)
{
	if (err && errcap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errcap, fmt, ap);
		va_end(ap);
	}
	return DNSP_ECONFIG;
}

static const char *name_text(const uint8_t *name, char buf[DNSP_NAME_MAX * 4 + 2])
{
	if (dnsp_name_to_text(name, buf, DNSP_NAME_MAX * 4 + 2) < 0)
		strcpy(buf, "?");
	return buf;
}

static int cmp_recs(const void *a, const void *b, void *arg)
{
	const uint8_t *recs = arg;
	uint32_t oa, ob;
	memcpy(&oa, a, 4);
	memcpy(&ob, b, 4);
	uint16_t la, lb;
	memcpy(&la, recs + oa + 4, 2);
	memcpy(&lb, recs + ob + 4, 2);
	return rdata_cmp(recs + oa + REC_HDR, la, recs + ob + REC_HDR, lb);
}

/*
 * Sorts every RRset's records canonically and drops exact duplicates,
 * relinking the lists. Adds the rdata bytes (2-byte length + data) and the
 * record count to *bytes and *records.
 */
static int sort_records(dnsp_zone_builder_t *b, size_t *bytes, size_t *records)
{
	uint32_t *v = NULL;
	size_t vcap = 0;
	for (uint32_t s = 0; s < b->nrs; s++) {
		struct brrset *r = &b->rs[s];
		if (r->role == RS_RULE)
			continue; /* a rule holds no records itself */
		if (r->alias != NONE) {
			(*records)++;
			continue;
		}
		if (grow((void **)&v, &vcap, r->nrec, sizeof(*v))) {
			free(v);
			return -ENOMEM;
		}
		uint32_t n = 0;
		for (uint32_t o = r->first; o != NONE && n < r->nrec; n++) {
			v[n] = o;
			memcpy(&o, b->recs + o, 4);
		}
		if (n > 1)
			qsort_r(v, n, sizeof(*v), cmp_recs, b->recs);
		uint32_t m = 0;
		for (uint32_t i = 0; i < n; i++) {
			if (m > 0 && cmp_recs(&v[m - 1], &v[i], b->recs) == 0)
				continue;
			v[m++] = v[i];
		}
		uint32_t none = NONE;
		for (uint32_t i = 0; i < m; i++) {
			memcpy(b->recs + v[i], i + 1 < m ? &v[i + 1] : &none, 4);
			uint16_t l;
			memcpy(&l, b->recs + v[i] + 4, 2);
			*bytes += 2u + l;
		}
		r->first = m ? v[0] : NONE;
		r->last = m ? v[m - 1] : NONE;
		r->nrec = m;
		*records += m;
	}
	free(v);
	return 0;
}

/* Interns every missing ancestor of every owner (empty non-terminals). */
static int make_ancestors(dnsp_zone_builder_t *b)
{
	for (uint32_t i = 1; i < b->nbn; i++) {
		uint32_t cur = i;
		while (cur != 0 && b->bn[cur].parent == NONE) {
			const struct bname *c = &b->bn[cur];
			uint32_t poff = c->off + 1u + b->names[c->off];
			uint8_t plen = (uint8_t)(c->len - 1u - b->names[c->off]);
			const uint8_t *pname = b->names + poff;
			uint32_t h = name_hash(pname, plen);
			uint32_t p = lookup_name(b, pname, plen, h);
			if (p == NONE) {
				int rc = insert_name(b, poff, plen, h, &p);
				if (rc)
					return rc;
			}
			b->bn[cur].parent = p;
			cur = p;
		}
	}
	return 0;
}

/* Owner name of brrset s for messages: a member or nested rule reports the
 * owner of the RRset it hangs from (set by propagate_owners), else the apex. */
static const uint8_t *rs_owner(const dnsp_zone_builder_t *b, uint32_t s)
{
	uint32_t o = b->rs[s].owner;
	return o == NONE ? b->apex : b->names + b->bn[o].off;
}

/* Gives the members and nested rules of an attached rule its owner. */
static void propagate_owner(dnsp_zone_builder_t *b, uint32_t rule, uint32_t owner,
			    unsigned depth)
{
	if (depth > DNSP_ROUTE_DEPTH)
		return; /* a loop: reported by check_tree */
	for (uint32_t m = b->rs[rule].members; m != NONE; m = b->rs[m].next) {
		b->rs[m].owner = owner;
		uint32_t c = b->rs[m].child;
		if (c != NONE && b->rs[c].owner == NONE) {
			b->rs[c].owner = owner;
			propagate_owner(b, c, owner, depth + 1);
		}
	}
}

/*
 * Longest path of alias and rule steps from brrset s (memoised in memo,
 * state 1 = on the current path). Returns it, or -1 when a path is deeper
 * than DNSP_ROUTE_DEPTH or loops. Recursion depth ≤ DNSP_ROUTE_DEPTH + 1.
 */
static int tree_depth(const dnsp_zone_builder_t *b, uint32_t s, uint8_t *state, uint8_t *memo,
		      unsigned depth)
{
	if (depth > DNSP_ROUTE_DEPTH || state[s] == 1)
		return -1;
	if (state[s] == 2)
		return depth + memo[s] > DNSP_ROUTE_DEPTH ? -1 : memo[s];
	const struct brrset *r = &b->rs[s];
	uint32_t edges[2] = { NONE, NONE };
	int best = 0;
	state[s] = 1;
	if (r->alias != NONE)
		edges[0] = find_brrset(b, r->target, r->type);
	if (r->role == RS_MEMBER)
		edges[1] = r->child;
	for (int e = 0; e < 2; e++) {
		if (edges[e] == NONE)
			continue;
		int d = tree_depth(b, edges[e], state, memo, depth + 1);
		if (d < 0)
			return -1;
		best = d + 1 > best ? d + 1 : best;
	}
	if (r->role == RS_RULE)
		for (uint32_t m = r->members; m != NONE; m = b->rs[m].next) {
			int d = tree_depth(b, m, state, memo, depth + 1);
			if (d < 0)
				return -1;
			best = d + 1 > best ? d + 1 : best;
		}
	state[s] = 2;
	memo[s] = (uint8_t)best;
	return best;
}

/* Rules: every member has content; multivalue members are data; CNAME
 * members hold one record; trees are acyclic and no deeper than
 * DNSP_ROUTE_DEPTH. Runs after the alias targets are resolved. */
static int check_rules(dnsp_zone_builder_t *b, char *err, size_t errcap)
{
	char t1[DNSP_NAME_MAX * 4 + 2], ty[16];
	for (uint32_t s = 0; s < b->nrs; s++) {
		const struct brrset *r = &b->rs[s];
		const char *id = r->attr != NONE && b->attrs[r->attr].set_id
					 ? b->attrs[r->attr].set_id : "?";
		if (r->role == RS_RULE && r->nmembers == 0)
			return fail(err, errcap, "%s %s: a %s rule without record sets",
				    name_text(rs_owner(b, s), t1), dnsp_rrtype_to_text(r->type, ty),
				    dnsp_route_kind_name(r->kind));
		if (r->role != RS_MEMBER)
			continue;
		if (r->nrec == 0 && r->alias == NONE && r->child == NONE)
			return fail(err, errcap, "%s %s: set %s has no records", name_text(rs_owner(b, s), t1),
				    dnsp_rrtype_to_text(r->type, ty), id);
		if (b->rs[r->rule].kind == DNSP_ROUTE_MULTIVALUE && r->nrec == 0)
			return fail(err, errcap, "%s %s: multivalue answer set %s must hold records, "
				    "not an alias or a rule", name_text(rs_owner(b, s), t1),
				    dnsp_rrtype_to_text(r->type, ty), id);
		if (r->type == DNSP_T_CNAME && r->nrec > 1)
			return fail(err, errcap, "%s: set %s has more than one CNAME record "
				    "(RFC 2181 §10.1)", name_text(rs_owner(b, s), t1), id);
	}
	uint8_t *state = calloc(b->nrs ? b->nrs : 1, 1), *memo = calloc(b->nrs ? b->nrs : 1, 1);
	int rc = 0;
	if (!state || !memo) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t s = 0; s < b->nrs && rc == 0; s++)
		if (b->rs[s].role == RS_RULE && tree_depth(b, s, state, memo, 0) < 0)
			rc = fail(err, errcap, "%s %s: routed record sets loop through aliases or "
				  "rules, or nest deeper than %d", name_text(rs_owner(b, s), t1),
				  dnsp_rrtype_to_text(b->rs[s].type, ty), DNSP_ROUTE_DEPTH);
out:
	free(state);
	free(memo);
	return rc;
}

static int validate(dnsp_zone_builder_t *b, char *err, size_t errcap)
{
	char t1[DNSP_NAME_MAX * 4 + 2], t2[DNSP_NAME_MAX * 4 + 2], ty[16];

	for (uint32_t s = 0; s < b->nrs; s++)
		if (b->rs[s].role == RS_RULE && b->rs[s].attached)
			propagate_owner(b, s, b->rs[s].owner, 0);

	uint32_t soa = find_brrset(b, 0, DNSP_T_SOA);
	if (soa == NONE || b->rs[soa].alias != NONE || b->rs[soa].nrec == 0)
		return fail(err, errcap, "zone %s: no SOA record at the apex",
			    name_text(b->apex, t1));
	if (b->rs[soa].nrec != 1)
		return fail(err, errcap, "zone %s: more than one SOA record at the apex",
			    name_text(b->apex, t1));
	uint16_t sl;
	memcpy(&sl, b->recs + b->rs[soa].first + 4, 2);
	const uint8_t *sd = b->recs + b->rs[soa].first + REC_HDR;
	size_t l1 = dnsp_name_wire_len(sd, sl);
	size_t l2 = l1 ? dnsp_name_wire_len(sd + l1, sl - l1) : 0;
	if (!l1 || !l2 || l1 + l2 + 20 != sl)
		return fail(err, errcap, "zone %s: malformed SOA rdata", name_text(b->apex, t1));

	for (uint32_t s = 0; s < b->nrs; s++)
		if (b->rs[s].nrec > UINT16_MAX)
			return fail(err, errcap, "%s %s: more than %u records in one RRset",
				    name_text(rs_owner(b, s), t1),
				    dnsp_rrtype_to_text(b->rs[s].type, ty), UINT16_MAX);

	for (uint32_t i = 0; i < b->nbn; i++) {
		uint32_t cn = find_brrset(b, i, DNSP_T_CNAME);
		if (cn == NONE)
			continue;
		const uint8_t *owner = b->names + b->bn[i].off;
		if (i == 0)
			return fail(err, errcap, "%s: CNAME at the zone apex (RFC 1034 §3.6.2)",
				    name_text(owner, t1));
		if (b->rs[cn].role == RS_PLAIN && b->rs[cn].alias == NONE && b->rs[cn].nrec != 1)
			return fail(err, errcap, "%s: more than one CNAME record (RFC 2181 §10.1)",
				    name_text(owner, t1));
		for (uint32_t s = b->bn[i].rrsets; s != NONE; s = b->rs[s].next) {
			uint16_t t = b->rs[s].type;
			/* DNSSEC records may sit beside a CNAME (RFC 4035 §2.5). */
			if (t != DNSP_T_CNAME && t != DNSP_T_RRSIG && t != DNSP_T_NSEC)
				return fail(err, errcap,
					    "%s: CNAME beside other data (%s) (RFC 1034 §3.6.2)",
					    name_text(owner, t1), dnsp_rrtype_to_text(t, ty));
		}
	}

	/* Alias targets: resolve and check type, then walk chains for loops. */
	for (uint32_t s = 0; s < b->nrs; s++) {
		struct brrset *r = &b->rs[s];
		if (r->alias == NONE)
			continue;
		const uint8_t *tn = b->names + r->alias;
		uint32_t t = lookup_name(b, tn, r->alias_len, name_hash(tn, r->alias_len));
		const uint8_t *on = rs_owner(b, s);
		if (t == NONE)
			return fail(err, errcap, "alias %s %s: target %s does not exist in the zone",
				    name_text(on, t1), dnsp_rrtype_to_text(r->type, ty),
				    name_text(tn, t2));
		if (find_brrset(b, t, r->type) == NONE)
			return fail(err, errcap, "alias %s %s: target %s has no %s records",
				    name_text(on, t1), dnsp_rrtype_to_text(r->type, ty),
				    name_text(tn, t2), ty);
		r->target = t;
	}
	for (uint32_t s = 0; s < b->nrs; s++) {
		uint32_t cur = s;
		unsigned depth = 0;
		while (b->rs[cur].alias != NONE) {
			if (depth++ == DNSP_ALIAS_DEPTH) {
				const uint8_t *on = rs_owner(b, s);
				const uint8_t *tn = b->names + b->rs[s].alias;
				return fail(err, errcap,
					    "alias %s %s to %s: alias loop or chain longer than %d",
					    name_text(on, t1), dnsp_rrtype_to_text(b->rs[s].type, ty),
					    name_text(tn, t2), DNSP_ALIAS_DEPTH);
			}
			cur = find_brrset(b, b->rs[cur].target, b->rs[cur].type);
		}
	}
	return check_rules(b, err, errcap);
}

/* Sort key of a non-apex node: parent first, then its label (canonical). */
struct nkey {
	uint64_t prefix; /* first 8 label bytes, big-endian, zero padded */
	uint32_t parent;
	uint32_t idx;
};

static int cmp_nkey(const void *a, const void *b, void *arg)
{
	const struct nkey *x = a, *y = b;
	const dnsp_zone_builder_t *bl = arg;
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return label_cmp(bl->names + bl->bn[x->idx].off, bl->names + bl->bn[y->idx].off);
}

/*
 * The child of n with label (lowercase), by binary search, or NULL. The
 * compiler numbers nodes breadth first, so the children of a node are
 * adjacent in the node array in the order of n->children: searching from
 * children[0] directly saves the pointer load per probe.
 */
static inline const struct dnsp_znode *find_child(const struct dnsp_znode *n,
						  const uint8_t *label)
{
	uint32_t lo = 0, hi = n->nchildren;
	if (hi == 0)
		return NULL;
	const struct dnsp_znode *c = n->children[0];
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		int d = label_cmp(label, c[mid].label);
		if (d == 0)
			return &c[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Alignment of a node's blob (its RRset array comes first). */
#define BLOB_ALIGN _Alignof(struct dnsp_rrset)

/*
 * What the compiler allocates: the public zone plus a private exact-name
 * index. Every dnsp_zone_t comes from dnsp_zone_compile(), so answers may
 * reach the index from the public pointer.
 *
 * The index is an open-addressed table over the lowercase owner names of
 * all nodes. Slot: hash tag (24 bits) | name length (8) | node number + 1
 * (32); 0 is empty. A hit costs about three cache lines (slot, node, owner)
 * whatever the zone size, where a descent through a million siblings
 * touches some forty; the trie stays the structure of record and serves
 * everything the index cannot (closest encloser, wildcards).
 */
struct zone_impl {
	dnsp_zone_t pub;
	const struct dnsp_znode *nodes;
	const uint64_t *index;
	uint32_t index_mask;
};

static inline const struct zone_impl *impl_of(const dnsp_zone_t *z)
{
	return (const struct zone_impl *)(const void *)z; /* pub is the first member */
}

static inline uint32_t index_key(uint64_t h, size_t len)
{
	return (uint32_t)((h >> 32) & 0xffffff00u) | (uint32_t)len;
}

/* The node owning name (lowercase, len bytes), or NULL. */
static inline const struct dnsp_znode *index_lookup(const struct zone_impl *zi,
						    const uint8_t *name, size_t len)
{
	uint64_t h = dnsp_name_hash(name, len);
	uint32_t key = index_key(h, len);
	for (uint32_t i = (uint32_t)h & zi->index_mask;; i = (i + 1) & zi->index_mask) {
		uint64_t s = zi->index[i];
		if (s == 0)
			return NULL;
		if ((uint32_t)(s >> 32) == key) {
			const struct dnsp_znode *nd = &zi->nodes[(uint32_t)s - 1];
			if (dnsp_bytes_equal(nd->owner, name, len))
				return nd;
		}
	}
}

/*
 * Closest encloser of a name (len bytes, offs/n) the index does not hold:
 * its longest suffix that exists, probed in the index from one label
 * shorter up to the apex. A missing name just below an existing one takes
 * one probe, where a descent from the apex would binary-search the
 * children of every level (20 steps at a 1M-name apex). Out of line: the
 * exact hit does not pay for it.
 */
static __attribute__((noinline)) const struct dnsp_znode *
closest_encloser(const dnsp_zone_t *z, const uint8_t *name, const uint8_t *offs, int n, size_t len)
{
	for (int i = 1; i < n - z->apex_labels; i++) {
		const struct dnsp_znode *e =
			index_lookup(impl_of(z), name + offs[i], len - offs[i]);
		if (e)
			return e;
	}
	return z->root;
}

/*
 * Finds name (lowercase, valid, at or below the apex; offs/n from
 * label_offsets) as a descent from the apex would, through the index.
 * Fills node (the exact node or NULL), encloser (the closest encloser)
 * and, when stop_at_cut, stops at and reports the first delegation passed
 * on the way down.
 */
struct zfind {
	const struct dnsp_znode *node, *encloser, *cut;
};

/* The delegation nearest the apex among n and its ancestors, or NULL. */
static inline const struct dnsp_znode *top_cut(const struct dnsp_znode *n)
{
	const struct dnsp_znode *top = NULL;
	for (const struct dnsp_znode *p = n; p; p = p->parent)
		if (p->flags & DNSP_ZN_DELEG)
			top = p;
	return top;
}

static inline void zone_find(const dnsp_zone_t *z, const uint8_t *name, const uint8_t *offs,
			     int n, bool stop_at_cut, struct zfind *f)
{
	/* The first cut on the way down is the delegation nearest the apex
	 * among the encloser's ancestors (and itself). */
	size_t len = dnsp_name_len_offs(name, offs, n);
	const struct dnsp_znode *hit = index_lookup(impl_of(z), name, len);
	if (likely(hit != NULL)) {
		const struct dnsp_znode *top = stop_at_cut ? top_cut(hit) : NULL;
		f->cut = top;
		f->node = top && top != hit ? NULL : hit;
		f->encloser = top ? top : hit;
		return;
	}
	const struct dnsp_znode *enc = closest_encloser(z, name, offs, n, len);
	const struct dnsp_znode *top = stop_at_cut ? top_cut(enc) : NULL;
	f->cut = top;
	f->node = NULL;
	f->encloser = top ? top : enc;
}

/* True when name (offs, n labels) lies at or below z's apex. */
static inline bool in_zone(const dnsp_zone_t *z, const uint8_t *name, const uint8_t *offs, int n)
{
	if (n < z->apex_labels)
		return false;
	if (z->apex_labels == 0)
		return true; /* the root zone holds every name */
	return dnsp_bytes_equal(name + offs[n - z->apex_labels], z->apex, z->apex_len);
}

/* Node an additional-section target name resolves to: exact, else the
 * closest encloser's wildcard (as Knot does), else NULL. */
static const struct dnsp_znode *resolve_target(const dnsp_zone_t *z, const uint8_t *name)
{
	uint8_t offs[DNSP_LABELS_MAX];
	int n = label_offsets(name, offs);
	if (!in_zone(z, name, offs, n))
		return NULL;
	struct zfind f;
	zone_find(z, name, offs, n, false, &f);
	if (f.node)
		return f.node;
	return f.encloser->wildcard;
}

static bool has_target(uint16_t type)
{
	return type == DNSP_T_NS || type == DNSP_T_MX || type == DNSP_T_SRV;
}

/* RRsets that get target node slots: the additional-section types, and
 * CNAME (the node its chain continues at, see cname_target). */
static bool links_targets(uint16_t type)
{
	return has_target(type) || type == DNSP_T_CNAME;
}

/*
 * Node a CNAME's target name continues the chain at without a lookup: the
 * exact node in z with no zone cut at or above it (so the authoritative
 * answer restarts there, RFC 1034 §4.3.2 step 3a), else NULL (absent,
 * wildcard-matched, occluded or at a cut: the answer looks it up).
 */
static const struct dnsp_znode *cname_target(const dnsp_zone_t *z, const uint8_t *name)
{
	uint8_t offs[DNSP_LABELS_MAX];
	int n = label_offsets(name, offs);
	if (!in_zone(z, name, offs, n))
		return NULL;
	struct zfind f;
	zone_find(z, name, offs, n, true, &f);
	return f.cut ? NULL : f.node;
}

/* Lays out the records of br as rs's data (2-byte length + rdata each) at
 * rdb[*rpos], and reserves its additional-section target slots. */
static void fill_data(struct dnsp_rrset *rs, const struct brrset *br, const uint8_t *recs,
		      uint8_t *rdb, size_t *rpos, const struct dnsp_znode **tgt, size_t *tpos)
{
	rs->ttl = br->ttl;
	rs->count = (uint16_t)br->nrec; /* validate() capped it */
	rs->rdata = rdb + *rpos;
	size_t start = *rpos;
	uint32_t o = br->first;
	for (uint32_t i = 0; i < rs->count; i++) {
		uint16_t l;
		memcpy(&l, recs + o + 4, 2);
		rdb[*rpos] = (uint8_t)(l >> 8);
		rdb[*rpos + 1] = (uint8_t)l;
		memcpy(rdb + *rpos + 2, recs + o + REC_HDR, l);
		*rpos += 2u + l;
		memcpy(&o, recs + o, 4);
	}
	rs->rdata_len = (uint32_t)(*rpos - start);
	if (links_targets(br->type)) {
		rs->targets = tgt + *tpos;
		*tpos += rs->count;
	}
}

/* Second pass for one RRset (brrset s laid out as rs): alias target node,
 * policy of a rule or of a member's nested rule, additional-section
 * targets. */
static void link_rrset(const dnsp_zone_t *z, const dnsp_zone_builder_t *b,
		       const struct dnsp_znode *nodes, struct dnsp_route_policy *const *pol,
		       uint32_t s, struct dnsp_rrset *rs)
{
	const struct brrset *br = &b->rs[s];
	if (br->alias != NONE) {
		rs->alias = &nodes[b->bn[br->target].node];
		return;
	}
	if (br->role == RS_RULE) {
		rs->policy = pol[s];
		return;
	}
	if (br->role == RS_MEMBER && br->child != NONE) {
		rs->policy = pol[br->child];
		return;
	}
	if (!rs->targets)
		return;
	int toff = dnsp_rdata_target_offset(rs->type);
	const uint8_t *p = rs->rdata;
	const struct dnsp_znode **t = (const struct dnsp_znode **)rs->targets;
	for (uint16_t j = 0; j < rs->count; j++) {
		size_t l = (size_t)p[0] << 8 | p[1];
		t[j] = NULL;
		if (toff >= 0 && (size_t)toff < l &&
		    dnsp_name_wire_len(p + 2 + toff, l - (size_t)toff) != 0)
			t[j] = rs->type == DNSP_T_CNAME ? cname_target(z, p + 2 + toff)
							: resolve_target(z, p + 2 + toff);
		p += 2 + l;
	}
}

int dnsp_zone_compile(dnsp_zone_builder_t *b, dnsp_arena_t *arena, const dnsp_zone_t **out,
		      char *err, size_t errcap)
{
	if (!b || !arena || !out)
		return -EINVAL;
	if (err && errcap)
		err[0] = '\0';

	size_t rdata_bytes = 0, nrecords = 0;
	int rc = sort_records(b, &rdata_bytes, &nrecords);
	if (rc == 0)
		rc = make_ancestors(b);
	if (rc)
		return rc;
	rc = validate(b, err, errcap);
	if (rc)
		return rc;

	uint32_t nn = b->nbn;
	struct dnsp_route_policy **pol = NULL; /* by brrset: the compiled rule */
	struct nkey *keys = malloc(sizeof(*keys) * (nn ? nn : 1));
	uint32_t *cstart = calloc((size_t)nn + 1, sizeof(*cstart));
	uint32_t *order = malloc(sizeof(*order) * nn);
	if (!keys || !cstart || !order) {
		rc = -ENOMEM;
		goto out;
	}

	/* One sort groups children by parent, each group in canonical order. */
	for (uint32_t i = 1; i < nn; i++) {
		const uint8_t *l = b->names + b->bn[i].off;
		uint8_t pk[8] = { 0 };
		memcpy(pk, l + 1, l[0] < 8 ? l[0] : 8);
		uint64_t p = 0;
		for (int j = 0; j < 8; j++)
			p = p << 8 | pk[j];
		keys[i - 1] = (struct nkey){ .prefix = p, .parent = b->bn[i].parent, .idx = i };
		cstart[b->bn[i].parent + 1]++;
	}
	if (nn > 1)
		qsort_r(keys, nn - 1, sizeof(*keys), cmp_nkey, b);
	for (uint32_t i = 0; i < nn; i++)
		cstart[i + 1] += cstart[i];

	/* Breadth-first numbering: siblings get consecutive node numbers. */
	size_t owner_bytes = 0, nrrsets = 0, ntargets = 0;
	uint32_t qn = 0;
	order[qn++] = 0;
	for (uint32_t k = 0; k < qn; k++) {
		uint32_t u = order[k];
		b->bn[u].node = k;
		owner_bytes += b->bn[u].len;
		for (uint32_t j = cstart[u]; j < cstart[u + 1]; j++)
			order[qn++] = keys[j].idx;
		for (uint32_t s = b->bn[u].rrsets; s != NONE; s = b->rs[s].next) {
			nrrsets++;
			if (links_targets(b->rs[s].type) && b->rs[s].alias == NONE)
				ntargets += b->rs[s].nrec;
		}
	}
	/* Members of rules get RRsets of their own, outside the node lists. */
	size_t nmembers = 0;
	for (uint32_t s = 0; s < b->nrs; s++) {
		if (b->rs[s].role != RS_MEMBER)
			continue;
		b->rs[s].cidx = (uint32_t)nmembers++;
		if (links_targets(b->rs[s].type) && b->rs[s].alias == NONE)
			ntargets += b->rs[s].nrec;
	}

	struct zone_impl *zi = dnsp_arena_alloc_aligned(arena, sizeof(*zi), 64);
	uint32_t icap = 16;
	while (icap < nn + nn / 2)
		icap *= 2; /* load factor ≤ 2/3 */
	uint64_t *index = dnsp_arena_alloc_aligned(arena, sizeof(*index) * icap, 64);
	dnsp_zone_t *z = zi ? &zi->pub : NULL;
	struct dnsp_znode *nodes = dnsp_arena_alloc_aligned(arena, sizeof(*nodes) * nn, 64);
	const struct dnsp_znode **cptr =
		dnsp_arena_alloc_aligned(arena, sizeof(*cptr) * (nn > 1 ? nn - 1 : 1), 8);
	/*
	 * One blob per node, in node order: its RRset array, its owner name,
	 * then the rdata of its RRsets. An exact-name hit reads the index
	 * slot, the node, and then one place for the owner compare, the type
	 * search and the rdata copy: on a 1M-name zone, where each of these is
	 * a cache miss, two misses fewer than with separate pools. Members of
	 * routing rules put their rdata after the last node's blob.
	 */
	size_t blob_bytes = nn * (size_t)(BLOB_ALIGN - 1) + nrrsets * sizeof(struct dnsp_rrset) +
			    owner_bytes + rdata_bytes;
	uint8_t *blob = dnsp_arena_alloc_aligned(arena, blob_bytes ? blob_bytes : 1, 64);
	const struct dnsp_znode **tgt =
		dnsp_arena_alloc_aligned(arena, sizeof(*tgt) * (ntargets ? ntargets : 1), 8);
	struct dnsp_rrset *msa =
		dnsp_arena_alloc_aligned(arena, sizeof(*msa) * (nmembers ? nmembers : 1), 8);
	char *id = dnsp_arena_strdup(arena, b->id);
	pol = calloc(b->nrs ? b->nrs : 1, sizeof(*pol));
	if (!z || !index || !nodes || !cptr || !blob || !tgt || !msa || !id ||
	    !pol) {
		rc = -ENOMEM;
		goto out;
	}

	size_t bpos = 0, cpos = 0, tpos = 0;
	for (uint32_t k = 0; k < nn; k++) {
		uint32_t u = order[k];
		struct dnsp_znode *nd = &nodes[k];
		uint32_t done = 0, total = 0;
		for (uint32_t s = b->bn[u].rrsets; s != NONE; s = b->rs[s].next)
			total++;
		bpos = (bpos + BLOB_ALIGN - 1) & ~(size_t)(BLOB_ALIGN - 1);
		struct dnsp_rrset *rsa = (struct dnsp_rrset *)(void *)(blob + bpos);
		bpos += total * sizeof(*rsa);
		memcpy(blob + bpos, b->names + b->bn[u].off, b->bn[u].len);
		nd->owner = nd->label = blob + bpos;
		bpos += b->bn[u].len;
		nd->parent = u == 0 ? NULL : &nodes[b->bn[b->bn[u].parent].node];
		uint32_t nc = cstart[u + 1] - cstart[u];
		nd->nchildren = nc;
		nd->children = nc ? cptr + cpos : NULL;
		for (uint32_t j = 0; j < nc; j++)
			cptr[cpos + j] = &nodes[b->bn[keys[cstart[u] + j].idx].node];
		cpos += nc;
		if (u == 0)
			nd->flags |= DNSP_ZN_APEX;

		/* RRsets sorted by type: pick the smallest remaining each round
		 * (nodes hold few types). */
		nd->rrsets = rsa;
		int prev = -1;
		for (; done < total; done++) {
			uint32_t best = NONE;
			for (uint32_t s = b->bn[u].rrsets; s != NONE; s = b->rs[s].next)
				if ((int)b->rs[s].type > prev &&
				    (best == NONE || b->rs[s].type < b->rs[best].type))
					best = s;
			const struct brrset *br = &b->rs[best];
			prev = br->type;
			struct dnsp_rrset *rs = &rsa[done];
			rs->type = br->type;
			if (br->type == DNSP_T_CNAME)
				nd->flags |= DNSP_ZN_CNAME;
			if (br->type == DNSP_T_NS && u != 0)
				nd->flags |= DNSP_ZN_DELEG;
			if (br->alias != NONE || br->role == RS_RULE)
				continue; /* alias, policy and ttl filled below */
			fill_data(rs, br, b->recs, blob, &bpos, tgt, &tpos);
		}
		nd->nrrsets = (uint16_t)total;
	}
	for (uint32_t s = 0; s < b->nrs; s++) {
		const struct brrset *br = &b->rs[s];
		if (br->role != RS_MEMBER)
			continue;
		struct dnsp_rrset *rs = &msa[br->cidx];
		rs->type = br->type;
		if (br->alias == NONE && br->child == NONE)
			fill_data(rs, br, b->recs, blob, &bpos, tgt, &tpos);
	}

	/* Policies, one per rule: they need only the members' addresses. */
	for (uint32_t s = 0; s < b->nrs; s++) {
		const struct brrset *br = &b->rs[s];
		const struct dnsp_rrset *mptr[DNSP_ROUTE_MAX_MEMBERS];
		struct dnsp_route_attr mattr[DNSP_ROUTE_MAX_MEMBERS];
		uint16_t n = 0;
		if (br->role != RS_RULE)
			continue;
		for (uint32_t m = br->members; m != NONE && n < DNSP_ROUTE_MAX_MEMBERS;
		     m = b->rs[m].next, n++) {
			mptr[n] = &msa[b->rs[m].cidx];
			mattr[n] = b->attrs[b->rs[m].attr];
		}
		char msg[256] = "";
		rc = dnsp_route_policy_build(arena, br->kind, br->type, mptr, mattr, n, &pol[s], msg,
					     sizeof(msg));
		if (rc < 0) {
			char t1[DNSP_NAME_MAX * 4 + 2], ty[16];
			if (rc == DNSP_ECONFIG)
				fail(err, errcap, "%s %s: %s routing: %s", name_text(rs_owner(b, s), t1),
				     dnsp_rrtype_to_text(br->type, ty), dnsp_route_kind_name(br->kind),
				     msg);
			goto out;
		}
	}

	z->apex = nodes[0].owner;
	z->apex_len = b->apex_len;
	z->apex_labels = b->apex_labels;
	z->root = &nodes[0];
	z->nnodes = nn;
	z->nrecords = (uint32_t)nrecords;
	z->id = id;

	for (uint32_t k = 0; k < nn; k++) {
		size_t len = b->bn[order[k]].len;
		uint64_t h = dnsp_name_hash(nodes[k].owner, len);
		uint32_t i = (uint32_t)h & (icap - 1);
		while (index[i] != 0)
			i = (i + 1) & (icap - 1);
		index[i] = (uint64_t)index_key(h, len) << 32 | (k + 1u);
	}
	zi->nodes = nodes;
	zi->index = index;
	zi->index_mask = icap - 1;

	/* Second pass: wildcards, aliases and additional-section targets need
	 * the whole trie. */
	for (uint32_t k = 0; k < nn; k++) {
		struct dnsp_znode *nd = &nodes[k];
		static const uint8_t star[2] = { 1, '*' };
		if (nd->nchildren)
			nd->wildcard = find_child(nd, star);
		uint32_t u = order[k];
		struct dnsp_rrset *rs = (struct dnsp_rrset *)nd->rrsets;
		for (uint16_t i = 0; i < nd->nrrsets; i++, rs++)
			link_rrset(z, b, nodes, pol, find_brrset(b, u, rs->type), rs);
	}
	for (uint32_t s = 0; s < b->nrs; s++)
		if (b->rs[s].role == RS_MEMBER)
			link_rrset(z, b, nodes, pol, s, &msa[b->rs[s].cidx]);
	/* Health flags need the whole tree linked. */
	for (uint32_t s = 0; s < b->nrs; s++)
		if (pol[s])
			dnsp_route_policy_mark(pol[s]);

	z->soa = dnsp_znode_rrset(z->root, DNSP_T_SOA);
	{
		const uint8_t *sd = z->soa->rdata;
		size_t sl = (size_t)sd[0] << 8 | sd[1];
		const uint8_t *m = sd + 2 + sl - 4;
		uint32_t minimum = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
				   (uint32_t)m[2] << 8 | m[3];
		z->neg_ttl = minimum < z->soa->ttl ? minimum : z->soa->ttl; /* RFC 2308 §5 */
	}
	*out = z;
	rc = 0;
out:
	free(keys);
	free(cstart);
	free(order);
	free(pol);
	return rc;
}

/* ---- lookup and answers ---- */

const struct dnsp_rrset *dnsp_znode_rrset(const struct dnsp_znode *n, uint16_t type)
{
	const struct dnsp_rrset *r = n->rrsets;
	for (uint16_t i = 0; i < n->nrrsets; i++) {
		if (r[i].type == type)
			return &r[i];
		if (r[i].type > type)
			break;
	}
	return NULL;
}

/*
 * The RRsets holding the data of rs for client rc: rs itself (the common
 * case, inline), or what its alias chain and routing policies lead to
 * (lib/route.c). Returns how many are in out; 0 when none answers.
 */
static inline unsigned data_of(const struct dnsp_rrset *rs, struct dnsp_route_client *rc,
			       const struct dnsp_rrset *out[DNSP_ROUTE_MAX_ANSWERS])
{
	if (!rs)
		return 0;
	if (likely(!rs->alias && !rs->policy)) {
		out[0] = rs;
		return 1;
	}
	return dnsp_route_resolve(rs, rc, out);
}

/*
 * Writes every record of data (an RRset with data) as type under owner (or,
 * when owner_at is set, under the name the response spells out there), all
 * or nothing: when a record does not fit, the records of this RRset already
 * written are taken back (dnsp_resp_rollback; the builder itself undoes only
 * the failed record), as Knot does, so that a truncated response never
 * holds part of an RRset (RFC 2181 §9). truncated stays as the builder left
 * it. Records after the first point at the first one's owner.
 */
static inline __attribute__((always_inline)) int put_rrset(struct dnsp_resp *r,
		enum dnsp_section sec, const uint8_t *owner,
		     uint16_t owner_at, uint16_t type, uint32_t ttl,
		     const struct dnsp_rrset *data)
{
	const uint8_t *p = data->rdata;
	struct dnsp_resp_mark m;
	if (data->count > 1)
		dnsp_resp_mark(r, &m);
	for (uint16_t i = 0; i < data->count; i++) {
		uint16_t l = (uint16_t)(p[0] << 8 | p[1]);
		int rc = owner_at ? dnsp_resp_put_rr_at(r, sec, owner_at, type, DNSP_CLASS_IN, ttl,
							p + 2, l)
				  : dnsp_resp_put_rr(r, sec, owner, type, DNSP_CLASS_IN, ttl, p + 2, l);
		if (unlikely(rc != 0)) {
			if (i > 0)
				dnsp_resp_rollback(r, &m);
			return rc;
		}
		if (owner != NULL && owner_at == 0)
			owner_at = dnsp_resp_last_owner(r); /* 0 when out of reach */
		p += 2u + l;
	}
	return 0;
}

/*
 * Writes the data RRsets ds[0..n) (n > 1 only for multivalue answers) as one
 * RRset: all or nothing, every record with the smallest TTL among them
 * (RFC 2181 §5.2: the TTLs of an RRset are equal).
 */
static __attribute__((noinline)) int put_rrsets_multi(struct dnsp_resp *r,
		enum dnsp_section sec, const uint8_t *owner, uint16_t owner_at, uint16_t type,
		const struct dnsp_rrset *const *ds, unsigned n)
{
	struct dnsp_resp_mark m;
	uint32_t ttl = UINT32_MAX;
	dnsp_resp_mark(r, &m);
	for (unsigned i = 0; i < n; i++)
		ttl = ds[i]->ttl < ttl ? ds[i]->ttl : ttl;
	for (unsigned i = 0; i < n; i++) {
		int rc = put_rrset(r, sec, owner, owner_at, type, ttl, ds[i]);
		if (unlikely(rc != 0)) {
			bool truncated = r->truncated;
			dnsp_resp_rollback(r, &m);
			r->truncated = truncated;
			return rc;
		}
		if (owner != NULL && owner_at == 0)
			owner_at = dnsp_resp_last_owner(r);
	}
	return 0;
}

static inline __attribute__((always_inline)) int put_rrsets(struct dnsp_resp *r,
		enum dnsp_section sec, const uint8_t *owner, uint16_t owner_at, uint16_t type,
		const struct dnsp_rrset *const *ds, unsigned n)
{
	if (likely(n == 1))
		return put_rrset(r, sec, owner, owner_at, type, ds[0]->ttl, ds[0]);
	return put_rrsets_multi(r, sec, owner, owner_at, type, ds, n);
}

/*
 * Additional section for an NS/MX/SRV RRset: A then AAAA of each target that
 * resolved to a node of the zone, owner written as the target name (routed
 * A/AAAA chosen for the same client). Like Knot, no duplicate suppression,
 * and a record that does not fit ends the section without setting TC.
 * Returns false when the section is full.
 */
static bool put_additional(struct dnsp_resp *r, const struct dnsp_rrset *data,
			   struct dnsp_route_client *rc)
{
	static const uint16_t types[2] = { DNSP_T_A, DNSP_T_AAAA };
	int toff = dnsp_rdata_target_offset(data->type);
	const uint8_t *p = data->rdata;
	bool was_truncated = r->truncated;
	if (toff < 0 || !data->targets)
		return true;
	for (uint16_t i = 0; i < data->count; i++) {
		uint16_t l = (uint16_t)(p[0] << 8 | p[1]);
		const struct dnsp_znode *t = data->targets[i];
		if (t) {
			for (int k = 0; k < 2; k++) {
				const struct dnsp_rrset *g[DNSP_ROUTE_MAX_ANSWERS];
				unsigned ng = data_of(dnsp_znode_rrset(t, types[k]), rc, g);
				if (ng && put_rrsets(r, DNSP_SEC_ADDITIONAL, p + 2 + toff, 0, types[k],
						     g, ng) != 0) {
					r->truncated = was_truncated;
					return false;
				}
			}
		}
		p += 2u + l;
	}
	return true;
}

/*
 * Behaviour notes (checked against knotd 3.2.6 on loopback):
 *  - ANY (RFC 8482 §4.2): the node's RRset of the smallest type, over UDP
 *    and TCP alike, with the usual additional records; not followed through
 *    a CNAME (the CNAME is the node's only RRset).
 *  - A CNAME whose target is occluded or a zone cut yields the referral in
 *    authority with AA kept; a missing in-zone target yields NXDOMAIN with the
 *    SOA; an empty or typeless target NODATA with the SOA.
 *  - Loops: a CNAME RRset already in the answer is not written again and
 *    ends the chain (NOERROR, no SOA); a wildcard CNAME is written, and its
 *    second use ends the chain (so "*.w CNAME a.w" gives two records).
 *  - Additional A/AAAA come from NS/MX/SRV targets that exist anywhere in
 *    the zone (glue below cuts included) or match a wildcard.
 *  - A wildcard node holding NS is a referral with owner "*.…".
 *  - RRsets are written whole or not at all; additional records that do
 *    not fit are dropped without TC.
 *  - Not mirrored: knotd stops CNAME chains after 5 records, we after
 *    DNSP_CNAME_CHAIN_MAX (the header's contract).
 */
int dnsp_zone_answer(const dnsp_zone_t *z, const uint8_t *qname, uint16_t qtype,
		     struct dnsp_resp *r, dnsp_zone_resolver_fn resolve_other, const void *ctx)
{
	return dnsp_zone_answer_client(z, qname, qtype, r, resolve_other, ctx, NULL);
}

/* Where a CNAME chain continues (the seam between the two answer modes):
 * resolve_other for targets outside the current zone (authoritative), or,
 * when every_target, for every target (a resolver's source selection).
 * stop: out, the target no zone answers (resolver mode only). */
struct chase {
	dnsp_zone_resolver_fn resolve;
	const void *ctx;
	bool every_target;
	const uint8_t *stop;
};

static int answer(const dnsp_zone_t *z, const uint8_t *qname, const uint8_t *qoffs, int qn,
		  uint16_t qtype, struct dnsp_resp *r, struct chase *ch,
		  struct dnsp_route_client *rc);

int dnsp_zone_answer_client(const dnsp_zone_t *z, const uint8_t *qname, uint16_t qtype,
			    struct dnsp_resp *r, dnsp_zone_resolver_fn resolve_other,
			    const void *ctx, struct dnsp_route_client *rc)
{
	uint8_t offs[DNSP_LABELS_MAX];
	int n = label_offsets(qname, offs);
	struct chase ch = { .resolve = resolve_other, .ctx = ctx };
	return answer(z, qname, offs, n, qtype, r, &ch, rc);
}

int dnsp_zone_answer_labels(const dnsp_zone_t *z, const uint8_t *qname, const uint8_t *qoffs,
			    int qn, uint16_t qtype, struct dnsp_resp *r,
			    dnsp_zone_resolver_fn resolve_other, const void *ctx,
			    struct dnsp_route_client *rc)
{
	struct chase ch = { .resolve = resolve_other, .ctx = ctx };
	return answer(z, qname, qoffs, qn, qtype, r, &ch, rc);
}

int dnsp_zone_answer_resolver(const dnsp_zone_t *z, const uint8_t *qname, uint16_t qtype,
			      struct dnsp_resp *r, dnsp_zone_resolver_fn zone_for,
			      const void *ctx, struct dnsp_route_client *rc,
			      const uint8_t **stop)
{
	uint8_t offs[DNSP_LABELS_MAX];
	int n = label_offsets(qname, offs);
	struct chase ch = { .resolve = zone_for, .ctx = ctx, .every_target = zone_for != NULL };
	int rcode = answer(z, qname, offs, n, qtype, r, &ch, rc);
	*stop = ch.stop;
	return rcode;
}

static int answer(const dnsp_zone_t *z, const uint8_t *qname, const uint8_t *qoffs, int qn,
		  uint16_t qtype, struct dnsp_resp *r, struct chase *ch,
		  struct dnsp_route_client *rc)
{
	const uint8_t *name = qname;
	const uint8_t *owner = NULL;                 /* NULL: the question name */
	uint16_t owner_at = 0;                       /* where owner is spelt out, 0: unknown */
	const struct dnsp_rrset *addl[DNSP_ROUTE_MAX_ANSWERS]; /* RRsets whose targets go to additional */
	unsigned naddl = 0;
	const struct dnsp_znode *cut = NULL;         /* referral source */
	const struct dnsp_rrset *seen[DNSP_CNAME_CHAIN_MAX];
	const struct dnsp_znode *wseen[DNSP_CNAME_CHAIN_MAX];
	unsigned nseen = 0, nwseen = 0, ncname = 0;
	uint8_t rcode = DNSP_RCODE_NOERROR;
	bool soa = false;
	uint8_t offs_next[DNSP_LABELS_MAX];    /* a CNAME target's */
	const uint8_t *offs = qoffs;
	int n = qn;

	if (unlikely(!in_zone(z, name, offs, n))) {
		dnsp_resp_set_rcode(r, DNSP_RCODE_REFUSED);
		return DNSP_RCODE_REFUSED;
	}
	/* Where the question spells out z's apex (qname is the response's
	 * question), for the owner of a negative answer's SOA; 0 for the root. */
	const dnsp_zone_t *qzone = z;
	uint16_t apex_at = z->apex_labels ? (uint16_t)(DNSP_HDR_LEN + offs[n - z->apex_labels]) : 0;

	/* A resolver's private zones do not delegate (SEMANTICS §11: NS
	 * records in a private zone cannot delegate a subdomain; a DELEGATE
	 * rule does, and wins before the zone is asked): their NS records
	 * below the apex are data, and names below them are looked up in
	 * the zone like any other. */
	bool cuts = !ch->every_target;
	const struct dnsp_znode *next = NULL; /* a CNAME's linked target node */
	unsigned step = 0;
	for (;; step++) {
		struct zfind f;
		if (next != NULL) {
			f.node = f.encloser = next; /* exact, no cut above (cname_target) */
			f.cut = NULL;
			next = NULL;
		} else {
			zone_find(z, name, offs, n, cuts, &f);
		}
		const struct dnsp_znode *node = f.node;
		bool wild = false;

		if (f.cut && !(node && qtype == DNSP_T_DS)) {
			cut = f.cut; /* RFC 1034 §4.3.2 step 3b: referral */
			break;
		}
		if (!node) {
			node = f.encloser->wildcard; /* RFC 4592 §3.3.1 */
			if (!node) {
				rcode = DNSP_RCODE_NXDOMAIN;
				soa = true;
				break;
			}
			wild = true;
			if (cuts && (node->flags & DNSP_ZN_DELEG) && qtype != DNSP_T_DS) {
				cut = node;
				break;
			}
		}

		const struct dnsp_rrset *rs;
		if (qtype == DNSP_T_ANY)
			rs = node->nrrsets ? &node->rrsets[0] : NULL;
		else
			rs = dnsp_znode_rrset(node, qtype);
		if (rs) {
			const struct dnsp_rrset *ds[DNSP_ROUTE_MAX_ANSWERS];
			unsigned nd = data_of(rs, rc, ds);
			if (nd == 0) {
				soa = true; /* a routing policy with no set for this client */
				break;
			}
			if (put_rrsets(r, DNSP_SEC_ANSWER, owner, owner_at, rs->type, ds, nd) != 0)
				goto done;
			if (has_target(rs->type)) {
				memcpy(addl, ds, nd * sizeof(ds[0]));
				naddl = nd;
			}
			break;
		}
		if (!(node->flags & DNSP_ZN_CNAME)) {
			soa = true; /* NODATA, RFC 2308 §2.2 */
			break;
		}

		/* CNAME: RFC 1034 §4.3.2 step 3a, restart at the target. */
		const struct dnsp_rrset *cn = dnsp_znode_rrset(node, DNSP_T_CNAME);
		const struct dnsp_rrset *cds[DNSP_ROUTE_MAX_ANSWERS];
		if (data_of(cn, rc, cds) == 0) {
			soa = true; /* a routed CNAME with no set for this client: NODATA */
			break;
		}
		const struct dnsp_rrset *d = cds[0];
		if (d->count == 0 || ncname == DNSP_CNAME_CHAIN_MAX)
			break;
		if (!wild) {
			bool dup = false;
			for (unsigned i = 0; i < nseen; i++)
				dup |= seen[i] == cn;
			if (dup)
				break;
			seen[nseen++] = cn;
		}
		/* A linked target lies in z: in the question's zone it ends in
		 * the apex the question ends in. */
		if (z == qzone && d->targets != NULL && d->targets[0] != NULL)
			dnsp_resp_target_suffix(r, z->apex_labels);
		if (put_rrset(r, DNSP_SEC_ANSWER, owner, owner_at, DNSP_T_CNAME, d->ttl, d) != 0)
			goto done;
		ncname++;
		/* the target, just written as the CNAME's data, is the next owner */
		owner_at = d->count == 1 ? dnsp_resp_last_target(r) : 0;
		if (wild) {
			bool dup = false;
			for (unsigned i = 0; i < nwseen; i++)
				dup |= wseen[i] == node;
			if (dup)
				break;
			wseen[nwseen++] = node;
		}
		name = owner = d->rdata + 2;
		if (!ch->every_target && d->targets != NULL && d->targets[0] != NULL) {
			next = d->targets[0]; /* in z: no lookup (cname_target) */
			continue;
		}
		n = label_offsets(name, offs_next);
		offs = offs_next;
		if (ch->every_target || !in_zone(z, name, offs, n)) {
			const dnsp_zone_t *z2 = ch->resolve ? ch->resolve(ch->ctx, name) : NULL;
			if (!z2 || !in_zone(z2, name, offs, n)) {
				if (ch->every_target)
					ch->stop = name; /* answered by another source */
				break;
			}
			z = z2;
		}
	}

	if (cut) {
		const struct dnsp_rrset *ns[DNSP_ROUTE_MAX_ANSWERS];
		unsigned nns = data_of(dnsp_znode_rrset(cut, DNSP_T_NS), rc, ns);
		if (nns) {
			if (put_rrsets(r, DNSP_SEC_AUTHORITY, cut->owner, 0, DNSP_T_NS, ns, nns) != 0)
				goto done;
			memcpy(addl, ns, nns * sizeof(ns[0]));
			naddl = nns;
		}
	} else if (soa) {
		if (put_rrset(r, DNSP_SEC_AUTHORITY, z->apex, z == qzone ? apex_at : 0, DNSP_T_SOA,
			      z->neg_ttl, z->soa) != 0)
			goto done;
	}
	for (unsigned i = 0; i < naddl && put_additional(r, addl[i], rc); i++)
		;
done:
	/* Authoritative unless the query itself was referred (a referral met
	 * after a CNAME keeps the AA of the first answer, as Knot does). */
	if (!(cut && step == 0))
		dnsp_resp_set_flags(r, DNSP_FLAG_AA, 0);
	dnsp_resp_set_rcode(r, rcode);
	return rcode;
}
