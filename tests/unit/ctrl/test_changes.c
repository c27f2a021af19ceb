/*
 * Unit tests for ctrl/changes.c: ChangeResourceRecordSets semantics
 * (SEMANTICS §16; Route 53 API ChangeResourceRecordSets). The daemon is a
 * plain struct dnsp_daemon around a configuration loaded from inline YAML;
 * dnsp_daemon_publish_locked() is replaced by a fake below that counts
 * calls and can be told to fail, so these tests check the batch logic
 * alone (the real compile + publish is covered by the integration tests).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ctrl/changes.h"
#include "ctrl/rrjson.h"

/* ---- fake publish ---- */

static int publish_calls;
static bool publish_fails;

int dnsp_daemon_publish_locked(struct dnsp_daemon *d, struct dnsp_errlist *errs)
{
	publish_calls++;
	if (publish_fails) {
		dnsp_errlist_add_plain(errs, "compile refused the zone (test)");
		return DNSP_ECONFIG;
	}
	d->generation++;
	return 0;
}

/* ---- fixture ---- */

static const char config_yaml[] =
	"listeners:\n"
	"  - {address: 127.0.0.1, port: 5300, role: public}\n"
	"hosted_zones:\n"
	"  - Id: ZT\n"
	"    Name: example.com.\n"
	"    Config: {PrivateZone: false}\n"
	"    ResourceRecordSets:\n"
	"      - {Name: example.com., Type: NS, TTL: 172800,"
	" ResourceRecords: [{Value: ns1.example.com.}]}\n"
	"      - {Name: ns1.example.com., Type: A, TTL: 3600,"
	" ResourceRecords: [{Value: 192.0.2.53}]}\n"
	"      - {Name: www.example.com., Type: A, TTL: 300,"
	" ResourceRecords: [{Value: 192.0.2.1}, {Value: 192.0.2.2}]}\n"
	"      - {Name: w.example.com., Type: A, SetIdentifier: one, Weight: 10, TTL: 60,"
	" ResourceRecords: [{Value: 192.0.2.10}]}\n"
	"      - {Name: w.example.com., Type: A, SetIdentifier: two, Weight: 20, TTL: 60,"
	" ResourceRecords: [{Value: 192.0.2.20}]}\n";

static struct dnsp_daemon daemon_;

static int setup(void **state)
{
	(void)state;
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	memset(&daemon_, 0, sizeof(daemon_));
	pthread_mutex_init(&daemon_.lock, NULL);
	int rc = dnsp_config_load_string(config_yaml, strlen(config_yaml), "test.yaml", ".",
					 &daemon_.cfg, &errs);
	if (rc != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		dnsp_errlist_fini(&errs);
		return -1;
	}
	dnsp_errlist_fini(&errs);
	publish_calls = 0;
	publish_fails = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dnsp_config_destroy(daemon_.cfg);
	pthread_mutex_destroy(&daemon_.lock);
	return 0;
}

static struct dnsp_cfg_zone *zone(void)
{
	return dnsp_config_zone_by_id(daemon_.cfg, "ZT");
}

/* Applies a batch given as JSON text; returns the status, *body the reply. */
static int apply(const char *zone_id, const char *batch, json_t **body)
{
	json_error_t e;
	json_t *req = json_loads(batch, 0, &e);
	if (!req)
		fail_msg("bad test JSON: %s", e.text);
	int status = dnsp_changes_apply(&daemon_, zone_id, req, body);
	json_decref(req);
	assert_non_null(*body);
	return status;
}

static const char *error_field(json_t *body, const char *field)
{
	return json_string_value(json_object_get(json_object_get(body, "Error"), field));
}

/* Asserts status 400/404 with code and the exact message text. */
static void expect_error(const char *batch, int status, const char *code, const char *message)
{
	json_t *body;
	int got = apply("ZT", batch, &body);
	if (got != status || strcmp(error_field(body, "Code") ? error_field(body, "Code") : "",
				    code) != 0 ||
	    strcmp(error_field(body, "Message") ? error_field(body, "Message") : "", message) != 0) {
		char *s = json_dumps(body, JSON_COMPACT);
		fail_msg("expected %d %s \"%s\", got %d %s", status, code, message, got, s);
	}
	json_decref(body);
}

static void expect_ok(const char *batch)
{
	json_t *body;
	int got = apply("ZT", batch, &body);
	if (got != 200) {
		char *s = json_dumps(body, JSON_COMPACT);
		fail_msg("expected 200, got %d %s", got, s);
	}
	json_decref(body);
}

static const struct dnsp_cfg_rrset *find(const char *name, uint16_t type, const char *set_id)
{
	struct dnsp_cfg_zone *z = zone();
	for (size_t i = 0; i < z->nrrsets; i++) {
		const struct dnsp_cfg_rrset *rs = &z->rrsets[i];
		bool sid = set_id ? (rs->routing.set_identifier &&
				     strcmp(rs->routing.set_identifier, set_id) == 0)
				  : rs->routing.set_identifier == NULL;
		if (rs->type == type && sid && strcasecmp(rs->name, name) == 0)
			return rs;
	}
	return NULL;
}

/* A JSON rendering of the whole zone, to compare before/after. */
static char *zone_dump(void)
{
	struct dnsp_cfg_zone *z = zone();
	json_t *a = json_array();
	for (size_t i = 0; i < z->nrrsets; i++)
		json_array_append_new(a, dnsp_rrjson_from_rrset(&z->rrsets[i]));
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

#define A_SET(name, ttl, v) \
	"{\"Name\":\"" name "\",\"Type\":\"A\",\"TTL\":" #ttl \
	",\"ResourceRecords\":[{\"Value\":\"" v "\"}]}"
#define BATCH1(action, rrset) \
	"{\"Changes\":[{\"Action\":\"" action "\",\"ResourceRecordSet\":" rrset "}]}"

/* ---- CREATE ---- */

static void create_adds_the_set_and_publishes(void **state)
{
	(void)state;
	json_t *body;
	int st = apply("ZT", "{\"Comment\":\"add new\",\"Changes\":[{\"Action\":\"CREATE\","
		       "\"ResourceRecordSet\":" A_SET("new.example.com", 60, "192.0.2.7") "}]}",
		       &body);
	assert_int_equal(st, 200);
	const struct dnsp_cfg_rrset *rs = find("new.example.com.", 1, NULL);
	assert_non_null(rs);
	assert_int_equal(rs->ttl, 60);
	assert_int_equal(rs->nvalues, 1);
	assert_string_equal(rs->values[0], "192.0.2.7");
	assert_int_equal(publish_calls, 1);
	assert_int_equal(daemon_.generation, 1);
	/* ChangeInfo as Route 53 returns it; changes apply synchronously: INSYNC */
	json_t *ci = json_object_get(body, "ChangeInfo");
	assert_non_null(ci);
	assert_true(strncmp(json_string_value(json_object_get(ci, "Id")), "/change/C", 9) == 0);
	assert_string_equal(json_string_value(json_object_get(ci, "Status")), "INSYNC");
	assert_string_equal(json_string_value(json_object_get(ci, "Comment")), "add new");
	const char *at = json_string_value(json_object_get(ci, "SubmittedAt"));
	assert_non_null(at);
	assert_int_equal(strlen(at), 24); /* 2024-05-01T12:00:00.000Z */
	assert_int_equal(at[10], 'T');
	assert_int_equal(at[23], 'Z');
	json_decref(body);
}

/* Route 53: "Tried to create resource record set [name='...', type='...']
 * but it already exists"; InvalidChangeBatch lists messages in brackets. */
static void create_of_an_existing_set_fails_with_already_exists(void **state)
{
	(void)state;
	expect_error(BATCH1("CREATE", A_SET("www.example.com.", 300, "192.0.2.9")), 400,
		     "InvalidChangeBatch",
		     "[Tried to create resource record set [name='www.example.com.', type='A'] "
		     "but it already exists]");
	assert_int_equal(publish_calls, 0);
}

/* Identity is Name (any case, trailing dot optional) + Type + SetIdentifier. */
static void identity_ignores_case_and_trailing_dot(void **state)
{
	(void)state;
	expect_error(BATCH1("CREATE", A_SET("WWW.Example.COM", 300, "192.0.2.9")), 400,
		     "InvalidChangeBatch",
		     "[Tried to create resource record set [name='WWW.Example.COM.', type='A'] "
		     "but it already exists]");
	/* another type or set identifier is another set */
	expect_ok(BATCH1("CREATE", "{\"Name\":\"www.example.com\",\"Type\":\"TXT\",\"TTL\":60,"
				   "\"ResourceRecords\":[{\"Value\":\"\\\"x\\\"\"}]}"));
	expect_ok(BATCH1("CREATE", "{\"Name\":\"w.example.com\",\"Type\":\"A\","
				   "\"SetIdentifier\":\"three\",\"Weight\":1,\"TTL\":60,"
				   "\"ResourceRecords\":[{\"Value\":\"192.0.2.30\"}]}"));
	assert_non_null(find("w.example.com.", 1, "three"));
}

static void create_of_an_existing_set_identifier_names_it(void **state)
{
	(void)state;
	expect_error(BATCH1("CREATE", "{\"Name\":\"w.example.com\",\"Type\":\"A\","
				      "\"SetIdentifier\":\"one\",\"Weight\":1,\"TTL\":60,"
				      "\"ResourceRecords\":[{\"Value\":\"192.0.2.30\"}]}"),
		     400, "InvalidChangeBatch",
		     "[Tried to create resource record set [name='w.example.com.', type='A', "
		     "set-identifier='one'] but it already exists]");
}

/* ---- UPSERT ---- */

static void upsert_replaces_an_existing_set(void **state)
{
	(void)state;
	expect_ok(BATCH1("UPSERT", A_SET("www.example.com.", 30, "192.0.2.99")));
	const struct dnsp_cfg_rrset *rs = find("www.example.com.", 1, NULL);
	assert_non_null(rs);
	assert_int_equal(rs->ttl, 30);
	assert_int_equal(rs->nvalues, 1);
	assert_string_equal(rs->values[0], "192.0.2.99");
	assert_int_equal(publish_calls, 1);
}

static void upsert_creates_a_missing_set(void **state)
{
	(void)state;
	size_t before = zone()->nrrsets;
	expect_ok(BATCH1("UPSERT", A_SET("fresh.example.com", 60, "192.0.2.30")));
	assert_non_null(find("fresh.example.com.", 1, NULL));
	/* the apex SOA the zone is served with became a real set (+1) */
	assert_int_equal(zone()->nrrsets, before + 2);
}

/* ---- DELETE ---- */

static void delete_of_a_missing_set_fails_with_not_found(void **state)
{
	(void)state;
	expect_error(BATCH1("DELETE", A_SET("never.example.com.", 60, "192.0.2.1")), 400,
		     "InvalidChangeBatch",
		     "[Tried to delete resource record set [name='never.example.com.', type='A'] "
		     "but it was not found]");
}

/* SEMANTICS §16: DELETE must match the current values exactly. */
static void delete_with_other_values_fails_with_do_not_match(void **state)
{
	(void)state;
	const char *msg = "[Tried to delete resource record set [name='www.example.com.', "
			  "type='A'] but the values provided do not match the current values]";
	/* one value short */
	expect_error(BATCH1("DELETE", A_SET("www.example.com.", 300, "192.0.2.1")), 400,
		     "InvalidChangeBatch", msg);
	/* other TTL */
	expect_error(BATCH1("DELETE", "{\"Name\":\"www.example.com.\",\"Type\":\"A\",\"TTL\":301,"
				      "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"},"
				      "{\"Value\":\"192.0.2.2\"}]}"),
		     400, "InvalidChangeBatch", msg);
	/* an alias instead of the records */
	expect_error(BATCH1("DELETE", "{\"Name\":\"www.example.com.\",\"Type\":\"A\","
				      "\"AliasTarget\":{\"HostedZoneId\":\"ZT\",\"DNSName\":"
				      "\"ns1.example.com.\",\"EvaluateTargetHealth\":false}}"),
		     400, "InvalidChangeBatch", msg);
	/* another weight for a weighted set */
	expect_error(BATCH1("DELETE", "{\"Name\":\"w.example.com\",\"Type\":\"A\","
				      "\"SetIdentifier\":\"one\",\"Weight\":11,\"TTL\":60,"
				      "\"ResourceRecords\":[{\"Value\":\"192.0.2.10\"}]}"),
		     400, "InvalidChangeBatch",
		     "[Tried to delete resource record set [name='w.example.com.', type='A', "
		     "set-identifier='one'] but the values provided do not match the current "
		     "values]");
	assert_non_null(find("www.example.com.", 1, NULL));
	assert_int_equal(publish_calls, 0);
}

static void delete_with_exact_values_removes_the_set(void **state)
{
	(void)state;
	/* values in another order are the same set of records */
	expect_ok(BATCH1("DELETE", "{\"Name\":\"www.example.com\",\"Type\":\"A\",\"TTL\":300,"
				   "\"ResourceRecords\":[{\"Value\":\"192.0.2.2\"},"
				   "{\"Value\":\"192.0.2.1\"}]}"));
	assert_null(find("www.example.com.", 1, NULL));
	expect_ok(BATCH1("DELETE", "{\"Name\":\"w.example.com\",\"Type\":\"A\","
				   "\"SetIdentifier\":\"two\",\"Weight\":20,\"TTL\":60,"
				   "\"ResourceRecords\":[{\"Value\":\"192.0.2.20\"}]}"));
	assert_null(find("w.example.com.", 1, "two"));
	assert_non_null(find("w.example.com.", 1, "one"));
}

/* Changes apply in order: DELETE then CREATE of one set is a replace; the
 * same set cannot be deleted twice in one batch. */
static void changes_apply_in_order(void **state)
{
	(void)state;
	expect_ok("{\"Changes\":["
		  "{\"Action\":\"DELETE\",\"ResourceRecordSet\":{\"Name\":\"www.example.com\","
		  "\"Type\":\"A\",\"TTL\":300,\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"},"
		  "{\"Value\":\"192.0.2.2\"}]}},"
		  "{\"Action\":\"CREATE\",\"ResourceRecordSet\":" A_SET("www.example.com", 5,
									"192.0.2.5") "}]}");
	assert_int_equal(find("www.example.com.", 1, NULL)->ttl, 5);
	expect_error("{\"Changes\":["
		     "{\"Action\":\"DELETE\",\"ResourceRecordSet\":" A_SET("www.example.com", 5,
									   "192.0.2.5") "},"
		     "{\"Action\":\"DELETE\",\"ResourceRecordSet\":" A_SET("www.example.com", 5,
									   "192.0.2.5") "}]}",
		     400, "InvalidChangeBatch",
		     "[Tried to delete resource record set [name='www.example.com.', type='A'] "
		     "but it was not found]");
	assert_non_null(find("www.example.com.", 1, NULL));
}

/* ---- atomicity ---- */

/* ChangeResourceRecordSets is transactional: one failing change and none
 * of the batch is applied. */
static void batch_whose_second_change_fails_changes_nothing(void **state)
{
	(void)state;
	char *before = zone_dump();
	expect_error("{\"Changes\":["
		     "{\"Action\":\"CREATE\",\"ResourceRecordSet\":" A_SET("atomic.example.com", 60,
									   "192.0.2.20") "},"
		     "{\"Action\":\"CREATE\",\"ResourceRecordSet\":" A_SET("www.example.com", 60,
									   "192.0.2.21") "},"
		     "{\"Action\":\"UPSERT\",\"ResourceRecordSet\":" A_SET("ns1.example.com", 60,
									   "192.0.2.22") "}]}",
		     400, "InvalidChangeBatch",
		     "[Tried to create resource record set [name='www.example.com.', type='A'] "
		     "but it already exists]");
	char *after = zone_dump();
	assert_string_equal(before, after);
	assert_null(find("atomic.example.com.", 1, NULL));
	assert_int_equal(publish_calls, 0);
	free(before);
	free(after);
}

/* Every conflict of the batch is reported, Route 53 style "[a, b]". */
static void every_conflict_is_reported(void **state)
{
	(void)state;
	expect_error("{\"Changes\":["
		     "{\"Action\":\"CREATE\",\"ResourceRecordSet\":" A_SET("www.example.com", 60,
									   "192.0.2.21") "},"
		     "{\"Action\":\"DELETE\",\"ResourceRecordSet\":" A_SET("no.example.com", 60,
									   "192.0.2.21") "}]}",
		     400, "InvalidChangeBatch",
		     "[Tried to create resource record set [name='www.example.com.', type='A'] "
		     "but it already exists, Tried to delete resource record set "
		     "[name='no.example.com.', type='A'] but it was not found]");
}

/* The zone as a whole is checked (dnsp_config_check_zone): a CNAME beside
 * other data (RFC 1034 §3.6.2) fails the batch and changes nothing. */
static void batch_leaving_an_invalid_zone_changes_nothing(void **state)
{
	(void)state;
	char *before = zone_dump();
	json_t *body;
	int st = apply("ZT", "{\"Changes\":["
			     "{\"Action\":\"CREATE\",\"ResourceRecordSet\":"
			     A_SET("atomic.example.com", 60, "192.0.2.20") "},"
			     "{\"Action\":\"CREATE\",\"ResourceRecordSet\":{\"Name\":"
			     "\"www.example.com\",\"Type\":\"CNAME\",\"TTL\":60,\"ResourceRecords\":"
			     "[{\"Value\":\"atomic.example.com.\"}]}}]}",
		       &body);
	assert_int_equal(st, 400);
	assert_string_equal(error_field(body, "Code"), "InvalidChangeBatch");
	assert_non_null(strstr(error_field(body, "Message"), "CNAME"));
	json_decref(body);
	char *after = zone_dump();
	assert_string_equal(before, after);
	assert_int_equal(publish_calls, 0);
	free(before);
	free(after);
}

/* A compile/publish failure undoes the change (all or nothing). */
static void failed_publish_restores_the_zone(void **state)
{
	(void)state;
	char *before = zone_dump();
	publish_fails = true;
	expect_error(BATCH1("CREATE", A_SET("pub.example.com", 60, "192.0.2.40")), 400,
		     "InvalidChangeBatch", "[compile refused the zone (test)]");
	assert_int_equal(publish_calls, 1);
	char *after = zone_dump();
	assert_string_equal(before, after);
	assert_int_equal(daemon_.generation, 0);
	free(before);
	free(after);
}

/* ---- apex SOA / NS ---- */

/* Route 53: "A HostedZone must contain exactly one SOA record." — the zone
 * has no SOA in its config, so this is the generated one. */
static void deleting_the_apex_soa_is_refused(void **state)
{
	(void)state;
	expect_error(BATCH1("DELETE", "{\"Name\":\"example.com.\",\"Type\":\"SOA\",\"TTL\":900,"
				      "\"ResourceRecords\":[{\"Value\":\"ns1.example.com. "
				      "hostmaster.example.com. 1 7200 900 1209600 86400\"}]}"),
		     400, "InvalidChangeBatch", "[A HostedZone must contain exactly one SOA record.]");
	/* creating a second one is "already exists"; replacing it is fine */
	expect_error(BATCH1("CREATE", "{\"Name\":\"example.com.\",\"Type\":\"SOA\",\"TTL\":900,"
				      "\"ResourceRecords\":[{\"Value\":\"ns1.example.com. "
				      "h.example.com. 2 7200 900 1209600 86400\"}]}"),
		     400, "InvalidChangeBatch",
		     "[Tried to create resource record set [name='example.com.', type='SOA'] but "
		     "it already exists]");
	expect_ok(BATCH1("UPSERT", "{\"Name\":\"example.com.\",\"Type\":\"SOA\",\"TTL\":600,"
				   "\"ResourceRecords\":[{\"Value\":\"ns1.example.com. "
				   "h.example.com. 2 7200 900 1209600 86400\"}]}"));
	assert_int_equal(find("example.com.", 6, NULL)->ttl, 600);
}

/* Route 53: "A HostedZone must contain at least one NS record for the zone
 * itself." */
static void deleting_the_apex_ns_is_refused(void **state)
{
	(void)state;
	expect_error(BATCH1("DELETE", "{\"Name\":\"example.com.\",\"Type\":\"NS\",\"TTL\":172800,"
				      "\"ResourceRecords\":[{\"Value\":\"ns1.example.com.\"}]}"),
		     400, "InvalidChangeBatch",
		     "[A HostedZone must contain at least one NS record for the zone itself.]");
	assert_non_null(find("example.com.", 2, NULL));
}

/* ---- request shape ---- */

static void unknown_zone_is_no_such_hosted_zone(void **state)
{
	(void)state;
	json_t *body;
	int st = apply("ZNOPE", BATCH1("CREATE", A_SET("x.example.com", 60, "192.0.2.1")), &body);
	assert_int_equal(st, 404);
	assert_string_equal(error_field(body, "Code"), "NoSuchHostedZone");
	assert_string_equal(error_field(body, "Message"), "No hosted zone found with ID: ZNOPE");
	json_decref(body);
}

static void zone_id_may_carry_the_hostedzone_prefix(void **state)
{
	(void)state;
	json_t *body;
	int st = apply("/hostedzone/ZT", BATCH1("CREATE", A_SET("p.example.com", 60, "192.0.2.1")),
		       &body);
	assert_int_equal(st, 200);
	json_decref(body);
	/* and the body may be the whole request, {"ChangeBatch": {...}} */
	st = apply("ZT", "{\"HostedZoneId\":\"ZT\",\"ChangeBatch\":" BATCH1(
				 "CREATE", A_SET("q.example.com", 60, "192.0.2.1")) "}",
		   &body);
	assert_int_equal(st, 200);
	json_decref(body);
	assert_non_null(find("q.example.com.", 1, NULL));
}

static void malformed_batches_are_invalid_input(void **state)
{
	(void)state;
	expect_error("{\"Comment\":\"x\"}", 400, "InvalidInput",
		     "Missing required parameter in ChangeBatch: \"Changes\"");
	expect_error("{\"Changes\":[]}", 400, "InvalidInput",
		     "Invalid length for parameter ChangeBatch.Changes, value: 0, valid length: "
		     "1-1000");
	expect_error(BATCH1("REPLACE", A_SET("x.example.com", 60, "192.0.2.1")), 400,
		     "InvalidInput",
		     "Invalid value for parameter ChangeBatch.Changes[0].Action, value: \"REPLACE\", "
		     "valid values: CREATE, DELETE, UPSERT");
	expect_error("{\"Changes\":[{\"Action\":\"CREATE\"}]}", 400, "InvalidInput",
		     "Missing required parameter in ChangeBatch.Changes[0]: \"ResourceRecordSet\"");
	expect_error(BATCH1("CREATE", "{\"Name\":\"x.example.com\",\"Type\":\"A\","
				      "\"SetIdentifier\":\"s\",\"Weight\":256,\"TTL\":60,"
				      "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}"),
		     400, "InvalidInput",
		     "Invalid range for parameter ChangeBatch.Changes[0].ResourceRecordSet.Weight, "
		     "value: 256, valid range: 0-255");
	assert_int_equal(publish_calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(create_adds_the_set_and_publishes, setup, teardown),
		cmocka_unit_test_setup_teardown(create_of_an_existing_set_fails_with_already_exists,
						setup, teardown),
		cmocka_unit_test_setup_teardown(identity_ignores_case_and_trailing_dot, setup,
						teardown),
		cmocka_unit_test_setup_teardown(create_of_an_existing_set_identifier_names_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(upsert_replaces_an_existing_set, setup, teardown),
		cmocka_unit_test_setup_teardown(upsert_creates_a_missing_set, setup, teardown),
		cmocka_unit_test_setup_teardown(delete_of_a_missing_set_fails_with_not_found, setup,
						teardown),
		cmocka_unit_test_setup_teardown(delete_with_other_values_fails_with_do_not_match,
						setup, teardown),
		cmocka_unit_test_setup_teardown(delete_with_exact_values_removes_the_set, setup,
						teardown),
		cmocka_unit_test_setup_teardown(changes_apply_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(batch_whose_second_change_fails_changes_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(every_conflict_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(batch_leaving_an_invalid_zone_changes_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(failed_publish_restores_the_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(deleting_the_apex_soa_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(deleting_the_apex_ns_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_zone_is_no_such_hosted_zone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(zone_id_may_carry_the_hostedzone_prefix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(malformed_batches_are_invalid_input, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
