/*
 * Serving the built SPA from STATIC_DIR: hashed assets (/assets/...) with a
 * year of immutable caching, index.html and other files with no-cache and
 * an ETag, client-side routes (a last segment without an extension) falling
 * back to index.html, content types from a table, precompressed .br / .gz
 * siblings when the client accepts them. No path escapes the directory: the
 * path was checked by parse_check_path, is decoded once, opened without
 * following a final symlink, and its real path must stay under root.
 */
#ifndef PILOTO_HTTP_STATIC_H
#define PILOTO_HTTP_STATIC_H

#include "core/common.h"
#include "http/request.h"

/* Answers req from root (an absolute, resolved directory). 0 or E_*. */
NODISCARD int static_serve(struct request *req, const char *root);
/* Content type for a file name, by extension. */
const char *static_content_type(const char *name);

#endif
