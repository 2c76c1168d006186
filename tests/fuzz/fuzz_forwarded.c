/*
 * Fuzzes parse_forwarded_for, cidr_parse and ipaddr_parse. The first line
 * of the input is a comma-separated list of trusted CIDRs (as in
 * TRUSTED_PROXIES), the rest is the X-Forwarded-For header.
 */
#include "fuzz.h"

#include "core/common.h"
#include "core/ipaddr.h"
#include "http/parse.h"

#define MAX_TRUSTED 8

/* An address formats to text that parses back to the same bytes. */
static void
check_round_trip(const struct ipaddr *a)
{
    char text[IPADDR_TEXT_MAX];
    struct ipaddr again;

    ipaddr_format(a, text, sizeof(text));
    FUZZ_CHECK(ipaddr_parse(str_from_cstr(text), &again) == 0);
    FUZZ_CHECK(memcmp(a->b, again.b, sizeof(a->b)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str in = str_make((const char *)data, size);
    struct str header = in;
    struct str list = str_cut(&header, '\n');
    struct cidr trusted[MAX_TRUSTED];
    size_t ntrusted = 0;
    struct ipaddr a;

    while (list.len && ntrusted < MAX_TRUSTED) {
        struct str item = str_trim(str_cut(&list, ','));
        if (cidr_parse(item, &trusted[ntrusted]) == 0) {
            FUZZ_CHECK(trusted[ntrusted].bits <= 128);
            FUZZ_CHECK(cidr_contains(&trusted[ntrusted], &trusted[ntrusted].net));
            ntrusted++;
        }
    }
    if (ipaddr_parse(in, &a) == 0) {
        check_round_trip(&a);
    }
    if (parse_forwarded_for(header, trusted, ntrusted, &a) == 0) {
        check_round_trip(&a);
    }
    return 0;
}
