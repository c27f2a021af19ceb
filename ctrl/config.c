/*
 * Configuration loader (see config.h): YAML/JSON text → yamldom tree →
 * struct dnsp_config, checking every key on the way.
 *
 * The walk is schema-driven by hand rather than table-driven: each section
 * has one function that checks its keys against a fixed list, converts
 * each value with a typed getter that reports "expected X, got Y", and then
 * runs the checks that need more than one field. Nothing stops at the first
 * problem: a bad value is reported and the walk goes on, so that `--check`
 * shows everything at once. Sections are walked in dependency order (vpcs
 * before the listeners and zones that name them) so that dangling ids can
 * be reported with the line of the reference. A record set that already
 * had a problem is kept in its zone with type 0, which
 * dnsp_config_check_zone() skips: this keeps the ResourceRecordSets[i]
 * numbering of later messages right without cascading complaints.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/fileio.h"
#include "../lib/route_data.h"
#include "../lib/wire/name.h"
#include "../lib/wire/rdata.h"
#include "../lib/zone/zonefile.h"
#include "config_firewall.h"
#include "config_health.h"
#include "config_profiles.h"
#include "config_resolver.h"
#include "config_route.h"
#include "config_load.h"
#include "yamldom.h"


#define ERRLIST_MAX 1000     /* messages kept; the rest are counted only */
#define NAME_TEXT_MAX 1024   /* Route 53 Name limit, and > 4 * 255 */
#define VALUE_MAX 4000       /* Route 53 ResourceRecord.Value limit */
#define ZONEFILE_TTL 3600    /* default TTL of a ZoneFile without $TTL */
#define ZONE_ID_PREFIX "/hostedzone/"

/* ------------------------------------------------------------------------ */
/* Error list                                                               */

void dnsp_errlist_init(struct dnsp_errlist *e)
{
	e->msgs = NULL;
	e->n = 0;
	e->cap = 0;
}

void dnsp_errlist_fini(struct dnsp_errlist *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	dnsp_errlist_init(e);
}

static void errlist_push(struct dnsp_errlist *e, char *msg)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		char **msgs = realloc(e->msgs, cap * sizeof(*msgs));
		if (!msgs) {
			free(msg);
			return;
		}
		e->msgs = msgs;
		e->cap = cap;
	}
	e->msgs[e->n++] = msg;
}

void dnsp_errlist_add(struct dnsp_errlist *e, const char *file, int line, const char *key,
		      const char *fmt, ...)
{
	if (!e || e->n > ERRLIST_MAX)
		return;
	if (!file)
		file = "<config>";
	char *full = NULL;
	if (e->n == ERRLIST_MAX) {
		/* One last line says that the list was cut. */
		if (asprintf(&full, "%s:%d: %s: too many errors, the rest are not shown", file,
			     line, key && *key ? key : "config") < 0)
			return;
		errlist_push(e, full);
		return;
	}
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return;
	if (key && *key)
		rc = asprintf(&full, "%s:%d: %s: %s", file, line, key, msg);
	else
		rc = asprintf(&full, "%s:%d: %s", file, line, msg);
	free(msg);
	if (rc < 0)
		return;
	errlist_push(e, full);
}

/* ------------------------------------------------------------------------ */
/* String pool (file names that locations point to)                         */

struct pool {
	char **strs;
	size_t n, cap;
};

static const char *pool_intern(struct pool *p, const char *s)
{
	for (size_t i = p->n; i-- > 0;)
		if (strcmp(p->strs[i], s) == 0)
			return p->strs[i];
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		char **strs = realloc(p->strs, cap * sizeof(*strs));
		if (!strs)
			return NULL;
		p->strs = strs;
		p->cap = cap;
	}
	char *copy = strdup(s);
	if (!copy)
		return NULL;
	p->strs[p->n++] = copy;
	return copy;
}

static void pool_free(struct pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->strs[i]);
	free(p->strs);
	free(p);
}

/* ------------------------------------------------------------------------ */
/* Small text helpers shared by the loader and the zone checks              */

/* Copies s (len bytes) into buf for a message: non-printable bytes become
 * \xHH so that every error stays on one line, and long text is cut with
 * "...". */
const char *dnsp_cfgld_show(char *buf, size_t cap, const char *s, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (o + 8 >= cap) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
	return buf;
}

const char *dnsp_cfgld_shows(char *buf, const char *s)
{
	return dnsp_cfgld_show(buf, DNSP_CFG_SHOW_CAP, s, strlen(s));
}

/* Appends src to out (capacity DNSP_CFG_KEY_CAP), cutting what does not fit: a cut
 * key is still a readable key. */
static void key_append(char *out, const char *src)
{
	size_t o = strnlen(out, DNSP_CFG_KEY_CAP - 1), n = strlen(src);
	if (n > DNSP_CFG_KEY_CAP - 1 - o)
		n = DNSP_CFG_KEY_CAP - 1 - o;
	memmove(out + o, src, n);
	out[o + n] = '\0';
}

void dnsp_cfgld_key_join(char *out, const char *base, const char *key)
{
	if (out != base) {
		out[0] = '\0';
		key_append(out, base);
	}
	if (*base)
		key_append(out, ".");
	key_append(out, key);
}

void dnsp_cfgld_key_index(char *out, const char *base, size_t i)
{
	char num[32];
	sprintf(num, "[%zu]", i);
	if (out != base) {
		out[0] = '\0';
		key_append(out, base);
	}
	key_append(out, num);
}

/*
 * Route 53 name text → wire. Route 53 treats every name as absolute, so the
 * trailing dot is optional, and its escapes are three OCTAL digits ("\052"
 * is "*", as ListResourceRecordSets prints it), where RFC 1035 master files
 * use decimal: they are rewritten to the decimal form before parsing.
 * Returns the wire length or DNSP_ENAME / DNSP_ESYNTAX.
 */
static int r53_name_parse(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	size_t len = strlen(text), o = 0;
	char buf[NAME_TEXT_MAX + 8];
	bool dotted = false;

	if (len == 0 || len > NAME_TEXT_MAX)
		return DNSP_ENAME;
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\\') {
			buf[o++] = text[i];
			dotted = text[i] == '.';
			continue;
		}
		dotted = false;
		if (i + 3 < len && text[i + 1] >= '0' && text[i + 1] <= '7' &&
		    text[i + 2] >= '0' && text[i + 2] <= '7' && text[i + 3] >= '0' &&
		    text[i + 3] <= '7') {
			int v = (text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0');
			if (v > 255)
				return DNSP_ENAME;
			o += (size_t)sprintf(buf + o, "\\%03d", v);
			i += 3;
			continue;
		}
		/* any other escape: keep "\X" as it is */
		buf[o++] = '\\';
		if (i + 1 < len)
			buf[o++] = text[++i];
	}
	if (!dotted)
		buf[o++] = '.';
	return dnsp_name_from_text(buf, o, NULL, out);
}

/* Route 53 name text → malloc'd absolute presentation text. */
static int r53_name_normalize(const char *text, char **out)
{
	uint8_t wire[DNSP_NAME_MAX];
	char buf[NAME_TEXT_MAX + 8];
	int rc = r53_name_parse(text, wire);
	if (rc < 0)
		return rc;
	rc = dnsp_name_to_text(wire, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

static const char *type_text(uint16_t type, char buf[16])
{
	return dnsp_rrtype_to_text(type, buf);
}

static const char *const policy_names[] = {
	[DNSP_POLICY_SIMPLE] = "simple",
	[DNSP_POLICY_WEIGHTED] = "weighted",
	[DNSP_POLICY_LATENCY] = "latency",
	[DNSP_POLICY_FAILOVER] = "failover",
	[DNSP_POLICY_GEOLOCATION] = "geolocation",
	[DNSP_POLICY_GEOPROXIMITY] = "geoproximity",
	[DNSP_POLICY_IPBASED] = "IP-based",
	[DNSP_POLICY_MULTIVALUE] = "multivalue answer",
};

/* ------------------------------------------------------------------------ */
/* Loader state and typed getters                                           */


__attribute__((format(printf, 4, 5)))
void dnsp_cfgld_err(struct dnsp_cfg_ld *ld, int line, const char *key, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int rc = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)rc;
	ld->nerr++;
	dnsp_errlist_add(ld->errs, ld->file, line, key, "%s", msg);
}

static int line_of(const ynode *n)
{
	return n ? n->line : 0;
}

bool dnsp_cfgld_want_map(struct dnsp_cfg_ld *ld, const ynode *n, const char *key)
{
	if (n && n->reported)
		return false;
	if (n && n->kind == DNSP_YAML_MAP)
		return true;
	dnsp_cfgld_err(ld, line_of(n), key, "expected a mapping, got %s", dnsp_yaml_describe(n));
	return false;
}

bool dnsp_cfgld_want_seq(struct dnsp_cfg_ld *ld, const ynode *n, const char *key)
{
	if (n && n->reported)
		return false;
	if (n && n->kind == DNSP_YAML_SEQ)
		return true;
	dnsp_cfgld_err(ld, line_of(n), key, "expected a list, got %s", dnsp_yaml_describe(n));
	return false;
}

/*
 * The array behind a list: one zeroed slot of size bytes per item of v (at
 * least one, so an empty list still gets an array). NULL for a null value
 * (an empty section), and after reporting a value that is not a list or a
 * failed allocation, so that no section is ever half loaded in silence.
 * Callers give every item a slot, mapping or not, so that slot i is KEY[i]
 * in the messages of their cross-checks.
 */
void *dnsp_cfgld_seq_alloc(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, size_t size)
{
	if (!v || dnsp_yaml_is_null(v) || !dnsp_cfgld_want_seq(ld, v, key))
		return NULL;
	void *a = calloc(v->n ? v->n : 1, size);
	if (!a)
		dnsp_cfgld_err(ld, v->line, key, "out of memory");
	return a;
}

/*
 * Reports keys of map m that are not in allowed (NULL terminated), and
 * allowed keys given twice. Non-scalar keys were reported by yamldom.
 */
void dnsp_cfgld_check_keys(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
		       const char *const *allowed)
{
	uint64_t seen = 0;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	for (size_t i = 0; i < m->n; i++) {
		const ynode *k = m->items[2 * i];
		if (k->kind != DNSP_YAML_SCALAR)
			continue;
		size_t j;
		for (j = 0; allowed[j]; j++)
			if (strcmp(allowed[j], k->str) == 0)
				break;
		dnsp_cfgld_key_join(key, path, dnsp_cfgld_show(sh, sizeof(sh), k->str, k->len));
		if (allowed[j]) {
			if (j < 64 && (seen & (1ULL << j)))
				dnsp_cfgld_err(ld, k->line, key, "duplicate key");
			if (j < 64)
				seen |= 1ULL << j;
			continue;
		}
		for (j = 0; allowed[j]; j++)
			if (strcasecmp(allowed[j], k->str) == 0)
				break;
		if (allowed[j]) {
			dnsp_cfgld_err(ld, k->line, key, "unknown key (did you mean %s?)", allowed[j]);
			continue;
		}
		char list[600];
		size_t o = 0;
		for (j = 0; allowed[j] && o < sizeof(list) - 80; j++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", j ? ", " : "",
					      allowed[j]);
		dnsp_cfgld_err(ld, k->line, key, "unknown key (expected one of: %s)", list);
	}
}

/* Value of a required key, or NULL after reporting it missing. */
const ynode *dnsp_cfgld_need(struct dnsp_cfg_ld *ld, const ynode *m, const char *path, const char *name)
{
	const ynode *v = dnsp_yaml_get(m, name);
	if (!v) {
		char key[DNSP_CFG_KEY_CAP];
		dnsp_cfgld_key_join(key, path, name);
		dnsp_cfgld_err(ld, m->line, key, "required key is missing");
	}
	return v;
}

/* A non-null scalar of minlen..maxlen bytes (maxlen 0: no limit), copied. */
char *dnsp_cfgld_str(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, size_t minlen, size_t maxlen)
{
	if (!v || v->reported)
		return NULL;
	if (v->kind != DNSP_YAML_SCALAR || dnsp_yaml_is_null(v)) {
		dnsp_cfgld_err(ld, v->line, key, "expected a string, got %s", dnsp_yaml_describe(v));
		return NULL;
	}
	if (v->len < minlen) {
		dnsp_cfgld_err(ld, v->line, key, minlen == 1 ? "must not be empty"
					: "must be at least %zu characters long", minlen);
		return NULL;
	}
	if (maxlen && v->len > maxlen) {
		dnsp_cfgld_err(ld, v->line, key, "longer than %zu characters", maxlen);
		return NULL;
	}
	char *s = strdup(v->str);
	if (!s)
		dnsp_cfgld_err(ld, v->line, key, "out of memory");
	return s;
}

bool dnsp_cfgld_bool(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, bool *out)
{
	char sh[DNSP_CFG_SHOW_CAP];
	if (dnsp_yaml_bool(v, out) == 0)
		return true;
	if (v->reported)
		return false;
	if (v->kind == DNSP_YAML_SCALAR && !dnsp_yaml_is_null(v))
		dnsp_cfgld_err(ld, v->line, key, "expected true or false, got \"%s\"",
		     dnsp_cfgld_show(sh, sizeof(sh), v->str, v->len));
	else
		dnsp_cfgld_err(ld, v->line, key, "expected true or false, got %s", dnsp_yaml_describe(v));
	return false;
}

bool dnsp_cfgld_int(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, int64_t lo, int64_t hi,
		    int64_t *out)
{
	char sh[DNSP_CFG_SHOW_CAP];
	int64_t x;
	if (v->reported)
		return false;
	if (dnsp_yaml_int(v, &x) != 0) {
		if (v->kind == DNSP_YAML_SCALAR && !dnsp_yaml_is_null(v))
			dnsp_cfgld_err(ld, v->line, key, "expected an integer %lld..%lld, got \"%s\"",
			     (long long)lo, (long long)hi, dnsp_cfgld_show(sh, sizeof(sh), v->str, v->len));
		else
			dnsp_cfgld_err(ld, v->line, key, "expected an integer %lld..%lld, got %s",
			     (long long)lo, (long long)hi, dnsp_yaml_describe(v));
		return false;
	}
	if (x < lo || x > hi) {
		dnsp_cfgld_err(ld, v->line, key, "%lld is out of range %lld..%lld", (long long)x,
		     (long long)lo, (long long)hi);
		return false;
	}
	*out = x;
	return true;
}

/* Index of the scalar in names (NULL terminated), or -1 after reporting. */
int dnsp_cfgld_enum(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, const char *const *names)
{
	char sh[DNSP_CFG_SHOW_CAP], list[256];
	size_t o = 0;
	if (v->reported)
		return -1;
	if (v->kind == DNSP_YAML_SCALAR && !dnsp_yaml_is_null(v))
		for (int i = 0; names[i]; i++)
			if (strcmp(names[i], v->str) == 0)
				return i;
	for (int i = 0; names[i] && o < sizeof(list) - 40; i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", names[i]);
	if (v->kind == DNSP_YAML_SCALAR && !dnsp_yaml_is_null(v))
		dnsp_cfgld_err(ld, v->line, key, "expected one of %s, got \"%s\"", list,
		     dnsp_cfgld_show(sh, sizeof(sh), v->str, v->len));
	else
		dnsp_cfgld_err(ld, v->line, key, "expected one of %s, got %s", list, dnsp_yaml_describe(v));
	return -1;
}

/* A domain name in Route 53 form, stored absolute with a trailing dot. */
char *dnsp_cfgld_name(struct dnsp_cfg_ld *ld, const ynode *v, const char *key)
{
	char sh[DNSP_CFG_SHOW_CAP];
	char *text = dnsp_cfgld_str(ld, v, key, 1, NAME_TEXT_MAX);
	if (!text)
		return NULL;
	char *norm = NULL;
	int rc = r53_name_normalize(text, &norm);
	if (rc < 0)
		dnsp_cfgld_err(ld, v->line, key, "invalid domain name \"%s\": %s", dnsp_cfgld_shows(sh, text),
		     dnsp_strerror(rc));
	free(text);
	return norm;
}

bool dnsp_cfgld_addr(const char *text, struct dnsp_cfg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, a->addr) == 1) {
		a->family = 4;
		a->plen = 32;
		return true;
	}
	if (inet_pton(AF_INET6, text, a->addr) == 1) {
		a->family = 6;
		a->plen = 128;
		return true;
	}
	return false;
}

/* "a.b.c.d/n" or "x::/n" (a bare address is a host prefix). Returns NULL
 * or a static reason. */
const char *dnsp_cfgld_cidr(const char *text, struct dnsp_cfg_addr *a)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen >= sizeof(buf))
		return "not an IPv4 or IPv6 prefix";
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (!dnsp_cfgld_addr(buf, a))
		return "not an IPv4 or IPv6 prefix";
	if (!slash)
		return NULL;
	const char *p = slash + 1;
	int max = a->family == 4 ? 32 : 128, plen = 0;
	if (!*p || strlen(p) > 3)
		return "bad prefix length";
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return "bad prefix length";
		plen = plen * 10 + (*p - '0');
	}
	if (plen > max)
		return "prefix length too long";
	a->plen = plen;
	int bytes = a->family == 4 ? 4 : 16;
	for (int bit = plen; bit < bytes * 8; bit++)
		if (a->addr[bit / 8] & (0x80 >> (bit % 8)))
			return "has bits set after the prefix length";
	return NULL;
}

static bool addr_equal(const struct dnsp_cfg_addr *a, const struct dnsp_cfg_addr *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}

/* "host:port": an IPv4 address, "[IPv6]", or a host name, then 1..65535. */
bool dnsp_cfgld_hostport_valid(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return false;
	const char *p = colon + 1;
	unsigned port = 0;
	if (!*p || strlen(p) > 5)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		port = port * 10 + (unsigned)(*p - '0');
	}
	if (port == 0 || port > 65535)
		return false;
	size_t hlen = (size_t)(colon - s);
	char host[256];
	if (hlen >= sizeof(host))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (host[0] == '[') {
		if (hlen < 3 || host[hlen - 1] != ']')
			return false;
		host[hlen - 1] = '\0';
		struct in6_addr a6;
		return inet_pton(AF_INET6, host + 1, &a6) == 1;
	}
	for (size_t i = 0; i < hlen; i++) {
		char ch = host[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

/* Resolves a path against the config's folder. */
static char *path_resolve(const struct dnsp_config *c, const char *rel)
{
	char *out = NULL;
	if (rel[0] == '/' || !c->dir || !*c->dir || strcmp(c->dir, ".") == 0)
		return strdup(rel);
	size_t dl = strlen(c->dir);
	if (asprintf(&out, "%s%s%s", c->dir, c->dir[dl - 1] == '/' ? "" : "/", rel) < 0)
		return NULL;
	return out;
}

char *dnsp_cfgld_path(struct dnsp_cfg_ld *ld, const ynode *v, const char *key)
{
	char *rel = dnsp_cfgld_str(ld, v, key, 1, 4096);
	if (!rel)
		return NULL;
	char *abs = path_resolve(ld->c, rel);
	free(rel);
	if (!abs)
		dnsp_cfgld_err(ld, v->line, key, "out of memory");
	return abs;
}

static char *strip_zone_prefix(char *id)
{
	size_t pl = strlen(ZONE_ID_PREFIX);
	if (id && strncmp(id, ZONE_ID_PREFIX, pl) == 0)
		memmove(id, id + pl, strlen(id + pl) + 1);
	return id;
}

/* ------------------------------------------------------------------------ */
/* server                                                                   */

static const char *const dataplanes[] = { "socket", "afxdp", "dpdk", NULL };

static void load_interfaces(struct dnsp_cfg_ld *ld, const ynode *v, const char *path)
{
	struct dnsp_cfg_server *s = &ld->c->server;
	static const char *const keys[] = { "name", "queues", NULL };
	char key[DNSP_CFG_KEY_CAP], item[DNSP_CFG_KEY_CAP];
	if (!dnsp_cfgld_want_seq(ld, v, path))
		return;
	s->if_names = calloc(v->n ? v->n : 1, sizeof(*s->if_names));
	s->if_queues = calloc(v->n ? v->n : 1, sizeof(*s->if_queues));
	if (!s->if_names || !s->if_queues) {
		dnsp_cfgld_err(ld, v->line, path, "out of memory");
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const ynode *m = v->items[i];
		dnsp_cfgld_key_index(item, path, i);
		if (!dnsp_cfgld_want_map(ld, m, item))
			continue;
		dnsp_cfgld_check_keys(ld, m, item, keys);
		size_t k = s->ninterfaces++;
		s->if_queues[k] = 1;
		dnsp_cfgld_key_join(key, item, "name");
		const ynode *name = dnsp_cfgld_need(ld, m, item, "name");
		if (name && (s->if_names[k] = dnsp_cfgld_str(ld, name, key, 1, 15))) {
			for (size_t j = 0; j < k; j++)
				if (s->if_names[j] && !strcmp(s->if_names[j], s->if_names[k]))
					dnsp_cfgld_err(ld, name->line, key, "interface %s is listed twice",
					     s->if_names[k]);
		}
		const ynode *q = dnsp_yaml_get(m, "queues");
		int64_t x;
		dnsp_cfgld_key_join(key, item, "queues");
		if (q && dnsp_cfgld_int(ld, q, key, 1, 64, &x))
			s->if_queues[k] = (int)x;
	}
}

/* server.import_dir: must name an existing folder now, so that a typo is a
 * --check error rather than every later import being refused. The API
 * resolves it again (realpath) on each import: it may be a symlink that
 * an operator repoints. */
static void load_import_dir(struct dnsp_cfg_ld *ld, const ynode *v)
{
	struct dnsp_cfg_server *s = &ld->c->server;
	char *dir = dnsp_cfgld_path(ld, v, "server.import_dir");
	char sh[DNSP_CFG_SHOW_CAP];
	struct stat st;

	if (!dir)
		return;
	int e = stat(dir, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (e) {
		dnsp_cfgld_err(ld, v->line, "server.import_dir", "expected an existing directory, "
			       "got \"%s\" (%s)", dnsp_cfgld_shows(sh, dir), strerror(e));
		free(dir);
		return;
	}
	free(s->import_dir);
	s->import_dir = dir;
}

static void load_server(struct dnsp_cfg_ld *ld, const ynode *m)
{
	static const char *const keys[] = { "dataplane", "workers", "interfaces", "dpdk_args",
		"control", "geo_db", "latency_db", "udp_max", "tcp_idle_timeout_ms",
		"tcp_max_connections", "xdp_mode", "rx_coalesce_us", "import_dir", NULL };
	struct dnsp_cfg_server *s = &ld->c->server;
	const ynode *v;
	char key[DNSP_CFG_KEY_CAP];
	int64_t x;

	if (!dnsp_cfgld_want_map(ld, m, "server"))
		return;
	s->loc.line = m->line;
	dnsp_cfgld_check_keys(ld, m, "server", keys);
	if ((v = dnsp_yaml_get(m, "dataplane"))) {
		int i = dnsp_cfgld_enum(ld, v, "server.dataplane", dataplanes);
		if (i >= 0) {
			char *d = strdup(dataplanes[i]);
			if (d) {
				free(s->dataplane);
				s->dataplane = d;
			}
		}
	}
	if ((v = dnsp_yaml_get(m, "workers")) && dnsp_cfgld_int(ld, v, "server.workers", 1, 64, &x))
		s->workers = (int)x;
	if ((v = dnsp_yaml_get(m, "interfaces")))
		load_interfaces(ld, v, "server.interfaces");
	if ((v = dnsp_yaml_get(m, "dpdk_args")) && dnsp_cfgld_want_seq(ld, v, "server.dpdk_args")) {
		s->dpdk_args = calloc(v->n ? v->n : 1, sizeof(*s->dpdk_args));
		for (size_t i = 0; s->dpdk_args && i < v->n; i++) {
			dnsp_cfgld_key_index(key, "server.dpdk_args", i);
			char *a = dnsp_cfgld_str(ld, v->items[i], key, 1, 4096);
			if (a)
				s->dpdk_args[s->ndpdk_args++] = a;
		}
	}
	if ((v = dnsp_yaml_get(m, "control")) && dnsp_cfgld_want_map(ld, v, "server.control")) {
		static const char *const ckeys[] = { "listen", NULL };
		dnsp_cfgld_check_keys(ld, v, "server.control", ckeys);
		const ynode *l = dnsp_yaml_get(v, "listen");
		char *hp = l ? dnsp_cfgld_str(ld, l, "server.control.listen", 1, 300) : NULL;
		char sh[DNSP_CFG_SHOW_CAP];
		if (hp && !dnsp_cfgld_hostport_valid(hp)) {
			dnsp_cfgld_err(ld, l->line, "server.control.listen",
			     "expected \"host:port\" (e.g. 127.0.0.1:8053 or [::1]:8053), got \"%s\"",
			     dnsp_cfgld_shows(sh, hp));
			free(hp);
		} else if (hp) {
			free(s->control_listen);
			s->control_listen = hp;
		}
	}
	if ((v = dnsp_yaml_get(m, "geo_db"))) {
		s->geo_db = dnsp_cfgld_path(ld, v, "server.geo_db");
		s->geo_db_line = v->line;
	}
	if ((v = dnsp_yaml_get(m, "latency_db"))) {
		s->latency_db = dnsp_cfgld_path(ld, v, "server.latency_db");
		s->latency_db_line = v->line;
	}
	if ((v = dnsp_yaml_get(m, "import_dir")))
		load_import_dir(ld, v);
	if ((v = dnsp_yaml_get(m, "udp_max")) && dnsp_cfgld_int(ld, v, "server.udp_max", 512, 4096, &x))
		s->udp_max = (uint16_t)x;
	if ((v = dnsp_yaml_get(m, "tcp_idle_timeout_ms")) &&
	    dnsp_cfgld_int(ld, v, "server.tcp_idle_timeout_ms", 1, 3600000, &x))
		s->tcp_idle_timeout_ms = (int)x;
	if ((v = dnsp_yaml_get(m, "tcp_max_connections")) &&
	    dnsp_cfgld_int(ld, v, "server.tcp_max_connections", 1, 1000000, &x))
		s->tcp_max_connections = (int)x;
	if ((v = dnsp_yaml_get(m, "rx_coalesce_us")) &&
	    dnsp_cfgld_int(ld, v, "server.rx_coalesce_us", 0, 1000, &x))
		s->rx_coalesce_us = (int)x;
	if ((v = dnsp_yaml_get(m, "xdp_mode"))) {
		/* afxdp: order matches enum dnsp_dp_xdp_mode (dataplane.h) */
		static const char *const xdp_modes[] = { "auto", "native", "skb", NULL };
		int i = dnsp_cfgld_enum(ld, v, "server.xdp_mode", xdp_modes);
		if (i >= 0)
			s->xdp_mode = i;
	}
}

/* ------------------------------------------------------------------------ */
/* vpcs                                                                     */

/* The VPC with this id, or NULL (also for a NULL id). */
const struct dnsp_cfg_vpc *dnsp_cfgld_vpc_find(const struct dnsp_config *c, const char *id)
{
	for (size_t i = 0; id && i < c->nvpcs; i++)
		if (c->vpcs[i].id && strcmp(c->vpcs[i].id, id) == 0)
			return &c->vpcs[i];
	return NULL;
}

/*
 * True when text has the shape of an AWS Region code: a two-letter area,
 * one or more lowercase words and a number, joined by hyphens (us-east-1,
 * ap-southeast-2, us-gov-west-1). The shape, not a list, so that a Region
 * newer than this build is accepted; it names the EC2 private DNS domain
 * <Region>.compute.internal (ctrl/compile_resolver.c).
 */
static bool region_code_ok(const char *text)
{
	const char *p = text;
	if (!(p[0] >= 'a' && p[0] <= 'z' && p[1] >= 'a' && p[1] <= 'z' && p[2] == '-'))
		return false;
	p += 3;
	int words = 0;
	for (;;) {
		const char *w = p;
		while (*p >= 'a' && *p <= 'z')
			p++;
		if (p == w || *p != '-')
			break;
		words++;
		p++;
	}
	if (words == 0)
		return false;
	const char *d = p;
	while (*p >= '0' && *p <= '9')
		p++;
	return p > d && *p == '\0';
}

static void load_vpc(struct dnsp_cfg_ld *ld, const ynode *m, const char *path, struct dnsp_cfg_vpc *vpc)
{
	static const char *const keys[] = { "VpcId", "Cidrs", "EnableDnsSupport",
		"EnableDnsHostnames", "Region", "DnssecValidation", NULL };
	static const char *const dv[] = { "DISABLED", "ENABLED", NULL };
	struct dnsp_config *c = ld->c;
	char key[DNSP_CFG_KEY_CAP], item[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;

	vpc->loc.file = ld->file;
	vpc->loc.line = m->line;
	vpc->dns_support = true;
	vpc->dns_hostnames = true;
	vpc->dnssec_validation = -1;
	dnsp_cfgld_check_keys(ld, m, path, keys);

	dnsp_cfgld_key_join(key, path, "VpcId");
	if ((v = dnsp_cfgld_need(ld, m, path, "VpcId")) && (vpc->id = dnsp_cfgld_str(ld, v, key, 1, 64))) {
		const struct dnsp_cfg_vpc *dup = dnsp_cfgld_vpc_find(c, vpc->id);
		if (dup && dup != vpc)
			dnsp_cfgld_err(ld, v->line, key, "duplicate VpcId \"%s\" (first at %s:%d)",
			     dnsp_cfgld_shows(sh, vpc->id), dup->loc.file, dup->loc.line);
	}
	dnsp_cfgld_key_join(key, path, "Cidrs");
	if ((v = dnsp_yaml_get(m, "Cidrs")) && dnsp_cfgld_want_seq(ld, v, key)) {
		vpc->cidrs = calloc(v->n ? v->n : 1, sizeof(*vpc->cidrs));
		for (size_t i = 0; vpc->cidrs && i < v->n; i++) {
			dnsp_cfgld_key_index(item, key, i);
			char *text = dnsp_cfgld_str(ld, v->items[i], item, 1, 64);
			if (!text)
				continue;
			struct dnsp_cfg_addr a;
			const char *why = dnsp_cfgld_cidr(text, &a);
			if (why) {
				dnsp_cfgld_err(ld, v->items[i]->line, item, "\"%s\": %s", dnsp_cfgld_shows(sh, text), why);
				free(text);
				continue;
			}
			free(text);
			/* One prefix in two VPCs would make "which VPC" ambiguous. */
			for (size_t j = 0; j < c->nvpcs + 1 && &c->vpcs[j] <= vpc; j++) {
				const struct dnsp_cfg_vpc *o = &c->vpcs[j];
				size_t lim = o == vpc ? vpc->ncidrs : o->ncidrs;
				for (size_t k = 0; k < lim; k++)
					if (addr_equal(&o->cidrs[k], &a))
						dnsp_cfgld_err(ld, v->items[i]->line, item,
						     "CIDR is already used by %s (%s:%d)",
						     o->id ? o->id : "another VPC", o->loc.file,
						     o->loc.line);
			}
			vpc->cidrs[vpc->ncidrs++] = a;
		}
	}
	dnsp_cfgld_key_join(key, path, "EnableDnsSupport");
	if ((v = dnsp_yaml_get(m, "EnableDnsSupport")))
		dnsp_cfgld_bool(ld, v, key, &vpc->dns_support);
	dnsp_cfgld_key_join(key, path, "EnableDnsHostnames");
	if ((v = dnsp_yaml_get(m, "EnableDnsHostnames")))
		dnsp_cfgld_bool(ld, v, key, &vpc->dns_hostnames);
	dnsp_cfgld_key_join(key, path, "Region");
	if ((v = dnsp_yaml_get(m, "Region")) && (vpc->region = dnsp_cfgld_str(ld, v, key, 1, 32)) &&
	    !region_code_ok(vpc->region)) {
		dnsp_cfgld_err(ld, v->line, key, "\"%s\" is not an AWS Region code (expected "
			       "lowercase letters, digits and hyphens such as us-east-1)",
			       dnsp_cfgld_shows(sh, vpc->region));
		free(vpc->region);
		vpc->region = NULL;
	}
	dnsp_cfgld_key_join(key, path, "DnssecValidation");
	if ((v = dnsp_yaml_get(m, "DnssecValidation"))) {
		int i = dnsp_cfgld_enum(ld, v, key, dv);
		if (i >= 0)
			vpc->dnssec_validation = i;
	}
}

static void load_vpcs(struct dnsp_cfg_ld *ld, const ynode *v)
{
	struct dnsp_config *c = ld->c;
	char item[DNSP_CFG_KEY_CAP];
	if (!(c->vpcs = dnsp_cfgld_seq_alloc(ld, v, "vpcs", sizeof(*c->vpcs))))
		return;
	for (size_t i = 0; i < v->n; i++) {
		dnsp_cfgld_key_index(item, "vpcs", i);
		if (!dnsp_cfgld_want_map(ld, v->items[i], item))
			continue;
		load_vpc(ld, v->items[i], item, &c->vpcs[c->nvpcs]);
		c->nvpcs++;
	}
}

/* ------------------------------------------------------------------------ */
/* listeners                                                                */

static const char *const roles[] = { "public", "resolver", "inbound", NULL };

static void load_listener(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			  struct dnsp_cfg_listener *l, bool *ok)
{
	static const char *const keys[] = { "address", "port", "role", "vpc", "endpoint", NULL };
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v, *vpc_node, *ep_node;
	int64_t x;
	int before = ld->nerr;

	l->loc.file = ld->file;
	l->loc.line = m->line;
	l->port = 53;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "address");
	if ((v = dnsp_cfgld_need(ld, m, path, "address"))) {
		char *text = dnsp_cfgld_str(ld, v, key, 1, 64);
		if (text && !dnsp_cfgld_addr(text, &l->addr))
			dnsp_cfgld_err(ld, v->line, key, "expected an IPv4 or IPv6 address, got \"%s\"",
			     dnsp_cfgld_shows(sh, text));
		free(text);
	}
	dnsp_cfgld_key_join(key, path, "port");
	if ((v = dnsp_yaml_get(m, "port")) && dnsp_cfgld_int(ld, v, key, 1, 65535, &x))
		l->port = (uint16_t)x;
	dnsp_cfgld_key_join(key, path, "role");
	int role = -1;
	if ((v = dnsp_cfgld_need(ld, m, path, "role")) && (role = dnsp_cfgld_enum(ld, v, key, roles)) >= 0)
		l->role = (enum dnsp_cfg_role)role;

	dnsp_cfgld_key_join(key, path, "vpc");
	if ((vpc_node = dnsp_yaml_get(m, "vpc"))) {
		if (role >= 0 && role != DNSP_CFG_RESOLVER)
			dnsp_cfgld_err(ld, vpc_node->line, key, "only resolver listeners take a vpc");
		else if ((l->vpc = dnsp_cfgld_str(ld, vpc_node, key, 1, 64)) &&
			 !dnsp_cfgld_vpc_find(ld->c, l->vpc))
			dnsp_cfgld_err(ld, vpc_node->line, key, "VPC \"%s\" is not defined in vpcs",
			     dnsp_cfgld_shows(sh, l->vpc));
	}
	dnsp_cfgld_key_join(key, path, "endpoint");
	ep_node = dnsp_yaml_get(m, "endpoint");
	if (ep_node && role >= 0 && role != DNSP_CFG_INBOUND)
		dnsp_cfgld_err(ld, ep_node->line, key, "only inbound listeners take an endpoint");
	if (role == DNSP_CFG_INBOUND) {
		if (!ep_node)
			dnsp_cfgld_err(ld, m->line, key, "required for an inbound listener");
		else /* checked against resolver.endpoints by ctrl/config_resolver.c */
			l->endpoint = dnsp_cfgld_str(ld, ep_node, key, 1, 64);
	}
	*ok = ld->nerr == before;
}

static void load_listeners(struct dnsp_cfg_ld *ld, const ynode *v)
{
	struct dnsp_config *c = ld->c;
	char item[DNSP_CFG_KEY_CAP], key[DNSP_CFG_KEY_CAP], abuf[INET6_ADDRSTRLEN];
	if (!(c->listeners = dnsp_cfgld_seq_alloc(ld, v, "listeners", sizeof(*c->listeners))))
		return;
	bool *ok = calloc(v->n ? v->n : 1, sizeof(*ok));
	if (!ok) {
		dnsp_cfgld_err(ld, v->line, "listeners", "out of memory");
		return;
	}
	/* every item gets a slot: listeners[i] is item i in every message */
	for (size_t i = 0; i < v->n; i++) {
		struct dnsp_cfg_listener *l = &c->listeners[c->nlisteners++];
		dnsp_cfgld_key_index(item, "listeners", i);
		l->loc.file = ld->file;
		l->loc.line = v->items[i]->line;
		if (!dnsp_cfgld_want_map(ld, v->items[i], item))
			continue;
		load_listener(ld, v->items[i], item, l, &ok[i]);
		if (!ok[i])
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct dnsp_cfg_listener *o = &c->listeners[j];
			if (!ok[j] || o->port != l->port || !addr_equal(&o->addr, &l->addr))
				continue;
			inet_ntop(l->addr.family == 4 ? AF_INET : AF_INET6, l->addr.addr, abuf,
				  sizeof(abuf));
			dnsp_cfgld_key_join(key, item, "address");
			const ynode *a = dnsp_yaml_get(v->items[i], "address");
			dnsp_cfgld_err(ld, line_of(a), key, "%s port %u is already used by listeners[%zu] (%s:%d)",
			     abuf, l->port, j, o->loc.file, o->loc.line);
			break;
		}
	}
	free(ok);
}

/* ------------------------------------------------------------------------ */
/* ResourceRecordSets                                                       */

/* The Type values the Route 53 API accepts (SEMANTICS §16). */
static const struct {
	const char *name;
	uint16_t type;
} r53_types[] = {
	{ "SOA", 6 }, { "A", 1 }, { "TXT", 16 }, { "NS", 2 }, { "CNAME", 5 }, { "MX", 15 },
	{ "NAPTR", 35 }, { "PTR", 12 }, { "SRV", 33 }, { "SPF", 99 }, { "AAAA", 28 },
	{ "CAA", 257 }, { "DS", 43 }, { "TLSA", 52 }, { "SSHFP", 44 }, { "SVCB", 64 },
	{ "HTTPS", 65 },
};

static void routing_init(struct dnsp_cfg_routing *r)
{
	memset(r, 0, sizeof(*r));
	r->weight = -1;
	r->multivalue = -1;
}

/* Upper-case letters (digits too when allowed), min..max long: the country,
 * subdivision and continent codes of record sets and traffic policies. */
bool dnsp_cfgld_upper_code(const char *s, size_t min, size_t max, bool digits)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (digits && s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* [0-9A-Za-z_-]{lo,hi}: CIDR collection and location names (SEMANTICS §8). */
bool dnsp_cfgld_name_chars(const char *s, size_t lo, size_t hi)
{
	size_t n = strlen(s);
	if (n < lo || n > hi)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static void load_geolocation(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			     struct dnsp_cfg_routing *r)
{
	static const char *const keys[] = { "ContinentCode", "CountryCode", "SubdivisionCode",
		NULL };
	static const char *const continents[] = { "AF", "AN", "AS", "EU", "OC", "NA", "SA", NULL };
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *cont, *country, *sub;

	if (!dnsp_cfgld_want_map(ld, m, path))
		return;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	cont = dnsp_yaml_get(m, "ContinentCode");
	country = dnsp_yaml_get(m, "CountryCode");
	sub = dnsp_yaml_get(m, "SubdivisionCode");
	if (!cont && !country && !sub) {
		dnsp_cfgld_err(ld, m->line, path, "needs ContinentCode or CountryCode");
		return;
	}
	if (cont) {
		dnsp_cfgld_key_join(key, path, "ContinentCode");
		int i = dnsp_cfgld_enum(ld, cont, key, continents);
		if (i >= 0)
			r->geo_continent = strdup(continents[i]);
		if (country || sub)
			dnsp_cfgld_err(ld, cont->line, key,
			     "cannot be combined with CountryCode or SubdivisionCode");
	}
	if (country) {
		dnsp_cfgld_key_join(key, path, "CountryCode");
		char *cc = dnsp_cfgld_str(ld, country, key, 1, 2);
		if (cc && strcmp(cc, "*") != 0 && !dnsp_cfgld_upper_code(cc, 2, 2, false)) {
			dnsp_cfgld_err(ld, country->line, key,
			     "expected a two-letter ISO 3166 country code or \"*\", got \"%s\"",
			     dnsp_cfgld_shows(sh, cc));
			free(cc);
			cc = NULL;
		}
		r->geo_country = cc;
	}
	if (sub) {
		dnsp_cfgld_key_join(key, path, "SubdivisionCode");
		char *sc = dnsp_cfgld_str(ld, sub, key, 1, 3);
		if (sc && !dnsp_cfgld_upper_code(sc, 1, 3, true)) {
			dnsp_cfgld_err(ld, sub->line, key, "expected a subdivision code such as WA, got \"%s\"",
			     dnsp_cfgld_shows(sh, sc));
			free(sc);
			sc = NULL;
		}
		r->geo_subdivision = sc;
		/* SEMANTICS §5: a state needs CountryCode US. */
		if (sc && (!r->geo_country || strcmp(r->geo_country, "US") != 0) && !cont)
			dnsp_cfgld_err(ld, sub->line, key, "requires CountryCode: US");
	}
}

/* Latitude [-+]?[0-9]{1,2}(\.[0-9]{0,2})?, Longitude with up to 3 integer
 * digits (API Coordinates); returns false on mismatch. */
bool dnsp_cfgld_coordinate(const char *s, int int_digits, double limit, double *out)
{
	const char *p = s;
	int d = 0;
	if (*p == '-' || *p == '+')
		p++;
	while (*p >= '0' && *p <= '9' && d <= int_digits) {
		p++;
		d++;
	}
	if (d < 1 || d > int_digits)
		return false;
	if (*p == '.') {
		p++;
		for (d = 0; *p >= '0' && *p <= '9'; p++)
			d++;
		if (d > 2)
			return false;
	}
	if (*p)
		return false;
	double x = strtod(s, NULL);
	if (x < -limit || x > limit)
		return false;
	*out = x;
	return true;
}

static void load_geoproximity(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			      struct dnsp_cfg_routing *r)
{
	static const char *const keys[] = { "AWSRegion", "LocalZoneGroup", "Coordinates", "Bias",
		NULL };
	static const char *const ckeys[] = { "Latitude", "Longitude", NULL };
	char key[DNSP_CFG_KEY_CAP], ckey[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;
	int64_t x;

	if (!dnsp_cfgld_want_map(ld, m, path))
		return;
	r->has_geoproximity = true;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	int n = !!dnsp_yaml_get(m, "AWSRegion") + !!dnsp_yaml_get(m, "LocalZoneGroup") +
		!!dnsp_yaml_get(m, "Coordinates");
	if (n != 1)
		dnsp_cfgld_err(ld, m->line, path,
		     "needs exactly one of AWSRegion, LocalZoneGroup or Coordinates");
	dnsp_cfgld_key_join(key, path, "AWSRegion");
	if ((v = dnsp_yaml_get(m, "AWSRegion")))
		r->gp_aws_region = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "LocalZoneGroup");
	if ((v = dnsp_yaml_get(m, "LocalZoneGroup")))
		r->gp_local_zone_group = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "Coordinates");
	if ((v = dnsp_yaml_get(m, "Coordinates")) && dnsp_cfgld_want_map(ld, v, key)) {
		dnsp_cfgld_check_keys(ld, v, key, ckeys);
		const ynode *lat = dnsp_cfgld_need(ld, v, key, "Latitude");
		const ynode *lon = dnsp_cfgld_need(ld, v, key, "Longitude");
		char *t;
		bool ok = lat && lon;
		dnsp_cfgld_key_join(ckey, key, "Latitude");
		if (lat && (t = dnsp_cfgld_str(ld, lat, ckey, 1, 16))) {
			if (!dnsp_cfgld_coordinate(t, 2, 90.0, &r->gp_latitude)) {
				dnsp_cfgld_err(ld, lat->line, ckey,
				     "expected a latitude -90..90 with at most 2 decimals, got \"%s\"",
				     dnsp_cfgld_shows(sh, t));
				ok = false;
			}
			free(t);
		} else {
			ok = false;
		}
		dnsp_cfgld_key_join(ckey, key, "Longitude");
		if (lon && (t = dnsp_cfgld_str(ld, lon, ckey, 1, 16))) {
			if (!dnsp_cfgld_coordinate(t, 3, 180.0, &r->gp_longitude)) {
				dnsp_cfgld_err(ld, lon->line, ckey,
				     "expected a longitude -180..180 with at most 2 decimals, got \"%s\"",
				     dnsp_cfgld_shows(sh, t));
				ok = false;
			}
			free(t);
		} else {
			ok = false;
		}
		r->gp_has_coordinates = ok;
	}
	dnsp_cfgld_key_join(key, path, "Bias");
	if ((v = dnsp_yaml_get(m, "Bias")) && dnsp_cfgld_int(ld, v, key, -99, 99, &x))
		r->gp_bias = (int)x;
}

static bool location_name_valid(const char *s)
{
	return strcmp(s, "*") == 0 || dnsp_cfgld_name_chars(s, 1, 16);
}

static void load_cidr_routing(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			      struct dnsp_cfg_routing *r)
{
	static const char *const keys[] = { "CollectionId", "LocationName", NULL };
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;
	if (!dnsp_cfgld_want_map(ld, m, path))
		return;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "CollectionId");
	if ((v = dnsp_cfgld_need(ld, m, path, "CollectionId")))
		r->cidr_collection_id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "LocationName");
	if ((v = dnsp_cfgld_need(ld, m, path, "LocationName")) && (r->cidr_location_name =
							     dnsp_cfgld_str(ld, v, key, 1, 16))) {
		if (!location_name_valid(r->cidr_location_name))
			dnsp_cfgld_err(ld, v->line, key,
			     "expected 1-16 of [0-9A-Za-z_-] or \"*\", got \"%s\"",
			     dnsp_cfgld_shows(sh, r->cidr_location_name));
	}
}

static void load_alias(struct dnsp_cfg_ld *ld, const ynode *m, const char *path, struct dnsp_cfg_rrset *rs)
{
	static const char *const keys[] = { "HostedZoneId", "DNSName", "EvaluateTargetHealth",
		NULL };
	char key[DNSP_CFG_KEY_CAP];
	const ynode *v;
	if (!dnsp_cfgld_want_map(ld, m, path))
		return;
	rs->is_alias = true;
	dnsp_cfgld_check_keys(ld, m, path, keys);
	dnsp_cfgld_key_join(key, path, "HostedZoneId");
	if ((v = dnsp_cfgld_need(ld, m, path, "HostedZoneId")))
		rs->alias_zone_id = strip_zone_prefix(dnsp_cfgld_str(ld, v, key, 1, 64));
	dnsp_cfgld_key_join(key, path, "DNSName");
	if ((v = dnsp_cfgld_need(ld, m, path, "DNSName")))
		rs->alias_dns_name = dnsp_cfgld_name(ld, v, key);
	dnsp_cfgld_key_join(key, path, "EvaluateTargetHealth");
	if ((v = dnsp_cfgld_need(ld, m, path, "EvaluateTargetHealth")))
		dnsp_cfgld_bool(ld, v, key, &rs->alias_evaluate_target_health);
}

static void load_values(struct dnsp_cfg_ld *ld, const ynode *v, const char *path, struct dnsp_cfg_rrset *rs)
{
	static const char *const keys[] = { "Value", NULL };
	char item[DNSP_CFG_KEY_CAP], key[DNSP_CFG_KEY_CAP];
	if (!dnsp_cfgld_want_seq(ld, v, path))
		return;
	rs->values = calloc(v->n ? v->n : 1, sizeof(*rs->values));
	if (!rs->values) {
		dnsp_cfgld_err(ld, v->line, path, "out of memory");
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const ynode *m = v->items[i];
		dnsp_cfgld_key_index(item, path, i);
		if (!dnsp_cfgld_want_map(ld, m, item))
			continue;
		dnsp_cfgld_check_keys(ld, m, item, keys);
		dnsp_cfgld_key_join(key, item, "Value");
		const ynode *val = dnsp_cfgld_need(ld, m, item, "Value");
		char *s = val ? dnsp_cfgld_str(ld, val, key, 1, VALUE_MAX) : NULL;
		if (s)
			rs->values[rs->nvalues++] = s;
	}
}

/*
 * Values are checked here, where each one still has its own line (the model
 * keeps only the set's line); dnsp_config_check_zone() repeats the check
 * for sets that come from elsewhere (change batches). Names inside Route 53
 * values are absolute, so the origin is the root. Duplicate values are
 * refused as Route 53 does.
 */
static void check_value_nodes(struct dnsp_cfg_ld *ld, const ynode *seq, const char *path, uint16_t type)
{
	static const uint8_t root[1] = { 0 };
	char key[DNSP_CFG_KEY_CAP], item[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP], tb[16];
	uint8_t *buf = malloc(DNSP_RDATA_MAX);
	uint8_t **seen = calloc(seq->n ? seq->n : 1, sizeof(*seen));
	size_t *seen_len = calloc(seq->n ? seq->n : 1, sizeof(*seen_len));
	size_t *seen_idx = calloc(seq->n ? seq->n : 1, sizeof(*seen_idx));
	size_t nseen = 0;

	dnsp_cfgld_key_join(key, path, "ResourceRecords");
	if (!buf || !seen || !seen_len || !seen_idx) {
		dnsp_cfgld_err(ld, seq->line, key, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < seq->n; i++) {
		const ynode *v = dnsp_yaml_get(seq->items[i], "Value");
		const char *why = NULL;
		if (!v || v->kind != DNSP_YAML_SCALAR)
			continue;
		dnsp_cfgld_key_index(item, key, i);
		dnsp_cfgld_key_join(item, item, "Value");
		int rc = dnsp_rdata_from_text(type, v->str, v->len, root, buf, DNSP_RDATA_MAX, &why);
		if (rc < 0) {
			dnsp_cfgld_err(ld, v->line, item, "invalid %s value \"%s\": %s", type_text(type, tb),
			     dnsp_cfgld_show(sh, sizeof(sh), v->str, v->len), why ? why : dnsp_strerror(rc));
			continue;
		}
		/* a set holds few values: a linear scan is enough, but stay
		 * bounded for hostile input */
		bool dup = false;
		for (size_t j = 0; j < nseen && j < 4096 && !dup; j++)
			if (seen_len[j] == (size_t)rc && memcmp(seen[j], buf, (size_t)rc) == 0) {
				dnsp_cfgld_err(ld, v->line, item, "duplicate value (same as ResourceRecords[%zu])",
				     seen_idx[j]);
				dup = true;
			}
		if (dup || !(seen[nseen] = malloc(rc ? (size_t)rc : 1)))
			continue;
		memcpy(seen[nseen], buf, (size_t)rc);
		seen_len[nseen] = (size_t)rc;
		seen_idx[nseen] = i;
		nseen++;
	}
out:
	for (size_t j = 0; j < nseen; j++)
		free(seen[j]);
	free(seen);
	free(seen_len);
	free(seen_idx);
	free(buf);
}

/* Parses one ResourceRecordSet object into rs (zeroed by the caller). On any
 * problem rs->type is left 0 so that the zone checks skip it. */
static void load_rrset(struct dnsp_cfg_ld *ld, const ynode *m, const char *path, struct dnsp_cfg_rrset *rs)
{
	static const char *const keys[] = { "Name", "Type", "SetIdentifier", "Weight", "Region",
		"GeoLocation", "Failover", "MultiValueAnswer", "GeoProximityLocation",
		"CidrRoutingConfig", "TTL", "ResourceRecords", "AliasTarget", "HealthCheckId",
		"TrafficPolicyInstanceId", NULL };
	static const char *const failover[] = { "PRIMARY", "SECONDARY", NULL };
	struct dnsp_cfg_routing *r = &rs->routing;
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v;
	int64_t x;
	int before = ld->nerr;
	uint16_t type = 0;

	rs->loc.file = ld->file;
	rs->loc.line = m->line;
	routing_init(r);
	dnsp_cfgld_check_keys(ld, m, path, keys);

	dnsp_cfgld_key_join(key, path, "Name");
	if ((v = dnsp_cfgld_need(ld, m, path, "Name")))
		rs->name = dnsp_cfgld_name(ld, v, key);
	dnsp_cfgld_key_join(key, path, "Type");
	if ((v = dnsp_cfgld_need(ld, m, path, "Type"))) {
		char *t = dnsp_cfgld_str(ld, v, key, 1, 16);
		for (size_t i = 0; t && i < sizeof(r53_types) / sizeof(r53_types[0]); i++)
			if (strcmp(t, r53_types[i].name) == 0)
				type = r53_types[i].type;
		if (t && !type) {
			size_t i;
			for (i = 0; i < sizeof(r53_types) / sizeof(r53_types[0]); i++)
				if (strcasecmp(t, r53_types[i].name) == 0)
					break;
			if (i < sizeof(r53_types) / sizeof(r53_types[0]))
				dnsp_cfgld_err(ld, v->line, key, "unknown record type \"%s\" (did you mean %s?)",
				     dnsp_cfgld_shows(sh, t), r53_types[i].name);
			else
				dnsp_cfgld_err(ld, v->line, key,
				     "unknown record type \"%s\" (expected SOA, A, TXT, NS, CNAME, MX, "
				     "NAPTR, PTR, SRV, SPF, AAAA, CAA, DS, TLSA, SSHFP, SVCB or HTTPS)",
				     dnsp_cfgld_shows(sh, t));
		}
		free(t);
	}
	dnsp_cfgld_key_join(key, path, "SetIdentifier");
	if ((v = dnsp_yaml_get(m, "SetIdentifier")))
		r->set_identifier = dnsp_cfgld_str(ld, v, key, 1, 128);
	dnsp_cfgld_key_join(key, path, "Weight");
	if ((v = dnsp_yaml_get(m, "Weight")) && dnsp_cfgld_int(ld, v, key, 0, 255, &x))
		r->weight = (int)x;
	dnsp_cfgld_key_join(key, path, "Region");
	if ((v = dnsp_yaml_get(m, "Region")))
		r->region = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "GeoLocation");
	if ((v = dnsp_yaml_get(m, "GeoLocation")))
		load_geolocation(ld, v, key, r);
	dnsp_cfgld_key_join(key, path, "Failover");
	if ((v = dnsp_yaml_get(m, "Failover"))) {
		int i = dnsp_cfgld_enum(ld, v, key, failover);
		if (i >= 0)
			r->failover = strdup(failover[i]);
	}
	dnsp_cfgld_key_join(key, path, "MultiValueAnswer");
	bool mv;
	if ((v = dnsp_yaml_get(m, "MultiValueAnswer")) && dnsp_cfgld_bool(ld, v, key, &mv))
		r->multivalue = mv;
	dnsp_cfgld_key_join(key, path, "GeoProximityLocation");
	if ((v = dnsp_yaml_get(m, "GeoProximityLocation")))
		load_geoproximity(ld, v, key, r);
	dnsp_cfgld_key_join(key, path, "CidrRoutingConfig");
	if ((v = dnsp_yaml_get(m, "CidrRoutingConfig")))
		load_cidr_routing(ld, v, key, r);
	dnsp_cfgld_key_join(key, path, "TTL");
	if ((v = dnsp_yaml_get(m, "TTL")) && dnsp_cfgld_int(ld, v, key, 0, 2147483647, &x)) {
		rs->has_ttl = true;
		rs->ttl = (uint32_t)x;
	}
	dnsp_cfgld_key_join(key, path, "ResourceRecords");
	if ((v = dnsp_yaml_get(m, "ResourceRecords")))
		load_values(ld, v, key, rs);
	dnsp_cfgld_key_join(key, path, "AliasTarget");
	if ((v = dnsp_yaml_get(m, "AliasTarget")))
		load_alias(ld, v, key, rs);
	dnsp_cfgld_key_join(key, path, "HealthCheckId");
	if ((v = dnsp_yaml_get(m, "HealthCheckId")))
		r->health_check_id = dnsp_cfgld_str(ld, v, key, 1, 64);
	dnsp_cfgld_key_join(key, path, "TrafficPolicyInstanceId");
	if ((v = dnsp_yaml_get(m, "TrafficPolicyInstanceId")))
		dnsp_cfgld_err(ld, v->line, key, "output only: records of a traffic policy "
		     "instance come from traffic_policy_instances (SEMANTICS §16)");

	/* The routing policy is the one routing field present (SEMANTICS §16:
	 * they are alternatives). MultiValueAnswer: false selects nothing. */
	static const struct {
		const char *key;
		enum dnsp_cfg_policy policy;
	} pk[] = {
		{ "Weight", DNSP_POLICY_WEIGHTED }, { "Region", DNSP_POLICY_LATENCY },
		{ "Failover", DNSP_POLICY_FAILOVER }, { "GeoLocation", DNSP_POLICY_GEOLOCATION },
		{ "GeoProximityLocation", DNSP_POLICY_GEOPROXIMITY },
		{ "CidrRoutingConfig", DNSP_POLICY_IPBASED },
		{ "MultiValueAnswer", DNSP_POLICY_MULTIVALUE },
	};
	const char *first = NULL;
	rs->policy = DNSP_POLICY_SIMPLE;
	for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		v = dnsp_yaml_get(m, pk[i].key);
		if (!v)
			continue;
		if (pk[i].policy == DNSP_POLICY_MULTIVALUE && r->multivalue == 0)
			continue;
		if (first) {
			dnsp_cfgld_key_join(key, path, pk[i].key);
			dnsp_cfgld_err(ld, v->line, key,
			     "cannot be combined with %s: a record set has one routing policy", first);
			continue;
		}
		first = pk[i].key;
		rs->policy = pk[i].policy;
	}
	if (type && ld->nerr == before && (v = dnsp_yaml_get(m, "ResourceRecords")))
		check_value_nodes(ld, v, path, type);
	if (ld->nerr == before)
		rs->type = type;
}

/* ------------------------------------------------------------------------ */
/* ZoneFile: records grouped by (owner, type) into from_file record sets    */

struct zf_rec {
	char *owner;       /* presentation, case as written */
	uint8_t *wire;     /* owner, lowercased */
	uint16_t type;
	uint32_t ttl;
	char *value;
	const char *file;  /* pooled */
	int line;
	size_t seq;        /* file order */
};

struct zf_load {
	struct dnsp_cfg_ld *ld;
	const char *key;   /* hosted_zones[i].ZoneFile */
	const char *path;
	struct zf_rec *recs;
	size_t n, cap;
	char *text;        /* rdata text buffer */
	size_t textcap;
};

struct yaml_ref {
	uint8_t *wire;     /* lowercased owner */
	uint16_t type;
	size_t idx;        /* index in z->rrsets */
};

static uint8_t *wire_dup_lower(const uint8_t *wire)
{
	size_t len = dnsp_name_len(wire);
	uint8_t *w = malloc(len);
	if (w) {
		memcpy(w, wire, len);
		dnsp_name_lower(w);
	}
	return w;
}

static void zf_error(void *ctx, const char *file, int line, const char *msg)
{
	struct zf_load *zl = ctx;
	char sh[256];
	zl->ld->nerr++;
	dnsp_errlist_add(zl->ld->errs, file ? file : zl->path, line, zl->key, "%s",
			 dnsp_cfgld_show(sh, sizeof(sh), msg, strlen(msg)));
}

static int zf_record(void *ctx, const struct dnsp_zf_record *rr)
{
	struct zf_load *zl = ctx;
	const char *file = rr->file ? rr->file : zl->path;
	char owner[NAME_TEXT_MAX + 8], tb[16];
	int rc;

	if (rr->rclass != 1) {
		zf_error(zl, file, rr->line, "only class IN is supported");
		return 0;
	}
	if ((rc = dnsp_name_to_text(rr->owner, owner, sizeof(owner))) < 0) {
		zf_error(zl, file, rr->line, "owner name cannot be printed");
		return 0;
	}
	rc = dnsp_rdata_to_text(rr->type, rr->rdata, rr->rdlen, zl->text, zl->textcap);
	if (rc < 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "%s data cannot be printed: %s",
			 type_text(rr->type, tb), dnsp_strerror(rc));
		zf_error(zl, file, rr->line, msg);
		return 0;
	}
	if (zl->n == zl->cap) {
		size_t cap = zl->cap ? zl->cap * 2 : 64;
		struct zf_rec *recs = realloc(zl->recs, cap * sizeof(*recs));
		if (!recs) {
			zf_error(zl, file, rr->line, "out of memory");
			return -ENOMEM;
		}
		zl->recs = recs;
		zl->cap = cap;
	}
	struct zf_rec *r = &zl->recs[zl->n];
	r->owner = strdup(owner);
	r->wire = wire_dup_lower(rr->owner);
	r->value = strdup(zl->text);
	r->file = pool_intern(zl->ld->c->pool, file);
	if (!r->owner || !r->wire || !r->value || !r->file) {
		free(r->owner);
		free(r->wire);
		free(r->value);
		zf_error(zl, file, rr->line, "out of memory");
		return -ENOMEM;
	}
	r->type = rr->type;
	r->ttl = rr->ttl;
	r->line = rr->line;
	r->seq = zl->n++;
	return 0;
}

static int zf_rec_cmp(const void *a, const void *b)
{
	const struct zf_rec *x = a, *y = b;
	int c = dnsp_name_cmp(x->wire, y->wire);
	if (c)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int yaml_ref_cmp(const void *a, const void *b)
{
	const struct yaml_ref *x = a, *y = b;
	int c = dnsp_name_cmp(x->wire, y->wire);
	if (c)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Turns the records of one (owner, type) group into a record set. */
static int zf_make_rrset(const struct zf_rec *g, size_t n, struct dnsp_cfg_rrset *rs)
{
	memset(rs, 0, sizeof(*rs));
	routing_init(&rs->routing);
	rs->loc.file = g[0].file;
	rs->loc.line = g[0].line;
	rs->type = g[0].type;
	rs->from_file = true;
	rs->has_ttl = true;
	rs->ttl = g[0].ttl;
	rs->policy = DNSP_POLICY_SIMPLE;
	rs->name = strdup(g[0].owner);
	rs->values = calloc(n, sizeof(*rs->values));
	if (!rs->name || !rs->values)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (g[i].ttl < rs->ttl)
			rs->ttl = g[i].ttl;
		bool dup = false; /* RFC 2181 §5: duplicate records are one record */
		for (size_t j = 0; j < rs->nvalues && !dup; j++)
			dup = strcmp(rs->values[j], g[i].value) == 0;
		if (dup)
			continue;
		if (!(rs->values[rs->nvalues] = strdup(g[i].value)))
			return -ENOMEM;
		rs->nvalues++;
	}
	return 0;
}

static void load_zone_file(struct dnsp_cfg_ld *ld, struct dnsp_cfg_zone *z, const char *zkey,
			   const ynode *file_node)
{
	char key[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP], tb[16];
	uint8_t apex[DNSP_NAME_MAX];
	struct zf_load zl = { .ld = ld, .path = z->zone_file };
	struct yaml_ref *refs = NULL;
	size_t nrefs = 0;
	struct stat st;

	dnsp_cfgld_key_join(key, zkey, "ZoneFile");
	zl.key = key;
	if (r53_name_parse(z->name, apex) < 0)
		return;
	if (stat(z->zone_file, &st) != 0) {
		dnsp_cfgld_err(ld, file_node->line, key, "cannot read \"%s\": %s", dnsp_cfgld_shows(sh, z->zone_file),
		     strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		dnsp_cfgld_err(ld, file_node->line, key, "cannot read \"%s\": %s",
		     dnsp_cfgld_shows(sh, z->zone_file),
		     dnsp_file_strerror(S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL, st.st_mode));
		return;
	}
	zl.textcap = 4 * DNSP_RDATA_MAX + 1024; /* worst case: every byte as \DDD */
	zl.text = malloc(zl.textcap);
	if (!zl.text) {
		dnsp_cfgld_err(ld, file_node->line, key, "out of memory");
		return;
	}
	struct dnsp_zf_params p = {
		.origin = apex,
		.default_ttl = ZONEFILE_TTL,
		.on_record = zf_record,
		.on_error = zf_error,
		.ctx = &zl,
	};
	int rc = dnsp_zonefile_read(z->zone_file, &p);
	(void)rc; /* every problem went through zf_error */

	/* YAML sets by (owner, type), to find sets defined in both places. */
	refs = calloc(z->nrrsets ? z->nrrsets : 1, sizeof(*refs));
	if (!refs)
		goto oom;
	for (size_t i = 0; i < z->nrrsets; i++) {
		uint8_t w[DNSP_NAME_MAX];
		const struct dnsp_cfg_rrset *rs = &z->rrsets[i];
		if (!rs->type || !rs->name || r53_name_parse(rs->name, w) < 0)
			continue;
		if (!(refs[nrefs].wire = wire_dup_lower(w)))
			goto oom;
		refs[nrefs].type = rs->type;
		refs[nrefs].idx = i;
		nrefs++;
	}
	qsort(refs, nrefs, sizeof(*refs), yaml_ref_cmp);
	qsort(zl.recs, zl.n, sizeof(*zl.recs), zf_rec_cmp);

	size_t ngroups = 0;
	for (size_t i = 0; i < zl.n; i++)
		if (i == 0 || zl.recs[i - 1].type != zl.recs[i].type ||
		    dnsp_name_cmp(zl.recs[i - 1].wire, zl.recs[i].wire) != 0)
			ngroups++;
	if (ngroups) {
		struct dnsp_cfg_rrset *grown =
			realloc(z->rrsets, (z->nrrsets + ngroups) * sizeof(*grown));
		if (!grown)
			goto oom;
		z->rrsets = grown;
	}
	for (size_t i = 0, j; i < zl.n; i = j) {
		for (j = i + 1; j < zl.n && zl.recs[j].type == zl.recs[i].type &&
				dnsp_name_cmp(zl.recs[j].wire, zl.recs[i].wire) == 0;
		     j++)
			;
		struct yaml_ref want = { .wire = zl.recs[i].wire, .type = zl.recs[i].type };
		size_t lo = 0, hi = nrefs;
		while (lo < hi) { /* first ref >= want, ignoring idx */
			size_t mid = (lo + hi) / 2;
			int c = dnsp_name_cmp(refs[mid].wire, want.wire);
			if (c < 0 || (c == 0 && refs[mid].type < want.type))
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nrefs && refs[lo].type == want.type &&
		    dnsp_name_cmp(refs[lo].wire, want.wire) == 0) {
			const struct dnsp_cfg_rrset *y = &z->rrsets[refs[lo].idx];
			char ykey[DNSP_CFG_KEY_CAP], rs_path[DNSP_CFG_KEY_CAP];
			dnsp_cfgld_key_join(rs_path, zkey, "ResourceRecordSets");
			dnsp_cfgld_key_index(ykey, rs_path, refs[lo].idx);
			dnsp_cfgld_err(ld, y->loc.line, ykey,
			     "%s %s is defined both here and in the zone file at %s:%d", y->name,
			     type_text(y->type, tb), zl.recs[i].file, zl.recs[i].line);
			continue;
		}
		struct dnsp_cfg_rrset *rs = &z->rrsets[z->nrrsets];
		if (zf_make_rrset(&zl.recs[i], j - i, rs) < 0) {
			dnsp_cfg_rrset_fini(rs);
			goto oom;
		}
		z->nrrsets++;
	}
	goto done;
oom:
	dnsp_cfgld_err(ld, file_node->line, key, "out of memory");
done:
	for (size_t i = 0; i < nrefs; i++)
		free(refs[i].wire);
	free(refs);
	for (size_t i = 0; i < zl.n; i++) {
		free(zl.recs[i].owner);
		free(zl.recs[i].wire);
		free(zl.recs[i].value);
	}
	free(zl.recs);
	free(zl.text);
}

/* ------------------------------------------------------------------------ */
/* hosted_zones                                                             */

static bool has_wildcard_label(const char *name)
{
	uint8_t w[DNSP_NAME_MAX];
	if (r53_name_parse(name, w) < 0)
		return false;
	for (size_t pos = 0; w[pos] && pos < DNSP_NAME_MAX; pos += (size_t)w[pos] + 1)
		if (memchr(&w[pos + 1], '*', w[pos]))
			return true;
	return false;
}

static void load_zone_vpcs(struct dnsp_cfg_ld *ld, const ynode *v, const char *zkey, size_t zi)
{
	static const char *const keys[] = { "VPCRegion", "VPCId", NULL };
	struct dnsp_config *c = ld->c;
	struct dnsp_cfg_zone *z = &c->zones[zi];
	char key[DNSP_CFG_KEY_CAP], item[DNSP_CFG_KEY_CAP], ikey[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];

	dnsp_cfgld_key_join(key, zkey, "VPCs");
	if (!dnsp_cfgld_want_seq(ld, v, key))
		return;
	if (!z->private_zone) {
		if (v->n)
			dnsp_cfgld_err(ld, v->line, key, "a public zone cannot be associated with VPCs "
			     "(set Config.PrivateZone: true for a private zone)");
		return;
	}
	z->vpc_ids = calloc(v->n ? v->n : 1, sizeof(*z->vpc_ids));
	z->vpc_regions = calloc(v->n ? v->n : 1, sizeof(*z->vpc_regions));
	if (!z->vpc_ids || !z->vpc_regions) {
		dnsp_cfgld_err(ld, v->line, key, "out of memory");
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const ynode *m = v->items[i], *id;
		dnsp_cfgld_key_index(item, key, i);
		if (!dnsp_cfgld_want_map(ld, m, item))
			continue;
		dnsp_cfgld_check_keys(ld, m, item, keys);
		const ynode *region = dnsp_yaml_get(m, "VPCRegion");
		dnsp_cfgld_key_join(ikey, item, "VPCRegion");
		char *reg = region ? dnsp_cfgld_str(ld, region, ikey, 1, 64) : NULL;
		dnsp_cfgld_key_join(ikey, item, "VPCId");
		char *vid = (id = dnsp_cfgld_need(ld, m, item, "VPCId")) ? dnsp_cfgld_str(ld, id, ikey, 1, 64) : NULL;
		if (!vid) {
			free(reg);
			continue;
		}
		size_t k = z->nvpcs;
		z->vpc_ids[k] = vid;
		z->vpc_regions[k] = reg;
		z->nvpcs++;
		if (!dnsp_cfgld_vpc_find(c, vid)) {
			dnsp_cfgld_err(ld, id->line, ikey, "VPC \"%s\" is not defined in vpcs", dnsp_cfgld_shows(sh, vid));
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < k; j++)
			if (strcmp(z->vpc_ids[j], vid) == 0)
				dup = true;
		if (dup) {
			dnsp_cfgld_err(ld, id->line, ikey, "VPC \"%s\" is listed twice", dnsp_cfgld_shows(sh, vid));
			continue;
		}
		/* Route 53: one private zone per name and VPC. */
		for (size_t p = 0; z->name && p < zi; p++) {
			const struct dnsp_cfg_zone *o = &c->zones[p];
			if (!o->private_zone || !o->name || strcasecmp(o->name, z->name) != 0)
				continue;
			for (size_t j = 0; j < o->nvpcs; j++)
				if (strcmp(o->vpc_ids[j], vid) == 0)
					dnsp_cfgld_err(ld, id->line, ikey,
					     "VPC \"%s\" already has a private zone %s: "
					     "hosted_zones[%zu] (%s:%d)",
					     dnsp_cfgld_shows(sh, vid), z->name, p, o->loc.file, o->loc.line);
		}
	}
}

static void load_zone(struct dnsp_cfg_ld *ld, const ynode *m, const char *zkey, size_t zi)
{
	static const char *const keys[] = { "Id", "Name", "Config", "VPCs", "ZoneFile", "DNSSEC",
		"ResourceRecordSets", NULL };
	static const char *const cfg_keys[] = { "PrivateZone", "Comment", NULL };
	static const char *const dnssec_keys[] = { "Signing", NULL };
	struct dnsp_config *c = ld->c;
	struct dnsp_cfg_zone *z = &c->zones[zi];
	char key[DNSP_CFG_KEY_CAP], item[DNSP_CFG_KEY_CAP], sh[DNSP_CFG_SHOW_CAP];
	const ynode *v, *name_node, *file_node;

	z->loc.file = ld->file;
	z->loc.line = m->line;
	dnsp_cfgld_check_keys(ld, m, zkey, keys);

	dnsp_cfgld_key_join(key, zkey, "Id");
	if ((v = dnsp_cfgld_need(ld, m, zkey, "Id")) && (z->id = strip_zone_prefix(dnsp_cfgld_str(ld, v, key, 1, 64)))) {
		for (size_t p = 0; p < zi; p++)
			if (c->zones[p].id && strcmp(c->zones[p].id, z->id) == 0) {
				dnsp_cfgld_err(ld, v->line, key, "duplicate zone Id \"%s\" (first at %s:%d)",
				     dnsp_cfgld_shows(sh, z->id), c->zones[p].loc.file, c->zones[p].loc.line);
				break;
			}
	}
	dnsp_cfgld_key_join(key, zkey, "Config");
	if ((v = dnsp_yaml_get(m, "Config")) && dnsp_cfgld_want_map(ld, v, key)) {
		dnsp_cfgld_check_keys(ld, v, key, cfg_keys);
		const ynode *x;
		dnsp_cfgld_key_join(item, key, "PrivateZone");
		if ((x = dnsp_yaml_get(v, "PrivateZone")))
			dnsp_cfgld_bool(ld, x, item, &z->private_zone);
		dnsp_cfgld_key_join(item, key, "Comment");
		if ((x = dnsp_yaml_get(v, "Comment")))
			z->comment = dnsp_cfgld_str(ld, x, item, 0, 256);
	}
	dnsp_cfgld_key_join(key, zkey, "Name");
	if ((name_node = dnsp_cfgld_need(ld, m, zkey, "Name")) && (z->name = dnsp_cfgld_name(ld, name_node, key))) {
		if (has_wildcard_label(z->name)) {
			dnsp_cfgld_err(ld, name_node->line, key, "a zone name cannot contain \"*\"");
		} else if (!z->private_zone) {
			for (size_t p = 0; p < zi; p++) {
				const struct dnsp_cfg_zone *o = &c->zones[p];
				if (!o->private_zone && o->name && strcasecmp(o->name, z->name) == 0) {
					dnsp_cfgld_err(ld, name_node->line, key,
					     "public zone %s is already defined by hosted_zones[%zu] "
					     "(%s:%d)", z->name, p, o->loc.file, o->loc.line);
					break;
				}
			}
		}
	}
	if ((v = dnsp_yaml_get(m, "VPCs")))
		load_zone_vpcs(ld, v, zkey, zi);
	dnsp_cfgld_key_join(key, zkey, "ZoneFile");
	if ((file_node = dnsp_yaml_get(m, "ZoneFile")))
		z->zone_file = dnsp_cfgld_path(ld, file_node, key);
	dnsp_cfgld_key_join(key, zkey, "DNSSEC");
	if ((v = dnsp_yaml_get(m, "DNSSEC")) && dnsp_cfgld_want_map(ld, v, key)) {
		dnsp_cfgld_check_keys(ld, v, key, dnssec_keys);
		const ynode *x;
		dnsp_cfgld_key_join(item, key, "Signing");
		if ((x = dnsp_yaml_get(v, "Signing")) && dnsp_cfgld_bool(ld, x, item, &z->dnssec_signing) &&
		    z->dnssec_signing && z->private_zone)
			dnsp_cfgld_err(ld, x->line, item, "DNSSEC signing is not supported for private zones");
	}
	dnsp_cfgld_key_join(key, zkey, "ResourceRecordSets");
	if ((v = dnsp_yaml_get(m, "ResourceRecordSets")) && dnsp_cfgld_want_seq(ld, v, key)) {
		z->rrsets = calloc(v->n ? v->n : 1, sizeof(*z->rrsets));
		if (!z->rrsets) {
			dnsp_cfgld_err(ld, v->line, key, "out of memory");
			return;
		}
		/* Every item gets a slot, even a broken one, so that the index in
		 * later messages is the index in the file. */
		for (size_t i = 0; i < v->n; i++) {
			struct dnsp_cfg_rrset *rs = &z->rrsets[z->nrrsets++];
			dnsp_cfgld_key_index(item, key, i);
			routing_init(&rs->routing);
			rs->loc.file = ld->file;
			rs->loc.line = v->items[i]->line;
			if (dnsp_cfgld_want_map(ld, v->items[i], item))
				load_rrset(ld, v->items[i], item, rs);
		}
	}
	if (z->zone_file && z->name)
		load_zone_file(ld, z, zkey, file_node);
	if (z->name)
		ld->nerr += dnsp_config_check_zone(c, z, ld->errs);
}

static void load_zones(struct dnsp_cfg_ld *ld, const ynode *v)
{
	struct dnsp_config *c = ld->c;
	char item[DNSP_CFG_KEY_CAP];
	if (dnsp_yaml_is_null(v) || !dnsp_cfgld_want_seq(ld, v, "hosted_zones"))
		return;
	c->zones = calloc(v->n ? v->n : 1, sizeof(*c->zones));
	if (!c->zones) {
		dnsp_cfgld_err(ld, v->line, "hosted_zones", "out of memory");
		return;
	}
	/* Every item gets a slot, even a broken one, so that zones[i] is
	 * hosted_zones[i] in every message. */
	for (size_t i = 0; i < v->n; i++) {
		dnsp_cfgld_key_index(item, "hosted_zones", i);
		size_t zi = c->nzones++;
		c->zones[zi].loc.file = ld->file;
		c->zones[zi].loc.line = v->items[i]->line;
		if (dnsp_cfgld_want_map(ld, v->items[i], item))
			load_zone(ld, v->items[i], item, zi);
	}
}

/* ------------------------------------------------------------------------ */
/* Zone checks (also used by change-resource-record-sets)                   */

struct chk {
	const struct dnsp_config *c;
	const struct dnsp_cfg_zone *z;
	struct dnsp_errlist *errs;
	char zkey[DNSP_CFG_KEY_CAP];
	size_t *yidx;      /* per set: its index among the YAML sets */
	int n;
};

struct citem {
	uint8_t *wire;     /* lowercased owner */
	uint16_t type;
	size_t i;          /* index in z->rrsets */
};

__attribute__((format(printf, 4, 5)))
static void cerr(struct chk *k, size_t i, const char *field, const char *fmt, ...)
{
	const struct dnsp_cfg_rrset *rs = &k->z->rrsets[i];
	char key[DNSP_CFG_KEY_CAP], base[DNSP_CFG_KEY_CAP], msg[1024];
	if (rs->from_file) {
		dnsp_cfgld_key_join(key, k->zkey, "ZoneFile");
	} else {
		dnsp_cfgld_key_join(base, k->zkey, "ResourceRecordSets");
		dnsp_cfgld_key_index(key, base, k->yidx[i]);
		if (field) {
			memcpy(base, key, sizeof(base));
			dnsp_cfgld_key_join(key, base, field);
		}
	}
	va_list ap;
	va_start(ap, fmt);
	int rc = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)rc;
	k->n++;
	dnsp_errlist_add(k->errs, rs->loc.file, rs->loc.line, key, "%s", msg);
}

static void zone_key(const struct dnsp_config *c, const struct dnsp_cfg_zone *z, char *out)
{
	char sh[DNSP_CFG_SHOW_CAP];
	uintptr_t p = (uintptr_t)z;
	if (c && c->nzones && p >= (uintptr_t)c->zones && p < (uintptr_t)(c->zones + c->nzones)) {
		dnsp_cfgld_key_index(out, "hosted_zones", (size_t)(z - c->zones));
		return;
	}
	for (size_t i = 0; c && z->id && i < c->nzones; i++)
		if (c->zones[i].id && strcmp(c->zones[i].id, z->id) == 0) {
			dnsp_cfgld_key_index(out, "hosted_zones", i);
			return;
		}
	int rc = snprintf(out, DNSP_CFG_KEY_CAP, "hosted_zones[%s]", z->id ? dnsp_cfgld_shows(sh, z->id) : "?");
	(void)rc;
}

static bool streq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int citem_cmp(const void *a, const void *b)
{
	const struct citem *x = a, *y = b;
	int c = dnsp_name_cmp(x->wire, y->wire);
	if (c)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

struct rdref {
	uint8_t *p;
	size_t len, j;
};

static int rdref_cmp(const void *a, const void *b)
{
	const struct rdref *x = a, *y = b;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	int c = memcmp(x->p, y->p, x->len);
	if (c)
		return c;
	return x->j < y->j ? -1 : x->j > y->j;
}

/* Types that SEMANTICS §3 lets carry MultiValueAnswer. */
static bool multivalue_type(uint16_t t)
{
	static const uint16_t ok[] = { 1, 28, 15, 35, 12, 99, 33, 16, 257, 52, 44, 64, 65 };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ok[i] == t)
			return true;
	return false;
}

/* Checks the record values of set i: each parses for its type, and no
 * value is given twice (Route 53 rejects duplicate records). */
static void check_values(struct chk *k, size_t i, uint8_t *buf)
{
	const struct dnsp_cfg_rrset *rs = &k->z->rrsets[i];
	static const uint8_t root[1] = { 0 };
	char field[64], sh[DNSP_CFG_SHOW_CAP], tb[16];
	struct rdref *refs = rs->nvalues > 1 ? calloc(rs->nvalues, sizeof(*refs)) : NULL;
	size_t nrefs = 0;

	for (size_t j = 0; j < rs->nvalues; j++) {
		const char *why = NULL;
		const char *v = rs->values[j] ? rs->values[j] : "";
		/* Names inside Route 53 values are absolute: complete with ".". */
		int rc = dnsp_rdata_from_text(rs->type, v, strlen(v), root, buf, DNSP_RDATA_MAX, &why);
		if (rc < 0) {
			snprintf(field, sizeof(field), "ResourceRecords[%zu].Value", j);
			cerr(k, i, field, "invalid %s value \"%s\": %s", type_text(rs->type, tb),
			     dnsp_cfgld_shows(sh, v), why ? why : dnsp_strerror(rc));
			continue;
		}
		if (refs && (refs[nrefs].p = malloc(rc ? (size_t)rc : 1))) {
			memcpy(refs[nrefs].p, buf, (size_t)rc);
			refs[nrefs].len = (size_t)rc;
			refs[nrefs].j = j;
			nrefs++;
		}
	}
	if (nrefs > 1) {
		/* equal values end up adjacent, in the order they were given */
		qsort(refs, nrefs, sizeof(*refs), rdref_cmp);
		size_t first = 0;
		for (size_t a = 1; a < nrefs; a++) {
			if (refs[a].len != refs[first].len ||
			    memcmp(refs[a].p, refs[first].p, refs[a].len) != 0) {
				first = a;
				continue;
			}
			snprintf(field, sizeof(field), "ResourceRecords[%zu].Value", refs[a].j);
			cerr(k, i, field, "duplicate value (same as ResourceRecords[%zu])",
			     refs[first].j);
		}
	}
	for (size_t a = 0; a < nrefs; a++)
		free(refs[a].p);
	free(refs);
}

/* [routing] Policy fields that the routing engine needs resolvable
 * (ctrl/compile_route.c): Region codes and Local Zone groups of the built-in
 * tables (lib/regions.c), failover aliases evaluating their target
 * (SEMANTICS §4, API Failover), IP-based routing outside private zones
 * (SEMANTICS §8). */
static void check_routing(struct chk *k, size_t i)
{
	const struct dnsp_cfg_rrset *rs = &k->z->rrsets[i];
	const struct dnsp_cfg_routing *r = &rs->routing;
	char sh[DNSP_CFG_SHOW_CAP];
	double lat, lon;

	if (rs->policy == DNSP_POLICY_LATENCY && r->region && dnsp_region_index(r->region) < 0)
		cerr(k, i, "Region", "unknown AWS Region \"%s\" (expected a code such as us-east-1)",
		     dnsp_cfgld_shows(sh, r->region));
	if (r->gp_aws_region && dnsp_region_index(r->gp_aws_region) < 0)
		cerr(k, i, "GeoProximityLocation.AWSRegion", "unknown AWS Region \"%s\"",
		     dnsp_cfgld_shows(sh, r->gp_aws_region));
	if (r->gp_local_zone_group &&
	    dnsp_local_zone_group_coords(r->gp_local_zone_group, &lat, &lon) < 0)
		cerr(k, i, "GeoProximityLocation.LocalZoneGroup", "unknown Local Zone group \"%s\"",
		     dnsp_cfgld_shows(sh, r->gp_local_zone_group));
	if (rs->policy == DNSP_POLICY_FAILOVER && rs->is_alias && !rs->alias_evaluate_target_health)
		cerr(k, i, "AliasTarget.EvaluateTargetHealth",
		     "must be true for a failover alias record set");
	if (rs->policy == DNSP_POLICY_IPBASED && k->z->private_zone)
		cerr(k, i, "CidrRoutingConfig", "IP-based routing is not allowed in private zones");
}

/* Rules that need only the set itself. Returns true when its name is good
 * enough to take part in the name/type group checks. */
static bool check_set(struct chk *k, size_t i, const uint8_t *apex, uint8_t *wire, uint8_t *buf)
{
	const struct dnsp_cfg_rrset *rs = &k->z->rrsets[i];
	const struct dnsp_cfg_routing *r = &rs->routing;
	const char *pol = policy_names[rs->policy];
	char sh[DNSP_CFG_SHOW_CAP], tb[16];
	bool group = true;

	if (r53_name_parse(rs->name, wire) < 0) {
		cerr(k, i, "Name", "invalid domain name \"%s\"", dnsp_cfgld_shows(sh, rs->name));
		return false;
	}
	if (!dnsp_name_in(wire, apex)) {
		cerr(k, i, "Name", "%s is not in zone %s%s", dnsp_cfgld_shows(sh, rs->name), k->z->name,
		     dnsp_name_labels(wire) == 1 ? " (names are absolute: write the full name)"
						 : "");
		group = false;
	}
	/* SEMANTICS §16: "*" only as the whole leftmost label. */
	int label = 0;
	for (size_t pos = 0; wire[pos] && pos < DNSP_NAME_MAX; pos += (size_t)wire[pos] + 1, label++) {
		if (!memchr(&wire[pos + 1], '*', wire[pos]))
			continue;
		if (label != 0 || wire[pos] != 1) {
			cerr(k, i, "Name", "\"*\" is only allowed as the whole leftmost label");
			group = false;
			break;
		}
		if (rs->type == 2) {
			cerr(k, i, "Name", "NS records cannot have a wildcard name");
			group = false;
		}
	}
	if (rs->type == 5 && dnsp_name_equal(wire, apex))
		cerr(k, i, "Type", "a CNAME is not allowed at the zone apex (RFC 1912 §2.4)");
	if (rs->type == 6 && !dnsp_name_equal(wire, apex))
		cerr(k, i, "Type", "SOA is only allowed at the zone apex");

	if (rs->policy == DNSP_POLICY_SIMPLE && r->set_identifier)
		cerr(k, i, "SetIdentifier", "only allowed with a routing policy (Weight, Region, "
		     "GeoLocation, Failover, MultiValueAnswer, GeoProximityLocation or "
		     "CidrRoutingConfig)");
	if (rs->policy != DNSP_POLICY_SIMPLE && !r->set_identifier)
		cerr(k, i, "SetIdentifier", "required for %s routing", pol);
	if (rs->policy == DNSP_POLICY_MULTIVALUE && rs->is_alias)
		cerr(k, i, "MultiValueAnswer", "multivalue answer sets cannot be aliases");
	else if (rs->policy == DNSP_POLICY_MULTIVALUE && !multivalue_type(rs->type))
		cerr(k, i, "MultiValueAnswer", "not allowed for %s sets", type_text(rs->type, tb));
	if (rs->is_alias) {
		if (rs->has_ttl)
			cerr(k, i, "TTL", "not allowed with AliasTarget (an alias takes the TTL of "
			     "its target)");
		if (rs->nvalues)
			cerr(k, i, "ResourceRecords", "not allowed with AliasTarget");
	} else if (rs->nvalues == 0) {
		cerr(k, i, "ResourceRecords", "required (or an AliasTarget)");
	}
	if ((rs->type == 5 || rs->type == 6) && rs->nvalues > 1)
		cerr(k, i, "ResourceRecords", "a %s set holds exactly one value (got %zu)",
		     type_text(rs->type, tb), rs->nvalues);
	check_routing(k, i);
	/* c->health is NULL while the file loads: health_checks' check() reports then */
	if (r->health_check_id && k->c && k->c->health && !dnsp_cfg_health_find(k->c, r->health_check_id))
		cerr(k, i, "HealthCheckId", "health check \"%s\" is not defined in health_checks",
		     dnsp_cfgld_shows(sh, r->health_check_id));
	/* c->route is NULL while the file loads: cidr_collections' check() reports then */
	char cwhy[512];
	if (r->cidr_collection_id && k->c &&
	    dnsp_cfg_cidr_routing_problem(k->c, r->cidr_collection_id, r->cidr_location_name,
					  cwhy, sizeof(cwhy)))
		cerr(k, i, dnsp_cfg_cidr_collection_find(k->c, r->cidr_collection_id)
			   ? "CidrRoutingConfig.LocationName" : "CidrRoutingConfig.CollectionId",
		     "%s", cwhy);
	check_values(k, i, buf);
	return group;
}

/* Rules between the sets of one name and type: items[a..b). */
static void check_type_group(struct chk *k, const struct citem *it, size_t a, size_t b)
{
	const struct dnsp_cfg_rrset *sets = k->z->rrsets;
	const struct dnsp_cfg_rrset *f = &sets[it[a].i];
	char tb[16], sh[DNSP_CFG_SHOW_CAP];

	for (size_t x = a + 1; x < b; x++) {
		size_t i = it[x].i;
		const struct dnsp_cfg_rrset *rs = &sets[i];
		const struct dnsp_cfg_routing *r = &rs->routing;
		if (rs->policy != f->policy) {
			cerr(k, i, NULL, "%s %s: %s routing cannot be mixed with the %s set at %s:%d",
			     rs->name, type_text(rs->type, tb), policy_names[rs->policy],
			     policy_names[f->policy], f->loc.file, f->loc.line);
			continue;
		}
		if (rs->policy == DNSP_POLICY_SIMPLE) {
			cerr(k, i, NULL, "%s %s is already defined at %s:%d (put all values in one "
			     "set, or use a routing policy)", rs->name, type_text(rs->type, tb),
			     f->loc.file, f->loc.line);
			continue;
		}
		for (size_t y = a; y < x; y++) {
			const struct dnsp_cfg_rrset *o = &sets[it[y].i];
			const struct dnsp_cfg_routing *q = &o->routing;
			if (o->policy != rs->policy)
				continue;
			if (r->set_identifier && streq(r->set_identifier, q->set_identifier)) {
				cerr(k, i, "SetIdentifier", "duplicate SetIdentifier \"%s\" for %s %s "
				     "(first at %s:%d)", dnsp_cfgld_shows(sh, r->set_identifier), rs->name,
				     type_text(rs->type, tb), o->loc.file, o->loc.line);
				break;
			}
			if (rs->policy == DNSP_POLICY_FAILOVER && streq(r->failover, q->failover)) {
				cerr(k, i, "Failover", "a second %s set for %s %s (first at %s:%d)",
				     r->failover, rs->name, type_text(rs->type, tb), o->loc.file,
				     o->loc.line);
				break;
			}
			if (rs->policy == DNSP_POLICY_LATENCY && streq(r->region, q->region)) {
				cerr(k, i, "Region", "a second set for Region %s of %s %s (first at %s:%d)",
				     dnsp_cfgld_shows(sh, r->region), rs->name, type_text(rs->type, tb),
				     o->loc.file, o->loc.line);
				break;
			}
			if (rs->policy == DNSP_POLICY_GEOLOCATION &&
			    streq(r->geo_continent, q->geo_continent) &&
			    streq(r->geo_country, q->geo_country) &&
			    streq(r->geo_subdivision, q->geo_subdivision)) {
				cerr(k, i, "GeoLocation", "a second set for the same location of %s %s "
				     "(first at %s:%d)", rs->name, type_text(rs->type, tb),
				     o->loc.file, o->loc.line);
				break;
			}
			if (rs->policy == DNSP_POLICY_IPBASED &&
			    !streq(r->cidr_collection_id, q->cidr_collection_id)) {
				cerr(k, i, "CidrRoutingConfig.CollectionId", "all sets of %s %s must use "
				     "the same CIDR collection (%s at %s:%d)", rs->name,
				     type_text(rs->type, tb), q->cidr_collection_id, o->loc.file,
				     o->loc.line);
				break;
			}
			if (rs->policy == DNSP_POLICY_IPBASED &&
			    streq(r->cidr_location_name, q->cidr_location_name)) {
				cerr(k, i, "CidrRoutingConfig.LocationName", "a second set for location "
				     "%s of %s %s (first at %s:%d)", dnsp_cfgld_shows(sh, r->cidr_location_name),
				     rs->name, type_text(rs->type, tb), o->loc.file, o->loc.line);
				break;
			}
		}
	}
}

int dnsp_config_check_zone(const struct dnsp_config *c, const struct dnsp_cfg_zone *z,
			   struct dnsp_errlist *errs)
{
	struct chk k = { .c = c, .z = z, .errs = errs };
	uint8_t apex[DNSP_NAME_MAX], wire[DNSP_NAME_MAX];
	struct citem *items = NULL;
	uint8_t *buf = NULL;
	size_t nitems = 0, ny = 0;
	char tb[16];

	zone_key(c, z, k.zkey);
	if (!z->name || r53_name_parse(z->name, apex) < 0) {
		char key[DNSP_CFG_KEY_CAP];
		dnsp_cfgld_key_join(key, k.zkey, "Name");
		dnsp_errlist_add(errs, z->loc.file, z->loc.line, key, "invalid zone name");
		return 1;
	}
	if (z->nrrsets == 0)
		return 0;
	k.yidx = calloc(z->nrrsets, sizeof(*k.yidx));
	items = calloc(z->nrrsets, sizeof(*items));
	buf = malloc(DNSP_RDATA_MAX);
	if (!k.yidx || !items || !buf) {
		dnsp_errlist_add(errs, z->loc.file, z->loc.line, k.zkey, "out of memory");
		k.n++;
		goto out;
	}
	for (size_t i = 0; i < z->nrrsets; i++)
		k.yidx[i] = z->rrsets[i].from_file ? 0 : ny++;
	for (size_t i = 0; i < z->nrrsets; i++) {
		const struct dnsp_cfg_rrset *rs = &z->rrsets[i];
		if (!rs->type || !rs->name)
			continue; /* already reported by the loader */
		if (!check_set(&k, i, apex, wire, buf))
			continue;
		if (!(items[nitems].wire = wire_dup_lower(wire))) {
			cerr(&k, i, NULL, "out of memory");
			goto out;
		}
		items[nitems].type = rs->type;
		items[nitems].i = i;
		nitems++;
	}
	qsort(items, nitems, sizeof(*items), citem_cmp);
	for (size_t a = 0, b; a < nitems; a = b) {
		/* [a, b): one owner name; within it, runs of one type */
		for (b = a + 1; b < nitems && dnsp_name_cmp(items[a].wire, items[b].wire) == 0; b++)
			;
		size_t cname = b, other = b;
		for (size_t t = a, u; t < b; t = u) {
			for (u = t + 1; u < b && items[u].type == items[t].type; u++)
				;
			check_type_group(&k, items, t, u);
			if (items[t].type == 5)
				cname = t;
			else if (items[t].type != 46 && items[t].type != 47 && other == b)
				other = t; /* RRSIG and NSEC may sit beside a CNAME (RFC 4035) */
		}
		if (cname < b && other < b) {
			const struct dnsp_cfg_rrset *o = &z->rrsets[items[other].i];
			cerr(&k, items[cname].i, NULL,
			     "a CNAME cannot coexist with other records at %s (%s at %s:%d; RFC 1034 "
			     "§3.6.2)", o->name, type_text(o->type, tb), o->loc.file, o->loc.line);
		}
	}
out:
	for (size_t i = 0; i < nitems; i++)
		free(items[i].wire);
	free(items);
	free(k.yidx);
	free(buf);
	return k.n;
}

/* ------------------------------------------------------------------------ */
/* Record set copies                                                        */

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int dnsp_cfg_rrset_copy(struct dnsp_cfg_rrset *dst, const struct dnsp_cfg_rrset *src)
{
	const struct dnsp_cfg_routing *r = &src->routing;
	struct dnsp_cfg_routing *d = &dst->routing;
	int rc = 0;

	memset(dst, 0, sizeof(*dst));
	dst->loc = src->loc;
	dst->type = src->type;
	dst->has_ttl = src->has_ttl;
	dst->ttl = src->ttl;
	dst->is_alias = src->is_alias;
	dst->alias_evaluate_target_health = src->alias_evaluate_target_health;
	dst->policy = src->policy;
	dst->from_file = src->from_file;
	d->weight = r->weight;
	d->multivalue = r->multivalue;
	d->has_geoproximity = r->has_geoproximity;
	d->gp_has_coordinates = r->gp_has_coordinates;
	d->gp_latitude = r->gp_latitude;
	d->gp_longitude = r->gp_longitude;
	d->gp_bias = r->gp_bias;

	rc |= dup_str(&dst->name, src->name);
	rc |= dup_str(&dst->alias_zone_id, src->alias_zone_id);
	rc |= dup_str(&dst->alias_dns_name, src->alias_dns_name);
	rc |= dup_str(&d->set_identifier, r->set_identifier);
	rc |= dup_str(&d->region, r->region);
	rc |= dup_str(&d->geo_continent, r->geo_continent);
	rc |= dup_str(&d->geo_country, r->geo_country);
	rc |= dup_str(&d->geo_subdivision, r->geo_subdivision);
	rc |= dup_str(&d->failover, r->failover);
	rc |= dup_str(&d->gp_aws_region, r->gp_aws_region);
	rc |= dup_str(&d->gp_local_zone_group, r->gp_local_zone_group);
	rc |= dup_str(&d->cidr_collection_id, r->cidr_collection_id);
	rc |= dup_str(&d->cidr_location_name, r->cidr_location_name);
	rc |= dup_str(&d->health_check_id, r->health_check_id);
	if (src->nvalues) {
		dst->values = calloc(src->nvalues, sizeof(*dst->values));
		if (!dst->values)
			rc = -ENOMEM;
		for (size_t i = 0; dst->values && i < src->nvalues; i++) {
			if (dup_str(&dst->values[i], src->values[i]) < 0) {
				rc = -ENOMEM;
				break;
			}
			dst->nvalues++;
		}
	}
	if (rc) {
		dnsp_cfg_rrset_fini(dst);
		return -ENOMEM;
	}
	return 0;
}

void dnsp_cfg_rrset_fini(struct dnsp_cfg_rrset *rs)
{
	if (!rs)
		return;
	struct dnsp_cfg_routing *r = &rs->routing;
	free(rs->name);
	for (size_t i = 0; i < rs->nvalues; i++)
		free(rs->values[i]);
	free(rs->values);
	free(rs->alias_zone_id);
	free(rs->alias_dns_name);
	free(r->set_identifier);
	free(r->region);
	free(r->geo_continent);
	free(r->geo_country);
	free(r->geo_subdivision);
	free(r->failover);
	free(r->gp_aws_region);
	free(r->gp_local_zone_group);
	free(r->cidr_collection_id);
	free(r->cidr_location_name);
	free(r->health_check_id);
	memset(rs, 0, sizeof(*rs));
}

/* ------------------------------------------------------------------------ */
/* Load / destroy                                                           */

static const char *const unsupported_sections[] = { "health_checks", "cidr_collections",
	"traffic_policies", "resolver", "firewall", "profiles", "profile_associations",
	"query_logging", NULL };

/* Feature sections loaded by their own files (config_<feature>.c). */
const struct dnsp_cfg_section *const dnsp_cfg_sections[] = {
	&dnsp_cfg_health_section,
	&dnsp_cfg_resolver_section,
	&dnsp_cfg_profiles_section,
	&dnsp_cfg_profile_assocs_section,
	&dnsp_cfg_cidr_collections_section,
	&dnsp_cfg_traffic_policies_section,
	&dnsp_cfg_tp_instances_section,
	&dnsp_cfg_firewall_section,    /* after profiles: checks the groups they bring */
	NULL
};

static const struct dnsp_cfg_section *feature_section(const char *name)
{
	for (size_t i = 0; dnsp_cfg_sections[i]; i++)
		if (strcmp(dnsp_cfg_sections[i]->name, name) == 0)
			return dnsp_cfg_sections[i];
	return NULL;
}

static void yaml_problem(void *ctx, int line, const char *msg)
{
	struct dnsp_cfg_ld *ld = ctx;
	dnsp_cfgld_err(ld, line, "yaml", "%s", msg);
}

static void load_root(struct dnsp_cfg_ld *ld, const ynode *root)
{
	static const char *const keys[] = { "server", "listeners", "vpcs", "hosted_zones",
		"health_checks", "cidr_collections", "traffic_policies", "traffic_policy_instances",
		"resolver", "firewall", "profiles", "profile_associations", "query_logging", NULL };
	struct dnsp_config *c = ld->c;
	const ynode *v;

	if (root && dnsp_yaml_is_null(root))
		root = NULL;
	if (root && root->kind != DNSP_YAML_MAP) {
		dnsp_cfgld_err(ld, root->line, "config", "expected a mapping of sections (server, listeners, "
		     "vpcs, hosted_zones, ...), got %s", dnsp_yaml_describe(root));
		return;
	}
	if (root) {
		dnsp_cfgld_check_keys(ld, root, "", keys);
		/* vpcs first: listeners and zones refer to them */
		if ((v = dnsp_yaml_get(root, "vpcs")))
			load_vpcs(ld, v);
		if ((v = dnsp_yaml_get(root, "server")))
			load_server(ld, v);
		if ((v = dnsp_yaml_get(root, "listeners")))
			load_listeners(ld, v);
		if ((v = dnsp_yaml_get(root, "hosted_zones")))
			load_zones(ld, v);
		for (size_t i = 0; dnsp_cfg_sections[i]; i++)
			if ((v = dnsp_yaml_get(root, dnsp_cfg_sections[i]->name)))
				dnsp_cfg_sections[i]->load(ld, v);
		for (size_t i = 0; dnsp_cfg_sections[i]; i++)
			if (dnsp_cfg_sections[i]->check)
				dnsp_cfg_sections[i]->check(ld);
		for (size_t i = 0; unsupported_sections[i]; i++) {
			const char *s = unsupported_sections[i];
			if (feature_section(s) || !(v = dnsp_yaml_get(root, s)))
				continue;
			bool empty = dnsp_yaml_is_null(v) ||
				     (v->kind != DNSP_YAML_SCALAR && v->n == 0);
			if (!empty)
				dnsp_cfgld_err(ld, v->line, s, "section not supported by this build");
		}
	}
	v = root ? dnsp_yaml_get(root, "listeners") : NULL;
	/* a listeners value of the wrong type was reported already */
	if (c->nlisteners == 0 && (!v || dnsp_yaml_is_null(v) || v->kind == DNSP_YAML_SEQ)) {
		dnsp_cfgld_err(ld, v ? v->line : root ? root->line : 1, "listeners",
		     "at least one listener is required");
	}
}

static struct dnsp_config *config_new(const char *name, const char *dir)
{
	struct dnsp_config *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->pool = calloc(1, sizeof(struct pool));
	c->path = strdup(name);
	c->dir = strdup(dir);
	c->server.dataplane = strdup("socket");
	c->server.control_listen = strdup("127.0.0.1:8053");
	c->server.workers = 1;
	c->server.udp_max = 1232;
	c->server.tcp_idle_timeout_ms = 10000;
	c->server.rx_coalesce_us = DNSP_CFG_RX_COALESCE_US_DEFAULT;
	c->server.tcp_max_connections = 1024;
	if (!c->pool || !c->path || !c->dir || !c->server.dataplane ||
	    !c->server.control_listen || !(c->server.loc.file = pool_intern(c->pool, name))) {
		dnsp_config_destroy(c);
		return NULL;
	}
	return c;
}

int dnsp_config_load_string(const char *text, size_t len, const char *name, const char *dir,
			    struct dnsp_config **out, struct dnsp_errlist *errs)
{
	struct dnsp_yaml_doc doc;
	struct dnsp_cfg_ld ld = { .errs = errs };

	*out = NULL;
	if (!name)
		name = "<config>";
	if (!dir || !*dir)
		dir = ".";
	if (!(ld.c = config_new(name, dir))) {
		dnsp_errlist_add(errs, name, 1, "config", "out of memory");
		return -ENOMEM;
	}
	ld.file = ld.c->server.loc.file;
	int rc = dnsp_yaml_parse(text, len, &doc, yaml_problem, &ld);
	if (rc == -ENOMEM) {
		dnsp_cfgld_err(&ld, 1, "config", "out of memory");
	} else if (doc.complete) {
		load_root(&ld, doc.root);
	}
	dnsp_yaml_free(&doc);
	if (ld.nerr) {
		dnsp_config_destroy(ld.c);
		return rc == -ENOMEM ? -ENOMEM : DNSP_ECONFIG;
	}
	*out = ld.c;
	return 0;
}

int dnsp_config_load_file(const char *path, struct dnsp_config **out, struct dnsp_errlist *errs)
{
	struct dnsp_file f;
	char *dir;

	*out = NULL;
	/* a FIFO, device or directory is refused without blocking */
	int rc = dnsp_file_read(path, DNSP_FILE_MAX, &f);
	if (rc < 0) {
		dnsp_errlist_add(errs, path, 1, "config", "cannot read: %s",
				 dnsp_file_strerror(rc, f.st.st_mode));
		return rc;
	}
	const char *slash = strrchr(path, '/');
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir) {
		dnsp_file_free(&f);
		dnsp_errlist_add(errs, path, 1, "config", "out of memory");
		return -ENOMEM;
	}
	rc = dnsp_config_load_string(f.text, f.len, path, dir, out, errs);
	free(dir);
	dnsp_file_free(&f);
	return rc;
}

void dnsp_config_destroy(struct dnsp_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; dnsp_cfg_sections[i]; i++)
		dnsp_cfg_sections[i]->destroy(c);
	struct dnsp_cfg_server *s = &c->server;
	free(s->dataplane);
	free(s->control_listen);
	free(s->geo_db);
	free(s->latency_db);
	free(s->import_dir);
	for (size_t i = 0; i < s->ndpdk_args; i++)
		free(s->dpdk_args[i]);
	free(s->dpdk_args);
	for (size_t i = 0; i < s->ninterfaces; i++)
		free(s->if_names[i]);
	free(s->if_names);
	free(s->if_queues);
	for (size_t i = 0; i < c->nlisteners; i++) {
		free(c->listeners[i].vpc);
		free(c->listeners[i].endpoint);
	}
	free(c->listeners);
	for (size_t i = 0; i < c->nvpcs; i++) {
		free(c->vpcs[i].id);
		free(c->vpcs[i].cidrs);
		free(c->vpcs[i].region);
	}
	free(c->vpcs);
	for (size_t i = 0; i < c->nzones; i++) {
		struct dnsp_cfg_zone *z = &c->zones[i];
		free(z->id);
		free(z->name);
		free(z->comment);
		for (size_t j = 0; j < z->nvpcs; j++) {
			free(z->vpc_ids[j]);
			free(z->vpc_regions[j]);
		}
		free(z->vpc_ids);
		free(z->vpc_regions);
		free(z->zone_file);
		for (size_t j = 0; j < z->nrrsets; j++)
			dnsp_cfg_rrset_fini(&z->rrsets[j]);
		free(z->rrsets);
	}
	free(c->zones);
	free(c->path);
	free(c->dir);
	pool_free(c->pool);
	free(c);
}

struct dnsp_cfg_zone *dnsp_config_zone_by_id(struct dnsp_config *c, const char *id)
{
	if (!c || !id)
		return NULL;
	size_t pl = strlen(ZONE_ID_PREFIX);
	if (strncmp(id, ZONE_ID_PREFIX, pl) == 0)
		id += pl;
	for (size_t i = 0; i < c->nzones; i++)
		if (c->zones[i].id && strcmp(c->zones[i].id, id) == 0)
			return &c->zones[i];
	return NULL;
}
