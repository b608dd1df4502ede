#ifndef GANTRY_SOURCE_H
#define GANTRY_SOURCE_H

/*
 * pkg/source — reading the files of a repository.
 *
 * For now: the working tree on disk. (Reading any git revision through
 * libgit2 joins here, behind the same calls.)
 */

#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strvec.h"

/* Read a whole file ("-" is standard input). Returns a NUL-terminated buffer the caller frees,
 * with its length (without the NUL) in *len; NULL with err set to
 * "PATH: reason" when it cannot be read. */
char *source_read_file(const char *path, size_t *len, struct gerr *err);

/* Is this the name of a manifest file (*.yaml, *.yml, *.json)? */
int source_is_manifest_name(const char *name);

/*
 * Expand paths into the manifest files they name, appending to files: a
 * file is taken as it is, whatever its name; a directory is walked
 * recursively for *.yaml, *.yml and *.json, skipping entries whose name
 * starts with a dot (.git and friends). Each directory's files are sorted by
 * path; the paths themselves keep their order; "-" (standard input) is
 * passed through. A missing or unreadable path
 * is an error naming it.
 */
int source_collect_manifests(const char *const *paths, size_t n,
			     struct strvec *files, struct gerr *err);

#endif
