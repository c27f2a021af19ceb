/*
 * ChangeResourceRecordSets with Route 53's transactional semantics: the
 * changes of a batch are applied in order to a working copy of the zone's
 * record sets (so a DELETE then CREATE of one set works, and a second
 * DELETE of the same set fails), every conflict is reported with the exact
 * message Route 53 gives, and only a batch that passes the zone check and
 * compiles replaces the zone's records. The copy is swapped in before the
 * check and publish (both read the zone in place) and swapped back on any
 * failure, all under the daemon lock, so readers of d->cfg never see a
 * half-applied batch.
 */
#include <inttypes.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "changes.h"
#include "rrjson.h"
#include "../lib/wire/name.h"
#include "../lib/wire/rdata.h"

enum action { ACT_CREATE, ACT_DELETE, ACT_UPSERT };

struct change {
	enum action action;
	struct dnsp_cfg_rrset rs;
	bool owned; /* rs still owned here (not moved into the zone copy) */
};

const char *dnsp_zone_id_strip(const char *id)
{
	if (strncmp(id, "/hostedzone/", 12) == 0)
		return id + 12;
	if (strncmp(id, "hostedzone/", 11) == 0)
		return id + 11;
	return id;
}

void dnsp_iso8601(const struct timespec *t, char buf[32])
{
	struct tm tm;
	time_t s = t->tv_sec;
	gmtime_r(&s, &tm);
	size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%03dZ", (int)((t->tv_nsec / 1000000) % 1000));
}

int dnsp_rrset_name_wire(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	char buf[DNSP_RRJSON_NAME_MAX + 2];
	size_t len = strlen(text);

	if (len == 0 || len > DNSP_RRJSON_NAME_MAX)
		return -EINVAL;
	memcpy(buf, text, len);
	if (buf[len - 1] != '.')
		buf[len++] = '.';
	return dnsp_name_from_text(buf, len, NULL, out);
}

bool dnsp_rrset_name_equal(const char *a, const char *b)
{
	uint8_t wa[DNSP_NAME_MAX], wb[DNSP_NAME_MAX];

	if (!a || !b)
		return a == b;
	if (dnsp_rrset_name_wire(a, wa) > 0 && dnsp_rrset_name_wire(b, wb) > 0)
		return dnsp_name_equal(wa, wb);
	/* not parseable (cannot come from a valid config): compare the text */
	size_t la = strlen(a), lb = strlen(b);
	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Identity of a set: Name + Type + SetIdentifier. */
static bool same_set(const struct dnsp_cfg_rrset *a, const struct dnsp_cfg_rrset *b)
{
	return a->type == b->type && str_eq(a->routing.set_identifier, b->routing.set_identifier) &&
	       dnsp_rrset_name_equal(a->name, b->name);
}

/* Two Value strings are the same record when their rdata is byte-equal
 * (so "10 mail" and "10  mail" match), or the text is. */
static bool value_eq(uint16_t type, const char *a, const char *b, const uint8_t *origin,
		     uint8_t *ba, uint8_t *bb)
{
	if (strcmp(a, b) == 0)
		return true;
	int la = dnsp_rdata_from_text(type, a, strlen(a), origin, ba, DNSP_RDATA_MAX, NULL);
	int lb = dnsp_rdata_from_text(type, b, strlen(b), origin, bb, DNSP_RDATA_MAX, NULL);
	return la >= 0 && la == lb && memcmp(ba, bb, (size_t)la) == 0;
}

/* Values as multisets, order ignored. */
static bool values_eq(const struct dnsp_cfg_rrset *cur, const struct dnsp_cfg_rrset *given,
		      const uint8_t *origin, uint8_t *ba, uint8_t *bb)
{
	if (cur->nvalues != given->nvalues)
		return false;
	size_t n = cur->nvalues;
	bool *used = calloc(n ? n : 1, sizeof(*used));
	if (!used)
		return false;
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < n && !found; j++) {
			if (!used[j] && value_eq(cur->type, given->values[i], cur->values[j], origin,
						 ba, bb)) {
				used[j] = true;
				found = true;
			}
		}
		ok = found;
	}
	free(used);
	return ok;
}

/* DELETE needs the set exactly as it is: TTL, values, alias target and
 * routing fields (SEMANTICS §16). */
static bool set_matches(const struct dnsp_cfg_rrset *cur, const struct dnsp_cfg_rrset *given,
			const uint8_t *origin, uint8_t *ba, uint8_t *bb)
{
	const struct dnsp_cfg_routing *a = &cur->routing, *b = &given->routing;

	/* a set loaded without TTL (one of the loader's defaults) matches any */
	if (cur->has_ttl && (!given->has_ttl || cur->ttl != given->ttl))
		return false;
	if (!cur->has_ttl && given->has_ttl && cur->is_alias)
		return false;
	if (cur->is_alias != given->is_alias)
		return false;
	if (cur->is_alias) {
		if (!cur->alias_zone_id || !given->alias_zone_id ||
		    strcasecmp(dnsp_zone_id_strip(cur->alias_zone_id),
			       dnsp_zone_id_strip(given->alias_zone_id)) != 0)
			return false;
		if (!dnsp_rrset_name_equal(cur->alias_dns_name, given->alias_dns_name))
			return false;
		if (cur->alias_evaluate_target_health != given->alias_evaluate_target_health)
			return false;
	} else if (!values_eq(cur, given, origin, ba, bb)) {
		return false;
	}
	if (a->weight != b->weight || !str_eq(a->region, b->region) ||
	    !str_eq(a->geo_continent, b->geo_continent) || !str_eq(a->geo_country, b->geo_country) ||
	    !str_eq(a->geo_subdivision, b->geo_subdivision) || !str_eq(a->failover, b->failover) ||
	    (a->multivalue == 1) != (b->multivalue == 1) ||
	    !str_eq(a->health_check_id, b->health_check_id) ||
	    !str_eq(a->cidr_collection_id, b->cidr_collection_id) ||
	    !str_eq(a->cidr_location_name, b->cidr_location_name) ||
	    a->has_geoproximity != b->has_geoproximity)
		return false;
	if (a->has_geoproximity &&
	    (!str_eq(a->gp_aws_region, b->gp_aws_region) ||
	     !str_eq(a->gp_local_zone_group, b->gp_local_zone_group) ||
	     a->gp_has_coordinates != b->gp_has_coordinates || a->gp_bias != b->gp_bias ||
	     (a->gp_has_coordinates &&
	      (a->gp_latitude != b->gp_latitude || a->gp_longitude != b->gp_longitude))))
		return false;
	return true;
}

/* "[name='www.example.com.', type='A'(, set-identifier='x')]" as Route 53
 * words it, "*" shown as "\052". */
static void set_label(const struct dnsp_cfg_rrset *rs, char *buf, size_t cap)
{
	char name[DNSP_RRJSON_NAME_MAX * 4 + 8], tbuf[16];
	size_t o = 0;
	for (const char *s = rs->name ? rs->name : ""; *s && o + 5 < sizeof(name); s++) {
		if (*s == '*') {
			memcpy(name + o, "\\052", 4);
			o += 4;
		} else {
			name[o++] = *s;
		}
	}
	name[o] = 0;
	if (rs->routing.set_identifier)
		snprintf(buf, cap, "[name='%s', type='%s', set-identifier='%s']", name,
			 dnsp_rrtype_to_text(rs->type, tbuf), rs->routing.set_identifier);
	else
		snprintf(buf, cap, "[name='%s', type='%s']", name,
			 dnsp_rrtype_to_text(rs->type, tbuf));
}

static void free_sets(struct dnsp_cfg_rrset *sets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dnsp_cfg_rrset_fini(&sets[i]);
	free(sets);
}

static void free_changes(struct change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ch[i].owned)
			dnsp_cfg_rrset_fini(&ch[i].rs);
	free(ch);
}

static int respond_error(json_t **body, int status, const char *code, const char *message)
{
	*body = dnsp_aws_error(status >= 500 ? "Receiver" : "Sender", code, message);
	return *body ? status : 500;
}

static int respond_errlist(json_t **body, int status, const char *code,
			   const struct dnsp_errlist *errs, bool bracketed, const char *fallback)
{
	*body = dnsp_aws_error_list(status >= 500 ? "Receiver" : "Sender", code, errs, bracketed,
				    fallback);
	return *body ? status : 500;
}

static const char *const batch_members[] = { "Comment", "Changes", NULL };
static const char *const change_members[] = { "Action", "ResourceRecordSet", NULL };

static bool known(const char *key, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (strcmp(key, names[i]) == 0)
			return true;
	return false;
}

/*
 * Parses the batch outside the lock. Returns the number of changes, or -1
 * with problems in errs (-2 when out of memory).
 */
static int parse_batch(const json_t *batch, const char **comment, struct change **out,
		       struct dnsp_errlist *errs)
{
	const char *key;
	json_t *v;

	*out = NULL;
	*comment = NULL;
	if (!json_is_object(batch)) {
		dnsp_errlist_add_plain(errs, "Invalid type for parameter ChangeBatch, valid types: "
				       "object");
		return -1;
	}
	json_object_foreach((json_t *)batch, key, v) {
		if (!known(key, batch_members))
			dnsp_errlist_add_plain(errs, "Unknown parameter in ChangeBatch: \"%s\", must "
					       "be one of: Comment, Changes", key);
	}
	json_t *c = json_object_get(batch, "Comment");
	if (c && !json_is_string(c))
		dnsp_errlist_add_plain(errs, "Invalid type for parameter ChangeBatch.Comment, valid "
				       "types: string");
	else if (c && json_string_length(c) > 256)
		dnsp_errlist_add_plain(errs, "Invalid length for parameter ChangeBatch.Comment, "
				       "value: %zu, valid max length: 256", json_string_length(c));
	else if (c)
		*comment = json_string_value(c);
	json_t *arr = json_object_get(batch, "Changes");
	if (!arr) {
		dnsp_errlist_add_plain(errs, "Missing required parameter in ChangeBatch: \"Changes\"");
		return -1;
	}
	if (!json_is_array(arr)) {
		dnsp_errlist_add_plain(errs, "Invalid type for parameter ChangeBatch.Changes, valid "
				       "types: array");
		return -1;
	}
	size_t n = json_array_size(arr);
	if (n == 0 || n > DNSP_CHANGES_MAX) {
		dnsp_errlist_add_plain(errs, "Invalid length for parameter ChangeBatch.Changes, "
				       "value: %zu, valid length: 1-%d", n, DNSP_CHANGES_MAX);
		return -1;
	}
	struct change *ch = calloc(n, sizeof(*ch));
	if (!ch)
		return -2;
	bool nomem = false;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		char path[96];
		snprintf(path, sizeof(path), "ChangeBatch.Changes[%zu]", i);
		if (!json_is_object(o)) {
			dnsp_errlist_add_plain(errs, "Invalid type for parameter %s, valid types: "
					       "object", path);
			continue;
		}
		json_object_foreach(o, key, v) {
			if (!known(key, change_members))
				dnsp_errlist_add_plain(errs, "Unknown parameter in %s: \"%s\", must be "
						       "one of: Action, ResourceRecordSet", path, key);
		}
		json_t *a = json_object_get(o, "Action");
		const char *as = json_string_value(a);
		if (!a)
			dnsp_errlist_add_plain(errs, "Missing required parameter in %s: \"Action\"",
					       path);
		else if (as && strcmp(as, "CREATE") == 0)
			ch[i].action = ACT_CREATE;
		else if (as && strcmp(as, "DELETE") == 0)
			ch[i].action = ACT_DELETE;
		else if (as && strcmp(as, "UPSERT") == 0)
			ch[i].action = ACT_UPSERT;
		else
			dnsp_errlist_add_plain(errs, "Invalid value for parameter %s.Action, value: "
					       "%s%s%s, valid values: CREATE, DELETE, UPSERT", path,
					       as ? "\"" : "", as ? as : "(not a string)",
					       as ? "\"" : "");
		json_t *rso = json_object_get(o, "ResourceRecordSet");
		if (!rso) {
			dnsp_errlist_add_plain(errs, "Missing required parameter in %s: "
					       "\"ResourceRecordSet\"", path);
			continue;
		}
		char rpath[128];
		snprintf(rpath, sizeof(rpath), "%s.ResourceRecordSet", path);
		int rc = dnsp_rrjson_to_rrset(rso, rpath, "ChangeBatch", (int)i + 1, &ch[i].rs, errs);
		if (rc == 0)
			ch[i].owned = true;
		else if (rc == -ENOMEM)
			nomem = true;
	}
	if (nomem || errs->n > 0) {
		free_changes(ch, n);
		return nomem ? -2 : -1;
	}
	*out = ch;
	return (int)n;
}

/* Index of the set with rs's identity in sets[0..n), or -1. */
static ssize_t find_set(const struct dnsp_cfg_rrset *sets, size_t n,
			const struct dnsp_cfg_rrset *rs)
{
	for (size_t i = 0; i < n; i++)
		if (same_set(&sets[i], rs))
			return (ssize_t)i;
	return -1;
}

static bool has_apex(const struct dnsp_cfg_rrset *sets, size_t n, const char *apex,
		     uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (sets[i].type == type && dnsp_rrset_name_equal(sets[i].name, apex))
			return true;
	return false;
}

/* Sequence number of change ids; only touched with d->lock held. */
static uint64_t change_seq;

static json_t *change_info(const char *comment)
{
	struct timespec now;
	char id[40], at[32];

	clock_gettime(CLOCK_REALTIME, &now);
	dnsp_iso8601(&now, at);
	/* unique within a process and unlikely to repeat across restarts */
	uint64_t x = ((uint64_t)now.tv_sec << 20) ^ ((uint64_t)now.tv_nsec >> 10) ^
		     (++change_seq * 0x9E3779B97F4A7C15ull);
	snprintf(id, sizeof(id), "/change/C%016" PRIX64, x);
	json_t *ci = json_pack("{s:s,s:s,s:s}", "Id", id, "Status", "INSYNC", "SubmittedAt", at);
	if (ci && comment)
		json_object_set_new(ci, "Comment", json_string(comment));
	json_t *body = ci ? json_pack("{s:o}", "ChangeInfo", ci) : NULL;
	return body;
}

/* Route 53's defaults for the sets it creates with a zone; these must match
 * what ctrl/compile.c generates for a zone without them. */
#define GEN_SOA_TTL 900
#define GEN_NS_TTL 172800

static int generated_set(struct dnsp_cfg_rrset *rs, const struct dnsp_cfg_zone *z,
			 uint16_t type, uint32_t ttl, const char *value)
{
	memset(rs, 0, sizeof(*rs));
	rs->loc = z->loc;
	rs->type = type;
	rs->has_ttl = true;
	rs->ttl = ttl;
	rs->routing.weight = -1;
	rs->routing.multivalue = -1;
	rs->name = strdup(z->name);
	rs->values = calloc(1, sizeof(*rs->values));
	if (rs->values && (rs->values[0] = strdup(value)))
		rs->nvalues = 1;
	if (!rs->name || rs->nvalues != 1) {
		dnsp_cfg_rrset_fini(rs);
		return -ENOMEM;
	}
	return 0;
}

int dnsp_zone_generated_sets(const struct dnsp_cfg_zone *z, struct dnsp_cfg_rrset out[2])
{
	char text[2 * DNSP_RRJSON_NAME_MAX + 64];
	const char *apex = (z->name && strcmp(z->name, ".") != 0) ? z->name : "";
	int n = 0;

	if (!z->name)
		return 0;
	if (!has_apex(z->rrsets, z->nrrsets, z->name, 6)) {
		snprintf(text, sizeof(text), "ns1.%s hostmaster.%s 1 7200 900 1209600 86400", apex,
			 apex);
		if (generated_set(&out[n], z, 6, GEN_SOA_TTL, text) < 0)
			return -ENOMEM;
		n++;
	}
	if (!has_apex(z->rrsets, z->nrrsets, z->name, 2)) {
		snprintf(text, sizeof(text), "ns1.%s", apex);
		if (generated_set(&out[n], z, 2, GEN_NS_TTL, text) < 0) {
			while (n > 0)
				dnsp_cfg_rrset_fini(&out[--n]);
			return -ENOMEM;
		}
		n++;
	}
	return n;
}

/*
 * Applies the parsed changes to a copy of z's sets. Returns 0 with the new
 * array in *out / *nout, or -1 with the conflicts in errs (-2: no memory).
 */
static int apply_changes(const struct dnsp_cfg_zone *z, struct change *ch, size_t nch,
			 struct dnsp_cfg_rrset **out, size_t *nout, struct dnsp_errlist *errs)
{
	size_t cap = z->nrrsets + nch + 2, n = 0;
	struct dnsp_cfg_rrset *sets = calloc(cap ? cap : 1, sizeof(*sets));
	uint8_t *ba = malloc(DNSP_RDATA_MAX), *bb = malloc(DNSP_RDATA_MAX);
	uint8_t origin[DNSP_NAME_MAX];
	int rc = 0;
	char label[DNSP_RRJSON_NAME_MAX * 4 + 200];

	if (!sets || !ba || !bb) {
		rc = -2;
		goto out;
	}
	bool have_origin = dnsp_rrset_name_wire(z->name, origin) > 0;
	for (; n < z->nrrsets; n++) {
		if (dnsp_cfg_rrset_copy(&sets[n], &z->rrsets[n]) < 0) {
			rc = -2;
			goto out;
		}
	}
	/* The SOA and NS sets the zone is served with become real sets of the
	 * model, as in Route 53, so CREATE/DELETE/UPSERT see them. */
	int ngen = dnsp_zone_generated_sets(z, &sets[n]);
	if (ngen < 0) {
		rc = -2;
		goto out;
	}
	n += (size_t)ngen;
	for (size_t i = 0; i < nch; i++) {
		struct dnsp_cfg_rrset *rs = &ch[i].rs;
		ssize_t j = find_set(sets, n, rs);
		set_label(rs, label, sizeof(label));
		switch (ch[i].action) {
		case ACT_CREATE:
			if (j >= 0) {
				dnsp_errlist_add_plain(errs, "Tried to create resource record set %s "
						       "but it already exists", label);
				continue;
			}
			sets[n++] = *rs;
			ch[i].owned = false;
			break;
		case ACT_DELETE:
			if (j < 0) {
				dnsp_errlist_add_plain(errs, "Tried to delete resource record set %s "
						       "but it was not found", label);
				continue;
			}
			if (!set_matches(&sets[j], rs, have_origin ? origin : NULL, ba, bb)) {
				dnsp_errlist_add_plain(errs, "Tried to delete resource record set %s "
						       "but the values provided do not match the "
						       "current values", label);
				continue;
			}
			dnsp_cfg_rrset_fini(&sets[j]);
			memmove(&sets[j], &sets[j + 1], (n - (size_t)j - 1) * sizeof(*sets));
			n--;
			break;
		case ACT_UPSERT:
			if (j >= 0) {
				dnsp_cfg_rrset_fini(&sets[j]);
				sets[j] = *rs;
			} else {
				sets[n++] = *rs;
			}
			ch[i].owned = false;
			break;
		}
	}
	/* Route 53 keeps the apex SOA and NS sets whatever the batch does. */
	if (!has_apex(sets, n, z->name, 6))
		dnsp_errlist_add_plain(errs, "A HostedZone must contain exactly one SOA record.");
	if (!has_apex(sets, n, z->name, 2))
		dnsp_errlist_add_plain(errs, "A HostedZone must contain at least one NS record for "
				       "the zone itself.");
	if (errs->n > 0)
		rc = -1;
out:
	free(ba);
	free(bb);
	if (rc < 0) {
		free_sets(sets, n);
		return rc;
	}
	*out = sets;
	*nout = n;
	return 0;
}

int dnsp_changes_apply(struct dnsp_daemon *d, const char *zone_id, const json_t *request,
		       json_t **body)
{
	struct dnsp_errlist errs;
	struct change *ch = NULL;
	const char *comment = NULL;
	int status;

	*body = NULL;
	dnsp_errlist_init(&errs);
	const json_t *batch = request;
	if (json_is_object(request) && json_object_get(request, "ChangeBatch")) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)request, key, v) {
			if (strcmp(key, "ChangeBatch") != 0 && strcmp(key, "HostedZoneId") != 0)
				dnsp_errlist_add_plain(&errs, "Unknown parameter in input: \"%s\", "
						       "must be one of: HostedZoneId, ChangeBatch",
						       key);
		}
		batch = json_object_get(request, "ChangeBatch");
	}
	int nch = parse_batch(batch, &comment, &ch, &errs);
	if (nch == -2) {
		status = respond_error(body, 500, "InternalFailure", "out of memory");
		goto done;
	}
	if (nch < 0 || errs.n > 0) {
		status = respond_errlist(body, 400, "InvalidInput", &errs, false, "invalid input");
		goto done;
	}

	pthread_mutex_lock(&d->lock);
	const char *id = dnsp_zone_id_strip(zone_id);
	struct dnsp_cfg_zone *z = d->cfg ? dnsp_config_zone_by_id(d->cfg, id) : NULL;
	if (!z) {
		pthread_mutex_unlock(&d->lock);
		char msg[256];
		snprintf(msg, sizeof(msg), "No hosted zone found with ID: %.200s", id);
		status = respond_error(body, 404, "NoSuchHostedZone", msg);
		goto done;
	}
	struct dnsp_cfg_rrset *sets = NULL, *old = z->rrsets;
	size_t nsets = 0, nold = z->nrrsets;
	int rc = apply_changes(z, ch, (size_t)nch, &sets, &nsets, &errs);
	if (rc < 0) {
		pthread_mutex_unlock(&d->lock);
		status = rc == -2 ? respond_error(body, 500, "InternalFailure", "out of memory")
				  : respond_errlist(body, 400, "InvalidChangeBatch", &errs, true,
						    "invalid change batch");
		goto done;
	}
	/* check and publish the zone in place; undo on any failure */
	z->rrsets = sets;
	z->nrrsets = nsets;
	if (dnsp_config_check_zone(d->cfg, z, &errs) > 0 || errs.n > 0) {
		z->rrsets = old;
		z->nrrsets = nold;
		pthread_mutex_unlock(&d->lock);
		free_sets(sets, nsets);
		status = respond_errlist(body, 400, "InvalidChangeBatch", &errs, true,
					 "invalid change batch");
		goto done;
	}
	rc = dnsp_daemon_publish_locked(d, &errs);
	if (rc < 0) {
		z->rrsets = old;
		z->nrrsets = nold;
		pthread_mutex_unlock(&d->lock);
		free_sets(sets, nsets);
		if (errs.n > 0) {
			status = respond_errlist(body, 400, "InvalidChangeBatch", &errs, true,
						 "invalid change batch");
		} else {
			char msg[160];
			snprintf(msg, sizeof(msg), "could not publish the changed zone: %s",
				 dnsp_strerror(rc));
			status = respond_error(body, 500, "InternalFailure", msg);
		}
		goto done;
	}
	*body = change_info(comment);
	pthread_mutex_unlock(&d->lock);
	free_sets(old, nold);
	status = *body ? 200 : 500;
done:
	free_changes(ch, nch > 0 ? (size_t)nch : 0);
	dnsp_errlist_fini(&errs);
	return status;
}
