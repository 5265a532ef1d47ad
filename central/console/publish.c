/*
 * publish.c - publishing content from the console: the upload, the
 * staging folder, the check, the bundle and where it is placed
 * (publish.h says what each does and the rules for names).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>
#include <zlib.h>

#include "publish.h"
#include "synaq/bundle.h"
#include "synaq/examset.h"
#include "synaq/identity.h"
#include "synaq/keys.h"

static void why_set(publish_err *why, unsigned http, const char *key, const char *name,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void why_set(publish_err *why, unsigned http, const char *key, const char *name,
                    const char *fmt, ...)
{
    va_list ap;
    why->http = http;
    snprintf(why->key, sizeof why->key, "%s", key);
    snprintf(why->name, sizeof why->name, "%s", name ? name : "");
    va_start(ap, fmt);
    vsnprintf(why->detail, sizeof why->detail, fmt, ap);
    va_end(ap);
}

/* ---- the upload ---- */

struct publish_upload {
    struct MHD_PostProcessor *pp;
    char csrf_want[65];
    char csrf[80];
    size_t csrf_len;
    bool csrf_long, file_seen, file_refused, too_big, csrf_late, broken;
    char name[PUBLISH_NAME_MAX + 1];
    bool name_long;
    uint8_t *data;
    size_t len, cap;
    size_t body; /* bytes of body seen */
};

static bool csrf_ok(const publish_upload *u)
{
    return !u->csrf_long && u->csrf_len == 64 && strlen(u->csrf_want) == 64 &&
           sodium_memcmp(u->csrf, u->csrf_want, 64) == 0;
}

static enum MHD_Result upload_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *filename, const char *content_type,
                                    const char *transfer_encoding, const char *data, uint64_t off,
                                    size_t size)
{
    publish_upload *u = cls;
    (void)kind, (void)content_type, (void)transfer_encoding;
    if (!key)
        return MHD_YES;
    if (!strcmp(key, "csrf")) {
        if (u->csrf_len + size >= sizeof u->csrf)
            u->csrf_long = true;
        else {
            memcpy(u->csrf + u->csrf_len, data, size);
            u->csrf_len += size;
            u->csrf[u->csrf_len] = 0;
        }
        return MHD_YES;
    }
    if (strcmp(key, "source") != 0)
        return MHD_YES;
    if (off == 0 && !u->file_seen) {
        u->file_seen = true;
        /* The token comes first in the form: without it nothing is kept. */
        if (!csrf_ok(u))
            u->file_refused = u->csrf_late = true;
        const char *fn = filename ? filename : "";
        if (strlen(fn) > PUBLISH_NAME_MAX)
            u->name_long = true;
        snprintf(u->name, sizeof u->name, "%s", fn);
    }
    if (u->file_refused || u->too_big || size == 0)
        return MHD_YES;
    if (u->len + size > PUBLISH_UPLOAD_MAX) {
        u->too_big = true;
        free(u->data);
        u->data = NULL;
        u->len = u->cap = 0;
        return MHD_YES;
    }
    if (u->len + size > u->cap) {
        size_t cap = u->cap ? u->cap : 65536;
        while (cap < u->len + size)
            cap *= 2;
        if (cap > PUBLISH_UPLOAD_MAX)
            cap = PUBLISH_UPLOAD_MAX;
        uint8_t *p = realloc(u->data, cap);
        if (!p) {
            u->too_big = true; /* as good as: it cannot be held */
            free(u->data);
            u->data = NULL;
            u->len = u->cap = 0;
            return MHD_YES;
        }
        u->data = p;
        u->cap = cap;
    }
    memcpy(u->data + u->len, data, size);
    u->len += size;
    return MHD_YES;
}

static atomic_int uploads_held;

publish_upload *publish_upload_new(struct MHD_Connection *conn, const char *csrf, bool *busy)
{
    const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_TYPE);
    *busy = false;
    if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
        return NULL;
    if (atomic_fetch_add(&uploads_held, 1) >= PUBLISH_UPLOADS_AT_ONCE) {
        atomic_fetch_sub(&uploads_held, 1);
        *busy = true;
        return NULL;
    }
    publish_upload *u = calloc(1, sizeof *u);
    if (!u) {
        atomic_fetch_sub(&uploads_held, 1);
        return NULL;
    }
    snprintf(u->csrf_want, sizeof u->csrf_want, "%s", csrf ? csrf : "");
    u->pp = MHD_create_post_processor(conn, 16384, upload_field, u);
    if (!u->pp) {
        free(u);
        atomic_fetch_sub(&uploads_held, 1);
        return NULL;
    }
    return u;
}

void publish_upload_feed(publish_upload *u, const char *data, size_t len)
{
    u->body += len;
    if (u->body > PUBLISH_UPLOAD_MAX + 65536u) {
        /* Far past the limit: only counted, never parsed. */
        u->too_big = true;
        return;
    }
    if (MHD_post_process(u->pp, data, len) != MHD_YES)
        u->broken = true;
}

unsigned publish_upload_end(publish_upload *u, const char **name, const uint8_t **data,
                            size_t *len, publish_err *why)
{
    if (!csrf_ok(u) || u->csrf_late) {
        why_set(why, 403, "error.csrf", NULL, "no valid form token before the file");
        return 403;
    }
    if (u->too_big) {
        why_set(why, 413, "publish.too_big", NULL, "the upload is larger than %u MiB",
                PUBLISH_UPLOAD_MAX >> 20);
        return 413;
    }
    if (!u->file_seen || u->file_refused || u->broken || u->len == 0) {
        why_set(why, 400, "publish.no_file", NULL, "no file in the upload");
        return 400;
    }
    if (u->name_long) {
        why_set(why, 400, "publish.bad_name", u->name, "a file name longer than %d bytes",
                PUBLISH_NAME_MAX);
        return 400;
    }
    *name = u->name;
    *data = u->data;
    *len = u->len;
    return 0;
}

void publish_upload_free(publish_upload *u)
{
    if (!u)
        return;
    if (u->pp)
        MHD_destroy_post_processor(u->pp);
    free(u->data);
    free(u);
    atomic_fetch_sub(&uploads_held, 1);
}

/* ---- names ---- */

/* Whether one component of a name in an upload may be written. */
static bool part_ok(const char *s, size_t n)
{
    if (n == 0 || n > 100 || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f || ch == '\\' || ch == ':')
            return false;
    }
    /* Text only: well-formed UTF-8 (Cyrillic names are fine). */
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = sq_utf8_next(s + i, n - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

/* Whether a relative path of the upload may be written: parts as above,
 * at most PUBLISH_DEPTH_MAX folders deep. */
static bool path_ok(const char *p)
{
    size_t len = strlen(p);
    if (len == 0 || len > PUBLISH_NAME_MAX || p[0] == '/')
        return false;
    int depth = 0;
    for (const char *s = p; *s;) {
        size_t n = strcspn(s, "/");
        if (!part_ok(s, n) || ++depth > PUBLISH_DEPTH_MAX + 1)
            return false;
        s += n;
        if (*s == '/' && !*++s)
            return false; /* a trailing slash */
    }
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

static bool is_source_name(const char *s)
{
    return ends_with(s, ".yaml") || ends_with(s, ".yml");
}

bool publish_id_valid(const char *s)
{
    if (!s || strlen(s) != PUBLISH_ID_HEX)
        return false;
    for (int i = 0; i < PUBLISH_ID_HEX; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

bool publish_bundle_name_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 5 || n > PUBLISH_BUNDLE_NAME_MAX || s[0] == '.' || strcmp(s + n - 4, ".sqb") != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
            return false;
    return true;
}

/* ---- folders ---- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path);
    return unlink(path);
}

static void rm_tree(const char *path)
{
    (void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int mkdir_p(const char *path, mode_t mode)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, mode) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, mode) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* ---- archives ---- */

typedef struct {
    char name[PUBLISH_NAME_MAX + 1];
    const uint8_t *data;
    size_t len;
    bool dir;
} entry;

typedef struct {
    entry *v;
    size_t n;
    size_t bytes;
} entries;

static uint64_t octal(const uint8_t *p, size_t n, bool *ok)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    if (i == n || p[i] < '0' || p[i] > '7') {
        *ok = false;
        return 0;
    }
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
        if (v >> 60) {
            *ok = false;
            return 0;
        }
        v = v * 8 + (uint64_t)(p[i] - '0');
    }
    for (; i < n; i++)
        if (p[i] != ' ' && p[i] != 0) {
            *ok = false;
            return 0;
        }
    return v;
}

/* A pax extended header's "path" record, if it has one. */
static bool pax_path(const uint8_t *d, size_t len, char *out, size_t cap, bool *bad)
{
    size_t i = 0;
    bool found = false;
    while (i < len) {
        size_t j = i, rl = 0;
        while (j < len && d[j] >= '0' && d[j] <= '9' && rl < 100000)
            rl = rl * 10 + (size_t)(d[j++] - '0');
        if (j >= len || d[j] != ' ' || rl == 0 || rl > len - i || d[i + rl - 1] != '\n') {
            *bad = true;
            return false;
        }
        const char *kv = (const char *)d + j + 1;
        size_t kvl = i + rl - 1 - (j + 1);
        if (kvl > 5 && !memcmp(kv, "path=", 5)) {
            if (kvl - 5 >= cap || memchr(kv + 5, 0, kvl - 5)) {
                *bad = true;
                return false;
            }
            memcpy(out, kv + 5, kvl - 5);
            out[kvl - 5] = 0;
            found = true;
        }
        i += rl;
    }
    return found;
}

/* Reads a tar archive (ustar, GNU long names, pax paths) into e: names
 * and where their bytes are. */
static int tar_read(const uint8_t *d, size_t len, entries *e, publish_err *why)
{
    char longname[PUBLISH_NAME_MAX + 2];
    bool have_long = false;
    size_t pos = 0;
    while (pos + 512 <= len) {
        const uint8_t *h = d + pos;
        bool zero = true;
        for (int i = 0; i < 512 && zero; i++)
            zero = h[i] == 0;
        if (zero)
            return 0;
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
            sum += i >= 148 && i < 156 ? ' ' : h[i];
        bool ok = true;
        uint64_t want = octal(h + 148, 8, &ok);
        uint64_t size = octal(h + 124, 12, &ok);
        if (!ok || want != sum || size > len - pos - 512) {
            why_set(why, 400, "publish.bad_archive", NULL,
                    "the archive is damaged or not a tar archive (at byte %zu)", pos);
            return -1;
        }
        const uint8_t *body = h + 512;
        size_t next = pos + 512 + (size_t)((size + 511) / 512 * 512);
        char type = (char)h[156];
        if (type == 'L' || type == 'x') {
            bool bad = false;
            if (type == 'L') {
                size_t n = strnlen((const char *)body, (size_t)size);
                if (n > PUBLISH_NAME_MAX)
                    bad = true;
                else {
                    memcpy(longname, body, n);
                    longname[n] = 0;
                    have_long = true;
                }
            } else if (pax_path(body, (size_t)size, longname, sizeof longname, &bad)) {
                have_long = true;
            }
            if (bad) {
                why_set(why, 400, "publish.bad_name", "", "a name in the archive is too long");
                return -1;
            }
            pos = next;
            continue;
        }
        if (type == 'g') {
            pos = next;
            continue;
        }
        char name[PUBLISH_NAME_MAX + 2];
        if (have_long) {
            snprintf(name, sizeof name, "%s", longname);
            have_long = false;
        } else {
            char nm[101], pre[156];
            memcpy(nm, h, 100);
            nm[100] = 0;
            memcpy(pre, h + 345, 155);
            pre[155] = 0;
            if (!memcmp(h + 257, "ustar", 5) && pre[0])
                snprintf(name, sizeof name, "%s/%s", pre, nm);
            else
                snprintf(name, sizeof name, "%s", nm);
        }
        if (type != '0' && type != 0 && type != '7' && type != '5') {
            why_set(why, 400, "publish.not_file", name,
                    "'%s' in the archive is not a file or a folder (type %c)", name,
                    type >= 0x20 && type < 0x7f ? type : '?');
            return -1;
        }
        if (e->n >= PUBLISH_FILES_MAX) {
            why_set(why, 413, "publish.too_many", NULL, "more than %u names in the archive",
                    PUBLISH_FILES_MAX);
            return -1;
        }
        e->bytes += (size_t)size;
        if (e->bytes > PUBLISH_UNPACKED_MAX) {
            why_set(why, 413, "publish.too_big_unpacked", NULL,
                    "the archive's files are larger than %u MiB", PUBLISH_UNPACKED_MAX >> 20);
            return -1;
        }
        entry *x = &e->v[e->n++];
        /* "./a" is "a"; a folder's trailing slash goes. */
        char *s = name;
        while (s[0] == '.' && s[1] == '/')
            s += 2;
        size_t sl = strlen(s);
        bool dir = type == '5';
        if (sl && s[sl - 1] == '/') {
            if (!dir && size) {
                why_set(why, 400, "publish.bad_name", s, "'%s' ends in a slash", s);
                return -1;
            }
            dir = true;
            s[--sl] = 0;
        }
        if (strlen(s) > PUBLISH_NAME_MAX) {
            why_set(why, 400, "publish.bad_name", s, "a name in the archive is too long");
            return -1;
        }
        snprintf(x->name, sizeof x->name, "%s", s);
        x->dir = dir;
        x->data = body;
        x->len = dir ? 0 : (size_t)size;
        pos = next;
    }
    if (e->n == 0) {
        why_set(why, 400, "publish.bad_archive", NULL, "the archive is empty or damaged");
        return -1;
    }
    return 0;
}

/* gunzip, at most max bytes out. */
static int gunzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len, size_t max,
                  publish_err *why)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        why_set(why, 500, "error.server", NULL, "zlib: out of memory");
        return -1;
    }
    size_t cap = 1u << 20;
    uint8_t *buf = malloc(cap);
    int rc = Z_OK;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    size_t n = 0;
    while (buf && rc != Z_STREAM_END) {
        if (n == cap) {
            if (cap >= max + 1) {
                free(buf);
                inflateEnd(&z);
                why_set(why, 413, "publish.too_big_unpacked", NULL,
                        "the archive is larger than %zu MiB unpacked", max >> 20);
                return -1;
            }
            size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
            uint8_t *p = realloc(buf, nc);
            if (!p)
                break;
            buf = p;
            cap = nc;
        }
        z.next_out = buf + n;
        z.avail_out = (uInt)(cap - n);
        rc = inflate(&z, Z_NO_FLUSH);
        n = cap - z.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END) {
            free(buf);
            inflateEnd(&z);
            why_set(why, 400, "publish.bad_archive", NULL, "the gzip data is damaged");
            return -1;
        }
        if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
            free(buf);
            inflateEnd(&z);
            why_set(why, 400, "publish.bad_archive", NULL, "the gzip data is cut short");
            return -1;
        }
    }
    inflateEnd(&z);
    if (!buf) {
        why_set(why, 500, "error.server", NULL, "out of memory");
        return -1;
    }
    if (n > max) {
        free(buf);
        why_set(why, 413, "publish.too_big_unpacked", NULL,
                "the archive is larger than %zu MiB unpacked", max >> 20);
        return -1;
    }
    *out = buf;
    *out_len = n;
    return 0;
}

/* Writes one file of the upload below root (its folders made). */
static int put_file(const char *root, const entry *x, publish_err *why)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", root, x->name);
    char *slash = strrchr(path, '/');
    *slash = 0;
    if (mkdir_p(path, 0750)) {
        why_set(why, 500, "error.server", NULL, "cannot make %s: %s", path, strerror(errno));
        return -1;
    }
    *slash = '/';
    if (x->dir) {
        if (mkdir(path, 0750) == 0 || errno == EEXIST)
            return 0;
        why_set(why, 500, "error.server", NULL, "cannot make %s: %s", path, strerror(errno));
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0) {
        if (errno == EEXIST || errno == EISDIR || errno == ELOOP)
            why_set(why, 400, "publish.twice", x->name, "'%s' is in the archive twice", x->name);
        else
            why_set(why, 500, "error.server", NULL, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < x->len) {
        ssize_t w = write(fd, x->data + off, x->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            why_set(why, 500, "error.server", NULL, "cannot write %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    if (close(fd)) {
        why_set(why, 500, "error.server", NULL, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int publish_stage(const char *home, const char *filename, const uint8_t *data, size_t len,
                  char id[PUBLISH_ID_HEX + 1], publish_err *why)
{
    const char *base = strrchr(filename, '/');
    base = base ? base + 1 : filename;
    /* The browser sends the name alone; anything else is refused, not cut. */
    if (!path_ok(filename) || strchr(filename, '/')) {
        why_set(why, 400, "publish.bad_name", filename, "the file name '%s' is refused", filename);
        return why->http;
    }
    bool tgz = ends_with(base, ".tar.gz") || ends_with(base, ".tgz");
    bool tar = ends_with(base, ".tar");
    if (!tgz && !tar && !is_source_name(base)) {
        why_set(why, 400, "publish.bad_type", base, "'%s' is not a .yaml, .tar or .tar.gz", base);
        return why->http;
    }
    entries e = {0};
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    int rc = -1;
    char root[4200], src[4300];
    root[0] = 0;
    e.v = calloc(PUBLISH_FILES_MAX, sizeof *e.v);
    if (!e.v) {
        why_set(why, 500, "error.server", NULL, "out of memory");
        return 500;
    }
    if (!tar && !tgz) {
        snprintf(e.v[0].name, sizeof e.v[0].name, "%s", base);
        e.v[0].data = data;
        e.v[0].len = len;
        e.n = 1;
    } else {
        const uint8_t *t = data;
        size_t tl = len;
        if (tgz || (len >= 2 && data[0] == 0x1f && data[1] == 0x8b)) {
            if (gunzip(data, len, &plain, &plain_len, PUBLISH_UNPACKED_MAX + 1024 * 1024, why))
                goto out;
            t = plain;
            tl = plain_len;
        }
        if (tar_read(t, tl, &e, why))
            goto out;
        /* Every name checked before anything is written. */
        for (size_t i = 0; i < e.n; i++)
            if (!path_ok(e.v[i].name)) {
                why_set(why, 400, "publish.bad_name", e.v[i].name,
                        "the name '%s' in the archive is refused", e.v[i].name);
                goto out;
            }
        /* One folder at the top holding everything: it is the source's. */
        const char *first = e.v[0].name;
        size_t fl = strcspn(first, "/");
        bool one_top = true;
        for (size_t i = 0; i < e.n && one_top; i++) {
            const char *s = e.v[i].name;
            one_top = !strncmp(s, first, fl) &&
                      ((s[fl] == '/' && s[fl + 1]) || (s[fl] == 0 && e.v[i].dir));
        }
        if (one_top) {
            size_t k = 0;
            for (size_t i = 0; i < e.n; i++) {
                if (!e.v[i].name[fl])
                    continue;
                e.v[k] = e.v[i];
                memmove(e.v[k].name, e.v[i].name + fl + 1, strlen(e.v[i].name + fl + 1) + 1);
                k++;
            }
            e.n = k;
        }
    }
    size_t sources = 0;
    for (size_t i = 0; i < e.n; i++)
        sources += !e.v[i].dir && !strchr(e.v[i].name, '/') && is_source_name(e.v[i].name);
    if (!sources) {
        why_set(why, 400, "publish.no_source", NULL,
                "no exam source (.yaml) at the top of the upload");
        goto out;
    }
    uint8_t rnd[PUBLISH_ID_HEX / 2];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(id, PUBLISH_ID_HEX + 1, rnd, sizeof rnd);
    snprintf(root, sizeof root, "%s/publish/staging/%s", home, id);
    snprintf(src, sizeof src, "%s/src", root);
    if (mkdir_p(src, 0750)) {
        why_set(why, 500, "error.server", NULL, "cannot make %s: %s", src, strerror(errno));
        root[0] = 0;
        goto out;
    }
    for (size_t i = 0; i < e.n; i++)
        if (put_file(src, &e.v[i], why))
            goto out;
    rc = 0;
out:
    if (rc && root[0])
        rm_tree(root);
    free(plain);
    free(e.v);
    return rc ? (int)why->http : 0;
}

/* ---- the check ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sources of a staged upload, sorted (caller frees each, and v). */
static sq_status sources_of(const char *dir, char ***v, size_t *n, sq_err *err)
{
    DIR *d = opendir(dir);
    *v = NULL;
    *n = 0;
    if (!d) {
        snprintf(err->msg, sizeof err->msg, "no staged upload (%s)", strerror(errno));
        return err->code = errno == ENOENT ? SQ_ENOTFOUND : SQ_EIO;
    }
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !is_source_name(de->d_name))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            char **p = realloc(*v, cap * sizeof *p);
            if (!p)
                break;
            *v = p;
        }
        if (!((*v)[*n] = strdup(de->d_name)))
            break;
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*v, *n, sizeof **v, by_name);
    return SQ_OK;
}

/* s without every "dir/" in it: the names as the upload has them. */
static void strip_dir(char *s, const char *dir)
{
    char pre[4400];
    snprintf(pre, sizeof pre, "%s/", dir);
    size_t pl = strlen(pre);
    for (char *p; (p = strstr(s, pre));)
        memmove(p, p + pl, strlen(p + pl) + 1);
}

/* Loads every source of the staged upload into set (when not NULL) and
 * fills out. */
static sq_status check_into(const char *home, const char *id, sq_exam_set *set,
                            publish_source **out, size_t *n, size_t *errors, sq_err *err)
{
    char dir[4300];
    char **names = NULL;
    size_t nn = 0;
    *out = NULL;
    *n = *errors = 0;
    if (!publish_id_valid(id)) {
        snprintf(err->msg, sizeof err->msg, "no such upload");
        return err->code = SQ_ENOTFOUND;
    }
    snprintf(dir, sizeof dir, "%s/publish/staging/%s/src", home, id);
    sq_status st = sources_of(dir, &names, &nn, err);
    if (st)
        return st;
    publish_source *v = calloc(nn ? nn : 1, sizeof *v);
    sq_exam_set *own = set ? NULL : sq_exam_set_new();
    if (!v || (!set && !own)) {
        free(v);
        sq_exam_set_free(own);
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return err->code = SQ_ENOMEM;
    }
    sq_exam_set *s = set ? set : own;
    for (size_t i = 0; i < nn; i++) {
        char path[4600];
        sq_err e = {0};
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(v[i].file, sizeof v[i].file, "%s", names[i]);
        size_t before = sq_exam_set_count(s);
        if (sq_exam_set_load(s, path, &e)) {
            snprintf(v[i].error, sizeof v[i].error, "%s", e.msg);
            strip_dir(v[i].error, dir);
            (*errors)++;
            continue;
        }
        v[i].ok = true;
        snprintf(v[i].exam, sizeof v[i].exam, "%s", sq_exam_set_id(s, before));
        v[i].version = sq_exam_set_version(s, before);
        v[i].items = sq_exam_set_items(s, before);
        sq_identity_kind kind = sq_exam_set_identity(s, before);
        v[i].identity = kind == SQ_IDENTITY_NONE ? NULL : sq_identity_name(kind);
    }
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    sq_exam_set_free(own);
    *out = v;
    *n = nn;
    return SQ_OK;
}

sq_status publish_check(const char *home, const char *id, publish_source **out, size_t *n,
                        size_t *errors, sq_err *err)
{
    return check_into(home, id, NULL, out, n, errors, err);
}

/* ---- building ---- */

typedef struct {
    char **ids;
    size_t n, cap;
    bool oom;
} idlist;

static int collect_id(void *ctx, const stats_station *s)
{
    idlist *l = ctx;
    if (s->revoked)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **p = realloc(l->ids, cap * sizeof *p);
        if (!p) {
            l->oom = true;
            return 1;
        }
        l->ids = p;
        l->cap = cap;
    }
    if (!(l->ids[l->n] = strdup(s->id))) {
        l->oom = true;
        return 1;
    }
    l->n++;
    return 0;
}

sq_status publish_district_stations(stats *st, const char *district, int64_t now, char ***ids,
                                    size_t *n, sq_err *err)
{
    idlist l = {0};
    stats_when w = {now, now, 7 * 86400};
    sq_status s = stats_stations(st, district, STATS_ALL, &w, (int)PUBLISH_STATIONS_MAX,
                                 collect_id, &l, err);
    if (!s && l.oom) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        s = err->code = SQ_ENOMEM;
    }
    if (s) {
        publish_ids_free(l.ids, l.n);
        return s;
    }
    if (l.n)
        qsort(l.ids, l.n, sizeof *l.ids, by_name);
    *ids = l.ids;
    *n = l.n;
    return SQ_OK;
}

void publish_ids_free(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

/* A copy of the file at from as to (a temp name, fsync, rename). */
static int copy_file(const char *from, const char *to, sq_err *e)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (sq_file_read(from, SQ_BUNDLE_MAX_FILE, &buf, &len, e))
        return -1;
    sq_status st = sq_write_file(to, buf, len, 0644, e);
    sq_free(buf);
    return st ? -1 : 0;
}

int publish_build(const char *home, const char *bundles_dir, const char *id,
                  const char *const *stations, size_t n, const char *district, const char *by,
                  int64_t now, char name[PUBLISH_BUNDLE_NAME_MAX + 1], publish_err *why)
{
    publish_source *src = NULL;
    size_t nsrc = 0, errors = 0;
    sq_exam_set *set = sq_exam_set_new();
    sq_central_keys *k = NULL;
    const char **certs = NULL;
    char **placed = NULL;
    size_t n_placed = 0;
    char out[4400] = "", side[4400] = "";
    sq_err e = {0};
    int rc = -1;
    if (!set) {
        why_set(why, 500, "error.server", NULL, "out of memory");
        return 500;
    }
    if (n == 0) {
        why_set(why, 400, "publish.no_stations", NULL, "no station to build for");
        goto out;
    }
    if (n > PUBLISH_STATIONS_MAX) {
        why_set(why, 400, "publish.no_stations", NULL, "too many stations");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (!sq_station_id_valid(stations[i])) {
            why_set(why, 400, "publish.no_cert", stations[i], "'%s' is not a station id",
                    stations[i]);
            goto out;
        }
    sq_status st = check_into(home, id, set, &src, &nsrc, &errors, &e);
    if (st == SQ_ENOTFOUND) {
        why_set(why, 404, "error.not_found", NULL, "no staged upload %s", id);
        goto out;
    }
    if (st) {
        why_set(why, 500, "error.server", NULL, "%s", e.msg);
        goto out;
    }
    if (errors || nsrc == 0) {
        why_set(why, 409, "publish.has_errors", NULL,
                "the source has %zu error(s): nothing built", errors);
        goto out;
    }
    certs = calloc(n, sizeof *certs);
    placed = calloc(n, sizeof *placed);
    char **cert_paths = calloc(n, sizeof *cert_paths);
    if (!certs || !placed || !cert_paths) {
        free(cert_paths);
        why_set(why, 500, "error.server", NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n && rc == -1; i++) {
        char p[4400];
        snprintf(p, sizeof p, "%s/certs/%s.cert", home, stations[i]);
        if (access(p, R_OK) != 0) {
            why_set(why, 409, "publish.no_cert", stations[i],
                    "no certificate for station %s in %s/certs", stations[i], home);
            rc = -2;
        }
        cert_paths[i] = strdup(p);
        certs[i] = cert_paths[i];
    }
    if (rc == -2) {
        rc = -1;
        for (size_t i = 0; i < n; i++)
            free(cert_paths[i]);
        free(cert_paths);
        goto out;
    }
    /* The name: when, the first exam (its id cut to the served names'
     * letters), and four random bytes, so that names never collide. */
    char exam[41];
    size_t el = 0;
    for (const char *s = src[0].exam; *s && el < sizeof exam - 1; s++)
        exam[el++] = (char)(((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                             (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')
                                ? *s
                                : '_');
    exam[el] = 0;
    time_t tt = (time_t)now;
    struct tm tm;
    char when[32] = "00000000-000000";
    if (gmtime_r(&tt, &tm))
        strftime(when, sizeof when, "%Y%m%d-%H%M%S", &tm);
    uint8_t r4[4];
    char r4h[9];
    randombytes_buf(r4, sizeof r4);
    sodium_bin2hex(r4h, sizeof r4h, r4, sizeof r4);
    snprintf(name, PUBLISH_BUNDLE_NAME_MAX + 1, "%s-%s-v%lld-%s.sqb", when, exam,
             (long long)src[0].version, r4h);
    char dir[4300], keys[4300];
    snprintf(dir, sizeof dir, "%s/publish/bundles", home);
    snprintf(keys, sizeof keys, "%s/keys", home);
    snprintf(out, sizeof out, "%s/%s", dir, name);
    if (mkdir_p(dir, 0750)) {
        why_set(why, 500, "error.server", NULL, "cannot make %s: %s", dir, strerror(errno));
        out[0] = 0;
    } else if (sq_central_open(keys, SQ_CENTRAL_SIGN, &k, &e) ||
               sq_bundle_build(set, k, certs, n, out, &e)) {
        why_set(why, e.code == SQ_EIO || e.code == SQ_ENOMEM || e.code == SQ_EFULL ? 500 : 409,
                "publish.build_failed", NULL, "%s", e.msg);
        strip_dir(why->detail, home);
        snprintf(why->name, sizeof why->name, "%s", why->detail);
        unlink(out);
        out[0] = 0;
    }
    for (size_t i = 0; i < n; i++)
        free(cert_paths[i]);
    free(cert_paths);
    if (!out[0])
        goto out;
    /* Placed for each station: all or none. */
    for (size_t i = 0; i < n; i++) {
        char sd[4400], to[4600];
        snprintf(sd, sizeof sd, "%s/%s", bundles_dir, stations[i]);
        snprintf(to, sizeof to, "%s/%s", sd, name);
        if (mkdir_p(sd, 0755) || (link(out, to) != 0 && (errno != EXDEV || copy_file(out, to, &e)))) {
            why_set(why, 500, "publish.place_failed", NULL, "cannot place %s: %s", to,
                    errno ? strerror(errno) : e.msg);
            goto out;
        }
        placed[n_placed++] = strdup(to);
    }
    /* What it is, for the page. */
    json_t *j = json_object(), *ex = json_array(), *sts = json_array();
    for (size_t i = 0; i < nsrc; i++)
        json_array_append_new(ex, json_pack("{s:s, s:I, s:I}", "exam", src[i].exam, "version",
                                            (json_int_t)src[i].version, "items",
                                            (json_int_t)src[i].items));
    for (size_t i = 0; i < n; i++)
        json_array_append_new(sts, json_string(stations[i]));
    json_object_set_new(j, "name", json_string(name));
    json_object_set_new(j, "exams", ex);
    json_object_set_new(j, "stations", sts);
    json_object_set_new(j, "district", district ? json_string(district) : json_null());
    json_object_set_new(j, "by", json_string(by ? by : ""));
    json_object_set_new(j, "time", json_integer((json_int_t)now));
    json_object_set_new(j, "upload", json_string(id));
    char *txt = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    snprintf(side, sizeof side, "%s/%.*s.json", dir, (int)(strlen(name) - 4), name);
    if (!txt || sq_write_file(side, txt, strlen(txt), 0640, &e)) {
        free(txt);
        why_set(why, 500, "publish.place_failed", NULL, "cannot write %s: %s", side,
                txt ? e.msg : "out of memory");
        side[0] = 0;
        goto out;
    }
    free(txt);
    rc = 0;
out:
    if (rc) {
        for (size_t i = 0; i < n_placed; i++)
            unlink(placed[i]);
        if (out[0])
            unlink(out);
        if (side[0])
            unlink(side);
    }
    for (size_t i = 0; i < n_placed; i++)
        free(placed[i]);
    free(placed);
    free(certs);
    free(src);
    sq_central_close(k);
    sq_exam_set_free(set);
    return rc ? (int)why->http : 0;
}

/* ---- the pages ---- */

static const char *T(const publish_page *p, const char *key)
{
    return p->tr(p->ctx, key);
}

static int districts_row(void *ctx, const stats_station *s)
{
    json_t *o = ctx;
    if (s->revoked)
        return 0;
    json_t *v = json_object_get(o, s->district);
    json_object_set_new(o, s->district, json_integer(v ? json_integer_value(v) + 1 : 1));
    return 0;
}

typedef struct {
    html_buf *b;
} station_ctx;

static int station_box(void *ctx, const stats_station *s)
{
    station_ctx *x = ctx;
    html_buf *b = x->b;
    if (s->revoked)
        return 0;
    html_lit(b, "<label class=\"pick\"><input type=\"checkbox\" name=\"station\" value=\"");
    html_text(b, s->id);
    html_lit(b, "\"><span><strong>");
    html_text(b, s->id);
    html_lit(b, "</strong> · ");
    html_text(b, s->district);
    if (s->label[0]) {
        html_lit(b, " · ");
        html_text(b, s->label);
    }
    html_lit(b, "</span></label>");
    return 0;
}

static int by_name_desc(const void *a, const void *b)
{
    return -strcmp(*(char *const *)a, *(char *const *)b);
}

#define PUBLISHED_SHOWN 50

static void published_table(html_buf *b, const publish_page *p)
{
    char dir[4300];
    snprintf(dir, sizeof dir, "%s/publish/bundles", p->home);
    char *names[PUBLISHED_SHOWN * 4];
    size_t n = 0;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) && n < sizeof names / sizeof names[0])
            if (publish_bundle_name_valid(de->d_name) && (names[n] = strdup(de->d_name)))
                n++;
        closedir(d);
    }
    qsort(names, n, sizeof *names, by_name_desc);
    html_lit(b, "<h2>");
    html_text(b, T(p, "publish.built_title"));
    html_lit(b, "</h2>");
    if (!n) {
        html_lit(b, "<p class=\"scope\" id=\"published-none\">");
        html_text(b, T(p, "publish.built_none"));
        html_lit(b, "</p>");
        return;
    }
    html_lit(b, "<table id=\"published\"><thead><tr>");
    static const char *const heads[] = {"publish.col_bundle", "publish.col_exams",
                                        "publish.col_for", "publish.col_by", "publish.col_when"};
    for (size_t i = 0; i < 5; i++) {
        html_lit(b, "<th>");
        html_text(b, T(p, heads[i]));
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        char side[4500];
        snprintf(side, sizeof side, "%s/%.*s.json", dir, (int)(strlen(names[i]) - 4), names[i]);
        json_t *j = i < PUBLISHED_SHOWN ? json_load_file(side, 0, NULL) : NULL;
        free(names[i]);
        if (!json_is_object(j)) {
            json_decref(j);
            continue;
        }
        const char *nm = json_string_value(json_object_get(j, "name"));
        if (!nm || !publish_bundle_name_valid(nm)) {
            json_decref(j);
            continue;
        }
        html_lit(b, "<tr><td class=\"wrap\" data-label=\"");
        html_text(b, T(p, "publish.col_bundle"));
        html_lit(b, "\"><a href=\"/publish/download/");
        html_url(b, nm);
        html_lit(b, "\" download>");
        html_text(b, nm);
        html_lit(b, "</a></td><td data-label=\"");
        html_text(b, T(p, "publish.col_exams"));
        html_lit(b, "\">");
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(j, "exams"), k, v)
        {
            if (k)
                html_lit(b, ", ");
            html_text(b, json_string_value(json_object_get(v, "exam")));
            html_lit(b, " v");
            html_int(b, json_integer_value(json_object_get(v, "version")));
        }
        html_lit(b, "</td><td class=\"wrap\" data-label=\"");
        html_text(b, T(p, "publish.col_for"));
        html_lit(b, "\">");
        const char *dist = json_string_value(json_object_get(j, "district"));
        json_t *sts = json_object_get(j, "stations");
        char cnt[32];
        snprintf(cnt, sizeof cnt, "%zu", json_array_size(sts));
        if (dist)
            html_tr(b, T(p, "publish.for_district"), "district", dist, "n", cnt,
                    (const char *)NULL);
        else {
            json_array_foreach(sts, k, v)
            {
                if (k)
                    html_lit(b, ", ");
                html_text(b, json_string_value(v));
            }
        }
        html_lit(b, "</td><td data-label=\"");
        html_text(b, T(p, "publish.col_by"));
        html_lit(b, "\">");
        html_text(b, json_string_value(json_object_get(j, "by")));
        html_lit(b, "</td><td class=\"nowrap\" data-label=\"");
        html_text(b, T(p, "publish.col_when"));
        html_lit(b, "\">");
        char t[64] = "-";
        time_t tt = (time_t)json_integer_value(json_object_get(j, "time"));
        struct tm tm;
        if (tt > 0 && localtime_r(&tt, &tm))
            strftime(t, sizeof t, "%Y-%m-%d %H:%M", &tm);
        html_text(b, t);
        html_lit(b, "</td></tr>");
        json_decref(j);
    }
    html_lit(b, "</tbody></table>");
}

void publish_html_main(html_buf *b, const publish_page *p)
{
    char mib[16];
    snprintf(mib, sizeof mib, "%u", PUBLISH_UPLOAD_MAX >> 20);
    html_lit(b, "<h1>");
    html_text(b, T(p, "publish.title"));
    html_lit(b, "</h1><p class=\"scope\">");
    html_text(b, T(p, "publish.intro"));
    html_lit(b, "</p><form class=\"publish\" id=\"upload\" method=\"post\" "
                "action=\"/publish/upload\" enctype=\"multipart/form-data\">"
                "<input type=\"hidden\" name=\"csrf\" value=\"");
    html_text(b, p->csrf);
    html_lit(b, "\"><label>");
    html_text(b, T(p, "publish.file"));
    html_lit(b, "<input type=\"file\" name=\"source\" required "
                "accept=\".yaml,.yml,.tar,.tgz,.gz\"></label><p class=\"scope\">");
    html_tr(b, T(p, "publish.file_help"), "mib", mib, (const char *)NULL);
    html_lit(b, "</p><button type=\"submit\">");
    html_text(b, T(p, "publish.upload"));
    html_lit(b, "</button></form>");
    published_table(b, p);
}

void publish_html_source(html_buf *b, const publish_page *p, const char *id,
                         const publish_source *s, size_t n, size_t errors)
{
    char num[32];
    html_lit(b, "<h1>");
    html_text(b, T(p, "publish.source_title"));
    html_lit(b, "</h1><p class=\"scope\">");
    html_tr(b, T(p, "publish.upload_id"), "id", id, (const char *)NULL);
    html_lit(b, "</p>");
    if (n == 0) {
        html_lit(b, "<p class=\"msg bad\">");
        html_text(b, T(p, "publish.no_source"));
        html_lit(b, "</p>");
    }
    if (errors) {
        snprintf(num, sizeof num, "%zu", errors);
        html_lit(b, "<p class=\"msg bad\" id=\"check-failed\">");
        html_tr(b, T(p, "publish.check_failed"), "n", num, (const char *)NULL);
        html_lit(b, "</p>");
    } else if (n) {
        html_lit(b, "<p class=\"msg\" id=\"check-ok\">");
        html_text(b, T(p, "publish.check_ok"));
        html_lit(b, "</p>");
    }
    html_lit(b, "<ul id=\"check\">");
    for (size_t i = 0; i < n; i++) {
        if (s[i].ok) {
            char v[32], it[32];
            snprintf(v, sizeof v, "%lld", (long long)s[i].version);
            snprintf(it, sizeof it, "%zu", s[i].items);
            html_lit(b, "<li class=\"ok\">");
            html_tr(b, T(p, "publish.source_ok"), "file", s[i].file, "exam", s[i].exam,
                    "version", v, "items", it, (const char *)NULL);
            if (s[i].identity) {
                html_lit(b, " ");
                html_tr(b, T(p, "publish.identity"), "kind", s[i].identity, (const char *)NULL);
            }
            html_lit(b, "</li>");
        } else {
            html_lit(b, "<li class=\"bad\"><code>");
            html_text(b, s[i].error);
            html_lit(b, "</code></li>");
        }
    }
    html_lit(b, "</ul>");
    if (errors || !n) {
        html_lit(b, "<p>");
        html_text(b, T(p, "publish.fix_and_upload"));
        html_lit(b, " <a href=\"/publish\">");
        html_text(b, T(p, "publish.back"));
        html_lit(b, "</a></p>");
        return;
    }
    /* The build form: a district, or chosen stations. */
    json_t *dist = json_object();
    stats_when w = {p->now, p->now, 7 * 86400};
    sq_err e;
    html_lit(b, "<h2>");
    html_text(b, T(p, "publish.build_title"));
    html_lit(b, "</h2><form class=\"publish\" id=\"build\" method=\"post\" "
                "action=\"/publish/build\"><input type=\"hidden\" name=\"csrf\" value=\"");
    html_text(b, p->csrf);
    html_lit(b, "\"><input type=\"hidden\" name=\"id\" value=\"");
    html_text(b, id);
    html_lit(b, "\"><label>");
    html_text(b, T(p, "publish.for_a_district"));
    html_lit(b, "<select name=\"district\"><option value=\"\">");
    html_text(b, T(p, "publish.chosen_stations"));
    html_lit(b, "</option>");
    if (dist && !stats_stations(p->st, NULL, STATS_ALL, &w, (int)PUBLISH_STATIONS_MAX,
                                districts_row, dist, &e)) {
        const char *k;
        json_t *v;
        json_object_foreach(dist, k, v)
        {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            html_lit(b, "<option value=\"");
            html_text(b, k);
            html_lit(b, "\">");
            html_tr(b, T(p, "publish.district_option"), "district", k, "n", num,
                    (const char *)NULL);
            html_lit(b, "</option>");
        }
    }
    json_decref(dist);
    html_lit(b, "</select></label><fieldset class=\"stations\"><legend>");
    html_text(b, T(p, "publish.or_stations"));
    html_lit(b, "</legend>");
    station_ctx x = {b};
    if (stats_stations(p->st, NULL, STATS_ALL, &w, (int)PUBLISH_STATIONS_MAX, station_box, &x,
                       &e))
        html_text(b, e.msg);
    html_lit(b, "</fieldset><button type=\"submit\">");
    html_text(b, T(p, "publish.build"));
    html_lit(b, "</button></form>");
}
