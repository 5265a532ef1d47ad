/*
 * plat_sdl.c - the platform layer on SDL2, SDL2_ttf and SDL2_image (see
 * plat.h). The only file of the kiosk that includes SDL.
 *
 * What mattered on machines without a GPU or window manager (DESIGN.md):
 * a borderless window of the screen's size rather than
 * SDL_WINDOW_FULLSCREEN_DESKTOP; and SDL's software renderer, chosen with
 * both SDL_RENDER_DRIVER=software and SDL_FRAMEBUFFER_ACCELERATION=0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_syswm.h> /* the X window, for x_guard (brings Xlib's header with X11) */
#include <SDL_ttf.h>
#include <unistd.h>

#include "plat.h"
#include "synaq/synaq.h"

#define MAX_FONTS 4      /* files per role, in fallback order */
#define MAX_SIZES 24     /* (size, role) pairs opened at once */
#define WIDTH_CACHE 4096 /* measured widths kept */
#define MAX_IMAGES 64

/* Rendered text is kept as textures, bounded in bytes: what grows memory
 * is pixels, and one line of a question is a hundred times the pixels of
 * a digit. 8 MiB is two 1280x800 screens covered in text; a screen shows
 * far less, and only its visible lines are rendered (plat_text skips what
 * the clip hides), so a screen's texts always fit. The slots only index
 * them (a hash table, at most 3/4 full). */
#define TEXT_CACHE_BYTES (8u << 20)
#define TEXT_SLOTS 2048
#define TEXT_MAX_ENTRIES (TEXT_SLOTS * 3 / 4)

typedef struct {
    int px, bold; /* bold: the style, PLAT_BOLD | PLAT_ITALIC */
    TTF_Font *f[MAX_FONTS];
    uint64_t used; /* p->font_tick when last asked for */
} font_size;

typedef struct {
    uint64_t key; /* 0: an empty slot */
    SDL_Texture *tex;
    int w, h;
    size_t bytes;
    uint64_t used;
} text_entry;

typedef struct {
    uint64_t key;
    int w;
} width_entry;

struct plat {
    SDL_Window *win;
    SDL_Renderer *ren;
    int w, h;
    float px_per_mm;
    char font_path[4][MAX_FONTS][512]; /* [style][fallback] */
    int n_fonts[4];
    /* Fonts of an italic chain that are upright faces, slanted by SDL_ttf
     * (TTF_STYLE_ITALIC): the upright chain of the same weight, after the
     * italic faces listed (for what they lack) or alone (none listed). */
    bool slanted[4][MAX_FONTS];
    font_size sizes[MAX_SIZES];
    int n_sizes;
    uint64_t font_tick;
    text_entry text[TEXT_SLOTS];
    size_t text_bytes; /* pixels held by the entries of text */
    int n_text;
    width_entry widths[WIDTH_CACHE];
    uint64_t tick;       /* counts uses of the cache: an entry's used is its last */
    uint64_t frame_tick; /* tick at the last plat_clear: entries used since are on screen */
    plat_renders renders;
    SDL_Rect clip; /* where drawing shows (the window when no clip) */
    bool missing_glyph;
    bool fonts_ok;
    SDL_Texture *images[MAX_IMAGES];
    /* Fingers on a touchscreen, for pinches: the first two down, in
     * pixels; pinching from the second finger's press until no finger
     * is left (meanwhile SDL's mouse events made from touches are not
     * ours: the first finger's press was taken back). */
    struct {
        SDL_FingerID id;
        float x, y;
    } fingers[2];
    int n_fingers;
    bool pinching;
    float pinch_dist;
    Uint32 wake_event;
    pthread_t sig_thread;
    bool sig_thread_started;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* ---- signals become events ---- */

static Uint32 quit_event_type, wake_event_type;

/* SIGTERM and SIGINT are blocked in every thread and taken here by
 * sigwait: the handler does no work, it only pushes an event. */
static void *signal_thread(void *arg)
{
    sigset_t *set = arg;
    int sig;
    for (;;) {
        if (sigwait(set, &sig) != 0)
            continue;
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = quit_event_type;
        SDL_PushEvent(&e);
    }
    return NULL;
}

/* ---- fonts ---- */

static int read_fonts_list(plat *p, const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_len, "cannot read the font list %s", path);
        return -1;
    }
    char line[600];
    while (fgets(line, sizeof line, f)) {
        char role[16], file[512];
        if (line[0] == '#' || sscanf(line, "%15s %511s", role, file) != 2)
            continue;
        int b = strcmp(role, "regular") == 0       ? 0
                : strcmp(role, "bold") == 0        ? PLAT_BOLD
                : strcmp(role, "italic") == 0      ? PLAT_ITALIC
                : strcmp(role, "bold-italic") == 0 ? PLAT_BOLD | PLAT_ITALIC
                                                   : -1;
        if (b < 0 || p->n_fonts[b] >= MAX_FONTS)
            continue;
        snprintf(p->font_path[b][p->n_fonts[b]++], sizeof p->font_path[0][0], "%s", file);
    }
    fclose(f);
    if (p->n_fonts[0] == 0) {
        snprintf(err, err_len, "the font list %s names no regular font", path);
        return -1;
    }
    /* Every font must open: a missing or corrupt file is an error now, not
     * tofu on a trainee's screen later. The fonts that do open are kept,
     * so the error screen can still say what is wrong. */
    int rc = 0;
    for (int b = 0; b < 4; b++) {
        int kept = 0;
        for (int i = 0; i < p->n_fonts[b]; i++) {
            TTF_Font *t = TTF_OpenFont(p->font_path[b][i], 16);
            if (!t) {
                if (rc == 0)
                    snprintf(err, err_len, "font %s cannot be opened: %s", p->font_path[b][i],
                             TTF_GetError());
                rc = -1;
                continue;
            }
            TTF_CloseFont(t);
            if (kept != i)
                memcpy(p->font_path[b][kept], p->font_path[b][i], sizeof p->font_path[b][i]);
            kept++;
        }
        p->n_fonts[b] = kept;
    }
    if (p->n_fonts[1] == 0) {
        memcpy(p->font_path[1], p->font_path[0], sizeof p->font_path[0]);
        p->n_fonts[1] = p->n_fonts[0];
    }
    if (p->n_fonts[0] == 0) {
        memcpy(p->font_path[0], p->font_path[1], sizeof p->font_path[0]);
        p->n_fonts[0] = p->n_fonts[1];
    }
    /* An italic face listed is drawn as it is (Noto Sans Italic: a face
     * designed as italic, its Cyrillic too); behind it, or alone when none
     * is listed, the upright chain of the same weight, slanted, so italic
     * shows as italic and no character goes missing that upright has. */
    for (int b = PLAT_ITALIC; b < 4; b++) {
        int up = b & PLAT_BOLD;
        for (int k = 0; k < p->n_fonts[up] && p->n_fonts[b] < MAX_FONTS; k++) {
            memcpy(p->font_path[b][p->n_fonts[b]], p->font_path[up][k], sizeof p->font_path[0][0]);
            p->slanted[b][p->n_fonts[b]++] = true;
        }
    }
    p->fonts_ok = p->n_fonts[0] > 0;
    return rc;
}

/* Font k of style's chain at px, slanted when it is an upright face. */
static TTF_Font *font_open(plat *p, int style, int k, int px)
{
    TTF_Font *f = TTF_OpenFont(p->font_path[style][k], px);
    if (f && p->slanted[style][k])
        TTF_SetFontStyle(f, TTF_STYLE_ITALIC);
    return f;
}

static font_size *font_at(plat *p, int px, int bold)
{
    bold &= PLAT_BOLD | PLAT_ITALIC;
    for (int i = 0; i < p->n_sizes; i++)
        if (p->sizes[i].px == px && p->sizes[i].bold == bold) {
            p->sizes[i].used = ++p->font_tick;
            return &p->sizes[i];
        }
    font_size *fs = &p->sizes[p->n_sizes];
    if (p->n_sizes == MAX_SIZES) {
        /* Sizes change with A-/A+, and buttons shrink their labels a
         * pixel at a time: drop the size least recently asked for, not
         * one the screen on show (or a screen prefetched) keeps using. */
        fs = &p->sizes[0];
        for (int i = 1; i < p->n_sizes; i++)
            if (p->sizes[i].used < fs->used)
                fs = &p->sizes[i];
        for (int k = 0; k < MAX_FONTS; k++)
            if (fs->f[k])
                TTF_CloseFont(fs->f[k]);
        p->n_sizes--;
        /* The last one takes the freed place, so the open ones stay first. */
        if (fs != &p->sizes[p->n_sizes])
            *fs = p->sizes[p->n_sizes];
        fs = &p->sizes[p->n_sizes];
    }
    memset(fs, 0, sizeof *fs);
    fs->px = px;
    fs->bold = bold;
    fs->used = ++p->font_tick;
    /* The primary font now; fallbacks only when a character needs one. */
    fs->f[0] = font_open(p, bold, 0, px);
    if (!fs->f[0])
        return NULL;
    p->n_sizes++;
    return fs;
}

/* Decodes one UTF-8 code point (sq_utf8_next); advances *i. A byte that
 * starts no well-formed character gives U+FFFD and is stepped over. */
static uint32_t utf8_next(const char *s, size_t len, size_t *i)
{
    uint32_t c = 0;
    size_t n = sq_utf8_next(s + *i, len - *i, &c);
    *i += n ? n : 1;
    return n ? c : 0xfffd;
}

/* Which font of the chain shows code point c (0: the first, also when
 * none does; that is noted). */
static int font_for(plat *p, font_size *fs, uint32_t c)
{
    if (c < 0x80)
        return 0;
    for (int k = 0; k < p->n_fonts[fs->bold]; k++) {
        if (!fs->f[k])
            fs->f[k] = font_open(p, fs->bold, k, fs->px);
        if (fs->f[k] && TTF_GlyphIsProvided32(fs->f[k], c))
            return k;
    }
    p->missing_glyph = true;
    return 0;
}

/* Calls fn for each run of text that one font of the chain shows; each
 * digit is a run of its own. Texts that change every second are numbers
 * (the clock, countdowns): drawn digit by digit, they come from eleven
 * cached textures instead of a new rendering, and a new cache entry, a
 * second. Measuring goes by the same runs, so a width is always the width
 * drawn. */
typedef void (*run_fn)(plat *p, TTF_Font *f, int k, const char *s, size_t len, void *ctx);

static void for_runs(plat *p, font_size *fs, const char *s, size_t len, run_fn fn, void *ctx)
{
    size_t i = 0, start = 0;
    int cur = -1;
    bool cur_digit = false;
    while (i < len) {
        size_t at = i;
        uint32_t c = utf8_next(s, len, &i);
        bool digit = c >= '0' && c <= '9';
        int k = font_for(p, fs, c);
        if (cur >= 0 && (k != cur || digit || cur_digit)) {
            fn(p, fs->f[cur], cur, s + start, at - start, ctx);
            start = at;
        }
        cur = k;
        cur_digit = digit;
    }
    if (cur >= 0)
        fn(p, fs->f[cur], cur, s + start, len - start, ctx);
}

static void measure_run(plat *p, TTF_Font *f, int k, const char *s, size_t len, void *ctx)
{
    (void)k;
    char buf[1024];
    int w = 0, h;
    size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    TTF_SizeUTF8(f, buf, &w, &h);
    *(int *)ctx += w;
}

int plat_text_width(plat *p, int px, int bold, const char *s, size_t len)
{
    bold &= PLAT_BOLD | PLAT_ITALIC;
    if (!p->fonts_ok || len == 0)
        return 0;
    uint64_t key = fnv(fnv(0xcbf29ce484222325ull, &px, sizeof px), s, len) ^ (uint64_t)bold;
    width_entry *e = &p->widths[key % WIDTH_CACHE];
    if (e->key == key)
        return e->w;
    font_size *fs = font_at(p, px, bold);
    int w = 0;
    if (fs)
        for_runs(p, fs, s, len, measure_run, &w);
    e->key = key;
    e->w = w;
    return w;
}

int plat_line_height(plat *p, int px)
{
    font_size *fs = p->fonts_ok ? font_at(p, px, false) : NULL;
    return fs ? TTF_FontLineSkip(fs->f[0]) : px * 5 / 4;
}

bool plat_can_draw_text(const plat *p)
{
    return p->fonts_ok;
}

bool plat_missing_glyphs(const plat *p)
{
    return p->missing_glyph;
}

bool plat_has_glyph(plat *p, int px, uint32_t cp)
{
    font_size *fs = p->fonts_ok ? font_at(p, px, false) : NULL;
    if (!fs)
        return false;
    for (int k = 0; k < p->n_fonts[0]; k++) {
        if (!fs->f[k])
            fs->f[k] = TTF_OpenFont(p->font_path[0][k], fs->px);
        if (fs->f[k] && TTF_GlyphIsProvided32(fs->f[k], cp))
            return true;
    }
    return false;
}

/* ---- text drawing through the cache ---- */

typedef struct {
    int x, y;
    SDL_Color c;
    uint64_t base;
    int *budget; /* prefetch: renders left */
    int status;  /* prefetch: PLAT_PREFETCH_* */
} draw_ctx;

static text_entry *text_find(plat *p, uint64_t key)
{
    for (size_t i = key % TEXT_SLOTS;; i = (i + 1) % TEXT_SLOTS) {
        text_entry *e = &p->text[i];
        if (e->key == key)
            return e;
        if (!e->key)
            return NULL;
    }
}

/* Frees the slot and moves later entries of its probe chain back, so that
 * every entry stays reachable from its home slot (no tombstones). */
static void text_remove(plat *p, size_t i)
{
    text_entry *e = &p->text[i];
    if (e->tex)
        SDL_DestroyTexture(e->tex);
    p->text_bytes -= e->bytes;
    p->n_text--;
    for (size_t j = i;;) {
        j = (j + 1) % TEXT_SLOTS;
        if (!p->text[j].key)
            break;
        size_t home = p->text[j].key % TEXT_SLOTS;
        /* The entry at j stays if its home lies cyclically in (i, j]. */
        if (i <= j ? i < home && home <= j : i < home || home <= j)
            continue;
        p->text[i] = p->text[j];
        i = j;
    }
    memset(&p->text[i], 0, sizeof p->text[i]);
}

/* Evicts the least recently used texts until bytes more fit. With
 * keep_recent, only texts not used since the last plat_clear: false when
 * the room cannot be made so (it may have evicted some by then). */
static bool text_make_room(plat *p, size_t bytes, bool keep_recent)
{
    while (p->n_text > 0 &&
           (p->n_text >= TEXT_MAX_ENTRIES || p->text_bytes + bytes > TEXT_CACHE_BYTES)) {
        size_t victim = TEXT_SLOTS;
        for (size_t i = 0; i < TEXT_SLOTS; i++)
            if (p->text[i].key && (victim == TEXT_SLOTS || p->text[i].used < p->text[victim].used))
                victim = i;
        if (keep_recent && p->text[victim].used > p->frame_tick)
            return false;
        text_remove(p, victim);
    }
    return p->n_text < TEXT_MAX_ENTRIES && p->text_bytes + bytes <= TEXT_CACHE_BYTES;
}

/* Inserts an entry; the caller made room (text_make_room). */
static text_entry *text_insert(plat *p, uint64_t key, SDL_Texture *tex, int w, int h, size_t bytes)
{
    size_t i = key % TEXT_SLOTS;
    while (p->text[i].key)
        i = (i + 1) % TEXT_SLOTS;
    text_entry *e = &p->text[i];
    *e = (text_entry){key, tex, w, h, bytes, ++p->tick};
    p->text_bytes += bytes;
    p->n_text++;
    return e;
}

/* A run's key: its colour, size and weight (d->base), which font of the
 * chain (k: the same after the font is closed and opened again) and the
 * text. */
static uint64_t run_key(const draw_ctx *d, int k, const char *s, size_t len)
{
    uint64_t key = fnv(fnv(d->base, &k, sizeof k), s, len);
    return key + !key; /* 0 marks an empty slot */
}

/* One run rendered into a new texture (NULL when it cannot be). */
static SDL_Texture *render_run(plat *p, TTF_Font *f, const char *s, size_t len, SDL_Color c,
                               int *w, int *h)
{
    char buf[1024];
    size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    SDL_Surface *surf = n ? TTF_RenderUTF8_Blended(f, buf, c) : NULL;
    if (!surf)
        return NULL;
    SDL_Texture *tex = SDL_CreateTextureFromSurface(p->ren, surf);
    *w = surf->w;
    *h = surf->h;
    SDL_FreeSurface(surf);
    return tex;
}

static void draw_run(plat *p, TTF_Font *f, int k, const char *s, size_t len, void *vctx)
{
    draw_ctx *d = vctx;
    uint64_t key = run_key(d, k, s, len);
    text_entry *e = text_find(p, key);
    SDL_Texture *once = NULL;
    int w, h;
    if (e) {
        e->used = ++p->tick;
        w = e->w;
        h = e->h;
    } else {
        SDL_Texture *tex = render_run(p, f, s, len, d->c, &w, &h);
        if (!tex)
            return;
        p->renders.drawn++;
        p->renders.frame++;
        size_t bytes = (size_t)w * (size_t)h * 4;
        if (bytes > TEXT_CACHE_BYTES) {
            once = tex; /* larger than the whole cache: drawn, not kept */
        } else {
            text_make_room(p, bytes, false);
            e = text_insert(p, key, tex, w, h, bytes);
        }
    }
    SDL_Rect dst = {d->x, d->y, w, h};
    SDL_RenderCopy(p->ren, e ? e->tex : once, NULL, &dst);
    if (once)
        SDL_DestroyTexture(once);
    d->x += w;
}

/* A run rendered into the cache, not drawn (plat_text_prefetch). */
static void prefetch_run(plat *p, TTF_Font *f, int k, const char *s, size_t len, void *vctx)
{
    draw_ctx *d = vctx;
    if (d->status == PLAT_PREFETCH_FULL)
        return;
    uint64_t key = run_key(d, k, s, len);
    text_entry *e = text_find(p, key);
    if (e) {
        /* Wanted soon: kept from the prefetch's own evictions. */
        e->used = ++p->tick;
        return;
    }
    if (*d->budget <= 0) {
        d->status = PLAT_PREFETCH_MORE;
        return;
    }
    int w = 0, h = 0;
    SDL_Texture *tex = render_run(p, f, s, len, d->c, &w, &h);
    (*d->budget)--;
    size_t bytes = (size_t)w * (size_t)h * 4;
    if (!tex || bytes > TEXT_CACHE_BYTES || !text_make_room(p, bytes, true)) {
        if (tex)
            SDL_DestroyTexture(tex);
        d->status = PLAT_PREFETCH_FULL;
        return;
    }
    text_insert(p, key, tex, w, h, bytes);
    p->renders.prefetched++;
}

/* The font of a text, and whether the clip hides a line of it at y (then
 * it is not rendered: a long item's text, scrolled, would otherwise fill
 * the cache with lines nobody sees; a rendered line is the font's height,
 * more only for marks above or below). Sets up d's key. */
static font_size *text_setup(plat *p, int x, int y, int px, int bold, plat_color c, draw_ctx *d)
{
    if (!p->fonts_ok)
        return NULL;
    font_size *fs = font_at(p, px, bold);
    if (!fs)
        return NULL;
    int lh = TTF_FontHeight(fs->f[0]);
    if (y >= p->clip.y + p->clip.h || y + 2 * lh <= p->clip.y)
        return NULL;
    *d = (draw_ctx){x, y, {c.r, c.g, c.b, c.a}, 0, NULL, PLAT_PREFETCH_DONE};
    d->base = fnv(0xcbf29ce484222325ull, &c, sizeof c);
    d->base = fnv(d->base, &px, sizeof px);
    d->base = fnv(d->base, &fs->bold, sizeof fs->bold);
    return fs;
}

void plat_text(plat *p, int x, int y, int px, int bold, plat_color c, const char *s, size_t len)
{
    draw_ctx d;
    font_size *fs = len ? text_setup(p, x, y, px, bold, c, &d) : NULL;
    if (fs)
        for_runs(p, fs, s, len, draw_run, &d);
}

int plat_text_prefetch(plat *p, int y, int px, int bold, plat_color c, const char *s, size_t len,
                       int *budget)
{
    draw_ctx d;
    font_size *fs = len ? text_setup(p, 0, y, px, bold, c, &d) : NULL;
    if (!fs)
        return PLAT_PREFETCH_DONE; /* nothing plat_text would draw either */
    d.budget = budget;
    for_runs(p, fs, s, len, prefetch_run, &d);
    return d.status;
}

void plat_text_renders(const plat *p, plat_renders *out)
{
    *out = p->renders;
}

void plat_text_cache(const plat *p, size_t *bytes, int *entries)
{
    *bytes = p->text_bytes;
    *entries = p->n_text;
}

size_t plat_text_cache_bound(void)
{
    return TEXT_CACHE_BYTES;
}

/* ---- shapes, images, frames ---- */

void plat_clear(plat *p, plat_color c)
{
    /* A frame begins: the texts it uses from now on are on screen. */
    p->frame_tick = p->tick;
    p->renders.frame = 0;
    SDL_SetRenderDrawColor(p->ren, c.r, c.g, c.b, c.a);
    SDL_RenderClear(p->ren);
}

void plat_fill(plat *p, int x, int y, int w, int h, plat_color c)
{
    SDL_Rect r = {x, y, w, h};
    SDL_SetRenderDrawBlendMode(p->ren, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(p->ren, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(p->ren, &r);
}

void plat_outline(plat *p, int x, int y, int w, int h, int t, plat_color c)
{
    plat_fill(p, x, y, w, t, c);
    plat_fill(p, x, y + h - t, w, t, c);
    plat_fill(p, x, y, t, h, c);
    plat_fill(p, x + w - t, y, t, h, c);
}

void plat_clip(plat *p, int x, int y, int w, int h)
{
    if (w <= 0) {
        SDL_RenderSetClipRect(p->ren, NULL);
        p->clip = (SDL_Rect){0, 0, p->w, p->h};
        return;
    }
    SDL_Rect r = {x, y, w, h};
    SDL_RenderSetClipRect(p->ren, &r);
    p->clip = r;
}

int plat_image_load(plat *p, const uint8_t *data, size_t len, int *w, int *h)
{
    int slot = 0;
    for (int i = 1; i < MAX_IMAGES; i++)
        if (!p->images[i]) {
            slot = i;
            break;
        }
    if (!slot)
        return 0;
    p->renders.images++;
    SDL_RWops *rw = SDL_RWFromConstMem(data, (int)len);
    SDL_Surface *s = rw ? IMG_Load_RW(rw, 1) : NULL;
    if (!s)
        return 0;
    p->images[slot] = SDL_CreateTextureFromSurface(p->ren, s);
    /* Pictures are drawn smaller on an item and larger zoomed in: linear
     * filtering keeps their text legible both ways (nearest would drop
     * strokes down and show blocks up). */
    if (p->images[slot])
        SDL_SetTextureScaleMode(p->images[slot], SDL_ScaleModeLinear);
    *w = s->w;
    *h = s->h;
    SDL_FreeSurface(s);
    return p->images[slot] ? slot : 0;
}

void plat_image_free(plat *p, int handle)
{
    if (handle > 0 && handle < MAX_IMAGES && p->images[handle]) {
        SDL_DestroyTexture(p->images[handle]);
        p->images[handle] = NULL;
    }
}

void plat_image(plat *p, int handle, int x, int y, int w, int h)
{
    if (handle > 0 && handle < MAX_IMAGES && p->images[handle]) {
        SDL_Rect r = {x, y, w, h};
        SDL_RenderCopy(p->ren, p->images[handle], NULL, &r);
    }
}

void plat_present(plat *p)
{
    SDL_RenderPresent(p->ren);
}

int plat_screenshot(plat *p, const char *path, char *err, size_t err_len)
{
    int w, h, rc = -1;
    if (SDL_GetRendererOutputSize(p->ren, &w, &h) != 0)
        goto out;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGBA32);
    if (!s)
        goto out;
    if (SDL_RenderReadPixels(p->ren, NULL, SDL_PIXELFORMAT_RGBA32, s->pixels, s->pitch) == 0 &&
        IMG_SavePNG(s, path) == 0)
        rc = 0;
    SDL_FreeSurface(s);
out:
    if (rc)
        snprintf(err, err_len, "cannot write screenshot %s: %s", path, SDL_GetError());
    return rc;
}

/* ---- the window and events ---- */

void plat_size(const plat *p, int *w, int *h)
{
    *w = p->w;
    *h = p->h;
}

float plat_px_per_mm(const plat *p)
{
    return p->px_per_mm;
}

/* ---- the X window destroyed under the kiosk ---- */

/* Another X client can destroy the kiosk's window (xdotool windowclose is
 * XDestroyWindow), and the X server can go away. Xlib's default handlers
 * then end the process from inside SDL. The kiosk starts again in place
 * instead: exec of its own program with its argv (the same pid, so
 * systemd and the kiosk lock see one kiosk; every descriptor is
 * close-on-exec), and the attempt resumes from the store as after a power
 * cut. With the X server gone the new start fails with "no screen" and
 * status 1, for systemd to restart later. Other X errors are logged
 * (the first 10) and let pass, as SDL would after its own checks. */
static char *const *x_restart_argv;
static unsigned long x_window;
static int x_errors_logged;

static void x_restart(const char *why)
{
    fprintf(stderr, "synaq-kiosk: %s; starting again\n", why);
    fflush(stderr);
    if (x_restart_argv)
        execv("/proc/self/exe", x_restart_argv);
    fprintf(stderr, "synaq-kiosk: cannot start again: %s\n",
            x_restart_argv ? strerror(errno) : "no arguments kept");
    _exit(1);
}

#ifdef SDL_VIDEO_DRIVER_X11
static int x_error(Display *d, XErrorEvent *e)
{
    char what[160] = "";
    XGetErrorText(d, e->error_code, what, sizeof what);
    if (x_window && e->resourceid == x_window) {
        char why[256];
        snprintf(why, sizeof why, "the window was destroyed by another program (X error: %s)",
                 what);
        x_restart(why);
    }
    if (x_errors_logged < 10) {
        x_errors_logged++;
        fprintf(stderr, "synaq-kiosk: X error %s (request %d.%d, resource 0x%lx), let pass\n",
                what, e->request_code, e->minor_code, e->resourceid);
    }
    return 0;
}

static int x_io_error(Display *d)
{
    (void)d;
    x_restart("the connection to the X server broke");
    return 0; /* not reached */
}
#endif

/* After the window is made: the handlers above, on X11 only. */
static void x_guard(plat *p, char *const *argv)
{
    x_restart_argv = argv;
#ifdef SDL_VIDEO_DRIVER_X11
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (SDL_GetWindowWMInfo(p->win, &info) && info.subsystem == SDL_SYSWM_X11) {
        x_window = (unsigned long)info.info.x11.window;
        XSetErrorHandler(x_error);
        XSetIOErrorHandler(x_io_error);
    }
#else
    (void)p;
#endif
}

int plat_open(const plat_config *cfg, plat **out, char *err, size_t err_len)
{
    plat *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    *out = NULL;
    /* Signals: ours, turned into events (no work in a handler). */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (cfg->software) {
        SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    }
    /* A kiosk keeps the screen on, and the keyboard to itself. */
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "0");
    SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
    SDL_SetHint(SDL_HINT_WINDOWS_NO_CLOSE_ON_ALT_F4, "1");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        snprintf(err, err_len, "cannot start the display: %s", SDL_GetError());
        free(p);
        return -1;
    }
    /* With no display to open, SDL falls through its list to a driver
     * that draws nowhere ("offscreen"): a kiosk that runs and shows
     * nothing, which systemd would take for a working one. Such a driver
     * only when asked for by name (SDL_VIDEODRIVER=dummy for scripts). */
    const char *drv = SDL_GetCurrentVideoDriver();
    const char *asked = SDL_GetHint(SDL_HINT_VIDEODRIVER);
    if (drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) &&
        !(asked && strstr(asked, drv))) {
        snprintf(err, err_len,
                 "cannot start the display: no screen to draw on (no X display or Wayland "
                 "compositor answered, and no KMS device; SDL fell back to its \"%s\" driver, "
                 "which shows nothing). DISPLAY is %s",
                 drv, getenv("DISPLAY") ? getenv("DISPLAY") : "not set");
        SDL_Quit();
        free(p);
        return -1;
    }
    quit_event_type = SDL_RegisterEvents(1);
    wake_event_type = SDL_RegisterEvents(1);
    if (pthread_create(&p->sig_thread, NULL, signal_thread, &set) == 0) {
        pthread_detach(p->sig_thread);
        p->sig_thread_started = true;
    }
    SDL_DisplayMode mode;
    int w = cfg->width, h = cfg->height;
    if ((w <= 0 || h <= 0) && SDL_GetDesktopDisplayMode(0, &mode) == 0) {
        w = mode.w;
        h = mode.h;
    }
    if (w <= 0 || h <= 0) {
        w = 1280;
        h = 800;
    }
    Uint32 flags = SDL_WINDOW_SHOWN | (cfg->windowed ? 0 : SDL_WINDOW_BORDERLESS);
    p->win = SDL_CreateWindow("Synaq", cfg->windowed ? SDL_WINDOWPOS_CENTERED : 0,
                              cfg->windowed ? SDL_WINDOWPOS_CENTERED : 0, w, h, flags);
    if (!p->win) {
        snprintf(err, err_len, "cannot open a window: %s", SDL_GetError());
        plat_close(p);
        return -1;
    }
    if (!cfg->software)
        p->ren = SDL_CreateRenderer(p->win, -1, SDL_RENDERER_ACCELERATED);
    if (!p->ren)
        p->ren = SDL_CreateRenderer(p->win, -1, SDL_RENDERER_SOFTWARE);
    if (!p->ren) {
        snprintf(err, err_len, "cannot draw on the window: %s", SDL_GetError());
        plat_close(p);
        return -1;
    }
    x_guard(p, cfg->restart_argv);
    SDL_GetRendererOutputSize(p->ren, &p->w, &p->h);
    p->clip = (SDL_Rect){0, 0, p->w, p->h};
    float ddpi = 0;
    if (SDL_GetDisplayDPI(0, &ddpi, NULL, NULL) == 0 && ddpi > 20)
        p->px_per_mm = ddpi / 25.4f;
    SDL_StartTextInput();
    IMG_Init(IMG_INIT_PNG | IMG_INIT_JPG);
    *out = p;
    if (TTF_Init() != 0) {
        snprintf(err, err_len, "cannot start the font engine: %s", TTF_GetError());
        return -1;
    }
    return read_fonts_list(p, cfg->fonts_list, err, err_len);
}

void plat_close(plat *p)
{
    if (!p)
        return;
    for (int i = 0; i < TEXT_SLOTS; i++)
        if (p->text[i].tex)
            SDL_DestroyTexture(p->text[i].tex);
    for (int i = 0; i < MAX_IMAGES; i++)
        if (p->images[i])
            SDL_DestroyTexture(p->images[i]);
    for (int i = 0; i < p->n_sizes; i++)
        for (int k = 0; k < MAX_FONTS; k++)
            if (p->sizes[i].f[k])
                TTF_CloseFont(p->sizes[i].f[k]);
    if (TTF_WasInit())
        TTF_Quit();
    IMG_Quit();
    if (p->ren)
        SDL_DestroyRenderer(p->ren);
    if (p->win)
        SDL_DestroyWindow(p->win);
    SDL_Quit();
    free(p);
}

static float finger_dist(const plat *p)
{
    float dx = p->fingers[0].x - p->fingers[1].x, dy = p->fingers[0].y - p->fingers[1].y;
    return SDL_sqrtf(dx * dx + dy * dy);
}

/* Touch fingers (SDL_FINGER*): one finger is SDL's mouse (SDL makes mouse
 * events of it); a second one starts a pinch, reported as PLAT_PINCH
 * with the ratio of the fingers' distance to the last one reported. */
static int translate_finger(plat *p, const SDL_Event *e, plat_event *ev)
{
    const SDL_TouchFingerEvent *t = &e->tfinger;
    float x = t->x * (float)p->w, y = t->y * (float)p->h;
    int i = 0;
    while (i < p->n_fingers && p->fingers[i].id != t->fingerId)
        i++;
    switch (e->type) {
    case SDL_FINGERDOWN:
        if (i < p->n_fingers || p->n_fingers == 2)
            return 0; /* a third finger, or a repeat: ignored */
        p->fingers[p->n_fingers].id = t->fingerId;
        p->fingers[p->n_fingers].x = x;
        p->fingers[p->n_fingers].y = y;
        if (++p->n_fingers < 2 || p->pinching)
            return 0;
        /* The second finger: the first one's press becomes a pinch. */
        p->pinching = true;
        p->pinch_dist = finger_dist(p);
        ev->type = PLAT_UP;
        ev->cancel = true;
        ev->x = (int)p->fingers[0].x;
        ev->y = (int)p->fingers[0].y;
        return 1;
    case SDL_FINGERMOTION: {
        if (i == p->n_fingers)
            return 0;
        p->fingers[i].x = x;
        p->fingers[i].y = y;
        if (!p->pinching || p->n_fingers < 2)
            return 0;
        float d = finger_dist(p);
        /* Fingers closer than a pixel or two say nothing about scale. */
        if (p->pinch_dist < 2.0f || d < 2.0f)
            return 0;
        ev->type = PLAT_PINCH;
        ev->scale = d / p->pinch_dist;
        ev->x = (int)((p->fingers[0].x + p->fingers[1].x) / 2);
        ev->y = (int)((p->fingers[0].y + p->fingers[1].y) / 2);
        p->pinch_dist = d;
        return 1;
    }
    case SDL_FINGERUP:
        if (i == p->n_fingers)
            return 0;
        p->fingers[i] = p->fingers[p->n_fingers - 1];
        p->n_fingers--;
        if (p->n_fingers == 0)
            p->pinching = false;
        return 0;
    default:
        return 0;
    }
}

static int translate(plat *p, const SDL_Event *e, plat_event *ev)
{
    memset(ev, 0, sizeof *ev);
    if (e->type == quit_event_type) {
        ev->type = PLAT_QUIT;
        return 1;
    }
    if (e->type == wake_event_type) {
        ev->type = PLAT_WAKE;
        return 1;
    }
    /* During a pinch, the mouse SDL makes of the first finger is not a
     * press of its own. */
    if (p->pinching && (((e->type == SDL_MOUSEBUTTONDOWN || e->type == SDL_MOUSEBUTTONUP) &&
                         e->button.which == SDL_TOUCH_MOUSEID) ||
                        (e->type == SDL_MOUSEMOTION && e->motion.which == SDL_TOUCH_MOUSEID)))
        return 0;
    switch (e->type) {
    case SDL_FINGERDOWN:
    case SDL_FINGERMOTION:
    case SDL_FINGERUP:
        return translate_finger(p, e, ev);
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button != SDL_BUTTON_LEFT)
            return 0;
        ev->type = PLAT_DOWN;
        ev->x = e->button.x;
        ev->y = e->button.y;
        return 1;
    case SDL_MOUSEBUTTONUP:
        if (e->button.button != SDL_BUTTON_LEFT)
            return 0;
        ev->type = PLAT_UP;
        ev->x = e->button.x;
        ev->y = e->button.y;
        return 1;
    case SDL_MOUSEMOTION:
        if (!(e->motion.state & SDL_BUTTON_LMASK))
            return 0;
        ev->type = PLAT_MOVE;
        ev->x = e->motion.x;
        ev->y = e->motion.y;
        return 1;
    case SDL_TEXTINPUT:
        ev->type = PLAT_TEXT;
        snprintf(ev->text, sizeof ev->text, "%s", e->text.text);
        return 1;
    case SDL_KEYDOWN:
        /* Escape and "back" are a screen's back (the picture viewer's);
         * Alt+F4, Ctrl+Q and the like mean nothing here. */
        if (e->key.keysym.sym == SDLK_ESCAPE || e->key.keysym.sym == SDLK_AC_BACK) {
            ev->type = PLAT_KEY;
            ev->key = PLAT_KEY_BACK;
            return 1;
        }
        if (e->key.keysym.sym == SDLK_BACKSPACE) {
            ev->type = PLAT_KEY;
            ev->key = PLAT_KEY_BACKSPACE;
            return 1;
        }
        if (e->key.keysym.sym == SDLK_RETURN || e->key.keysym.sym == SDLK_KP_ENTER) {
            ev->type = PLAT_KEY;
            ev->key = PLAT_KEY_ENTER;
            return 1;
        }
        return 0;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
            SDL_GetRendererOutputSize(p->ren, &p->w, &p->h);
            p->clip = (SDL_Rect){0, 0, p->w, p->h};
            ev->type = PLAT_RESIZE;
            return 1;
        }
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED) {
            ev->type = PLAT_EXPOSE;
            return 1;
        }
        return 0;
    case SDL_QUIT:
        /* The window manager's close button: a kiosk does not close. */
        return 0;
    default:
        return 0;
    }
}

void plat_wake(plat *p)
{
    (void)p;
    /* SDL_PushEvent is safe from any thread. */
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = wake_event_type;
    SDL_PushEvent(&e);
}

int plat_wait(plat *p, int timeout_ms, plat_event *ev)
{
    SDL_Event e;
    for (;;) {
        int got = timeout_ms < 0 ? SDL_WaitEvent(&e) : SDL_WaitEventTimeout(&e, timeout_ms);
        if (!got)
            return 0;
        if (translate(p, &e, ev))
            return 1;
        /* An event we ignore: keep waiting, but never past the deadline.
         * (A busy stream of ignored events shortens the wait; harmless.) */
        if (timeout_ms >= 0)
            return 0;
    }
}
