#include "agents/handoff.h"

#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "unicode/unicode.h"

const char *const handoff_default_words[2] = {"humano", "atendente"};

int
handoff_check_word(struct str w)
{
    struct buf folded = BUF_INIT;
    size_t chars;
    int rc = E_INVALID;

    if (!str_is_utf8(w) || unicode_has_layout_controls(w)) {
        goto out;
    }
    chars = str_utf8_len(w);
    if (chars == 0 || chars > HANDOFF_WORD_MAX) {
        goto out;
    }
    /* A word with nothing but punctuation folds to nothing and could never match. */
    if (unicode_fold_words(w, &folded) == 0 && folded.len > 0) {
        rc = 0;
    }
out:
    buf_release(&folded);
    return rc;
}

bool
handoff_matches(struct str text, const struct str *words, size_t n)
{
    struct buf hay = BUF_INIT, needle = BUF_INIT;
    bool found = false;

    if (n == 0 || !str_is_utf8(text)) {
        return false;
    }
    text = str_utf8_prefix(text, HANDOFF_TEXT_MAX);
    /* " w1 w2 ... ": a word then matches as " word " and never inside another. */
    if (buf_addch(&hay, ' ') || unicode_fold_words(text, &hay) || buf_addch(&hay, ' ')) {
        goto out;
    }
    for (size_t i = 0; i < n && !found; i++) {
        buf_reset(&needle);
        if (!str_is_utf8(words[i]) || buf_addch(&needle, ' ') ||
            unicode_fold_words(words[i], &needle) || needle.len == 1 || buf_addch(&needle, ' ')) {
            continue;
        }
        /* Both hold folded words and spaces only, never a NUL: strstr sees all of them. */
        found = strstr(hay.ptr, needle.ptr) != NULL;
    }
out:
    buf_release(&needle);
    buf_release(&hay);
    return found;
}
