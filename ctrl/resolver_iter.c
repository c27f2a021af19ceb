/*
 * Pure parts of iterative resolution (contract in resolver_iter.h):
 * response parsing with rdata decompression, classification with the
 * bailiwick check, the QNAME-minimisation schedule, the work budget and
 * upstream query building. Everything is bounds-checked against the
 * response length; every loop is bounded by a record count or a constant.
 */
#include <string.h>
#include "resolver_iter.h"
#include "../lib/wire/rdata.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* --------------------------------------------------------------- parsing */

/* Copies one (possibly compressed) name at msg[*off] into out; advances
 * *off past it. Returns the name length or a negative code. */
static int take_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, bool lower)
{
	size_t wl;
	int n = dnsp_name_unpack(msg, len, *off, out, &wl, lower);
	if (n < 0)
		return n;
	*off += wl;
	return n;
}

/*
 * Decompresses rdata of type at msg[off..off+rdlen) into out (cap bytes).
 * Types whose rdata holds names (RFC 1035 and RFC 3597 §4 "well-known"
 * types, plus SRV/DNAME that some servers compress anyway) are expanded;
 * the rest are copied verbatim. Returns the output length or < 0.
 */
static int rdata_expand(const uint8_t *msg, size_t len, size_t off, uint16_t rdlen,
			uint16_t type, uint8_t *out, size_t cap)
{
	size_t end = off + rdlen;
	size_t pos = off, o = 0;
	int fixed_before = 0, names = 0, fixed_after = 0;

	switch (type) {
	case DNSP_T_NS: case DNSP_T_CNAME: case DNSP_T_PTR: case DNSP_T_DNAME:
	case 3: case 4: case 7: case 8: case 9: /* MD MF MB MG MR */
		names = 1;
		break;
	case DNSP_T_MX: case 18: case 21: case 36: /* MX AFSDB RT KX */
		fixed_before = 2;
		names = 1;
		break;
	case DNSP_T_SRV:
		fixed_before = 6;
		names = 1;
		break;
	case DNSP_T_SOA:
		names = 2;
		fixed_after = 20;
		break;
	case 14: case 17: /* MINFO RP */
		names = 2;
		break;
	default:
		if (rdlen > cap)
			return DNSP_ENOSPACE;
		memcpy(out, msg + off, rdlen);
		return rdlen;
	}
	if (pos + (size_t)fixed_before > end || (size_t)fixed_before > cap)
		return DNSP_EMALFORMED;
	memcpy(out, msg + pos, (size_t)fixed_before);
	pos += (size_t)fixed_before;
	o += (size_t)fixed_before;
	for (int i = 0; i < names; i++) {
		uint8_t nm[DNSP_NAME_MAX];
		/* The name must start inside the rdata; pointers may go anywhere
		 * earlier in the message. */
		if (pos >= end)
			return DNSP_EMALFORMED;
		int n = take_name(msg, end, &pos, nm, false);
		if (n < 0)
			return n;
		if (o + (size_t)n > cap)
			return DNSP_ENOSPACE;
		memcpy(out + o, nm, (size_t)n);
		o += (size_t)n;
	}
	if (pos + (size_t)fixed_after != end || o + (size_t)fixed_after > cap)
		return DNSP_EMALFORMED;
	memcpy(out + o, msg + pos, (size_t)fixed_after);
	o += (size_t)fixed_after;
	(void)len;
	return (int)o;
}

static void parse_opt(struct dnsp_up_msg *m, uint16_t rclass, uint32_t ttl, const uint8_t *rd,
		      uint16_t rdlen)
{
	m->has_edns = true;
	(void)rclass;
	m->rcode = (uint16_t)((m->rcode & 0xf) | ((ttl >> 24) << 4));
	size_t p = 0;
	for (int guard = 0; p + 4 <= rdlen && guard < 64; guard++) {
		uint16_t code = rd16(rd + p), olen = rd16(rd + p + 2);
		if (p + 4 + olen > rdlen)
			break;
		if (code == DNSP_EDNS_OPT_ECS && olen >= 4) {
			m->has_ecs = true;
			m->ecs_family = rd16(rd + p + 4);
			m->ecs_source = rd[p + 6];
			m->ecs_scope = rd[p + 7];
		}
		p += 4u + olen;
	}
}

int dnsp_up_parse(const uint8_t *pkt, size_t len, struct dnsp_up_msg *m)
{
	m->nrr = 0;
	m->rdata_used = 0;
	m->rr_overflow = false;
	m->has_question = false;
	m->has_edns = m->has_ecs = false;
	if (len < DNSP_HDR_LEN)
		return DNSP_ETRUNC;
	m->id = rd16(pkt);
	m->flags = rd16(pkt + 2);
	m->rcode = m->flags & 0xf;
	for (int i = 0; i < 4; i++)
		m->counts[i] = rd16(pkt + 4 + 2 * i);
	size_t off = DNSP_HDR_LEN;
	if (m->counts[0] > 1)
		return DNSP_EMALFORMED;
	if (m->counts[0] == 1) {
		if (take_name(pkt, len, &off, m->qname, false) < 0 || off + 4 > len)
			return DNSP_EMALFORMED;
		m->qtype = rd16(pkt + off);
		m->qclass = rd16(pkt + off + 2);
		off += 4;
		m->has_question = true;
	}
	static const uint8_t sections[3] = { DNSP_SEC_ANSWER, DNSP_SEC_AUTHORITY,
					     DNSP_SEC_ADDITIONAL };
	for (int s = 0; s < 3; s++) {
		for (uint32_t i = 0; i < m->counts[s + 1]; i++) {
			uint8_t owner[DNSP_NAME_MAX];
			if (take_name(pkt, len, &off, owner, true) < 0 || off + 10 > len)
				return DNSP_EMALFORMED;
			uint16_t type = rd16(pkt + off), rclass = rd16(pkt + off + 2);
			uint32_t ttl = rd32(pkt + off + 4);
			uint16_t rdlen = rd16(pkt + off + 8);
			off += 10;
			if (off + rdlen > len)
				return DNSP_ETRUNC;
			if (type == DNSP_T_OPT) {
				if (sections[s] == DNSP_SEC_ADDITIONAL && owner[0] == 0)
					parse_opt(m, rclass, ttl, pkt + off, rdlen);
				off += rdlen;
				continue;
			}
			if (m->nrr >= DNSP_UP_RR_MAX) {
				m->rr_overflow = true;
				off += rdlen;
				continue;
			}
			struct dnsp_up_rr *rr = &m->rr[m->nrr];
			int n = rdata_expand(pkt, len, off, rdlen, type, m->rdata + m->rdata_used,
					     DNSP_UP_RDATA_MAX - m->rdata_used);
			if (n < 0)
				return DNSP_EMALFORMED;
			/* Rdata a hostile server shapes freely (an A of 40 bytes, an
			 * AAAA of 3) must not reach the cache or the glue copied into
			 * fixed address slots: the message is garbage, drop it. */
			if (dnsp_rdata_check(type, m->rdata + m->rdata_used, (size_t)n) != 0)
				return DNSP_EMALFORMED;
			memcpy(rr->owner, owner, dnsp_name_len(owner));
			rr->section = sections[s];
			rr->type = type;
			rr->rclass = rclass;
			/* RFC 2181 §8: a TTL with the top bit set means zero. */
			rr->ttl = (ttl & 0x80000000u) ? 0 : ttl;
			rr->rdlen = (uint16_t)n;
			rr->rdoff = m->rdata_used;
			m->rdata_used += (uint32_t)n;
			m->nrr++;
			off += rdlen;
		}
	}
	return 0;
}

bool dnsp_up_matches(const struct dnsp_up_msg *m, uint16_t id, const uint8_t *qname,
		     uint16_t qtype, bool exact_case)
{
	if (!(m->flags & DNSP_FLAG_QR) || DNSP_OPCODE(m->flags) != 0 || m->id != id)
		return false;
	if (!m->has_question || m->qtype != qtype || m->qclass != DNSP_CLASS_IN)
		return false;
	if (exact_case) {
		size_t n = dnsp_name_len(qname);
		return dnsp_name_len(m->qname) == n && memcmp(m->qname, qname, n) == 0;
	}
	return dnsp_name_equal(m->qname, qname);
}

/* ------------------------------------------------------------ classifying */

static bool keep_push(struct dnsp_up_class *c, uint16_t i)
{
	if (c->nkeep >= DNSP_UP_KEEP_MAX)
		return false;
	for (uint16_t k = 0; k < c->nkeep; k++)
		if (c->keep[k] == i)
			return true;
	c->keep[c->nkeep++] = i;
	return true;
}

static bool is_strict_below(const uint8_t *name, const uint8_t *zone)
{
	return dnsp_name_in(name, zone) && !dnsp_name_equal(name, zone);
}

/*
 * True when name was already reached by the chain: it is the qname or the
 * owner of a CNAME kept as a link (a name the chain left through a CNAME,
 * or the one a DNAME step rewrote when the server sent the synthesised
 * CNAME). During the chain walk keep[] holds links only. Bounded by nkeep.
 */
static bool chain_seen(const struct dnsp_up_msg *m, const struct dnsp_up_class *c,
		       const uint8_t *qname, const uint8_t *name)
{
	if (dnsp_name_equal(name, qname))
		return true;
	for (uint16_t k = 0; k < c->nkeep; k++) {
		const struct dnsp_up_rr *rr = &m->rr[c->keep[k]];
		if (rr->type == DNSP_T_CNAME && dnsp_name_equal(rr->owner, name))
			return true;
	}
	return false;
}

/* DNAME substitution (RFC 6672 §2.2): cur = prefix + owner → prefix + target.
 * Returns the new length or DNSP_ENAME when it would exceed 255 bytes. */
static int dname_subst(const uint8_t *cur, const uint8_t *owner, const uint8_t *target,
		       uint8_t out[DNSP_NAME_MAX])
{
	size_t cl = dnsp_name_len(cur), ol = dnsp_name_len(owner), tl = dnsp_name_len(target);
	if (ol > cl)
		return DNSP_ENAME;
	size_t prefix = cl - ol;
	if (prefix + tl > DNSP_NAME_MAX)
		return DNSP_ENAME;
	memmove(out, cur, prefix);
	memcpy(out + prefix, target, tl);
	return (int)(prefix + tl);
}

int dnsp_up_classify(const struct dnsp_up_msg *m, const uint8_t *qname, uint16_t qtype,
		     const uint8_t *zone, uint32_t max_chain, struct dnsp_up_class *c)
{
	memset(c, 0, sizeof(*c));
	uint8_t cur[DNSP_NAME_MAX];
	memcpy(cur, qname, dnsp_name_len(qname));
	dnsp_name_lower(cur);

	uint16_t rc = m->rcode;
	if (rc == DNSP_RCODE_FORMERR) {
		c->kind = DNSP_UP_FORMERR;
		return 0;
	}
	if (rc != DNSP_RCODE_NOERROR && rc != DNSP_RCODE_NXDOMAIN) {
		c->kind = DNSP_UP_SERVFAIL;
		return 0;
	}

	bool answered = false;
	for (uint32_t step = 0; step <= max_chain + 1; step++) {
		if (!dnsp_name_in(cur, zone))
			break; /* out of this server's bailiwick: never trust its data */
		bool found = false;
		for (uint16_t i = 0; i < m->nrr; i++) {
			const struct dnsp_up_rr *rr = &m->rr[i];
			if (rr->section != DNSP_SEC_ANSWER || rr->rclass != DNSP_CLASS_IN ||
			    !dnsp_name_equal(rr->owner, cur))
				continue;
			if (rr->type == qtype || (qtype == DNSP_T_ANY && rr->type != DNSP_T_RRSIG)) {
				keep_push(c, i);
				found = true;
			}
		}
		if (found) {
			answered = true;
			break;
		}
		if (step == max_chain + 1 || c->nchain >= max_chain)
			break;
		/* A DNAME at a proper ancestor of the current name, in bailiwick,
		 * comes first: it carries the CNAME synthesised from it. */
		int link = -1;
		for (uint16_t i = 0; i < m->nrr && link < 0; i++) {
			const struct dnsp_up_rr *rr = &m->rr[i];
			if (rr->section == DNSP_SEC_ANSWER && rr->type == DNSP_T_DNAME &&
			    rr->rclass == DNSP_CLASS_IN && is_strict_below(cur, rr->owner) &&
			    dnsp_name_in(rr->owner, zone))
				link = i;
		}
		if (link < 0) {
			/* CNAME at the current name. */
			for (uint16_t i = 0; i < m->nrr && link < 0; i++) {
				const struct dnsp_up_rr *rr = &m->rr[i];
				if (rr->section == DNSP_SEC_ANSWER && rr->type == DNSP_T_CNAME &&
				    rr->rclass == DNSP_CLASS_IN && dnsp_name_equal(rr->owner, cur))
					link = i;
			}
			if (link < 0)
				break;
			keep_push(c, (uint16_t)link);
			c->nchain++;
			const struct dnsp_up_rr *rr = &m->rr[link];
			memcpy(cur, dnsp_up_rdata(m, rr), rr->rdlen);
			dnsp_name_lower(cur);
			/* A loop (a -> b -> a): the name was reached before and
			 * had no answer then, so following on only spends the
			 * budget. Stop there, as an exhausted budget would. */
			if (chain_seen(m, c, qname, cur))
				break;
			continue;
		}
		const struct dnsp_up_rr *d = &m->rr[link];
		uint8_t next[DNSP_NAME_MAX];
		if (dname_subst(cur, d->owner, dnsp_up_rdata(m, d), next) < 0) {
			c->kind = DNSP_UP_SERVFAIL; /* YXDOMAIN (RFC 6672 §2.2) */
			return 0;
		}
		dnsp_name_lower(next);
		keep_push(c, (uint16_t)link);
		c->nchain++;
		/* The CNAME synthesised from it, when the server sent one. */
		bool synth = false;
		for (uint16_t i = 0; i < m->nrr; i++) {
			const struct dnsp_up_rr *rr = &m->rr[i];
			if (rr->section == DNSP_SEC_ANSWER && rr->type == DNSP_T_CNAME &&
			    rr->rclass == DNSP_CLASS_IN && dnsp_name_equal(rr->owner, cur) &&
			    dnsp_name_equal(dnsp_up_rdata(m, rr), next)) {
				keep_push(c, i);
				synth = true;
				break;
			}
		}
		if (!synth)
			c->synthesized = true;
		memcpy(cur, next, dnsp_name_len(next));
		if (chain_seen(m, c, qname, cur))
			break; /* a loop through this DNAME, as above */
	}
	memcpy(c->next, cur, dnsp_name_len(cur));

	/* Bailiwick accounting: answer records we did not keep whose owner is
	 * outside the zone (what a poisoning attempt looks like). */
	for (uint16_t i = 0; i < m->nrr; i++) {
		const struct dnsp_up_rr *rr = &m->rr[i];
		if ((rr->section == DNSP_SEC_ANSWER || rr->section == DNSP_SEC_ADDITIONAL) &&
		    !dnsp_name_in(rr->owner, zone)) {
			bool kept = false;
			for (uint16_t k = 0; k < c->nkeep && !kept; k++)
				kept = c->keep[k] == i;
			if (!kept)
				c->dropped++;
		}
	}

	if (answered) {
		c->kind = DNSP_UP_ANSWER;
		return 0;
	}
	if (!dnsp_name_in(cur, zone)) {
		c->kind = c->nchain > 0 ? DNSP_UP_CNAME : DNSP_UP_LAME;
		return 0;
	}

	/* Negative: the SOA of an enclosing zone, in bailiwick (RFC 2308 §2). */
	int soa = -1;
	for (uint16_t i = 0; i < m->nrr && soa < 0; i++) {
		const struct dnsp_up_rr *rr = &m->rr[i];
		if (rr->section == DNSP_SEC_AUTHORITY && rr->type == DNSP_T_SOA &&
		    rr->rclass == DNSP_CLASS_IN && dnsp_name_in(cur, rr->owner) &&
		    dnsp_name_in(rr->owner, zone))
			soa = i;
	}
	if (rc == DNSP_RCODE_NXDOMAIN) {
		if (soa >= 0)
			keep_push(c, (uint16_t)soa);
		c->kind = DNSP_UP_NXDOMAIN;
		return 0;
	}
	if (soa >= 0) {
		keep_push(c, (uint16_t)soa);
		c->kind = DNSP_UP_NODATA;
		return 0;
	}

	/* Referral: NS for a zone strictly below ours that contains the name. */
	int nsi = -1;
	for (uint16_t i = 0; i < m->nrr && nsi < 0; i++) {
		const struct dnsp_up_rr *rr = &m->rr[i];
		if (rr->section == DNSP_SEC_AUTHORITY && rr->type == DNSP_T_NS &&
		    rr->rclass == DNSP_CLASS_IN && dnsp_name_in(cur, rr->owner))
			nsi = i;
	}
	if (nsi >= 0) {
		const uint8_t *cut = m->rr[nsi].owner;
		if (!is_strict_below(cut, zone)) {
			c->kind = DNSP_UP_LAME; /* upward or sideways referral */
			return 0;
		}
		memcpy(c->cut, cut, dnsp_name_len(cut));
		c->ns_ttl = UINT32_MAX;
		for (uint16_t i = 0; i < m->nrr; i++) {
			const struct dnsp_up_rr *rr = &m->rr[i];
			if (rr->section != DNSP_SEC_AUTHORITY || rr->type != DNSP_T_NS ||
			    rr->rclass != DNSP_CLASS_IN || !dnsp_name_equal(rr->owner, cut) ||
			    c->nns >= DNSP_UP_NS_MAX)
				continue;
			c->ns[c->nns++] = i;
			if (rr->ttl < c->ns_ttl)
				c->ns_ttl = rr->ttl;
		}
		for (uint16_t i = 0; i < m->nrr; i++) {
			const struct dnsp_up_rr *rr = &m->rr[i];
			if (rr->section != DNSP_SEC_ADDITIONAL || rr->rclass != DNSP_CLASS_IN ||
			    !((rr->type == DNSP_T_A && rr->rdlen == 4) ||
			      (rr->type == DNSP_T_AAAA && rr->rdlen == 16)) ||
			    c->nglue >= DNSP_UP_NS_MAX * 2)
				continue;
			bool named = false;
			for (uint16_t k = 0; k < c->nns && !named; k++)
				named = dnsp_name_equal(dnsp_up_rdata(m, &m->rr[c->ns[k]]), rr->owner);
			if (!named)
				continue;
			if (!dnsp_name_in(rr->owner, zone))
				continue; /* counted above as dropped */
			c->glue[c->nglue++] = i;
		}
		c->kind = DNSP_UP_REFERRAL;
		return 0;
	}
	if (c->nchain > 0) {
		c->kind = DNSP_UP_CNAME;
		return 0;
	}
	if ((m->flags & DNSP_FLAG_AA) && rc == DNSP_RCODE_NOERROR) {
		c->kind = DNSP_UP_NODATA; /* authoritative, but no SOA: not cacheable */
		return 0;
	}
	c->kind = DNSP_UP_LAME;
	return 0;
}

/* ---------------------------------------------------- QNAME minimisation */

int dnsp_qmin_next(int known_labels, int qname_labels, int count)
{
	int remaining = qname_labels - known_labels;
	if (remaining <= 1 || count >= DNSP_QMIN_MAX_COUNT)
		return qname_labels;
	if (count < DNSP_QMIN_ONE_LAB)
		return known_labels + 1;
	int step = remaining / (DNSP_QMIN_MAX_COUNT - count);
	if (step < 1)
		step = 1;
	return known_labels + step > qname_labels ? qname_labels : known_labels + step;
}

int dnsp_name_ancestor(const uint8_t *name, int labels, uint8_t out[DNSP_NAME_MAX])
{
	int total = dnsp_name_labels(name);
	const uint8_t *p = name;
	for (int skip = total - labels; skip > 0 && *p; skip--)
		p += 1 + *p;
	size_t n = dnsp_name_len(p);
	memmove(out, p, n);
	return (int)n;
}

/* ------------------------------------------------------------ work limits */

bool dnsp_work_charge(struct dnsp_work *w, const struct dnsp_work_limits *l,
		      enum dnsp_work_kind kind)
{
	uint32_t *v, lim;
	switch (kind) {
	case DNSP_WORK_REFERRAL: v = &w->referrals; lim = l->max_referrals; break;
	case DNSP_WORK_CNAME: v = &w->cnames; lim = l->max_cname_chain; break;
	case DNSP_WORK_QUERY: v = &w->queries; lim = l->max_upstream_queries; break;
	case DNSP_WORK_NS_LOOKUP: v = &w->ns_lookups; lim = l->max_ns_lookups; break;
	default: return false;
	}
	if (*v >= lim)
		return false;
	(*v)++;
	return true;
}

/* ------------------------------------------------------- query building */

int dnsp_up_build_query(uint8_t *buf, size_t cap, uint16_t id, bool rd, const uint8_t *qname,
			uint16_t qtype, bool edns, uint16_t udp_size, uint16_t ecs_family,
			uint8_t ecs_source, const uint8_t *ecs_addr)
{
	size_t nl = dnsp_name_len(qname);
	size_t need = DNSP_HDR_LEN + nl + 4 + (edns ? 11 + (ecs_family ? 4 + 4 + 16 : 0) : 0);
	if (need > cap)
		return DNSP_ENOSPACE;
	memset(buf, 0, DNSP_HDR_LEN);
	wr16(buf, id);
	wr16(buf + 2, rd ? DNSP_FLAG_RD : 0);
	wr16(buf + 4, 1);
	wr16(buf + 10, edns ? 1 : 0);
	size_t p = DNSP_HDR_LEN;
	memcpy(buf + p, qname, nl);
	p += nl;
	wr16(buf + p, qtype);
	wr16(buf + p + 2, DNSP_CLASS_IN);
	p += 4;
	if (edns) {
		buf[p] = 0;                     /* root owner */
		wr16(buf + p + 1, DNSP_T_OPT);
		wr16(buf + p + 3, udp_size);
		memset(buf + p + 5, 0, 4);      /* ext rcode, version 0, DO clear */
		size_t rdlen_at = p + 9;
		p += 11;
		uint16_t rdlen = 0;
		if (ecs_family == 1 || ecs_family == 2) {
			unsigned maxbits = ecs_family == 1 ? 32 : 128;
			unsigned bits = ecs_source > maxbits ? maxbits : ecs_source;
			unsigned nb = (bits + 7) / 8;
			wr16(buf + p, DNSP_EDNS_OPT_ECS);
			wr16(buf + p + 2, (uint16_t)(4 + nb));
			wr16(buf + p + 4, ecs_family);
			buf[p + 6] = (uint8_t)bits;
			buf[p + 7] = 0;         /* SCOPE must be 0 in queries */
			memcpy(buf + p + 8, ecs_addr, nb);
			if (bits % 8)
				buf[p + 8 + nb - 1] &= (uint8_t)(0xff << (8 - bits % 8));
			rdlen = (uint16_t)(8 + nb);
			p += rdlen;
		}
		wr16(buf + rdlen_at, rdlen);
	}
	return (int)p;
}
