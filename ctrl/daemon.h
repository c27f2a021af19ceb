/*
 * The running daemon's control-plane state, shared by the main (control)
 * thread, the HTTP API thread and signal-driven reloads.
 *
 * Contract: every field below `lock` is read and written only with `lock`
 * held; the lock is a control-plane lock and is never touched by workers
 * (they see only published snapshots and their own stats). Compiling and
 * publishing a snapshot happens with the lock held, so reloads and API
 * changes are serialised and each is all-or-nothing.
 */
#ifndef DNSP_CTRL_DAEMON_H
#define DNSP_CTRL_DAEMON_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "config.h"
#include "../lib/stats.h"

struct dnsp_dataplane;
struct dnsp_dp_port_stats;
struct dnsp_dp_worker_load;
struct dnsp_dp_xdp_stats;

struct dnsp_daemon {
	/* fixed after start, readable without the lock */
	const char *config_path;       /* NULL: embedded default */
	uint32_t nworkers;
	struct dnsp_stats *stats;      /* nworkers entries, written by workers */
	uint32_t nlisteners;           /* fixed listener slots */
	time_t started;
	/* DPDK back end: port counters for /metrics (dataplane.h), else NULL */
	struct dnsp_dataplane *plane;
	int (*dpdk_port_stats)(struct dnsp_dataplane *plane, struct dnsp_dp_port_stats *out,
			       uint32_t cap);
	int (*dpdk_worker_load)(struct dnsp_dataplane *plane, struct dnsp_dp_worker_load *out,
				uint32_t cap);
	/* AF_XDP back end: per-interface XDP verdict counters for /metrics
	 * (dnsp_afxdp_plane_xdp_stats, dataplane.h), else NULL */
	struct dnsp_dataplane *xdp_plane;
	int (*xdp_stats)(struct dnsp_dataplane *plane, struct dnsp_dp_xdp_stats *out,
			 uint32_t cap);
	/* health checker (ctrl/health.h), or NULL; it has its own lock, and
	 * dnsp_daemon_publish_locked() hands it each new configuration */
	struct dnsp_health_checker *health;

	pthread_mutex_t lock;
	struct dnsp_config *cfg;       /* model of the serving configuration */
	uint64_t generation;           /* of the published snapshot */
	uint64_t last_compile_ns;
	uint64_t reloads_ok, reloads_failed;
	uint64_t nrecords;             /* records in the published snapshot */
	char **listener_names;         /* "127.0.0.1:5300", per slot */
	char **listener_roles;         /* "public" | "resolver" | "inbound" */
};

/*
 * Compiles d->cfg into a snapshot and publishes it. Caller holds d->lock.
 * Returns 0, or a negative code with errs filled (nothing published).
 */
int dnsp_daemon_publish_locked(struct dnsp_daemon *d, struct dnsp_errlist *errs) DNSP_WUR;

/*
 * Reloads the configuration file (or the embedded default): load, validate,
 * compile, publish; on any error the running generation stays and errs says
 * why. Takes the lock. Returns 0 or a negative code.
 */
int dnsp_daemon_reload(struct dnsp_daemon *d, struct dnsp_errlist *errs) DNSP_WUR;

#endif
