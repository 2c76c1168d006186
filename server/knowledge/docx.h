/*
 * Text of a Word document (.docx, ECMA-376 WordprocessingML): the runs of
 * word/document.xml, paragraphs as blank-line separated paragraphs, tabs
 * and line breaks kept. The only module that includes libzip's and
 * libxml2's headers.
 *
 * Hostile input is the normal case: the archive is read from memory
 * (checked for consistency), document.xml is decompressed within
 * DOCX_XML_MAX bytes (a zip bomb stops there), and the XML is read with
 * libxml2's streaming reader without network access or entity
 * substitution, its messages silenced.
 */
#ifndef PILOTO_KNOWLEDGE_DOCX_H
#define PILOTO_KNOWLEDGE_DOCX_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "knowledge/extract.h"

#define DOCX_XML_MAX (64u * 1024 * 1024)

/*
 * Appends the raw text of the .docx (data, n) to text (at most text_max
 * bytes): 0, or E_INVALID with *why DOCFAIL_MALFORMED (not a readable
 * archive, no word/document.xml, bad XML), DOCFAIL_ENCRYPTED (an encrypted
 * entry) or DOCFAIL_TOO_MUCH (past DOCX_XML_MAX or text_max).
 */
NODISCARD int docx_extract(const uint8_t *data, size_t n, size_t text_max, struct buf *text,
                           enum docfail *why);

#endif
