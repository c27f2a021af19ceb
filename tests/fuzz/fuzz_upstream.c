/*
 * Fuzz target for the resolver's reading of upstream responses
 * (ctrl/resolver_iter.c): any input is a response from an upstream server.
 * It is parsed; a message that parses is classified the way the resolver
 * does after dnsp_up_matches() accepted it: for its own question (or
 * www.example.com./A when it has none), asked of the server for the
 * ancestor of that name with (id & 0xf) labels (a sibling zone,
 * example.net., when that is more labels than the name has) and with a
 * CNAME/DNAME chain bound of (id >> 4) & 0xf. The seeds set the id to the
 * zone they were written for.
 *
 * Checked: the parse result is a known code and does not depend on what the
 * message buffer held before; parsed records are within their bounds (valid
 * lowercase owners, rdata inside the used area and well formed for its
 * type, names in rdata uncompressed); classification keeps only records of
 * the message, each once, each in the bailiwick of the zone asked, and its
 * kind agrees with what it kept (answer at the final name, SOA above it,
 * referral to a cut strictly below the zone with NS and glue that fit).
 * Invariant violations trap so libFuzzer (and the corpus replay under
 * meson test) report them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "ctrl/resolver_iter.h"
#include "lib/wire/name.h"
#include "lib/wire/rdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* Large: static, and two of them for the determinism check. */
static struct dnsp_up_msg msg, again;
static struct dnsp_up_class cls;

static bool name_lower(const uint8_t *n)
{
	size_t len = dnsp_name_len(n);

	for (size_t i = 0; i < len; i++)
		if (n[i] >= 'A' && n[i] <= 'Z')
			return false;
	return true;
}

static bool rdata_is_name(uint16_t type)
{
	return type == DNSP_T_NS || type == DNSP_T_CNAME || type == DNSP_T_PTR ||
	       type == DNSP_T_DNAME;
}

static void check_parsed(const struct dnsp_up_msg *m)
{
	uint32_t used = 0;

	CHECK(m->nrr <= DNSP_UP_RR_MAX);
	CHECK(m->nrr <= (uint32_t)m->counts[1] + m->counts[2] + m->counts[3]);
	CHECK(!m->rr_overflow || m->nrr == DNSP_UP_RR_MAX);
	CHECK(m->counts[0] <= 1 && m->has_question == (m->counts[0] == 1));
	CHECK(m->rcode <= 0xfff && (m->rcode & 0xf) == (m->flags & 0xf));
	CHECK(m->rdata_used <= DNSP_UP_RDATA_MAX);
	if (m->has_question)
		CHECK(dnsp_name_wire_len(m->qname, DNSP_NAME_MAX) > 0);
	for (uint16_t i = 0; i < m->nrr; i++) {
		const struct dnsp_up_rr *rr = &m->rr[i];
		const uint8_t *rd = dnsp_up_rdata(m, rr);

		CHECK(rr->section <= DNSP_SEC_ADDITIONAL);
		CHECK(i == 0 || rr->section >= m->rr[i - 1].section);
		CHECK(dnsp_name_wire_len(rr->owner, DNSP_NAME_MAX) > 0 && name_lower(rr->owner));
		CHECK(rr->type != DNSP_T_OPT && rr->ttl < 0x80000000u);
		CHECK(rr->rdoff == used && (uint32_t)rr->rdoff + rr->rdlen <= m->rdata_used);
		used += rr->rdlen;
		CHECK(dnsp_rdata_check(rr->type, rd, rr->rdlen) == 0);
		if (rr->type == DNSP_T_A)
			CHECK(rr->rdlen == 4);
		if (rr->type == DNSP_T_AAAA)
			CHECK(rr->rdlen == 16);
		if (rdata_is_name(rr->type))
			CHECK(dnsp_name_wire_len(rd, rr->rdlen) == rr->rdlen);
	}
	CHECK(used == m->rdata_used);
}

/* The second parse ran over a buffer full of junk: same result. */
static void check_same(const struct dnsp_up_msg *a, const struct dnsp_up_msg *b)
{
	CHECK(a->nrr == b->nrr && a->rdata_used == b->rdata_used);
	CHECK(a->rr_overflow == b->rr_overflow && a->rcode == b->rcode);
	CHECK(a->has_question == b->has_question && a->has_edns == b->has_edns);
	CHECK(a->has_ecs == b->has_ecs);
	if (a->has_question)
		CHECK(memcmp(a->qname, b->qname, dnsp_name_len(a->qname)) == 0 &&
		      a->qtype == b->qtype && a->qclass == b->qclass);
	for (uint16_t i = 0; i < a->nrr; i++) {
		const struct dnsp_up_rr *x = &a->rr[i], *y = &b->rr[i];

		CHECK(x->section == y->section && x->type == y->type && x->rclass == y->rclass &&
		      x->ttl == y->ttl && x->rdlen == y->rdlen && x->rdoff == y->rdoff);
		CHECK(memcmp(x->owner, y->owner, dnsp_name_len(x->owner)) == 0);
	}
	CHECK(memcmp(a->rdata, b->rdata, a->rdata_used) == 0);
}

static bool in_list(const uint16_t *list, uint16_t n, uint16_t v)
{
	for (uint16_t k = 0; k < n; k++)
		if (list[k] == v)
			return true;
	return false;
}

static void check_class(const struct dnsp_up_msg *m, const uint8_t *qname, uint16_t qtype,
			const uint8_t *zone, uint32_t max_chain, const struct dnsp_up_class *c)
{
	CHECK(c->kind <= DNSP_UP_FORMERR);
	/* nchain counts steps: a looping chain revisits a kept link. */
	CHECK(c->nkeep <= DNSP_UP_KEEP_MAX && c->nchain <= max_chain);
	CHECK(c->nchain == 0 || c->nkeep > 0);
	CHECK(c->nns <= DNSP_UP_NS_MAX && c->nglue <= DNSP_UP_NS_MAX * 2);
	CHECK(c->dropped <= m->nrr);
	if (m->rcode != DNSP_RCODE_NOERROR && m->rcode != DNSP_RCODE_NXDOMAIN) {
		CHECK(c->kind == (m->rcode == DNSP_RCODE_FORMERR ? DNSP_UP_FORMERR
								 : DNSP_UP_SERVFAIL));
		CHECK(c->nkeep == 0);
		return;
	}
	/* Every record kept: of this message, once, in bailiwick. */
	bool final_seen = false, soa_seen = false;

	for (uint16_t k = 0; k < c->nkeep; k++) {
		CHECK(c->keep[k] < m->nrr);
		for (uint16_t j = 0; j < k; j++)
			CHECK(c->keep[j] != c->keep[k]);
		const struct dnsp_up_rr *rr = &m->rr[c->keep[k]];

		CHECK(dnsp_name_in(rr->owner, zone));
		if (rr->section == DNSP_SEC_AUTHORITY) {
			CHECK(rr->type == DNSP_T_SOA && dnsp_name_in(c->next, rr->owner));
			CHECK(k == c->nkeep - 1);
			soa_seen = true;
			continue;
		}
		CHECK(rr->section == DNSP_SEC_ANSWER);
		if (dnsp_name_equal(rr->owner, c->next) &&
		    (rr->type == qtype || (qtype == DNSP_T_ANY && rr->type != DNSP_T_RRSIG))) {
			CHECK(rr->rclass == DNSP_CLASS_IN);
			final_seen = true;
		} else {
			CHECK(rr->type == DNSP_T_CNAME || rr->type == DNSP_T_DNAME);
		}
	}
	CHECK(dnsp_name_wire_len(c->next, DNSP_NAME_MAX) > 0 && name_lower(c->next));
	if (c->nchain == 0 && c->kind != DNSP_UP_SERVFAIL)
		CHECK(dnsp_name_equal(c->next, qname));
	if (c->kind != DNSP_UP_REFERRAL)
		CHECK(c->nns == 0 && c->nglue == 0 && c->cut[0] == 0);
	switch (c->kind) {
	case DNSP_UP_ANSWER:
		CHECK(final_seen && !soa_seen && dnsp_name_in(c->next, zone));
		break;
	case DNSP_UP_CNAME:
		CHECK(c->nchain > 0 && !soa_seen);
		break;
	case DNSP_UP_NXDOMAIN:
		CHECK(m->rcode == DNSP_RCODE_NXDOMAIN && dnsp_name_in(c->next, zone));
		break;
	case DNSP_UP_NODATA:
		CHECK(m->rcode == DNSP_RCODE_NOERROR && dnsp_name_in(c->next, zone));
		CHECK(soa_seen || (m->flags & DNSP_FLAG_AA));
		break;
	case DNSP_UP_REFERRAL:
		CHECK(m->rcode == DNSP_RCODE_NOERROR && !soa_seen);
		CHECK(dnsp_name_in(c->cut, zone) && !dnsp_name_equal(c->cut, zone));
		CHECK(dnsp_name_in(c->next, c->cut));
		CHECK(c->nns > 0);
		for (uint16_t k = 0; k < c->nns; k++) {
			const struct dnsp_up_rr *ns = &m->rr[c->ns[k]];

			CHECK(c->ns[k] < m->nrr && ns->section == DNSP_SEC_AUTHORITY);
			CHECK(ns->type == DNSP_T_NS && dnsp_name_equal(ns->owner, c->cut));
			CHECK(c->ns_ttl <= ns->ttl);
			CHECK(k == 0 || c->ns[k] > c->ns[k - 1]);
		}
		for (uint16_t k = 0; k < c->nglue; k++) {
			CHECK(c->glue[k] < m->nrr);
			const struct dnsp_up_rr *g = &m->rr[c->glue[k]];
			bool named = false;

			CHECK(g->section == DNSP_SEC_ADDITIONAL && g->rclass == DNSP_CLASS_IN);
			CHECK((g->type == DNSP_T_A && g->rdlen == 4) ||
			      (g->type == DNSP_T_AAAA && g->rdlen == 16));
			CHECK(dnsp_name_in(g->owner, zone));
			for (uint16_t j = 0; j < c->nns && !named; j++)
				named = dnsp_name_equal(dnsp_up_rdata(m, &m->rr[c->ns[j]]),
							g->owner);
			CHECK(named);
			CHECK(k == 0 || c->glue[k] > c->glue[k - 1]);
		}
		break;
	case DNSP_UP_LAME:
		CHECK(!final_seen);
		break;
	case DNSP_UP_SERVFAIL: /* a DNAME step that overflows the name */
		CHECK(c->nchain < max_chain);
		break;
	default:
		CHECK(false);
	}
	/* The bailiwick count: records outside the zone that were not kept. */
	uint16_t outside = 0;

	for (uint16_t i = 0; i < m->nrr; i++)
		if (m->rr[i].section != DNSP_SEC_AUTHORITY &&
		    !dnsp_name_in(m->rr[i].owner, zone) && !in_list(c->keep, c->nkeep, i))
			outside++;
	if (c->kind != DNSP_UP_SERVFAIL)
		CHECK(c->dropped == outside);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t www[] = "\3www\7example\3com";
	static const uint8_t sibling[] = "\7example\3net";

	int rc = dnsp_up_parse(data, size, &msg);
	memset(&again, 0xa5, sizeof(again));
	int rc2 = dnsp_up_parse(data, size, &again);

	CHECK(rc == rc2);
	CHECK(rc == 0 || rc == DNSP_EMALFORMED || rc == DNSP_ETRUNC);
	if (rc != 0)
		return 0; /* no response: nothing of it may be used */
	check_parsed(&msg);
	check_same(&msg, &again);

	const uint8_t *qname = msg.has_question ? msg.qname : www;
	uint16_t qtype = msg.has_question ? msg.qtype : DNSP_T_A;
	if (msg.has_question && (msg.flags & DNSP_FLAG_QR) && DNSP_OPCODE(msg.flags) == 0 &&
	    msg.qclass == DNSP_CLASS_IN) {
		CHECK(dnsp_up_matches(&msg, msg.id, qname, qtype, true));
		CHECK(!dnsp_up_matches(&msg, (uint16_t)(msg.id + 1), qname, qtype, false));
	}

	uint8_t zone[DNSP_NAME_MAX];
	int labels = msg.id & 0xf;
	uint32_t max_chain = (msg.id >> 4) & 0xf;

	if (labels > dnsp_name_labels(qname))
		memcpy(zone, sibling, sizeof(sibling));
	else
		CHECK(dnsp_name_ancestor(qname, labels, zone) == (int)dnsp_name_len(zone));
	CHECK(dnsp_up_classify(&msg, qname, qtype, zone, max_chain, &cls) == 0);
	check_class(&msg, qname, qtype, zone, max_chain, &cls);
	return 0;
}
