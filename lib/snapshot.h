/*
 * The compiled, immutable configuration generation that workers answer from,
 * and its publication under RCU (liburcu QSBR).
 *
 * Contract: the control thread builds a snapshot (ctrl/compile.c), all of it
 * in one dnsp_arena, then publishes it with dnsp_snapshot_publish(), which
 * swaps the global pointer, waits for a grace period (every registered
 * worker has passed a quiescent state) and destroys the previous generation.
 * Workers call dnsp_snapshot_current() once per burst, use the pointer for
 * that burst only, and then report rcu_quiescent_state(). Nothing in a
 * published snapshot is ever written again.
 */
#ifndef DNSP_SNAPSHOT_H
#define DNSP_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include "arena.h"
#include "lpm.h"
#include "zone/zone.h"

enum dnsp_role { DNSP_ROLE_PUBLIC = 0, DNSP_ROLE_RESOLVER = 1, DNSP_ROLE_INBOUND = 2 };

struct dnsp_snap_listener {
	int family;           /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
	uint8_t role;         /* enum dnsp_role */
	int32_t vpc;          /* VPC index fixed by the listener (resolver with vpc:,
				 inbound through its endpoint), or -1: by client CIDR */
	const char *name;     /* "127.0.0.1:5300" for metrics */
};

/* A set of zones searched by longest apex suffix of the query name. */
struct dnsp_view {
	const dnsp_zone_t *const *slots; /* open-addressing table by apex hash */
	uint32_t mask;                    /* slots - 1 (power of two), 0 when empty */
	uint32_t nzones;
	uint8_t max_labels;               /* most labels of any apex */
	uint8_t min_labels;
};

struct dnsp_fw;
struct dnsp_route_data;
struct dnsp_health_table;
struct dnsp_resolver_data;
struct dnsp_recursion_conf;

struct dnsp_snap_vpc {
	const char *id;
	bool dns_support;     /* EnableDnsSupport */
	bool dns_hostnames;   /* EnableDnsHostnames: false → private zones unused */
	struct dnsp_view view; /* private zones associated with this VPC */
	const struct dnsp_fw *firewall;  /* DNS Firewall rules for this VPC, or NULL */
	bool fw_fail_open;               /* FirewallFailOpen ENABLED */
};

/* A release action for memory a snapshot holds outside its arena (e.g.
 * Hyperscan databases and scratch): run by dnsp_snapshot_destroy() before
 * the arena goes, in reverse order of registration. */
struct dnsp_snap_cleanup {
	void (*fn)(void *arg);
	void *arg;
	struct dnsp_snap_cleanup *next;
};

struct dnsp_snapshot {
	dnsp_arena_t *arena;           /* owns everything below */
	uint64_t generation;
	uint64_t compile_ns;           /* time compile took */
	uint16_t udp_max;              /* cap on the EDNS UDP size we honour */
	uint32_t nlisteners;
	const struct dnsp_snap_listener *listeners; /* index = listener slot */
	uint32_t nvpcs;
	const struct dnsp_snap_vpc *vpcs;
	const dnsp_lpm_t *vpc_lpm;     /* client address → VPC index */
	struct dnsp_view public_view;  /* public hosted zones */
	uint32_t nzones;
	const dnsp_zone_t *const *zones; /* every zone, public and private */
	uint64_t nrecords;
	uint32_t nworkers;             /* workers that may read this snapshot (per-worker state) */
	const struct dnsp_route_data *route;       /* geo/latency/CIDR tables (routing) */
	const struct dnsp_health_table *health;    /* live health status (outside the snapshot) */
	const struct dnsp_resolver_data *resolver; /* rules, endpoints, cache handle */
	const struct dnsp_recursion_conf *recursion; /* root hints, cache, limits
						      * (lib/punt.h); NULL: off */
	struct dnsp_snap_cleanup *cleanups;
};

/* Registers fn(arg) to run when s is destroyed. Returns 0 or -ENOMEM. */
int dnsp_snapshot_on_destroy(struct dnsp_snapshot *s, void (*fn)(void *), void *arg) DNSP_WUR;

/* Builds a view table of n zones in arena. Returns 0 or -ENOMEM. */
int dnsp_view_build(struct dnsp_view *v, const dnsp_zone_t *const *zones, uint32_t n,
		    dnsp_arena_t *arena) DNSP_WUR;

/* The zone whose apex is the longest suffix of name (lowercase), or NULL. */
const dnsp_zone_t *dnsp_view_find(const struct dnsp_view *v, const uint8_t *name);

/* dnsp_view_find() with name's label offsets (offs[0..nl)) already known. */
const dnsp_zone_t *dnsp_view_find_labels(const struct dnsp_view *v, const uint8_t *name,
					 const uint8_t *offs, int nl);

/*
 * Index in s->vpcs of the VPC a query on listener l from addr (family 4 or
 * 6) belongs to (SPEC §3 "Which VPC a query belongs to"): the VPC the
 * listener names, else the one whose CIDRs hold the client address; -1
 * when none. The caller checks the listener's role.
 */
int32_t dnsp_snapshot_vpc_of(const struct dnsp_snapshot *s, const struct dnsp_snap_listener *l,
			     int family, const uint8_t *addr);

/* The currently published snapshot; call between rcu_read_lock-free
 * quiescent states only (QSBR reader). NULL before the first publish. */
const struct dnsp_snapshot *dnsp_snapshot_current(void);

/*
 * Publishes s (ownership passes to the RCU machinery) and frees the old
 * generation after a grace period. Control thread only; the caller must
 * not be a registered QSBR reader (or must be offline).
 */
void dnsp_snapshot_publish(struct dnsp_snapshot *s);

/* Frees a snapshot that was never published (or at shutdown). NULL ok. */
void dnsp_snapshot_destroy(struct dnsp_snapshot *s);

#endif
