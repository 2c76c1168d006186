#include "auth/auth_google.h"

#include "auth/accounts.h"
#include "auth/audit.h"
#include "auth/auth_internal.h"
#include "auth/tokens.h"
#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"

/* The provider settings from the configuration; redirect is the caller's buffer. */
static bool
google_settings(const struct config *cfg, char *redirect, size_t cap, struct google_provider *p)
{
    if (!cfg->google_client_id || !cfg->google_issuer || !cfg->public_url) {
        return false;
    }
    (void)snprintf(redirect, cap, "%s/auth/google/callback", cfg->public_url);
    *p = (struct google_provider){cfg->google_issuer, cfg->google_client_id,
                                  cfg->google_client_secret, redirect, cfg->google_hosted_domain};
    return true;
}

/* A flow's OAuth state and its pre-auth cookie, for the pooled-connection bodies below. */
struct state_args {
    struct oauth_state *s;
    struct str cookie; /* oauth_state_take's input */
    char *cookie_out;  /* oauth_state_save's output */
};

static int
save_on(struct db_conn *conn, void *arg)
{
    struct state_args *a = arg;
    return oauth_state_save(conn, a->s, clock_wall_s(), a->cookie_out);
}

static int
take_on(struct db_conn *conn, void *arg)
{
    struct state_args *a = arg;
    return oauth_state_take(conn, a->cookie, clock_wall_s(), a->s);
}

/* oauth_state_take on a pooled connection: the state is gone from the database after it. */
static int
take_state(struct db *db, struct str cookie, struct oauth_state *s)
{
    struct state_args a = {NULL, cookie, NULL};

    memset(s, 0, sizeof(*s));
    a.s = s;
    return db_with_conn(db, take_on, &a);
}

int
auth_google_start(struct db *db, const struct config *cfg, const char *next, bool remember,
                  const char *link_user_id, struct auth_google_start *out, char *why, size_t whycap)
{
    char redirect[GOOGLE_URL_MAX + 32];
    struct google_provider p;
    struct google_endpoints ep;
    struct oauth_state s;
    int err;

    out->cookie[0] = '\0';
    if (!google_settings(cfg, redirect, sizeof(redirect), &p)) {
        return E_NOT_FOUND;
    }
    if ((err = google_discover(&p, &ep, why, whycap))) {
        return err;
    }
    oauth_state_init(&s, next, remember, link_user_id);
    {
        struct state_args a = {&s, STR_NULL, out->cookie};
        err = db_with_conn(db, save_on, &a);
    }
    if (!err) {
        err = google_authorize_url(&p, &ep, s.state, s.nonce, s.verifier, &out->url);
    }
    oauth_state_wipe(&s);
    if (err) {
        crypto_wipe(out->cookie, sizeof(out->cookie));
        out->cookie[0] = '\0';
    }
    return err;
}

bool
auth_google_abandon(struct db *db, struct str cookie)
{
    struct oauth_state s;
    bool connect = false;

    if (cookie.len) {
        if (!take_state(db, cookie, &s)) {
            connect = s.link_user_id[0] != '\0';
        }
        oauth_state_wipe(&s);
    }
    return connect;
}

struct identities_args {
    const char *user_id;
    struct arena *a;
    struct identity **out;
    size_t *n;
};

static int
identities_on(struct db_conn *conn, void *arg)
{
    struct identities_args *l = arg;
    return identities_list(conn, l->user_id, l->a, l->out, l->n);
}

int
auth_list_identities(struct db *db, const char *user_id, struct arena *a, struct identity **out,
                     size_t *n)
{
    struct identities_args l = {user_id, a, out, n};

    *out = NULL;
    *n = 0;
    return db_with_conn(db, identities_on, &l);
}

struct google_tx {
    const struct config *cfg;
    const struct google_claims *claims;
    const char *issuer; /* the discovery document's: one spelling per provider */
    const char *email;  /* normalised, or NULL when the token has no usable address */
    bool remember;
    const struct session *replaced;
    const struct auth_client *client;
    struct auth_result *out;
    struct auth_google_outcome *res;
    const char *link_user_id; /* connecting from the settings: the account; else NULL */
};

/* A display name for a new account: the provider's, else the address's local part. */
static void
google_account_name(const struct google_claims *c, const char *email, char *buf, size_t cap,
                    struct str *name)
{
    size_t local = strcspn(email, "@");

    if (accounts_check_name(str_from_cstr(c->name), name) == 0) {
        return;
    }
    (void)snprintf(buf, cap, "%.*s", (int)(local > ACCOUNT_NAME_MAX ? ACCOUNT_NAME_MAX : local),
                   email);
    if (accounts_check_name(str_from_cstr(buf), name) != 0) {
        *name = STR_LIT("Google user");
    }
}

/*
 * Links the identity to u, whose address the provider just proved. If u
 * never verified it, whoever created u may not own it (pre-account
 * hijacking, Sudhodanan & Paverd 2022): the password they may have set, the
 * sessions they may hold and the mail tokens they may have asked for go.
 */
static int
google_link(struct db_conn *conn, struct google_tx *g, const struct user *u, int64_t now)
{
    struct identity id;
    uint64_t revoked = 0;
    bool takeover = u->email_verified_at == 0;
    int err = 0;

    if (takeover) {
        err = accounts_clear_password(conn, u->id, now);
        if (!err) {
            err = accounts_set_verified_email(conn, u->id, u->email, now);
        }
        if (!err) {
            err = session_revoke_others(conn, u->id, NULL, now, &revoked);
        }
        if (!err) {
            err = tokens_revoke_all(conn, u->id, now);
        }
    }
    if (!err) {
        err = identities_create(conn, u->id, g->issuer, g->claims->sub, g->email, now, &id);
    }
    if (!err) {
        char detail[128];
        struct audit_entry e;
        (void)snprintf(detail, sizeof(detail),
                       "{\"provider\":\"google\",\"unverifiedAccount\":%s,"
                       "\"revokedSessions\":%llu}",
                       takeover ? "true" : "false", (unsigned long long)revoked);
        e = auth_entry(u->id, "identity_link", "success", g->client, detail, now);
        err = audit_write(conn, &e);
    }
    return err;
}

/* Creates a password-less account for the identity, its address verified by the provider. */
static int
google_signup(struct db_conn *conn, struct google_tx *g, struct user *u, int64_t now)
{
    char namebuf[ACCOUNT_NAME_BYTES + 1];
    struct identity id;
    struct str name;
    int err;

    google_account_name(g->claims, g->email, namebuf, sizeof(namebuf), &name);
    err = accounts_create(conn, g->email, name, NULL, now, u);
    if (!err) {
        err = accounts_set_verified_email(conn, u->id, g->email, now);
        u->email_verified_at = now;
    }
    if (!err) {
        err = identities_create(conn, u->id, g->issuer, g->claims->sub, g->email, now, &id);
    }
    if (!err) {
        struct audit_entry e =
            auth_entry(u->id, "signup", "success", g->client, "{\"method\":\"google\"}", now);
        err = audit_write(conn, &e);
    }
    return err;
}

static int
google_login_body(struct db_conn *conn, void *arg)
{
    struct google_tx *g = arg;
    int64_t now = clock_wall_s();
    struct identity id;
    struct user u;
    int err;

    memset(&u, 0, sizeof(u));
    err = identities_find(conn, g->issuer, g->claims->sub, &id);

    if (err == 0) {
        /* The subject is the person: sign in whatever the address says today. */
        g->res->event = "login";
        if (g->email) {
            err = identities_set_email(conn, id.id, g->email);
        }
        if (!err) {
            err = accounts_find_by_id(conn, id.user_id, &u);
        }
    } else if (err == E_NOT_FOUND) {
        if (!g->email || !g->claims->email_verified) {
            g->res->error = AUTH_GOOGLE_UNVERIFIED;
            return E_CONFLICT;
        }
        err = accounts_find_by_email(conn, g->email, &u);
        if (err == 0) {
            g->res->event = "link";
            err = google_link(conn, g, &u, now);
        } else if (err == E_NOT_FOUND) {
            g->res->event = "signup";
            err = google_signup(conn, g, &u, now);
        }
    }
    /* No fixation: whatever session the browser had is replaced. */
    if (!err && g->replaced) {
        int rerr = session_revoke(conn, g->replaced->user_id, g->replaced->id, now);
        err = rerr == E_NOT_FOUND ? 0 : rerr;
    }
    if (!err) {
        err = session_create(conn, g->cfg, u.id, g->remember, now, g->client->ip,
                             g->client->user_agent, now, g->out->token, &g->out->session);
    }
    if (!err) {
        struct audit_entry e =
            auth_entry(u.id, "login", "success", g->client,
                       g->remember ? "{\"method\":\"google\",\"remember\":true}"
                                   : "{\"method\":\"google\",\"remember\":false}",
                       now);
        err = audit_write(conn, &e);
    }
    if (!err) {
        err = accounts_find_by_id(conn, u.id, &g->out->user);
    }
    return err;
}

/*
 * Links the identity to the signed-in account that asked for it from its
 * settings. The user proved both sides (a recent authentication here to
 * start, the provider's sign-in to finish), so the provider's address need
 * not match the account's, nor be verified: it is only shown.
 */
static int
google_connect_body(struct db_conn *conn, void *arg)
{
    struct google_tx *g = arg;
    int64_t now = clock_wall_s();
    struct identity id;
    int err = identities_find(conn, g->issuer, g->claims->sub, &id);

    if (err == 0) {
        if (strcmp(id.user_id, g->link_user_id) != 0) {
            g->res->error = AUTH_GOOGLE_IN_USE;
            return E_CONFLICT;
        }
        g->res->event = "connect"; /* linked already: nothing to do */
        return g->email ? identities_set_email(conn, id.id, g->email) : 0;
    }
    if (err != E_NOT_FOUND) {
        return err;
    }
    g->res->event = "connect";
    err = identities_create(conn, g->link_user_id, g->issuer, g->claims->sub,
                            g->email ? g->email : "", now, &id);
    if (!err) {
        struct audit_entry e = auth_entry(g->link_user_id, "identity_link", "success", g->client,
                                          "{\"provider\":\"google\",\"from\":\"settings\"}", now);
        err = audit_write(conn, &e);
    }
    return err;
}

/* The account a state links to, or NULL for a sign-in. */
#define LINK_USER(s) ((s)->link_user_id[0] ? (s)->link_user_id : NULL)

/* Records a failed sign-in or link (reason: an AUTH_GOOGLE_* code) and returns err. */
static int
google_fail(struct db *db, const char *user_id, const struct auth_client *client,
            struct auth_google_outcome *res, const char *error, int err)
{
    char detail[64];

    res->error = error;
    (void)snprintf(detail, sizeof(detail), "{\"reason\":\"%s\"}", error);
    auth_audit_failure(db, user_id, res->connect ? "identity_link" : "google_login", client,
                       detail);
    return err;
}

int
auth_google_login(struct db *db, const struct config *cfg, const struct auth_google_callback *cb,
                  const struct session *replaced, const struct auth_client *client,
                  struct auth_result *out, struct auth_google_outcome *res)
{
    char redirect[GOOGLE_URL_MAX + 32];
    char email[ACCOUNT_EMAIL_MAX + 1];
    struct google_provider p;
    struct google_endpoints ep;
    struct google_claims claims;
    struct oauth_state s;
    struct google_tx g;
    int err;

    memset(out, 0, sizeof(*out));
    memset(res, 0, sizeof(*res));
    memset(&s, 0, sizeof(s));
    (void)snprintf(res->next, sizeof(res->next), "/");
    if (!google_settings(cfg, redirect, sizeof(redirect), &p)) {
        res->error = AUTH_GOOGLE_DISABLED;
        return E_NOT_FOUND;
    }
    /* Single use: the state is gone from here on, whatever happens next. */
    err = take_state(db, cb->cookie, &s);
    if (err) {
        (void)snprintf(res->why, sizeof(res->why), "%s",
                       err == E_NOT_FOUND ? "no live state for the pre-auth cookie"
                                          : "cannot read the state");
        err = google_fail(db, LINK_USER(&s), client, res,
                          err == E_NOT_FOUND ? AUTH_GOOGLE_STATE : AUTH_GOOGLE_FAILED,
                          err == E_NOT_FOUND ? E_UNAUTHENTICATED : err);
        goto out;
    }
    res->connect = s.link_user_id[0] != '\0';
    (void)snprintf(res->next, sizeof(res->next), "%s", s.next[0] ? s.next : "/");
    /* RFC 6749 §10.12: the state the provider sent back is the one this browser started with. */
    if (!crypto_equal_str(cb->state, str_from_cstr(s.state))) {
        (void)snprintf(res->why, sizeof(res->why), "state does not match the pre-auth cookie");
        err = google_fail(db, LINK_USER(&s), client, res, AUTH_GOOGLE_STATE, E_UNAUTHENTICATED);
        goto out;
    }
    /*
     * Connecting: the session the linking user started with comes back with
     * the callback, or the code is not even redeemed.
     */
    if (res->connect && (!replaced || strcmp(replaced->user_id, s.link_user_id) != 0)) {
        (void)snprintf(res->why, sizeof(res->why), "connect callback without %s session",
                       replaced ? "the same user's" : "a");
        err = google_fail(db, LINK_USER(&s), client, res, AUTH_GOOGLE_SESSION, E_UNAUTHENTICATED);
        goto out;
    }
    if ((err = google_discover(&p, &ep, res->why, sizeof(res->why)))) {
        err = google_fail(db, LINK_USER(&s), client, res,
                          err == E_UNAVAILABLE ? AUTH_GOOGLE_UNAVAILABLE : AUTH_GOOGLE_FAILED, err);
        goto out;
    }
    /* RFC 9207 §2.4: an iss parameter names the provider that answered (mix-up attacks). */
    if (cb->iss.ptr && !google_is_issuer(ep.issuer, cb->iss)) {
        (void)snprintf(res->why, sizeof(res->why), "iss parameter names another issuer");
        err = google_fail(db, LINK_USER(&s), client, res, AUTH_GOOGLE_FAILED, E_UNAUTHENTICATED);
        goto out;
    }
    err = google_exchange(&p, &ep, cb->code, s.verifier, s.nonce, &claims, res->why,
                          sizeof(res->why));
    if (err) {
        err = google_fail(db, LINK_USER(&s), client, res,
                          err == E_UNAVAILABLE ? AUTH_GOOGLE_UNAVAILABLE
                          : err == E_FORBIDDEN ? AUTH_GOOGLE_DOMAIN
                                               : AUTH_GOOGLE_FAILED,
                          err);
        goto out;
    }
    g = (struct google_tx){cfg,      &claims, ep.issuer, NULL, s.remember,
                           replaced, client,  out,       res,  NULL};
    if (claims.email[0] && accounts_normalize_email(str_from_cstr(claims.email), email) == 0) {
        g.email = email;
    }
    g.link_user_id = LINK_USER(&s);
    err = db_tx(db, res->connect ? google_connect_body : google_login_body, &g);
    if (err) {
        if (!res->error) {
            (void)snprintf(res->why, sizeof(res->why), "cannot sign in: %s", err_name(err));
        } else if (strcmp(res->error, AUTH_GOOGLE_IN_USE) == 0) {
            (void)snprintf(res->why, sizeof(res->why), "the identity belongs to another account");
        } else {
            (void)snprintf(res->why, sizeof(res->why), "the provider has not verified the email");
        }
        err = google_fail(db, LINK_USER(&s), client, res,
                          res->error ? res->error : AUTH_GOOGLE_FAILED, err);
        goto out;
    }
out:
    oauth_state_wipe(&s);
    if (err) {
        auth_drop_token(out);
    }
    return err;
}

struct unlink_tx {
    const struct session *s;
    const char *id;
    const struct auth_client *client;
};

static int
unlink_body(struct db_conn *conn, void *arg)
{
    struct unlink_tx *x = arg;
    int64_t now = clock_wall_s();
    struct user u;
    size_t left = 0;
    int err;

    memset(&u, 0, sizeof(u));
    /*
     * Lock the account row first (PostgreSQL; SQLite's BEGIN IMMEDIATE
     * already serialises writers), so two unlinks at once cannot both see
     * the other identity and leave the account with no way in.
     */
    err = accounts_lock(conn, x->s->user_id, now);
    if (!err) {
        err = accounts_find_by_id(conn, x->s->user_id, &u);
    }
    if (!err) {
        err = identities_delete(conn, u.id, x->id);
    }
    if (!err) {
        err = identities_count(conn, u.id, &left);
    }
    if (!err && !u.has_password && left == 0) {
        err = E_CONFLICT; /* rolls the delete back */
    }
    if (!err) {
        struct audit_entry e = auth_entry(u.id, "identity_unlink", "success", x->client,
                                          "{\"provider\":\"google\"}", now);
        err = audit_write(conn, &e);
    }
    crypto_wipe(u.password_hash, sizeof(u.password_hash));
    return err;
}

int
auth_unlink_identity(struct db *db, const struct session *s, const char *id,
                     const struct auth_client *client)
{
    struct unlink_tx x = {s, id, client};
    int err = db_tx(db, unlink_body, &x);

    if (err == E_CONFLICT) {
        auth_audit_failure(db, s->user_id, "identity_unlink", client,
                           "{\"reason\":\"last_way_in\"}");
    }
    return err;
}
