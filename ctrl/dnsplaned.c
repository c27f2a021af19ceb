/*
 * dnsplaned: the daemon. The main thread is the control thread: it loads
 * and compiles the configuration, publishes the first snapshot, starts the
 * data plane and the HTTP API, and then waits for signals (SIGHUP reloads,
 * SIGTERM/SIGINT stop). Signals are blocked in every thread and taken
 * synchronously with sigwaitinfo(), so a reload never runs in a signal
 * handler and never races the API's own reloads (both take the daemon
 * lock). The process stays in the foreground; run it under systemd or a
 * supervisor to detach.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "api.h"
#include "compile.h"
#include "daemon.h"
#include "health.h"
#include "resolver.h"
#include "lib/sources.h"
#include "dataplane/dataplane.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dnsplaned [-c FILE] [--check] [--dataplane socket|afxdp|dpdk]\n"
		"                 [--workers N] [--foreground]\n"
		"  -c, --config FILE   configuration (YAML or JSON); default: embedded demo\n"
		"      --check         validate the configuration, print every error, exit\n"
		"      --dataplane X   data-plane back end (overrides server.dataplane)\n"
		"      --workers N     worker threads (overrides server.workers)\n"
		"      --foreground    stay in the foreground (always the case)\n"
		"  SIGHUP reloads the configuration; SIGTERM/SIGINT stop.\n");
}

static void print_errors(const struct dnsp_errlist *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "%s\n", e->msgs[i]);
}

static int load(const char *path, struct dnsp_config **cfg, struct dnsp_errlist *errs)
{
	if (path)
		return dnsp_config_load_file(path, cfg, errs);
	return dnsp_config_load_string(dnsp_config_embedded, strlen(dnsp_config_embedded),
				       "<embedded>", ".", cfg, errs);
}

static const char *role_name(enum dnsp_cfg_role r)
{
	return r == DNSP_CFG_PUBLIC ? "public" : r == DNSP_CFG_RESOLVER ? "resolver" : "inbound";
}

static void describe_listeners(struct dnsp_daemon *d, const struct dnsp_config *cfg)
{
	d->listener_names = calloc(cfg->nlisteners + 1, sizeof(char *));
	d->listener_roles = calloc(cfg->nlisteners + 1, sizeof(char *));
	for (size_t i = 0; i < cfg->nlisteners; i++) {
		const struct dnsp_cfg_listener *l = &cfg->listeners[i];
		char addr[INET6_ADDRSTRLEN], name[INET6_ADDRSTRLEN + 16];
		inet_ntop(l->addr.family == 6 ? AF_INET6 : AF_INET, l->addr.addr, addr,
			  sizeof(addr));
		snprintf(name, sizeof(name), l->addr.family == 6 ? "[%s]:%u" : "%s:%u", addr,
			 l->port);
		d->listener_names[i] = strdup(name);
		d->listener_roles[i] = strdup(role_name(l->role));
		printf("dnsplaned: listening on %s udp+tcp, role %s%s%s\n", name,
		       role_name(l->role), l->vpc ? ", vpc " : "", l->vpc ? l->vpc : "");
	}
	for (size_t i = 0; i < cfg->nlisteners; i++) {
		const struct dnsp_cfg_listener *l = &cfg->listeners[i];
		const char *zone = NULL;
		for (size_t z = 0; z < cfg->nzones && !zone; z++)
			if (cfg->zones[z].private_zone == (l->role != DNSP_CFG_PUBLIC))
				zone = cfg->zones[z].name;
		if (!zone)
			continue;
		char addr[INET6_ADDRSTRLEN];
		inet_ntop(l->addr.family == 6 ? AF_INET6 : AF_INET, l->addr.addr, addr,
			  sizeof(addr));
		printf("dnsplaned: try: dig @%s -p %u www.%s A\n", addr, l->port, zone);
		if (l->role == DNSP_CFG_PUBLIC)
			break;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"dataplane", required_argument, NULL, 'd'},
		{"workers", required_argument, NULL, 'w'},
		{"foreground", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL, *dataplane = NULL;
	int check = 0, workers = 0, c;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'k': check = 1; break;
		case 'd': dataplane = optarg; break;
		case 'w':
			workers = atoi(optarg);
			if (workers < 1 || workers > 64) {
				fprintf(stderr, "dnsplaned: --workers must be 1..64\n");
				return 2;
			}
			break;
		case 'f': break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	struct dnsp_config *cfg = NULL;
	int rc = load(path, &cfg, &errs);
	struct dnsp_snapshot *snap = NULL;
	if (rc == 0 && workers)
		cfg->server.workers = workers; /* snapshots size per-worker state by it */
	/* afxdp: one AF_XDP worker per interface queue runs beside the socket
	 * workers (TCP, and UDP the XDP program passes to the kernel); worker
	 * ids and per-worker snapshot state cover both (socket ids first). */
	int sock_workers = 0, xdp_workers = 0;
	if (rc == 0 && strcmp(dataplane ? dataplane : cfg->server.dataplane ?
			      cfg->server.dataplane : "socket", "afxdp") == 0) {
		sock_workers = cfg->server.workers > 0 ? cfg->server.workers : 1;
		for (size_t i = 0; i < cfg->server.ninterfaces; i++)
			xdp_workers += cfg->server.if_queues[i] > 0 ? cfg->server.if_queues[i] : 1;
		cfg->server.workers = sock_workers + xdp_workers;
	}
	/* The resolver cache lives outside snapshots (it survives reloads);
	 * it exists before the first compile so every generation points at
	 * it (ctrl/resolver.h). */
	dnsp_cache_t *rcache = NULL;
	if (rc == 0 && !check && dnsp_cache_create(NULL, &rcache) == 0)
		dnsp_resolver_set_global(NULL, rcache);
	if (rc == 0)
		rc = dnsp_compile(cfg, 1, &snap, &errs);
	if (rc < 0) {
		print_errors(&errs);
		if (errs.n == 0)
			fprintf(stderr, "%s: %s\n", path ? path : "<embedded>", dnsp_strerror(rc));
		fprintf(stderr, "dnsplaned: configuration rejected (%zu error%s)\n", errs.n,
			errs.n == 1 ? "" : "s");
		dnsp_errlist_fini(&errs);
		dnsp_config_destroy(cfg);
		return 1;
	}
	if (check) {
		printf("%s: OK (%zu zones, %llu records)\n", path ? path : "<embedded>",
		       cfg->nzones, (unsigned long long)snap->nrecords);
		dnsp_snapshot_destroy(snap);
		dnsp_config_destroy(cfg);
		dnsp_errlist_fini(&errs);
		return 0;
	}
	if (!dataplane)
		dataplane = cfg->server.dataplane ? cfg->server.dataplane : "socket";
	if (strcmp(dataplane, "socket") != 0 && strcmp(dataplane, "dpdk") != 0 &&
	    strcmp(dataplane, "afxdp") != 0) {
		fprintf(stderr, "dnsplaned: data plane '%s' is not supported by this build "
				"(use socket, afxdp or dpdk)\n", dataplane);
		return 1;
	}
	if (strcmp(dataplane, "afxdp") == 0 && xdp_workers == 0) {
		fprintf(stderr, "dnsplaned: the afxdp data plane needs server.interfaces (the "
				"interfaces and queues to serve)\n");
		return 1;
	}
	if (!workers)
		workers = cfg->server.workers > 0 ? cfg->server.workers : 1;
	if (xdp_workers)
		workers = sock_workers + xdp_workers;

	/* Block the signals we handle before any thread starts, so that every
	 * thread inherits the mask and only sigwaitinfo() below sees them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct dnsp_daemon d;
	memset(&d, 0, sizeof(d));
	pthread_mutex_init(&d.lock, NULL);
	d.config_path = path;
	d.nworkers = (uint32_t)workers;
	d.started = time(NULL);
	d.cfg = cfg;
	d.generation = snap->generation;
	d.last_compile_ns = snap->compile_ns;
	d.nrecords = snap->nrecords;
	d.nlisteners = (uint32_t)cfg->nlisteners;
	d.stats = aligned_alloc(64, sizeof(struct dnsp_stats) * (size_t)workers);
	if (!d.stats)
		return 1;
	memset(d.stats, 0, sizeof(struct dnsp_stats) * (size_t)workers);
	/* health checks: initial statuses are in place before the first
	 * snapshot is published; probes run on their own control-plane thread */
	if (dnsp_health_checker_create(cfg, dnsp_health_global(), &d.health) < 0 ||
	    dnsp_health_checker_start(d.health) < 0) {
		fprintf(stderr, "dnsplaned: cannot start the health checker\n");
		return 1;
	}
	dnsp_snapshot_publish(snap);

	struct dnsp_dp_listener *dl = calloc(cfg->nlisteners + 1, sizeof(*dl));
	for (size_t i = 0; i < cfg->nlisteners; i++) {
		dl[i].family = cfg->listeners[i].addr.family;
		memcpy(dl[i].addr, cfg->listeners[i].addr.addr, 16);
		dl[i].port = cfg->listeners[i].port;
	}
	struct dnsp_dp_params dp = {
		.listeners = dl,
		.nlisteners = (uint32_t)cfg->nlisteners,
		.workers = (uint32_t)workers,
		.stats = d.stats,
		.tcp_idle_timeout_ms = cfg->server.tcp_idle_timeout_ms > 0
			? cfg->server.tcp_idle_timeout_ms : 10000,
		.tcp_max_connections = cfg->server.tcp_max_connections > 0
			? cfg->server.tcp_max_connections : 1024,
		.cpu_base = -1,
		.rx_coalesce_us = (uint32_t)cfg->server.rx_coalesce_us,
	};
	/* Slow path: the punt channel (one ring pair per worker id) and the
	 * resolver thread that drains it (issue #6). */
	dnsp_punt_chan_t *rchan = NULL;
	dnsp_resolver_t *resolver = NULL;
	if (dnsp_punt_chan_create((uint32_t)workers, 1u << 20, &rchan) == 0) {
		struct dnsp_resolver_params rp = {
			.cache = rcache, .chan = rchan,
			/* outbound endpoints' per-ENI ceilings (lib/sources.h) */
			.hooks = { .outbound_admit = dnsp_sources_outbound_admit },
		};
		if (dnsp_resolver_create(&rp, &resolver) == 0 && dnsp_resolver_start(resolver) == 0) {
			dnsp_resolver_set_global(resolver, rcache);
			dp.punt = rchan;
		} else {
			fprintf(stderr, "dnsplaned: cannot start the resolver thread; "
					"queries that need it get SERVFAIL\n");
		}
	}
	dnsp_dataplane_t *plane = NULL;
	void (*plane_stop)(dnsp_dataplane_t *) = dnsp_socket_plane_stop;
	dnsp_dataplane_t *xplane = NULL; /* afxdp: the AF_XDP plane beside `plane` */
	int plane_rc;
	if (strcmp(dataplane, "dpdk") == 0) {
		/* EAL argv from server.dpdk_args; ports and queues from interfaces. */
		struct dnsp_dpdk_params dd = {
			.eal_args = (const char *const *)cfg->server.dpdk_args,
			.neal_args = (uint32_t)cfg->server.ndpdk_args,
			.ports = (const char *const *)cfg->server.if_names,
			.port_queues = cfg->server.if_queues,
			.nports = (uint32_t)cfg->server.ninterfaces,
		};
		plane_stop = dnsp_dpdk_plane_stop;
		plane_rc = dnsp_dpdk_plane_start(&dp, &dd, &plane);
		d.plane = plane;
		d.dpdk_port_stats = dnsp_dpdk_plane_port_stats;
		d.dpdk_worker_load = dnsp_dpdk_plane_worker_load;
	} else if (xdp_workers) {
		/* UDP for the listeners through AF_XDP on server.interfaces; the
		 * socket plane beside it for TCP (kernel sockets). */
		struct dnsp_dp_interface *ifs = calloc(cfg->server.ninterfaces, sizeof(*ifs));
		for (size_t i = 0; ifs && i < cfg->server.ninterfaces; i++) {
			ifs[i].name = cfg->server.if_names[i];
			ifs[i].queues = (uint32_t)(cfg->server.if_queues[i] > 0
						   ? cfg->server.if_queues[i] : 1);
		}
		struct dnsp_dp_params xp = dp;
		xp.interfaces = ifs;
		xp.ninterfaces = (uint32_t)cfg->server.ninterfaces;
		xp.xdp_mode = cfg->server.xdp_mode;
		xp.stats = d.stats + sock_workers;
		xp.worker_id_base = (uint32_t)sock_workers;
		dp.workers = (uint32_t)sock_workers;
		plane_rc = ifs ? dnsp_afxdp_plane_start(&xp, &xplane) : -ENOMEM;
		free(ifs);
		if (plane_rc == 0) {
			plane_rc = dnsp_socket_plane_start(&dp, &plane);
			if (plane_rc < 0)
				dnsp_afxdp_plane_stop(xplane);
		}
		d.xdp_plane = xplane;
		d.xdp_stats = dnsp_afxdp_plane_xdp_stats;
	} else {
		plane_rc = dnsp_socket_plane_start(&dp, &plane);
	}
	if (plane_rc < 0) {
		fprintf(stderr, "dnsplaned: cannot start the data plane\n");
		return 1;
	}
	describe_listeners(&d, cfg);
	dnsp_api_t *api = NULL;
	const char *listen = cfg->server.control_listen ? cfg->server.control_listen
							 : "127.0.0.1:8053";
	if (dnsp_api_start(&d, listen, &api) < 0) {
		fprintf(stderr, "dnsplaned: cannot start the control API on %s\n", listen);
		dnsp_afxdp_plane_stop(xplane);
		plane_stop(plane);
		return 1;
	}
	printf("dnsplaned: control API on http://%s (metrics at /metrics)\n", listen);
	printf("dnsplaned: serving generation %llu: %zu zones, %llu records, %u worker%s\n",
	       (unsigned long long)d.generation, cfg->nzones, (unsigned long long)d.nrecords,
	       d.nworkers, d.nworkers == 1 ? "" : "s");

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0)
			continue;
		if (sig == SIGHUP) {
			struct dnsp_errlist re;
			dnsp_errlist_init(&re);
			int rrc = dnsp_daemon_reload(&d, &re);
			/* The API thread may publish too: read under the lock. */
			pthread_mutex_lock(&d.lock);
			unsigned long long gen = (unsigned long long)d.generation;
			unsigned long long nrec = (unsigned long long)d.nrecords;
			pthread_mutex_unlock(&d.lock);
			if (rrc == 0) {
				printf("dnsplaned: reloaded: generation %llu, %llu records\n", gen,
				       nrec);
			} else {
				print_errors(&re);
				fprintf(stderr, "dnsplaned: reload rejected; generation %llu keeps "
						"serving\n", gen);
			}
			dnsp_errlist_fini(&re);
			continue;
		}
		break;
	}
	printf("dnsplaned: stopping\n");
	dnsp_api_stop(api);
	dnsp_health_checker_destroy(d.health);
	dnsp_resolver_stop(resolver); /* answers what it holds while workers still run */
	dnsp_afxdp_plane_stop(xplane); /* detaches XDP, frees UMEM */
	plane_stop(plane);
	dnsp_resolver_set_global(NULL, rcache);
	dnsp_resolver_destroy(resolver);
	dnsp_punt_chan_destroy(rchan);
	pthread_mutex_lock(&d.lock);
	dnsp_snapshot_publish(NULL);
	dnsp_resolver_set_global(NULL, NULL);
	dnsp_cache_destroy(rcache);
	dnsp_config_destroy(d.cfg);
	pthread_mutex_unlock(&d.lock);
	for (size_t i = 0; i < d.nlisteners; i++) {
		free(d.listener_names[i]);
		free(d.listener_roles[i]);
	}
	free(d.listener_names);
	free(d.listener_roles);
	free(dl);
	free(d.stats);
	dnsp_errlist_fini(&errs);
	return 0;
}
