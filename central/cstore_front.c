/*
 * cstore_front.c - the front of central's result store (cstore.h): picks
 * the backend from what it is given to open, a PostgreSQL URL
 * (postgresql://, postgres://; cstore_pg.c) or else a SQLite file
 * (cstore_sqlite.c), then calls through the handle's table of functions
 * (cstore_int.h). It holds no state of its own.
 *
 * Why not cstore.c: the module cstore (cstore.h, cstore_int.h) is what
 * the backends build on, and the front calls the backends; were the front
 * cstore.c, the two would depend on each other (scripts/check-includes).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cstore_int.h"

bool cstore_is_url(const char *path)
{
    return path && (strncasecmp(path, "postgresql://", 13) == 0 ||
                    strncasecmp(path, "postgres://", 11) == 0);
}

void cstore_where(const char *path, char *out, size_t cap)
{
    if (cstore_is_url(path))
        cstore_pg_where(path, out, cap);
    else if (cap)
        snprintf(out, cap, "%s", path ? path : "");
}

sq_status cstore_open(const char *path, int flags, cstore **out, sq_err *err)
{
    *out = NULL;
    if (!path || !*path) {
        if (err) {
            snprintf(err->msg, sizeof err->msg, "result store: no path or URL given");
            err->code = SQ_EINVAL;
        }
        return SQ_EINVAL;
    }
    sq_status st = cstore_is_url(path) ? cstore_pg_open(path, flags, out, err)
                                       : cstore_sqlite_open(path, flags, out, err);
    if (!st) {
        (*out)->hb_keep = CSTORE_HB_KEEP;
        (*out)->hb_days = CSTORE_HB_DAYS;
    }
    return st;
}

sq_status cstore_set_heartbeat_cap(cstore *cs, int64_t keep, int64_t days, sq_err *err)
{
    /* A day is 86,400 s: days past a million years would overflow the
     * statement's arithmetic. */
    if (keep < 1 || days < 0 || days > 365LL * 1000000) {
        if (err) {
            snprintf(err->msg, sizeof err->msg,
                     "heartbeat history: keep at least 1 heartbeat (not %lld) and 0 or more "
                     "days (not %lld)",
                     (long long)keep, (long long)days);
            err->code = SQ_EINVAL;
        }
        return SQ_EINVAL;
    }
    cs->hb_keep = keep;
    cs->hb_days = days;
    return SQ_OK;
}

sq_status cstore_stick_latest(cstore *cs, const char *station_id, int64_t *received_wall_s,
                              sq_err *err)
{
    return cs->ops->stick_latest(cs, station_id, received_wall_s, err);
}

void cstore_close(cstore *cs)
{
    if (cs)
        cs->ops->close(cs);
}

const char *cstore_engine(const cstore *cs)
{
    return cs ? cs->ops->engine : "";
}

sq_status cstore_put_upload(cstore *cs, const cstore_upload *up, cstore_ack *ack, sq_err *err)
{
    return cs->ops->put_upload(cs, up, ack, err);
}

sq_status cstore_highest(cstore *cs, const char *station_id, int64_t *highest, sq_err *err)
{
    return cs->ops->highest(cs, station_id, highest, err);
}

sq_status cstore_heartbeat_latest(cstore *cs, const char *station_id, sq_heartbeat *hb,
                                  int64_t *received_wall_s, sq_err *err)
{
    return cs->ops->heartbeat_latest(cs, station_id, hb, received_wall_s, err);
}

sq_status cstore_each_heartbeat(cstore *cs, const char *station_id, cstore_heartbeat_fn fn,
                                void *ctx, sq_err *err)
{
    return cs->ops->each_heartbeat(cs, station_id, fn, ctx, err);
}

sq_status cstore_each_result(cstore *cs, const char *station_id, int64_t after_seq,
                             cstore_result_fn fn, void *ctx, sq_err *err)
{
    return cs->ops->each_result(cs, station_id, after_seq, fn, ctx, err);
}

sq_status cstore_batch_known(cstore *cs, const char *batch_id, bool *known, uint8_t *sha256,
                             sq_err *err)
{
    return cs->ops->batch_known(cs, batch_id, known, sha256, err);
}
