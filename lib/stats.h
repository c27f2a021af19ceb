/*
 * Per-worker counters. Each worker owns one struct dnsp_stats and is its only
 * writer (plain increments, no atomics: a worker never shares a cache line of
 * it); the control thread sums all workers' structs when /metrics is read.
 * A torn 64-bit read cannot happen on the 64-bit targets we build for, and a
 * value one increment stale is fine for monitoring.
 */
#ifndef DNSP_STATS_H
#define DNSP_STATS_H

#include <stdint.h>

#define DNSP_STATS_LISTENERS 32 /* listener slots counted separately */
#define DNSP_STATS_QTYPES 16    /* see dnsp_stats_qtype_slot() */
#define DNSP_STATS_RCODES 17    /* 0..15, 16 = BADVERS */

struct dnsp_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_dropped;         /* unparseable, responses, listener unknown */
	uint64_t tx_errors;
	uint64_t punted;             /* handed to the slow path */
	uint64_t punt_failed;        /* punt ring full / no slow path: answered SERVFAIL */
	uint64_t cache_hits, cache_misses; /* resolver cache lookups on the fast path */
	uint64_t tcp_accepted, tcp_refused, tcp_closed_idle;
	uint64_t truncated;          /* UDP answers sent with TC */
	uint64_t coalesce_naps;      /* naps taken under server.rx_coalesce_us */
	uint64_t queries[DNSP_STATS_LISTENERS][DNSP_STATS_QTYPES];
	uint64_t queries_tcp[DNSP_STATS_LISTENERS];
	uint64_t rcodes[DNSP_STATS_RCODES];
} __attribute__((aligned(64)));

/* Slot of a qtype in queries[][]: common types get their own slot, the rest
 * share DNSP_STATS_QTYPES - 1. Names for slots: dnsp_stats_qtype_name(). */
static inline int dnsp_stats_qtype_slot(uint16_t qtype)
{
	switch (qtype) {
	case 1: return 0;   /* A */
	case 2: return 1;   /* NS */
	case 5: return 2;   /* CNAME */
	case 6: return 3;   /* SOA */
	case 12: return 4;  /* PTR */
	case 15: return 5;  /* MX */
	case 16: return 6;  /* TXT */
	case 28: return 7;  /* AAAA */
	case 33: return 8;  /* SRV */
	case 35: return 9;  /* NAPTR */
	case 43: return 10; /* DS */
	case 48: return 11; /* DNSKEY */
	case 65: return 12; /* HTTPS */
	case 255: return 13; /* ANY */
	case 257: return 14; /* CAA */
	default: return 15;
	}
}

static inline const char *dnsp_stats_qtype_name(int slot)
{
	static const char *const n[DNSP_STATS_QTYPES] = {
		"A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "AAAA", "SRV",
		"NAPTR", "DS", "DNSKEY", "HTTPS", "ANY", "CAA", "other" };
	return (slot >= 0 && slot < DNSP_STATS_QTYPES) ? n[slot] : "other";
}

#endif
