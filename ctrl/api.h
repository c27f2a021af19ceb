/*
 * HTTP control API (libmicrohttpd, JSON via jansson) on the control
 * listener: Prometheus metrics, the Route 53 hosted-zone verbs, reload and
 * stats. Routes (paths follow the Route 53 REST API where one exists):
 *
 *   GET  /metrics                                    Prometheus text
 *   GET  /2013-04-01/hostedzone                      ListHostedZones
 *   GET  /2013-04-01/hostedzone/{Id}/rrset           ListResourceRecordSets
 *   POST /2013-04-01/hostedzone/{Id}/rrset           ChangeResourceRecordSets
 *   POST /v1/reload                                  reload the config file
 *   GET  /v1/stats                                   counters as JSON
 *   GET  /2013-04-01/healthcheck[/{Id}[/status]]     health checks (ctrl/health_api.h)
 *   POST /v1/healthcheck/{Id}/status                 set an API-set check's status
 *
 * Contract: the API runs on libmicrohttpd's own thread; every handler that
 * reads or changes the configuration takes the daemon lock (ctrl/daemon.h),
 * so requests are serialised with reloads. It never touches worker state
 * except reading the per-worker counters.
 */
#ifndef DNSP_CTRL_API_H
#define DNSP_CTRL_API_H

#include "daemon.h"

typedef struct dnsp_api dnsp_api_t;

/* Starts serving on listen ("host:port", IPv4 or [IPv6]). Returns 0, or
 * -errno with a message on stderr. */
int dnsp_api_start(struct dnsp_daemon *d, const char *listen, dnsp_api_t **out) DNSP_WUR;
void dnsp_api_stop(dnsp_api_t *api);

/* TCP port the API is bound to (useful when started on port 0). */
int dnsp_api_port(const dnsp_api_t *api);

/* Renders /metrics into a malloc'd NUL-terminated string (caller frees);
 * NULL when out of memory. Takes d->lock (the caller must not hold it). */
char *dnsp_metrics_render(struct dnsp_daemon *d);

#endif
