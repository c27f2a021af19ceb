/*
 * Internal interface of the configuration loader, shared by the files that
 * load one section each (config.c: server, listeners, vpcs, hosted_zones;
 * config_<feature>.c: the feature sections). It exposes the typed getters
 * that report problems as "FILE:LINE: KEY: message" and the section table
 * through which a feature plugs in its loader, its cross-checks and its
 * destructor.
 *
 * Contract: control thread only; every getter reports its own errors and
 * returns a "no value" result (NULL / false / -1) after reporting, so
 * callers just skip the field. Keys are dotted paths built with
 * dnsp_cfgld_key_join / dnsp_cfgld_key_index into DNSP_CFG_KEY_CAP buffers.
 */
#ifndef DNSP_CTRL_CONFIG_LOAD_H
#define DNSP_CTRL_CONFIG_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "yamldom.h"

typedef struct dnsp_yaml_node ynode;

#define DNSP_CFG_KEY_CAP 512  /* dotted key paths; longer ones are cut */
#define DNSP_CFG_SHOW_CAP 96  /* quoted user text inside messages */

struct dnsp_cfg_ld {
	struct dnsp_config *c;
	struct dnsp_errlist *errs;
	const char *file; /* pooled display name of the config */
	int nerr;
};

void dnsp_cfgld_err(struct dnsp_cfg_ld *ld, int line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool dnsp_cfgld_want_map(struct dnsp_cfg_ld *ld, const ynode *n, const char *key);
bool dnsp_cfgld_want_seq(struct dnsp_cfg_ld *ld, const ynode *n, const char *key);
/* Reports keys of map m not in allowed (NULL terminated) and duplicates. */
/* Array of one zeroed slot per item of list v, or NULL (null value, or
 * after reporting a non-list / out of memory). */
void *dnsp_cfgld_seq_alloc(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, size_t size);
void dnsp_cfgld_check_keys(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			   const char *const *allowed);
/* Value of a required key, or NULL after reporting it missing. */
const ynode *dnsp_cfgld_need(struct dnsp_cfg_ld *ld, const ynode *m, const char *path,
			     const char *name);
/* A non-null scalar of minlen..maxlen bytes (maxlen 0: no limit), malloc'd. */
char *dnsp_cfgld_str(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, size_t minlen,
		     size_t maxlen);
bool dnsp_cfgld_bool(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, bool *out);
bool dnsp_cfgld_int(struct dnsp_cfg_ld *ld, const ynode *v, const char *key, int64_t lo,
		    int64_t hi, int64_t *out);
/* Index of the scalar in names (NULL terminated), or -1 after reporting. */
int dnsp_cfgld_enum(struct dnsp_cfg_ld *ld, const ynode *v, const char *key,
		    const char *const *names);
/* A domain name in Route 53 form, stored absolute with a trailing dot. */
char *dnsp_cfgld_name(struct dnsp_cfg_ld *ld, const ynode *v, const char *key);
/* A path resolved against the config file's folder. */
char *dnsp_cfgld_path(struct dnsp_cfg_ld *ld, const ynode *v, const char *key);
void dnsp_cfgld_key_join(char *out, const char *base, const char *key);
void dnsp_cfgld_key_index(char *out, const char *base, size_t i);
/* Address parsing: true on success (plen 32/128). */
bool dnsp_cfgld_addr(const char *text, struct dnsp_cfg_addr *a);
/* "a.b.c.d/n" or "x::/n": NULL on success or a static reason. */
const char *dnsp_cfgld_cidr(const char *text, struct dnsp_cfg_addr *a);
bool dnsp_cfgld_hostport_valid(const char *s);
/* [A-Z]{min,max} ([A-Z0-9] with digits): country/subdivision codes. */
bool dnsp_cfgld_upper_code(const char *s, size_t min, size_t max, bool digits);
/* [0-9A-Za-z_-]{lo,hi}: CIDR collection and location names. */
bool dnsp_cfgld_name_chars(const char *s, size_t lo, size_t hi);
/* API Coordinates text: [-+]?digits{1,int_digits}(.d{0,2})? within
 * -limit..limit; false on mismatch (caller reports). */
bool dnsp_cfgld_coordinate(const char *s, int int_digits, double limit, double *out);
/* The VPC with this id (NULL id: none). */
const struct dnsp_cfg_vpc *dnsp_cfgld_vpc_find(const struct dnsp_config *c, const char *id);
/* Quotes user text for messages (cut to cap). */
const char *dnsp_cfgld_show(char *buf, size_t cap, const char *s, size_t len);
const char *dnsp_cfgld_shows(char *buf, const char *s);

/*
 * A top-level section implemented outside config.c. load() is called with
 * the section's value when present (after server, vpcs, listeners and
 * hosted_zones are loaded); check() runs after every section is loaded, for
 * cross-references (may be NULL); destroy() frees what load() stored in the
 * config (called for every config, loaded or not).
 */
struct dnsp_cfg_section {
	const char *name;
	void (*load)(struct dnsp_cfg_ld *ld, const ynode *v);
	void (*check)(struct dnsp_cfg_ld *ld);
	void (*destroy)(struct dnsp_config *c);
};

/* NULL-terminated table of feature sections, defined in config.c. */
extern const struct dnsp_cfg_section *const dnsp_cfg_sections[];

#endif
