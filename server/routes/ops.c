/*
 * Platform endpoints: /healthz (the process answers), /readyz (database
 * reachable, migrations applied, not draining), /metrics (Prometheus text,
 * behind METRICS_TOKEN when set; in production
 * without it, 404). No CORS, no cookies, no CSRF.
 */
#include "routes/routes.h"

#include "app.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "auth/audit.h"
#include "http/metrics.h"
#include "jobs/queue.h"
#include "middleware/middleware.h"

static int
healthz(struct request *req)
{
    static const char body[] = "{\"status\":\"ok\"}";
    response_set(req, 200, "application/json", body, sizeof(body) - 1);
    return 0;
}

static int
readyz(struct request *req)
{
    unsigned pending = 0;
    int err;

    if (atomic_load(&req->app->draining)) {
        req->retry_after = 1;
        request_note(req, "draining");
        return E_UNAVAILABLE;
    }
    if ((err = db_ping(req->app->db)) || (err = db_migrations_pending(req->app->db, &pending))) {
        req->retry_after = 1;
        request_note(req, "database not ready: %s", err_name(err));
        return E_UNAVAILABLE;
    }
    if (pending) {
        request_note(req, "%u migrations pending", pending);
        return E_UNAVAILABLE;
    }
    response_set(req, 200, "application/json", "{\"status\":\"ready\"}", 18);
    return 0;
}

static int
render_pools(struct app *app, struct buf *b)
{
    struct db_stats ds;
    struct workpool_stats ws;
    int err = 0;

    db_get_stats(app->db, &ds);
    workpool_get_stats(app->pool, &ws);
    err |=
        buf_addf(b,
                 "# HELP db_pool_connections Database connections by state.\n"
                 "# TYPE db_pool_connections gauge\n"
                 "db_pool_connections{state=\"max\"} %u\n"
                 "db_pool_connections{state=\"open\"} %u\n"
                 "db_pool_connections{state=\"in_use\"} %u\n"
                 "# HELP db_pool_waiting Threads waiting for a database connection.\n"
                 "# TYPE db_pool_waiting gauge\ndb_pool_waiting %u\n"
                 "# HELP db_pool_acquire_timeouts_total Connection waits that timed out.\n"
                 "# TYPE db_pool_acquire_timeouts_total counter\n"
                 "db_pool_acquire_timeouts_total %llu\n"
                 "# HELP db_unavailable_total Operations that found the database down.\n"
                 "# TYPE db_unavailable_total counter\ndb_unavailable_total %llu\n",
                 ds.size, ds.open, ds.in_use, ds.waiting, (unsigned long long)ds.acquire_timeouts,
                 (unsigned long long)ds.errors_unavailable);
    err |= buf_addf(b,
                    "# HELP worker_pool_threads Worker threads.\n"
                    "# TYPE worker_pool_threads gauge\nworker_pool_threads %u\n"
                    "# HELP worker_pool_queued Tasks waiting for a worker.\n"
                    "# TYPE worker_pool_queued gauge\nworker_pool_queued %u\n"
                    "# HELP worker_pool_running Tasks running.\n"
                    "# TYPE worker_pool_running gauge\nworker_pool_running %u\n"
                    "# HELP worker_pool_tasks_total Tasks by outcome.\n"
                    "# TYPE worker_pool_tasks_total counter\n"
                    "worker_pool_tasks_total{outcome=\"completed\"} %llu\n"
                    "worker_pool_tasks_total{outcome=\"expired\"} %llu\n"
                    "worker_pool_tasks_total{outcome=\"rejected\"} %llu\n",
                    ws.threads, ws.queued, ws.running, (unsigned long long)ws.completed,
                    (unsigned long long)ws.expired, (unsigned long long)ws.rejected);
    err |= buf_addf(b,
                    "# HELP audit_write_failures_total Audit rows that could not be written.\n"
                    "# TYPE audit_write_failures_total counter\naudit_write_failures_total %llu\n",
                    (unsigned long long)audit_write_failures());
    return err ? E_INTERNAL : 0;
}

static int
metrics(struct request *req)
{
    const char *token = req->app->cfg->metrics_token;
    struct buf b = BUF_INIT;

    /* Production never shows its metrics to anyone who asks: no token, no /metrics. */
    if (!token && req->app->cfg->env == CONFIG_PRODUCTION) {
        request_note(req, "/metrics is off in production without METRICS_TOKEN");
        return E_NOT_FOUND;
    }
    if (token) {
        struct str got;
        if (parse_bearer(request_header(req, "Authorization"), &got) ||
            !crypto_equal_str(got, str_from_cstr(token))) {
            response_set_header(req, "WWW-Authenticate", "Bearer");
            return E_UNAUTHENTICATED;
        }
    }
    if (http_metrics_render(&b) || render_pools(req->app, &b) ||
        jobs_render_metrics(req->app->jobs, req->app->db, &b)) {
        buf_release(&b);
        return E_INTERNAL;
    }
    response_json_buf(req, 200, &b);
    req->resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return 0;
}

static const struct route routes[] = {
    {HTTP_GET, "/healthz", healthz, 0, 0},
    {HTTP_GET, "/readyz", readyz, 0, 0},
    {HTTP_GET, "/metrics", metrics, 0, 0},
};

static const struct middleware *const chain[] = {
    &mw_ratelimit,
    &mw_sec_headers_machine,
    NULL,
};

const struct route_group routes_ops = {
    "ops", "", GROUP_CLAIM_BY_ROUTE, chain, routes, ARRAY_LEN(routes), NULL,
};
