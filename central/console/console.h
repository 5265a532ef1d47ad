/*
 * console.h - the staff console's two commands of synaq-central:
 * `user` (accounts, from the command line: user.c) and `console` (the
 * web console, libmicrohttpd: web.c). Files in central's home:
 * console.db (accounts.h), console.key (its audit key), and, read only,
 * central.db and results.db (stats.h). store is central's result store as
 * the other commands have it (--db, $SYNAQ_CENTRAL_DB, else
 * HOME/results.db): a postgresql:// URL puts the accounts, the audit and
 * what the console reads in that database.
 */
#ifndef SYNAQ_CENTRAL_CONSOLE_H
#define SYNAQ_CENTRAL_CONSOLE_H

/* `synaq-central user add|passwd|disable|enable|list|audit ...`. argv[0]
 * is "user". Returns the exit status (0, 1: failed, 2: usage). */
int user_command(const char *home, const char *store, int argc, char **argv);
extern const char user_usage[];

/* `synaq-central console [options]`: serves until SIGTERM or SIGINT.
 * argv[0] is "console". Returns the exit status (0: stopped cleanly,
 * 1: could not start, 2: usage). */
int console_command(const char *home, const char *store, int argc, char **argv);
extern const char console_usage[];

#endif
