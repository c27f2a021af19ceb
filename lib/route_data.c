/*
 * Lookups over the compiled routing data that need more than one LPM probe.
 *
 * IP-based routing matches a block only when the query prefix is at least as
 * long as the block (SEMANTICS §8: a /32 query does not match a /48 block),
 * which a plain longest-prefix match cannot express: the longest block that
 * contains the address may be too long, and then the answer is the longest
 * *enclosing* block that is short enough. The compiler records, for every
 * block, its closest enclosing block (the parent), so the walk from the LPM
 * hit up the parent chain is bounded by the nesting depth of the collection
 * (at most 24 steps for IPv4 blocks /1-/24, 48 for IPv6 /1-/48) and usually
 * zero steps (an ECS /24 or a full address is longer than every block).
 */
#include "route_data.h"

#include <string.h>

uint32_t dnsp_cidr_lookup(const struct dnsp_cidr_collection *c, int family, const uint8_t *addr,
			  int qplen, int *plen)
{
	int hit = 0;
	uint32_t b;

	if (plen)
		*plen = 0;
	if (!c || !c->block_lpm)
		return DNSP_LPM_NONE;
	b = dnsp_lpm_lookup(c->block_lpm, family, addr, &hit);
	/* Each step moves to a strictly shorter block, so nblocks bounds the
	 * walk even if the table were inconsistent. */
	for (uint32_t steps = 0; b < c->nblocks && steps <= c->nblocks; steps++) {
		const struct dnsp_cidr_block *blk = &c->blocks[b];

		if (blk->plen <= qplen) {
			if (blk->location >= c->nlocations)
				return DNSP_LPM_NONE;
			if (plen)
				*plen = blk->plen;
			return blk->location;
		}
		b = blk->parent;
	}
	return DNSP_LPM_NONE;
}

const struct dnsp_cidr_collection *dnsp_cidr_collection_find(const struct dnsp_route_data *rd,
							      const char *id)
{
	if (!rd || !id)
		return NULL;
	for (uint32_t i = 0; i < rd->ncollections; i++)
		if (rd->collections[i].id && strcmp(rd->collections[i].id, id) == 0)
			return &rd->collections[i];
	return NULL;
}
