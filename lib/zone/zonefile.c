/*
 * RFC 1035 §5.1 master file reader.
 *
 * A file is read whole into memory and scanned once: the scanner cuts it into
 * logical records (a line, or several joined by parentheses), dropping
 * comments and keeping quoted strings and escapes as raw views into the
 * buffer, so nothing is copied per token and lines may be of any length.
 * Each record is then read as owner, optional TTL/class (either order), type
 * and rdata; the rdata tokens are joined back into one blank-separated string
 * and handed to dnsp_rdata_from_text(), so the zone file and Route 53 values
 * share one rdata parser. Errors are reported with file:line and the scanner
 * moves on to the next record, so one run lists every error. $INCLUDE
 * recurses with a bounded depth and refuses a file already on the include
 * chain (same device and inode), which catches loops through symlinks and
 * "../" paths alike.
 */
#include "zonefile.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fileio.h"
#include "../wire/rdata.h"

#define DEFAULT_INCLUDE_DEPTH 8
#define MAX_INCLUDE_DEPTH 1024
#define TTL_MAX 0x7fffffffu /* RFC 2181 §8 */
#define T_SOA 6

struct ztoken {
	const char *p; /* raw text, escapes kept; inside the quotes if quoted */
	size_t len;
	bool quoted;
};

struct file_id {
	dev_t dev;
	ino_t ino;
	bool known; /* false for text given in memory */
};

/* One file (or memory buffer) being read. */
struct source {
	const char *name; /* for messages and records */
	const char *dir;  /* $INCLUDE base folder, "" = current directory */
	const char *p, *end;
	int line;
	uint8_t origin[DNSP_NAME_MAX];
	uint8_t prev_owner[DNSP_NAME_MAX];
	bool have_prev;
};

struct reader {
	const struct dnsp_zf_params *prm;
	struct ztoken *toks;
	size_t ntok, captok;
	char *text; /* rdata tokens joined again */
	size_t textcap;
	uint8_t *rdata; /* DNSP_RDATA_MAX bytes */
	bool have_dollar_ttl, have_soa_ttl;
	uint32_t dollar_ttl, soa_ttl;
	int errors;
	int stop; /* callback stop value, or -ENOMEM */
	int max_depth, depth;
	struct file_id *chain; /* chain[0..depth]: files being read */
	char msg[640];
};

static void report(struct reader *r, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report(struct reader *r, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->errors++;
	if (r->prm->on_error)
		r->prm->on_error(r->prm->ctx, file, line, r->msg);
}

/* Token text shortened for messages. */
static int shown(size_t len)
{
	return len > 64 ? 64 : (int)len;
}

static bool push_token(struct reader *r, const char *p, size_t len, bool quoted)
{
	if (r->ntok == r->captok) {
		size_t cap = r->captok ? r->captok * 2 : 64;
		struct ztoken *t = realloc(r->toks, cap * sizeof(*t));
		if (!t) {
			r->stop = -ENOMEM;
			return false;
		}
		r->toks = t;
		r->captok = cap;
	}
	r->toks[r->ntok++] = (struct ztoken){p, len, quoted};
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * Cuts the next logical record (RFC 1035 §5.1: parentheses continue a record
 * over line ends; ';' starts a comment outside quotes) into r->toks.
 * Returns false at the end of input. *blank says the record's line starts
 * with a blank (owner omitted); *bad says a syntax error was reported and the
 * record must be skipped.
 */
static bool scan_record(struct reader *r, struct source *s, bool *blank, int *line, bool *bad)
{
	r->ntok = 0;
	*bad = false;
	if (s->p >= s->end)
		return false;
	*blank = *s->p == ' ' || *s->p == '\t';
	*line = s->line;
	int depth = 0, paren_line = 0;
	while (s->p < s->end && !r->stop) {
		char c = *s->p;
		if (is_space(c)) {
			s->p++;
		} else if (c == '\n') {
			s->line++;
			s->p++;
			if (depth == 0)
				return true;
		} else if (c == ';') {
			const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
			s->p = nl ? nl : s->end;
		} else if (c == '(') {
			if (depth++ == 0)
				paren_line = s->line;
			s->p++;
		} else if (c == ')') {
			s->p++;
			if (depth > 0) {
				depth--;
				continue;
			}
			report(r, s->name, s->line, "')' without '('");
			*bad = true;
			const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
			s->p = nl ? nl : s->end;
		} else if (c == '"') {
			const char *st = ++s->p;
			while (s->p < s->end && *s->p != '"' && *s->p != '\n') {
				if (*s->p == '\\' && s->p + 1 < s->end && s->p[1] != '\n')
					s->p++;
				s->p++;
			}
			if (s->p >= s->end || *s->p == '\n') {
				report(r, s->name, s->line, "quoted string not closed on its line");
				*bad = true;
				depth = 0; /* the line end closes the record */
				continue;
			}
			push_token(r, st, (size_t)(s->p - st), true);
			s->p++;
		} else {
			const char *st = s->p;
			while (s->p < s->end) {
				c = *s->p;
				if (is_space(c) || c == '\n' || c == ';' || c == '(' || c == ')' ||
				    c == '"')
					break;
				if (c == '\\' && s->p + 1 < s->end && s->p[1] != '\n')
					s->p++;
				s->p++;
			}
			push_token(r, st, (size_t)(s->p - st), false);
		}
	}
	if (depth > 0) {
		report(r, s->name, paren_line, "'(' not closed before the end of the file");
		*bad = true;
	}
	return true;
}

/* TTL with BIND units ("3600", "1h30m", "2W"), at most 2^31-1. */
static int parse_ttl(const struct ztoken *t, uint32_t *out)
{
	return dnsp_duration_from_text(t->p, t->len, TTL_MAX, out);
}

static bool token_is(const struct ztoken *t, const char *word)
{
	size_t n = strlen(word);
	return !t->quoted && t->len == n && strncasecmp(t->p, word, n) == 0;
}

/* Class mnemonics (RFC 1035 §3.2.4, RFC 3597 §5): 1 = IN, another class
 * number, or -1 when the token is not a class at all. */
static int class_of(const struct ztoken *t)
{
	if (token_is(t, "IN"))
		return 1;
	if (token_is(t, "CH") || token_is(t, "CHAOS"))
		return 3;
	if (token_is(t, "HS") || token_is(t, "HESIOD"))
		return 4;
	if (token_is(t, "CS"))
		return 2;
	if (token_is(t, "NONE"))
		return 254;
	if (!t->quoted && t->len > 5 && t->len <= 10 && strncasecmp(t->p, "CLASS", 5) == 0) {
		uint32_t v = 0;
		for (size_t i = 5; i < t->len; i++) {
			if (t->p[i] < '0' || t->p[i] > '9')
				return -1;
			v = v * 10 + (uint32_t)(t->p[i] - '0');
		}
		return v <= 65535 ? (int)v : 65536;
	}
	return -1;
}

/* Copies a token with \X and \DDD decoded into a NUL-terminated string. */
static char *decode_path(const struct ztoken *t)
{
	char *out = malloc(t->len + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < t->len; i++) {
		char c = t->p[i];
		if (c == '\\' && i + 1 < t->len) {
			if (i + 3 < t->len && t->p[i + 1] >= '0' && t->p[i + 1] <= '2' &&
			    t->p[i + 2] >= '0' && t->p[i + 2] <= '9' && t->p[i + 3] >= '0' &&
			    t->p[i + 3] <= '9') {
				c = (char)((t->p[i + 1] - '0') * 100 + (t->p[i + 2] - '0') * 10 +
					   (t->p[i + 3] - '0'));
				i += 3;
			} else {
				c = t->p[++i];
			}
		}
		if (c == '\0') {
			free(out);
			return NULL;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return out;
}

static void read_source(struct reader *r, struct source *s);

/*
 * Reads the file at path with the given origin. parent is NULL for the top
 * file, else the including source (its name/line are used for open errors,
 * its previous owner is inherited). Returns 0 or -errno (already reported).
 */
static int read_path(struct reader *r, const char *path, const uint8_t *origin,
		     const struct source *parent, int inc_line)
{
	const char *where = parent ? parent->name : path;
	int line = parent ? inc_line : 0;
	/* a FIFO, device or directory is refused without blocking */
	struct stat st;
	int fd = dnsp_file_open(path, &st);
	if (fd < 0) {
		report(r, where, line, "cannot %s %s: %s", st.st_mode ? "read" : "open", path,
		       dnsp_file_strerror(fd, st.st_mode));
		return fd;
	}
	for (int i = 0; i <= r->depth && parent; i++) {
		if (r->chain[i].known && r->chain[i].dev == st.st_dev &&
		    r->chain[i].ino == st.st_ino) {
			report(r, where, line, "$INCLUDE loop: %s is already being read", path);
			close(fd);
			return DNSP_ELOOP;
		}
	}
	char *buf = NULL;
	size_t len = 0;
	int rc = dnsp_file_read_fd(fd, &st, DNSP_FILE_MAX, &buf, &len);
	close(fd);
	if (rc < 0) {
		report(r, where, line, "cannot read %s: %s", path, dnsp_file_strerror(rc, st.st_mode));
		return rc;
	}

	/* The folder of path, for the file's own $INCLUDEs. */
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	char *dir = malloc(dlen + 1);
	if (!dir) {
		free(buf);
		r->stop = -ENOMEM;
		return -ENOMEM;
	}
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';

	int depth = parent ? r->depth + 1 : 0;
	int saved = r->depth;
	r->depth = depth;
	r->chain[depth] = (struct file_id){st.st_dev, st.st_ino, true};
	struct source s = {.name = path, .dir = dir, .p = buf, .end = buf + len, .line = 1};
	memcpy(s.origin, origin, dnsp_name_len(origin));
	if (parent && parent->have_prev) {
		memcpy(s.prev_owner, parent->prev_owner, dnsp_name_len(parent->prev_owner));
		s.have_prev = true;
	}
	read_source(r, &s);
	r->depth = saved;
	free(dir);
	free(buf);
	return 0;
}

/* $INCLUDE <file> [<origin>] (RFC 1035 §5.1): the origin and owner of the
 * including file are unchanged afterwards. */
static void do_include(struct reader *r, struct source *s, int line)
{
	const struct ztoken *t = r->toks;
	if (r->prm->no_include) {
		report(r, s->name, line, "$INCLUDE is disabled here");
		return;
	}
	if (r->ntok < 2 || r->ntok > 3) {
		report(r, s->name, line, "$INCLUDE takes a file name and an optional origin");
		return;
	}
	uint8_t origin[DNSP_NAME_MAX];
	if (r->ntok == 3) {
		int rc = dnsp_name_from_text(t[2].p, t[2].len, s->origin, origin);
		if (rc < 0) {
			report(r, s->name, line, "$INCLUDE: bad origin \"%.*s\"", shown(t[2].len),
			       t[2].p);
			return;
		}
	} else {
		memcpy(origin, s->origin, dnsp_name_len(s->origin));
	}
	if (r->depth + 1 > r->max_depth) {
		report(r, s->name, line, "$INCLUDE nested deeper than %d files", r->max_depth);
		return;
	}
	char *file = decode_path(&t[1]);
	if (!file || file[0] == '\0') {
		free(file);
		report(r, s->name, line, "$INCLUDE: bad file name \"%.*s\"", shown(t[1].len),
		       t[1].p);
		return;
	}
	char *path = file;
	if (file[0] != '/' && s->dir[0] != '\0') {
		size_t dl = strlen(s->dir), fl = strlen(file);
		path = malloc(dl + fl + 1);
		if (!path) {
			free(file);
			r->stop = -ENOMEM;
			return;
		}
		memcpy(path, s->dir, dl);
		memcpy(path + dl, file, fl + 1);
		free(file);
	}
	read_path(r, path, origin, s, line);
	free(path);
}

static void do_directive(struct reader *r, struct source *s, int line)
{
	const struct ztoken *t = r->toks;
	if (token_is(&t[0], "$ORIGIN")) {
		if (r->ntok != 2) {
			report(r, s->name, line, "$ORIGIN takes one domain name");
			return;
		}
		uint8_t o[DNSP_NAME_MAX];
		int rc = dnsp_name_from_text(t[1].p, t[1].len, s->origin, o);
		if (rc < 0) {
			report(r, s->name, line, "$ORIGIN: bad domain name \"%.*s\"",
			       shown(t[1].len), t[1].p);
			return;
		}
		memcpy(s->origin, o, (size_t)rc);
	} else if (token_is(&t[0], "$TTL")) {
		uint32_t ttl;
		if (r->ntok != 2) {
			report(r, s->name, line, "$TTL takes one TTL");
			return;
		}
		int rc = parse_ttl(&t[1], &ttl);
		if (rc < 0) {
			report(r, s->name, line, "$TTL: %s \"%.*s\"",
			       rc == DNSP_ERANGE ? "TTL above 2147483647" : "bad TTL",
			       shown(t[1].len), t[1].p);
			return;
		}
		r->dollar_ttl = ttl;
		r->have_dollar_ttl = true;
	} else if (token_is(&t[0], "$INCLUDE")) {
		do_include(r, s, line);
	} else {
		report(r, s->name, line, "unsupported directive %.*s", shown(t[0].len), t[0].p);
	}
}

/* Joins tokens [from, ntok) back into "a b "c d"" for the rdata parser. */
static bool join_rdata(struct reader *r, size_t from, size_t *len)
{
	size_t need = 1;
	for (size_t i = from; i < r->ntok; i++)
		need += r->toks[i].len + 3;
	if (need > r->textcap) {
		char *t = realloc(r->text, need);
		if (!t) {
			r->stop = -ENOMEM;
			return false;
		}
		r->text = t;
		r->textcap = need;
	}
	size_t n = 0;
	for (size_t i = from; i < r->ntok; i++) {
		const struct ztoken *t = &r->toks[i];
		if (i > from)
			r->text[n++] = ' ';
		if (t->quoted)
			r->text[n++] = '"';
		memcpy(r->text + n, t->p, t->len);
		n += t->len;
		if (t->quoted)
			r->text[n++] = '"';
	}
	r->text[n] = '\0';
	*len = n;
	return true;
}

static void do_record(struct reader *r, struct source *s, bool blank, int line)
{
	const struct ztoken *t = r->toks;
	size_t n = r->ntok, i = 0;
	uint8_t owner[DNSP_NAME_MAX];
	char tn[16];

	if (blank) {
		if (!s->have_prev) {
			report(r, s->name, line, "no owner name, and no previous record to take it from");
			return;
		}
		memcpy(owner, s->prev_owner, dnsp_name_len(s->prev_owner));
	} else {
		int rc = dnsp_name_from_text(t[0].p, t[0].len, s->origin, owner);
		if (rc < 0) {
			report(r, s->name, line, "bad owner name \"%.*s\"", shown(t[0].len), t[0].p);
			return;
		}
		memcpy(s->prev_owner, owner, (size_t)rc);
		s->have_prev = true;
		i = 1;
	}

	/* [TTL] [class] or [class] [TTL] (RFC 1035 §5.1). */
	bool have_ttl = false, have_class = false;
	uint32_t ttl = 0;
	while (i < n) {
		if (!have_ttl && !t[i].quoted && t[i].len > 0 && t[i].p[0] >= '0' &&
		    t[i].p[0] <= '9') {
			int rc = parse_ttl(&t[i], &ttl);
			if (rc < 0) {
				report(r, s->name, line, "%s \"%.*s\"",
				       rc == DNSP_ERANGE ? "TTL above 2147483647" : "bad TTL",
				       shown(t[i].len), t[i].p);
				return;
			}
			have_ttl = true;
			i++;
			continue;
		}
		int cls = have_class ? -1 : class_of(&t[i]);
		if (cls < 0)
			break;
		if (cls != 1) {
			report(r, s->name, line, "class %.*s is not supported (only IN)",
			       shown(t[i].len), t[i].p);
			return;
		}
		have_class = true;
		i++;
	}
	if (i >= n) {
		report(r, s->name, line, "record has no type");
		return;
	}
	int type = t[i].quoted ? DNSP_ESYNTAX : dnsp_rrtype_from_text(t[i].p, t[i].len);
	if (type < 0) {
		report(r, s->name, line, "unknown type \"%.*s\"", shown(t[i].len), t[i].p);
		return;
	}
	/* OPT and the query-only types (RFC 6895 §3.1: 128..255) are no data. */
	if (type == 41 || (type >= 128 && type <= 255)) {
		report(r, s->name, line, "type %s cannot appear in a zone",
		       dnsp_rrtype_to_text((uint16_t)type, tn));
		return;
	}
	size_t tlen;
	if (!join_rdata(r, i + 1, &tlen))
		return;
	const char *why = NULL;
	int rdlen = dnsp_rdata_from_text((uint16_t)type, r->text, tlen, s->origin, r->rdata,
					 DNSP_RDATA_MAX, &why);
	if (rdlen < 0) {
		report(r, s->name, line, "%s rdata: %s", dnsp_rrtype_to_text((uint16_t)type, tn),
		       why ? why : dnsp_strerror(rdlen));
		return;
	}

	/* Default TTL: $TTL (RFC 2308 §4); without it, the SOA MINIMUM as BIND
	 * does (RFC 1035 semantics); before either, the caller's default. */
	if (!have_ttl) {
		if (r->have_dollar_ttl)
			ttl = r->dollar_ttl;
		else if (type == T_SOA)
			ttl = (uint32_t)r->rdata[rdlen - 4] << 24 |
			      (uint32_t)r->rdata[rdlen - 3] << 16 |
			      (uint32_t)r->rdata[rdlen - 2] << 8 | r->rdata[rdlen - 1];
		else if (r->have_soa_ttl)
			ttl = r->soa_ttl;
		else
			ttl = r->prm->default_ttl;
		if (ttl > TTL_MAX)
			ttl = TTL_MAX;
	}
	if (type == T_SOA && !r->have_dollar_ttl && !r->have_soa_ttl) {
		uint32_t min = (uint32_t)r->rdata[rdlen - 4] << 24 |
			       (uint32_t)r->rdata[rdlen - 3] << 16 |
			       (uint32_t)r->rdata[rdlen - 2] << 8 | r->rdata[rdlen - 1];
		r->soa_ttl = min > TTL_MAX ? TTL_MAX : min;
		r->have_soa_ttl = true;
	}

	if (!r->prm->on_record)
		return;
	struct dnsp_zf_record rec = {
		.owner = owner,
		.type = (uint16_t)type,
		.rclass = 1,
		.ttl = ttl,
		.rdata = r->rdata,
		.rdlen = (uint16_t)rdlen,
		.file = s->name,
		.line = line,
	};
	int stop = r->prm->on_record(r->prm->ctx, &rec);
	if (stop != 0)
		r->stop = stop;
}

static void read_source(struct reader *r, struct source *s)
{
	bool blank, bad;
	int line;
	while (!r->stop && scan_record(r, s, &blank, &line, &bad)) {
		if (bad || r->stop || r->ntok == 0)
			continue;
		const struct ztoken *t0 = &r->toks[0];
		if (!blank && !t0->quoted && t0->len > 0 && t0->p[0] == '$')
			do_directive(r, s, line);
		else
			do_record(r, s, blank, line);
	}
}

/* Sets up the reader shared by both entry points. Returns 0 or -errno. */
static int reader_init(struct reader *r, const struct dnsp_zf_params *p)
{
	memset(r, 0, sizeof(*r));
	r->prm = p;
	r->max_depth = p->max_include_depth > 0 ? p->max_include_depth : DEFAULT_INCLUDE_DEPTH;
	if (r->max_depth > MAX_INCLUDE_DEPTH)
		r->max_depth = MAX_INCLUDE_DEPTH;
	r->chain = calloc((size_t)r->max_depth + 1, sizeof(*r->chain));
	r->rdata = malloc(DNSP_RDATA_MAX);
	if (!r->chain || !r->rdata) {
		free(r->chain);
		free(r->rdata);
		return -ENOMEM;
	}
	return 0;
}

static int reader_finish(struct reader *r, int rc)
{
	free(r->chain);
	free(r->rdata);
	free(r->toks);
	free(r->text);
	if (r->stop)
		return r->stop;
	if (rc < 0)
		return rc;
	return r->errors ? DNSP_ESYNTAX : 0;
}

static int check_params(const struct dnsp_zf_params *p, const char *name)
{
	if (!p)
		return -EINVAL;
	if (!p->origin) {
		if (p->on_error)
			p->on_error(p->ctx, name, 0, "no origin given");
		return -EINVAL;
	}
	return 0;
}

int dnsp_zonefile_read(const char *path, const struct dnsp_zf_params *p)
{
	struct reader r;
	int rc = check_params(p, path);
	if (rc < 0)
		return rc;
	if (!path)
		return -EINVAL;
	rc = reader_init(&r, p);
	if (rc < 0)
		return rc;
	rc = read_path(&r, path, p->origin, NULL, 0);
	return reader_finish(&r, rc);
}

int dnsp_zonefile_read_mem(const char *text, size_t len, const char *name,
			   const struct dnsp_zf_params *p)
{
	struct reader r;
	if (!name)
		name = "<memory>";
	int rc = check_params(p, name);
	if (rc < 0)
		return rc;
	if (!text && len > 0)
		return -EINVAL;
	rc = reader_init(&r, p);
	if (rc < 0)
		return rc;
	if (!text)
		text = "";
	struct source s = {.name = name, .dir = "", .p = text, .end = text + len, .line = 1};
	memcpy(s.origin, p->origin, dnsp_name_len(p->origin));
	r.chain[0].known = false;
	read_source(&r, &s);
	return reader_finish(&r, 0);
}
