/*
 * Fuzzes what events/events.h reads or writes from outside text: the
 * notification payload (events_parse_note: what it accepts formats back to
 * the same bytes, its workspace id a view inside the input) and the event
 * checks with the stream block (data that passes events_data_ok renders as
 * exactly one id, event and data line: no stray line breaks).
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
    struct str in, wid;
    int64_t id = 0;

    memcpy(payload, data, size);
    payload[size] = '\0';
    in = str_from_cstr(payload);
    if (events_parse_note(payload, &wid, &id)) {
        char again[128];
        char *w = strndup(wid.ptr, wid.len);
        FUZZ_CHECK(FUZZ_WITHIN(wid, in) && id >= 1);
        FUZZ_CHECK(events_format_note(w, id, again, sizeof(again)) == 0);
        FUZZ_CHECK(strcmp(again, payload) == 0);
        free(w);
    }
    if (events_data_ok(in)) {
        struct buf b = BUF_INIT;
        size_t nl = 0;
        FUZZ_CHECK(events_render(&b, 7, STR_LIT("lead.updated"), in) == 0);
        for (size_t i = 0; i < b.len; i++) {
            nl += b.ptr[i] == '\n';
            FUZZ_CHECK(b.ptr[i] != '\r');
        }
        FUZZ_CHECK(nl == 4);
        buf_release(&b);
    }
    free(payload);
    return 0;
}
