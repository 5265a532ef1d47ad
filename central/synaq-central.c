/*
 * synaq-central - central's tool: make central's keys, enrol stations, build
 * exam bundles from sources, open the results that stations send, and run
 * the network receiver (serve.c). It uses only libsynaq's public
 * API, its own station registry and its result store.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "backup.h"
#include "cstore.h"
#include "cstore_copy.h"
#include "registry.h"
#include "reports_db.h"
#include "serve.h"
#include "console.h"
#include "accounts.h"
#include "moodle.h"
#include "synaq/bundle.h"
#include "synaq/examset.h"
#include "synaq/identity.h"
#include "synaq/keys.h"
#include "update.h"
#include "events_report.h"
#include "synaq/batch.h"
#include "synaq/result.h"
#include "synaq/usb.h"

static const char *home;
static char keys_dir[4096], registry_path[4096];
/* The result store: --db, else $SYNAQ_CENTRAL_DB, else DIR/results.db. */
static const char *db_opt;
static char results_path[4200];

static int usage(FILE *f)
{
    fprintf(f,
            "usage: synaq-central [--home DIR] [--db FILE|URL] COMMAND ...\n"
            "\n"
            "commands:\n"
            "  keygen [--upgrade | --new-ack-key]\n"
            "                     make central's keys in DIR/keys (signing, results, ack);\n"
            "                     --upgrade brings a key folder of an earlier build up to date,\n"
            "                     --new-ack-key replaces the receiver's ack key\n"
            "  enroll REQUEST --station-id ID --district NAME [--replace] [-o CERT]\n"
            "                     sign a station's enrolment request (certificate defaults to\n"
            "                     DIR/certs/ID.cert); an id enrolled or revoked already is\n"
            "                     refused unless --replace (new keys for it; the old revoked)\n"
            "  enroll-usb STICK --station-id ID --district NAME [--request FP] [--replace]\n"
            "                     [-o CERT]\n"
            "                     the same for the request a station wrote to a stick\n"
            "                     (STICK/synaq/enrol/FP.req); the certificate goes back beside it\n"
            "  prepare-stick STICK [BUNDLE...]\n"
            "                     put central.pub (for new stations) and bundles on a stick\n"
            "  stations [--audit] list the enrolled stations; --audit: what was done to the\n"
            "                     registry (enrol, replace, revoke), when and by whom\n"
            "  revoke ID          revoke a station: its uploads are refused from then on\n"
            "  status [--db FILE|URL] [ID...]\n"
            "                     when each station was last heard by network (its heartbeat)\n"
            "                     and last carried in by stick (ingest), apart\n"
            "  bundle build SOURCE... --stations CERT... -o FILE\n"
            "                     check exam sources and build a bundle for those stations\n"
            "  bundle check SOURCE...\n"
            "                     only check exam sources\n"
            "  update build --deb FILE.deb [--deb FILE.deb...] [--version V] [--allow-downgrade]\n"
            "         -o FILE.squ\n"
            "                     a software update for the stations: the packages and their\n"
            "                     manifest, signed with central's signing key\n"
            "  update show FILE.squ\n"
            "                     check an update against central's key and list it\n"
            "  import gift|aiken [--lang kk|ru|en] FILE... [--lang L FILE...] [-o SOURCE]\n"
            "         [--id ID] [--title TEXT] [--version N] [--time-limit MIN]\n"
            "         [--pass-mark PCT] [--attempts N] [--review-after MODE]\n"
            "         [--per-topic N] [--strict]\n"
            "                     write an exam source (YAML) from Moodle GIFT or Aiken files,\n"
            "                     checked as bundle check does; --lang says the language of the\n"
            "                     files after it, and files of several languages are merged (GIFT\n"
            "                     by ::title::, Aiken in order). Questions Synaq cannot give\n"
            "                     (essay, numerical, matching, short answer, cloze, description)\n"
            "                     are reported and left out, or refused with --strict.\n"
            "                     Defaults: id and title from the first file's name, version 1,\n"
            "                     no time limit, pass mark 70, unlimited attempts; stdout\n"
            "                     without -o. See central/README.md, \"Importing questions\n"
            "                     from Moodle\"\n"
            "  roster codes SOURCE [-o CSV]\n"
            "                     the invitation codes of an exam with 'identity: code', as a\n"
            "                     printable CSV (id, name, district, code); needs sign.key.\n"
            "                     The same codes every time: print them again at will\n"
            "  ingest [--db FILE|URL] STICK\n"
            "                     store results exported to a USB stick (STICK/synaq/*/outgoing)\n"
            "                     exactly as uploads, and write acknowledgements beside them\n"
            "  open-results [--received] [--db FILE|URL] [BATCH...] [-o CSV]\n"
            "         [--practice CSV]\n"
            "                     verify and open results as CSV: those the receiver stored\n"
            "                     (--received) and those in batch files; practice records go\n"
            "                     to the --practice CSV only, never among the results\n"
            "  open-results --into REPORTS.DB [--db FILE|URL]\n"
            "                     verify and open what the receiver stored into REPORTS.DB\n"
            "                     (made if missing), the console's opened results, practice\n"
            "                     records in a table of their own; a second run adds only what\n"
            "                     is new\n"
            "  migrate-store [--from FILE|URL] --to FILE|URL\n"
            "                     copy the result store (default: the one in use) into an empty\n"
            "                     one, e.g. a pilot's results.db into PostgreSQL; verified by\n"
            "                     row counts and a SHA-256 over every row\n"
            "  backup DEST        copy the home (keys, certificates, every SQLite database with\n"
            "                     SQLite's online backup, each checked) into the new folder DEST,\n"
            "                     with a MANIFEST of SHA-256s; a PostgreSQL store: see pg_dump\n"
            "  restore SRC        check the backup SRC against its MANIFEST, then copy it into\n"
            "                     DIR, which must not hold central's files yet\n"
            "%s%s%s%s"
            "\n"
            "DIR defaults to $SYNAQ_CENTRAL_HOME or /var/lib/synaq-central. The public keys\n"
            "every station must trust are in DIR/keys/central.pub. The receiver keeps what\n"
            "it receives in the result store: DIR/results.db (SQLite, one receiver), or the\n"
            "PostgreSQL database of a URL postgresql://... (any number of receivers), given\n"
            "with --db (before or after the command) or $SYNAQ_CENTRAL_DB.\n",
            serve_usage, user_usage, console_usage, events_report_usage);
    return f == stderr ? 2 : 0;
}

/* Where the result store is: db (a file or a postgresql:// URL), or
 * DIR/results.db when db is NULL. */
static void set_db(const char *db)
{
    if (db)
        snprintf(results_path, sizeof results_path, "%s", db);
    else
        snprintf(results_path, sizeof results_path, "%s/results.db", home);
}

/* Opens the station registry (registry_path): on PostgreSQL, a
 * central.db left in the home from the SQLite days is taken into the
 * database first, once (registry_adopt), and the operator told. */
static sq_status reg_open(bool readonly, registry **out, sq_err *e)
{
    if (cstore_is_url(registry_path)) {
        char legacy[4200];
        int64_t moved = 0;
        snprintf(legacy, sizeof legacy, "%s/central.db", home);
        sq_status st = registry_adopt(registry_path, legacy, &moved, e);
        if (st)
            return st;
        if (moved)
            fprintf(stderr,
                    "synaq-central: the station registry moved from %s into the database "
                    "(%lld station(s), their keys and audit); the file is no longer read\n",
                    legacy, (long long)moved);
    }
    return readonly ? registry_open_readonly(registry_path, out, e)
                    : registry_open(registry_path, out, e);
}

static int fail(const sq_err *e)
{
    fprintf(stderr, "synaq-central: %s\n", e->msg);
    return 1;
}

static int cmd_keygen(int argc, char **argv)
{
    static const struct option lo[] = {
        {"upgrade", 0, 0, 'u'}, {"new-ack-key", 0, 0, 'a'}, {0, 0, 0, 0}};
    bool upgrade = false, new_ack = false;
    int c;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'u')
            upgrade = true;
        else if (c == 'a')
            new_ack = upgrade = true;
        else
            return usage(stderr);
    }
    if (optind != argc)
        return usage(stderr);
    sq_err e;
    char what[256];
    mkdir(home, 0700);
    if (upgrade ? sq_central_keys_upgrade(keys_dir, new_ack, what, sizeof what, &e)
                : sq_central_keygen(keys_dir, &e))
        return fail(&e);
    uint8_t s[32], r[32];
    char path[4200], fp[SQ_FINGERPRINT_LEN + 1];
    snprintf(path, sizeof path, "%s/central.pub", keys_dir);
    if (sq_central_pub_load(path, s, r, &e))
        return fail(&e);
    sq_central_fingerprint(s, r, fp);
    if (upgrade)
        printf("%s: %s\n", keys_dir, what);
    else
        printf("central keys written to %s (sign.key, results.key, ack.key, central.pub)\n",
               keys_dir);
    printf("central key fingerprint: %s\n"
           "install %s on every station (synaqctl init --central) and compare this\n"
           "fingerprint with the one the station shows; the receiver needs only central.pub\n"
           "and ack.key\n",
           fp, path);
    return 0;
}

/* Reads a whole file of at most max bytes (a bigger one is refused, not
 * cut), saying why not on stderr. Caller frees *buf. */
static int read_all(const char *path, size_t max, uint8_t **buf, size_t *len)
{
    sq_err e;
    if (sq_file_read(path, max, buf, len, &e)) {
        fprintf(stderr, "synaq-central: %s\n", e.msg);
        return -1;
    }
    return 0;
}

/* Takes back the certificate enroll-usb wrote beside a request on the
 * stick when the registry then refused it: STICK/synaq/enrol/FP.cert,
 * removed only when synaq and enrol are real folders (never through a
 * link) and it is a regular file. */
static void unlink_stick_cert(const char *stick, const sq_cert *cert)
{
    char fp[SQ_FINGERPRINT_LEN + 1], path[4400];
    struct stat sb;
    sq_fingerprint(cert->sign_pk, fp);
    snprintf(path, sizeof path, "%s/synaq", stick);
    if (lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return;
    snprintf(path, sizeof path, "%s/synaq/enrol", stick);
    if (lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return;
    snprintf(path, sizeof path, "%s/synaq/enrol/%s.cert", stick, fp);
    if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
        unlink(path);
}

/* enroll REQUEST, or enroll-usb STICK (by_stick): the request on the
 * stick, and the certificate written back beside it. */
static int cmd_enroll(int argc, char **argv, bool by_stick)
{
    static const struct option lo[] = {{"station-id", 1, 0, 's'}, {"district", 1, 0, 'd'},
                                       {"out", 1, 0, 'o'},        {"request", 1, 0, 'r'},
                                       {"replace", 0, 0, 'R'},    {0, 0, 0, 0}};
    const char *id = NULL, *district = NULL, *out = NULL, *fp = NULL;
    bool replace = false;
    char out_buf[4200];
    int c;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
        if (c == 's')
            id = optarg;
        else if (c == 'd')
            district = optarg;
        else if (c == 'o')
            out = optarg;
        else if (c == 'r' && by_stick)
            fp = optarg;
        else if (c == 'R')
            replace = true;
        else
            return usage(stderr);
    }
    if (optind != argc - 1 || !id || !district) {
        fprintf(stderr, "synaq-central %s: %s, --station-id and --district are required\n",
                by_stick ? "enroll-usb" : "enroll", by_stick ? "STICK" : "REQUEST");
        return 2;
    }
    sq_err e;
    sq_central_keys *k = NULL;
    registry *reg = NULL;
    sq_cert cert;
    int rc = 1;
    if (sq_central_open(keys_dir, SQ_CENTRAL_SIGN, &k, &e) ||
        reg_open(false, &reg, &e)) {
        fail(&e);
        goto out;
    }
    /* Asked before a certificate is made: a revoked station stays
     * revoked, and a known id gets new keys only on purpose. */
    int state = registry_station_state(reg, id);
    if (state > 0 && !replace) {
        fprintf(stderr,
                state == 2 ? "synaq-central: station id '%s' was revoked; it stays revoked "
                             "(--replace enrols new keys under it on purpose)\n"
                           : "synaq-central: station id '%s' is enrolled already (--replace "
                             "enrols new keys under it on purpose; the old ones are revoked)\n",
                id);
        goto out;
    }
    /* The certificate is made under a temporary name and takes its place
     * (the old one renamed beside it) only once the registry took it: a
     * refusal there (the same keys again, a read error) leaves the
     * certificates as they were. */
    char tmp_cert[4300], old_cert[4300] = "";
    if (!out) {
        snprintf(out_buf, sizeof out_buf, "%s/certs", home);
        mkdir(out_buf, 0755);
        snprintf(out_buf, sizeof out_buf, "%s/certs/%s.cert", home, id);
        if (replace && state > 0)
            snprintf(old_cert, sizeof old_cert, "%s.replaced-%lld", out_buf, (long long)time(NULL));
        out = out_buf;
    }
    snprintf(tmp_cert, sizeof tmp_cert, "%s.new-%ld", out, (long)getpid());
    unlink(tmp_cert);
    if (access(out, F_OK) == 0 && !old_cert[0]) {
        fprintf(stderr, "synaq-central: %s exists already; not overwritten\n", out);
        goto out;
    }
    if (by_stick ? sq_usb_enrol_answer(k, argv[optind], fp, id, district, tmp_cert, &cert, &e)
                 : sq_central_enroll(k, argv[optind], id, district, tmp_cert, &cert, &e)) {
        fail(&e);
        unlink(tmp_cert);
        goto out;
    }
    if (registry_add(reg, &cert, replace, &e)) {
        fail(&e);
        unlink(tmp_cert);
        if (by_stick)
            unlink_stick_cert(argv[optind], &cert);
        goto out;
    }
    if ((old_cert[0] && rename(out, old_cert) != 0 && errno != ENOENT) ||
        rename(tmp_cert, out) != 0) {
        fprintf(stderr,
                "synaq-central: the station is enrolled, but its certificate stays in %s: "
                "%s\n",
                tmp_cert, strerror(errno));
        goto out;
    }
    if (replace && state > 0)
        printf("station '%s': its earlier keys are revoked from now on; what they signed "
               "before stays openable\n",
               id);
    char key_fp[SQ_FINGERPRINT_LEN + 1];
    sq_fingerprint(cert.sign_pk, key_fp);
    if (by_stick)
        printf("station '%s' (%s) enrolled, key %s\ncertificate: %s, and on the stick in "
               "synaq/enrol/%s.cert\n(take the stick back to the station: synaqctl enroll-usb, "
               "or the kiosk's set-up screen)\n",
               id, district, key_fp, out, key_fp);
    else
        printf("station '%s' (%s) enrolled, key %s\ncertificate: %s (take it to the station: "
               "synaqctl enroll)\n",
               id, district, key_fp, out);
    rc = 0;
out:
    registry_close(reg);
    sq_central_close(k);
    return rc;
}

/* Puts what a technician carries to stations on a stick: central's
 * public keys (for stations still to be enrolled) and bundles. */
static int cmd_prepare_stick(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    sq_err e;
    uint8_t *buf = NULL;
    size_t len = 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/central.pub", keys_dir);
    if (read_all(path, 4096, &buf, &len))
        return 1;
    sq_status st = sq_usb_put(argv[1], "synaq", "central.pub", buf, len, &e);
    free(buf);
    if (st)
        return fail(&e);
    printf("%s/synaq/central.pub written (for stations to be enrolled by stick)\n", argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        buf = NULL;
        if (read_all(argv[i], SQ_BUNDLE_MAX_FILE, &buf, &len))
            return 1;
        st = sq_usb_put(argv[1], "synaq/bundles", base, buf, len, &e);
        free(buf);
        if (st)
            return fail(&e);
        printf("%s/synaq/bundles/%s written\n", argv[1], base);
    }
    printf("it is safe to remove the stick\n");
    return 0;
}

static int cmd_stations(int argc, char **argv)
{
    bool show_audit = argc == 2 && !strcmp(argv[1], "--audit");
    if (argc > 1 && !show_audit)
        return usage(stderr);
    sq_err e;
    registry *reg = NULL;
    if (reg_open(false, &reg, &e))
        return fail(&e);
    int rc = (show_audit ? registry_print_audit(reg, stdout, &e) : registry_print(reg, stdout, &e))
                 ? fail(&e)
                 : 0;
    registry_close(reg);
    return rc;
}

/* ---- status: when each station was last heard of, and how ---- */

typedef struct {
    cstore *cs;   /* NULL: nothing received yet */
    char **names; /* only these stations (n_names of them); 0: every one */
    int n_names;
    int failures;
} status_walk;

static void when_text(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int status_one(void *ctx, const char *id, const char *district, bool revoked)
{
    status_walk *w = ctx;
    char net[40] = "never", stick[40] = "never";
    bool named = w->n_names == 0;
    for (int i = 0; i < w->n_names && !named; i++)
        named = strcmp(w->names[i], id) == 0;
    if (!named)
        return 0;
    sq_heartbeat hb;
    int64_t t = 0;
    sq_err e;
    sq_status st = w->cs ? cstore_heartbeat_latest(w->cs, id, &hb, &t, &e) : SQ_ENOTFOUND;
    if (!st)
        when_text(t, net, sizeof net);
    else if (st != SQ_ENOTFOUND)
        goto fail;
    st = w->cs ? cstore_stick_latest(w->cs, id, &t, &e) : SQ_ENOTFOUND;
    if (!st)
        when_text(t, stick, sizeof stick);
    else if (st != SQ_ENOTFOUND)
        goto fail;
    printf("%s\t%s\tlast heard by network: %s\tlast carried by stick: %s%s\n", id, district, net,
           stick, revoked ? "\trevoked" : "");
    return 0;
fail:
    fprintf(stderr, "synaq-central: %s: %s\n", id, e.msg);
    w->failures++;
    return 0;
}

/* Every enrolled station, or those named: when central last heard from it
 * over the network (its newest heartbeat) and when a stick last carried
 * its results in (ingest), apart. */
static int cmd_status(int argc, char **argv)
{
    static const struct option lo[] = {{"db", 1, 0, 'D'}, {0, 0, 0, 0}};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'D')
            set_db(optarg);
        else
            return usage(stderr);
    }
    sq_err e;
    registry *reg = NULL;
    status_walk w = {0};
    int rc = 1;
    if (reg_open(true, &reg, &e)) {
        fail(&e);
        goto out;
    }
    /* Read-only: the receiver may run (and hold a SQLite store). */
    sq_status st = cstore_open(results_path, CSTORE_READONLY, &w.cs, &e);
    if (st && st != SQ_ENOTFOUND) {
        fail(&e);
        goto out;
    }
    for (int i = optind; i < argc; i++)
        if (registry_station_state(reg, argv[i]) <= 0) {
            fprintf(stderr, "synaq-central: station '%s' is not enrolled here\n", argv[i]);
            w.failures++;
        }
    w.names = argv + optind;
    w.n_names = argc - optind;
    if (registry_each(reg, status_one, &w, &e)) {
        fail(&e);
        goto out;
    }
    rc = w.failures ? 1 : 0;
out:
    cstore_close(w.cs);
    registry_close(reg);
    return rc;
}

static int cmd_revoke(int argc, char **argv)
{
    if (argc != 2)
        return usage(stderr);
    sq_err e;
    registry *reg = NULL;
    if (reg_open(false, &reg, &e))
        return fail(&e);
    int rc = registry_revoke(reg, argv[1], &e) ? fail(&e) : 0;
    registry_close(reg);
    if (rc == 0)
        printf("station '%s' revoked: its uploads are refused from now on\n", argv[1]);
    return rc;
}

static int cmd_bundle(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    int check_only = strcmp(argv[1], "check") == 0;
    if (!check_only && strcmp(argv[1], "build") != 0)
        return usage(stderr);
    const char **sources = calloc((size_t)argc, sizeof *sources);
    const char **certs = calloc((size_t)argc, sizeof *certs);
    const char *out = NULL;
    size_t n_src = 0, n_cert = 0;
    int in_stations = 0, rc = 1;
    sq_exam_set *set = sq_exam_set_new();
    sq_central_keys *k = NULL;
    sq_err e;
    if (!sources || !certs || !set)
        goto out;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) {
            if (++i == argc)
                goto usage;
            out = argv[i];
        } else if (!strcmp(argv[i], "--stations")) {
            in_stations = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            goto usage;
        } else if (in_stations) {
            certs[n_cert++] = argv[i];
        } else {
            sources[n_src++] = argv[i];
        }
    }
    if (n_src == 0 || (!check_only && (!out || n_cert == 0)))
        goto usage;
    for (size_t i = 0; i < n_src; i++)
        if (sq_exam_set_load(set, sources[i], &e)) {
            fail(&e);
            goto out;
        }
    for (size_t i = 0; i < sq_exam_set_count(set); i++) {
        sq_identity_kind kind = sq_exam_set_identity(set, i);
        /* The second factor said when there is one, so staff see what the
         * stations will ask for (and know to print codes). */
        printf("%s v%lld: %zu items per attempt, checked%s%s\n", sq_exam_set_id(set, i),
               (long long)sq_exam_set_version(set, i), sq_exam_set_items(set, i),
               kind == SQ_IDENTITY_NONE ? "" : "; identity: ",
               kind == SQ_IDENTITY_NONE ? "" : sq_identity_name(kind));
    }
    if (check_only) {
        rc = 0;
        goto out;
    }
    if (sq_central_open(keys_dir, SQ_CENTRAL_SIGN, &k, &e) ||
        sq_bundle_build(set, k, certs, n_cert, out, &e)) {
        fail(&e);
        goto out;
    }
    printf("bundle %s built for %zu station(s)\n", out, n_cert);
    rc = 0;
    goto out;
usage:
    fputs("synaq-central bundle build SOURCE... --stations CERT... -o FILE\n", stderr);
    rc = 2;
out:
    sq_central_close(k);
    sq_exam_set_free(set);
    free(sources);
    free(certs);
    return rc;
}

/* One CSV field: quoted when it holds a comma, a quote or a line break
 * (RFC 4180), and a leading = + - @ defused so that a spreadsheet shows a
 * name as text, never runs it. */
static void csv_field(FILE *f, const char *s, bool last)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@", s[0]) != NULL;
    if (quote) {
        fputc('"', f);
        if (strchr("=+-@", s[0]) && s[0])
            fputc('\'', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputs(last ? "\r\n" : ",", f);
}

static void import_note(void *ctx, const char *msg)
{
    int *n = ctx;
    (*n)++;
    fprintf(stderr, "synaq-central: %s\n", msg);
}

/* A whole number for a flag of import, or -1 after saying why. */
static long long import_number(const char *flag, const char *v, long long max)
{
    char *e;
    long long n = strtoll(v, &e, 10);
    if (!*v || *e || n < 0 || n > max) {
        fprintf(stderr, "synaq-central import: %s must be a whole number 0..%lld, not '%s'\n", flag,
                max, v);
        return -1;
    }
    return n;
}

/* The exam id made from a file's name: a.gift -> a; Bank 1.txt -> bank-1. */
static void import_default_id(const char *path, char *id, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = 0;
    bool dash = false;
    for (const char *p = base; *p && *p != '.' && n + 2 < size && n < 60; p++) {
        char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            if (dash && n)
                id[n++] = '-';
            id[n++] = ch;
            dash = false;
        } else {
            dash = true;
        }
    }
    id[n] = '\0';
    if (n == 0)
        snprintf(id, size, "imported");
}

/* import gift|aiken: Moodle files into one exam source. The output is
 * written beside its name first and checked with the library's own
 * loader, then renamed over it: what is written passes bundle check. */
static int cmd_import(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "gift") != 0 && strcmp(argv[1], "aiken") != 0)) {
        fputs("synaq-central import gift|aiken [--lang kk|ru|en] FILE... [-o SOURCE] ...\n"
              "(synaq-central --help says more)\n",
              stderr);
        return 2;
    }
    moodle_format fmt = strcmp(argv[1], "gift") == 0 ? MOODLE_GIFT : MOODLE_AIKEN;
    const char *out = NULL, *lang = NULL, *first = NULL;
    char id_buf[64], tmp[4200], comment[600];
    moodle_exam ex = {NULL, NULL, 1, 0, 70, 0, NULL, 0, NULL};
    bool strict = false;
    int rc = 1, notes = 0, nfiles = 0;
    char *yaml = NULL;
    size_t yaml_len = 0;
    sq_err e = {0};
    moodle_bank *b = moodle_bank_new(fmt);
    if (!b) {
        fprintf(stderr, "synaq-central: out of memory\n");
        return 1;
    }
    snprintf(comment, sizeof comment, "Imported from Moodle %s by synaq-central import:",
             fmt == MOODLE_GIFT ? "GIFT" : "Aiken");
    /* Arguments in order: --lang applies to the files after it. */
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        static const char *const with_value[] = {"--lang",         "-o",          "--out",
                                                 "--id",           "--title",     "--version",
                                                 "--time-limit",   "--pass-mark", "--attempts",
                                                 "--review-after", "--per-topic"};
        bool takes = false;
        for (size_t k = 0; k < sizeof with_value / sizeof *with_value; k++)
            takes |= strcmp(a, with_value[k]) == 0;
        if (takes) {
            if (i + 1 == argc) {
                fprintf(stderr, "synaq-central import: %s needs a value\n", a);
                rc = 2;
                goto out;
            }
            const char *v = argv[++i];
            long long n = 0;
            if (!strcmp(a, "--lang")) {
                if (strcmp(v, "kk") && strcmp(v, "ru") && strcmp(v, "en")) {
                    fprintf(stderr,
                            "synaq-central import: --lang must be kk, ru or en, not "
                            "'%s'\n",
                            v);
                    rc = 2;
                    goto out;
                }
                lang = v;
            } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
                out = v;
            } else if (!strcmp(a, "--id")) {
                ex.id = v;
            } else if (!strcmp(a, "--title")) {
                ex.title = v;
            } else if (!strcmp(a, "--review-after")) {
                ex.review_after = v;
            } else {
                long long max = !strcmp(a, "--version")      ? (1LL << 53)
                                : !strcmp(a, "--time-limit") ? 1440
                                : !strcmp(a, "--pass-mark")  ? 100
                                                             : 1000000;
                if ((n = import_number(a, v, max)) < 0) {
                    rc = 2;
                    goto out;
                }
                if (!strcmp(a, "--version"))
                    ex.version = n;
                else if (!strcmp(a, "--time-limit"))
                    ex.time_limit_min = n;
                else if (!strcmp(a, "--pass-mark"))
                    ex.pass_mark = n;
                else if (!strcmp(a, "--attempts"))
                    ex.attempts = n;
                else
                    ex.per_topic = n;
            }
        } else if (!strcmp(a, "--strict")) {
            strict = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "synaq-central import: unknown option '%s'\n", a);
            rc = 2;
            goto out;
        } else {
            if (!lang) {
                fprintf(stderr,
                        "synaq-central import: say the language of %s first: --lang "
                        "kk|ru|en (a file is one language)\n",
                        a);
                rc = 2;
                goto out;
            }
            uint8_t *buf = NULL;
            size_t len = 0;
            if (read_all(a, 64u << 20, &buf, &len))
                goto out;
            notes = 0;
            sq_status st = moodle_bank_read(b, a, (const char *)buf, len, lang, strict, import_note,
                                            &notes, &e);
            sq_free(buf);
            if (st) {
                fail(&e);
                goto out;
            }
            fprintf(stderr, "synaq-central: %s (%s): read%s, %d question(s) left out\n", a, lang,
                    strict ? " (--strict)" : "", notes);
            size_t cl = strlen(comment);
            snprintf(comment + cl, sizeof comment - cl, " %s (%s)", a, lang);
            if (!first)
                first = a;
            nfiles++;
        }
    }
    if (nfiles == 0) {
        fputs("synaq-central import: no file to read\n", stderr);
        rc = 2;
        goto out;
    }
    if (!ex.id) {
        import_default_id(first, id_buf, sizeof id_buf);
        ex.id = id_buf;
    }
    if (!ex.title)
        ex.title = ex.id;
    ex.comment = comment;
    if (moodle_bank_yaml(b, &ex, &yaml, &yaml_len, &e)) {
        fail(&e);
        goto out;
    }
    if (!out) {
        if (fwrite(yaml, 1, yaml_len, stdout) != yaml_len || fflush(stdout) != 0) {
            fprintf(stderr, "synaq-central: cannot write the source to stdout\n");
            goto out;
        }
    } else {
        /* Beside the target, so that the rename stays in one file system. */
        snprintf(tmp, sizeof tmp, "%s.import-check.yaml", out);
        sq_exam_set *set = NULL;
        if (sq_write_file(tmp, yaml, yaml_len, 0644, &e) || !(set = sq_exam_set_new()) ||
            sq_exam_set_load(set, tmp, &e)) {
            if (!set && e.code == SQ_OK)
                snprintf(e.msg, sizeof e.msg, "out of memory");
            fprintf(stderr,
                    "synaq-central: the source made from these files does not pass the "
                    "check (%s); nothing was written\n",
                    e.msg);
            sq_exam_set_free(set);
            unlink(tmp);
            goto out;
        }
        printf("%s: exam '%s', %zu items per attempt, checked\n", out, ex.id,
               sq_exam_set_items(set, 0));
        sq_exam_set_free(set);
        if (rename(tmp, out) != 0) {
            fprintf(stderr, "synaq-central: cannot rename %s to %s: %s\n", tmp, out,
                    strerror(errno));
            unlink(tmp);
            goto out;
        }
    }
    rc = 0;
out:
    free(yaml);
    moodle_bank_free(b);
    return rc;
}

static int cmd_roster(int argc, char **argv)
{
    const char *src = NULL, *out_path = NULL;
    sq_exam_set *set = NULL;
    sq_central_keys *k = NULL;
    sq_roster_code *codes = NULL;
    size_t n = 0;
    FILE *out = stdout;
    sq_err e;
    int rc = 1;
    if (argc < 2 || strcmp(argv[1], "codes") != 0)
        goto usage;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) {
            if (++i == argc)
                goto usage;
            out_path = argv[i];
        } else if ((argv[i][0] == '-' && argv[i][1]) || src) {
            goto usage;
        } else {
            src = argv[i];
        }
    }
    if (!src)
        goto usage;
    if (!(set = sq_exam_set_new()))
        goto out;
    if (sq_exam_set_load(set, src, &e) || sq_central_open(keys_dir, SQ_CENTRAL_SIGN, &k, &e) ||
        sq_exam_set_codes(set, 0, k, &codes, &n, &e)) {
        fail(&e);
        goto out;
    }
    if (out_path) {
        /* The codes are what lets a person sit: readable by the owner only. */
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || !(out = fdopen(fd, "w"))) {
            fprintf(stderr, "synaq-central: %s: %s\n", out_path, strerror(errno));
            if (fd >= 0)
                close(fd);
            out = stdout;
            goto out;
        }
    }
    fputs("id,name,district,code\r\n", out);
    for (size_t i = 0; i < n; i++) {
        csv_field(out, codes[i].id, false);
        csv_field(out, codes[i].name, false);
        csv_field(out, codes[i].district, false);
        csv_field(out, codes[i].code, true);
    }
    if (fflush(out) != 0 || (out != stdout && fsync(fileno(out)) != 0)) {
        fprintf(stderr, "synaq-central: %s: %s\n", out_path ? out_path : "stdout", strerror(errno));
        goto out;
    }
    if (out_path)
        fprintf(stderr, "%zu codes of exam '%s' written to %s\n", n, sq_exam_set_id(set, 0),
                out_path);
    rc = 0;
    goto out;
usage:
    fputs("synaq-central roster codes SOURCE [-o CSV]\n", stderr);
    rc = 2;
out:
    if (out && out != stdout)
        fclose(out);
    if (codes)
        sodium_memzero(codes, n * sizeof *codes);
    sq_free(codes);
    sq_central_close(k);
    sq_exam_set_free(set);
    return rc;
}

/* What opening results needs, for one sealed record at a time. */
typedef struct {
    sq_central_keys *k;
    registry *reg;
    FILE *out;
    int header, failures, opened;
    const char *source;
    FILE *practice_out;  /* --practice: where practice records go; NULL: counted only */
    int practice_header;
    int practice_opened, practice_unshown;
} opener;

/* Opens one sealed record of station_id: a result is printed as a CSV
 * line of the results, a practice record as one of --practice (or
 * counted when there is none). */
static int open_one(void *ctx, const char *station_id, int64_t seq, const uint8_t *sealed,
                    size_t len, const char *batch_id, int64_t received_wall_s)
{
    opener *o = ctx;
    sq_err e;
    uint8_t keys[REGISTRY_MAX_KEYS][32];
    size_t n_keys = 0;
    sq_result *r = NULL;
    sq_practice_rec *pr = NULL;
    sq_record_kind kind = SQ_RECORD_RESULT;
    sq_status st;
    (void)batch_id;
    (void)received_wall_s;
    /* Any key the station id had: a result signed while a key was good
     * stays openable after that key was revoked or replaced. */
    if ((st = registry_station_keys_all(o->reg, station_id, keys, REGISTRY_MAX_KEYS, &n_keys, &e)))
        goto failed;
    for (size_t i = 0; i < n_keys; i++) {
        sq_result_free(r);
        sq_practice_rec_free(pr);
        st = sq_record_open(sealed, len, sq_central_results_pk(o->k), sq_central_results_sk(o->k),
                            keys[i], &kind, &r, &pr, &e);
        if (st != SQ_EAUTH)
            break;
    }
    if (st) {
    failed:
        fprintf(stderr, "synaq-central: %s: record #%lld of '%s': %s\n", o->source, (long long)seq,
                station_id, e.msg);
        sq_result_free(r);
        sq_practice_rec_free(pr);
        o->failures++;
        return 0;
    }
    /* The number a station gave a record may differ from the one central
     * holds it under: a station restored from a copy, or replacing
     * another under the same id, numbers its results on above what
     * central holds (PROTOCOL.md). Central's number is the one shown. */
    const char *claims = kind == SQ_RECORD_PRACTICE ? pr->station_id : r->station_id;
    if (strcmp(claims, station_id) != 0) {
        fprintf(stderr, "synaq-central: %s: record #%lld claims to be of station '%s'\n", o->source,
                (long long)seq, claims);
        o->failures++;
    } else if (kind == SQ_RECORD_PRACTICE) {
        pr->seq = seq;
        if (o->practice_out) {
            char *line = sq_practice_rec_csv(pr, o->practice_header);
            o->practice_header = 0;
            if (line)
                fputs(line, o->practice_out);
            sq_free(line);
            o->practice_opened++;
        } else {
            o->practice_unshown++;
        }
    } else {
        r->seq = seq;
        char *line = sq_result_csv(r, o->header);
        o->header = 0;
        if (line)
            fputs(line, o->out);
        sq_free(line);
        o->opened++;
    }
    sq_result_free(r);
    sq_practice_rec_free(pr);
    return 0;
}

/* ---- opening into reports.db (reports_db.h) ---- */

/* Results committed to reports.db in one transaction: a crash loses at
 * most this many, which the next run opens again. */
#define IMPORT_CHUNK 500

typedef struct {
    char id[65];
    char district[257];
} import_station;

typedef struct {
    import_station *v;
    size_t n, cap;
    bool no_memory; /* the list is short: the walk stopped for memory */
} import_stations;

static int collect_station(void *ctx, const char *station_id, const char *district,
                           bool revoked)
{
    (void)revoked; /* a revoked station's results received before are opened too */
    import_stations *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        import_station *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->no_memory = true;
            return 1;
        }
        s->v = v;
        s->cap = cap;
    }
    snprintf(s->v[s->n].id, sizeof s->v[s->n].id, "%s", station_id);
    snprintf(s->v[s->n].district, sizeof s->v[s->n].district, "%s", district ? district : "");
    s->n++;
    return 0;
}

typedef struct {
    sq_central_keys *k;
    registry *reg;
    reports_db *db;
    const import_station *st;
    const char *source;
    int64_t contig;   /* every seq up to it handled (the position) */
    int64_t in_chunk; /* results handled since the last commit */
    int64_t opened, refused, skipped, practice;
    sq_status fatal; /* a failure of reports.db itself: the walk stops */
    sq_err fatal_err;
} importer;

/* Commits what the chunk holds with the position, and starts the next. */
static sq_status import_commit(importer *im, bool again, sq_err *e)
{
    sq_status st = reports_db_set_position(im->db, im->st->id, im->contig, e);
    if (!st)
        st = reports_db_commit(im->db, e);
    if (!st && again)
        st = reports_db_begin(im->db, e);
    im->in_chunk = 0;
    return st;
}

static int import_one(void *ctx, const char *station_id, int64_t seq, const uint8_t *sealed,
                      size_t len, const char *batch_id, int64_t received_wall_s)
{
    importer *im = ctx;
    sq_err e;
    bool held = false;
    sq_status st;
    if ((st = reports_db_holds(im->db, station_id, seq, &held, &im->fatal_err)))
        goto fatal;
    if (held) {
        im->skipped++;
    } else {
        uint8_t keys[REGISTRY_MAX_KEYS][32];
        size_t n_keys = 0;
        sq_result *r = NULL;
        sq_practice_rec *pr = NULL;
        sq_record_kind kind = SQ_RECORD_RESULT;
        st = registry_station_keys_all(im->reg, station_id, keys, REGISTRY_MAX_KEYS, &n_keys, &e);
        /* Any key the station id had: a result signed while a key was
         * good stays openable after that key was revoked or replaced. */
        for (size_t i = 0; !st && i < n_keys; i++) {
            sq_result_free(r);
            sq_practice_rec_free(pr);
            st = sq_record_open(sealed, len, sq_central_results_pk(im->k),
                                sq_central_results_sk(im->k), keys[i], &kind, &r, &pr, &e);
            if (st != SQ_EAUTH)
                break;
        }
        const char *claims = st ? NULL : kind == SQ_RECORD_PRACTICE ? pr->station_id : r->station_id;
        if (!st && strcmp(claims, station_id) != 0) {
            snprintf(e.msg, sizeof e.msg, "it claims to be of station '%s'", claims);
            st = SQ_EAUTH;
        }
        if (st) {
            fprintf(stderr, "synaq-central: %s: record #%lld of '%s' not imported: %s\n",
                    im->source, (long long)seq, station_id, e.msg);
            im->refused++;
            sq_result_free(r);
            sq_practice_rec_free(pr);
            if ((st = reports_db_refuse(im->db, station_id, seq, e.msg, &im->fatal_err)))
                goto fatal;
        } else if (kind == SQ_RECORD_PRACTICE) {
            /* Into the practice table only: never an attempt. */
            pr->seq = seq;
            st = reports_db_put_practice(im->db, pr, im->st->district, received_wall_s, batch_id,
                                         &im->fatal_err);
            sq_practice_rec_free(pr);
            if (st)
                goto fatal;
            im->practice++;
        } else {
            /* Central's number for the result is the one kept (see
             * open_one). */
            r->seq = seq;
            st = reports_db_put(im->db, r, im->st->district, received_wall_s, batch_id,
                                &im->fatal_err);
            sq_result_free(r);
            if (st)
                goto fatal;
            im->opened++;
        }
    }
    /* Seqs come in order; a gap is a result not received yet, and the
     * position stays before it so that the next run looks again. */
    if (seq == im->contig + 1)
        im->contig = seq;
    if (++im->in_chunk >= IMPORT_CHUNK && (st = import_commit(im, true, &im->fatal_err)))
        goto fatal;
    return 0;
fatal:
    im->fatal = st;
    return 1;
}

/* open-results --into: the one writer of reports.db. */
static int open_into(const char *into)
{
    sq_err e;
    int rc = 0;
    sq_central_keys *k = NULL;
    registry *reg = NULL;
    cstore *cs = NULL;
    reports_db *db = NULL;
    import_stations sts = {0};
    char where[600], fp[SQ_FINGERPRINT_LEN + 1];
    cstore_where(results_path, where, sizeof where);
    importer im = {0};
    if (sq_central_open(keys_dir, SQ_CENTRAL_RESULTS, &k, &e) ||
        reg_open(true, &reg, &e)) {
        rc = fail(&e);
        goto done;
    }
    sq_central_fingerprint(sq_central_sign_pk(k), sq_central_results_pk(k), fp);
    if (reports_db_open(into, fp, &db, &e)) {
        rc = fail(&e);
        goto done;
    }
    /* A SQLite store that was never made: nothing received yet, as an
     * empty one (cstore_open says SQ_ENOTFOUND only for the latter). */
    sq_status st =
        !cstore_is_url(results_path) && access(results_path, F_OK) != 0 && errno == ENOENT
            ? SQ_ENOTFOUND
            : cstore_open(results_path, CSTORE_READONLY, &cs, &e);
    if (st == SQ_ENOTFOUND) {
        printf("nothing received yet in %s; %s is ready\n", where, into);
        goto done;
    }
    if (st || registry_each(reg, collect_station, &sts, &e)) {
        rc = fail(&e);
        goto done;
    }
    if (sts.no_memory) {
        e.code = SQ_ENOMEM;
        snprintf(e.msg, sizeof e.msg, "out of memory listing the enrolled stations");
        rc = fail(&e);
        goto done;
    }
    im.k = k;
    im.reg = reg;
    im.db = db;
    im.source = where;
    for (size_t i = 0; i < sts.n; i++) {
        im.st = &sts.v[i];
        im.in_chunk = 0;
        if (reports_db_position(db, im.st->id, &im.contig, &e) || reports_db_begin(db, &e)) {
            rc = fail(&e);
            goto done;
        }
        st = cstore_each_result(cs, im.st->id, im.contig, import_one, &im, &e);
        if (im.fatal) {
            rc = fail(&im.fatal_err);
            goto done;
        }
        if (st || import_commit(&im, false, &e)) {
            rc = fail(&e);
            goto done;
        }
    }
    int64_t n_all = 0, n_refused = 0, n_practice = 0;
    if (reports_db_counts_all(db, &n_all, &n_practice, &n_refused, &e)) {
        rc = fail(&e);
        goto done;
    }
    printf("opened %lld new result(s) into %s, %lld refused; it holds %lld in all (%lld "
           "refused in all)\n",
           (long long)im.opened, into, (long long)im.refused, (long long)n_all,
           (long long)n_refused);
    printf("opened %lld new practice record(s) into %s; it holds %lld in all\n",
           (long long)im.practice, into, (long long)n_practice);
    if (im.refused)
        rc = 1;
done:
    free(sts.v);
    reports_db_close(db);
    cstore_close(cs);
    registry_close(reg);
    sq_central_close(k);
    return rc;
}

static int cmd_open_results(int argc, char **argv)
{
    const char *out_path = NULL, *into = NULL, *practice_path = NULL;
    int c, received = 0;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    static const struct option lo[] = {{"out", 1, 0, 'o'},
                                       {"received", 0, 0, 'r'},
                                       {"db", 1, 0, 'D'},
                                       {"into", 1, 0, 'i'},
                                       {"practice", 1, 0, 'p'},
                                       {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
        if (c == 'o')
            out_path = optarg;
        else if (c == 'p')
            practice_path = optarg;
        else if (c == 'i')
            into = optarg;
        else if (c == 'r')
            received = 1;
        else if (c == 'D')
            set_db(optarg);
        else
            return usage(stderr);
    }
    if (into) {
        if (optind < argc || received || out_path || practice_path)
            return usage(stderr);
        return open_into(into);
    }
    if (optind >= argc && !received)
        return usage(stderr);
    sq_err e;
    opener o = {NULL, NULL, stdout, 1, 0, 0, "", NULL, 1, 0, 0};
    int rc = 0;
    if (sq_central_open(keys_dir, SQ_CENTRAL_RESULTS, &o.k, &e) ||
        reg_open(false, &o.reg, &e)) {
        rc = fail(&e);
        goto done;
    }
    if (out_path && !(o.out = fopen(out_path, "w"))) {
        fprintf(stderr, "synaq-central: cannot write %s: %s\n", out_path, strerror(errno));
        rc = 1;
        goto done;
    }
    if (practice_path && (out_path ? strcmp(practice_path, out_path) == 0
                                   : strcmp(practice_path, "-") == 0)) {
        fputs("synaq-central: --practice needs a file of its own, apart from the results\n",
              stderr);
        rc = 2;
        goto done;
    }
    if (practice_path && !(o.practice_out = fopen(practice_path, "w"))) {
        fprintf(stderr, "synaq-central: cannot write %s: %s\n", practice_path, strerror(errno));
        rc = 1;
        goto done;
    }
    if (received) {
        /* What the receiver stored, read beside it (it keeps no key). */
        char where[600];
        cstore *cs = NULL;
        cstore_where(results_path, where, sizeof where);
        o.source = where;
        if (cstore_open(results_path, CSTORE_READONLY, &cs, &e) ||
            cstore_each_result(cs, NULL, 0, open_one, &o, &e))
            rc = fail(&e);
        cstore_close(cs);
    }
    for (int i = optind; i < argc; i++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        sq_batch *b = NULL;
        o.source = argv[i];
        if (read_all(argv[i], SQ_BATCH_MAX_FILE, &buf, &len)) {
            rc = 1;
            continue;
        }
        uint8_t keys[REGISTRY_MAX_KEYS][32];
        size_t n_keys = 0;
        sq_status st = sq_batch_parse(buf, len, &b, &e);
        if (!st)
            st = registry_station_keys_all(o.reg, sq_batch_station_id(b), keys, REGISTRY_MAX_KEYS,
                                           &n_keys, &e);
        /* Any key the station id had (newest first), as for results. */
        for (size_t ki = 0; !st && ki < n_keys; ki++) {
            st = sq_batch_verify(b, keys[ki], &e);
            if (st != SQ_EAUTH)
                break;
            if (ki + 1 < n_keys)
                st = SQ_OK;
        }
        if (st) {
            fprintf(stderr, "synaq-central: %s: %s\n", argv[i], e.msg);
            rc = 1;
        } else {
            for (size_t j = 0; j < sq_batch_count(b); j++) {
                int64_t seq;
                const uint8_t *sealed;
                size_t slen;
                sq_batch_result(b, j, &seq, &sealed, &slen);
                open_one(&o, sq_batch_station_id(b), seq, sealed, slen, sq_batch_id(b), 0);
            }
        }
        sq_batch_free(b);
        free(buf);
    }
    if (o.practice_unshown)
        fprintf(stderr,
                "synaq-central: %d practice record(s) not shown (not results); --practice CSV "
                "writes them\n",
                o.practice_unshown);
    if (o.failures)
        rc = 1;
done:
    if (o.out && o.out != stdout && fclose(o.out) != 0 && !rc) {
        fprintf(stderr, "synaq-central: cannot write %s: %s\n", out_path, strerror(errno));
        rc = 1;
    }
    if (o.practice_out && fclose(o.practice_out) != 0 && !rc) {
        fprintf(stderr, "synaq-central: cannot write %s: %s\n", practice_path, strerror(errno));
        rc = 1;
    }
    registry_close(o.reg);
    sq_central_close(o.k);
    return rc;
}

/* ---- results carried by hand ---- */

/* Ingests one batch file: checked exactly as an upload over the network,
 * stored once, and answered with an acknowledgement file. */
static int ingest_one(sq_central_keys *k, registry *reg, cstore *cs, const char *path,
                      const char *stick, const char *station_dir, int *new_results)
{
    sq_err e;
    uint8_t *buf = NULL, pk[32];
    size_t len = 0;
    sq_batch *b = NULL;
    int rc = 1;
    cstore_result *rs = NULL;
    int64_t *seqs = NULL;
    struct stat sb;
    if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "synaq-central: %s: not a regular file; skipped\n", path);
        return 1;
    }
    if ((size_t)sb.st_size > SQ_BATCH_MAX_FILE) {
        fprintf(stderr, "synaq-central: %s: %lld bytes, above the batch limit; skipped\n", path,
                (long long)sb.st_size);
        return 1;
    }
    if (read_all(path, SQ_BATCH_MAX_FILE, &buf, &len))
        return 1;
    if (sq_batch_parse(buf, len, &b, &e) ||
        registry_station_key(reg, sq_batch_station_id(b), pk, &e) || sq_batch_verify(b, pk, &e)) {
        fprintf(stderr, "synaq-central: %s: %s; skipped\n", path, e.msg);
        goto out;
    }
    size_t n = sq_batch_count(b);
    rs = calloc(n ? n : 1, sizeof *rs);
    seqs = calloc(n ? n : 1, sizeof *seqs);
    if (!rs || !seqs)
        goto out;
    for (size_t i = 0; i < n; i++) {
        sq_batch_result(b, i, &rs[i].seq, &rs[i].sealed, &rs[i].len);
        seqs[i] = rs[i].seq;
    }
    uint8_t h[32];
    crypto_hash_sha256(h, buf, len);
    sq_heartbeat hb;
    memset(&hb, 0, sizeof hb);
    snprintf(hb.station_id, sizeof hb.station_id, "%s", sq_batch_station_id(b));
    snprintf(hb.software, sizeof hb.software, "usb");
    cstore_upload up = {&hb, (int64_t)time(NULL), sq_batch_id(b), h, len, rs, n, true};
    cstore_ack ca;
    if (cstore_put_upload(cs, &up, &ca, &e)) {
        fprintf(stderr, "synaq-central: %s: %s\n", path, e.msg);
        goto out;
    }
    bool conflict = ca.outcome == CSTORE_CONFLICT;
    if (conflict)
        fprintf(stderr,
                "synaq-central: %s: CONFLICT: central holds other results under batch "
                "%s (seq %lld); central's signed word on it goes back on the stick\n",
                path, sq_batch_id(b), (long long)ca.conflict_seq);
    /* Stored (now or before), or a conflict the station can resolve (it
     * numbers its results on above what central holds): central's signed
     * word goes back on the stick. */
    sq_ack ack;
    memset(&ack, 0, sizeof ack);
    snprintf(ack.station_id, sizeof ack.station_id, "%s", sq_batch_station_id(b));
    snprintf(ack.batch_id, sizeof ack.batch_id, "%s", sq_batch_id(b));
    memcpy(ack.sha256, h, 32);
    ack.kind = conflict ? SQ_ACK_CONFLICT : SQ_ACK_STORED;
    ack.n = conflict ? 0 : n;
    ack.seqs = seqs;
    ack.conflict_seq = ca.conflict_seq;
    ack.highest = ca.highest;
    ack.held_max = ca.held_max;
    ack.hb_counter = ca.hb_counter;
    uint8_t *ab = NULL;
    size_t alen = 0;
    char ack_dir[200], ack_name[64];
    /* Written through the stick's own folders, never through a link. */
    snprintf(ack_dir, sizeof ack_dir, "synaq/%s/acks", station_dir);
    snprintf(ack_name, sizeof ack_name, "%s.ack", sq_batch_id(b));
    if (sq_batch_ack_build(k, &ack, &ab, &alen, &e) ||
        sq_usb_put(stick, ack_dir, ack_name, ab, alen, &e)) {
        fprintf(stderr, "synaq-central: %s\n", e.msg);
        sq_free(ab);
        goto out;
    }
    sq_free(ab);
    *new_results += (int)ca.n_new;
    printf("%s: %zu result(s) of '%s', %s\n", path, n, sq_batch_station_id(b),
           conflict ? "NOT stored (a conflict; the station renumbers them when it reads the "
                      "stick, then exports them again)"
           : ca.outcome == CSTORE_DUPLICATE ? "already held"
                                            : "stored");
    rc = conflict ? 1 : 0;
out:
    free(rs);
    free(seqs);
    sq_batch_free(b);
    free(buf);
    return rc;
}

static int cmd_ingest(int argc, char **argv)
{
    static const struct option lo[] = {{"db", 1, 0, 'D'}, {0, 0, 0, 0}};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'D')
            set_db(optarg);
        else
            return usage(stderr);
    }
    if (optind != argc - 1)
        return usage(stderr);
    const char *stick = argv[optind];
    sq_err e;
    sq_central_keys *k = NULL;
    registry *reg = NULL;
    cstore *cs = NULL;
    int rc = 0, files = 0, new_results = 0;
    /* Acknowledgements are signed with the ack key, as the receiver signs
     * them: ingest runs where the result store is, which need not hold
     * sign.key. A SQLite store is refused while a receiver holds it; a
     * PostgreSQL one is shared with the receivers. */
    if (sq_central_open(keys_dir, SQ_CENTRAL_ACK, &k, &e) ||
        reg_open(true, &reg, &e) || cstore_open(results_path, 0, &cs, &e)) {
        rc = fail(&e);
        goto out;
    }
    /* STICK/synaq/STATION/outgoing/NAME.sqbatch; symlinks are never followed. */
    char top[4200];
    snprintf(top, sizeof top, "%s/synaq", stick);
    struct stat tb;
    DIR *d = lstat(top, &tb) == 0 && S_ISDIR(tb.st_mode) ? opendir(top) : NULL;
    if (!d) {
        fprintf(stderr, "synaq-central: %s: no exported results there\n", top);
        rc = 1;
        goto out;
    }
    struct dirent *st;
    while ((st = readdir(d))) {
        char sdir[4400], out_dir[4500];
        struct stat sb;
        if (st->d_name[0] == '.')
            continue;
        snprintf(sdir, sizeof sdir, "%s/%s", top, st->d_name);
        if (lstat(sdir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            continue;
        snprintf(out_dir, sizeof out_dir, "%s/outgoing", sdir);
        if (lstat(out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            continue;
        DIR *od = opendir(out_dir);
        struct dirent *f;
        while (od && (f = readdir(od))) {
            size_t nl = strlen(f->d_name);
            if (nl < 9 || strcmp(f->d_name + nl - 8, ".sqbatch") != 0)
                continue;
            char fp[4800];
            snprintf(fp, sizeof fp, "%s/%s", out_dir, f->d_name);
            files++;
            if (ingest_one(k, reg, cs, fp, stick, st->d_name, &new_results))
                rc = 1;
        }
        if (od)
            closedir(od);
    }
    closedir(d);
    printf("%d batch file(s) read, %d result(s) newly stored; acknowledgements written\n", files,
           new_results);
out:
    cstore_close(cs);
    registry_close(reg);
    sq_central_close(k);
    return rc;
}

/* ---- moving the result store ---- */

/* Removes a SQLite store this run made (and its side files). */
static void remove_store_file(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-lock"};
    char p[4300];
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

static int cmd_migrate_store(int argc, char **argv)
{
    static const struct option lo[] = {{"from", 1, 0, 'f'}, {"to", 1, 0, 't'}, {0, 0, 0, 0}};
    const char *from = results_path, *to = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'f')
            from = optarg;
        else if (c == 't')
            to = optarg;
        else
            return usage(stderr);
    }
    if (optind != argc || !to || !*to || !*from) {
        fprintf(stderr, "synaq-central migrate-store: --to FILE|URL is required\n");
        return 2;
    }
    char wfrom[600], wto[600], text[400];
    cstore_where(from, wfrom, sizeof wfrom);
    cstore_where(to, wto, sizeof wto);
    struct stat sf, stt;
    bool from_file = !cstore_is_url(from), to_file = !cstore_is_url(to);
    /* Looked at before anything is opened: opening a missing SQLite
     * source would make an empty one, and the same file opened twice
     * would meet its own writer lock. */
    if (from_file && stat(from, &sf) != 0) {
        fprintf(stderr, "synaq-central: migrate-store: the source %s: %s; nothing was copied\n",
                wfrom, strerror(errno));
        return 1;
    }
    bool to_exists = to_file && stat(to, &stt) == 0;
    if ((from_file && to_exists && sf.st_dev == stt.st_dev && sf.st_ino == stt.st_ino) ||
        strcmp(from, to) == 0) {
        fprintf(stderr,
                "synaq-central: migrate-store: the source and the target are the same store "
                "(%s); nothing was copied\n",
                wto);
        return 1;
    }
    sq_err e;
    cstore *src = NULL, *dst = NULL;
    registry *reg_from = NULL, *reg_to = NULL;
    cstore_summary sum;
    int rc = 1;
    /* A SQLite source is opened for writing, for its writer lock: a
     * receiver still storing into it is refused (and kept out while the
     * copy runs). A PostgreSQL one only for reading. */
    if (cstore_open(from, from_file ? 0 : CSTORE_READONLY, &src, &e)) {
        fprintf(stderr, "synaq-central: migrate-store: the source: %s; nothing was copied\n",
                e.msg);
        goto out;
    }
    if (cstore_open(to, 0, &dst, &e)) {
        fprintf(stderr, "synaq-central: migrate-store: the target: %s; nothing was copied\n",
                e.msg);
        goto out;
    }
    /* The station registry goes with the store where it lives in the
     * database: central.db into PostgreSQL, PostgreSQL's into another
     * database or into central.db (when that has none, or the same). */
    char legacy[4200];
    snprintf(legacy, sizeof legacy, "%s/central.db", home);
    bool reg_copy = false;
    if (!from_file) {
        uint8_t a[32], b[32];
        int64_t rows_a[REGISTRY_N_TABLES], rows_b[REGISTRY_N_TABLES] = {0};
        if (registry_open_readonly(from, &reg_from, &e) ||
            registry_digest(reg_from, a, rows_a, &e) ||
            (to_file ? registry_open(legacy, &reg_to, &e) : registry_open(to, &reg_to, &e)) ||
            registry_digest(reg_to, b, rows_b, &e)) {
            fprintf(stderr, "synaq-central: migrate-store: the station registry: %s; nothing was "
                            "copied\n", e.msg);
            goto out;
        }
        int64_t held = rows_b[0] + rows_b[1] + rows_b[2];
        if (held > 0 && memcmp(a, b, 32) != 0) {
            fprintf(stderr,
                    "synaq-central: migrate-store: the station registry %s holds other stations "
                    "than the source's (%lld station(s)); move it aside first; nothing was "
                    "copied\n",
                    to_file ? legacy : wto, (long long)rows_b[0]);
            goto out;
        }
        reg_copy = held == 0;
    }
    sq_status st = cstore_copy(src, dst, &sum, &e);
    if (st == SQ_ESTATE) {
        fprintf(stderr,
                "synaq-central: migrate-store: the target: %s; migrate-store copies into an "
                "empty store only (has it run already?); nothing was copied\n",
                e.msg);
        goto out;
    }
    if (st == SQ_EBUSY) {
        fprintf(stderr, "synaq-central: migrate-store: %s; nothing was copied\n", e.msg);
        goto out;
    }
    if (st) {
        fprintf(stderr, "synaq-central: migrate-store: %s\n", e.msg);
        goto out;
    }
    cstore_summary_text(&sum, text, sizeof text);
    printf("copied %s (%s) to %s (%s)\n%s\nread back from the target: the same rows and the "
           "same SHA-256\n",
           wfrom, cstore_engine(src), wto, cstore_engine(dst), text);
    int64_t reg_rows[REGISTRY_N_TABLES] = {0};
    if (from_file && !to_file) {
        if (registry_adopt(to, legacy, &reg_rows[0], &e)) {
            fprintf(stderr, "synaq-central: migrate-store: the results were copied, the station "
                            "registry not: %s\n", e.msg);
            goto out;
        }
        if (reg_rows[0])
            printf("station registry: %lld station(s) from %s, with their keys and audit\n",
                   (long long)reg_rows[0], legacy);
        else
            printf("station registry: nothing moved (%s has none, or the database had its own)\n",
                   legacy);
    } else if (reg_copy) {
        if (registry_copy(reg_from, reg_to, reg_rows, &e)) {
            fprintf(stderr, "synaq-central: migrate-store: the results were copied, the station "
                            "registry not: %s\n", e.msg);
            goto out;
        }
        printf("station registry: %lld station(s), %lld key(s), %lld audit line(s) copied into "
               "%s, read back the same\n",
               (long long)reg_rows[0], (long long)reg_rows[1], (long long)reg_rows[2],
               to_file ? legacy : wto);
    } else if (!from_file) {
        printf("station registry: %s holds the same already\n", to_file ? legacy : wto);
    }
    /* The console's accounts and audit go with a pilot's store into the
     * database (console.db into console_users and console_audit). */
    char acc_path[4200], acc_key[4200];
    snprintf(acc_path, sizeof acc_path, "%s/console.db", home);
    snprintf(acc_key, sizeof acc_key, "%s/console.key", home);
    if (from_file && !to_file && access(acc_path, F_OK) == 0) {
        accounts *acc_from = NULL, *acc_to = NULL;
        int64_t n_users = 0, n_lines = 0;
        sq_status ast = accounts_open(acc_path, acc_key, true, &acc_from, &e);
        if (!ast)
            ast = accounts_open(to, acc_key, false, &acc_to, &e);
        if (!ast)
            ast = accounts_copy(acc_from, acc_to, &n_users, &n_lines, &e);
        accounts_close(acc_to);
        accounts_close(acc_from);
        if (ast) {
            fprintf(stderr, "synaq-central: migrate-store: the results and the registry were "
                            "copied, the console's accounts not: %s\n", e.msg);
            goto out;
        }
        printf("console accounts: %lld account(s) and %lld audit line(s) from %s, the audit "
               "chain checked in the target\n",
               (long long)n_users, (long long)n_lines, acc_path);
    }
    printf("start the receivers with --db %s; keep the source until they run well\n", wto);
    rc = 0;
out:
    registry_close(reg_to);
    registry_close(reg_from);
    cstore_close(dst);
    cstore_close(src);
    /* A SQLite target this run made and did not fill is not left behind. */
    if (rc && to_file && !to_exists)
        remove_store_file(to);
    return rc;
}

/* ---- backups ---- */

static int cmd_backup(int argc, char **argv)
{
    if (argc != 2)
        return usage(stderr);
    const char *dest = argv[1];
    backup_report rep;
    sq_err e;
    if (backup_make(home, results_path, dest, &rep, &e)) {
        fprintf(stderr, "synaq-central: backup: %s; nothing was written\n", e.msg);
        return 1;
    }
    printf("backup written to %s: %d file(s), %d SQLite database(s) among them (each copied "
           "with the online backup API and checked), and MANIFEST (check it by hand with: cd %s "
           "&& sha256sum -c MANIFEST)\n",
           dest, rep.n_files, rep.n_databases, dest);
    if (cstore_is_url(results_path)) {
        char where[600];
        cstore_where(results_path, where, sizeof where);
        printf("the result store is in PostgreSQL (%s) and is NOT in this backup; back it up "
               "beside it with\n  pg_dump -Fc -f %s.pgdump '%s'\nand restore it into a new, "
               "empty database with\n  createdb NEWDB && pg_restore --no-owner -d NEWDB "
               "%s.pgdump\n(central/README.md, \"Backups\")\n",
               where, dest, where, dest);
    }
    return 0;
}

static int cmd_restore(int argc, char **argv)
{
    if (argc != 2)
        return usage(stderr);
    backup_report rep;
    sq_err e;
    if (backup_restore(argv[1], home, &rep, &e)) {
        fprintf(stderr, "synaq-central: restore: %s; nothing was restored\n", e.msg);
        return 1;
    }
    printf("restored %d file(s) (%d SQLite database(s)) from %s into %s, each checked against "
           "the MANIFEST first\n",
           rep.n_files, rep.n_databases, argv[1], home);
    if (!rep.has_results_db)
        printf("the backup holds no results.db: if the results were in PostgreSQL, restore "
               "them with pg_restore (central/README.md, \"Backups\") and give the receiver "
               "--db\n");
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"home", 1, 0, 'H'}, {"db", 1, 0, 'D'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    home = getenv("SYNAQ_CENTRAL_HOME") ? getenv("SYNAQ_CENTRAL_HOME") : "/var/lib/synaq-central";
    db_opt = getenv("SYNAQ_CENTRAL_DB") && *getenv("SYNAQ_CENTRAL_DB") ? getenv("SYNAQ_CENTRAL_DB")
                                                                       : NULL;
    int c;
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        if (c == 'H')
            home = optarg;
        else if (c == 'D')
            db_opt = optarg;
        else if (c == 'h')
            return usage(stdout);
        else
            return usage(stderr);
    }
    if (optind >= argc)
        return usage(stderr);
    snprintf(keys_dir, sizeof keys_dir, "%s/keys", home);
    set_db(db_opt);
    /* On PostgreSQL the station registry is in the store's database
     * (registry.h); on SQLite it is central.db beside results.db. */
    if (cstore_is_url(results_path))
        snprintf(registry_path, sizeof registry_path, "%s", results_path);
    else
        snprintf(registry_path, sizeof registry_path, "%s/central.db", home);
    sq_err e;
    if (sq_init(&e))
        return fail(&e);
    const char *cmd = argv[optind];
    int n = argc - optind;
    char **v = argv + optind;
    if (!strcmp(cmd, "keygen"))
        return cmd_keygen(n, v);
    if (!strcmp(cmd, "enroll"))
        return cmd_enroll(n, v, false);
    if (!strcmp(cmd, "enroll-usb"))
        return cmd_enroll(n, v, true);
    if (!strcmp(cmd, "prepare-stick"))
        return cmd_prepare_stick(n, v);
    if (!strcmp(cmd, "stations"))
        return cmd_stations(n, v);
    if (!strcmp(cmd, "revoke"))
        return cmd_revoke(n, v);
    if (!strcmp(cmd, "status"))
        return cmd_status(n, v);
    if (!strcmp(cmd, "serve"))
        return serve_command(home, results_path, n, v);
    if (!strcmp(cmd, "user"))
        return user_command(home, results_path, n, v);
    if (!strcmp(cmd, "console"))
        return console_command(home, results_path, n, v);
    if (!strcmp(cmd, "roster"))
        return cmd_roster(n, v);
    if (!strcmp(cmd, "bundle"))
        return cmd_bundle(n, v);
    if (!strcmp(cmd, "import"))
        return cmd_import(n, v);
    if (!strcmp(cmd, "update"))
        return update_command(keys_dir, n, v);
    if (!strcmp(cmd, "ingest"))
        return cmd_ingest(n, v);
    if (!strcmp(cmd, "open-results"))
        return cmd_open_results(n, v);
    if (!strcmp(cmd, "migrate-store"))
        return cmd_migrate_store(n, v);
    if (!strcmp(cmd, "backup"))
        return cmd_backup(n, v);
    if (!strcmp(cmd, "restore"))
        return cmd_restore(n, v);
    if (!strcmp(cmd, "events-report"))
        return events_report_main(n, v);
    if (!strcmp(cmd, "help"))
        return usage(stdout);
    fprintf(stderr, "synaq-central: unknown command '%s'\n", cmd);
    return usage(stderr);
}
