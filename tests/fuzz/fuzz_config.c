/*
 * Fuzzes config_load (config/config.h) with an environment taken from the
 * input: line i is the value of names[i] (missing lines are unset). STATIC_DIR
 * is left out, as it touches the file system.
 */
#include "fuzz.h"

#include "config/config.h"
#include "core/common.h"
#include "core/err.h"

static const char *const names[] = {
    "PILOTO_ENV",
    "PORT",
    "DATABASE_URL",
    "PILOTO_SECRET",
    "APP_ORIGINS",
    "APP_URL",
    "PUBLIC_URL",
    "COOKIE_DOMAIN",
    "COOKIE_SECURE",
    "TRUSTED_PROXIES",
    "HOST",
    "MAIL_FROM",
    "SMTP_URL",
    "LOG_LEVEL",
    "METRICS_TOKEN",
    "GOOGLE_ISSUER",
    "JSON_BODY_LIMIT",
    "HTTP_THREADS",
};

static char *values[ARRAY_LEN(names)];

static const char *
fuzz_getenv(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        if (strcmp(names[i], name) == 0) {
            return values[i];
        }
    }
    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str rest = str_make((const char *)data, size);
    struct config cfg;
    char err[256];
    int rc;

    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        values[i] = NULL;
        if (rest.len) {
            struct str line = str_cut(&rest, '\n');
            values[i] = xstrndup(line.ptr, line.len); /* a NUL inside ends it, as in environ */
        }
    }
    err[0] = '\0';
    rc = config_load(&cfg, fuzz_getenv, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == E_INVALID);
    if (rc == 0) {
        FUZZ_CHECK(cfg.port >= 1 && cfg.port <= 65535);
        FUZZ_CHECK(cfg.n_app_origins <= CONFIG_MAX_ORIGINS);
        FUZZ_CHECK(cfg.n_trusted_proxies <= CONFIG_MAX_PROXIES);
        FUZZ_CHECK(cfg.secret_len == 0 ||
                   (cfg.secret_len >= CONFIG_SECRET_MIN && cfg.secret_len <= CONFIG_SECRET_MAX));
        FUZZ_CHECK(cfg.n_app_origins == 0 || cfg.app_url != NULL);
        if (cfg.env == CONFIG_PRODUCTION) {
            FUZZ_CHECK(cfg.cookie_secure && cfg.secret_len > 0 && cfg.n_app_origins > 0);
            for (size_t i = 0; i < cfg.n_app_origins; i++) {
                FUZZ_CHECK(cfg.app_origins[i].https || origin_is_loopback(&cfg.app_origins[i]));
            }
        }
        config_release(&cfg);
    } else {
        /* One line that names what is wrong. */
        FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
    }
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        free(values[i]);
    }
    return 0;
}
