#include "workspaces/workspaces.h"

#include "auth/audit.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"

/* A role read back from the database (the CHECK constraint allows only these). */
static enum ws_role
role_of(const char *text)
{
    enum ws_role r = WS_NONE;
    (void)workspaces_parse_role(str_from_cstr(text), &r);
    return r;
}

int
workspaces_audit_write(struct db_conn *conn, const char *workspace_id, const char *user_id,
                       const char *event, const char *detail, const struct auth_client *client,
                       int64_t now)
{
    struct audit_entry e = {
        .user_id = user_id,
        .event = event,
        .outcome = "success",
        .ip = client->ip,
        .user_agent = client->user_agent,
        .detail = detail,
        .at = now,
    };
    return audit_write_workspace(conn, &e, workspace_id);
}

int
workspaces_audit_refused(struct db *db, const struct tenant *t, const char *event,
                         const char *user_id, int reason, const struct auth_client *client)
{
    struct buf b = BUF_INIT;
    int err = 0;

    err |= buf_addstr(&b, "{\"userId\":\"");
    err |= buf_add_json_escaped(&b, str_from_cstr(user_id));
    err |= buf_addf(&b, "\",\"reason\":\"%s\"}", err_slug(reason));
    if (!err) {
        struct audit_entry e = {
            .user_id = t->user_id,
            .event = event,
            .outcome = "failure",
            .ip = client->ip,
            .user_agent = client->user_agent,
            .detail = b.ptr,
            .at = clock_wall_s(),
        };
        err = audit_write_workspace_db(db, &e, t->workspace_id);
    }
    buf_release(&b);
    return err;
}

/* {"k1":"v1",...} from NULL-terminated key/value pairs, escaped; into b. */
static int
detail_json(struct buf *b, const char *const *kv)
{
    int err = buf_addch(b, '{');
    for (size_t i = 0; kv[i] && !err; i += 2) {
        err |= buf_addstr(b, i ? ",\"" : "\"");
        err |= buf_add_json_escaped(b, str_from_cstr(kv[i]));
        err |= buf_addstr(b, "\":\"");
        err |= buf_add_json_escaped(b, str_from_cstr(kv[i + 1]));
        err |= buf_addch(b, '"');
    }
    err |= buf_addch(b, '}');
    return err ? E_INTERNAL : 0;
}

/* An audit row whose detail is the given key/value pairs. */
static int
audit_kv(struct db_conn *conn, const struct tenant *t, const char *event,
         const struct auth_client *client, int64_t now, const char *const *kv)
{
    struct buf b = BUF_INIT;
    int err = detail_json(&b, kv);
    if (!err) {
        err = workspaces_audit_write(conn, t->workspace_id, t->user_id, event, b.ptr, client, now);
    }
    buf_release(&b);
    return err;
}

int
workspaces_add_member(struct db_conn *conn, const char *workspace_id, const char *user_id,
                      enum ws_role role, int64_t now)
{
    struct db_param p[] = {DB_CSTR(workspace_id), DB_CSTR(user_id),
                           DB_CSTR(workspaces_role_name(role)), DB_INT(now)};
    return db_exec(conn,
                   "INSERT INTO workspace_members (workspace_id, user_id, role, created_at, "
                   "updated_at) VALUES ($1, $2, $3, $4, $4)",
                   p, 4, NULL);
}

int
workspaces_read(struct db_conn *conn, const char *workspace_id, const char *user_id,
                struct workspace *out)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id), DB_CSTR(user_id)};
    int err = db_exec(conn,
                      "SELECT w.id, w.name, COALESCE(m.role, '') FROM workspaces w "
                      "LEFT JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = $2 "
                      "WHERE w.id = $1",
                      p, 2, &r);

    if (!err && db_result_rows(r) != 1) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        db_text_copy(r, 0, 0, out->id, sizeof(out->id));
        db_text_copy(r, 0, 1, out->name, sizeof(out->name));
        out->role = role_of(db_text(r, 0, 2));
    }
    db_result_free(r);
    return err;
}

struct create_tx {
    const char *user_id;
    struct str name;
    const struct auth_client *client;
    struct workspace *out;
};

static int
create_tx(struct db_conn *conn, void *arg)
{
    struct create_tx *c = arg;
    int64_t now = clock_wall_s();
    struct tenant t = {.role = WS_OWNER};
    char *name = xstrndup(c->name.ptr, c->name.len);
    const char *kv[] = {"name", name, NULL};
    int err;

    crypto_random_token(16, t.workspace_id, sizeof(t.workspace_id));
    (void)snprintf(t.user_id, sizeof(t.user_id), "%s", c->user_id);
    {
        struct db_param p[] = {DB_CSTR(t.workspace_id), DB_TEXT(c->name.ptr, c->name.len),
                               DB_INT(now)};
        err = db_exec(conn,
                      "INSERT INTO workspaces (id, name, created_at, updated_at) "
                      "VALUES ($1, $2, $3, $3)",
                      p, 3, NULL);
    }
    if (!err) {
        err = workspaces_add_member(conn, t.workspace_id, t.user_id, WS_OWNER, now);
    }
    if (!err) {
        err = audit_kv(conn, &t, "workspace.created", c->client, now, kv);
    }
    if (!err) {
        (void)snprintf(c->out->id, sizeof(c->out->id), "%s", t.workspace_id);
        (void)snprintf(c->out->name, sizeof(c->out->name), "%s", name);
        c->out->role = WS_OWNER;
    }
    free(name);
    return err;
}

int
workspaces_create(struct db *db, const char *user_id, struct str name,
                  const struct auth_client *client, struct workspace *out)
{
    struct create_tx c = {user_id, name, client, out};
    if (workspaces_check_name(name, &c.name)) {
        return E_VALIDATION;
    }
    return db_tx(db, create_tx, &c);
}

int
workspaces_list(struct db *db, const char *user_id, struct arena *a, struct workspace **out,
                size_t *n)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(user_id)};
    int err = db_run(db,
                     "SELECT w.id, w.name, m.role FROM workspace_members m "
                     "JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 "
                     "ORDER BY w.name, w.id",
                     p, 1, &r);

    *out = NULL;
    *n = 0;
    if (!err) {
        size_t rows = db_result_rows(r);
        *out = arena_alloc(a, sizeof(**out) * (rows ? rows : 1));
        for (size_t i = 0; i < rows; i++) {
            db_text_copy(r, i, 0, (*out)[i].id, sizeof((*out)[i].id));
            db_text_copy(r, i, 1, (*out)[i].name, sizeof((*out)[i].name));
            (*out)[i].role = role_of(db_text(r, i, 2));
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}

int
workspaces_resolve(struct db *db, const char *user_id, struct str wid, struct tenant *out)
{
    struct db_result *r = NULL;
    int err;

    memset(out, 0, sizeof(*out));
    /* Ids are what crypto_random_token makes: nothing else can name a workspace. */
    if (wid.len == 0 || wid.len >= sizeof(out->workspace_id) || !str_is_visible(wid)) {
        return E_NOT_FOUND;
    }
    {
        struct db_param p[] = {DB_TEXT(wid.ptr, wid.len), DB_CSTR(user_id)};
        err = db_run(db,
                     "SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2",
                     p, 2, &r);
    }
    if (!err && db_result_rows(r) != 1) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        str_copy_to(wid, out->workspace_id, sizeof(out->workspace_id));
        (void)snprintf(out->user_id, sizeof(out->user_id), "%s", user_id);
        out->role = role_of(db_text(r, 0, 0));
        if (out->role == WS_NONE) {
            err = E_NOT_FOUND;
        }
    }
    db_result_free(r);
    return err;
}

struct get_args {
    const struct tenant *t;
    struct workspace *out;
};

static int
get_on(struct db_conn *conn, void *arg)
{
    struct get_args *g = arg;
    return workspaces_read(conn, g->t->workspace_id, g->t->user_id, g->out);
}

int
workspaces_get(struct db *db, const struct tenant *t, struct workspace *out)
{
    struct get_args g = {t, out};
    return db_with_conn(db, get_on, &g);
}

struct rename_tx {
    const struct tenant *t;
    struct str name;
    const struct auth_client *client;
    struct workspace *out;
};

static int
rename_tx(struct db_conn *conn, void *arg)
{
    struct rename_tx *c = arg;
    int64_t now = clock_wall_s();
    char *name = xstrndup(c->name.ptr, c->name.len);
    const char *kv[] = {"name", name, NULL};
    struct db_param p[] = {DB_CSTR(name), DB_INT(now), DB_CSTR(c->t->workspace_id)};
    int err =
        db_exec(conn, "UPDATE workspaces SET name = $1, updated_at = $2 WHERE id = $3", p, 3, NULL);

    if (!err) {
        err = audit_kv(conn, c->t, "workspace.renamed", c->client, now, kv);
    }
    if (!err) {
        err = workspaces_read(conn, c->t->workspace_id, c->t->user_id, c->out);
    }
    free(name);
    return err;
}

int
workspaces_rename(struct db *db, const struct tenant *t, struct str name,
                  const struct auth_client *client, struct workspace *out)
{
    struct rename_tx c = {t, name, client, out};
    if (workspaces_check_name(name, &c.name)) {
        return E_VALIDATION;
    }
    return db_tx(db, rename_tx, &c);
}

#define MEMBER_SELECT                                                                              \
    "SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM workspace_members m "            \
    "JOIN users u ON u.id = m.user_id "

static void
read_member(const struct db_result *r, size_t row, struct ws_member *m)
{
    db_text_copy(r, row, 0, m->user_id, sizeof(m->user_id));
    db_text_copy(r, row, 1, m->email, sizeof(m->email));
    db_text_copy(r, row, 2, m->name, sizeof(m->name));
    m->role = role_of(db_text(r, row, 3));
    m->joined_at = db_int(r, row, 4);
}

int
workspaces_members(struct db *db, const struct tenant *t, struct arena *a, struct ws_member **out,
                   size_t *n)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(t->workspace_id)};
    int err = db_run(db,
                     MEMBER_SELECT "WHERE m.workspace_id = $1 "
                                   "ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 "
                                   "ELSE 2 END, u.name, u.email",
                     p, 1, &r);

    *out = NULL;
    *n = 0;
    if (!err) {
        size_t rows = db_result_rows(r);
        *out = arena_alloc(a, sizeof(**out) * (rows ? rows : 1));
        for (size_t i = 0; i < rows; i++) {
            read_member(r, i, &(*out)[i]);
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}

/* Member user_id of the tenant's workspace, on conn: 0 or E_NOT_FOUND. */
static int
find_member(struct db_conn *conn, const struct tenant *t, const char *user_id, struct ws_member *m)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(t->workspace_id), DB_CSTR(user_id)};
    int err = db_exec(conn, MEMBER_SELECT "WHERE m.workspace_id = $1 AND m.user_id = $2", p, 2, &r);

    if (!err && db_result_rows(r) != 1) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        read_member(r, 0, m);
    }
    db_result_free(r);
    return err;
}

/*
 * The asking user's role, read again inside the transaction (the tenant was
 * resolved before it began): a concurrent demotion is seen here.
 */
static int
current_role(struct db_conn *conn, const struct tenant *t, enum ws_role *role)
{
    struct ws_member me;
    int err = find_member(conn, t, t->user_id, &me);
    *role = err ? WS_NONE : me.role;
    return err;
}

/*
 * Takes the workspace's row lock for the rest of the transaction, so changes
 * to its members run one at a time (PostgreSQL; on SQLite BEGIN IMMEDIATE
 * already serialises writers): two owners demoting each other at once
 * cannot leave the workspace without one.
 */
static int
lock_workspace(struct db_conn *conn, const struct tenant *t)
{
    struct db_param p[] = {DB_CSTR(t->workspace_id)};
    return db_exec(conn, "UPDATE workspaces SET updated_at = updated_at WHERE id = $1", p, 1, NULL);
}

/* Owners other than user_id. */
static int
other_owners(struct db_conn *conn, const struct tenant *t, const char *user_id, int64_t *count)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(t->workspace_id), DB_CSTR(user_id)};
    int err = db_exec(conn,
                      "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = $1 "
                      "AND role = 'owner' AND user_id <> $2",
                      p, 2, &r);
    *count = err ? 0 : db_int(r, 0, 0);
    db_result_free(r);
    return err;
}

/*
 * May the asking user (with role `mine`) move member target from its role to
 * `to` (WS_NONE: remove)? Owners may do anything; admins only between
 * member and admin, never on an owner. The last owner never loses the role.
 */
static int
check_change(struct db_conn *conn, const struct tenant *t, enum ws_role mine,
             const struct ws_member *target, enum ws_role to)
{
    int64_t owners = 0;
    int err;

    bool leaving = to == WS_NONE && strcmp(target->user_id, t->user_id) == 0;

    if (mine < WS_ADMIN && !leaving) {
        return E_FORBIDDEN;
    }
    if (mine == WS_ADMIN && !leaving && (target->role == WS_OWNER || to == WS_OWNER)) {
        return E_FORBIDDEN;
    }
    if (target->role == WS_OWNER && to != WS_OWNER) {
        if ((err = other_owners(conn, t, target->user_id, &owners))) {
            return err;
        }
        if (owners == 0) {
            return E_LAST_OWNER;
        }
    }
    return 0;
}

struct role_tx {
    const struct tenant *t;
    const char *user_id;
    enum ws_role role;
    const struct auth_client *client;
    struct ws_member *out;
};

static int
set_role_tx(struct db_conn *conn, void *arg)
{
    struct role_tx *c = arg;
    int64_t now = clock_wall_s();
    enum ws_role mine;
    struct ws_member target;
    int err;

    if ((err = lock_workspace(conn, c->t)) || (err = current_role(conn, c->t, &mine)) ||
        (err = find_member(conn, c->t, c->user_id, &target)) ||
        (err = check_change(conn, c->t, mine, &target, c->role))) {
        return err;
    }
    if (target.role != c->role) {
        const char *kv[] = {"userId", target.user_id,
                            "email",  target.email,
                            "from",   workspaces_role_name(target.role),
                            "to",     workspaces_role_name(c->role),
                            NULL};
        struct db_param p[] = {DB_CSTR(workspaces_role_name(c->role)), DB_INT(now),
                               DB_CSTR(c->t->workspace_id), DB_CSTR(target.user_id)};
        err = db_exec(conn,
                      "UPDATE workspace_members SET role = $1, updated_at = $2 "
                      "WHERE workspace_id = $3 AND user_id = $4",
                      p, 4, NULL);
        if (!err) {
            err = audit_kv(conn, c->t, "member.role_changed", c->client, now, kv);
        }
    }
    target.role = c->role;
    *c->out = target;
    return err;
}

int
workspaces_set_role(struct db *db, const struct tenant *t, const char *user_id, enum ws_role role,
                    const struct auth_client *client, struct ws_member *out)
{
    struct role_tx c = {t, user_id, role, client, out};
    if (role == WS_NONE) {
        return E_INVALID;
    }
    return db_tx(db, set_role_tx, &c);
}

static int
remove_tx(struct db_conn *conn, void *arg)
{
    struct role_tx *c = arg;
    int64_t now = clock_wall_s();
    bool self = strcmp(c->user_id, c->t->user_id) == 0;
    enum ws_role mine;
    struct ws_member target;
    int err;

    if ((err = lock_workspace(conn, c->t)) || (err = current_role(conn, c->t, &mine)) ||
        (err = find_member(conn, c->t, c->user_id, &target)) ||
        (err = check_change(conn, c->t, mine, &target, WS_NONE))) {
        return err;
    }
    {
        struct db_param p[] = {DB_CSTR(c->t->workspace_id), DB_CSTR(target.user_id)};
        err =
            db_exec(conn, "DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2",
                    p, 2, NULL);
    }
    if (!err && self) {
        const char *kv[] = {"role", workspaces_role_name(target.role), NULL};
        err = audit_kv(conn, c->t, "member.left", c->client, now, kv);
    } else if (!err) {
        const char *kv[] = {"userId",     target.user_id, "email",
                            target.email, "role",         workspaces_role_name(target.role),
                            NULL};
        err = audit_kv(conn, c->t, "member.removed", c->client, now, kv);
    }
    return err;
}

int
workspaces_remove_member(struct db *db, const struct tenant *t, const char *user_id,
                         const struct auth_client *client)
{
    struct role_tx c = {t, user_id, WS_NONE, client, NULL};
    return db_tx(db, remove_tx, &c);
}

int
workspaces_leave(struct db *db, const struct tenant *t, const struct auth_client *client)
{
    return workspaces_remove_member(db, t, t->user_id, client);
}

static int
transfer_tx(struct db_conn *conn, void *arg)
{
    struct role_tx *c = arg;
    int64_t now = clock_wall_s();
    enum ws_role mine;
    struct ws_member target;
    int err;

    if ((err = lock_workspace(conn, c->t)) || (err = current_role(conn, c->t, &mine)) ||
        (err = find_member(conn, c->t, c->user_id, &target))) {
        return err;
    }
    if (mine != WS_OWNER) {
        return E_FORBIDDEN;
    }
    {
        struct db_param p[] = {DB_INT(now), DB_CSTR(c->t->workspace_id), DB_CSTR(target.user_id),
                               DB_CSTR(c->t->user_id)};
        err = db_exec(conn,
                      "UPDATE workspace_members SET role = CASE WHEN user_id = $3 THEN 'owner' "
                      "ELSE 'admin' END, updated_at = $1 "
                      "WHERE workspace_id = $2 AND user_id IN ($3, $4)",
                      p, 4, NULL);
    }
    if (!err) {
        const char *kv[] = {"userId", target.user_id, "email", target.email, NULL};
        err = audit_kv(conn, c->t, "ownership.transferred", c->client, now, kv);
    }
    return err;
}

int
workspaces_transfer(struct db *db, const struct tenant *t, const char *user_id,
                    const struct auth_client *client)
{
    struct role_tx c = {t, user_id, WS_OWNER, client, NULL};
    if (strcmp(user_id, t->user_id) == 0) {
        return E_INVALID;
    }
    return db_tx(db, transfer_tx, &c);
}

int
workspaces_audit(struct db *db, const struct tenant *t, int64_t before, size_t limit,
                 struct arena *a, struct ws_audit_event **out, size_t *n, int64_t *next)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(t->workspace_id), DB_INT(before > 0 ? before : INT64_MAX),
                           DB_INT(limit + 1)};
    int err = db_run(db,
                     "SELECT l.id, l.at, COALESCE(l.user_id, ''), COALESCE(u.email, ''), "
                     "COALESCE(u.name, ''), l.event, l.outcome, l.ip, l.detail FROM audit_log l "
                     "LEFT JOIN users u ON u.id = l.user_id "
                     "WHERE l.workspace_id = $1 AND l.id < $2 ORDER BY l.id DESC LIMIT $3",
                     p, 3, &r);

    *out = NULL;
    *n = 0;
    *next = 0;
    if (!err) {
        size_t rows = db_result_rows(r);
        size_t take = rows > limit ? limit : rows;
        struct ws_audit_event *ev = arena_alloc(a, sizeof(*ev) * (take ? take : 1));
        for (size_t i = 0; i < take; i++) {
            ev[i].id = db_int(r, i, 0);
            ev[i].at = db_int(r, i, 1);
            ev[i].user_id = arena_strdup(a, db_text(r, i, 2));
            ev[i].email = arena_strdup(a, db_text(r, i, 3));
            ev[i].name = arena_strdup(a, db_text(r, i, 4));
            ev[i].event = arena_strdup(a, db_text(r, i, 5));
            ev[i].outcome = arena_strdup(a, db_text(r, i, 6));
            ev[i].ip = arena_strdup(a, db_text(r, i, 7));
            ev[i].detail = arena_strdup(a, db_text(r, i, 8));
        }
        if (rows > limit && take) {
            *next = ev[take - 1].id;
        }
        *out = ev;
        *n = take;
    }
    db_result_free(r);
    return err;
}
