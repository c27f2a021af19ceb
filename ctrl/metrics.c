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
	uint64_t trunc = 0;
	for (uint32_t w = 0; w < nw; w++)
		trunc += st[w].truncated;
	family(&b, "dnsplane_truncated_total", "counter",
	       "UDP answers sent truncated (TC=1) because they exceeded the UDP size.");
	put(&b, "dnsplane_truncated_total %llu\n", (unsigned long long)trunc);

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
	pthread_mutex_unlock(&d->lock);

	time_t now = time(NULL);
	family(&b, "dnsplane_uptime_seconds", "gauge", "Seconds since the daemon started.");
	put(&b, "dnsplane_uptime_seconds %lld\n",
	    (long long)(d->started && now > d->started ? now - d->started : 0));

	if (b.nomem) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
