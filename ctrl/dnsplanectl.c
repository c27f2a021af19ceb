/*
 * dnsplanectl: command-line client of the control API. It is shaped like the
 * AWS CLI (`aws route53 ...`) so operators can reuse what they know: the
 * same verb names, the same argument names, --change-batch file://X.json,
 * JSON output indented by four spaces with paginated lists merged into one
 * result, `--output text` in the AWS CLI's tab-separated layout, and errors
 * worded "An error occurred (Code) when calling the Op operation: Message".
 * Exit status: 0 success, 1 the server refused or could not be reached,
 * 2 usage error (bad arguments, unreadable or invalid --change-batch).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>

#define DEFAULT_SERVER "http://127.0.0.1:8053"
#define EXIT_FAIL 1
#define EXIT_USAGE 2

enum output { OUT_JSON, OUT_TEXT, OUT_TABLE };

struct ctx {
	const char *server;
	enum output output;
	CURL *curl;
};

/* Options given to a verb: "--name value" pairs (name without dashes). */
struct args {
	const char *name[32];
	const char *value[32];
	int n;
};

struct verb {
	const char *name;
	const char *operation; /* for error messages, as the AWS CLI names it */
	const char *synopsis;
	const char *const *allowed;  /* option names, NULL-terminated */
	const char *const *required;
	int (*run)(struct ctx *c, const struct verb *v, const struct args *a);
};

static const char *prog = "dnsplanectl";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "usage: %s [--server URL] [--output json|text|table] VERB [ARGS]\n"
		"To see help text, you can run:\n\n  %s help\n  %s VERB help\n\n%s: error: ",
		prog, prog, prog, prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

static const char *arg(const struct args *a, const char *name)
{
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->name[i], name) == 0)
			return a->value[i];
	return NULL;
}

/* ---- HTTP ---- */

struct buf {
	char *p;
	size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t n = size * nmemb;
	char *p = realloc(b->p, b->len + n + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, ptr, n);
	b->p = p;
	b->len += n;
	b->p[b->len] = 0;
	return n;
}

/*
 * Performs method on server+path with an optional JSON body. Returns the
 * HTTP status (and the body in *out, caller frees), or -1 after printing
 * why the server could not be reached.
 */
static long http(struct ctx *c, const char *method, const char *path, const char *body,
		 struct buf *out)
{
	char url[4096];
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	long status = 0;

	out->p = NULL;
	out->len = 0;
	size_t sl = strlen(c->server);
	while (sl > 0 && c->server[sl - 1] == '/')
		sl--;
	snprintf(url, sizeof(url), "%.*s%s", (int)sl, c->server, path);

	CURL *h = c->curl;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* the control API is usually on loopback: never send that to a proxy */
	curl_easy_setopt(h, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "dnsplanectl/0.1");
	hdr = curl_slist_append(hdr, "Accept: application/json");
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		hdr = curl_slist_append(hdr, "Expect:");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (strcmp(method, "POST") == 0 && !body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	}
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	CURLcode rc = curl_easy_perform(h);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK) {
		if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		    rc == CURLE_OPERATION_TIMEDOUT)
			fprintf(stderr, "Could not connect to the endpoint URL: \"%s\" (%s)\n", url,
				errbuf[0] ? errbuf : curl_easy_strerror(rc));
		else
			fprintf(stderr, "%s: request to %s failed: %s\n", prog, url,
				errbuf[0] ? errbuf : curl_easy_strerror(rc));
		free(out->p);
		out->p = NULL;
		return -1;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* Reports a failed call: the AWS CLI's sentence for AWS-shaped errors,
 * otherwise the body (pretty JSON when it is JSON). Returns EXIT_FAIL. */
static int report_error(const struct verb *v, long status, const struct buf *b)
{
	json_error_t jerr;
	json_t *j = b->p ? json_loadb(b->p, b->len, 0, &jerr) : NULL;
	json_t *e = j ? json_object_get(j, "Error") : NULL;
	const char *code = json_string_value(json_object_get(e, "Code"));
	const char *msg = json_string_value(json_object_get(e, "Message"));

	if (code && msg) {
		fprintf(stderr, "An error occurred (%s) when calling the %s operation: %s\n", code,
			v->operation, msg);
	} else if (j) {
		char *s = json_dumps(j, JSON_INDENT(4));
		fprintf(stderr, "%s\n", s ? s : "");
		free(s);
	} else {
		fprintf(stderr, "An error occurred (HTTP %ld) when calling the %s operation%s%s\n",
			status, v->operation, b->len ? ": " : "", b->p ? b->p : "");
	}
	json_decref(j);
	return EXIT_FAIL;
}

/* ---- output ---- */

/* Python's str() of a float: shortest text that reads back the same. */
static void py_float(double x, char *buf, size_t cap)
{
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, cap, "%.*g", p, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	if (!strpbrk(buf, ".eEn"))
		strncat(buf, ".0", cap - strlen(buf) - 1);
}

/* A scalar as the AWS CLI's text output writes it (Python str()). */
static void scalar_text(const json_t *v, FILE *out)
{
	char num[40];
	switch (json_typeof(v)) {
	case JSON_STRING: fputs(json_string_value(v), out); break;
	case JSON_INTEGER: fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL:
		py_float(json_real_value(v), num, sizeof(num));
		fputs(num, out);
		break;
	case JSON_TRUE: fputs("True", out); break;
	case JSON_FALSE: fputs("False", out); break;
	default: fputs("None", out); break;
	}
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of obj (malloc'd array of borrowed strings); scalars_only
 * keeps the keys whose value is a scalar. */
static const char **sorted_keys(const json_t *obj, bool scalars_only, size_t *n)
{
	const char **k = calloc(json_object_size(obj) + 1, sizeof(*k));
	const char *key;
	json_t *v;
	*n = 0;
	if (!k)
		return NULL;
	json_object_foreach((json_t *)obj, key, v) {
		if (!scalars_only || is_scalar(v))
			k[(*n)++] = key;
	}
	qsort(k, *n, sizeof(*k), cmp_str);
	return k;
}

static void text_value(const json_t *v, const char *ident, const char **scalar_keys,
		       size_t nscalar, FILE *out);

static void put_ident(const char *ident, FILE *out)
{
	for (const char *s = ident; *s; s++)
		fputc((*s >= 'a' && *s <= 'z') ? *s - 32 : *s, out);
}

/*
 * The AWS CLI text layout: a dict prints its scalars on one line (sorted by
 * key, or in the column order shared by all dicts of the enclosing list),
 * prefixed by the upper-cased key it sits under; nested dicts and lists
 * follow on their own lines; a list of scalars under a key prints one
 * "KEY\tvalue" line per item.
 */
static void text_dict(const json_t *obj, const char *ident, const char **scalar_keys,
		      size_t nscalar, FILE *out)
{
	size_t nk;
	const char **keys = sorted_keys(obj, false, &nk);
	bool any = false;

	if (!keys)
		return;
	if (scalar_keys) {
		for (size_t i = 0; i < nscalar; i++) {
			if (i == 0 && ident) {
				put_ident(ident, out);
				fputc('\t', out);
			} else if (i > 0) {
				fputc('\t', out);
			}
			json_t *v = json_object_get(obj, scalar_keys[i]);
			if (v)
				scalar_text(v, out);
			any = true;
		}
	} else {
		for (size_t i = 0; i < nk; i++) {
			json_t *v = json_object_get(obj, keys[i]);
			if (!is_scalar(v))
				continue;
			if (!any && ident) {
				put_ident(ident, out);
				fputc('\t', out);
			} else if (any) {
				fputc('\t', out);
			}
			scalar_text(v, out);
			any = true;
		}
	}
	if (any)
		fputc('\n', out);
	for (size_t i = 0; i < nk; i++) {
		json_t *v = json_object_get(obj, keys[i]);
		bool listed = false;
		for (size_t k = 0; scalar_keys && k < nscalar; k++)
			listed |= strcmp(scalar_keys[k], keys[i]) == 0;
		if (listed || (!scalar_keys && is_scalar(v)))
			continue;
		text_value(v, keys[i], NULL, 0, out);
	}
	free(keys);
}

static void text_list(const json_t *arr, const char *ident, FILE *out)
{
	size_t n = json_array_size(arr), i;
	json_t *el;
	bool any_dict = false, any_list = false;

	if (n == 0)
		return;
	json_array_foreach(arr, i, el) {
		any_dict |= json_is_object(el);
		any_list |= json_is_array(el);
	}
	if (any_dict) {
		/* union of the scalar keys of all dicts, sorted: the columns */
		size_t cap = 0, nk = 0;
		json_array_foreach(arr, i, el)
			cap += json_is_object(el) ? json_object_size(el) : 0;
		const char **cols = calloc(cap + 1, sizeof(*cols));
		if (!cols)
			return;
		json_array_foreach(arr, i, el) {
			const char *key;
			json_t *v;
			if (!json_is_object(el))
				continue;
			json_object_foreach(el, key, v) {
				if (!is_scalar(v))
					continue;
				bool seen = false;
				for (size_t k = 0; k < nk && !seen; k++)
					seen = strcmp(cols[k], key) == 0;
				if (!seen)
					cols[nk++] = key;
			}
		}
		qsort(cols, nk, sizeof(*cols), cmp_str);
		json_array_foreach(arr, i, el)
			text_value(el, ident, cols, nk, out);
		free(cols);
		return;
	}
	/* scalars first (one line each under a key, else one tab-joined line),
	 * then nested lists */
	bool first = true, wrote = false;
	json_array_foreach(arr, i, el) {
		if (!is_scalar(el))
			continue;
		if (ident) {
			put_ident(ident, out);
			fputc('\t', out);
			scalar_text(el, out);
			fputc('\n', out);
		} else {
			if (!first)
				fputc('\t', out);
			scalar_text(el, out);
			first = false;
			wrote = true;
		}
	}
	if (wrote)
		fputc('\n', out);
	if (any_list) {
		json_array_foreach(arr, i, el)
			if (!is_scalar(el))
				text_value(el, ident, NULL, 0, out);
	}
}

static void text_value(const json_t *v, const char *ident, const char **scalar_keys,
		       size_t nscalar, FILE *out)
{
	if (json_is_object(v)) {
		text_dict(v, ident, scalar_keys, nscalar, out);
	} else if (json_is_array(v)) {
		text_list(v, ident, out);
	} else {
		scalar_text(v, out);
		fputc('\n', out);
	}
}

/* ---- table output (the AWS CLI's boxed layout, simplified) ---- */

static size_t utf8_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

static char *scalar_string(const json_t *v)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	scalar_text(v, f);
	fclose(f);
	return s;
}

static void table_rule(FILE *out, size_t width, char c)
{
	fputc(c == '-' ? '+' : '|', out);
	for (size_t i = 0; i < width; i++)
		fputc(c, out);
	fputc(c == '-' ? '+' : '|', out);
	fputc('\n', out);
}

static void table_value(const json_t *v, const char *title, FILE *out);

/* A list of dicts or a dict: a title bar, a header row of the scalar keys
 * and one row per dict; nested values become their own tables below. */
static void table_rows(const json_t *const *rows, size_t nrows, const char *title, FILE *out)
{
	const char *cols[64];
	size_t ncols = 0, widths[64];

	for (size_t r = 0; r < nrows; r++) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)rows[r], key, v) {
			if (!is_scalar(v))
				continue;
			bool seen = false;
			for (size_t k = 0; k < ncols && !seen; k++)
				seen = strcmp(cols[k], key) == 0;
			if (!seen && ncols < 64)
				cols[ncols++] = key;
		}
	}
	qsort(cols, ncols, sizeof(*cols), cmp_str);
	size_t total = 0;
	for (size_t k = 0; k < ncols; k++) {
		widths[k] = utf8_width(cols[k]);
		for (size_t r = 0; r < nrows; r++) {
			json_t *v = json_object_get(rows[r], cols[k]);
			char *s = v ? scalar_string(v) : NULL;
			if (s && utf8_width(s) > widths[k])
				widths[k] = utf8_width(s);
			free(s);
		}
		widths[k] += 4; /* two blanks either side, as the AWS CLI pads */
		total += widths[k] + (k ? 1 : 0);
	}
	size_t tw = utf8_width(title) + 2;
	if (total < tw) {
		if (ncols)
			widths[ncols - 1] += tw - total;
		total = tw;
	}
	table_rule(out, total, '-');
	size_t pad = total - utf8_width(title);
	fprintf(out, "|%*s%s%*s|\n", (int)(pad / 2), "", title, (int)(pad - pad / 2), "");
	if (ncols) {
		table_rule(out, total, '-');
		fputc('|', out);
		for (size_t k = 0; k < ncols; k++) {
			size_t p = widths[k] - utf8_width(cols[k]);
			fprintf(out, "%s%*s%s%*s", k ? "|" : "", (int)(p / 2), "", cols[k],
				(int)(p - p / 2), "");
		}
		fputs("|\n", out);
		table_rule(out, total, '-');
		for (size_t r = 0; r < nrows; r++) {
			fputc('|', out);
			for (size_t k = 0; k < ncols; k++) {
				json_t *v = json_object_get(rows[r], cols[k]);
				char *s = v ? scalar_string(v) : NULL;
				const char *t = s ? s : "";
				fprintf(out, "%s  %s%*s", k ? "|" : "", t,
					(int)(widths[k] - 2 - utf8_width(t)), "");
				free(s);
			}
			fputs("|\n", out);
		}
	}
	table_rule(out, total, '-');
	for (size_t r = 0; r < nrows; r++) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)rows[r], key, v) {
			if (!is_scalar(v))
				table_value(v, key, out);
		}
	}
}

static void table_value(const json_t *v, const char *title, FILE *out)
{
	if (json_is_object(v)) {
		const json_t *row = v;
		table_rows(&row, 1, title, out);
	} else if (json_is_array(v)) {
		size_t n = json_array_size(v), i, nd = 0;
		const json_t **rows = calloc(n + 1, sizeof(*rows));
		json_t *el;
		if (!rows)
			return;
		json_array_foreach(v, i, el) {
			if (json_is_object(el))
				rows[nd++] = el;
		}
		if (nd)
			table_rows(rows, nd, title, out);
		json_array_foreach(v, i, el) {
			if (!json_is_object(el)) {
				json_t *wrap = json_pack("{s:O}", title, el);
				if (wrap) {
					const json_t *row = wrap;
					table_rows(&row, 1, title, out);
					json_decref(wrap);
				}
			}
		}
		free(rows);
	}
}

static void print_result(struct ctx *c, const char *operation, json_t *j)
{
	if (c->output == OUT_TEXT) {
		text_value(j, NULL, NULL, 0, stdout);
	} else if (c->output == OUT_TABLE) {
		table_value(j, operation, stdout);
	} else {
		char *s = json_dumps(j, JSON_INDENT(4) | JSON_REAL_PRECISION(15));
		if (s)
			printf("%s\n", s);
		free(s);
	}
}

/* ---- verbs ---- */

/* Zone id as the URL wants it: "/hostedzone/" dropped, URL-escaped. */
static char *escaped(struct ctx *c, const char *s)
{
	if (strncmp(s, "/hostedzone/", 12) == 0)
		s += 12;
	char *e = curl_easy_escape(c->curl, s, 0);
	if (!e) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_FAIL);
	}
	return e;
}

/* Calls the server and parses a JSON success body; on failure reports and
 * returns NULL with *rc set. */
static json_t *call(struct ctx *c, const struct verb *v, const char *method, const char *path,
		    const char *body, int *rc)
{
	struct buf b;
	long status = http(c, method, path, body, &b);
	if (status < 0) {
		*rc = EXIT_FAIL;
		return NULL;
	}
	if (status < 200 || status >= 300) {
		*rc = report_error(v, status, &b);
		free(b.p);
		return NULL;
	}
	json_error_t err;
	json_t *j = json_loadb(b.p ? b.p : "", b.len, 0, &err);
	if (!j) {
		fprintf(stderr, "%s: the server's reply to %s is not JSON: %s\n", prog,
			v->operation, err.text);
		*rc = EXIT_FAIL;
	}
	free(b.p);
	return j;
}

static int run_simple(struct ctx *c, const struct verb *v, const char *method, const char *path,
		      const char *body)
{
	int rc = 0;
	json_t *j = call(c, v, method, path, body, &rc);
	if (!j)
		return rc;
	print_result(c, v->operation, j);
	json_decref(j);
	return 0;
}

static int list_hosted_zones(struct ctx *c, const struct verb *v, const struct args *a)
{
	(void)a;
	int rc = 0;
	json_t *j = call(c, v, "GET", "/2013-04-01/hostedzone", NULL, &rc);
	if (!j)
		return rc;
	/* the AWS CLI merges pages and shows only the result key */
	json_t *out = json_pack("{s:O}", "HostedZones", json_object_get(j, "HostedZones"));
	print_result(c, v->operation, out ? out : j);
	json_decref(out);
	json_decref(j);
	return 0;
}

static int get_hosted_zone(struct ctx *c, const struct verb *v, const struct args *a)
{
	char path[1024];
	char *id = escaped(c, arg(a, "id"));
	snprintf(path, sizeof(path), "/2013-04-01/hostedzone/%s", id);
	curl_free(id);
	return run_simple(c, v, "GET", path, NULL);
}

static void append_param(char *q, size_t cap, struct ctx *c, const char *key, const char *val)
{
	if (!val)
		return;
	char *e = curl_easy_escape(c->curl, val, 0);
	size_t len = strlen(q);
	snprintf(q + len, cap - len, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e ? e : "");
	curl_free(e);
}

static int list_rrsets(struct ctx *c, const struct verb *v, const struct args *a)
{
	char *id = escaped(c, arg(a, "hosted-zone-id"));
	const char *name = arg(a, "start-record-name"), *type = arg(a, "start-record-type");
	const char *ident = arg(a, "start-record-identifier"), *maxs = arg(a, "max-items");
	long max = -1;
	int rc = 0;

	if (maxs) {
		char *end;
		max = strtol(maxs, &end, 10);
		if (*maxs == 0 || *end || max < 1)
			usage_error("argument --max-items: invalid int value: '%s'", maxs);
	}
	if (type && !name)
		usage_error("--start-record-type needs --start-record-name");
	json_t *all = json_array();
	/* follow NextRecordName/Type/Identifier until the list is complete */
	for (int page = 0; page < 100000; page++) {
		char path[4096];
		snprintf(path, sizeof(path), "/2013-04-01/hostedzone/%s/rrset", id);
		append_param(path, sizeof(path), c, "name", name);
		append_param(path, sizeof(path), c, "type", type);
		append_param(path, sizeof(path), c, "identifier", ident);
		json_t *j = call(c, v, "GET", path, NULL, &rc);
		if (!j) {
			json_decref(all);
			curl_free(id);
			return rc;
		}
		size_t i;
		json_t *el;
		json_array_foreach(json_object_get(j, "ResourceRecordSets"), i, el) {
			if (max < 0 || (long)json_array_size(all) < max)
				json_array_append(all, el);
		}
		bool more = json_is_true(json_object_get(j, "IsTruncated")) &&
			    json_string_value(json_object_get(j, "NextRecordName")) &&
			    (max < 0 || (long)json_array_size(all) < max);
		static char nn[1100], nt[32], ni[160];
		if (more) {
			snprintf(nn, sizeof(nn), "%s",
				 json_string_value(json_object_get(j, "NextRecordName")));
			const char *t = json_string_value(json_object_get(j, "NextRecordType"));
			const char *s = json_string_value(json_object_get(j, "NextRecordIdentifier"));
			snprintf(nt, sizeof(nt), "%s", t ? t : "");
			snprintf(ni, sizeof(ni), "%s", s ? s : "");
			name = nn;
			type = t ? nt : NULL;
			ident = s ? ni : NULL;
		}
		json_decref(j);
		if (!more)
			break;
	}
	curl_free(id);
	json_t *out = json_pack("{s:o}", "ResourceRecordSets", all);
	print_result(c, v->operation, out);
	json_decref(out);
	return 0;
}

/* --change-batch: file://PATH, fileb://PATH or the JSON itself. */
static char *load_batch(const char *spec)
{
	const char *path = NULL;
	if (strncmp(spec, "file://", 7) == 0)
		path = spec + 7;
	else if (strncmp(spec, "fileb://", 8) == 0)
		path = spec + 8;
	if (!path)
		return strdup(spec);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "\nError parsing parameter '--change-batch': Unable to load paramfile "
			"%s: [Errno %d] %s: '%s'\n", spec, errno, strerror(errno), path);
		exit(EXIT_USAGE);
	}
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);
	char chunk[65536];
	size_t n;
	while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	bool err = ferror(f);
	fclose(f);
	if (m)
		fclose(m);
	if (!m || err) {
		fprintf(stderr, "\nError parsing parameter '--change-batch': Unable to load paramfile "
			"%s: read error\n", spec);
		free(s);
		exit(EXIT_USAGE);
	}
	return s;
}

static int change_rrsets(struct ctx *c, const struct verb *v, const struct args *a)
{
	char path[1024];
	char *text = load_batch(arg(a, "change-batch"));
	json_error_t err;
	json_t *batch = text ? json_loads(text, 0, &err) : NULL;
	if (!batch) {
		fprintf(stderr, "\nError parsing parameter '--change-batch': Invalid JSON: %s "
			"(line %d, column %d)\nJSON received: %s\n", text ? err.text : "out of memory",
			err.line, err.column, text ? text : "");
		free(text);
		return EXIT_USAGE;
	}
	free(text);
	char *body = json_dumps(batch, JSON_COMPACT);
	json_decref(batch);
	char *id = escaped(c, arg(a, "hosted-zone-id"));
	snprintf(path, sizeof(path), "/2013-04-01/hostedzone/%s/rrset", id);
	curl_free(id);
	int rc = run_simple(c, v, "POST", path, body);
	free(body);
	return rc;
}

static int get_health_check_status(struct ctx *c, const struct verb *v, const struct args *a)
{
	char path[1024];
	char *id = curl_easy_escape(c->curl, arg(a, "health-check-id"), 0);
	snprintf(path, sizeof(path), "/2013-04-01/healthcheck/%s/status", id ? id : "");
	curl_free(id);
	return run_simple(c, v, "GET", path, NULL);
}

static int get_health_check(struct ctx *c, const struct verb *v, const struct args *a)
{
	char path[1024];
	char *id = curl_easy_escape(c->curl, arg(a, "health-check-id"), 0);
	snprintf(path, sizeof(path), "/2013-04-01/healthcheck/%s", id ? id : "");
	curl_free(id);
	return run_simple(c, v, "GET", path, NULL);
}

static int list_health_checks(struct ctx *c, const struct verb *v, const struct args *a)
{
	(void)a;
	int rc = 0;
	json_t *j = call(c, v, "GET", "/2013-04-01/healthcheck", NULL, &rc);
	if (!j)
		return rc;
	/* the AWS CLI merges pages and shows only the result key */
	json_t *out = json_pack("{s:O}", "HealthChecks", json_object_get(j, "HealthChecks"));
	print_result(c, v->operation, out ? out : j);
	json_decref(out);
	json_decref(j);
	return 0;
}

/* dnsplane's own: the status of a CLOUDWATCH_METRIC (API-set) check. */
static int set_health_check_status(struct ctx *c, const struct verb *v, const struct args *a)
{
	char path[1024];
	const char *st = arg(a, "status");
	if (strcmp(st, "Healthy") != 0 && strcmp(st, "Unhealthy") != 0 &&
	    strcmp(st, "InsufficientData") != 0)
		usage_error("argument --status: Invalid choice, valid choices are: Healthy | "
			    "Unhealthy | InsufficientData");
	char *id = curl_easy_escape(c->curl, arg(a, "health-check-id"), 0);
	snprintf(path, sizeof(path), "/v1/healthcheck/%s/status", id ? id : "");
	curl_free(id);
	json_t *body = json_pack("{s:s}", "Status", st);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	int rc = run_simple(c, v, "POST", path, text ? text : "{}");
	free(text);
	return rc;
}

static int test_dns_answer(struct ctx *c, const struct verb *v, const struct args *a)
{
	char path[4096] = "/2013-04-01/testdnsanswer";
	const char *zone = arg(a, "hosted-zone-id");
	if (strncmp(zone, "/hostedzone/", 12) == 0)
		zone += 12;
	append_param(path, sizeof(path), c, "hostedzoneid", zone);
	append_param(path, sizeof(path), c, "recordname", arg(a, "record-name"));
	append_param(path, sizeof(path), c, "recordtype", arg(a, "record-type"));
	append_param(path, sizeof(path), c, "resolverip", arg(a, "resolver-ip"));
	append_param(path, sizeof(path), c, "edns0clientsubnetip",
		     arg(a, "edns0-client-subnet-ip"));
	append_param(path, sizeof(path), c, "edns0clientsubnetmask",
		     arg(a, "edns0-client-subnet-mask"));
	return run_simple(c, v, "GET", path, NULL);
}

static int get_dnssec(struct ctx *c, const struct verb *v, const struct args *a)
{
	char path[1024];
	char *id = escaped(c, arg(a, "hosted-zone-id"));
	snprintf(path, sizeof(path), "/2013-04-01/hostedzone/%s/dnssec", id);
	curl_free(id);
	return run_simple(c, v, "GET", path, NULL);
}

static int reload(struct ctx *c, const struct verb *v, const struct args *a)
{
	(void)a;
	return run_simple(c, v, "POST", "/v1/reload", NULL);
}

static int stats(struct ctx *c, const struct verb *v, const struct args *a)
{
	(void)a;
	return run_simple(c, v, "GET", "/v1/stats", NULL);
}

static int metrics(struct ctx *c, const struct verb *v, const struct args *a)
{
	(void)a;
	struct buf b;
	long status = http(c, "GET", "/metrics", NULL, &b);
	if (status < 0)
		return EXIT_FAIL;
	int rc = 0;
	if (status != 200)
		rc = report_error(v, status, &b);
	else if (b.p)
		fputs(b.p, stdout);
	free(b.p);
	return rc;
}

/* ---- DNS Firewall domain lists (ctrl/firewall_api.h) ---- */

static int list_fw_domain_lists(struct ctx *c, const struct verb *v, const struct args *a)
{
	(void)a;
	return run_simple(c, v, "GET", "/v1/firewall/domain-lists", NULL);
}

static int get_fw_domain_list(struct ctx *c, const struct verb *v, const struct args *a)
{
	char path[1024];
	char *id = escaped(c, arg(a, "firewall-domain-list-id"));
	snprintf(path, sizeof(path), "/v1/firewall/domain-lists/%s", id);
	curl_free(id);
	return run_simple(c, v, "GET", path, NULL);
}

/* ListFirewallDomains: every page merged into one Domains list, as the AWS
 * CLI does. */
static int list_fw_domains(struct ctx *c, const struct verb *v, const struct args *a)
{
	char path[1024];
	char *id = escaped(c, arg(a, "firewall-domain-list-id"));
	json_t *all = json_array();
	char token[32] = "";
	int rc = 0;
	for (;;) {
		snprintf(path, sizeof(path), "/v1/firewall/domain-lists/%s/domains?maxresults=5000%s%s",
			 id, token[0] ? "&nexttoken=" : "", token);
		json_t *j = call(c, v, "GET", path, NULL, &rc);
		if (!j)
			break;
		json_array_extend(all, json_object_get(j, "Domains"));
		const char *next = json_string_value(json_object_get(j, "NextToken"));
		if (next)
			snprintf(token, sizeof(token), "%s", next);
		json_decref(j);
		if (!next)
			break;
	}
	curl_free(id);
	if (rc == 0) {
		json_t *out = json_pack("{s:O}", "Domains", all);
		print_result(c, v->operation, out ? out : all);
		json_decref(out);
	}
	json_decref(all);
	return rc;
}

/* UpdateFirewallDomains / ImportFirewallDomains: --domains a,b,c (commas;
 * the AWS CLI's space-separated form is given as one argument here) or
 * --domain-file-url file://PATH (read by the server; a relative PATH is
 * made absolute here). */
static int change_fw_domains(struct ctx *c, const struct verb *v, const struct args *a)
{
	const char *op = arg(a, "operation");
	const char *domains = arg(a, "domains"), *url = arg(a, "domain-file-url");
	if (strcmp(op, "ADD") != 0 && strcmp(op, "REMOVE") != 0 && strcmp(op, "REPLACE") != 0)
		usage_error("argument --operation: Invalid choice, valid choices are: ADD | REMOVE "
			    "| REPLACE");
	if (!domains == !url)
		usage_error("give one of --domains or --domain-file-url");
	json_t *body = json_pack("{s:s}", "Operation", op);
	if (!body) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_FAIL;
	}
	if (domains) {
		json_t *list = json_array();
		const char *p = domains;
		while (list && *p) {
			const char *e = p + strcspn(p, ", ");
			if (e > p)
				json_array_append_new(list, json_stringn(p, (size_t)(e - p)));
			p = *e ? e + 1 : e;
		}
		json_object_set_new(body, "Domains", list);
	} else {
		if (strncmp(url, "file://", 7) != 0)
			usage_error("argument --domain-file-url: expected file://PATH");
		char *abs = realpath(url + 7, NULL);
		if (!abs) {
			fprintf(stderr, "%s: %s: %s\n", prog, url + 7, strerror(errno));
			json_decref(body);
			return EXIT_USAGE;
		}
		char *full = malloc(strlen(abs) + 8);
		if (full) {
			strcpy(full, "file://");
			strcat(full, abs);
			json_object_set_new(body, "DomainFileUrl", json_string(full));
		}
		free(full);
		free(abs);
	}
	char path[1024];
	char *id = escaped(c, arg(a, "firewall-domain-list-id"));
	snprintf(path, sizeof(path), "/v1/firewall/domain-lists/%s/%s", id,
		 strcmp(v->name, "import-firewall-domains") == 0 ? "import" : "domains");
	curl_free(id);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	int rc = run_simple(c, v, "POST", path, text ? text : "{}");
	free(text);
	return rc;
}

static const char *const fdl_arg[] = { "firewall-domain-list-id", NULL };
static const char *const fdc_args[] = { "firewall-domain-list-id", "operation", "domains",
					"domain-file-url", NULL };
static const char *const fdc_req[] = { "firewall-domain-list-id", "operation", NULL };

static const char *const no_args[] = { NULL };
static const char *const zone_arg[] = { "hosted-zone-id", NULL };
static const char *const id_arg[] = { "id", NULL };
static const char *const lrrs_args[] = { "hosted-zone-id", "start-record-name",
					 "start-record-type", "start-record-identifier",
					 "max-items", NULL };
static const char *const crrs_args[] = { "hosted-zone-id", "change-batch", NULL };
static const char *const hc_args[] = { "health-check-id", NULL };
static const char *const hcs_args[] = { "health-check-id", "status", NULL };
static const char *const tda_args[] = { "hosted-zone-id", "record-name", "record-type",
					"resolver-ip", "edns0-client-subnet-ip",
					"edns0-client-subnet-mask", NULL };
static const char *const tda_req[] = { "hosted-zone-id", "record-name", "record-type", NULL };

static const struct verb verbs[] = {
	{ "list-hosted-zones", "ListHostedZones", "", no_args, no_args, list_hosted_zones },
	{ "get-hosted-zone", "GetHostedZone", "--id ID", id_arg, id_arg, get_hosted_zone },
	{ "list-resource-record-sets", "ListResourceRecordSets",
	  "--hosted-zone-id ID [--start-record-name N [--start-record-type T "
	  "[--start-record-identifier S]]] [--max-items N]",
	  lrrs_args, zone_arg, list_rrsets },
	{ "change-resource-record-sets", "ChangeResourceRecordSets",
	  "--hosted-zone-id ID --change-batch file://BATCH.json|JSON", crrs_args, crrs_args,
	  change_rrsets },
	{ "get-health-check-status", "GetHealthCheckStatus", "--health-check-id ID", hc_args,
	  hc_args, get_health_check_status },
	{ "get-health-check", "GetHealthCheck", "--health-check-id ID", hc_args, hc_args,
	  get_health_check },
	{ "list-health-checks", "ListHealthChecks", "", no_args, no_args, list_health_checks },
	{ "set-health-check-status", "SetHealthCheckStatus",
	  "--health-check-id ID --status Healthy|Unhealthy|InsufficientData (dnsplane: "
	  "CLOUDWATCH_METRIC checks)", hcs_args, hcs_args, set_health_check_status },
	{ "test-dns-answer", "TestDNSAnswer",
	  "--hosted-zone-id ID --record-name NAME --record-type TYPE [--resolver-ip IP] "
	  "[--edns0-client-subnet-ip IP] [--edns0-client-subnet-mask N]",
	  tda_args, tda_req, test_dns_answer },
	{ "get-dnssec", "GetDNSSEC", "--hosted-zone-id ID", zone_arg, zone_arg, get_dnssec },
	{ "list-firewall-domain-lists", "ListFirewallDomainLists", "", no_args, no_args,
	  list_fw_domain_lists },
	{ "get-firewall-domain-list", "GetFirewallDomainList", "--firewall-domain-list-id ID",
	  fdl_arg, fdl_arg, get_fw_domain_list },
	{ "list-firewall-domains", "ListFirewallDomains", "--firewall-domain-list-id ID", fdl_arg,
	  fdl_arg, list_fw_domains },
	{ "update-firewall-domains", "UpdateFirewallDomains",
	  "--firewall-domain-list-id ID --operation ADD|REMOVE|REPLACE --domains a,b,...",
	  fdc_args, fdc_req, change_fw_domains },
	{ "import-firewall-domains", "ImportFirewallDomains",
	  "--firewall-domain-list-id ID --operation ADD|REMOVE|REPLACE "
	  "(--domain-file-url file://PATH | --domains a,b,...)",
	  fdc_args, fdc_req, change_fw_domains },
	{ "reload", "Reload", "", no_args, no_args, reload },
	{ "stats", "GetStats", "", no_args, no_args, stats },
	{ "metrics", "GetMetrics", "", no_args, no_args, metrics },
};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static void help(FILE *f)
{
	fprintf(f,
		"usage: %s [--server URL] [--output json|text|table] VERB [ARGS]\n\n"
		"Client of the dnsplane control API. Verbs and argument names follow\n"
		"`aws route53`.\n\n"
		"Options:\n"
		"  --server URL        control API (default $DNSPLANE_SERVER or %s);\n"
		"                      --endpoint-url is accepted as well\n"
		"  --output FORMAT     json (default), text or table\n"
		"  --help, help        this text; VERB help for one verb\n\n"
		"Verbs:\n",
		prog, DEFAULT_SERVER);
	for (size_t i = 0; i < NVERBS; i++)
		fprintf(f, "  %s %s\n", verbs[i].name, verbs[i].synopsis);
	fprintf(f, "\nExit status: 0 success, 1 error from or no answer by the server, "
		"2 usage error.\n");
}

static bool listed(const char *const *names, const char *n)
{
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], n) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct ctx c = { .server = getenv("DNSPLANE_SERVER"), .output = OUT_JSON };
	const struct verb *v = NULL;
	struct args a = { .n = 0 };
	bool verb_help = false;

	if (!c.server || !*c.server)
		c.server = DEFAULT_SERVER;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0 ||
		    (strcmp(s, "help") == 0 && !v)) {
			help(stdout);
			return 0;
		}
		if (strcmp(s, "help") == 0 && v) {
			verb_help = true;
			continue;
		}
		if (strncmp(s, "--", 2) == 0) {
			char name[64];
			const char *val = NULL, *eq = strchr(s, '=');
			size_t nl = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
			if (nl == 0 || nl >= sizeof(name))
				usage_error("bad option: %s", s);
			memcpy(name, s + 2, nl);
			name[nl] = 0;
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				usage_error("argument --%s: expected one argument", name);
			if (strcmp(name, "server") == 0 || strcmp(name, "endpoint-url") == 0) {
				c.server = val;
			} else if (strcmp(name, "output") == 0) {
				if (strcmp(val, "json") == 0)
					c.output = OUT_JSON;
				else if (strcmp(val, "text") == 0)
					c.output = OUT_TEXT;
				else if (strcmp(val, "table") == 0)
					c.output = OUT_TABLE;
				else
					usage_error("argument --output: invalid choice: '%s' (choose "
						    "from 'json', 'text', 'table')", val);
			} else {
				if (!v)
					usage_error("option --%s before the verb; give the verb first",
						    name);
				if (!listed(v->allowed, name))
					usage_error("Unknown options: --%s", name);
				if (arg(&a, name))
					usage_error("argument --%s: given twice", name);
				if (a.n >= 32)
					usage_error("too many arguments");
				/* keep the table's string: name[] is reused */
				for (size_t k = 0; v->allowed[k]; k++)
					if (strcmp(v->allowed[k], name) == 0)
						a.name[a.n] = v->allowed[k];
				a.value[a.n++] = val;
			}
			continue;
		}
		if (v)
			usage_error("Unknown options: %s", s);
		for (size_t k = 0; k < NVERBS; k++)
			if (strcmp(verbs[k].name, s) == 0)
				v = &verbs[k];
		if (!v)
			usage_error("argument operation: Invalid choice: '%s' (run '%s help' for "
				    "the verbs)", s, prog);
	}
	if (!v)
		usage_error("the following arguments are required: VERB");
	if (verb_help) {
		printf("usage: %s %s %s\n", prog, v->name, v->synopsis);
		return 0;
	}
	for (size_t k = 0; v->required[k]; k++)
		if (!arg(&a, v->required[k]))
			usage_error("the following arguments are required: --%s", v->required[k]);
	if (strncmp(c.server, "http://", 7) != 0 && strncmp(c.server, "https://", 8) != 0)
		usage_error("--server: expected a URL such as %s, got '%s'", DEFAULT_SERVER,
			    c.server);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "%s: cannot initialise libcurl\n", prog);
		return EXIT_FAIL;
	}
	c.curl = curl_easy_init();
	if (!c.curl) {
		fprintf(stderr, "%s: cannot initialise libcurl\n", prog);
		return EXIT_FAIL;
	}
	int rc = v->run(&c, v, &a);
	curl_easy_cleanup(c.curl);
	curl_global_cleanup();
	fflush(stdout);
	return rc;
}
