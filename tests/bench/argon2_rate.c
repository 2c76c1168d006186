/*
 * The raw Argon2id rate of piloto's parameters on this machine: THREADS
 * threads hash for SECONDS each, and the total hashes per second is printed.
 * make bench compares logins per second through HTTP against it.
 */
#include <pthread.h>

#include "core/clock.h"
#include "core/strnum.h"
#include "crypto/crypto.h"

static int64_t deadline_ms;

static void *
hasher(void *arg)
{
    uint64_t *count = arg;
    char hash[CRYPTO_PASSWORD_HASH_MAX];

    while (clock_mono_ms() < deadline_ms) {
        if (crypto_password_hash(STR_LIT("correct horse battery staple"), hash) == 0) {
            (*count)++;
        }
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    int64_t threads = 2;
    int64_t seconds = 5;
    pthread_t tid[64];
    uint64_t counts[64] = {0};
    uint64_t total = 0;

    if ((argc > 1 && strnum_parse(str_from_cstr(argv[1]), 1, 64, &threads)) ||
        (argc > 2 && strnum_parse(str_from_cstr(argv[2]), 1, 600, &seconds)) || crypto_init()) {
        fprintf(stderr, "usage: argon2_rate [THREADS [SECONDS]]\n");
        return 2;
    }
    deadline_ms = clock_mono_ms() + seconds * 1000;
    for (int64_t i = 0; i < threads; i++) {
        pthread_create(&tid[i], NULL, hasher, &counts[i]);
    }
    for (int64_t i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        total += counts[i];
    }
    printf("argon2id m=%u KiB t=%d p=1, %lld threads: %.1f hashes/s\n", CRYPTO_ARGON2_MEM / 1024,
           CRYPTO_ARGON2_OPS, (long long)threads, (double)total / (double)seconds);
    return 0;
}
