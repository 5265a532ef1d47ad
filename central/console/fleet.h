/*
 * fleet.h - the Fleet page and a station's heartbeat history (issue 9):
 * every enrolled station with what its last heartbeat said, sorted by
 * "needs attention", and the heartbeats central keeps of one station.
 *
 * Read through the console's reading handle (stats.h: src), on either
 * engine (stats_int.h). SQLite: central.db and results.db read-only
 * (mode=ro), on a connection of the call's own (no shared state, no
 * lock), so the console never writes or checkpoints them; a file not
 * there yet reads as no stations or no heartbeats. PostgreSQL: the
 * handle's read-only session.
 *
 * Clock skew: a heartbeat carries the station's wall clock when the
 * station made it (station_wall_s, sync/PROTOCOL.md); central stores its
 * own clock when it stored the upload (received_wall). skew =
 * station_wall_s - received_wall, in whole seconds: positive, the station
 * is ahead. The request's travel time is not measured (the heartbeat is
 * made just before the upload is sent); it counts as the station being
 * behind by that long, seconds against the minutes of the threshold.
 * A heartbeat with no station clock (0) has no skew.
 *
 * The HTML of both (fleet_html_*) goes through html.h like every page;
 * the texts come from the caller's catalogue by key.
 */
#ifndef SYNAQ_CONSOLE_FLEET_H
#define SYNAQ_CONSOLE_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <synaq/synaq.h>

#include "fleet_types.h"
#include "html.h"
#include "stats.h"

/* What makes a station need attention, most pressing first (the rank
 * sorts by these bits, high to low). */
enum {
    FLEET_OLDEST = 1 << 0,  /* its oldest waiting result is older than oldest_max_s */
    FLEET_WAITING = 1 << 1, /* at least waiting_many results waiting */
    FLEET_DISK = 1 << 2,    /* free disk under disk_low_bytes */
    FLEET_SKEW = 1 << 3,    /* clock off by more than skew_max_s either way */
    FLEET_SILENT = 1 << 4,  /* no heartbeat by network for silent_after_s */
    FLEET_REVOKED = 1 << 5
};
#define FLEET_N_REASONS 6

typedef struct {
    int64_t now;            /* central's clock (the caller's: tests set it) */
    int64_t silent_after_s; /* the Overview's silent threshold */
    int64_t skew_max_s;
    int64_t disk_low_bytes;
    int64_t waiting_many;
    int64_t oldest_max_s;
} fleet_limits;

/* The defaults (the console's silent threshold is its --silent-days). */
#define FLEET_SKEW_MAX_S (5 * 60)
#define FLEET_DISK_LOW_BYTES ((int64_t)1 << 30)
#define FLEET_WAITING_MANY 50
#define FLEET_OLDEST_MAX_S (3 * 86400)


/* The stations of the district (NULL: all), most needing attention
 * first: by the attention bits (revoked, silent, skew, disk, waiting,
 * oldest), then most results waiting, then id. Caller frees *out. */
sq_status fleet_list(stats *src, const char *district, const fleet_limits *l,
                     fleet_station **out, size_t *n, sq_err *err) SQ_MUST_CHECK;

/* One station (revoked too), as fleet_list has it; SQ_ENOTFOUND for an id
 * not enrolled. */
sq_status fleet_get(stats *src, const char *station_id, const fleet_limits *l,
                    fleet_station *s, sq_err *err) SQ_MUST_CHECK;

/* The attention bits of one station (fleet_list sets them). */
unsigned fleet_attention(const fleet_station *s, const fleet_limits *l);


typedef struct {
    fleet_beat rows[FLEET_HISTORY_ROWS + 1]; /* + the stick row where it falls */
    size_t n;
    int64_t older;   /* id for the next page (before=older); 0: none */
    int64_t newer;   /* the first id of the page before it (after=); 0: none */
    int64_t total;   /* heartbeats kept for the station */
    /* The chart: the newest heartbeats, oldest first. */
    int64_t chart_t[FLEET_CHART_POINTS], chart_pending[FLEET_CHART_POINTS];
    size_t chart_n;
} fleet_history;

/* A page of the station's heartbeats, newest first: the newest (before
 * and after 0), those with id < before, or those with id > after (the
 * page before). An id that is not one of the station's heartbeats:
 * SQ_ENOTFOUND. The stick row goes in the page whose times it falls
 * between. */
sq_status fleet_history_get(stats *src, const char *station_id, int64_t before,
                            int64_t after, int64_t last_stick, fleet_history *h,
                            sq_err *err) SQ_MUST_CHECK;

/* The texts of the catalogue by key, in the page's language. */
typedef const char *(*fleet_tr_fn)(const void *ctx, const char *key);
typedef struct {
    fleet_tr_fn tr;
    const void *ctx;
    int64_t now;
    const fleet_limits *limits;
} fleet_text;

/* The Fleet page's body: the title, the scope (district NULL: all), how
 * many, the order's rules (silent_days: the console's threshold), page
 * (1-based) of v cut in rows of per_page, and the links to every page
 * of `here` (the page's own URL, its query already percent-encoded). */
void fleet_html_list(html_buf *b, const fleet_text *t, const char *district,
                     const char *silent_days, const fleet_station *v, size_t n, size_t page,
                     size_t per_page, const char *here);
/* The Fleet table (id="fleet-all"), one row per station. */
void fleet_html_table(html_buf *b, const fleet_text *t, const fleet_station *s, size_t n);
/* The station's facts the fleet adds to its page (dt/dd pairs). */
void fleet_html_facts(html_buf *b, const fleet_text *t, const fleet_station *s);
/* The history table (id="history") and the pending chart (an inline SVG,
 * id="pending-chart"), with links to the older and newer pages of
 * /station/ID. */
void fleet_html_history(html_buf *b, const fleet_text *t, const char *station_id,
                        const fleet_history *h);

#endif
