/*
 * What leads.c and notes.c share (private to server/leads): reading rows
 * into an arena, a keyset page's row count, the lead check every
 * sub-resource makes, and the event a change of a lead emits.
 */
#ifndef PILOTO_LEADS_INTERNAL_H
#define PILOTO_LEADS_INTERNAL_H

#include "leads/leads.h"

/* A nullable text column copied into a, or NULL. */
const char *leads_opt(struct arena *a, const struct db_result *r, size_t row, size_t col);

/* Rows of a page read with LIMIT limit + 1: at most limit; *more when one was left over. */
size_t leads_page_rows(const struct db_result *r, size_t limit, bool *more);

/* Is lead_id a lead of the workspace? 0, E_NOT_FOUND, E_DB. */
NODISCARD int leads_exists(struct db_conn *conn, const char *workspace_id, const char *lead_id);

/*
 * Emits kind for lead_id in conn's transaction (events/events.h): data
 * {"leadId"} or, with key, {"leadId", key: "<id>"} (ids travel as strings).
 */
NODISCARD int leads_emit(struct db_conn *conn, const char *workspace_id, const char *kind,
                         const char *lead_id, const char *key, int64_t id);

#endif
