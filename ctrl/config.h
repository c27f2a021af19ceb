/*
 * Configuration model: the YAML (or JSON) file of SPEC §3 loaded into plain
 * C structures with the file and line of every object, validated strictly.
 *
 * Contract: dnsp_config_load_*() parse with libyaml and check every key:
 * unknown keys, wrong types, bad values, dangling ids and contradictions
 * are all reported (not just the first) into a dnsp_errlist as
 * "FILE:LINE: KEY: message", and the load fails with DNSP_ECONFIG.
 * The result is owned by the caller (dnsp_config_destroy). Control thread
 * only. Record data stay in presentation form ("Value" strings), exactly as
 * Route 53 holds them, so list/change verbs round-trip them; zone files
 * named by ZoneFile are read at load time and their records merged into
 * ResourceRecordSets (marked from_file).
 */
#ifndef DNSP_CTRL_CONFIG_H
#define DNSP_CTRL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../lib/error.h"

/* ---- error list ---- */
struct dnsp_errlist {
	char **msgs;
	size_t n, cap;
};
void dnsp_errlist_init(struct dnsp_errlist *e);
void dnsp_errlist_fini(struct dnsp_errlist *e);
/* Appends "file:line: key: message" (file may be NULL → "<config>"). */
void dnsp_errlist_add(struct dnsp_errlist *e, const char *file, int line, const char *key,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

struct dnsp_cfg_loc {
	const char *file; /* points into the config's string pool */
	int line;
};

struct dnsp_cfg_addr {
	int family;       /* 4 or 6 */
	uint8_t addr[16];
	int plen;         /* prefix length (CIDRs); 32/128 for addresses */
};

enum dnsp_cfg_role { DNSP_CFG_PUBLIC, DNSP_CFG_RESOLVER, DNSP_CFG_INBOUND };

struct dnsp_cfg_listener {
	struct dnsp_cfg_loc loc;
	struct dnsp_cfg_addr addr;
	uint16_t port;                 /* default 53 */
	enum dnsp_cfg_role role;
	char *vpc;                     /* resolver: optional VpcId */
	char *endpoint;                /* inbound: endpoint Id (required) */
};

struct dnsp_cfg_vpc {
	struct dnsp_cfg_loc loc;
	char *id;                      /* VpcId */
	struct dnsp_cfg_addr *cidrs;   /* Cidrs */
	size_t ncidrs;
	bool dns_support;              /* EnableDnsSupport, default true */
	bool dns_hostnames;            /* EnableDnsHostnames, default true */
	char *region;                  /* Region (a code such as us-east-1), NULL unset */
	int dnssec_validation;         /* -1 unset, 0 DISABLED, 1 ENABLED */
};

/* Routing fields of a ResourceRecordSet (validated now, used by issue #3). */
struct dnsp_cfg_routing {
	char *set_identifier;          /* SetIdentifier */
	int weight;                    /* Weight 0..255, -1 unset */
	char *region;                  /* Region (latency) */
	char *geo_continent, *geo_country, *geo_subdivision; /* GeoLocation */
	char *failover;                /* "PRIMARY" | "SECONDARY" */
	int multivalue;                /* MultiValueAnswer: -1 unset, 0, 1 */
	bool has_geoproximity;         /* GeoProximityLocation */
	char *gp_aws_region, *gp_local_zone_group;
	bool gp_has_coordinates;
	double gp_latitude, gp_longitude;
	int gp_bias;                   /* -99..99, 0 default */
	char *cidr_collection_id, *cidr_location_name; /* CidrRoutingConfig */
	char *health_check_id;         /* HealthCheckId */
};

/* Which routing policy a set uses, derived from the fields present. */
enum dnsp_cfg_policy {
	DNSP_POLICY_SIMPLE, DNSP_POLICY_WEIGHTED, DNSP_POLICY_LATENCY, DNSP_POLICY_FAILOVER,
	DNSP_POLICY_GEOLOCATION, DNSP_POLICY_GEOPROXIMITY, DNSP_POLICY_IPBASED,
	DNSP_POLICY_MULTIVALUE,
};

struct dnsp_cfg_rrset {
	struct dnsp_cfg_loc loc;
	char *name;                    /* absolute, with trailing dot, as given (case kept;
					  "\052" written as "*") */
	uint16_t type;
	bool has_ttl;
	uint32_t ttl;
	char **values;                 /* ResourceRecords[].Value */
	size_t nvalues;
	bool is_alias;                 /* AliasTarget present */
	char *alias_zone_id;           /* AliasTarget.HostedZoneId */
	char *alias_dns_name;          /* AliasTarget.DNSName (absolute, trailing dot) */
	bool alias_evaluate_target_health;
	enum dnsp_cfg_policy policy;
	struct dnsp_cfg_routing routing;
	bool from_file;                /* came from ZoneFile */
};

struct dnsp_cfg_zone {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id */
	char *name;                    /* Name, absolute with trailing dot */
	bool private_zone;             /* Config.PrivateZone */
	char *comment;                 /* Config.Comment */
	char **vpc_ids;                /* VPCs[].VPCId */
	char **vpc_regions;            /* VPCs[].VPCRegion (may be NULL entries) */
	size_t nvpcs;
	char *zone_file;               /* ZoneFile, resolved to a path */
	bool dnssec_signing;           /* DNSSEC.Signing */
	struct dnsp_cfg_rrset *rrsets;
	size_t nrrsets;
};

#define DNSP_CFG_RX_COALESCE_US_DEFAULT 0

struct dnsp_cfg_server {
	struct dnsp_cfg_loc loc;
	char *dataplane;               /* "socket" | "afxdp" | "dpdk" */
	int workers;                   /* default 1 */
	char *control_listen;          /* "127.0.0.1:8053" default */
	uint16_t udp_max;              /* cap on EDNS UDP size, default 1232 */
	int tcp_idle_timeout_ms;       /* default 10000 */
	int tcp_max_connections;       /* per worker, default 1024 */
	int rx_coalesce_us;            /* receive coalescing under load, 0..1000 us, default 0 (off) */
	char *geo_db, *latency_db;     /* resolved paths or NULL */
	int geo_db_line, latency_db_line; /* where the config sets them (messages) */
	char *import_dir;              /* resolved path or NULL: the only folder whose files
					  ImportFirewallDomains' DomainFileUrl may name */
	char **dpdk_args; size_t ndpdk_args;
	char **if_names; int *if_queues; size_t ninterfaces;
	int xdp_mode;                  /* afxdp: 0 auto, 1 native, 2 skb (server.xdp_mode) */
};

struct dnsp_config {
	char *path;                    /* file loaded ("<embedded>" for the default) */
	char *dir;                     /* folder relative paths resolve against */
	struct dnsp_cfg_server server;
	struct dnsp_cfg_listener *listeners; size_t nlisteners;
	struct dnsp_cfg_vpc *vpcs; size_t nvpcs;
	struct dnsp_cfg_zone *zones; size_t nzones;
	struct dnsp_cfg_health *health; /* health_checks (ctrl/config_health.h); set
					   by its check() for every loaded config */
	struct dnsp_cfg_route *route;  /* cidr_collections, traffic_policies,
					  traffic_policy_instances (ctrl/config_route.h);
					  set by its check() for every loaded config */
	struct dnsp_cfg_resolver *resolver; /* resolver (ctrl/config_resolver.h), or NULL */
	struct dnsp_cfg_profiles *profiles; /* profiles + profile_associations
					       (ctrl/config_profiles.h), or NULL */
	struct dnsp_cfg_firewall *firewall; /* firewall (ctrl/config_firewall.h), or NULL */
	void *pool;                    /* private: string pool for loc.file etc. */
};

/* Loads and validates path. On success *out is the config, returns 0. On
 * failure returns DNSP_ECONFIG (or -errno) and errs holds every problem. */
int dnsp_config_load_file(const char *path, struct dnsp_config **out,
			  struct dnsp_errlist *errs) DNSP_WUR;
/* Same from memory; name appears in errors; dir resolves relative paths. */
int dnsp_config_load_string(const char *text, size_t len, const char *name, const char *dir,
			    struct dnsp_config **out, struct dnsp_errlist *errs) DNSP_WUR;
void dnsp_config_destroy(struct dnsp_config *c);

/* The embedded demo configuration (SPEC §3 "Embedded default"). */
extern const char dnsp_config_embedded[];

/* Finds a zone by Id, or NULL. */
struct dnsp_cfg_zone *dnsp_config_zone_by_id(struct dnsp_config *c, const char *id);

/*
 * Validates one zone's record sets as a whole (used by the loader and by
 * change-resource-record-sets): names inside the zone, a CNAME beside other
 * data, CNAME at the apex, a non-simple set without SetIdentifier, mixed
 * policies within one name+type, duplicate SetIdentifier, values that do not
 * parse for their type, alias with TTL or ResourceRecords. Appends errors
 * to errs; returns the number of errors.
 */
int dnsp_config_check_zone(const struct dnsp_config *c, const struct dnsp_cfg_zone *z,
			   struct dnsp_errlist *errs);

/* Deep copies/frees of one record set (for change batches). */
int dnsp_cfg_rrset_copy(struct dnsp_cfg_rrset *dst, const struct dnsp_cfg_rrset *src) DNSP_WUR;
void dnsp_cfg_rrset_fini(struct dnsp_cfg_rrset *rs);

#endif
