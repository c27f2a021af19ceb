/*
 * Routing policy selection (SEMANTICS §1-9) over the compiled policy trees
 * of lib/route.h, and the builder that pre-encodes each policy's tables.
 *
 * Every decision has the same shape, which is Route 53's (DG
 * health-checks-how-route-53-chooses-records): rank the candidates by the
 * policy's criterion, take the best healthy one, and when none is healthy
 * take the best one anyway ("treat all as healthy"). Ranking is done once
 * per query with no allocation: candidate lists live in small stack arrays
 * bounded by DNSP_ROUTE_MAX_MEMBERS. When no member of a policy can ever be
 * unhealthy (no health check anywhere below it: DNSP_RP_DYNAMIC clear) the
 * health reads are skipped entirely, so an unchecked weighted set costs one
 * random draw and a scan of cumulative weights.
 *
 * Client location is looked up lazily and at most once per query (geo row,
 * latency row); every decision that consults it raises the ECS scope to the
 * matched prefix length, or to the query prefix when the lookup missed
 * (a miss is a property of the client's whole subnet, so the answer may
 * only be cached for that subnet). Health of EvaluateTargetHealth subtrees is
 * evaluated recursively with depth ≤ DNSP_ROUTE_DEPTH and a per-query budget
 * of DNSP_ROUTE_HEALTH_BUDGET member visits; past the budget a subtree counts
 * as healthy (bounded work for pathological trees; never reached by trees of
 * realistic size).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "route.h"
#include "route_data.h"
#include "health.h"
#include "pipeline.h"
#include "zone/zone.h"

#define NONE16 UINT16_MAX
#define DNSP_ROUTE_HEALTH_BUDGET 256

enum { LK_GEO = 1, LK_LAT = 2 };

static const char *const kind_names[DNSP_ROUTE_NKINDS] = {
	"simple", "weighted", "latency", "failover", "geolocation", "geoproximity",
	"IP-based", "multivalue answer",
};

const char *dnsp_route_kind_name(unsigned kind)
{
	return kind < DNSP_ROUTE_NKINDS ? kind_names[kind] : "unknown";
}

/* ---- client context ---- */

void dnsp_route_client_init(struct dnsp_route_client *c, const struct dnsp_route_data *data,
			    const struct dnsp_health_table *health, struct dnsp_worker_ctx *w,
			    int family, const uint8_t *addr, int qplen)
{
	int max = family == 6 ? 128 : 32;
	c->data = data;
	c->health = health;
	c->w = w;
	c->addr = addr;
	c->family = (family == 4 || family == 6) && addr ? (uint8_t)family : 0;
	c->qplen = (uint8_t)(qplen < 0 ? 0 : qplen > max ? max : qplen);
	c->scope = 0;
	c->looked = 0;
	c->budget = DNSP_ROUTE_HEALTH_BUDGET;
	c->rng = 0x9E3779B97F4A7C15ull;
	/* geo/lat_row/plens are written by the first lookup (looked bits) */
}

static inline uint64_t rnd(struct dnsp_route_client *c)
{
	if (c->w)
		return dnsp_worker_rand(c->w);
	/* same xorshift64* as dnsp_worker_rand, on the context's own state */
	uint64_t x = c->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n) from the high 32 bits (multiply-shift, no division). */
static inline uint32_t rnd_below(struct dnsp_route_client *c, uint32_t n)
{
	return (uint32_t)(((rnd(c) >> 32) * (uint64_t)n) >> 32);
}

static inline void raise_scope(struct dnsp_route_client *c, int plen)
{
	if (plen > c->qplen)
		plen = c->qplen; /* RFC 7871 §7.2.1: never more than the source prefix */
	if (plen > c->scope)
		c->scope = (uint8_t)plen;
}

static const struct dnsp_geo_loc *client_geo(struct dnsp_route_client *c)
{
	if (!(c->looked & LK_GEO)) {
		int plen = 0;
		c->looked |= LK_GEO;
		c->geo = NULL;
		if (c->family && c->data && c->data->geo)
			c->geo = dnsp_geo_lookup(c->data, c->family, c->addr, &plen);
		c->geo_plen = (int8_t)(c->geo ? plen : -1);
	}
	return c->geo;
}

/* Scope of a decision that used the geo lookup: the matched prefix, or the
 * query prefix on a miss. */
static void geo_scope(struct dnsp_route_client *c)
{
	if (c->family)
		raise_scope(c, c->geo_plen >= 0 ? c->geo_plen : c->qplen);
}

static const uint16_t *client_latency(struct dnsp_route_client *c)
{
	if (!(c->looked & LK_LAT)) {
		int plen = 0;
		c->looked |= LK_LAT;
		c->lat_row = NULL;
		if (c->family && c->data && c->data->latency)
			c->lat_row = dnsp_latency_lookup(c->data, c->family, c->addr, &plen);
		c->lat_plen = (int8_t)(c->lat_row ? plen : -1);
	}
	return c->lat_row;
}

/* Client position as a unit vector; false when the client has no
 * coordinates. */
static bool client_xyz(struct dnsp_route_client *c, double v[3])
{
	const struct dnsp_geo_loc *g = client_geo(c);
	if (!g || isnan(g->lat) || isnan(g->lon))
		return false;
	if (c->data->geo_xyz) {
		const double *x = &c->data->geo_xyz[3 * (size_t)(g - c->data->geo_locs)];
		v[0] = x[0];
		v[1] = x[1];
		v[2] = x[2];
		return true;
	}
	double sla, cla, slo, clo;
	sincos(g->lat * (M_PI / 180.0), &sla, &cla);
	sincos(g->lon * (M_PI / 180.0), &slo, &clo);
	v[0] = cla * clo;
	v[1] = cla * slo;
	v[2] = sla;
	return true;
}

/*
 * acos for x in [-1, 1] by Abramowitz & Stegun 4.4.45: one sqrt and a cubic,
 * |error| ≤ 5e-5 rad, 0.32 km on the Earth's surface. Distances only rank
 * candidates, and geo databases place a client to within tens of
 * kilometres, so a ranking that flips within 0.32 km of a tie has no
 * observable cost; the cubic is a quarter of libm's acos and a third fewer
 * instructions than the degree-7 form (4.4.46) it replaced.
 */
static inline double fast_acos(double x)
{
	double a = fabs(x);
	double p = ((-0.0187293 * a + 0.0742610) * a - 0.2121144) * a + 1.5707288;
	double r = sqrt(1.0 - a) * p;
	return x < 0 ? M_PI - r : r;
}

/* Central angle in radians between two unit vectors. */
static inline double arc(const double *a, const double *b)
{
	double d = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
	d = d > 1.0 ? 1.0 : d;
	return fast_acos(d < -1.0 ? -1.0 : d);
}

/* ---- health ---- */

static bool subtree_ok(const struct dnsp_rrset *rs, struct dnsp_route_client *c,
		       unsigned depth);

static inline bool slot_ok(const struct dnsp_route_client *c, uint32_t slot)
{
	return slot == DNSP_HEALTH_NONE || !c->health || dnsp_health_ok(c->health, slot);
}

/* SEMANTICS §1.5: an alias with its own check and EvaluateTargetHealth is
 * healthy only when both are. */
static bool member_ok(const struct dnsp_route_member *m, struct dnsp_route_client *c,
		      unsigned depth)
{
	if (likely(!(m->flags & DNSP_RM_DYNAMIC)))
		return true;
	if (!slot_ok(c, m->health))
		return false;
	if (m->flags & DNSP_RM_ETH)
		return subtree_ok(m->rrset, c, depth + 1);
	return true;
}

/* Candidate chain of a location policy for c (most specific first). */
static unsigned geo_chain(const struct dnsp_route_policy *p, struct dnsp_route_client *c,
			  uint16_t chain[4]);
static unsigned ip_chain(const struct dnsp_route_policy *p, struct dnsp_route_client *c,
			 uint16_t chain[2]);

static bool policy_ok(const struct dnsp_route_policy *p, struct dnsp_route_client *c,
		      unsigned depth)
{
	if (!(p->flags & DNSP_RP_DYNAMIC))
		return true;
	uint16_t chain[4];
	unsigned n;
	switch (p->kind) {
	case DNSP_ROUTE_GEOLOCATION:
		n = geo_chain(p, c, chain);
		break;
	case DNSP_ROUTE_IPBASED:
		n = ip_chain(p, c, chain);
		break;
	default:
		for (uint16_t i = 0; i < p->nmembers; i++)
			if (member_ok(&p->members[i], c, depth))
				return true;
		return false;
	}
	for (unsigned i = 0; i < n; i++)
		if (member_ok(&p->members[chain[i]], c, depth))
			return true;
	return false;
}

static bool subtree_ok(const struct dnsp_rrset *rs, struct dnsp_route_client *c,
		       unsigned depth)
{
	for (; rs && depth <= DNSP_ROUTE_DEPTH; depth++) {
		if (c->budget == 0)
			return true;
		c->budget--;
		if (rs->policy)
			return policy_ok(rs->policy, c, depth);
		if (!rs->alias)
			return true; /* data without a check of its own */
		rs = dnsp_znode_rrset(rs->alias, rs->type);
	}
	return rs != NULL;
}

bool dnsp_route_healthy(const struct dnsp_rrset *rs, struct dnsp_route_client *c)
{
	return subtree_ok(rs, c, 0);
}

/* ---- the eight decisions ---- */

/* Weighted pick over all members, health ignored: weight/sum, or uniform
 * when every weight is 0 (SEMANTICS §2). */
static uint16_t weighted_static(const struct dnsp_route_policy *p, struct dnsp_route_client *c)
{
	uint32_t total = p->u.weighted.total;
	if (unlikely(total == 0))
		return (uint16_t)rnd_below(c, p->nmembers);
	uint32_t r = rnd_below(c, total);
	const uint32_t *cum = p->u.weighted.cum;
	uint32_t lo = 0, hi = p->nmembers - 1u;
	while (lo < hi) { /* first member whose cumulative weight exceeds r */
		uint32_t mid = (lo + hi) / 2;
		if (cum[mid] > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (uint16_t)lo;
}

/* SEMANTICS §2: healthy nonzero weights first; zero weights only when every
 * nonzero one is unhealthy; none healthy → as if all were. */
static uint16_t weighted_pick(const struct dnsp_route_policy *p, struct dnsp_route_client *c)
{
	if (likely(!(p->flags & DNSP_RP_DYNAMIC)))
		return weighted_static(p, c);
	uint16_t n = p->nmembers;
	uint8_t ok[DNSP_ROUTE_MAX_MEMBERS];
	uint32_t htotal = 0, nzero = 0;
	for (uint16_t i = 0; i < n; i++) {
		const struct dnsp_route_member *m = &p->members[i];
		ok[i] = member_ok(m, c, 0);
		if (ok[i]) {
			htotal += m->key;
			nzero += m->key == 0;
		}
	}
	if (htotal > 0) {
		uint32_t r = rnd_below(c, htotal), acc = 0;
		for (uint16_t i = 0; i < n; i++) {
			if (!ok[i])
				continue;
			acc += p->members[i].key;
			if (acc > r)
				return i;
		}
	} else if (nzero > 0) {
		uint32_t r = rnd_below(c, nzero);
		for (uint16_t i = 0; i < n; i++)
			if (ok[i] && p->members[i].key == 0 && r-- == 0)
				return i;
	}
	return weighted_static(p, c);
}

/* SEMANTICS §4: PRIMARY while healthy, else a healthy SECONDARY, else
 * PRIMARY. */
static uint16_t failover_pick(const struct dnsp_route_policy *p, struct dnsp_route_client *c)
{
	uint16_t pri = p->u.failover.primary, sec = p->u.failover.secondary;
	if (pri == NONE16)
		return sec;
	if (sec == NONE16 || !(p->flags & DNSP_RP_DYNAMIC))
		return pri;
	if (member_ok(&p->members[pri], c, 0) || !member_ok(&p->members[sec], c, 0))
		return pri;
	return sec;
}

/* SEMANTICS §3: up to eight healthy sets at random; none healthy → up to
 * eight of all. The sets come in random order. */
static unsigned multivalue_pick(const struct dnsp_route_policy *p, struct dnsp_route_client *c,
				const struct dnsp_rrset **out)
{
	uint16_t idx[DNSP_ROUTE_MAX_MEMBERS];
	uint16_t n = 0, total = p->nmembers;
	if (p->flags & DNSP_RP_DYNAMIC)
		for (uint16_t i = 0; i < total; i++)
			if (member_ok(&p->members[i], c, 0))
				idx[n++] = i;
	if (n == 0) {
		for (uint16_t i = 0; i < total; i++)
			idx[i] = i;
		n = total;
	}
	unsigned k = n < DNSP_ROUTE_MAX_ANSWERS ? n : DNSP_ROUTE_MAX_ANSWERS;
	if (n <= DNSP_ROUTE_MAX_ANSWERS) {
		uint32_t start = rnd_below(c, n); /* rotate: every set, varying order */
		for (unsigned i = 0; i < k; i++)
			out[i] = p->members[idx[(start + i) % n]].rrset;
		return k;
	}
	for (unsigned i = 0; i < k; i++) { /* partial Fisher-Yates */
		uint32_t j = i + rnd_below(c, (uint32_t)(n - i));
		uint16_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		out[i] = p->members[idx[i]].rrset;
	}
	return k;
}

/*
 * Lowest-score choice, fed one member at a time: the lowest among healthy
 * members, and the lowest overall for when none is healthy (ties:
 * configuration order). Scores stay in registers; health is read only for
 * a member that would improve the healthy choice.
 */
struct ranking {
	double sbest, sany;
	uint16_t best, any;
};

static inline void rank_init(struct ranking *k)
{
	k->sbest = k->sany = HUGE_VAL;
	k->best = k->any = NONE16;
}

static inline void rank_add(struct ranking *k, const struct dnsp_route_policy *p,
			    struct dnsp_route_client *c, uint16_t i, double score)
{
	if (score < k->sany) {
		k->sany = score;
		k->any = i;
	}
	if (score < k->sbest &&
	    (!(p->flags & DNSP_RP_DYNAMIC) || member_ok(&p->members[i], c, 0))) {
		k->sbest = score;
		k->best = i;
	}
}

static inline uint16_t rank_pick(const struct ranking *k)
{
	return k->best != NONE16 ? k->best : k->any;
}

/*
 * SEMANTICS §7: the Region with the lowest RTT for the client's prefix in
 * the latency table. Regions the row does not measure rank after measured
 * ones; among those (and when the client is not in the table at all) the
 * Region nearest the client's geo coordinates wins; without coordinates,
 * configuration order.
 */
static uint16_t latency_pick(const struct dnsp_route_policy *p, struct dnsp_route_client *c)
{
	double v[3] = { 0, 0, 0 };
	const uint16_t *row = client_latency(c);
	bool have_xyz = false, looked = false;
	struct ranking k;

	rank_init(&k);
	if (row)
		raise_scope(c, c->lat_plen);
	else if (c->family)
		raise_scope(c, c->qplen); /* not in the table: valid for this subnet */
	for (uint16_t i = 0; i < p->nmembers; i++) {
		uint16_t rtt = row ? row[p->members[i].key] : UINT16_MAX;
		double score = rtt;
		if (rtt == UINT16_MAX) {
			if (!looked) {
				looked = true;
				have_xyz = client_xyz(c, v);
				geo_scope(c);
			}
			score = have_xyz ? 1e6 + arc(v, &p->u.prox.xyz[3 * i]) : 1e9 + i;
		}
		rank_add(&k, p, c, i, score);
	}
	return rank_pick(&k);
}

/*
 * SEMANTICS §6: the smallest biased great-circle distance, bias > 0:
 * d × (1 − bias/100), bias < 0: d ÷ (1 + bias/100) (the factor is
 * precomputed per member). Without client coordinates: configuration order.
 */
static uint16_t geoproximity_pick(const struct dnsp_route_policy *p, struct dnsp_route_client *c)
{
	double v[3] = { 0, 0, 0 };
	bool have = client_xyz(c, v);
	struct ranking k;
	geo_scope(c);
	rank_init(&k);
	if (!have) {
		for (uint16_t i = 0; i < p->nmembers; i++)
			rank_add(&k, p, c, i, (double)i);
	} else if (p->u.prox.unbiased) { /* nearest = largest cosine: no acos */
		for (uint16_t i = 0; i < p->nmembers; i++) {
			const double *x = &p->u.prox.xyz[3 * i];
			rank_add(&k, p, c, i, -(v[0] * x[0] + v[1] * x[1] + v[2] * x[2]));
		}
	} else {
		for (uint16_t i = 0; i < p->nmembers; i++)
			rank_add(&k, p, c, i, arc(v, &p->u.prox.xyz[3 * i]) * p->u.prox.factor[i]);
	}
	return rank_pick(&k);
}

/* Geolocation keys: level in the top byte, then packed upper-case codes. */
#define GEO_CONT 1ull
#define GEO_COUNTRY 2ull
#define GEO_SUB 3ull

/* Upper-case code of up to max (≤ 3) characters as an integer, stopping at
 * the NUL (bytes after it are never read). */
static inline uint64_t pack_code(const char *s, unsigned max)
{
	uint64_t v = 0;
	unsigned i = 0;
	for (; i < max && s[i]; i++)
		v = v << 8 | (uint8_t)s[i];
	return v << (8 * (max - i));
}

static uint64_t geo_key(uint64_t level, const char *continent, const char *country,
			const char *sub)
{
	switch (level) {
	case GEO_SUB:
		return GEO_SUB << 56 | pack_code(country, 2) << 24 | pack_code(sub, 3);
	case GEO_COUNTRY:
		return GEO_COUNTRY << 56 | pack_code(country, 2) << 24;
	default:
		return GEO_CONT << 56 | pack_code(continent, 2) << 24;
	}
}

static uint16_t geo_find(const struct dnsp_route_policy *p, uint64_t key)
{
	const struct dnsp_route_geo_key *k = p->u.geo.keys;
	uint32_t lo = 0, hi = p->u.geo.nkeys;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (k[mid].key == key)
			return k[mid].member;
		if (k[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NONE16;
}

/* SEMANTICS §5: subdivision > country > continent > "*". A US address with
 * no state falls to the US record, then "*". An address the geo database
 * does not know gets "*". Few keys: one linear pass finds all three levels;
 * many (a set per country): three binary searches. */
static unsigned geo_chain(const struct dnsp_route_policy *p, struct dnsp_route_client *c,
			  uint16_t chain[4])
{
	const struct dnsp_geo_loc *g = client_geo(c);
	unsigned n = 0;
	geo_scope(c);
	if (g) {
		uint64_t cc = pack_code(g->country, 2) << 24;
		uint64_t ks = g->country[0] && g->subdivision[0]
				      ? GEO_SUB << 56 | cc | pack_code(g->subdivision, 3) : 0;
		uint64_t kc = g->country[0] ? GEO_COUNTRY << 56 | cc : 0;
		uint64_t kn = g->continent[0] ? GEO_CONT << 56 | pack_code(g->continent, 2) << 24 : 0;
		uint16_t ms = NONE16, mc = NONE16, mn = NONE16;
		const struct dnsp_route_geo_key *k = p->u.geo.keys;
		if (p->u.geo.nkeys <= 8) {
			for (uint16_t i = 0; i < p->u.geo.nkeys; i++) {
				ms = k[i].key == ks ? k[i].member : ms;
				mc = k[i].key == kc ? k[i].member : mc;
				mn = k[i].key == kn ? k[i].member : mn;
			}
		} else {
			ms = ks ? geo_find(p, ks) : NONE16;
			mc = kc ? geo_find(p, kc) : NONE16;
			mn = kn ? geo_find(p, kn) : NONE16;
		}
		if (ms != NONE16)
			chain[n++] = ms;
		if (mc != NONE16)
			chain[n++] = mc;
		if (mn != NONE16)
			chain[n++] = mn;
	}
	if (p->u.geo.def != NONE16)
		chain[n++] = p->u.geo.def;
	return n;
}

/* SEMANTICS §8: the longest block containing the query prefix (and no longer
 * than it), else "*". */
static unsigned ip_chain(const struct dnsp_route_policy *p, struct dnsp_route_client *c,
			 uint16_t chain[2])
{
	unsigned n = 0;
	uint32_t loc = DNSP_LPM_NONE;
	int plen = 0;
	if (c->family && p->u.ip.collection)
		loc = dnsp_cidr_lookup(p->u.ip.collection, c->family, c->addr, c->qplen, &plen);
	if (loc != DNSP_LPM_NONE) {
		raise_scope(c, plen);
		if (loc < p->u.ip.nlocations && p->u.ip.loc_member[loc] != NONE16)
			chain[n++] = p->u.ip.loc_member[loc];
	} else if (c->family) {
		raise_scope(c, c->qplen);
	}
	if (p->u.ip.def != NONE16)
		chain[n++] = p->u.ip.def;
	return n;
}

/* The first healthy entry of a chain, else its first; NONE16 when empty. */
static uint16_t chain_pick(const struct dnsp_route_policy *p, struct dnsp_route_client *c,
			   const uint16_t *chain, unsigned n)
{
	if (n == 0)
		return NONE16;
	if (p->flags & DNSP_RP_DYNAMIC)
		for (unsigned i = 0; i < n; i++)
			if (member_ok(&p->members[chain[i]], c, 0))
				return chain[i];
	return chain[0];
}

unsigned dnsp_route_select(const struct dnsp_route_policy *p, struct dnsp_route_client *c,
			   const struct dnsp_rrset *out[DNSP_ROUTE_MAX_ANSWERS])
{
	uint16_t chain[4], m;
	switch (p->kind) {
	case DNSP_ROUTE_WEIGHTED:
		m = weighted_pick(p, c);
		break;
	case DNSP_ROUTE_FAILOVER:
		m = failover_pick(p, c);
		break;
	case DNSP_ROUTE_MULTIVALUE:
		return multivalue_pick(p, c, out);
	case DNSP_ROUTE_LATENCY:
		m = latency_pick(p, c);
		break;
	case DNSP_ROUTE_GEOPROXIMITY:
		m = geoproximity_pick(p, c);
		break;
	case DNSP_ROUTE_GEOLOCATION:
		m = chain_pick(p, c, chain, geo_chain(p, c, chain));
		break;
	case DNSP_ROUTE_IPBASED:
		m = chain_pick(p, c, chain, ip_chain(p, c, chain));
		break;
	default:
		m = 0; /* SIMPLE: health ignored (SEMANTICS §1.7) */
		break;
	}
	if (m >= p->nmembers)
		return 0;
	out[0] = p->members[m].rrset;
	return 1;
}

unsigned dnsp_route_resolve(const struct dnsp_rrset *rs, struct dnsp_route_client *c,
			    const struct dnsp_rrset *out[DNSP_ROUTE_MAX_ANSWERS])
{
	struct dnsp_route_client local;
	if (!c) {
		dnsp_route_client_init(&local, NULL, NULL, NULL, 0, NULL, 0);
		c = &local;
	}
	for (unsigned step = 0; rs && step <= DNSP_ROUTE_DEPTH; step++) {
		if (rs->policy) {
			unsigned n = dnsp_route_select(rs->policy, c, out);
			if (n != 1)
				return n; /* none, or multivalue: data sets (compile checks) */
			rs = out[0];
			continue;
		}
		if (rs->alias) {
			rs = dnsp_znode_rrset(rs->alias, rs->type);
			continue;
		}
		out[0] = rs;
		return rs->count ? 1 : 0;
	}
	return 0;
}

/* ---- building ---- */


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

static const char *sid(const struct dnsp_route_attr *a)
{
	return a->set_id ? a->set_id : "?";
}

static void unit_vector(double lat, double lon, double *v)
{
	double la = lat * (M_PI / 180.0), lo = lon * (M_PI / 180.0);
	v[0] = cos(la) * cos(lo);
	v[1] = cos(la) * sin(lo);
	v[2] = sin(la);
}

int dnsp_route_data_prepare(struct dnsp_route_data *rd, dnsp_arena_t *arena)
{
	if (!rd || rd->ngeo_locs == 0)
		return 0;
	double *xyz = dnsp_arena_alloc(arena, sizeof(*xyz) * 3 * (size_t)rd->ngeo_locs);
	if (!xyz)
		return -ENOMEM;
	for (uint32_t i = 0; i < rd->ngeo_locs; i++) {
		const struct dnsp_geo_loc *g = &rd->geo_locs[i];
		unit_vector(g->lat, g->lon, &xyz[3 * i]); /* NaN in, NaN out */
	}
	rd->geo_xyz = xyz;
	return 0;
}

static int cmp_geo_key(const void *a, const void *b)
{
	const struct dnsp_route_geo_key *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int build_kind(dnsp_arena_t *arena, struct dnsp_route_policy *p,
		      struct dnsp_route_member *mem, const struct dnsp_route_attr *attrs,
		      uint16_t n, char *err, size_t errcap)
{
	switch (p->kind) {
	case DNSP_ROUTE_SIMPLE:
		if (n != 1)
			return fail(err, errcap, "a simple record set has exactly one set");
		return 0;
	case DNSP_ROUTE_WEIGHTED: {
		uint32_t *cum = dnsp_arena_alloc(arena, sizeof(*cum) * n);
		if (!cum)
			return -ENOMEM;
		uint32_t acc = 0;
		for (uint16_t i = 0; i < n; i++) {
			mem[i].key = attrs[i].weight;
			acc += attrs[i].weight;
			cum[i] = acc;
		}
		p->u.weighted.cum = cum;
		p->u.weighted.total = acc;
		return 0;
	}
	case DNSP_ROUTE_FAILOVER:
		p->u.failover.primary = p->u.failover.secondary = NONE16;
		for (uint16_t i = 0; i < n; i++) {
			uint16_t *slot = attrs[i].secondary ? &p->u.failover.secondary
							    : &p->u.failover.primary;
			if (*slot != NONE16)
				return fail(err, errcap, "two %s sets (%s and %s)",
					    attrs[i].secondary ? "SECONDARY" : "PRIMARY",
					    sid(&attrs[*slot]), sid(&attrs[i]));
			*slot = i;
			mem[i].key = attrs[i].secondary;
		}
		return 0;
	case DNSP_ROUTE_MULTIVALUE:
		return 0;
	case DNSP_ROUTE_LATENCY:
	case DNSP_ROUTE_GEOPROXIMITY: {
		double *xyz = dnsp_arena_alloc(arena, sizeof(*xyz) * 3 * n);
		double *factor = dnsp_arena_alloc(arena, sizeof(*factor) * n);
		if (!xyz || !factor)
			return -ENOMEM;
		for (uint16_t i = 0; i < n; i++) {
			const struct dnsp_route_attr *a = &attrs[i];
			if (!isfinite(a->lat) || !isfinite(a->lon) || fabs(a->lat) > 90 ||
			    fabs(a->lon) > 180)
				return fail(err, errcap, "set %s: no usable coordinates", sid(a));
			unit_vector(a->lat, a->lon, &xyz[3 * i]);
			if (p->kind == DNSP_ROUTE_LATENCY) {
				/* the key indexes latency rows of dnsp_nregions cells */
				if (a->region < 0 || (uint32_t)a->region >= dnsp_nregions)
					return fail(err, errcap, "set %s: unknown Region", sid(a));
				for (uint16_t j = 0; j < i; j++)
					if (attrs[j].region == a->region)
						return fail(err, errcap,
							    "sets %s and %s have the same Region",
							    sid(&attrs[j]), sid(a));
				mem[i].key = (uint16_t)a->region;
				continue;
			}
			if (a->bias < -99 || a->bias > 99)
				return fail(err, errcap, "set %s: Bias %d outside -99..99", sid(a),
					    a->bias);
			/* SEMANTICS §6 */
			factor[i] = a->bias >= 0 ? 1.0 - a->bias / 100.0 : 1.0 / (1.0 + a->bias / 100.0);
		}
		p->u.prox.xyz = xyz;
		p->u.prox.factor = factor;
		p->u.prox.unbiased = true;
		for (uint16_t i = 0; p->kind == DNSP_ROUTE_GEOPROXIMITY && i < n; i++)
			p->u.prox.unbiased &= attrs[i].bias == 0;
		return 0;
	}
	case DNSP_ROUTE_GEOLOCATION: {
		struct dnsp_route_geo_key *keys = dnsp_arena_alloc(arena, sizeof(*keys) * n);
		uint16_t nk = 0;
		if (!keys)
			return -ENOMEM;
		p->u.geo.def = NONE16;
		for (uint16_t i = 0; i < n; i++) {
			const struct dnsp_route_attr *a = &attrs[i];
			if (strcmp(a->country, "*") == 0) {
				if (p->u.geo.def != NONE16)
					return fail(err, errcap, "two default (\"*\") sets (%s and %s)",
						    sid(&attrs[p->u.geo.def]), sid(a));
				p->u.geo.def = i;
				continue;
			}
			uint64_t level = a->subdivision[0] ? GEO_SUB : a->country[0] ? GEO_COUNTRY
						       : a->continent[0] ? GEO_CONT : 0;
			if (!level)
				return fail(err, errcap, "set %s: no location", sid(a));
			keys[nk].key = geo_key(level, a->continent, a->country, a->subdivision);
			keys[nk].member = i;
			for (uint16_t j = 0; j < nk; j++)
				if (keys[j].key == keys[nk].key)
					return fail(err, errcap, "sets %s and %s have the same location",
						    sid(&attrs[keys[j].member]), sid(a));
			nk++;
		}
		qsort(keys, nk, sizeof(*keys), cmp_geo_key);
		p->u.geo.keys = keys;
		p->u.geo.nkeys = nk;
		return 0;
	}
	case DNSP_ROUTE_IPBASED: {
		const struct dnsp_cidr_collection *coll = attrs[0].collection;
		if (!coll)
			return fail(err, errcap, "set %s: no CIDR collection", sid(&attrs[0]));
		uint32_t nl = coll->nlocations;
		uint16_t *map = dnsp_arena_alloc(arena, sizeof(*map) * (nl ? nl : 1));
		if (!map)
			return -ENOMEM;
		for (uint32_t l = 0; l < nl; l++)
			map[l] = NONE16;
		p->u.ip.def = NONE16;
		for (uint16_t i = 0; i < n; i++) {
			const struct dnsp_route_attr *a = &attrs[i];
			if (a->collection != coll)
				return fail(err, errcap, "sets %s and %s use different CIDR collections",
					    sid(&attrs[0]), sid(a));
			uint16_t *slot = a->location == DNSP_ROUTE_LOC_DEFAULT ? &p->u.ip.def
					 : a->location < nl ? &map[a->location] : NULL;
			if (!slot)
				return fail(err, errcap, "set %s: location not in the collection",
					    sid(a));
			if (*slot != NONE16)
				return fail(err, errcap, "sets %s and %s have the same location",
					    sid(&attrs[*slot]), sid(a));
			*slot = i;
		}
		p->u.ip.collection = coll;
		p->u.ip.loc_member = map;
		p->u.ip.nlocations = nl;
		return 0;
	}
	default:
		return fail(err, errcap, "unknown routing policy %u", p->kind);
	}
}

int dnsp_route_policy_build(dnsp_arena_t *arena, uint8_t kind, uint16_t type,
			    const struct dnsp_rrset *const *member_rrsets,
			    const struct dnsp_route_attr *attrs, uint16_t n,
			    struct dnsp_route_policy **out, char *err, size_t errcap)
{
	if (!arena || !out || (n && (!member_rrsets || !attrs)))
		return -EINVAL;
	if (n == 0)
		return fail(err, errcap, "a %s rule without sets", dnsp_route_kind_name(kind));
	if (n > DNSP_ROUTE_MAX_MEMBERS)
		return fail(err, errcap, "more than %d sets in one %s rule", DNSP_ROUTE_MAX_MEMBERS,
			    dnsp_route_kind_name(kind));
	struct dnsp_route_policy *p = dnsp_arena_alloc_aligned(arena, sizeof(*p), 64);
	struct dnsp_route_member *mem = dnsp_arena_alloc(arena, sizeof(*mem) * n);
	if (!p || !mem)
		return -ENOMEM;
	p->kind = kind;
	p->type = type;
	p->nmembers = n;
	p->members = mem;
	for (uint16_t i = 0; i < n; i++) {
		mem[i].rrset = member_rrsets[i];
		mem[i].health = attrs[i].health;
		mem[i].flags = attrs[i].evaluate_target_health ? DNSP_RM_ETH : 0;
		if (attrs[i].set_id && !(mem[i].set_id = dnsp_arena_strdup(arena, attrs[i].set_id)))
			return -ENOMEM;
	}
	int rc = build_kind(arena, p, mem, attrs, n, err, errcap);
	if (rc < 0)
		return rc;
	*out = p;
	return 0;
}

static bool mark(struct dnsp_route_policy *p, unsigned depth);

/* Whether the health of the subtree at rs can change. */
static bool subtree_dynamic(const struct dnsp_rrset *rs, unsigned depth)
{
	for (; rs && depth <= DNSP_ROUTE_DEPTH; depth++) {
		if (rs->policy)
			return mark((struct dnsp_route_policy *)rs->policy, depth);
		if (!rs->alias)
			return false;
		rs = dnsp_znode_rrset(rs->alias, rs->type);
	}
	return false;
}

static bool mark(struct dnsp_route_policy *p, unsigned depth)
{
	if (p->flags & DNSP_RP_MARKED)
		return p->flags & DNSP_RP_DYNAMIC;
	bool dyn = false;
	struct dnsp_route_member *mem = (struct dnsp_route_member *)p->members;
	for (uint16_t i = 0; i < p->nmembers; i++) {
		bool md = mem[i].health != DNSP_HEALTH_NONE;
		if (mem[i].flags & DNSP_RM_ETH)
			md |= subtree_dynamic(mem[i].rrset, depth + 1);
		if (md)
			mem[i].flags |= DNSP_RM_DYNAMIC;
		else
			mem[i].flags &= (uint16_t)~DNSP_RM_DYNAMIC;
		dyn |= md;
	}
	/* A location policy without "*" may have no answer for a client: its
	 * subtree health then depends on who asks. */
	if ((p->kind == DNSP_ROUTE_GEOLOCATION && p->u.geo.def == NONE16) ||
	    (p->kind == DNSP_ROUTE_IPBASED && p->u.ip.def == NONE16))
		dyn = true;
	p->flags = (uint8_t)((dyn ? DNSP_RP_DYNAMIC : 0) | DNSP_RP_MARKED);
	return dyn;
}

void dnsp_route_policy_mark(struct dnsp_route_policy *p)
{
	if (p)
		mark(p, 0);
}
