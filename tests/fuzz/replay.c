/*
 * A main() for the fuzz targets without libFuzzer, so `make fuzz-replay`
 * replays the committed corpus and regressions under gcc + ASan + UBSan.
 *
 * Usage: replay PATH...   Each PATH is a file or a directory whose regular
 * files (not dotfiles such as .gitkeep, not subdirectories) are fed to
 * LLVMFuzzerTestOneInput one by one, in name order. A PATH that does not
 * exist is skipped: a target may have no regressions yet.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Runs one file; each input gets a buffer of exactly its size, so ASan sees overreads. */
static int
run_file(const char *path)
{
    struct stat st;
    uint8_t *data = NULL;
    size_t size;
    size_t off = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1;

    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 0) {
        fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(errno));
        goto out;
    }
    size = (size_t)st.st_size;
    data = malloc(size ? size : 1);
    if (!data) {
        fprintf(stderr, "replay: out of memory for '%s'\n", path);
        goto out;
    }
    while (off < size) {
        ssize_t n = read(fd, data + off, size - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fprintf(stderr, "replay: short read on '%s'\n", path);
            goto out;
        }
        off += (size_t)n;
    }
    (void)LLVMFuzzerTestOneInput(data, size);
    rc = 0;
out:
    free(data);
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

static int
is_visible_file(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Runs path (a file or a directory of files); adds to *count. -1 on a read error. */
static int
run_path(const char *path, unsigned *count)
{
    struct dirent **names = NULL;
    struct stat st;
    int n;
    int rc = 0;

    if (stat(path, &st) != 0) {
        return errno == ENOENT ? 0 : -1;
    }
    if (S_ISREG(st.st_mode)) {
        (*count)++;
        return run_file(path);
    }
    if (!S_ISDIR(st.st_mode)) {
        return 0;
    }
    n = scandir(path, &names, is_visible_file, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: cannot list '%s': %s\n", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char full[4096];
        int len = snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
        if (len < 0 || (size_t)len >= sizeof(full)) {
            rc = -1;
        } else if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
            (*count)++;
            if (run_file(full) != 0) {
                rc = -1;
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int
main(int argc, char **argv)
{
    unsigned count = 0;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        if (run_path(argv[i], &count) != 0) {
            rc = 1;
        }
    }
    printf("replayed %u input%s\n", count, count == 1 ? "" : "s");
    return rc;
}
