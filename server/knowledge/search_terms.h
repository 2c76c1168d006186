/*
 * From what a lead wrote to the terms a full-text query looks for, the same
 * way on both databases. Leads write without accents, in plurals, with
 * abbreviations ("vcs entregam em sp?", "qual o pgto"), so each word is
 * folded (lowercase, accents removed), dropped when it is a function word,
 * expanded when it is a known abbreviation, and reduced to a light stem
 * used as a prefix: "entregas" and "entregar" look for entreg*, which finds
 * "entrega", "entregamos" and "entregue".
 *
 * The index side folds accents too (FTS5 remove_diacritics; PostgreSQL
 * unaccent and the Portuguese Snowball stemmer), so a prefix of the folded
 * stem finds the word however it was written. "são" and "não" are kept:
 * "São Paulo" must not become "Paulo".
 *
 * Pure: no I/O, no allocation but the output buffers.
 */
#ifndef PILOTO_KNOWLEDGE_SEARCH_TERMS_H
#define PILOTO_KNOWLEDGE_SEARCH_TERMS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

/* Terms one query holds, and the longest one (longer words are cut: still a prefix). */
#define SEARCH_TERMS_MAX    32
#define SEARCH_TERM_LEN_MAX 24

/*
 * term is the light stem (a prefix on SQLite, where nothing else stems);
 * word the folded word it came from, which PostgreSQL stems with the same
 * Snowball stemmer as the index (its stems can be shorter than ours:
 * "tecidos" indexes as tec, which tecid* would miss).
 */
struct search_terms {
    size_t n;
    char term[SEARCH_TERMS_MAX][SEARCH_TERM_LEN_MAX + 1]; /* [a-z0-9]+ */
    char word[SEARCH_TERMS_MAX][SEARCH_TERM_LEN_MAX + 1]; /* [a-z0-9]+ */
    bool prefix[SEARCH_TERMS_MAX];
};

#define SEARCH_TERMS_INIT                                                                          \
    {                                                                                              \
        0, {{0}}, {{0}},                                                                           \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

/*
 * Adds the terms of text (any bytes; invalid UTF-8 is skipped) to t, each
 * once, until SEARCH_TERMS_MAX. Call it newest message first: when there
 * are too many, the oldest words are the ones left out.
 */
void search_terms_add(struct search_terms *t, struct str text);

/* The terms as an FTS5 MATCH expression ("entreg"* OR "pix"). 0 or E_INTERNAL. */
NODISCARD int search_terms_render_fts5(const struct search_terms *t, struct buf *out);
/*
 * The folded words as tsquery terms joined by sep: " | " gives one tsquery
 * (entregas | pix), " " a list to split. to_tsquery stems each with the
 * index's Snowball stemmer, which already joins plurals and verb forms, so
 * no prefixes: a prefix of a stem ("tec" from "tecido") would match
 * "tecla" and "tecnologia" too. 0 or E_INTERNAL.
 */
NODISCARD int search_terms_render_tsquery(const struct search_terms *t, const char *sep,
                                          struct buf *out);

/* Folds one word (exported for tests): lowercase ASCII, accents removed, into out (cap bytes). */
size_t search_terms_fold_word(struct str word, char *out, size_t cap);

#endif
