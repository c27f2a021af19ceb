/*
 * Loader for dnsplane's XDP program (xdp/dnsplane.bpf.c, embedded in the
 * binary at build time): attaches it to an interface with libxdp, fills the
 * listener map, exposes the XSKMAP for AF_XDP sockets and reads the per-CPU
 * verdict counters.
 *
 * Attach policy: libxdp first tries its multiprog dispatcher (so dnsplane
 * coexists with other XDP programs) and falls back to a legacy attach where
 * the kernel refuses the dispatcher (locked-down kernels; TOOLCHAIN §2). A
 * legacy program outlives a crashed process, so before attaching the loader
 * looks at what the interface already runs: a program named
 * DNSP_XDP_PROG_NAME whose recorded owner (pid and process start time,
 * written at attach into owner slots of the stats map) no longer runs is a
 * stale dnsplane and is detached, in native and generic mode alike (inside
 * a dispatcher only dnsplane's own component is removed); one whose owner
 * still runs makes the attach fail with -EBUSY (another dnsplaned serves
 * the interface); any other program makes it fail with -EBUSY and a
 * message naming it (dnsplane never removes someone else's program;
 * `xdp-loader unload IFACE --all` does, by hand). An owner in another PID
 * namespace looks dead from here: do not run two dnsplaned on one
 * interface from different PID namespaces.
 *
 * Threads: attach/detach/set_listeners from the control thread; counters
 * from any thread (a map lookup syscall). Each struct dnsp_xdp is owned by
 * its creator and freed by dnsp_xdp_detach()/dnsp_xdp_close().
 */
#ifndef DNSP_XDP_LOADER_H
#define DNSP_XDP_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include "dataplane/dataplane.h"
#include "xdp_shared.h"

enum dnsp_xdp_mode {
	DNSP_XDP_MODE_AUTO = 0,  /* native (driver) mode, else generic (skb) */
	DNSP_XDP_MODE_NATIVE,
	DNSP_XDP_MODE_SKB,
};

struct dnsp_xdp;

/*
 * Opens and loads the embedded program without attaching it (for
 * BPF_PROG_TEST_RUN and for tools). Returns 0, or -errno (-EPERM when the
 * kernel refuses BPF to this process).
 */
int dnsp_xdp_open(struct dnsp_xdp **out) DNSP_WUR;

/*
 * Attaches the program to ifname in mode (AUTO: native, then generic),
 * after removing a stale dnsplane program (see above). The listener map
 * starts empty: nothing is redirected until dnsp_xdp_set_listeners().
 * Returns 0, -ENODEV (no such interface), -EBUSY (someone else's program is
 * attached), or another -errno; a message on stderr says what failed.
 */
int dnsp_xdp_attach(const char *ifname, enum dnsp_xdp_mode mode, struct dnsp_xdp **out) DNSP_WUR;

/*
 * Removes a stale dnsplane program from ifindex if one is attached there
 * (native or generic, legacy or as a dispatcher component); leaves other
 * programs alone. Returns the number of programs removed, or -EBUSY when a
 * program that is not dnsplane's (legacy mode) or a live dnsplane's is
 * attached, or -errno.
 */
int dnsp_xdp_remove_stale(int ifindex, const char *ifname) DNSP_WUR;

/* Replaces the listener map's contents with listeners[0..n). Returns 0 or
 * -errno (-E2BIG beyond DNSP_XDP_MAX_LISTENERS). */
int dnsp_xdp_set_listeners(struct dnsp_xdp *x, const struct dnsp_dp_listener *ls,
			   uint32_t n) DNSP_WUR;

int dnsp_xdp_prog_fd(const struct dnsp_xdp *x);
int dnsp_xdp_xsk_map_fd(const struct dnsp_xdp *x);
int dnsp_xdp_ifindex(const struct dnsp_xdp *x);
const char *dnsp_xdp_ifname(const struct dnsp_xdp *x);
/* "native" / "generic", and whether libxdp had to fall back to legacy. */
const char *dnsp_xdp_mode_name(const struct dnsp_xdp *x);
bool dnsp_xdp_is_legacy(const struct dnsp_xdp *x);

/* Sums the per-CPU counters into out[DNSP_XDP_NCOUNTERS]. Returns 0 or -errno. */
int dnsp_xdp_counters(const struct dnsp_xdp *x, uint64_t out[DNSP_XDP_NCOUNTERS]) DNSP_WUR;

/* Detaches (if attached) and frees x. NULL: no-op. */
void dnsp_xdp_detach(struct dnsp_xdp *x);

#endif
