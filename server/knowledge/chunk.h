/*
 * Cutting a document's text into the pieces retrieval returns (SPEC §8):
 * whole paragraphs where they fit, else whole sentences, with the last
 * sentences of a piece repeated at the start of the next when a cut falls
 * inside a paragraph (so a fact split across the cut is whole in one of
 * them). Only a sentence longer than CHUNK_MAX is cut inside, at a line
 * break or a space if it has one, never inside a UTF-8 character.
 *
 * Pure: a function of the text, no I/O; chunks are views (offset, length)
 * into the caller's text.
 */
#ifndef PILOTO_KNOWLEDGE_CHUNK_H
#define PILOTO_KNOWLEDGE_CHUNK_H

#include <stddef.h>

#include "core/common.h"
#include "core/str.h"

/* Bytes: a chunk aims at CHUNK_TARGET, never passes CHUNK_MAX, repeats up to CHUNK_OVERLAP. */
#define CHUNK_TARGET  900
#define CHUNK_MAX     1400
#define CHUNK_OVERLAP 200
/* Most chunks one document may give. */
#define CHUNK_MAX_COUNT 50000

struct chunk {
    size_t off;
    size_t len;
};

struct chunk_list {
    struct chunk *v;
    size_t n;
    size_t cap;
};

#define CHUNK_LIST_INIT                                                                            \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/*
 * Appends the chunks of text to out: 0, or E_TOO_LARGE past
 * CHUNK_MAX_COUNT (out then holds what was cut so far). Every chunk is
 * non-empty, starts and ends on a non-space byte and on UTF-8 boundaries,
 * and is at most CHUNK_MAX bytes; they appear in text order, each starting
 * after the previous one starts.
 */
NODISCARD int chunk_text(struct str text, struct chunk_list *out);
void chunk_list_release(struct chunk_list *l);

#endif
