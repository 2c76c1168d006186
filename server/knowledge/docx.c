#include "knowledge/docx.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <pthread.h>
#include <zip.h>

#include "core/err.h"

#define WORDML_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* libxml2 must be initialised once before threads use it. */
static void
init_libxml(void)
{
    xmlInitParser();
}

/* Parser messages would go to stderr: the document's failure reason says enough. */
static void
quiet(void *arg, const char *msg, xmlParserSeverities severity, xmlTextReaderLocatorPtr loc)
{
    (void)arg;
    (void)msg;
    (void)severity;
    (void)loc;
}

/* word/document.xml, decompressed into xml within DOCX_XML_MAX. */
static int
read_document_xml(const uint8_t *data, size_t n, struct buf *xml, enum docfail *why)
{
    zip_error_t zerr;
    zip_source_t *src = NULL;
    zip_t *za = NULL;
    zip_file_t *f = NULL;
    zip_stat_t st;
    zip_int64_t idx;
    char chunk[65536];
    int err = E_INVALID;

    *why = DOCFAIL_MALFORMED;
    zip_error_init(&zerr);
    src = zip_source_buffer_create(data, n, 0, &zerr);
    if (!src) {
        goto out;
    }
    za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!za) {
        goto out;
    }
    src = NULL; /* the archive owns it now */
    idx = zip_name_locate(za, "word/document.xml", 0);
    if (idx < 0 || zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0) {
        goto out;
    }
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
        *why = DOCFAIL_ENCRYPTED;
        goto out;
    }
    /* The declared size may lie: it is only a first check, the read below is capped too. */
    if ((st.valid & ZIP_STAT_SIZE) && st.size > DOCX_XML_MAX) {
        *why = DOCFAIL_TOO_MUCH;
        goto out;
    }
    f = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!f) {
        goto out;
    }
    for (;;) {
        zip_int64_t got = zip_fread(f, chunk, sizeof(chunk));
        if (got < 0) {
            goto out;
        }
        if (got == 0) {
            break;
        }
        if (xml->len + (size_t)got > DOCX_XML_MAX) {
            *why = DOCFAIL_TOO_MUCH;
            goto out;
        }
        if (buf_add(xml, chunk, (size_t)got)) {
            goto out;
        }
    }
    *why = DOCFAIL_NONE;
    err = 0;
out:
    if (f) {
        zip_fclose(f);
    }
    if (za) {
        zip_discard(za);
    }
    zip_source_free(src);
    zip_error_fini(&zerr);
    return err;
}

static bool
is_w(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);
    const xmlChar *name = xmlTextReaderConstLocalName(r);
    return ns && name && strcmp((const char *)ns, WORDML_NS) == 0 &&
           strcmp((const char *)name, local) == 0;
}

static int
walk(xmlTextReaderPtr r, size_t text_max, struct buf *text, enum docfail *why)
{
    int in_t = 0;
    int ret;

    while ((ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        const char *add = NULL;
        size_t len = 0;

        if (type == XML_READER_TYPE_ELEMENT) {
            if (is_w(r, "t") && !xmlTextReaderIsEmptyElement(r)) {
                in_t++;
            } else if (is_w(r, "tab")) {
                add = "\t";
            } else if (is_w(r, "br") || is_w(r, "cr")) {
                add = "\n";
            } else if (is_w(r, "p") && xmlTextReaderIsEmptyElement(r)) {
                add = "\n\n";
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (is_w(r, "t") && in_t > 0) {
                in_t--;
            } else if (is_w(r, "p")) {
                add = "\n\n";
            } else if (is_w(r, "tc")) {
                add = "\t";
            }
        } else if ((type == XML_READER_TYPE_TEXT ||
                    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
                    type == XML_READER_TYPE_CDATA) &&
                   in_t > 0) {
            add = (const char *)xmlTextReaderConstValue(r);
        }
        if (add) {
            len = strlen(add);
            if (text->len + len > text_max) {
                *why = DOCFAIL_TOO_MUCH;
                return E_INVALID;
            }
            if (buf_add(text, add, len)) {
                *why = DOCFAIL_INTERNAL;
                return E_INVALID;
            }
        }
    }
    if (ret != 0) {
        *why = DOCFAIL_MALFORMED;
        return E_INVALID;
    }
    return 0;
}

int
docx_extract(const uint8_t *data, size_t n, size_t text_max, struct buf *text, enum docfail *why)
{
    struct buf xml = BUF_INIT;
    xmlTextReaderPtr r = NULL;
    int err;

    (void)pthread_once(&init_once, init_libxml);
    err = read_document_xml(data, n, &xml, why);
    if (err) {
        goto out;
    }
    /* No XML_PARSE_NOENT (no entity substitution), no DTD loading, no network. */
    r = xmlReaderForMemory(xml.ptr, (int)xml.len, NULL, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!r) {
        *why = DOCFAIL_MALFORMED;
        err = E_INVALID;
        goto out;
    }
    xmlTextReaderSetErrorHandler(r, quiet, NULL);
    err = walk(r, text_max, text, why);
out:
    xmlFreeTextReader(r);
    buf_release(&xml);
    return err;
}
