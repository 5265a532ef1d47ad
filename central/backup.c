/*
 * backup.c - backup.h: central's home copied into a backup folder with a
 * MANIFEST of SHA-256s, and restored from one into a new home after every
 * file was checked against it. SQLite databases are copied with the
 * online backup API (sqlite3_backup_*), which reads a consistent snapshot
 * while a receiver or the console writes; every other file is copied as
 * bytes, its mode kept.
 *
 * Load: a home of a few dozen files; results.db may be gigabytes, so files
 * are streamed (64 KiB at a time), never read whole, and hashed as they
 * are copied.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "backup.h"
#include "cstore.h"

/* A home never holds more files than this; a MANIFEST naming more is not
 * ours. */
#define MAX_FILES 100000
#define MAX_MANIFEST_BYTES (16u << 20)
#define MAX_REL 400

/* The files that make a folder central's home: restore refuses a home
 * holding any of them. */
static const char *const home_files[] = {"keys",       "certs",      "central.db",
                                         "results.db", "console.db", "console.key"};

typedef struct {
    char rel[MAX_REL]; /* relative to the home and to the backup */
    uint8_t sha256[32];
} entry;

typedef struct {
    entry *v;
    size_t n, cap;
} entries;

static sq_status fail(sq_err *err, sq_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static sq_status fail(sq_err *err, sq_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = st;
    }
    return st;
}

static sq_status io_status(int e)
{
    return e == ENOSPC || e == EDQUOT ? SQ_EFULL : SQ_EIO;
}

static entry *add_entry(entries *es, const char *rel, sq_err *err)
{
    if (es->n == es->cap) {
        size_t cap = es->cap ? es->cap * 2 : 32;
        entry *v = cap > MAX_FILES ? NULL : realloc(es->v, cap * sizeof *v);
        if (!v) {
            fail(err, SQ_ETOOBIG, "more than %d files", MAX_FILES);
            return NULL;
        }
        es->v = v;
        es->cap = cap;
    }
    entry *e = &es->v[es->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->rel, sizeof e->rel, "%s", rel);
    return e;
}

static int by_rel(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->rel, ((const entry *)b)->rel);
}

static void fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Copies src to dst (made new: O_EXCL), mode kept, fsynced; sha256 gets
 * the SHA-256 of the bytes copied. With want non-NULL the bytes must hash
 * to it (a file changed since it was checked), or dst is removed and
 * SQ_ECORRUPT returned. Neither is followed if it is a symlink. */
static sq_status copy_file(const char *src, const char *dst, mode_t mode, uint8_t sha256[32],
                           const uint8_t *want, sq_err *err)
{
    sq_status st = SQ_OK;
    int in = -1, out = -1;
    struct stat sb;
    crypto_hash_sha256_state h;
    static uint8_t buf[65536];
    crypto_hash_sha256_init(&h);
    if ((in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(in, &sb) != 0) {
        st = fail(err, errno == ENOENT ? SQ_ENOTFOUND : SQ_EIO, "cannot read %s: %s", src,
                  strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = fail(err, SQ_EINVAL, "%s is not a regular file", src);
        goto out;
    }
    if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777)) < 0) {
        st = fail(err, errno == EEXIST ? SQ_EEXIST : io_status(errno), "cannot write %s: %s", dst,
                  strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = fail(err, SQ_EIO, "cannot read %s: %s", src, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&h, buf, (size_t)n);
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                st = fail(err, io_status(errno), "cannot write %s: %s", dst, strerror(errno));
                goto out;
            }
            done += w;
        }
    }
    crypto_hash_sha256_final(&h, sha256);
    if (want && sodium_memcmp(want, sha256, 32) != 0) {
        st = fail(err, SQ_ECORRUPT, "%s changed after it was checked against the MANIFEST", src);
        goto out;
    }
    /* The mode asked for, whatever the umask. */
    if (fchmod(out, mode & 0777) != 0 || fsync(out) != 0) {
        st = fail(err, io_status(errno), "cannot write %s: %s", dst, strerror(errno));
        goto out;
    }
out:
    if (in >= 0)
        close(in);
    if (out >= 0) {
        if (close(out) != 0 && !st)
            st = fail(err, io_status(errno), "cannot write %s: %s", dst, strerror(errno));
        if (st)
            unlink(dst);
    }
    return st;
}

static sq_status hash_file(const char *path, uint8_t sha256[32], sq_err *err)
{
    static uint8_t buf[65536];
    crypto_hash_sha256_state h;
    struct stat sb;
    sq_status st = SQ_OK;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        st = fail(err, errno == ENOENT ? SQ_ENOTFOUND : SQ_EIO, "cannot read %s: %s", path,
                  strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = fail(err, SQ_EINVAL, "%s is not a regular file", path);
        goto out;
    }
    crypto_hash_sha256_init(&h);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = fail(err, SQ_EIO, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&h, buf, (size_t)n);
    }
    crypto_hash_sha256_final(&h, sha256);
out:
    if (fd >= 0)
        close(fd);
    return st;
}

/* Removes a backup or home folder this run made: its files, one level of
 * folders below, then itself. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[4600];
    while (d && (de = readdir(d))) {
        struct stat sb;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* ---- backup ---- */

/* Copies every regular file of home/sub into backup/sub (a folder made
 * with home/sub's mode). A missing home/sub is fine when optional. */
static sq_status backup_folder(const char *home, const char *sub, const char *backup, bool optional,
                               entries *es, sq_err *err)
{
    char from[4300], to[4300];
    struct stat sb;
    snprintf(from, sizeof from, "%s/%s", home, sub);
    if (lstat(from, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return optional ? SQ_OK
                        : fail(err, SQ_ENOTFOUND, "%s holds no %s/ folder: not central's home",
                               home, sub);
    snprintf(to, sizeof to, "%s/%s", backup, sub);
    if (mkdir(to, sb.st_mode & 0777) != 0)
        return fail(err, io_status(errno), "cannot make %s: %s", to, strerror(errno));
    chmod(to, sb.st_mode & 0777);
    DIR *d = opendir(from);
    if (!d)
        return fail(err, SQ_EIO, "cannot read %s: %s", from, strerror(errno));
    sq_status st = SQ_OK;
    struct dirent *de;
    while (!st && (de = readdir(d))) {
        char f[4600], t[4600], rel[MAX_REL + 8];
        struct stat fb;
        snprintf(f, sizeof f, "%s/%s", from, de->d_name);
        /* Only the folder's own regular files: no links, no dot files
         * (a temp file of a write under way). */
        if (de->d_name[0] == '.' || lstat(f, &fb) != 0 || !S_ISREG(fb.st_mode))
            continue;
        if (strlen(sub) + 1 + strlen(de->d_name) >= MAX_REL) {
            st = fail(err, SQ_EINVAL, "%s: name too long", f);
            break;
        }
        snprintf(rel, sizeof rel, "%s/%s", sub, de->d_name);
        snprintf(t, sizeof t, "%s/%s", backup, rel);
        entry *e = add_entry(es, rel, err);
        if (!e)
            st = SQ_ETOOBIG;
        else
            st = copy_file(f, t, fb.st_mode, e->sha256, NULL, err);
    }
    closedir(d);
    if (!st)
        fsync_path(to);
    return st;
}

/* Copies the SQLite database at from to to with the online backup API,
 * checks the copy (quick_check) and gives it from's mode. */
static sq_status backup_db(const char *from, const char *to, sq_err *err)
{
    sqlite3 *src = NULL, *dst = NULL;
    sqlite3_backup *b = NULL;
    sq_status st = SQ_OK;
    struct stat sb;
    int rc;
    if (stat(from, &sb) != 0)
        return fail(err, SQ_EIO, "cannot read %s: %s", from, strerror(errno));
    if ((rc = sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL)) != SQLITE_OK ||
        (rc = sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) !=
            SQLITE_OK) {
        st = fail(err, SQ_EIO, "cannot open %s or %s: %s", from, to,
                  sqlite3_errmsg(dst ? dst : src));
        goto out;
    }
    sqlite3_busy_timeout(src, 5000);
    if (!(b = sqlite3_backup_init(dst, "main", src, "main"))) {
        st = fail(err, SQ_EIO, "cannot back up %s: %s", from, sqlite3_errmsg(dst));
        goto out;
    }
    /* A writer holding the database for a moment makes a step busy: wait
     * a little and go on, for at most about ten seconds in all. */
    for (int tries = 0;; tries++) {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_DONE)
            break;
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < 200) {
            sqlite3_sleep(50);
            continue;
        }
        break;
    }
    int fin = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE || fin != SQLITE_OK) {
        int prim = (rc != SQLITE_DONE ? rc : fin) & 0xff;
        st = fail(err,
                  prim == SQLITE_FULL                               ? SQ_EFULL
                  : prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT ? SQ_ECORRUPT
                                                                    : SQ_EIO,
                  "cannot back up %s: %s", from, sqlite3_errmsg(dst));
        goto out;
    }
    /* The copy is read back whole before it is believed. */
    sqlite3_stmt *q = NULL;
    rc = sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &q, NULL);
    const char *verdict = rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW
                              ? (const char *)sqlite3_column_text(q, 0)
                              : NULL;
    if (!verdict || strcmp(verdict, "ok") != 0)
        st = fail(err, SQ_ECORRUPT, "the copy of %s fails its check (quick_check: %s)", from,
                  verdict ? verdict : sqlite3_errmsg(dst));
    sqlite3_finalize(q);
out:
    sqlite3_close_v2(src);
    if (sqlite3_close_v2(dst) != SQLITE_OK && !st)
        st = fail(err, SQ_EIO, "cannot close %s", to);
    if (!st && (chmod(to, sb.st_mode & 0777) != 0))
        st = fail(err, SQ_EIO, "cannot set the mode of %s: %s", to, strerror(errno));
    if (!st)
        fsync_path(to);
    return st;
}

static sq_status write_manifest(const char *dir, entries *es, sq_err *err)
{
    qsort(es->v, es->n, sizeof *es->v, by_rel);
    size_t cap = es->n * (64 + 2 + MAX_REL + 1) + 1, n = 0;
    char *text = malloc(cap);
    if (!text)
        return fail(err, SQ_ENOMEM, "out of memory");
    for (size_t i = 0; i < es->n; i++) {
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, es->v[i].sha256, 32);
        n += (size_t)snprintf(text + n, cap - n, "%s  %s\n", hex, es->v[i].rel);
    }
    char path[4300];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    sq_status st = sq_write_file(path, text, n, 0600, err);
    free(text);
    return st;
}

sq_status backup_make(const char *home, const char *results_store, const char *dest,
                      backup_report *rep, sq_err *err)
{
    entries es = {0};
    sq_status st = SQ_OK;
    struct stat sb;
    char tmp[4300], dest_buf[4100];
    memset(rep, 0, sizeof *rep);
    if (strlen(dest) >= sizeof dest_buf - 1)
        return fail(err, SQ_EINVAL, "%s: name too long", dest);
    /* "DEST/" names DEST: the partial folder goes beside it, not in it. */
    snprintf(dest_buf, sizeof dest_buf, "%s", dest);
    for (size_t n = strlen(dest_buf); n > 1 && dest_buf[n - 1] == '/'; n--)
        dest_buf[n - 1] = '\0';
    dest = dest_buf;
    if (lstat(dest, &sb) == 0)
        return fail(err, SQ_EEXIST, "%s exists; a backup goes into a new folder", dest);
    snprintf(tmp, sizeof tmp, "%s/keys", home);
    if (lstat(tmp, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return fail(err, SQ_ENOTFOUND, "%s holds no keys/ folder: not central's home", home);
    snprintf(tmp, sizeof tmp, "%s.partial-XXXXXX", dest);
    if (!mkdtemp(tmp))
        return fail(err, io_status(errno), "cannot make %s: %s", tmp, strerror(errno));
    if ((st = backup_folder(home, "keys", tmp, false, &es, err)) ||
        (st = backup_folder(home, "certs", tmp, true, &es, err)))
        goto fail;
    /* console.key: the key of the console's audit chain. */
    char from[4300], to[4400];
    snprintf(from, sizeof from, "%s/console.key", home);
    if (lstat(from, &sb) == 0 && S_ISREG(sb.st_mode)) {
        entry *e = add_entry(&es, "console.key", err);
        snprintf(to, sizeof to, "%s/console.key", tmp);
        if (!e || (st = copy_file(from, to, sb.st_mode, e->sha256, NULL, err)))
            goto fail;
    }
    /* The databases: the registry, the console's, and the result store
     * when it is a file (wherever --db put it, it is results.db here). */
    const char *db_names[] = {"central.db", "console.db", "results.db"};
    for (int i = 0; i < 3; i++) {
        if (i == 2) {
            if (!results_store || cstore_is_url(results_store))
                continue;
            snprintf(from, sizeof from, "%s", results_store);
        } else {
            snprintf(from, sizeof from, "%s/%s", home, db_names[i]);
        }
        if (lstat(from, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue; /* not made yet: nothing enrolled, no account, nothing received */
        snprintf(to, sizeof to, "%s/%s", tmp, db_names[i]);
        entry *e = add_entry(&es, db_names[i], err);
        if (!e || (st = backup_db(from, to, err)) || (st = hash_file(to, e->sha256, err)))
            goto fail;
        rep->n_databases++;
        rep->has_results_db |= i == 2;
    }
    if ((st = write_manifest(tmp, &es, err)))
        goto fail;
    fsync_path(tmp);
    if (rename(tmp, dest) != 0) {
        st = fail(err, io_status(errno), "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
        goto fail;
    }
    {
        /* The rename itself survives a power cut once its folder is
         * synced. */
        char parent[4300];
        snprintf(parent, sizeof parent, "%s", dest);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent)
            *slash = '\0';
        else
            snprintf(parent, sizeof parent, "%s", slash ? "/" : ".");
        fsync_path(parent);
    }
    rep->n_files = (int)es.n;
    free(es.v);
    return SQ_OK;
fail:
    remove_tree(tmp);
    free(es.v);
    memset(rep, 0, sizeof *rep);
    return st;
}

/* ---- restore ---- */

/* Whether rel is a path restore may write: relative, parts of
 * [A-Za-z0-9._-] and UTF-8 (no control bytes, no backslash), none of them
 * empty, "." or "..", at most one folder deep. Says why not in why. */
static bool safe_rel(const char *rel, const char **why)
{
    size_t len = strlen(rel);
    if (len == 0 || len >= MAX_REL)
        return *why = "is empty or too long", false;
    if (rel[0] == '/')
        return *why = "is absolute", false;
    int parts = 0;
    for (const char *p = rel; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 0)
            return *why = "has an empty part", false;
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return *why = "has a '.' or '..' part", false;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\')
                return *why = "has a control character or a backslash", false;
        parts++;
        p += n;
        if (*p == '/')
            p++;
    }
    if (parts > 2)
        return *why = "is deeper than one folder", false;
    if (strcmp(rel, "MANIFEST") == 0)
        return *why = "names the MANIFEST itself", false;
    return true;
}

/* Reads src/MANIFEST into es. */
static sq_status read_manifest(const char *src, entries *es, sq_err *err)
{
    char path[4300];
    uint8_t *text = NULL;
    size_t len = 0;
    struct stat sb;
    snprintf(path, sizeof path, "%s/MANIFEST", src);
    if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return fail(err, SQ_ENOTFOUND,
                    "%s is missing (not a Synaq backup, or one that was not finished)", path);
    sq_status st = sq_file_read(path, MAX_MANIFEST_BYTES, &text, &len, err);
    if (st)
        return st;
    int line_no = 0;
    for (char *line = (char *)text; !st && line < (char *)text + len;) {
        char *end = memchr(line, '\n', (size_t)((char *)text + len - line));
        if (!end) {
            st = fail(err, SQ_EINVAL, "%s: the last line is cut short", path);
            break;
        }
        *end = '\0';
        line_no++;
        uint8_t sha[32];
        size_t hex_len = 0;
        /* sha256sum's format: 64 hex digits, a space, a space (text) or a
         * star (binary), the path. */
        if (end - line < 67 || sodium_hex2bin(sha, 32, line, 64, NULL, &hex_len, NULL) != 0 ||
            hex_len != 32 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*')) {
            st = fail(err, SQ_EINVAL, "%s:%d: not a line of sha256sum (HEX  PATH)", path, line_no);
            break;
        }
        const char *rel = line + 66, *why = NULL;
        if (!safe_rel(rel, &why)) {
            st = fail(err, SQ_EINVAL, "%s:%d: the path '%s' %s; nothing is restored from it", path,
                      line_no, rel, why);
            break;
        }
        for (size_t i = 0; i < es->n && !st; i++)
            if (strcmp(es->v[i].rel, rel) == 0)
                st = fail(err, SQ_EINVAL, "%s:%d: '%s' is named twice", path, line_no, rel);
        entry *e = st ? NULL : add_entry(es, rel, err);
        if (!st && !e)
            st = SQ_ETOOBIG;
        if (e)
            memcpy(e->sha256, sha, 32);
        line = end + 1;
    }
    if (!st && es->n == 0)
        st = fail(err, SQ_EINVAL, "%s names no file", path);
    sq_free(text);
    return st;
}

sq_status backup_restore(const char *src, const char *home, backup_report *rep, sq_err *err)
{
    entries es = {0};
    sq_status st = SQ_OK;
    struct stat sb;
    char path[4400], to[4400], tmp[4500];
    size_t copied = 0;
    bool made_home = false;
    /* Folders made here (keys, certs), removed again on failure. */
    char(*made_dirs)[4400] = NULL;
    size_t n_made = 0;
    memset(rep, 0, sizeof *rep);
    for (size_t i = 0; i < sizeof home_files / sizeof *home_files; i++) {
        snprintf(path, sizeof path, "%s/%s", home, home_files[i]);
        if (lstat(path, &sb) == 0)
            return fail(err, SQ_EEXIST,
                        "%s already holds central's files (%s); restore goes into a new home", home,
                        home_files[i]);
    }
    if ((st = read_manifest(src, &es, err)))
        goto out;
    if (!(made_dirs = calloc(es.n, sizeof *made_dirs))) {
        st = fail(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    /* Every file checked before anything is written. */
    for (size_t i = 0; i < es.n; i++) {
        uint8_t sha[32];
        snprintf(path, sizeof path, "%s/%s", src, es.v[i].rel);
        if ((st = hash_file(path, sha, err)))
            goto out;
        if (sodium_memcmp(sha, es.v[i].sha256, 32) != 0) {
            st = fail(err, SQ_ECORRUPT,
                      "%s does not match its SHA-256 in the MANIFEST: the backup is damaged", path);
            goto out;
        }
    }
    if (lstat(home, &sb) != 0) {
        if (mkdir(home, 0700) != 0) {
            st = fail(err, io_status(errno), "cannot make %s: %s", home, strerror(errno));
            goto out;
        }
        made_home = true;
    }
    for (copied = 0; copied < es.n; copied++) {
        const entry *e = &es.v[copied];
        const char *slash = strchr(e->rel, '/');
        if (slash) {
            /* Its folder, with the backup's folder's mode. */
            char dir[MAX_REL], sdir[4400], hdir[4400];
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - e->rel), e->rel);
            snprintf(sdir, sizeof sdir, "%s/%s", src, dir);
            snprintf(hdir, sizeof hdir, "%s/%s", home, dir);
            mode_t mode = stat(sdir, &sb) == 0 ? sb.st_mode & 0777 : 0700;
            if (lstat(hdir, &sb) != 0) {
                if (mkdir(hdir, mode) != 0 || chmod(hdir, mode) != 0) {
                    st = fail(err, io_status(errno), "cannot make %s: %s", hdir, strerror(errno));
                    goto out;
                }
                snprintf(made_dirs[n_made++], sizeof *made_dirs, "%s", hdir);
            } else if (!S_ISDIR(sb.st_mode)) {
                st = fail(err, SQ_EEXIST, "%s is not a folder", hdir);
                goto out;
            }
        }
        snprintf(path, sizeof path, "%s/%s", src, e->rel);
        snprintf(to, sizeof to, "%s/%s", home, e->rel);
        snprintf(tmp, sizeof tmp, "%s.restoring", to);
        uint8_t sha[32];
        if (stat(path, &sb) != 0) {
            st = fail(err, SQ_EIO, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        unlink(tmp);
        if ((st = copy_file(path, tmp, sb.st_mode, sha, e->sha256, err)))
            goto out;
        if (rename(tmp, to) != 0) {
            st = fail(err, io_status(errno), "cannot rename %s: %s", tmp, strerror(errno));
            unlink(tmp);
            goto out;
        }
        if (strlen(e->rel) > 3 && strcmp(e->rel + strlen(e->rel) - 3, ".db") == 0)
            rep->n_databases++;
        if (strcmp(e->rel, "results.db") == 0)
            rep->has_results_db = true;
    }
    for (size_t i = 0; i < n_made; i++)
        fsync_path(made_dirs[i]);
    fsync_path(home);
    rep->n_files = (int)es.n;
out:
    if (st) {
        /* What this run wrote goes again: the home is as it was. */
        for (size_t i = 0; i < copied && i < es.n; i++) {
            snprintf(to, sizeof to, "%s/%s", home, es.v[i].rel);
            unlink(to);
        }
        for (size_t i = n_made; i-- > 0;)
            rmdir(made_dirs[i]);
        if (made_home)
            rmdir(home);
        memset(rep, 0, sizeof *rep);
    }
    free(made_dirs);
    free(es.v);
    return st;
}
