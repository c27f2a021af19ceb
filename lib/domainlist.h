/*
 * DNS Firewall domain lists as text: the entry syntax of Route 53 Resolver
 * DNS Firewall (SEMANTICS §13) and the three file formats threat feeds come
 * in (one domain per line, hosts files, RPZ zone files), parsed from memory
 * into normalised entries.
 *
 * Contract: pure functions over caller memory (the control plane reads the
 * file; lib/ does no I/O). Every entry is handed to a callback in its
 * normal form: lowercase, no trailing dot, either "*" (everything), "*."
 * followed by a name (every name strictly below it) or a plain name (that
 * name only). Every bad line is reported through the error callback with
 * its 1-based line number and parsing goes on, so one pass reports all of
 * them. Allocation happens only inside the RPZ reader (lib/zone/zonefile.c
 * scratch); control thread only.
 */
#ifndef DNSP_DOMAINLIST_H
#define DNSP_DOMAINLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Longest entry text in normal form: "*." + a 253-character name. */
#define DNSP_DOMAIN_TEXT_MAX 255

enum dnsp_dl_format {
	DNSP_DL_AUTO = 0,  /* detect (dnsp_domainlist_detect) */
	DNSP_DL_PLAIN,     /* one domain per line, '#' comments */
	DNSP_DL_HOSTS,     /* "0.0.0.0 name [name ...]", '#' comments */
	DNSP_DL_RPZ,       /* RFC 1035 master file of a Response Policy Zone */
};

/* "plain", "hosts", "rpz" (or "auto"). */
const char *dnsp_domainlist_format_name(enum dnsp_dl_format f);

/*
 * Normalises one entry (len bytes, no surrounding blanks) into out
 * (NUL terminated). Rules (SEMANTICS §13, AWS domain list syntax): an
 * optional leading '*' that must be the whole first label ("*" alone or
 * "*.name"); otherwise only A-Z a-z 0-9 '-' in labels of 1..63 characters
 * separated by single dots; one trailing dot is accepted and dropped; the
 * name without "*." is at most 253 characters (a 255-byte wire name).
 * Returns the normal length (> 0), or DNSP_ESYNTAX with *why set to a
 * static reason.
 */
int dnsp_domain_normalize(const char *in, size_t len, char out[DNSP_DOMAIN_TEXT_MAX + 1],
			  const char **why) DNSP_WUR;

/*
 * Guesses the format of text from its first 64 significant lines: RPZ when a
 * line starts with '$' (a $TTL / $ORIGIN directive) or carries an SOA or
 * CNAME type token; hosts when the first significant line starts with an
 * IPv4 or IPv6 address followed by a name; plain otherwise.
 */
enum dnsp_dl_format dnsp_domainlist_detect(const char *text, size_t len);

/* One normalised entry; return non-zero to stop parsing (returned). */
typedef int (*dnsp_dl_entry_fn)(void *ctx, const char *domain, size_t len, int line);
/* One bad line: entry is the offending text (may be empty), msg the reason. */
typedef void (*dnsp_dl_error_fn)(void *ctx, int line, const char *entry, size_t entry_len,
				 const char *msg);

struct dnsp_dl_stats {
	enum dnsp_dl_format format; /* the format used (after detection) */
	size_t entries;             /* entries handed to on_entry */
	size_t skipped;             /* well-formed lines that carry no entry (hosts-file
				       localhost names, RPZ apex records, rpz-passthru
				       exceptions, non-QNAME triggers) */
	size_t errors;              /* lines reported to on_error */
};

/*
 * Parses text (len bytes; need not be NUL terminated) in format fmt
 * (DNSP_DL_AUTO detects). Formats:
 *  - plain: one entry per line; blanks around it ignored; '#' starts a
 *    comment (whole line, or after blanks behind the entry); CR LF ends
 *    are accepted.
 *  - hosts: an address (IPv4 or IPv6) then one or more names; '#'
 *    comments; the usual local names (localhost, localhost.localdomain,
 *    local, broadcasthost, ip6-*, 0.0.0.0) are skipped.
 *  - rpz: a master file (';' comments, $TTL, $ORIGIN, parentheses;
 *    $INCLUDE is refused). The zone apex is the owner of the SOA (or the
 *    initial origin when the file has none); each owner below it, with the
 *    apex stripped, is an entry, whatever its policy action, except
 *    "CNAME rpz-passthru." (an exception, not a block) and triggers that are
 *    not query names (owners under rpz-ip, rpz-nsdname, rpz-nsip,
 *    rpz-client-ip), which are skipped. Owners outside the apex are errors.
 * Every entry goes through dnsp_domain_normalize(). The same entry may be
 * delivered more than once (the caller deduplicates).
 * Returns 0 when there were no errors, DNSP_ESYNTAX when on_error was
 * called, or a callback's stop value. st may be NULL.
 */
int dnsp_domainlist_parse(const char *text, size_t len, enum dnsp_dl_format fmt,
			  dnsp_dl_entry_fn on_entry, dnsp_dl_error_fn on_error, void *ctx,
			  struct dnsp_dl_stats *st);

#endif
