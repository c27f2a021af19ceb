/*
 * Route 53 JSON shapes for the control API: ResourceRecordSet <-> struct
 * dnsp_cfg_rrset (SEMANTICS §16, field names verbatim), and the AWS error
 * body {"Error":{"Type","Code","Message"}} every API error uses.
 *
 * Contract: pure conversions on caller objects, control-plane threads only
 * (jansson objects are not shared between threads). JSON read from a client
 * is checked as strictly as the config loader checks YAML: unknown fields,
 * wrong JSON types, out-of-range numbers and contradictory fields are each
 * reported as one plain message (AWS CLI parameter-validation wording,
 * naming the field by its JSON path), and the set is rejected. Checks that
 * need the whole zone (CNAME beside other data, duplicate SetIdentifier,
 * rdata syntax, names outside the zone) are left to dnsp_config_check_zone.
 */
#ifndef DNSP_CTRL_RRJSON_H
#define DNSP_CTRL_RRJSON_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "config.h"

/* Longest ResourceRecords[].Value Route 53 accepts. */
#define DNSP_RRJSON_VALUE_MAX 4000
/* Longest Name / DNSName text Route 53 accepts. */
#define DNSP_RRJSON_NAME_MAX 1024

/* True for the record types the Route 53 API accepts in a ResourceRecordSet
 * (SOA A TXT NS CNAME MX NAPTR PTR SRV SPF AAAA CAA DS TLSA SSHFP SVCB HTTPS). */
bool dnsp_rrjson_type_allowed(uint16_t type);

/*
 * Renders rs as a Route 53 ResourceRecordSet object, members in the API
 * model's order; a "*" label is written "\052" as Route 53 lists it.
 * Returns a new reference (caller json_decref()s) or NULL when out of memory.
 */
json_t *dnsp_rrjson_from_rrset(const struct dnsp_cfg_rrset *rs);

/*
 * Parses a ResourceRecordSet object into *out (caller memory; overwritten).
 * path names obj in messages, e.g. "ChangeBatch.Changes[0].ResourceRecordSet".
 * The name gets its trailing dot, "\052" becomes "*", the policy is derived
 * from the routing field present, loc is set to {loc_file, loc_line}
 * (loc_file must outlive the set: a string literal or pool string).
 * Returns 0 (caller owns *out: dnsp_cfg_rrset_fini), DNSP_ESYNTAX with one
 * message per problem appended to errs (*out is then empty), or -ENOMEM.
 */
int dnsp_rrjson_to_rrset(const json_t *obj, const char *path, const char *loc_file,
			 int loc_line, struct dnsp_cfg_rrset *out,
			 struct dnsp_errlist *errs) DNSP_WUR;

/*
 * Appends a message to errs as it is, without the "file:line: key:" prefix
 * dnsp_errlist_add() writes (API errors are not about a file). Out of memory
 * drops the message (errs->n still grows by nothing; callers check n).
 */
void dnsp_errlist_add_plain(struct dnsp_errlist *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Builds {"Error":{"Type":type,"Code":code,"Message":message}}; type is
 * "Sender" for client errors and "Receiver" for server faults. New reference
 * or NULL when out of memory.
 */
json_t *dnsp_aws_error(const char *type, const char *code, const char *message);

/*
 * Same, with the message made from errs. bracketed: Route 53's list form,
 * "[m1, m2, ...]", which InvalidChangeBatch uses even for one message;
 * otherwise the messages joined by newlines. The raw messages are also
 * given as "Messages":[...] beside "Message". fallback is the message when
 * errs is empty.
 */
json_t *dnsp_aws_error_list(const char *type, const char *code,
			    const struct dnsp_errlist *errs, bool bracketed,
			    const char *fallback);

#endif
