/*
 * JSON bodies for ROUTE_JSON routes: the media type must be
 * application/json (415 otherwise, which also keeps HTML forms from
 * reaching JSON handlers), and the body must parse strictly (json/json.h).
 * Size was already capped by the route's body limit.
 */
#include "middleware/middleware.h"

#include "core/err.h"
#include "json/json.h"

static void
free_doc(void *p)
{
    json_doc_free(p);
}

static bool
is_json_type(struct str ct)
{
    struct str rest = ct;
    struct str type = str_trim(str_cut(&rest, ';'));
    return str_eq_nocase(type, STR_LIT("application/json"));
}

static int
before(struct request *req)
{
    int err;

    if (!req->route || !(req->route->flags & ROUTE_JSON) ||
        !(req->method & (HTTP_POST | HTTP_PUT | HTTP_PATCH))) {
        return 0;
    }
    if (!is_json_type(request_header(req, "Content-Type"))) {
        return E_MEDIA_TYPE;
    }
    if ((err = json_doc_parse(buf_str(&req->body), &req->json))) {
        request_note(req, "body is not strict JSON");
        return err;
    }
    request_on_free(req, free_doc, req->json);
    return 0;
}

const struct middleware mw_json_body = {"json_body", before, NULL};
