/*
 * Domain-list text formats for the DNS Firewall (lib/domainlist.h). Threat
 * feeds come as bare domain lists, hosts files ("0.0.0.0 evil.example") or
 * RPZ zones; all three end up as the same normalised entries, checked
 * against the AWS domain syntax so that what the firewall compiles is
 * exactly what the Route 53 API would have accepted. The line readers work
 * over caller memory with explicit end pointers (no NUL terminator
 * assumed); the RPZ reader reuses the master-file parser of
 * lib/zone/zonefile.c with $INCLUDE refused, since the text is untrusted.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "domainlist.h"
#include "wire/name.h"
#include "wire/pkt.h"
#include "zone/zonefile.h"

const char *dnsp_domainlist_format_name(enum dnsp_dl_format f)
{
	switch (f) {
	case DNSP_DL_PLAIN: return "plain";
	case DNSP_DL_HOSTS: return "hosts";
	case DNSP_DL_RPZ: return "rpz";
	default: return "auto";
	}
}

/* 1 for A-Z a-z 0-9 '-' (the only label characters AWS allows). */
static inline bool label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

static inline char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

int dnsp_domain_normalize(const char *in, size_t len, char out[DNSP_DOMAIN_TEXT_MAX + 1],
			  const char **why)
{
	static const char *const reasons[] = {
		"empty domain",
		"the root (\".\") is not a domain list entry",
		"'*' must be the whole first label (\"*\" or \"*.example.com\")",
		("invalid character (allowed: A-Z a-z 0-9 '-' and '.' between labels, "
		 "optionally '*' first)"),
		"empty label (two dots in a row, or a leading dot)",
		"label longer than 63 characters",
		"name longer than 253 characters",
	};
	const char *dummy;
	if (!why)
		why = &dummy;
	if (len > 0 && in[len - 1] == '.') {
		if (len == 1) {
			*why = reasons[1];
			return DNSP_ESYNTAX;
		}
		len--; /* one trailing dot: the absolute form of the same name */
	}
	if (len == 0) {
		*why = reasons[0];
		return DNSP_ESYNTAX;
	}
	size_t o = 0, i = 0;
	if (in[0] == '*') {
		if (len == 1) {
			out[0] = '*';
			out[1] = 0;
			return 1;
		}
		if (in[1] != '.') {
			*why = reasons[2];
			return DNSP_ESYNTAX;
		}
		out[o++] = '*';
		out[o++] = '.';
		i = 2;
		if (i == len) {
			*why = reasons[4];
			return DNSP_ESYNTAX;
		}
	}
	if (len - i > 253) {
		*why = reasons[6];
		return DNSP_ESYNTAX;
	}
	size_t label = 0;
	for (; i < len; i++) {
		char c = in[i];
		if (c == '.') {
			if (label == 0) {
				*why = reasons[4];
				return DNSP_ESYNTAX;
			}
			label = 0;
			out[o++] = '.';
			continue;
		}
		if (c == '*') {
			*why = reasons[2];
			return DNSP_ESYNTAX;
		}
		if (!label_char((unsigned char)c)) {
			*why = reasons[3];
			return DNSP_ESYNTAX;
		}
		if (++label > DNSP_LABEL_MAX) {
			*why = reasons[5];
			return DNSP_ESYNTAX;
		}
		out[o++] = lower(c);
	}
	if (label == 0) {
		*why = reasons[4]; /* "a..": the trailing dot was stripped once */
		return DNSP_ESYNTAX;
	}
	out[o] = 0;
	return (int)o;
}

/* ---- line scanning ---- */

struct line {
	const char *p, *end; /* the line without its terminator */
	int no;              /* 1-based */
};

/* Next line of [*pos, end); false at the end. Strips a trailing CR. */
static bool next_line(const char **pos, const char *end, struct line *l)
{
	if (*pos >= end)
		return false;
	const char *s = *pos;
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	const char *e = nl ? nl : end;
	*pos = nl ? nl + 1 : end;
	if (e > s && e[-1] == '\r')
		e--;
	l->p = s;
	l->end = e;
	l->no++;
	return true;
}

static inline bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Cuts a comment starting at the first c; returns the new end. */
static const char *cut_comment(const char *p, const char *end, char c)
{
	if (end <= p)
		return end;
	const char *h = memchr(p, c, (size_t)(end - p));
	return h ? h : end;
}

/* Next blank-separated token of [*p, end): sets *t, *tl; false if none. */
static bool next_token(const char **p, const char *end, const char **t, size_t *tl)
{
	const char *s = *p;
	while (s < end && blank(*s))
		s++;
	if (s >= end) {
		*p = s;
		return false;
	}
	const char *e = s;
	while (e < end && !blank(*e))
		e++;
	*t = s;
	*tl = (size_t)(e - s);
	*p = e;
	return true;
}

static bool is_address(const char *t, size_t tl)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	/* a NUL inside the token would end inet_pton's string early and let
	 * "0.0.0.0\0junk" pass for an address */
	if (tl == 0 || tl >= sizeof(buf) || memchr(t, 0, tl))
		return false;
	memcpy(buf, t, tl);
	buf[tl] = 0;
	return inet_pton(AF_INET, buf, bin) == 1 || inet_pton(AF_INET6, buf, bin) == 1;
}

static bool token_is(const char *t, size_t tl, const char *word)
{
	return strlen(word) == tl && strncasecmp(t, word, tl) == 0;
}

/* RR keywords that mark a master-file line (never a plain-list entry on a
 * line of its own, which has one token only). */
static bool rr_keyword(const char *t, size_t tl)
{
	static const char *const k[] = { "IN", "SOA", "NS", "CNAME", "A", "AAAA", "TXT",
		"DNAME", "PTR", NULL };
	for (size_t i = 0; k[i]; i++)
		if (token_is(t, tl, k[i]))
			return true;
	return false;
}

enum dnsp_dl_format dnsp_domainlist_detect(const char *text, size_t len)
{
	const char *pos = text, *end = text + len;
	struct line l = { 0 };
	int significant = 0;
	while (significant < 64 && next_line(&pos, end, &l)) {
		const char *p = l.p, *e = cut_comment(l.p, l.end, '#');
		e = cut_comment(p, e, ';');
		const char *t;
		size_t tl;
		bool indented = p < e && blank(*p);
		if (!next_token(&p, e, &t, &tl))
			continue;
		significant++;
		if (t[0] == '$')
			return DNSP_DL_RPZ;
		const char *first = t;
		size_t first_len = tl;
		int ntok = 1;
		bool keyword = indented && rr_keyword(t, tl);
		while (next_token(&p, e, &t, &tl)) {
			ntok++;
			keyword |= rr_keyword(t, tl);
		}
		if (significant == 1 && ntok >= 2 && is_address(first, first_len))
			return DNSP_DL_HOSTS;
		if (keyword && (ntok >= 2 || indented))
			return DNSP_DL_RPZ;
	}
	return DNSP_DL_PLAIN;
}

/* ---- plain and hosts ---- */

struct run {
	dnsp_dl_entry_fn on_entry;
	dnsp_dl_error_fn on_error;
	void *ctx;
	struct dnsp_dl_stats *st;
	int stop;
};

static void report(struct run *r, int line, const char *t, size_t tl, const char *msg)
{
	r->st->errors++;
	if (r->on_error)
		r->on_error(r->ctx, line, t, tl, msg);
}

/* Normalises and delivers one entry; false when the callback stopped. */
static bool deliver(struct run *r, int line, const char *t, size_t tl)
{
	char norm[DNSP_DOMAIN_TEXT_MAX + 1];
	const char *why = NULL;
	int n = dnsp_domain_normalize(t, tl, norm, &why);
	if (n < 0) {
		report(r, line, t, tl, why);
		return true;
	}
	r->st->entries++;
	if (r->on_entry) {
		int rc = r->on_entry(r->ctx, norm, (size_t)n, line);
		if (rc) {
			r->stop = rc;
			return false;
		}
	}
	return true;
}

static void parse_plain(const char *text, size_t len, struct run *r)
{
	const char *pos = text, *end = text + len;
	struct line l = { 0 };
	while (next_line(&pos, end, &l)) {
		const char *p = l.p, *e = cut_comment(l.p, l.end, '#');
		const char *t, *t2;
		size_t tl, tl2;
		if (!next_token(&p, e, &t, &tl))
			continue;
		if (next_token(&p, e, &t2, &tl2)) {
			report(r, l.no, t, (size_t)(e - t),
			       "more than one word on the line (one domain per line; a hosts or "
			       "RPZ file?)");
			continue;
		}
		if (!deliver(r, l.no, t, tl))
			return;
	}
}

/* Names hosts files map to themselves or to local addresses; never entries. */
static bool hosts_local_name(const char *t, size_t tl)
{
	static const char *const n[] = { "localhost", "localhost.localdomain", "local",
		"broadcasthost", "ip6-localhost", "ip6-loopback", "ip6-localnet",
		"ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0",
		NULL };
	for (size_t i = 0; n[i]; i++)
		if (token_is(t, tl, n[i]))
			return true;
	return false;
}

static void parse_hosts(const char *text, size_t len, struct run *r)
{
	const char *pos = text, *end = text + len;
	struct line l = { 0 };
	while (next_line(&pos, end, &l)) {
		const char *p = l.p, *e = cut_comment(l.p, l.end, '#');
		const char *t;
		size_t tl;
		if (!next_token(&p, e, &t, &tl))
			continue;
		if (!is_address(t, tl)) {
			report(r, l.no, t, tl, "expected an IPv4 or IPv6 address first (hosts file "
			       "format: \"0.0.0.0 name\")");
			continue;
		}
		int names = 0;
		while (next_token(&p, e, &t, &tl)) {
			names++;
			if (hosts_local_name(t, tl)) {
				r->st->skipped++;
				continue;
			}
			if (!deliver(r, l.no, t, tl))
				return;
		}
		if (names == 0)
			report(r, l.no, l.p, (size_t)(e - l.p), "an address without a name");
	}
}

/* ---- RPZ ---- */

/* Where relative owners land when the file has no SOA: never a real zone. */
static const uint8_t rpz_default_origin[] = "\x03rpz\x07invalid";

struct rpz {
	struct run *r;
	uint8_t apex[DNSP_NAME_MAX];
	bool have_apex;
	bool any_record;
};

static void rpz_error(void *ctx, const char *file, int line, const char *msg)
{
	struct rpz *z = ctx;
	(void)file;
	report(z->r, line, "", 0, msg);
}

/* Non-QNAME trigger suffixes (the label just above the apex). */
static bool rpz_other_trigger(const uint8_t *label)
{
	static const char *const t[] = { "rpz-ip", "rpz-nsdname", "rpz-nsip", "rpz-client-ip",
		NULL };
	for (size_t i = 0; t[i]; i++)
		if (label[0] == strlen(t[i]) && strncasecmp((const char *)label + 1, t[i], label[0]) == 0)
			return true;
	return false;
}

static int rpz_record(void *ctx, const struct dnsp_zf_record *rr)
{
	struct rpz *z = ctx;
	struct run *r = z->r;
	if (!z->any_record) {
		z->any_record = true;
		/* The apex of an RPZ is where its SOA is; without one, the
		 * names are relative to the start of the file. */
		size_t n = rr->type == DNSP_T_SOA ? dnsp_name_len(rr->owner)
						  : sizeof(rpz_default_origin);
		memcpy(z->apex, rr->type == DNSP_T_SOA ? rr->owner : rpz_default_origin, n);
		z->have_apex = true;
	}
	if (!dnsp_name_in(rr->owner, z->apex)) {
		char text[DNSP_NAME_MAX * 4 + 2], apex[DNSP_NAME_MAX * 4 + 2];
		if (dnsp_name_to_text(rr->owner, text, sizeof(text)) < 0)
			text[0] = 0;
		if (dnsp_name_to_text(z->apex, apex, sizeof(apex)) < 0)
			apex[0] = 0;
		char msg[64 + sizeof(apex)];
		snprintf(msg, sizeof(msg), "owner is outside the RPZ apex %s", apex);
		report(r, rr->line, text, strlen(text), msg);
		return 0;
	}
	int nl = dnsp_name_labels(rr->owner) - dnsp_name_labels(z->apex);
	if (nl <= 0) {
		r->st->skipped++; /* SOA, NS and other apex records */
		return 0;
	}
	/* rpz-passthru: an exception that lets the name through (the list
	 * has no actions of its own, so it is not an entry). */
	static const uint8_t passthru[] = "\x0crpz-passthru";
	if (rr->type == DNSP_T_CNAME && rr->rdlen == sizeof(passthru) &&
	    dnsp_name_equal(rr->rdata, passthru)) {
		r->st->skipped++;
		return 0;
	}
	/* Labels left of the apex, joined with dots; labels are checked here
	 * so that an escaped dot inside a label cannot pass for two. */
	char text[DNSP_NAME_MAX + 1];
	size_t o = 0;
	const uint8_t *p = rr->owner;
	const uint8_t *last = NULL;
	bool bad = false;
	for (int i = 0; i < nl; i++) {
		uint8_t ll = *p;
		if (i > 0)
			text[o++] = '.';
		for (uint8_t k = 0; k < ll; k++) {
			char c = (char)p[1 + k];
			if (!label_char((unsigned char)c) && !(c == '*' && ll == 1 && i == 0))
				bad = true;
			text[o++] = label_char((unsigned char)c) || c == '*' ? c : '?';
		}
		last = p;
		p += 1 + ll;
	}
	text[o] = 0;
	if (last && rpz_other_trigger(last)) {
		r->st->skipped++; /* rpz-ip, rpz-nsdname, ...: not a query-name trigger */
		return 0;
	}
	if (bad) {
		report(r, rr->line, text, o,
		       "invalid character (allowed: A-Z a-z 0-9 '-' and '.' between labels, "
		       "optionally '*' first)");
		return 0;
	}
	return deliver(r, rr->line, text, o) ? 0 : r->stop;
}

static void parse_rpz(const char *text, size_t len, struct run *r)
{
	struct rpz z = { .r = r };
	struct dnsp_zf_params prm = {
		.origin = rpz_default_origin,
		.default_ttl = 300,
		.on_record = rpz_record,
		.on_error = rpz_error,
		.ctx = &z,
		.no_include = true,
	};
	int rc = dnsp_zonefile_read_mem(text, len, "rpz", &prm);
	if (rc > 0 && !r->stop)
		r->stop = rc;
}

int dnsp_domainlist_parse(const char *text, size_t len, enum dnsp_dl_format fmt,
			  dnsp_dl_entry_fn on_entry, dnsp_dl_error_fn on_error, void *ctx,
			  struct dnsp_dl_stats *st)
{
	struct dnsp_dl_stats local;
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (fmt == DNSP_DL_AUTO)
		fmt = dnsp_domainlist_detect(text, len);
	st->format = fmt;
	struct run r = { .on_entry = on_entry, .on_error = on_error, .ctx = ctx, .st = st };
	switch (fmt) {
	case DNSP_DL_HOSTS:
		parse_hosts(text, len, &r);
		break;
	case DNSP_DL_RPZ:
		parse_rpz(text, len, &r);
		break;
	default:
		parse_plain(text, len, &r);
		break;
	}
	if (r.stop)
		return r.stop;
	return st->errors ? DNSP_ESYNTAX : 0;
}
