/*
 * Unicode character properties (libutf8proc, wrapped here and only here).
 */
#ifndef PILOTO_UNICODE_UNICODE_H
#define PILOTO_UNICODE_UNICODE_H

#include <stdbool.h>

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

#endif
