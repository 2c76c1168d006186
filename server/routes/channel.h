/*
 * The sales channel's workspace routes (SPEC §11), as handlers the tenant
 * table (routes/workspaces.c) points to; req->tenant is set.
 *   agents:   POST/GET /agents, GET/PATCH/DELETE /agents/{id}   (admins change, members read)
 *   leads:    GET /leads, GET/PATCH /leads/{id}                  (members)
 *   messages: GET/POST /leads/{id}/messages                      (members)
 *   pipeline: GET /leads/{id}/history, GET /summary              (members)
 */
#ifndef PILOTO_ROUTES_CHANNEL_H
#define PILOTO_ROUTES_CHANNEL_H

#include "routes/routes.h"

int channel_agent_create(struct request *req);
int channel_agent_list(struct request *req);
int channel_agent_get(struct request *req);
int channel_agent_patch(struct request *req);
int channel_agent_delete(struct request *req);
int channel_lead_list(struct request *req);
int channel_lead_get(struct request *req);
int channel_lead_patch(struct request *req);
int channel_lead_history(struct request *req);
int channel_summary(struct request *req);
int channel_message_list(struct request *req);
int channel_message_send(struct request *req);

#endif
