/*
 * Live health status of every health check, kept outside the snapshots so
 * that a status flip changes answers within one query and needs no
 * recompile (SPEC §1). One process-wide table of atomics, indexed by a slot
 * that the control plane assigns to each health check Id once and keeps
 * across reloads.
 *
 * Contract: slots are assigned and status is written only on the control
 * plane (health checker, API); workers read status with relaxed atomic
 * loads — a worker may see a flip one query late, never a torn value, and
 * no ordering with other memory is needed because a status byte guards no
 * other data.
 */
#ifndef DNSP_HEALTH_H
#define DNSP_HEALTH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "error.h"

#define DNSP_HEALTH_MAX 8192
#define DNSP_HEALTH_NONE UINT32_MAX /* "no health check": always healthy */

struct dnsp_health_table {
	_Atomic uint8_t status[DNSP_HEALTH_MAX]; /* 1 healthy, 0 unhealthy */
};

/* The process-wide table (zero-initialised: slots start unhealthy until
 * assigned; dnsp_health_slot() marks a new slot healthy). */
struct dnsp_health_table *dnsp_health_global(void);

/*
 * Slot for health check id: the same slot for the same id for the life of
 * the process; a new id gets the next free slot, initially healthy (Route 53
 * considers a new check healthy until it has data). Control plane only.
 * Returns the slot or -ENOSPC.
 */
int dnsp_health_slot(const char *id) DNSP_WUR;

/* Slot of an id already assigned, or -ENOENT. Control plane only. */
int dnsp_health_find(const char *id);

/* Writes a status (control plane). */
static inline void dnsp_health_set(struct dnsp_health_table *t, uint32_t slot, bool healthy)
{
	if (slot < DNSP_HEALTH_MAX)
		atomic_store_explicit(&t->status[slot], healthy ? 1 : 0, memory_order_relaxed);
}

/* Reads a status (any thread). DNSP_HEALTH_NONE is always healthy. */
static inline bool dnsp_health_ok(const struct dnsp_health_table *t, uint32_t slot)
{
	if (slot >= DNSP_HEALTH_MAX)
		return true;
	return atomic_load_explicit(&t->status[slot], memory_order_relaxed) != 0;
}

#endif
