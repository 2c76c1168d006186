/*
 * The one table of job kinds (jobs/queue.h explains the columns): every kind
 * this binary runs, with its handler, attempts, back-off, time budget and
 * period. To add a kind: write its handler in the module that owns the work
 * (declared in that module's header), define its name there, and add one row
 * to jobs_kinds[] in kinds.c. This file is wiring, like the route tables: it
 * is the one place in jobs/ allowed to include domain modules (tools/lint.sh).
 */
#ifndef PILOTO_JOBS_KINDS_H
#define PILOTO_JOBS_KINDS_H

#include <stddef.h>

#include "jobs/queue.h"

extern const struct job_kind jobs_kinds[];
extern const size_t jobs_nkinds;

#endif
