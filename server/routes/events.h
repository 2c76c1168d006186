/*
 * GET /api/v1/workspaces/{wid}/events: the workspace's live updates as
 * Server-Sent Events (SPEC §8, §11), and the hub that feeds every open
 * stream of this instance.
 *
 * The hub holds one subscriber per open stream: the workspace, the last
 * event id the stream got, the session it was opened with. Events reach it
 * as events_emit's notification "<workspace> <id>" (db_subscribe: on the
 * committing thread on SQLite, the listener's on PostgreSQL, from every
 * instance): the streams of that workspace behind it are caught up from the
 * event log by the hub's own thread, one read per workspace, in order, and
 * a head poll covers lost notifications. The thread also sends the
 * keep-alive comments, polls the heads as a safety net, and re-checks each
 * stream's session and membership every EVENTS_RECHECK_SECONDS.
 */
#ifndef PILOTO_ROUTES_EVENTS_H
#define PILOTO_ROUTES_EVENTS_H

#include "config/config.h"
#include "db/db.h"
#include "http/request.h"

struct events_hub;

/* Starts the hub's thread. Never NULL. */
struct events_hub *events_hub_start(const struct config *cfg, struct db *db);
/* Closes every stream (the http layer closes them too at the drain) and stops. Accepts NULL. */
void events_hub_stop(struct events_hub *h);
/* db_subscribe callback: a payload of EVENTS_CHANNEL, or NULL ("may have missed some"). */
void events_hub_on_note(void *arg, const char *payload);

/* The route's handler (ROUTE_AUTH | ROUTE_MEMBER). */
int events_stream(struct request *req);

#endif
