/*
 * The process-wide health status table and its slot registry. The registry
 * (id → slot) is a small open-addressing table touched only by the control
 * plane, so it needs no lock of its own beyond the control plane's
 * serialisation; the status bytes are atomics read by workers.
 */
#include <stdlib.h>
#include <string.h>
#include "health.h"

static struct dnsp_health_table table;
static char *slot_ids[DNSP_HEALTH_MAX];
static uint32_t nslots;

struct dnsp_health_table *dnsp_health_global(void)
{
	return &table;
}

int dnsp_health_find(const char *id)
{
	for (uint32_t i = 0; i < nslots; i++)
		if (strcmp(slot_ids[i], id) == 0)
			return (int)i;
	return -ENOENT;
}

int dnsp_health_slot(const char *id)
{
	int s = dnsp_health_find(id);
	if (s >= 0)
		return s;
	if (nslots >= DNSP_HEALTH_MAX)
		return -ENOSPC;
	char *copy = strdup(id);
	if (!copy)
		return -ENOMEM;
	slot_ids[nslots] = copy;
	dnsp_health_set(&table, nslots, true);
	return (int)nslots++;
}
