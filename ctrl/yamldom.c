/*
 * libyaml event stream → node tree with line numbers (see yamldom.h).
 *
 * The tree is built iteratively with an explicit stack bounded by
 * DNSP_YAML_MAX_DEPTH, so hostile input ("[[[[...") cannot exhaust the C
 * stack, and every node is linked into one allocation list so that freeing
 * a partly built tree after an error is a single loop. Aliases are refused
 * rather than expanded: expansion is how "billion laughs" inputs blow up,
 * and nothing in the config format needs them.
 */
#include "yamldom.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct builder {
	struct dnsp_yaml_doc *doc;
	dnsp_yaml_error_fn on_error;
	void *ctx;
	int problems;
	struct dnsp_yaml_node *stack[DNSP_YAML_MAX_DEPTH];
	int depth;
};

static void problem(struct builder *b, int line, const char *msg)
{
	b->problems++;
	if (b->on_error)
		b->on_error(b->ctx, line, msg);
}

static struct dnsp_yaml_node *node_new(struct builder *b, enum dnsp_yaml_kind kind, int line)
{
	struct dnsp_yaml_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->line = line;
	n->next_alloc = b->doc->all;
	b->doc->all = n;
	return n;
}

static int push_item(struct dnsp_yaml_node *parent, struct dnsp_yaml_node *child)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct dnsp_yaml_node **items = realloc(parent->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		parent->items = items;
		parent->cap = cap;
	}
	parent->items[parent->n++] = child;
	return 0;
}

/* Attaches a finished or newly opened node to the open container (or makes
 * it the root). Map pairs are stored flat; n counts items, not pairs, until
 * the mapping ends. */
static int attach(struct builder *b, struct dnsp_yaml_node *n)
{
	if (b->depth == 0) {
		if (!b->doc->root)
			b->doc->root = n;
		return 0;
	}
	struct dnsp_yaml_node *top = b->stack[b->depth - 1];
	if (top->kind == DNSP_YAML_MAP && top->n % 2 == 0 && n->kind != DNSP_YAML_SCALAR)
		problem(b, n->line, "mapping keys must be plain strings");
	return push_item(top, n);
}

static int on_scalar(struct builder *b, const yaml_event_t *ev, int line)
{
	struct dnsp_yaml_node *n = node_new(b, DNSP_YAML_SCALAR, line);
	if (!n)
		return -ENOMEM;
	size_t len = ev->data.scalar.length;
	n->str = malloc(len + 1);
	if (!n->str)
		return -ENOMEM;
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = '\0';
	n->len = len;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (memchr(n->str, '\0', len)) {
		problem(b, line, "NUL character in a string");
		n->reported = true;
	}
	return attach(b, n);
}

static int on_open(struct builder *b, enum dnsp_yaml_kind kind, int line)
{
	if (b->depth >= DNSP_YAML_MAX_DEPTH) {
		problem(b, line, "nesting is too deep");
		return 1; /* stop */
	}
	struct dnsp_yaml_node *n = node_new(b, kind, line);
	if (!n)
		return -ENOMEM;
	int rc = attach(b, n);
	if (rc)
		return rc;
	b->stack[b->depth++] = n;
	return 0;
}

static void on_close(struct builder *b)
{
	if (b->depth == 0)
		return;
	struct dnsp_yaml_node *top = b->stack[--b->depth];
	if (top->kind == DNSP_YAML_MAP)
		top->n /= 2; /* libyaml always delivers complete pairs */
}

static void syntax_problem(struct builder *b, const yaml_parser_t *p)
{
	char msg[256];
	const char *what = p->problem ? p->problem : "syntax error";
	int line = (int)p->problem_mark.line + 1;
	if (p->error == YAML_READER_ERROR)
		line = 1; /* encoding problems carry a byte offset, not a line */
	if (p->context)
		snprintf(msg, sizeof(msg), "%s %s", what, p->context);
	else
		snprintf(msg, sizeof(msg), "%s", what);
	problem(b, line, msg);
}

int dnsp_yaml_parse(const char *text, size_t len, struct dnsp_yaml_doc *doc,
		    dnsp_yaml_error_fn on_error, void *ctx)
{
	struct builder b = { .doc = doc, .on_error = on_error, .ctx = ctx };
	yaml_parser_t p;
	int rc = 0, docs = 0;

	doc->root = NULL;
	doc->all = NULL;
	doc->complete = false;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_MEMORY_ERROR)
				rc = -ENOMEM;
			else
				syntax_problem(&b, &p);
			break;
		}
		int line = (int)ev.start_mark.line + 1;
		int stop = 0;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				problem(&b, line, "only one YAML document is allowed");
				stop = 1;
			}
			break;
		case YAML_SCALAR_EVENT:
			stop = on_scalar(&b, &ev, line);
			break;
		case YAML_ALIAS_EVENT: {
			problem(&b, line, "YAML aliases (*name) are not supported");
			/* keep the map's key/value pairing intact with a null */
			yaml_event_t fake = { 0 };
			fake.data.scalar.value = (yaml_char_t *)"";
			fake.data.scalar.length = 0;
			fake.data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
			stop = on_scalar(&b, &fake, line);
			if (!stop && doc->all)
				doc->all->reported = true; /* the placeholder just made */
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
			stop = on_open(&b, DNSP_YAML_SEQ, line);
			break;
		case YAML_MAPPING_START_EVENT:
			stop = on_open(&b, DNSP_YAML_MAP, line);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_close(&b);
			break;
		default:
			break;
		}
		bool end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (end && !stop)
			doc->complete = true;
		if (stop < 0)
			rc = stop;
		if (stop || end)
			break;
	}
	/* A stop in the middle leaves maps with odd item counts open: close
	 * them so that every map holds whole pairs. */
	while (b.depth > 0) {
		struct dnsp_yaml_node *top = b.stack[b.depth - 1];
		if (top->kind == DNSP_YAML_MAP && top->n % 2)
			top->n--;
		on_close(&b);
	}
	yaml_parser_delete(&p);
	return rc < 0 ? rc : b.problems;
}

void dnsp_yaml_free(struct dnsp_yaml_doc *doc)
{
	if (!doc)
		return;
	struct dnsp_yaml_node *n = doc->all;
	while (n) {
		struct dnsp_yaml_node *next = n->next_alloc;
		free(n->str);
		free(n->items);
		free(n);
		n = next;
	}
	doc->all = NULL;
	doc->root = NULL;
}

bool dnsp_yaml_is_null(const struct dnsp_yaml_node *n)
{
	if (!n || n->kind != DNSP_YAML_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	       strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

int dnsp_yaml_bool(const struct dnsp_yaml_node *n, bool *out)
{
	if (!n || n->kind != DNSP_YAML_SCALAR || !n->plain)
		return -1;
	if (!strcmp(n->str, "true") || !strcmp(n->str, "True") || !strcmp(n->str, "TRUE")) {
		*out = true;
		return 0;
	}
	if (!strcmp(n->str, "false") || !strcmp(n->str, "False") || !strcmp(n->str, "FALSE")) {
		*out = false;
		return 0;
	}
	return -1;
}

int dnsp_yaml_int(const struct dnsp_yaml_node *n, int64_t *out)
{
	if (!n || n->kind != DNSP_YAML_SCALAR || !n->plain || n->len == 0 || n->len > 20)
		return -1;
	const char *s = n->str;
	size_t i = 0;
	bool neg = false;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n->len)
		return -1;
	uint64_t v = 0;
	for (; i < n->len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -1;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)v;
	}
	return 0;
}

const struct dnsp_yaml_node *dnsp_yaml_get(const struct dnsp_yaml_node *map, const char *key)
{
	if (!map || map->kind != DNSP_YAML_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		const struct dnsp_yaml_node *k = map->items[2 * i];
		if (k->kind == DNSP_YAML_SCALAR && strcmp(k->str, key) == 0)
			return map->items[2 * i + 1];
	}
	return NULL;
}

const char *dnsp_yaml_describe(const struct dnsp_yaml_node *n)
{
	bool b;
	int64_t v;
	if (!n)
		return "nothing";
	switch (n->kind) {
	case DNSP_YAML_SEQ:
		return "a list";
	case DNSP_YAML_MAP:
		return "a mapping";
	case DNSP_YAML_SCALAR:
		break;
	}
	if (dnsp_yaml_is_null(n))
		return "null";
	if (dnsp_yaml_bool(n, &b) == 0)
		return "a boolean";
	if (dnsp_yaml_int(n, &v) == 0)
		return "a number";
	return "a string";
}
