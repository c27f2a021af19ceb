/*
 * DNS messages: parsing a query in place and building the response into the
 * same buffer, with name compression.
 *
 * Contract: dnsp_pkt_parse_query() reads the header, the one question and the
 * OPT record (EDNS0, RFC 6891) including the Client Subnet option (RFC 7871),
 * with bounds-checked reads only; it never writes the packet. The response
 * builder overwrites the buffer that held the query: header and question
 * stay (question case preserved, RFC 1035 §7.1 / 4343), then records are
 * appended up to a byte limit; a record that does not fit sets TC instead
 * (the caller decides whether TC applies, i.e. UDP). No allocation, no
 * syscalls; safe on workers. One builder per packet, not shared.
 */
#ifndef DNSP_WIRE_PKT_H
#define DNSP_WIRE_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "name.h"

#define DNSP_HDR_LEN 12
#define DNSP_UDP_DEFAULT 512   /* without EDNS (RFC 1035 §4.2.1) */
#define DNSP_UDP_EDNS_CAP 1232 /* default cap on EDNS buffer (DNS flag day 2020) */
#define DNSP_MSG_MAX 65535

/* Header flag bits (host order of the 16-bit flags word). */
#define DNSP_FLAG_QR 0x8000
#define DNSP_FLAG_AA 0x0400
#define DNSP_FLAG_TC 0x0200
#define DNSP_FLAG_RD 0x0100
#define DNSP_FLAG_RA 0x0080
#define DNSP_FLAG_AD 0x0020
#define DNSP_FLAG_CD 0x0010
#define DNSP_OPCODE(flags) (((flags) >> 11) & 0xf)

enum dnsp_rcode {
	DNSP_RCODE_NOERROR = 0, DNSP_RCODE_FORMERR = 1, DNSP_RCODE_SERVFAIL = 2,
	DNSP_RCODE_NXDOMAIN = 3, DNSP_RCODE_NOTIMP = 4, DNSP_RCODE_REFUSED = 5,
	DNSP_RCODE_BADVERS = 16, /* extended: upper 8 bits go in OPT TTL */
};

enum dnsp_rrtype {
	DNSP_T_A = 1, DNSP_T_NS = 2, DNSP_T_CNAME = 5, DNSP_T_SOA = 6,
	DNSP_T_PTR = 12, DNSP_T_HINFO = 13, DNSP_T_MX = 15, DNSP_T_TXT = 16,
	DNSP_T_AAAA = 28, DNSP_T_SRV = 33, DNSP_T_NAPTR = 35, DNSP_T_DNAME = 39,
	DNSP_T_OPT = 41, DNSP_T_DS = 43, DNSP_T_SSHFP = 44, DNSP_T_RRSIG = 46,
	DNSP_T_NSEC = 47, DNSP_T_DNSKEY = 48, DNSP_T_NSEC3 = 50, DNSP_T_TLSA = 52,
	DNSP_T_SVCB = 64, DNSP_T_HTTPS = 65, DNSP_T_SPF = 99, DNSP_T_IXFR = 251,
	DNSP_T_AXFR = 252, DNSP_T_ANY = 255, DNSP_T_CAA = 257,
};
#define DNSP_CLASS_IN 1
#define DNSP_CLASS_CH 3
#define DNSP_CLASS_ANY 255

#define DNSP_EDNS_OPT_ECS 8

/* Result of parsing one query. qname is a lowercased copy for lookup. */
struct dnsp_query {
	uint16_t id;
	uint16_t flags;       /* raw header flags word */
	uint16_t qtype, qclass;
	uint8_t qname_len;    /* bytes in qname, including root */
	uint8_t nlabels;      /* labels in qname, root excluded */
	uint16_t question_end; /* offset just past the question */
	uint8_t qname[DNSP_NAME_MAX]; /* lowercased, uncompressed */
	uint8_t qoffs[DNSP_LABELS_MAX]; /* qoffs[i]: offset of label i (0 = leftmost)
					   in qname, for i < nlabels */

	/* EDNS0 (valid when has_edns) */
	bool has_edns;
	bool do_bit;
	uint8_t edns_version;
	uint16_t edns_udp_size;  /* advertised, raw (values < 512 read as 512) */

	/* Client Subnet (valid when has_ecs) */
	bool has_ecs;
	uint8_t ecs_source_prefix, ecs_scope_prefix;
	uint16_t ecs_family;     /* 1 = IPv4, 2 = IPv6 (IANA address family) */
	uint8_t ecs_addr[16];    /* address, zero-padded past source prefix */
};

/*
 * Parses the query in pkt[0..len). Returns:
 *   0 — a well-formed query, q filled in;
 *   DNSP_RCODE_FORMERR / DNSP_RCODE_NOTIMP / DNSP_RCODE_BADVERS (> 0) — the
 *       query must be answered with that rcode; q->id, q->flags and, when
 *       they parsed, the question and EDNS fields are valid (question_end is
 *       DNSP_HDR_LEN when the question did not parse);
 *   a negative code — do not answer (shorter than a header, or QR set: a
 *       response must never be answered, RFC 1035 §4.1.1).
 * Rules: opcode other than QUERY → NOTIMP; QDCOUNT != 1 → FORMERR; ANCOUNT or
 * NSCOUNT != 0 → FORMERR; more than one OPT, OPT not owned by root, or
 * malformed ECS (family, prefix > 32/128, address bytes not matching the
 * prefix, non-zero bits past the prefix, non-zero SCOPE) → FORMERR (RFC
 * 6891 §6.1.1, RFC 7871 §7.1.2); EDNS version > 0 → BADVERS. Records in
 * the additional section other than OPT (e.g. TSIG) are skipped safely.
 */
int dnsp_pkt_parse_query(const uint8_t *pkt, size_t len, struct dnsp_query *q);

/* Sections a record can be appended to. */
enum dnsp_section { DNSP_SEC_ANSWER, DNSP_SEC_AUTHORITY, DNSP_SEC_ADDITIONAL };

/* Label positions a response remembers for name compression. */
#define DNSP_COMPRESS_MAX 128

/*
 * Response under construction in the query's own buffer.
 * Fields are private to pkt.c except where noted.
 */
struct dnsp_resp {
	uint8_t *buf;
	uint16_t len;      /* bytes written so far (public, read-only) */
	uint16_t limit;    /* max message size (UDP limit or 65535) */
	uint16_t cap;      /* size of buf */
	uint16_t count[3]; /* records per section */
	uint16_t reserve;  /* bytes held back for the OPT record */
	bool truncated;    /* a record did not fit (public, read-only) */
	uint8_t rcode;     /* full rcode incl. extended bits (set_rcode) */
	/*
	 * Compression index: a tree of the labels written literally at
	 * offsets a pointer can reach (<= 0x3fff), rooted at the top-level
	 * labels: an entry's children are the labels seen in front of it.
	 * Each (parent, label) pair appears once, so matching a name from
	 * the right visits only the siblings at each level. The question's
	 * labels join on the first name that needs them. 0xff ends a list.
	 */
	uint8_t nlab;
	bool lab_question;       /* the question's labels are indexed */
	uint8_t lab_qn;          /* ... as entries 0..lab_qn-1, rightmost first */
	uint8_t target_suffix;   /* dnsp_resp_target_suffix, for the next record */
	uint8_t lab_top;         /* first top-level entry */
	uint16_t qend;           /* end of the question */
	uint16_t lab_off[DNSP_COMPRESS_MAX];
	uint8_t lab_up[DNSP_COMPRESS_MAX];  /* parent entry, or 0xff at the top */
	uint8_t lab_kid[DNSP_COMPRESS_MAX]; /* first child */
	uint8_t lab_sib[DNSP_COMPRESS_MAX]; /* next sibling */
	/* Where the last record's owner, and the name in the last NS, CNAME,
	 * PTR or MX rdata, are spelt out (offsets a pointer can reach), or 0
	 * (dnsp_resp_last_owner / dnsp_resp_last_target). */
	uint16_t last_owner, last_target;
};

/*
 * Starts a response to q in buf (which holds the query; cap = buffer size).
 * Keeps header id, opcode, RD and CD; sets QR; clears AA/TC/RA/AD and all
 * counts except QDCOUNT (0 when the question did not parse); truncates the
 * message to q->question_end. limit is the largest message allowed (for UDP:
 * the EDNS size, min 512; for TCP 65535); it is clamped to cap. When
 * q->has_edns, room for the OPT record (with ECS when q->has_ecs) is
 * reserved so dnsp_resp_finish() can always add it. Requires
 * cap >= q->question_end (>= DNSP_HDR_LEN).
 */
void dnsp_resp_init(struct dnsp_resp *r, uint8_t *buf, uint16_t cap, uint16_t limit,
		    const struct dnsp_query *q);

/* Sets/clears header flags (DNSP_FLAG_*) and the rcode (low 4 bits). */
void dnsp_resp_set_flags(struct dnsp_resp *r, uint16_t set, uint16_t clear);
void dnsp_resp_set_rcode(struct dnsp_resp *r, uint8_t rcode);

/*
 * Appends one record. owner is an uncompressed name, or NULL to mean the
 * question name (written as a pointer to offset 12, so its case is the
 * client's). rdata is uncompressed wire rdata of rdlen bytes; for NS, CNAME,
 * PTR, DNAME-free types MX, SOA (RFC 1035 types, RFC 3597 §4) names inside
 * rdata are compressed. Returns 0, or DNSP_ENOSPACE after setting truncated
 * (the message is left as it was before the call).
 * Records are appended, so callers must add them in section order (all
 * answers, then authority, then additional); a record for an earlier section
 * after a later one returns -EINVAL, as does owner NULL when the response
 * has no question.
 */
int dnsp_resp_put_rr(struct dnsp_resp *r, enum dnsp_section sec, const uint8_t *owner,
		     uint16_t type, uint16_t rclass, uint32_t ttl,
		     const uint8_t *rdata, uint16_t rdlen);

/*
 * As dnsp_resp_put_rr, with the owner given as the offset of a name this
 * response already spells out (dnsp_resp_last_owner/_target), written as
 * a bare pointer: the same bytes the compressor would find, without the
 * search. -EINVAL when at is 0, past 0x3fff or not below the message end.
 */
int dnsp_resp_put_rr_at(struct dnsp_resp *r, enum dnsp_section sec, uint16_t at,
			uint16_t type, uint16_t rclass, uint32_t ttl,
			const uint8_t *rdata, uint16_t rdlen);

/* Offset of the last record's owner name (the qname's 12 for owner NULL),
 * and of the name in the last record when it was an NS, CNAME, PTR or MX;
 * 0 when unknown or out of pointer reach. */
static inline uint16_t dnsp_resp_last_owner(const struct dnsp_resp *r)
{
	return r->last_owner;
}

static inline uint16_t dnsp_resp_last_target(const struct dnsp_resp *r)
{
	return r->last_target;
}

/*
 * Tells the next record written that the name in its NS, CNAME, PTR or MX
 * rdata ends in the question's last `labels` labels (ASCII case aside), as
 * a target inside the question's zone ends in its apex: name compression
 * then starts matching in front of them. The next put consumes it, written
 * or not. 0 (the default) promises nothing.
 */
static inline void dnsp_resp_target_suffix(struct dnsp_resp *r, uint8_t labels)
{
	r->target_suffix = labels;
}

/* A point to take a response back to: records appended after
 * dnsp_resp_mark() are removed by dnsp_resp_rollback(), names they added
 * to the compression index included; truncated is left as it is. */
struct dnsp_resp_mark {
	uint16_t len;
	uint16_t count[3];
	uint8_t nlab;
	bool lab_question;
	uint16_t last_owner, last_target;
};
void dnsp_resp_mark(const struct dnsp_resp *r, struct dnsp_resp_mark *m);
void dnsp_resp_rollback(struct dnsp_resp *r, const struct dnsp_resp_mark *m);

/*
 * Completes the message: appends OPT when the query had EDNS (our UDP size,
 * DO echoed, extended rcode bits, ECS echoed with scope_prefix when the
 * query had ECS), sets TC if truncated, writes counts. Returns the final
 * message length.
 */
uint16_t dnsp_resp_finish(struct dnsp_resp *r, const struct dnsp_query *q,
			  uint16_t our_udp_size, uint8_t ecs_scope_prefix);

/*
 * Builds a bare error response (rcode, no records) for a query that
 * dnsp_pkt_parse_query rejected with a positive rcode, into buf.
 * Returns the message length.
 */
uint16_t dnsp_resp_error(uint8_t *buf, uint16_t cap, const struct dnsp_query *q, uint8_t rcode);

/*
 * Writes q back into buf as a query, for a worker that answered part of it
 * in place and must hand the query on (a punt): the header from q (id,
 * flags, one question, an OPT record when q had EDNS), the question left
 * where it is (buf[12..q->question_end), which a response never rewrites),
 * then an OPT with q's UDP size, version, DO bit and client subnet. Options
 * the pipeline does not read are not carried. Returns the length, or 0 when
 * it does not fit in cap.
 */
uint16_t dnsp_pkt_requery(uint8_t *buf, uint16_t cap, const struct dnsp_query *q);

#endif
