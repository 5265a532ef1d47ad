/*
 * coverage.c - synaq-font-coverage: do the kiosk's fonts have a glyph for
 * every character its texts use?
 *
 *   synaq-font-coverage [--strict] FONTS_LIST FILE...
 *
 * Loads every font of FONTS_LIST (the format of fonts/fonts.list: "ROLE
 * /ABSOLUTE/PATH" a line, '#' comments) with SDL2_ttf, reads each FILE as UTF-8
 * (message catalogues, exam sources), and checks each distinct code point:
 *
 *   - missing: no font of the list has it. An error.
 *   - covered only by fallback: the primary (first) font of a role lacks
 *     it, a later font has it; or no font of that role has it, a font of
 *     another role does. A warning; an error with --strict.
 *
 * Control characters, ASCII blanks, U+2028/U+2029 and U+FEFF are skipped;
 * other spaces (U+00A0 ...) are checked, since the renderer needs their
 * advance from a font. \uXXXX and \UXXXXXXXX escapes (JSON, YAML double
 * quotes) are decoded and checked as well as the raw text.
 *
 * Exit status: 0 all covered, 1 something missing (or a file unreadable,
 * not UTF-8, a font unloadable), 2 a usage error.
 */
#define SDL_MAIN_HANDLED
#include <SDL.h>
#include <SDL_ttf.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "synaq-font-coverage"
#define MAX_FONTS 32
#define MAX_FILE_BYTES (64L << 20)
#define CP_LIMIT 0x110000u

enum { ROLE_REGULAR, ROLE_BOLD, ROLE_ITALIC, ROLE_BOLD_ITALIC, ROLE_COUNT };
static const char *const role_names[ROLE_COUNT] = {"regular", "bold", "italic", "bold-italic"};

struct font {
    int role;
    char *path;
    TTF_Font *ttf;
};

struct seen {
    uint32_t cp;
    int file;      /* first file it occurs in */
    long line;     /* and the line there */
    int nfiles;    /* number of files it occurs in */
    int last_file; /* to count nfiles */
};

static struct font fonts[MAX_FONTS];
static int nfonts;
static struct seen *seen;
static size_t nseen, capseen;
static int32_t *slot; /* code point -> index in seen + 1, 0 if not seen */
static int errors;

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    errors++;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Reads a whole file; NULL on failure (reported). */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            fail("%s: out of memory", path);
            fclose(f);
            return NULL;
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        if ((long)cap >= MAX_FILE_BYTES) {
            fail("%s: larger than %ld bytes", path, MAX_FILE_BYTES);
            free(buf);
            fclose(f);
            return NULL;
        }
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb)
            free(buf);
        buf = nb;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fail("%s: read error", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ---- the font list ------------------------------------------------------ */

static int load_fonts(const char *list)
{
    size_t len;
    char *text = read_all(list, &len);
    if (!text)
        return -1;
    long lineno = 0;
    int bad = 0;
    for (char *line = text, *next; line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        char *role = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        char *end = p + strlen(p);
        while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
            *--end = '\0';
        int r = -1;
        for (int i = 0; i < ROLE_COUNT; i++)
            if (strcmp(role, role_names[i]) == 0)
                r = i;
        if (r < 0) {
            fail("%s:%ld: unknown role '%s' (regular, bold, italic or bold-italic)", list, lineno, role);
            bad = 1;
            continue;
        }
        if (*p == '\0') {
            fail("%s:%ld: role '%s' without a font path", list, lineno, role);
            bad = 1;
            continue;
        }
        if (nfonts == MAX_FONTS) {
            fail("%s:%ld: more than %d fonts", list, lineno, MAX_FONTS);
            bad = 1;
            break;
        }
        /* The kiosk reads "%s %s": an absolute path without blanks. */
        if (p[0] != '/' || strpbrk(p, " \t")) {
            fail("%s:%ld: '%s' is not an absolute path without blanks", list, lineno, p);
            bad = 1;
            continue;
        }
        char *path = strdup(p);
        if (!path) {
            fail("out of memory");
            bad = 1;
            break;
        }
        TTF_Font *ttf = TTF_OpenFont(path, 16);
        if (!ttf) {
            fail("%s:%ld: cannot load font %s: %s", list, lineno, path, TTF_GetError());
            free(path);
            bad = 1;
            continue;
        }
        fonts[nfonts++] = (struct font){.role = r, .path = path, .ttf = ttf};
    }
    free(text);
    if (bad)
        return -1;
    int have_regular = 0;
    for (int i = 0; i < nfonts; i++)
        have_regular |= fonts[i].role == ROLE_REGULAR;
    if (!have_regular) {
        fail("%s: no regular font", list);
        return -1;
    }
    return 0;
}

/* ---- reading the texts -------------------------------------------------- */

static int skipped(uint32_t cp)
{
    return cp < 0x20 || cp == 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0xfeff;
}

static void note(uint32_t cp, int file, long line)
{
    if (cp >= CP_LIMIT || (cp >= 0xd800 && cp <= 0xdfff) || skipped(cp))
        return;
    int32_t s = slot[cp];
    if (s == 0) {
        if (nseen == capseen) {
            size_t ncap = capseen ? capseen * 2 : 256;
            struct seen *n = realloc(seen, ncap * sizeof *n);
            if (!n) {
                fprintf(stderr, PROG ": out of memory\n");
                exit(1);
            }
            seen = n;
            capseen = ncap;
        }
        seen[nseen] = (struct seen){cp, file, line, 0, -1};
        slot[cp] = (int32_t)++nseen;
        s = slot[cp];
    }
    struct seen *e = &seen[s - 1];
    if (e->last_file != file) {
        e->last_file = file;
        e->nfiles++;
    }
}

/* Decodes one UTF-8 sequence at p (n bytes left); returns its length, or 0
 * if it is not valid UTF-8 (overlong forms, surrogates, > U+10FFFF too). */
static int utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    int len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    if (v < min || v >= CP_LIMIT || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

static int hexval(const char *p, int digits, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return 0;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 1;
}

static void scan_file(const char *path, int file)
{
    size_t len;
    char *text = read_all(path, &len);
    if (!text)
        return;
    const unsigned char *u = (const unsigned char *)text;
    long line = 1;
    int bad_reported = 0;
    /* The raw text. */
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int n = utf8_decode(u + i, len - i, &cp);
        if (n == 0) {
            if (!bad_reported)
                fail("%s:%ld: not valid UTF-8 (byte 0x%02X at offset %zu)", path, line, u[i], i);
            bad_reported = 1;
            i++;
            continue;
        }
        if (cp == '\n')
            line++;
        note(cp, file, line);
        i += (size_t)n;
    }
    /* Escapes: \uXXXX (with surrogate pairs) and \UXXXXXXXX. */
    line = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            line++;
            continue;
        }
        if (text[i] != '\\' || i + 1 >= len)
            continue;
        char k = text[i + 1];
        uint32_t v;
        if (k == 'u' && i + 6 <= len && hexval(text + i + 2, 4, &v)) {
            if (v >= 0xd800 && v <= 0xdbff && i + 12 <= len && text[i + 6] == '\\' &&
                text[i + 7] == 'u') {
                uint32_t lo;
                if (hexval(text + i + 8, 4, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
                    note(0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00), file, line);
                    i += 11;
                    continue;
                }
            }
            note(v, file, line);
            i += 5;
        } else if (k == 'U' && i + 10 <= len && hexval(text + i + 2, 8, &v)) {
            note(v, file, line);
            i += 9;
        } else {
            i++; /* "\\" and any other escape: skip its second character */
        }
    }
    free(text);
}

/* ---- the report --------------------------------------------------------- */

static int by_cp(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    return x->cp < y->cp ? -1 : x->cp > y->cp;
}

static const char *utf8_of(uint32_t cp, char buf[8])
{
    if (cp < 0x80) {
        buf[0] = (char)cp, buf[1] = 0;
    } else if (cp < 0x800) {
        buf[0] = (char)(0xc0 | cp >> 6), buf[1] = (char)(0x80 | (cp & 0x3f)), buf[2] = 0;
    } else if (cp < 0x10000) {
        buf[0] = (char)(0xe0 | cp >> 12), buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        buf[2] = (char)(0x80 | (cp & 0x3f)), buf[3] = 0;
    } else {
        buf[0] = (char)(0xf0 | cp >> 18), buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        buf[2] = (char)(0x80 | (cp >> 6 & 0x3f)), buf[3] = (char)(0x80 | (cp & 0x3f));
        buf[4] = 0;
    }
    return buf;
}

static void print_where(const struct seen *e, char *const *files)
{
    printf(" (in %s:%ld", files[e->file], e->line);
    if (e->nfiles > 1)
        printf(" and %d more file%s", e->nfiles - 1, e->nfiles > 2 ? "s" : "");
    printf(")\n");
}

int main(int argc, char **argv)
{
    int strict = 0, argi = 1;
    if (argi < argc && strcmp(argv[argi], "--strict") == 0) {
        strict = 1;
        argi++;
    }
    if (argi < argc && (strcmp(argv[argi], "--help") == 0 || strcmp(argv[argi], "-h") == 0)) {
        printf("usage: " PROG " [--strict] FONTS_LIST FILE...\n"
               "Checks that the fonts of FONTS_LIST have a glyph for every character of the\n"
               "UTF-8 FILEs. Exit 1 if one is missing from every font (--strict: or is\n"
               "covered only by a fallback font).\n");
        return 0;
    }
    if (argc - argi < 2) {
        fprintf(stderr, "usage: " PROG " [--strict] FONTS_LIST FILE...\n");
        return 2;
    }
    const char *list = argv[argi++];
    char **files = argv + argi;
    int nfiles = argc - argi;

    if (TTF_Init() != 0) {
        fprintf(stderr, PROG ": TTF_Init: %s\n", TTF_GetError());
        return 1;
    }
    slot = calloc(CP_LIMIT, sizeof *slot);
    if (!slot) {
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    if (load_fonts(list) != 0) {
        fprintf(stderr, PROG ": the font list %s cannot be used\n", list);
        return 1;
    }
    for (int i = 0; i < nfiles; i++)
        scan_file(files[i], i);
    if (nseen)
        qsort(seen, nseen, sizeof *seen, by_cp);

    int primary[ROLE_COUNT];
    for (int r = 0; r < ROLE_COUNT; r++) {
        primary[r] = -1;
        for (int i = nfonts - 1; i >= 0; i--)
            if (fonts[i].role == r)
                primary[r] = i;
    }
    size_t missing = 0, fallback = 0, fallback_regular = 0;
    char ch[8];
    for (size_t k = 0; k < nseen; k++) {
        const struct seen *e = &seen[k];
        int any = -1;
        for (int i = 0; i < nfonts && any < 0; i++)
            if (TTF_GlyphIsProvided32(fonts[i].ttf, e->cp))
                any = i;
        if (any < 0) {
            missing++;
            printf("MISSING  U+%04X %s  in no font", (unsigned)e->cp, utf8_of(e->cp, ch));
            print_where(e, files);
            continue;
        }
        int counted = 0;
        for (int r = 0; r < ROLE_COUNT; r++) {
            if (primary[r] < 0 || TTF_GlyphIsProvided32(fonts[primary[r]].ttf, e->cp))
                continue;
            int by = -1;
            for (int i = primary[r] + 1; i < nfonts && by < 0; i++)
                if (fonts[i].role == r && TTF_GlyphIsProvided32(fonts[i].ttf, e->cp))
                    by = i;
            printf("FALLBACK U+%04X %s  %s: not in the primary %s, ", (unsigned)e->cp,
                   utf8_of(e->cp, ch), role_names[r], base_name(fonts[primary[r]].path));
            if (by >= 0)
                printf("covered only by fallback %s", base_name(fonts[by].path));
            else
                printf("in no %s font; only in %s", role_names[r], base_name(fonts[any].path));
            print_where(e, files);
            if (r == ROLE_REGULAR)
                fallback_regular++;
            if (!counted)
                fallback++;
            counted = 1;
        }
    }
    printf(PROG ": %d file%s, %zu distinct code points, %d fonts: %zu missing, %zu covered "
           "only by fallback (%zu not in the primary regular font)%s%s\n",
           nfiles, nfiles == 1 ? "" : "s", nseen, nfonts, missing, fallback, fallback_regular,
           errors ? ", FILE ERRORS (above)" : "", strict ? " [strict]" : "");

    for (int i = 0; i < nfonts; i++) {
        TTF_CloseFont(fonts[i].ttf);
        free(fonts[i].path);
    }
    TTF_Quit();
    free(seen);
    free(slot);
    return errors || missing || (strict && fallback) ? 1 : 0;
}
