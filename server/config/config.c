#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/strnum.h"
#include "crypto/crypto.h"

enum setting_flags {
    SET_SECRET = 1 << 0, /* never printed: only "set"/"unset" */
    SET_REQUIRED_IN_PROD = 1 << 1,
};

struct setting;
typedef int (*setting_parse_fn)(struct config *cfg, const struct setting *s, const char *v,
                                char *err, size_t errlen);

/*
 * The settings table. Columns: environment name; parser; offset of the
 * unsigned field for uint settings; bounds for uint settings; default in dev
 * and in production (NULL = unset; "=" entries are computed after the table
 * is read); flags; one line of help.
 */
struct setting {
    const char *name;
    setting_parse_fn parse;
    size_t offset;
    int64_t min;
    int64_t max;
    const char *dflt_dev;
    const char *dflt_prod;
    unsigned flags;
    const char *help;
};

static int fail(char *err, size_t errlen, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return E_INVALID;
}

static int
parse_uint(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    int64_t n;
    if (strnum_parse(str_from_cstr(v), s->min, s->max, &n)) {
        return fail(err, errlen, "invalid %s: must be an integer from %lld to %lld", s->name,
                    (long long)s->min, (long long)s->max);
    }
    *(unsigned *)(void *)((char *)cfg + s->offset) = (unsigned)n;
    return 0;
}

static int
parse_env(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    if (strcmp(v, "dev") == 0) {
        cfg->env = CONFIG_DEV;
    } else if (strcmp(v, "production") == 0) {
        cfg->env = CONFIG_PRODUCTION;
    } else {
        return fail(err, errlen, "invalid %s: must be 'dev' or 'production'", s->name);
    }
    return 0;
}

static int
parse_host(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    struct ipaddr a;
    if (ipaddr_parse(str_from_cstr(v), &a) || strlen(v) >= sizeof(cfg->host)) {
        return fail(err, errlen, "invalid %s: must be an IPv4 or IPv6 address", s->name);
    }
    (void)snprintf(cfg->host, sizeof(cfg->host), "%s", v);
    return 0;
}

static int
parse_database_url(struct config *cfg, const struct setting *s, const char *v, char *err,
                   size_t errlen)
{
    struct str u = str_from_cstr(v);
    if (!((str_has_prefix(u, STR_LIT("sqlite:")) && u.len > 7) ||
          str_has_prefix(u, STR_LIT("postgres://")) ||
          str_has_prefix(u, STR_LIT("postgresql://"))) ||
        !str_is_visible(u)) {
        return fail(err, errlen, "invalid %s: must be sqlite:PATH or postgres://...", s->name);
    }
    cfg->database_url = xstrdup(v);
    return 0;
}

static int
parse_secret(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v);
    if (n < CONFIG_SECRET_MIN || n > CONFIG_SECRET_MAX) {
        return fail(err, errlen, "invalid %s: must be %d to %d characters", s->name,
                    CONFIG_SECRET_MIN, CONFIG_SECRET_MAX);
    }
    memcpy(cfg->secret, v, n);
    cfg->secret_len = n;
    return 0;
}

static int
parse_origins(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    struct str rest = str_from_cstr(v);

    cfg->n_app_origins = 0;
    while (rest.len) {
        struct str item = str_trim(str_cut(&rest, ','));
        if (item.len == 0) {
            continue;
        }
        if (cfg->n_app_origins == CONFIG_MAX_ORIGINS) {
            return fail(err, errlen, "invalid %s: at most %d origins", s->name, CONFIG_MAX_ORIGINS);
        }
        if (origin_parse(item, &cfg->app_origins[cfg->n_app_origins])) {
            return fail(err, errlen,
                        "invalid %s: '%.*s' is not an origin like https://app.example.com", s->name,
                        (int)(item.len > 80 ? 80 : item.len), item.ptr);
        }
        cfg->n_app_origins++;
    }
    return 0;
}

static int
parse_url_into(char **dst, const struct setting *s, const char *v, char *err, size_t errlen)
{
    struct origin o;
    struct str path;
    struct str u = str_from_cstr(v);

    if (origin_parse_url(u, &o, &path)) {
        return fail(err, errlen, "invalid %s: must be an http(s) URL without query", s->name);
    }
    while (u.len && u.ptr[u.len - 1] == '/') {
        u.len--;
    }
    free(*dst);
    *dst = xstrndup(u.ptr, u.len);
    return 0;
}

static int
parse_app_url(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    return parse_url_into(&cfg->app_url, s, v, err, errlen);
}

static int
parse_public_url(struct config *cfg, const struct setting *s, const char *v, char *err,
                 size_t errlen)
{
    return parse_url_into(&cfg->public_url, s, v, err, errlen);
}

static int
parse_google_issuer(struct config *cfg, const struct setting *s, const char *v, char *err,
                    size_t errlen)
{
    return parse_url_into(&cfg->google_issuer, s, v, err, errlen);
}

static int
parse_cookie_domain(struct config *cfg, const struct setting *s, const char *v, char *err,
                    size_t errlen)
{
    struct origin o;
    char probe[ORIGIN_HOST_MAX + 16];
    const char *d = v[0] == '.' ? v + 1 : v;

    if (v[0] == '\0') {
        return 0;
    }
    (void)snprintf(probe, sizeof(probe), "https://%s", d);
    if (strlen(d) > ORIGIN_HOST_MAX || origin_parse(str_from_cstr(probe), &o) || !strchr(d, '.')) {
        return fail(err, errlen, "invalid %s: must be a domain like .example.com", s->name);
    }
    cfg->cookie_domain = xstrdup(v);
    return 0;
}

static int
parse_bool_field(bool *dst, const struct setting *s, const char *v, char *err, size_t errlen)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *dst = true;
    } else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *dst = false;
    } else {
        return fail(err, errlen, "invalid %s: must be true or false", s->name);
    }
    return 0;
}

static int
parse_cookie_secure(struct config *cfg, const struct setting *s, const char *v, char *err,
                    size_t errlen)
{
    return parse_bool_field(&cfg->cookie_secure, s, v, err, errlen);
}

static int
parse_proxies(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    struct str rest = str_from_cstr(v);

    cfg->n_trusted_proxies = 0;
    while (rest.len) {
        struct str item = str_trim(str_cut(&rest, ','));
        if (item.len == 0) {
            continue;
        }
        if (cfg->n_trusted_proxies == CONFIG_MAX_PROXIES ||
            cidr_parse(item, &cfg->trusted_proxies[cfg->n_trusted_proxies])) {
            return fail(err, errlen, "invalid %s: '%.*s' is not a CIDR like 10.0.0.0/8", s->name,
                        (int)(item.len > 60 ? 60 : item.len), item.ptr);
        }
        cfg->n_trusted_proxies++;
    }
    return 0;
}

static int
parse_static_dir(struct config *cfg, const struct setting *s, const char *v, char *err,
                 size_t errlen)
{
    char resolved[PATH_MAX];
    struct stat st;

    if (v[0] == '\0') {
        return 0;
    }
    if (!realpath(v, resolved) || stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return fail(err, errlen, "invalid %s: '%s' is not a directory", s->name, v);
    }
    cfg->static_dir = xstrdup(resolved);
    return 0;
}

static int
parse_plain(char **dst, const struct setting *s, const char *v, size_t max, char *err,
            size_t errlen)
{
    if (strlen(v) > max || !str_is_visible(str_from_cstr(v))) {
        return fail(err, errlen, "invalid %s: too long or has control characters", s->name);
    }
    free(*dst);
    *dst = v[0] ? xstrdup(v) : NULL;
    return 0;
}

static int
parse_google_client_id(struct config *cfg, const struct setting *s, const char *v, char *err,
                       size_t errlen)
{
    return parse_plain(&cfg->google_client_id, s, v, 512, err, errlen);
}

static int
parse_google_client_secret(struct config *cfg, const struct setting *s, const char *v, char *err,
                           size_t errlen)
{
    return parse_plain(&cfg->google_client_secret, s, v, 512, err, errlen);
}

static int
parse_google_hd(struct config *cfg, const struct setting *s, const char *v, char *err,
                size_t errlen)
{
    return parse_plain(&cfg->google_hosted_domain, s, v, 253, err, errlen);
}

static int
parse_smtp_url(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    struct str u = str_from_cstr(v);
    if (v[0] && !str_has_prefix(u, STR_LIT("smtp://")) && !str_has_prefix(u, STR_LIT("smtps://"))) {
        return fail(err, errlen, "invalid %s: must be smtp://... or smtps://...", s->name);
    }
    return parse_plain(&cfg->smtp_url, s, v, 1024, err, errlen);
}

static int
parse_mail_from(struct config *cfg, const struct setting *s, const char *v, char *err,
                size_t errlen)
{
    if (!strchr(v, '@') || strchr(v, '\r') || strchr(v, '\n')) {
        return fail(err, errlen,
                    "invalid %s: must be an address like Piloto <no-reply@example.com>", s->name);
    }
    return parse_plain(&cfg->mail_from, s, v, 320, err, errlen);
}

static int
parse_log_level(struct config *cfg, const struct setting *s, const char *v, char *err,
                size_t errlen)
{
    if (!log_parse_level(v, &cfg->log_level)) {
        return fail(err, errlen, "invalid %s: must be debug, info, warning or error", s->name);
    }
    return 0;
}

static int
parse_metrics_token(struct config *cfg, const struct setting *s, const char *v, char *err,
                    size_t errlen)
{
    if (v[0] && strlen(v) < 16) {
        return fail(err, errlen, "invalid %s: must be at least 16 characters", s->name);
    }
    return parse_plain(&cfg->metrics_token, s, v, 256, err, errlen);
}

static int
parse_cloud_project(struct config *cfg, const struct setting *s, const char *v, char *err,
                    size_t errlen)
{
    for (const char *p = v; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
            return fail(err, errlen, "invalid %s: must be a project id like my-project-123",
                        s->name);
        }
    }
    return parse_plain(&cfg->cloud_project, s, v, 64, err, errlen);
}

static int
parse_json_limit(struct config *cfg, const struct setting *s, const char *v, char *err,
                 size_t errlen)
{
    int64_t n;
    if (strnum_parse(str_from_cstr(v), s->min, s->max, &n)) {
        return fail(err, errlen, "invalid %s: must be an integer from %lld to %lld", s->name,
                    (long long)s->min, (long long)s->max);
    }
    cfg->json_body_limit = (size_t)n;
    return 0;
}

static int
parse_whatsapp_app_secret(struct config *cfg, const struct setting *s, const char *v, char *err,
                          size_t errlen)
{
    if (v[0] && strlen(v) < 16) {
        return fail(err, errlen, "invalid %s: must be at least 16 characters", s->name);
    }
    return parse_plain(&cfg->whatsapp_app_secret, s, v, 256, err, errlen);
}

static int
parse_whatsapp_verify_token(struct config *cfg, const struct setting *s, const char *v, char *err,
                            size_t errlen)
{
    if (v[0] && strlen(v) < 8) {
        return fail(err, errlen, "invalid %s: must be at least 8 characters", s->name);
    }
    return parse_plain(&cfg->whatsapp_verify_token, s, v, 256, err, errlen);
}

static int
parse_whatsapp_api_url(struct config *cfg, const struct setting *s, const char *v, char *err,
                       size_t errlen)
{
    return parse_url_into(&cfg->whatsapp_api_url, s, v, err, errlen);
}

#define U(field) parse_uint, offsetof(struct config, field)

/* clang-format off */
static const struct setting settings[] = {
    {"PILOTO_ENV", parse_env, 0, 0, 0, "dev", NULL, 0,
     "dev or production (production refuses insecure settings)"},
    {"PORT", U(port), 1, 65535, "8080", "8080", 0, "TCP port to listen on"},
    {"HOST", parse_host, 0, 0, 0, "127.0.0.1", "0.0.0.0", 0, "address to listen on"},
    {"DATABASE_URL", parse_database_url, 0, 0, 0, "sqlite:data/piloto.db", NULL,
     SET_REQUIRED_IN_PROD, "sqlite:PATH or postgres://user:pass@host/db"},
    {"PILOTO_SECRET", parse_secret, 0, 0, 0, NULL, NULL, SET_SECRET | SET_REQUIRED_IN_PROD,
     "server secret for HMACs, 32+ characters (dev: generated in the data directory)"},
    {"APP_ORIGINS", parse_origins, 0, 0, 0, "=", NULL, SET_REQUIRED_IN_PROD,
     "comma-separated origins of the dashboard (CORS, CSRF)"},
    {"APP_URL", parse_app_url, 0, 0, 0, "=", NULL, 0,
     "where the dashboard lives (default: the first app origin)"},
    {"PUBLIC_URL", parse_public_url, 0, 0, 0, "=", NULL, 0,
     "this service's external base URL (default: APP_URL)"},
    {"COOKIE_DOMAIN", parse_cookie_domain, 0, 0, 0, NULL, NULL, 0,
     "parent domain for cookies, e.g. .example.com (empty: host-only __Host- cookies)"},
    {"COOKIE_SECURE", parse_cookie_secure, 0, 0, 0, "false", "true", 0,
     "Secure cookies; only dev may turn it off"},
    {"TRUSTED_PROXIES", parse_proxies, 0, 0, 0, NULL, NULL, 0,
     "comma-separated CIDRs whose X-Forwarded-For is believed"},
    {"STATIC_DIR", parse_static_dir, 0, 0, 0, NULL, NULL, 0,
     "built SPA to serve (empty: serve none)"},
    {"GOOGLE_CLIENT_ID", parse_google_client_id, 0, 0, 0, NULL, NULL, 0, "Google OAuth client id"},
    {"GOOGLE_CLIENT_SECRET", parse_google_client_secret, 0, 0, 0, NULL, NULL, SET_SECRET,
     "Google OAuth client secret"},
    {"GOOGLE_ISSUER", parse_google_issuer, 0, 0, 0, "https://accounts.google.com",
     "https://accounts.google.com", 0, "OpenID issuer (discovery document)"},
    {"GOOGLE_HOSTED_DOMAIN", parse_google_hd, 0, 0, 0, NULL, NULL, 0,
     "restrict Google sign-in to this Workspace domain"},
    {"SMTP_URL", parse_smtp_url, 0, 0, 0, NULL, NULL, SET_SECRET,
     "smtp(s)://user:pass@host:port (empty: mails stay in the outbox and the log)"},
    {"MAIL_FROM", parse_mail_from, 0, 0, 0, "Piloto <no-reply@localhost>",
     "Piloto <no-reply@localhost>", 0, "sender of outgoing mail"},
    {"LOG_LEVEL", parse_log_level, 0, 0, 0, "info", "info", 0, "debug, info, warning or error"},
    {"METRICS_TOKEN", parse_metrics_token, 0, 0, 0, NULL, NULL, SET_SECRET,
     "bearer token /metrics requires (empty: open)"},
    {"GOOGLE_CLOUD_PROJECT", parse_cloud_project, 0, 0, 0, NULL, NULL, 0,
     "project id, so request logs link to Cloud Trace"},
    {"WHATSAPP_APP_SECRET", parse_whatsapp_app_secret, 0, 0, 0, NULL, NULL,
     SET_SECRET | SET_REQUIRED_IN_PROD, "Meta app secret: checks X-Hub-Signature-256 of webhooks"},
    {"WHATSAPP_VERIFY_TOKEN", parse_whatsapp_verify_token, 0, 0, 0, NULL, NULL, SET_SECRET,
     "token Meta's webhook subscription handshake must present"},
    {"WHATSAPP_API_URL", parse_whatsapp_api_url, 0, 0, 0, "https://graph.facebook.com/v23.0",
     "https://graph.facebook.com/v23.0", 0, "Graph API base URL with its version"},
    {"HTTP_THREADS", U(http_threads), 1, 256, "4", "8", 0, "HTTP I/O threads (epoll pool)"},
    {"WORKER_THREADS", U(worker_threads), 1, 256, "2", "2", 0,
     "worker threads for CPU-heavy work and outbound HTTP"},
    {"WORKER_QUEUE", U(worker_queue), 1, 100000, "256", "256", 0,
     "queued worker tasks before 503"},
    {"DB_POOL_SIZE", U(db_pool_size), 1, 1000, "8", "10", 0, "database connections"},
    {"MAX_CONNECTIONS", U(max_connections), 1, 100000, "1024", "1024", 0,
     "concurrent HTTP connections"},
    {"MAX_CONNECTIONS_PER_IP", U(max_connections_per_ip), 1, 100000, "256", "256", 0,
     "concurrent HTTP connections per client address"},
    {"CONNECTION_TIMEOUT", U(connection_timeout_s), 1, 3600, "15", "15", 0,
     "seconds a connection may sit idle, or take to send a request's headers (and its body, plus 1 s per 500 bytes)"},
    {"SHUTDOWN_TIMEOUT", U(shutdown_timeout_s), 1, 600, "10", "10", 0,
     "seconds SIGTERM waits for in-flight requests"},
    {"JOB_TIMEOUT_MS", U(job_timeout_ms), 100, 600000, "10000", "10000", 0,
     "deadline of worker tasks a request waits for"},
    {"JSON_BODY_LIMIT", parse_json_limit, 0, 1024, 64 * 1024 * 1024, "1048576", "1048576", 0,
     "largest JSON request body, bytes"},
    {"SESSION_IDLE_TIMEOUT", U(session_idle_s), 1, 31536000, "604800", "604800", 0,
     "seconds of inactivity that end a session"},
    {"SESSION_ABSOLUTE_TIMEOUT", U(session_absolute_s), 1, 31536000, "2592000", "2592000", 0,
     "seconds a remembered session may live"},
    {"SESSION_SHORT_TIMEOUT", U(session_short_s), 1, 31536000, "43200", "43200", 0,
     "seconds a session without \"remember me\" may live"},
    {"REAUTH_WINDOW", U(reauth_window_s), 10, 86400, "900", "900", 0,
     "seconds a login counts as recent for sensitive actions"},
    {"RATE_LIMIT_GENERAL", U(rate_general_per_min), 1, 1000000000, "600", "600", 0,
     "requests per minute per client address"},
    {"RATE_LIMIT_AUTH", U(rate_auth_per_min), 1, 1000000000, "20", "20", 0,
     "login/sign-up/reset requests per minute per client address"},
};
/* clang-format on */

static void
release(struct config *cfg)
{
    free(cfg->database_url);
    free(cfg->app_url);
    free(cfg->public_url);
    free(cfg->cookie_domain);
    free(cfg->static_dir);
    free(cfg->google_client_id);
    free(cfg->google_client_secret);
    free(cfg->google_issuer);
    free(cfg->google_hosted_domain);
    free(cfg->smtp_url);
    free(cfg->mail_from);
    free(cfg->metrics_token);
    free(cfg->cloud_project);
    free(cfg->whatsapp_app_secret);
    free(cfg->whatsapp_verify_token);
    free(cfg->whatsapp_api_url);
    crypto_wipe(cfg->secret, sizeof(cfg->secret));
    memset(cfg, 0, sizeof(*cfg));
}

const char *
config_env(const char *name)
{
    return getenv(name);
}

void
config_release(struct config *cfg)
{
    release(cfg);
}

static const struct setting *
setting_named(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
        if (strcmp(settings[i].name, name) == 0) {
            return &settings[i];
        }
    }
    BUG("no setting named %s", name);
}

static int
apply_defaults(struct config *cfg, char *err, size_t errlen)
{
    char text[ORIGIN_TEXT_MAX];

    if (cfg->n_app_origins == 0 && cfg->env == CONFIG_DEV) {
        char list[128];
        (void)snprintf(list, sizeof(list), "http://localhost:%u,http://127.0.0.1:%u", cfg->port,
                       cfg->port);
        if (parse_origins(cfg, setting_named("APP_ORIGINS"), list, err, errlen)) {
            return E_INVALID;
        }
    }
    if (!cfg->app_url && cfg->n_app_origins) {
        origin_format(&cfg->app_origins[0], text, sizeof(text));
        cfg->app_url = xstrdup(text);
    }
    if (!cfg->public_url && cfg->app_url) {
        cfg->public_url = xstrdup(cfg->app_url);
    }
    return 0;
}

static int
check_production(struct config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
        const struct setting *s = &settings[i];
        if (!(s->flags & SET_REQUIRED_IN_PROD)) {
            continue;
        }
        if ((s->parse == parse_secret && cfg->secret_len == 0) ||
            (s->parse == parse_origins && cfg->n_app_origins == 0) ||
            (s->parse == parse_database_url && !cfg->database_url) ||
            (s->parse == parse_whatsapp_app_secret && !cfg->whatsapp_app_secret)) {
            return fail(err, errlen, "missing %s: required when PILOTO_ENV=production", s->name);
        }
    }
    if (!cfg->cookie_secure) {
        return fail(err, errlen,
                    "invalid COOKIE_SECURE: cookies must be Secure when "
                    "PILOTO_ENV=production");
    }
    if (cfg->whatsapp_api_url && strncmp(cfg->whatsapp_api_url, "https://", 8) != 0) {
        return fail(err, errlen,
                    "invalid WHATSAPP_API_URL: must be https when PILOTO_ENV=production");
    }
    for (size_t i = 0; i < cfg->n_app_origins; i++) {
        if (!cfg->app_origins[i].https && !origin_is_loopback(&cfg->app_origins[i])) {
            return fail(err, errlen, "invalid APP_ORIGINS: production origins must be https");
        }
    }
    return 0;
}

int
config_load(struct config *cfg, config_getenv_fn get, char *err, size_t errlen)
{
    const char *env = get("PILOTO_ENV");
    int rc = 0;

    memset(cfg, 0, sizeof(*cfg));
    /* PILOTO_ENV first: it picks the defaults of everything else. */
    if (env && env[0] && (rc = parse_env(cfg, setting_named("PILOTO_ENV"), env, err, errlen))) {
        goto out;
    }
    for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
        const struct setting *s = &settings[i];
        if (s->parse == parse_env) {
            continue; /* read first, above */
        }
        const char *v = get(s->name);
        bool dflt = !v || !v[0];
        if (dflt) {
            v = cfg->env == CONFIG_PRODUCTION ? s->dflt_prod : s->dflt_dev;
        }
        /* "=" marks a default computed after the table; a user's "=" is a value to parse. */
        if (!v || (dflt && strcmp(v, "=") == 0)) {
            continue;
        }
        if (strlen(v) > 4096) {
            rc = fail(err, errlen, "invalid %s: longer than 4096 bytes", s->name);
            goto out;
        }
        if ((rc = s->parse(cfg, s, v, err, errlen))) {
            goto out;
        }
    }
    if ((rc = apply_defaults(cfg, err, errlen))) {
        goto out;
    }
    if (cfg->env == CONFIG_PRODUCTION && (rc = check_production(cfg, err, errlen))) {
        goto out;
    }
out:
    if (rc) {
        release(cfg);
    }
    return rc;
}

/* Reads the secret file at path into cfg: 0, E_NOT_FOUND when absent, E_INVALID when short. */
static int
read_secret(struct config *cfg, const char *path)
{
    char text[CONFIG_SECRET_MAX];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        return E_NOT_FOUND;
    }
    n = read(fd, text, sizeof(text));
    close(fd);
    if (n < CONFIG_SECRET_MIN) {
        crypto_wipe(text, sizeof(text));
        return E_INVALID;
    }
    memcpy(cfg->secret, text, (size_t)n);
    cfg->secret_len = (size_t)n;
    crypto_wipe(text, sizeof(text));
    return 0;
}

int
config_ensure_dev_secret(struct config *cfg, const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    char tmp[PATH_MAX];
    char text[CRYPTO_B64URL_SIZE(48)];
    size_t len;
    int fd = -1;
    int rc;

    if (cfg->secret_len) {
        return 0;
    }
    if (cfg->env != CONFIG_DEV) {
        return fail(err, errlen, "missing PILOTO_SECRET");
    }
    (void)snprintf(path, sizeof(path), "%s/.piloto_secret", dir);
    rc = read_secret(cfg, path);
    if (rc != E_NOT_FOUND) {
        return rc ? fail(err, errlen, "invalid PILOTO_SECRET: '%s' is too short; delete it", path)
                  : 0;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return fail(err, errlen, "cannot create data directory '%s'", dir);
    }
    /*
     * Written aside, then linked into place: the file appears whole or not
     * at all, and when two instances start together the second link fails
     * and both use the first one's secret.
     */
    crypto_random_token(48, text, sizeof(text));
    len = strlen(text);
    (void)snprintf(tmp, sizeof(tmp), "%s/.piloto_secret.%ld", dir, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    rc = fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0;
    if (fd >= 0) {
        close(fd);
    }
    crypto_wipe(text, sizeof(text));
    if (rc || (link(tmp, path) != 0 && errno != EEXIST)) {
        (void)unlink(tmp);
        return fail(err, errlen, "cannot write dev secret '%s'", path);
    }
    (void)unlink(tmp);
    if (read_secret(cfg, path)) {
        return fail(err, errlen, "cannot read dev secret '%s'", path);
    }
    return 0;
}

void
config_log(const struct config *cfg)
{
    struct buf b = BUF_INIT;
    char text[ORIGIN_TEXT_MAX];
    int err = 0;

    err |= buf_addf(&b, "env=%s listen=%s:%u cookies=%s%s origins=",
                    cfg->env == CONFIG_PRODUCTION ? "production" : "dev", cfg->host, cfg->port,
                    cfg->cookie_secure ? "secure" : "insecure",
                    cfg->cookie_domain ? " domain" : " host-only");
    for (size_t i = 0; i < cfg->n_app_origins; i++) {
        origin_format(&cfg->app_origins[i], text, sizeof(text));
        err |= buf_addf(&b, "%s%s", i ? "," : "", text);
    }
    err |= buf_addf(&b, " whatsapp=%s", cfg->whatsapp_app_secret ? "set" : "unset");
    err |= buf_addf(&b, " database=%s secret=%s static=%s google=%s smtp=%s",
                    cfg->database_url && strncmp(cfg->database_url, "sqlite:", 7) == 0 ? "sqlite"
                                                                                       : "postgres",
                    cfg->secret_len ? "set" : "unset", cfg->static_dir ? "on" : "off",
                    cfg->google_client_id ? "set" : "unset", cfg->smtp_url ? "set" : "unset");
    if (!err) {
        log_msg(LOG_INFO, "config %s", b.ptr);
    }
    buf_release(&b);
}

bool
config_is_app_origin(const struct config *cfg, const struct origin *o)
{
    for (size_t i = 0; i < cfg->n_app_origins; i++) {
        if (origin_eq(&cfg->app_origins[i], o)) {
            return true;
        }
    }
    return false;
}

void
config_print_help(FILE *f)
{
    fprintf(f, "Settings (environment variables):\n");
    for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
        const struct setting *s = &settings[i];
        const char *d = s->dflt_dev;
        fprintf(f, "  %-26s %s", s->name, s->help);
        if (d && strcmp(d, "=") != 0 && !(s->flags & SET_SECRET)) {
            fprintf(f, " [dev default: %s]", d);
        }
        fputc('\n', f);
    }
}
