/*
 * Hand-off words (SPEC §11): when a lead writes one of an agent's hand-off
 * words ("humano", "atendente" unless the agent says otherwise), the
 * conversation goes to a person without asking the model. Words match as
 * whole words, accents and case ignored: "Quero falar com um HUMANO!" and
 * "atendênte?" match, "humanos" and "desumano" do not. A hand-off "word" of
 * several words ("falar com alguem") matches those words in a row.
 *
 * Pure: no I/O; folding through unicode/ (utf8proc).
 */
#ifndef PILOTO_AGENTS_HANDOFF_H
#define PILOTO_AGENTS_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common.h"
#include "core/str.h"

/* Most hand-off words an agent has, and the longest one (characters). */
#define HANDOFF_WORDS_MAX 20
#define HANDOFF_WORD_MAX  64
/* Longest message text looked at (WhatsApp caps a text at 4096 characters). */
#define HANDOFF_TEXT_MAX (16 * 1024)

/* The words of an agent created without any, as its JSON and as a list. */
#define HANDOFF_DEFAULT_JSON "[\"humano\",\"atendente\"]"
extern const char *const handoff_default_words[2];

/*
 * 0 when w can be a hand-off word: valid UTF-8, 1..HANDOFF_WORD_MAX
 * characters, at least one letter or digit, no control characters; else
 * E_INVALID.
 */
NODISCARD int handoff_check_word(struct str w);

/*
 * true when text holds one of words[0..n) as a word (or words in a row),
 * folded alike. Invalid UTF-8 in text or a word never matches; text beyond
 * HANDOFF_TEXT_MAX is not looked at.
 */
bool handoff_matches(struct str text, const struct str *words, size_t n);

#endif
