#include "http/static.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".avif", "image/avif"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".wasm", "application/wasm"},
};

const char *
static_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && !strchr(dot, '/')) {
        for (size_t i = 0; i < ARRAY_LEN(types); i++) {
            if (strcmp(dot, types[i].ext) == 0) {
                return types[i].type;
            }
        }
    }
    return "application/octet-stream";
}

/* Opens root/rel as a regular file whose real path stays under root. -1 if not. */
static int
open_under(const char *root, const char *rel, struct stat *st)
{
    char full[PATH_MAX];
    char real[PATH_MAX];
    size_t rootlen = strlen(root);
    int fd;
    int n = snprintf(full, sizeof(full), "%s%s", root, rel);

    if (n < 0 || (size_t)n >= sizeof(full)) {
        return -1;
    }
    fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || !realpath(full, real) ||
        strncmp(real, root, rootlen) != 0 || real[rootlen] != '/') {
        close(fd);
        return -1;
    }
    return fd;
}

static bool
has_extension(struct str path)
{
    long slash = -1;
    for (size_t i = 0; i < path.len; i++) {
        if (path.ptr[i] == '/') {
            slash = (long)i;
        }
    }
    return memchr(path.ptr + slash + 1, '.', path.len - (size_t)(slash + 1)) != NULL;
}

/* RFC 9110 §13.1.2: "*", or any listed tag equal to ours by weak comparison. */
static bool
etag_matches(struct str header, const char *etag)
{
    struct str rest = header;
    struct str want = str_from_cstr(etag);

    while (rest.len) {
        struct str tag = str_trim(str_cut(&rest, ','));
        if (str_eq(tag, STR_LIT("*"))) {
            return true;
        }
        if (str_has_prefix(tag, STR_LIT("W/"))) {
            tag.ptr += 2;
            tag.len -= 2;
        }
        if (str_eq(tag, want)) {
            return true;
        }
    }
    return false;
}

int
static_serve(struct request *req, const char *root)
{
    struct str rel;
    struct stat st;
    const char *name;
    const char *encoding = NULL;
    char etag[64];
    int fd = -1;
    bool immutable;

    if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
        req->allow = "GET, HEAD";
        return E_METHOD;
    }
    if (parse_percent_decode(req->arena, req->path, &rel) || memchr(rel.ptr, '\0', rel.len) ||
        parse_check_path(rel, HTTP_MAX_PATH)) {
        return E_NOT_FOUND;
    }
    name = rel.ptr;
    if (str_eq(rel, STR_LIT("/"))) {
        name = "/index.html";
    }
    fd = open_under(root, name, &st);
    if (fd < 0) {
        /* Client-side routes have no extension: they all get the app shell. */
        if (has_extension(rel)) {
            return E_NOT_FOUND;
        }
        name = "/index.html";
        fd = open_under(root, name, &st);
        if (fd < 0) {
            return E_NOT_FOUND;
        }
    }
    immutable = strncmp(name, "/assets/", 8) == 0;
    {
        struct str ae = request_header(req, "Accept-Encoding");
        static const struct {
            const char *coding;
            const char *suffix;
        } pre[] = {{"br", ".br"}, {"gzip", ".gz"}};
        for (size_t i = 0; i < ARRAY_LEN(pre) && ae.len; i++) {
            struct stat cst;
            int cfd;
            char *cname;
            if (!parse_accepts_encoding(ae, pre[i].coding)) {
                continue;
            }
            cname = arena_printf(req->arena, "%s%s", name, pre[i].suffix);
            cfd = open_under(root, cname, &cst);
            if (cfd >= 0) {
                close(fd);
                fd = cfd;
                st = cst;
                encoding = pre[i].coding;
                break;
            }
        }
        response_set_header(req, "Vary", "Accept-Encoding");
    }
    (void)snprintf(etag, sizeof(etag), "\"%llx-%llx%s\"", (unsigned long long)st.st_size,
                   (unsigned long long)st.st_mtime, encoding ? encoding : "");
    response_set_header(req, "ETag", etag);
    response_set_header(req, "Cache-Control",
                        immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (encoding) {
        response_set_header(req, "Content-Encoding", encoding);
    }
    if (etag_matches(request_header(req, "If-None-Match"), etag)) {
        close(fd);
        response_empty(req, 304);
        return 0;
    }
    req->resp.status = 200;
    req->resp.content_type = static_content_type(name);
    req->resp.fd = fd;
    req->resp.fd_size = (uint64_t)st.st_size;
    return 0;
}
