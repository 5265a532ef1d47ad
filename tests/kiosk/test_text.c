/*
 * test_text.c - the kiosk's line breaking (kiosk/ui.c) and text cache
 * (kiosk/plat_sdl.c) on the real fonts, headless (SDL's dummy driver).
 *
 *   test_text FONTS_LIST EN.json KK.json RU.json
 *
 * Wrapping measures whole candidate lines (ui_line_end); checked here, for
 * every text of the three catalogues and Kazakh, Russian and English
 * questions, at 8 sizes, regular and bold, in 7 widths:
 *  - each line ends exactly where the old way (the growing prefix measured
 *    at every word, the first that did not fit ending the line) ends it;
 *  - no line is wider than the box;
 *  - the width used for a line is TTF_SizeUTF8 of the whole line, for
 *    every line drawn in one font with no digits (digits are drawn one by
 *    one: plat.h).
 * It also prints how far the widths of the words summed with the width of
 * a space are from the whole line's width. They are not the same: SDL_ttf
 * places glyphs at fractional positions (HarfBuzz) and rounds a text's
 * width once, at its ends, so a sum of words is off by up to a pixel a
 * word, either way; which is why lines are measured whole.
 *
 * The text cache: an hour of a clock drawn adds a handful of textures,
 * not 3,600 (digits are drawn one by one); then 3,000 long lines: the
 * cache stays within its bound in bytes, a text drawn before the churn is
 * drawn the same after it, and text below the clip is not rendered.
 *
 * Italic (a lesson's *emphasis*): with the real list, italic and bold
 * italic text is measured (so drawn) in the list's italic faces, not the
 * upright; with a list that names no italic face, italic still renders,
 * slanted: pixels other than the upright's, none cut at its width.
 *
 * Touch: two fingers (SDL_FINGER* events pushed into SDL's queue, as a
 * touchscreen's driver makes them) become a pinch: the first finger's
 * press taken back (PLAT_UP, cancel), then PLAT_PINCH with the ratio of
 * the distances and the midpoint; SDL's mouse made of the finger is
 * ignored meanwhile; a third finger changes nothing; once both are up a
 * press is a press again. Escape is the back key.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <SDL_ttf.h>

#include "check.h"
#include "plat.h"
#include "ui.h"

#define MAX_TEXTS 2048

static const char *texts[MAX_TEXTS];
static int n_texts;

/* Questions and options of the demo exam (assets/demo), in kk, ru, en,
 * and long texts of the kind a bank holds. */
static const char *const questions[] = {
    "ОСК хатшысының айтуынша, сайлау комиссиялары мүшелерін жергілікті бюджет қаражаты "
    "есебінен оқытуды қандай актілер реттейді? Барлық дұрыс жауапты таңдаңыз.",
    "Қазақстан Республикасының Президентін және Парламент Мәжілісінің депутаттарын сайлау "
    "қандай қағидаттар негізінде өтеді? Барлық дұрыс жауапты таңдаңыз.",
    "«Қазақстан Республикасындағы сайлау туралы» Конституциялық заң",
    "Сайлауды ұйымдастырушылар, орталық және жергілікті атқарушы органдардың мемлекеттік "
    "қызметшілері, сот жүйесінің және құқық қорғау органдарының қызметкерлері, сайлау "
    "процесінің басқа да қатысушылары",
    "Әдістемелік кешендер мен оқу материалдарын әзірлеу; ғ, қ, ң, ө, ұ, ү, һ, і — "
    "Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі",
    "По словам секретаря ЦИК, какие акты регулируют обучение членов избирательных комиссий "
    "за счёт средств местного бюджета? Выберите все верные ответы.",
    "Для организаторов выборов, госслужащих центральных и местных исполнительных органов, "
    "сотрудников судебной системы и правоохранительных органов, других участников "
    "избирательного процесса",
    "Конституционный закон «О выборах в Республике Казахстан»",
    "Which act is the legal basis for holding elections and organising electoral training "
    "in Kazakhstan? Choose all correct answers: AVA, Tyffany, WAVE, fi fl ff.",
    "Демонстрациялық тест. Әр талпыныста 20 сұрақ, уақыты — 20 минут. Тесттен өту үшін "
    "ұпайдың кемінде 70 пайызын жинау қажет.",
    "1 / 20   Қалған уақыт: 1:09:59",
    "Оставшееся время: 0:00:01\nВопрос 12 из 20",
    "  leading spaces, trailing spaces   \n\n  and   runs   of   spaces  ",
    "Қазақстанның_сайлау_комиссияларының_мүшелерін_оқыту_бағдарламасы сөзі өте ұзын",
};

static void add_text(const char *s)
{
    if (n_texts < MAX_TEXTS)
        texts[n_texts++] = s;
}

static int load_catalogue(const char *path, json_t **out)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j || !json_is_object(j)) {
        fprintf(stderr, "test_text: %s: %s\n", path, j ? "not an object" : je.text);
        json_decref(j);
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (json_is_string(v))
            add_text(json_string_value(v));
    }
    *out = j;
    return 0;
}

/* The line end the kiosk had before lines were measured whole: every
 * word's growing prefix measured, the first that does not fit ends it. */
static size_t old_line_end(ui *u, const char *s, size_t n, size_t pos, int w, int px, bool bold)
{
    size_t end = pos, best = pos;
    while (end < n && s[end] != '\n') {
        size_t w_end = end;
        while (w_end < n && s[w_end] == ' ')
            w_end++;
        while (w_end < n && s[w_end] != ' ' && s[w_end] != '\n')
            w_end++;
        if (plat_text_width(u->p, px, bold, s + pos, w_end - pos) > w)
            break;
        best = end = w_end;
    }
    return best;
}

/* Decodes one code point of valid UTF-8 and advances. */
static uint32_t next_cp(const char *s, size_t *i)
{
    const unsigned char *b = (const unsigned char *)s + *i;
    uint32_t c = b[0];
    int n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
    if (n)
        c &= 0x3f >> n;
    for (int k = 1; k <= n; k++)
        c = c << 6 | (b[k] & 0x3f);
    *i += (size_t)n + 1;
    return c;
}

/* Whether the primary font shows every character of the line and it has
 * no digit: then plat draws it as one run, one TTF rendering. */
static bool one_run(TTF_Font *f, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t c = next_cp(s, &i);
        if ((c >= '0' && c <= '9') || !TTF_GlyphIsProvided32(f, c))
            return false;
    }
    return true;
}

static int ttf_width(TTF_Font *f, const char *s, size_t len)
{
    char buf[2048];
    int w = 0, h = 0;
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = 0;
    TTF_SizeUTF8(f, buf, &w, &h);
    return w;
}

/* What the width of the words summed with the spaces gives for the line. */
static int summed_width(TTF_Font *f, const char *s, size_t len)
{
    int space = ttf_width(f, " ", 1), w = 0;
    size_t i = 0;
    while (i < len) {
        if (s[i] == ' ') {
            w += space;
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && s[j] != ' ')
            j++;
        w += ttf_width(f, s + i, j - i);
        i = j;
    }
    return w;
}

typedef struct {
    long lines, one_run_lines, summed_differ;
    int summed_min, summed_max;
} tally;

static void check_text(ui *u, TTF_Font *f, const char *s, int w, int px, bool bold, tally *t)
{
    size_t n = strlen(s), pos = 0;
    int guess = 0;
    while (pos <= n) {
        size_t got = ui_line_end(u, s, n, pos, w, px, bold, &guess);
        size_t want = old_line_end(u, s, n, pos, w, px, bold);
        CHECK_INT(want, got);
        if (want != got)
            fprintf(stderr, "  px %d%s, width %d, at %zu of \"%s\"\n", px, bold ? " bold" : "", w,
                    pos, s);
        size_t next = want;
        if (want == pos && pos < n && s[pos] != '\n') {
            /* A word wider than the box (ui_text breaks inside it). */
            while (next < n && s[next] != ' ' && s[next] != '\n')
                next++;
        } else if (want > pos) {
            int lw = plat_text_width(u->p, px, bold, s + pos, want - pos);
            CHECK(lw <= w);
            t->lines++;
            if (one_run(f, s + pos, want - pos)) {
                t->one_run_lines++;
                CHECK_INT(ttf_width(f, s + pos, want - pos), lw);
                int d = summed_width(f, s + pos, want - pos) - lw;
                if (d) {
                    t->summed_differ++;
                    t->summed_min = d < t->summed_min ? d : t->summed_min;
                    t->summed_max = d > t->summed_max ? d : t->summed_max;
                }
            }
        }
        while (next < n && s[next] == ' ')
            next++;
        if (next < n && s[next] == '\n')
            next++;
        if (next >= n)
            break;
        pos = next;
    }
}

static void check_wrapping(ui *u, const char *regular, const char *bold_font)
{
    static const int sizes[] = {14, 18, 22, 26, 28, 31, 40, 64};
    static const int widths[] = {120, 200, 333, 480, 700, 1000, 1228};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        for (int b = 0; b < 2; b++) {
            int px = sizes[si];
            TTF_Font *f = TTF_OpenFont(b ? bold_font : regular, px);
            CHECK(f != NULL);
            if (!f)
                continue;
            tally t = {0};
            for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++)
                for (int i = 0; i < n_texts; i++)
                    check_text(u, f, texts[i], widths[wi], px, b, &t);
            printf("  %2d px %-7s %6ld lines, %6ld in one run: whole-line width used; words+spaces "
                   "summed differ on %ld (%+d..%+d px)\n",
                   px, b ? "bold" : "regular", t.lines, t.one_run_lines, t.summed_differ,
                   t.summed_min, t.summed_max);
            TTF_CloseFont(f);
        }
    }
}

static void check_cache(plat *p)
{
    size_t bytes;
    int entries;
    plat_color fg = {0x1b, 0x1f, 0x24, 255};
    const char *first = "Қалған уақыт: 1:09:59 — Оставшееся время";
    plat_clear(p, (plat_color){255, 255, 255, 255});
    plat_text(p, 10, 10, 26, true, fg, first, strlen(first));
    int w0 = plat_text_width(p, 26, true, first, strlen(first));
    /* An hour of a clock, then many long lines: the cache is bounded in
     * bytes, not in entries. */
    char buf[256];
    for (int sec = 0; sec < 3600; sec++) {
        snprintf(buf, sizeof buf, "1 / 20   Қалған уақыт: %d:%02d:%02d", sec / 3600, sec / 60 % 60,
                 sec % 60);
        plat_text(p, 10, 50, 26, true, fg, buf, strlen(buf));
    }
    plat_text_cache(p, &bytes, &entries);
    printf("  after 3,600 clock texts: %zu bytes in %d textures\n", bytes, entries);
    CHECK(entries < 30);
    /* The width is the width drawn: the digits' widths summed. */
    CHECK_INT(plat_text_width(p, 26, true, "1", 1) + plat_text_width(p, 26, true, "0", 1),
              plat_text_width(p, 26, true, "10", 2));
    for (int i = 0; i < 3000; i++) {
        snprintf(buf, sizeof buf,
                 "Line %c%c%c of a long text that fills the cache with wide textures", 'a' + i % 26,
                 'a' + i / 26 % 26, 'a' + i / 676 % 26);
        plat_text(p, 10, 90, 28, false, fg, buf, strlen(buf));
    }
    plat_text_cache(p, &bytes, &entries);
    printf("  after 3,000 long lines: %zu bytes in %d textures (bound %zu)\n", bytes, entries,
           plat_text_cache_bound());
    CHECK(bytes <= plat_text_cache_bound());
    CHECK(bytes > plat_text_cache_bound() / 2);
    /* Evicted and drawn again: the same width, no error. */
    plat_text(p, 10, 10, 26, true, fg, first, strlen(first));
    CHECK_INT(w0, plat_text_width(p, 26, true, first, strlen(first)));
    /* Below the clip: not rendered, so nothing enters the cache. */
    plat_text_cache(p, &bytes, &entries);
    int before = entries;
    plat_clip(p, 0, 0, 200, 100);
    plat_text(p, 10, 300, 28, false, fg, "hidden below the clip", 21);
    plat_clip(p, 0, 0, 0, 0);
    plat_text_cache(p, &bytes, &entries);
    CHECK_INT(before, entries);
    plat_present(p);
}

/* One SDL event through plat_wait: 1 and *ev when the platform makes
 * one of it, else 0. */
/* The first font of role in the list at path (into out; "" if none). */
static void list_font(const char *path, const char *role, char *out, size_t n)
{
    out[0] = 0;
    FILE *f = fopen(path, "r");
    char line[600];
    while (f && fgets(line, sizeof line, f)) {
        char r[16], file[512];
        if (line[0] == '#' || sscanf(line, "%15s %511s", r, file) != 2)
            continue;
        if (!strcmp(r, role) && !out[0])
            snprintf(out, n, "%s", file);
    }
    if (f)
        fclose(f);
}

static const char *const italic_texts[] = {
    "Сайлауға қатысу ерікті: ешкім азаматты мәжбүрлей алмайды (Ә Ғ Қ Ң Ө Ұ Ү Һ І)",
    "Участие в выборах добровольное: никто не может принуждать гражданина",
    "Taking part in elections is voluntary",
};

/* Italic in the list's italic faces. */
static void check_italic_faces(plat *p, const char *list)
{
    char it[512], bit[512], reg[512];
    list_font(list, "italic", it, sizeof it);
    list_font(list, "bold-italic", bit, sizeof bit);
    list_font(list, "regular", reg, sizeof reg);
    CHECK(it[0] && bit[0] && reg[0]);
    if (!it[0] || !bit[0] || !reg[0])
        return;
    int px = 26;
    TTF_Font *fi = TTF_OpenFont(it, px), *fb = TTF_OpenFont(bit, px), *fr = TTF_OpenFont(reg, px);
    CHECK(fi && fb && fr);
    for (size_t i = 0; fi && fb && fr && i < sizeof italic_texts / sizeof *italic_texts; i++) {
        const char *t = italic_texts[i];
        size_t n = strlen(t);
        CHECK(one_run(fi, t, n) && one_run(fb, t, n));
        CHECK_INT(ttf_width(fi, t, n), plat_text_width(p, px, PLAT_ITALIC, t, n));
        CHECK_INT(ttf_width(fb, t, n), plat_text_width(p, px, PLAT_BOLD | PLAT_ITALIC, t, n));
        /* The italic face is narrower than the upright: another face. */
        CHECK(plat_text_width(p, px, PLAT_ITALIC, t, n) != ttf_width(fr, t, n));
    }
    if (fi)
        TTF_CloseFont(fi);
    if (fb)
        TTF_CloseFont(fb);
    if (fr)
        TTF_CloseFont(fr);
}

/* The text drawn alone at (10, 10) in style, shot into path. */
static void shot_text(plat *p, int style, const char *t, const char *path)
{
    char err[300];
    plat_clear(p, (plat_color){255, 255, 255, 255});
    plat_text(p, 10, 10, 32, style, (plat_color){0, 0, 0, 255}, t, strlen(t));
    CHECK_INT(0, plat_screenshot(p, path, err, sizeof err));
    plat_present(p);
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (f)
        fclose(f);
    return n;
}

static bool same_file(const char *a, const char *b)
{
    FILE *x = fopen(a, "rb"), *y = fopen(b, "rb");
    bool same = x && y;
    while (same) {
        int c = fgetc(x), d = fgetc(y);
        same = c == d;
        if (c == EOF)
            break;
    }
    if (x)
        fclose(x);
    if (y)
        fclose(y);
    return same;
}

/* A list with no italic face: italic is the upright slanted, drawn. */
static void check_italic_fallback(const char *list)
{
    char reg[512], bold[512], dir[] = "/tmp/synaq-italic-XXXXXX";
    list_font(list, "regular", reg, sizeof reg);
    list_font(list, "bold", bold, sizeof bold);
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[600], up[600], sl[600], blank[600];
    snprintf(path, sizeof path, "%s/fonts.list", dir);
    snprintf(up, sizeof up, "%s/upright.png", dir);
    snprintf(sl, sizeof sl, "%s/slanted.png", dir);
    snprintf(blank, sizeof blank, "%s/blank.png", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "regular %s\nbold %s\n", reg, bold);
        fclose(f);
    }
    plat *p = NULL;
    char err[600];
    plat_config cfg = {640, 120, true, false, path, NULL};
    CHECK_INT(0, plat_open(&cfg, &p, err, sizeof err));
    if (p) {
        const char *t = italic_texts[0];
        size_t n = strlen(t);
        CHECK(plat_text_width(p, 32, PLAT_ITALIC, t, n) > 0);
        CHECK(plat_text_width(p, 32, PLAT_BOLD | PLAT_ITALIC, t, n) > 0);
        shot_text(p, 0, "", blank);
        shot_text(p, 0, "Ерікті қатысу", up);
        shot_text(p, PLAT_ITALIC, "Ерікті қатысу", sl);
        CHECK(file_size(sl) > 0 && !same_file(sl, blank));
        CHECK(!same_file(sl, up));
    }
    plat_close(p);
    remove(path);
    remove(up);
    remove(sl);
    remove(blank);
    rmdir(dir);
}

static int through(plat *p, SDL_Event *e, plat_event *ev)
{
    if (SDL_PushEvent(e) != 1)
        return -1;
    return plat_wait(p, 50, ev);
}

static int finger(plat *p, Uint32 type, SDL_FingerID id, float x, float y, plat_event *ev)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.tfinger.touchId = 1;
    e.tfinger.fingerId = id;
    e.tfinger.x = x;
    e.tfinger.y = y;
    return through(p, &e, ev);
}

static int touch_mouse(plat *p, Uint32 type, int x, int y, plat_event *ev)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.button.which = SDL_TOUCH_MOUSEID;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    e.button.x = x;
    e.button.y = y;
    return through(p, &e, ev);
}

static void check_touch(plat *p)
{
    int w, h;
    plat_event ev;
    plat_size(p, &w, &h);
    SDL_FlushEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);
    /* One finger: SDL's mouse is the press. */
    CHECK_INT(0, finger(p, SDL_FINGERDOWN, 7, 0.25f, 0.5f, &ev));
    CHECK_INT(1, touch_mouse(p, SDL_MOUSEBUTTONDOWN, w / 4, h / 2, &ev));
    CHECK_INT(PLAT_DOWN, ev.type);
    /* The second finger takes the press back. */
    CHECK_INT(1, finger(p, SDL_FINGERDOWN, 9, 0.75f, 0.5f, &ev));
    CHECK_INT(PLAT_UP, ev.type);
    CHECK(ev.cancel);
    CHECK_INT(w / 4, ev.x);
    /* Apart from w/2 to 5w/8: x1.25 around the middle of the fingers. */
    CHECK_INT(1, finger(p, SDL_FINGERMOTION, 9, 0.875f, 0.5f, &ev));
    CHECK_INT(PLAT_PINCH, ev.type);
    CHECK(ev.scale > 1.249f && ev.scale < 1.251f);
    CHECK_INT((int)(w * (0.25f + 0.875f) / 2), ev.x);
    CHECK_INT(h / 2, ev.y);
    /* Then together to w/4: x0.4, from the last distance. */
    CHECK_INT(1, finger(p, SDL_FINGERMOTION, 7, 0.625f, 0.5f, &ev));
    CHECK_INT(PLAT_PINCH, ev.type);
    CHECK(ev.scale > 0.399f && ev.scale < 0.401f);
    /* SDL's mouse of the first finger is no press now; nor is a third
     * finger anything. */
    CHECK_INT(0, touch_mouse(p, SDL_MOUSEBUTTONUP, w / 4, h / 2, &ev));
    CHECK_INT(0, finger(p, SDL_FINGERDOWN, 11, 0.1f, 0.1f, &ev));
    CHECK_INT(0, finger(p, SDL_FINGERMOTION, 11, 0.2f, 0.2f, &ev));
    CHECK_INT(0, finger(p, SDL_FINGERUP, 11, 0.2f, 0.2f, &ev));
    /* One finger left: no pinch from it alone, nor SDL's mouse. */
    CHECK_INT(0, finger(p, SDL_FINGERUP, 7, 0.625f, 0.5f, &ev));
    CHECK_INT(0, finger(p, SDL_FINGERMOTION, 9, 0.5f, 0.5f, &ev));
    CHECK_INT(0, touch_mouse(p, SDL_MOUSEBUTTONDOWN, w / 2, h / 2, &ev));
    CHECK_INT(0, finger(p, SDL_FINGERUP, 9, 0.5f, 0.5f, &ev));
    /* All up: a touch is a press again. */
    CHECK_INT(0, finger(p, SDL_FINGERDOWN, 12, 0.5f, 0.5f, &ev));
    CHECK_INT(1, touch_mouse(p, SDL_MOUSEBUTTONDOWN, w / 2, h / 2, &ev));
    CHECK_INT(PLAT_DOWN, ev.type);
    CHECK_INT(1, touch_mouse(p, SDL_MOUSEBUTTONUP, w / 2, h / 2, &ev));
    CHECK_INT(PLAT_UP, ev.type);
    CHECK(!ev.cancel);
    CHECK_INT(0, finger(p, SDL_FINGERUP, 12, 0.5f, 0.5f, &ev));
    /* Escape is back; other keys of that kind stay nothing. */
    SDL_Event k;
    memset(&k, 0, sizeof k);
    k.type = SDL_KEYDOWN;
    k.key.keysym.sym = SDLK_ESCAPE;
    CHECK_INT(1, through(p, &k, &ev));
    CHECK_INT(PLAT_KEY, ev.type);
    CHECK_INT(PLAT_KEY_BACK, ev.key);
    k.key.keysym.sym = SDLK_F4;
    k.key.keysym.mod = KMOD_LALT;
    CHECK_INT(0, through(p, &k, &ev));
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_text FONTS_LIST EN.json KK.json RU.json\n");
        return 2;
    }
    setenv("SDL_VIDEODRIVER", "dummy", 0);
    plat *p = NULL;
    char err[600];
    plat_config cfg = {1280, 800, true, false, argv[1], NULL};
    if (plat_open(&cfg, &p, err, sizeof err) != 0) {
        fprintf(stderr, "test_text: %s\n", err);
        plat_close(p);
        return 1;
    }
    /* The fonts plat uses, opened again to measure lines with SDL_ttf. */
    char regular[512] = "", bold[512] = "";
    FILE *f = fopen(argv[1], "r");
    char line[600];
    while (f && fgets(line, sizeof line, f)) {
        char role[16], file[512];
        if (line[0] == '#' || sscanf(line, "%15s %511s", role, file) != 2)
            continue;
        if (!strcmp(role, "regular") && !regular[0])
            snprintf(regular, sizeof regular, "%s", file);
        if (!strcmp(role, "bold") && !bold[0])
            snprintf(bold, sizeof bold, "%s", file);
    }
    if (f)
        fclose(f);
    json_t *cats[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < sizeof questions / sizeof questions[0]; i++)
        add_text(questions[i]);
    for (int i = 0; i < 3; i++)
        if (load_catalogue(argv[2 + i], &cats[i]))
            return 1;
    ui *u = calloc(1, sizeof *u);
    ui_init(u, p, false, 0);
    printf("wrapping %d texts:\n", n_texts);
    check_wrapping(u, regular, bold[0] ? bold : regular);
    printf("text cache:\n");
    check_cache(p);
    printf("touch:\n");
    check_touch(p);
    printf("italic:\n");
    check_italic_faces(p, argv[1]);
    free(u);
    for (int i = 0; i < 3; i++)
        json_decref(cats[i]);
    plat_close(p);
    check_italic_fallback(argv[1]);
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}
