/*
 * Unit tests of lib/fileio.c, the whole-file reader every loader of a
 * configured path goes through. The rule under test: bad input gets a clear
 * error, never a hang (SPEC §3 "Errors from --check"): a regular file is
 * read whole, anything else (a FIFO, a device, a directory) is refused with
 * a message naming what it is, and a missing file is its errno. Each test
 * runs under an alarm() bound, so a regression that blocks on a FIFO fails
 * the test instead of hanging the suite.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/fileio.h"
#include "../guard.h"

#define GUARD_SECONDS 10

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/dnsp-fileio-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	dnsp_test_guard("a read", GUARD_SECONDS);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	dnsp_test_guard(NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_regular_file_is_read_whole_and_nul_terminated(void **state)
{
	struct dnsp_file f;
	const char *p = path_of("a.txt");

	(void)state;
	write_file(p, "one\ntwo\n", 8);
	assert_int_equal(dnsp_file_read(p, DNSP_FILE_MAX, &f), 0);
	assert_int_equal(f.len, 8);
	assert_memory_equal(f.text, "one\ntwo\n", 9);
	assert_true(S_ISREG(f.st.st_mode));
	dnsp_file_free(&f);
	assert_null(f.text);
}

static void test_large_file_is_read_whole(void **state)
{
	size_t n = 3 * 65536 + 123;
	char *big = malloc(n);
	struct dnsp_file f;
	const char *p = path_of("big.txt");

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	write_file(p, big, n);
	assert_int_equal(dnsp_file_read(p, DNSP_FILE_MAX, &f), 0);
	assert_int_equal(f.len, n);
	assert_memory_equal(f.text, big, n);
	assert_int_equal(f.text[n], '\0');
	dnsp_file_free(&f);
	free(big);
}

static void test_empty_file_is_an_empty_text(void **state)
{
	struct dnsp_file f;
	const char *p = path_of("empty.txt");

	(void)state;
	write_file(p, "", 0);
	assert_int_equal(dnsp_file_read(p, DNSP_FILE_MAX, &f), 0);
	assert_int_equal(f.len, 0);
	assert_non_null(f.text);
	assert_string_equal(f.text, "");
	dnsp_file_free(&f);
}

static void test_fifo_is_refused_without_blocking(void **state)
{
	struct dnsp_file f;
	const char *p = path_of("fifo");

	(void)state;
	assert_int_equal(mkfifo(p, 0600), 0);
	/* a blocking open would wait here for a writer until the alarm */
	int rc = dnsp_file_read(p, DNSP_FILE_MAX, &f);
	assert_int_equal(rc, -EINVAL);
	assert_null(f.text);
	assert_true(S_ISFIFO(f.st.st_mode));
	assert_string_equal(dnsp_file_strerror(rc, f.st.st_mode), "not a regular file (a FIFO)");
}

static void test_fifo_with_a_writer_is_refused(void **state)
{
	struct dnsp_file f;
	const char *p = path_of("fifo2");

	(void)state;
	assert_int_equal(mkfifo(p, 0600), 0);
	/* a writer that never writes: a read would wait for data forever */
	int rd = open(p, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	int wr = open(p, O_WRONLY);
	assert_true(wr >= 0);
	int rc = dnsp_file_read(p, DNSP_FILE_MAX, &f);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(dnsp_file_strerror(rc, f.st.st_mode), "not a regular file (a FIFO)");
	close(wr);
	close(rd);
}

static void test_device_is_refused(void **state)
{
	struct dnsp_file f;

	(void)state;
	/* /dev/zero never ends: without the check it would fill memory */
	int rc = dnsp_file_read("/dev/zero", DNSP_FILE_MAX, &f);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(dnsp_file_strerror(rc, f.st.st_mode),
			    "not a regular file (a character device)");
}

static void test_directory_is_refused(void **state)
{
	struct dnsp_file f;

	(void)state;
	int rc = dnsp_file_read(dir, DNSP_FILE_MAX, &f);
	assert_int_equal(rc, -EISDIR);
	assert_null(f.text);
	assert_string_equal(dnsp_file_strerror(rc, f.st.st_mode),
			    "not a regular file (a directory)");
}

static void test_missing_file_is_its_errno(void **state)
{
	struct dnsp_file f;

	(void)state;
	int rc = dnsp_file_read(path_of("nope.txt"), DNSP_FILE_MAX, &f);
	assert_int_equal(rc, -ENOENT);
	assert_null(f.text);
	assert_int_equal(f.st.st_mode, 0);
	assert_string_equal(dnsp_file_strerror(rc, f.st.st_mode), "No such file or directory");
}

static void test_cap_is_enforced_and_inclusive(void **state)
{
	struct dnsp_file f;
	const char *p = path_of("capped.txt");

	(void)state;
	write_file(p, "0123456789", 10);
	assert_int_equal(dnsp_file_read(p, 10, &f), 0);
	assert_int_equal(f.len, 10);
	dnsp_file_free(&f);
	int rc = dnsp_file_read(p, 9, &f);
	assert_int_equal(rc, -EFBIG);
	assert_null(f.text);
	assert_string_equal(dnsp_file_strerror(rc, f.st.st_mode), "larger than the limit");
}

static void test_open_returns_fd_for_regular_file_only(void **state)
{
	struct stat st;
	char *text;
	size_t len;
	const char *p = path_of("b.txt");

	(void)state;
	write_file(p, "xyz", 3);
	int fd = dnsp_file_open(p, &st);
	assert_true(fd >= 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(dnsp_file_read_fd(fd, &st, 2, &text, &len), -EFBIG);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(dnsp_file_read_fd(fd, &st, 3, &text, &len), 0);
	assert_string_equal(text, "xyz");
	free(text);
	close(fd);
	assert_int_equal(dnsp_file_open(dir, &st), -EISDIR);
	assert_true(S_ISDIR(st.st_mode));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_regular_file_is_read_whole_and_nul_terminated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_file_is_read_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_is_an_empty_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_is_refused_without_blocking, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fifo_with_a_writer_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_is_its_errno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_is_enforced_and_inclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_returns_fd_for_regular_file_only, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
