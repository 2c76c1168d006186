#include "middleware/cookies.h"

#include "app.h"

void
cookies_name(const struct config *cfg, const char *base, char *out, size_t cap)
{
    const char *prefix = "";
    if (cfg->cookie_secure) {
        prefix = cfg->cookie_domain ? "__Secure-" : "__Host-";
    }
    (void)snprintf(out, cap, "%s%s", prefix, base);
}

struct str
cookies_get(struct request *req, const char *base)
{
    char name[64];
    cookies_name(req->app->cfg, base, name, sizeof(name));
    return request_cookie(req, name);
}

void
cookies_set(struct request *req, const char *base, const char *value, int64_t max_age)
{
    const struct config *cfg = req->app->cfg;
    char name[64];
    struct buf b = BUF_INIT;
    int err = 0;

    cookies_name(cfg, base, name, sizeof(name));
    err |= buf_addf(&b, "%s=%s; Path=/; HttpOnly; SameSite=Lax", name, value);
    if (cfg->cookie_secure) {
        err |= buf_addstr(&b, "; Secure");
    }
    if (cfg->cookie_domain) {
        err |= buf_addf(&b, "; Domain=%s", cfg->cookie_domain);
    }
    if (max_age >= 0) {
        err |= buf_addf(&b, "; Max-Age=%lld", (long long)max_age);
    }
    if (!err) {
        response_header(req, "Set-Cookie", b.ptr);
    }
    buf_release(&b);
}
