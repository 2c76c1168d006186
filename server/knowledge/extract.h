/*
 * Text from an uploaded document, per format (SPEC §8), with limits:
 *   txt, md, csv  in process: UTF-8 as is, anything else read as
 *                 Windows-1252 (what Brazilian spreadsheets and notes
 *                 exported on Windows are), BOM dropped;
 *   pdf           poppler's pdftotext (Debian poppler-utils), out of
 *                 process under core/subprocess limits: poppler is a large
 *                 parser of hostile input, so it may crash or hang only
 *                 itself;
 *   docx          libzip + libxml2's streaming reader (knowledge/docx.c), in
 *                 process: both are small, fuzzed, well-kept libraries, and
 *                 the XML is read within a byte cap with no network and no
 *                 entity expansion.
 * Whatever comes out is normalised: valid UTF-8, LF line ends, no control
 * characters but tab and newline, pages and docx paragraphs as blank-line
 * separated paragraphs.
 *
 * A file that cannot give text ends with a docfail reason, never a crash.
 */
#ifndef PILOTO_KNOWLEDGE_EXTRACT_H
#define PILOTO_KNOWLEDGE_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "knowledge/doctype.h"

/*
 * Why a document failed: enum name, stable code (stored, and what the
 * dashboard switches on), and the Portuguese sentence shown to the user.
 */
#define DOCFAIL_TABLE(X)                                                                           \
    X(DOCFAIL_NONE, "", "")                                                                        \
    X(DOCFAIL_MISSING, "missing", "O arquivo não chegou ao armazenamento.")                        \
    X(DOCFAIL_SIZE, "size_mismatch", "O tamanho do arquivo não confere com o declarado.")          \
    X(DOCFAIL_TYPE, "type_mismatch", "O conteúdo do arquivo não corresponde ao tipo declarado.")   \
    X(DOCFAIL_ENCRYPTED, "encrypted", "O arquivo está protegido por senha.")                       \
    X(DOCFAIL_MALFORMED, "malformed", "O arquivo está corrompido ou não pôde ser lido.")           \
    X(DOCFAIL_EMPTY, "no_text", "Nenhum texto encontrado no arquivo (é um PDF digitalizado?).")    \
    X(DOCFAIL_TOO_MUCH, "too_much_text", "O texto do arquivo passa do limite por documento.")      \
    X(DOCFAIL_TIMEOUT, "timeout", "A leitura do arquivo passou do tempo limite.")                  \
    X(DOCFAIL_INTERNAL, "internal", "Falha interna ao ler o arquivo; tente enviar de novo.")

#define DOCFAIL_ENUM_ROW(name, code, message) name,
enum docfail { DOCFAIL_TABLE(DOCFAIL_ENUM_ROW) };
#undef DOCFAIL_ENUM_ROW

const char *docfail_code(enum docfail f);
const char *docfail_message(enum docfail f);
/* DOCFAIL_NONE for an unknown code. */
enum docfail docfail_from_code(struct str code);

struct extract_limits {
    int64_t timeout_ms;    /* per file, wall clock (pdftotext) */
    uint64_t mem_bytes;    /* address space of the pdftotext process */
    size_t text_max;       /* bytes of text kept per document */
    const char *pdftotext; /* absolute path of the tool */
};

#define EXTRACT_TIMEOUT_MS 30000
#define EXTRACT_MEM_BYTES  (512ull * 1024 * 1024)
#define EXTRACT_TEXT_MAX   (8u * 1024 * 1024)
#define EXTRACT_PDFTOTEXT  "/usr/bin/pdftotext"

/* The defaults above. */
extern const struct extract_limits extract_default_limits;

/*
 * Text of the document of type t, whose bytes are (data, n) and which is
 * also at path (pdftotext reads the file): 0 with the text appended to
 * text, or E_INVALID with *why set. The signature check (doctype_check) is
 * done here too, so a lying file fails as DOCFAIL_TYPE.
 */
NODISCARD int extract_text(enum doctype t, const char *path, const uint8_t *data, size_t n,
                           const struct extract_limits *lim, struct buf *text, enum docfail *why);

/*
 * Normalises raw text into out as described above (exported for docx.c
 * and the tests): 0, or E_TOO_LARGE past max bytes.
 */
NODISCARD int extract_normalize(const char *p, size_t n, size_t max, struct buf *out);

#endif
