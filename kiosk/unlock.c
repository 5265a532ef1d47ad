/*
 * unlock.c - the station's passphrase on the kiosk. A station whose key
 * file is protected, started without the passphrase (no systemd
 * credential sealed to its TPM), comes up locked: this screen asks the
 * technician for it, opens the keys and the store, and hands it on to
 * synaq-syncd, which waits for it on the station's unlock socket. A new
 * station being set up by stick, with no passphrase given, has the
 * technician choose one (twice) before it makes its keys.
 *
 * What is typed lives in guarded memory (sodium_malloc) and is wiped
 * when it is done with; it is never drawn, only its length as dots,
 * unless the technician asks to see it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "unlock.h"
#include "scr_tech.h"
#include "synaq/station.h"

#define PASS_MIN 8          /* characters of a new passphrase, at least */
#define PASS_CHARS 128      /* characters of a passphrase, at most */
#define FREE_TRIES 3        /* wrong ones before the keyboard waits */
#define FIRST_WAIT_MS 15000 /* then 15 s, 30 s, ... */
#define MAX_WAIT_MS (60 * 60 * 1000)

static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* The passphrase typed opens the keys: the station is the kiosk's. */
static void try_unlock(app *a)
{
    sq_err e;
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    int64_t now = app_now_ms(a);
    if (a->tech.pass_wait_until_ms > now || !a->tech.pass_entry[0])
        return;
    sq_status st = sq_station_keys_open(a->where.keys_path, a->tech.pass_entry, &k, &e);
    if (st == SQ_EAUTH) {
        app_pass_wipe(a->tech.pass_entry);
        a->tech.pass_fails++;
        fprintf(stderr, "synaq-kiosk: unlock: a wrong passphrase (%d so far)\n", a->tech.pass_fails);
        a->msg = "unlock.wrong";
        if (a->tech.pass_fails >= FREE_TRIES) {
            int64_t wait = FIRST_WAIT_MS;
            for (int i = FREE_TRIES; i < a->tech.pass_fails && wait < MAX_WAIT_MS; i++)
                wait *= 2;
            a->tech.pass_wait_until_ms = now + (wait < MAX_WAIT_MS ? wait : MAX_WAIT_MS);
        }
        a->dirty = true;
        return;
    }
    if (st) {
        app_pass_wipe(a->tech.pass_entry);
        app_error(a, "error.store", e.msg);
        return;
    }
    /* Right: it stays in guarded memory for the technician's screens
     * (set-up makes no new keys with it; a wrong one is never kept). */
    sq_passphrase_free(a->tech.pass_owned);
    a->tech.pass_owned = sq_passphrase_dup(a->tech.pass_entry);
    a->where.passphrase = a->tech.pass_owned;
    a->tech.pass_fails = 0;
    a->tech.pass_wait_until_ms = 0;
    /* synaq-syncd, started before the technician came, waits for it. */
    sq_status sent = sq_station_unlock_send(a->where.home, a->tech.pass_entry, 30000, &e);
    if (sent == SQ_OK)
        fprintf(stderr, "synaq-kiosk: unlock: synaq-syncd unlocked too\n");
    else if (sent != SQ_ENOTFOUND)
        app_log_err("handing the passphrase to synaq-syncd", &e);
    app_pass_wipe(a->tech.pass_entry);
    if (!sq_station_keys_cert(k)) {
        /* Keys made, certificate not yet installed: set-up goes on. */
        sq_station_keys_close(k);
        tech_setup_open(a);
        return;
    }
    if ((st = sq_store_open(a->where.db_path, k, a->clock, &s, &e))) {
        sq_station_keys_close(k);
        app_error(a, "error.store", e.msg);
        return;
    }
    const sq_cert *c = sq_station_keys_cert(k);
    snprintf(a->station, sizeof a->station, "%s · %s", c->station_id, c->district);
    app_attach(a, k, s);
    if (sq_tech_audit_add(s, "kiosk", "unlock", SQ_OK,
                          sent == SQ_OK ? "the station was unlocked at the kiosk (synaq-syncd too)"
                                        : "the station was unlocked at the kiosk",
                          &e))
        app_log_err("writing the audit log", &e);
}

/* A new passphrase, typed twice: then set-up makes the keys with it. */
static void try_setpass(app *a)
{
    if (a->tech.pass_step == 0) {
        if (chars(a->tech.pass_entry) < PASS_MIN) {
            a->msg = "setpass.short";
            return;
        }
        memcpy(a->tech.pass_first, a->tech.pass_entry, SQ_UNLOCK_MAX + 1);
        app_pass_wipe(a->tech.pass_entry);
        a->tech.pass_step = 1;
        a->msg = "setpass.again";
        return;
    }
    if (strcmp(a->tech.pass_first, a->tech.pass_entry) != 0) {
        app_pass_wipe(a->tech.pass_entry);
        app_pass_wipe(a->tech.pass_first);
        a->tech.pass_step = 0;
        a->msg = "setpass.differ";
        return;
    }
    sq_passphrase_free(a->tech.pass_owned);
    a->tech.pass_owned = sq_passphrase_dup(a->tech.pass_entry);
    a->where.passphrase = a->tech.pass_owned;
    app_pass_wipe(a->tech.pass_entry);
    app_pass_wipe(a->tech.pass_first);
    app_go(a, SCR_SETUP);
    a->tech.pending = 4; /* on with the enrolment the technician tapped */
}

/* One pass of the unlock or the choose-a-passphrase screen. */
static void scr_unlock(app *a)
{
    ui *u = &a->u;
    bool setpass = a->scr == SCR_SETPASS;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int y = tech_header(a, app_t(a, setpass ? "setpass.title" : "unlock.title")) + u->gap;
    int64_t left = a->tech.pass_wait_until_ms - app_now_ms(a);
    bool waiting = !setpass && left > 0;
    char msg[600] = "";
    if (waiting) {
        char n[16];
        snprintf(n, sizeof n, "%lld", (long long)((left + 999) / 1000));
        snprintf(msg, sizeof msg, "%s ", app_t(a, "unlock.wrong"));
        size_t o = strlen(msg);
        i18n_fmt(a->t, a->lang, "tech.pin_wait", msg + o, sizeof msg - o, "n", n, NULL);
    } else if (a->msg) {
        snprintf(msg, sizeof msg, "%s", app_t(a, a->msg));
    }
    bool msg_bad = a->msg && strcmp(a->msg, "setpass.again") != 0;
    const char *prompt = app_t(a, setpass ? (a->tech.pass_step ? "setpass.again" : "setpass.prompt")
                                          : "unlock.prompt");
    int tw = u->w - 2 * u->gap;
    /* The prompt shrinks before the keyboard does: the keys must stay big
     * enough for a finger at 800x480. */
    int px = u->px;
    int room = u->h / 6;
    while (px > 12 && ui_text_height(u, tw, prompt, px, false) > room)
        px--;
    y += ui_text(u, ui_r(u->gap, y, tw, 0), prompt, px, false, u->th.fg, ALIGN_LEFT) + u->gap / 2;
    /* The field: dots, or the text when the technician asks to see it. */
    int fh = u->unit, sw = ui_text_width(u, app_t(a, "unlock.show"), u->px, true) + 3 * u->gap;
    ui_rect field = ui_r(u->gap, y, tw - sw - u->gap, fh);
    ui_fill(u, field, u->th.panel);
    ui_outline(u, field, 2, u->th.accent);
    size_t n = chars(a->tech.pass_entry);
    if (a->tech.pass_show) {
        ui_text(u, ui_r(field.x + u->gap, field.y + (fh - plat_line_height(u->p, u->px)) / 2,
                        field.w - 2 * u->gap, fh),
                a->tech.pass_entry, u->px, true, u->th.fg, ALIGN_LEFT);
    } else {
        char dots[3 * PASS_CHARS + 1] = "";
        for (size_t i = 0; i < n && i < PASS_CHARS; i++)
            strcat(dots, "●");
        ui_text(u, ui_r(field.x + u->gap, field.y + (fh - plat_line_height(u->p, u->px)) / 2,
                        field.w - 2 * u->gap, fh),
                dots, u->px, true, u->th.fg, ALIGN_LEFT);
    }
    if (ui_button(u, "pass-show", ui_r(field.x + field.w + u->gap, y, sw, fh),
                  app_t(a, a->tech.pass_show ? "unlock.hide" : "unlock.show"),
                  a->tech.pass_show ? BTN_ON : BTN_NORMAL)) {
        a->tech.pass_show = !a->tech.pass_show;
        a->dirty = true;
    }
    y += fh + u->gap / 2;
    /* The message has a place of its own, one line high, so the keyboard
     * does not move under the finger when it comes and goes. */
    int lh = plat_line_height(u->p, u->px);
    int mh = lh + u->gap;
    if (msg[0]) {
        int mpx = u->px;
        while (mpx > 12 && ui_text_height(u, tw - 2 * u->gap, msg, mpx, false) > mh)
            mpx--;
        ui_text(u, ui_r(u->gap, y, tw, mh), msg, mpx, false, msg_bad ? u->th.bad : u->th.muted,
                ALIGN_LEFT);
    }
    y += mh;
    int footer = u->unit + 2 * u->gap;
    int kh = u->h - y - footer;
    if (kh > u->unit * 6)
        kh = u->unit * 6;
    if (!waiting && kbd_run_cased(u, a->t, a->lang, ui_r(u->gap, y, tw, kh), &a->kbd,
                                  &a->tech.pass_lower, a->tech.pass_entry, SQ_UNLOCK_MAX + 1, PASS_CHARS)) {
        if (a->msg && strcmp(a->msg, "setpass.again") != 0)
            a->msg = NULL;
        a->dirty = true;
    }
    int fy = u->h - u->unit - u->gap, bw = (u->w - 3 * u->gap) / 2;
    if (setpass && ui_button(u, "pass-cancel", ui_r(u->gap, fy, bw, u->unit),
                             app_t(a, "tech.cancel"), BTN_NORMAL)) {
        app_pass_wipe(a->tech.pass_entry);
        app_pass_wipe(a->tech.pass_first);
        a->msg = NULL;
        tech_setup_open(a);
        return;
    }
    ui_rect ok = setpass ? ui_r(2 * u->gap + bw, fy, bw, u->unit)
                         : ui_r((u->w - bw) / 2, fy, bw, u->unit);
    if (ui_button(u, "pass-ok", ok, app_t(a, setpass ? "tech.ok" : "unlock.button"),
                  !waiting && a->tech.pass_entry[0] ? BTN_PRIMARY : BTN_DISABLED)) {
        a->dirty = true;
        if (setpass)
            try_setpass(a);
        else
            try_unlock(a);
    }
}

bool unlock_screen(app *a)
{
    if (a->scr != SCR_UNLOCK && a->scr != SCR_SETPASS)
        return false;
    scr_unlock(a);
    return true;
}

bool unlock_type(app *a, const char *text)
{
    if (a->scr != SCR_UNLOCK && a->scr != SCR_SETPASS)
        return false;
    if (a->scr == SCR_UNLOCK && a->tech.pass_wait_until_ms > app_now_ms(a))
        return true;
    kbd_append(a->tech.pass_entry, SQ_UNLOCK_MAX + 1, PASS_CHARS, text);
    a->dirty = true;
    return true;
}

bool unlock_key(app *a, int key)
{
    if (a->scr != SCR_UNLOCK && a->scr != SCR_SETPASS)
        return false;
    if (key == PLAT_KEY_BACKSPACE)
        kbd_backspace(a->tech.pass_entry);
    else if (key == PLAT_KEY_ENTER) {
        if (a->scr == SCR_SETPASS)
            try_setpass(a);
        else
            try_unlock(a);
    }
    a->dirty = true;
    return true;
}

int unlock_tick(app *a, int64_t now)
{
    if (a->scr != SCR_UNLOCK || !a->tech.pass_wait_until_ms)
        return -1;
    int64_t left = a->tech.pass_wait_until_ms - now;
    if (left <= 0) {
        a->tech.pass_wait_until_ms = 0;
        a->dirty = true;
        return -1;
    }
    int64_t shown = (left + 999) / 1000;
    if (shown != a->shown_s) {
        a->shown_s = shown;
        a->dirty = true;
    }
    return (int)(left % 1000 ? left % 1000 : 1000);
}
