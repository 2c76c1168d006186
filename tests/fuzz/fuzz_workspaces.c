/*
 * Fuzzes the workspace inputs a client names (workspaces/workspaces.h): the
 * workspace name rule and role names. A name that passes is a trimmed view
 * inside the input, valid UTF-8 of 1-200 code points with no control bytes;
 * a role that parses prints back as the same bytes.
 */
#include "fuzz.h"

#include "core/str.h"
#include "workspaces/workspaces.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str in = str_make((const char *)data, size);
    struct str name = STR_NULL;
    enum ws_role role = WS_NONE;

    if (workspaces_check_name(in, &name) == 0) {
        FUZZ_CHECK(name.len > 0 && FUZZ_WITHIN(name, in));
        FUZZ_CHECK(str_is_utf8(name) && str_is_visible(name) && str_find(name, '\t') < 0);
        FUZZ_CHECK(str_utf8_len(name) >= 1 && str_utf8_len(name) <= WS_NAME_MAX);
        FUZZ_CHECK(name.ptr[0] != ' ' && name.ptr[name.len - 1] != ' ');
    }
    if (workspaces_parse_role(in, &role)) {
        FUZZ_CHECK(role >= WS_MEMBER && role <= WS_OWNER);
        FUZZ_CHECK(str_eq_cstr(in, workspaces_role_name(role)));
    }
    return 0;
}
