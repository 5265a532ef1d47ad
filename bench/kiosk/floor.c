/*
 * synaq-floor - the floor of the kiosk benchmark (bench/kiosk/README.md):
 * the least an SDL2 + SDL2_ttf program does to show one exam item. It
 * opens the kind of window the kiosk opens (borderless, 1280x800 at 0,0,
 * SDL's software renderer chosen with both SDL_RENDER_DRIVER=software and
 * SDL_FRAMEBUFFER_ACCELERATION=0), draws one demo item (law-01: the
 * question and its 4 options, Kazakh on the left, Russian on the right)
 * in Noto Sans at the kiosk's sizes, wrapped by SDL_ttf, presents, and
 * then sleeps in SDL_WaitEvent, redrawing only when the window is exposed.
 *
 *   synaq-floor [--first-frame-exit] [--frames N [--uncached [--fresh-fonts]]]
 *               [--size WxH] [--regular FONT] [--bold FONT]
 *
 * --first-frame-exit  exit right after the first frame is presented
 * --frames N          draw N frames back to back, then exit (frame timing:
 *                     the timing itself is taken by firstframe.so)
 * --uncached          with --frames: render every text anew in each frame
 *                     (the cost of a frame whose texts all changed)
 * --fresh-fonts       with --uncached: open the fonts anew before each
 *                     frame, so that it hints every glyph it shows for the
 *                     first time (SDL_ttf's and HarfBuzz's glyph caches
 *                     are the font's): a frame of new text in new letters
 * No data of Synaq, no store, no catalogue: only SDL.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <SDL.h>
#include <SDL_ttf.h>

#define N_OPT 4

/* law-01 of assets/demo/election-basics.yaml, in kk and ru. */
static const char *const question[2] = {
    "Қазақстанда сайлау өткізудің және электоралдық оқытуды ұйымдастырудың құқықтық негізі "
    "қандай акт болып табылады?",
    "Какой акт является правовой основой проведения выборов и организации электорального "
    "обучения в Казахстане?",
};
static const char *const option[2][N_OPT] = {
    {"«Қазақстан Республикасындағы сайлау туралы» Конституциялық заң",
     "Қазақстан Республикасының Азаматтық кодексі",
     "«Қазақстан Республикасының мемлекеттік қызметі туралы» Заң",
     "Қазақстан Республикасының Бюджет кодексі"},
    {"Конституционный закон «О выборах в Республике Казахстан»",
     "Гражданский кодекс Республики Казахстан",
     "Закон «О государственной службе Республики Казахстан»",
     "Бюджетный кодекс Республики Казахстан"},
};

typedef struct {
    SDL_Texture *tex;
    int w, h;
} text_tex;

typedef struct {
    SDL_Renderer *ren;
    TTF_Font *regular, *bold;
    int w, h;
    text_tex q[2], o[2][N_OPT];
    bool have;
} floor_state;

static const SDL_Color bg = {0xf3, 0xf5, 0xf7, 255}, fg = {0x1b, 0x1f, 0x24, 255},
                       panel = {0xff, 0xff, 0xff, 255}, border = {0xb8, 0xc2, 0xcc, 255},
                       accent = {0x0a, 0x5f, 0x7a, 255};

static int text_make(floor_state *s, text_tex *t, TTF_Font *f, const char *str, int wrap)
{
    SDL_Surface *surf = TTF_RenderUTF8_Blended_Wrapped(f, str, fg, (Uint32)wrap);
    if (!surf)
        return -1;
    t->tex = SDL_CreateTextureFromSurface(s->ren, surf);
    t->w = surf->w;
    t->h = surf->h;
    SDL_FreeSurface(surf);
    return t->tex ? 0 : -1;
}

static void texts_drop(floor_state *s)
{
    for (int l = 0; l < 2; l++) {
        if (s->q[l].tex)
            SDL_DestroyTexture(s->q[l].tex);
        for (int i = 0; i < N_OPT; i++)
            if (s->o[l][i].tex)
                SDL_DestroyTexture(s->o[l][i].tex);
    }
    memset(s->q, 0, sizeof s->q);
    memset(s->o, 0, sizeof s->o);
    s->have = false;
}

/* The layout of the kiosk at 1280x800: gap 13, body 26 px, question 28 px
 * bold; here two columns, one a language. */
#define GAP 13
#define BAR 80

static int col_w(const floor_state *s)
{
    return (s->w - 3 * 2 * GAP) / 2;
}

static int texts_make(floor_state *s)
{
    int cw = col_w(s);
    for (int l = 0; l < 2; l++) {
        if (text_make(s, &s->q[l], s->bold, question[l], cw))
            return -1;
        for (int i = 0; i < N_OPT; i++)
            if (text_make(s, &s->o[l][i], s->regular, option[l][i], cw - 4 * GAP))
                return -1;
    }
    s->have = true;
    return 0;
}

static void fill(SDL_Renderer *r, int x, int y, int w, int h, SDL_Color c)
{
    SDL_Rect rect = {x, y, w, h};
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(r, &rect);
}

static void blit(SDL_Renderer *r, const text_tex *t, int x, int y)
{
    SDL_Rect dst = {x, y, t->w, t->h};
    SDL_RenderCopy(r, t->tex, NULL, &dst);
}

static int frame(floor_state *s, bool uncached)
{
    SDL_Renderer *r = s->ren;
    SDL_SetRenderDrawColor(r, bg.r, bg.g, bg.b, bg.a);
    SDL_RenderClear(r);
    if (uncached)
        texts_drop(s);
    if (!s->have && texts_make(s))
        return -1;
    fill(r, 0, 0, s->w, BAR, accent);
    int cw = col_w(s);
    for (int l = 0; l < 2; l++) {
        int x = 2 * GAP + l * (cw + 2 * GAP), y = BAR + GAP;
        blit(r, &s->q[l], x, y);
        y += s->q[l].h + GAP;
        for (int i = 0; i < N_OPT; i++) {
            const text_tex *t = &s->o[l][i];
            int oh = t->h + 2 * GAP;
            fill(r, x, y, cw, oh, border);
            fill(r, x + 1, y + 1, cw - 2, oh - 2, panel);
            blit(r, t, x + 3 * GAP, y + GAP);
            y += oh + GAP;
        }
    }
    SDL_RenderPresent(r);
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: synaq-floor [--first-frame-exit] [--frames N [--uncached [--fresh-fonts]]]\n"
          "                   [--size WxH]\n"
          "                   [--regular FONT] [--bold FONT]\n",
          f);
}

int main(int argc, char **argv)
{
    bool first_exit = false, uncached = false, fresh = false;
    long frames = 0;
    int w = 1280, h = 800;
    const char *regular = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf";
    const char *bold = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--first-frame-exit"))
            first_exit = true;
        else if (!strcmp(argv[i], "--uncached"))
            uncached = true;
        else if (!strcmp(argv[i], "--fresh-fonts"))
            fresh = true;
        else if (!strcmp(argv[i], "--frames") && i + 1 < argc)
            frames = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            if (sscanf(argv[++i], "%dx%d", &w, &h) != 2 || w <= 0 || h <= 0) {
                usage(stderr);
                return 2;
            }
        } else if (!strcmp(argv[i], "--regular") && i + 1 < argc)
            regular = argv[++i];
        else if (!strcmp(argv[i], "--bold") && i + 1 < argc)
            bold = argv[++i];
        else if (!strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }

    SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "synaq-floor: %s\n", SDL_GetError());
        return 1;
    }
    SDL_Window *win = SDL_CreateWindow("floor", 0, 0, w, h, SDL_WINDOW_SHOWN | SDL_WINDOW_BORDERLESS);
    SDL_Renderer *ren = win ? SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE) : NULL;
    if (!ren) {
        fprintf(stderr, "synaq-floor: %s\n", SDL_GetError());
        return 1;
    }
    floor_state s = {.ren = ren};
    SDL_GetRendererOutputSize(ren, &s.w, &s.h);
    if (TTF_Init() != 0 || !(s.regular = TTF_OpenFont(regular, 26)) ||
        !(s.bold = TTF_OpenFont(bold, 28))) {
        fprintf(stderr, "synaq-floor: fonts: %s\n", TTF_GetError());
        return 1;
    }
    int rc = 0;
    if (frame(&s, false)) {
        fprintf(stderr, "synaq-floor: cannot draw: %s\n", SDL_GetError());
        rc = 1;
    } else if (frames > 0) {
        for (long i = 1; i < frames && !rc; i++) {
            /* --fresh-fonts: the fonts opened anew before each frame
             * (outside it), so that the frame hints every glyph it shows
             * for the first time, as a kiosk's first view of new letters. */
            if (fresh && uncached) {
                TTF_CloseFont(s.regular);
                TTF_CloseFont(s.bold);
                s.bold = NULL;
                if (!(s.regular = TTF_OpenFont(regular, 26)) || !(s.bold = TTF_OpenFont(bold, 28))) {
                    fprintf(stderr, "synaq-floor: fonts: %s\n", TTF_GetError());
                    rc = 1;
                    break;
                }
            }
            rc = frame(&s, uncached) ? 1 : 0;
        }
    } else if (!first_exit) {
        SDL_Event e;
        while (SDL_WaitEvent(&e)) {
            if (e.type == SDL_QUIT)
                break;
            if (e.type == SDL_WINDOWEVENT && (e.window.event == SDL_WINDOWEVENT_EXPOSED ||
                                              e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)) {
                SDL_GetRendererOutputSize(ren, &s.w, &s.h);
                if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
                    texts_drop(&s);
                frame(&s, false);
            }
        }
    }
    texts_drop(&s);
    TTF_CloseFont(s.regular);
    TTF_CloseFont(s.bold);
    TTF_Quit();
    SDL_DestroyRenderer(ren);
    SDL_DestroyWindow(win);
    SDL_Quit();
    return rc;
}
