#include "jobs/mail_delivery.h"

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "integrations/httpc.h"
#include "integrations/mail.h"

/* Without SMTP_URL in production, a mail waits this long before it looks again. */
#define MAIL_NO_SMTP_WAIT_MS (5 * 60 * 1000)

/* Records the outcome on the outbox row; a delivered or abandoned mail loses its body. */
static int
record(struct db_conn *conn, int64_t id, const char *status, const char *error, int64_t now)
{
    /*
     * Its links are single-use secrets: a sent or failed mail keeps no body.
     * Dev mails without SMTP_URL stay readable ("logged"), as the developer's
     * inbox.
     */
    struct db_param p[] = {DB_CSTR(status), DB_CSTR(error), DB_INT(now), DB_INT(id)};
    return db_exec(conn,
                   "UPDATE mail_outbox SET status = $1, last_error = $2, "
                   "attempts = attempts + CASE WHEN $1 = 'failed' THEN 0 ELSE 1 END, "
                   "sent_at = CASE WHEN $1 = 'sent' THEN $3 ELSE sent_at END, "
                   "body_text = CASE WHEN $1 IN ('sent', 'failed') THEN '' ELSE body_text END, "
                   "body_html = CASE WHEN $1 IN ('sent', 'failed') THEN '' ELSE body_html END "
                   "WHERE id = $4",
                   p, 4, NULL);
}

static int
outbox_id(const struct job *job, int64_t *id)
{
    int err = jobs_payload_int(job, "outbox", id);
    return !err && *id < 1 ? E_INVALID : err;
}

int
mail_delivery_run(struct job_ctx *ctx, const struct job *job)
{
    const struct config *cfg = jobs_ctx_cfg(ctx);
    struct db_conn *conn = jobs_ctx_conn(ctx);
    struct db_result *r = NULL;
    struct buf msg = BUF_INIT;
    char detail[256] = "";
    int64_t now = clock_wall_s();
    int64_t id;
    int err = outbox_id(job, &id);

    if (err) {
        err = jobs_fail_for_good(ctx, "malformed mail job payload");
        goto out;
    }
    {
        struct db_param p[] = {DB_INT(id)};
        err = db_exec(conn,
                      "SELECT to_addr, subject, body_text, body_html, status FROM mail_outbox "
                      "WHERE id = $1",
                      p, 1, &r);
    }
    if (err) {
        err = jobs_fail(ctx, err, "cannot read mail %lld", (long long)id);
        goto out;
    }
    /* Gone, or an earlier run delivered it and died before its job was marked done. */
    if (db_result_rows(r) == 0 || strcmp(db_text(r, 0, 4), "pending") != 0) {
        goto out;
    }
    if (!cfg->smtp_url) {
        if (cfg->env == CONFIG_PRODUCTION) {
            log_msg(LOG_WARNING, "mail %lld waits: no SMTP_URL", (long long)id);
            err = jobs_snooze_until(ctx, clock_wall_ms() + MAIL_NO_SMTP_WAIT_MS);
            goto out;
        }
        log_msg(LOG_INFO, "mail (no SMTP_URL) to=%s subject=\"%s\"\n%s", db_text(r, 0, 0),
                db_text(r, 0, 1), db_text(r, 0, 2));
        err = record(conn, id, "logged", "", now);
        goto out;
    }
    {
        struct mail_message m;
        char mid[64];
        char from[320];
        char rnd[24];

        crypto_random_token(12, rnd, sizeof(rnd));
        (void)snprintf(mid, sizeof(mid), "%lld.%s@piloto", (long long)id, rnd);
        mail_address_of(cfg->mail_from, from, sizeof(from));
        m = (struct mail_message){cfg->mail_from,
                                  db_text(r, 0, 0),
                                  db_text(r, 0, 1),
                                  db_text(r, 0, 2),
                                  db_text(r, 0, 3),
                                  now,
                                  mid};
        err = mail_render(&m, &msg);
        if (!err) {
            err = httpc_smtp_send(cfg->smtp_url, from, db_text(r, 0, 0), msg.ptr, msg.len, detail,
                                  sizeof(detail));
        }
    }
    if (!err) {
        log_msg(LOG_INFO, "mail %lld delivered", (long long)id);
        err = record(conn, id, "sent", "", now);
        if (err) {
            /* Delivered but not recorded: the retry finds it pending and sends it again. */
            err = jobs_fail(ctx, err, "mail %lld delivered, outcome not recorded", (long long)id);
        }
    } else if (err == E_INVALID) {
        err = jobs_fail_for_good(ctx, "%s", detail[0] ? detail : "mail refused");
    } else {
        (void)record(conn, id, "pending", detail, now);
        err = jobs_fail(ctx, err, "%s", detail[0] ? detail : err_name(err));
    }
out:
    buf_release(&msg);
    db_result_free(r);
    return err;
}

int
mail_delivery_dead(struct db_conn *conn, const struct job *job, const char *last_error)
{
    int64_t id;

    if (outbox_id(job, &id)) {
        return 0;
    }
    return record(conn, id, "failed", last_error, clock_wall_s());
}
