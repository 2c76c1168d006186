/*
 * Fuzzes the event notification payload (events/events.h): what
 * events_parse_note accepts has a workspace id, an id >= 1, a kind of
 * [a-z._] and one line of UTF-8 JSON-looking data, all views inside the
 * input; formatted back and rendered as an event-stream block, it is the
 * same payload and a block with no stray line breaks.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "events/events.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *payload = malloc(size + 1);
    struct str wid, kind, d, in;
    struct event ev;

    memcpy(payload, data, size);
    payload[size] = '\0';
    in = str_from_cstr(payload);
    if (events_parse_note(payload, &wid, &ev, &kind, &d)) {
        char again[2048];
        char *w = strndup(wid.ptr, wid.len);
        char *k = strndup(kind.ptr, kind.len);
        char *dd = strndup(d.ptr, d.len);
        struct event e2 = {ev.id, k, dd};
        struct buf b = BUF_INIT;

        FUZZ_CHECK(FUZZ_WITHIN(wid, in) && FUZZ_WITHIN(kind, in) && FUZZ_WITHIN(d, in));
        FUZZ_CHECK(ev.id >= 1 && str_is_utf8(d) && str_find(d, '\n') < 0 && str_find(d, '\r') < 0);
        if (events_format_note(w, &e2, again, sizeof(again)) == 0) {
            FUZZ_CHECK(strcmp(again, payload) == 0);
        }
        FUZZ_CHECK(events_render(&b, ev.id, kind, d) == 0);
        /* id, event, data lines and the blank line: exactly four line breaks. */
        {
            size_t nl = 0;
            for (size_t i = 0; i < b.len; i++) {
                nl += b.ptr[i] == '\n';
                FUZZ_CHECK(b.ptr[i] != '\r');
            }
            FUZZ_CHECK(nl == 4);
        }
        buf_release(&b);
        free(w);
        free(k);
        free(dd);
    }
    free(payload);
    return 0;
}
