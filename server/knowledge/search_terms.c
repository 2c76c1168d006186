#include "knowledge/search_terms.h"

#include "core/err.h"

/*
 * Function words of Brazilian Portuguese as leads write them (folded, with
 * the usual chat spellings), left out of queries: they match everything.
 * "nao" and "sao" are not here on purpose.
 */
static const char *const stop_words[] = {
    "a",        "ai",     "ali",      "ao",       "aos",     "aquela", "aquele",  "aqui",  "as",
    "ate",      "beleza", "blz",      "boa",      "bom",     "c",      "com",     "como",  "d",
    "da",       "das",    "de",       "dia",      "do",      "dos",    "e",       "eh",    "ela",
    "elas",     "ele",    "eles",     "em",       "entao",   "essa",   "essas",   "esse",  "esses",
    "esta",     "estao",  "estas",    "este",     "estes",   "estou",  "eu",      "favor", "foi",
    "gostaria", "ha",     "isso",     "isto",     "ja",      "k",      "kk",      "kkk",   "la",
    "lhe",      "mas",    "me",       "meu",      "meus",    "minha",  "minhas",  "msm",   "na",
    "nas",      "ne",     "no",       "noite",    "nos",     "nossa",  "nosso",   "num",   "numa",
    "o",        "obg",    "obrigada", "obrigado", "oi",      "ok",     "ola",     "onde",  "oque",
    "os",       "ou",     "p",        "pela",     "pelas",   "pelo",   "pelos",   "pf",    "pfv",
    "pode",     "podem",  "poderia",  "por",      "porque",  "posso",  "pq",      "pra",   "pras",
    "pro",      "pros",   "q",        "qd",       "qdo",     "qnd",    "qnt",     "qnto",  "qto",
    "quais",    "qual",   "quando",   "quanta",   "quantas", "quanto", "quantos", "que",   "quer",
    "queria",   "quero",  "sabe",     "saber",    "se",      "sem",    "ser",     "seria", "seu",
    "seus",     "sim",    "sua",      "suas",     "tarde",   "tb",     "tbm",     "te",    "tem",
    "temos",    "tenho",  "ter",      "tipo",     "tu",      "tudo",   "td",      "um",    "uma",
    "umas",     "uns",    "vai",      "valeu",    "vamos",   "vc",     "vcs",     "voce",  "voces",
    "vou",
};

/* Abbreviations leads use, and what they stand for (folded words, space-separated). */
static const struct {
    const char *abbr;
    const char *full;
} abbreviations[] = {
    {"bh", "belo horizonte"}, {"cel", "celular"},     {"cx", "caixa"},
    {"dom", "domingo"},       {"dps", "depois"},      {"end", "endereco"},
    {"fds", "fim semana"},    {"hj", "hoje"},         {"hr", "horario"},
    {"hrs", "horario"},       {"info", "informacao"}, {"infos", "informacoes"},
    {"msg", "mensagem"},      {"n", "nao"},           {"nf", "nota fiscal"},
    {"pagto", "pagamento"},   {"parc", "parcela"},    {"pgto", "pagamento"},
    {"pgmt", "pagamento"},    {"qtd", "quantidade"},  {"rj", "rio janeiro"},
    {"sab", "sabado"},        {"seg", "segunda"},     {"sp", "sao paulo"},
    {"tel", "telefone"},      {"vlr", "valor"},       {"whats", "whatsapp"},
    {"wpp", "whatsapp"},      {"zap", "whatsapp"},
};

/* U+00C0..U+00FF folded: a letter, or 0 for a separator (× and ÷). */
static const char latin1_fold[64] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts"
                                    "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";

static bool
in_list(const char *w, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(w, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool
ends(const char *w, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(w + len - n, suffix, n) == 0;
}

/*
 * A light stemmer for folded Portuguese, for prefixes: plurals, "-ção",
 * "-mento", infinitives, the commonest verb endings and a final vowel go,
 * never below 4 letters.
 * "entregas" -> entreg, "informacoes" -> informac, "parcelamento" -> parcel.
 */
static size_t
stem(char *w, size_t len)
{
    static const struct {
        const char *suffix;
        size_t cut;
    } rules[] = {
        {"amentos", 7}, {"imentos", 7}, {"amento", 6}, {"imento", 6}, {"mente", 5},
        {"coes", 3},    {"cao", 2},     {"oes", 3},    {"aes", 3},    {"ais", 2},
        {"eis", 2},     {"amos", 4},    {"emos", 4},   {"imos", 4},   {"ar", 2},
        {"er", 2},      {"ir", 2},      {"am", 2},     {"em", 2},     {"ao", 2},
    };

    for (size_t i = 0; i < ARRAY_LEN(rules); i++) {
        if (ends(w, len, rules[i].suffix) && len - rules[i].cut >= 4) {
            len -= rules[i].cut;
            break;
        }
    }
    if (len > 4 && w[len - 1] == 's' && w[len - 2] != 's') {
        len--;
    }
    if (len > 4 && (w[len - 1] == 'a' || w[len - 1] == 'e' || w[len - 1] == 'o')) {
        len--;
    }
    w[len] = '\0';
    return len;
}

static void
add_term(struct search_terms *t, const char *word, const char *w, size_t len, bool prefix)
{
    if (t->n >= SEARCH_TERMS_MAX || len == 0) {
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (t->prefix[i] == prefix && strcmp(t->term[i], w) == 0) {
            return;
        }
    }
    memcpy(t->term[t->n], w, len);
    t->term[t->n][len] = '\0';
    str_copy_to(str_from_cstr(word), t->word[t->n], sizeof(t->word[t->n]));
    t->prefix[t->n] = prefix;
    t->n++;
}

/* One folded word (no stop word) into terms: digits stay exact, words become stem prefixes. */
static void
add_word(struct search_terms *t, const char *word)
{
    char w[SEARCH_TERM_LEN_MAX + 1];
    size_t len = strlen(word);
    bool digits = strpbrk(word, "0123456789") != NULL;

    memcpy(w, word, len + 1);
    if (digits) {
        add_term(t, word, w, len, false);
        return;
    }
    if (len < 2) {
        return;
    }
    len = stem(w, len);
    /* A word of 3 letters is whole ("sac", "pix"): as a prefix it would match thousands. */
    add_term(t, word, w, len, len >= 4);
}

static void
process(struct search_terms *t, const char *w)
{
    if (!*w || in_list(w, stop_words, ARRAY_LEN(stop_words))) {
        return;
    }
    for (size_t i = 0; i < ARRAY_LEN(abbreviations); i++) {
        if (strcmp(w, abbreviations[i].abbr) == 0) {
            struct str rest = str_from_cstr(abbreviations[i].full);
            while (rest.len) {
                char part[SEARCH_TERM_LEN_MAX + 1];
                str_copy_to(str_cut(&rest, ' '), part, sizeof(part));
                add_word(t, part);
            }
            return;
        }
    }
    add_word(t, w);
}

/* One code point at p: its folded ASCII letter or digit, or 0 for a separator; *len consumed. */
static char
fold_next(const unsigned char *p, size_t n, size_t *len)
{
    unsigned c = p[0];

    *len = 1;
    if (c < 0x80) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            return (char)c;
        }
        return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : 0;
    }
    if ((c & 0xE0) == 0xC0 && n >= 2 && (p[1] & 0xC0) == 0x80) {
        unsigned cp = ((c & 0x1F) << 6) | (p[1] & 0x3F);
        *len = 2;
        return cp >= 0xC0 && cp <= 0xFF ? latin1_fold[cp - 0xC0] : 0;
    }
    /* Anything else (other scripts, emoji, invalid bytes) separates words. */
    if ((c & 0xF0) == 0xE0 && n >= 3) {
        *len = 3;
    } else if ((c & 0xF8) == 0xF0 && n >= 4) {
        *len = 4;
    }
    return 0;
}

size_t
search_terms_fold_word(struct str word, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)word.ptr;
    size_t n = 0;

    for (size_t i = 0; i < word.len;) {
        size_t len;
        char c = fold_next(p + i, word.len - i, &len);
        if (c && n + 1 < cap) {
            out[n++] = c;
        }
        i += len;
    }
    if (cap) {
        out[n] = '\0';
    }
    return n;
}

void
search_terms_add(struct search_terms *t, struct str text)
{
    const unsigned char *p = (const unsigned char *)text.ptr;
    char w[SEARCH_TERM_LEN_MAX + 1];
    size_t n = 0;

    for (size_t i = 0; i <= text.len && t->n < SEARCH_TERMS_MAX;) {
        size_t len = 1;
        char c = i < text.len ? fold_next(p + i, text.len - i, &len) : 0;

        if (c) {
            /* A longer word is cut: its start is still a fine prefix. */
            if (n < SEARCH_TERM_LEN_MAX) {
                w[n++] = c;
            }
        } else if (n) {
            w[n] = '\0';
            process(t, w);
            n = 0;
        }
        i += len;
    }
}

int
search_terms_render_fts5(const struct search_terms *t, struct buf *out)
{
    for (size_t i = 0; i < t->n; i++) {
        if (buf_addf(out, "%s\"%s\"%s", i ? " OR " : "", t->term[i], t->prefix[i] ? "*" : "")) {
            return E_INTERNAL;
        }
    }
    return 0;
}

int
search_terms_render_tsquery(const struct search_terms *t, const char *sep, struct buf *out)
{
    for (size_t i = 0; i < t->n; i++) {
        if (buf_addf(out, "%s%s", i ? sep : "", t->word[i])) {
            return E_INTERNAL;
        }
    }
    return 0;
}
