/*
 * A small document model over libyaml for the config loader: the event
 * stream of one YAML (or JSON, which is YAML flow style) document turned
 * into a tree of scalar, sequence and mapping nodes, each carrying the
 * 1-based line it starts on, so that every later complaint can name a line.
 *
 * Contract: dnsp_yaml_parse() owns nothing of the caller's; the tree it
 * builds is owned by the dnsp_yaml_doc and freed by dnsp_yaml_free(). Parse
 * problems (syntax, aliases, nesting deeper than DNSP_YAML_MAX_DEPTH, keys
 * that are not scalars, NUL bytes in scalars, more than one document) go to
 * the error callback with their line. The typing helpers follow the JSON
 * schema of YAML 1.2 for plain (unquoted) scalars only: a quoted "true" or
 * "10" stays a string, and yes/no/on/off are not booleans. Control thread
 * only; no global state.
 */
#ifndef DNSP_CTRL_YAMLDOM_H
#define DNSP_CTRL_YAMLDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNSP_YAML_MAX_DEPTH 64

enum dnsp_yaml_kind { DNSP_YAML_SCALAR, DNSP_YAML_SEQ, DNSP_YAML_MAP };

struct dnsp_yaml_node {
	enum dnsp_yaml_kind kind;
	int line;                      /* 1-based line where the node starts */
	bool plain;                    /* scalar written without quotes */
	bool reported;                 /* a problem with this node was reported
					  already: consumers stay silent */
	char *str;                     /* scalar text, NUL terminated */
	size_t len;                    /* scalar length in bytes */
	struct dnsp_yaml_node **items; /* seq: n items; map: 2n, key then value */
	size_t n, cap;
	struct dnsp_yaml_node *next_alloc; /* private: list of all nodes */
};

struct dnsp_yaml_doc {
	struct dnsp_yaml_node *root;   /* NULL for an empty stream */
	bool complete;                 /* the whole stream was read (no stop) */
	struct dnsp_yaml_node *all;    /* private */
};

typedef void (*dnsp_yaml_error_fn)(void *ctx, int line, const char *msg);

/*
 * Parses text (len bytes) into doc. Every problem is passed to on_error.
 * Returns the number of problems reported (0: a clean tree), or -ENOMEM.
 * After a syntax error the tree holds what was read before it. The caller
 * calls dnsp_yaml_free(doc) in every case.
 */
int dnsp_yaml_parse(const char *text, size_t len, struct dnsp_yaml_doc *doc,
		    dnsp_yaml_error_fn on_error, void *ctx);
void dnsp_yaml_free(struct dnsp_yaml_doc *doc);

/* Plain "", "~", "null", "Null", "NULL". */
bool dnsp_yaml_is_null(const struct dnsp_yaml_node *n);
/* Plain true/True/TRUE/false/False/FALSE → 0 and *out; else -1. */
int dnsp_yaml_bool(const struct dnsp_yaml_node *n, bool *out);
/* Plain decimal integer with optional sign that fits int64 → 0; else -1. */
int dnsp_yaml_int(const struct dnsp_yaml_node *n, int64_t *out);
/* Mapping lookup: value of the first pair whose key is the scalar key. */
const struct dnsp_yaml_node *dnsp_yaml_get(const struct dnsp_yaml_node *map, const char *key);
/* "a string", "null", "a list", "a mapping", ... for messages. */
const char *dnsp_yaml_describe(const struct dnsp_yaml_node *n);

#endif
