/*
 * update.h - synaqctl's `update` command (update.c): signed software
 * updates staged, checked and installed with dpkg.
 */
#ifndef SYNAQCTL_UPDATE_H
#define SYNAQCTL_UPDATE_H

#include "synaq/keys.h"
#include "synaq/station.h"
#include "synaq/store.h"

/* The exit status of an update that waits (an attempt is open). */
#define UPDATE_DEFERRED 75

/* `synaqctl update SUBCOMMAND ...` (argv[0] is "update") on an open
 * station. Returns the exit status. */
int update_main(int argc, char **argv, const sq_station_paths *paths, sq_station_keys *k,
                sq_store *s);

#endif
