/* Fuzzes docx_extract (knowledge/docx.h) with the input as an uploaded .docx. */
#include "fuzz.h"

#include "core/buf.h"
#include "knowledge/docx.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf text = BUF_INIT;
    enum docfail why = DOCFAIL_NONE;
    int err = docx_extract(data, size, 1 << 20, &text, &why);

    FUZZ_CHECK(err == 0 ? why == DOCFAIL_NONE : why != DOCFAIL_NONE);
    FUZZ_CHECK(text.len <= 1 << 20);
    buf_release(&text);
    return 0;
}
