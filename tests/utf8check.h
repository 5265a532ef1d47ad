/*
 * utf8check.h - the tests' own UTF-8 checker, independent of the
 * library's, for the tests and the fuzzers (header only, no state).
 */
#ifndef SYNAQ_TESTS_UTF8CHECK_H
#define SYNAQ_TESTS_UTF8CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether the len bytes at s are strict UTF-8: no overlong form, no
 * surrogate, nothing above U+10FFFF, no character cut at the end. With
 * printable, also no control character (C0, DEL, C1): what a screen or a
 * log can show safely. */
static inline bool utf8_check(const char *s, size_t len, bool printable)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        int n = *p < 0x80             ? 1
                : (*p & 0xe0) == 0xc0 ? 2
                : (*p & 0xf0) == 0xe0 ? 3
                : (*p & 0xf8) == 0xf0 ? 4
                                      : 0;
        if (!n || n > end - p)
            return false;
        uint32_t c = n == 1 ? *p : *p & (0xffu >> (n + 1));
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            c = (c << 6) | (p[i] & 0x3f);
        }
        static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (c < least[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return false;
        if (printable && (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)))
            return false;
        p += n;
    }
    return true;
}

#endif
