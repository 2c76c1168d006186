/*
 * Every setting, read from the environment in one place (12-factor), parsed
 * and validated at start-up into one immutable struct config. An invalid
 * setting stops the process with one line naming it. See README.md for the
 * list; SPEC §9 names the ones that never change.
 */
#ifndef PILOTO_CONFIG_CONFIG_H
#define PILOTO_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common.h"
#include "core/ipaddr.h"
#include "core/log.h"
#include "core/origin.h"

/* CRM_RETRY_SCHEDULE (crm/retry.h): its default and bounds. */
#define CONFIG_CRM_RETRY_DEFAULT     "30s,2m,10m,30m,1h,2h,4h,8h,12h,24h,24h,24h"
#define CONFIG_CRM_RETRY_STEPS_MAX   30
#define CONFIG_CRM_RETRY_STEP_MAX_MS (7LL * 24 * 3600 * 1000)
#define CONFIG_SECRET_MIN            32
#define CONFIG_SECRET_MAX            256
#define CONFIG_MAX_ORIGINS           16
#define CONFIG_MAX_PROXIES           32

enum config_env {
    CONFIG_DEV,
    CONFIG_PRODUCTION,
};

struct config {
    enum config_env env;
    char host[64];
    unsigned port;
    char *database_url;
    uint8_t secret[CONFIG_SECRET_MAX];
    size_t secret_len; /* 0 until set from PILOTO_SECRET or the dev secret file */
    struct origin app_origins[CONFIG_MAX_ORIGINS];
    size_t n_app_origins;
    char *app_url;       /* no trailing slash */
    char *public_url;    /* no trailing slash */
    char *cookie_domain; /* NULL = host-only cookies */
    bool cookie_secure;
    struct cidr trusted_proxies[CONFIG_MAX_PROXIES];
    size_t n_trusted_proxies;
    char *static_dir; /* NULL = serve no SPA */
    char *google_client_id;
    char *google_client_secret;
    char *google_issuer;
    char *google_hosted_domain;
    char *smtp_url;
    char *mail_from;
    enum log_level log_level;
    char *metrics_token;      /* NULL = /metrics is open */
    char *cloud_project;      /* GOOGLE_CLOUD_PROJECT, for trace links in logs; may be NULL */
    char *storage_url;        /* file:PATH or gs://BUCKET (never NULL once loaded) */
    char *gcs_api_url;        /* no trailing slash */
    char *google_credentials; /* path of the service-account key; NULL unless set */

    /* WhatsApp Cloud API (SPEC §11): one Meta app for the whole service. */
    char *whatsapp_app_secret;   /* webhook signatures; NULL = every webhook is refused */
    char *whatsapp_verify_token; /* hub.* handshake; NULL = every handshake is refused */
    char *whatsapp_api_url;      /* Graph API base with its version, no trailing slash */

    /* The agents' language model (SPEC §11): an OpenAI-compatible chat-completions API. */
    char *llm_api_url;                  /* base, no trailing slash; NULL = extractive answers */
    char *llm_api_key;                  /* bearer token; NULL = none sent */
    char *llm_model;                    /* default model of new agents */
    unsigned llm_reply_timeout_s;       /* time budget of one reply, retries included */
    unsigned llm_workspace_concurrency; /* replies of one workspace in flight at once */

    /* Engine and pools. */
    unsigned http_threads;
    unsigned worker_threads;
    unsigned worker_queue;
    unsigned db_pool_size;
    unsigned job_workers;     /* job queue worker threads, each with its own connection; 0 = none */
    char *crm_retry_schedule; /* CRM deliveries' waits between attempts (crm/retry.h) */
    unsigned crm_timeout_s;   /* longest CRM delivery request */
    unsigned max_connections;
    unsigned max_connections_per_ip;
    unsigned connection_timeout_s; /* idle/slow-loris timeout per connection */
    unsigned shutdown_timeout_s;
    unsigned job_timeout_ms; /* deadline of work a suspended request waits for */
    size_t json_body_limit;

    /* Live updates (Server-Sent Events). */
    unsigned events_max_streams;          /* open streams per instance */
    unsigned events_max_streams_per_user; /* open streams per user, per instance */
    unsigned events_recheck_s;   /* how often a stream's session and membership are re-read */
    unsigned events_keepalive_s; /* keep-alive comment period */

    /* Sessions (SPEC §5). */
    unsigned session_idle_s;
    unsigned session_absolute_s;
    unsigned session_short_s;  /* absolute life without "remember me" */
    unsigned reauth_window_s;  /* how recent an authentication sensitive actions need */
    unsigned session_cache_ms; /* life of a session cache entry; 0 = no cache */

    /* Per-IP rate limits: requests per minute (burst = the same number). */
    unsigned rate_general_per_min;
    unsigned rate_auth_per_min;
};

/* Reads a variable; returns NULL when unset. Tests pass their own. */
typedef const char *(*config_getenv_fn)(const char *name);
/* The process environment (getenv): the one place the program reads it. */
const char *config_env(const char *name);

/*
 * Parses every setting through get into *cfg. 0, or E_INVALID with one line
 * naming the setting in err ("invalid PORT: must be 1-65535"). On error the
 * struct is released.
 */
NODISCARD int config_load(struct config *cfg, config_getenv_fn get, char *err, size_t errlen);
/*
 * Dev only, when PILOTO_SECRET is unset: reads the secret kept in dir
 * (".piloto_secret"), creating it with a fresh random value (mode 0600) the
 * first time. 0 or E_INTERNAL with a line in err.
 */
NODISCARD int config_ensure_dev_secret(struct config *cfg, const char *dir, char *err,
                                       size_t errlen);
/* Logs every setting, secrets as "set"/"unset". */
void config_log(const struct config *cfg);
void config_release(struct config *cfg);
/* true when o is one of the allowed app origins. */
bool config_is_app_origin(const struct config *cfg, const struct origin *o);
/* Prints the settings' help (name, default, meaning) to f. */
void config_print_help(FILE *f);

#endif
