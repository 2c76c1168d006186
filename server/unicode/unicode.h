/*
 * Unicode character properties (libutf8proc, wrapped here and only here).
 */
#ifndef PILOTO_UNICODE_UNICODE_H
#define PILOTO_UNICODE_UNICODE_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

/*
 * true when valid UTF-8 s holds a code point of general category Cc
 * (controls, NEL included), Cf (format: bidi overrides and isolates,
 * zero-width characters), Zl or Zp (U+2028, U+2029): characters that
 * change how the text around them is shown instead of being shown. false
 * for invalid UTF-8 too (check that first).
 */
bool unicode_has_layout_controls(struct str s);
/*
 * true when valid UTF-8 s shows nothing: every code point is white space
 * (Zs, tab, line breaks) or one unicode_has_layout_controls names (a text of
 * zero-width spaces, say). true for invalid UTF-8 too (check that first).
 */
bool unicode_is_blank(struct str s);

/*
 * Appends the words of s folded for matching them as people type them:
 * compatibility decomposition, case folded, accents (combining marks)
 * dropped, so "ATENDENTE", "Atendênte" and "atendente" fold alike. Words are
 * runs of letters and digits (general categories L and N); what lies
 * between them (spaces, punctuation, emoji) becomes one space, with none at
 * either end: "Olá, HUMANO!!" gives "ola humano". 0, E_INVALID (s is not
 * valid UTF-8) or E_TOO_LARGE (over 16 MiB, or out's cap).
 */
NODISCARD int unicode_fold_words(struct str s, struct buf *out);

#endif
