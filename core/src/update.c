/*
 * update.c - signed software updates (synaq/update.h).
 *
 *   "SQUPDATE" u8(format=1) u32le(manifest length) manifest sig[64]
 *   then the packages' bytes, one after the other, in the manifest's order
 *
 * sig is central's Ed25519 signature (its signing key, the one that signs
 * bundles) over every byte before it. The manifest is JSON:
 *   {"format":1,"version":"0.2.0","created":WALL_S,"allow_downgrade":false,
 *    "packages":[{"name":"synaq-station","version":"0.2.0","size":N,
 *                 "sha256":"HEX"}, ...]}
 * Reading checks, in this order, and stops at the first failure: the
 * magic, the manifest's length against its cap, the signature (nothing of
 * the manifest is parsed before it), the JSON and its fields, the file's
 * length against the sizes the manifest names, and, while copying each
 * package out, its SHA-256.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>

#include "db_int.h"
#include "stickfs_int.h"
#include "util_int.h"
#include "synaq/update.h"

#define MAGIC "SQUPDATE"
#define HEAD_LEN 13 /* magic, format, manifest length */
#define SIG_LEN crypto_sign_BYTES

/* ---- Debian's names and versions ---- */

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool sq_update_pkg_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n < 2 || n >= sizeof ((sq_update_pkg *)0)->name)
        return false;
    if (!(is_digit(name[0]) || (name[0] >= 'a' && name[0] <= 'z')))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = name[i];
        if (!(is_digit(c) || (c >= 'a' && c <= 'z') || c == '+' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* Splits v into epoch, upstream version and revision (pointers into buf,
 * a copy of v). */
typedef struct {
    char buf[128];
    long epoch;
    const char *upstream, *revision;
} version_parts;

static bool version_split(const char *v, version_parts *p)
{
    if (strlen(v) >= sizeof p->buf || !*v)
        return false;
    strcpy(p->buf, v);
    char *s = p->buf;
    p->epoch = 0;
    char *colon = strchr(s, ':');
    if (colon) {
        if (colon == s || colon - s > 9)
            return false;
        for (char *c = s; c < colon; c++)
            if (!is_digit(*c))
                return false;
        *colon = '\0';
        p->epoch = strtol(s, NULL, 10);
        s = colon + 1;
    }
    char *dash = strrchr(s, '-');
    p->revision = "";
    if (dash) {
        *dash = '\0';
        p->revision = dash + 1;
        if (!*p->revision)
            return false;
    }
    p->upstream = s;
    return true;
}

bool sq_version_valid(const char *v)
{
    version_parts p;
    if (!version_split(v, &p) || !is_digit(p.upstream[0]))
        return false;
    for (const char *c = p.upstream; *c; c++)
        if (!(is_digit(*c) || is_alpha(*c) || *c == '.' || *c == '+' || *c == '~' || *c == '-'))
            return false;
    for (const char *c = p.revision; *c; c++)
        if (!(is_digit(*c) || is_alpha(*c) || *c == '.' || *c == '+' || *c == '~'))
            return false;
    return true;
}

/* dpkg's order of a character in a non-digit run: '~' first, then the end
 * of the string, then letters, then everything else. */
static int char_order(int c)
{
    if (is_digit(c))
        return 0;
    if (is_alpha(c))
        return c;
    if (c == '~')
        return -1;
    if (c)
        return c + 256;
    return 0;
}

/* dpkg's verrevcmp: alternating runs of non-digits (by char_order) and
 * digits (by value). */
static int part_compare(const char *a, const char *b)
{
    while (*a || *b) {
        int first_diff = 0;
        while ((*a && !is_digit(*a)) || (*b && !is_digit(*b))) {
            int ac = char_order((unsigned char)*a), bc = char_order((unsigned char)*b);
            if (ac != bc)
                return ac - bc;
            a++;
            b++;
        }
        while (*a == '0')
            a++;
        while (*b == '0')
            b++;
        while (is_digit(*a) && is_digit(*b)) {
            if (!first_diff)
                first_diff = *a - *b;
            a++;
            b++;
        }
        if (is_digit(*a))
            return 1;
        if (is_digit(*b))
            return -1;
        if (first_diff)
            return first_diff;
    }
    return 0;
}

int sq_version_compare(const char *a, const char *b)
{
    version_parts pa, pb;
    /* Not a version at all sorts below every version, as dpkg's empty one. */
    bool va = version_split(a, &pa), vb = version_split(b, &pb);
    if (!va || !vb)
        return (int)va - (int)vb;
    if (pa.epoch != pb.epoch)
        return pa.epoch < pb.epoch ? -1 : 1;
    int r = part_compare(pa.upstream, pb.upstream);
    if (r)
        return r < 0 ? -1 : 1;
    r = part_compare(pa.revision, pb.revision);
    return r < 0 ? -1 : r > 0;
}

/* NAME_VERSION.deb, the version without its epoch (no ':' in a file name). */
static void pkg_file_name(sq_update_pkg *p)
{
    const char *v = strchr(p->version, ':');
    snprintf(p->file, sizeof p->file, "%s_%s.deb", p->name, v ? v + 1 : p->version);
}

/* ---- the manifest ---- */

static sq_status manifest_check(sq_update_manifest *m, sq_err *err)
{
    if (!sq_version_valid(m->version))
        return sqi_seterr(err, SQ_EINVAL, "'%s' is not a Debian version", m->version);
    if (m->n_pkgs == 0 || m->n_pkgs > SQ_UPDATE_MAX_PKGS)
        return sqi_seterr(err, SQ_EINVAL, "an update holds 1 to %d packages, not %zu",
                          SQ_UPDATE_MAX_PKGS, m->n_pkgs);
    for (size_t i = 0; i < m->n_pkgs; i++) {
        sq_update_pkg *p = &m->pkgs[i];
        if (!sq_update_pkg_name_valid(p->name))
            return sqi_seterr(err, SQ_EINVAL, "'%s' is not a Debian package name", p->name);
        if (!sq_version_valid(p->version))
            return sqi_seterr(err, SQ_EINVAL, "package %s: '%s' is not a Debian version",
                              p->name, p->version);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(m->pkgs[j].name, p->name))
                return sqi_seterr(err, SQ_EINVAL, "package %s is named twice", p->name);
        pkg_file_name(p);
    }
    return SQ_OK;
}

static char *manifest_json(const sq_update_manifest *m)
{
    json_t *pkgs = json_array();
    for (size_t i = 0; i < m->n_pkgs; i++)
        json_array_append_new(pkgs, json_pack("{s:s, s:s, s:I, s:s}", "name", m->pkgs[i].name,
                                              "version", m->pkgs[i].version, "size",
                                              (json_int_t)m->pkgs[i].size, "sha256",
                                              m->pkgs[i].sha256));
    json_t *doc = json_pack("{s:i, s:s, s:I, s:b, s:o}", "format", 1, "version", m->version,
                            "created", (json_int_t)m->created_wall_s, "allow_downgrade",
                            m->allow_downgrade, "packages", pkgs);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    return text;
}

static bool copy_str(json_t *v, char *out, size_t cap)
{
    if (!json_is_string(v) || json_string_length(v) >= cap ||
        strlen(json_string_value(v)) != json_string_length(v))
        return false;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return true;
}

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!(is_digit(*s) || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static sq_status manifest_parse(const uint8_t *text, size_t len, sq_update_manifest *m, sq_err *err)
{
    memset(m, 0, sizeof *m);
    json_error_t je;
    json_t *doc = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return sqi_seterr(err, SQ_ECORRUPT, "the update's manifest is not valid JSON: %s", je.text);
    sq_status st = SQ_OK;
    json_t *fmt = json_object_get(doc, "format"), *created = json_object_get(doc, "created");
    json_t *down = json_object_get(doc, "allow_downgrade"), *pkgs = json_object_get(doc, "packages");
    if (!json_is_integer(fmt) || json_integer_value(fmt) != 1) {
        st = sqi_seterr(err, SQ_ECORRUPT, "the update's manifest is of an unknown format");
        goto out;
    }
    if (!copy_str(json_object_get(doc, "version"), m->version, sizeof m->version) ||
        !json_is_integer(created) || !json_is_boolean(down) || !json_is_array(pkgs) ||
        json_array_size(pkgs) > SQ_UPDATE_MAX_PKGS) {
        st = sqi_seterr(err, SQ_ECORRUPT, "the update's manifest lacks a field or has a wrong one");
        goto out;
    }
    m->created_wall_s = json_integer_value(created);
    m->allow_downgrade = json_is_true(down);
    m->n_pkgs = json_array_size(pkgs);
    for (size_t i = 0; i < m->n_pkgs; i++) {
        json_t *p = json_array_get(pkgs, i), *size = json_object_get(p, "size");
        sq_update_pkg *q = &m->pkgs[i];
        if (!copy_str(json_object_get(p, "name"), q->name, sizeof q->name) ||
            !copy_str(json_object_get(p, "version"), q->version, sizeof q->version) ||
            !copy_str(json_object_get(p, "sha256"), q->sha256, sizeof q->sha256) ||
            !is_hex64(q->sha256) || !json_is_integer(size) || json_integer_value(size) <= 0 ||
            (uint64_t)json_integer_value(size) > SQ_UPDATE_MAX_DEB) {
            st = sqi_seterr(err, SQ_ECORRUPT, "the update's manifest: package %zu is not described "
                            "right", i + 1);
            goto out;
        }
        q->size = (uint64_t)json_integer_value(size);
    }
    if ((st = manifest_check(m, err)))
        sqi_prefixerr(err, "the update's manifest");
out:
    json_decref(doc);
    return st;
}

/* ---- central: building ---- */

sq_status sq_update_build(const sq_central_keys *k, const char *const *debs,
                          sq_update_manifest *m, const char *out, sq_err *err)
{
    sq_status st = manifest_check(m, err);
    if (st)
        return st;
    uint8_t *data[SQ_UPDATE_MAX_PKGS] = {0};
    size_t lens[SQ_UPDATE_MAX_PKGS] = {0};
    size_t total = 0;
    char *text = NULL;
    uint8_t *buf = NULL;
    for (size_t i = 0; i < m->n_pkgs && !st; i++) {
        if ((st = sqi_file_read(debs[i], SQ_UPDATE_MAX_DEB, &data[i], &lens[i], err)))
            break;
        if (lens[i] == 0) {
            st = sqi_seterr(err, SQ_EINVAL, "%s is empty", debs[i]);
            break;
        }
        uint8_t h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, data[i], lens[i]);
        sqi_hex_encode(h, sizeof h, m->pkgs[i].sha256);
        m->pkgs[i].size = lens[i];
        total += lens[i];
    }
    if (!st && !(text = manifest_json(m)))
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory writing the manifest");
    size_t mlen = text ? strlen(text) : 0;
    if (!st && mlen > SQ_UPDATE_MAX_MANIFEST)
        st = sqi_seterr(err, SQ_ETOOBIG, "the manifest is %zu bytes, above the limit of %d", mlen,
                        SQ_UPDATE_MAX_MANIFEST);
    size_t len = HEAD_LEN + mlen + SIG_LEN + total;
    if (!st && !(buf = malloc(len)))
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory building the update (%zu bytes)", len);
    if (!st) {
        memcpy(buf, MAGIC, 8);
        buf[8] = 1;
        for (int i = 0; i < 4; i++)
            buf[9 + i] = (uint8_t)(mlen >> (8 * i));
        memcpy(buf + HEAD_LEN, text, mlen);
        sq_central_sign(k, buf, HEAD_LEN + mlen, buf + HEAD_LEN + mlen);
        size_t at = HEAD_LEN + mlen + SIG_LEN;
        for (size_t i = 0; i < m->n_pkgs; i++) {
            memcpy(buf + at, data[i], lens[i]);
            at += lens[i];
        }
        st = sqi_file_write_atomic(out, buf, len, 0644, true, err);
    }
    for (size_t i = 0; i < m->n_pkgs; i++)
        free(data[i]);
    free(text);
    free(buf);
    return st;
}

/* ---- the station: reading and unpacking ---- */

static sq_status read_full(int fd, uint8_t *buf, size_t n, const char *path, sq_err *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sqi_seterr(err, SQ_EIO, "cannot read %s: %s", path, strerror(errno));
        if (r == 0)
            return sqi_seterr(err, SQ_ECORRUPT, "%s is cut short", path);
        got += (size_t)r;
    }
    return SQ_OK;
}

/* Opens path, checks the signature and parses the manifest; leaves fd at
 * the first package's first byte. */
static sq_status open_verified(const char *path, const uint8_t central_pk[32], int *fd_out,
                               sq_update_manifest *m, sq_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 && errno == ELOOP)
        return sqi_seterr(err, SQ_EINVAL, "%s is a symbolic link: refused", path);
    if (fd < 0)
        return sqi_seterr(err, errno == ENOENT ? SQ_ENOTFOUND : SQ_EIO, "cannot open %s: %s",
                          path, strerror(errno));
    uint8_t head[HEAD_LEN];
    uint8_t *buf = NULL;
    struct stat sb;
    sq_status st = SQ_OK;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
        st = sqi_seterr(err, SQ_EIO, "%s is not a file", path);
        goto out;
    }
    if (sb.st_size < HEAD_LEN || (st = read_full(fd, head, HEAD_LEN, path, err)) ||
        memcmp(head, MAGIC, 8) != 0) {
        st = sqi_seterr(err, SQ_ECORRUPT, "%s is not a Synaq update", path);
        goto out;
    }
    if (head[8] != 1) {
        st = sqi_seterr(err, SQ_ECORRUPT, "%s is an update of an unknown format", path);
        goto out;
    }
    uint32_t mlen = (uint32_t)head[9] | (uint32_t)head[10] << 8 | (uint32_t)head[11] << 16 |
                    (uint32_t)head[12] << 24;
    if (mlen == 0 || mlen > SQ_UPDATE_MAX_MANIFEST) {
        st = sqi_seterr(err, SQ_ECORRUPT, "%s: its manifest's length (%u) is out of bounds", path,
                        mlen);
        goto out;
    }
    size_t signed_len = HEAD_LEN + (size_t)mlen;
    if (!(buf = malloc(signed_len + SIG_LEN))) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    memcpy(buf, head, HEAD_LEN);
    if ((st = read_full(fd, buf + HEAD_LEN, mlen + SIG_LEN, path, err)))
        goto out;
    if (crypto_sign_verify_detached(buf + signed_len, buf, signed_len, central_pk) != 0) {
        st = sqi_seterr(err, SQ_EAUTH,
                        "%s is not signed by the central this station trusts: refused", path);
        goto out;
    }
    if ((st = manifest_parse(buf + HEAD_LEN, mlen, m, err)))
        goto out;
    uint64_t want = signed_len + SIG_LEN;
    for (size_t i = 0; i < m->n_pkgs; i++)
        want += m->pkgs[i].size;
    if ((uint64_t)sb.st_size != want) {
        st = sqi_seterr(err, SQ_ECORRUPT, "%s is %lld bytes where its manifest says %llu: %s", path,
                        (long long)sb.st_size, (unsigned long long)want,
                        (uint64_t)sb.st_size < want ? "cut short (an interrupted copy?)"
                                                    : "bytes were added");
        goto out;
    }
out:
    free(buf);
    if (st)
        close(fd);
    else
        *fd_out = fd;
    return st;
}

sq_status sq_update_read(const char *path, const uint8_t central_pk[32], sq_update_manifest *m,
                         sq_err *err)
{
    int fd;
    sq_status st = open_verified(path, central_pk, &fd, m, err);
    if (!st)
        close(fd);
    return st;
}

/* Copies size bytes from fd to a new file at out, hashing them. */
static sq_status copy_out(int fd, const char *path, const sq_update_pkg *p, const char *out,
                          sq_err *err)
{
    int o = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (o < 0)
        return sqi_seterr(err, SQ_EIO, "cannot make %s: %s", out, strerror(errno));
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    uint8_t chunk[64 * 1024];
    uint64_t left = p->size;
    sq_status st = SQ_OK;
    while (left > 0 && !st) {
        size_t n = left < sizeof chunk ? (size_t)left : sizeof chunk;
        if ((st = read_full(fd, chunk, n, path, err)))
            break;
        crypto_hash_sha256_update(&h, chunk, n);
        if (sqi_write(o, chunk, n) != (long)n)
            st = sqi_seterr(err, SQ_EIO, "cannot write %s: %s", out, strerror(errno));
        left -= n;
    }
    if (close(o) && !st)
        st = sqi_seterr(err, SQ_EIO, "cannot write %s: %s", out, strerror(errno));
    if (!st) {
        uint8_t d[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256_final(&h, d);
        sqi_hex_encode(d, sizeof d, hex);
        if (strcmp(hex, p->sha256) != 0)
            st = sqi_seterr(err, SQ_EAUTH,
                            "package %s %s in %s is not the one central signed (SHA-256 %.16s..., "
                            "signed %.16s...): refused",
                            p->name, p->version, path, hex, p->sha256);
    }
    return st;
}

sq_status sq_update_unpack(const char *path, const uint8_t central_pk[32], const char *dir,
                           sq_update_manifest *m, sq_err *err)
{
    int fd;
    sq_status st = open_verified(path, central_pk, &fd, m, err);
    if (st)
        return st;
    size_t done = 0;
    char out[4400];
    for (; done < m->n_pkgs && !st; done++) {
        if (snprintf(out, sizeof out, "%s/%s", dir, m->pkgs[done].file) >= (int)sizeof out)
            st = sqi_seterr(err, SQ_EINVAL, "the folder %s has too long a name", dir);
        else
            st = copy_out(fd, path, &m->pkgs[done], out, err);
    }
    close(fd);
    if (st)
        for (size_t i = 0; i < done; i++) {
            snprintf(out, sizeof out, "%s/%s", dir, m->pkgs[i].file);
            unlink(out);
        }
    return st;
}

/* ---- staging ---- */

/* The staging name in pending, and the folder made when missing. */
static sq_status stage_tmp(const char *pending, char *tmp, size_t cap, sq_err *err)
{
    if (mkdir(pending, 02770) && errno != EEXIST)
        return sqi_seterr(err, SQ_EIO, "cannot make %s: %s", pending, strerror(errno));
    if (snprintf(tmp, cap, "%s/.staging-%d.squ", pending, (int)getpid()) >= (int)cap)
        return sqi_seterr(err, SQ_EINVAL, "the folder %s has too long a name", pending);
    return SQ_OK;
}

/* Checks the whole file at tmp (written and synced) and renames it to
 * synaq-update-VERSION.squ in pending; removes it when refused. */
static sq_status stage_finish(const char *tmp, const char *shown, const uint8_t central_pk[32],
                              const char *pending, sq_update_manifest *m, sq_err *err)
{
    char to[4400];
    sq_status st = sq_update_read(tmp, central_pk, m, err);
    if (st) {
        /* Said with the name people know, not the staging name. */
        if (err) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            char *at = strstr(msg, tmp);
            if (at)
                sqi_seterr(err, st, "%.*s%s%s", (int)(at - msg), msg, shown, at + strlen(tmp));
        }
        unlink(tmp);
        return st;
    }
    snprintf(to, sizeof to, "%s/synaq-update-%s%s", pending, m->version, SQ_UPDATE_SUFFIX);
    if (rename(tmp, to)) {
        st = sqi_seterr(err, SQ_EIO, "cannot move the update into %s: %s", pending,
                        strerror(errno));
        unlink(tmp);
        return st;
    }
    int dfd = open(pending, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        sqi_fsync(dfd);
        close(dfd);
    }
    return SQ_OK;
}

static sq_status stage_buf(const uint8_t *buf, size_t len, const char *shown,
                           const uint8_t central_pk[32], const char *pending,
                           sq_update_manifest *m, sq_err *err)
{
    char tmp[4400];
    sq_status st = stage_tmp(pending, tmp, sizeof tmp, err);
    if (!st)
        st = sqi_file_write_atomic(tmp, buf, len, sqi_file_mode_shared(tmp, 0640), false, err);
    return st ? st : stage_finish(tmp, shown, central_pk, pending, m, err);
}

/* A file is copied a chunk at a time (an update may be larger than what
 * the sync daemon may hold in memory). */
sq_status sq_update_stage_file(const char *path, const uint8_t central_pk[32], const char *pending,
                               sq_update_manifest *m, sq_err *err)
{
    char tmp[4400];
    sq_status st = stage_tmp(pending, tmp, sizeof tmp, err);
    if (st)
        return st;
    int in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (in < 0)
        return sqi_seterr(err, errno == ENOENT ? SQ_ENOTFOUND : errno == ELOOP ? SQ_EINVAL : SQ_EIO,
                          "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    bool is_file = fstat(in, &sb) == 0 && S_ISREG(sb.st_mode);
    if (!is_file || (uint64_t)sb.st_size > SQ_UPDATE_MAX_FILE) {
        close(in);
        return sqi_seterr(err, is_file ? SQ_ETOOBIG : SQ_EINVAL,
                          "%s is not a file of at most %zu bytes", path, SQ_UPDATE_MAX_FILE);
    }
    unlink(tmp);
    int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   sqi_file_mode_shared(tmp, 0640));
    if (out < 0) {
        st = sqi_seterr(err, SQ_EIO, "cannot make %s: %s", tmp, strerror(errno));
        close(in);
        return st;
    }
    uint8_t chunk[64 * 1024];
    for (;;) {
        ssize_t r = read(in, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = sqi_seterr(err, SQ_EIO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        if (sqi_write(out, chunk, (size_t)r) != (long)r) {
            st = sqi_seterr(err, errno == ENOSPC ? SQ_EFULL : SQ_EIO, "cannot write %s: %s", tmp,
                            strerror(errno));
            break;
        }
    }
    if (!st && sqi_fsync(out))
        st = sqi_seterr(err, SQ_EIO, "cannot write %s: %s", tmp, strerror(errno));
    close(in);
    if (close(out) && !st)
        st = sqi_seterr(err, SQ_EIO, "cannot write %s: %s", tmp, strerror(errno));
    if (st) {
        unlink(tmp);
        return st;
    }
    return stage_finish(tmp, path, central_pk, pending, m, err);
}

sq_status sq_update_stage_usb(const char *stick, const uint8_t central_pk[32], const char *pending,
                              sq_update_stage_report *rep, sq_err *err)
{
    memset(rep, 0, sizeof *rep);
    int root = sqi_stickfs_open_stick(stick, err);
    if (root < 0)
        return err ? err->code : SQ_EIO;
    int dfd = -1;
    sq_err e;
    char **names = NULL;
    size_t n = 0;
    sq_status st = sqi_stickfs_open_path(root, "synaq/updates", false, &dfd, &e);
    if (st) {
        close(root);
        return sqi_seterr(err, SQ_ENOTFOUND, "no software update on %s (synaq/updates/*%s)",
                          stick, SQ_UPDATE_SUFFIX);
    }
    if ((st = sqi_stickfs_list_names(dfd, SQ_UPDATE_SUFFIX, &names, &n, err)))
        goto out;
    if (n == 0) {
        st = sqi_seterr(err, SQ_ENOTFOUND, "no software update on %s (synaq/updates/*%s)", stick,
                        SQ_UPDATE_SUFFIX);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char shown[600];
        snprintf(shown, sizeof shown, "synaq/updates/%s", names[i]);
        uint8_t *buf = NULL;
        size_t len = 0;
        sq_update_manifest m;
        rep->found++;
        sq_status r = sqi_stickfs_read_at(dfd, names[i], shown, SQ_UPDATE_MAX_FILE, MAGIC,
                                          "software update", NULL, &buf, &len, &e);
        if (!r)
            r = stage_buf(buf, len, shown, central_pk, pending, &m, &e);
        free(buf);
        if (r) {
            if (rep->refused++ == 0)
                snprintf(rep->first_refusal, sizeof rep->first_refusal, "%s", e.msg);
            continue;
        }
        rep->staged++;
        size_t at = strlen(rep->versions);
        snprintf(rep->versions + at, sizeof rep->versions - at, "%s%s", at ? " " : "", m.version);
    }
out:
    sqi_stickfs_free_names(names, n);
    if (dfd >= 0)
        close(dfd);
    close(root);
    return st;
}

/* ---- the moment ---- */

sq_status sq_update_open_attempts(sq_store *s, int64_t *n, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s, "SELECT count(*) FROM attempts WHERE state = 0", &q, err);
    if (st)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(q, 0);
    else
        st = sqi_db_sqlerr(s, rc, "counting the open attempts", err);
    sqlite3_finalize(q);
    return st;
}
