#include "whatsapp/inbound.h"

#include <pthread.h>
#include <stdio.h>

#include "agents/agents.h"
#include "core/err.h"
#include "core/strnum.h"
#include "crypto/crypto.h"
#include "events/events.h"
#include "leads/leads.h"

#define ID_SIZE 32 /* our ids: 22 characters of base64url */

/* The agent a phone number id routes to (looked up once per batch and number). */
struct route {
    struct str pnid;
    bool found;
    char agent_id[ID_SIZE];
    char workspace_id[64];
    bool active; /* the agent answers (status active) */
    int debounce_s;
};

#define MAX_ROUTES 16

struct store {
    struct str raw;
    const struct whatsapp_batch *b;
    int64_t now_ms;
    struct whatsapp_inbound_result *out;
    struct route routes[MAX_ROUTES];
    size_t nroutes;
};

static struct db_param
opt_text(struct str s)
{
    return s.len ? DB_TEXT(s.ptr, s.len) : DB_NULL;
}

static int
find_route(struct db_conn *conn, struct store *st, struct str pnid, const struct route **out)
{
    struct route *r;
    struct db_result *res = NULL;
    struct db_param p[] = {DB_TEXT(pnid.ptr, pnid.len)};
    int err;

    for (size_t i = 0; i < st->nroutes; i++) {
        if (str_eq(st->routes[i].pnid, pnid)) {
            *out = &st->routes[i];
            return 0;
        }
    }
    /* A batch for more numbers than we cache reuses the last slot. */
    r = st->nroutes < MAX_ROUTES ? &st->routes[st->nroutes++] : &st->routes[MAX_ROUTES - 1];
    memset(r, 0, sizeof(*r));
    r->pnid = pnid;
    err = db_exec(
        conn, "SELECT id, workspace_id, status, debounce_s FROM agents WHERE phone_number_id = $1",
        p, 1, &res);
    if (!err && db_result_rows(res) == 1) {
        r->found = true;
        db_text_copy(res, 0, 0, r->agent_id, sizeof(r->agent_id));
        db_text_copy(res, 0, 1, r->workspace_id, sizeof(r->workspace_id));
        r->active = strcmp(db_text(res, 0, 2), "active") == 0;
        r->debounce_s = (int)db_int(res, 0, 3);
    }
    db_result_free(res);
    if (err) {
        r->pnid = STR_NULL; /* not a cached answer */
        return err;
    }
    *out = r;
    return 0;
}

static bool
exists(struct db_conn *conn, struct str wamid, int *err)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_TEXT(wamid.ptr, wamid.len)};
    bool found;

    *err = db_exec(conn, "SELECT 1 FROM messages WHERE wamid = $1", p, 1, &r);
    found = !*err && db_result_rows(r) > 0;
    db_result_free(r);
    return found;
}

/* Inserts or touches the lead of (workspace, wa_id); its id into lead_id. */
static int
upsert_lead(struct db_conn *conn, const struct route *rt, const struct whatsapp_message *m,
            int64_t now_ms, char *lead_id)
{
    char id[ID_SIZE];
    char phone[WHATSAPP_ID_MAX + 2];
    struct str name = STR_NULL;
    struct db_result *r = NULL;
    struct db_param p[8];
    int err;

    /* A profile name with layout tricks is not shown: the lead goes by its phone. */
    if (leads_check_name(m->profile_name, LEADS_NAME_MAX, &name)) {
        name = str_make("", 0);
    }
    crypto_random_token(16, id, sizeof(id));
    (void)snprintf(phone, sizeof(phone), "+%s", m->from.ptr);
    p[0] = DB_CSTR(id);
    p[1] = DB_CSTR(rt->workspace_id);
    p[2] = DB_CSTR(rt->agent_id);
    p[3] = DB_TEXT(m->from.ptr, m->from.len);
    p[4] = DB_TEXT(name.ptr, name.len);
    p[5] = DB_CSTR(phone);
    p[6] = DB_INT(now_ms);
    p[7] = DB_INT(now_ms / 1000);
    /*
     * A new sender becomes a lead named after their profile; a known one
     * keeps the name people gave it, and moves up the inbox (never down: a
     * late redelivery of an old message does not reorder it).
     */
    err = db_exec(conn,
                  "INSERT INTO leads (id, workspace_id, agent_id, wa_id, name, phone, "
                  "last_message_at_ms, created_at, updated_at) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) "
                  "ON CONFLICT (workspace_id, wa_id) DO UPDATE SET "
                  "name = CASE WHEN leads.name = '' THEN excluded.name ELSE leads.name END, "
                  "agent_id = COALESCE(leads.agent_id, excluded.agent_id), "
                  "last_message_at_ms = CASE WHEN leads.last_message_at_ms < "
                  "excluded.last_message_at_ms THEN excluded.last_message_at_ms "
                  "ELSE leads.last_message_at_ms END, "
                  "updated_at = excluded.updated_at "
                  "RETURNING id",
                  p, 8, &r);
    if (!err && db_result_rows(r) != 1) {
        err = E_DB;
    }
    if (!err) {
        db_text_copy(r, 0, 0, lead_id, ID_SIZE);
    }
    db_result_free(r);
    return err;
}

/* Inserts or touches the conversation of (lead, number), moving its window forward. */
static int
upsert_conversation(struct db_conn *conn, const struct route *rt, const char *lead_id,
                    const struct whatsapp_message *m, int64_t now_ms, char *conv_id)
{
    char id[ID_SIZE];
    int64_t at = m->timestamp > 0 ? m->timestamp : now_ms / 1000;
    struct db_result *r = NULL;
    struct db_param p[8];
    int err;

    crypto_random_token(16, id, sizeof(id));
    p[0] = DB_CSTR(id);
    p[1] = DB_CSTR(rt->workspace_id);
    p[2] = DB_CSTR(lead_id);
    p[3] = DB_CSTR(rt->agent_id);
    p[4] = DB_TEXT(m->phone_number_id.ptr, m->phone_number_id.len);
    p[5] = DB_INT(at);
    p[6] = DB_TEXT(m->id.ptr, m->id.len);
    p[7] = DB_INT(now_ms / 1000);
    err = db_exec(conn,
                  "INSERT INTO conversations (id, workspace_id, lead_id, agent_id, "
                  "phone_number_id, last_inbound_at, last_inbound_wamid, created_at) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                  "ON CONFLICT (lead_id, phone_number_id) DO UPDATE SET "
                  "agent_id = excluded.agent_id, "
                  "last_inbound_wamid = CASE WHEN conversations.last_inbound_at IS NULL OR "
                  "conversations.last_inbound_at <= excluded.last_inbound_at "
                  "THEN excluded.last_inbound_wamid ELSE conversations.last_inbound_wamid END, "
                  "last_inbound_at = CASE WHEN conversations.last_inbound_at IS NULL OR "
                  "conversations.last_inbound_at < excluded.last_inbound_at "
                  "THEN excluded.last_inbound_at ELSE conversations.last_inbound_at END "
                  "RETURNING id",
                  p, 8, &r);
    if (!err && db_result_rows(r) != 1) {
        err = E_DB;
    }
    if (!err) {
        db_text_copy(r, 0, 0, conv_id, ID_SIZE);
    }
    db_result_free(r);
    return err;
}

static int
store_message(struct db_conn *conn, struct store *st, const struct whatsapp_message *m)
{
    const struct route *rt = NULL;
    char lead_id[ID_SIZE];
    char conv_id[ID_SIZE];
    struct db_result *r = NULL;
    struct db_param p[12];
    int err = 0;

    if ((err = find_route(conn, st, m->phone_number_id, &rt))) {
        return err;
    }
    if (!rt->found) {
        if (st->out->unknown++ == 0) {
            str_copy_to(m->phone_number_id, st->out->unknown_pnid, sizeof(st->out->unknown_pnid));
        }
        return 0;
    }
    /* A redelivery stops here, without touching the lead. */
    if (exists(conn, m->id, &err) || err) {
        st->out->messages_dup += err ? 0 : 1;
        return err;
    }
    if ((err = upsert_lead(conn, rt, m, st->now_ms, lead_id)) ||
        (err = upsert_conversation(conn, rt, lead_id, m, st->now_ms, conv_id))) {
        return err;
    }
    p[0] = DB_CSTR(rt->workspace_id);
    p[1] = DB_CSTR(lead_id);
    p[2] = DB_CSTR(conv_id);
    p[3] = DB_TEXT(m->id.ptr, m->id.len);
    p[4] = DB_TEXT(m->type_name.ptr, m->type_name.len);
    p[5] = DB_TEXT(m->text.ptr, m->text.len);
    p[6] = opt_text(m->media_id);
    p[7] = opt_text(m->mime_type);
    p[8] = opt_text(m->metadata);
    p[9] = opt_text(m->context_id);
    p[10] = m->timestamp > 0 ? DB_INT(m->timestamp) : DB_NULL;
    p[11] = DB_INT(st->now_ms);
    /* A concurrent delivery of the same message may have won meanwhile: then nothing. */
    err =
        db_exec(conn,
                "INSERT INTO messages (workspace_id, lead_id, conversation_id, direction, author, "
                "wamid, type, text, media_id, mime_type, metadata, context_wamid, status, "
                "meta_ts, created_at_ms) "
                "VALUES ($1, $2, $3, 'in', 'lead', $4, $5, $6, $7, $8, $9, $10, "
                "'received', $11, $12) "
                "ON CONFLICT (wamid) DO NOTHING RETURNING id",
                p, 12, &r);
    if (!err) {
        if (db_result_rows(r) == 1) {
            char data[EVENTS_DATA_MAX + 1];
            st->out->messages_new++;
            (void)snprintf(data, sizeof(data), "{\"leadId\":\"%s\",\"messageId\":\"%lld\"}",
                           lead_id, (long long)db_int(r, 0, 0));
            err = events_emit(conn, rt->workspace_id, "message.created", data, NULL);
            /* The agent answers after its debounce: a burst moves the one queued reply later. */
            if (!err && rt->active) {
                err = agents_schedule_reply(conn, rt->workspace_id, rt->agent_id, conv_id,
                                            rt->debounce_s, st->now_ms);
            }
        } else {
            st->out->messages_dup++;
        }
    }
    db_result_free(r);
    return err;
}

/* Reads message id and status of our message with wamid, or learns wamid from biz_opaque. */
static int
find_sent(struct db_conn *conn, const struct whatsapp_status_update *s, int64_t *id,
          enum whatsapp_status *cur)
{
    struct db_result *r = NULL;
    struct db_param p[3] = {DB_TEXT(s->id.ptr, s->id.len)};
    int64_t opaque_id = 0;
    int err;

    *id = 0;
    err = db_exec(conn, "SELECT id, status FROM messages WHERE wamid = $1 AND direction = 'out'", p,
                  1, &r);
    if (!err && db_result_rows(r) == 0 && str_has_prefix(s->biz_opaque, STR_LIT("m:")) &&
        strnum_parse(str_make(s->biz_opaque.ptr + 2, s->biz_opaque.len - 2), 1, INT64_MAX,
                     &opaque_id) == 0) {
        /*
         * Our send put "m:<message id>" in biz_opaque_callback_data: a status
         * for a send whose answer we never recorded (a crash, a dropped
         * connection) names its message, on the number it was sent from.
         * "OR wamid = $1": the send job may be recording the same wamid in a
         * concurrent transaction (PostgreSQL re-checks the row once that one
         * commits); this status must still land on the message.
         */
        db_result_free(r);
        r = NULL;
        p[1] = DB_INT(opaque_id);
        p[2] = DB_TEXT(s->phone_number_id.ptr, s->phone_number_id.len);
        err = db_exec(conn,
                      "UPDATE messages SET wamid = $1 WHERE id = $2 "
                      "AND direction = 'out' AND (wamid IS NULL OR wamid = $1) "
                      "AND conversation_id IN "
                      "(SELECT id FROM conversations WHERE phone_number_id = $3) "
                      "RETURNING id, status",
                      p, 3, &r);
    }
    if (!err && db_result_rows(r) == 1) {
        *id = db_int(r, 0, 0);
        *cur = whatsapp_status_parse(str_from_cstr(db_text(r, 0, 1)));
    }
    db_result_free(r);
    return err;
}

int
whatsapp_apply_status(struct db_conn *conn, int64_t message_id, enum whatsapp_status incoming,
                      int64_t ts, int64_t error_code, struct str error_title, bool *applied)
{
    *applied = false;
    /* Compare-and-set: a concurrent webhook that moved it first makes us read again. */
    for (int tries = 0; tries < 4; tries++) {
        struct db_result *r = NULL;
        struct db_param q[] = {DB_INT(message_id)};
        enum whatsapp_status cur;
        enum whatsapp_status next;
        int err = db_exec(conn, "SELECT status FROM messages WHERE id = $1", q, 1, &r);

        if (err || db_result_rows(r) == 0) {
            db_result_free(r);
            return err;
        }
        cur = whatsapp_status_parse(str_from_cstr(db_text(r, 0, 0)));
        db_result_free(r);
        next = whatsapp_status_advance(cur, incoming);
        if (next == cur) {
            return 0;
        }
        const char *name = whatsapp_status_name(next);
        struct db_param p[] = {
            DB_CSTR(name),
            DB_INT(ts),
            next == WA_STATUS_FAILED && error_code ? DB_INT(error_code) : DB_NULL,
            next == WA_STATUS_FAILED ? opt_text(error_title) : DB_NULL,
            DB_INT(message_id),
            DB_CSTR(whatsapp_status_name(cur)),
        };
        /* Read implies delivered: a read that outran its delivered status records both. */
        err =
            db_exec(conn,
                    "UPDATE messages SET status = $1, "
                    "delivered_at = CASE WHEN $1 IN ('delivered', 'read') "
                    "THEN COALESCE(delivered_at, $2) ELSE delivered_at END, "
                    "read_at = CASE WHEN $1 = 'read' THEN COALESCE(read_at, $2) ELSE read_at END, "
                    "error_code = COALESCE($3, error_code), "
                    "error_title = COALESCE($4, error_title) "
                    "WHERE id = $5 AND status = $6 RETURNING workspace_id, lead_id",
                    p, ARRAY_LEN(p), &r);
        if (err) {
            db_result_free(r);
            return err;
        }
        if (db_result_rows(r) == 1) {
            char data[EVENTS_DATA_MAX + 1];
            (void)snprintf(data, sizeof(data),
                           "{\"leadId\":\"%s\",\"messageId\":\"%lld\",\"status\":\"%s\"}",
                           db_text(r, 0, 1), (long long)message_id, name);
            err = events_emit(conn, db_text(r, 0, 0), "message.status", data, NULL);
            db_result_free(r);
            *applied = !err;
            return err;
        }
        db_result_free(r);
    }
    return E_CONFLICT;
}

static int
store_status(struct db_conn *conn, struct store *st, const struct whatsapp_status_update *s)
{
    struct db_result *r = NULL;
    struct db_param p[] = {
        DB_TEXT(s->id.ptr, s->id.len),
        DB_TEXT(s->status_name.ptr, s->status_name.len),
        DB_TEXT(s->phone_number_id.ptr, s->phone_number_id.len),
        DB_TEXT(s->recipient_id.ptr, s->recipient_id.len),
        s->timestamp > 0 ? DB_INT(s->timestamp) : DB_NULL,
        s->error_code ? DB_INT(s->error_code) : DB_NULL,
        opt_text(s->error_title),
        opt_text(s->biz_opaque),
        DB_INT(st->now_ms / 1000),
    };
    int64_t id = 0;
    enum whatsapp_status cur = WA_STATUS_NONE;
    bool applied = false;
    int err =
        db_exec(conn,
                "INSERT INTO whatsapp_statuses (wamid, status, phone_number_id, recipient_id, "
                "meta_ts, error_code, error_title, biz_opaque, received_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                "ON CONFLICT (wamid, status) DO NOTHING RETURNING id",
                p, ARRAY_LEN(p), &r);
    bool fresh = !err && db_result_rows(r) == 1;

    db_result_free(r);
    if (err || !fresh) {
        return err; /* a redelivered status: already applied */
    }
    st->out->statuses_new++;
    if ((err = find_sent(conn, s, &id, &cur)) || id == 0) {
        return err; /* not ours yet: kept for whatsapp_apply_recorded */
    }
    (void)cur;
    err = whatsapp_apply_status(conn, id, s->status,
                                s->timestamp > 0 ? s->timestamp : st->now_ms / 1000, s->error_code,
                                s->error_title, &applied);
    st->out->statuses_applied += applied ? 1 : 0;
    return err;
}

int
whatsapp_apply_recorded(struct db_conn *conn, int64_t message_id, struct str wamid)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_TEXT(wamid.ptr, wamid.len)};
    int err = db_exec(conn,
                      "SELECT status, COALESCE(meta_ts, received_at), COALESCE(error_code, 0), "
                      "COALESCE(error_title, '') FROM whatsapp_statuses WHERE wamid = $1 "
                      "ORDER BY id",
                      p, 1, &r);

    for (size_t i = 0; !err && i < db_result_rows(r); i++) {
        bool applied;
        err = whatsapp_apply_status(
            conn, message_id, whatsapp_status_parse(str_from_cstr(db_text(r, i, 0))),
            db_int(r, i, 1), db_int(r, i, 2), str_from_cstr(db_text(r, i, 3)), &applied);
    }
    db_result_free(r);
    return err;
}

static int
store_tx(struct db_conn *conn, void *arg)
{
    struct store *st = arg;
    char sha[CRYPTO_SHA256_HEX_SIZE];
    struct db_param p[3];
    int err;

    memset(st->out, 0, sizeof(*st->out));
    st->nroutes = 0;
    crypto_sha256_hex(st->raw.ptr, st->raw.len, sha);
    p[0] = DB_CSTR(sha);
    p[1] = DB_TEXT(st->raw.ptr, st->raw.len);
    p[2] = DB_INT(st->now_ms / 1000);
    err = db_exec(conn,
                  "INSERT INTO whatsapp_payloads (sha256, body, received_at) VALUES ($1, $2, $3) "
                  "ON CONFLICT (sha256) DO NOTHING",
                  p, 3, NULL);
    for (size_t i = 0; !err && i < st->b->n_messages; i++) {
        err = store_message(conn, st, &st->b->messages[i]);
    }
    for (size_t i = 0; !err && i < st->b->n_statuses; i++) {
        err = store_status(conn, st, &st->b->statuses[i]);
    }
    return err;
}

int
whatsapp_inbound_store(struct db *db, struct str raw, const struct whatsapp_batch *b,
                       int64_t now_ms, struct whatsapp_inbound_result *out)
{
    struct store st;

    memset(&st, 0, sizeof(st));
    st.raw = raw;
    st.b = b;
    st.now_ms = now_ms;
    st.out = out;
    return db_tx(db, store_tx, &st);
}

int
whatsapp_purge(struct db *db, int64_t now_s)
{
    struct db_param p[] = {DB_INT(now_s - WHATSAPP_PAYLOAD_KEEP_S)};
    struct db_param q[] = {DB_INT(now_s - WHATSAPP_STATUS_KEEP_S)};
    int err = db_run(db, "DELETE FROM whatsapp_payloads WHERE received_at < $1", p, 1, NULL);
    if (!err) {
        err = db_run(db, "DELETE FROM whatsapp_statuses WHERE received_at < $1", q, 1, NULL);
    }
    return err;
}

/* ---- Group commit -------------------------------------------------------------------------- */

struct whatsapp_ingest {
    struct db *db;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct whatsapp_ingest_item *head;
    struct whatsapp_ingest_item *tail;
    size_t queued;
    bool stopping;
};

struct group {
    struct whatsapp_ingest_item *items[WHATSAPP_INGEST_GROUP_MAX];
    size_t n;
};

static int
group_tx(struct db_conn *conn, void *arg)
{
    struct group *g = arg;
    int err = 0;

    for (size_t i = 0; !err && i < g->n; i++) {
        struct whatsapp_ingest_item *it = g->items[i];
        struct store st;

        memset(&st, 0, sizeof(st));
        st.raw = it->raw;
        st.b = it->batch;
        st.now_ms = it->now_ms;
        st.out = &it->result;
        err = store_tx(conn, &st);
    }
    return err;
}

static void *
ingest_main(void *arg)
{
    struct whatsapp_ingest *g = arg;
    struct group grp;

    for (;;) {
        int err;

        pthread_mutex_lock(&g->mu);
        while (!g->head && !g->stopping) {
            pthread_cond_wait(&g->cond, &g->mu);
        }
        if (!g->head) {
            pthread_mutex_unlock(&g->mu);
            break;
        }
        grp.n = 0;
        while (g->head && grp.n < WHATSAPP_INGEST_GROUP_MAX) {
            grp.items[grp.n++] = g->head;
            g->head = g->head->next;
            g->queued--;
        }
        if (!g->head) {
            g->tail = NULL;
        }
        pthread_mutex_unlock(&g->mu);

        err = db_tx(g->db, group_tx, &grp);
        for (size_t i = 0; i < grp.n; i++) {
            struct whatsapp_ingest_item *it = grp.items[i];
            /* A failed group: each webhook alone, so one bad payload fails only itself. */
            it->err = err && grp.n > 1 ? whatsapp_inbound_store(g->db, it->raw, it->batch,
                                                                it->now_ms, &it->result)
                                       : err;
            it->done(it);
        }
    }
    return NULL;
}

struct whatsapp_ingest *
whatsapp_ingest_start(struct db *db)
{
    struct whatsapp_ingest *g = xcalloc(1, sizeof(*g));

    g->db = db;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cond, NULL);
    if (pthread_create(&g->thread, NULL, ingest_main, g) != 0) {
        BUG("cannot start the whatsapp ingest thread");
    }
    return g;
}

int
whatsapp_ingest_submit(struct whatsapp_ingest *g, struct whatsapp_ingest_item *item)
{
    int err = 0;

    item->next = NULL;
    pthread_mutex_lock(&g->mu);
    if (g->stopping || g->queued >= WHATSAPP_INGEST_QUEUE_MAX) {
        err = E_UNAVAILABLE;
    } else {
        if (g->tail) {
            g->tail->next = item;
        } else {
            g->head = item;
        }
        g->tail = item;
        g->queued++;
        pthread_cond_signal(&g->cond);
    }
    pthread_mutex_unlock(&g->mu);
    return err;
}

void
whatsapp_ingest_stop(struct whatsapp_ingest *g)
{
    if (!g) {
        return;
    }
    pthread_mutex_lock(&g->mu);
    g->stopping = true;
    pthread_cond_signal(&g->cond);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->thread, NULL);
    pthread_cond_destroy(&g->cond);
    pthread_mutex_destroy(&g->mu);
    free(g);
}
