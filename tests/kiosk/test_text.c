/*
 * test_text.c - the kiosk's text cache (kiosk/plat_sdl.c) on the real
 * fonts, headless (SDL's dummy driver).
 *
 *   test_text FONTS_LIST
 *
 * An hour of a clock drawn: its digits are drawn one by one, so the hour
 * adds a handful of textures, not 3,600. Then 3,000 long lines: the cache
 * stays within its bound in bytes, and a text drawn before the churn is
 * drawn the same after it; text below the clip is not rendered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plat.h"

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
        snprintf(buf, sizeof buf, "1 / 20   Қалған уақыт: %d:%02d:%02d", sec / 3600,
                 sec / 60 % 60, sec % 60);
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
                 "Line %c%c%c of a long text that fills the cache with wide textures",
                 'a' + i % 26, 'a' + i / 26 % 26, 'a' + i / 676 % 26);
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

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_text FONTS_LIST\n");
        return 2;
    }
    setenv("SDL_VIDEODRIVER", "dummy", 0);
    plat *p = NULL;
    char err[600];
    plat_config cfg = {1280, 800, true, false, argv[1]};
    if (plat_open(&cfg, &p, err, sizeof err) != 0) {
        fprintf(stderr, "test_text: %s\n", err);
        plat_close(p);
        return 1;
    }
    printf("text cache:\n");
    check_cache(p);
    plat_close(p);
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}
