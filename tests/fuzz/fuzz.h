/*
 * What every fuzz target shares: libFuzzer's entry point (declared here so
 * -Wmissing-prototypes holds, and so replay.c can call it under gcc), and
 * FUZZ_CHECK, which turns a broken invariant into a crash the fuzzer keeps.
 */
#ifndef PILOTO_FUZZ_FUZZ_H
#define PILOTO_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* true when part (if not empty) lies inside whole: views never point elsewhere. */
#define FUZZ_WITHIN(part, whole)                                                                   \
    ((part).len == 0 ||                                                                            \
     ((part).ptr >= (whole).ptr && (part).ptr + (part).len <= (whole).ptr + (whole).len))

#endif
