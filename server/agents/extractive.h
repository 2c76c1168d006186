/*
 * The answer an agent gives with no language model (LLM_API_URL unset: the
 * embedded default of `make run`): the most relevant passage of the best
 * chunk retrieved for the lead's messages, saying plainly that it is an
 * automatic excerpt and naming its document. The whole loop (webhook,
 * retrieval, answer, send) then works on one machine with no account
 * anywhere, and the lead is never told something the documents do not say.
 *
 * Pure: no I/O.
 */
#ifndef PILOTO_AGENTS_EXTRACTIVE_H
#define PILOTO_AGENTS_EXTRACTIVE_H

#include "agents/prompt.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

/* Longest excerpt quoted, in bytes (well under WhatsApp's 4096 characters). */
#define EXTRACTIVE_EXCERPT_MAX 700

/* The sentence that opens every extractive answer. */
#define EXTRACTIVE_PREFIX "Resposta automática (sem modelo de linguagem configurado)"

/*
 * Appends the answer to out: from best (NULL when nothing matched: the
 * answer says so), cut to EXTRACTIVE_EXCERPT_MAX at a sentence or word end.
 * handoff_word, when not empty, is offered as the way to reach a person.
 * 0, E_INVALID (text not UTF-8) or E_INTERNAL.
 */
NODISCARD int extractive_answer(const struct prompt_source *best, struct str handoff_word,
                                struct buf *out);

/* The excerpt of text extractive_answer quotes (a view into text). */
struct str extractive_excerpt(struct str text, bool *cut);

#endif
