/*
 * Health-check routes of the control API (ctrl/health_api.h). Definitions
 * come from the configuration model (HealthCheckConfig echoed with Route
 * 53's defaults filled in, as GetHealthCheck prints them); live status
 * comes from the checker. Errors are AWS error objects with Route 53's
 * codes (NoSuchHealthCheck, InvalidInput).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "config_health.h"
#include "health.h"
#include "health_api.h"
#include "rrjson.h"

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

static int no_such(json_t **out, const char *id)
{
	return error(out, 404, "NoSuchHealthCheck", "No health check exists with the ID %s", id);
}

static void set(json_t *o, const char *k, json_t *v)
{
	if (v)
		json_object_set_new(o, k, v);
}

/* HealthCheckConfig as Route 53 prints it (defaults filled in). */
static json_t *config_json(const struct dnsp_cfg_health_check *h)
{
	static const char *const ins[] = { "LastKnownStatus", "Healthy", "Unhealthy" };
	json_t *o = json_object();
	if (!o)
		return NULL;
	if (h->has_ip) {
		char ip[INET6_ADDRSTRLEN];
		inet_ntop(h->ip.family == 6 ? AF_INET6 : AF_INET, h->ip.addr, ip, sizeof(ip));
		set(o, "IPAddress", json_string(ip));
	}
	if (dnsp_hc_type_probes(h->type))
		set(o, "Port", json_integer(dnsp_hc_port(h)));
	set(o, "Type", json_string(dnsp_hc_type_name(h->type)));
	if (h->resource_path)
		set(o, "ResourcePath", json_string(h->resource_path));
	if (h->fqdn)
		set(o, "FullyQualifiedDomainName", json_string(h->fqdn));
	if (h->search_string)
		set(o, "SearchString", json_string(h->search_string));
	if (dnsp_hc_type_probes(h->type)) {
		set(o, "RequestInterval", json_integer(h->request_interval));
		set(o, "FailureThreshold", json_integer(h->failure_threshold));
		set(o, "MeasureLatency", json_boolean(h->measure_latency));
	}
	set(o, "Inverted", json_boolean(h->inverted));
	set(o, "Disabled", json_boolean(h->disabled));
	if (h->type == DNSP_HC_CALCULATED) {
		set(o, "HealthThreshold", json_integer(h->health_threshold));
		json_t *ch = json_array();
		for (size_t i = 0; ch && i < h->nchildren; i++)
			json_array_append_new(ch, json_string(h->children[i]));
		set(o, "ChildHealthChecks", ch);
	}
	if (dnsp_hc_type_probes(h->type))
		set(o, "EnableSNI", json_boolean(h->enable_sni));
	if (h->nregions) {
		json_t *r = json_array();
		for (size_t i = 0; r && i < h->nregions; i++)
			json_array_append_new(r, json_string(h->regions[i]));
		set(o, "Regions", r);
	}
	if (h->type == DNSP_HC_CLOUDWATCH_METRIC) {
		if (h->alarm_name)
			set(o, "AlarmIdentifier", json_pack("{s:s,s:s}", "Region",
							    h->alarm_region ? h->alarm_region : "",
							    "Name", h->alarm_name));
		set(o, "InsufficientDataHealthStatus", json_string(ins[h->insufficient]));
	}
	return o;
}

static json_t *check_json(const struct dnsp_cfg_health_check *h)
{
	json_t *o = json_pack("{s:s,s:s,s:o,s:i}", "Id", h->id, "CallerReference",
			      h->caller_reference ? h->caller_reference : h->id,
			      "HealthCheckConfig", config_json(h), "HealthCheckVersion", 1);
	if (o && h->interval_ms)
		set(o, "IntervalMs", json_integer(h->interval_ms));
	if (o && h->timeout_ms)
		set(o, "TimeoutMs", json_integer(h->timeout_ms));
	return o;
}

static int list(struct dnsp_daemon *d, json_t **out)
{
	json_t *arr = json_array();
	bool nomem = !arr;
	pthread_mutex_lock(&d->lock);
	const struct dnsp_cfg_health *m = d->cfg ? d->cfg->health : NULL;
	for (size_t i = 0; !nomem && m && i < m->n; i++) {
		json_t *o = m->checks[i].id ? check_json(&m->checks[i]) : NULL;
		nomem = !o || json_array_append_new(arr, o) != 0;
	}
	pthread_mutex_unlock(&d->lock);
	if (nomem) {
		json_decref(arr);
		*out = NULL;
		return 500;
	}
	*out = json_pack("{s:o,s:s,s:b,s:s}", "HealthChecks", arr, "Marker", "", "IsTruncated", 0,
			 "MaxItems", "100");
	return *out ? 200 : 500;
}

static int get(struct dnsp_daemon *d, const char *id, json_t **out)
{
	json_t *o = NULL;
	bool found;
	pthread_mutex_lock(&d->lock);
	const struct dnsp_cfg_health_check *h = dnsp_cfg_health_find(d->cfg, id);
	found = h != NULL;
	if (h)
		o = check_json(h);
	pthread_mutex_unlock(&d->lock);
	if (!found)
		return no_such(out, id);
	*out = o ? json_pack("{s:o}", "HealthCheck", o) : NULL;
	return *out ? 200 : 500;
}

static int status(struct dnsp_daemon *d, const char *id, json_t **out)
{
	struct dnsp_health_obs ob;
	if (dnsp_health_checker_observe(d->health, id, &ob) < 0)
		return no_such(out, id);
	char when[64];
	time_t sec = (time_t)(ob.checked_ms / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%03dZ", (int)(ob.checked_ms % 1000));
	*out = json_pack("{s:[{s:s,s:s,s:{s:s,s:s}}]}", "HealthCheckObservations", "Region", "local",
			 "IPAddress", ob.checker_ip, "StatusReport", "Status", ob.status,
			 "CheckedTime", when);
	return *out ? 200 : 500;
}

static int set_status(struct dnsp_daemon *d, const char *id, const char *body, size_t len,
		      json_t **out)
{
	json_error_t err;
	if (!body || len == 0)
		return error(out, 400, "InvalidInput", "The request body is empty; expected "
			     "{\"Status\": \"Healthy\"|\"Unhealthy\"|\"InsufficientData\"}");
	json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (!req)
		return error(out, 400, "MalformedInput", "The request body is not valid JSON: line "
			     "%d, column %d: %s", err.line, err.column, err.text);
	const char *s = json_string_value(json_object_get(req, "Status"));
	enum dnsp_hc_api_status st = DNSP_HC_API_HEALTHY;
	int rc = 0;
	if (!json_is_object(req) || !s || json_object_size(req) != 1) {
		rc = error(out, 400, "InvalidInput", "Expected {\"Status\": \"Healthy\"|\"Unhealthy\""
			   "|\"InsufficientData\"}");
	} else if (strcmp(s, "Healthy") == 0) {
		st = DNSP_HC_API_HEALTHY;
	} else if (strcmp(s, "Unhealthy") == 0) {
		st = DNSP_HC_API_UNHEALTHY;
	} else if (strcmp(s, "InsufficientData") == 0) {
		st = DNSP_HC_API_INSUFFICIENT_DATA;
	} else {
		rc = error(out, 400, "InvalidInput", "Invalid value for Status: \"%.64s\" (expected "
			   "Healthy, Unhealthy or InsufficientData)", s);
	}
	if (rc == 0) {
		int r = d->health ? dnsp_health_checker_set_status(d->health, id, st) : -ENOENT;
		if (r == -ENOENT)
			rc = no_such(out, id);
		else if (r == -EINVAL)
			rc = error(out, 400, "InvalidInput", "Health check %s is not of Type "
				   "CLOUDWATCH_METRIC: only those take a status through the API",
				   id);
		else
			*out = json_pack("{s:s,s:s}", "HealthCheckId", id, "Status", s);
		if (!rc)
			rc = *out ? 200 : 500;
	}
	json_decref(req);
	return rc;
}

int dnsp_health_api(struct dnsp_daemon *d, const char *method, const char *path,
		    const char *body, size_t len, json_t **out, const char **allow)
{
	static const char list_path[] = "/2013-04-01/healthcheck";
	static const char set_path[] = "/v1/healthcheck/";
	bool get_m = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0;
	char id[128];

	*out = NULL;
	*allow = NULL;
	if (strcmp(path, list_path) == 0) {
		if (get_m)
			return list(d, out);
		if (post)
			return error(out, 501, "NotImplemented", "CreateHealthCheck is not supported: "
				     "health checks come from the configuration file");
		*allow = "GET";
		return error(out, 405, "MethodNotAllowed", "%s is not allowed on %s (allowed: GET)",
			     method, path);
	}
	const char *rest;
	bool v1 = false;
	if (strncmp(path, list_path, sizeof(list_path) - 1) == 0 &&
	    path[sizeof(list_path) - 1] == '/') {
		rest = path + sizeof(list_path);
	} else if (strncmp(path, set_path, sizeof(set_path) - 1) == 0) {
		rest = path + sizeof(set_path) - 1;
		v1 = true;
	} else {
		return 0;
	}
	const char *slash = strchr(rest, '/');
	size_t il = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *sub = slash ? slash + 1 : "";
	if (il == 0 || il >= sizeof(id))
		return 0;
	memcpy(id, rest, il);
	id[il] = 0;
	if (v1) {
		if (strcmp(sub, "status") != 0)
			return 0;
		if (post)
			return set_status(d, id, body, len, out);
		*allow = "POST";
		return error(out, 405, "MethodNotAllowed", "%s is not allowed on %s (allowed: POST)",
			     method, path);
	}
	if (strcmp(sub, "") == 0 || strcmp(sub, "status") == 0) {
		if (get_m)
			return *sub ? status(d, id, out) : get(d, id, out);
		*allow = "GET";
		return error(out, 405, "MethodNotAllowed", "%s is not allowed on %s (allowed: GET)",
			     method, path);
	}
	return 0;
}
