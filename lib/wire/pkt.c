/*
 * DNS message parsing and response building in the query's own buffer.
 * The query parser is the per-packet fast path: it reads the header, copies
 * the question name lowercased with a table lookup per byte, and walks the
 * additional section for the OPT record, all with explicit bounds checks and
 * no allocation. The builder appends records after the question, compressing
 * owner names and the names inside RFC 1035 rdata against the names it has
 * already written (RFC 1035 §4.1.4), and keeps room for the OPT record so
 * that EDNS can always be echoed even when the answer is truncated.
 */
#include <string.h>
#include "pkt.h"


static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
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

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Bytes of an ECS address for a source prefix length (RFC 7871 §6). */
static inline size_t ecs_addr_bytes(uint8_t prefix)
{
	return ((size_t)prefix + 7) / 8;
}

/*
 * Lowercasing copy of n bytes, eight at a time: a byte is upper case when
 * its low seven bits are in 'A'..'Z' and its top bit is clear; adding 0x3f
 * and 0x25 to the low seven bits sets bit 7 exactly for >= 'A' and > 'Z'
 * without carries between bytes, and 0x80 >> 2 is the case bit 0x20. Length
 * bytes (< 0x40) pass unchanged, so a whole wire name is copied at once.
 */
static inline void copy_lower(uint8_t *dst, const uint8_t *src, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, src + i, 8);
		uint64_t h = x & (0x7f * ones);
		uint64_t upper = (h + 0x3f * ones) & ~(h + 0x25 * ones) & ~x & (0x80 * ones);
		x |= upper >> 2;
		memcpy(dst + i, &x, 8);
	}
	for (; i < n; i++)
		dst[i] = dnsp_lower_tab[src[i]];
}

/*
 * Skips a (possibly compressed) owner name in a record. The name is not
 * decompressed: records other than OPT are only stepped over, so it is
 * enough that the walk stays inside the packet. Returns the offset after the
 * name or a negative code.
 */
static int skip_name(const uint8_t *pkt, size_t len, size_t pos)
{
	while (pos < len) {
		uint8_t c = pkt[pos];
		if (c == 0)
			return (int)pos + 1;
		if (c >= 0xC0)
			return pos + 2 <= len ? (int)pos + 2 : DNSP_ETRUNC;
		if (c >= 0x40)
			return DNSP_EMALFORMED;
		pos += (size_t)c + 1;
	}
	return DNSP_ETRUNC;
}

/* Client Subnet option in a query (RFC 7871 §6, §7.1.2). */
static int parse_ecs(struct dnsp_query *q, const uint8_t *p, size_t olen)
{
	if (q->has_ecs || olen < 4)
		return DNSP_RCODE_FORMERR;
	uint16_t family = rd16(p);
	uint8_t source = p[2], scope = p[3];
	unsigned max = family == 1 ? 32 : family == 2 ? 128 : 0;
	if (max == 0 || source > max || scope != 0)
		return DNSP_RCODE_FORMERR;
	size_t nb = ecs_addr_bytes(source);
	if (olen - 4 != nb)
		return DNSP_RCODE_FORMERR;
	/* Bits past the source prefix must be zero (RFC 7871 §6 ADDRESS). */
	if ((source & 7) != 0 && (p[4 + nb - 1] & (0xffu >> (source & 7))) != 0)
		return DNSP_RCODE_FORMERR;
	memset(q->ecs_addr, 0, sizeof(q->ecs_addr));
	memcpy(q->ecs_addr, p + 4, nb);
	q->ecs_family = family;
	q->ecs_source_prefix = source;
	q->ecs_scope_prefix = 0;
	q->has_ecs = true;
	return 0;
}

/*
 * OPT pseudo-record (RFC 6891 §6.1.2-6.1.3). The class carries the UDP
 * payload size, the TTL the extended rcode, version and flags. Options are
 * walked with bounds checks only for version 0: other versions are answered
 * BADVERS and their option semantics are unknown.
 */
static int parse_opt(struct dnsp_query *q, uint16_t rclass, uint32_t ttl,
		     const uint8_t *rdata, size_t rdlen)
{
	q->has_edns = true;
	q->edns_udp_size = rclass < DNSP_UDP_DEFAULT ? DNSP_UDP_DEFAULT : rclass;
	q->edns_version = (uint8_t)(ttl >> 16);
	q->do_bit = (ttl & 0x8000) != 0;
	if (q->edns_version != 0)
		return DNSP_RCODE_BADVERS;
	size_t pos = 0;
	while (pos < rdlen) {
		if (rdlen - pos < 4)
			return DNSP_RCODE_FORMERR;
		uint16_t code = rd16(rdata + pos), olen = rd16(rdata + pos + 2);
		pos += 4;
		if (olen > rdlen - pos)
			return DNSP_RCODE_FORMERR;
		if (code == DNSP_EDNS_OPT_ECS) {
			int rc = parse_ecs(q, rdata + pos, olen);
			if (rc != 0)
				return rc;
		}
		pos += olen;
	}
	return 0;
}

int dnsp_pkt_parse_query(const uint8_t *pkt, size_t len, struct dnsp_query *q)
{
	if (unlikely(len < DNSP_HDR_LEN))
		return DNSP_ETRUNC;
	q->id = rd16(pkt);
	q->flags = rd16(pkt + 2);
	q->qtype = q->qclass = 0;
	q->qname_len = 0;
	q->nlabels = 0;
	q->question_end = DNSP_HDR_LEN;
	q->has_edns = q->do_bit = q->has_ecs = false;
	q->edns_version = 0;
	q->edns_udp_size = 0;
	q->ecs_family = 0;
	q->ecs_source_prefix = q->ecs_scope_prefix = 0;
	if (unlikely(q->flags & DNSP_FLAG_QR))
		return DNSP_EMALFORMED; /* never answer a response (RFC 1035 §4.1.1) */

	/* NOTIMP wins over FORMERR: other opcodes lay out sections differently. */
	int fail = DNSP_OPCODE(q->flags) != 0 ? DNSP_RCODE_NOTIMP : DNSP_RCODE_FORMERR;
	unsigned qdcount = rd16(pkt + 4), ancount = rd16(pkt + 6);
	unsigned nscount = rd16(pkt + 8), arcount = rd16(pkt + 10);
	if (unlikely(qdcount != 1))
		return fail;

	/*
	 * The question name is the first name in the message, so a compression
	 * pointer could only point into the header: reject it. First validate
	 * the label structure (one step per label), then copy the whole name in
	 * one lowercasing pass.
	 */
	size_t pos = DNSP_HDR_LEN;
	unsigned labels = 0;
	for (;;) {
		/* The root byte must sit within DNSP_NAME_MAX bytes of the start. */
		if (unlikely(pos >= len || pos - DNSP_HDR_LEN >= DNSP_NAME_MAX))
			return fail;
		uint8_t c = pkt[pos];
		if (c == 0)
			break;
		if (unlikely(c > DNSP_LABEL_MAX))
			return fail;
		q->qoffs[labels++] = (uint8_t)(pos - DNSP_HDR_LEN); /* < 255: checked above */
		pos += (size_t)c + 1;
	}
	size_t n = pos + 1 - DNSP_HDR_LEN;
	copy_lower(q->qname, pkt + DNSP_HDR_LEN, n);
	pos++;
	if (unlikely(pos + 4 > len))
		return fail;
	q->qtype = rd16(pkt + pos);
	q->qclass = rd16(pkt + pos + 2);
	pos += 4;
	q->qname_len = (uint8_t)n;
	q->nlabels = (uint8_t)labels;
	q->question_end = (uint16_t)pos;

	int rc = fail == DNSP_RCODE_NOTIMP ? DNSP_RCODE_NOTIMP : 0;
	if (rc == 0 && unlikely(ancount != 0 || nscount != 0))
		rc = DNSP_RCODE_FORMERR;
	if (likely(ancount + nscount + arcount == 0))
		return rc;

	/*
	 * Walk every record so the OPT in the additional section is found even
	 * when the answer is an error (the error response still carries EDNS).
	 * Each record is at least 11 bytes, so the walk is bounded by len.
	 */
	unsigned total = ancount + nscount + arcount, first_ar = ancount + nscount;
	int edns_rc = 0;
	for (unsigned i = 0; i < total; i++) {
		size_t start = pos;
		int next = skip_name(pkt, len, pos);
		if (next < 0)
			return rc ? rc : DNSP_RCODE_FORMERR;
		pos = (size_t)next;
		if (len - pos < 10)
			return rc ? rc : DNSP_RCODE_FORMERR;
		uint16_t type = rd16(pkt + pos), rclass = rd16(pkt + pos + 2);
		uint32_t ttl = rd32(pkt + pos + 4);
		uint16_t rdlen = rd16(pkt + pos + 8);
		pos += 10;
		if (len - pos < rdlen)
			return rc ? rc : DNSP_RCODE_FORMERR;
		if (i >= first_ar && type == DNSP_T_OPT) {
			/* One OPT, owned by the root (RFC 6891 §6.1.1). */
			if (q->has_edns || pos - 10 != start + 1 || pkt[start] != 0) {
				if (rc == 0)
					rc = DNSP_RCODE_FORMERR;
			} else {
				int orc = parse_opt(q, rclass, ttl, pkt + pos, rdlen);
				if (orc == DNSP_RCODE_FORMERR && rc == 0)
					rc = orc;
				else if (orc == DNSP_RCODE_BADVERS)
					edns_rc = orc;
			}
		}
		pos += rdlen;
	}
	return rc ? rc : edns_rc;
}

/* ---- response builder ---- */

#define LAB_NONE 0xff /* end of a list in the compression index (pkt.h) */

void dnsp_resp_init(struct dnsp_resp *r, uint8_t *buf, uint16_t cap, uint16_t limit,
		    const struct dnsp_query *q)
{
	uint16_t qend = q->question_end;
	if (qend > cap)
		qend = DNSP_HDR_LEN; /* contract breach: keep only the header */
	bool has_q = qend > DNSP_HDR_LEN;

	r->buf = buf;
	r->cap = cap;
	r->limit = limit < cap ? limit : cap;
	r->len = qend;
	r->count[0] = r->count[1] = r->count[2] = 0;
	r->truncated = false;
	r->rcode = 0;
	r->nlab = 0;
	r->lab_qn = 0;
	r->target_suffix = 0;
	r->lab_top = LAB_NONE;
	r->last_owner = r->last_target = 0;
	r->lab_question = !has_q; /* nothing to index without a question */
	r->qend = qend;
	r->reserve = 0;
	if (q->has_edns)
		r->reserve = (uint16_t)(11 + (q->has_ecs ? 8 + ecs_addr_bytes(q->ecs_source_prefix) : 0));

	wr16(buf, q->id);
	wr16(buf + 2, (uint16_t)(DNSP_FLAG_QR |
				 (q->flags & (0x7800 | DNSP_FLAG_RD | DNSP_FLAG_CD))));
	wr16(buf + 4, has_q ? 1 : 0);
	memset(buf + 6, 0, 6);
}

void dnsp_resp_set_flags(struct dnsp_resp *r, uint16_t set, uint16_t clear)
{
	wr16(r->buf + 2, (uint16_t)((rd16(r->buf + 2) | set) & ~clear));
}

void dnsp_resp_set_rcode(struct dnsp_resp *r, uint8_t rcode)
{
	r->rcode = rcode;
	wr16(r->buf + 2, (uint16_t)((rd16(r->buf + 2) & ~0xfu) | (rcode & 0xfu)));
}

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t ld32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/*
 * Labels a (from a name) and b (in the message) equal, ASCII case
 * ignored. Names in one answer almost always share their case, so the
 * bytes are first compared whole, with loads that stay inside the label
 * (overlapping at its end), and letter by letter only when that fails.
 */
static inline bool label_eq(const uint8_t *a, const uint8_t *b)
{
	unsigned n = a[0];
	if (n != b[0])
		return false;
	const uint8_t *x = a + 1, *y = b + 1;
	bool same = true;
	if (n >= 8) {
		for (unsigned k = 0; k + 8 <= n; k += 8)
			same &= ld64(x + k) == ld64(y + k);
		same &= ld64(x + n - 8) == ld64(y + n - 8);
	} else if (n >= 4) {
		same = ld32(x) == ld32(y) && ld32(x + n - 4) == ld32(y + n - 4);
	} else {
		for (unsigned k = 0; k < n; k++)
			same &= x[k] == y[k];
	}
	if (likely(same))
		return true;
	for (unsigned k = 0; k < n; k++)
		if (dnsp_lower_tab[x[k]] != dnsp_lower_tab[y[k]])
			return false;
	return true;
}

/* Adds an entry for the label at off under parent (LAB_NONE: top level). */
static inline unsigned index_add(struct dnsp_resp *r, unsigned parent, size_t off)
{
	unsigned e = r->nlab++;
	uint8_t *head = parent == LAB_NONE ? &r->lab_top : &r->lab_kid[parent];

	r->lab_off[e] = (uint16_t)off;
	r->lab_up[e] = (uint8_t)parent;
	r->lab_kid[e] = LAB_NONE;
	r->lab_sib[e] = *head;
	*head = (uint8_t)e;
	return e;
}

/* Removes the entries added after the index held n (newest first, so
 * each one is still at the head of its parent's list). */
static void index_rollback(struct dnsp_resp *r, uint8_t n)
{
	while (r->nlab > n) {
		unsigned e = --r->nlab;
		unsigned p = r->lab_up[e];
		uint8_t *head = p == LAB_NONE ? &r->lab_top : &r->lab_kid[p];
		*head = r->lab_sib[e];
	}
}

/*
 * Adds the question's labels to the compression index: at most the
 * rightmost DNSP_COMPRESS_MAX / 2 of them, so that answer names keep
 * room. The question was validated by the parser (no pointers), but the
 * walk is bounded by the question's end all the same.
 */
static void index_question(struct dnsp_resp *r)
{
	uint16_t at[DNSP_LABELS_MAX];
	unsigned n = 0;
	size_t pos = DNSP_HDR_LEN;

	r->lab_question = true;
	while (pos < r->qend && n < DNSP_LABELS_MAX) {
		uint8_t c = r->buf[pos];
		if (c == 0)
			break;
		if (c > DNSP_LABEL_MAX || pos + 1 + c >= r->qend)
			return; /* not a plain name: leave it out */
		at[n++] = (uint16_t)pos;
		pos += (size_t)c + 1;
	}
	unsigned first = n > DNSP_COMPRESS_MAX / 2 ? n - DNSP_COMPRESS_MAX / 2 : 0;
	unsigned parent = LAB_NONE;
	uint8_t n0 = r->nlab;
	for (unsigned k = n; k-- > first && r->nlab < DNSP_COMPRESS_MAX;)
		parent = index_add(r, parent, at[k]);
	/* entries 0.. are the question's, rightmost first, when it came first */
	r->lab_qn = n0 == 0 ? r->nlab : 0;
}

/*
 * Writes name at *pos (< end), replacing its longest suffix already present
 * in the message by a pointer (RFC 1035 §4.1.4): labels are matched from
 * the right, case-insensitively, down the compression index; the literal
 * part keeps the caller's case and its labels join the index. *spelt
 * (unless NULL) gets the offset where the whole name is spelt out (here,
 * or the target of the bare pointer written here), 0 when a pointer cannot
 * reach it or for the root. Returns 0 or DNSP_ENOSPACE.
 */
static int put_name(struct dnsp_resp *r, size_t *pos, size_t end, const uint8_t *name,
		    uint16_t *spelt, unsigned suffix)
{
	uint8_t offs[DNSP_LABELS_MAX];
	uint8_t *b = r->buf;
	int n = 0;
	size_t p = 0;

	if (!r->lab_question)
		index_question(r);
	/* name is valid (the caller checked it): at most 127 labels */
	while (name[p] != 0) {
		offs[n++] = (uint8_t)p;
		p += (size_t)name[p] + 1;
	}
	size_t nlen = p + 1;

	unsigned cur = LAB_NONE, e = r->lab_top;
	int i = n - 1;
	/* The caller's promise (dnsp_resp_target_suffix): the last `suffix`
	 * labels are the question's, indexed as entries 0..suffix-1. */
	if (suffix != 0 && suffix <= r->lab_qn && (int)suffix <= n) {
		cur = suffix - 1;
		e = r->lab_kid[cur];
		i = n - 1 - (int)suffix;
	}
	for (; i >= 0; i--) {
		const uint8_t *lab = name + offs[i];
		while (e != LAB_NONE && !label_eq(lab, b + r->lab_off[e]))
			e = r->lab_sib[e];
		if (e == LAB_NONE)
			break;
		cur = e;
		e = r->lab_kid[e];
	}

	/* Labels 0..i are written out; the rest is the pointer to cur. */
	size_t prefix = i + 1 < n ? offs[i + 1] : nlen - 1;
	size_t need = prefix + (cur != LAB_NONE ? 2 : 1);
	if (*pos + need > end)
		return DNSP_ENOSPACE;
	uint8_t *dst = b + *pos;
	memcpy(dst, name, prefix);
	if (cur != LAB_NONE)
		wr16(dst + prefix, (uint16_t)(0xC000 | r->lab_off[cur]));
	else
		dst[prefix] = 0;
	/* Where the whole name is spelt out: here, or where the bare pointer
	 * written here points; never the root alone. */
	if (spelt != NULL) {
		size_t whole = prefix == 0 && cur != LAB_NONE ? r->lab_off[cur] : *pos;
		*spelt = n > 0 && whole <= 0x3fff ? (uint16_t)whole : 0;
	}
	/* Right to left, so every entry's parent is already indexed. */
	for (int j = i; j >= 0 && r->nlab < DNSP_COMPRESS_MAX; j--) {
		size_t at = *pos + offs[j];
		if (at > 0x3fff)
			break;
		cur = index_add(r, cur, at);
	}
	*pos += need;
	return 0;
}

/* Types whose rdata names are compressed: NS, CNAME, SOA, PTR, MX. */
static inline bool has_rdata_names(uint16_t type)
{
	const unsigned mask = 1u << DNSP_T_NS | 1u << DNSP_T_CNAME | 1u << DNSP_T_SOA |
			      1u << DNSP_T_PTR | 1u << DNSP_T_MX;
	return type < 16 && (mask >> type & 1u) != 0;
}

/*
 * General case of dnsp_resp_put_rr: writes the record at r->len with owner
 * compression and rdata names, returning the new length or DNSP_ENOSPACE.
 */
static int write_rr(struct dnsp_resp *r, size_t end, const uint8_t *owner, uint16_t owner_at,
		    uint16_t type, uint16_t rclass, uint32_t ttl,
		    const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t *b = r->buf;
	size_t pos = r->len;
	uint16_t spelt = 0;
	unsigned suffix = r->target_suffix;

	r->target_suffix = 0;
	if (owner == NULL) {
		/* a pointer: to owner_at, else to the question name */
		if (unlikely(pos + 12 > end))
			return DNSP_ENOSPACE;
		spelt = owner_at ? owner_at : DNSP_HDR_LEN;
		wr16(b + pos, (uint16_t)(0xC000 | spelt));
		pos += 2;
	} else {
		if (put_name(r, &pos, end, owner, &spelt, 0) != 0 || pos + 10 > end)
			return DNSP_ENOSPACE;
	}
	r->last_owner = spelt;
	r->last_target = 0;
	wr16(b + pos, type);
	wr16(b + pos + 2, rclass);
	wr32(b + pos + 4, ttl);
	size_t rdlen_at = pos + 8;
	pos += 10;

	/*
	 * Only the RFC 1035 types may have their rdata names compressed (RFC
	 * 3597 §4); anything malformed is copied verbatim rather than rejected.
	 */
	bool done = false;
	size_t l1, l2;
	switch (type) {
	case DNSP_T_NS:
	case DNSP_T_CNAME:
	case DNSP_T_PTR:
		if (dnsp_name_wire_len(rdata, rdlen) == rdlen) {
			if (put_name(r, &pos, end, rdata, &r->last_target, suffix) != 0)
				return DNSP_ENOSPACE;
			done = true;
		}
		break;
	case DNSP_T_MX:
		if (rdlen > 2 && dnsp_name_wire_len(rdata + 2, rdlen - 2u) == rdlen - 2u) {
			if (pos + 2 > end)
				return DNSP_ENOSPACE;
			memcpy(b + pos, rdata, 2);
			pos += 2;
			if (put_name(r, &pos, end, rdata + 2, &r->last_target, suffix) != 0)
				return DNSP_ENOSPACE;
			done = true;
		}
		break;
	case DNSP_T_SOA:
		l1 = dnsp_name_wire_len(rdata, rdlen);
		l2 = l1 ? dnsp_name_wire_len(rdata + l1, rdlen - l1) : 0;
		if (l1 && l2 && l1 + l2 + 20 == rdlen) {
			if (put_name(r, &pos, end, rdata, NULL, 0) != 0 ||
			    put_name(r, &pos, end, rdata + l1, NULL, 0) != 0 || pos + 20 > end)
				return DNSP_ENOSPACE;
			memcpy(b + pos, rdata + l1 + l2, 20);
			pos += 20;
			done = true;
		}
		break;
	default:
		break;
	}
	if (!done) {
		if (pos + rdlen > end)
			return DNSP_ENOSPACE;
		if (rdlen)
			memcpy(b + pos, rdata, rdlen);
		pos += rdlen;
	}
	wr16(b + rdlen_at, (uint16_t)(pos - rdlen_at - 2));
	return (int)pos;
}

static inline void mark(const struct dnsp_resp *r, struct dnsp_resp_mark *m)
{
	m->len = r->len;
	memcpy(m->count, r->count, sizeof(m->count));
	m->nlab = r->nlab;
	m->lab_question = r->lab_question;
	m->last_owner = r->last_owner;
	m->last_target = r->last_target;
}

static inline void rollback(struct dnsp_resp *r, const struct dnsp_resp_mark *m)
{
	index_rollback(r, m->nlab);
	r->lab_question = m->lab_question;
	r->len = m->len;
	memcpy(r->count, m->count, sizeof(r->count));
	r->last_owner = m->last_owner;
	r->last_target = m->last_target;
}

/*
 * Out of line and reached by a tail call, so that the common record (owner
 * = qname, plain rdata) does not pay for this path's stack frame.
 */
static __attribute__((noinline)) int put_rr_general(struct dnsp_resp *r,
		enum dnsp_section sec, const uint8_t *owner, uint16_t owner_at, uint16_t type,
		uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t end = r->limit > r->reserve ? (size_t)(r->limit - r->reserve) : 0;
	/* Only what write_rr changes before it can fail: the index and the
	 * two offsets (len and counts move on success only). */
	uint8_t nlab = r->nlab;
	bool question = r->lab_question;
	int rc = write_rr(r, end, owner, owner_at, type, rclass, ttl, rdata, rdlen);
	if (rc < 0) {
		index_rollback(r, nlab);
		r->lab_question = question;
		r->last_owner = r->last_target = 0;
		r->truncated = true;
		return DNSP_ENOSPACE;
	}
	r->len = (uint16_t)rc;
	r->count[sec]++;
	return 0;
}

/* Records are appended, so sections must come in message order. */
static inline bool section_ok(const struct dnsp_resp *r, enum dnsp_section sec)
{
	return (unsigned)sec <= DNSP_SEC_ADDITIONAL &&
	       (sec == DNSP_SEC_ADDITIONAL ||
		(r->count[DNSP_SEC_ADDITIONAL] |
		 (sec == DNSP_SEC_ANSWER ? r->count[DNSP_SEC_AUTHORITY] : 0)) == 0);
}

/*
 * Common case of both put_rr entry points: the owner is a bare pointer to
 * at, and the rdata (no names to compress) is copied as is.
 */
static inline __attribute__((always_inline)) int put_rr_plain(struct dnsp_resp *r,
		enum dnsp_section sec, uint16_t at, uint16_t type, uint16_t rclass, uint32_t ttl,
		const uint8_t *rdata, uint16_t rdlen)
{
	size_t end = r->limit > r->reserve ? (size_t)(r->limit - r->reserve) : 0;
	size_t pos = r->len;
	r->target_suffix = 0; /* consumed, written or not */
	if (unlikely(pos + 12 + rdlen > end)) {
		r->truncated = true;
		return DNSP_ENOSPACE;
	}
	uint8_t *p = r->buf + pos;
	wr16(p, (uint16_t)(0xC000 | at));
	wr16(p + 2, type);
	wr16(p + 4, rclass);
	wr32(p + 6, ttl);
	wr16(p + 10, rdlen);
	r->len = (uint16_t)(pos + 12 + rdlen);
	r->count[sec]++;
	r->last_owner = at;
	r->last_target = 0;
	/* Last, so that nothing stays live across the call. */
	if (rdlen)
		memcpy(p + 12, rdata, rdlen);
	return 0;
}

/* A put refused before anything is written: it consumes the target
 * suffix promise all the same (dnsp_resp_target_suffix). */
static int refuse(struct dnsp_resp *r)
{
	r->target_suffix = 0;
	return -EINVAL;
}

int dnsp_resp_put_rr(struct dnsp_resp *r, enum dnsp_section sec, const uint8_t *owner,
		     uint16_t type, uint16_t rclass, uint32_t ttl,
		     const uint8_t *rdata, uint16_t rdlen)
{
	if (unlikely(!section_ok(r, sec)))
		return refuse(r);
	uint8_t *b = r->buf;
	if (unlikely(owner == NULL && b[5] == 0 && b[4] == 0))
		return refuse(r); /* no question to point at */
	if (!(owner == NULL && !has_rdata_names(type)))
		return put_rr_general(r, sec, owner, 0, type, rclass, ttl, rdata, rdlen);
	return put_rr_plain(r, sec, DNSP_HDR_LEN, type, rclass, ttl, rdata, rdlen);
}

int dnsp_resp_put_rr_at(struct dnsp_resp *r, enum dnsp_section sec, uint16_t at,
			uint16_t type, uint16_t rclass, uint32_t ttl,
			const uint8_t *rdata, uint16_t rdlen)
{
	if (unlikely(!section_ok(r, sec)))
		return refuse(r);
	if (unlikely(at < DNSP_HDR_LEN || at > 0x3fff || at >= r->len))
		return refuse(r);
	if (has_rdata_names(type))
		return put_rr_general(r, sec, NULL, at, type, rclass, ttl, rdata, rdlen);
	return put_rr_plain(r, sec, at, type, rclass, ttl, rdata, rdlen);
}

void dnsp_resp_mark(const struct dnsp_resp *r, struct dnsp_resp_mark *m)
{
	mark(r, m);
}

void dnsp_resp_rollback(struct dnsp_resp *r, const struct dnsp_resp_mark *m)
{
	rollback(r, m);
}

uint16_t dnsp_resp_finish(struct dnsp_resp *r, const struct dnsp_query *q,
			  uint16_t our_udp_size, uint8_t ecs_scope_prefix)
{
	uint8_t *b = r->buf;
	size_t pos = r->len;

	if (q->has_edns) {
		size_t nb = q->has_ecs ? ecs_addr_bytes(q->ecs_source_prefix) : 0;
		size_t optlen = q->has_ecs ? 8 + nb : 0;
		if (pos + 11 + optlen <= r->limit) {
			uint8_t *o = b + pos;
			o[0] = 0; /* root owner */
			wr16(o + 1, DNSP_T_OPT);
			wr16(o + 3, our_udp_size);
			/* TTL: extended rcode high bits, version 0, DO echoed (RFC 6891 §6.1.3, RFC 3225). */
			o[5] = (uint8_t)(r->rcode >> 4);
			o[6] = 0;
			wr16(o + 7, q->do_bit ? 0x8000 : 0);
			wr16(o + 9, (uint16_t)optlen);
			if (q->has_ecs) {
				unsigned max = q->ecs_family == 1 ? 32 : 128;
				wr16(o + 11, DNSP_EDNS_OPT_ECS);
				wr16(o + 13, (uint16_t)(4 + nb));
				wr16(o + 15, q->ecs_family);
				o[17] = q->ecs_source_prefix;
				o[18] = ecs_scope_prefix > max ? (uint8_t)max : ecs_scope_prefix;
				memcpy(o + 19, q->ecs_addr, nb);
			}
			pos += 11 + optlen;
			r->count[DNSP_SEC_ADDITIONAL]++;
		}
	}

	uint16_t flags = rd16(b + 2);
	if (r->truncated)
		flags |= DNSP_FLAG_TC;
	flags = (uint16_t)((flags & ~0xfu) | (r->rcode & 0xfu));
	wr16(b + 2, flags);
	wr16(b + 6, r->count[DNSP_SEC_ANSWER]);
	wr16(b + 8, r->count[DNSP_SEC_AUTHORITY]);
	wr16(b + 10, r->count[DNSP_SEC_ADDITIONAL]);
	r->len = (uint16_t)pos;
	return r->len;
}

uint16_t dnsp_resp_error(uint8_t *buf, uint16_t cap, const struct dnsp_query *q, uint8_t rcode)
{
	struct dnsp_resp r;
	if (cap < DNSP_HDR_LEN)
		return 0;
	dnsp_resp_init(&r, buf, cap, cap, q);
	dnsp_resp_set_rcode(&r, rcode);
	return dnsp_resp_finish(&r, q, DNSP_UDP_EDNS_CAP, 0);
}

uint16_t dnsp_pkt_requery(uint8_t *buf, uint16_t cap, const struct dnsp_query *q)
{
	size_t pos = q->question_end;
	size_t nb = q->has_ecs ? ecs_addr_bytes(q->ecs_source_prefix) : 0;
	size_t need = pos + (q->has_edns ? 11u + (q->has_ecs ? 8u + nb : 0u) : 0u);
	if (pos < DNSP_HDR_LEN || need > cap)
		return 0;
	wr16(buf, q->id);
	wr16(buf + 2, q->flags);
	wr16(buf + 4, 1);
	wr16(buf + 6, 0);
	wr16(buf + 8, 0);
	wr16(buf + 10, q->has_edns ? 1 : 0);
	if (!q->has_edns)
		return (uint16_t)pos;
	uint8_t *o = buf + pos;
	o[0] = 0; /* root owner */
	wr16(o + 1, DNSP_T_OPT);
	wr16(o + 3, q->edns_udp_size);
	wr32(o + 5, (uint32_t)q->edns_version << 16 | (q->do_bit ? 0x8000u : 0u));
	wr16(o + 9, (uint16_t)(q->has_ecs ? 8u + nb : 0u));
	if (q->has_ecs) {
		wr16(o + 11, DNSP_EDNS_OPT_ECS);
		wr16(o + 13, (uint16_t)(4u + nb));
		wr16(o + 15, q->ecs_family);
		o[17] = q->ecs_source_prefix;
		o[18] = q->ecs_scope_prefix;
		memcpy(o + 19, q->ecs_addr, nb);
	}
	return (uint16_t)need;
}
