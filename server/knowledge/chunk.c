#include "knowledge/chunk.h"

#include "core/err.h"

/* A sentence (or a piece of an over-long one): [start, end) of the text. */
struct unit {
    size_t start;
    size_t end;
    bool para_start; /* the first unit of a paragraph */
};

struct units {
    struct unit *v;
    size_t n;
    size_t cap;
};

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

static void
push_unit(struct units *u, size_t start, size_t end, bool para)
{
    if (u->n == u->cap) {
        u->cap = u->cap ? st_mult(u->cap, 2) : 64;
        u->v = xrealloc(u->v, st_mult(u->cap, sizeof(*u->v)));
    }
    u->v[u->n++] = (struct unit){start, end, para};
}

/* A blank line (spaces and tabs allowed in it) starts at the '\n' at i. */
static bool
blank_line_at(struct str t, size_t i)
{
    size_t j = i + 1;
    while (j < t.len && (t.ptr[j] == ' ' || t.ptr[j] == '\t')) {
        j++;
    }
    return j < t.len && t.ptr[j] == '\n';
}

/* Where a sentence started at start ends: after . ! ? or … followed by space, or a paragraph. */
static size_t
sentence_end(struct str t, size_t start, bool *para_break)
{
    *para_break = false;
    for (size_t i = start; i < t.len; i++) {
        char c = t.ptr[i];
        bool stop = c == '.' || c == '!' || c == '?';
        /* U+2026 HORIZONTAL ELLIPSIS. */
        if (c == '\xE2' && i + 2 < t.len && t.ptr[i + 1] == '\x80' && t.ptr[i + 2] == '\xA6') {
            i += 2;
            stop = true;
        }
        if (stop && (i + 1 == t.len || is_space(t.ptr[i + 1]))) {
            return i + 1;
        }
        if (c == '\n' && blank_line_at(t, i)) {
            *para_break = true;
            return i;
        }
    }
    return t.len;
}

/* Back from end to a UTF-8 boundary above start. */
static size_t
utf8_floor(struct str t, size_t start, size_t end)
{
    while (end > start + 1 && end < t.len && ((unsigned char)t.ptr[end] & 0xC0) == 0x80) {
        end--;
    }
    return end;
}

/* Splits [start, end) into units of at most CHUNK_MAX bytes, cutting at a line break or space. */
static void
push_sentence(struct units *u, struct str t, size_t start, size_t end, bool para)
{
    while (end - start > CHUNK_MAX) {
        size_t cut = 0;

        for (size_t i = start + CHUNK_MAX; i > start + CHUNK_MAX / 2; i--) {
            if (t.ptr[i] == '\n') {
                cut = i;
                break;
            }
            if (!cut && is_space(t.ptr[i])) {
                cut = i;
            }
        }
        size_t piece_end;

        if (!cut) {
            cut = utf8_floor(t, start, start + CHUNK_MAX);
        }
        /* A cut at a space may follow more spaces: the piece ends at its last visible byte. */
        piece_end = cut;
        while (piece_end > start && is_space(t.ptr[piece_end - 1])) {
            piece_end--;
        }
        push_unit(u, start, piece_end, para);
        para = false;
        start = cut;
        while (start < end && is_space(t.ptr[start])) {
            start++;
        }
    }
    if (end > start) {
        push_unit(u, start, end, para);
    }
}

static void
split_units(struct str t, struct units *u)
{
    size_t i = 0;
    bool para = true;

    while (i < t.len) {
        bool para_break = false;
        size_t end;

        while (i < t.len && is_space(t.ptr[i])) {
            i++;
        }
        if (i == t.len) {
            break;
        }
        end = sentence_end(t, i, &para_break);
        /* Trailing spaces are not part of the sentence. */
        while (end > i && is_space(t.ptr[end - 1])) {
            end--;
        }
        push_sentence(u, t, i, end, para);
        para = para_break;
        i = end;
        /* A paragraph break may follow the sentence's stop. */
        while (i < t.len && is_space(t.ptr[i])) {
            if (t.ptr[i] == '\n' && blank_line_at(t, i)) {
                para = true;
            }
            i++;
        }
    }
}

static int
push_chunk(struct chunk_list *out, size_t off, size_t len)
{
    if (out->n >= CHUNK_MAX_COUNT) {
        return E_TOO_LARGE;
    }
    if (out->n == out->cap) {
        out->cap = out->cap ? st_mult(out->cap, 2) : 16;
        out->v = xrealloc(out->v, st_mult(out->cap, sizeof(*out->v)));
    }
    out->v[out->n++] = (struct chunk){off, len};
    return 0;
}

int
chunk_text(struct str text, struct chunk_list *out)
{
    struct units u = {NULL, 0, 0};
    size_t i = 0;
    int err = 0;

    split_units(text, &u);
    while (i < u.n && !err) {
        size_t start = i;
        size_t j = i + 1;
        size_t next;

        /* Grow by whole units up to the target; a new paragraph past half of it is a good cut. */
        while (j < u.n && u.v[j].end - u.v[start].start <= CHUNK_TARGET &&
               !(u.v[j].para_start && u.v[j - 1].end - u.v[start].start >= CHUNK_TARGET / 2)) {
            j++;
        }
        err = push_chunk(out, u.v[start].start, u.v[j - 1].end - u.v[start].start);
        if (j == u.n) {
            break;
        }
        /* Inside a paragraph, the next chunk starts with the last sentences that fit the overlap.
         */
        next = j;
        if (!u.v[j].para_start) {
            while (next - 1 > start && u.v[j - 1].end - u.v[next - 1].start <= CHUNK_OVERLAP) {
                next--;
            }
        }
        i = next;
    }
    free(u.v);
    return err;
}

void
chunk_list_release(struct chunk_list *l)
{
    free(l->v);
    *l = (struct chunk_list)CHUNK_LIST_INIT;
}
