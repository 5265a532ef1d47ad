/*
 * keyboard.h - the kiosk's own on-screen keyboard: Kazakh Cyrillic,
 * Russian and Latin letters and digits, for trainees with no physical
 * keyboard. Widgets are named "key:<letter>", "key:space",
 * "key:backspace", "key:clear", "kbd:kk|ru|en|123" and, for passphrases,
 * "kbd:case".
 */
#ifndef SYNAQ_KIOSK_KEYBOARD_H
#define SYNAQ_KIOSK_KEYBOARD_H

#include <stddef.h>

#include "i18n.h"
#include "ui.h"

typedef enum { KBD_KK, KBD_RU, KBD_EN, KBD_DIGITS } kbd_layout;

/* Draws (or hit-tests) the keyboard in r. A tapped key edits buf (UTF-8,
 * at most cap - 1 bytes and max_chars characters); a layout key changes
 * *layout. Returns true when something changed. */
bool kbd_run(ui *u, const i18n *t, int lang, ui_rect r, kbd_layout *layout, char *buf,
             size_t cap, size_t max_chars);
/* The same with a key that puts small letters on the keys and back
 * ("kbd:case"; *lower says which are on), for passphrases. */
bool kbd_run_cased(ui *u, const i18n *t, int lang, ui_rect r, kbd_layout *layout, bool *lower,
                   char *buf, size_t cap, size_t max_chars);
/* Removes the last character of buf. */
void kbd_backspace(char *buf);
/* Appends UTF-8 text s if it fits. */
bool kbd_append(char *buf, size_t cap, size_t max_chars, const char *s);
/* The layout that suits a language. */
kbd_layout kbd_for_lang(int lang);

#endif
