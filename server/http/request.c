#include "http/request.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <strings.h>

#include "core/err.h"
#include "core/log.h"

struct str
request_header(struct request *req, const char *name)
{
    const char *v;
    size_t len = 0;

    if (!req->conn) {
        return STR_NULL;
    }
    if (MHD_lookup_connection_value_n(req->conn, MHD_HEADER_KIND, name, strlen(name), &v, &len) !=
        MHD_YES) {
        return STR_NULL;
    }
    return str_make(v, len);
}

const char *
request_echo_id(const struct request *req)
{
    return req->client_request_id[0] ? req->client_request_id : req->request_id;
}

struct str
request_cookie(struct request *req, const char *name)
{
    if (req->ncookies < 0) {
        struct str h = request_header(req, MHD_HTTP_HEADER_COOKIE);
        req->cookies = arena_alloc(req->arena, sizeof(struct kv) * HTTP_MAX_COOKIES);
        req->ncookies = h.ptr ? parse_cookies(h, req->cookies, HTTP_MAX_COOKIES) : 0;
        if (req->ncookies < 0) {
            req->ncookies = 0;
        }
    }
    {
        struct str found = STR_NULL;
        for (int i = 0; i < req->ncookies; i++) {
            if (!str_eq_cstr(req->cookies[i].key, name)) {
                continue;
            }
            if (found.ptr) {
                /*
                 * Sent twice: one of them was planted (a sibling subdomain can
                 * set a cookie for the parent domain). Which one is ours cannot
                 * be told, so neither is believed.
                 */
                request_note(req, "cookie '%s' sent more than once: ignored", name);
                return STR_NULL;
            }
            found = req->cookies[i].value;
        }
        return found;
    }
}

struct str
request_query(struct request *req, const char *name)
{
    if (req->nqparams < 0) {
        req->qparams = arena_alloc(req->arena, sizeof(struct kv) * HTTP_MAX_QUERY_PARAMS);
        req->nqparams = parse_query(req->arena, req->query, req->qparams, HTTP_MAX_QUERY_PARAMS);
        if (req->nqparams < 0) {
            req->nqparams = 0;
        }
    }
    for (int i = 0; i < req->nqparams; i++) {
        if (str_eq_cstr(req->qparams[i].key, name)) {
            return req->qparams[i].value;
        }
    }
    return STR_NULL;
}

struct str
request_param(const struct request *req, const char *name)
{
    for (size_t i = 0; i < req->nparams; i++) {
        if (str_eq_cstr(req->params[i].name, name)) {
            return req->params[i].value;
        }
    }
    BUG("route has no path parameter {%s}", name);
}

void
request_on_free(struct request *req, request_cleanup_fn fn, void *p)
{
    struct request_cleanup *c = arena_alloc(req->arena, sizeof(*c));
    c->fn = fn;
    c->p = p;
    c->next = req->cleanups;
    req->cleanups = c;
}

void
request_note(struct request *req, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    req->note = arena_strdup(req->arena, tmp);
}

void
request_field_error(struct request *req, const char *field, const char *code, const char *message)
{
    if (req->nfield_errors == HTTP_MAX_FIELD_ERRORS) {
        return;
    }
    req->field_errors[req->nfield_errors++] = (struct field_error){field, code, message};
}

void
response_header(struct request *req, const char *name, const char *value)
{
    struct response *r = &req->resp;
    if (r->nheaders == HTTP_MAX_RESPONSE_HEADERS) {
        BUG("too many response headers");
    }
    r->headers[r->nheaders++] =
        (struct response_header){arena_strdup(req->arena, name), arena_strdup(req->arena, value)};
}

void
response_set_header(struct request *req, const char *name, const char *value)
{
    struct response *r = &req->resp;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            r->headers[i].value = arena_strdup(req->arena, value);
            return;
        }
    }
    response_header(req, name, value);
}

const char *
response_get_header(const struct request *req, const char *name)
{
    const struct response *r = &req->resp;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            return r->headers[i].value;
        }
    }
    return NULL;
}

void
response_set(struct request *req, unsigned status, const char *content_type, const void *body,
             size_t len)
{
    struct response *r = &req->resp;
    r->status = status;
    r->content_type = content_type;
    buf_reset(&r->body);
    if (buf_add(&r->body, body, len)) {
        BUG("response body");
    }
}

void
response_json_buf(struct request *req, unsigned status, struct buf *body)
{
    struct response *r = &req->resp;
    buf_release(&r->body);
    r->body = *body;
    buf_init(body, 0);
    r->status = status;
    r->content_type = "application/json";
}

void
response_empty(struct request *req, unsigned status)
{
    struct response *r = &req->resp;
    buf_reset(&r->body);
    r->status = status;
    r->content_type = NULL;
}

static int
add_json_field(struct buf *b, const char *key, const char *value)
{
    int err = buf_addf(b, ",\"%s\":\"", key);
    err |= buf_add_json_escaped(b, str_from_cstr(value));
    err |= buf_addch(b, '"');
    return err;
}

void
response_problem(struct request *req, int err, const char *detail)
{
    struct buf b = BUF_INIT;
    int rc = 0;
    unsigned status = err_status(err);

    req->err = err;
    rc |= buf_addf(&b, "{\"type\":\"https://piloto.app/problems/%s\"", err_slug(err));
    rc |= add_json_field(&b, "code", err_slug(err));
    rc |= add_json_field(&b, "title", err_title(err));
    rc |= buf_addf(&b, ",\"status\":%u", status);
    if (detail) {
        rc |= add_json_field(&b, "detail", detail);
    }
    if (req->request_id[0]) {
        rc |= add_json_field(&b, "requestId", request_echo_id(req));
    }
    if (req->nfield_errors) {
        rc |= buf_addstr(&b, ",\"errors\":[");
        for (size_t i = 0; i < req->nfield_errors; i++) {
            const struct field_error *fe = &req->field_errors[i];
            rc |= buf_addf(&b, "%s{\"field\":\"", i ? "," : "");
            rc |= buf_add_json_escaped(&b, str_from_cstr(fe->field));
            rc |= buf_addstr(&b, "\"");
            rc |= add_json_field(&b, "code", fe->code);
            rc |= add_json_field(&b, "message", fe->message ? fe->message : fe->code);
            rc |= buf_addch(&b, '}');
        }
        rc |= buf_addch(&b, ']');
    }
    rc |= buf_addch(&b, '}');
    if (rc) {
        BUG("problem body");
    }
    response_json_buf(req, status, &b);
    req->resp.content_type = "application/problem+json";
    if (status == 405 && req->allow) {
        response_set_header(req, MHD_HTTP_HEADER_ALLOW, req->allow);
    }
    if ((status == 429 || status == 503) && req->retry_after > 0) {
        char ra[16];
        (void)snprintf(ra, sizeof(ra), "%d", req->retry_after);
        response_set_header(req, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
}

void
request_set_body_sink(struct request *req, request_body_fn fn, void *ctx)
{
    if (!req->body_pending) {
        BUG("request_set_body_sink outside a ROUTE_BODY_STREAM handler's first call");
    }
    req->body_sink = fn;
    req->body_sink_ctx = ctx;
}
