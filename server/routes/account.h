/*
 * What /auth and /api/v1 share about accounts: the user's JSON shape, the
 * client of a request, and answering with a new session (cookies + the CSRF
 * token bound to it).
 */
#ifndef PILOTO_ROUTES_ACCOUNT_H
#define PILOTO_ROUTES_ACCOUNT_H

#include "auth/auth.h"
#include "workspaces/workspaces.h"
#include "routes/routes.h"

/* {"id","email","name","emailVerified","hasPassword","createdAt"}: a new reference. */
json_t *account_user_json(const struct user *u);
/* {"id","name","role"}: a new reference. */
json_t *account_workspace_json(const struct workspace *w);
/* IP and User-Agent of req (views into the request). */
struct auth_client account_client(struct request *req);
/* Sets the session and CSRF cookies of r's new session; returns its CSRF token (arena). */
const char *account_start_session(struct request *req, const struct auth_result *r);
/* Deletes the session and CSRF cookies. */
void account_clear_cookies(struct request *req);
/* RFC 3339 text of a unix time, from the arena. */
const char *account_time(struct request *req, int64_t unix_s);
/* Maps a flow's error onto the request (field errors, Retry-After) and returns it. */
int account_fail(struct request *req, int err, const struct auth_result *r);

/*
 * POST /api/v1/me/identities/google (routes/auth_google.c): starts
 * connecting Google to the signed-in account; answers {"redirectUrl"} for
 * the dashboard to navigate to, with the pre-auth cookie set.
 */
int account_google_connect(struct request *req);

#endif
