/*
 * accounts_types.h - the types of the console's accounts (accounts.h),
 * apart, so that the engines (accounts.c's SQLite, accounts_pg.c) and
 * the audit chain (accounts_chain.h) share them without depending on the
 * front that calls them (as registry_types.h for the registry).
 */
#ifndef SYNAQ_CONSOLE_ACCOUNTS_TYPES_H
#define SYNAQ_CONSOLE_ACCOUNTS_TYPES_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    ACCOUNTS_ADMIN = 0,
    ACCOUNTS_STAFF,
    ACCOUNTS_DISTRICT,
    ACCOUNTS_NROLES
} accounts_role;

#define ACCOUNTS_NAME_MAX 64      /* bytes of a user name, at most */
#define ACCOUNTS_DISTRICT_MAX 256 /* bytes of a district name, at most */
#define ACCOUNTS_HASH_MAX 128     /* crypto_pwhash_STRBYTES */

typedef struct {
    char name[ACCOUNTS_NAME_MAX + 1];
    accounts_role role;
    char district[ACCOUNTS_DISTRICT_MAX + 1]; /* ACCOUNTS_DISTRICT only; else "" */
    bool disabled;
    char pwhash[ACCOUNTS_HASH_MAX]; /* crypto_pwhash_str's string */
    int64_t created_wall_s;
    int64_t changed_wall_s;
} accounts_user;

/* One line of the audit log. Strings are borrowed for the call. */
typedef struct {
    int64_t wall_s;
    const char *actor;   /* "cli:root", "web:alice", "web:?" */
    const char *action;  /* "login", "login-failed", "logout", "user-add", ... */
    const char *outcome; /* "ok", "refused", ... */
    const char *detail;  /* free text: the address, the user changed, why */
} accounts_audit;

/* Called for each user or audit line of a walk; non-zero stops it. */
typedef int (*accounts_user_fn)(void *ctx, const accounts_user *u);
typedef int (*accounts_audit_fn)(void *ctx, int64_t n, const accounts_audit *line);

#endif
