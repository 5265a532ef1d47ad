/*
 * stickfs.c - the file system of a USB stick, as usb.c's actions reach it:
 * finding sticks under their mount folders, opening folders and files
 * without ever following a link, listing names, reading with a cap and
 * writing durably, and names from a stick made printable.
 *
 * Everything on a stick is reached from a descriptor of the stick's
 * folder with openat(), one name at a time, O_NOFOLLOW at every step:
 * a symbolic link anywhere on the stick (a folder or a file) is refused,
 * never followed, so a stick cannot make the station read or write
 * outside it. Files are opened O_NONBLOCK (a FIFO on the stick must not
 * hang the kiosk), must be regular, are read with a cap, and must have
 * kept their size and still exist once read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stickfs_int.h"
#include "util_int.h"

size_t sqi_stickfs_read_chunk = 256 * 1024;

#define MAX_NAMES 4096          /* files of one kind in one folder */


/* Copies s as printable UTF-8: control characters (C0 and C1), and bytes
 * that are not well-formed UTF-8, become '?', so no name on a stick can
 * garble a screen or a terminal. */
void sqi_stickfs_printable(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && o + 5 < cap) {
        uint32_t c = 0;
        size_t n = sq_utf8_next((const char *)p, strlen((const char *)p), &c);
        if (n == 0 || c < 0x20 || (c >= 0x7f && c < 0xa0)) {
            out[o++] = '?';
            p += n ? n : 1;
            continue;
        }
        memcpy(out + o, p, n);
        o += n;
        p += n;
    }
    out[o] = 0;
}

sq_status sqi_stickfs_errno_status(int e)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT: return SQ_EFULL;
    case EROFS: return SQ_EREADONLY;
    case ELOOP:
    case ENOTDIR: return SQ_EINVAL;
    case ENOENT: return SQ_ENOTFOUND;
    case ENOMEM: return SQ_ENOMEM;
    default: return SQ_EIO;
    }
}

const char *sqi_stickfs_errno_hint(int e)
{
    return e == EROFS ? " (the stick is read-only)" : e == ENOSPC || e == EDQUOT
                                                          ? " (the stick is full)"
                                                          : "";
}

/* Opens the folder name under parent, never through a symbolic link;
 * with create, makes it first when missing (and syncs parent). */
sq_status sqi_stickfs_open_dir(int parent, const char *name, const char *shown, bool create, int *fd,
                          sq_err *err)
{
    *fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd < 0 && errno == ENOENT && create) {
        if (mkdirat(parent, name, 0755) != 0 && errno != EEXIST)
            return sqi_seterr(err, sqi_stickfs_errno_status(errno), "cannot create %s: %s%s", shown,
                             strerror(errno), sqi_stickfs_errno_hint(errno));
        /* The new folder's name must reach the stick before anything in
         * it counts as written. */
        sq_status st = sqi_stickfs_sync_dir(parent, shown, err);
        if (st)
            return st;
        *fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (*fd >= 0)
        return SQ_OK;
    int e = errno;
    if (e == ELOOP || e == ENOTDIR)
        return sqi_seterr(err, SQ_EINVAL, "%s is a symbolic link or not a folder; not followed",
                         shown);
    return sqi_seterr(err, sqi_stickfs_errno_status(e), "cannot open %s: %s", shown, strerror(e));
}

/* Opens the folder rel ("synaq/ui-001/acks") under the stick, one name at
 * a time. On failure, bad (when not NULL) gets the part of rel that
 * failed ("synaq"). */
sq_status sqi_stickfs_open_path_at(int root, const char *rel, bool create, int *fd, char *bad,
                              size_t bad_cap, sq_err *err)
{
    char buf[1024], shown[1100];
    snprintf(buf, sizeof buf, "%s", rel);
    int cur = dup(root);
    if (cur < 0)
        return sqi_seterr(err, SQ_EIO, "cannot open the stick: %s", strerror(errno));
    size_t done = 0;
    for (char *save = NULL, *part = strtok_r(buf, "/", &save); part;
         part = strtok_r(NULL, "/", &save)) {
        done += strlen(part) + 1;
        snprintf(shown, sizeof shown, "%.*s", (int)done - 1, rel);
        int next;
        sq_status st = sqi_stickfs_open_dir(cur, part, shown, create, &next, err);
        close(cur);
        if (st) {
            if (bad)
                snprintf(bad, bad_cap, "%s", shown);
            return st;
        }
        cur = next;
    }
    *fd = cur;
    return SQ_OK;
}

sq_status sqi_stickfs_open_path(int root, const char *rel, bool create, int *fd, sq_err *err)
{
    return sqi_stickfs_open_path_at(root, rel, create, fd, NULL, 0, err);
}

int sqi_stickfs_open_stick(const char *stick, sq_err *err)
{
    int fd = open(stick, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        sqi_seterr(err, errno == ENOENT ? SQ_ENOTFOUND : SQ_EIO,
                  "cannot open the stick %s: %s (was it removed?)", stick, strerror(errno));
    return fd;
}

static int name_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The names in folder dfd ending in suffix (NULL: all), sorted; names
 * starting with a dot are left out. Caller frees each and the array. */
sq_status sqi_stickfs_list_names(int dfd, const char *suffix, char ***out, size_t *n, sq_err *err)
{
    *out = NULL;
    *n = 0;
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return sqi_seterr(err, SQ_EIO, "cannot list a folder of the stick: %s", strerror(errno));
    }
    rewinddir(d);
    char **names = NULL;
    size_t k = 0, cap = 0, sl = suffix ? strlen(suffix) : 0;
    sq_status st = SQ_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (e->d_name[0] == '.' || nl <= sl || (suffix && strcmp(e->d_name + nl - sl, suffix)))
            continue;
        if (k == MAX_NAMES) {
            st = sqi_seterr(err, SQ_ETOOBIG, "a folder of the stick holds over %d files",
                           MAX_NAMES);
            break;
        }
        if (k == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) {
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
                break;
            }
            names = nn;
            cap = nc;
        }
        if (!(names[k] = strdup(e->d_name))) {
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            break;
        }
        k++;
    }
    closedir(d);
    if (st) {
        while (k)
            free(names[--k]);
        free(names);
        return st;
    }
    if (k)
        qsort(names, k, sizeof *names, name_cmp);
    *out = names;
    *n = k;
    return SQ_OK;
}

void sqi_stickfs_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}


/* Reads the regular file name in dfd (shown in messages) of at most max
 * bytes, starting with magic (NULL: anything). SQ_EIO when the file went
 * away or changed while it was read (a stick pulled out); SQ_EINVAL for a
 * symbolic link, a non-file or a file that is not what magic says;
 * SQ_ETOOBIG above max. Caller owns *buf (free()). */
/* A test hook, compiled in only where the tests are built (SYNAQ_TEST_HOOKS:
 * BUILD_TESTING; the packages are built without it): with
 * SYNAQ_TEST_STICK_DELAY_MS=N (1..60000) in the environment every file read
 * from a stick, and every file written to one, first waits N ms, a slow stick for the kiosk's UI tests
 * (tests/ui/slowstick.sh). Elsewhere it does nothing. */
static void test_stick_delay(void)
{
#ifdef SYNAQ_TEST_HOOKS
    const char *v = getenv("SYNAQ_TEST_STICK_DELAY_MS");
    char *end;
    long ms = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || ms <= 0 || ms > 60000)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
#endif
}

sq_status sqi_stickfs_read_at(int dfd, const char *name, const char *shown, size_t max,
                         const char *magic, const char *what, const read_progress *rp,
                         uint8_t **buf, size_t *len, sq_err *err)
{
    sq_status st = SQ_OK;
    test_stick_delay();
    uint8_t *p = NULL;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            return sqi_seterr(err, SQ_EINVAL, "%s is a symbolic link; not followed", shown);
        return sqi_seterr(err, SQ_EIO, "cannot open %s: %s (was the stick removed?)", shown,
                         strerror(e));
    }
    struct stat a, b;
    if (fstat(fd, &a) != 0) {
        st = sqi_seterr(err, SQ_EIO, "cannot read %s: %s", shown, strerror(errno));
        goto out;
    }
    if (!S_ISREG(a.st_mode)) {
        st = sqi_seterr(err, SQ_EINVAL, "%s is not a regular file; skipped", shown);
        goto out;
    }
    if ((uint64_t)a.st_size > max) {
        st = sqi_seterr(err, SQ_ETOOBIG, "%s is %lld bytes, above the limit of %zu for %s", shown,
                       (long long)a.st_size, max, what);
        goto out;
    }
    size_t want = (size_t)a.st_size, n = 0;
    /* One byte more than the size, to notice a file that grows. */
    p = malloc(want + 1);
    if (!p) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory for %s (%zu bytes)", shown, want);
        goto out;
    }
    size_t mlen = magic ? strlen(magic) : 0;
    bool checked = mlen == 0;
    for (;;) {
        size_t chunk = want + 1 - n < sqi_stickfs_read_chunk ? want + 1 - n : sqi_stickfs_read_chunk;
        if (chunk == 0)
            break;
        ssize_t r = read(fd, p + n, chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = sqi_seterr(err, SQ_EIO, "cannot read %s: %s (was the stick removed?)", shown,
                           strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (!checked && n >= mlen) {
            if (memcmp(p, magic, mlen) != 0) {
                st = sqi_seterr(err, SQ_EINVAL, "%s is not %s; skipped", shown, what);
                goto out;
            }
            checked = true;
        }
        if (rp && rp->pr && rp->pr->fn) {
            int64_t done = (int64_t)(n < want ? n : want);
            rp->pr->fn(rp->pr->ctx, rp->base + (done < rp->size ? done : rp->size), rp->total);
        }
    }
    if (!checked) {
        st = sqi_seterr(err, SQ_EINVAL, "%s is not %s; skipped", shown, what);
        goto out;
    }
    /* Still the same file, whole: a stick pulled out midway shows here as
     * a short read, a changed size, or a file gone. */
    if (n != want || fstat(fd, &b) != 0 || b.st_size != a.st_size || b.st_nlink == 0 ||
        b.st_mtim.tv_sec != a.st_mtim.tv_sec || b.st_mtim.tv_nsec != a.st_mtim.tv_nsec) {
        st = sqi_seterr(err, SQ_EIO,
                       "%s changed or vanished while it was read (was the stick removed?)",
                       shown);
        goto out;
    }
    *buf = p;
    *len = n;
    p = NULL;
out:
    free(p);
    close(fd);
    return st;
}

/* Writes a file under dfd: a hidden temp name (exclusive, never through a
 * link), fsync, rename. The folder's fsync is the caller's, once. */
sq_status sqi_stickfs_write_at(int dfd, const char *name, const char *shown, const void *buf,
                          size_t len, sq_err *err)
{
    char tmp[300];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    test_stick_delay();
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST && unlinkat(dfd, tmp, 0) == 0)
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return sqi_seterr(err, sqi_stickfs_errno_status(errno), "cannot create %s: %s%s", shown,
                         strerror(errno), sqi_stickfs_errno_hint(errno));
    const uint8_t *p = buf;
    size_t left = len;
    int e = 0;
    while (left > 0) {
        long w = sqi_write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            e = errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!e && sqi_fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && renameat(dfd, tmp, dfd, name) != 0)
        e = errno;
    if (e) {
        unlinkat(dfd, tmp, 0);
        return sqi_seterr(err, sqi_stickfs_errno_status(e) == SQ_EINVAL ? SQ_EIO : sqi_stickfs_errno_status(e),
                         "cannot write %s: %s%s", shown, strerror(e), sqi_stickfs_errno_hint(e));
    }
    return SQ_OK;
}

sq_status sqi_stickfs_sync_dir(int dfd, const char *shown, sq_err *err)
{
    if (sqi_fsync(dfd) != 0 && errno != EINVAL)
        return sqi_seterr(err, sqi_stickfs_errno_status(errno), "cannot sync %s: %s%s", shown,
                         strerror(errno), sqi_stickfs_errno_hint(errno));
    return SQ_OK;
}

/* ---- finding sticks ---- */

static bool has_synaq_files(const char *path)
{
    char sub[1100];
    struct stat sb;
    snprintf(sub, sizeof sub, "%s/synaq", path);
    if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
        return true;
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        found = e->d_name[0] != '.' && nl > 4 && strcmp(e->d_name + nl - 4, ".sqb") == 0;
    }
    closedir(d);
    return found;
}

static void add_stick(sqi_stick *out, size_t max, size_t *n, const char *path, bool mounted)
{
    for (size_t i = 0; i < *n && i < max; i++)
        if (strcmp(out[i].path, path) == 0)
            return;
    if (*n < max) {
        sqi_stick *s = &out[*n];
        snprintf(s->path, sizeof s->path, "%s", path);
        const char *base = strrchr(path, '/');
        sqi_stickfs_printable(base && base[1] ? base + 1 : path, s->name, sizeof s->name);
        s->mounted = mounted;
    }
    (*n)++;
}

/* Looks at the folders in dir (depth 1 or 2 below a root). */
static void scan_dir(const char *dir, dev_t dev, int depth, sqi_stick *out, size_t max,
                     size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[1024];
        struct stat sb;
        if (e->d_name[0] == '.' ||
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        if (lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
            continue;
        bool mounted = sb.st_dev != dev;
        if (mounted || has_synaq_files(path))
            add_stick(out, max, n, path, mounted);
        else if (depth < 2)
            scan_dir(path, dev, depth + 1, out, max, n);
    }
    closedir(d);
}

static int stick_cmp(const void *x, const void *y)
{
    return strcmp(((const sqi_stick *)x)->path, ((const sqi_stick *)y)->path);
}

#define FIND_MAX 64

sq_status sqi_stickfs_find(const char *roots, sqi_stick *out, size_t max, size_t *n, sq_err *err)
{
    char list[4096];
    /* All that are there (up to FIND_MAX), so that the first max by path
     * are kept, not the first ones a folder happens to list. */
    sqi_stick *all = calloc(FIND_MAX, sizeof *all);
    *n = 0;
    if (!all)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    if (strlen(roots) >= sizeof list) {
        free(all);
        return sqi_seterr(err, SQ_EINVAL, "the list of mount folders is too long");
    }
    snprintf(list, sizeof list, "%s", roots);
    size_t found = 0;
    for (char *save = NULL, *root = strtok_r(list, ":", &save); root;
         root = strtok_r(NULL, ":", &save)) {
        struct stat sb, up;
        char parent[1100];
        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
            root[--rl] = 0;
        if (stat(root, &sb) != 0 || !S_ISDIR(sb.st_mode))
            continue;
        snprintf(parent, sizeof parent, "%s/..", root);
        if (stat(parent, &up) == 0 && up.st_dev != sb.st_dev)
            add_stick(all, FIND_MAX, &found, root, true);
        scan_dir(root, sb.st_dev, 1, all, FIND_MAX, &found);
    }
    size_t kept = found < FIND_MAX ? found : FIND_MAX;
    if (kept > 1)
        qsort(all, kept, sizeof *all, stick_cmp);
    *n = kept < max ? kept : max;
    memcpy(out, all, *n * sizeof *out);
    free(all);
    return SQ_OK;
}

/* Whether dfd holds name with exactly these bytes. The same results make
 * the same batch bytes (no time in a batch), so an export to a stick that
 * has the last one writes only what is new: less to write on a stick with
 * little room, and a failed export cannot take back a file that an
 * earlier, whole export's manifest still names. */
bool sqi_stickfs_same_at(int dfd, const char *name, const void *buf, size_t len)
{
    uint8_t *old = NULL;
    size_t olen = 0;
    bool same = sqi_stickfs_read_at(dfd, name, name, len, NULL, "a file", NULL, &old, &olen, NULL) == SQ_OK &&
                olen == len && memcmp(old, buf, len) == 0;
    free(old);
    return same;
}
