/*
 * The fixture of the unit tests that run on both backends: SQLite in a
 * fresh temporary directory, and PostgreSQL when PILOTO_TEST_PG_URL is set
 * (make unit-pg; its public schema is wiped first: point it at a throw-away
 * database). Without that variable the PostgreSQL cases skip.
 * Header-only (each unit test is one translation unit): include it after
 * cmocka.h.
 */
#ifndef PILOTO_TESTS_BOTH_DB_H
#define PILOTO_TESTS_BOTH_DB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/common.h"
#include "db/db.h"

#define BOTH_DB_TEMPLATE "/tmp/piloto-test-XXXXXX"

struct both_db {
    enum db_kind kind; /* set by the test's table: which backend this case runs on */
    char dir[sizeof(BOTH_DB_TEMPLATE)];
    char url[512];
    struct db *db; /* NULL when the backend is not configured: the case skips */
};

/* Opens f->db (pool connections, acquire timeout): 0, or -1 for a cmocka setup to fail. */
static inline int
both_db_open(struct both_db *f, unsigned pool, int acquire_timeout_ms)
{
    const char *pg = getenv("PILOTO_TEST_PG_URL");

    f->db = NULL;
    if (f->kind == DB_SQLITE) {
        memcpy(f->dir, BOTH_DB_TEMPLATE, sizeof(BOTH_DB_TEMPLATE));
        if (!mkdtemp(f->dir)) {
            return -1;
        }
        (void)snprintf(f->url, sizeof(f->url), "sqlite:%s/test.db", f->dir);
    } else {
        if (!pg || !*pg) {
            return 0;
        }
        (void)snprintf(f->url, sizeof(f->url), "%s", pg);
    }
    if (db_open(f->url, pool, acquire_timeout_ms, &f->db) != 0) {
        return -1;
    }
    if (f->kind == DB_POSTGRES && (db_run(f->db, "DROP SCHEMA public CASCADE", NULL, 0, NULL) ||
                                   db_run(f->db, "CREATE SCHEMA public", NULL, 0, NULL))) {
        return -1;
    }
    return 0;
}

/* Closes f->db and removes the SQLite files and directory. */
static inline void
both_db_close(struct both_db *f)
{
    static const char *const names[] = {"test.db", "test.db-wal", "test.db-shm"};

    db_free(f->db);
    f->db = NULL;
    if (f->kind != DB_SQLITE) {
        return;
    }
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        char path[sizeof(f->dir) + 16];
        (void)snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
        (void)unlink(path);
    }
    (void)rmdir(f->dir);
}

/* The case's db, or skips when its backend is not configured. */
static inline struct db *
both_db_need(void **state)
{
    struct both_db *f = *state;

    if (!f->db) {
        skip();
    }
    return f->db;
}

#endif
