/*
 * internal.h - libsynaq's private helpers, shared by its .c files and the
 * unit tests and fuzzers. Not installed, not for the tools.
 */
#ifndef SYNAQ_INTERNAL_H
#define SYNAQ_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <jansson.h>
#include "synaq/synaq.h"
#include "synaq/examset.h"

/* Fills err (when non-NULL) and returns st. printf-style. */
sq_status sq_seterr(sq_err *err, sq_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to an existing message. Returns err->code. */
sq_status sq_prefixerr(sq_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- files (file.c) --- */

/* Reads a whole file of at most max_len bytes. Caller owns *buf (free()).
 * SQ_EIO (missing, unreadable, a folder), SQ_ETOOBIG above max_len. */
sq_status file_read(const char *path, size_t max_len, uint8_t **buf, size_t *len, sq_err *err);
/* Writes buf to path atomically: temp name in the same folder, fsync,
 * rename, fsync of the folder. mode for the new file. With no_clobber it
 * refuses (SQ_EEXIST) if path exists. */
sq_status file_write_atomic(const char *path, const uint8_t *buf, size_t len, int mode,
                            bool no_clobber, sq_err *err);

/* --- growable buffer with a hard cap, and a bounds-checked reader (codec.c) --- */

typedef struct {
    uint8_t *p;
    size_t len, cap, max; /* max: hard upper bound; 0 means 64 MiB */
    bool failed;          /* an append hit the bound or out of memory */
} sq_buf;

void buf_init(sq_buf *b, size_t max);
void buf_free(sq_buf *b);
void buf_put(sq_buf *b, const void *p, size_t n);
void buf_u8(sq_buf *b, uint8_t v);
void buf_u32(sq_buf *b, uint32_t v); /* little-endian */
void buf_u64(sq_buf *b, uint64_t v); /* little-endian */
void buf_varint(sq_buf *b, uint64_t v);
void buf_svarint(sq_buf *b, int64_t v); /* zigzag */
void buf_str(sq_buf *b, const char *s); /* varint length, bytes */
void buf_bytes(sq_buf *b, const void *p, size_t n); /* varint length, bytes */

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    bool failed; /* a read ran past the end or met a malformed value */
} sq_rd;

void rd_init(sq_rd *r, const uint8_t *p, size_t len);
uint8_t rd_u8(sq_rd *r);
uint32_t rd_u32(sq_rd *r);
uint64_t rd_u64(sq_rd *r);
uint64_t rd_varint(sq_rd *r);
int64_t rd_svarint(sq_rd *r);
/* A varint that must fit in 63 bits (failed otherwise). */
int64_t rd_i63(sq_rd *r);
/* Borrowed pointer to n bytes, or NULL (and failed) past the end. */
const uint8_t *rd_take(sq_rd *r, size_t n);
/* A length-prefixed byte string of at most max bytes, borrowed. */
const uint8_t *rd_bytes(sq_rd *r, size_t max, size_t *n);
/* A length-prefixed string of at most max bytes copied NUL-terminated into
 * out (which holds max + 1); fails on embedded NUL or bad UTF-8. */
bool rd_str(sq_rd *r, char *out, size_t max);
/* The same, malloc'ed (NULL on failure). */
char *rd_strdup(sq_rd *r, size_t max);

/* Hex helpers. out holds 2 * n + 1. */
void hex_encode(const uint8_t *p, size_t n, char *out);

/* --- zlib (codec.c) --- */

/* Compresses in into a new buffer. Caller owns *out (free()). */
sq_status z_deflate(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len, sq_err *err);
/* Inflates exactly expect_len bytes (at most max_len), refusing anything
 * else: a bomb stops at the bound. Caller owns *out (free()). */
sq_status z_inflate(const uint8_t *in, size_t len, size_t expect_len, size_t max_len,
                    uint8_t **out, sq_err *err);

/* --- exams: sources and the canonical document (source.c, exam.c) --- */

/*
 * The canonical exam document (JSON, the bundle payload's "exams" array):
 * {
 *   "id": "election-basics", "version": 3,
 *   "title": {"kk": "...", "ru": "...", "en": "..."},
 *   "description": {...}                        (optional)
 *   "time_limit_s": 1800, "pass_percent": 70, "attempts": 2,
 *   "show_score": true, "shuffle_items": true, "shuffle_options": true,
 *   "topics": [{"id": "law", "title": {...}}],  (possibly empty)
 *   "blueprint": [{"topic": "law", "count": 5}], (empty: every item)
 *   "items": [{
 *      "id": "q01", "type": "single" | "multiple" | "truefalse",
 *      "topic": "law" or null, "points": 1,
 *      "scoring": "all" | "partial",            (multiple only)
 *      "fixed_order": true,                      (truefalse: never shuffled)
 *      "text": {...},
 *      "image": {"name": "q01.png", "mime": "image/png", "data": "<base64>"} (optional)
 *      "options": [{"text": {...}, "correct": true}, ...]
 *   }],
 *   "roster": [{"id": "...", "name": "...", "district": "..."}]  (possibly empty)
 * }
 * A text map has at least one of kk, ru, en, each a non-empty string.
 */

/* Lines of a source, for messages: pairs of a node and its line. */
typedef struct exam_linemap exam_linemap;
/* A new empty map (NULL when out of memory); free with exam_linemap_free. */
exam_linemap *exam_linemap_new(void);
/* Records node's line (strings, integers, objects and arrays only: true,
 * false and null are shared singletons). */
void exam_linemap_add(exam_linemap *lm, const json_t *node, int line);
/* Whether an entry could not be recorded (out of memory). */
bool exam_linemap_failed(const exam_linemap *lm);
int exam_linemap_line(const exam_linemap *lm, const json_t *node); /* 0: unknown */
void exam_linemap_free(exam_linemap *lm);

/* Parses the YAML source at path into the canonical document and checks it
 * with exam_check. Caller owns *out (json_decref). Messages: "PATH:LINE: what". */
sq_status exam_source_load(const char *path, json_t **out, sq_err *err);
/* The same from memory; base_dir is where images and roster files are
 * looked for (NULL: none may be named). name is used in messages. */
sq_status exam_source_parse(const char *name, const char *yaml, size_t len, const char *base_dir,
                            json_t **out, sq_err *err);

/* Checks a canonical document with every rule of assets/README.md.
 * lm and file (both may be NULL) turn nodes into "FILE:LINE: " prefixes;
 * without them messages say "exam 'ID': item 'q07': ...". */
sq_status exam_check(const json_t *exam, const exam_linemap *lm, const char *file, sq_err *err);

/* The exams of a set, as a JSON array (borrowed). */
const json_t *exam_set_json(const sq_exam_set *set);

/* Language index of "kk", "ru", "en"; -1 otherwise. */
int lang_index(const char *code);
extern const char *const lang_codes[SQ_NLANGS];

/* --- keys (keys.c): secrets the rest of the library needs --- */
#include "synaq/keys.h"
const uint8_t *station_keys_sign_sk(const sq_station_keys *k);   /* 64 bytes */
const uint8_t *station_keys_box_pk(const sq_station_keys *k);    /* 32 bytes */
const uint8_t *station_keys_box_sk(const sq_station_keys *k);    /* 32 bytes */
const uint8_t *station_keys_storage_key(const sq_station_keys *k); /* 32 bytes */
/* Buffer forms of the key calls, for files read from a stick (usb.c);
 * name is the file's name in messages. */
sq_status central_pub_parse(const uint8_t *buf, size_t len, const char *name, uint8_t sign_pk[32],
                            uint8_t results_pk[32], sq_err *err);
sq_status central_enroll_buf(const sq_central_keys *k, const uint8_t *req, size_t req_len,
                             const char *name, const char *station_id, const char *district,
                             const char *cert_path, sq_cert *cert, sq_err *err);
sq_status station_keys_create_for(const char *path, const uint8_t central_sign_pk[32],
                                  const uint8_t central_results_pk[32], const char *passphrase,
                                  sq_err *err);
sq_status station_keys_enroll_buf(sq_station_keys *k, const uint8_t *buf, size_t len,
                                  const char *name, sq_err *err);
/* Delegations (keys.c): central's signing key vouching for another key,
 * for one purpose only (today: signing acknowledgements). */
#define SQ_DELEGATION_MAX 160
enum { DELEG_ACK = 1 };
/* Checks a delegation against central's signing key and its purpose;
 * fills pk (32) with the key it vouches for. SQ_EAUTH when forged. */
sq_status delegation_check(const uint8_t *d, size_t len, const uint8_t central_sign_pk[32],
                           int purpose, uint8_t pk[32], sq_err *err);
/* How k signs acknowledgements: with the ack key and its delegation when
 * loaded, else with the signing key itself (*deleg_len 0). SQ_ESTATE when
 * neither is loaded. Everything borrowed from k. */
sq_status central_ack_signer(const sq_central_keys *k, const uint8_t **sk, const uint8_t **deleg,
                             size_t *deleg_len, sq_err *err);
/* Encodes / decodes the certificate wire format (keys.c). */
sq_status cert_decode(const uint8_t *buf, size_t len, const uint8_t *central_pk, sq_cert *out,
                      sq_err *err);

/* --- bundles (bundle.c) --- */

/* What a bundle header says, after its signature checked out. */
typedef struct {
    char bundle_id[80];
    int64_t created_wall_s;
    size_t n_exams;
    struct { char id[64]; int64_t version; } exams[64];
} bundle_header;

/* Checks the signature of central_pk over buf, then the header, then that
 * station_id is a recipient, opens the content key with the box keys,
 * decrypts, inflates (bounded) and parses the payload; every exam in it is
 * checked with exam_check. Caller owns *exams (a JSON array). */
sq_status bundle_open(const uint8_t *buf, size_t len, const uint8_t central_pk[32],
                      const char *station_id, const uint8_t box_pk[32], const uint8_t box_sk[32],
                      bundle_header *hdr, json_t **exams, sq_err *err);
/* The steps after the signature, for the fuzzers: parses the header of a
 * (signature-stripped) bundle. */
sq_status bundle_parse_header(const uint8_t *buf, size_t len, bundle_header *hdr,
                              size_t *header_len, sq_err *err);
/* Parses and checks a decrypted, inflated payload. */
sq_status bundle_payload_decode(const uint8_t *plain, size_t len, json_t **exams, sq_err *err);

/* --- the store's insides (store.c), shared with attempt.c and result.c --- */
#include <sqlite3.h>
#include "synaq/chain.h"
#include "synaq/store.h"

struct sq_store {
    sqlite3 *db;
    char path[4096];
    int lock_fd;                 /* "<path>-lock", flock()ed around every write */
    int in_tx;
    const sq_station_keys *keys;
    const sq_clock *clock;
    char station_id[SQ_STATION_ID_MAX + 1];
    /* The keys derived from the storage key, 32 bytes each, in one block
     * of guarded memory (sodium_malloc: locked, left out of core files,
     * wiped when freed), never in the handle itself. */
    uint8_t *secrets;
    uint8_t *field_key;          /* AEAD key of sealed columns */
    uint8_t *hash_key;           /* key of trainee look-up hashes */
    uint8_t *mac_key;            /* key of the MAC chains (chain.c) */
    sq_integrity_report integrity; /* the last check's */
};

/* Begins a write transaction under the cross-process lock. */
sq_status store_begin(sq_store *s, sq_err *err);
/* Commits (or on st != SQ_OK rolls back) and releases the lock. Returns
 * st, or the commit's failure. */
sq_status store_end(sq_store *s, sq_status st, sq_err *err);
/* Maps the connection's last SQLite error to a status and message. */
sq_status store_sqlerr(sq_store *s, int rc, const char *what, sq_err *err);
/* Steps a statement that returns no row and finalizes it; what names it
 * in a message. */
sq_status store_step_done(sq_store *s, sqlite3_stmt *q, const char *what, sq_err *err);
/* Prepares sql; on failure fills err. */
sq_status store_prepare(sq_store *s, const char *sql, sqlite3_stmt **st, sq_err *err);

/* The row key of a sealed field, its row's identity (in the associated
 * data, so ciphertexts cannot move between rows): exams.meta by (exam,
 * version); items.body and images.data by (exam, version, index);
 * roster.person by (exam, version, trainee hash); answers.value by
 * (attempt, position); attempts.* and meta.value by the attempt's hex id
 * and the key. out holds STORE_ROWKEY bytes. */
#define STORE_ROWKEY 200
void rowkey_exam(char out[STORE_ROWKEY], const char *exam_id, int64_t version);
void rowkey_item(char out[STORE_ROWKEY], const char *exam_id, int64_t version, int64_t idx);
void rowkey_person(char out[STORE_ROWKEY], const char *exam_id, int64_t version,
                   const uint8_t trainee_hash[32]);
void rowkey_answer(char out[STORE_ROWKEY], const char *attempt_hex, int pos);

/* Seals plain for (table, column, row key) into a new buffer nonce|ct.
 * Caller owns *out (free()). */
sq_status store_seal(const sq_store *s, const char *table, const char *column, const char *rowkey,
                     const void *plain, size_t len, uint8_t **out, size_t *out_len, sq_err *err);
/* Opens such a buffer; SQ_ECORRUPT if it does not belong to that row.
 * Caller owns *out (free()); *out is NUL-terminated beyond len. */
sq_status store_open_field(const sq_store *s, const char *table, const char *column,
                           const char *rowkey, const void *sealed, size_t len, uint8_t **out,
                           size_t *out_len, sq_err *err);
/* The integer in meta under key; 0 when there is none. */
sq_status store_meta_int(sq_store *s, const char *key, int64_t *v, sq_err *err);
/* Sets meta's key to blob (len bytes), or to the integer value when blob
 * is NULL. The caller holds the write transaction. */
sq_status store_meta_put(sq_store *s, const char *key, const void *blob, size_t len,
                         int64_t value, sq_err *err);
/* Keyed hash of a trainee id (32 bytes). */
void store_trainee_hash(const sq_store *s, const char *trainee_id, uint8_t out[32]);

int64_t store_mono_ms(const sq_store *s);
int64_t store_wall_s(const sq_store *s);

/* --- the MAC chains (chain.c): all but chain_check inside the caller's
 * write transaction --- */
/* Checks the records (at open); a new finding goes on record. */
sq_status chain_check(sq_store *s, sq_err *err);
/* Appends a chained line to the audit log (detail: detail_len bytes). */
sq_status chain_audit_append(sq_store *s, const char *actor, const char *action,
                             const char *outcome, const char *detail, size_t detail_len,
                             sq_err *err);
/* Appends an entry naming the results just marked sent; sorts seqs. */
sq_status chain_sent_append(sq_store *s, int64_t *seqs, size_t n, sq_err *err);
/* The number of the next result, and, once it is stored, the head and
 * meta's last_seq moved to it. */
sq_status chain_next_seq(sq_store *s, int64_t *seq, sq_err *err);
sq_status chain_seq_used(sq_store *s, int64_t seq, sq_err *err);
/* Schema 2 -> 3: MACs for what an older store holds (existing: it held
 * data; an "upgrade" line goes into the audit log). */
sq_status chain_upgrade(sq_store *s, bool existing, sq_err *err);

/* --- the catalogue (catalog.c), for attempt.c --- */
#include "synaq/catalog.h"
#include "synaq/chain.h"
#include "synaq/import.h"
/* A trainee id as a station accepts one: 1..64 bytes, no control characters. */
bool catalog_trainee_id_ok(const char *id);
/* The exam at row (exam_id, version: its identity), without its items and
 * roster (opened). Caller owns *out (json_decref). */
sq_status catalog_exam_meta(sq_store *s, sqlite3_int64 row, const char *exam_id, int64_t version,
                            json_t **out, sq_err *err);
/* The active version of exam_id: its row, version and roster size. */
sq_status catalog_find_exam(sq_store *s, const char *exam_id, sqlite3_int64 *row,
                            int64_t *version, int *n_roster, sq_err *err);
/* The trainee's name on the roster of the exam at row (SQ_ENOTFOUND: not
 * on it). */
sq_status catalog_roster_find(sq_store *s, sqlite3_int64 row, const char *exam_id,
                              int64_t version, const char *trainee_id, char *name, size_t name_len,
                              sq_err *err);
/* Attempts the trainee (by keyed hash h) used at exam_id, and whether one
 * is open. */
sq_status catalog_attempts_used(sq_store *s, const uint8_t h[32], const char *exam_id, int *used,
                                int *open, sq_err *err);

/* --- results (result.c) --- */
#include "synaq/result.h"
/* Serialises r (format 1). */
void result_encode(const sq_result *r, sq_buf *b);
/* Sign, then seal: r serialised, signed with the station's key and sealed
 * to central's results key. Caller owns *out (free()). SQ_ETOOBIG above
 * SQ_RESULT_MAX. */
sq_status result_seal(const sq_result *r, const uint8_t station_sign_sk[64],
                      const uint8_t central_results_pk[32], uint8_t **out, size_t *out_len,
                      sq_err *err);
/* --- batches (batch.c) --- */
#include "synaq/batch.h"
/* Notes that these pending results went out on a stick (usb.c); seqs are
 * the numbers they went out under. */
sq_status batch_mark_exported(sq_store *s, const int64_t *seqs, size_t n, sq_err *err);

/* --- a stick's file system (stickfs.c), for usb.c --- */
#include "synaq/usb.h"
/* Files on sticks are read this many bytes at a time, with a progress
 * report after each; tests make it small, to pull the stick out from
 * the progress callback between two reads. */
extern size_t stickfs_read_chunk;
/* Copies s into out (cap bytes, at least 6) as printable UTF-8: control
 * characters (C0, C1) and bytes that are not well-formed UTF-8 become '?'. */
void stickfs_printable(const char *s, char *out, size_t cap);
/* An errno as a status, and a hint for a message (" (the stick is full)"). */
sq_status stickfs_errno_status(int e);
const char *stickfs_errno_hint(int e);
/* The stick's folder, opened (a descriptor; -1 with err filled). */
int stickfs_open_stick(const char *stick, sq_err *err);
/* The folder name under parent, never through a symbolic link; with
 * create, made first when missing (and parent synced). shown names it in
 * messages. */
sq_status stickfs_open_dir(int parent, const char *name, const char *shown, bool create, int *fd,
                           sq_err *err);
/* The folder rel ("a/b/c") under root, one name at a time, never through
 * a link; bad (may be NULL) gets the part that failed. */
sq_status stickfs_open_path_at(int root, const char *rel, bool create, int *fd, char *bad,
                               size_t bad_cap, sq_err *err);
sq_status stickfs_open_path(int root, const char *rel, bool create, int *fd, sq_err *err);
/* The names in dfd ending in suffix, sorted; caller frees them
 * (stickfs_free_names). */
sq_status stickfs_list_names(int dfd, const char *suffix, char ***out, size_t *n, sq_err *err);
void stickfs_free_names(char **names, size_t n);
/* What reading a file from a stick reports on the way. */
typedef struct {
    const sq_progress *pr;
    int64_t base, total;   /* this file starts at base of total */
    int64_t size;          /* its size when listed: never reported past it */
} read_progress;
/* Reads the regular file name in dfd (shown in messages) of at most max
 * bytes, starting with magic (NULL: anything), what naming its kind. SQ_EIO
 * when the file went away or changed while it was read (a stick pulled
 * out); SQ_EINVAL for a link, a non-file or a file that is not what magic
 * says; SQ_ETOOBIG above max. rp may be NULL. Caller owns *buf (free()). */
sq_status stickfs_read_at(int dfd, const char *name, const char *shown, size_t max,
                          const char *magic, const char *what, const read_progress *rp,
                          uint8_t **buf, size_t *len, sq_err *err);
/* Writes name in dfd durably (temp name, fsync, rename), never through a
 * link. */
sq_status stickfs_write_at(int dfd, const char *name, const char *shown, const void *buf,
                           size_t len, sq_err *err);
sq_status stickfs_sync_dir(int dfd, const char *shown, sq_err *err);
/* Whether name in dfd holds exactly buf. */
bool stickfs_same_at(int dfd, const char *name, const void *buf, size_t len);
/* The sticks under the roots (see sq_usb_find). */
sq_status stickfs_find(const char *roots, sq_usb_stick *out, size_t max, size_t *n, sq_err *err);

#endif
