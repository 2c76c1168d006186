/*
 * The background mail sender: a thread that claims due mails from the
 * outbox, delivers them over SMTP (SMTP_URL) and records the outcome, with
 * retries and exponential back-off. Claims are leases (locked_until), so a
 * crash mid-send only delays a mail, and on PostgreSQL several instances
 * share the outbox (FOR UPDATE SKIP LOCKED): each mail goes out once.
 * Without SMTP_URL in dev, mails are printed to the log (links included:
 * that is how a developer clicks them) and marked "logged"; in production
 * they stay pending in the outbox.
 */
#ifndef PILOTO_JOBS_MAIL_SENDER_H
#define PILOTO_JOBS_MAIL_SENDER_H

#include "config/config.h"
#include "db/db.h"

#define MAIL_MAX_ATTEMPTS  20
#define MAIL_MAX_BACKOFF_S 300
/* Longer than the slowest delivery (httpc_smtp_send gives up after 30 s). */
#define MAIL_LEASE_S 45

struct mail_sender;

/* Starts the sender thread (NULL when mail cannot go anywhere: production without SMTP_URL). */
struct mail_sender *mail_sender_start(const struct config *cfg, struct db *db);
/* Wakes the sender now (a mail was just committed). Accepts NULL. */
void mail_sender_wake(struct mail_sender *ms);
/* Lets the current delivery finish, stops the thread, frees. Accepts NULL. */
void mail_sender_stop(struct mail_sender *ms);
/* Seconds to wait after the n-th failed attempt (pure). */
int64_t mail_sender_backoff(int64_t attempts);

#endif
