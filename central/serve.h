/*
 * serve.h - `synaq-central serve`: the receiver. An HTTP server
 * (libmicrohttpd) implementing sync/PROTOCOL.md: signed uploads stored once
 * in central's result store (cstore.h), each station's highest stored
 * sequence number, and bundle downloads with HTTP Range.
 *
 * Files in central's home: central.db (the station registry, read only
 * here: enroll and revoke write it while the receiver runs) and results.db
 * (the result store, written by the receiver alone), unless --db names a
 * PostgreSQL database, which any number of receivers share.
 *
 * Bundles (--bundles DIR): DIR/all/NAME.sqb are offered to every station,
 * DIR/ID/NAME.sqb to station ID only. GET /v1/bundles?station=ID lists
 * both (a station's own file wins over one of the same name in all/);
 * GET /v1/bundles/NAME?station=ID fetches from DIR/ID then DIR/all
 * (without ?station= from DIR/all only). Names are [A-Za-z0-9._-], end in
 * ".sqb" and do not start with '.'; symbolic links are not followed.
 */
#ifndef SYNAQ_CENTRAL_SERVE_H
#define SYNAQ_CENTRAL_SERVE_H

/* Runs the receiver until SIGTERM or SIGINT. argv[0] is "serve"; options
 * as in serve_usage. home: central's home folder. db: the result store, a
 * file or a postgresql:// URL (cstore.h), borrowed; NULL: home/results.db;
 * serve's own --db wins over it. Returns the process's exit status (0:
 * stopped cleanly; 1: could not start; 2: bad usage). */
int serve_command(const char *home, const char *db, int argc, char **argv);

/* The options, for the command's usage text. */
extern const char serve_usage[];

#endif
