#include "routes/routes.h"

#include "core/err.h"

static const struct route_group *const with_spa[] = {
    &routes_ops,    &routes_auth_google, &routes_auth, &routes_bff,
    &routes_api_v1, &routes_internal,    &routes_spa,
};
static const struct route_group *const without_spa[] = {
    &routes_ops,    &routes_auth_google, &routes_auth, &routes_bff,
    &routes_api_v1, &routes_internal,    &routes_none,
};

void
routes_init(const struct config *cfg)
{
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
