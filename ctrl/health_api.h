/*
 * Health-check routes of the control API, in the Route 53 REST shapes
 * where Route 53 has them:
 *
 *   GET  /2013-04-01/healthcheck                 ListHealthChecks
 *   GET  /2013-04-01/healthcheck/{Id}            GetHealthCheck
 *   GET  /2013-04-01/healthcheck/{Id}/status     GetHealthCheckStatus
 *   POST /v1/healthcheck/{Id}/status             dnsplane: set a CLOUDWATCH_METRIC
 *        {"Status":"Healthy"|"Unhealthy"|"InsufficientData"}   check's status
 *
 * Contract: called from the API thread with the daemon lock NOT held; the
 * configuration is read under d->lock, live status through the checker's
 * own lock (d->health, fixed after start).
 */
#ifndef DNSP_CTRL_HEALTH_API_H
#define DNSP_CTRL_HEALTH_API_H

#include <stddef.h>
#include <jansson.h>
#include "daemon.h"

/*
 * Serves method on path if path is a health-check route. Returns 0 when it
 * is not one (nothing set); otherwise the HTTP status, with *out a new JSON
 * reference (a response or an AWS error object; NULL only when out of
 * memory) and *allow the Allow header for a 405 (else NULL).
 */
int dnsp_health_api(struct dnsp_daemon *d, const char *method, const char *path,
		    const char *body, size_t len, json_t **out, const char **allow);

#endif
