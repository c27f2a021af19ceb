/*
 * The HTTP control API: libmicrohttpd with its own polling thread, one
 * handler that buffers the request body (bounded, 413 beyond
 * DNSP_API_BODY_MAX) and then dispatches on method and path. Hosted-zone
 * routes use the Route 53 REST paths and answer with the Route 53 JSON
 * shapes (so dnsplanectl can print exactly what `aws route53` prints), and
 * every error is an AWS error object. Handlers read the configuration only
 * under d->lock; reload and change batches take the lock themselves.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <jansson.h>
#include "api.h"
#include "changes.h"
#include "firewall_api.h"
#include "health_api.h"
#include "testdnsanswer.h"
#include "rrjson.h"
#include "../lib/wire/name.h"
#include "../lib/wire/rdata.h"

#define DNSP_API_BODY_MAX (8u << 20) /* request bodies above this get 413 */
#define RRSET_MAX_ITEMS 300          /* Route 53's page size for rrsets */

struct dnsp_api {
	struct MHD_Daemon *mhd;
	struct dnsp_daemon *d;
};

struct request {
	char *body;
	size_t len, cap;
	bool too_large;
};

/* ---- responses ---- */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, char *text,
				 size_t len, const char *ctype, const char *allow)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Sends body (reference stolen) as JSON. */
static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *body,
				 const char *allow)
{
	char *text = body ? json_dumps(body, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(body);
	if (!text) {
		static const char oom[] = "{\"Error\":{\"Type\":\"Receiver\",\"Code\":\"InternalFailure\","
					  "\"Message\":\"out of memory\"}}\n";
		return send_text(c, 500, strdup(oom), sizeof(oom) - 1, "application/json", NULL);
	}
	size_t len = strlen(text);
	char *t = realloc(text, len + 2);
	if (t) {
		t[len++] = '\n';
		t[len] = 0;
		text = t;
	}
	return send_text(c, status, text, len, "application/json", allow);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code,
				  const char *allow, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code,
				  const char *allow, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return send_json(c, status, dnsp_aws_error(status >= 500 ? "Receiver" : "Sender", code, msg),
			 allow);
}

static enum MHD_Result method_not_allowed(struct MHD_Connection *c, const char *method,
					  const char *url, const char *allow)
{
	return send_error(c, 405, "MethodNotAllowed", allow,
			  "%s is not allowed on %s (allowed: %s)", method, url, allow);
}

/* ---- hosted zones ---- */

/* Number of sets ListResourceRecordSets shows for z: its own plus the
 * generated apex SOA/NS. */
static size_t zone_set_count(const struct dnsp_cfg_zone *z)
{
	struct dnsp_cfg_rrset gen[2];
	int ngen = dnsp_zone_generated_sets(z, gen);
	for (int i = 0; i < ngen; i++)
		dnsp_cfg_rrset_fini(&gen[i]);
	return z->nrrsets + (size_t)(ngen > 0 ? ngen : 0);
}

static json_t *zone_json(const struct dnsp_cfg_zone *z)
{
	char id[300];
	snprintf(id, sizeof(id), "/hostedzone/%s", z->id ? z->id : "");
	json_t *cfg = json_pack("{s:b}", "PrivateZone", z->private_zone);
	if (cfg && z->comment)
		json_object_set_new(cfg, "Comment", json_string(z->comment));
	return json_pack("{s:s,s:s,s:s,s:o,s:I}", "Id", id, "Name", z->name ? z->name : "",
			 "CallerReference", "dnsplane", "Config", cfg, "ResourceRecordSetCount",
			 (json_int_t)zone_set_count(z));
}

static enum MHD_Result list_hosted_zones(struct dnsp_api *api, struct MHD_Connection *c)
{
	struct dnsp_daemon *d = api->d;
	json_t *zones = json_array();
	bool nomem = !zones;

	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; !nomem && d->cfg && i < d->cfg->nzones; i++) {
		json_t *z = zone_json(&d->cfg->zones[i]);
		nomem = !z || json_array_append_new(zones, z) != 0;
	}
	pthread_mutex_unlock(&d->lock);
	if (nomem) {
		json_decref(zones);
		return send_json(c, 500, NULL, NULL);
	}
	return send_json(c, 200,
			 json_pack("{s:o,s:b,s:s}", "HostedZones", zones, "IsTruncated", 0,
				   "MaxItems", "100"),
			 NULL);
}

static enum MHD_Result get_hosted_zone(struct dnsp_api *api, struct MHD_Connection *c,
				       const char *id)
{
	struct dnsp_daemon *d = api->d;
	json_t *body = NULL;

	pthread_mutex_lock(&d->lock);
	struct dnsp_cfg_zone *z = d->cfg ? dnsp_config_zone_by_id(d->cfg, id) : NULL;
	if (z) {
		body = json_pack("{s:o}", "HostedZone", zone_json(z));
		if (body && z->private_zone) {
			json_t *vpcs = json_array();
			for (size_t i = 0; vpcs && i < z->nvpcs; i++) {
				json_t *v = json_pack("{s:s?,s:s}", "VPCRegion",
						      z->vpc_regions ? z->vpc_regions[i] : NULL,
						      "VPCId", z->vpc_ids[i]);
				json_array_append_new(vpcs, v);
			}
			json_object_set_new(body, "VPCs", vpcs);
		} else if (body) {
			json_t *ns = json_array();
			struct dnsp_cfg_rrset gen[2];
			int ngen = dnsp_zone_generated_sets(z, gen);
			for (size_t i = 0; ns && i < z->nrrsets + (size_t)(ngen > 0 ? ngen : 0); i++) {
				const struct dnsp_cfg_rrset *rs =
					i < z->nrrsets ? &z->rrsets[i] : &gen[i - z->nrrsets];
				if (rs->type != 2 || !dnsp_rrset_name_equal(rs->name, z->name))
					continue;
				for (size_t k = 0; k < rs->nvalues; k++)
					json_array_append_new(ns, json_string(rs->values[k]));
			}
			for (int i = 0; i < ngen; i++)
				dnsp_cfg_rrset_fini(&gen[i]);
			json_object_set_new(body, "DelegationSet",
					    json_pack("{s:o}", "NameServers", ns));
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (!z)
		return send_error(c, 404, "NoSuchHostedZone", NULL,
				  "No hosted zone found with ID: %s", id);
	return send_json(c, body ? 200 : 500, body, NULL);
}

/* One record set in list order: canonical name order (RFC 4034 §6.1),
 * then type mnemonic, then SetIdentifier (Route 53 sorts by name, then by
 * type). */
struct entry {
	uint8_t wire[DNSP_NAME_MAX];
	char type[16];
	const char *set_id;
	const struct dnsp_cfg_rrset *rs;
};

static int entry_key_cmp(const uint8_t *wa, const char *ta, const char *sa,
			 const uint8_t *wb, const char *tb, const char *sb)
{
	int r = dnsp_name_cmp(wa, wb);
	if (r)
		return r;
	if (ta && tb) {
		r = strcmp(ta, tb);
		if (r)
			return r;
	}
	if (!sa || !sb)
		return (sa != NULL) - (sb != NULL);
	return strcmp(sa, sb);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return entry_key_cmp(x->wire, x->type, x->set_id, y->wire, y->type, y->set_id);
}

static enum MHD_Result list_rrsets(struct dnsp_api *api, struct MHD_Connection *c,
				   const char *id)
{
	struct dnsp_daemon *d = api->d;
	const char *qname = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
	const char *qtype = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "type");
	const char *qident = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "identifier");
	const char *qmax = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "maxitems");
	uint8_t start[DNSP_NAME_MAX];
	char start_type[16] = "";
	long max = RRSET_MAX_ITEMS;

	if (qtype && !qname)
		return send_error(c, 400, "InvalidInput", NULL,
				  "The type parameter needs the name parameter");
	if (qident && !qtype)
		return send_error(c, 400, "InvalidInput", NULL,
				  "The identifier parameter needs the name and type parameters");
	if (qname && dnsp_rrset_name_wire(qname, start) < 0)
		return send_error(c, 400, "InvalidInput", NULL,
				  "Invalid value for parameter name, value: \"%s\": not a valid "
				  "domain name", qname);
	if (qtype) {
		int t = dnsp_rrtype_from_text(qtype, strlen(qtype));
		if (t <= 0)
			return send_error(c, 400, "InvalidInput", NULL,
					  "Invalid value for parameter type, value: \"%s\"", qtype);
		dnsp_rrtype_to_text((uint16_t)t, start_type);
	}
	if (qmax) {
		char *end;
		max = strtol(qmax, &end, 10);
		if (*qmax == 0 || *end != 0 || max < 1)
			return send_error(c, 400, "InvalidInput", NULL,
					  "Invalid value for parameter maxitems, value: \"%s\": "
					  "expected a positive integer", qmax);
		if (max > RRSET_MAX_ITEMS)
			max = RRSET_MAX_ITEMS;
	}

	json_t *list = json_array(), *body = NULL;
	struct entry *ent = NULL;
	bool found = false, nomem = !list;

	pthread_mutex_lock(&d->lock);
	struct dnsp_cfg_zone *z = d->cfg ? dnsp_config_zone_by_id(d->cfg, id) : NULL;
	struct dnsp_cfg_rrset gen[2];
	int ngen = 0;
	if (z && !nomem) {
		found = true;
		ngen = dnsp_zone_generated_sets(z, gen);
		nomem = ngen < 0;
		size_t total = z->nrrsets + (size_t)(ngen > 0 ? ngen : 0);
		ent = nomem ? NULL : calloc(total ? total : 1, sizeof(*ent));
		nomem = !ent;
		size_t n = 0;
		for (size_t i = 0; !nomem && i < total; i++) {
			const struct dnsp_cfg_rrset *rs =
				i < z->nrrsets ? &z->rrsets[i] : &gen[i - z->nrrsets];
			if (!rs->name || dnsp_rrset_name_wire(rs->name, ent[n].wire) < 0)
				ent[n].wire[0] = 0; /* cannot happen for a checked zone */
			dnsp_rrtype_to_text(rs->type, ent[n].type);
			ent[n].set_id = rs->routing.set_identifier;
			ent[n].rs = rs;
			n++;
		}
		if (!nomem)
			qsort(ent, n, sizeof(*ent), entry_cmp);
		size_t i = 0;
		if (qname) {
			while (i < n && entry_key_cmp(ent[i].wire, qtype ? ent[i].type : NULL,
						      qident ? ent[i].set_id : NULL, start,
						      qtype ? start_type : NULL, qident) < 0)
				i++;
		}
		long emitted = 0;
		for (; !nomem && i < n && emitted < max; i++, emitted++) {
			json_t *o = dnsp_rrjson_from_rrset(ent[i].rs);
			nomem = !o || json_array_append_new(list, o) != 0;
		}
		char maxs[24];
		snprintf(maxs, sizeof(maxs), "%ld", max);
		if (!nomem)
			body = json_pack("{s:O,s:b,s:s}", "ResourceRecordSets", list, "IsTruncated",
					 i < n, "MaxItems", maxs);
		if (body && i < n) {
			json_t *nn = dnsp_rrjson_from_rrset(ent[i].rs);
			if (nn) {
				json_object_set(body, "NextRecordName", json_object_get(nn, "Name"));
				json_object_set(body, "NextRecordType", json_object_get(nn, "Type"));
				if (ent[i].set_id)
					json_object_set_new(body, "NextRecordIdentifier",
							    json_string(ent[i].set_id));
				json_decref(nn);
			}
		}
	}
	pthread_mutex_unlock(&d->lock);
	for (int i = 0; i < ngen; i++)
		dnsp_cfg_rrset_fini(&gen[i]);
	free(ent);
	json_decref(list);
	if (!found && !nomem)
		return send_error(c, 404, "NoSuchHostedZone", NULL,
				  "No hosted zone found with ID: %s", id);
	return send_json(c, body ? 200 : 500, body, NULL);
}

/* Parses the request body as JSON or answers 400 itself (returns NULL). */
static json_t *body_json(struct MHD_Connection *c, struct request *rq, enum MHD_Result *ret)
{
	json_error_t err;

	if (rq->len == 0) {
		*ret = send_error(c, 400, "MalformedInput", NULL,
				  "The request body is empty; expected a JSON object");
		return NULL;
	}
	json_t *j = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		*ret = send_error(c, 400, "MalformedInput", NULL,
				  "The request body is not valid JSON: line %d, column %d: %s",
				  err.line, err.column, err.text);
		return NULL;
	}
	return j;
}

static enum MHD_Result change_rrsets(struct dnsp_api *api, struct MHD_Connection *c,
				     const char *id, struct request *rq)
{
	enum MHD_Result ret = MHD_NO;
	json_t *req = body_json(c, rq, &ret);
	if (!req)
		return ret;
	json_t *body = NULL;
	int status = dnsp_changes_apply(api->d, id, req, &body);
	json_decref(req);
	return send_json(c, (unsigned)status, body, NULL);
}

/* ---- dnsplane's own routes ---- */

static enum MHD_Result reload(struct dnsp_api *api, struct MHD_Connection *c)
{
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	int rc = dnsp_daemon_reload(api->d, &errs); /* takes the lock itself */
	json_t *body;
	if (rc == 0) {
		pthread_mutex_lock(&api->d->lock);
		uint64_t gen = api->d->generation;
		pthread_mutex_unlock(&api->d->lock);
		body = json_pack("{s:b,s:I}", "Reloaded", 1, "Generation", (json_int_t)gen);
	} else {
		json_t *list = json_array();
		for (size_t i = 0; list && i < errs.n; i++)
			json_array_append_new(list, json_string(errs.msgs[i]));
		if (list && errs.n == 0)
			json_array_append_new(list, json_string(dnsp_strerror(rc)));
		body = json_pack("{s:b,s:o}", "Reloaded", 0, "Errors", list);
	}
	dnsp_errlist_fini(&errs);
	return send_json(c, rc == 0 ? 200 : 400, body, NULL);
}

static enum MHD_Result stats(struct dnsp_api *api, struct MHD_Connection *c)
{
	struct dnsp_daemon *d = api->d;
	uint64_t rcodes[DNSP_STATS_RCODES] = { 0 }, totals[3] = { 0 };
	uint32_t nw = d->stats ? d->nworkers : 0;
	json_t *workers = json_array(), *resp = json_object();

	for (uint32_t w = 0; workers && w < nw; w++) {
		const struct dnsp_stats *s = &d->stats[w];
		json_array_append_new(
			workers,
			json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "Worker", (json_int_t)w,
				  "RxPackets", (json_int_t)s->rx_packets, "TxPackets",
				  (json_int_t)s->tx_packets, "RxDropped", (json_int_t)s->rx_dropped,
				  "TxErrors", (json_int_t)s->tx_errors, "Punted", (json_int_t)s->punted,
				  "TcpAccepted", (json_int_t)s->tcp_accepted, "TcpRefused",
				  (json_int_t)s->tcp_refused, "TcpIdleClosed",
				  (json_int_t)s->tcp_closed_idle, "Truncated",
				  (json_int_t)s->truncated));
		for (int r = 0; r < DNSP_STATS_RCODES; r++)
			rcodes[r] += s->rcodes[r];
		totals[0] += s->rx_packets;
		totals[1] += s->tx_packets;
		for (int l = 0; l < DNSP_STATS_LISTENERS; l++)
			for (int q = 0; q < DNSP_STATS_QTYPES; q++)
				totals[2] += s->queries[l][q];
	}
	static const char *const rn[DNSP_STATS_RCODES] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
		"RCODE12", "RCODE13", "RCODE14", "RCODE15", "BADVERS",
	};
	for (int r = 0; resp && r < DNSP_STATS_RCODES; r++)
		json_object_set_new(resp, rn[r], json_integer((json_int_t)rcodes[r]));

	pthread_mutex_lock(&d->lock);
	json_t *body = json_pack(
		"{s:I,s:f,s:I,s:{s:I,s:I},s:I,s:{s:I,s:I,s:I},s:o,s:o}", "Generation",
		(json_int_t)d->generation, "CompileSeconds", (double)d->last_compile_ns / 1e9,
		"UptimeSeconds", (json_int_t)(d->started ? time(NULL) - d->started : 0), "Reloads",
		"Ok", (json_int_t)d->reloads_ok, "Failed", (json_int_t)d->reloads_failed, "Records",
		(json_int_t)d->nrecords, "Totals", "RxPackets", (json_int_t)totals[0], "TxPackets",
		(json_int_t)totals[1], "Queries", (json_int_t)totals[2], "Responses", resp,
		"Workers", workers);
	pthread_mutex_unlock(&d->lock);
	return send_json(c, body ? 200 : 500, body, NULL);
}

static enum MHD_Result metrics(struct dnsp_api *api, struct MHD_Connection *c)
{
	char *text = dnsp_metrics_render(api->d);
	if (!text)
		return send_json(c, 500, NULL, NULL);
	return send_text(c, 200, text, strlen(text), "text/plain; version=0.0.4; charset=utf-8",
			 NULL);
}

/* ---- TestDNSAnswer (ctrl/testdnsanswer.c) ---- */

static enum MHD_Result test_dns_answer(struct dnsp_api *api, struct MHD_Connection *c)
{
	char peer[INET6_ADDRSTRLEN] = "127.0.0.1";
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
			  peer, sizeof(peer));
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr,
			  peer, sizeof(peer));
#define ARG(k) MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k)
	struct dnsp_test_dns_query tq = {
		.zone_id = ARG("hostedzoneid"), .record_name = ARG("recordname"),
		.record_type = ARG("recordtype"), .resolver_ip = ARG("resolverip"),
		.ecs_ip = ARG("edns0clientsubnetip"), .ecs_mask = ARG("edns0clientsubnetmask"),
		.default_resolver = peer, /* without resolverip: the caller's own address */
	};
#undef ARG
	json_t *body = NULL;
	int status = dnsp_test_dns_answer(api->d, &tq, &body);
	return send_json(c, (unsigned)status, body, NULL);
}

/* ---- dispatch ---- */

static bool is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static enum MHD_Result not_yet(struct MHD_Connection *c, const char *op)
{
	return send_error(c, 501, "NotImplemented", NULL,
			  "%s is not supported by this server yet", op);
}

static enum MHD_Result dispatch(struct dnsp_api *api, struct MHD_Connection *c, const char *url,
				const char *method, struct request *rq)
{
	char path[1024];
	size_t len = strlen(url);

	if (len >= sizeof(path))
		return send_error(c, 404, "NotFound", NULL, "No route for %s (path too long)", method);
	memcpy(path, url, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = 0;
	bool get = is(method, "GET") || is(method, "HEAD"), post = is(method, "POST");

	if (is(path, "/metrics"))
		return get ? metrics(api, c) : method_not_allowed(c, method, path, "GET");
	if (is(path, "/v1/stats"))
		return get ? stats(api, c) : method_not_allowed(c, method, path, "GET");
	if (is(path, "/v1/reload"))
		return post ? reload(api, c) : method_not_allowed(c, method, path, "POST");
	if (is(path, "/2013-04-01/hostedzone")) {
		if (get)
			return list_hosted_zones(api, c);
		if (post)
			return send_error(c, 501, "NotImplemented", NULL,
					  "CreateHostedZone is not supported: hosted zones come from "
					  "the configuration file");
		return method_not_allowed(c, method, path, "GET");
	}
	if (is(path, "/2013-04-01/testdnsanswer"))
		return get ? test_dns_answer(api, c) : method_not_allowed(c, method, path, "GET");
	if (strncmp(path, "/2013-04-01/healthcheck", 23) == 0 ||
	    strncmp(path, "/v1/healthcheck/", 16) == 0) {
		json_t *hbody = NULL;
		const char *hallow = NULL;
		int st = dnsp_health_api(api->d, method, path, rq->body, rq->len, &hbody, &hallow);
		if (st > 0)
			return send_json(c, (unsigned)st, hbody, hallow);
	}
	if (strncmp(path, "/v1/firewall/", 13) == 0) {
		/* DNS Firewall domain lists (ctrl/firewall_api.h) */
		json_t *fbody = NULL;
		const char *fallow = NULL;
		int st = dnsp_firewall_api(
			api->d, method, path, rq->body, rq->len,
			MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "maxresults"),
			MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "nexttoken"), &fbody,
			&fallow);
		if (st > 0)
			return send_json(c, (unsigned)st, fbody, fallow);
	}
	if (strncmp(path, "/2013-04-01/hostedzone/", 23) == 0) {
		/* Id may come as "Z1", "/hostedzone/Z1" or "hostedzone/Z1" */
		char *rest = path + 23;
		while (*rest == '/')
			rest++;
		rest = (char *)dnsp_zone_id_strip(rest);
		char *slash = strchr(rest, '/');
		const char *sub = "";
		if (slash) {
			*slash = 0;
			sub = slash + 1;
		}
		if (*rest == 0)
			goto not_found;
		if (is(sub, ""))
			return get ? get_hosted_zone(api, c, rest)
				   : method_not_allowed(c, method, url, "GET");
		if (is(sub, "rrset")) {
			if (get)
				return list_rrsets(api, c, rest);
			if (post)
				return change_rrsets(api, c, rest, rq);
			return method_not_allowed(c, method, url, "GET, POST");
		}
		if (is(sub, "dnssec"))
			return get ? not_yet(c, "GetDNSSEC") : method_not_allowed(c, method, url, "GET");
	}
not_found:
	return send_error(c, 404, "NotFound", NULL, "No route for %s %s", method, url);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct dnsp_api *api = cls;
	struct request *rq = *con_cls;
	(void)version;

	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > DNSP_API_BODY_MAX) {
			/* answered before the body is read: no 100 Continue is sent */
			rq->too_large = true;
			return send_error(c, 413, "RequestTooLarge", NULL,
					  "The request body is larger than %u bytes",
					  DNSP_API_BODY_MAX);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (rq->too_large)
			return MHD_YES;
		if (rq->len + n > DNSP_API_BODY_MAX) {
			rq->too_large = true;
			free(rq->body);
			rq->body = NULL;
			rq->len = rq->cap = 0;
			return MHD_YES;
		}
		if (rq->len + n > rq->cap) {
			size_t cap = rq->cap ? rq->cap : 4096;
			while (cap < rq->len + n)
				cap *= 2;
			char *b = realloc(rq->body, cap);
			if (!b)
				return MHD_NO;
			rq->body = b;
			rq->cap = cap;
		}
		memcpy(rq->body + rq->len, upload_data, n);
		rq->len += n;
		return MHD_YES;
	}
	if (rq->too_large)
		return send_error(c, 413, "RequestTooLarge", NULL,
				  "The request body is larger than %u bytes", DNSP_API_BODY_MAX);
	return dispatch(api, c, url, method, rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct request *rq = *con_cls;
	if (rq) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* ---- start/stop ---- */

/* "host:port", "[v6]:port" → socket address. Returns 0 or -EINVAL. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss)
{
	char host[256];
	const char *port;

	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');
		if (!end || end[1] != ':' || (size_t)(end - listen - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen + 1, (size_t)(end - listen - 1));
		host[end - listen - 1] = 0;
		port = end + 2;
	} else {
		const char *colon = strrchr(listen, ':');
		if (!colon || colon == listen || strchr(listen, ':') != colon ||
		    (size_t)(colon - listen) >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = 0;
		port = colon + 1;
	}
	char *end;
	long p = strtol(port, &end, 10);
	if (*port == 0 || *end != 0 || p < 0 || p > 65535)
		return -EINVAL;

	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		return 0;
	}
	/* a host name such as "localhost": resolved once, first address */
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	if (ss->ss_family == AF_INET)
		s4->sin_port = htons((uint16_t)p);
	else
		s6->sin6_port = htons((uint16_t)p);
	freeaddrinfo(res);
	return 0;
}

int dnsp_api_start(struct dnsp_daemon *d, const char *listen, dnsp_api_t **out)
{
	struct sockaddr_storage ss;

	*out = NULL;
	if (!listen || parse_listen(listen, &ss) < 0) {
		fprintf(stderr, "dnsplane: control API: bad listen address \"%s\" (expected "
			"host:port or [IPv6]:port)\n", listen ? listen : "");
		return -EINVAL;
	}
	struct dnsp_api *api = calloc(1, sizeof(*api));
	if (!api)
		return -ENOMEM;
	api->d = d;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	uint16_t port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							: ((struct sockaddr_in *)&ss)->sin_port);
	errno = 0;
	api->mhd = MHD_start_daemon(flags, port, NULL, NULL, handle, api, MHD_OPTION_SOCK_ADDR,
				    (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, completed,
				    api, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_END);
	if (!api->mhd) {
		int err = errno ? errno : EIO;
		fprintf(stderr, "dnsplane: control API: cannot listen on %s: %s\n", listen,
			strerror(err));
		free(api);
		return -err;
	}
	*out = api;
	return 0;
}

void dnsp_api_stop(dnsp_api_t *api)
{
	if (!api)
		return;
	MHD_stop_daemon(api->mhd);
	free(api);
}

int dnsp_api_port(const dnsp_api_t *api)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_BIND_PORT);
	return i ? i->port : -1;
}
