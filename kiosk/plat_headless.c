/*
 * plat_headless.c - the platform layer with no SDL (plat.h, and
 * plat_headless.h for what tests get beyond it): a screen of fixed size,
 * fixed-width glyphs, input from a queue the caller fills, and a log of
 * what each frame drew. It sits where plat_sdl.c does, under ui.c, so the
 * screens above run unchanged; synaq-kiosk-headless runs the test scripts
 * on it, and tests/kiosk/test_screens.c the screens' logic, in
 * milliseconds and without a display or fonts.
 *
 * Layout here is exact but not the real fonts': every code point is
 * px * 3 / 5 wide, a little more than Noto Sans's average for Latin and
 * about its width for Cyrillic capitals, so an overflow found here is a
 * layout that leaves little room, and one found only with the real fonts
 * is not seen here. Screenshots are real PNGs (zlib, no libpng): each op
 * painted as boxes, a text as one box per glyph, so that people can see
 * where things went, and a test can read a pixel back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "plat_headless.h"
#include "synaq/synaq.h"

#define DEFAULT_W 1280
#define DEFAULT_H 800
#define MAX_IMAGES 64
#define MAX_IMAGE_SIDE 16384
#define PNG_CHUNK (64 * 1024) /* the bytes of one IDAT chunk, at most */

/* One frame's log: ops, and their texts one after another. */
typedef struct {
    plat_op ops[PLAT_HEADLESS_OPS];
    int n_ops, dropped;
    char text[PLAT_HEADLESS_TEXT_BYTES];
    size_t text_len;
} frame_log;

struct plat {
    int w, h;
    plat_event queue[PLAT_HEADLESS_QUEUE];
    int q_head, q_len;
    /* Two logs: one being drawn, one shown; plat_present swaps them. */
    frame_log logs[2];
    int drawing;
    int frames;
    int clip_x, clip_y, clip_w, clip_h;
    bool missing_glyph;
    plat_renders renders;
    struct {
        bool used;
        int w, h;
    } images[MAX_IMAGES];
};

/* ---- glyphs ---- */

/* The code points with a glyph, beyond ASCII: roughly what the kiosk's
 * fonts (Noto Sans, DejaVu Sans) cover of the scripts and symbols its
 * texts use: Latin, Greek, Cyrillic (Kazakh's letters included), general
 * punctuation (dashes, quotes, …), currency (₸), letterlike (№), arrows,
 * technical (⌫), geometric shapes (●), and U+FFFD, which stands for a
 * byte that starts no character. Emoji, CJK and the like are missing. */
static const struct {
    uint32_t lo, hi;
} glyph_blocks[] = {
    {0x00a0, 0x024f}, {0x0370, 0x03ff}, {0x0400, 0x052f}, {0x2000, 0x206f}, {0x20a0, 0x20cf},
    {0x2100, 0x214f}, {0x2190, 0x21ff}, {0x2300, 0x23ff}, {0x25a0, 0x25ff}, {0xfffd, 0xfffd},
};

static bool has_glyph(uint32_t cp)
{
    if (cp < 0x80)
        return true; /* as plat_sdl.c: ASCII is never looked up */
    for (size_t i = 0; i < sizeof glyph_blocks / sizeof glyph_blocks[0]; i++)
        if (cp >= glyph_blocks[i].lo && cp <= glyph_blocks[i].hi)
            return true;
    return false;
}

/* One code point (sq_utf8_next); a byte that starts none is U+FFFD and
 * one cell, as in plat_sdl.c. */
static uint32_t next_cp(const char *s, size_t len, size_t *i)
{
    uint32_t c = 0;
    size_t n = sq_utf8_next(s + *i, len - *i, &c);
    *i += n ? n : 1;
    return n ? c : 0xfffd;
}

static int advance(int px)
{
    int a = px * 3 / 5;
    return a > 0 ? a : 1;
}

int plat_text_width(plat *p, int px, int bold, const char *s, size_t len)
{
    int cells = 0;
    /* Missing glyphs are noted where text is measured, as in plat_sdl.c. */
    for (size_t i = 0; i < len; cells++)
        if (!has_glyph(next_cp(s, len, &i)))
            p->missing_glyph = true;
    return cells * advance(px);
}

int plat_line_height(plat *p, int px)
{
    return px * 5 / 4;
}

bool plat_can_draw_text(const plat *p)
{
    return true;
}

bool plat_missing_glyphs(const plat *p)
{
    return p->missing_glyph;
}

bool plat_has_glyph(plat *p, int px, uint32_t cp)
{
    return has_glyph(cp);
}

void plat_text_cache(const plat *p, size_t *bytes, int *entries)
{
    *bytes = 0;
    *entries = 0;
}

size_t plat_text_cache_bound(void)
{
    return 0;
}

/* No text cache here, so nothing to render ahead: a text is as cheap
 * the first time as the next. Its glyphs are looked at as plat_text
 * would (missing ones noted), and the budget is left untouched. */
int plat_text_prefetch(plat *p, int y, int px, int bold, plat_color c, const char *s, size_t len,
                       int *budget)
{
    (void)bold;
    (void)c;
    (void)budget;
    int lh = plat_line_height(p, px);
    if (len == 0 || y >= p->clip_y + p->clip_h || y + 2 * lh <= p->clip_y)
        return PLAT_PREFETCH_DONE;
    for (size_t i = 0; i < len;)
        if (!has_glyph(next_cp(s, len, &i)))
            p->missing_glyph = true;
    return PLAT_PREFETCH_DONE;
}

void plat_text_renders(const plat *p, plat_renders *out)
{
    *out = p->renders;
}

/* ---- the log ---- */

/* A new op in the frame being drawn, with the clip in effect; NULL when
 * the log is full (counted). */
static plat_op *op_add(plat *p, plat_op_kind kind, int x, int y, int w, int h, plat_color c)
{
    frame_log *l = &p->logs[p->drawing];
    if (l->n_ops == PLAT_HEADLESS_OPS) {
        l->dropped++;
        return NULL;
    }
    plat_op *o = &l->ops[l->n_ops++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->x = x;
    o->y = y;
    o->w = w;
    o->h = h;
    o->c = c;
    o->clip_x = p->clip_x;
    o->clip_y = p->clip_y;
    o->clip_w = p->clip_w;
    o->clip_h = p->clip_h;
    return o;
}

void plat_clear(plat *p, plat_color c)
{
    /* A frame starts here: what was drawn since the last present is gone
     * under the clear anyway. */
    frame_log *l = &p->logs[p->drawing];
    l->n_ops = l->dropped = 0;
    l->text_len = 0;
    p->renders.frame = 0;
    plat_op *o = op_add(p, PLAT_OP_CLEAR, 0, 0, p->w, p->h, c);
    if (o) {
        o->clip_x = o->clip_y = 0;
        o->clip_w = p->w;
        o->clip_h = p->h;
    }
}

void plat_fill(plat *p, int x, int y, int w, int h, plat_color c)
{
    op_add(p, PLAT_OP_FILL, x, y, w, h, c);
}

void plat_outline(plat *p, int x, int y, int w, int h, int thickness, plat_color c)
{
    plat_op *o = op_add(p, PLAT_OP_OUTLINE, x, y, w, h, c);
    if (o)
        o->t = thickness;
}

void plat_clip(plat *p, int x, int y, int w, int h)
{
    if (w <= 0) {
        p->clip_x = p->clip_y = 0;
        p->clip_w = p->w;
        p->clip_h = p->h;
    } else {
        p->clip_x = x;
        p->clip_y = y;
        p->clip_w = w;
        p->clip_h = h;
    }
    plat_color none = {0, 0, 0, 0};
    op_add(p, PLAT_OP_CLIP, p->clip_x, p->clip_y, p->clip_w, p->clip_h, none);
}

void plat_text(plat *p, int x, int y, int px, int bold, plat_color c, const char *s, size_t len)
{
    if (len == 0)
        return;
    /* As plat_sdl.c: a line the clip hides is not drawn at all (its
     * glyphs not looked at either). */
    int lh = plat_line_height(p, px);
    if (y >= p->clip_y + p->clip_h || y + 2 * lh <= p->clip_y)
        return;
    for (size_t i = 0; i < len;)
        if (!has_glyph(next_cp(s, len, &i)))
            p->missing_glyph = true;
    frame_log *l = &p->logs[p->drawing];
    if (l->text_len + len + 1 > sizeof l->text) {
        l->dropped++;
        return;
    }
    plat_op *o = op_add(p, PLAT_OP_TEXT, x, y, plat_text_width(p, px, bold, s, len), lh, c);
    if (!o)
        return;
    p->renders.drawn++;
    p->renders.frame++;
    char *t = l->text + l->text_len;
    memcpy(t, s, len);
    t[len] = 0;
    l->text_len += len + 1;
    o->text = t;
    o->px = px;
    o->bold = (bold & PLAT_BOLD) != 0;
    o->italic = (bold & PLAT_ITALIC) != 0;
}

void plat_present(plat *p)
{
    p->drawing ^= 1;
    p->frames++;
    frame_log *l = &p->logs[p->drawing];
    l->n_ops = l->dropped = 0;
    l->text_len = 0;
}

void plat_headless_frame(const plat *p, plat_headless_log *out)
{
    const frame_log *l = &p->logs[p->drawing ^ 1];
    out->ops = l->ops;
    out->n_ops = l->n_ops;
    out->dropped = l->dropped;
    out->frames = p->frames;
}

const plat_op *plat_headless_find_text(const plat *p, const char *s)
{
    const frame_log *l = &p->logs[p->drawing ^ 1];
    for (int i = 0; i < l->n_ops; i++)
        if (l->ops[i].kind == PLAT_OP_TEXT && strstr(l->ops[i].text, s))
            return &l->ops[i];
    return NULL;
}

/* ---- images: sizes only ---- */

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int plat_image_load(plat *p, const uint8_t *data, size_t len, int *w, int *h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /* The signature, then the IHDR chunk: length 13, type, width, height. */
    if (len < 33 || memcmp(data, sig, 8) != 0 || be32(data + 8) != 13 ||
        memcmp(data + 12, "IHDR", 4) != 0)
        return 0;
    uint32_t iw = be32(data + 16), ih = be32(data + 20);
    if (iw == 0 || ih == 0 || iw > MAX_IMAGE_SIDE || ih > MAX_IMAGE_SIDE)
        return 0;
    for (int i = 1; i < MAX_IMAGES; i++)
        if (!p->images[i].used) {
            p->images[i].used = true;
            p->renders.images++;
            p->images[i].w = (int)iw;
            p->images[i].h = (int)ih;
            *w = (int)iw;
            *h = (int)ih;
            return i;
        }
    return 0;
}

void plat_image_free(plat *p, int handle)
{
    if (handle > 0 && handle < MAX_IMAGES)
        p->images[handle].used = false;
}

void plat_image(plat *p, int handle, int x, int y, int w, int h)
{
    if (handle <= 0 || handle >= MAX_IMAGES || !p->images[handle].used)
        return;
    plat_color grey = {0x90, 0x98, 0xa0, 255};
    plat_op *o = op_add(p, PLAT_OP_IMAGE, x, y, w, h, grey);
    if (o)
        o->image = handle;
}

/* ---- painting: the screenshot's pixels ---- */

/* Calls fn for each box an op paints, cut to its clip and the screen. */
typedef void (*box_fn)(void *ctx, int x0, int y0, int x1, int y1, plat_color c);

static void box(const plat *p, const plat_op *o, int x, int y, int w, int h, box_fn fn, void *ctx)
{
    int x0 = x > o->clip_x ? x : o->clip_x, y0 = y > o->clip_y ? y : o->clip_y;
    int x1 = x + w, y1 = y + h;
    if (x1 > o->clip_x + o->clip_w)
        x1 = o->clip_x + o->clip_w;
    if (y1 > o->clip_y + o->clip_h)
        y1 = o->clip_y + o->clip_h;
    if (x0 < 0)
        x0 = 0;
    if (y0 < 0)
        y0 = 0;
    if (x1 > p->w)
        x1 = p->w;
    if (y1 > p->h)
        y1 = p->h;
    if (x0 < x1 && y0 < y1)
        fn(ctx, x0, y0, x1, y1, o->c);
}

static void op_boxes(const plat *p, const plat_op *o, box_fn fn, void *ctx)
{
    switch (o->kind) {
    case PLAT_OP_CLEAR:
    case PLAT_OP_FILL:
    case PLAT_OP_IMAGE:
        box(p, o, o->x, o->y, o->w, o->h, fn, ctx);
        break;
    case PLAT_OP_OUTLINE:
        /* Four fills, as plat_sdl.c draws it. */
        box(p, o, o->x, o->y, o->w, o->t, fn, ctx);
        box(p, o, o->x, o->y + o->h - o->t, o->w, o->t, fn, ctx);
        box(p, o, o->x, o->y, o->t, o->h, fn, ctx);
        box(p, o, o->x + o->w - o->t, o->y, o->t, o->h, fn, ctx);
        break;
    case PLAT_OP_TEXT: {
        /* A box in each glyph's cell, none for a space. */
        int adv = advance(o->px), x = o->x;
        size_t len = strlen(o->text);
        for (size_t i = 0; i < len; x += adv) {
            uint32_t c = next_cp(o->text, len, &i);
            if (c != ' ' && c != 0xa0)
                box(p, o, x + adv / 8, o->y + o->h / 4, adv - adv / 4, o->h - o->h / 4 - o->h / 8,
                    fn, ctx);
        }
        break;
    }
    case PLAT_OP_CLIP:
        break;
    }
}

static void blend(uint8_t *px, plat_color c)
{
    /* As SDL: opaque colours replace, others blend over. */
    if (c.a == 255) {
        px[0] = c.r;
        px[1] = c.g;
        px[2] = c.b;
        return;
    }
    px[0] = (uint8_t)((c.r * c.a + px[0] * (255 - c.a)) / 255);
    px[1] = (uint8_t)((c.g * c.a + px[1] * (255 - c.a)) / 255);
    px[2] = (uint8_t)((c.b * c.a + px[2] * (255 - c.a)) / 255);
}

typedef struct {
    uint8_t *rgb;
    int w;
} paint_ctx;

static void paint_box(void *vctx, int x0, int y0, int x1, int y1, plat_color c)
{
    paint_ctx *pc = vctx;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            blend(pc->rgb + ((size_t)y * (size_t)pc->w + (size_t)x) * 3, c);
}

typedef struct {
    int x, y;
    uint8_t rgb[3];
} pixel_ctx;

static void pixel_box(void *vctx, int x0, int y0, int x1, int y1, plat_color c)
{
    pixel_ctx *pc = vctx;
    if (pc->x >= x0 && pc->x < x1 && pc->y >= y0 && pc->y < y1)
        blend(pc->rgb, c);
}

plat_color plat_headless_pixel(const plat *p, int x, int y)
{
    const frame_log *l = &p->logs[p->drawing ^ 1];
    pixel_ctx pc = {x, y, {0, 0, 0}};
    for (int i = 0; i < l->n_ops; i++)
        op_boxes(p, &l->ops[i], pixel_box, &pc);
    plat_color c = {pc.rgb[0], pc.rgb[1], pc.rgb[2], 255};
    return c;
}

/* ---- PNG ---- */

static void put_be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* One chunk: length, type, data, CRC of type and data. */
static bool png_chunk(FILE *f, const char *type, const uint8_t *data, size_t len)
{
    uint8_t head[8], tail[4];
    put_be32(head, (uint32_t)len);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0, head + 4, 4);
    if (len)
        crc = crc32(crc, data, (uInt)len);
    put_be32(tail, (uint32_t)crc);
    return fwrite(head, 1, 8, f) == 8 && (len == 0 || fwrite(data, 1, len, f) == len) &&
           fwrite(tail, 1, 4, f) == 4;
}

/* Deflates n bytes of in (flush: Z_NO_FLUSH, or Z_FINISH for the end of
 * the stream) into IDAT chunks of at most PNG_CHUNK bytes, through out. */
static bool png_deflate(FILE *f, z_stream *z, const uint8_t *in, size_t n, int flush, uint8_t *out)
{
    z->next_in = (Bytef *)in;
    z->avail_in = (uInt)n;
    for (;;) {
        z->next_out = out;
        z->avail_out = PNG_CHUNK;
        int rc = deflate(z, flush);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            return false;
        if (z->avail_out < PNG_CHUNK && !png_chunk(f, "IDAT", out, PNG_CHUNK - z->avail_out))
            return false;
        if (flush == Z_FINISH ? rc == Z_STREAM_END : z->avail_in == 0 && z->avail_out > 0)
            return true;
    }
}

/* Writes rgb (w x h, 8-bit RGB) as a PNG to f, row by row. */
static bool png_write(FILE *f, const uint8_t *rgb, int w, int h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t ihdr[13];
    put_be32(ihdr, (uint32_t)w);
    put_be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;  /* bits per sample */
    ihdr[9] = 2;  /* RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* filter method 0; every row says "none" */
    ihdr[12] = 0; /* not interlaced */
    if (fwrite(sig, 1, 8, f) != 8 || !png_chunk(f, "IHDR", ihdr, sizeof ihdr))
        return false;
    uint8_t *out = malloc(PNG_CHUNK);
    z_stream z;
    memset(&z, 0, sizeof z);
    /* The fastest level: a frame of flat boxes compresses well at any. */
    if (!out || deflateInit(&z, Z_BEST_SPEED) != Z_OK) {
        free(out);
        return false;
    }
    static const uint8_t filter_none = 0;
    bool ok = true;
    for (int y = 0; ok && y < h; y++)
        ok = png_deflate(f, &z, &filter_none, 1, Z_NO_FLUSH, out) &&
             png_deflate(f, &z, rgb + (size_t)y * (size_t)w * 3, (size_t)w * 3, Z_NO_FLUSH, out);
    ok = ok && png_deflate(f, &z, NULL, 0, Z_FINISH, out);
    deflateEnd(&z);
    free(out);
    return ok && png_chunk(f, "IEND", NULL, 0);
}

int plat_screenshot(plat *p, const char *path, char *err, size_t err_len)
{
    int rc = -1;
    FILE *f = NULL;
    uint8_t *rgb = calloc((size_t)p->w * (size_t)p->h, 3);
    if (!rgb) {
        snprintf(err, err_len, "cannot write screenshot %s: out of memory", path);
        goto out;
    }
    const frame_log *l = &p->logs[p->drawing ^ 1];
    paint_ctx pc = {rgb, p->w};
    for (int i = 0; i < l->n_ops; i++)
        op_boxes(p, &l->ops[i], paint_box, &pc);
    f = fopen(path, "wb");
    if (!f) {
        snprintf(err, err_len, "cannot write screenshot %s: %s", path, strerror(errno));
        goto out;
    }
    bool ok = png_write(f, rgb, p->w, p->h);
    int werr = ferror(f) ? errno : 0;
    if (fclose(f) != 0 && !werr)
        werr = errno;
    f = NULL;
    if (!ok || werr) {
        snprintf(err, err_len, "cannot write screenshot %s: %s", path,
                 werr ? strerror(werr) : "the image could not be compressed");
        goto out;
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    free(rgb);
    return rc;
}

/* ---- the screen and its input ---- */

void plat_size(const plat *p, int *w, int *h)
{
    *w = p->w;
    *h = p->h;
}

float plat_px_per_mm(const plat *p)
{
    return 0; /* unknown: the ui sizes its touch targets from the screen */
}

int plat_open(const plat_config *cfg, plat **out, char *err, size_t err_len)
{
    *out = NULL;
    plat *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    p->w = cfg && cfg->width > 0 && cfg->height > 0 ? cfg->width : DEFAULT_W;
    p->h = cfg && cfg->width > 0 && cfg->height > 0 ? cfg->height : DEFAULT_H;
    p->clip_w = p->w;
    p->clip_h = p->h;
    *out = p;
    return 0;
}

void plat_close(plat *p)
{
    free(p);
}

int plat_headless_push(plat *p, const plat_event *ev)
{
    if (p->q_len == PLAT_HEADLESS_QUEUE)
        return -1;
    p->queue[(p->q_head + p->q_len) % PLAT_HEADLESS_QUEUE] = *ev;
    p->q_len++;
    return 0;
}

int plat_headless_pinch(plat *p, int x, int y, float scale, int steps)
{
    if (!(scale > 0) || steps < 1 || p->q_len + steps + 2 > PLAT_HEADLESS_QUEUE)
        return -1;
    /* The fingers 100 px apart at first, then evenly further (or closer). */
    float d0 = 100.0f, d1 = d0 * scale, last = d0;
    plat_event down = {.type = PLAT_DOWN, .x = x - 50, .y = y};
    plat_event up = {.type = PLAT_UP, .x = x - 50, .y = y, .cancel = true};
    if (plat_headless_push(p, &down) || plat_headless_push(p, &up))
        return -1;
    for (int i = 1; i <= steps; i++) {
        float d = d0 + (d1 - d0) * (float)i / (float)steps;
        plat_event pinch = {.type = PLAT_PINCH, .x = x, .y = y, .scale = d / last};
        last = d;
        if (plat_headless_push(p, &pinch))
            return -1;
    }
    return 0;
}

int plat_headless_queued(const plat *p)
{
    return p->q_len;
}

int plat_headless_resize(plat *p, int w, int h)
{
    plat_event ev = {.type = PLAT_RESIZE};
    if (w <= 0 || h <= 0 || plat_headless_push(p, &ev))
        return -1;
    p->w = w;
    p->h = h;
    p->clip_x = p->clip_y = 0;
    p->clip_w = w;
    p->clip_h = h;
    return 0;
}

void plat_wake(plat *p)
{
    /* Input comes from the queue only, and scripts look at a long action
     * themselves (script.c): nothing to wake. */
    (void)p;
}

int plat_wait(plat *p, int timeout_ms, plat_event *ev)
{
    memset(ev, 0, sizeof *ev);
    if (p->q_len == 0) {
        /* Nobody can touch a headless screen: no event will ever come.
         * The kiosk stops as on a signal rather than wait forever. */
        ev->type = PLAT_QUIT;
        return 1;
    }
    *ev = p->queue[p->q_head];
    p->q_head = (p->q_head + 1) % PLAT_HEADLESS_QUEUE;
    p->q_len--;
    return 1;
}
