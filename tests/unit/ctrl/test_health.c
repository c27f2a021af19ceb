/*
 * Unit tests for health checks: the `health_checks` loader
 * (ctrl/config_health.c: every bad field is one "FILE:LINE: KEY: message")
 * and the checker's status rules (ctrl/health.c, SEMANTICS §10), driven
 * through dnsp_health_checker_record() / _set_status() without sockets or
 * threads, and the prober's reading of hostile HTTP answers (garbage,
 * truncated, oversized, stalled, chunked) against a loopback server thread
 * with a canned reply, plain or over TLS (OpenSSL, a throwaway self-signed
 * certificate). Each checker writes into its own status table, so tests do
 * not see each other's statuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <pthread.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ctrl/config.h"
#include "ctrl/config_health.h"
#include "ctrl/health.h"

static struct dnsp_errlist errs;
static struct dnsp_config *cfg;

/* Lines 1-3; health_checks items start at line 4. */
#define BASE                                                                                 \
	"listeners:\n"                                                             /* 1 */   \
	"  - {address: 127.0.0.1, role: public}\n"                                 /* 2 */   \
	"health_checks:\n"                                                         /* 3 */

#define HC(id, conf) "  - {Id: " id ", HealthCheckConfig: {" conf "}}\n"
#define HTTP_OK "Type: HTTP, IPAddress: 127.0.0.1, Port: 8080"

static void reset(void)
{
	dnsp_config_destroy(cfg);
	cfg = NULL;
	dnsp_errlist_fini(&errs);
	dnsp_errlist_init(&errs);
}

static int load(const char *text)
{
	reset();
	return dnsp_config_load_string(text, strlen(text), "t.yaml", ".", &cfg, &errs);
}

static void dump(const char *want)
{
	fprintf(stderr, "wanted: %s...\ngot %zu error(s):\n", want, errs.n);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  %s\n", errs.msgs[i]);
}

/* The load fails with exactly one error, which starts with prefix. */
static void expect_one(const char *text, const char *prefix)
{
	int rc = load(text);
	if (rc != DNSP_ECONFIG || errs.n != 1 ||
	    strncmp(errs.msgs[0], prefix, strlen(prefix)) != 0) {
		dump(prefix);
		fail_msg("rc=%d", rc);
	}
}

static void expect_ok(const char *text)
{
	int rc = load(text);
	if (rc != 0) {
		dump("no errors");
		fail_msg("rc=%d", rc);
	}
}

static int teardown(void **state)
{
	(void)state;
	reset();
	return 0;
}

/* ---- loading ---- */

/* SEMANTICS §17: HealthCheckConfig fields verbatim, API defaults filled in. */
static void test_good_checks_load_with_defaults(void **state)
{
	(void)state;
	expect_ok(BASE
		  HC("hc-http", "Type: HTTP, IPAddress: 127.0.0.1, ResourcePath: health")
		  HC("hc-https", "Type: HTTPS_STR_MATCH, IPAddress: \"::1\", SearchString: ok, "
				 "FullyQualifiedDomainName: www.example.com, RequestInterval: 10, "
				 "FailureThreshold: 1, Inverted: true, Regions: [us-east-1, eu-west-1, "
				 "ap-southeast-1]")
		  HC("hc-tcp", "Type: TCP, IPAddress: 192.0.2.1, Port: 22, Disabled: true")
		  HC("hc-calc", "Type: CALCULATED, HealthThreshold: 2, ChildHealthChecks: "
				"[hc-http, hc-tcp]")
		  HC("hc-cw", "Type: CLOUDWATCH_METRIC, AlarmIdentifier: {Region: us-east-1, "
			      "Name: a}, InsufficientDataHealthStatus: Unhealthy")
		  "  - Id: hc-fast\n"
		  "    IntervalMs: 100\n"
		  "    TimeoutMs: 50\n"
		  "    HealthCheckConfig: {Type: HTTP, IPAddress: 127.0.0.1}\n");
	assert_non_null(cfg->health);
	assert_int_equal(cfg->health->n, 6);
	const struct dnsp_cfg_health_check *h = dnsp_cfg_health_find(cfg, "hc-http");
	assert_non_null(h);
	assert_int_equal(h->type, DNSP_HC_HTTP);
	assert_int_equal(dnsp_hc_port(h), 80);
	assert_string_equal(h->resource_path, "/health"); /* leading '/' added */
	assert_int_equal(h->request_interval, 30);
	assert_int_equal(h->failure_threshold, 3);
	assert_false(h->enable_sni);
	h = dnsp_cfg_health_find(cfg, "hc-https");
	assert_int_equal(h->ip.family, 6);
	assert_int_equal(dnsp_hc_port(h), 443);
	assert_true(h->enable_sni); /* default for HTTPS* */
	assert_true(h->inverted);
	assert_int_equal(h->request_interval, 10);
	assert_int_equal(h->failure_threshold, 1);
	assert_int_equal(h->nregions, 3);
	h = dnsp_cfg_health_find(cfg, "hc-calc");
	assert_int_equal(h->nchildren, 2);
	assert_int_equal(h->health_threshold, 2);
	h = dnsp_cfg_health_find(cfg, "hc-cw");
	assert_int_equal(h->insufficient, DNSP_HC_INSUFFICIENT_UNHEALTHY);
	assert_string_equal(h->alarm_name, "a");
	h = dnsp_cfg_health_find(cfg, "hc-fast");
	assert_int_equal(h->interval_ms, 100);
	assert_int_equal(h->timeout_ms, 50);
	assert_null(dnsp_cfg_health_find(cfg, "nope"));
}

/* A config without the section still gets an (empty) model, so change
 * batches can check HealthCheckId against it. */
static void test_absent_section_gives_empty_model(void **state)
{
	(void)state;
	expect_ok(BASE "  []\n");
	assert_non_null(cfg->health);
	assert_int_equal(cfg->health->n, 0);
	expect_ok("listeners:\n  - {address: 127.0.0.1, role: public}\n");
	assert_non_null(cfg->health);
}

static void test_item_shape_errors(void **state)
{
	(void)state;
	expect_one(BASE "  - {HealthCheckConfig: {" HTTP_OK "}}\n",
		   "t.yaml:4: health_checks[0].Id: required key is missing");
	expect_one(BASE "  - {Id: a}\n",
		   "t.yaml:4: health_checks[0].HealthCheckConfig: required key is missing");
	expect_one(BASE "  - {Id: a, Bogus: 1, HealthCheckConfig: {" HTTP_OK "}}\n",
		   "t.yaml:4: health_checks[0].Bogus: unknown key");
	expect_one(BASE HC("a", HTTP_OK ", Bogus: 1"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.Bogus: unknown key");
	expect_one(BASE HC("a", HTTP_OK) HC("a", HTTP_OK),
		   "t.yaml:5: health_checks[1].Id: duplicate health check Id \"a\" (first at t.yaml:4)");
	expect_one(BASE HC("\"a b\"", HTTP_OK),
		   "t.yaml:4: health_checks[0].Id: \"a b\": use letters");
	expect_one(BASE "  - {Id: a, IntervalMs: 5, HealthCheckConfig: {" HTTP_OK "}}\n",
		   "t.yaml:4: health_checks[0].IntervalMs: 5 is out of range 10..3600000");
	expect_one(BASE "  - {Id: a, TimeoutMs: 0, HealthCheckConfig: {" HTTP_OK "}}\n",
		   "t.yaml:4: health_checks[0].TimeoutMs: 0 is out of range 10..60000");
	expect_one("listeners:\n  - {address: 127.0.0.1, role: public}\nhealth_checks: {a: 1}\n",
		   "t.yaml:3: health_checks: expected a list");
}

static void test_type_errors(void **state)
{
	(void)state;
	expect_one(BASE HC("a", "Type: FTP, IPAddress: 127.0.0.1"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.Type: expected one of HTTP, HTTPS");
	expect_one(BASE HC("a", "Type: RECOVERY_CONTROL"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.Type: RECOVERY_CONTROL health checks "
		   "are not supported");
	expect_one(BASE HC("a", "IPAddress: 127.0.0.1"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.Type: required key is missing");
	expect_one(BASE HC("a", HTTP_OK ", RoutingControlArn: arn"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.RoutingControlArn: only allowed for "
		   "Type RECOVERY_CONTROL");
}

/* Probes go only to the address the config names (no FQDN resolution). */
static void test_endpoint_field_errors(void **state)
{
	(void)state;
	const char *k = "t.yaml:4: health_checks[0].HealthCheckConfig.";
	char want[256];
#define WANT(rest) (snprintf(want, sizeof(want), "%s%s", k, rest), want)
	expect_one(BASE HC("a", "Type: HTTP"), WANT("IPAddress: required for Type HTTP"));
	expect_one(BASE HC("a", "Type: HTTP, FullyQualifiedDomainName: www.example.com"),
		   WANT("IPAddress: required: dnsplane probes only addresses"));
	expect_one(BASE HC("a", "Type: HTTP, IPAddress: 300.1.1.1"),
		   WANT("IPAddress: expected an IPv4 or IPv6 address, got \"300.1.1.1\""));
	expect_one(BASE HC("a", "Type: HTTP, IPAddress: 224.0.0.1"),
		   WANT("IPAddress: multicast addresses cannot be checked"));
	expect_one(BASE HC("a", "Type: HTTP, IPAddress: 0.0.0.0"),
		   WANT("IPAddress: the unspecified address cannot be checked"));
	expect_one(BASE HC("a", "Type: HTTP, IPAddress: 127.0.0.1, Port: 70000"),
		   WANT("Port: 70000 is out of range 1..65535"));
	expect_one(BASE HC("a", "Type: TCP, IPAddress: 127.0.0.1"),
		   WANT("Port: required for Type TCP"));
	expect_one(BASE HC("a", "Type: TCP, IPAddress: 127.0.0.1, Port: 1, ResourcePath: /x"),
		   WANT("ResourcePath: not allowed for Type TCP"));
	expect_one(BASE HC("a", HTTP_OK ", ResourcePath: \"/a b\""),
		   WANT("ResourcePath: must be visible ASCII"));
	expect_one(BASE HC("a", HTTP_OK ", FullyQualifiedDomainName: \"a\\r\\nX: y\""),
		   WANT("FullyQualifiedDomainName: expected a host name"));
	expect_one(BASE HC("a", HTTP_OK ", RequestInterval: 5"),
		   WANT("RequestInterval: 5 is out of range 10..30"));
	expect_one(BASE HC("a", HTTP_OK ", FailureThreshold: 11"),
		   WANT("FailureThreshold: 11 is out of range 1..10"));
	expect_one(BASE HC("a", HTTP_OK ", Inverted: yes"),
		   WANT("Inverted: expected true or false"));
	expect_one(BASE HC("a", HTTP_OK ", Disabled: 1"),
		   WANT("Disabled: expected true or false"));
	expect_one(BASE HC("a", HTTP_OK ", Regions: [us-east-1, eu-west-1]"),
		   WANT("Regions: expected 3..64 items, got 2"));
#undef WANT
}

/* SearchString: required for *_STR_MATCH, at most 255 characters, not
 * allowed elsewhere (SEMANTICS §10, §17). */
static void test_search_string_errors(void **state)
{
	(void)state;
	char text[1024], big[300];
	memset(big, 'x', 256);
	big[256] = 0;
	expect_one(BASE HC("a", "Type: HTTP_STR_MATCH, IPAddress: 127.0.0.1"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.SearchString: required for Type "
		   "HTTP_STR_MATCH");
	expect_one(BASE HC("a", HTTP_OK ", SearchString: ok"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.SearchString: only allowed for Type "
		   "HTTP_STR_MATCH or HTTPS_STR_MATCH");
	snprintf(text, sizeof(text), BASE HC("a", "Type: HTTPS_STR_MATCH, IPAddress: 127.0.0.1, "
					      "SearchString: %s"), big);
	expect_one(text, "t.yaml:4: health_checks[0].HealthCheckConfig.SearchString: longer than "
			 "255 characters");
}

static void test_fields_not_for_type_are_errors(void **state)
{
	(void)state;
	expect_one(BASE HC("a", "Type: CALCULATED, HealthThreshold: 0, ChildHealthChecks: [], "
				"IPAddress: 127.0.0.1"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.IPAddress: not allowed for Type "
		   "CALCULATED");
	expect_one(BASE HC("a", "Type: CLOUDWATCH_METRIC, Port: 80"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.Port: not allowed for Type "
		   "CLOUDWATCH_METRIC");
	expect_one(BASE HC("a", HTTP_OK ", HealthThreshold: 1"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.HealthThreshold: only allowed for "
		   "Type CALCULATED");
	expect_one(BASE HC("a", HTTP_OK ", ChildHealthChecks: []"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.ChildHealthChecks: only allowed for "
		   "Type CALCULATED");
	expect_one(BASE HC("a", HTTP_OK ", InsufficientDataHealthStatus: Healthy"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.InsufficientDataHealthStatus: only "
		   "allowed for Type CLOUDWATCH_METRIC");
	expect_one(BASE HC("a", "Type: CLOUDWATCH_METRIC, InsufficientDataHealthStatus: Maybe"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.InsufficientDataHealthStatus: "
		   "expected one of LastKnownStatus, Healthy, Unhealthy");
	expect_one(BASE HC("a", "Type: CLOUDWATCH_METRIC, AlarmIdentifier: {Region: us-east-1}"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.AlarmIdentifier.Name: required key "
		   "is missing");
}

/* SEMANTICS §10 Calculated: ChildHealthChecks + HealthThreshold; no
 * calculated check may be a child of another (so no cycles). */
static void test_calculated_errors(void **state)
{
	(void)state;
	expect_one(BASE HC("c", "Type: CALCULATED, ChildHealthChecks: []"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.HealthThreshold: required for Type "
		   "CALCULATED");
	expect_one(BASE HC("c", "Type: CALCULATED, HealthThreshold: 1"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.ChildHealthChecks: required for Type "
		   "CALCULATED");
	expect_one(BASE HC("c", "Type: CALCULATED, HealthThreshold: 257, ChildHealthChecks: []"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.HealthThreshold: 257 is out of range "
		   "0..256");
	expect_one(BASE HC("c", "Type: CALCULATED, HealthThreshold: 1, ChildHealthChecks: [x]"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.ChildHealthChecks[0]: health check "
		   "\"x\" is not defined in health_checks");
	expect_one(BASE HC("a", HTTP_OK)
		   "  - Id: c\n"
		   "    HealthCheckConfig:\n"
		   "      Type: CALCULATED\n"
		   "      HealthThreshold: 1\n"
		   "      ChildHealthChecks:\n"
		   "        - a\n"
		   "        - a\n",
		   "t.yaml:11: health_checks[1].HealthCheckConfig.ChildHealthChecks[1]: \"a\" is "
		   "listed twice");
	expect_one(BASE HC("c", "Type: CALCULATED, HealthThreshold: 1, ChildHealthChecks: [c]"),
		   "t.yaml:4: health_checks[0].HealthCheckConfig.ChildHealthChecks[0]: a calculated "
		   "health check cannot be its own child");
	/* a cycle c1 -> c2 -> c1 is two calculated-in-calculated errors */
	int rc = load(BASE HC("c1", "Type: CALCULATED, HealthThreshold: 1, ChildHealthChecks: [c2]")
		      HC("c2", "Type: CALCULATED, HealthThreshold: 1, ChildHealthChecks: [c1]"));
	assert_int_equal(rc, DNSP_ECONFIG);
	if (errs.n != 2 ||
	    !strstr(errs.msgs[0], "t.yaml:4: health_checks[0].HealthCheckConfig.ChildHealthChecks[0]: "
				  "\"c2\" is a CALCULATED check") ||
	    !strstr(errs.msgs[1], "t.yaml:5: health_checks[1].HealthCheckConfig.ChildHealthChecks[0]: "
				  "\"c1\" is a CALCULATED check")) {
		dump("two nesting errors");
		fail();
	}
}

/* A record set's HealthCheckId must name a defined check (SPEC §3:
 * dangling ids are errors with file, line and key). */
static void test_record_health_check_id_must_exist(void **state)
{
	(void)state;
	static const char zone[] =
		"hosted_zones:\n"                                                         /* 5 */
		"  - Id: Z1\n"                                                            /* 6 */
		"    Name: example.com.\n"                                                /* 7 */
		"    ResourceRecordSets:\n"                                               /* 8 */
		"      - {Name: a.example.com., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]}\n"
		"      - {Name: w.example.com., Type: A, TTL: 60, SetIdentifier: x, Weight: 1, "
		"HealthCheckId: %s, ResourceRecords: [{Value: 192.0.2.1}]}\n";              /* 10 */
	char text[2048];
	snprintf(text, sizeof(text), BASE HC("hc-1", HTTP_OK) "%s", zone);
	char full[2048];
	snprintf(full, sizeof(full), text, "hc-1");
	expect_ok(full);
	snprintf(full, sizeof(full), text, "hc-2");
	expect_one(full, "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].HealthCheckId: health "
			 "check \"hc-2\" is not defined in health_checks");
	/* a zone check after the load (change batches) looks ids up as well */
	snprintf(full, sizeof(full), text, "hc-1");
	expect_ok(full);
	struct dnsp_cfg_zone *z = &cfg->zones[0];
	free(z->rrsets[1].routing.health_check_id);
	z->rrsets[1].routing.health_check_id = strdup("hc-9");
	struct dnsp_errlist e2;
	dnsp_errlist_init(&e2);
	assert_int_equal(dnsp_config_check_zone(cfg, z, &e2), 1);
	assert_non_null(strstr(e2.msgs[0], "HealthCheckId: health check \"hc-9\" is not defined"));
	dnsp_errlist_fini(&e2);
}

/* ---- the status rules ---- */

/* SEMANTICS §10: FailureThreshold consecutive results flip the view, in
 * either direction; a new check is healthy. */
static void test_view_flips_after_threshold_consecutive_results(void **state)
{
	(void)state;
	struct dnsp_hc_view v;
	dnsp_hc_view_init(&v);
	assert_true(v.healthy);
	assert_false(dnsp_hc_view_observe(&v, false, 3));
	assert_false(dnsp_hc_view_observe(&v, false, 3));
	assert_true(v.healthy);
	assert_false(dnsp_hc_view_observe(&v, true, 3)); /* a success resets the count */
	assert_false(dnsp_hc_view_observe(&v, false, 3));
	assert_false(dnsp_hc_view_observe(&v, false, 3));
	assert_true(dnsp_hc_view_observe(&v, false, 3));
	assert_false(v.healthy);
	assert_false(dnsp_hc_view_observe(&v, true, 3));
	assert_false(dnsp_hc_view_observe(&v, true, 3));
	assert_true(dnsp_hc_view_observe(&v, true, 3));
	assert_true(v.healthy);
	/* threshold 1: every disagreeing result flips */
	assert_true(dnsp_hc_view_observe(&v, false, 1));
	assert_true(dnsp_hc_view_observe(&v, true, 1));
}

/* SEMANTICS §10: Disabled ⇒ healthy; Inverted flips (and so forces a
 * disabled check unhealthy). */
static void test_status_applies_disabled_then_inverted(void **state)
{
	(void)state;
	assert_true(dnsp_hc_status(true, false, false));
	assert_false(dnsp_hc_status(false, false, false));
	assert_false(dnsp_hc_status(true, true, false));
	assert_true(dnsp_hc_status(false, true, false));
	assert_true(dnsp_hc_status(false, false, true));
	assert_false(dnsp_hc_status(false, true, true));
}

/* SEMANTICS §10 Calculated: ≥ HealthThreshold healthy children; 0 ⇒
 * always healthy; more than the children ⇒ never. */
static void test_calculated_threshold_rule(void **state)
{
	(void)state;
	assert_true(dnsp_hc_calculated(0, 0));
	assert_true(dnsp_hc_calculated(2, 2));
	assert_false(dnsp_hc_calculated(1, 2));
	assert_false(dnsp_hc_calculated(3, 4));
}

static struct dnsp_health_table table;

static dnsp_health_checker_t *checker(const char *text)
{
	memset(&table, 0, sizeof(table));
	expect_ok(text);
	dnsp_health_checker_t *hc = NULL;
	assert_int_equal(dnsp_health_checker_create(cfg, &table, &hc), 0);
	return hc;
}

static bool ok(const char *id)
{
	int s = dnsp_health_find(id);
	assert_true(s >= 0);
	return dnsp_health_ok(&table, (uint32_t)s);
}

static void rec(dnsp_health_checker_t *hc, const char *id, bool good)
{
	assert_int_equal(dnsp_health_checker_record(hc, id, good, good ? "HTTP Status Code 200, OK"
								      : "HTTP Status Code 500, Internal Server Error"), 0);
}

/* A CLOUDWATCH_METRIC value set through the control API (accepted). */
static void set_api(dnsp_health_checker_t *hc, const char *id, enum dnsp_hc_api_status st)
{
	assert_int_equal(dnsp_health_checker_set_status(hc, id, st), 0);
}

static const char *status_text(dnsp_health_checker_t *hc, const char *id)
{
	static struct dnsp_health_obs o;
	assert_int_equal(dnsp_health_checker_observe(hc, id, &o), 0);
	return o.status;
}

/* The table the data plane reads follows the threshold rule. */
static void test_checker_writes_status_after_threshold(void **state)
{
	(void)state;
	dnsp_health_checker_t *hc = checker(BASE HC("t-thr", HTTP_OK ", FailureThreshold: 2"));
	assert_true(ok("t-thr"));
	assert_int_equal(strncmp(status_text(hc, "t-thr"), "Success: ", 9), 0);
	rec(hc, "t-thr", false);
	assert_true(ok("t-thr"));
	assert_int_equal(strncmp(status_text(hc, "t-thr"), "Success: ", 9), 0);
	rec(hc, "t-thr", false);
	assert_false(ok("t-thr"));
	assert_string_equal(status_text(hc, "t-thr"),
			    "Failure: HTTP Status Code 500, Internal Server Error");
	rec(hc, "t-thr", true);
	assert_false(ok("t-thr"));
	rec(hc, "t-thr", true);
	assert_true(ok("t-thr"));
	assert_string_equal(status_text(hc, "t-thr"), "Success: HTTP Status Code 200, OK");
	struct dnsp_health_obs o;
	assert_int_equal(dnsp_health_checker_observe(hc, "t-thr", &o), 0);
	assert_int_equal(o.probes_ok, 2);
	assert_int_equal(o.probes_failed, 2);
	assert_int_equal(o.transitions, 2);
	dnsp_health_checker_destroy(hc);
}

/* SEMANTICS §10: with Inverted, a new check counts as unhealthy; results
 * are flipped. */
static void test_inverted_check_starts_unhealthy_and_flips(void **state)
{
	(void)state;
	dnsp_health_checker_t *hc = checker(BASE HC("t-inv", HTTP_OK ", FailureThreshold: 1, "
						    "Inverted: true"));
	assert_false(ok("t-inv"));
	rec(hc, "t-inv", false);
	assert_true(ok("t-inv"));
	assert_int_equal(strncmp(status_text(hc, "t-inv"), "Success: ", 9), 0);
	rec(hc, "t-inv", true);
	assert_false(ok("t-inv"));
	dnsp_health_checker_destroy(hc);
}

/* SEMANTICS §10: Disabled ⇒ always healthy, whatever the probes say. */
static void test_disabled_check_is_healthy(void **state)
{
	(void)state;
	dnsp_health_checker_t *hc = checker(BASE HC("t-dis", HTTP_OK ", FailureThreshold: 1, "
						    "Disabled: true")
					    HC("t-dis-inv", HTTP_OK ", Disabled: true, "
						    "Inverted: true"));
	rec(hc, "t-dis", false);
	assert_true(ok("t-dis"));
	assert_false(ok("t-dis-inv"));
	dnsp_health_checker_destroy(hc);
}

/* CALCULATED follows its children as they change, with the threshold. */
static void test_calculated_follows_children(void **state)
{
	(void)state;
	dnsp_health_checker_t *hc = checker(
		BASE HC("t-c1", HTTP_OK ", FailureThreshold: 1")
		HC("t-c2", HTTP_OK ", FailureThreshold: 1")
		HC("t-c3", HTTP_OK ", FailureThreshold: 1, Disabled: true")
		HC("t-calc", "Type: CALCULATED, HealthThreshold: 2, ChildHealthChecks: [t-c1, t-c2]")
		HC("t-calc-dis", "Type: CALCULATED, HealthThreshold: 2, ChildHealthChecks: [t-c1, "
				 "t-c3]")
		HC("t-calc-0", "Type: CALCULATED, HealthThreshold: 0, ChildHealthChecks: [t-c1]")
		HC("t-calc-hi", "Type: CALCULATED, HealthThreshold: 3, ChildHealthChecks: [t-c1, "
				"t-c2]")
		HC("t-calc-inv", "Type: CALCULATED, Inverted: true, HealthThreshold: 1, "
				 "ChildHealthChecks: [t-c1]"));
	assert_true(ok("t-calc"));
	assert_false(ok("t-calc-hi"));
	assert_false(ok("t-calc-inv"));
	assert_string_equal(status_text(hc, "t-calc"),
			    "Success: 2 of 2 child health checks are healthy (HealthThreshold 2)");
	rec(hc, "t-c2", false);
	assert_false(ok("t-calc"));
	assert_string_equal(status_text(hc, "t-calc"),
			    "Failure: 1 of 2 child health checks are healthy (HealthThreshold 2)");
	rec(hc, "t-c1", false);
	rec(hc, "t-c3", false); /* disabled child: still counts as healthy */
	assert_false(ok("t-calc-dis"));
	assert_true(ok("t-calc-0"));
	assert_true(ok("t-calc-inv"));
	rec(hc, "t-c1", true);
	assert_true(ok("t-calc-dis"));
	rec(hc, "t-c2", true);
	assert_true(ok("t-calc"));
	assert_int_equal(dnsp_health_checker_record(hc, "t-calc", true, "x"), -EINVAL);
	assert_int_equal(dnsp_health_checker_record(hc, "nope", true, "x"), -ENOENT);
	dnsp_health_checker_destroy(hc);
}

/* The API-set check (the CloudWatch stand-in): Healthy/Unhealthy at once;
 * InsufficientData per InsufficientDataHealthStatus (SEMANTICS §10). */
static void test_api_set_check(void **state)
{
	(void)state;
	dnsp_health_checker_t *hc = checker(
		BASE HC("t-cw", "Type: CLOUDWATCH_METRIC")
		HC("t-cw-u", "Type: CLOUDWATCH_METRIC, InsufficientDataHealthStatus: Unhealthy")
		HC("t-cw-h", "Type: CLOUDWATCH_METRIC, InsufficientDataHealthStatus: Healthy")
		HC("t-web", HTTP_OK));
	assert_true(ok("t-cw"));   /* LastKnownStatus without history: healthy */
	assert_false(ok("t-cw-u"));
	assert_true(ok("t-cw-h"));
	set_api(hc, "t-cw", DNSP_HC_API_UNHEALTHY);
	assert_false(ok("t-cw"));
	assert_string_equal(status_text(hc, "t-cw"),
			    "Failure: Status set through the control API: Unhealthy");
	set_api(hc, "t-cw", DNSP_HC_API_INSUFFICIENT_DATA);
	assert_false(ok("t-cw")); /* last known */
	set_api(hc, "t-cw-h", DNSP_HC_API_UNHEALTHY);
	set_api(hc, "t-cw-h", DNSP_HC_API_INSUFFICIENT_DATA);
	assert_true(ok("t-cw-h"));
	set_api(hc, "t-cw", DNSP_HC_API_HEALTHY);
	assert_true(ok("t-cw"));
	assert_int_equal(dnsp_health_checker_set_status(hc, "t-web", DNSP_HC_API_HEALTHY), -EINVAL);
	assert_int_equal(dnsp_health_checker_set_status(hc, "nope", DNSP_HC_API_HEALTHY), -ENOENT);
	dnsp_health_checker_destroy(hc);
}

/* Reload: unchanged ids keep their state, removed ones stop, new ones
 * start as new checks; a changed definition keeps the status; a changed
 * Type is a new check. */
static void test_update_keeps_adds_and_removes(void **state)
{
	(void)state;
	dnsp_health_checker_t *hc = checker(
		BASE HC("u-keep", HTTP_OK ", FailureThreshold: 1")
		HC("u-change", HTTP_OK ", FailureThreshold: 1")
		HC("u-type", HTTP_OK ", FailureThreshold: 1")
		HC("u-gone", HTTP_OK));
	rec(hc, "u-keep", false);
	rec(hc, "u-change", false);
	rec(hc, "u-type", false);
	assert_false(ok("u-keep"));
	expect_ok(BASE HC("u-keep", HTTP_OK ", FailureThreshold: 1")
		  HC("u-change", "Type: HTTP, IPAddress: 127.0.0.1, Port: 9090, FailureThreshold: 1")
		  HC("u-type", "Type: TCP, IPAddress: 127.0.0.1, Port: 9090")
		  HC("u-new", HTTP_OK ", Inverted: true"));
	assert_int_equal(dnsp_health_checker_update(hc, cfg), 0);
	assert_false(ok("u-keep"));
	assert_false(ok("u-change"));
	assert_true(ok("u-type"));   /* a new check */
	assert_false(ok("u-new"));   /* new and inverted */
	struct dnsp_health_obs o;
	assert_int_equal(dnsp_health_checker_observe(hc, "u-gone", &o), -ENOENT);
	assert_int_equal(dnsp_health_checker_observe(hc, "u-keep", &o), 0);
	assert_int_equal(o.probes_failed, 1);
	/* Inverted changes in place */
	expect_ok(BASE HC("u-keep", HTTP_OK ", FailureThreshold: 1, Inverted: true"));
	assert_int_equal(dnsp_health_checker_update(hc, cfg), 0);
	assert_true(ok("u-keep"));
	struct dnsp_health_obs *all = NULL;
	assert_int_equal(dnsp_health_checker_list(hc, &all), 1);
	assert_string_equal(all[0].id, "u-keep");
	free(all);
	dnsp_health_checker_destroy(hc);
}

/* The probe thread starts and stops cleanly with no checks, and a TCP
 * check to a closed loopback port fails (connection refused). */
static void test_thread_probes_and_stops(void **state)
{
	(void)state;
	dnsp_health_checker_t *hc = checker(BASE "  - {Id: t-refused, IntervalMs: 20, "
					    "HealthCheckConfig: {Type: TCP, IPAddress: 127.0.0.1, "
					    "Port: 1, FailureThreshold: 1}}\n");
	assert_int_equal(dnsp_health_checker_start(hc), 0);
	struct dnsp_health_obs o = { .probes_failed = 0 };
	for (int i = 0; i < 200 && o.probes_failed == 0; i++) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		assert_int_equal(dnsp_health_checker_observe(hc, "t-refused", &o), 0);
	}
	assert_true(o.probes_failed > 0);
	assert_false(ok("t-refused"));
	assert_non_null(strstr(o.status, "Failure: Connection refused"));
	dnsp_health_checker_destroy(hc);
}

/* ---- hostile HTTP answers (a loopback server with a canned reply) ---- */

struct canned {
	int lfd;
	const char *resp;
	size_t len;
	bool hold;      /* keep the connection open after the reply */
	pthread_t t;
};

static void *canned_run(void *arg)
{
	struct canned *s = arg;
	char buf[4096];
	int fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	ssize_t r = recv(fd, buf, sizeof(buf), 0); /* the request fits one read */
	(void)r;
	for (size_t off = 0; off < s->len;) {
		ssize_t w = send(fd, s->resp + off, s->len - off, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (s->hold)
		while (recv(fd, buf, sizeof(buf), 0) > 0) /* until the checker gives up */
			;
	close(fd);
	return NULL;
}

/* Serves resp (len bytes) once on a loopback port; returns the port. */
static int canned_start(struct canned *s, const char *resp, size_t len, bool hold)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->resp = resp;
	s->len = len;
	s->hold = hold;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(pthread_create(&s->t, NULL, canned_run, s), 0);
	return ntohs(sa.sin_port);
}

/* One HTTP_STR_MATCH probe (SearchString "needle", TimeoutMs 200) against a
 * server answering resp; returns the check's status text. */
static const char *probe_once(const char *resp, size_t len, bool hold)
{
	static struct dnsp_health_obs o;
	struct canned s;
	char conf[512];
	int port = canned_start(&s, resp, len, hold);
	snprintf(conf, sizeof(conf),
		 BASE "  - {Id: t-http, IntervalMs: 60000, TimeoutMs: 200, HealthCheckConfig: "
		 "{Type: HTTP_STR_MATCH, IPAddress: 127.0.0.1, Port: %d, SearchString: needle, "
		 "FailureThreshold: 1}}\n", port);
	dnsp_health_checker_t *hc = checker(conf);
	assert_int_equal(dnsp_health_checker_start(hc), 0);
	memset(&o, 0, sizeof(o));
	for (int i = 0; i < 1000 && o.probes_ok + o.probes_failed == 0; i++) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		assert_int_equal(dnsp_health_checker_observe(hc, "t-http", &o), 0);
	}
	assert_int_equal(o.probes_ok + o.probes_failed, 1); /* answered, no hang */
	assert_int_equal(ok("t-http"), o.probes_ok == 1);
	dnsp_health_checker_destroy(hc);
	pthread_join(s.t, NULL);
	close(s.lfd);
	return o.status;
}

#define PROBE(lit, hold) probe_once(lit, sizeof(lit) - 1, hold)

static void expect_status(const char *got, const char *prefix)
{
	if (strncmp(got, prefix, strlen(prefix)) != 0)
		fail_msg("status \"%s\", wanted \"%s...\"", got, prefix);
}

/* SEMANTICS §10 HTTP_STR_MATCH: the search string is looked for in the
 * decoded body, so chunk boundaries and extensions cannot hide it, and NUL
 * bytes before it do not end the search. */
static void test_probe_body_decoding(void **state)
{
	(void)state;
	expect_status(PROBE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "3\r\nnee\r\n3;ext=1\r\ndle\r\n0\r\n\r\n", false),
		      "Success: HTTP Status Code 200, OK. Search string found");
	expect_status(PROBE("HTTP/1.1 200 OK\r\n\r\n\0\0\0needle", false),
		      "Success: HTTP Status Code 200, OK. Search string found");
	/* a chunk size with more hex digits than 64 bits hold: no overflow,
	 * the data that follows is still searched */
	expect_status(PROBE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "FFFFFFFFFFFFFFFFFFFFFFFF\r\nneedle", false),
		      "Success: HTTP Status Code 200, OK. Search string found");
	expect_status(PROBE("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nneedle", false),
		      "Failure: HTTP Status Code 200, OK. The search string was not found");
	/* a chunk size with no hex digits is not valid HTTP, not a last chunk */
	expect_status(PROBE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "zz\r\nneedle\r\n0\r\n\r\n", false),
		      "Failure: The response is not valid HTTP (bad chunk size)");
}

/* Garbage, truncated, oversized and stalled answers are failures with a
 * reason, never a crash, a hang of the checker thread or a success. */
static void test_probe_bad_answers_fail(void **state)
{
	(void)state;
	static char huge[20000];
	memcpy(huge, "HTTP/1.1 200 OK\r\nX-Pad: ", 24);
	memset(huge + 24, 'a', sizeof(huge) - 24);
	expect_status(PROBE("garbage\r\n\r\nneedle", false),
		      "Failure: The response is not valid HTTP (bad status line)");
	expect_status(PROBE("HTTP/1.1 200 OK\r\n", false),
		      "Failure: The endpoint closed the connection before");
	expect_status(probe_once(huge, sizeof(huge), true),
		      "Failure: The response headers are larger than 16384 bytes");
	expect_status(PROBE("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nneedle", false),
		      "Failure: The response is not valid HTTP (bad Content-Length)");
	expect_status(PROBE("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nneed", true),
		      "Failure: HTTP Status Code 200, OK. The response body did not arrive");
	expect_status(PROBE("HTTP/1.1 200 OK\r\n", true), "Failure: Timeout waiting");
	expect_status(PROBE("HTTP/1.1 503 Service Unavailable\r\n\r\nneedle", false),
		      "Failure: HTTP Status Code 503");
}

/* SEMANTICS §10: the status text quotes the reason phrase; one that is
 * not UTF-8 is kept to printable ASCII, so GetHealthCheckStatus can still
 * return the text as a JSON string. */
static void test_probe_reason_phrase_is_printable(void **state)
{
	(void)state;
	const char *st = PROBE("HTTP/1.1 599 \xff\xfe\x1b[0m\r\n\r\n", false);
	expect_status(st, "Failure: HTTP Status Code 599, ???[0m");
	for (const char *c = st; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			fail_msg("status \"%s\" has byte 0x%02x", st, (unsigned char)*c);
}

/* ---- TLS answers (a loopback TLS server with canned records) ---- */

/* A throwaway self-signed P-256 certificate: the checker validates none. */
static SSL_CTX *tls_server_ctx(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_non_null(key);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"health.test",
				   -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	/* TLS 1.3 without session tickets: the server's first flight is all
	 * it sends (tls_canned_run) */
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

#define TLS_PARTS_MAX 80

struct tls_canned {
	int lfd;
	SSL_CTX *ctx;
	const char *part[TLS_PARTS_MAX]; /* one TLS record each */
	size_t len[TLS_PARTS_MAX];
	size_t nparts;
	pthread_t t;
};

/* True while the checker thread ("dnsp-health", the only one in this
 * process) sleeps in epoll_wait. */
static bool checker_waits(void)
{
	bool waits = false;
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	while (d && !waits && (e = readdir(d))) {
		char path[300], comm[32] = "", wchan[64] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		bool ours = fgets(comm, sizeof(comm), f) && strcmp(comm, "dnsp-health\n") == 0;
		fclose(f);
		snprintf(path, sizeof(path), "/proc/self/task/%s/wchan", e->d_name);
		if (ours && (f = fopen(path, "r"))) {
			waits = fgets(wchan, sizeof(wchan), f) && (strstr(wchan, "epoll_wait") ||
								   strstr(wchan, "ep_poll"));
			fclose(f);
		}
	}
	if (d)
		closedir(d);
	return waits;
}

/* Answers before the request, in the handshake's first flight (TLS 1.3
 * "0.5-RTT" data): the server's handshake messages and every part, each
 * sealed into its own record, leave in one send() once the checker sleeps
 * waiting for them, so it takes the whole answer in the same wakeup that
 * completes its handshake, always at the same point of its work. The
 * connection then stays open, silent, until the checker closes it, so only
 * bytes that OpenSSL already holds can complete the probe. */
static void *tls_canned_run(void *arg)
{
	struct tls_canned *s = arg;
	char buf[4096];
	size_t got;
	int fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	SSL *ssl = SSL_new(s->ctx);
	BIO *in = BIO_new_socket(fd, BIO_NOCLOSE), *out = BIO_new(BIO_s_mem());
	if (ssl && in && out) {
		SSL_set_bio(ssl, in, out);
		in = out = NULL;
		/* reads the ClientHello, seals the flight into memory */
		bool sealed = SSL_read_early_data(ssl, buf, sizeof(buf), &got) ==
			      SSL_READ_EARLY_DATA_FINISH;
		for (size_t i = 0; i < s->nparts && sealed; i++)
			sealed = SSL_write_early_data(ssl, s->part[i], s->len[i], &got) == 1 &&
				 got == s->len[i];
		/* the checker has sent its ClientHello: let it register for the
		 * answer (a kernel without wchan only makes this a short delay) */
		for (int i = 0; i < 1000 && !checker_waits(); i++) {
			struct timespec ts = { 0, 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		char *flight;
		long n = BIO_get_mem_data(SSL_get_wbio(ssl), &flight);
		for (long off = 0; sealed && off < n;) {
			ssize_t w = send(fd, flight + off, (size_t)(n - off), MSG_NOSIGNAL);
			if (w <= 0)
				break;
			off += w;
		}
		while (recv(fd, buf, sizeof(buf), 0) > 0) /* until the checker closes */
			;
	}
	BIO_free(in);
	BIO_free(out);
	SSL_free(ssl);
	close(fd);
	return NULL;
}

static void tls_part(struct tls_canned *s, const char *p, size_t len)
{
	assert_true(s->nparts < TLS_PARTS_MAX);
	assert_true(len > 0 && len <= 16384); /* fits one record */
	s->part[s->nparts] = p;
	s->len[s->nparts++] = len;
}

/* One HTTPS_STR_MATCH probe (SearchString "needle", TimeoutMs 5000) against
 * s's records; waits for the result with a generous bound and returns the
 * check's status text. */
static const char *tls_probe_once(struct tls_canned *s)
{
	static struct dnsp_health_obs o;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char conf[512];
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(pthread_create(&s->t, NULL, tls_canned_run, s), 0);
	snprintf(conf, sizeof(conf),
		 BASE "  - {Id: t-https, IntervalMs: 60000, TimeoutMs: 5000, HealthCheckConfig: "
		 "{Type: HTTPS_STR_MATCH, IPAddress: 127.0.0.1, Port: %d, SearchString: needle, "
		 "FailureThreshold: 1}}\n", ntohs(sa.sin_port));
	dnsp_health_checker_t *hc = checker(conf);
	assert_int_equal(dnsp_health_checker_start(hc), 0);
	memset(&o, 0, sizeof(o));
	for (int i = 0; i < 4000 && o.probes_ok + o.probes_failed == 0; i++) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		assert_int_equal(dnsp_health_checker_observe(hc, "t-https", &o), 0);
	}
	assert_int_equal(o.probes_ok + o.probes_failed, 1);
	assert_int_equal(ok("t-https"), o.probes_ok == 1);
	dnsp_health_checker_destroy(hc);
	pthread_join(s->t, NULL);
	close(s->lfd);
	return o.status;
}

#define TLS_BODY 5000 /* body bytes in the last record: more than one 4096-byte read */
#define FOUND "Success: HTTP Status Code 200, OK. Search string found"

/* SEMANTICS §10 *_STR_MATCH over HTTPS: bytes that OpenSSL has taken from
 * the socket but not yet handed out (the rest of a record larger than one
 * read) complete the probe although the socket has nothing more to say;
 * the search string sits past the first 4096 bytes of the last record.
 * The answer is the head, n one-byte records, then the body's record: for
 * some n the checker's reads for one wakeup end inside that last record,
 * and a probe that then waited for the socket would report a timeout. */
static void test_https_probe_reads_bytes_tls_holds(void **state)
{
	(void)state;
	static char body[TLS_BODY + 1];
	static char whole[128 + TLS_BODY];
	char head[128];
	memset(body, 'x', TLS_BODY);
	memcpy(body + TLS_BODY - 10, "needle", 6);
	struct tls_canned s = { .ctx = tls_server_ctx() };

	/* head and body in one record */
	int hl = snprintf(whole, sizeof(whole), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n",
			  TLS_BODY);
	memcpy(whole + hl, body, TLS_BODY);
	tls_part(&s, whole, (size_t)hl + TLS_BODY);
	expect_status(tls_probe_once(&s), FOUND);

	for (int n = 0; n <= 70; n++) {
		s.nparts = 0;
		hl = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n",
			      n + TLS_BODY);
		tls_part(&s, head, (size_t)hl);
		for (int i = 0; i < n; i++)
			tls_part(&s, "-", 1);
		tls_part(&s, body, TLS_BODY);
		const char *st = tls_probe_once(&s);
		if (strncmp(st, FOUND, strlen(FOUND)) != 0)
			fail_msg("%d one-byte records: status \"%s\"", n, st);
	}
	SSL_CTX_free(s.ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_good_checks_load_with_defaults, teardown),
		cmocka_unit_test_teardown(test_absent_section_gives_empty_model, teardown),
		cmocka_unit_test_teardown(test_item_shape_errors, teardown),
		cmocka_unit_test_teardown(test_type_errors, teardown),
		cmocka_unit_test_teardown(test_endpoint_field_errors, teardown),
		cmocka_unit_test_teardown(test_search_string_errors, teardown),
		cmocka_unit_test_teardown(test_fields_not_for_type_are_errors, teardown),
		cmocka_unit_test_teardown(test_calculated_errors, teardown),
		cmocka_unit_test_teardown(test_record_health_check_id_must_exist, teardown),
		cmocka_unit_test(test_view_flips_after_threshold_consecutive_results),
		cmocka_unit_test(test_status_applies_disabled_then_inverted),
		cmocka_unit_test(test_calculated_threshold_rule),
		cmocka_unit_test_teardown(test_checker_writes_status_after_threshold, teardown),
		cmocka_unit_test_teardown(test_inverted_check_starts_unhealthy_and_flips, teardown),
		cmocka_unit_test_teardown(test_disabled_check_is_healthy, teardown),
		cmocka_unit_test_teardown(test_calculated_follows_children, teardown),
		cmocka_unit_test_teardown(test_api_set_check, teardown),
		cmocka_unit_test_teardown(test_update_keeps_adds_and_removes, teardown),
		cmocka_unit_test_teardown(test_thread_probes_and_stops, teardown),
		cmocka_unit_test_teardown(test_probe_body_decoding, teardown),
		cmocka_unit_test_teardown(test_probe_bad_answers_fail, teardown),
		cmocka_unit_test_teardown(test_probe_reason_phrase_is_printable, teardown),
		cmocka_unit_test_teardown(test_https_probe_reads_bytes_tls_holds, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
