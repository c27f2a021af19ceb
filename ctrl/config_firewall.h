/*
 * Configuration model of the `firewall` section (SPEC §3, SEMANTICS §13,
 * §18): Route 53 Resolver DNS Firewall objects with their AWS field names.
 *
 *   firewall:
 *     domain_lists: [{Id, Name, Domains: [...], DomainFile, DomainFileFormat}]
 *     rule_groups: [{Id, Name, FirewallRules: [{Name, Priority, Action,
 *         FirewallDomainListId | DnsThreatProtection + ConfidenceThreshold,
 *         BlockResponse, BlockOverrideDomain, BlockOverrideDnsType,
 *         BlockOverrideTtl, Qtype, FirewallDomainRedirectionAction}]}]
 *     rule_group_associations: [{FirewallRuleGroupId, VpcId, Priority, Name,
 *                                MutationProtection}]
 *     configs: [{ResourceId, FirewallFailOpen}]
 *
 * DomainFile (dnsplane's own) names a file read at load time: one domain
 * per line, a hosts file or an RPZ zone file (detected, or forced with
 * DomainFileFormat: plain | hosts | rpz). Its entries and the inline
 * Domains are checked against the AWS domain syntax (lib/domainlist.h),
 * normalised (lowercase, no trailing dot) and deduplicated.
 *
 * Contract: loaded through dnsp_cfg_firewall_section (ctrl/config_load.h);
 * the model hangs off struct dnsp_config.firewall (NULL when the section is
 * absent) and is owned by the config. After a successful load every rule
 * names an existing list (or is a heuristic rule), every association an
 * existing group and VPC with a priority unique for that VPC, every config
 * an existing VPC, and every firewall rule group a Profile brings exists.
 * Control thread only (the API thread under the daemon lock).
 */
#ifndef DNSP_CTRL_CONFIG_FIREWALL_H
#define DNSP_CTRL_CONFIG_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "../lib/domainlist.h"

/* A set of normalised entries: NUL-terminated strings packed in blob,
 * offs[i] the start of entry i, in insertion order, no duplicates. */
struct dnsp_cfg_fw_domains {
	char *blob;
	size_t len, cap;
	uint32_t *offs;
	size_t n, cap_offs;
	uint32_t *index;       /* private: dedupe index while adding (NULL after seal) */
	size_t index_mask;
};

/* Appends one entry in normal form unless present. 1 added, 0 present,
 * -ENOMEM. */
int dnsp_cfg_fw_domains_add(struct dnsp_cfg_fw_domains *d, const char *entry, size_t len)
	DNSP_WUR;
/* True when the set holds entry (builds the index if needed). */
bool dnsp_cfg_fw_domains_has(struct dnsp_cfg_fw_domains *d, const char *entry, size_t len);
/* Frees the dedupe index (the set stays usable; add rebuilds it). */
void dnsp_cfg_fw_domains_seal(struct dnsp_cfg_fw_domains *d);
void dnsp_cfg_fw_domains_fini(struct dnsp_cfg_fw_domains *d);
static inline const char *dnsp_cfg_fw_domain(const struct dnsp_cfg_fw_domains *d, size_t i)
{
	return d->blob + d->offs[i];
}

/*
 * Reads a domain file (format fmt, DNSP_DL_AUTO detects) into out (entries
 * added to what it holds). Problems go to errs as "PATH:LINE: key: list
 * LIST_ID: 'entry': reason" (at most 20 lines, then a count). Returns the
 * entries read (>= 0), DNSP_ECONFIG when the file had bad lines, or -errno
 * when it cannot be read (reported).
 */
int dnsp_cfg_fw_read_domain_file(const char *path, enum dnsp_dl_format fmt, const char *key,
				 const char *list_id, struct dnsp_cfg_fw_domains *out,
				 struct dnsp_errlist *errs);

struct dnsp_cfg_fw_list {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id */
	char *name;                    /* Name (default: the Id) */
	char *domain_file;             /* DomainFile, resolved path, or NULL */
	enum dnsp_dl_format file_format; /* DomainFileFormat (default auto) */
	struct dnsp_cfg_fw_domains domains; /* Domains and the file's entries */
};

enum dnsp_cfg_fw_redirection { DNSP_FW_INSPECT_REDIRECTION = 0, DNSP_FW_TRUST_REDIRECTION = 1 };

struct dnsp_cfg_fw_rule {
	struct dnsp_cfg_loc loc;
	char *name;                    /* Name */
	int64_t priority;              /* Priority (unique in the group) */
	uint8_t action;                /* enum dnsp_fw_action */
	uint8_t block;                 /* enum dnsp_fw_block, BLOCK only */
	char *list_id;                 /* FirewallDomainListId, or NULL */
	char *override_domain;         /* BlockOverrideDomain (absolute, trailing dot) */
	uint32_t override_ttl;         /* BlockOverrideTtl, default 0 */
	uint16_t qtype;                /* Qtype, 0: every type */
	int redirection;               /* FirewallDomainRedirectionAction */
	uint8_t threat;                /* DnsThreatProtection: enum dnsp_fw_threat */
	uint8_t confidence;            /* ConfidenceThreshold: enum dnsp_fw_confidence */
};

struct dnsp_cfg_fw_group {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id */
	char *name;                    /* Name (default: the Id) */
	struct dnsp_cfg_fw_rule *rules; size_t nrules;
};

struct dnsp_cfg_fw_assoc {
	struct dnsp_cfg_loc loc;
	char *group_id;                /* FirewallRuleGroupId */
	char *vpc_id;                  /* VpcId */
	int priority;                  /* Priority 100..9900 */
	char *name;                    /* Name, or NULL */
	bool mutation_protection;      /* MutationProtection ENABLED */
};

struct dnsp_cfg_fw_vpcconf {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id (optional, echoed) */
	char *resource_id;             /* ResourceId: a VpcId */
	int fail_open;                 /* FirewallFailOpen: 1 ENABLED, 0 DISABLED,
					  -1 USE_LOCAL_RESOURCE_SETTING */
};

struct dnsp_cfg_firewall {
	struct dnsp_cfg_fw_list *lists; size_t nlists;
	struct dnsp_cfg_fw_group *groups; size_t ngroups;
	struct dnsp_cfg_fw_assoc *assocs; size_t nassocs;
	struct dnsp_cfg_fw_vpcconf *configs; size_t nconfigs;
};

extern const struct dnsp_cfg_section dnsp_cfg_firewall_section;

struct dnsp_cfg_fw_list *dnsp_cfg_fw_list_find(const struct dnsp_config *c, const char *id);
const struct dnsp_cfg_fw_group *dnsp_cfg_fw_group_find(const struct dnsp_config *c,
						       const char *id);

/*
 * FirewallFailOpen in force for VPC vpc_id: the VPC's own `configs` entry
 * (ENABLED/DISABLED), else what its Profile association sets, else
 * DISABLED (fail closed). Returns true for fail open.
 */
bool dnsp_cfg_fw_fail_open(const struct dnsp_config *c, const char *vpc_id);

#endif
