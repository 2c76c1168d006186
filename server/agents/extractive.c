#include "agents/extractive.h"

#include "core/err.h"

static bool
is_sentence_end(char c)
{
    return c == '.' || c == '!' || c == '?' || c == '\n';
}

struct str
extractive_excerpt(struct str text, bool *cut)
{
    struct str t = str_trim(text);
    struct str head;
    size_t end = 0;

    *cut = false;
    if (t.len <= EXTRACTIVE_EXCERPT_MAX) {
        return t;
    }
    *cut = true;
    head = str_utf8_prefix(t, EXTRACTIVE_EXCERPT_MAX);
    /* The last sentence end in the second half keeps whole sentences; else the last space. */
    for (size_t i = head.len; i > head.len / 2; i--) {
        if (is_sentence_end(head.ptr[i - 1])) {
            end = i;
            break;
        }
    }
    for (size_t i = head.len; !end && i > head.len / 2; i--) {
        if (head.ptr[i - 1] == ' ') {
            end = i - 1;
        }
    }
    return str_trim(str_make(head.ptr, end ? end : head.len));
}

int
extractive_answer(const struct prompt_source *best, struct str handoff_word, struct buf *out)
{
    int rc;

    if ((best && (!str_is_utf8(best->text) || !str_is_utf8(best->document))) ||
        !str_is_utf8(handoff_word)) {
        return E_INVALID;
    }
    if (best && str_trim(best->text).len) {
        bool cut;
        struct str ex = extractive_excerpt(best->text, &cut);
        rc = buf_addstr(out, EXTRACTIVE_PREFIX ", com o trecho mais relevante dos nossos "
                                               "documentos:\n\n\"");
        if (!rc) {
            rc = buf_add(out, ex.ptr, ex.len);
        }
        if (!rc) {
            rc = buf_addstr(out, cut ? " (...)\"\n\nFonte: " : "\"\n\nFonte: ");
        }
        if (!rc) {
            rc = buf_add(out, best->document.ptr, best->document.len);
        }
    } else {
        rc = buf_addstr(out, EXTRACTIVE_PREFIX ": não encontrei nada sobre isso nos nossos "
                                               "documentos.");
    }
    if (!rc && handoff_word.len) {
        rc = buf_addstr(out, "\n\nPara falar com uma pessoa da equipe, escreva \"");
        if (!rc) {
            rc = buf_add(out, handoff_word.ptr, handoff_word.len);
        }
        if (!rc) {
            rc = buf_addstr(out, "\".");
        }
    }
    return rc ? E_INTERNAL : 0;
}
