/*
 * Outgoing mail: rendering an RFC 5322 / MIME message (multipart/alternative,
 * UTF-8 text and HTML, base64 bodies, RFC 2047 subject) and handing it to
 * SMTP through httpc. Rendering is pure, so it is unit-tested.
 */
#ifndef PILOTO_INTEGRATIONS_MAIL_H
#define PILOTO_INTEGRATIONS_MAIL_H

#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"

struct mail_message {
    const char *from; /* "Piloto <no-reply@example.com>" */
    const char *to;   /* a bare address */
    const char *subject;
    const char *text;
    const char *html;
    int64_t date;           /* unix seconds */
    const char *message_id; /* without brackets, e.g. "123.abc@piloto" */
};

/* Appends the full message with CRLF line ends. 0 or E_INVALID (CR/LF in a header field). */
NODISCARD int mail_render(const struct mail_message *m, struct buf *out);
/* The bare address inside "Name <addr>" (or the whole text), into out. */
void mail_address_of(const char *from, char *out, size_t cap);

#endif
