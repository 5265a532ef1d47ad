/*
 * unlock.h - the station's passphrase on the kiosk (unlock.c): the lock
 * screen of a station started without it, and choosing one at set-up.
 * The screens open through app_unlock_open and app_setpass_open (app.h);
 * they touch tech_state's passphrase fields and the shared ones.
 */
#ifndef SYNAQ_KIOSK_UNLOCK_H
#define SYNAQ_KIOSK_UNLOCK_H

#include "app.h"

/* One pass of the screen on show, when it is one of these (false:
 * another's). */
bool unlock_screen(app *a);
/* Typed text and keys there: true if taken. */
bool unlock_type(app *a, const char *text);
bool unlock_key(app *a, int key);
/* The wait after wrong passphrases, counted down on screen: ms until the
 * next second (-1: none). */
int unlock_tick(app *a, int64_t now);

#endif
