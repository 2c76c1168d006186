/*
 * Unit tests for config/config, through a fake environment: the defaults in
 * dev, one clear error line naming the setting for every bad value, and the
 * settings production refuses to run without.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "core/common.h"
#include "core/err.h"

#define MAX_VARS    16
#define GOOD_SECRET "0123456789abcdef0123456789abcdef-test"

/* The fake environment: name/value pairs; unset names give NULL. */
struct var {
    const char *name;
    const char *value;
};

static struct var env[MAX_VARS];
static size_t nenv;

static const char *
fake_getenv(const char *name)
{
    for (size_t i = 0; i < nenv; i++) {
        if (strcmp(env[i].name, name) == 0) {
            return env[i].value;
        }
    }
    return NULL;
}

static void
env_clear(void)
{
    nenv = 0;
}

static void
env_set(const char *name, const char *value)
{
    for (size_t i = 0; i < nenv; i++) {
        if (strcmp(env[i].name, name) == 0) {
            env[i].value = value;
            return;
        }
    }
    assert_true(nenv < MAX_VARS);
    env[nenv++] = (struct var){name, value};
}

/* A production environment that loads. */
static void
env_production(void)
{
    env_clear();
    env_set("PILOTO_ENV", "production");
    env_set("PILOTO_SECRET", GOOD_SECRET);
    env_set("DATABASE_URL", "postgres://piloto@db.internal/piloto");
    env_set("APP_ORIGINS", "https://app.example.com");
    env_set("WHATSAPP_APP_SECRET", "a-meta-app-secret-0123");
}

/* After a failure the struct is released: no pointers left, nothing to free. */
static void
check_released(const struct config *cfg)
{
    assert_null(cfg->database_url);
    assert_null(cfg->app_url);
    assert_null(cfg->public_url);
    assert_null(cfg->cookie_domain);
    assert_null(cfg->static_dir);
    assert_null(cfg->google_issuer);
    assert_null(cfg->mail_from);
    assert_int_equal(cfg->secret_len, 0);
    assert_int_equal(cfg->n_app_origins, 0);
}

/* Loads and expects E_INVALID with one line that names the setting. */
static void
check_fails(const char *name, const char *value_shown, const char *err_mentions)
{
    struct config cfg;
    char err[256] = "";
    int rc = config_load(&cfg, fake_getenv, err, sizeof(err));

    if (rc != E_INVALID) {
        if (rc == 0) {
            config_release(&cfg);
        }
        fail_msg("%s=%s: config_load returned %d, want E_INVALID", name, value_shown, rc);
    }
    if (!strstr(err, err_mentions)) {
        fail_msg("%s=%s: error '%s' does not name %s", name, value_shown, err, err_mentions);
    }
    assert_null(strchr(err, '\n'));
    check_released(&cfg);
}

static void
load_ok(struct config *cfg)
{
    char err[256] = "";
    int rc = config_load(cfg, fake_getenv, err, sizeof(err));

    if (rc != 0) {
        fail_msg("config_load failed: %s", err);
    }
}

static void
check_origin_text(const struct origin *o, const char *want)
{
    char text[ORIGIN_TEXT_MAX];

    origin_format(o, text, sizeof(text));
    assert_string_equal(text, want);
}

static void
test_dev_defaults(void **state)
{
    struct config cfg;
    (void)state;

    env_clear();
    load_ok(&cfg);
    assert_int_equal(cfg.env, CONFIG_DEV);
    assert_int_equal(cfg.port, 8080);
    assert_string_equal(cfg.host, "127.0.0.1");
    assert_string_equal(cfg.database_url, "sqlite:data/piloto.db");
    assert_int_equal(cfg.secret_len, 0); /* dev: generated later by config_ensure_dev_secret */
    assert_int_equal(cfg.n_app_origins, 2);
    check_origin_text(&cfg.app_origins[0], "http://localhost:8080");
    check_origin_text(&cfg.app_origins[1], "http://127.0.0.1:8080");
    assert_string_equal(cfg.app_url, "http://localhost:8080");
    assert_string_equal(cfg.public_url, "http://localhost:8080");
    assert_false(cfg.cookie_secure);
    assert_null(cfg.cookie_domain);
    assert_int_equal(cfg.n_trusted_proxies, 0);
    assert_null(cfg.static_dir);
    assert_null(cfg.google_client_id);
    assert_null(cfg.google_client_secret);
    assert_string_equal(cfg.google_issuer, "https://accounts.google.com");
    assert_null(cfg.smtp_url);
    assert_string_equal(cfg.mail_from, "Piloto <no-reply@localhost>");
    assert_int_equal(cfg.log_level, LOG_INFO);
    assert_null(cfg.metrics_token);
    assert_int_equal(cfg.http_threads, 4);
    assert_int_equal(cfg.worker_threads, 2);
    assert_int_equal(cfg.worker_queue, 256);
    assert_int_equal(cfg.db_pool_size, 8);
    assert_int_equal(cfg.max_connections, 1024);
    assert_int_equal(cfg.max_connections_per_ip, 256);
    assert_int_equal(cfg.connection_timeout_s, 15);
    assert_int_equal(cfg.shutdown_timeout_s, 10);
    assert_int_equal(cfg.job_timeout_ms, 10000);
    assert_int_equal(cfg.json_body_limit, 1048576);
    assert_int_equal(cfg.session_idle_s, 604800);
    assert_int_equal(cfg.session_absolute_s, 2592000);
    assert_int_equal(cfg.session_short_s, 43200);
    assert_int_equal(cfg.reauth_window_s, 900);
    assert_int_equal(cfg.rate_general_per_min, 600);
    assert_int_equal(cfg.rate_auth_per_min, 20);
    config_release(&cfg);
    check_released(&cfg);

    /* An explicit "dev", and empty values, are the same as unset. */
    env_set("PILOTO_ENV", "dev");
    env_set("PORT", "");
    env_set("APP_ORIGINS", "");
    load_ok(&cfg);
    assert_int_equal(cfg.env, CONFIG_DEV);
    assert_int_equal(cfg.port, 8080);
    assert_int_equal(cfg.n_app_origins, 2);
    config_release(&cfg);
}

static void
test_dev_values(void **state)
{
    struct config cfg;
    (void)state;

    env_clear();
    env_set("PORT", "9000");
    env_set("HOST", "::1");
    env_set("TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::/32,192.168.1.1");
    env_set("COOKIE_DOMAIN", ".example.com");
    env_set("STATIC_DIR", "/");
    env_set("LOG_LEVEL", "DEBUG");
    env_set("METRICS_TOKEN", "0123456789abcdef");
    env_set("JSON_BODY_LIMIT", "2048");
    env_set("SMTP_URL", "smtp://mail:1025");
    load_ok(&cfg);
    assert_int_equal(cfg.port, 9000);
    assert_string_equal(cfg.host, "::1");
    /* The dev origins follow PORT. */
    check_origin_text(&cfg.app_origins[0], "http://localhost:9000");
    assert_string_equal(cfg.app_url, "http://localhost:9000");
    assert_int_equal(cfg.n_trusted_proxies, 3);
    assert_int_equal(cfg.trusted_proxies[0].bits, 104);
    assert_int_equal(cfg.trusted_proxies[1].bits, 32);
    assert_int_equal(cfg.trusted_proxies[2].bits, 128);
    assert_string_equal(cfg.cookie_domain, ".example.com");
    assert_string_equal(cfg.static_dir, "/");
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    assert_string_equal(cfg.metrics_token, "0123456789abcdef");
    assert_int_equal(cfg.json_body_limit, 2048);
    assert_string_equal(cfg.smtp_url, "smtp://mail:1025");
    config_release(&cfg);
}

static void
test_urls(void **state)
{
    struct config cfg;
    (void)state;

    /* APP_URL defaults to the first origin (default port dropped), PUBLIC_URL to APP_URL. */
    env_production();
    env_set("APP_ORIGINS", "https://app.example.com:443, https://admin.example.com");
    load_ok(&cfg);
    assert_int_equal(cfg.n_app_origins, 2);
    assert_string_equal(cfg.app_url, "https://app.example.com");
    assert_string_equal(cfg.public_url, "https://app.example.com");
    config_release(&cfg);

    /* Given values lose their trailing slashes. */
    env_set("APP_URL", "https://app.example.com/dash/");
    load_ok(&cfg);
    assert_string_equal(cfg.app_url, "https://app.example.com/dash");
    assert_string_equal(cfg.public_url, "https://app.example.com/dash");
    config_release(&cfg);

    env_set("PUBLIC_URL", "https://api.example.com//");
    load_ok(&cfg);
    assert_string_equal(cfg.app_url, "https://app.example.com/dash");
    assert_string_equal(cfg.public_url, "https://api.example.com");
    config_release(&cfg);
}

static void
test_production_ok(void **state)
{
    struct config cfg;
    (void)state;

    env_production();
    load_ok(&cfg);
    assert_int_equal(cfg.env, CONFIG_PRODUCTION);
    assert_string_equal(cfg.host, "0.0.0.0");
    assert_true(cfg.cookie_secure);
    assert_int_equal(cfg.secret_len, strlen(GOOD_SECRET));
    assert_memory_equal(cfg.secret, GOOD_SECRET, strlen(GOOD_SECRET));
    assert_int_equal(cfg.n_app_origins, 1);
    assert_int_equal(cfg.http_threads, 8);
    assert_int_equal(cfg.db_pool_size, 10);
    assert_true(config_is_app_origin(&cfg, &cfg.app_origins[0]));
    {
        struct origin o;
        assert_int_equal(origin_parse(STR_LIT("https://evil.example.com"), &o), 0);
        assert_false(config_is_app_origin(&cfg, &o));
        assert_int_equal(origin_parse(STR_LIT("http://app.example.com"), &o), 0);
        assert_false(config_is_app_origin(&cfg, &o));
    }
    config_release(&cfg);
    check_released(&cfg);

    /* A loopback http origin is allowed, for running production mode locally. */
    env_set("APP_ORIGINS", "https://app.example.com,http://localhost:8080,http://127.0.0.1:8080");
    load_ok(&cfg);
    assert_int_equal(cfg.n_app_origins, 3);
    config_release(&cfg);
}

static void
test_production_refuses(void **state)
{
    (void)state;

    env_production();
    env_set("PILOTO_SECRET", NULL);
    check_fails("PILOTO_SECRET", "(unset)", "PILOTO_SECRET");
    env_set("PILOTO_SECRET", "");
    check_fails("PILOTO_SECRET", "(empty)", "PILOTO_SECRET");

    env_production();
    env_set("COOKIE_SECURE", "false");
    check_fails("COOKIE_SECURE", "false", "COOKIE_SECURE");
    env_set("COOKIE_SECURE", "0");
    check_fails("COOKIE_SECURE", "0", "COOKIE_SECURE");

    env_production();
    env_set("APP_ORIGINS", NULL);
    check_fails("APP_ORIGINS", "(unset)", "APP_ORIGINS");
    env_set("APP_ORIGINS", "");
    check_fails("APP_ORIGINS", "(empty)", "APP_ORIGINS");
    env_set("APP_ORIGINS", " , ,");
    check_fails("APP_ORIGINS", "' , ,'", "APP_ORIGINS");
    env_set("APP_ORIGINS", "http://app.example.com");
    check_fails("APP_ORIGINS", "http://app.example.com", "APP_ORIGINS");
    env_set("APP_ORIGINS", "https://app.example.com,http://app.example.com");
    check_fails("APP_ORIGINS", "https+http", "APP_ORIGINS");

    env_production();
    env_set("DATABASE_URL", NULL);
    check_fails("DATABASE_URL", "(unset)", "DATABASE_URL");

    /* Webhooks cannot be checked without the app secret; sends go to Meta over https only. */
    env_production();
    env_set("WHATSAPP_APP_SECRET", NULL);
    check_fails("WHATSAPP_APP_SECRET", "(unset)", "WHATSAPP_APP_SECRET");
    env_production();
    env_set("WHATSAPP_API_URL", "http://graph.example.com/v23.0");
    check_fails("WHATSAPP_API_URL", "http", "WHATSAPP_API_URL");
}

/* Every setting with values it must refuse, in dev (production adds its own checks). */
struct bad_value {
    const char *name;
    const char *value;
};

static void
test_bad_values(void **state)
{
    static char too_long[5000];
    static char long_512[514];
    static char long_254[256];
    static const struct bad_value bad[] = {
        {"PILOTO_ENV", "staging"},
        {"PILOTO_ENV", "Production"},
        {"PORT", "0"},
        {"PORT", "65536"},
        {"PORT", "-1"},
        {"PORT", "80 "},
        {"PORT", "http"},
        {"PORT", "0x50"},
        {"HOST", "localhost"},
        {"HOST", "1.2.3.4:80"},
        {"HOST", "[::1]"},
        {"DATABASE_URL", "mysql://x"},
        {"DATABASE_URL", "sqlite:"},
        {"DATABASE_URL", "data.db"},
        {"DATABASE_URL", "sqlite:a\nb"},
        {"PILOTO_SECRET", "short"},
        {"PILOTO_SECRET", "0123456789abcdef0123456789abcde"}, /* 31 */
        {"APP_ORIGINS", "https://app.example.com/"},
        {"APP_ORIGINS", "ftp://app.example.com"},
        {"APP_ORIGINS", "app.example.com"},
        {"APP_ORIGINS", "https://a.example.com,https://b.example.com:0"},
        {"APP_ORIGINS", "*"},
        {"APP_URL", "https://app.example.com/?x=1"},
        {"APP_URL", "app.example.com"},
        {"APP_URL", "https://app.example.com/#x"},
        {"PUBLIC_URL", "notaurl"},
        {"PUBLIC_URL", "https://user@api.example.com"},
        {"COOKIE_DOMAIN", "localhost"},
        {"COOKIE_DOMAIN", "exa mple.com"},
        {"COOKIE_DOMAIN", "."},
        {"COOKIE_DOMAIN", "..example.com"},
        {"COOKIE_DOMAIN", "https://example.com"},
        {"COOKIE_DOMAIN", "example.com/"},
        {"COOKIE_SECURE", "yes"},
        {"COOKIE_SECURE", "TRUE"},
        {"TRUSTED_PROXIES", "10.0.0.0/33"},
        {"TRUSTED_PROXIES", "10.0.0.0/8,nope"},
        {"TRUSTED_PROXIES", "10.0.0.0/8;192.168.0.0/16"},
        {"STATIC_DIR", "/nonexistent/piloto/dist"},
        {"STATIC_DIR", "/dev/null"},
        {"GOOGLE_CLIENT_ID", "id\x01"},
        {"GOOGLE_CLIENT_SECRET", long_512},
        {"GOOGLE_ISSUER", "accounts.google.com"},
        {"GOOGLE_ISSUER", "https://accounts.google.com?x"},
        {"GOOGLE_HOSTED_DOMAIN", long_254},
        {"SMTP_URL", "http://mail.example.com"},
        {"SMTP_URL", "smtp://mail\r\n"},
        {"MAIL_FROM", "nobody"},
        {"MAIL_FROM", "a@b\r\nBcc: x@y"},
        {"LOG_LEVEL", "verbose"},
        {"LOG_LEVEL", "3"},
        {"METRICS_TOKEN", "short"},
        {"METRICS_TOKEN", "0123456789abcde"}, /* 15 */
        {"WHATSAPP_APP_SECRET", "short"},
        {"WHATSAPP_APP_SECRET", "secret\x01with-control"},
        {"WHATSAPP_VERIFY_TOKEN", "short"},
        {"WHATSAPP_API_URL", "graph.facebook.com/v23.0"},
        {"WHATSAPP_API_URL", "https://graph.facebook.com/v23.0?x=1"},
        {"HTTP_THREADS", "0"},
        {"HTTP_THREADS", "257"},
        {"WORKER_THREADS", "0"},
        {"WORKER_QUEUE", "0"},
        {"WORKER_QUEUE", "100001"},
        {"DB_POOL_SIZE", "1001"},
        {"MAX_CONNECTIONS", "0"},
        {"MAX_CONNECTIONS_PER_IP", "0"},
        {"CONNECTION_TIMEOUT", "3601"},
        {"SHUTDOWN_TIMEOUT", "0"},
        {"JOB_TIMEOUT_MS", "0"},
        {"JSON_BODY_LIMIT", "1023"},
        {"JSON_BODY_LIMIT", "67108865"},
        {"JSON_BODY_LIMIT", "1M"},
        {"SESSION_IDLE_TIMEOUT", "0"},
        {"SESSION_ABSOLUTE_TIMEOUT", "31536001"},
        {"SESSION_SHORT_TIMEOUT", "x"},
        {"REAUTH_WINDOW", "0"},
        {"RATE_LIMIT_GENERAL", "0"},
        {"RATE_LIMIT_AUTH", "1000000001"},
        {"RATE_LIMIT_AUTH", "-20"},
        {"PORT", too_long},
        {"APP_ORIGINS", too_long},
    };
    (void)state;

    memset(too_long, '1', sizeof(too_long) - 1);
    memset(long_512, 'x', sizeof(long_512) - 1);
    memset(long_254, 'd', sizeof(long_254) - 1);
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        env_clear();
        env_set(bad[i].name, bad[i].value);
        check_fails(bad[i].name, strlen(bad[i].value) > 40 ? "(long)" : bad[i].value, bad[i].name);
    }
}

static void
test_origin_limit(void **state)
{
    char list[2048];
    size_t len = 0;
    struct config cfg;
    (void)state;

    for (int i = 0; i < CONFIG_MAX_ORIGINS; i++) {
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%shttps://a%d.example.com",
                                i ? "," : "", i);
    }
    env_clear();
    env_set("APP_ORIGINS", list);
    load_ok(&cfg);
    assert_int_equal(cfg.n_app_origins, CONFIG_MAX_ORIGINS);
    config_release(&cfg);
    (void)snprintf(list + len, sizeof(list) - len, ",https://one-more.example.com");
    check_fails("APP_ORIGINS", "(17 origins)", "APP_ORIGINS");
}

static void
test_storage(void **state)
{
    struct config cfg;
    char err[256];

    (void)state;
    /* The default lives beside the SQLite database. */
    env_clear();
    env_set("DATABASE_URL", "sqlite:/var/lib/piloto/app.db");
    assert_int_equal(config_load(&cfg, fake_getenv, err, sizeof(err)), 0);
    assert_string_equal(cfg.storage_url, "file:/var/lib/piloto/uploads");
    assert_string_equal(cfg.gcs_api_url, "https://storage.googleapis.com");
    assert_null(cfg.google_credentials);
    config_release(&cfg);
    /* A bucket needs the key that signs its URLs. */
    env_set("STORAGE_URL", "gs://piloto-docs");
    assert_int_equal(config_load(&cfg, fake_getenv, err, sizeof(err)), E_INVALID);
    assert_non_null(strstr(err, "GOOGLE_APPLICATION_CREDENTIALS"));
    env_set("GOOGLE_APPLICATION_CREDENTIALS", "/secrets/sa.json");
    env_set("GCS_API_URL", "http://127.0.0.1:9000/");
    assert_int_equal(config_load(&cfg, fake_getenv, err, sizeof(err)), 0);
    assert_string_equal(cfg.storage_url, "gs://piloto-docs");
    assert_string_equal(cfg.gcs_api_url, "http://127.0.0.1:9000");
    config_release(&cfg);
    /* Bad names. */
    env_set("STORAGE_URL", "gs://Bad_Bucket!");
    assert_int_equal(config_load(&cfg, fake_getenv, err, sizeof(err)), E_INVALID);
    assert_non_null(strstr(err, "STORAGE_URL"));
    env_set("STORAGE_URL", "s3://x");
    assert_int_equal(config_load(&cfg, fake_getenv, err, sizeof(err)), E_INVALID);
    /* Production wants https for Cloud Storage. */
    env_production();
    env_set("GCS_API_URL", "http://storage.example.com");
    assert_int_equal(config_load(&cfg, fake_getenv, err, sizeof(err)), E_INVALID);
    assert_non_null(strstr(err, "GCS_API_URL"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dev_defaults),
        cmocka_unit_test(test_dev_values),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_production_ok),
        cmocka_unit_test(test_production_refuses),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_origin_limit),
        cmocka_unit_test(test_storage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
