/*
 * Reload and publish for the running daemon: the one place where a new
 * configuration becomes a new snapshot. Both SIGHUP (main thread) and the
 * HTTP API come through here under the daemon lock, so generations are
 * numbered in order and a failed reload leaves the serving generation, and
 * the configuration model the API edits, exactly as they were.
 */
#include <stdio.h>
#include <string.h>
#include "compile.h"
#include "daemon.h"
#include "health.h"

int dnsp_daemon_publish_locked(struct dnsp_daemon *d, struct dnsp_errlist *errs)
{
	struct dnsp_snapshot *s;
	int rc = dnsp_compile(d->cfg, d->generation + 1, &s, errs);
	if (rc < 0)
		return rc;
	/* the checker adopts the new checks before the snapshot that names
	 * them is published, so their first status is already in place */
	if (d->health && (rc = dnsp_health_checker_update(d->health, d->cfg)) < 0) {
		dnsp_errlist_add(errs, d->cfg->path, 0, "health_checks",
				 "cannot start the health checks: %s", dnsp_strerror(rc));
		dnsp_snapshot_destroy(s);
		return rc;
	}
	d->generation = s->generation;
	d->last_compile_ns = s->compile_ns;
	d->nrecords = s->nrecords;
	dnsp_snapshot_publish(s);
	return 0;
}

/* Listener sockets are bound once at start: a reload may change what a
 * listener serves (role, VPC) but not where it listens. */
static int same_sockets(const struct dnsp_config *a, const struct dnsp_config *b)
{
	if (a->nlisteners != b->nlisteners)
		return 0;
	for (size_t i = 0; i < a->nlisteners; i++) {
		const struct dnsp_cfg_listener *x = &a->listeners[i], *y = &b->listeners[i];
		if (x->addr.family != y->addr.family || x->port != y->port ||
		    memcmp(x->addr.addr, y->addr.addr, 16) != 0)
			return 0;
	}
	return 1;
}

int dnsp_daemon_reload(struct dnsp_daemon *d, struct dnsp_errlist *errs)
{
	struct dnsp_config *cfg = NULL;
	int rc = d->config_path
		? dnsp_config_load_file(d->config_path, &cfg, errs)
		: dnsp_config_load_string(dnsp_config_embedded, strlen(dnsp_config_embedded),
					  "<embedded>", ".", &cfg, errs);
	if (rc == 0)
		cfg->server.workers = (int)d->nworkers; /* workers are fixed at start */
	pthread_mutex_lock(&d->lock);
	if (rc == 0 && !same_sockets(d->cfg, cfg)) {
		dnsp_errlist_add(errs, cfg->path, cfg->listeners ? cfg->listeners[0].loc.line : 0,
				 "listeners",
				 "listener addresses or ports changed: restart dnsplaned to apply");
		rc = DNSP_ECONFIG;
	}
	if (rc == 0) {
		struct dnsp_config *old = d->cfg;
		d->cfg = cfg;
		rc = dnsp_daemon_publish_locked(d, errs);
		if (rc < 0) {
			d->cfg = old;
		} else {
			cfg = old; /* freed below */
		}
	}
	if (rc == 0)
		d->reloads_ok++;
	else
		d->reloads_failed++;
	pthread_mutex_unlock(&d->lock);
	dnsp_config_destroy(cfg);
	return rc;
}
