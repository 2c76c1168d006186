/*
 * embed: compiles the SQL migrations into the binary. It reads the files
 * named on the command line and writes C that defines the arrays declared
 * in server/db/migrations.h:
 *
 *     build/tools/embed server/db/migrations/x/y.sql ... > build/gen/migrations.c
 *
 * Each path must look like .../<backend>/NNNN_name.sql, where <backend> is
 * "sqlite" or "postgres", NNNN is the version (decimal, > 0, unique per
 * backend) and name is [a-z0-9_]+. Rows are sorted by version.
 *
 * ISO C only promises string literals of 4095 characters after
 * concatenation (-Wpedantic enables -Woverlength-strings), so a file longer
 * than EMBED_MAX_LITERAL is written as a char array instead of a literal.
 *
 * Any malformed path, unreadable file or write error prints one line on
 * stderr and exits 1, so make stops instead of embedding half a migration.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/core/banned.h"

/* A migration bigger than this is a mistake (a data dump?), not a schema change. */
#define EMBED_MAX_FILE (1024 * 1024)
/* Longest file written as a string literal; ISO C's minimum limit is 4095. */
#define EMBED_MAX_LITERAL 4000
/* The longest version we accept (9 digits fit in an unsigned). */
#define EMBED_MAX_VERSION_DIGITS 9
/* Bytes per line in the char-array form. */
#define EMBED_BYTES_PER_LINE 12

static const char *const backends[] = {"sqlite", "postgres"};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

struct file {
    const char *path;
    size_t backend; /* index into backends[] */
    unsigned version;
    char *name; /* the name part of NNNN_name.sql, owned */
    char *sql;  /* the content, NUL-terminated, owned */
    size_t len;
};

static void
die(const char *what, const char *path)
{
    fprintf(stderr, "embed: %s '%s'\n", what, path);
    exit(1);
}

static void *
xrealloc_or_die(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "embed: out of memory\n");
        exit(1);
    }
    return q;
}

/* Splits path into backend directory and NNNN_name.sql, checking each part. */
static void
parse_path(const char *path, struct file *f)
{
    const char *base = strrchr(path, '/');
    const char *dir;
    const char *p;
    size_t dirlen;
    size_t digits = 0;
    size_t namelen;
    unsigned long v = 0;
    bool found = false;

    if (!base || base == path) {
        die("path is not <backend>/NNNN_name.sql:", path);
    }
    dir = base;
    while (dir > path && dir[-1] != '/') {
        dir--;
    }
    dirlen = (size_t)(base - dir);
    base++;
    for (size_t i = 0; i < NBACKENDS; i++) {
        if (strlen(backends[i]) == dirlen && memcmp(dir, backends[i], dirlen) == 0) {
            f->backend = i;
            found = true;
        }
    }
    if (!found) {
        die("unknown backend directory in", path);
    }
    for (p = base; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned long)(*p - '0');
        if (++digits > EMBED_MAX_VERSION_DIGITS) {
            die("version too long in", path);
        }
    }
    if (digits == 0 || v == 0 || *p != '_') {
        die("file name is not NNNN_name.sql:", path);
    }
    p++;
    namelen = strlen(p);
    if (namelen <= 4 || strcmp(p + namelen - 4, ".sql") != 0) {
        die("file name does not end in .sql:", path);
    }
    namelen -= 4;
    for (size_t i = 0; i < namelen; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            die("migration name is not [a-z0-9_]+:", path);
        }
    }
    f->path = path;
    f->version = (unsigned)v;
    f->name = xrealloc_or_die(NULL, namelen + 1);
    memcpy(f->name, p, namelen);
    f->name[namelen] = '\0';
}

static void
read_file(struct file *f)
{
    FILE *fp = fopen(f->path, "rb");
    size_t cap = 4096;
    size_t len = 0;
    char *data;

    if (!fp) {
        fprintf(stderr, "embed: cannot open '%s': %s\n", f->path, strerror(errno));
        exit(1);
    }
    data = xrealloc_or_die(NULL, cap);
    for (;;) {
        size_t n;
        if (len + 1 == cap) {
            cap *= 2;
            data = xrealloc_or_die(data, cap);
        }
        n = fread(data + len, 1, cap - 1 - len, fp);
        len += n;
        if (len > EMBED_MAX_FILE) {
            die("migration too large:", f->path);
        }
        if (n == 0) {
            break;
        }
    }
    if (ferror(fp)) {
        die("cannot read", f->path);
    }
    fclose(fp);
    if (memchr(data, '\0', len)) {
        die("NUL byte in", f->path);
    }
    data[len] = '\0';
    f->sql = data;
    f->len = len;
}

static int
cmp_file(const void *a, const void *b)
{
    const struct file *x = a;
    const struct file *y = b;

    if (x->backend != y->backend) {
        return x->backend < y->backend ? -1 : 1;
    }
    if (x->version != y->version) {
        return x->version < y->version ? -1 : 1;
    }
    return 0;
}

/*
 * One literal per source line. '?' is escaped because -std=c17 turns "??="
 * and friends into trigraphs; other bytes become octal escapes, which
 * (unlike \x) cannot swallow the characters after them.
 */
static void
emit_literal(const struct file *f)
{
    bool open = false;

    for (size_t i = 0; i < f->len; i++) {
        unsigned char c = (unsigned char)f->sql[i];
        if (!open) {
            fputs("\n    \"", stdout);
            open = true;
        }
        if (c == '\n') {
            fputs("\\n\"", stdout);
            open = false;
        } else if (c == '\\' || c == '"' || c == '?') {
            printf("\\%c", c);
        } else if (c == '\t') {
            fputs("\\t", stdout);
        } else if (c >= 0x20 && c < 0x7f) {
            putchar(c);
        } else {
            printf("\\%03o", c);
        }
    }
    if (open) {
        putchar('"');
    }
    if (f->len == 0) {
        fputs(" \"\"", stdout);
    }
}

/* Character constants: '\xNN' has the value a char holds, signed or not. */
static void
emit_array(const struct file *f)
{
    fputs(" {", stdout);
    for (size_t i = 0; i <= f->len; i++) {
        unsigned char c = (unsigned char)f->sql[i];
        fputs(i % EMBED_BYTES_PER_LINE ? " " : "\n    ", stdout);
        if (c == '\'' || c == '\\') {
            printf("'\\%c',", c);
        } else if (c == '\n') {
            fputs("'\\n',", stdout);
        } else if (c >= 0x20 && c < 0x7f && c != '?') {
            printf("'%c',", c);
        } else {
            printf("'\\x%02x',", c);
        }
    }
    fputs("\n}", stdout);
}

static void
emit(const struct file *files, size_t n)
{
    printf("/* Generated by tools/embed.c from the files below: do not edit. */\n"
           "#include \"db/migrations.h\"\n");
    for (size_t i = 0; i < n; i++) {
        const struct file *f = &files[i];
        printf("\n/* %s */\nstatic const char %s_%04u[] =", f->path, backends[f->backend],
               f->version);
        if (f->len <= EMBED_MAX_LITERAL) {
            emit_literal(f);
        } else {
            emit_array(f);
        }
        fputs(";\n", stdout);
    }
    for (size_t b = 0; b < NBACKENDS; b++) {
        size_t count = 0;
        printf("\nconst struct migration migrations_%s[] = {\n", backends[b]);
        for (size_t i = 0; i < n; i++) {
            if (files[i].backend == b) {
                printf("    {%u, \"%s\", %s_%04u},\n", files[i].version, files[i].name, backends[b],
                       files[i].version);
                count++;
            }
        }
        printf("    {0, NULL, NULL},\n};\n");
        printf("const size_t migrations_%s_count = %zu;\n", backends[b], count);
    }
}

int
main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)argc - 1 : 0;
    struct file *files = xrealloc_or_die(NULL, n * sizeof(*files));

    for (size_t i = 0; i < n; i++) {
        memset(&files[i], 0, sizeof(files[i]));
        parse_path(argv[i + 1], &files[i]);
        read_file(&files[i]);
    }
    qsort(files, n, sizeof(*files), cmp_file);
    for (size_t i = 1; i < n; i++) {
        if (cmp_file(&files[i - 1], &files[i]) == 0) {
            die("duplicate migration version:", files[i].path);
        }
    }
    emit(files, n);
    for (size_t i = 0; i < n; i++) {
        free(files[i].name);
        free(files[i].sql);
    }
    free(files);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "embed: cannot write output: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
