/*
 * Prometheus text exposition (format 0.0.4) of the daemon's counters for
 * GET /metrics. Workers only ever increment their own struct dnsp_stats;
 * here the control plane sums them per series at scrape time, so the fast
 * path pays nothing for metrics. Query series that are still zero are left
 * out (listeners x qtypes would be mostly zeros) except the A series of
 * each listener, so every listener shows up from the first scrape; the
 * fixed families (rcodes, workers) are always complete.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api.h"
#include "compile_firewall.h"
#include "config_resolver.h"
#include "../lib/ratelimit.h"
#include "dataplane/dataplane.h"
#include "health.h"
#include "resolver.h"

struct buf {
	char *p;
	size_t len, cap;
	bool nomem;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	if (b->nomem)
		return;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->nomem = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap * 2 + (size_t)n;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->nomem = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label value with '\\', '"' and newline escaped, into out (truncated). */
static const char *label(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	if (!s)
		s = "";
	for (; *s && o + 3 < cap; s++) {
		if (*s == '\\' || *s == '"') {
			out[o++] = '\\';
			out[o++] = *s;
		} else if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *s;
		}
	}
	out[o] = 0;
	return out;
}

static const char *const rcode_names[DNSP_STATS_RCODES] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
	"YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI", "RCODE12", "RCODE13",
	"RCODE14", "RCODE15", "BADVERS",
};

/* DNS Firewall (issue #5; ctrl/compile_firewall.h): per-worker rows in the
 * snapshot plus the totals of retired snapshots. */
static void put_fw_series(void *ctx, const char *group, const char *rule, const char *action,
			  uint64_t value)
{
	char g[256], r[256];
	put(ctx, "dnsplane_firewall_matches_total{rule_group=\"%s\",rule=\"%s\",action=\"%s\"} "
	    "%llu\n", label(group, g, sizeof(g)), label(rule, r, sizeof(r)), action,
	    (unsigned long long)value);
}

static void put_firewall(struct buf *b, const struct dnsp_snapshot *s)
{
	uint64_t fails[2];
	family(b, "dnsplane_firewall_matches_total", "counter",
	       "DNS Firewall rule matches that decided a query, by rule group, rule and action.");
	dnsp_firewall_metrics(s, put_fw_series, b, fails);
	family(b, "dnsplane_firewall_failures_total", "counter",
	       "Queries the DNS Firewall could not evaluate, by the fail mode applied.");
	put(b, "dnsplane_firewall_failures_total{mode=\"open\"} %llu\n",
	    (unsigned long long)fails[0]);
	put(b, "dnsplane_firewall_failures_total{mode=\"closed\"} %llu\n",
	    (unsigned long long)fails[1]);
}

/* Resolver cache and slow path (issue #6; ctrl/resolver.h, lib/cache.h):
 * hits/misses are counted per worker on the fast path, the rest by the
 * resolver thread and the cache. */
static void put_resolver(struct buf *b, const struct dnsp_stats *st, uint32_t nw)
{
	uint64_t hits = 0, misses = 0, failed = 0;
	for (uint32_t w = 0; w < nw; w++) {
		hits += st[w].cache_hits;
		misses += st[w].cache_misses;
		failed += st[w].punt_failed;
	}
	family(b, "dnsplane_cache_hits_total", "counter",
	       "Resolver cache lookups answered on the fast path.");
	put(b, "dnsplane_cache_hits_total %llu\n", (unsigned long long)hits);
	family(b, "dnsplane_cache_misses_total", "counter",
	       "Resolver cache lookups that missed (the query went to the slow path).");
	put(b, "dnsplane_cache_misses_total %llu\n", (unsigned long long)misses);
	family(b, "dnsplane_worker_punt_failures_total", "counter",
	       "Queries the slow path could not take (ring full, no resolver): SERVFAIL.");
	put(b, "dnsplane_worker_punt_failures_total %llu\n", (unsigned long long)failed);
	dnsp_cache_t *cache = dnsp_resolver_global_cache();
	if (cache != NULL) {
		struct dnsp_cache_stats cs;
		dnsp_cache_get_stats(cache, &cs);
		family(b, "dnsplane_cache_entries", "gauge", "Entries in the resolver cache.");
		put(b, "dnsplane_cache_entries %llu\n", (unsigned long long)cs.entries);
		family(b, "dnsplane_cache_bytes", "gauge", "Memory held by resolver cache entries.");
		put(b, "dnsplane_cache_bytes %llu\n", (unsigned long long)cs.bytes);
		family(b, "dnsplane_cache_evictions_total", "counter",
		       "Cache entries removed, by reason (CLOCK eviction or expiry).");
		put(b, "dnsplane_cache_evictions_total{reason=\"evicted\"} %llu\n",
		    (unsigned long long)cs.evicted);
		put(b, "dnsplane_cache_evictions_total{reason=\"expired\"} %llu\n",
		    (unsigned long long)cs.expired);
	}
	dnsp_resolver_t *r = dnsp_resolver_global();
	if (r == NULL)
		return;
	struct dnsp_resolver_stats rs;
	dnsp_resolver_get_stats(r, &rs);
	family(b, "dnsplane_resolver_requests_total", "counter",
	       "Queries taken by the slow-path resolver, by kind (client or prefetch).");
	put(b, "dnsplane_resolver_requests_total{kind=\"client\"} %llu\n",
	    (unsigned long long)rs.requests);
	put(b, "dnsplane_resolver_requests_total{kind=\"prefetch\"} %llu\n",
	    (unsigned long long)rs.prefetches);
	family(b, "dnsplane_resolver_upstream_queries_total", "counter",
	       "Upstream queries: sent, and their outcomes (ok, timeout, error), retries over TCP "
	       "and without EDNS, and queries an outbound ENI ceiling dropped.");
	static const char *const names[] = { "sent", "ok", "timeout", "error", "tcp",
					     "edns_fallback", "dropped" };
	const uint64_t vals[] = { rs.up_sent, rs.up_ok, rs.up_timeout, rs.up_error, rs.up_tcp,
				  rs.up_edns_fallback, rs.up_dropped };
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		put(b, "dnsplane_resolver_upstream_queries_total{result=\"%s\"} %llu\n", names[i],
		    (unsigned long long)vals[i]);
	family(b, "dnsplane_resolver_servfail_total", "counter",
	       "Client queries the resolver answered SERVFAIL (deadline, limits, no server).");
	put(b, "dnsplane_resolver_servfail_total %llu\n", (unsigned long long)rs.servfail);
	family(b, "dnsplane_resolver_answers_total", "counter",
	       "Replies the resolver sent, by kind (all, stale = RFC 8767 serve-stale).");
	put(b, "dnsplane_resolver_answers_total{kind=\"all\"} %llu\n",
	    (unsigned long long)rs.answered);
	put(b, "dnsplane_resolver_answers_total{kind=\"stale\"} %llu\n",
	    (unsigned long long)rs.stale_answers);
	family(b, "dnsplane_resolver_deadline_expired_total", "counter",
	       "Client queries that reached the hard deadline (query_timeout_ms).");
	put(b, "dnsplane_resolver_deadline_expired_total %llu\n",
	    (unsigned long long)rs.deadline_expired);
	family(b, "dnsplane_resolver_limit_hits_total", "counter",
	       "Resolutions stopped by a work limit (referrals, CNAME chain, queries, NS lookups).");
	put(b, "dnsplane_resolver_limit_hits_total %llu\n", (unsigned long long)rs.limit_hits);
	family(b, "dnsplane_resolver_bailiwick_dropped_total", "counter",
	       "Records discarded because they were outside the answering server's bailiwick.");
	put(b, "dnsplane_resolver_bailiwick_dropped_total %llu\n",
	    (unsigned long long)rs.bailiwick_dropped);
	family(b, "dnsplane_resolver_dropped_total", "counter",
	       "Requests or replies dropped because a queue was full.");
	put(b, "dnsplane_resolver_dropped_total %llu\n", (unsigned long long)rs.inbox_full);
	family(b, "dnsplane_resolver_inflight", "gauge", "Resolutions in progress.");
	put(b, "dnsplane_resolver_inflight %llu\n", (unsigned long long)rs.inflight);
}

/* Resolver endpoints (issue #6; SPEC §3 "Metric names"): per ENI the queries
 * that reached it and those its QPS ceiling dropped (inbound: client
 * queries; outbound: forwarded queries), and the ceiling. Counters live in
 * the process-wide ENI table (lib/ratelimit.h), so they survive reloads. */
static void put_enis(struct buf *b, const struct dnsp_config *cfg)
{
	const struct dnsp_cfg_resolver *r = cfg ? cfg->resolver : NULL;
	struct dnsp_eni_table *t = dnsp_eni_global();
	char l1[256], l2[64];
	static const char *const fams[][2] = {
		{ "dnsplane_eni_queries_total", "Queries that reached each endpoint ENI (inbound: "
		  "client queries; outbound: forwarded queries), dropped ones included." },
		{ "dnsplane_eni_dropped_total", "Queries each endpoint ENI dropped over its "
		  "QpsPerEni ceiling." },
		{ "dnsplane_eni_qps_limit", "The QPS ceiling of each endpoint ENI (QpsPerEni; "
		  "0: unlimited)." },
	};
	for (int f = 0; f < 3; f++) {
		family(b, fams[f][0], f == 2 ? "gauge" : "counter", fams[f][1]);
		for (size_t i = 0; r && i < r->nendpoints; i++) {
			const struct dnsp_cfg_endpoint *e = &r->endpoints[i];
			label(e->id, l1, sizeof(l1));
			for (size_t k = 0; k < e->nenis; k++) {
				int slot = dnsp_eni_find(t, e->id, e->enis[k].text);
				uint64_t q = 0, dr = 0;
				if (slot >= 0)
					dnsp_eni_totals(t, (uint32_t)slot, &q, &dr);
				label(e->enis[k].text, l2, sizeof(l2));
				put(b, "%s{endpoint=\"%s\",ip=\"%s\",direction=\"%s\"} %llu\n",
				    fams[f][0], l1, l2, e->direction == DNSP_EP_OUTBOUND ? "outbound"
				    : "inbound", (unsigned long long)(f == 0 ? q : f == 1 ? dr
				    : e->qps_per_eni));
			}
		}
	}
}

char *dnsp_metrics_render(struct dnsp_daemon *d)
{
	struct buf b = { .cap = 16384 };
	char l1[256], l2[64];
	uint32_t nw = d->stats ? d->nworkers : 0;
	const struct dnsp_stats *st = d->stats;

	b.p = malloc(b.cap);
	if (!b.p)
		return NULL;
	b.p[0] = 0;

	pthread_mutex_lock(&d->lock);
	uint32_t nl = d->nlisteners < DNSP_STATS_LISTENERS ? d->nlisteners : DNSP_STATS_LISTENERS;

	family(&b, "dnsplane_queries_total", "counter",
	       "DNS queries received, by listener, listener role and query type.");
	for (uint32_t i = 0; i < nl; i++) {
		const char *name = d->listener_names ? d->listener_names[i] : NULL;
		const char *role = d->listener_roles ? d->listener_roles[i] : NULL;
		label(name, l1, sizeof(l1));
		label(role, l2, sizeof(l2));
		for (int q = 0; q < DNSP_STATS_QTYPES; q++) {
			uint64_t sum = 0;
			for (uint32_t w = 0; w < nw; w++)
				sum += st[w].queries[i][q];
			if (sum == 0 && q != 0)
				continue;
			put(&b, "dnsplane_queries_total{listener=\"%s\",role=\"%s\",qtype=\"%s\"} %llu\n",
			    l1, l2, dnsp_stats_qtype_name(q), (unsigned long long)sum);
		}
	}
	family(&b, "dnsplane_queries_tcp_total", "counter",
	       "DNS queries received over TCP, by listener and listener role.");
	for (uint32_t i = 0; i < nl; i++) {
		uint64_t sum = 0;
		for (uint32_t w = 0; w < nw; w++)
			sum += st[w].queries_tcp[i];
		label(d->listener_names ? d->listener_names[i] : NULL, l1, sizeof(l1));
		label(d->listener_roles ? d->listener_roles[i] : NULL, l2, sizeof(l2));
		put(&b, "dnsplane_queries_tcp_total{listener=\"%s\",role=\"%s\"} %llu\n", l1, l2,
		    (unsigned long long)sum);
	}

	family(&b, "dnsplane_responses_total", "counter", "DNS responses sent, by RCODE.");
	for (int r = 0; r < DNSP_STATS_RCODES; r++) {
		uint64_t sum = 0;
		for (uint32_t w = 0; w < nw; w++)
			sum += st[w].rcodes[r];
		put(&b, "dnsplane_responses_total{rcode=\"%s\"} %llu\n", rcode_names[r],
		    (unsigned long long)sum);
	}

	family(&b, "dnsplane_worker_packets_total", "counter",
	       "Packets received (rx) and sent (tx) by each worker.");
	for (uint32_t w = 0; w < nw; w++) {
		put(&b, "dnsplane_worker_packets_total{worker=\"%u\",direction=\"rx\"} %llu\n", w,
		    (unsigned long long)st[w].rx_packets);
		put(&b, "dnsplane_worker_packets_total{worker=\"%u\",direction=\"tx\"} %llu\n", w,
		    (unsigned long long)st[w].tx_packets);
	}
	family(&b, "dnsplane_worker_punts_total", "counter",
	       "Queries each worker handed to the slow path.");
	for (uint32_t w = 0; w < nw; w++)
		put(&b, "dnsplane_worker_punts_total{worker=\"%u\"} %llu\n", w,
		    (unsigned long long)st[w].punted);
	family(&b, "dnsplane_worker_dropped_total", "counter",
	       "Packets each worker dropped (unparseable, responses, unknown listener).");
	for (uint32_t w = 0; w < nw; w++)
		put(&b, "dnsplane_worker_dropped_total{worker=\"%u\"} %llu\n", w,
		    (unsigned long long)st[w].rx_dropped);
	family(&b, "dnsplane_worker_tx_errors_total", "counter",
	       "Responses each worker failed to send.");
	for (uint32_t w = 0; w < nw; w++)
		put(&b, "dnsplane_worker_tx_errors_total{worker=\"%u\"} %llu\n", w,
		    (unsigned long long)st[w].tx_errors);
	family(&b, "dnsplane_tcp_connections_total", "counter",
	       "TCP connections accepted, refused (over the limit) and closed when idle, per "
	       "worker.");
	for (uint32_t w = 0; w < nw; w++) {
		put(&b, "dnsplane_tcp_connections_total{worker=\"%u\",event=\"accepted\"} %llu\n", w,
		    (unsigned long long)st[w].tcp_accepted);
		put(&b, "dnsplane_tcp_connections_total{worker=\"%u\",event=\"refused\"} %llu\n", w,
		    (unsigned long long)st[w].tcp_refused);
		put(&b, "dnsplane_tcp_connections_total{worker=\"%u\",event=\"idle_closed\"} %llu\n",
		    w, (unsigned long long)st[w].tcp_closed_idle);
	}
	family(&b, "dnsplane_worker_coalesce_naps_total", "counter",
	       "Naps each worker took between bursts under receive coalescing "
	       "(server.rx_coalesce_us).");
	for (uint32_t w = 0; w < nw; w++)
		put(&b, "dnsplane_worker_coalesce_naps_total{worker=\"%u\"} %llu\n", w,
		    (unsigned long long)st[w].coalesce_naps);
	uint64_t trunc = 0;
	for (uint32_t w = 0; w < nw; w++)
		trunc += st[w].truncated;
	family(&b, "dnsplane_truncated_total", "counter",
	       "UDP answers sent truncated (TC=1) because they exceeded the UDP size.");
	put(&b, "dnsplane_truncated_total %llu\n", (unsigned long long)trunc);
	put_resolver(&b, st, nw);
	put_enis(&b, d->cfg);

	family(&b, "dnsplane_snapshot_generation", "gauge",
	       "Generation of the published configuration snapshot.");
	put(&b, "dnsplane_snapshot_generation %llu\n", (unsigned long long)d->generation);
	family(&b, "dnsplane_snapshot_compile_seconds", "gauge",
	       "Time taken to compile the published snapshot.");
	put(&b, "dnsplane_snapshot_compile_seconds %.9f\n", (double)d->last_compile_ns / 1e9);
	family(&b, "dnsplane_snapshot_records", "gauge", "Records in the published snapshot.");
	put(&b, "dnsplane_snapshot_records %llu\n", (unsigned long long)d->nrecords);
	family(&b, "dnsplane_reloads_total", "counter",
	       "Configuration reloads, by result (failed reloads keep the old snapshot).");
	put(&b, "dnsplane_reloads_total{result=\"ok\"} %llu\n", (unsigned long long)d->reloads_ok);
	put(&b, "dnsplane_reloads_total{result=\"failed\"} %llu\n",
	    (unsigned long long)d->reloads_failed);
	/* under d->lock: the current snapshot cannot be destroyed meanwhile */
	put_firewall(&b, dnsp_snapshot_current());
	pthread_mutex_unlock(&d->lock);

	time_t now = time(NULL);
	family(&b, "dnsplane_uptime_seconds", "gauge", "Seconds since the daemon started.");
	put(&b, "dnsplane_uptime_seconds %lld\n",
	    (long long)(d->started && now > d->started ? now - d->started : 0));

	/* health checks (ctrl/health.h): read through the checker's own lock */
	struct dnsp_health_obs *hobs = NULL;
	int nh = dnsp_health_checker_list(d->health, &hobs);
	family(&b, "dnsplane_health_check_status", "gauge",
	       "Health check status as the data plane sees it: 1 healthy, 0 unhealthy.");
	for (int i = 0; i < nh; i++)
		put(&b, "dnsplane_health_check_status{id=\"%s\"} %d\n",
		    label(hobs[i].id, l1, sizeof(l1)), hobs[i].healthy ? 1 : 0);
	family(&b, "dnsplane_health_check_probes_total", "counter",
	       "Probes of endpoint health checks (HTTP, HTTPS, *_STR_MATCH, TCP) by result.");
	for (int i = 0; i < nh; i++) {
		if (!dnsp_hc_type_probes(hobs[i].type))
			continue;
		label(hobs[i].id, l1, sizeof(l1));
		put(&b, "dnsplane_health_check_probes_total{id=\"%s\",result=\"success\"} %llu\n",
		    l1, (unsigned long long)hobs[i].probes_ok);
		put(&b, "dnsplane_health_check_probes_total{id=\"%s\",result=\"failure\"} %llu\n",
		    l1, (unsigned long long)hobs[i].probes_failed);
	}
	free(hobs);

	if (d->xdp_stats && d->xdp_plane) {
		/* AF_XDP plane: the XDP program's per-CPU verdict counters. */
		struct dnsp_dp_xdp_stats xs[16];
		int nx = d->xdp_stats(d->xdp_plane, xs, 16);
		nx = nx < 16 ? nx : 16;
		family(&b, "dnsplane_xdp_packets_total", "counter",
		       "Frames seen by the XDP program on each interface, by verdict: redirected "
		       "(to an AF_XDP worker), passed (not for a listener: to the kernel), "
		       "dropped (for a listener, inconsistent IP/UDP lengths), unbound (for a "
		       "listener, no AF_XDP socket on that RX queue: to the kernel).");
		for (int i = 0; i < nx; i++) {
			const struct { const char *n; uint64_t v; } r[] = {
				{ "redirected", xs[i].redirected }, { "passed", xs[i].passed },
				{ "dropped", xs[i].dropped }, { "unbound", xs[i].unbound },
			};
			label(xs[i].ifname, l2, sizeof(l2));
			for (size_t k = 0; k < sizeof(r) / sizeof(r[0]); k++)
				put(&b, "dnsplane_xdp_packets_total{interface=\"%s\",verdict=\"%s\"} "
				    "%llu\n", l2, r[k].n, (unsigned long long)r[k].v);
		}
		family(&b, "dnsplane_afxdp_socket_drops_total", "counter",
		       "Frames the XDP program redirected that the AF_XDP sockets of an interface "
		       "dropped (XDP_STATISTICS), by reason: rx_ring_full (worker behind), "
		       "fill_empty (no free frame), other, invalid (bad descriptors).");
		for (int i = 0; i < nx; i++) {
			const struct { const char *n; uint64_t v; } r[] = {
				{ "rx_ring_full", xs[i].xsk_rx_ring_full },
				{ "fill_empty", xs[i].xsk_fill_empty },
				{ "other", xs[i].xsk_rx_dropped }, { "invalid", xs[i].xsk_invalid },
			};
			label(xs[i].ifname, l2, sizeof(l2));
			for (size_t k = 0; k < sizeof(r) / sizeof(r[0]); k++)
				put(&b, "dnsplane_afxdp_socket_drops_total{interface=\"%s\",reason=\"%s\"} "
				    "%llu\n", l2, r[k].n, (unsigned long long)r[k].v);
		}
	}

	if (d->dpdk_port_stats && d->plane) {
		/* DPDK ports (dataplane/dpdk.c): the NIC's counters and the plane's. */
		struct dnsp_dp_port_stats ps[16];
		int np = d->dpdk_port_stats(d->plane, ps, 16);
		np = np < 16 ? np : 16;
		family(&b, "dnsplane_dpdk_port_packets_total", "counter",
		       "Packets received and sent on each DPDK port (rte_eth_stats).");
		for (int i = 0; i < np; i++) {
			label(ps[i].name, l2, sizeof(l2));
			put(&b, "dnsplane_dpdk_port_packets_total{port=\"%s\",direction=\"rx\"} %llu\n",
			    l2, (unsigned long long)ps[i].rx_packets);
			put(&b, "dnsplane_dpdk_port_packets_total{port=\"%s\",direction=\"tx\"} %llu\n",
			    l2, (unsigned long long)ps[i].tx_packets);
		}
		family(&b, "dnsplane_dpdk_port_bytes_total", "counter",
		       "Bytes received and sent on each DPDK port.");
		for (int i = 0; i < np; i++) {
			label(ps[i].name, l2, sizeof(l2));
			put(&b, "dnsplane_dpdk_port_bytes_total{port=\"%s\",direction=\"rx\"} %llu\n",
			    l2, (unsigned long long)ps[i].rx_bytes);
			put(&b, "dnsplane_dpdk_port_bytes_total{port=\"%s\",direction=\"tx\"} %llu\n",
			    l2, (unsigned long long)ps[i].tx_bytes);
		}
		family(&b, "dnsplane_dpdk_port_drops_total", "counter",
		       "Frames dropped on each DPDK port, by reason: rx_missed/rx_errors/"
		       "tx_errors/rx_nombuf (the NIC), tx_full (TX queue full), malformed "
		       "(headers for a listener inconsistent), not_ours (no listener).");
		for (int i = 0; i < np; i++) {
			const struct { const char *n; uint64_t v; } r[] = {
				{ "rx_missed", ps[i].rx_missed }, { "rx_errors", ps[i].rx_errors },
				{ "tx_errors", ps[i].tx_errors }, { "rx_nombuf", ps[i].rx_nombuf },
				{ "tx_full", ps[i].tx_full }, { "malformed", ps[i].malformed },
				{ "not_ours", ps[i].not_ours },
			};
			label(ps[i].name, l2, sizeof(l2));
			for (size_t k = 0; k < sizeof(r) / sizeof(r[0]); k++)
				put(&b, "dnsplane_dpdk_port_drops_total{port=\"%s\",reason=\"%s\"} "
				    "%llu\n", l2, r[k].n, (unsigned long long)r[k].v);
		}
		family(&b, "dnsplane_dpdk_port_replies_total", "counter",
		       "Non-DNS replies the DPDK plane sent for the missing kernel: ARP, "
		       "neighbour advertisements, TCP resets.");
		for (int i = 0; i < np; i++) {
			label(ps[i].name, l2, sizeof(l2));
			put(&b, "dnsplane_dpdk_port_replies_total{port=\"%s\",kind=\"arp\"} %llu\n",
			    l2, (unsigned long long)ps[i].arp_replies);
			put(&b, "dnsplane_dpdk_port_replies_total{port=\"%s\",kind=\"nd\"} %llu\n",
			    l2, (unsigned long long)ps[i].nd_replies);
			put(&b, "dnsplane_dpdk_port_replies_total{port=\"%s\",kind=\"tcp_reset\"} "
			    "%llu\n", l2, (unsigned long long)ps[i].tcp_resets);
		}
	}
	if (d->dpdk_worker_load && d->plane) {
		/* A poll-mode lcore is 100 % busy to the OS: this is its real load. */
		struct dnsp_dp_worker_load wl[64];
		int n = d->dpdk_worker_load(d->plane, wl, 64);
		n = n < 64 ? n : 64;
		family(&b, "dnsplane_dpdk_worker_poll_seconds_total", "counter",
		       "Time each DPDK worker lcore spent in its poll loop.");
		for (int i = 0; i < n; i++)
			put(&b, "dnsplane_dpdk_worker_poll_seconds_total{worker=\"%u\",lcore=\"%u\"} "
			    "%.6f\n", wl[i].worker, wl[i].lcore, wl[i].poll_seconds);
		family(&b, "dnsplane_dpdk_worker_busy_seconds_total", "counter",
		       "Time each DPDK worker spent in poll loops that moved a frame.");
		for (int i = 0; i < n; i++)
			put(&b, "dnsplane_dpdk_worker_busy_seconds_total{worker=\"%u\",lcore=\"%u\"} "
			    "%.6f\n", wl[i].worker, wl[i].lcore, wl[i].busy_seconds);
	}

	if (b.nomem) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
