#include "routes/documents.h"

#include <inttypes.h>

#include "app.h"
#include "core/clock.h"
#include "core/err.h"
#include "knowledge/documents.h"
#include "knowledge/indexer.h"

struct index_payload {
    char wid[DOCUMENT_ID_MAX + 1];
    char id[DOCUMENT_ID_MAX + 1];
    int64_t version;
};

static int
read_payload(const struct job *job, struct index_payload *p)
{
    int err = jobs_payload_str(job, "workspaceId", p->wid, sizeof(p->wid));
    if (!err) {
        err = jobs_payload_str(job, "documentId", p->id, sizeof(p->id));
    }
    if (!err) {
        err = jobs_payload_int(job, "version", &p->version);
    }
    return err;
}

int
documents_index_job(struct job_ctx *ctx, const struct job *job)
{
    const struct app *app = jobs_ctx_env(ctx);
    struct index_payload p = {0};
    struct indexer_outcome out = {0};
    int err;

    if (read_payload(job, &p)) {
        return jobs_fail_for_good(ctx, "malformed payload");
    }
    err = indexer_run(jobs_ctx_db(ctx), app->storage, &extract_default_limits, p.wid, p.id,
                      p.version, &out);
    if (err) {
        return jobs_fail(ctx, err, "indexing document %s v%" PRId64 ": %s", p.id, p.version,
                         err_name(err));
    }
    return 0;
}

int
documents_index_dead(struct db_conn *conn, const struct job *job, const char *last_error)
{
    struct index_payload p = {0};
    int err;

    (void)last_error;
    if (read_payload(job, &p)) {
        return 0;
    }
    err = documents_fail(conn, p.wid, p.id, p.version, DOCFAIL_INTERNAL, clock_wall_s());
    /* Deleted or superseded meanwhile: nothing to say. */
    return err == E_NOT_FOUND || err == E_CONFLICT ? 0 : err;
}
