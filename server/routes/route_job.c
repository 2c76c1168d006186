#include "routes/route_job.h"

#include "crypto/crypto.h"
#include "routes/account.h"

static void
wipe_str(struct str s)
{
    if (s.len) {
        crypto_wipe((void *)(uintptr_t)s.ptr, s.len);
    }
}

static void
wipe(void *p)
{
    struct route_job *job = p;
    wipe_str(job->password);
    wipe_str(job->new_password);
    crypto_wipe(job->result.token, sizeof(job->result.token));
}

struct route_job *
route_job_new(struct request *req)
{
    struct route_job *job = arena_alloc(req->arena, sizeof(*job));

    job->client = account_client(req);
    request_on_free(req, wipe, job);
    return job;
}

static void
run_work(struct request *req)
{
    struct route_job *job = req->ctx;
    job->err = job->work(req, job);
}

static int
run_then(struct request *req)
{
    struct route_job *job = req->ctx;
    if (req->defer_err) {
        job->err = req->defer_err;
    }
    return job->then(req, job);
}

int
route_job_defer(struct request *req, struct route_job *job, route_job_fn work, route_job_fn then)
{
    job->work = work;
    job->then = then;
    req->ctx = job;
    return request_defer(req, run_work, run_then);
}

int
route_job_failed(struct request *req, const struct route_job *job)
{
    if (req->defer_err) {
        return req->defer_err;
    }
    return job->err ? account_fail(req, job->err, &job->result) : 0;
}
