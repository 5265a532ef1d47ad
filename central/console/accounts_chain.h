/*
 * accounts_chain.h - the console's audit chain and its key (accounts.h),
 * what the SQLite engine (accounts.c, console.db) and the PostgreSQL
 * engine (accounts_pg.c, tables in central's database) share; defined in
 * accounts_chain.c. Nothing outside the accounts files includes this.
 *
 * The audit chain is the same on both engines (the MACs below), so a log
 * checks out whichever engine holds it; the audit key stays a file in
 * central's home (console.key) on both, never in the database: who can
 * write the tables but cannot read the key still cannot forge a line.
 */
#ifndef SYNAQ_CONSOLE_ACCOUNTS_CHAIN_H
#define SYNAQ_CONSOLE_ACCOUNTS_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <stddef.h>

#include <synaq/synaq.h>

#include "accounts_types.h"

#define ACCOUNTS_MAC_LEN 32
#define ACCOUNTS_KEY_LEN 32
/* The head's bytes: n (8, little-endian) || the last line's MAC || the
 * head's own MAC. */
#define ACCOUNTS_HEAD_LEN (8 + 2 * ACCOUNTS_MAC_LEN)

/* Line n's MAC: BLAKE2b-256 keyed with the audit key over "SQCAUD01" ||
 * prev (the MAC of line n-1, zeros before line 1) || n || the fields. */
void accounts_line_mac(const uint8_t *key, const uint8_t prev[ACCOUNTS_MAC_LEN], int64_t n,
                       const accounts_audit *l, uint8_t out[ACCOUNTS_MAC_LEN]);
/* The head's bytes for line n with MAC mac. */
void accounts_head_make(const uint8_t *key, int64_t n, const uint8_t mac[ACCOUNTS_MAC_LEN],
                        uint8_t out[ACCOUNTS_HEAD_LEN]);
/* Reads a head's bytes: SQ_OK with *n and mac when its MAC checks out
 * with the key; SQ_ECORRUPT (message in err) when not. */
sq_status accounts_head_read(const uint8_t *key, const uint8_t *v, size_t len, int64_t *n,
                             uint8_t mac[ACCOUNTS_MAC_LEN], sq_err *err) SQ_MUST_CHECK;
/* Loads the audit key at path into *key (sodium_malloc'd,
 * ACCOUNTS_KEY_LEN bytes; the caller sodium_frees it), making a new one
 * (0600) when create and the file is not there. SQ_EAUTH when it is
 * missing, SQ_ECORRUPT when it is not a key. */
sq_status accounts_key_load(uint8_t **key, const char *path, bool create,
                            sq_err *err) SQ_MUST_CHECK;

#endif
