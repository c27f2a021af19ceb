/*
 * Unit tests for the configuration loader (ctrl/config.c, SPEC §3
 * "Configuration file" and "Contract details", SEMANTICS §16): good files
 * load with the right values (YAML and JSON), and every rule produces
 * exactly the expected "FILE:LINE: KEY: message" line. Fixture files live
 * in configs/ (the test runs with the source folder as working directory);
 * the rest are inline strings built on BASE, whose line numbers are noted.
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

#include "ctrl/config.h"

static struct dnsp_errlist errs;
static struct dnsp_config *cfg;

/* Lines 1-9; appended record sets start at line 10 as ResourceRecordSets[1]. */
#define BASE                                                                                 \
	"listeners:\n"                                                             /* 1 */   \
	"  - {address: 127.0.0.1, role: public}\n"                                 /* 2 */   \
	"vpcs:\n"                                                                  /* 3 */   \
	"  - {VpcId: vpc-a, Cidrs: [10.0.0.0/16]}\n"                               /* 4 */   \
	"hosted_zones:\n"                                                          /* 5 */   \
	"  - Id: Z1\n"                                                             /* 6 */   \
	"    Name: example.com.\n"                                                 /* 7 */   \
	"    ResourceRecordSets:\n"                                                /* 8 */   \
	"      - {Name: www.example.com., Type: A, TTL: 300, ResourceRecords: [{Value: 192.0.2.1}]}\n"

#define RR(fields) "      - {" fields "}\n"

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
	return dnsp_config_load_string(text, strlen(text), "t.yaml", "configs", &cfg, &errs);
}

static int load_file(const char *path)
{
	reset();
	return dnsp_config_load_file(path, &cfg, &errs);
}

static void dump(const char *want)
{
	fprintf(stderr, "wanted: %s...\ngot %zu error(s):\n", want, errs.n);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  %s\n", errs.msgs[i]);
}

static bool has(const char *prefix)
{
	for (size_t i = 0; i < errs.n; i++)
		if (strncmp(errs.msgs[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* The load fails with exactly one error, which starts with prefix. */
static void expect_one(const char *text, const char *prefix)
{
	int rc = load(text);
	if (rc != DNSP_ECONFIG || errs.n != 1 || !has(prefix)) {
		dump(prefix);
		fail_msg("rc=%d", rc);
	}
	assert_null(cfg);
}

/* The load fails and one of the errors starts with prefix. */
static void expect_has(const char *text, const char *prefix)
{
	int rc = load(text);
	if (rc != DNSP_ECONFIG || !has(prefix)) {
		dump(prefix);
		fail_msg("rc=%d", rc);
	}
}

static void expect_ok(const char *text)
{
	int rc = load(text);
	if (rc != 0) {
		dump("(no errors)");
		fail_msg("rc=%d", rc);
	}
	assert_non_null(cfg);
}

static const struct dnsp_cfg_rrset *find_rrset(const struct dnsp_cfg_zone *z, const char *name,
					       uint16_t type, const char *set_id)
{
	for (size_t i = 0; i < z->nrrsets; i++) {
		const struct dnsp_cfg_rrset *rs = &z->rrsets[i];
		if (strcasecmp(rs->name, name) == 0 && rs->type == type &&
		    (!set_id || (rs->routing.set_identifier &&
				 strcmp(rs->routing.set_identifier, set_id) == 0)))
			return rs;
	}
	fail_msg("no record set %s %u %s", name, type, set_id ? set_id : "");
	return NULL;
}

/* ---- good configurations ---- */

/* SPEC §3: every section of a good file lands in the model with its values. */
static void test_good_yaml_loads_with_right_values(void **state)
{
	(void)state;
	if (load_file("configs/good.yaml") != 0) {
		dump("(no errors)");
		fail();
	}
	const struct dnsp_cfg_server *s = &cfg->server;
	assert_string_equal(cfg->path, "configs/good.yaml");
	assert_string_equal(cfg->dir, "configs");
	assert_string_equal(s->dataplane, "afxdp");
	assert_int_equal(s->workers, 4);
	assert_int_equal(s->ninterfaces, 2);
	assert_string_equal(s->if_names[0], "eth0");
	assert_int_equal(s->if_queues[0], 2);
	assert_string_equal(s->if_names[1], "eth1");
	assert_int_equal(s->if_queues[1], 1);
	assert_int_equal(s->ndpdk_args, 2);
	assert_string_equal(s->dpdk_args[1], "--vdev=net_tap0");
	assert_string_equal(s->control_listen, "127.0.0.1:9053");
	assert_int_equal(s->udp_max, 4096);
	assert_int_equal(s->tcp_idle_timeout_ms, 5000);
	assert_int_equal(s->tcp_max_connections, 64);

	assert_int_equal(cfg->nlisteners, 4);
	assert_int_equal(cfg->listeners[0].addr.family, 4);
	assert_int_equal(cfg->listeners[0].port, 5353);
	assert_int_equal(cfg->listeners[0].role, DNSP_CFG_PUBLIC);
	assert_int_equal(cfg->listeners[0].loc.line, 14);
	assert_int_equal(cfg->listeners[1].addr.family, 6);
	assert_int_equal(cfg->listeners[1].addr.addr[15], 1);
	assert_int_equal(cfg->listeners[1].port, 53);
	assert_int_equal(cfg->listeners[2].role, DNSP_CFG_RESOLVER);
	assert_string_equal(cfg->listeners[2].vpc, "vpc-a");
	assert_null(cfg->listeners[3].vpc); /* resolver without vpc: VPC by client CIDR */

	assert_int_equal(cfg->nvpcs, 2);
	assert_string_equal(cfg->vpcs[0].id, "vpc-a");
	assert_int_equal(cfg->vpcs[0].ncidrs, 2);
	assert_int_equal(cfg->vpcs[0].cidrs[0].family, 4);
	assert_int_equal(cfg->vpcs[0].cidrs[0].plen, 8);
	assert_int_equal(cfg->vpcs[0].cidrs[0].addr[0], 127);
	assert_int_equal(cfg->vpcs[0].cidrs[1].family, 6);
	assert_int_equal(cfg->vpcs[0].cidrs[1].plen, 48);
	assert_true(cfg->vpcs[0].dns_support);
	assert_false(cfg->vpcs[0].dns_hostnames);
	assert_int_equal(cfg->vpcs[0].dnssec_validation, 1);
	assert_int_equal(cfg->vpcs[1].dnssec_validation, -1);

	assert_int_equal(cfg->nzones, 4);
	const struct dnsp_cfg_zone *z = &cfg->zones[0];
	assert_string_equal(z->id, "ZNET");
	assert_string_equal(z->name, "example.net."); /* trailing dot added */
	assert_false(z->private_zone);
	assert_string_equal(z->comment, "public example.net");
	assert_true(z->dnssec_signing);
	assert_int_equal(z->nvpcs, 0);
	assert_string_equal(z->zone_file, "configs/zones/example.net.zone");
	assert_string_equal(z->loc.file, "configs/good.yaml");
	assert_int_equal(z->loc.line, 26);

	const struct dnsp_cfg_zone *p = &cfg->zones[1];
	assert_true(p->private_zone);
	assert_string_equal(p->name, "example.net."); /* same name as the public zone */
	assert_int_equal(p->nvpcs, 1);
	assert_string_equal(p->vpc_ids[0], "vpc-a");
	assert_string_equal(p->vpc_regions[0], "us-east-1");
	assert_null(cfg->zones[2].vpc_regions[0]);
	assert_int_equal(cfg->zones[3].nvpcs, 0); /* VPCs: [] */

	/* geo_db relative to the config's folder; latency_db absolute */
	assert_string_equal(s->geo_db, "configs/geo/GeoLite2-City.mmdb");
	assert_string_equal(s->latency_db, "/var/lib/dnsplane/latency.csv");
}

/* SEMANTICS §16: every ResourceRecordSet field is parsed; policy is derived. */
static void test_record_set_fields_and_policy(void **state)
{
	(void)state;
	assert_int_equal(load_file("configs/good.yaml"), 0);
	const struct dnsp_cfg_zone *z = &cfg->zones[0];
	const struct dnsp_cfg_rrset *rs;

	rs = find_rrset(z, "api.example.net.", 1, NULL); /* Name without dot */
	assert_int_equal(rs->policy, DNSP_POLICY_SIMPLE);
	assert_true(rs->has_ttl);
	assert_int_equal(rs->ttl, 60);
	assert_int_equal(rs->nvalues, 2);
	assert_string_equal(rs->values[1], "192.0.2.91");
	assert_false(rs->from_file);
	assert_int_equal(rs->loc.line, 32);
	assert_int_equal(rs->routing.weight, -1);

	rs = find_rrset(z, "w.example.net.", 1, "w-two");
	assert_int_equal(rs->policy, DNSP_POLICY_WEIGHTED);
	assert_int_equal(rs->routing.weight, 0);
	rs = find_rrset(z, "lat.example.net.", 1, "use1");
	assert_int_equal(rs->policy, DNSP_POLICY_LATENCY);
	assert_string_equal(rs->routing.region, "us-east-1");
	rs = find_rrset(z, "fo.example.net.", 1, "s");
	assert_int_equal(rs->policy, DNSP_POLICY_FAILOVER);
	assert_string_equal(rs->routing.failover, "SECONDARY");
	rs = find_rrset(z, "geo.example.net.", 1, "eu");
	assert_int_equal(rs->policy, DNSP_POLICY_GEOLOCATION);
	assert_string_equal(rs->routing.geo_continent, "EU");
	assert_null(rs->routing.geo_country);
	rs = find_rrset(z, "geo.example.net.", 1, "us-wa");
	assert_string_equal(rs->routing.geo_country, "US");
	assert_string_equal(rs->routing.geo_subdivision, "WA");
	rs = find_rrset(z, "geo.example.net.", 1, "default");
	assert_string_equal(rs->routing.geo_country, "*");
	rs = find_rrset(z, "gp.example.net.", 1, "gp1");
	assert_int_equal(rs->policy, DNSP_POLICY_GEOPROXIMITY);
	assert_true(rs->routing.has_geoproximity);
	assert_true(rs->routing.gp_has_coordinates);
	assert_true(rs->routing.gp_latitude > 47.60 && rs->routing.gp_latitude < 47.62);
	assert_true(rs->routing.gp_longitude < -122.32 && rs->routing.gp_longitude > -122.34);
	assert_int_equal(rs->routing.gp_bias, -20);
	rs = find_rrset(z, "gp.example.net.", 1, "gp2");
	assert_string_equal(rs->routing.gp_aws_region, "eu-west-1");
	assert_int_equal(rs->routing.gp_bias, 99);
	rs = find_rrset(z, "mv.example.net.", 1, "mv1");
	assert_int_equal(rs->policy, DNSP_POLICY_MULTIVALUE);
	assert_int_equal(rs->routing.multivalue, 1);

	/* "\052" is Route 53's octal escape for "*" */
	rs = find_rrset(z, "*.wild.example.net.", 16, NULL);
	assert_int_equal(rs->ttl, 0);
	assert_string_equal(rs->values[0], "\"wild\"");

	rs = find_rrset(z, "alias.example.net.", 1, NULL);
	assert_true(rs->is_alias);
	assert_false(rs->has_ttl);
	assert_int_equal(rs->nvalues, 0);
	assert_string_equal(rs->alias_zone_id, "ZNET"); /* "/hostedzone/" stripped */
	assert_string_equal(rs->alias_dns_name, "api.example.net.");
	assert_true(rs->alias_evaluate_target_health);
}

/* ZoneFile records become from_file sets grouped by (owner, type), with the
 * zone file's file:line, the smallest TTL and duplicates merged
 * (RFC 2181 §5). */
static void test_zone_file_records_merge_into_record_sets(void **state)
{
	(void)state;
	assert_int_equal(load_file("configs/good.yaml"), 0);
	const struct dnsp_cfg_zone *z = &cfg->zones[0];
	const struct dnsp_cfg_rrset *rs;

	rs = find_rrset(z, "www.example.net.", 1, NULL);
	assert_true(rs->from_file);
	assert_string_equal(rs->loc.file, "configs/zones/example.net.zone");
	assert_int_equal(rs->loc.line, 9);
	assert_int_equal(rs->ttl, 60);
	assert_int_equal(rs->nvalues, 2);
	assert_string_equal(rs->values[0], "192.0.2.80");
	assert_string_equal(rs->values[1], "192.0.2.81");
	assert_int_equal(rs->policy, DNSP_POLICY_SIMPLE);

	rs = find_rrset(z, "example.net.", 6, NULL);
	assert_int_equal(rs->loc.line, 3);
	assert_int_equal(rs->ttl, 3600);
	rs = find_rrset(z, "example.net.", 2, NULL);
	assert_int_equal(rs->nvalues, 2);
	assert_int_equal(rs->loc.line, 5);
	rs = find_rrset(z, "Mail.example.net.", 15, NULL);
	assert_string_equal(rs->name, "Mail.example.net."); /* case kept */
	assert_string_equal(rs->values[0], "10 mail.example.net.");
	rs = find_rrset(z, "txt.example.net.", 16, NULL);
	assert_string_equal(rs->values[0], "\"hello world\" \"second string\"");

	/* YAML sets first, in file order */
	assert_false(z->rrsets[0].from_file);
	assert_string_equal(z->rrsets[0].name, "api.example.net.");
}

/* SPEC §3: JSON is accepted as YAML. */
static void test_json_config_loads(void **state)
{
	(void)state;
	if (load_file("configs/good.json") != 0) {
		dump("(no errors)");
		fail();
	}
	assert_int_equal(cfg->server.workers, 2);
	assert_string_equal(cfg->server.control_listen, "[::1]:8053");
	assert_int_equal(cfg->server.udp_max, 1400);
	assert_int_equal(cfg->nlisteners, 2);
	assert_string_equal(cfg->listeners[1].vpc, "vpc-json");
	assert_int_equal(cfg->nzones, 1);
	const struct dnsp_cfg_rrset *rs = find_rrset(&cfg->zones[0], "*.example.org.", 1, "one");
	assert_int_equal(rs->routing.weight, 100);
	assert_int_equal(rs->loc.line, 16);
	rs = find_rrset(&cfg->zones[0], "example.org.", 15, NULL);
	assert_int_equal(rs->nvalues, 2);
	rs = find_rrset(&cfg->zones[0], "txt.example.org.", 16, NULL);
	assert_string_equal(rs->values[0], "\"v=spf1 -all\"");
}

/* SPEC §3 defaults: socket, 1 worker, control 127.0.0.1:8053, udp_max 1232,
 * tcp idle 10000 ms, 1024 connections, port 53, VPC flags true. */
static void test_defaults_apply_when_keys_are_absent(void **state)
{
	(void)state;
	expect_ok(BASE);
	assert_string_equal(cfg->server.dataplane, "socket");
	assert_int_equal(cfg->server.workers, 1);
	assert_string_equal(cfg->server.control_listen, "127.0.0.1:8053");
	assert_int_equal(cfg->server.udp_max, 1232);
	assert_int_equal(cfg->server.tcp_idle_timeout_ms, 10000);
	assert_int_equal(cfg->server.tcp_max_connections, 1024);
	assert_int_equal(cfg->server.rx_coalesce_us, 0); /* receive coalescing off */
	assert_null(cfg->server.geo_db);
	assert_int_equal(cfg->listeners[0].port, 53);
	assert_true(cfg->vpcs[0].dns_support);
	assert_true(cfg->vpcs[0].dns_hostnames);
	assert_int_equal(cfg->vpcs[0].dnssec_validation, -1);
	assert_false(cfg->zones[0].private_zone);
	assert_null(cfg->zones[0].zone_file);
	assert_string_equal(cfg->path, "t.yaml");
	assert_string_equal(cfg->zones[0].rrsets[0].loc.file, "t.yaml");
}

/* SPEC §3 "Embedded default": it loads without errors. */
static void test_embedded_default_loads_without_errors(void **state)
{
	(void)state;
	reset();
	int rc = dnsp_config_load_string(dnsp_config_embedded, strlen(dnsp_config_embedded),
					 "<embedded>", ".", &cfg, &errs);
	if (rc != 0) {
		dump("(no errors)");
		fail();
	}
	assert_int_equal(cfg->nlisteners, 3);
	assert_int_equal(cfg->listeners[0].port, 5300);
	assert_int_equal(cfg->listeners[1].addr.family, 6);
	assert_int_equal(cfg->listeners[2].role, DNSP_CFG_RESOLVER);
	assert_string_equal(cfg->listeners[2].vpc, "vpc-demo");
	assert_string_equal(cfg->server.control_listen, "127.0.0.1:8053");
	assert_int_equal(cfg->nzones, 2);
	assert_non_null(dnsp_config_zone_by_id(cfg, "Z1PUBLIC"));
	struct dnsp_cfg_zone *p = dnsp_config_zone_by_id(cfg, "Z2PRIVATE");
	assert_non_null(p);
	assert_true(p->private_zone);
	assert_string_equal(p->vpc_ids[0], "vpc-demo");
	/* SPEC §3: the public demo zone exercises several routing policies */
	bool seen[DNSP_POLICY_MULTIVALUE + 1] = {false};
	struct dnsp_cfg_zone *pub = dnsp_config_zone_by_id(cfg, "Z1PUBLIC");
	for (size_t j = 0; j < pub->nrrsets; j++)
		seen[pub->rrsets[j].policy] = true;
	assert_true(seen[DNSP_POLICY_SIMPLE]);
	assert_true(seen[DNSP_POLICY_WEIGHTED]);
	assert_true(seen[DNSP_POLICY_FAILOVER]);
	assert_true(seen[DNSP_POLICY_GEOLOCATION]);
	assert_true(seen[DNSP_POLICY_MULTIVALUE]);
}

/* Route 53: a Name with or without trailing dot; stored absolute. */
static void test_names_are_stored_absolute(void **state)
{
	(void)state;
	expect_ok(BASE RR("Name: Api.Example.com, Type: A, TTL: 1, ResourceRecords: [{Value: 192.0.2.2}]")
		  RR("Name: \"\\\\052.example.com\", Type: A, TTL: 1, ResourceRecords: [{Value: 192.0.2.3}]"));
	assert_string_equal(cfg->zones[0].rrsets[1].name, "Api.Example.com.");
	assert_string_equal(cfg->zones[0].rrsets[2].name, "*.example.com.");
}

/* SPEC "Contract details": paths resolve against the config's folder. */
static void test_paths_resolve_against_config_folder(void **state)
{
	(void)state;
	expect_ok("server: {geo_db: g.csv, latency_db: /abs/l.csv}\n" BASE);
	assert_string_equal(cfg->server.geo_db, "configs/g.csv");
	assert_string_equal(cfg->server.latency_db, "/abs/l.csv");

	reset();
	const char *t = "server: {geo_db: sub/g.csv}\n" BASE;
	assert_int_equal(dnsp_config_load_string(t, strlen(t), "x", "/etc/dnsplane/", &cfg, &errs), 0);
	assert_string_equal(cfg->server.geo_db, "/etc/dnsplane/sub/g.csv");
	assert_string_equal(cfg->dir, "/etc/dnsplane/");

	reset();
	assert_int_equal(dnsp_config_load_string(t, strlen(t), NULL, NULL, &cfg, &errs), 0);
	assert_string_equal(cfg->server.geo_db, "sub/g.csv");
	assert_string_equal(cfg->path, "<config>");
}

/* server.import_dir (README "dnsplane's own fields"): resolved against the
 * config's folder, and it must be an existing directory; anything else is
 * a FILE:LINE: KEY error, as --check prints it. */
static void test_import_dir_must_be_an_existing_directory(void **state)
{
	(void)state;
	expect_ok("server: {import_dir: zones}\n" BASE);
	assert_string_equal(cfg->server.import_dir, "configs/zones");
	expect_ok(BASE);
	assert_null(cfg->server.import_dir);
	expect_one("server:\n  import_dir: good.yaml\n" BASE,
		   "t.yaml:2: server.import_dir: expected an existing directory, got "
		   "\"configs/good.yaml\" (Not a directory)");
	expect_one("server: {import_dir: no-such-dir}\n" BASE,
		   "t.yaml:1: server.import_dir: expected an existing directory, got "
		   "\"configs/no-such-dir\" (No such file or directory)");
	expect_one("server: {import_dir: \"\"}\n" BASE, "t.yaml:1: server.import_dir:");
	expect_one("server: {import_dir: [a]}\n" BASE, "t.yaml:1: server.import_dir:");
}

/* ZoneFile is read relative to the config's folder (load_string's dir). */
static void test_zone_file_resolves_against_dir(void **state)
{
	(void)state;
	expect_ok(BASE "  - {Id: Z2, Name: example.net., ZoneFile: zones/example.net.zone}\n");
	assert_string_equal(cfg->zones[1].zone_file, "configs/zones/example.net.zone");
	assert_true(cfg->zones[1].nrrsets > 5);
}

static void test_private_zone_with_empty_vpcs_is_allowed(void **state)
{
	(void)state;
	expect_ok(BASE "  - {Id: Z2, Name: example.com., Config: {PrivateZone: true}, VPCs: []}\n");
	assert_true(cfg->zones[1].private_zone);
	assert_int_equal(cfg->zones[1].nvpcs, 0);
}

/* One public and several private zones may share a Name (split horizon). */
static void test_same_name_public_and_private_zones_are_allowed(void **state)
{
	(void)state;
	expect_ok("listeners: [{address: 127.0.0.1, role: public}]\n"
		  "vpcs: [{VpcId: vpc-a}, {VpcId: vpc-b}]\n"
		  "hosted_zones:\n"
		  "  - {Id: Z1, Name: example.com.}\n"
		  "  - {Id: Z2, Name: example.com., Config: {PrivateZone: true}, VPCs: [{VPCId: vpc-a}]}\n"
		  "  - {Id: Z3, Name: example.com., Config: {PrivateZone: true}, VPCs: [{VPCId: vpc-b}]}\n");
	assert_int_equal(cfg->nzones, 3);
}

static void test_resolver_listener_without_vpc_is_allowed(void **state)
{
	(void)state;
	expect_ok("listeners: [{address: 127.0.0.9, port: 5300, role: resolver}]\n");
	assert_null(cfg->listeners[0].vpc);
}

/* Later sections: an empty list (or empty mapping / null) is accepted. */
static void test_empty_unsupported_sections_are_accepted(void **state)
{
	(void)state;
	expect_ok(BASE "health_checks: []\ncidr_collections: []\ntraffic_policies: []\n"
		  "resolver: {}\nfirewall:\nprofiles: []\nprofile_associations: []\n"
		  "query_logging: []\n");
}

static void test_zone_by_id(void **state)
{
	(void)state;
	expect_ok(BASE);
	assert_ptr_equal(dnsp_config_zone_by_id(cfg, "Z1"), &cfg->zones[0]);
	assert_ptr_equal(dnsp_config_zone_by_id(cfg, "/hostedzone/Z1"), &cfg->zones[0]);
	assert_null(dnsp_config_zone_by_id(cfg, "Z9"));
	assert_null(dnsp_config_zone_by_id(NULL, "Z1"));
}

/* Copies own every string: freeing the source leaves the copy intact. */
static void test_rrset_copy_is_deep(void **state)
{
	(void)state;
	assert_int_equal(load_file("configs/good.yaml"), 0);
	struct dnsp_cfg_rrset a, b;
	assert_int_equal(dnsp_cfg_rrset_copy(&a, find_rrset(&cfg->zones[0], "gp.example.net.", 1,
							  "gp1")), 0);
	assert_int_equal(dnsp_cfg_rrset_copy(&b, find_rrset(&cfg->zones[0], "alias.example.net.",
							  1, NULL)), 0);
	reset(); /* the copies must not point into the freed config */
	assert_string_equal(a.name, "gp.example.net.");
	assert_string_equal(a.routing.set_identifier, "gp1");
	assert_int_equal(a.routing.gp_bias, -20);
	assert_int_equal(a.nvalues, 1);
	assert_string_equal(a.values[0], "192.0.2.50");
	assert_string_equal(b.alias_dns_name, "api.example.net.");
	assert_string_equal(b.alias_zone_id, "ZNET");
	dnsp_cfg_rrset_fini(&a);
	dnsp_cfg_rrset_fini(&b);
	assert_null(a.name);
	assert_int_equal(a.nvalues, 0);
	dnsp_cfg_rrset_fini(&a); /* twice is harmless */
}

/* ---- error list ---- */

static void test_errlist_format(void **state)
{
	(void)state;
	struct dnsp_errlist e;
	dnsp_errlist_init(&e);
	dnsp_errlist_add(&e, "a.yaml", 7, "server.workers", "bad %d", 3);
	dnsp_errlist_add(&e, NULL, 1, "k", "x");
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msgs[0], "a.yaml:7: server.workers: bad 3");
	assert_string_equal(e.msgs[1], "<config>:1: k: x");
	dnsp_errlist_fini(&e);
	assert_int_equal(e.n, 0);
	dnsp_errlist_add(NULL, "a", 1, "k", "ignored"); /* no list: no crash */
}

/* ---- keys and types ---- */

static void test_unknown_top_level_key(void **state)
{
	(void)state;
	expect_one(BASE "frobnicate: {}\n", "t.yaml:10: frobnicate: unknown key (expected one of: ");
}

static void test_unknown_key_in_zone_and_record_set(void **state)
{
	(void)state;
	expect_one(BASE "    Bogus: 1\n", "t.yaml:10: hosted_zones[0].Bogus: unknown key");
	expect_one(BASE RR("Name: a.example.com., Type: A, Tll: 3, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Tll: unknown key");
	/* a key that differs in case gets a hint */
	expect_one(BASE RR("name: a.example.com., Name: a.example.com., Type: A, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].name: unknown key (did you mean Name?)");
	expect_one(BASE RR("Name: g.example.com., Type: A, SetIdentifier: g, GeoLocation: {CountryCode: FR, City: x}, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].GeoLocation.City: unknown key");
	expect_one("server: {control: {listen: \"127.0.0.1:1\", port: 1}}\n" BASE,
		   "t.yaml:1: server.control.port: unknown key");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect_one("server:\n  workers: 1\n  workers: 2\n" BASE, "t.yaml:3: server.workers: duplicate key");
}

static void test_wrong_scalar_types(void **state)
{
	(void)state;
	expect_one("server: {workers: [1, 2]}\n" BASE,
		   "t.yaml:1: server.workers: expected an integer 1..64, got a list");
	expect_one("server: {udp_max: \"1232\"}\n" BASE,
		   "t.yaml:1: server.udp_max: expected an integer 512..4096, got \"1232\"");
	expect_one("server: plenty\n" BASE, "t.yaml:1: server: expected a mapping, got a string");
	expect_one(BASE "    Config: private\n",
		   "t.yaml:10: hosted_zones[0].Config: expected a mapping, got a string");
	expect_one(BASE "    Config: {PrivateZone: yes}\n",
		   "t.yaml:10: hosted_zones[0].Config.PrivateZone: expected true or false, got \"yes\"");
	expect_one(BASE RR("Name: a.example.com., Type: A, ResourceRecords: {Value: 192.0.2.1}"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].ResourceRecords: expected a list, got a mapping");
	expect_one(BASE RR("Name: [a], Type: A, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Name: expected a string, got a list");
	expect_one("listeners: {address: 127.0.0.1}\n",
		   "t.yaml:1: listeners: expected a list, got a mapping");
	expect_one("- a\n- b\n", "t.yaml:1: config: expected a mapping of sections");
}

static void test_missing_required_keys(void **state)
{
	(void)state;
	expect_one(BASE RR("Type: A, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Name: required key is missing");
	expect_one(BASE "  - {Name: example.net.}\n", "t.yaml:10: hosted_zones[1].Id: required key is missing");
	expect_one("listeners: [{role: public}]\n", "t.yaml:1: listeners[0].address: required key is missing");
	expect_one(BASE RR("Name: a.example.com., Type: A, AliasTarget: {HostedZoneId: Z1, DNSName: www.example.com.}"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].AliasTarget.EvaluateTargetHealth: required key is missing");
}

/* Ranges: SPEC §3 and SEMANTICS §16. */
static void test_values_out_of_range(void **state)
{
	(void)state;
	expect_one("server: {workers: 65}\n" BASE, "t.yaml:1: server.workers: 65 is out of range 1..64");
	expect_one("server: {workers: 0}\n" BASE, "t.yaml:1: server.workers: 0 is out of range 1..64");
	expect_one("server: {udp_max: 511}\n" BASE, "t.yaml:1: server.udp_max: 511 is out of range 512..4096");
	expect_one("server: {udp_max: 4097}\n" BASE, "t.yaml:1: server.udp_max: 4097 is out of range");
	expect_one("server: {rx_coalesce_us: 1001}\n" BASE,
		   "t.yaml:1: server.rx_coalesce_us: 1001 is out of range 0..1000");
	expect_ok("server: {rx_coalesce_us: 100}\n" BASE);
	assert_int_equal(cfg->server.rx_coalesce_us, 100);
	expect_one("server: {dataplane: xdp}\n" BASE,
		   "t.yaml:1: server.dataplane: expected one of socket, afxdp, dpdk, got \"xdp\"");
	expect_one("server: {control: {listen: localhost}}\n" BASE, "t.yaml:1: server.control.listen: expected \"host:port\"");
	expect_one("listeners: [{address: 127.0.0.1, port: 0, role: public}]\n",
		   "t.yaml:1: listeners[0].port: 0 is out of range 1..65535");
	expect_one("listeners: [{address: 127.0.0.300, role: public}]\n",
		   "t.yaml:1: listeners[0].address: expected an IPv4 or IPv6 address");
	expect_one("listeners: [{address: 127.0.0.1, role: private}]\n",
		   "t.yaml:1: listeners[0].role: expected one of public, resolver, inbound, got \"private\"");
	expect_one("vpcs: [{VpcId: v, Cidrs: [10.0.0.1/8]}]\nlisteners: [{address: 127.0.0.1, role: public}]\n",
		   "t.yaml:1: vpcs[0].Cidrs[0]: \"10.0.0.1/8\": has bits set after the prefix length");
	expect_one("vpcs: [{VpcId: v, DnssecValidation: On}]\nlisteners: [{address: 127.0.0.1, role: public}]\n",
		   "t.yaml:1: vpcs[0].DnssecValidation: expected one of DISABLED, ENABLED");
}

/* SEMANTICS §11: a VPC's Region names its EC2 private DNS domain
 * (<Region>.compute.internal), so it must have the shape of a Region code:
 * lowercase letters, digits and hyphens like us-east-1; absent: unset. */
static void test_vpc_region_must_be_a_region_code(void **state)
{
	(void)state;
#define VPC_REGION(r) "vpcs: [{VpcId: v, Region: " r "}]\nlisteners: [{address: 127.0.0.1, role: public}]\n"
	static const char *const bad[] = { "US-EAST-1", "us_east_1", "useast1", "us-east",
		"us-east-1a", "-east-1", "us--east-1", "u-east-1", "us-east-1.evil", "\"\"",
		"us-east-", "us-1" };
	char text[256], want[256];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), VPC_REGION("%s"), bad[i]);
		if (strcmp(bad[i], "\"\"") == 0)
			snprintf(want, sizeof(want), "t.yaml:1: vpcs[0].Region: ");
		else
			snprintf(want, sizeof(want), "t.yaml:1: vpcs[0].Region: \"%s\" is not an AWS "
				 "Region code (expected lowercase letters, digits and hyphens such as "
				 "us-east-1)", bad[i]);
		expect_one(text, want);
	}
	expect_one(VPC_REGION("[us-east-1]"), "t.yaml:1: vpcs[0].Region: ");
	expect_ok(VPC_REGION("us-east-1"));
	assert_string_equal(cfg->vpcs[0].region, "us-east-1");
	expect_ok(VPC_REGION("ap-southeast-2"));
	assert_string_equal(cfg->vpcs[0].region, "ap-southeast-2");
	expect_ok(VPC_REGION("us-gov-west-1"));
	assert_string_equal(cfg->vpcs[0].region, "us-gov-west-1");
	expect_ok("vpcs: [{VpcId: v}]\nlisteners: [{address: 127.0.0.1, role: public}]\n");
	assert_null(cfg->vpcs[0].region);
#undef VPC_REGION
}

/* SEMANTICS §16 limits of ResourceRecordSet fields. */
static void test_record_set_field_ranges(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: w.example.com., Type: A, SetIdentifier: a, Weight: 256, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Weight: 256 is out of range 0..255");
	expect_one(BASE RR("Name: w.example.com., Type: A, SetIdentifier: a, Weight: -1, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Weight: -1 is out of range 0..255");
	expect_one(BASE RR("Name: g.example.com., Type: A, SetIdentifier: a, "
			   "GeoProximityLocation: {AWSRegion: us-east-1, Bias: 100}, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].GeoProximityLocation.Bias: 100 is out of range -99..99");
	expect_one(BASE RR("Name: g.example.com., Type: A, SetIdentifier: a, "
			   "GeoProximityLocation: {AWSRegion: us-east-1, Bias: -100}, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].GeoProximityLocation.Bias: -100 is out of range -99..99");
	expect_one(BASE RR("Name: t.example.com., Type: A, TTL: 2147483648, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].TTL: 2147483648 is out of range 0..2147483647");
	expect_one(BASE RR("Name: t.example.com., Type: A, TTL: three, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].TTL: expected an integer");
	char text[2048], id[130];
	memset(id, 'x', 129);
	id[129] = '\0';
	snprintf(text, sizeof(text), BASE RR("Name: w.example.com., Type: A, SetIdentifier: %s, Weight: 1, "
					     "ResourceRecords: [{Value: 192.0.2.1}]"), id);
	expect_one(text, "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].SetIdentifier: longer than 128 characters");
	expect_one(BASE RR("Name: f.example.com., Type: A, SetIdentifier: a, Failover: BACKUP, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Failover: expected one of PRIMARY, SECONDARY");
	expect_one(BASE RR("Name: t.example.com., Type: ALIAS, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Type: unknown record type \"ALIAS\"");
	expect_one(BASE RR("Name: t.example.com., Type: aaaa, ResourceRecords: [{Value: \"2001:db8::1\"}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Type: unknown record type \"aaaa\" (did you mean AAAA?)");
	expect_one(BASE RR("Name: t..example.com., Type: A, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Name: invalid domain name \"t..example.com.\"");
}

/* SEMANTICS §5, §6, §8 shapes of the routing objects. */
static void test_routing_object_shapes(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: g.example.com., Type: A, SetIdentifier: a, GeoLocation: {ContinentCode: EU, CountryCode: FR}, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].GeoLocation.ContinentCode: cannot be combined with CountryCode");
	expect_one(BASE RR("Name: g.example.com., Type: A, SetIdentifier: a, GeoLocation: {CountryCode: FR, SubdivisionCode: WA}, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].GeoLocation.SubdivisionCode: requires CountryCode: US");
	expect_one(BASE RR("Name: g.example.com., Type: A, SetIdentifier: a, GeoLocation: {ContinentCode: XX}, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].GeoLocation.ContinentCode: expected one of AF, AN, AS, EU, OC, NA, SA");
	expect_one(BASE RR("Name: g.example.com., Type: A, SetIdentifier: a, GeoLocation: {}, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].GeoLocation: needs ContinentCode or CountryCode");
	expect_one(BASE RR("Name: g.example.com., Type: A, SetIdentifier: a, "
			   "GeoProximityLocation: {AWSRegion: us-east-1, LocalZoneGroup: us-east-1-bos-1}, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].GeoProximityLocation: needs exactly one of AWSRegion, LocalZoneGroup or Coordinates");
	expect_one(BASE RR("Name: g.example.com., Type: A, SetIdentifier: a, "
			   "GeoProximityLocation: {Coordinates: {Latitude: \"47.611\", Longitude: \"1\"}}, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].GeoProximityLocation.Coordinates.Latitude: expected a latitude");
	expect_one(BASE RR("Name: g.example.com., Type: A, SetIdentifier: a, "
			   "GeoProximityLocation: {Coordinates: {Latitude: \"1\", Longitude: \"181\"}}, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].GeoProximityLocation.Coordinates.Longitude: expected a longitude");
	expect_one(BASE RR("Name: i.example.com., Type: A, SetIdentifier: a, CidrRoutingConfig: {CollectionId: c, LocationName: \"bad name\"}, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].CidrRoutingConfig.LocationName: expected 1-16 of");
	/* two routing fields in one set */
	expect_one(BASE RR("Name: m.example.com., Type: A, SetIdentifier: a, Weight: 1, Region: us-east-1, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Region: cannot be combined with Weight");
	/* MultiValueAnswer: false selects no policy */
	expect_ok(BASE RR("Name: m.example.com., Type: A, MultiValueAnswer: false, ResourceRecords: [{Value: 192.0.2.1}]"));
	assert_int_equal(cfg->zones[0].rrsets[1].policy, DNSP_POLICY_SIMPLE);
	assert_int_equal(cfg->zones[0].rrsets[1].routing.multivalue, 0);
}

/* Record sets naming objects of sections this build does not support. */
static void test_dangling_health_check_and_collection(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: h.example.com., Type: A, SetIdentifier: a, Weight: 1, HealthCheckId: hc-1, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].HealthCheckId: health check \"hc-1\" is not defined");
	expect_one(BASE RR("Name: i.example.com., Type: A, SetIdentifier: a, CidrRoutingConfig: {CollectionId: cc, LocationName: office}, "
			   "ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].CidrRoutingConfig.CollectionId: CIDR collection \"cc\" is not defined");
}

static void test_unsupported_sections_are_errors(void **state)
{
	(void)state;
	static const char *const sections[] = { "query_logging" };
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		char text[1024], want[128];
		snprintf(text, sizeof(text), BASE "%s: [{Id: x}]\n", sections[i]);
		snprintf(want, sizeof(want), "t.yaml:10: %s: section not supported by this build",
			 sections[i]);
		expect_one(text, want);
	}
}

/* ---- cross checks ---- */

static void test_duplicate_zone_ids(void **state)
{
	(void)state;
	expect_one(BASE "  - {Id: Z1, Name: example.net.}\n",
		   "t.yaml:10: hosted_zones[1].Id: duplicate zone Id \"Z1\" (first at t.yaml:6)");
	expect_one(BASE "  - {Id: /hostedzone/Z1, Name: example.net.}\n",
		   "t.yaml:10: hosted_zones[1].Id: duplicate zone Id \"Z1\"");
}

static void test_listener_vpc_must_be_defined(void **state)
{
	(void)state;
	expect_one("listeners:\n  - {address: 127.0.0.2, role: resolver,\n     vpc: vpc-nope}\n",
		   "t.yaml:3: listeners[0].vpc: VPC \"vpc-nope\" is not defined in vpcs");
	expect_one("listeners: [{address: 127.0.0.2, role: public, vpc: vpc-a}]\nvpcs: [{VpcId: vpc-a}]\n",
		   "t.yaml:1: listeners[0].vpc: only resolver listeners take a vpc");
}

static void test_private_zone_vpcs_must_be_defined(void **state)
{
	(void)state;
	expect_one(BASE "  - Id: Z2\n    Name: example.com.\n    Config: {PrivateZone: true}\n"
		   "    VPCs:\n      - {VPCRegion: us-east-1, VPCId: vpc-missing}\n",
		   "t.yaml:14: hosted_zones[1].VPCs[0].VPCId: VPC \"vpc-missing\" is not defined in vpcs");
}

static void test_public_zone_must_not_have_vpcs(void **state)
{
	(void)state;
	expect_one(BASE "    VPCs: [{VPCId: vpc-a}]\n",
		   "t.yaml:10: hosted_zones[0].VPCs: a public zone cannot be associated with VPCs");
	expect_ok(BASE "    VPCs: []\n");
}

static void test_zone_names_conflicts(void **state)
{
	(void)state;
	expect_one(BASE "  - {Id: Z2, Name: EXAMPLE.com}\n",
		   "t.yaml:10: hosted_zones[1].Name: public zone EXAMPLE.com. is already defined by hosted_zones[0] (t.yaml:6)");
	expect_one(BASE "  - {Id: Z2, Name: p.example., Config: {PrivateZone: true}, VPCs: [{VPCId: vpc-a}]}\n"
		   "  - {Id: Z3, Name: p.example., Config: {PrivateZone: true}, VPCs: [{VPCId: vpc-a}]}\n",
		   "t.yaml:11: hosted_zones[2].VPCs[0].VPCId: VPC \"vpc-a\" already has a private zone p.example.: hosted_zones[1] (t.yaml:10)");
	expect_one(BASE "  - {Id: Z2, Name: \"*.example.\"}\n",
		   "t.yaml:10: hosted_zones[1].Name: a zone name cannot contain \"*\"");
	expect_one(BASE "  - {Id: Z2, Name: p.example., Config: {PrivateZone: true}, DNSSEC: {Signing: true}}\n",
		   "t.yaml:10: hosted_zones[1].DNSSEC.Signing: DNSSEC signing is not supported for private zones");
}

static void test_inbound_listener_needs_endpoints(void **state)
{
	(void)state;
	expect_one("listeners: [{address: 127.0.0.4, role: inbound, endpoint: rslvr-in-1}]\n",
		   "t.yaml:1: listeners[0].endpoint: endpoint \"rslvr-in-1\" is not defined in resolver.endpoints");
	expect_one("listeners:\n  - {address: 127.0.0.4, role: inbound}\n",
		   "t.yaml:2: listeners[0].endpoint: required for an inbound listener");
	expect_one("listeners: [{address: 127.0.0.4, role: public, endpoint: e}]\n",
		   "t.yaml:1: listeners[0].endpoint: only inbound listeners take an endpoint");
}

static void test_duplicate_listener_address_and_port(void **state)
{
	(void)state;
	expect_one("listeners:\n  - {address: 127.0.0.1, port: 53, role: public}\n"
		   "  - {address: 127.0.0.1, role: resolver}\n",
		   "t.yaml:3: listeners[1].address: 127.0.0.1 port 53 is already used by listeners[0] (t.yaml:2)");
	expect_one("listeners:\n  - {address: \"::1\", port: 5300, role: public}\n"
		   "  - {address: \"0:0::1\", port: 5300, role: public}\n",
		   "t.yaml:3: listeners[1].address: ::1 port 5300 is already used by listeners[0]");
	expect_ok("listeners:\n  - {address: 127.0.0.1, port: 53, role: public}\n"
		  "  - {address: 127.0.0.1, port: 54, role: public}\n");
}

static void test_at_least_one_listener(void **state)
{
	(void)state;
	expect_one("server: {workers: 1}\n", "t.yaml:1: listeners: at least one listener is required");
	expect_one("vpcs: []\nlisteners: []\n", "t.yaml:2: listeners: at least one listener is required");
	expect_one("", "t.yaml:1: listeners: at least one listener is required");
}

static void test_duplicate_vpcs_and_cidrs(void **state)
{
	(void)state;
	expect_one("vpcs:\n  - {VpcId: v1, Cidrs: [10.0.0.0/8]}\n  - {VpcId: v1}\n"
		   "listeners: [{address: 127.0.0.1, role: public}]\n",
		   "t.yaml:3: vpcs[1].VpcId: duplicate VpcId \"v1\" (first at t.yaml:2)");
	expect_one("vpcs:\n  - {VpcId: v1, Cidrs: [10.0.0.0/8]}\n  - {VpcId: v2, Cidrs: [10.0.0.0/8]}\n"
		   "listeners: [{address: 127.0.0.1, role: public}]\n",
		   "t.yaml:3: vpcs[1].Cidrs[0]: CIDR is already used by v1 (t.yaml:2)");
}

/* SPEC §3: all errors are reported, not just the first. */
static void test_several_errors_are_all_reported(void **state)
{
	(void)state;
	int rc = load("server: {workers: 99}\n"                                  /* 1 */
		      "listeners:\n"                                                /* 2 */
		      "  - {address: 127.0.0.1, role: resolver, vpc: nope}\n"       /* 3 */
		      "hosted_zones:\n"                                             /* 4 */
		      "  - Id: Z1\n"                                                /* 5 */
		      "    Name: example.com.\n"                                    /* 6 */
		      "    Bogus: 1\n"                                              /* 7 */
		      "    ResourceRecordSets:\n"                                   /* 8 */
		      "      - {Name: example.com., Type: CNAME, TTL: 1, ResourceRecords: [{Value: x.}]}\n"
		      "      - {Name: w.example.com., Type: A, Weight: 1, ResourceRecords: [{Value: 192.0.2.1}]}\n"
		      "query_logging: [{Id: f}]\n");                                /* 11 */
	assert_int_equal(rc, DNSP_ECONFIG);
	static const char *const want[] = {
		"t.yaml:1: server.workers: ",
		"t.yaml:3: listeners[0].vpc: ",
		"t.yaml:7: hosted_zones[0].Bogus: ",
		"t.yaml:9: hosted_zones[0].ResourceRecordSets[0].Type: a CNAME is not allowed at the zone apex",
		"t.yaml:10: hosted_zones[0].ResourceRecordSets[1].SetIdentifier: required for weighted routing",
		"t.yaml:11: query_logging: section not supported by this build",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!has(want[i])) {
			dump(want[i]);
			fail();
		}
	assert_int_equal(errs.n, sizeof(want) / sizeof(want[0]));
}

/* ---- YAML level ---- */

static void test_yaml_syntax_error_names_line(void **state)
{
	(void)state;
	expect_one("listeners:\n  - {address: 127.0.0.1, role: public}\nserver:\n  workers: 1\n bad: [\n",
		   "t.yaml:5: yaml: ");
}

/* Aliases are refused (no "billion laughs" expansion). */
static void test_yaml_aliases_are_refused(void **state)
{
	(void)state;
	expect_one("listeners:\n  - &l {address: 127.0.0.1, role: public}\n  - *l\n",
		   "t.yaml:3: yaml: YAML aliases (*name) are not supported");
}

static void test_yaml_second_document_is_refused(void **state)
{
	(void)state;
	expect_has(BASE "---\nlisteners: []\n", "t.yaml:10: yaml: only one YAML document is allowed");
}

/* ---- zone checks (dnsp_config_check_zone) ---- */

/* RFC 1034 §3.6.2: a CNAME cannot sit beside other data. */
static void test_cname_beside_other_data(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: WWW.example.com, Type: CNAME, TTL: 1, ResourceRecords: [{Value: x.example.net}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1]: a CNAME cannot coexist with other records at www.example.com. (A at t.yaml:9");
	/* weighted CNAMEs of one name are fine */
	expect_ok(BASE RR("Name: c.example.com, Type: CNAME, SetIdentifier: a, Weight: 1, TTL: 1, ResourceRecords: [{Value: x.example.net}]")
		  RR("Name: c.example.com, Type: CNAME, SetIdentifier: b, Weight: 1, TTL: 1, ResourceRecords: [{Value: y.example.net}]"));
}

/* RFC 1912 §2.4: no CNAME at the apex (the apex has SOA and NS). */
static void test_cname_at_apex(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: example.com, Type: CNAME, TTL: 1, ResourceRecords: [{Value: x.example.net}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Type: a CNAME is not allowed at the zone apex");
}

/* SEMANTICS §16: SetIdentifier is required for non-simple policies. */
static void test_non_simple_set_needs_set_identifier(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: w.example.com, Type: A, Weight: 5, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].SetIdentifier: required for weighted routing");
	expect_one(BASE RR("Name: w.example.com, Type: A, Region: eu-west-1, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].SetIdentifier: required for latency routing");
	expect_one(BASE RR("Name: w.example.com, Type: A, SetIdentifier: s, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].SetIdentifier: only allowed with a routing policy");
}

/* SEMANTICS §2, §4, §5: a policy cannot share a name and type with another. */
static void test_mixed_policies_in_one_name_and_type(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: m.example.com, Type: A, SetIdentifier: a, Weight: 1, ResourceRecords: [{Value: 192.0.2.1}]")
		   RR("Name: m.example.com, Type: A, SetIdentifier: b, Failover: PRIMARY, ResourceRecords: [{Value: 192.0.2.2}]"),
		   "t.yaml:11: hosted_zones[0].ResourceRecordSets[2]: m.example.com. A: failover routing cannot be mixed with the weighted set at t.yaml:10");
	expect_one(BASE RR("Name: www.example.com, Type: A, SetIdentifier: a, Weight: 1, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1]: www.example.com. A: weighted routing cannot be mixed with the simple set at t.yaml:9");
}

static void test_simple_set_defined_twice(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: WWW.example.com., Type: A, TTL: 5, ResourceRecords: [{Value: 192.0.2.2}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1]: WWW.example.com. A is already defined at t.yaml:9");
}

static void test_duplicate_set_identifier(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: d.example.com, Type: A, SetIdentifier: one, Weight: 1, ResourceRecords: [{Value: 192.0.2.1}]")
		   RR("Name: d.example.com, Type: A, SetIdentifier: one, Weight: 2, ResourceRecords: [{Value: 192.0.2.2}]"),
		   "t.yaml:11: hosted_zones[0].ResourceRecordSets[2].SetIdentifier: duplicate SetIdentifier \"one\" for d.example.com. A (first at t.yaml:10)");
	/* the same SetIdentifier on another type is fine */
	expect_ok(BASE RR("Name: d.example.com, Type: A, SetIdentifier: one, Weight: 1, ResourceRecords: [{Value: 192.0.2.1}]")
		  RR("Name: d.example.com, Type: AAAA, SetIdentifier: one, Weight: 2, ResourceRecords: [{Value: \"2001:db8::1\"}]"));
	expect_one(BASE RR("Name: f.example.com, Type: A, SetIdentifier: p1, Failover: PRIMARY, ResourceRecords: [{Value: 192.0.2.1}]")
		   RR("Name: f.example.com, Type: A, SetIdentifier: p2, Failover: PRIMARY, ResourceRecords: [{Value: 192.0.2.2}]"),
		   "t.yaml:11: hosted_zones[0].ResourceRecordSets[2].Failover: a second PRIMARY set for f.example.com. A");
}

static void test_values_must_parse(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: v.example.com, Type: A, ResourceRecords: [{Value: 192.0.2.1}, {Value: 192.0.2.256}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].ResourceRecords[1].Value: invalid A value \"192.0.2.256\"");
	expect_one(BASE RR("Name: v.example.com, Type: MX, ResourceRecords: [{Value: mail.example.com}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].ResourceRecords[0].Value: invalid MX value \"mail.example.com\"");
	expect_one(BASE RR("Name: v.example.com, Type: A, ResourceRecords: [{Value: 192.0.2.1}, {Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].ResourceRecords[1].Value: duplicate value (same as ResourceRecords[0])");
	/* the error names the line of the Value itself */
	expect_one(BASE "      - Name: v.example.com\n"                          /* 10 */
		   "        Type: AAAA\n"                                         /* 11 */
		   "        ResourceRecords:\n"                                   /* 12 */
		   "          - Value: \"2001:db8::1\"\n"                         /* 13 */
		   "          - Value: 192.0.2.1\n",                              /* 14 */
		   "t.yaml:14: hosted_zones[0].ResourceRecordSets[1].ResourceRecords[1].Value: invalid AAAA value \"192.0.2.1\"");
	/* the zone checks find the same problem in a set built elsewhere */
	expect_ok(BASE);
	struct dnsp_cfg_zone *z = &cfg->zones[0];
	free(z->rrsets[0].values[0]);
	z->rrsets[0].values[0] = strdup("192.0.2.999");
	struct dnsp_errlist e;
	dnsp_errlist_init(&e);
	assert_int_equal(dnsp_config_check_zone(cfg, z, &e), 1);
	assert_true(strncmp(e.msgs[0], "t.yaml:9: hosted_zones[0].ResourceRecordSets[0].ResourceRecords[0].Value: invalid A value",
			    strlen("t.yaml:9: hosted_zones[0].ResourceRecordSets[0].ResourceRecords[0].Value: invalid A value")) == 0);
	dnsp_errlist_fini(&e);
}

/* SEMANTICS §9: TTL and ResourceRecords are omitted for an alias. */
static void test_alias_with_ttl_or_values(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: a.example.com, Type: A, TTL: 60, "
			   "AliasTarget: {HostedZoneId: Z1, DNSName: www.example.com, EvaluateTargetHealth: false}"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].TTL: not allowed with AliasTarget");
	expect_one(BASE RR("Name: a.example.com, Type: A, ResourceRecords: [{Value: 192.0.2.1}], "
			   "AliasTarget: {HostedZoneId: Z1, DNSName: www.example.com, EvaluateTargetHealth: false}"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].ResourceRecords: not allowed with AliasTarget");
	expect_one(BASE RR("Name: a.example.com, Type: A, SetIdentifier: m, MultiValueAnswer: true, "
			   "AliasTarget: {HostedZoneId: Z1, DNSName: www.example.com, EvaluateTargetHealth: false}"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].MultiValueAnswer: multivalue answer sets cannot be aliases");
}

static void test_set_needs_values_or_alias(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: e.example.com, Type: A, TTL: 60"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].ResourceRecords: required (or an AliasTarget)");
	expect_one(BASE RR("Name: e.example.com, Type: A, TTL: 60, ResourceRecords: []"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].ResourceRecords: required (or an AliasTarget)");
}

/* SEMANTICS §16: more than one value except for CNAME and SOA. */
static void test_cname_and_soa_hold_one_value(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: c.example.com, Type: CNAME, ResourceRecords: [{Value: a.example.net}, {Value: b.example.net}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].ResourceRecords: a CNAME set holds exactly one value (got 2)");
	expect_one(BASE RR("Name: example.com, Type: SOA, ResourceRecords: [{Value: \"a. b. 1 2 3 4 5\"}, {Value: \"a. b. 2 2 3 4 5\"}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].ResourceRecords: a SOA set holds exactly one value (got 2)");
	expect_one(BASE RR("Name: sub.example.com, Type: SOA, ResourceRecords: [{Value: \"a. b. 1 2 3 4 5\"}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Type: SOA is only allowed at the zone apex");
}

/* SEMANTICS §16: "*" only as the whole leftmost label; no "*" for NS. */
static void test_wildcard_rules(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: \"a.*.example.com\", Type: A, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Name: \"*\" is only allowed as the whole leftmost label");
	expect_one(BASE RR("Name: \"*a.example.com\", Type: A, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Name: \"*\" is only allowed as the whole leftmost label");
	expect_one(BASE RR("Name: \"*.example.com\", Type: NS, ResourceRecords: [{Value: ns.example.net}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Name: NS records cannot have a wildcard name");
	expect_ok(BASE RR("Name: \"*.example.com\", Type: MX, ResourceRecords: [{Value: \"10 mx.example.net\"}]"));
}

/* Route 53 names are absolute: a relative name is outside the zone. */
static void test_names_must_be_in_zone(void **state)
{
	(void)state;
	expect_one(BASE RR("Name: www, Type: A, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Name: www. is not in zone example.com. (names are absolute");
	expect_one(BASE RR("Name: www.example.org, Type: A, ResourceRecords: [{Value: 192.0.2.1}]"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].Name: www.example.org. is not in zone example.com.");
}

/* The checker works on a zone edited after the load (change batches). */
static void test_check_zone_on_edited_zone(void **state)
{
	(void)state;
	expect_ok(BASE);
	struct dnsp_cfg_zone *z = &cfg->zones[0];
	struct dnsp_cfg_rrset *grown = realloc(z->rrsets, 2 * sizeof(*grown));
	assert_non_null(grown);
	z->rrsets = grown;
	assert_int_equal(dnsp_cfg_rrset_copy(&z->rrsets[1], &z->rrsets[0]), 0);
	z->nrrsets = 2;
	free(z->rrsets[1].name);
	z->rrsets[1].name = strdup("www.example.com.");
	struct dnsp_errlist e;
	dnsp_errlist_init(&e);
	assert_int_equal(dnsp_config_check_zone(cfg, z, &e), 1);
	assert_int_equal(e.n, 1);
	assert_true(strncmp(e.msgs[0], "t.yaml:9: hosted_zones[0].ResourceRecordSets[1]: www.example.com. A is already defined",
			    strlen("t.yaml:9: hosted_zones[0].ResourceRecordSets[1]: www.example.com. A is already defined")) == 0);
	dnsp_errlist_fini(&e);
	z->rrsets[1].type = 28;
	free(z->rrsets[1].values[0]);
	z->rrsets[1].values[0] = strdup("2001:db8::1");
	assert_int_equal(dnsp_config_check_zone(cfg, z, &e), 0);
	dnsp_errlist_fini(&e);
}

/* ---- ZoneFile ---- */

/* A set defined both in ResourceRecordSets and in the zone file. */
static void test_zone_file_conflict_names_both_places(void **state)
{
	(void)state;
	expect_one("listeners: [{address: 127.0.0.1, role: public}]\n"
		   "hosted_zones:\n"
		   "  - Id: ZN\n"
		   "    Name: example.net.\n"
		   "    ZoneFile: zones/example.net.zone\n"
		   "    ResourceRecordSets:\n"
		   "      - {Name: ok.example.net, Type: A, ResourceRecords: [{Value: 192.0.2.9}]}\n"
		   "      - {Name: WWW.example.net, Type: A, ResourceRecords: [{Value: 192.0.2.9}]}\n",
		   "t.yaml:8: hosted_zones[0].ResourceRecordSets[1]: WWW.example.net. A is defined both here and in the zone file at configs/zones/example.net.zone:9");
	/* a set of another type at the same name is a merge, not a conflict */
	expect_ok("listeners: [{address: 127.0.0.1, role: public}]\n"
		  "hosted_zones:\n"
		  "  - Id: ZN\n"
		  "    Name: example.net.\n"
		  "    ZoneFile: zones/example.net.zone\n"
		  "    ResourceRecordSets:\n"
		  "      - {Name: www.example.net, Type: AAAA, ResourceRecords: [{Value: \"2001:db8::80\"}]}\n");
}

/* Zone-file problems carry the zone file's own file:line. */
static void test_zone_file_errors_use_zone_file_location(void **state)
{
	(void)state;
	expect_has("listeners: [{address: 127.0.0.1, role: public}]\n"
		   "hosted_zones:\n"
		   "  - {Id: ZN, Name: example.net., ZoneFile: zones/bad.zone}\n",
		   "configs/zones/bad.zone:3: hosted_zones[0].ZoneFile: ");
	expect_one("listeners: [{address: 127.0.0.1, role: public}]\n"
		   "hosted_zones:\n"
		   "  - Id: ZN\n"
		   "    Name: example.net.\n"
		   "    ZoneFile: zones/missing.zone\n",
		   "t.yaml:5: hosted_zones[0].ZoneFile: cannot read \"configs/zones/missing.zone\": No such file or directory");
	/* zone-file records go through the zone checks too */
	expect_one("listeners: [{address: 127.0.0.1, role: public}]\n"
		   "hosted_zones:\n"
		   "  - {Id: ZN, Name: example.net., ZoneFile: zones/outside.zone}\n",
		   "configs/zones/outside.zone:3: hosted_zones[0].ZoneFile: www.example.org. is not in zone example.net.");
}

static void test_load_file_missing(void **state)
{
	(void)state;
	reset();
	assert_int_equal(dnsp_config_load_file("configs/nope.yaml", &cfg, &errs), -ENOENT);
	assert_null(cfg);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], "configs/nope.yaml:1: config: cannot read: No such file or directory");
}

/* ---- hostile shapes (SPEC §3 "Contract details": every problem is one
 * "FILE:LINE: KEY: message" line; a bad file never crashes the loader) ---- */

/* "FILE:LINE: KEY: message" with a file, a line >= 1 and a key. */
static bool well_formed(const char *m)
{
	const char *c = strchr(m, ':');
	char *end;
	if (!c || c == m)
		return false;
	long line = strtol(c + 1, &end, 10);
	if (line < 1 || end == c + 1 || strncmp(end, ": ", 2) != 0)
		return false;
	const char *k = end + 2, *ke = strstr(k, ": ");
	return ke && ke > k && ke[2] != '\0';
}

static void expect_sane(const char *text, const char *dir, const char *what)
{
	reset();
	int rc = dnsp_config_load_string(text, strlen(text), "t.yaml", dir, &cfg, &errs);
	if (rc == 0 ? (errs.n != 0 || !cfg) : (rc != DNSP_ECONFIG || errs.n == 0 || cfg)) {
		dump(what);
		fail_msg("rc=%d for:\n%s", rc, text);
	}
	for (size_t i = 0; i < errs.n; i++)
		if (!well_formed(errs.msgs[i])) {
			dump(what);
			fail_msg("malformed message \"%s\" for:\n%s", errs.msgs[i], text);
		}
}

/* End of the flow value that starts at v: the next ',', '}' or ']' at depth
 * 0 outside quotes, or the end of the line. */
static const char *value_end(const char *v)
{
	int depth = 0;
	char q = 0;
	for (; *v && *v != '\n'; v++) {
		if (q) {
			q = *v == q ? 0 : q;
			continue;
		}
		if (*v == '"' || *v == '\'')
			q = *v;
		else if (*v == '[' || *v == '{')
			depth++;
		else if ((*v == ']' || *v == '}' || *v == ',') && depth-- == 0)
			break;
	}
	return v;
}

static size_t indent_of(const char *l)
{
	size_t n = 0;
	while (l[n] == ' ')
		n++;
	return n;
}

/*
 * Replaces each value of a known-good file in turn (block values with their
 * nested lines, flow values up to their comma) by each wrong shape: a list,
 * a mapping, null, an empty string, a huge and a negative integer, a word.
 * The load may pass or fail, but must not crash or leak (ASan build), and
 * every message must be well formed.
 */
static void mutate_file(const char *path, const char *dir)
{
	static const char *const shapes[] = { "[1, [2]]", "{zz: 1}", "~", "''",
		"123456789012345678901234567890", "-1", "x", NULL };
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *text = calloc(1, 65536);
	assert_non_null(text);
	size_t len = fread(text, 1, 65535, f);
	fclose(f);
	assert_true(len > 0 && len < 65535);
	char *out = malloc(len + 256);
	assert_non_null(out);

	for (const char *line = text, *eol; *line; line = *eol ? eol + 1 : eol) {
		eol = strchr(line, '\n') ? strchr(line, '\n') : line + strlen(line);
		size_t ind = indent_of(line);
		if (line[ind] == '#')
			continue;
		char q = 0;
		for (const char *p = line; p < eol; p++) {
			if (q) {
				q = *p == q ? 0 : q;
				continue;
			}
			if (*p == '"' || *p == '\'') {
				q = *p;
				continue;
			}
			if (*p != ':' || (p + 1 < eol && p[1] != ' '))
				continue;
			const char *v = p + 1, *ve, *rest;
			if (v == eol) {
				/* block value: drop the lines nested under the key */
				size_t key_col = line[ind] == '-' ? ind + 2 : ind;
				rest = *eol ? eol + 1 : eol;
				while (*rest && indent_of(rest) > key_col) {
					const char *nl = strchr(rest, '\n');
					rest = nl ? nl + 1 : rest + strlen(rest);
				}
				ve = eol;
			} else {
				v++;
				ve = value_end(v);
				rest = ve;
			}
			for (size_t s = 0; shapes[s]; s++) {
				size_t a = (size_t)(v - text);
				bool nl = ve == eol && rest != eol;
				int n = snprintf(out, len + 256, "%.*s%s%s%s", (int)a, text,
						 v == eol ? " " : "", shapes[s], nl ? "\n" : "");
				snprintf(out + n, len + 256 - (size_t)n, "%s", rest);
				expect_sane(out, dir, path);
			}
		}
	}
	free(out);
	free(text);
}

static void test_wrong_shapes_at_every_level(void **state)
{
	(void)state;
	mutate_file("configs/good.yaml", "configs");
	mutate_file("../../fuzz/corpus/config/health.yaml", "/nonexistent");
	mutate_file("../../fuzz/corpus/config/resolver.yaml", "/nonexistent");
	mutate_file("../../fuzz/corpus/config/route_data.yaml", "/nonexistent");
	mutate_file("../../fuzz/corpus/config/embedded.yaml", "/nonexistent");
}

static void test_hostile_documents(void **state)
{
	(void)state;
	char deep[600];
	size_t o = 0;
	o += (size_t)snprintf(deep, sizeof(deep), "server: {workers: ");
	for (int i = 0; i < 200; i++)
		deep[o++] = '[';
	for (int i = 0; i < 200; i++)
		deep[o++] = ']';
	snprintf(deep + o, sizeof(deep) - o, "}\n");
	expect_sane(deep, "configs", "deep nesting");
	assert_int_equal(load(deep), DNSP_ECONFIG);
	expect_sane("", "configs", "empty");
	expect_sane("---\n...\n", "configs", "empty document");
	expect_sane("~\n", "configs", "null root");
	expect_sane("42\n", "configs", "scalar root");
	/* duplicate keys at the top, in a feature section and in an item */
	expect_has(BASE "health_checks: []\nhealth_checks: []\n",
		   "t.yaml:11: health_checks: duplicate key");
	expect_has(BASE "firewall: {configs: [], configs: []}\n",
		   "t.yaml:10: firewall.configs: duplicate key");
	expect_has(BASE "resolver:\n  rules:\n    - {Id: r, Id: s, RuleType: SYSTEM, DomainName: a.}\n",
		   "t.yaml:12: resolver.rules[0].Id: duplicate key");
	expect_has("server: {workers: 99999999999999999999999999}\n" BASE,
		   "t.yaml:1: server.workers: expected an integer 1..64");
}

/* A list item that is not a mapping still counts: the cross-check messages
 * of later items name their own index (SPEC §3: KEY is the path of the
 * offending value). */
static void test_item_index_survives_a_bad_item(void **state)
{
	(void)state;
	expect_has(BASE "profile_associations:\n  - 7\n  - {ProfileId: nope, ResourceId: vpc-a}\n",
		   "t.yaml:12: profile_associations[1].ProfileId: profile \"nope\" is not defined");
	expect_has(BASE "resolver:\n  rule_associations:\n    - x\n"
		   "    - {ResolverRuleId: nope, VPCId: vpc-a}\n",
		   "t.yaml:13: resolver.rule_associations[1].ResolverRuleId: rule \"nope\"");
	expect_has("listeners:\n  - 1\n  - {address: 127.0.0.1, role: inbound, endpoint: e}\n",
		   "t.yaml:3: listeners[1].endpoint: endpoint \"e\" is not defined");
	expect_has(BASE "traffic_policy_instances:\n  - []\n"
		   "  - {Id: i, HostedZoneId: Znope, Name: a.example.com, TTL: 1, "
		   "TrafficPolicyId: p, TrafficPolicyVersion: 1}\n",
		   "t.yaml:12: traffic_policy_instances[1].HostedZoneId: hosted zone \"Znope\"");
}

static int teardown(void **state)
{
	(void)state;
	reset();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_yaml_loads_with_right_values),
		cmocka_unit_test(test_record_set_fields_and_policy),
		cmocka_unit_test(test_zone_file_records_merge_into_record_sets),
		cmocka_unit_test(test_json_config_loads),
		cmocka_unit_test(test_defaults_apply_when_keys_are_absent),
		cmocka_unit_test(test_embedded_default_loads_without_errors),
		cmocka_unit_test(test_names_are_stored_absolute),
		cmocka_unit_test(test_paths_resolve_against_config_folder),
		cmocka_unit_test(test_import_dir_must_be_an_existing_directory),
		cmocka_unit_test(test_zone_file_resolves_against_dir),
		cmocka_unit_test(test_private_zone_with_empty_vpcs_is_allowed),
		cmocka_unit_test(test_same_name_public_and_private_zones_are_allowed),
		cmocka_unit_test(test_resolver_listener_without_vpc_is_allowed),
		cmocka_unit_test(test_empty_unsupported_sections_are_accepted),
		cmocka_unit_test(test_zone_by_id),
		cmocka_unit_test(test_rrset_copy_is_deep),
		cmocka_unit_test(test_errlist_format),
		cmocka_unit_test(test_unknown_top_level_key),
		cmocka_unit_test(test_unknown_key_in_zone_and_record_set),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_wrong_scalar_types),
		cmocka_unit_test(test_missing_required_keys),
		cmocka_unit_test(test_values_out_of_range),
		cmocka_unit_test(test_vpc_region_must_be_a_region_code),
		cmocka_unit_test(test_record_set_field_ranges),
		cmocka_unit_test(test_routing_object_shapes),
		cmocka_unit_test(test_dangling_health_check_and_collection),
		cmocka_unit_test(test_unsupported_sections_are_errors),
		cmocka_unit_test(test_duplicate_zone_ids),
		cmocka_unit_test(test_listener_vpc_must_be_defined),
		cmocka_unit_test(test_private_zone_vpcs_must_be_defined),
		cmocka_unit_test(test_public_zone_must_not_have_vpcs),
		cmocka_unit_test(test_zone_names_conflicts),
		cmocka_unit_test(test_inbound_listener_needs_endpoints),
		cmocka_unit_test(test_duplicate_listener_address_and_port),
		cmocka_unit_test(test_at_least_one_listener),
		cmocka_unit_test(test_duplicate_vpcs_and_cidrs),
		cmocka_unit_test(test_several_errors_are_all_reported),
		cmocka_unit_test(test_yaml_syntax_error_names_line),
		cmocka_unit_test(test_yaml_aliases_are_refused),
		cmocka_unit_test(test_yaml_second_document_is_refused),
		cmocka_unit_test(test_cname_beside_other_data),
		cmocka_unit_test(test_cname_at_apex),
		cmocka_unit_test(test_non_simple_set_needs_set_identifier),
		cmocka_unit_test(test_mixed_policies_in_one_name_and_type),
		cmocka_unit_test(test_simple_set_defined_twice),
		cmocka_unit_test(test_duplicate_set_identifier),
		cmocka_unit_test(test_values_must_parse),
		cmocka_unit_test(test_alias_with_ttl_or_values),
		cmocka_unit_test(test_set_needs_values_or_alias),
		cmocka_unit_test(test_cname_and_soa_hold_one_value),
		cmocka_unit_test(test_wildcard_rules),
		cmocka_unit_test(test_names_must_be_in_zone),
		cmocka_unit_test(test_check_zone_on_edited_zone),
		cmocka_unit_test(test_zone_file_conflict_names_both_places),
		cmocka_unit_test(test_zone_file_errors_use_zone_file_location),
		cmocka_unit_test(test_load_file_missing),
		cmocka_unit_test(test_wrong_shapes_at_every_level),
		cmocka_unit_test(test_hostile_documents),
		cmocka_unit_test(test_item_index_survives_a_bad_item),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
