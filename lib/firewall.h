/*
 * The DNS Firewall of one VPC, compiled: every rule of every rule group
 * associated with the VPC, in evaluation order (association priority, then
 * rule priority, lowest first; SEMANTICS §13), and one name table that maps
 * each domain-list entry to the rules listing it, so a query is decided by
 * one pass over the labels of its name.
 *
 * Matching (SPEC §3 "Firewall"): case-insensitive on the query name;
 * "example.com" matches that name only; "*.example.com" matches every name
 * strictly below example.com, not example.com itself; "*" matches every
 * name. The deciding rule is the first one in evaluation order that matches
 * the name (and its Qtype filter, when it has one); its action ends
 * inspection, ALERT included (SEMANTICS §13: "ALLOW and ALERT stop
 * inspecting"). The CNAME/DNAME targets of an answer are then matched the
 * same way by the rules that inspect redirections
 * (FirewallDomainRedirectionAction, dnsp_fw_apply_chain).
 *
 * Why a name table and not a Hyperscan database: every entry is a whole
 * name or a whole-label suffix, so a query needs one probe per label of its
 * name; measured with Hyperscan 5.4 on 1,000,000 entries
 * (bench/bench_firewall.cpp, README "DNS Firewall"), literal databases took
 * over a minute and 2 GB to compile and microseconds per matching scan,
 * against under a second, ~60 MB and tens of nanoseconds for a name that
 * is not listed (a listed one costs two dependent memory reads). A Bloom filter
 * of 16 bits per key (one 64-bit word per key, so one cache line per probe)
 * sits in front of the table: a name that is not listed usually costs a
 * few cache-resident word reads instead of a memory access per label.
 *
 * Contract: built on the control thread with the builder (malloc scratch),
 * compiled into a snapshot arena; the result is immutable and read by any
 * number of workers without locks or allocation. The per-worker counters
 * (struct dnsp_fw_counters) are the one writable part: worker w writes row
 * w only, the control plane sums rows when it renders metrics.
 */
#ifndef DNSP_FIREWALL_H
#define DNSP_FIREWALL_H

#include <stdbool.h>
#include <stdint.h>
#include "arena.h"
#include "error.h"
#include "pipeline.h"
#include "wire/pkt.h"

enum dnsp_fw_action { DNSP_FW_NONE = 0, DNSP_FW_ALLOW = 1, DNSP_FW_BLOCK = 2, DNSP_FW_ALERT = 3 };
enum dnsp_fw_block {
	DNSP_FW_BLOCK_NODATA = 0, DNSP_FW_BLOCK_NXDOMAIN = 1, DNSP_FW_BLOCK_OVERRIDE = 2,
};
/* DnsThreatProtection (DNS Firewall Advanced): a heuristic rule instead of
 * a domain list. */
enum dnsp_fw_threat { DNSP_FW_THREAT_NONE = 0, DNSP_FW_THREAT_DGA = 1, DNSP_FW_THREAT_TUNNELING = 2 };
enum dnsp_fw_confidence { DNSP_FW_CONF_LOW = 0, DNSP_FW_CONF_MEDIUM = 1, DNSP_FW_CONF_HIGH = 2 };
/* FirewallDomainRedirectionAction (SEMANTICS §13): whether the rule also
 * inspects the names a CNAME/DNAME chain of the answer leads to. */
enum dnsp_fw_redirection { DNSP_FW_REDIRECT_INSPECT = 0, DNSP_FW_REDIRECT_TRUST = 1 };

/* "ALLOW", "BLOCK", "ALERT" (NULL for DNSP_FW_NONE). */
const char *dnsp_fw_action_name(uint8_t action);

/* One rule in evaluation order. Strings and names live in the arena. */
struct dnsp_fw_rule {
	uint8_t action;                /* enum dnsp_fw_action */
	uint8_t block;                 /* enum dnsp_fw_block (BLOCK only) */
	uint8_t threat;                /* enum dnsp_fw_threat: heuristic rule when set */
	uint8_t confidence;            /* enum dnsp_fw_confidence (threat rules) */
	uint16_t qtype;                /* Qtype filter, 0: every type */
	uint8_t redirection;           /* enum dnsp_fw_redirection */
	uint32_t override_ttl;         /* BlockOverrideTtl */
	const uint8_t *override_name;  /* BlockOverrideDomain, wire form (OVERRIDE) */
	uint32_t counter;              /* slot of this rule in the counters */
	const char *group_id;          /* FirewallRuleGroupId */
	const char *name;              /* rule Name */
	const char *list_id;           /* FirewallDomainListId, NULL for threat rules */
};

/*
 * Match counters shared by every firewall of one snapshot: nworkers rows of
 * stride uint64_t each, every row starting on its own cache line (stride is
 * a multiple of 8), so workers never share a line. Slot 0 and 1 count
 * evaluations that failed and passed (fail open) or got SERVFAIL (fail
 * closed); rule slots follow.
 */
struct dnsp_fw_counters {
	uint32_t nworkers;
	uint32_t nslots;
	uint32_t stride;
	uint64_t *rows;
};
#define DNSP_FW_SLOT_FAIL_OPEN 0
#define DNSP_FW_SLOT_FAIL_CLOSED 1
#define DNSP_FW_SLOT_RULES 2

/* Allocates counters for nworkers (>= 1) and nslots in arena. 0 or -ENOMEM. */
int dnsp_fw_counters_create(dnsp_arena_t *arena, uint32_t nworkers, uint32_t nslots,
			    struct dnsp_fw_counters **out) DNSP_WUR;

/* Sum of one slot over all workers (control plane; a value may be one
 * increment stale, as for struct dnsp_stats). */
uint64_t dnsp_fw_counters_sum(const struct dnsp_fw_counters *c, uint32_t slot);

/* One slot of the name table (private to firewall.c, public for sizing). */
struct dnsp_fw_slot {
	uint32_t hash;   /* low bits of the key's hash */
	uint32_t name;   /* offset of the key in names; UINT32_MAX: empty */
	uint32_t exact;  /* rules listing the name itself (see firewall.c) */
	uint32_t wild;   /* rules listing "*." + the name */
};

struct dnsp_fw {
	const struct dnsp_fw_rule *rules;  /* evaluation order */
	uint32_t nrules;
	bool ready;                        /* false: cannot evaluate (fail mode applies) */
	uint32_t nkeys;                    /* distinct names in the table */
	uint32_t mask;                     /* slots - 1 */
	const struct dnsp_fw_slot *slots;
	const uint8_t *names;              /* keys: length byte, then the wire name */
	const uint32_t *lists;             /* rule lists of names listed by several rules */
	const uint64_t *bloom;             /* one-word blocked Bloom filter of the keys */
	uint32_t bloom_mask;               /* words - 1 */
	uint64_t exact_labels[2];          /* bit n: some exact key has n labels */
	uint64_t wild_labels[2];           /* bit n: some wildcard key has n labels */
	const uint32_t *threat_rules;      /* heuristic rules, ascending */
	uint32_t nthreat;
	const float *nlog2n;               /* n * log2(n) for n = 0..255 (heuristics) */
	bool inspect_chain;                /* some rule inspects redirection targets */
	struct dnsp_fw_counters *counters; /* shared by the snapshot, or NULL */
	uint64_t nentries;                 /* domain entries compiled (with repeats) */
	size_t bytes;                      /* arena bytes of the compiled table */
};

/* ---- building (control thread) ---- */

typedef struct dnsp_fw_builder dnsp_fw_builder_t;

int dnsp_fw_builder_create(dnsp_fw_builder_t **out) DNSP_WUR;
void dnsp_fw_builder_destroy(dnsp_fw_builder_t *b);

/* Appends a rule; evaluation order is the order of calls. Strings and the
 * override name are copied (the caller keeps its own). Returns the rule index or
 * -ENOMEM / -EINVAL (OVERRIDE without a name, bad enums). */
int dnsp_fw_builder_add_rule(dnsp_fw_builder_t *b, const struct dnsp_fw_rule *rule) DNSP_WUR;

/* Adds one domain-list entry in normal form (lib/domainlist.h: "*",
 * "*.name" or "name", lowercase, no trailing dot) to rule (an index
 * returned by add_rule, not a threat rule). Returns 0, DNSP_ESYNTAX for an
 * entry that is not in normal form, -EINVAL, or -ENOMEM. */
int dnsp_fw_builder_add_domain(dnsp_fw_builder_t *b, uint32_t rule, const char *entry,
			       size_t len) DNSP_WUR;

/*
 * Compiles into arena. counters may be NULL (nothing counted). ready=false
 * compiles a firewall that cannot evaluate (fault injection for tests:
 * every query takes the fail mode). Returns 0 or -ENOMEM. The builder may
 * be destroyed afterwards.
 */
int dnsp_fw_compile(dnsp_fw_builder_t *b, struct dnsp_fw_counters *counters, bool ready,
		    dnsp_arena_t *arena, const struct dnsp_fw **out) DNSP_WUR;

/* ---- evaluation (any thread) ---- */

#define DNSP_FW_NOMATCH (-1)
#define DNSP_FW_EFAIL (-2)

/*
 * The deciding rule for (qname, qtype): its index in fw->rules,
 * DNSP_FW_NOMATCH, or DNSP_FW_EFAIL when fw cannot evaluate. qname is a
 * lowercase wire name (struct dnsp_query.qname).
 */
int dnsp_fw_match(const struct dnsp_fw *fw, const uint8_t *qname, uint16_t qtype);

/*
 * Heuristic score of qname for a threat kind (DGA or DNS tunnelling),
 * 0..DNSP_FW_SCORE_MAX; a rule with confidence c matches when the score
 * reaches dnsp_fw_threat_threshold(kind, c). nlog2n is fw->nlog2n (or a
 * table from dnsp_fw_nlog2n_fill).
 */
#define DNSP_FW_SCORE_MAX 8
int dnsp_fw_threat_score(const uint8_t *qname, uint8_t kind, const float *nlog2n);
int dnsp_fw_threat_threshold(uint8_t kind, uint8_t confidence);
void dnsp_fw_nlog2n_fill(float table[256]);

#define DNSP_FW_PASS (-1)

/*
 * The pipeline step for a query of a VPC with a firewall: decides, counts
 * into row `worker` (no count when worker >= counters' nworkers), records
 * the decision in *d, and either lets the query through (returns
 * DNSP_FW_PASS: no match, ALLOW, ALERT, or a failed evaluation with
 * fail_open) or builds the answer into r and returns its rcode (BLOCK:
 * NOERROR with no records for NODATA, NXDOMAIN, or NOERROR with the
 * OVERRIDE CNAME; SERVFAIL for a failed evaluation without fail_open).
 * The caller finishes r. No allocation, no locks.
 */
int dnsp_fw_apply(const struct dnsp_fw *fw, bool fail_open, const struct dnsp_query *q,
		  struct dnsp_resp *r, uint32_t worker, struct dnsp_decision *d);

/*
 * The redirection step (SEMANTICS §13 FirewallDomainRedirectionAction), for
 * an answer built into r for q after dnsp_fw_apply let q through: every
 * CNAME and DNAME target in the answer section is matched against the
 * rules whose setting is INSPECT_REDIRECTION_DOMAIN (TRUST rules are
 * skipped), with q's qtype; nothing is inspected when the query name's
 * deciding rule is an ALLOW that trusts its redirections. The first rule
 * matching a target decides for that name: ALLOW and ALERT go on with the
 * next target (ALERT recorded in *d unless *d already holds an ALERT);
 * BLOCK replaces r's content with the rule's block response, records the
 * rule in *d and returns its rcode. Every match is counted in row worker.
 * Returns DNSP_FW_PASS otherwise (no target, no match, fw not ready: the
 * query name's step already applied the fail mode). The caller finishes r
 * (ECS scope 0 after a block). No allocation, no locks.
 */
int dnsp_fw_apply_chain(const struct dnsp_fw *fw, const struct dnsp_query *q,
			struct dnsp_resp *r, uint32_t worker, struct dnsp_decision *d);

/*
 * Whether dnsp_fw_apply_chain would block the answer in r: the same walk,
 * with nothing counted, recorded or written. For an answer whose matches
 * are counted elsewhere (the fast path's local part of a chain that the
 * slow path answers and inspects again in full).
 */
bool dnsp_fw_chain_blocks(const struct dnsp_fw *fw, const struct dnsp_query *q,
			  const struct dnsp_resp *r);

#endif
