/*
 * XDP program loader (contract in loader.h). The BPF object is compiled
 * from xdp/dnsplane.bpf.c during the build and embedded through the bpftool
 * skeleton's ELF bytes, so the daemon never searches the file system for
 * it and can never load a program that does not match its own xdp_shared.h.
 * libbpf/libxdp log lines are collected rather than printed: both are noisy
 * about normal events (an unknown .xdp_run_config section, the dispatcher
 * fallback); the collected lines are printed only when an operation fails.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "dnsplane.skel.h"
#include "loader.h"

#define DISPATCHER_NAME "xdp_dispatcher"

struct dnsp_xdp {
	struct bpf_object *obj;
	struct xdp_program *prog;    /* NULL when only opened (dnsp_xdp_open) */
	enum xdp_attach_mode mode;
	bool legacy;
	int ifindex;
	char ifname[IF_NAMESIZE];
	int prog_fd, xsk_fd, listen_fd, stats_fd;
};

/* ------------------------------------------------------------ logging */

static char logbuf[4096];
static size_t loglen;

static void log_reset(void)
{
	loglen = 0;
	logbuf[0] = 0;
}

static void log_add(const char *fmt, va_list ap)
{
	if (loglen + 1 >= sizeof(logbuf))
		return;
	int n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);
	if (n > 0)
		loglen = loglen + (size_t)n < sizeof(logbuf) ? loglen + (size_t)n : sizeof(logbuf) - 1;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_DEBUG)
		log_add(fmt, ap);
	return 0;
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBXDP_DEBUG)
		log_add(fmt, ap);
	return 0;
}

static libbpf_print_fn_t saved_bpf_print;
static libxdp_print_fn_t saved_xdp_print;
static int hook_depth;

/* Collects library output during one operation (control thread only;
 * nests); the outermost log_unhook() puts the previous printers back. */
static void log_hook(void)
{
	if (hook_depth++ == 0) {
		saved_bpf_print = libbpf_set_print(libbpf_log);
		saved_xdp_print = libxdp_set_print(libxdp_log);
		log_reset();
	}
}

static void log_unhook(void)
{
	if (--hook_depth == 0) {
		libbpf_set_print(saved_bpf_print);
		libxdp_set_print(saved_xdp_print);
		log_reset();
	}
}

static void log_dump(void)
{
	if (loglen)
		fprintf(stderr, "dnsplane: libbpf/libxdp said:\n%s", logbuf);
	log_reset();
}

/* ------------------------------------------------------------ helpers */

static int open_obj(struct bpf_object **out)
{
	size_t sz = 0;
	const void *bytes = dnsplane_bpf__elf_bytes(&sz);
	LIBBPF_OPTS(bpf_object_open_opts, o, .object_name = "dnsplane");
	struct bpf_object *obj = bpf_object__open_mem(bytes, sz, &o);

	if (obj == NULL)
		return errno ? -errno : -EINVAL;
	*out = obj;
	return 0;
}

static void fill_fds(struct dnsp_xdp *x)
{
	struct bpf_program *p = bpf_object__find_program_by_name(x->obj, DNSP_XDP_PROG_NAME);

	x->prog_fd = p ? bpf_program__fd(p) : -1;
	x->xsk_fd = bpf_object__find_map_fd_by_name(x->obj, DNSP_XDP_XSK_MAP);
	x->listen_fd = bpf_object__find_map_fd_by_name(x->obj, DNSP_XDP_LISTEN_MAP);
	x->stats_fd = bpf_object__find_map_fd_by_name(x->obj, DNSP_XDP_STATS_MAP);
}

static struct dnsp_xdp *xdp_new(void)
{
	struct dnsp_xdp *x = calloc(1, sizeof(*x));

	if (x) {
		x->prog_fd = x->xsk_fd = x->listen_fd = x->stats_fd = -1;
		x->ifindex = -1;
	}
	return x;
}

/* Name of the program with id (kernel name, up to 15 characters). */
static int prog_name_by_id(uint32_t id, char *name, size_t cap)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	int rc;

	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	rc = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (rc < 0)
		return -errno;
	snprintf(name, cap, "%s", info.name);
	return 0;
}

/* Start time of process pid (clock ticks after boot, /proc/PID/stat field
 * 22), or 0 when there is no such process (in our PID namespace). */
static uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the command name may hold spaces */

	/* after ")": state is field 3, starttime field 22 */
	if (p == NULL || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d "
				"%*d %*d %*d %*d %*d %llu", &start) != 1)
		return 0;
	return start;
}

/* Reads the owner slots of a dnsplane program (by program fd). */
static int prog_owner(int prog_fd, uint32_t *pid, uint64_t *start)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info), ids[16];
	int ncpu = libbpf_num_possible_cpus(), rc = -ENOENT;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 16;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (ncpu <= 0 || bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return -EINVAL;
	uint64_t *vals = calloc((size_t)ncpu, sizeof(*vals));

	if (vals == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < info.nr_map_ids && i < 16 && rc == -ENOENT; i++) {
		struct bpf_map_info mi;
		uint32_t mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0 &&
		    strcmp(mi.name, DNSP_XDP_STATS_MAP) == 0 && mi.max_entries > DNSP_XDP_OWNER_START) {
			uint32_t slot = DNSP_XDP_OWNER_PID;

			rc = -EIO;
			if (bpf_map_lookup_elem(fd, &slot, vals) == 0) {
				*pid = (uint32_t)vals[0];
				slot = DNSP_XDP_OWNER_START;
				if (bpf_map_lookup_elem(fd, &slot, vals) == 0) {
					*start = vals[0];
					rc = 0;
				}
			}
		}
		close(fd);
	}
	free(vals);
	return rc;
}

/* True when the dnsplane program prog_fd belongs to another process that
 * still runs (same pid and start time as recorded at attach). */
static bool owner_alive(int prog_fd, uint32_t *pid_out)
{
	uint32_t pid = 0;
	uint64_t start = 0;

	if (prog_owner(prog_fd, &pid, &start) < 0 || pid == 0 || (pid_t)pid == getpid())
		return false;
	*pid_out = pid;
	return proc_start_time((pid_t)pid) == start;
}

/* Records this process as the owner of x's program (CPU 0's owner slots). */
static void write_owner(struct dnsp_xdp *x)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	uint32_t slot;

	if (ncpu <= 0 || (vals = calloc((size_t)ncpu, sizeof(*vals))) == NULL)
		return;
	vals[0] = (uint64_t)getpid();
	slot = DNSP_XDP_OWNER_PID;
	(void)bpf_map_update_elem(x->stats_fd, &slot, vals, BPF_ANY);
	vals[0] = proc_start_time(getpid());
	slot = DNSP_XDP_OWNER_START;
	(void)bpf_map_update_elem(x->stats_fd, &slot, vals, BPF_ANY);
	free(vals);
}

/* Removes dnsplane's component from a libxdp dispatcher on ifindex. */
static int remove_from_dispatcher(int ifindex, const char *ifname)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	int removed = 0;

	if (libxdp_get_error(mp))
		return (int)libxdp_get_error(mp);
	enum xdp_attach_mode mode = xdp_multiprog__attach_mode(mp);

	for (struct xdp_program *p = xdp_multiprog__next_prog(NULL, mp); p != NULL;
	     p = xdp_multiprog__next_prog(p, mp)) {
		uint32_t owner = 0;

		if (strcmp(xdp_program__name(p), DNSP_XDP_PROG_NAME) != 0)
			continue;
		if (owner_alive(xdp_program__fd(p), &owner)) {
			fprintf(stderr, "dnsplane: %s: dnsplaned (pid %u) is serving this interface "
					"(XDP dispatcher); not replacing its program\n", ifname, owner);
			removed = -EBUSY;
			break;
		}
		if (xdp_program__detach(p, ifindex, mode, 0) == 0) {
			fprintf(stderr, "dnsplane: %s: removed a stale dnsplane program from the "
					"XDP dispatcher\n", ifname);
			removed++;
		}
	}
	xdp_multiprog__close(mp);
	return removed;
}

int dnsp_xdp_remove_stale(int ifindex, const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	static const struct {
		uint32_t flag;
		const char *name;
	} modes[2] = { { XDP_FLAGS_DRV_MODE, "native" }, { XDP_FLAGS_SKB_MODE, "generic" } };
	int removed = 0;

	if (bpf_xdp_query(ifindex, 0, &q) < 0)
		return -errno;
	for (int m = 0; m < 2; m++) {
		uint32_t id = m == 0 ? q.drv_prog_id : q.skb_prog_id;
		char name[64];
		int rc;

		if (id == 0)
			continue;
		if ((rc = prog_name_by_id(id, name, sizeof(name))) < 0)
			return rc;
		if (strcmp(name, DNSP_XDP_PROG_NAME) == 0) {
			int pfd = bpf_prog_get_fd_by_id(id);
			uint32_t owner = 0;
			bool alive = pfd >= 0 && owner_alive(pfd, &owner);

			if (pfd >= 0)
				close(pfd);
			if (alive) {
				fprintf(stderr, "dnsplane: %s: dnsplaned (pid %u) is serving this "
						"interface (XDP program id %u); not replacing it\n",
					ifname, owner, id);
				return -EBUSY;
			}
			if (bpf_xdp_detach(ifindex, modes[m].flag, NULL) < 0)
				return -errno;
			fprintf(stderr, "dnsplane: %s: removed a stale dnsplane XDP program "
					"(id %u, %s mode) left by an earlier run\n",
				ifname, id, modes[m].name);
			removed++;
		} else if (strcmp(name, DISPATCHER_NAME) == 0) {
			if ((rc = remove_from_dispatcher(ifindex, ifname)) < 0)
				return rc;
			removed += rc;
		} else {
			fprintf(stderr, "dnsplane: %s: XDP program '%s' (id %u, %s mode) is "
					"attached and is not dnsplane's; not replacing it. Remove "
					"it (xdp-loader unload %s --all) or serve another "
					"interface\n", ifname, name, id, modes[m].name, ifname);
			return -EBUSY;
		}
	}
	return removed;
}

/* ---------------------------------------------------------- public API */

int dnsp_xdp_open(struct dnsp_xdp **out)
{
	struct dnsp_xdp *x;
	int rc;

	*out = NULL;
	x = xdp_new();
	if (x == NULL)
		return -ENOMEM;
	log_hook();
	if ((rc = open_obj(&x->obj)) < 0 || (rc = bpf_object__load(x->obj)) < 0) {
		if (rc > 0)
			rc = -rc;
		log_unhook();
		dnsp_xdp_detach(x);
		return rc < 0 ? rc : -EINVAL;
	}
	fill_fds(x);
	log_unhook();
	*out = x;
	return 0;
}

int dnsp_xdp_attach(const char *ifname, enum dnsp_xdp_mode mode, struct dnsp_xdp **out)
{
	enum xdp_attach_mode try[2];
	int ntry = 0, rc, ifindex;
	struct dnsp_xdp *x;

	*out = NULL;
	ifindex = (int)if_nametoindex(ifname);
	if (ifindex == 0) {
		fprintf(stderr, "dnsplane: XDP: no interface named '%s'\n", ifname);
		return -ENODEV;
	}
	log_hook();
	if ((rc = dnsp_xdp_remove_stale(ifindex, ifname)) < 0) {
		if (rc != -EBUSY)
			fprintf(stderr, "dnsplane: %s: cannot inspect attached XDP programs: %s\n",
				ifname, strerror(-rc));
		log_unhook();
		return rc;
	}
	x = xdp_new();
	if (x == NULL) {
		log_unhook();
		return -ENOMEM;
	}
	x->ifindex = ifindex;
	snprintf(x->ifname, sizeof(x->ifname), "%s", ifname);
	if ((rc = open_obj(&x->obj)) < 0)
		goto fail;
	DECLARE_LIBXDP_OPTS(xdp_program_opts, po, .obj = x->obj,
			    .prog_name = DNSP_XDP_PROG_NAME);
	x->prog = xdp_program__create(&po);
	if (libxdp_get_error(x->prog)) {
		rc = (int)libxdp_get_error(x->prog);
		x->prog = NULL;
		goto fail;
	}
	if (mode != DNSP_XDP_MODE_SKB)
		try[ntry++] = XDP_MODE_NATIVE;
	if (mode != DNSP_XDP_MODE_NATIVE)
		try[ntry++] = XDP_MODE_SKB;
	rc = -EINVAL;
	for (int i = 0; i < ntry; i++) {
		/* libxdp tries the multiprog dispatcher, then falls back to a
		 * legacy attach by itself (TOOLCHAIN §2). */
		rc = xdp_program__attach(x->prog, ifindex, try[i], 0);
		if (rc == 0) {
			x->mode = try[i];
			break;
		}
	}
	if (rc < 0)
		goto fail;
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);

	x->legacy = libxdp_get_error(mp) ? true : xdp_multiprog__is_legacy(mp);
	if (!libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	fill_fds(x);
	if (x->xsk_fd < 0 || x->listen_fd < 0 || x->stats_fd < 0) {
		rc = -ENOENT;
		goto fail;
	}
	write_owner(x);
	log_unhook();
	*out = x;
	return 0;
fail:
	fprintf(stderr, "dnsplane: %s: cannot attach the XDP program: %s\n", ifname,
		strerror(rc < 0 ? -rc : rc));
	log_dump();
	dnsp_xdp_detach(x);
	log_unhook();
	return rc < 0 ? rc : -rc;
}

int dnsp_xdp_set_listeners(struct dnsp_xdp *x, const struct dnsp_dp_listener *ls, uint32_t n)
{
	struct dnsp_xdp_listen_key k, next;
	bool more;

	if (n > DNSP_XDP_MAX_LISTENERS)
		return -E2BIG;
	for (uint32_t i = 0; i < n; i++) {
		struct dnsp_xdp_listen_val v = { .listener = i };

		memset(&k, 0, sizeof(k));
		k.family = (uint8_t)ls[i].family;
		k.port = htons(ls[i].port);
		memcpy(k.addr, ls[i].addr, ls[i].family == 4 ? 4 : 16);
		if (bpf_map_update_elem(x->listen_fd, &k, &v, BPF_ANY) < 0)
			return -errno;
	}
	/* Delete keys that are not in the new set. */
	more = bpf_map_get_next_key(x->listen_fd, NULL, &next) == 0;
	while (more) {
		bool keep = false;

		k = next;
		more = bpf_map_get_next_key(x->listen_fd, &k, &next) == 0;
		for (uint32_t i = 0; i < n && !keep; i++)
			keep = k.family == ls[i].family && ntohs(k.port) == ls[i].port &&
			       memcmp(k.addr, ls[i].addr, ls[i].family == 4 ? 4 : 16) == 0;
		if (!keep)
			(void)bpf_map_delete_elem(x->listen_fd, &k);
	}
	return 0;
}

int dnsp_xdp_prog_fd(const struct dnsp_xdp *x)
{
	return x->prog != NULL ? xdp_program__fd(x->prog) : x->prog_fd;
}

int dnsp_xdp_xsk_map_fd(const struct dnsp_xdp *x)
{
	return x->xsk_fd;
}

int dnsp_xdp_ifindex(const struct dnsp_xdp *x)
{
	return x->ifindex;
}

const char *dnsp_xdp_ifname(const struct dnsp_xdp *x)
{
	return x->ifname;
}

const char *dnsp_xdp_mode_name(const struct dnsp_xdp *x)
{
	return x->mode == XDP_MODE_SKB ? "generic" : "native";
}

bool dnsp_xdp_is_legacy(const struct dnsp_xdp *x)
{
	return x->legacy;
}

int dnsp_xdp_counters(const struct dnsp_xdp *x, uint64_t out[DNSP_XDP_NCOUNTERS])
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	uint64_t *vals = calloc((size_t)ncpu, sizeof(*vals));
	int rc = 0;

	if (vals == NULL)
		return -ENOMEM;
	for (uint32_t slot = 0; slot < DNSP_XDP_NCOUNTERS; slot++) {
		out[slot] = 0;
		if (bpf_map_lookup_elem(x->stats_fd, &slot, vals) < 0) {
			rc = -errno;
			break;
		}
		for (int c = 0; c < ncpu; c++)
			out[slot] += vals[c];
	}
	free(vals);
	return rc;
}

void dnsp_xdp_detach(struct dnsp_xdp *x)
{
	if (x == NULL)
		return;
	if (x->prog != NULL) {
		log_hook();
		if (x->ifindex > 0 && xdp_program__is_attached(x->prog, x->ifindex) != XDP_MODE_UNSPEC &&
		    xdp_program__detach(x->prog, x->ifindex, x->mode, 0) < 0) {
			fprintf(stderr, "dnsplane: %s: could not detach the XDP program; remove it "
					"with: xdp-loader unload %s --all\n", x->ifname, x->ifname);
			log_dump();
		}
		xdp_program__close(x->prog);
		log_unhook();
	}
	bpf_object__close(x->obj);
	free(x);
}
