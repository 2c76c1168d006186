#include "knowledge/extract.h"

#include "core/err.h"
#include "core/subprocess.h"
#include "knowledge/docx.h"

#define DOCFAIL_CODE_ROW(name, code, message) code,
#define DOCFAIL_MSG_ROW(name, code, message)  message,
static const char *const docfail_codes[] = {DOCFAIL_TABLE(DOCFAIL_CODE_ROW)};
static const char *const docfail_messages[] = {DOCFAIL_TABLE(DOCFAIL_MSG_ROW)};
#undef DOCFAIL_CODE_ROW
#undef DOCFAIL_MSG_ROW

const struct extract_limits extract_default_limits = {
    EXTRACT_TIMEOUT_MS,
    EXTRACT_MEM_BYTES,
    EXTRACT_TEXT_MAX,
    EXTRACT_PDFTOTEXT,
};

const char *
docfail_code(enum docfail f)
{
    return (size_t)f < ARRAY_LEN(docfail_codes) ? docfail_codes[f] : "";
}

const char *
docfail_message(enum docfail f)
{
    return (size_t)f < ARRAY_LEN(docfail_messages) ? docfail_messages[f] : "";
}

enum docfail
docfail_from_code(struct str code)
{
    for (size_t i = 1; i < ARRAY_LEN(docfail_codes); i++) {
        if (str_eq_cstr(code, docfail_codes[i])) {
            return (enum docfail)i;
        }
    }
    return DOCFAIL_NONE;
}

/* One code point of valid UTF-8 at p (n > 0): its length, or 0 when invalid. */
static size_t
utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c = p[0];
    uint32_t min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 0;
    }
    *cp = c;
    return len;
}

int
extract_normalize(const char *text, size_t n, size_t max, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;

    while (i < n) {
        uint32_t cp = 0;
        size_t len = utf8_next(p + i, n - i, &cp);
        const char *add = NULL;
        size_t addlen = 0;

        if (len == 0) {
            i++; /* an invalid byte is dropped */
            continue;
        }
        if (cp == '\r') {
            /* CRLF and lone CR both end a line. */
            add = "\n";
            if (i + 1 < n && p[i + 1] == '\n') {
                i++;
            }
        } else if (cp == '\f') {
            add = "\n\n"; /* pdftotext ends each page with a form feed */
        } else if (cp == '\v') {
            add = "\n";
        } else if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F ||
                   (cp >= 0x80 && cp < 0xA0) || cp == 0xFEFF || cp == 0xAD) {
            add = ""; /* controls, the BOM and soft hyphens carry no text */
        } else {
            add = text + i;
            addlen = len;
        }
        if (addlen == 0) {
            addlen = strlen(add);
        }
        if (out->len + addlen > max) {
            return E_TOO_LARGE;
        }
        if (buf_add(out, add, addlen)) {
            return E_TOO_LARGE;
        }
        i += len;
    }
    return 0;
}

/* Windows-1252's 0x80..0x9F; the five holes read as their Latin-1 controls (dropped later). */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static int
add_utf8(struct buf *b, uint32_t cp)
{
    char u[3];
    size_t n;

    if (cp < 0x80) {
        return buf_addch(b, (char)cp);
    }
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    }
    return buf_add(b, u, n);
}

/* Plain text: UTF-8 as it is, anything else decoded as Windows-1252. */
static int
extract_plain(const uint8_t *data, size_t n, size_t max, struct buf *raw)
{
    if (str_is_utf8(str_make((const char *)data, n)) || memchr(data, 0, n)) {
        /* Valid UTF-8, or binary junk the normaliser drops anyway. */
        return buf_add(raw, data, n) ? E_TOO_LARGE : 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = data[i] >= 0x80 && data[i] < 0xA0 ? cp1252_high[data[i] - 0x80] : data[i];
        if (raw->len > st_mult(max, 2) || add_utf8(raw, cp)) {
            return E_TOO_LARGE;
        }
    }
    return 0;
}

static int
extract_pdf(const char *path, const struct extract_limits *lim, struct buf *raw, enum docfail *why)
{
    /*
     * UTF-8 whatever the locale; page breaks stay (form feeds, made paragraph
     * breaks); stderr is kept to tell a password from damage.
     */
    const char *argv[] = {lim->pdftotext, "-nodiag", "-enc", "UTF-8", "-eol",
                          "unix",         path,      "-",    NULL};
    const char *envp[] = {"LANG=C.UTF-8", "PATH=/usr/bin:/bin", NULL};
    struct subprocess_limits sl = {lim->timeout_ms, lim->mem_bytes,
                                   (uint64_t)(lim->timeout_ms / 1000 + 1),
                                   st_mult(lim->text_max, 2)};
    struct buf err = BUF_INIT;
    int status = 0;
    int rc;

    rc = subprocess_run(argv, envp, &sl, raw, &err, &status);
    if (rc == E_TIMEOUT) {
        *why = DOCFAIL_TIMEOUT;
    } else if (rc == E_TOO_LARGE) {
        *why = DOCFAIL_TOO_MUCH;
    } else if (rc) {
        *why = DOCFAIL_INTERNAL;
    } else if (status == 3 || (status != 0 && strstr(err.ptr, "password"))) {
        /* Exit 3: copying text is not permitted; "Incorrect password": a user password. */
        *why = DOCFAIL_ENCRYPTED;
    } else if (status == 127) {
        *why = DOCFAIL_INTERNAL;
    } else if (status != 0) {
        *why = status == -9 || status == -24 ? DOCFAIL_TIMEOUT : DOCFAIL_MALFORMED;
    }
    buf_release(&err);
    return *why == DOCFAIL_NONE ? 0 : E_INVALID;
}

/* Whether text holds a letter or a digit (anything outside ASCII counts as a letter). */
static bool
has_words(struct str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            c >= 0x80) {
            return true;
        }
    }
    return false;
}

int
extract_text(enum doctype t, const char *path, const uint8_t *data, size_t n,
             const struct extract_limits *lim, struct buf *text, enum docfail *why)
{
    struct buf raw = BUF_INIT;
    size_t start = text->len;
    int err;

    *why = DOCFAIL_NONE;
    err = doctype_check(t, data, n);
    if (err) {
        *why = err == E_FORBIDDEN ? DOCFAIL_ENCRYPTED : DOCFAIL_TYPE;
        goto out;
    }
    switch (t) {
    case DOCTYPE_TXT:
    case DOCTYPE_MD:
    case DOCTYPE_CSV:
        if (extract_plain(data, n, lim->text_max, &raw)) {
            *why = DOCFAIL_TOO_MUCH;
        }
        break;
    case DOCTYPE_PDF:
        if (extract_pdf(path, lim, &raw, why) && *why == DOCFAIL_NONE) {
            *why = DOCFAIL_INTERNAL;
        }
        break;
    case DOCTYPE_DOCX:
        if (docx_extract(data, n, st_mult(lim->text_max, 2), &raw, why) && *why == DOCFAIL_NONE) {
            *why = DOCFAIL_INTERNAL;
        }
        break;
    case DOCTYPE_NONE:
        *why = DOCFAIL_TYPE;
        break;
    }
    if (*why == DOCFAIL_NONE && extract_normalize(raw.ptr, raw.len, lim->text_max, text)) {
        *why = DOCFAIL_TOO_MUCH;
    }
    if (*why == DOCFAIL_NONE && !has_words(str_make(text->ptr + start, text->len - start))) {
        *why = DOCFAIL_EMPTY;
    }
out:
    if (*why != DOCFAIL_NONE) {
        text->len = start;
        text->ptr[start] = '\0';
        err = E_INVALID;
    }
    buf_release(&raw);
    return err;
}
