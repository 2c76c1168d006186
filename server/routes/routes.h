/*
 * The route groups, each a table with its own middleware chain, and the
 * order the router tries them in (routes.c). Handlers are thin: parse,
 * validate, call a domain function, render JSON.
 */
#ifndef PILOTO_ROUTES_ROUTES_H
#define PILOTO_ROUTES_ROUTES_H

#include <stdio.h>

#include "config/config.h"
#include "json/json.h"
#include "json/value.h"
#include "router/router.h"

extern const struct route_group routes_ops;
/* /auth/google: before routes_auth, whose prefix would claim its paths. */
extern const struct route_group routes_auth_google;
extern const struct route_group routes_auth;
extern const struct route_group routes_bff;
/* /bff/uploads: the upload grant, and the embedded store's signed PUT (routes/documents.c). */
extern const struct route_group routes_upload_grants;
extern const struct route_group routes_uploads;
/* /api/v1/workspaces and everything under /api/v1/workspaces/{wid} (the tenant table). */
extern const struct route_group routes_workspaces;
extern const struct route_group routes_crm;
extern const struct route_group routes_api_v1;
extern const struct route_group routes_internal;
extern const struct route_group routes_spa;
extern const struct route_group routes_none;

/*
 * Installs the groups in the router (ops, auth/google, auth, bff, api/v1,
 * internal, then the SPA when STATIC_DIR is set, else a fallback answering
 * 404 problem+json).
 */
void routes_init(const struct config *cfg);
/*
 * Prints every route, one "METHOD PATTERN ROLE GROUP BODY" line each (ROLE:
 * the minimum workspace role, or "-"; BODY: "json" for a route that takes a
 * JSON body, else "-"), for `piloto routes` and the tests generated from the
 * tables.
 */
void routes_print(FILE *f);

/* Where the tenant routes live: every route under it carries a minimum role. */
#define ROUTES_WORKSPACE "/api/v1/workspaces/{wid}"

/*
 * Decodes req->json against spec into out, copying field errors onto the
 * request: 0, E_BAD_JSON or E_VALIDATION, ready to return from a handler.
 */
NODISCARD int routes_decode(struct request *req, const struct json_field *spec, size_t n,
                            struct json_value *out);
/* Renders v (not stolen) as the JSON response with status. */
void routes_reply_json(struct request *req, unsigned status, const json_t *v);
/* Renders v and takes the reference (json_decref'd). */
void routes_reply_json_take(struct request *req, unsigned status, json_t *v);

#endif
