/*
 * config.h - synaq-syncd's configuration file: "key = value" lines, '#'
 * comments. Unknown keys and bad values are errors naming file and line.
 */
#ifndef SYNAQ_SYNC_CONFIG_H
#define SYNAQ_SYNC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char central_url[512];    /* https://central.example/ (required) */
    char ca_file[512];        /* CA bundle for TLS; "" = the system's */
    int batch_results;        /* results per batch (1..SQ_BATCH_MAX_RESULTS) */
    int interval_s;           /* wake-up without news (10..86400) */
    int retry_min_s, retry_max_s;
    int low_speed_bytes, low_speed_s; /* abort a transfer slower than this */
    int connect_timeout_s;
    int probe_timeout_s;
    int retry_after_max_s;    /* the longest Retry-After honoured (1..86400) */
    bool fetch_bundles;
    /* Several batches in one POST (PROTOCOL.md, "Several uploads in one
     * request"), each request sized to take about upload_seconds at the
     * bandwidth measured; no: one batch a POST after a health probe (the
     * behaviour before it, and what a receiver of an older build gets
     * after it refuses the first). */
    bool upload_multi;
    int upload_seconds; /* 2..600 */
    /* Plain http:// to a host other than this one: acknowledgements are
     * signed, but results and heartbeats go over the wire unencrypted;
     * only for a reverse proxy on the same machine, and logged loudly. */
    bool allow_insecure_http;
} sync_config;

void config_defaults(sync_config *c);
/* Whether url names this machine (127.0.0.0/8, [::1], localhost). */
bool config_url_is_loopback(const char *url);
/* 0 on success; else err says FILE:LINE: what. */
int config_load(const char *path, sync_config *c, char *err, size_t err_len);

#endif
