/*
 * The document formats the knowledge base takes (SPEC §8): what a client
 * may declare, and whether the bytes that arrive are what was declared.
 * Pure functions over (ptr, len).
 */
#ifndef PILOTO_KNOWLEDGE_DOCTYPE_H
#define PILOTO_KNOWLEDGE_DOCTYPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/common.h"
#include "core/str.h"

enum doctype {
    DOCTYPE_NONE = 0,
    DOCTYPE_TXT,
    DOCTYPE_MD,
    DOCTYPE_CSV,
    DOCTYPE_PDF,
    DOCTYPE_DOCX,
};

/* Bytes of a file's head where signatures are looked for. */
#define DOCTYPE_HEAD_LEN 1024

/*
 * The format a client declares with a content type and a file name: 0 and
 * *out, or E_MEDIA_TYPE (a type we do not take, or a file name whose
 * extension says another format). Content types compare case-insensitively;
 * parameters (";charset=utf-8") are allowed on text types only.
 */
NODISCARD int doctype_from_declared(struct str content_type, struct str filename,
                                    enum doctype *out);
/* The canonical content type ("application/pdf"). */
const char *doctype_mime(enum doctype t);
/* Short name, stable, as stored and bound into upload URLs ("pdf"). */
const char *doctype_name(enum doctype t);
/* The inverse of doctype_name: DOCTYPE_NONE when unknown. */
enum doctype doctype_from_name(struct str name);

/*
 * Whether a whole file (p, n) is what t says, by its signature: 0,
 * E_MEDIA_TYPE when it is another format (a PDF declared as text, a ZIP that
 * is not, an old binary .doc), or E_FORBIDDEN when it is an encrypted Office
 * file (an OLE container holding an "EncryptedPackage" stream). Text files
 * are only refused here for a binary signature or a NUL in their head; the
 * extractor checks their encoding.
 */
NODISCARD int doctype_check(enum doctype t, const uint8_t *p, size_t n);

#endif
