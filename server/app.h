/*
 * The application: what every handler and middleware reaches through
 * req->app. Built once by main.c at start-up; the pointers never change
 * while serving. Nothing here is per-request or per-thread mutable state
 * except through the modules' own thread-safe APIs.
 */
#ifndef PILOTO_APP_H
#define PILOTO_APP_H

#include <stdatomic.h>
#include <stdint.h>

#include "config/config.h"
#include "core/workpool.h"
#include "db/db.h"

struct ratelimiter;
struct whatsapp_ingest;
struct jobs;
struct events_hub;
struct session_cache;
struct storage;

struct app {
    const struct config *cfg;
    struct db *db;
    struct session_cache *sessions; /* NULL when SESSION_CACHE_TTL_MS is 0 */
    struct workpool *pool;
    struct ratelimiter *rl;
    struct whatsapp_ingest *ingest; /* SQLite: webhooks' group commit; NULL on PostgreSQL */
    struct jobs *jobs;              /* the job queue's workers; NULL with JOB_WORKERS=0 */
    struct storage *storage;        /* where documents are kept (STORAGE_URL) */
    struct events_hub *events;      /* the live-update streams' hub (routes/events.h) */
    int64_t started_wall_s;
    atomic_bool draining; /* SIGTERM received: /readyz answers 503 */
};

#endif
