/*
 * The one table of job kinds (jobs/queue.h explains the columns): every kind
 * this binary runs, with its handler, attempts, back-off, time budget and
 * period. To add a kind: write its handler in the module that owns the work
 * (declared in that module's header), define its name there, and add one row
 * to jobs_kinds[] in job_kinds.c. It lives with the route tables because it
 * is the same kind of wiring: a dispatch table naming handlers of every
 * domain module, above all of them.
 */
#ifndef PILOTO_ROUTES_JOB_KINDS_H
#define PILOTO_ROUTES_JOB_KINDS_H

#include <stddef.h>

#include "jobs/queue.h"

extern const struct job_kind jobs_kinds[];
extern const size_t jobs_nkinds;

#endif
