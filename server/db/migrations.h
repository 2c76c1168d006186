/*
 * The SQL migrations compiled into the binary. tools/embed.c generates
 * build/gen/migrations.c from server/db/migrations/{sqlite,postgres}/NNNN_name.sql:
 * one array per backend, sorted by version, each followed by a zeroed
 * sentinel row that the count does not include.
 *
 * A migration's SQL may hold several statements; db_migrate runs it in one
 * transaction together with its schema_migrations row. Versions are never
 * reused and applied files are never edited: fix forward with a new file.
 */
#ifndef PILOTO_DB_MIGRATIONS_H
#define PILOTO_DB_MIGRATIONS_H

#include <stddef.h>

struct migration {
    unsigned version; /* the NNNN prefix of the file name */
    const char *name; /* the rest of the file name, without ".sql" */
    const char *sql;  /* the whole file, NUL-terminated */
};

extern const struct migration migrations_sqlite[];
extern const size_t migrations_sqlite_count;
extern const struct migration migrations_postgres[];
extern const size_t migrations_postgres_count;

#endif
