/*
 * Fuzz target for the DNS Firewall domain-list parser (lib/domainlist.c)
 * and, through its entries, the firewall table (lib/firewall.c). The input
 * is parsed in each format (detected, plain, hosts, RPZ with $INCLUDE
 * refused). Every entry delivered must be in normal form (normalising it
 * again gives the same text) and be accepted by the firewall builder; the
 * compiled table must then match every exact entry and a name below every
 * wildcard entry, with the rule that listed it. Any violation aborts so the
 * fuzzer keeps the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/domainlist.h"
#include "lib/firewall.h"
#include "lib/wire/name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 512

/* One builder for the four formats: rule k holds the entries format k
 * delivered, so a compiled match for one of them is a rule <= k (an
 * earlier format may list the same entry). One arena per input: its first
 * chunk is the main cost of a run. */
struct run {
	dnsp_fw_builder_t *b;
	uint32_t rule;
	char entries[4 * MAX_ENTRIES][DNSP_DOMAIN_TEXT_MAX + 1];
	uint32_t rule_of[4 * MAX_ENTRIES];
	size_t n, per_rule;
};

static int on_entry(void *ctx, const char *d, size_t len, int line)
{
	struct run *r = ctx;
	char again[DNSP_DOMAIN_TEXT_MAX + 1];
	const char *why = NULL;
	if (line < 1 || len == 0 || len > DNSP_DOMAIN_TEXT_MAX || strlen(d) != len) {
		fprintf(stderr, "bad entry delivery (line %d, len %zu)\n", line, len);
		abort();
	}
	int n = dnsp_domain_normalize(d, len, again, &why);
	if (n != (int)len || memcmp(again, d, len) != 0) {
		fprintf(stderr, "entry \"%s\" is not in normal form (%s)\n", d, why ? why : "");
		abort();
	}
	if (r->per_rule >= MAX_ENTRIES)
		return 0;
	int rc = dnsp_fw_builder_add_domain(r->b, r->rule, d, len);
	if (rc != 0) {
		fprintf(stderr, "builder refused normal entry \"%s\": %d\n", d, rc);
		abort();
	}
	memcpy(r->entries[r->n], d, len + 1);
	r->rule_of[r->n++] = r->rule;
	r->per_rule++;
	return 0;
}

static void on_error(void *ctx, int line, const char *entry, size_t len, const char *msg)
{
	(void)ctx;
	(void)entry;
	(void)len;
	if (line < 1 || !msg) {
		fprintf(stderr, "bad error report (line %d)\n", line);
		abort();
	}
}

/* The deciding rule for text name (normal form, "*." prefix replaced by a
 * label so the name lies below the wildcard). */
static int match_text(const struct dnsp_fw *fw, const char *e)
{
	char name[DNSP_DOMAIN_TEXT_MAX + 8];
	uint8_t w[DNSP_NAME_MAX];
	if (strcmp(e, "*") == 0)
		snprintf(name, sizeof(name), "anything.example.");
	else if (e[0] == '*')
		snprintf(name, sizeof(name), "x%s.", e + 1);
	else
		snprintf(name, sizeof(name), "%s.", e);
	if (dnsp_name_from_text(name, strlen(name), NULL, w) < 0)
		return -100; /* "x." + 253 characters can exceed a name: skip */
	return dnsp_fw_match(fw, w, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dnsp_dl_format formats[4] = { DNSP_DL_AUTO, DNSP_DL_PLAIN,
		DNSP_DL_HOSTS, DNSP_DL_RPZ };
	static struct run r;
	dnsp_arena_t *arena = NULL;
	if (dnsp_arena_create(&arena) < 0 || dnsp_fw_builder_create(&r.b) < 0)
		abort();
	r.n = 0;
	for (uint32_t k = 0; k < 4; k++) {
		struct dnsp_fw_rule rule = { .action = DNSP_FW_BLOCK,
			.block = DNSP_FW_BLOCK_NXDOMAIN, .name = "fuzz", .group_id = "g" };
		if (dnsp_fw_builder_add_rule(r.b, &rule) != (int)k)
			abort();
		r.rule = k;
		r.per_rule = 0;
		struct dnsp_dl_stats st;
		(void)dnsp_domainlist_parse((const char *)data, size, formats[k], on_entry, on_error,
					    &r, &st);
	}
	const struct dnsp_fw *fw = NULL;
	if (dnsp_fw_compile(r.b, NULL, true, arena, &fw) != 0)
		abort();
	for (size_t i = 0; i < r.n; i++) {
		int m = match_text(fw, r.entries[i]);
		if (m != -100 && (m < 0 || (uint32_t)m > r.rule_of[i])) {
			fprintf(stderr, "entry \"%s\" of rule %u matches rule %d\n", r.entries[i],
				r.rule_of[i], m);
			abort();
		}
	}
	dnsp_fw_builder_destroy(r.b);
	r.b = NULL;
	dnsp_arena_destroy(arena);
	return 0;
}
