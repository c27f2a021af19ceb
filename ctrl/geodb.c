/*
 * Geo database and latency table loaders (see geodb.h): text and MaxMind
 * DB files in, LPM + value arrays in the snapshot arena out.
 *
 * Shape of the work: every loader collects (prefix → value) pairs in an LPM
 * builder and interns the values (geo locations, latency rows) in a hash
 * table, so a database with millions of networks but a few hundred thousand
 * distinct locations compiles to a value array the size of the locations.
 * Text files are read whole into the heap and parsed in place, line by
 * line, with every length bounded (lines, fields, numbers) and every
 * problem reported with its line; a MaxMind DB is copied into a sealed
 * memfd that libmaxminddb maps, and walked node by node with an explicit
 * stack whose depth the address length bounds, and a visit budget that a
 * corrupt file with shared or cyclic subtrees cannot exceed. No mapping of
 * the operator's file is ever touched, so a file truncated in place while it
 * loads is a reported error, never SIGBUS. Nothing here runs on a worker;
 * nothing is cached between compiles (each snapshot owns its copy).
 */
#include "geodb.h"

#include <fcntl.h>
#include <math.h>
#include <maxminddb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config_load.h"
#include "../lib/fileio.h"

#define CSV_MAX_FIELDS 32
#define CSV_LINE_MAX 8192      /* longer lines are reported, not parsed */
#define FIELD_TEXT_MAX 128     /* longest single value we look at */

/* ------------------------------------------------------------------------ */
/* Problems                                                                 */

struct rep {
	struct dnsp_errlist *errs;
	const char *file;
	const char *key;
	int n;
	int last_line;
};

static void rep_err(struct rep *r, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rep_err(struct rep *r, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	r->n++;
	r->last_line = line;
	if (r->n > DNSP_GEODB_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dnsp_errlist_add(r->errs, r->file, line, r->key, "%s", msg);
}

static void rep_done(struct rep *r)
{
	if (r->n > DNSP_GEODB_MAX_ERRORS)
		dnsp_errlist_add(r->errs, r->file, r->last_line, r->key,
				 "%d more problems in this file are not shown",
				 r->n - DNSP_GEODB_MAX_ERRORS);
}

static void origin_err(struct dnsp_errlist *errs, const struct dnsp_cfg_loc *origin,
		       const char *path, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void origin_err(struct dnsp_errlist *errs, const struct dnsp_cfg_loc *origin,
		       const char *path, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (origin && origin->file)
		dnsp_errlist_add(errs, origin->file, origin->line, key, "%s", msg);
	else
		dnsp_errlist_add(errs, path, 0, key, "%s", msg);
}

/* User text quoted for a message. */
static const char *show(char *buf, const char *s, size_t n)
{
	return dnsp_cfgld_show(buf, DNSP_CFG_SHOW_CAP, s, n);
}

/* ------------------------------------------------------------------------ */
/* Hash tables                                                              */

static uint64_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

/* uint32 → uint32 (geoname ids, MMDB data offsets). Keys may be any value;
 * a slot is empty when used == 0. */
struct u32map {
	struct u32slot {
		uint32_t key, value;
		uint8_t used;
	} *slot;
	size_t mask, n;
};

static int u32map_grow(struct u32map *m)
{
	size_t ncap = m->slot ? (m->mask + 1) * 2 : 1024;
	struct u32slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; m->slot && i <= m->mask; i++) {
		if (!m->slot[i].used)
			continue;
		size_t j = hash_bytes(&m->slot[i].key, 4) & (ncap - 1);
		while (ns[j].used)
			j = (j + 1) & (ncap - 1);
		ns[j] = m->slot[i];
	}
	free(m->slot);
	m->slot = ns;
	m->mask = ncap - 1;
	return 0;
}

/* Finds key: returns its slot (used or the empty one to fill). */
static struct u32slot *u32map_slot(struct u32map *m, uint32_t key)
{
	size_t j = hash_bytes(&key, 4) & m->mask;

	while (m->slot[j].used && m->slot[j].key != key)
		j = (j + 1) & m->mask;
	return &m->slot[j];
}

static int u32map_reserve(struct u32map *m)
{
	if (!m->slot || (m->n + 1) * 2 > m->mask + 1)
		return u32map_grow(m);
	return 0;
}

static const uint32_t *u32map_get(const struct u32map *m, uint32_t key)
{
	if (!m->slot)
		return NULL;
	size_t j = hash_bytes(&key, 4) & m->mask;

	while (m->slot[j].used) {
		if (m->slot[j].key == key)
			return &m->slot[j].value;
		j = (j + 1) & m->mask;
	}
	return NULL;
}

static void u32map_fini(struct u32map *m)
{
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* Interned geo locations: equal structs (compared bytewise; callers zero
 * them first, so padding is zero) share one index. */
struct loc_table {
	struct dnsp_geo_loc *v;
	uint32_t n, cap;
	uint32_t *slot;   /* index + 1; 0 empty */
	size_t mask;
};

/*
 * Rebuilds an open-addressing index (slot = item index + 1, 0 empty) over
 * n items of stride bytes hashed whole, doubling it (or starting at
 * first_cap). Shared by the location and latency-row tables.
 */
static int index_rehash(uint32_t **slot, size_t *mask, const void *items, size_t stride,
			uint32_t n, size_t first_cap)
{
	size_t ncap = *slot ? (*mask + 1) * 2 : first_cap;
	uint32_t *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		size_t j = hash_bytes((const uint8_t *)items + (size_t)i * stride, stride) &
			   (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = i + 1;
	}
	free(*slot);
	*slot = ns;
	*mask = ncap - 1;
	return 0;
}

static int loc_rehash(struct loc_table *t)
{
	return index_rehash(&t->slot, &t->mask, t->v, sizeof(t->v[0]), t->n, 1024);
}

static int loc_intern(struct loc_table *t, const struct dnsp_geo_loc *l, uint32_t *out)
{
	if (!t->slot || ((size_t)t->n + 1) * 2 > t->mask + 1) {
		int rc = loc_rehash(t);
		if (rc < 0)
			return rc;
	}
	size_t j = hash_bytes(l, sizeof(*l)) & t->mask;
	while (t->slot[j]) {
		if (memcmp(&t->v[t->slot[j] - 1], l, sizeof(*l)) == 0) {
			*out = t->slot[j] - 1;
			return 0;
		}
		j = (j + 1) & t->mask;
	}
	if (t->n >= DNSP_LPM_NONE - 1)
		return -ENOMEM;
	if (t->n == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 256;
		struct dnsp_geo_loc *nv = realloc(t->v, (size_t)ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = ncap;
	}
	t->v[t->n] = *l;
	t->slot[j] = t->n + 1;
	*out = t->n++;
	return 0;
}

static void loc_fini(struct loc_table *t)
{
	free(t->v);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

/* A location with every field unknown. */
static void loc_init(struct dnsp_geo_loc *l)
{
	memset(l, 0, sizeof(*l));
	l->lat = NAN;
	l->lon = NAN;
}

/* Route 53's continent for a known country wins over the database's. */
static void loc_fix_continent(struct dnsp_geo_loc *l)
{
	const char *c = dnsp_country_continent(l->country);

	if (c)
		memcpy(l->continent, c, 3);
}

int dnsp_geodb_empty_lpm(dnsp_arena_t *arena, const dnsp_lpm_t **out)
{
	dnsp_lpm_builder_t *b;
	int rc = dnsp_lpm_builder_create(&b);

	if (rc < 0)
		return rc;
	rc = dnsp_lpm_compile(b, arena, out);
	dnsp_lpm_builder_destroy(b);
	return rc;
}

static int geo_finish(dnsp_lpm_builder_t *lb, const struct loc_table *t, dnsp_arena_t *arena,
		      struct dnsp_route_data *rd)
{
	const dnsp_lpm_t *lpm;
	struct dnsp_geo_loc *locs;
	int rc = dnsp_lpm_compile(lb, arena, &lpm);

	if (rc < 0)
		return rc;
	locs = dnsp_arena_alloc(arena, ((size_t)t->n + 1) * sizeof(*locs));
	if (!locs)
		return -ENOMEM;
	if (t->n)
		memcpy(locs, t->v, (size_t)t->n * sizeof(*locs));
	rd->geo = lpm;
	rd->geo_locs = locs;
	rd->ngeo_locs = t->n;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Files and lines                                                          */

/*
 * Files are read into the heap, not mapped: an operator rewriting a
 * database in place (": > file", then the new text) while a snapshot
 * compiles would make every mapped page past the new end raise SIGBUS and
 * kill the daemon. A read() of a shrunken file is just short, and a short
 * read or a file that changed under us is refused (DNSP_ETRUNC) so that
 * half of an old file and half of a new one never load as one table.
 */
struct filebuf {
	char *p;
	size_t len;
	mode_t mode; /* of the file opened, 0 when it could not be */
};

/* True when the file behind fd still has the size and modification time
 * of before (it was not rewritten while we read or copied it). */
static bool unchanged(int fd, const struct stat *before)
{
	struct stat now;

	return fstat(fd, &now) == 0 && now.st_size == before->st_size &&
	       now.st_mtim.tv_sec == before->st_mtim.tv_sec &&
	       now.st_mtim.tv_nsec == before->st_mtim.tv_nsec;
}

static int read_file(const char *path, struct filebuf *m)
{
	struct stat st;
	int fd = dnsp_file_open(path, &st); /* regular files only (lib/fileio.h) */
	int rc;

	memset(m, 0, sizeof(*m));
	m->mode = st.st_mode;
	if (fd < 0)
		return fd;
	rc = dnsp_file_read_fd(fd, &st, DNSP_FILE_MAX, &m->p, &m->len);
	if (rc == 0 && !unchanged(fd, &st)) {
		free(m->p);
		m->p = NULL;
		m->len = 0;
		rc = DNSP_ETRUNC;
	}
	close(fd);
	return rc;
}

static void free_file(struct filebuf *m)
{
	free(m->p);
	memset(m, 0, sizeof(*m));
}

/* Why a file could not be read, for messages (mode: of the file opened). */
static const char *read_error(int rc, mode_t mode)
{
	if (rc == DNSP_ETRUNC)
		return "the file changed while it was read (rewritten in place?); "
		       "nothing was loaded from it";
	return dnsp_file_strerror(rc, mode);
}

struct lines {
	const char *p, *end;
	int line;
};

/* The next line without its "\n" or "\r\n"; false at the end. */
static bool next_line(struct lines *c, const char **s, size_t *n)
{
	if (c->p >= c->end)
		return false;
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	const char *e = nl ? nl : c->end;

	*s = c->p;
	*n = (size_t)(e - c->p);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	c->p = nl ? nl + 1 : c->end;
	c->line++;
	return true;
}

struct field {
	const char *s;
	size_t n;
};

/*
 * Splits one CSV line (RFC 4180 quoting, no line breaks inside quotes) into
 * at most maxf fields, unquoted into scratch (at least n bytes). Returns the
 * number of fields, or a static reason through *why and -1.
 */
static int csv_split(const char *s, size_t n, char *scratch, struct field *f, int maxf,
		     const char **why)
{
	size_t i = 0;
	int nf = 0;
	char *o = scratch;

	for (;;) {
		char *start = o;

		if (nf == maxf) {
			*why = "too many fields";
			return -1;
		}
		if (i < n && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= n) {
					*why = "unterminated quoted field";
					return -1;
				}
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						*o++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				*o++ = s[i++];
			}
			if (i < n && s[i] != ',') {
				*why = "text after a closing quote";
				return -1;
			}
		} else {
			while (i < n && s[i] != ',')
				*o++ = s[i++];
		}
		f[nf].s = start;
		f[nf].n = (size_t)(o - start);
		nf++;
		if (i >= n)
			return nf;
		i++; /* the comma */
	}
}

static void field_trim(struct field *f)
{
	while (f->n && (f->s[0] == ' ' || f->s[0] == '\t')) {
		f->s++;
		f->n--;
	}
	while (f->n && (f->s[f->n - 1] == ' ' || f->s[f->n - 1] == '\t'))
		f->n--;
}

/* Copies a field into buf as a C string; false when it does not fit or
 * holds a NUL byte. */
static bool field_str(const struct field *f, char *buf, size_t cap)
{
	if (f->n >= cap || memchr(f->s, '\0', f->n))
		return false;
	memcpy(buf, f->s, f->n);
	buf[f->n] = '\0';
	return true;
}

static bool field_is(const struct field *f, const char *text)
{
	return f->n == strlen(text) && memcmp(f->s, text, f->n) == 0;
}

static int column(const struct field *hdr, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (field_is(&hdr[i], name))
			return i;
	return -1;
}

/* Decimal uint32 with no sign, no spaces. */
static bool field_u32(const struct field *f, uint32_t *out)
{
	uint64_t v = 0;

	if (f->n == 0 || f->n > 10)
		return false;
	for (size_t i = 0; i < f->n; i++) {
		if (f->s[i] < '0' || f->s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(f->s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* A finite decimal number ("-12.5"); false for anything else. */
static bool field_double(const struct field *f, double *out)
{
	char buf[64], *end;

	if (f->n == 0 || !field_str(f, buf, sizeof(buf)))
		return false;
	for (size_t i = 0; i < f->n; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.' || buf[i] == '-' ||
		      buf[i] == '+' || buf[i] == 'e' || buf[i] == 'E'))
			return false;
	double x = strtod(buf, &end);
	if (*end || !isfinite(x))
		return false;
	*out = x;
	return true;
}

/* Upper-case letters (and digits when allowed) of length lo..hi. */
static bool code_ok(const struct field *f, size_t lo, size_t hi, bool digits)
{
	if (f->n < lo || f->n > hi)
		return false;
	for (size_t i = 0; i < f->n; i++)
		if (!((f->s[i] >= 'A' && f->s[i] <= 'Z') ||
		      (digits && f->s[i] >= '0' && f->s[i] <= '9')))
			return false;
	return true;
}

/* ------------------------------------------------------------------------ */
/* GeoLite2-City CSV                                                        */

struct gname {
	char continent[3], country[3], subdivision[4];
};

struct gtable {
	struct u32map ids;   /* geoname_id → index into v */
	struct gname *v;
	uint32_t n, cap;
};

static void gtable_fini(struct gtable *g)
{
	u32map_fini(&g->ids);
	free(g->v);
	memset(g, 0, sizeof(*g));
}

static int parse_locations(const char *text, size_t len, struct rep *r, struct gtable *g)
{
	struct lines c = { text, text + len, 0 };
	struct field f[CSV_MAX_FIELDS];
	char *scratch = malloc(CSV_LINE_MAX);
	char sh[DNSP_CFG_SHOW_CAP];
	const char *s, *why;
	size_t n;
	int cid = -1, ccont = -1, ccountry = -1, csub = -1, nhdr = 0, rc = 0;

	if (!scratch)
		return -ENOMEM;
	while (next_line(&c, &s, &n)) {
		if (n == 0)
			continue;
		if (n >= CSV_LINE_MAX) {
			rep_err(r, c.line, "line longer than %d bytes", CSV_LINE_MAX);
			continue;
		}
		int nf = csv_split(s, n, scratch, f, CSV_MAX_FIELDS, &why);
		if (nf < 0) {
			rep_err(r, c.line, "%s", why);
			if (!nhdr)
				break;
			continue;
		}
		if (!nhdr) {
			nhdr = nf;
			cid = column(f, nf, "geoname_id");
			ccont = column(f, nf, "continent_code");
			ccountry = column(f, nf, "country_iso_code");
			csub = column(f, nf, "subdivision_1_iso_code");
			if (cid < 0 || ccont < 0 || ccountry < 0) {
				rep_err(r, c.line, "expected a GeoLite2 Locations header with "
					"geoname_id, continent_code and country_iso_code");
				break;
			}
			continue;
		}
		if (nf != nhdr) {
			rep_err(r, c.line, "expected %d fields like the header, got %d", nhdr, nf);
			continue;
		}
		uint32_t id;
		if (!field_u32(&f[cid], &id)) {
			rep_err(r, c.line, "geoname_id: expected a number, got \"%s\"",
				show(sh, f[cid].s, f[cid].n));
			continue;
		}
		struct gname gn;
		memset(&gn, 0, sizeof(gn));
		if (f[ccont].n && !code_ok(&f[ccont], 2, 2, false)) {
			rep_err(r, c.line, "continent_code: expected two capital letters, got \"%s\"",
				show(sh, f[ccont].s, f[ccont].n));
			continue;
		}
		memcpy(gn.continent, f[ccont].s, f[ccont].n);
		if (f[ccountry].n && !code_ok(&f[ccountry], 2, 2, false)) {
			rep_err(r, c.line, "country_iso_code: expected an ISO 3166-1 alpha-2 code, "
				"got \"%s\"", show(sh, f[ccountry].s, f[ccountry].n));
			continue;
		}
		memcpy(gn.country, f[ccountry].s, f[ccountry].n);
		/* Subdivision codes longer than ISO 3166-2 allows are not
		 * errors, just unusable for routing: left unknown. */
		if (csub >= 0 && code_ok(&f[csub], 1, 3, true))
			memcpy(gn.subdivision, f[csub].s, f[csub].n);
		if ((rc = u32map_reserve(&g->ids)) < 0)
			break;
		struct u32slot *slot = u32map_slot(&g->ids, id);
		if (slot->used) {
			rep_err(r, c.line, "geoname_id %u is listed twice", id);
			continue;
		}
		if (g->n == g->cap) {
			uint32_t ncap = g->cap ? g->cap * 2 : 1024;
			struct gname *nv = realloc(g->v, (size_t)ncap * sizeof(*nv));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			g->v = nv;
			g->cap = ncap;
		}
		g->v[g->n] = gn;
		slot->used = 1;
		slot->key = id;
		slot->value = g->n++;
		g->ids.n++;
	}
	if (rc == 0 && !nhdr && r->n == 0)
		rep_err(r, 1, "empty file: expected a GeoLite2 Locations header");
	free(scratch);
	return rc;
}

static int parse_blocks(const char *text, size_t len, struct rep *r, const struct gtable *g,
			dnsp_lpm_builder_t *lb, struct loc_table *locs, int64_t *nprefixes)
{
	struct lines c = { text, text + len, 0 };
	struct field f[CSV_MAX_FIELDS];
	char *scratch = malloc(CSV_LINE_MAX);
	char sh[DNSP_CFG_SHOW_CAP], buf[FIELD_TEXT_MAX];
	const char *s, *why;
	size_t n;
	int cnet = -1, cid = -1, creg = -1, clat = -1, clon = -1, nhdr = 0, rc = 0;

	if (!scratch)
		return -ENOMEM;
	while (next_line(&c, &s, &n)) {
		if (n == 0)
			continue;
		if (n >= CSV_LINE_MAX) {
			rep_err(r, c.line, "line longer than %d bytes", CSV_LINE_MAX);
			continue;
		}
		int nf = csv_split(s, n, scratch, f, CSV_MAX_FIELDS, &why);
		if (nf < 0) {
			rep_err(r, c.line, "%s", why);
			if (!nhdr)
				break;
			continue;
		}
		if (!nhdr) {
			nhdr = nf;
			cnet = column(f, nf, "network");
			cid = column(f, nf, "geoname_id");
			creg = column(f, nf, "registered_country_geoname_id");
			clat = column(f, nf, "latitude");
			clon = column(f, nf, "longitude");
			if (cnet < 0 || cid < 0) {
				rep_err(r, c.line, "expected a GeoLite2 Blocks header with network "
					"and geoname_id");
				break;
			}
			continue;
		}
		if (nf != nhdr) {
			rep_err(r, c.line, "expected %d fields like the header, got %d", nhdr, nf);
			continue;
		}
		struct dnsp_cfg_addr a;
		const char *bad = "not an IPv4 or IPv6 prefix";
		if (!field_str(&f[cnet], buf, sizeof(buf)) || (bad = dnsp_cfgld_cidr(buf, &a))) {
			rep_err(r, c.line, "network: %s: \"%s\"", bad, show(sh, f[cnet].s, f[cnet].n));
			continue;
		}
		struct dnsp_geo_loc l;
		loc_init(&l);
		const struct field *idf = &f[cid];
		if (idf->n == 0 && creg >= 0)
			idf = &f[creg];
		if (idf->n) {
			uint32_t id;
			const uint32_t *gi;
			if (!field_u32(idf, &id)) {
				rep_err(r, c.line, "geoname_id: expected a number, got \"%s\"",
					show(sh, idf->s, idf->n));
				continue;
			}
			if (!(gi = u32map_get(&g->ids, id))) {
				rep_err(r, c.line, "geoname_id %u is not in the Locations file", id);
				continue;
			}
			const struct gname *gn = &g->v[*gi];
			memcpy(l.continent, gn->continent, sizeof(l.continent));
			memcpy(l.country, gn->country, sizeof(l.country));
			memcpy(l.subdivision, gn->subdivision, sizeof(l.subdivision));
		}
		bool has_lat = clat >= 0 && f[clat].n, has_lon = clon >= 0 && f[clon].n;
		if (has_lat != has_lon) {
			rep_err(r, c.line, "latitude and longitude go together");
			continue;
		}
		if (has_lat) {
			if (!field_double(&f[clat], &l.lat) || l.lat < -90 || l.lat > 90) {
				rep_err(r, c.line, "latitude: expected -90..90, got \"%s\"",
					show(sh, f[clat].s, f[clat].n));
				continue;
			}
			if (!field_double(&f[clon], &l.lon) || l.lon < -180 || l.lon > 180) {
				rep_err(r, c.line, "longitude: expected -180..180, got \"%s\"",
					show(sh, f[clon].s, f[clon].n));
				continue;
			}
		}
		if (!idf->n && !has_lat)
			continue; /* nothing known about this network */
		loc_fix_continent(&l);
		uint32_t li;
		if ((rc = loc_intern(locs, &l, &li)) < 0 ||
		    (rc = dnsp_lpm_builder_add(lb, a.family, a.addr, a.plen, li)) < 0)
			break;
		(*nprefixes)++;
	}
	if (rc == 0 && !nhdr && r->n == 0)
		rep_err(r, 1, "empty file: expected a GeoLite2 Blocks header");
	free(scratch);
	return rc;
}

int dnsp_geodb_parse_csv(const char *locations, size_t locations_len, const char *locations_name,
			 const char *blocks4, size_t blocks4_len, const char *blocks4_name,
			 const char *blocks6, size_t blocks6_len, const char *blocks6_name,
			 const char *key, dnsp_arena_t *arena, struct dnsp_route_data *rd,
			 struct dnsp_errlist *errs)
{
	struct gtable g;
	struct loc_table locs;
	dnsp_lpm_builder_t *lb = NULL;
	int64_t nprefixes = 0;
	int bad = 0, rc;

	memset(&g, 0, sizeof(g));
	memset(&locs, 0, sizeof(locs));
	struct rep rl = { errs, locations_name, key, 0, 0 };
	rc = parse_locations(locations ? locations : "", locations ? locations_len : 0, &rl, &g);
	rep_done(&rl);
	bad += rl.n;
	if (rc == 0)
		rc = dnsp_lpm_builder_create(&lb);
	const char *texts[2] = { blocks4, blocks6 };
	size_t lens[2] = { blocks4_len, blocks6_len };
	const char *names[2] = { blocks4_name, blocks6_name };
	for (int i = 0; i < 2 && rc == 0; i++) {
		if (!texts[i])
			continue;
		struct rep rb = { errs, names[i], key, 0, 0 };
		rc = parse_blocks(texts[i], lens[i], &rb, &g, lb, &locs, &nprefixes);
		rep_done(&rb);
		bad += rb.n;
	}
	if (rc == 0 && bad)
		rc = DNSP_ECONFIG;
	if (rc == 0)
		rc = geo_finish(lb, &locs, arena, rd);
	dnsp_lpm_builder_destroy(lb);
	loc_fini(&locs);
	gtable_fini(&g);
	if (rc == -ENOMEM)
		dnsp_errlist_add(errs, blocks4_name ? blocks4_name : blocks6_name, 0, key,
				 "out of memory");
	return rc < 0 ? rc : (int)(nprefixes > INT32_MAX ? INT32_MAX : nprefixes);
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* path with the last occurrence of from (in its file name) replaced by to,
 * malloc'd; NULL when from does not occur. */
static char *name_beside(const char *path, const char *from, const char *to)
{
	const char *base = strrchr(path, '/');
	const char *hit = NULL, *p = base ? base + 1 : path;

	while ((p = strstr(p, from))) {
		hit = p;
		p++;
	}
	if (!hit)
		return NULL;
	size_t pre = (size_t)(hit - path), flen = strlen(from), tlen = strlen(to);
	size_t rest = strlen(hit + flen);
	char *out = malloc(pre + tlen + rest + 1);
	if (!out)
		return NULL;
	memcpy(out, path, pre);
	memcpy(out + pre, to, tlen);
	memcpy(out + pre + tlen, hit + flen, rest + 1);
	return out;
}

static int load_csv_pair(const char *path, const char *key, const struct dnsp_cfg_loc *origin,
			 dnsp_arena_t *arena, struct dnsp_route_data *rd, struct dnsp_errlist *errs)
{
	const char *self = strstr(path, "Blocks-IPv6") && !strstr(path, "Blocks-IPv4")
				   ? "Blocks-IPv6" : "Blocks-IPv4";
	const char *other_tag = self[10] == '4' ? "Blocks-IPv6" : "Blocks-IPv4";
	char *loc_path = name_beside(path, self, "Locations-en");
	char *other = name_beside(path, self, other_tag);
	struct filebuf ml, mb, mo;
	int rc;

	memset(&ml, 0, sizeof(ml));
	memset(&mb, 0, sizeof(mb));
	memset(&mo, 0, sizeof(mo));
	if (!loc_path || !other) {
		origin_err(errs, origin, path, key, "a GeoLite2 CSV geo_db names the Blocks file "
			   "(...-Blocks-IPv4.csv or ...-Blocks-IPv6.csv), so that the Locations "
			   "file (...-Locations-en.csv) is found beside it; got \"%s\"", path);
		rc = DNSP_ECONFIG;
		goto out;
	}
	if ((rc = read_file(path, &mb)) < 0) {
		origin_err(errs, origin, path, key, "cannot read %s: %s", path,
			   read_error(rc, mb.mode));
		goto out;
	}
	if ((rc = read_file(loc_path, &ml)) < 0) {
		origin_err(errs, origin, path, key, "cannot read the Locations file %s beside %s: %s",
			   loc_path, path, read_error(rc, ml.mode));
		goto out;
	}
	/* the other family is optional, but one caught mid-rewrite is not
	 * silently left out */
	rc = read_file(other, &mo);
	if (rc == DNSP_ETRUNC) {
		origin_err(errs, origin, path, key, "cannot read %s beside %s: %s", other, path,
			   read_error(rc, mo.mode));
		goto out;
	}
	bool has_other = rc == 0;
	bool four = self[10] == '4';
	rc = dnsp_geodb_parse_csv(ml.p, ml.len, loc_path,
				  four ? mb.p : has_other ? mo.p : NULL,
				  four ? mb.len : mo.len, four ? path : other,
				  !four ? mb.p : has_other ? mo.p : NULL,
				  !four ? mb.len : mo.len, !four ? path : other,
				  key, arena, rd, errs);
out:
	free_file(&ml);
	free_file(&mb);
	free_file(&mo);
	free(loc_path);
	free(other);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* MaxMind DB                                                               */

int dnsp_geodb_copy_to_memfd(int fd, size_t size)
{
	enum { CHUNK = 256 * 1024 };
	char *buf = malloc(CHUNK);
	int copy = memfd_create("dnsplane-mmdb", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t done = 0;
	int rc = 0;

	if (!buf || copy < 0) {
		rc = !buf ? -ENOMEM : -errno;
		goto fail;
	}
	while (done < size) {
		size_t want = size - done < CHUNK ? size - done : CHUNK;
		ssize_t n = pread(fd, buf, want, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : DNSP_ETRUNC;
			goto fail;
		}
		for (ssize_t put = 0; put < n;) {
			ssize_t m = write(copy, buf + put, (size_t)(n - put));
			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0) {
				rc = m < 0 ? -errno : -EIO;
				goto fail;
			}
			put += m;
		}
		done += (size_t)n;
	}
	/* the copy can no longer change size or content: the mapping
	 * libmaxminddb makes of it stays whole */
	if (fcntl(copy, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		rc = -errno;
		goto fail;
	}
	free(buf);
	return copy;
fail:
	free(buf);
	if (copy >= 0)
		close(copy);
	return rc;
}

struct mmdb_walk {
	MMDB_s *db;
	struct rep *r;
	dnsp_lpm_builder_t *lb;
	struct loc_table *locs;
	struct u32map offsets;   /* data section offset → location index */
	uint64_t visits, budget;
	int64_t nprefixes;
};

static void entry_code(MMDB_entry_s *e, char *out, size_t cap, const char *const *path)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size == 0 || d.data_size >= cap)
		return;
	for (uint32_t i = 0; i < d.data_size; i++) {
		char ch = d.utf8_string[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			return; /* not a code we can route on */
	}
	memcpy(out, d.utf8_string, d.data_size);
	out[d.data_size] = '\0';
}

static bool entry_number(MMDB_entry_s *e, const char *const *path, double *out)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data)
		return false;
	if (d.type == MMDB_DATA_TYPE_DOUBLE)
		*out = d.double_value;
	else if (d.type == MMDB_DATA_TYPE_FLOAT)
		*out = d.float_value;
	else
		return false;
	return isfinite(*out);
}

/* The location index of a data record, decoded once per record. */
static int mmdb_location(struct mmdb_walk *w, MMDB_entry_s *e, uint32_t *out)
{
	static const char *const p_cont[] = { "continent", "code", NULL };
	static const char *const p_country[] = { "country", "iso_code", NULL };
	static const char *const p_reg[] = { "registered_country", "iso_code", NULL };
	static const char *const p_sub[] = { "subdivisions", "0", "iso_code", NULL };
	static const char *const p_lat[] = { "location", "latitude", NULL };
	static const char *const p_lon[] = { "location", "longitude", NULL };
	const uint32_t *known = u32map_get(&w->offsets, e->offset);
	struct dnsp_geo_loc l;
	double lat, lon;
	int rc;

	if (known) {
		*out = *known;
		return 0;
	}
	loc_init(&l);
	entry_code(e, l.continent, sizeof(l.continent), p_cont);
	entry_code(e, l.country, sizeof(l.country), p_country);
	if (!l.country[0])
		entry_code(e, l.country, sizeof(l.country), p_reg);
	entry_code(e, l.subdivision, sizeof(l.subdivision), p_sub);
	if (entry_number(e, p_lat, &lat) && entry_number(e, p_lon, &lon) && lat >= -90 &&
	    lat <= 90 && lon >= -180 && lon <= 180) {
		l.lat = lat;
		l.lon = lon;
	}
	loc_fix_continent(&l);
	if ((rc = loc_intern(w->locs, &l, out)) < 0 || (rc = u32map_reserve(&w->offsets)) < 0)
		return rc;
	struct u32slot *s = u32map_slot(&w->offsets, e->offset);
	s->used = 1;
	s->key = e->offset;
	s->value = *out;
	w->offsets.n++;
	return 0;
}

/* Adds the data record rec (type DATA) as prefix addr/plen. */
static int mmdb_add(struct mmdb_walk *w, MMDB_entry_s *e, int family, const uint8_t *addr,
		    int plen)
{
	uint32_t li;
	int rc = mmdb_location(w, e, &li);

	if (rc < 0)
		return rc;
	if ((rc = dnsp_lpm_builder_add(w->lb, family, addr, plen, li)) < 0)
		return rc;
	w->nprefixes++;
	return 0;
}

struct walk_item {
	uint32_t node;
	uint8_t depth;
	uint8_t addr[16];
};

/*
 * Depth-first walk of the subtree at root, whose depth 0 is bit 0 of an
 * address of family (bits = 32 or 128). Children equal to skip (the IPv4
 * subtree, reached again through aliases) are not followed. Each pop pushes
 * at most two items and one level deeper, so the stack never holds more than
 * bits + 2 items.
 */
static int mmdb_walk_tree(struct mmdb_walk *w, uint32_t root, int family, int bits, uint32_t skip)
{
	struct walk_item stack[130];
	int top = 0;
	uint32_t node_count = w->db->metadata.node_count;

	memset(&stack[0], 0, sizeof(stack[0]));
	stack[top++].node = root;
	while (top > 0) {
		struct walk_item it = stack[--top];
		MMDB_search_node_s sn;

		if (++w->visits > w->budget) {
			rep_err(w->r, 0, "the search tree is not a tree (shared or cyclic nodes)");
			return DNSP_ECONFIG;
		}
		if (it.node >= node_count || MMDB_read_node(w->db, it.node, &sn) != MMDB_SUCCESS) {
			rep_err(w->r, 0, "cannot read search tree node %u", it.node);
			return DNSP_ECONFIG;
		}
		for (int bit = 0; bit < 2; bit++) {
			uint64_t rec = bit ? sn.right_record : sn.left_record;
			uint8_t type = bit ? sn.right_record_type : sn.left_record_type;
			MMDB_entry_s *e = bit ? &sn.right_record_entry : &sn.left_record_entry;
			uint8_t addr[16];
			int plen = it.depth + 1;
			int rc;

			memcpy(addr, it.addr, sizeof(addr));
			if (bit)
				addr[it.depth / 8] |= (uint8_t)(0x80u >> (it.depth % 8));
			switch (type) {
			case MMDB_RECORD_TYPE_EMPTY:
				break;
			case MMDB_RECORD_TYPE_DATA:
				if ((rc = mmdb_add(w, e, family, addr, plen)) < 0)
					return rc;
				break;
			case MMDB_RECORD_TYPE_SEARCH_NODE:
				if (rec == skip)
					break;
				if (plen >= bits || top >= (int)(sizeof(stack) / sizeof(stack[0]))) {
					rep_err(w->r, 0, "the search tree is deeper than %d bits", bits);
					return DNSP_ECONFIG;
				}
				stack[top].node = (uint32_t)rec;
				stack[top].depth = (uint8_t)plen;
				memcpy(stack[top].addr, addr, sizeof(addr));
				top++;
				break;
			default:
				rep_err(w->r, 0, "invalid record in search tree node %u", it.node);
				return DNSP_ECONFIG;
			}
		}
	}
	return 0;
}

/* For an IPv6 database: the node at ::/96 (the IPv4 subtree), walked as
 * IPv4. Returns its node number, or UINT32_MAX when IPv4 is not a subtree
 * (then a record above ::/96 covers it and is added as 0.0.0.0/0). */
static int mmdb_walk_ipv4(struct mmdb_walk *w, uint32_t *v4_node)
{
	uint32_t node = 0;
	static const uint8_t zero[16];

	*v4_node = UINT32_MAX;
	for (int depth = 0; depth < 96; depth++) {
		MMDB_search_node_s sn;

		if (node >= w->db->metadata.node_count ||
		    MMDB_read_node(w->db, node, &sn) != MMDB_SUCCESS) {
			rep_err(w->r, 0, "cannot read search tree node %u", node);
			return DNSP_ECONFIG;
		}
		w->visits++;
		if (sn.left_record_type == MMDB_RECORD_TYPE_SEARCH_NODE) {
			node = (uint32_t)sn.left_record;
			continue;
		}
		if (sn.left_record_type == MMDB_RECORD_TYPE_DATA)
			return mmdb_add(w, &sn.left_record_entry, 4, zero, 0);
		return 0;
	}
	*v4_node = node;
	return mmdb_walk_tree(w, node, 4, 32, UINT32_MAX);
}

int dnsp_geodb_load_mmdb(const char *path, const char *key, const struct dnsp_cfg_loc *origin,
			 dnsp_arena_t *arena, struct dnsp_route_data *rd, struct dnsp_errlist *errs)
{
	MMDB_s db;
	struct loc_table locs;
	struct rep r = { errs, path, key, 0, 0 };
	struct mmdb_walk w;
	struct stat sb;
	char copy_path[48];
	int rc, st, fd, copy, open_errno;

	/* Never the operator's file itself (libmaxminddb opens without
	 * O_NONBLOCK and maps what it opens): a sealed copy of it, read with
	 * read(), through /proc (libmaxminddb 1.7 opens by name only). The
	 * mapping lives until MMDB_close below; everything kept is copied into
	 * the arena before that. */
	fd = dnsp_file_open(path, &sb);
	/* the copy is memory: the cap of every other file read, so a sparse
	 * or huge file is refused before it is read, not copied until the
	 * memory runs out */
	copy = fd < 0 ? fd : (uint64_t)sb.st_size > DNSP_FILE_MAX ? -EFBIG
	       : dnsp_geodb_copy_to_memfd(fd, (size_t)sb.st_size);
	if (copy >= 0 && !unchanged(fd, &sb)) {
		close(copy);
		copy = DNSP_ETRUNC;
	}
	if (fd >= 0)
		close(fd);
	if (copy < 0) {
		origin_err(errs, origin, path, key, "cannot read %s: %s", path,
			   read_error(copy, sb.st_mode));
		return copy;
	}
	snprintf(copy_path, sizeof(copy_path), "/proc/self/fd/%d", copy);
	st = MMDB_open(copy_path, MMDB_MODE_MMAP, &db);
	open_errno = errno;
	close(copy);
	if (st == MMDB_FILE_OPEN_ERROR) {
		origin_err(errs, origin, path, key, "cannot open the in-memory copy of %s as %s "
			   "(is /proc mounted?): %s", path, copy_path, strerror(open_errno));
		return -open_errno;
	}
	if (st != MMDB_SUCCESS) {
		origin_err(errs, origin, path, key, "cannot open %s as a MaxMind DB: %s", path,
			   st == MMDB_IO_ERROR ? strerror(open_errno) : MMDB_strerror(st));
		return DNSP_ECONFIG;
	}
	memset(&locs, 0, sizeof(locs));
	memset(&w, 0, sizeof(w));
	w.db = &db;
	w.r = &r;
	w.locs = &locs;
	w.budget = 2ull * db.metadata.node_count + 256;
	if ((rc = dnsp_lpm_builder_create(&w.lb)) < 0)
		goto out;
	if (db.metadata.ip_version == 4) {
		rc = mmdb_walk_tree(&w, 0, 4, 32, UINT32_MAX);
	} else if (db.metadata.ip_version == 6) {
		uint32_t v4;
		rc = mmdb_walk_ipv4(&w, &v4);
		if (rc == 0)
			rc = mmdb_walk_tree(&w, 0, 6, 128, v4);
	} else {
		rep_err(&r, 0, "unsupported ip_version %u", db.metadata.ip_version);
		rc = DNSP_ECONFIG;
	}
	if (rc == 0 && r.n)
		rc = DNSP_ECONFIG;
	if (rc == 0)
		rc = geo_finish(w.lb, &locs, arena, rd);
	if (rc == -ENOMEM)
		rep_err(&r, 0, "out of memory");
out:
	rep_done(&r);
	dnsp_lpm_builder_destroy(w.lb);
	u32map_fini(&w.offsets);
	loc_fini(&locs);
	MMDB_close(&db);
	return rc < 0 ? rc : (int)(w.nprefixes > INT32_MAX ? INT32_MAX : w.nprefixes);
}

int dnsp_geodb_load(const char *path, const char *key, const struct dnsp_cfg_loc *origin,
		    dnsp_arena_t *arena, struct dnsp_route_data *rd, struct dnsp_errlist *errs)
{
	bool csv = ends_with_ci(path, ".csv");

	if (!csv) {
		/* A CSV under another name still starts with its header. */
		char head[8] = { 0 };
		struct stat st;
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0) {
			/* only a regular file is read: a FIFO could block */
			csv = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
			      read(fd, head, sizeof(head)) == (ssize_t)sizeof(head) &&
			      memcmp(head, "network,", 8) == 0;
			close(fd);
		}
	}
	if (csv)
		return load_csv_pair(path, key, origin, arena, rd, errs);
	return dnsp_geodb_load_mmdb(path, key, origin, arena, rd, errs);
}

/* ------------------------------------------------------------------------ */
/* Latency table                                                            */

struct pfx_key {
	uint8_t family, plen;
	uint8_t addr[16];
};

struct latency_build {
	uint16_t *rtt;        /* nrows * nregions */
	int *lines;           /* line of each cell, 0 = empty */
	struct pfx_key *keys; /* per row */
	uint32_t nrows, cap;
	uint32_t *slot;       /* row + 1 */
	size_t mask;
};

static int latency_rehash(struct latency_build *b)
{
	return index_rehash(&b->slot, &b->mask, b->keys, sizeof(b->keys[0]), b->nrows, 256);
}

/* The row of prefix k, added (all cells "not measured") on first use. */
static int latency_row(struct latency_build *b, const struct pfx_key *k, uint32_t *row)
{
	int rc;

	if ((!b->slot || ((size_t)b->nrows + 1) * 2 > b->mask + 1) && (rc = latency_rehash(b)) < 0)
		return rc;
	size_t j = hash_bytes(k, sizeof(*k)) & b->mask;
	while (b->slot[j]) {
		if (memcmp(&b->keys[b->slot[j] - 1], k, sizeof(*k)) == 0) {
			*row = b->slot[j] - 1;
			return 0;
		}
		j = (j + 1) & b->mask;
	}
	if (b->nrows == b->cap) {
		uint32_t ncap = b->cap ? b->cap * 2 : 64;
		size_t cells = (size_t)ncap * dnsp_nregions;
		uint16_t *nr = realloc(b->rtt, cells * sizeof(*nr));
		if (nr)
			b->rtt = nr;
		int *nl = realloc(b->lines, cells * sizeof(*nl));
		if (nl)
			b->lines = nl;
		struct pfx_key *nk = realloc(b->keys, (size_t)ncap * sizeof(*nk));
		if (nk)
			b->keys = nk;
		if (!nr || !nl || !nk)
			return -ENOMEM;
		b->cap = ncap;
	}
	uint32_t r = b->nrows++;
	for (uint32_t i = 0; i < dnsp_nregions; i++) {
		b->rtt[(size_t)r * dnsp_nregions + i] = UINT16_MAX;
		b->lines[(size_t)r * dnsp_nregions + i] = 0;
	}
	b->keys[r] = *k;
	b->slot[j] = r + 1;
	*row = r;
	return 0;
}

static void latency_fini(struct latency_build *b)
{
	free(b->rtt);
	free(b->lines);
	free(b->keys);
	free(b->slot);
}

/* One data line; reports its own problems. Returns 0, or -ENOMEM. */
static int latency_line(struct latency_build *b, struct rep *r, int line, struct field *f, int nf)
{
	char sh[DNSP_CFG_SHOW_CAP], buf[FIELD_TEXT_MAX];
	struct dnsp_cfg_addr a;
	const char *bad = "not an IPv4 or IPv6 prefix";
	double ms;
	uint32_t row;
	int rc;

	if (nf != 3) {
		rep_err(r, line, "expected 3 fields (cidr,region,rtt_ms), got %d", nf);
		return 0;
	}
	if (!field_str(&f[0], buf, sizeof(buf)) || (bad = dnsp_cfgld_cidr(buf, &a))) {
		rep_err(r, line, "cidr: %s: \"%s\"", bad, show(sh, f[0].s, f[0].n));
		return 0;
	}
	int region = -1;
	if (field_str(&f[1], buf, sizeof(buf)))
		region = dnsp_region_index(buf);
	if (region < 0) {
		rep_err(r, line, "region: \"%s\" is not an AWS Region code (such as us-east-1)",
			show(sh, f[1].s, f[1].n));
		return 0;
	}
	if (!field_double(&f[2], &ms) || ms < 0 || ms > 65534) {
		rep_err(r, line, "rtt_ms: expected a number of milliseconds 0..65534, got \"%s\"",
			show(sh, f[2].s, f[2].n));
		return 0;
	}
	struct pfx_key k;
	memset(&k, 0, sizeof(k));
	k.family = (uint8_t)a.family;
	k.plen = (uint8_t)a.plen;
	memcpy(k.addr, a.addr, a.family == 4 ? 4 : 16);
	if ((rc = latency_row(b, &k, &row)) < 0)
		return rc;
	size_t cell = (size_t)row * dnsp_nregions + (size_t)region;
	if (b->lines[cell]) {
		rep_err(r, line, "a second row for %s and %s (first at line %d)",
			show(sh, f[0].s, f[0].n), dnsp_regions[region].code, b->lines[cell]);
		return 0;
	}
	b->lines[cell] = line;
	b->rtt[cell] = (uint16_t)lround(ms);
	return 0;
}

int dnsp_latency_parse(const char *text, size_t len, const char *name, const char *key,
		       dnsp_arena_t *arena, struct dnsp_route_data *rd, struct dnsp_errlist *errs)
{
	struct lines c = { text ? text : "", (text ? text : "") + (text ? len : 0), 0 };
	struct latency_build b;
	struct field f[CSV_MAX_FIELDS];
	struct rep r = { errs, name, key, 0, 0 };
	char *scratch = malloc(CSV_LINE_MAX);
	const char *s, *why;
	size_t n;
	bool first = true;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	if (!scratch)
		return -ENOMEM;
	while (rc == 0 && next_line(&c, &s, &n)) {
		size_t i = 0;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n || s[i] == '#')
			continue;
		if (n >= CSV_LINE_MAX) {
			rep_err(&r, c.line, "line longer than %d bytes", CSV_LINE_MAX);
			continue;
		}
		int nf = csv_split(s, n, scratch, f, CSV_MAX_FIELDS, &why);
		if (nf < 0) {
			rep_err(&r, c.line, "%s", why);
			continue;
		}
		for (int k = 0; k < nf; k++)
			field_trim(&f[k]);
		if (first) {
			first = false;
			if (field_is(&f[0], "cidr")) {
				if (nf != 3 || !field_is(&f[1], "region") || !field_is(&f[2], "rtt_ms"))
					rep_err(&r, c.line, "expected the header cidr,region,rtt_ms");
				continue;
			}
		}
		rc = latency_line(&b, &r, c.line, f, nf);
	}
	free(scratch);
	rep_done(&r);
	if (rc == 0 && r.n)
		rc = DNSP_ECONFIG;
	dnsp_lpm_builder_t *lb = NULL;
	if (rc == 0)
		rc = dnsp_lpm_builder_create(&lb);
	for (uint32_t i = 0; rc == 0 && i < b.nrows; i++)
		rc = dnsp_lpm_builder_add(lb, b.keys[i].family, b.keys[i].addr, b.keys[i].plen, i);
	const dnsp_lpm_t *lpm = NULL;
	uint16_t *rtt = NULL;
	if (rc == 0)
		rc = dnsp_lpm_compile(lb, arena, &lpm);
	if (rc == 0) {
		size_t bytes = ((size_t)b.nrows * dnsp_nregions + 1) * sizeof(*rtt);
		rtt = dnsp_arena_alloc(arena, bytes);
		if (!rtt)
			rc = -ENOMEM;
		else if (b.nrows)
			memcpy(rtt, b.rtt, (size_t)b.nrows * dnsp_nregions * sizeof(*rtt));
	}
	if (rc == 0) {
		rd->latency = lpm;
		rd->latency_rtt = rtt;
		rd->nlatency_rows = b.nrows;
	} else if (rc == -ENOMEM) {
		dnsp_errlist_add(errs, name, 0, key, "out of memory");
	}
	dnsp_lpm_builder_destroy(lb);
	uint32_t rows = b.nrows;
	latency_fini(&b);
	return rc < 0 ? rc : (int)rows;
}

int dnsp_latency_load(const char *path, const char *key, const struct dnsp_cfg_loc *origin,
		      dnsp_arena_t *arena, struct dnsp_route_data *rd, struct dnsp_errlist *errs)
{
	struct filebuf m;
	int rc = read_file(path, &m);

	if (rc < 0) {
		origin_err(errs, origin, path, key, "cannot read %s: %s", path,
			   read_error(rc, m.mode));
		return rc;
	}
	rc = dnsp_latency_parse(m.p, m.len, path, key, arena, rd, errs);
	free_file(&m);
	return rc;
}
