/*
 * keyboard.c - see keyboard.h. Rows are written as space-separated keys,
 * so a layout reads like the keyboard it draws.
 */
#include <stdio.h>
#include <string.h>

#include "keyboard.h"

static const char *const rows_kk[] = {
    "Ә І Ң Ғ Ү Ұ Қ Ө Һ",
    "Й Ц У К Е Н Г Ш Щ З Х",
    "Ф Ы В А П Р О Л Д Ж Э",
    "Я Ч С М И Т Ь Б Ю Ъ Ё",
};
static const char *const rows_ru[] = {
    "Й Ц У К Е Н Г Ш Щ З Х",
    "Ф Ы В А П Р О Л Д Ж Э",
    "Я Ч С М И Т Ь Б Ю Ъ Ё",
};
static const char *const rows_en[] = {
    "Q W E R T Y U I O P",
    "A S D F G H J K L -",
    "Z X C V B N M . '",
};
static const char *const rows_digits[] = {
    "1 2 3",
    "4 5 6",
    "7 8 9",
    "- 0 /",
};

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

void kbd_backspace(char *buf)
{
    size_t n = strlen(buf);
    while (n > 0) {
        n--;
        if (((unsigned char)buf[n] & 0xc0) != 0x80)
            break;
    }
    buf[n] = 0;
}

bool kbd_append(char *buf, size_t cap, size_t max_chars, const char *s)
{
    size_t n = strlen(buf), add = strlen(s);
    if (n + add + 1 > cap || utf8_chars(buf) + utf8_chars(s) > max_chars)
        return false;
    memcpy(buf + n, s, add + 1);
    return true;
}

kbd_layout kbd_for_lang(int lang)
{
    return lang == LANG_KK ? KBD_KK : lang == LANG_RU ? KBD_RU : KBD_EN;
}

/* The small letter of a capital one on the keys (Latin, Russian and
 * Kazakh Cyrillic), as UTF-8 into out; other keys stay as they are. */
static void to_lower(const char *key, char *out, size_t cap)
{
    unsigned char c0 = (unsigned char)key[0];
    if (c0 >= 'A' && c0 <= 'Z' && !key[1]) {
        snprintf(out, cap, "%c", c0 + 32);
        return;
    }
    unsigned cp = 0;
    if ((c0 & 0xe0) == 0xc0 && key[1] && !key[2])
        cp = ((c0 & 0x1fu) << 6) | ((unsigned char)key[1] & 0x3fu);
    static const unsigned pairs[][2] = {
        {0x0401, 0x0451}, {0x0406, 0x0456}, {0x04D8, 0x04D9}, {0x0492, 0x0493}, {0x049A, 0x049B},
        {0x04A2, 0x04A3}, {0x04E8, 0x04E9}, {0x04B0, 0x04B1}, {0x04AE, 0x04AF}, {0x04BA, 0x04BB}};
    unsigned lo = 0;
    if (cp >= 0x0410 && cp <= 0x042F)
        lo = cp + 0x20;
    for (size_t i = 0; !lo && cp && i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i][0] == cp)
            lo = pairs[i][1];
    if (!lo) {
        snprintf(out, cap, "%s", key);
        return;
    }
    snprintf(out, cap, "%c%c", (char)(0xc0 | (lo >> 6)), (char)(0x80 | (lo & 0x3f)));
}

/* One row of keys across r; returns true if one was tapped (its text in
 * tapped). lower: the small letters are on the keys. */
static bool key_row(ui *u, ui_rect r, const char *row, bool lower, char *tapped, size_t cap)
{
    int n = 1;
    for (const char *p = row; *p; p++)
        n += *p == ' ';
    int kw = r.w / n;
    bool hit = false;
    const char *p = row;
    for (int i = 0; i < n; i++) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char label[16], name[32], cap_label[16];
        snprintf(cap_label, sizeof cap_label, "%.*s", (int)len, p);
        if (lower)
            to_lower(cap_label, label, sizeof label);
        else
            snprintf(label, sizeof label, "%s", cap_label);
        snprintf(name, sizeof name, "key:%s", label);
        if (ui_button(u, name, ui_r(r.x + i * kw + 2, r.y + 2, kw - 4, r.h - 4), label,
                      BTN_NORMAL)) {
            snprintf(tapped, cap, "%s", label);
            hit = true;
        }
        p = e ? e + 1 : p + len;
    }
    return hit;
}

bool kbd_run(ui *u, const i18n *t, int lang, ui_rect r, kbd_layout *layout, char *buf,
             size_t cap, size_t max_chars)
{
    return kbd_run_cased(u, t, lang, r, layout, NULL, buf, cap, max_chars);
}

bool kbd_run_cased(ui *u, const i18n *t, int lang, ui_rect r, kbd_layout *layout, bool *lower,
                   char *buf, size_t cap, size_t max_chars)
{
    const char *const *rows;
    int n_rows;
    switch (*layout) {
    case KBD_KK: rows = rows_kk; n_rows = 4; break;
    case KBD_RU: rows = rows_ru; n_rows = 3; break;
    case KBD_EN: rows = rows_en; n_rows = 3; break;
    default: rows = rows_digits; n_rows = 4; break;
    }
    ui_fill(u, r, u->th.panel);
    int rh = r.h / (n_rows + 1);
    bool changed = false;
    char tapped[16];
    /* Digits are few: keep them a sensible width in the middle. */
    ui_rect keys = r;
    if (*layout == KBD_DIGITS && r.w > rh * 6) {
        keys.w = rh * 6;
        keys.x = r.x + (r.w - keys.w) / 2;
    }
    for (int i = 0; i < n_rows; i++)
        if (key_row(u, ui_r(keys.x, r.y + i * rh, keys.w, rh), rows[i], lower && *lower, tapped,
                    sizeof tapped))
            changed |= kbd_append(buf, cap, max_chars, tapped);
    /* Bottom row: layouts, (the case,) space, backspace, clear. */
    int y = r.y + n_rows * rh, w = r.w / 8;
    int space_x = r.x + 4 * w, space_w = 2 * w;
    if (lower) {
        space_x += w;
        space_w -= w;
        if (ui_button(u, "kbd:case", ui_r(r.x + 4 * w + 2, y + 2, w - 4, rh - 4),
                      *lower ? "ABC" : "abc", BTN_NORMAL)) {
            *lower = !*lower;
            changed = true;
        }
    }
    static const char *const names[] = {"kbd:kk", "kbd:ru", "kbd:en", "kbd:123"};
    static const char *const labels[] = {"kbd.layout_kk", "kbd.layout_ru", "kbd.layout_en",
                                         "kbd.layout_digits"};
    for (int i = 0; i < 4; i++)
        if (ui_button(u, names[i], ui_r(r.x + i * w + 2, y + 2, w - 4, rh - 4),
                      i18n_get(t, lang, labels[i]),
                      (int)*layout == i ? BTN_SELECTED : BTN_NORMAL)) {
            *layout = (kbd_layout)i;
            changed = true;
        }
    if (ui_button(u, "key:space", ui_r(space_x + 2, y + 2, space_w - 4, rh - 4),
                  i18n_get(t, lang, "kbd.space"), BTN_NORMAL))
        changed |= buf[0] && kbd_append(buf, cap, max_chars, " ");
    /* Backspace is one glyph: it gives a quarter of its eighth to "clear",
     * a word, which on a 600 px portrait screen needs it. */
    int wb = w * 3 / 4;
    if (ui_button(u, "key:backspace", ui_r(r.x + 6 * w + 2, y + 2, wb - 4, rh - 4),
                  i18n_get(t, lang, "kbd.backspace"), BTN_NORMAL)) {
        kbd_backspace(buf);
        changed = true;
    }
    if (ui_button(u, "key:clear", ui_r(r.x + 6 * w + wb + 2, y + 2, r.w - 6 * w - wb - 4, rh - 4),
                  i18n_get(t, lang, "kbd.clear"), BTN_NORMAL)) {
        buf[0] = 0;
        changed = true;
    }
    return changed;
}
