#include "knowledge/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "integrations/gcs_sign.h"
#include "integrations/httpc.h"

struct storage {
    bool embedded;
    char dir[4096];  /* file: */
    char bucket[64]; /* gs: */
    char api[512];   /* GCS_API_URL */
    struct gcs_credentials *cred;
};

/* mkdir -p of path (mode 0700: documents are private). */
static int
make_dirs(const char *path)
{
    char p[4096];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof(p)) {
        return E_INVALID;
    }
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char c = p[i];
            p[i] = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                return E_INTERNAL;
            }
            p[i] = c;
        }
    }
    return 0;
}

static int
read_small_file(const char *path, struct buf *out, size_t max)
{
    char chunk[4096];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int err = 0;

    if (fd < 0) {
        return E_NOT_FOUND;
    }
    while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
        if (out->len + (size_t)n > max || buf_add(out, chunk, (size_t)n)) {
            err = E_TOO_LARGE;
            break;
        }
    }
    if (n < 0) {
        err = E_INTERNAL;
    }
    close(fd);
    return err;
}

int
storage_open(const struct config *cfg, struct storage **out, char *err, size_t errlen)
{
    struct storage *s = xcalloc(1, sizeof(*s));
    const char *url = cfg->storage_url;
    struct buf key = BUF_INIT;
    int rc = 0;

    *out = NULL;
    if (strncmp(url, "file:", 5) == 0) {
        s->embedded = true;
        (void)snprintf(s->dir, sizeof(s->dir), "%s", url + 5);
        if (make_dirs(s->dir)) {
            (void)snprintf(err, errlen, "invalid STORAGE_URL: cannot create directory '%s'",
                           s->dir);
            rc = E_INVALID;
        }
    } else {
        (void)snprintf(s->bucket, sizeof(s->bucket), "%s", url + 5);
        (void)snprintf(s->api, sizeof(s->api), "%s", cfg->gcs_api_url);
        if (!cfg->google_credentials ||
            read_small_file(cfg->google_credentials, &key, GCS_CREDENTIALS_MAX)) {
            (void)snprintf(err, errlen,
                           "invalid GOOGLE_APPLICATION_CREDENTIALS: cannot read the key file");
            rc = E_INVALID;
        } else if (gcs_credentials_parse(buf_str(&key), &s->cred)) {
            (void)snprintf(err, errlen,
                           "invalid GOOGLE_APPLICATION_CREDENTIALS: not a service-account key");
            rc = E_INVALID;
        }
    }
    crypto_wipe(key.ptr, key.len);
    buf_release(&key);
    if (rc) {
        storage_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void
storage_free(struct storage *s)
{
    if (!s) {
        return;
    }
    gcs_credentials_free(s->cred);
    free(s);
}

bool
storage_is_embedded(const struct storage *s)
{
    return s->embedded;
}

void
storage_key(const char *wid, const char *document_id, int64_t version, char *out)
{
    (void)snprintf(out, STORAGE_KEY_MAX, "%s/%s/v%lld", wid, document_id, (long long)version);
}

void
storage_upload_release(struct storage_upload *u)
{
    buf_release(&u->url);
}

int
storage_sign_upload(const struct storage *s, const struct config *cfg, const char *wid,
                    const struct upload_grant *g, int64_t now, struct storage_upload *out)
{
    char key[STORAGE_KEY_MAX];
    char path[STORAGE_KEY_MAX + 80];
    int err;

    out->url = (struct buf)BUF_INIT;
    out->nheaders = 2;
    out->header_names[0] = "Content-Type";
    (void)snprintf(out->header_values[0], sizeof(out->header_values[0]), "%s",
                   doctype_mime(g->type));
    if (s->embedded) {
        out->nheaders = 1;
        err = buf_addf(&out->url, "%s/bff/uploads/%s?", cfg->public_url, g->document_id);
        return err ? err : upload_url_render(cfg->secret, cfg->secret_len, g, &out->url);
    }
    /*
     * GCS checks both signed headers: the exact content type, and a
     * content-length range of exactly the declared size.
     */
    out->header_names[1] = "x-goog-content-length-range";
    (void)snprintf(out->header_values[1], sizeof(out->header_values[1]), "%lld,%lld",
                   (long long)g->size, (long long)g->size);
    storage_key(wid, g->document_id, g->version, key);
    (void)snprintf(path, sizeof(path), "/%s/%s", s->bucket, key);
    {
        struct gcs_kv headers[] = {
            {str_from_cstr(out->header_names[0]), str_from_cstr(out->header_values[0])},
            {str_from_cstr(out->header_names[1]), str_from_cstr(out->header_values[1])},
        };
        struct gcs_sign_req req = {
            .method = "PUT",
            .endpoint = s->api,
            .path = str_from_cstr(path),
            .headers = headers,
            .nheaders = ARRAY_LEN(headers),
            .timestamp = now,
            .expires = g->expires_at - now,
        };
        return gcs_sign_url(s->cred, &req, &out->url, NULL, NULL);
    }
}

static void
local_path(const struct storage *s, const char *key, char *out, size_t cap)
{
    (void)snprintf(out, cap, "%s/%s", s->dir, key);
}

struct storage_writer {
    int fd;
    bool committed;
    int64_t size;
    int64_t count;
    struct crypto_sha256_stream *hash;
    char path[4096 + STORAGE_KEY_MAX + 16];
    char tmp[4096 + STORAGE_KEY_MAX + 32];
};

int
storage_writer_open(const struct storage *s, const char *key, int64_t size,
                    struct storage_writer **out)
{
    struct storage_writer *w;
    char *slash;
    int err = 0;

    *out = NULL;
    if (!s->embedded || size < 1) {
        return E_INVALID;
    }
    w = xcalloc(1, sizeof(*w));
    w->fd = -1;
    w->size = size;
    local_path(s, key, w->path, sizeof(w->path));
    (void)snprintf(w->tmp, sizeof(w->tmp), "%s.XXXXXX.tmp", w->path);
    slash = strrchr(w->tmp, '/');
    if (slash) {
        *slash = '\0';
        err = make_dirs(w->tmp);
        *slash = '/';
    }
    /* mkstemps: O_EXCL, mode 0600, a name no other writer has. */
    w->fd = err ? -1 : mkstemps(w->tmp, 4);
    if (w->fd < 0) {
        w->tmp[0] = '\0';
        storage_writer_free(w);
        return E_INTERNAL;
    }
    (void)fcntl(w->fd, F_SETFD, FD_CLOEXEC);
    w->hash = crypto_sha256_begin();
    *out = w;
    return 0;
}

int
storage_writer_add(struct storage_writer *w, const void *data, size_t n)
{
    const char *p = data;

    if (w->fd < 0) {
        return E_INTERNAL;
    }
    if ((uint64_t)n > (uint64_t)(w->size - w->count)) {
        return E_TOO_LARGE;
    }
    crypto_sha256_update(w->hash, data, n);
    w->count += (int64_t)n;
    while (n > 0) {
        ssize_t wr = write(w->fd, p, n);
        if (wr < 0 && errno == EINTR) {
            continue;
        }
        if (wr <= 0) {
            return E_INTERNAL;
        }
        p += wr;
        n -= (size_t)wr;
    }
    return 0;
}

int64_t
storage_writer_count(const struct storage_writer *w)
{
    return w->count;
}

int
storage_writer_commit(struct storage_writer *w, char *sha256)
{
    int err = 0;

    if (w->fd < 0) {
        return E_INTERNAL;
    }
    if (w->count != w->size) {
        return E_INVALID;
    }
    /* Durable before it is announced: a crash leaves the old file or the new one. */
    if (fsync(w->fd) != 0) {
        err = E_INTERNAL;
    }
    if (close(w->fd) != 0) {
        err = E_INTERNAL;
    }
    w->fd = -1;
    if (err || rename(w->tmp, w->path) != 0) {
        return E_INTERNAL;
    }
    w->committed = true;
    if (sha256) {
        crypto_sha256_end_hex(w->hash, sha256);
    }
    return 0;
}

void
storage_writer_free(struct storage_writer *w)
{
    if (!w) {
        return;
    }
    if (w->fd >= 0) {
        close(w->fd);
    }
    if (!w->committed && w->tmp[0]) {
        (void)unlink(w->tmp);
    }
    crypto_sha256_free(w->hash);
    free(w);
}

int
storage_put_local(const struct storage *s, const char *key, const void *data, size_t n)
{
    struct storage_writer *w = NULL;
    int err = storage_writer_open(s, key, (int64_t)n, &w);

    if (!err) {
        err = storage_writer_add(w, data, n);
    }
    if (!err) {
        err = storage_writer_commit(w, NULL);
    }
    storage_writer_free(w);
    return err;
}

/*
 * One object request to GCS with a V4 signed URL (method, object key),
 * answered into *resp (the caller releases it). 0 or httpc's E_*.
 */
static int
gcs_object_call(const struct storage *s, const char *method, const char *key, size_t max,
                struct httpc_response *resp)
{
    struct buf url = BUF_INIT;
    char object[STORAGE_KEY_MAX + 80];
    int err;

    (void)snprintf(object, sizeof(object), "/%s/%s", s->bucket, key);
    {
        struct gcs_sign_req req = {
            .method = method,
            .endpoint = s->api,
            .path = str_from_cstr(object),
            .timestamp = clock_wall_s(),
            .expires = STORAGE_GET_TTL_S,
        };
        struct httpc_request rq = {
            .method = method,
            .timeout_ms = STORAGE_TIMEOUT_MS,
            .max_response = max,
        };
        err = gcs_sign_url(s->cred, &req, &url, NULL, NULL);
        rq.url = url.ptr;
        err = err ? err : httpc_do(&rq, resp);
    }
    buf_release(&url);
    return err;
}

int
storage_fetch(const struct storage *s, const char *key, size_t max, struct buf *data, char *path,
              size_t pathcap)
{
    struct httpc_response resp = HTTPC_RESPONSE_INIT;
    int fd;
    int err;

    if (s->embedded) {
        local_path(s, key, path, pathcap);
        err = read_small_file(path, data, max);
        return err;
    }
    /* Room for an XML error body (a 404) even when the document is tiny. */
    err = gcs_object_call(s, "GET", key, max < 65536 ? 65536 : max + 1, &resp);
    if (!err && resp.status == 404) {
        err = E_NOT_FOUND;
    } else if (!err && resp.status != 200) {
        err = resp.status >= 500 ? E_UNAVAILABLE : E_UPSTREAM;
    } else if (!err && resp.body.len > max) {
        err = E_TOO_LARGE;
    }
    if (!err) {
        /* A private copy for tools that read files (pdftotext). */
        (void)snprintf(path, pathcap, "/tmp/piloto-doc-XXXXXX");
        fd = mkstemp(path);
        if (fd < 0) {
            err = E_INTERNAL;
        } else {
            ssize_t w = write(fd, resp.body.ptr, resp.body.len);
            close(fd);
            err = w == (ssize_t)resp.body.len ? 0 : E_INTERNAL;
            if (err) {
                (void)unlink(path);
            }
        }
    }
    if (!err && buf_add(data, resp.body.ptr, resp.body.len)) {
        err = E_TOO_LARGE;
        storage_fetch_done(s, path);
    }
    httpc_response_release(&resp);
    return err;
}

void
storage_fetch_done(const struct storage *s, const char *path)
{
    if (!s->embedded && path[0]) {
        (void)unlink(path);
    }
}

int
storage_delete(const struct storage *s, const char *key)
{
    char path[4096 + STORAGE_KEY_MAX + 16];
    struct httpc_response resp = HTTPC_RESPONSE_INIT;
    int err;

    if (s->embedded) {
        local_path(s, key, path, sizeof(path));
        return unlink(path) == 0 || errno == ENOENT ? 0 : E_INTERNAL;
    }
    /* A signed DELETE, as the upload and the download: no OAuth token needed. */
    err = gcs_object_call(s, "DELETE", key, 65536, &resp);
    if (!err && resp.status != 204 && resp.status != 200 && resp.status != 404) {
        err = resp.status >= 500 || resp.status == 429 ? E_UNAVAILABLE : E_UPSTREAM;
    }
    httpc_response_release(&resp);
    return err;
}
