/*
 * The one way a loader reads a file named by the configuration or the API.
 *
 * A plain open() of a FIFO waits for a writer, and a read of a device may
 * never end: a config naming either would hang --check, start-up or a
 * reload. So the path is opened non-blocking, checked with fstat() on the
 * very fd that will be read (no window between check and use), and read
 * only if it is a regular file; reads go on over short counts and EINTR and
 * stop at the caller's cap. Lives in lib/ beside the zone-file reader, the
 * one reader of files in lib/, so that it and ctrl/ share it.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int dnsp_file_open(const char *path, struct stat *st)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	memset(st, 0, sizeof(*st));
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int e = -errno;

		memset(st, 0, sizeof(*st));
		close(fd);
		return e;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	return fd;
}

/* read() that retries on EINTR. */
static ssize_t read_some(int fd, char *buf, size_t n)
{
	ssize_t got;

	do
		got = read(fd, buf, n);
	while (got < 0 && errno == EINTR);
	return got;
}

int dnsp_file_read_fd(int fd, const struct stat *st, size_t max, char **text, size_t *len)
{
	char probe[4096];
	size_t cap, n = 0;
	char *buf;
	int rc = 0;

	*text = NULL;
	*len = 0;
	if (st->st_size < 0 || (uint64_t)st->st_size > max)
		return -EFBIG;
	/* st_size is a hint: some files (procfs) say 0 and have text */
	cap = (size_t)st->st_size;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t got;

		if (n < cap) {
			got = read_some(fd, buf + n, cap - n);
			if (got < 0) {
				rc = -errno;
				break;
			}
			if (got == 0)
				break;
			n += (size_t)got;
			continue;
		}
		/* Full: the end, or the file grew while it was read. */
		got = read_some(fd, probe, sizeof(probe));
		if (got < 0) {
			rc = -errno;
			break;
		}
		if (got == 0)
			break;
		if ((size_t)got > max - n) {
			rc = -EFBIG;
			break;
		}
		size_t ncap = cap > max / 2 ? max : cap * 2 + sizeof(probe);

		if (ncap > max)
			ncap = max;
		char *grown = realloc(buf, ncap + 1);

		if (!grown) {
			rc = -ENOMEM;
			break;
		}
		buf = grown;
		cap = ncap;
		memcpy(buf + n, probe, (size_t)got);
		n += (size_t)got;
	}
	if (rc) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

int dnsp_file_read(const char *path, size_t max, struct dnsp_file *f)
{
	int fd = dnsp_file_open(path, &f->st);
	int rc;

	f->text = NULL;
	f->len = 0;
	if (fd < 0)
		return fd;
	rc = dnsp_file_read_fd(fd, &f->st, max, &f->text, &f->len);
	close(fd);
	return rc;
}

void dnsp_file_free(struct dnsp_file *f)
{
	free(f->text);
	memset(f, 0, sizeof(*f));
}

const char *dnsp_file_strerror(int rc, mode_t mode)
{
	if (mode && !S_ISREG(mode) && (rc == -EINVAL || rc == -EISDIR)) {
		switch (mode & S_IFMT) {
		case S_IFIFO:
			return "not a regular file (a FIFO)";
		case S_IFCHR:
			return "not a regular file (a character device)";
		case S_IFBLK:
			return "not a regular file (a block device)";
		case S_IFSOCK:
			return "not a regular file (a socket)";
		case S_IFDIR:
			return "not a regular file (a directory)";
		default:
			return "not a regular file";
		}
	}
	if (rc == -EFBIG)
		return "larger than the limit";
	return dnsp_strerror(rc);
}
