/*
 * A time bound for a unit-test step that could block (a read of a FIFO, a
 * socket that never answers): when it runs out, the process writes what
 * blocked and exits 1, so a regression is a failure instead of a hang.
 * Shared by the tests that check "bad input never hangs" (SPEC §3).
 */
#ifndef DNSP_TEST_GUARD_H
#define DNSP_TEST_GUARD_H

#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char *dnsp_guard_what = "a step";

static void dnsp_guard_fire(int sig)
{
	static const char head[] = "test guard: ", tail[] = " blocked (timed out)\n";

	(void)sig;
	(void)!write(2, head, sizeof(head) - 1);
	(void)!write(2, dnsp_guard_what, strlen(dnsp_guard_what));
	(void)!write(2, tail, sizeof(tail) - 1);
	_exit(1);
}

/* Arms the bound: what (a static string) names the step; seconds 0 disarms. */
static inline void dnsp_test_guard(const char *what, unsigned seconds)
{
	if (seconds == 0) {
		alarm(0);
		return;
	}
	dnsp_guard_what = what;
	signal(SIGALRM, dnsp_guard_fire);
	alarm(seconds);
}

#endif
