/*
 * DNS Firewall step of the snapshot compiler: the `firewall` section (and
 * the rule groups Profiles bring) compiled into one lib/firewall.h table
 * per VPC, and the firewall metrics that outlive snapshots.
 *
 * Contract: dnsp_compile_firewall() runs on the control thread inside
 * dnsp_compile(), after the VPCs are compiled; it sets firewall and
 * fw_fail_open of every VPC of s that has at least one rule-group
 * association (VPCs without one are not subject to the firewall,
 * SEMANTICS §13), allocates the per-worker match counters in s's arena and
 * registers a cleanup that folds s's counts into process-wide totals when s
 * is destroyed, so counters survive reloads. VPCs with the same ordered
 * rule groups share one compiled table. Setting DNSPLANE_FIREWALL_FAULT=1
 * in the environment compiles tables that cannot evaluate (tests of the
 * fail modes).
 */
#ifndef DNSP_CTRL_COMPILE_FIREWALL_H
#define DNSP_CTRL_COMPILE_FIREWALL_H

#include <stdint.h>
#include "config.h"
#include "../lib/snapshot.h"

/* Returns 0, or a negative code with errs filled ("file:line: key: ..."). */
int dnsp_compile_firewall(const struct dnsp_config *cfg, struct dnsp_snapshot *s,
			  struct dnsp_errlist *errs) DNSP_WUR;

/* One series of dnsplane_firewall_matches_total. */
typedef void (*dnsp_fw_metric_fn)(void *ctx, const char *rule_group, const char *rule,
				  const char *action, uint64_t value);

/*
 * Reports every firewall match series: the totals of destroyed snapshots
 * plus the live counts of s (NULL: none), summed per (rule group, rule,
 * action); fails[0] / fails[1] receive the evaluations that failed open /
 * closed. The caller keeps s alive (the daemon lock: publish and destroy
 * happen under it). Any control-plane thread.
 */
void dnsp_firewall_metrics(const struct dnsp_snapshot *s, dnsp_fw_metric_fn fn, void *ctx,
			   uint64_t fails[2]);

#endif
