/*
 * usb.c - USB sticks (see usb.h): what a technician does with one —
 * listing what is on it, importing bundles, exporting results, reading
 * acknowledgements, and enrolment by stick. The stick's file system (found,
 * opened without following links, read with a cap, written durably) is
 * stickfs.c's.
 *
 * Load: a stick holds a handful of bundles (up to SQ_BUNDLE_MAX_FILE
 * each), a few hundred batch and acknowledgement files at most.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "batch_int.h"
#include "keys_int.h"
#include "stickfs_int.h"
#include "util_int.h"
#include "synaq/bundle.h"
#include "synaq/result.h"
#include "synaq/update.h"
#include "synaq/usb.h"
#include "synaq/import.h"

#define SMALL_MAX 4096          /* central.pub, requests, certificates */
#define ACK_MAX (4u << 20)
#define EXPORT_BATCH 50         /* results a batch, as over the network */
_Static_assert(EXPORT_BATCH <= SQ_BATCH_MAX_RESULTS, "a stick batch is a batch");
#define EXPORT_MAX_BATCHES 100000
#define MANIFEST_NEW ".MANIFEST.sha256.new"

/* An error's message made printable in place: it may quote names from
 * the stick. Returns st. */
static sq_status clean_err(sq_err *err, sq_status st)
{
    if (err && st) {
        char tmp[sizeof err->msg];
        sqi_stickfs_printable(err->msg, tmp, sizeof tmp);
        memcpy(err->msg, tmp, sizeof tmp);
    }
    return st;
}

static void note(sq_usb_report *rep, const char *file, sq_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void note(sq_usb_report *rep, const char *file, sq_status code, const char *fmt, ...)
{
    if (rep->n_notes >= SQ_USB_MAX_NOTES)
        return;
    sq_usb_note *n = &rep->notes[rep->n_notes++];
    sqi_stickfs_printable(file, n->file, sizeof n->file);
    n->code = code;
    char text[sizeof n->text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    sqi_stickfs_printable(text, n->text, sizeof n->text);
}

/* ---- finding sticks ---- */

_Static_assert(sizeof ((sq_usb_stick *)0)->path == sizeof ((sqi_stick *)0)->path &&
                   sizeof ((sq_usb_stick *)0)->name == sizeof ((sqi_stick *)0)->name,
               "a stick found is a stick");

sq_status sq_usb_find(const char *roots, sq_usb_stick *out, size_t max, size_t *n, sq_err *err)
{
    *n = 0;
    sqi_stick *found = calloc(max ? max : 1, sizeof *found);
    if (!found)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    sq_status st = sqi_stickfs_find(roots ? roots : SQ_USB_ROOTS, found, max, n, err);
    for (size_t i = 0; !st && i < *n; i++) {
        memcpy(out[i].path, found[i].path, sizeof out[i].path);
        memcpy(out[i].name, found[i].name, sizeof out[i].name);
        out[i].mounted = found[i].mounted;
    }
    free(found);
    return st;
}

/* ---- what is on a stick ---- */

typedef struct {
    sq_usb_kind kind;
    const char *magic;
    const char *what;      /* "a Synaq bundle" */
    size_t max;
} kind_info;

static const kind_info kinds[SQ_USB_KINDS] = {
    [SQ_USB_BUNDLE] = {SQ_USB_BUNDLE, "SQBUNDLE", "a Synaq bundle", SQ_BUNDLE_MAX_FILE},
    [SQ_USB_CENTRAL_PUB] = {SQ_USB_CENTRAL_PUB, "synaq-central-pub ",
                            "central's public keys", SMALL_MAX},
    [SQ_USB_REQUEST] = {SQ_USB_REQUEST, "SQENROL1", "an enrolment request", SMALL_MAX},
    [SQ_USB_CERT] = {SQ_USB_CERT, "SQCERT01", "an enrolment certificate", SMALL_MAX},
    [SQ_USB_BATCH] = {SQ_USB_BATCH, "SQBATCH1", "a batch of results", SQ_BATCH_MAX_FILE},
    [SQ_USB_ACK] = {SQ_USB_ACK, "SQACK0", "an acknowledgement", ACK_MAX}, /* formats 1 and 2 */
    [SQ_USB_UPDATE] = {SQ_USB_UPDATE, "SQUPDATE", "a software update", SQ_UPDATE_MAX_FILE},
};

/* The folders a listing looks at, and what each holds. */
typedef struct {
    const char *dir;      /* under the stick; "" the top; "%s" is the station id */
    const char *suffix;   /* NULL: the one file `only` */
    const char *only;
    sq_usb_kind kind;
    bool per_station;
} place;

static const place places[] = {
    {"", ".sqb", NULL, SQ_USB_BUNDLE, false},
    {"synaq", ".sqb", NULL, SQ_USB_BUNDLE, false},
    {"synaq/bundles", ".sqb", NULL, SQ_USB_BUNDLE, false},
    {"synaq", NULL, "central.pub", SQ_USB_CENTRAL_PUB, false},
    {"synaq/enrol", ".req", NULL, SQ_USB_REQUEST, false},
    {"synaq/enrol", ".cert", NULL, SQ_USB_CERT, false},
    {"synaq/%s/outgoing", ".sqbatch", NULL, SQ_USB_BATCH, true},
    {"synaq/%s/acks", ".ack", NULL, SQ_USB_ACK, true},
    {"synaq/updates", SQ_UPDATE_SUFFIX, NULL, SQ_USB_UPDATE, false},
};

static sq_status list_add(sq_usb_list *l, size_t *cap, sq_usb_kind kind, const char *name,
                          int64_t size, sq_status problem, const char *why, sq_err *err)
{
    if (l->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        sq_usb_file *nf = realloc(l->files, nc * sizeof *nf);
        if (!nf)
            return sqi_seterr(err, SQ_ENOMEM, "out of memory");
        l->files = nf;
        *cap = nc;
    }
    sq_usb_file *f = &l->files[l->n++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    sqi_stickfs_printable(name, f->name, sizeof f->name);
    f->size_bytes = size;
    f->problem = problem;
    snprintf(f->why, sizeof f->why, "%s", why ? why : "");
    if (problem)
        l->problems++;
    else
        l->count[kind]++;
    return SQ_OK;
}

/* A look at one file: kind, size, the first bytes. */
static sq_status look_at(sq_usb_list *l, size_t *cap, int dfd, const char *dir, const char *name,
                         sq_usb_kind kind, sq_err *err)
{
    const kind_info *ki = &kinds[kind];
    char rel[1024], why[256] = "";
    snprintf(rel, sizeof rel, "%s%s%s", dir, *dir ? "/" : "", name);
    struct stat sb;
    sq_status problem = SQ_OK;
    if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
        problem = SQ_EIO;
        snprintf(why, sizeof why, "cannot be read: %s", strerror(errno));
    } else if (S_ISLNK(sb.st_mode)) {
        problem = SQ_EINVAL;
        snprintf(why, sizeof why, "a symbolic link; not followed");
    } else if (!S_ISREG(sb.st_mode)) {
        problem = SQ_EINVAL;
        snprintf(why, sizeof why, "not a regular file");
    } else if ((uint64_t)sb.st_size > ki->max) {
        problem = SQ_ETOOBIG;
        snprintf(why, sizeof why, "%lld bytes, above the limit of %zu for %s",
                 (long long)sb.st_size, ki->max, ki->what);
    } else {
        char head[32];
        size_t ml = strlen(ki->magic);
        int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        ssize_t r = fd >= 0 ? read(fd, head, ml) : -1;
        if (fd >= 0)
            close(fd);
        if (r != (ssize_t)ml || memcmp(head, ki->magic, ml) != 0) {
            problem = SQ_EINVAL;
            snprintf(why, sizeof why, "not %s", ki->what);
        }
    }
    return list_add(l, cap, kind, rel, problem == SQ_OK || problem == SQ_ETOOBIG ? sb.st_size : 0,
                    problem, why, err);
}

static int file_cmp(const void *x, const void *y)
{
    return strcmp(((const sq_usb_file *)x)->name, ((const sq_usb_file *)y)->name);
}

sq_status sq_usb_files(const char *stick, const char *station_id, sq_usb_list *out, sq_err *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    int root = sqi_stickfs_open_stick(stick, err);
    if (root < 0)
        return err ? err->code : SQ_EIO;
    sq_status st = SQ_OK;
    for (size_t i = 0; i < sizeof places / sizeof places[0] && !st; i++) {
        const place *pl = &places[i];
        char dir[512];
        if (pl->per_station && !station_id)
            continue;
        snprintf(dir, sizeof dir, pl->dir, station_id ? station_id : "");
        int dfd;
        sq_err e;
        char bad[512] = "";
        sq_status o = *dir ? sqi_stickfs_open_path_at(root, dir, false, &dfd, bad, sizeof bad, &e) : SQ_OK;
        if (!*dir)
            dfd = dup(root);
        if (o == SQ_EINVAL) {
            /* A folder that is a link: said once, under the kind it holds. */
            char shown[512];
            sqi_stickfs_printable(bad, shown, sizeof shown);
            bool said = false;
            for (size_t k = 0; k < out->n; k++)
                said |= out->files[k].problem && strcmp(out->files[k].name, shown) == 0;
            if (!said)
                st = list_add(out, &cap, pl->kind, bad, 0, SQ_EINVAL,
                              "a symbolic link or not a folder; not followed", err);
            continue;
        }
        if (o || dfd < 0)
            continue;
        if (pl->only) {
            struct stat sb;
            if (fstatat(dfd, pl->only, &sb, AT_SYMLINK_NOFOLLOW) == 0)
                st = look_at(out, &cap, dfd, dir, pl->only, pl->kind, err);
        } else {
            char **names = NULL;
            size_t n = 0;
            if (!(st = sqi_stickfs_list_names(dfd, pl->suffix, &names, &n, err)))
                for (size_t k = 0; k < n && !st; k++)
                    st = look_at(out, &cap, dfd, dir, names[k], pl->kind, err);
            sqi_stickfs_free_names(names, n);
        }
        close(dfd);
    }
    close(root);
    if (st)
        sq_usb_list_free(out);
    else if (out->n > 1)
        qsort(out->files, out->n, sizeof *out->files, file_cmp);
    return st;
}

void sq_usb_list_free(sq_usb_list *l)
{
    if (!l)
        return;
    free(l->files);
    memset(l, 0, sizeof *l);
}

/* ---- import ---- */

typedef struct {
    int dir;           /* index into the import's open folders */
    char *name;
    char rel[600];
    int64_t size;
} candidate;

typedef struct {
    const sq_progress *pr;
    int64_t base, weight, total;
} install_progress;

static void on_install(void *ctx, int64_t done, int64_t total)
{
    install_progress *ip = ctx;
    if (ip->pr && ip->pr->fn && total > 0)
        ip->pr->fn(ip->pr->ctx, ip->base + ip->weight * done / total, ip->total);
}

static int cand_cmp(const void *x, const void *y)
{
    return strcmp(((const candidate *)x)->rel, ((const candidate *)y)->rel);
}

/* Failures of the station's own store: not the bundle's fault, and the
 * next bundle would meet them too. */
static bool store_failure(sq_status st)
{
    return st == SQ_EFULL || st == SQ_EREADONLY || st == SQ_EBUSY || st == SQ_ENOMEM ||
           st == SQ_EIO || st == SQ_ESTATE;
}

static bool stop_asked(const sq_usb_stop *stop)
{
    return stop && stop->fn && stop->fn(stop->ctx);
}

sq_status sq_usb_import(sq_store *s, const char *stick, const sq_progress *pr,
                        sq_usb_report *rep, sq_err *err)
{
    return sq_usb_import_stoppable(s, stick, pr, NULL, rep, err);
}

sq_status sq_usb_import_stoppable(sq_store *s, const char *stick, const sq_progress *pr,
                                  const sq_usb_stop *stop, sq_usb_report *rep, sq_err *err)
{
    memset(rep, 0, sizeof *rep);
    int root = sqi_stickfs_open_stick(stick, err);
    if (root < 0) {
        rep->stick_gone = true;
        return SQ_EIO;
    }
    static const char *const dirs[] = {"", "synaq", "synaq/bundles"};
    int fds[3] = {-1, -1, -1};
    candidate *c = NULL;
    size_t nc = 0, cap = 0;
    sq_status st = SQ_OK;
    for (int i = 0; i < 3 && !st; i++) {
        sq_err e;
        if (!*dirs[i])
            fds[i] = dup(root);
        else if (sqi_stickfs_open_path(root, dirs[i], false, &fds[i], &e) == SQ_EINVAL) {
            note(rep, dirs[i], SQ_EINVAL, "%s", e.msg);
            rep->skipped++;
        }
        if (fds[i] < 0)
            continue;
        char **names = NULL;
        size_t n = 0;
        if ((st = sqi_stickfs_list_names(fds[i], ".sqb", &names, &n, err)))
            break;
        for (size_t k = 0; k < n; k++) {
            if (nc == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                candidate *nn = realloc(c, ncap * sizeof *nn);
                if (!nn) {
                    st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
                    break;
                }
                c = nn;
                cap = ncap;
            }
            candidate *cd = &c[nc++];
            cd->dir = i;
            cd->name = names[k];
            names[k] = NULL;
            snprintf(cd->rel, sizeof cd->rel, "%s%s%s", dirs[i], *dirs[i] ? "/" : "", cd->name);
            struct stat sb;
            cd->size = fstatat(fds[i], cd->name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
                               S_ISREG(sb.st_mode) && (uint64_t)sb.st_size <= SQ_BUNDLE_MAX_FILE
                           ? sb.st_size
                           : 0;
        }
        sqi_stickfs_free_names(names, n);
    }
    if (st)
        goto out;
    if (nc > 1)
        qsort(c, nc, sizeof *c, cand_cmp);
    /* Progress in bytes: each bundle's size once read, once installed. */
    int64_t total = 0, base = 0;
    for (size_t i = 0; i < nc; i++)
        total += 2 * c[i].size;
    if (pr && pr->fn)
        pr->fn(pr->ctx, 0, total);
    for (size_t i = 0; i < nc; i++) {
        /* Between bundles only: each is installed whole or not at all. */
        if (stop_asked(stop)) {
            rep->cancelled = true;
            break;
        }
        uint8_t *buf = NULL;
        size_t len = 0;
        sq_err e;
        read_progress rp = {pr, base, total, c[i].size};
        rep->files++;
        sq_status r = sqi_stickfs_read_at(fds[c[i].dir], c[i].name, c[i].rel, SQ_BUNDLE_MAX_FILE, "SQBUNDLE",
                              "a Synaq bundle", &rp, &buf, &len, &e);
        if (r == SQ_EIO) {
            rep->stick_gone = true;
            note(rep, c[i].rel, r, "%s", e.msg);
            st = sqi_seterr(err, SQ_EIO,
                           "the stick went away during the import: %s; %d bundle(s) were "
                           "imported before it, the rest not",
                           e.msg, rep->done);
            break;
        }
        if (r) {
            note(rep, c[i].rel, r, "%s", e.msg);
            rep->skipped++;
            base += 2 * c[i].size;
            continue;
        }
        base += c[i].size;
        install_progress ip = {pr, base, c[i].size, total};
        sq_progress sub = {on_install, &ip};
        sq_import_report ir;
        r = sq_import_mem(s, buf, len, &sub, &ir, &e);
        free(buf);
        base += c[i].size;
        if (r == SQ_OK && ir.exams_new > 0) {
            rep->done++;
            rep->exams += ir.exams_new;
            rep->items += ir.items;
            note(rep, c[i].rel, SQ_OK, "bundle %s imported: %d exam(s), %d item(s)", ir.bundle_id,
                 ir.exams_new, ir.items);
        } else if (r == SQ_OK) {
            rep->same++;
            note(rep, c[i].rel, SQ_EEXIST, "bundle %s is installed already; nothing to do",
                 ir.bundle_id);
        } else if (r == SQ_EWRONGSTATION) {
            rep->others++;
            note(rep, c[i].rel, r, "%s; passed over", e.msg);
        } else if (store_failure(r)) {
            note(rep, c[i].rel, r, "%s", e.msg);
            st = sqi_seterr(err, r, "%s: %s", c[i].rel, e.msg);
            break;
        } else {
            rep->skipped++;
            note(rep, c[i].rel, r, "%s; not imported", e.msg);
        }
    }
    if (!st && !rep->cancelled && pr && pr->fn)
        pr->fn(pr->ctx, total, total);
out:
    for (size_t i = 0; i < nc; i++)
        free(c[i].name);
    free(c);
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    close(root);
    return clean_err(err, st);
}

/* ---- export ---- */

typedef struct {
    char name[96];
    char sha[65];
    bool kept; /* on the stick already, byte for byte: not this run's to take back */
} written;


sq_status sq_usb_export(sq_store *s, const sq_station_keys *k, const char *stick,
                        const sq_progress *pr, sq_usb_report *rep, sq_err *err)
{
    return sq_usb_export_stoppable(s, k, stick, pr, NULL, rep, err);
}

sq_status sq_usb_export_stoppable(sq_store *s, const sq_station_keys *k, const char *stick,
                                  const sq_progress *pr, const sq_usb_stop *stop,
                                  sq_usb_report *rep, sq_err *err)
{
    memset(rep, 0, sizeof *rep);
    const sq_cert *cert = sq_station_keys_cert(k);
    if (!cert)
        return sqi_seterr(err, SQ_ESTATE, "this station is not enrolled");
    int root = sqi_stickfs_open_stick(stick, err), out = -1;
    if (root < 0) {
        rep->stick_gone = true;
        return SQ_EIO;
    }
    char rel[200];
    snprintf(rel, sizeof rel, "synaq/%s/outgoing", cert->station_id);
    snprintf(rep->dir, sizeof rep->dir, "%s/%s", stick, rel);
    written *files = NULL;
    int64_t *seqs = NULL;
    size_t n_files = 0, files_cap = 0, n_seqs = 0, seqs_cap = 0;
    char *manifest = NULL;
    size_t mlen = 0;
    bool manifest_new = false; /* this run's manifest waits under MANIFEST_NEW */
    int64_t pending = 0;
    sq_status st = sq_batch_counts(s, &pending, NULL, err);
    if (st)
        goto out;
    if (pending == 0) {
        rep->dir[0] = 0;
        goto out;
    }
    if ((st = sqi_stickfs_open_path(root, rel, true, &out, err)))
        goto out;
    if (pr && pr->fn)
        pr->fn(pr->ctx, 0, pending);
    for (int64_t after = 0;;) {
        sq_batch_made made;
        if ((st = sq_batch_make(s, after, EXPORT_BATCH, 0, &made, err)))
            goto undo;
        uint8_t *buf = made.bytes;
        size_t len = made.len;
        int count = made.count;
        if (count == 0)
            break;
        /* Read back what is about to leave: the batch must verify as
         * central will verify it. */
        sq_batch *b = NULL;
        if ((st = sq_batch_parse(buf, len, &b, err)) ||
            (st = sq_batch_verify(b, sq_station_keys_sign_pk(k), err))) {
            sq_batch_free(b);
            sq_free(buf);
            goto undo;
        }
        if (n_files == files_cap) {
            size_t nc = files_cap ? files_cap * 2 : 16;
            written *nf = realloc(files, nc * sizeof *nf);
            if (nf)
                files = nf, files_cap = nc;
        }
        if (n_seqs + (size_t)count > seqs_cap) {
            size_t nc = seqs_cap * 2 + (size_t)count;
            int64_t *ns = realloc(seqs, nc * sizeof *ns);
            if (ns)
                seqs = ns, seqs_cap = nc;
        }
        if (n_files == files_cap || n_seqs + (size_t)count > seqs_cap ||
            n_files >= EXPORT_MAX_BATCHES) {
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            sq_batch_free(b);
            sq_free(buf);
            goto undo;
        }
        int64_t first = 0, last = 0;
        const uint8_t *sealed;
        size_t slen;
        for (size_t i = 0; i < sq_batch_count(b); i++) {
            sq_batch_result(b, i, &last, &sealed, &slen);
            if (i == 0)
                first = last;
            seqs[n_seqs++] = last;
        }
        written *w = &files[n_files];
        snprintf(w->name, sizeof w->name, "%012lld-%s.sqbatch", (long long)first, sq_batch_id(b));
        uint8_t h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, buf, len);
        sodium_bin2hex(w->sha, sizeof w->sha, h, sizeof h);
        char shown[400];
        snprintf(shown, sizeof shown, "%s/%s", rel, w->name);
        w->kept = sqi_stickfs_same_at(out, w->name, buf, len);
        st = w->kept ? SQ_OK : sqi_stickfs_write_at(out, w->name, shown, buf, len, err);
        sq_batch_free(b);
        sq_free(buf);
        if (st)
            goto undo;
        n_files++;
        rep->done++;
        rep->results += count;
        /* The next batch after this one's last result by the station's
         * own number: the batch speaks central's (they differ once a
         * station was renumbered). */
        after = made.next_after;
        if (pr && pr->fn)
            pr->fn(pr->ctx, rep->results < pending ? rep->results : pending, pending);
        /* Stopped: this run's files go back, as on a failure. */
        if (stop_asked(stop)) {
            rep->cancelled = true;
            goto undo;
        }
    }
    /* The manifest last: its presence says the export is whole. */
    for (size_t i = 0; i < n_files; i++) {
        char line[200];
        int ln = snprintf(line, sizeof line, "%s  %s\n", files[i].sha, files[i].name);
        char *nm = realloc(manifest, mlen + (size_t)ln + 1);
        if (!nm) {
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            goto undo;
        }
        manifest = nm;
        memcpy(manifest + mlen, line, (size_t)ln + 1);
        mlen += (size_t)ln;
    }
    /* The new manifest goes beside the old one, under a hidden name,
     * until the store has noted the export: a failure up to then takes
     * back this run's files and leaves the earlier export as it was,
     * manifest and all; no write is needed to put anything back. */
    char shown[300];
    snprintf(shown, sizeof shown, "%s/MANIFEST.sha256", rel);
    bool same_manifest = sqi_stickfs_same_at(out, "MANIFEST.sha256", manifest ? manifest : "", mlen);
    if (!same_manifest) {
        if ((st = sqi_stickfs_write_at(out, MANIFEST_NEW, shown, manifest ? manifest : "", mlen,
                                       err)))
            goto undo;
        manifest_new = true;
    }
    if ((st = sqi_stickfs_sync_dir(out, rel, err)))
        goto undo;
    if ((st = sqi_batch_mark_exported(s, seqs, n_seqs, err))) {
        sqi_prefixerr(err, "the store could not note the export, so it was taken back");
        goto undo;
    }
    /* Then the manifest takes its place: a rename, no data written (should
     * it fail, the export is taken back; the store's note, which only
     * says when results last went out, stays). */
    if (manifest_new && renameat(out, MANIFEST_NEW, out, "MANIFEST.sha256") != 0) {
        st = sqi_seterr(err, sqi_stickfs_errno_status(errno), "cannot write %s: %s%s", shown,
                        strerror(errno), sqi_stickfs_errno_hint(errno));
        goto undo;
    }
    manifest_new = false;
    /* Older batch files here hold nothing that is not in the new ones or
     * acknowledged already: they go, so central reads each result once;
     * but only once the new manifest is known to be on the stick (till
     * then a power cut brings back the old one, which names them). Best
     * effort: a file left behind is read again and stored once. */
    char **names = NULL;
    size_t n = 0;
    if (sqi_stickfs_sync_dir(out, rel, NULL) == SQ_OK &&
        sqi_stickfs_list_names(out, ".sqbatch", &names, &n, NULL) == SQ_OK) {
        for (size_t i = 0; i < n; i++) {
            bool ours = false;
            for (size_t j = 0; j < n_files && !ours; j++)
                ours = strcmp(names[i], files[j].name) == 0;
            if (!ours)
                unlinkat(out, names[i], 0);
        }
        sqi_stickfs_free_names(names, n);
        sqi_stickfs_sync_dir(out, rel, NULL);
    }
    rep->files = (int)n_files;
    goto out;
undo:
    /* A half export helps nobody: take back the files of this run. */
    for (size_t i = 0; i < n_files; i++)
        if (!files[i].kept)
            unlinkat(out, files[i].name, 0);
    if (manifest_new)
        unlinkat(out, MANIFEST_NEW, 0);
    if (out >= 0)
        sqi_stickfs_sync_dir(out, rel, NULL);
    rep->done = rep->results = 0;
out:
    if (rep->done == 0 && (st == SQ_EFULL || st == SQ_EREADONLY))
        sqi_prefixerr(err, "nothing was exported");
    free(manifest);
    free(files);
    free(seqs);
    if (out >= 0)
        close(out);
    close(root);
    return clean_err(err, st);
}

/* ---- acknowledgements ---- */

sq_status sq_usb_read_acks(sq_store *s, const sq_station_keys *k, const char *stick,
                           sq_usb_report *rep, sq_err *err)
{
    memset(rep, 0, sizeof *rep);
    const sq_cert *cert = sq_station_keys_cert(k);
    if (!cert)
        return sqi_seterr(err, SQ_ESTATE, "this station is not enrolled");
    int root = sqi_stickfs_open_stick(stick, err), dfd = -1;
    if (root < 0) {
        rep->stick_gone = true;
        return SQ_EIO;
    }
    char rel[200];
    snprintf(rel, sizeof rel, "synaq/%s/acks", cert->station_id);
    char **names = NULL;
    size_t n = 0;
    sq_err e;
    sq_status st = sqi_stickfs_open_path(root, rel, false, &dfd, &e);
    if (st == SQ_ENOTFOUND) {
        st = SQ_OK;
        goto out;
    }
    if (st) {
        note(rep, rel, st, "%s", e.msg);
        rep->skipped++;
        st = st == SQ_EINVAL ? SQ_OK : sqi_seterr(err, st, "%s", e.msg);
        goto out;
    }
    if ((st = sqi_stickfs_list_names(dfd, ".ack", &names, &n, err)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        char shown[500];
        uint8_t *buf = NULL;
        size_t len = 0;
        sq_ack *a = NULL;
        snprintf(shown, sizeof shown, "%s/%s", rel, names[i]);
        rep->files++;
        sq_status r = sqi_stickfs_read_at(dfd, names[i], shown, ACK_MAX, NULL, "an acknowledgement", NULL,
                              &buf, &len, &e);
        if (r == SQ_EIO) {
            rep->stick_gone = true;
            note(rep, shown, r, "%s", e.msg);
            st = sqi_seterr(err, SQ_EIO, "%s", e.msg);
            break;
        }
        if (!r && (r = sq_batch_ack_open(buf, len, sq_station_keys_central_sign_pk(k), &a, &e)))
            sqi_prefixerr(&e, "%s", shown);
        if (!r && strcmp(a->station_id, cert->station_id) != 0)
            r = sqi_seterr(&e, SQ_EWRONGSTATION, "%s: meant for station '%s', not '%s'", shown,
                          a->station_id, cert->station_id);
        if (!r && a->kind == SQ_ACK_CONFLICT) {
            /* Central holds other results under one of this station's
             * numbers (restored from a copy, or a replacement): its
             * results go on above what central holds; exported again,
             * they are stored. */
            int64_t from = 0, base = 0;
            r = a->conflict_seq > 0
                    ? sq_batch_renumber(s, a->conflict_seq, a->held_max, &from, &base, &e)
                    : sqi_seterr(&e, SQ_ESTATE, "central holds other bytes under batch %s",
                                a->batch_id);
            if (r == SQ_OK) {
                note(rep, shown, SQ_ESTATE,
                     "central holds other results under #%lld: results from #%lld on go out "
                     "as #%lld on; export them again",
                     (long long)a->conflict_seq, (long long)from, (long long)base);
                rep->renumbered++;
                sq_batch_ack_free(a);
                free(buf);
                continue;
            }
            if (r == SQ_ESTATE)
                sqi_prefixerr(&e, "%s: central could not store batch %s (a conflict)", shown,
                             a->batch_id);
            else {
                st = sqi_seterr(err, r, "%s", e.msg);
                sq_batch_ack_free(a);
                free(buf);
                break;
            }
        }
        if (r) {
            note(rep, shown, r, "%s; refused", e.msg);
            rep->skipped++;
        } else {
            int marked = 0;
            if ((st = sq_batch_mark_sent(s, a->seqs, a->n, &marked, err))) {
                sq_batch_ack_free(a);
                free(buf);
                break;
            }
            rep->done++;
            rep->results += marked;
        }
        sq_batch_ack_free(a);
        free(buf);
    }
out:
    sqi_stickfs_free_names(names, n);
    if (dfd >= 0)
        close(dfd);
    close(root);
    return clean_err(err, st);
}

/* ---- what the audit log says ---- */

const char *sq_usb_action_name(sq_usb_action act)
{
    return act == SQ_USB_IMPORT ? "import-usb" : act == SQ_USB_EXPORT ? "export-usb" : "read-acks";
}

sq_status sq_usb_summary(sq_usb_action act, const char *stick, sq_status st, const sq_err *why,
                         const sq_usb_report *r, char *detail, size_t cap)
{
    const char *msg = st && why ? why->msg : "";
    switch (act) {
    case SQ_USB_IMPORT:
        snprintf(detail, cap, "%s: %d imported, %d same, %d for other stations, %d skipped%s%s%s%s",
                 stick, r->done, r->same, r->others, r->skipped,
                 r->stick_gone ? "; the stick went away" : "",
                 r->cancelled ? "; cancelled, the rest not read" : "", *msg ? ": " : "", msg);
        return st ? st : r->skipped ? SQ_EINVAL : SQ_OK;
    case SQ_USB_EXPORT:
        snprintf(detail, cap, "%s: %d result(s) in %d batch(es)%s%s%s", stick, r->results, r->done,
                 r->cancelled ? "; cancelled, this run's files taken back" : "", *msg ? ": " : "",
                 msg);
        return st;
    default:
        snprintf(detail, cap, "%s: %d read, %d refused, %d result(s) marked sent%s%s", stick,
                 r->files, r->skipped, r->results, *msg ? ": " : "", msg);
        return st ? st : r->skipped ? SQ_EAUTH : SQ_OK;
    }
}

/* ---- enrolment ---- */

sq_status sq_usb_enrol(const char *keys_path, const char *passphrase, const char *stick,
                       const char *label, sq_enrol_report *rep, sq_err *err)
{
    memset(rep, 0, sizeof *rep);
    sq_station_keys *k = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    int root = sqi_stickfs_open_stick(stick, err), sdir = -1, edir = -1;
    if (root < 0)
        return SQ_EIO;
    sq_status st;
    /* The folder for the request first: a stick that cannot take it
     * must not leave keys behind. */
    if ((st = sqi_stickfs_open_path(root, "synaq/enrol", true, &edir, err)))
        goto out;
    if (access(keys_path, F_OK) != 0) {
        /* A new station: it trusts the central keys the stick brings. */
        uint8_t sign_pk[32], results_pk[32];
        if ((st = sqi_stickfs_open_path(root, "synaq", false, &sdir, err)))
            goto missing_pub;
        if ((st = sqi_stickfs_read_at(sdir, "central.pub", "synaq/central.pub", SMALL_MAX, NULL,
                          "central's public keys", NULL, &buf, &len, err)))
            goto missing_pub;
        if ((st = sqi_central_pub_parse(buf, len, "synaq/central.pub", sign_pk, results_pk, err)) ||
            (st = sqi_station_keys_create_for(keys_path, sign_pk, results_pk, passphrase, err)))
            goto out;
        rep->keys_made = true;
    }
    if ((st = sq_station_keys_open(keys_path, passphrase, &k, err)))
        goto out;
    if (sq_station_keys_cert(k)) {
        st = sqi_seterr(err, SQ_ESTATE, "this station is enrolled already, as '%s'",
                       sq_station_keys_cert(k)->station_id);
        goto out;
    }
    sq_fingerprint(sq_station_keys_sign_pk(k), rep->station_fp);
    sq_central_fingerprint(sq_station_keys_central_sign_pk(k),
                           sq_station_keys_central_results_pk(k), rep->central_fp);
    char name[64], shown[128];
    snprintf(name, sizeof name, "%s.cert", rep->station_fp);
    snprintf(shown, sizeof shown, "synaq/enrol/%s", name);
    free(buf);
    buf = NULL;
    struct stat sb;
    if (fstatat(edir, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
        if ((st = sqi_stickfs_read_at(edir, name, shown, SMALL_MAX, "SQCERT01", "an enrolment certificate",
                          NULL, &buf, &len, err)) ||
            (st = sqi_station_keys_enroll_buf(k, buf, len, shown, err)))
            goto out;
        rep->step = SQ_ENROL_INSTALLED;
        rep->cert = *sq_station_keys_cert(k);
        goto out;
    }
    /* No certificate yet: the request goes (again) onto the stick, written
     * here as sq_station_request_write writes it, then copied over. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.request", keys_path);
    if ((st = sq_station_request_write(k, label, tmp, err)))
        goto out;
    st = sqi_file_read(tmp, SMALL_MAX, &buf, &len, err);
    unlink(tmp);
    if (st)
        goto out;
    snprintf(name, sizeof name, "%s.req", rep->station_fp);
    snprintf(rep->request, sizeof rep->request, "%s/synaq/enrol/%s", stick, name);
    snprintf(shown, sizeof shown, "synaq/enrol/%s", name);
    if ((st = sqi_stickfs_write_at(edir, name, shown, buf, len, err)) ||
        (st = sqi_stickfs_sync_dir(edir, "synaq/enrol", err)))
        goto out;
    rep->step = SQ_ENROL_REQUESTED;
    goto out;
missing_pub:
    if (st != SQ_EINVAL && st != SQ_ETOOBIG)
        st = sqi_seterr(err, SQ_ENOTFOUND,
                       "a new station needs central's public keys: put central.pub in the "
                       "stick's synaq folder");
out:
    sq_station_keys_close(k);
    free(buf);
    if (sdir >= 0)
        close(sdir);
    if (edir >= 0)
        close(edir);
    close(root);
    return clean_err(err, st);
}

sq_status sq_usb_enrol_answer(const sq_central_keys *k, const char *stick, const char *fp,
                              const char *station_id, const char *district,
                              const char *cert_path, sq_cert *cert, sq_err *err)
{
    int root = sqi_stickfs_open_stick(stick, err), edir = -1;
    if (root < 0)
        return SQ_EIO;
    char **names = NULL;
    size_t n = 0;
    uint8_t *buf = NULL, *cbuf = NULL;
    size_t len = 0, clen = 0;
    char req[128] = "", shown[200];
    sq_status st = sqi_stickfs_open_path(root, "synaq/enrol", false, &edir, err);
    if (st) {
        if (st == SQ_ENOTFOUND)
            sqi_seterr(err, st, "no enrolment request on the stick (synaq/enrol/*.req)");
        goto out;
    }
    if ((st = sqi_stickfs_list_names(edir, ".req", &names, &n, err)))
        goto out;
    int open_requests = 0;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(names[i]);
        char cert_name[128];
        struct stat sb;
        snprintf(cert_name, sizeof cert_name, "%.*s.cert", (int)(nl - 4), names[i]);
        bool answered = fstatat(edir, cert_name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
        if (fp ? strncmp(names[i], fp, nl - 4) == 0 && strlen(fp) == nl - 4 : !answered) {
            open_requests++;
            snprintf(req, sizeof req, "%s", names[i]);
        }
    }
    if (open_requests != 1) {
        if (fp)
            st = sqi_seterr(err, SQ_ENOTFOUND, "no request %s.req on the stick", fp);
        else if (open_requests == 0)
            st = sqi_seterr(err, SQ_ENOTFOUND,
                           "no request without a certificate on the stick (synaq/enrol/*.req)");
        else
            st = sqi_seterr(err, SQ_EINVAL,
                           "%d requests without a certificate on the stick: name one by its "
                           "fingerprint",
                           open_requests);
        goto out;
    }
    snprintf(shown, sizeof shown, "synaq/enrol/%s", req);
    if ((st = sqi_stickfs_read_at(edir, req, shown, SMALL_MAX, "SQENROL1", "an enrolment request", NULL, &buf,
                      &len, err)) ||
        (st = sqi_central_enroll_buf(k, buf, len, shown, station_id, district, cert_path, cert, err)))
        goto out;
    if ((st = sqi_file_read(cert_path, SMALL_MAX, &cbuf, &clen, err)))
        goto out;
    char cert_name[128];
    snprintf(cert_name, sizeof cert_name, "%.*s.cert", (int)(strlen(req) - 4), req);
    snprintf(shown, sizeof shown, "synaq/enrol/%s", cert_name);
    if ((st = sqi_stickfs_write_at(edir, cert_name, shown, cbuf, clen, err)) ||
        (st = sqi_stickfs_sync_dir(edir, "synaq/enrol", err)))
        sqi_prefixerr(err, "the certificate is in %s, but not on the stick", cert_path);
out:
    free(buf);
    free(cbuf);
    sqi_stickfs_free_names(names, n);
    if (edir >= 0)
        close(edir);
    close(root);
    return clean_err(err, st);
}

sq_status sq_usb_put(const char *stick, const char *dir, const char *name, const void *buf,
                     size_t len, sq_err *err)
{
    if (!name[0] || name[0] == '.' || strchr(name, '/'))
        return sqi_seterr(err, SQ_EINVAL, "'%s' is not a file name for a stick", name);
    int root = sqi_stickfs_open_stick(stick, err), dfd = -1;
    if (root < 0)
        return SQ_EIO;
    char shown[1200];
    snprintf(shown, sizeof shown, "%s%s%s", dir, *dir ? "/" : "", name);
    sq_status st = *dir ? sqi_stickfs_open_path(root, dir, true, &dfd, err) : SQ_OK;
    if (!*dir && (dfd = dup(root)) < 0)
        st = sqi_seterr(err, SQ_EIO, "cannot open the stick: %s", strerror(errno));
    if (!st && !(st = sqi_stickfs_write_at(dfd, name, shown, buf, len, err)))
        st = sqi_stickfs_sync_dir(dfd, *dir ? dir : stick, err);
    if (dfd >= 0)
        close(dfd);
    close(root);
    return clean_err(err, st);
}

/* ---- sticks mounted by synaq-stick-mount ---- */

static bool disk_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 31 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

/* One state file (key=value lines) into *m; false when it is not one. */
static bool read_mount_note(int dfd, const char *name, sq_usb_mount_note *m)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (sqi_stickfs_read_at(dfd, name, name, 4096, NULL, "a stick's state", NULL, &buf, &len,
                            NULL))
        return false;
    memset(m, 0, sizeof *m);
    snprintf(m->disk, sizeof m->disk, "%s", name);
    bool have_state = false;
    char *save = NULL, *copy = calloc(1, len + 1); /* the text, ended */
    if (copy)
        memcpy(copy, buf, len);
    free(buf);
    if (!copy)
        return false;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = 0;
        const char *k = line, *v = eq + 1;
        if (strcmp(k, "state") == 0) {
            have_state = true;
            if (strcmp(v, "mounted") == 0)
                m->state = SQ_STICK_MOUNTED;
            else if (strcmp(v, "nofs") == 0)
                m->state = SQ_STICK_NOFS;
            else if (strcmp(v, "unsupported") == 0)
                m->state = SQ_STICK_UNSUPPORTED;
            else if (strcmp(v, "failed") == 0)
                m->state = SQ_STICK_FAILED;
            else
                have_state = false;
        } else if (strcmp(k, "fs") == 0)
            sqi_stickfs_printable(v, m->fs, sizeof m->fs);
        else if (strcmp(k, "partitions") == 0)
            m->partitions = atoi(v) > 0 && atoi(v) < 1000 ? atoi(v) : 0;
        else if (strcmp(k, "partition") == 0)
            m->partition = atoi(v) > 0 && atoi(v) < 1000 ? atoi(v) : 0;
        else if (strcmp(k, "mode") == 0)
            m->rw = strcmp(v, "rw") == 0;
        else if (strcmp(k, "refused") == 0)
            m->rw_refused = strcmp(v, "rw") == 0;
        else if (strcmp(k, "mount") == 0)
            sqi_stickfs_printable(v, m->mount, sizeof m->mount);
    }
    free(copy);
    return have_state;
}

static int note_cmp(const void *x, const void *y)
{
    return strcmp(((const sq_usb_mount_note *)x)->disk, ((const sq_usb_mount_note *)y)->disk);
}

sq_status sq_usb_mount_notes(const char *dir, sq_usb_mount_note *out, size_t max, size_t *n,
                             sq_err *err)
{
    *n = 0;
    int dfd = open(dir ? dir : SQ_STICK_STATE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        if (errno == ENOENT)
            return SQ_OK;
        return sqi_seterr(err, SQ_EIO, "cannot read the sticks' states in %s: %s",
                          dir ? dir : SQ_STICK_STATE_DIR, strerror(errno));
    }
    char **names = NULL;
    size_t count = 0;
    sq_status st = sqi_stickfs_list_names(dfd, "", &names, &count, err);
    for (size_t i = 0; !st && i < count && *n < max; i++)
        if (names[i][0] != '.' && disk_name_ok(names[i]) && read_mount_note(dfd, names[i], &out[*n]))
            (*n)++;
    sqi_stickfs_free_names(names, count);
    close(dfd);
    if (*n > 1)
        qsort(out, *n, sizeof *out, note_cmp);
    return st;
}

/* The disk of a stick the helper mounted (".../synaq-DISK"), or NULL. */
static const char *helper_disk(const char *stick)
{
    const char *base = strrchr(stick, '/');
    base = base ? base + 1 : stick;
    if (strncmp(base, "synaq-", 6) != 0 || !disk_name_ok(base + 6))
        return NULL;
    return base + 6;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether a stick cannot be written now. One the helper mounted (its
 * folder named) counts as writable only while it is a mount point: between
 * its unmount and its mount again read-write the bare folder is there,
 * and what was written into it would be hidden, or keep the stick from
 * mounting. */
static bool stick_readonly(const char *stick, bool helper, bool *gone)
{
    struct statvfs sv;
    struct stat sb, up;
    char parent[1200];
    *gone = statvfs(stick, &sv) != 0 || stat(stick, &sb) != 0;
    if (*gone)
        return false;
    if (sv.f_flag & ST_RDONLY)
        return true;
    snprintf(parent, sizeof parent, "%s/..", stick);
    return helper && stat(parent, &up) == 0 && up.st_dev == sb.st_dev;
}

/* Whether the helper wrote, after the request at req (its mtime), that
 * it refused read-write for disk, or forgot the stick (pulled out). */
static bool helper_refused(const char *state_dir, const char *disk, const struct stat *req)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", state_dir, disk);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return true;
    if (sb.st_mtim.tv_sec < req->st_mtim.tv_sec ||
        (sb.st_mtim.tv_sec == req->st_mtim.tv_sec && sb.st_mtim.tv_nsec < req->st_mtim.tv_nsec))
        return false;
    int dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return false;
    sq_usb_mount_note m;
    bool refused = read_mount_note(dfd, disk, &m) && m.state == SQ_STICK_MOUNTED && m.rw_refused;
    close(dfd);
    return refused;
}

sq_status sq_usb_writable(const char *stick, const char *req_dir, const char *state_dir,
                          int timeout_ms, const sq_usb_stop *stop, bool *asked, sq_err *err)
{
    *asked = false;
    bool gone;
    const char *disk = helper_disk(stick);
    if (!stick_readonly(stick, disk != NULL, &gone))
        return gone ? sqi_seterr(err, SQ_EIO, "the stick %s is gone", stick) : SQ_OK;
    if (!disk || !req_dir)
        return clean_err(err, sqi_seterr(err, SQ_EREADONLY, "cannot write to %s (the stick is read-only)", stick));
    if (mkdir(req_dir, 02770) != 0 && errno != EEXIST)
        return sqi_seterr(err, SQ_EIO, "cannot make %s: %s", req_dir, strerror(errno));
    char req[1200];
    snprintf(req, sizeof req, "%s/synaq-%s", req_dir, disk);
    int fd = open(req, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0660);
    struct stat rs;
    if (fd < 0 || fstat(fd, &rs) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return sqi_seterr(err, SQ_EIO, "cannot ask for the stick to be writable (%s): %s", req,
                          strerror(e));
    }
    close(fd);
    *asked = true;
    const char *sdir = state_dir ? state_dir : SQ_STICK_STATE_DIR;
    int64_t until = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (!stick_readonly(stick, true, &gone) && !gone)
            return SQ_OK;
        const char *why = gone                              ? "it was removed"
                          : helper_refused(sdir, disk, &rs) ? "its file system cannot be written here"
                          : stop_asked(stop)                ? "cancelled"
                          : mono_ms() >= until              ? "no answer from synaq-stick-rw"
                                                            : NULL;
        if (why) {
            sq_usb_writable_done(stick, req_dir);
            *asked = false;
            return clean_err(err, sqi_seterr(err, gone ? SQ_EIO : SQ_EREADONLY,
                                             "the stick %s could not be made writable: %s",
                                             stick, why));
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

void sq_usb_writable_done(const char *stick, const char *req_dir)
{
    const char *disk = helper_disk(stick);
    if (!disk || !req_dir)
        return;
    char req[1200];
    snprintf(req, sizeof req, "%s/synaq-%s", req_dir, disk);
    unlink(req);
}
