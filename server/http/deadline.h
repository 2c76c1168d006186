/*
 * Request deadlines per connection (slow-loris defence, SPEC §6).
 *
 * libmicrohttpd 0.9.75 only has an idle timeout: a client that sends one
 * header byte every few seconds holds its connection forever. Here every
 * connection carries a deadline (monotonic microseconds; 0 = none) that the
 * server moves as the request goes on (see limits.h), and a sweeper thread
 * shuts down the socket of any connection past its deadline. The engine
 * then sees the peer gone and closes the connection its usual way.
 *
 * The registry's lock makes the descriptor safe to shut down: a watch is
 * removed (deadlines_remove) before the engine closes its descriptor, so the
 * sweeper can never touch a number already reused by another connection.
 */
#ifndef PILOTO_HTTP_DEADLINE_H
#define PILOTO_HTTP_DEADLINE_H

#include <stdint.h>

#include "core/common.h"

struct deadlines;
struct deadline_watch;

/* Starts the sweeper, checking every sweep_ms. 0 or E_INTERNAL. */
NODISCARD int deadlines_start(unsigned sweep_ms, struct deadlines **out);
/* Stops the sweeper and frees the registry (and any watch left, with a warning). */
void deadlines_stop(struct deadlines *d);
/* Watches fd, due at deadline_us (clock_mono_us; 0 = none). Never NULL. */
struct deadline_watch *deadlines_add(struct deadlines *d, int fd, int64_t deadline_us);
/* Forgets w and frees it; call before fd is closed. */
void deadlines_remove(struct deadlines *d, struct deadline_watch *w);
/* Moves w's deadline (0 = none). Safe from any thread. */
void deadline_set(struct deadline_watch *w, int64_t deadline_us);
/* Pushes a pending deadline later by us, never past cap_us (no-op when there is none). */
void deadline_extend(struct deadline_watch *w, int64_t us, int64_t cap_us);
/* Runs one sweep at now_us: shuts down every overdue socket (counted in the metrics); returns how
 * many. */
unsigned deadlines_sweep(struct deadlines *d, int64_t now_us);

#endif
