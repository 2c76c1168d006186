#include "integrations/mail.h"

#include "core/err.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 with lines of 76 characters (RFC 2045 §6.8). */
static int
add_base64(struct buf *out, const char *s, size_t n, bool wrap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t col = 0;
    int err = 0;

    for (size_t i = 0; i < n && !err; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        char q[4];
        if (i + 1 < n) {
            v |= (uint32_t)p[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= p[i + 2];
        }
        q[0] = b64[(v >> 18) & 63];
        q[1] = b64[(v >> 12) & 63];
        q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? b64[v & 63] : '=';
        err = buf_add(out, q, 4);
        col += 4;
        if (wrap && col >= 76) {
            err |= buf_add(out, "\r\n", 2);
            col = 0;
        }
    }
    if (wrap && col) {
        err |= buf_add(out, "\r\n", 2);
    }
    return err;
}

static bool
has_crlf(const char *s)
{
    return strchr(s, '\r') || strchr(s, '\n');
}

void
mail_address_of(const char *from, char *out, size_t cap)
{
    const char *lt = strchr(from, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt && gt > lt + 1) {
        (void)snprintf(out, cap, "%.*s", (int)(gt - lt - 1), lt + 1);
    } else {
        (void)snprintf(out, cap, "%s", from);
    }
}

int
mail_render(const struct mail_message *m, struct buf *out)
{
    char date[64];
    time_t t = (time_t)m->date;
    struct tm tm;
    const char *boundary = "=_piloto_alt_7f3a9c";
    int err = 0;

    if (has_crlf(m->from) || has_crlf(m->to) || has_crlf(m->subject) || has_crlf(m->message_id)) {
        return E_INVALID;
    }
    if (!gmtime_r(&t, &tm) ||
        strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0) {
        return E_INVALID;
    }
    err |=
        buf_addf(out, "Date: %s\r\nFrom: %s\r\nTo: <%s>\r\nMessage-ID: <%s>\r\nSubject: =?UTF-8?B?",
                 date, m->from, m->to, m->message_id);
    err |= add_base64(out, m->subject, strlen(m->subject), false);
    err |= buf_addf(out,
                    "?=\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
                    "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n",
                    boundary, boundary);
    err |= add_base64(out, m->text, strlen(m->text), true);
    err |= buf_addf(out,
                    "--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n",
                    boundary);
    err |= add_base64(out, m->html, strlen(m->html), true);
    err |= buf_addf(out, "--%s--\r\n", boundary);
    return err ? E_INTERNAL : 0;
}
