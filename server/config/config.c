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
    SET_SECRET = 1 << 0, /* never printed: only "set"/"unset" (implied by SETTING_SECRET) */
    SET_REQUIRED_IN_PROD = 1 << 1,
};

/*
 * What a row's value is, and so how it is parsed and where it goes: the
 * field at the row's offset in struct config, of the C type named here.
 */
enum setting_type {
    SETTING_STRING, /* char *: visible characters, at most max bytes */
    SETTING_SECRET, /* a STRING never printed, wiped on release */
    SETTING_URL,    /* char *: http(s) URL without query; trailing slashes dropped */
    SETTING_BOOL,   /* bool: true/1 or false/0 */
    SETTING_NUMBER, /* unsigned or size_t (by the field's size): an integer min..max */
    SETTING_CUSTOM, /* parse() fills the config itself */
};

struct setting;
typedef int (*setting_parse_fn)(struct config *cfg, const struct setting *s, const char *v,
                                char *err, size_t errlen);
/* An extra rule on a STRING or SECRET value, checked before the type's own. */
typedef bool (*setting_check_fn)(const char *v);

/*
 * The settings table, one row per setting. Columns: environment name; type;
 * offset and size of its field (FIELD); for NUMBER the bounds, for STRING and
 * SECRET the longest value (max); an optional extra rule (check) and what
 * the error line says when it fails (why); for CUSTOM the parser; default in
 * dev and in production (NULL = unset; "=" entries are computed after the
 * table is read); flags; one line of help. For a CUSTOM row marked
 * SET_REQUIRED_IN_PROD the field is a size_t that is non-zero once set.
 */
struct setting {
    const char *name;
    size_t offset;
    size_t size;
    int64_t min;
    int64_t max;
    setting_check_fn check;
    const char *why;
    setting_parse_fn parse;
    const char *dflt_dev;
    const char *dflt_prod;
    const char *help;
    enum setting_type type;
    unsigned flags;
};

#define FIELD(m) .offset = offsetof(struct config, m), .size = sizeof(((struct config *)0)->m)

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

static void *
field(struct config *cfg, const struct setting *s)
{
    return (char *)cfg + s->offset;
}

static bool
is_secret(const struct setting *s)
{
    return s->type == SETTING_SECRET || (s->flags & SET_SECRET);
}

static int
parse_number(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    int64_t n;
    if (strnum_parse(str_from_cstr(v), s->min, s->max, &n)) {
        return fail(err, errlen, "invalid %s: must be an integer from %lld to %lld", s->name,
                    (long long)s->min, (long long)s->max);
    }
    if (s->size == sizeof(size_t)) {
        *(size_t *)field(cfg, s) = (size_t)n;
    } else {
        *(unsigned *)field(cfg, s) = (unsigned)n;
    }
    return 0;
}

static int
parse_bool(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    bool *dst = field(cfg, s);
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
parse_string(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    char **dst = field(cfg, s);
    if (s->check && !s->check(v)) {
        return fail(err, errlen, "invalid %s: %s", s->name, s->why);
    }
    if (strlen(v) > (size_t)s->max || !str_is_visible(str_from_cstr(v))) {
        return fail(err, errlen, "invalid %s: too long or has control characters", s->name);
    }
    free(*dst);
    *dst = v[0] ? xstrdup(v) : NULL;
    return 0;
}

static int
parse_url(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    char **dst = field(cfg, s);
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

/* Parses v as s's type into its field. */
static int
parse_value(struct config *cfg, const struct setting *s, const char *v, char *err, size_t errlen)
{
    switch (s->type) {
    case SETTING_STRING:
    case SETTING_SECRET:
        return parse_string(cfg, s, v, err, errlen);
    case SETTING_URL:
        return parse_url(cfg, s, v, err, errlen);
    case SETTING_BOOL:
        return parse_bool(cfg, s, v, err, errlen);
    case SETTING_NUMBER:
        return parse_number(cfg, s, v, err, errlen);
    case SETTING_CUSTOM:
        return s->parse(cfg, s, v, err, errlen);
    }
    BUG("setting %s has no type", s->name);
}

/* The table is code: a row whose field does not fit its type is a bug, caught on first load. */
static void
check_row(const struct setting *s)
{
    size_t want = 0;

    switch (s->type) {
    case SETTING_STRING:
    case SETTING_SECRET:
    case SETTING_URL:
        want = sizeof(char *);
        break;
    case SETTING_BOOL:
        want = sizeof(bool);
        break;
    case SETTING_NUMBER:
        want = s->size == sizeof(size_t) ? sizeof(size_t) : sizeof(unsigned);
        break;
    case SETTING_CUSTOM:
        if (!s->parse || ((s->flags & SET_REQUIRED_IN_PROD) && s->size != sizeof(size_t))) {
            BUG("setting %s: CUSTOM needs a parser (and a size_t count when required)", s->name);
        }
        return;
    }
    if (s->size != want || (s->check && !s->why)) {
        BUG("setting %s: field does not fit its type", s->name);
    }
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

static bool
is_database_url(const char *v)
{
    struct str u = str_from_cstr(v);
    return ((str_has_prefix(u, STR_LIT("sqlite:")) && u.len > 7) ||
            str_has_prefix(u, STR_LIT("postgres://")) ||
            str_has_prefix(u, STR_LIT("postgresql://"))) &&
           str_is_visible(u);
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

static bool
is_cookie_domain(const char *v)
{
    struct origin o;
    char probe[ORIGIN_HOST_MAX + 16];
    const char *d = v[0] == '.' ? v + 1 : v;

    if (v[0] == '\0') {
        return true;
    }
    (void)snprintf(probe, sizeof(probe), "https://%s", d);
    return strlen(d) <= ORIGIN_HOST_MAX && !origin_parse(str_from_cstr(probe), &o) &&
           strchr(d, '.');
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

static bool
is_smtp_url(const char *v)
{
    struct str u = str_from_cstr(v);
    return !v[0] || str_has_prefix(u, STR_LIT("smtp://")) || str_has_prefix(u, STR_LIT("smtps://"));
}

/* file:PATH, or gs://BUCKET with a bucket name as Cloud Storage allows (3-63 of [a-z0-9._-]). */
static bool
is_storage_url(const char *v)
{
    struct str u = str_from_cstr(v);

    if (str_has_prefix(u, STR_LIT("file:"))) {
        return u.len > 5 && str_is_visible(u);
    }
    if (!str_has_prefix(u, STR_LIT("gs://")) || u.len < 5 + 3 || u.len > 5 + 63) {
        return false;
    }
    for (size_t i = 5; i < u.len; i++) {
        char c = u.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-')) {
            return false;
        }
    }
    return true;
}

static bool
is_mail_from(const char *v)
{
    return strchr(v, '@') && !strchr(v, '\r') && !strchr(v, '\n');
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

static bool
is_metrics_token(const char *v)
{
    return !v[0] || strlen(v) >= 16;
}

static bool
is_cloud_project(const char *v)
{
    for (const char *p = v; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
            return false;
        }
    }
    return true;
}

/* Model names as providers spell them: gpt-4o-mini, llama3.1:8b, org/model. */
static bool
is_model_name(const char *v)
{
    for (const char *p = v; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._:/-", *p))) {
            return false;
        }
    }
    return true;
}

static bool
is_whatsapp_app_secret(const char *v)
{
    return !v[0] || strlen(v) >= 8;
}

static bool
is_whatsapp_verify_token(const char *v)
{
    return !v[0] || strlen(v) >= 8;
}

#define STRING(m, n)      .type = SETTING_STRING, FIELD(m), .max = (n)
#define SECRET(m, n)      .type = SETTING_SECRET, FIELD(m), .max = (n)
#define URL(m)            .type = SETTING_URL, FIELD(m)
#define BOOL(m)           .type = SETTING_BOOL, FIELD(m)
#define NUMBER(m, lo, hi) .type = SETTING_NUMBER, FIELD(m), .min = (lo), .max = (hi)
#define CUSTOM(fn)        .type = SETTING_CUSTOM, .parse = (fn)
#define CHECK(fn, msg)    .check = (fn), .why = (msg)
#define DFLT(d, p)        .dflt_dev = (d), .dflt_prod = (p)

/* clang-format off */
static bool
is_crm_schedule(const char *v)
{
    int64_t steps[CONFIG_CRM_RETRY_STEPS_MAX];
    size_t n = 0;
    return strnum_parse_durations(str_from_cstr(v), CONFIG_CRM_RETRY_STEP_MAX_MS, steps,
                                  ARRAY_LEN(steps), &n) == 0;
}

static const struct setting settings[] = {
    {"PILOTO_ENV", CUSTOM(parse_env), DFLT("dev", NULL),
     .help = "dev or production (production refuses insecure settings)"},
    {"PORT", NUMBER(port, 1, 65535), DFLT("8080", "8080"), .help = "TCP port to listen on"},
    {"HOST", CUSTOM(parse_host), DFLT("127.0.0.1", "0.0.0.0"), .help = "address to listen on"},
    {"DATABASE_URL", STRING(database_url, 4096),
     CHECK(is_database_url, "must be sqlite:PATH or postgres://..."),
     DFLT("sqlite:data/piloto.db", NULL), .flags = SET_REQUIRED_IN_PROD,
     .help = "sqlite:PATH or postgres://user:pass@host/db"},
    {"PILOTO_SECRET", CUSTOM(parse_secret), FIELD(secret_len), DFLT(NULL, NULL),
     .flags = SET_SECRET | SET_REQUIRED_IN_PROD,
     .help = "server secret for HMACs, 32+ characters (dev: generated in the data directory)"},
    {"APP_ORIGINS", CUSTOM(parse_origins), FIELD(n_app_origins), DFLT("=", NULL),
     .flags = SET_REQUIRED_IN_PROD, .help = "comma-separated origins of the dashboard (CORS, CSRF)"},
    {"APP_URL", URL(app_url), DFLT("=", NULL),
     .help = "where the dashboard lives (default: the first app origin)"},
    {"PUBLIC_URL", URL(public_url), DFLT("=", NULL),
     .help = "this service's external base URL (default: APP_URL)"},
    {"COOKIE_DOMAIN", STRING(cookie_domain, 4096),
     CHECK(is_cookie_domain, "must be a domain like .example.com"), DFLT(NULL, NULL),
     .help = "parent domain for cookies, e.g. .example.com (empty: host-only __Host- cookies)"},
    {"COOKIE_SECURE", BOOL(cookie_secure), DFLT("false", "true"),
     .help = "Secure cookies; only dev may turn it off"},
    {"TRUSTED_PROXIES", CUSTOM(parse_proxies), DFLT(NULL, NULL),
     .help = "comma-separated CIDRs whose X-Forwarded-For is believed"},
    {"STATIC_DIR", CUSTOM(parse_static_dir), DFLT(NULL, NULL),
     .help = "built SPA to serve (empty: serve none)"},
    {"GOOGLE_CLIENT_ID", STRING(google_client_id, 512), DFLT(NULL, NULL),
     .help = "Google OAuth client id"},
    {"GOOGLE_CLIENT_SECRET", SECRET(google_client_secret, 512), DFLT(NULL, NULL),
     .help = "Google OAuth client secret"},
    {"GOOGLE_ISSUER", URL(google_issuer),
     DFLT("https://accounts.google.com", "https://accounts.google.com"),
     .help = "OpenID issuer (discovery document)"},
    {"GOOGLE_HOSTED_DOMAIN", STRING(google_hosted_domain, 253), DFLT(NULL, NULL),
     .help = "restrict Google sign-in to this Workspace domain"},
    {"SMTP_URL", SECRET(smtp_url, 1024), CHECK(is_smtp_url, "must be smtp://... or smtps://..."),
     DFLT(NULL, NULL),
     .help = "smtp(s)://user:pass@host:port (empty: mails stay in the outbox and the log)"},
    {"MAIL_FROM", STRING(mail_from, 320),
     CHECK(is_mail_from, "must be an address like Piloto <no-reply@example.com>"),
     DFLT("Piloto <no-reply@localhost>", "Piloto <no-reply@localhost>"),
     .help = "sender of outgoing mail"},
    {"STORAGE_URL", STRING(storage_url, 4096),
     CHECK(is_storage_url, "must be file:PATH or gs://BUCKET"), DFLT("=", "="),
     .help = "where uploaded documents go: file:PATH (default: uploads/ beside the SQLite database) or gs://BUCKET"},
    {"GCS_API_URL", URL(gcs_api_url),
     DFLT("https://storage.googleapis.com", "https://storage.googleapis.com"),
     .help = "Cloud Storage XML API base that signed URLs point at"},
    {"GOOGLE_APPLICATION_CREDENTIALS", STRING(google_credentials, 4096), DFLT(NULL, NULL),
     .help = "service-account key file (JSON) signing Cloud Storage URLs; required with gs://"},
    {"LOG_LEVEL", CUSTOM(parse_log_level), DFLT("info", "info"),
     .help = "debug, info, warning or error"},
    {"METRICS_TOKEN", SECRET(metrics_token, 256),
     CHECK(is_metrics_token, "must be at least 16 characters"), DFLT(NULL, NULL),
     .help = "bearer token /metrics requires (empty: open)"},
    {"GOOGLE_CLOUD_PROJECT", STRING(cloud_project, 64),
     CHECK(is_cloud_project, "must be a project id like my-project-123"), DFLT(NULL, NULL),
     .help = "project id, so request logs link to Cloud Trace"},
    {"LLM_API_URL", URL(llm_api_url), DFLT(NULL, NULL),
     .help = "OpenAI-compatible API base (POST $LLM_API_URL/chat/completions); empty: agents answer extractively from the best chunk"},
    {"LLM_API_KEY", SECRET(llm_api_key, 1024), DFLT(NULL, NULL),
     .help = "bearer token for LLM_API_URL"},
    {"LLM_MODEL", STRING(llm_model, 128),
     CHECK(is_model_name, "must be a model name (letters, digits and ._:/-)"),
     DFLT("gpt-4o-mini", "gpt-4o-mini"),
     .help = "model of agents that name none"},
    {"LLM_REPLY_TIMEOUT", NUMBER(llm_reply_timeout_s, 5, 600), DFLT("60", "60"),
     .help = "seconds one agent reply may spend on the model, retries included"},
    {"LLM_WORKSPACE_CONCURRENCY", NUMBER(llm_workspace_concurrency, 1, 1000), DFLT("4", "4"),
     .help = "agent replies of one workspace calling the model at once"},
    {"WHATSAPP_APP_SECRET", SECRET(whatsapp_app_secret, 256),
     CHECK(is_whatsapp_app_secret, "must be at least 8 characters"), DFLT(NULL, NULL),
     .flags = SET_REQUIRED_IN_PROD,
     .help = "Meta app secret: checks X-Hub-Signature-256 of WhatsApp webhooks"},
    {"WHATSAPP_VERIFY_TOKEN", SECRET(whatsapp_verify_token, 256),
     CHECK(is_whatsapp_verify_token, "must be at least 8 characters"), DFLT(NULL, NULL),
     .help = "token Meta's webhook subscription handshake must present"},
    {"WHATSAPP_API_URL", URL(whatsapp_api_url),
     DFLT("https://graph.facebook.com/v23.0", "https://graph.facebook.com/v23.0"),
     .help = "Graph API base URL with its version (https in production)"},
    {"HTTP_THREADS", NUMBER(http_threads, 1, 256), DFLT("4", "8"),
     .help = "HTTP I/O threads (epoll pool)"},
    {"WORKER_THREADS", NUMBER(worker_threads, 1, 256), DFLT("2", "2"),
     .help = "worker threads for CPU-heavy work and outbound HTTP"},
    {"WORKER_QUEUE", NUMBER(worker_queue, 1, 100000), DFLT("256", "256"),
     .help = "queued worker tasks before 503"},
    {"DB_POOL_SIZE", NUMBER(db_pool_size, 1, 1000), DFLT("8", "10"),
     .help = "database connections"},
    {"JOB_WORKERS", NUMBER(job_workers, 0, 64), DFLT("2", "4"),
     .help = "job queue worker threads, each with its own database connection (0: run no jobs here)"},
    {"CRM_RETRY_SCHEDULE", STRING(crm_retry_schedule, 1024),
     CHECK(is_crm_schedule, "must be 1 to 30 comma-separated waits like 30s,2m,1h (ms, s, m, h, d; at most 7d each)"),
     DFLT(CONFIG_CRM_RETRY_DEFAULT, CONFIG_CRM_RETRY_DEFAULT),
     .help = "waits between a failed CRM delivery's attempts, then it is dead"},
    {"CRM_TIMEOUT", NUMBER(crm_timeout_s, 1, 60), DFLT("10", "10"),
     .help = "seconds a CRM has to answer a delivery"},
    {"MAX_CONNECTIONS", NUMBER(max_connections, 1, 100000), DFLT("1024", "1024"),
     .help = "concurrent HTTP connections"},
    {"MAX_CONNECTIONS_PER_IP", NUMBER(max_connections_per_ip, 1, 100000), DFLT("256", "256"),
     .help = "concurrent HTTP connections per client address"},
    {"CONNECTION_TIMEOUT", NUMBER(connection_timeout_s, 1, 3600), DFLT("15", "15"),
     .help = "seconds a connection may sit idle, or take to send a request's headers (and its body, plus 1 s per 500 bytes)"},
    {"SHUTDOWN_TIMEOUT", NUMBER(shutdown_timeout_s, 1, 600), DFLT("10", "10"),
     .help = "seconds SIGTERM waits for in-flight requests"},
    {"EVENTS_MAX_STREAMS", NUMBER(events_max_streams, 1, 100000), DFLT("4096", "4096"),
     .help = "open event streams (Server-Sent Events) per instance; 429 past it"},
    {"EVENTS_MAX_STREAMS_PER_USER", NUMBER(events_max_streams_per_user, 1, 100000), DFLT("16", "16"),
     .help = "open event streams per user, per instance; 429 past it"},
    {"EVENTS_RECHECK_SECONDS", NUMBER(events_recheck_s, 1, 3600), DFLT("30", "30"),
     .help = "seconds between re-checks of an open stream's session and membership"},
    {"EVENTS_KEEPALIVE_SECONDS", NUMBER(events_keepalive_s, 1, 300), DFLT("15", "15"),
     .help = "seconds between keep-alive comments on an open event stream"},
    {"JOB_TIMEOUT_MS", NUMBER(job_timeout_ms, 100, 600000), DFLT("10000", "10000"),
     .help = "deadline of worker tasks a request waits for"},
    {"JSON_BODY_LIMIT", NUMBER(json_body_limit, 1024, 64 * 1024 * 1024),
     DFLT("1048576", "1048576"), .help = "largest JSON request body, bytes"},
    {"SESSION_IDLE_TIMEOUT", NUMBER(session_idle_s, 1, 31536000), DFLT("604800", "604800"),
     .help = "seconds of inactivity that end a session"},
    {"SESSION_ABSOLUTE_TIMEOUT", NUMBER(session_absolute_s, 1, 31536000),
     DFLT("2592000", "2592000"), .help = "seconds a remembered session may live"},
    {"SESSION_SHORT_TIMEOUT", NUMBER(session_short_s, 1, 31536000), DFLT("43200", "43200"),
     .help = "seconds a session without \"remember me\" may live"},
    {"REAUTH_WINDOW", NUMBER(reauth_window_s, 10, 86400), DFLT("900", "900"),
     .help = "seconds a login counts as recent for sensitive actions"},
    {"SESSION_CACHE_TTL_MS", NUMBER(session_cache_ms, 0, 1000), DFLT("1000", "1000"),
     .help = "ms a found session may answer GET requests from memory (0: always ask the database)"},
    {"RATE_LIMIT_GENERAL", NUMBER(rate_general_per_min, 1, 1000000000), DFLT("600", "600"),
     .help = "requests per minute per client address"},
    {"RATE_LIMIT_AUTH", NUMBER(rate_auth_per_min, 1, 1000000000), DFLT("20", "20"),
     .help = "login/sign-up/reset requests per minute per client address"},
};
/* clang-format on */

static void
release(struct config *cfg)
{
    for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
        const struct setting *s = &settings[i];
        if (s->type == SETTING_STRING || s->type == SETTING_SECRET || s->type == SETTING_URL) {
            char **p = field(cfg, s);
            if (*p && s->type == SETTING_SECRET) {
                crypto_wipe(*p, strlen(*p));
            }
            free(*p);
        }
    }
    free(cfg->static_dir);
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
    if (!cfg->storage_url) {
        /* Uploads live beside the SQLite database, or in data/ when the database is elsewhere. */
        struct buf b = BUF_INIT;
        const char *db = cfg->database_url ? cfg->database_url : "";
        const char *slash = strrchr(db, '/');
        bool sqlite = strncmp(db, "sqlite:", 7) == 0 && strcmp(db, "sqlite::memory:") != 0;
        int added;
        if (sqlite && slash) {
            added = buf_addf(&b, "file:%.*s/uploads", (int)(slash - db - 7), db + 7);
        } else {
            added = buf_addstr(&b, sqlite ? "file:uploads" : "file:data/uploads");
        }
        if (added) {
            buf_release(&b);
            return fail(err, errlen, "invalid STORAGE_URL: cannot be computed");
        }
        cfg->storage_url = buf_detach(&b, NULL);
    }
    if (strncmp(cfg->storage_url, "gs://", 5) == 0 && !cfg->google_credentials) {
        return fail(err, errlen,
                    "missing GOOGLE_APPLICATION_CREDENTIALS: required with STORAGE_URL=gs://...");
    }
    return 0;
}

/* Whether s has a value once loaded (for SET_REQUIRED_IN_PROD). */
static bool
is_set(struct config *cfg, const struct setting *s)
{
    switch (s->type) {
    case SETTING_STRING:
    case SETTING_SECRET:
    case SETTING_URL:
        return *(char **)field(cfg, s) != NULL;
    case SETTING_CUSTOM:
        return *(size_t *)field(cfg, s) != 0;
    case SETTING_BOOL:
    case SETTING_NUMBER:
        break;
    }
    return true;
}

static int
check_production(struct config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
        const struct setting *s = &settings[i];
        if (!(s->flags & SET_REQUIRED_IN_PROD)) {
            continue;
        }
        if (!is_set(cfg, s)) {
            return fail(err, errlen, "missing %s: required when PILOTO_ENV=production", s->name);
        }
    }
    if (cfg->whatsapp_api_url && strncmp(cfg->whatsapp_api_url, "https://", 8) != 0) {
        return fail(err, errlen,
                    "invalid WHATSAPP_API_URL: must be https when PILOTO_ENV=production");
    }
    if (!cfg->cookie_secure) {
        return fail(err, errlen,
                    "invalid COOKIE_SECURE: cookies must be Secure when "
                    "PILOTO_ENV=production");
    }
    for (size_t i = 0; i < cfg->n_app_origins; i++) {
        if (!cfg->app_origins[i].https && !origin_is_loopback(&cfg->app_origins[i])) {
            return fail(err, errlen, "invalid APP_ORIGINS: production origins must be https");
        }
    }
    if (strncmp(cfg->gcs_api_url, "https://", 8) != 0) {
        return fail(err, errlen, "invalid GCS_API_URL: must be https when PILOTO_ENV=production");
    }
    if (cfg->llm_api_url && strncmp(cfg->llm_api_url, "https://", 8) != 0) {
        return fail(err, errlen, "invalid LLM_API_URL: must be https when PILOTO_ENV=production");
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
        check_row(s);
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
        if ((rc = parse_value(cfg, s, v, err, errlen))) {
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
        if (d && strcmp(d, "=") != 0 && !is_secret(s)) {
            fprintf(f, " [dev default: %s]", d);
        }
        fputc('\n', f);
    }
}
