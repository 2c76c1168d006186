#include "knowledge/doctype.h"

#include "core/err.h"

/*
 * Each row: format, short name, canonical content type, other content types
 * browsers send for it (Windows gives CSV as Excel's type, some systems
 * Markdown as text/x-markdown), and the file extensions it may carry.
 */
static const struct {
    enum doctype type;
    const char *name;
    const char *mime;
    const char *alt_mime[2];
    const char *ext[2];
} formats[] = {
    {DOCTYPE_TXT, "txt", "text/plain", {NULL, NULL}, {".txt", ".text"}},
    {DOCTYPE_MD, "md", "text/markdown", {"text/x-markdown", NULL}, {".md", ".markdown"}},
    {DOCTYPE_CSV, "csv", "text/csv", {"application/vnd.ms-excel", NULL}, {".csv", NULL}},
    {DOCTYPE_PDF, "pdf", "application/pdf", {NULL, NULL}, {".pdf", NULL}},
    {DOCTYPE_DOCX,
     "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     {NULL, NULL},
     {".docx", NULL}},
};

static bool
is_text(enum doctype t)
{
    return t == DOCTYPE_TXT || t == DOCTYPE_MD || t == DOCTYPE_CSV;
}

static bool
has_suffix_nocase(struct str s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.len > n && str_eq_nocase(str_make(s.ptr + s.len - n, n), str_make(suffix, n));
}

int
doctype_from_declared(struct str content_type, struct str filename, enum doctype *out)
{
    struct str rest = content_type;
    struct str mime = str_trim(str_cut(&rest, ';'));
    bool params = str_find(content_type, ';') >= 0;

    *out = DOCTYPE_NONE;
    for (size_t i = 0; i < ARRAY_LEN(formats); i++) {
        bool match = str_eq_nocase(mime, str_from_cstr(formats[i].mime));
        for (size_t j = 0; j < ARRAY_LEN(formats[i].alt_mime) && formats[i].alt_mime[j]; j++) {
            match = match || str_eq_nocase(mime, str_from_cstr(formats[i].alt_mime[j]));
        }
        if (!match) {
            continue;
        }
        if (params && !is_text(formats[i].type)) {
            return E_MEDIA_TYPE;
        }
        for (size_t j = 0; j < ARRAY_LEN(formats[i].ext) && formats[i].ext[j]; j++) {
            if (has_suffix_nocase(filename, formats[i].ext[j])) {
                *out = formats[i].type;
                return 0;
            }
        }
        return E_MEDIA_TYPE;
    }
    return E_MEDIA_TYPE;
}

const char *
doctype_mime(enum doctype t)
{
    for (size_t i = 0; i < ARRAY_LEN(formats); i++) {
        if (formats[i].type == t) {
            return formats[i].mime;
        }
    }
    return "application/octet-stream";
}

const char *
doctype_name(enum doctype t)
{
    for (size_t i = 0; i < ARRAY_LEN(formats); i++) {
        if (formats[i].type == t) {
            return formats[i].name;
        }
    }
    return "";
}

enum doctype
doctype_from_name(struct str name)
{
    for (size_t i = 0; i < ARRAY_LEN(formats); i++) {
        if (str_eq_cstr(name, formats[i].name)) {
            return formats[i].type;
        }
    }
    return DOCTYPE_NONE;
}

static bool
starts_with(const uint8_t *p, size_t n, const char *magic, size_t m)
{
    return n >= m && memcmp(p, magic, m) == 0;
}

/* Whether needle occurs in the first n bytes of p. */
static bool
contains(const uint8_t *p, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++) {
        if (memcmp(p + i, needle, m) == 0) {
            return true;
        }
    }
    return false;
}

int
doctype_check(enum doctype t, const uint8_t *head, size_t n)
{
    size_t all = n;
    static const char zip[] = "PK\x03\x04";
    static const char ole[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    /* "EncryptedPackage" in the UTF-16LE of an OLE directory entry. */
    static const char encrypted[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";
    bool is_pdf;
    bool is_zip = starts_with(head, n, zip, 4);
    bool is_ole = starts_with(head, n, ole, 8);

    if (n > DOCTYPE_HEAD_LEN) {
        n = DOCTYPE_HEAD_LEN;
    }
    /* PDF readers accept junk before the header within the first 1024 bytes (ISO 32000 annex H). */
    is_pdf = contains(head, n, "%PDF-", 5);
    switch (t) {
    case DOCTYPE_PDF:
        return is_pdf ? 0 : E_MEDIA_TYPE;
    case DOCTYPE_DOCX:
        if (is_ole) {
            /* A password-protected .docx is an OLE container, as is a legacy .doc. */
            return contains(head, all, encrypted, sizeof(encrypted) - 1) ? E_FORBIDDEN
                                                                         : E_MEDIA_TYPE;
        }
        return is_zip ? 0 : E_MEDIA_TYPE;
    case DOCTYPE_TXT:
    case DOCTYPE_MD:
    case DOCTYPE_CSV:
        /* Text holds no NUL; a known binary signature means the file lies about itself. */
        if (is_pdf || is_zip || is_ole || memchr(head, 0, n)) {
            return E_MEDIA_TYPE;
        }
        return 0;
    case DOCTYPE_NONE:
        break;
    }
    return E_MEDIA_TYPE;
}
