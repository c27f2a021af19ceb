/*
 * Configuration model of Route 53 Profiles (SEMANTICS §12, guide §8): the
 * `profiles` section (a Profile bundles private hosted zones, Resolver
 * rules and DNS Firewall rule groups) and the `profile_associations`
 * section (a Profile attached to a VPC, at most one per VPC).
 *
 *   profiles: [{Id, Name, Resources: [{ResourceArn, Priority, Name}]}]
 *   profile_associations: [{ProfileId, ResourceId, Name, EvaluationOrder,
 *                           DnssecValidation, FirewallFailOpen,
 *                           AutodefinedReverse}]
 *
 * ResourceArn is the Id of a private hosted zone, a Resolver rule or a
 * firewall rule group (an AWS ARN such as arn:aws:route53:::hostedzone/Z1
 * is accepted and read up to its last '/'). Priority (100..9900) is given
 * for firewall rule groups only (AssociateResourceToProfile's
 * ResourceProperties {"priority": N}). EvaluationOrder (dnsplane's own,
 * default VPC_FIRST) decides which side wins when the VPC and its Profile
 * both have a source for the very same name; the other toggles are
 * ENABLED | DISABLED | USE_LOCAL_RESOURCE_SETTING (the default: defer to
 * the VPC's own setting).
 *
 * Contract: loaded through dnsp_cfg_profiles_section and
 * dnsp_cfg_profile_assocs_section (ctrl/config_load.h); the model hangs
 * off struct dnsp_config.profiles (NULL when neither section is present)
 * and is owned by the config. After a successful load every resource
 * names an existing private zone, rule or firewall rule group, a profile
 * holds no two zones or two rules for one name, every association names
 * an existing profile and VPC, and no VPC has two associations. Control
 * thread only.
 */
#ifndef DNSP_CTRL_CONFIG_PROFILES_H
#define DNSP_CTRL_CONFIG_PROFILES_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"

enum dnsp_cfg_profile_res_kind {
	DNSP_PROFILE_RES_UNKNOWN = 0,
	DNSP_PROFILE_RES_ZONE,         /* a private hosted zone */
	DNSP_PROFILE_RES_RULE,         /* a Resolver rule (FORWARD, SYSTEM, DELEGATE) */
	DNSP_PROFILE_RES_FW_GROUP,     /* a DNS Firewall rule group */
};

struct dnsp_cfg_profile_res {
	int line;
	char *id;                      /* ResourceArn reduced to the resource Id */
	char *name;                    /* Name, or NULL */
	int priority;                  /* Priority (firewall groups), -1 unset or invalid */
	bool has_priority;             /* the Priority key is present */
	enum dnsp_cfg_profile_res_kind kind; /* resolved by the cross-check */
};

struct dnsp_cfg_profile {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id */
	char *name;                    /* Name */
	struct dnsp_cfg_profile_res *resources;
	size_t nresources;
};

enum dnsp_cfg_eval_order { DNSP_EVAL_VPC_FIRST = 0, DNSP_EVAL_PROFILE_FIRST = 1 };

/* Values of the per-association toggles. */
#define DNSP_TOGGLE_LOCAL (-1)         /* USE_LOCAL_RESOURCE_SETTING (default) */
#define DNSP_TOGGLE_DISABLED 0
#define DNSP_TOGGLE_ENABLED 1

struct dnsp_cfg_profile_assoc {
	struct dnsp_cfg_loc loc;
	char *profile_id;              /* ProfileId */
	char *vpc_id;                  /* ResourceId */
	char *name;                    /* Name, or NULL */
	int evaluation_order;          /* enum dnsp_cfg_eval_order */
	int dnssec_validation;         /* DNSP_TOGGLE_* */
	int fw_fail_open;              /* DNSP_TOGGLE_* */
	int autodefined_reverse;       /* DNSP_TOGGLE_* */
};

struct dnsp_cfg_profiles {
	struct dnsp_cfg_profile *profiles; size_t nprofiles;
	struct dnsp_cfg_profile_assoc *assocs; size_t nassocs;
};

extern const struct dnsp_cfg_section dnsp_cfg_profiles_section;
extern const struct dnsp_cfg_section dnsp_cfg_profile_assocs_section;

/* The profile with Id id, or NULL. */
const struct dnsp_cfg_profile *dnsp_cfg_profile_find(const struct dnsp_config *c, const char *id);

/* The association of VPC vpc_id (at most one), or NULL. */
const struct dnsp_cfg_profile_assoc *dnsp_cfg_profile_assoc_of(const struct dnsp_config *c,
								const char *vpc_id);

/* The profile associated with VPC vpc_id, or NULL. */
const struct dnsp_cfg_profile *dnsp_cfg_profile_of_vpc(const struct dnsp_config *c,
						       const char *vpc_id);

/*
 * For the DNS Firewall compiler: the firewall rule groups that VPC vpc_id
 * gets from its Profile, with their priorities (100..9900, evaluated lowest
 * first together with the VPC's own associations). Fills up to cap entries
 * of ids[] (pointers into the config) and priorities[], and returns the
 * number of groups the profile has (which may exceed cap); 0 when the VPC
 * has no profile.
 */
size_t dnsp_cfg_profile_fw_groups(const struct dnsp_config *c, const char *vpc_id,
				  const char **ids, int *priorities, size_t cap);

/*
 * FirewallFailOpen as the Profile sets it for vpc_id: DNSP_TOGGLE_ENABLED
 * or DNSP_TOGGLE_DISABLED, or DNSP_TOGGLE_LOCAL when the VPC has no
 * profile or the association defers (USE_LOCAL_RESOURCE_SETTING). The
 * firewall compiler applies it where the VPC's own firewall config sets
 * nothing (SPEC §3 "VPCs": the VPC's own setting comes first).
 */
int dnsp_cfg_profile_fw_fail_open(const struct dnsp_config *c, const char *vpc_id);

#endif
