/*
 * throttle.c - see throttle.h. A small table searched in full: logins
 * are rare, and a linear pass over a thousand slots is microseconds.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"

#define KEY_MAX 80

typedef struct {
    char key[KEY_MAX];
    int fails;
    int64_t last;  /* the last failure */
    int64_t until; /* no try before this */
} entry;

struct throttle {
    pthread_mutex_t mu;
    int free_fails;
    size_t n;
    entry *e;
};

int64_t throttle_policy_s(int fails, int free_fails)
{
    if (fails < free_fails)
        return 0;
    int64_t w = THROTTLE_FIRST_WAIT_S;
    for (int i = free_fails; i < fails && w < THROTTLE_MAX_WAIT_S; i++)
        w *= 2;
    return w < THROTTLE_MAX_WAIT_S ? w : THROTTLE_MAX_WAIT_S;
}

throttle *throttle_new(size_t slots, int free_fails)
{
    throttle *t = calloc(1, sizeof *t);
    if (!t || !(t->e = calloc(slots, sizeof *t->e))) {
        free(t);
        return NULL;
    }
    t->n = slots;
    t->free_fails = free_fails;
    pthread_mutex_init(&t->mu, NULL);
    return t;
}

void throttle_free(throttle *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t->e);
    free(t);
}

/* The key's entry, or NULL; a forgotten one is cleared on the way. */
static entry *find(throttle *t, const char *key, int64_t now)
{
    for (size_t i = 0; i < t->n; i++) {
        entry *e = &t->e[i];
        if (e->key[0] && strncmp(e->key, key, KEY_MAX - 1) == 0) {
            if (now - e->last > THROTTLE_FORGET_S && now >= e->until) {
                memset(e, 0, sizeof *e);
                return NULL;
            }
            return e;
        }
    }
    return NULL;
}

int64_t throttle_wait(throttle *t, const char *key, int64_t now)
{
    pthread_mutex_lock(&t->mu);
    entry *e = find(t, key, now);
    int64_t w = e && e->until > now ? e->until - now : 0;
    pthread_mutex_unlock(&t->mu);
    return w;
}

int64_t throttle_fail(throttle *t, const char *key, int64_t now)
{
    pthread_mutex_lock(&t->mu);
    entry *e = find(t, key, now);
    if (!e) {
        /* A free slot, or the one whose last failure is oldest. */
        e = &t->e[0];
        for (size_t i = 0; i < t->n; i++) {
            if (!t->e[i].key[0]) {
                e = &t->e[i];
                break;
            }
            if (t->e[i].last < e->last)
                e = &t->e[i];
        }
        memset(e, 0, sizeof *e);
        size_t len = strlen(key);
        if (len > KEY_MAX - 1)
            len = KEY_MAX - 1;
        memcpy(e->key, key, len);
        if (!e->key[0])
            e->key[0] = '?';
    }
    e->fails++;
    e->last = now;
    int64_t w = throttle_policy_s(e->fails, t->free_fails);
    e->until = now + w;
    pthread_mutex_unlock(&t->mu);
    return w;
}

void throttle_clear(throttle *t, const char *key)
{
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n; i++)
        if (t->e[i].key[0] && strncmp(t->e[i].key, key, KEY_MAX - 1) == 0)
            memset(&t->e[i], 0, sizeof t->e[i]);
    pthread_mutex_unlock(&t->mu);
}
