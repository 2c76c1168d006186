/*
 * Deferred work in routes: the one way a handler hands slow work (password
 * hashing, outbound HTTP) to the worker pool and answers afterwards. A job
 * holds what the flows of /auth and /api/v1 need (inputs, the client, the
 * domain's result); a flow with more state hangs it on job->flow. The job
 * lives in the request arena, and its secrets (passwords, the new session's
 * token) are wiped when the request ends, whatever happened.
 */
#ifndef PILOTO_ROUTES_ROUTE_JOB_H
#define PILOTO_ROUTES_ROUTE_JOB_H

#include "auth/auth.h"
#include "routes/routes.h"

struct route_job;
/* work runs on a worker (returns an E_* kept in job->err); then answers on an I/O thread. */
typedef int (*route_job_fn)(struct request *req, struct route_job *job);

struct route_job {
    /* Inputs, as the handler decoded them (views into the request). */
    char email[ACCOUNT_EMAIL_MAX + 1];
    bool email_ok; /* email holds a normalised address */
    struct str name;
    struct str token;        /* a mailed token */
    struct str password;     /* wiped when the request ends */
    struct str new_password; /* wiped when the request ends */
    bool remember;
    struct auth_client client;
    void *flow; /* a flow's own state (its cleanup registered with request_on_free) */

    /* Outputs. */
    struct auth_result result; /* its session token is wiped when the request ends */
    int err;                   /* what work returned, or req->defer_err when it did not run */

    route_job_fn work; /* private */
    route_job_fn then; /* private */
};

/* A zeroed job for req (its arena), with the request's client filled in. */
struct route_job *route_job_new(struct request *req);
/*
 * Runs work(req, job) on the worker pool, then then(req, job) to answer;
 * then runs even when the work could not (pool full, deadline passed), with
 * req->defer_err and job->err set to E_UNAVAILABLE. Returns what request_defer
 * does, for the handler to return as is.
 */
int route_job_defer(struct request *req, struct route_job *job, route_job_fn work,
                    route_job_fn then);
/*
 * The usual opening of then: 0 when the work ran and succeeded; else its
 * error, mapped onto the request by account_fail (field errors, Retry-After).
 */
int route_job_failed(struct request *req, const struct route_job *job);

#endif
