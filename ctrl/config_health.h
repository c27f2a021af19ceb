/*
 * Configuration model of the `health_checks` section: a list of Route 53
 * health checks, each `{Id, HealthCheckConfig}` with the HealthCheckConfig
 * object of the CreateHealthCheck API kept verbatim (SEMANTICS §17), plus
 * two dnsplane-own fields beside it (`IntervalMs`, `TimeoutMs`) that let
 * tests run checks at sub-second pace without making RequestInterval
 * invalid for AWS.
 *
 * Contract: loaded by ctrl/config.c through dnsp_cfg_health_section (see
 * ctrl/config_load.h); the model hangs off struct dnsp_config.health and is
 * owned by the config (freed by dnsp_config_destroy). After a successful
 * load every check is valid: endpoint checks have an IPAddress and a port,
 * STR_MATCH checks a SearchString, calculated checks name only defined,
 * non-calculated children (so there are no cycles), and every record set's
 * HealthCheckId names a check. Control thread only.
 */
#ifndef DNSP_CTRL_CONFIG_HEALTH_H
#define DNSP_CTRL_CONFIG_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"

/* HealthCheckConfig.Type (the API enum, minus RECOVERY_CONTROL). */
enum dnsp_hc_type {
	DNSP_HC_HTTP,
	DNSP_HC_HTTPS,
	DNSP_HC_HTTP_STR_MATCH,
	DNSP_HC_HTTPS_STR_MATCH,
	DNSP_HC_TCP,
	DNSP_HC_CALCULATED,
	/* Status set through the control API (POST /v1/healthcheck/{Id}/status):
	 * the appliance's stand-in for a CloudWatch-alarm check. */
	DNSP_HC_CLOUDWATCH_METRIC,
};

/* InsufficientDataHealthStatus of a CLOUDWATCH_METRIC check. */
enum dnsp_hc_insufficient {
	DNSP_HC_INSUFFICIENT_LAST_KNOWN, /* LastKnownStatus (default); no history: healthy */
	DNSP_HC_INSUFFICIENT_HEALTHY,
	DNSP_HC_INSUFFICIENT_UNHEALTHY,
};

/* Route 53's per-checker timing (SEMANTICS §10), used unless TimeoutMs. */
#define DNSP_HC_CONNECT_TIMEOUT_MS 4000     /* HTTP(S): TCP connect */
#define DNSP_HC_TCP_CONNECT_TIMEOUT_MS 10000 /* TCP checks: connect */
#define DNSP_HC_RESPONSE_TIMEOUT_MS 2000    /* status after connect; body after status */
#define DNSP_HC_BODY_SEARCH_LEN 5120        /* *_STR_MATCH: search window of the body */

struct dnsp_cfg_health_check {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id */
	char *caller_reference;        /* CallerReference (optional, echoed) */
	enum dnsp_hc_type type;        /* Type */
	bool has_ip;
	struct dnsp_cfg_addr ip;       /* IPAddress */
	int port;                      /* Port; 0 for CALCULATED/CLOUDWATCH_METRIC
					  (defaults 80 HTTP*, 443 HTTPS*) */
	char *resource_path;           /* ResourcePath with its leading '/', or NULL */
	char *fqdn;                    /* FullyQualifiedDomainName, as given */
	char *search_string;           /* SearchString */
	int request_interval;          /* RequestInterval 10..30, default 30 */
	int failure_threshold;         /* FailureThreshold 1..10, default 3 */
	bool measure_latency;          /* MeasureLatency (accepted, not measured) */
	bool inverted;                 /* Inverted */
	bool disabled;                 /* Disabled */
	bool enable_sni;               /* EnableSNI; default true for HTTPS* */
	int health_threshold;          /* HealthThreshold 0..256 (CALCULATED) */
	char **children;               /* ChildHealthChecks (CALCULATED) */
	int *child_lines;              /* line of each child, for messages */
	size_t nchildren;
	char **regions;                /* Regions (accepted; one local checker) */
	size_t nregions;
	char *alarm_region, *alarm_name; /* AlarmIdentifier (CLOUDWATCH_METRIC) */
	enum dnsp_hc_insufficient insufficient; /* InsufficientDataHealthStatus */
	int interval_ms;               /* IntervalMs (dnsplane): replaces
					  RequestInterval's pace; 0 unset */
	int timeout_ms;                /* TimeoutMs (dnsplane): replaces the
					  connect and response timeouts; 0 unset */
};

struct dnsp_cfg_health {
	struct dnsp_cfg_health_check *checks;
	size_t n;
};

/* The section entry registered in dnsp_cfg_sections[] (ctrl/config.c). */
extern const struct dnsp_cfg_section dnsp_cfg_health_section;

/* The check with this Id, or NULL (also when c has no health model). */
const struct dnsp_cfg_health_check *dnsp_cfg_health_find(const struct dnsp_config *c,
							 const char *id);

/* "HTTP", "HTTPS", ... for a type. */
const char *dnsp_hc_type_name(enum dnsp_hc_type t);

/* Whether the type probes an endpoint (HTTP*, HTTPS*, TCP). */
static inline bool dnsp_hc_type_probes(enum dnsp_hc_type t)
{
	return t <= DNSP_HC_TCP;
}

/* Whether the type speaks TLS / searches the body. */
static inline bool dnsp_hc_type_tls(enum dnsp_hc_type t)
{
	return t == DNSP_HC_HTTPS || t == DNSP_HC_HTTPS_STR_MATCH;
}

static inline bool dnsp_hc_type_str_match(enum dnsp_hc_type t)
{
	return t == DNSP_HC_HTTP_STR_MATCH || t == DNSP_HC_HTTPS_STR_MATCH;
}

/* Effective port: Port, else 443 for HTTPS*, 80 for HTTP*; 0 for others. */
int dnsp_hc_port(const struct dnsp_cfg_health_check *h);

#endif
