/*
 * Running a helper program under limits: how large parsers of outside
 * bytes (poppler's pdftotext) run out of our process, so a hostile file can
 * at worst kill a child, never the server.
 *
 * The child gets stdin from /dev/null, no other inherited descriptor, an
 * empty environment apart from what the caller passes, its own process
 * group, and hard limits: address space, CPU seconds, file size 0 (it can
 * write nothing but its pipes), and a wall-clock deadline after which the
 * whole group is killed. Its stdout is collected up to a cap (exceeding it
 * kills it), its stderr up to SUBPROCESS_STDERR_MAX bytes.
 *
 * Safe to call from any thread: between fork and exec the child calls only
 * async-signal-safe functions.
 */
#ifndef PILOTO_CORE_SUBPROCESS_H
#define PILOTO_CORE_SUBPROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"

#define SUBPROCESS_STDERR_MAX 4096

struct subprocess_limits {
    int64_t timeout_ms; /* wall clock, from fork to exit */
    uint64_t mem_bytes; /* RLIMIT_AS */
    uint64_t cpu_s;     /* RLIMIT_CPU */
    size_t stdout_max;  /* bytes of output kept */
};

/*
 * Runs argv[0] (an absolute path) with argv and envp (NULL-terminated).
 * Returns 0 with *status the exit code (0..255) or -signal when a signal
 * ended it; E_TOO_LARGE when stdout passed stdout_max (child killed);
 * E_TIMEOUT when the deadline passed (child killed); E_INTERNAL when it
 * could not be started (an exec failure shows as exit status 127).
 * out and err receive what the child wrote (err may be NULL).
 */
NODISCARD int subprocess_run(const char *const argv[], const char *const envp[],
                             const struct subprocess_limits *lim, struct buf *out, struct buf *err,
                             int *status);

#endif
