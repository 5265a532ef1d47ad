/*
 * update.c - `synaqctl update`: signed software updates (issue 12).
 *
 *   stage FILE      check an update file against central's key (as any
 *                   user who can open the station) and put it in the
 *                   pending folder, for synaq-update.service
 *   stage-usb [STICK]  the same for every STICK/synaq/updates/NAME.squ
 *   apply FILE      check it and install it with dpkg now (as root)
 *   apply-pending   apply every update in the pending folder (as root;
 *                   what synaq-update.service runs)
 *   status          the state of the last update and the version applied
 *
 * Applying checks, in this order: central's key against the pin kept by
 * root (the first apply pins it); the signature over the manifest; every
 * package's size and SHA-256 while copying it into root's own work
 * folder (so what dpkg installs is what was hashed, whoever can write
 * the pending folder); no attempt open in the store (else it waits:
 * status 75); no package older than the one installed unless the signed
 * manifest allows it. Then `dpkg --configure -a` (mends an install that
 * a power cut or a kill stopped) and `dpkg -i`. apply-pending sets a file
 * aside (PENDING/refused/) when it is refused, or when dpkg failed with
 * it INSTALL_TRIES times running; a deferred one stays. Every outcome is an
 * audit line and the store's note "update.state"; a successful one also
 * "update.version", and the station's programs are restarted on the new
 * version (dpkg does not restart them: debian/rules).
 *
 * Environment (for tests and unusual stations, never needed in the
 * units): SYNAQ_DPKG, the dpkg command in words ("dpkg --root=DIR");
 * SYNAQ_UPDATE_PENDING, the pending folder (HOME/updates);
 * SYNAQ_UPDATE_STATE, root's folder (/var/lib/synaq-update: central.pin,
 * work/); SYNAQ_UPDATE_RESTART, the command run after an update went in
 * (RESTART_DEFAULT: the station's programs; "" none).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "synaq/tech.h"
#include "synaq/update.h"
#include "synaq/usb.h"
#include "update.h"

#define STATE_DEFAULT "/var/lib/synaq-update"
#define RESTART_DEFAULT "systemctl try-restart synaq-syncd.service synaq-kiosk.service"
#define NOTE_STATE "update.state"
#define NOTE_VERSION "update.version"
#define NOTE_FAILS "update.fails"
#define INSTALL_TRIES 3
#define MAX_WORDS 16

typedef struct {
    const sq_station_paths *paths;
    sq_station_keys *k;
    sq_store *s;
    char pending[4200];
    char state_dir[4096];
    char dpkg[1024];
    char restart[1024]; /* "": none */
} ctx;

static void say_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("synaqctl update: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void audit(ctx *c, const char *action, sq_status st, const char *detail)
{
    sq_err e;
    if (sq_tech_audit_add(c->s, "synaqctl", action, st, detail, &e))
        say_err("the audit log could not be written: %s", e.msg);
}

static void note(ctx *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(ctx *c, const char *key, const char *fmt, ...)
{
    char v[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    sq_err e;
    if (sq_store_note_set(c->s, key, v, &e))
        say_err("the update's state could not be recorded: %s", e.msg);
}

/* ---- running dpkg ---- */

/* Runs the dpkg command's words followed by args (NULL-terminated). With
 * out, its standard output is captured there (cut at cap - 1) and its
 * errors dropped. The exit status, or -1 when it could not run. */
static int run_words(const char *cmd, const char *const *args, char *out, size_t cap)
{
    char words[1024];
    char *argv[MAX_WORDS + SQ_UPDATE_MAX_PKGS + 8];
    size_t n = 0;
    snprintf(words, sizeof words, "%s", cmd);
    for (char *save = NULL, *w = strtok_r(words, " \t", &save); w && n < MAX_WORDS;
         w = strtok_r(NULL, " \t", &save))
        argv[n++] = w;
    for (size_t i = 0; args[i] && n < sizeof argv / sizeof argv[0] - 1; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    if (!argv[0])
        return -1;
    int fds[2] = {-1, -1};
    if (out && pipe(fds))
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        if (out) {
            dup2(fds[1], 1);
            dup2(nul, 2);
            close(fds[0]);
            close(fds[1]);
        }
        setenv("DEBIAN_FRONTEND", "noninteractive", 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    size_t got = 0;
    if (out) {
        close(fds[1]);
        char buf[4096];
        ssize_t r;
        while ((r = read(fds[0], buf, sizeof buf)) != 0) {
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                break;
            size_t take = got + (size_t)r < cap - 1 ? (size_t)r : cap - 1 - got;
            memcpy(out + got, buf, take);
            got += take;
        }
        out[got] = '\0';
        close(fds[0]);
    }
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
}

static int run_dpkg(ctx *c, const char *const *args, char *out, size_t cap)
{
    return run_words(c->dpkg, args, out, cap);
}

/* The version of name installed (fully: "install ok installed") in
 * version, "" when none; *partly set when dpkg knows the package in
 * another state (an install stopped half-way). */
static void installed_version(ctx *c, const char *name, char *version, size_t cap, bool *partly)
{
    char out[16384];
    const char *args[] = {"-s", name, NULL};
    version[0] = '\0';
    *partly = false;
    if (run_dpkg(c, args, out, sizeof out) != 0)
        return;
    bool ok = false;
    char v[128] = "";
    for (char *save = NULL, *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(l, "Status: ", 8))
            ok = !strcmp(l + 8, "install ok installed");
        else if (!strncmp(l, "Version: ", 9))
            snprintf(v, sizeof v, "%s", l + 9);
    }
    if (ok)
        snprintf(version, cap, "%s", v);
    else
        *partly = v[0] != '\0';
}

/* ---- folders and the pin ---- */

static int make_dir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) && errno != EEXIST) {
        say_err("cannot make %s: %s", path, strerror(errno));
        return 1;
    }
    return 0;
}

/* Empties root's work folder (packages of an earlier run) and makes it. */
static int work_dir(ctx *c, char *out, size_t cap)
{
    if (make_dir(c->state_dir, 0700))
        return 1;
    snprintf(out, cap, "%s/work", c->state_dir);
    DIR *d = opendir(out);
    if (d) {
        struct dirent *de;
        char p[8400];
        while ((de = readdir(d)))
            if (de->d_name[0] != '.') {
                snprintf(p, sizeof p, "%s/%s", out, de->d_name);
                unlink(p);
            }
        closedir(d);
    }
    return make_dir(out, 0700);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

/* Root's pin of central's signing key (STATE/central.pin): written by the
 * first apply; after it, a station whose key file names another central
 * is refused, so that whoever can write the station's files (the kiosk's
 * and the sync daemon's users) cannot swap the key and have root install
 * their packages. 0: the key is the pinned one. */
static int check_pin(ctx *c, const uint8_t pk[32])
{
    char path[4200], want[65], have[80] = "";
    snprintf(path, sizeof path, "%s/central.pin", c->state_dir);
    hex(pk, 32, want);
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(have, sizeof have, f))
            have[0] = '\0';
        fclose(f);
        have[strcspn(have, "\n")] = '\0';
        if (strcmp(have, want) != 0) {
            say_err("the station's key file trusts another central (%.16s...) than the one "
                    "pinned in %s (%.16s...): refused. If central's keys were really replaced, "
                    "the technician removes the pin as root.",
                    want, path, have);
            return 1;
        }
        return 0;
    }
    if (errno != ENOENT || make_dir(c->state_dir, 0700)) {
        say_err("cannot read %s: %s", path, strerror(errno));
        return 1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0 || dprintf(fd, "%s\n", want) < 0 || fsync(fd) || close(fd)) {
        say_err("cannot write %s: %s", path, strerror(errno));
        return 1;
    }
    printf("central's key %.16s... pinned in %s\n", want, path);
    return 0;
}

/* ---- applying one update ---- */

enum { APPLIED = 0, FAILED = 1, DEFERRED = UPDATE_DEFERRED, REFUSED = 2 };

static int apply_one(ctx *c, const char *path)
{
    const uint8_t *pk = sq_station_keys_central_sign_pk(c->k);
    char work[4200], detail[900];
    sq_update_manifest m;
    sq_err e;
    if (check_pin(c, pk)) {
        audit(c, "update", SQ_EAUTH, "central's key differs from root's pin: refused");
        return REFUSED;
    }
    if (work_dir(c, work, sizeof work))
        return FAILED;
    sq_status st = sq_update_unpack(path, pk, work, &m, &e);
    if (st) {
        say_err("%s", e.msg);
        note(c, NOTE_STATE, "refused: %s", e.msg);
        audit(c, "update", st, e.msg);
        return st == SQ_EIO || st == SQ_ENOMEM || st == SQ_ENOTFOUND ? FAILED : REFUSED;
    }
    int rc = APPLIED;
    int64_t open_n = 0;
    if ((st = sq_update_open_attempts(c->s, &open_n, &e))) {
        say_err("%s", e.msg);
        rc = FAILED;
        goto out;
    }
    char prev[1024] = "";
    if (sq_store_note_get(c->s, NOTE_STATE, prev, sizeof prev, &e))
        prev[0] = '\0';
    if (open_n > 0) {
        snprintf(detail, sizeof detail,
                 "%s deferred: %lld attempt(s) in progress on this station; it is installed "
                 "once they are submitted",
                 m.version, (long long)open_n);
        printf("%s\n", detail);
        char now_state[1024];
        snprintf(now_state, sizeof now_state, "deferred %s", m.version);
        if (strncmp(prev, now_state, strlen(now_state)) != 0)
            audit(c, "update", SQ_EBUSY, detail);
        note(c, NOTE_STATE, "deferred %s: %lld attempt(s) open", m.version, (long long)open_n);
        rc = DEFERRED;
        goto out;
    }
    const char *args[SQ_UPDATE_MAX_PKGS + 8];
    char files[SQ_UPDATE_MAX_PKGS][4500];
    size_t na = 0;
    args[na++] = "--force-confdef";
    args[na++] = "--force-confold";
    args[na++] = "-i";
    for (size_t i = 0; i < m.n_pkgs; i++) {
        char have[128];
        bool partly;
        installed_version(c, m.pkgs[i].name, have, sizeof have, &partly);
        if (partly)
            printf("package %s is half installed (an installation stopped half-way); dpkg "
                   "mends it first\n", m.pkgs[i].name);
        if (have[0] && sq_version_compare(m.pkgs[i].version, have) < 0 && !m.allow_downgrade) {
            snprintf(detail, sizeof detail,
                     "%s: package %s %s is older than the %s installed; a downgrade needs an "
                     "update built with --allow-downgrade: refused",
                     m.version, m.pkgs[i].name, m.pkgs[i].version, have);
            say_err("%s", detail);
            note(c, NOTE_STATE, "refused %s", detail);
            audit(c, "update", SQ_ESTALE, detail);
            rc = REFUSED;
            goto out;
        }
        snprintf(files[i], sizeof files[i], "%s/%s", work, m.pkgs[i].file);
        args[na++] = files[i];
    }
    args[na] = NULL;
    if (!strncmp(prev, "installing ", 11)) {
        snprintf(detail, sizeof detail, "the installation before this one did not finish (%s); "
                 "dpkg mends it first", prev);
        printf("%s\n", detail);
        audit(c, "update", SQ_ESTATE, detail);
    }
    note(c, NOTE_STATE, "installing %s", m.version);
    snprintf(detail, sizeof detail, "%s: installing %zu package(s)", m.version, m.n_pkgs);
    audit(c, "update-begin", SQ_OK, detail);
    const char *configure[] = {"--force-confdef", "--force-confold", "--configure", "-a", NULL};
    int d1 = run_dpkg(c, configure, NULL, 0);
    int d2 = d1 == 0 ? run_dpkg(c, args, NULL, 0) : d1;
    /* What dpkg says is installed now, whatever its exit status said. */
    size_t ok = 0;
    for (size_t i = 0; i < m.n_pkgs; i++) {
        char have[128];
        bool partly;
        installed_version(c, m.pkgs[i].name, have, sizeof have, &partly);
        ok += have[0] && !sq_version_compare(have, m.pkgs[i].version);
    }
    if (d2 == 0 && ok == m.n_pkgs) {
        note(c, NOTE_VERSION, "%s", m.version);
        note(c, NOTE_STATE, "applied %s", m.version);
        snprintf(detail, sizeof detail, "%s applied (%zu package(s))", m.version, m.n_pkgs);
        audit(c, "update", SQ_OK, detail);
        printf("update %s applied\n", m.version);
        /* dpkg does not restart the station's programs (debian/rules:
         * never mid-exam); now, with no attempt open, they start on the
         * new version, and the next heartbeat says it. */
        /* An attempt begun while dpkg ran (the kiosk was not stopped)
         * keeps its screen: the programs then change at the next start. */
        int64_t now_open = 0;
        if (c->restart[0] && !sq_update_open_attempts(c->s, &now_open, &e) && now_open > 0) {
            printf("an attempt began during the installation: the station's programs are not "
                   "restarted now; they run %s from their next start\n", m.version);
        } else if (c->restart[0]) {
            const char *none[] = {NULL};
            int r = run_words(c->restart, none, NULL, 0);
            if (r != 0)
                say_err("'%s' exited with %d: the programs run the old version until they "
                        "restart", c->restart, r);
        }
    } else {
        snprintf(detail, sizeof detail,
                 "%s failed: dpkg %s exited with %d; %zu of %zu package(s) at the update's "
                 "version; what dpkg left is in place",
                 m.version, d1 ? "--configure -a" : "-i", d1 ? d1 : d2, ok, m.n_pkgs);
        say_err("%s", detail);
        note(c, NOTE_STATE, "failed %s", detail);
        audit(c, "update", SQ_EIO, detail);
        rc = FAILED;
    }
out:
    for (size_t i = 0; i < m.n_pkgs; i++) {
        char p[4500];
        snprintf(p, sizeof p, "%s/%s", work, m.pkgs[i].file);
        unlink(p);
    }
    return rc;
}

/* ---- the subcommands ---- */

static int is_update_file(const char *name)
{
    size_t n = strlen(name), s = strlen(SQ_UPDATE_SUFFIX);
    return name[0] != '.' && n > s && !strcmp(name + n - s, SQ_UPDATE_SUFFIX);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Moves a refused update out of the way (PENDING/refused/), so that it is
 * not tried again at every trigger; the state and the audit say why. */
static void set_aside(ctx *c, const char *name)
{
    char dir[4300], from[4500], to[4600];
    snprintf(dir, sizeof dir, "%s/refused", c->pending);
    snprintf(from, sizeof from, "%s/%s", c->pending, name);
    snprintf(to, sizeof to, "%s/%s", dir, name);
    if (make_dir(dir, 02770) == 0 && rename(from, to) == 0)
        printf("%s set aside in %s\n", name, dir);
    else
        say_err("cannot move %s aside: %s", from, strerror(errno));
}

/* Counts one more failed installation of the pending file name (the note
 * "update.fails": "COUNT NAME"; another name starts again at 1). */
static int failed_again(ctx *c, const char *name)
{
    char v[600] = "";
    sq_err e;
    int n = 0, used = 0;
    if (!sq_store_note_get(c->s, NOTE_FAILS, v, sizeof v, &e) &&
        sscanf(v, "%d %n", &n, &used) == 1 && strcmp(v + used, name) != 0)
        n = 0;
    n++;
    note(c, NOTE_FAILS, "%d %s", n, name);
    if (n >= INSTALL_TRIES) {
        char d[700];
        snprintf(d, sizeof d, "%s: installation failed %d times running: set aside", name, n);
        audit(c, "update", SQ_EIO, d);
    }
    return n;
}

static int cmd_apply_pending(ctx *c)
{
    DIR *d = opendir(c->pending);
    if (!d) {
        if (errno == ENOENT) {
            printf("no update waits in %s\n", c->pending);
            return 0;
        }
        say_err("cannot read %s: %s", c->pending, strerror(errno));
        return 1;
    }
    char *names[64];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < sizeof names / sizeof names[0])
        if (is_update_file(de->d_name))
            names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    if (n == 0)
        printf("no update waits in %s\n", c->pending);
    int rc = 0;
    size_t i = 0;
    for (; i < n && names[i]; i++) {
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", c->pending, names[i]);
        int r = apply_one(c, path);
        if (r == APPLIED) {
            sq_err e;
            if (sq_store_note_set(c->s, NOTE_FAILS, NULL, &e))
                say_err("%s", e.msg);
            if (unlink(path))
                say_err("cannot remove %s: %s", path, strerror(errno));
        } else if (r == REFUSED) {
            set_aside(c, names[i]);
            rc = 1;
        } else if (r == FAILED && failed_again(c, names[i]) >= INSTALL_TRIES) {
            /* dpkg failed with it INSTALL_TRIES times running: no more
             * tries at every trigger; the state and the audit say why. */
            set_aside(c, names[i]);
            rc = 1;
        } else {
            /* Deferred, or failed: it stays for the next trigger. */
            rc = r;
            break;
        }
    }
    for (size_t j = 0; j < n; j++)
        free(names[j]);
    return rc;
}

static int cmd_stage(ctx *c, const char *path)
{
    sq_update_manifest m;
    sq_err e;
    char detail[900];
    if (sq_update_stage_file(path, sq_station_keys_central_sign_pk(c->k), c->pending, &m, &e)) {
        say_err("%s", e.msg);
        audit(c, "update-stage", e.code, e.msg);
        return 1;
    }
    snprintf(detail, sizeof detail, "%s (%s, %zu package(s)) waits in %s for synaq-update",
             m.version, path, m.n_pkgs, c->pending);
    note(c, NOTE_STATE, "pending %s", m.version);
    audit(c, "update-stage", SQ_OK, detail);
    printf("update %s\n", detail);
    return 0;
}

/* From a stick: every STICK/synaq/updates/NAME.squ signed by central. */
static int cmd_stage_usb(ctx *c, const char *stick_arg)
{
    sq_usb_stick sticks[SQ_USB_MAX_STICKS];
    size_t n = 0;
    sq_err e;
    const char *stick = stick_arg;
    if (!stick) {
        if (sq_usb_find(getenv("SYNAQ_USB_ROOTS"), sticks, SQ_USB_MAX_STICKS, &n, &e)) {
            say_err("%s", e.msg);
            return 1;
        }
        if (n != 1) {
            say_err("%s: name the stick", n ? "more than one stick is plugged in" : "no stick found");
            return 1;
        }
        stick = sticks[0].path;
    }
    sq_update_stage_report r;
    char detail[900];
    sq_status st = sq_update_stage_usb(stick, sq_station_keys_central_sign_pk(c->k), c->pending,
                                       &r, &e);
    if (st) {
        say_err("%s", e.msg);
        audit(c, "update-stage", st, e.msg);
        return 1;
    }
    snprintf(detail, sizeof detail, "%s: %d update(s) staged (%s), %d refused%s%s", stick,
             r.staged, r.versions[0] ? r.versions : "none", r.refused,
             r.refused ? ": " : "", r.first_refusal);
    if (r.staged)
        note(c, NOTE_STATE, "pending %s", r.versions);
    audit(c, "update-stage", r.refused ? SQ_EAUTH : SQ_OK, detail);
    printf("%s\n", detail);
    return r.refused ? 1 : 0;
}

static int cmd_status(ctx *c)
{
    char v[1024], state[1024];
    sq_err e;
    if (sq_store_note_get(c->s, NOTE_VERSION, v, sizeof v, &e))
        snprintf(v, sizeof v, "none");
    if (sq_store_note_get(c->s, NOTE_STATE, state, sizeof state, &e))
        snprintf(state, sizeof state, "none");
    printf("update applied: %s\nlast update: %s\n", v, state);
    return 0;
}

int update_main(int argc, char **argv, const sq_station_paths *paths, sq_station_keys *k,
                sq_store *s)
{
    ctx c = {.paths = paths, .k = k, .s = s};
    const char *v = getenv("SYNAQ_UPDATE_PENDING");
    snprintf(c.pending, sizeof c.pending, "%s", v && *v ? v : "");
    if (!c.pending[0])
        snprintf(c.pending, sizeof c.pending, "%s/updates", paths->home);
    v = getenv("SYNAQ_UPDATE_STATE");
    snprintf(c.state_dir, sizeof c.state_dir, "%s", v && *v ? v : STATE_DEFAULT);
    v = getenv("SYNAQ_UPDATE_RESTART");
    snprintf(c.restart, sizeof c.restart, "%s", v ? v : RESTART_DEFAULT);
    v = getenv("SYNAQ_DPKG");
    snprintf(c.dpkg, sizeof c.dpkg, "%s", v && *v ? v : "dpkg");
    const char *sub = argc >= 2 ? argv[1] : "";
    if (!strcmp(sub, "stage") && argc == 3)
        return cmd_stage(&c, argv[2]);
    if (!strcmp(sub, "stage-usb") && argc <= 3)
        return cmd_stage_usb(&c, argc == 3 ? argv[2] : NULL);
    bool installs = (!strcmp(sub, "apply") && argc == 3) ||
                    (!strcmp(sub, "apply-pending") && argc == 2);
    if (installs && geteuid() != 0 && !getenv("SYNAQ_DPKG")) {
        say_err("%s installs packages with dpkg: run it as root (synaq-update.service does)", sub);
        return 1;
    }
    if (!strcmp(sub, "apply") && argc == 3) {
        int r = apply_one(&c, argv[2]);
        return r == REFUSED ? 1 : r;
    }
    if (!strcmp(sub, "apply-pending") && argc == 2)
        return cmd_apply_pending(&c);
    if (!strcmp(sub, "status") && argc == 2)
        return cmd_status(&c);
    say_err("usage: synaqctl update stage FILE | stage-usb [STICK] | apply FILE | apply-pending | status");
    return 2;
}
