/*
 * The health checker: runs the configured health checks (ctrl/config_health.h)
 * on the control plane and writes each check's status into the process-wide
 * table of atomics (lib/health.h) that the data plane reads, so a status
 * flip changes answers within one query and needs no recompile.
 *
 * Shape: one checker thread with an epoll loop of non-blocking probes
 * (TCP connect, HTTP/1.1 GET, TLS through OpenSSL without certificate
 * validation, like Route 53); never a worker. Each endpoint check is probed
 * every RequestInterval seconds (IntervalMs when set), counted from the end
 * of one probe to the start of the next, as each Route 53 checker does.
 * Status follows SEMANTICS §10 with one checker ("local"):
 *   - the checker's view flips after FailureThreshold consecutive results
 *     that disagree with it, in either direction; a new check starts
 *     healthy. One checker reporting healthy is 100 % > 18 % of checkers, one
 *     reporting unhealthy is 0 % ≤ 18 %, so the consensus rule maps to the
 *     single view unchanged;
 *   - Inverted flips the status (so a new inverted check starts unhealthy);
 *   - Disabled: the view is healthy whatever the endpoint does (Inverted
 *     still applies: it is how Route 53 says to force a check unhealthy);
 *   - CALCULATED: healthy when at least HealthThreshold children are
 *     healthy (children are never calculated, so one pass settles it),
 *     re-evaluated whenever a child changes;
 *   - CLOUDWATCH_METRIC: set through dnsp_health_checker_set_status() (the
 *     control API), InsufficientData per InsufficientDataHealthStatus.
 *
 * Contract: create/update/destroy are called by the control thread with
 * the daemon lock held (dnsp_daemon_reload serialises them); the query
 * functions may be called from any control-plane thread (the API). An
 * internal mutex guards the check list; the probe thread holds it only for
 * non-blocking work. Nothing here is called by workers; they read status
 * through dnsp_health_ok() only.
 */
#ifndef DNSP_CTRL_HEALTH_H
#define DNSP_CTRL_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "config_health.h"
#include "../lib/health.h"

typedef struct dnsp_health_checker dnsp_health_checker_t;

/* ---- the status rules, as pure functions (unit-tested) ---- */

/*
 * One checker's view (SEMANTICS §10). view: current view (true healthy);
 * streak: consecutive results that disagreed with it.
 */
struct dnsp_hc_view {
	bool healthy;
	uint8_t streak;
};

/* A new check's view: healthy until there is enough data. */
void dnsp_hc_view_init(struct dnsp_hc_view *v);

/* Feeds one probe result; the view flips after threshold (1..10)
 * consecutive disagreeing results. Returns true when the view flipped. */
bool dnsp_hc_view_observe(struct dnsp_hc_view *v, bool ok, int threshold);

/* Status the data plane sees from a view: Disabled forces the view
 * healthy, then Inverted flips it. */
bool dnsp_hc_status(bool view_healthy, bool inverted, bool disabled);

/* CALCULATED: healthy when nhealthy >= threshold (threshold 0: always;
 * threshold above the number of children: never). */
bool dnsp_hc_calculated(size_t nhealthy, int threshold);

/* ---- the checker ---- */

/* Value set through the API for a CLOUDWATCH_METRIC check. */
enum dnsp_hc_api_status {
	DNSP_HC_API_HEALTHY,
	DNSP_HC_API_UNHEALTHY,
	DNSP_HC_API_INSUFFICIENT_DATA,
};

/*
 * Creates a checker for cfg's health checks (cfg may have none), assigns
 * each Id its slot (dnsp_health_slot) and writes the initial status of
 * every check into table before returning, so the first snapshot never
 * sees a stale status. No thread runs until dnsp_health_checker_start().
 * The checker copies what it needs: cfg may be freed afterwards.
 * Returns 0, -ENOMEM, -ENOSPC (slots exhausted).
 */
int dnsp_health_checker_create(const struct dnsp_config *cfg, struct dnsp_health_table *table,
			       dnsp_health_checker_t **out) DNSP_WUR;

/* Starts the probe thread. Returns 0 or -errno. */
int dnsp_health_checker_start(dnsp_health_checker_t *hc) DNSP_WUR;

/*
 * Adopts cfg's set of checks (a reload): an Id whose definition is
 * unchanged keeps its state and its probe in flight; an Id whose
 * definition changed keeps its status and counters but probes the new
 * definition from the next interval (a changed Type starts afresh as a new
 * check); removed Ids stop; new Ids start as new checks. Statuses are
 * written before this returns. Returns 0, -ENOMEM or -ENOSPC (then nothing
 * changed).
 */
int dnsp_health_checker_update(dnsp_health_checker_t *hc, const struct dnsp_config *cfg) DNSP_WUR;

/* Stops the thread (if started), closes probes, frees everything.
 * destroy(NULL) is a no-op. The status table keeps its last values. */
void dnsp_health_checker_destroy(dnsp_health_checker_t *hc);

/*
 * Sets a CLOUDWATCH_METRIC check's status (the control API). Returns 0,
 * -ENOENT (no such Id) or -EINVAL (the check is of another type).
 */
int dnsp_health_checker_set_status(dnsp_health_checker_t *hc, const char *id,
				   enum dnsp_hc_api_status st) DNSP_WUR;

/*
 * Records one probe result for an endpoint check as if its probe had
 * finished now: the path every probe takes, exposed so tests can drive the
 * state machine without sockets. text is the StatusReport detail
 * ("HTTP Status Code 200, OK"). Returns 0 or -ENOENT / -EINVAL (not an
 * endpoint check).
 */
int dnsp_health_checker_record(dnsp_health_checker_t *hc, const char *id, bool ok,
			       const char *text) DNSP_WUR;

/* What GetHealthCheckStatus and /metrics show of one check. */
struct dnsp_health_obs {
	char id[65];
	enum dnsp_hc_type type;
	uint32_t slot;
	bool healthy;                 /* the status the data plane sees */
	bool view;                    /* the checker's view (before Disabled/Inverted) */
	bool checked;                 /* at least one probe/update happened */
	char status[720];             /* "Success: ..." / "Failure: ..." */
	int64_t checked_ms;           /* wall clock (ms since the epoch) of the last
					 result, or of creation */
	char checker_ip[46];          /* source address of the last probe */
	uint64_t probes_ok, probes_failed;
	uint64_t transitions;         /* status flips */
};

/* Fills *out for id. Returns 0 or -ENOENT. */
int dnsp_health_checker_observe(dnsp_health_checker_t *hc, const char *id,
				struct dnsp_health_obs *out) DNSP_WUR;

/* All checks in configuration order, as a malloc'd array (caller frees)
 * in *out. Returns the count (≥ 0) or -ENOMEM. NULL hc: 0 checks. */
int dnsp_health_checker_list(dnsp_health_checker_t *hc, struct dnsp_health_obs **out) DNSP_WUR;

#endif
