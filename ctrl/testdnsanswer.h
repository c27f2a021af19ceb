/*
 * TestDNSAnswer (GET /2013-04-01/testdnsanswer, `dnsplanectl
 * test-dns-answer`): what the data plane would answer a resolver at
 * resolverip (with ECS edns0clientsubnetip/edns0clientsubnetmask) for a
 * record name and type of one hosted zone, computed by the data plane's own
 * code (dnsp_pipeline_answer_zone) on a synthesized query against the
 * serving snapshot. Answers in the Route 53 TestDNSAnswer response shape
 * {Nameserver, RecordName, RecordType, RecordData[], ResponseCode, Protocol}.
 *
 * Contract: API thread, daemon lock NOT held on entry. The snapshot is read
 * with d->lock held: every snapshot publication after start happens under
 * that lock (ctrl/daemon.c), so the snapshot cannot be retired while the
 * query runs even though the API thread is not an RCU reader.
 */
#ifndef DNSP_CTRL_TESTDNSANSWER_H
#define DNSP_CTRL_TESTDNSANSWER_H

#include <jansson.h>
#include "daemon.h"

struct dnsp_test_dns_query {
	const char *zone_id;        /* hostedzoneid (required; "/hostedzone/" prefix ok) */
	const char *record_name;    /* recordname (required) */
	const char *record_type;    /* recordtype (required) */
	const char *resolver_ip;    /* resolverip, or NULL: default_resolver */
	const char *ecs_ip;         /* edns0clientsubnetip, or NULL: no ECS */
	const char *ecs_mask;       /* edns0clientsubnetmask, or NULL: 24 (IPv4) / 64 (IPv6) */
	const char *default_resolver; /* address used when resolver_ip is NULL */
};

/*
 * Runs the test. Returns the HTTP status (200, 400 InvalidInput, 404
 * NoSuchHostedZone, 503 when nothing is serving yet) with *out a new JSON
 * reference (the answer or an AWS error object; NULL only without memory).
 */
int dnsp_test_dns_answer(struct dnsp_daemon *d, const struct dnsp_test_dns_query *tq,
			 json_t **out);

#endif
