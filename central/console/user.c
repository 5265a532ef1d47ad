/*
 * user.c - `synaq-central user`: the console's accounts from the command
 * line, for the first admin and for a machine with no browser. Every
 * change goes into the console's audit log, with the Unix user who made
 * it, in the same transaction as the change.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "cstore.h"
#include "console.h"
#include "password.h"
#include "stats.h"

const char user_usage[] =
    "  user add NAME --role admin|staff|district [--district NAME]\n"
    "                     add a console account; the password is read from the terminal\n"
    "                     (twice, without echo) or the first line of standard input\n"
    "  user passwd NAME   set a new password for an account\n"
    "  user disable NAME | user enable NAME\n"
    "                     refuse (or allow again) an account's logins\n"
    "  user list          the accounts\n"
    "  user audit         the console's audit log, its chain checked\n";

static int say(const char *what, const sq_err *e)
{
    fprintf(stderr, "synaq-central user %s: %s\n", what, e->msg);
    return 1;
}

/* The accounts: console.db in the home, or central's PostgreSQL database
 * when the store is a URL; the audit key is a file in the home either way. */
static void paths(const char *home, const char *store, char *db, char *key, size_t len)
{
    if (cstore_is_url(store))
        snprintf(db, len, "%s", store);
    else
        snprintf(db, len, "%s/console.db", home);
    snprintf(key, len, "%s/console.key", home);
}

/* "cli:NAME": who ran the command (the Unix account). */
static void actor(char *out, size_t len)
{
    struct passwd *pw = getpwuid(getuid());
    snprintf(out, len, "cli:%s", pw && pw->pw_name ? pw->pw_name : "?");
}

static int list_one(void *ctx, const accounts_user *u)
{
    (void)ctx;
    printf("%-20s %-8s %-8s %s\n", u->name, accounts_role_name(u->role),
           u->disabled ? "disabled" : "active", u->district);
    return 0;
}

static int audit_one(void *ctx, int64_t n, const accounts_audit *l)
{
    (void)ctx;
    char when[32];
    time_t t = (time_t)l->wall_s;
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)n, when, l->actor, l->action, l->outcome,
           l->detail);
    return 0;
}

int user_command(const char *home, const char *store, int argc, char **argv)
{
    static const struct option lo[] = {{"role", 1, 0, 'r'}, {"district", 1, 0, 'd'}, {0, 0, 0, 0}};
    const char *role_s = NULL, *district = NULL;
    int c;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'r')
            role_s = optarg;
        else if (c == 'd')
            district = optarg;
        else
            goto usage;
    }
    if (optind >= argc)
        goto usage;
    const char *verb = argv[optind];
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int n_args = argc - optind - 1;
    bool is_add = !strcmp(verb, "add");
    bool needs_name =
        is_add || !strcmp(verb, "passwd") || !strcmp(verb, "disable") || !strcmp(verb, "enable");
    bool bare = !strcmp(verb, "list") || !strcmp(verb, "audit");
    if ((needs_name && n_args != 1) || (bare && n_args != 0) || (!needs_name && !bare) ||
        (!is_add && (role_s || district)))
        goto usage;

    char db[4200], key[4200], who[80], detail[512];
    sq_err e;
    accounts *a = NULL;
    char *pw = NULL;
    int rc = 1;
    paths(home, store, db, key, sizeof db);
    actor(who, sizeof who);
    if (needs_name && !accounts_name_valid(name)) {
        fprintf(stderr,
                "synaq-central user: '%s' is not a user name (1 to 64 of a-z 0-9 . _ -, "
                "not starting with . or -)\n",
                name);
        return 2;
    }
    if (bare) {
        if (accounts_open(db, key, true, &a, &e))
            return say(verb, &e);
        if (!strcmp(verb, "list")) {
            rc = accounts_user_each(a, list_one, NULL, &e) ? say(verb, &e) : 0;
        } else {
            int64_t lines = 0, bad = 0;
            if (accounts_audit_each(a, audit_one, NULL, &e)) {
                rc = say(verb, &e);
            } else if (accounts_audit_check(a, &lines, &bad, &e)) {
                rc = say(verb, &e);
            } else {
                printf("audit chain checked: %lld line(s), intact\n", (long long)lines);
                rc = 0;
            }
        }
        accounts_close(a);
        return rc;
    }

    mkdir(home, 0700);
    if (accounts_open(db, key, false, &a, &e)) {
        rc = say(verb, &e);
        goto out;
    }
    accounts_audit why = {(int64_t)time(NULL), who, verb, "ok", detail};
    if (is_add) {
        int role = accounts_role_parse(role_s);
        if (role < 0 || (role == ACCOUNTS_DISTRICT) != (district != NULL)) {
            fprintf(stderr, "synaq-central user add: --role admin, staff or district, and "
                            "--district NAME with district (and only with it)\n");
            rc = 2;
            goto out;
        }
        size_t dl = district ? strlen(district) : 0;
        if (district &&
            (dl == 0 || dl > ACCOUNTS_DISTRICT_MAX || sq_utf8_prefix(district, dl) != dl)) {
            fprintf(stderr, "synaq-central user add: a district name is 1 to 256 bytes of UTF-8\n");
            rc = 2;
            goto out;
        }
        accounts_user u, old;
        if (accounts_user_get(a, name, &old, NULL) == SQ_OK) {
            fprintf(stderr, "synaq-central user add: a user '%s' exists already\n", name);
            goto out;
        }
        memset(&u, 0, sizeof u);
        snprintf(u.name, sizeof u.name, "%s", name);
        u.role = (accounts_role)role;
        snprintf(u.district, sizeof u.district, "%s", district ? district : "");
        u.created_wall_s = u.changed_wall_s = why.wall_s;
        const char *bad_why;
        if (password_read("password for the new account: ", 1, &pw, &e)) {
            rc = say(verb, &e);
            goto out;
        }
        if (!password_acceptable(pw, &bad_why)) {
            fprintf(stderr, "synaq-central user add: %s\n", bad_why);
            goto out;
        }
        if (password_hash(pw, u.pwhash, &e)) {
            rc = say(verb, &e);
            goto out;
        }
        snprintf(detail, sizeof detail, "user %s, role %s%s%s", name, accounts_role_name(u.role),
                 district ? ", district " : "", district ? district : "");
        if (accounts_user_add(a, &u, &why, &e)) {
            rc = say(verb, &e);
            goto out;
        }
        printf("user %s added (%s%s%s)\n", name, accounts_role_name(u.role),
               district ? ", district " : "", district ? district : "");
        rc = 0;
        /* A district account sees the stations enrolled under exactly
         * that name: a spelling that matches none is said at once. */
        stats *sts = NULL;
        int64_t n_st = 0;
        if (district && stats_open(home, store, &sts, NULL) == SQ_OK &&
            stats_district_stations(sts, district, &n_st, NULL) == SQ_OK && n_st == 0)
            fprintf(stderr,
                    "synaq-central user add: note: no station is enrolled in district '%s' "
                    "(yet); the account sees only stations enrolled with exactly that name "
                    "(synaq-central stations lists them)\n",
                    district);
        stats_close(sts);
    } else if (!strcmp(verb, "passwd")) {
        accounts_user u;
        const char *bad_why;
        char hash[PASSWORD_HASH_MAX];
        if (accounts_user_get(a, name, &u, &e)) {
            rc = say(verb, &e);
            goto out;
        }
        if (password_read("new password: ", 1, &pw, &e)) {
            rc = say(verb, &e);
            goto out;
        }
        if (!password_acceptable(pw, &bad_why)) {
            fprintf(stderr, "synaq-central user passwd: %s\n", bad_why);
            goto out;
        }
        if (password_hash(pw, hash, &e)) {
            rc = say(verb, &e);
            goto out;
        }
        snprintf(detail, sizeof detail, "user %s", name);
        if (accounts_user_set_hash(a, name, hash, &why, &e)) {
            rc = say(verb, &e);
            goto out;
        }
        printf("password of %s changed\n", name);
        rc = 0;
    } else {
        bool dis = !strcmp(verb, "disable");
        snprintf(detail, sizeof detail, "user %s", name);
        if (accounts_user_set_disabled(a, name, dis, &why, &e)) {
            rc = say(verb, &e);
            goto out;
        }
        printf("user %s %s\n", name, dis ? "disabled: its logins are refused" : "enabled");
        rc = 0;
    }
out:
    sq_passphrase_free(pw);
    accounts_close(a);
    return rc;
usage:
    fprintf(stderr, "usage: synaq-central user ...\n%s", user_usage);
    return 2;
}
