/*
 * Route 53 ResourceRecordSet JSON <-> struct dnsp_cfg_rrset, and the AWS
 * error body. The API is the second way (beside the YAML file) records get
 * into the configuration model, so parsing here is as strict as the loader:
 * every member is checked for its JSON type, length or range and every
 * unknown member is refused. Problems are collected rather than stopping at
 * the first, so one response tells the client everything wrong with the set
 * — the way the AWS CLI's parameter validation reports. Output follows the
 * API model's member order so `dnsplanectl` prints what `aws route53`
 * prints.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "rrjson.h"
#include "../lib/wire/name.h"
#include "../lib/wire/rdata.h"

/* ---- errors ---- */

void dnsp_errlist_add_plain(struct dnsp_errlist *errs, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!errs)
		return;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (errs->n == errs->cap) {
		size_t cap = errs->cap ? errs->cap * 2 : 8;
		char **m = realloc(errs->msgs, cap * sizeof(*m));
		if (!m) {
			free(msg);
			return;
		}
		errs->msgs = m;
		errs->cap = cap;
	}
	errs->msgs[errs->n++] = msg;
}

json_t *dnsp_aws_error(const char *type, const char *code, const char *message)
{
	return json_pack("{s:{s:s,s:s,s:s}}", "Error", "Type", type, "Code", code, "Message",
			 message);
}

json_t *dnsp_aws_error_list(const char *type, const char *code,
			    const struct dnsp_errlist *errs, bool bracketed,
			    const char *fallback)
{
	size_t n = errs ? errs->n : 0, len = 3;

	if (n == 0)
		return dnsp_aws_error(type, code, fallback);
	for (size_t i = 0; i < n; i++)
		len += strlen(errs->msgs[i]) + 2;
	char *msg = malloc(len);
	json_t *list = json_array();
	if (!msg || !list) {
		free(msg);
		json_decref(list);
		return NULL;
	}
	char *p = msg;
	if (bracketed)
		*p++ = '[';
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(errs->msgs[i]);
		if (i > 0) {
			if (bracketed) {
				*p++ = ',';
				*p++ = ' ';
			} else {
				*p++ = '\n';
			}
		}
		memcpy(p, errs->msgs[i], l);
		p += l;
		json_array_append_new(list, json_string(errs->msgs[i]));
	}
	if (bracketed)
		*p++ = ']';
	*p = 0;
	json_t *e = dnsp_aws_error(type, code, msg);
	free(msg);
	if (e)
		json_object_set_new(json_object_get(e, "Error"), "Messages", list);
	else
		json_decref(list);
	return e;
}

/* ---- types ---- */

static const uint16_t allowed_types[] = {
	6 /* SOA */, 1 /* A */, 16 /* TXT */, 2 /* NS */, 5 /* CNAME */, 15 /* MX */,
	35 /* NAPTR */, 12 /* PTR */, 33 /* SRV */, 99 /* SPF */, 28 /* AAAA */, 257 /* CAA */,
	43 /* DS */, 52 /* TLSA */, 44 /* SSHFP */, 64 /* SVCB */, 65 /* HTTPS */,
};
static const char allowed_types_text[] =
	"SOA, A, TXT, NS, CNAME, MX, NAPTR, PTR, SRV, SPF, AAAA, CAA, DS, TLSA, SSHFP, SVCB, HTTPS";

bool dnsp_rrjson_type_allowed(uint16_t type)
{
	for (size_t i = 0; i < sizeof(allowed_types) / sizeof(allowed_types[0]); i++)
		if (allowed_types[i] == type)
			return true;
	return false;
}

/* ---- rrset -> JSON ---- */

/* Name as Route 53 lists it: every '*' written as the escape "\052". */
static json_t *name_json(const char *name)
{
	size_t stars = 0, len = strlen(name);
	for (size_t i = 0; i < len; i++)
		stars += name[i] == '*';
	if (stars == 0)
		return json_string(name);
	char *buf = malloc(len + 3 * stars + 1), *p = buf;
	if (!buf)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '*') {
			memcpy(p, "\\052", 4);
			p += 4;
		} else {
			*p++ = name[i];
		}
	}
	*p = 0;
	json_t *j = json_string(buf);
	free(buf);
	return j;
}

/* Shortest decimal text that reads back as v (Route 53 gives coordinates
 * as strings). */
static json_t *coordinate_json(double v)
{
	char buf[48];
	for (int prec = 2; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return json_string(buf);
}

static int set_new(json_t *obj, const char *key, json_t *val)
{
	if (!val)
		return -ENOMEM;
	return json_object_set_new(obj, key, val) == 0 ? 0 : -ENOMEM;
}

json_t *dnsp_rrjson_from_rrset(const struct dnsp_cfg_rrset *rs)
{
	const struct dnsp_cfg_routing *r = &rs->routing;
	char tbuf[16];
	int rc = 0;
	json_t *o = json_object();

	if (!o)
		return NULL;
	rc |= set_new(o, "Name", name_json(rs->name ? rs->name : ""));
	rc |= set_new(o, "Type", json_string(dnsp_rrtype_to_text(rs->type, tbuf)));
	if (r->set_identifier)
		rc |= set_new(o, "SetIdentifier", json_string(r->set_identifier));
	if (r->weight >= 0)
		rc |= set_new(o, "Weight", json_integer(r->weight));
	if (r->region)
		rc |= set_new(o, "Region", json_string(r->region));
	if (r->geo_continent || r->geo_country || r->geo_subdivision) {
		json_t *g = json_object();
		if (g && r->geo_continent)
			rc |= set_new(g, "ContinentCode", json_string(r->geo_continent));
		if (g && r->geo_country)
			rc |= set_new(g, "CountryCode", json_string(r->geo_country));
		if (g && r->geo_subdivision)
			rc |= set_new(g, "SubdivisionCode", json_string(r->geo_subdivision));
		rc |= set_new(o, "GeoLocation", g);
	}
	if (r->failover)
		rc |= set_new(o, "Failover", json_string(r->failover));
	if (r->multivalue >= 0)
		rc |= set_new(o, "MultiValueAnswer", json_boolean(r->multivalue));
	if (rs->has_ttl)
		rc |= set_new(o, "TTL", json_integer(rs->ttl));
	if (!rs->is_alias && rs->nvalues > 0) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < rs->nvalues; i++) {
			json_t *v = json_pack("{s:s}", "Value", rs->values[i] ? rs->values[i] : "");
			if (!v || json_array_append_new(a, v) != 0)
				rc |= -ENOMEM;
		}
		rc |= set_new(o, "ResourceRecords", a);
	}
	if (rs->is_alias) {
		json_t *a = json_object();
		if (a) {
			rc |= set_new(a, "HostedZoneId",
				      json_string(rs->alias_zone_id ? rs->alias_zone_id : ""));
			rc |= set_new(a, "DNSName",
				      name_json(rs->alias_dns_name ? rs->alias_dns_name : ""));
			rc |= set_new(a, "EvaluateTargetHealth",
				      json_boolean(rs->alias_evaluate_target_health));
		}
		rc |= set_new(o, "AliasTarget", a);
	}
	if (r->health_check_id)
		rc |= set_new(o, "HealthCheckId", json_string(r->health_check_id));
	if (r->cidr_collection_id || r->cidr_location_name) {
		rc |= set_new(o, "CidrRoutingConfig",
			      json_pack("{s:s,s:s}", "CollectionId",
					r->cidr_collection_id ? r->cidr_collection_id : "",
					"LocationName",
					r->cidr_location_name ? r->cidr_location_name : ""));
	}
	if (r->has_geoproximity) {
		json_t *g = json_object();
		if (g) {
			if (r->gp_aws_region)
				rc |= set_new(g, "AWSRegion", json_string(r->gp_aws_region));
			if (r->gp_local_zone_group)
				rc |= set_new(g, "LocalZoneGroup",
					      json_string(r->gp_local_zone_group));
			if (r->gp_has_coordinates) {
				json_t *c = json_object();
				if (c) {
					rc |= set_new(c, "Latitude", coordinate_json(r->gp_latitude));
					rc |= set_new(c, "Longitude",
						      coordinate_json(r->gp_longitude));
				}
				rc |= set_new(g, "Coordinates", c);
			}
			rc |= set_new(g, "Bias", json_integer(r->gp_bias));
		}
		rc |= set_new(o, "GeoProximityLocation", g);
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- JSON -> rrset ---- */

struct parse {
	struct dnsp_errlist *errs;
	int nerr;
	bool nomem;
	char *name_for_msgs;    /* Name as given, for messages */
	const char *type_for_msgs;
};

static void perr(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p->nerr++;
	size_t before = p->errs ? p->errs->n : 0;
	dnsp_errlist_add_plain(p->errs, "%s", buf);
	if (p->errs && p->errs->n == before)
		p->nomem = true;
}

/* Compact JSON text of v for messages, cut at 80 bytes. */
static void value_text(const json_t *v, char *buf, size_t cap)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!s) {
		snprintf(buf, cap, "?");
		return;
	}
	if (strlen(s) > 80)
		snprintf(buf, cap, "%.77s...", s);
	else
		snprintf(buf, cap, "%s", s);
	free(s);
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

static void bad_type(struct parse *p, const char *path, const char *key, const json_t *v,
		     const char *want)
{
	char vt[96];
	value_text(v, vt, sizeof(vt));
	perr(p, "Invalid type for parameter %s.%s, value: %s, type: %s, valid types: %s", path,
	     key, vt, json_type_name(v), want);
}

/* Refuses members of obj not in names (NULL-terminated). */
static void check_members(struct parse *p, const json_t *obj, const char *path,
			  const char *const *names)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		bool known = false;
		for (size_t i = 0; names[i]; i++)
			if (strcmp(key, names[i]) == 0)
				known = true;
		if (known)
			continue;
		char list[512];
		size_t off = 0;
		list[0] = 0;
		for (size_t i = 0; names[i] && off < sizeof(list); i++)
			off += snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					names[i]);
		perr(p, "Unknown parameter in %s: \"%s\", must be one of: %s", path, key, list);
	}
}

/*
 * Reads an optional string member of length min..max into *dst (malloc'd).
 * Returns 1 when present and valid, 0 when absent, -1 on error (reported).
 */
static int get_string(struct parse *p, const json_t *obj, const char *path, const char *key,
		      size_t min, size_t max, char **dst)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_string(v)) {
		bad_type(p, path, key, v, "string");
		return -1;
	}
	size_t len = json_string_length(v);
	const char *s = json_string_value(v);
	if (len < min || len > max) {
		perr(p, "Invalid length for parameter %s.%s, value: %zu, valid length: %zu-%zu",
		     path, key, len, min, max);
		return -1;
	}
	if (strlen(s) != len) {
		perr(p, "Invalid value for parameter %s.%s: NUL character in string", path, key);
		return -1;
	}
	if (dst) {
		*dst = strdup(s);
		if (!*dst) {
			p->nomem = true;
			return -1;
		}
	}
	return 1;
}

/* Optional integer member in lo..hi. Returns 1/0/-1 like get_string. */
static int get_int(struct parse *p, const json_t *obj, const char *path, const char *key,
		   long long lo, long long hi, long long *dst)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_integer(v)) {
		bad_type(p, path, key, v, "integer");
		return -1;
	}
	long long x = json_integer_value(v);
	if (x < lo || x > hi) {
		perr(p, "Invalid range for parameter %s.%s, value: %lld, valid range: %lld-%lld",
		     path, key, x, lo, hi);
		return -1;
	}
	*dst = x;
	return 1;
}

/* Optional boolean member. Returns 1/0/-1 like get_string. */
static int get_bool(struct parse *p, const json_t *obj, const char *path, const char *key,
		    bool *dst)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		bad_type(p, path, key, v, "boolean");
		return -1;
	}
	*dst = json_is_true(v);
	return 1;
}

/* Optional object member. Returns it, or NULL when absent or not an object
 * (*bad set and reported in the latter case). */
static const json_t *get_object(struct parse *p, const json_t *obj, const char *path,
				const char *key, bool *bad)
{
	json_t *v = json_object_get(obj, key);
	if (v && !json_is_object(v)) {
		bad_type(p, path, key, v, "object");
		*bad = true;
		return NULL;
	}
	return v;
}

static void missing(struct parse *p, const char *path, const char *key)
{
	perr(p, "Missing required parameter in %s: \"%s\"", path, key);
}

/*
 * Route 53 presentation of a name → the model's: "\052" becomes "*", a
 * trailing dot is added. Checks the result is a valid domain name and that
 * "*" appears only as the whole leftmost label. Returns a malloc'd string,
 * or NULL with the problem reported (or p->nomem).
 */
static char *model_name(struct parse *p, const char *path, const char *key, const char *in)
{
	size_t len = strlen(in);
	char *out = malloc(len + 2);
	size_t o = 0;

	if (!out) {
		p->nomem = true;
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\\' && strncmp(in + i + 1, "052", 3) == 0) {
			out[o++] = '*';
			i += 3;
		} else if (in[i] == '\\' && i + 1 < len) {
			out[o++] = in[i++];
			out[o++] = in[i];
		} else {
			out[o++] = in[i];
		}
	}
	if (o == 0 || out[o - 1] != '.' || (o >= 2 && out[o - 2] == '\\' &&
					    (o < 3 || out[o - 3] != '\\')))
		out[o++] = '.';
	out[o] = 0;

	uint8_t wire[DNSP_NAME_MAX];
	if (strcmp(out, ".") != 0 && dnsp_name_from_text(out, o, NULL, wire) < 0) {
		perr(p, "Invalid value for parameter %s.%s, value: \"%s\": not a valid domain name "
		     "(labels of 1-63 octets, at most 255 octets in all)", path, key, in);
		free(out);
		return NULL;
	}
	/* "*" only as the whole leftmost label (SEMANTICS §16). */
	size_t label_start = 0;
	int label = 0;
	for (size_t i = 0; i < o; i++) {
		if (out[i] == '\\') {
			i += (i + 1 < o && out[i + 1] >= '0' && out[i + 1] <= '9') ? 3 : 1;
			continue;
		}
		if (out[i] == '.') {
			label_start = i + 1;
			label++;
			continue;
		}
		if (out[i] == '*' && (label != 0 || i != label_start || out[i + 1] != '.')) {
			perr(p, "Invalid value for parameter %s.%s, value: \"%s\": \"*\" is allowed "
			     "only as the whole leftmost label", path, key, in);
			free(out);
			return NULL;
		}
	}
	return out;
}

static const char *const rrset_members[] = {
	"Name", "Type", "SetIdentifier", "Weight", "Region", "GeoLocation", "Failover",
	"MultiValueAnswer", "TTL", "ResourceRecords", "AliasTarget", "HealthCheckId",
	"TrafficPolicyInstanceId", "CidrRoutingConfig", "GeoProximityLocation", NULL,
};
static const char *const geo_members[] = {
	"ContinentCode", "CountryCode", "SubdivisionCode", NULL,
};
static const char *const gp_members[] = {
	"AWSRegion", "LocalZoneGroup", "Coordinates", "Bias", NULL,
};
static const char *const coord_members[] = { "Latitude", "Longitude", NULL };
static const char *const cidr_members[] = { "CollectionId", "LocationName", NULL };
static const char *const alias_members[] = {
	"HostedZoneId", "DNSName", "EvaluateTargetHealth", NULL,
};
static const char *const rr_members[] = { "Value", NULL };

static const char *const continents[] = { "AF", "AN", "AS", "EU", "OC", "NA", "SA", NULL };

static void parse_geolocation(struct parse *p, const json_t *g, const char *path,
			      struct dnsp_cfg_routing *r)
{
	char sub[256];
	snprintf(sub, sizeof(sub), "%s.GeoLocation", path);
	check_members(p, g, sub, geo_members);
	int hc = get_string(p, g, sub, "ContinentCode", 2, 2, &r->geo_continent);
	int hn = get_string(p, g, sub, "CountryCode", 1, 2, &r->geo_country);
	int hs = get_string(p, g, sub, "SubdivisionCode", 1, 3, &r->geo_subdivision);
	if (hc > 0) {
		bool ok = false;
		for (size_t i = 0; continents[i]; i++)
			ok |= strcmp(r->geo_continent, continents[i]) == 0;
		if (!ok)
			perr(p, "Invalid value for parameter %s.ContinentCode, value: \"%s\", valid "
			     "values: AF, AN, AS, EU, OC, NA, SA", sub, r->geo_continent);
	}
	if (hc > 0 && (hn > 0 || hs > 0))
		perr(p, "Invalid parameter combination in %s: ContinentCode cannot be given with "
		     "CountryCode or SubdivisionCode", sub);
	if (hs > 0 && hn == 0)
		perr(p, "Invalid parameter combination in %s: SubdivisionCode needs CountryCode", sub);
	if (hc == 0 && hn == 0 && hs == 0)
		perr(p, "Missing required parameter in %s: one of \"ContinentCode\", "
		     "\"CountryCode\"", sub);
}

/* Latitude/Longitude: a decimal string (the API's type) or a JSON number. */
static int get_coordinate(struct parse *p, const json_t *c, const char *path, const char *key,
			  double lim, double *dst)
{
	json_t *v = json_object_get(c, key);
	if (!v) {
		missing(p, path, key);
		return -1;
	}
	double x;
	if (json_is_number(v)) {
		x = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		x = strtod(s, &end);
		if (*s == 0 || *end != 0 || !isfinite(x)) {
			perr(p, "Invalid value for parameter %s.%s, value: \"%s\": not a decimal "
			     "number", path, key, s);
			return -1;
		}
	} else {
		bad_type(p, path, key, v, "string");
		return -1;
	}
	if (x < -lim || x > lim) {
		perr(p, "Invalid range for parameter %s.%s, value: %g, valid range: %g-%g", path, key,
		     x, -lim, lim);
		return -1;
	}
	*dst = x;
	return 1;
}

static void parse_geoproximity(struct parse *p, const json_t *g, const char *path,
			       struct dnsp_cfg_routing *r)
{
	char sub[256], csub[300];
	bool bad = false;
	long long bias = 0;

	snprintf(sub, sizeof(sub), "%s.GeoProximityLocation", path);
	check_members(p, g, sub, gp_members);
	r->has_geoproximity = true;
	int ha = get_string(p, g, sub, "AWSRegion", 1, 64, &r->gp_aws_region);
	int hl = get_string(p, g, sub, "LocalZoneGroup", 1, 64, &r->gp_local_zone_group);
	const json_t *c = get_object(p, g, sub, "Coordinates", &bad);
	if (c) {
		snprintf(csub, sizeof(csub), "%s.Coordinates", sub);
		check_members(p, c, csub, coord_members);
		int a = get_coordinate(p, c, csub, "Latitude", 90, &r->gp_latitude);
		int b = get_coordinate(p, c, csub, "Longitude", 180, &r->gp_longitude);
		r->gp_has_coordinates = a > 0 && b > 0;
	}
	if (get_int(p, g, sub, "Bias", -99, 99, &bias) > 0)
		r->gp_bias = (int)bias;
	int n = (ha != 0) + (hl != 0) + (c != NULL || bad);
	if (n != 1)
		perr(p, "Invalid parameter combination in %s: exactly one of AWSRegion, "
		     "LocalZoneGroup or Coordinates is required, found %d", sub, n);
}

static void parse_cidr(struct parse *p, const json_t *c, const char *path,
		       struct dnsp_cfg_routing *r)
{
	char sub[256];
	snprintf(sub, sizeof(sub), "%s.CidrRoutingConfig", path);
	check_members(p, c, sub, cidr_members);
	if (get_string(p, c, sub, "CollectionId", 1, 64, &r->cidr_collection_id) == 0)
		missing(p, sub, "CollectionId");
	if (get_string(p, c, sub, "LocationName", 1, 16, &r->cidr_location_name) == 0)
		missing(p, sub, "LocationName");
	if (r->cidr_location_name) {
		for (const char *s = r->cidr_location_name; *s; s++) {
			if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
			      (*s >= 'A' && *s <= 'Z') || *s == '_' || *s == '-' || *s == '*')) {
				perr(p, "Invalid value for parameter %s.LocationName, value: \"%s\": "
				     "only letters, digits, '_', '-' and '*' are allowed", sub,
				     r->cidr_location_name);
				break;
			}
		}
	}
}

static void parse_alias(struct parse *p, const json_t *a, const char *path,
			struct dnsp_cfg_rrset *rs)
{
	char sub[256];
	char *dns = NULL;
	bool eth = false;

	snprintf(sub, sizeof(sub), "%s.AliasTarget", path);
	check_members(p, a, sub, alias_members);
	rs->is_alias = true;
	if (get_string(p, a, sub, "HostedZoneId", 1, 32, &rs->alias_zone_id) == 0)
		missing(p, sub, "HostedZoneId");
	int hd = get_string(p, a, sub, "DNSName", 1, DNSP_RRJSON_NAME_MAX, &dns);
	if (hd == 0)
		missing(p, sub, "DNSName");
	if (hd > 0)
		rs->alias_dns_name = model_name(p, sub, "DNSName", dns);
	free(dns);
	if (get_bool(p, a, sub, "EvaluateTargetHealth", &eth) == 0)
		missing(p, sub, "EvaluateTargetHealth");
	rs->alias_evaluate_target_health = eth;
}

static void parse_records(struct parse *p, const json_t *arr, const char *path,
			  struct dnsp_cfg_rrset *rs)
{
	if (!json_is_array(arr)) {
		bad_type(p, path, "ResourceRecords", arr, "array");
		return;
	}
	size_t n = json_array_size(arr);
	if (n == 0) {
		perr(p, "Invalid length for parameter %s.ResourceRecords, value: 0, valid min "
		     "length: 1", path);
		return;
	}
	rs->values = calloc(n, sizeof(*rs->values));
	if (!rs->values) {
		p->nomem = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *rr = json_array_get(arr, i);
		char sub[256];
		snprintf(sub, sizeof(sub), "%s.ResourceRecords[%zu]", path, i);
		if (!json_is_object(rr)) {
			char vt[96];
			value_text(rr, vt, sizeof(vt));
			perr(p, "Invalid type for parameter %s, value: %s, type: %s, valid types: "
			     "object", sub, vt, json_type_name(rr));
			continue;
		}
		check_members(p, rr, sub, rr_members);
		char *v = NULL;
		int h = get_string(p, rr, sub, "Value", 1, DNSP_RRJSON_VALUE_MAX, &v);
		if (h == 0)
			missing(p, sub, "Value");
		if (h > 0)
			rs->values[rs->nvalues++] = v;
	}
}

static const char *policy_field_names =
	"Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or "
	"CidrRoutingConfig";

int dnsp_rrjson_to_rrset(const json_t *obj, const char *path, const char *loc_file,
			 int loc_line, struct dnsp_cfg_rrset *out, struct dnsp_errlist *errs)
{
	struct parse p = { .errs = errs };
	struct dnsp_cfg_rrset *rs = out;
	struct dnsp_cfg_routing *r = &rs->routing;
	char *given_name = NULL, *type_text = NULL;
	long long x;
	bool bad = false;

	memset(rs, 0, sizeof(*rs));
	rs->loc.file = loc_file;
	rs->loc.line = loc_line;
	r->weight = -1;
	r->multivalue = -1;

	if (!json_is_object(obj)) {
		char vt[96];
		value_text(obj, vt, sizeof(vt));
		perr(&p, "Invalid type for parameter %s, value: %s, type: %s, valid types: object",
		     path, vt, json_type_name(obj));
		return DNSP_ESYNTAX;
	}
	check_members(&p, obj, path, rrset_members);

	/* Name, Type */
	int hn = get_string(&p, obj, path, "Name", 1, DNSP_RRJSON_NAME_MAX, &given_name);
	if (hn == 0)
		missing(&p, path, "Name");
	if (hn > 0)
		rs->name = model_name(&p, path, "Name", given_name);
	int ht = get_string(&p, obj, path, "Type", 1, 16, &type_text);
	if (ht == 0)
		missing(&p, path, "Type");
	if (ht > 0) {
		int t = dnsp_rrtype_from_text(type_text, strlen(type_text));
		if (t <= 0 || !dnsp_rrjson_type_allowed((uint16_t)t))
			perr(&p, "Invalid value for parameter %s.Type, value: \"%s\", valid values: "
			     "%s", path, type_text, allowed_types_text);
		else
			rs->type = (uint16_t)t;
	}

	/* routing */
	int hsid = get_string(&p, obj, path, "SetIdentifier", 1, 128, &r->set_identifier);
	int npolicy = 0;
	if (get_int(&p, obj, path, "Weight", 0, 255, &x) > 0) {
		r->weight = (int)x;
		rs->policy = DNSP_POLICY_WEIGHTED;
	}
	if (json_object_get(obj, "Weight"))
		npolicy++;
	if (get_string(&p, obj, path, "Region", 1, 64, &r->region) != 0) {
		rs->policy = DNSP_POLICY_LATENCY;
		npolicy++;
	}
	const json_t *geo = get_object(&p, obj, path, "GeoLocation", &bad);
	if (geo) {
		parse_geolocation(&p, geo, path, r);
		rs->policy = DNSP_POLICY_GEOLOCATION;
	}
	if (geo || json_object_get(obj, "GeoLocation"))
		npolicy++;
	int hf = get_string(&p, obj, path, "Failover", 1, 16, &r->failover);
	if (hf > 0 && strcmp(r->failover, "PRIMARY") != 0 && strcmp(r->failover, "SECONDARY") != 0)
		perr(&p, "Invalid value for parameter %s.Failover, value: \"%s\", valid values: "
		     "PRIMARY, SECONDARY", path, r->failover);
	if (hf != 0) {
		rs->policy = DNSP_POLICY_FAILOVER;
		npolicy++;
	}
	bool mv = false;
	int hm = get_bool(&p, obj, path, "MultiValueAnswer", &mv);
	if (hm > 0) {
		r->multivalue = mv;
		if (mv) {
			rs->policy = DNSP_POLICY_MULTIVALUE;
			npolicy++;
		}
	} else if (hm < 0) {
		npolicy++;
	}
	const json_t *gp = get_object(&p, obj, path, "GeoProximityLocation", &bad);
	if (gp) {
		parse_geoproximity(&p, gp, path, r);
		rs->policy = DNSP_POLICY_GEOPROXIMITY;
	}
	if (json_object_get(obj, "GeoProximityLocation"))
		npolicy++;
	const json_t *cidr = get_object(&p, obj, path, "CidrRoutingConfig", &bad);
	if (cidr) {
		parse_cidr(&p, cidr, path, r);
		rs->policy = DNSP_POLICY_IPBASED;
	}
	if (json_object_get(obj, "CidrRoutingConfig"))
		npolicy++;
	get_string(&p, obj, path, "HealthCheckId", 1, 64, &r->health_check_id);
	get_string(&p, obj, path, "TrafficPolicyInstanceId", 1, 36, NULL);

	const char *nm = given_name ? given_name : "?";
	const char *tt = type_text ? type_text : "?";
	if (npolicy > 1)
		perr(&p, "Invalid request: Expected exactly one of [%s], but found more than one in "
		     "record with DNSName %s and Type %s", policy_field_names, nm, tt);
	if (npolicy == 0 && hsid > 0)
		perr(&p, "Invalid request: Expected exactly one of [%s], but found none in record "
		     "with DNSName %s and Type %s", policy_field_names, nm, tt);
	if (npolicy == 1 && hsid == 0)
		missing(&p, path, "SetIdentifier");

	/* data: TTL + ResourceRecords, or AliasTarget */
	int httl = get_int(&p, obj, path, "TTL", 0, 2147483647LL, &x);
	if (httl > 0) {
		rs->has_ttl = true;
		rs->ttl = (uint32_t)x;
	}
	json_t *rrs = json_object_get(obj, "ResourceRecords");
	if (rrs)
		parse_records(&p, rrs, path, rs);
	const json_t *alias = get_object(&p, obj, path, "AliasTarget", &bad);
	if (alias)
		parse_alias(&p, alias, path, rs);
	bool has_alias = json_object_get(obj, "AliasTarget") != NULL;
	if (has_alias && (httl != 0 || rrs))
		perr(&p, "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and "
		     "ResourceRecords], or TrafficPolicyInstanceId], but found more than one in "
		     "record with DNSName %s and Type %s", nm, tt);
	if (!has_alias && (httl == 0 || !rrs)) {
		if (httl == 0 && !rrs)
			perr(&p, "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, "
			     "and ResourceRecords], or TrafficPolicyInstanceId], but found none in "
			     "record with DNSName %s and Type %s", nm, tt);
		else
			missing(&p, path, httl == 0 ? "TTL" : "ResourceRecords");
	}
	if (rs->type == 5 /* CNAME */ || rs->type == 6 /* SOA */) {
		if (rs->nvalues > 1)
			perr(&p, "Invalid Resource Record: a %s record set holds exactly one value, "
			     "found %zu in record with DNSName %s", tt, rs->nvalues, nm);
	}
	if (rs->type == 2 /* NS */ && rs->name && rs->name[0] == '*')
		perr(&p, "Invalid request: a wildcard name (%s) is not allowed for an NS record set",
		     nm);
	if (has_alias && rs->policy == DNSP_POLICY_MULTIVALUE)
		perr(&p, "Invalid request: multivalue answer record sets cannot be alias records "
		     "(record with DNSName %s and Type %s)", nm, tt);

	free(given_name);
	free(type_text);
	if (p.nomem) {
		dnsp_cfg_rrset_fini(rs);
		memset(rs, 0, sizeof(*rs));
		return -ENOMEM;
	}
	if (p.nerr > 0) {
		dnsp_cfg_rrset_fini(rs);
		memset(rs, 0, sizeof(*rs));
		return DNSP_ESYNTAX;
	}
	return 0;
}
