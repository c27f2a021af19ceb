/*
 * Configuration model of the routing-data sections:
 *
 *   cidr_collections          [{Id, Name, Locations: [{LocationName, CidrList}]}]
 *                             (Route 53 CidrCollection + CidrCollectionChange
 *                             shapes; SEMANTICS §8)
 *   traffic_policies          [{Id, Version, Name, Comment, Document | DocumentFile}]
 *                             (Route 53 TrafficPolicy; Document is the traffic
 *                             policy document, JSON text as AWS stores it or the
 *                             same object written inline; SEMANTICS §15)
 *   traffic_policy_instances  [{Id, HostedZoneId, Name, TTL, TrafficPolicyId,
 *                             TrafficPolicyVersion}] (CreateTrafficPolicyInstance)
 *
 * DocumentFile (a path to a .json document) is dnsplane's own. Every problem
 * is reported as "FILE:LINE: KEY: message"; inside a document the key is the
 * path in the document ("traffic_policies[0].Document.Rules.r1.Items[2].Weight")
 * and the line the document's own (the config file's for an inline or
 * block-scalar document, the JSON file's for DocumentFile).
 *
 * Contract: loaded by ctrl/config.c through dnsp_cfg_route_section (see
 * ctrl/config_load.h); the model hangs off struct dnsp_config.route, which
 * the section's check() creates for every loaded config (empty when the
 * sections are absent) and dnsp_config_destroy() frees. After a successful
 * load: collection Ids, Names and their LocationNames are unique and every
 * block is a valid /1-/24 (IPv4) or /1-/48 (IPv6) prefix, unique in its
 * collection; every document is valid (references resolve, no cycles, rule
 * nesting at most DNSP_TP_MAX_DEPTH, every HealthCheck names a health
 * check); every instance names an existing zone and policy version, its
 * Name lies in the zone and no record set of the zone has that name and
 * type; every record set's CidrRoutingConfig names a defined collection and
 * location (or "*"). Control thread only.
 */
#ifndef DNSP_CTRL_CONFIG_ROUTE_H
#define DNSP_CTRL_CONFIG_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"

/* ---- cidr_collections ---- */

struct dnsp_cfg_cidr_location {
	struct dnsp_cfg_loc loc;
	char *name;                    /* LocationName */
	struct dnsp_cfg_addr *cidrs;   /* CidrList */
	size_t ncidrs;
};

struct dnsp_cfg_cidr_collection {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id */
	char *name;                    /* Name */
	struct dnsp_cfg_cidr_location *locations;
	size_t nlocations;
};

/* ---- traffic policy documents ---- */

#define DNSP_TP_MAX_DEPTH 8            /* rule nesting (= DNSP_ALIAS_DEPTH of the zone builder) */
#define DNSP_TP_MAX_ITEMS 256          /* items per rule (= DNSP_ROUTE_MAX_MEMBERS) */
#define DNSP_TP_DOCUMENT_MAX 102400    /* CreateTrafficPolicy Document length limit */

enum dnsp_tp_endpoint_type {
	DNSP_TPE_VALUE,                /* "value": record data for RecordType */
	DNSP_TPE_CLOUDFRONT,           /* "cloudfront" */
	DNSP_TPE_ELB,                  /* "elastic-load-balancer" */
	DNSP_TPE_S3_WEBSITE,           /* "s3-website" */
	DNSP_TPE_ALB,                  /* "application-load-balancer" */
	DNSP_TPE_NLB,                  /* "network-load-balancer" */
	DNSP_TPE_ELASTIC_BEANSTALK,    /* "elastic-beanstalk" */
};

struct dnsp_tp_endpoint {
	struct dnsp_cfg_loc loc;
	char *id;                      /* the key in Endpoints */
	enum dnsp_tp_endpoint_type type;
	char *region;                  /* Region, or NULL */
	char *value;                   /* Value: record data (value) or a DNS name
					  (AWS resources, answered as an alias) */
};

/* RuleType; the order matches enum dnsp_route_kind's names only loosely, use
 * dnsp_tp_rule_kind() (ctrl/compile_routedata.c) to map. */
enum dnsp_tp_rule_type {
	DNSP_TPR_FAILOVER,
	DNSP_TPR_GEO,
	DNSP_TPR_LATENCY,
	DNSP_TPR_GEOPROXIMITY,
	DNSP_TPR_MULTIVALUE,
	DNSP_TPR_WEIGHTED,
};

/* One entry of a rule: Primary/Secondary, Locations[], Regions[],
 * GeoproximityLocations[] or Items[]. */
struct dnsp_tp_item {
	struct dnsp_cfg_loc loc;
	int32_t endpoint;              /* EndpointReference: index in endpoints, or -1 */
	int32_t rule;                  /* RuleReference: index in rules, or -1 */
	bool evaluate_target_health;   /* EvaluateTargetHealth, default true */
	char *health_check;            /* HealthCheck id, or NULL */
	/* geo */
	bool is_default;               /* IsDefault: true */
	char continent[3], country[3], subdivision[4]; /* Continent, Country, Subdivision */
	/* latency, geoproximity */
	int16_t region;                /* Region: index in dnsp_regions, or -1 */
	char *local_zone_group;        /* geoproximity Region naming a Local Zone group
					  (AWSPolicyFormatVersion 2023-05-09), or NULL */
	bool has_coordinates;          /* geoproximity Latitude + Longitude */
	double lat, lon;
	int bias;                      /* Bias -99..99, default 0 */
	/* weighted */
	int weight;                    /* Weight 0..255 */
};

struct dnsp_tp_rule {
	struct dnsp_cfg_loc loc;
	char *id;                      /* the key in Rules */
	enum dnsp_tp_rule_type type;   /* RuleType */
	struct dnsp_tp_item *items;    /* failover: [0] Primary, [1] Secondary */
	size_t nitems;
};

struct dnsp_tp_document {
	char *format_version;          /* AWSPolicyFormatVersion */
	uint16_t record_type;          /* RecordType */
	int32_t start_rule;            /* StartRule: index in rules, or -1 */
	int32_t start_endpoint;        /* StartEndpoint: index in endpoints, or -1 */
	struct dnsp_tp_endpoint *endpoints;
	size_t nendpoints;
	struct dnsp_tp_rule *rules;
	size_t nrules;
	char *file;                    /* DocumentFile path the locs point at, or NULL */
};

struct dnsp_cfg_traffic_policy {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id */
	int version;                   /* Version, default 1 */
	char *name;                    /* Name */
	char *comment;                 /* Comment, or NULL */
	char *document_text;           /* the Document as JSON text (as given, or the
					  DocumentFile's content), or NULL for an inline
					  mapping */
	struct dnsp_tp_document doc;
	bool valid;                    /* the document passed validation */
};

struct dnsp_cfg_tp_instance {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id */
	char *zone_id;                 /* HostedZoneId */
	char *name;                    /* Name, absolute with a trailing dot */
	uint32_t ttl;                  /* TTL */
	char *policy_id;               /* TrafficPolicyId */
	int policy_version;            /* TrafficPolicyVersion */
};

struct dnsp_cfg_route {
	struct dnsp_cfg_cidr_collection *collections;
	size_t ncollections;
	struct dnsp_cfg_traffic_policy *policies;
	size_t npolicies;
	struct dnsp_cfg_tp_instance *instances;
	size_t ninstances;
};

/* Section entries registered in dnsp_cfg_sections[] (ctrl/config.c). */
extern const struct dnsp_cfg_section dnsp_cfg_cidr_collections_section;
extern const struct dnsp_cfg_section dnsp_cfg_traffic_policies_section;
extern const struct dnsp_cfg_section dnsp_cfg_tp_instances_section;

/* The collection with this Id, or NULL (also when c has no route model). */
const struct dnsp_cfg_cidr_collection *dnsp_cfg_cidr_collection_find(const struct dnsp_config *c,
								     const char *id);

/* Index of LocationName in collection cc, or -1. */
int dnsp_cfg_cidr_location_index(const struct dnsp_cfg_cidr_collection *cc, const char *name);

/* The policy (Id, Version), or NULL. */
const struct dnsp_cfg_traffic_policy *dnsp_cfg_traffic_policy_find(const struct dnsp_config *c,
								   const char *id, int version);

/*
 * Checks a record set's CidrRoutingConfig against the collections of c (for
 * dnsp_config_check_zone, which runs for change batches too). Returns NULL
 * when it is fine (or c has no route model yet: the section check reports
 * then), or a message into buf (cap bytes).
 */
const char *dnsp_cfg_cidr_routing_problem(const struct dnsp_config *c, const char *collection_id,
					  const char *location_name, char *buf, size_t cap);

/*
 * Parses and validates a standalone traffic policy document (JSON, or YAML)
 * of len bytes; file names it in messages, key_prefix starts every key
 * ("Document" for example). HealthCheck ids are not checked here. On
 * success fills doc and returns 0; otherwise returns DNSP_ECONFIG (or
 * -ENOMEM) with every problem in errs and doc empty. Free with
 * dnsp_tp_document_fini().
 */
int dnsp_tp_document_parse(const char *text, size_t len, const char *file,
			   const char *key_prefix, struct dnsp_tp_document *doc,
			   struct dnsp_errlist *errs) DNSP_WUR;
void dnsp_tp_document_fini(struct dnsp_tp_document *doc);

/* "failover", "geo", ... */
const char *dnsp_tp_rule_type_name(enum dnsp_tp_rule_type t);
/* "value", "cloudfront", ... */
const char *dnsp_tp_endpoint_type_name(enum dnsp_tp_endpoint_type t);

#endif
