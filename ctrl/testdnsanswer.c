/*
 * TestDNSAnswer: a query built here from the request (question, EDNS0 with
 * a Client Subnet option when asked), answered by the data plane's own
 * pipeline code for the named zone with the resolver address as packet
 * source, then read back into the Route 53 response shape. Reading back
 * decompresses names inside rdata (the response builder compresses NS,
 * CNAME, PTR, MX and SOA targets) before turning each record into
 * presentation form. The query is answered as over TCP so that the whole
 * answer comes back however large; Protocol says "UDP", as Route 53 does.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "changes.h"
#include "rrjson.h"
#include "testdnsanswer.h"
#include "../lib/pipeline.h"
#include "../lib/snapshot.h"
#include "../lib/wire/name.h"
#include "../lib/wire/pkt.h"
#include "../lib/wire/rdata.h"

#define TDA_BUF 65535

static int error(json_t **out, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int error(json_t **out, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*out = dnsp_aws_error(status >= 500 ? "Receiver" : "Sender", code, msg);
	return status;
}

static int parse_ip(const char *text, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, addr) == 1)
		return 6;
	return 0;
}

/* Writes the query into buf; returns its length. */
static size_t build_query(uint8_t *buf, const uint8_t *qname, uint16_t qtype, int ecs_family,
			  const uint8_t *ecs_addr, int ecs_plen)
{
	size_t n = dnsp_name_len(qname), pos = DNSP_HDR_LEN;
	memset(buf, 0, DNSP_HDR_LEN);
	buf[0] = 0x7e;
	buf[1] = 0x57;
	buf[5] = 1;  /* QDCOUNT */
	buf[11] = 1; /* ARCOUNT: OPT */
	memcpy(buf + pos, qname, n);
	pos += n;
	buf[pos++] = (uint8_t)(qtype >> 8);
	buf[pos++] = (uint8_t)qtype;
	buf[pos++] = 0;
	buf[pos++] = DNSP_CLASS_IN;
	/* OPT (RFC 6891 §6.1.2): root owner, our size in CLASS, TTL 0 */
	size_t abytes = ecs_family ? (size_t)(ecs_plen + 7) / 8 : 0;
	size_t rdlen = ecs_family ? 8 + abytes : 0;
	uint8_t opt[11] = { 0, 0, DNSP_T_OPT, 0x10, 0x00, 0, 0, 0, 0, (uint8_t)(rdlen >> 8),
			    (uint8_t)rdlen };
	memcpy(buf + pos, opt, sizeof(opt));
	pos += sizeof(opt);
	if (ecs_family) { /* RFC 7871 §6: family, source prefix, scope 0, address */
		uint8_t hdr[8] = { 0, DNSP_EDNS_OPT_ECS, 0, (uint8_t)(4 + abytes), 0,
				   (uint8_t)(ecs_family == 6 ? 2 : 1), (uint8_t)ecs_plen, 0 };
		memcpy(buf + pos, hdr, sizeof(hdr));
		pos += sizeof(hdr);
		memcpy(buf + pos, ecs_addr, abytes);
		if (ecs_plen % 8) /* bits past the prefix must be zero (§6) */
			buf[pos + abytes - 1] &= (uint8_t)(0xff << (8 - ecs_plen % 8));
		pos += abytes;
	}
	return pos;
}

/*
 * The rdata of a response record at msg[off..off+rdlen) with names
 * decompressed (for the types the response builder compresses), into out.
 * Returns its length or a negative code.
 */
static int expand_rdata(const uint8_t *msg, size_t len, size_t off, uint16_t type,
			uint16_t rdlen, uint8_t *out, size_t cap)
{
	size_t pre = 0, names = 0, tail = 0;
	switch (type) {
	case DNSP_T_NS: case DNSP_T_CNAME: case DNSP_T_PTR:
		names = 1;
		break;
	case DNSP_T_MX:
		pre = 2;
		names = 1;
		break;
	case DNSP_T_SOA:
		names = 2;
		tail = 20;
		break;
	default:
		if (rdlen > cap)
			return DNSP_ENOSPACE;
		memcpy(out, msg + off, rdlen);
		return rdlen;
	}
	size_t end = off + rdlen, pos = off, o = 0;
	if (end > len)
		return DNSP_ETRUNC;
	if (pre > rdlen)
		return DNSP_EMALFORMED;
	memcpy(out, msg + pos, pre);
	pos += pre;
	o += pre;
	for (size_t i = 0; i < names; i++) {
		uint8_t name[DNSP_NAME_MAX];
		size_t wire = 0;
		int n = dnsp_name_unpack(msg, end, pos, name, &wire, false);
		if (n < 0)
			return n;
		if (o + (size_t)n > cap)
			return DNSP_ENOSPACE;
		memcpy(out + o, name, (size_t)n);
		o += (size_t)n;
		pos += wire;
	}
	if (pos + tail != end || o + tail > cap)
		return DNSP_EMALFORMED;
	memcpy(out + o, msg + pos, tail);
	return (int)(o + tail);
}

static const char *rcode_name(unsigned rc)
{
	static const char *const n[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
					 "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
					 "NOTZONE" };
	return rc < sizeof(n) / sizeof(n[0]) ? n[rc] : "SERVFAIL";
}

/* RecordData of the answer section of the reply msg[0..len). */
static int read_answers(const uint8_t *msg, size_t len, json_t *data)
{
	uint8_t name[DNSP_NAME_MAX];
	size_t wire, pos = DNSP_HDR_LEN;
	if (len < DNSP_HDR_LEN)
		return DNSP_ETRUNC;
	unsigned qd = (unsigned)msg[4] << 8 | msg[5], an = (unsigned)msg[6] << 8 | msg[7];
	for (unsigned i = 0; i < qd; i++) {
		if (dnsp_name_unpack(msg, len, pos, name, &wire, false) < 0 || pos + wire + 4 > len)
			return DNSP_EMALFORMED;
		pos += wire + 4;
	}
	uint8_t *rd = malloc(DNSP_RDATA_MAX + 1024);
	char *text = malloc(DNSP_RDATA_MAX * 4 + 64);
	int rc = 0;
	if (!rd || !text) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < an; i++) {
		if (dnsp_name_unpack(msg, len, pos, name, &wire, false) < 0 || pos + wire + 10 > len) {
			rc = DNSP_EMALFORMED;
			goto out;
		}
		pos += wire;
		uint16_t type = (uint16_t)(msg[pos] << 8 | msg[pos + 1]);
		uint16_t rdlen = (uint16_t)(msg[pos + 8] << 8 | msg[pos + 9]);
		pos += 10;
		if (pos + rdlen > len) {
			rc = DNSP_ETRUNC;
			goto out;
		}
		int n = expand_rdata(msg, len, pos, type, rdlen, rd, DNSP_RDATA_MAX + 1024);
		if (n < 0 || dnsp_rdata_to_text(type, rd, (size_t)n, text, DNSP_RDATA_MAX * 4 + 64) < 0) {
			rc = DNSP_EMALFORMED;
			goto out;
		}
		json_array_append_new(data, json_string(text));
		pos += rdlen;
	}
out:
	free(rd);
	free(text);
	return rc;
}

/* The first name server of z's apex NS set, without the final dot. */
static void nameserver(const dnsp_zone_t *z, char *buf, size_t cap)
{
	const struct dnsp_rrset *ns[DNSP_ROUTE_MAX_ANSWERS];
	snprintf(buf, cap, "%s", "");
	if (dnsp_route_resolve(dnsp_znode_rrset(z->root, DNSP_T_NS), NULL, ns) == 0 ||
	    ns[0]->rdata_len < 3)
		return;
	if (dnsp_name_to_text(ns[0]->rdata + 2, buf, cap) > 1) {
		size_t l = strlen(buf);
		if (l > 1 && buf[l - 1] == '.')
			buf[l - 1] = 0;
	}
}

int dnsp_test_dns_answer(struct dnsp_daemon *d, const struct dnsp_test_dns_query *tq,
			 json_t **out)
{
	uint8_t qname[DNSP_NAME_MAX], src[16], ecs[16];
	int ecs_family = 0, ecs_plen = 0;
	char tb[16];

	*out = NULL;
	if (!tq->zone_id || !*tq->zone_id)
		return error(out, 400, "InvalidInput", "hostedzoneid is required");
	if (!tq->record_name || !tq->record_type)
		return error(out, 400, "InvalidInput", "recordname and recordtype are required");
	if (dnsp_name_from_text(tq->record_name, strlen(tq->record_name), (const uint8_t *)"",
				qname) < 0)
		return error(out, 400, "InvalidInput", "recordname '%s' is not a domain name",
			     tq->record_name);
	int qtype = dnsp_rrtype_from_text(tq->record_type, strlen(tq->record_type));
	if (qtype <= 0)
		return error(out, 400, "InvalidInput", "recordtype '%s' is not a record type",
			     tq->record_type);
	const char *resolver = tq->resolver_ip ? tq->resolver_ip : tq->default_resolver;
	int family = resolver ? parse_ip(resolver, src) : 0;
	if (!family)
		return error(out, 400, "InvalidInput", "resolverip '%s' is not an IP address",
			     resolver ? resolver : "");
	if (tq->ecs_ip) {
		ecs_family = parse_ip(tq->ecs_ip, ecs);
		if (!ecs_family)
			return error(out, 400, "InvalidInput",
				     "edns0clientsubnetip '%s' is not an IP address", tq->ecs_ip);
		int max = ecs_family == 6 ? 128 : 32;
		ecs_plen = ecs_family == 6 ? 64 : 24; /* Route 53's defaults */
		if (tq->ecs_mask) {
			char *end;
			long m = strtol(tq->ecs_mask, &end, 10);
			if (*tq->ecs_mask == 0 || *end || m < 0 || m > max)
				return error(out, 400, "InvalidInput",
					     "edns0clientsubnetmask '%s' is not 0..%d", tq->ecs_mask,
					     max);
			ecs_plen = (int)m;
		}
	} else if (tq->ecs_mask) {
		return error(out, 400, "InvalidInput",
			     "edns0clientsubnetmask needs edns0clientsubnetip");
	}
	const char *zid = dnsp_zone_id_strip(tq->zone_id);

	uint8_t *buf = malloc(TDA_BUF);
	if (!buf)
		return error(out, 500, "InternalFailure", "out of memory");
	size_t qlen = build_query(buf, qname, (uint16_t)qtype, ecs_family, ecs, ecs_plen);

	struct dnsp_stats st;
	struct dnsp_worker_ctx w;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	memset(&st, 0, sizeof(st));
	/* Worker id 0: the routing path touches only the rng and the stats,
	 * both private to this call. */
	dnsp_worker_ctx_init(&w, &st, 0, (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32);

	char ns[DNSP_NAME_MAX * 4 + 2] = "";
	int len = -1, status = 200;
	pthread_mutex_lock(&d->lock);
	struct dnsp_cfg_zone *cz = dnsp_config_zone_by_id(d->cfg, zid);
	const struct dnsp_snapshot *s = dnsp_snapshot_current();
	const dnsp_zone_t *z = NULL;
	for (uint32_t i = 0; cz && s && i < s->nzones; i++)
		if (s->zones[i]->id && strcmp(s->zones[i]->id, zid) == 0)
			z = s->zones[i];
	if (!cz || !z) {
		status = !cz ? 404 : 503;
	} else {
		struct dnsp_pkt p = { .buf = buf, .len = (uint16_t)qlen, .cap = TDA_BUF,
				      .family = (uint8_t)family, .tcp = true, .src_port = 53 };
		memcpy(p.src, src, 16);
		len = dnsp_pipeline_answer_zone(s, z, cz->private_zone, &p, &w);
		nameserver(z, ns, sizeof(ns));
	}
	pthread_mutex_unlock(&d->lock);

	if (status == 404) {
		free(buf);
		return error(out, 404, "NoSuchHostedZone", "No hosted zone found with ID: %s", zid);
	}
	if (status != 200 || len <= 0) {
		free(buf);
		return error(out, 503, "ServiceUnavailable", "no serving snapshot holds zone %s", zid);
	}
	json_t *data = json_array();
	int rc = data ? read_answers(buf, (size_t)len, data) : -ENOMEM;
	unsigned rcode = buf[3] & 0xf;
	free(buf);
	if (rc < 0) {
		json_decref(data);
		return error(out, 500, "InternalFailure", "cannot read the answer: %s",
			     dnsp_strerror(rc));
	}
	*out = json_pack("{s:s,s:s,s:s,s:o,s:s,s:s}", "Nameserver", ns, "RecordName",
			 tq->record_name, "RecordType", dnsp_rrtype_to_text((uint16_t)qtype, tb),
			 "RecordData", data, "ResponseCode", rcode_name(rcode), "Protocol", "UDP");
	return *out ? 200 : 500;
}
