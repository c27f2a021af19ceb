/*
 * Test fixture shared by the compiler tests: load a YAML text, compile it
 * into a snapshot (generation 7) and hand it to cmocka as group state.
 * Header-only so each test executable stays a single source file.
 */
#ifndef DNSP_TEST_SNAPSHOT_FIXTURE_H
#define DNSP_TEST_SNAPSHOT_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include "ctrl/compile.h"
#include "ctrl/config.h"

/* Compiled snapshot of text, or NULL with the reasons in errs. */
static inline struct dnsp_snapshot *fixture_compile(const char *text, struct dnsp_errlist *errs)
{
	struct dnsp_config *cfg = NULL;
	struct dnsp_snapshot *s = NULL;
	int rc = dnsp_config_load_string(text, strlen(text), "t.yaml", ".", &cfg, errs);
	if (rc == 0)
		rc = dnsp_compile(cfg, 7, &s, errs);
	dnsp_config_destroy(cfg);
	return rc == 0 ? s : NULL;
}

/* cmocka group setup body: compiles text into *state, printing errors. */
static inline int fixture_setup(void **state, const char *text)
{
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	struct dnsp_snapshot *s = fixture_compile(text, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	dnsp_errlist_fini(&errs);
	*state = s;
	return s ? 0 : -1;
}

static inline int fixture_teardown(void **state)
{
	dnsp_snapshot_destroy(*state);
	return 0;
}

#endif
