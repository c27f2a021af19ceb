/*
 * Resource record data in presentation text and in uncompressed wire form.
 *
 * Every type with a native text form is described by a short field list
 * (e.g. MX = "2n": a 16-bit number then a name), and the three operations
 * (text → wire, wire → text, wire check) walk that list, so a type is added
 * in one place and the three can never disagree about a layout. Text output
 * follows what `dig +short` prints (checked against BIND 9.18): names
 * absolute with escapes, character-strings quoted with \" \\ and \DDD for
 * bytes outside 0x20..0x7e, hex and base64 fields upper-case hex / base64 cut
 * into 56-character chunks separated by one blank, other types in RFC 3597
 * form. This is control-plane code (config and zone loading, API output);
 * it never allocates, and error messages are written to a thread-local
 * buffer so the functions stay safe on any thread.
 */
#include "rdata.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
	T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_PTR = 12, T_MX = 15,
	T_TXT = 16, T_AAAA = 28, T_SRV = 33, T_NAPTR = 35, T_DNAME = 39,
	T_DS = 43, T_SSHFP = 44, T_DNSKEY = 48, T_TLSA = 52, T_SPF = 99,
	T_CAA = 257,
};

/* Mnemonics as IANA registers them (and as dig prints them). Only the
 * types with a field list below have a native rdata text form. */
static const struct {
	uint16_t type;
	const char *name;
} type_names[] = {
	{1, "A"},          {2, "NS"},         {3, "MD"},        {4, "MF"},
	{5, "CNAME"},      {6, "SOA"},        {7, "MB"},        {8, "MG"},
	{9, "MR"},         {10, "NULL"},      {11, "WKS"},      {12, "PTR"},
	{13, "HINFO"},     {14, "MINFO"},     {15, "MX"},       {16, "TXT"},
	{17, "RP"},        {18, "AFSDB"},     {24, "SIG"},      {25, "KEY"},
	{28, "AAAA"},      {29, "LOC"},       {33, "SRV"},      {35, "NAPTR"},
	{36, "KX"},        {37, "CERT"},      {39, "DNAME"},    {41, "OPT"},
	{42, "APL"},       {43, "DS"},        {44, "SSHFP"},    {45, "IPSECKEY"},
	{46, "RRSIG"},     {47, "NSEC"},      {48, "DNSKEY"},   {49, "DHCID"},
	{50, "NSEC3"},     {51, "NSEC3PARAM"}, {52, "TLSA"},    {53, "SMIMEA"},
	{55, "HIP"},       {59, "CDS"},       {60, "CDNSKEY"},  {61, "OPENPGPKEY"},
	{62, "CSYNC"},     {63, "ZONEMD"},    {64, "SVCB"},     {65, "HTTPS"},
	{99, "SPF"},       {108, "EUI48"},    {109, "EUI64"},   {249, "TKEY"},
	{250, "TSIG"},     {251, "IXFR"},     {252, "AXFR"},    {255, "ANY"},
	{256, "URI"},      {257, "CAA"},
};

/*
 * Field kinds of a native rdata layout:
 *   a IPv4 (4 bytes)      A IPv6 (16 bytes)     n domain name (uncompressed)
 *   1 2 4 unsigned numbers of 8/16/32 bits      t 32-bit time, TTL units ok
 *   s one character-string (RFC 1035 §3.3)      S one or more, to the end
 *   x hex to the end (blanks allowed, ≥ 1 byte) b base64 to the end (≥ 1)
 *   c CAA tag (length byte + letters/digits)    v CAA value (rest, no length)
 */
struct layout {
	uint16_t type;
	const char *kinds;
	const char *what[7]; /* one label per field, for error messages */
};

static const struct layout layouts[] = {
	{T_A, "a", {"IPv4 address"}},
	{T_AAAA, "A", {"IPv6 address"}},
	{T_NS, "n", {"NS name server"}},
	{T_CNAME, "n", {"CNAME target"}},
	{T_PTR, "n", {"PTR target"}},
	{T_DNAME, "n", {"DNAME target"}},
	{T_MX, "2n", {"MX preference", "MX exchange"}},
	{T_SOA, "nn4tttt",
	 {"SOA mname", "SOA rname", "SOA serial", "SOA refresh", "SOA retry", "SOA expire",
	  "SOA minimum"}},
	{T_TXT, "S", {"TXT string"}},
	{T_SPF, "S", {"SPF string"}},
	{T_SRV, "222n", {"SRV priority", "SRV weight", "SRV port", "SRV target"}},
	{T_NAPTR, "22sssn",
	 {"NAPTR order", "NAPTR preference", "NAPTR flags", "NAPTR services", "NAPTR regexp",
	  "NAPTR replacement"}},
	{T_DS, "211x", {"DS key tag", "DS algorithm", "DS digest type", "DS digest"}},
	{T_SSHFP, "11x", {"SSHFP algorithm", "SSHFP fingerprint type", "SSHFP fingerprint"}},
	{T_TLSA, "111x", {"TLSA usage", "TLSA selector", "TLSA matching type", "TLSA data"}},
	{T_DNSKEY, "211b",
	 {"DNSKEY flags", "DNSKEY protocol", "DNSKEY algorithm", "DNSKEY public key"}},
	{T_CAA, "1cv", {"CAA flags", "CAA tag", "CAA value"}},
};

static const struct layout *layout_of(uint16_t type)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].type == type)
			return &layouts[i];
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Error messages                                                           */

/* Messages name the field and quote the bad token. They live in a
 * thread-local buffer so that callers on different threads never share one;
 * the text stays valid until the next call on the same thread. */
static _Thread_local char err_buf[192];

static int fail(const char **errmsg, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(const char **errmsg, int code, const char *fmt, ...)
{
	if (errmsg) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
		va_end(ap);
		*errmsg = err_buf;
	}
	return code;
}

/* Shortens a token for quoting in a message. */
static int shown(size_t len)
{
	return len > 48 ? 48 : (int)len;
}

/* ------------------------------------------------------------------------ */
/* Type mnemonics                                                           */

int dnsp_rrtype_from_text(const char *text, size_t len)
{
	if (!text || len == 0 || len > 15)
		return DNSP_ESYNTAX;
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		const char *n = type_names[i].name;
		if (strlen(n) == len && strncasecmp(n, text, len) == 0)
			return type_names[i].type;
	}
	/* RFC 3597 §5: TYPEnnn for any type number. */
	if (len > 4 && strncasecmp(text, "TYPE", 4) == 0 && len <= 9) {
		uint32_t v = 0;
		for (size_t i = 4; i < len; i++) {
			if (text[i] < '0' || text[i] > '9')
				return DNSP_ESYNTAX;
			v = v * 10 + (uint32_t)(text[i] - '0');
		}
		if (v >= 1 && v <= 65535)
			return (int)v;
	}
	return DNSP_ESYNTAX;
}

const char *dnsp_rrtype_to_text(uint16_t type, char buf[16])
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (type_names[i].type == type) {
			snprintf(buf, 16, "%s", type_names[i].name);
			return buf;
		}
	}
	snprintf(buf, 16, "TYPE%u", (unsigned)type);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* Text side: tokens                                                        */

struct token {
	const char *p; /* content (inside the quotes when quoted), raw escapes */
	size_t len;
	bool quoted;
};

struct lexer {
	const char *p, *end;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Returns 1 with a token, 0 at the end, DNSP_ESYNTAX on an open quote. */
static int lex_next(struct lexer *lx, struct token *t, const char **errmsg)
{
	while (lx->p < lx->end && is_blank(*lx->p))
		lx->p++;
	if (lx->p >= lx->end)
		return 0;
	if (*lx->p == '"') {
		const char *s = ++lx->p;
		while (lx->p < lx->end && *lx->p != '"') {
			if (*lx->p == '\\' && lx->p + 1 < lx->end)
				lx->p++;
			lx->p++;
		}
		if (lx->p >= lx->end)
			return fail(errmsg, DNSP_ESYNTAX, "unterminated quoted string");
		t->p = s;
		t->len = (size_t)(lx->p - s);
		t->quoted = true;
		lx->p++; /* closing quote */
		return 1;
	}
	const char *s = lx->p;
	while (lx->p < lx->end && !is_blank(*lx->p)) {
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			lx->p++;
		lx->p++;
	}
	t->p = s;
	t->len = (size_t)(lx->p - s);
	t->quoted = false;
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Text side: field parsers                                                 */

struct wbuf {
	uint8_t *p;
	size_t cap, len;
};

static int put(struct wbuf *w, const void *src, size_t n, const char **errmsg)
{
	if (n > w->cap - w->len)
		return fail(errmsg, DNSP_ENOSPACE, "rdata does not fit the output buffer");
	memcpy(w->p + w->len, src, n);
	w->len += n;
	return 0;
}

static int parse_number(const struct token *t, uint64_t max, uint64_t *out,
			const char *what, const char **errmsg)
{
	uint64_t v = 0;
	if (t->len == 0)
		return fail(errmsg, DNSP_ESYNTAX, "%s: expected a number", what);
	for (size_t i = 0; i < t->len; i++) {
		char c = t->p[i];
		if (c < '0' || c > '9')
			return fail(errmsg, DNSP_ESYNTAX, "%s: expected a number, got \"%.*s\"",
				    what, shown(t->len), t->p);
		v = v * 10 + (uint64_t)(c - '0');
		if (v > max)
			return fail(errmsg, DNSP_ERANGE, "%s: %.*s is out of range 0..%llu",
				    what, shown(t->len), t->p, (unsigned long long)max);
	}
	*out = v;
	return 0;
}

int dnsp_duration_from_text(const char *p, size_t len, uint64_t max, uint32_t *out)
{
	uint64_t total = 0, cur = 0;
	bool digits = false, any = false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (c >= '0' && c <= '9') {
			cur = cur * 10 + (uint64_t)(c - '0');
			if (cur > max)
				return DNSP_ERANGE;
			digits = any = true;
			continue;
		}
		uint64_t mult;
		switch (c | 0x20) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		case 'w': mult = 604800; break;
		default: return DNSP_ESYNTAX;
		}
		if (!digits)
			return DNSP_ESYNTAX;
		total += cur * mult;
		if (total > max)
			return DNSP_ERANGE;
		cur = 0;
		digits = false;
	}
	if (!any)
		return DNSP_ESYNTAX;
	total += cur;
	if (total > max)
		return DNSP_ERANGE;
	*out = (uint32_t)total;
	return 0;
}

/* A time in seconds, or with BIND units ("1h30m", "2w"), as a 32-bit field. */
static int parse_time(const struct token *t, uint64_t *out, const char *what,
		      const char **errmsg)
{
	uint32_t v;
	int rc = dnsp_duration_from_text(t->p, t->len, UINT32_MAX, &v);
	if (rc == DNSP_ERANGE)
		return fail(errmsg, DNSP_ERANGE, "%s: %.*s is out of range 0..4294967295", what,
			    shown(t->len), t->p);
	if (rc < 0)
		return fail(errmsg, DNSP_ESYNTAX, "%s: expected a number (optionally with "
			    "s/m/h/d/w units), got \"%.*s\"", what, shown(t->len), t->p);
	*out = v;
	return 0;
}

/* Decodes \DDD and \X escapes of a token into out (cap bytes). */
static int decode_string(const struct token *t, uint8_t *out, size_t cap,
			 const char *what, const char **errmsg)
{
	size_t n = 0;
	for (size_t i = 0; i < t->len; i++) {
		uint8_t b = (uint8_t)t->p[i];
		if (b == '\\') {
			if (i + 1 >= t->len)
				return fail(errmsg, DNSP_ESYNTAX, "%s: backslash at the end", what);
			char d0 = t->p[i + 1];
			if (d0 >= '0' && d0 <= '9') {
				if (i + 3 >= t->len)
					return fail(errmsg, DNSP_ESYNTAX,
						    "%s: \\DDD escape needs three digits", what);
				char d1 = t->p[i + 2], d2 = t->p[i + 3];
				if (d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9')
					return fail(errmsg, DNSP_ESYNTAX,
						    "%s: \\DDD escape needs three digits", what);
				int v = (d0 - '0') * 100 + (d1 - '0') * 10 + (d2 - '0');
				if (v > 255)
					return fail(errmsg, DNSP_ERANGE,
						    "%s: escape \\%c%c%c is above 255", what, d0, d1,
						    d2);
				b = (uint8_t)v;
				i += 3;
			} else {
				b = (uint8_t)d0;
				i += 1;
			}
		}
		if (n >= cap)
			return fail(errmsg, DNSP_ESYNTAX, "%s: longer than %zu bytes", what, cap);
		out[n++] = b;
	}
	return (int)n;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Hex digits spread over the remaining tokens (blanks allowed anywhere). */
static int parse_hex_rest(struct lexer *lx, struct token *t, int have, struct wbuf *w,
			  const char *what, const char **errmsg)
{
	size_t start = w->len;
	int hi = -1;
	while (have == 1) {
		for (size_t i = 0; i < t->len; i++) {
			int v = hex_value(t->p[i]);
			if (v < 0)
				return fail(errmsg, DNSP_ESYNTAX, "%s: bad hex digit in \"%.*s\"",
					    what, shown(t->len), t->p);
			if (hi < 0) {
				hi = v;
				continue;
			}
			uint8_t b = (uint8_t)(hi << 4 | v);
			int rc = put(w, &b, 1, errmsg);
			if (rc < 0)
				return rc;
			hi = -1;
		}
		have = lex_next(lx, t, errmsg);
		if (have < 0)
			return have;
	}
	if (hi >= 0)
		return fail(errmsg, DNSP_ESYNTAX, "%s: odd number of hex digits", what);
	if (w->len == start)
		return fail(errmsg, DNSP_ESYNTAX, "missing %s", what);
	return 0;
}

/* Base64 (RFC 4648 §4, padded) spread over the remaining tokens. */
static int parse_base64_rest(struct lexer *lx, struct token *t, int have, struct wbuf *w,
			     const char *what, const char **errmsg)
{
	size_t start = w->len;
	uint32_t acc = 0;
	int nq = 0, pad = 0;
	while (have == 1) {
		for (size_t i = 0; i < t->len; i++) {
			char c = t->p[i];
			int v;
			if (c == '=') {
				if (nq < 2)
					goto bad;
				pad++;
				v = 0;
			} else {
				v = b64_value(c);
				if (v < 0 || pad > 0)
					goto bad;
			}
			acc = acc << 6 | (uint32_t)v;
			if (++nq < 4)
				continue;
			uint8_t b[3] = {(uint8_t)(acc >> 16), (uint8_t)(acc >> 8), (uint8_t)acc};
			int rc = put(w, b, (size_t)(3 - pad), errmsg);
			if (rc < 0)
				return rc;
			/* Padding ends the data: only "=" may follow. */
			nq = 0;
			acc = 0;
			if (pad)
				pad = 3;
		}
		have = lex_next(lx, t, errmsg);
		if (have < 0)
			return have;
	}
	if (nq != 0)
		return fail(errmsg, DNSP_ESYNTAX, "%s: base64 length is not a multiple of 4",
			    what);
	if (w->len == start)
		return fail(errmsg, DNSP_ESYNTAX, "missing %s", what);
	return 0;
bad:
	return fail(errmsg, DNSP_ESYNTAX, "%s: bad base64 in \"%.*s\"", what, shown(t->len),
		    t->p);
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int parse_field(char kind, const char *what, const struct token *t,
		       const uint8_t *origin, struct wbuf *w, const char **errmsg)
{
	uint8_t tmp[256];
	uint64_t v = 0;
	int rc;
	switch (kind) {
	case 'a':
	case 'A': {
		char addr[64];
		if (t->len >= sizeof(addr))
			return fail(errmsg, DNSP_ESYNTAX, "bad %s \"%.*s\"", what, shown(t->len),
				    t->p);
		memcpy(addr, t->p, t->len);
		addr[t->len] = '\0';
		if (inet_pton(kind == 'a' ? AF_INET : AF_INET6, addr, tmp) != 1)
			return fail(errmsg, DNSP_ESYNTAX, "bad %s \"%s\"", what, addr);
		return put(w, tmp, kind == 'a' ? 4 : 16, errmsg);
	}
	case 'n': {
		uint8_t name[DNSP_NAME_MAX];
		rc = dnsp_name_from_text(t->p, t->len, origin, name);
		if (rc < 0) {
			if (!origin && rc == DNSP_ENAME && t->len > 0 && t->p[t->len - 1] != '.')
				return fail(errmsg, DNSP_ENAME,
					    "%s: relative name \"%.*s\" without origin", what,
					    shown(t->len), t->p);
			return fail(errmsg, rc == DNSP_ENAME ? DNSP_ENAME : DNSP_ESYNTAX,
				    "%s: bad domain name \"%.*s\"", what, shown(t->len), t->p);
		}
		return put(w, name, (size_t)rc, errmsg);
	}
	case '1':
	case '2':
	case '4':
		rc = parse_number(t, kind == '1' ? 0xff : kind == '2' ? 0xffff : 0xffffffff, &v,
				  what, errmsg);
		if (rc < 0)
			return rc;
		if (kind == '1') {
			tmp[0] = (uint8_t)v;
			return put(w, tmp, 1, errmsg);
		}
		if (kind == '2') {
			tmp[0] = (uint8_t)(v >> 8);
			tmp[1] = (uint8_t)v;
			return put(w, tmp, 2, errmsg);
		}
		/* fallthrough */
	case 't':
		if (kind == 't') {
			rc = parse_time(t, &v, what, errmsg);
			if (rc < 0)
				return rc;
		}
		tmp[0] = (uint8_t)(v >> 24);
		tmp[1] = (uint8_t)(v >> 16);
		tmp[2] = (uint8_t)(v >> 8);
		tmp[3] = (uint8_t)v;
		return put(w, tmp, 4, errmsg);
	case 's':
		rc = decode_string(t, tmp + 1, 255, what, errmsg);
		if (rc < 0)
			return rc;
		tmp[0] = (uint8_t)rc;
		return put(w, tmp, (size_t)rc + 1, errmsg);
	case 'c':
		if (t->len == 0 || t->quoted)
			return fail(errmsg, DNSP_ESYNTAX, "%s: expected letters and digits", what);
		rc = decode_string(t, tmp + 1, 255, what, errmsg);
		if (rc < 0)
			return rc;
		for (int i = 1; i <= rc; i++)
			if (!is_alnum(tmp[i]))
				return fail(errmsg, DNSP_ESYNTAX,
					    "%s: \"%.*s\" is not letters and digits (RFC 8659 §4.1)",
					    what, shown(t->len), t->p);
		tmp[0] = (uint8_t)rc;
		return put(w, tmp, (size_t)rc + 1, errmsg);
	case 'v': {
		/* The value has no length byte: it runs to the end of rdata. */
		rc = decode_string(t, w->p + w->len, w->cap - w->len, what, errmsg);
		if (rc < 0) {
			if (t->len > w->cap - w->len)
				return fail(errmsg, DNSP_ENOSPACE,
					    "rdata does not fit the output buffer");
			return rc;
		}
		w->len += (size_t)rc;
		return 0;
	}
	default:
		return fail(errmsg, DNSP_ESYNTAX, "internal: unknown field kind");
	}
}

/* RFC 3597 §5: "\# <length> <hex>", the hex possibly split by blanks. */
static int parse_generic(struct lexer *lx, struct wbuf *w, const char **errmsg)
{
	struct token t;
	int have = lex_next(lx, &t, errmsg);
	if (have < 0)
		return have;
	if (have == 0)
		return fail(errmsg, DNSP_ESYNTAX, "\\# needs a length");
	uint64_t len;
	int rc = parse_number(&t, 0xffff, &len, "\\# length", errmsg);
	if (rc < 0)
		return rc;
	if (len > w->cap)
		return fail(errmsg, DNSP_ENOSPACE, "rdata does not fit the output buffer");
	have = lex_next(lx, &t, errmsg);
	if (have < 0)
		return have;
	if (len == 0) {
		if (have)
			return fail(errmsg, DNSP_ESYNTAX, "\\# 0 takes no data");
		return 0;
	}
	rc = parse_hex_rest(lx, &t, have, w, "\\# data", errmsg);
	if (rc < 0)
		return rc;
	if (w->len != len)
		return fail(errmsg, DNSP_ESYNTAX, "\\# length %llu but %zu bytes of data",
			    (unsigned long long)len, w->len);
	return 0;
}

int dnsp_rdata_from_text(uint16_t type, const char *text, size_t len, const uint8_t *origin,
			 uint8_t *out, size_t cap, const char **errmsg)
{
	if (!text) {
		text = "";
		len = 0;
	}
	struct lexer lx = {text, text + len};
	struct wbuf w = {out, cap > DNSP_RDATA_MAX ? DNSP_RDATA_MAX : cap, 0};
	struct token t;
	int rc;

	if (errmsg)
		*errmsg = NULL;
	int have = lex_next(&lx, &t, errmsg);
	if (have < 0)
		return have;
	if (have == 1 && !t.quoted && t.len == 2 && t.p[0] == '\\' && t.p[1] == '#') {
		rc = parse_generic(&lx, &w, errmsg);
		if (rc < 0)
			return rc;
		if (layout_of(type) && dnsp_rdata_check(type, out, w.len) != 0) {
			char tn[16];
			return fail(errmsg, DNSP_ESYNTAX, "\\# data is not valid %s rdata",
				    dnsp_rrtype_to_text(type, tn));
		}
		return (int)w.len;
	}

	const struct layout *lay = layout_of(type);
	if (!lay) {
		char tn[16];
		return fail(errmsg, DNSP_ESYNTAX,
			    "type %s has no text form here: use \\# <length> <hex> (RFC 3597)",
			    dnsp_rrtype_to_text(type, tn));
	}
	for (size_t f = 0; lay->kinds[f]; f++) {
		char kind = lay->kinds[f];
		const char *what = lay->what[f];
		if (have == 0)
			return fail(errmsg, DNSP_ESYNTAX, "missing %s", what);
		switch (kind) {
		case 'S':
			while (have == 1) {
				rc = parse_field('s', what, &t, origin, &w, errmsg);
				if (rc < 0)
					return rc;
				have = lex_next(&lx, &t, errmsg);
				if (have < 0)
					return have;
			}
			continue;
		case 'x':
			rc = parse_hex_rest(&lx, &t, have, &w, what, errmsg);
			if (rc < 0)
				return rc;
			have = 0;
			continue;
		case 'b':
			rc = parse_base64_rest(&lx, &t, have, &w, what, errmsg);
			if (rc < 0)
				return rc;
			have = 0;
			continue;
		default:
			rc = parse_field(kind, what, &t, origin, &w, errmsg);
			if (rc < 0)
				return rc;
			have = lex_next(&lx, &t, errmsg);
			if (have < 0)
				return have;
		}
	}
	if (have == 1)
		return fail(errmsg, DNSP_ESYNTAX, "unexpected \"%.*s\" after the rdata",
			    shown(t.len), t.p);
	return (int)w.len;
}

/* ------------------------------------------------------------------------ */
/* Wire side: validation                                                    */

/* Length of a well-formed uncompressed name at rd[off], or -1. */
static int name_span(const uint8_t *rd, size_t len, size_t off)
{
	size_t n = off < len ? dnsp_name_wire_len(rd + off, len - off) : 0;
	return n ? (int)n : -1;
}

/* Walks the layout; returns 0 when rdata matches it exactly. */
static int check_layout(const struct layout *lay, const uint8_t *rd, size_t len)
{
	size_t off = 0;
	for (size_t f = 0; lay->kinds[f]; f++) {
		size_t need = 0;
		switch (lay->kinds[f]) {
		case 'a': need = 4; break;
		case 'A': need = 16; break;
		case '1': need = 1; break;
		case '2': need = 2; break;
		case '4':
		case 't': need = 4; break;
		case 'n': {
			int n = name_span(rd, len, off);
			if (n < 0)
				return -1;
			need = (size_t)n;
			break;
		}
		case 's':
			if (off >= len)
				return -1;
			need = 1 + (size_t)rd[off];
			break;
		case 'S':
			if (off >= len)
				return -1;
			while (off < len) {
				off += 1 + (size_t)rd[off];
				if (off > len)
					return -1;
			}
			continue;
		case 'x':
		case 'b':
			if (off >= len)
				return -1;
			off = len;
			continue;
		case 'c':
			if (off >= len || rd[off] == 0)
				return -1;
			need = 1 + (size_t)rd[off];
			if (need > len - off)
				return -1;
			for (size_t i = 1; i < need; i++)
				if (!is_alnum(rd[off + i]))
					return -1;
			break;
		case 'v':
			off = len;
			continue;
		default:
			return -1;
		}
		if (need > len - off)
			return -1;
		off += need;
	}
	return off == len ? 0 : -1;
}

int dnsp_rdata_check(uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	if (rdlen > DNSP_RDATA_MAX || (rdlen > 0 && !rdata))
		return DNSP_EMALFORMED;
	const struct layout *lay = layout_of(type);
	if (!lay)
		return 0; /* opaque: any bytes are valid */
	return check_layout(lay, rdata, rdlen) == 0 ? 0 : DNSP_EMALFORMED;
}

int dnsp_rdata_target_offset(uint16_t type)
{
	switch (type) {
	case T_NS:
	case T_CNAME:
	case T_PTR:
	case T_DNAME:
		return 0;
	case T_MX:
		return 2;
	case T_SRV:
		return 6;
	default:
		return -1;
	}
}

/* ------------------------------------------------------------------------ */
/* Wire side: presentation text                                             */

struct tbuf {
	char *p;
	size_t cap, len; /* len < cap always holds while !full */
	bool full;
};

static void tput(struct tbuf *b, const char *s, size_t n)
{
	if (b->full)
		return;
	if (n >= b->cap - b->len) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void tprintf(struct tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tprintf(struct tbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->full = true;
		return;
	}
	tput(b, tmp, (size_t)n);
}

/* Characters as dig prints them inside quotes: \" \\ and \DDD outside
 * printable ASCII (BIND's txt_totext). */
static void tquoted(struct tbuf *b, const uint8_t *s, size_t n)
{
	tput(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			tput(b, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			tprintf(b, "\\%03u", c);
		} else {
			tput(b, (const char *)&c, 1);
		}
	}
	tput(b, "\"", 1);
}

/* dig cuts hex and base64 fields into chunks of 56 characters. */
#define SPLIT_WIDTH 56

static void thex(struct tbuf *b, const uint8_t *s, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		if (col == SPLIT_WIDTH) {
			tput(b, " ", 1);
			col = 0;
		}
		char h[2] = {digits[s[i] >> 4], digits[s[i] & 15]};
		tput(b, h, 2);
		col += 2;
	}
}

static void tbase64(struct tbuf *b, const uint8_t *s, size_t n)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = {alpha[v >> 18 & 63], alpha[v >> 12 & 63],
			     i + 1 < n ? alpha[v >> 6 & 63] : '=', i + 2 < n ? alpha[v & 63] : '='};
		if (col == SPLIT_WIDTH) {
			tput(b, " ", 1);
			col = 0;
		}
		tput(b, q, 4);
		col += 4;
	}
}

static void tname(struct tbuf *b, const uint8_t *name)
{
	if (b->full)
		return;
	int n = dnsp_name_to_text(name, b->p + b->len, b->cap - b->len);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->full = true;
		return;
	}
	b->len += (size_t)n;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* rdata has already passed check_layout for lay. */
static void layout_to_text(const struct layout *lay, const uint8_t *rd, size_t len,
			   struct tbuf *b)
{
	size_t off = 0;
	for (size_t f = 0; lay->kinds[f]; f++) {
		if (f > 0)
			tput(b, " ", 1);
		switch (lay->kinds[f]) {
		case 'a':
		case 'A': {
			char addr[INET6_ADDRSTRLEN];
			int af = lay->kinds[f] == 'a' ? AF_INET : AF_INET6;
			if (!inet_ntop(af, rd + off, addr, sizeof(addr))) {
				b->full = true;
				return;
			}
			tput(b, addr, strlen(addr));
			off += af == AF_INET ? 4 : 16;
			break;
		}
		case 'n':
			tname(b, rd + off);
			off += (size_t)name_span(rd, len, off);
			break;
		case '1':
			tprintf(b, "%u", rd[off]);
			off += 1;
			break;
		case '2':
			tprintf(b, "%u", (unsigned)(rd[off] << 8 | rd[off + 1]));
			off += 2;
			break;
		case '4':
		case 't':
			tprintf(b, "%u", get32(rd + off));
			off += 4;
			break;
		case 's':
			tquoted(b, rd + off + 1, rd[off]);
			off += 1 + (size_t)rd[off];
			break;
		case 'S':
			for (bool first = true; off < len; first = false) {
				if (!first)
					tput(b, " ", 1);
				tquoted(b, rd + off + 1, rd[off]);
				off += 1 + (size_t)rd[off];
			}
			break;
		case 'x':
			thex(b, rd + off, len - off);
			off = len;
			break;
		case 'b':
			tbase64(b, rd + off, len - off);
			off = len;
			break;
		case 'c':
			tput(b, (const char *)rd + off + 1, rd[off]);
			off += 1 + (size_t)rd[off];
			break;
		case 'v':
			tquoted(b, rd + off, len - off);
			off = len;
			break;
		default:
			break;
		}
	}
}

int dnsp_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t rdlen, char *buf,
		       size_t cap)
{
	if (!buf || cap == 0)
		return DNSP_ENOSPACE;
	buf[0] = '\0';
	if (rdlen > DNSP_RDATA_MAX || (rdlen > 0 && !rdata))
		return DNSP_EMALFORMED;
	struct tbuf b = {buf, cap, 0, false};
	const struct layout *lay = layout_of(type);
	if (lay) {
		if (check_layout(lay, rdata, rdlen) != 0)
			return DNSP_EMALFORMED;
		layout_to_text(lay, rdata, rdlen, &b);
	} else {
		tprintf(&b, "\\# %zu", rdlen);
		if (rdlen > 0) {
			tput(&b, " ", 1);
			thex(&b, rdata, rdlen);
		}
	}
	if (b.full) {
		buf[0] = '\0';
		return DNSP_ENOSPACE;
	}
	buf[b.len] = '\0';
	return (int)b.len;
}
