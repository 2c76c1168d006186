/* The pure part of events/events.h: the checks, the notification payload, the stream block. */
#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/strnum.h"
#include "events/events.h"

/* kind: [a-z._]{1,EVENTS_KIND_MAX}. */
bool
events_kind_ok(struct str k)
{
    if (k.len == 0 || k.len > EVENTS_KIND_MAX) {
        return false;
    }
    for (size_t i = 0; i < k.len; i++) {
        char c = k.ptr[i];
        if (!((c >= 'a' && c <= 'z') || c == '.' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* data: one line of visible UTF-8 text (an event-stream data line ends at a newline). */
bool
events_data_ok(struct str d)
{
    return d.len >= 2 && d.len <= EVENTS_DATA_MAX && d.ptr[0] == '{' && str_is_utf8(d) &&
           !memchr(d.ptr, '\n', d.len) && !memchr(d.ptr, '\r', d.len);
}

int
events_format_note(const char *workspace_id, int64_t id, char *out, size_t cap)
{
    int k = snprintf(out, cap, "%s %lld", workspace_id, (long long)id);
    return k < 0 || (size_t)k >= cap ? E_INVALID : 0;
}

bool
events_parse_note(const char *payload, struct str *workspace_id, int64_t *id)
{
    struct str rest = str_from_cstr(payload);
    struct str num;

    *workspace_id = str_cut(&rest, ' ');
    num = rest;
    return workspace_id->len > 0 && workspace_id->len <= 64 && str_is_visible(*workspace_id) &&
           num.len > 0 && num.ptr[0] != '0' && strnum_parse(num, 1, INT64_MAX, id) == 0;
}

int
events_render(struct buf *b, int64_t id, struct str kind, struct str data)
{
    int err = buf_addf(b, "id: %lld\nevent: ", (long long)id);

    err |= buf_add(b, kind.ptr, kind.len);
    err |= buf_addstr(b, "\ndata: ");
    err |= buf_add(b, data.ptr, data.len);
    err |= buf_addstr(b, "\n\n");
    return err ? E_TOO_LARGE : 0;
}
