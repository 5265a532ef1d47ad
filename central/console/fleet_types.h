/*
 * fleet_types.h - the types of the Fleet (fleet.h), apart, so that its
 * engines (fleet.c's SQLite, fleetsrc_pg.c) share them without depending
 * on the code that calls them (as registry_types.h).
 */
#ifndef SYNAQ_CONSOLE_FLEET_TYPES_H
#define SYNAQ_CONSOLE_FLEET_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char id[65];
    char district[257];
    char label[257];
    char software[32];
    char content[512];  /* "exam:version ..." as the station said it */
    bool revoked;
    bool heard;         /* it has sent a heartbeat by network */
    int64_t enrolled_wall;
    int64_t last_heartbeat;   /* central's clock; 0: never (a stick is not a heartbeat) */
    /* When its highest-numbered result arrived (one look-up in the
     * results' primary key, not a scan of every batch), or the last stick
     * carry-in if later; 0: never. An upload of results central held
     * already does not move it. */
    int64_t last_upload;
    int64_t last_stick;       /* when a stick last carried it in; 0: never */
    int64_t pending;          /* from the last heartbeat */
    int64_t oldest_pending_s; /* its age now; 0: none */
    int64_t disk_free_bytes;  /* from the last heartbeat */
    bool has_skew;
    int64_t skew_s;           /* station clock - central's, at the last heartbeat */
    unsigned attention;       /* FLEET_* bits */
} fleet_station;

/* One stored heartbeat, or the station's last stick carry-in (by_stick:
 * then only received_wall is known; central keeps no heartbeat of a
 * stick, sync/PROTOCOL.md). */
typedef struct {
    int64_t id; /* the heartbeat's row id; 0 for the stick row */
    bool by_stick;
    int64_t received_wall;
    int64_t pending;
    int64_t oldest_pending_s; /* as the station said it then */
    int64_t disk_free_bytes;
    bool has_skew;
    int64_t skew_s;
    char software[32];
} fleet_beat;

#define FLEET_HISTORY_ROWS 50
/* The pending chart's points: at most this many heartbeats, the newest. */
#define FLEET_CHART_POINTS 240

/* A page of the station's heartbeats: those after cursor, oldest first
 * (after), else those before cursor (0: the newest), newest first; at
 * most FLEET_HISTORY_ROWS + 1 into got. *total: all the station's
 * heartbeats; chart: its newest FLEET_CHART_POINTS, oldest first.
 * SQ_ENOTFOUND when cursor is not one of the station's. */
typedef struct {
    fleet_beat got[FLEET_HISTORY_ROWS + 1];
    size_t n;
    int64_t total;
    int64_t chart_t[FLEET_CHART_POINTS], chart_pending[FLEET_CHART_POINTS];
    size_t chart_n;
} fleet_beat_page;

#endif
