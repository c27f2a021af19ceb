/*
 * DNS Firewall domain-list routes of the control API (ctrl/firewall_api.h).
 * Updates follow ChangeResourceRecordSets (ctrl/changes.c): the new domain
 * set is built outside the configuration, swapped into the list under the
 * daemon lock, compiled and published; if publishing fails the old set is
 * swapped back, so a list never holds a change that is not serving.
 * ImportFirewallDomains reads a file with the daemon's rights, so it reads
 * only files inside server.import_dir (none when that is unset), checked on
 * resolved paths and again on the file actually opened.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config_firewall.h"
#include "firewall_api.h"
#include "rrjson.h"

#define LIST_DOMAINS_DEFAULT 1000
#define LIST_DOMAINS_MAX 5000
#define UPDATE_DOMAINS_MAX 1000  /* UpdateFirewallDomains: at most 1,000 per call */

enum op { OP_ADD, OP_REMOVE, OP_REPLACE };

static int error(json_t **out, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int error(json_t **out, int status, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*out = dnsp_aws_error(status >= 500 ? "Receiver" : "Sender", code, msg);
	if (!*out) {
		/* a JSON string must be UTF-8: a quoted name cut by a precision
		 * ("%.300s") or by msg's size can end inside a character */
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		*out = dnsp_aws_error(status >= 500 ? "Receiver" : "Sender", code, msg);
	}
	return status;
}

static int not_found(json_t **out, const char *id)
{
	return error(out, 404, "ResourceNotFoundException",
		     "The firewall domain list with ID '%s' does not exist", id);
}

static int list_lists(struct dnsp_daemon *d, json_t **out)
{
	json_t *arr = json_array();
	pthread_mutex_lock(&d->lock);
	const struct dnsp_cfg_firewall *f = d->cfg->firewall;
	for (size_t i = 0; arr && f && i < f->nlists; i++) {
		const struct dnsp_cfg_fw_list *l = &f->lists[i];
		json_array_append_new(arr, json_pack("{s:s,s:s}", "Id", l->id,
						     "Name", l->name ? l->name : l->id));
	}
	pthread_mutex_unlock(&d->lock);
	*out = arr ? json_pack("{s:o}", "FirewallDomainLists", arr) : NULL;
	return *out ? 200 : 500;
}

static json_t *list_json(const struct dnsp_cfg_fw_list *l, const char *message)
{
	return json_pack("{s:s,s:s,s:I,s:s,s:s}", "Id", l->id, "Name", l->name ? l->name : l->id,
			 "DomainCount", (json_int_t)l->domains.n, "Status", "COMPLETE",
			 "StatusMessage", message);
}

static int get_list(struct dnsp_daemon *d, const char *id, json_t **out)
{
	pthread_mutex_lock(&d->lock);
	const struct dnsp_cfg_fw_list *l = dnsp_cfg_fw_list_find(d->cfg, id);
	json_t *j = l ? list_json(l, "Finished domain list update") : NULL;
	pthread_mutex_unlock(&d->lock);
	if (!l)
		return not_found(out, id);
	*out = j ? json_pack("{s:o}", "FirewallDomainList", j) : NULL;
	return *out ? 200 : 500;
}

static int list_domains(struct dnsp_daemon *d, const char *id, const char *max_results,
			const char *next_token, json_t **out)
{
	char *end = NULL;
	long long max = LIST_DOMAINS_DEFAULT, from = 0;
	if (max_results) {
		max = strtoll(max_results, &end, 10);
		if (!*max_results || *end || max < 1 || max > LIST_DOMAINS_MAX)
			return error(out, 400, "ValidationException", "MaxResults must be an "
				     "integer from 1 to %d", LIST_DOMAINS_MAX);
	}
	if (next_token) {
		from = strtoll(next_token, &end, 10);
		if (!*next_token || *end || from < 0 || from > (1ll << 40))
			return error(out, 400, "ValidationException", "Invalid NextToken");
	}
	json_t *arr = json_array();
	json_t *resp = NULL;
	pthread_mutex_lock(&d->lock);
	const struct dnsp_cfg_fw_list *l = dnsp_cfg_fw_list_find(d->cfg, id);
	size_t n = l ? l->domains.n : 0;
	for (size_t i = (size_t)from; arr && l && i < n && i < (size_t)(from + max); i++)
		json_array_append_new(arr, json_string(dnsp_cfg_fw_domain(&l->domains, i)));
	if (arr && l) {
		resp = json_pack("{s:o}", "Domains", arr);
		arr = NULL;
		if (resp && (size_t)(from + max) < n) {
			char tok[32];
			snprintf(tok, sizeof(tok), "%lld", from + max);
			json_object_set_new(resp, "NextToken", json_string(tok));
		}
	}
	pthread_mutex_unlock(&d->lock);
	json_decref(arr);
	if (!l)
		return not_found(out, id);
	*out = resp;
	return resp ? 200 : 500;
}

static int parse_op(const json_t *req, enum op *op, json_t **out)
{
	const char *s = json_string_value(json_object_get(req, "Operation"));
	if (!s)
		return error(out, 400, "ValidationException", "Operation is required "
			     "(ADD, REMOVE or REPLACE)");
	if (strcmp(s, "ADD") == 0)
		*op = OP_ADD;
	else if (strcmp(s, "REMOVE") == 0)
		*op = OP_REMOVE;
	else if (strcmp(s, "REPLACE") == 0)
		*op = OP_REPLACE;
	else
		return error(out, 400, "ValidationException", "Operation '%s' is not one of ADD, "
			     "REMOVE, REPLACE", s);
	return 0;
}

/* Applies op with the entries of in to list id and publishes, all or
 * nothing. Takes the lock. */
static int apply(struct dnsp_daemon *d, const char *id, enum op op,
		 struct dnsp_cfg_fw_domains *in, json_t **out)
{
	struct dnsp_cfg_fw_domains nd = { 0 };
	struct dnsp_errlist errs;
	int status = 200;
	dnsp_errlist_init(&errs);
	pthread_mutex_lock(&d->lock);
	struct dnsp_cfg_fw_list *l = dnsp_cfg_fw_list_find(d->cfg, id);
	if (!l) {
		pthread_mutex_unlock(&d->lock);
		dnsp_errlist_fini(&errs);
		return not_found(out, id);
	}
	int rc = 0;
	if (op != OP_REPLACE) {
		for (size_t i = 0; rc >= 0 && i < l->domains.n; i++) {
			const char *e = dnsp_cfg_fw_domain(&l->domains, i);
			size_t el = strlen(e);
			if (op == OP_REMOVE && dnsp_cfg_fw_domains_has(in, e, el))
				continue;
			rc = dnsp_cfg_fw_domains_add(&nd, e, el);
		}
	}
	if (op != OP_REMOVE)
		for (size_t i = 0; rc >= 0 && i < in->n; i++) {
			const char *e = dnsp_cfg_fw_domain(in, i);
			rc = dnsp_cfg_fw_domains_add(&nd, e, strlen(e));
		}
	dnsp_cfg_fw_domains_seal(&nd);
	if (rc < 0) {
		status = error(out, 500, "InternalServiceErrorException", "out of memory");
	} else {
		struct dnsp_cfg_fw_domains old = l->domains;
		l->domains = nd;
		rc = dnsp_daemon_publish_locked(d, &errs);
		if (rc < 0) {
			nd = l->domains;
			l->domains = old;
			*out = dnsp_aws_error_list("Sender", "ValidationException", &errs, false,
						   dnsp_strerror(rc));
			status = 400;
		} else {
			nd = old; /* freed below */
			*out = list_json(l, "Finished domain list update");
		}
	}
	pthread_mutex_unlock(&d->lock);
	dnsp_cfg_fw_domains_fini(&nd);
	dnsp_errlist_fini(&errs);
	return status;
}

/* True when path lies strictly inside folder dir (both resolved, absolute). */
static bool path_inside(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (n && dir[n - 1] == '/')
		n--; /* "/" itself */
	return strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1] != 0;
}

/*
 * Opens the file of DomainFileUrl path for reading, only if it lies inside
 * server.import_dir: both are resolved with realpath() ("..", symlinks) and
 * the file must be below the folder. What was opened is checked again
 * through /proc/self/fd, so a symlink swapped in after the first check
 * cannot lead outside, and it must be a regular file (a FIFO would block
 * the API thread). Returns the fd, or -1 with *status and *out set.
 */
static int open_import(struct dnsp_daemon *d, const char *path, int *status, json_t **out)
{
	char *dir = NULL, *rdir = NULL, *rpath = NULL;
	char opened[PATH_MAX + 16], fdpath[32];
	bool set;
	int fd = -1;

	pthread_mutex_lock(&d->lock);
	set = d->cfg->server.import_dir != NULL;
	if (set)
		dir = strdup(d->cfg->server.import_dir);
	pthread_mutex_unlock(&d->lock);
	if (!set) {
		*status = error(out, 400, "ValidationException", "DomainFileUrl is refused: the "
				"server reads no files for the API until server.import_dir names the "
				"folder they may come from (set server.import_dir, or give Domains)");
		return -1;
	}
	if (!dir) {
		*status = error(out, 500, "InternalServiceErrorException", "out of memory");
		return -1;
	}
	if (!(rdir = realpath(dir, NULL))) {
		*status = error(out, 500, "InternalServiceErrorException", "server.import_dir "
				"%.300s: %s", dir, strerror(errno));
		goto out;
	}
	rpath = realpath(path, NULL);
	if (!rpath) {
		/* name the reason only when the folder it would be in is inside:
		 * the answer must not tell whether a file exists elsewhere */
		int e = errno;
		char *parent = strdup(path), *rparent = NULL;
		char *slash = parent ? strrchr(parent, '/') : NULL;
		if (slash) {
			slash[slash == parent] = 0; /* "/x" → "/", "/a/x" → "/a" */
			rparent = realpath(parent, NULL);
		}
		bool near = rparent && (strcmp(rparent, rdir) == 0 || path_inside(rdir, rparent));
		free(parent);
		free(rparent);
		if (near) {
			*status = error(out, 400, "ValidationException", "DomainFileUrl %.300s: %s",
					path, strerror(e));
			goto out;
		}
	}
	if (!rpath || !path_inside(rdir, rpath)) {
		*status = error(out, 400, "ValidationException", "DomainFileUrl %.300s is not an "
				"existing file inside server.import_dir (%.300s): only files there are "
				"read, after resolving '..' and symlinks", path, rdir);
		goto out;
	}
	fd = open(rpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
	struct stat st;
	ssize_t n = -1;
	if (fd >= 0) {
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		n = readlink(fdpath, opened, sizeof(opened) - 1);
	}
	if (n >= 0)
		opened[n] = 0;
	if (fd < 0 || n < 0 || fstat(fd, &st) < 0) {
		*status = error(out, 400, "ValidationException", "DomainFileUrl %.300s: %s", path,
				strerror(errno));
	} else if (!path_inside(rdir, opened)) {
		*status = error(out, 400, "ValidationException", "DomainFileUrl %.300s changed "
				"while it was opened and is no longer inside server.import_dir", path);
	} else if (!S_ISREG(st.st_mode)) {
		*status = error(out, 400, "ValidationException", "DomainFileUrl %.300s is not a "
				"regular file", path);
	} else {
		goto out; /* fd is the file */
	}
	if (fd >= 0)
		close(fd);
	fd = -1;
out:
	free(dir);
	free(rdir);
	free(rpath);
	return fd;
}

static int update_domains(struct dnsp_daemon *d, const char *id, const json_t *req, bool import,
			  json_t **out)
{
	/* UpdateFirewallDomainsRequest / ImportFirewallDomainsRequest members
	 * only, each of its own type: a misspelt or mistyped member must not
	 * turn into an update of something else (a REPLACE with Domains when
	 * DomainFileUrl was meant). */
	static const char *const members[] = { "FirewallDomainListId", "Operation", "Domains",
					       "DomainFileUrl" };
	const char *key;
	json_t *mv;
	json_object_foreach((json_t *)req, key, mv) {
		size_t k = 0;
		while (k < sizeof(members) / sizeof(members[0]) && strcmp(key, members[k]) != 0)
			k++;
		if (k == sizeof(members) / sizeof(members[0]))
			return error(out, 400, "ValidationException", "Unknown parameter '%.100s' "
				     "(expected Operation, Domains%s)", key,
				     import ? ", DomainFileUrl" : "");
		if (strcmp(key, "Domains") != 0 && !json_is_string(mv))
			return error(out, 400, "ValidationException", "%s must be a string", key);
	}
	const char *body_id = json_string_value(json_object_get(req, "FirewallDomainListId"));
	if (body_id && strcmp(body_id, id) != 0)
		return error(out, 400, "ValidationException", "FirewallDomainListId '%.100s' is not "
			     "the list of the path (%s)", body_id, id);
	enum op op = OP_ADD;
	int st = parse_op(req, &op, out);
	if (st)
		return st;
	struct dnsp_cfg_fw_domains in = { 0 };
	const json_t *domains = json_object_get(req, "Domains");
	const char *url = json_string_value(json_object_get(req, "DomainFileUrl"));
	if (import && url && domains)
		return error(out, 400, "ValidationException", "give Domains or DomainFileUrl, not "
			     "both");
	if (url) {
		if (!import)
			return error(out, 400, "ValidationException", "DomainFileUrl is for "
				     "ImportFirewallDomains");
		if (strncmp(url, "file://", 7) != 0 || url[7] != '/')
			return error(out, 400, "ValidationException", "DomainFileUrl must be a "
				     "file:///absolute/path URL (read by the server)");
		const char *path = url + 7;
		int fd = open_import(d, path, &st, out);
		if (fd < 0)
			return st;
		/* read through the descriptor that passed the check */
		char fdpath[32];
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		struct dnsp_errlist errs;
		dnsp_errlist_init(&errs);
		int rc = dnsp_cfg_fw_read_domain_file(fdpath, DNSP_DL_AUTO, "DomainFileUrl", id,
						      &in, &errs);
		close(fd);
		if (rc < 0) {
			/* The file is read with the server's rights: name the lines
			 * that failed, never their text (import_dir may hold files
			 * that are not meant to be read out through the API). */
			size_t plen = strlen(fdpath);
			long first = 0;
			for (size_t k = 0; k < errs.n && first == 0; k++)
				if (strncmp(errs.msgs[k], fdpath, plen) == 0 &&
				    errs.msgs[k][plen] == ':')
					first = strtol(errs.msgs[k] + plen + 1, NULL, 10);
			dnsp_errlist_fini(&errs);
			dnsp_cfg_fw_domains_fini(&in);
			if (rc == DNSP_ECONFIG && first > 0)
				return error(out, 400, "ValidationException", "DomainFileUrl "
					     "%.300s:%ld: not a domain list entry (the first such line; "
					     "line contents are not echoed)", path, first);
			return error(out, 400, "ValidationException", "DomainFileUrl: cannot use "
				     "the file: %s", dnsp_strerror(rc));
		}
		dnsp_errlist_fini(&errs);
	} else {
		if (!json_is_array(domains))
			return error(out, 400, "ValidationException", "Domains must be a list of "
				     "domain names%s", import ? " (or give DomainFileUrl)" : "");
		if (!import && json_array_size(domains) > UPDATE_DOMAINS_MAX)
			return error(out, 400, "ValidationException", "at most %d domains per "
				     "UpdateFirewallDomains call, got %zu", UPDATE_DOMAINS_MAX,
				     json_array_size(domains));
		size_t i;
		const json_t *v;
		json_array_foreach(domains, i, v) {
			const char *s = json_string_value(v);
			char norm[DNSP_DOMAIN_TEXT_MAX + 1];
			const char *why = "not a string";
			int n = s ? dnsp_domain_normalize(s, strlen(s), norm, &why) : DNSP_ESYNTAX;
			if (n < 0) {
				dnsp_cfg_fw_domains_fini(&in);
				return error(out, 400, "ValidationException", "Domains[%zu] '%.300s': "
					     "%s", i, s ? s : "", why);
			}
			if (dnsp_cfg_fw_domains_add(&in, norm, (size_t)n) < 0) {
				dnsp_cfg_fw_domains_fini(&in);
				return error(out, 500, "InternalServiceErrorException", "out of memory");
			}
		}
	}
	st = apply(d, id, op, &in, out);
	dnsp_cfg_fw_domains_fini(&in);
	return st;
}

static int method_not_allowed(json_t **out, const char **allow, const char *method,
			      const char *path, const char *allowed)
{
	*allow = allowed;
	return error(out, 405, "MethodNotAllowed", "%s is not allowed on %s (allowed: %s)",
		     method, path, allowed);
}

int dnsp_firewall_api(struct dnsp_daemon *d, const char *method, const char *path,
		      const char *body, size_t len, const char *max_results,
		      const char *next_token, json_t **out, const char **allow)
{
	static const char prefix[] = "/v1/firewall/domain-lists";
	const size_t pl = sizeof(prefix) - 1;
	*out = NULL;
	*allow = NULL;
	if (strncmp(path, prefix, pl) != 0 || (path[pl] != 0 && path[pl] != '/'))
		return 0;
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0;
	const char *rest = path + pl;
	if (*rest == 0 || strcmp(rest, "/") == 0)
		return get ? list_lists(d, out) : method_not_allowed(out, allow, method, path, "GET");

	char id[256];
	rest++;
	const char *slash = strchr(rest, '/');
	size_t il = slash ? (size_t)(slash - rest) : strlen(rest);
	if (il == 0 || il >= sizeof(id))
		return error(out, 404, "NotFound", "No route for %s %s", method, path);
	memcpy(id, rest, il);
	id[il] = 0;
	const char *sub = slash ? slash + 1 : "";

	if (*sub == 0)
		return get ? get_list(d, id, out) : method_not_allowed(out, allow, method, path, "GET");
	bool domains = strcmp(sub, "domains") == 0, import = strcmp(sub, "import") == 0;
	if (domains && get)
		return list_domains(d, id, max_results, next_token, out);
	if ((domains || import) && post) {
		json_error_t jerr;
		json_t *req = len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
		if (!json_is_object(req)) {
			json_decref(req);
			return error(out, 400, "ValidationException", "the request body must be a "
				     "JSON object");
		}
		int st = update_domains(d, id, req, import, out);
		json_decref(req);
		return st;
	}
	if (domains)
		return method_not_allowed(out, allow, method, path, "GET, POST");
	if (import)
		return method_not_allowed(out, allow, method, path, "POST");
	return error(out, 404, "NotFound", "No route for %s %s", method, path);
}
