/*
 * file.c - reading whole files with a cap, and writing files that must
 * survive a power cut: temp name, fsync, rename, fsync of the folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util_int.h"

struct sqi_fault_state sqi_fault;

bool sqi_fault_now(void)
{
    if (sqi_fault.countdown <= 0)
        return false;
    if (sqi_fault.countdown > 1) {
        sqi_fault.countdown--;
        return false;
    }
    if (!sqi_fault.persist)
        sqi_fault.countdown = 0;
    sqi_fault.hits++;
    errno = sqi_fault.err ? sqi_fault.err : EIO;
    return true;
}

long sqi_write(int fd, const void *buf, size_t len)
{
    if (sqi_fault_now()) {
        sqi_fault.site = "write";
        return -1;
    }
    return (long)write(fd, buf, len);
}

int sqi_fsync(int fd)
{
    if (sqi_fault_now()) {
        sqi_fault.site = "fsync";
        return -1;
    }
    return fsync(fd);
}

sq_status sqi_file_read(const char *path, size_t max_len, uint8_t **buf, size_t *len, sq_err *err)
{
    sq_status st = SQ_OK;
    uint8_t *p = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sqi_seterr(err, SQ_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = sqi_seterr(err, SQ_EIO, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = sqi_seterr(err, SQ_EIO, "cannot read %s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)sb.st_size > max_len) {
        st = sqi_seterr(err, SQ_ETOOBIG, "%s is %lld bytes, above the limit of %zu", path,
                       (long long)sb.st_size, max_len);
        goto out;
    }
    /* Read to the end rather than trusting st_size: the file may shrink or
     * grow while we read it (a stick pulled out), and either is noticed. */
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    p = malloc(cap);
    if (!p) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max_len) {
                st = sqi_seterr(err, SQ_ETOOBIG, "%s grew above the limit of %zu bytes", path,
                               max_len);
                goto out;
            }
            size_t ncap = cap * 2 > max_len + 1 ? max_len + 1 : cap * 2;
            uint8_t *np = realloc(p, ncap);
            if (!np) {
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory reading %s", path);
                goto out;
            }
            p = np;
            cap = ncap;
        }
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            st = sqi_seterr(err, SQ_EIO, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max_len) {
        st = sqi_seterr(err, SQ_ETOOBIG, "%s grew above the limit of %zu bytes", path, max_len);
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

static sq_status write_all(int fd, const uint8_t *buf, size_t len, const char *path, sq_err *err)
{
    while (len > 0) {
        long w = sqi_write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return sqi_seterr(err, errno == ENOSPC ? SQ_EFULL : SQ_EIO, "cannot write %s: %s",
                             path, strerror(errno));
        }
        buf += w;
        len -= (size_t)w;
    }
    return SQ_OK;
}

int sqi_file_mode_shared(const char *path, int mode)
{
    char dir[4096];
    struct stat sb;
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return mode;
    if (stat(dirname(dir), &sb) != 0 || !S_ISDIR(sb.st_mode) || !(sb.st_mode & S_ISGID))
        return mode;
    return mode | ((mode & 0700) >> 3);
}

sq_status sqi_file_write_atomic(const char *path, const uint8_t *buf, size_t len, int mode,
                            bool no_clobber, sq_err *err)
{
    sq_status st = SQ_OK;
    char tmp[4096];
    int fd = -1;
    mode = sqi_file_mode_shared(path, mode);
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return sqi_seterr(err, SQ_EINVAL, "path too long: %s", path);
    if (no_clobber && access(path, F_OK) == 0)
        return sqi_seterr(err, SQ_EEXIST, "%s exists already; refusing to overwrite it", path);
    /* O_EXCL: a name planted beforehand (a symlink on a stick, say) is
     * never written through; a stale temp file of ours is replaced. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return sqi_seterr(err, errno == ENOSPC ? SQ_EFULL : SQ_EIO, "cannot create %s: %s", tmp,
                         strerror(errno));
    if (fchmod(fd, (mode_t)mode) != 0) {
        st = sqi_seterr(err, SQ_EIO, "cannot set mode of %s: %s", tmp, strerror(errno));
        goto fail;
    }
    st = write_all(fd, buf, len, tmp, err);
    if (st)
        goto fail;
    if (sqi_fsync(fd) != 0) {
        st = sqi_seterr(err, errno == ENOSPC ? SQ_EFULL : SQ_EIO, "cannot sync %s: %s", tmp,
                       strerror(errno));
        goto fail;
    }
    close(fd);
    fd = -1;
    if (no_clobber) {
        /* link() fails if path exists, closing the race with the check above. */
        if (link(tmp, path) != 0) {
            st = sqi_seterr(err, errno == EEXIST ? SQ_EEXIST : SQ_EIO,
                           errno == EEXIST ? "%s exists already; refusing to overwrite it"
                                           : "cannot create %s",
                           path);
            goto fail;
        }
        unlink(tmp);
    } else if (rename(tmp, path) != 0) {
        st = sqi_seterr(err, SQ_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto fail;
    }
    /* The rename itself must reach the disk too. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        sqi_fsync(dfd);
        close(dfd);
    }
    return SQ_OK;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return st;
}

sq_status sq_write_file(const char *path, const void *buf, size_t len, int mode, sq_err *err)
{
    return sqi_file_write_atomic(path, buf, len, mode, false, err);
}

sq_status sq_file_read(const char *path, size_t max_bytes, uint8_t **buf, size_t *len, sq_err *err)
{
    uint8_t *p = NULL;
    size_t n = 0;
    sq_status st = sqi_file_read(path, max_bytes, &p, &n, err);
    if (st)
        return st;
    /* One byte more for the NUL, so that a text file reads as a string. */
    uint8_t *q = realloc(p, n + 1);
    if (!q) {
        free(p);
        return sqi_seterr(err, SQ_ENOMEM, "out of memory reading %s", path);
    }
    q[n] = 0;
    *buf = q;
    *len = n;
    return SQ_OK;
}
