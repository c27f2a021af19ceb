/*
 * DNS Firewall routes of the control API. Route 53 Resolver has a JSON-RPC
 * API rather than REST paths, so the paths are dnsplane's own; request and
 * response bodies use the Route 53 Resolver shapes and names
 * (ListFirewallDomainLists, GetFirewallDomainList, ListFirewallDomains,
 * UpdateFirewallDomains, ImportFirewallDomains; SEMANTICS §13, §18):
 *
 *   GET  /v1/firewall/domain-lists                     ListFirewallDomainLists
 *   GET  /v1/firewall/domain-lists/{Id}                GetFirewallDomainList
 *   GET  /v1/firewall/domain-lists/{Id}/domains        ListFirewallDomains
 *        ?maxresults=N&nexttoken=T                     (pages of <= 5000)
 *   POST /v1/firewall/domain-lists/{Id}/domains        UpdateFirewallDomains
 *        {"Operation":"ADD|REMOVE|REPLACE","Domains":[...]}     (<= 1000)
 *   POST /v1/firewall/domain-lists/{Id}/import         ImportFirewallDomains
 *        {"Operation":"ADD|REMOVE|REPLACE","DomainFileUrl":"file:///path"}
 *        (a file inside server.import_dir; refused when that is unset)
 *
 * A change edits the list in the running configuration and publishes a new
 * snapshot under the daemon lock, all or nothing (a bad domain, an
 * unreadable file or a failed compile leaves list and snapshot as they
 * were); like change batches, it lives in memory until the next reload
 * from the file. Status is COMPLETE when the call returns: the change is
 * already in force.
 *
 * Contract: called from the API thread with the daemon lock NOT held.
 */
#ifndef DNSP_CTRL_FIREWALL_API_H
#define DNSP_CTRL_FIREWALL_API_H

#include <stddef.h>
#include <jansson.h>
#include "daemon.h"

/*
 * Serves method on path if path is a firewall route. Returns 0 when it is
 * not one (nothing set); otherwise the HTTP status, with *out a new JSON
 * reference (a response or an AWS error object; NULL only when out of
 * memory) and *allow the Allow header for a 405 (else NULL). max_results
 * and next_token are the query arguments (NULL when absent).
 */
int dnsp_firewall_api(struct dnsp_daemon *d, const char *method, const char *path,
		      const char *body, size_t len, const char *max_results,
		      const char *next_token, json_t **out, const char **allow);

#endif
