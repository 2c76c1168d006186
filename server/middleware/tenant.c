/*
 * Tenancy as a mechanism (SPEC §8): every route with a minimum role (ROUTE_MEMBER, ROUTE_ADMIN,
 * ROUTE_OWNER) lives under
 * /api/v1/workspaces/{wid}, and this step, before any handler, turns the
 * session's user and {wid} into one struct tenant (user, workspace, role)
 * read from the database on every request. Non-members get the same 404 as
 * a workspace that does not exist; members below the route's role get 403.
 * Handlers then pass req->tenant to the domain functions, which bind its
 * workspace id in every query.
 */
#include "middleware/middleware.h"

#include "app.h"
#include "core/err.h"
#include "session/session.h"
#include "workspaces/workspaces.h"

static int
before(struct request *req)
{
    enum ws_role min = (enum ws_role)router_min_role(req->route ? req->route->flags : 0);
    struct tenant *t;
    int err;

    if (min == WS_NONE) {
        return 0;
    }
    if (!req->session) {
        return E_UNAUTHENTICATED;
    }
    t = arena_alloc(req->arena, sizeof(*t));
    err = workspaces_resolve(req->app->db, req->session->user_id, request_param(req, "wid"), t);
    if (err) {
        if (err == E_UNAVAILABLE) {
            req->retry_after = 1;
        }
        return err;
    }
    if (t->role < min) {
        request_note(req, "role %s below %s", workspaces_role_name(t->role),
                     workspaces_role_name(min));
        return E_FORBIDDEN;
    }
    req->tenant = t;
    return 0;
}

const struct middleware mw_tenant = {"tenant", before, NULL};
