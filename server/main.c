/*
 * piloto: the API + BFF of Piloto de Vendas. Subcommands (like git.c's
 * commands[]): serve (the default), migrate, version, routes.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "core/workpool.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "http/server.h"
#include "integrations/httpc.h"
#include "whatsapp/inbound.h"
#include "jobs/queue.h"
#include "knowledge/storage.h"
#include "router/router.h"
#include "routes/events.h"
#include "routes/job_kinds.h"
#include "routes/routes.h"
#include "session/cache.h"

#ifndef PILOTO_VERSION
#define PILOTO_VERSION "0.1.0"
#endif

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

static int
load_config(struct config *cfg)
{
    char err[256];

    if (config_load(cfg, config_env, err, sizeof(err))) {
        fprintf(stderr, "piloto: %s\n", err);
        return 1;
    }
    log_set_level(cfg->log_level);
    return 0;
}

/* The directory that keeps the dev secret: the SQLite file's, or ./data. */
static void
data_dir(const struct config *cfg, char *out, size_t cap)
{
    if (strncmp(cfg->database_url, "sqlite:", 7) == 0) {
        char tmp[PATH_MAX];
        (void)snprintf(tmp, sizeof(tmp), "%s", cfg->database_url + 7);
        (void)snprintf(out, cap, "%s", dirname(tmp));
    } else {
        (void)snprintf(out, cap, "data");
    }
}

static int
ensure_sqlite_dir(const struct config *cfg)
{
    char dir[PATH_MAX];
    if (strncmp(cfg->database_url, "sqlite:", 7) != 0) {
        return 0;
    }
    data_dir(cfg, dir, sizeof(dir));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "piloto: cannot create database directory '%s'\n", dir);
        return 1;
    }
    return 0;
}

/* Opens the database and applies migrations, retrying while it is unreachable. */
static int
open_database(const struct config *cfg, struct db **out)
{
    int err = db_open(cfg->database_url, cfg->db_pool_size, 5000, out);

    if (err) {
        fprintf(stderr, "piloto: invalid DATABASE_URL: cannot open it\n");
        return 1;
    }
    for (int attempt = 1;; attempt++) {
        err = db_migrate(*out);
        if (!err) {
            return 0;
        }
        if (err != E_UNAVAILABLE || attempt == 15) {
            log_msg(LOG_CRITICAL, "cannot apply migrations: %s", err_name(err));
            db_free(*out);
            *out = NULL;
            return 1;
        }
        log_msg(LOG_WARNING, "database unavailable, retrying migrations (%d)", attempt);
        sleep(1);
    }
}

static int
cmd_migrate(int argc, char **argv)
{
    struct config cfg;
    struct db *db = NULL;
    int rc;

    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: piloto migrate\n");
        return 2;
    }
    if (load_config(&cfg) || ensure_sqlite_dir(&cfg)) {
        return 1;
    }
    rc = open_database(&cfg, &db);
    if (!rc) {
        log_msg(LOG_INFO, "migrations applied");
    }
    db_free(db);
    config_release(&cfg);
    return rc;
}

static int
cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("piloto %s\n", PILOTO_VERSION);
    return 0;
}

static int64_t
mono_ms(void)
{
    return clock_mono_ms();
}

static int
serve(struct config *cfg)
{
    struct app app = {0};
    struct http_server *srv = NULL;
    struct db *db = NULL;
    static const struct http_dispatch dispatch = {router_begin, router_run, router_finish};
    struct http_options opt;
    sigset_t sigs;
    int sig = 0;
    int rc = 1;
    char dir[PATH_MAX];
    char err[256];

    if (ensure_sqlite_dir(cfg)) {
        return 1;
    }
    data_dir(cfg, dir, sizeof(dir));
    if (config_ensure_dev_secret(cfg, dir, err, sizeof(err))) {
        fprintf(stderr, "piloto: %s\n", err);
        return 1;
    }
    config_log(cfg);
    if (cfg->env == CONFIG_PRODUCTION && cfg->n_trusted_proxies == 0) {
        /* Behind a load balancer every client would share its address (README.md). */
        log_msg(LOG_WARNING, "TRUSTED_PROXIES is empty: every request is taken to come from its "
                             "TCP peer; behind a proxy or Cloud Run's front end, set it");
    }
    if (cfg->env == CONFIG_PRODUCTION && !cfg->metrics_token) {
        log_msg(LOG_WARNING, "METRICS_TOKEN is unset: /metrics answers 404 in production");
    }
    /* Signals go to this thread only: block them before any thread starts. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (open_database(cfg, &db)) {
        return 1;
    }
    if (storage_open(cfg, &app.storage, err, sizeof(err))) {
        fprintf(stderr, "piloto: STORAGE_URL: %s\n", err);
        db_free(db);
        return 1;
    }
    app.cfg = cfg;
    app.db = db;
    app.sessions = session_cache_new(db, cfg->session_cache_ms);
    app.pool = workpool_new(cfg->worker_threads, cfg->worker_queue);
    app.rl = ratelimiter_new(16384, mono_ms);
    app.ingest = db_get_kind(db) == DB_SQLITE ? whatsapp_ingest_start(db) : NULL;
    {
        struct jobs_options jo = {cfg, cfg->job_workers, jobs_kinds, jobs_nkinds, &app};
        app.jobs = jobs_start(db, &jo);
    }
    app.events = events_hub_start(cfg, db);
    app.started_wall_s = clock_wall_s();
    atomic_init(&app.draining, false);
    routes_init(cfg);

    opt = (struct http_options){
        .host = cfg->host,
        .port = cfg->port,
        .threads = cfg->http_threads,
        .max_connections = cfg->max_connections,
        .max_connections_per_ip = cfg->max_connections_per_ip,
        .connection_timeout_s = cfg->connection_timeout_s,
        .job_timeout_ms = cfg->job_timeout_ms,
        .trusted_proxies = cfg->trusted_proxies,
        .ntrusted_proxies = cfg->n_trusted_proxies,
        .app = &app,
        .pool = app.pool,
        .cloud_project = cfg->cloud_project,
    };
    if (http_server_start(&opt, &dispatch, &srv)) {
        goto out;
    }
    log_msg(LOG_INFO, "listening on http://%s:%u", cfg->host, cfg->port);

    while (sigwait(&sigs, &sig) != 0) {
    }
    log_msg(LOG_INFO, "received %s, draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    atomic_store(&app.draining, true);
    http_server_quiesce(srv);
    /* Streams are not in flight: they end first, and their clients reconnect elsewhere. */
    http_server_close_streams(srv);
    {
        int64_t deadline = clock_mono_ms() + (int64_t)cfg->shutdown_timeout_s * 1000;
        /* Jobs stop claiming now; running ones finish or are given back by the deadline. */
        jobs_stop_claiming(app.jobs);
        while (http_server_inflight(srv) > 0 && clock_mono_ms() < deadline) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (http_server_inflight(srv) > 0) {
            log_msg(LOG_WARNING, "%u requests still in flight at the deadline",
                    http_server_inflight(srv));
        }
        (void)jobs_drain(app.jobs, deadline);
        /* Jobs still blocked on an upstream were given back: cut their calls short. */
        httpc_cancel_all();
    }
    rc = 0;
out:
    /* The pool first: it resumes every suspended connection before the engine stops. */
    workpool_free(app.pool);
    events_hub_stop(app.events);
    whatsapp_ingest_stop(app.ingest); /* resumes the webhooks waiting for their commit */
    http_server_free(srv);
    jobs_free(app.jobs);
    ratelimiter_free(app.rl);
    session_cache_free(app.sessions);
    storage_free(app.storage);
    db_free(db);
    if (rc == 0) {
        log_msg(LOG_INFO, "stopped");
    }
    return rc;
}

static int
cmd_serve(int argc, char **argv)
{
    struct config cfg;
    int rc;

    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: piloto serve\n");
        return 2;
    }
    if (load_config(&cfg)) {
        return 1;
    }
    rc = serve(&cfg);
    config_release(&cfg);
    return rc;
}

static int
cmd_routes(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: piloto routes\n");
        return 2;
    }
    routes_print(stdout);
    return 0;
}

static const struct command commands[] = {
    {"serve", cmd_serve, "serve the API and the dashboard (the default)"},
    {"migrate", cmd_migrate, "apply database migrations and exit"},
    {"version", cmd_version, "print the version"},
    {"routes", cmd_routes, "print the route table (method, path, minimum workspace role, group)"},
};

static void
usage(FILE *f)
{
    fprintf(f, "usage: piloto [serve | migrate | version | routes] [--help]\n\nCommands:\n");
    for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
    }
    fputc('\n', f);
    config_print_help(f);
}

int
main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "serve";

    if (crypto_init() || httpc_global_init()) {
        fprintf(stderr, "piloto: cannot initialise libsodium or libcurl\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
        if (strcmp(name, commands[i].name) == 0) {
            return commands[i].fn(argc > 1 ? argc - 1 : 1, argc > 1 ? argv + 1 : argv);
        }
    }
    fprintf(stderr, "piloto: unknown command '%s'\n", name);
    usage(stderr);
    return 2;
}
