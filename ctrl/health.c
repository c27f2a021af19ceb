/*
 * The health checker (ctrl/health.h): Route 53's health-check state machine
 * plus a single-threaded prober. One thread owns an epoll set holding every
 * probe in flight (a non-blocking connect, then for HTTP(S) a TLS handshake
 * through OpenSSL, one GET and a bounded read of the answer) and an eventfd
 * that wakes it on reloads and shutdown. Checks sit in one array in
 * configuration order; the thread scans it once per wakeup to start due
 * probes, expire deadlines and resume probes that stopped with work left
 * (bytes OpenSSL holds raise no event), which costs nothing next to probe
 * intervals of 100 ms and more, and keeps the code free of timer structures.
 * Reading the answer (status line, headers, body, search) is
 * ctrl/httpresp.c; this file turns its verdicts into result texts.
 *
 * Results go through record(): the checker's view flips after
 * FailureThreshold disagreeing results, Disabled/Inverted turn the view
 * into the status, and a changed status is stored into the shared table of
 * atomics and re-evaluates the CALCULATED checks. Check objects that a
 * reload removes are parked in a graveyard and freed by the thread after it
 * has handled the epoll batch that could still name them, so an event never
 * points at freed memory.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "health.h"
#include "httpresp.h"

#define HEAD_MAX DNSP_HTTPRESP_HEAD_MAX /* response status line + headers */
#define INFLIGHT_MAX 256 /* probes in flight at once: bounds the descriptors used */
#define RETRY_MS 200     /* no descriptor free: try again after this, no result */

_Static_assert(DNSP_HTTPRESP_WINDOW == DNSP_HC_BODY_SEARCH_LEN, "search window");

/* ---- the status rules ---- */

void dnsp_hc_view_init(struct dnsp_hc_view *v)
{
	v->healthy = true;
	v->streak = 0;
}

bool dnsp_hc_view_observe(struct dnsp_hc_view *v, bool ok, int threshold)
{
	if (threshold < 1)
		threshold = 1;
	if (ok == v->healthy) {
		v->streak = 0;
		return false;
	}
	if (++v->streak < threshold)
		return false;
	v->healthy = ok;
	v->streak = 0;
	return true;
}

bool dnsp_hc_status(bool view_healthy, bool inverted, bool disabled)
{
	bool h = disabled ? true : view_healthy;
	return inverted ? !h : h;
}

bool dnsp_hc_calculated(size_t nhealthy, int threshold)
{
	return threshold <= 0 || nhealthy >= (size_t)threshold;
}

/* ---- checks ---- */

enum phase { IDLE, CONNECTING, TLS_HANDSHAKE, SENDING, READ_HEAD, READ_BODY };

struct check {
	/* definition (copied from the configuration) */
	char *id;
	enum dnsp_hc_type type;
	uint32_t slot;
	char *fingerprint;             /* everything that shapes a probe */
	struct sockaddr_storage sa;
	socklen_t salen;
	char *host;                    /* Host header */
	char *sni;                     /* SNI name or NULL */
	char *path;
	char *search;
	int interval_ms, connect_ms, response_ms, threshold;
	bool inverted, disabled;
	int health_threshold;
	char **children;
	size_t nchildren;
	struct check **child;          /* resolved on every (re)configuration */
	enum dnsp_hc_insufficient insufficient;

	/* state */
	struct dnsp_hc_view view;
	bool status;                   /* as last written to the table */
	bool api_set;                  /* CLOUDWATCH_METRIC: a value was set */
	enum dnsp_hc_api_status api;
	bool api_last_healthy;         /* last Healthy/Unhealthy value */
	bool checked, last_ok;
	char ok_text[256], fail_text[256], last_text[256];
	int64_t checked_ms;
	char src[INET6_ADDRSTRLEN];
	uint64_t probes_ok, probes_failed, transitions;
	bool fresh;                    /* created by this (re)configuration */
	bool dead;                     /* removed by a reload: in the graveyard */
	struct check *next_dead;

	/* the probe in flight */
	enum phase phase;
	int fd;
	uint32_t events;               /* registered epoll events */
	bool resume;                   /* step() stopped with work left: no event will say so */
	SSL *ssl;
	int64_t due_ms, deadline_ms;   /* monotonic */
	char *req;
	size_t req_len, req_off;
	char *head;                    /* HEAD_MAX bytes */
	size_t head_len;
	char *body;                    /* DNSP_HC_BODY_SEARCH_LEN bytes */
	struct dnsp_httpresp resp;     /* status, body state, body window (body) */
};

struct dnsp_health_checker {
	pthread_mutex_t mu;
	struct dnsp_health_table *table;
	struct check **checks;
	size_t n;
	struct check *graveyard;
	SSL_CTX *ssl_ctx;
	int ep, wake;
	pthread_t thread;
	bool running, stop;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void copy_text(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* ---- building a check from the configuration ---- */

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	return rc < 0 ? NULL : s;
}

static void probe_reset(struct dnsp_health_checker *hc, struct check *h);

static void check_free(struct check *h)
{
	if (!h)
		return;
	free(h->id);
	free(h->fingerprint);
	free(h->host);
	free(h->sni);
	free(h->path);
	free(h->search);
	for (size_t i = 0; i < h->nchildren; i++)
		free(h->children[i]);
	free(h->children);
	free(h->child);
	free(h->req);
	free(h->head);
	free(h->body);
	free(h);
}

/* Copies the definition of c into a new check (state: a new check). */
static struct check *check_new(const struct dnsp_cfg_health_check *c)
{
	struct check *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->fd = -1;
	h->id = strdup(c->id);
	h->type = c->type;
	h->inverted = c->inverted;
	h->disabled = c->disabled;
	h->health_threshold = c->health_threshold;
	h->insufficient = c->insufficient;
	h->threshold = c->failure_threshold > 0 ? c->failure_threshold : 3;
	h->interval_ms = c->interval_ms > 0 ? c->interval_ms : c->request_interval * 1000;
	if (h->interval_ms <= 0)
		h->interval_ms = 30000;
	h->connect_ms = c->timeout_ms > 0 ? c->timeout_ms
			: c->type == DNSP_HC_TCP ? DNSP_HC_TCP_CONNECT_TIMEOUT_MS
						 : DNSP_HC_CONNECT_TIMEOUT_MS;
	h->response_ms = c->timeout_ms > 0 ? c->timeout_ms : DNSP_HC_RESPONSE_TIMEOUT_MS;
	bool nomem = !h->id;
	if (c->nchildren) {
		h->children = calloc(c->nchildren, sizeof(char *));
		h->child = calloc(c->nchildren, sizeof(struct check *));
		nomem |= !h->children || !h->child;
		for (size_t i = 0; !nomem && i < c->nchildren; i++) {
			h->children[h->nchildren] = strdup(c->children[i]);
			nomem |= !h->children[h->nchildren];
			h->nchildren += h->children[h->nchildren] != NULL;
		}
	}
	if (dnsp_hc_type_probes(c->type) && c->has_ip && !nomem) {
		char ip[INET6_ADDRSTRLEN];
		int port = dnsp_hc_port(c);
		memset(&h->sa, 0, sizeof(h->sa));
		if (c->ip.family == 6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&h->sa;
			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, c->ip.addr, 16);
			s6->sin6_port = htons((uint16_t)port);
			h->salen = sizeof(*s6);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&h->sa;
			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, c->ip.addr, 4);
			s4->sin_port = htons((uint16_t)port);
			h->salen = sizeof(*s4);
		}
		inet_ntop(c->ip.family == 6 ? AF_INET6 : AF_INET, c->ip.addr, ip, sizeof(ip));
		/* Host: the FQDN, else the IP; ":port" unless the scheme's
		 * default port (SEMANTICS §10 "Host header"). */
		char name[300];
		if (c->fqdn) {
			copy_text(name, sizeof(name), c->fqdn);
			size_t l = strlen(name);
			if (l > 1 && name[l - 1] == '.')
				name[l - 1] = 0;
		} else {
			snprintf(name, sizeof(name), c->ip.family == 6 ? "[%s]" : "%s", ip);
		}
		bool tls = dnsp_hc_type_tls(c->type);
		bool default_port = (tls && port == 443) || (!tls && port == 80);
		h->host = default_port ? strdup(name) : xasprintf("%s:%d", name, port);
		if (tls && c->enable_sni && c->fqdn)
			h->sni = strdup(name);
		h->path = strdup(c->resource_path ? c->resource_path : "/");
		if (c->search_string)
			h->search = strdup(c->search_string);
		h->fingerprint = xasprintf("%d|%s|%d|%s|%s|%s|%s|%d|%d|%d|%d", (int)c->type, ip, port,
					   h->host ? h->host : "", h->sni ? h->sni : "",
					   h->path ? h->path : "", h->search ? h->search : "",
					   h->interval_ms, h->connect_ms, h->response_ms, h->threshold);
		nomem |= !h->host || !h->path || (c->search_string && !h->search) ||
			 (tls && c->enable_sni && c->fqdn && !h->sni);
	} else {
		h->fingerprint = xasprintf("%d", (int)c->type);
	}
	nomem |= !h->fingerprint;
	if (nomem) {
		check_free(h);
		return NULL;
	}
	dnsp_hc_view_init(&h->view);
	h->checked_ms = wall_ms();
	return h;
}

/* ---- status ---- */

static void evaluate_calculated(struct dnsp_health_checker *hc);

/* The view of a check that has no probe: calculated or API-set. */
static bool derived_view(const struct check *h)
{
	if (h->type == DNSP_HC_CALCULATED) {
		size_t up = 0;
		for (size_t i = 0; i < h->nchildren; i++)
			up += h->child[i] && h->child[i]->status;
		return dnsp_hc_calculated(up, h->health_threshold);
	}
	if (h->type == DNSP_HC_CLOUDWATCH_METRIC) {
		if (h->api_set && h->api != DNSP_HC_API_INSUFFICIENT_DATA)
			return h->api == DNSP_HC_API_HEALTHY;
		switch (h->insufficient) {
		case DNSP_HC_INSUFFICIENT_HEALTHY: return true;
		case DNSP_HC_INSUFFICIENT_UNHEALTHY: return false;
		default: return h->api_set ? h->api_last_healthy : true; /* no history: healthy */
		}
	}
	return h->view.healthy;
}

/* Recomputes h's status and stores it when it changed (or force). Returns
 * true when it changed. */
static bool apply_status(struct dnsp_health_checker *hc, struct check *h, bool force)
{
	if (h->type == DNSP_HC_CALCULATED || h->type == DNSP_HC_CLOUDWATCH_METRIC)
		h->view.healthy = derived_view(h);
	bool st = dnsp_hc_status(h->view.healthy, h->inverted, h->disabled);
	bool changed = st != h->status;
	if (changed && !h->fresh)
		h->transitions++;
	h->fresh = false;
	h->status = st;
	if (changed || force)
		/* relaxed store (lib/health.h): the byte guards no other data */
		dnsp_health_set(hc->table, h->slot, st);
	return changed;
}

/* Re-evaluates every calculated check (children are never calculated, so
 * one pass over them settles everything). */
static void evaluate_calculated(struct dnsp_health_checker *hc)
{
	for (size_t i = 0; i < hc->n; i++)
		if (hc->checks[i]->type == DNSP_HC_CALCULATED)
			apply_status(hc, hc->checks[i], false);
}

/* One probe result for endpoint check h (the only way results enter). */
static void record(struct dnsp_health_checker *hc, struct check *h, bool ok, const char *text)
{
	h->checked = true;
	h->last_ok = ok;
	h->checked_ms = wall_ms();
	copy_text(h->last_text, sizeof(h->last_text), text);
	copy_text(ok ? h->ok_text : h->fail_text, sizeof(h->ok_text), text);
	if (ok)
		h->probes_ok++;
	else
		h->probes_failed++;
	dnsp_hc_view_observe(&h->view, ok, h->threshold);
	if (apply_status(hc, h, false))
		evaluate_calculated(hc);
}

static struct check *find(struct dnsp_health_checker *hc, const char *id)
{
	for (size_t i = 0; i < hc->n; i++)
		if (strcmp(hc->checks[i]->id, id) == 0)
			return hc->checks[i];
	return NULL;
}

/* ---- the prober ---- */

static void ep_set(struct dnsp_health_checker *hc, struct check *h, uint32_t events)
{
	if (hc->ep < 0 || h->fd < 0 || h->events == events)
		return;
	struct epoll_event ev = { .events = events, .data.ptr = h };
	int op = h->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(hc->ep, op, h->fd, &ev) == 0)
		h->events = events;
}

/* Closes the probe in flight (if any) without recording a result. */
static void probe_reset(struct dnsp_health_checker *hc, struct check *h)
{
	if (h->ssl) {
		SSL_free(h->ssl);
		h->ssl = NULL;
	}
	if (h->fd >= 0) {
		if (h->events && hc->ep >= 0)
			epoll_ctl(hc->ep, EPOLL_CTL_DEL, h->fd, NULL);
		close(h->fd);
		h->fd = -1;
	}
	h->events = 0;
	h->resume = false;
	h->phase = IDLE;
	free(h->req);
	h->req = NULL;
	h->req_len = h->req_off = 0;
	h->head_len = 0;
	dnsp_httpresp_init(&h->resp, h->body);
}

static void finish(struct dnsp_health_checker *hc, struct check *h, bool ok, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));
static void finish(struct dnsp_health_checker *hc, struct check *h, bool ok, const char *fmt,
		   ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	probe_reset(hc, h);
	/* RequestInterval is the time between a response and the next request */
	h->due_ms = mono_ms() + h->interval_ms;
	record(hc, h, ok, text);
}

static void tls_error_text(char *out, size_t cap, int err)
{
	unsigned long e = ERR_get_error();
	if (e) {
		char buf[200];
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(out, cap, "%s", buf);
	} else if (err == SSL_ERROR_SYSCALL) {
		snprintf(out, cap, "%s", errno ? strerror(errno) : "connection closed");
	} else if (err == SSL_ERROR_ZERO_RETURN) {
		snprintf(out, cap, "connection closed");
	} else {
		snprintf(out, cap, "error %d", err);
	}
	ERR_clear_error();
}

static void start_request(struct dnsp_health_checker *hc, struct check *h);
static void step(struct dnsp_health_checker *hc, struct check *h);

static void connected(struct dnsp_health_checker *hc, struct check *h)
{
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);
	if (getsockname(h->fd, (struct sockaddr *)&local, &ll) == 0) {
		const void *a = local.ss_family == AF_INET6
			? (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr
			: (const void *)&((struct sockaddr_in *)&local)->sin_addr;
		inet_ntop(local.ss_family, a, h->src, sizeof(h->src));
	}
	if (h->type == DNSP_HC_TCP) {
		finish(hc, h, true, "TCP connection established");
		return;
	}
	/* the status must arrive within response_ms of connecting */
	h->deadline_ms = mono_ms() + h->response_ms;
	if (dnsp_hc_type_tls(h->type)) {
		h->ssl = SSL_new(hc->ssl_ctx);
		if (!h->ssl || SSL_set_fd(h->ssl, h->fd) != 1) {
			finish(hc, h, false, "TLS setup failed (out of memory)");
			return;
		}
		if (h->sni)
			SSL_set_tlsext_host_name(h->ssl, h->sni);
		SSL_set_connect_state(h->ssl);
		h->phase = TLS_HANDSHAKE;
	} else {
		h->phase = SENDING;
	}
	start_request(hc, h);
}

static void start_request(struct dnsp_health_checker *hc, struct check *h)
{
	h->req = xasprintf("GET %s HTTP/1.1\r\nHost: %s\r\n"
			   "User-Agent: dnsplane-health-check/0.1 (Route 53 style; id %s)\r\n"
			   "Accept: */*\r\nConnection: close\r\n\r\n",
			   h->path, h->host, h->id);
	if (!h->head)
		h->head = malloc(HEAD_MAX);
	if (dnsp_hc_type_str_match(h->type) && !h->body)
		h->body = malloc(DNSP_HC_BODY_SEARCH_LEN);
	if (!h->req || !h->head || (dnsp_hc_type_str_match(h->type) && !h->body)) {
		finish(hc, h, false, "out of memory");
		return;
	}
	dnsp_httpresp_init(&h->resp, h->body);
	h->req_len = strlen(h->req);
	h->req_off = 0;
	step(hc, h);
}

static void start_probe(struct dnsp_health_checker *hc, struct check *h, int64_t now)
{
	h->fd = socket(h->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			  errno == ENOMEM)) {
		/* our own shortage says nothing about the endpoint: no result */
		h->due_ms = now + RETRY_MS;
		return;
	}
	if (h->fd < 0) {
		finish(hc, h, false, "Cannot create a socket: %s", strerror(errno));
		return;
	}
	int one = 1;
	setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	h->deadline_ms = now + h->connect_ms;
	h->phase = CONNECTING;
	if (connect(h->fd, (struct sockaddr *)&h->sa, h->salen) == 0) {
		connected(hc, h);
		return;
	}
	if (errno == EINPROGRESS) {
		ep_set(hc, h, EPOLLOUT);
		return;
	}
	int err = errno;
	if (err == ECONNREFUSED)
		finish(hc, h, false, "Connection refused. The endpoint is not accepting "
		       "connections on the health check's port.");
	else
		finish(hc, h, false, "Connection failed: %s", strerror(err));
}

static void body_done(struct dnsp_health_checker *hc, struct check *h)
{
	if (h->resp.bad)
		finish(hc, h, false, "The response is not valid HTTP (bad chunk size)");
	else if (dnsp_httpresp_match(&h->resp, h->search))
		finish(hc, h, true, "HTTP Status Code %d, %s. Search string found in the response "
		       "body", h->resp.status, h->resp.reason);
	else
		finish(hc, h, false, "HTTP Status Code %d, %s. The search string was not found in "
		       "the first 5,120 bytes of the response body", h->resp.status, h->resp.reason);
}

/* A complete head is in h->head[0..hl). Returns false when finished. */
static bool head_done(struct dnsp_health_checker *hc, struct check *h, size_t hl)
{
	struct dnsp_httpresp *r = &h->resp;
	switch (dnsp_httpresp_head(r, h->head, hl, dnsp_hc_type_str_match(h->type))) {
	case DNSP_HTTPRESP_BAD_STATUS:
		finish(hc, h, false, "The response is not valid HTTP (bad status line)");
		return false;
	case DNSP_HTTPRESP_STATUS_FAIL:
		finish(hc, h, false, "HTTP Status Code %d, %s", r->status, r->reason);
		return false;
	case DNSP_HTTPRESP_STATUS_OK:
		finish(hc, h, true, "HTTP Status Code %d, %s", r->status, r->reason);
		return false;
	case DNSP_HTTPRESP_BAD_ENCODING:
		finish(hc, h, false, "HTTP Status Code %d, %s. Content-Encoding %s is not supported "
		       "(the checker sends no Accept-Encoding)", r->status, r->reason, r->encoding);
		return false;
	case DNSP_HTTPRESP_BAD_LENGTH:
		finish(hc, h, false, "The response is not valid HTTP (bad Content-Length)");
		return false;
	case DNSP_HTTPRESP_BODY_DONE:
		body_done(hc, h);
		return false;
	case DNSP_HTTPRESP_BODY:
		break;
	}
	/* the body must arrive within response_ms of the status */
	h->deadline_ms = mono_ms() + h->response_ms;
	h->phase = READ_BODY;
	if (hl < h->head_len && dnsp_httpresp_body_feed(r, h->head + hl, h->head_len - hl)) {
		body_done(hc, h);
		return false;
	}
	return true;
}

/* Bytes in: -1 would block (events set), 0 EOF, >0 count; -2 finished.
 * Over TLS only SSL_ERROR_WANT_READ means "wait for the socket": OpenSSL
 * may hold decrypted bytes of a record larger than cap that it has
 * already taken from the socket (SSL_pending()), so a caller keeps calling
 * while this returns bytes; step() sees to it. */
static ssize_t io_read(struct dnsp_health_checker *hc, struct check *h, char *buf, size_t cap)
{
	if (h->ssl) {
		ERR_clear_error();
		int r = SSL_read(h->ssl, buf, (int)cap);
		if (r > 0)
			return r;
		int err = SSL_get_error(h->ssl, r);
		if (err == SSL_ERROR_WANT_READ) {
			ep_set(hc, h, EPOLLIN);
			return -1;
		}
		if (err == SSL_ERROR_WANT_WRITE) {
			ep_set(hc, h, EPOLLOUT);
			return -1;
		}
		if (err == SSL_ERROR_ZERO_RETURN)
			return 0;
		char t[200];
		tls_error_text(t, sizeof(t), err);
		/* an EOF without close_notify reads as an error in OpenSSL 3
		 * without SSL_OP_IGNORE_UNEXPECTED_EOF; that option is set */
		finish(hc, h, false, "TLS read failed: %s", t);
		return -2;
	}
	ssize_t r = recv(h->fd, buf, cap, 0);
	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		ep_set(hc, h, EPOLLIN);
		return -1;
	}
	finish(hc, h, false, "Connection reset while reading the response: %s", strerror(errno));
	return -2;
}

/* Advances the probe as far as it goes without blocking. It returns when
 * the probe must wait for an event (registered), has finished, or has had
 * its share of work for this wakeup: then h->resume asks run() for another
 * step, as no event may come (the bytes can sit in OpenSSL, not the
 * socket, and the registered events can be stale). */
static void step(struct dnsp_health_checker *hc, struct check *h)
{
	h->resume = false;
	for (int guard = 0; guard < 64 && h->phase != IDLE; guard++) {
		switch (h->phase) {
		case IDLE:
			return;
		case CONNECTING: {
			int err = 0;
			socklen_t el = sizeof(err);
			if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
				err = errno;
			if (err == ECONNREFUSED) {
				finish(hc, h, false, "Connection refused. The endpoint is not "
				       "accepting connections on the health check's port.");
				return;
			}
			if (err) {
				finish(hc, h, false, "Connection failed: %s", strerror(err));
				return;
			}
			connected(hc, h);
			return; /* connected() steps on */
		}
		case TLS_HANDSHAKE: {
			ERR_clear_error();
			int r = SSL_do_handshake(h->ssl);
			if (r == 1) {
				h->phase = SENDING;
				break;
			}
			int err = SSL_get_error(h->ssl, r);
			if (err == SSL_ERROR_WANT_READ) {
				ep_set(hc, h, EPOLLIN);
				return;
			}
			if (err == SSL_ERROR_WANT_WRITE) {
				ep_set(hc, h, EPOLLOUT);
				return;
			}
			char t[200];
			tls_error_text(t, sizeof(t), err);
			finish(hc, h, false, "TLS handshake failed: %s", t);
			return;
		}
		case SENDING: {
			size_t left = h->req_len - h->req_off;
			if (left == 0) {
				h->phase = READ_HEAD;
				break;
			}
			if (h->ssl) {
				ERR_clear_error();
				int r = SSL_write(h->ssl, h->req + h->req_off, (int)left);
				if (r > 0) {
					h->req_off += (size_t)r;
					break;
				}
				int err = SSL_get_error(h->ssl, r);
				if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
					ep_set(hc, h, err == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
					return;
				}
				char t[200];
				tls_error_text(t, sizeof(t), err);
				finish(hc, h, false, "TLS write failed: %s", t);
				return;
			}
			ssize_t r = send(h->fd, h->req + h->req_off, left, MSG_NOSIGNAL);
			if (r > 0) {
				h->req_off += (size_t)r;
				break;
			}
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
				ep_set(hc, h, EPOLLOUT);
				return;
			}
			finish(hc, h, false, "Connection reset while sending the request: %s",
			       r < 0 ? strerror(errno) : "no progress");
			return;
		}
		case READ_HEAD: {
			if (h->head_len >= HEAD_MAX) {
				finish(hc, h, false, "The response headers are larger than %d bytes",
				       HEAD_MAX);
				return;
			}
			ssize_t r = io_read(hc, h, h->head + h->head_len, HEAD_MAX - h->head_len);
			if (r == -1 || r == -2)
				return;
			if (r == 0) {
				finish(hc, h, false, "The endpoint closed the connection before "
				       "sending a complete HTTP response");
				return;
			}
			size_t old = h->head_len;
			h->head_len += (size_t)r;
			size_t hl = dnsp_httpresp_head_end(h->head, old, h->head_len);
			if (!hl)
				break;
			if (!head_done(hc, h, hl))
				return;
			break;
		}
		case READ_BODY: {
			char buf[4096];
			ssize_t r = io_read(hc, h, buf, sizeof(buf));
			if (r == -1 || r == -2)
				return;
			if (r == 0 || dnsp_httpresp_body_feed(&h->resp, buf, (size_t)r)) {
				/* EOF ends a body without length; with one, it is short:
				 * search what arrived either way */
				body_done(hc, h);
				return;
			}
			break;
		}
		}
	}
	if (h->phase != IDLE)
		h->resume = true;
}

static void expire(struct dnsp_health_checker *hc, struct check *h)
{
	switch (h->phase) {
	case CONNECTING:
		finish(hc, h, false, "Connection timed out. The endpoint or the internet "
		       "connection is down, or requests are being blocked by your firewall.");
		break;
	case READ_BODY:
		finish(hc, h, false, "HTTP Status Code %d, %s. The response body did not arrive "
		       "within %d ms of the status", h->resp.status, h->resp.reason, h->response_ms);
		break;
	case IDLE:
		break;
	default:
		finish(hc, h, false, "Timeout waiting for the response. The endpoint did not send "
		       "an HTTP status code within %d ms of connecting", h->response_ms);
		break;
	}
}

static bool probing(const struct check *h)
{
	return dnsp_hc_type_probes(h->type) && !h->disabled && h->salen > 0;
}

static void *run(void *arg)
{
	struct dnsp_health_checker *hc = arg;
	struct epoll_event evs[64];

	pthread_mutex_lock(&hc->mu);
	while (!hc->stop) {
		int64_t now = mono_ms(), next = now + 60000;
		size_t inflight = 0;
		for (size_t i = 0; i < hc->n; i++)
			inflight += hc->checks[i]->phase != IDLE;
		for (size_t i = 0; i < hc->n; i++) {
			struct check *h = hc->checks[i];
			if (!probing(h)) {
				if (h->phase != IDLE) {
					probe_reset(hc, h);
					inflight--;
				}
				continue;
			}
			if (h->phase == IDLE && h->due_ms <= now) {
				if (inflight >= INFLIGHT_MAX)
					continue; /* due: started when a probe finishes */
				start_probe(hc, h, now);
				inflight += h->phase != IDLE;
			} else if (h->phase != IDLE && h->deadline_ms <= now) {
				expire(hc, h);
				inflight--;
			} else if (h->resume) {
				step(hc, h);
				inflight -= h->phase == IDLE;
			}
			int64_t t = h->phase == IDLE ? h->due_ms : h->resume ? now : h->deadline_ms;
			if (t < next)
				next = t;
		}
		/* nothing in the batch we are about to wait for can name these */
		while (hc->graveyard) {
			struct check *d = hc->graveyard;
			hc->graveyard = d->next_dead;
			check_free(d);
		}
		pthread_mutex_unlock(&hc->mu);
		int64_t wait = next - mono_ms();
		int n = epoll_wait(hc->ep, evs, 64, wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait);
		pthread_mutex_lock(&hc->mu);
		for (int i = 0; i < n; i++) {
			struct check *h = evs[i].data.ptr;
			if (!h) {
				uint64_t x;
				ssize_t r = read(hc->wake, &x, sizeof(x));
				(void)r;
				continue;
			}
			if (h->dead || h->phase == IDLE || h->fd < 0)
				continue;
			step(hc, h);
		}
	}
	pthread_mutex_unlock(&hc->mu);
	return NULL;
}

static void wake(struct dnsp_health_checker *hc)
{
	uint64_t one = 1;
	if (hc->wake >= 0) {
		ssize_t r = write(hc->wake, &one, sizeof(one));
		(void)r;
	}
}

/* ---- configuration ---- */

/* Resolves calculated checks' children to the current array. */
static void link_children(struct dnsp_health_checker *hc)
{
	for (size_t i = 0; i < hc->n; i++) {
		struct check *h = hc->checks[i];
		for (size_t j = 0; j < h->nchildren; j++)
			h->child[j] = find(hc, h->children[j]);
	}
}

static int by_id(const void *a, const void *b, void *arg)
{
	struct check *const *base = arg;
	return strcmp(base[*(const size_t *)a]->id, base[*(const size_t *)b]->id);
}

/* Builds the new check list for cfg, reusing old checks by Id. On failure
 * nothing changes. */
static int adopt(struct dnsp_health_checker *hc, const struct dnsp_config *cfg)
{
	size_t n = cfg && cfg->health ? cfg->health->n : 0;
	struct check **list = calloc(n ? n : 1, sizeof(*list));
	struct check **fresh = calloc(n ? n : 1, sizeof(*fresh)); /* built here */
	bool *reused = calloc(hc->n ? hc->n : 1, sizeof(bool));
	size_t *order = calloc(hc->n ? hc->n : 1, sizeof(size_t));
	int rc = 0;
	if (!list || !fresh || !reused || !order) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		const struct dnsp_cfg_health_check *c = &cfg->health->checks[i];
		if (!c->id) {
			rc = -EINVAL;
			goto fail;
		}
		int slot = dnsp_health_slot(c->id);
		if (slot < 0) {
			rc = slot;
			goto fail;
		}
		fresh[i] = check_new(c);
		if (!fresh[i]) {
			rc = -ENOMEM;
			goto fail;
		}
		fresh[i]->slot = (uint32_t)slot;
	}

	/* old checks sorted by Id, so a reload (or a change batch, which
	 * republishes the same set) costs O(n log n) */
	for (size_t oi = 0; oi < hc->n; oi++)
		order[oi] = oi;
	qsort_r(order, hc->n, sizeof(*order), by_id, hc->checks);

	/* commit: from here nothing fails */
	int64_t now = mono_ms();
	for (size_t i = 0; i < n; i++) {
		struct check *nw = fresh[i], *old = NULL;
		size_t oi = 0, lo = 0, hi = hc->n;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = strcmp(hc->checks[order[mid]]->id, nw->id);
			if (c == 0) {
				oi = order[mid];
				old = reused[oi] ? NULL : hc->checks[oi];
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!old || old->type != nw->type) {
			/* a new check (or a new Type: Route 53 Types are immutable,
			 * so this is a different check under the same Id) */
			nw->due_ms = now;
			nw->fresh = true;
			list[i] = nw;
			fresh[i] = NULL;
			continue;
		}
		reused[oi] = true;
		bool was_probing = probing(old);
		if (strcmp(old->fingerprint, nw->fingerprint) != 0) {
			/* new probe definition: keep status and counters, probe anew */
			probe_reset(hc, old);
			struct check tmp = *old;
			old->fingerprint = nw->fingerprint;
			old->sa = nw->sa;
			old->salen = nw->salen;
			old->host = nw->host;
			old->sni = nw->sni;
			old->path = nw->path;
			old->search = nw->search;
			old->interval_ms = nw->interval_ms;
			old->connect_ms = nw->connect_ms;
			old->response_ms = nw->response_ms;
			old->threshold = nw->threshold;
			old->view.streak = 0;
			old->due_ms = now;
			nw->fingerprint = tmp.fingerprint;
			nw->host = tmp.host;
			nw->sni = tmp.sni;
			nw->path = tmp.path;
			nw->search = tmp.search;
		}
		/* fields that do not shape a probe apply in place */
		old->inverted = nw->inverted;
		old->disabled = nw->disabled;
		old->health_threshold = nw->health_threshold;
		old->insufficient = nw->insufficient;
		char **ch = old->children;
		struct check **cp = old->child;
		size_t nch = old->nchildren;
		old->children = nw->children;
		old->child = nw->child;
		old->nchildren = nw->nchildren;
		nw->children = ch;
		nw->child = cp;
		nw->nchildren = nch;
		if (!was_probing && probing(old))
			old->due_ms = now; /* re-enabled: probe at once */
		list[i] = old;
	}
	for (size_t oi = 0; oi < hc->n; oi++) {
		if (reused[oi])
			continue;
		struct check *d = hc->checks[oi];
		probe_reset(hc, d);
		d->dead = true;
		if (hc->running) {
			d->next_dead = hc->graveyard;
			hc->graveyard = d;
		} else {
			check_free(d);
		}
	}
	for (size_t i = 0; i < n; i++)
		check_free(fresh[i]);
	free(hc->checks);
	hc->checks = list;
	hc->n = n;
	free(fresh);
	free(reused);
	free(order);
	link_children(hc);
	/* leaves first, then the calculated checks that read them */
	for (size_t i = 0; i < hc->n; i++)
		if (hc->checks[i]->type != DNSP_HC_CALCULATED)
			apply_status(hc, hc->checks[i], true);
	for (size_t i = 0; i < hc->n; i++)
		if (hc->checks[i]->type == DNSP_HC_CALCULATED)
			apply_status(hc, hc->checks[i], true);
	return 0;

fail:
	for (size_t i = 0; fresh && i < n; i++)
		check_free(fresh[i]);
	free(fresh);
	free(list);
	free(reused);
	free(order);
	return rc;
}

int dnsp_health_checker_create(const struct dnsp_config *cfg, struct dnsp_health_table *table,
			       dnsp_health_checker_t **out)
{
	*out = NULL;
	struct dnsp_health_checker *hc = calloc(1, sizeof(*hc));
	if (!hc)
		return -ENOMEM;
	pthread_mutex_init(&hc->mu, NULL);
	hc->table = table ? table : dnsp_health_global();
	hc->ep = hc->wake = -1;
	int rc = adopt(hc, cfg);
	if (rc < 0) {
		pthread_mutex_destroy(&hc->mu);
		free(hc);
		return rc;
	}
	*out = hc;
	return 0;
}

int dnsp_health_checker_start(dnsp_health_checker_t *hc)
{
	if (hc->running)
		return 0;
	hc->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!hc->ssl_ctx)
		return -ENOMEM;
	/* Route 53 does not validate certificates and accepts TLS >= 1.0
	 * (SEMANTICS §10); security level 0 lets OpenSSL 3 speak TLS 1.0/1.1
	 * and small keys to such endpoints. */
	SSL_CTX_set_verify(hc->ssl_ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_security_level(hc->ssl_ctx, 0);
	SSL_CTX_set_min_proto_version(hc->ssl_ctx, TLS1_VERSION);
	SSL_CTX_set_mode(hc->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	SSL_CTX_set_options(hc->ssl_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	hc->ep = epoll_create1(EPOLL_CLOEXEC);
	hc->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (hc->ep < 0 || hc->wake < 0) {
		int err = errno;
		return -(err ? err : EIO);
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epoll_ctl(hc->ep, EPOLL_CTL_ADD, hc->wake, &ev) < 0)
		return -errno;
	pthread_mutex_lock(&hc->mu);
	hc->running = true;
	pthread_mutex_unlock(&hc->mu);
	int rc = pthread_create(&hc->thread, NULL, run, hc);
	if (rc != 0) {
		pthread_mutex_lock(&hc->mu);
		hc->running = false;
		pthread_mutex_unlock(&hc->mu);
		return -rc;
	}
	pthread_setname_np(hc->thread, "dnsp-health");
	return 0;
}

int dnsp_health_checker_update(dnsp_health_checker_t *hc, const struct dnsp_config *cfg)
{
	if (!hc)
		return 0;
	pthread_mutex_lock(&hc->mu);
	int rc = adopt(hc, cfg);
	pthread_mutex_unlock(&hc->mu);
	wake(hc);
	return rc;
}

void dnsp_health_checker_destroy(dnsp_health_checker_t *hc)
{
	if (!hc)
		return;
	if (hc->running) {
		pthread_mutex_lock(&hc->mu);
		hc->stop = true;
		pthread_mutex_unlock(&hc->mu);
		wake(hc);
		pthread_join(hc->thread, NULL);
		hc->running = false;
	}
	for (size_t i = 0; i < hc->n; i++) {
		probe_reset(hc, hc->checks[i]);
		check_free(hc->checks[i]);
	}
	free(hc->checks);
	while (hc->graveyard) {
		struct check *d = hc->graveyard;
		hc->graveyard = d->next_dead;
		check_free(d);
	}
	if (hc->ep >= 0)
		close(hc->ep);
	if (hc->wake >= 0)
		close(hc->wake);
	if (hc->ssl_ctx)
		SSL_CTX_free(hc->ssl_ctx);
	pthread_mutex_destroy(&hc->mu);
	free(hc);
}

int dnsp_health_checker_set_status(dnsp_health_checker_t *hc, const char *id,
				   enum dnsp_hc_api_status st)
{
	int rc = 0;
	pthread_mutex_lock(&hc->mu);
	struct check *h = find(hc, id);
	if (!h) {
		rc = -ENOENT;
	} else if (h->type != DNSP_HC_CLOUDWATCH_METRIC) {
		rc = -EINVAL;
	} else {
		h->api = st;
		if (st != DNSP_HC_API_INSUFFICIENT_DATA)
			h->api_last_healthy = st == DNSP_HC_API_HEALTHY;
		h->api_set = true;
		h->checked = true;
		h->checked_ms = wall_ms();
		if (apply_status(hc, h, false))
			evaluate_calculated(hc);
	}
	pthread_mutex_unlock(&hc->mu);
	return rc;
}

int dnsp_health_checker_record(dnsp_health_checker_t *hc, const char *id, bool ok,
			       const char *text)
{
	int rc = 0;
	pthread_mutex_lock(&hc->mu);
	struct check *h = find(hc, id);
	if (!h)
		rc = -ENOENT;
	else if (!dnsp_hc_type_probes(h->type))
		rc = -EINVAL;
	else
		record(hc, h, ok, text);
	pthread_mutex_unlock(&hc->mu);
	return rc;
}

/* ---- observations ---- */

static void describe(const struct check *h, char *out, size_t cap)
{
	char d[600];
	const char *pre = h->status ? "Success: " : "Failure: ";
	if (h->disabled) {
		snprintf(d, sizeof(d), "The health check is disabled (a disabled check is healthy)");
	} else if (h->type == DNSP_HC_CALCULATED) {
		size_t up = 0;
		for (size_t i = 0; i < h->nchildren; i++)
			up += h->child[i] && h->child[i]->status;
		snprintf(d, sizeof(d), "%zu of %zu child health checks are healthy (HealthThreshold "
			 "%d)", up, h->nchildren, h->health_threshold);
	} else if (h->type == DNSP_HC_CLOUDWATCH_METRIC) {
		static const char *const ins[] = { "LastKnownStatus", "Healthy", "Unhealthy" };
		if (h->api_set && h->api != DNSP_HC_API_INSUFFICIENT_DATA)
			snprintf(d, sizeof(d), "Status set through the control API: %s",
				 h->api == DNSP_HC_API_HEALTHY ? "Healthy" : "Unhealthy");
		else
			snprintf(d, sizeof(d), "Insufficient data (InsufficientDataHealthStatus %s)",
				 ins[h->insufficient]);
	} else if (!h->checked) {
		snprintf(d, sizeof(d), "No result yet (a new health check is healthy until it has "
			 "enough data)");
	} else {
		const char *base = h->view.healthy ? h->ok_text : h->fail_text;
		if (!*base)
			base = "No result yet (a new health check is healthy until it has enough data)";
		if (h->view.streak)
			snprintf(d, sizeof(d), "%s (last check: %s; %u of %d consecutive results "
				 "needed to change the status)", base, h->last_text,
				 (unsigned)h->view.streak, h->threshold);
		else
			snprintf(d, sizeof(d), "%s", base);
	}
	snprintf(out, cap, "%s%s%s", pre, d, h->inverted ? " (Inverted)" : "");
}

static void observe(const struct check *h, struct dnsp_health_obs *o)
{
	memset(o, 0, sizeof(*o));
	copy_text(o->id, sizeof(o->id), h->id);
	o->type = h->type;
	o->slot = h->slot;
	o->healthy = h->status;
	o->view = h->view.healthy;
	o->checked = h->checked;
	describe(h, o->status, sizeof(o->status));
	o->checked_ms = h->checked_ms;
	copy_text(o->checker_ip, sizeof(o->checker_ip),
		  *h->src ? h->src : h->sa.ss_family == AF_INET6 ? "::1" : "127.0.0.1");
	o->probes_ok = h->probes_ok;
	o->probes_failed = h->probes_failed;
	o->transitions = h->transitions;
}

int dnsp_health_checker_observe(dnsp_health_checker_t *hc, const char *id,
				struct dnsp_health_obs *out)
{
	if (!hc)
		return -ENOENT;
	pthread_mutex_lock(&hc->mu);
	struct check *h = find(hc, id);
	if (h)
		observe(h, out);
	pthread_mutex_unlock(&hc->mu);
	return h ? 0 : -ENOENT;
}

int dnsp_health_checker_list(dnsp_health_checker_t *hc, struct dnsp_health_obs **out)
{
	*out = NULL;
	if (!hc)
		return 0;
	pthread_mutex_lock(&hc->mu);
	size_t n = hc->n;
	struct dnsp_health_obs *o = calloc(n ? n : 1, sizeof(*o));
	for (size_t i = 0; o && i < n; i++)
		observe(hc->checks[i], &o[i]);
	pthread_mutex_unlock(&hc->mu);
	if (!o)
		return -ENOMEM;
	*out = o;
	return (int)n;
}
