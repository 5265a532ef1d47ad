/*
 * test_usb.c - USB sticks, with folders in a temp dir standing in for
 * them (and small tmpfs mounts for a full, a read-only and a mounted
 * stick, when mount(8) works here; otherwise the program ends skipped):
 * finding sticks; listing what is on one (kinds, symbolic links, files
 * that are no bundles, huge files, names that would garble a screen);
 * importing bundles (good, the same again, for another station, altered,
 * stale, not bundles, too big, linked from outside, a stick pulled out
 * mid-read, a full store); exporting results (batches and their manifest,
 * a second export replacing the first, a linked folder, a full and a
 * read-only stick); central's acknowledgements (good, forged, altered,
 * from another central, for another station, read twice); enrolment by
 * stick on both sides; sq_usb_put; an import and an export stopped midway
 * (sq_usb_*_stoppable: what each leaves). Every refusal is checked for its
 * message and for having changed nothing: the store (fx_digest) and,
 * where it matters, the files on the stick.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "check.h"
#include "utf8check.h"
#include "fixture.h"
#include "stickfs_int.h"
#include "db_int.h"
#include "synaq/tech.h"
#include "synaq/usb.h"

static fixture f;
static char other_keys[400], other_cert[400]; /* station st-002 */

/* ---- small helpers ---- */

static void pathf(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pathf(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}

static void mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

static bool exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* A fresh folder standing in for a stick: f.dir/sticks/name. */
static void new_stick(const char *name, char *out, size_t cap)
{
    pathf(out, cap, "%s/sticks/%s", f.dir, name);
    mkdirs(out);
}

static int copy_file(const char *from, const char *to)
{
    size_t len = 0;
    uint8_t *buf = fx_read(from, &len);
    int rc = buf ? fx_write(to, buf, len) : -1;
    free(buf);
    return rc;
}

static bool same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    uint8_t *pa = fx_read(a, &la), *pb = fx_read(b, &lb);
    bool same = pa && pb && la == lb && memcmp(pa, pb, la) == 0;
    free(pa);
    free(pb);
    return same;
}

static int put_text(const char *path, const char *text)
{
    return fx_write(path, text, strlen(text));
}

static int sparse_file(const char *path, off_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    int rc = ftruncate(fd, size);
    close(fd);
    return rc;
}

/* Entries in a folder, dot names included; -1: no such folder. */
static int n_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* A digest of a folder tree: names, types, sizes, contents (of files up
 * to 1 MiB), link targets; to show that a stick did not change. */
static crypto_generichash_state tree_h;
static size_t tree_root;

static int tree_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)flag;
    (void)ftw;
    const char *rel = path + tree_root;
    crypto_generichash_update(&tree_h, (const uint8_t *)rel, strlen(rel) + 1);
    unsigned type = (unsigned)(sb->st_mode & S_IFMT);
    int64_t size = (int64_t)sb->st_size;
    crypto_generichash_update(&tree_h, (const uint8_t *)&type, sizeof type);
    crypto_generichash_update(&tree_h, (const uint8_t *)&size, sizeof size);
    if (S_ISREG(sb->st_mode) && sb->st_size <= (1 << 20)) {
        size_t len = 0;
        uint8_t *buf = fx_read(path, &len);
        if (buf)
            crypto_generichash_update(&tree_h, buf, len);
        free(buf);
    } else if (S_ISLNK(sb->st_mode)) {
        char target[1024];
        ssize_t n = readlink(path, target, sizeof target);
        if (n > 0)
            crypto_generichash_update(&tree_h, (const uint8_t *)target, (size_t)n);
    }
    return 0;
}

static void tree_digest(const char *dir, uint8_t out[32])
{
    crypto_generichash_init(&tree_h, NULL, 0, 32);
    tree_root = strlen(dir);
    nftw(dir, tree_one, 16, FTW_PHYS);
    crypto_generichash_final(&tree_h, out, 32);
}

static bool exam_version(const char *id, int64_t *version)
{
    sq_err e;
    sq_exam_info *list = NULL;
    size_t n = 0;
    bool found = false;
    if (sq_catalog_exams(f.store, &list, &n, &e) != SQ_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].id, id) == 0) {
            found = true;
            if (version)
                *version = list[i].version;
        }
    sq_free(list);
    return found;
}

static bool exam_listed(const char *id)
{
    return exam_version(id, NULL);
}

/* A bundle of a small exam for f's station. */
static int build(const char *id, int version, int n_items, const char *out)
{
    char *yaml = fx_exam_yaml(id, version, n_items, 0);
    int rc = fx_bundle(&f, yaml, out, NULL, 0);
    free(yaml);
    return rc;
}

/* A bundle for the station of cert alone (not f's). */
static int build_for(const char *id, int version, int n_items, const char *out, const char *cert)
{
    static int counter;
    sq_err e;
    char src[512];
    pathf(src, sizeof src, "%s/other-source-%d.yaml", f.dir, counter++);
    char *yaml = fx_exam_yaml(id, version, n_items, 0);
    int rc = fx_write(src, yaml, strlen(yaml));
    free(yaml);
    if (rc)
        return -1;
    sq_exam_set *set = sq_exam_set_new();
    const char *certs[1] = {cert};
    if (sq_exam_set_load(set, src, &e) || sq_bundle_build(set, f.central, certs, 1, out, &e)) {
        fprintf(stderr, "build_for: %s\n", e.msg);
        rc = -1;
    }
    sq_exam_set_free(set);
    return rc;
}

static int64_t pending(void)
{
    sq_err e;
    int64_t p = -1;
    if (sq_batch_counts(f.store, &p, NULL, &e))
        fprintf(stderr, "pending: %s\n", e.msg);
    return p;
}

static int64_t exported(void)
{
    sqlite3_stmt *q = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(f.store->db,
                           "SELECT count(*) FROM results WHERE sent_wall IS NULL"
                           " AND exported_wall IS NOT NULL",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* n finished attempts at the exam "results" (imported the first time),
 * each one a pending result. */
static void make_results(int n)
{
    static bool have_exam;
    static int trainees;
    sq_err e;
    if (!have_exam) {
        char path[400];
        sq_import_report r;
        pathf(path, sizeof path, "%s/results-exam.sqb", f.dir);
        if (build("results", 1, 2, path) || sq_import_file(f.store, path, NULL, &r, &e)) {
            CHECK(!"the results exam could not be installed");
            return;
        }
        have_exam = true;
    }
    int made = 0;
    for (int i = 0; i < n; i++) {
        char trainee[32];
        sq_attempt *a = NULL;
        sq_outcome o;
        snprintf(trainee, sizeof trainee, "T-%d", ++trainees);
        if (sq_attempt_start(f.store, "results", trainee, "Сынақ Тест", &a, &e) ||
            sq_attempt_answer(a, 0, 1u, &e) || sq_attempt_finish(a, &o, &e))
            fprintf(stderr, "make_results: %s\n", e.msg);
        else
            made++;
        sq_attempt_free(a);
    }
    CHECK_INT(n, made);
}

static const sq_usb_note *note_for(const sq_usb_report *r, const char *file)
{
    for (int i = 0; i < r->n_notes; i++)
        if (strcmp(r->notes[i].file, file) == 0)
            return &r->notes[i];
    return NULL;
}

/* The note of file says code and holds phrase. */
static void check_note(const sq_usb_report *r, const char *file, sq_status code, const char *phrase,
                       int line)
{
    const sq_usb_note *n = note_for(r, file);
    check_count++;
    if (!n || n->code != code || !strstr(n->text, phrase)) {
        check_failures++;
        fprintf(stderr, "%s:%d: note for %s: expected code %d with \"%s\", got %s%d: \"%s\"\n",
                __FILE__, line, file, code, phrase, n ? "" : "no note ", n ? (int)n->code : -1,
                n ? n->text : "");
    }
}
#define CHECK_NOTE(r, file, code, phrase) check_note(r, file, code, phrase, __LINE__)

#define CHECK_SAME(a, b) CHECK(memcmp((a), (b), 32) == 0)


/* Every note of a report can be shown on a screen or in a log as it is:
 * no name from the stick brings a control character in. */
static void check_notes_clean(const sq_usb_report *r, int line)
{
    for (int i = 0; i < r->n_notes; i++) {
        check_count += 2;
        for (int k = 0; k < 2; k++) {
            const char *t = k ? r->notes[i].text : r->notes[i].file;
            if (utf8_check(t, strlen(t), true))
                continue;
            check_failures++;
            fprintf(stderr, "%s:%d: a note's %s is not printable: \"", __FILE__, line,
                    k ? "text" : "file");
            for (const unsigned char *q = (const unsigned char *)t; *q; q++)
                fprintf(stderr, *q < 0x20 || *q >= 0x7f ? "\\x%02x" : "%c", *q);
            fprintf(stderr, "\"\n");
        }
    }
}
#define CHECK_NOTES_CLEAN(r) check_notes_clean(r, __LINE__)

/* Progress reports: recorded, checked, and a hook to pull the stick out. */
typedef struct {
    int calls;
    int64_t first_done, last_done, last_total, max_done;
    bool went_down, over_total, total_changed;
    /* Pulling out: when pull_above < done < pull_below, do it to
     * pull_path, once. */
    const char *pull_path;
    int64_t pull_above, pull_below;
    bool pull_unlink, pulled;
    /* Growing: at the first report, append to grow_path 4 times its size. */
    const char *grow_path;
    bool grown;
} progress_log;

static void on_progress(void *ctx, int64_t done, int64_t total)
{
    progress_log *p = ctx;
    if (p->calls == 0) {
        p->first_done = done;
        p->last_total = total;
    }
    if (p->calls > 0 && done < p->last_done)
        p->went_down = true;
    if (total != p->last_total)
        p->total_changed = true;
    if (done > total)
        p->over_total = true;
    if (done > p->max_done)
        p->max_done = done;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
    if (p->grow_path && !p->grown) {
        size_t len = 0;
        uint8_t *buf = fx_read(p->grow_path, &len);
        FILE *fp = buf ? fopen(p->grow_path, "ab") : NULL;
        for (int i = 0; fp && i < 4; i++)
            fwrite(buf, 1, len, fp);
        if (fp)
            fclose(fp);
        free(buf);
        p->grown = true;
    }
    if (p->pull_path && !p->pulled && done > p->pull_above && done < p->pull_below) {
        p->pulled = true;
        if (p->pull_unlink)
            unlink(p->pull_path);
        else if (truncate(p->pull_path, done / 2) != 0)
            perror("truncate");
    }
}

/* Mounts of tmpfs, all undone at the end. */
static char mounts[8][512];
static int n_mounts;
static bool mount_failed;

/* Writes path until the file system is full. */
static void fill_up(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    static char block[4096];
    while (write(fd, block, sizeof block) > 0) {
    }
    /* The last partial page too. */
    while (write(fd, block, 1) > 0) {
    }
    CHECK_INT(ENOSPC, errno);
    close(fd);
}

static bool try_mount(const char *dir, const char *opts)
{
    char cmd[1200];
    if (mount_failed)
        return false;
    mkdirs(dir);
    pathf(cmd, sizeof cmd, "mount -t tmpfs -o %s tmpfs '%s' 2>/dev/null", opts, dir);
    if (system(cmd) != 0) {
        CHECK_SKIP("test_usb: cannot mount a tmpfs here (%s): the mounted, full and "
                   "read-only stick checks are not made",
                   opts);
        mount_failed = true;
        return false;
    }
    if (n_mounts < 8)
        snprintf(mounts[n_mounts++], sizeof mounts[0], "%s", dir);
    return true;
}

static int remount(const char *dir, const char *opts)
{
    char cmd[1200];
    pathf(cmd, sizeof cmd, "mount -o remount,%s '%s'", opts, dir);
    return system(cmd);
}

static void unmount(const char *dir)
{
    char cmd[1200];
    for (int i = 0; i < n_mounts; i++)
        if (strcmp(mounts[i], dir) == 0) {
            pathf(cmd, sizeof cmd, "umount '%s'", dir);
            if (system(cmd) != 0)
                fprintf(stderr, "test_usb: cannot unmount %s\n", dir);
            mounts[i][0] = 0;
        }
}

static void unmount_all(void)
{
    for (int i = n_mounts - 1; i >= 0; i--)
        if (mounts[i][0]) {
            char cmd[1200];
            pathf(cmd, sizeof cmd, "umount '%s' || umount -l '%s'", mounts[i], mounts[i]);
            if (system(cmd) != 0)
                fprintf(stderr, "test_usb: cannot unmount %s\n", mounts[i]);
            mounts[i][0] = 0;
        }
    n_mounts = 0;
}

/* ---- finding sticks ---- */

static void test_find(void)
{
    sq_err e;
    char root[512], media[600], mnt[600], missing[600], p[1200], roots[2000];
    sq_usb_stick out[SQ_USB_MAX_STICKS];
    size_t n = 99;
    pathf(root, sizeof root, "%s/find", f.dir);
    pathf(media, sizeof media, "%s/media", root);
    pathf(mnt, sizeof mnt, "%s/mnt", root);
    pathf(missing, sizeof missing, "%s/missing", root);

    /* Made in an order that is not the sorted one. */
    pathf(p, sizeof p, "%s/z-stick/synaq", mnt);
    mkdirs(p);
    pathf(p, sizeof p, "%s/user/LABEL/synaq", media);
    mkdirs(p);
    pathf(p, sizeof p, "%s/b-stick", media);
    mkdirs(p);
    pathf(p, sizeof p, "%s/b-stick/exam.sqb", media);
    put_text(p, "x");
    pathf(p, sizeof p, "%s/a-stick/synaq", media);
    mkdirs(p);
    pathf(p, sizeof p, "%s/c\x1b[2Jname/synaq", media); /* a name with an escape */
    mkdirs(p);
    pathf(p, sizeof p, "%s/empty", media); /* no Synaq files, no mount */
    mkdirs(p);
    pathf(p, sizeof p, "%s/dotted", media); /* only a hidden bundle */
    mkdirs(p);
    pathf(p, sizeof p, "%s/dotted/.hidden.sqb", media);
    put_text(p, "x");
    pathf(p, sizeof p, "%s/deep/one/two/synaq", media); /* three levels down */
    mkdirs(p);
    pathf(p, sizeof p, "%s/linksynaq", media); /* synaq is a link */
    mkdirs(p);
    pathf(p, sizeof p, "%s/elsewhere/target/synaq", root);
    mkdirs(p);
    char target[1200], link[1200];
    pathf(target, sizeof target, "%s/elsewhere/target", root);
    pathf(link, sizeof link, "%s/linked", media); /* a link to a stick-like folder */
    CHECK_INT(0, symlink(target, link));
    pathf(target, sizeof target, "%s/elsewhere/target/synaq", root);
    pathf(link, sizeof link, "%s/linksynaq/synaq", media);
    CHECK_INT(0, symlink(target, link));
    pathf(p, sizeof p, "%s/file.sqb", media); /* a file, not a folder */
    put_text(p, "x");

    pathf(roots, sizeof roots, "%s:%s/:%s", missing, media, mnt);
    CHECK_OK(sq_usb_find(roots, out, SQ_USB_MAX_STICKS, &n, &e), &e);
    static const struct {
        const char *under, *path, *name;
    } want[] = {
        {"media", "a-stick", "a-stick"},        {"media", "b-stick", "b-stick"},
        {"media", "c\x1b[2Jname", "c?[2Jname"}, {"media", "user/LABEL", "LABEL"},
        {"mnt", "z-stick", "z-stick"},
    };
    size_t nw = sizeof want / sizeof want[0];
    CHECK_INT(nw, n);
    for (size_t i = 0; i < nw && i < n; i++) {
        pathf(p, sizeof p, "%s/%s/%s", root, want[i].under, want[i].path);
        CHECK_STR(p, out[i].path);
        CHECK_STR(want[i].name, out[i].name);
        CHECK(!out[i].mounted);
    }
    for (size_t i = 0; i + 1 < n; i++)
        CHECK(strcmp(out[i].path, out[i + 1].path) < 0);

    /* max is respected, and nothing is written past it. */
    sq_usb_stick few[3];
    memset(few, 0, sizeof few);
    snprintf(few[2].path, sizeof few[2].path, "sentinel");
    CHECK_OK(sq_usb_find(roots, few, 2, &n, &e), &e);
    CHECK_INT(2, n);
    CHECK_STR("sentinel", few[2].path);
    CHECK(strcmp(few[0].path, few[1].path) < 0);
    CHECK_OK(sq_usb_find(roots, few, 0, &n, &e), &e);
    CHECK_INT(0, n);

    /* Only missing roots, and a root that is a file: nothing, no error. */
    pathf(roots, sizeof roots, "%s:%s/file.sqb", missing, media);
    CHECK_OK(sq_usb_find(roots, out, SQ_USB_MAX_STICKS, &n, &e), &e);
    CHECK_INT(0, n);

    /* A mount point counts even when empty; a root that is one counts
     * itself. */
    pathf(p, sizeof p, "%s/usb", mnt);
    if (try_mount(p, "size=64k")) {
        pathf(roots, sizeof roots, "%s", mnt);
        CHECK_OK(sq_usb_find(roots, out, SQ_USB_MAX_STICKS, &n, &e), &e);
        CHECK_INT(2, n);
        if (n == 2) {
            CHECK_STR(p, out[0].path);
            CHECK(out[0].mounted);
            CHECK_STR("usb", out[0].name);
            CHECK(!out[1].mounted);
        }
        CHECK_OK(sq_usb_find(p, out, SQ_USB_MAX_STICKS, &n, &e), &e);
        CHECK_INT(1, n);
        if (n == 1) {
            CHECK_STR(p, out[0].path);
            CHECK(out[0].mounted);
        }
        unmount(p);
    }
}

/* ---- what is on a stick ---- */

static const sq_usb_file *listed(const sq_usb_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->files[i].name, name) == 0)
            return &l->files[i];
    return NULL;
}

static void check_listed(const sq_usb_list *l, const char *name, sq_usb_kind kind,
                         sq_status problem, const char *why, int line)
{
    const sq_usb_file *x = listed(l, name);
    check_count++;
    if (!x || x->kind != kind || x->problem != problem || (why && !strstr(x->why, why))) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s: expected kind %d, problem %d \"%s\"; got %s%d, %d \"%s\"\n",
                __FILE__, line, name, kind, problem, why ? why : "", x ? "" : "not listed ",
                x ? (int)x->kind : -1, x ? (int)x->problem : -1, x ? x->why : "");
    }
}
#define CHECK_LISTED(l, name, kind, problem, why)                                                  \
    check_listed(l, name, kind, problem, why, __LINE__)

static void test_files(void)
{
    sq_err e;
    char s[512], p[1200], good[600], outside[600];
    new_stick("files", s, sizeof s);
    pathf(good, sizeof good, "%s/files-good.sqb", f.dir);
    CHECK_INT(0, build("files", 1, 2, good));
    pathf(outside, sizeof outside, "%s/outside", f.dir);
    mkdirs(outside);

    pathf(p, sizeof p, "%s/a-top.sqb", s);
    CHECK_INT(0, copy_file(good, p));
    pathf(p, sizeof p, "%s/z-top.sqb", s); /* after "synaq" in the sort */
    CHECK_INT(0, copy_file(good, p));
    pathf(p, sizeof p, "%s/.hidden.sqb", s);
    CHECK_INT(0, copy_file(good, p));
    pathf(p, sizeof p, "%s/readme.txt", s);
    put_text(p, "not ours");
    pathf(p, sizeof p, "%s/synaq/bundles", s);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/in-synaq.sqb", s);
    CHECK_INT(0, copy_file(good, p));
    pathf(p, sizeof p, "%s/synaq/central.pub", s);
    CHECK_INT(0, copy_file(f.central_pub, p));
    pathf(p, sizeof p, "%s/synaq/bundles/b.sqb", s);
    CHECK_INT(0, copy_file(good, p));
    pathf(p, sizeof p, "%s/synaq/bundles/c-text.sqb", s);
    put_text(p, "SQBUNDLX this is no bundle at all");
    pathf(p, sizeof p, "%s/synaq/bundles/d-short.sqb", s);
    put_text(p, "SQB");
    pathf(p, sizeof p, "%s/synaq/bundles/e-max.sqb", s); /* exactly the cap: looked at */
    CHECK_INT(0, sparse_file(p, (off_t)SQ_BUNDLE_MAX_FILE));
    pathf(p, sizeof p, "%s/synaq/bundles/f-huge.sqb", s); /* one byte above */
    CHECK_INT(0, sparse_file(p, (off_t)SQ_BUNDLE_MAX_FILE + 1));
    pathf(p, sizeof p, "%s/synaq/bundles/g-vast.sqb", s); /* 64 GiB: reading it would show */
    CHECK_INT(0, sparse_file(p, (off_t)64 << 30));
    pathf(p, sizeof p, "%s/synaq/bundles/h-link.sqb", s);
    CHECK_INT(0, symlink(good, p));
    pathf(p, sizeof p, "%s/synaq/bundles/i-fifo.sqb", s);
    CHECK_INT(0, mkfifo(p, 0644));
    pathf(p, sizeof p, "%s/synaq/bundles/j-dir.sqb", s);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/enrol", s);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/enrol/0123456789abcdef.req", s);
    CHECK_INT(0, copy_file(f.req_path, p));
    pathf(p, sizeof p, "%s/synaq/enrol/0123456789abcdef.cert", s);
    CHECK_INT(0, copy_file(f.cert_path, p));
    pathf(p, sizeof p, "%s/synaq/st-001/outgoing", s);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/st-001/outgoing/000000000001-x.sqbatch", s);
    put_text(p, "SQBATCH1 and the rest");
    pathf(p, sizeof p, "%s/synaq/st-001/acks", s);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/st-001/acks/x.ack", s);
    put_text(p, "SQACK01 and the rest");
    pathf(p, sizeof p, "%s/synaq/st-001/acks/link.ack", s);
    CHECK_INT(0, symlink("/etc/passwd", p));
    pathf(p, sizeof p, "%s/synaq/st-002/acks", s);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/st-002/acks/y.ack", s); /* another station's */
    put_text(p, "SQACK01 and the rest");

    uint8_t before[32], after[32];
    tree_digest(s, before);
    sq_usb_list l;
    CHECK_OK(sq_usb_files(s, "st-001", &l, &e), &e);
    CHECK_INT(4, l.count[SQ_USB_BUNDLE]);
    CHECK_INT(1, l.count[SQ_USB_CENTRAL_PUB]);
    CHECK_INT(1, l.count[SQ_USB_REQUEST]);
    CHECK_INT(1, l.count[SQ_USB_CERT]);
    CHECK_INT(1, l.count[SQ_USB_BATCH]);
    CHECK_INT(1, l.count[SQ_USB_ACK]);
    CHECK_INT(9, l.problems);
    CHECK_INT(18, l.n);
    CHECK_LISTED(&l, "a-top.sqb", SQ_USB_BUNDLE, SQ_OK, NULL);
    CHECK_LISTED(&l, "synaq/in-synaq.sqb", SQ_USB_BUNDLE, SQ_OK, NULL);
    CHECK_LISTED(&l, "synaq/bundles/b.sqb", SQ_USB_BUNDLE, SQ_OK, NULL);
    CHECK_LISTED(&l, "synaq/bundles/c-text.sqb", SQ_USB_BUNDLE, SQ_EINVAL, "not a Synaq bundle");
    CHECK_LISTED(&l, "synaq/bundles/d-short.sqb", SQ_USB_BUNDLE, SQ_EINVAL, "not a Synaq bundle");
    CHECK_LISTED(&l, "synaq/bundles/e-max.sqb", SQ_USB_BUNDLE, SQ_EINVAL, "not a Synaq bundle");
    CHECK_LISTED(&l, "synaq/bundles/f-huge.sqb", SQ_USB_BUNDLE, SQ_ETOOBIG, "above the limit");
    CHECK_LISTED(&l, "synaq/bundles/g-vast.sqb", SQ_USB_BUNDLE, SQ_ETOOBIG, "above the limit");
    CHECK_LISTED(&l, "synaq/bundles/h-link.sqb", SQ_USB_BUNDLE, SQ_EINVAL, "symbolic link");
    CHECK_LISTED(&l, "synaq/bundles/i-fifo.sqb", SQ_USB_BUNDLE, SQ_EINVAL, "not a regular file");
    CHECK_LISTED(&l, "synaq/bundles/j-dir.sqb", SQ_USB_BUNDLE, SQ_EINVAL, "not a regular file");
    CHECK_LISTED(&l, "synaq/central.pub", SQ_USB_CENTRAL_PUB, SQ_OK, NULL);
    CHECK_LISTED(&l, "synaq/enrol/0123456789abcdef.req", SQ_USB_REQUEST, SQ_OK, NULL);
    CHECK_LISTED(&l, "synaq/enrol/0123456789abcdef.cert", SQ_USB_CERT, SQ_OK, NULL);
    CHECK_LISTED(&l, "synaq/st-001/outgoing/000000000001-x.sqbatch", SQ_USB_BATCH, SQ_OK, NULL);
    CHECK_LISTED(&l, "synaq/st-001/acks/x.ack", SQ_USB_ACK, SQ_OK, NULL);
    CHECK_LISTED(&l, "synaq/st-001/acks/link.ack", SQ_USB_ACK, SQ_EINVAL, "symbolic link");
    CHECK(!listed(&l, ".hidden.sqb"));
    CHECK(!listed(&l, "readme.txt"));
    CHECK(!listed(&l, "synaq/st-002/acks/y.ack"));
    const sq_usb_file *x = listed(&l, "synaq/bundles/g-vast.sqb");
    CHECK(x && x->size_bytes == (int64_t)64 << 30);
    x = listed(&l, "synaq/bundles/b.sqb");
    struct stat sb;
    CHECK(x && stat(good, &sb) == 0 && x->size_bytes == sb.st_size);
    /* sorted by name (usb.h) */
    for (size_t i = 0; i + 1 < l.n; i++)
        if (strcmp(l.files[i].name, l.files[i + 1].name) >= 0) {
            fprintf(stderr, "%s:%d: sq_usb_files: not sorted by name: \"%s\" before \"%s\"\n",
                    __FILE__, __LINE__, l.files[i].name, l.files[i + 1].name);
            CHECK(!"sq_usb_files sorted by name");
            break;
        }
    sq_usb_list_free(&l);

    /* No station: no batches or acknowledgements looked for. */
    CHECK_OK(sq_usb_files(s, NULL, &l, &e), &e);
    CHECK_INT(4, l.count[SQ_USB_BUNDLE]);
    CHECK_INT(0, l.count[SQ_USB_BATCH]);
    CHECK_INT(0, l.count[SQ_USB_ACK]);
    CHECK_INT(8, l.problems);
    sq_usb_list_free(&l);
    tree_digest(s, after);
    CHECK_SAME(before, after);

    /* A synaq folder that is a link to a full one elsewhere: one problem,
     * nothing behind it listed. */
    char s2[512];
    new_stick("files-linked", s2, sizeof s2);
    pathf(p, sizeof p, "%s/synaq", s);
    char link[1200];
    pathf(link, sizeof link, "%s/synaq", s2);
    CHECK_INT(0, symlink(p, link));
    CHECK_OK(sq_usb_files(s2, "st-001", &l, &e), &e);
    for (int k = 0; k < SQ_USB_KINDS; k++)
        CHECK_INT(0, l.count[k]);
    CHECK_LISTED(&l, "synaq", SQ_USB_BUNDLE, SQ_EINVAL, "symbolic link");
    if (l.problems != 1 || l.n != 1) {
        fprintf(stderr, "%s:%d: a linked synaq folder: expected one problem, got %d:\n", __FILE__,
                __LINE__, l.problems);
        for (size_t i = 0; i < l.n; i++)
            fprintf(stderr, "    %s: %s\n", l.files[i].name, l.files[i].why);
    }
    CHECK_INT(1, l.problems);
    sq_usb_list_free(&l);

    /* Names that would garble a screen come back printable; good names
     * come back as they are. Each is a real bundle. */
    static const struct {
        const char *name, *shown; /* shown NULL: anything clean */
        const char *what;
    } names[] = {
        {"ok-Сынақ-Қазақ.sqb", "ok-Сынақ-Қазақ.sqb", "valid UTF-8 kept"},
        {"esc\x1b[31mred.sqb", "esc?[31mred.sqb", "an escape (C0)"},
        {"new\nline.sqb", "new?line.sqb", "a newline"},
        {"del\x7f.sqb", "del?.sqb", "DEL"},
        {"bytes\xff\xfe.sqb", "bytes??.sqb", "bytes that are no UTF-8"},
        {"cut\xd0.sqb", "cut?.sqb", "a cut sequence"},
        {"csi\xc2\x9b"
         "31m.sqb",
         NULL, "a C1 control (U+009B, CSI)"},
        {"over\xc0\xaf.sqb", NULL, "an overlong '/'"},
        {"surr\xed\xa0\x80.sqb", NULL, "a UTF-16 surrogate"},
        {"big\xf5\x80\x80\x80.sqb", NULL, "above U+10FFFF"},
    };
    size_t nn = sizeof names / sizeof names[0];
    char s3[512];
    new_stick("files-names", s3, sizeof s3);
    for (size_t i = 0; i < nn; i++) {
        pathf(p, sizeof p, "%s/%s", s3, names[i].name);
        CHECK_INT(0, copy_file(good, p));
    }
    CHECK_OK(sq_usb_files(s3, NULL, &l, &e), &e);
    CHECK_INT(nn, l.n);
    CHECK_INT(nn, l.count[SQ_USB_BUNDLE]);
    for (size_t i = 0; i < l.n; i++) {
        if (!utf8_check(l.files[i].name, strlen(l.files[i].name), true)) {
            char hex[1600] = "";
            for (const unsigned char *q = (const unsigned char *)l.files[i].name; *q; q++)
                snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x", *q);
            fprintf(stderr, "%s:%d: sq_usb_files: a name came back unprintable: %s\n", __FILE__,
                    __LINE__, hex);
        }
        CHECK(utf8_check(l.files[i].name, strlen(l.files[i].name), true));
    }
    for (size_t i = 0; i < nn; i++)
        if (names[i].shown && !listed(&l, names[i].shown)) {
            fprintf(stderr, "%s:%d: %s: \"%s\" not listed\n", __FILE__, __LINE__, names[i].what,
                    names[i].shown);
            CHECK(!"name shown as expected");
        }
    sq_usb_list_free(&l);

    /* Not a stick at all. */
    pathf(p, sizeof p, "%s/sticks/no-such-stick", f.dir);
    CHECK_ERR(SQ_ENOTFOUND, "was it removed", sq_usb_files(p, NULL, &l, &e), &e);
    CHECK_INT(0, l.n);
}

/* ---- import ---- */

static void test_import(void)
{
    sq_err e = {0};
    sq_usb_report r;
    char s[512], p[1200], p2[1200];
    uint8_t before[32], after[32], tb[32], ta[32];
    size_t saved_chunk = sqi_stickfs_read_chunk;
    sqi_stickfs_read_chunk = 512; /* several reads a bundle, several progress reports */

    /* Two good bundles, one at the top and one in synaq/bundles. */
    new_stick("import-good", s, sizeof s);
    pathf(p, sizeof p, "%s/10-a.sqb", s);
    CHECK_INT(0, build("usb-a", 2, 3, p));
    pathf(p, sizeof p, "%s/synaq/bundles", s);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/bundles/20-b.sqb", s);
    CHECK_INT(0, build("usb-b", 1, 2, p));
    int64_t sizes = 0;
    struct stat sb;
    pathf(p, sizeof p, "%s/10-a.sqb", s);
    if (stat(p, &sb) == 0)
        sizes += sb.st_size;
    pathf(p, sizeof p, "%s/synaq/bundles/20-b.sqb", s);
    if (stat(p, &sb) == 0)
        sizes += sb.st_size;
    tree_digest(s, tb);
    progress_log pl = {0};
    sq_progress pr = {on_progress, &pl};
    CHECK_OK(sq_usb_import(f.store, s, &pr, &r, &e), &e);
    CHECK_INT(2, r.files);
    CHECK_INT(2, r.done);
    CHECK_INT(0, r.same);
    CHECK_INT(0, r.skipped);
    CHECK_INT(2, r.exams);
    CHECK_INT(5, r.items);
    CHECK(!r.stick_gone);
    CHECK_NOTE(&r, "10-a.sqb", SQ_OK, "imported");
    CHECK_NOTE(&r, "synaq/bundles/20-b.sqb", SQ_OK, "imported");
    CHECK(exam_listed("usb-a"));
    CHECK(exam_listed("usb-b"));
    CHECK(pl.calls > 4);
    CHECK_INT(0, pl.first_done);
    CHECK(!pl.went_down);
    CHECK(!pl.over_total);
    CHECK(!pl.total_changed);
    CHECK_INT(2 * sizes, pl.last_total);
    CHECK_INT(pl.last_total, pl.last_done);
    tree_digest(s, ta);
    CHECK_SAME(tb, ta);

    /* The same stick again: nothing happens. */
    fx_digest(f.db_path, before);
    memset(&pl, 0, sizeof pl);
    CHECK_OK(sq_usb_import(f.store, s, &pr, &r, &e), &e);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);
    CHECK_INT(2, r.files);
    CHECK_INT(0, r.done);
    CHECK_INT(2, r.same);
    CHECK_INT(0, r.exams);
    CHECK_NOTE(&r, "10-a.sqb", SQ_EEXIST, "installed already");
    CHECK(!pl.went_down);
    CHECK_INT(pl.last_total, pl.last_done);

    /* A stick of everything that must be passed over or refused, and one
     * good bundle among them. */
    char bad[512], good_outside[600];
    new_stick("import-mixed", bad, sizeof bad);
    pathf(p, sizeof p, "%s/a-other.sqb", bad);
    CHECK_INT(0, build_for("usb-other", 1, 2, p, other_cert));
    pathf(p, sizeof p, "%s/b-altered.sqb", bad);
    CHECK_INT(0, build("usb-c", 1, 2, p));
    size_t len = 0;
    uint8_t *buf = fx_read(p, &len);
    CHECK(buf && len > 100);
    if (buf) {
        buf[len / 2] ^= 0x20;
        fx_write(p, buf, len);
    }
    free(buf);
    pathf(p, sizeof p, "%s/c-good.sqb", bad);
    CHECK_INT(0, build("usb-d", 1, 4, p));
    pathf(p, sizeof p, "%s/d-text.sqb", bad);
    put_text(p, "this is no bundle, only a name that ends in .sqb\n");
    pathf(p, sizeof p, "%s/e-huge.sqb", bad);
    CHECK_INT(0, sparse_file(p, (off_t)SQ_BUNDLE_MAX_FILE + 1));
    pathf(good_outside, sizeof good_outside, "%s/usb-e.sqb", f.dir);
    CHECK_INT(0, build("usb-e", 1, 2, good_outside));
    pathf(p, sizeof p, "%s/f-link.sqb", bad);
    CHECK_INT(0, symlink(good_outside, p));
    pathf(p, sizeof p, "%s/g-stale.sqb", bad); /* usb-a 1; 2 is installed */
    CHECK_INT(0, build("usb-a", 1, 3, p));
    pathf(p, sizeof p, "%s/h-fifo.sqb", bad); /* must not hang the import */
    CHECK_INT(0, mkfifo(p, 0644));
    pathf(p, sizeof p, "%s/i-esc\x1b]0;pwned\x07\x1b[2J.sqb", bad); /* a name that is a
                                                                   terminal command */
    put_text(p, "no bundle\n");
    tree_digest(bad, tb);
    memset(&pl, 0, sizeof pl);
    CHECK_OK(sq_usb_import(f.store, bad, &pr, &r, &e), &e);
    CHECK_INT(9, r.files);
    CHECK_INT(1, r.done);
    CHECK_INT(1, r.others);
    CHECK_INT(0, r.same);
    CHECK_INT(7, r.skipped);
    CHECK_INT(1, r.exams);
    CHECK_INT(4, r.items);
    CHECK(!r.stick_gone);
    CHECK_NOTE(&r, "a-other.sqb", SQ_EWRONGSTATION, "passed over");
    CHECK_NOTE(&r, "b-altered.sqb", SQ_EAUTH, "not imported");
    CHECK_NOTE(&r, "c-good.sqb", SQ_OK, "imported");
    CHECK_NOTE(&r, "d-text.sqb", SQ_EINVAL, "is not a Synaq bundle");
    CHECK_NOTE(&r, "e-huge.sqb", SQ_ETOOBIG, "above the limit");
    CHECK_NOTE(&r, "f-link.sqb", SQ_EINVAL, "symbolic link");
    CHECK_NOTE(&r, "g-stale.sqb", SQ_ESTALE, "not imported");
    CHECK_NOTE(&r, "h-fifo.sqb", SQ_EINVAL, "not a regular file");
    CHECK_NOTE(&r, "i-esc?]0;pwned??[2J.sqb", SQ_EINVAL, "not a Synaq bundle");
    CHECK_NOTES_CLEAN(&r);
    CHECK(exam_listed("usb-d"));
    CHECK(!exam_listed("usb-c"));
    CHECK(!exam_listed("usb-e"));
    CHECK(!exam_listed("usb-other"));
    int64_t v = 0;
    CHECK(exam_version("usb-a", &v) && v == 2);
    CHECK(!pl.went_down);
    CHECK(!pl.over_total);
    CHECK_INT(pl.last_total, pl.last_done);
    /* the huge file counts for nothing in the progress: it is not read */
    CHECK(pl.last_total < (int64_t)SQ_BUNDLE_MAX_FILE);
    tree_digest(bad, ta);
    CHECK_SAME(tb, ta);
    /* And again: only the good one is "the same" now; nothing changes. */
    fx_digest(f.db_path, before);
    CHECK_OK(sq_usb_import(f.store, bad, NULL, &r, &e), &e);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);
    CHECK_INT(1, r.same);
    CHECK_INT(0, r.done);

    /* A bundle that grows after the stick was listed (the stick written
     * to during the import): the progress still never goes down, nor
     * past its total. */
    {
        char gs[512];
        new_stick("import-grows", gs, sizeof gs);
        pathf(p, sizeof p, "%s/a-first.sqb", gs);
        CHECK_INT(0, build("usb-grow-1", 1, 2, p));
        pathf(p2, sizeof p2, "%s/b-grows.sqb", gs);
        CHECK_INT(0, build("usb-grow-2", 1, 2, p2));
        memset(&pl, 0, sizeof pl);
        pl.grow_path = p2;
        CHECK_OK(sq_usb_import(f.store, gs, &pr, &r, &e), &e);
        CHECK(pl.grown);
        CHECK_INT(1, r.done);
        CHECK_INT(1, r.skipped);
        if (pl.went_down || pl.over_total)
            fprintf(stderr,
                    "%s:%d: a file that grew after the listing: progress reached %lld "
                    "of %lld, then came back to %lld\n",
                    __FILE__, __LINE__, (long long)pl.max_done, (long long)pl.last_total,
                    (long long)pl.last_done);
        CHECK(!pl.over_total);
        CHECK(!pl.went_down);
        CHECK_INT(pl.last_total, pl.last_done);
    }

    /* Many bad files: each one counted, the first SQ_USB_MAX_NOTES noted. */
    {
        char ms[512];
        new_stick("import-many", ms, sizeof ms);
        for (int i = 0; i < SQ_USB_MAX_NOTES + 6; i++) {
            pathf(p, sizeof p, "%s/bad-%02d.sqb", ms, i);
            put_text(p, "SQBUNDLE but no more");
        }
        fx_digest(f.db_path, before);
        CHECK_OK(sq_usb_import(f.store, ms, NULL, &r, &e), &e);
        fx_digest(f.db_path, after);
        CHECK_SAME(before, after);
        CHECK_INT(SQ_USB_MAX_NOTES + 6, r.files);
        CHECK_INT(SQ_USB_MAX_NOTES + 6, r.skipped);
        CHECK_INT(SQ_USB_MAX_NOTES, r.n_notes);
        CHECK_STR("bad-00.sqb", r.notes[0].file);
    }

    /* A synaq folder that is a link to good bundles elsewhere: refused,
     * noted, nothing imported through it. */
    char ls[512], target[600];
    new_stick("import-linked", ls, sizeof ls);
    pathf(target, sizeof target, "%s/linked-target/bundles", f.dir);
    mkdirs(target);
    pathf(p, sizeof p, "%s/x.sqb", target);
    CHECK_INT(0, build("usb-f", 1, 2, p));
    pathf(p, sizeof p, "%s/linked-target", f.dir);
    pathf(p2, sizeof p2, "%s/synaq", ls);
    CHECK_INT(0, symlink(p, p2));
    fx_digest(f.db_path, before);
    CHECK_OK(sq_usb_import(f.store, ls, NULL, &r, &e), &e);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);
    CHECK_INT(0, r.done);
    CHECK_INT(0, r.files);
    CHECK(r.skipped >= 1);
    CHECK_NOTE(&r, "synaq", SQ_EINVAL, "symbolic link");
    CHECK(!exam_listed("usb-f"));

    /* The stick pulled out mid-read: the file shrinks, or vanishes,
     * between two reads. The bundle is not imported, the import stops. */
    sqi_stickfs_read_chunk = 64;
    static const struct {
        bool unlink;
        const char *what;
    } pulls[] = {{false, "shrinks"}, {true, "vanishes"}};
    for (size_t i = 0; i < 2; i++) {
        char gs[512], name[64];
        snprintf(name, sizeof name, "import-gone-%zu", i);
        new_stick(name, gs, sizeof gs);
        pathf(p, sizeof p, "%s/a-big.sqb", gs);
        snprintf(name, sizeof name, "usb-gone-%zu", i);
        CHECK_INT(0, build(name, 1, 40, p));
        CHECK(stat(p, &sb) == 0 && sb.st_size > 4 * 64);
        pathf(p2, sizeof p2, "%s/b-next.sqb", gs);
        CHECK_INT(0, build("usb-after-gone", 1, 2, p2));
        memset(&pl, 0, sizeof pl);
        pl.pull_path = p;
        pl.pull_below = sb.st_size; /* while the first file is read */
        pl.pull_unlink = pulls[i].unlink;
        fx_digest(f.db_path, before);
        CHECK_ERR(SQ_EIO, "the stick went away during the import",
                  sq_usb_import(f.store, gs, &pr, &r, &e), &e);
        fx_digest(f.db_path, after);
        if (memcmp(before, after, 32) != 0)
            fprintf(stderr, "%s:%d: the store changed when a file %s\n", __FILE__, __LINE__,
                    pulls[i].what);
        CHECK_SAME(before, after);
        CHECK(pl.pulled);
        CHECK(r.stick_gone);
        CHECK_INT(0, r.done);
        CHECK_INT(1, r.files);
        CHECK_NOTE(&r, "a-big.sqb", SQ_EIO, "changed or vanished while it was read");
        CHECK(!exam_listed(name));
        CHECK(!exam_listed("usb-after-gone"));
        CHECK(!pl.went_down);
    }

    /* After one good bundle: that one stays, the message says so. */
    {
        char gs[512];
        new_stick("import-gone-late", gs, sizeof gs);
        pathf(p2, sizeof p2, "%s/a-first.sqb", gs);
        CHECK_INT(0, build("usb-first", 1, 2, p2));
        int64_t first = stat(p2, &sb) == 0 ? sb.st_size : 0;
        pathf(p, sizeof p, "%s/b-big.sqb", gs);
        CHECK_INT(0, build("usb-late", 1, 40, p));
        int64_t second = stat(p, &sb) == 0 ? sb.st_size : 0;
        memset(&pl, 0, sizeof pl);
        pl.pull_path = p;
        pl.pull_above = 2 * first; /* once the second file is being read */
        pl.pull_below = 2 * first + second;
        CHECK_ERR(SQ_EIO, "1 bundle(s) were imported before it",
                  sq_usb_import(f.store, gs, &pr, &r, &e), &e);
        CHECK(r.stick_gone);
        CHECK_INT(1, r.done);
        CHECK(exam_listed("usb-first"));
        CHECK(!exam_listed("usb-late"));
        CHECK(pl.pulled);
    }

    /* A stick that is not there. */
    pathf(p, sizeof p, "%s/sticks/import-none", f.dir);
    fx_digest(f.db_path, before);
    CHECK_ERR(SQ_EIO, "cannot open the stick", sq_usb_import(f.store, p, NULL, &r, &e), &e);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);
    CHECK(r.stick_gone);

    /* A full store stops the import: the next bundle is not tried. */
    {
        char fs[512];
        new_stick("import-store-full", fs, sizeof fs);
        pathf(p, sizeof p, "%s/a-big.sqb", fs);
        CHECK_INT(0, build("usb-big", 1, 1500, p));
        pathf(p, sizeof p, "%s/b-small.sqb", fs);
        CHECK_INT(0, build("usb-small", 1, 2, p));
        sqlite3_stmt *q = NULL;
        int64_t pages = 0;
        if (sqlite3_prepare_v2(f.store->db, "PRAGMA page_count", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            pages = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        sqi_stickfs_read_chunk = saved_chunk;
        CHECK_OK(sq_store_limit_pages(f.store, pages + 2, &e), &e);
        fx_digest(f.db_path, before);
        CHECK_ERR(SQ_EFULL, "a-big.sqb", sq_usb_import(f.store, fs, NULL, &r, &e), &e);
        fx_digest(f.db_path, after);
        CHECK_SAME(before, after);
        CHECK_INT(1, r.files);
        CHECK(!exam_listed("usb-big"));
        CHECK(!exam_listed("usb-small"));
        CHECK_OK(sq_store_limit_pages(f.store, 0, &e), &e);
    }
    sqi_stickfs_read_chunk = saved_chunk;
}

/* ---- export ---- */

/* Checks an export folder: the manifest names exactly the .sqbatch files
 * there, with their sha256, each a batch of st-001 that verifies; no
 * temp files. *seqs gets the results in it (sorted), *n how many. */
static void check_export_dir(const char *dir, int want_batches, int64_t *seqs, size_t *n, int line)
{
    size_t mlen = 0, got = 0;
    int batches = 0;
    char path[1400];
    pathf(path, sizeof path, "%s/MANIFEST.sha256", dir);
    char *manifest = (char *)fx_read(path, &mlen);
    int fails_before = check_failures;
    CHECK(manifest != NULL);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        const char *nm = de->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, "MANIFEST.sha256"))
            continue;
        size_t nl = strlen(nm);
        CHECK(nm[0] != '.'); /* no temp file left */
        CHECK(nl > 8 && strcmp(nm + nl - 8, ".sqbatch") == 0);
        batches++;
        size_t len = 0;
        pathf(path, sizeof path, "%s/%s", dir, nm);
        uint8_t *buf = fx_read(path, &len);
        CHECK(buf != NULL);
        if (!buf)
            continue;
        uint8_t h[crypto_hash_sha256_BYTES];
        char hex[65], line_want[400];
        crypto_hash_sha256(h, buf, len);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        snprintf(line_want, sizeof line_want, "%s  %s\n", hex, nm);
        CHECK(manifest && strstr(manifest, line_want));
        sq_err e;
        sq_batch *b = NULL;
        CHECK_OK(sq_batch_parse(buf, len, &b, &e), &e);
        if (b) {
            CHECK_OK(sq_batch_verify(b, sq_station_keys_sign_pk(f.keys), &e), &e);
            CHECK_STR("st-001", sq_batch_station_id(b));
            CHECK(strstr(nm, sq_batch_id(b)) != NULL);
            for (size_t i = 0; i < sq_batch_count(b) && got < 4096; i++) {
                const uint8_t *sealed;
                size_t sl;
                sq_batch_result(b, i, &seqs[got++], &sealed, &sl);
            }
        }
        sq_batch_free(b);
        free(buf);
    }
    if (d)
        closedir(d);
    /* and the manifest has no line for a file that is not there */
    int lines = 0;
    for (size_t i = 0; manifest && i < mlen; i++)
        lines += manifest[i] == '\n';
    CHECK_INT(want_batches, batches);
    CHECK_INT(batches, lines);
    free(manifest);
    for (size_t i = 1; i < got; i++)
        for (size_t j = i; j > 0 && seqs[j - 1] > seqs[j]; j--) {
            int64_t t = seqs[j];
            seqs[j] = seqs[j - 1];
            seqs[j - 1] = t;
        }
    *n = got;
    if (check_failures != fails_before)
        fprintf(stderr, "%s:%d: (the export folder checked above: %s)\n", __FILE__, line, dir);
}

static char export_stick[512]; /* the stick the acknowledgements test uses */

static void test_export(void)
{
    sq_err e = {0};
    sq_usb_report r;
    char s[512], out[800], p[1200];
    uint8_t before[32], after[32], tb[32], ta[32];
    int64_t seqs[4096];
    size_t n = 0;
    progress_log pl = {0};
    sq_progress pr = {on_progress, &pl};

    /* Nothing pending: nothing written, not even a folder. */
    new_stick("export", s, sizeof s);
    snprintf(export_stick, sizeof export_stick, "%s", s);
    CHECK_INT(0, pending());
    fx_digest(f.db_path, before);
    CHECK_OK(sq_usb_export(f.store, f.keys, s, &pr, &r, &e), &e);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);
    CHECK_INT(0, r.results);
    CHECK_INT(0, r.done);
    CHECK_INT(0, n_entries(s));

    /* Three results: one batch and its manifest. They stay pending. */
    make_results(3);
    pathf(out, sizeof out, "%s/synaq/st-001/outgoing", s);
    memset(&pl, 0, sizeof pl);
    CHECK_OK(sq_usb_export(f.store, f.keys, s, &pr, &r, &e), &e);
    CHECK_INT(3, r.results);
    CHECK_INT(1, r.done);
    CHECK_INT(1, r.files);
    CHECK_STR(out, r.dir);
    check_export_dir(out, 1, seqs, &n, __LINE__);
    CHECK_INT(3, n);
    for (size_t i = 0; i < n; i++)
        CHECK_INT((int64_t)i + 1, seqs[i]);
    CHECK_INT(3, pending());
    sq_tech_status st;
    CHECK_OK(sq_tech_status_get(f.store, f.keys, NULL, &st, &e), &e);
    CHECK_INT(3, st.pending);
    CHECK_INT(3, st.exported);
    CHECK(!pl.went_down);
    CHECK(!pl.over_total);
    CHECK_INT(3, pl.last_total);
    CHECK_INT(3, pl.last_done);
    char old_batch[400] = "";
    {
        DIR *d = opendir(out);
        struct dirent *de;
        while (d && (de = readdir(d)))
            if (strstr(de->d_name, ".sqbatch"))
                snprintf(old_batch, sizeof old_batch, "%s", de->d_name);
        if (d)
            closedir(d);
    }
    CHECK(old_batch[0] != 0);

    /* More results: a second export holds all of them, in two batches,
     * and the older batch file is gone. */
    make_results(55);
    memset(&pl, 0, sizeof pl);
    CHECK_OK(sq_usb_export(f.store, f.keys, s, &pr, &r, &e), &e);
    CHECK_INT(58, r.results);
    CHECK_INT(2, r.done);
    check_export_dir(out, 2, seqs, &n, __LINE__);
    CHECK_INT(58, n);
    for (size_t i = 0; i < n; i++)
        CHECK_INT((int64_t)i + 1, seqs[i]);
    pathf(p, sizeof p, "%s/%s", out, old_batch);
    CHECK(!exists(p));
    CHECK_INT(58, pending());
    CHECK_INT(58, exported());
    CHECK(!pl.went_down);
    CHECK_INT(58, pl.last_done);
    CHECK_INT(58, pl.last_total);

    /* synaq/st-001/outgoing is a link to another folder: refused, and
     * nothing is written there. */
    char ls[512], target[600];
    new_stick("export-linked", ls, sizeof ls);
    pathf(target, sizeof target, "%s/export-target", f.dir);
    mkdirs(target);
    pathf(p, sizeof p, "%s/synaq/st-001", ls);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/st-001/outgoing", ls);
    CHECK_INT(0, symlink(target, p));
    make_results(1);
    int64_t was_exported = exported();
    fx_digest(f.db_path, before);
    CHECK_ERR(SQ_EINVAL, "symbolic link", sq_usb_export(f.store, f.keys, ls, NULL, &r, &e), &e);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);
    CHECK_INT(0, n_entries(target));
    CHECK_INT(0, r.results);
    CHECK_INT(was_exported, exported());
    /* ... and so is a synaq folder that is a link. */
    char ls2[512];
    new_stick("export-linked-synaq", ls2, sizeof ls2);
    pathf(p, sizeof p, "%s/synaq", ls2);
    CHECK_INT(0, symlink(target, p));
    CHECK_ERR(SQ_EINVAL, "symbolic link", sq_usb_export(f.store, f.keys, ls2, NULL, &r, &e), &e);
    CHECK_INT(0, n_entries(target));
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);

    /* A stick that is not there. */
    pathf(p, sizeof p, "%s/sticks/export-none", f.dir);
    CHECK_ERR(SQ_EIO, "cannot open the stick", sq_usb_export(f.store, f.keys, p, NULL, &r, &e), &e);
    CHECK(r.stick_gone);

    /* A full stick: room for the first batch, not the second. Nothing is
     * exported, no file is left, the store notes nothing. */
    make_results(11); /* 70 pending: batches of 50 and 20 */
    sq_batch_made m1, m2;
    CHECK_OK(sq_batch_make(f.store, 0, 50, 0, &m1, &e), &e);
    sq_free(m1.bytes);
    CHECK_OK(sq_batch_make(f.store, m1.next_after, 50, 0, &m2, &e), &e);
    sq_free(m2.bytes);
    size_t l1 = m1.len, l2 = m2.len;
    int c1 = m1.count, c2 = m2.count;
    CHECK_INT(50, c1);
    CHECK_INT(20, c2);
    char full[512];
    pathf(full, sizeof full, "%s/sticks/full", f.dir);
    char opts[64];
    size_t kib = (l1 + 4095) / 4096 * 4 + 4;
    snprintf(opts, sizeof opts, "size=%zuk", kib);
    if (l2 <= 4096)
        printf("test_usb: note: the second batch (%zu bytes) fits in a page; the full stick "
               "fails at the manifest instead\n",
               l2);
    if (try_mount(full, opts)) {
        was_exported = exported();
        fx_digest(f.db_path, before);
        memset(&pl, 0, sizeof pl);
        CHECK_ERR(SQ_EFULL, "nothing was exported",
                  sq_usb_export(f.store, f.keys, full, &pr, &r, &e), &e);
        if (l2 > 4096)
            CHECK_INT(50, pl.max_done); /* the first batch was written, then taken back */
        CHECK(strstr(e.msg, "full") != NULL);
        fx_digest(f.db_path, after);
        CHECK_SAME(before, after);
        CHECK_INT(0, r.results);
        CHECK_INT(0, r.done);
        pathf(p, sizeof p, "%s/synaq/st-001/outgoing", full);
        CHECK_INT(0, n_entries(p));
        CHECK_INT(was_exported, exported());
        CHECK_INT(70, pending());
        unmount(full);
        /* A read-only stick, fresh: nothing is made. */
        if (try_mount(full, "size=64k,ro")) {
            CHECK_ERR(SQ_EREADONLY, "nothing was exported",
                      sq_usb_export(f.store, f.keys, full, NULL, &r, &e), &e);
            CHECK(strstr(e.msg, "read-only") != NULL);
            CHECK_INT(0, n_entries(full));
            fx_digest(f.db_path, after);
            CHECK_SAME(before, after);
            unmount(full);
        }
        /* A stick written once, then read-only: the old export stays as
         * it was. */
        if (try_mount(full, "size=1m")) {
            CHECK_OK(sq_usb_export(f.store, f.keys, full, NULL, &r, &e), &e);
            CHECK_INT(70, r.results);
            CHECK_INT(70, exported());
            CHECK_INT(0, remount(full, "ro"));
            make_results(1);
            tree_digest(full, tb);
            fx_digest(f.db_path, before);
            CHECK_ERR(SQ_EREADONLY, "nothing was exported",
                      sq_usb_export(f.store, f.keys, full, NULL, &r, &e), &e);
            fx_digest(f.db_path, after);
            CHECK_SAME(before, after);
            tree_digest(full, ta);
            CHECK_SAME(tb, ta);
            CHECK_INT(70, exported());
            CHECK_INT(71, pending());
            unmount(full);
        }
        /* A stick with the last export on it and no room left: exporting
         * the same results again writes nothing and succeeds (the batch
         * files are byte for byte the same); with more results, it fails
         * for want of room, and the earlier export is left whole: the
         * batch it shares with the failed one is not taken back. */
        if (try_mount(full, "size=1m")) {
            CHECK_OK(sq_usb_export(f.store, f.keys, full, NULL, &r, &e), &e);
            CHECK_INT(71, r.results);
            CHECK_INT(2, r.files);
            pathf(p, sizeof p, "%s/filler", full);
            fill_up(p);
            tree_digest(full, tb);
            CHECK_OK(sq_usb_export(f.store, f.keys, full, NULL, &r, &e), &e);
            CHECK_INT(71, r.results);
            CHECK_INT(2, r.files);
            tree_digest(full, ta);
            CHECK_SAME(tb, ta);
            CHECK_INT(71, exported());
            make_results(30); /* 101: the first batch as before, then two new ones */
            fx_digest(f.db_path, before);
            CHECK_ERR(SQ_EFULL, "nothing was exported",
                      sq_usb_export(f.store, f.keys, full, NULL, &r, &e), &e);
            fx_digest(f.db_path, after);
            CHECK_SAME(before, after);
            tree_digest(full, ta);
            CHECK_SAME(tb, ta);
            pathf(p, sizeof p, "%s/synaq/st-001/outgoing", full);
            check_export_dir(p, 2, seqs, &n, __LINE__);
            CHECK_INT(71, n);
            CHECK_INT(71, exported());
            CHECK_INT(101, pending());
            unmount(full);
        }
    }
}

/* ---- acknowledgements ---- */

/* An acknowledgement of the batch file at path, by central k, for
 * station_id (NULL: the batch's own), written to ack_path. */
static int ack_of(const char *batch_path, const sq_central_keys *k, const char *station_id,
                  const char *ack_path)
{
    sq_err e;
    size_t len = 0;
    uint8_t *buf = fx_read(batch_path, &len);
    sq_batch *b = NULL;
    int rc = -1;
    if (!buf || sq_batch_parse(buf, len, &b, &e) ||
        sq_batch_verify(b, sq_station_keys_sign_pk(f.keys), &e)) {
        fprintf(stderr, "ack_of %s: %s\n", batch_path, buf ? e.msg : "cannot read");
        goto out;
    }
    sq_ack a;
    memset(&a, 0, sizeof a);
    snprintf(a.station_id, sizeof a.station_id, "%s",
             station_id ? station_id : sq_batch_station_id(b));
    snprintf(a.batch_id, sizeof a.batch_id, "%s", sq_batch_id(b));
    crypto_hash_sha256(a.sha256, buf, len);
    a.n = sq_batch_count(b);
    int64_t seqs[64];
    a.seqs = seqs;
    for (size_t i = 0; i < a.n && i < 64; i++) {
        const uint8_t *sealed;
        size_t sl;
        sq_batch_result(b, i, &seqs[i], &sealed, &sl);
    }
    uint8_t *ab = NULL;
    size_t alen = 0;
    if (sq_batch_ack_build(k, &a, &ab, &alen, &e)) {
        fprintf(stderr, "ack_of: %s\n", e.msg);
        goto out;
    }
    rc = fx_write(ack_path, ab, alen);
    sq_free(ab);
out:
    sq_batch_free(b);
    free(buf);
    return rc;
}

static void test_acks(void)
{
    sq_err e = {0};
    sq_usb_report r;
    char p[1200], p2[1200], acks[800], out[800], batch[2][1400];
    uint8_t before[32], after[32];
    const char *s = export_stick;
    pathf(out, sizeof out, "%s/synaq/st-001/outgoing", s);
    pathf(acks, sizeof acks, "%s/synaq/st-001/acks", s);

    /* No acks folder yet: nothing to do. */
    int64_t was_pending = pending();
    CHECK(was_pending > 58);
    fx_digest(f.db_path, before);
    CHECK_OK(sq_usb_read_acks(f.store, f.keys, s, &r, &e), &e);
    CHECK_INT(0, r.files);
    CHECK_INT(0, r.results);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);

    /* The two batches of the export stick (results 1..50, 51..58). */
    int nb = 0;
    DIR *d = opendir(out);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strstr(de->d_name, ".sqbatch") && nb < 2)
            pathf(batch[nb++], sizeof batch[0], "%s/%s", out, de->d_name);
    if (d)
        closedir(d);
    CHECK_INT(2, nb);
    if (nb != 2)
        return;
    if (strcmp(batch[0], batch[1]) > 0) {
        char t[1400];
        memcpy(t, batch[0], sizeof t);
        memcpy(batch[0], batch[1], sizeof t);
        memcpy(batch[1], t, sizeof t);
    }
    mkdirs(acks);

    /* Refused, each alone in the folder: garbage, a good one altered, one
     * signed by another central, one for another station. */
    char c2dir[600];
    sq_central_keys *c2 = NULL;
    pathf(c2dir, sizeof c2dir, "%s/central-2", f.dir);
    CHECK_OK(sq_central_keygen(c2dir, &e), &e);
    CHECK_OK(sq_central_open(c2dir, SQ_CENTRAL_SIGN, &c2, &e), &e);
    char good_ack[1200], good_ack2[1200];
    pathf(good_ack, sizeof good_ack, "%s/good-1.ack", f.dir);
    CHECK_INT(0, ack_of(batch[0], f.central, NULL, good_ack));
    pathf(good_ack2, sizeof good_ack2, "%s/good-2.ack", f.dir);
    CHECK_INT(0, ack_of(batch[1], f.central, NULL, good_ack2));
    static const struct {
        const char *name, *make;
        sq_status code;
        const char *phrase;
    } bad[] = {
        {"forged.ack", "garbage", SQ_ECORRUPT, "not a Synaq acknowledgement"},
        {"forged-long.ack", "garbage-long", SQ_ECORRUPT, "not a Synaq acknowledgement"},
        {"altered.ack", "flip", SQ_EAUTH, "not signed by the central this station trusts"},
        {"truncated.ack", "truncate", SQ_ECORRUPT, "acknowledgement is damaged"},
        {"other-central.ack", "central-2", SQ_EAUTH, "not signed by the central"},
        {"other-station.ack", "st-002", SQ_EWRONGSTATION,
         "meant for station 'st-002', not 'st-001'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char ap[1200];
        pathf(ap, sizeof ap, "%s/%s", acks, bad[i].name);
        const char *m = bad[i].make;
        if (!strcmp(m, "garbage"))
            put_text(ap, "SQACK01 not really");
        else if (!strcmp(m, "garbage-long")) {
            uint8_t junk[300];
            randombytes_buf(junk, sizeof junk);
            fx_write(ap, junk, sizeof junk);
        } else if (!strcmp(m, "flip") || !strcmp(m, "truncate")) {
            size_t len = 0;
            uint8_t *buf = fx_read(good_ack, &len);
            if (buf && !strcmp(m, "flip"))
                buf[20] ^= 0x01;
            if (buf)
                fx_write(ap, buf, !strcmp(m, "flip") ? len : len - 1);
            free(buf);
        } else if (!strcmp(m, "central-2"))
            CHECK_INT(0, c2 ? ack_of(batch[0], c2, NULL, ap) : -1);
        else
            CHECK_INT(0, ack_of(batch[0], f.central, m, ap));
        fx_digest(f.db_path, before);
        CHECK_OK(sq_usb_read_acks(f.store, f.keys, s, &r, &e), &e);
        fx_digest(f.db_path, after);
        if (memcmp(before, after, 32) || r.skipped != 1 || r.done != 0 || r.results != 0)
            fprintf(stderr, "%s:%d: ack %s: skipped %d, done %d, results %d\n", __FILE__, __LINE__,
                    bad[i].name, r.skipped, r.done, r.results);
        CHECK_SAME(before, after);
        CHECK_INT(1, r.files);
        CHECK_INT(1, r.skipped);
        CHECK_INT(0, r.done);
        CHECK_INT(0, r.results);
        pathf(p, sizeof p, "synaq/st-001/acks/%s", bad[i].name);
        CHECK_NOTE(&r, p, bad[i].code, bad[i].phrase);
        CHECK_INT(was_pending, pending());
        unlink(ap);
    }
    sq_central_close(c2);

    /* The first batch acknowledged: its 50 results are sent. */
    pathf(p, sizeof p, "%s/one.ack", acks);
    CHECK_INT(0, copy_file(good_ack, p));
    int64_t was_exported = exported();
    CHECK_OK(sq_usb_read_acks(f.store, f.keys, s, &r, &e), &e);
    CHECK_INT(1, r.files);
    CHECK_INT(1, r.done);
    CHECK_INT(50, r.results);
    CHECK_INT(0, r.skipped);
    CHECK_INT(was_pending - 50, pending());
    CHECK_INT(was_exported - 50, exported());
    /* Both, and a forged one beside them: 8 more, the forged one noted. */
    pathf(p, sizeof p, "%s/two.ack", acks);
    CHECK_INT(0, copy_file(good_ack2, p));
    pathf(p, sizeof p, "%s/zz-forged.ack", acks);
    put_text(p, "SQACK01 not really, not at all, no signature here");
    pathf(p2, sizeof p2, "%s/zz-\x1b[2J.ack", acks);
    put_text(p2, "SQACK01 nor this");
    CHECK_OK(sq_usb_read_acks(f.store, f.keys, s, &r, &e), &e);
    CHECK_INT(4, r.files);
    CHECK_INT(2, r.done);
    CHECK_INT(8, r.results);
    CHECK_INT(2, r.skipped);
    CHECK_NOTE(&r, "synaq/st-001/acks/zz-forged.ack", SQ_ECORRUPT, "refused");
    CHECK_NOTE(&r, "synaq/st-001/acks/zz-?[2J.ack", SQ_ECORRUPT, "refused");
    CHECK_NOTES_CLEAN(&r);
    CHECK_INT(was_pending - 58, pending());
    unlink(p);
    unlink(p2);
    /* Read twice: nothing new, nothing changes. */
    fx_digest(f.db_path, before);
    CHECK_OK(sq_usb_read_acks(f.store, f.keys, s, &r, &e), &e);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);
    CHECK_INT(2, r.done);
    CHECK_INT(0, r.results);
    CHECK_INT(was_pending - 58, pending());
    /* And the next export leaves the sent results out. */
    int64_t seqs[4096];
    size_t n = 0;
    CHECK_OK(sq_usb_export(f.store, f.keys, s, NULL, &r, &e), &e);
    CHECK_INT(was_pending - 58, r.results);
    check_export_dir(out, 1, seqs, &n, __LINE__);
    CHECK_INT(was_pending - 58, n);
    CHECK(n > 0 && seqs[0] == 59);

    /* An acks folder that is a link: noted, nothing read through it. */
    char ls[512], target[600];
    new_stick("acks-linked", ls, sizeof ls);
    pathf(target, sizeof target, "%s/acks-target", f.dir);
    mkdirs(target);
    pathf(p, sizeof p, "%s/two.ack", target);
    CHECK_INT(0, copy_file(good_ack2, p));
    pathf(p, sizeof p, "%s/synaq/st-001", ls);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/st-001/acks", ls);
    CHECK_INT(0, symlink(target, p));
    fx_digest(f.db_path, before);
    CHECK_OK(sq_usb_read_acks(f.store, f.keys, ls, &r, &e), &e);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);
    CHECK_INT(0, r.done);
    CHECK_INT(1, r.skipped);
    CHECK_NOTE(&r, "synaq/st-001/acks", SQ_EINVAL, "symbolic link");
    /* An ack file that is a link to a good one: refused. */
    char ls3[512];
    new_stick("acks-file-link", ls3, sizeof ls3);
    pathf(p, sizeof p, "%s/synaq/st-001/acks", ls3);
    mkdirs(p);
    char lp[1400];
    pathf(p, sizeof p, "%s/two.ack", target);
    pathf(lp, sizeof lp, "%s/synaq/st-001/acks/two.ack", ls3);
    CHECK_INT(0, symlink(p, lp));
    CHECK_OK(sq_usb_read_acks(f.store, f.keys, ls3, &r, &e), &e);
    CHECK_INT(1, r.skipped);
    CHECK_NOTE(&r, "synaq/st-001/acks/two.ack", SQ_EINVAL, "symbolic link");
    /* No stick. */
    pathf(p, sizeof p, "%s/sticks/acks-none", f.dir);
    CHECK_ERR(SQ_EIO, "cannot open the stick", sq_usb_read_acks(f.store, f.keys, p, &r, &e), &e);
    CHECK(r.stick_gone);
}

/* ---- enrolment by stick ---- */

/* A brand-new station's home: name's folder, its key path. */
static void new_home(const char *name, char *home, char *keys, size_t cap)
{
    pathf(home, cap, "%s/homes/%s", f.dir, name);
    mkdirs(home);
    pathf(keys, cap, "%s/station.key", home);
}

static void test_enrol(void)
{
    sq_err e = {0};
    sq_enrol_report rep;
    sq_cert cert;
    char s[512], home[512], keys[512], p[1200], certp[800];
    new_stick("enrol", s, sizeof s);
    new_home("new-1", home, keys, sizeof home);

    /* No central.pub on the stick: a clear error, no key file. */
    CHECK_ERR(SQ_ENOTFOUND, "put central.pub in the stick's synaq folder",
              sq_usb_enrol(keys, NULL, s, "kiosk 1", &rep, &e), &e);
    CHECK(!exists(keys));
    pathf(p, sizeof p, "%s/synaq", s);
    mkdirs(p);
    CHECK_ERR(SQ_ENOTFOUND, "central.pub", sq_usb_enrol(keys, NULL, s, "kiosk 1", &rep, &e), &e);
    CHECK(!exists(keys));
    /* A central.pub that is a link, or not central's keys: refused. */
    pathf(p, sizeof p, "%s/synaq/central.pub", s);
    CHECK_INT(0, symlink(f.central_pub, p));
    CHECK_ERR(SQ_EINVAL, "symbolic link", sq_usb_enrol(keys, NULL, s, "kiosk 1", &rep, &e), &e);
    CHECK(!exists(keys));
    unlink(p);
    put_text(p, "synaq-central-pub 1\nnot keys at all\n");
    CHECK(sq_usb_enrol(keys, NULL, s, "kiosk 1", &rep, &e) != SQ_OK);
    CHECK(!exists(keys));
    unlink(p);
    pathf(p, sizeof p, "%s/synaq/central.pub", s);
    CHECK_INT(0, sparse_file(p, 1 << 20));
    CHECK_ERR(SQ_ETOOBIG, "above the limit", sq_usb_enrol(keys, NULL, s, "kiosk 1", &rep, &e), &e);
    CHECK(!exists(keys));

    /* With central.pub: keys made, the request written. */
    CHECK_INT(0, copy_file(f.central_pub, p));
    CHECK_OK(sq_usb_enrol(keys, NULL, s, "kiosk 1", &rep, &e), &e);
    CHECK_INT(SQ_ENROL_REQUESTED, rep.step);
    CHECK(rep.keys_made);
    CHECK(exists(keys));
    char cfp[SQ_FINGERPRINT_LEN + 1];
    sq_central_fingerprint(sq_central_sign_pk(f.central), sq_central_results_pk(f.central), cfp);
    CHECK_STR(cfp, rep.central_fp);
    CHECK_INT(SQ_FINGERPRINT_LEN, strlen(rep.station_fp));
    char req[1200], fp[SQ_FINGERPRINT_LEN + 1];
    snprintf(fp, sizeof fp, "%s", rep.station_fp);
    pathf(req, sizeof req, "%s/synaq/enrol/%s.req", s, fp);
    CHECK_STR(req, rep.request);
    CHECK(exists(req));
    pathf(p, sizeof p, "%s/station.key.request", home); /* the temp copy is gone */
    CHECK(!exists(p));
    size_t klen = 0;
    uint8_t *key_bytes = fx_read(keys, &klen);
    /* Again without a certificate: the request again, the keys kept. */
    CHECK_OK(sq_usb_enrol(keys, NULL, s, "kiosk 1", &rep, &e), &e);
    CHECK_INT(SQ_ENROL_REQUESTED, rep.step);
    CHECK(!rep.keys_made);
    CHECK_STR(fp, rep.station_fp);
    size_t klen2 = 0;
    uint8_t *key_now = fx_read(keys, &klen2);
    CHECK(key_bytes && key_now && klen == klen2 && memcmp(key_bytes, key_now, klen) == 0);
    free(key_now);

    /* Central answers: a certificate at certp and on the stick. */
    pathf(certp, sizeof certp, "%s/new-1.cert", f.dir);
    CHECK_OK(sq_usb_enrol_answer(f.central, s, NULL, "st-new", "North", certp, &cert, &e), &e);
    CHECK_STR("st-new", cert.station_id);
    CHECK_STR("North", cert.district);
    CHECK_STR("kiosk 1", cert.label);
    pathf(p, sizeof p, "%s/synaq/enrol/%s.cert", s, fp);
    CHECK(exists(p));
    CHECK(same_file(p, certp));
    /* No open request left; the same one named again cannot overwrite
     * the certificate file. */
    CHECK_ERR(SQ_ENOTFOUND, "no request without a certificate",
              sq_usb_enrol_answer(f.central, s, NULL, "st-new", "North", certp, &cert, &e), &e);
    CHECK_ERR(
        SQ_ENOTFOUND, "no request 0000000000000000.req",
        sq_usb_enrol_answer(f.central, s, "0000000000000000", "st-new", "North", certp, &cert, &e),
        &e);
    CHECK_ERR(SQ_EEXIST, "",
              sq_usb_enrol_answer(f.central, s, fp, "st-new", "North", certp, &cert, &e), &e);

    /* The station installs it. */
    CHECK_OK(sq_usb_enrol(keys, NULL, s, "kiosk 1", &rep, &e), &e);
    CHECK_INT(SQ_ENROL_INSTALLED, rep.step);
    CHECK_STR("st-new", rep.cert.station_id);
    CHECK_STR("North", rep.cert.district);
    sq_station_keys *k = NULL;
    CHECK_OK(sq_station_keys_open(keys, NULL, &k, &e), &e);
    if (k) {
        const sq_cert *c = sq_station_keys_cert(k);
        CHECK(c && strcmp(c->station_id, "st-new") == 0);
        char db[800];
        sq_store *st = NULL;
        pathf(db, sizeof db, "%s/station.db", home);
        CHECK_OK(sq_store_open(db, k, &f.clock, &st, &e), &e);
        int64_t pend = -1;
        if (st)
            CHECK_OK(sq_batch_counts(st, &pend, NULL, &e), &e);
        CHECK_INT(0, pend);
        sq_store_close(st);
    }
    sq_station_keys_close(k);
    /* Enrolled: a third call does nothing. */
    free(key_bytes);
    key_bytes = fx_read(keys, &klen);
    CHECK_ERR(SQ_ESTATE, "enrolled already, as 'st-new'",
              sq_usb_enrol(keys, NULL, s, "kiosk 1", &rep, &e), &e);
    key_now = fx_read(keys, &klen2);
    CHECK(key_bytes && key_now && klen == klen2 && memcmp(key_bytes, key_now, klen) == 0);
    free(key_now);
    free(key_bytes);

    /* Another station's certificate under this station's name: refused,
     * the key file unchanged. */
    char s2[512], home2[512], keys2[512];
    new_stick("enrol-wrong", s2, sizeof s2);
    new_home("new-2", home2, keys2, sizeof home2);
    pathf(p, sizeof p, "%s/synaq", s2);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/central.pub", s2);
    CHECK_INT(0, copy_file(f.central_pub, p));
    CHECK_OK(sq_usb_enrol(keys2, NULL, s2, "kiosk 2", &rep, &e), &e);
    pathf(p, sizeof p, "%s/synaq/enrol/%s.cert", s2, rep.station_fp);
    CHECK_INT(0, copy_file(f.cert_path, p)); /* st-001's */
    key_bytes = fx_read(keys2, &klen);
    CHECK_ERR(SQ_EWRONGSTATION, "certificate of another station",
              sq_usb_enrol(keys2, NULL, s2, "kiosk 2", &rep, &e), &e);
    key_now = fx_read(keys2, &klen2);
    CHECK(key_bytes && key_now && klen == klen2 && memcmp(key_bytes, key_now, klen) == 0);
    free(key_now);
    /* ... and a certificate that is a link to the right one: refused. */
    char right[800];
    pathf(right, sizeof right, "%s/new-2.cert", f.dir);
    pathf(req, sizeof req, "%s/synaq/enrol/%s.req", s2, rep.station_fp);
    unlink(p);
    CHECK_OK(sq_usb_enrol_answer(f.central, s2, NULL, "st-new-2", "South", right, &cert, &e), &e);
    unlink(p);
    CHECK_INT(0, symlink(right, p));
    CHECK_ERR(SQ_EINVAL, "symbolic link", sq_usb_enrol(keys2, NULL, s2, "kiosk 2", &rep, &e), &e);
    key_now = fx_read(keys2, &klen2);
    CHECK(key_bytes && key_now && klen == klen2 && memcmp(key_bytes, key_now, klen) == 0);
    free(key_now);
    free(key_bytes);

    /* Two open requests and no fingerprint: central asks which. */
    char s3[512], h3[512], k3[512], h4[512], k4[512], fp3[SQ_FINGERPRINT_LEN + 1];
    new_stick("enrol-two", s3, sizeof s3);
    pathf(p, sizeof p, "%s/synaq", s3);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/central.pub", s3);
    CHECK_INT(0, copy_file(f.central_pub, p));
    new_home("new-3", h3, k3, sizeof h3);
    new_home("new-4", h4, k4, sizeof h4);
    CHECK_OK(sq_usb_enrol(k3, NULL, s3, "kiosk 3", &rep, &e), &e);
    snprintf(fp3, sizeof fp3, "%s", rep.station_fp);
    CHECK_OK(sq_usb_enrol(k4, NULL, s3, "kiosk 4", &rep, &e), &e);
    CHECK(strcmp(fp3, rep.station_fp) != 0);
    uint8_t tb[32], ta[32];
    tree_digest(s3, tb);
    pathf(certp, sizeof certp, "%s/new-3.cert", f.dir);
    CHECK_ERR(SQ_EINVAL, "2 requests without a certificate on the stick: name one",
              sq_usb_enrol_answer(f.central, s3, NULL, "st-3", "East", certp, &cert, &e), &e);
    CHECK(!exists(certp));
    tree_digest(s3, ta);
    CHECK_SAME(tb, ta);
    CHECK_OK(sq_usb_enrol_answer(f.central, s3, fp3, "st-3", "East", certp, &cert, &e), &e);
    CHECK_STR("kiosk 3", cert.label);
    CHECK_OK(sq_usb_enrol(k3, NULL, s3, "kiosk 3", &rep, &e), &e);
    CHECK_INT(SQ_ENROL_INSTALLED, rep.step);
    CHECK_STR("st-3", rep.cert.station_id);
    /* Now one open request remains: no fingerprint needed. */
    pathf(certp, sizeof certp, "%s/new-4.cert", f.dir);
    CHECK_OK(sq_usb_enrol_answer(f.central, s3, NULL, "st-4", "East", certp, &cert, &e), &e);
    CHECK_STR("kiosk 4", cert.label);
    /* A bad station id at central: refused, nothing written. */
    char certx[800];
    pathf(certx, sizeof certx, "%s/bad-id.cert", f.dir);
    CHECK_ERR(SQ_EINVAL, "station id",
              sq_usb_enrol_answer(f.central, s3, fp3, "../x", "East", certx, &cert, &e), &e);
    CHECK(!exists(certx));

    /* A synaq/enrol folder that is a link: refused, nothing written
     * where it points. */
    char s5[512], h5[512], k5[512], target[600];
    new_stick("enrol-linked", s5, sizeof s5);
    pathf(target, sizeof target, "%s/enrol-target", f.dir);
    mkdirs(target);
    pathf(p, sizeof p, "%s/synaq", s5);
    mkdirs(p);
    pathf(p, sizeof p, "%s/synaq/central.pub", s5);
    CHECK_INT(0, copy_file(f.central_pub, p));
    pathf(p, sizeof p, "%s/synaq/enrol", s5);
    CHECK_INT(0, symlink(target, p));
    new_home("new-5", h5, k5, sizeof h5);
    CHECK_ERR(SQ_EINVAL, "symbolic link", sq_usb_enrol(k5, NULL, s5, "kiosk 5", &rep, &e), &e);
    CHECK_INT(0, n_entries(target));
    /* central's side refuses it too */
    pathf(p, sizeof p, "%s/x.req", target);
    CHECK_INT(0, copy_file(f.req_path, p));
    pathf(certx, sizeof certx, "%s/linked.cert", f.dir);
    CHECK_ERR(SQ_EINVAL, "symbolic link",
              sq_usb_enrol_answer(f.central, s5, NULL, "st-5", "West", certx, &cert, &e), &e);
    CHECK(!exists(certx));
    CHECK_INT(1, n_entries(target));
    /* No enrol folder at all at central. */
    char s6[512];
    new_stick("enrol-empty", s6, sizeof s6);
    CHECK_ERR(SQ_ENOTFOUND, "no enrolment request on the stick",
              sq_usb_enrol_answer(f.central, s6, NULL, "st-6", "West", certx, &cert, &e), &e);
}

/* ---- sq_usb_put ---- */

static void test_put(void)
{
    sq_err e = {0};
    char s[512], p[1200], target[600];
    new_stick("put", s, sizeof s);
    CHECK_OK(sq_usb_put(s, "", "top.txt", "top", 3, &e), &e);
    pathf(p, sizeof p, "%s/top.txt", s);
    CHECK(exists(p));
    CHECK_OK(sq_usb_put(s, "synaq/bundles", "x.sqb", "one", 3, &e), &e);
    pathf(p, sizeof p, "%s/synaq/bundles/x.sqb", s);
    size_t len = 0;
    uint8_t *buf = fx_read(p, &len);
    CHECK(buf && len == 3 && memcmp(buf, "one", 3) == 0);
    free(buf);
    CHECK_OK(sq_usb_put(s, "synaq/bundles", "x.sqb", "second", 6, &e), &e);
    buf = fx_read(p, &len);
    CHECK(buf && len == 6 && memcmp(buf, "second", 6) == 0);
    free(buf);
    pathf(p, sizeof p, "%s/synaq/bundles", s);
    CHECK_INT(1, n_entries(p)); /* no temp file left */
    uint8_t tb[32], ta[32];
    tree_digest(s, tb);
    static const char *const bad[] = {"", ".hidden", "a/b", "../up"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_ERR(SQ_EINVAL, "is not a file name for a stick",
                  sq_usb_put(s, "synaq", bad[i], "x", 1, &e), &e);
    tree_digest(s, ta);
    CHECK_SAME(tb, ta);
    /* Through a linked folder: refused, nothing written where it points. */
    pathf(target, sizeof target, "%s/put-target", f.dir);
    mkdirs(target);
    pathf(p, sizeof p, "%s/linked", s);
    CHECK_INT(0, symlink(target, p));
    CHECK_ERR(SQ_EINVAL, "symbolic link", sq_usb_put(s, "linked/sub", "x.ack", "x", 1, &e), &e);
    CHECK_ERR(SQ_EINVAL, "symbolic link", sq_usb_put(s, "linked", "x.ack", "x", 1, &e), &e);
    CHECK_INT(0, n_entries(target));
    /* Onto a file that is a link: the link is replaced, its target kept. */
    char keep[700];
    pathf(keep, sizeof keep, "%s/put-keep.txt", f.dir);
    put_text(keep, "keep me");
    pathf(p, sizeof p, "%s/synaq/bundles/y.sqb", s);
    CHECK_INT(0, symlink(keep, p));
    CHECK_OK(sq_usb_put(s, "synaq/bundles", "y.sqb", "new", 3, &e), &e);
    buf = fx_read(keep, &len);
    CHECK(buf && len == 7 && memcmp(buf, "keep me", 7) == 0);
    free(buf);
    struct stat sb;
    CHECK(lstat(p, &sb) == 0 && S_ISREG(sb.st_mode));
    pathf(p, sizeof p, "%s/sticks/put-none", f.dir);
    CHECK_ERR(SQ_EIO, "cannot open the stick", sq_usb_put(p, "", "x", "x", 1, &e), &e);
}

/* ---- stopped midway (the kiosk's Cancel) ---- */

/* Says stop from the ask numbered at (1: the first) on. */
typedef struct {
    int asked, at;
} stopper;

static bool stop_at(void *ctx)
{
    stopper *sp = ctx;
    return ++sp->asked >= sp->at;
}

static void test_stopped(void)
{
    sq_err e = {0};
    sq_usb_report r;
    char s[512], p[1200], out[800];
    uint8_t before[32], after[32], tb[32], ta[32];
    progress_log pl = {0};
    sq_progress pr = {on_progress, &pl};

    /* Three bundles; stopped before the second: the first is installed
     * whole, the others not read; the stick is as it was. */
    new_stick("import-stopped", s, sizeof s);
    pathf(p, sizeof p, "%s/10-a.sqb", s);
    CHECK_INT(0, build("usb-stop-a", 1, 2, p));
    pathf(p, sizeof p, "%s/20-b.sqb", s);
    CHECK_INT(0, build("usb-stop-b", 1, 2, p));
    pathf(p, sizeof p, "%s/30-c.sqb", s);
    CHECK_INT(0, build("usb-stop-c", 1, 2, p));
    tree_digest(s, tb);
    stopper sp = {0, 2};
    sq_usb_stop stop = {stop_at, &sp};
    CHECK_OK(sq_usb_import_stoppable(f.store, s, &pr, &stop, &r, &e), &e);
    CHECK(r.cancelled);
    CHECK(!r.stick_gone);
    CHECK_INT(2, sp.asked);
    CHECK_INT(1, r.files);
    CHECK_INT(1, r.done);
    CHECK(exam_listed("usb-stop-a"));
    CHECK(!exam_listed("usb-stop-b"));
    CHECK(!exam_listed("usb-stop-c"));
    CHECK(pl.last_done < pl.last_total);
    tree_digest(s, ta);
    CHECK_SAME(tb, ta);
    char detail[600];
    sq_usb_summary(SQ_USB_IMPORT, s, SQ_OK, NULL, &r, detail, sizeof detail);
    CHECK(strstr(detail, "cancelled") != NULL);

    /* Stopped before the first: nothing changes in the store. */
    fx_digest(f.db_path, before);
    sp = (stopper){0, 1};
    CHECK_OK(sq_usb_import_stoppable(f.store, s, NULL, &stop, &r, &e), &e);
    CHECK(r.cancelled);
    CHECK_INT(0, r.files);
    CHECK_INT(0, r.done);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);

    /* Not stopped: the rest comes in, the first is the same. */
    CHECK_OK(sq_usb_import_stoppable(f.store, s, NULL, NULL, &r, &e), &e);
    CHECK(!r.cancelled);
    CHECK_INT(2, r.done);
    CHECK_INT(1, r.same);
    CHECK(exam_listed("usb-stop-b"));
    CHECK(exam_listed("usb-stop-c"));

    /* An export of two batches stopped after the first: nothing of it
     * stays on the stick, the store notes nothing. */
    make_results(55);
    int64_t pend = pending(), exp = exported();
    CHECK(pend > 50);
    new_stick("export-stopped", s, sizeof s);
    pathf(out, sizeof out, "%s/synaq/st-001/outgoing", s);
    fx_digest(f.db_path, before);
    sp = (stopper){0, 1};
    memset(&pl, 0, sizeof pl);
    CHECK_OK(sq_usb_export_stoppable(f.store, f.keys, s, &pr, &stop, &r, &e), &e);
    CHECK(r.cancelled);
    CHECK_INT(1, sp.asked);
    CHECK_INT(0, r.done);
    CHECK_INT(0, r.results);
    CHECK_INT(0, n_entries(out));
    CHECK_INT(pend, pending());
    CHECK_INT(exp, exported());
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);
    sq_usb_summary(SQ_USB_EXPORT, s, SQ_OK, NULL, &r, detail, sizeof detail);
    CHECK(strstr(detail, "cancelled") != NULL);

    /* Over an earlier export: stopped at the last ask (before the
     * manifest), and the earlier export is there as it was. */
    CHECK_OK(sq_usb_export(f.store, f.keys, s, NULL, &r, &e), &e);
    CHECK(r.done >= 2);
    int batches = r.done;
    make_results(3);
    tree_digest(s, tb);
    fx_digest(f.db_path, before);
    sp = (stopper){0, batches};
    CHECK_OK(sq_usb_export_stoppable(f.store, f.keys, s, NULL, &stop, &r, &e), &e);
    CHECK(r.cancelled);
    CHECK_INT(batches, sp.asked);
    tree_digest(s, ta);
    CHECK_SAME(tb, ta);
    fx_digest(f.db_path, after);
    CHECK_SAME(before, after);
}

/* ---- sticks mounted by synaq-stick-mount ---- */

/* The helper's state files, and what is not one of them. */
static void test_mount_notes(void)
{
    char dir[600], path[800];
    sq_err e;
    sq_usb_mount_note m[SQ_USB_MAX_MOUNT_NOTES];
    size_t n = 99;
    pathf(dir, sizeof dir, "%s/stick-state", f.dir);
    /* No folder: no sticks. */
    CHECK_OK(sq_usb_mount_notes(dir, m, SQ_USB_MAX_MOUNT_NOTES, &n, &e), &e);
    CHECK_INT(0, n);
    mkdirs(dir);
    pathf(path, sizeof path, "%s/sdc", dir);
    CHECK_INT(0, put_text(path, "disk=sdc\nstate=mounted\nfs=exfat\ndevice=sdc3\npartitions=4\npartition=3\n"
                   "mode=rw\nmount=/media/synaq-sdc\n"));
    pathf(path, sizeof path, "%s/sdb", dir);
    CHECK_INT(0, put_text(path, "disk=sdb\nstate=nofs\npartitions=0\n"));
    pathf(path, sizeof path, "%s/sdd", dir);
    CHECK_INT(0, put_text(path, "state=unsupported\nfs=ext4\x1b[2J\npartitions=99999\n"));
    pathf(path, sizeof path, "%s/sde", dir);
    CHECK_INT(0, put_text(path, "state=mounted\nmode=ro\nrefused=rw\nmount=/media/synaq-sde"));
    /* Not the helper's: no state, an unknown one, a bad name, a link. */
    pathf(path, sizeof path, "%s/sdf", dir);
    CHECK_INT(0, put_text(path, "fs=vfat\n"));
    pathf(path, sizeof path, "%s/sdg", dir);
    CHECK_INT(0, put_text(path, "state=exploded\n"));
    pathf(path, sizeof path, "%s/SDH", dir);
    CHECK_INT(0, put_text(path, "state=nofs\n"));
    pathf(path, sizeof path, "%s/.lock", dir);
    CHECK_INT(0, put_text(path, "state=nofs\n"));
    pathf(path, sizeof path, "%s/sdi", dir);
    CHECK_INT(0, symlink("sdb", path));
    CHECK_OK(sq_usb_mount_notes(dir, m, SQ_USB_MAX_MOUNT_NOTES, &n, &e), &e);
    CHECK_INT(4, n);
    if (n != 4)
        return;
    CHECK_STR("sdb", m[0].disk);
    CHECK_INT(SQ_STICK_NOFS, m[0].state);
    CHECK_INT(0, m[0].partitions);
    CHECK_STR("sdc", m[1].disk);
    CHECK_INT(SQ_STICK_MOUNTED, m[1].state);
    CHECK_STR("exfat", m[1].fs);
    CHECK_INT(4, m[1].partitions);
    CHECK_INT(3, m[1].partition);
    CHECK(m[1].rw && !m[1].rw_refused);
    CHECK_STR("/media/synaq-sdc", m[1].mount);
    CHECK_STR("sdd", m[2].disk);
    CHECK_INT(SQ_STICK_UNSUPPORTED, m[2].state);
    CHECK(strchr(m[2].fs, 0x1b) == NULL); /* printable */
    CHECK_INT(0, m[2].partitions);        /* out of range */
    CHECK_STR("sde", m[3].disk);
    CHECK(!m[3].rw && m[3].rw_refused);
    /* Room for two: the first two by name. */
    CHECK_OK(sq_usb_mount_notes(dir, m, 2, &n, &e), &e);
    CHECK_INT(2, n);
}

/* Asking for a writable stick: a writable folder is left alone; a
 * read-only one that is not the helper's is refused at once; a helper's
 * that nobody answers for is refused after the wait, its request taken
 * back; one that becomes writable is used. */
static void test_writable(void)
{
    char stick[600], req_dir[600], state[600], req[800];
    sq_err e;
    bool asked = true;
    new_stick("writable", stick, sizeof stick);
    pathf(req_dir, sizeof req_dir, "%s/home", f.dir);
    mkdirs(req_dir);
    pathf(req_dir, sizeof req_dir, "%s/home/stick-rw", f.dir);
    pathf(state, sizeof state, "%s/no-state", f.dir);
    CHECK_OK(sq_usb_writable(stick, req_dir, state, 100, NULL, &asked, &e), &e);
    CHECK(!asked);
    CHECK(!exists(req_dir));
    pathf(stick, sizeof stick, "%s/sticks/gone-away", f.dir);
    CHECK_ERR(SQ_EIO, "is gone", sq_usb_writable(stick, req_dir, state, 100, NULL, &asked, &e),
              &e);
    pathf(stick, sizeof stick, "%s/media/plain", f.dir);
    if (!try_mount(stick, "ro,size=64k"))
        return;
    CHECK_ERR(SQ_EREADONLY, "the stick is read-only",
              sq_usb_writable(stick, req_dir, state, 100, NULL, &asked, &e), &e);
    CHECK(!asked);
    CHECK(!exists(req_dir));
    /* The helper's (synaq-DISK), read-only, nobody answering. */
    pathf(stick, sizeof stick, "%s/media/synaq-sdz", f.dir);
    if (!try_mount(stick, "ro,size=64k"))
        return;
    pathf(req, sizeof req, "%s/synaq-sdz", req_dir);
    CHECK_ERR(SQ_EREADONLY, "could not be made writable",
              sq_usb_writable(stick, req_dir, NULL, 200, NULL, &asked, &e), &e);
    CHECK(!asked);
    CHECK(exists(req_dir));
    CHECK(!exists(req));
    /* Made writable (as the helper would): taken at once; the request
     * stays until sq_usb_writable_done. */
    CHECK_INT(0, remount(stick, "rw"));
    CHECK_OK(sq_usb_writable(stick, req_dir, NULL, 200, NULL, &asked, &e), &e);
    CHECK(!asked); /* writable already: nothing asked */
    CHECK_INT(0, remount(stick, "ro"));
    /* Refused by the helper, in its state written after the request. */
    mkdirs(state);
    char sf[800];
    pathf(sf, sizeof sf, "%s/sdz", state);
    CHECK_INT(0, put_text(sf, "state=mounted\nmode=ro\nrefused=rw\n"));
    struct timespec old[2] = {{1000, 0}, {1000, 0}};
    CHECK_INT(0, utimensat(AT_FDCWD, sf, old, 0)); /* an old refusal does not count... */
    CHECK_ERR(SQ_EREADONLY, "no answer", sq_usb_writable(stick, req_dir, state, 300, NULL, &asked, &e),
              &e);
    CHECK(!exists(req));
    /* ...a state file gone (the stick pulled out) does. */
    unlink(sf);
    CHECK_ERR(SQ_EREADONLY, "could not be made writable",
              sq_usb_writable(stick, req_dir, state, 20000, NULL, &asked, &e), &e);
    CHECK(!exists(req));
    unmount(stick);
    /* The bare folder of an unmounted helper's stick is not the stick. */
    CHECK_ERR(SQ_EREADONLY, "could not be made writable",
              sq_usb_writable(stick, req_dir, state, 100, NULL, &asked, &e), &e);
    sq_usb_writable_done(stick, req_dir);
    CHECK(!exists(req));
}

int main(void)
{
    if (fx_setup(&f, "st-001"))
        return 1;
    if (fx_other_station(&f, "st-002", other_keys, other_cert))
        return 1;
    test_find();
    test_files();
    test_import();
    test_export();
    test_acks();
    test_enrol();
    test_put();
    test_stopped();
    test_mount_notes();
    test_writable();
    unmount_all();
    fx_teardown(&f);
    return check_report("test_usb");
}
