/*
 * Unit tests for session/cache.c with session_lookup, on SQLite: a found
 * session is answered from memory within its time to live, a change noted
 * through session.c drops it at once, a read that raced a change is kept
 * out, and unknown tokens are never cached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/common.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "session/cache.h"
#include "session/session.h"

#define TMP_TEMPLATE "/tmp/piloto-test-cache-XXXXXX"

struct fixture {
    char dir[sizeof(TMP_TEMPLATE)];
    struct db *db;
    struct config cfg;
    char token[SESSION_TOKEN_SIZE];
    struct session created;
};

static int
run(struct db *db, const char *sql)
{
    return db_run(db, sql, NULL, 0, NULL);
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char url[128];
    struct db_conn *conn = NULL;
    int64_t now = clock_wall_s();

    memcpy(f->dir, TMP_TEMPLATE, sizeof(TMP_TEMPLATE));
    if (!mkdtemp(f->dir)) {
        return -1;
    }
    (void)snprintf(url, sizeof(url), "sqlite:%s/test.db", f->dir);
    f->cfg.session_idle_s = 3600;
    f->cfg.session_absolute_s = 7200;
    f->cfg.session_short_s = 7200;
    if (db_open(url, 2, 5000, &f->db) || db_migrate(f->db) ||
        run(f->db, "INSERT INTO users (id, email, name, created_at, updated_at) "
                   "VALUES ('u1', 'a@example.com', 'Ana', 1, 1)") ||
        db_acquire(f->db, &conn) ||
        session_create(conn, &f->cfg, "u1", false, now, "127.0.0.1", "ua", now, f->token,
                       &f->created)) {
        return -1;
    }
    db_release(conn);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[256];

    db_free(f->db);
    for (const char *const *n =
             (const char *const[]){"test.db", "test.db-wal", "test.db-shm", NULL};
         *n; n++) {
        (void)snprintf(path, sizeof(path), "%s/%s", f->dir, *n);
        (void)unlink(path);
    }
    (void)rmdir(f->dir);
    free(f);
    return 0;
}

static int
lookup(struct fixture *f, struct session_cache *c, struct session *out)
{
    return session_lookup(f->db, c, &f->cfg, str_from_cstr(f->token), clock_wall_s(), out);
}

/* Changes the name behind the cache's back (no note): only the database sees it. */
static void
rename_quietly(struct fixture *f, const char *name)
{
    struct db_param p[] = {DB_CSTR(name)};
    assert_int_equal(db_run(f->db, "UPDATE users SET name = $1 WHERE id = 'u1'", p, 1, NULL), 0);
}

static void
test_hit_within_ttl_then_expiry(void **state)
{
    struct fixture *f = *state;
    struct session_cache *c = session_cache_new(f->db, 200);
    struct session s;

    assert_non_null(c);
    assert_int_equal(lookup(f, c, &s), 0);
    assert_string_equal(s.id, f->created.id);
    assert_string_equal(s.user.email, "a@example.com");
    assert_string_equal(s.user.name, "Ana");
    rename_quietly(f, "Bia");
    assert_int_equal(lookup(f, c, &s), 0);
    assert_string_equal(s.user.name, "Ana"); /* from memory */
    assert_int_equal(lookup(f, NULL, &s), 0);
    assert_string_equal(s.user.name, "Bia"); /* without the cache: the database */
    usleep(250 * 1000);
    assert_int_equal(lookup(f, c, &s), 0);
    assert_string_equal(s.user.name, "Bia"); /* the entry lived 200 ms */
    session_cache_free(c);
}

static int
revoke_body(struct db_conn *conn, void *arg)
{
    const struct session *s = arg;
    return session_revoke(conn, s->user_id, s->id, clock_wall_s());
}

static void
test_a_noted_change_drops_the_entry_at_once(void **state)
{
    struct fixture *f = *state;
    struct session_cache *c = session_cache_new(f->db, 1000);
    struct session s;

    assert_int_equal(lookup(f, c, &s), 0);
    assert_int_equal(db_tx(f->db, revoke_body, &f->created), 0);
    assert_int_equal(lookup(f, c, &s), E_UNAUTHENTICATED);
    /* And the miss is not cached either way: still refused. */
    assert_int_equal(lookup(f, c, &s), E_UNAUTHENTICATED);
    session_cache_free(c);
}

static void
test_a_read_that_raced_a_change_is_kept_out(void **state)
{
    struct fixture *f = *state;
    struct session_cache *c = session_cache_new(f->db, 1000);
    struct session s;
    uint8_t hash[CRYPTO_SHA256_LEN];
    uint64_t epoch;

    crypto_sha256(f->token, strlen(f->token), hash);
    assert_int_equal(lookup(f, NULL, &s), 0);
    epoch = session_cache_epoch(c);
    session_cache_forget(c, "someone-else"); /* any change reported since the read */
    session_cache_put(c, hash, &s, epoch, clock_mono_ms());
    assert_false(session_cache_get(c, hash, clock_mono_ms(), &s));
    /* Put with a current epoch: found; forgetting its user drops it, another user's does not. */
    session_cache_put(c, hash, &s, session_cache_epoch(c), clock_mono_ms());
    assert_true(session_cache_get(c, hash, clock_mono_ms(), &s));
    session_cache_forget(c, "u2");
    assert_true(session_cache_get(c, hash, clock_mono_ms(), &s));
    session_cache_forget(c, "u1");
    assert_false(session_cache_get(c, hash, clock_mono_ms(), &s));
    session_cache_put(c, hash, &s, session_cache_epoch(c), clock_mono_ms());
    session_cache_forget(c, NULL);
    assert_false(session_cache_get(c, hash, clock_mono_ms(), &s));
    session_cache_free(c);
}

static void
test_unknown_tokens_and_no_cache(void **state)
{
    struct fixture *f = *state;
    struct session_cache *c = session_cache_new(f->db, 1000);
    struct session s;
    char other[SESSION_TOKEN_SIZE];

    memcpy(other, f->token, sizeof(other));
    other[0] = other[0] == 'A' ? 'B' : 'A';
    assert_int_equal(session_lookup(f->db, c, &f->cfg, str_from_cstr(other), clock_wall_s(), &s),
                     E_UNAUTHENTICATED);
    assert_int_equal(session_lookup(f->db, c, &f->cfg, STR_LIT("short"), clock_wall_s(), &s),
                     E_UNAUTHENTICATED);
    assert_null(session_cache_new(f->db, 0));
    session_cache_free(c);
    session_cache_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hit_within_ttl_then_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_noted_change_drops_the_entry_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_read_that_raced_a_change_is_kept_out, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_tokens_and_no_cache, setup, teardown),
    };

    log_set_level(LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
