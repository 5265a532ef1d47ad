/*
 * chain.c - the store's records of trust bound to the station's key: the
 * audit log and the sent log as MAC chains, and the chain head that pins
 * their ends and the last result's number. Checked when the store opens
 * and on demand (sq_chain_check); what is found is reported and put
 * on record once, never mended silently.
 *
 * Why its own file: the triggers of the schema keep honest programs
 * honest, but anyone who can write the file can drop them with the
 * sqlite3 shell. Without the storage key they cannot make a MAC, so what
 * they change, remove or reorder shows at the next check.
 *
 *   mac_key  crypto_kdf(storage key, subkey 3, "sqstore_"), beside the
 *            field and hash keys (1 and 2); it never leaves the process.
 *   audit    row n: mac = BLAKE2b-256 keyed(mac_key, "SQAUDIT1" || mac of
 *            row n-1 (zeros before row 1) || n, wall, mono_ms, actor,
 *            action, outcome, detail), integers as varints, strings
 *            length-prefixed.
 *   sent log entry n: (n, wall, the sequence numbers sq_batch_mark_sent
 *            marked in that call), chained the same way ("SQSENT01"). A
 *            result counts as sent only if a verified entry names it.
 *   head     meta 'chain': the ends of both chains (n and mac), the last
 *            result number, the digest of the lasting findings already on
 *            record and that finding's kinds and counts (for any process
 *            to show in its own words), under its own MAC ("SQHEAD01").
 *            Results are numbered 1..last_seq with no gap
 *            (sqi_chain_next_seq), so a deleted result is a missing number;
 *            meta's plain 'last_seq' must equal the head's.
 *
 * A check reads every row of both logs and every result's number: about
 * a microsecond a row (bench_core, d.). Findings that the state itself
 * carries on (altered rows stay altered, deleted results stay missing)
 * are "lasting": put on record once, recognised later by their digest in
 * the head. The others are set right when put on record, because the
 * safe answer is plain: a sent mark nobody can prove is cleared (the
 * result goes out again; central keeps each result once), meta's
 * last_seq gets the head's value back, and the head is rebuilt over what
 * the logs hold now (lines cut off a log's end keep their numbers: the
 * gap stays to be seen). The record is an "integrity" line of the audit
 * log, chained like any other.
 *
 * Known limit: an older copy of the whole file put back (or of the head
 * together with the tails it pins) cannot be told from the real thing on
 * the station alone; central sees it, as the heartbeat's last_seq goes
 * down. Not chained: exported_wall (informational), attempts in progress,
 * notes and the PIN's counters (sealed or harmless), and the sealed
 * results themselves (central checks the station's signature).
 *
 * Every function here that writes runs inside the caller's write
 * transaction (sqi_db_begin), so the head and what it pins change together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "chain_int.h"
#include "codec_int.h"
#include "db_int.h"
#include "util_int.h"

#define MAC_LEN 32
#define HEAD_KEY "chain"
#define ACTOR "store"
#define ACTION "integrity"
/* Findings listed by number in the words of a report; the counts are whole. */
#define LIST_MAX 6

typedef struct {
    int64_t audit_n;
    uint8_t audit_mac[MAC_LEN];
    int64_t sent_n;
    uint8_t sent_mac[MAC_LEN];
    int64_t last_seq;
    uint8_t recorded[MAC_LEN];  /* digest of the lasting findings on record; zeros: none */
    sq_integrity_finding rec;   /* the finding last put on record, for anyone to show */
} chain_head;

static const uint8_t zeros[MAC_LEN];

/* A column's bytes, never NULL (an empty or NULL value is ""). */
static const void *col_bytes(sqlite3_stmt *q, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(q, i);
    *len = p ? (size_t)sqlite3_column_bytes(q, i) : 0;
    return p ? p : "";
}

static const char *col_text(sqlite3_stmt *q, int i)
{
    const char *t = (const char *)sqlite3_column_text(q, i);
    return t ? t : "";
}

static void mac_of(const sq_store *s, const char tag[8], const uint8_t *p, size_t len,
                   uint8_t out[MAC_LEN])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, s->mac_key, 32, MAC_LEN);
    crypto_generichash_update(&h, (const uint8_t *)tag, 8);
    crypto_generichash_update(&h, p, len);
    crypto_generichash_final(&h, out, MAC_LEN);
}

static void audit_mac(const sq_store *s, const uint8_t prev[MAC_LEN], int64_t n, int64_t wall,
                      int64_t mono, const char *actor, const char *action, const char *outcome,
                      const void *detail, size_t detail_len, uint8_t out[MAC_LEN])
{
    sq_buf b;
    sqi_buf_init(&b, 0);
    sqi_buf_put(&b, prev, MAC_LEN);
    sqi_buf_svarint(&b, n);
    sqi_buf_svarint(&b, wall);
    sqi_buf_svarint(&b, mono);
    sqi_buf_str(&b, actor);
    sqi_buf_str(&b, action);
    sqi_buf_str(&b, outcome);
    sqi_buf_bytes(&b, detail, detail_len);
    mac_of(s, "SQAUDIT1", b.p, b.len, out);
    sqi_buf_free(&b);
}

static void sent_mac(const sq_store *s, const uint8_t prev[MAC_LEN], int64_t n, int64_t wall,
                     const void *seqs, size_t seqs_len, uint8_t out[MAC_LEN])
{
    sq_buf b;
    sqi_buf_init(&b, 0);
    sqi_buf_put(&b, prev, MAC_LEN);
    sqi_buf_svarint(&b, n);
    sqi_buf_svarint(&b, wall);
    sqi_buf_bytes(&b, seqs, seqs_len);
    mac_of(s, "SQSENT01", b.p, b.len, out);
    sqi_buf_free(&b);
}

/* ---- the head ---- */

/* A finding as varints: flags, then every count in order. */
#define FINDING_FIELDS(f)                                                                          \
    &(f)->audit_first_bad, &(f)->audit_bad, &(f)->audit_removed, &(f)->sent_first_bad,             \
        &(f)->sent_bad, &(f)->unproven_sent, &(f)->first_unproven, &(f)->results_gone,             \
        &(f)->results_gone_unsent, &(f)->first_gone, &(f)->results_extra, &(f)->last_seq_found

static void finding_encode(sq_buf *b, sq_integrity_finding *f)
{
    int64_t *v[] = {FINDING_FIELDS(f)};
    sqi_buf_varint(b, f->flags);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        sqi_buf_svarint(b, *v[i]);
}

static void finding_decode(sq_rd *r, sq_integrity_finding *f)
{
    int64_t *v[] = {FINDING_FIELDS(f)};
    f->flags = (unsigned)sqi_rd_varint(r);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        *v[i] = sqi_rd_svarint(r);
}

static void head_encode(const sq_store *s, const chain_head *h, sq_buf *b)
{
    uint8_t tag[MAC_LEN];
    sq_integrity_finding rec = h->rec;
    sqi_buf_u8(b, 1);
    sqi_buf_svarint(b, h->audit_n);
    sqi_buf_put(b, h->audit_mac, MAC_LEN);
    sqi_buf_svarint(b, h->sent_n);
    sqi_buf_put(b, h->sent_mac, MAC_LEN);
    sqi_buf_svarint(b, h->last_seq);
    sqi_buf_put(b, h->recorded, MAC_LEN);
    finding_encode(b, &rec);
    mac_of(s, "SQHEAD01", b->p, b->len, tag);
    sqi_buf_put(b, tag, MAC_LEN);
}

/* Whether p holds a head that our key made. */
static bool head_decode(const sq_store *s, const uint8_t *p, size_t len, chain_head *h)
{
    uint8_t tag[MAC_LEN];
    if (!p || len < MAC_LEN + 1)
        return false;
    mac_of(s, "SQHEAD01", p, len - MAC_LEN, tag);
    if (sodium_memcmp(tag, p + len - MAC_LEN, MAC_LEN) != 0)
        return false;
    sq_rd r;
    sqi_rd_init(&r, p, len - MAC_LEN);
    int version = sqi_rd_u8(&r);
    h->audit_n = sqi_rd_svarint(&r);
    const uint8_t *am = sqi_rd_take(&r, MAC_LEN);
    h->sent_n = sqi_rd_svarint(&r);
    const uint8_t *sm = sqi_rd_take(&r, MAC_LEN);
    h->last_seq = sqi_rd_svarint(&r);
    const uint8_t *rec = sqi_rd_take(&r, MAC_LEN);
    finding_decode(&r, &h->rec);
    if (r.failed || r.pos != r.len || version != 1)
        return false;
    memcpy(h->audit_mac, am, MAC_LEN);
    memcpy(h->sent_mac, sm, MAC_LEN);
    memcpy(h->recorded, rec, MAC_LEN);
    return true;
}

static sq_status head_store(sq_store *s, const chain_head *h, sq_err *err)
{
    sq_buf b;
    sqi_buf_init(&b, 0);
    head_encode(s, h, &b);
    sq_status st = b.failed ? sqi_seterr(err, SQ_ENOMEM, "out of memory")
                            : sqi_db_meta_put(s, HEAD_KEY, b.p, b.len, 0, err);
    sqi_buf_free(&b);
    return st;
}

/* ---- the sequence numbers of a sent-log entry ---- */

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* Sorted, without repeats: a count, then the first and the differences. */
static void seqs_encode(sq_buf *b, const int64_t *sorted, size_t n)
{
    int64_t prev = 0;
    sqi_buf_varint(b, n);
    for (size_t i = 0; i < n; i++) {
        sqi_buf_varint(b, (uint64_t)(sorted[i] - prev));
        prev = sorted[i];
    }
}

typedef struct {
    int64_t *v;
    size_t n, cap;
    bool failed;
} i64_list;

static void list_add(i64_list *l, int64_t x)
{
    if (l->failed)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        int64_t *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) {
            l->failed = true;
            return;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = x;
}

/* Adds the numbers an entry names to l; false if the blob is not one. */
static bool seqs_decode(const uint8_t *p, size_t len, i64_list *l)
{
    sq_rd r;
    sqi_rd_init(&r, p, len);
    uint64_t n = sqi_rd_varint(&r);
    if (r.failed || n > len)
        return false;
    int64_t prev = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t d = sqi_rd_varint(&r);
        if (r.failed || d == 0 || d > (uint64_t)(INT64_MAX - prev))
            return false;
        prev += (int64_t)d;
        list_add(l, prev);
    }
    return r.pos == r.len;
}

/* The index of the first element of sorted v not below x. */
static size_t lower_bound(const i64_list *l, int64_t x)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- the check ---- */

/* One chain (the audit log or the sent log) as read. */
typedef struct {
    int64_t rows, last_n;
    uint8_t last_link[MAC_LEN];
    int64_t first_bad; /* first row altered or removed; 0: none */
    int64_t bad;       /* rows whose MAC does not hold */
    int64_t removed;   /* numbers missing between rows */
    int64_t tail_gone; /* rows missing after the last, by the head */
    bool beyond_head;  /* rows after the head's end, or an end that differs */
} chain_seen;

typedef struct {
    sq_integrity_report r;
    bool head_ok;
    chain_head head; /* as found (valid when head_ok) */
    chain_seen audit, sent;
    int64_t meta_last_seq, max_seq, last_seq; /* last_seq: the one to trust */
    i64_list sent_seqs;                       /* named by verified entries, sorted */
    i64_list unproven;                        /* marked sent, named by none */
    i64_list gone;                            /* missing numbers, the first LIST_MAX */
    bool any_lasting;
    uint8_t lasting_digest[MAC_LEN]; /* the set of lasting findings */
} scan;

static void scan_free(scan *c)
{
    free(c->sent_seqs.v);
    free(c->unproven.v);
    free(c->gone.v);
    memset(c, 0, sizeof *c);
}

/* A lasting finding joins the digest: a kind letter, numbers, MACs. The
 * digest is of the set (the findings' hashes XORed), so that the same
 * findings met in another order (the end of a log cut, then a line after
 * the gap) give the same digest. */
static void lasting_add(scan *c, char kind, int64_t a, int64_t b, const uint8_t *mac1,
                        const uint8_t *mac2)
{
    uint8_t k = (uint8_t)kind, one[MAC_LEN];
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, MAC_LEN);
    crypto_generichash_update(&h, &k, 1);
    crypto_generichash_update(&h, (const uint8_t *)&a, sizeof a);
    crypto_generichash_update(&h, (const uint8_t *)&b, sizeof b);
    crypto_generichash_update(&h, mac1 ? mac1 : zeros, MAC_LEN);
    crypto_generichash_update(&h, mac2 ? mac2 : zeros, MAC_LEN);
    crypto_generichash_final(&h, one, MAC_LEN);
    for (size_t i = 0; i < MAC_LEN; i++)
        c->lasting_digest[i] ^= one[i];
    c->any_lasting = true;
}

/* Walks one log in order. Each row is checked against the stored MAC of
 * the row before it, so that one altered row shows as one, and the rows
 * after it still check out. A row after a gap cannot match (its link is
 * gone): it is counted with the gap, not as altered. on_row (may be
 * NULL) sees every row, and whether its MAC holds. */
static sq_status walk(sq_store *s, const char *sql, char kind, chain_seen *seen, scan *c,
                      void (*on_row)(scan *c, sqlite3_stmt *q, bool ok), sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s, sql, &q, err);
    if (st)
        return st;
    uint8_t link[MAC_LEN], want[MAC_LEN];
    memcpy(link, zeros, MAC_LEN);
    int64_t next = 1;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(q, 0);
        int cols = sqlite3_column_count(q);
        const uint8_t *mac = sqlite3_column_blob(q, cols - 1);
        bool mac_ok_len = mac && sqlite3_column_bytes(q, cols - 1) == MAC_LEN;
        size_t len;
        if (kind == 'A') {
            /* Text as SQLite gives it: the detail's bytes, as bound. */
            const char *detail = col_text(q, 6);
            audit_mac(s, link, n, sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2),
                      col_text(q, 3), col_text(q, 4), col_text(q, 5), detail,
                      (size_t)sqlite3_column_bytes(q, 6), want);
        } else {
            const void *seqs = col_bytes(q, 2, &len);
            sent_mac(s, link, n, sqlite3_column_int64(q, 1), seqs, len, want);
        }
        bool ok = mac_ok_len && sodium_memcmp(want, mac, MAC_LEN) == 0;
        bool gap = n > next;
        if (gap) {
            seen->removed += n - next;
            if (!seen->first_bad)
                seen->first_bad = next;
            lasting_add(c, kind == 'A' ? 'g' : 'h', next, n - 1, NULL, NULL);
        }
        if (!ok && !gap) {
            seen->bad++;
            if (!seen->first_bad || n < seen->first_bad)
                seen->first_bad = n;
            lasting_add(c, kind, n, 0, mac_ok_len ? mac : NULL, want);
        }
        if (on_row)
            on_row(c, q, ok);
        memcpy(link, mac_ok_len ? mac : zeros, MAC_LEN);
        seen->rows++;
        seen->last_n = n;
        if (n >= next)
            next = n + 1;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sqi_db_sqlerr(s, rc, "checking the store", err);
    memcpy(seen->last_link, link, MAC_LEN);
    return SQ_OK;
}

/* The newest "integrity" line that checks out: the finding on record. */
static void on_audit_row(scan *c, sqlite3_stmt *q, bool ok)
{
    const char *actor = (const char *)sqlite3_column_text(q, 3);
    const char *action = (const char *)sqlite3_column_text(q, 4);
    if (!ok || !actor || !action || strcmp(actor, ACTOR) != 0 || strcmp(action, ACTION) != 0)
        return;
    c->r.on_record_n = sqlite3_column_int64(q, 0);
    c->r.on_record_wall_s = sqlite3_column_int64(q, 1);
    const char *d = (const char *)sqlite3_column_text(q, 6);
    snprintf(c->r.on_record_text, sizeof c->r.on_record_text, "%s", d ? d : "");
}

/* The numbers a verified entry names count as sent. */
static void on_sent_row(scan *c, sqlite3_stmt *q, bool ok)
{
    size_t len;
    const void *p = col_bytes(q, 2, &len);
    if (ok && !seqs_decode(p, len, &c->sent_seqs)) {
        /* Made with our key, yet not readable: count it as bad. */
        c->sent.bad++;
        if (!c->sent.first_bad || sqlite3_column_int64(q, 0) < c->sent.first_bad)
            c->sent.first_bad = sqlite3_column_int64(q, 0);
    }
}

/* Compares a log's end with the head's: lines missing after the last one
 * (a gap like any other, which the next line will close), or an end the
 * head does not know. The head chains on from the last line there is, so
 * a cut already on record has the head's MAC equal to the last line's. */
static void ends(scan *c, chain_seen *seen, char gap_kind, int64_t head_n,
                 const uint8_t head_mac[MAC_LEN])
{
    bool same_link = sodium_memcmp(seen->last_link, head_mac, MAC_LEN) == 0;
    if (seen->last_n < head_n) {
        seen->tail_gone = head_n - seen->last_n;
        if (!seen->first_bad)
            seen->first_bad = seen->last_n + 1;
        lasting_add(c, gap_kind, seen->last_n + 1, head_n, NULL, NULL);
    } else if (seen->last_n > head_n || !same_link) {
        seen->beyond_head = true;
    }
}

static void words(scan *c);

/* Reads everything the chains cover and fills c. */
static sq_status scan_run(sq_store *s, scan *c, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    sq_status st;
    int rc;
    memset(c, 0, sizeof *c);

    if ((st = sqi_db_prepare(s,
                            "SELECT (SELECT value FROM meta WHERE key = '" HEAD_KEY "'),"
                            " (SELECT value FROM meta WHERE key = 'last_seq'),"
                            " (SELECT max(seq) FROM results)",
                            &q, err)))
        return st;
    if ((rc = sqlite3_step(q)) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return sqi_db_sqlerr(s, rc, "checking the store", err);
    }
    c->head_ok =
        sqlite3_column_type(q, 0) == SQLITE_BLOB &&
        head_decode(s, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), &c->head);
    c->meta_last_seq = sqlite3_column_int64(q, 1);
    c->max_seq = sqlite3_column_int64(q, 2);
    sqlite3_finalize(q);

    if ((st = walk(s,
                   "SELECT n, wall, mono_ms, actor, action, outcome, detail, mac FROM audit"
                   " ORDER BY n",
                   'A', &c->audit, c, on_audit_row, err)) ||
        (st = walk(s, "SELECT n, wall, seqs, mac FROM sent_log ORDER BY n", 'S', &c->sent, c,
                   on_sent_row, err)))
        return st;
    if (c->sent_seqs.failed)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory checking the store");
    if (c->sent_seqs.n)
        qsort(c->sent_seqs.v, c->sent_seqs.n, sizeof *c->sent_seqs.v, cmp_i64);

    if (c->head_ok) {
        ends(c, &c->audit, 'g', c->head.audit_n, c->head.audit_mac);
        ends(c, &c->sent, 'h', c->head.sent_n, c->head.sent_mac);
        c->last_seq = c->head.last_seq;
    } else {
        /* Nothing pins the ends: the best guess is what is there. */
        c->last_seq = c->meta_last_seq > c->max_seq ? c->meta_last_seq : c->max_seq;
    }

    /* Results: numbered 1..last_seq, no gaps; sent only if an entry says. */
    if ((st = sqi_db_prepare(s, "SELECT seq, sent_wall IS NOT NULL FROM results ORDER BY seq", &q,
                            err)))
        return st;
    int64_t next = 1;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(q, 0);
        bool marked = sqlite3_column_int(q, 1) != 0;
        if (seq < 1 || seq > c->last_seq) {
            c->r.found.results_extra++;
            lasting_add(c, 'e', seq, 0, NULL, NULL);
            continue;
        }
        if (seq > next) {
            /* Deleted: the unsent ones are the loss; count the sent ones
             * by the log, never one number at a time. */
            int64_t sent =
                (int64_t)(lower_bound(&c->sent_seqs, seq) - lower_bound(&c->sent_seqs, next));
            c->r.found.results_gone += seq - next;
            c->r.found.results_gone_unsent += seq - next - sent;
            for (int64_t k = next; k < seq && c->gone.n < LIST_MAX; k++)
                list_add(&c->gone, k);
            lasting_add(c, 'r', next, seq - 1, NULL, NULL);
        }
        next = seq + 1;
        if (marked) {
            size_t i = lower_bound(&c->sent_seqs, seq);
            if (i == c->sent_seqs.n || c->sent_seqs.v[i] != seq)
                list_add(&c->unproven, seq);
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sqi_db_sqlerr(s, rc, "checking the store", err);
    if (next <= c->last_seq) {
        int64_t sent = (int64_t)(lower_bound(&c->sent_seqs, c->last_seq + 1) -
                                 lower_bound(&c->sent_seqs, next));
        c->r.found.results_gone += c->last_seq + 1 - next;
        c->r.found.results_gone_unsent += c->last_seq + 1 - next - sent;
        for (int64_t k = next; k <= c->last_seq && c->gone.n < LIST_MAX; k++)
            list_add(&c->gone, k);
        lasting_add(c, 'r', next, c->last_seq, NULL, NULL);
    }
    if (c->unproven.failed || c->gone.failed)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory checking the store");

    /* Into the report. */
    sq_integrity_finding *r = &c->r.found;
    c->r.audit_rows = c->audit.rows;
    c->r.sent_entries = c->sent.rows;
    c->r.last_seq = c->last_seq;
    if (c->head_ok)
        c->r.on_record = c->head.rec;
    r->audit_first_bad = c->audit.first_bad;
    r->audit_bad = c->audit.bad;
    r->audit_removed = c->audit.removed + c->audit.tail_gone;
    r->sent_first_bad = c->sent.first_bad;
    r->sent_bad = c->sent.bad + c->sent.removed + c->sent.tail_gone;
    r->unproven_sent = (int64_t)c->unproven.n;
    r->first_unproven = c->unproven.n ? c->unproven.v[0] : 0;
    r->first_gone = c->gone.n ? c->gone.v[0] : 0;
    if (!c->head_ok || c->audit.beyond_head || c->sent.beyond_head)
        r->flags |= SQ_INTEGRITY_HEAD;
    if (c->audit.bad || c->audit.removed)
        r->flags |= SQ_INTEGRITY_AUDIT;
    if (c->audit.tail_gone)
        r->flags |= SQ_INTEGRITY_AUDIT_TAIL;
    if (c->sent.bad || c->sent.removed || c->sent.tail_gone)
        r->flags |= SQ_INTEGRITY_SENT_LOG;
    if (c->unproven.n)
        r->flags |= SQ_INTEGRITY_SENT_MARKS;
    if (r->results_gone)
        r->flags |= SQ_INTEGRITY_RESULTS_GONE;
    if (r->results_extra)
        r->flags |= SQ_INTEGRITY_RESULTS_EXTRA;
    if (c->meta_last_seq != c->last_seq) {
        r->flags |= SQ_INTEGRITY_LAST_SEQ;
        r->last_seq_found = c->meta_last_seq;
    }
    words(c);
    return SQ_OK;
}

/* Whether what c found is not on record yet: something it sets right,
 * or lasting findings other than those on record. */
static bool needs_record(const scan *c)
{
    const unsigned mended = SQ_INTEGRITY_HEAD | SQ_INTEGRITY_SENT_MARKS | SQ_INTEGRITY_LAST_SEQ;
    if (c->r.found.flags & mended)
        return true;
    return c->any_lasting && sodium_memcmp(c->lasting_digest, c->head.recorded, MAC_LEN) != 0;
}

/* The report in plain words (English, for logs and the audit log). */
static void words(scan *c)
{
    const sq_integrity_finding *r = &c->r.found;
    char *o = c->r.text;
    size_t cap = sizeof c->r.text, len = 0;
#define SAY(...)                                                                                   \
    do {                                                                                           \
        if (len < cap)                                                                             \
            len += (size_t)snprintf(o + len, cap - len, __VA_ARGS__);                              \
    } while (0)
    o[0] = 0;
    if (!r->flags)
        return;
    SAY("the store was changed without the station's key:");
    const char *sep = " ";
    if (r->flags & SQ_INTEGRITY_HEAD) {
        SAY("%sits chain head was missing, altered or older than the logs (the newest records "
            "may have gone unseen)",
            sep);
        sep = "; ";
    }
    if (r->flags & SQ_INTEGRITY_AUDIT) {
        SAY("%saudit log altered from line %lld (%lld line(s) altered, %lld removed)", sep,
            (long long)r->audit_first_bad, (long long)c->audit.bad, (long long)c->audit.removed);
        sep = "; ";
    }
    if (r->flags & SQ_INTEGRITY_AUDIT_TAIL) {
        SAY("%sthe last %lld line(s) of the audit log removed (after line %lld)", sep,
            (long long)c->audit.tail_gone, (long long)c->audit.last_n);
        sep = "; ";
    }
    if (r->flags & SQ_INTEGRITY_SENT_LOG) {
        SAY("%ssent log altered or cut (%lld entr%s)", sep, (long long)r->sent_bad,
            r->sent_bad == 1 ? "y" : "ies");
        sep = "; ";
    }
    if (r->flags & SQ_INTEGRITY_SENT_MARKS) {
        SAY("%s%lld result(s) marked sent with no record of it, pending again:", sep,
            (long long)r->unproven_sent);
        for (size_t i = 0; i < c->unproven.n && i < LIST_MAX; i++)
            SAY("%s%lld", i ? ", " : " ", (long long)c->unproven.v[i]);
        if (c->unproven.n > LIST_MAX)
            SAY(", ...");
        sep = "; ";
    }
    if (r->flags & SQ_INTEGRITY_RESULTS_GONE) {
        SAY("%s%lld result(s) deleted (%lld of them never sent):", sep, (long long)r->results_gone,
            (long long)r->results_gone_unsent);
        for (size_t i = 0; i < c->gone.n; i++)
            SAY("%s%lld", i ? ", " : " ", (long long)c->gone.v[i]);
        if (r->results_gone > (int64_t)c->gone.n)
            SAY(", ...");
        sep = "; ";
    }
    if (r->flags & SQ_INTEGRITY_RESULTS_EXTRA) {
        SAY("%s%lld result row(s) the station did not number", sep, (long long)r->results_extra);
        sep = "; ";
    }
    if (r->flags & SQ_INTEGRITY_LAST_SEQ)
        SAY("%sthe last result number was %lld, not %lld: set back", sep,
            (long long)r->last_seq_found, (long long)c->r.last_seq);
#undef SAY
    /* Cut at a character boundary (the text is ASCII, but keep it safe). */
    o[sq_utf8_prefix(o, cap - 1)] = 0;
}

/* Inserts audit row head->audit_n + 1 chained from the head, and moves
 * the head on (the caller stores it). */
static sq_status audit_insert_at(sq_store *s, chain_head *h, const char *actor, const char *action,
                                 const char *outcome, const char *detail, size_t detail_len,
                                 sq_err *err)
{
    sqlite3_stmt *q;
    if (h->audit_n >= INT64_MAX - 1)
        return sqi_seterr(err, SQ_ECORRUPT, "the audit log of %s has run out of numbers", s->path);
    int64_t n = h->audit_n + 1, wall = sqi_db_wall_s(s), mono = sqi_db_mono_ms(s);
    uint8_t mac[MAC_LEN];
    audit_mac(s, h->audit_mac, n, wall, mono, actor, action, outcome, detail, detail_len, mac);
    sq_status st = sqi_db_prepare(s,
                                 "INSERT INTO audit(n, wall, mono_ms, actor, action, outcome,"
                                 " detail, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 &q, err);
    if (st)
        return st;
    sqlite3_bind_int64(q, 1, n);
    sqlite3_bind_int64(q, 2, wall);
    sqlite3_bind_int64(q, 3, mono);
    sqlite3_bind_text(q, 4, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, outcome, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, detail, (int)detail_len, SQLITE_STATIC);
    sqlite3_bind_blob(q, 8, mac, MAC_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sqi_db_sqlerr(s, rc, "writing the audit log", err);
    h->audit_n = n;
    memcpy(h->audit_mac, mac, MAC_LEN);
    return SQ_OK;
}

/* Inside a write transaction, with c just scanned in it: sets right what
 * has a safe answer, rebuilds the head over what the logs hold now, and
 * puts the finding on record. */
static sq_status record(sq_store *s, scan *c, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    sq_status st = SQ_OK;
    if (c->unproven.n) {
        if ((st = sqi_db_prepare(s, "UPDATE results SET sent_wall = NULL WHERE seq = ?", &q, err)))
            return st;
        for (size_t i = 0; i < c->unproven.n && !st; i++) {
            sqlite3_bind_int64(q, 1, c->unproven.v[i]);
            int rc = sqlite3_step(q);
            sqlite3_reset(q);
            if (rc != SQLITE_DONE)
                st = sqi_db_sqlerr(s, rc, "checking the store", err);
        }
        sqlite3_finalize(q);
        if (st)
            return st;
    }
    if (c->meta_last_seq != c->last_seq &&
        (st = sqi_db_meta_put(s, "last_seq", NULL, 0, c->last_seq, err)))
        return st;
    /* The new head: chained on from the logs' last lines as they are now;
     * but where lines were cut off the end, the numbering goes on after
     * the cut, so the removed numbers stay a gap the checks keep seeing. */
    chain_head h;
    memset(&h, 0, sizeof h);
    h.audit_n = c->audit.tail_gone ? c->head.audit_n : c->audit.last_n;
    memcpy(h.audit_mac, c->audit.rows ? c->audit.last_link : zeros, MAC_LEN);
    h.sent_n = c->sent.tail_gone ? c->head.sent_n : c->sent.last_n;
    memcpy(h.sent_mac, c->sent.rows ? c->sent.last_link : zeros, MAC_LEN);
    h.last_seq = c->last_seq;
    memcpy(h.recorded, c->any_lasting ? c->lasting_digest : zeros, MAC_LEN);
    h.rec = c->r.found;
    size_t n = sq_utf8_prefix(c->r.text, 399);
    if ((st = audit_insert_at(s, &h, ACTOR, ACTION, sq_status_name(SQ_EAUTH), c->r.text, n, err)) ||
        (st = head_store(s, &h, err)))
        return st;
    c->r.recorded = true;
    c->r.on_record_n = h.audit_n;
    c->r.on_record_wall_s = sqi_db_wall_s(s);
    c->r.on_record = c->r.found;
    snprintf(c->r.on_record_text, sizeof c->r.on_record_text, "%.*s", (int)n, c->r.text);
    return SQ_OK;
}

/* Checks; puts a new finding on record (taking the write lock unless the
 * caller holds it: then in the caller's transaction). Keeps the report
 * in the handle. With tolerant (the open), a finding that cannot be put
 * on record (a full disk) is still reported, and the open goes on: the
 * station must keep working, and the next check tries again. */
static sq_status check(sq_store *s, bool tolerant, sq_err *err)
{
    scan c;
    sq_status st;
    bool own_read = !s->in_tx;
    /* One snapshot for the whole walk: another process may write meanwhile. */
    if (own_read && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return sqi_db_sqlerr(s, sqlite3_errcode(s->db), "checking the store", err);
    st = scan_run(s, &c, err);
    if (own_read)
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (st)
        goto out;
    if (needs_record(&c)) {
        sq_integrity_report seen = c.r;
        if (own_read) {
            /* Again under the lock: another process may have put the
             * same finding on record meanwhile. */
            scan_free(&c);
            if (!(st = sqi_db_begin(s, err))) {
                st = scan_run(s, &c, err);
                if (!st && needs_record(&c))
                    st = record(s, &c, err);
                st = sqi_db_end(s, st, err);
            }
        } else {
            st = record(s, &c, err);
        }
        if (st && tolerant) {
            size_t n = strlen(seen.text);
            snprintf(seen.text + n, sizeof seen.text - n, " (not put on record: %s)",
                     err ? err->msg : sq_status_name(st));
            *s->integrity = seen;
            st = SQ_OK;
            goto out;
        }
        if (st)
            goto out;
    }
    *s->integrity = c.r;
out:
    scan_free(&c);
    return st;
}

/* The handle's last report, made on the first check. */
static sq_status have_report(sq_store *s, sq_err *err)
{
    if (!s->integrity && !(s->integrity = calloc(1, sizeof *s->integrity)))
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    return SQ_OK;
}

sq_status sqi_chain_check(sq_store *s, sq_err *err)
{
    sq_status st = have_report(s, err);
    return st ? st : check(s, true, err);
}

void sqi_chain_forget(sq_store *s)
{
    free(s->integrity);
    s->integrity = NULL;
}

sq_status sq_chain_check(sq_store *s, sq_integrity_report *rep, sq_err *err)
{
    sq_status st = have_report(s, err);
    if (!st)
        st = check(s, false, err);
    if (!st && rep)
        *rep = *s->integrity;
    return st;
}

const sq_integrity_report *sq_chain_last(const sq_store *s)
{
    static const sq_integrity_report none;
    return s->integrity ? s->integrity : &none;
}

/* ---- the writers ---- */

/* Inside a write transaction: the head, checked against the ends of the
 * logs and the results; when anything is off, the finding goes on
 * record first (a full check), and the head is the one it rebuilt. */
static sq_status head_for_write(sq_store *s, chain_head *h, int64_t *max_seq, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s,
                                 "SELECT (SELECT value FROM meta WHERE key = '" HEAD_KEY "'),"
                                 " (SELECT n FROM audit ORDER BY n DESC LIMIT 1),"
                                 " (SELECT mac FROM audit ORDER BY n DESC LIMIT 1),"
                                 " (SELECT n FROM sent_log ORDER BY n DESC LIMIT 1),"
                                 " (SELECT mac FROM sent_log ORDER BY n DESC LIMIT 1),"
                                 " (SELECT max(seq) FROM results),"
                                 " (SELECT value FROM meta WHERE key = 'last_seq')",
                                 &q, err);
    if (st)
        return st;
    for (int pass = 0; pass < 2; pass++) {
        int rc = sqlite3_step(q);
        if (rc != SQLITE_ROW) {
            st = sqi_db_sqlerr(s, rc, "reading the store", err);
            break;
        }
        bool ok = sqlite3_column_type(q, 0) == SQLITE_BLOB &&
                  head_decode(s, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), h);
        /* The logs end where the head says, or before it with the head
         * chained on from their last line (a cut on record). */
        const void *am = sqlite3_column_bytes(q, 2) == MAC_LEN ? sqlite3_column_blob(q, 2) : zeros;
        const void *sm = sqlite3_column_bytes(q, 4) == MAC_LEN ? sqlite3_column_blob(q, 4) : zeros;
        ok = ok && sqlite3_column_int64(q, 1) <= h->audit_n &&
             sqlite3_column_int64(q, 3) <= h->sent_n && memcmp(am, h->audit_mac, MAC_LEN) == 0 &&
             memcmp(sm, h->sent_mac, MAC_LEN) == 0 && sqlite3_column_int64(q, 5) <= h->last_seq &&
             sqlite3_column_int64(q, 6) == h->last_seq;
        *max_seq = sqlite3_column_int64(q, 5);
        sqlite3_reset(q);
        if (ok)
            break;
        if (pass == 1) {
            /* What the check rebuilt does not hold: rows beyond our
             * numbering. Write on from the rebuilt head; the check at
             * the next open reports what is left. */
            break;
        }
        if ((st = check(s, false, err)))
            break;
    }
    sqlite3_finalize(q);
    return st;
}

sq_status sqi_chain_audit_append(sq_store *s, const char *actor, const char *action,
                             const char *outcome, const char *detail, size_t detail_len,
                             sq_err *err)
{
    chain_head h;
    int64_t max_seq;
    sq_status st = head_for_write(s, &h, &max_seq, err);
    if (!st)
        st = audit_insert_at(s, &h, actor, action, outcome, detail, detail_len, err);
    if (!st)
        st = head_store(s, &h, err);
    return st;
}

sq_status sqi_chain_sent_append(sq_store *s, int64_t *seqs, size_t n, sq_err *err)
{
    if (n == 0)
        return SQ_OK;
    chain_head h;
    int64_t max_seq;
    sq_status st = head_for_write(s, &h, &max_seq, err);
    if (st)
        return st;
    if (h.sent_n >= INT64_MAX - 1)
        return sqi_seterr(err, SQ_ECORRUPT, "the sent log of %s has run out of numbers", s->path);
    qsort(seqs, n, sizeof *seqs, cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (seqs[i] > 0 && (k == 0 || seqs[i] != seqs[k - 1]))
            seqs[k++] = seqs[i];
    sq_buf b;
    sqi_buf_init(&b, 0);
    seqs_encode(&b, seqs, k);
    if (b.failed) {
        sqi_buf_free(&b);
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    }
    int64_t en = h.sent_n + 1, wall = sqi_db_wall_s(s);
    uint8_t mac[MAC_LEN];
    sent_mac(s, h.sent_mac, en, wall, b.p, b.len, mac);
    sqlite3_stmt *q;
    if (!(st = sqi_db_prepare(s, "INSERT INTO sent_log(n, wall, seqs, mac) VALUES (?, ?, ?, ?)", &q,
                             err))) {
        sqlite3_bind_int64(q, 1, en);
        sqlite3_bind_int64(q, 2, wall);
        sqlite3_bind_blob(q, 3, b.p, (int)b.len, SQLITE_STATIC);
        sqlite3_bind_blob(q, 4, mac, MAC_LEN, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            st = sqi_db_sqlerr(s, rc, "writing the sent log", err);
    }
    sqi_buf_free(&b);
    if (st)
        return st;
    h.sent_n = en;
    memcpy(h.sent_mac, mac, MAC_LEN);
    return head_store(s, &h, err);
}

sq_status sqi_chain_next_seq(sq_store *s, int64_t *seq, sq_err *err)
{
    chain_head h;
    int64_t max_seq = 0;
    sq_status st = head_for_write(s, &h, &max_seq, err);
    if (st)
        return st;
    /* Numbers taken by rows the station did not write (on record as
     * such) are passed over: a result must never fail to be stored. */
    int64_t last = max_seq > h.last_seq ? max_seq : h.last_seq;
    if (last >= INT64_MAX - 1)
        return sqi_seterr(err, SQ_ECORRUPT, "the results of %s have run out of numbers", s->path);
    *seq = last + 1;
    return SQ_OK;
}

sq_status sqi_chain_seq_used(sq_store *s, int64_t seq, sq_err *err)
{
    /* The head sqi_chain_next_seq checked in this transaction; the new row is
     * past its last_seq, which is what this moves. */
    sqlite3_stmt *q;
    chain_head h;
    sq_status st = sqi_db_prepare(s, "SELECT value FROM meta WHERE key = '" HEAD_KEY "'", &q, err);
    if (st)
        return st;
    int rc = sqlite3_step(q);
    bool ok = rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_BLOB &&
              head_decode(s, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), &h);
    sqlite3_finalize(q);
    if (!ok)
        return rc != SQLITE_ROW && rc != SQLITE_DONE
                   ? sqi_db_sqlerr(s, rc, "reading the store", err)
                   : sqi_seterr(err, SQ_ECORRUPT, "the chain head of %s went missing", s->path);
    h.last_seq = seq;
    if ((st = sqi_db_meta_put(s, "last_seq", NULL, 0, seq, err)))
        return st;
    return head_store(s, &h, err);
}

/* ---- schema 2 -> 3 ---- */

sq_status sqi_chain_upgrade(sq_store *s, bool existing, sq_err *err)
{
    /* The store as it is now is trusted: whatever was done to it before
     * this upgrade cannot be told apart any more. Its audit rows get their
     * MACs in their order, the results marked sent one sent-log entry,
     * and the head pins the lot. */
    chain_head h;
    memset(&h, 0, sizeof h);
    sqlite3_stmt *q = NULL, *u = NULL;
    sq_status st;
    int rc;
    int64_t audited = 0;
    if ((st = sqi_db_prepare(s,
                            "SELECT n, wall, mono_ms, actor, action, outcome, detail FROM audit"
                            " ORDER BY n",
                            &q, err)) ||
        (st = sqi_db_prepare(s, "UPDATE audit SET mac = ? WHERE n = ?", &u, err)))
        goto out;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        uint8_t mac[MAC_LEN];
        int64_t n = sqlite3_column_int64(q, 0);
        const char *detail = col_text(q, 6);
        audit_mac(s, h.audit_mac, n, sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2),
                  col_text(q, 3), col_text(q, 4), col_text(q, 5), detail,
                  (size_t)sqlite3_column_bytes(q, 6), mac);
        sqlite3_bind_blob(u, 1, mac, MAC_LEN, SQLITE_TRANSIENT);
        sqlite3_bind_int64(u, 2, n);
        int urc = sqlite3_step(u);
        sqlite3_reset(u);
        if (urc != SQLITE_DONE) {
            st = sqi_db_sqlerr(s, urc, "upgrading the store", err);
            goto out;
        }
        h.audit_n = n;
        memcpy(h.audit_mac, mac, MAC_LEN);
        audited++;
    }
    if (rc != SQLITE_DONE) {
        st = sqi_db_sqlerr(s, rc, "upgrading the store", err);
        goto out;
    }
    sqlite3_finalize(q);
    q = NULL;
    if ((st = sqi_db_meta_int(s, "last_seq", &h.last_seq, err)) || (st = head_store(s, &h, err)))
        goto out;
    i64_list sent = {0};
    if ((st = sqi_db_prepare(s, "SELECT seq FROM results WHERE sent_wall IS NOT NULL ORDER BY seq",
                            &q, err)))
        goto out;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        list_add(&sent, sqlite3_column_int64(q, 0));
    sqlite3_finalize(q);
    q = NULL;
    if (rc != SQLITE_DONE || sent.failed) {
        free(sent.v);
        st = rc != SQLITE_DONE ? sqi_db_sqlerr(s, rc, "upgrading the store", err)
                               : sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    st = sqi_chain_sent_append(s, sent.v, sent.n, err);
    size_t n_sent = sent.n;
    free(sent.v);
    if (st || !existing)
        goto out;
    char detail[200];
    snprintf(detail, sizeof detail,
             "store schema 2 -> 3: %lld audit line(s) and %zu sent mark(s) bound to the "
             "station's key as they were",
             (long long)audited, n_sent);
    st =
        sqi_chain_audit_append(s, ACTOR, "upgrade", sq_status_name(SQ_OK), detail, strlen(detail), err);
out:
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    return st;
}
