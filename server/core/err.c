#include "core/err.h"

#include "core/common.h"

struct err_row {
    unsigned status;
    const char *slug;
    const char *title;
    const char *name;
};

#define ERR_DATA_ROW(name, status, slug, title) {status, slug, title, #name},
static const struct err_row rows[] = {ERR_TABLE(ERR_DATA_ROW)};
#undef ERR_DATA_ROW

static const struct err_row *
row_of(int err)
{
    if (!err_is_known(err)) {
        return &rows[E_INTERNAL - E__FIRST - 1];
    }
    return &rows[err - E__FIRST - 1];
}

unsigned
err_status(int err)
{
    return row_of(err)->status;
}

const char *
err_slug(int err)
{
    return row_of(err)->slug;
}

const char *
err_title(int err)
{
    return row_of(err)->title;
}

const char *
err_name(int err)
{
    return row_of(err)->name;
}
