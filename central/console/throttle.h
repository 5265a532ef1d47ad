/*
 * throttle.h - growing waits after failed logins, one table per kind of
 * key (an account name, a client address). The policy is the kiosk PIN's
 * (README: "after three wrong PINs each further try waits twice as long
 * as the last, 15 s, 30 s, ... up to an hour"), with the number of free
 * failures a parameter: an office's staff share one address behind NAT.
 *
 * No clock is read here: every call takes now (seconds), so tests drive
 * time. The table is bounded (slots); when full, the entry whose last
 * failure is oldest makes room. A key forgets its failures a day after
 * the last one. Thread-safe (a mutex).
 */
#ifndef SYNAQ_CENTRAL_THROTTLE_H
#define SYNAQ_CENTRAL_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct throttle throttle;

#define THROTTLE_FIRST_WAIT_S 15
#define THROTTLE_MAX_WAIT_S 3600
#define THROTTLE_FORGET_S 86400

/* The wait after the fails-th failure in a row: 0 below free_fails, 15 s
 * at the free_fails-th, doubling with each further one, at most an hour.
 * (The console: 3 for an account, as the kiosk's PIN; 10 for an address.) */
int64_t throttle_policy_s(int fails, int free_fails);

/* A table of slots keys. NULL when out of memory. Free with
 * throttle_free (NULL is a no-op). */
throttle *throttle_new(size_t slots, int free_fails);
void throttle_free(throttle *t);
/* Seconds key must still wait before its next try (0: it may try now). */
int64_t throttle_wait(throttle *t, const char *key, int64_t now);
/* Counts a failure of key; returns the wait it now has. */
int64_t throttle_fail(throttle *t, const char *key, int64_t now);
/* Forgets key's failures (a login that succeeded). */
void throttle_clear(throttle *t, const char *key);

#endif
