/*
 * i18n.c - see i18n.h. Catalogues are read once at start.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <jansson.h>

#include "i18n.h"

struct i18n {
    json_t *cat[N_LANGS];
};

static const char *const codes[N_LANGS] = {"kk", "ru", "en"};

const char *i18n_code(int lang)
{
    return lang >= 0 && lang < N_LANGS ? codes[lang] : "en";
}

int i18n_load(const char *dir, i18n **out, char *err, size_t err_len)
{
    i18n *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (int l = 0; l < N_LANGS; l++) {
        char path[4096];
        json_error_t je;
        snprintf(path, sizeof path, "%s/%s.json", dir, codes[l]);
        t->cat[l] = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(t->cat[l])) {
            snprintf(err, err_len, "message catalogue %s: %s (line %d)", path,
                     t->cat[l] ? "not an object" : je.text, je.line);
            i18n_free(t);
            return -1;
        }
    }
    *out = t;
    return 0;
}

void i18n_free(i18n *t)
{
    if (!t)
        return;
    for (int l = 0; l < N_LANGS; l++)
        json_decref(t->cat[l]);
    free(t);
}

const char *i18n_get(const i18n *t, int lang, const char *key)
{
    if (!t)
        return key;
    const char *s = json_string_value(json_object_get(t->cat[lang >= 0 && lang < N_LANGS ? lang : LANG_EN], key));
    if (!s)
        s = json_string_value(json_object_get(t->cat[LANG_EN], key));
    return s ? s : key;
}

char *i18n_fmt(const i18n *t, int lang, const char *key, char *out, size_t out_len, ...)
{
    const char *tmpl = i18n_get(t, lang, key);
    size_t o = 0;
    out[0] = 0;
    for (const char *p = tmpl; *p && o + 1 < out_len;) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            if (end) {
                va_list ap;
                va_start(ap, out_len);
                const char *name, *val = NULL;
                while ((name = va_arg(ap, const char *))) {
                    const char *v = va_arg(ap, const char *);
                    if (strlen(name) == (size_t)(end - p - 1) && !strncmp(name, p + 1, (size_t)(end - p - 1)))
                        val = v;
                }
                va_end(ap);
                if (val) {
                    int n = snprintf(out + o, out_len - o, "%s", val);
                    o = n < 0 ? o : o + (size_t)n >= out_len ? out_len - 1 : o + (size_t)n;
                    p = end + 1;
                    continue;
                }
            }
        }
        out[o++] = *p++;
    }
    out[o] = 0;
    return out;
}

static int cp_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

int i18n_codepoints(const i18n *t, uint32_t *out, int max)
{
    int n = 0;
    if (!t)
        return 0;
    for (int l = 0; l < N_LANGS; l++) {
        const char *key;
        json_t *v;
        json_object_foreach(t->cat[l], key, v)
        {
            const unsigned char *p = (const unsigned char *)json_string_value(v);
            while (p && *p) {
                /* jansson checked the UTF-8 already. */
                uint32_t cp = *p;
                int len = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
                if (len > 1)
                    cp &= 0x3f >> (len - 1);
                for (int i = 1; i < len && p[i]; i++)
                    cp = cp << 6 | (p[i] & 0x3f);
                p += len;
                if (cp <= ' ')
                    continue;
                bool seen = false;
                for (int i = 0; i < n && !seen; i++)
                    seen = out[i] == cp;
                if (!seen && n < max)
                    out[n++] = cp;
            }
        }
    }
    qsort(out, (size_t)n, sizeof *out, cp_cmp);
    return n;
}
