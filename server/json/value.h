/*
 * jansson's values (json_t) for the code that builds answers: routes/ only
 * (make lint). Everything else reads JSON through json/json.h, which keeps
 * jansson out of its users' includes.
 */
#ifndef PILOTO_JSON_VALUE_H
#define PILOTO_JSON_VALUE_H

#include <jansson.h>

#include "core/buf.h"
#include "core/common.h"
#include "json/json.h"

/* Borrowed root value. */
json_t *json_doc_root(const struct json_doc *doc);

/* Appends the compact encoding of v (steals nothing). 0 or E_INTERNAL. */
NODISCARD int json_render(const json_t *v, struct buf *out);

#endif
