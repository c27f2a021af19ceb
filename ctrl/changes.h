/*
 * ChangeResourceRecordSets: applies a Route 53 ChangeBatch to one hosted
 * zone of the running configuration, all or nothing, and publishes it.
 *
 * Contract: callable from any control-plane thread (the API thread in
 * practice); dnsp_changes_apply() takes d->lock itself, so the caller must
 * not hold it. The batch is parsed outside the lock; the zone's record sets
 * are edited as a deep copy, checked with dnsp_config_check_zone() and
 * published with dnsp_daemon_publish_locked() under the lock, and the copy
 * replaces the zone's array only when all of that succeeds. The zone's
 * rrsets array is assumed to be malloc'd, with each element's contents
 * released by dnsp_cfg_rrset_fini() (as dnsp_config_destroy() does).
 */
#ifndef DNSP_CTRL_CHANGES_H
#define DNSP_CTRL_CHANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <jansson.h>
#include "daemon.h"
#include "../lib/wire/name.h"

/* At most this many Change elements in one batch (Route 53's limit). */
#define DNSP_CHANGES_MAX 1000

/*
 * Applies request to the hosted zone zone_id ("Z1PUBLIC" or
 * "/hostedzone/Z1PUBLIC"). request is a ChangeBatch object
 * ({"Comment"?, "Changes":[...]}) or a request body wrapping one
 * ({"HostedZoneId"?, "ChangeBatch":{...}}).
 * Always sets *body to a new JSON reference for the HTTP response, which is
 * {"ChangeInfo":{"Id","Status":"INSYNC","SubmittedAt","Comment"?}} on
 * success or an AWS error object. Returns the HTTP status:
 * 200; 400 InvalidInput (malformed batch or record set), 400
 * InvalidChangeBatch (a change conflicts with the zone, the zone check or
 * the compile failed); 404 NoSuchHostedZone; 500 InternalFailure (out of
 * memory, or publishing failed without a reason). If *body is NULL on
 * return the process is out of memory (status 500).
 */
int dnsp_changes_apply(struct dnsp_daemon *d, const char *zone_id, const json_t *request,
		       json_t **body);

/*
 * The apex SOA and NS sets Route 53 creates with a zone, for those z does
 * not have (the compiler serves the same defaults): writes 0..2 sets to out
 * (caller dnsp_cfg_rrset_fini()s each). Returns the count or -ENOMEM.
 */
int dnsp_zone_generated_sets(const struct dnsp_cfg_zone *z, struct dnsp_cfg_rrset out[2]);

/* zone id without a leading "/hostedzone/" (returns a pointer into id). */
const char *dnsp_zone_id_strip(const char *id);

/* Wire form of a record set name (trailing dot optional, "\052" or "*").
 * Returns the wire length or a negative code when it is not a name. */
int dnsp_rrset_name_wire(const char *text, uint8_t out[DNSP_NAME_MAX]);

/* True when the two names (absolute or not, any case, "\052" or "*") are
 * the same domain name. */
bool dnsp_rrset_name_equal(const char *a, const char *b);

/* Writes t as ISO 8601 UTC with milliseconds ("2024-05-01T12:00:00.000Z"). */
void dnsp_iso8601(const struct timespec *t, char buf[32]);

#endif
