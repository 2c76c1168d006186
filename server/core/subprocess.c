#include "core/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"

/* In the child, before exec: async-signal-safe calls only. */
static NORETURN void
child(const char *const argv[], const char *const envp[], const struct subprocess_limits *lim,
      int out_fd, int err_fd)
{
    struct rlimit mem = {(rlim_t)lim->mem_bytes, (rlim_t)lim->mem_bytes};
    struct rlimit cpu = {(rlim_t)lim->cpu_s, (rlim_t)lim->cpu_s + 1};
    struct rlimit fsize = {0, 0};
    struct rlimit core = {0, 0};
    struct sigaction dfl;
    int null_fd = open("/dev/null", O_RDONLY);

    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    (void)setpgid(0, 0);
    /* Dispositions set to "ignore" survive exec: give the child the defaults. */
    (void)sigaction(SIGPIPE, &dfl, NULL);
    (void)sigaction(SIGTERM, &dfl, NULL);
    (void)sigaction(SIGINT, &dfl, NULL);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) {
        _exit(127);
    }
    /* Nothing of ours (sockets, the database, other children's pipes) reaches the child. */
    (void)syscall(SYS_close_range, 3U, ~0U, 0U);
    if (setrlimit(RLIMIT_AS, &mem) || setrlimit(RLIMIT_CPU, &cpu) ||
        setrlimit(RLIMIT_FSIZE, &fsize) || setrlimit(RLIMIT_CORE, &core)) {
        _exit(127);
    }
    execve(argv[0], (char *const *)(uintptr_t)argv, (char *const *)(uintptr_t)envp);
    _exit(127);
}

/* Reads what fd has into b (at most max bytes kept); 1 at EOF, 0 for more, -1 past max. */
static int
drain(int fd, struct buf *b, size_t max)
{
    char chunk[16384];
    ssize_t n = read(fd, chunk, sizeof(chunk));

    if (n == 0) {
        return 1;
    }
    if (n < 0) {
        return (errno == EINTR || errno == EAGAIN) ? 0 : 1;
    }
    if (b->len + (size_t)n > max) {
        return -1;
    }
    return buf_add(b, chunk, (size_t)n) ? -1 : 0;
}

int
subprocess_run(const char *const argv[], const char *const envp[],
               const struct subprocess_limits *lim, struct buf *out, struct buf *err, int *status)
{
    struct buf scratch = BUF_INIT;
    struct buf *errb = err ? err : &scratch;
    int outp[2] = {-1, -1};
    int errp[2] = {-1, -1};
    int64_t deadline = clock_mono_ms() + lim->timeout_ms;
    bool out_open = true;
    bool err_open = true;
    int rc = 0;
    int ws = 0;
    pid_t pid;

    *status = -1;
    if (pipe(outp) || pipe(errp)) {
        rc = E_INTERNAL;
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        rc = E_INTERNAL;
        goto out;
    }
    if (pid == 0) {
        child(argv, envp, lim, outp[1], errp[1]);
    }
    close(outp[1]);
    close(errp[1]);
    outp[1] = errp[1] = -1;

    while (rc == 0 && (out_open || err_open)) {
        struct pollfd p[2] = {{out_open ? outp[0] : -1, POLLIN, 0},
                              {err_open ? errp[0] : -1, POLLIN, 0}};
        int64_t left = deadline - clock_mono_ms();
        int r;

        if (left <= 0) {
            rc = E_TIMEOUT;
            break;
        }
        r = poll(p, 2, (int)(left > 1000 ? 1000 : left));
        if (r < 0 && errno != EINTR) {
            rc = E_INTERNAL;
            break;
        }
        if (out_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            r = drain(outp[0], out, lim->stdout_max);
            if (r < 0) {
                rc = E_TOO_LARGE;
            }
            out_open = r == 0;
        }
        if (err_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            /* Past its cap, stderr is read and dropped: the child must not block on it. */
            char sink[4096];
            r = drain(errp[0], errb, SUBPROCESS_STDERR_MAX);
            if (r < 0) {
                ssize_t ignored = read(errp[0], sink, sizeof(sink));
                r = ignored <= 0;
            }
            err_open = r == 0;
        }
    }
    /* Wait for the exit within what is left of the deadline, then kill the group. */
    for (;;) {
        pid_t w = waitpid(pid, &ws, WNOHANG);
        if (w == pid) {
            break;
        }
        if (w < 0 && errno != EINTR) {
            rc = rc ? rc : E_INTERNAL;
            break;
        }
        if (rc != 0 || clock_mono_ms() >= deadline) {
            rc = rc ? rc : E_TIMEOUT;
            (void)kill(-pid, SIGKILL);
            (void)kill(pid, SIGKILL);
            while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        {
            struct timespec ts = {0, 5 * 1000 * 1000};
            (void)nanosleep(&ts, NULL);
        }
    }
    if (rc == 0) {
        *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? -WTERMSIG(ws) : -1;
    }
out:
    for (int i = 0; i < 2; i++) {
        if (outp[i] >= 0) {
            close(outp[i]);
        }
        if (errp[i] >= 0) {
            close(errp[i]);
        }
    }
    buf_release(&scratch);
    return rc;
}
