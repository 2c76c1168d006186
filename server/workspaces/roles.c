/*
 * The pure part of workspaces.h: role names and the workspace name rule
 * (no database), so the fuzz target links it alone.
 */
#include "workspaces/workspaces.h"

#include "core/err.h"
#include "unicode/unicode.h"

static const char *const role_names[] = {
    [WS_NONE] = "",
    [WS_MEMBER] = "member",
    [WS_ADMIN] = "admin",
    [WS_OWNER] = "owner",
};

const char *
workspaces_role_name(enum ws_role role)
{
    return (unsigned)role < ARRAY_LEN(role_names) ? role_names[role] : "";
}

bool
workspaces_parse_role(struct str s, enum ws_role *out)
{
    for (size_t i = WS_MEMBER; i < ARRAY_LEN(role_names); i++) {
        if (str_eq_cstr(s, role_names[i])) {
            *out = (enum ws_role)i;
            return true;
        }
    }
    return false;
}

int
workspaces_check_name(struct str name, struct str *trimmed)
{
    struct str n = str_trim(name);
    size_t chars;

    /*
     * Shown to every member and in mails: one line (general category Cc
     * takes tabs too), no bidi overrides, zero-width or line-separator tricks.
     */
    if (!str_is_utf8(n) || !str_is_visible(n) || unicode_has_layout_controls(n)) {
        return E_VALIDATION;
    }
    chars = str_utf8_len(n);
    if (chars < 1 || chars > WS_NAME_MAX || n.len > WS_NAME_BYTES) {
        return E_VALIDATION;
    }
    *trimmed = n;
    return 0;
}
