/*
 * Whole-file reads for files named by the configuration or the control API
 * (the config file, zone files and their $INCLUDEs, root hints, firewall
 * domain files, traffic policy documents).
 *
 * Contract: a path is opened O_RDONLY|O_CLOEXEC|O_NONBLOCK|O_NOCTTY and
 * fstat()ed; anything but a regular file (a FIFO, a device, a socket, a
 * directory) is refused before a byte is read, so a bad path can never
 * block --check, start-up or a reload. Reads loop over short reads and
 * EINTR and stop at the caller's size cap. Returns 0 or a negative code
 * (-errno; -EISDIR for a directory, -EINVAL for another non-regular file,
 * -EFBIG over the cap); dnsp_file_strerror() turns it into a message.
 * Allocates the text only; control thread only (blocking disk I/O), never
 * on the fast path.
 */
#ifndef DNSP_FILEIO_H
#define DNSP_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include "error.h"

/* The cap for callers without one of their own: 1 GiB. */
#define DNSP_FILE_MAX ((size_t)1 << 30)

/* A file read whole. */
struct dnsp_file {
	char *text;     /* malloc'ed, text[len] == '\0'; free() it */
	size_t len;     /* bytes read, without the terminating NUL */
	struct stat st; /* of the opened file; st_mode is 0 if fstat was not reached */
};

/*
 * Opens path for reading, regular files only; fills *st. Returns the fd
 * (the caller closes it), or -errno / -EISDIR / -EINVAL as above. st->st_mode
 * is 0 unless fstat succeeded, so dnsp_file_strerror(rc, st->st_mode) can
 * name the kind of file refused.
 */
int dnsp_file_open(const char *path, struct stat *st) DNSP_WUR;

/*
 * Reads fd (opened by dnsp_file_open, st its stat) to its end into a
 * malloc'ed, NUL-terminated buffer of at most max bytes of text. A file
 * that grows while it is read is read on, up to max. Returns 0 (with
 * *text, *len set) or -errno, -EFBIG when the file holds more than max.
 */
int dnsp_file_read_fd(int fd, const struct stat *st, size_t max, char **text,
		      size_t *len) DNSP_WUR;

/* dnsp_file_open + dnsp_file_read_fd + close. On failure f->text is NULL. */
int dnsp_file_read(const char *path, size_t max, struct dnsp_file *f) DNSP_WUR;

/* Frees f->text and clears f. */
void dnsp_file_free(struct dnsp_file *f);

/*
 * A static message for rc from the functions above: "not a regular file
 * (a FIFO)" and the like when mode (the st_mode they filled) names a
 * non-regular file, "larger than the limit" for -EFBIG, else
 * dnsp_strerror(rc).
 */
const char *dnsp_file_strerror(int rc, mode_t mode);

#endif
