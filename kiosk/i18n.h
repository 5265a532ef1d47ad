/*
 * i18n.h - the kiosk's message catalogues (assets/i18n/{kk,ru,en}.json):
 * flat JSON objects of key -> text, with {placeholders}.
 */
#ifndef SYNAQ_KIOSK_I18N_H
#define SYNAQ_KIOSK_I18N_H

#include <stddef.h>
#include <stdint.h>

enum { LANG_KK = 0, LANG_RU = 1, LANG_EN = 2, N_LANGS = 3 };

typedef struct i18n i18n;

/* Loads the three catalogues from dir. Caller owns *out (i18n_free). A
 * missing catalogue is an error (the message says which). */
int i18n_load(const char *dir, i18n **out, char *err, size_t err_len);
void i18n_free(i18n *t);
/* The text of key in lang: English when lang lacks it, the key itself when
 * no catalogue has it. Borrowed from t. */
const char *i18n_get(const i18n *t, int lang, const char *key);
/* Fills placeholders: pairs of name and value, ended by NULL.
 * Writes into out (always NUL-terminated) and returns out. */
char *i18n_fmt(const i18n *t, int lang, const char *key, char *out, size_t out_len, ...);
/* The distinct code points the texts of all three catalogues use (not
 * counting spaces), in order, into out (up to max); returns how many. */
int i18n_codepoints(const i18n *t, uint32_t *out, int max);
/* "kk", "ru", "en". */
const char *i18n_code(int lang);

#endif
