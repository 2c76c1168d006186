/*
 * Fuzzes the inbox and messages cursor parsers (leads/leads.h) with the
 * input as a ?cursor= value: a cursor parses into a position that renders
 * back to the same text, or is refused.
 */
#include "fuzz.h"

#include "core/common.h"
#include "core/err.h"
#include "leads/leads.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str in = str_make((const char *)data, size);
    struct leads_cursor c;
    char text[LEADS_CURSOR_MAX + 1];
    int64_t id;

    if (leads_cursor_parse(in, &c) == 0) {
        FUZZ_CHECK(c.at_ms >= 0);
        FUZZ_CHECK(c.id[0] != '\0');
        leads_cursor_render(&c, text, sizeof(text));
        FUZZ_CHECK(str_eq(str_from_cstr(text), in));
    }
    if (leads_msg_cursor_parse(in, &id) == 0) {
        FUZZ_CHECK(id > 0);
        leads_msg_cursor_render(id, text, sizeof(text));
        FUZZ_CHECK(str_eq(str_from_cstr(text), in));
    } else {
        FUZZ_CHECK(id == 0);
    }
    return 0;
}
