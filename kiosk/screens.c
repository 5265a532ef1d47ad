/*
 * screens.c - one frame of the kiosk, and input and time handed to the
 * screen on show (screens.h): the trainee's (scr_exam.c), the
 * technician's (scr_tech.c) or the passphrase's (unlock.c). The idle
 * warning, which any screen can get, and the technician's long press on
 * the welcome screen are here, above both sides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screens.h"
#include "scr_exam.h"
#include "scr_learn.h"
#include "scr_practice.h"
#include "scr_tech.h"
#include "unlock.h"

/* The idle warning: any tap closes it, and only closes it. */
static void idle_overlay(app *a)
{
    ui *u = &a->u;
    char n[16], text[512];
    if (u->pass == UI_HIT && u->tapped) {
        a->ov = OV_NONE;
        a->dirty = true;
        u->tapped = false;
        return;
    }
    int64_t left = APP_IDLE_MS + APP_IDLE_GRACE_MS - (app_now_ms(a) - a->last_input_ms);
    snprintf(n, sizeof n, "%d", (int)((left > 0 ? left : 0) + 999) / 1000);
    i18n_fmt(a->t, a->lang, tech_is_screen(a->scr) ? "idle.text_tech" : "idle.text", text,
             sizeof text, "n", n, NULL);
    ui_rect r = app_dialog(a, app_t(a, "idle.title"), text, 1);
    if (ui_button(u, "idle-continue", ui_r(r.x + r.w / 4, r.y, r.w / 2, u->unit),
                  app_t(a, "idle.continue"), BTN_PRIMARY)) {
        a->ov = OV_NONE;
        a->dirty = true;
    }
}

void screens_frame(app *a, ui_pass pass)
{
    ui *u = &a->u;
    ui_begin(u, pass);
    /* A modal overlay takes the taps: the screen under it only draws. */
    bool tapped = u->tapped;
    if (a->ov != OV_NONE && pass == UI_HIT)
        u->tapped = false;
    app_screen before = a->scr;
    if (!exam_screen(a) && !practice_screen(a) && !learn_screen(a) && !tech_screen(a) &&
        !unlock_screen(a))
        fprintf(stderr, "synaq-kiosk: no screen %d\n", (int)a->scr);
    u->tapped = tapped;
    /* A tap that changed the screen must not go on to the next one. */
    if (a->ov != OV_NONE && a->scr == before) {
        if (a->ov == OV_IDLE)
            idle_overlay(a);
        else if (!exam_overlay(a) && !tech_overlay(a))
            fprintf(stderr, "synaq-kiosk: no overlay %d\n", (int)a->ov);
    }
    if (pass == UI_HIT) {
        u->tapped = false;
        /* Long actions draw their progress: not in the middle of a pass. */
        tech_run_pending(a);
    }
}

void screens_draw(app *a)
{
    plat_clear(a->u.p, a->u.th.bg);
    screens_frame(a, UI_DRAW);
    plat_present(a->u.p);
    a->dirty = false;
}

void screens_tap(app *a, int x, int y)
{
    screens_touched(a);
    a->u.tapped = true;
    a->u.tap_x = x;
    a->u.tap_y = y;
    screens_frame(a, UI_HIT);
    a->u.tapped = false;
    a->dirty = true;
}

/* ---- input ---- */

void screens_touched(app *a)
{
    /* The idle warning stays until its own tap: closing it here would let
     * that tap go through to the screen beneath. */
    a->last_input_ms = app_now_ms(a);
}

void screens_press(app *a, int x, int y)
{
    a->pressing = true;
    a->press_used = false;
    a->press_x = x;
    a->press_y = y;
    a->press_ms = app_now_ms(a);
}

bool screens_release(app *a)
{
    bool used = a->press_used;
    a->pressing = a->press_used = false;
    return used;
}

/* Whether a press is the technician's: on the welcome screen, in the top
 * left corner, with no dialog over it. */
static bool press_is_gesture(app *a)
{
    return a->pressing && !a->press_used && a->scr == SCR_WELCOME && a->ov == OV_NONE &&
           a->press_x < a->u.unit && a->press_y < a->u.unit;
}

void screens_drag(app *a, int dx, int dy)
{
    if (!learn_drag(a, dx, dy))
        exam_drag(a, dx, dy);
    practice_drag(a, dy);
}

void screens_drag_end(app *a)
{
    learn_drag_end(a);
}

void screens_pinch(app *a, int x, int y, float scale)
{
    if (learn_pinch(a, x, y, scale))
        return;
    exam_pinch(a, x, y, scale);
}

bool screens_event(app *a, const plat_event *ev)
{
    switch (ev->type) {
    case PLAT_DOWN:
        a->ptr_down = true;
        a->ptr_dragging = false;
        a->ptr_down_x = a->ptr_last_x = ev->x;
        a->ptr_down_y = a->ptr_last_y = ev->y;
        screens_touched(a);
        screens_press(a, ev->x, ev->y);
        return true;
    case PLAT_MOVE:
        if (!a->ptr_down)
            return true;
        if (!a->ptr_dragging &&
            abs(ev->y - a->ptr_down_y) + abs(ev->x - a->ptr_down_x) > a->u.unit / 4) {
            a->ptr_dragging = true;
            screens_release(a);
        }
        if (a->ptr_dragging) {
            screens_touched(a);
            screens_drag(a, ev->x - a->ptr_last_x, ev->y - a->ptr_last_y);
            a->ptr_last_x = ev->x;
            a->ptr_last_y = ev->y;
        }
        return true;
    case PLAT_UP:
        /* A long press that opened technician mode taps nothing; nor does
         * a press that became a drag or a pinch. */
        if (!screens_release(a) && a->ptr_down && !a->ptr_dragging && !ev->cancel)
            screens_tap(a, ev->x, ev->y);
        else if (a->ptr_down && a->ptr_dragging)
            screens_drag_end(a);
        a->ptr_down = a->ptr_dragging = false;
        screens_touched(a);
        return true;
    case PLAT_PINCH:
        a->ptr_down = a->ptr_dragging = false;
        screens_touched(a);
        screens_pinch(a, ev->x, ev->y, ev->scale);
        return true;
    case PLAT_TEXT:
        screens_touched(a);
        screens_type(a, ev->text);
        return true;
    case PLAT_KEY:
        screens_touched(a);
        screens_key(a, ev->key);
        return true;
    default:
        return false;
    }
}

void screens_type(app *a, const char *text)
{
    if (!unlock_type(a, text) && !tech_type(a, text))
        exam_type(a, text);
}

void screens_key(app *a, int key)
{
    if (!unlock_key(a, key) && !tech_key(a, key))
        exam_key(a, key);
}

/* ---- prefetch ---- */

bool screens_prefetch_pending(app *a)
{
    return !a->dirty && exam_prefetch_pending(a);
}

bool screens_prefetch(app *a)
{
    return !a->dirty && exam_prefetch(a);
}

/* ---- timers ---- */

int screens_tick(app *a)
{
    int64_t now = app_now_ms(a);
    int next = -1;
#define SOONER(ms)                                                                                 \
    do {                                                                                           \
        int64_t m_ = (ms);                                                                         \
        if (m_ < 1)                                                                                \
            m_ = 1;                                                                                \
        if (next < 0 || m_ < next)                                                                 \
            next = (int)m_;                                                                        \
    } while (0)
    int t = exam_tick(a, now);
    if (t >= 0)
        SOONER(t);
    if (press_is_gesture(a)) {
        if (now - a->press_ms >= APP_HOLD_MS) {
            a->press_used = true;
            tech_open(a);
        } else {
            SOONER(APP_HOLD_MS - (now - a->press_ms));
        }
    }
    if ((t = unlock_tick(a, now)) >= 0)
        SOONER(t);
    if ((t = learn_tick(a, now)) >= 0)
        SOONER(t);
    if ((t = tech_tick(a, now)) >= 0)
        SOONER(t);
    /* Without a store there is no welcome screen to go back to: set-up
     * and the locked station stay as they are. */
    bool storeless = !a->store && (a->scr == SCR_SETUP || a->scr == SCR_SETPASS ||
                                   a->scr == SCR_UNLOCK);
    if (a->scr != SCR_WELCOME && a->scr != SCR_ERROR && !storeless) {
        int64_t idle = now - a->last_input_ms;
        if (idle >= APP_IDLE_MS + APP_IDLE_GRACE_MS) {
            if (tech_is_screen(a->scr))
                tech_idle_close(a);
            learn_leave(a);
            app_to_welcome(a);
        } else if (idle >= APP_IDLE_MS) {
            if (a->ov != OV_IDLE) {
                a->ov = OV_IDLE;
                a->dirty = true;
            }
            int64_t shown = (APP_IDLE_MS + APP_IDLE_GRACE_MS - idle + 999) / 1000;
            if (shown != a->shown_s) {
                a->shown_s = shown;
                a->dirty = true;
            }
            SOONER(1000 - (APP_IDLE_MS + APP_IDLE_GRACE_MS - idle) % 1000);
        } else {
            if (a->ov == OV_IDLE) {
                a->ov = OV_NONE;
                a->dirty = true;
            }
            SOONER(APP_IDLE_MS - idle);
        }
    }
    return next;
#undef SOONER
}
