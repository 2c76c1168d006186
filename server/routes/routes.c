#include "routes/routes.h"

#include "core/err.h"
#include "middleware/middleware.h"

static const struct route_group *const with_spa[] = {
    &routes_ops,     &routes_auth_google, &routes_auth,       &routes_upload_grants,
    &routes_uploads, &routes_bff,         &routes_workspaces, &routes_crm,
    &routes_api_v1,  &routes_internal,    &routes_spa,
};
static const struct route_group *const without_spa[] = {
    &routes_ops,     &routes_auth_google, &routes_auth,       &routes_upload_grants,
    &routes_uploads, &routes_bff,         &routes_workspaces, &routes_crm,
    &routes_api_v1,  &routes_internal,    &routes_none,
};

static bool
chain_has(const struct route_group *g, const struct middleware *m)
{
    for (const struct middleware *const *c = g->chain; c && *c; c++) {
        if (*c == m) {
            return true;
        }
    }
    return false;
}

/*
 * The tenancy rules, checked on the tables themselves at start-up so that a
 * route added later cannot slip past them: a route is under
 * /api/v1/workspaces/{wid} exactly when it carries a minimum role, and then
 * its group resolves the tenant; a recent-auth route's group checks it.
 */
static void
check_tables(void)
{
    for (size_t i = 0; i < ARRAY_LEN(with_spa); i++) {
        const struct route_group *g = with_spa[i];
        for (size_t r = 0; r < g->nroutes; r++) {
            const struct route *rt = &g->routes[r];
            bool scoped = strncmp(rt->pattern, ROUTES_WORKSPACE, strlen(ROUTES_WORKSPACE)) == 0 &&
                          (rt->pattern[strlen(ROUTES_WORKSPACE)] == '\0' ||
                           rt->pattern[strlen(ROUTES_WORKSPACE)] == '/');
            unsigned role = router_min_role(rt->flags);
            if (scoped != (role != 0) || (role && !chain_has(g, &mw_tenant)) ||
                (role && !(rt->flags & ROUTE_AUTH)) || (strstr(rt->pattern, "{wid}") && !scoped)) {
                BUG("route %s: a workspace route needs " ROUTES_WORKSPACE
                    ", ROUTE_AUTH, a minimum role and mw_tenant in its chain",
                    rt->pattern);
            }
            if ((rt->flags & ROUTE_RECENT_AUTH) && !chain_has(g, &mw_recent_auth)) {
                BUG("route %s: ROUTE_RECENT_AUTH without mw_recent_auth in its chain", rt->pattern);
            }
        }
    }
}

void
routes_print(FILE *f)
{
    static const char *const roles[] = {"-", "member", "admin", "owner"};
    static const struct {
        unsigned m;
        const char *name;
    } methods[] = {{HTTP_GET, "GET"},     {HTTP_POST, "POST"},     {HTTP_PUT, "PUT"},
                   {HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"}, {HTTP_HEAD, "HEAD"}};

    check_tables();
    for (size_t i = 0; i < ARRAY_LEN(with_spa); i++) {
        const struct route_group *g = with_spa[i];
        for (size_t r = 0; r < g->nroutes; r++) {
            const struct route *rt = &g->routes[r];
            for (size_t k = 0; k < ARRAY_LEN(methods); k++) {
                if (rt->methods & methods[k].m) {
                    fprintf(f, "%s %s %s %s %s\n", methods[k].name, rt->pattern,
                            roles[router_min_role(rt->flags)], g->name,
                            (rt->flags & ROUTE_JSON) ? "json" : "-");
                }
            }
        }
    }
}

void
routes_init(const struct config *cfg)
{
    check_tables();
    if (cfg->static_dir) {
        router_init(with_spa, ARRAY_LEN(with_spa), cfg->json_body_limit);
    } else {
        router_init(without_spa, ARRAY_LEN(without_spa), cfg->json_body_limit);
    }
}

int
routes_decode(struct request *req, const struct json_field *spec, size_t n, struct json_value *out)
{
    struct json_error errs[HTTP_MAX_FIELD_ERRORS];
    size_t nerrs = 0;
    int err;

    if (!req->json) {
        return E_BAD_JSON;
    }
    err = json_decode(req->json, spec, n, out, errs, ARRAY_LEN(errs), &nerrs);
    for (size_t i = 0; i < nerrs; i++) {
        /* Unknown keys belong to the document, which lives as long as the request. */
        request_field_error(req, errs[i].field, errs[i].code, errs[i].message);
    }
    return err;
}

void
routes_reply_json(struct request *req, unsigned status, const json_t *v)
{
    struct buf b = BUF_INIT;
    if (json_render(v, &b)) {
        buf_release(&b);
        response_problem(req, E_INTERNAL, NULL);
        return;
    }
    response_json_buf(req, status, &b);
}

void
routes_reply_json_take(struct request *req, unsigned status, json_t *v)
{
    routes_reply_json(req, status, v);
    json_decref(v);
}
