/*
 * cstore_tables.c - the result store's tables as the copy sees them
 * (cstore_int.h: cstore_tables), the same for both backends: columns,
 * their kinds and the order rows are walked in. A file of its own because
 * the backends and cstore_copy.c read it and the front calls the backends:
 * in cstore_front.c it would close a circle (scripts/check-includes).
 */
#include "cstore_int.h"

const cstore_table_spec cstore_tables[CSTORE_N_TABLES] = {
    [CSTORE_T_BATCHES] = {"batches",
                          "batch_id, station_id, sha256, len_bytes, n_results,"
                          " received_wall",
                          "ttbiii", "batch_id"},
    [CSTORE_T_RESULTS] = {"results", "station_id, seq, sealed, batch_id, received_wall", "tibti",
                          "station_id, seq"},
    [CSTORE_T_PROGRESS] = {"progress", "station_id, highest", "ti", "station_id"},
    [CSTORE_T_HEARTBEATS] = {"heartbeats",
                             "id, station_id, received_wall, software, content, pending,"
                             " oldest_pending_s, disk_free_bytes, station_wall_s, last_seq,"
                             " counter, integrity",
                             "itittiiiiiii", "id"},
    [CSTORE_T_HB_LATEST] = {"heartbeat_latest",
                            "station_id, heartbeat_id, received_wall, software, content, pending,"
                            " oldest_pending_s, disk_free_bytes, station_wall_s, last_seq,"
                            " counter, integrity",
                            "tiittiiiiiii", "station_id"},
    [CSTORE_T_STICK_LATEST] = {"stick_latest", "station_id, received_wall, batch_id", "tit",
                               "station_id"},
};
