#include "jobs/mail_sender.h"

#include <errno.h>
#include <pthread.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "integrations/httpc.h"
#include "integrations/mail.h"

#define BATCH 10

struct mail_sender {
    const struct config *cfg;
    struct db *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    bool poke;
};

int64_t
mail_sender_backoff(int64_t attempts)
{
    if (attempts <= 0) {
        return 1;
    }
    if (attempts > 9) {
        return MAIL_MAX_BACKOFF_S;
    }
    {
        int64_t d = (int64_t)1 << (attempts - 1);
        return d > MAIL_MAX_BACKOFF_S ? MAIL_MAX_BACKOFF_S : d;
    }
}

static const char claim_sqlite[] =
    "UPDATE mail_outbox SET status = 'sending', locked_until = $2, attempts = attempts + 1 "
    "WHERE id IN (SELECT id FROM mail_outbox WHERE status IN ('pending', 'sending') "
    "AND next_attempt_at <= $1 AND locked_until <= $1 ORDER BY id LIMIT 10) "
    "RETURNING id, to_addr, subject, body_text, body_html, attempts";

static const char claim_postgres[] =
    "UPDATE mail_outbox SET status = 'sending', locked_until = $2, attempts = attempts + 1 "
    "WHERE id IN (SELECT id FROM mail_outbox WHERE status IN ('pending', 'sending') "
    "AND next_attempt_at <= $1 AND locked_until <= $1 ORDER BY id LIMIT 10 "
    "FOR UPDATE SKIP LOCKED) "
    "RETURNING id, to_addr, subject, body_text, body_html, attempts";

static int
finish(struct db *db, int64_t id, const char *status, int64_t next, const char *error, int64_t now)
{
    /*
     * A delivered (or abandoned) mail loses its body: its links are single-use
     * secrets. Dev mails without SMTP_URL stay readable in the outbox, as the
     * developer's inbox.
     */
    struct db_param p[] = {DB_CSTR(status), DB_INT(next), DB_CSTR(error), DB_INT(now), DB_INT(id)};
    return db_run(db,
                  "UPDATE mail_outbox SET status = $1, next_attempt_at = $2, last_error = $3, "
                  "locked_until = 0, sent_at = CASE WHEN $1 = 'sent' THEN $4 ELSE sent_at END, "
                  "body_text = CASE WHEN $1 IN ('sent', 'failed') THEN '' ELSE body_text END, "
                  "body_html = CASE WHEN $1 IN ('sent', 'failed') THEN '' ELSE body_html END "
                  "WHERE id = $5",
                  p, 5, NULL);
}

static void
deliver(struct mail_sender *ms, const struct db_result *r, size_t row)
{
    const struct config *cfg = ms->cfg;
    int64_t id = db_int(r, row, 0);
    int64_t attempts = db_int(r, row, 5);
    int64_t now = clock_wall_s();
    const char *to = db_text(r, row, 1);
    int err;

    if (!cfg->smtp_url) {
        log_msg(LOG_INFO, "mail (no SMTP_URL) to=%s subject=\"%s\"\n%s", to, db_text(r, row, 2),
                db_text(r, row, 3));
        err = finish(ms->db, id, "logged", now, "", now);
    } else {
        struct mail_message m;
        struct buf msg = BUF_INIT;
        char mid[64];
        char from[320];
        char detail[256] = "";
        char rnd[24];

        crypto_random_token(12, rnd, sizeof(rnd));
        (void)snprintf(mid, sizeof(mid), "%lld.%s@piloto", (long long)id, rnd);
        mail_address_of(cfg->mail_from, from, sizeof(from));
        m = (struct mail_message){cfg->mail_from,
                                  to,
                                  db_text(r, row, 2),
                                  db_text(r, row, 3),
                                  db_text(r, row, 4),
                                  now,
                                  mid};
        err = mail_render(&m, &msg);
        if (!err) {
            err =
                httpc_smtp_send(cfg->smtp_url, from, to, msg.ptr, msg.len, detail, sizeof(detail));
        }
        buf_release(&msg);
        if (!err) {
            log_msg(LOG_INFO, "mail %lld delivered", (long long)id);
            err = finish(ms->db, id, "sent", now, "", now);
        } else if (attempts >= MAIL_MAX_ATTEMPTS || err == E_INVALID) {
            log_msg(LOG_ERROR, "mail %lld failed for good after %lld attempts: %s", (long long)id,
                    (long long)attempts, detail);
            err = finish(ms->db, id, "failed", now, detail, now);
        } else {
            int64_t wait = mail_sender_backoff(attempts);
            log_msg(LOG_WARNING, "mail %lld not delivered (attempt %lld), retrying in %llds: %s",
                    (long long)id, (long long)attempts, (long long)wait, detail);
            err = finish(ms->db, id, "pending", now + wait, detail, now);
        }
    }
    if (err) {
        log_msg(LOG_WARNING, "cannot record mail %lld outcome: %s", (long long)id, err_name(err));
    }
}

/* One pass: claim a batch and deliver it. Returns how many were claimed. */
static size_t
run_once(struct mail_sender *ms)
{
    struct db_result *r = NULL;
    int64_t now = clock_wall_s();
    struct db_param p[] = {DB_INT(now), DB_INT(now + MAIL_LEASE_S)};
    const char *sql = db_get_kind(ms->db) == DB_POSTGRES ? claim_postgres : claim_sqlite;
    size_t n = 0;
    int err = db_run(ms->db, sql, p, 2, &r);

    if (err) {
        if (err != E_UNAVAILABLE) {
            log_msg(LOG_WARNING, "cannot claim mails: %s", err_name(err));
        }
    } else {
        n = db_result_rows(r);
        for (size_t i = 0; i < n; i++) {
            deliver(ms, r, i);
        }
    }
    db_result_free(r);
    return n;
}

static void *
sender_main(void *arg)
{
    struct mail_sender *ms = arg;

    pthread_mutex_lock(&ms->lock);
    while (!ms->stopping) {
        size_t n;
        ms->poke = false;
        pthread_mutex_unlock(&ms->lock);
        n = run_once(ms);
        pthread_mutex_lock(&ms->lock);
        if (n == BATCH || ms->poke) {
            continue;
        }
        {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            while (!ms->stopping && !ms->poke) {
                if (pthread_cond_timedwait(&ms->wake, &ms->lock, &ts) == ETIMEDOUT) {
                    break;
                }
            }
        }
    }
    pthread_mutex_unlock(&ms->lock);
    return NULL;
}

struct mail_sender *
mail_sender_start(const struct config *cfg, struct db *db)
{
    struct mail_sender *ms;

    if (!cfg->smtp_url && cfg->env == CONFIG_PRODUCTION) {
        log_msg(LOG_WARNING, "no SMTP_URL: mails stay in the outbox");
        return NULL;
    }
    ms = xcalloc(1, sizeof(*ms));
    ms->cfg = cfg;
    ms->db = db;
    pthread_mutex_init(&ms->lock, NULL);
    pthread_cond_init(&ms->wake, NULL);
    if (pthread_create(&ms->thread, NULL, sender_main, ms) != 0) {
        BUG("cannot start the mail sender");
    }
    return ms;
}

void
mail_sender_wake(struct mail_sender *ms)
{
    if (!ms) {
        return;
    }
    pthread_mutex_lock(&ms->lock);
    ms->poke = true;
    pthread_cond_signal(&ms->wake);
    pthread_mutex_unlock(&ms->lock);
}

void
mail_sender_stop(struct mail_sender *ms)
{
    if (!ms) {
        return;
    }
    pthread_mutex_lock(&ms->lock);
    ms->stopping = true;
    pthread_cond_signal(&ms->wake);
    pthread_mutex_unlock(&ms->lock);
    pthread_join(ms->thread, NULL);
    pthread_cond_destroy(&ms->wake);
    pthread_mutex_destroy(&ms->lock);
    free(ms);
}
