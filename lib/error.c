/*
 * Names for the error codes in error.h. Kept as a table indexed by code so
 * that adding a code is one line and lookups never allocate.
 */
#include <string.h>
#include "error.h"

static const char *const names[] = {
	[DNSP_EMALFORMED - DNSP_EMALFORMED] = "malformed input",
	[DNSP_ETRUNC - DNSP_EMALFORMED] = "truncated input",
	[DNSP_ENOSPACE - DNSP_EMALFORMED] = "no space in output buffer",
	[DNSP_ELOOP - DNSP_EMALFORMED] = "loop or nesting too deep",
	[DNSP_ENAME - DNSP_EMALFORMED] = "invalid domain name",
	[DNSP_ESYNTAX - DNSP_EMALFORMED] = "syntax error",
	[DNSP_ENOTFOUND - DNSP_EMALFORMED] = "not found",
	[DNSP_EEXIST - DNSP_EMALFORMED] = "already exists",
	[DNSP_ECONFIG - DNSP_EMALFORMED] = "configuration rejected",
	[DNSP_ENOTSUP - DNSP_EMALFORMED] = "not supported",
	[DNSP_ERANGE - DNSP_EMALFORMED] = "value out of range",
};

const char *dnsp_strerror(int code)
{
	if (code >= 0)
		return "success";
	if (code >= DNSP_EMALFORMED && code < DNSP_ELAST)
		return names[code - DNSP_EMALFORMED];
	return strerror(-code);
}
