/*
 * The pure parts of iterative resolution, kept apart from the resolver
 * thread's I/O so that they can be tested with canned responses: parsing
 * an upstream response (names and rdata decompressed), classifying it for
 * the question asked and the zone the server was asked as (answer, CNAME /
 * DNAME step, NXDOMAIN, NODATA, referral, lame), with the bailiwick check
 * applied to every record kept, the QNAME-minimisation schedule (RFC 9156)
 * and the work budget of one client query.
 *
 * Contract: pure functions over caller memory; no allocation, no I/O, any
 * thread. Names are uncompressed wire form; comparisons are
 * case-insensitive except where 0x20 asks for an exact match.
 */
#ifndef DNSP_CTRL_RESOLVER_ITER_H
#define DNSP_CTRL_RESOLVER_ITER_H

#include <stdbool.h>
#include <stdint.h>
#include "../lib/error.h"
#include "../lib/wire/pkt.h"

#define DNSP_UP_RR_MAX 160           /* records parsed per response (rest ignored) */
#define DNSP_UP_RDATA_MAX 65536      /* decompressed rdata bytes per response */

struct dnsp_up_rr {
	uint8_t section;                 /* DNSP_SEC_* */
	uint8_t owner[DNSP_NAME_MAX];    /* lowercase */
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint32_t rdoff;                  /* offset in dnsp_up_msg.rdata */
};

/* A parsed upstream response. Large (about 110 KiB): keep one per thread. */
struct dnsp_up_msg {
	uint16_t id, flags;
	uint16_t rcode;                  /* with the OPT extended bits */
	bool has_question;
	uint8_t qname[DNSP_NAME_MAX];    /* as received (case kept, for 0x20) */
	uint16_t qtype, qclass;
	bool has_edns;
	bool has_ecs;
	uint16_t ecs_family;
	uint8_t ecs_source, ecs_scope;
	uint16_t counts[4];              /* QD, AN, NS, AR as in the header */
	uint16_t nrr;
	bool rr_overflow;                /* more records than DNSP_UP_RR_MAX */
	struct dnsp_up_rr rr[DNSP_UP_RR_MAX];
	uint32_t rdata_used;
	uint8_t rdata[DNSP_UP_RDATA_MAX];
};

/*
 * Parses a response: header, question, every record (names in rdata of
 * NS, CNAME, DNAME, PTR, MX, SOA, SRV, NAPTR... decompressed), OPT (EDNS,
 * ECS). Returns 0, or DNSP_EMALFORMED / DNSP_ETRUNC (a response that does
 * not parse is treated as no response).
 */
int dnsp_up_parse(const uint8_t *pkt, size_t len, struct dnsp_up_msg *m) DNSP_WUR;

static inline const uint8_t *dnsp_up_rdata(const struct dnsp_up_msg *m,
					    const struct dnsp_up_rr *rr)
{
	return m->rdata + rr->rdoff;
}

/* What a response means for the question asked. */
enum dnsp_up_kind {
	DNSP_UP_ANSWER = 0,   /* RRset of the type asked for the final name (after chain) */
	DNSP_UP_CNAME,        /* chain ends at `next`, out of this server's zone: chase */
	DNSP_UP_NXDOMAIN,     /* the final name does not exist (SOA kept when in bailiwick) */
	DNSP_UP_NODATA,       /* the final name exists, no data of that type */
	DNSP_UP_REFERRAL,     /* delegation to `cut` (below the zone asked) */
	DNSP_UP_LAME,         /* useless: upward referral, no answer/SOA/NS, wrong zone */
	DNSP_UP_SERVFAIL,     /* rcode SERVFAIL / REFUSED / NOTIMP / other: try another */
	DNSP_UP_FORMERR,      /* FORMERR (with EDNS: retry without) */
};

#define DNSP_UP_KEEP_MAX 128
#define DNSP_UP_NS_MAX 32

struct dnsp_up_class {
	uint8_t kind;                    /* enum dnsp_up_kind */
	uint8_t next[DNSP_NAME_MAX];     /* final name after the chain (== qname if none) */
	uint8_t cut[DNSP_NAME_MAX];      /* REFERRAL: child zone */
	uint16_t nkeep;                  /* records for the answer, in order: chain links,
					  * final RRset, then (negative) the SOA */
	uint16_t keep[DNSP_UP_KEEP_MAX]; /* indices into m->rr */
	uint16_t nchain;                 /* CNAME/DNAME steps followed (a DNAME applied
					  * more than once is kept once, so it may
					  * exceed nkeep) */
	uint16_t nns;                    /* REFERRAL: NS records (indices) */
	uint16_t ns[DNSP_UP_NS_MAX];
	uint16_t nglue;                  /* REFERRAL: A/AAAA for those NS names, in bailiwick */
	uint16_t glue[DNSP_UP_NS_MAX * 2];
	uint16_t dropped;                /* records discarded by the bailiwick check */
	uint32_t ns_ttl;                 /* REFERRAL: TTL of the NS RRset (min) */
	bool synthesized;                /* a DNAME step was taken */
};

/*
 * Classifies response m to the question (qname, qtype) sent to a server
 * authoritative for `zone` (the bailiwick: every record kept must be at or
 * below zone; for a forwarder pass the root). max_chain bounds the CNAME/
 * DNAME links followed inside one response. Rules:
 *  - rcode other than NOERROR/NXDOMAIN: SERVFAIL (FORMERR separately);
 *  - only class IN records are kept or acted on (chain links, answer,
 *    SOA, NS, glue); a record of another class is ignored as if absent;
 *  - follow the chain from qname through CNAME (owner = current name) and
 *    DNAME (owner = a proper ancestor of the current name, RFC 6672 §3.3,
 *    the CNAME synthesised from it) records, each in bailiwick; an answer
 *    RRset of qtype at the final name ends it (ANSWER); a link back to a
 *    name the chain already left (a CNAME loop) ends it at that name, as
 *    running out of max_chain does;
 *  - a chain that leaves the bailiwick ends there: CNAME with next = the
 *    target (records for the target in this response are ignored: they are
 *    not this server's to give — the out-of-bailiwick poisoning case);
 *  - NXDOMAIN / NOERROR without data for the final name: negative, with the
 *    SOA kept if its owner is in bailiwick and an ancestor of the final
 *    name (RFC 2308 §2);
 *  - NOERROR, no data, and an NS RRset in authority for a zone strictly
 *    below `zone` that contains the final name: REFERRAL (glue: A/AAAA in
 *    additional whose owner is one of the NS names and lies in `zone`);
 *    an NS RRset at or above `zone` is an upward referral: LAME.
 * Returns 0 and fills out (kind, kept records, counts).
 */
int dnsp_up_classify(const struct dnsp_up_msg *m, const uint8_t *qname, uint16_t qtype,
		     const uint8_t *zone, uint32_t max_chain, struct dnsp_up_class *out);

/*
 * True when m answers the question sent: QR set, opcode QUERY, the id, and
 * one question equal to (qname, qtype, IN); with exact_case (0x20) the name
 * must match byte for byte, else case-insensitively.
 */
bool dnsp_up_matches(const struct dnsp_up_msg *m, uint16_t id, const uint8_t *qname,
		     uint16_t qtype, bool exact_case);

/* ---------------------------------------------------- QNAME minimisation */

#define DNSP_QMIN_MAX_COUNT 10   /* RFC 9156 §2.3 MAX_MINIMISE_COUNT */
#define DNSP_QMIN_ONE_LAB 4      /* RFC 9156 §2.3 MINIMISE_ONE_LAB */

/*
 * Labels of the next name to ask (RFC 9156 §2.3) when the deepest name
 * known to have no zone cut below the current one (or the cut itself) has
 * `known_labels` labels, the qname has qname_labels, and `count`
 * minimised queries were sent for this qname so far: one more label while
 * count < MINIMISE_ONE_LAB, then the remaining labels spread over the
 * queries left of MAX_MINIMISE_COUNT, and the whole qname once they are
 * used up or one label remains. When it returns qname_labels the full
 * query (with the real qtype) is sent.
 */
int dnsp_qmin_next(int known_labels, int qname_labels, int count);

/* The ancestor of name with `labels` labels into out. Returns its length. */
int dnsp_name_ancestor(const uint8_t *name, int labels, uint8_t out[DNSP_NAME_MAX]);

/* ------------------------------------------------------------ work limits */

struct dnsp_work_limits {
	uint32_t max_referrals;
	uint32_t max_cname_chain;
	uint32_t max_upstream_queries;
	uint32_t max_ns_lookups;         /* per referral */
};

/* Work done for one client query (shared by its sub-resolutions). */
struct dnsp_work {
	uint32_t referrals, cnames, queries, ns_lookups;
};

enum dnsp_work_kind { DNSP_WORK_REFERRAL, DNSP_WORK_CNAME, DNSP_WORK_QUERY,
		      DNSP_WORK_NS_LOOKUP };

/* Charges one unit of kind; returns false (and charges nothing) when that
 * would exceed its limit: the caller stops and answers SERVFAIL. */
bool dnsp_work_charge(struct dnsp_work *w, const struct dnsp_work_limits *l,
		      enum dnsp_work_kind kind);

/* ------------------------------------------------------- query building */

/*
 * Builds an upstream query into buf (cap bytes): id, flags (RD when rd),
 * one question (qname written as given: 0x20 case is the caller's), and
 * with edns an OPT record (udp_size, DO clear) carrying an ECS option when
 * ecs_family is 1 or 2 (address truncated to ecs_source bits, RFC 7871
 * §6). Returns the length or DNSP_ENOSPACE.
 */
int dnsp_up_build_query(uint8_t *buf, size_t cap, uint16_t id, bool rd, const uint8_t *qname,
			uint16_t qtype, bool edns, uint16_t udp_size, uint16_t ecs_family,
			uint8_t ecs_source, const uint8_t *ecs_addr) DNSP_WUR;

#endif
